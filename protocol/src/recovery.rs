//! Connection state recovery (Socket.IO 4.6+, Engine.IO 4 clients only): the
//! few wire facts, as pure functions.
//!
//! - The CONNECT reply carries a private id next to the socket id:
//!   `0{"sid":"..","pid":".."}` ([`crate::socketio::encode_connect_recoverable`]).
//! - Every event the server may replay carries its [`Offset`] as one more,
//!   last, string argument ([`crate::socketio::encode_replayable_event`]); the
//!   client keeps the last one it saw.
//! - A client coming back sends both in its CONNECT payload next to its own
//!   auth: `{"pid":"..","offset":"..", ...}` ([`RecoveryRequest::take`]).
//!
//! Offsets have the shape of a Redis stream entry id, `<major>-<minor>`, in
//! both modes: with the streams adapter they *are* the entry ids (so Node
//! peers read them), alone the major part is a per-process epoch and the
//! minor part a counter.

use std::fmt;

use serde_json::{Map, Value as Json};

/// Where one replayable packet sits in a namespace's history; ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Offset {
    /// A Redis entry id's milliseconds, or this process's epoch.
    pub major: u64,
    /// A Redis entry id's sequence number, or the packet's counter.
    pub minor: u64,
}

impl Offset {
    /// `<digits>-<digits>` exactly (what `@socket.io/redis-streams-adapter`
    /// accepts); anything else is None.
    pub fn parse(text: &str) -> Option<Offset> {
        let (major, minor) = text.split_once('-')?;
        let digits =
            |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(major) || !digits(minor) {
            return None;
        }
        Some(Offset {
            major: major.parse().ok()?,
            minor: minor.parse().ok()?,
        })
    }

    /// The offset right after this one (Redis's exclusive range start).
    pub fn next(self) -> Offset {
        match self.minor.checked_add(1) {
            Some(minor) => Offset {
                major: self.major,
                minor,
            },
            None => Offset {
                major: self.major.saturating_add(1),
                minor: 0,
            },
        }
    }
}

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.major, self.minor)
    }
}

/// What a reconnecting client asks for in its CONNECT payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryRequest {
    /// The private id the server gave it.
    pub pid: String,
    /// The offset of the last replayable packet it received, as it sent
    /// it; None when it received none (Node refuses those; sio-host replays
    /// from the connect).
    pub offset: Option<String>,
}

impl RecoveryRequest {
    /// Take `pid` and `offset` out of a CONNECT payload (JSON text), leaving
    /// the client's own auth: the handler never sees the private id. None
    /// when the payload asks for no recovery (it is then left as it was).
    pub fn take(auth: &mut Option<String>) -> Option<RecoveryRequest> {
        let text = auth.as_deref()?;
        // Cheap test first: most CONNECTs carry no pid.
        if !text.contains("\"pid\"") {
            return None;
        }
        let Ok(Json::Object(mut map)) = serde_json::from_str::<Json>(text) else {
            return None;
        };
        let Some(Json::String(pid)) = map.remove("pid") else {
            return None;
        };
        let offset = match map.remove("offset") {
            Some(Json::String(offset)) => Some(offset),
            _ => None,
        };
        *auth = if map.is_empty() {
            None
        } else {
            Some(Json::Object(map).to_string())
        };
        Some(RecoveryRequest { pid, offset })
    }
}

/// Whether a socket in `rooms` is one of those `to_rooms`/`except` picks, as
/// Node's `shouldIncludePacket`: in one of `to_rooms` (any socket when it
/// is empty) and in none of `except`.
pub fn selects<'a>(
    rooms: impl Iterator<Item = &'a str> + Clone,
    to_rooms: &[String],
    except: &[String],
) -> bool {
    let included = to_rooms.is_empty() || rooms.clone().any(|r| to_rooms.iter().any(|t| t == r));
    included && !rooms.into_iter().any(|r| except.iter().any(|e| e == r))
}

/// `{"pid":..}` alone, for tests and peers that build a CONNECT payload.
pub fn auth_with(pid: &str, offset: Option<&str>, auth: Option<&Map<String, Json>>) -> String {
    let mut map = auth.cloned().unwrap_or_default();
    map.insert("pid".into(), pid.into());
    if let Some(offset) = offset {
        map.insert("offset".into(), offset.into());
    }
    Json::Object(map).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_parse_strictly_and_order() {
        let o = Offset::parse("1700000000000-3").unwrap();
        assert_eq!(
            o,
            Offset {
                major: 1_700_000_000_000,
                minor: 3
            }
        );
        assert_eq!(o.to_string(), "1700000000000-3");
        assert_eq!(o.next().to_string(), "1700000000000-4");
        for bad in [
            "",
            "1",
            "-1",
            "1-",
            "a-1",
            "1-2-3",
            "1 -2",
            "+1-2",
            "99999999999999999999999-1",
        ] {
            assert_eq!(Offset::parse(bad), None, "{bad}");
        }
        assert!(Offset::parse("2-0").unwrap() > Offset::parse("1-99").unwrap());
        let max = Offset {
            major: 1,
            minor: u64::MAX,
        };
        assert_eq!(max.next(), Offset { major: 2, minor: 0 });
    }

    #[test]
    fn recovery_request_is_taken_out_of_the_auth() {
        let mut auth = Some(r#"{"pid":"p1","offset":"5-6","token":"t"}"#.to_string());
        let r = RecoveryRequest::take(&mut auth).unwrap();
        assert_eq!(r.pid, "p1");
        assert_eq!(r.offset.as_deref(), Some("5-6"));
        assert_eq!(auth.as_deref(), Some(r#"{"token":"t"}"#));

        let mut auth = Some(r#"{"pid":"p1"}"#.to_string());
        let r = RecoveryRequest::take(&mut auth).unwrap();
        assert_eq!(r.offset, None);
        assert_eq!(auth, None);

        for text in [
            r#"{"token":"t"}"#,
            r#"{"pid":3}"#,
            "[1]",
            "{bad",
            r#""pid""#,
        ] {
            let mut auth = Some(text.to_string());
            assert_eq!(RecoveryRequest::take(&mut auth), None, "{text}");
            assert_eq!(auth.as_deref(), Some(text));
        }
        assert_eq!(RecoveryRequest::take(&mut None), None);
        let built = auth_with("p", Some("1-2"), None);
        assert_eq!(
            RecoveryRequest::take(&mut Some(built)),
            Some(RecoveryRequest {
                pid: "p".into(),
                offset: Some("1-2".into())
            })
        );
    }

    #[test]
    fn selects_as_node_does() {
        let rooms = ["sid1", "a"];
        let s = |to: &[&str], except: &[&str]| {
            let to: Vec<String> = to.iter().map(|s| s.to_string()).collect();
            let except: Vec<String> = except.iter().map(|s| s.to_string()).collect();
            selects(rooms.iter().copied(), &to, &except)
        };
        assert!(s(&[], &[]));
        assert!(s(&["a"], &[]));
        assert!(s(&["b", "sid1"], &[]));
        assert!(!s(&["b"], &[]));
        assert!(!s(&["a"], &["sid1"]));
        assert!(!s(&[], &["a"]));
        assert!(s(&[], &["b"]));
    }
}

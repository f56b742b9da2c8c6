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

use serde_json::Value as Json;

/// Where one replayable packet sits in a namespace's history, in the shape
/// of a Redis stream entry id, `<ms>-<seq>`; ordered as Redis orders them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Offset {
    /// A stream entry id's milliseconds, or this process's epoch.
    pub ms: u64,
    /// A stream entry id's sequence number, or the packet's counter.
    pub seq: u64,
}

impl Offset {
    /// `<digits>-<digits>`, each part fitting a u64; anything else is None.
    /// Node checks `/^[0-9]+-[0-9]+$/` before asking Redis, which refuses
    /// parts over 64 bits.
    pub fn parse(text: &str) -> Option<Offset> {
        let (ms, seq) = text.split_once('-')?;
        let part = |s: &str| {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            s.parse::<u64>().ok()
        };
        Some(Offset {
            ms: part(ms)?,
            seq: part(seq)?,
        })
    }

    /// The smallest id after this one, where an inclusive `XRANGE` starts to
    /// read what follows it (Node's `nextOffset`: the sequence plus one; on
    /// a full sequence, the next millisecond). None after the last id.
    pub fn next(self) -> Option<Offset> {
        match self.seq.checked_add(1) {
            Some(seq) => Some(Offset { ms: self.ms, seq }),
            None => Some(Offset {
                ms: self.ms.checked_add(1)?,
                seq: 0,
            }),
        }
    }
}

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
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

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}

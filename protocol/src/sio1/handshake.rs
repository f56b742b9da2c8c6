//! The handshake: the protocol number in the URL, the answer body
//! `sid:heartbeat:close:transports` (and its JSONP form), and the texts of
//! the answers that refuse one.

use std::fmt::Write as _;

use super::encode_jsonp;

/// The protocol number in the URL: `/socket.io/1/`.
pub const PROTOCOL: u32 = 1;

/// `/socket.io/` with no protocol number (HTTP 200, text/plain).
pub const WELCOME: &str = "Welcome to socket.io.";

/// A protocol number other than 1 (HTTP 500).
pub const PROTOCOL_NOT_SUPPORTED: &str = "Protocol version not supported.";

/// A handshake from an origin not allowed (HTTP 403).
pub const HANDSHAKE_BAD_ORIGIN: &str = "handshake bad origin";

/// A handshake refused by the authorization hook (HTTP 403).
pub const HANDSHAKE_UNAUTHORIZED: &str = "handshake unauthorized";

/// A handshake that failed inside the server (HTTP 500).
pub const HANDSHAKE_ERROR: &str = "handshake error";

/// The handshake answer's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handshake<'a> {
    /// The session id; it goes into URLs and the body, so it must not
    /// contain `:` or `/` (the reference uses base64url).
    pub sid: &'a str,
    /// Seconds the client waits for any packet before it considers the
    /// connection dead (on transports with heartbeats).
    pub heartbeat_timeout_secs: u64,
    /// Seconds after a transport closes before the session is gone.
    pub close_timeout_secs: u64,
    /// The transports the server offers, in order of preference.
    pub transports: &'a [&'a str],
}

impl Handshake<'_> {
    /// `sid:60:60:websocket,xhr-polling` (text/plain).
    pub fn to_body(&self) -> String {
        let mut out = String::with_capacity(self.sid.len() + 64);
        let _ = write!(
            out,
            "{}:{}:{}:",
            self.sid, self.heartbeat_timeout_secs, self.close_timeout_secs
        );
        for (i, transport) in self.transports.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(transport);
        }
        out
    }

    /// The JSONP form for `?jsonp=<index>`: `io.j[0]("sid:60:60:...");`
    /// (application/javascript).
    pub fn to_jsonp(&self, index: u64) -> String {
        encode_jsonp(index, &self.to_body())
    }
}

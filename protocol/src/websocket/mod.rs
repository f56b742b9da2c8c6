//! WebSocket (RFC 6455) for the server side, with permessage-deflate
//! (RFC 7692): the opening handshake's accept key and extension answer,
//! reading the frames a client sends (masked, fragmented, control frames in
//! between, close codes, UTF-8 of text messages, a size limit), writing the
//! server's unmasked frames, and compressing and inflating messages.
//!
//! Pure functions and state machines over bytes: the host owns the socket
//! and hands the bytes it read to a [`Decoder`], and writes what
//! [`encode_message`] and friends append to its buffer. tungstenite served
//! this until permessage-deflate: it rejects compressed frames, and once
//! deflate is negotiated a client may compress any message.
//!
//! Deflate is negotiated with both `server_no_context_takeover` and
//! `client_no_context_takeover` (the server may ask the latter even when the
//! client did not offer it): every message is compressed from a fresh state
//! both ways, so the server keeps no compression state per connection (a
//! broadcast is compressed once for all its receivers, and one inflater per
//! thread serves every connection), at the price of compressing repeated
//! small messages less well.

mod decoder;
mod deflate;
mod frame;
mod handshake;
#[cfg(test)]
mod tests;

pub use decoder::{Decoder, Incoming};
pub use deflate::{Deflater, Inflater, negotiate_deflate};
pub use frame::{encode_close, encode_control, encode_message};
pub use handshake::accept_key;

/// A close code (RFC 6455 section 7.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseCode(pub u16);

impl CloseCode {
    /// 1000: done.
    pub const NORMAL: CloseCode = CloseCode(1000);
    /// 1002: the peer broke the framing rules.
    pub const PROTOCOL: CloseCode = CloseCode(1002);
    /// 1007: a text message that is not UTF-8, or a compressed one that
    /// does not inflate.
    pub const INVALID_DATA: CloseCode = CloseCode(1007);
    /// 1008: the server's policy (a client that does not read).
    pub const POLICY: CloseCode = CloseCode(1008);
    /// 1009: a message over the size limit, compressed or inflated.
    pub const TOO_BIG: CloseCode = CloseCode(1009);

    /// Whether a peer may send this code in a close frame: 1000-1003,
    /// 1007-1014 and the registered and private ranges 3000-4999.
    pub fn is_valid_on_wire(self) -> bool {
        matches!(self.0, 1000..=1003 | 1007..=1014 | 3000..=4999)
    }
}

/// Why a connection must be failed: the close code to send and a reason
/// (for the close frame and the log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    /// The code for the close frame.
    pub code: CloseCode,
    /// What was wrong, short enough for a close frame (≤ 123 bytes).
    pub reason: &'static str,
}

impl Failure {
    pub(crate) const fn new(code: CloseCode, reason: &'static str) -> Failure {
        Failure { code, reason }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.reason, self.code.0)
    }
}

impl std::error::Error for Failure {}

/// A frame's opcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpCode {
    /// A later fragment of a message.
    Continuation,
    /// A text message's first (or only) frame.
    Text,
    /// A binary message's first (or only) frame.
    Binary,
    /// Close.
    Close,
    /// Ping.
    Ping,
    /// Pong.
    Pong,
}

impl OpCode {
    fn from_u4(b: u8) -> Option<OpCode> {
        Some(match b {
            0x0 => OpCode::Continuation,
            0x1 => OpCode::Text,
            0x2 => OpCode::Binary,
            0x8 => OpCode::Close,
            0x9 => OpCode::Ping,
            0xA => OpCode::Pong,
            _ => return None,
        })
    }

    fn to_u4(self) -> u8 {
        match self {
            OpCode::Continuation => 0x0,
            OpCode::Text => 0x1,
            OpCode::Binary => 0x2,
            OpCode::Close => 0x8,
            OpCode::Ping => 0x9,
            OpCode::Pong => 0xA,
        }
    }

    fn is_control(self) -> bool {
        matches!(self, OpCode::Close | OpCode::Ping | OpCode::Pong)
    }
}

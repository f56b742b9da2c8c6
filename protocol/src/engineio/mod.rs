//! Engine.IO protocol v4 codec: packets, websocket frames, HTTP long-polling
//! payloads, the handshake (`open` packet) JSON and the HTTP error bodies.
//!
//! Owns the v4 wire format only. The [`Packet`] type is the shared model;
//! the Engine.IO 3 codec ([`super::engineio3`], length-prefixed payloads)
//! decodes into the same type.
//!
//! Wire format (v4):
//! - a packet is one type character `'0'..='6'` followed by its data
//!   (`"4hello"`, `"2probe"`, `"3"`, `"6"`);
//! - on a websocket, a binary frame is a binary message as it is;
//! - a polling body is packets joined by `'\x1e'`, where a binary message is
//!   written `'b'` + standard base64.

use std::fmt;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use bytes::Bytes;

use super::push_json_string;

/// The record separator between packets in a polling payload.
pub const SEPARATOR: char = '\x1e';

/// Standard alphabet; encodes with padding, decodes with or without it (the
/// reference server uses Node's lenient `Buffer.from(.., "base64")`).
pub(crate) const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// One Engine.IO packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    /// `0`: the handshake, its data the JSON of [`Handshake`].
    Open(String),
    /// `1`: close the session (any data after the type is ignored).
    Close,
    /// `2`: ping, with optional data (`"probe"` during an upgrade).
    Ping(String),
    /// `3`: pong, echoing the ping's data.
    Pong(String),
    /// `4`: a text message (for the host: one Socket.IO packet).
    Message(String),
    /// A binary message: a websocket binary frame, or `b<base64>` when polling.
    Binary(Bytes),
    /// `5`: the client finished upgrading to websocket.
    Upgrade,
    /// `6`: no-op, used to end a pending poll during an upgrade.
    Noop,
}

/// A websocket frame carrying one packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsFrame {
    /// A text frame: the packet's text form (`4hello`).
    Text(String),
    /// A binary frame: a binary message's bytes, as they are.
    Binary(Bytes),
}

/// Why a packet or payload could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// An empty packet (or an empty payload, or an empty part of one).
    Empty,
    /// The first character is not a known packet type.
    UnknownType(char),
    /// A `b` part whose data is not valid base64.
    InvalidBase64,
    /// Engine.IO 3: a payload length prefix that is not a decimal number,
    /// does not match what follows, or cuts a character in two.
    InvalidLength,
    /// Engine.IO 3: a binary packet (a binary frame, a binary payload part,
    /// a `b` part) whose type is not a message: only messages carry binary.
    BinaryNotMessage,
    /// Engine.IO 3: a binary payload part that is text but not UTF-8.
    InvalidUtf8,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Empty => f.write_str("empty packet"),
            DecodeError::UnknownType(c) => write!(f, "unknown packet type {c:?}"),
            DecodeError::InvalidBase64 => f.write_str("invalid base64 in binary packet"),
            DecodeError::InvalidLength => f.write_str("invalid payload length"),
            DecodeError::BinaryNotMessage => f.write_str("binary packet that is not a message"),
            DecodeError::InvalidUtf8 => f.write_str("text packet that is not UTF-8"),
        }
    }
}

impl std::error::Error for DecodeError {}

impl Packet {
    /// One packet from a websocket text frame or one payload part: type digit
    /// `'0'..='6'` then data (`"4hello"`, `"2probe"`, `"3"`, `"6"`).
    ///
    /// As in the reference parser, a text starting with `b` is a base64 binary
    /// message (the polling form); it is accepted from a websocket text frame
    /// too.
    pub fn decode_text(s: &str) -> Result<Packet, DecodeError> {
        let mut chars = s.chars();
        let Some(kind) = chars.next() else {
            return Err(DecodeError::Empty);
        };
        let data = chars.as_str();
        Ok(match kind {
            '0' => Packet::Open(data.to_owned()),
            '1' => Packet::Close,
            '2' => Packet::Ping(data.to_owned()),
            '3' => Packet::Pong(data.to_owned()),
            '4' => Packet::Message(data.to_owned()),
            '5' => Packet::Upgrade,
            '6' => Packet::Noop,
            'b' => Packet::Binary(Bytes::from(
                BASE64
                    .decode(data)
                    .map_err(|_| DecodeError::InvalidBase64)?,
            )),
            other => return Err(DecodeError::UnknownType(other)),
        })
    }

    /// A websocket binary frame: in v4 always a binary message.
    pub fn from_binary_frame(b: Bytes) -> Packet {
        Packet::Binary(b)
    }

    /// The packet type character (`'b'` for a binary message).
    pub fn type_char(&self) -> char {
        match self {
            Packet::Open(_) => '0',
            Packet::Close => '1',
            Packet::Ping(_) => '2',
            Packet::Pong(_) => '3',
            Packet::Message(_) => '4',
            Packet::Upgrade => '5',
            Packet::Noop => '6',
            Packet::Binary(_) => 'b',
        }
    }

    /// Append the text form. For [`Packet::Binary`] this is the polling form
    /// `'b'` + base64.
    pub fn encode_text(&self, out: &mut String) {
        out.push(self.type_char());
        match self {
            Packet::Open(data)
            | Packet::Ping(data)
            | Packet::Pong(data)
            | Packet::Message(data) => out.push_str(data),
            Packet::Binary(bytes) => BASE64.encode_string(bytes, out),
            Packet::Close | Packet::Upgrade | Packet::Noop => {}
        }
    }

    /// The text form as a new string (see [`Packet::encode_text`]).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.encode_text(&mut out);
        out
    }

    /// The packet as a websocket frame: binary messages as binary frames,
    /// everything else as text.
    pub fn to_ws_frame(&self) -> WsFrame {
        match self {
            Packet::Binary(bytes) => WsFrame::Binary(bytes.clone()),
            other => WsFrame::Text(other.to_text()),
        }
    }
}

/// A polling POST body: packets separated by `'\x1e'`; a part starting with
/// `'b'` is base64 binary. An empty body or an empty part is an error, and so
/// is any undecodable part (the whole body is then rejected).
pub fn decode_payload(body: &str) -> Result<Vec<Packet>, DecodeError> {
    body.split(SEPARATOR).map(Packet::decode_text).collect()
}

/// A polling GET response body: the packets' text forms joined by `'\x1e'`.
pub fn encode_payload(packets: &[Packet]) -> String {
    let mut out = String::new();
    for (i, packet) in packets.iter().enumerate() {
        if i > 0 {
            out.push(SEPARATOR);
        }
        packet.encode_text(&mut out);
    }
    out
}

/// The open packet's JSON:
/// `{"sid":..,"upgrades":[..],"pingInterval":..,"pingTimeout":..,"maxPayload":..}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handshake<'a> {
    /// The session id (`sid`).
    pub sid: &'a str,
    /// The transports the client may upgrade to (`upgrades`), e.g. `["websocket"]`.
    pub upgrades: &'a [&'a str],
    /// Milliseconds between the server's pings (`pingInterval`).
    pub ping_interval_ms: u64,
    /// Milliseconds the client waits for a ping before it gives up (`pingTimeout`).
    pub ping_timeout_ms: u64,
    /// The largest polling payload, in bytes, the server accepts (`maxPayload`).
    pub max_payload: u64,
}

impl Handshake<'_> {
    /// The JSON text, keys in the reference server's order.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(96 + self.sid.len());
        out.push_str("{\"sid\":");
        push_json_string(&mut out, self.sid);
        out.push_str(",\"upgrades\":[");
        for (i, upgrade) in self.upgrades.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_json_string(&mut out, upgrade);
        }
        out.push_str("],\"pingInterval\":");
        out.push_str(&self.ping_interval_ms.to_string());
        out.push_str(",\"pingTimeout\":");
        out.push_str(&self.ping_timeout_ms.to_string());
        out.push_str(",\"maxPayload\":");
        out.push_str(&self.max_payload.to_string());
        out.push('}');
        out
    }

    /// The whole open packet (`0{...}`).
    pub fn to_packet(&self) -> Packet {
        Packet::Open(self.to_json())
    }
}

/// Engine.IO's HTTP error bodies: `{"code":0,"message":"Transport unknown"}` etc.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ErrorCode {
    /// 0, "Transport unknown": the `transport` query parameter names none.
    UnknownTransport = 0,
    /// 1, "Session ID unknown": the `sid` names no open session.
    UnknownSid = 1,
    /// 2, "Bad handshake method": a handshake that is not a GET.
    BadHandshakeMethod = 2,
    /// 3, "Bad request": anything else the server refuses.
    BadRequest = 3,
    /// 4, "Forbidden": refused by the server's checks (HTTP 403).
    Forbidden = 4,
    /// 5, "Unsupported protocol version": an `EIO` the server does not speak.
    UnsupportedProtocolVersion = 5,
}

impl ErrorCode {
    /// The numeric code sent in the body.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The message, exactly as the reference engine.io server words it.
    pub fn message(self) -> &'static str {
        match self {
            ErrorCode::UnknownTransport => "Transport unknown",
            ErrorCode::UnknownSid => "Session ID unknown",
            ErrorCode::BadHandshakeMethod => "Bad handshake method",
            ErrorCode::BadRequest => "Bad request",
            ErrorCode::Forbidden => "Forbidden",
            ErrorCode::UnsupportedProtocolVersion => "Unsupported protocol version",
        }
    }

    /// The HTTP status the reference server answers with: 403 for
    /// [`ErrorCode::Forbidden`], 400 otherwise.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::Forbidden => 403,
            _ => 400,
        }
    }

    /// The JSON body: `{"code":0,"message":"Transport unknown"}`.
    pub fn to_json(self) -> String {
        format!(
            "{{\"code\":{},\"message\":\"{}\"}}",
            self.code(),
            self.message()
        )
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

#[cfg(test)]
mod tests;

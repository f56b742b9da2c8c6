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
mod tests {
    use super::*;

    fn text(p: &Packet) -> String {
        p.to_text()
    }

    #[test]
    fn decode_text_each_type() {
        assert_eq!(
            Packet::decode_text("0{\"sid\":\"x\"}"),
            Ok(Packet::Open("{\"sid\":\"x\"}".into()))
        );
        assert_eq!(Packet::decode_text("1"), Ok(Packet::Close));
        assert_eq!(Packet::decode_text("2"), Ok(Packet::Ping(String::new())));
        assert_eq!(
            Packet::decode_text("2probe"),
            Ok(Packet::Ping("probe".into()))
        );
        assert_eq!(Packet::decode_text("3"), Ok(Packet::Pong(String::new())));
        assert_eq!(
            Packet::decode_text("3probe"),
            Ok(Packet::Pong("probe".into()))
        );
        assert_eq!(
            Packet::decode_text("4hello"),
            Ok(Packet::Message("hello".into()))
        );
        assert_eq!(Packet::decode_text("4"), Ok(Packet::Message(String::new())));
        assert_eq!(Packet::decode_text("5"), Ok(Packet::Upgrade));
        assert_eq!(Packet::decode_text("6"), Ok(Packet::Noop));
    }

    #[test]
    fn decode_text_ignores_data_on_dataless_types() {
        assert_eq!(Packet::decode_text("1bye"), Ok(Packet::Close));
        assert_eq!(Packet::decode_text("5x"), Ok(Packet::Upgrade));
        assert_eq!(Packet::decode_text("6x"), Ok(Packet::Noop));
    }

    #[test]
    fn decode_text_keeps_unicode_data() {
        assert_eq!(
            Packet::decode_text("4héllo €𝄞"),
            Ok(Packet::Message("héllo €𝄞".into()))
        );
    }

    #[test]
    fn decode_text_errors() {
        assert_eq!(Packet::decode_text(""), Err(DecodeError::Empty));
        assert_eq!(Packet::decode_text("7"), Err(DecodeError::UnknownType('7')));
        assert_eq!(
            Packet::decode_text("x4"),
            Err(DecodeError::UnknownType('x'))
        );
        assert_eq!(
            Packet::decode_text(" 4"),
            Err(DecodeError::UnknownType(' '))
        );
        assert_eq!(Packet::decode_text("é"), Err(DecodeError::UnknownType('é')));
        assert_eq!(Packet::decode_text("b!!!"), Err(DecodeError::InvalidBase64));
        assert_eq!(
            Packet::decode_text("bAQI D"),
            Err(DecodeError::InvalidBase64)
        );
    }

    #[test]
    fn decode_text_base64() {
        assert_eq!(
            Packet::decode_text("bAQIDBA=="),
            Ok(Packet::Binary(Bytes::from_static(&[1, 2, 3, 4])))
        );
        // Unpadded, as Node accepts it.
        assert_eq!(
            Packet::decode_text("bAQIDBA"),
            Ok(Packet::Binary(Bytes::from_static(&[1, 2, 3, 4])))
        );
        assert_eq!(Packet::decode_text("b"), Ok(Packet::Binary(Bytes::new())));
    }

    #[test]
    fn from_binary_frame_is_binary_message() {
        let b = Bytes::from_static(b"\x00\xffraw");
        assert_eq!(Packet::from_binary_frame(b.clone()), Packet::Binary(b));
        // Even bytes that look like a text packet.
        assert_eq!(
            Packet::from_binary_frame(Bytes::from_static(b"4hello")),
            Packet::Binary(Bytes::from_static(b"4hello"))
        );
    }

    #[test]
    fn encode_text_each_type() {
        assert_eq!(text(&Packet::Open("{}".into())), "0{}");
        assert_eq!(text(&Packet::Close), "1");
        assert_eq!(text(&Packet::Ping(String::new())), "2");
        assert_eq!(text(&Packet::Ping("probe".into())), "2probe");
        assert_eq!(text(&Packet::Pong("probe".into())), "3probe");
        assert_eq!(text(&Packet::Message("hello".into())), "4hello");
        assert_eq!(text(&Packet::Upgrade), "5");
        assert_eq!(text(&Packet::Noop), "6");
        assert_eq!(
            text(&Packet::Binary(Bytes::from_static(&[1, 2, 3, 4]))),
            "bAQIDBA=="
        );
        assert_eq!(text(&Packet::Binary(Bytes::new())), "b");
    }

    #[test]
    fn encode_text_appends() {
        let mut out = String::from("x");
        Packet::Message("y".into()).encode_text(&mut out);
        assert_eq!(out, "x4y");
    }

    #[test]
    fn type_chars() {
        assert_eq!(Packet::Open(String::new()).type_char(), '0');
        assert_eq!(Packet::Binary(Bytes::new()).type_char(), 'b');
        assert_eq!(Packet::Noop.type_char(), '6');
    }

    #[test]
    fn ws_frames() {
        assert_eq!(
            Packet::Message("hi".into()).to_ws_frame(),
            WsFrame::Text("4hi".into())
        );
        assert_eq!(
            Packet::Ping("probe".into()).to_ws_frame(),
            WsFrame::Text("2probe".into())
        );
        assert_eq!(
            Packet::Binary(Bytes::from_static(&[1, 2])).to_ws_frame(),
            WsFrame::Binary(Bytes::from_static(&[1, 2]))
        );
    }

    #[test]
    fn decode_payload_parts() {
        assert_eq!(
            decode_payload("4hello\x1e2\x1ebAQID\x1e6"),
            Ok(vec![
                Packet::Message("hello".into()),
                Packet::Ping(String::new()),
                Packet::Binary(Bytes::from_static(&[1, 2, 3])),
                Packet::Noop,
            ])
        );
        assert_eq!(decode_payload("1"), Ok(vec![Packet::Close]));
    }

    #[test]
    fn decode_payload_errors() {
        assert_eq!(decode_payload(""), Err(DecodeError::Empty));
        assert_eq!(decode_payload("4a\x1e"), Err(DecodeError::Empty));
        assert_eq!(decode_payload("\x1e4a"), Err(DecodeError::Empty));
        assert_eq!(decode_payload("4a\x1e\x1e4b"), Err(DecodeError::Empty));
        assert_eq!(
            decode_payload("4a\x1e9"),
            Err(DecodeError::UnknownType('9'))
        );
        assert_eq!(decode_payload("4a\x1eb%%"), Err(DecodeError::InvalidBase64));
        // Engine.IO 3 framing is not v4: "6:4hello" reads as a noop with data, as in the reference.
        assert_eq!(decode_payload("6:4hello"), Ok(vec![Packet::Noop]));
        assert_eq!(decode_payload("12:4hello"), Ok(vec![Packet::Close]));
    }

    #[test]
    fn encode_payload_joins() {
        assert_eq!(encode_payload(&[]), "");
        assert_eq!(encode_payload(&[Packet::Message("a".into())]), "4a");
        assert_eq!(
            encode_payload(&[
                Packet::Message("a".into()),
                Packet::Binary(Bytes::from_static(&[1, 2, 3])),
                Packet::Close,
            ]),
            "4a\x1ebAQID\x1e1"
        );
    }

    #[test]
    fn payload_round_trip() {
        let packets = vec![
            Packet::Open("{\"sid\":\"abc\"}".into()),
            Packet::Ping("probe".into()),
            Packet::Pong(String::new()),
            Packet::Message("42[\"chat\",\"hé\"]".into()),
            Packet::Binary(Bytes::from_static(&[0, 255, 7])),
            Packet::Upgrade,
            Packet::Noop,
            Packet::Close,
        ];
        assert_eq!(decode_payload(&encode_payload(&packets)), Ok(packets));
    }

    #[test]
    fn handshake_json() {
        let hs = Handshake {
            sid: "lv_VI97HAXpY6yYWAAAC",
            upgrades: &["websocket"],
            ping_interval_ms: 25000,
            ping_timeout_ms: 20000,
            max_payload: 1_000_000,
        };
        assert_eq!(
            hs.to_json(),
            r#"{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
        );
        assert_eq!(hs.to_packet(), Packet::Open(hs.to_json()));
        let none = Handshake {
            upgrades: &[],
            sid: "a\"b",
            ..hs
        };
        let json = none.to_json();
        assert_eq!(
            json,
            r#"{"sid":"a\"b","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
        );
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["sid"], "a\"b");
        let two = Handshake {
            upgrades: &["websocket", "webtransport"],
            ..hs
        };
        assert!(
            two.to_json()
                .contains(r#""upgrades":["websocket","webtransport"]"#)
        );
    }

    #[test]
    fn error_codes() {
        let all = [
            (ErrorCode::UnknownTransport, 0, "Transport unknown", 400),
            (ErrorCode::UnknownSid, 1, "Session ID unknown", 400),
            (
                ErrorCode::BadHandshakeMethod,
                2,
                "Bad handshake method",
                400,
            ),
            (ErrorCode::BadRequest, 3, "Bad request", 400),
            (ErrorCode::Forbidden, 4, "Forbidden", 403),
            (
                ErrorCode::UnsupportedProtocolVersion,
                5,
                "Unsupported protocol version",
                400,
            ),
        ];
        for (code, n, message, status) in all {
            assert_eq!(code.code(), n);
            assert_eq!(code.message(), message);
            assert_eq!(code.to_string(), message);
            assert_eq!(code.http_status(), status);
            assert_eq!(
                code.to_json(),
                format!("{{\"code\":{n},\"message\":\"{message}\"}}")
            );
        }
        assert_eq!(
            ErrorCode::UnknownTransport.to_json(),
            r#"{"code":0,"message":"Transport unknown"}"#
        );
    }

    #[test]
    fn error_display() {
        assert_eq!(DecodeError::Empty.to_string(), "empty packet");
        assert_eq!(
            DecodeError::UnknownType('9').to_string(),
            "unknown packet type '9'"
        );
        assert_eq!(
            DecodeError::InvalidBase64.to_string(),
            "invalid base64 in binary packet"
        );
        assert_eq!(
            DecodeError::InvalidLength.to_string(),
            "invalid payload length"
        );
        assert_eq!(
            DecodeError::BinaryNotMessage.to_string(),
            "binary packet that is not a message"
        );
        assert_eq!(
            DecodeError::InvalidUtf8.to_string(),
            "text packet that is not UTF-8"
        );
    }
}

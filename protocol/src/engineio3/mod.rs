//! Engine.IO protocol v3 codec (socket.io-client 2.x): packets, websocket
//! frames and the three HTTP long-polling payload forms, decoding into the
//! same [`Packet`] model as the v4 codec.
//!
//! Follows `engine.io-parser` 2.x (the parser of engine.io 3.x servers and
//! engine.io-client 3.x):
//! - a text packet is as in v4: one type character `'0'..='6'` then its data;
//! - a binary message on a websocket is a binary frame whose first byte is
//!   the packet type, `4` (message), followed by the data;
//! - in text form (polling, or a client without binary support) a binary
//!   message is `b4` + standard base64;
//! - a text polling payload is each packet prefixed with its length and a
//!   colon, `6:4hello2:40`, the length counted in UTF-16 code units (what
//!   JavaScript's `String.length` counts);
//! - a binary polling payload (XHR2, `application/octet-stream`) is, for each
//!   packet, a byte `0` (text) or `1` (binary), the decimal digits of its
//!   length as bytes `0..=9`, a byte `255`, then the packet: text as UTF-8,
//!   binary with its type byte.
//!
//! Stricter than the reference where it leans on JavaScript coercions: a
//! length prefix must be plain decimal digits (the reference also takes
//! `" 3"` or `"0x3"`), a binary payload may not end inside a packet (the
//! reference cuts it short silently), and only messages may carry binary
//! data.

use bytes::Bytes;

use super::engineio::{BASE64, DecodeError, Packet, WsFrame};
use base64::Engine as _;

/// The type byte of a binary message.
pub const MESSAGE: u8 = 4;

/// Binary payload part markers.
const PART_TEXT: u8 = 0;
const PART_BINARY: u8 = 1;
const PART_END_OF_LENGTH: u8 = 255;

/// One packet of a polling payload, in the form the wire layer holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part<'a> {
    /// A text packet, type character included (`4hello`, `6`).
    Text(&'a str),
    /// The data of a binary message (without its type byte).
    Binary(&'a [u8]),
}

/// One packet from a websocket text frame or one payload part.
///
/// As [`Packet::decode_text`], except that a binary message in text form is
/// `b4` + base64: the character after `b` is the packet type, and only `4`
/// (message) may carry binary.
pub fn decode_packet(text: &str) -> Result<Packet, DecodeError> {
    match text.strip_prefix('b') {
        Some(rest) => {
            let data = rest
                .strip_prefix(char::from(b'0' + MESSAGE))
                .ok_or(DecodeError::BinaryNotMessage)?;
            BASE64
                .decode(data)
                .map(|bytes| Packet::Binary(Bytes::from(bytes)))
                .map_err(|_| DecodeError::InvalidBase64)
        }
        None => Packet::decode_text(text),
    }
}

/// A websocket binary frame: the type byte, which must be `4` (message),
/// then the data.
pub fn decode_binary_frame(frame: &Bytes) -> Result<Packet, DecodeError> {
    match frame.first() {
        Some(&MESSAGE) => Ok(Packet::Binary(frame.slice(1..))),
        _ => Err(DecodeError::BinaryNotMessage),
    }
}

/// The websocket binary frame of a binary message: `4` then the data.
pub fn binary_frame(data: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(data.len() + 1);
    out.push(MESSAGE);
    out.extend_from_slice(data);
    Bytes::from(out)
}

/// A packet as a websocket frame: binary messages as binary frames with
/// their type byte, everything else as text.
pub fn encode_frame(packet: &Packet) -> WsFrame {
    match packet {
        Packet::Binary(data) => WsFrame::Binary(binary_frame(data)),
        other => WsFrame::Text(other.to_text()),
    }
}

/// A packet's text form: as in v4, except a binary message is `b4` + base64.
pub fn encode_text(packet: &Packet) -> String {
    match packet {
        Packet::Binary(data) => {
            let mut out = String::with_capacity(2 + data.len().div_ceil(3) * 4);
            push_base64_message(&mut out, data);
            out
        }
        other => other.to_text(),
    }
}

/// The part of a packet, borrowing from it.
pub fn part(packet: &Packet) -> PartBuf<'_> {
    match packet {
        Packet::Binary(data) => PartBuf::Binary(data),
        other => PartBuf::Text(other.to_text()),
    }
}

/// A [`Part`] whose text is owned (see [`part`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartBuf<'a> {
    /// A text packet, type character included, owned.
    Text(String),
    /// The data of a binary message (without its type byte), borrowed.
    Binary(&'a [u8]),
}

impl PartBuf<'_> {
    /// The borrowed [`Part`] the payload encoders take.
    pub fn as_part(&self) -> Part<'_> {
        match self {
            PartBuf::Text(text) => Part::Text(text),
            PartBuf::Binary(data) => Part::Binary(data),
        }
    }
}

fn push_base64_message(out: &mut String, data: &[u8]) {
    out.push('b');
    out.push(char::from(b'0' + MESSAGE));
    BASE64.encode_string(data, out);
}

/// Length of `s` in UTF-16 code units, as JavaScript counts it.
pub fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// A text polling payload: `<length>:<packet>` for each part, binary parts as
/// `b4` + base64. No parts is `0:`, as the reference writes it.
pub fn encode_payload(parts: &[Part<'_>]) -> String {
    if parts.is_empty() {
        return "0:".to_owned();
    }
    let mut out = String::with_capacity(
        parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.len() + 8,
                Part::Binary(b) => b.len().div_ceil(3) * 4 + 10,
            })
            .sum(),
    );
    let mut scratch = String::new();
    for part in parts {
        let text = match part {
            Part::Text(text) => *text,
            Part::Binary(data) => {
                scratch.clear();
                push_base64_message(&mut scratch, data);
                scratch.as_str()
            }
        };
        out.push_str(&utf16_len(text).to_string());
        out.push(':');
        out.push_str(text);
    }
    out
}

fn push_length_header(out: &mut Vec<u8>, kind: u8, len: usize) {
    out.push(kind);
    out.extend(len.to_string().bytes().map(|d| d - b'0'));
    out.push(PART_END_OF_LENGTH);
}

/// A binary (XHR2) polling payload: each part as `0|1`, its length as digit
/// bytes, `255`, then text as UTF-8 or a binary message's type byte and data.
pub fn encode_binary_payload(parts: &[Part<'_>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.len() + 12,
                Part::Binary(b) => b.len() + 13,
            })
            .sum(),
    );
    for part in parts {
        match part {
            Part::Text(text) => {
                push_length_header(&mut out, PART_TEXT, text.len());
                out.extend_from_slice(text.as_bytes());
            }
            Part::Binary(data) => {
                push_length_header(&mut out, PART_BINARY, data.len() + 1);
                out.push(MESSAGE);
                out.extend_from_slice(data);
            }
        }
    }
    out
}

/// A text polling payload (a POST body, or a JSONP form's `d` field).
///
/// Parts of length 0 (`0:`) are skipped, as in the reference. An empty body,
/// a length that is not decimal digits, that runs past the end or cuts a
/// character in two, a missing colon, or an undecodable packet reject the
/// whole payload.
pub fn decode_payload(body: &str) -> Result<Vec<Packet>, DecodeError> {
    if body.is_empty() {
        return Err(DecodeError::Empty);
    }
    let mut packets = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let (digits, after) = rest.split_once(':').ok_or(DecodeError::InvalidLength)?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DecodeError::InvalidLength);
        }
        let len: usize = digits.parse().map_err(|_| DecodeError::InvalidLength)?;
        let end = utf16_prefix(after, len).ok_or(DecodeError::InvalidLength)?;
        let (text, next) = after.split_at(end);
        if !text.is_empty() {
            packets.push(decode_packet(text)?);
        }
        rest = next;
    }
    Ok(packets)
}

/// The byte length of the first `units` UTF-16 code units of `s`; None when
/// `s` is shorter or the count ends inside a surrogate pair.
fn utf16_prefix(s: &str, units: usize) -> Option<usize> {
    let mut counted = 0;
    for (i, c) in s.char_indices() {
        if counted == units {
            return Some(i);
        }
        counted += c.len_utf16();
        if counted > units {
            return None;
        }
    }
    (counted == units).then_some(s.len())
}

/// A binary (XHR2) polling payload, the inverse of [`encode_binary_payload`].
///
/// Errors reject the whole payload: an empty body, a part marker other than
/// `0`/`1`, a length byte other than `0..=9`, no length digits or too many, a
/// length past the end, a text part that is not UTF-8, or a binary part that
/// is not a message.
pub fn decode_binary_payload(body: &[u8]) -> Result<Vec<Packet>, DecodeError> {
    if body.is_empty() {
        return Err(DecodeError::Empty);
    }
    let mut packets = Vec::new();
    let mut rest = body;
    while let Some((&kind, after)) = rest.split_first() {
        if kind != PART_TEXT && kind != PART_BINARY {
            return Err(DecodeError::InvalidLength);
        }
        let digits_end = after
            .iter()
            .position(|&b| b == PART_END_OF_LENGTH)
            .ok_or(DecodeError::InvalidLength)?;
        let digits = &after[..digits_end];
        // 20 digits hold any usize; the reference stops at 310.
        if digits.is_empty() || digits.len() > 20 || digits.iter().any(|&d| d > 9) {
            return Err(DecodeError::InvalidLength);
        }
        let len = digits
            .iter()
            .try_fold(0usize, |n, &d| {
                n.checked_mul(10)?.checked_add(usize::from(d))
            })
            .ok_or(DecodeError::InvalidLength)?;
        let data = &after[digits_end + 1..];
        if data.len() < len {
            return Err(DecodeError::InvalidLength);
        }
        let (packet, next) = data.split_at(len);
        packets.push(if kind == PART_TEXT {
            let text = std::str::from_utf8(packet).map_err(|_| DecodeError::InvalidUtf8)?;
            decode_packet(text)?
        } else {
            decode_binary_frame(&Bytes::copy_from_slice(packet))?
        });
        rest = next;
    }
    Ok(packets)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bin(b: &'static [u8]) -> Packet {
        Packet::Binary(Bytes::from_static(b))
    }

    #[test]
    fn decode_packet_text_types() {
        assert_eq!(decode_packet("2"), Ok(Packet::Ping(String::new())));
        assert_eq!(decode_packet("2probe"), Ok(Packet::Ping("probe".into())));
        assert_eq!(decode_packet("3probe"), Ok(Packet::Pong("probe".into())));
        assert_eq!(decode_packet("4héllo"), Ok(Packet::Message("héllo".into())));
        assert_eq!(decode_packet("5"), Ok(Packet::Upgrade));
        assert_eq!(decode_packet("6"), Ok(Packet::Noop));
        assert_eq!(decode_packet("1"), Ok(Packet::Close));
        assert_eq!(decode_packet(""), Err(DecodeError::Empty));
        assert_eq!(decode_packet("9"), Err(DecodeError::UnknownType('9')));
    }

    #[test]
    fn decode_packet_base64_carries_its_type() {
        assert_eq!(decode_packet("b4AQID"), Ok(bin(&[1, 2, 3])));
        assert_eq!(decode_packet("b4AQIDBA=="), Ok(bin(&[1, 2, 3, 4])));
        assert_eq!(decode_packet("b4"), Ok(bin(&[])));
        // v4's form (no type) is not v3's: "AQID" reads as type 'A'.
        assert_eq!(decode_packet("bAQID"), Err(DecodeError::BinaryNotMessage));
        assert_eq!(decode_packet("b2AQID"), Err(DecodeError::BinaryNotMessage));
        assert_eq!(decode_packet("b"), Err(DecodeError::BinaryNotMessage));
        assert_eq!(decode_packet("b4!!"), Err(DecodeError::InvalidBase64));
    }

    #[test]
    fn binary_frames_carry_the_type_byte() {
        let frame = Bytes::from_static(&[4, 1, 2, 3]);
        assert_eq!(decode_binary_frame(&frame), Ok(bin(&[1, 2, 3])));
        assert_eq!(decode_binary_frame(&Bytes::from_static(&[4])), Ok(bin(&[])));
        assert_eq!(
            decode_binary_frame(&Bytes::from_static(&[1, 2, 3])),
            Err(DecodeError::BinaryNotMessage)
        );
        assert_eq!(
            decode_binary_frame(&Bytes::new()),
            Err(DecodeError::BinaryNotMessage)
        );
        assert_eq!(binary_frame(&[1, 2, 3]).as_ref(), &[4, 1, 2, 3]);
        assert_eq!(binary_frame(&[]).as_ref(), &[4]);
    }

    #[test]
    fn frames_and_text_forms() {
        assert_eq!(
            encode_frame(&bin(&[9])),
            WsFrame::Binary(Bytes::from_static(&[4, 9]))
        );
        assert_eq!(
            encode_frame(&Packet::Message("hi".into())),
            WsFrame::Text("4hi".into())
        );
        assert_eq!(encode_text(&bin(&[1, 2, 3])), "b4AQID");
        assert_eq!(encode_text(&bin(&[])), "b4");
        assert_eq!(encode_text(&Packet::Pong("probe".into())), "3probe");
    }

    #[test]
    fn parts_of_packets() {
        let b = bin(&[1]);
        assert_eq!(part(&b).as_part(), Part::Binary(&[1]));
        let m = Packet::Message("x".into());
        assert_eq!(part(&m), PartBuf::Text("4x".into()));
        assert_eq!(part(&m).as_part(), Part::Text("4x"));
    }

    #[test]
    fn utf16_lengths() {
        assert_eq!(utf16_len(""), 0);
        assert_eq!(utf16_len("abc"), 3);
        assert_eq!(utf16_len("é"), 1);
        assert_eq!(utf16_len("€"), 1);
        assert_eq!(utf16_len("中文"), 2);
        assert_eq!(utf16_len("😀"), 2);
        assert_eq!(utf16_len("a😀b"), 4);
    }

    #[test]
    fn encode_text_payloads() {
        assert_eq!(encode_payload(&[]), "0:");
        assert_eq!(encode_payload(&[Part::Text("6")]), "1:6");
        assert_eq!(
            encode_payload(&[
                Part::Text("40"),
                Part::Text(r#"42["auth",{}]"#),
                Part::Text("3")
            ]),
            r#"2:4013:42["auth",{}]1:3"#
        );
        // Lengths count UTF-16 code units: an emoji is two, CJK one each.
        assert_eq!(encode_payload(&[Part::Text("4😀")]), "3:4😀");
        assert_eq!(encode_payload(&[Part::Text("4中文")]), "3:4中文");
        assert_eq!(encode_payload(&[Part::Text("4é")]), "2:4é");
        assert_eq!(
            encode_payload(&[Part::Text("4a"), Part::Binary(&[1, 2, 3])]),
            "2:4a6:b4AQID"
        );
    }

    #[test]
    fn encode_binary_payloads() {
        assert_eq!(encode_binary_payload(&[]), Vec::<u8>::new());
        assert_eq!(
            encode_binary_payload(&[Part::Text("4a")]),
            vec![0, 2, 255, b'4', b'a']
        );
        // Text lengths are UTF-8 bytes here.
        assert_eq!(
            encode_binary_payload(&[Part::Text("4é")]),
            vec![0, 3, 255, b'4', 0xc3, 0xa9]
        );
        // A binary part counts and carries its type byte.
        assert_eq!(
            encode_binary_payload(&[Part::Binary(&[1, 2, 3])]),
            vec![1, 4, 255, 4, 1, 2, 3]
        );
        let long = "4".repeat(12);
        let encoded = encode_binary_payload(&[Part::Text(&long), Part::Binary(&[7])]);
        assert_eq!(&encoded[..4], &[0, 1, 2, 255]);
        assert_eq!(&encoded[16..], &[1, 2, 255, 4, 7]);
    }

    #[test]
    fn decode_text_payloads() {
        assert_eq!(
            decode_payload(r#"2:4013:42["auth",{}]1:3"#),
            Ok(vec![
                Packet::Message("0".into()),
                Packet::Message(r#"2["auth",{}]"#.into()),
                Packet::Pong(String::new()),
            ])
        );
        assert_eq!(decode_payload("1:2"), Ok(vec![Packet::Ping(String::new())]));
        assert_eq!(decode_payload("6:b4AQID"), Ok(vec![bin(&[1, 2, 3])]));
        assert_eq!(
            decode_payload("3:4😀3:4中文"),
            Ok(vec![
                Packet::Message("😀".into()),
                Packet::Message("中文".into())
            ])
        );
        // Zero-length parts are skipped, as the reference does.
        assert_eq!(decode_payload("0:"), Ok(vec![]));
        assert_eq!(decode_payload("0:1:6"), Ok(vec![Packet::Noop]));
        // A colon inside a packet is data.
        assert_eq!(
            decode_payload("4:4a:b"),
            Ok(vec![Packet::Message("a:b".into())])
        );
    }

    #[test]
    fn decode_text_payload_errors() {
        assert_eq!(decode_payload(""), Err(DecodeError::Empty));
        assert_eq!(decode_payload("2:4"), Err(DecodeError::InvalidLength));
        assert_eq!(decode_payload("1:"), Err(DecodeError::InvalidLength));
        assert_eq!(decode_payload("2:4😀"), Err(DecodeError::InvalidLength));
        assert_eq!(decode_payload("hello"), Err(DecodeError::InvalidLength));
        assert_eq!(decode_payload(":4a"), Err(DecodeError::InvalidLength));
        assert_eq!(decode_payload(" 2:4a"), Err(DecodeError::InvalidLength));
        assert_eq!(decode_payload("0x2:4a"), Err(DecodeError::InvalidLength));
        assert_eq!(decode_payload("2:4a1"), Err(DecodeError::InvalidLength));
        assert_eq!(
            decode_payload("99999999999999999999999:4a"),
            Err(DecodeError::InvalidLength)
        );
        // v4's separator is not v3's framing.
        assert_eq!(decode_payload("4a\x1e4b"), Err(DecodeError::InvalidLength));
        assert_eq!(decode_payload("1:9"), Err(DecodeError::UnknownType('9')));
        assert_eq!(decode_payload("3:b4%"), Err(DecodeError::InvalidBase64));
        assert_eq!(decode_payload("4:bAQI"), Err(DecodeError::BinaryNotMessage));
    }

    #[test]
    fn text_payload_round_trip() {
        let packets = vec![
            Packet::Open(r#"{"sid":"x"}"#.into()),
            Packet::Ping("probe".into()),
            Packet::Message("2[\"chat\",\"😀 中文 é\"]".into()),
            bin(&[0, 255, 7]),
            Packet::Upgrade,
            Packet::Noop,
            Packet::Close,
        ];
        let parts: Vec<PartBuf> = packets.iter().map(part).collect();
        let parts: Vec<Part> = parts.iter().map(PartBuf::as_part).collect();
        assert_eq!(decode_payload(&encode_payload(&parts)), Ok(packets.clone()));
        assert_eq!(
            decode_binary_payload(&encode_binary_payload(&parts)),
            Ok(packets)
        );
    }

    #[test]
    fn decode_binary_payloads() {
        assert_eq!(
            decode_binary_payload(&[0, 2, 255, b'4', b'a', 1, 4, 255, 4, 1, 2, 3]),
            Ok(vec![Packet::Message("a".into()), bin(&[1, 2, 3])])
        );
        // A text part may hold the base64 form too.
        assert_eq!(
            decode_binary_payload(&[0, 6, 255, b'b', b'4', b'A', b'Q', b'I', b'D']),
            Ok(vec![bin(&[1, 2, 3])])
        );
        let mut long = vec![0, 1, 2, 255];
        long.extend_from_slice(b"4".repeat(12).as_slice());
        assert_eq!(
            decode_binary_payload(&long),
            Ok(vec![Packet::Message("4".repeat(11))])
        );
    }

    #[test]
    fn decode_binary_payload_errors() {
        let cases: [(&[u8], DecodeError); 11] = [
            (&[], DecodeError::Empty),
            (&[2, 1, 255, b'6'], DecodeError::InvalidLength),
            (&[0, 1, 6], DecodeError::InvalidLength),
            (&[0, 255, b'6'], DecodeError::InvalidLength),
            (&[0, 10, 255, b'6'], DecodeError::InvalidLength),
            (&[0, 2, 255, b'6'], DecodeError::InvalidLength),
            (&[0, 1, 255, b'6', 0], DecodeError::InvalidLength),
            (&[0, 1, 255, 0xff], DecodeError::InvalidUtf8),
            (&[0, 1, 255, b'9'], DecodeError::UnknownType('9')),
            (&[1, 2, 255, 2, 1], DecodeError::BinaryNotMessage),
            (&[1, 0, 255], DecodeError::BinaryNotMessage),
        ];
        for (body, err) in cases {
            assert_eq!(decode_binary_payload(body), Err(err), "{body:?}");
        }
        let mut many = vec![0];
        many.extend(std::iter::repeat_n(9, 21));
        many.push(255);
        assert_eq!(
            decode_binary_payload(&many),
            Err(DecodeError::InvalidLength)
        );
        let mut overflow = vec![0];
        overflow.extend(std::iter::repeat_n(9, 20));
        overflow.push(255);
        assert_eq!(
            decode_binary_payload(&overflow),
            Err(DecodeError::InvalidLength)
        );
    }

    #[test]
    fn utf16_prefixes() {
        assert_eq!(utf16_prefix("abc", 0), Some(0));
        assert_eq!(utf16_prefix("abc", 2), Some(2));
        assert_eq!(utf16_prefix("abc", 3), Some(3));
        assert_eq!(utf16_prefix("abc", 4), None);
        assert_eq!(utf16_prefix("😀x", 2), Some(4));
        assert_eq!(utf16_prefix("😀x", 1), None);
        assert_eq!(utf16_prefix("é", 1), Some(2));
        assert_eq!(utf16_prefix("", 0), Some(0));
    }
}

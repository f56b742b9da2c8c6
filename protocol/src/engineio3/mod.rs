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
mod tests;

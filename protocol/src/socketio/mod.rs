//! Socket.IO protocol v5 codec, and the one [`Message`] model the host works
//! with.
//!
//! Owns: decoding what a client sends (the text of one Engine.IO message) into
//! a validated [`Message`], and encoding what the server sends (connect,
//! connect error, disconnect, event, ack). Binary attachments travel as
//! separate Engine.IO binary messages; this codec only reports how many follow
//! a packet.
//!
//! Wire format (v5): `<type>[<attachments>-][<nsp>,][<ack id>][<JSON>]`, e.g.
//! `2["chat","hi"]`, `2/admin,12["chat"]`, `51-["up",{"_placeholder":true,"num":0}]`.
//!
//! Event arguments are never parsed into a JSON tree: the decoder slices the
//! raw JSON text of the payload array (checked and split by [`crate::json`]),
//! and the encoders splice raw argument text into the output.
//!
//! Decoding follows the reference `socket.io-parser` 4.2.x decoder plus the
//! checks the `socket.io` 4.x server makes on top of it. Where the reference
//! leans on JavaScript coercions (`Number(" ")` is `0`), the decoder mirrors
//! what the reference ends up doing; a few of those coercions are rejected
//! instead, which is noted where it happens. The [`Message`] model has no
//! v5-specific parts so that older protocol generations can decode into it.

use std::fmt::{self, Write as _};

use serde_json::value::RawValue;

use super::push_json_string;
use crate::json::{self, ArraySpans, JsonError};

/// Event names a client may not use (they mean something to the server or to
/// the EventEmitter underneath the reference implementation).
pub const RESERVED_EVENTS: [&str; 6] = [
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

/// The reference decoder's default limit on binary attachments per packet.
pub const DEFAULT_MAX_ATTACHMENTS: usize = 10;

/// The packet types of protocol v5 (the first character of a packet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PacketType {
    /// `0`: join a namespace (from the client), or accepted (from the server).
    Connect = 0,
    /// `1`: leave a namespace.
    Disconnect = 1,
    /// `2`: an event.
    Event = 2,
    /// `3`: the answer to an event sent with an ack id.
    Ack = 3,
    /// `4`: a namespace join refused (server to client only).
    ConnectError = 4,
    /// `5`: an event with binary attachments.
    BinaryEvent = 5,
    /// `6`: an ack with binary attachments.
    BinaryAck = 6,
}

impl PacketType {
    /// The type for a type character `'0'..='6'`.
    pub fn from_char(c: char) -> Option<PacketType> {
        Some(match c {
            '0' => PacketType::Connect,
            '1' => PacketType::Disconnect,
            '2' => PacketType::Event,
            '3' => PacketType::Ack,
            '4' => PacketType::ConnectError,
            '5' => PacketType::BinaryEvent,
            '6' => PacketType::BinaryAck,
            _ => return None,
        })
    }

    /// The type character.
    pub fn as_char(self) -> char {
        char::from(b'0' + self as u8)
    }

    /// Whether an attachment count (`<n>-`) follows the type character.
    pub fn is_binary(self) -> bool {
        matches!(self, PacketType::BinaryEvent | PacketType::BinaryAck)
    }
}

/// What a client sent, decoded and validated. Shared by all protocol
/// generations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// Join a namespace; `auth` is the raw JSON object text, if any.
    Connect {
        /// The namespace to join.
        nsp: String,
        /// The CONNECT payload, a JSON object text.
        auth: Option<String>,
    },
    /// Leave a namespace.
    Disconnect {
        /// The namespace to leave.
        nsp: String,
    },
    /// An event. `args` is the raw JSON array text of the arguments after the
    /// name (`[1,2]`, or `[]`); `attachments` binary messages follow when it
    /// is not zero, and their placeholders are inside `args`.
    Event {
        /// The namespace the event is for.
        nsp: String,
        /// The event name (the first element of the packet's array).
        name: String,
        /// The arguments after the name, a JSON array text.
        args: String,
        /// How many binary messages follow.
        attachments: usize,
        /// The ack id, when the sender wants an answer.
        ack: Option<u64>,
    },
    /// The answer to an event the server sent with an ack id.
    Ack {
        /// The namespace the answer is for.
        nsp: String,
        /// The ack id of the event it answers.
        id: u64,
        /// The answer's arguments, a JSON array text.
        args: String,
        /// How many binary messages follow.
        attachments: usize,
    },
}

impl Message {
    /// The namespace the message is for.
    pub fn nsp(&self) -> &str {
        match self {
            Message::Connect { nsp, .. }
            | Message::Disconnect { nsp }
            | Message::Event { nsp, .. }
            | Message::Ack { nsp, .. } => nsp,
        }
    }

    /// How many binary messages follow this one.
    pub fn attachments(&self) -> usize {
        match self {
            Message::Event { attachments, .. } | Message::Ack { attachments, .. } => *attachments,
            Message::Connect { .. } | Message::Disconnect { .. } => 0,
        }
    }
}

/// Why a packet was rejected. Any of these makes the server close the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Empty text.
    Empty,
    /// The first character is not a packet type.
    UnknownType(char),
    /// A CONNECT_ERROR packet: only servers send those.
    ConnectErrorFromClient,
    /// A binary packet whose attachment count is missing, not a positive
    /// decimal integer, or not followed by `-`.
    IllegalAttachments,
    /// More attachments announced than the decoder allows.
    TooManyAttachments {
        /// The decoder's limit.
        max: usize,
    },
    /// An ack id that is not a decimal integer fitting in `u64`.
    InvalidAckId,
    /// An ACK packet without an ack id.
    MissingAckId,
    /// The payload is not valid JSON.
    InvalidJson,
    /// The payload is JSON of the wrong shape for the packet type.
    InvalidPayload(&'static str),
    /// An event named with a reserved name (see [`RESERVED_EVENTS`]).
    ReservedEvent(String),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Empty => f.write_str("empty packet"),
            DecodeError::UnknownType(c) => write!(f, "unknown packet type {c:?}"),
            DecodeError::ConnectErrorFromClient => {
                f.write_str("CONNECT_ERROR packets are sent by servers only")
            }
            DecodeError::IllegalAttachments => f.write_str("illegal attachments"),
            DecodeError::TooManyAttachments { max } => {
                write!(f, "too many attachments (at most {max})")
            }
            DecodeError::InvalidAckId => f.write_str("invalid ack id"),
            DecodeError::MissingAckId => f.write_str("ack without an id"),
            DecodeError::InvalidJson => f.write_str("payload is not valid JSON"),
            DecodeError::InvalidPayload(why) => write!(f, "invalid payload: {why}"),
            DecodeError::ReservedEvent(name) => write!(f, "reserved event name {name:?}"),
        }
    }
}

impl std::error::Error for DecodeError {}

const CONNECT_SHAPE: &str = "CONNECT payload must be a JSON object";
const DISCONNECT_SHAPE: &str = "DISCONNECT takes no payload";
const EVENT_SHAPE: &str = "EVENT payload must be an array starting with a string or number name";
const ACK_SHAPE: &str = "ACK payload must be an array";
const ARGS_SHAPE: &str = "arguments must be a JSON array";

/// Decoder limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Most binary attachments one packet may announce (reference default 10).
    pub max_attachments: usize,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            max_attachments: DEFAULT_MAX_ATTACHMENTS,
        }
    }
}

/// The framing of one packet, split but with its payload not yet validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The packet type (the first character).
    pub packet_type: PacketType,
    /// Zero unless the type is binary, then at least 1.
    pub attachments: usize,
    /// `"/"` when the packet names no namespace.
    pub nsp: &'a str,
    /// The ack id, if the packet has one.
    pub id: Option<u64>,
    /// The rest of the text, if any: the JSON payload.
    pub data: Option<&'a str>,
}

/// Split a packet into its parts the way the reference `decodeString` does,
/// without looking at the payload.
///
/// - type: one character `'0'..='6'`. (The reference maps a whitespace type
///   character to CONNECT through `Number(" ") == 0`; that is rejected here.)
/// - attachments, for binary types: decimal digits then `-`, at least 1 and at
///   most `max_attachments`. (The reference accepts anything `Number()` parses,
///   like `" 1"` or `"0x1"`; only plain digits are accepted here.)
/// - namespace: present when the next character is `/`, up to the first `,`
///   (excluded) or the end of the text.
/// - ack id: the run of characters after that which are digits *or
///   JavaScript whitespace*, read with `Number()`: so `2 ["a"]` carries ack
///   id 0 and `21 ["a"]` ack id 1, exactly as the reference decodes them. A
///   run with whitespace between digits (`NaN` in JavaScript) or one that
///   overflows `u64` is an error.
/// - data: everything after the id, if anything is left.
pub fn split_frame(text: &str, max_attachments: usize) -> Result<Frame<'_>, DecodeError> {
    let mut chars = text.chars();
    let first = chars.next().ok_or(DecodeError::Empty)?;
    let packet_type = PacketType::from_char(first).ok_or(DecodeError::UnknownType(first))?;
    let mut rest = chars.as_str();

    let mut attachments = 0;
    if packet_type.is_binary() {
        let (count, after) = rest
            .split_once('-')
            .ok_or(DecodeError::IllegalAttachments)?;
        if count.is_empty() || !count.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DecodeError::IllegalAttachments);
        }
        let too_many = DecodeError::TooManyAttachments {
            max: max_attachments,
        };
        // All digits: parsing fails only on overflow.
        let n: usize = count.parse().map_err(|_| too_many.clone())?;
        if n == 0 {
            return Err(DecodeError::IllegalAttachments);
        }
        if n > max_attachments {
            return Err(too_many);
        }
        attachments = n;
        rest = after;
    }

    let nsp = if rest.starts_with('/') {
        match rest.split_once(',') {
            Some((nsp, after)) => {
                rest = after;
                nsp
            }
            None => std::mem::take(&mut rest),
        }
    } else {
        "/"
    };

    let run_len = rest
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || is_js_whitespace(c)))
        .map_or(rest.len(), |(i, _)| i);
    let (run, data) = rest.split_at_checked(run_len).unwrap_or((rest, ""));
    let id = if run.is_empty() {
        None
    } else {
        Some(js_number_id(run)?)
    };

    Ok(Frame {
        packet_type,
        attachments,
        nsp,
        id,
        data: (!data.is_empty()).then_some(data),
    })
}

/// Decode one Socket.IO packet (the text of an Engine.IO message) as strictly
/// as the reference socket.io-parser 4.2.x decoder + socket.io 4.x server,
/// with the default [`DecodeOptions`].
pub fn decode(text: &str) -> Result<Message, DecodeError> {
    decode_with(text, &DecodeOptions::default())
}

/// [`decode`] with explicit limits.
///
/// Beyond the framing rules of [`split_frame`]:
/// - CONNECT: the payload, if any, must be a JSON object; an ack id is
///   ignored, as the reference ignores it.
/// - DISCONNECT: no payload (an ack id is ignored).
/// - EVENT / BINARY_EVENT: an array whose first element is a string that is
///   not reserved, or a number (named by its JavaScript string form:
///   `[1.50]` is event `"1.5"`). A missing payload is an error here (the
///   reference lets it through and then emits an event without a name).
/// - ACK / BINARY_ACK: an ack id, and a payload that is an array; a missing
///   payload is an ack with no arguments, as in the reference.
/// - CONNECT_ERROR: always an error (servers never accept it).
pub fn decode_with(text: &str, options: &DecodeOptions) -> Result<Message, DecodeError> {
    let frame = split_frame(text, options.max_attachments)?;
    let nsp = frame.nsp.to_owned();
    match frame.packet_type {
        PacketType::Connect => {
            let auth = match frame.data {
                None => None,
                Some(data) => {
                    let raw: &RawValue =
                        serde_json::from_str(data).map_err(|_| DecodeError::InvalidJson)?;
                    if !raw.get().starts_with('{') {
                        return Err(DecodeError::InvalidPayload(CONNECT_SHAPE));
                    }
                    Some(raw.get().to_owned())
                }
            };
            Ok(Message::Connect { nsp, auth })
        }
        PacketType::Disconnect => match frame.data {
            None => Ok(Message::Disconnect { nsp }),
            Some(_) => Err(DecodeError::InvalidPayload(DISCONNECT_SHAPE)),
        },
        PacketType::ConnectError => Err(DecodeError::ConnectErrorFromClient),
        PacketType::Event | PacketType::BinaryEvent => {
            let data = frame.data.ok_or(DecodeError::InvalidPayload(EVENT_SHAPE))?;
            let spans = parse_array(data, EVENT_SHAPE)?;
            let first = spans
                .first
                .and_then(|r| data.get(r))
                .ok_or(DecodeError::InvalidPayload(EVENT_SHAPE))?;
            let name = event_name(first)?;
            Ok(Message::Event {
                nsp,
                name,
                args: bracketed(spans.rest.and_then(|r| data.get(r))),
                attachments: frame.attachments,
                ack: frame.id,
            })
        }
        PacketType::Ack | PacketType::BinaryAck => {
            let id = frame.id.ok_or(DecodeError::MissingAckId)?;
            let args = match frame.data {
                None => "[]".to_owned(),
                Some(data) => bracketed(
                    parse_array(data, ACK_SHAPE)?
                        .all()
                        .and_then(|r| data.get(r)),
                ),
            };
            Ok(Message::Ack {
                nsp,
                id,
                args,
                attachments: frame.attachments,
            })
        }
    }
}

/// The wire text of a message as a client sends it (the inverse of
/// [`decode`]).
pub fn encode(message: &Message) -> String {
    match message {
        Message::Connect { nsp, auth } => {
            let mut out = header(PacketType::Connect, 0, nsp, None);
            if let Some(auth) = auth {
                out.push_str(auth);
            }
            out
        }
        Message::Disconnect { nsp } => encode_disconnect(nsp),
        Message::Event {
            nsp,
            name,
            args,
            attachments,
            ack,
        } => encode_event(nsp, name, args, *attachments, *ack),
        Message::Ack {
            nsp,
            id,
            args,
            attachments,
        } => encode_ack(nsp, *id, args, *attachments),
    }
}

/// The server's answer to a CONNECT: `0{"sid":"..."}` / `0/admin,{"sid":"..."}`.
pub fn encode_connect(nsp: &str, sid: &str) -> String {
    encode_connect_recoverable(nsp, sid, None)
}

/// A CONNECT reply that also gives the client its private id when
/// connection state recovery is on: `0{"sid":"..","pid":".."}`
/// (`crate::recovery`).
pub fn encode_connect_recoverable(nsp: &str, sid: &str, pid: Option<&str>) -> String {
    let mut out = header(PacketType::Connect, 0, nsp, None);
    out.push_str("{\"sid\":");
    push_json_string(&mut out, sid);
    if let Some(pid) = pid {
        out.push_str(",\"pid\":");
        push_json_string(&mut out, pid);
    }
    out.push('}');
    out
}

/// A refused CONNECT: `4{"message":"Invalid namespace"}` /
/// `4/admin,{"message":"..."}`.
pub fn encode_connect_error(nsp: &str, message: &str) -> String {
    let mut out = header(PacketType::ConnectError, 0, nsp, None);
    out.push_str("{\"message\":");
    push_json_string(&mut out, message);
    out.push('}');
    out
}

/// `1` / `1/admin,` (the reference encoder keeps the comma).
pub fn encode_disconnect(nsp: &str) -> String {
    header(PacketType::Disconnect, 0, nsp, None)
}

/// An event: `2["name",1,2]`, `2/admin,12["name"]`, and with attachments
/// `51-["name",{"_placeholder":true,"num":0}]`.
///
/// `args_json` is the raw JSON array of the arguments after the name (check
/// text from untrusted sources with [`args_inner`] first). Text that is not
/// bracketed is sent as a single argument; empty text as no arguments.
pub fn encode_event(
    nsp: &str,
    name: &str,
    args_json: &str,
    attachments: usize,
    id: Option<u64>,
) -> String {
    event_packet(nsp, name, args_json, attachments, id, None)
}

/// An event that connection state recovery can replay: its offset rides as
/// one more, last, string argument, where socket.io-client 4.6+ reads it
/// (`crate::recovery`). Such an event never has an ack id.
pub fn encode_replayable_event(
    nsp: &str,
    name: &str,
    args_json: &str,
    attachments: usize,
    offset: &str,
) -> String {
    event_packet(nsp, name, args_json, attachments, None, Some(offset))
}

fn event_packet(
    nsp: &str,
    name: &str,
    args_json: &str,
    attachments: usize,
    id: Option<u64>,
    offset: Option<&str>,
) -> String {
    let kind = if attachments > 0 {
        PacketType::BinaryEvent
    } else {
        PacketType::Event
    };
    let room = name.len() + args_json.len() + 4 + offset.map_or(0, |o| o.len() + 3);
    let mut out = header_with_room(kind, attachments, nsp, id, room);
    out.push('[');
    push_json_string(&mut out, name);
    let inner = lenient_inner(args_json);
    if !inner.is_empty() {
        out.push(',');
        out.push_str(inner);
    }
    if let Some(offset) = offset {
        out.push(',');
        push_json_string(&mut out, offset);
    }
    out.push(']');
    out
}

/// An ack: `3/admin,12[...]`, with attachments `61-/admin,12[...]`.
/// `args_json` as for [`encode_event`].
pub fn encode_ack(nsp: &str, id: u64, args_json: &str, attachments: usize) -> String {
    let kind = if attachments > 0 {
        PacketType::BinaryAck
    } else {
        PacketType::Ack
    };
    let mut out = header_with_room(kind, attachments, nsp, Some(id), args_json.len() + 2);
    out.push('[');
    out.push_str(lenient_inner(args_json));
    out.push(']');
    out
}

/// Check text a guest passes as event arguments is a JSON array; return its
/// inner slice (`"1,2"` for `"[1,2]"`, `""` for `"[]"` or `"[ ]"`).
pub fn args_inner(args_json: &str) -> Result<&str, DecodeError> {
    let spans = parse_array(args_json, ARGS_SHAPE)?;
    Ok(spans.all().and_then(|r| args_json.get(r)).unwrap_or(""))
}

/// Whether a client may not use `name` as an event name.
pub fn is_reserved_event(name: &str) -> bool {
    RESERVED_EVENTS.contains(&name)
}

/// `<type>[<attachments>-][<nsp>,][<id>]`, as the reference encoder writes it.
pub(crate) fn header(kind: PacketType, attachments: usize, nsp: &str, id: Option<u64>) -> String {
    header_with_room(kind, attachments, nsp, id, 0)
}

/// [`header`] in a string with `room` more bytes of capacity, for the
/// payload that follows: one allocation per packet, no regrowing.
fn header_with_room(
    kind: PacketType,
    attachments: usize,
    nsp: &str,
    id: Option<u64>,
    room: usize,
) -> String {
    // Type, "<attachments>-" and the id: at most 1 + 21 + 20 bytes.
    let mut out = String::with_capacity(42 + nsp.len() + room);
    out.push(kind.as_char());
    if kind.is_binary() {
        let _ = write!(out, "{attachments}-");
    }
    if !nsp.is_empty() && nsp != "/" {
        out.push_str(nsp);
        out.push(',');
    }
    if let Some(id) = id {
        let _ = write!(out, "{id}");
    }
    out
}

fn is_json_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn trim_json(s: &str) -> &str {
    s.trim_matches(is_json_whitespace)
}

/// The inside of a bracketed array text; other non-empty text as itself (one
/// argument).
fn lenient_inner(args_json: &str) -> &str {
    let t = trim_json(args_json);
    match t.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        Some(inner) => trim_json(inner),
        None => t,
    }
}

/// The whitespace JavaScript's `Number()` skips (StrWhiteSpaceChar).
fn is_js_whitespace(c: char) -> bool {
    matches!(
        c,
        '\u{9}' | '\u{a}' | '\u{b}' | '\u{c}' | '\u{d}' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

/// `Number(run)` for a run of digits and whitespace, as a `u64`.
fn js_number_id(run: &str) -> Result<u64, DecodeError> {
    let digits = run.trim_matches(is_js_whitespace);
    if digits.is_empty() {
        return Ok(0);
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DecodeError::InvalidAckId);
    }
    digits.parse().map_err(|_| DecodeError::InvalidAckId)
}

/// Check a JSON array and find its elements.
fn parse_array(data: &str, shape: &'static str) -> Result<ArraySpans, DecodeError> {
    json::array(data).map_err(|e| match e {
        JsonError::NotArray => DecodeError::InvalidPayload(shape),
        JsonError::Syntax => DecodeError::InvalidJson,
    })
}

/// The name from the first element of an EVENT array.
pub(crate) fn event_name(raw: &str) -> Result<String, DecodeError> {
    if raw.starts_with('"') {
        // Checked JSON already: without a backslash, the text between the
        // quotes is the name.
        let name = match raw.get(1..raw.len() - 1) {
            Some(plain) if !plain.contains('\\') => plain.to_owned(),
            _ => serde_json::from_str(raw).map_err(|_| DecodeError::InvalidJson)?,
        };
        if is_reserved_event(&name) {
            return Err(DecodeError::ReservedEvent(name));
        }
        Ok(name)
    } else if raw.starts_with('-') || raw.starts_with(|c: char| c.is_ascii_digit()) {
        Ok(match raw.parse::<f64>() {
            Ok(n) => js_number_to_string(n),
            Err(_) => raw.to_owned(),
        })
    } else {
        Err(DecodeError::InvalidPayload(EVENT_SHAPE))
    }
}

/// `[` + the elements' text + `]`: the arguments as the client wrote them,
/// no re-serialising.
fn bracketed(elements: Option<&str>) -> String {
    let elements = elements.unwrap_or("");
    let mut out = String::with_capacity(elements.len() + 2);
    out.push('[');
    out.push_str(elements);
    out.push(']');
    out
}

/// JavaScript's `Number.prototype.toString()` for a finite or infinite double
/// (ECMA-262 Number::toString, radix 10), from Rust's shortest round-trip
/// digits.
pub(crate) fn js_number_to_string(v: f64) -> String {
    if v.is_nan() {
        return "NaN".to_owned();
    }
    if v == 0.0 {
        return "0".to_owned();
    }
    let mut out = String::new();
    let v = if v < 0.0 {
        out.push('-');
        -v
    } else {
        v
    };
    if v.is_infinite() {
        out.push_str("Infinity");
        return out;
    }
    let sci = format!("{v:e}");
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return sci;
    };
    let Ok(exp) = exp.parse::<i64>() else {
        return sci;
    };
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let k = digits.len() as i64;
    let n = exp + 1;
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        let (int, frac) = digits.split_at_checked(n as usize).unwrap_or((&digits, ""));
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&digits);
    } else {
        let (lead, tail) = digits.split_at_checked(1).unwrap_or((&digits, ""));
        out.push_str(lead);
        if !tail.is_empty() {
            out.push('.');
            out.push_str(tail);
        }
        let e = n - 1;
        let _ = write!(
            out,
            "e{}{}",
            if e < 0 { '-' } else { '+' },
            e.unsigned_abs()
        );
    }
    out
}

#[cfg(test)]
mod tests;

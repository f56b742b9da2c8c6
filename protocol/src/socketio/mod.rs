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
//! raw JSON text of the payload array (with [`serde_json::value::RawValue`]),
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
            let items = parse_array(data, EVENT_SHAPE)?;
            let (first, rest) = items
                .split_first()
                .ok_or(DecodeError::InvalidPayload(EVENT_SHAPE))?;
            let name = event_name(first.get())?;
            Ok(Message::Event {
                nsp,
                name,
                args: rejoin(data, rest),
                attachments: frame.attachments,
                ack: frame.id,
            })
        }
        PacketType::Ack | PacketType::BinaryAck => {
            let id = frame.id.ok_or(DecodeError::MissingAckId)?;
            let args = match frame.data {
                None => "[]".to_owned(),
                Some(data) => rejoin(data, &parse_array(data, ACK_SHAPE)?),
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
    let mut out = header(PacketType::Connect, 0, nsp, None);
    out.push_str("{\"sid\":");
    push_json_string(&mut out, sid);
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
    let kind = if attachments > 0 {
        PacketType::BinaryEvent
    } else {
        PacketType::Event
    };
    let mut out = header(kind, attachments, nsp, id);
    out.reserve(name.len() + args_json.len() + 4);
    out.push('[');
    push_json_string(&mut out, name);
    let inner = lenient_inner(args_json);
    if !inner.is_empty() {
        out.push(',');
        out.push_str(inner);
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
    let mut out = header(kind, attachments, nsp, Some(id));
    out.reserve(args_json.len() + 2);
    out.push('[');
    out.push_str(lenient_inner(args_json));
    out.push(']');
    out
}

/// Check text a guest passes as event arguments is a JSON array; return its
/// inner slice (`"1,2"` for `"[1,2]"`, `""` for `"[]"` or `"[ ]"`).
pub fn args_inner(args_json: &str) -> Result<&str, DecodeError> {
    serde_json::from_str::<serde::de::IgnoredAny>(args_json)
        .map_err(|_| DecodeError::InvalidJson)?;
    trim_json(args_json)
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .map(trim_json)
        .ok_or(DecodeError::InvalidPayload(ARGS_SHAPE))
}

/// Whether a client may not use `name` as an event name.
pub fn is_reserved_event(name: &str) -> bool {
    RESERVED_EVENTS.contains(&name)
}

/// `<type>[<attachments>-][<nsp>,][<id>]`, as the reference encoder writes it.
pub(crate) fn header(kind: PacketType, attachments: usize, nsp: &str, id: Option<u64>) -> String {
    let mut out = String::with_capacity(8 + nsp.len());
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

/// Split a JSON array into the raw text of its elements.
fn parse_array<'a>(data: &'a str, shape: &'static str) -> Result<Vec<&'a RawValue>, DecodeError> {
    serde_json::from_str::<Vec<&RawValue>>(data).map_err(|e| {
        if e.is_data() {
            DecodeError::InvalidPayload(shape)
        } else {
            DecodeError::InvalidJson
        }
    })
}

/// The name from the first element of an EVENT array.
fn event_name(raw: &str) -> Result<String, DecodeError> {
    if raw.starts_with('"') {
        let name: String = serde_json::from_str(raw).map_err(|_| DecodeError::InvalidJson)?;
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

/// Where `inner` (a sub-slice of `outer`) starts within `outer`.
fn offset_in(outer: &str, inner: &str) -> Option<usize> {
    let start = (inner.as_ptr() as usize).checked_sub(outer.as_ptr() as usize)?;
    (start + inner.len() <= outer.len()).then_some(start)
}

/// `[a,b]` from raw elements sliced out of `data`: the original text from the
/// first element's start to the last one's end, so no re-serialising.
fn rejoin(data: &str, items: &[&RawValue]) -> String {
    let (Some(first), Some(last)) = (items.first(), items.last()) else {
        return "[]".to_owned();
    };
    let span = offset_in(data, first.get()).and_then(|start| {
        let end = offset_in(data, last.get())? + last.get().len();
        data.get(start..end)
    });
    match span {
        Some(span) => {
            let mut out = String::with_capacity(span.len() + 2);
            out.push('[');
            out.push_str(span);
            out.push(']');
            out
        }
        None => {
            let mut out = String::from("[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(item.get());
            }
            out.push(']');
            out
        }
    }
}

/// JavaScript's `Number.prototype.toString()` for a finite or infinite double
/// (ECMA-262 Number::toString, radix 10), from Rust's shortest round-trip
/// digits.
fn js_number_to_string(v: f64) -> String {
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
mod tests {
    use super::*;

    fn event(nsp: &str, name: &str, args: &str, attachments: usize, ack: Option<u64>) -> Message {
        Message::Event {
            nsp: nsp.into(),
            name: name.into(),
            args: args.into(),
            attachments,
            ack,
        }
    }

    fn ack(nsp: &str, id: u64, args: &str, attachments: usize) -> Message {
        Message::Ack {
            nsp: nsp.into(),
            id,
            args: args.into(),
            attachments,
        }
    }

    fn connect(nsp: &str, auth: Option<&str>) -> Message {
        Message::Connect {
            nsp: nsp.into(),
            auth: auth.map(Into::into),
        }
    }

    fn disconnect(nsp: &str) -> Message {
        Message::Disconnect { nsp: nsp.into() }
    }

    fn payload_err(text: &str) {
        assert!(
            matches!(
                decode(text),
                Err(DecodeError::InvalidPayload(_) | DecodeError::InvalidJson)
            ),
            "{text:?} gave {:?}",
            decode(text)
        );
    }

    // ----- packet types -----

    #[test]
    fn packet_type_chars() {
        for (i, c) in ('0'..='6').enumerate() {
            let t = PacketType::from_char(c).unwrap();
            assert_eq!(t as usize, i);
            assert_eq!(t.as_char(), c);
        }
        assert_eq!(PacketType::from_char('7'), None);
        assert_eq!(PacketType::from_char(' '), None);
        assert!(PacketType::BinaryEvent.is_binary());
        assert!(PacketType::BinaryAck.is_binary());
        assert!(!PacketType::Event.is_binary());
        assert!(!PacketType::Connect.is_binary());
    }

    // ----- decode: CONNECT -----

    #[test]
    fn decode_connect() {
        assert_eq!(decode("0"), Ok(connect("/", None)));
        assert_eq!(decode("0/admin,"), Ok(connect("/admin", None)));
        assert_eq!(decode("0/admin"), Ok(connect("/admin", None)));
        assert_eq!(
            decode(r#"0{"token":"123"}"#),
            Ok(connect("/", Some(r#"{"token":"123"}"#)))
        );
        assert_eq!(
            decode(r#"0/custom,{"token":"abc"}"#),
            Ok(connect("/custom", Some(r#"{"token":"abc"}"#)))
        );
        assert_eq!(decode("0{}"), Ok(connect("/", Some("{}"))));
        // JSON whitespace after the object is fine (JSON.parse), and trimmed.
        assert_eq!(
            decode("0{ \"a\" : 1 }\n"),
            Ok(connect("/", Some("{ \"a\" : 1 }")))
        );
        // Without a comma the namespace runs to the end of the text.
        assert_eq!(decode("0/admin{}"), Ok(connect("/admin{}", None)));
        // An ack id on CONNECT is ignored, as in the reference.
        assert_eq!(decode("012{}"), Ok(connect("/", Some("{}"))));
    }

    #[test]
    fn decode_connect_errors() {
        payload_err(r#"0/admin,"invalid""#);
        payload_err("0[]");
        payload_err("0null");
        payload_err("0a");
        payload_err("0{");
        payload_err("0{}x");
        assert_eq!(
            decode("0[]"),
            Err(DecodeError::InvalidPayload(CONNECT_SHAPE))
        );
        assert_eq!(decode("0{"), Err(DecodeError::InvalidJson));
    }

    // ----- decode: DISCONNECT -----

    #[test]
    fn decode_disconnect() {
        assert_eq!(decode("1"), Ok(disconnect("/")));
        assert_eq!(decode("1/admin,"), Ok(disconnect("/admin")));
        assert_eq!(decode("1/custom"), Ok(disconnect("/custom")));
        assert_eq!(
            decode("1/admin,{}"),
            Err(DecodeError::InvalidPayload(DISCONNECT_SHAPE))
        );
        assert_eq!(
            decode("1{}"),
            Err(DecodeError::InvalidPayload(DISCONNECT_SHAPE))
        );
        assert_eq!(
            decode("1x"),
            Err(DecodeError::InvalidPayload(DISCONNECT_SHAPE))
        );
    }

    // ----- decode: EVENT -----

    #[test]
    fn decode_event() {
        assert_eq!(
            decode(r#"2["message",1,"2",{"3":[true]}]"#),
            Ok(event("/", "message", r#"[1,"2",{"3":[true]}]"#, 0, None))
        );
        assert_eq!(
            decode(r#"2["hello"]"#),
            Ok(event("/", "hello", "[]", 0, None))
        );
        assert_eq!(
            decode(r#"2/admin,["a",1]"#),
            Ok(event("/admin", "a", "[1]", 0, None))
        );
        assert_eq!(
            decode(r#"2456["message-with-ack",1,"2",{"3":[false]}]"#),
            Ok(event(
                "/",
                "message-with-ack",
                r#"[1,"2",{"3":[false]}]"#,
                0,
                Some(456)
            ))
        );
        assert_eq!(
            decode(r#"2/admin,12["x",null]"#),
            Ok(event("/admin", "x", "[null]", 0, Some(12)))
        );
        // Escaped names are unescaped; whitespace inside the array is kept raw.
        assert_eq!(
            decode("2[ \"h\\u00e9\\\"\" , 1 , [2] ]"),
            Ok(event("/", "hé\"", "[1 , [2]]", 0, None))
        );
        // A reserved word that is not exactly a reserved name is fine.
        assert_eq!(
            decode(r#"2["Connect"]"#),
            Ok(event("/", "Connect", "[]", 0, None))
        );
        assert_eq!(decode(r#"2[""]"#), Ok(event("/", "", "[]", 0, None)));
    }

    #[test]
    fn decode_event_numeric_names() {
        assert_eq!(
            decode(r#"2[1,"a",{}]"#),
            Ok(event("/", "1", r#"["a",{}]"#, 0, None))
        );
        assert_eq!(decode("2[1.50]"), Ok(event("/", "1.5", "[]", 0, None)));
        assert_eq!(decode("2[-0]"), Ok(event("/", "0", "[]", 0, None)));
        assert_eq!(decode("2[1e2]"), Ok(event("/", "100", "[]", 0, None)));
        assert_eq!(decode("2[1e21]"), Ok(event("/", "1e+21", "[]", 0, None)));
        assert_eq!(
            decode("2[-2.5e-7]"),
            Ok(event("/", "-2.5e-7", "[]", 0, None))
        );
        assert_eq!(
            decode("2[1e400]"),
            Ok(event("/", "Infinity", "[]", 0, None))
        );
    }

    #[test]
    fn decode_event_errors() {
        // The reference parser's own invalid-payload cases.
        assert_eq!(
            decode(r#"442["some","data""#),
            Err(DecodeError::ConnectErrorFromClient)
        );
        payload_err(r#"2/admin,"invalid"#);
        payload_err("2/admin,{}");
        payload_err(r#"2[{"toString":"foo"}]"#);
        payload_err(r#"2[true,"foo"]"#);
        payload_err(r#"2[null,"bar"]"#);
        payload_err("2{}");
        payload_err("2[]");
        payload_err("2[[\"a\"]]");
        payload_err("2[\"a\"]]");
        payload_err("2[\"a\",]");
        payload_err("2\"a\"");
        // The payload is required.
        assert_eq!(decode("2"), Err(DecodeError::InvalidPayload(EVENT_SHAPE)));
        assert_eq!(
            decode("2/admin,"),
            Err(DecodeError::InvalidPayload(EVENT_SHAPE))
        );
        assert_eq!(decode("212"), Err(DecodeError::InvalidPayload(EVENT_SHAPE)));
        // A namespace without its comma swallows the payload.
        assert_eq!(
            decode(r#"2/admin["a"]"#),
            Err(DecodeError::InvalidPayload(EVENT_SHAPE))
        );
        // A name that is not valid UTF-16 for serde (lone surrogate).
        assert_eq!(decode(r#"2["\ud800"]"#), Err(DecodeError::InvalidJson));
    }

    #[test]
    fn decode_reserved_event_names() {
        for name in RESERVED_EVENTS {
            assert_eq!(
                decode(&format!(r#"2["{name}",1]"#)),
                Err(DecodeError::ReservedEvent(name.to_owned()))
            );
            assert_eq!(
                decode(&format!(r#"51-["{name}",{{"_placeholder":true,"num":0}}]"#)),
                Err(DecodeError::ReservedEvent(name.to_owned()))
            );
        }
        // Escaped spelling of a reserved name is still that name.
        assert_eq!(
            decode(r#"2["\u0063onnect"]"#),
            Err(DecodeError::ReservedEvent("connect".into()))
        );
    }

    #[test]
    fn decode_invalid_ack_ids() {
        // `abc["x"]` is not JSON.
        assert_eq!(decode(r#"2abc["x"]"#), Err(DecodeError::InvalidJson));
        payload_err(r#"2+1["x"]"#);
        payload_err(r#"2-1["x"]"#);
        payload_err(r#"21.5["x"]"#);
        // Overflow.
        assert_eq!(
            decode(r#"218446744073709551616["x"]"#),
            Err(DecodeError::InvalidAckId)
        );
        assert_eq!(
            decode(r#"218446744073709551615["x"]"#),
            Ok(event("/", "x", "[]", 0, Some(u64::MAX)))
        );
        assert_eq!(
            decode(r#"2007["x"]"#),
            Ok(event("/", "x", "[]", 0, Some(7)))
        );
    }

    #[test]
    fn decode_whitespace_like_the_reference() {
        // socket.io-parser reads the ack id with `Number(c) == c`, which holds
        // for whitespace: the whitespace becomes part of the id, and
        // `Number(" ")` is 0.
        assert_eq!(decode(r#"2 ["a"]"#), Ok(event("/", "a", "[]", 0, Some(0))));
        assert_eq!(
            decode("2\t\n[\"a\"]"),
            Ok(event("/", "a", "[]", 0, Some(0)))
        );
        assert_eq!(
            decode("2\u{a0}[\"a\"]"),
            Ok(event("/", "a", "[]", 0, Some(0)))
        );
        assert_eq!(
            decode("2\u{feff}[\"a\"]"),
            Ok(event("/", "a", "[]", 0, Some(0)))
        );
        assert_eq!(
            decode(r#"2 1 ["a"]"#),
            Ok(event("/", "a", "[]", 0, Some(1)))
        );
        assert_eq!(decode(r#"21 ["a"]"#), Ok(event("/", "a", "[]", 0, Some(1))));
        assert_eq!(
            decode(r#"2/admin, ["a"]"#),
            Ok(event("/admin", "a", "[]", 0, Some(0)))
        );
        // Whitespace between digits is NaN in JavaScript.
        assert_eq!(decode(r#"21 2["a"]"#), Err(DecodeError::InvalidAckId));
        // NEL is Unicode whitespace but not JavaScript whitespace.
        assert_eq!(decode("2\u{85}[\"a\"]"), Err(DecodeError::InvalidJson));
        // Trailing JSON whitespace is fine; other trailing text is not.
        assert_eq!(decode("2[\"a\"] \r\n"), Ok(event("/", "a", "[]", 0, None)));
        assert_eq!(decode("2[\"a\"] x"), Err(DecodeError::InvalidJson));
        // A whitespace type character is not a type here (JS makes it CONNECT).
        assert_eq!(decode(" {}"), Err(DecodeError::UnknownType(' ')));
        // Whitespace-only ids on an ACK are id 0, as in the reference.
        assert_eq!(decode("3 []"), Ok(ack("/", 0, "[]", 0)));
    }

    // ----- decode: BINARY_EVENT -----

    #[test]
    fn decode_binary_event() {
        assert_eq!(
            decode(r#"52-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#),
            Ok(event(
                "/",
                "message",
                r#"[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
                2,
                None
            ))
        );
        assert_eq!(
            decode(r#"52-789["message-with-ack",{"_placeholder":true,"num":0},1]"#),
            Ok(event(
                "/",
                "message-with-ack",
                r#"[{"_placeholder":true,"num":0},1]"#,
                2,
                Some(789)
            ))
        );
        assert_eq!(
            decode(r#"51-/admin,3["up",{"_placeholder":true,"num":0}]"#),
            Ok(event(
                "/admin",
                "up",
                r#"[{"_placeholder":true,"num":0}]"#,
                1,
                Some(3)
            ))
        );
        assert_eq!(decode(r#"501-["a"]"#), Ok(event("/", "a", "[]", 1, None)));
    }

    #[test]
    fn decode_binary_attachment_errors() {
        for text in [
            "5",
            "51",
            "50-",
            "5a-",
            "51.23-",
            "5-[\"a\"]",
            "5 1-[\"a\"]",
            "50x1-[\"a\"]",
        ] {
            assert_eq!(
                decode(text),
                Err(DecodeError::IllegalAttachments),
                "{text:?}"
            );
        }
        for text in ["6", "61", "60-1[]"] {
            assert_eq!(
                decode(text),
                Err(DecodeError::IllegalAttachments),
                "{text:?}"
            );
        }
        assert_eq!(
            decode(r#"511-["a"]"#),
            Err(DecodeError::TooManyAttachments { max: 10 })
        );
        assert_eq!(
            decode(r#"599999999999999999999999-["a"]"#),
            Err(DecodeError::TooManyAttachments { max: 10 })
        );
        assert_eq!(decode(r#"510-["a"]"#), Ok(event("/", "a", "[]", 10, None)));
        payload_err("51-{}");
        payload_err("51-[]");
    }

    #[test]
    fn decode_with_options() {
        let two = DecodeOptions { max_attachments: 2 };
        assert_eq!(
            decode_with(r#"53-["hello",1]"#, &two),
            Err(DecodeError::TooManyAttachments { max: 2 })
        );
        assert_eq!(
            decode_with(r#"52-["hello",1]"#, &two),
            Ok(event("/", "hello", "[1]", 2, None))
        );
        assert_eq!(
            DecodeOptions::default().max_attachments,
            DEFAULT_MAX_ATTACHMENTS
        );
    }

    // ----- decode: ACK -----

    #[test]
    fn decode_ack() {
        assert_eq!(
            decode(r#"3456[1,"2",{"3":[false]}]"#),
            Ok(ack("/", 456, r#"[1,"2",{"3":[false]}]"#, 0))
        );
        assert_eq!(decode("3/admin,12[]"), Ok(ack("/admin", 12, "[]", 0)));
        assert_eq!(decode("31[ ]"), Ok(ack("/", 1, "[]", 0)));
        assert_eq!(decode("31[ 1 ]"), Ok(ack("/", 1, "[1]", 0)));
        // A missing payload is an ack with no arguments.
        assert_eq!(decode("37"), Ok(ack("/", 7, "[]", 0)));
        assert_eq!(decode("3/admin,7"), Ok(ack("/admin", 7, "[]", 0)));
        assert_eq!(
            decode(r#"62-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#),
            Ok(ack(
                "/",
                789,
                r#"[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
                2
            ))
        );
        assert_eq!(
            decode(r#"61-/admin,1[{"_placeholder":true,"num":0}]"#),
            Ok(ack("/admin", 1, r#"[{"_placeholder":true,"num":0}]"#, 1))
        );
    }

    #[test]
    fn decode_ack_errors() {
        assert_eq!(decode("3[]"), Err(DecodeError::MissingAckId));
        assert_eq!(decode("3"), Err(DecodeError::MissingAckId));
        assert_eq!(decode("3/admin,[1]"), Err(DecodeError::MissingAckId));
        assert_eq!(decode("61-[1]"), Err(DecodeError::MissingAckId));
        assert_eq!(decode("31{}"), Err(DecodeError::InvalidPayload(ACK_SHAPE)));
        assert_eq!(
            decode("31\"a\""),
            Err(DecodeError::InvalidPayload(ACK_SHAPE))
        );
        assert_eq!(decode("31[1"), Err(DecodeError::InvalidJson));
    }

    // ----- decode: other errors -----

    #[test]
    fn decode_type_errors() {
        assert_eq!(decode(""), Err(DecodeError::Empty));
        assert_eq!(decode("999"), Err(DecodeError::UnknownType('9')));
        assert_eq!(decode("7"), Err(DecodeError::UnknownType('7')));
        assert_eq!(decode("abc"), Err(DecodeError::UnknownType('a')));
        assert_eq!(decode("€2"), Err(DecodeError::UnknownType('€')));
        assert_eq!(
            decode(r#"4{"message":"x"}"#),
            Err(DecodeError::ConnectErrorFromClient)
        );
        assert_eq!(decode("4"), Err(DecodeError::ConnectErrorFromClient));
        assert_eq!(
            decode("4/admin,\"x\""),
            Err(DecodeError::ConnectErrorFromClient)
        );
    }

    #[test]
    fn decode_deep_nesting_without_recursion() {
        // Arguments are skipped over, not parsed into a tree, so deep nesting
        // neither overflows the stack nor hits serde_json's recursion limit
        // (V8's JSON.parse accepts it too).
        let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let deep = format!("2[\"a\",{nested}]");
        let Ok(Message::Event { args, .. }) = decode(&deep) else {
            panic!("deep arguments rejected");
        };
        assert_eq!(args, format!("[{nested}]"));
        assert_eq!(args_inner(&args), Ok(nested.as_str()));
        // Unbalanced deep input is an error.
        let unbalanced = format!("2[\"a\",{}]", "[".repeat(100_000));
        assert_eq!(decode(&unbalanced), Err(DecodeError::InvalidJson));
    }

    // ----- split_frame -----

    #[test]
    fn split_frame_parts() {
        assert_eq!(
            split_frame(r#"52-/admin,12["a"]"#, 10),
            Ok(Frame {
                packet_type: PacketType::BinaryEvent,
                attachments: 2,
                nsp: "/admin",
                id: Some(12),
                data: Some(r#"["a"]"#),
            })
        );
        assert_eq!(
            split_frame("1", 10),
            Ok(Frame {
                packet_type: PacketType::Disconnect,
                attachments: 0,
                nsp: "/",
                id: None,
                data: None,
            })
        );
        // Type 4 frames split fine; only `decode` refuses them from clients.
        assert_eq!(
            split_frame(r#"4/a,{"message":"m"}"#, 10).map(|f| (f.packet_type, f.nsp, f.data)),
            Ok((PacketType::ConnectError, "/a", Some(r#"{"message":"m"}"#)))
        );
        // Non-ASCII namespaces and ids at the end of the text.
        assert_eq!(
            split_frame("2/é€,42", 10).map(|f| (f.nsp, f.id, f.data)),
            Ok(("/é€", Some(42), None))
        );
        assert_eq!(split_frame("", 10), Err(DecodeError::Empty));
        assert_eq!(
            split_frame("51-", 0),
            Err(DecodeError::TooManyAttachments { max: 0 })
        );
    }

    // ----- encoders -----

    #[test]
    fn encode_connect_packets() {
        assert_eq!(encode_connect("/", "abc"), r#"0{"sid":"abc"}"#);
        assert_eq!(encode_connect("", "abc"), r#"0{"sid":"abc"}"#);
        assert_eq!(
            encode_connect("/admin", "a\"b"),
            r#"0/admin,{"sid":"a\"b"}"#
        );
    }

    #[test]
    fn encode_connect_error_packets() {
        assert_eq!(
            encode_connect_error("/", "Invalid namespace"),
            r#"4{"message":"Invalid namespace"}"#
        );
        assert_eq!(
            encode_connect_error("/random", "Invalid namespace"),
            r#"4/random,{"message":"Invalid namespace"}"#
        );
        assert_eq!(
            encode_connect_error("/", "say \"no\"\n\\"),
            r#"4{"message":"say \"no\"\n\\"}"#
        );
    }

    #[test]
    fn encode_disconnect_packets() {
        assert_eq!(encode_disconnect("/"), "1");
        assert_eq!(encode_disconnect(""), "1");
        assert_eq!(encode_disconnect("/admin"), "1/admin,");
    }

    #[test]
    fn encode_event_packets() {
        assert_eq!(
            encode_event("/", "name", "[1,2]", 0, None),
            r#"2["name",1,2]"#
        );
        assert_eq!(
            encode_event("/admin", "name", "[1,2]", 0, Some(12)),
            r#"2/admin,12["name",1,2]"#
        );
        assert_eq!(encode_event("/", "name", "[]", 0, None), r#"2["name"]"#);
        assert_eq!(
            encode_event("/", "name", " [ ] ", 0, Some(0)),
            r#"20["name"]"#
        );
        assert_eq!(encode_event("/", "name", "", 0, None), r#"2["name"]"#);
        assert_eq!(
            encode_event("/", "name", r#"[{"_placeholder":true,"num":0}]"#, 1, None),
            r#"51-["name",{"_placeholder":true,"num":0}]"#
        );
        assert_eq!(
            encode_event(
                "/admin",
                "n",
                r#"[{"_placeholder":true,"num":0},2]"#,
                1,
                Some(3)
            ),
            r#"51-/admin,3["n",{"_placeholder":true,"num":0},2]"#
        );
        // The name is JSON-escaped.
        assert_eq!(encode_event("/", "a\"b\n", "[]", 0, None), r#"2["a\"b\n"]"#);
        // Not bracketed: one argument.
        assert_eq!(
            encode_event("/", "n", r#"{"a":1}"#, 0, None),
            r#"2["n",{"a":1}]"#
        );
    }

    #[test]
    fn encode_ack_packets() {
        assert_eq!(encode_ack("/", 456, r#"[1,"2"]"#, 0), r#"3456[1,"2"]"#);
        assert_eq!(encode_ack("/admin", 12, "[]", 0), "3/admin,12[]");
        assert_eq!(encode_ack("/", 0, "", 0), "30[]");
        assert_eq!(
            encode_ack("/admin", 12, r#"[{"_placeholder":true,"num":0}]"#, 1),
            r#"61-/admin,12[{"_placeholder":true,"num":0}]"#
        );
        assert_eq!(
            encode_ack(
                "/",
                789,
                r#"[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
                2
            ),
            r#"62-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#
        );
    }

    #[test]
    fn encode_is_the_inverse_of_decode() {
        let messages = [
            connect("/", None),
            connect("/admin", Some(r#"{"token":"x"}"#)),
            disconnect("/"),
            disconnect("/admin"),
            event("/", "chat", r#"[1,"two",{"3":[true]}]"#, 0, None),
            event("/admin", "1", "[]", 0, Some(0)),
            event("/", "up", r#"[{"_placeholder":true,"num":0}]"#, 1, Some(9)),
            ack("/", 5, "[]", 0),
            ack("/admin", 5, r#"[{"_placeholder":true,"num":0}]"#, 1),
        ];
        for message in messages {
            let text = encode(&message);
            assert_eq!(decode(&text), Ok(message.clone()), "{text}");
        }
        assert_eq!(encode(&connect("/admin", None)), "0/admin,");
        assert_eq!(encode(&connect("/", Some("{}"))), "0{}");
    }

    #[test]
    fn message_accessors() {
        assert_eq!(connect("/a", None).nsp(), "/a");
        assert_eq!(disconnect("/b").nsp(), "/b");
        assert_eq!(event("/c", "x", "[]", 2, None).nsp(), "/c");
        assert_eq!(ack("/d", 1, "[]", 3).nsp(), "/d");
        assert_eq!(event("/c", "x", "[]", 2, None).attachments(), 2);
        assert_eq!(ack("/d", 1, "[]", 3).attachments(), 3);
        assert_eq!(connect("/a", None).attachments(), 0);
    }

    // ----- args_inner / is_reserved_event -----

    #[test]
    fn args_inner_slices() {
        assert_eq!(args_inner("[1,2]"), Ok("1,2"));
        assert_eq!(args_inner("[]"), Ok(""));
        assert_eq!(args_inner("[ ]"), Ok(""));
        assert_eq!(args_inner(" [ 1 , {\"a\":[]} ]\n"), Ok("1 , {\"a\":[]}"));
        assert_eq!(args_inner("[[]]"), Ok("[]"));
    }

    #[test]
    fn args_inner_errors() {
        assert_eq!(args_inner(""), Err(DecodeError::InvalidJson));
        assert_eq!(args_inner("[1,2"), Err(DecodeError::InvalidJson));
        assert_eq!(args_inner("[1,]"), Err(DecodeError::InvalidJson));
        assert_eq!(args_inner("[1] [2]"), Err(DecodeError::InvalidJson));
        assert_eq!(args_inner("[1],[2]"), Err(DecodeError::InvalidJson));
        assert_eq!(
            args_inner("{}"),
            Err(DecodeError::InvalidPayload(ARGS_SHAPE))
        );
        assert_eq!(
            args_inner("1"),
            Err(DecodeError::InvalidPayload(ARGS_SHAPE))
        );
        assert_eq!(
            args_inner("\"[]\""),
            Err(DecodeError::InvalidPayload(ARGS_SHAPE))
        );
    }

    #[test]
    fn reserved_events() {
        for name in RESERVED_EVENTS {
            assert!(is_reserved_event(name));
        }
        assert!(!is_reserved_event("message"));
        assert!(!is_reserved_event("Connect"));
        assert!(!is_reserved_event(""));
        assert!(!is_reserved_event("connect "));
    }

    // ----- helpers -----

    #[test]
    fn js_number_strings() {
        let cases: [(f64, &str); 16] = [
            (0.0, "0"),
            (-0.0, "0"),
            (1.0, "1"),
            (-1.0, "-1"),
            (1.5, "1.5"),
            (123456789.0, "123456789"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (1.5e21, "1.5e+21"),
            (0.1, "0.1"),
            (0.000001, "0.000001"),
            (0.0000001, "1e-7"),
            (1.25e-10, "1.25e-10"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (9007199254740993.0, "9007199254740992"),
        ];
        for (v, s) in cases {
            assert_eq!(js_number_to_string(v), s, "{v}");
        }
        assert_eq!(js_number_to_string(f64::NAN), "NaN");
    }

    #[test]
    fn js_whitespace_set() {
        for c in [
            '\t', '\n', '\u{b}', '\u{c}', '\r', ' ', '\u{a0}', '\u{2003}', '\u{3000}', '\u{feff}',
        ] {
            assert!(is_js_whitespace(c), "{c:?}");
        }
        for c in ['\u{85}', '\u{200b}', 'a', '0'] {
            assert!(!is_js_whitespace(c), "{c:?}");
        }
    }

    #[test]
    fn rejoin_falls_back_when_not_borrowed() {
        let owned: Vec<Box<RawValue>> = vec![
            RawValue::from_string("1".into()).unwrap(),
            RawValue::from_string("[2]".into()).unwrap(),
        ];
        let refs: Vec<&RawValue> = owned.iter().map(|b| &**b).collect();
        assert_eq!(rejoin("unrelated", &refs), "[1,[2]]");
        assert_eq!(rejoin("", &[]), "[]");
    }

    #[test]
    fn error_display() {
        assert_eq!(DecodeError::Empty.to_string(), "empty packet");
        assert_eq!(
            DecodeError::UnknownType('9').to_string(),
            "unknown packet type '9'"
        );
        assert_eq!(
            DecodeError::IllegalAttachments.to_string(),
            "illegal attachments"
        );
        assert_eq!(
            DecodeError::TooManyAttachments { max: 10 }.to_string(),
            "too many attachments (at most 10)"
        );
        assert_eq!(DecodeError::InvalidAckId.to_string(), "invalid ack id");
        assert_eq!(DecodeError::MissingAckId.to_string(), "ack without an id");
        assert_eq!(
            DecodeError::InvalidJson.to_string(),
            "payload is not valid JSON"
        );
        assert_eq!(
            DecodeError::InvalidPayload(ACK_SHAPE).to_string(),
            "invalid payload: ACK payload must be an array"
        );
        assert_eq!(
            DecodeError::ReservedEvent("connect".into()).to_string(),
            "reserved event name \"connect\""
        );
        assert_eq!(
            DecodeError::ConnectErrorFromClient.to_string(),
            "CONNECT_ERROR packets are sent by servers only"
        );
    }
}

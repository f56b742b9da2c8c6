//! One protocol-1 packet: the model ([`Packet`], [`PacketType`],
//! [`AckRequest`], the error packet's [`ErrorReason`] and [`ErrorAdvice`]),
//! its framing `type:id[+]:endpoint[:data]` ([`split_frame`]), [`decode`],
//! [`encode`] and the encoders for what a server sends, and the mapping onto
//! the shared [`Message`] model.

use std::fmt::Write as _;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::DecodeError;
use crate::socketio::{self, Message};
use crate::{push_json_string, query_to_json};

/// The heartbeat packet (both directions).
pub const HEARTBEAT: &str = "2::";

/// The noop packet: ends a long poll that had nothing to carry.
pub const NOOP: &str = "8::";

/// The answer to a transport request for a session the server does not know:
/// error, reason "client not handshaken", advice "reconnect".
pub const CLIENT_NOT_HANDSHAKEN: &str = "7:::1+0";

/// The packet types of protocol 1 (the first character of a packet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PacketType {
    /// `0`: leave an endpoint, or close the session.
    Disconnect = 0,
    /// `1`: join an endpoint, or the session (or a join) accepted.
    Connect = 1,
    /// `2`: a heartbeat.
    Heartbeat = 2,
    /// `3`: a plain text message.
    Message = 3,
    /// `4`: a JSON message.
    Json = 4,
    /// `5`: an event.
    Event = 5,
    /// `6`: the answer to a packet sent with an ack id.
    Ack = 6,
    /// `7`: an error.
    Error = 7,
    /// `8`: nothing (ends a long poll).
    Noop = 8,
}

impl PacketType {
    /// The type for a type character `'0'..='8'`.
    pub fn from_char(c: char) -> Option<PacketType> {
        Some(match c {
            '0' => PacketType::Disconnect,
            '1' => PacketType::Connect,
            '2' => PacketType::Heartbeat,
            '3' => PacketType::Message,
            '4' => PacketType::Json,
            '5' => PacketType::Event,
            '6' => PacketType::Ack,
            '7' => PacketType::Error,
            '8' => PacketType::Noop,
            _ => return None,
        })
    }

    /// The type character.
    pub fn as_char(self) -> char {
        char::from(b'0' + self as u8)
    }
}

/// The id of a packet that wants an acknowledgement, and which kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AckRequest {
    /// `id` alone: the receiver acknowledges with `6::<endpoint>:<id>` right
    /// after taking the packet, without data (the reference server does it
    /// itself, before the application sees the packet).
    Auto(u64),
    /// `id+`: the application answers with data, `6::<endpoint>:<id>+[...]`.
    Data(u64),
}

impl AckRequest {
    /// The numeric id.
    pub fn id(self) -> u64 {
        match self {
            AckRequest::Auto(id) | AckRequest::Data(id) => id,
        }
    }
}

/// The reasons of an error packet, by their wire code (the 0.9 client maps
/// codes back to these names; other text reaches it as an empty reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ErrorReason {
    /// `0`: "transport not supported".
    TransportNotSupported = 0,
    /// `1`: "client not handshaken": the session is unknown.
    ClientNotHandshaken = 1,
    /// `2`: "unauthorized": an endpoint join refused.
    Unauthorized = 2,
}

impl ErrorReason {
    /// The reason for a wire code (`"0"`, `"1"`, `"2"`).
    pub fn from_code(code: &str) -> Option<ErrorReason> {
        Some(match code {
            "0" => ErrorReason::TransportNotSupported,
            "1" => ErrorReason::ClientNotHandshaken,
            "2" => ErrorReason::Unauthorized,
            _ => return None,
        })
    }

    /// The wire code.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The name the client reports (`"unauthorized"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorReason::TransportNotSupported => "transport not supported",
            ErrorReason::ClientNotHandshaken => "client not handshaken",
            ErrorReason::Unauthorized => "unauthorized",
        }
    }
}

/// The advice of an error packet, by its wire code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ErrorAdvice {
    /// `0`: "reconnect": the client should handshake again.
    Reconnect = 0,
}

impl ErrorAdvice {
    /// The advice for a wire code (`"0"`).
    pub fn from_code(code: &str) -> Option<ErrorAdvice> {
        match code {
            "0" => Some(ErrorAdvice::Reconnect),
            _ => None,
        }
    }

    /// The wire code.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The name the client reports (`"reconnect"`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorAdvice::Reconnect => "reconnect",
        }
    }
}

/// One protocol-1 packet, decoded and validated. Endpoints are in the shared
/// model's form: `"/"` for the root endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    /// `0::/chat`: leave an endpoint; `0::` closes the whole session.
    Disconnect {
        /// The endpoint left (`"/"`: the whole session).
        nsp: String,
    },
    /// `1::/chat`: join an endpoint. `query` is the query string the client
    /// attached (`1::/chat?a=1`, or the reference encoder's `1::/chat:?a=1`),
    /// without its `?`; `None` when there is none or it is empty.
    Connect {
        /// The endpoint joined, without its query.
        nsp: String,
        /// The query string, without its `?`.
        query: Option<String>,
    },
    /// `2::`: a heartbeat.
    Heartbeat,
    /// `3:1:/chat:text`: a plain message, for `on-message`.
    Message {
        /// The endpoint.
        nsp: String,
        /// The ack id, if the sender wants an acknowledgement.
        ack: Option<AckRequest>,
        /// The message text (empty for `3::`).
        text: String,
    },
    /// `4:1:/chat:{"a":1}`: a JSON message; `json` is the raw JSON text
    /// (validated), for `on-message`.
    Json {
        /// The endpoint.
        nsp: String,
        /// The ack id, if the sender wants an acknowledgement.
        ack: Option<AckRequest>,
        /// The JSON text, as it was sent.
        json: String,
    },
    /// `5:1+:/chat:{"name":"x","args":[1]}`: an event; `args` is the raw JSON
    /// array text of the arguments (`"[]"` when none).
    Event {
        /// The endpoint.
        nsp: String,
        /// The ack id, if the sender wants an acknowledgement.
        ack: Option<AckRequest>,
        /// The event name.
        name: String,
        /// The arguments, a JSON array text.
        args: String,
    },
    /// `6::/chat:4+["a"]` / `6::/chat:4`: the answer to a packet the other
    /// side sent with an ack id; `args` is a JSON array text (`"[]"` when the
    /// answer carried no data).
    Ack {
        /// The endpoint.
        nsp: String,
        /// The id of the packet answered.
        id: u64,
        /// The answer's data, a JSON array text.
        args: String,
    },
    /// `7::/chat:2+0`: an error, its reason and advice as the raw text before
    /// and after the first `+` (wire codes, see [`ErrorReason`]).
    Error {
        /// The endpoint.
        nsp: String,
        /// The text before the first `+` (a reason's wire code, normally).
        reason: String,
        /// The text after the first `+`, if there is one.
        advice: Option<String>,
    },
    /// `8::`: nothing.
    Noop,
}

impl Packet {
    /// The packet's type.
    pub fn packet_type(&self) -> PacketType {
        match self {
            Packet::Disconnect { .. } => PacketType::Disconnect,
            Packet::Connect { .. } => PacketType::Connect,
            Packet::Heartbeat => PacketType::Heartbeat,
            Packet::Message { .. } => PacketType::Message,
            Packet::Json { .. } => PacketType::Json,
            Packet::Event { .. } => PacketType::Event,
            Packet::Ack { .. } => PacketType::Ack,
            Packet::Error { .. } => PacketType::Error,
            Packet::Noop => PacketType::Noop,
        }
    }

    /// The endpoint the packet is for (`"/"` for heartbeats and noops).
    pub fn nsp(&self) -> &str {
        match self {
            Packet::Disconnect { nsp }
            | Packet::Connect { nsp, .. }
            | Packet::Message { nsp, .. }
            | Packet::Json { nsp, .. }
            | Packet::Event { nsp, .. }
            | Packet::Ack { nsp, .. }
            | Packet::Error { nsp, .. } => nsp,
            Packet::Heartbeat | Packet::Noop => "/",
        }
    }

    /// The packet in the shared model, for the packets that have a place
    /// there: connect (its query as a JSON object in `auth`, see
    /// [`query_to_json`]), disconnect, event (`ack` set only for an `id+`
    /// data ack; a plain `id` is answered by [`Packet::auto_ack`]) and
    /// ack. `None` for heartbeat, message, json, error and noop: messages go
    /// to `on-message` as they are, the others never reach a handler.
    pub fn to_message(&self) -> Option<Message> {
        Some(match self {
            Packet::Connect { nsp, query } => Message::Connect {
                nsp: nsp.clone(),
                auth: query.as_deref().map(query_to_json),
            },
            Packet::Disconnect { nsp } => Message::Disconnect { nsp: nsp.clone() },
            Packet::Event {
                nsp,
                ack,
                name,
                args,
            } => Message::Event {
                nsp: nsp.clone(),
                name: name.clone(),
                args: args.clone(),
                attachments: 0,
                ack: match ack {
                    Some(AckRequest::Data(id)) => Some(*id),
                    Some(AckRequest::Auto(_)) | None => None,
                },
            },
            Packet::Ack { nsp, id, args } => Message::Ack {
                nsp: nsp.clone(),
                id: *id,
                args: args.clone(),
                attachments: 0,
            },
            Packet::Heartbeat
            | Packet::Message { .. }
            | Packet::Json { .. }
            | Packet::Error { .. }
            | Packet::Noop => return None,
        })
    }

    /// The ack the server sends right after delivering this packet, if any:
    /// `6::<endpoint>:<id>` for an event with a plain `id`, and for a message
    /// or json packet with any id (`on-message` has no way to answer with
    /// data, so an `id+` there is acknowledged without data too).
    pub fn auto_ack(&self) -> Option<String> {
        match self {
            Packet::Message {
                nsp,
                ack: Some(ack),
                ..
            }
            | Packet::Json {
                nsp,
                ack: Some(ack),
                ..
            } => Some(encode_ack(nsp, ack.id(), "")),
            Packet::Event {
                nsp,
                ack: Some(AckRequest::Auto(id)),
                ..
            } => Some(encode_ack(nsp, *id, "")),
            _ => None,
        }
    }
}

pub(super) const EVENT_SHAPE: &str =
    "EVENT data must be an object with a string \"name\" and an \"args\" array";

pub(super) const ACK_SHAPE: &str = "ACK data must be an array after the id";

/// The framing of one packet, split but with its data not yet validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The packet type (the first field).
    pub packet_type: PacketType,
    /// The id field: none, `id` or `id+`.
    pub ack: Option<AckRequest>,
    /// The endpoint exactly as written (`""` for the root endpoint).
    pub endpoint: &'a str,
    /// Everything after the third `:`, if there is a third `:`.
    pub data: Option<&'a str>,
}

/// Split a packet into its parts.
///
/// The reference server matches `([^:]+):([0-9]+)?(\+)?:([^:]+)?:?([\s\S]*)?`
/// anywhere in the text; here the whole text must have the form, and:
/// - the type is exactly one character `'0'..='8'` (the reference silently
///   ignores packets of other types);
/// - the id is empty, or decimal digits fitting in `u64`, optionally followed
///   by `+` (a lone `+` is refused; the reference ignores it);
/// - the endpoint runs to the next `:` or the end;
/// - the data is everything after that `:`, colons included.
pub fn split_frame(text: &str) -> Result<Frame<'_>, DecodeError> {
    if text.is_empty() {
        return Err(DecodeError::Empty);
    }
    let (kind, rest) = text.split_once(':').ok_or(DecodeError::Malformed)?;
    let mut chars = kind.chars();
    let packet_type = match (chars.next(), chars.next()) {
        (Some(c), None) => PacketType::from_char(c),
        _ => None,
    }
    .ok_or_else(|| DecodeError::UnknownType(kind.chars().take(16).collect()))?;
    let (id, rest) = rest.split_once(':').ok_or(DecodeError::Malformed)?;
    let ack = parse_ack_request(id)?;
    let (endpoint, data) = match rest.split_once(':') {
        Some((endpoint, data)) => (endpoint, Some(data)),
        None => (rest, None),
    };
    Ok(Frame {
        packet_type,
        ack,
        endpoint,
        data,
    })
}

/// Decode one protocol-1 packet.
///
/// Beyond the framing rules of [`split_frame`]:
/// - the endpoint must be empty or start with `/` (the 0.9 client only sends
///   such); for a connect packet a `?query` is cut off it first;
/// - connect: the query is the data after the third `:` if there is any
///   (the reference parser's form), else the endpoint's `?query` (the form
///   of the protocol spec and TornadIO2);
/// - message: the data as it is (none is the empty message);
/// - json: the data must be valid JSON;
/// - event: the data must be a JSON object with a string `name` and an
///   optional `args` that is an array or `null`; other members are ignored,
///   a duplicated member is refused; a reserved name is an error;
/// - ack: the data is `<id>` or `<id>+<JSON array>` (an empty array after
///   `+` may be left out);
/// - error: the data split at its first `+` into reason and advice;
/// - disconnect, heartbeat, noop: the data is ignored;
/// - ids on connect, disconnect, heartbeat, ack, error and noop packets are
///   ignored (the reference would auto-acknowledge them; no client sends
///   them).
pub fn decode(text: &str) -> Result<Packet, DecodeError> {
    let frame = split_frame(text)?;
    let nsp = |endpoint: &str| endpoint_to_nsp(endpoint);
    Ok(match frame.packet_type {
        PacketType::Heartbeat => Packet::Heartbeat,
        PacketType::Noop => Packet::Noop,
        PacketType::Disconnect => Packet::Disconnect {
            nsp: nsp(frame.endpoint)?,
        },
        PacketType::Connect => {
            let (endpoint, in_endpoint) = match frame.endpoint.split_once('?') {
                Some((endpoint, query)) => (endpoint, Some(query)),
                None => (frame.endpoint, None),
            };
            let in_data = frame.data.map(|d| d.strip_prefix('?').unwrap_or(d));
            let query = in_data
                .filter(|q| !q.is_empty())
                .or(in_endpoint)
                .filter(|q| !q.is_empty())
                .map(str::to_owned);
            Packet::Connect {
                nsp: nsp(endpoint)?,
                query,
            }
        }
        PacketType::Message => Packet::Message {
            nsp: nsp(frame.endpoint)?,
            ack: frame.ack,
            text: frame.data.unwrap_or("").to_owned(),
        },
        PacketType::Json => {
            let data = frame.data.unwrap_or("");
            crate::json::validate(data).map_err(|_| DecodeError::InvalidJson)?;
            Packet::Json {
                nsp: nsp(frame.endpoint)?,
                ack: frame.ack,
                json: data.to_owned(),
            }
        }
        PacketType::Event => {
            let nsp = nsp(frame.endpoint)?;
            let (name, args) = decode_event_data(frame.data.unwrap_or(""))?;
            Packet::Event {
                nsp,
                ack: frame.ack,
                name,
                args,
            }
        }
        PacketType::Ack => {
            let nsp = nsp(frame.endpoint)?;
            let data = frame.data.unwrap_or("");
            let (id, args) = match data.split_once('+') {
                Some((id, args)) => (id, Some(args)),
                None => (data, None),
            };
            let id = parse_id(id)?;
            let args = match args {
                None | Some("") => "[]".to_owned(),
                Some(args) => bracket(args_inner(args, ACK_SHAPE)?),
            };
            Packet::Ack { nsp, id, args }
        }
        PacketType::Error => {
            let data = frame.data.unwrap_or("");
            let (reason, advice) = match data.split_once('+') {
                Some((reason, advice)) => (reason, Some(advice.to_owned())),
                None => (data, None),
            };
            Packet::Error {
                nsp: nsp(frame.endpoint)?,
                reason: reason.to_owned(),
                advice,
            }
        }
    })
}

/// The wire text of a packet (the inverse of [`decode`]). A connect packet's
/// query is written in the reference encoder's form, `1::/chat:?a=1`.
pub fn encode(packet: &Packet) -> String {
    match packet {
        Packet::Disconnect { nsp } => encode_disconnect(nsp),
        Packet::Connect { nsp, query } => {
            let mut out = encode_connect(nsp);
            if let Some(query) = query {
                out.push_str(":?");
                out.push_str(query);
            }
            out
        }
        Packet::Heartbeat => HEARTBEAT.to_owned(),
        Packet::Message { nsp, ack, text } => encode_message(nsp, *ack, text),
        Packet::Json { nsp, ack, json } => encode_json(nsp, *ack, json),
        Packet::Event {
            nsp,
            ack,
            name,
            args,
        } => encode_event(nsp, *ack, name, args),
        Packet::Ack { nsp, id, args } => encode_ack(nsp, *id, args),
        Packet::Error {
            nsp,
            reason,
            advice,
        } => {
            let mut out = header(PacketType::Error, None, nsp);
            if !reason.is_empty() || advice.is_some() {
                out.push(':');
                out.push_str(reason);
                if let Some(advice) = advice {
                    out.push('+');
                    out.push_str(advice);
                }
            }
            out
        }
        Packet::Noop => NOOP.to_owned(),
    }
}

/// `0::` (close the session) / `0::/chat` (leave an endpoint).
pub fn encode_disconnect(nsp: &str) -> String {
    header(PacketType::Disconnect, None, nsp)
}

/// `1::` (the session is open) / `1::/chat` (an endpoint join accepted).
pub fn encode_connect(nsp: &str) -> String {
    header(PacketType::Connect, None, nsp)
}

/// `3:::text` / `3:5:/chat:text`; the empty message is `3::` / `3::/chat`,
/// as the reference encoder writes it.
pub fn encode_message(nsp: &str, ack: Option<AckRequest>, text: &str) -> String {
    let mut out = header(PacketType::Message, ack, nsp);
    if !text.is_empty() {
        out.reserve(text.len() + 1);
        out.push(':');
        out.push_str(text);
    }
    out
}

/// `4:::{"a":1}`: a JSON message; `json` is written as it is.
pub fn encode_json(nsp: &str, ack: Option<AckRequest>, json: &str) -> String {
    let mut out = header(PacketType::Json, ack, nsp);
    out.reserve(json.len() + 1);
    out.push(':');
    out.push_str(json);
    out
}

/// `5:::{"name":"x","args":[1,2]}`; with an ack request `5:7+::{...}`.
///
/// `args_json` is the raw JSON array of the arguments (check text from
/// untrusted sources with [`socketio::args_inner`] first); its inner text is
/// spliced in as it is. As in the reference encoder, `args` is left out when
/// there are no arguments (`5:::{"name":"x"}`). Text that is not bracketed
/// is sent as a single argument, empty text as none.
pub fn encode_event(nsp: &str, ack: Option<AckRequest>, name: &str, args_json: &str) -> String {
    let inner = lenient_inner(args_json);
    let mut out = header(PacketType::Event, ack, nsp);
    out.reserve(name.len() + inner.len() + 24);
    out.push_str(":{\"name\":");
    push_json_string(&mut out, name);
    if !inner.is_empty() {
        out.push_str(",\"args\":[");
        out.push_str(inner);
        out.push(']');
    }
    out.push('}');
    out
}

/// `6:::4` (no data) / `6::/chat:4+["a",1]`. `args_json` as for
/// [`encode_event`]; an empty array is written without `+`, as the
/// reference encoder does.
pub fn encode_ack(nsp: &str, id: u64, args_json: &str) -> String {
    let inner = lenient_inner(args_json);
    let mut out = header(PacketType::Ack, None, nsp);
    out.reserve(inner.len() + 24);
    let _ = write!(out, ":{id}");
    if !inner.is_empty() {
        out.push_str("+[");
        out.push_str(inner);
        out.push(']');
    }
    out
}

/// `7::/chat:2` (unauthorized), `7:::1+0` (client not handshaken, reconnect),
/// written with the wire codes the 0.9 client understands; `7::/chat` when
/// neither is given.
pub fn encode_error(nsp: &str, reason: Option<ErrorReason>, advice: Option<ErrorAdvice>) -> String {
    let mut out = header(PacketType::Error, None, nsp);
    if reason.is_some() || advice.is_some() {
        out.push(':');
        if let Some(reason) = reason {
            let _ = write!(out, "{}", reason.code());
        }
        if let Some(advice) = advice {
            let _ = write!(out, "+{}", advice.code());
        }
    }
    out
}

/// `<type>:<id>[+]:<endpoint>`, the root endpoint written empty.
pub(super) fn header(kind: PacketType, ack: Option<AckRequest>, nsp: &str) -> String {
    let endpoint = nsp_to_endpoint(nsp);
    let mut out = String::with_capacity(24 + endpoint.len());
    out.push(kind.as_char());
    out.push(':');
    match ack {
        Some(AckRequest::Auto(id)) => {
            let _ = write!(out, "{id}");
        }
        Some(AckRequest::Data(id)) => {
            let _ = write!(out, "{id}+");
        }
        None => {}
    }
    out.push(':');
    out.push_str(endpoint);
    out
}

/// The model's namespace as a protocol-1 endpoint: `"/"` is `""`.
pub(super) fn nsp_to_endpoint(nsp: &str) -> &str {
    if nsp == "/" { "" } else { nsp }
}

/// A protocol-1 endpoint as the model's namespace: `""` is `"/"`.
pub(super) fn endpoint_to_nsp(endpoint: &str) -> Result<String, DecodeError> {
    if endpoint.is_empty() {
        Ok("/".to_owned())
    } else if endpoint.starts_with('/') {
        Ok(endpoint.to_owned())
    } else {
        Err(DecodeError::InvalidEndpoint)
    }
}

/// The id field: empty, `<digits>` or `<digits>+`.
pub(super) fn parse_ack_request(id: &str) -> Result<Option<AckRequest>, DecodeError> {
    if id.is_empty() {
        return Ok(None);
    }
    Ok(Some(match id.strip_suffix('+') {
        Some(digits) => AckRequest::Data(parse_id(digits)?),
        None => AckRequest::Auto(parse_id(id)?),
    }))
}

/// Decimal digits fitting in `u64`.
pub(super) fn parse_id(digits: &str) -> Result<u64, DecodeError> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DecodeError::InvalidAckId);
    }
    digits.parse().map_err(|_| DecodeError::InvalidAckId)
}

/// The body of an event packet, arguments kept raw.
#[derive(Deserialize)]
struct EventBody<'a> {
    name: String,
    #[serde(borrow, default)]
    args: Option<&'a RawValue>,
}

/// An event packet's data: its name and its arguments as a JSON array text.
pub(super) fn decode_event_data(data: &str) -> Result<(String, String), DecodeError> {
    // A serde struct also accepts a JSON array (`["x",[1]]`): insist on an
    // object, as the reference reads `.name` and `.args` off one.
    if !trim_json(data).starts_with('{') {
        return Err(match crate::json::validate(data) {
            Ok(_) => DecodeError::InvalidPayload(EVENT_SHAPE),
            Err(_) => DecodeError::InvalidJson,
        });
    }
    let body: EventBody<'_> = serde_json::from_str(data).map_err(|e| {
        if e.is_data() {
            DecodeError::InvalidPayload(EVENT_SHAPE)
        } else {
            DecodeError::InvalidJson
        }
    })?;
    if socketio::is_reserved_event(&body.name) {
        return Err(DecodeError::ReservedEvent(body.name));
    }
    let args = match body.args {
        None => "[]".to_owned(),
        Some(raw) => bracket(args_inner(raw.get(), EVENT_SHAPE)?),
    };
    Ok((body.name, args))
}

/// The inner text of a JSON array (trimmed), or the error for `shape`.
pub(super) fn args_inner<'a>(text: &'a str, shape: &'static str) -> Result<&'a str, DecodeError> {
    socketio::args_inner(text).map_err(|e| match e {
        socketio::DecodeError::InvalidJson => DecodeError::InvalidJson,
        _ => DecodeError::InvalidPayload(shape),
    })
}

/// `[` + inner + `]`.
pub(super) fn bracket(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len() + 2);
    out.push('[');
    out.push_str(inner);
    out.push(']');
    out
}

pub(super) fn is_json_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

pub(super) fn trim_json(s: &str) -> &str {
    s.trim_matches(is_json_whitespace)
}

/// The inside of a bracketed array text; other non-empty text as itself (one
/// argument).
pub(super) fn lenient_inner(args_json: &str) -> &str {
    let t = trim_json(args_json);
    match t.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        Some(inner) => trim_json(inner),
        None => t,
    }
}

//! Socket.IO protocol 1 codec: the wire format of socket.io 0.7-0.9 clients
//! and of TornadIO2.
//!
//! Owns, as pure functions over text and bytes:
//! - packets `type:id[+]:endpoint[:data]` (nine types), decoded into
//!   [`Packet`] and mapped onto the shared [`Message`] model where they
//!   fit ([`Packet::to_message`]); encoders for everything a server
//!   sends;
//! - the multi-packet framing `\u{fffd}<length>\u{fffd}<packet>...`, lengths
//!   in UTF-16 code units as the JavaScript client counts them;
//! - the handshake body `sid:heartbeat:close:transports` and its JSONP form;
//! - JSONP polling (`io.j[N]("...");` answers, the POST form field `d`), the
//!   htmlfile document and its `<script>` chunks, with JavaScript string
//!   escaping that is safe inside an HTML `<script>` element;
//! - the Flash socket policy answer to `<policy-file-request/>`.
//!
//! The reference behaviour is the socket.io 0.9 server (`lib/parser.js`,
//! `lib/transports/*.js`, `lib/manager.js`) and client (`lib/parser.js`,
//! `lib/transports/*.js`), with TornadIO2 (`tornadio2/proto.py`,
//! `polling.py`) where the two differ in ways its users relied on. The
//! decoder is stricter than the reference's unanchored regular expression;
//! each place where it refuses what the reference would have swallowed is
//! noted. `docs/legacy-protocol.md` describes the transports and sessions
//! built on this codec.
//!
//! Endpoints: protocol 1 names the root endpoint `""`; the shared model names
//! it `"/"`. Decoding maps `""` (and `"/"`) to `"/"`, encoding writes `"/"`
//! as the empty endpoint.

use std::fmt::{self, Write as _};

use serde::Deserialize;
use serde_json::value::RawValue;

use super::socketio::{self, Message};
use super::{push_json_string, query_to_json};

/// The protocol number in the URL: `/socket.io/1/`.
pub const PROTOCOL: u32 = 1;

/// The character around a frame's length in a multi-packet payload.
pub const FRAME_MARKER: char = '\u{fffd}';

/// The heartbeat packet (both directions).
pub const HEARTBEAT: &str = "2::";

/// The noop packet: ends a long poll that had nothing to carry.
pub const NOOP: &str = "8::";

/// The answer to a transport request for a session the server does not know:
/// error, reason "client not handshaken", advice "reconnect".
pub const CLIENT_NOT_HANDSHAKEN: &str = "7:::1+0";

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

/// The body of the answer to a polling POST (HTTP 200).
pub const POST_ANSWER: &str = "1";

/// What a Flash player sends first on a socket (followed by a NUL byte).
pub const POLICY_FILE_REQUEST: &str = "<policy-file-request/>";

/// What old Internet Explorer needs before it runs the htmlfile document's
/// scripts: the socket.io 0.9 server's first chunk, word for word (256
/// bytes; the padding is `new Array(174).join(' ')`, 173 spaces).
pub const HTMLFILE_PREAMBLE: &str = concat!(
    "<html><body>",
    "<script>var _ = function (msg) { parent.s._(msg, document); };</script>",
    "                                                                                                    ",
    "                                                                         ",
);

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

/// Why a packet, payload or form could not be decoded. Any of these makes the
/// server drop what it was given; a packet error closes the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Empty text.
    Empty,
    /// Not of the form `type:id:endpoint[:data]` (fewer than two `:`).
    Malformed,
    /// The type is not one character `'0'..='8'`; the text before the first
    /// `:` (at most 16 characters of it).
    UnknownType(String),
    /// The id is not decimal digits (fitting in `u64`) with an optional `+`,
    /// or an ack packet's data does not start with such an id.
    InvalidAckId,
    /// An endpoint that is neither empty nor starts with `/`.
    InvalidEndpoint,
    /// The data is not valid JSON.
    InvalidJson,
    /// The data is JSON of the wrong shape for the packet type.
    InvalidPayload(&'static str),
    /// An event with a reserved name (see [`socketio::RESERVED_EVENTS`]).
    ReservedEvent(String),
    /// A frame length in a payload is not decimal digits.
    InvalidFrameLength,
    /// A frame is longer than what is left of the payload.
    TruncatedFrame,
    /// A frame length ends inside a character outside the BMP (between the
    /// two UTF-16 code units of a surrogate pair).
    SplitSurrogate,
    /// Text after a frame that does not start another frame.
    TrailingData,
    /// A JSONP POST body without the form field `d`.
    MissingFormField,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Empty => f.write_str("empty packet"),
            DecodeError::Malformed => f.write_str("malformed packet (expected type:id:endpoint)"),
            DecodeError::UnknownType(t) => write!(f, "unknown packet type {t:?}"),
            DecodeError::InvalidAckId => f.write_str("invalid ack id"),
            DecodeError::InvalidEndpoint => f.write_str("endpoint must be empty or start with '/'"),
            DecodeError::InvalidJson => f.write_str("payload is not valid JSON"),
            DecodeError::InvalidPayload(why) => write!(f, "invalid payload: {why}"),
            DecodeError::ReservedEvent(name) => write!(f, "reserved event name {name:?}"),
            DecodeError::InvalidFrameLength => f.write_str("invalid frame length"),
            DecodeError::TruncatedFrame => f.write_str("frame longer than the payload"),
            DecodeError::SplitSurrogate => f.write_str("frame length ends inside a surrogate pair"),
            DecodeError::TrailingData => f.write_str("text after the last frame"),
            DecodeError::MissingFormField => f.write_str("form field 'd' missing"),
        }
    }
}

impl std::error::Error for DecodeError {}

const EVENT_SHAPE: &str =
    "EVENT data must be an object with a string \"name\" and an \"args\" array";
const ACK_SHAPE: &str = "ACK data must be an array after the id";

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
            serde_json::from_str::<serde::de::IgnoredAny>(data)
                .map_err(|_| DecodeError::InvalidJson)?;
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

/// The number of UTF-16 code units in `s`: the length JavaScript's
/// `String.prototype.length` reports, which frame lengths count.
pub fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// A polling response body (and the text of a JSONP or htmlfile call): no
/// packet is the empty text, one packet is that packet as it is, several are
/// each written `\u{fffd}<length>\u{fffd}<packet>` with the length in UTF-16
/// code units.
pub fn encode_payload<S: AsRef<str>>(packets: &[S]) -> String {
    match packets {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        many => {
            let mut out =
                String::with_capacity(many.iter().map(|p| p.as_ref().len() + 12).sum::<usize>());
            for packet in many {
                let packet = packet.as_ref();
                let _ = write!(out, "{FRAME_MARKER}{}{FRAME_MARKER}", utf16_len(packet));
                out.push_str(packet);
            }
            out
        }
    }
}

/// Split a payload into its packets (not yet decoded). Text that does not
/// start with `\u{fffd}` is one packet; the empty text is none. Otherwise
/// every frame must be `\u{fffd}<decimal length>\u{fffd}<packet>`, the length
/// in UTF-16 code units, ending on a character boundary, with nothing after
/// the last frame. (The reference client skips whatever stands between
/// frames; that is refused here.)
pub fn decode_payload(body: &str) -> Result<Vec<&str>, DecodeError> {
    let Some(mut rest) = body.strip_prefix(FRAME_MARKER) else {
        return Ok(if body.is_empty() {
            Vec::new()
        } else {
            vec![body]
        });
    };
    let mut packets = Vec::new();
    loop {
        let (length, after) = rest
            .split_once(FRAME_MARKER)
            .ok_or(DecodeError::InvalidFrameLength)?;
        if length.is_empty() || !length.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DecodeError::InvalidFrameLength);
        }
        let units: usize = length.parse().map_err(|_| DecodeError::TruncatedFrame)?;
        let end = utf16_offset(after, units)?;
        let (packet, tail) = after
            .split_at_checked(end)
            .ok_or(DecodeError::TruncatedFrame)?;
        packets.push(packet);
        if tail.is_empty() {
            return Ok(packets);
        }
        rest = tail
            .strip_prefix(FRAME_MARKER)
            .ok_or(DecodeError::TrailingData)?;
    }
}

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

/// The JSONP callback index from a query parameter (`jsonp` on the
/// handshake, `i` on jsonp-polling requests): decimal digits only, as the
/// reference checks with `/^\d+$/`. `None` means: answer without JSONP (the
/// handshake) or use index 0 (polling), as the reference does.
pub fn jsonp_index(param: &str) -> Option<u64> {
    if param.is_empty() || !param.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    param.parse().ok()
}

/// A jsonp-polling GET answer: `io.j[3]("<payload>");`
/// (text/javascript; charset=UTF-8).
pub fn encode_jsonp(index: u64, payload: &str) -> String {
    let mut out = String::with_capacity(payload.len() + payload.len() / 8 + 24);
    let _ = write!(out, "io.j[{index}](");
    push_js_string(&mut out, payload);
    out.push_str(");");
    out
}

/// A handshake error in JSONP form: `io.j[0](new Error("handshake bad origin"));`
/// (HTTP 200, application/javascript).
pub fn encode_jsonp_error(index: u64, message: &str) -> String {
    let mut out = String::with_capacity(message.len() + 40);
    let _ = write!(out, "io.j[{index}](new Error(");
    push_js_string(&mut out, message);
    out.push_str("));");
    out
}

/// The payload of a jsonp-polling POST: the form field `d` of an
/// `application/x-www-form-urlencoded` body (the first `d` if there are
/// several; invalid UTF-8 is replaced). The 0.9 client writes the payload as
/// a JSON string literal there (so browsers cannot turn `\n` into `\r\n`);
/// a value starting with `"` is decoded as one, any other value is taken as
/// the payload itself, as TornadIO2 does (the reference refuses it).
pub fn decode_jsonp_form(body: &[u8]) -> Result<String, DecodeError> {
    let value = form_urlencoded::parse(body)
        .find(|(key, _)| key == "d")
        .map(|(_, value)| value)
        .ok_or(DecodeError::MissingFormField)?;
    if value.starts_with('"') {
        serde_json::from_str::<String>(&value).map_err(|_| DecodeError::InvalidJson)
    } else {
        Ok(value.into_owned())
    }
}

/// One htmlfile chunk: `<script>_("<payload>");</script>` (after
/// [`HTMLFILE_PREAMBLE`], on a chunked text/html; charset=UTF-8 response).
pub fn encode_htmlfile_chunk(payload: &str) -> String {
    let mut out = String::with_capacity(payload.len() + payload.len() / 8 + 32);
    out.push_str("<script>_(");
    push_js_string(&mut out, payload);
    out.push_str(");</script>");
    out
}

/// Append `s` as a JavaScript string literal that is also valid JSON and is
/// safe inside an HTML `<script>` element: JSON.stringify's escapes (`"`,
/// `\`, control characters), plus `<` as `\u003c` (so neither `</script>`
/// nor `<!--` can appear) and U+2028 / U+2029 as `\u2028` / `\u2029`
/// (line terminators inside string literals before ES2019).
pub fn push_js_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' => out.push_str("\\u003c"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Whether the first bytes a client sent on a socket are a Flash policy
/// request (`<policy-file-request/>`, normally followed by a NUL byte).
pub fn is_policy_file_request(first_bytes: &[u8]) -> bool {
    first_bytes.starts_with(POLICY_FILE_REQUEST.as_bytes())
}

/// The cross-domain policy a Flash player gets for a policy request, ending
/// with the NUL byte Flash expects: one `<allow-access-from>` per
/// `(domain, to-ports)` pair (`("*", "*")` allows everything, the reference
/// default for origins `*:*`). Attribute values are XML-escaped.
pub fn encode_flash_policy(allow: &[(&str, &str)]) -> String {
    let mut out = String::from(concat!(
        "<?xml version=\"1.0\"?>",
        "<!DOCTYPE cross-domain-policy SYSTEM ",
        "\"http://www.macromedia.com/xml/dtds/cross-domain-policy.dtd\">",
        "<cross-domain-policy>",
    ));
    for (domain, ports) in allow {
        out.push_str("<allow-access-from domain=\"");
        push_xml_attr(&mut out, domain);
        out.push_str("\" to-ports=\"");
        push_xml_attr(&mut out, ports);
        out.push_str("\"/>");
    }
    out.push_str("</cross-domain-policy>\0");
    out
}

/// `<type>:<id>[+]:<endpoint>`, the root endpoint written empty.
fn header(kind: PacketType, ack: Option<AckRequest>, nsp: &str) -> String {
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
fn nsp_to_endpoint(nsp: &str) -> &str {
    if nsp == "/" { "" } else { nsp }
}

/// A protocol-1 endpoint as the model's namespace: `""` is `"/"`.
fn endpoint_to_nsp(endpoint: &str) -> Result<String, DecodeError> {
    if endpoint.is_empty() {
        Ok("/".to_owned())
    } else if endpoint.starts_with('/') {
        Ok(endpoint.to_owned())
    } else {
        Err(DecodeError::InvalidEndpoint)
    }
}

/// The id field: empty, `<digits>` or `<digits>+`.
fn parse_ack_request(id: &str) -> Result<Option<AckRequest>, DecodeError> {
    if id.is_empty() {
        return Ok(None);
    }
    Ok(Some(match id.strip_suffix('+') {
        Some(digits) => AckRequest::Data(parse_id(digits)?),
        None => AckRequest::Auto(parse_id(id)?),
    }))
}

/// Decimal digits fitting in `u64`.
fn parse_id(digits: &str) -> Result<u64, DecodeError> {
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
fn decode_event_data(data: &str) -> Result<(String, String), DecodeError> {
    // A serde struct also accepts a JSON array (`["x",[1]]`): insist on an
    // object, as the reference reads `.name` and `.args` off one.
    if !trim_json(data).starts_with('{') {
        return Err(match serde_json::from_str::<serde::de::IgnoredAny>(data) {
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
fn args_inner<'a>(text: &'a str, shape: &'static str) -> Result<&'a str, DecodeError> {
    socketio::args_inner(text).map_err(|e| match e {
        socketio::DecodeError::InvalidJson => DecodeError::InvalidJson,
        _ => DecodeError::InvalidPayload(shape),
    })
}

/// `[` + inner + `]`.
fn bracket(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len() + 2);
    out.push('[');
    out.push_str(inner);
    out.push(']');
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

/// The byte offset in `s` after `units` UTF-16 code units.
fn utf16_offset(s: &str, units: usize) -> Result<usize, DecodeError> {
    let mut count = 0;
    for (i, c) in s.char_indices() {
        if count == units {
            return Ok(i);
        }
        count += c.len_utf16();
        if count > units {
            return Err(DecodeError::SplitSurrogate);
        }
    }
    if count == units {
        Ok(s.len())
    } else {
        Err(DecodeError::TruncatedFrame)
    }
}

/// Append `s` escaped for an XML attribute value in double quotes.
fn push_xml_attr(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(nsp: &str, ack: Option<AckRequest>, text: &str) -> Packet {
        Packet::Message {
            nsp: nsp.into(),
            ack,
            text: text.into(),
        }
    }

    fn json(nsp: &str, ack: Option<AckRequest>, json: &str) -> Packet {
        Packet::Json {
            nsp: nsp.into(),
            ack,
            json: json.into(),
        }
    }

    fn event(nsp: &str, ack: Option<AckRequest>, name: &str, args: &str) -> Packet {
        Packet::Event {
            nsp: nsp.into(),
            ack,
            name: name.into(),
            args: args.into(),
        }
    }

    fn ack(nsp: &str, id: u64, args: &str) -> Packet {
        Packet::Ack {
            nsp: nsp.into(),
            id,
            args: args.into(),
        }
    }

    fn connect(nsp: &str, query: Option<&str>) -> Packet {
        Packet::Connect {
            nsp: nsp.into(),
            query: query.map(Into::into),
        }
    }

    fn disconnect(nsp: &str) -> Packet {
        Packet::Disconnect { nsp: nsp.into() }
    }

    fn error(nsp: &str, reason: &str, advice: Option<&str>) -> Packet {
        Packet::Error {
            nsp: nsp.into(),
            reason: reason.into(),
            advice: advice.map(Into::into),
        }
    }

    /// What a JavaScript string literal written by `push_js_string` means.
    fn js_value(literal: &str) -> String {
        serde_json::from_str(literal).expect("valid JSON string literal")
    }

    // ----- small types -----

    #[test]
    fn packet_type_chars() {
        for (i, c) in ('0'..='8').enumerate() {
            let kind = PacketType::from_char(c).unwrap();
            assert_eq!(kind as usize, i);
            assert_eq!(kind.as_char(), c);
        }
        assert_eq!(PacketType::from_char('9'), None);
        assert_eq!(PacketType::from_char('a'), None);
        assert_eq!(PacketType::from_char(' '), None);
    }

    #[test]
    fn ack_request_ids() {
        assert_eq!(AckRequest::Auto(3).id(), 3);
        assert_eq!(AckRequest::Data(u64::MAX).id(), u64::MAX);
    }

    #[test]
    fn error_reason_and_advice_codes() {
        for (code, reason, name) in [
            (
                "0",
                ErrorReason::TransportNotSupported,
                "transport not supported",
            ),
            (
                "1",
                ErrorReason::ClientNotHandshaken,
                "client not handshaken",
            ),
            ("2", ErrorReason::Unauthorized, "unauthorized"),
        ] {
            assert_eq!(ErrorReason::from_code(code), Some(reason));
            assert_eq!(reason.code().to_string(), code);
            assert_eq!(reason.as_str(), name);
        }
        assert_eq!(ErrorReason::from_code("3"), None);
        assert_eq!(ErrorReason::from_code("unauthorized"), None);
        assert_eq!(ErrorAdvice::from_code("0"), Some(ErrorAdvice::Reconnect));
        assert_eq!(ErrorAdvice::from_code("1"), None);
        assert_eq!(ErrorAdvice::Reconnect.code(), 0);
        assert_eq!(ErrorAdvice::Reconnect.as_str(), "reconnect");
    }

    #[test]
    fn constants_are_what_they_say() {
        assert_eq!(decode(HEARTBEAT), Ok(Packet::Heartbeat));
        assert_eq!(decode(NOOP), Ok(Packet::Noop));
        assert_eq!(
            decode(CLIENT_NOT_HANDSHAKEN),
            Ok(error("/", "1", Some("0")))
        );
        assert_eq!(
            CLIENT_NOT_HANDSHAKEN,
            encode_error(
                "/",
                Some(ErrorReason::ClientNotHandshaken),
                Some(ErrorAdvice::Reconnect)
            )
        );
        assert_eq!(PROTOCOL, 1);
        assert_eq!(FRAME_MARKER.len_utf8(), 3);
        assert_eq!(POLICY_FILE_REQUEST.len(), 22);
    }

    // ----- split_frame -----

    #[test]
    fn split_frame_parts() {
        assert_eq!(
            split_frame("5:12+:/chat:{\"name\":\"a\"}"),
            Ok(Frame {
                packet_type: PacketType::Event,
                ack: Some(AckRequest::Data(12)),
                endpoint: "/chat",
                data: Some("{\"name\":\"a\"}"),
            })
        );
        assert_eq!(
            split_frame("2::"),
            Ok(Frame {
                packet_type: PacketType::Heartbeat,
                ack: None,
                endpoint: "",
                data: None,
            })
        );
        // The data is everything after the third colon, colons included.
        assert_eq!(
            split_frame("3:7::a:b::c").map(|f| (f.ack, f.endpoint, f.data)),
            Ok((Some(AckRequest::Auto(7)), "", Some("a:b::c")))
        );
        assert_eq!(split_frame("3:::").map(|f| f.data), Ok(Some("")));
        assert_eq!(split_frame("1::/é€").map(|f| f.endpoint), Ok("/é€"));
        assert_eq!(
            split_frame("3:007::x").map(|f| f.ack),
            Ok(Some(AckRequest::Auto(7)))
        );
    }

    #[test]
    fn split_frame_errors() {
        assert_eq!(split_frame(""), Err(DecodeError::Empty));
        assert_eq!(split_frame("5"), Err(DecodeError::Malformed));
        assert_eq!(split_frame("5:"), Err(DecodeError::Malformed));
        assert_eq!(split_frame("5:1"), Err(DecodeError::Malformed));
        assert_eq!(
            split_frame("9::"),
            Err(DecodeError::UnknownType("9".into()))
        );
        assert_eq!(
            split_frame("10::"),
            Err(DecodeError::UnknownType("10".into()))
        );
        assert_eq!(
            split_frame("::"),
            Err(DecodeError::UnknownType(String::new()))
        );
        assert_eq!(
            split_frame("x5:::"),
            Err(DecodeError::UnknownType("x5".into()))
        );
        assert_eq!(
            split_frame(&format!("{}::", "7".repeat(40))),
            Err(DecodeError::UnknownType("7".repeat(16)))
        );
        for text in [
            "5:a::",
            "5:+::",
            "5:1++::",
            "5:+1::",
            "5: 1::",
            "5:1 ::",
            "5:-1::",
            "5:18446744073709551616::",
        ] {
            assert_eq!(
                split_frame(text),
                Err(DecodeError::InvalidAckId),
                "{text:?}"
            );
        }
        assert_eq!(
            split_frame("5:18446744073709551615+::").map(|f| f.ack),
            Ok(Some(AckRequest::Data(u64::MAX)))
        );
    }

    // ----- decode, type by type -----

    #[test]
    fn decode_disconnect() {
        assert_eq!(decode("0::"), Ok(disconnect("/")));
        assert_eq!(decode("0::/"), Ok(disconnect("/")));
        assert_eq!(decode("0::/chat"), Ok(disconnect("/chat")));
        // Data and ids are ignored.
        assert_eq!(decode("0:4:/chat:bye"), Ok(disconnect("/chat")));
        assert_eq!(decode("0::chat"), Err(DecodeError::InvalidEndpoint));
    }

    #[test]
    fn decode_connect() {
        assert_eq!(decode("1::"), Ok(connect("/", None)));
        assert_eq!(decode("1::/chat"), Ok(connect("/chat", None)));
        // The spec's and TornadIO2's form: the query in the endpoint.
        assert_eq!(
            decode("1::/chat?token=a%20b&x=1"),
            Ok(connect("/chat", Some("token=a%20b&x=1")))
        );
        // The reference encoder's form: the query as data.
        assert_eq!(decode("1::/chat:?x=1"), Ok(connect("/chat", Some("x=1"))));
        assert_eq!(decode("1::/chat:x=1"), Ok(connect("/chat", Some("x=1"))));
        // Data wins over the endpoint's query; empty queries are none.
        assert_eq!(
            decode("1::/chat?a=1:?b=2"),
            Ok(connect("/chat", Some("b=2")))
        );
        assert_eq!(decode("1::/chat?a=1:"), Ok(connect("/chat", Some("a=1"))));
        assert_eq!(decode("1::/chat?:?"), Ok(connect("/chat", None)));
        assert_eq!(decode("1::?a=1"), Ok(connect("/", Some("a=1"))));
        // Colons in a query are only possible in the data form.
        assert_eq!(decode("1::/c:?t=1:2"), Ok(connect("/c", Some("t=1:2"))));
        assert_eq!(decode("1::chat?a=1"), Err(DecodeError::InvalidEndpoint));
    }

    #[test]
    fn decode_heartbeat_and_noop() {
        assert_eq!(decode("2::"), Ok(Packet::Heartbeat));
        assert_eq!(decode("2:::"), Ok(Packet::Heartbeat));
        assert_eq!(decode("2::/chat:x"), Ok(Packet::Heartbeat));
        assert_eq!(decode("8::"), Ok(Packet::Noop));
        assert_eq!(decode("8:1::x"), Ok(Packet::Noop));
    }

    #[test]
    fn decode_message() {
        assert_eq!(decode("3:::hello"), Ok(message("/", None, "hello")));
        assert_eq!(decode("3::"), Ok(message("/", None, "")));
        assert_eq!(decode("3:::"), Ok(message("/", None, "")));
        assert_eq!(
            decode("3:1:/chat:a:b\nc"),
            Ok(message("/chat", Some(AckRequest::Auto(1)), "a:b\nc"))
        );
        assert_eq!(
            decode("3:2+::x"),
            Ok(message("/", Some(AckRequest::Data(2)), "x"))
        );
        assert_eq!(
            decode("3:::héllo 世界 😀 \u{fffd}"),
            Ok(message("/", None, "héllo 世界 😀 \u{fffd}"))
        );
        assert_eq!(decode("3::chat:x"), Err(DecodeError::InvalidEndpoint));
    }

    #[test]
    fn decode_json() {
        assert_eq!(
            decode("4:::{\"a\":[1,2]}"),
            Ok(json("/", None, "{\"a\":[1,2]}"))
        );
        assert_eq!(
            decode("4:5:/chat:\"str\""),
            Ok(json("/chat", Some(AckRequest::Auto(5)), "\"str\""))
        );
        assert_eq!(decode("4::: 1 "), Ok(json("/", None, " 1 ")));
        assert_eq!(decode("4:::null"), Ok(json("/", None, "null")));
        assert_eq!(decode("4:::{"), Err(DecodeError::InvalidJson));
        assert_eq!(decode("4:::"), Err(DecodeError::InvalidJson));
        assert_eq!(decode("4::"), Err(DecodeError::InvalidJson));
        assert_eq!(decode("4:::1 2"), Err(DecodeError::InvalidJson));
    }

    #[test]
    fn decode_event() {
        assert_eq!(
            decode(r#"5:::{"name":"chat","args":["hi",{"a":1}]}"#),
            Ok(event("/", None, "chat", r#"["hi",{"a":1}]"#))
        );
        // No args, null args, empty args.
        assert_eq!(
            decode(r#"5:::{"name":"ping"}"#),
            Ok(event("/", None, "ping", "[]"))
        );
        assert_eq!(
            decode(r#"5:::{"name":"ping","args":null}"#),
            Ok(event("/", None, "ping", "[]"))
        );
        assert_eq!(
            decode(r#"5:::{"args":[ ],"name":"ping"}"#),
            Ok(event("/", None, "ping", "[]"))
        );
        // Ack requests, endpoints, whitespace, escapes, extra members.
        assert_eq!(
            decode(r#"5:3+:/chat: { "name" : "a\"b\u00e9" , "args" : [ 1 , [2] ] , "x":0 } "#),
            Ok(event(
                "/chat",
                Some(AckRequest::Data(3)),
                "a\"bé",
                "[1 , [2]]"
            ))
        );
        assert_eq!(
            decode(r#"5:4::{"name":"a","args":[]}"#),
            Ok(event("/", Some(AckRequest::Auto(4)), "a", "[]"))
        );
        assert_eq!(
            decode(r#"5:::{"name":"","args":["😀"]}"#),
            Ok(event("/", None, "", r#"["😀"]"#))
        );
        // "message" is an ordinary event name.
        assert_eq!(
            decode(r#"5:::{"name":"message","args":["x"]}"#),
            Ok(event("/", None, "message", r#"["x"]"#))
        );
    }

    #[test]
    fn decode_event_errors() {
        for text in [
            "5:::",
            "5::",
            "5:::{",
            r#"5:::{"name":"a""#,
            r#"5:::{"name":"a","args":[1,]}"#,
            r#"5:::{"name":"a"} x"#,
        ] {
            assert_eq!(decode(text), Err(DecodeError::InvalidJson), "{text:?}");
        }
        for text in [
            "5:::{}",
            "5:::[]",
            r#"5:::["a",[1]]"#,
            r#"5:::"a""#,
            "5:::1",
            r#"5:::{"name":1}"#,
            r#"5:::{"name":null}"#,
            r#"5:::{"args":[1]}"#,
            r#"5:::{"name":"a","args":{}}"#,
            r#"5:::{"name":"a","args":"x"}"#,
            r#"5:::{"name":"a","args":1}"#,
            r#"5:::{"name":"a","name":"b"}"#,
        ] {
            assert_eq!(
                decode(text),
                Err(DecodeError::InvalidPayload(EVENT_SHAPE)),
                "{text:?}"
            );
        }
        for name in socketio::RESERVED_EVENTS {
            assert_eq!(
                decode(&format!(r#"5:::{{"name":"{name}"}}"#)),
                Err(DecodeError::ReservedEvent(name.into()))
            );
        }
        assert_eq!(
            decode(r#"5::chat:{"name":"a"}"#),
            Err(DecodeError::InvalidEndpoint)
        );
    }

    #[test]
    fn decode_event_deep_nesting_without_recursion() {
        let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let text = format!(r#"5:::{{"name":"a","args":[{nested}]}}"#);
        let Ok(Packet::Event { args, .. }) = decode(&text) else {
            panic!("deep arguments rejected");
        };
        assert_eq!(args, format!("[{nested}]"));
        let unbalanced = format!(r#"5:::{{"name":"a","args":[{}]}}"#, "[".repeat(100_000));
        assert_eq!(decode(&unbalanced), Err(DecodeError::InvalidJson));
    }

    #[test]
    fn decode_ack() {
        assert_eq!(decode("6:::4"), Ok(ack("/", 4, "[]")));
        assert_eq!(decode("6:::4+"), Ok(ack("/", 4, "[]")));
        assert_eq!(decode(r#"6:::4+["a",1]"#), Ok(ack("/", 4, r#"["a",1]"#)));
        assert_eq!(
            decode(r#"6::/chat:12+[ {"b":[2]} ]"#),
            Ok(ack("/chat", 12, r#"[{"b":[2]}]"#))
        );
        assert_eq!(decode("6:::4+[]"), Ok(ack("/", 4, "[]")));
        // An id in the id field is ignored; the acked id is in the data.
        assert_eq!(decode("6:9::4"), Ok(ack("/", 4, "[]")));
    }

    #[test]
    fn decode_ack_errors() {
        for text in [
            "6::", "6:::", "6:::+[1]", "6:::a", "6:::4a", "6:::4[1]", "6::: 4",
        ] {
            assert_eq!(decode(text), Err(DecodeError::InvalidAckId), "{text:?}");
        }
        assert_eq!(
            decode("6:::99999999999999999999+[]"),
            Err(DecodeError::InvalidAckId)
        );
        assert_eq!(decode("6:::4+[1"), Err(DecodeError::InvalidJson));
        assert_eq!(
            decode("6:::4+{}"),
            Err(DecodeError::InvalidPayload(ACK_SHAPE))
        );
        assert_eq!(
            decode("6:::4+1"),
            Err(DecodeError::InvalidPayload(ACK_SHAPE))
        );
        assert_eq!(decode("6::x:4"), Err(DecodeError::InvalidEndpoint));
    }

    #[test]
    fn decode_error_packets() {
        assert_eq!(decode("7:::1+0"), Ok(error("/", "1", Some("0"))));
        assert_eq!(decode("7::/chat:2"), Ok(error("/chat", "2", None)));
        assert_eq!(decode("7::"), Ok(error("/", "", None)));
        assert_eq!(decode("7:::+0"), Ok(error("/", "", Some("0"))));
        // TornadIO2 wrote text; it is kept as it is.
        assert_eq!(
            decode("7:::bad thing+try again+later"),
            Ok(error("/", "bad thing", Some("try again+later")))
        );
        assert_eq!(decode("7::x:1"), Err(DecodeError::InvalidEndpoint));
    }

    // ----- encoders -----

    #[test]
    fn encode_connect_and_disconnect_packets() {
        assert_eq!(encode_connect("/"), "1::");
        assert_eq!(encode_connect(""), "1::");
        assert_eq!(encode_connect("/chat"), "1::/chat");
        assert_eq!(encode_disconnect("/"), "0::");
        assert_eq!(encode_disconnect("/chat"), "0::/chat");
    }

    #[test]
    fn encode_message_packets() {
        assert_eq!(encode_message("/", None, "hello"), "3:::hello");
        assert_eq!(encode_message("/chat", None, "a:b"), "3::/chat:a:b");
        assert_eq!(
            encode_message("/", Some(AckRequest::Auto(5)), "x"),
            "3:5::x"
        );
        assert_eq!(
            encode_message("/", Some(AckRequest::Data(5)), "x"),
            "3:5+::x"
        );
        assert_eq!(encode_message("/", None, ""), "3::");
        assert_eq!(encode_message("/chat", None, ""), "3::/chat");
    }

    #[test]
    fn encode_json_packets() {
        assert_eq!(encode_json("/", None, "{\"a\":1}"), "4:::{\"a\":1}");
        assert_eq!(
            encode_json("/chat", Some(AckRequest::Auto(1)), "[1]"),
            "4:1:/chat:[1]"
        );
    }

    #[test]
    fn encode_event_packets() {
        assert_eq!(
            encode_event("/", None, "chat", r#"["hi",1]"#),
            r#"5:::{"name":"chat","args":["hi",1]}"#
        );
        // No arguments: no args member, as the reference encoder writes it.
        assert_eq!(
            encode_event("/", None, "ping", "[]"),
            r#"5:::{"name":"ping"}"#
        );
        assert_eq!(
            encode_event("/", None, "ping", " [ ] "),
            r#"5:::{"name":"ping"}"#
        );
        assert_eq!(
            encode_event("/", None, "ping", ""),
            r#"5:::{"name":"ping"}"#
        );
        assert_eq!(
            encode_event("/chat", Some(AckRequest::Data(7)), "a\"b\n", "[1]"),
            r#"5:7+:/chat:{"name":"a\"b\n","args":[1]}"#
        );
        // Not bracketed: one argument.
        assert_eq!(
            encode_event("/", None, "n", r#"{"a":1}"#),
            r#"5:::{"name":"n","args":[{"a":1}]}"#
        );
    }

    #[test]
    fn encode_ack_packets() {
        assert_eq!(encode_ack("/", 4, ""), "6:::4");
        assert_eq!(encode_ack("/", 4, "[]"), "6:::4");
        assert_eq!(encode_ack("/", 4, r#"["a"]"#), r#"6:::4+["a"]"#);
        assert_eq!(encode_ack("/chat", 12, "[1, 2]"), "6::/chat:12+[1, 2]");
        assert_eq!(encode_ack("/", 0, "1"), "6:::0+[1]");
    }

    #[test]
    fn encode_error_packets() {
        assert_eq!(
            encode_error("/chat", Some(ErrorReason::Unauthorized), None),
            "7::/chat:2"
        );
        assert_eq!(
            encode_error(
                "/",
                Some(ErrorReason::TransportNotSupported),
                Some(ErrorAdvice::Reconnect)
            ),
            "7:::0+0"
        );
        assert_eq!(
            encode_error("/", None, Some(ErrorAdvice::Reconnect)),
            "7:::+0"
        );
        assert_eq!(encode_error("/chat", None, None), "7::/chat");
    }

    #[test]
    fn encode_is_the_inverse_of_decode() {
        let packets = [
            disconnect("/"),
            disconnect("/chat"),
            connect("/", None),
            connect("/chat", Some("a=1&b=2:3")),
            Packet::Heartbeat,
            message("/", None, ""),
            message("/chat", Some(AckRequest::Auto(3)), "a:b\u{fffd}😀"),
            message("/", Some(AckRequest::Data(0)), "x"),
            json("/", None, "{\"a\":[1]}"),
            json("/chat", Some(AckRequest::Data(9)), " null "),
            event("/", None, "chat", r#"["hi",{"a":[1,2]}]"#),
            event("/chat", Some(AckRequest::Data(u64::MAX)), "é\"", "[]"),
            event("/", Some(AckRequest::Auto(1)), "", "[1]"),
            ack("/", 4, "[]"),
            ack("/chat", 4, r#"["a",[1]]"#),
            error("/", "1", Some("0")),
            error("/chat", "2", None),
            error("/", "", None),
            error("/", "", Some("")),
            error("/", "some text", Some("more+text")),
            Packet::Noop,
        ];
        for packet in packets {
            let text = encode(&packet);
            assert_eq!(decode(&text), Ok(packet.clone()), "{text}");
        }
        assert_eq!(encode(&connect("/chat", Some("a=1"))), "1::/chat:?a=1");
        assert_eq!(encode(&error("/", "", Some(""))), "7:::+");
    }

    // ----- the shared model -----

    #[test]
    fn packet_accessors() {
        assert_eq!(disconnect("/a").nsp(), "/a");
        assert_eq!(connect("/b", None).nsp(), "/b");
        assert_eq!(message("/c", None, "").nsp(), "/c");
        assert_eq!(json("/d", None, "1").nsp(), "/d");
        assert_eq!(event("/e", None, "x", "[]").nsp(), "/e");
        assert_eq!(ack("/f", 1, "[]").nsp(), "/f");
        assert_eq!(error("/g", "", None).nsp(), "/g");
        assert_eq!(Packet::Heartbeat.nsp(), "/");
        assert_eq!(Packet::Noop.nsp(), "/");
        let types = [
            (disconnect("/"), PacketType::Disconnect),
            (connect("/", None), PacketType::Connect),
            (Packet::Heartbeat, PacketType::Heartbeat),
            (message("/", None, ""), PacketType::Message),
            (json("/", None, "1"), PacketType::Json),
            (event("/", None, "x", "[]"), PacketType::Event),
            (ack("/", 1, "[]"), PacketType::Ack),
            (error("/", "", None), PacketType::Error),
            (Packet::Noop, PacketType::Noop),
        ];
        for (packet, kind) in types {
            assert_eq!(packet.packet_type(), kind);
            assert!(encode(&packet).starts_with(kind.as_char()));
        }
    }

    #[test]
    fn to_message_maps_onto_the_shared_model() {
        assert_eq!(
            connect("/chat", Some("a=1&a=2&b=x+y")).to_message(),
            Some(Message::Connect {
                nsp: "/chat".into(),
                auth: Some(r#"{"a":["1","2"],"b":"x y"}"#.into()),
            })
        );
        assert_eq!(
            connect("/", None).to_message(),
            Some(Message::Connect {
                nsp: "/".into(),
                auth: None
            })
        );
        assert_eq!(
            disconnect("/chat").to_message(),
            Some(Message::Disconnect {
                nsp: "/chat".into()
            })
        );
        let expected_event = |ack| Message::Event {
            nsp: "/chat".into(),
            name: "n".into(),
            args: "[1]".into(),
            attachments: 0,
            ack,
        };
        assert_eq!(
            event("/chat", None, "n", "[1]").to_message(),
            Some(expected_event(None))
        );
        assert_eq!(
            event("/chat", Some(AckRequest::Auto(3)), "n", "[1]").to_message(),
            Some(expected_event(None))
        );
        assert_eq!(
            event("/chat", Some(AckRequest::Data(3)), "n", "[1]").to_message(),
            Some(expected_event(Some(3)))
        );
        assert_eq!(
            ack("/chat", 4, "[\"a\"]").to_message(),
            Some(Message::Ack {
                nsp: "/chat".into(),
                id: 4,
                args: "[\"a\"]".into(),
                attachments: 0,
            })
        );
        for packet in [
            Packet::Heartbeat,
            message("/", None, "x"),
            json("/", None, "1"),
            error("/", "1", None),
            Packet::Noop,
        ] {
            assert_eq!(packet.to_message(), None, "{packet:?}");
        }
    }

    #[test]
    fn shared_model_events_reencode_for_newer_clients() {
        // What a 0.9 client emits reaches a 4.x client as the same event.
        let packet = decode(r#"5:1+:/chat:{"name":"say","args":["hi 😀",{"n":1}]}"#).unwrap();
        let Some(message) = packet.to_message() else {
            panic!("event not mapped");
        };
        assert_eq!(
            socketio::encode(&message),
            r#"2/chat,1["say","hi 😀",{"n":1}]"#
        );
        // And a modern event reaches a 0.9 client.
        let Ok(Message::Event {
            nsp, name, args, ..
        }) = socketio::decode(r#"2/chat,["say",1,"x"]"#)
        else {
            panic!("v5 decode failed");
        };
        assert_eq!(
            encode_event(&nsp, None, &name, &args),
            r#"5::/chat:{"name":"say","args":[1,"x"]}"#
        );
    }

    #[test]
    fn auto_acks() {
        assert_eq!(
            message("/", Some(AckRequest::Auto(1)), "x").auto_ack(),
            Some("6:::1".into())
        );
        assert_eq!(
            message("/chat", Some(AckRequest::Data(2)), "x").auto_ack(),
            Some("6::/chat:2".into())
        );
        assert_eq!(
            json("/chat", Some(AckRequest::Auto(3)), "1").auto_ack(),
            Some("6::/chat:3".into())
        );
        assert_eq!(
            event("/chat", Some(AckRequest::Auto(4)), "x", "[]").auto_ack(),
            Some("6::/chat:4".into())
        );
        // A data ack is the handler's to send.
        assert_eq!(
            event("/chat", Some(AckRequest::Data(4)), "x", "[]").auto_ack(),
            None
        );
        assert_eq!(message("/", None, "x").auto_ack(), None);
        assert_eq!(event("/", None, "x", "[]").auto_ack(), None);
        assert_eq!(ack("/", 1, "[]").auto_ack(), None);
        assert_eq!(Packet::Heartbeat.auto_ack(), None);
    }

    // ----- framing -----

    #[test]
    fn utf16_lengths() {
        assert_eq!(utf16_len(""), 0);
        assert_eq!(utf16_len("abc"), 3);
        assert_eq!(utf16_len("é"), 1);
        assert_eq!(utf16_len("世界"), 2);
        assert_eq!(utf16_len("😀"), 2);
        assert_eq!(utf16_len("a😀b\u{fffd}"), 5);
    }

    #[test]
    fn encode_payload_frames() {
        assert_eq!(encode_payload::<&str>(&[]), "");
        assert_eq!(encode_payload(&["3:::hi"]), "3:::hi");
        assert_eq!(
            encode_payload(&["1::", "3:::hi"]),
            "\u{fffd}3\u{fffd}1::\u{fffd}6\u{fffd}3:::hi"
        );
        // Lengths in UTF-16 code units: emoji count 2, CJK and é count 1.
        assert_eq!(
            encode_payload(&[String::from("3:::😀"), String::from("3:::世界é")]),
            "\u{fffd}6\u{fffd}3:::😀\u{fffd}7\u{fffd}3:::世界é"
        );
    }

    #[test]
    fn decode_payload_frames() {
        assert_eq!(decode_payload(""), Ok(vec![]));
        assert_eq!(decode_payload("3:::hi"), Ok(vec!["3:::hi"]));
        // An unframed packet may contain the marker.
        assert_eq!(decode_payload("3:::a\u{fffd}1"), Ok(vec!["3:::a\u{fffd}1"]));
        assert_eq!(
            decode_payload("\u{fffd}3\u{fffd}1::\u{fffd}6\u{fffd}3:::hi"),
            Ok(vec!["1::", "3:::hi"])
        );
        assert_eq!(
            decode_payload("\u{fffd}6\u{fffd}3:::😀\u{fffd}7\u{fffd}3:::世界é"),
            Ok(vec!["3:::😀", "3:::世界é"])
        );
        // A framed packet may contain the marker too.
        assert_eq!(
            decode_payload("\u{fffd}6\u{fffd}3:::\u{fffd}1\u{fffd}3\u{fffd}2::"),
            Ok(vec!["3:::\u{fffd}1", "2::"])
        );
        assert_eq!(decode_payload("\u{fffd}0\u{fffd}"), Ok(vec![""]));
        assert_eq!(decode_payload("\u{fffd}03\u{fffd}2::"), Ok(vec!["2::"]));
    }

    #[test]
    fn decode_payload_errors() {
        for body in [
            "\u{fffd}",
            "\u{fffd}3",
            "\u{fffd}\u{fffd}2::",
            "\u{fffd}x\u{fffd}2::",
            "\u{fffd}-1\u{fffd}2::",
            "\u{fffd} 3\u{fffd}2::",
        ] {
            assert_eq!(
                decode_payload(body),
                Err(DecodeError::InvalidFrameLength),
                "{body:?}"
            );
        }
        assert_eq!(
            decode_payload("\u{fffd}4\u{fffd}2::"),
            Err(DecodeError::TruncatedFrame)
        );
        assert_eq!(
            decode_payload("\u{fffd}99999999999999999999999\u{fffd}2::"),
            Err(DecodeError::TruncatedFrame)
        );
        // Counting bytes or code points instead of UTF-16 units goes wrong.
        assert_eq!(
            decode_payload("\u{fffd}5\u{fffd}3:::😀"),
            Err(DecodeError::SplitSurrogate)
        );
        assert_eq!(
            decode_payload("\u{fffd}8\u{fffd}3:::😀"),
            Err(DecodeError::TruncatedFrame)
        );
        assert_eq!(
            decode_payload("\u{fffd}3\u{fffd}2::x"),
            Err(DecodeError::TrailingData)
        );
        assert_eq!(
            decode_payload("\u{fffd}3\u{fffd}2::\u{fffd}3\u{fffd}2::\u{fffd}"),
            Err(DecodeError::InvalidFrameLength)
        );
    }

    #[test]
    fn payload_round_trips() {
        let packets = [
            "1::",
            "3:::😀 世界",
            "5:::{\"name\":\"a\"}",
            "",
            "3:::\u{fffd}9\u{fffd}",
        ];
        for n in 2..=packets.len() {
            let body = encode_payload(&packets[..n]);
            assert_eq!(decode_payload(&body), Ok(packets[..n].to_vec()));
        }
    }

    // ----- handshake -----

    #[test]
    fn handshake_bodies() {
        let handshake = Handshake {
            sid: "4d4f185e96a7b",
            heartbeat_timeout_secs: 60,
            close_timeout_secs: 25,
            transports: &[
                "websocket",
                "flashsocket",
                "htmlfile",
                "xhr-polling",
                "jsonp-polling",
            ],
        };
        assert_eq!(
            handshake.to_body(),
            "4d4f185e96a7b:60:25:websocket,flashsocket,htmlfile,xhr-polling,jsonp-polling"
        );
        assert_eq!(
            handshake.to_jsonp(2),
            "io.j[2](\"4d4f185e96a7b:60:25:websocket,flashsocket,htmlfile,xhr-polling,jsonp-polling\");"
        );
        let none = Handshake {
            transports: &[],
            ..handshake
        };
        assert_eq!(none.to_body(), "4d4f185e96a7b:60:25:");
    }

    // ----- JSONP -----

    #[test]
    fn jsonp_indexes() {
        assert_eq!(jsonp_index("0"), Some(0));
        assert_eq!(jsonp_index("12"), Some(12));
        assert_eq!(jsonp_index("007"), Some(7));
        for bad in ["", "-1", "1a", " 1", "1.0", "x", "99999999999999999999999"] {
            assert_eq!(jsonp_index(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn jsonp_answers() {
        assert_eq!(encode_jsonp(0, "8::"), "io.j[0](\"8::\");");
        let payload = "\u{fffd}20\u{fffd}3:::\"quoted\" \\ </script>\n";
        let answer = encode_jsonp(3, payload);
        let literal = answer
            .strip_prefix("io.j[3](")
            .and_then(|s| s.strip_suffix(");"))
            .unwrap();
        assert_eq!(js_value(literal), payload);
        assert!(!answer.contains("</"));
        assert_eq!(
            encode_jsonp_error(1, HANDSHAKE_BAD_ORIGIN),
            "io.j[1](new Error(\"handshake bad origin\"));"
        );
        assert_eq!(
            encode_jsonp_error(0, "a\"b"),
            "io.j[0](new Error(\"a\\\"b\"));"
        );
    }

    #[test]
    fn jsonp_form_decoding() {
        // The 0.9 client: a textarea `d` holding JSON.stringify(payload),
        // form-encoded by the browser (spaces as +).
        let payload = "\u{fffd}7\u{fffd}3:::a b\u{fffd}5\u{fffd}2::\n😀";
        let literal = serde_json::to_string(payload).unwrap();
        let body: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("d", &literal)
            .finish();
        assert!(body.contains('+'));
        assert_eq!(decode_jsonp_form(body.as_bytes()), Ok(payload.to_owned()));
        // TornadIO2 also took the payload unquoted.
        assert_eq!(
            decode_jsonp_form(b"d=3%3A%3A%3Ahello+there"),
            Ok("3:::hello there".into())
        );
        // Other fields around it; the first d counts.
        assert_eq!(
            decode_jsonp_form(b"x=1&d=%222%3A%3A%22&d=other"),
            Ok("2::".into())
        );
        assert_eq!(decode_jsonp_form(b"d="), Ok(String::new()));
        assert_eq!(decode_jsonp_form(b"d=%FF"), Ok("\u{fffd}".into()));
        assert_eq!(decode_jsonp_form(b""), Err(DecodeError::MissingFormField));
        assert_eq!(
            decode_jsonp_form(b"data=2%3A%3A"),
            Err(DecodeError::MissingFormField)
        );
        assert_eq!(
            decode_jsonp_form(b"d=%22abc"),
            Err(DecodeError::InvalidJson)
        );
        assert_eq!(
            decode_jsonp_form(b"d=%22a%22%22"),
            Err(DecodeError::InvalidJson)
        );
    }

    // ----- htmlfile -----

    #[test]
    fn htmlfile_preamble_is_the_reference_one() {
        assert_eq!(HTMLFILE_PREAMBLE.len(), 256);
        let (head, padding) = HTMLFILE_PREAMBLE.split_at(256 - 173);
        assert_eq!(
            head,
            "<html><body><script>var _ = function (msg) { parent.s._(msg, document); };</script>"
        );
        assert!(padding.bytes().all(|b| b == b' '));
    }

    #[test]
    fn htmlfile_chunks() {
        assert_eq!(encode_htmlfile_chunk("2::"), "<script>_(\"2::\");</script>");
        let payload = "3:::</script><script>alert(1)</script><!--<script>\u{2028}";
        let chunk = encode_htmlfile_chunk(payload);
        let literal = chunk
            .strip_prefix("<script>_(")
            .and_then(|s| s.strip_suffix(");</script>"))
            .unwrap();
        assert_eq!(js_value(literal), payload);
        assert!(!literal.contains('<'));
        assert!(!literal.contains('\u{2028}'));
    }

    // ----- JavaScript strings -----

    #[test]
    fn js_string_escapes() {
        let mut out = String::new();
        push_js_string(
            &mut out,
            "a\"b\\c\n\r\t\u{8}\u{c}\u{0}\u{1f}\u{7f}</x>&\u{2028}\u{2029}é😀/",
        );
        assert_eq!(
            out,
            "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0000\\u001f\u{7f}\\u003c/x>&\\u2028\\u2029é😀/\""
        );
        assert_eq!(
            js_value(&out),
            "a\"b\\c\n\r\t\u{8}\u{c}\u{0}\u{1f}\u{7f}</x>&\u{2028}\u{2029}é😀/"
        );
        let mut empty = String::from("x");
        push_js_string(&mut empty, "");
        assert_eq!(empty, "x\"\"");
    }

    // ----- queries -----

    #[test]
    fn queries_as_json() {
        assert_eq!(query_to_json(""), "{}");
        assert_eq!(query_to_json("?"), "{}");
        assert_eq!(query_to_json("a=1"), r#"{"a":"1"}"#);
        assert_eq!(query_to_json("?a=1&b=x+y%21"), r#"{"a":"1","b":"x y!"}"#);
        assert_eq!(
            query_to_json("b=2&a=1&b=3&b=4"),
            r#"{"b":["2","3","4"],"a":"1"}"#
        );
        assert_eq!(query_to_json("flag&e="), r#"{"flag":"","e":""}"#);
        assert_eq!(query_to_json("q=%22%5C%0A"), r#"{"q":"\"\\\n"}"#);
        assert_eq!(query_to_json("%FF=1"), "{\"\u{fffd}\":\"1\"}");
        let parsed: serde_json::Value = serde_json::from_str(&query_to_json("a=1&a=2")).unwrap();
        assert_eq!(parsed, serde_json::json!({"a": ["1", "2"]}));
    }

    // ----- Flash policy -----

    #[test]
    fn flash_policy_requests() {
        assert!(is_policy_file_request(b"<policy-file-request/>\0"));
        assert!(is_policy_file_request(b"<policy-file-request/>"));
        assert!(!is_policy_file_request(b"<policy-file-request"));
        assert!(!is_policy_file_request(b"GET / HTTP/1.1\r\n"));
        assert!(!is_policy_file_request(b""));
    }

    #[test]
    fn flash_policies() {
        assert_eq!(
            encode_flash_policy(&[("*", "*")]),
            concat!(
                "<?xml version=\"1.0\"?><!DOCTYPE cross-domain-policy SYSTEM ",
                "\"http://www.macromedia.com/xml/dtds/cross-domain-policy.dtd\">",
                "<cross-domain-policy><allow-access-from domain=\"*\" to-ports=\"*\"/>",
                "</cross-domain-policy>\0"
            )
        );
        let policy = encode_flash_policy(&[("example.com", "80,443"), ("a\"<&>'", "1")]);
        assert!(policy.contains(
            "<allow-access-from domain=\"example.com\" to-ports=\"80,443\"/>\
             <allow-access-from domain=\"a&quot;&lt;&amp;&gt;&apos;\" to-ports=\"1\"/>"
        ));
        assert!(policy.ends_with("</cross-domain-policy>\0"));
        assert!(
            encode_flash_policy(&[]).ends_with("<cross-domain-policy></cross-domain-policy>\0")
        );
    }

    // ----- helpers -----

    #[test]
    fn endpoints_and_namespaces() {
        assert_eq!(nsp_to_endpoint("/"), "");
        assert_eq!(nsp_to_endpoint(""), "");
        assert_eq!(nsp_to_endpoint("/chat"), "/chat");
        assert_eq!(endpoint_to_nsp(""), Ok("/".into()));
        assert_eq!(endpoint_to_nsp("/"), Ok("/".into()));
        assert_eq!(endpoint_to_nsp("/a/b"), Ok("/a/b".into()));
        assert_eq!(endpoint_to_nsp("a"), Err(DecodeError::InvalidEndpoint));
        assert_eq!(endpoint_to_nsp("?a"), Err(DecodeError::InvalidEndpoint));
    }

    #[test]
    fn ids() {
        assert_eq!(parse_ack_request(""), Ok(None));
        assert_eq!(parse_ack_request("1"), Ok(Some(AckRequest::Auto(1))));
        assert_eq!(parse_ack_request("1+"), Ok(Some(AckRequest::Data(1))));
        assert_eq!(parse_ack_request("+"), Err(DecodeError::InvalidAckId));
        assert_eq!(parse_id("0"), Ok(0));
        assert_eq!(parse_id("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(
            parse_id("18446744073709551616"),
            Err(DecodeError::InvalidAckId)
        );
        assert_eq!(parse_id(""), Err(DecodeError::InvalidAckId));
        assert_eq!(parse_id("１"), Err(DecodeError::InvalidAckId));
    }

    #[test]
    fn headers() {
        assert_eq!(header(PacketType::Event, None, "/"), "5::");
        assert_eq!(
            header(PacketType::Event, Some(AckRequest::Data(2)), "/x"),
            "5:2+:/x"
        );
        assert_eq!(
            header(PacketType::Message, Some(AckRequest::Auto(2)), ""),
            "3:2:"
        );
    }

    #[test]
    fn event_data() {
        assert_eq!(
            decode_event_data(r#"{"name":"a","args":[1]}"#),
            Ok(("a".into(), "[1]".into()))
        );
        assert_eq!(
            decode_event_data(" \n{\"name\":\"a\"}"),
            Ok(("a".into(), "[]".into()))
        );
        assert_eq!(decode_event_data(""), Err(DecodeError::InvalidJson));
        assert_eq!(
            decode_event_data("[1]"),
            Err(DecodeError::InvalidPayload(EVENT_SHAPE))
        );
    }

    #[test]
    fn array_helpers() {
        assert_eq!(args_inner("[ 1 , 2 ]", ACK_SHAPE), Ok("1 , 2"));
        assert_eq!(args_inner("[", ACK_SHAPE), Err(DecodeError::InvalidJson));
        assert_eq!(
            args_inner("{}", ACK_SHAPE),
            Err(DecodeError::InvalidPayload(ACK_SHAPE))
        );
        assert_eq!(bracket(""), "[]");
        assert_eq!(bracket("1,2"), "[1,2]");
        assert_eq!(trim_json(" \t\r\n[] \n"), "[]");
        assert_eq!(trim_json("\u{a0}[]"), "\u{a0}[]");
        assert_eq!(lenient_inner(" [ 1 ] "), "1");
        assert_eq!(lenient_inner("[]"), "");
        assert_eq!(lenient_inner(""), "");
        assert_eq!(lenient_inner(" 1 "), "1");
        assert!(is_json_whitespace(' ') && !is_json_whitespace('\u{a0}'));
    }

    #[test]
    fn utf16_offsets() {
        assert_eq!(utf16_offset("", 0), Ok(0));
        assert_eq!(utf16_offset("abc", 0), Ok(0));
        assert_eq!(utf16_offset("abc", 2), Ok(2));
        assert_eq!(utf16_offset("abc", 3), Ok(3));
        assert_eq!(utf16_offset("abc", 4), Err(DecodeError::TruncatedFrame));
        assert_eq!(utf16_offset("é世😀x", 2), Ok(5));
        assert_eq!(utf16_offset("é世😀x", 3), Err(DecodeError::SplitSurrogate));
        assert_eq!(utf16_offset("é世😀x", 4), Ok(9));
        assert_eq!(utf16_offset("é世😀x", 5), Ok(10));
    }

    #[test]
    fn xml_attributes() {
        let mut out = String::new();
        push_xml_attr(&mut out, "a&b<c>d\"e'f*");
        assert_eq!(out, "a&amp;b&lt;c&gt;d&quot;e&apos;f*");
    }

    #[test]
    fn error_display() {
        let cases = [
            (DecodeError::Empty, "empty packet"),
            (
                DecodeError::Malformed,
                "malformed packet (expected type:id:endpoint)",
            ),
            (
                DecodeError::UnknownType("9".into()),
                "unknown packet type \"9\"",
            ),
            (DecodeError::InvalidAckId, "invalid ack id"),
            (
                DecodeError::InvalidEndpoint,
                "endpoint must be empty or start with '/'",
            ),
            (DecodeError::InvalidJson, "payload is not valid JSON"),
            (
                DecodeError::InvalidPayload(ACK_SHAPE),
                "invalid payload: ACK data must be an array after the id",
            ),
            (
                DecodeError::ReservedEvent("connect".into()),
                "reserved event name \"connect\"",
            ),
            (DecodeError::InvalidFrameLength, "invalid frame length"),
            (DecodeError::TruncatedFrame, "frame longer than the payload"),
            (
                DecodeError::SplitSurrogate,
                "frame length ends inside a surrogate pair",
            ),
            (DecodeError::TrailingData, "text after the last frame"),
            (DecodeError::MissingFormField, "form field 'd' missing"),
        ];
        for (error, text) in cases {
            assert_eq!(error.to_string(), text);
        }
    }
}

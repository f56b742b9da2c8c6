//! The messages, stream entries, channel names and session records of npm
//! `@socket.io/redis-streams-adapter` 0.3.1 (on `socket.io-adapter` 2.5's
//! `ClusterAdapter`), as pure functions over strings and bytes, so sio-host
//! nodes and Node Socket.IO 4 servers share one Redis.
//!
//! What goes where (checked against what Node 4.8.1 servers put in Redis):
//!
//! - Most messages are entries of the stream [`STREAM_NAME`] (`XADD
//!   socket.io MAXLEN ~ 10000 *`), with the fields `uid`, `nsp`, `type` (the
//!   [`message_type`] as decimal text) and `data`: JSON text, or, when the
//!   data holds binary, base64 of its msgpack. A reader tells them apart by
//!   the first character (`{` is JSON). Plain broadcasts, `socketsJoin`,
//!   `socketsLeave` and `disconnectSockets` travel this way
//!   ([`encode_broadcast_entry`], [`decode_entry`]). Every node reads every
//!   entry, its own included (Node drops those by `uid`), starting at `$`.
//! - "Ephemeral" messages (a broadcast expecting acks, `fetchSockets`,
//!   `serverSideEmit`) are instead PUBLISHed as msgpack of the whole message
//!   `{type, data, uid, nsp}` on [`public_channel`] (`socket.io#<nsp>#`);
//!   the answers (client counts, acks, fetched sockets, answers to server
//!   events) are PUBLISHed the same way on the requester's
//!   [`private_channel`] (`socket.io#<nsp>#<uid>#`). Each node subscribes
//!   to both; its own
//!   messages on the public channel come back to it too
//!   ([`decode_published`]).
//! - The cluster's size is the subscriber count of the public channel
//!   (`PUBSUB NUMSUB socket.io#<nsp>#`): 0.3.1 extends `ClusterAdapter`, not
//!   `ClusterAdapterWithHeartbeat`, so it sends no heartbeat and no
//!   `ADAPTER_CLOSE` (none shows in a capture), and ignores them. A node
//!   that does not subscribe is not counted; one that is counted must answer
//!   every `FETCH_SOCKETS` and every broadcast expecting acks (with a count
//!   of 0 if need be), or the Node requester waits for its timeout; a
//!   server event with a request id gets one answer per node whose
//!   listener calls back (a Node server without a listener does not
//!   answer either).
//! - Connection state recovery: a broadcast's offset is its entry id
//!   ([`Offset`]), appended to the event's arguments as one more string
//!   ([`crate::socketio::encode_replayable_event`]), by the sender for its own clients and by every
//!   reader of the entry for theirs, unless the broadcast is volatile. A
//!   disconnected socket's [`Session`] is stored at [`session_key`] as base64
//!   msgpack ([`encode_session`]); restoring it reads the entries after the
//!   client's offset and replays those [`replayed_broadcast`] picks.
//!
//! The packet inside a broadcast is `{type: 2, data: [event, ...args]}`:
//! unlike `@socket.io/redis-adapter`'s it has no `nsp` (the entry's `nsp`
//! field names the namespace). `opts` is `{rooms, except, flags}` with the
//! broadcast operator's flags as they are (`{}`, `{volatile: true}`,
//! `{compress: false}`, `{timeout: 2000}`, ...).
//!
//! Event arguments use sio-host's model, as in [`crate::redis_adapter`]:
//! JSON text with `{"_placeholder":true,"num":N}` where binary attachment N
//! goes; the msgpack conversions are that module's.

use bytes::Bytes;
use rmpv::Value as Pack;
use serde_json::Value as Json;

use crate::engineio::BASE64;
use crate::redis_adapter::{
    EVENT, Ordered, err, event_data, event_of, first_arg, get, json_to_msgpack,
    json_without_binary, opts, plain_json, read, selector, server_event, strings, text, write,
    write_json, write_json_array,
};
use base64::Engine as _;

/// The model shared with [`crate::redis_adapter`], re-exported so this
/// module's API reads on its own.
pub use crate::recovery::Offset;
pub use crate::redis_adapter::{Broadcast, CodecError, Request, Selector, Target};

/// The stream every namespace's entries go to (`opts.streamName`, with the
/// default `streamCount` of 1; see [`stream_name`] for more).
pub const STREAM_NAME: &str = "socket.io";

/// The prefix of the pub/sub channels (`opts.channelPrefix`).
pub const CHANNEL_PREFIX: &str = "socket.io";

/// The prefix of the keys sessions are stored at (`opts.sessionKeyPrefix`).
pub const SESSION_KEY_PREFIX: &str = "sio:session:";

/// The approximate length the stream is trimmed to on each write
/// (`XADD .. MAXLEN ~ 10000`, `opts.maxLen`).
pub const MAX_LEN: usize = 10_000;

/// The message types of `socket.io-adapter`'s `ClusterAdapter`
/// (`MessageType` in its `dist/cluster-adapter.js`).
pub mod message_type {
    /// A node announces itself (heartbeat adapters only; 0.3.1 sends none).
    pub const INITIAL_HEARTBEAT: u64 = 1;
    /// A node is alive (heartbeat adapters only; 0.3.1 sends none).
    pub const HEARTBEAT: u64 = 2;
    /// An event for the sockets of a namespace, `{packet, opts}`; with
    /// `requestId` (published, not streamed) the sender wants acks.
    pub const BROADCAST: u64 = 3;
    /// `socketsJoin`: `{opts, rooms}`.
    pub const SOCKETS_JOIN: u64 = 4;
    /// `socketsLeave`: `{opts, rooms}`.
    pub const SOCKETS_LEAVE: u64 = 5;
    /// `disconnectSockets`: `{opts, close}`.
    pub const DISCONNECT_SOCKETS: u64 = 6;
    /// `fetchSockets`: `{opts, requestId}` (published).
    pub const FETCH_SOCKETS: u64 = 7;
    /// The answer to [`FETCH_SOCKETS`]: `{requestId, sockets}`.
    pub const FETCH_SOCKETS_RESPONSE: u64 = 8;
    /// `serverSideEmit`: `{packet}`, or `{requestId, packet}` when the
    /// sender wants answers (published).
    pub const SERVER_SIDE_EMIT: u64 = 9;
    /// The answer to [`SERVER_SIDE_EMIT`]: `{requestId, packet}`.
    pub const SERVER_SIDE_EMIT_RESPONSE: u64 = 10;
    /// The answer to a [`BROADCAST`] with acks: `{requestId, clientCount}`.
    pub const BROADCAST_CLIENT_COUNT: u64 = 11;
    /// One client's ack to a [`BROADCAST`]: `{requestId, packet}`.
    pub const BROADCAST_ACK: u64 = 12;
    /// A node leaves (heartbeat adapters only; 0.3.1 sends none).
    pub const ADAPTER_CLOSE: u64 = 13;
}

/// `socket.io#<nsp>#`: where ephemeral messages go, and the channel whose
/// subscribers are the cluster's nodes. (The same name as
/// `@socket.io/redis-adapter`'s broadcast channel: the two adapters cannot
/// share a Redis.)
pub fn public_channel(nsp: &str) -> String {
    format!("{CHANNEL_PREFIX}#{nsp}#")
}

/// `socket.io#<nsp>#<uid>#`: where answers to node `uid`'s requests go.
pub fn private_channel(nsp: &str, uid: &str) -> String {
    format!("{CHANNEL_PREFIX}#{nsp}#{uid}#")
}

/// `sio:session:<pid>`: where the session of private id `pid` is kept
/// (`SET .. PX <maxDisconnectionDuration>`, read back with GET and DEL in
/// one MULTI).
pub fn session_key(pid: &str) -> String {
    format!("{SESSION_KEY_PREFIX}{pid}")
}

/// The stream of namespace `nsp` when the Node servers run with
/// `streamCount` > 1: `socket.io-<i>` with `i` Java's `hashCode` of the name
/// (over UTF-16 units, 32-bit) modulo the count, keeping JavaScript's sign,
/// so it may read `socket.io--1`. A count of 0 or 1 is [`STREAM_NAME`].
pub fn stream_name(nsp: &str, stream_count: u32) -> String {
    if stream_count <= 1 {
        return STREAM_NAME.to_string();
    }
    let hash = nsp.encode_utf16().fold(0i32, |hash, unit| {
        hash.wrapping_mul(31).wrapping_add(i32::from(unit))
    });
    format!(
        "{STREAM_NAME}-{}",
        i64::from(hash) % i64::from(stream_count)
    )
}

/// Whether a socket in `rooms` is one a broadcast to `to` is for, as Node's
/// `shouldIncludePacket`: in one of `to.rooms` (any socket when empty) and
/// in none of `to.except`. A socket is in the room named by its own id.
pub fn selects<S: AsRef<str>>(rooms: impl IntoIterator<Item = S>, to: &Selector) -> bool {
    let mut included = to.rooms.is_empty();
    for room in rooms {
        let room = room.as_ref();
        if to.except.iter().any(|e| e == room) {
            return false;
        }
        included = included || to.rooms.iter().any(|r| r == room);
    }
    included
}

/// One message between nodes, from the stream or from pub/sub.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamMessage {
    /// The sending node (`""` when absent). A node ignores its own.
    pub uid: String,
    /// The namespace; a node ignores the other namespaces' messages.
    pub nsp: String,
    /// What it says.
    pub body: Body,
}

/// What a message says.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// `BROADCAST` without a request id (a stream entry): an event for the
    /// selected sockets. `broadcast.nsp` is the message's namespace.
    Broadcast {
        /// The event and who it is for.
        broadcast: Broadcast,
        /// `flags.volatile` is set (to anything: Node tests `!==
        /// undefined`). Node appends the entry id to the arguments of a
        /// received broadcast (with connection state recovery on) unless it
        /// is volatile; its session restore replays volatile ones all the
        /// same.
        volatile: bool,
    },
    /// A request on the existing model: `SOCKETS_JOIN`/`SOCKETS_LEAVE` as
    /// [`Request::Rooms`] (no request id, [`Target::Selected`]),
    /// `DISCONNECT_SOCKETS` as [`Request::Disconnect`], `FETCH_SOCKETS` as
    /// [`Request::Fetch`] (answer with [`encode_fetch_response`]), a
    /// `BROADCAST` with a request id as [`Request::BroadcastWithAck`]
    /// (answer with [`encode_client_count`], then [`encode_broadcast_ack`]
    /// per ack), `SERVER_SIDE_EMIT` as [`Request::ServerSideEmit`] (answer
    /// one with a request id with [`encode_server_side_emit_response`]).
    Request(Request),
    /// `FETCH_SOCKETS_RESPONSE`: a node's sockets, each `{id, handshake,
    /// rooms, data}`; binary inside is a placeholder whose bytes are dropped.
    FetchSocketsResponse {
        /// The request's id.
        request_id: String,
        /// The sockets, as JSON.
        sockets: Vec<Json>,
    },
    /// `BROADCAST_CLIENT_COUNT`: how many of its clients a node sent a
    /// broadcast expecting acks.
    BroadcastClientCount {
        /// The broadcast's request id.
        request_id: String,
        /// How many acks to expect from that node.
        count: u64,
    },
    /// `BROADCAST_ACK`: one client's ack to a broadcast.
    BroadcastAck {
        /// The broadcast's request id.
        request_id: String,
        /// The ack's argument as a one-element JSON array (Node forwards the
        /// first argument only; `[null]` when there was none).
        args_json: String,
        /// The binary parts `args_json`'s placeholders index.
        attachments: Vec<Bytes>,
    },
    /// `SERVER_SIDE_EMIT_RESPONSE`: a node's answer to a server event with
    /// a request id.
    ServerSideEmitResponse {
        /// The server event's request id.
        request_id: String,
        /// The answer as a one-element JSON array (Node passes on one
        /// argument; `[null]` when there was none). Binary reads as Node's
        /// JSON of a Buffer (a server event's answer has no attachments).
        args_json: String,
    },
    /// `INITIAL_HEARTBEAT` (not sent by 0.3.1).
    InitialHeartbeat,
    /// `HEARTBEAT` (not sent by 0.3.1).
    Heartbeat,
    /// `ADAPTER_CLOSE` (not sent by 0.3.1).
    AdapterClose,
    /// A type it does not know.
    Other(u64),
}

/// Decode a stream entry from its field/value pairs, in any order; unknown
/// fields are ignored and a repeated field's last value counts (as Node
/// reads them into an object). Errors on an entry Node skips or cannot
/// read: without a (non-empty) `nsp` (Node skips it without a look), with a
/// `type` that is not decimal digits, with `data` neither JSON nor base64
/// msgpack, or missing a part its type needs.
pub fn decode_entry(fields: &[(String, String)]) -> Result<StreamMessage, CodecError> {
    let field = |name: &str| entry_field(fields, name);
    let nsp = match field("nsp") {
        Some(nsp) if !nsp.is_empty() => nsp.to_string(),
        _ => return err("entry without nsp (Node skips it)"),
    };
    let uid = field("uid").unwrap_or_default().to_string();
    let kind = field("type")
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|t| t.parse::<u64>().ok())
        .ok_or_else(|| CodecError("entry type is not a decimal number".into()))?;
    let data = match field("data") {
        None | Some("") => None,
        Some(data) => Some(decode_data(data)?),
    };
    let body = body(kind, &uid, &nsp, data.as_ref())?;
    Ok(StreamMessage { uid, nsp, body })
}

/// The value of an entry's field `name`, the last one if repeated.
fn entry_field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// An entry's `data`: JSON text when it starts with `{` (objects keep their
/// key order; placeholder-like objects stay objects), base64 msgpack
/// otherwise.
fn decode_data(data: &str) -> Result<Pack, CodecError> {
    if data.starts_with('{') {
        let Ordered(pack) =
            serde_json::from_str(data).map_err(|e| CodecError(format!("not JSON: {e}")))?;
        Ok(pack)
    } else {
        let bytes = BASE64
            .decode(data)
            .map_err(|e| CodecError(format!("not base64: {e}")))?;
        read(&bytes)
    }
}

/// Decode a message published on a public or private channel: msgpack
/// `{type, data, uid, nsp}`. Errors when it has no `nsp` (Node ignores it as
/// another namespace's), no numeric type, or misses a part its type needs.
pub fn decode_published(payload: &[u8]) -> Result<StreamMessage, CodecError> {
    let message = read(payload)?;
    let nsp = get(&message, "nsp")
        .and_then(text)
        .ok_or_else(|| CodecError("message without nsp".into()))?;
    let uid = get(&message, "uid").and_then(text).unwrap_or_default();
    let kind = get(&message, "type")
        .and_then(Pack::as_u64)
        .ok_or_else(|| CodecError("message without a numeric type".into()))?;
    let body = body(kind, &uid, &nsp, get(&message, "data"))?;
    Ok(StreamMessage { uid, nsp, body })
}

/// The body of a message of type `kind` with `data`.
fn body(kind: u64, uid: &str, nsp: &str, data: Option<&Pack>) -> Result<Body, CodecError> {
    use message_type::*;
    let need_data = || data.ok_or_else(|| CodecError(format!("message type {kind} without data")));
    let request_id = |data: &Pack| {
        get(data, "requestId")
            .and_then(text)
            .ok_or_else(|| CodecError(format!("message type {kind} without requestId")))
    };
    // decodeOptions(data.opts) throws on a missing opts.
    let opts = |data: &'_ Pack| -> Result<Selector, CodecError> {
        match get(data, "opts") {
            Some(opts @ Pack::Map(_)) => Ok(selector(opts)),
            _ => err(format!("message type {kind} without opts")),
        }
    };
    Ok(match kind {
        BROADCAST => {
            let data = need_data()?;
            let to = opts(data)?;
            let (_, event, args_json, attachments) =
                event_of(get(data, "packet").unwrap_or(&Pack::Nil))?;
            let flags = get(data, "opts").and_then(|o| get(o, "flags"));
            let flag = |name: &str| flags.and_then(|f| get(f, name));
            let broadcast = Broadcast {
                uid: uid.to_string(),
                nsp: nsp.to_string(),
                event,
                args_json,
                attachments,
                to,
                local: flag("local").and_then(Pack::as_bool).unwrap_or(false),
            };
            if get(data, "requestId").is_some() {
                Body::Request(Request::BroadcastWithAck {
                    request_id: request_id(data)?,
                    broadcast,
                })
            } else {
                Body::Broadcast {
                    broadcast,
                    volatile: flag("volatile").is_some(),
                }
            }
        }
        SOCKETS_JOIN | SOCKETS_LEAVE => {
            let data = need_data()?;
            Body::Request(Request::Rooms {
                join: kind == SOCKETS_JOIN,
                request_id: None,
                target: Target::Selected(opts(data)?),
                rooms: selector(data).rooms,
            })
        }
        DISCONNECT_SOCKETS => {
            let data = need_data()?;
            Body::Request(Request::Disconnect {
                request_id: None,
                target: Target::Selected(opts(data)?),
                close: get(data, "close").and_then(Pack::as_bool).unwrap_or(false),
            })
        }
        FETCH_SOCKETS => {
            let data = need_data()?;
            Body::Request(Request::Fetch {
                request_id: request_id(data)?,
                to: opts(data)?,
            })
        }
        FETCH_SOCKETS_RESPONSE => {
            let data = need_data()?;
            let request_id = request_id(data)?;
            let Some(Pack::Array(list)) = get(data, "sockets") else {
                return err("FETCH_SOCKETS_RESPONSE without sockets");
            };
            let mut sockets = Vec::with_capacity(list.len());
            for socket in list {
                let (mut json, mut dropped) = (String::new(), Vec::new());
                write_json(socket, &mut json, &mut dropped)?;
                sockets.push(serde_json::from_str(&json).map_err(|e| CodecError(e.to_string()))?);
            }
            Body::FetchSocketsResponse {
                request_id,
                sockets,
            }
        }
        BROADCAST_CLIENT_COUNT => {
            let data = need_data()?;
            Body::BroadcastClientCount {
                request_id: request_id(data)?,
                count: get(data, "clientCount")
                    .and_then(Pack::as_u64)
                    .ok_or_else(|| CodecError("clientCount is not a count".into()))?,
            }
        }
        BROADCAST_ACK => {
            let data = need_data()?;
            let packet = get(data, "packet").cloned().unwrap_or(Pack::Nil);
            let (mut args_json, mut attachments) = (String::new(), Vec::new());
            write_json_array(
                std::slice::from_ref(&packet),
                &mut args_json,
                &mut attachments,
            )?;
            Body::BroadcastAck {
                request_id: request_id(data)?,
                args_json,
                attachments,
            }
        }
        SERVER_SIDE_EMIT => {
            let data = need_data()?;
            let (event, args_json) = server_event(get(data, "packet").unwrap_or(&Pack::Nil))?;
            Body::Request(Request::ServerSideEmit {
                request_id: get(data, "requestId").and_then(text),
                event,
                args_json,
            })
        }
        SERVER_SIDE_EMIT_RESPONSE => {
            let data = need_data()?;
            let packet = get(data, "packet").unwrap_or(&Pack::Nil);
            Body::ServerSideEmitResponse {
                request_id: request_id(data)?,
                args_json: json_without_binary(std::slice::from_ref(packet))?,
            }
        }
        INITIAL_HEARTBEAT => Body::InitialHeartbeat,
        HEARTBEAT => Body::Heartbeat,
        ADAPTER_CLOSE => Body::AdapterClose,
        other => Body::Other(other),
    })
}

/// Whether a msgpack value holds binary anywhere (Node's `hasBinary`).
fn has_binary(value: &Pack) -> bool {
    match value {
        Pack::Binary(_) => true,
        Pack::Array(items) => items.iter().any(has_binary),
        Pack::Map(entries) => entries.iter().any(|(_, v)| has_binary(v)),
        _ => false,
    }
}

/// The fields of an `XADD` for a broadcast by node `uid` to the sockets `to`
/// selects in `nsp`, in Node's order: `uid`, `nsp`, `type` (`"3"`), `data`.
/// `data` is `{packet: {type: 2, data: [event, ...args]}, opts: {rooms,
/// except, flags: {}}}`: JSON text when no placeholder of `args_json` is
/// used, otherwise base64 of its msgpack with the attachments inline as
/// `bin` (as Node writes it when the arguments hold a Buffer).
pub fn encode_broadcast_entry(
    uid: &str,
    nsp: &str,
    event: &str,
    args_json: &str,
    attachments: &[Bytes],
    to: &Selector,
) -> Result<Vec<(&'static str, String)>, CodecError> {
    let data = Pack::Map(vec![
        (
            "packet".into(),
            event_packet(event, args_json, attachments)?,
        ),
        ("opts".into(), opts(to)),
    ]);
    let data = if has_binary(&data) {
        BASE64.encode(write(&data)?)
    } else {
        let (mut json, mut none) = (String::new(), Vec::new());
        write_json(&data, &mut json, &mut none)?;
        json
    };
    Ok(vec![
        ("uid", uid.to_string()),
        ("nsp", nsp.to_string()),
        ("type", message_type::BROADCAST.to_string()),
        ("data", data),
    ])
}

/// `{type: 2, data: [event, ...args]}` (no `nsp`: the message names it).
fn event_packet(event: &str, args_json: &str, attachments: &[Bytes]) -> Result<Pack, CodecError> {
    Ok(Pack::Map(vec![
        ("type".into(), EVENT.into()),
        (
            "data".into(),
            event_data(event, json_to_msgpack(args_json, attachments)?)?,
        ),
    ]))
}

/// msgpack `{type, data, uid, nsp}`, the key order Node publishes in.
fn published(
    kind: u64,
    data: Vec<(Pack, Pack)>,
    uid: &str,
    nsp: &str,
) -> Result<Vec<u8>, CodecError> {
    write(&Pack::Map(vec![
        ("type".into(), kind.into()),
        ("data".into(), Pack::Map(data)),
        ("uid".into(), uid.into()),
        ("nsp".into(), nsp.into()),
    ]))
}

/// A `FETCH_SOCKETS` request by node `uid` for the sockets `to` selects in
/// `nsp`, to PUBLISH on [`public_channel`]: every other node answers on
/// `uid`'s [`private_channel`]; expect one answer per subscriber of the
/// public channel but oneself.
pub fn encode_fetch_sockets(uid: &str, nsp: &str, request_id: &str, to: &Selector) -> Vec<u8> {
    published(
        message_type::FETCH_SOCKETS,
        vec![
            ("opts".into(), opts(to)),
            ("requestId".into(), request_id.into()),
        ],
        uid,
        nsp,
    )
    .unwrap_or_default()
}

/// Node `uid`'s answer to a `FETCH_SOCKETS`, to PUBLISH on the requester's
/// [`private_channel`]: its sockets, each `{id, handshake, rooms, data}`.
pub fn encode_fetch_response(uid: &str, nsp: &str, request_id: &str, sockets: &[Json]) -> Vec<u8> {
    published(
        message_type::FETCH_SOCKETS_RESPONSE,
        vec![
            ("requestId".into(), request_id.into()),
            (
                "sockets".into(),
                Pack::Array(sockets.iter().map(json_value_to_msgpack).collect()),
            ),
        ],
        uid,
        nsp,
    )
    .unwrap_or_default()
}

/// A JSON value as msgpack, objects in the value's key order.
fn json_value_to_msgpack(value: &Json) -> Pack {
    match value {
        Json::Null => Pack::Nil,
        Json::Bool(b) => Pack::Boolean(*b),
        Json::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => u.into(),
            (_, Some(i)) => i.into(),
            _ => n.as_f64().unwrap_or(0.0).into(),
        },
        Json::String(s) => s.as_str().into(),
        Json::Array(items) => Pack::Array(items.iter().map(json_value_to_msgpack).collect()),
        Json::Object(map) => Pack::Map(
            map.iter()
                .map(|(k, v)| (k.as_str().into(), json_value_to_msgpack(v)))
                .collect(),
        ),
    }
}

/// `BROADCAST_CLIENT_COUNT` from node `uid`, to PUBLISH on the requester's
/// [`private_channel`]: how many local clients were sent a broadcast
/// expecting acks (send it even when 0: the requester counts answers).
pub fn encode_client_count(uid: &str, nsp: &str, request_id: &str, count: usize) -> Vec<u8> {
    published(
        message_type::BROADCAST_CLIENT_COUNT,
        vec![
            ("requestId".into(), request_id.into()),
            ("clientCount".into(), (count as u64).into()),
        ],
        uid,
        nsp,
    )
    .unwrap_or_default()
}

/// `BROADCAST_ACK` from node `uid`, to PUBLISH on the requester's
/// [`private_channel`]: one client's ack, of which Node passes on the first
/// argument only (`nil` when there is none). `args_json` is the ack's
/// arguments, a JSON array whose placeholders index `attachments`.
pub fn encode_broadcast_ack(
    uid: &str,
    nsp: &str,
    request_id: &str,
    args_json: &str,
    attachments: &[Bytes],
) -> Result<Vec<u8>, CodecError> {
    let first = first_arg(json_to_msgpack(args_json, attachments)?)?;
    published(
        message_type::BROADCAST_ACK,
        vec![
            ("requestId".into(), request_id.into()),
            ("packet".into(), first.unwrap_or(Pack::Nil)),
        ],
        uid,
        nsp,
    )
}

/// A `BROADCAST` with a request id by node `uid`, to PUBLISH on
/// [`public_channel`] (Node's `broadcastWithAck`): every other node sends
/// the event to its sockets `to` selects in `nsp`, each with an ack id, and
/// answers on `uid`'s [`private_channel`] with its client count, then each
/// client's ack. `data` is `{packet: {type: 2, data: [event, ...args]},
/// requestId, opts: {rooms, except, flags: {}}}`, binary inline as `bin`.
pub fn encode_broadcast_with_ack(
    uid: &str,
    nsp: &str,
    request_id: &str,
    event: &str,
    args_json: &str,
    attachments: &[Bytes],
    to: &Selector,
) -> Result<Vec<u8>, CodecError> {
    published(
        message_type::BROADCAST,
        vec![
            (
                "packet".into(),
                event_packet(event, args_json, attachments)?,
            ),
            ("requestId".into(), request_id.into()),
            ("opts".into(), opts(to)),
        ],
        uid,
        nsp,
    )
}

/// A `SERVER_SIDE_EMIT` by node `uid` for namespace `nsp`, to PUBLISH on
/// [`public_channel`] (Node's `serverSideEmit`): `data` is `{requestId,
/// packet: [event, ...args]}`, `requestId` only when the sender waits for
/// one answer per other node ([`encode_server_side_emit_response`], on
/// `uid`'s [`private_channel`]).
pub fn encode_server_side_emit(
    uid: &str,
    nsp: &str,
    request_id: Option<&str>,
    event: &str,
    args_json: &str,
) -> Result<Vec<u8>, CodecError> {
    let mut data = Vec::with_capacity(2);
    if let Some(id) = request_id {
        data.push(("requestId".into(), id.into()));
    }
    data.push(("packet".into(), event_data(event, plain_json(args_json)?)?));
    published(message_type::SERVER_SIDE_EMIT, data, uid, nsp)
}

/// `SERVER_SIDE_EMIT_RESPONSE` from node `uid`, to PUBLISH on the
/// requester's [`private_channel`]: the first of `args_json` (`nil` when
/// there is none, as @msgpack/msgpack writes `undefined`).
pub fn encode_server_side_emit_response(
    uid: &str,
    nsp: &str,
    request_id: &str,
    args_json: &str,
) -> Result<Vec<u8>, CodecError> {
    let first = first_arg(plain_json(args_json)?)?;
    published(
        message_type::SERVER_SIDE_EMIT_RESPONSE,
        vec![
            ("requestId".into(), request_id.into()),
            ("packet".into(), first.unwrap_or(Pack::Nil)),
        ],
        uid,
        nsp,
    )
}

/// The broadcast of a stream entry that Node's `restoreSession` replays to
/// a socket that was in `session_rooms` (its own id among them): an entry
/// of namespace `nsp` whose `type` is exactly `"3"` and whose `opts` select
/// those rooms ([`selects`]), whoever sent it and volatile or not. None for
/// the entries it skips; an error for one it cannot read (Node's whole
/// restore then fails). The replayed event gets the entry id appended
/// ([`crate::socketio::encode_replayable_event`]).
pub fn replayed_broadcast<S: AsRef<str>>(
    fields: &[(String, String)],
    nsp: &str,
    session_rooms: &[S],
) -> Result<Option<Broadcast>, CodecError> {
    let field = |name: &str| entry_field(fields, name);
    if field("nsp") != Some(nsp) || field("type") != Some("3") {
        return Ok(None);
    }
    let broadcast = match decode_entry(fields)?.body {
        Body::Broadcast { broadcast, .. }
        | Body::Request(Request::BroadcastWithAck { broadcast, .. }) => broadcast,
        _ => return err("a type 3 entry that is not a broadcast"),
    };
    let rooms = session_rooms.iter().map(AsRef::as_ref);
    Ok(selects(rooms, &broadcast.to).then_some(broadcast))
}

/// A disconnected socket's state, kept for connection state recovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The socket's id, which the restored socket takes again.
    pub sid: String,
    /// The private id the client reconnects with (the key's suffix).
    pub pid: String,
    /// The rooms it was in, its own id among them.
    pub rooms: Vec<String>,
    /// `socket.data`, any JSON value.
    pub data_json: String,
}

/// The value stored at [`session_key`]: base64 of msgpack `{sid, pid,
/// rooms, data}` (Node's key order).
pub fn encode_session(session: &Session) -> Result<String, CodecError> {
    let Ordered(data) = serde_json::from_str(&session.data_json)
        .map_err(|e| CodecError(format!("session data is not JSON: {e}")))?;
    let packed = write(&Pack::Map(vec![
        ("sid".into(), session.sid.as_str().into()),
        ("pid".into(), session.pid.as_str().into()),
        ("rooms".into(), strings(&session.rooms)),
        ("data".into(), data),
    ]))?;
    Ok(BASE64.encode(packed))
}

/// Read a value stored at [`session_key`] (see [`encode_session`]). A
/// missing `data` is `null`. Errors when `sid`, `pid` or `rooms` is
/// missing, and when `data` holds binary (which sio-host's socket data, JSON
/// text, cannot carry).
pub fn decode_session(stored: &str) -> Result<Session, CodecError> {
    let bytes = BASE64
        .decode(stored)
        .map_err(|e| CodecError(format!("session is not base64: {e}")))?;
    let session = read(&bytes)?;
    let field = |key: &str| {
        get(&session, key)
            .and_then(text)
            .ok_or_else(|| CodecError(format!("session without {key}")))
    };
    let Some(Pack::Array(rooms)) = get(&session, "rooms") else {
        return err("session without rooms");
    };
    let (mut data_json, mut attachments) = (String::new(), Vec::new());
    write_json(
        get(&session, "data").unwrap_or(&Pack::Nil),
        &mut data_json,
        &mut attachments,
    )?;
    if !attachments.is_empty() {
        return err("session data holds binary");
    }
    Ok(Session {
        sid: field("sid")?,
        pid: field("pid")?,
        rooms: rooms.iter().filter_map(text).collect(),
        data_json,
    })
}

#[cfg(test)]
mod tests;

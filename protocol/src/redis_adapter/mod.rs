//! The messages and channel names of npm `@socket.io/redis-adapter` 8.3 (the
//! classic, non-sharded adapter), as pure functions over bytes, so sio-host
//! nodes and Node Socket.IO 4 servers share one Redis cluster.
//!
//! - Broadcasts go to `socket.io#<nsp>#` (or `socket.io#<nsp>#<room>#` when
//!   they target exactly one room) as msgpack `[uid, packet, opts]`: `packet`
//!   is `{type: 2, data: [event, ...args], nsp}` with binary arguments inline
//!   as msgpack `bin`, `opts` is `{rooms: [..], except: [..], flags: {..}}`.
//! - Requests go to `socket.io-request#<nsp>#` as JSON (or msgpack) objects
//!   with a numeric `type`; answers go to `socket.io-response#<nsp>#<uid>#`,
//!   a channel every requester listens on (Node servers answer on the
//!   shared `socket.io-response#<nsp>#` by default: [`decode_response`]).
//!   How many nodes a request reaches is the subscriber count of the
//!   request channel (Node's `NUMSUB`, or what `PUBLISH` answers).
//! - A broadcast expecting acks (`io.timeout(ms).emit(.., cb)`) is the
//!   msgpack request `BROADCAST` ([`encode_broadcast_with_ack`]); each
//!   node answers with its client count (JSON) and each client's ack
//!   (msgpack). A server event (`serverSideEmit`) is the JSON request
//!   `SERVER_SIDE_EMIT` ([`encode_server_side_emit`]), with a `requestId`
//!   when the sender waits for one answer per node
//!   ([`encode_server_side_emit_response`]).
//!
//! sio-host's own model is Socket.IO's: event arguments as JSON text with
//! `{"_placeholder":true,"num":N}` where binary attachment N goes. The
//! conversion both ways lives here (`json_to_msgpack`, `write_json`), keeping
//! object keys in their order.

use bytes::Bytes;
use rmpv::Value as Pack;
use serde_json::{Map, Value as Json};

/// The channel prefix (`opts.key` of the Node adapter, default `socket.io`).
pub const KEY: &str = "socket.io";

/// How deep a received msgpack value may nest: deeper is refused instead of
/// recursing without bound on hostile input.
const MAX_DEPTH: usize = 128;

/// socket.io-parser's packet types that carry an event.
pub(crate) const EVENT: u64 = 2;
const BINARY_EVENT: u64 = 5;

/// The redis-adapter's request types (`RequestType` in its `dist/index.js`).
pub mod request_type {
    /// The ids of the sockets in some rooms (the adapter's `sockets()`).
    pub const SOCKETS: u64 = 0;
    /// Every room name (the adapter's `allRooms()`).
    pub const ALL_ROOMS: u64 = 1;
    /// Sockets join rooms (`socketsJoin`).
    pub const REMOTE_JOIN: u64 = 2;
    /// Sockets leave rooms (`socketsLeave`).
    pub const REMOTE_LEAVE: u64 = 3;
    /// Sockets are disconnected (`disconnectSockets`).
    pub const REMOTE_DISCONNECT: u64 = 4;
    /// The details of the selected sockets (`fetchSockets`).
    pub const REMOTE_FETCH: u64 = 5;
    /// An event for the other servers (`serverSideEmit`).
    pub const SERVER_SIDE_EMIT: u64 = 6;
    /// A broadcast whose sender wants each client's ack (`timeout().emit()`).
    pub const BROADCAST: u64 = 7;
    /// The answer to [`BROADCAST`]: how many clients were sent it.
    pub const BROADCAST_CLIENT_COUNT: u64 = 8;
    /// The answer to [`BROADCAST`]: one client's ack.
    pub const BROADCAST_ACK: u64 = 9;
}

/// Why a message from Redis could not be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecError(pub String);

impl std::fmt::Display for CodecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CodecError {}

pub(crate) fn err<T>(what: impl Into<String>) -> Result<T, CodecError> {
    Err(CodecError(what.into()))
}

/// `socket.io#<nsp>#`, or `socket.io#<nsp>#<room>#` for one room.
pub fn broadcast_channel(nsp: &str, room: Option<&str>) -> String {
    match room {
        Some(room) => format!("{KEY}#{nsp}#{room}#"),
        None => format!("{KEY}#{nsp}#"),
    }
}

/// The PSUBSCRIBE pattern matching every broadcast channel of `nsp`; glob
/// characters in the namespace are escaped so they match only themselves.
pub fn broadcast_pattern(nsp: &str) -> String {
    let mut pattern = String::with_capacity(KEY.len() + nsp.len() + 3);
    for c in format!("{KEY}#{nsp}#").chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('*');
    pattern
}

/// `socket.io-request#<nsp>#`: requests between nodes. Node servers count
/// the subscribers of this channel (`PUBSUB NUMSUB`) as the cluster's size.
pub fn request_channel(nsp: &str) -> String {
    format!("{KEY}-request#{nsp}#")
}

/// `socket.io-response#<nsp>#<uid>#`: the requester's own response channel.
/// Node servers subscribe to it whatever their
/// `publishOnSpecificResponseChannel`, so answering there always arrives.
pub fn response_channel(nsp: &str, uid: &str) -> String {
    format!("{KEY}-response#{nsp}#{uid}#")
}

/// `socket.io-response#<nsp>#`: where Node servers answer requests unless
/// they were started with `publishOnSpecificResponseChannel` (the default
/// is off), whoever asked; the requester picks its answers by request id.
pub fn shared_response_channel(nsp: &str) -> String {
    format!("{KEY}-response#{nsp}#")
}

/// Who a broadcast or a request is for: sockets in any of `rooms` (every
/// socket when empty) and in none of `except`. A socket is in the room named
/// by its own id, so ids work in both lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    /// `opts.rooms`: the rooms the sockets must be in one of (empty: any).
    pub rooms: Vec<String>,
    /// `opts.except`: the rooms the sockets must be in none of.
    pub except: Vec<String>,
}

/// An event for the sockets of one namespace, from another node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broadcast {
    /// The publishing node.
    pub uid: String,
    /// The namespace the event is for (`packet.nsp`, `/` when absent).
    pub nsp: String,
    /// The event name (`packet.data[0]`).
    pub event: String,
    /// The arguments after the event name, a JSON array.
    pub args_json: String,
    /// The binary arguments, which `args_json`'s placeholders index.
    pub attachments: Vec<Bytes>,
    /// The sockets it is for (`opts.rooms`, `opts.except`).
    pub to: Selector,
    /// `flags.local`: meant for the publisher's node only.
    pub local: bool,
}

/// msgpack `[uid, {type: 2, data: [event, ...args], nsp}, {rooms, except,
/// flags: {}}]`. `args_json` is a JSON array whose placeholders index
/// `attachments`.
pub fn encode_broadcast(
    uid: &str,
    nsp: &str,
    event: &str,
    args_json: &str,
    attachments: &[Bytes],
    to: &Selector,
) -> Result<Vec<u8>, CodecError> {
    let packet = event_packet(nsp, event, args_json, attachments)?;
    write(&Pack::Array(vec![uid.into(), packet, opts(to)]))
}

/// `{rooms, except, flags: {}}`.
pub(crate) fn opts(to: &Selector) -> Pack {
    Pack::Map(vec![
        ("rooms".into(), strings(&to.rooms)),
        ("except".into(), strings(&to.except)),
        ("flags".into(), Pack::Map(Vec::new())),
    ])
}

pub(crate) fn strings(list: &[String]) -> Pack {
    Pack::Array(list.iter().map(|s| Pack::from(s.as_str())).collect())
}

pub(crate) fn write(value: &Pack) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::new();
    rmpv::encode::write_value(&mut out, value)
        .map_err(|e| CodecError(format!("msgpack encoding failed: {e}")))?;
    Ok(out)
}

pub(crate) fn read(bytes: &[u8]) -> Result<Pack, CodecError> {
    rmpv::decode::read_value_with_max_depth(&mut &bytes[..], MAX_DEPTH)
        .map_err(|e| CodecError(format!("not msgpack: {e}")))
}

/// True when `payload` is a broadcast published by `uid`: checked on the
/// first bytes, so a node skips its own messages without decoding them.
pub fn published_by(payload: &[u8], uid: &str) -> bool {
    // fixarray of 3, then uid as a fixstr (uids are short).
    uid.len() < 32
        && payload.len() > 2 + uid.len()
        && payload[0] == 0x93
        && payload[1] == 0xa0 | uid.len() as u8
        && &payload[2..2 + uid.len()] == uid.as_bytes()
}

/// Decode a broadcast message (see [`encode_broadcast`]). A packet without
/// `nsp` is for `/`, as the Node adapter reads it.
pub fn decode_broadcast(payload: &[u8]) -> Result<Broadcast, CodecError> {
    let Pack::Array(parts) = read(payload)? else {
        return err("a broadcast is not an array");
    };
    let [uid, packet, opts, ..] = parts.as_slice() else {
        return err("a broadcast has fewer than 3 elements");
    };
    let (nsp, event, args_json, attachments) = event_of(packet)?;
    Ok(Broadcast {
        uid: text(uid).unwrap_or_default(),
        nsp,
        event,
        args_json,
        attachments,
        to: selector(opts),
        local: get(opts, "flags")
            .and_then(|flags| get(flags, "local"))
            .and_then(Pack::as_bool)
            .unwrap_or(false),
    })
}

/// `map[key]` of a msgpack map with string keys.
pub(crate) fn get<'a>(map: &'a Pack, key: &str) -> Option<&'a Pack> {
    match map {
        Pack::Map(entries) => lookup(entries, key),
        _ => None,
    }
}

fn lookup<'a>(entries: &'a [(Pack, Pack)], key: &str) -> Option<&'a Pack> {
    entries
        .iter()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(_, v)| v)
}

/// A string, or an integer as its decimal text (Node allows numeric room
/// names and ids).
pub(crate) fn text(v: &Pack) -> Option<String> {
    match v {
        Pack::String(s) => s.as_str().map(str::to_string),
        Pack::Integer(i) => Some(i.to_string()),
        _ => None,
    }
}

/// (nsp, event, args JSON, attachments) of a socket.io-parser event packet.
pub(crate) fn event_of(packet: &Pack) -> Result<(String, String, String, Vec<Bytes>), CodecError> {
    let kind = get(packet, "type").and_then(Pack::as_u64);
    if kind != Some(EVENT) && kind != Some(BINARY_EVENT) {
        return err(format!("packet type {kind:?} is not an event"));
    }
    let nsp = match get(packet, "nsp") {
        None | Some(Pack::Nil) => "/".to_string(),
        Some(nsp) => text(nsp).ok_or_else(|| CodecError("packet nsp is not a string".into()))?,
    };
    let Some(Pack::Array(data)) = get(packet, "data") else {
        return err("packet data is not an array");
    };
    let Some((event, args)) = data.split_first() else {
        return err("packet data is empty");
    };
    let Some(event) = event.as_str() else {
        return err("packet data does not start with an event name");
    };
    let mut attachments = Vec::new();
    let mut args_json = String::new();
    write_json_array(args, &mut args_json, &mut attachments)?;
    Ok((nsp, event.to_string(), args_json, attachments))
}

/// `{rooms, except}` of an opts object.
pub(crate) fn selector(opts: &Pack) -> Selector {
    let list = |key: &str| -> Vec<String> {
        match get(opts, key) {
            Some(Pack::Array(items)) => items.iter().filter_map(text).collect(),
            _ => Vec::new(),
        }
    };
    Selector {
        rooms: list("rooms"),
        except: list("except"),
    }
}

/// A request from another node (the ones sio-host answers or acts on).
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// `SOCKETS`: the ids of local sockets in any of `rooms` (all if empty).
    Sockets {
        /// The id to answer with.
        request_id: String,
        /// The rooms the sockets must be in one of.
        rooms: Vec<String>,
    },
    /// `ALL_ROOMS`: every local room name.
    AllRooms {
        /// The id to answer with.
        request_id: String,
    },
    /// `REMOTE_JOIN` / `REMOTE_LEAVE`: the selected sockets join or leave
    /// `rooms`. With `request_id` (one socket by id) an answer is expected.
    Rooms {
        /// `true` for `REMOTE_JOIN`, `false` for `REMOTE_LEAVE`.
        join: bool,
        /// The id to answer with, when an answer is expected.
        request_id: Option<String>,
        /// The sockets that join or leave.
        target: Target,
        /// The rooms they join or leave.
        rooms: Vec<String>,
    },
    /// `REMOTE_DISCONNECT`: disconnect the selected sockets.
    Disconnect {
        /// The id to answer with, when an answer is expected.
        request_id: Option<String>,
        /// The sockets to disconnect.
        target: Target,
        /// Whether to close the whole connection, not only the namespace.
        close: bool,
    },
    /// `REMOTE_FETCH`: details of the selected local sockets.
    Fetch {
        /// The id to answer with.
        request_id: String,
        /// The sockets whose details are asked for.
        to: Selector,
    },
    /// `BROADCAST`: an event whose sender wants each client's ack.
    BroadcastWithAck {
        /// The id the client count and the acks are sent with.
        request_id: String,
        /// The event and who it is for.
        broadcast: Broadcast,
    },
    /// `SERVER_SIDE_EMIT`: another server's `serverSideEmit(event, ..args)`
    /// for this namespace's handler. With `request_id` the sender waits for
    /// one answer (`serverSideEmitWithAck`).
    ServerSideEmit {
        /// The id to answer with, when an answer is expected.
        request_id: Option<String>,
        /// The event's name.
        event: String,
        /// Its arguments as a JSON array (the sender's ack callback left
        /// out). Binary reads as Node's JSON of a Buffer,
        /// `{"type":"Buffer","data":[..]}`: a handler's server event has
        /// no attachments.
        args_json: String,
    },
    /// A type sio-host has no part in.
    Ignored {
        /// The request's numeric `type` (see [`request_type`]).
        kind: u64,
    },
}

/// The sockets a join/leave/disconnect request is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One socket, by its Socket.IO id.
    Sid(String),
    /// The sockets a selector picks (`opts`).
    Selected(Selector),
}

/// Decode a request: JSON when it starts with `{`, msgpack otherwise, as
/// the Node adapter reads them. Returns the sender's uid with it.
pub fn decode_request(payload: &[u8]) -> Result<(String, Request), CodecError> {
    let request = if payload.first() == Some(&b'{') {
        let text =
            std::str::from_utf8(payload).map_err(|_| CodecError("request is not UTF-8".into()))?;
        json_to_msgpack(text, &[])?
    } else {
        read(payload)?
    };
    let field = |key: &str| get(&request, key).and_then(text);
    let uid = field("uid").unwrap_or_default();
    let Some(kind) = get(&request, "type").and_then(Pack::as_u64) else {
        return err("request without a numeric type");
    };
    let request_id =
        || field("requestId").ok_or_else(|| CodecError("request without requestId".into()));
    let opts = || selector(get(&request, "opts").unwrap_or(&Pack::Nil));
    let target = || match (get(&request, "opts"), field("sid")) {
        (Some(_), _) => Ok(Target::Selected(opts())),
        (None, Some(sid)) => Ok(Target::Sid(sid)),
        (None, None) => err("request names neither opts nor sid"),
    };
    use request_type::*;
    let parsed = match kind {
        SOCKETS => Request::Sockets {
            request_id: request_id()?,
            rooms: selector(&request).rooms,
        },
        ALL_ROOMS => Request::AllRooms {
            request_id: request_id()?,
        },
        REMOTE_JOIN | REMOTE_LEAVE => {
            let target = target()?;
            let rooms = match &target {
                Target::Sid(_) => field("room").into_iter().collect(),
                Target::Selected(_) => selector(&request).rooms,
            };
            Request::Rooms {
                join: kind == REMOTE_JOIN,
                request_id: field("requestId"),
                target,
                rooms,
            }
        }
        REMOTE_DISCONNECT => Request::Disconnect {
            request_id: field("requestId"),
            target: target()?,
            close: get(&request, "close")
                .and_then(Pack::as_bool)
                .unwrap_or(false),
        },
        REMOTE_FETCH => Request::Fetch {
            request_id: request_id()?,
            to: opts(),
        },
        BROADCAST => {
            let (nsp, event, args_json, attachments) =
                event_of(get(&request, "packet").unwrap_or(&Pack::Nil))?;
            Request::BroadcastWithAck {
                request_id: request_id()?,
                broadcast: Broadcast {
                    uid: uid.clone(),
                    nsp,
                    event,
                    args_json,
                    attachments,
                    to: opts(),
                    local: false,
                },
            }
        }
        SERVER_SIDE_EMIT => {
            let (event, args_json) = server_event(get(&request, "data").unwrap_or(&Pack::Nil))?;
            Request::ServerSideEmit {
                request_id: field("requestId"),
                event,
                args_json,
            }
        }
        kind => Request::Ignored { kind },
    };
    Ok((uid, parsed))
}

/// A JSON response: `{"requestId": id, key: value}` (no key: a bare
/// acknowledgement, as for a one-socket join/leave/disconnect).
pub fn encode_response(request_id: &str, field: Option<(&str, Json)>) -> Vec<u8> {
    let mut object = Map::new();
    object.insert("requestId".into(), request_id.into());
    if let Some((key, value)) = field {
        object.insert(key.into(), value);
    }
    Json::Object(object).to_string().into_bytes()
}

/// A `REMOTE_FETCH` request from node `uid` (JSON, as the Node adapter
/// sends requests): every node answers with its sockets in any of `rooms`
/// (all of them when empty) on `uid`'s response channel.
pub fn encode_fetch_request(uid: &str, request_id: &str, rooms: &[String]) -> Vec<u8> {
    serde_json::json!({
        "type": request_type::REMOTE_FETCH,
        "uid": uid,
        "requestId": request_id,
        "opts": { "rooms": rooms, "except": [], "flags": {} },
    })
    .to_string()
    .into_bytes()
}

/// Another node's answer to one of this node's requests, as it arrives on a
/// response channel (JSON or msgpack, as the Node adapter reads them).
/// Node servers answer on the namespace's shared response channel, where
/// the answers to other nodes' requests pass too: the requester picks its
/// own by request id.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    /// An answer with `sockets` (`REMOTE_FETCH`; `SOCKETS` too, whose
    /// sockets are ids): each as JSON.
    Sockets {
        /// The request's id.
        request_id: String,
        /// The sockets, each `{id, handshake, rooms, data}` for a fetch.
        sockets: Vec<Json>,
    },
    /// `BROADCAST_CLIENT_COUNT` (type 8): how many of its clients a node
    /// sent a broadcast expecting acks.
    ClientCount {
        /// The broadcast's request id.
        request_id: String,
        /// How many acks to expect from that node.
        count: u64,
    },
    /// `BROADCAST_ACK` (type 9): one client's ack, of which Node relays
    /// the first argument.
    BroadcastAck {
        /// The broadcast's request id.
        request_id: String,
        /// `[packet]` (`[null]` when the ack had no argument).
        args_json: String,
        /// The binary parts `args_json`'s placeholders index.
        attachments: Vec<Bytes>,
    },
    /// The answer to a `SERVER_SIDE_EMIT` with a request id (type 6): the
    /// listener's one argument.
    ServerSideEmit {
        /// The request's id.
        request_id: String,
        /// `[data]` (`[null]` when the answer had no argument); binary
        /// reads as Node's JSON of a Buffer (see `server_event`).
        args_json: String,
    },
    /// Any other answer (to a join, a leave, a disconnect, `allRooms`):
    /// sio-host asks none of those.
    Other {
        /// The request's id.
        request_id: String,
    },
}

/// Decode an answer from a response channel (see [`Response`]). Errors
/// when it is neither JSON nor msgpack, has no `requestId`, or its type's
/// part is malformed.
pub fn decode_response(payload: &[u8]) -> Result<Response, CodecError> {
    let response = if payload.first() == Some(&b'{') {
        let text =
            std::str::from_utf8(payload).map_err(|_| CodecError("response is not UTF-8".into()))?;
        json_to_msgpack(text, &[])?
    } else {
        read(payload)?
    };
    let Some(request_id) = get(&response, "requestId").and_then(text) else {
        return err("response without requestId");
    };
    match get(&response, "type").and_then(Pack::as_u64) {
        Some(request_type::BROADCAST_CLIENT_COUNT) => {
            let Some(count) = get(&response, "clientCount").and_then(Pack::as_u64) else {
                return err("clientCount is not a count");
            };
            return Ok(Response::ClientCount { request_id, count });
        }
        Some(request_type::BROADCAST_ACK) => {
            let packet = get(&response, "packet").unwrap_or(&Pack::Nil);
            let (mut args_json, mut attachments) = (String::new(), Vec::new());
            write_json_array(
                std::slice::from_ref(packet),
                &mut args_json,
                &mut attachments,
            )?;
            return Ok(Response::BroadcastAck {
                request_id,
                args_json,
                attachments,
            });
        }
        Some(request_type::SERVER_SIDE_EMIT) => {
            let data = get(&response, "data").unwrap_or(&Pack::Nil);
            return Ok(Response::ServerSideEmit {
                request_id,
                args_json: json_without_binary(std::slice::from_ref(data))?,
            });
        }
        _ => {}
    }
    let Some(Pack::Array(sockets)) = get(&response, "sockets") else {
        return Ok(Response::Other { request_id });
    };
    let mut out = Vec::with_capacity(sockets.len());
    for socket in sockets {
        let (mut json, mut attachments) = (String::new(), Vec::new());
        write_json(socket, &mut json, &mut attachments)?;
        let value = serde_json::from_str(&json).map_err(|e| CodecError(e.to_string()))?;
        out.push(value);
    }
    Ok(Response::Sockets {
        request_id,
        sockets: out,
    })
}

/// `BROADCAST_CLIENT_COUNT`: how many local clients were sent a
/// broadcast-with-ack.
pub fn encode_client_count(request_id: &str, count: usize) -> Vec<u8> {
    serde_json::json!({
        "type": request_type::BROADCAST_CLIENT_COUNT,
        "requestId": request_id,
        "clientCount": count,
    })
    .to_string()
    .into_bytes()
}

/// `BROADCAST_ACK` (msgpack): one client's answer, its first argument.
pub fn encode_broadcast_ack(
    request_id: &str,
    args_json: &str,
    attachments: &[Bytes],
) -> Result<Vec<u8>, CodecError> {
    let first = first_arg(json_to_msgpack(args_json, attachments)?)?;
    let mut message = vec![
        ("type".into(), request_type::BROADCAST_ACK.into()),
        ("requestId".into(), request_id.into()),
    ];
    // notepack leaves out an `undefined` packet (an ack without arguments).
    if let Some(first) = first {
        message.push(("packet".into(), first));
    }
    write(&Pack::Map(message))
}

/// A `BROADCAST` request from node `uid` (msgpack, as Node's
/// `broadcastWithAck` publishes it on [`request_channel`]): every other
/// node sends the event to its sockets `to` selects, each with an ack id,
/// and answers on `uid`'s response channel (a Node server on the shared
/// one) with [`encode_client_count`], then one [`encode_broadcast_ack`]
/// per client that answers. `{uid, requestId, type: 7, packet: {type: 2,
/// data: [event, ...args], nsp}, opts: {rooms, except, flags: {}}}`.
pub fn encode_broadcast_with_ack(
    uid: &str,
    request_id: &str,
    nsp: &str,
    event: &str,
    args_json: &str,
    attachments: &[Bytes],
    to: &Selector,
) -> Result<Vec<u8>, CodecError> {
    let packet = event_packet(nsp, event, args_json, attachments)?;
    write(&Pack::Map(vec![
        ("uid".into(), uid.into()),
        ("requestId".into(), request_id.into()),
        ("type".into(), request_type::BROADCAST.into()),
        ("packet".into(), packet),
        ("opts".into(), opts(to)),
    ]))
}

/// `{type: 2, data: [event, ...args], nsp}`: an event as the Node adapter
/// publishes it.
fn event_packet(
    nsp: &str,
    event: &str,
    args_json: &str,
    attachments: &[Bytes],
) -> Result<Pack, CodecError> {
    let data = event_data(event, json_to_msgpack(args_json, attachments)?)?;
    Ok(Pack::Map(vec![
        ("type".into(), EVENT.into()),
        ("data".into(), data),
        ("nsp".into(), nsp.into()),
    ]))
}

/// The first of an answer's arguments (a msgpack array), which is all a
/// Node peer relays of an ack or a server event's answer; None when there
/// is none.
pub(crate) fn first_arg(args: Pack) -> Result<Option<Pack>, CodecError> {
    let Pack::Array(args) = args else {
        return err("answer arguments are not a JSON array");
    };
    Ok(args.into_iter().next())
}

/// `[event, ...args]` of an event's name and its arguments (a msgpack
/// array).
pub(crate) fn event_data(event: &str, args: Pack) -> Result<Pack, CodecError> {
    let Pack::Array(args) = args else {
        return err("arguments are not a JSON array");
    };
    let mut data = Vec::with_capacity(args.len() + 1);
    data.push(Pack::from(event));
    data.extend(args);
    Ok(Pack::Array(data))
}

/// JSON text as msgpack in document order, placeholder-like objects left
/// as they are (server events carry no attachments).
pub(crate) fn plain_json(json: &str) -> Result<Pack, CodecError> {
    let Ordered(pack) =
        serde_json::from_str(json).map_err(|e| CodecError(format!("not JSON: {e}")))?;
    Ok(pack)
}

/// A `SERVER_SIDE_EMIT` request from node `uid` (JSON, as Node's
/// `serverSideEmit` publishes it on [`request_channel`]): `{uid,
/// requestId, type: 6, data: [event, ...args]}`, `requestId` only when
/// the sender waits for answers (one per other node, on its response
/// channel: [`encode_server_side_emit_response`]).
pub fn encode_server_side_emit(
    uid: &str,
    request_id: Option<&str>,
    event: &str,
    args_json: &str,
) -> Result<Vec<u8>, CodecError> {
    let mut message = vec![("uid".into(), uid.into())];
    if let Some(id) = request_id {
        message.push(("requestId".into(), id.into()));
    }
    message.push(("type".into(), request_type::SERVER_SIDE_EMIT.into()));
    message.push(("data".into(), event_data(event, plain_json(args_json)?)?));
    let mut out = String::new();
    write_json(&Pack::Map(message), &mut out, &mut Vec::new())?;
    Ok(out.into_bytes())
}

/// A node's answer to a `SERVER_SIDE_EMIT` with a request id (JSON, as
/// Node writes it): `{type: 6, requestId, data}`, `data` the first of
/// `args_json` (left out when there is none, as `JSON.stringify` leaves out
/// `undefined`).
pub fn encode_server_side_emit_response(
    request_id: &str,
    args_json: &str,
) -> Result<Vec<u8>, CodecError> {
    let first = first_arg(plain_json(args_json)?)?;
    let mut message = vec![
        ("type".into(), request_type::SERVER_SIDE_EMIT.into()),
        ("requestId".into(), request_id.into()),
    ];
    if let Some(first) = first {
        message.push(("data".into(), first));
    }
    let mut out = String::new();
    write_json(&Pack::Map(message), &mut out, &mut Vec::new())?;
    Ok(out.into_bytes())
}

/// The event name and the arguments (JSON, without binary: see
/// [`json_without_binary`]) of a server event's `[event, ...args]`.
pub(crate) fn server_event(data: &Pack) -> Result<(String, String), CodecError> {
    let Pack::Array(items) = data else {
        return err("server event data is not an array");
    };
    let Some((Pack::String(event), args)) = items.split_first() else {
        return err("server event data does not start with an event name");
    };
    let Some(event) = event.as_str() else {
        return err("server event name is not UTF-8");
    };
    Ok((event.to_string(), json_without_binary(args)?))
}

/// Values as a JSON array for a handler's server event, which has no
/// attachments: binary becomes what Node's `JSON.stringify` makes of a
/// Buffer, `{"type":"Buffer","data":[bytes..]}` (which is how a server event
/// with a Buffer crosses `@socket.io/redis-adapter`, whose requests are
/// JSON), and an extension other than a timestamp `[type, <that>]`.
pub(crate) fn json_without_binary(values: &[Pack]) -> Result<String, CodecError> {
    let values: Vec<Pack> = values.iter().map(buffers_as_json).collect();
    let (mut out, mut attachments) = (String::new(), Vec::new());
    write_json_array(&values, &mut out, &mut attachments)?;
    if !attachments.is_empty() {
        return err("binary left in a server event");
    }
    Ok(out)
}

fn buffers_as_json(value: &Pack) -> Pack {
    let buffer = |bytes: &[u8]| {
        Pack::Map(vec![
            ("type".into(), "Buffer".into()),
            (
                "data".into(),
                Pack::Array(bytes.iter().map(|b| Pack::from(*b)).collect()),
            ),
        ])
    };
    match value {
        Pack::Binary(bytes) => buffer(bytes),
        Pack::Array(items) => Pack::Array(items.iter().map(buffers_as_json).collect()),
        Pack::Map(entries) => Pack::Map(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), buffers_as_json(v)))
                .collect(),
        ),
        Pack::Ext(-1, _) => value.clone(),
        Pack::Ext(0, data) if data.as_slice() == [0] => value.clone(),
        Pack::Ext(kind, data) => Pack::Array(vec![Pack::from(*kind), buffer(data)]),
        other => other.clone(),
    }
}

/// JSON text to msgpack, objects keeping their key order; a placeholder
/// object becomes its attachment as `bin`.
pub fn json_to_msgpack(json: &str, attachments: &[Bytes]) -> Result<Pack, CodecError> {
    let Ordered(pack) =
        serde_json::from_str(json).map_err(|e| CodecError(format!("not JSON: {e}")))?;
    bind_attachments(pack, attachments)
}

/// A msgpack value read from JSON in document order (serde_json's own
/// `Value` sorts object keys).
pub(crate) struct Ordered(pub(crate) Pack);

impl<'de> serde::Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(OrderedVisitor)
    }
}

struct OrderedVisitor;

impl<'de> serde::de::Visitor<'de> for OrderedVisitor {
    type Value = Ordered;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Ordered, E> {
        Ok(Ordered(Pack::Nil))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Ordered, E> {
        Ok(Ordered(v.into()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Ordered, E> {
        Ok(Ordered(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Ordered, E> {
        Ok(Ordered(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Ordered, E> {
        Ok(Ordered(v.into()))
    }
    fn visit_str<E>(self, v: &str) -> Result<Ordered, E> {
        Ok(Ordered(v.into()))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Ordered, A::Error> {
        let mut items = Vec::new();
        while let Some(Ordered(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Ordered(Pack::Array(items)))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, Ordered(value))) = map.next_entry::<String, Ordered>()? {
            entries.push((Pack::from(key), value));
        }
        Ok(Ordered(Pack::Map(entries)))
    }
}

/// Replace `{"_placeholder":true,"num":N}` maps with attachment N as `bin`.
fn bind_attachments(value: Pack, attachments: &[Bytes]) -> Result<Pack, CodecError> {
    Ok(match value {
        Pack::Array(items) => Pack::Array(
            items
                .into_iter()
                .map(|v| bind_attachments(v, attachments))
                .collect::<Result<_, _>>()?,
        ),
        Pack::Map(entries) => {
            if lookup(&entries, "_placeholder").and_then(Pack::as_bool) == Some(true) {
                let num = lookup(&entries, "num").and_then(Pack::as_u64);
                return match num.and_then(|n| attachments.get(usize::try_from(n).ok()?)) {
                    Some(bytes) => Ok(Pack::Binary(bytes.to_vec())),
                    None => err(format!("placeholder {num:?} names no attachment")),
                };
            }
            Pack::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| Ok((k, bind_attachments(v, attachments)?)))
                    .collect::<Result<_, CodecError>>()?,
            )
        }
        other => other,
    })
}

/// Print msgpack as JSON text the way Node prints what notepack decoded:
/// `bin` becomes a placeholder (its bytes appended to `attachments`),
/// timestamps ISO-8601 text (`Date.toJSON`), notepack's `undefined` and
/// non-finite floats `null`, other extensions `[type, bin]` (notepack's
/// reading of them). Map keys keep their order.
pub(crate) fn write_json(
    value: &Pack,
    out: &mut String,
    attachments: &mut Vec<Bytes>,
) -> Result<(), CodecError> {
    use std::fmt::Write as _;
    match value {
        Pack::Nil => out.push_str("null"),
        Pack::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Pack::Integer(i) => {
            let _ = write!(out, "{i}");
        }
        Pack::F32(f) => write_float(f64::from(*f), out),
        Pack::F64(f) => write_float(*f, out),
        Pack::String(s) => write_string(&String::from_utf8_lossy(s.as_bytes()), out),
        Pack::Binary(bytes) => write_placeholder(bytes, out, attachments),
        Pack::Array(items) => write_json_array(items, out, attachments)?,
        Pack::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                let Some(key) = text(k) else {
                    return err("a map key is neither a string nor an integer");
                };
                if i > 0 {
                    out.push(',');
                }
                write_string(&key, out);
                out.push(':');
                write_json(v, out, attachments)?;
            }
            out.push('}');
        }
        Pack::Ext(-1, data) => match timestamp(data) {
            Some((secs, nanos)) => write_string(&iso_8601(secs, nanos), out),
            None => return err("malformed msgpack timestamp"),
        },
        Pack::Ext(0, data) if data.as_slice() == [0] => out.push_str("null"),
        Pack::Ext(kind, data) => {
            let _ = write!(out, "[{kind},");
            write_placeholder(data, out, attachments);
            out.push(']');
        }
    }
    Ok(())
}

pub(crate) fn write_json_array(
    items: &[Pack],
    out: &mut String,
    attachments: &mut Vec<Bytes>,
) -> Result<(), CodecError> {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_json(item, out, attachments)?;
    }
    out.push(']');
    Ok(())
}

fn write_float(f: f64, out: &mut String) {
    match serde_json::Number::from_f64(f) {
        Some(n) => out.push_str(&n.to_string()),
        None => out.push_str("null"),
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push_str(&Json::from(s).to_string());
}

fn write_placeholder(bytes: &[u8], out: &mut String, attachments: &mut Vec<Bytes>) {
    use std::fmt::Write as _;
    let _ = write!(
        out,
        r#"{{"_placeholder":true,"num":{}}}"#,
        attachments.len()
    );
    attachments.push(Bytes::copy_from_slice(bytes));
}

/// (seconds, nanoseconds) of a msgpack timestamp extension (32, 64 or 96 bit).
pub(crate) fn timestamp(data: &[u8]) -> Option<(i64, u32)> {
    match data.len() {
        4 => Some((i64::from(u32::from_be_bytes(data.try_into().ok()?)), 0)),
        8 => {
            let v = u64::from_be_bytes(data.try_into().ok()?);
            Some(((v & 0x3_ffff_ffff) as i64, (v >> 34) as u32))
        }
        12 => Some((
            i64::from_be_bytes(data[4..].try_into().ok()?),
            u32::from_be_bytes(data[..4].try_into().ok()?),
        )),
        _ => None,
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` (what `Date.prototype.toJSON` prints).
pub(crate) fn iso_8601(secs: i64, nanos: u32) -> String {
    let days = secs.div_euclid(86_400);
    let rest = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        nanos / 1_000_000
    )
}

#[cfg(test)]
mod tests;

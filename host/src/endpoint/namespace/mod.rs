//! One endpoint's live state: its connections ([`Conn`]), their rooms,
//! pending acks in both directions, and the work of the host imports
//! (`sio:realtime/host`) a guest calls to act on them; the imports
//! themselves are thin adapters in `imports/host.rs`.
//!
//! It lives inside the endpoint's `Store` and is touched only by the endpoint
//! actor's thread, so host calls need no locks. Everything a guest passes to
//! those calls is validated here; a bad value is an error result for the
//! guest, never a panic of the host. A connection reaches its client's
//! session only through the `Arc<dyn Outbox>` it holds (`crate::outbox`).
//!
//! On a sharded endpoint each shard has a namespace of its own connections;
//! what a guest does to another shard's goes there (`sharded.rs`).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use super::actor::Command;
use super::bindings::{HostError, Target};
use super::observer::{Observed, Observer};
use super::timers::Timers;
use sio_protocol::{ConnId, ConnIdMap, Frame, Generation, Parser, Sid, WireFormat, socketio, wire};

use crate::adapter::LocalAdapter;
use crate::adapter::redis::ClusterLink;
use crate::endpoint::shard::ShardLink;
use crate::outbox::Outbox;

mod broadcast;
mod cluster;
mod recovery;
mod sharded;

pub(crate) use recovery::{PendingRestore, Recovered, Recovery};
use sio_protocol::recovery::Offset;
use sio_protocol::redis_adapter::Selector;

/// The longest room name a guest may use.
const MAX_ROOM_NAME: usize = 256;
/// Rooms one connection may be in: each costs host memory.
const MAX_ROOMS_PER_CONN: usize = 10_000;
/// Attachments one message may carry: each is a frame of its own.
const MAX_ATTACHMENTS: usize = 1_000;

/// One connection of this endpoint.
pub(crate) struct Conn {
    /// The client's session, as far as an endpoint may see it.
    pub outbox: Arc<dyn Outbox>,
    /// The Socket.IO id the client sees.
    pub sid: Sid,
    /// Frames emitted while `on-connect` runs wait here until the CONNECT
    /// reply has gone out (or are dropped if the connect is refused).
    pub held: Option<Vec<Frame>>,
    pub rooms: HashSet<String>,
    /// Ack ids the client is waiting on.
    pub client_acks: HashSet<u64>,
    /// What the guest set as this connection's data (`conn-state`), as
    /// validated JSON text; None: `null`.
    pub data: Option<Box<str>>,
    /// The guest holds this connection (`async-host.hold`): its events and
    /// messages wait in its backlog ([`ConnExtra`]) until it releases it
    /// (docs/async.md).
    pub parked: bool,
    /// Its private id and replay position, with connection state recovery
    /// on and an Engine.IO 4 client (`recovery.rs`).
    pub recovery: Option<Box<recovery::ConnRecovery>>,
    /// Made on first use ([`Conn::extra`]).
    extra: Option<Box<ConnExtra>>,
}

/// What a connection holds only once the guest uses it: its emits awaiting
/// acks and its backlog while held. Boxed apart: the endpoint's table
/// holds every connection inline, and most connections never need these
/// (bench/RESULTS.md "Idle memory").
#[derive(Default)]
pub(crate) struct ConnExtra {
    /// Tokens of our emit-with-ack calls awaiting the client.
    pub server_acks: HashSet<u64>,
    /// Ack ids of other nodes' broadcasts-with-ack awaiting the client
    /// (`cluster.rs`).
    pub remote_acks: HashMap<u64, cluster::RemoteAck>,
    /// Events and messages that arrived while parked, in arrival order.
    pub backlog: VecDeque<Command>,
}

impl Conn {
    pub fn new(outbox: Arc<dyn Outbox>) -> Conn {
        Conn {
            outbox,
            sid: Sid::random(),
            held: Some(Vec::new()),
            rooms: HashSet::new(),
            client_acks: HashSet::new(),
            data: None,
            parked: false,
            recovery: None,
            extra: None,
        }
    }

    /// The parts made on first use, made now if they were not.
    pub fn extra(&mut self) -> &mut ConnExtra {
        self.extra.get_or_insert_with(Box::default)
    }

    /// The parts made on first use, if they were.
    pub fn existing_extra(&mut self) -> Option<&mut ConnExtra> {
        self.extra.as_deref_mut()
    }

    /// Whether `token` was an emit-with-ack still awaiting the client; it
    /// no longer is.
    pub fn take_server_ack(&mut self, token: u64) -> bool {
        self.existing_extra()
            .is_some_and(|e| e.server_acks.remove(&token))
    }

    /// How many other nodes' or shards' acks the client owes.
    pub fn remote_acks_waiting(&self) -> usize {
        self.extra.as_deref().map_or(0, |e| e.remote_acks.len())
    }

    /// The tokens of the emits-with-ack still awaiting the client.
    pub fn into_server_acks(self) -> HashSet<u64> {
        self.extra.map(|e| e.server_acks).unwrap_or_default()
    }

    fn push(&mut self, frames: &[Frame]) {
        match &mut self.held {
            Some(held) => held.extend_from_slice(frames),
            None => {
                self.outbox.push(frames);
            }
        }
    }

    /// `push` for a volatile packet: dropped (false) when the session
    /// cannot take it now.
    fn push_volatile(&mut self, frames: &[Frame]) -> bool {
        match &mut self.held {
            Some(held) => {
                held.extend_from_slice(frames);
                true
            }
            None => self.outbox.push_volatile(frames),
        }
    }
}

/// Lazily encodes one packet per wire format (generation and parser)
/// present among receivers.
struct Encoded<'a> {
    packet: &'a dyn Fn() -> String,
    attachments: &'a [Bytes],
    /// A replayable packet (connection state recovery): its position and
    /// offset, and its Engine.IO 4 text, which carries the offset.
    replay: Option<(u64, Offset, &'a dyn Fn() -> String)>,
    /// Dropped for a receiver that cannot take it now (`volatile`).
    volatile: bool,
    eio4: Option<Vec<Frame>>,
    eio4_msgpack: Option<Vec<Frame>>,
    eio3: Option<Vec<Frame>>,
    sio1: Option<Vec<Frame>>,
}

impl<'a> Encoded<'a> {
    fn new(packet: &'a dyn Fn() -> String, attachments: &'a [Bytes]) -> Self {
        Encoded {
            packet,
            attachments,
            replay: None,
            volatile: false,
            eio4: None,
            eio4_msgpack: None,
            eio3: None,
            sio1: None,
        }
    }

    fn frames(&mut self, format: impl Into<WireFormat>) -> &[Frame] {
        let format = format.into();
        let eio4 = self.replay.map_or(self.packet, |(_, _, eio4)| eio4);
        let (slot, packet) = match (format.generation(), format.parser()) {
            (Generation::Eio4, Parser::Json) => (&mut self.eio4, eio4),
            (Generation::Eio4, Parser::Msgpack) => (&mut self.eio4_msgpack, eio4),
            // Msgpack is Engine.IO 4's only (`WireFormat::new`).
            (Generation::Eio3, _) => (&mut self.eio3, self.packet),
            (Generation::Sio1, _) => (&mut self.sio1, self.packet),
        };
        slot.get_or_insert_with(|| wire::message_frames(format, packet(), self.attachments))
    }

    /// Hand `socket` its frames, noting a replayable packet's place. False
    /// when a volatile packet was dropped for it.
    fn send_to(&mut self, socket: &mut Conn) -> bool {
        if let Some((seq, offset, _)) = self.replay {
            socket.sent_replayable(seq, offset);
        }
        let volatile = self.volatile;
        let frames = self.frames(socket.outbox.wire_format());
        if volatile {
            return socket.push_volatile(frames);
        }
        socket.push(frames);
        true
    }
}

/// Handle to post commands to this endpoint's own queue from a timer.
#[derive(Clone)]
pub(crate) struct SelfQueue {
    pub endpoint: super::actor::EndpointHandle,
    pub rt: tokio::runtime::Handle,
}

/// One endpoint's connections, rooms and pending work: the state its host
/// imports act on, kept by the host across rebuilds and reloads.
pub struct Namespace {
    /// The namespace path, e.g. "/" or "/chat".
    pub name: Arc<str>,
    pub(crate) conns: ConnIdMap<Conn>,
    rooms: LocalAdapter,
    next_token: u64,
    /// Connections the guest disconnected during the current call; the actor
    /// runs their `on-disconnect` once the call has returned.
    pub(crate) departed: Vec<(ConnId, &'static str)>,
    pub(crate) max_payload: usize,
    pub(crate) queue: Option<SelfQueue>,
    /// The server's counters, for the `sio:realtime/stats` import.
    pub(crate) server_stats: Option<Arc<crate::stats::Stats>>,
    /// This endpoint's counters, for refused host calls.
    pub(crate) endpoint_stats: Option<Arc<crate::stats::EndpointStats>>,
    /// Messages the running call may still send (`GuestLimits`).
    outbound_left: u32,
    /// The other nodes (`--redis`), once attached (see `cluster.rs`).
    cluster: Option<ClusterLink>,
    /// Pending `async-host` timers; they move with the namespace.
    pub(crate) timers: Timers,
    /// Cluster queries waiting for other nodes (`cluster.rs`).
    pub(crate) queries: HashMap<String, cluster::PendingQuery>,
    /// Connections the guest released during the current call; the actor
    /// hands their backlogs to the guest once the call has returned.
    pub(crate) released: Vec<ConnId>,
    /// `http-fetch` requests whose outcome has not arrived yet.
    pub(crate) fetches_in_flight: usize,
    /// Connection state recovery, when on (`recovery.rs`).
    pub(crate) recovery: Option<Recovery>,
    /// Open broadcasts with acks and server events awaiting answers
    /// (`broadcast.rs`).
    pub(crate) broadcasts: broadcast::Broadcasts,
    /// The connection whose recovery the running `on-connect` is told of
    /// (`conn-state.recovered`).
    pub(crate) recovering: Option<ConnId>,
    /// Who hears what happens here (the admin UI), when on
    /// (`super::observer`).
    pub(crate) observer: Option<Arc<dyn Observer>>,
    /// The sibling shards of a sharded endpoint (`sharded.rs`); None: one
    /// instance serves the whole namespace.
    pub(crate) shards: Option<Box<ShardLink>>,
    /// This instance's emit-with-acks to other shards' connections
    /// awaiting the client: token to connection.
    pub(crate) shard_acks: HashMap<u64, ConnId>,
}

impl Namespace {
    /// An empty namespace named `name`; a guest's strings and payloads may
    /// be up to `max_payload` bytes.
    pub fn new(name: Arc<str>, max_payload: usize) -> Namespace {
        Namespace {
            name,
            conns: ConnIdMap::default(),
            rooms: LocalAdapter::default(),
            next_token: 1,
            departed: Vec::new(),
            max_payload,
            queue: None,
            server_stats: None,
            endpoint_stats: None,
            outbound_left: u32::MAX,
            cluster: None,
            timers: Timers::default(),
            queries: HashMap::new(),
            released: Vec::new(),
            fetches_in_flight: 0,
            recovery: None,
            broadcasts: broadcast::Broadcasts::default(),
            recovering: None,
            observer: None,
            shards: None,
            shard_acks: HashMap::new(),
        }
    }

    /// A guest call starts: it may send `max_outbound` messages.
    pub(crate) fn begin_call(&mut self, max_outbound: u32) {
        self.outbound_left = max_outbound;
    }

    /// Whether the running call may send one more message. Checked before
    /// the message is built, so a guest looping on refusals costs little.
    fn check_outbound(&self) -> Result<(), HostError> {
        if self.outbound_left == 0 {
            Err(HostError::LimitExceeded)
        } else {
            Ok(())
        }
    }

    /// One message went out: count it against the allowance.
    fn sent_one(&mut self) {
        self.outbound_left = self.outbound_left.saturating_sub(1);
    }

    /// Pass a host call's verdict through, counting a refusal.
    pub(crate) fn verdict<T>(&self, result: Result<T, HostError>) -> Result<T, HostError> {
        if let (Err(e), Some(stats)) = (&result, &self.endpoint_stats) {
            let i = match e {
                HostError::UnknownConn => 0,
                HostError::InvalidJson => 1,
                HostError::TooLarge => 2,
                HostError::InvalidName => 3,
                HostError::UnknownAck => 4,
                HostError::LimitExceeded => 5,
            };
            stats.host_errors[i].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        result
    }

    /// Move everything out, leaving an empty namespace of the same name: used
    /// when the instance is rebuilt and the state moves to a new store.
    pub(crate) fn take(&mut self) -> Namespace {
        let empty = Namespace::new(self.name.clone(), self.max_payload);
        std::mem::replace(self, empty)
    }

    /// A new connection. Like a Socket.IO socket it is in the room named by
    /// its id, so `to(id)` and `except(id)` from other nodes find it.
    pub(crate) fn insert_conn(&mut self, conn: ConnId, mut socket: Conn) {
        socket.rooms.insert(socket.sid.to_string());
        self.rooms.join(&socket.sid, conn);
        if let Some(link) = &self.shards {
            link.registry().add(conn, &socket.sid);
            self.count_on_shard(link.index(), 1);
        }
        self.conns.insert(conn, socket);
    }

    pub(crate) fn remove_conn(&mut self, conn: ConnId) -> Option<Conn> {
        let socket = self.conns.remove(&conn)?;
        for room in &socket.rooms {
            self.rooms.leave(room, conn);
        }
        self.timers.cancel_for(conn);
        self.forget_recovery(&socket);
        self.collections_forget(conn);
        if let Some(link) = &self.shards {
            link.registry().remove(conn);
            Namespace::shard_acks_gone(link, conn, &socket);
            self.count_on_shard(link.index(), -1);
        }
        Some(socket)
    }

    fn check_len(&self, s: &str) -> Result<(), HostError> {
        if s.len() > self.max_payload {
            Err(HostError::TooLarge)
        } else {
            Ok(())
        }
    }

    fn check_event(
        &self,
        event: &str,
        args_json: &str,
        attachments: &[Vec<u8>],
    ) -> Result<(), HostError> {
        if event.is_empty() || socketio::is_reserved_event(event) {
            return Err(HostError::InvalidName);
        }
        self.check_len(event)?;
        self.check_args(args_json, attachments)
    }

    /// A message's arguments: a JSON array within the size limit, and
    /// attachments within theirs.
    fn check_args(&self, args_json: &str, attachments: &[Vec<u8>]) -> Result<(), HostError> {
        self.check_len(args_json)?;
        let total: usize = attachments.iter().map(Vec::len).sum();
        if total > self.max_payload || attachments.len() > MAX_ATTACHMENTS {
            return Err(HostError::TooLarge);
        }
        socketio::args_inner(args_json).map_err(|_| HostError::InvalidJson)?;
        Ok(())
    }

    fn check_room(room: &str) -> Result<(), HostError> {
        if room.is_empty() {
            Err(HostError::InvalidName)
        } else if room.len() > MAX_ROOM_NAME {
            Err(HostError::TooLarge)
        } else {
            Ok(())
        }
    }

    pub(crate) fn conn_mut(&mut self, conn: ConnId) -> Result<&mut Conn, HostError> {
        self.conns.get_mut(&conn).ok_or(HostError::UnknownConn)
    }

    /// The cluster link when this node's replayable events reach its own
    /// clients by way of the stream (the streams adapter with recovery on),
    /// so that their offsets are the stream's, the same on every node.
    fn stream_link(&self) -> Option<&ClusterLink> {
        let link = self.cluster.as_ref()?;
        (self.recovery.is_some() && link.own_through_stream()).then_some(link)
    }

    /// Hand the packet to each of `conns` still here; `delivered` hears
    /// each one it was not dropped for (`volatile`).
    fn send_to_each(
        &mut self,
        encoded: &mut Encoded<'_>,
        conns: Vec<ConnId>,
        mut delivered: impl FnMut(ConnId),
    ) {
        for conn in conns {
            if let Some(socket) = self.conns.get_mut(&conn)
                && encoded.send_to(socket)
            {
                delivered(conn);
            }
        }
    }

    /// Send one packet to every receiver of `to`, encoding it once per wire
    /// generation.
    fn deliver(&mut self, to: &Target, encoded: &mut Encoded<'_>) -> Result<(), HostError> {
        let mut one = |socket: &mut Conn| {
            encoded.send_to(socket);
        };
        match to {
            Target::Conn(conn) => one(self.conns.get_mut(conn).ok_or(HostError::UnknownConn)?),
            Target::Room(room) => {
                for conn in self.rooms.members(room) {
                    if let Some(s) = self.conns.get_mut(&conn) {
                        one(s);
                    }
                }
            }
            Target::RoomExcept((room, except)) => {
                for conn in self.rooms.members(room) {
                    if conn != *except
                        && let Some(s) = self.conns.get_mut(&conn)
                    {
                        one(s);
                    }
                }
            }
            Target::All => self.conns.values_mut().for_each(one),
            Target::AllExcept(except) => self
                .conns
                .iter_mut()
                .filter(|(conn, _)| *conn != except)
                .for_each(|(_, s)| one(s)),
        }
        Ok(())
    }

    fn emit_packet(
        &mut self,
        to: &Target,
        event: &str,
        args_json: &str,
        attachments: Vec<Vec<u8>>,
        id: Option<u64>,
    ) -> Result<(), HostError> {
        self.check_outbound()?;
        self.check_event(event, args_json, &attachments)?;
        if let Target::Room(room) | Target::RoomExcept((room, _)) = to {
            Namespace::check_room(room)?;
        }
        let attachments: Vec<Bytes> = attachments.into_iter().map(Bytes::from).collect();
        if let Target::Conn(conn) = to
            && self.elsewhere(*conn)
        {
            // `emit-with-ack` takes its own way (`emit_with_ack_elsewhere`).
            self.emit_elsewhere(*conn, event, args_json, &attachments)?;
            self.sent_one();
            return Ok(());
        }
        // With the streams adapter and recovery, a replayable event reaches
        // this node's clients too by way of the stream, so that its offset
        // is the stream's, the same on every node (`cluster.rs`).
        if let (Some(link), None) = (self.stream_link(), id) {
            if let Target::Conn(conn) = to
                && !self.conns.contains_key(conn)
            {
                return Err(HostError::UnknownConn);
            }
            link.broadcast(event, args_json, &attachments, &self.selector_of(to));
            self.sent_one();
            return Ok(());
        }
        self.send_event(
            event,
            args_json,
            &attachments,
            id,
            None,
            false,
            |ns| ns.selector_of(to),
            |ns, encoded| ns.deliver(to, encoded),
        )?;
        self.publish(to, event, args_json, &attachments);
        self.sent_one();
        if let Target::Conn(conn) = to {
            self.observe_event(|| Observed::EventOut {
                conn: *conn,
                name: event.to_owned(),
                args: args_json.to_owned(),
            });
        }
        Ok(())
    }

    /// Encode an event once per generation and hand it to the receivers
    /// `reach` picks. Without an ack id it is replayable when recovery is
    /// on: it gets an offset (`stream_offset`, with the streams adapter, or
    /// the next local one) and a place in the replay buffer, for those
    /// `selector` names. A `volatile` one is neither replayable nor queued
    /// for a receiver that cannot take it now.
    #[allow(clippy::too_many_arguments)]
    fn send_event(
        &mut self,
        event: &str,
        args_json: &str,
        attachments: &[Bytes],
        id: Option<u64>,
        stream_offset: Option<Offset>,
        volatile: bool,
        selector: impl FnOnce(&Namespace) -> Selector,
        reach: impl FnOnce(&mut Namespace, &mut Encoded<'_>) -> Result<(), HostError>,
    ) -> Result<(), HostError> {
        let name = self.name.clone();
        let count = attachments.len();
        let packet = || socketio::encode_event(&name, event, args_json, count, id);
        let next = match (&self.recovery, id, volatile) {
            (Some(r), None, false) => Some(r.next(stream_offset)),
            _ => None,
        };
        let offset_text = next.map(|(_, o)| o.to_string()).unwrap_or_default();
        let replayable =
            || socketio::encode_replayable_event(&name, event, args_json, count, &offset_text);
        let mut encoded = Encoded::new(&packet, attachments);
        encoded.volatile = volatile;
        if let Some((seq, offset)) = next {
            encoded.replay = Some((seq, offset, &replayable));
        }
        reach(self, &mut encoded)?;
        if let Some((_, offset)) = next {
            let frames = encoded.frames(Generation::Eio4).to_vec();
            let selector = selector(self);
            if let Some(r) = self.recovery.as_mut() {
                r.record(offset, selector, frames);
            }
        }
        Ok(())
    }

    /// Who `to` reaches, in the cluster's terms: rooms and rooms excepted
    /// (a connection is the room named by its id).
    fn selector_of(&self, to: &Target) -> Selector {
        let sid_of = |conn: &ConnId| self.sid_anywhere(*conn);
        let (room, except) = match to {
            Target::Conn(conn) => (sid_of(conn), None),
            Target::Room(room) => (Some(room.clone()), None),
            Target::RoomExcept((room, conn)) => (Some(room.clone()), sid_of(conn)),
            Target::All => (None, None),
            Target::AllExcept(conn) => (None, sid_of(conn)),
        };
        Selector {
            rooms: room.into_iter().collect(),
            except: except.into_iter().collect(),
        }
    }
}

/// The work of the `sio:realtime/host` imports, on the namespace alone, one
/// method per import (`log` aside); their adapter (`imports/host.rs`)
/// counts the refusals.
impl Namespace {
    /// `send`: the event "message" with `text` as its one argument (a
    /// protocol 1 client gets a plain message).
    pub(crate) fn send(&mut self, to: &Target, text: &str) -> Result<(), HostError> {
        if text.len() > self.max_payload {
            return Err(HostError::TooLarge);
        }
        let args = serde_json::to_string(&[text]).map_err(|_| HostError::InvalidJson)?;
        self.emit_packet(to, "message", &args, Vec::new(), None)
    }

    /// `emit`: an event to every receiver of `to`.
    pub(crate) fn emit(
        &mut self,
        to: &Target,
        event: &str,
        args_json: &str,
        attachments: Vec<Vec<u8>>,
    ) -> Result<(), HostError> {
        self.emit_packet(to, event, args_json, attachments, None)
    }

    /// `emit-with-ack`: an event to one connection, with an ack id; the
    /// reply (or the timeout) comes back as `on-ack` with the token.
    pub(crate) fn emit_with_ack(
        &mut self,
        to: ConnId,
        event: &str,
        args_json: &str,
        attachments: Vec<Vec<u8>>,
        timeout_ms: u32,
    ) -> Result<u64, HostError> {
        if self.elsewhere(to) {
            return self.emit_with_ack_elsewhere(to, event, args_json, attachments, timeout_ms);
        }
        self.conn_mut(to)?;
        let token = self.next_token;
        self.emit_packet(
            &Target::Conn(to),
            event,
            args_json,
            attachments,
            Some(token),
        )?;
        self.next_token += 1;
        self.conn_mut(to)?.extra().server_acks.insert(token);
        if timeout_ms > 0
            && let Some(q) = self.queue.clone()
        {
            q.rt.spawn(async move {
                tokio::time::sleep(Duration::from_millis(timeout_ms.into())).await;
                q.endpoint.send(Command::AckTimeout { conn: to, token });
            });
        }
        Ok(token)
    }

    /// `ack`: the reply to an event the client sent with ack id `ack_id`.
    pub(crate) fn ack(
        &mut self,
        conn: ConnId,
        ack_id: u64,
        args_json: &str,
        attachments: Vec<Vec<u8>>,
    ) -> Result<(), HostError> {
        // Not counted against the per-call limit: acks are bounded by the
        // ack ids the client asked for, and a flood must not cost the reply.
        self.check_args(args_json, &attachments)?;
        let packet = socketio::encode_ack(&self.name, ack_id, args_json, attachments.len());
        let socket = self.conn_mut(conn)?;
        if !socket.client_acks.remove(&ack_id) {
            return Err(HostError::UnknownAck);
        }
        let attachments: Vec<Bytes> = attachments.into_iter().map(Bytes::from).collect();
        let frames = wire::message_frames(socket.outbox.wire_format(), packet, &attachments);
        socket.push(&frames);
        Ok(())
    }

    /// `join`: `conn` enters `room`.
    pub(crate) fn join(&mut self, conn: ConnId, room: String) -> Result<(), HostError> {
        Namespace::check_room(&room)?;
        if self.elsewhere(conn) {
            return self.rooms_elsewhere(conn, true, room);
        }
        let socket = self.conn_mut(conn)?;
        if socket.rooms.len() >= MAX_ROOMS_PER_CONN && !socket.rooms.contains(&room) {
            return Err(HostError::LimitExceeded);
        }
        let joined = socket.rooms.insert(room.clone());
        self.rooms.join(&room, conn);
        if let Some(link) = &self.shards {
            link.registry().join(conn, &room);
        }
        if joined {
            self.observe(|| Observed::Joined { conn, room });
        }
        Ok(())
    }

    /// `leave`: `conn` leaves `room`.
    pub(crate) fn leave(&mut self, conn: ConnId, room: String) -> Result<(), HostError> {
        Namespace::check_room(&room)?;
        if self.elsewhere(conn) {
            return self.rooms_elsewhere(conn, false, room);
        }
        let left = self.conn_mut(conn)?.rooms.remove(&room);
        self.rooms.leave(&room, conn);
        if let Some(link) = &self.shards {
            link.registry().leave(conn, &room);
        }
        if left {
            self.observe(|| Observed::Left { conn, room });
        }
        Ok(())
    }

    /// `conn-state.set-data`: `conn`'s data becomes `json` (`null`
    /// clears it).
    pub(crate) fn set_data(&mut self, conn: ConnId, json: &str) -> Result<(), HostError> {
        if json.len() > self.max_payload {
            return Err(HostError::TooLarge);
        }
        let value: &serde_json::value::RawValue =
            serde_json::from_str(json).map_err(|_| HostError::InvalidJson)?;
        let text = value.get();
        self.conn_mut(conn)?.data = (text != "null").then(|| text.into());
        self.observe(|| Observed::Data {
            conn,
            data: self.conns.get(&conn).and_then(|c| c.data.clone()),
        });
        Ok(())
    }

    /// `conn-state.data`: `conn`'s data, `null` when none is set.
    pub(crate) fn data(&mut self, conn: ConnId) -> Result<String, HostError> {
        let c = self.conn_mut(conn)?;
        Ok(c.data.as_deref().unwrap_or("null").to_owned())
    }

    /// `conn-state.rooms`: the rooms `conn` is in, sorted.
    pub(crate) fn rooms_of(&mut self, conn: ConnId) -> Result<Vec<String>, HostError> {
        if let Some(link) = &self.shards
            && !self.conns.contains_key(&conn)
        {
            return link.registry().rooms_of(conn).ok_or(HostError::UnknownConn);
        }
        let mut rooms: Vec<String> = self.conn_mut(conn)?.rooms.iter().cloned().collect();
        rooms.sort_unstable();
        Ok(rooms)
    }

    /// `conn-state.room-conns`: the connections in `room`, ascending
    /// (every shard's).
    pub(crate) fn room_conns(&self, room: &str) -> Vec<ConnId> {
        if let Some(link) = &self.shards {
            return link.registry().room_conns(room);
        }
        let mut conns: Vec<ConnId> = self.rooms.members(room).collect();
        conns.sort_unstable();
        conns
    }

    /// `conn-state.room-size`: how many connections `room` has.
    pub(crate) fn room_size(&self, room: &str) -> u32 {
        let size = match &self.shards {
            Some(link) => link.registry().room_size(room),
            None => self.rooms.size(room),
        };
        u32::try_from(size).unwrap_or(u32::MAX)
    }

    /// `disconnect`: `conn` leaves the namespace; its `on-disconnect`
    /// runs once the current call has returned.
    pub(crate) fn disconnect(&mut self, conn: ConnId) -> Result<(), HostError> {
        if self.elsewhere(conn) {
            return self.disconnect_elsewhere(conn);
        }
        let mut socket = self.remove_conn(conn).ok_or(HostError::UnknownConn)?;
        let packet = socketio::encode_disconnect(&self.name);
        socket.push(&wire::message_frames(
            socket.outbox.wire_format(),
            packet,
            &[],
        ));
        socket.outbox.forget(&self.name, conn);
        self.departed.push((conn, "server namespace disconnect"));
        Ok(())
    }
}

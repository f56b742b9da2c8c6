//! Sharded endpoints (`shards = N`; docs/architecture.md, "Multi-core
//! endpoints"): one namespace served by N instances, "shards", each an
//! actor thread with its own store and instance and its own part of the
//! namespace's connections. Connection `c` lives on shard `c % N`
//! ([`shard_of`]); connection ids are server-global, so this needs no
//! table.
//!
//! This module owns three things:
//!
//! - [`route`]: which shard a command queued on the endpoint's handle goes
//!   to (a connection's to its shard; the admin UI's requests and an
//!   observer to all; another endpoint's emit to shard 0, which passes it
//!   on as its own broadcast).
//! - [`ShardLink`], held by each shard's namespace: how a guest's call
//!   reaches the connections of the other shards. The siblings are treated
//!   like the other nodes of a cluster, in process: a broadcast is
//!   delivered here, then handed to each sibling, which delivers it to its
//!   own connections without calling its guest
//!   (`namespace/sharded.rs`); requests (join, leave, disconnect, fetch
//!   sockets, broadcast with acks) and their answers are the Redis
//!   adapter's decoded messages (`Command::Cluster`), never encoded.
//! - [`Registry`]: what every shard sees of every connection (its
//!   Socket.IO id, its rooms), behind one lock taken on connect,
//!   disconnect, join and leave, and when a guest names a connection or a
//!   room beyond its own shard. An event's round trip (the hot path) takes
//!   no lock.
//!
//! With one shard none of this exists: the handle queues straight to the
//! actor and the namespace's link is None.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use sio_protocol::redis_adapter::{Request, Selector};
use sio_protocol::{ConnId, ConnIdMap, Sid};

use super::actor::{Command, EndpointHandle};
use crate::adapter::LocalAdapter;
use crate::adapter::redis::{Inbound, Reply};

/// The shard connection `conn` lives on, of `shards`.
pub(crate) fn shard_of(conn: ConnId, shards: usize) -> usize {
    // Lossless: the remainder is below `shards`, a usize.
    (conn % shards.max(1) as u64) as usize
}

/// Where a command queued on a sharded endpoint's handle goes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// To this shard alone.
    One(usize),
    /// To every shard (each acts on its own connections).
    All,
}

/// The shard (or shards) `command` is for, of `shards`.
pub(crate) fn route(command: &Command, shards: usize) -> Route {
    match command {
        Command::Connect { conn, .. }
        | Command::Event { conn, .. }
        | Command::Ack { conn, .. }
        | Command::Message { conn, .. }
        | Command::Disconnect { conn, .. }
        | Command::AckTimeout { conn, .. }
        | Command::RecoveryDue { conn, .. }
        | Command::Cluster(Inbound::Restored { conn, .. }) => Route::One(shard_of(*conn, shards)),
        // The admin UI's requests and emits name sockets by room or id:
        // each shard acts on its own. An observer hears every shard.
        Command::Cluster(Inbound::Request { .. } | Inbound::Broadcast { .. })
        | Command::Observe(_) => Route::All,
        // Another endpoint's `broadcast.emit` to this one: shard 0 runs it
        // as its own broadcast, which reaches the siblings' connections.
        Command::ForeignEmit(_) => Route::One(0),
        // An instance posts these to its own queue, never through the
        // endpoint's handle; a reload swaps each shard through its own
        // (`EndpointHandle::shards`); the cluster's other messages need
        // `--redis`, which shards refuse. Shard 0 if one comes anyway.
        Command::Timer { .. }
        | Command::Fetched { .. }
        | Command::QueryDue { .. }
        | Command::QueryAnswered { .. }
        | Command::RepliesDue { .. }
        | Command::RepliesReady { .. }
        | Command::Swap(_)
        | Command::Shard(_)
        | Command::Cluster(_) => Route::One(0),
    }
}

/// A copy of a command that [`route`] sends to every shard.
fn replicate(command: &Command) -> Option<Command> {
    Some(match command {
        Command::Observe(observer) => Command::Observe(observer.clone()),
        Command::Cluster(Inbound::Request { from, request }) => {
            Command::Cluster(Inbound::Request {
                from: from.clone(),
                request: request.clone(),
            })
        }
        Command::Cluster(Inbound::Broadcast { broadcast, offset }) => {
            Command::Cluster(Inbound::Broadcast {
                broadcast: broadcast.clone(),
                offset: *offset,
            })
        }
        _ => return None,
    })
}

/// Queue `command` on the shard(s) [`route`] picks among `shards` (each
/// shard's own handle).
pub(crate) fn send_routed(shards: &[EndpointHandle], command: Command) {
    match route(&command, shards.len()) {
        Route::One(i) => match shards.get(i) {
            Some(shard) => shard.send(command),
            None => tracing::error!("no shard {i}; command dropped"),
        },
        Route::All => {
            for shard in shards.iter().skip(1) {
                if let Some(copy) = replicate(&command) {
                    shard.send(copy);
                }
            }
            if let Some(first) = shards.first() {
                first.send(command);
            }
        }
    }
}

/// What one shard hands another, besides the cluster's requests and
/// answers (`Command::Shard`).
pub enum ShardMsg {
    /// A guest's broadcast or emit, for the connections `to` selects on
    /// the receiving shard; no guest is called there.
    Deliver {
        /// Rooms and exceptions, a connection being the room of its id.
        to: Selector,
        event: String,
        args_json: String,
        attachments: Vec<Bytes>,
        /// Dropped for a connection that cannot take it now.
        volatile: bool,
    },
    /// A guest's `emit-with-ack` to a connection of the receiving shard:
    /// the answer (or the connection's departure) goes back as `Acked`.
    EmitWithAck {
        conn: ConnId,
        /// The shard whose guest emitted, and its token.
        from: usize,
        token: u64,
        event: String,
        args_json: String,
        attachments: Vec<Bytes>,
    },
    /// A client answered another shard's `emit-with-ack` (None: it left
    /// first): that shard's guest hears `on-ack`.
    Acked {
        conn: ConnId,
        token: u64,
        answer: Option<(String, Vec<Bytes>)>,
    },
    /// The receiving shard's broadcast with acks `request_id` was sent to
    /// these connections of the sending shard: its collection waits for
    /// them as for its own (where another node would say how many).
    Asked {
        request_id: String,
        conns: Vec<ConnId>,
    },
    /// One of them answered (None: it left first).
    Answered {
        request_id: String,
        conn: ConnId,
        answer: Option<(String, Vec<Bytes>)>,
    },
}

/// What every shard of an endpoint sees of every one of its connections.
#[derive(Default)]
pub(crate) struct Registry {
    inner: Mutex<RegistryInner>,
}

#[derive(Default)]
struct RegistryInner {
    /// Every connection: its Socket.IO id and rooms.
    conns: ConnIdMap<Registered>,
    /// Room name to members, across shards.
    rooms: LocalAdapter,
}

struct Registered {
    sid: Sid,
    rooms: HashSet<String>,
}

impl Registry {
    fn lock(&self) -> MutexGuard<'_, RegistryInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A connection joined the namespace: in the room of its own id.
    pub(crate) fn add(&self, conn: ConnId, sid: &Sid) {
        let mut r = self.lock();
        r.rooms.join(sid, conn);
        let rooms = HashSet::from([sid.to_string()]);
        r.conns.insert(
            conn,
            Registered {
                sid: sid.clone(),
                rooms,
            },
        );
    }

    /// A connection left: out of every room.
    pub(crate) fn remove(&self, conn: ConnId) {
        let mut r = self.lock();
        if let Some(gone) = r.conns.remove(&conn) {
            for room in &gone.rooms {
                r.rooms.leave(room, conn);
            }
        }
    }

    pub(crate) fn join(&self, conn: ConnId, room: &str) {
        let mut r = self.lock();
        if let Some(c) = r.conns.get_mut(&conn) {
            c.rooms.insert(room.to_owned());
            r.rooms.join(room, conn);
        }
    }

    pub(crate) fn leave(&self, conn: ConnId, room: &str) {
        let mut r = self.lock();
        if let Some(c) = r.conns.get_mut(&conn) {
            c.rooms.remove(room);
            r.rooms.leave(room, conn);
        }
    }

    /// A connection's Socket.IO id, whichever shard it is on.
    pub(crate) fn sid(&self, conn: ConnId) -> Option<Sid> {
        self.lock().conns.get(&conn).map(|c| c.sid.clone())
    }

    /// A connection's rooms, sorted.
    pub(crate) fn rooms_of(&self, conn: ConnId) -> Option<Vec<String>> {
        let r = self.lock();
        let mut rooms: Vec<String> = r.conns.get(&conn)?.rooms.iter().cloned().collect();
        rooms.sort_unstable();
        Some(rooms)
    }

    /// The connections in `room` on every shard, ascending.
    pub(crate) fn room_conns(&self, room: &str) -> Vec<ConnId> {
        let mut conns: Vec<ConnId> = self.lock().rooms.members(room).collect();
        conns.sort_unstable();
        conns
    }

    pub(crate) fn room_size(&self, room: &str) -> usize {
        self.lock().rooms.size(room)
    }
}

/// One shard's way to its siblings (see the module doc).
pub(crate) struct ShardLink {
    /// This shard's place, 0..count.
    index: usize,
    /// Every shard's own queue by place, this one's too.
    shards: Arc<[EndpointHandle]>,
    registry: Arc<Registry>,
}

impl ShardLink {
    pub(crate) fn new(
        index: usize,
        shards: Arc<[EndpointHandle]>,
        registry: Arc<Registry>,
    ) -> ShardLink {
        ShardLink {
            index,
            shards,
            registry,
        }
    }

    pub(crate) fn index(&self) -> usize {
        self.index
    }

    pub(crate) fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The shard `conn` lives on.
    pub(crate) fn owner(&self, conn: ConnId) -> usize {
        shard_of(conn, self.shards.len())
    }

    /// The endpoint's handle, routing to every shard (what the admin UI
    /// acts through).
    pub(crate) fn endpoint(&self, name: &str) -> EndpointHandle {
        EndpointHandle::sharded(name, self.shards.clone())
    }

    fn siblings(&self) -> impl Iterator<Item = (usize, &EndpointHandle)> {
        let me = self.index;
        self.shards
            .iter()
            .enumerate()
            .filter(move |(i, _)| *i != me)
    }

    fn send_to(&self, shard: usize, command: Command) {
        match self.shards.get(shard) {
            Some(handle) => handle.send(command),
            None => tracing::error!(shard, "no such shard; dropped"),
        }
    }

    /// Hand a broadcast to every other shard, for its connections `to`
    /// selects.
    pub(crate) fn deliver(
        &self,
        to: &Selector,
        event: &str,
        args_json: &str,
        attachments: &[Bytes],
        volatile: bool,
    ) {
        for (_, shard) in self.siblings() {
            shard.send(Command::Shard(Box::new(ShardMsg::Deliver {
                to: to.clone(),
                event: event.to_owned(),
                args_json: args_json.to_owned(),
                attachments: attachments.to_vec(),
                volatile,
            })));
        }
    }

    /// Hand an event to connection `conn` of another shard (`sid`, its
    /// Socket.IO id, is its room there).
    pub(crate) fn deliver_to(
        &self,
        conn: ConnId,
        sid: &Sid,
        event: &str,
        args_json: &str,
        attachments: &[Bytes],
    ) {
        let msg = ShardMsg::Deliver {
            to: Selector {
                rooms: vec![sid.to_string()],
                except: Vec::new(),
            },
            event: event.to_owned(),
            args_json: args_json.to_owned(),
            attachments: attachments.to_vec(),
            volatile: false,
        };
        self.send_to(self.owner(conn), Command::Shard(Box::new(msg)));
    }

    /// Hand `msg` to shard `shard`.
    pub(crate) fn send(&self, shard: usize, msg: ShardMsg) {
        self.send_to(shard, Command::Shard(Box::new(msg)));
    }

    /// Hand `msg` to the shard whose place is `node` (a request's `from`);
    /// nobody when it is none (the admin UI's requests come from "").
    pub(crate) fn send_to_node(&self, node: &str, msg: ShardMsg) {
        if let Ok(shard) = node.parse::<usize>() {
            self.send(shard, msg);
        }
    }

    /// A request to shard `shard`, as from another node whose id is this
    /// shard's place: its answers come back through [`ShardLink::reply`].
    pub(crate) fn request(&self, shard: usize, request: Request) {
        let inbound = Inbound::Request {
            from: self.index.to_string(),
            request,
        };
        self.send_to(shard, Command::Cluster(inbound));
    }

    /// [`ShardLink::request`] to every other shard; how many got it.
    pub(crate) fn request_siblings(&self, request: &Request) -> usize {
        let mut sent = 0;
        for (i, _) in self.siblings() {
            self.request(i, request.clone());
            sent += 1;
        }
        sent
    }

    /// Answer request `request_id` of shard `node` (its place as text), as
    /// the Redis adapter's link answers another node's.
    pub(crate) fn reply(&self, node: &str, request_id: &str, reply: Reply) {
        let Ok(shard) = node.parse::<usize>() else {
            // The admin UI's requests come from "": nobody waits.
            return;
        };
        let request_id = request_id.to_owned();
        let inbound = match reply {
            Reply::ClientCount(count) => Inbound::ClientCount { request_id, count },
            Reply::Ack {
                args_json,
                attachments,
            } => Inbound::BroadcastAck {
                request_id,
                args_json,
                attachments,
            },
            Reply::Sockets(sockets) => Inbound::Sockets {
                request_id,
                sockets,
            },
            Reply::ServerSideEmit { args_json } => Inbound::ServerSideEmitReply {
                request_id,
                args_json,
            },
            // Answers to requests only other nodes make.
            Reply::SocketIds(_) | Reply::AllRooms(_) | Reply::Done => return,
        };
        self.send_to(shard, Command::Cluster(inbound));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gone(conn: ConnId) -> Command {
        Command::Disconnect {
            conn,
            session: Sid::random(),
            reason: "transport close".into(),
        }
    }

    #[test]
    fn a_connection_lives_on_its_id_modulo_the_shards() {
        assert_eq!(shard_of(7, 1), 0);
        assert_eq!(shard_of(7, 2), 1);
        assert_eq!(shard_of(8, 2), 0);
        assert_eq!(shard_of(10, 4), 2);
    }

    #[test]
    fn a_connections_commands_go_to_its_shard() {
        assert_eq!(route(&gone(5), 2), Route::One(1));
        assert_eq!(route(&gone(6), 2), Route::One(0));
        assert_eq!(route(&gone(6), 1), Route::One(0));
        let ack_timeout = Command::AckTimeout { conn: 9, token: 1 };
        assert_eq!(route(&ack_timeout, 4), Route::One(1));
        let due = Command::RecoveryDue { conn: 4, serial: 0 };
        assert_eq!(route(&due, 3), Route::One(1));
    }

    #[test]
    fn the_admin_uis_requests_reach_every_shard_and_a_foreign_emit_shard_0() {
        let request = Command::Cluster(Inbound::Request {
            from: String::new(),
            request: Request::Disconnect {
                request_id: None,
                target: sio_protocol::redis_adapter::Target::Sid("abc".into()),
                close: false,
            },
        });
        assert_eq!(route(&request, 2), Route::All);
        let copy = replicate(&request);
        assert!(matches!(
            copy,
            Some(Command::Cluster(Inbound::Request { .. }))
        ));
        assert!(replicate(&gone(1)).is_none());
        let timer = Command::Timer {
            token: 1,
            serial: 1,
        };
        assert_eq!(route(&timer, 2), Route::One(0));
    }

    #[test]
    fn the_registry_lists_rooms_across_shards() {
        let r = Registry::default();
        let (a, b) = (Sid::random(), Sid::random());
        r.add(1, &a);
        r.add(2, &b);
        r.join(1, "lobby");
        r.join(2, "lobby");
        assert_eq!(r.room_conns("lobby"), vec![1, 2]);
        assert_eq!(r.room_size(&b), 1);
        assert_eq!(r.sid(2), Some(b.clone()));
        r.leave(1, "lobby");
        assert_eq!(r.rooms_of(1), Some(vec![a.to_string()]));
        r.remove(2);
        assert_eq!(r.room_size("lobby"), 0);
        assert_eq!(r.sid(2), None);
    }
}

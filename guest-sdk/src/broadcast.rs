//! Socket.IO's broadcast operator and server-to-server calls
//! (`sio:realtime/broadcast`): several rooms at once and exceptions,
//! `local` and `volatile` emits, another endpoint of the host, broadcasts
//! that collect every client's ack, and events for the other server nodes
//! (`serverSideEmit`). See docs/handlers.md, "Broadcasts".
//!
//! A [`Broadcast`] is built like Socket.IO's `io.to(..).except(..)`:
//!
//! ```no_run
//! use sio_guest::{Args, Conn, Handler, Replies, broadcast};
//!
//! #[derive(Default)]
//! struct Game;
//!
//! impl Handler for Game {
//!     fn on_event(&mut self, conn: Conn, event: &str, _args: Args, _ack: Option<sio_guest::Ack>) {
//!         if event == "move" {
//!             // Both teams but the mover, dropped for clients that lag.
//!             let _ = broadcast::to("red").to("blue").except_conn(conn).volatile().emit("moved", &(1, 2));
//!         } else if event == "vote" {
//!             // Ask everyone; the answers arrive in `on_replies`.
//!             let _ = broadcast::all().emit_with_ack("vote?", &(), 3_000);
//!         }
//!     }
//!     fn on_replies(&mut self, _token: u64, replies: Replies) {
//!         let yes = replies.replies.iter().filter(|r| r.args.get::<bool>(0) == Some(true)).count();
//!         let _ = broadcast::all().emit("result", &(yes, replies.silent.len()));
//!     }
//! }
//!
//! sio_guest::handler!(Game, async);
//! ```
//!
//! What comes back ([`Handler::on_replies`](crate::Handler::on_replies),
//! [`Handler::on_server_event`](crate::Handler::on_server_event)) reaches
//! handlers registered with `handler!(T, async)`.

use serde::Serialize;

use crate::args::to_args_json;
pub use crate::bindings::sio::realtime::broadcast::{EmitFlags, Selector};
use crate::{Args, ConnId, HostError, sys};

/// Who an emit reaches and how: Socket.IO's `BroadcastOperator`. Start from
/// [`all`], [`to`], [`to_conn`] or [`of`]; each method returns the operator
/// with one more condition, and [`emit`](Self::emit) sends.
#[derive(Debug, Clone)]
pub struct Broadcast {
    endpoint: Option<String>,
    to: Selector,
    flags: EmitFlags,
}

/// Every connection of this endpoint (narrow it with the methods).
pub fn all() -> Broadcast {
    Broadcast {
        endpoint: None,
        to: Selector {
            rooms: Vec::new(),
            conns: Vec::new(),
            except_rooms: Vec::new(),
            except_conns: Vec::new(),
        },
        flags: EmitFlags::empty(),
    }
}

/// The connections in `room` (add rooms with [`Broadcast::to`]).
pub fn to(room: impl Into<String>) -> Broadcast {
    all().to(room)
}

/// One connection (add more with [`Broadcast::to_conn`]).
pub fn to_conn(conn: impl Into<ConnId>) -> Broadcast {
    all().to_conn(conn)
}

/// Another endpoint (namespace) of this host, as `io.of(name)`: the emit
/// is delivered there right after the current call. Only
/// [`emit`](Broadcast::emit) and its variants reach another endpoint.
pub fn of(endpoint: impl Into<String>) -> Broadcast {
    Broadcast {
        endpoint: Some(endpoint.into()),
        ..all()
    }
}

impl Broadcast {
    /// Also the connections in `room`.
    pub fn to(mut self, room: impl Into<String>) -> Self {
        self.to.rooms.push(room.into());
        self
    }

    /// Also this connection.
    pub fn to_conn(mut self, conn: impl Into<ConnId>) -> Self {
        self.to.conns.push(conn.into());
        self
    }

    /// Not the connections in `room`.
    pub fn except(mut self, room: impl Into<String>) -> Self {
        self.to.except_rooms.push(room.into());
        self
    }

    /// Not this connection (typically the sender).
    pub fn except_conn(mut self, conn: impl Into<ConnId>) -> Self {
        self.to.except_conns.push(conn.into());
        self
    }

    /// This node's connections only: not published to the cluster.
    pub fn local(mut self) -> Self {
        self.flags = self.flags | EmitFlags::LOCAL;
        self
    }

    /// Dropped (and counted) for a connection that cannot take it now,
    /// instead of queued; never replayed by connection state recovery.
    pub fn volatile(mut self) -> Self {
        self.flags = self.flags | EmitFlags::VOLATILE;
        self
    }

    /// The selector this operator stands for.
    pub fn selector(&self) -> &Selector {
        &self.to
    }

    /// Emits `event` with `args` (serialized as the JSON argument array: a
    /// tuple for several arguments).
    pub fn emit<A: Serialize + ?Sized>(&self, event: &str, args: &A) -> Result<(), HostError> {
        self.emit_raw(event, &to_args_json(args)?, &[])
    }

    /// Emits `event` with `args` referring to binary `attachments` through
    /// [`Placeholder`](crate::Placeholder)s.
    pub fn emit_binary<A: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &A,
        attachments: &[Vec<u8>],
    ) -> Result<(), HostError> {
        self.emit_raw(event, &to_args_json(args)?, attachments)
    }

    /// Emits `event` with a JSON array text sent as it is.
    pub fn emit_raw(
        &self,
        event: &str,
        args_json: &str,
        attachments: &[Vec<u8>],
    ) -> Result<(), HostError> {
        sys::broadcast_emit(
            self.endpoint.as_deref(),
            &self.to,
            self.flags,
            event,
            args_json,
            attachments,
        )
    }

    /// Emits `event` to every selected connection of every node (this node
    /// only when [`local`](Self::local)), each asked for an ack, and returns
    /// the token [`Handler::on_replies`](crate::Handler::on_replies) gets
    /// with every answer once all came or `timeout_ms` (0: 5 s) passed.
    /// [`HostError::InvalidName`] on an operator made with [`of`].
    pub fn emit_with_ack<A: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &A,
        timeout_ms: u32,
    ) -> Result<u64, HostError> {
        self.emit_with_ack_raw(event, &to_args_json(args)?, &[], timeout_ms)
    }

    /// [`emit_with_ack`](Self::emit_with_ack) with a raw JSON array and
    /// attachments.
    pub fn emit_with_ack_raw(
        &self,
        event: &str,
        args_json: &str,
        attachments: &[Vec<u8>],
        timeout_ms: u32,
    ) -> Result<u64, HostError> {
        if self.endpoint.is_some() {
            return Err(HostError::InvalidName);
        }
        sys::broadcast_emit_with_ack(
            &self.to,
            self.flags,
            event,
            args_json,
            attachments,
            timeout_ms,
        )
    }
}

/// Sends `event` to this endpoint on every other node of the cluster
/// (`serverSideEmit`): sio-host handlers hear it in
/// [`Handler::on_server_event`](crate::Handler::on_server_event), Node
/// servers in `io.of(nsp).on(event)`. Nothing happens without a cluster.
pub fn server_emit<A: Serialize + ?Sized>(event: &str, args: &A) -> Result<(), HostError> {
    sys::server_emit(event, &to_args_json(args)?)
}

/// [`server_emit`] asking every other node for an answer: the token that
/// [`Handler::on_replies`](crate::Handler::on_replies) gets once every node
/// answered or `timeout_ms` (0: 5 s) passed; at once, with no replies,
/// without a cluster.
pub fn server_emit_with_ack<A: Serialize + ?Sized>(
    event: &str,
    args: &A,
    timeout_ms: u32,
) -> Result<u64, HostError> {
    sys::server_emit_with_ack(event, &to_args_json(args)?, timeout_ms)
}

/// The answer another node waits for to its server event, handed to
/// [`Handler::on_server_event`](crate::Handler::on_server_event). Reply
/// once; a Node peer receives the first argument.
#[derive(Debug, PartialEq, Eq)]
#[must_use = "the other node waits for the reply"]
pub struct ServerReply(u64);

impl ServerReply {
    /// The handle for reply id `id` (as the host passed it).
    pub const fn new(id: u64) -> Self {
        ServerReply(id)
    }

    /// The reply id.
    pub const fn id(&self) -> u64 {
        self.0
    }

    /// Answers with `args` (serialized as the JSON argument array).
    pub fn reply<A: Serialize + ?Sized>(self, args: &A) -> Result<(), HostError> {
        sys::server_ack(self.0, &to_args_json(args)?)
    }
}

/// One answer to a broadcast with acks or a server emit with acks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The connection that answered, when it is on this node; `None` for
    /// another node's client or a server node's answer.
    pub conn: Option<ConnId>,
    /// Its arguments (a Node peer relays its client's first argument only).
    pub args: Args,
}

/// Everything that came back for one token: see
/// [`Handler::on_replies`](crate::Handler::on_replies).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replies {
    /// Every answer that came in time, in arrival order.
    pub replies: Vec<Reply>,
    /// This node's connections that were asked and did not answer in time
    /// (or left first).
    pub silent: Vec<ConnId>,
    /// How many clients of other nodes (for a server emit: other nodes)
    /// did not answer in time.
    pub missing: u32,
}

impl Replies {
    /// Whether everyone asked answered in time.
    pub fn complete(&self) -> bool {
        self.silent.is_empty() && self.missing == 0
    }
}

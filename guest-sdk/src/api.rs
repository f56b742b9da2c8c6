//! Acting on connections: emit, send, ack, rooms, disconnect.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::args::to_args_json;
use crate::{ConnId, ConnInfo, HostError, Target, sys};

/// One client's connection to this endpoint, as handed to [`Handler`]
/// methods. A `Copy` handle around the [`ConnId`]; its methods are shortcuts
/// for the free functions with the connection as the target.
///
/// [`Handler`]: crate::Handler
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Conn(ConnId);

impl Conn {
    /// The handle for a connection id.
    pub const fn new(id: ConnId) -> Self {
        Conn(id)
    }

    /// The connection id.
    pub const fn id(self) -> ConnId {
        self.0
    }

    /// [`Target::Conn`] for this connection.
    pub fn target(self) -> Target {
        Target::Conn(self.0)
    }

    /// [`Target::AllExcept`] this connection: everyone else on the endpoint.
    pub fn others(self) -> Target {
        Target::AllExcept(self.0)
    }

    /// Emits `event` to this connection; see [`emit`].
    pub fn emit<A: Serialize + ?Sized>(self, event: &str, args: &A) -> Result<(), HostError> {
        emit(self, event, args)
    }

    /// Emits `event` with attachments to this connection; see [`emit_binary`].
    pub fn emit_binary<A: Serialize + ?Sized>(
        self,
        event: &str,
        args: &A,
        attachments: &[Vec<u8>],
    ) -> Result<(), HostError> {
        emit_binary(self, event, args, attachments)
    }

    /// Emits `event` with a raw JSON array to this connection; see [`emit_raw`].
    pub fn emit_raw(
        self,
        event: &str,
        args_json: &str,
        attachments: &[Vec<u8>],
    ) -> Result<(), HostError> {
        emit_raw(self, event, args_json, attachments)
    }

    /// Emits `event` and asks for an acknowledgement; see [`emit_with_ack`].
    pub fn emit_with_ack<A: Serialize + ?Sized>(
        self,
        event: &str,
        args: &A,
        timeout_ms: u32,
    ) -> Result<u64, HostError> {
        emit_with_ack(self, event, args, timeout_ms)
    }

    /// Sends a plain message to this connection; see [`send`].
    pub fn send(self, text: &str) -> Result<(), HostError> {
        send(self, text)
    }

    /// Puts this connection in `room`.
    pub fn join(self, room: &str) -> Result<(), HostError> {
        join(self, room)
    }

    /// Takes this connection out of `room`.
    pub fn leave(self, room: &str) -> Result<(), HostError> {
        leave(self, room)
    }

    /// Disconnects this connection from the endpoint.
    pub fn disconnect(self) -> Result<(), HostError> {
        disconnect(self)
    }

    /// Sets this connection's data, kept by the host (`sio:realtime/conn-state`):
    /// it survives hot reloads and rebuilds with no snapshot code, other
    /// nodes' `fetchSockets()` see it as the socket's `data`, and it is gone
    /// when the connection leaves. `None`-like values (`null`) clear it.
    pub fn set_data<T: Serialize + ?Sized>(self, data: &T) -> Result<(), HostError> {
        let json = serde_json::to_string(data).map_err(|_| HostError::InvalidJson)?;
        sys::set_data(self.0, &json)
    }

    /// [`Conn::set_data`] with JSON text.
    pub fn set_data_raw(self, json: &str) -> Result<(), HostError> {
        sys::set_data(self.0, json)
    }

    /// This connection's data as `T`; `None` when none is set or it is not
    /// a `T`.
    pub fn data<T: DeserializeOwned>(self) -> Result<Option<T>, HostError> {
        let json = sys::data(self.0)?;
        Ok(serde_json::from_str::<Option<T>>(&json).ok().flatten())
    }

    /// This connection's data as JSON text (`null` when none is set).
    pub fn data_raw(self) -> Result<String, HostError> {
        sys::data(self.0)
    }

    /// The rooms this connection is in, sorted, the one named by its
    /// Socket.IO id included (Socket.IO's `socket.rooms`).
    pub fn rooms(self) -> Result<Vec<String>, HostError> {
        sys::rooms(self.0)
    }
}

/// The connections in `room` on this node, in ascending order.
pub fn room_conns(room: &str) -> Vec<Conn> {
    sys::room_conns(room).into_iter().map(Conn).collect()
}

/// How many connections `room` has on this node.
pub fn room_size(room: &str) -> u32 {
    sys::room_size(room)
}

impl fmt::Display for Conn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "conn {}", self.0)
    }
}

impl From<ConnId> for Conn {
    fn from(id: ConnId) -> Self {
        Conn(id)
    }
}

impl From<Conn> for ConnId {
    fn from(conn: Conn) -> Self {
        conn.0
    }
}

impl From<Conn> for Target {
    fn from(conn: Conn) -> Self {
        Target::Conn(conn.0)
    }
}

impl From<&Conn> for Target {
    fn from(conn: &Conn) -> Self {
        Target::Conn(conn.0)
    }
}

impl From<ConnId> for Target {
    fn from(conn: ConnId) -> Self {
        Target::Conn(conn)
    }
}

impl From<&Target> for Target {
    fn from(target: &Target) -> Self {
        target.clone()
    }
}

impl Target {
    /// [`Target::Room`]: every connection in `room`.
    pub fn room(room: impl Into<String>) -> Self {
        Target::Room(room.into())
    }

    /// [`Target::RoomExcept`]: every connection in `room` but `except`.
    pub fn room_except(room: impl Into<String>, except: impl Into<ConnId>) -> Self {
        Target::RoomExcept((room.into(), except.into()))
    }

    /// [`Target::AllExcept`]: every connection of the endpoint but `except`.
    pub fn all_except(except: impl Into<ConnId>) -> Self {
        Target::AllExcept(except.into())
    }
}

impl ConnInfo {
    /// The handle of this connection.
    pub fn conn(&self) -> Conn {
        Conn(self.id)
    }

    /// Whether this `on_connect` is a connection coming back through
    /// connection state recovery (`--recovery`): its client dropped for a
    /// moment and returned with the same id, rooms and data, and the events
    /// it missed were replayed. As Node's `socket.recovered`: the handler
    /// never heard it leave, so greet it again if you like, but do not
    /// count it as a new arrival.
    pub fn recovered(&self) -> bool {
        crate::__private::recovering() == Some(self.id)
    }

    /// The CONNECT payload deserialized as `T` (e.g. a struct or
    /// `serde_json::Value`); `None` when there was none or it is not a `T`.
    pub fn auth_as<T: DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_str(self.auth.as_deref()?).ok()
    }

    /// The first value of query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The first value of header `name` (compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// The pending acknowledgement of an event: the client called `emit` with a
/// callback and waits for the reply. Reply once (the methods consume it);
/// a client whose ack is never answered keeps waiting.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Ack {
    conn: ConnId,
    id: u64,
}

impl Ack {
    /// The ack `id` a client asked for on `conn`.
    pub fn new(conn: impl Into<ConnId>, id: u64) -> Self {
        Ack {
            conn: conn.into(),
            id,
        }
    }

    /// The connection waiting for the reply.
    pub fn conn(&self) -> Conn {
        Conn(self.conn)
    }

    /// The client's ack id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Replies with `args` (a tuple or array, see [`to_args_json`]), e.g.
    /// `ack.reply(&(json!({"ok": true}),))`.
    pub fn reply<A: Serialize + ?Sized>(self, args: &A) -> Result<(), HostError> {
        ack(self.conn, self.id, args)
    }

    /// Replies with `args` and binary attachments.
    pub fn reply_binary<A: Serialize + ?Sized>(
        self,
        args: &A,
        attachments: &[Vec<u8>],
    ) -> Result<(), HostError> {
        sys::ack(self.conn, self.id, &to_args_json(args)?, attachments)
    }

    /// Replies with a JSON array text as it is.
    pub fn reply_raw(self, args_json: &str, attachments: &[Vec<u8>]) -> Result<(), HostError> {
        sys::ack(self.conn, self.id, args_json, attachments)
    }
}

/// Emits `event` with `args` to `to` (a [`Target`] or a [`Conn`]).
///
/// `args` is serialized with serde and must be a JSON array: a tuple
/// (`&("hi", 3)`; one argument is `&("hi",)`), an array/`Vec`, or
/// `json!([...])`; `&()` sends no arguments. A lone value is **not** wrapped
/// into a one-element array for you: it fails with
/// [`HostError::InvalidJson`] (see [`to_args_json`]).
///
/// ```no_run
/// # use sio_guest::{emit, Target};
/// emit(Target::All, "score", &("alice", 3))?;
/// emit(Target::room("lobby"), "tick", &())?;
/// # Ok::<(), sio_guest::HostError>(())
/// ```
pub fn emit<A: Serialize + ?Sized>(
    to: impl Into<Target>,
    event: &str,
    args: &A,
) -> Result<(), HostError> {
    sys::emit(&to.into(), event, &to_args_json(args)?, &[])
}

/// Emits `event` with `args` referring to binary `attachments` through
/// [`Placeholder`](crate::Placeholder)s.
pub fn emit_binary<A: Serialize + ?Sized>(
    to: impl Into<Target>,
    event: &str,
    args: &A,
    attachments: &[Vec<u8>],
) -> Result<(), HostError> {
    sys::emit(&to.into(), event, &to_args_json(args)?, attachments)
}

/// Emits `event` with a JSON array text sent as it is (e.g. an
/// [`Args::raw`](crate::Args::raw) received earlier) and its attachments.
pub fn emit_raw(
    to: impl Into<Target>,
    event: &str,
    args_json: &str,
    attachments: &[Vec<u8>],
) -> Result<(), HostError> {
    sys::emit(&to.into(), event, args_json, attachments)
}

/// Emits `event` to every connection of the endpoint.
pub fn broadcast<A: Serialize + ?Sized>(event: &str, args: &A) -> Result<(), HostError> {
    emit(Target::All, event, args)
}

/// Emits `event` to every connection of the endpoint but `except` (usually
/// the sender).
pub fn broadcast_except<A: Serialize + ?Sized>(
    except: impl Into<ConnId>,
    event: &str,
    args: &A,
) -> Result<(), HostError> {
    emit(Target::AllExcept(except.into()), event, args)
}

/// Emits `event` to one connection and asks for an acknowledgement. Returns
/// the token that [`Handler::on_ack`](crate::Handler::on_ack) receives with
/// the client's reply, or with `None` after `timeout_ms` (0: no timeout).
pub fn emit_with_ack<A: Serialize + ?Sized>(
    to: impl Into<ConnId>,
    event: &str,
    args: &A,
    timeout_ms: u32,
) -> Result<u64, HostError> {
    sys::emit_with_ack(to.into(), event, &to_args_json(args)?, &[], timeout_ms)
}

/// [`emit_with_ack`] with a raw JSON array and attachments.
pub fn emit_with_ack_raw(
    to: impl Into<ConnId>,
    event: &str,
    args_json: &str,
    attachments: &[Vec<u8>],
    timeout_ms: u32,
) -> Result<u64, HostError> {
    sys::emit_with_ack(to.into(), event, args_json, attachments, timeout_ms)
}

/// Answers ack `ack_id` of `conn` with `args` (see [`emit`] for the shape).
/// [`Ack::reply`] is the same through the handle `on_event` receives.
pub fn ack<A: Serialize + ?Sized>(
    conn: impl Into<ConnId>,
    ack_id: u64,
    args: &A,
) -> Result<(), HostError> {
    sys::ack(conn.into(), ack_id, &to_args_json(args)?, &[])
}

/// Sends a plain message: a 0.9 message packet, or the event `message` with
/// `text` as its argument for newer clients.
pub fn send(to: impl Into<Target>, text: &str) -> Result<(), HostError> {
    sys::send(&to.into(), text)
}

/// Puts `conn` in `room`.
pub fn join(conn: impl Into<ConnId>, room: &str) -> Result<(), HostError> {
    sys::join(conn.into(), room)
}

/// Takes `conn` out of `room`.
pub fn leave(conn: impl Into<ConnId>, room: &str) -> Result<(), HostError> {
    sys::leave(conn.into(), room)
}

/// Disconnects `conn` from the endpoint (its `on_disconnect` follows).
pub fn disconnect(conn: impl Into<ConnId>) -> Result<(), HostError> {
    sys::disconnect(conn.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Protocol;

    fn info() -> ConnInfo {
        ConnInfo {
            id: 7,
            sid: "s".into(),
            endpoint: "/".into(),
            protocol: Protocol::Eio4,
            transport: "polling".into(),
            remote_addr: "127.0.0.1:1".into(),
            query: vec![("EIO".into(), "4".into()), ("t".into(), "x".into())],
            headers: vec![("user-agent".into(), "ua".into())],
            auth: Some(r#"{"token":"abc"}"#.into()),
        }
    }

    #[test]
    fn conn_info_helpers() {
        let info = info();
        assert_eq!(info.conn(), Conn::new(7));
        assert_eq!(info.query_param("EIO"), Some("4"));
        assert_eq!(info.query_param("nope"), None);
        assert_eq!(info.header("User-Agent"), Some("ua"));
        let auth: serde_json::Value = info.auth_as().unwrap();
        assert_eq!(auth["token"], "abc");
        assert_eq!(info.auth_as::<String>(), None);
        let none = ConnInfo { auth: None, ..info };
        assert_eq!(none.auth_as::<serde_json::Value>(), None);
    }

    #[test]
    fn targets() {
        let conn = Conn::new(3);
        assert_eq!(Target::from(conn), Target::Conn(3));
        assert_eq!(conn.others(), Target::AllExcept(3));
        assert_eq!(Target::room("r"), Target::Room("r".into()));
        assert_eq!(
            Target::room_except("r", conn),
            Target::RoomExcept(("r".into(), 3))
        );
        assert_eq!(Target::all_except(4u64), Target::AllExcept(4));
        assert_eq!(ConnId::from(conn), 3);
        assert_eq!(Target::from(5u64), Target::Conn(5));
        assert_eq!(conn.to_string(), "conn 3");
    }
}

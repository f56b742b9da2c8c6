//! One endpoint's live state: its connections, their rooms, pending acks in
//! both directions, and the host imports (`sio:realtime/host`) that a guest
//! calls to act on them.
//!
//! It lives inside the endpoint's `Store` and is touched only by the endpoint
//! actor's thread, so host calls need no locks. Everything a guest passes is
//! validated here; a bad value is an error result for the guest, never a
//! panic of the host.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use super::actor::Command;
use super::runtime::{GuestState, HostError, LogLevel, Target};
use crate::adapter::LocalAdapter;
use crate::protocol::socketio;
use crate::session::{ConnId, Frame, Generation, Session};
use crate::wire;

/// The longest room name a guest may use.
const MAX_ROOM_NAME: usize = 256;

/// One connection of this endpoint.
pub(crate) struct Socket {
    pub session: Arc<Session>,
    /// The Socket.IO id the client sees.
    pub sid: Arc<str>,
    /// Frames emitted while `on-connect` runs wait here until the CONNECT
    /// reply has gone out (or are dropped if the connect is refused).
    pub held: Option<Vec<Frame>>,
    pub rooms: HashSet<String>,
    /// Ack ids the client is waiting on.
    pub client_acks: HashSet<u64>,
    /// Tokens of our emit-with-ack calls awaiting the client.
    pub server_acks: HashSet<u64>,
}

impl Socket {
    pub fn new(session: Arc<Session>) -> Socket {
        Socket {
            session,
            sid: crate::server::random_id().into(),
            held: Some(Vec::new()),
            rooms: HashSet::new(),
            client_acks: HashSet::new(),
            server_acks: HashSet::new(),
        }
    }

    fn push(&mut self, frames: &[Frame]) {
        match &mut self.held {
            Some(held) => held.extend_from_slice(frames),
            None => {
                self.session.push(frames);
            }
        }
    }
}

/// Lazily encodes one packet per wire generation present among receivers.
struct Encoded<'a> {
    packet: &'a dyn Fn() -> String,
    attachments: &'a [Bytes],
    eio4: Option<Vec<Frame>>,
    eio3: Option<Vec<Frame>>,
}

impl Encoded<'_> {
    fn frames(&mut self, generation: Generation) -> &[Frame] {
        let slot = match generation {
            Generation::Eio4 => &mut self.eio4,
            Generation::Eio3 => &mut self.eio3,
        };
        slot.get_or_insert_with(|| {
            wire::message_frames(generation, (self.packet)(), self.attachments)
        })
    }
}

/// Handle to post commands to this endpoint's own queue from a timer.
#[derive(Clone)]
pub(crate) struct SelfQueue {
    pub tx: std::sync::mpsc::Sender<Command>,
    pub rt: tokio::runtime::Handle,
}

pub struct Namespace {
    pub name: Arc<str>,
    pub(crate) sockets: HashMap<ConnId, Socket>,
    rooms: LocalAdapter,
    next_token: u64,
    /// Connections the guest disconnected during the current call; the actor
    /// runs their `on-disconnect` once the call has returned.
    pub(crate) departed: Vec<(ConnId, &'static str)>,
    pub(crate) max_payload: usize,
    pub(crate) queue: Option<SelfQueue>,
    /// The server's counters, for the `sio:realtime/stats` import.
    pub(crate) server_stats: Option<Arc<crate::stats::Stats>>,
}

impl Namespace {
    pub fn new(name: Arc<str>, max_payload: usize) -> Namespace {
        Namespace {
            name,
            sockets: HashMap::new(),
            rooms: LocalAdapter::default(),
            next_token: 1,
            departed: Vec::new(),
            max_payload,
            queue: None,
            server_stats: None,
        }
    }

    /// Move everything out, leaving an empty namespace of the same name: used
    /// when the instance is rebuilt and the state moves to a new store.
    pub(crate) fn take(&mut self) -> Namespace {
        let empty = Namespace::new(self.name.clone(), self.max_payload);
        std::mem::replace(self, empty)
    }

    pub(crate) fn remove_socket(&mut self, conn: ConnId) -> Option<Socket> {
        let socket = self.sockets.remove(&conn)?;
        for room in &socket.rooms {
            self.rooms.leave(room, conn);
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
        self.check_len(args_json)?;
        let total: usize = attachments.iter().map(Vec::len).sum();
        if total > self.max_payload {
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

    fn socket_mut(&mut self, conn: ConnId) -> Result<&mut Socket, HostError> {
        self.sockets.get_mut(&conn).ok_or(HostError::UnknownConn)
    }

    /// Send one packet to every receiver of `to`, encoding it once per wire
    /// generation.
    fn deliver(&mut self, to: &Target, mut encoded: Encoded<'_>) -> Result<(), HostError> {
        let mut one = |socket: &mut Socket| {
            let frames = encoded.frames(socket.session.generation);
            socket.push(frames);
        };
        match to {
            Target::Conn(conn) => one(self.sockets.get_mut(conn).ok_or(HostError::UnknownConn)?),
            Target::Room(room) => {
                for conn in self.rooms.members(room) {
                    if let Some(s) = self.sockets.get_mut(&conn) {
                        one(s);
                    }
                }
            }
            Target::RoomExcept((room, except)) => {
                for conn in self.rooms.members(room) {
                    if conn != *except
                        && let Some(s) = self.sockets.get_mut(&conn)
                    {
                        one(s);
                    }
                }
            }
            Target::All => self.sockets.values_mut().for_each(one),
            Target::AllExcept(except) => self
                .sockets
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
        self.check_event(event, args_json, &attachments)?;
        let attachments: Vec<Bytes> = attachments.into_iter().map(Bytes::from).collect();
        let name = self.name.clone();
        let count = attachments.len();
        let packet = || socketio::encode_event(&name, event, args_json, count, id);
        self.deliver(
            to,
            Encoded {
                packet: &packet,
                attachments: &attachments,
                eio4: None,
                eio3: None,
            },
        )
    }
}

impl super::runtime::sio::realtime::types::Host for GuestState {}

impl super::runtime::sio::realtime::host::Host for GuestState {
    fn send(&mut self, to: Target, text: String) -> Result<(), HostError> {
        let args = serde_json::to_string(&[&text]).map_err(|_| HostError::InvalidJson)?;
        self.ns.emit_packet(&to, "message", &args, Vec::new(), None)
    }

    fn emit(
        &mut self,
        to: Target,
        event: String,
        args_json: String,
        attachments: Vec<Vec<u8>>,
    ) -> Result<(), HostError> {
        self.ns
            .emit_packet(&to, &event, &args_json, attachments, None)
    }

    fn emit_with_ack(
        &mut self,
        to: ConnId,
        event: String,
        args_json: String,
        attachments: Vec<Vec<u8>>,
        timeout_ms: u32,
    ) -> Result<u64, HostError> {
        let ns = &mut self.ns;
        ns.socket_mut(to)?;
        let token = ns.next_token;
        ns.emit_packet(
            &Target::Conn(to),
            &event,
            &args_json,
            attachments,
            Some(token),
        )?;
        ns.next_token += 1;
        ns.socket_mut(to)?.server_acks.insert(token);
        if timeout_ms > 0
            && let Some(q) = ns.queue.clone()
        {
            q.rt.spawn(async move {
                tokio::time::sleep(Duration::from_millis(timeout_ms.into())).await;
                let _ = q.tx.send(Command::AckTimeout { conn: to, token });
            });
        }
        Ok(token)
    }

    fn ack(
        &mut self,
        conn: ConnId,
        ack_id: u64,
        args_json: String,
        attachments: Vec<Vec<u8>>,
    ) -> Result<(), HostError> {
        let ns = &mut self.ns;
        ns.check_len(&args_json)?;
        socketio::args_inner(&args_json).map_err(|_| HostError::InvalidJson)?;
        let name = ns.name.clone();
        let socket = ns.socket_mut(conn)?;
        if !socket.client_acks.remove(&ack_id) {
            return Err(HostError::UnknownAck);
        }
        let attachments: Vec<Bytes> = attachments.into_iter().map(Bytes::from).collect();
        let packet = socketio::encode_ack(&name, ack_id, &args_json, attachments.len());
        let frames = wire::message_frames(socket.session.generation, packet, &attachments);
        socket.push(&frames);
        Ok(())
    }

    fn join(&mut self, conn: ConnId, room: String) -> Result<(), HostError> {
        Namespace::check_room(&room)?;
        let ns = &mut self.ns;
        ns.socket_mut(conn)?.rooms.insert(room.clone());
        ns.rooms.join(&room, conn);
        Ok(())
    }

    fn leave(&mut self, conn: ConnId, room: String) -> Result<(), HostError> {
        Namespace::check_room(&room)?;
        let ns = &mut self.ns;
        ns.socket_mut(conn)?.rooms.remove(&room);
        ns.rooms.leave(&room, conn);
        Ok(())
    }

    fn disconnect(&mut self, conn: ConnId) -> Result<(), HostError> {
        let ns = &mut self.ns;
        let mut socket = ns.remove_socket(conn).ok_or(HostError::UnknownConn)?;
        let packet = socketio::encode_disconnect(&ns.name);
        socket.push(&wire::message_frames(
            socket.session.generation,
            packet,
            &[],
        ));
        socket.session.socket_layer().forget(&ns.name, conn);
        ns.departed.push((conn, "server namespace disconnect"));
        Ok(())
    }

    fn log(&mut self, level: LogLevel, message: String) {
        let endpoint = &*self.ns.name;
        match level {
            LogLevel::Trace => tracing::trace!(endpoint, "{message}"),
            LogLevel::Debug => tracing::debug!(endpoint, "{message}"),
            LogLevel::Info => tracing::info!(endpoint, "{message}"),
            LogLevel::Warn => tracing::warn!(endpoint, "{message}"),
            LogLevel::Error => tracing::error!(endpoint, "{message}"),
        }
    }
}

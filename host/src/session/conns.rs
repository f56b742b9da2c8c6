//! The Socket.IO side of one session, its conns: which namespaces the
//! client joined (one conn each), binary packets waiting for their
//! attachments, and routing each decoded message to the endpoint actor
//! that serves its namespace.
//!
//! Messages for one session reach an actor in the order they arrived, which
//! is what keeps a connection's events in order through the handler.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;

use sio_protocol::socketio::Message;
use sio_protocol::{CloseReason, ConnId, Frame, Parser, Sid, sio1, wire};

use super::Session;
use crate::endpoint::{Command, EndpointHandle};

/// One namespace the client joined.
struct Joined {
    conn: ConnId,
    endpoint: EndpointHandle,
}

/// A binary event or ack whose attachments are still arriving.
struct PendingBinary {
    message: Message,
    expected: usize,
    received: Vec<Bytes>,
}

/// The namespaces joined, by name. A client joins one or a few, and every
/// idle connection holds this: a list sized to its entries costs a quarter
/// of a hash map's smallest table (bench/RESULTS.md "Fix 2").
#[derive(Default)]
struct JoinedList(Vec<(String, Joined)>);

impl JoinedList {
    fn get(&self, nsp: &str) -> Option<&Joined> {
        self.0.iter().find(|(n, _)| n == nsp).map(|(_, j)| j)
    }

    fn contains_key(&self, nsp: &str) -> bool {
        self.get(nsp).is_some()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Add a namespace not joined yet (the caller checks).
    fn insert(&mut self, nsp: String, joined: Joined) {
        self.0.reserve_exact(1);
        self.0.push((nsp, joined));
    }

    fn remove(&mut self, nsp: &str) -> Option<Joined> {
        let i = self.0.iter().position(|(n, _)| n == nsp)?;
        Some(self.0.remove(i).1)
    }
}

/// A session's conns (see the module doc).
#[derive(Default)]
pub(super) struct Conns {
    joined: JoinedList,
    /// Boxed: a `Message` is ~130 bytes that every session would carry
    /// for the rare packet whose attachments are on their way.
    pending: Option<Box<PendingBinary>>,
}

impl Conns {
    /// Whether the client is in at least one namespace (the connect
    /// timeout closes sessions that are not).
    pub fn has_joined(&self) -> bool {
        !self.joined.is_empty()
    }

    /// A text message from the client. Err closes the session.
    pub fn on_text(&mut self, session: &Arc<Session>, text: &str) -> Result<(), CloseReason> {
        if self.pending.is_some() {
            // Attachments must follow their header without anything between.
            return Err(CloseReason::ParseError);
        }
        let message = wire::decode_message(session.format, text).map_err(|e| {
            tracing::debug!(sid = %session.sid, error = %e, "undecodable socket.io packet");
            CloseReason::ParseError
        })?;
        self.on_message(session, message, Vec::new())
    }

    /// A protocol-1 packet from the client. Err closes the session.
    ///
    /// What has a place in the shared model goes through
    /// [`Conns::on_message`]; message and json packets go to the
    /// endpoint's `on-message`; packets with a plain id are acknowledged
    /// (`6::<endpoint>:<id>`) once handed on. Packets for an endpoint the
    /// client has not joined are dropped and logged, as TornadIO2 does (the
    /// reference server delivers them anyway).
    pub fn on_sio1_text(&mut self, session: &Arc<Session>, text: &str) -> Result<(), CloseReason> {
        let packet = match sio1::decode(text) {
            Ok(packet) => packet,
            Err(sio1::DecodeError::ReservedEvent(name)) => {
                // The reference drops these (`disconnect` is its blacklist).
                tracing::debug!(sid = %session.sid, event = %name, "reserved event name dropped");
                return Ok(());
            }
            Err(e) => {
                tracing::debug!(sid = %session.sid, error = %e, "undecodable protocol-1 packet");
                return Err(CloseReason::ParseError);
            }
        };
        match &packet {
            sio1::Packet::Heartbeat | sio1::Packet::Noop | sio1::Packet::Error { .. } => {
                return Ok(());
            }
            // `0::` ends the whole session; every endpoint hears it as the
            // client's own disconnect.
            sio1::Packet::Disconnect { nsp } if nsp == "/" => {
                std::mem::take(self).disconnect_all(&session.sid, "client namespace disconnect");
                return Err(CloseReason::ClientClose);
            }
            // The root endpoint is joined when the transport opens.
            sio1::Packet::Connect { nsp, .. } if nsp == "/" => return Ok(()),
            sio1::Packet::Connect { .. } | sio1::Packet::Disconnect { .. } => {}
            sio1::Packet::Message { nsp, .. }
            | sio1::Packet::Json { nsp, .. }
            | sio1::Packet::Event { nsp, .. }
            | sio1::Packet::Ack { nsp, .. } => {
                if !self.joined.contains_key(nsp) {
                    tracing::debug!(sid = %session.sid, nsp = %nsp, "packet for an endpoint not joined; dropped");
                    return Ok(());
                }
            }
        }
        let auto_ack = packet.auto_ack();
        match packet {
            sio1::Packet::Message { nsp, text, .. }
            | sio1::Packet::Json {
                nsp, json: text, ..
            } => {
                if let Some(j) = self.joined.get(&nsp) {
                    j.endpoint.send(Command::Message {
                        conn: j.conn,
                        text,
                        ticket: session.in_flight(),
                    });
                }
            }
            other => {
                if let Some(message) = other.to_message() {
                    self.on_message(session, message, Vec::new())?;
                }
            }
        }
        if let Some(ack) = auto_ack {
            session.push(&[Frame::text(ack)]);
        }
        Ok(())
    }

    /// A decoded packet in the shared model, with the attachments that
    /// came inside it (a msgpack client's). Err closes the session.
    fn on_message(
        &mut self,
        session: &Arc<Session>,
        message: Message,
        received: Vec<Bytes>,
    ) -> Result<(), CloseReason> {
        match message {
            Message::Connect { nsp, auth } => {
                self.connect(session, nsp, auth);
                Ok(())
            }
            Message::Disconnect { nsp } => {
                if let Some(j) = self.joined.remove(&nsp) {
                    j.endpoint.send(Command::Disconnect {
                        conn: j.conn,
                        session: session.sid.clone(),
                        reason: "client namespace disconnect".into(),
                    });
                }
                // The session stays open without namespaces, in both
                // generations (the v5 test suite expects the next ping; a
                // socket.io 2.x server keeps the connection too); the client
                // closes it when it is done.
                Ok(())
            }
            Message::Event {
                ref nsp,
                attachments,
                ..
            }
            | Message::Ack {
                ref nsp,
                attachments,
                ..
            } => {
                if !self.joined.contains_key(nsp) {
                    tracing::debug!(sid = %session.sid, nsp = %nsp, "packet for a namespace not joined");
                    return Err(CloseReason::ParseError);
                }
                if received.len() < attachments {
                    let mut received = received;
                    received.reserve_exact(attachments.min(16));
                    self.pending = Some(Box::new(PendingBinary {
                        message,
                        expected: attachments,
                        received,
                    }));
                    Ok(())
                } else {
                    self.dispatch(session, message, received)
                }
            }
        }
    }

    /// A binary message: the next attachment of the pending packet, or a
    /// msgpack client's packet.
    pub fn on_binary(&mut self, session: &Arc<Session>, data: Bytes) -> Result<(), CloseReason> {
        if session.format.parser() == Parser::Msgpack {
            let decoded = wire::decode_msgpack_message(&data).map_err(|e| {
                tracing::debug!(sid = %session.sid, error = %e, "undecodable msgpack packet");
                CloseReason::ParseError
            })?;
            return self.on_message(session, decoded.message, decoded.attachments);
        }
        let Some(pending) = self.pending.as_mut() else {
            tracing::debug!(sid = %session.sid, "binary message without a binary packet");
            return Err(CloseReason::ParseError);
        };
        pending.received.push(data);
        if pending.received.len() == pending.expected
            && let Some(done) = self.pending.take()
        {
            let PendingBinary {
                message, received, ..
            } = *done;
            return self.dispatch(session, message, received);
        }
        Ok(())
    }

    /// Join `/` without being asked (Engine.IO 3 clients expect it), when
    /// an endpoint serves `/`. Without one nothing is sent: a `4` for `/`
    /// would reach every namespace of a 2.x client as an error.
    /// Returns whether it did.
    pub fn connect_default(&mut self, session: &Arc<Session>) -> bool {
        let served = session.ctx.endpoints.serves("/");
        if served {
            self.connect(session, "/".to_owned(), None);
        }
        served
    }

    fn connect(&mut self, session: &Arc<Session>, nsp: String, auth: Option<String>) {
        if self.joined.contains_key(&nsp) {
            // Reconnecting to a namespace already joined: the reference
            // server ignores it, and so do we.
            return;
        }
        let ctx = &session.ctx;
        let conn = ctx.next_conn.fetch_add(1, Ordering::Relaxed);
        // The endpoint of a pattern's namespace may be started for this.
        let routed = ctx.endpoints.connect(&nsp, |endpoint| {
            self.joined.insert(
                nsp.clone(),
                Joined {
                    conn,
                    endpoint: endpoint.clone(),
                },
            );
            endpoint.send(Command::Connect {
                conn,
                outbox: session.clone(),
                auth,
            });
        });
        if !routed {
            session.push(&wire::connect_error_frames(
                session.format,
                &nsp,
                "Invalid namespace",
            ));
        }
    }

    fn dispatch(
        &mut self,
        session: &Arc<Session>,
        message: Message,
        attachments: Vec<Bytes>,
    ) -> Result<(), CloseReason> {
        match message {
            Message::Event {
                nsp,
                name,
                args,
                ack,
                ..
            } => {
                let j = self.joined.get(&nsp).ok_or(CloseReason::ParseError)?;
                j.endpoint.send(Command::Event {
                    conn: j.conn,
                    name,
                    args,
                    attachments,
                    ack,
                    ticket: session.in_flight(),
                });
            }
            Message::Ack { nsp, id, args, .. } => {
                let j = self.joined.get(&nsp).ok_or(CloseReason::ParseError)?;
                j.endpoint.send(Command::Ack {
                    conn: j.conn,
                    id,
                    args,
                    attachments,
                    ticket: session.in_flight(),
                });
            }
            Message::Connect { .. } | Message::Disconnect { .. } => {}
        }
        Ok(())
    }

    /// The endpoint refused or dropped this connection.
    pub fn forget(&mut self, nsp: &str, conn: ConnId) {
        if self.joined.get(nsp).is_some_and(|j| j.conn == conn) {
            self.joined.remove(nsp);
        }
    }

    /// The endpoint of `nsp` recovered an earlier connection, `to`, for
    /// the conn this session asked for, `from`.
    pub fn rejoin(&mut self, nsp: &str, from: ConnId, to: ConnId) {
        if let Some((_, j)) = self
            .joined
            .0
            .iter_mut()
            .find(|(n, j)| n == nsp && j.conn == from)
        {
            j.conn = to;
        }
    }

    /// The session ended: every endpoint hears it once.
    pub fn disconnect_all(self, session: &Sid, reason: &str) {
        for (_, j) in self.joined.0 {
            j.endpoint.send(Command::Disconnect {
                conn: j.conn,
                session: session.clone(),
                reason: reason.to_string(),
            });
        }
    }
}

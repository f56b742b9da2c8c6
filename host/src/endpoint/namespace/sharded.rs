//! The namespace's side of a sharded endpoint (`crate::endpoint::shard`):
//! what a guest does to a connection of another shard goes to that shard
//! (an emit, an emit-with-ack, a join, a leave, a disconnect), and what a
//! sibling hands this shard is done here without calling the guest, but
//! for the `on-ack` of an emit-with-ack this guest made (the actor calls
//! it). Broadcasts reach the siblings from `publish` and `emit_selected`;
//! requests and their answers go through `cluster.rs` as the cluster's do.
//!
//! A guest naming a connection that is on no shard gets `unknown-conn`, as
//! with one instance; the check reads the shared registry, so a connection
//! leaving at that moment on its shard may still take the call, which then
//! reaches nobody.

use bytes::Bytes;
use sio_protocol::ConnId;
use sio_protocol::redis_adapter::{Request, Target as Sockets};
use sio_protocol::{socketio, wire};

use super::cluster::RemoteAck;
use super::{Conn, Namespace};
use crate::endpoint::Command;
use crate::endpoint::bindings::HostError;
use crate::endpoint::observer::Observed;
use crate::endpoint::shard::{ShardLink, ShardMsg};

/// Emit-with-acks of other shards one connection may owe at once (as
/// broadcast acks from other nodes, `cluster.rs`).
const MAX_SHARD_ACKS: usize = 1_000;

impl Namespace {
    /// Whether `conn` is a connection of another shard (or of none): true
    /// only on a sharded endpoint, for a connection not here.
    pub(super) fn elsewhere(&self, conn: ConnId) -> bool {
        self.shards.is_some() && !self.conns.contains_key(&conn)
    }

    /// A connection's Socket.IO id, on this shard or another.
    pub(super) fn sid_anywhere(&self, conn: ConnId) -> Option<String> {
        if let Some(s) = self.conns.get(&conn) {
            return Some(s.sid.to_string());
        }
        let link = self.shards.as_ref()?;
        link.registry().sid(conn).map(|sid| sid.to_string())
    }

    /// The link, when `conn` is a live connection of another shard.
    fn owner_link(&self, conn: ConnId) -> Result<&ShardLink, HostError> {
        let link = self.shards.as_deref().ok_or(HostError::UnknownConn)?;
        if link.registry().sid(conn).is_none() {
            return Err(HostError::UnknownConn);
        }
        Ok(link)
    }

    /// `emit` (or `send`) to another shard's connection.
    pub(super) fn emit_elsewhere(
        &mut self,
        conn: ConnId,
        event: &str,
        args_json: &str,
        attachments: &[Bytes],
    ) -> Result<(), HostError> {
        let link = self.shards.as_deref().ok_or(HostError::UnknownConn)?;
        let sid = link.registry().sid(conn).ok_or(HostError::UnknownConn)?;
        link.deliver_to(conn, &sid, event, args_json, attachments);
        self.observe_event(|| Observed::EventOut {
            conn,
            name: event.to_owned(),
            args: args_json.to_owned(),
        });
        Ok(())
    }

    /// `emit-with-ack` to another shard's connection: that shard sends it
    /// with an ack id of its own and hands the answer back
    /// (`ShardMsg::Acked`); the timeout is this shard's, as its token.
    pub(super) fn emit_with_ack_elsewhere(
        &mut self,
        conn: ConnId,
        event: &str,
        args_json: &str,
        attachments: Vec<Vec<u8>>,
        timeout_ms: u32,
    ) -> Result<u64, HostError> {
        self.check_outbound()?;
        self.check_event(event, args_json, &attachments)?;
        let link = self.owner_link(conn)?;
        let token = self.next_token;
        link.send(
            link.owner(conn),
            ShardMsg::EmitWithAck {
                conn,
                from: link.index(),
                token,
                event: event.to_owned(),
                args_json: args_json.to_owned(),
                attachments: attachments.into_iter().map(Bytes::from).collect(),
            },
        );
        self.next_token += 1;
        self.shard_acks.insert(token, conn);
        self.sent_one();
        if timeout_ms > 0
            && let Some(q) = self.queue.clone()
        {
            q.rt.spawn(async move {
                tokio::time::sleep(std::time::Duration::from_millis(timeout_ms.into())).await;
                q.endpoint.send(Command::AckTimeout { conn, token });
            });
        }
        Ok(token)
    }

    /// `join` or `leave` of another shard's connection: done there, in
    /// order with what this shard hands it after (a request is a barrier
    /// there, `scheduler.rs`).
    pub(super) fn rooms_elsewhere(
        &mut self,
        conn: ConnId,
        join: bool,
        room: String,
    ) -> Result<(), HostError> {
        let link = self.shards.as_deref().ok_or(HostError::UnknownConn)?;
        let sid = link.registry().sid(conn).ok_or(HostError::UnknownConn)?;
        // Shown at once to this shard's `room-conns` and `rooms`; the
        // owner's own join confirms it (a refusal there is logged).
        if join {
            link.registry().join(conn, &room);
        } else {
            link.registry().leave(conn, &room);
        }
        let request = Request::Rooms {
            join,
            request_id: None,
            target: Sockets::Sid(sid.to_string()),
            rooms: vec![room],
        };
        link.request(link.owner(conn), request);
        Ok(())
    }

    /// `disconnect` of another shard's connection: its shard ends it and
    /// its guest hears `on-disconnect` (the guest that knew it).
    pub(super) fn disconnect_elsewhere(&mut self, conn: ConnId) -> Result<(), HostError> {
        let link = self.shards.as_deref().ok_or(HostError::UnknownConn)?;
        let sid = link.registry().sid(conn).ok_or(HostError::UnknownConn)?;
        let request = Request::Disconnect {
            request_id: None,
            target: Sockets::Sid(sid.to_string()),
            close: false,
        };
        link.request(link.owner(conn), request);
        Ok(())
    }

    /// Count a connection in or out of shard `index` (`/stats`).
    pub(super) fn count_on_shard(&self, index: usize, delta: i64) {
        let counter = self
            .endpoint_stats
            .as_ref()
            .and_then(|s| s.shard_conns.get());
        if let Some(n) = counter.and_then(|c| c.get(index)) {
            n.fetch_add(delta, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// A connection of this shard left: the other shards' emit-with-acks
    /// and broadcasts with acks it owed resolve empty there, as they would
    /// here.
    pub(super) fn shard_acks_gone(link: &ShardLink, conn: ConnId, socket: &Conn) {
        let Some(extra) = socket.extra.as_deref() else {
            return;
        };
        for waiting in extra.remote_acks.values() {
            match waiting {
                RemoteAck::Shard { shard, token } => link.send(
                    *shard,
                    ShardMsg::Acked {
                        conn,
                        token: *token,
                        answer: None,
                    },
                ),
                RemoteAck::Request { request_id, node } => link.send_to_node(
                    node,
                    ShardMsg::Answered {
                        request_id: request_id.clone(),
                        conn,
                        answer: None,
                    },
                ),
            }
        }
    }

    /// What a sibling shard handed this one (`Acked` aside: the actor
    /// calls the guest).
    pub(crate) fn on_shard(&mut self, msg: ShardMsg) {
        match msg {
            ShardMsg::Deliver {
                to,
                event,
                args_json,
                attachments,
                volatile,
            } => self.deliver_here(&to, &event, &args_json, &attachments, None, volatile),
            ShardMsg::EmitWithAck {
                conn,
                from,
                token,
                event,
                args_json,
                attachments,
            } => self.emit_for_shard(conn, from, token, &event, &args_json, &attachments),
            ShardMsg::Asked { request_id, conns } => self.collection_asked(&request_id, conns),
            ShardMsg::Answered {
                request_id,
                conn,
                answer,
            } => self.collection_answered(&request_id, conn, answer),
            ShardMsg::Acked { .. } => {}
        }
    }

    /// Another shard's `emit-with-ack` to `conn`, sent with an ack id of
    /// this shard's; the answer goes back in `remote_ack` (`cluster.rs`).
    fn emit_for_shard(
        &mut self,
        conn: ConnId,
        from: usize,
        token: u64,
        event: &str,
        args_json: &str,
        attachments: &[Bytes],
    ) {
        let name = self.name.clone();
        let id = self.next_token;
        let asked = match self.conns.get_mut(&conn) {
            Some(socket) if socket.remote_acks_waiting() < MAX_SHARD_ACKS => {
                let packet =
                    socketio::encode_event(&name, event, args_json, attachments.len(), Some(id));
                socket.push(&wire::message_frames(
                    socket.outbox.wire_format(),
                    packet,
                    attachments,
                ));
                socket
                    .extra()
                    .remote_acks
                    .insert(id, RemoteAck::Shard { shard: from, token });
                true
            }
            _ => false,
        };
        if asked {
            self.next_token += 1;
            self.observe_event(|| Observed::EventOut {
                conn,
                name: event.to_owned(),
                args: args_json.to_owned(),
            });
        } else if let Some(link) = &self.shards {
            // It left meanwhile (or owes too many): the emitter's guest
            // hears the empty answer it would have heard here.
            link.send(
                from,
                ShardMsg::Acked {
                    conn,
                    token,
                    answer: None,
                },
            );
        }
    }
}

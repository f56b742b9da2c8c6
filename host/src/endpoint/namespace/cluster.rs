//! The namespace's side of the Redis adapter (`crate::adapter::redis`): a
//! guest's broadcast is published for the other nodes after it reached the
//! local connections, and what other nodes send arrives here as an actor
//! command (`Command::Cluster`), on the thread that owns the rooms. Nothing
//! here calls the guest, except that a remote disconnect ends in its
//! `on-disconnect` as a local one does.
//!
//! The sibling shards of a sharded endpoint are served by the same
//! requests and answers, in process (`crate::endpoint::shard`).

use std::collections::HashSet;
use std::time::Duration;

use bytes::Bytes;
use serde_json::{Map, Value as Json, json};

use super::Namespace;
use super::broadcast::CollectionNews;
use crate::adapter::redis::{Inbound, Reply};
use crate::endpoint::Command;
use crate::endpoint::bindings::{HostError, HttpResponse, Reply as AnswerReply, Target};
use crate::endpoint::shard::ShardMsg;
use sio_protocol::redis_adapter::{self as codec, Broadcast, Request, Selector};
use sio_protocol::socketio;
use sio_protocol::wire;
use sio_protocol::{ConnId, Pairs};

/// Broadcast acks from other nodes one connection may owe at once; past it a
/// broadcast-with-ack still reaches the client, without asking for an ack
/// (and the client is not counted).
const MAX_REMOTE_ACKS: usize = 1_000;

/// Cluster queries one endpoint may have waiting at once.
const MAX_QUERIES: usize = 256;

/// A cluster query waiting for the other nodes' answers.
pub(crate) struct PendingQuery {
    /// The guest's token: its answer comes as `on-fetch(token, ..)`.
    token: u64,
    /// The sockets found so far (this node's first).
    sockets: Vec<Json>,
    /// How many other nodes received the request, once the publisher
    /// knows.
    expected: Option<usize>,
    /// How many answered.
    answered: usize,
}

/// Who is waiting for a client's answer to another instance's emit.
pub(crate) enum RemoteAck {
    /// Another node's (or sibling shard's) broadcast-with-ack.
    Request {
        request_id: String,
        /// The requesting node's uid (its response channel), or the
        /// shard's place.
        node: String,
    },
    /// A sibling shard's `emit-with-ack`: its token.
    Shard { shard: usize, token: u64 },
}

impl Namespace {
    /// Publish a guest's broadcast to the other nodes in the shape the Node
    /// adapter gives `io.to(room).except(id).emit(..)`. A message to one
    /// connection stays local.
    pub(super) fn publish(&self, to: &Target, event: &str, args_json: &str, attachments: &[Bytes]) {
        if let Target::Conn(_) = to {
            return;
        }
        if let Some(link) = &self.shards {
            link.deliver(&self.selector_of(to), event, args_json, attachments, false);
        }
        let Some(link) = &self.cluster else {
            return;
        };
        link.broadcast(event, args_json, attachments, &self.selector_of(to));
    }

    /// Act on what the cluster sent this endpoint.
    pub(crate) fn on_cluster(&mut self, inbound: Inbound) {
        match inbound {
            Inbound::Attach(link) => self.cluster = Some(*link),
            Inbound::Broadcast {
                broadcast: b,
                offset,
            } => {
                if self.accepts(&b) {
                    self.deliver_here(&b.to, &b.event, &b.args_json, &b.attachments, offset, false);
                }
            }
            Inbound::Request { from, request } => self.on_request(&from, request),
            Inbound::Published { request_id, nodes } => {
                if self.collection_news(&request_id, CollectionNews::Nodes(nodes)) {
                    return;
                }
                if let Some(q) = self.queries.get_mut(&request_id) {
                    q.expected = Some(nodes);
                }
                self.settle_query(&request_id);
            }
            Inbound::Sockets {
                request_id,
                sockets,
            } => {
                if let Some(q) = self.queries.get_mut(&request_id) {
                    q.sockets.extend(sockets);
                    q.answered += 1;
                }
                self.settle_query(&request_id);
            }
            Inbound::ClientCount { request_id, count } => {
                self.collection_news(&request_id, CollectionNews::ClientCount(count));
            }
            Inbound::BroadcastAck {
                request_id,
                args_json,
                attachments,
            } => {
                let reply = AnswerReply {
                    conn: None,
                    args_json,
                    attachments: attachments.iter().map(|a| a.to_vec()).collect(),
                };
                self.collection_news(&request_id, CollectionNews::Answer(reply));
            }
            Inbound::ServerSideEmitReply {
                request_id,
                args_json,
            } => {
                let reply = AnswerReply {
                    conn: None,
                    args_json,
                    attachments: Vec::new(),
                };
                self.collection_news(&request_id, CollectionNews::Answer(reply));
            }
            // The actor finishes a restore itself: it calls the guest.
            Inbound::Restored { .. } => {}
        }
    }

    /// The sockets `to` selects as `fetchSockets()` describes them:
    /// `{id, handshake, rooms, data}`.
    fn sockets_json(&self, to: &Selector) -> Vec<Json> {
        self.selected(to)
            .iter()
            .filter_map(|conn| self.conns.get(conn))
            .map(|s| {
                let pairs = |list: &Pairs| -> Map<String, Json> {
                    list.iter()
                        .map(|(k, v)| (k.to_owned(), Json::from(v)))
                        .collect()
                };
                json!({
                    "id": &*s.sid,
                    "handshake": {
                        "headers": pairs(&s.outbox.handshake().headers),
                        "query": pairs(&s.outbox.handshake().query),
                        "address": s.outbox.handshake().remote_addr.ip().to_string(),
                    },
                    "rooms": s.rooms.iter().collect::<Vec<_>>(),
                    // The handler's `conn-state` data; `{}` (a Node
                    // socket's default) when none is set.
                    "data": s
                        .data
                        .as_deref()
                        .and_then(|d| serde_json::from_str::<Json>(d).ok())
                        .unwrap_or_else(|| json!({})),
                })
            })
            .collect()
    }

    /// `async-host.cluster-sockets`: the sockets in `room` (all when None)
    /// on every node. This node's are known now; with `--redis` a
    /// `REMOTE_FETCH` asks the others (Node peers answer it too), and the
    /// answer completes once every node that received it answered, or at
    /// `timeout`. It reaches the guest as `on-fetch(token, ..)`: a 200
    /// response whose body is `{"sockets": [..], "nodes": n, "missing": m}`.
    pub(crate) fn cluster_sockets(
        &mut self,
        token: u64,
        room: Option<String>,
        timeout: Duration,
    ) -> Result<(), HostError> {
        if let Some(room) = &room {
            Namespace::check_room(room)?;
        }
        if self.queries.len() >= MAX_QUERIES {
            return Err(HostError::LimitExceeded);
        }
        let to = Selector {
            rooms: room.into_iter().collect(),
            except: Vec::new(),
        };
        let sockets = self.sockets_json(&to);
        let request_id = sio_protocol::ids::random_id();
        // Sibling shards answer as other nodes do; they are this node.
        let expected = match (&self.cluster, &self.shards) {
            (Some(link), _) => {
                link.fetch_sockets(&request_id, &to.rooms);
                None
            }
            (None, Some(link)) => Some(link.request_siblings(&Request::Fetch {
                request_id: request_id.clone(),
                to,
            })),
            (None, None) => {
                self.answer_query(token, sockets, 1, Some(0));
                return Ok(());
            }
        };
        if let Some(queue) = &self.queue {
            let endpoint = queue.endpoint.clone();
            let id = request_id.clone();
            queue.rt.spawn(async move {
                tokio::time::sleep(timeout).await;
                endpoint.send(Command::QueryDue { request_id: id });
            });
        }
        self.queries.insert(
            request_id,
            PendingQuery {
                token,
                sockets,
                expected,
                answered: 0,
            },
        );
        Ok(())
    }

    /// A cluster query's time is up: answer with what came.
    pub(crate) fn query_due(&mut self, request_id: &str) {
        if let Some(q) = self.queries.remove(request_id) {
            let missing = q.expected.map(|e| e.saturating_sub(q.answered));
            let nodes = self.nodes_answered(q.answered);
            self.answer_query(q.token, q.sockets, nodes, missing);
        }
    }

    /// Answer the query when every node that received it has answered.
    fn settle_query(&mut self, request_id: &str) {
        let done = self
            .queries
            .get(request_id)
            .is_some_and(|q| q.expected.is_some_and(|e| q.answered >= e));
        if done && let Some(q) = self.queries.remove(request_id) {
            let nodes = self.nodes_answered(q.answered);
            self.answer_query(q.token, q.sockets, nodes, Some(0));
        }
    }

    /// The nodes a query's answer counts when `answered` others answered:
    /// sibling shards are this node.
    fn nodes_answered(&self, answered: usize) -> usize {
        if self.shards.is_some() {
            1
        } else {
            answered + 1
        }
    }

    /// Post the guest's `on-fetch(token, ..)` with the query's answer.
    fn answer_query(&self, token: u64, sockets: Vec<Json>, nodes: usize, missing: Option<usize>) {
        let body = json!({ "sockets": sockets, "nodes": nodes, "missing": missing });
        let response = HttpResponse {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        };
        if let Some(queue) = &self.queue {
            queue
                .endpoint
                .send(Command::QueryAnswered { token, response });
        }
    }

    /// Whether a broadcast from another node is one to deliver here.
    fn accepts(&self, b: &Broadcast) -> bool {
        if *b.nsp != *self.name {
            tracing::debug!(endpoint = %self.name, nsp = %b.nsp, "redis adapter: broadcast for another namespace");
            false
        } else if b.event.is_empty() || socketio::is_reserved_event(&b.event) {
            tracing::warn!(endpoint = %self.name, event = %b.event, "redis adapter: ignoring a broadcast of a reserved event");
            false
        } else if b.args_json.len() > self.max_payload
            || b.attachments.iter().map(Bytes::len).sum::<usize>() > self.max_payload
        {
            // The limit a guest's own emit has (`check_args`).
            tracing::warn!(endpoint = %self.name, event = %b.event, "redis adapter: ignoring a broadcast over --max-payload");
            false
        } else {
            true
        }
    }

    /// Local connections in any of `to.rooms` (every one when empty) and in
    /// none of `to.except`, each once.
    pub(super) fn selected(&self, to: &Selector) -> Vec<ConnId> {
        let excluded: HashSet<ConnId> = to
            .except
            .iter()
            .flat_map(|room| self.rooms.members(room))
            .collect();
        if to.rooms.is_empty() {
            return self
                .conns
                .keys()
                .copied()
                .filter(|conn| !excluded.contains(conn))
                .collect();
        }
        let mut seen = HashSet::new();
        to.rooms
            .iter()
            .flat_map(|room| self.rooms.members(room))
            .filter(|conn| !excluded.contains(conn) && seen.insert(*conn))
            .collect()
    }

    fn targets(&self, target: &codec::Target) -> Vec<ConnId> {
        match target {
            codec::Target::Sid(sid) => self.rooms.members(sid).collect(),
            codec::Target::Selected(to) => self.selected(to),
        }
    }

    /// Answer request `request_id` of `node`.
    fn respond(&self, node: &str, request_id: &str, reply: Reply) {
        if let Some(link) = &self.cluster {
            link.reply(node, request_id, reply);
        } else if let Some(link) = &self.shards {
            link.reply(node, request_id, reply);
        }
    }

    fn on_request(&mut self, from: &str, request: Request) {
        match request {
            Request::Sockets { request_id, rooms } => {
                let to = Selector {
                    rooms,
                    except: Vec::new(),
                };
                let sids: Vec<Json> = self
                    .selected(&to)
                    .iter()
                    .filter_map(|conn| self.conns.get(conn))
                    .map(|s| Json::from(&*s.sid))
                    .collect();
                self.respond(from, &request_id, Reply::SocketIds(sids));
            }
            Request::AllRooms { request_id } => {
                let rooms: Vec<Json> = self.rooms.names().map(Json::from).collect();
                self.respond(from, &request_id, Reply::AllRooms(rooms));
            }
            Request::Rooms {
                join,
                request_id,
                target,
                rooms,
            } => {
                let conns = self.targets(&target);
                for &conn in &conns {
                    for room in &rooms {
                        let done = if join {
                            self.join(conn, room.clone())
                        } else {
                            self.leave(conn, room.clone())
                        };
                        if let Err(e) = done {
                            tracing::debug!(endpoint = %self.name, conn, room = %room, "redis adapter: remote join/leave refused: {e:?}");
                        }
                    }
                }
                self.acknowledge(from, request_id, &target, &conns);
            }
            Request::Disconnect {
                request_id, target, ..
            } => {
                // `close` would end the whole session; only the namespace's
                // connection is ended (docs/scale-out.md).
                let conns = self.targets(&target);
                for &conn in &conns {
                    let _ = self.disconnect(conn);
                }
                self.acknowledge(from, request_id, &target, &conns);
            }
            Request::Fetch { request_id, to } => {
                let sockets = self.sockets_json(&to);
                self.respond(from, &request_id, Reply::Sockets(sockets));
            }
            Request::BroadcastWithAck {
                request_id,
                broadcast,
            } => self.broadcast_with_ack(from, request_id, &broadcast),
            // The actor hands it to the guest (`actor.rs`, `server_event`).
            Request::ServerSideEmit { .. } => {}
            Request::Ignored { kind } => {
                tracing::debug!(endpoint = %self.name, kind, "redis adapter: request type not served by sio-host");
            }
        }
    }

    /// A join/leave/disconnect aimed at one connection (by its sid) is
    /// answered once the connection was found here (the Node adapter answers
    /// the same way).
    fn acknowledge(
        &self,
        from: &str,
        id: Option<String>,
        target: &codec::Target,
        conns: &[ConnId],
    ) {
        if let (Some(id), codec::Target::Sid(_), false) = (id, target, conns.is_empty()) {
            self.respond(from, &id, Reply::Done);
        }
    }

    /// Send the event to each selected client with an ack id of its own,
    /// tell the requester how many answers to expect, and relay each answer
    /// as it comes (`remote_ack`).
    fn broadcast_with_ack(&mut self, from: &str, request_id: String, b: &Broadcast) {
        if !self.accepts(b) {
            return;
        }
        let name = self.name.clone();
        let count = b.attachments.len();
        let mut asked = Vec::new();
        for conn in self.selected(&b.to) {
            let token = self.next_token;
            let Some(socket) = self.conns.get_mut(&conn) else {
                continue;
            };
            let id = (socket.remote_acks_waiting() < MAX_REMOTE_ACKS).then_some(token);
            let packet = socketio::encode_event(&name, &b.event, &b.args_json, count, id);
            socket.push(&wire::message_frames(
                socket.outbox.wire_format(),
                packet,
                &b.attachments,
            ));
            if id.is_some() {
                socket.extra().remote_acks.insert(
                    token,
                    RemoteAck::Request {
                        request_id: request_id.clone(),
                        node: from.to_string(),
                    },
                );
                self.next_token += 1;
                asked.push(conn);
            }
        }
        match &self.shards {
            // A sibling shard waits for these connections by id.
            Some(link) => link.send_to_node(
                from,
                ShardMsg::Asked {
                    request_id,
                    conns: asked,
                },
            ),
            None => self.respond(from, &request_id, Reply::ClientCount(asked.len())),
        }
    }

    /// A client's ack for another node's broadcast, or for a sibling
    /// shard's emit: relay it. False when the id is not one of those.
    pub(crate) fn remote_ack(
        &mut self,
        conn: ConnId,
        id: u64,
        args_json: &str,
        attachments: &[Bytes],
    ) -> bool {
        let Some(waiting) = self
            .conns
            .get_mut(&conn)
            .and_then(|s| s.existing_extra()?.remote_acks.remove(&id))
        else {
            return false;
        };
        let answer = || Some((args_json.to_owned(), attachments.to_vec()));
        match (waiting, &self.shards) {
            (RemoteAck::Request { request_id, node }, None) => self.respond(
                &node,
                &request_id,
                Reply::Ack {
                    args_json: args_json.to_string(),
                    attachments: attachments.to_vec(),
                },
            ),
            // A sibling shard's collection: the answer by connection.
            (RemoteAck::Request { request_id, node }, Some(link)) => link.send_to_node(
                &node,
                ShardMsg::Answered {
                    request_id,
                    conn,
                    answer: answer(),
                },
            ),
            (RemoteAck::Shard { shard, token }, Some(link)) => link.send(
                shard,
                ShardMsg::Acked {
                    conn,
                    token,
                    answer: answer(),
                },
            ),
            (RemoteAck::Shard { .. }, None) => {}
        }
        true
    }
}

//! The work of the `sio:realtime/broadcast` imports: Socket.IO's broadcast
//! operator (several rooms, exceptions, `local`, `volatile`), broadcasts
//! that collect every client's ack, and server events between nodes
//! (`serverSideEmit`). Their adapter is `imports/broadcast.rs`.
//!
//! A guest's selector becomes the cluster's [`Selector`] (a connection is
//! the room named by its Socket.IO id), so one selection, `selected`,
//! serves local delivery, and the same selector is what other nodes get.
//!
//! A broadcast with acks sends every receiver the same packet with one ack
//! id (ack ids are per connection, so one encoding per generation still
//! serves them all) and opens a [`Collection`] under that id, which is
//! also the guest's token. The collection closes when every asked client
//! here has answered or left and every other node has said how many it
//! asked and those answered, or at the timeout; then the actor hands the
//! guest `on-replies` (`Command::RepliesReady`).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::{Encoded, Namespace};
use crate::endpoint::Command;
use crate::endpoint::actor::ForeignEmit;
use crate::endpoint::bindings::{BroadcastSelector, EmitFlags, HostError, Replies, Reply};
use sio_protocol::ConnId;
use sio_protocol::redis_adapter::{Broadcast, Request, Selector};

/// Broadcasts with acks and server emits with acks one endpoint may have
/// open at once: each holds replies in host memory until it closes.
const MAX_COLLECTIONS: usize = 1_024;
/// Replies one collection keeps; later ones are counted as not answered.
const MAX_REPLIES: usize = 100_000;
/// The timeout when the guest passes 0, as `cluster-sockets` has.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Server events from other nodes awaiting the guest's answer at once.
const MAX_SERVER_REPLIES: usize = 1_024;
/// How long a server event's answer is awaited: past it the sender (Node's
/// default: 5 s) has given up, and the entry makes room for others.
const SERVER_REPLY_TTL: Duration = Duration::from_secs(60);

/// What the namespace keeps for broadcasts with acks and server events.
#[derive(Default)]
pub(crate) struct Broadcasts {
    /// Open collections by token (= the ack id their clients answer).
    collections: HashMap<u64, Collection>,
    /// The cluster request id of each open collection that has one.
    by_request: HashMap<String, u64>,
    /// Other nodes' server events awaiting the guest's `server-ack`: the
    /// reply id handed to the guest → (node, request id, when it came).
    server_replies: HashMap<u64, (String, String, Instant)>,
}

/// One broadcast with acks, or one server emit with acks, collecting.
struct Collection {
    /// This node's connections asked that have not answered.
    waiting: HashSet<ConnId>,
    /// Those that left before answering.
    left: Vec<ConnId>,
    replies: Vec<Reply>,
    /// The request's id in the cluster, when other nodes were asked.
    request_id: Option<String>,
    /// How many other nodes received the request, once known.
    nodes: Option<usize>,
    /// Broadcast: how many nodes said how many clients they asked.
    nodes_counted: usize,
    /// Broadcast: how many clients of other nodes were asked.
    remote_asked: usize,
    /// Answers from other nodes (their clients', or the nodes' own).
    remote_answered: usize,
    /// A server emit: the nodes answer, not clients.
    server: bool,
}

impl Collection {
    fn new(waiting: HashSet<ConnId>, request_id: Option<String>, server: bool) -> Collection {
        Collection {
            waiting,
            left: Vec::new(),
            replies: Vec::new(),
            request_id,
            nodes: None,
            nodes_counted: 0,
            remote_asked: 0,
            remote_answered: 0,
            server,
        }
    }

    /// Everyone asked has answered (or left).
    fn complete(&self) -> bool {
        if !self.waiting.is_empty() {
            return false;
        }
        if self.request_id.is_none() {
            return true;
        }
        match (self.nodes, self.server) {
            (None, _) => false,
            (Some(n), true) => self.remote_answered >= n,
            (Some(n), false) => {
                self.nodes_counted >= n && self.remote_answered >= self.remote_asked
            }
        }
    }

    fn push(&mut self, reply: Reply) {
        if self.replies.len() < MAX_REPLIES {
            self.replies.push(reply);
        }
    }

    /// What the guest is told, complete or not.
    fn into_replies(self) -> Replies {
        let mut silent: Vec<ConnId> = self.left.into_iter().chain(self.waiting).collect();
        silent.sort_unstable();
        let missing = if self.server {
            self.nodes.unwrap_or(0).saturating_sub(self.remote_answered)
        } else {
            self.remote_asked.saturating_sub(self.remote_answered)
        };
        Replies {
            replies: self.replies,
            silent,
            missing: u32::try_from(missing).unwrap_or(u32::MAX),
        }
    }
}

impl Namespace {
    /// The cluster's selector for a guest's: its connections by their
    /// Socket.IO ids (unknown ones left out). None when it names
    /// connections only and none of them is here: it reaches nobody
    /// (an empty selector would mean everyone).
    fn cluster_selector(&self, to: &BroadcastSelector) -> Result<Option<Selector>, HostError> {
        for room in to.rooms.iter().chain(&to.except_rooms) {
            Namespace::check_room(room)?;
        }
        let sids = |conns: &[ConnId]| -> Vec<String> {
            conns.iter().filter_map(|c| self.sid_anywhere(*c)).collect()
        };
        let mut rooms = to.rooms.clone();
        let conns = sids(&to.conns);
        if rooms.is_empty() && !to.conns.is_empty() && conns.is_empty() {
            return Ok(None);
        }
        rooms.extend(conns);
        let mut except = to.except_rooms.clone();
        except.extend(sids(&to.except_conns));
        Ok(Some(Selector { rooms, except }))
    }

    /// `broadcast.emit` to this endpoint: the event to every connection
    /// `to` selects, published to the cluster unless `local`; `volatile`
    /// packets are dropped for connections that cannot take them now, and
    /// never replayed.
    pub(crate) fn broadcast_emit(
        &mut self,
        to: &BroadcastSelector,
        flags: EmitFlags,
        event: &str,
        args_json: &str,
        attachments: Vec<Vec<u8>>,
    ) -> Result<(), HostError> {
        self.check_outbound()?;
        self.check_event(event, args_json, &attachments)?;
        let Some(selector) = self.cluster_selector(to)? else {
            self.sent_one();
            return Ok(());
        };
        let attachments: Vec<Bytes> = attachments.into_iter().map(Bytes::from).collect();
        self.emit_selected(&selector, flags, event, args_json, &attachments);
        self.sent_one();
        Ok(())
    }

    /// Deliver an event to the connections `selector` picks here, and
    /// publish it to the cluster unless `local`. Also what another
    /// endpoint's `broadcast.emit(endpoint: this)` runs here.
    pub(crate) fn emit_selected(
        &mut self,
        selector: &Selector,
        flags: EmitFlags,
        event: &str,
        args_json: &str,
        attachments: &[Bytes],
    ) {
        let local = flags.contains(EmitFlags::LOCAL);
        let volatile = flags.contains(EmitFlags::VOLATILE);
        // With the streams adapter and recovery, a replayable event reaches
        // this node's clients by way of the stream (see `emit_packet`).
        if let (Some(link), false, false) = (self.stream_link(), local, volatile) {
            link.broadcast(event, args_json, attachments, selector);
            return;
        }
        self.deliver_here(selector, event, args_json, attachments, None, volatile);
        // Sibling shards are this node: `local` does not keep it from them.
        if let Some(link) = &self.shards {
            link.deliver(selector, event, args_json, attachments, volatile);
        }
        if !local && let Some(link) = &self.cluster {
            link.broadcast(event, args_json, attachments, selector);
        }
    }

    /// Deliver an event to the connections `selector` picks here, without
    /// calling the guest: the local part of a broadcast, whoever sent it
    /// (this guest, another node, a sibling shard). `offset`: its place in
    /// the cluster's stream, when it has one.
    pub(super) fn deliver_here(
        &mut self,
        selector: &Selector,
        event: &str,
        args_json: &str,
        attachments: &[Bytes],
        offset: Option<sio_protocol::recovery::Offset>,
        volatile: bool,
    ) {
        let conns = self.selected(selector);
        let _ = self.send_event(
            event,
            args_json,
            attachments,
            None,
            offset,
            volatile,
            |_| selector.clone(),
            |ns, encoded: &mut Encoded<'_>| {
                ns.send_to_each(encoded, conns, |_| {});
                Ok(())
            },
        );
    }

    /// The checks and the allowance of an emit to another endpoint, made
    /// by the calling one (the receiving one checks its own room names).
    pub(crate) fn check_foreign_emit(
        &mut self,
        event: &str,
        args_json: &str,
        attachments: &[Vec<u8>],
    ) -> Result<(), HostError> {
        self.check_outbound()?;
        self.check_event(event, args_json, attachments)?;
        self.sent_one();
        Ok(())
    }

    /// Another endpoint's emit to this one.
    pub(crate) fn foreign_emit(&mut self, emit: &ForeignEmit) {
        match self.cluster_selector(&emit.to) {
            Ok(Some(selector)) => self.emit_selected(
                &selector,
                emit.flags,
                &emit.event,
                &emit.args_json,
                &emit.attachments,
            ),
            Ok(None) => {}
            Err(e) => {
                tracing::debug!(endpoint = %self.name, "an emit from another endpoint was refused: {e:?}")
            }
        }
    }

    /// `broadcast.emit-with-ack`: the event to every selected connection
    /// here and, unless `local`, on the other nodes, one ack id for all;
    /// the guest's token is that id.
    pub(crate) fn broadcast_emit_with_ack(
        &mut self,
        to: &BroadcastSelector,
        flags: EmitFlags,
        event: &str,
        args_json: &str,
        attachments: Vec<Vec<u8>>,
        timeout_ms: u32,
    ) -> Result<u64, HostError> {
        self.check_outbound()?;
        self.check_event(event, args_json, &attachments)?;
        if self.broadcasts.collections.len() >= MAX_COLLECTIONS {
            return Err(HostError::LimitExceeded);
        }
        let selector = self.cluster_selector(to)?;
        let token = self.next_token;
        self.next_token += 1;
        let attachments: Vec<Bytes> = attachments.into_iter().map(Bytes::from).collect();
        let volatile = flags.contains(EmitFlags::VOLATILE);
        let mut waiting = HashSet::new();
        if let Some(selector) = &selector {
            let conns = self.selected(selector);
            let _ = self.send_event(
                event,
                args_json,
                &attachments,
                Some(token),
                None,
                volatile,
                |_| selector.clone(),
                |ns, encoded| {
                    ns.send_to_each(encoded, conns, |conn| {
                        waiting.insert(conn);
                    });
                    Ok(())
                },
            );
        }
        let mut nodes = None;
        let request_id = match (&self.cluster, &selector, flags.contains(EmitFlags::LOCAL)) {
            (Some(link), Some(selector), false) => {
                let id = sio_protocol::ids::random_id();
                link.broadcast_with_ack(&id, event, args_json, &attachments, selector);
                Some(id)
            }
            _ => match (&self.shards, &selector) {
                // Sibling shards (this node: `local` or not) are asked as
                // other nodes are; how many is known now.
                (Some(link), Some(selector)) => {
                    let id = sio_protocol::ids::random_id();
                    let request = Request::BroadcastWithAck {
                        request_id: id.clone(),
                        broadcast: Broadcast {
                            uid: String::new(),
                            nsp: self.name.to_string(),
                            event: event.to_owned(),
                            args_json: args_json.to_owned(),
                            attachments: attachments.clone(),
                            to: selector.clone(),
                            local: true,
                        },
                    };
                    nodes = Some(link.request_siblings(&request));
                    Some(id)
                }
                _ => None,
            },
        };
        let mut collection = Collection::new(waiting, request_id, false);
        collection.nodes = nodes;
        self.open_collection(token, collection, timeout_ms);
        self.sent_one();
        Ok(token)
    }

    /// `broadcast.server-emit`: the event for this endpoint on every other
    /// node; nothing without a cluster.
    pub(crate) fn server_emit(&mut self, event: &str, args_json: &str) -> Result<(), HostError> {
        self.check_outbound()?;
        self.check_event(event, args_json, &[])?;
        if let Some(link) = &self.cluster {
            link.server_side_emit(event, args_json, None);
        }
        self.sent_one();
        Ok(())
    }

    /// `broadcast.server-emit-with-ack`: as `server_emit`, each node asked
    /// for an answer; complete at once without a cluster.
    pub(crate) fn server_emit_with_ack(
        &mut self,
        event: &str,
        args_json: &str,
        timeout_ms: u32,
    ) -> Result<u64, HostError> {
        self.check_outbound()?;
        self.check_event(event, args_json, &[])?;
        if self.broadcasts.collections.len() >= MAX_COLLECTIONS {
            return Err(HostError::LimitExceeded);
        }
        let token = self.next_token;
        self.next_token += 1;
        let request_id = self.cluster.as_ref().map(|link| {
            let id = sio_protocol::ids::random_id();
            link.server_side_emit(event, args_json, Some(&id));
            id
        });
        self.open_collection(
            token,
            Collection::new(HashSet::new(), request_id, true),
            timeout_ms,
        );
        self.sent_one();
        Ok(token)
    }

    /// `broadcast.server-ack`: the guest's answer to another node's server
    /// event.
    pub(crate) fn server_ack(&mut self, reply: u64, args_json: &str) -> Result<(), HostError> {
        self.check_args(args_json, &[])?;
        let Some((node, request_id, _)) = self.broadcasts.server_replies.remove(&reply) else {
            return Err(HostError::UnknownAck);
        };
        if let Some(link) = &self.cluster {
            link.reply(
                &node,
                &request_id,
                crate::adapter::redis::Reply::ServerSideEmit {
                    args_json: args_json.to_owned(),
                },
            );
        }
        Ok(())
    }

    /// Another node's server event: the reply id the guest answers with,
    /// when the sender waits for one (None past the cap: it times out
    /// there).
    pub(crate) fn server_event_reply(&mut self, node: &str, request_id: String) -> Option<u64> {
        let replies = &mut self.broadcasts.server_replies;
        if replies.len() >= MAX_SERVER_REPLIES {
            replies.retain(|_, (_, _, at)| at.elapsed() < SERVER_REPLY_TTL);
        }
        if replies.len() >= MAX_SERVER_REPLIES {
            tracing::warn!(endpoint = %self.name, "too many server events awaiting an answer; this one will time out");
            return None;
        }
        let id = self.next_token;
        self.next_token += 1;
        self.broadcasts
            .server_replies
            .insert(id, (node.to_owned(), request_id, Instant::now()));
        Some(id)
    }

    /// Register a collection, arm its timeout, and close it at once when
    /// nobody is to answer.
    fn open_collection(&mut self, token: u64, collection: Collection, timeout_ms: u32) {
        if let Some(id) = &collection.request_id {
            self.broadcasts.by_request.insert(id.clone(), token);
        }
        self.broadcasts.collections.insert(token, collection);
        let timeout = match timeout_ms {
            0 => DEFAULT_TIMEOUT,
            ms => Duration::from_millis(ms.into()),
        };
        if let Some(q) = self.queue.clone() {
            q.rt.spawn(async move {
                tokio::time::sleep(timeout).await;
                q.endpoint.send(Command::RepliesDue { token });
            });
        }
        self.settle_collection(token);
    }

    /// A client's answer to a broadcast with acks: recorded. False when `id`
    /// is no open collection that asked this connection.
    pub(crate) fn broadcast_ack(
        &mut self,
        conn: ConnId,
        id: u64,
        args_json: &str,
        attachments: &[Bytes],
    ) -> bool {
        let Some(c) = self.broadcasts.collections.get_mut(&id) else {
            return false;
        };
        if !c.waiting.remove(&conn) {
            return false;
        }
        c.push(Reply {
            conn: Some(conn),
            args_json: args_json.to_owned(),
            attachments: attachments.iter().map(|a| a.to_vec()).collect(),
        });
        self.settle_collection(id);
        true
    }

    /// A connection left: it will not answer.
    pub(super) fn collections_forget(&mut self, conn: ConnId) {
        if self.broadcasts.collections.is_empty() {
            return;
        }
        let mut settled = Vec::new();
        for (token, c) in &mut self.broadcasts.collections {
            if c.waiting.remove(&conn) {
                c.left.push(conn);
                settled.push(*token);
            }
        }
        for token in settled {
            self.settle_collection(token);
        }
    }

    /// What another node said about one of this node's requests.
    pub(super) fn collection_news(&mut self, request_id: &str, news: CollectionNews) -> bool {
        let Some(&token) = self.broadcasts.by_request.get(request_id) else {
            return false;
        };
        let Some(c) = self.broadcasts.collections.get_mut(&token) else {
            return false;
        };
        match news {
            CollectionNews::Nodes(n) => c.nodes = Some(n),
            CollectionNews::ClientCount(n) => {
                c.nodes_counted += 1;
                c.remote_asked = c.remote_asked.saturating_add(n);
            }
            CollectionNews::Answer(reply) => {
                c.remote_answered = c.remote_answered.saturating_add(1);
                c.push(reply);
            }
        }
        self.settle_collection(token);
        true
    }

    /// A sibling shard asked these of its connections for collection
    /// `request_id`: they are waited for as this shard's are.
    pub(super) fn collection_asked(&mut self, request_id: &str, conns: Vec<ConnId>) {
        let Some(&token) = self.broadcasts.by_request.get(request_id) else {
            return;
        };
        let Some(c) = self.broadcasts.collections.get_mut(&token) else {
            return;
        };
        c.nodes_counted += 1;
        c.waiting.extend(conns);
        self.settle_collection(token);
    }

    /// A sibling shard's connection answered collection `request_id`
    /// (None: it left first).
    pub(super) fn collection_answered(
        &mut self,
        request_id: &str,
        conn: ConnId,
        answer: Option<(String, Vec<Bytes>)>,
    ) {
        let Some(&token) = self.broadcasts.by_request.get(request_id) else {
            return;
        };
        let Some(c) = self.broadcasts.collections.get_mut(&token) else {
            return;
        };
        if !c.waiting.remove(&conn) {
            return;
        }
        match answer {
            Some((args_json, attachments)) => c.push(Reply {
                conn: Some(conn),
                args_json,
                attachments: attachments.iter().map(|a| a.to_vec()).collect(),
            }),
            None => c.left.push(conn),
        }
        self.settle_collection(token);
    }

    /// Close the collection if everyone answered.
    fn settle_collection(&mut self, token: u64) {
        if self
            .broadcasts
            .collections
            .get(&token)
            .is_some_and(Collection::complete)
        {
            self.close_collection(token);
        }
    }

    /// A collection's time is up (or it is complete): hand the guest what
    /// came.
    pub(crate) fn close_collection(&mut self, token: u64) {
        let Some(c) = self.broadcasts.collections.remove(&token) else {
            return;
        };
        if let Some(id) = &c.request_id {
            self.broadcasts.by_request.remove(id);
        }
        let replies = c.into_replies();
        if let Some(q) = &self.queue {
            q.endpoint.send(Command::RepliesReady {
                token,
                replies: Box::new(replies),
            });
        }
    }
}

/// What another node tells about a collection (`cluster.rs`).
pub(super) enum CollectionNews {
    /// The request reached this many other nodes.
    Nodes(usize),
    /// A node asked this many of its clients.
    ClientCount(usize),
    /// One answer.
    Answer(Reply),
}

//! The Redis adapter (`--redis URL`): this node's link to a cluster of
//! sio-host nodes and Node Socket.IO servers sharing one Redis, in the
//! format of one of Node's two Redis adapters (`--redis-adapter`):
//!
//! - `pubsub` (`pubsub.rs`, the default): npm `@socket.io/redis-adapter`
//!   8.3, messages on pub/sub channels (`sio_protocol::redis_adapter`);
//!   at most once, nothing kept.
//! - `streams` (`streams.rs`): npm `@socket.io/redis-streams-adapter` 0.3,
//!   broadcasts as entries of a Redis stream (`sio_protocol::redis_streams`),
//!   which every node reads in the same order; their ids are the offsets
//!   of connection state recovery, and sessions kept in Redis let a client
//!   recover on any node (docs/recovery.md).
//!
//! Both speak to a namespace through the same few things: the namespace
//! holds a [`ClusterLink`] (its node's id and a queue to the writer task,
//! which never blocks), and the adapter delivers what other nodes send
//! through the namespace's [`ClusterSink`] as [`Inbound`] messages. The
//! link encodes what a namespace hands it in its wire's format, so the
//! namespace (`endpoint/namespace/cluster.rs`) never sees a channel or a
//! stream.
//!
//! Tokio tasks own the Redis connections and reconnect with a capped
//! backoff when Redis goes away; clients stay connected meanwhile and local
//! broadcasts keep working.

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::Value as Json;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use anyhow::{Context, Result};
use futures_util::StreamExt;
use sio_protocol::recovery::Offset;
use sio_protocol::redis_adapter::{self as pubsub_codec, Broadcast, Request, Selector};
use sio_protocol::redis_streams as streams_codec;
use sio_protocol::{ConnId, Sid};

use crate::config::RedisAdapterKind;
use crate::stats::Stats;

mod pubsub;
mod streams;

/// How long connecting or one round trip may take before Redis counts as
/// unreachable.
const IO_TIMEOUT: Duration = Duration::from_secs(2);
/// Reconnect backoff bounds.
const MIN_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// Most messages sent in one pipeline.
const BATCH: usize = 256;
/// Messages waiting for the writer beyond which the backlog is dropped
/// (and counted lost): a Redis that stalls instead of refusing must not
/// make the queue grow without bound.
const MAX_BACKLOG: usize = 100_000;

/// What a namespace hands the writer task, already encoded.
enum Outgoing {
    /// `PUBLISH channel payload`. A request's sender wants to know how many
    /// nodes received it (the count `PUBLISH` answers, less this node):
    /// told back as [`Inbound::Published`], 0 when it could not be
    /// published.
    Publish {
        channel: String,
        payload: Vec<u8>,
        receipt: Option<(String, Arc<dyn ClusterSink>)>,
    },
    /// `XADD` of a broadcast entry (streams). When the entry comes back to
    /// this node through the stream (`own` is set), its local delivery
    /// waits for that; if the `XADD` fails it is delivered at once instead,
    /// without a stream offset.
    Append {
        fields: Vec<(&'static str, String)>,
        own: Option<(Box<Broadcast>, Arc<dyn ClusterSink>)>,
    },
    /// `SET key value PX ttl` (a session kept for recovery), or `DEL key`
    /// when `value` is None.
    Session {
        key: String,
        value: Option<String>,
        ttl: Duration,
    },
}

/// A namespace's handle to the cluster. Cheap to clone; sending never
/// blocks.
#[derive(Clone)]
pub struct ClusterLink {
    /// This node's id in the cluster (the `uid` of its messages).
    pub uid: Arc<str>,
    /// The namespace it serves.
    nsp: Arc<str>,
    kind: RedisAdapterKind,
    /// The streams adapter delivers this node's own broadcasts when they
    /// come back through the stream (connection state recovery is on):
    /// their offsets are then the stream's.
    own_through_stream: bool,
    tx: UnboundedSender<Outgoing>,
    /// The namespace, for receipts and answers.
    sink: Arc<dyn ClusterSink>,
    /// For session restores (streams), which run apart from the writer...
    client: redis::Client,
    /// ...on the server's runtime (a namespace lives on its actor's thread).
    rt: tokio::runtime::Handle,
}

/// A node's answer to another node's request.
pub enum Reply {
    /// `SOCKETS` (pub/sub): the ids of the selected sockets.
    SocketIds(Vec<Json>),
    /// `ALL_ROOMS` (pub/sub): every room name.
    AllRooms(Vec<Json>),
    /// A join/leave/disconnect aimed at one socket was done (pub/sub).
    Done,
    /// `fetchSockets()`: the selected sockets, `{id, handshake, rooms, data}`.
    Sockets(Vec<Json>),
    /// A broadcast expecting acks went to this many clients.
    ClientCount(usize),
    /// One client's ack to a broadcast expecting acks.
    Ack {
        /// The client's arguments, a JSON array.
        args_json: String,
        /// Their binary parts.
        attachments: Vec<Bytes>,
    },
    /// The handler's answer to a server event that asked for one
    /// (`serverSideEmitWithAck`): its arguments, a JSON array (Node peers
    /// get the first).
    ServerSideEmit {
        /// The handler's arguments.
        args_json: String,
    },
}

impl ClusterLink {
    /// Whether this node's own broadcasts reach its clients through the
    /// stream (see [`ClusterLink::broadcast`]).
    pub fn own_through_stream(&self) -> bool {
        self.own_through_stream
    }

    /// Send an event to the sockets `to` selects on the other nodes. With
    /// [`ClusterLink::own_through_stream`], also this node's: they get it
    /// when it comes back through the stream, with its entry id as offset.
    pub fn broadcast(&self, event: &str, args_json: &str, attachments: &[Bytes], to: &Selector) {
        let nsp = &*self.nsp;
        let encoded = match self.kind {
            RedisAdapterKind::PubSub => {
                pubsub_codec::encode_broadcast(&self.uid, nsp, event, args_json, attachments, to)
                    .map(|payload| Outgoing::Publish {
                        channel: pubsub_codec::broadcast_channel(
                            nsp,
                            to.rooms.first().map(String::as_str),
                        ),
                        payload,
                        receipt: None,
                    })
            }
            RedisAdapterKind::Streams => streams_codec::encode_broadcast_entry(
                &self.uid,
                nsp,
                event,
                args_json,
                attachments,
                to,
            )
            .map(|fields| Outgoing::Append {
                fields,
                own: self.own_through_stream.then(|| {
                    let b = Broadcast {
                        uid: self.uid.to_string(),
                        nsp: nsp.to_string(),
                        event: event.to_string(),
                        args_json: args_json.to_string(),
                        attachments: attachments.to_vec(),
                        to: to.clone(),
                        local: false,
                    };
                    (Box::new(b), self.sink.clone())
                }),
            }),
        };
        match encoded {
            Ok(out) => self.send(out),
            Err(e) => tracing::warn!(endpoint = %nsp, "redis adapter: broadcast not sent: {e}"),
        }
    }

    /// Ask every other node for its sockets in any of `rooms` (all when
    /// empty): `fetchSockets()`. The namespace hears how many nodes got the
    /// request ([`Inbound::Published`]), then each one's answer
    /// ([`Inbound::Sockets`]).
    pub fn fetch_sockets(&self, request_id: &str, rooms: &[String]) {
        let (channel, payload) = match self.kind {
            RedisAdapterKind::PubSub => (
                pubsub_codec::request_channel(&self.nsp),
                pubsub_codec::encode_fetch_request(&self.uid, request_id, rooms),
            ),
            RedisAdapterKind::Streams => {
                let to = Selector {
                    rooms: rooms.to_vec(),
                    except: Vec::new(),
                };
                (
                    streams_codec::public_channel(&self.nsp),
                    streams_codec::encode_fetch_sockets(&self.uid, &self.nsp, request_id, &to),
                )
            }
        };
        self.send(Outgoing::Publish {
            channel,
            payload,
            receipt: Some((request_id.to_string(), self.sink.clone())),
        });
    }

    /// Answer request `request_id` of node `node`.
    pub fn reply(&self, node: &str, request_id: &str, reply: Reply) {
        let nsp = &*self.nsp;
        let encoded = match self.kind {
            RedisAdapterKind::PubSub => {
                let field = |name: &'static str, v: Vec<Json>| Some((name, Json::from(v)));
                let payload = match reply {
                    Reply::SocketIds(ids) => Ok(pubsub_codec::encode_response(
                        request_id,
                        field("sockets", ids),
                    )),
                    Reply::AllRooms(rooms) => Ok(pubsub_codec::encode_response(
                        request_id,
                        field("rooms", rooms),
                    )),
                    Reply::Done => Ok(pubsub_codec::encode_response(request_id, None)),
                    Reply::Sockets(sockets) => Ok(pubsub_codec::encode_response(
                        request_id,
                        field("sockets", sockets),
                    )),
                    Reply::ClientCount(n) => Ok(pubsub_codec::encode_client_count(request_id, n)),
                    Reply::ServerSideEmit { args_json } => {
                        pubsub_codec::encode_server_side_emit_response(request_id, &args_json)
                    }
                    Reply::Ack {
                        args_json,
                        attachments,
                    } => pubsub_codec::encode_broadcast_ack(request_id, &args_json, &attachments),
                };
                payload.map(|p| (pubsub_codec::response_channel(nsp, node), p))
            }
            RedisAdapterKind::Streams => {
                let uid = &*self.uid;
                let payload = match reply {
                    // The streams adapter has no such requests.
                    Reply::SocketIds(_) | Reply::AllRooms(_) | Reply::Done => return,
                    Reply::ServerSideEmit { args_json } => {
                        streams_codec::encode_server_side_emit_response(
                            uid, nsp, request_id, &args_json,
                        )
                    }
                    Reply::Sockets(sockets) => Ok(streams_codec::encode_fetch_response(
                        uid, nsp, request_id, &sockets,
                    )),
                    Reply::ClientCount(n) => {
                        Ok(streams_codec::encode_client_count(uid, nsp, request_id, n))
                    }
                    Reply::Ack {
                        args_json,
                        attachments,
                    } => streams_codec::encode_broadcast_ack(
                        uid,
                        nsp,
                        request_id,
                        &args_json,
                        &attachments,
                    ),
                };
                payload.map(|p| (streams_codec::private_channel(nsp, node), p))
            }
        };
        match encoded {
            Ok((channel, payload)) => self.send(Outgoing::Publish {
                channel,
                payload,
                receipt: None,
            }),
            Err(e) => tracing::debug!(endpoint = %nsp, "redis adapter: answer not sent: {e}"),
        }
    }

    /// Ask every other node's clients selected by `to` for an ack to the
    /// event (`io.timeout(ms).emitWithAck(..)`, the adapter's
    /// `broadcastWithAck`). The namespace hears how many nodes got the
    /// request ([`Inbound::Published`]), then each node's client count
    /// ([`Inbound::ClientCount`]) and each client's answer
    /// ([`Inbound::BroadcastAck`]), all with `request_id`.
    pub fn broadcast_with_ack(
        &self,
        request_id: &str,
        event: &str,
        args_json: &str,
        attachments: &[Bytes],
        to: &Selector,
    ) {
        let (uid, nsp) = (&*self.uid, &*self.nsp);
        let encoded = match self.kind {
            RedisAdapterKind::PubSub => pubsub_codec::encode_broadcast_with_ack(
                uid,
                request_id,
                nsp,
                event,
                args_json,
                attachments,
                to,
            )
            .map(|p| (pubsub_codec::request_channel(nsp), p)),
            RedisAdapterKind::Streams => streams_codec::encode_broadcast_with_ack(
                uid,
                nsp,
                request_id,
                event,
                args_json,
                attachments,
                to,
            )
            .map(|p| (streams_codec::public_channel(nsp), p)),
        };
        self.request(request_id, encoded, "broadcast with acks");
    }

    /// Send `event` to this namespace on every other node
    /// (`serverSideEmit`). With `request_id` each node is asked for one
    /// answer: the namespace hears how many nodes got it
    /// ([`Inbound::Published`]), then each answer
    /// ([`Inbound::ServerSideEmitReply`]).
    pub fn server_side_emit(&self, event: &str, args_json: &str, request_id: Option<&str>) {
        let (uid, nsp) = (&*self.uid, &*self.nsp);
        let encoded = match self.kind {
            RedisAdapterKind::PubSub => {
                pubsub_codec::encode_server_side_emit(uid, request_id, event, args_json)
                    .map(|p| (pubsub_codec::request_channel(nsp), p))
            }
            RedisAdapterKind::Streams => {
                streams_codec::encode_server_side_emit(uid, nsp, request_id, event, args_json)
                    .map(|p| (streams_codec::public_channel(nsp), p))
            }
        };
        match request_id {
            Some(id) => self.request(id, encoded, "server event"),
            None => match encoded {
                Ok((channel, payload)) => self.send(Outgoing::Publish {
                    channel,
                    payload,
                    receipt: None,
                }),
                Err(e) => {
                    tracing::warn!(endpoint = %nsp, "redis adapter: server event not sent: {e}")
                }
            },
        }
    }

    /// Publish a request whose sender waits for answers: the namespace
    /// hears how many nodes got it ([`Inbound::Published`]), none at once
    /// when it could not be encoded.
    fn request(
        &self,
        request_id: &str,
        encoded: Result<(String, Vec<u8>), pubsub_codec::CodecError>,
        what: &str,
    ) {
        match encoded {
            Ok((channel, payload)) => self.send(Outgoing::Publish {
                channel,
                payload,
                receipt: Some((request_id.to_string(), self.sink.clone())),
            }),
            Err(e) => {
                tracing::warn!(endpoint = %self.nsp, "redis adapter: {what} not sent: {e}");
                self.sink.deliver(Inbound::Published {
                    request_id: request_id.to_string(),
                    nodes: 0,
                });
            }
        }
    }

    /// Whether sessions live in Redis, so a client may recover on another
    /// node (the streams adapter).
    pub fn keeps_sessions(&self) -> bool {
        self.kind == RedisAdapterKind::Streams
    }

    /// Keep an away connection's session in Redis for `ttl`, so its client
    /// may recover on any node (streams; a no-op for pub/sub).
    pub fn keep_session(&self, session: &streams_codec::Session, ttl: Duration) {
        if !self.keeps_sessions() {
            return;
        }
        match streams_codec::encode_session(session) {
            Ok(value) => self.send(Outgoing::Session {
                key: streams_codec::session_key(&session.pid),
                value: Some(value),
                ttl,
            }),
            Err(e) => tracing::debug!(endpoint = %self.nsp, "redis adapter: session not kept: {e}"),
        }
    }

    /// Drop a kept session: its client came back here, or left for good.
    pub fn drop_session(&self, pid: &str) {
        if self.keeps_sessions() {
            self.send(Outgoing::Session {
                key: streams_codec::session_key(pid),
                value: None,
                ttl: Duration::ZERO,
            });
        }
    }

    /// Restore a session another node kept (streams): the namespace hears
    /// [`Inbound::Restored`] for `conn`, with the session and the
    /// broadcasts its client missed after `offset`, or without when there
    /// is none.
    pub fn restore_session(&self, conn: ConnId, pid: String, offset: Option<String>) {
        let job = streams::Restore {
            client: self.client.clone(),
            nsp: self.nsp.clone(),
            conn,
            pid,
            offset,
            sink: self.sink.clone(),
        };
        self.rt.spawn(job.run());
    }

    fn send(&self, out: Outgoing) {
        // The writer lives as long as the runtime; after it, nothing to do.
        let _ = self.tx.send(out);
    }
}

/// Where the cluster delivers what it has for one namespace. The endpoint
/// implements it (it posts to its actor's queue); this is all the adapter
/// knows of an endpoint. Must not block: it runs on the adapter's tasks.
pub trait ClusterSink: Send + Sync {
    /// Hand one message to the namespace.
    fn deliver(&self, inbound: Inbound);
}

/// What the cluster asks of a namespace (see [`ClusterSink`]).
pub enum Inbound {
    /// Publish through this link from now on. Boxed: every command an
    /// endpoint queues is as large as its largest kind.
    Attach(Box<ClusterLink>),
    /// A broadcast for this endpoint's sockets: another node's, or (see
    /// [`ClusterLink::own_through_stream`]) this node's own.
    Broadcast {
        /// The event and who it is for.
        broadcast: Box<Broadcast>,
        /// Its stream entry id (streams); None: the namespace gives it a
        /// local offset if recovery wants one.
        offset: Option<Offset>,
    },
    /// Another node's request (socket ids, rooms, remote join, ...).
    Request {
        /// The requesting node's uid.
        from: String,
        /// What it asks.
        request: Request,
    },
    /// This node's request went out to `nodes` other nodes (0: it could not
    /// be published).
    Published {
        /// The request's id.
        request_id: String,
        /// How many other nodes received it.
        nodes: usize,
    },
    /// How many clients another node sent this node's broadcast-with-ack
    /// ([`ClusterLink::broadcast_with_ack`]).
    ClientCount {
        /// The request's id.
        request_id: String,
        /// The node's client count.
        count: usize,
    },
    /// One of another node's clients answered this node's
    /// broadcast-with-ack.
    BroadcastAck {
        /// The request's id.
        request_id: String,
        /// The answer as a JSON array (a Node peer relays the client's
        /// first argument: `[arg]`).
        args_json: String,
        /// Its binary parts.
        attachments: Vec<Bytes>,
    },
    /// Another node answered this node's server emit with ack
    /// ([`ClusterLink::server_side_emit`]).
    ServerSideEmitReply {
        /// The request's id.
        request_id: String,
        /// The answer as a JSON array (a Node peer's one argument: `[arg]`).
        args_json: String,
    },
    /// Another node's answer to this node's `fetchSockets()`.
    Sockets {
        /// The request's id.
        request_id: String,
        /// Its sockets, each `{id, handshake, rooms, data}`.
        sockets: Vec<Json>,
    },
    /// The outcome of [`ClusterLink::restore_session`].
    Restored {
        /// The connection the restore was for.
        conn: ConnId,
        /// The session and what its client missed; None: nothing to restore
        /// (unknown or expired, or its offset is no longer in the stream).
        session: Option<Box<RestoredSession>>,
    },
}

/// A session kept by another node, with the broadcasts its client missed.
pub struct RestoredSession {
    /// The socket id it had.
    pub sid: Sid,
    /// Its private id.
    pub pid: String,
    /// Its rooms (its own id among them).
    pub rooms: Vec<String>,
    /// Its connection data, JSON text.
    pub data_json: String,
    /// The broadcasts after the client's offset meant for it, in stream
    /// order, with their entry ids.
    pub missed: Vec<(Offset, Broadcast)>,
}

/// Connect every namespace (name, sink) to the cluster at `url`: attach a
/// [`ClusterLink`] to each and start the adapter's tasks. Redis need not be
/// up yet; the tasks keep trying. `own_through_stream`: with the streams
/// adapter, deliver this node's own broadcasts through the stream
/// (connection state recovery on). Needs a tokio runtime.
pub fn start(
    url: &str,
    kind: RedisAdapterKind,
    own_through_stream: bool,
    namespaces: impl IntoIterator<Item = (String, Arc<dyn ClusterSink>)>,
    stats: Arc<Stats>,
) -> Result<()> {
    let client = redis::Client::open(url).with_context(|| format!("bad Redis URL {url:?}"))?;
    let uid: Arc<str> = sio_protocol::ids::random_id()[..12].into();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let own_through_stream = own_through_stream && kind == RedisAdapterKind::Streams;
    let namespaces: Vec<(String, Arc<dyn ClusterSink>)> = namespaces.into_iter().collect();
    for (nsp, sink) in &namespaces {
        sink.deliver(Inbound::Attach(Box::new(ClusterLink {
            uid: uid.clone(),
            nsp: nsp.as_str().into(),
            kind,
            own_through_stream,
            tx: tx.clone(),
            sink: sink.clone(),
            client: client.clone(),
            rt: tokio::runtime::Handle::current(),
        })));
    }
    stats.adapter.redis.store(true, Relaxed);
    tracing::info!(uid = %uid, adapter = ?kind, "redis adapter: node joining the cluster at {}", redacted(url));
    match kind {
        RedisAdapterKind::PubSub => pubsub::start(client, namespaces, uid, rx, stats),
        RedisAdapterKind::Streams => {
            streams::start(client, namespaces, uid, own_through_stream, rx, stats)
        }
    }
    Ok(())
}

/// The writer: sends what the namespaces hand their links, in order,
/// pipelined in batches. While Redis is unreachable a message is dropped at
/// once and counted as lost (stats `adapter.lost`, and a log line per
/// outage): at most once, as with the Node adapters. A broadcast of this
/// node's that was to come back through the stream is then delivered here
/// at once instead, so local clients still get it.
async fn write_loop(client: redis::Client, mut rx: UnboundedReceiver<Outgoing>, stats: Arc<Stats>) {
    let config = connection_config();
    let mut conn: Option<redis::aio::MultiplexedConnection> = None;
    let mut next_attempt = Instant::now();
    // Messages lost in the current outage (0: none, or Redis is up).
    let mut lost_in_outage = 0u64;
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        if rx.len() > MAX_BACKLOG {
            let mut shed = 0u64;
            while rx.try_recv().is_ok() {
                shed += 1;
            }
            stats.adapter.lost.fetch_add(shed, Relaxed);
            tracing::warn!(
                lost = shed,
                "redis adapter: Redis is not keeping up; dropped {shed} waiting messages"
            );
        }
        let mut pipe = redis::pipe();
        for out in &batch {
            match out {
                Outgoing::Publish {
                    channel, payload, ..
                } => {
                    pipe.publish(channel, payload);
                }
                Outgoing::Append { fields, .. } => {
                    let xadd = pipe
                        .cmd("XADD")
                        .arg(streams_codec::STREAM_NAME)
                        .arg("MAXLEN")
                        .arg("~")
                        .arg(streams_codec::MAX_LEN)
                        .arg("*");
                    for (name, value) in fields {
                        xadd.arg(*name).arg(value);
                    }
                }
                Outgoing::Session {
                    key,
                    value: Some(value),
                    ttl,
                } => {
                    pipe.cmd("SET")
                        .arg(key)
                        .arg(value)
                        .arg("PX")
                        .arg(ttl.as_millis().max(1) as u64);
                }
                Outgoing::Session {
                    key, value: None, ..
                } => {
                    pipe.del(key);
                }
            }
        }
        // A connection found dead on use (Redis restarted while we were
        // idle) is replaced at once and the batch sent again: the write
        // failed, so nothing goes out twice.
        let mut retried = false;
        let sent = loop {
            if conn.is_none() && (retried || Instant::now() >= next_attempt) {
                match client
                    .get_multiplexed_async_connection_with_config(&config)
                    .await
                {
                    Ok(c) => conn = Some(c),
                    Err(e) => {
                        tracing::debug!("redis adapter: writer cannot connect: {e}");
                        next_attempt = Instant::now() + MIN_BACKOFF * 5;
                    }
                }
            }
            let Some(c) = &mut conn else {
                break None;
            };
            match pipe.query_async::<Vec<redis::Value>>(c).await {
                Ok(replies) => break Some(replies),
                Err(e) => {
                    conn = None;
                    if !retried && (e.is_connection_dropped() || e.is_io_error()) {
                        tracing::debug!(
                            "redis adapter: writer connection dropped ({e}); reconnecting"
                        );
                        retried = true;
                        continue;
                    }
                    tracing::warn!("redis adapter: writing failed: {e}");
                    break None;
                }
            }
        };
        for (i, out) in batch.iter_mut().enumerate() {
            match out {
                // Requests learn how many other nodes got them (this node's
                // own subscriber is one of PUBLISH's receivers); lost ones,
                // none.
                Outgoing::Publish { receipt, .. } => {
                    if let Some((request_id, sink)) = receipt.take() {
                        let received = match sent.as_ref().and_then(|r| r.get(i)) {
                            Some(redis::Value::Int(n)) => *n,
                            _ => 0,
                        };
                        let nodes = usize::try_from(received - 1).unwrap_or(0);
                        sink.deliver(Inbound::Published { request_id, nodes });
                    }
                }
                Outgoing::Append { own, .. } => {
                    if sent.is_none()
                        && let Some((broadcast, sink)) = own.take()
                    {
                        sink.deliver(Inbound::Broadcast {
                            broadcast,
                            offset: None,
                        });
                    }
                }
                Outgoing::Session { .. } => {}
            }
        }
        let sent = sent.is_some();
        let n = batch.len() as u64;
        if sent {
            stats.adapter.published.fetch_add(n, Relaxed);
            if lost_in_outage > 0 {
                tracing::info!(
                    lost = lost_in_outage,
                    "redis adapter: writing again; messages lost while Redis was unreachable: {lost_in_outage}"
                );
                lost_in_outage = 0;
            }
        } else {
            if lost_in_outage == 0 {
                tracing::warn!(
                    "redis adapter: Redis is unreachable; messages for other nodes are lost until it is back"
                );
            }
            lost_in_outage += n;
            stats.adapter.lost.fetch_add(n, Relaxed);
        }
        batch.clear();
    }
}

/// What a node listens to on Redis pub/sub.
struct Subscription {
    /// PSUBSCRIBEd.
    patterns: Vec<String>,
    /// SUBSCRIBEd.
    channels: Vec<String>,
    /// Whether this subscription is what `adapter.connected` reports (the
    /// pub/sub adapter's; the streams adapter reports its reader).
    reports_connected: bool,
}

/// How a task that keeps a Redis connection up tries again: one warning per
/// outage (its retries at debug level) and a pause doubling from
/// [`MIN_BACKOFF`] to [`MAX_BACKOFF`].
struct Retry {
    backoff: Duration,
    failing: bool,
}

impl Retry {
    fn new() -> Retry {
        Retry {
            backoff: MIN_BACKOFF,
            failing: false,
        }
    }

    /// Connected: the next failure starts a new outage. Whether this ended
    /// one.
    fn connected(&mut self) -> bool {
        self.backoff = MIN_BACKOFF;
        std::mem::take(&mut self.failing)
    }

    /// `what` failed with `e` (logged once per outage).
    fn failed(&mut self, what: &str, e: &dyn std::fmt::Display) {
        if self.failing {
            tracing::debug!("redis adapter: {what}: {e}");
        } else {
            tracing::warn!("redis adapter: {what} (retrying): {e}");
            self.failing = true;
        }
    }

    /// Wait before the next attempt.
    async fn pause(&mut self) {
        tokio::time::sleep(self.backoff).await;
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
    }
}

/// Keep `sub` subscribed, handing every message to `route`; after losing
/// Redis, subscribe again with a capped backoff (one warning per outage,
/// the retries at debug level).
async fn follow(
    client: redis::Client,
    sub: Subscription,
    stats: Arc<Stats>,
    mut route: impl FnMut(&redis::Msg) + Send,
) {
    let mut retry = Retry::new();
    let mut subscribed_before = false;
    loop {
        match subscribe(&client, &sub).await {
            Ok(mut pubsub) => {
                retry.connected();
                if subscribed_before {
                    stats.adapter.reconnects.fetch_add(1, Relaxed);
                    tracing::info!("redis adapter: subscribed again; receiving from the cluster");
                } else {
                    tracing::info!("redis adapter: subscribed; receiving from the cluster");
                }
                subscribed_before = true;
                if sub.reports_connected {
                    stats.adapter.connected.store(true, Relaxed);
                }
                let mut messages = pubsub.on_message();
                while let Some(msg) = messages.next().await {
                    route(&msg);
                }
                if sub.reports_connected {
                    stats.adapter.connected.store(false, Relaxed);
                }
                tracing::warn!("redis adapter: lost the subscription to Redis; reconnecting");
            }
            Err(e) => retry.failed("cannot subscribe", &e),
        }
        retry.pause().await;
    }
}

async fn subscribe(client: &redis::Client, sub: &Subscription) -> Result<redis::aio::PubSub> {
    let mut pubsub = tokio::time::timeout(IO_TIMEOUT, client.get_async_pubsub())
        .await
        .context("connecting timed out")??;
    for pattern in &sub.patterns {
        pubsub.psubscribe(pattern).await?;
    }
    for channel in &sub.channels {
        pubsub.subscribe(channel).await?;
    }
    Ok(pubsub)
}

/// A node's client count as the namespace adds it up: capped at
/// `u32::MAX`, so that no count another node sends (a Node peer's is a
/// JSON number) can make a sum overflow.
fn client_count(count: u64) -> usize {
    usize::try_from(count.min(u64::from(u32::MAX))).unwrap_or(usize::MAX)
}

/// The URL without its password, for logs.
fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

fn connection_config() -> redis::AsyncConnectionConfig {
    redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(IO_TIMEOUT))
        .set_response_timeout(Some(IO_TIMEOUT))
}

#[cfg(test)]
mod tests {
    use super::{client_count, redacted};

    #[test]
    fn client_counts_are_capped() {
        assert_eq!(client_count(3), 3);
        assert_eq!(client_count(u64::MAX), u32::MAX as usize);
    }

    #[test]
    fn logged_urls_hide_the_password() {
        assert_eq!(
            redacted("redis://user:secret@10.0.0.5:6379/0"),
            "redis://***@10.0.0.5:6379/0"
        );
        assert_eq!(redacted("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
    }
}

//! The Redis adapter (`--redis URL`): this node's link to a cluster of
//! sio-host nodes and Node Socket.IO servers sharing one Redis, in the format
//! of npm `@socket.io/redis-adapter` 8.3 (see `sio_protocol::redis_adapter`).
//!
//! Two tokio tasks own the Redis connections; the endpoint actors never wait
//! on Redis:
//!
//! - the *publisher* takes the messages namespaces hand to their
//!   [`ClusterLink`] (a guest's room broadcast, a response to a request) and
//!   PUBLISHes them in order, pipelined in batches. While Redis is
//!   unreachable a message is dropped at once and counted as lost (stats
//!   `adapter.lost`, and a log line per outage): at-most-once, as with the
//!   Node adapter.
//! - the *subscriber* PSUBSCRIBEs every endpoint's broadcast channels and
//!   SUBSCRIBEs its request channel, decodes what arrives and hands it to
//!   the namespace's [`ClusterSink`] (the endpoint, which posts it to its
//!   actor): room membership lives in the
//!   namespace on the actor's thread, so fan-out to local sockets happens
//!   there, without a lock and without calling the guest.
//!
//! Both reconnect with a capped backoff when Redis goes away; clients stay
//! connected meanwhile and local broadcasts keep working.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use futures_util::StreamExt;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use sio_protocol::redis_adapter::{self as codec, Broadcast, Request};

use crate::stats::Stats;

/// How long connecting or one round trip may take before Redis counts as
/// unreachable.
const IO_TIMEOUT: Duration = Duration::from_secs(2);
/// Reconnect backoff bounds.
const MIN_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// Most messages sent in one pipeline.
const BATCH: usize = 256;
/// Messages waiting for the publisher beyond which the backlog is dropped
/// (and counted lost): a Redis that stalls instead of refusing must not
/// make the queue grow without bound.
const MAX_BACKLOG: usize = 100_000;

/// A message for the cluster.
pub struct Publish {
    /// The channel.
    pub channel: String,
    /// The message.
    pub payload: Vec<u8>,
    /// A request whose sender wants to know how many nodes received it (the
    /// count `PUBLISH` answers, less this node): told back as
    /// [`Inbound::Published`], 0 when it could not be published.
    receipt: Option<(String, Arc<dyn ClusterSink>)>,
}

/// A namespace's handle to the cluster: its node's uid and the publisher's
/// queue. Cheap to clone; sending never blocks.
#[derive(Clone)]
pub struct ClusterLink {
    /// This node's id in the cluster (the `uid` of its messages).
    pub uid: Arc<str>,
    tx: UnboundedSender<Publish>,
    /// The namespace, for receipts.
    sink: Arc<dyn ClusterSink>,
}

impl ClusterLink {
    /// Publish `payload` on `channel`.
    pub fn publish(&self, channel: String, payload: Vec<u8>) {
        self.send(channel, payload, None);
    }

    /// Publish request `request_id`; the namespace hears how many other
    /// nodes received it ([`Inbound::Published`]), so it knows how many
    /// answers to wait for.
    pub fn request(&self, channel: String, payload: Vec<u8>, request_id: String) {
        self.send(channel, payload, Some((request_id, self.sink.clone())));
    }

    fn send(
        &self,
        channel: String,
        payload: Vec<u8>,
        receipt: Option<(String, Arc<dyn ClusterSink>)>,
    ) {
        // The publisher lives as long as the runtime; after it, nothing to do.
        let _ = self.tx.send(Publish {
            channel,
            payload,
            receipt,
        });
    }
}

/// Where the cluster delivers what it has for one namespace. The endpoint
/// implements it (it posts to its actor's queue); this is all the adapter
/// knows of an endpoint. Must not block: it runs on the subscriber task.
pub trait ClusterSink: Send + Sync {
    /// Hand one message to the namespace.
    fn deliver(&self, inbound: Inbound);
}

/// What the cluster asks of a namespace (see [`ClusterSink`]).
pub enum Inbound {
    /// Publish through this link from now on.
    Attach(ClusterLink),
    /// Another node's broadcast for this endpoint's sockets.
    Broadcast(Box<Broadcast>),
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
    /// Another node's answer to this node's `REMOTE_FETCH`.
    Sockets {
        /// The request's id.
        request_id: String,
        /// Its sockets, each `{id, handshake, rooms, data}`.
        sockets: Vec<serde_json::Value>,
    },
}

/// Where the subscriber sends what arrives on each channel or pattern.
struct Routes {
    /// Broadcast pattern → namespace.
    broadcasts: HashMap<String, Arc<dyn ClusterSink>>,
    /// Request channel → namespace.
    requests: HashMap<String, Arc<dyn ClusterSink>>,
    /// This node's response channel → namespace.
    responses: HashMap<String, Arc<dyn ClusterSink>>,
}

/// Connect every namespace (name, sink) to the cluster at `url`: attach a
/// [`ClusterLink`] to each and start the publisher and subscriber. Redis
/// need not be up yet; both tasks keep trying. Needs a tokio runtime.
pub fn start(
    url: &str,
    namespaces: impl IntoIterator<Item = (String, Arc<dyn ClusterSink>)>,
    stats: Arc<Stats>,
) -> Result<()> {
    let client = redis::Client::open(url).with_context(|| format!("bad Redis URL {url:?}"))?;
    let uid: Arc<str> = sio_protocol::ids::random_id()[..12].into();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let mut routes = Routes {
        broadcasts: HashMap::new(),
        requests: HashMap::new(),
        responses: HashMap::new(),
    };
    for (nsp, sink) in namespaces {
        sink.deliver(Inbound::Attach(ClusterLink {
            uid: uid.clone(),
            tx: tx.clone(),
            sink: sink.clone(),
        }));
        routes
            .broadcasts
            .insert(codec::broadcast_pattern(&nsp), sink.clone());
        // Answers come on this node's own response channel (sio-host
        // nodes) and on the namespace's shared one (Node's default).
        routes
            .responses
            .insert(codec::response_channel(&nsp, &uid), sink.clone());
        routes
            .responses
            .insert(codec::shared_response_channel(&nsp), sink.clone());
        routes.requests.insert(codec::request_channel(&nsp), sink);
    }
    stats.adapter.redis.store(true, Relaxed);
    tracing::info!(uid = %uid, "redis adapter: node joining the cluster at {}", redacted(url));
    tokio::spawn(publish_loop(client.clone(), rx, stats.clone()));
    tokio::spawn(subscribe_loop(client, routes, uid, stats));
    Ok(())
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

async fn publish_loop(
    client: redis::Client,
    mut rx: UnboundedReceiver<Publish>,
    stats: Arc<Stats>,
) {
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
        for p in &batch {
            pipe.publish(&p.channel, &p.payload);
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
                        tracing::debug!("redis adapter: publisher cannot connect: {e}");
                        next_attempt = Instant::now() + MIN_BACKOFF * 5;
                    }
                }
            }
            let Some(c) = &mut conn else {
                break None;
            };
            match pipe.query_async::<Vec<i64>>(c).await {
                Ok(received) => break Some(received),
                Err(e) => {
                    conn = None;
                    if !retried && (e.is_connection_dropped() || e.is_io_error()) {
                        tracing::debug!(
                            "redis adapter: publisher connection dropped ({e}); reconnecting"
                        );
                        retried = true;
                        continue;
                    }
                    tracing::warn!("redis adapter: publishing failed: {e}");
                    break None;
                }
            }
        };
        // Requests learn how many other nodes got them (this node's own
        // subscriber is one of PUBLISH's receivers); lost ones, none.
        for (i, p) in batch.iter_mut().enumerate() {
            if let Some((request_id, sink)) = p.receipt.take() {
                let received = sent.as_ref().and_then(|r| r.get(i)).copied().unwrap_or(0);
                let nodes = usize::try_from(received - 1).unwrap_or(0);
                sink.deliver(Inbound::Published { request_id, nodes });
            }
        }
        let sent = sent.is_some();
        let n = batch.len() as u64;
        if sent {
            stats.adapter.published.fetch_add(n, Relaxed);
            if lost_in_outage > 0 {
                tracing::info!(
                    lost = lost_in_outage,
                    "redis adapter: publishing again; messages lost while Redis was unreachable: {lost_in_outage}"
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

async fn subscribe_loop(client: redis::Client, routes: Routes, uid: Arc<str>, stats: Arc<Stats>) {
    let mut backoff = MIN_BACKOFF;
    let mut subscribed_before = false;
    let mut failing = false;
    loop {
        match subscribe(&client, &routes).await {
            Ok(mut pubsub) => {
                backoff = MIN_BACKOFF;
                failing = false;
                if subscribed_before {
                    stats.adapter.reconnects.fetch_add(1, Relaxed);
                    tracing::info!("redis adapter: reconnected; receiving from the cluster again");
                } else {
                    tracing::info!("redis adapter: subscribed; receiving from the cluster");
                }
                subscribed_before = true;
                stats.adapter.connected.store(true, Relaxed);
                let mut messages = pubsub.on_message();
                while let Some(msg) = messages.next().await {
                    route(&msg, &routes, &uid, &stats);
                }
                stats.adapter.connected.store(false, Relaxed);
                tracing::warn!("redis adapter: lost the connection to Redis; reconnecting");
            }
            Err(e) => {
                // One warning per outage; the retries are debug.
                if failing {
                    tracing::debug!("redis adapter: cannot subscribe: {e}");
                } else {
                    tracing::warn!("redis adapter: cannot subscribe (retrying): {e}");
                    failing = true;
                }
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

async fn subscribe(client: &redis::Client, routes: &Routes) -> Result<redis::aio::PubSub> {
    let mut pubsub = tokio::time::timeout(IO_TIMEOUT, client.get_async_pubsub())
        .await
        .context("connecting timed out")??;
    for pattern in routes.broadcasts.keys() {
        pubsub.psubscribe(pattern).await?;
    }
    for channel in routes.requests.keys().chain(routes.responses.keys()) {
        pubsub.subscribe(channel).await?;
    }
    Ok(pubsub)
}

/// Decode one message and post it to its endpoint; skip this node's own.
fn route(msg: &redis::Msg, routes: &Routes, uid: &str, stats: &Stats) {
    let payload = msg.get_payload_bytes();
    let pattern: Option<String> = msg.get_pattern().unwrap_or_default();
    let inbound = match pattern {
        Some(pattern) => {
            let Some(endpoint) = routes.broadcasts.get(&pattern) else {
                return;
            };
            if codec::published_by(payload, uid) {
                return;
            }
            match codec::decode_broadcast(payload) {
                // `flags.local` is for the publisher's node only.
                Ok(b) if b.local => return,
                Ok(b) => Ok((endpoint, Inbound::Broadcast(Box::new(b)))),
                Err(e) => Err(e),
            }
        }
        None if routes.responses.contains_key(msg.get_channel_name()) => {
            let Some(endpoint) = routes.responses.get(msg.get_channel_name()) else {
                return;
            };
            match codec::decode_fetch_response(payload) {
                Ok(Some((request_id, sockets))) => Ok((
                    endpoint,
                    Inbound::Sockets {
                        request_id,
                        sockets,
                    },
                )),
                // Answers to other requests are not this node's to read.
                Ok(None) => return,
                Err(e) => Err(e),
            }
        }
        None => {
            let Some(endpoint) = routes.requests.get(msg.get_channel_name()) else {
                return;
            };
            match codec::decode_request(payload) {
                Ok((from, _)) if from == uid => return,
                Ok((from, request)) => Ok((endpoint, Inbound::Request { from, request })),
                Err(e) => Err(e),
            }
        }
    };
    match inbound {
        Ok((endpoint, inbound)) => {
            stats.adapter.received.fetch_add(1, Relaxed);
            endpoint.deliver(inbound);
        }
        Err(e) => {
            stats.adapter.malformed.fetch_add(1, Relaxed);
            tracing::warn!(
                channel = msg.get_channel_name(),
                "redis adapter: ignoring a message: {e}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn logged_urls_hide_the_password() {
        assert_eq!(
            redacted("redis://user:secret@10.0.0.5:6379/0"),
            "redis://***@10.0.0.5:6379/0"
        );
        assert_eq!(redacted("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
    }
}

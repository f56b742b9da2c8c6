//! The streams adapter (`--redis-adapter streams`): npm
//! `@socket.io/redis-streams-adapter` 0.3's wire (`sio_protocol::redis_streams`).
//!
//! - Broadcasts (and remote joins, leaves, disconnects) are entries of one
//!   Redis stream, which the writer (`super::write_loop`) appends to and
//!   the *reader* here follows with `XREAD`, from where the stream was when
//!   the node started; after a lost connection it goes on from the last
//!   entry it read, so an outage loses nothing that reached Redis. Every
//!   node reads the same entries in the same order; their ids are the
//!   offsets of connection state recovery. With recovery on, this node's
//!   own broadcasts reach its clients this way too
//!   ([`super::ClusterLink::own_through_stream`]).
//! - Requests that want answers (`fetchSockets`, broadcasts expecting
//!   acks, server events), server events without one, and the answers go
//!   over pub/sub: the *subscriber* listens on the
//!   namespace's public channel and this node's private one. Being
//!   subscribed to the public channel is what counts a node in Node's
//!   cluster size, so it must answer every such request.
//! - [`Restore`] reads a session another node kept, and the entries its
//!   client missed, when that client comes back here.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use anyhow::Result;
use tokio::sync::mpsc::UnboundedReceiver;

use sio_protocol::ConnId;
use sio_protocol::recovery::Offset;
use sio_protocol::redis_streams::{self as codec, Body, STREAM_NAME};

use super::{
    ClusterSink, IO_TIMEOUT, Inbound, Outgoing, RestoredSession, Retry, Subscription,
    connection_config,
};
use crate::stats::Stats;

/// How long one `XREAD` waits for new entries: under the connection's
/// response timeout.
const BLOCK_MS: u64 = 1_000;
/// Entries one `XREAD` or `XRANGE` returns at most.
const READ_COUNT: usize = 1_000;
/// `XRANGE` calls one restore makes at most (Node's limit, 100): a stream
/// written faster than it is read must not keep a restore going forever.
const MAX_RESTORE_READS: usize = 100;

/// The namespaces by name.
type Sinks = Arc<HashMap<String, Arc<dyn ClusterSink>>>;

/// Start the writer, the stream reader and the subscriber.
pub(super) fn start(
    client: redis::Client,
    namespaces: Vec<(String, Arc<dyn ClusterSink>)>,
    uid: Arc<str>,
    own_through_stream: bool,
    rx: UnboundedReceiver<Outgoing>,
    stats: Arc<Stats>,
) {
    let sinks: Sinks = Arc::new(namespaces.into_iter().collect());
    tokio::spawn(super::write_loop(client.clone(), rx, stats.clone()));
    tokio::spawn(read_loop(
        client.clone(),
        sinks.clone(),
        uid.clone(),
        own_through_stream,
        stats.clone(),
    ));
    // Every namespace's public channel and this node's private ones: other
    // nodes' requests, and the answers to this node's.
    let sub = Subscription {
        patterns: Vec::new(),
        channels: sinks
            .keys()
            .flat_map(|nsp| {
                [
                    codec::public_channel(nsp),
                    codec::private_channel(nsp, &uid),
                ]
            })
            .collect(),
        reports_connected: false,
    };
    let follower_stats = stats.clone();
    tokio::spawn(super::follow(client, sub, follower_stats, move |msg| {
        route_published(msg.get_payload_bytes(), &sinks, &uid, &stats)
    }));
}

/// Follow the stream, handing each entry to its namespace.
async fn read_loop(
    client: redis::Client,
    sinks: Sinks,
    uid: Arc<str>,
    own_through_stream: bool,
    stats: Arc<Stats>,
) {
    let config = connection_config();
    let mut last: Option<String> = None;
    let mut retry = Retry::new();
    loop {
        let result: Result<()> = async {
            let mut conn = client
                .get_multiplexed_async_connection_with_config(&config)
                .await?;
            // Where the stream is now (the first time): what came before
            // this node joined is not its to deliver.
            let mut from = match last.clone() {
                Some(id) => id,
                None => newest_id(&mut conn).await?,
            };
            if retry.connected() {
                tracing::info!("redis adapter: reading the stream again");
                stats.adapter.reconnects.fetch_add(1, Relaxed);
            }
            stats.adapter.connected.store(true, Relaxed);
            loop {
                let reply: redis::Value = redis::cmd("XREAD")
                    .arg("BLOCK")
                    .arg(BLOCK_MS)
                    .arg("COUNT")
                    .arg(READ_COUNT)
                    .arg("STREAMS")
                    .arg(STREAM_NAME)
                    .arg(&from)
                    .query_async(&mut conn)
                    .await?;
                for (id, fields) in entries_of_xread(&reply) {
                    route_entry(&id, &fields, &sinks, &uid, own_through_stream, &stats);
                    from = id;
                }
                last = Some(from.clone());
            }
        }
        .await;
        if let Err(e) = result {
            stats.adapter.connected.store(false, Relaxed);
            retry.failed("cannot read the stream", &e);
        }
        retry.pause().await;
    }
}

/// The id of the stream's newest entry, `0-0` when it has none.
async fn newest_id(conn: &mut redis::aio::MultiplexedConnection) -> Result<String> {
    let reply: redis::Value = redis::cmd("XREVRANGE")
        .arg(STREAM_NAME)
        .arg("+")
        .arg("-")
        .arg("COUNT")
        .arg(1)
        .query_async(conn)
        .await?;
    Ok(entries(&reply)
        .into_iter()
        .next()
        .map_or_else(|| "0-0".to_string(), |(id, _)| id))
}

/// Decode one entry and hand it to its namespace. This node's own entries
/// are skipped, but for its broadcasts when they come back on purpose.
fn route_entry(
    id: &str,
    fields: &[(String, String)],
    sinks: &Sinks,
    uid: &str,
    own_through_stream: bool,
    stats: &Stats,
) {
    let message = match codec::decode_entry(fields) {
        Ok(message) => message,
        Err(e) => {
            stats.adapter.malformed.fetch_add(1, Relaxed);
            tracing::warn!(entry = id, "redis adapter: ignoring a stream entry: {e}");
            return;
        }
    };
    let Some(sink) = sinks.get(&message.nsp) else {
        return;
    };
    let own = message.uid == uid;
    let inbound = match message.body {
        Body::Broadcast {
            broadcast,
            volatile,
        } if !own || own_through_stream => Inbound::Broadcast {
            broadcast: Box::new(broadcast),
            // Node gives a volatile broadcast no offset.
            offset: if volatile { None } else { Offset::parse(id) },
        },
        Body::Request(request) if !own => Inbound::Request {
            from: message.uid,
            request,
        },
        _ => return,
    };
    stats.adapter.received.fetch_add(1, Relaxed);
    sink.deliver(inbound);
}

/// The (id, fields) of an `XREAD` reply's entries (one stream asked).
fn entries_of_xread(reply: &redis::Value) -> Vec<(String, Vec<(String, String)>)> {
    let redis::Value::Array(streams) = reply else {
        return Vec::new();
    };
    streams
        .iter()
        .filter_map(|stream| match stream {
            redis::Value::Array(parts) => parts.get(1),
            _ => None,
        })
        .flat_map(entries)
        .collect()
}

/// The (id, fields) of an `XRANGE` reply (or of one stream of `XREAD`'s).
fn entries(reply: &redis::Value) -> Vec<(String, Vec<(String, String)>)> {
    let redis::Value::Array(items) = reply else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let redis::Value::Array(parts) = item else {
                return None;
            };
            let [id, redis::Value::Array(flat), ..] = parts.as_slice() else {
                return None;
            };
            let fields = flat
                .chunks_exact(2)
                .filter_map(|pair| Some((text(&pair[0])?, text(&pair[1])?)))
                .collect();
            Some((text(id)?, fields))
        })
        .collect()
}

fn text(value: &redis::Value) -> Option<String> {
    match value {
        redis::Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
        redis::Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

fn route_published(payload: &[u8], sinks: &Sinks, uid: &str, stats: &Stats) {
    let message = match codec::decode_published(payload) {
        Ok(message) => message,
        Err(e) => {
            stats.adapter.malformed.fetch_add(1, Relaxed);
            tracing::warn!("redis adapter: ignoring a published message: {e}");
            return;
        }
    };
    if message.uid == uid {
        return;
    }
    let Some(sink) = sinks.get(&message.nsp) else {
        return;
    };
    let inbound = match message.body {
        Body::Request(request) => Inbound::Request {
            from: message.uid,
            request,
        },
        Body::FetchSocketsResponse {
            request_id,
            sockets,
        } => Inbound::Sockets {
            request_id,
            sockets,
        },
        Body::BroadcastClientCount { request_id, count } => Inbound::ClientCount {
            request_id,
            count: super::client_count(count),
        },
        Body::BroadcastAck {
            request_id,
            args_json,
            attachments,
        } => Inbound::BroadcastAck {
            request_id,
            args_json,
            attachments,
        },
        Body::ServerSideEmitResponse {
            request_id,
            args_json,
        } => Inbound::ServerSideEmitReply {
            request_id,
            args_json,
        },
        // Broadcasts travel in the stream; heartbeats are not sent by
        // 0.3.1.
        Body::Broadcast { .. }
        | Body::InitialHeartbeat
        | Body::Heartbeat
        | Body::AdapterClose
        | Body::Other(_) => return,
    };
    stats.adapter.received.fetch_add(1, Relaxed);
    sink.deliver(inbound);
}

/// Restore a session another node kept (see
/// [`super::ClusterLink::restore_session`]).
pub(super) struct Restore {
    pub client: redis::Client,
    pub nsp: Arc<str>,
    pub conn: ConnId,
    pub pid: String,
    pub offset: Option<String>,
    pub sink: Arc<dyn ClusterSink>,
}

impl Restore {
    pub async fn run(self) {
        let session = match tokio::time::timeout(IO_TIMEOUT * 2, self.read()).await {
            Ok(Ok(session)) => session,
            Ok(Err(e)) => {
                tracing::warn!(endpoint = %self.nsp, "redis adapter: session not restored: {e}");
                None
            }
            Err(_) => {
                tracing::warn!(endpoint = %self.nsp, "redis adapter: session not restored: Redis did not answer in time");
                None
            }
        };
        self.sink.deliver(Inbound::Restored {
            conn: self.conn,
            session,
        });
    }

    /// Node's `restoreSession`: the session (taken, so one node restores
    /// it), and the entries after the client's offset that were for it. None
    /// when either is missing.
    async fn read(&self) -> Result<Option<Box<RestoredSession>>> {
        let Some(offset) = self.offset.as_deref().and_then(Offset::parse) else {
            return Ok(None);
        };
        let mut conn = self
            .client
            .get_multiplexed_async_connection_with_config(&connection_config())
            .await?;
        let (stored, at): (Option<String>, redis::Value) = redis::pipe()
            .cmd("GETDEL")
            .arg(codec::session_key(&self.pid))
            .cmd("XRANGE")
            .arg(STREAM_NAME)
            .arg(offset.to_string())
            .arg(offset.to_string())
            .query_async(&mut conn)
            .await?;
        let (Some(stored), false) = (stored, entries(&at).is_empty()) else {
            return Ok(None);
        };
        let session = codec::decode_session(&stored).map_err(|e| anyhow::anyhow!("{}", e.0))?;
        let mut missed = Vec::new();
        let mut cursor = offset;
        for _ in 0..MAX_RESTORE_READS {
            let Some(start) = cursor.next() else { break };
            let reply: redis::Value = redis::cmd("XRANGE")
                .arg(STREAM_NAME)
                .arg(start.to_string())
                .arg("+")
                .arg("COUNT")
                .arg(READ_COUNT)
                .query_async(&mut conn)
                .await?;
            let batch = entries(&reply);
            if batch.is_empty() {
                break;
            }
            for (id, fields) in batch {
                let Some(entry) = Offset::parse(&id) else {
                    continue;
                };
                if let Some(b) = codec::replayed_broadcast(&fields, &self.nsp, &session.rooms)
                    .map_err(|e| anyhow::anyhow!("{}", e.0))?
                {
                    missed.push((entry, b));
                }
                cursor = entry;
            }
        }
        Ok(Some(Box::new(RestoredSession {
            sid: session.sid.as_str().into(),
            pid: session.pid,
            rooms: session.rooms,
            data_json: session.data_json,
            missed,
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> redis::Value {
        redis::Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn xread_and_xrange_replies_give_their_entries() {
        let entry = |id: &str| {
            redis::Value::Array(vec![
                bulk(id),
                redis::Value::Array(vec![bulk("uid"), bulk("u"), bulk("nsp"), bulk("/")]),
            ])
        };
        let range = redis::Value::Array(vec![entry("1-0"), entry("1-1")]);
        let got = entries(&range);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].0, "1-1");
        assert_eq!(
            got[0].1,
            vec![("uid".into(), "u".into()), ("nsp".into(), "/".into())]
        );
        let xread = redis::Value::Array(vec![redis::Value::Array(vec![bulk("socket.io"), range])]);
        assert_eq!(entries_of_xread(&xread).len(), 2);
        assert!(entries_of_xread(&redis::Value::Nil).is_empty());
        assert!(entries(&redis::Value::Array(vec![bulk("junk")])).is_empty());
    }
}

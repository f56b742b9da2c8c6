//! The pub/sub adapter (`--redis-adapter pubsub`, the default): npm
//! `@socket.io/redis-adapter` 8.3's channels (`sio_protocol::redis_adapter`).
//! The writer (`super::write_loop`) PUBLISHes; the subscriber
//! (`super::follow`) PSUBSCRIBEs every endpoint's broadcast channels and SUBSCRIBEs its
//! request and response channels, decodes what arrives and hands it to the
//! namespace's [`ClusterSink`]. At most once, as with the Node adapter.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use tokio::sync::mpsc::UnboundedReceiver;

use sio_protocol::redis_adapter as codec;

use super::{ClusterSink, Inbound, Outgoing, Subscription};
use crate::stats::Stats;

/// Where the subscriber sends what arrives on each channel or pattern.
struct Routes {
    /// Broadcast pattern → namespace.
    broadcasts: HashMap<String, Arc<dyn ClusterSink>>,
    /// Request channel → namespace.
    requests: HashMap<String, Arc<dyn ClusterSink>>,
    /// This node's response channel → namespace.
    responses: HashMap<String, Arc<dyn ClusterSink>>,
}

/// Start the writer and the subscriber for `namespaces`.
pub(super) fn start(
    client: redis::Client,
    namespaces: Vec<(String, Arc<dyn ClusterSink>)>,
    uid: Arc<str>,
    rx: UnboundedReceiver<Outgoing>,
    stats: Arc<Stats>,
) {
    let mut routes = Routes {
        broadcasts: HashMap::new(),
        requests: HashMap::new(),
        responses: HashMap::new(),
    };
    for (nsp, sink) in namespaces {
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
    tokio::spawn(super::write_loop(client.clone(), rx, stats.clone()));
    let sub = Subscription {
        patterns: routes.broadcasts.keys().cloned().collect(),
        channels: routes
            .requests
            .keys()
            .chain(routes.responses.keys())
            .cloned()
            .collect(),
        reports_connected: true,
    };
    let follower_stats = stats.clone();
    tokio::spawn(super::follow(client, sub, follower_stats, move |msg| {
        route(msg, &routes, &uid, &stats)
    }));
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
                Ok(b) => Ok((
                    endpoint,
                    Inbound::Broadcast {
                        broadcast: Box::new(b),
                        offset: None,
                    },
                )),
                Err(e) => Err(e),
            }
        }
        None if routes.responses.contains_key(msg.get_channel_name()) => {
            let Some(endpoint) = routes.responses.get(msg.get_channel_name()) else {
                return;
            };
            // Node servers answer on the shared channel, whoever asked: an
            // answer to another node's request reaches the namespace, which
            // knows no such request id and drops it.
            match codec::decode_response(payload) {
                Ok(response) => match answer(response) {
                    Some(inbound) => Ok((endpoint, inbound)),
                    None => return,
                },
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

/// What the namespace hears of an answer; None for answers to requests
/// sio-host does not make.
fn answer(response: codec::Response) -> Option<Inbound> {
    Some(match response {
        codec::Response::Sockets {
            request_id,
            sockets,
        } => Inbound::Sockets {
            request_id,
            sockets,
        },
        codec::Response::ClientCount { request_id, count } => Inbound::ClientCount {
            request_id,
            count: super::client_count(count),
        },
        codec::Response::BroadcastAck {
            request_id,
            args_json,
            attachments,
        } => Inbound::BroadcastAck {
            request_id,
            args_json,
            attachments,
        },
        codec::Response::ServerSideEmit {
            request_id,
            args_json,
        } => Inbound::ServerSideEmitReply {
            request_id,
            args_json,
        },
        codec::Response::Other { .. } => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_reach_the_namespace_as_what_they_answer() {
        let decode = |payload: &[u8]| answer(codec::decode_response(payload).unwrap());
        // A Node server's client count and a server event's answer (JSON).
        let Some(Inbound::ClientCount { request_id, count }) =
            decode(br#"{"type":8,"requestId":"q","clientCount":2}"#)
        else {
            panic!()
        };
        assert_eq!((request_id.as_str(), count), ("q", 2));
        let Some(Inbound::ServerSideEmitReply {
            request_id,
            args_json,
        }) = decode(br#"{"type":6,"requestId":"s","data":{"a":1}}"#)
        else {
            panic!()
        };
        assert_eq!(
            (request_id.as_str(), args_json.as_str()),
            ("s", r#"[{"a":1}]"#)
        );
        // sio-host's own ack (msgpack), with its binary.
        let ack = codec::encode_broadcast_ack(
            "b",
            r#"[{"_placeholder":true,"num":0}]"#,
            &[bytes::Bytes::from_static(b"x")],
        )
        .unwrap();
        let Some(Inbound::BroadcastAck { attachments, .. }) = decode(&ack) else {
            panic!()
        };
        assert_eq!(attachments, [bytes::Bytes::from_static(b"x")]);
        // Answers to requests sio-host does not make.
        assert!(decode(br#"{"requestId":"j"}"#).is_none());
        assert!(decode(br#"{"requestId":"r","rooms":["a"]}"#).is_none());
    }
}

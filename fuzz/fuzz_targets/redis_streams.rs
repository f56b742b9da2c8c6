//! The redis-streams-adapter codec (`@socket.io/redis-streams-adapter`
//! messages from other nodes): decoding arbitrary bytes as a pub/sub message
//! (msgpack), as a stream entry's `data` of every type (the input as JSON
//! text, and as base64 of the input bytes, which the decoder reads as
//! msgpack), as a list of entry fields, and as a stored session never
//! panics; what decodes has the promised shape; a decoded broadcast,
//! fetch response, ack, server event, server event answer or session
//! re-encodes, and that encoding decodes to the same values (floats up to serde_json's last-bit rounding, see
//! `fuzz/README.md`); offsets print back to what they parse from; the
//! encoders take any text.
//!
//! Run with `cargo fuzz run redis_streams` in `fuzz/` (see `fuzz/README.md`).

#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;

#[path = "common/json.rs"]
mod json;
use json::{close, same_json};
use serde_json::Value;
use sio_protocol::redis_adapter::{Broadcast, Request, Selector, Target};
use sio_protocol::redis_streams::{self as codec, Body, Offset, Session, StreamMessage};
use sio_protocol::socketio;

/// Standard base64 with padding (what Node's `Buffer#toString("base64")`
/// writes), here so the crate needs no more dependencies.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A decoding error from nesting at the decoders' depth limits (msgpack's
/// and serde_json's): a re-encoding can nest deeper than what was read, as
/// a msgpack extension is written `[type, <placeholder>]`.
fn too_deep(e: &codec::CodecError) -> bool {
    e.0.contains("depth") || e.0.contains("recursion")
}

fn owned(fields: Vec<(&'static str, String)>) -> Vec<(String, String)> {
    fields
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

/// A broadcast as a stream entry again.
fn reencode(b: &Broadcast) -> Result<Vec<(String, String)>, codec::CodecError> {
    codec::encode_broadcast_entry(
        &b.uid,
        &b.nsp,
        &b.event,
        &b.args_json,
        &b.attachments,
        &b.to,
    )
    .map(owned)
}

/// A decoded broadcast re-encodes (unless a placeholder-looking object names
/// no attachment) to an entry that decodes to the same broadcast.
fn check_broadcast(b: &Broadcast) {
    assert!(
        socketio::args_inner(&b.args_json).is_ok(),
        "{}",
        b.args_json
    );
    assert!(!b.nsp.is_empty());
    let Ok(fields) = reencode(b) else {
        return;
    };
    let again = match codec::decode_entry(&fields) {
        Ok(m) => m,
        Err(e) if too_deep(&e) => return,
        Err(e) => panic!("an encoded broadcast does not decode: {e}"),
    };
    assert_eq!(again.uid, b.uid);
    assert_eq!(again.nsp, b.nsp);
    let Body::Broadcast {
        broadcast,
        volatile: false,
    } = again.body
    else {
        panic!("an encoded broadcast decodes as {:?}", again.body)
    };
    assert_eq!(broadcast.event, b.event);
    assert_eq!(broadcast.to, b.to);
    assert!(!broadcast.local);
    assert!(same_json(&broadcast.args_json, &b.args_json) || b.args_json.contains("_placeholder"));
}

fn check_message(m: &StreamMessage) {
    match &m.body {
        Body::Broadcast { broadcast, .. } => {
            assert_eq!(broadcast.uid, m.uid);
            assert_eq!(broadcast.nsp, m.nsp);
            check_broadcast(broadcast);
        }
        Body::Request(Request::BroadcastWithAck { broadcast, .. }) => check_broadcast(broadcast),
        Body::Request(Request::Rooms {
            request_id, target, ..
        }) => {
            assert!(request_id.is_none());
            assert!(matches!(target, Target::Selected(_)));
        }
        Body::Request(Request::Disconnect {
            request_id, target, ..
        }) => {
            assert!(request_id.is_none());
            assert!(matches!(target, Target::Selected(_)));
        }
        Body::Request(Request::Ignored { .. }) => panic!("every streams request type is read"),
        Body::Request(Request::ServerSideEmit {
            request_id,
            event,
            args_json,
        }) => {
            // Binary was turned into JSON (a handler's server event has no
            // attachments). Sent on, it decodes to the same event.
            assert!(socketio::args_inner(args_json).is_ok(), "{args_json}");
            let bytes = match codec::encode_server_side_emit(
                &m.uid,
                &m.nsp,
                request_id.as_deref(),
                event,
                args_json,
            ) {
                Ok(bytes) => bytes,
                Err(e) if too_deep(&e) => return,
                Err(e) => panic!("a decoded server event does not encode: {e}"),
            };
            match codec::decode_published(&bytes) {
                Ok(StreamMessage {
                    body:
                        Body::Request(Request::ServerSideEmit {
                            request_id: id,
                            event: e,
                            args_json: again,
                        }),
                    ..
                }) => {
                    assert_eq!(&id, request_id);
                    assert_eq!(&e, event);
                    assert!(same_json(&again, args_json), "{args_json} -> {again}");
                }
                Err(e) if too_deep(&e) => {}
                other => panic!("an encoded server event decodes as {other:?}"),
            }
        }
        Body::ServerSideEmitResponse {
            request_id,
            args_json,
        } => {
            assert!(socketio::args_inner(args_json).is_ok(), "{args_json}");
            let bytes = match codec::encode_server_side_emit_response(
                &m.uid, &m.nsp, request_id, args_json,
            ) {
                Ok(bytes) => bytes,
                Err(e) if too_deep(&e) => return,
                Err(e) => panic!("a decoded answer does not encode: {e}"),
            };
            match codec::decode_published(&bytes) {
                Ok(StreamMessage {
                    body:
                        Body::ServerSideEmitResponse {
                            request_id: id,
                            args_json: again,
                        },
                    ..
                }) => {
                    assert_eq!(&id, request_id);
                    assert!(same_json(&again, args_json), "{args_json} -> {again}");
                }
                Err(e) if too_deep(&e) => {}
                other => panic!("an encoded answer decodes as {other:?}"),
            }
        }
        Body::Request(Request::Sockets { .. } | Request::AllRooms { .. }) => {
            panic!("not a streams adapter request")
        }
        Body::FetchSocketsResponse {
            request_id,
            sockets,
        } => {
            let bytes = codec::encode_fetch_response(&m.uid, &m.nsp, request_id, sockets);
            let again = match codec::decode_published(&bytes) {
                Ok(again) => again,
                Err(e) if too_deep(&e) => return,
                Err(e) => panic!("an encoded fetch response does not decode: {e}"),
            };
            let Body::FetchSocketsResponse {
                request_id: id,
                sockets: again,
            } = again.body
            else {
                panic!("an encoded fetch response decodes as something else")
            };
            assert_eq!(&id, request_id);
            assert_eq!(again.len(), sockets.len());
            assert!(again.iter().zip(sockets).all(|(a, b)| close(a, b)));
        }
        Body::BroadcastAck {
            request_id,
            args_json,
            attachments,
        } => {
            assert!(socketio::args_inner(args_json).is_ok(), "{args_json}");
            if let Ok(bytes) =
                codec::encode_broadcast_ack(&m.uid, &m.nsp, request_id, args_json, attachments)
            {
                match codec::decode_published(&bytes) {
                    Ok(again) => {
                        let Body::BroadcastAck { request_id: id, .. } = again.body else {
                            panic!("an encoded ack decodes as {:?}", again.body)
                        };
                        assert_eq!(&id, request_id);
                    }
                    Err(e) if too_deep(&e) => {}
                    Err(e) => panic!("an encoded ack does not decode: {e}"),
                }
            }
        }
        _ => {}
    }
}

fn check_session(session: &Session) {
    let Ok(stored) = codec::encode_session(session) else {
        // A placeholder-looking map, or data nested too deep to re-read.
        return;
    };
    let again = match codec::decode_session(&stored) {
        Ok(again) => again,
        Err(e) if too_deep(&e) => return,
        Err(e) => panic!("an encoded session does not decode: {e}"),
    };
    assert_eq!(again.sid, session.sid);
    assert_eq!(again.pid, session.pid);
    assert_eq!(again.rooms, session.rooms);
    assert!(same_json(&again.data_json, &session.data_json));
}

fuzz_target!(|data: &[u8]| {
    // A pub/sub message.
    if let Ok(m) = codec::decode_published(data) {
        check_message(&m);
    }

    // A stream entry of each type, `data` as base64 msgpack of the input,
    // and as the input's text when it is UTF-8.
    let b64 = base64(data);
    let text = std::str::from_utf8(data).ok();
    for kind in ["3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "1"] {
        for value in [Some(b64.as_str()), text].into_iter().flatten() {
            let fields = vec![
                ("uid".to_string(), "u".to_string()),
                ("nsp".to_string(), "/".to_string()),
                ("type".to_string(), kind.to_string()),
                ("data".to_string(), value.to_string()),
            ];
            if let Ok(m) = codec::decode_entry(&fields) {
                assert_eq!((m.uid.as_str(), m.nsp.as_str()), ("u", "/"));
                check_message(&m);
            }
            let _ = codec::replayed_broadcast(&fields, "/", &["u", "r"]);
        }
    }
    // A stored session.
    if let Ok(session) = codec::decode_session(&b64) {
        check_session(&session);
    }

    let Some(text) = text else {
        return;
    };
    // The input as fields: `name\tvalue` lines.
    let fields: Vec<(String, String)> = text
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    if let Ok(m) = codec::decode_entry(&fields) {
        assert!(!m.nsp.is_empty());
        check_message(&m);
    }
    if let Ok(session) = codec::decode_session(text) {
        check_session(&session);
    }

    // Offsets print back to what they parse from (leading zeros aside).
    if let Some(offset) = Offset::parse(text) {
        assert_eq!(Offset::parse(&offset.to_string()), Some(offset));
        if let Some(next) = offset.next() {
            assert!(next > offset);
        }
    }
    if sio_protocol::socketio::args_inner(text).is_ok() {
        let packet = sio_protocol::socketio::encode_replayable_event("/", "e", text, 0, text);
        let Some(array) = packet.strip_prefix('2') else {
            panic!("not an event: {packet}")
        };
        let Ok(Value::Array(items)) = serde_json::from_str::<Value>(array) else {
            panic!("the event is not an array: {packet}")
        };
        assert_eq!(items.last(), Some(&Value::from(text)));
    }

    // The encoders, with the input's text as every string and as the
    // arguments (attachments: the input's bytes, split in two).
    let (a, b) = data.split_at(data.len() / 2);
    let attachments = [Bytes::copy_from_slice(a), Bytes::copy_from_slice(b)];
    let to = Selector {
        rooms: vec![text.to_owned()],
        except: vec![String::new(), text.to_owned()],
    };
    let rooms: Vec<&str> = text.split(',').collect();
    let _ = codec::selects(rooms.iter().copied(), &to);
    let _ = codec::stream_name(text, data.len() as u32);
    if let Ok(fields) = codec::encode_broadcast_entry(text, text, text, text, &attachments, &to) {
        let fields = owned(fields);
        if text.is_empty() {
            assert!(codec::decode_entry(&fields).is_err());
        } else {
            match codec::decode_entry(&fields) {
                Ok(m) => {
                    let Body::Broadcast { broadcast, .. } = &m.body else {
                        panic!("an encoded broadcast decodes as {:?}", m.body)
                    };
                    assert_eq!(broadcast.event, text);
                    assert_eq!(broadcast.to, to);
                    check_message(&m);
                }
                Err(e) if too_deep(&e) => {}
                Err(e) => panic!("an encoded broadcast does not decode: {e}"),
            }
        }
    }
    let fetch = codec::decode_published(&codec::encode_fetch_sockets(text, text, text, &to))
        .expect("an encoded fetch request decodes");
    assert_eq!(
        fetch.body,
        Body::Request(Request::Fetch {
            request_id: text.to_owned(),
            to: to.clone(),
        })
    );
    let count = codec::decode_published(&codec::encode_client_count(text, text, text, data.len()))
        .expect("an encoded client count decodes");
    assert_eq!(
        count.body,
        Body::BroadcastClientCount {
            request_id: text.to_owned(),
            count: data.len() as u64,
        }
    );
    let _ = codec::encode_broadcast_ack(text, text, text, text, &attachments);
    if let Ok(bytes) =
        codec::encode_broadcast_with_ack(text, text, text, text, text, &attachments, &to)
    {
        match codec::decode_published(&bytes) {
            Ok(m) => {
                let Body::Request(Request::BroadcastWithAck {
                    request_id,
                    broadcast,
                }) = &m.body
                else {
                    panic!("an encoded broadcast with acks decodes as {:?}", m.body)
                };
                assert_eq!(
                    (request_id.as_str(), broadcast.event.as_str()),
                    (text, text)
                );
                assert_eq!(broadcast.to, to);
                check_message(&m);
            }
            Err(e) if too_deep(&e) => {}
            Err(e) => panic!("an encoded broadcast with acks does not decode: {e}"),
        }
    }
    for request_id in [None, Some(text)] {
        if let Ok(bytes) = codec::encode_server_side_emit(text, text, request_id, text, text) {
            match codec::decode_published(&bytes) {
                Ok(m) => {
                    let Body::Request(Request::ServerSideEmit {
                        request_id: id,
                        event,
                        ..
                    }) = &m.body
                    else {
                        panic!("an encoded server event decodes as {:?}", m.body)
                    };
                    assert_eq!((id.as_deref(), event.as_str()), (request_id, text));
                    check_message(&m);
                }
                Err(e) if too_deep(&e) => {}
                Err(e) => panic!("an encoded server event does not decode: {e}"),
            }
        }
    }
    if let Ok(bytes) = codec::encode_server_side_emit_response(text, text, text, text) {
        match codec::decode_published(&bytes) {
            Ok(m) => {
                assert!(matches!(&m.body, Body::ServerSideEmitResponse { .. }));
                check_message(&m);
            }
            Err(e) if too_deep(&e) => {}
            Err(e) => panic!("an encoded answer does not decode: {e}"),
        }
    }
    let session = Session {
        sid: text.to_owned(),
        pid: text.to_owned(),
        rooms: rooms.iter().map(|r| r.to_string()).collect(),
        data_json: text.to_owned(),
    };
    check_session(&session);
    let _ = (
        codec::public_channel(text),
        codec::private_channel(text, text),
        codec::session_key(text),
    );
});

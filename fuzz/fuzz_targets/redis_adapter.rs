//! The redis-adapter codec (`@socket.io/redis-adapter` messages from other
//! nodes): decoding arbitrary bytes as a broadcast (msgpack) or a request
//! (JSON when it starts with `{`, msgpack otherwise) never panics; what
//! decodes has the promised shape; a decoded broadcast re-encodes, and after
//! that one round (which turns every placeholder into a real attachment) its
//! encoding is a fixed point (floats up to serde_json's last-bit rounding);
//! a decoded server event (`SERVER_SIDE_EMIT`) or answer on a response
//! channel (client count, ack, server event answer) re-encodes to the same
//! values; the encoders (broadcasts with acks and server events included)
//! take any text and what they write decodes.
//!
//! Run with `cargo fuzz run redis_adapter` in `fuzz/` (see `fuzz/README.md`).

#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;

#[path = "common/json.rs"]
mod json;
use json::same_json;
use sio_protocol::redis_adapter::{self as codec, Broadcast, Request, Selector, Target};
use sio_protocol::socketio;

/// What must hold of any broadcast the decoder gives out.
fn check_shape(broadcast: &Broadcast) {
    assert!(
        socketio::args_inner(&broadcast.args_json).is_ok(),
        "{}",
        broadcast.args_json
    );
}

/// `broadcast` published again, as sio-host would forward it.
fn reencode(broadcast: &Broadcast) -> Result<Vec<u8>, codec::CodecError> {
    codec::encode_broadcast(
        &broadcast.uid,
        &broadcast.nsp,
        &broadcast.event,
        &broadcast.args_json,
        &broadcast.attachments,
        &broadcast.to,
    )
}

/// A decoded broadcast re-encodes (unless it carries a map that looks like
/// a placeholder and names no attachment: Socket.IO cannot tell those from
/// real ones either); once re-encoded, decoding and encoding again changes
/// nothing.
fn check_round_trip(broadcast: &Broadcast) {
    let Ok(once) = reencode(broadcast) else {
        return;
    };
    let first = match codec::decode_broadcast(&once) {
        Ok(first) => first,
        // A msgpack extension is written `[type, <placeholder>]`: one
        // deeper, which at the decoder's depth limit is one too deep.
        Err(e) if e.0.contains("depth") => return,
        Err(e) => panic!("an encoded broadcast does not decode: {e}"),
    };
    check_shape(&first);
    assert_eq!(first.uid, broadcast.uid);
    assert_eq!(first.nsp, broadcast.nsp);
    assert_eq!(first.event, broadcast.event);
    assert_eq!(first.to, broadcast.to);
    assert!(!first.local);
    if first.uid.len() < 32 {
        assert!(codec::published_by(&once, &first.uid));
    }
    let twice = reencode(&first).expect("a re-encoded broadcast encodes again");
    let second = codec::decode_broadcast(&twice).expect("an encoded broadcast decodes");
    assert!(
        same_json(&second.args_json, &first.args_json),
        "{} -> {}",
        first.args_json,
        second.args_json
    );
    assert_eq!(
        Broadcast {
            args_json: first.args_json.clone(),
            ..second
        },
        first
    );
}

fn check_request(request: &Request) {
    match request {
        Request::BroadcastWithAck { broadcast, .. } => {
            check_shape(broadcast);
            check_round_trip(broadcast);
        }
        Request::Rooms {
            target: Target::Sid(_),
            rooms,
            ..
        } => assert!(rooms.len() <= 1),
        Request::ServerSideEmit {
            request_id,
            event,
            args_json,
        } => {
            // Binary was turned into JSON (a handler's server event has no
            // attachments). Sent on, it decodes to the same event.
            assert!(socketio::args_inner(args_json).is_ok(), "{args_json}");
            let bytes = match codec::encode_server_side_emit(
                "u",
                request_id.as_deref(),
                event,
                args_json,
            ) {
                Ok(bytes) => bytes,
                Err(e) if too_deep(&e) => return,
                Err(e) => panic!("a decoded server event does not encode: {e}"),
            };
            match codec::decode_request(&bytes) {
                Ok((
                    uid,
                    Request::ServerSideEmit {
                        request_id: id,
                        event: e,
                        args_json: again,
                    },
                )) => {
                    assert_eq!(uid, "u");
                    assert_eq!(&id, request_id);
                    assert_eq!(&e, event);
                    assert!(same_json(&again, args_json), "{args_json} -> {again}");
                }
                Err(e) if too_deep(&e) => {}
                other => panic!("an encoded server event decodes as {other:?}"),
            }
        }
        _ => {}
    }
}

/// A decoding error from nesting at the decoders' depth limits (msgpack's
/// and serde_json's): a re-encoding can nest deeper than what was read.
fn too_deep(e: &codec::CodecError) -> bool {
    e.0.contains("depth") || e.0.contains("recursion")
}

/// What must hold of any answer the decoder gives out, and its re-encoding
/// where sio-host sends such answers.
fn check_response(response: &codec::Response) {
    match response {
        codec::Response::BroadcastAck {
            request_id,
            args_json,
            attachments,
        } => {
            assert!(socketio::args_inner(args_json).is_ok(), "{args_json}");
            if let Ok(bytes) = codec::encode_broadcast_ack(request_id, args_json, attachments) {
                match codec::decode_response(&bytes) {
                    Ok(codec::Response::BroadcastAck { request_id: id, .. }) => {
                        assert_eq!(&id, request_id)
                    }
                    Err(e) if e.0.contains("depth") => {}
                    other => panic!("an encoded ack decodes as {other:?}"),
                }
            }
        }
        codec::Response::ServerSideEmit {
            request_id,
            args_json,
        } => {
            assert!(socketio::args_inner(args_json).is_ok(), "{args_json}");
            let bytes = match codec::encode_server_side_emit_response(request_id, args_json) {
                Ok(bytes) => bytes,
                Err(e) if too_deep(&e) => return,
                Err(e) => panic!("a decoded answer does not encode: {e}"),
            };
            match codec::decode_response(&bytes) {
                Ok(codec::Response::ServerSideEmit {
                    request_id: id,
                    args_json: again,
                }) => {
                    assert_eq!(&id, request_id);
                    assert!(same_json(&again, args_json), "{args_json} -> {again}");
                }
                Err(e) if too_deep(&e) => {}
                other => panic!("an encoded answer decodes as {other:?}"),
            }
        }
        codec::Response::Sockets { .. }
        | codec::Response::ClientCount { .. }
        | codec::Response::Other { .. } => {}
    }
}

fuzz_target!(|data: &[u8]| {
    // A message on a broadcast channel.
    if let Ok(broadcast) = codec::decode_broadcast(data) {
        check_shape(&broadcast);
        // The cheap own-message check agrees with the decoder: a fixarray of
        // 3 whose first element is a fixstr names the publisher.
        if let [0x93, len @ 0xa0..=0xbf, rest @ ..] = data {
            let len = usize::from(len & 0x1f);
            if let Some(Ok(uid)) = rest.get(..len).map(std::str::from_utf8) {
                if codec::published_by(data, uid) {
                    assert_eq!(broadcast.uid, uid);
                }
            }
        }
        check_round_trip(&broadcast);
    }
    let _ = codec::published_by(data, "abc123");

    // A message on the request channel: msgpack, or JSON when it starts
    // with `{` (tried both ways, so the JSON reader sees every input).
    if let Ok((_, request)) = codec::decode_request(data) {
        check_request(&request);
    }
    if data.first() != Some(&b'{') {
        let mut json = Vec::with_capacity(data.len() + 1);
        json.push(b'{');
        json.extend_from_slice(data);
        if let Ok((_, request)) = codec::decode_request(&json) {
            check_request(&request);
        }
    }

    // A message on a response channel: another node's answer to this
    // node's request (msgpack or JSON).
    if let Ok(response) = codec::decode_response(data) {
        check_response(&response);
    }

    // The encoders, with the input's text as every string and as the
    // arguments (attachments: the input's bytes, split in two).
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (a, b) = data.split_at(data.len() / 2);
    let attachments = [Bytes::copy_from_slice(a), Bytes::copy_from_slice(b)];
    let _ = codec::json_to_msgpack(text, &attachments);
    let to = Selector {
        rooms: vec![text.to_owned()],
        except: vec![String::new(), text.to_owned()],
    };
    if let Ok(encoded) = codec::encode_broadcast(text, text, text, text, &attachments, &to) {
        let broadcast = codec::decode_broadcast(&encoded).expect("an encoded broadcast decodes");
        check_shape(&broadcast);
        assert_eq!(broadcast.uid, text);
        assert_eq!(broadcast.nsp, text);
        assert_eq!(broadcast.event, text);
        assert_eq!(broadcast.to, to);
        check_round_trip(&broadcast);
    }
    let _ = codec::encode_broadcast_ack(text, text, &attachments);
    if let Ok(bytes) =
        codec::encode_broadcast_with_ack(text, text, text, text, text, &attachments, &to)
    {
        match codec::decode_request(&bytes) {
            Ok((
                uid,
                Request::BroadcastWithAck {
                    request_id,
                    broadcast,
                },
            )) => {
                assert_eq!((uid.as_str(), request_id.as_str()), (text, text));
                assert_eq!(
                    (broadcast.nsp.as_str(), broadcast.event.as_str()),
                    (text, text)
                );
                assert_eq!(broadcast.to, to);
                check_shape(&broadcast);
            }
            Err(e) if e.0.contains("depth") => {}
            other => panic!("an encoded broadcast with acks decodes as {other:?}"),
        }
    }
    if let Ok(bytes) = codec::encode_server_side_emit(text, Some(text), text, text) {
        match codec::decode_request(&bytes) {
            Ok((uid, request @ Request::ServerSideEmit { .. })) => {
                assert_eq!(uid, text);
                check_request(&request);
            }
            Err(e) if too_deep(&e) => {}
            other => panic!("an encoded server event decodes as {other:?}"),
        }
    }
    if let Ok(bytes) = codec::encode_server_side_emit_response(text, text) {
        match codec::decode_response(&bytes) {
            Ok(response @ codec::Response::ServerSideEmit { .. }) => check_response(&response),
            Err(e) if too_deep(&e) => {}
            other => panic!("an encoded answer decodes as {other:?}"),
        }
    }
    let _ = codec::encode_client_count(text, data.len());
    let _ = codec::broadcast_channel(text, Some(text));
    let _ = codec::broadcast_pattern(text);
    let _ = codec::request_channel(text);
    let _ = codec::response_channel(text, text);
});

//! Socket.IO v5 and v4 codecs: decoding arbitrary text never panics; whatever
//! decodes has the promised shape, and its canonical encoding decodes to the
//! same message. The encoders never panic on arbitrary input either.
//!
//! Run with `cargo fuzz run socketio_packet` in `fuzz/` (see `fuzz/README.md`).

#![no_main]

use libfuzzer_sys::fuzz_target;
use sio_protocol::socketio::{self, Message};
use sio_protocol::socketio4;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };

    let _ = socketio::split_frame(text, usize::MAX);
    if let Ok(inner) = socketio::args_inner(text) {
        let rebuilt = format!("[{inner}]");
        assert_eq!(socketio::args_inner(&rebuilt), Ok(inner));
    }

    if let Ok(message) = socketio::decode(text) {
        assert!(message.nsp().starts_with('/'));
        assert!(!message.nsp().contains(','));
        match &message {
            Message::Connect {
                auth: Some(auth), ..
            } => {
                assert!(auth.starts_with('{') && auth.ends_with('}'), "{auth}");
            }
            Message::Event {
                name,
                args,
                attachments,
                ..
            } => {
                assert!(!socketio::is_reserved_event(name));
                assert!(socketio::args_inner(args).is_ok(), "{args}");
                assert!(*attachments <= socketio::DEFAULT_MAX_ATTACHMENTS);
            }
            Message::Ack {
                args, attachments, ..
            } => {
                assert!(socketio::args_inner(args).is_ok(), "{args}");
                assert!(*attachments <= socketio::DEFAULT_MAX_ATTACHMENTS);
            }
            Message::Connect { auth: None, .. } | Message::Disconnect { .. } => {}
        }
        let canonical = socketio::encode(&message);
        assert_eq!(socketio::decode(&canonical), Ok(message), "{canonical}");
    }

    // Socket.IO v4: v5's packets, namespaces without their query, and a
    // CONNECT's query as a JSON object.
    if let Ok(message) = socketio4::decode(text) {
        assert!(message.nsp().starts_with('/'));
        assert!(!message.nsp().contains(['?', '#', ',']));
        if let Message::Connect {
            auth: Some(auth), ..
        } = &message
        {
            assert!(auth.starts_with('{') && auth.ends_with('}'), "{auth}");
        }
        // A v5 packet's canonical text reads the same in v4, query aside.
        let canonical = socketio::encode(&message);
        let again = socketio4::decode(&canonical);
        match (&message, again) {
            (Message::Connect { nsp, .. }, Ok(Message::Connect { nsp: n, .. })) => {
                assert_eq!(nsp, &n)
            }
            (_, again) => assert_eq!(again, Ok(message.clone()), "{canonical}"),
        }
    }
    let _ = sio_protocol::query_to_json(text);
    let (path, _) = socketio4::split_query(text);
    assert!(path.len() <= text.len());

    // Encoders take any text without panicking.
    let n = data.len();
    let _ = socketio::encode_event(text, text, text, n % 3, Some(n as u64));
    let _ = socketio::encode_ack(text, n as u64, text, n % 2);
    let _ = socketio::encode_connect(text, text);
    let _ = socketio::encode_connect_error(text, text);
    let _ = socketio::encode_disconnect(text);
    let _ = socketio4::encode_connect(text);
    let _ = socketio4::encode_connect_error(text, text);
    let _ = socketio::encode_connect_recoverable(text, text, Some(text));
    let _ = socketio::encode_replayable_event(text, text, text, n % 3, text);

    // A CONNECT payload asking for recovery: what is left is the client's
    // own auth, a JSON object, or nothing.
    let mut auth = Some(text.to_string());
    if sio_protocol::recovery::RecoveryRequest::take(&mut auth).is_some()
        && let Some(rest) = &auth
    {
        assert!(matches!(
            serde_json::from_str::<serde_json::Value>(rest),
            Ok(serde_json::Value::Object(_))
        ));
    }
});

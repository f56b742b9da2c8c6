//! socket.io-msgpack-parser packets: decoding arbitrary bytes never panics;
//! whatever decodes has the model's shape (a namespace the JSON parser
//! could name, arguments that are a JSON array, as many attachments as
//! placeholders), and encoding it back as the server would decodes to the
//! same packet. The encoder and the replay reframing take any text.
//!
//! Run with `cargo fuzz run msgpack_parser` in `fuzz/` (see `fuzz/README.md`).

#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use sio_protocol::socketio::{self, DecodeOptions, Message};
use sio_protocol::{Frame, Generation, Parser, WireFormat, msgpack_parser, wire};

fuzz_target!(|data: &[u8]| {
    let packet = Bytes::copy_from_slice(data);
    if let Ok(decoded) = msgpack_parser::decode(&packet, &DecodeOptions::default()) {
        let message = &decoded.message;
        assert!(message.nsp().starts_with('/'));
        assert!(!message.nsp().contains(','));
        assert_eq!(message.attachments(), decoded.attachments.len());
        assert!(decoded.attachments.len() <= socketio::DEFAULT_MAX_ATTACHMENTS);
        let args = match message {
            Message::Event { name, args, .. } => {
                assert!(!socketio::is_reserved_event(name));
                Some(args)
            }
            Message::Ack { args, .. } => Some(args),
            Message::Connect { auth, .. } => {
                if let Some(auth) = auth {
                    assert!(matches!(
                        serde_json::from_str::<serde_json::Value>(auth),
                        Ok(serde_json::Value::Object(_))
                    ));
                }
                None
            }
            Message::Disconnect { .. } => None,
        };
        if let Some(args) = args {
            assert!(socketio::args_inner(args).is_ok(), "{args}");
        }
        // Encoded as the server encodes a packet, it reads back the same,
        // unless the client's own maps look like placeholders (as with the
        // JSON parser, the two cannot be told apart).
        let placeholders = args.map_or(0, |a| a.matches("\"_placeholder\"").count());
        if placeholders == decoded.attachments.len() {
            let text = socketio::encode(message);
            let again = msgpack_parser::encode(&text, &decoded.attachments)
                .map(|bytes| msgpack_parser::decode(&bytes, &DecodeOptions::default()));
            assert_eq!(again, Ok(Ok(decoded.clone())), "{text}");
        }
    }

    // The encoder and the replay's reframing take any text.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let attachments = [Bytes::from_static(b"\x01")];
    let _ = msgpack_parser::encode(text, &attachments);
    if let Some(format) = WireFormat::new(Generation::Eio4, Parser::Msgpack) {
        let frames = vec![
            Frame::text(format!("4{text}")),
            Frame::binary(attachments[0].clone()),
        ];
        let _ = wire::reframe_eio4(format, frames);
    }
});

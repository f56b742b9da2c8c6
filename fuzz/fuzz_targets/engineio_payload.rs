//! Engine.IO v4 codec: decoding arbitrary bytes never panics, and whatever
//! decodes re-encodes to text that decodes to the same packets.
//!
//! Run with `cargo fuzz run engineio_payload` in `fuzz/` (see `fuzz/README.md`).

#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use sio_protocol::engineio::{self, Packet, WsFrame};

fuzz_target!(|data: &[u8]| {
    // A websocket binary frame is always a binary message, sent back as is.
    let bytes = Bytes::copy_from_slice(data);
    let packet = Packet::from_binary_frame(bytes.clone());
    assert_eq!(packet.to_ws_frame(), WsFrame::Binary(bytes.clone()));
    // Its polling form (base64) decodes back to the same bytes.
    assert_eq!(Packet::decode_text(&packet.to_text()), Ok(packet));

    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };

    // One packet (a websocket text frame).
    if let Ok(packet) = Packet::decode_text(text) {
        assert_eq!(Packet::decode_text(&packet.to_text()), Ok(packet.clone()));
        match packet.to_ws_frame() {
            WsFrame::Text(frame) => assert_eq!(Packet::decode_text(&frame), Ok(packet)),
            WsFrame::Binary(frame) => assert_eq!(Packet::from_binary_frame(frame), packet),
        }
    }

    // A polling body.
    if let Ok(packets) = engineio::decode_payload(text) {
        assert!(!packets.is_empty());
        let body = engineio::encode_payload(&packets);
        assert_eq!(engineio::decode_payload(&body), Ok(packets));
    }
});

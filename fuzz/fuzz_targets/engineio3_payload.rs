//! Engine.IO v3 codec (and the JSONP wrapper): decoding arbitrary bytes never
//! panics, and whatever decodes re-encodes, in each of the v3 forms, to
//! something that decodes to the same packets.
//!
//! Run with `cargo fuzz run engineio3_payload` in `fuzz/` (see `fuzz/README.md`).

#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use sio_protocol::engineio::{Packet, WsFrame};
use sio_protocol::engineio3::{self, Part, PartBuf};
use sio_protocol::jsonp;

/// Both payload forms of `packets` decode back to them.
fn round_trips(packets: &[Packet]) {
    let parts: Vec<PartBuf> = packets.iter().map(engineio3::part).collect();
    let parts: Vec<Part> = parts.iter().map(PartBuf::as_part).collect();
    let text = engineio3::encode_payload(&parts);
    assert_eq!(engineio3::decode_payload(&text).as_deref(), Ok(packets));
    let binary = engineio3::encode_binary_payload(&parts);
    if !packets.is_empty() {
        assert_eq!(
            engineio3::decode_binary_payload(&binary).as_deref(),
            Ok(packets)
        );
    }
    // And as a JSONP POST would carry the text form.
    let wrapped = jsonp::wrap("0", &text);
    assert!(wrapped.starts_with("___eio[0](\"") && wrapped.ends_with("\");"));
}

fuzz_target!(|data: &[u8]| {
    let bytes = Bytes::copy_from_slice(data);

    // A websocket binary frame: the type byte, then the data.
    if let Ok(packet) = engineio3::decode_binary_frame(&bytes) {
        assert_eq!(
            engineio3::encode_frame(&packet),
            WsFrame::Binary(bytes.clone())
        );
    }

    // A binary (XHR2) payload.
    if let Ok(packets) = engineio3::decode_binary_payload(data) {
        assert!(!packets.is_empty());
        round_trips(&packets);
    }

    let _ = jsonp::form_payload(data);

    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };

    // One packet (a websocket text frame).
    if let Ok(packet) = engineio3::decode_packet(text) {
        assert_eq!(
            engineio3::decode_packet(&engineio3::encode_text(&packet)),
            Ok(packet.clone())
        );
        match engineio3::encode_frame(&packet) {
            WsFrame::Text(frame) => assert_eq!(engineio3::decode_packet(&frame), Ok(packet)),
            WsFrame::Binary(frame) => {
                assert_eq!(engineio3::decode_binary_frame(&frame), Ok(packet))
            }
        }
    }

    // A text payload (a POST body or a JSONP form's field).
    if let Ok(packets) = engineio3::decode_payload(text) {
        round_trips(&packets);
    }
    let unescaped = jsonp::unescape_newlines(text);
    assert!(unescaped.len() <= text.len());
    assert_eq!(engineio3::utf16_len(text), text.encode_utf16().count());
});

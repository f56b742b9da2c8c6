//! The websocket codec (sio_protocol::websocket): reading any bytes as a
//! client's frames, split anywhere, never panics; what it yields keeps the
//! promises (text is UTF-8, no message over the limit, inflated ones
//! included), and a failure carries a code a close frame may send. Whatever
//! the server compresses inflates back to itself through the decoder.
//!
//! Run with `cargo fuzz run websocket_frames` in `fuzz/` (see `fuzz/README.md`).

#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use sio_protocol::websocket::{Decoder, Deflater, Incoming, Inflater, negotiate_deflate};

const MAX: usize = 64 * 1024;

fuzz_target!(|data: &[u8]| {
    // The first byte picks where the input is cut into reads.
    let Some((&cut, input)) = data.split_first() else {
        return;
    };
    let step = usize::from(cut).max(1);
    let mut decoder = Decoder::new(MAX, cut & 1 == 0);
    let mut inflater = Inflater::new();
    let mut buf = BytesMut::new();
    'reads: for chunk in input.chunks(step) {
        buf.extend_from_slice(chunk);
        loop {
            match decoder.decode(&mut buf, &mut inflater) {
                Ok(Some(Incoming::Text(t))) => {
                    assert!(t.len() <= MAX);
                    assert!(std::str::from_utf8(&t).is_ok());
                }
                Ok(Some(Incoming::Binary(b))) => assert!(b.len() <= MAX),
                Ok(Some(Incoming::Ping(p))) => assert!(p.len() <= 125),
                Ok(Some(Incoming::Pong | Incoming::Close(_))) => {}
                Ok(None) => break,
                Err(failure) => {
                    assert!(failure.code.is_valid_on_wire());
                    assert!(failure.reason.len() <= 123);
                    break 'reads;
                }
            }
        }
    }

    // The input as a message: compressed by the server, framed as a client
    // would, it decodes to itself.
    if input.len() <= MAX {
        let compressed = Deflater::new().deflate(input);
        let mut frame = vec![0xC2, 0xFF];
        frame.extend_from_slice(&(compressed.len() as u64).to_be_bytes());
        frame.extend_from_slice(&[0, 0, 0, 0]);
        frame.extend_from_slice(&compressed);
        let mut buf = BytesMut::from(&frame[..]);
        let got = Decoder::new(MAX, true).decode(&mut buf, &mut inflater);
        assert_eq!(got, Ok(Some(Incoming::Binary(input.to_vec().into()))));
    }

    // Extension offers.
    if let Ok(text) = std::str::from_utf8(input) {
        let _ = negotiate_deflate(text.split('\n'));
    }
});

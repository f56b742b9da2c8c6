use bytes::BytesMut;

use super::*;

const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// A client frame: masked, with the given first byte (FIN, RSV, opcode).
fn client_frame(b0: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![b0];
    match payload.len() {
        n if n < 126 => out.push(0x80 | n as u8),
        n if n <= 0xFFFF => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&MASK);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ MASK[i % 4]));
    out
}

const TEXT: u8 = 0x81;
const BINARY: u8 = 0x82;
const TEXT_FIRST: u8 = 0x01;
const CONT: u8 = 0x00;
const CONT_FIN: u8 = 0x80;
const CLOSE: u8 = 0x88;
const PING: u8 = 0x89;
const PONG: u8 = 0x8A;
const RSV1: u8 = 0x40;

/// Everything `bytes` decodes to, or the first failure.
fn decode_all(decoder: &mut Decoder, bytes: &[u8]) -> Result<Vec<Incoming>, Failure> {
    let mut buf = BytesMut::from(bytes);
    let mut inflater = Inflater::new();
    let mut out = Vec::new();
    while let Some(m) = decoder.decode(&mut buf, &mut inflater)? {
        out.push(m);
    }
    Ok(out)
}

fn decode(bytes: &[u8]) -> Result<Vec<Incoming>, Failure> {
    decode_all(&mut Decoder::new(1 << 20, true), bytes)
}

fn code(r: Result<Vec<Incoming>, Failure>) -> u16 {
    r.expect_err("should fail").code.0
}

fn text(s: &str) -> Incoming {
    Incoming::Text(s.as_bytes().to_vec().into())
}

#[test]
fn one_text_and_one_binary_frame() {
    let mut bytes = client_frame(TEXT, b"42[\"hi\"]");
    bytes.extend(client_frame(BINARY, &[0, 1, 2, 255]));
    assert_eq!(
        decode(&bytes).unwrap(),
        vec![
            text("42[\"hi\"]"),
            Incoming::Binary(vec![0, 1, 2, 255].into())
        ]
    );
}

#[test]
fn byte_by_byte() {
    let payload = "x".repeat(300);
    let bytes = client_frame(TEXT, payload.as_bytes());
    let mut decoder = Decoder::new(1 << 20, false);
    let mut inflater = Inflater::new();
    let mut buf = BytesMut::new();
    let mut got = Vec::new();
    for b in bytes {
        buf.extend_from_slice(&[b]);
        if let Some(m) = decoder.decode(&mut buf, &mut inflater).unwrap() {
            got.push(m);
        }
    }
    assert_eq!(got, vec![text(&payload)]);
    assert!(buf.is_empty());
}

#[test]
fn lengths_of_16_and_64_bits() {
    for n in [125, 126, 65535, 65536, 200_000] {
        let payload = vec![7u8; n];
        assert_eq!(
            decode(&client_frame(BINARY, &payload)).unwrap(),
            vec![Incoming::Binary(payload.into())]
        );
    }
}

#[test]
fn fragments_with_control_frames_between() {
    let mut bytes = client_frame(TEXT_FIRST, b"he");
    bytes.extend(client_frame(PING, b"p"));
    bytes.extend(client_frame(CONT, "l\u{e9}".as_bytes()));
    bytes.extend(client_frame(PONG, b""));
    bytes.extend(client_frame(CONT_FIN, b"lo"));
    assert_eq!(
        decode(&bytes).unwrap(),
        vec![
            Incoming::Ping(b"p".to_vec().into()),
            Incoming::Pong,
            text("hel\u{e9}lo")
        ]
    );
}

#[test]
fn a_character_split_across_fragments() {
    let e = "\u{e9}".as_bytes();
    let mut bytes = client_frame(TEXT_FIRST, &e[..1]);
    bytes.extend(client_frame(CONT_FIN, &e[1..]));
    assert_eq!(decode(&bytes).unwrap(), vec![text("\u{e9}")]);
}

#[test]
fn framing_errors_are_1002() {
    // Unmasked.
    assert_eq!(code(decode(&[0x81, 0x01, b'x'])), 1002);
    // RSV2, RSV3.
    assert_eq!(code(decode(&client_frame(0xA1, b"x"))), 1002);
    assert_eq!(code(decode(&client_frame(0x91, b"x"))), 1002);
    // Unknown opcodes.
    assert_eq!(code(decode(&client_frame(0x83, b"x"))), 1002);
    assert_eq!(code(decode(&client_frame(0x8B, b"x"))), 1002);
    // Continuation of nothing.
    assert_eq!(code(decode(&client_frame(CONT_FIN, b"x"))), 1002);
    // A new message inside a fragmented one.
    let mut bytes = client_frame(TEXT_FIRST, b"a");
    bytes.extend(client_frame(TEXT, b"b"));
    assert_eq!(code(decode(&bytes)), 1002);
    // Control frames: fragmented, too long, compressed.
    assert_eq!(code(decode(&client_frame(0x09, b"x"))), 1002);
    assert_eq!(code(decode(&client_frame(PING, &[0; 126]))), 1002);
    assert_eq!(code(decode(&client_frame(PING | RSV1, b"x"))), 1002);
    // A 64-bit length with its top bit set.
    let mut bytes = vec![0x82, 0xFF];
    bytes.extend_from_slice(&u64::MAX.to_be_bytes());
    bytes.extend_from_slice(&MASK);
    assert_eq!(code(decode(&bytes)), 1002);
}

#[test]
fn rsv1_needs_deflate_and_a_first_frame() {
    let compressed = Deflater::new().deflate(b"hello");
    let frame = client_frame(TEXT | RSV1, &compressed);
    assert_eq!(
        code(decode_all(&mut Decoder::new(1 << 20, false), &frame)),
        1002
    );
    let mut bytes = client_frame(TEXT_FIRST | RSV1, &compressed[..2]);
    bytes.extend(client_frame(CONT_FIN | RSV1, &compressed[2..]));
    assert_eq!(code(decode(&bytes)), 1002);
}

#[test]
fn text_must_be_utf8() {
    assert_eq!(code(decode(&client_frame(TEXT, &[0xff, 0xfe]))), 1007);
    assert_eq!(
        decode(&client_frame(BINARY, &[0xff, 0xfe])).unwrap(),
        vec![Incoming::Binary(vec![0xff, 0xfe].into())]
    );
}

#[test]
fn size_limit_is_1009() {
    let mut decoder = Decoder::new(100, false);
    assert!(decode_all(&mut decoder, &client_frame(TEXT, &[b'a'; 100])).is_ok());
    assert_eq!(
        code(decode_all(&mut decoder, &client_frame(TEXT, &[b'a'; 101]))),
        1009
    );
    // Refused on the header alone, before the payload arrives.
    let mut decoder = Decoder::new(100, false);
    let frame = client_frame(BINARY, &[0; 1000]);
    assert_eq!(code(decode_all(&mut decoder, &frame[..8])), 1009);
    // Across fragments.
    let mut decoder = Decoder::new(100, false);
    let mut bytes = client_frame(TEXT_FIRST, &[b'a'; 60]);
    bytes.extend(client_frame(CONT_FIN, &[b'a'; 60]));
    assert_eq!(code(decode_all(&mut decoder, &bytes)), 1009);
}

#[test]
fn close_frames() {
    assert_eq!(
        decode(&client_frame(CLOSE, b"")).unwrap(),
        vec![Incoming::Close(None)]
    );
    let mut payload = 1000u16.to_be_bytes().to_vec();
    payload.extend_from_slice(b"bye");
    assert_eq!(
        decode(&client_frame(CLOSE, &payload)).unwrap(),
        vec![Incoming::Close(Some((CloseCode::NORMAL, "bye".into())))]
    );
    assert_eq!(code(decode(&client_frame(CLOSE, &[3]))), 1002);
    for bad in [0u16, 999, 1004, 1005, 1006, 1015, 2000, 5000] {
        assert_eq!(
            code(decode(&client_frame(CLOSE, &bad.to_be_bytes()))),
            1002,
            "{bad}"
        );
    }
    let mut payload = 4000u16.to_be_bytes().to_vec();
    payload.push(0xff);
    assert_eq!(code(decode(&client_frame(CLOSE, &payload))), 1007);
}

#[test]
fn compressed_messages_inflate() {
    let payload = "{\"data\":\"".to_owned() + &"abc".repeat(2000) + "\"}";
    let compressed = Deflater::new().deflate(payload.as_bytes());
    assert!(compressed.len() < payload.len() / 10);
    assert_eq!(
        decode(&client_frame(TEXT | RSV1, &compressed)).unwrap(),
        vec![text(&payload)]
    );
    // Fragmented: RSV1 on the first frame only.
    let mut bytes = client_frame(TEXT_FIRST | RSV1, &compressed[..3]);
    bytes.extend(client_frame(CONT, &compressed[3..10]));
    bytes.extend(client_frame(CONT_FIN, &compressed[10..]));
    assert_eq!(decode(&bytes).unwrap(), vec![text(&payload)]);
    // Binary, and several messages through one inflater.
    let bin: Vec<u8> = (0..5000u32).map(|i| (i % 7) as u8).collect();
    let mut bytes = client_frame(BINARY | RSV1, &Deflater::new().deflate(&bin));
    bytes.extend(client_frame(TEXT | RSV1, &compressed));
    assert_eq!(
        decode(&bytes).unwrap(),
        vec![Incoming::Binary(bin.into()), text(&payload)]
    );
}

#[test]
fn what_other_compressors_send_inflates() {
    // Level 9 with the final block flag (a client ending each message's
    // stream), and an empty message.
    let payload = b"hello hello hello hello".repeat(50);
    let mut c = flate2::Compress::new(flate2::Compression::best(), false);
    let mut out = Vec::with_capacity(4096);
    c.compress_vec(&payload, &mut out, flate2::FlushCompress::Finish)
        .unwrap();
    assert_eq!(
        decode(&client_frame(BINARY | RSV1, &out)).unwrap(),
        vec![Incoming::Binary(payload.into())]
    );
    assert_eq!(
        decode(&client_frame(TEXT | RSV1, &[0x00])).unwrap(),
        vec![text("")]
    );
    let empty = Deflater::new().deflate(b"");
    assert_eq!(
        decode(&client_frame(TEXT | RSV1, &empty)).unwrap(),
        vec![text("")]
    );
}

#[test]
fn inflate_bomb_is_1009_and_garbage_1007() {
    // 10 MiB of zeros compress to about 10 KiB at level 9.
    let mut best = flate2::Compress::new(flate2::Compression::best(), false);
    let mut bomb = Vec::with_capacity(64 << 10);
    best.compress_vec(&vec![0u8; 10 << 20], &mut bomb, flate2::FlushCompress::Sync)
        .unwrap();
    assert!(bomb.len() < 32 << 10, "{}", bomb.len());
    assert_eq!(code(decode(&client_frame(BINARY | RSV1, &bomb))), 1009);
    // Exactly at the limit passes.
    let at = Deflater::new().deflate(&vec![0u8; 1 << 20]);
    assert!(decode(&client_frame(BINARY | RSV1, &at)).is_ok());
    assert_eq!(code(decode(&client_frame(TEXT | RSV1, &[0xff; 40]))), 1007);
    // Inflates, but not to UTF-8.
    let not_utf8 = Deflater::new().deflate(&[0xc3, 0x28]);
    assert_eq!(code(decode(&client_frame(TEXT | RSV1, &not_utf8))), 1007);
}

#[test]
fn compressed_size_is_limited_too() {
    let mut decoder = Decoder::new(100, true);
    let frame = client_frame(BINARY | RSV1, &[0; 1000]);
    assert_eq!(code(decode_all(&mut decoder, &frame[..8])), 1009);
}

#[test]
fn deflated_output_is_the_same_every_time() {
    // No context carried over: one broadcast's bytes serve every receiver.
    let mut d = Deflater::new();
    let payload = "42[\"news\",\"".to_owned() + &"lorem ipsum ".repeat(200) + "\"]";
    let a = d.deflate(payload.as_bytes());
    let _ = d.deflate(b"something else entirely, something else");
    assert_eq!(a, d.deflate(payload.as_bytes()));
    assert_eq!(a, Deflater::new().deflate(payload.as_bytes()));
    assert!(!a.ends_with(&[0, 0, 0xff, 0xff]));
}

#[test]
fn server_frames() {
    let mut out = Vec::new();
    encode_message(&mut out, true, false, b"hi");
    assert_eq!(out, [0x81, 2, b'h', b'i']);
    for (n, header) in [
        (125, vec![0x82, 125]),
        (126, vec![0x82, 126, 0, 126]),
        (65535, vec![0x82, 126, 0xff, 0xff]),
        (65536, vec![0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]),
    ] {
        let mut out = Vec::new();
        encode_message(&mut out, false, false, &vec![0; n]);
        assert_eq!(out[..header.len()], header[..], "{n}");
        assert_eq!(out.len(), header.len() + n);
    }
    let mut out = Vec::new();
    encode_message(&mut out, true, true, b"z");
    assert_eq!(out, [0xC1, 1, b'z']);
    let mut out = Vec::new();
    encode_control(&mut out, true, &[9; 200]);
    assert_eq!(out[..2], [0x8A, 125]);
    let mut out = Vec::new();
    encode_close(&mut out, None);
    assert_eq!(out, [0x88, 0]);
    let mut out = Vec::new();
    let reason = "\u{e9}".repeat(100);
    encode_close(&mut out, Some((CloseCode::POLICY, &reason)));
    assert_eq!(out[1], 124); // 2 + 122: 61 whole characters of two bytes
    assert_eq!(out[2..4], 1008u16.to_be_bytes());
    assert!(std::str::from_utf8(&out[4..]).is_ok());
}

#[test]
fn unmask_at_any_offset() {
    let data: Vec<u8> = (0..37).collect();
    for offset in 0..4 {
        let mut a = data.clone();
        frame::unmask(&mut a, MASK, offset);
        let expected: Vec<u8> = data
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ MASK[(i + offset) % 4])
            .collect();
        assert_eq!(a, expected);
    }
}

#[test]
fn negotiation() {
    let plain = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";
    let window = "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=15";
    // What browsers and Node's ws offer.
    assert_eq!(
        negotiate_deflate(["permessage-deflate; client_max_window_bits"]),
        Some(plain)
    );
    assert_eq!(negotiate_deflate(["permessage-deflate"]), Some(plain));
    assert_eq!(
        negotiate_deflate([
            "PerMessage-Deflate; Client_Max_Window_Bits=10; server_no_context_takeover"
        ]),
        Some(plain)
    );
    assert_eq!(
        negotiate_deflate(["permessage-deflate; server_max_window_bits=\"15\""]),
        Some(window)
    );
    // A window the compressor cannot keep to: the next offer.
    assert_eq!(
        negotiate_deflate(["permessage-deflate; server_max_window_bits=10, permessage-deflate"]),
        Some(plain)
    );
    assert_eq!(
        negotiate_deflate(["permessage-deflate; server_max_window_bits=10"]),
        None
    );
    // Across header lines, after another extension.
    assert_eq!(
        negotiate_deflate([
            "x-webkit-deflate-frame",
            "foo; a=\"x,y\", permessage-deflate"
        ]),
        Some(plain)
    );
    for bad in [
        "",
        "x-webkit-deflate-frame",
        "permessage-deflate; foo",
        "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
        "permessage-deflate; server_no_context_takeover=1",
        "permessage-deflate; client_max_window_bits=7",
        "permessage-deflate; client_max_window_bits=16",
        "permessage-deflate; server_max_window_bits",
    ] {
        assert_eq!(negotiate_deflate([bad]), None, "{bad}");
    }
}

//! Socket.IO protocol 1 codec: decoding arbitrary input never panics; a
//! decoded packet has the promised shape and its canonical encoding decodes
//! to the same packet; payload framing round-trips for any text (UTF-16
//! lengths); JSONP and htmlfile escaping is reversible and never lets `<`,
//! U+2028 or U+2029 through; the encoders take any text.
//!
//! Run with `cargo fuzz run sio1_packet` in `fuzz/` (see `fuzz/README.md`).

#![no_main]

use libfuzzer_sys::fuzz_target;
use sio_protocol::sio1::{self, AckRequest, ErrorAdvice, ErrorReason, Packet};
use sio_protocol::socketio::{self, Message};

/// The value of a JSON string literal (what `push_js_string` writes), read
/// by a decoder independent of the codec's: `None` if it is not one.
fn js_value(literal: &str) -> Option<String> {
    let inner = literal.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    let hex4 = |chars: &mut std::str::Chars<'_>| -> Option<u32> {
        let digits: String = chars.by_ref().take(4).collect();
        if digits.len() != 4 {
            return None;
        }
        u32::from_str_radix(&digits, 16).ok()
    };
    while let Some(c) = chars.next() {
        match c {
            '"' => return None,
            c if u32::from(c) < 0x20 => return None,
            '\\' => match chars.next()? {
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                '/' => out.push('/'),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'u' => {
                    let unit = hex4(&mut chars)?;
                    let code = if (0xd800..0xdc00).contains(&unit) {
                        if chars.next()? != '\\' || chars.next()? != 'u' {
                            return None;
                        }
                        let low = hex4(&mut chars)?;
                        if !(0xdc00..0xe000).contains(&low) {
                            return None;
                        }
                        0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00)
                    } else {
                        unit
                    };
                    out.push(char::from_u32(code)?);
                }
                _ => return None,
            },
            c => out.push(c),
        }
    }
    Some(out)
}

/// Whether `json` is a JSON object, checked by the v5 decoder (a CONNECT
/// payload must be one).
fn is_json_object(json: &str) -> bool {
    matches!(
        socketio::decode(&format!("0{json}")),
        Ok(Message::Connect { auth: Some(_), .. })
    )
}

fuzz_target!(|data: &[u8]| {
    // Byte-level inputs: a JSONP POST body, the first bytes on a socket.
    if let Ok(payload) = sio1::decode_jsonp_form(data) {
        let _ = sio1::decode_payload(&payload);
    }
    let _ = sio1::is_policy_file_request(data);

    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };

    // One packet.
    let _ = sio1::split_frame(text);
    if let Ok(packet) = sio1::decode(text) {
        assert!(packet.nsp().starts_with('/'));
        assert!(!packet.nsp().contains(':'));
        match &packet {
            Packet::Event { name, args, .. } => {
                assert!(!socketio::is_reserved_event(name));
                assert!(socketio::args_inner(args).is_ok(), "{args}");
            }
            Packet::Ack { args, .. } => {
                assert!(socketio::args_inner(args).is_ok(), "{args}");
            }
            Packet::Json { json, .. } => {
                assert!(socketio::args_inner(&format!("[{json}]")).is_ok(), "{json}");
            }
            Packet::Connect {
                nsp,
                query: Some(query),
            } => {
                assert!(!query.is_empty());
                assert!(!nsp.contains('?'));
            }
            _ => {}
        }
        let canonical = sio1::encode(&packet);
        assert_eq!(sio1::decode(&canonical), Ok(packet.clone()), "{canonical}");

        if let Some(message) = packet.to_message() {
            assert_eq!(message.nsp(), packet.nsp());
            if let Message::Connect {
                auth: Some(auth), ..
            } = &message
            {
                assert!(is_json_object(auth), "{auth}");
            }
            let _ = socketio::encode(&message);
        }
        if let Some(auto) = packet.auto_ack() {
            assert!(matches!(sio1::decode(&auto), Ok(Packet::Ack { .. })));
        }
    }

    // A payload: whatever decodes re-encodes to the same packets (one packet
    // is written unframed, so it must not look framed or be empty).
    if let Ok(packets) = sio1::decode_payload(text) {
        let body = sio1::encode_payload(&packets);
        let single_ambiguous = packets.len() == 1
            && (packets[0].is_empty() || packets[0].starts_with(sio1::FRAME_MARKER));
        if !single_ambiguous {
            assert_eq!(sio1::decode_payload(&body), Ok(packets));
        }
    }

    // Any texts framed together come back apart, whatever their characters.
    let parts: Vec<&str> = text.split('\n').collect();
    if parts.len() >= 2 {
        let body = sio1::encode_payload(&parts);
        assert_eq!(sio1::decode_payload(&body), Ok(parts));
    }

    // JavaScript string escaping.
    let n = data.len() as u64;
    let jsonp = sio1::encode_jsonp(n, text);
    let prefix = format!("io.j[{n}](");
    let literal = jsonp
        .strip_prefix(prefix.as_str())
        .and_then(|s| s.strip_suffix(");"))
        .expect("jsonp shape");
    assert_eq!(js_value(literal).as_deref(), Some(text));
    for bad in ['<', '\u{2028}', '\u{2029}', '\n', '\r'] {
        assert!(!literal.contains(bad));
    }
    let chunk = sio1::encode_htmlfile_chunk(text);
    let literal = chunk
        .strip_prefix("<script>_(")
        .and_then(|s| s.strip_suffix(");</script>"))
        .expect("htmlfile shape");
    assert_eq!(js_value(literal).as_deref(), Some(text));
    assert!(!literal.contains('<'));

    // A query string becomes a JSON object.
    let query = sio_protocol::query_to_json(text);
    assert!(is_json_object(&query), "{query}");

    // Encoders take any text without panicking.
    let ack = match n % 3 {
        0 => None,
        1 => Some(AckRequest::Auto(n)),
        _ => Some(AckRequest::Data(n)),
    };
    let _ = sio1::encode_event(text, ack, text, text);
    let _ = sio1::encode_ack(text, n, text);
    let _ = sio1::encode_message(text, ack, text);
    let _ = sio1::encode_json(text, ack, text);
    let _ = sio1::encode_connect(text);
    let _ = sio1::encode_disconnect(text);
    let _ = sio1::encode_error(
        text,
        ErrorReason::from_code(&(n % 4).to_string()),
        ErrorAdvice::from_code(&(n % 2).to_string()),
    );
    let _ = sio1::encode_jsonp_error(n, text);
    let _ = sio1::encode_flash_policy(&[(text, text)]);
    let _ = sio1::jsonp_index(text);
    let transports = [text];
    let _ = sio1::Handshake {
        sid: text,
        heartbeat_timeout_secs: n,
        close_timeout_secs: n,
        transports: &transports,
    }
    .to_jsonp(n);
});

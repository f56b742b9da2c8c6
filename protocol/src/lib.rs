//! sio-host's wire formats as pure codecs: bytes in, messages out. No I/O,
//! no tokio, no wasmtime; the host (`sio-host`) and the fuzz targets
//! (`fuzz/`) build on it.
//!
//! - [`engineio`]: Engine.IO protocol v4 packets, websocket frames and
//!   HTTP long-polling payloads, the handshake JSON and the HTTP error bodies;
//!   also the [`engineio::Packet`] model every generation decodes into.
//! - [`engineio3`]: Engine.IO protocol v3 (socket.io-client 2.x): binary
//!   frames with a type byte, length-prefixed text payloads, binary (XHR2)
//!   payloads, `b4` base64 packets.
//! - [`json`]: checks JSON text and finds a top-level array's elements
//!   without building anything (every event's arguments pass through it).
//! - [`jsonp`]: the JSONP polling wrapper (`___eio[N]("...")`, form field `d`).
//! - [`msgpack_parser`]: socket.io-msgpack-parser's packets (one msgpack map
//!   each) to and from the [`socketio::Message`] model and attachments.
//! - [`socketio`]: Socket.IO protocol v5 packets, decoded into the one
//!   [`socketio::Message`] model the rest of the host works with, and the
//!   encoders for what the server sends.
//! - [`socketio4`]: Socket.IO protocol v4, the few differences from v5
//!   (namespace queries as auth, CONNECT without a payload, string errors).
//! - [`sio1`]: Socket.IO protocol 1 (clients 0.7-0.9, TornadIO2): packets,
//!   framing, handshake, JSONP and htmlfile bodies, the Flash policy answer.
//! - [`model`]: the vocabulary every layer above shares: [`Generation`],
//!   [`Parser`], [`WireFormat`], [`TransportKind`], [`CloseReason`],
//!   [`Frame`], [`HandshakeInfo`] and its [`Pairs`].
//! - [`ids`]: [`Sid`], [`ConnId`], [`ids::random_id`].
//! - [`recovery`]: connection state recovery's offsets and CONNECT fields.
//! - [`websocket`]: RFC 6455 frames for the server side and
//!   permessage-deflate (RFC 7692): handshake answer, reading a client's
//!   frames, writing the server's, compressing and inflating messages.
//! - [`wire`]: picks the codecs of one [`WireFormat`] (generation and
//!   parser): a Socket.IO packet into its frames and polling payloads, and
//!   back.
//! - [`redis_adapter`]: the channels and messages of npm
//!   `@socket.io/redis-adapter` (msgpack and JSON), for `--redis`.
//! - [`redis_streams`]: the stream entries, pub/sub messages and session
//!   records of npm `@socket.io/redis-streams-adapter`.
//!
//! Every function here is a pure function over strings and bytes: no sockets,
//! no clocks, no global state, and no panics on any input (the fuzz targets in
//! `fuzz/` check that). Each generation's codec produces the same
//! [`engineio::Packet`] and [`socketio::Message`] values: the framing
//! differences live in the codecs (and in [`wire`], which picks one per
//! session), not in the model.

#![warn(missing_docs)]

pub mod engineio;
pub mod engineio3;
pub mod ids;
pub mod json;
pub mod jsonp;
pub mod model;
pub mod msgpack_parser;
pub mod recovery;
pub mod redis_adapter;
pub mod redis_streams;
pub mod sio1;
pub mod socketio;
pub mod socketio4;
pub mod websocket;
pub mod wire;

pub use ids::{ConnId, ConnIdMap, ConnIdSet, Sid};
pub use model::{
    CloseReason, Frame, Generation, HandshakeInfo, Pairs, Parser, TransportKind, WireFormat,
};

/// Append `s` as a JSON string literal (quotes and escapes included), as
/// `JSON.stringify` writes it: `"` and `\` escaped, control characters as
/// `\n`-style escapes or `\u00XX`, everything else as it is.
pub(crate) fn push_json_string(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        // `b` is ASCII: `i` is a character boundary.
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            let _ = std::fmt::Write::write_fmt(out, format_args!("\\u{b:04x}"));
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// A connect packet's query string as the JSON object the shared model
/// carries in `auth`: `a=1&b=x+y&a=2` → `{"a":["1","2"],"b":"x y"}` (form
/// decoding, keys in first-seen order, a repeated key becomes an array, as
/// Node's `querystring.parse` gives it to the reference server). A leading
/// `?` is skipped.
pub fn query_to_json(query: &str) -> String {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut pairs: Vec<(String, Vec<String>)> = Vec::new();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match pairs.iter_mut().find(|(k, _)| *k == key) {
            Some((_, values)) => values.push(value.into_owned()),
            None => pairs.push((key.into_owned(), vec![value.into_owned()])),
        }
    }
    let mut out = String::from("{");
    for (i, (key, values)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_string(&mut out, key);
        out.push(':');
        match values.as_slice() {
            [one] => push_json_string(&mut out, one),
            many => {
                out.push('[');
                for (j, value) in many.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    push_json_string(&mut out, value);
                }
                out.push(']');
            }
        }
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::push_json_string;

    #[test]
    fn json_string_escapes() {
        let mut out = String::new();
        push_json_string(&mut out, "a\"b\\c\n\u{1}é");
        assert_eq!(out, r#""a\"b\\c\n\u0001é""#);
        let back: String = serde_json::from_str(&out).unwrap();
        assert_eq!(back, "a\"b\\c\n\u{1}é");
    }
}

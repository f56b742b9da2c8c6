//! `--parser msgpack`: the clients speak socket.io-msgpack-parser (every
//! Socket.IO packet one binary Engine.IO message, a msgpack map). The
//! workloads keep writing and reading Socket.IO packet text; this module
//! translates at the socket, both ways, with sio-protocol's codec (the
//! server's own; tests/node/msgpack.test.mjs checks it against the npm
//! parser). Engine.IO's own packets (ping, pong) stay text.

use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use bytes::Bytes;
use sio_protocol::engineio::Packet;
use sio_protocol::msgpack_parser;
use sio_protocol::socketio::{self, DecodeOptions};

/// The clients' Socket.IO parser (`--parser`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum WireParser {
    /// socket.io-parser: packets as text.
    Json,
    /// socket.io-msgpack-parser: packets as msgpack binary messages.
    Msgpack,
}

/// One parser for the whole run, set once before any client connects.
static MSGPACK: AtomicBool = AtomicBool::new(false);

/// Choose the run's parser.
pub fn set(parser: WireParser) {
    MSGPACK.store(parser == WireParser::Msgpack, Ordering::Relaxed);
}

/// Whether the clients speak msgpack.
pub fn on() -> bool {
    MSGPACK.load(Ordering::Relaxed)
}

/// A Socket.IO packet's text (`2["echo",..]`, without Engine.IO's `4`)
/// as the binary message a msgpack client sends.
pub fn encode(packet: &str) -> Result<Bytes> {
    msgpack_parser::encode(packet, &[]).map_err(|e| anyhow::anyhow!("{e}: {packet:?}"))
}

/// A binary message in a polling payload: `b<base64>`.
pub fn polling_text(data: Bytes) -> String {
    let mut out = String::new();
    Packet::Binary(data).encode_text(&mut out);
    out
}

/// A received frame as the workloads read it: a msgpack packet (a binary
/// websocket frame, which starts with a map marker, or `b<base64>` from a
/// polling payload) as `4<packet text>`; anything else as it is.
pub fn decode(frame: Bytes) -> Result<Bytes> {
    let packed = match frame.first() {
        Some(0x80..) => frame,
        Some(b'b') => {
            let text = std::str::from_utf8(&frame).context("polling binary is not text")?;
            match Packet::decode_text(text) {
                Ok(Packet::Binary(data)) => data,
                _ => anyhow::bail!("bad binary message {text:?}"),
            }
        }
        _ => return Ok(frame),
    };
    let decoded = msgpack_parser::decode(&packed, &DecodeOptions::default())
        .map_err(|e| anyhow::anyhow!("undecodable msgpack packet: {e}"))?;
    let mut text = String::from("4");
    text.push_str(&socketio::encode(&decoded.message));
    Ok(Bytes::from(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packets_cross_both_ways() {
        let sent = encode(r#"21["echo",{"seq":1,"data":"xx"}]"#).unwrap();
        assert!(sent[0] >= 0x80);
        assert_eq!(
            decode(sent.clone()).unwrap(),
            Bytes::from(r#"421["echo",{"seq":1,"data":"xx"}]"#)
        );
        assert_eq!(
            decode(Bytes::from(polling_text(sent))).unwrap(),
            Bytes::from(r#"421["echo",{"seq":1,"data":"xx"}]"#)
        );
        assert_eq!(decode(Bytes::from("2")).unwrap(), Bytes::from("2"));
    }
}

//! The wire model every layer above the codecs shares: which protocol
//! generation a session speaks, its transport, why it closed, the frames
//! that wait in its queue, and what its handshake said.
//!
//! Plain data: no I/O, no locks. The codecs in this crate produce and
//! consume these values; the host's sessions, transports, endpoints and
//! stats name them.

use std::net::SocketAddr;

use bytes::Bytes;

use crate::engineio::Packet;

/// The wire generation a session speaks. [`crate::wire`] holds what differs
/// on the wire; the host's session differs in its heartbeat and, for
/// Engine.IO 3, in joining `/` by itself (`Session::after_open` in
/// `sio-host`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generation {
    /// Engine.IO 4 / Socket.IO 5 (socket.io-client 3.x and 4.x). The server
    /// pings.
    Eio4,
    /// Engine.IO 3 / Socket.IO 4 (socket.io-client 2.x). The client pings;
    /// the server answers and closes a session it has not heard from within
    /// pingInterval + pingTimeout.
    Eio3,
    /// Socket.IO protocol 1 (socket.io-client 0.7-0.9, TornadIO2's clients),
    /// which has no Engine.IO layer: every frame is one protocol-1 packet
    /// text, carried through this layer as an Engine.IO message. The server
    /// sends heartbeats on streaming transports; polling sessions end when
    /// no request comes within the close timeout (docs/legacy-protocol.md).
    Sio1,
}

impl Generation {
    /// The generation of a handshake's `EIO` parameter.
    pub fn from_eio(eio: Option<&str>) -> Option<Generation> {
        match eio? {
            "4" => Some(Generation::Eio4),
            "3" => Some(Generation::Eio3),
            _ => None,
        }
    }
}

/// How a client writes its Socket.IO packets inside Engine.IO messages: the
/// `parser` option of socket.io-client, chosen per connection by the path
/// it connects to (`--parser`, `--msgpack-path` in `sio-host`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Parser {
    /// socket.io-parser, the default: a packet is text, each binary
    /// attachment a binary message of its own.
    #[default]
    Json,
    /// socket.io-msgpack-parser 3.x: a packet is one binary message, a
    /// msgpack map with binary values inline ([`crate::msgpack_parser`]).
    /// Engine.IO 4 only.
    Msgpack,
}

/// What decides how one client's packets look on the wire: its
/// generation and its parser. [`crate::wire`] encodes and decodes by it;
/// a broadcast encodes a packet once per format among its receivers. A
/// [`Generation`] alone is that generation with the JSON parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireFormat {
    generation: Generation,
    parser: Parser,
}

impl WireFormat {
    /// The format of this generation and parser; None for a pair that does
    /// not exist (msgpack is for Engine.IO 4 only).
    pub fn new(generation: Generation, parser: Parser) -> Option<WireFormat> {
        match (generation, parser) {
            (_, Parser::Json) | (Generation::Eio4, Parser::Msgpack) => {
                Some(WireFormat { generation, parser })
            }
            (Generation::Eio3 | Generation::Sio1, Parser::Msgpack) => None,
        }
    }

    /// The wire generation.
    pub fn generation(self) -> Generation {
        self.generation
    }

    /// The Socket.IO parser.
    pub fn parser(self) -> Parser {
        self.parser
    }
}

impl From<Generation> for WireFormat {
    fn from(generation: Generation) -> WireFormat {
        WireFormat {
            generation,
            parser: Parser::Json,
        }
    }
}

/// How a session's frames travel: a payload per request, or a stream of
/// frames (Socket.IO protocol 1's polling transports are
/// [`TransportKind::Polling`] here; its streaming ones, websocket,
/// flashsocket and htmlfile, [`TransportKind::Websocket`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// HTTP long-polling: one request per payload.
    Polling,
    /// A websocket: one frame per packet.
    Websocket,
}

impl TransportKind {
    /// The name Engine.IO uses for it (`"polling"`, `"websocket"`).
    pub fn name(self) -> &'static str {
        match self {
            TransportKind::Polling => "polling",
            TransportKind::Websocket => "websocket",
        }
    }
}

/// Why a session ended. Handlers see [`CloseReason::socketio_reason`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// The client sent an Engine.IO close packet.
    ClientClose,
    /// The transport went away (socket closed, or a poll overlapped).
    TransportClose,
    /// The transport failed (I/O error, oversize frame).
    TransportError,
    /// No pong within pingTimeout.
    PingTimeout,
    /// The client sent something the decoder refused.
    ParseError,
    /// The client joined no namespace within the connect timeout.
    ConnectTimeout,
    /// The client did not read: its outbound queue outgrew
    /// `--max-outbound-queue`.
    SlowConsumer,
    /// The client stayed over `--max-events-per-second` past the grace.
    RateLimit,
}

impl CloseReason {
    /// The reason string Socket.IO servers hand to `disconnect` handlers.
    pub fn socketio_reason(self) -> &'static str {
        match self {
            CloseReason::ClientClose | CloseReason::TransportClose => "transport close",
            CloseReason::TransportError => "transport error",
            CloseReason::PingTimeout => "ping timeout",
            CloseReason::ParseError => "parse error",
            CloseReason::ConnectTimeout => "connect timeout",
            CloseReason::SlowConsumer => "slow consumer",
            CloseReason::RateLimit => "rate limit",
        }
    }
}

/// One outbound unit: a whole websocket frame, or one packet of a polling
/// payload. Cheap to clone (shared bytes), so a broadcast encodes once and
/// every receiver's queue holds the same buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    is_text: bool,
    data: Bytes,
}

impl Frame {
    /// A text frame.
    pub fn text(s: impl Into<String>) -> Frame {
        Frame {
            is_text: true,
            data: Bytes::from(s.into()),
        }
    }

    /// A binary frame.
    pub fn binary(b: Bytes) -> Frame {
        Frame {
            is_text: false,
            data: b,
        }
    }

    /// An Engine.IO packet, encoded once.
    pub fn packet(p: &Packet) -> Frame {
        match p {
            Packet::Binary(b) => Frame::binary(b.clone()),
            other => {
                let mut s = String::new();
                other.encode_text(&mut s);
                Frame::text(s)
            }
        }
    }

    /// The text of a text frame.
    pub fn as_text(&self) -> Option<&str> {
        if self.is_text {
            // Text frames are only built from `String`s (see `Frame::text`).
            std::str::from_utf8(&self.data).ok()
        } else {
            None
        }
    }

    /// Whether it is a text frame.
    pub fn is_text(&self) -> bool {
        self.is_text
    }

    /// The frame's bytes (a text frame's UTF-8).
    pub fn bytes(&self) -> &Bytes {
        &self.data
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the frame has no bytes.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// What the handshake request told us about the client.
#[derive(Debug, Clone)]
pub struct HandshakeInfo {
    /// The client's address as the server's socket saw it.
    pub remote_addr: SocketAddr,
    /// The handshake request's query parameters, decoded, in order.
    pub query: Pairs,
    /// The handshake request's headers, in order.
    pub headers: Pairs,
}

/// Name-value pairs in order (a handshake's headers or query), kept for a
/// session's life in two allocations: all their text, and where each name
/// and value ends. A list of `String` pairs costs two allocations per pair
/// plus 48 bytes of list each, more than the text itself for most headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pairs {
    text: Box<str>,
    /// The end of each name and value in `text`, alternately.
    ends: Box<[u32]>,
}

impl Pairs {
    /// The pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        let text = &*self.text;
        let piece = |from: u32, to: u32| text.get(from as usize..to as usize).unwrap_or_default();
        self.ends.chunks_exact(2).scan(0u32, move |start, ends| {
            let (name_end, value_end) = (ends[0], ends[1]);
            let pair = (piece(*start, name_end), piece(name_end, value_end));
            *start = value_end;
            Some(pair)
        })
    }

    /// How many pairs there are.
    pub fn len(&self) -> usize {
        self.ends.len() / 2
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The pairs as owned strings.
    pub fn to_vec(&self) -> Vec<(String, String)> {
        self.iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }
}

/// Pairs past 4 GiB of text in all (more than any request can carry) are
/// left out.
impl<K: AsRef<str>, V: AsRef<str>> FromIterator<(K, V)> for Pairs {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Pairs {
        let mut text = String::new();
        let mut ends = Vec::new();
        for (k, v) in pairs {
            let (k, v) = (k.as_ref(), v.as_ref());
            let Ok(end) = u32::try_from(text.len() + k.len() + v.len()) else {
                break;
            };
            text.push_str(k);
            ends.push(end - v.len() as u32);
            text.push_str(v);
            ends.push(end);
        }
        Pairs {
            text: text.into_boxed_str(),
            ends: ends.into_boxed_slice(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Pairs;

    #[test]
    fn pairs_keep_order_duplicates_and_empty_text() {
        let list = [("host", "a:1"), ("", ""), ("x", "é"), ("x", ""), ("q", "v")];
        let pairs: Pairs = list.iter().copied().collect();
        assert_eq!(pairs.iter().collect::<Vec<_>>(), list);
        assert_eq!(pairs.len(), 5);
        assert!(!pairs.is_empty());
        assert_eq!(pairs.to_vec()[2], ("x".to_string(), "é".to_string()));
        let none: Pairs = std::iter::empty::<(&str, &str)>().collect();
        assert!(none.is_empty());
        assert_eq!(none.iter().count(), 0);
        assert_eq!(none, Pairs::default());
    }
}

//! The one place that knows each protocol generation's wire format, both
//! ways: how a Socket.IO packet becomes one generation's frames and polling
//! payloads, and how a generation's websocket frames, polling bodies and
//! Socket.IO packets are decoded into the shared models
//! ([`Packet`], [`Message`]).
//!
//! Everything above it works with Socket.IO packet text plus attachments;
//! everything below it (the transports) moves [`Frame`]s and bytes. A frame
//! is encoded once per [`WireFormat`] (a generation and its parser), so a
//! broadcast shares its buffers among every receiver of that format.
//!
//! A client of socket.io-msgpack-parser ([`Parser::Msgpack`], Engine.IO 4)
//! gets each packet as one binary message (`crate::msgpack_parser`),
//! transcoded from the same packet text, and sends only binary messages;
//! its Engine.IO framing is Engine.IO 4's (binary on a websocket,
//! `b<base64>` in a polling payload).
//!
//! | | Engine.IO 4 / Socket.IO 5 | Engine.IO 3 / Socket.IO 4 |
//! |---|---|---|
//! | binary on a websocket | the data | type byte `4`, then the data |
//! | polling payload | packets joined by `\x1e`, binary `b<base64>` | `<len>:<packet>` (UTF-16 length), binary `b4<base64>`; or the binary (XHR2) payload |
//! | CONNECT reply | `0{"sid":".."}` | `0` |
//! | CONNECT_ERROR | `4{"message":".."}` | `4".."` |
//! | namespace query | part of the name | the CONNECT's auth |
//!
//! Socket.IO protocol 1 (0.7-0.9 clients, [`Generation::Sio1`]) has no
//! Engine.IO layer: a frame is one protocol-1 packet (`5::/chat:{..}`), a
//! websocket message carries one, a polling body frames several as
//! `\u{fffd}<len>\u{fffd}<packet>`, and inbound text reaches the session as
//! an Engine.IO message holding the packet text. Outbound Socket.IO packets
//! are translated packet by packet (`sio1_frame`); binary attachments
//! cannot travel (docs/protocol.md).

use base64::Engine as _;
use bytes::Bytes;

use crate::engineio::{self, DecodeError, Packet};
use crate::model::{Frame, Generation, Parser, WireFormat};
use crate::socketio::{self, Message};
use crate::{engineio3, jsonp, msgpack_parser, sio1, socketio4};

/// The noop packet: what ends a poll with nothing to carry.
pub fn noop(generation: Generation) -> Frame {
    match generation {
        Generation::Sio1 => Frame::text(sio1::NOOP),
        Generation::Eio4 | Generation::Eio3 => Frame::packet(&Packet::Noop),
    }
}

/// The close packet (protocol 1: `0::`, the session is over).
pub fn close(generation: Generation) -> Frame {
    match generation {
        Generation::Sio1 => Frame::text(sio1::encode_disconnect("/")),
        Generation::Eio4 | Generation::Eio3 => Frame::packet(&Packet::Close),
    }
}

/// The body of the answer to a POST that did not decode, when the
/// generation has one of its own (protocol 1: the reason as text, there is
/// no error format to follow); None: Engine.IO's error JSON.
pub fn post_refusal(generation: Generation, reason: &str) -> Option<String> {
    match generation {
        Generation::Sio1 => Some(format!("malformed payload: {reason}")),
        Generation::Eio4 | Generation::Eio3 => None,
    }
}

/// The body of the answer to a polling POST.
pub fn post_answer(generation: Generation) -> &'static str {
    match generation {
        Generation::Sio1 => sio1::POST_ANSWER,
        Generation::Eio4 | Generation::Eio3 => "ok",
    }
}

// ------------------------------------------------------------ outbound

/// The frames carrying one Socket.IO packet: an Engine.IO message holding
/// the packet text, then one binary message per attachment; for a msgpack
/// client, one binary message.
pub fn message_frames(
    format: impl Into<WireFormat>,
    packet: String,
    attachments: &[Bytes],
) -> Vec<Frame> {
    let format = format.into();
    if format.parser() == Parser::Msgpack {
        return msgpack_frame(&packet, attachments).into_iter().collect();
    }
    let generation = format.generation();
    if generation == Generation::Sio1 {
        return sio1_frame(&packet, attachments).into_iter().collect();
    }
    // In place: a packet from the socketio encoders has spare capacity (its
    // header is sized generously), so this moves a few bytes rather than
    // allocating and copying the packet again.
    let mut text = packet;
    text.insert(0, '4');
    let mut frames = Vec::with_capacity(1 + attachments.len());
    frames.push(Frame::text(text));
    match generation {
        Generation::Eio4 => frames.extend(attachments.iter().cloned().map(Frame::binary)),
        Generation::Eio3 => frames.extend(
            attachments
                .iter()
                .map(|a| Frame::binary(engineio3::binary_frame(a))),
        ),
        Generation::Sio1 => {}
    }
    frames
}

/// A Socket.IO packet (as the endpoints encode it) as a msgpack client's
/// binary message (Engine.IO 4, the only generation with that parser).
fn msgpack_frame(packet: &str, attachments: &[Bytes]) -> Option<Frame> {
    match msgpack_parser::encode(packet, attachments) {
        Ok(bytes) => Some(Frame::binary(bytes)),
        Err(e) => {
            // Endpoints encode these packets; a guest's placeholder naming
            // no attachment is the one way to get here.
            tracing::warn!(error = %e, "packet not sent to msgpack clients");
            None
        }
    }
}

/// Frames of the Engine.IO 4 JSON form (as the replay buffer of
/// connection state recovery keeps them: each packet's text frame, then its
/// attachments) in `format`'s form.
pub fn reframe_eio4(format: impl Into<WireFormat>, frames: Vec<Frame>) -> Vec<Frame> {
    let format = format.into();
    if format.parser() == Parser::Json {
        return frames;
    }
    let mut out = Vec::with_capacity(frames.len());
    let mut frames = frames.into_iter();
    while let Some(frame) = frames.next() {
        // `4<packet>`: an Engine.IO message; its attachments follow it.
        let Some(packet) = frame.as_text().and_then(|t| t.strip_prefix('4')) else {
            continue;
        };
        let count = socketio::split_frame(packet, usize::MAX).map_or(0, |f| f.attachments);
        let attachments: Vec<Bytes> = frames
            .by_ref()
            .take(count)
            .map(|f| f.bytes().clone())
            .collect();
        out.extend(message_frames(format, packet.to_owned(), &attachments));
    }
    out
}

/// A Socket.IO packet (as the endpoints encode it) in protocol 1: the event
/// `message` with one string argument becomes a message packet (`send`),
/// other events `5::..` (an ack id as a data ack, `id+`), acks `6::..`,
/// disconnects `0::..`. Packets with binary attachments have no protocol-1
/// form and are not sent (logged).
fn sio1_frame(packet: &str, attachments: &[Bytes]) -> Option<Frame> {
    let message = match socketio::decode(packet) {
        Ok(m) => m,
        Err(e) => {
            // The endpoints encode these packets themselves: a bug, not input.
            tracing::error!(error = %e, "outbound packet has no protocol-1 form");
            return None;
        }
    };
    let text = match message {
        Message::Event { attachments: n, .. } | Message::Ack { attachments: n, .. }
            if n > 0 || !attachments.is_empty() =>
        {
            tracing::debug!("binary packet not sent to a protocol-1 client (no binary there)");
            return None;
        }
        Message::Connect { nsp, .. } => sio1::encode_connect(&nsp),
        Message::Disconnect { nsp } => sio1::encode_disconnect(&nsp),
        Message::Event {
            nsp,
            name,
            args,
            ack,
            ..
        } => match (ack, name.as_str(), single_string(&args)) {
            (None, "message", Some(text)) => sio1::encode_message(&nsp, None, &text),
            _ => sio1::encode_event(&nsp, ack.map(sio1::AckRequest::Data), &name, &args),
        },
        Message::Ack { nsp, id, args, .. } => sio1::encode_ack(&nsp, id, &args),
    };
    Some(Frame::text(text))
}

/// The one argument of `["text"]`.
fn single_string(args: &str) -> Option<String> {
    match serde_json::from_str::<Vec<String>>(args) {
        Ok(mut v) if v.len() == 1 => v.pop(),
        _ => None,
    }
}

/// The server's answer to a CONNECT that the endpoint accepted; `sid` is the
/// Socket.IO id (Socket.IO 4 does not send it).
pub fn connect_frames(format: impl Into<WireFormat>, nsp: &str, sid: &str) -> Vec<Frame> {
    connect_frames_recoverable(format, nsp, sid, None)
}

/// [`connect_frames`] giving an Engine.IO 4 client its private id for
/// connection state recovery (`crate::recovery`); older generations have no
/// recovery and get their usual reply.
pub fn connect_frames_recoverable(
    format: impl Into<WireFormat>,
    nsp: &str,
    sid: &str,
    pid: Option<&str>,
) -> Vec<Frame> {
    let format = format.into();
    let packet = match format.generation() {
        Generation::Eio4 => socketio::encode_connect_recoverable(nsp, sid, pid),
        Generation::Eio3 => socketio4::encode_connect(nsp),
        // `1::` / `1::/chat`: the client has no Socket.IO id.
        Generation::Sio1 => return vec![Frame::text(sio1::encode_connect(nsp))],
    };
    message_frames(format, packet, &[])
}

/// A refused CONNECT, with the reason the client is told. Protocol 1 has
/// no text for it: `7::/chat:2` (unauthorized; the 0.9 client emits
/// `connect_failed`), and for the root endpoint also `0::`, which ends the
/// session (the client stays down instead of reconnecting).
pub fn connect_error_frames(format: impl Into<WireFormat>, nsp: &str, message: &str) -> Vec<Frame> {
    let format = format.into();
    let generation = format.generation();
    let packet = match generation {
        Generation::Eio4 => socketio::encode_connect_error(nsp, message),
        Generation::Eio3 => socketio4::encode_connect_error(nsp, message),
        Generation::Sio1 => {
            let unauthorized = Some(sio1::ErrorReason::Unauthorized);
            let mut frames = vec![Frame::text(sio1::encode_error(nsp, unauthorized, None))];
            if nsp == "/" {
                frames.push(close(generation));
            }
            return frames;
        }
    };
    message_frames(format, packet, &[])
}

/// A binary frame in text form, for a websocket client without binary
/// support (`b64` in its query): `b<base64>` (v4) or `b4<base64>` (v3).
/// Text frames are returned as they are.
pub fn base64_frame(generation: Generation, frame: &Frame) -> Frame {
    if frame.is_text() {
        return frame.clone();
    }
    let mut out = String::with_capacity(2 + frame.len().div_ceil(3) * 4);
    match generation {
        // Protocol 1 frames are all text.
        Generation::Sio1 => return frame.clone(),
        Generation::Eio4 => {
            out.push('b');
            base64::engine::general_purpose::STANDARD.encode_string(frame.bytes(), &mut out);
        }
        Generation::Eio3 => out.push_str(&engineio3::encode_text(&Packet::Binary(
            eio3_binary_data(frame),
        ))),
    }
    Frame::text(out)
}

/// How a polling response is framed, beyond the generation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollingFormat {
    /// The client reads binary payloads (Engine.IO 3 XHR2 clients: those that
    /// did not ask for `b64` at the handshake). Engine.IO 4 has none.
    pub binary: bool,
    /// The `j` parameter of a JSONP poll.
    pub jsonp: Option<String>,
}

/// A polling response body and its content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// The response body.
    pub body: Bytes,
    /// Its `Content-Type`: [`TEXT`], [`BINARY`] or [`JAVASCRIPT`].
    pub content_type: &'static str,
}

/// The content type of text payloads and plain-text answers.
pub const TEXT: &str = "text/plain; charset=UTF-8";
/// The content type of Engine.IO 3 binary (XHR2) payloads.
pub const BINARY: &str = "application/octet-stream";
/// The content type of JSONP answers.
pub const JAVASCRIPT: &str = "text/javascript; charset=UTF-8";

/// A polling response: the frames as one payload of the generation, as
/// binary when the client takes it and a binary frame is among them, wrapped
/// in a script for JSONP.
pub fn polling_payload(
    generation: Generation,
    format: &PollingFormat,
    frames: &[Frame],
) -> Payload {
    let text = match generation {
        Generation::Eio4 => {
            let mut out = String::with_capacity(frames.iter().map(|f| f.len() + 1).sum());
            for (i, frame) in frames.iter().enumerate() {
                if i > 0 {
                    out.push(engineio::SEPARATOR);
                }
                match frame.as_text() {
                    Some(text) => out.push_str(text),
                    None => {
                        out.push('b');
                        base64::engine::general_purpose::STANDARD
                            .encode_string(frame.bytes(), &mut out);
                    }
                }
            }
            out
        }
        Generation::Eio3 => {
            let parts: Vec<engineio3::Part<'_>> = frames.iter().map(eio3_part).collect();
            let has_binary = frames.iter().any(|f| !f.is_text());
            if format.binary && format.jsonp.is_none() && has_binary {
                return Payload {
                    body: Bytes::from(engineio3::encode_binary_payload(&parts)),
                    content_type: BINARY,
                };
            }
            engineio3::encode_payload(&parts)
        }
        Generation::Sio1 => {
            let packets: Vec<&str> = frames.iter().filter_map(Frame::as_text).collect();
            let payload = sio1::encode_payload(&packets);
            return match &format.jsonp {
                // `io.j[N]("..");` with `N` from the request's `i`.
                Some(i) => Payload {
                    body: Bytes::from(sio1::encode_jsonp(
                        sio1::jsonp_index(i).unwrap_or(0),
                        &payload,
                    )),
                    content_type: JAVASCRIPT,
                },
                None => Payload {
                    body: Bytes::from(payload),
                    content_type: TEXT,
                },
            };
        }
    };
    match &format.jsonp {
        Some(j) => Payload {
            body: Bytes::from(jsonp::wrap(j, &text)),
            content_type: JAVASCRIPT,
        },
        None => Payload {
            body: Bytes::from(text),
            content_type: TEXT,
        },
    }
}

/// The data of an Engine.IO 3 binary frame: its bytes after the type byte.
fn eio3_binary_data(frame: &Frame) -> Bytes {
    let bytes = frame.bytes();
    if bytes.is_empty() {
        Bytes::new()
    } else {
        bytes.slice(1..)
    }
}

fn eio3_part(frame: &Frame) -> engineio3::Part<'_> {
    match frame.as_text() {
        Some(text) => engineio3::Part::Text(text),
        None => engineio3::Part::Binary(frame.bytes().get(1..).unwrap_or_default()),
    }
}

// ------------------------------------------------------------ inbound

/// One packet from a websocket text frame.
pub fn decode_text(generation: Generation, text: &str) -> Result<Packet, DecodeError> {
    match generation {
        Generation::Eio4 => Packet::decode_text(text),
        Generation::Eio3 => engineio3::decode_packet(text),
        Generation::Sio1 => Ok(Packet::Message(text.to_owned())),
    }
}

/// One packet from a websocket binary frame.
pub fn decode_binary(generation: Generation, data: Bytes) -> Result<Packet, DecodeError> {
    match generation {
        Generation::Eio4 => Ok(Packet::from_binary_frame(data)),
        Generation::Eio3 => engineio3::decode_binary_frame(&data),
        // Protocol 1 has no binary; a binary message holding text is taken
        // as text.
        Generation::Sio1 => match String::from_utf8(data.to_vec()) {
            Ok(text) => Ok(Packet::Message(text)),
            Err(_) => Err(DecodeError::InvalidUtf8),
        },
    }
}

/// What a polling POST body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostKind {
    /// A text payload (any content type but the binary one).
    Text,
    /// `application/octet-stream`: an Engine.IO 3 binary payload.
    Binary,
    /// A JSONP form (`j` in the query): the payload is the field `d`.
    Form,
}

/// The packets of a polling POST body. An Engine.IO 4 client sends no
/// binary payloads: its bodies are read as text whatever their type.
pub fn decode_post(
    generation: Generation,
    kind: PostKind,
    body: &[u8],
) -> Result<Vec<Packet>, String> {
    let text_payload = |text: &str| match generation {
        Generation::Eio4 => engineio::decode_payload(text).map_err(|e| e.to_string()),
        Generation::Eio3 => engineio3::decode_payload(text).map_err(|e| e.to_string()),
        // Each protocol-1 packet travels on as an Engine.IO message.
        // Each packet is checked here, so that a bad one is refused with the
        // POST that carried it (the session layer decodes it again).
        Generation::Sio1 => {
            let packets = sio1::decode_payload(text).map_err(|e| e.to_string())?;
            packets
                .into_iter()
                .map(|p| match sio1::decode(p) {
                    Ok(_) | Err(sio1::DecodeError::ReservedEvent(_)) => {
                        Ok(Packet::Message(p.to_owned()))
                    }
                    Err(e) => Err(format!("{e} in {:?}", truncated(p))),
                })
                .collect()
        }
    };
    match (kind, generation) {
        // Protocol 1's form: `d`, a JSON string literal (or the payload).
        (PostKind::Form, Generation::Sio1) => {
            text_payload(&sio1::decode_jsonp_form(body).map_err(|e| e.to_string())?)
        }
        (PostKind::Form, _) => {
            let payload = jsonp::form_payload(body).ok_or("JSONP form without one field d")?;
            text_payload(&payload)
        }
        (PostKind::Binary, Generation::Eio3) => {
            engineio3::decode_binary_payload(body).map_err(|e| e.to_string())
        }
        (PostKind::Text | PostKind::Binary, _) => {
            let text = std::str::from_utf8(body).map_err(|_| "payload is not UTF-8".to_string())?;
            text_payload(text)
        }
    }
}

/// At most 64 characters of untrusted text, for an error message.
fn truncated(text: &str) -> &str {
    text.char_indices()
        .nth(64)
        .map_or(text, |(i, _)| &text[..i])
}

/// One Socket.IO packet (the text of an Engine.IO message). A msgpack
/// client sends none: its packets are binary messages
/// ([`decode_msgpack_message`]).
pub fn decode_message(
    format: impl Into<WireFormat>,
    text: &str,
) -> Result<Message, socketio::DecodeError> {
    let format = format.into();
    if format.parser() == Parser::Msgpack {
        return Err(socketio::DecodeError::InvalidPayload(
            "a msgpack client sends its packets as binary messages",
        ));
    }
    match format.generation() {
        Generation::Eio4 => socketio::decode(text),
        Generation::Eio3 => socketio4::decode(text),
        // Protocol-1 packets are decoded by `socket::SocketLayer::on_sio1_text`;
        // what has a place in the model is the same here.
        Generation::Sio1 => sio1::decode(text).ok().and_then(|p| p.to_message()).ok_or(
            socketio::DecodeError::InvalidPayload(
                "not a protocol-1 packet with a place in the model",
            ),
        ),
    }
}

/// One Socket.IO packet of a msgpack client (an Engine.IO binary message),
/// with its binary values as attachments.
pub fn decode_msgpack_message(
    data: &Bytes,
) -> Result<msgpack_parser::Decoded, msgpack_parser::DecodeError> {
    msgpack_parser::decode(data, &socketio::DecodeOptions::default())
}

#[cfg(test)]
mod tests;

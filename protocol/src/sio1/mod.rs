//! Socket.IO protocol 1 codec: the wire format of socket.io 0.7-0.9 clients
//! and of TornadIO2.
//!
//! Owns, as pure functions over text and bytes:
//! - packets `type:id[+]:endpoint[:data]` (nine types), decoded into
//!   [`Packet`] and mapped onto the shared [`Message`] model where they
//!   fit ([`Packet::to_message`]); encoders for everything a server
//!   sends;
//! - the multi-packet framing `\u{fffd}<length>\u{fffd}<packet>...`, lengths
//!   in UTF-16 code units as the JavaScript client counts them;
//! - the handshake body `sid:heartbeat:close:transports` and its JSONP form;
//! - JSONP polling (`io.j[N]("...");` answers, the POST form field `d`), the
//!   htmlfile document and its `<script>` chunks, with JavaScript string
//!   escaping that is safe inside an HTML `<script>` element;
//! - the Flash socket policy answer to `<policy-file-request/>`.
//!
//! The reference behaviour is the socket.io 0.9 server (`lib/parser.js`,
//! `lib/transports/*.js`, `lib/manager.js`) and client (`lib/parser.js`,
//! `lib/transports/*.js`), with TornadIO2 (`tornadio2/proto.py`,
//! `polling.py`) where the two differ in ways its users relied on. The
//! decoder is stricter than the reference's unanchored regular expression;
//! each place where it refuses what the reference would have swallowed is
//! noted. `docs/legacy-protocol.md` describes the transports and sessions
//! built on this codec.
//!
//! Endpoints: protocol 1 names the root endpoint `""`; the shared model names
//! it `"/"`. Decoding maps `""` (and `"/"`) to `"/"`, encoding writes `"/"`
//! as the empty endpoint.
//!
//! One concern per file: `packet` (the packet model, decoding and encoding
//! one packet), `framing` (several packets in one body), `handshake`,
//! `bodies` (JSONP, htmlfile, the POST answer, the Flash policy) and `error`
//! ([`DecodeError`]); everything public is re-exported here, so every item
//! is `sio1::Name`.
//!
//! [`Message`]: crate::socketio::Message

mod bodies;
mod error;
mod framing;
mod handshake;
mod packet;

pub use bodies::{
    HTMLFILE_PREAMBLE, POLICY_FILE_REQUEST, POST_ANSWER, decode_jsonp_form, encode_flash_policy,
    encode_htmlfile_chunk, encode_jsonp, encode_jsonp_error, is_policy_file_request, jsonp_index,
    push_js_string,
};
pub use error::DecodeError;
pub use framing::{FRAME_MARKER, decode_payload, encode_payload, utf16_len};
pub use handshake::{
    HANDSHAKE_BAD_ORIGIN, HANDSHAKE_ERROR, HANDSHAKE_UNAUTHORIZED, Handshake, PROTOCOL,
    PROTOCOL_NOT_SUPPORTED, WELCOME,
};
pub use packet::{
    AckRequest, CLIENT_NOT_HANDSHAKEN, ErrorAdvice, ErrorReason, Frame, HEARTBEAT, NOOP, Packet,
    PacketType, decode, encode, encode_ack, encode_connect, encode_disconnect, encode_error,
    encode_event, encode_json, encode_message, split_frame,
};

#[cfg(test)]
mod tests;

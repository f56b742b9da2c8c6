//! What can go wrong decoding protocol-1 input: one error type for
//! packets, payloads and JSONP forms.

use std::fmt;

/// Why a packet, payload or form could not be decoded. Any of these makes the
/// server drop what it was given; a packet error closes the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Empty text.
    Empty,
    /// Not of the form `type:id:endpoint[:data]` (fewer than two `:`).
    Malformed,
    /// The type is not one character `'0'..='8'`; the text before the first
    /// `:` (at most 16 characters of it).
    UnknownType(String),
    /// The id is not decimal digits (fitting in `u64`) with an optional `+`,
    /// or an ack packet's data does not start with such an id.
    InvalidAckId,
    /// An endpoint that is neither empty nor starts with `/`.
    InvalidEndpoint,
    /// The data is not valid JSON.
    InvalidJson,
    /// The data is JSON of the wrong shape for the packet type.
    InvalidPayload(&'static str),
    /// An event with a reserved name (see
    /// [`socketio::RESERVED_EVENTS`](crate::socketio::RESERVED_EVENTS)).
    ReservedEvent(String),
    /// A frame length in a payload is not decimal digits.
    InvalidFrameLength,
    /// A frame is longer than what is left of the payload.
    TruncatedFrame,
    /// A frame length ends inside a character outside the BMP (between the
    /// two UTF-16 code units of a surrogate pair).
    SplitSurrogate,
    /// Text after a frame that does not start another frame.
    TrailingData,
    /// A JSONP POST body without the form field `d`.
    MissingFormField,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Empty => f.write_str("empty packet"),
            DecodeError::Malformed => f.write_str("malformed packet (expected type:id:endpoint)"),
            DecodeError::UnknownType(t) => write!(f, "unknown packet type {t:?}"),
            DecodeError::InvalidAckId => f.write_str("invalid ack id"),
            DecodeError::InvalidEndpoint => f.write_str("endpoint must be empty or start with '/'"),
            DecodeError::InvalidJson => f.write_str("payload is not valid JSON"),
            DecodeError::InvalidPayload(why) => write!(f, "invalid payload: {why}"),
            DecodeError::ReservedEvent(name) => write!(f, "reserved event name {name:?}"),
            DecodeError::InvalidFrameLength => f.write_str("invalid frame length"),
            DecodeError::TruncatedFrame => f.write_str("frame longer than the payload"),
            DecodeError::SplitSurrogate => f.write_str("frame length ends inside a surrogate pair"),
            DecodeError::TrailingData => f.write_str("text after the last frame"),
            DecodeError::MissingFormField => f.write_str("form field 'd' missing"),
        }
    }
}

impl std::error::Error for DecodeError {}

//! `sio1/error.rs`: [`DecodeError`]'s messages.

use super::*;
use crate::sio1::packet::ACK_SHAPE;

#[test]
fn error_display() {
    let cases = [
        (DecodeError::Empty, "empty packet"),
        (
            DecodeError::Malformed,
            "malformed packet (expected type:id:endpoint)",
        ),
        (
            DecodeError::UnknownType("9".into()),
            "unknown packet type \"9\"",
        ),
        (DecodeError::InvalidAckId, "invalid ack id"),
        (
            DecodeError::InvalidEndpoint,
            "endpoint must be empty or start with '/'",
        ),
        (DecodeError::InvalidJson, "payload is not valid JSON"),
        (
            DecodeError::InvalidPayload(ACK_SHAPE),
            "invalid payload: ACK data must be an array after the id",
        ),
        (
            DecodeError::ReservedEvent("connect".into()),
            "reserved event name \"connect\"",
        ),
        (DecodeError::InvalidFrameLength, "invalid frame length"),
        (DecodeError::TruncatedFrame, "frame longer than the payload"),
        (
            DecodeError::SplitSurrogate,
            "frame length ends inside a surrogate pair",
        ),
        (DecodeError::TrailingData, "text after the last frame"),
        (DecodeError::MissingFormField, "form field 'd' missing"),
    ];
    for (error, text) in cases {
        assert_eq!(error.to_string(), text);
    }
}

//! How a Socket.IO packet becomes the frames of one protocol generation.
//!
//! The one place where generations differ on the way out: everything above
//! it works with Socket.IO packet text plus attachments.

use bytes::Bytes;

use crate::protocol::engineio::Packet;
use crate::session::{Frame, Generation};

/// The Engine.IO noop packet.
pub fn noop() -> Frame {
    Frame::packet(&Packet::Noop)
}

/// The Engine.IO close packet.
pub fn close() -> Frame {
    Frame::packet(&Packet::Close)
}

/// A polling response body: Engine.IO 4 separates packets with a record
/// separator and carries binary as `b` + base64.
pub fn polling_payload(generation: Generation, frames: &[Frame]) -> String {
    use base64::Engine as _;
    match generation {
        Generation::Eio4 => {
            let mut out = String::with_capacity(frames.iter().map(|f| f.len() + 1).sum());
            for (i, frame) in frames.iter().enumerate() {
                if i > 0 {
                    out.push('\u{1e}');
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
    }
}

/// The frames carrying one Socket.IO packet: an Engine.IO message holding
/// the packet text, then one binary message per attachment.
pub fn message_frames(generation: Generation, packet: String, attachments: &[Bytes]) -> Vec<Frame> {
    match generation {
        Generation::Eio4 => {
            let mut text = String::with_capacity(packet.len() + 1);
            text.push('4');
            text.push_str(&packet);
            let mut frames = Vec::with_capacity(1 + attachments.len());
            frames.push(Frame::text(text));
            frames.extend(attachments.iter().cloned().map(Frame::binary));
            frames
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eio4_message_then_attachments() {
        let frames = message_frames(
            Generation::Eio4,
            "51-[\"a\",{\"_placeholder\":true,\"num\":0}]".into(),
            &[Bytes::from_static(&[1, 2])],
        );
        assert_eq!(
            frames[0].as_text(),
            Some("451-[\"a\",{\"_placeholder\":true,\"num\":0}]")
        );
        assert_eq!(frames[1].bytes().as_ref(), &[1, 2]);
        assert!(!frames[1].is_text());
    }

    #[test]
    fn eio4_polling_payload_joins_with_record_separator() {
        let frames = [
            Frame::text("40"),
            Frame::binary(Bytes::from_static(&[1, 2, 3])),
            noop(),
        ];
        assert_eq!(
            polling_payload(Generation::Eio4, &frames),
            "40\u{1e}bAQID\u{1e}6"
        );
        assert_eq!(polling_payload(Generation::Eio4, &[]), "");
    }
}

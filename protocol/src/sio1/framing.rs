//! Several packets in one body: the multi-packet framing
//! `\u{fffd}<length>\u{fffd}<packet>...` of polling responses, POST bodies
//! and JSONP and htmlfile calls, lengths in UTF-16 code units as the
//! JavaScript client counts them.

use std::fmt::Write as _;

use super::DecodeError;

/// The character around a frame's length in a multi-packet payload.
pub const FRAME_MARKER: char = '\u{fffd}';

/// The number of UTF-16 code units in `s`: the length JavaScript's
/// `String.prototype.length` reports, which frame lengths count.
pub fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// A polling response body (and the text of a JSONP or htmlfile call): no
/// packet is the empty text, one packet is that packet as it is, several are
/// each written `\u{fffd}<length>\u{fffd}<packet>` with the length in UTF-16
/// code units.
pub fn encode_payload<S: AsRef<str>>(packets: &[S]) -> String {
    match packets {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        many => {
            let mut out =
                String::with_capacity(many.iter().map(|p| p.as_ref().len() + 12).sum::<usize>());
            for packet in many {
                let packet = packet.as_ref();
                let _ = write!(out, "{FRAME_MARKER}{}{FRAME_MARKER}", utf16_len(packet));
                out.push_str(packet);
            }
            out
        }
    }
}

/// Split a payload into its packets (not yet decoded). Text that does not
/// start with `\u{fffd}` is one packet; the empty text is none. Otherwise
/// every frame must be `\u{fffd}<decimal length>\u{fffd}<packet>`, the length
/// in UTF-16 code units, ending on a character boundary, with nothing after
/// the last frame. (The reference client skips whatever stands between
/// frames; that is refused here.)
pub fn decode_payload(body: &str) -> Result<Vec<&str>, DecodeError> {
    let Some(mut rest) = body.strip_prefix(FRAME_MARKER) else {
        return Ok(if body.is_empty() {
            Vec::new()
        } else {
            vec![body]
        });
    };
    let mut packets = Vec::new();
    loop {
        let (length, after) = rest
            .split_once(FRAME_MARKER)
            .ok_or(DecodeError::InvalidFrameLength)?;
        if length.is_empty() || !length.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DecodeError::InvalidFrameLength);
        }
        let units: usize = length.parse().map_err(|_| DecodeError::TruncatedFrame)?;
        let end = utf16_offset(after, units)?;
        let (packet, tail) = after
            .split_at_checked(end)
            .ok_or(DecodeError::TruncatedFrame)?;
        packets.push(packet);
        if tail.is_empty() {
            return Ok(packets);
        }
        rest = tail
            .strip_prefix(FRAME_MARKER)
            .ok_or(DecodeError::TrailingData)?;
    }
}

/// The byte offset in `s` after `units` UTF-16 code units.
pub(super) fn utf16_offset(s: &str, units: usize) -> Result<usize, DecodeError> {
    let mut count = 0;
    for (i, c) in s.char_indices() {
        if count == units {
            return Ok(i);
        }
        count += c.len_utf16();
        if count > units {
            return Err(DecodeError::SplitSurrogate);
        }
    }
    if count == units {
        Ok(s.len())
    } else {
        Err(DecodeError::TruncatedFrame)
    }
}

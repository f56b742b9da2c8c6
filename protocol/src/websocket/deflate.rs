//! permessage-deflate (RFC 7692): the answer to a client's offers, and the
//! compression of one message from a fresh state each way.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use super::{CloseCode, Failure};

/// What every compressed message ends with before the sender strips it
/// (the empty stored block of a sync flush); the receiver appends it back.
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// The answer when deflate is agreed: neither side keeps its compression
/// state between messages (see the module docs of [`super`]).
const ANSWER: &str = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";
/// The same for an offer naming `server_max_window_bits=15`, which the
/// answer must repeat.
const ANSWER_WINDOW_15: &str = "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=15";

/// The `Sec-WebSocket-Extensions` answer to a handshake's offers (each of
/// the request's header values), or `None` to use no extension: the first
/// permessage-deflate offer the server can take. An offer is refused when
/// it is malformed (an unknown or repeated parameter, a window size
/// outside 8-15) or asks the server for a window below 15 bits: every
/// message is compressed for the 32 KiB window, so that one compression
/// serves every receiver.
pub fn negotiate_deflate<'a>(offers: impl IntoIterator<Item = &'a str>) -> Option<&'static str> {
    offers
        .into_iter()
        .flat_map(split_unquoted(','))
        .find_map(answer_offer)
}

/// One extension offer, `name; param; param=value`.
fn answer_offer(offer: &str) -> Option<&'static str> {
    let mut parts = split_unquoted(';')(offer);
    if !parts
        .next()?
        .trim()
        .eq_ignore_ascii_case("permessage-deflate")
    {
        return None;
    }
    let mut seen = [false; 4];
    let mut server_window_15 = false;
    for param in parts {
        let (name, value) = match param.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim().trim_matches('"'))),
            None => (param.trim(), None),
        };
        let index = [
            "server_no_context_takeover",
            "client_no_context_takeover",
            "server_max_window_bits",
            "client_max_window_bits",
        ]
        .iter()
        .position(|known| name.eq_ignore_ascii_case(known))?;
        if std::mem::replace(&mut seen[index], true) {
            return None;
        }
        let bits = value.map(|v| v.parse::<u8>().ok().filter(|b| (8..=15).contains(b)));
        match (index, bits) {
            (0 | 1, None) => {}
            (2, Some(Some(15))) => server_window_15 = true,
            (3, None | Some(Some(_))) => {}
            _ => return None,
        }
    }
    Some(if server_window_15 {
        ANSWER_WINDOW_15
    } else {
        ANSWER
    })
}

/// Splits on `sep` outside double quotes.
fn split_unquoted(sep: char) -> impl Fn(&str) -> std::vec::IntoIter<&str> {
    move |s: &str| {
        let mut parts = Vec::new();
        let mut quoted = false;
        let mut start = 0;
        for (i, c) in s.char_indices() {
            if c == '"' {
                quoted = !quoted;
            } else if c == sep && !quoted {
                parts.push(&s[start..i]);
                start = i + 1;
            }
        }
        parts.push(&s[start..]);
        parts.into_iter()
    }
}

/// Compresses messages, each from a fresh state. Holds zlib-rs's
/// compressor (about 310 KiB), allocated at the first message: keep one
/// per thread, not per connection.
#[derive(Default)]
pub struct Deflater {
    state: Option<Compress>,
}

impl Deflater {
    /// A deflater; nothing is allocated until it compresses.
    pub fn new() -> Deflater {
        Deflater::default()
    }

    /// `payload` compressed as one permessage-deflate message: raw deflate,
    /// sync-flushed, without the final `00 00 ff ff`. Level 1: the fastest.
    pub fn deflate(&mut self, payload: &[u8]) -> Vec<u8> {
        let state = self
            .state
            .get_or_insert_with(|| Compress::new(Compression::fast(), false));
        state.reset();
        let mut out = Vec::with_capacity(payload.len() / 2 + 64);
        let start_in = state.total_in();
        loop {
            if out.len() == out.capacity() {
                out.reserve(out.capacity().max(64));
            }
            let consumed = (state.total_in() - start_in) as usize;
            let input = payload.get(consumed..).unwrap_or_default();
            // Compressing into a Vec cannot fail: the only errors are for a
            // stream already finished, and each message starts afresh.
            if state
                .compress_vec(input, &mut out, FlushCompress::Sync)
                .is_err()
            {
                break;
            }
            let all_in = (state.total_in() - start_in) as usize == payload.len();
            // A sync flush is done when it left room in the output.
            if all_in && out.len() < out.capacity() {
                break;
            }
        }
        if out.ends_with(&TAIL) {
            out.truncate(out.len() - TAIL.len());
        }
        out
    }
}

/// Inflates messages, each from a fresh state (the client was told
/// `client_no_context_takeover`). Holds zlib-rs's inflate state (about
/// 22 KiB), allocated at the first message: keep one per thread.
#[derive(Default)]
pub struct Inflater {
    state: Option<Decompress>,
}

impl Inflater {
    /// An inflater; nothing is allocated until it inflates.
    pub fn new() -> Inflater {
        Inflater::default()
    }

    /// One compressed message inflated, refusing to produce more than `max`
    /// bytes (a small message may inflate to gigabytes): 1009 past `max`,
    /// 1007 for data that does not inflate.
    pub fn inflate(&mut self, compressed: &[u8], max: usize) -> Result<Vec<u8>, Failure> {
        let state = self.state.get_or_insert_with(|| Decompress::new(false));
        state.reset(false);
        let cap = max.saturating_add(1);
        let mut out = Vec::with_capacity(compressed.len().saturating_mul(4).clamp(64, cap));
        for input in [compressed, &TAIL] {
            let start_in = state.total_in();
            loop {
                if out.len() == out.capacity() {
                    if out.len() >= cap {
                        return Err(Failure::new(CloseCode::TOO_BIG, "inflated message too big"));
                    }
                    // Doubling, up to one byte past the limit.
                    out.reserve_exact(out.len().max(64).min(cap - out.len()));
                }
                let consumed = (state.total_in() - start_in) as usize;
                let rest = input.get(consumed..).unwrap_or_default();
                let before_out = out.len();
                let status = state
                    .decompress_vec(rest, &mut out, FlushDecompress::Sync)
                    .map_err(|_| Failure::new(CloseCode::INVALID_DATA, "bad compressed data"))?;
                if out.len() > max {
                    return Err(Failure::new(CloseCode::TOO_BIG, "inflated message too big"));
                }
                let all_in = (state.total_in() - start_in) as usize == input.len();
                let stuck =
                    out.len() == before_out && (state.total_in() - start_in) as usize == consumed;
                match status {
                    // A final block ends the stream: what follows is ignored.
                    Status::StreamEnd => return Ok(out),
                    _ if all_in && out.len() < out.capacity() => break,
                    _ if stuck && out.len() < out.capacity() => break,
                    _ => {}
                }
            }
        }
        Ok(out)
    }
}

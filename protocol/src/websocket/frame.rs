//! One frame's header, read from a client and written by the server, and
//! the client's masking.

use super::{CloseCode, Failure, OpCode};

const FIN: u8 = 0x80;
const RSV1: u8 = 0x40;
const RSV2_3: u8 = 0x30;
const MASKED: u8 = 0x80;

/// The longest payload a control frame may carry.
pub(crate) const MAX_CONTROL_PAYLOAD: usize = 125;

/// A client frame's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub fin: bool,
    /// RSV1: the message is compressed (permessage-deflate).
    pub rsv1: bool,
    pub opcode: OpCode,
    pub mask: [u8; 4],
    /// The header's own length in bytes.
    pub header_len: usize,
    pub payload_len: u64,
}

/// Read a client frame's header from the start of `buf`: `Ok(None)` until
/// all of it has arrived. Checks what the header alone can show: reserved
/// bits (RSV1 is the decoder's business), the opcode, the mask, control
/// frames' FIN and size, the 64-bit length's top bit.
pub(crate) fn parse_header(buf: &[u8]) -> Result<Option<Header>, Failure> {
    let [b0, b1, ..] = *buf else {
        return Ok(None);
    };
    if b0 & RSV2_3 != 0 {
        return Err(Failure::new(CloseCode::PROTOCOL, "reserved bits set"));
    }
    let Some(opcode) = OpCode::from_u4(b0 & 0x0F) else {
        return Err(Failure::new(CloseCode::PROTOCOL, "unknown opcode"));
    };
    let fin = b0 & FIN != 0;
    if b1 & MASKED == 0 {
        return Err(Failure::new(CloseCode::PROTOCOL, "unmasked client frame"));
    }
    let (payload_len, len_bytes) = match b1 & 0x7F {
        126 => {
            let Some(b) = buf.get(2..4) else {
                return Ok(None);
            };
            (u64::from(u16::from_be_bytes([b[0], b[1]])), 2)
        }
        127 => {
            let Some(b) = buf.get(2..10) else {
                return Ok(None);
            };
            let mut be = [0u8; 8];
            be.copy_from_slice(b);
            let len = u64::from_be_bytes(be);
            if len >> 63 != 0 {
                return Err(Failure::new(CloseCode::PROTOCOL, "frame length too large"));
            }
            (len, 8)
        }
        n => (u64::from(n), 0),
    };
    let header_len = 2 + len_bytes + 4;
    let Some(m) = buf.get(2 + len_bytes..header_len) else {
        return Ok(None);
    };
    let mask = [m[0], m[1], m[2], m[3]];
    if opcode.is_control() {
        if !fin {
            return Err(Failure::new(
                CloseCode::PROTOCOL,
                "fragmented control frame",
            ));
        }
        if payload_len > MAX_CONTROL_PAYLOAD as u64 {
            return Err(Failure::new(CloseCode::PROTOCOL, "control frame too long"));
        }
    }
    Ok(Some(Header {
        fin,
        rsv1: b0 & RSV1 != 0,
        opcode,
        mask,
        header_len,
        payload_len,
    }))
}

/// XOR `data` with the mask, `offset` bytes into the masked stream.
pub(crate) fn unmask(data: &mut [u8], mask: [u8; 4], offset: usize) {
    let mut key = [0u8; 4];
    for (i, k) in key.iter_mut().enumerate() {
        *k = mask[(offset + i) % 4];
    }
    // Eight bytes at a time: a 1 MiB message would otherwise be a million
    // single-byte steps.
    let wide = u64::from_ne_bytes([
        key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3],
    ]);
    let mut chunks = data.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        chunk.copy_from_slice(&(u64::from_ne_bytes(word) ^ wide).to_ne_bytes());
    }
    for (i, b) in chunks.into_remainder().iter_mut().enumerate() {
        *b ^= key[i % 4];
    }
}

/// Append a server frame's header (unmasked, FIN set).
fn push_header(out: &mut Vec<u8>, opcode: OpCode, compressed: bool, len: usize) {
    let mut b0 = FIN | opcode.to_u4();
    if compressed {
        b0 |= RSV1;
    }
    out.push(b0);
    if len < 126 {
        out.push(len as u8);
    } else if let Ok(len) = u16::try_from(len) {
        out.push(126);
        out.extend_from_slice(&len.to_be_bytes());
    } else {
        out.push(127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
}

/// Append one whole message as a single server frame: text or binary,
/// `compressed` setting RSV1 (its payload deflated by [`super::Deflater`]).
pub fn encode_message(out: &mut Vec<u8>, text: bool, compressed: bool, payload: &[u8]) {
    let opcode = if text { OpCode::Text } else { OpCode::Binary };
    out.reserve(payload.len() + 10);
    push_header(out, opcode, compressed, payload.len());
    out.extend_from_slice(payload);
}

/// Append a ping or pong; the payload is cut to the 125 bytes a control
/// frame may carry.
pub fn encode_control(out: &mut Vec<u8>, pong: bool, payload: &[u8]) {
    let payload = &payload[..payload.len().min(MAX_CONTROL_PAYLOAD)];
    let opcode = if pong { OpCode::Pong } else { OpCode::Ping };
    push_header(out, opcode, false, payload.len());
    out.extend_from_slice(payload);
}

/// Append a close frame: empty without a code, else the code and as much
/// of the reason as fits (cut at a character boundary).
pub fn encode_close(out: &mut Vec<u8>, close: Option<(CloseCode, &str)>) {
    let Some((code, reason)) = close else {
        push_header(out, OpCode::Close, false, 0);
        return;
    };
    let mut end = reason.len().min(MAX_CONTROL_PAYLOAD - 2);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    push_header(out, OpCode::Close, false, 2 + end);
    out.extend_from_slice(&code.0.to_be_bytes());
    out.extend_from_slice(&reason.as_bytes()[..end]);
}

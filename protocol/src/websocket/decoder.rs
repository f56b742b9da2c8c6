//! Reading a client's frames into messages: fragments joined, control
//! frames taken in between, compressed messages inflated, text checked.

use bytes::{Buf, Bytes, BytesMut};

use super::frame::{Header, parse_header, unmask};
use super::{CloseCode, Failure, Inflater, OpCode};

/// What a client sent: one whole message or a control frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// A text message, checked to be UTF-8.
    Text(Bytes),
    /// A binary message.
    Binary(Bytes),
    /// A ping: answer with a pong carrying the same bytes.
    Ping(Bytes),
    /// A pong.
    Pong,
    /// A close frame: its code and reason, if it had any. Answer with a
    /// close frame and stop reading.
    Close(Option<(CloseCode, String)>),
}

/// A message begun by a frame without FIN.
#[derive(Debug)]
struct Partial {
    text: bool,
    compressed: bool,
    data: BytesMut,
}

/// The reading side of one connection.
#[derive(Debug)]
pub struct Decoder {
    max_message: usize,
    deflate: bool,
    partial: Option<Partial>,
}

impl Decoder {
    /// A decoder taking messages up to `max_message` bytes (inflated, when
    /// compressed), and compressed messages when `deflate` was negotiated.
    pub fn new(max_message: usize, deflate: bool) -> Decoder {
        Decoder {
            max_message,
            deflate,
            partial: None,
        }
    }

    /// The longest compressed message taken: a message within the limit
    /// compresses to at most slightly more than itself (deflate's stored
    /// blocks add 5 bytes per 64 KiB).
    fn compressed_limit(&self) -> usize {
        self.max_message
            .saturating_add(self.max_message / 64)
            .saturating_add(64)
    }

    /// The next message or control frame from the bytes read so far, which
    /// it takes from the front of `buf`; `Ok(None)` until one is complete
    /// (then `buf` has room reserved for the rest of the frame when it is
    /// large). A compressed message is inflated with `inflater`. An error
    /// is the close code the connection must be failed with.
    pub fn decode(
        &mut self,
        buf: &mut BytesMut,
        inflater: &mut Inflater,
    ) -> Result<Option<Incoming>, Failure> {
        loop {
            let Some(header) = parse_header(buf)? else {
                return Ok(None);
            };
            self.check(&header)?;
            // Fits: `check` bounded it by a usize limit (or 125).
            let total = header.header_len + header.payload_len as usize;
            if buf.len() < total {
                buf.reserve(total - buf.len());
                return Ok(None);
            }
            let mut payload = buf.split_to(total);
            payload.advance(header.header_len);
            unmask(&mut payload, header.mask, 0);
            let (text, compressed, data) = match header.opcode {
                OpCode::Ping => return Ok(Some(Incoming::Ping(payload.freeze()))),
                OpCode::Pong => return Ok(Some(Incoming::Pong)),
                OpCode::Close => return close_frame(&payload).map(Some),
                OpCode::Text | OpCode::Binary => {
                    let text = header.opcode == OpCode::Text;
                    if !header.fin {
                        self.partial = Some(Partial {
                            text,
                            compressed: header.rsv1,
                            data: payload,
                        });
                        continue;
                    }
                    (text, header.rsv1, payload)
                }
                OpCode::Continuation => {
                    let Some(partial) = self.partial.as_mut() else {
                        return Err(Failure::new(CloseCode::PROTOCOL, "continuation of nothing"));
                    };
                    partial.data.extend_from_slice(&payload);
                    if !header.fin {
                        continue;
                    }
                    let Some(Partial {
                        text,
                        compressed,
                        data,
                    }) = self.partial.take()
                    else {
                        continue;
                    };
                    (text, compressed, data)
                }
            };
            let data = if compressed {
                Bytes::from(inflater.inflate(&data, self.max_message)?)
            } else {
                data.freeze()
            };
            if !text {
                return Ok(Some(Incoming::Binary(data)));
            }
            if std::str::from_utf8(&data).is_err() {
                return Err(Failure::new(CloseCode::INVALID_DATA, "text is not UTF-8"));
            }
            return Ok(Some(Incoming::Text(data)));
        }
    }

    /// What a frame's header must satisfy given the message in progress.
    fn check(&self, header: &Header) -> Result<(), Failure> {
        match header.opcode {
            OpCode::Text | OpCode::Binary if self.partial.is_some() => {
                return Err(Failure::new(
                    CloseCode::PROTOCOL,
                    "new message inside a fragmented one",
                ));
            }
            OpCode::Continuation if self.partial.is_none() => {
                return Err(Failure::new(CloseCode::PROTOCOL, "continuation of nothing"));
            }
            _ => {}
        }
        if header.rsv1 {
            let first_data_frame = matches!(header.opcode, OpCode::Text | OpCode::Binary);
            if !self.deflate || !first_data_frame {
                return Err(Failure::new(
                    CloseCode::PROTOCOL,
                    "RSV1 set without deflate",
                ));
            }
        }
        let compressed = match header.opcode {
            OpCode::Text | OpCode::Binary => header.rsv1,
            OpCode::Continuation => self.partial.as_ref().is_some_and(|p| p.compressed),
            // Control frames: at most 125 bytes (parse_header).
            _ => return Ok(()),
        };
        let limit = if compressed {
            self.compressed_limit()
        } else {
            self.max_message
        };
        let so_far = self.partial.as_ref().map_or(0, |p| p.data.len());
        let within = usize::try_from(header.payload_len)
            .ok()
            .and_then(|len| len.checked_add(so_far))
            .is_some_and(|len| len <= limit);
        if !within {
            return Err(Failure::new(CloseCode::TOO_BIG, "message too big"));
        }
        Ok(())
    }
}

/// A close frame's payload: nothing, or a valid code and a UTF-8 reason.
fn close_frame(payload: &[u8]) -> Result<Incoming, Failure> {
    let (code, reason) = match payload {
        [] => return Ok(Incoming::Close(None)),
        [hi, lo, reason @ ..] => (CloseCode(u16::from_be_bytes([*hi, *lo])), reason),
        [_] => return Err(Failure::new(CloseCode::PROTOCOL, "close frame of one byte")),
    };
    if !code.is_valid_on_wire() {
        return Err(Failure::new(CloseCode::PROTOCOL, "invalid close code"));
    }
    let Ok(reason) = std::str::from_utf8(reason) else {
        return Err(Failure::new(
            CloseCode::INVALID_DATA,
            "close reason is not UTF-8",
        ));
    };
    Ok(Incoming::Close(Some((code, reason.to_owned()))))
}

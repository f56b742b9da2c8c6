//! The websocket client for `--deflate`: tungstenite has no
//! permessage-deflate, so this one speaks the frames itself. It offers
//! `permessage-deflate; client_max_window_bits`, as browsers and Node's
//! `ws` do, inflates the server's compressed messages and compresses what
//! it sends from 1024 bytes up (`ws`'s default threshold), each message
//! from a fresh state (what sio-host agrees to: no context takeover either
//! way). The compressor and inflater are per thread, not per client: tens
//! of thousands of clients would otherwise hold ~350 KiB each.

use std::cell::RefCell;

use anyhow::{Context, Result, bail};
use bytes::{Buf, Bytes, BytesMut};
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Messages shorter than this are sent uncompressed (`ws`'s default).
const THRESHOLD: usize = 1024;
/// What a sync flush ends with; permessage-deflate leaves it off.
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

thread_local! {
    static DEFLATE: RefCell<Compress> = RefCell::new(Compress::new(Compression::default(), false));
    static INFLATE: RefCell<Decompress> = RefCell::new(Decompress::new(false));
}

pub struct DeflateWs {
    stream: TcpStream,
    buf: BytesMut,
    /// The server agreed to permessage-deflate.
    pub negotiated: bool,
}

impl DeflateWs {
    /// The opening handshake on a connected stream.
    pub async fn connect(mut stream: TcpStream, host: &str, path_query: &str) -> Result<DeflateWs> {
        let request = format!(
            "GET {path_query} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await?;
        let mut buf = BytesMut::with_capacity(4096);
        let end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            if stream.read_buf(&mut buf).await? == 0 {
                bail!("closed during the websocket handshake");
            }
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
        if !head.starts_with("http/1.1 101") {
            bail!(
                "websocket handshake: {}",
                head.lines().next().unwrap_or_default()
            );
        }
        let negotiated = head.lines().any(|l| {
            l.starts_with("sec-websocket-extensions:") && l.contains("permessage-deflate")
        });
        buf.advance(end);
        Ok(DeflateWs {
            stream,
            buf,
            negotiated,
        })
    }

    /// One text (or binary) message, masked (with a fixed mask: the server
    /// cannot tell), compressed when deflate was agreed and it is long
    /// enough.
    pub async fn send(&mut self, binary: bool, message: &[u8]) -> Result<()> {
        let compressed = (self.negotiated && message.len() >= THRESHOLD).then(|| deflate(message));
        let payload = compressed.as_deref().unwrap_or(message);
        let mask = [0x12u8, 0x34, 0x56, 0x78];
        let mut frame = Vec::with_capacity(payload.len() + 14);
        let opcode = if binary { 0x82 } else { 0x81 };
        frame.push(opcode | if compressed.is_some() { 0x40 } else { 0 });
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n <= 0xFFFF => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.stream.write_all(&frame).await?;
        Ok(())
    }

    /// The next text or binary message; `None` at a close frame or the end
    /// of the stream. Cancel-safe: what was read stays buffered.
    pub async fn recv(&mut self) -> Result<Option<Bytes>> {
        loop {
            if let Some((b0, header, len)) = header(&self.buf)? {
                if self.buf.len() >= header + len {
                    self.buf.advance(header);
                    let payload = self.buf.split_to(len).freeze();
                    match b0 & 0x0F {
                        0x1 | 0x2 if b0 & 0x80 == 0 => bail!("fragmented message"),
                        0x1 | 0x2 if b0 & 0x40 != 0 => return inflate(&payload).map(Some),
                        0x1 | 0x2 => return Ok(Some(payload)),
                        0x8 => return Ok(None),
                        // Pings and pongs: sio-host sends none.
                        _ => continue,
                    }
                }
                self.buf.reserve(header + len - self.buf.len());
            }
            if self
                .stream
                .read_buf(&mut self.buf)
                .await
                .context("websocket read")?
                == 0
            {
                return Ok(None);
            }
        }
    }
}

/// A server frame's first byte, header length and payload length.
fn header(b: &[u8]) -> Result<Option<(u8, usize, usize)>> {
    let [b0, b1, ..] = *b else { return Ok(None) };
    if b1 & 0x80 != 0 {
        bail!("masked server frame");
    }
    Ok(match b1 & 0x7F {
        126 if b.len() >= 4 => Some((b0, 4, usize::from(u16::from_be_bytes([b[2], b[3]])))),
        127 if b.len() >= 10 => {
            let mut be = [0u8; 8];
            be.copy_from_slice(&b[2..10]);
            Some((b0, 10, usize::try_from(u64::from_be_bytes(be))?))
        }
        126 | 127 => None,
        n => Some((b0, 2, usize::from(n))),
    })
}

fn deflate(data: &[u8]) -> Vec<u8> {
    DEFLATE.with_borrow_mut(|c| {
        c.reset();
        let mut out = Vec::with_capacity(data.len() / 2 + 64);
        loop {
            let done = c.total_in() as usize;
            let _ = c.compress_vec(&data[done..], &mut out, FlushCompress::Sync);
            if c.total_in() as usize == data.len() && out.len() < out.capacity() {
                break;
            }
            out.reserve(out.capacity());
        }
        if out.ends_with(&TAIL) {
            out.truncate(out.len() - 4);
        }
        out
    })
}

fn inflate(data: &[u8]) -> Result<Bytes> {
    INFLATE.with_borrow_mut(|d| {
        d.reset(false);
        let mut out = Vec::with_capacity(data.len() * 4 + 64);
        for input in [data, &TAIL[..]] {
            let start = d.total_in();
            loop {
                let done = (d.total_in() - start) as usize;
                d.decompress_vec(&input[done..], &mut out, FlushDecompress::Sync)
                    .context("inflating a server message")?;
                if (d.total_in() - start) as usize == input.len() && out.len() < out.capacity() {
                    break;
                }
                out.reserve(out.capacity());
            }
        }
        Ok(Bytes::from(out))
    })
}

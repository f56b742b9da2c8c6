//! A minimal HTTP/1.1 client for Engine.IO long-polling: one keep-alive
//! connection, one request at a time, `Content-Length` or chunked bodies.
//! A request that fails before any byte of the response arrived (the server
//! closed an idle keep-alive connection) is retried once on a new connection.

use std::net::{IpAddr, SocketAddr};

use anyhow::{Context, Result, bail};
use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::net::tcp_connect;

pub struct Http {
    addr: SocketAddr,
    source: Option<IpAddr>,
    host: String,
    stream: Option<TcpStream>,
    buf: BytesMut,
}

enum Failure {
    /// Nothing of the response was read: safe to retry on a new connection.
    Stale(anyhow::Error),
    Hard(anyhow::Error),
}

impl Http {
    pub async fn connect(addr: SocketAddr, source: Option<IpAddr>) -> Result<Http> {
        let stream = tcp_connect(addr, source).await?;
        Ok(Http {
            addr,
            source,
            host: addr.to_string(),
            stream: Some(stream),
            buf: BytesMut::with_capacity(4096),
        })
    }

    /// `method` `path_query` with `body` (POST: text/plain); returns status and body.
    pub async fn request(
        &mut self,
        method: &str,
        path_query: &str,
        body: &[u8],
    ) -> Result<(u16, Bytes)> {
        let mut head = format!("{method} {path_query} HTTP/1.1\r\nHost: {}\r\n", self.host);
        if method == "POST" {
            head.push_str("Content-Type: text/plain;charset=UTF-8\r\n");
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let mut req = Vec::with_capacity(head.len() + body.len());
        req.extend_from_slice(head.as_bytes());
        req.extend_from_slice(body);
        match self.attempt(&req).await {
            Ok(r) => Ok(r),
            Err(Failure::Hard(e)) => Err(e),
            Err(Failure::Stale(_)) => {
                self.stream = Some(tcp_connect(self.addr, self.source).await?);
                self.buf.clear();
                match self.attempt(&req).await {
                    Ok(r) => Ok(r),
                    Err(Failure::Hard(e) | Failure::Stale(e)) => Err(e),
                }
            }
        }
    }

    async fn attempt(&mut self, req: &[u8]) -> std::result::Result<(u16, Bytes), Failure> {
        let Some(stream) = self.stream.as_mut() else {
            return Err(Failure::Stale(anyhow::anyhow!("no connection")));
        };
        if let Err(e) = stream.write_all(req).await {
            self.stream = None;
            return Err(Failure::Stale(e.into()));
        }
        // Head.
        let head_end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i + 4;
            }
            match stream.read_buf(&mut self.buf).await {
                Ok(0) | Err(_) if self.buf.is_empty() => {
                    self.stream = None;
                    return Err(Failure::Stale(anyhow::anyhow!("connection closed")));
                }
                Ok(0) => {
                    self.stream = None;
                    return Err(Failure::Hard(anyhow::anyhow!(
                        "connection closed mid-response"
                    )));
                }
                Ok(_) => {}
                Err(e) => {
                    self.stream = None;
                    return Err(Failure::Hard(e.into()));
                }
            }
        };
        let result = self.read_rest(head_end).await;
        if result.is_err() {
            self.stream = None;
        }
        result.map_err(Failure::Hard)
    }

    async fn read_rest(&mut self, head_end: usize) -> Result<(u16, Bytes)> {
        let head = std::str::from_utf8(&self.buf[..head_end]).context("response head not UTF-8")?;
        let mut lines = head.split("\r\n");
        let status: u16 = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .context("bad status line")?;
        let mut length = None;
        let mut chunked = false;
        let mut close = false;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = Some(value.parse::<usize>().context("bad content-length")?);
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.to_ascii_lowercase().contains("chunked");
            } else if name.eq_ignore_ascii_case("connection") {
                close = value.eq_ignore_ascii_case("close");
            }
        }
        self.buf.advance(head_end);
        let stream = self.stream.as_mut().expect("connected");
        let body = if chunked {
            let mut body = BytesMut::new();
            loop {
                let line_end = loop {
                    if let Some(i) = find(&self.buf, b"\r\n") {
                        break i;
                    }
                    if stream.read_buf(&mut self.buf).await? == 0 {
                        bail!("connection closed in a chunk header");
                    }
                };
                let size_text = std::str::from_utf8(&self.buf[..line_end])?;
                let size_text = size_text.split(';').next().unwrap_or("").trim();
                let size = usize::from_str_radix(size_text, 16).context("bad chunk size")?;
                while self.buf.len() < line_end + 2 + size + 2 {
                    if stream.read_buf(&mut self.buf).await? == 0 {
                        bail!("connection closed in a chunk");
                    }
                }
                self.buf.advance(line_end + 2);
                body.extend_from_slice(&self.buf[..size]);
                self.buf.advance(size + 2);
                if size == 0 {
                    break; // (no trailers expected)
                }
            }
            body.freeze()
        } else if let Some(len) = length {
            while self.buf.len() < len {
                if stream.read_buf(&mut self.buf).await? == 0 {
                    bail!("connection closed in a body");
                }
            }
            self.buf.split_to(len).freeze()
        } else {
            while stream.read_buf(&mut self.buf).await? != 0 {}
            close = true;
            self.buf.split().freeze()
        };
        if close {
            self.stream = None;
            self.buf.clear();
        }
        Ok((status, body))
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

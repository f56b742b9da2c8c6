//! One client connection: Socket.IO 5 over Engine.IO 4 on a websocket or on
//! HTTP long-polling, or a bare websocket (`--transport raw-ws`).
//!
//! [`Client::recv`] is cancel-safe (a websocket's `next()`, or a channel fed
//! by the polling GET loop), so workloads can `select!` on it; what a packet
//! means is [`Client::classify`], and the answer to a ping is
//! [`Client::pong`].

use std::net::{IpAddr, SocketAddr};

use anyhow::{Context, Result, anyhow, bail};
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::deflate_ws::DeflateWs;
use crate::http::Http;
use crate::msgpack;
use crate::net::tcp_connect;

/// Connections on which the server agreed to permessage-deflate.
pub static DEFLATE_NEGOTIATED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Transport {
    /// Engine.IO 4 over a websocket from the start (no polling handshake).
    Websocket,
    /// Engine.IO 4 over HTTP long-polling (two keep-alive connections per
    /// client: one for the waiting GET, one for POSTs).
    Polling,
    /// A bare websocket on path `/`: no Engine.IO or Socket.IO framing (for
    /// bench/servers/ws-echo).
    RawWs,
}

impl Transport {
    /// TCP connections one client uses.
    pub fn sockets_per_client(self) -> usize {
        match self {
            Transport::Polling => 2,
            _ => 1,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Transport::Websocket => "websocket",
            Transport::Polling => "polling",
            Transport::RawWs => "raw-ws",
        }
    }
}

/// Where the server is.
#[derive(Clone, Debug)]
pub struct Target {
    pub addr: SocketAddr,
    /// Engine.IO path, e.g. `/socket.io/`.
    pub path: String,
    pub transport: Transport,
    /// Offer permessage-deflate (`--deflate`; websocket only).
    pub deflate: bool,
}

/// What a received packet is, as far as the workloads care.
#[derive(Debug, PartialEq, Eq)]
pub enum Kind<'a> {
    /// Engine.IO ping (`2`): answer with [`Client::pong`].
    Ping,
    /// Socket.IO ACK on `/`: `3<id>[...]`.
    Ack(u64),
    /// Socket.IO EVENT on `/` without ack id: the `[...]` array, event name first.
    Event(&'a [u8]),
    /// A bare websocket text frame.
    Raw(&'a [u8]),
    /// Engine.IO close, Socket.IO disconnect or connect error.
    Closing,
    /// Anything else (noop, pong, other packets).
    Other,
}

enum Inner {
    Ws(Box<WebSocketStream<TcpStream>>),
    /// `--deflate`: a websocket offering permessage-deflate.
    DeflateWs(Box<DeflateWs>),
    Polling {
        post: Http,
        /// `{path}?EIO=4&transport=polling&sid=...`
        path_query: String,
        rx: mpsc::UnboundedReceiver<Result<Bytes>>,
        get_loop: tokio::task::JoinHandle<()>,
    },
}

pub struct Client {
    inner: Inner,
    raw: bool,
}

impl Drop for Client {
    fn drop(&mut self) {
        if let Inner::Polling { get_loop, .. } = &self.inner {
            get_loop.abort();
        }
    }
}

fn ws_config() -> WebSocketConfig {
    // Small buffers: the load generator holds tens of thousands of these.
    WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0)
}

impl Client {
    /// Connects and, unless raw, joins namespace `/` (CONNECT acknowledged).
    pub async fn connect(target: &Target, source: Option<IpAddr>) -> Result<Client> {
        match target.transport {
            Transport::RawWs => {
                let ws = ws_connect(target.addr, source, "/").await?;
                Ok(Client {
                    inner: Inner::Ws(Box::new(ws)),
                    raw: true,
                })
            }
            Transport::Websocket => {
                let pq = format!("{}?EIO=4&transport=websocket", target.path);
                let inner = if target.deflate {
                    let stream = tcp_connect(target.addr, source).await?;
                    let ws = DeflateWs::connect(stream, &target.addr.to_string(), &pq).await?;
                    if ws.negotiated {
                        DEFLATE_NEGOTIATED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    Inner::DeflateWs(Box::new(ws))
                } else {
                    Inner::Ws(Box::new(ws_connect(target.addr, source, &pq).await?))
                };
                let mut client = Client { inner, raw: false };
                let open = client
                    .recv()
                    .await?
                    .context("closed before the open packet")?;
                if open.first() != Some(&b'0') {
                    bail!(
                        "expected an open packet, got {:?}",
                        String::from_utf8_lossy(&open)
                    );
                }
                client.join().await?;
                Ok(client)
            }
            Transport::Polling => {
                let mut post = Http::connect(target.addr, source).await?;
                let (status, body) = post
                    .request(
                        "GET",
                        &format!("{}?EIO=4&transport=polling", target.path),
                        b"",
                    )
                    .await?;
                if status != 200 || body.first() != Some(&b'0') {
                    bail!(
                        "polling handshake: {status} {:?}",
                        String::from_utf8_lossy(&body)
                    );
                }
                let sid = json_str_field(&body, "sid").context("no sid in the open packet")?;
                let path_query = format!("{}?EIO=4&transport=polling&sid={sid}", target.path);
                let mut get = Http::connect(target.addr, source).await?;
                let (tx, rx) = mpsc::unbounded_channel();
                let get_pq = path_query.clone();
                let get_loop = tokio::spawn(async move {
                    loop {
                        match get.request("GET", &get_pq, b"").await {
                            Ok((200, body)) => {
                                for packet in body.split(|b| *b == 0x1e) {
                                    if tx.send(Ok(body.slice_ref(packet))).is_err() {
                                        return;
                                    }
                                }
                            }
                            Ok((status, body)) => {
                                let _ = tx.send(Err(anyhow!(
                                    "GET {status}: {}",
                                    String::from_utf8_lossy(&body)
                                )));
                                return;
                            }
                            Err(e) => {
                                let _ = tx.send(Err(e));
                                return;
                            }
                        }
                    }
                });
                let mut client = Client {
                    inner: Inner::Polling {
                        post,
                        path_query,
                        rx,
                        get_loop,
                    },
                    raw: false,
                };
                client.join().await?;
                Ok(client)
            }
        }
    }

    /// Sends `40` and waits for the CONNECT reply, answering pings.
    async fn join(&mut self) -> Result<()> {
        self.send("40".to_owned()).await?;
        loop {
            let packet = self
                .recv()
                .await?
                .context("closed before the CONNECT reply")?;
            if packet.starts_with(b"40") {
                return Ok(());
            }
            match self.classify(&packet) {
                Kind::Ping => self.pong().await?,
                Kind::Closing => bail!("refused: {:?}", String::from_utf8_lossy(&packet)),
                _ => {}
            }
        }
    }

    /// Sends one Engine.IO packet (or, raw, one text frame); with `--parser
    /// msgpack` a Socket.IO packet (`4..`) goes as the parser's binary
    /// message.
    pub async fn send(&mut self, text: String) -> Result<()> {
        if msgpack::on() && !self.raw && text.starts_with('4') {
            let packet = msgpack::encode(&text[1..])?;
            return self.send_binary(packet).await;
        }
        self.send_text(text).await
    }

    /// One binary Engine.IO message: a websocket binary frame (compressed
    /// or not), or `b<base64>` POSTed.
    async fn send_binary(&mut self, data: bytes::Bytes) -> Result<()> {
        match &mut self.inner {
            Inner::Ws(ws) => ws.send(Message::Binary(data)).await.map_err(Into::into),
            Inner::DeflateWs(ws) => ws.send(true, &data).await,
            Inner::Polling {
                post, path_query, ..
            } => {
                let body = msgpack::polling_text(data);
                let (status, body) = post.request("POST", path_query, body.as_bytes()).await?;
                if status != 200 {
                    bail!("POST {status}: {}", String::from_utf8_lossy(&body));
                }
                Ok(())
            }
        }
    }

    async fn send_text(&mut self, text: String) -> Result<()> {
        match &mut self.inner {
            Inner::Ws(ws) => ws
                .send(Message::Text(text.into()))
                .await
                .map_err(Into::into),
            Inner::DeflateWs(ws) => ws.send(false, text.as_bytes()).await,
            Inner::Polling {
                post, path_query, ..
            } => {
                let (status, body) = post.request("POST", path_query, text.as_bytes()).await?;
                if status != 200 {
                    bail!("POST {status}: {}", String::from_utf8_lossy(&body));
                }
                Ok(())
            }
        }
    }

    /// The next packet (text frame; with `--parser msgpack` a Socket.IO
    /// packet as its text too); `None` when the connection closed.
    /// Cancel-safe.
    pub async fn recv(&mut self) -> Result<Option<Bytes>> {
        let frame = self.recv_frame().await?;
        match frame {
            Some(frame) if msgpack::on() && !self.raw => msgpack::decode(frame).map(Some),
            other => Ok(other),
        }
    }

    /// The next frame (a websocket message or one packet of a polling
    /// payload) as it came. Cancel-safe.
    async fn recv_frame(&mut self) -> Result<Option<Bytes>> {
        match &mut self.inner {
            Inner::Ws(ws) => loop {
                match ws.next().await {
                    Some(Ok(Message::Text(t))) => return Ok(Some(t.into())),
                    Some(Ok(Message::Binary(b))) => return Ok(Some(b)),
                    Some(Ok(Message::Close(_))) | None => return Ok(None),
                    Some(Ok(_)) => continue, // websocket ping/pong: tungstenite answers
                    Some(Err(e)) => return Err(e.into()),
                }
            },
            Inner::DeflateWs(ws) => ws.recv().await,
            Inner::Polling { rx, .. } => match rx.recv().await {
                Some(Ok(b)) => Ok(Some(b)),
                Some(Err(e)) => Err(e),
                None => Ok(None),
            },
        }
    }

    /// A bare websocket (no Engine.IO)?
    pub fn is_raw(&self) -> bool {
        self.raw
    }

    pub fn classify<'a>(&self, p: &'a [u8]) -> Kind<'a> {
        if self.raw {
            return Kind::Raw(p);
        }
        match p {
            [b'2'] => Kind::Ping,
            [b'1', ..] => Kind::Closing,
            [b'4', b'2', rest @ ..] if rest.first() == Some(&b'[') => Kind::Event(rest),
            [b'4', b'3', rest @ ..] => {
                let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
                match std::str::from_utf8(&rest[..digits])
                    .ok()
                    .and_then(|d| d.parse().ok())
                {
                    Some(id) => Kind::Ack(id),
                    None => Kind::Other,
                }
            }
            [b'4', b'1', ..] | [b'4', b'4', ..] => Kind::Closing,
            _ => Kind::Other,
        }
    }

    /// Answers an Engine.IO ping.
    pub async fn pong(&mut self) -> Result<()> {
        self.send("3".to_owned()).await
    }
}

async fn ws_connect(
    addr: SocketAddr,
    source: Option<IpAddr>,
    path_query: &str,
) -> Result<WebSocketStream<TcpStream>> {
    let stream = tcp_connect(addr, source).await?;
    let url = format!("ws://{addr}{path_query}");
    let (ws, _) = tokio_tungstenite::client_async_with_config(url, stream, Some(ws_config()))
        .await
        .context("websocket handshake")?;
    Ok(ws)
}

/// The string value of `"name":"..."` in JSON text (no escapes expected).
fn json_str_field(json: &[u8], name: &str) -> Option<String> {
    let text = std::str::from_utf8(json).ok()?;
    let key = format!("\"{name}\":\"");
    let start = text.find(&key)? + key.len();
    let end = text[start..].find('"')? + start;
    Some(text[start..end].to_owned())
}

/// The unsigned integer value of `"name":123` in JSON text.
pub fn json_u64_field(json: &[u8], name: &[u8]) -> Option<u64> {
    let mut key = Vec::with_capacity(name.len() + 3);
    key.push(b'"');
    key.extend_from_slice(name);
    key.extend_from_slice(b"\":");
    let start = json.windows(key.len()).position(|w| w == key.as_slice())? + key.len();
    let mut value: u64 = 0;
    let mut any = false;
    for &b in &json[start..] {
        if !b.is_ascii_digit() {
            break;
        }
        any = true;
        value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    any.then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields() {
        assert_eq!(
            json_u64_field(br#"{"data":"x","seq":12,"t":3456}"#, b"t"),
            Some(3456)
        );
        assert_eq!(json_u64_field(br#"{"t":"no"}"#, b"t"), None);
        assert_eq!(
            json_str_field(br#"0{"sid":"ab-c_d","upgrades":[]}"#, "sid").as_deref(),
            Some("ab-c_d")
        );
    }
}

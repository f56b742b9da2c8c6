//! The limit: a bare tokio-tungstenite websocket server, no Socket.IO, no
//! WASM. Every text or binary frame is sent back to its sender, except text
//! frames starting with `B`, which are sent to every connection (the sender
//! included): the bare version of the `broadcast` workload.
//!
//!     ws-echo PORT        (listens on 127.0.0.1:PORT, any path)

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

type Peers = Arc<Mutex<HashMap<u64, mpsc::UnboundedSender<Message>>>>;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(8003);
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!("ws-echo listening on 127.0.0.1:{port}");
    let peers: Peers = Arc::default();
    let ids = AtomicU64::new(0);
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let id = ids.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(serve(stream, id, peers.clone()));
    }
}

async fn serve(stream: TcpStream, id: u64, peers: Peers) {
    // socketioxide's websocket read buffer (4 KiB) rather than tungstenite's
    // 128 KiB default: the same memory footing for the idle workload.
    let config = WebSocketConfig::default().read_buffer_size(4096);
    let Ok(mut ws) = tokio_tungstenite::accept_async_with_config(stream, Some(config)).await else {
        return;
    };
    let (tx, mut rx) = mpsc::unbounded_channel();
    peers.lock().unwrap().insert(id, tx);
    loop {
        tokio::select! {
            incoming = ws.next() => match incoming {
                Some(Ok(Message::Text(t))) if t.as_str().starts_with('B') => {
                    let message = Message::Text(t);
                    for peer in peers.lock().unwrap().values() {
                        let _ = peer.send(message.clone());
                    }
                }
                Some(Ok(m @ (Message::Text(_) | Message::Binary(_)))) => {
                    if ws.send(m).await.is_err() {
                        break;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            Some(out) = rx.recv() => {
                if ws.send(out).await.is_err() {
                    break;
                }
            }
        }
    }
    peers.lock().unwrap().remove(&id);
}

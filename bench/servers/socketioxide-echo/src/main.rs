//! socketioxide with native handlers on namespace `/`:
//!
//! - `echo` with an ack id: ack with the same argument;
//! - `broadcast`: emit `broadcast` with the same argument to every socket
//!   (the sender included).
//!
//!     socketioxide-echo PORT      (listens on 127.0.0.1:PORT)
//!
//! The arguments are deserialized into `serde_json::Value` and serialized
//! again, the everyday way to write a socketioxide handler that does not
//! know the payload's type.

use axum::serve::ListenerExt;
use serde_json::Value;
use socketioxide::SocketIo;
use socketioxide::extract::{AckSender, Data, SocketRef};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(8001);
    let (layer, io) = SocketIo::builder()
        // The broadcast workload keeps a few broadcasts in flight per client;
        // the default queue (128 packets) is plenty, a larger one costs
        // nothing until used.
        .max_buffer_size(1024)
        .build_layer();
    let io2 = io.clone();
    io.ns("/", async move |s: SocketRef| {
        s.on("echo", async |Data::<Value>(data), ack: AckSender| {
            let _ = ack.send(&data);
        });
        let io = io2.clone();
        s.on("broadcast", async move |Data::<Value>(data)| {
            let _ = io.emit("broadcast", &data).await;
        });
    });
    let app = axum::Router::new().layer(layer);
    // TCP_NODELAY like sio-host, ws-echo and Node's http server.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await?
        .tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
    eprintln!("socketioxide-echo listening on 127.0.0.1:{port}");
    axum::serve(listener, app).await
}

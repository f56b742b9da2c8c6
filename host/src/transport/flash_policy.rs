//! The Flash socket policy server (`--flash-policy-port`): a Flash player
//! asks `<policy-file-request/>\0` before it opens any socket for the
//! flashsocket transport, and gets the cross-domain policy, then the
//! connection closes. Anything else is closed unanswered.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use sio_protocol::sio1;

/// How long a client may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Bind the policy server and serve it in the background; returns where it
/// listens.
pub async fn start(addr: SocketAddr) -> Result<SocketAddr> {
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding the flash policy server on {addr}"))?;
    let local = listener.local_addr()?;
    // The reference's default: every domain, every port.
    let policy: Arc<[u8]> = sio1::encode_flash_policy(&[("*", "*")]).into_bytes().into();
    tokio::spawn(async move {
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    tokio::spawn(answer(stream, policy.clone()));
                }
                Err(e) => {
                    tracing::warn!("flash policy server: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    });
    Ok(local)
}

/// Read the request (up to its NUL, or as many bytes as it has), answer a
/// policy request, close.
async fn answer(mut stream: TcpStream, policy: Arc<[u8]>) {
    let mut buf = [0u8; sio1::POLICY_FILE_REQUEST.len() + 1];
    let mut got = 0;
    let read = async {
        while got < sio1::POLICY_FILE_REQUEST.len() {
            match stream.read(&mut buf[got..]).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got += n,
            }
        }
    };
    if tokio::time::timeout(READ_TIMEOUT, read).await.is_err() {
        return;
    }
    if sio1::is_policy_file_request(&buf[..got]) {
        let _ = stream.write_all(&policy).await;
    } else {
        tracing::debug!("flash policy server: not a policy request; closed");
    }
    let _ = stream.shutdown().await;
}

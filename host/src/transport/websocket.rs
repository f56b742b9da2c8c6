//! WebSocket: the RFC 6455 handshake on hyper's upgrade (with
//! permessage-deflate when `--ws-compression` is on), a session opened
//! directly over websocket, and the polling -> websocket upgrade (probe,
//! upgrade, then the websocket takes over the session's queue). The frames
//! themselves are `ws_socket.rs`'s.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use futures_util::task::AtomicWaker;
use hyper::body::Incoming as RequestBody;
use hyper::header::{self, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

use sio_protocol::engineio::{ErrorCode, Packet};
use sio_protocol::websocket::{CloseCode, Incoming, accept_key, negotiate_deflate};
use sio_protocol::{CloseReason, Frame, Generation, TransportKind, WireFormat, sio1, wire};

use super::ws_socket::{ReadError, WebSocket};
use crate::http::{Body, engine_error, handshake_info_for};
use crate::session::{Admission, Drained, Session, SessionSettings};

/// What an Engine.IO websocket is for.
pub enum Accepting {
    /// The polling session to upgrade.
    Upgrade(Arc<Session>),
    /// A new session of this wire format, in this place under the caps.
    Open(Admission, WireFormat),
}

/// What a websocket connection is set up with.
#[derive(Clone, Copy)]
struct Limits {
    /// The largest message accepted (`--max-payload`).
    max_message: usize,
    /// permessage-deflate's threshold when it is on (`--ws-compression`).
    compression: Option<usize>,
}

impl Limits {
    fn of(settings: &SessionSettings) -> Limits {
        Limits {
            max_message: settings.max_payload,
            compression: settings.ws_compression,
        }
    }
}

/// Answer the websocket handshake and run the connection once upgraded.
pub fn accept(
    req: Request<RequestBody>,
    remote: SocketAddr,
    accepting: Accepting,
) -> Response<Body> {
    let info = handshake_info_for(remote, &req);
    // A client without binary support asks for base64 text frames instead.
    let base64 = info.query.iter().any(|(k, v)| k == "b64" && !v.is_empty());
    let limits = match &accepting {
        Accepting::Upgrade(session) => Limits::of(&session.ctx.settings),
        Accepting::Open(admission, _) => Limits::of(&admission.ctx().settings),
    };
    upgrade(req, limits, remote, move |ws| async move {
        match accepting {
            Accepting::Upgrade(session) => upgrade_session(ws, session, base64).await,
            Accepting::Open(admission, format) => {
                let websocket = TransportKind::Websocket;
                let session = Session::open(admission, format, websocket, info);
                session.after_open();
                spawn_run(ws, session, base64);
            }
        }
    })
}

/// A websocket for a session that is upgrading or upgraded already: the
/// handshake is answered and the socket closed at once, leaving the
/// session alone (engine.io does the same; a 400 here made clients report
/// an error instead of a close).
pub fn accept_and_close(
    req: Request<RequestBody>,
    max: usize,
    remote: SocketAddr,
) -> Response<Body> {
    let limits = Limits {
        max_message: max,
        compression: None,
    };
    upgrade(req, limits, remote, |mut ws| async move {
        ws.close(None).await;
    })
}

/// A protocol-1 websocket or flashsocket (`name`) for a handshaken session:
/// it takes the session's queue at once. For a session the server does not
/// know, the client gets `7:::1+0` and the socket closes.
pub fn accept_sio1(
    req: Request<RequestBody>,
    settings: &SessionSettings,
    session: Option<Arc<Session>>,
    name: &'static str,
    remote: SocketAddr,
) -> Response<Body> {
    let limits = Limits::of(settings);
    upgrade(req, limits, remote, move |mut ws| async move {
        match session {
            Some(session) => {
                session.attach_sio1(TransportKind::Websocket, name);
                spawn_run(ws, session, false);
            }
            None => {
                let _ = ws.send_text(sio1::CLIENT_NOT_HANDSHAKEN).await;
                ws.close(None).await;
            }
        }
    })
}

/// The RFC 6455 handshake: answer 101 (agreeing to permessage-deflate when
/// compression is on and the client offers it) and hand the upgraded
/// connection to `then`.
fn upgrade<F, Fut>(
    mut req: Request<RequestBody>,
    limits: Limits,
    remote: SocketAddr,
    then: F,
) -> Response<Body>
where
    F: FnOnce(WebSocket) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let Some(key) = req.headers().get(header::SEC_WEBSOCKET_KEY) else {
        return engine_error(StatusCode::BAD_REQUEST, ErrorCode::BadRequest);
    };
    let accept = accept_key(key.as_bytes());
    let deflate = limits.compression.and_then(|threshold| {
        let offers = req.headers().get_all(header::SEC_WEBSOCKET_EXTENSIONS);
        negotiate_deflate(offers.iter().filter_map(|v| v.to_str().ok()))
            .map(|answer| (threshold, answer))
    });
    let upgrade = hyper::upgrade::on(&mut req);
    tokio::spawn(async move {
        let upgraded = match upgrade.await {
            Ok(u) => u,
            Err(e) => {
                tracing::debug!(%remote, "websocket upgrade failed: {e}");
                return;
            }
        };
        let threshold = deflate.map(|(threshold, _)| threshold);
        then(WebSocket::new(
            TokioIo::new(upgraded),
            limits.max_message,
            threshold,
        ))
        .await;
    });
    let mut res = Response::new(Body::default());
    *res.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = res.headers_mut();
    h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    if let Ok(v) = HeaderValue::from_str(&accept) {
        h.insert(header::SEC_WEBSOCKET_ACCEPT, v);
    }
    if let Some((_, answer)) = deflate {
        h.insert(
            header::SEC_WEBSOCKET_EXTENSIONS,
            HeaderValue::from_static(answer),
        );
    }
    res
}

/// The upgrade dance on a polling session: `2probe` -> `3probe`, then `5`.
/// Until `5` arrives the polling transport stays in charge of the queue.
async fn upgrade_session(mut ws: WebSocket, session: Arc<Session>, base64: bool) {
    let probed = matches!(ws.next().await, Ok(Some(Incoming::Text(t))) if &t[..] == b"2probe");
    if !probed || ws.send_text("3probe").await.is_err() {
        ws.close(None).await;
        return;
    }
    session.begin_upgrade();
    loop {
        match ws.next().await {
            Ok(Some(Incoming::Text(t))) => {
                match wire::decode_text(session.generation, WebSocket::text(&t)) {
                    Ok(Packet::Upgrade) => {
                        session.finish_upgrade();
                        tracing::debug!(sid = %session.sid, "upgraded to websocket");
                        return spawn_run(ws, session, base64);
                    }
                    // A client may ping the probe transport while waiting.
                    Ok(Packet::Ping(data)) => {
                        let _ = ws.send_text(&format!("3{data}")).await;
                    }
                    Ok(Packet::Noop) => {}
                    _ => break,
                }
            }
            // The pong is queued.
            Ok(Some(Incoming::Ping(_))) => {
                let _ = ws.flush().await;
            }
            Ok(Some(Incoming::Pong)) => {}
            _ => break,
        }
    }
    session.abort_upgrade();
    ws.close(None).await;
}

/// Polls the websocket's read side only when there may be something to
/// read: first, after a message, and after the socket woke it. `run`'s loop
/// goes round once per batch of frames written, and polling the read side
/// each time (registering wakers, checking readiness) was about 8% of the
/// server's CPU when broadcasting (bench/RESULTS.md, Fix 3).
struct ReadWaker {
    /// The read side may make progress: poll it.
    woken: AtomicBool,
    /// The task to wake when the socket is readable.
    task: AtomicWaker,
}

impl Default for ReadWaker {
    fn default() -> Self {
        ReadWaker {
            woken: AtomicBool::new(true),
            task: AtomicWaker::new(),
        }
    }
}

impl Wake for ReadWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.task.wake();
    }
}

impl ReadWaker {
    /// `ws.next()`, skipped (pending) while the socket has not woken it
    /// since it last had nothing to read.
    fn next<'a>(
        self: &'a Arc<Self>,
        ws: &'a mut WebSocket,
    ) -> impl Future<Output = Result<Option<Incoming>, ReadError>> + 'a {
        std::future::poll_fn(move |cx| {
            self.task.register(cx.waker());
            if !self.woken.swap(false, Ordering::AcqRel) {
                return Poll::Pending;
            }
            let waker = Waker::from(self.clone());
            let polled = ws.poll_next(&mut Context::from_waker(&waker));
            if polled.is_ready() {
                // More may be buffered already.
                self.woken.store(true, Ordering::Release);
            }
            polled
        })
    }
}

/// Queue frames and write them, counting their bytes out.
async fn write_frames(
    ws: &mut WebSocket,
    session: &Session,
    generation: Generation,
    base64: bool,
    frames: Vec<Frame>,
) -> std::io::Result<()> {
    for frame in frames {
        let frame = if base64 {
            wire::base64_frame(generation, &frame)
        } else {
            frame
        };
        session.ctx.stats.bytes_out(frame.len());
        ws.queue(frame.is_text(), frame.bytes());
        if ws.should_write() {
            ws.flush().await?;
        }
    }
    ws.flush().await
}

/// Write what is queued unless the session closes first (a client that
/// stops reading blocks the write; the session's queue keeps filling until
/// it overflows and the session closes, which ends the wait). False: the
/// socket failed.
async fn written(session: &Session, write: impl Future<Output = std::io::Result<()>>) -> bool {
    tokio::select! {
        // The write first: when it completes at once, the close watch is
        // never set up.
        biased;
        r = write => r.is_ok(),
        _ = session.closed() => true,
    }
}

/// Hand the websocket to a task of its own that runs it for the rest of the
/// session. The handshake's task ends here: its future is sized for the
/// handshake and the upgrade probe (about twice `run`'s, bench/RESULTS.md
/// "Fix 2"), and an idle connection should hold only what `run` needs.
fn spawn_run(ws: WebSocket, session: Arc<Session>, base64: bool) {
    tokio::spawn(run(ws, session, base64));
}

/// The session's transport from now on: read packets, write queued frames.
async fn run(mut ws: WebSocket, session: Arc<Session>, base64: bool) {
    let generation = session.generation;
    let reader = Arc::new(ReadWaker::default());
    loop {
        // Reads pause while many of this client's events wait for handlers
        // (`--max-pending-events`); its queue still drains meanwhile.
        let paused = session.reads_paused();
        tokio::select! {
            _ = session.reads_resumed(), if paused => {}
            incoming = reader.next(&mut ws), if !paused => match incoming {
                Ok(Some(Incoming::Text(text))) => {
                    session.ctx.stats.bytes_in(text.len());
                    match wire::decode_text(generation, WebSocket::text(&text)) {
                        Ok(packet) => session.on_packet(packet),
                        Err(e) => {
                            tracing::debug!(sid = %session.sid, error = %e, "bad engine.io packet");
                            session.close(CloseReason::ParseError);
                        }
                    }
                }
                Ok(Some(Incoming::Binary(data))) => {
                    session.ctx.stats.bytes_in(data.len());
                    match wire::decode_binary(generation, data) {
                        Ok(packet) => session.on_packet(packet),
                        Err(e) => {
                            tracing::debug!(sid = %session.sid, error = %e, "bad engine.io binary frame");
                            session.close(CloseReason::ParseError);
                        }
                    }
                }
                // The pong is queued; it goes out now.
                Ok(Some(Incoming::Ping(_))) => {
                    if !written(&session, Box::pin(ws.flush())).await {
                        session.close(CloseReason::TransportError);
                        return;
                    }
                }
                Ok(Some(Incoming::Pong)) => {}
                Ok(Some(Incoming::Close(close))) => {
                    session.close(CloseReason::TransportClose);
                    // The answer repeats the client's code.
                    let code = close.map(|(code, _)| (code, ""));
                    Box::pin(ws.close(code)).await;
                    return;
                }
                Ok(None) => {
                    session.close(CloseReason::TransportClose);
                    return;
                }
                Err(e) => {
                    tracing::debug!(sid = %session.sid, "websocket error: {e}");
                    session.close(CloseReason::TransportError);
                    // A protocol failure's close frame is queued.
                    if matches!(e, ReadError::Protocol(_)) {
                        Box::pin(ws.close(None)).await;
                    }
                    return;
                }
            },
            out = session.drain(TransportKind::Websocket) => match out {
                Drained::Frames(frames) => {
                    // Boxed, as the closes below: this future is sized for
                    // its largest state and every idle connection holds it.
                    let write = Box::pin(write_frames(&mut ws, &session, generation, base64, frames));
                    if !written(&session, write).await {
                        session.close(CloseReason::TransportError);
                        return;
                    }
                }
                Drained::Closed(CloseReason::SlowConsumer) => {
                    // The client is not reading: the close frame may never
                    // get out, so it gets a moment, then the socket is dropped.
                    let reason = "slow consumer: outbound queue full";
                    Box::pin(ws.close(Some((CloseCode::POLICY, reason)))).await;
                    return;
                }
                Drained::Closed(_) | Drained::Noop => {
                    Box::pin(ws.close(None)).await;
                    return;
                }
            },
        }
    }
}

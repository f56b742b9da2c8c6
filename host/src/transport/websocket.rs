//! WebSocket: the RFC 6455 handshake on hyper's upgrade, a session opened
//! directly over websocket, and the polling -> websocket upgrade (probe,
//! upgrade, then the websocket takes over the session's queue).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use futures_util::task::AtomicWaker;
use futures_util::{SinkExt, StreamExt};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use sio_protocol::engineio::{ErrorCode, Packet};
use sio_protocol::{CloseReason, Frame, Generation, TransportKind, sio1, wire};

use crate::http::{Body, engine_error, handshake_info_for};
use crate::session::{Admission, Drained, Session};

/// Bytes read from a websocket at a time, and the read buffer's starting
/// size. tungstenite zero-fills it, so every connection holds it resident
/// even when idle. A frame longer than this gets room for all of it when its
/// header arrives, so the size only limits how many small frames one read
/// takes in (about 30 short events); socketioxide uses 4 KiB.
const WS_READ_BUFFER: usize = 2048;

/// tungstenite's write buffer: it writes to the socket once this much is
/// buffered (its default).
const WS_WRITE_BUFFER: usize = 128 * 1024;

/// How long the close frame to a slow consumer may take to go out.
const CLOSE_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

type Ws = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

/// What an Engine.IO websocket is for.
pub enum Accepting {
    /// The polling session to upgrade.
    Upgrade(Arc<Session>),
    /// A new session of this generation, in this place under the caps.
    Open(Admission, Generation),
}

/// Answer the websocket handshake and run the connection once upgraded.
pub fn accept(req: Request<Incoming>, remote: SocketAddr, accepting: Accepting) -> Response<Body> {
    let info = handshake_info_for(remote, &req);
    // A client without binary support asks for base64 text frames instead.
    let base64 = info.query.iter().any(|(k, v)| k == "b64" && !v.is_empty());
    let max = match &accepting {
        Accepting::Upgrade(session) => session.ctx.settings.max_payload,
        Accepting::Open(admission, _) => admission.ctx().settings.max_payload,
    };
    upgrade(req, max, remote, move |ws| async move {
        match accepting {
            Accepting::Upgrade(session) => upgrade_session(ws, session, base64).await,
            Accepting::Open(admission, generation) => {
                let websocket = TransportKind::Websocket;
                let session = Session::open(admission, generation, websocket, info);
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
pub fn accept_and_close(req: Request<Incoming>, max: usize, remote: SocketAddr) -> Response<Body> {
    upgrade(req, max, remote, |mut ws| async move {
        let _ = ws.close(None).await;
    })
}

/// A protocol-1 websocket or flashsocket (`name`) for a handshaken session:
/// it takes the session's queue at once. For a session the server does not
/// know, the client gets `7:::1+0` and the socket closes.
pub fn accept_sio1(
    req: Request<Incoming>,
    max: usize,
    session: Option<Arc<Session>>,
    name: &'static str,
    remote: SocketAddr,
) -> Response<Body> {
    upgrade(req, max, remote, move |mut ws| async move {
        match session {
            Some(session) => {
                session.attach_sio1(TransportKind::Websocket, name);
                spawn_run(ws, session, false);
            }
            None => {
                let _ = ws.send(Message::text(sio1::CLIENT_NOT_HANDSHAKEN)).await;
                let _ = ws.close(None).await;
            }
        }
    })
}

/// The RFC 6455 handshake: answer 101 and hand the upgraded connection to
/// `then` (`max`: the largest message accepted).
fn upgrade<F, Fut>(
    mut req: Request<Incoming>,
    max: usize,
    remote: SocketAddr,
    then: F,
) -> Response<Body>
where
    F: FnOnce(Ws) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let Some(key) = req.headers().get(header::SEC_WEBSOCKET_KEY) else {
        return engine_error(StatusCode::BAD_REQUEST, ErrorCode::BadRequest);
    };
    let accept = derive_accept_key(key.as_bytes());
    let upgrade = hyper::upgrade::on(&mut req);
    tokio::spawn(async move {
        let upgraded = match upgrade.await {
            Ok(u) => u,
            Err(e) => {
                tracing::debug!(%remote, "websocket upgrade failed: {e}");
                return;
            }
        };
        // A small read buffer: tungstenite zero-fills the whole buffer before
        // each read, and its 128 KiB default cost a quarter of the CPU of an
        // echo and most of an idle connection's memory (bench/RESULTS.md).
        // The write buffer is bounded too: `feed` waits for the socket once
        // WS_WRITE_BUFFER is buffered, so it holds at most that plus one
        // message (a guest's, up to max-payload, or its base64 form); what
        // else a client has not read waits in the session's bounded queue.
        let config = WebSocketConfig::default()
            .read_buffer_size(WS_READ_BUFFER)
            .write_buffer_size(WS_WRITE_BUFFER)
            .max_write_buffer_size(WS_WRITE_BUFFER + 2 * max + 1024)
            .max_message_size(Some(max))
            .max_frame_size(Some(max));
        let ws =
            WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config))
                .await;
        then(ws).await;
    });
    let mut res = Response::new(Body::default());
    *res.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = res.headers_mut();
    h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    if let Ok(v) = HeaderValue::from_str(&accept) {
        h.insert(header::SEC_WEBSOCKET_ACCEPT, v);
    }
    res
}

fn to_message(generation: Generation, base64: bool, frame: Frame) -> Message {
    let frame = if base64 {
        wire::base64_frame(generation, &frame)
    } else {
        frame
    };
    if frame.is_text() {
        // SAFETY: text frames are only ever built from `String`s (`Frame::text`).
        Message::Text(unsafe { Utf8Bytes::from_bytes_unchecked(frame.bytes().clone()) })
    } else {
        Message::Binary(frame.bytes().clone())
    }
}

/// The upgrade dance on a polling session: `2probe` -> `3probe`, then `5`.
/// Until `5` arrives the polling transport stays in charge of the queue.
async fn upgrade_session(mut ws: Ws, session: Arc<Session>, base64: bool) {
    let probed = matches!(ws.next().await, Some(Ok(Message::Text(t))) if t.as_str() == "2probe");
    if !probed || ws.send(Message::text("3probe")).await.is_err() {
        let _ = ws.close(None).await;
        return;
    }
    session.begin_upgrade();
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => match wire::decode_text(session.generation, t.as_str()) {
                Ok(Packet::Upgrade) => {
                    session.finish_upgrade();
                    tracing::debug!(sid = %session.sid, "upgraded to websocket");
                    return spawn_run(ws, session, base64);
                }
                // A client may ping the probe transport while waiting.
                Ok(Packet::Ping(data)) => {
                    let _ = ws.send(Message::text(format!("3{data}"))).await;
                }
                Ok(Packet::Noop) => {}
                _ => break,
            },
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            _ => break,
        }
    }
    session.abort_upgrade();
    let _ = ws.close(None).await;
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
        ws: &'a mut Ws,
    ) -> impl Future<Output = Option<Result<Message, tokio_tungstenite::tungstenite::Error>>> + 'a
    {
        std::future::poll_fn(move |cx| {
            self.task.register(cx.waker());
            if !self.woken.swap(false, Ordering::AcqRel) {
                return Poll::Pending;
            }
            let waker = Waker::from(self.clone());
            let polled = ws.poll_next_unpin(&mut Context::from_waker(&waker));
            if polled.is_ready() {
                // More may be buffered already.
                self.woken.store(true, Ordering::Release);
            }
            polled
        })
    }
}

/// Count a message's bytes in (crate::stats) on its way through.
fn count_in<T>(
    session: &Session,
    incoming: Option<Result<Message, T>>,
) -> Option<Result<Message, T>> {
    if let Some(Ok(m @ (Message::Text(_) | Message::Binary(_)))) = &incoming {
        session.ctx.stats.bytes_in(m.len());
    }
    incoming
}

/// Write frames and flush them, counting their bytes out.
async fn write_frames(
    ws: &mut Ws,
    session: &Session,
    generation: Generation,
    base64: bool,
    frames: Vec<Frame>,
) -> Result<(), tokio_tungstenite::tungstenite::Error> {
    for frame in frames {
        let message = to_message(generation, base64, frame);
        session.ctx.stats.bytes_out(message.len());
        ws.feed(message).await?;
    }
    ws.flush().await
}

/// Hand the websocket to a task of its own that runs it for the rest of the
/// session. The handshake's task ends here: its future is sized for the
/// handshake and the upgrade probe (about twice `run`'s, bench/RESULTS.md
/// "Fix 2"), and an idle connection should hold only what `run` needs.
fn spawn_run(ws: Ws, session: Arc<Session>, base64: bool) {
    tokio::spawn(run(ws, session, base64));
}

/// The session's transport from now on: read packets, write queued frames.
async fn run(mut ws: Ws, session: Arc<Session>, base64: bool) {
    let generation = session.generation;
    let reader = Arc::new(ReadWaker::default());
    loop {
        // Reads pause while many of this client's events wait for handlers
        // (`--max-pending-events`); its queue still drains meanwhile.
        let paused = session.reads_paused();
        tokio::select! {
            _ = session.reads_resumed(), if paused => {}
            incoming = reader.next(&mut ws), if !paused => match count_in(&session, incoming) {
                Some(Ok(Message::Text(text))) => match wire::decode_text(generation, text.as_str()) {
                    Ok(packet) => session.on_packet(packet),
                    Err(e) => {
                        tracing::debug!(sid = %session.sid, error = %e, "bad engine.io packet");
                        session.close(CloseReason::ParseError);
                    }
                },
                Some(Ok(Message::Binary(data))) => match wire::decode_binary(generation, data) {
                    Ok(packet) => session.on_packet(packet),
                    Err(e) => {
                        tracing::debug!(sid = %session.sid, error = %e, "bad engine.io binary frame");
                        session.close(CloseReason::ParseError);
                    }
                },
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                Some(Ok(Message::Close(_))) | None => {
                    session.close(CloseReason::TransportClose);
                    return;
                }
                Some(Err(e)) => {
                    tracing::debug!(sid = %session.sid, "websocket error: {e}");
                    session.close(CloseReason::TransportError);
                    return;
                }
            },
            out = session.drain(TransportKind::Websocket) => match out {
                Drained::Frames(frames) => {
                    // A client that stops reading blocks this write; the
                    // session's queue keeps filling until it overflows and
                    // the session closes, which ends the wait.
                    // The write and the closes below are boxed: this future
                    // is sized for its largest state and every idle
                    // connection holds it (1,144 -> 896 bytes).
                    let write = Box::pin(write_frames(&mut ws, &session, generation, base64, frames));
                    let written = tokio::select! {
                        // The write first: when it completes at once, the
                        // close watch is never set up.
                        biased;
                        r = write => r,
                        _ = session.closed() => Ok(()),
                    };
                    if written.is_err() {
                        session.close(CloseReason::TransportError);
                        return;
                    }
                }
                Drained::Closed(CloseReason::SlowConsumer) => {
                    let frame = CloseFrame {
                        code: CloseCode::Policy,
                        reason: "slow consumer: outbound queue full".into(),
                    };
                    // The client is not reading: the close frame may never
                    // get out, so it gets a moment, then the socket is dropped.
                    let close = tokio::time::timeout(CLOSE_GRACE, ws.close(Some(frame)));
                    let _ = Box::pin(close).await;
                    return;
                }
                Drained::Closed(_) | Drained::Noop => {
                    let _ = Box::pin(ws.close(None)).await;
                    return;
                }
            },
        }
    }
}

//! Engine.IO sessions: one per client connection, whatever its transport.
//!
//! A session owns the outbound queue (frames wait here while no transport
//! is attached, so nothing is lost between two polls or during an upgrade),
//! which transport is active, the heartbeat and connect-timeout timers, and
//! its lifecycle. Transports feed it decoded Engine.IO packets and drain its
//! queue; the Socket.IO layer above it lives in [`crate::socket`].

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use tokio::sync::Notify;

use crate::protocol::engineio::{self, Packet};
use crate::server::ServerState;
use crate::socket::SocketLayer;

/// Opaque id of one Socket.IO connection to one endpoint.
pub type ConnId = u64;

/// The wire generation a session speaks. `crate::wire` holds what differs
/// on the wire; the session differs in its heartbeat and, for Engine.IO 3,
/// in joining `/` by itself (see [`Session::after_open`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generation {
    /// Engine.IO 4 / Socket.IO 5 (socket.io-client 3.x and 4.x). The server
    /// pings.
    Eio4,
    /// Engine.IO 3 / Socket.IO 4 (socket.io-client 2.x). The client pings;
    /// the server answers and closes a session it has not heard from within
    /// pingInterval + pingTimeout.
    Eio3,
}

impl Generation {
    /// The generation of a handshake's `EIO` parameter.
    pub fn from_eio(eio: Option<&str>) -> Option<Generation> {
        match eio? {
            "4" => Some(Generation::Eio4),
            "3" => Some(Generation::Eio3),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    Polling,
    Websocket,
}

impl TransportKind {
    pub fn name(self) -> &'static str {
        match self {
            TransportKind::Polling => "polling",
            TransportKind::Websocket => "websocket",
        }
    }
}

/// Why a session ended. Handlers see [`CloseReason::socketio_reason`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// The client sent an Engine.IO close packet.
    ClientClose,
    /// The transport went away (socket closed, or a poll overlapped).
    TransportClose,
    /// The transport failed (I/O error, oversize frame).
    TransportError,
    /// No pong within pingTimeout.
    PingTimeout,
    /// The client sent something the decoder refused.
    ParseError,
    /// The client joined no namespace within the connect timeout.
    ConnectTimeout,
}

impl CloseReason {
    /// The reason string Socket.IO servers hand to `disconnect` handlers.
    pub fn socketio_reason(self) -> &'static str {
        match self {
            CloseReason::ClientClose | CloseReason::TransportClose => "transport close",
            CloseReason::TransportError => "transport error",
            CloseReason::PingTimeout => "ping timeout",
            CloseReason::ParseError => "parse error",
            CloseReason::ConnectTimeout => "connect timeout",
        }
    }
}

/// One outbound unit: a whole websocket frame, or one packet of a polling
/// payload. Cheap to clone (shared bytes), so a broadcast encodes once and
/// every receiver's queue holds the same buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    is_text: bool,
    data: Bytes,
}

impl Frame {
    pub fn text(s: impl Into<String>) -> Frame {
        Frame {
            is_text: true,
            data: Bytes::from(s.into()),
        }
    }

    pub fn binary(b: Bytes) -> Frame {
        Frame {
            is_text: false,
            data: b,
        }
    }

    /// An Engine.IO packet, encoded once.
    pub fn packet(p: &Packet) -> Frame {
        match p {
            Packet::Binary(b) => Frame::binary(b.clone()),
            other => {
                let mut s = String::new();
                other.encode_text(&mut s);
                Frame::text(s)
            }
        }
    }

    /// The text of a text frame.
    pub fn as_text(&self) -> Option<&str> {
        if self.is_text {
            // Text frames are only built from `String`s (see `Frame::text`).
            std::str::from_utf8(&self.data).ok()
        } else {
            None
        }
    }

    pub fn is_text(&self) -> bool {
        self.is_text
    }

    pub fn bytes(&self) -> &Bytes {
        &self.data
    }

    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// What the handshake request told us about the client.
#[derive(Debug, Clone)]
pub struct HandshakeInfo {
    pub remote_addr: SocketAddr,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
}

/// What a waiting poll (or websocket writer) is handed.
#[derive(Debug)]
pub enum Drained {
    Frames(Vec<Frame>),
    /// The session is upgrading: answer the pending poll with a noop.
    Noop,
    /// The session ended: the close packet is owed when the reason is not the
    /// client's own close.
    Closed(CloseReason),
}

struct State {
    outbox: VecDeque<Frame>,
    transport: TransportKind,
    /// A websocket has sent the probe: pending polls get a noop.
    upgrading: bool,
    /// A GET poll is waiting.
    polling: bool,
    closed: Option<CloseReason>,
}

pub struct Session {
    pub sid: Arc<str>,
    pub generation: Generation,
    /// Polling responses may be binary payloads: an Engine.IO 3 client that
    /// did not ask for `b64` at the handshake (Engine.IO 4 has none).
    pub binary_payloads: bool,
    pub info: HandshakeInfo,
    pub server: Arc<ServerState>,
    state: Mutex<State>,
    wake: Notify,
    /// Set by a pong (Engine.IO 4) or by any packet (Engine.IO 3); the
    /// heartbeat clears it before each wait.
    pong: AtomicBool,
    pong_wake: Notify,
    pub(crate) sockets: Mutex<SocketLayer>,
}

impl Drop for Session {
    /// Frames never sent leave the queue-depth gauge with the session.
    fn drop(&mut self) {
        let left = self.state().outbox.len();
        self.server.stats.queued(-(left as i64));
    }
}

impl Session {
    /// Create and register a session, queue its open packet and start its
    /// timers.
    pub fn open(
        server: &Arc<ServerState>,
        generation: Generation,
        transport: TransportKind,
        info: HandshakeInfo,
    ) -> Arc<Session> {
        let sid: Arc<str> = crate::server::random_id().into();
        let cfg = &server.config;
        let upgrades: &[&str] = match transport {
            TransportKind::Polling => &["websocket"],
            TransportKind::Websocket => &[],
        };
        let open = engineio::Handshake {
            sid: &sid,
            upgrades,
            ping_interval_ms: cfg.ping_interval.as_millis() as u64,
            ping_timeout_ms: cfg.ping_timeout.as_millis() as u64,
            max_payload: cfg.max_payload as u64,
        }
        .to_json();
        // Truthy in the reference: any non-empty value, "0" included.
        let b64 = info.query.iter().any(|(k, v)| k == "b64" && !v.is_empty());
        let session = Arc::new(Session {
            sid: sid.clone(),
            generation,
            binary_payloads: generation == Generation::Eio3 && !b64,
            info,
            server: server.clone(),
            state: Mutex::new(State {
                outbox: VecDeque::from([Frame::packet(&Packet::Open(open))]),
                transport,
                upgrading: false,
                polling: false,
                closed: None,
            }),
            wake: Notify::new(),
            pong: AtomicBool::new(false),
            pong_wake: Notify::new(),
            sockets: Mutex::new(SocketLayer::default()),
        });
        server.stats.session_opened(transport, generation);
        server.stats.queued(1);
        server.sessions.insert(session.clone());
        tokio::spawn(Self::timers(Arc::downgrade(&session)));
        tracing::debug!(sid = %sid, transport = transport.name(), "session opened");
        session
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A poisoned lock means a panic elsewhere already; the queue itself is
        // still consistent (every mutation is a single push/drain).
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn transport(&self) -> TransportKind {
        self.state().transport
    }

    pub fn is_closed(&self) -> bool {
        self.state().closed.is_some()
    }

    /// Queue frames for the client. Returns false when the session is gone.
    pub fn push(&self, frames: &[Frame]) -> bool {
        {
            let mut st = self.state();
            if st.closed.is_some() {
                return false;
            }
            st.outbox.extend(frames.iter().cloned());
        }
        self.server.stats.queued(frames.len() as i64);
        self.wake.notify_waiters();
        true
    }

    pub fn push_packet(&self, p: &Packet) -> bool {
        self.push(&[Frame::packet(p)])
    }

    /// End the session: wake its transports, drop it from the table, and tell
    /// every endpoint it joined.
    pub fn close(&self, reason: CloseReason) {
        {
            let mut st = self.state();
            if st.closed.is_some() {
                return;
            }
            st.closed = Some(reason);
        }
        self.server.stats.session_closed(reason);
        self.wake.notify_waiters();
        self.pong_wake.notify_waiters();
        self.server.sessions.remove(&self.sid);
        let sockets = std::mem::take(&mut *self.socket_layer());
        sockets.disconnect_all(reason.socketio_reason());
        tracing::debug!(sid = %self.sid, reason = reason.socketio_reason(), "session closed");
    }

    pub(crate) fn socket_layer(&self) -> MutexGuard<'_, SocketLayer> {
        self.sockets.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The session's first steps once its open packet is queued (and, when
    /// polling, sent): an Engine.IO 3 client is joined to `/` without asking,
    /// as socket.io 2.x servers do; its `40` follows the open packet.
    pub fn after_open(self: &Arc<Self>) {
        if self.generation == Generation::Eio3 {
            self.socket_layer().connect_default(self);
        }
    }

    /// The heartbeat has heard from the client.
    fn heard(&self) {
        self.pong.store(true, Ordering::Release);
        self.pong_wake.notify_waiters();
    }

    /// Handle one packet from the client, whatever transport carried it.
    pub fn on_packet(self: &Arc<Self>, packet: Packet) {
        self.server.stats.packet_in();
        if self.generation == Generation::Eio3 {
            // Any packet shows the client is alive (engine.io 3.x resets its
            // timeout on every packet).
            self.heard();
        }
        match packet {
            Packet::Pong(_) => {
                if self.generation == Generation::Eio4 {
                    self.heard();
                }
            }
            // Engine.IO 3 clients ping and expect the pong. Engine.IO 4
            // clients do not ping (the probe is handled by the websocket
            // upgrade); answer anyway, it costs nothing.
            Packet::Ping(data) => {
                self.push_packet(&Packet::Pong(data));
            }
            Packet::Message(text) => {
                let result = self.socket_layer().on_text(self, &text);
                self.after_socket_layer(result);
            }
            Packet::Binary(data) => {
                let result = self.socket_layer().on_binary(self, data);
                self.after_socket_layer(result);
            }
            Packet::Close => self.close(CloseReason::ClientClose),
            Packet::Upgrade | Packet::Noop => {}
            Packet::Open(_) => self.close(CloseReason::ParseError),
        }
    }

    fn after_socket_layer(&self, result: Result<(), CloseReason>) {
        if let Err(reason) = result {
            tracing::debug!(sid = %self.sid, reason = reason.socketio_reason(), "closing session");
            self.close(reason);
        }
    }

    /// Wait until there is something for the active transport.
    /// `transport` says who is asking: a poll that is no longer the active
    /// transport is answered with what the upgrade dance owes it.
    pub async fn drain(&self, transport: TransportKind) -> Drained {
        loop {
            let notified = self.wake.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut st = self.state();
                if let Some(reason) = st.closed {
                    // Deliver what was queued before the close first.
                    if st.transport == transport && !st.outbox.is_empty() {
                        return self.drained(&mut st);
                    }
                    return Drained::Closed(reason);
                }
                if transport == TransportKind::Polling
                    && (st.upgrading || st.transport != TransportKind::Polling)
                {
                    return Drained::Noop;
                }
                if st.transport == transport && !st.outbox.is_empty() {
                    return self.drained(&mut st);
                }
            }
            notified.await;
        }
    }

    /// Take the whole queue for a transport, counting it out.
    fn drained(&self, st: &mut State) -> Drained {
        let frames: Vec<Frame> = st.outbox.drain(..).collect();
        let stats = &self.server.stats;
        stats.queued(-(frames.len() as i64));
        stats.packets_out(frames.len());
        Drained::Frames(frames)
    }

    /// Mark a GET poll as waiting; false when one already is (the client
    /// overlapped its polls, which the reference server treats as an error).
    pub fn begin_poll(&self) -> bool {
        let mut st = self.state();
        if st.polling {
            return false;
        }
        st.polling = true;
        true
    }

    pub fn end_poll(&self) {
        self.state().polling = false;
    }

    /// A websocket sent the upgrade probe.
    pub fn begin_upgrade(&self) {
        self.state().upgrading = true;
        self.wake.notify_waiters();
    }

    /// The websocket sent the upgrade packet: it is now the transport.
    pub fn finish_upgrade(&self) {
        {
            let mut st = self.state();
            st.upgrading = false;
            st.transport = TransportKind::Websocket;
        }
        self.server.stats.upgrades.fetch_add(1, Ordering::Relaxed);
        self.wake.notify_waiters();
    }

    /// The probe websocket went away before upgrading.
    pub fn abort_upgrade(&self) {
        self.state().upgrading = false;
        self.wake.notify_waiters();
    }

    pub fn is_upgrading(&self) -> bool {
        self.state().upgrading
    }

    /// Send a ping and wait for its pong; false when none came in time or
    /// the session closed.
    async fn ping_and_wait(&self, timeout: std::time::Duration) -> bool {
        self.pong.store(false, Ordering::Release);
        if !self.push_packet(&Packet::Ping(String::new())) {
            return false;
        }
        self.wait_heard(timeout).await
    }

    /// Wait until the client is heard from (see [`Session::heard`]); false
    /// when it was not within `timeout` or the session closed.
    async fn wait_heard(&self, timeout: std::time::Duration) -> bool {
        let wait = async {
            loop {
                let notified = self.pong_wake.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                if self.pong.load(Ordering::Acquire) {
                    return true;
                }
                if self.is_closed() {
                    return false;
                }
                notified.await;
            }
        };
        tokio::time::timeout(timeout, wait).await.unwrap_or(false)
    }

    /// Heartbeat and connect timeout. Holds only a weak reference, so a
    /// closed and dropped session ends its timers.
    async fn timers(session: std::sync::Weak<Session>) {
        let (generation, interval, timeout, connect_timeout) = match session.upgrade() {
            Some(s) => (
                s.generation,
                s.server.config.ping_interval,
                s.server.config.ping_timeout,
                s.server.config.connect_timeout,
            ),
            None => return,
        };
        let connect_deadline = tokio::time::Instant::now() + connect_timeout;
        let connect_check = async {
            tokio::time::sleep_until(connect_deadline).await;
            if let Some(s) = session.upgrade()
                && !s.socket_layer().has_joined()
            {
                tracing::debug!(sid = %s.sid, "no namespace joined in time");
                s.close(CloseReason::ConnectTimeout);
            }
            std::future::pending::<()>().await
        };
        let heartbeat = async {
            match generation {
                // As the reference server: ping, wait up to pingTimeout for
                // the pong, and schedule the next ping pingInterval after it.
                Generation::Eio4 => loop {
                    tokio::time::sleep(interval).await;
                    let Some(s) = session.upgrade() else { return };
                    if !s.ping_and_wait(timeout).await {
                        s.close(CloseReason::PingTimeout);
                        return;
                    }
                },
                // The client pings every pingInterval: close when nothing
                // came for pingInterval + pingTimeout.
                Generation::Eio3 => loop {
                    let Some(s) = session.upgrade() else { return };
                    s.pong.store(false, Ordering::Release);
                    if !s.wait_heard(interval + timeout).await {
                        s.close(CloseReason::PingTimeout);
                        return;
                    }
                },
            }
        };
        tokio::select! {
            _ = connect_check => {}
            _ = heartbeat => {}
        }
    }
}

//! Engine.IO sessions: one per client connection, whatever its transport.
//!
//! A session owns the outbound queue (frames wait here while no transport
//! is attached, so nothing is lost between two polls or during an upgrade),
//! which transport is active, the heartbeat and connect-timeout timers, and
//! its lifecycle. Transports feed it decoded Engine.IO packets and drain its
//! queue; the Socket.IO layer above it lives in [`crate::socket`].

use std::cell::RefCell;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use tokio::sync::Notify;

use crate::protocol::engineio::{self, Packet};
use crate::protocol::legacy;
use crate::server::ServerState;
use crate::socket::SocketLayer;
use crate::wire;

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
    /// Socket.IO protocol 1 (socket.io-client 0.7-0.9, TornadIO2's clients),
    /// which has no Engine.IO layer: every frame is one protocol-1 packet
    /// text, carried through this layer as an Engine.IO message. The server
    /// sends heartbeats on streaming transports; polling sessions end when
    /// no request comes within the close timeout (docs/legacy-protocol.md).
    Legacy,
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
    /// The client did not read: its outbound queue outgrew
    /// `--max-outbound-queue`.
    SlowConsumer,
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
            CloseReason::SlowConsumer => "slow consumer",
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

thread_local! {
    /// The wakes put off by the [`WakeBatch`] open on this thread, if any.
    static WAKE_BATCH: RefCell<Option<Vec<Arc<Notify>>>> = const { RefCell::new(None) };
}

/// While alive, frames queued from this thread wake their transports only
/// when it is dropped, once per session.
///
/// The endpoint actor opens one around each run of queued commands. Waking
/// a transport means waking a tokio worker, and a worker woken in the middle
/// of the actor's run takes the core from it (on a busy or one-core machine)
/// to send one frame, then the next frame wakes it again: two context
/// switches per event. Woken once at the end, the worker finds every
/// session's frames ready and sends them in one go. A run is at most
/// `MAX_RUN` commands or `MAX_RUN_TIME` (actor.rs), so the delay this adds
/// is bounded.
#[must_use = "the wakes are given when the batch is dropped"]
pub struct WakeBatch {
    /// Only the outermost batch on a thread gives the wakes.
    outermost: bool,
}

impl WakeBatch {
    pub fn open() -> Self {
        let outermost = WAKE_BATCH.with(|b| {
            let mut b = b.borrow_mut();
            let outermost = b.is_none();
            if outermost {
                *b = Some(Vec::new());
            }
            outermost
        });
        WakeBatch { outermost }
    }

    /// Wake `notify`'s waiters now, or when this thread's batch closes.
    fn wake(notify: &Arc<Notify>) {
        let deferred = WAKE_BATCH.with(|b| match b.borrow_mut().as_mut() {
            Some(wakes) => {
                // A session's frames usually come together (an ack, a
                // broadcast's run): skip the repeat.
                if !wakes.last().is_some_and(|last| Arc::ptr_eq(last, notify)) {
                    wakes.push(notify.clone());
                }
                true
            }
            None => false,
        });
        if !deferred {
            notify.notify_waiters();
        }
    }
}

impl Drop for WakeBatch {
    fn drop(&mut self) {
        if !self.outermost {
            return;
        }
        let wakes = WAKE_BATCH.with(|b| b.borrow_mut().take());
        for notify in wakes.into_iter().flatten() {
            notify.notify_waiters();
        }
    }
}

/// `ready()`'s value once it has one, checked again whenever `notify`
/// fires. The waiter is registered before each check, so a notification
/// between the check and the wait is not lost.
async fn wait_for<T>(notify: &Notify, mut ready: impl FnMut() -> Option<T>) -> T {
    loop {
        let notified = notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if let Some(value) = ready() {
            return value;
        }
        notified.await;
    }
}

struct State {
    outbox: VecDeque<Frame>,
    transport: TransportKind,
    /// The protocol-1 transport attached last (`xhr-polling`, `htmlfile`,
    /// ...); None before the first request, and for newer generations.
    legacy_transport: Option<&'static str>,
    /// A websocket has sent the probe: pending polls get a noop.
    upgrading: bool,
    /// A GET poll is waiting.
    polling: bool,
    /// Bytes in `outbox`, held under `--max-outbound-queue`.
    queued_bytes: usize,
    closed: Option<CloseReason>,
    /// [`Session::close`] ran (`closed` may be set before it: a slow
    /// consumer's queue is dropped at once, the close finishes on a task).
    close_done: bool,
}

impl State {
    /// A protocol-1 streaming transport (websocket, flashsocket, htmlfile)
    /// has the queue: the server sends heartbeats.
    fn is_streaming(&self) -> bool {
        self.legacy_transport.is_some() && self.transport == TransportKind::Websocket
    }
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
    /// Wakes the transports waiting on the queue or the state. In an `Arc`
    /// so a [`WakeBatch`] can hold it past `push`.
    wake: Arc<Notify>,
    /// Set by a pong (Engine.IO 4) or by any packet (Engine.IO 3); the
    /// heartbeat clears it before each wait.
    pong: AtomicBool,
    pong_wake: Notify,
    /// The client's events, acks and messages not yet run by their handlers
    /// (each an [`InFlight`]); reads pause at `--max-pending-events`.
    in_flight: AtomicU32,
    /// Wakes a paused reader once `in_flight` is down to half. Inline, not
    /// in an `Arc` like `wake`: it fires rarely, so it is never batched,
    /// and every idle connection would carry the allocation.
    in_flight_wake: Notify,
    pub(crate) sockets: Mutex<SocketLayer>,
}

/// One of a client's events (or acks, or protocol-1 messages) on its way to
/// a handler: counted in its session until dropped, after its handler call
/// (or when it is discarded). At `--max-pending-events` (128) of them the
/// server stops reading from the client until half have run: a client
/// flooding events at a slow handler waits on its own socket instead of
/// queueing ahead of every other client of that endpoint, and its backlog's
/// memory is bounded.
pub struct InFlight(Arc<Session>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let before = self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
        if before == self.0.server.config.max_pending_events / 2 + 1 {
            self.0.in_flight_wake.notify_waiters();
        }
    }
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
        let binary_payloads = generation == Generation::Eio3 && !b64;
        let open = Frame::packet(&Packet::Open(open));
        Self::register(
            server,
            sid,
            generation,
            binary_payloads,
            transport,
            info,
            Some(open),
        )
    }

    /// Create and register a protocol-1 session at its handshake: nothing is
    /// queued, and no transport is attached until the client's first
    /// transport request ([`Session::attach_legacy`]).
    pub fn open_legacy(server: &Arc<ServerState>, info: HandshakeInfo) -> Arc<Session> {
        let sid: Arc<str> = crate::server::random_id().into();
        let polling = TransportKind::Polling;
        Self::register(server, sid, Generation::Legacy, false, polling, info, None)
    }

    fn register(
        server: &Arc<ServerState>,
        sid: Arc<str>,
        generation: Generation,
        binary_payloads: bool,
        transport: TransportKind,
        info: HandshakeInfo,
        first: Option<Frame>,
    ) -> Arc<Session> {
        let queued = usize::from(first.is_some());
        let queued_bytes = first.as_ref().map_or(0, Frame::len);
        let session = Arc::new(Session {
            sid: sid.clone(),
            generation,
            binary_payloads,
            info,
            server: server.clone(),
            state: Mutex::new(State {
                outbox: first.into_iter().collect(),
                transport,
                legacy_transport: None,
                upgrading: false,
                polling: false,
                queued_bytes,
                closed: None,
                close_done: false,
            }),
            wake: Arc::new(Notify::new()),
            pong: AtomicBool::new(false),
            pong_wake: Notify::new(),
            in_flight: AtomicU32::new(0),
            in_flight_wake: Notify::new(),
            sockets: Mutex::new(SocketLayer::default()),
        });
        server.stats.session_opened(transport, generation);
        server.stats.queued(queued as i64);
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

    /// The transport's name as the client knows it: a protocol-1 transport
    /// (`xhr-polling`, `htmlfile`, ...) or `polling` / `websocket`.
    pub fn transport_name(&self) -> &'static str {
        let st = self.state();
        st.legacy_transport.unwrap_or(st.transport.name())
    }

    /// A protocol-1 transport request arrived: `name` is the client's
    /// transport, `kind` how it takes the queue (`Websocket` for the
    /// streaming ones: websocket, flashsocket, htmlfile). The first attach
    /// joins the root endpoint (see [`Session::after_open`]). Counts as
    /// hearing from the client.
    pub fn attach_legacy(self: &Arc<Self>, kind: TransportKind, name: &'static str) {
        let first = {
            let mut st = self.state();
            st.transport = kind;
            st.legacy_transport.replace(name).is_none()
        };
        self.heard();
        self.wake.notify_waiters();
        if first {
            self.after_open();
        }
    }

    /// How long a GET poll may wait before it is answered empty: protocol 1's
    /// polling duration (the client drops a poll silent for its close
    /// timeout). Newer clients' polls wait for as long as it takes.
    pub fn poll_duration(&self) -> Option<std::time::Duration> {
        (self.generation == Generation::Legacy)
            .then_some(self.server.config.legacy.polling_duration)
    }

    pub fn is_closed(&self) -> bool {
        self.state().closed.is_some()
    }

    /// Queue frames for the client. Returns false when the session is gone,
    /// or has just been dropped as a slow consumer: a queue that holds
    /// anything takes no more than `--max-outbound-queue` bytes (an empty
    /// one takes any one message). Never blocks on the client.
    pub fn push(&self, frames: &[Frame]) -> bool {
        let bytes: usize = frames.iter().map(Frame::len).sum();
        let limit = self.server.config.max_outbound_queue;
        {
            let mut st = self.state();
            if st.closed.is_some() {
                return false;
            }
            if !st.outbox.is_empty() && st.queued_bytes.saturating_add(bytes) > limit {
                // Drop the queue now (that is the memory at stake); the
                // client gets no more frames.
                let dropped = st.outbox.len();
                st.outbox.clear();
                st.queued_bytes = 0;
                st.closed = Some(CloseReason::SlowConsumer);
                drop(st);
                self.server.stats.queued(-(dropped as i64));
                self.slow_consumer(limit, dropped);
                return false;
            }
            st.outbox.extend(frames.iter().cloned());
            st.queued_bytes += bytes;
        }
        self.server.stats.queued(frames.len() as i64);
        WakeBatch::wake(&self.wake);
        true
    }

    /// The queue overflowed: count it, wake the transports (they close the
    /// connection), and finish the close. `push` may run with this session's
    /// socket layer locked (a refused connect while routing a packet, on a
    /// tokio worker), and the close takes that lock: on the runtime it
    /// finishes on a task. Off it (the endpoint actor's thread, which holds
    /// no session lock while emitting) it finishes here.
    fn slow_consumer(&self, limit: usize, dropped: usize) {
        self.server
            .stats
            .slow_consumer_disconnects
            .fetch_add(1, Ordering::Relaxed);
        tracing::info!(
            sid = %self.sid,
            remote = %self.info.remote_addr,
            "slow consumer: over {limit} bytes waiting ({dropped} frames); disconnecting"
        );
        self.wake.notify_waiters();
        self.pong_wake.notify_waiters();
        match (
            tokio::runtime::Handle::try_current(),
            self.server.sessions.get(&self.sid),
        ) {
            (Ok(rt), Some(me)) => {
                rt.spawn(async move { me.close(CloseReason::SlowConsumer) });
            }
            _ => self.close(CloseReason::SlowConsumer),
        }
    }

    /// Count one of the client's events on its way to a handler.
    pub fn in_flight(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight(self.clone())
    }

    /// Whether reading from the client should pause: `--max-pending-events`
    /// of its events wait for handlers.
    pub fn reads_paused(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) >= self.server.config.max_pending_events
    }

    /// Resolves once half of the waiting events have run, or the session
    /// closed.
    pub async fn reads_resumed(&self) {
        let resume_at = self.server.config.max_pending_events / 2;
        wait_for(&self.in_flight_wake, || {
            (self.in_flight.load(Ordering::Acquire) <= resume_at || self.is_closed()).then_some(())
        })
        .await
    }

    /// Resolves once the session is closed (or closing).
    pub async fn closed(&self) {
        wait_for(&self.wake, || self.is_closed().then_some(())).await
    }

    pub fn push_packet(&self, p: &Packet) -> bool {
        self.push(&[Frame::packet(p)])
    }

    /// End the session: wake its transports, drop it from the table, and tell
    /// every endpoint it joined.
    pub fn close(&self, reason: CloseReason) {
        let reason = {
            let mut st = self.state();
            if st.close_done {
                return;
            }
            st.close_done = true;
            // A reason set already (slow consumer) is the one that counts.
            *st.closed.get_or_insert(reason)
        };
        self.server.stats.session_closed(reason);
        self.wake.notify_waiters();
        self.pong_wake.notify_waiters();
        self.in_flight_wake.notify_waiters();
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
    /// A protocol-1 client is joined to the root endpoint when its transport
    /// first opens and waits for `1::` before it sends anything: the `/`
    /// endpoint's on-connect decides, or the server says `1::` by itself
    /// when no endpoint serves `/`.
    pub fn after_open(self: &Arc<Self>) {
        match self.generation {
            Generation::Eio3 => {
                self.socket_layer().connect_default(self);
            }
            Generation::Legacy => {
                if !self.socket_layer().connect_default(self) {
                    self.push(&wire::connect_frames(self.generation, "/", &self.sid));
                }
            }
            Generation::Eio4 => {}
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
        if self.generation != Generation::Eio4 {
            // Any packet shows the client is alive (engine.io 3.x resets its
            // timeout on every packet; so does a protocol-1 session).
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
            Packet::Message(text) if self.generation == Generation::Legacy => {
                let result = self.socket_layer().on_legacy_text(self, &text);
                self.after_socket_layer(result);
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
        // A transport woken by `push` finds its frames here without
        // registering as a waiter first (one lock instead of three).
        if let Some(drained) = self.try_drain(transport) {
            return drained;
        }
        wait_for(&self.wake, || self.try_drain(transport)).await
    }

    /// What [`Self::drain`] returns, if it need not wait.
    fn try_drain(&self, transport: TransportKind) -> Option<Drained> {
        let mut st = self.state();
        if let Some(reason) = st.closed {
            // Deliver what was queued before the close first.
            if st.transport == transport && !st.outbox.is_empty() {
                return Some(self.drained(&mut st));
            }
            return Some(Drained::Closed(reason));
        }
        if transport == TransportKind::Polling
            && (st.upgrading || st.transport != TransportKind::Polling)
        {
            return Some(Drained::Noop);
        }
        if st.transport == transport && !st.outbox.is_empty() {
            return Some(self.drained(&mut st));
        }
        None
    }

    /// Take the whole queue for a transport, counting it out.
    fn drained(&self, st: &mut State) -> Drained {
        let frames: Vec<Frame> = st.outbox.drain(..).collect();
        st.queued_bytes = 0;
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
        if self.generation == Generation::Legacy {
            // The close timeout runs from the end of the last request.
            self.heard();
        }
    }

    /// Whether a request is attached: a waiting poll, or a streaming
    /// transport (websocket, flashsocket, htmlfile) of a protocol-1 session.
    fn attached(&self) -> bool {
        let st = self.state();
        st.polling || st.is_streaming()
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
        let wait = wait_for(&self.pong_wake, || {
            if self.pong.load(Ordering::Acquire) {
                Some(true)
            } else if self.is_closed() {
                Some(false)
            } else {
                None
            }
        });
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
                Generation::Legacy => Self::legacy_timers(&session).await,
            }
        };
        if generation == Generation::Legacy {
            // The root endpoint is joined implicitly; the close timeout
            // ends a session no transport ever opened.
            return heartbeat.await;
        }
        tokio::select! {
            _ = connect_check => {}
            _ = heartbeat => {}
        }
    }

    /// Protocol 1's timers. While a streaming transport is attached: a `2::`
    /// every heartbeat interval, and the session ends (`ping timeout`) when
    /// nothing came back within the heartbeat timeout. Otherwise (polling,
    /// or before the first request): the session ends (`transport close`)
    /// when no request was attached for the close timeout.
    async fn legacy_timers(session: &std::sync::Weak<Session>) {
        loop {
            let Some(s) = session.upgrade() else { return };
            let cfg = &s.server.config.legacy;
            let (interval, timeout) = (cfg.heartbeat_interval, cfg.heartbeat_timeout);
            let close_timeout = cfg.close_timeout;
            if s.state().is_streaming() {
                drop(s);
                tokio::time::sleep(interval).await;
                let Some(s) = session.upgrade() else { return };
                s.pong.store(false, Ordering::Release);
                if !s.push(&[Frame::text(legacy::HEARTBEAT)]) {
                    return;
                }
                if !s.wait_heard(timeout).await {
                    s.close(CloseReason::PingTimeout);
                    return;
                }
            } else {
                s.pong.store(false, Ordering::Release);
                if !s.wait_heard(close_timeout).await {
                    if s.is_closed() {
                        return;
                    }
                    if !s.attached() {
                        tracing::debug!(sid = %s.sid, "close timeout");
                        s.close(CloseReason::TransportClose);
                        return;
                    }
                }
            }
        }
    }
}

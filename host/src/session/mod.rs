//! Engine.IO sessions: one per client connection, whatever its transport.
//!
//! A session owns the outbound queue (frames wait here while no transport
//! is attached, so nothing is lost between two polls or during an upgrade),
//! which transport is active, the heartbeat and connect-timeout timers, and
//! its lifecycle. Transports feed it decoded Engine.IO packets and drain its
//! queue; its Socket.IO side (the namespaces joined, routing to endpoints)
//! is [`conns`]. It reads the server only through a [`SessionContext`], and
//! endpoints reach it only as an [`Outbox`].

mod conns;
mod context;
mod limits;
mod waiters;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Poll;
use std::time::Instant;

use tokio::sync::Notify;

use sio_protocol::engineio::{self, Packet};
use sio_protocol::{
    CloseReason, ConnId, Frame, Generation, HandshakeInfo, Sid, TransportKind, WireFormat, sio1,
    wire,
};

use crate::outbox::{InFlight, Outbox, WakeBatch};
use conns::Conns;
pub use context::{SessionContext, SessionSettings};
pub use limits::Admission;
use limits::{EventRate, RateVerdict};
use waiters::Waiters;

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

/// A lock whose poisoning (a panic elsewhere) leaves its data usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
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
    sio1_transport: Option<&'static str>,
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
    /// The session holds a place under the connection caps
    /// ([`Admission`]), given back at its close.
    admitted: bool,
    /// The tasks waiting for frames or for any change above: woken by
    /// whoever changes it ([`Session::change`], `push`).
    waiters: Waiters,
}

impl State {
    /// A protocol-1 streaming transport (websocket, flashsocket, htmlfile)
    /// has the queue: the server sends heartbeats.
    fn is_streaming(&self) -> bool {
        self.sio1_transport.is_some() && self.transport == TransportKind::Websocket
    }
}

/// One client connection, whatever its transport (see the module doc).
pub struct Session {
    /// The Engine.IO session id.
    pub sid: Sid,
    /// `format`'s generation (what most of the session asks).
    pub generation: Generation,
    /// How the client's packets are written: its generation and its
    /// Socket.IO parser, chosen by the path it connected to.
    pub format: WireFormat,
    /// Polling responses may be binary payloads: an Engine.IO 3 client that
    /// did not ask for `b64` at the handshake (Engine.IO 4 has none).
    pub binary_payloads: bool,
    /// What the handshake request said.
    pub info: HandshakeInfo,
    /// The server as this session reads it.
    pub ctx: Arc<SessionContext>,
    state: Mutex<State>,
    /// Set by a pong (Engine.IO 4) or by any packet (Engine.IO 3); the
    /// heartbeat clears it before each wait.
    pong: AtomicBool,
    pong_wake: Notify,
    /// The client's events, acks and messages not yet run by their handlers
    /// (each an [`InFlight`]); reads pause at `--max-pending-events`.
    in_flight: AtomicU32,
    /// Wakes a paused reader once `in_flight` is down to half (rarely: a
    /// `Notify` suffices).
    in_flight_wake: Notify,
    conns: Mutex<Conns>,
    /// The client's event allowance (`--max-events-per-second`); boxed, as
    /// most servers set no rate and every idle session would carry it.
    rate: Option<Box<Mutex<EventRate>>>,
}

impl Drop for Session {
    /// Frames never sent leave the queue-depth gauge with the session.
    fn drop(&mut self) {
        let left = self.state().outbox.len();
        self.ctx.stats.queued(-(left as i64));
    }
}

impl Outbox for Session {
    fn sid(&self) -> &Sid {
        &self.sid
    }

    fn generation(&self) -> Generation {
        self.generation
    }

    fn wire_format(&self) -> WireFormat {
        self.format
    }

    fn handshake(&self) -> &HandshakeInfo {
        &self.info
    }

    fn transport_name(&self) -> &'static str {
        Session::transport_name(self)
    }

    fn push(&self, frames: &[Frame]) -> bool {
        Session::push(self, frames)
    }

    fn push_volatile(&self, frames: &[Frame]) -> bool {
        let busy = {
            let st = self.state();
            st.closed.is_some() || st.queued_bytes > self.ctx.settings.volatile_threshold
        };
        if busy {
            self.ctx
                .stats
                .volatile_dropped
                .fetch_add(1, Ordering::Relaxed);
            return false;
        }
        Session::push(self, frames)
    }

    fn forget(&self, nsp: &str, conn: ConnId) {
        self.conns().forget(nsp, conn);
    }

    fn rejoin(&self, nsp: &str, from: ConnId, to: ConnId) {
        self.conns().rejoin(nsp, from, to);
    }

    fn event_done(&self) {
        let before = self.in_flight.fetch_sub(1, Ordering::AcqRel);
        if before == self.ctx.settings.max_pending_events / 2 + 1 {
            self.in_flight_wake.notify_waiters();
        }
    }
}

impl Session {
    /// Create and register a session, queue its open packet and start its
    /// timers.
    /// `admission` is its place under the connection caps
    /// ([`SessionContext::admit`]).
    pub fn open(
        admission: Admission,
        format: WireFormat,
        transport: TransportKind,
        info: HandshakeInfo,
    ) -> Arc<Session> {
        let generation = format.generation();
        let ctx = admission.ctx().clone();
        let sid = Sid::random();
        let cfg = &ctx.settings;
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
            admission,
            sid,
            format,
            binary_payloads,
            transport,
            info,
            Some(open),
        )
    }

    /// Create and register a protocol-1 session at its handshake: nothing is
    /// queued, and no transport is attached until the client's first
    /// transport request ([`Session::attach_sio1`]).
    pub fn open_sio1(admission: Admission, info: HandshakeInfo) -> Arc<Session> {
        let sid = Sid::random();
        let polling = TransportKind::Polling;
        let format = Generation::Sio1.into();
        Self::register(admission, sid, format, false, polling, info, None)
    }

    fn register(
        admission: Admission,
        sid: Sid,
        format: WireFormat,
        binary_payloads: bool,
        transport: TransportKind,
        info: HandshakeInfo,
        first: Option<Frame>,
    ) -> Arc<Session> {
        let generation = format.generation();
        let ctx = admission.ctx().clone();
        let queued = usize::from(first.is_some());
        let queued_bytes = first.as_ref().map_or(0, Frame::len);
        let rate = ctx
            .settings
            .max_events_per_second
            .map(|n| Box::new(Mutex::new(EventRate::new(n, Instant::now()))));
        let session = Arc::new(Session {
            sid: sid.clone(),
            generation,
            format,
            binary_payloads,
            info,
            ctx: ctx.clone(),
            state: Mutex::new(State {
                outbox: first.into_iter().collect(),
                transport,
                sio1_transport: None,
                upgrading: false,
                polling: false,
                queued_bytes,
                closed: None,
                close_done: false,
                admitted: admission.into_session(),
                waiters: Waiters::default(),
            }),
            pong: AtomicBool::new(false),
            pong_wake: Notify::new(),
            in_flight: AtomicU32::new(0),
            in_flight_wake: Notify::new(),
            conns: Mutex::new(Conns::default()),
            rate,
        });
        ctx.stats.session_opened(transport, generation);
        ctx.stats.queued(queued as i64);
        ctx.sessions.insert(session.clone());
        tokio::spawn(Self::timers(Arc::downgrade(&session)));
        tracing::debug!(sid = %sid, transport = transport.name(), "session opened");
        session
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A poisoned lock means a panic elsewhere already; the queue itself is
        // still consistent (every mutation is a single push/drain).
        lock(&self.state)
    }

    /// Change the state and wake every task waiting on it (after unlocking).
    fn change<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let (r, woken) = {
            let mut st = self.state();
            let r = f(&mut st);
            (r, st.waiters.take())
        };
        woken.wake();
        r
    }

    /// `ready()`'s value once it has one, checked again whenever the state
    /// changes. The check and the registration are under one lock, so no
    /// change between them is missed.
    async fn wait_state<T>(&self, mut ready: impl FnMut(&mut State) -> Option<T>) -> T {
        std::future::poll_fn(|cx| {
            let mut st = self.state();
            match ready(&mut st) {
                Some(value) => Poll::Ready(value),
                None => {
                    st.waiters.register(cx.waker());
                    Poll::Pending
                }
            }
        })
        .await
    }

    pub fn transport(&self) -> TransportKind {
        self.state().transport
    }

    /// The transport's name as the client knows it: a protocol-1 transport
    /// (`xhr-polling`, `htmlfile`, ...) or `polling` / `websocket`.
    pub fn transport_name(&self) -> &'static str {
        let st = self.state();
        st.sio1_transport.unwrap_or(st.transport.name())
    }

    /// A protocol-1 transport request arrived: `name` is the client's
    /// transport, `kind` how it takes the queue (`Websocket` for the
    /// streaming ones: websocket, flashsocket, htmlfile). The first attach
    /// joins the root endpoint (see [`Session::after_open`]). Counts as
    /// hearing from the client.
    pub fn attach_sio1(self: &Arc<Self>, kind: TransportKind, name: &'static str) {
        let first = self.change(|st| {
            st.transport = kind;
            st.sio1_transport.replace(name).is_none()
        });
        self.heard();
        if first {
            self.after_open();
        }
    }

    /// How long a GET poll may wait before it is answered empty: protocol 1's
    /// polling duration (the client drops a poll silent for its close
    /// timeout). Newer clients' polls wait for as long as it takes.
    pub fn poll_duration(&self) -> Option<std::time::Duration> {
        (self.generation == Generation::Sio1).then_some(self.ctx.settings.sio1.polling_duration)
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
        let limit = self.ctx.settings.max_outbound_queue;
        let woken = {
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
                let woken = st.waiters.take();
                drop(st);
                woken.wake();
                self.ctx.stats.queued(-(dropped as i64));
                self.slow_consumer(limit, dropped);
                return false;
            }
            st.outbox.extend(frames.iter().cloned());
            st.queued_bytes += bytes;
            st.waiters.take()
        };
        self.ctx.stats.queued(frames.len() as i64);
        woken.for_each(WakeBatch::wake);
        true
    }

    /// The queue overflowed: count it, wake the transports (they close the
    /// connection), and finish the close ([`Session::close_soon`]: `push`
    /// may run with this session's conns locked, e.g. a refused connect
    /// while routing a packet).
    fn slow_consumer(&self, limit: usize, dropped: usize) {
        self.ctx
            .stats
            .slow_consumer_disconnects
            .fetch_add(1, Ordering::Relaxed);
        tracing::info!(
            sid = %self.sid,
            remote = %self.info.remote_addr,
            "slow consumer: over {limit} bytes waiting ({dropped} frames); disconnecting"
        );
        self.pong_wake.notify_waiters();
        self.close_soon(CloseReason::SlowConsumer);
    }

    /// Close from a place that may hold this session's conns lock (a push
    /// or an event counted while routing a packet): on the runtime the
    /// close, which takes that lock, finishes on a task; off it (the
    /// endpoint actor's thread, which holds no session lock) it runs here.
    fn close_soon(&self, reason: CloseReason) {
        match (
            tokio::runtime::Handle::try_current(),
            self.ctx.sessions.get(&self.sid),
        ) {
            (Ok(rt), Some(me)) => {
                rt.spawn(async move { me.close(reason) });
            }
            _ => self.close(reason),
        }
    }

    /// Count one of the client's events on its way to a handler.
    ///
    /// With `--max-events-per-second` it also takes from the client's
    /// allowance: over it, reads pause ([`Session::reads_paused`]) until the
    /// rate allows; over it past the grace, the session closes (`rate
    /// limit`). The event itself still goes to its handler.
    pub fn in_flight(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        if let Some(rate) = &self.rate {
            let grace = self.ctx.settings.rate_limit_grace;
            let verdict = lock(rate).take(Instant::now(), grace);
            match verdict {
                RateVerdict::Ok => {}
                RateVerdict::Pause(_) => {
                    let limits = &self.ctx.stats.limits;
                    limits.events_over_rate.fetch_add(1, Ordering::Relaxed);
                }
                RateVerdict::Exceeded => self.close_soon(CloseReason::RateLimit),
            }
        }
        InFlight::counted(self.clone())
    }

    /// Whether reading from the client should pause: `--max-pending-events`
    /// of its events wait for handlers.
    /// Also while the client is over `--max-events-per-second`.
    pub fn reads_paused(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) >= self.ctx.settings.max_pending_events
            || self.rate_wait().is_some()
    }

    /// How long the client's event rate keeps its reads paused, if at all.
    fn rate_wait(&self) -> Option<std::time::Duration> {
        let rate = self.rate.as_ref()?;
        let wait = lock(rate).wait(Instant::now());
        (!wait.is_zero()).then_some(wait)
    }

    /// Resolves once reads may go on, or the session closed: when
    /// `--max-pending-events` paused them, once half of the waiting events
    /// have run; then once the client's event rate allows.
    ///
    /// The wait is boxed when it starts: the websocket loop holds this
    /// future, unpolled, beside its read and its drain while reads are not
    /// paused, and every idle connection's task would carry its ~300 bytes.
    pub async fn reads_resumed(&self) {
        Box::pin(self.wait_reads_resumed()).await
    }

    async fn wait_reads_resumed(&self) {
        let settings = &self.ctx.settings;
        if self.in_flight.load(Ordering::Acquire) >= settings.max_pending_events {
            let resume_at = settings.max_pending_events / 2;
            wait_for(&self.in_flight_wake, || {
                (self.in_flight.load(Ordering::Acquire) <= resume_at || self.is_closed())
                    .then_some(())
            })
            .await
        }
        while let Some(wait) = self.rate_wait() {
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.closed() => return,
            }
        }
    }

    /// Resolves once the session is closed (or closing).
    pub async fn closed(&self) {
        self.wait_state(|st| st.closed.is_some().then_some(()))
            .await
    }

    pub fn push_packet(&self, p: &Packet) -> bool {
        self.push(&[Frame::packet(p)])
    }

    /// End the session: wake its transports, drop it from the table, and tell
    /// every endpoint it joined.
    pub fn close(&self, reason: CloseReason) {
        let closing = self.change(|st| {
            if st.close_done {
                return None;
            }
            st.close_done = true;
            // A reason set already (slow consumer) is the one that counts.
            let reason = *st.closed.get_or_insert(reason);
            Some((reason, std::mem::take(&mut st.admitted)))
        });
        let Some((reason, admitted)) = closing else {
            return;
        };
        if admitted {
            self.ctx.release(self.info.remote_addr.ip());
        }
        self.ctx.stats.session_closed(reason);
        self.pong_wake.notify_waiters();
        self.in_flight_wake.notify_waiters();
        self.ctx.sessions.remove(&self.sid);
        let conns = std::mem::take(&mut *self.conns());
        conns.disconnect_all(&self.sid, reason.socketio_reason());
        tracing::debug!(sid = %self.sid, reason = reason.socketio_reason(), "session closed");
    }

    fn conns(&self) -> MutexGuard<'_, Conns> {
        lock(&self.conns)
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
                self.conns().connect_default(self);
            }
            Generation::Sio1 => {
                if !self.conns().connect_default(self) {
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
        self.ctx.stats.packet_in();
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
            Packet::Message(text) if self.generation == Generation::Sio1 => {
                let result = self.conns().on_sio1_text(self, &text);
                self.after_conns(result);
            }
            Packet::Message(text) => {
                let result = self.conns().on_text(self, &text);
                self.after_conns(result);
            }
            Packet::Binary(data) => {
                let result = self.conns().on_binary(self, data);
                self.after_conns(result);
            }
            Packet::Close => self.close(CloseReason::ClientClose),
            Packet::Upgrade | Packet::Noop => {}
            Packet::Open(_) => self.close(CloseReason::ParseError),
        }
    }

    fn after_conns(&self, result: Result<(), CloseReason>) {
        if let Err(reason) = result {
            tracing::debug!(sid = %self.sid, reason = reason.socketio_reason(), "closing session");
            self.close(reason);
        }
    }

    /// Wait until there is something for the active transport.
    /// `transport` says who is asking: a poll that is no longer the active
    /// transport is answered with what the upgrade dance owes it.
    pub async fn drain(&self, transport: TransportKind) -> Drained {
        self.wait_state(|st| self.try_drain(st, transport)).await
    }

    /// What [`Self::drain`] returns, if it need not wait.
    fn try_drain(&self, st: &mut State, transport: TransportKind) -> Option<Drained> {
        if let Some(reason) = st.closed {
            // Deliver what was queued before the close first.
            if st.transport == transport && !st.outbox.is_empty() {
                return Some(self.drained(st));
            }
            return Some(Drained::Closed(reason));
        }
        if transport == TransportKind::Polling
            && (st.upgrading || st.transport != TransportKind::Polling)
        {
            return Some(Drained::Noop);
        }
        if st.transport == transport && !st.outbox.is_empty() {
            return Some(self.drained(st));
        }
        None
    }

    /// Take the whole queue for a transport, counting it out. The queue's
    /// buffer goes with it (it becomes the `Vec`, without a copy), so an
    /// idle session holds none.
    fn drained(&self, st: &mut State) -> Drained {
        let frames: Vec<Frame> = std::mem::take(&mut st.outbox).into();
        st.queued_bytes = 0;
        let stats = &self.ctx.stats;
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

    /// The GET poll is over, answered or not. Wakes the session's waiters:
    /// a poll that ended without being woken (its client went away, or
    /// protocol 1's polling duration ran out) leaves no waker behind.
    pub fn end_poll(&self) {
        self.change(|st| st.polling = false);
        if self.generation == Generation::Sio1 {
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
        self.change(|st| st.upgrading = true);
    }

    /// The websocket sent the upgrade packet: it is now the transport.
    pub fn finish_upgrade(&self) {
        self.change(|st| {
            st.upgrading = false;
            st.transport = TransportKind::Websocket;
        });
        self.ctx.stats.upgrades.fetch_add(1, Ordering::Relaxed);
    }

    /// The probe websocket went away before upgrading.
    pub fn abort_upgrade(&self) {
        self.change(|st| st.upgrading = false);
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
                s.ctx.settings.ping_interval,
                s.ctx.settings.ping_timeout,
                s.ctx.settings.connect_timeout,
            ),
            None => return,
        };
        let connect_deadline = tokio::time::Instant::now() + connect_timeout;
        let connect_check = async {
            tokio::time::sleep_until(connect_deadline).await;
            if let Some(s) = session.upgrade()
                && !s.conns().has_joined()
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
                Generation::Sio1 => Self::sio1_timers(&session).await,
            }
        };
        if generation == Generation::Sio1 {
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
    async fn sio1_timers(session: &std::sync::Weak<Session>) {
        loop {
            let Some(s) = session.upgrade() else { return };
            let cfg = &s.ctx.settings.sio1;
            let (interval, timeout) = (cfg.heartbeat_interval, cfg.heartbeat_timeout);
            let close_timeout = cfg.close_timeout;
            if s.state().is_streaming() {
                drop(s);
                tokio::time::sleep(interval).await;
                let Some(s) = session.upgrade() else { return };
                s.pong.store(false, Ordering::Release);
                if !s.push(&[Frame::text(sio1::HEARTBEAT)]) {
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

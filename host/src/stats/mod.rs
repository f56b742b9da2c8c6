//! Counters and gauges for operators: one [`Stats`] of atomics shared by
//! every layer through an `Arc` (the per-message path takes no lock), read
//! as `/stats` JSON ([`Stats::to_json`]) and `/metrics` in the Prometheus
//! text format ([`Stats::to_prometheus`]); see docs/stats.md.
//!
//! Each fact is counted in the layer that already knows it: sessions in
//! `session.rs`, bytes in the transports, packets in the session, handler
//! calls in the endpoint actor, reloads in the reload pipeline.
//!
//! This module holds the counters and the methods that bump them; `json`
//! renders `/stats` and `prometheus` renders `/metrics`.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sio_protocol::{CloseReason, Generation, TransportKind};

mod json;
mod prometheus;
#[cfg(test)]
mod tests;

pub use prometheus::PROMETHEUS_CONTENT_TYPE;

/// Every close reason, in the order of [`Stats::sessions_closed`].
pub const CLOSE_REASONS: [CloseReason; 8] = [
    CloseReason::ClientClose,
    CloseReason::TransportClose,
    CloseReason::TransportError,
    CloseReason::PingTimeout,
    CloseReason::ParseError,
    CloseReason::ConnectTimeout,
    CloseReason::SlowConsumer,
    CloseReason::RateLimit,
];

/// The label of a close reason in /stats and /metrics.
pub fn close_label(r: CloseReason) -> &'static str {
    match r {
        CloseReason::ClientClose => "client_close",
        CloseReason::TransportClose => "transport_close",
        CloseReason::TransportError => "transport_error",
        CloseReason::PingTimeout => "ping_timeout",
        CloseReason::ParseError => "parse_error",
        CloseReason::ConnectTimeout => "connect_timeout",
        CloseReason::SlowConsumer => "slow_consumer",
        CloseReason::RateLimit => "rate_limit",
    }
}

fn close_index(r: CloseReason) -> usize {
    CLOSE_REASONS.iter().position(|x| *x == r).unwrap_or(0)
}

const TRANSPORTS: [&str; 2] = ["polling", "websocket"];
const GENERATIONS: [&str; 3] = ["eio4", "eio3", "legacy"];

fn transport_index(t: TransportKind) -> usize {
    match t {
        TransportKind::Polling => 0,
        TransportKind::Websocket => 1,
    }
}

fn generation_index(g: Generation) -> usize {
    match g {
        Generation::Eio4 => 0,
        Generation::Eio3 => 1,
        Generation::Sio1 => 2,
    }
}

/// The guest exports the actor calls, in the order of [`EndpointStats`]'s
/// arrays. Anything else is counted as `other`.
pub const EXPORTS: [&str; 9] = [
    "on-connect",
    "on-event",
    "on-message",
    "on-ack",
    "on-disconnect",
    "snapshot",
    "on-timer",
    "on-fetch",
    "other",
];

/// Upper bounds of the handler-latency buckets, in microseconds (the last
/// bucket, +Inf, is implicit).
pub const LATENCY_BUCKETS_US: [u64; 12] = [
    50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 100_000, 250_000, 1_000_000,
];

/// How a guest call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallOutcome {
    /// The call returned.
    Ok,
    /// A trap not caused by a limit (panic, unreachable, bad memory access).
    Trap,
    /// The call ran past its deadline (epoch interruption).
    Deadline,
    /// The call failed after its memory limit refused a `memory.grow`.
    Memory,
    /// The call ran out of fuel.
    Fuel,
    /// The host failed the call otherwise.
    Error,
}

impl CallOutcome {
    /// What happened, for logs.
    pub fn describe(self) -> &'static str {
        match self {
            CallOutcome::Ok => "ok",
            CallOutcome::Trap => "trap",
            CallOutcome::Deadline => "deadline exceeded",
            CallOutcome::Memory => "memory limit",
            CallOutcome::Fuel => "out of fuel",
            CallOutcome::Error => "error",
        }
    }
}

/// The `host-error`s a guest can get, in the order of
/// [`EndpointStats::host_errors`] (names as in `/stats`).
pub const HOST_ERRORS: [&str; 6] = [
    "unknown_conn",
    "invalid_json",
    "too_large",
    "invalid_name",
    "unknown_ack",
    "limit_exceeded",
];

/// One export's calls: count, failures and a latency histogram.
#[derive(Default)]
pub struct ExportStats {
    /// Calls made, failed or not.
    pub calls: AtomicU64,
    /// Calls that ended in [`CallOutcome::Trap`].
    pub traps: AtomicU64,
    /// Calls that ended in [`CallOutcome::Deadline`].
    pub deadlines: AtomicU64,
    /// Calls that ended in [`CallOutcome::Memory`].
    pub memory: AtomicU64,
    /// Calls that ended in [`CallOutcome::Fuel`].
    pub fuel: AtomicU64,
    /// Calls that ended in [`CallOutcome::Error`].
    pub errors: AtomicU64,
    /// Non-cumulative: bucket i counts calls at or under
    /// `LATENCY_BUCKETS_US[i]` and over the one before; the last is +Inf.
    pub buckets: [AtomicU64; LATENCY_BUCKETS_US.len() + 1],
    /// The calls' total latency, in microseconds.
    pub sum_us: AtomicU64,
}

/// One endpoint's handler calls, held by its actor and listed in [`Stats`].
pub struct EndpointStats {
    /// The endpoint's name (its namespace), as in `/stats` and `/metrics`.
    pub name: String,
    /// The pattern entry it was started for (a dynamic namespace), or, on
    /// the pattern's own entry, the pattern itself; None: a plain endpoint.
    pub pattern: Option<String>,
    /// Per export, in the order of [`EXPORTS`].
    pub exports: [ExportStats; EXPORTS.len()],
    /// Socket.IO connects to this endpoint its handler accepted / refused
    /// (a failed on-connect call refuses too).
    pub connects: AtomicU64,
    /// See `connects`.
    pub connects_refused: AtomicU64,
    /// Instances rebuilt after a failed call.
    pub rebuilds: AtomicU64,
    /// Commands waiting in the endpoint's queue (a gauge).
    pub queued: AtomicI64,
    /// Host calls refused, by `host-error` (in the order of [`HOST_ERRORS`]).
    pub host_errors: [AtomicU64; HOST_ERRORS.len()],
    /// A sharded endpoint (`shards` > 1): the connections on each shard, by
    /// place (every other counter here is the shards' total).
    pub shard_conns: std::sync::OnceLock<Box<[AtomicI64]>>,
    /// The server's handler-call rate, shared by every endpoint.
    calls_rate: Arc<Rate>,
    clock: SecondsClock,
}

impl EndpointStats {
    /// Count one call of `export` that took `took` and ended with `outcome`.
    pub fn record(&self, export: &str, took: Duration, outcome: CallOutcome) {
        let i = EXPORTS
            .iter()
            .position(|e| *e == export)
            .unwrap_or(EXPORTS.len() - 1);
        let e = &self.exports[i];
        e.calls.fetch_add(1, Relaxed);
        self.calls_rate.add(self.clock.now(), 1);
        match outcome {
            CallOutcome::Ok => {}
            CallOutcome::Trap => {
                e.traps.fetch_add(1, Relaxed);
            }
            CallOutcome::Deadline => {
                e.deadlines.fetch_add(1, Relaxed);
            }
            CallOutcome::Memory => {
                e.memory.fetch_add(1, Relaxed);
            }
            CallOutcome::Fuel => {
                e.fuel.fetch_add(1, Relaxed);
            }
            CallOutcome::Error => {
                e.errors.fetch_add(1, Relaxed);
            }
        }
        let us = took.as_micros().min(u64::MAX as u128) as u64;
        let b = LATENCY_BUCKETS_US
            .iter()
            .position(|limit| us <= *limit)
            .unwrap_or(LATENCY_BUCKETS_US.len());
        e.buckets[b].fetch_add(1, Relaxed);
        e.sum_us.fetch_add(us, Relaxed);
    }

    /// Add `other`'s counters (not its queue gauge) to these: a stopped
    /// dynamic namespace's calls stay counted in its pattern's entry.
    fn absorb(&self, other: &EndpointStats) {
        let add = |to: &AtomicU64, from: &AtomicU64| {
            to.fetch_add(from.load(Relaxed), Relaxed);
        };
        for (to, from) in self.exports.iter().zip(&other.exports) {
            for (t, f) in [
                (&to.calls, &from.calls),
                (&to.traps, &from.traps),
                (&to.deadlines, &from.deadlines),
                (&to.memory, &from.memory),
                (&to.fuel, &from.fuel),
                (&to.errors, &from.errors),
                (&to.sum_us, &from.sum_us),
            ] {
                add(t, f);
            }
            for (t, f) in to.buckets.iter().zip(&from.buckets) {
                add(t, f);
            }
        }
        add(&self.connects, &other.connects);
        add(&self.connects_refused, &other.connects_refused);
        add(&self.rebuilds, &other.rebuilds);
        for (t, f) in self.host_errors.iter().zip(&other.host_errors) {
            add(t, f);
        }
    }
}

/// One pattern entry's namespaces (docs/handlers.md, "Dynamic
/// namespaces"), counted by `endpoint/directory.rs`.
#[derive(Default)]
pub struct PatternStats {
    /// The pattern as written (`/room-*`, `~/game-[0-9]+`).
    pub name: String,
    /// Its `max-namespaces`.
    pub max_namespaces: AtomicU64,
    /// Namespaces alive now (a gauge).
    pub alive: AtomicI64,
    /// Namespaces started (on a first CONNECT).
    pub started: AtomicU64,
    /// Namespaces stopped after `namespace-idle-timeout` without a
    /// connection (or that failed to start).
    pub stopped: AtomicU64,
    /// CONNECTs refused because `max-namespaces` were alive.
    pub refused_max_namespaces: AtomicU64,
}

/// Seconds kept by a [`Rate`]: one minute.
const RING: usize = 60;
/// The sliding window of the per-second rate (TornadIO2 averaged its
/// counters over the last seconds the same way).
pub const RATE_WINDOW_SECS: u64 = 10;

/// Events per second over a sliding window and per minute: a ring of
/// per-second buckets, each stamped with the second it counts.
pub struct Rate {
    counts: [AtomicU64; RING],
    stamps: [AtomicU64; RING],
}

impl Default for Rate {
    fn default() -> Self {
        Rate {
            counts: std::array::from_fn(|_| AtomicU64::new(0)),
            stamps: std::array::from_fn(|_| AtomicU64::new(u64::MAX)),
        }
    }
}

impl Rate {
    fn add(&self, now: u64, n: u64) {
        let i = (now % RING as u64) as usize;
        let stamp = self.stamps[i].load(Relaxed);
        if stamp != now
            && self.stamps[i]
                .compare_exchange(stamp, now, Relaxed, Relaxed)
                .is_ok()
        {
            self.counts[i].store(0, Relaxed);
        }
        self.counts[i].fetch_add(n, Relaxed);
    }

    /// The sum over the `secs` complete seconds before `now`.
    fn sum(&self, now: u64, secs: u64) -> u64 {
        (1..=secs.min(RING as u64 - 1))
            .filter_map(|back| now.checked_sub(back))
            .map(|s| {
                let i = (s % RING as u64) as usize;
                if self.stamps[i].load(Relaxed) == s {
                    self.counts[i].load(Relaxed)
                } else {
                    0
                }
            })
            .sum()
    }

    /// (per second over the window, per minute over the last 59 complete
    /// seconds scaled to 60).
    fn rates(&self, now: u64) -> (f64, f64) {
        let per_sec = self.sum(now, RATE_WINDOW_SECS) as f64 / RATE_WINDOW_SECS as f64;
        let last = RING as u64 - 1;
        let per_min = self.sum(now, last) as f64 * 60.0 / last as f64;
        (per_sec, per_min)
    }
}

/// The Redis adapter's traffic, counted by `adapter/redis.rs`.
#[derive(Default)]
pub struct AdapterStats {
    /// `--redis` is on.
    pub redis: AtomicBool,
    /// The subscription to the cluster's channels is up.
    pub connected: AtomicBool,
    /// Messages published to Redis (broadcasts and responses).
    pub published: AtomicU64,
    /// Messages that could not be published because Redis was unreachable.
    pub lost: AtomicU64,
    /// Broadcasts and requests from other nodes handed to an endpoint.
    pub received: AtomicU64,
    /// Messages from Redis that did not decode (logged, ignored).
    pub malformed: AtomicU64,
    /// Times the subscription came back after losing Redis.
    pub reconnects: AtomicU64,
}

/// The caps on what clients may take (`session/limits.rs`): their settings
/// and what they refused.
#[derive(Default)]
pub struct LimitStats {
    /// `--max-connections`; 0: none.
    pub max_connections: AtomicU64,
    /// `--max-connections-per-ip`; 0: none.
    pub max_connections_per_ip: AtomicU64,
    /// `--max-events-per-second`; 0: none.
    pub max_events_per_second: AtomicU64,
    /// Handshakes refused at `--max-connections`.
    pub refused_max_connections: AtomicU64,
    /// Handshakes refused at `--max-connections-per-ip`.
    pub refused_per_ip: AtomicU64,
    /// Events read while their client was over its rate (each lengthened a
    /// pause of its reads).
    pub events_over_rate: AtomicU64,
}

/// The key-value store's calls (`store/`).
#[derive(Default)]
pub struct StoreStats {
    /// The backend: 1 memory, 2 file, 3 redis (0 before it opened).
    pub backend: AtomicU64,
    /// Store calls made by handlers.
    pub ops: AtomicU64,
    /// Calls that failed because the backend failed or did not answer.
    pub unavailable: AtomicU64,
    /// Calls refused: key or value too large.
    pub too_large: AtomicU64,
    /// Calls refused: the endpoint's keys or the call's operations at their
    /// limit.
    pub limit_exceeded: AtomicU64,
    /// `increment` on a value that is not an integer.
    pub not_a_number: AtomicU64,
    /// Calls refused: an empty key.
    pub invalid_key: AtomicU64,
}

/// The admin UI (`admin_ui/`; docs/admin-ui.md): its dashboards and what
/// it refused.
#[derive(Default)]
pub struct AdminUiStats {
    /// `--admin-ui` is on.
    pub enabled: AtomicBool,
    /// Dashboards signed in now.
    pub clients: AtomicI64,
    /// Sign-ins refused: wrong credentials, or too many password checks
    /// at once.
    pub refused: AtomicU64,
    /// Actions done (join, leave, disconnect, emit).
    pub actions: AtomicU64,
    /// Actions refused: misshapen, for an unknown namespace, or read-only.
    pub actions_refused: AtomicU64,
    /// Event reports dropped because the admin UI was too far behind.
    pub events_dropped: AtomicU64,
}

/// Connection state recovery (`endpoint/namespace/recovery.rs`): what it
/// holds and what became of the clients that came back.
#[derive(Default)]
pub struct RecoveryStats {
    /// `--recovery` is on.
    pub enabled: AtomicBool,
    /// Connections away now: their client dropped and may come back.
    pub away: AtomicI64,
    /// Clients that came back with their id, rooms and missed packets, on
    /// the node they left.
    pub recovered: AtomicU64,
    /// Clients that came back on this node after leaving another (the
    /// streams adapter's stored sessions).
    pub recovered_remote: AtomicU64,
    /// Missed packets replayed to recovered clients.
    pub replayed: AtomicU64,
    /// Recoveries refused: no such private id (expired, or never given).
    pub unknown: AtomicU64,
    /// Recoveries refused: the client's offset has left the replay buffer.
    pub too_old: AtomicU64,
    /// Away connections that did not come back in time (their handler then
    /// heard the disconnect).
    pub expired: AtomicU64,
    /// Packets in the replay buffers now.
    pub buffered: AtomicI64,
    /// Bytes of frames in the replay buffers now.
    pub buffered_bytes: AtomicI64,
    /// Packets dropped from a replay buffer by its size or age cap.
    pub evicted: AtomicU64,
}

/// Whole seconds since the server started, for the per-second rates.
///
/// Read from the coarse monotonic clock (kernel-tick resolution, no TSC
/// read): the rates are bumped several times per message, and the precise
/// clock (`Instant::now`, a TSC read that is slow under some hypervisors)
/// was 2-3% of the server's CPU in the echo benchmark's profile.
#[derive(Debug, Clone, Copy)]
struct SecondsClock {
    start: Duration,
}

impl SecondsClock {
    fn start() -> Self {
        SecondsClock {
            start: coarse_monotonic(),
        }
    }

    fn now(&self) -> u64 {
        coarse_monotonic().saturating_sub(self.start).as_secs()
    }
}

#[cfg(target_os = "linux")]
fn coarse_monotonic() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec it is given.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC_COARSE, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

#[cfg(not(target_os = "linux"))]
fn coarse_monotonic() -> Duration {
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed()
}

/// The server's counters. Cheap to bump from any thread.
pub struct Stats {
    started: Instant,
    /// The rates' seconds.
    clock: SecondsClock,
    /// Engine.IO sessions opened.
    pub sessions_opened: AtomicU64,
    /// Closed sessions by reason, in the order of [`CLOSE_REASONS`].
    pub sessions_closed: [AtomicU64; CLOSE_REASONS.len()],
    /// Sessions opened by their first transport.
    pub opened_by_transport: [AtomicU64; 2],
    /// Sessions opened by protocol generation.
    pub opened_by_generation: [AtomicU64; 3],
    /// Polling sessions upgraded to websocket.
    pub upgrades: AtomicU64,
    /// Engine.IO packets decoded from clients.
    pub packets_in: AtomicU64,
    /// Engine.IO packets handed to a transport for a client.
    pub packets_out: AtomicU64,
    /// Body bytes of polling requests and websocket messages, both ways.
    pub bytes_in: AtomicU64,
    /// See `bytes_in`.
    pub bytes_out: AtomicU64,
    /// Hot reloads that swapped in a new version.
    pub reloads_ok: AtomicU64,
    /// Hot reloads refused (the running version kept serving).
    pub reloads_refused: AtomicU64,
    /// Sessions dropped for not reading their queue (over
    /// `--max-outbound-queue` bytes waiting).
    pub slow_consumer_disconnects: AtomicU64,
    /// Volatile emits dropped for a client that could not take them
    /// (`--volatile-threshold`), one per client and emit.
    pub volatile_dropped: AtomicU64,
    /// Frames waiting in outbound queues, over all sessions.
    pub outbound_queued: AtomicI64,
    /// Socket.IO connects to a namespace no endpoint serves.
    pub unknown_namespace: AtomicU64,
    /// The Redis adapter's traffic (`--redis`); all 0 without it.
    pub adapter: AdapterStats,
    /// Connection caps and event rates.
    pub limits: LimitStats,
    /// The key-value store.
    pub store: StoreStats,
    /// Connection state recovery.
    pub recovery: RecoveryStats,
    /// The admin UI.
    pub admin_ui: AdminUiStats,
    endpoints: RwLock<Vec<Arc<EndpointStats>>>,
    patterns: RwLock<Vec<Arc<PatternStats>>>,
    rate_packets_in: Rate,
    rate_packets_out: Rate,
    rate_bytes_in: Rate,
    rate_bytes_out: Rate,
    rate_sessions: Rate,
    rate_calls: Arc<Rate>,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            started: Instant::now(),
            clock: SecondsClock::start(),
            sessions_opened: AtomicU64::new(0),
            sessions_closed: Default::default(),
            opened_by_transport: Default::default(),
            opened_by_generation: Default::default(),
            upgrades: AtomicU64::new(0),
            packets_in: AtomicU64::new(0),
            packets_out: AtomicU64::new(0),
            bytes_in: AtomicU64::new(0),
            bytes_out: AtomicU64::new(0),
            reloads_ok: AtomicU64::new(0),
            reloads_refused: AtomicU64::new(0),
            slow_consumer_disconnects: AtomicU64::new(0),
            volatile_dropped: AtomicU64::new(0),
            outbound_queued: AtomicI64::new(0),
            unknown_namespace: AtomicU64::new(0),
            adapter: AdapterStats::default(),
            limits: LimitStats::default(),
            store: StoreStats::default(),
            recovery: RecoveryStats::default(),
            admin_ui: AdminUiStats::default(),
            endpoints: RwLock::new(Vec::new()),
            patterns: RwLock::new(Vec::new()),
            rate_packets_in: Rate::default(),
            rate_packets_out: Rate::default(),
            rate_bytes_in: Rate::default(),
            rate_bytes_out: Rate::default(),
            rate_sessions: Rate::default(),
            rate_calls: Arc::default(),
        }
    }
}

impl Stats {
    fn now(&self) -> u64 {
        self.clock.now()
    }

    /// The counters of endpoint `name`, created on first use.
    pub fn endpoint(&self, name: &str) -> Arc<EndpointStats> {
        self.endpoint_in(name, None)
    }

    /// The counters of endpoint `name`, created on first use for `pattern`
    /// (see [`EndpointStats::pattern`]).
    pub fn endpoint_in(&self, name: &str, pattern: Option<&str>) -> Arc<EndpointStats> {
        let mut list = self.endpoints.write().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = list.iter().find(|e| e.name == name) {
            return e.clone();
        }
        let e = Arc::new(EndpointStats {
            name: name.to_string(),
            pattern: pattern.map(str::to_string),
            exports: Default::default(),
            connects: AtomicU64::new(0),
            connects_refused: AtomicU64::new(0),
            rebuilds: AtomicU64::new(0),
            queued: AtomicI64::new(0),
            host_errors: Default::default(),
            shard_conns: std::sync::OnceLock::new(),
            calls_rate: self.rate_calls.clone(),
            clock: self.clock,
        });
        list.push(e.clone());
        list.sort_by(|a, b| a.name.cmp(&b.name));
        e
    }

    /// A dynamic namespace `name` stopped: its entry leaves the list and
    /// its counters join those of its pattern's entry (named by the
    /// pattern), so totals never go down while stopped namespaces do not
    /// pile up.
    pub fn retire_endpoint(&self, name: &str, pattern: &str) {
        let mut list = self.endpoints.write().unwrap_or_else(|e| e.into_inner());
        let Some(i) = list.iter().position(|e| e.name == name) else {
            return;
        };
        let gone = list.remove(i);
        if let Some(into) = list.iter().find(|e| e.name == pattern) {
            into.absorb(&gone);
        }
    }

    /// The counters of pattern entry `name`, created on first use.
    pub fn pattern(&self, name: &str) -> Arc<PatternStats> {
        let mut list = self.patterns.write().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = list.iter().find(|p| p.name == name) {
            return p.clone();
        }
        let p = Arc::new(PatternStats {
            name: name.to_string(),
            ..PatternStats::default()
        });
        list.push(p.clone());
        p
    }

    /// Count a session opened on `transport` speaking `generation`.
    pub fn session_opened(&self, transport: TransportKind, generation: Generation) {
        self.sessions_opened.fetch_add(1, Relaxed);
        self.opened_by_transport[transport_index(transport)].fetch_add(1, Relaxed);
        self.opened_by_generation[generation_index(generation)].fetch_add(1, Relaxed);
        self.rate_sessions.add(self.now(), 1);
    }

    /// Count a session closed for `reason`.
    pub fn session_closed(&self, reason: CloseReason) {
        self.sessions_closed[close_index(reason)].fetch_add(1, Relaxed);
    }

    /// Count one Engine.IO packet decoded from a client.
    pub fn packet_in(&self) {
        self.packets_in.fetch_add(1, Relaxed);
        self.rate_packets_in.add(self.now(), 1);
    }

    /// Count `n` Engine.IO packets handed to a transport.
    pub fn packets_out(&self, n: usize) {
        self.packets_out.fetch_add(n as u64, Relaxed);
        self.rate_packets_out.add(self.now(), n as u64);
    }

    /// Count `n` body bytes received.
    pub fn bytes_in(&self, n: usize) {
        self.bytes_in.fetch_add(n as u64, Relaxed);
        self.rate_bytes_in.add(self.now(), n as u64);
    }

    /// Count `n` body bytes sent.
    pub fn bytes_out(&self, n: usize) {
        self.bytes_out.fetch_add(n as u64, Relaxed);
        self.rate_bytes_out.add(self.now(), n as u64);
    }

    /// Add `delta` (negative when frames leave) to the outbound queue gauge.
    pub fn queued(&self, delta: i64) {
        self.outbound_queued.fetch_add(delta, Relaxed);
    }

    fn closed_total(&self) -> u64 {
        self.sessions_closed.iter().map(|c| c.load(Relaxed)).sum()
    }

    /// Engine.IO sessions open now.
    pub fn sessions_open(&self) -> u64 {
        let opened = self.sessions_opened.load(Relaxed);
        opened.saturating_sub(self.closed_total())
    }
}

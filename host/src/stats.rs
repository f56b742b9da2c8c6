//! Counters and gauges for operators: one [`Stats`] of atomics shared through
//! [`crate::server::ServerState`] (the per-message path takes no lock), read
//! as `/stats` JSON and `/metrics` in the Prometheus text format (see
//! docs/stats.md).
//!
//! Each fact is counted in the layer that already knows it: sessions in
//! `session.rs`, bytes in the transports, packets in the session, handler
//! calls in the endpoint actor, reloads in the reload pipeline.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::session::{CloseReason, Generation, TransportKind};

/// The `Content-Type` of `/metrics`: the Prometheus text format 0.0.4.
pub const PROMETHEUS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Every close reason, in the order of [`Stats::closed`].
pub const CLOSE_REASONS: [CloseReason; 7] = [
    CloseReason::ClientClose,
    CloseReason::TransportClose,
    CloseReason::TransportError,
    CloseReason::PingTimeout,
    CloseReason::ParseError,
    CloseReason::ConnectTimeout,
    CloseReason::SlowConsumer,
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
        Generation::Legacy => 2,
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
    pub calls: AtomicU64,
    pub traps: AtomicU64,
    pub deadlines: AtomicU64,
    pub memory: AtomicU64,
    pub fuel: AtomicU64,
    pub errors: AtomicU64,
    /// Non-cumulative: bucket i counts calls at or under
    /// `LATENCY_BUCKETS_US[i]` and over the one before; the last is +Inf.
    pub buckets: [AtomicU64; LATENCY_BUCKETS_US.len() + 1],
    pub sum_us: AtomicU64,
}

/// One endpoint's handler calls, held by its actor and listed in [`Stats`].
pub struct EndpointStats {
    pub name: String,
    pub exports: [ExportStats; EXPORTS.len()],
    /// Socket.IO connects to this endpoint its handler accepted / refused
    /// (a failed on-connect call refuses too).
    pub connects: AtomicU64,
    pub connects_refused: AtomicU64,
    /// Instances rebuilt after a failed call.
    pub rebuilds: AtomicU64,
    /// Commands waiting in the endpoint's queue (a gauge).
    pub queued: AtomicI64,
    /// Host calls refused, by `host-error` (in the order of [`HOST_ERRORS`]).
    pub host_errors: [AtomicU64; HOST_ERRORS.len()],
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

impl AdapterStats {
    fn to_json(&self) -> Value {
        json!({
            "kind": if self.redis.load(Relaxed) { "redis" } else { "local" },
            "connected": self.connected.load(Relaxed),
            "published": self.published.load(Relaxed),
            "lost": self.lost.load(Relaxed),
            "received": self.received.load(Relaxed),
            "malformed": self.malformed.load(Relaxed),
            "reconnects": self.reconnects.load(Relaxed),
        })
    }

    fn metrics(&self) -> [(&'static str, &'static str, &'static str, u64); 6] {
        [
            (
                "adapter_connected",
                "gauge",
                "1 while the Redis adapter is subscribed to the cluster.",
                u64::from(self.connected.load(Relaxed)),
            ),
            (
                "adapter_published_total",
                "counter",
                "Messages published to Redis.",
                self.published.load(Relaxed),
            ),
            (
                "adapter_lost_total",
                "counter",
                "Messages for other nodes lost while Redis was unreachable.",
                self.lost.load(Relaxed),
            ),
            (
                "adapter_received_total",
                "counter",
                "Broadcasts and requests received from other nodes.",
                self.received.load(Relaxed),
            ),
            (
                "adapter_malformed_total",
                "counter",
                "Messages from Redis that did not decode.",
                self.malformed.load(Relaxed),
            ),
            (
                "adapter_reconnects_total",
                "counter",
                "Times the Redis subscription was restored.",
                self.reconnects.load(Relaxed),
            ),
        ]
    }
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
    pub bytes_out: AtomicU64,
    pub reloads_ok: AtomicU64,
    pub reloads_refused: AtomicU64,
    /// Sessions dropped for not reading their queue (over
    /// `--max-outbound-queue` bytes waiting).
    pub slow_consumer_disconnects: AtomicU64,
    /// Frames waiting in outbound queues, over all sessions.
    pub outbound_queued: AtomicI64,
    /// Socket.IO connects to a namespace no endpoint serves.
    pub unknown_namespace: AtomicU64,
    /// The Redis adapter's traffic (`--redis`); all 0 without it.
    pub adapter: AdapterStats,
    endpoints: RwLock<Vec<Arc<EndpointStats>>>,
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
            outbound_queued: AtomicI64::new(0),
            unknown_namespace: AtomicU64::new(0),
            adapter: AdapterStats::default(),
            endpoints: RwLock::new(Vec::new()),
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
        let mut list = self.endpoints.write().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = list.iter().find(|e| e.name == name) {
            return e.clone();
        }
        let e = Arc::new(EndpointStats {
            name: name.to_string(),
            exports: Default::default(),
            connects: AtomicU64::new(0),
            connects_refused: AtomicU64::new(0),
            rebuilds: AtomicU64::new(0),
            queued: AtomicI64::new(0),
            host_errors: Default::default(),
            calls_rate: self.rate_calls.clone(),
            clock: self.clock,
        });
        list.push(e.clone());
        list.sort_by(|a, b| a.name.cmp(&b.name));
        e
    }

    pub fn session_opened(&self, transport: TransportKind, generation: Generation) {
        self.sessions_opened.fetch_add(1, Relaxed);
        self.opened_by_transport[transport_index(transport)].fetch_add(1, Relaxed);
        self.opened_by_generation[generation_index(generation)].fetch_add(1, Relaxed);
        self.rate_sessions.add(self.now(), 1);
    }

    pub fn session_closed(&self, reason: CloseReason) {
        self.sessions_closed[close_index(reason)].fetch_add(1, Relaxed);
    }

    pub fn packet_in(&self) {
        self.packets_in.fetch_add(1, Relaxed);
        self.rate_packets_in.add(self.now(), 1);
    }

    pub fn packets_out(&self, n: usize) {
        self.packets_out.fetch_add(n as u64, Relaxed);
        self.rate_packets_out.add(self.now(), n as u64);
    }

    pub fn bytes_in(&self, n: usize) {
        self.bytes_in.fetch_add(n as u64, Relaxed);
        self.rate_bytes_in.add(self.now(), n as u64);
    }

    pub fn bytes_out(&self, n: usize) {
        self.bytes_out.fetch_add(n as u64, Relaxed);
        self.rate_bytes_out.add(self.now(), n as u64);
    }

    pub fn queued(&self, delta: i64) {
        self.outbound_queued.fetch_add(delta, Relaxed);
    }

    fn closed_total(&self) -> u64 {
        self.sessions_closed.iter().map(|c| c.load(Relaxed)).sum()
    }

    /// The `/stats` document (schema: docs/stats.md).
    pub fn to_json(&self) -> Value {
        let now = self.now();
        let opened = self.sessions_opened.load(Relaxed);
        let closed_total = self.closed_total();
        let mut closed = Map::new();
        for r in CLOSE_REASONS {
            closed.insert(
                close_label(r).into(),
                self.sessions_closed[close_index(r)].load(Relaxed).into(),
            );
        }
        let pair = |names: &[&str], v: &[AtomicU64]| {
            let mut m = Map::new();
            for (n, c) in names.iter().zip(v) {
                m.insert((*n).into(), c.load(Relaxed).into());
            }
            Value::Object(m)
        };
        let rate = |r: &Rate| {
            let (s, m) = r.rates(now);
            json!({ "per_second": s, "per_minute": m })
        };
        let mut endpoints = Map::new();
        let (mut traps, mut deadlines, mut calls) = (0u64, 0u64, 0u64);
        let (mut memory, mut fuel, mut rebuilds, mut host_errors) = (0u64, 0u64, 0u64, 0u64);
        let (mut connects, mut refused) = (0u64, 0u64);
        for ep in self
            .endpoints
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let (c, r) = (ep.connects.load(Relaxed), ep.connects_refused.load(Relaxed));
            connects += c;
            refused += r;
            let mut exports = Map::new();
            for (name, e) in EXPORTS.iter().zip(&ep.exports) {
                let n = e.calls.load(Relaxed);
                if n == 0 {
                    continue;
                }
                calls += n;
                traps += e.traps.load(Relaxed);
                deadlines += e.deadlines.load(Relaxed);
                memory += e.memory.load(Relaxed);
                fuel += e.fuel.load(Relaxed);
                let buckets: Vec<Value> =
                    e.buckets.iter().map(|b| b.load(Relaxed).into()).collect();
                exports.insert(
                    (*name).into(),
                    json!({
                        "calls": n,
                        "traps": e.traps.load(Relaxed),
                        "deadlines": e.deadlines.load(Relaxed),
                        "memory": e.memory.load(Relaxed),
                        "fuel": e.fuel.load(Relaxed),
                        "errors": e.errors.load(Relaxed),
                        "latency_us": {
                            "bounds": LATENCY_BUCKETS_US,
                            "counts": buckets,
                            "sum": e.sum_us.load(Relaxed),
                        },
                    }),
                );
            }
            let mut refusals = Map::new();
            for (name, n) in HOST_ERRORS.iter().zip(&ep.host_errors) {
                let n = n.load(Relaxed);
                host_errors += n;
                refusals.insert((*name).into(), n.into());
            }
            let rebuilt = ep.rebuilds.load(Relaxed);
            rebuilds += rebuilt;
            endpoints.insert(
                ep.name.clone(),
                json!({
                    "connects": c,
                    "connects_refused": r,
                    "rebuilds": rebuilt,
                    "queue_depth": ep.queued.load(Relaxed).max(0),
                    "host_errors": refusals,
                    "exports": exports,
                }),
            );
        }
        json!({
            "uptime_seconds": self.started.elapsed().as_secs_f64(),
            "sessions": {
                "active": opened.saturating_sub(closed_total),
                "opened": opened,
                "closed": closed_total,
                "closed_by_reason": closed,
            },
            "connections": {
                "by_transport": pair(&TRANSPORTS, &self.opened_by_transport),
                "by_generation": pair(&GENERATIONS, &self.opened_by_generation),
                "upgrades": self.upgrades.load(Relaxed),
            },
            "namespace_connects": {
                "ok": connects,
                "refused": refused,
                "unknown_namespace": self.unknown_namespace.load(Relaxed),
            },
            "packets": { "in": self.packets_in.load(Relaxed), "out": self.packets_out.load(Relaxed) },
            "bytes": { "in": self.bytes_in.load(Relaxed), "out": self.bytes_out.load(Relaxed) },
            "handlers": {
                "calls": calls,
                "traps": traps,
                "deadlines": deadlines,
                "memory": memory,
                "fuel": fuel,
                "rebuilds": rebuilds,
                "host_errors": host_errors,
                "endpoints": endpoints,
            },
            "reloads": {
                "ok": self.reloads_ok.load(Relaxed),
                "refused": self.reloads_refused.load(Relaxed),
            },
            "slow_consumer_disconnects": self.slow_consumer_disconnects.load(Relaxed),
            "outbound_queue_depth": self.outbound_queued.load(Relaxed).max(0),
            "adapter": self.adapter.to_json(),
            "rates": {
                "window_seconds": RATE_WINDOW_SECS,
                "packets_in": rate(&self.rate_packets_in),
                "packets_out": rate(&self.rate_packets_out),
                "bytes_in": rate(&self.rate_bytes_in),
                "bytes_out": rate(&self.rate_bytes_out),
                "sessions_opened": rate(&self.rate_sessions),
                "handler_calls": rate(&self.rate_calls),
            },
        })
    }

    /// `/metrics` in the Prometheus text exposition format (0.0.4).
    pub fn to_prometheus(&self) -> String {
        let mut o = String::new();
        let now = self.now();
        let metric = |o: &mut String, name: &str, kind: &str, help: &str| {
            let _ = writeln!(o, "# HELP sio_{name} {help}\n# TYPE sio_{name} {kind}");
        };
        let opened = self.sessions_opened.load(Relaxed);
        metric(
            &mut o,
            "sessions_active",
            "gauge",
            "Engine.IO sessions open now.",
        );
        let _ = writeln!(
            o,
            "sio_sessions_active {}",
            opened.saturating_sub(self.closed_total())
        );
        metric(
            &mut o,
            "sessions_opened_total",
            "counter",
            "Engine.IO sessions opened.",
        );
        let _ = writeln!(o, "sio_sessions_opened_total {opened}");
        metric(
            &mut o,
            "sessions_closed_total",
            "counter",
            "Engine.IO sessions closed, by reason.",
        );
        for r in CLOSE_REASONS {
            let _ = writeln!(
                o,
                "sio_sessions_closed_total{{reason=\"{}\"}} {}",
                close_label(r),
                self.sessions_closed[close_index(r)].load(Relaxed)
            );
        }
        metric(
            &mut o,
            "connections_total",
            "counter",
            "Sessions opened, by first transport.",
        );
        for (n, c) in TRANSPORTS.iter().zip(&self.opened_by_transport) {
            let _ = writeln!(
                o,
                "sio_connections_total{{transport=\"{n}\"}} {}",
                c.load(Relaxed)
            );
        }
        metric(
            &mut o,
            "connections_by_generation_total",
            "counter",
            "Sessions opened, by protocol generation.",
        );
        for (n, c) in GENERATIONS.iter().zip(&self.opened_by_generation) {
            let _ = writeln!(
                o,
                "sio_connections_by_generation_total{{generation=\"{n}\"}} {}",
                c.load(Relaxed)
            );
        }
        let simple: [(&str, &str, &str, u64); 9] = [
            (
                "upgrades_total",
                "counter",
                "Polling sessions upgraded to websocket.",
                self.upgrades.load(Relaxed),
            ),
            (
                "packets_in_total",
                "counter",
                "Engine.IO packets received.",
                self.packets_in.load(Relaxed),
            ),
            (
                "packets_out_total",
                "counter",
                "Engine.IO packets sent.",
                self.packets_out.load(Relaxed),
            ),
            (
                "bytes_in_total",
                "counter",
                "Bytes received in polling bodies and websocket messages.",
                self.bytes_in.load(Relaxed),
            ),
            (
                "bytes_out_total",
                "counter",
                "Bytes sent in polling bodies and websocket messages.",
                self.bytes_out.load(Relaxed),
            ),
            (
                "reloads_ok_total",
                "counter",
                "Hot reloads that swapped in a new version.",
                self.reloads_ok.load(Relaxed),
            ),
            (
                "reloads_refused_total",
                "counter",
                "Hot reloads refused.",
                self.reloads_refused.load(Relaxed),
            ),
            (
                "slow_consumer_disconnects_total",
                "counter",
                "Sessions dropped for not reading their queue.",
                self.slow_consumer_disconnects.load(Relaxed),
            ),
            (
                "outbound_queue_depth",
                "gauge",
                "Frames waiting in outbound queues.",
                self.outbound_queued.load(Relaxed).max(0) as u64,
            ),
        ];
        for (name, kind, help, v) in simple.into_iter().chain(self.adapter.metrics()) {
            metric(&mut o, name, kind, help);
            let _ = writeln!(o, "sio_{name} {v}");
        }
        let endpoints = self
            .endpoints
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        metric(
            &mut o,
            "unknown_namespace_total",
            "counter",
            "Socket.IO connects to a namespace no endpoint serves.",
        );
        let _ = writeln!(
            o,
            "sio_unknown_namespace_total {}",
            self.unknown_namespace.load(Relaxed)
        );
        metric(
            &mut o,
            "namespace_connects_total",
            "counter",
            "Socket.IO connects, by endpoint and verdict.",
        );
        for ep in &endpoints {
            for (verdict, c) in [("ok", &ep.connects), ("refused", &ep.connects_refused)] {
                let _ = writeln!(
                    o,
                    "sio_namespace_connects_total{{endpoint=\"{}\",verdict=\"{verdict}\"}} {}",
                    escape(&ep.name),
                    c.load(Relaxed)
                );
            }
        }
        metric(
            &mut o,
            "handler_failures_total",
            "counter",
            "Failed guest calls, by endpoint, export and kind.",
        );
        for ep in &endpoints {
            for (name, e) in EXPORTS.iter().zip(&ep.exports) {
                if e.calls.load(Relaxed) == 0 {
                    continue;
                }
                for (kind, c) in [
                    ("trap", &e.traps),
                    ("deadline", &e.deadlines),
                    ("memory", &e.memory),
                    ("fuel", &e.fuel),
                    ("error", &e.errors),
                ] {
                    let _ = writeln!(
                        o,
                        "sio_handler_failures_total{{endpoint=\"{}\",export=\"{name}\",kind=\"{kind}\"}} {}",
                        escape(&ep.name),
                        c.load(Relaxed)
                    );
                }
            }
        }
        // One value per endpoint.
        let per_endpoint: [(&str, &str, &str, EndpointValue); 2] = [
            (
                "handler_rebuilds_total",
                "counter",
                "Handler instances rebuilt after a failed call, by endpoint.",
                |ep| ep.rebuilds.load(Relaxed),
            ),
            (
                "endpoint_queue_depth",
                "gauge",
                "Commands waiting for an endpoint's handler.",
                |ep| ep.queued.load(Relaxed).max(0) as u64,
            ),
        ];
        for (name, kind, help, value) in per_endpoint {
            metric(&mut o, name, kind, help);
            for ep in &endpoints {
                let _ = writeln!(
                    o,
                    "sio_{name}{{endpoint=\"{}\"}} {}",
                    escape(&ep.name),
                    value(ep)
                );
            }
        }
        metric(
            &mut o,
            "host_call_refusals_total",
            "counter",
            "Host calls refused to handlers, by endpoint and host-error.",
        );
        for ep in &endpoints {
            for (name, c) in HOST_ERRORS.iter().zip(&ep.host_errors) {
                let _ = writeln!(
                    o,
                    "sio_host_call_refusals_total{{endpoint=\"{}\",error=\"{name}\"}} {}",
                    escape(&ep.name),
                    c.load(Relaxed)
                );
            }
        }
        metric(
            &mut o,
            "handler_call_seconds",
            "histogram",
            "Guest call latency, by endpoint and export.",
        );
        for ep in &endpoints {
            for (name, e) in EXPORTS.iter().zip(&ep.exports) {
                let calls = e.calls.load(Relaxed);
                if calls == 0 {
                    continue;
                }
                let labels = format!("endpoint=\"{}\",export=\"{name}\"", escape(&ep.name));
                let mut cumulative = 0;
                for (i, b) in e.buckets.iter().enumerate() {
                    cumulative += b.load(Relaxed);
                    let le = match LATENCY_BUCKETS_US.get(i) {
                        Some(us) => format!("{}", *us as f64 / 1e6),
                        None => "+Inf".into(),
                    };
                    let _ = writeln!(
                        o,
                        "sio_handler_call_seconds_bucket{{{labels},le=\"{le}\"}} {cumulative}"
                    );
                }
                let _ = writeln!(
                    o,
                    "sio_handler_call_seconds_sum{{{labels}}} {}",
                    e.sum_us.load(Relaxed) as f64 / 1e6
                );
                let _ = writeln!(o, "sio_handler_call_seconds_count{{{labels}}} {calls}");
            }
        }
        metric(
            &mut o,
            "rate_per_second",
            "gauge",
            "Events per second over the sliding window.",
        );
        let rates = [
            ("packets_in", &self.rate_packets_in),
            ("packets_out", &self.rate_packets_out),
            ("bytes_in", &self.rate_bytes_in),
            ("bytes_out", &self.rate_bytes_out),
            ("sessions_opened", &self.rate_sessions),
            ("handler_calls", &self.rate_calls),
        ];
        for (n, r) in rates {
            let _ = writeln!(o, "sio_rate_per_second{{what=\"{n}\"}} {}", r.rates(now).0);
        }
        metric(&mut o, "rate_per_minute", "gauge", "Events per minute.");
        for (n, r) in rates {
            let _ = writeln!(o, "sio_rate_per_minute{{what=\"{n}\"}} {}", r.rates(now).1);
        }
        o
    }
}

/// Reads one value of an endpoint's counters (for `/metrics`).
type EndpointValue = fn(&EndpointStats) -> u64;

/// A Prometheus label value: backslash, quote and newline escaped.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_counts_complete_seconds_of_the_window() {
        let r = Rate::default();
        r.add(5, 10);
        r.add(6, 20);
        r.add(7, 1000); // the current second is not counted yet
        assert_eq!(r.sum(7, RATE_WINDOW_SECS), 30);
        // 61 seconds later the buckets are stale.
        assert_eq!(r.sum(68, RATE_WINDOW_SECS), 0);
        r.add(65, 4);
        assert_eq!(r.sum(66, 1), 4);
    }

    #[test]
    fn limits_rebuilds_and_refusals() {
        let s = Stats::default();
        let ep = s.endpoint("/x");
        ep.record("on-event", Duration::from_micros(10), CallOutcome::Memory);
        ep.record("on-event", Duration::from_micros(10), CallOutcome::Fuel);
        ep.record("snapshot", Duration::from_micros(10), CallOutcome::Ok);
        ep.rebuilds.fetch_add(2, Relaxed);
        ep.host_errors[5].fetch_add(3, Relaxed);
        let j = s.to_json();
        let x = &j["handlers"]["endpoints"]["/x"];
        assert_eq!(x["exports"]["on-event"]["memory"], 1);
        assert_eq!(x["exports"]["on-event"]["fuel"], 1);
        assert_eq!(x["exports"]["snapshot"]["calls"], 1);
        assert_eq!(x["rebuilds"], 2);
        assert_eq!(x["host_errors"]["limit_exceeded"], 3);
        assert_eq!(x["host_errors"]["unknown_conn"], 0);
        assert_eq!(
            (&j["handlers"]["memory"], &j["handlers"]["fuel"]),
            (&json!(1), &json!(1))
        );
        assert_eq!(j["handlers"]["host_errors"], 3);
        assert_eq!(j["sessions"]["closed_by_reason"]["slow_consumer"], 0);
        let text = s.to_prometheus();
        assert!(
            text.contains(
                "sio_host_call_refusals_total{endpoint=\"/x\",error=\"limit_exceeded\"} 3"
            )
        );
        assert!(text.contains("sio_handler_rebuilds_total{endpoint=\"/x\"} 2"));
        assert!(text.contains(
            "sio_handler_failures_total{endpoint=\"/x\",export=\"on-event\",kind=\"fuel\"} 1"
        ));
    }

    #[test]
    fn latency_buckets_and_failures() {
        let s = Stats::default();
        let ep = s.endpoint("/");
        ep.record("on-event", Duration::from_micros(40), CallOutcome::Ok);
        ep.record("on-event", Duration::from_secs(5), CallOutcome::Deadline);
        let j = s.to_json();
        let e = &j["handlers"]["endpoints"]["/"]["exports"]["on-event"];
        assert_eq!(e["calls"], 2);
        assert_eq!(e["deadlines"], 1);
        assert_eq!(e["latency_us"]["counts"][0], 1);
        assert_eq!(e["latency_us"]["counts"][LATENCY_BUCKETS_US.len()], 1);
        assert_eq!(j["handlers"]["deadlines"], 1);
        let text = s.to_prometheus();
        assert!(text.contains(
            "sio_handler_call_seconds_bucket{endpoint=\"/\",export=\"on-event\",le=\"+Inf\"} 2"
        ));
    }
}

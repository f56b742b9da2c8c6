//! loadgen: drives a Socket.IO server (or a bare websocket echo) with N
//! clients and reports throughput, latency, the server's CPU use and RSS.
//!
//! Workloads (see bench/README.md):
//!
//! - `echo`: every client emits `echo` with an ack id and a small object,
//!   waits for the ack, repeats (closed loop, one request in flight per
//!   client). Reports acks/s and the round-trip latency.
//! - `broadcast`: client 0 emits `broadcast`; the server sends it to every
//!   client (client 0 included). At most `--window` broadcasts are in flight
//!   (a broadcast counts as done when N deliveries have arrived). Reports
//!   deliveries/s and the fan-out latency (emit to each delivery).
//! - `idle`: open N connections, hold them (answering pings), report the
//!   server's RSS.
//!
//! With `--rate` echo and broadcast run open-loop instead: emits go out on a
//! fixed schedule whatever the answers do (see [`Pace`]), so every server is
//! measured at the same offered load, and latency counts from the scheduled
//! time (no coordinated omission).
//!
//! Next to the server's CPU time the loadgen reports its own, and the cores
//! it may use: a run where it used more than [`LOAD_BOUND_PCT`] of them is
//! `loadgen_bound` (it, not the server, may have set the pace).
//!
//! One JSON line per run on stdout; a human summary on stderr.

mod client;
mod deflate_ws;
mod http;
mod msgpack;
mod net;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use hdrhistogram::Histogram;
use serde_json::json;
use tokio::sync::{Notify, Semaphore, mpsc, watch};

use client::{Client, Kind, Target, Transport, json_u64_field};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Workload {
    Echo,
    Broadcast,
    Idle,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Filler {
    X,
    Words,
}

/// `n` bytes of filler: `x`s, or words picked by a fixed pseudo-random
/// sequence (the same run to run).
fn filler(kind: Filler, n: usize) -> String {
    if kind == Filler::X {
        return "x".repeat(n);
    }
    const WORDS: [&str; 32] = [
        "time",
        "person",
        "year",
        "way",
        "day",
        "thing",
        "man",
        "world",
        "life",
        "hand",
        "part",
        "child",
        "eye",
        "woman",
        "place",
        "work",
        "week",
        "case",
        "point",
        "government",
        "company",
        "number",
        "group",
        "problem",
        "fact",
        "be",
        "have",
        "do",
        "say",
        "get",
        "make",
        "go",
    ];
    let mut out = String::with_capacity(n + 16);
    let mut seed: u32 = 12345;
    while out.len() < n {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        out.push_str(WORDS[(seed >> 16) as usize % WORDS.len()]);
        out.push(' ');
    }
    out.truncate(n);
    out
}

#[derive(Parser, Debug)]
#[command(about = "Load generator for sio-host's side-by-side benchmarks")]
struct Cli {
    /// What to run.
    #[arg(long, value_enum)]
    workload: Workload,
    /// Server address.
    #[arg(long, default_value = "127.0.0.1:8000")]
    addr: SocketAddr,
    /// More servers of one cluster (repeatable): client i connects to the
    /// i-th address round-robin over `--addr` and these, client 0 (the
    /// broadcast sender) to `--addr`. For cross-node broadcasts through
    /// `sio-host --redis`.
    #[arg(long = "also-addr", value_name = "ADDR")]
    also_addrs: Vec<SocketAddr>,
    /// Engine.IO path.
    #[arg(long, default_value = "/socket.io/")]
    path: String,
    #[arg(long, value_enum, default_value = "websocket")]
    transport: Transport,
    /// The clients' Socket.IO parser: `json` (socket.io-parser) or
    /// `msgpack` (socket.io-msgpack-parser: each packet one binary message;
    /// the server must serve it on `--path`, e.g. `sio-host run --parser
    /// msgpack`).
    #[arg(long, value_enum, default_value = "json")]
    parser: msgpack::WireParser,
    /// Same as `--transport raw-ws`: a bare websocket echo server, no Socket.IO.
    #[arg(long)]
    raw_ws: bool,
    /// Websocket: offer permessage-deflate (as browsers do), inflate the
    /// server's compressed messages, compress what is sent from 1024 bytes
    /// up.
    #[arg(long)]
    deflate: bool,
    /// What the payload's filler is: `x` repeated (compresses ~100x) or
    /// English-like words (compresses about as text does).
    #[arg(long, value_enum, default_value = "x")]
    filler: Filler,
    /// Number of clients.
    #[arg(long, short = 'n', default_value_t = 100)]
    clients: usize,
    /// Seconds measured (echo, broadcast).
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Seconds of load before measuring (echo, broadcast).
    #[arg(long, default_value_t = 3.0)]
    warmup: f64,
    /// Bytes of filler in each payload (the JSON object is ~30 bytes more).
    #[arg(long, default_value_t = 32)]
    payload: usize,
    /// Broadcasts in flight at most (1: the next is emitted when the
    /// previous one reached every client, so the latency is one fan-out's;
    /// more keeps the server busy and lets it batch writes). With `--rate`,
    /// echo too: the acks one client may wait for at once.
    #[arg(long, default_value_t = 4)]
    window: u64,
    /// Open loop at a fixed offered rate: echo emits per second over all
    /// clients (each client 1/N of them, staggered), or broadcasts per
    /// second from client 0. Without it echo and broadcast are closed loops.
    #[arg(long)]
    rate: Option<f64>,
    /// Seconds to hold the idle connections before reading RSS.
    #[arg(long, default_value_t = 5.0)]
    hold: f64,
    /// The server's pid: its RSS and CPU time are read from /proc.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Name of the server in the report.
    #[arg(long, default_value = "server")]
    label: String,
    /// Connections being opened at once.
    #[arg(long, default_value_t = 200)]
    connect_concurrency: usize,
    /// TCP connections per loopback source address (127.0.0.2, .3, ... are
    /// used when more are needed than this).
    #[arg(long, default_value_t = 25_000)]
    per_ip: usize,
    /// Give up on connecting after this many seconds.
    #[arg(long, default_value_t = 180.0)]
    connect_timeout: f64,
}

/// A run in which the loadgen used more than this share of the cores it may
/// use is `loadgen_bound`: it may have been what set the pace.
const LOAD_BOUND_PCT: f64 = 80.0;

/// With `--rate`, an emit is `behind` when it went out after the same
/// client's next one was due (it missed its slot: the window was full, or
/// the loadgen was short of CPU), and at least this late: twice tokio's
/// timer resolution (1 ms), so that a timer firing on its next tick is not
/// counted.
const LATE: Duration = Duration::from_millis(2);

/// `rate_met`: at most this share of the emits behind ...
const RATE_MET_BEHIND_PCT: f64 = 1.0;
/// ... and at least this share of the offered rate achieved.
const RATE_MET_SHARE: f64 = 0.95;

/// How long before a scheduled broadcast the measured window of a
/// broadcast at `--rate` starts (and ends).
const ALIGN: Duration = Duration::from_millis(5);

const WAIT: u8 = 0;
const WARMUP: u8 = 1;
const MEASURE: u8 = 2;
const STOP: u8 = 3;

struct Shared {
    /// Time base of the broadcast timestamps.
    epoch: Instant,
    phase: watch::Sender<u8>,
    phase_now: AtomicU8,
    hist: Mutex<Histogram<u64>>,
    /// Acks (echo) or deliveries (broadcast) completed while measuring.
    measured: AtomicU64,
    /// Broadcast deliveries since the start.
    delivered: AtomicU64,
    /// Acks and deliveries since the start (the stall check).
    ops: AtomicU64,
    /// Emits (echo with `--rate`) or broadcasts sent while measuring.
    sent_measured: AtomicU64,
    /// With `--rate`: emits sent while measuring that missed their slot
    /// ([`Pace::late`]).
    behind: AtomicU64,
    /// With `--rate`: how late emits went out (scheduled time to written).
    lag: Mutex<Histogram<u64>>,
    /// When the schedule of `--rate` starts (the warm-up's start).
    start: std::sync::OnceLock<Instant>,
    /// Clients connected (the broadcast fan-out).
    fanout: AtomicU64,
    /// Wakes the broadcast sender when a broadcast completed.
    progress: Notify,
    errors: AtomicU64,
    first_error: Mutex<Option<String>>,
}

fn record(hist: &Mutex<Histogram<u64>>, d: Duration) {
    let ns = (d.as_nanos() as u64).clamp(1, 3_600_000_000_000);
    let _ = hist.lock().unwrap().record(ns);
}

/// An open-loop schedule: emit `k` is due `(k * stride + offset) / rate`
/// seconds after the warm-up started. Echo client `i` of `N` has stride `N`
/// and offset `i` (the clients' emits interleave evenly and add up to the
/// rate), the broadcast sender stride 1 and offset 0.
#[derive(Clone, Copy)]
struct Pace {
    rate: f64,
    stride: u64,
    offset: u64,
}

impl Pace {
    fn due(&self, start: Instant, k: u64) -> Instant {
        start + Duration::from_secs_f64((k * self.stride + self.offset) as f64 / self.rate)
    }

    /// How late an emit may go out before it counts as behind: one of this
    /// schedule's periods, at least [`LATE`].
    fn late(&self) -> Duration {
        Duration::from_secs_f64(self.stride as f64 / self.rate).max(LATE)
    }
}

impl Shared {
    fn phase(&self) -> u8 {
        self.phase_now.load(Ordering::Relaxed)
    }

    fn set_phase(&self, p: u8) {
        self.phase_now.store(p, Ordering::Relaxed);
        self.phase.send_replace(p);
    }

    fn record(&self, latency: Duration) {
        record(&self.hist, latency);
    }

    /// An emit written `lag` after its scheduled time, `measuring` or not.
    fn sent_late(&self, pace: &Pace, lag: Duration, measuring: bool) {
        if measuring {
            self.sent_measured.fetch_add(1, Ordering::Relaxed);
            record(&self.lag, lag);
            if lag > pace.late() {
                self.behind.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn error(&self, e: &anyhow::Error) {
        if self.errors.fetch_add(1, Ordering::Relaxed) == 0 {
            *self.first_error.lock().unwrap() = Some(format!("{e:#}"));
        }
    }
}

fn main() -> Result<()> {
    let mut cli = Cli::parse();
    if cli.raw_ws {
        cli.transport = Transport::RawWs;
    }
    msgpack::set(cli.parser);
    raise_nofile();
    let cores = allowed_cores();
    // On one core (run.sh's `taskset -c 0`) everything runs on the thread
    // that calls block_on: no worker thread to hand the tasks to, no
    // cross-thread wake-ups, which lowers the loadgen's CPU per message.
    let rt = if cores == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(cores)
            .enable_all()
            .build()?
    };
    let report = rt.block_on(run(&cli, cores))?;
    println!("{report}");
    // Connections still open are dropped with the process.
    std::process::exit(0);
}

fn raise_nofile() {
    // SAFETY: plain getrlimit/setrlimit on a local struct.
    unsafe {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

/// The cores this process may run on (`sched_getaffinity`: what `taskset`
/// allowed), at least 1.
fn allowed_cores() -> usize {
    // SAFETY: a zeroed cpu_set_t is a valid empty set; sched_getaffinity
    // fills at most its size.
    let n = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) == 0 {
            libc::CPU_COUNT(&set) as usize
        } else {
            0
        }
    };
    if n > 0 {
        n
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}

fn nofile() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: as above.
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    lim.rlim_cur
}

/// What an echo emit sends: the object `{"seq":N,"data":"xxx..."}`, as a
/// bare frame (`raw`) or in the Socket.IO event `42N["echo",{...}]` whose ack
/// id is N too; built in one allocation (it is on the loadgen's hot path).
fn echo_text(raw: bool, id: u64, filler: &str) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(filler.len() + 64);
    if !raw {
        let _ = write!(s, "42{id}[\"echo\",");
    }
    let _ = write!(s, "{{\"seq\":{id},\"data\":\"{filler}\"}}");
    if !raw {
        s.push(']');
    }
    s
}

async fn run(cli: &Cli, cores: usize) -> Result<serde_json::Value> {
    if cli.clients == 0 {
        bail!("--clients must be at least 1");
    }
    if let Some(rate) = cli.rate {
        if !(rate > 0.0 && rate.is_finite()) {
            bail!("--rate must be a positive number");
        }
        if cli.workload == Workload::Idle {
            bail!("--rate is for echo and broadcast");
        }
    }
    let sockets = cli.clients * cli.transport.sockets_per_client();
    if sockets as u64 + 100 > nofile() {
        eprintln!(
            "loadgen: warning: {sockets} sockets but `ulimit -n` is {}; raise it (bench/run.sh does)",
            nofile()
        );
    }
    if cli.workload == Workload::Broadcast && cli.transport == Transport::RawWs {
        eprintln!("loadgen: raw-ws broadcast: frames starting with 'B' are fanned out by ws-echo");
    }
    let targets: Vec<Target> = std::iter::once(cli.addr)
        .chain(cli.also_addrs.iter().copied())
        .map(|addr| Target {
            addr,
            path: cli.path.clone(),
            transport: cli.transport,
            deflate: cli.deflate,
        })
        .collect();
    let (phase_tx, _) = watch::channel(WAIT);
    let shared = Arc::new(Shared {
        epoch: Instant::now(),
        phase: phase_tx,
        phase_now: AtomicU8::new(WAIT),
        hist: Mutex::new(Histogram::new_with_bounds(1, 3_600_000_000_000, 3)?),
        measured: AtomicU64::new(0),
        delivered: AtomicU64::new(0),
        ops: AtomicU64::new(0),
        sent_measured: AtomicU64::new(0),
        behind: AtomicU64::new(0),
        lag: Mutex::new(Histogram::new_with_bounds(1, 3_600_000_000_000, 3)?),
        start: std::sync::OnceLock::new(),
        fanout: AtomicU64::new(0),
        progress: Notify::new(),
        errors: AtomicU64::new(0),
        first_error: Mutex::new(None),
    });
    let filler = filler(cli.filler, cli.payload);
    let server_rss_before = cli.server_pid.and_then(net::rss_kib);

    // ---- connect everyone
    let t_connect = Instant::now();
    let limit = Arc::new(Semaphore::new(cli.connect_concurrency.max(1)));
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel::<Result<()>>();
    for i in 0..cli.clients {
        let target = targets[i % targets.len()].clone();
        let shared = shared.clone();
        let limit = limit.clone();
        let ready = ready_tx.clone();
        let filler = filler.clone();
        let source = net::source_for(i * cli.transport.sockets_per_client(), sockets, cli.per_ip);
        let workload = cli.workload;
        let window = cli.window;
        let rate = cli.rate;
        let clients = cli.clients as u64;
        tokio::spawn(async move {
            let permit = limit.acquire_owned().await.expect("semaphore");
            let connected =
                tokio::time::timeout(Duration::from_secs(60), Client::connect(&target, source))
                    .await;
            drop(permit);
            let client = match connected {
                Ok(Ok(c)) => c,
                Ok(Err(e)) => {
                    let _ = ready.send(Err(e));
                    return;
                }
                Err(_) => {
                    let _ = ready.send(Err(anyhow::anyhow!("connect timed out")));
                    return;
                }
            };
            let _ = ready.send(Ok(()));
            drop(ready);
            let pace = |stride, offset| {
                rate.map(|rate| Pace {
                    rate,
                    stride,
                    offset,
                })
            };
            let result = match (workload, pace(clients, i as u64)) {
                (Workload::Echo, None) => echo_client(client, &shared, &filler).await,
                (Workload::Echo, Some(pace)) => {
                    echo_client_paced(client, &shared, &filler, window, pace).await
                }
                (Workload::Broadcast, _) if i == 0 => {
                    broadcast_sender(client, &shared, &filler, window, pace(1, 0)).await
                }
                (Workload::Broadcast, _) => broadcast_receiver(client, &shared).await,
                (Workload::Idle, _) => idle_client(client, &shared).await,
            };
            if let Err(e) = result
                && shared.phase() < STOP
            {
                shared.error(&e);
            }
        });
    }
    drop(ready_tx);
    let mut connected = 0u64;
    let mut failed = 0u64;
    let mut first_connect_error = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs_f64(cli.connect_timeout);
    let mut last_note = Instant::now();
    while connected + failed < cli.clients as u64 {
        match tokio::time::timeout_at(deadline, ready_rx.recv()).await {
            Ok(Some(Ok(()))) => connected += 1,
            Ok(Some(Err(e))) => {
                failed += 1;
                first_connect_error.get_or_insert_with(|| format!("{e:#}"));
            }
            Ok(None) => break,
            Err(_) => {
                eprintln!("loadgen: connect phase timed out");
                break;
            }
        }
        if last_note.elapsed() > Duration::from_secs(5) {
            eprintln!("loadgen: {connected} connected, {failed} failed...");
            last_note = Instant::now();
        }
    }
    let connect_s = t_connect.elapsed().as_secs_f64();
    eprintln!(
        "loadgen: {} {} client(s) of {} connected to {} ({}) in {connect_s:.2} s{}",
        connected,
        cli.transport.name(),
        cli.clients,
        cli.label,
        cli.addr,
        first_connect_error
            .as_ref()
            .map(|e| format!("; {failed} failed, first: {e}"))
            .unwrap_or_default()
    );
    if connected == 0 {
        bail!(
            "no client connected: {}",
            first_connect_error.unwrap_or_default()
        );
    }
    shared.fanout.store(connected, Ordering::Relaxed);

    let mut report = json!({
        "server": cli.label,
        "workload": format!("{:?}", cli.workload).to_lowercase(),
        "parser": format!("{:?}", cli.parser).to_lowercase(),
        "transport": cli.transport.name(),
        "clients": cli.clients,
        "connected": connected,
        "connect_failed": failed,
        "connect_s": round(connect_s, 3),
        "payload_bytes": echo_text(true, 0, &filler).len(),
        "unix_time": std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    });
    if let Some(e) = &first_connect_error {
        report["first_connect_error"] = json!(e);
    }
    if cli.deflate {
        report["deflate_negotiated"] = json!(client::DEFLATE_NEGOTIATED.load(Ordering::Relaxed));
    }

    match cli.workload {
        Workload::Idle => {
            tokio::time::sleep(Duration::from_secs_f64(cli.hold)).await;
            let after = cli.server_pid.and_then(net::rss_kib);
            let own = net::rss_kib(std::process::id());
            report["hold_s"] = json!(cli.hold);
            report["server_rss_before_kib"] = json!(server_rss_before);
            report["server_rss_kib"] = json!(after);
            report["loadgen_rss_kib"] = json!(own);
            if let Some(after) = after {
                let per = after as f64 * 1024.0 / connected as f64;
                report["server_rss_per_conn_bytes"] = json!(per.round());
                if let Some(before) = server_rss_before {
                    let delta = after.saturating_sub(before) as f64 * 1024.0 / connected as f64;
                    report["server_rss_delta_per_conn_bytes"] = json!(delta.round());
                }
            }
            shared.set_phase(STOP);
            eprintln!(
                "loadgen: idle: {connected} connections held {:.0} s; server RSS {} (before: {}); {} per connection",
                cli.hold,
                kib(after),
                kib(server_rss_before),
                after.map_or("?".into(), |a| format!(
                    "{:.1} KiB",
                    a as f64 / connected as f64
                )),
            );
        }
        Workload::Echo | Workload::Broadcast => {
            let start = *shared.start.get_or_init(Instant::now);
            shared.set_phase(WARMUP);
            let stalled = watch_progress(&shared, cli.warmup).await;
            let mut duration = cli.duration;
            if let (Workload::Broadcast, Some(rate)) = (cli.workload, cli.rate) {
                // Measure from just before one scheduled broadcast to just
                // before another: the window then holds whole fan-outs (when
                // one takes less than 1/rate), not ±1 broadcast's worth of
                // deliveries at each end.
                let next = (start.elapsed().as_secs_f64() * rate).ceil() + 1.0;
                let at = start + Duration::from_secs_f64(next / rate) - ALIGN;
                tokio::time::sleep_until(at.into()).await;
                duration = (cli.duration * rate).round().max(1.0) / rate;
            }
            let cpu0 = cli.server_pid.and_then(net::cpu_seconds);
            let own0 = net::cpu_seconds(std::process::id());
            let wait0 = cli.server_pid.and_then(net::runq_wait_seconds);
            let own_wait0 = net::runq_wait_seconds(std::process::id());
            let before_measure = shared.measured.load(Ordering::Relaxed);
            let t0 = Instant::now();
            shared.set_phase(MEASURE);
            let stalled = stalled || watch_progress(&shared, duration).await;
            shared.set_phase(STOP);
            let elapsed = t0.elapsed().as_secs_f64();
            let cpu1 = cli.server_pid.and_then(net::cpu_seconds);
            let own1 = net::cpu_seconds(std::process::id());
            let wait1 = cli.server_pid.and_then(net::runq_wait_seconds);
            let own_wait1 = net::runq_wait_seconds(std::process::id());
            let count = shared.measured.load(Ordering::Relaxed) - before_measure;
            let rate = count as f64 / elapsed;
            let hist = shared.hist.lock().unwrap().clone();
            let us = |q: f64| round(hist.value_at_quantile(q) as f64 / 1000.0, 1);
            let (rate_key, what) = match cli.workload {
                Workload::Echo => ("acks_per_s", "acks"),
                _ => ("deliveries_per_s", "deliveries"),
            };
            report["duration_s"] = json!(round(elapsed, 3));
            report["warmup_s"] = json!(cli.warmup);
            report[rate_key] = json!(rate.round());
            report["count"] = json!(count);
            report["p50_us"] = json!(us(0.5));
            report["p99_us"] = json!(us(0.99));
            report["p999_us"] = json!(us(0.999));
            report["max_us"] = json!(round(hist.max() as f64 / 1000.0, 1));
            if cli.workload == Workload::Broadcast {
                let sent = shared.sent_measured.load(Ordering::Relaxed);
                report["broadcasts_per_s"] = json!(round(sent as f64 / elapsed, 1));
                report["window"] = json!(cli.window);
            }
            if let (Some(a), Some(b)) = (cpu0, cpu1) {
                let cpu = b - a;
                report["server_cpu_pct"] = json!(round(cpu / elapsed * 100.0, 1));
                if count > 0 {
                    report["server_cpu_us_per_op"] = json!(round(cpu * 1e6 / count as f64, 2));
                }
            }
            if let Some(offered) = cli.rate {
                let sent = shared.sent_measured.load(Ordering::Relaxed);
                let behind = shared.behind.load(Ordering::Relaxed);
                let lag = shared.lag.lock().unwrap().clone();
                // In the unit of the throughput: acks, or deliveries (each
                // broadcast reaches every client).
                let offered_per_s = match cli.workload {
                    Workload::Broadcast => offered * connected as f64,
                    _ => offered,
                };
                let behind_pct = if sent > 0 {
                    behind as f64 * 100.0 / sent as f64
                } else {
                    100.0
                };
                report["rate"] = json!(offered);
                report["window"] = json!(cli.window);
                report["offered_per_s"] = json!(offered_per_s.round());
                report["achieved_per_s"] = json!(rate.round());
                report["sent"] = json!(sent);
                report["behind"] = json!(behind);
                report["behind_pct"] = json!(round(behind_pct, 2));
                report["send_lag_p99_us"] =
                    json!(round(lag.value_at_quantile(0.99) as f64 / 1000.0, 1));
                report["rate_met"] = json!(
                    behind_pct <= RATE_MET_BEHIND_PCT && rate >= RATE_MET_SHARE * offered_per_s
                );
            }
            report["loadgen_cores"] = json!(cores);
            if let (Some(a), Some(b)) = (own0, own1) {
                let cpu = b - a;
                let pct = cpu / elapsed * 100.0;
                report["loadgen_cpu_pct"] = json!(round(pct, 1));
                if count > 0 {
                    report["loadgen_cpu_us_per_op"] = json!(round(cpu * 1e6 / count as f64, 2));
                }
                report["loadgen_bound"] = json!(pct > LOAD_BOUND_PCT * cores as f64);
            }
            // Waiting for a CPU while runnable, % of the measured time: other
            // load on the machine (for the server, also its own threads
            // queueing on its one core).
            if let (Some(a), Some(b)) = (wait0, wait1) {
                report["server_runq_wait_pct"] = json!(round((b - a) / elapsed * 100.0, 1));
            }
            if let (Some(a), Some(b)) = (own_wait0, own_wait1) {
                report["loadgen_runq_wait_pct"] = json!(round((b - a) / elapsed * 100.0, 1));
            }
            report["server_rss_kib"] = json!(cli.server_pid.and_then(net::rss_kib));
            if stalled {
                report["stalled"] = json!(true);
            }
            let rate_note = match cli.rate {
                Some(_) => format!(
                    " (offered {}/s, {} behind, rate {})",
                    report["offered_per_s"],
                    report["behind"],
                    if report["rate_met"] == json!(true) {
                        "met"
                    } else {
                        "NOT met"
                    }
                ),
                None => String::new(),
            };
            eprintln!(
                "loadgen: {} {} x{}: {:.0} {what}/s{rate_note}; latency p50 {} us, p99 {} us, p99.9 {} us, max {} us; server CPU {}% ({} us per op), loadgen CPU {}% of {} core(s){}{}",
                cli.label,
                report["workload"].as_str().unwrap_or(""),
                connected,
                rate,
                us(0.5),
                us(0.99),
                us(0.999),
                round(hist.max() as f64 / 1000.0, 1),
                report["server_cpu_pct"],
                report["server_cpu_us_per_op"],
                report["loadgen_cpu_pct"],
                cores,
                if report["loadgen_bound"] == json!(true) {
                    " LOAD-BOUND"
                } else {
                    ""
                },
                if stalled {
                    " (STALLED: no progress for 10 s)"
                } else {
                    ""
                },
            );
        }
    }
    let errors = shared.errors.load(Ordering::Relaxed);
    report["errors"] = json!(errors);
    if let Some(e) = shared.first_error.lock().unwrap().clone() {
        report["first_error"] = json!(e);
        eprintln!("loadgen: {errors} client error(s), first: {e}");
    }
    Ok(report)
}

/// Sleeps `secs`, watching for progress; true when nothing progressed for
/// 10 s (a stalled server: the run stops early).
async fn watch_progress(shared: &Shared, secs: f64) -> bool {
    let end = Instant::now() + Duration::from_secs_f64(secs);
    let progress = || shared.ops.load(Ordering::Relaxed);
    let mut last = progress();
    let mut last_change = Instant::now();
    while Instant::now() < end {
        let step = (end - Instant::now()).min(Duration::from_millis(250));
        tokio::time::sleep(step).await;
        let now = progress();
        if now != last {
            last = now;
            last_change = Instant::now();
        } else if last_change.elapsed() > Duration::from_secs(10) {
            return true;
        }
    }
    false
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

fn kib(v: Option<u64>) -> String {
    v.map_or("?".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
}

/// Waits until the workload starts, answering pings.
async fn wait_start(client: &mut Client, shared: &Shared) -> Result<()> {
    let mut phase = shared.phase.subscribe();
    while *phase.borrow_and_update() == WAIT {
        tokio::select! {
            changed = phase.changed() => changed?,
            packet = client.recv() => {
                let packet = packet?.context("closed while waiting")?;
                if client.classify(&packet) == Kind::Ping {
                    client.pong().await?;
                }
            }
        }
    }
    Ok(())
}

async fn echo_client(mut client: Client, shared: &Shared, filler: &str) -> Result<()> {
    wait_start(&mut client, shared).await?;
    let raw = client.is_raw();
    let mut id = 0u64;
    while shared.phase() < STOP {
        id += 1;
        let t0 = Instant::now();
        client.send(echo_text(raw, id, filler)).await?;
        loop {
            let packet = client.recv().await?.context("connection closed")?;
            match client.classify(&packet) {
                Kind::Ack(got) if got == id => break,
                Kind::Raw(_) => break,
                Kind::Ping => client.pong().await?,
                Kind::Closing => bail!("server closed: {:?}", String::from_utf8_lossy(&packet)),
                _ => {}
            }
        }
        shared.ops.fetch_add(1, Ordering::Relaxed);
        if shared.phase() == MEASURE {
            shared.record(t0.elapsed());
            shared.measured.fetch_add(1, Ordering::Relaxed);
        }
    }
    Ok(())
}

/// Echo at `--rate`: emits go out on `pace`'s schedule, up to `window`
/// unanswered at once (a due emit that finds the window full waits for an
/// ack and counts as behind); each round trip is timed from the emit's
/// scheduled time, so a server that falls behind is charged for the wait.
async fn echo_client_paced(
    mut client: Client,
    shared: &Shared,
    filler: &str,
    window: u64,
    pace: Pace,
) -> Result<()> {
    wait_start(&mut client, shared).await?;
    let start = *shared.start.get_or_init(Instant::now);
    let raw = client.is_raw();
    let window = window.max(1) as usize;
    // (ack id, scheduled time) of the emits not answered yet.
    let mut in_flight: Vec<(u64, Instant)> = Vec::with_capacity(window);
    let mut k = 0u64;
    let mut due = pace.due(start, k);
    // One timer, moved as the schedule advances.
    let timer = tokio::time::sleep_until(due.into());
    tokio::pin!(timer);
    while shared.phase() < STOP {
        let now = Instant::now();
        if in_flight.len() < window && due <= now {
            while in_flight.len() < window && due <= now {
                k += 1;
                client.send(echo_text(raw, k, filler)).await?;
                shared.sent_late(
                    &pace,
                    now.saturating_duration_since(due),
                    shared.phase() == MEASURE,
                );
                in_flight.push((k, due));
                due = pace.due(start, k);
            }
            timer.as_mut().reset(due.into());
        }
        let free = in_flight.len() < window;
        tokio::select! {
            biased;
            packet = client.recv() => {
                let packet = packet?.context("connection closed")?;
                let id = match client.classify(&packet) {
                    Kind::Ack(id) => id,
                    // ws-echo answers a bare frame with itself.
                    Kind::Raw(frame) => json_u64_field(frame, b"seq").unwrap_or(0),
                    Kind::Ping => {
                        client.pong().await?;
                        continue;
                    }
                    Kind::Closing => bail!("server closed: {:?}", String::from_utf8_lossy(&packet)),
                    _ => continue,
                };
                if let Some(i) = in_flight.iter().position(|&(sent, _)| sent == id) {
                    let (_, scheduled) = in_flight.swap_remove(i);
                    shared.ops.fetch_add(1, Ordering::Relaxed);
                    if shared.phase() == MEASURE {
                        shared.record(scheduled.elapsed());
                        shared.measured.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            _ = &mut timer, if free => {}
        }
    }
    Ok(())
}

/// Handles one packet a broadcast client received: counts and times a
/// delivery, answers a ping.
async fn on_broadcast_packet(client: &mut Client, shared: &Shared, packet: &[u8]) -> Result<()> {
    let body = match client.classify(packet) {
        Kind::Event(array) if array.starts_with(b"[\"broadcast\",") => array,
        Kind::Raw(frame) if frame.first() == Some(&b'B') => frame,
        Kind::Ping => return client.pong().await,
        Kind::Closing => bail!("server closed: {:?}", String::from_utf8_lossy(packet)),
        _ => return Ok(()),
    };
    let now = shared.epoch.elapsed().as_nanos() as u64;
    if let Some(t) = json_u64_field(body, b"t")
        && shared.phase() == MEASURE
    {
        shared.record(Duration::from_nanos(now.saturating_sub(t)));
        shared.measured.fetch_add(1, Ordering::Relaxed);
    }
    shared.ops.fetch_add(1, Ordering::Relaxed);
    let fanout = shared.fanout.load(Ordering::Relaxed).max(1);
    let before = shared.delivered.fetch_add(1, Ordering::Relaxed);
    if (before + 1).is_multiple_of(fanout) {
        shared.progress.notify_one();
    }
    Ok(())
}

async fn broadcast_receiver(mut client: Client, shared: &Shared) -> Result<()> {
    loop {
        let packet = client.recv().await?.context("connection closed")?;
        on_broadcast_packet(&mut client, shared, &packet).await?;
    }
}

/// Client 0 of the broadcast workload: emits `broadcast`, at most
/// `window` in flight; with `pace` (`--rate`) on its schedule, each carrying
/// its scheduled time as `t` (so the receivers time it from there), else
/// the next as soon as the window allows.
async fn broadcast_sender(
    mut client: Client,
    shared: &Shared,
    filler: &str,
    window: u64,
    pace: Option<Pace>,
) -> Result<()> {
    wait_start(&mut client, shared).await?;
    let start = *shared.start.get_or_init(Instant::now);
    let raw = client.is_raw();
    let fanout = shared.fanout.load(Ordering::Relaxed).max(1);
    let mut seq = 0u64;
    loop {
        let phase = shared.phase();
        let limit = shared.delivered.load(Ordering::Relaxed) / fanout + window.max(1);
        let now = Instant::now();
        let mut wake = now + Duration::from_millis(100);
        while phase < STOP && seq < limit {
            let t = match pace {
                None => Instant::now(),
                Some(pace) => {
                    let due = pace.due(start, seq);
                    if due > now {
                        wake = wake.min(due);
                        break;
                    }
                    shared.sent_late(&pace, now.saturating_duration_since(due), phase == MEASURE);
                    due
                }
            };
            seq += 1;
            let t = t.duration_since(shared.epoch).as_nanos() as u64;
            let body = format!("{{\"seq\":{seq},\"t\":{t},\"data\":\"{filler}\"}}");
            let text = if raw {
                format!("B{body}")
            } else {
                format!("42[\"broadcast\",{body}]")
            };
            client.send(text).await?;
            if pace.is_none() && phase == MEASURE {
                shared.sent_measured.fetch_add(1, Ordering::Relaxed);
            }
        }
        tokio::select! {
            biased;
            packet = client.recv() => {
                let packet = packet?.context("connection closed")?;
                on_broadcast_packet(&mut client, shared, &packet).await?;
            }
            _ = shared.progress.notified() => {}
            _ = tokio::time::sleep_until(wake.into()) => {}
        }
    }
}

async fn idle_client(mut client: Client, shared: &Shared) -> Result<()> {
    loop {
        let packet = client.recv().await?.context("connection closed")?;
        match client.classify(&packet) {
            Kind::Ping => client.pong().await?,
            Kind::Closing if shared.phase() < STOP => {
                bail!("server closed: {:?}", String::from_utf8_lossy(&packet))
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_text_is_the_emit() {
        assert_eq!(
            echo_text(false, 7, "xx"),
            r#"427["echo",{"seq":7,"data":"xx"}]"#
        );
        assert_eq!(echo_text(true, 7, "xx"), r#"{"seq":7,"data":"xx"}"#);
    }

    #[test]
    fn paced_clients_interleave_and_add_up_to_the_rate() {
        let start = Instant::now();
        let pace = |offset| Pace {
            rate: 1000.0,
            stride: 4,
            offset,
        };
        // Four clients at 1000/s together: one emit per ms, in turn.
        let mut dues: Vec<Duration> = (0..4)
            .flat_map(|i| (0..3).map(move |k| pace(i).due(start, k) - start))
            .collect();
        dues.sort();
        let want: Vec<Duration> = (0..12).map(Duration::from_millis).collect();
        assert_eq!(dues, want);
        // Behind once a whole period (4 ms) late, never under LATE.
        assert_eq!(pace(0).late(), Duration::from_millis(4));
        let fast = Pace {
            rate: 1e6,
            stride: 1,
            offset: 0,
        };
        assert_eq!(fast.late(), LATE);
    }
}

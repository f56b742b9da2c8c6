//! The endpoint actor: one thread per endpoint owns the wasmtime `Store` and
//! instance and runs calls from its queue, one at a time, in order.
//!
//! A dedicated OS thread rather than a tokio task: guest calls are
//! synchronous and may run up to the call deadline, which must not stall the
//! runtime's workers. A call that traps (deadline, memory, panic) fails
//! alone: it is logged, the instance is rebuilt from the pre-instantiated
//! component, and the namespace's connections and rooms, which live in the
//! host, carry over untouched. Each call runs under its endpoint's limits
//! (deadline, memory, fuel, messages per call: `GuestLimits`).
//!
//! The handler's own state comes back from the last checkpoint: for a
//! component exporting `sio:realtime/state`, a snapshot taken at each reload
//! and, between reloads, at most every `checkpoint_interval` once a call
//! has run (also when the queue went quiet). A rebuild restores it.
//!
//! A hot reload arrives as one more queued command carrying an instance
//! that was compiled and instantiated elsewhere (see `reload.rs`): between
//! the call before it and the call after it, the actor takes the running
//! instance's snapshot, restores it into the new instance, and moves the
//! namespace over.
//!
//! A sharded endpoint (`shards = N`, `shard.rs`) is N such actors, each
//! with its own instance and part of the connections; its handle routes
//! each command to its shard.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use anyhow::Result;
use bytes::Bytes;
use wasmtime::Store;

use super::bindings::{
    BroadcastEventsExport, CompletionsExport, ConnInfo, Endpoint, HttpResponse, Protocol, Replies,
};
use super::directory::{ChildFactory, Lease};
use super::imports::wasi_io::DeadlineInWasi;
use super::namespace::{Conn, Namespace, PendingRestore, Recovered, Recovery, SelfQueue};
use super::observer::{Observed, Observer};
use super::runtime::{EndpointSettings, Live, Prepared, Runtime};
use super::scheduler::Scheduler;
use super::shard::{Registry, ShardLink, ShardMsg};
use super::store::GuestState;
use sio_protocol::recovery::RecoveryRequest;
use sio_protocol::{ConnId, Frame, Generation, Sid, socketio, wire};

use crate::adapter::redis::{ClusterSink, Inbound, RestoredSession};
use crate::config::RecoveryConfig;
use crate::outbox::{InFlight, Outbox, WakeBatch};
use crate::stats::{CallOutcome, EndpointStats, Stats};
use sio_protocol::redis_adapter::Request;

/// What the rest of the host asks of an endpoint.
pub enum Command {
    /// A client joins the namespace (its CONNECT packet): the handler's
    /// `on-connect` decides.
    Connect {
        /// The new connection's id.
        conn: ConnId,
        /// The client's session, as far as the endpoint may see it.
        outbox: Arc<dyn Outbox>,
        /// The CONNECT packet's payload as JSON text, when there was one.
        auth: Option<String>,
    },
    /// A client's event. Its `ticket` (as an ack's and a message's) counts
    /// it against the client's `--max-pending-events` until it is dropped,
    /// after the handler call (`crate::outbox::InFlight`).
    Event {
        /// The connection it came on.
        conn: ConnId,
        /// The event's name.
        name: String,
        /// The JSON array of its arguments after the name.
        args: String,
        /// Its binary attachments, in placeholder order.
        attachments: Vec<Bytes>,
        /// The ack id, when the client waits for an answer.
        ack: Option<u64>,
        /// Counts the event in the client's session until it has run.
        ticket: InFlight,
    },
    /// A client's answer to an emit-with-ack (ours, or another node's
    /// broadcast-with-ack).
    Ack {
        /// The connection it came on.
        conn: ConnId,
        /// The ack id it answers: an emit-with-ack's token, or one
        /// `namespace/cluster.rs` gave a broadcast-with-ack.
        id: u64,
        /// The JSON array of the client's arguments.
        args: String,
        /// Their binary attachments, in placeholder order.
        attachments: Vec<Bytes>,
        /// Counts the answer in the client's session until it has run.
        ticket: InFlight,
    },
    /// A plain message (protocol 1's message and json packets).
    Message {
        /// The connection it came on.
        conn: ConnId,
        /// The packet's payload as it came.
        text: String,
        /// Counts the message in the client's session until it has run.
        ticket: InFlight,
    },
    /// A connection is gone: the client left the namespace, or its session
    /// ended. The handler hears `on-disconnect`.
    Disconnect {
        /// The connection that is gone.
        conn: ConnId,
        /// The session it was on: after a recovery moved the connection to
        /// a new session, the old one's word no longer counts.
        session: Sid,
        /// Socket.IO's reason: "client namespace disconnect", "transport
        /// close", "ping timeout", ...
        reason: String,
    },
    /// An emit-with-ack's `timeout-ms` passed: unless the client answered
    /// meanwhile, the handler hears `on-ack` without a reply.
    AckTimeout {
        /// The connection the event went to.
        conn: ConnId,
        /// The emit-with-ack's token.
        token: u64,
    },
    /// A timer set through `async-host.set-timer` is due (`timers.rs`);
    /// `serial` tells a stale one from the armed one.
    Timer {
        /// The guest's token for the timer.
        token: u64,
        /// Which arming of `token` posted this.
        serial: u64,
    },
    /// An away connection's `max-disconnection` is over
    /// (`namespace/recovery.rs`); `serial` tells a stale one from the armed
    /// one.
    RecoveryDue {
        /// The away connection.
        conn: ConnId,
        /// Which departure armed it.
        serial: u64,
    },
    /// A cluster query's timeout (`namespace/cluster.rs`).
    QueryDue {
        /// The query's request id.
        request_id: String,
    },
    /// A cluster query's answer, for the guest's `on-fetch`.
    QueryAnswered {
        /// The guest's token.
        token: u64,
        /// The answer, as a JSON response.
        response: HttpResponse,
    },
    /// Another endpoint's `broadcast.emit` to this one (`io.of(name)`).
    /// Boxed: every queued command is as large as the largest kind.
    ForeignEmit(Box<ForeignEmit>),
    /// A broadcast with acks' or server emit with acks' timeout
    /// (`namespace/broadcast.rs`): the guest gets what came.
    RepliesDue {
        /// The guest's token.
        token: u64,
    },
    /// A broadcast with acks or server emit with acks is complete: the
    /// guest's `on-replies`. Boxed: every queued command is as large as the
    /// largest kind.
    RepliesReady {
        /// The guest's token.
        token: u64,
        /// Every answer, and who did not answer.
        replies: Box<Replies>,
    },
    /// The outcome of an `async-host.http-fetch` (`fetch.rs`).
    Fetched {
        /// The guest's token for the request.
        token: u64,
        /// The response, or why there is none.
        response: Result<HttpResponse, String>,
    },
    /// Swap in a new version (see `Swap`).
    Swap(Box<Swap>),
    /// From the other nodes (`--redis`): a broadcast for local connections,
    /// a request, or the link to publish through. Handled by the namespace
    /// without calling the guest (`namespace/cluster.rs`). The admin UI's
    /// actions (join, leave, disconnect, emit) come this way too, as the
    /// same requests from this node (`crate::admin_ui`).
    Cluster(Inbound),
    /// Report what happens in the namespace to this observer from now on
    /// (the admin UI; `observer.rs`).
    Observe(Arc<dyn Observer>),
    /// From a sibling shard of a sharded endpoint (`shard.rs`). Boxed:
    /// every queued command is as large as the largest kind.
    Shard(Box<ShardMsg>),
}

/// An emit from another endpoint of this host: who it is for among this
/// endpoint's connections, and the event.
pub struct ForeignEmit {
    pub(crate) to: super::bindings::BroadcastSelector,
    pub(crate) flags: super::bindings::EmitFlags,
    pub(crate) event: String,
    pub(crate) args_json: String,
    pub(crate) attachments: Vec<Bytes>,
}

/// An endpoint the host serves itself instead of a component (the admin
/// UI's namespace, `crate::admin_ui`): sessions route a client's packets to
/// it through an [`EndpointHandle`] as to an actor, as the same commands.
pub trait NativeEndpoint: Send + Sync {
    /// Take a command; never blocks.
    fn send(&self, command: Command);
}

/// A new version, compiled and instantiated off the actor, to swap in
/// between two calls. `live` holds an empty namespace; the actor moves the
/// real one in once the state hand-off succeeded.
pub struct Swap {
    pub(crate) prepared: Prepared,
    pub(crate) live: Live,
    pub(crate) settings: EndpointSettings,
    pub(crate) done: tokio::sync::oneshot::Sender<Result<Swapped, String>>,
}

/// What a successful swap did.
#[derive(Debug, Clone)]
pub struct Swapped {
    /// How long the endpoint's queue was held up (snapshot + restore + swap).
    pub pause: Duration,
    /// Bytes handed over, when both versions export `sio:realtime/state`.
    pub state_bytes: Option<usize>,
    /// The old version had state but the new one exports no `state`: it
    /// starts from scratch.
    pub state_dropped: bool,
}

/// A cheap, cloneable handle to an endpoint's queue.
#[derive(Clone)]
pub struct EndpointHandle {
    /// The endpoint's namespace path.
    pub name: Arc<str>,
    queue: Queue,
}

/// Where an endpoint's commands go.
#[derive(Clone)]
enum Queue {
    /// A component's actor thread.
    Actor {
        tx: Sender<Command>,
        /// Counts the commands waiting (`queue_depth` in /stats).
        stats: Arc<EndpointStats>,
    },
    /// A sharded endpoint: each shard's own handle, by place
    /// (`shard::route` picks).
    Sharded(Arc<[EndpointHandle]>),
    /// An endpoint the host serves itself.
    Native(Arc<dyn NativeEndpoint>),
}

/// The cluster delivers to an endpoint through its queue.
impl ClusterSink for EndpointHandle {
    fn deliver(&self, inbound: Inbound) {
        self.send(Command::Cluster(inbound));
    }
}

impl EndpointHandle {
    /// A handle to an endpoint the host serves itself, on namespace `name`.
    pub fn native(name: &str, endpoint: Arc<dyn NativeEndpoint>) -> EndpointHandle {
        EndpointHandle {
            name: name.into(),
            queue: Queue::Native(endpoint),
        }
    }

    /// The handle of a sharded endpoint named `name`, over each shard's own.
    pub(super) fn sharded(name: &str, shards: Arc<[EndpointHandle]>) -> EndpointHandle {
        EndpointHandle {
            name: name.into(),
            queue: Queue::Sharded(shards),
        }
    }

    /// Each shard's own handle (this one alone when it is not sharded): a
    /// reload swaps each.
    pub(crate) fn shards(&self) -> Vec<EndpointHandle> {
        match &self.queue {
            Queue::Sharded(shards) => shards.to_vec(),
            _ => vec![self.clone()],
        }
    }

    /// Queue `command`; never blocks. Dropped (and logged) when the actor
    /// is gone.
    pub fn send(&self, command: Command) {
        let (tx, stats) = match &self.queue {
            Queue::Actor { tx, stats } => (tx, stats),
            Queue::Sharded(shards) => return super::shard::send_routed(shards, command),
            Queue::Native(endpoint) => return endpoint.send(command),
        };
        // Counted first: the actor may take it off the queue at once.
        stats.queued.fetch_add(1, Ordering::Relaxed);
        if tx.send(command).is_err() {
            stats.queued.fetch_sub(1, Ordering::Relaxed);
            tracing::error!(endpoint = %self.name, "endpoint actor is gone; command dropped");
        }
    }

    /// Report what happens in this endpoint's namespace to `observer` from
    /// now on (an endpoint the host serves itself reports nothing).
    pub fn observe(&self, observer: Arc<dyn Observer>) {
        self.send(Command::Observe(observer));
    }
}

/// What `on-connect` is told of a connection.
fn conn_info(
    conn: ConnId,
    sid: &Sid,
    endpoint: &str,
    outbox: &dyn Outbox,
    auth: Option<String>,
) -> ConnInfo {
    ConnInfo {
        id: conn,
        sid: sid.to_string(),
        endpoint: endpoint.to_string(),
        protocol: match outbox.generation() {
            Generation::Eio4 => Protocol::Eio4,
            Generation::Eio3 => Protocol::Eio3,
            Generation::Sio1 => Protocol::Legacy,
        },
        transport: outbox.transport_name().to_string(),
        remote_addr: outbox.handshake().remote_addr.to_string(),
        query: outbox.handshake().query.to_vec(),
        headers: outbox.handshake().headers.to_vec(),
        auth,
    }
}

/// Instantiate a prepared component and start its actor thread, or, with
/// `shards` above 1, that many instances and actors, the connections split
/// among them (`shard.rs`); they count in one `/stats` entry. Needs a
/// tokio runtime (emit-with-ack timers run on it).
#[allow(clippy::too_many_arguments)]
pub fn spawn(
    runtime: &Runtime,
    name: &str,
    prepared: Prepared,
    settings: EndpointSettings,
    max_payload: usize,
    recovery: Option<RecoveryConfig>,
    server_stats: Arc<Stats>,
    shards: usize,
) -> Result<EndpointHandle> {
    let stats = server_stats.endpoint(name);
    let rt = tokio::runtime::Handle::current();
    if shards <= 1 {
        let (handle, ns, rx) = open(name, &stats, max_payload, recovery, server_stats, rt);
        let live = runtime.instantiate(&prepared, ns, &settings)?;
        let actor = EndpointActor::new(runtime.clone(), prepared, live, settings, stats, None);
        start_thread(&handle.name, move || actor.run(rx))?;
        return Ok(handle);
    }
    let opened: Vec<_> = (0..shards)
        .map(|_| {
            open(
                name,
                &stats,
                max_payload,
                recovery.clone(),
                server_stats.clone(),
                rt.clone(),
            )
        })
        .collect();
    let handles: Arc<[EndpointHandle]> = opened.iter().map(|(h, _, _)| h.clone()).collect();
    let registry = Arc::new(Registry::default());
    let _ = stats
        .shard_conns
        .set((0..shards).map(|_| AtomicI64::new(0)).collect());
    // Every instance first, so that a failing one starts no thread.
    let mut actors = Vec::with_capacity(shards);
    for (i, (_, mut ns, rx)) in opened.into_iter().enumerate() {
        ns.shards = Some(Box::new(ShardLink::new(
            i,
            handles.clone(),
            registry.clone(),
        )));
        let live = runtime.instantiate(&prepared, ns, &settings)?;
        let actor = EndpointActor::new(
            runtime.clone(),
            prepared.clone(),
            live,
            settings.clone(),
            stats.clone(),
            None,
        );
        actors.push((actor, rx));
    }
    for (i, (actor, rx)) in actors.into_iter().enumerate() {
        start_thread(&format!("{name}#{i}"), move || actor.run(rx))?;
    }
    Ok(EndpointHandle::sharded(name, handles))
}

/// Start the endpoint of a pattern's namespace `name` (`directory.rs`).
/// Its instance is made on its own thread, not here: a client's CONNECT
/// waits on this call, on a tokio worker. One that fails to start refuses
/// what was queued for it and leaves the pattern's table (`Lease`).
pub(super) fn spawn_child(
    factory: &ChildFactory,
    name: &str,
    prepared: Prepared,
    settings: EndpointSettings,
    lease: Lease,
) -> Result<EndpointHandle> {
    let stats = factory.stats.endpoint_in(name, Some(lease.pattern()));
    let (handle, mut ns, rx) = open(
        name,
        &stats,
        factory.max_payload,
        factory.recovery.clone(),
        factory.stats.clone(),
        factory.rt.clone(),
    );
    ns.observer = factory.observer.clone();
    let runtime = factory.runtime.clone();
    start_thread(&handle.name, move || {
        match runtime.instantiate(&prepared, ns, &settings) {
            Ok(live) => {
                EndpointActor::new(runtime, prepared, live, settings, stats, Some(lease)).run(rx)
            }
            Err(e) => lease.failed_to_start(rx, &e),
        }
    })?;
    Ok(handle)
}

/// An endpoint's queue, its handle, and the empty namespace its instance
/// gets.
fn open(
    name: &str,
    stats: &Arc<EndpointStats>,
    max_payload: usize,
    recovery: Option<RecoveryConfig>,
    server_stats: Arc<Stats>,
    rt: tokio::runtime::Handle,
) -> (EndpointHandle, Namespace, Receiver<Command>) {
    let name: Arc<str> = name.into();
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = EndpointHandle {
        name: name.clone(),
        queue: Queue::Actor {
            tx,
            stats: stats.clone(),
        },
    };
    let mut ns = Namespace::new(name, max_payload);
    ns.queue = Some(SelfQueue {
        endpoint: handle.clone(),
        rt,
    });
    ns.recovery = recovery.map(|config| Recovery::new(config, Some(server_stats.clone())));
    ns.server_stats = Some(server_stats);
    ns.endpoint_stats = Some(stats.clone());
    (handle, ns, rx)
}

/// The actor's thread.
fn start_thread(name: &str, run: impl FnOnce() + Send + 'static) -> Result<()> {
    std::thread::Builder::new()
        .name(format!("sio-endpoint{name}"))
        .spawn(move || {
            prefer_throughput();
            run()
        })?;
    Ok(())
}

/// The most commands, and the longest time, run before the frames they
/// queued are sent (see `WakeBatch`): bounds the delay batching adds to the
/// first of them, also when the handler is slow.
const MAX_RUN: usize = 64;
const MAX_RUN_TIME: Duration = Duration::from_millis(1);

struct EndpointActor {
    runtime: Runtime,
    /// The running version.
    prepared: Prepared,
    live: Live,
    settings: EndpointSettings,
    /// The state handed over at the last reload or taken at the last
    /// checkpoint: what a rebuild after a trap restores (later changes are
    /// lost with the trapped instance).
    last_snapshot: Option<Vec<u8>>,
    /// When `last_snapshot` was taken (or the instance started).
    last_checkpoint: Instant,
    /// A call has run since `last_snapshot`.
    changed_since_checkpoint: bool,
    /// This endpoint's handler-call counters (crate::stats).
    stats: Arc<EndpointStats>,
    /// A pattern's namespace: its place in the pattern's table, given up
    /// when it has had no connection for the idle timeout (`directory.rs`).
    lease: Option<Lease>,
}

impl EndpointActor {
    fn new(
        runtime: Runtime,
        prepared: Prepared,
        live: Live,
        settings: EndpointSettings,
        stats: Arc<EndpointStats>,
        lease: Option<Lease>,
    ) -> EndpointActor {
        EndpointActor {
            runtime,
            prepared,
            live,
            settings,
            last_snapshot: None,
            last_checkpoint: Instant::now(),
            changed_since_checkpoint: false,
            stats,
            lease,
        }
    }

    fn run(mut self, rx: Receiver<Command>) {
        let mut waiting = Scheduler::default();
        self.note_idle();
        loop {
            if waiting.is_empty() {
                // Wait for a command, or until a checkpoint is due (a
                // handler that changed its state and then went quiet is
                // snapshotted too), or until an idle pattern namespace
                // may stop.
                let wait = match (self.checkpoint_due_in(), self.idle_due_in()) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                let command = match wait {
                    None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                    Some(wait) => rx.recv_timeout(wait),
                };
                match command {
                    Ok(command) => waiting.push(command),
                    Err(RecvTimeoutError::Timeout) => {
                        let _wakes = WakeBatch::open();
                        if self.checkpoint_due_in() == Some(Duration::ZERO) {
                            self.checkpoint();
                        }
                        if self.idle_due_in() == Some(Duration::ZERO) && self.retire() {
                            return;
                        }
                        continue;
                    }
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
            // A run: commands in the scheduler's order, each time after
            // taking in what arrived meanwhile, until nothing waits or the
            // run is long enough. The clients hear about its frames when it
            // ends (see `WakeBatch`).
            let _wakes = WakeBatch::open();
            let (mut ran, run_started) = (0, Instant::now());
            loop {
                while waiting.takes_more() {
                    match rx.try_recv() {
                        Ok(command) => waiting.push(command),
                        Err(_) => break,
                    }
                }
                let Some(command) = waiting.next() else { break };
                self.stats.queued.fetch_sub(1, Ordering::Relaxed);
                self.handle(command);
                if self.checkpoint_due_in() == Some(Duration::ZERO) {
                    self.checkpoint();
                }
                ran += 1;
                if ran >= MAX_RUN || run_started.elapsed() >= MAX_RUN_TIME {
                    break;
                }
            }
            self.note_idle();
        }
    }

    /// A pattern's namespace notes whether it is in use: a connection (an
    /// away one too) or an `http-fetch` whose answer is still to come.
    fn note_idle(&mut self) {
        let ns = &self.live.store.data().ns;
        let in_use = !ns.conns.is_empty() || ns.fetches_in_flight > 0;
        if let Some(lease) = &mut self.lease {
            lease.note(in_use);
        }
    }

    /// How long until this pattern namespace may stop; None: it is in use,
    /// or is no pattern's, or is never stopped.
    fn idle_due_in(&self) -> Option<Duration> {
        self.lease.as_ref()?.due_in()
    }

    /// Give up the pattern's namespace, if nothing is queued for it: its
    /// timers are cancelled and, once `run` returns, its instance is freed.
    /// False: something came meanwhile; it goes on.
    fn retire(&mut self) -> bool {
        let queued = &self.stats.queued;
        let Some(lease) = &mut self.lease else {
            return false;
        };
        if !lease.try_retire(|| queued.load(Ordering::Relaxed) <= 0) {
            return false;
        }
        self.ns().timers.clear();
        true
    }

    /// How long until the next checkpoint; None: none is pending (no state
    /// export, checkpoints off, or nothing ran since the last one).
    fn checkpoint_due_in(&self) -> Option<Duration> {
        let interval = self.settings.limits.checkpoint_interval;
        if self.live.state.is_none() || interval.is_zero() || !self.changed_since_checkpoint {
            return None;
        }
        Some(interval.saturating_sub(self.last_checkpoint.elapsed()))
    }

    /// Snapshot the running instance's state (`sio:realtime/state`) as what
    /// a rebuild after a trap restores, then run what that set free. A
    /// refusal keeps the previous one; a trap rebuilds from it.
    fn checkpoint(&mut self) {
        self.changed_since_checkpoint = false;
        self.last_checkpoint = Instant::now();
        let Some(state) = &self.live.state else {
            return;
        };
        let store = &mut self.live.store;
        self.runtime.arm(store, &self.settings.limits);
        let started = Instant::now();
        let result = state.call_snapshot(&mut *store);
        let outcome = outcome_of(store, result.as_ref().err());
        self.stats.record("snapshot", started.elapsed(), outcome);
        match result {
            Ok(Ok(bytes)) => self.last_snapshot = Some(bytes),
            Ok(Err(reason)) => {
                let endpoint = store.data().ns.name.clone();
                tracing::warn!(endpoint = %endpoint, "the handler refused a checkpoint snapshot: {reason}");
            }
            Err(e) => {
                let endpoint = store.data().ns.name.clone();
                tracing::error!(endpoint = %endpoint, export = "snapshot", kind = outcome.describe(), "guest call failed: {e:?}");
                self.rebuild();
            }
        }
        // What the call set free; a rebuild releases held connections.
        self.settle();
    }

    fn ns(&mut self) -> &mut Namespace {
        &mut self.live.store.data_mut().ns
    }

    /// Run one command, then what it set free.
    fn handle(&mut self, command: Command) {
        self.run_command(command);
        self.settle();
    }

    /// Run what the last call set free: the `on-disconnect`s of the
    /// connections the guest disconnected and the backlogs of those it
    /// released (or a rebuild released), until nothing is left.
    fn settle(&mut self) {
        loop {
            self.flush_departed();
            let released = std::mem::take(&mut self.ns().released);
            if released.is_empty() {
                break;
            }
            for conn in released {
                self.drain_backlog(conn);
            }
        }
    }

    /// Hand a released connection's waiting events to the guest, in
    /// arrival order, until the backlog is empty or the guest holds the
    /// connection again (the rest keep waiting, ahead of newer ones).
    fn drain_backlog(&mut self, conn: ConnId) {
        loop {
            let Some(socket) = self.ns().conns.get_mut(&conn) else {
                return;
            };
            if socket.parked {
                return;
            }
            let Some(command) = socket.existing_extra().and_then(|e| e.backlog.pop_front()) else {
                return;
            };
            self.run_command(command);
            self.flush_departed();
        }
    }

    /// Whether `conn` is held by the guest; if so `command` (one of its
    /// events or messages) joins its backlog instead of running.
    fn park_if_held(&mut self, conn: ConnId, command: Command) -> Option<Command> {
        match self.ns().conns.get_mut(&conn) {
            Some(socket) if socket.parked => {
                socket.extra().backlog.push_back(command);
                None
            }
            _ => Some(command),
        }
    }

    /// Release every held connection (their backlogs run next): after a
    /// rebuild, or a reload to a build without `completions`, nobody may
    /// remember to release them.
    fn release_all(&mut self) {
        let ns = self.ns();
        let held: Vec<ConnId> = ns
            .conns
            .iter_mut()
            .filter_map(|(conn, s)| std::mem::take(&mut s.parked).then_some(*conn))
            .collect();
        ns.released.extend(held);
    }

    fn run_command(&mut self, command: Command) {
        let command = match command {
            Command::Event { conn, .. } | Command::Message { conn, .. } => {
                match self.park_if_held(conn, command) {
                    Some(command) => command,
                    None => return,
                }
            }
            other => other,
        };
        match command {
            Command::Connect { conn, outbox, auth } => self.connect(conn, outbox, auth),
            Command::Event {
                conn,
                name,
                args,
                attachments,
                ack,
                ticket: _ticket,
            } => {
                let Some(socket) = self.ns().conns.get_mut(&conn) else {
                    return;
                };
                if let Some(id) = ack {
                    socket.client_acks.insert(id);
                }
                self.ns().observe_event(|| Observed::EventIn {
                    conn,
                    name: name.clone(),
                    args: args.clone(),
                });
                let attachments: Vec<Vec<u8>> = attachments.into_iter().map(Vec::from).collect();
                self.call_for("on-event", conn, Some(&name), |b, s| {
                    b.call_on_event(s, conn, &name, &args, &attachments, ack)
                });
            }
            Command::Ack {
                conn,
                id,
                args,
                attachments,
                ticket: _ticket,
            } => {
                let known = self
                    .ns()
                    .conns
                    .get_mut(&conn)
                    .is_some_and(|s| s.take_server_ack(id));
                if !known {
                    if !self.ns().broadcast_ack(conn, id, &args, &attachments)
                        && !self.ns().remote_ack(conn, id, &args, &attachments)
                    {
                        tracing::debug!(conn, id, "ack for no pending emit-with-ack; ignored");
                    }
                    return;
                }
                let attachments: Vec<Vec<u8>> = attachments.into_iter().map(Vec::from).collect();
                self.call("on-ack", conn, |b, s| {
                    b.call_on_ack(s, conn, id, Some(&args), &attachments)
                });
            }
            Command::AckTimeout { conn, token } => {
                let ns = self.ns();
                let pending = ns
                    .conns
                    .get_mut(&conn)
                    .is_some_and(|s| s.take_server_ack(token))
                    || ns.shard_acks.remove(&token).is_some();
                if pending {
                    self.call("on-ack", conn, |b, s| {
                        b.call_on_ack(s, conn, token, None, &[])
                    });
                }
            }
            Command::Message {
                conn,
                text,
                ticket: _ticket,
            } => {
                if self.ns().conns.contains_key(&conn) {
                    self.call("on-message", conn, |b, s| b.call_on_message(s, conn, &text));
                }
            }
            Command::Disconnect {
                conn,
                session,
                reason,
            } => {
                let ns = self.ns();
                let current = ns
                    .conns
                    .get(&conn)
                    .is_some_and(|s| *s.outbox.sid() == session);
                if !current {
                    return;
                }
                if ns.go_away(conn, &reason) {
                    // Away for a recovery: gone as far as anyone watching
                    // can tell (Node's socket disconnects too).
                    ns.observe(|| Observed::Disconnected { conn, reason });
                    return;
                }
                if let Some(socket) = ns.remove_conn(conn) {
                    self.departed(conn, socket, &reason);
                }
            }
            Command::RecoveryDue { conn, serial } => {
                if let Some((socket, reason)) = self.ns().recovery_due(conn, serial) {
                    self.departed(conn, socket, &reason);
                }
            }
            Command::Swap(swap) => {
                let Swap {
                    prepared,
                    live,
                    settings,
                    done,
                } = *swap;
                let started = Instant::now();
                let result =
                    self.swap(prepared, live, settings)
                        .map(|(state_bytes, state_dropped)| Swapped {
                            pause: started.elapsed(),
                            state_bytes,
                            state_dropped,
                        });
                // The requester may have given up waiting; the swap stands.
                let _ = done.send(result);
            }
            Command::Cluster(Inbound::Restored { conn, session }) => self.restored(conn, session),
            Command::Observe(observer) => self.ns().observer = Some(observer),
            Command::Cluster(Inbound::Request {
                from,
                request:
                    Request::ServerSideEmit {
                        request_id,
                        event,
                        args_json,
                    },
            }) => self.server_event(&from, request_id, &event, &args_json),
            Command::Cluster(inbound) => self.ns().on_cluster(inbound),
            Command::Shard(msg) => match *msg {
                ShardMsg::Acked {
                    conn,
                    token,
                    answer,
                } => {
                    // Unless its timeout came first.
                    if self.ns().shard_acks.remove(&token).is_some() {
                        let (args, attachments) = match answer {
                            Some((args, attachments)) => (Some(args), attachments),
                            None => (None, Vec::new()),
                        };
                        let attachments: Vec<Vec<u8>> =
                            attachments.into_iter().map(Vec::from).collect();
                        self.call("on-ack", conn, |b, s| {
                            b.call_on_ack(s, conn, token, args.as_deref(), &attachments)
                        });
                    }
                }
                other => self.ns().on_shard(other),
            },
            Command::RepliesDue { token } => self.ns().close_collection(token),
            Command::ForeignEmit(emit) => self.ns().foreign_emit(&emit),
            Command::RepliesReady { token, replies } => {
                self.broadcast_event("on-replies", |b, s| b.call_on_replies(s, token, &replies));
            }
            Command::Timer { token, serial } => {
                if self.ns().timers.take_due(token, serial) {
                    self.complete("on-timer", |c, s| c.call_on_timer(s, token));
                }
            }
            Command::QueryDue { request_id } => self.ns().query_due(&request_id),
            Command::QueryAnswered { token, response } => {
                self.complete("on-fetch", |c, s| c.call_on_fetch(s, token, Ok(&response)));
            }
            Command::Fetched { token, response } => {
                let ns = self.ns();
                ns.fetches_in_flight = ns.fetches_in_flight.saturating_sub(1);
                self.complete("on-fetch", |c, s| {
                    c.call_on_fetch(s, token, response.as_ref().map_err(String::as_str))
                });
            }
        }
    }

    /// Deliver a completion (`on-timer`, `on-fetch`) to the running
    /// instance; one without `completions` (after a reload to an older
    /// build) cannot hear it and it is dropped.
    fn complete(
        &mut self,
        export: &'static str,
        f: impl FnOnce(&CompletionsExport, &mut Store<GuestState>) -> wasmtime::Result<()>,
    ) {
        let completions = self.live.completions.clone();
        self.call_optional(export, "completions", completions, f);
    }

    /// Deliver `on-replies` or `on-server-event` to the running instance;
    /// one without `broadcast-events` (not of an `async-broadcast` world)
    /// cannot hear it and it is dropped.
    fn broadcast_event(
        &mut self,
        export: &'static str,
        f: impl FnOnce(&BroadcastEventsExport, &mut Store<GuestState>) -> wasmtime::Result<()>,
    ) {
        let events = self.live.broadcast_events.clone();
        self.call_optional(export, "broadcast-events", events, f);
    }

    /// Call `export` of an optional `interface` of the running instance,
    /// or drop the call (logged) when the build has none.
    fn call_optional<E>(
        &mut self,
        export: &'static str,
        interface: &'static str,
        bindings: Option<E>,
        f: impl FnOnce(&E, &mut Store<GuestState>) -> wasmtime::Result<()>,
    ) {
        let Some(bindings) = bindings else {
            let endpoint = self.ns().name.clone();
            tracing::debug!(endpoint = %endpoint, export, interface, "the running build does not export it; dropped");
            return;
        };
        self.call(export, 0, |_, s| f(&bindings, s));
    }

    /// Another node's `serverSideEmit` for this endpoint: the guest's
    /// `on-server-event`, with a reply id when the sender waits for an
    /// answer.
    fn server_event(
        &mut self,
        from: &str,
        request_id: Option<String>,
        event: &str,
        args_json: &str,
    ) {
        if self.live.broadcast_events.is_none() {
            tracing::debug!(endpoint = %self.ns().name, event, "server event for a build without broadcast-events; dropped");
            return;
        }
        let reply = request_id.and_then(|id| self.ns().server_event_reply(from, id));
        self.broadcast_event("on-server-event", |b, s| {
            b.call_on_server_event(s, event, args_json, reply)
        });
    }

    fn connect(&mut self, conn: ConnId, outbox: Arc<dyn Outbox>, mut auth: Option<String>) {
        // Connection state recovery is for Engine.IO 4 clients (Socket.IO
        // 4.6+); older generations connect as before.
        let recoverable = self.ns().recovery.is_some() && outbox.generation() == Generation::Eio4;
        if recoverable && let Some(request) = RecoveryRequest::take(&mut auth) {
            match self.ns().recover(&request) {
                Recovered::Here { conn: old, missed } => {
                    // The replay buffer keeps Engine.IO 4 JSON frames.
                    let missed = wire::reframe_eio4(outbox.wire_format(), missed);
                    self.resume(conn, old, outbox, auth, missed);
                    return;
                }
                Recovered::Elsewhere => {
                    let pending = PendingRestore { outbox, auth };
                    self.ns().restore_elsewhere(conn, request, pending);
                    return;
                }
                Recovered::Refused => {}
            }
        }
        let mut socket = Conn::new(outbox.clone());
        if recoverable && let Some(recovery) = self.ns().recovery.as_mut() {
            socket.recovery = Some(Box::new(recovery.enrol(conn, None)));
        }
        self.admit(conn, socket, outbox, auth, Vec::new(), |_| {});
    }

    /// A restore from Redis (`Inbound::Restored`) is done: the connect
    /// waiting for it goes on, as the session another node kept (same id,
    /// rooms, data, pid; the missed broadcasts replayed) or, without one,
    /// as a new connection.
    fn restored(&mut self, conn: ConnId, session: Option<Box<RestoredSession>>) {
        let Some(PendingRestore { outbox, auth }) = self.ns().take_restore(conn) else {
            // Its client left meanwhile.
            return;
        };
        let mut socket = Conn::new(outbox.clone());
        let Some(session) = session else {
            self.ns().count_recovery(|s| &s.recovery.unknown);
            if let Some(recovery) = self.ns().recovery.as_mut() {
                socket.recovery = Some(Box::new(recovery.enrol(conn, None)));
            }
            self.admit(conn, socket, outbox, auth, Vec::new(), |_| {});
            return;
        };
        let endpoint = self.ns().name.clone();
        socket.sid = session.sid.clone();
        socket.data = Some(session.data_json.as_str())
            .filter(|d| !matches!(*d, "{}" | "null"))
            .map(Into::into);
        if let Some(recovery) = self.ns().recovery.as_mut() {
            socket.recovery = Some(Box::new(recovery.enrol(conn, Some(&session.pid))));
        }
        let format = outbox.wire_format();
        let missed: Vec<Frame> = session
            .missed
            .iter()
            .flat_map(|(offset, b)| {
                let packet = socketio::encode_replayable_event(
                    &endpoint,
                    &b.event,
                    &b.args_json,
                    b.attachments.len(),
                    &offset.to_string(),
                );
                wire::message_frames(format, packet, &b.attachments)
            })
            .collect();
        self.ns().count_recovery(|s| &s.recovery.recovered_remote);
        let replayed = session.missed.len() as u64;
        self.ns()
            .count_recovery_by(|s| &s.recovery.replayed, replayed);
        // Its rooms join it before the handler hears of it.
        let rooms = session.rooms.clone();
        self.ns().recovering = Some(conn);
        self.admit(conn, socket, outbox, auth, missed, |ns| {
            for room in rooms {
                if *room != *ns.conns.get(&conn).map_or("", |s| &*s.sid) {
                    let _ = ns.join(conn, room);
                }
            }
        });
    }

    /// Add a connection and ask the handler (`on-connect`): accepted, the
    /// client gets its CONNECT reply (with its private id when it has one),
    /// then `missed` (a recovery's replay), then what the handler sent.
    /// `prepare` runs on the namespace once the connection is in it, before
    /// the handler hears of it.
    fn admit(
        &mut self,
        conn: ConnId,
        socket: Conn,
        outbox: Arc<dyn Outbox>,
        auth: Option<String>,
        missed: Vec<Frame>,
        prepare: impl FnOnce(&mut Namespace),
    ) {
        let sid = socket.sid.clone();
        let endpoint = self.ns().name.clone();
        self.ns().insert_conn(conn, socket);
        prepare(self.ns());
        let info = conn_info(conn, &sid, &endpoint, outbox.as_ref(), auth);
        let verdict = self
            .call("on-connect", conn, |b, s| b.call_on_connect(s, &info))
            .unwrap_or_else(|| Err("handler failed".to_string()));
        self.ns().recovering = None;
        let welcomed = verdict.is_ok() && self.welcome(conn, outbox.as_ref(), missed);
        if !welcomed {
            let reason = verdict.err().unwrap_or_else(|| "disconnected".into());
            self.refuse(conn, outbox.as_ref(), &reason);
        }
    }

    /// An accepted connect's answer: the CONNECT reply (with the private id
    /// when it has one), then `missed` (a recovery's replay), then what the
    /// handler sent while it decided. False when the connection is gone
    /// (the handler disconnected it meanwhile).
    fn welcome(&mut self, conn: ConnId, outbox: &dyn Outbox, missed: Vec<Frame>) -> bool {
        let ns = self.ns();
        let endpoint = ns.name.clone();
        let Some(socket) = ns.conns.get_mut(&conn) else {
            return false;
        };
        let pid = socket.recovery.as_ref().map(|r| r.pid.clone());
        let mut frames = wire::connect_frames_recoverable(
            outbox.wire_format(),
            &endpoint,
            &socket.sid,
            pid.as_deref(),
        );
        frames.extend(missed);
        frames.extend(socket.held.take().unwrap_or_default());
        outbox.push(&frames);
        if let Some(observer) = &ns.observer {
            observer.observe(Observed::Connected {
                nsp: endpoint.clone(),
                conn,
                sid: socket.sid.clone(),
                outbox: socket.outbox.clone(),
                rooms: socket.rooms.iter().cloned().collect(),
                data: socket.data.clone(),
                // A shard's own queue would take the admin UI's actions
                // for its connections alone.
                endpoint: match &ns.shards {
                    Some(link) => Some(link.endpoint(&endpoint)),
                    None => ns.queue.as_ref().map(|q| q.endpoint.clone()),
                },
            });
        }
        tracing::debug!(endpoint = %endpoint, conn, sid = %socket.sid, "connected");
        self.stats.connects.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// Refuse a CONNECT: the client hears why, its session forgets the conn.
    /// Returns the connection taken out of the namespace.
    fn refuse(&mut self, conn: ConnId, outbox: &dyn Outbox, reason: &str) -> Option<Conn> {
        let endpoint = self.ns().name.clone();
        self.stats.connects_refused.fetch_add(1, Ordering::Relaxed);
        let socket = self.ns().remove_conn(conn);
        outbox.push(&wire::connect_error_frames(
            outbox.wire_format(),
            &endpoint,
            reason,
        ));
        outbox.forget(&endpoint, conn);
        tracing::debug!(endpoint = %endpoint, conn, reason = %reason, "connect refused");
        socket
    }

    /// A client recovered connection `old` (connection state recovery): the
    /// session that asked for `conn` takes it over. A handler that imports
    /// `conn-state.recovered` hears `on-connect` again (and may still refuse
    /// it: the connection then leaves); then the client gets its CONNECT
    /// reply, the packets it missed, and what the handler sent meanwhile.
    fn resume(
        &mut self,
        conn: ConnId,
        old: ConnId,
        outbox: Arc<dyn Outbox>,
        auth: Option<String>,
        missed: Vec<Frame>,
    ) {
        let endpoint = self.ns().name.clone();
        if let Some(before) = self.ns().reattach(old, outbox.clone()) {
            // Its previous session was still up: it lets go of the conn.
            before.forget(&endpoint, old);
        }
        outbox.rejoin(&endpoint, conn, old);
        let Some(socket) = self.ns().conns.get_mut(&old) else {
            return;
        };
        socket.held = Some(Vec::new());
        let sid = socket.sid.clone();
        if self.prepared.hears_recovery {
            let info = conn_info(old, &sid, &endpoint, outbox.as_ref(), auth);
            self.ns().recovering = Some(old);
            let verdict = self
                .call("on-connect", old, |b, s| b.call_on_connect(s, &info))
                .unwrap_or_else(|| Err("handler failed".to_string()));
            self.ns().recovering = None;
            if let Err(reason) = verdict {
                // The handler knew this connection: it hears it leave.
                if let Some(socket) = self.refuse(old, outbox.as_ref(), &reason) {
                    self.departed(old, socket, "server namespace disconnect");
                }
                return;
            }
        }
        // Gone only if the handler disconnected it meanwhile: it heard that.
        self.welcome(old, outbox.as_ref(), missed);
    }

    /// A connection left: its pending emit-with-acks resolve empty, then the
    /// handler hears `on-disconnect`.
    fn departed(&mut self, conn: ConnId, socket: Conn, reason: &str) {
        self.ns().observe(|| Observed::Disconnected {
            conn,
            reason: reason.to_owned(),
        });
        for token in socket.into_server_acks() {
            self.call("on-ack", conn, |b, s| {
                b.call_on_ack(s, conn, token, None, &[])
            });
        }
        self.call("on-disconnect", conn, |b, s| {
            b.call_on_disconnect(s, conn, reason)
        });
    }

    fn flush_departed(&mut self) {
        // Bounded: each round removes connections, and there are finitely many.
        while !self.ns().departed.is_empty() {
            let departed = std::mem::take(&mut self.ns().departed);
            for (conn, reason) in departed {
                self.ns().observe(|| Observed::Disconnected {
                    conn,
                    reason: reason.to_owned(),
                });
                self.call("on-disconnect", conn, |b, s| {
                    b.call_on_disconnect(s, conn, reason)
                });
            }
        }
    }

    /// Run one export under the call's limits. A failure is logged and the
    /// instance rebuilt; the caller gets None.
    fn call<R>(
        &mut self,
        export: &'static str,
        conn: ConnId,
        f: impl FnOnce(&Endpoint, &mut Store<GuestState>) -> wasmtime::Result<R>,
    ) -> Option<R> {
        self.call_for(export, conn, None, f)
    }

    /// [`Self::call`] for an event, named in the log when the call fails.
    fn call_for<R>(
        &mut self,
        export: &'static str,
        conn: ConnId,
        event: Option<&str>,
        f: impl FnOnce(&Endpoint, &mut Store<GuestState>) -> wasmtime::Result<R>,
    ) -> Option<R> {
        let live = &mut self.live;
        self.runtime.arm(&mut live.store, &self.settings.limits);
        self.changed_since_checkpoint = true;
        let started = Instant::now();
        let result = f(&live.bindings, &mut live.store);
        let outcome = outcome_of(&live.store, result.as_ref().err());
        self.stats.record(export, started.elapsed(), outcome);
        match result {
            Ok(r) => Some(r),
            Err(e) => {
                let endpoint = live.store.data().ns.name.clone();
                let kind = outcome.describe();
                let event = event.unwrap_or("");
                tracing::error!(endpoint = %endpoint, conn, export, event, kind, "guest call failed: {e:?}");
                self.rebuild();
                None
            }
        }
    }

    /// A trapped instance may not be entered again: start a fresh one on a
    /// fresh store, restore the last checkpoint (the state taken at the last
    /// reload or since, if any), and move the namespace across.
    fn rebuild(&mut self) {
        self.stats.rebuilds.fetch_add(1, Ordering::Relaxed);
        let name = self.ns().name.clone();
        let max_payload = self.ns().max_payload;
        let fresh = || Namespace::new(name.clone(), max_payload);
        let mut live = match self
            .runtime
            .instantiate(&self.prepared, fresh(), &self.settings)
        {
            Ok(live) => live,
            Err(e) => {
                // Keep the old store; every call will fail and be logged
                // until a reload brings a working build.
                tracing::error!(endpoint = %name, "re-instantiating the endpoint failed: {e:#}");
                return;
            }
        };
        if let Some(snapshot) = &self.last_snapshot
            && let Err(why) = restore(&self.runtime, &mut live, snapshot, &self.settings)
        {
            tracing::warn!(
                endpoint = %name,
                "restoring the last checkpoint into the rebuilt instance failed ({why}); \
                 it starts from its initial state"
            );
            match self
                .runtime
                .instantiate(&self.prepared, fresh(), &self.settings)
            {
                Ok(again) => live = again,
                Err(e) => {
                    tracing::error!(endpoint = %name, "re-instantiating the endpoint failed: {e:#}");
                    return;
                }
            }
        }
        let ns = self.ns().take();
        live.store.data_mut().ns = ns;
        self.live = live;
        // The fresh instance may not know what it held; its pending timers
        // and fetches still reach it.
        self.release_all();
    }

    /// Hand the running instance's state to `live` and make it the running
    /// one. On Err nothing changed: the old version keeps serving.
    /// Ok((bytes handed over, state dropped)).
    fn swap(
        &mut self,
        prepared: Prepared,
        mut live: Live,
        settings: EndpointSettings,
    ) -> Result<(Option<usize>, bool), String> {
        let snapshot = match &self.live.state {
            None => None,
            Some(state) => {
                let store = &mut self.live.store;
                self.runtime.arm(store, &self.settings.limits);
                match state.call_snapshot(&mut *store) {
                    Ok(Ok(bytes)) => Some(bytes),
                    Ok(Err(reason)) => {
                        return Err(format!(
                            "the running version refused to snapshot its state: {reason}"
                        ));
                    }
                    Err(e) => {
                        let kind = outcome_of(store, Some(&e)).describe();
                        let endpoint = store.data().ns.name.clone();
                        tracing::error!(endpoint = %endpoint, export = "snapshot", kind, "guest call failed: {e:?}");
                        self.rebuild();
                        return Err(format!(
                            "the running version failed taking its snapshot ({kind}): {e:#}"
                        ));
                    }
                }
            }
        };
        if let Some(bytes) = &snapshot
            && live.state.is_some()
        {
            // The new instance's store still holds an empty namespace: host
            // calls made while restoring reach no client, so a refusal
            // leaves nothing to undo.
            restore(&self.runtime, &mut live, bytes, &settings)?;
        }
        let ns = self.ns().take();
        live.store.data_mut().ns = ns;
        let state_bytes = snapshot
            .as_ref()
            .filter(|_| live.state.is_some())
            .map(Vec::len);
        let state_dropped = snapshot.is_some() && live.state.is_none();
        self.live = live;
        self.prepared = prepared;
        self.settings = settings;
        if self.live.completions.is_none() {
            // A build without `completions` cannot hear timers.
            self.ns().timers.clear();
        }
        if self.live.completions.is_none() || state_bytes.is_none() {
            // Only a build that took the old one's state over can know
            // which connections it held; otherwise none stays parked for
            // good.
            self.release_all();
        }
        self.last_snapshot = if self.live.state.is_some() {
            snapshot
        } else {
            None
        };
        self.last_checkpoint = Instant::now();
        self.changed_since_checkpoint = false;
        Ok((state_bytes, state_dropped))
    }
}

/// `restore(bytes)` on an instance nobody else has entered yet.
fn restore(
    runtime: &Runtime,
    live: &mut Live,
    bytes: &[u8],
    settings: &EndpointSettings,
) -> Result<(), String> {
    let Some(state) = &live.state else {
        return Ok(());
    };
    runtime.arm(&mut live.store, &settings.limits);
    let result = state.call_restore(&mut live.store, bytes);
    match result {
        Ok(Ok(())) => Ok(()),
        Ok(Err(reason)) => Err(format!("the new version refused the state: {reason}")),
        Err(e) => Err(format!(
            "the new version failed restoring the state ({}): {e:#}",
            outcome_of(&live.store, Some(&e)).describe()
        )),
    }
}

/// How a guest call ended: which limit stopped it, if any.
fn outcome_of(store: &Store<GuestState>, error: Option<&wasmtime::Error>) -> CallOutcome {
    let Some(e) = error else {
        return CallOutcome::Ok;
    };
    if e.downcast_ref::<DeadlineInWasi>().is_some() {
        return CallOutcome::Deadline;
    }
    match e.downcast_ref::<wasmtime::Trap>() {
        Some(wasmtime::Trap::Interrupt) => CallOutcome::Deadline,
        Some(wasmtime::Trap::OutOfFuel) => CallOutcome::Fuel,
        // A guest whose allocator got no memory aborts with whatever trap
        // its language uses (Rust: `unreachable`): the refusal tells.
        _ if store.data().limiter.memory_refused => CallOutcome::Memory,
        Some(_) => CallOutcome::Trap,
        None => CallOutcome::Error,
    }
}

/// Make the calling thread (an endpoint actor) `SCHED_BATCH`: when a tokio
/// worker hands it a command it no longer takes the core from that worker
/// at once, so on a busy core the worker goes on reading the other clients
/// and the actor later runs their commands in one go instead of one context
/// switch per event (on a single core this alone moved the echo benchmark
/// from about 76k to 101k acks/s; bench/RESULTS.md). It still gets its fair
/// share of the CPU; only its wake-up preemption is given up. A failure
/// (a kernel or sandbox refusing it) leaves the default policy.
#[cfg(target_os = "linux")]
fn prefer_throughput() {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: sched_setscheduler reads `param` during the call only; pid 0
    // is the calling thread.
    let rc = unsafe { libc::sched_setscheduler(0, libc::SCHED_BATCH, &param) };
    if rc != 0 {
        tracing::debug!(
            "SCHED_BATCH refused for the endpoint actor: {}",
            std::io::Error::last_os_error()
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn prefer_throughput() {}

#[cfg(test)]
mod tests {
    /// Every command an endpoint queues is moved as its largest kind: keep
    /// the rare large ones (the cluster link) boxed.
    #[test]
    fn commands_stay_small() {
        assert!(std::mem::size_of::<super::Command>() <= 224);
    }
}

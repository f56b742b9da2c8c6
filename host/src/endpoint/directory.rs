//! The live endpoints by namespace name ([`Endpoints`]): the ones loaded
//! at start, and the namespaces of pattern entries (`/room-*`,
//! `~/game-[0-9]+`; docs/handlers.md, "Dynamic namespaces"), each an
//! endpoint of its own (namespace, rooms, instance, `/stats` entry,
//! key-value scope) started on its first CONNECT from the pattern's
//! current build and stopped after `namespace-idle-timeout` without a
//! connection. A CONNECT finds its endpoint here ([`Endpoints::connect`]);
//! anything else looks a live endpoint up by name with [`Endpoints::get`].
//!
//! A pattern's table of namespaces is locked while a CONNECT is queued to
//! one of them, and a namespace leaves the table, under the same lock, only
//! when nothing is queued for it (`Lease::try_retire`): so a CONNECT never
//! lands in the queue of an actor that is stopping; the next one starts a
//! new namespace.

use std::collections::HashMap;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use sio_protocol::wire;

use super::actor::{self, Command, EndpointHandle};
use super::observer::Observer;
use super::runtime::{EndpointSettings, Prepared, Runtime};
use crate::config::{NamespaceLimits, NamespacePattern, RecoveryConfig};
use crate::stats::{PatternStats, Stats};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Every endpoint a client may reach, by namespace name.
pub struct Endpoints {
    /// The endpoints of plain entries, started with the server.
    exact: HashMap<String, EndpointHandle>,
    /// Pattern entries, in the order they were given: the first that
    /// matches a name serves it (a plain entry for the name wins).
    patterns: Vec<Arc<PatternEndpoint>>,
    stats: Arc<Stats>,
}

impl Endpoints {
    /// The server's endpoints: `exact` by namespace, then `patterns`.
    pub(crate) fn new(
        exact: HashMap<String, EndpointHandle>,
        patterns: Vec<Arc<PatternEndpoint>>,
        stats: Arc<Stats>,
    ) -> Endpoints {
        Endpoints {
            exact,
            patterns,
            stats,
        }
    }

    /// The live endpoint serving namespace `name`: a plain entry's, or a
    /// pattern's namespace that is running now. Starts nothing (a pattern
    /// namespace nobody joined has nobody to tell anything).
    pub fn get(&self, name: &str) -> Option<EndpointHandle> {
        if let Some(handle) = self.exact.get(name) {
            return Some(handle.clone());
        }
        self.pattern_for(name)?.running(name)
    }

    /// Whether a CONNECT for `name` finds an endpoint (or a pattern to
    /// start one from).
    pub fn serves(&self, name: &str) -> bool {
        self.exact.contains_key(name) || self.pattern_for(name).is_some()
    }

    /// Route a client's CONNECT for `name`: `send` gets the endpoint that
    /// serves it (a pattern's namespace is started if it is not running)
    /// and queues the connect. False: no endpoint for it, counted (no
    /// entry or pattern for the name, the pattern at its
    /// `max-namespaces`, or a namespace that could not start): the client
    /// is to get Socket.IO's "Invalid namespace".
    pub fn connect(&self, name: &str, send: impl FnOnce(&EndpointHandle)) -> bool {
        if let Some(handle) = self.exact.get(name) {
            send(handle);
            return true;
        }
        match self.pattern_for(name) {
            Some(pattern) => pattern.connect(name, send),
            None => {
                self.stats.unknown_namespace.fetch_add(1, Relaxed);
                false
            }
        }
    }

    /// The plain entries' endpoints: what joins a cluster (`--redis`);
    /// pattern namespaces stay on their node.
    pub fn exact(&self) -> impl Iterator<Item = (&str, &EndpointHandle)> {
        self.exact
            .iter()
            .map(|(name, handle)| (name.as_str(), handle))
    }

    fn pattern_for(&self, name: &str) -> Option<&Arc<PatternEndpoint>> {
        self.patterns.iter().find(|p| p.pattern.matches(name))
    }
}

/// What starting a pattern's namespace takes besides its build.
pub(crate) struct ChildFactory {
    pub runtime: Runtime,
    pub max_payload: usize,
    pub recovery: Option<RecoveryConfig>,
    pub stats: Arc<Stats>,
    /// The server's tokio runtime (timers, fetches), whatever thread a
    /// CONNECT arrives on.
    pub rt: tokio::runtime::Handle,
    /// Who hears what happens in each namespace (the admin UI), if anyone.
    pub observer: Option<Arc<dyn Observer>>,
}

/// What a new namespace of a pattern starts from; a reload replaces it.
#[derive(Clone)]
struct Build {
    prepared: Prepared,
    settings: EndpointSettings,
}

/// A running namespace of a pattern.
struct Child {
    /// Tells this start of the name from an earlier or later one.
    id: u64,
    handle: EndpointHandle,
}

/// A pattern entry: its build, its limits and its running namespaces.
pub(crate) struct PatternEndpoint {
    pattern: NamespacePattern,
    factory: ChildFactory,
    build: Mutex<Build>,
    max_namespaces: AtomicUsize,
    /// `namespace-idle-timeout`, ms; 0: never stopped.
    idle_timeout_ms: AtomicU64,
    children: Mutex<HashMap<String, Child>>,
    next_id: AtomicU64,
    stats: Arc<PatternStats>,
}

impl PatternEndpoint {
    /// A pattern entry with no namespace running yet. Its `/stats` entry
    /// (named by the pattern) is made now: stopped namespaces' counters
    /// join it.
    pub(crate) fn new(
        pattern: NamespacePattern,
        prepared: Prepared,
        settings: EndpointSettings,
        limits: NamespaceLimits,
        factory: ChildFactory,
    ) -> Arc<PatternEndpoint> {
        factory
            .stats
            .endpoint_in(pattern.as_str(), Some(pattern.as_str()));
        let stats = factory.stats.pattern(pattern.as_str());
        let entry = PatternEndpoint {
            pattern,
            factory,
            build: Mutex::new(Build { prepared, settings }),
            max_namespaces: AtomicUsize::new(0),
            idle_timeout_ms: AtomicU64::new(0),
            children: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            stats,
        };
        entry.set_limits(limits);
        Arc::new(entry)
    }

    /// The pattern as written.
    pub(crate) fn name(&self) -> &str {
        self.pattern.as_str()
    }

    /// Namespaces started from now on use this build (a reload).
    pub(crate) fn set_build(&self, prepared: Prepared, settings: EndpointSettings) {
        *lock(&self.build) = Build { prepared, settings };
    }

    /// New limits (a reload re-read the entry). A lower `max-namespaces`
    /// stops none: it refuses new ones until fewer run.
    pub(crate) fn set_limits(&self, limits: NamespaceLimits) {
        self.max_namespaces.store(limits.max_namespaces, Relaxed);
        let ms = limits.idle_timeout.as_millis().min(u64::MAX.into()) as u64;
        self.idle_timeout_ms.store(ms, Relaxed);
        self.stats
            .max_namespaces
            .store(limits.max_namespaces as u64, Relaxed);
    }

    /// The namespaces running now, by name.
    pub(crate) fn running_all(&self) -> Vec<EndpointHandle> {
        lock(&self.children)
            .values()
            .map(|c| c.handle.clone())
            .collect()
    }

    fn running(&self, name: &str) -> Option<EndpointHandle> {
        lock(&self.children).get(name).map(|c| c.handle.clone())
    }

    fn connect(self: &Arc<Self>, name: &str, send: impl FnOnce(&EndpointHandle)) -> bool {
        let mut children = lock(&self.children);
        if let Some(child) = children.get(name) {
            send(&child.handle);
            return true;
        }
        let max = self.max_namespaces.load(Relaxed);
        if children.len() >= max {
            self.stats.refused_max_namespaces.fetch_add(1, Relaxed);
            tracing::debug!(
                pattern = %self.name(),
                namespace = %name,
                max,
                "connect refused: the pattern has max-namespaces running"
            );
            return false;
        }
        let id = self.next_id.fetch_add(1, Relaxed);
        let Build { prepared, settings } = lock(&self.build).clone();
        let lease = Lease {
            entry: self.clone(),
            id,
            name: name.to_string(),
            idle_since: None,
        };
        match actor::spawn_child(&self.factory, name, prepared, settings, lease) {
            Ok(handle) => {
                children.insert(
                    name.to_string(),
                    Child {
                        id,
                        handle: handle.clone(),
                    },
                );
                self.stats.started.fetch_add(1, Relaxed);
                self.stats.alive.store(children.len() as i64, Relaxed);
                tracing::info!(pattern = %self.name(), namespace = %name, "namespace started");
                send(&handle);
                true
            }
            Err(e) => {
                self.factory.stats.retire_endpoint(name, self.name());
                tracing::error!(
                    pattern = %self.name(),
                    namespace = %name,
                    "starting the namespace's endpoint failed: {e:#}"
                );
                false
            }
        }
    }
}

/// A running pattern namespace's place in its pattern's table, held by its
/// actor: the actor notes when it is in use, and gives the place up when it
/// has been idle for the pattern's `namespace-idle-timeout`.
pub(crate) struct Lease {
    entry: Arc<PatternEndpoint>,
    id: u64,
    name: String,
    /// Since when it has had no connection; None: in use.
    idle_since: Option<Instant>,
}

impl Lease {
    /// The pattern it belongs to, as written.
    pub fn pattern(&self) -> &str {
        self.entry.name()
    }

    /// Whether the namespace is in use now (the actor asks after each run
    /// of commands).
    pub fn note(&mut self, in_use: bool) {
        if in_use {
            self.idle_since = None;
        } else {
            self.idle_since.get_or_insert_with(Instant::now);
        }
    }

    /// How long until it may stop; None: in use, or stopping is off.
    pub fn due_in(&self) -> Option<Duration> {
        let timeout = Duration::from_millis(self.entry.idle_timeout_ms.load(Relaxed));
        if timeout.is_zero() {
            return None;
        }
        Some(timeout.saturating_sub(self.idle_since?.elapsed()))
    }

    /// Leave the table when `queue_empty` (checked under the table's lock,
    /// so no CONNECT can be on its way): whether the actor stops now. Its
    /// counters join the pattern's `/stats` entry.
    pub fn try_retire(&mut self, queue_empty: impl FnOnce() -> bool) -> bool {
        let entry = &self.entry;
        let mut children = lock(&entry.children);
        if !queue_empty() {
            // Something came: it runs first, and the idle time restarts.
            self.idle_since = None;
            return false;
        }
        self.leave(&mut children);
        tracing::info!(
            pattern = %entry.name(),
            namespace = %self.name,
            "namespace stopped: no connection for its idle timeout"
        );
        true
    }

    /// Its instance could not be made: leave the table, then refuse the
    /// CONNECTs that were queued meanwhile (nothing else was: it had no
    /// connection).
    pub fn failed_to_start(self, rx: Receiver<Command>, error: &anyhow::Error) {
        tracing::error!(
            pattern = %self.pattern(),
            namespace = %self.name,
            "the namespace's instance failed to start: {error:#}"
        );
        let entry = self.entry.clone();
        self.leave(&mut lock(&entry.children));
        for command in rx.try_iter() {
            if let Command::Connect { conn, outbox, .. } = command {
                outbox.push(&wire::connect_error_frames(
                    outbox.wire_format(),
                    &self.name,
                    "handler failed",
                ));
                outbox.forget(&self.name, conn);
            }
        }
    }

    /// Out of the table (if still in it) and out of `/stats`.
    fn leave(&self, children: &mut HashMap<String, Child>) {
        let entry = &self.entry;
        if children.get(&self.name).is_some_and(|c| c.id == self.id) {
            children.remove(&self.name);
            entry.stats.alive.store(children.len() as i64, Relaxed);
            entry.stats.stopped.fetch_add(1, Relaxed);
            // Under the table's lock: a namespace of the same name started
            // next gets a fresh entry, not this one.
            entry
                .factory
                .stats
                .retire_endpoint(&self.name, entry.name());
        }
    }
}

/// Every endpoint's way to the others, for `broadcast.emit` to another
/// endpoint (`imports/broadcast.rs`): one per server, filled once its
/// [`Endpoints`] exist (after the endpoints started), weak so that it keeps
/// nothing alive.
#[derive(Clone, Default)]
pub struct Peers(Arc<std::sync::OnceLock<std::sync::Weak<Endpoints>>>);

impl std::fmt::Debug for Peers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Peers")
    }
}

impl Peers {
    /// The server's endpoints, from now on.
    pub(crate) fn set(&self, endpoints: &Arc<Endpoints>) {
        let _ = self.0.set(Arc::downgrade(endpoints));
    }

    /// The live endpoint serving `name`, as [`Endpoints::get`] finds it.
    pub(crate) fn get(&self, name: &str) -> Option<EndpointHandle> {
        self.0.get()?.upgrade()?.get(name)
    }
}

//! Hot reload: replacing an endpoint's component under live connections.
//!
//! The pipeline, per endpoint and one reload at a time:
//!
//! 1. read the endpoint's entry again (`sio.toml`, when there is one: an
//!    edited path, limit or config value takes effect) and the component file;
//! 2. off the actor, on a blocking thread: compile (wasmtime's compilation
//!    cache makes a build seen before a matter of milliseconds), check it
//!    against the contract, instantiate it on a store of its own;
//! 3. queue a [`Command::Swap`]: the actor runs it between two calls,
//!    taking the running instance's `snapshot`, `restore`-ing it into the
//!    new instance, moving the namespace (connections, rooms, pending acks,
//!    nothing of which lives in the guest) across, and swapping.
//!
//! A file that fails any step is refused with a log line saying why, and the
//! running version keeps serving. Triggers: `run --watch` (see
//! [`super::watch`]), SIGHUP, and the admin endpoint (`sio-host reload`).
//!
//! A pattern entry (`/room-*`) reloads as one: once the new build passed
//! steps 1-2, namespaces started from then on use it, and each running
//! namespace gets it through step 3 in turn, on an instance of its own. A
//! namespace whose swap is refused (its state does not fit, say) keeps its
//! version; the outcome counts it.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result};
use serde::Serialize;

use super::actor::{self, Command, EndpointHandle, Swap, Swapped};
use super::directory::{ChildFactory, Endpoints, PatternEndpoint, Peers};
use super::namespace::Namespace;
use super::observer::Observer;
use super::runtime::{EndpointSettings, GuestLimits, Live, Prepared, Runtime, fingerprint};
use crate::config::{Config, EndpointConfig, EndpointSource, NamespaceLimits};
use crate::kv::KvStore;
use crate::stats::Stats;

/// What asked for a reload (it shows in the log line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// `run --watch` saw the file change. An unchanged file is skipped.
    Watch,
    /// SIGHUP.
    Signal,
    /// The admin endpoint (`sio-host reload`).
    Admin,
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Trigger::Watch => "watch",
            Trigger::Signal => "SIGHUP",
            Trigger::Admin => "admin",
        })
    }
}

/// How one reload ended.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Outcome {
    /// The new version is live.
    Reloaded(Reloaded),
    /// Watch only: the file's bytes and the endpoint's entry are what is
    /// running already.
    Unchanged,
    /// Refused; the running version keeps serving.
    Refused {
        /// Why, as the log and `sio-host reload` say it.
        reason: String,
    },
}

impl Outcome {
    /// Whether the reload was refused.
    pub fn is_refused(&self) -> bool {
        matches!(self, Outcome::Refused { .. })
    }
}

/// A successful reload, with its timings.
#[derive(Debug, Clone, Serialize)]
pub struct Reloaded {
    /// The component file now serving.
    pub component: PathBuf,
    /// 1 for the version loaded at start, +1 per reload.
    pub version: u64,
    /// Reading, compiling (or loading from the cache), checking and
    /// instantiating, off the actor.
    pub prepare_ms: f64,
    /// How long the endpoint's queue waited: snapshot, restore, swap.
    pub pause_ms: f64,
    /// From the request to the new version serving.
    pub total_ms: f64,
    /// Bytes of state handed over; None: no hand-off (one side exports no
    /// `sio:realtime/state`).
    pub state_bytes: Option<usize>,
    /// The old version had state the new one cannot take (it exports no
    /// `state`): the new one starts from its initial state.
    pub state_dropped: bool,
    /// A pattern entry: what became of its running namespaces (the
    /// figures above are then the longest pause and the total state).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespaces: Option<NamespacesReloaded>,
}

/// A pattern entry's running namespaces at a reload.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NamespacesReloaded {
    /// Namespaces now running the new version.
    pub reloaded: usize,
    /// Namespaces that refused it and kept their version.
    pub kept: usize,
    /// Why the first of those refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_refusal: Option<String>,
}

/// One endpoint as the admin endpoint reports it.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// The namespace it serves.
    pub endpoint: String,
    /// The component file serving it.
    pub component: PathBuf,
    /// 1 for the version loaded at start, +1 per reload.
    pub version: u64,
    /// Whether the running version exports `sio:realtime/state`.
    pub state: bool,
    /// Seconds since the Unix epoch.
    pub loaded_at: u64,
    /// Reloads that went live.
    pub reloads: u64,
    /// Reloads refused (the running version kept serving).
    pub refused: u64,
    /// Why the last refused reload was refused.
    pub last_refusal: Option<String>,
    /// A pattern entry: its namespaces running now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespaces: Option<usize>,
}

struct Entry {
    target: Target,
    /// Held for a whole reload, so two triggers never interleave.
    state: tokio::sync::Mutex<EntryState>,
}

/// What an entry's reload swaps.
enum Target {
    /// A plain entry's endpoint.
    Endpoint(EndpointHandle),
    /// A pattern entry: its build for new namespaces, and each running one.
    Pattern(Arc<PatternEndpoint>),
}

struct EntryState {
    config: EndpointConfig,
    fingerprint: u64,
    has_state: bool,
    version: u64,
    loaded_at: SystemTime,
    reloads: u64,
    refused: u64,
    last_refusal: Option<String>,
}

/// Every endpoint of a server and how to reload it.
pub struct Reloader {
    runtime: Runtime,
    max_payload: usize,
    default_limits: GuestLimits,
    /// `http-allow` of endpoints without their own (`Config::http_allow`).
    default_http_allow: Vec<String>,
    /// Pattern entries' limits unless they set their own.
    default_namespace_limits: NamespaceLimits,
    source: EndpointSource,
    entries: BTreeMap<String, Entry>,
    stats: Arc<Stats>,
    /// The handlers' key-value store, handed to every instance.
    store: KvStore,
    /// Handed to every endpoint's settings (emits to other endpoints).
    peers: Peers,
}

impl Reloader {
    /// Load every endpoint of `config` (compiling in parallel is wasmtime's
    /// business: one at a time here) and start their actors; a pattern
    /// entry starts none until a client asks for one of its namespaces.
    /// `native`: endpoints the host serves itself, routed to like the
    /// others; `observer` hears what happens in every namespace (both the
    /// admin UI's). Needs a tokio runtime.
    pub async fn start(
        config: &Config,
        runtime: Runtime,
        stats: Arc<Stats>,
        store: KvStore,
        native: Vec<EndpointHandle>,
        observer: Option<Arc<dyn Observer>>,
    ) -> Result<(Reloader, Arc<Endpoints>)> {
        let default_limits = GuestLimits {
            call_deadline: config.call_deadline,
            max_memory: config.max_memory,
            fuel: config.fuel,
            max_outbound_per_call: config.max_outbound_per_call,
            checkpoint_interval: config.checkpoint_interval,
        };
        let peers = Peers::default();
        let mut entries = BTreeMap::new();
        let mut handles: HashMap<String, EndpointHandle> = native
            .into_iter()
            .map(|h| (h.name.to_string(), h))
            .collect();
        let mut patterns = Vec::new();
        for e in &config.endpoints {
            let started = Instant::now();
            let rt = runtime.clone();
            let path = e.component.clone();
            let prepared = tokio::task::spawn_blocking(move || rt.prepare(&path))
                .await
                .context("loading task failed")?
                .with_context(|| {
                    format!(
                        "loading endpoint {} from {}",
                        e.namespace,
                        e.component.display()
                    )
                })?;
            let (fp, has_state) = (prepared.fingerprint, prepared.has_state());
            let mut settings = settings_for(e, &default_limits, &config.http_allow);
            settings.kv = Some(store.clone());
            settings.peers = peers.clone();
            let target = match &e.pattern {
                Some(pattern) => {
                    let factory = ChildFactory {
                        runtime: runtime.clone(),
                        max_payload: config.max_payload,
                        recovery: config.recovery.clone(),
                        stats: stats.clone(),
                        rt: tokio::runtime::Handle::current(),
                        observer: observer.clone(),
                    };
                    let limits = config.namespace_limits().for_entry(e);
                    let entry =
                        PatternEndpoint::new(pattern.clone(), prepared, settings, limits, factory);
                    patterns.push(entry.clone());
                    Target::Pattern(entry)
                }
                None => {
                    let handle = actor::spawn(
                        &runtime,
                        &e.namespace,
                        prepared,
                        settings,
                        config.max_payload,
                        config.recovery.clone(),
                        stats.clone(),
                        config.shards_for(e),
                    )
                    .with_context(|| {
                        format!(
                            "starting endpoint {} from {}",
                            e.namespace,
                            e.component.display()
                        )
                    })?;
                    if let Some(observer) = &observer {
                        handle.observe(observer.clone());
                    }
                    handles.insert(e.namespace.clone(), handle.clone());
                    Target::Endpoint(handle)
                }
            };
            tracing::info!(
                namespace = %e.namespace,
                component = %e.component.display(),
                state = has_state,
                ms = started.elapsed().as_millis() as u64,
                "endpoint loaded"
            );
            entries.insert(
                e.namespace.clone(),
                Entry {
                    target,
                    state: tokio::sync::Mutex::new(EntryState {
                        config: e.clone(),
                        fingerprint: fp,
                        has_state,
                        version: 1,
                        loaded_at: SystemTime::now(),
                        reloads: 0,
                        refused: 0,
                        last_refusal: None,
                    }),
                },
            );
        }
        let reloader = Reloader {
            runtime,
            max_payload: config.max_payload,
            default_limits,
            default_http_allow: config.http_allow.clone(),
            default_namespace_limits: config.namespace_limits(),
            store,
            source: config.source.clone(),
            entries,
            stats: stats.clone(),
            peers: peers.clone(),
        };
        let endpoints = Arc::new(Endpoints::new(handles, patterns, stats));
        peers.set(&endpoints);
        Ok((reloader, endpoints))
    }

    /// The server's counters (crate::stats).
    pub fn stats(&self) -> &Arc<Stats> {
        &self.stats
    }

    /// The endpoints' namespaces, sorted.
    pub fn namespaces(&self) -> Vec<String> {
        self.entries.keys().cloned().collect()
    }

    /// The `sio.toml` the endpoints come from, if any.
    pub fn config_file(&self) -> Option<&Path> {
        self.source.file.as_deref()
    }

    /// Each endpoint's component file as it is now.
    pub async fn components(&self) -> Vec<(String, PathBuf)> {
        let mut out = Vec::new();
        for (nsp, entry) in &self.entries {
            out.push((
                nsp.clone(),
                entry.state.lock().await.config.component.clone(),
            ));
        }
        out
    }

    /// Reload every endpoint, one after the other.
    pub async fn reload_all(&self, trigger: Trigger) -> Vec<(String, Outcome)> {
        let mut out = Vec::new();
        for nsp in self.entries.keys() {
            out.push((nsp.clone(), self.reload(nsp, trigger).await));
        }
        out
    }

    /// Reload one endpoint. Unknown namespaces are refused.
    pub async fn reload(&self, namespace: &str, trigger: Trigger) -> Outcome {
        let Some(entry) = self.entries.get(namespace) else {
            self.stats.reloads_refused.fetch_add(1, Ordering::Relaxed);
            return Outcome::Refused {
                reason: format!(
                    "no endpoint {namespace:?} (endpoints: {})",
                    self.namespaces().join(", ")
                ),
            };
        };
        let mut st = entry.state.lock().await;
        let started = Instant::now();
        let outcome = match self.try_reload(namespace, entry, &mut st, trigger).await {
            Ok(Some(r)) => Outcome::Reloaded(Reloaded {
                total_ms: ms(started.elapsed()),
                ..r
            }),
            Ok(None) => Outcome::Unchanged,
            Err(reason) => Outcome::Refused { reason },
        };
        let component = st.config.component.display().to_string();
        match &outcome {
            Outcome::Reloaded(r) => {
                self.stats.reloads_ok.fetch_add(1, Ordering::Relaxed);
                tracing::info!(
                    endpoint = namespace,
                    component,
                    %trigger,
                    version = r.version,
                    prepare_ms = r.prepare_ms,
                    pause_ms = r.pause_ms,
                    total_ms = r.total_ms,
                    state_bytes = r.state_bytes,
                    "endpoint reloaded"
                );
                if r.state_dropped {
                    tracing::warn!(
                        endpoint = namespace,
                        "the new version exports no sio:realtime/state: the old version's \
                         state was dropped and the handler starts from its initial state"
                    );
                }
            }
            Outcome::Unchanged => {
                tracing::debug!(endpoint = namespace, component, %trigger, "unchanged; not reloaded");
            }
            Outcome::Refused { reason } => {
                self.stats.reloads_refused.fetch_add(1, Ordering::Relaxed);
                st.refused += 1;
                st.last_refusal = Some(reason.clone());
                tracing::warn!(
                    endpoint = namespace,
                    component,
                    %trigger,
                    "reload refused, the running version keeps serving: {reason}"
                );
            }
        }
        outcome
    }

    async fn try_reload(
        &self,
        namespace: &str,
        entry: &Entry,
        st: &mut EntryState,
        trigger: Trigger,
    ) -> Result<Option<Reloaded>, String> {
        let config = self.current_entry(namespace, &st.config)?;
        if config.shards != st.config.shards {
            return Err(format!(
                "changing shards ({:?} to {:?}) needs a restart",
                st.config.shards, config.shards
            ));
        }
        let runtime = self.runtime.clone();
        let mut settings = settings_for(&config, &self.default_limits, &self.default_http_allow);
        settings.kv = Some(self.store.clone());
        settings.peers = self.peers.clone();
        if settings.limits.fuel.is_some() && !self.runtime.meters_fuel() {
            // Fuel metering is compiled in for the whole process, or not.
            tracing::warn!(
                endpoint = %namespace,
                "a fuel limit needs a restart: this server was started without fuel \
                 metering, so the limit is not applied (the call deadline still is)"
            );
        }
        let placeholder = Namespace::new(namespace.into(), self.max_payload);
        let (skip_fp, path) = (
            (trigger == Trigger::Watch && config == st.config).then_some(st.fingerprint),
            config.component.clone(),
        );
        let settings2 = settings.clone();
        let prepared = tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let bytes =
                std::fs::read(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
            if skip_fp == Some(fingerprint(&bytes)) {
                return Ok(None);
            }
            let prepared = runtime
                .prepare_bytes(&bytes, &path, started)
                .map_err(|e| format!("{e:#}"))?;
            let live = runtime
                .instantiate(&prepared, placeholder, &settings2)
                .map_err(|e| format!("{e:#}"))?;
            Ok::<_, String>(Some((prepared, live, started.elapsed())))
        })
        .await
        .map_err(|e| format!("the loading task failed: {e}"))??;
        let Some((prepared, live, prepare_time)) = prepared else {
            return Ok(None);
        };
        let (fp, has_state) = (prepared.fingerprint, prepared.has_state());
        let (swapped, namespaces) = match &entry.target {
            Target::Endpoint(handle) => (
                self.swap_shards(handle, prepared, live, settings).await?,
                None,
            ),
            Target::Pattern(pattern) => {
                drop(live); // it showed the build instantiates; each namespace gets its own
                pattern.set_limits(self.default_namespace_limits.for_entry(&config));
                let (swapped, namespaces) =
                    self.reload_namespaces(pattern, prepared, settings).await;
                (swapped, Some(namespaces))
            }
        };
        st.version += 1;
        st.reloads += 1;
        st.fingerprint = fp;
        st.has_state = has_state;
        st.loaded_at = SystemTime::now();
        st.config = config.clone();
        Ok(Some(Reloaded {
            component: config.component,
            version: st.version,
            prepare_ms: ms(prepare_time),
            pause_ms: ms(swapped.pause),
            total_ms: 0.0,
            state_bytes: swapped.state_bytes,
            state_dropped: swapped.state_dropped,
            namespaces,
        }))
    }

    /// Swap a plain entry's endpoint to `live`; a sharded one swaps each
    /// shard, one after the other (the others keep serving meanwhile), each
    /// to an instance of its own made before the first swap, each handing
    /// over its own state. The longest pause and the total state.
    async fn swap_shards(
        &self,
        handle: &EndpointHandle,
        prepared: Prepared,
        live: Live,
        settings: EndpointSettings,
    ) -> Result<Swapped, String> {
        let shards = handle.shards();
        let mut lives = vec![live];
        for _ in 1..shards.len() {
            let (runtime, prepared2, settings2) =
                (self.runtime.clone(), prepared.clone(), settings.clone());
            let placeholder = Namespace::new(handle.name.clone(), self.max_payload);
            let live = tokio::task::spawn_blocking(move || {
                runtime
                    .instantiate(&prepared2, placeholder, &settings2)
                    .map_err(|e| format!("{e:#}"))
            })
            .await
            .map_err(|e| format!("the loading task failed: {e}"))??;
            lives.push(live);
        }
        let mut total = Swapped {
            pause: Duration::ZERO,
            state_bytes: None,
            state_dropped: false,
        };
        for (i, (shard, live)) in shards.iter().zip(lives).enumerate() {
            match swap(shard, prepared.clone(), live, settings.clone()).await {
                Ok(s) => {
                    total.pause = total.pause.max(s.pause);
                    if let Some(n) = s.state_bytes {
                        total.state_bytes = Some(total.state_bytes.unwrap_or(0) + n);
                    }
                    total.state_dropped |= s.state_dropped;
                }
                Err(reason) if i == 0 => return Err(reason),
                Err(reason) => {
                    return Err(format!(
                        "shard {i} kept its version ({reason}); shards 0 to {} run the new one",
                        i - 1
                    ));
                }
            }
        }
        Ok(total)
    }

    /// A pattern entry's new build: namespaces started from now on use it,
    /// then each running one swaps to it on an instance of its own (made
    /// off its actor). A refusal keeps that namespace's version. The
    /// longest pause and the total state handed over, and the tally.
    async fn reload_namespaces(
        &self,
        pattern: &PatternEndpoint,
        prepared: Prepared,
        settings: EndpointSettings,
    ) -> (Swapped, NamespacesReloaded) {
        // First the build for new namespaces: a namespace started while
        // the running ones swap already runs the new version.
        pattern.set_build(prepared.clone(), settings.clone());
        let mut total = Swapped {
            pause: Duration::ZERO,
            state_bytes: None,
            state_dropped: false,
        };
        let mut tally = NamespacesReloaded::default();
        for handle in pattern.running_all() {
            let (runtime, prepared2, settings2) =
                (self.runtime.clone(), prepared.clone(), settings.clone());
            let placeholder = Namespace::new(handle.name.clone(), self.max_payload);
            let live = tokio::task::spawn_blocking(move || {
                runtime
                    .instantiate(&prepared2, placeholder, &settings2)
                    .map_err(|e| format!("{e:#}"))
            })
            .await
            .map_err(|e| format!("the loading task failed: {e}"))
            .and_then(|live| live);
            let outcome = match live {
                Ok(live) => swap(&handle, prepared.clone(), live, settings.clone()).await,
                Err(reason) => Err(reason),
            };
            match outcome {
                Ok(s) => {
                    tally.reloaded += 1;
                    total.pause = total.pause.max(s.pause);
                    if let Some(n) = s.state_bytes {
                        total.state_bytes = Some(total.state_bytes.unwrap_or(0) + n);
                    }
                    total.state_dropped |= s.state_dropped;
                }
                // Stopped meanwhile (idle): nothing to reload.
                Err(reason) if reason == ACTOR_GONE => {}
                Err(reason) => {
                    tracing::warn!(
                        pattern = %pattern.name(),
                        namespace = %handle.name,
                        "the namespace keeps its version: {reason}"
                    );
                    tally.kept += 1;
                    tally
                        .first_refusal
                        .get_or_insert_with(|| format!("{}: {reason}", handle.name));
                }
            }
        }
        (total, tally)
    }

    /// The endpoint's entry as `sio.toml` and the CLI give it now.
    fn current_entry(
        &self,
        namespace: &str,
        running: &EndpointConfig,
    ) -> Result<EndpointConfig, String> {
        if self.source.file.is_none() {
            return Ok(running.clone());
        }
        let endpoints = self.source.endpoints().map_err(|e| format!("{e:#}"))?;
        endpoints
            .into_iter()
            .find(|e| e.namespace == namespace)
            .ok_or_else(|| {
                format!(
                    "{namespace} is no longer in the config file; removing (or adding) an \
                     endpoint needs a restart"
                )
            })
    }

    /// Every endpoint's status.
    pub async fn status(&self) -> Vec<Status> {
        let mut out = Vec::new();
        for (nsp, entry) in &self.entries {
            let st = entry.state.lock().await;
            out.push(Status {
                endpoint: nsp.clone(),
                component: st.config.component.clone(),
                version: st.version,
                state: st.has_state,
                loaded_at: st
                    .loaded_at
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0),
                reloads: st.reloads,
                refused: st.refused,
                last_refusal: st.last_refusal.clone(),
                namespaces: match &entry.target {
                    Target::Pattern(pattern) => Some(pattern.running_all().len()),
                    Target::Endpoint(_) => None,
                },
            });
        }
        out
    }
}

/// What a swap answers when the endpoint's actor has stopped.
const ACTOR_GONE: &str = "the endpoint's actor is gone";

/// Queue the swap of `live` (a fresh instance of `prepared`) into
/// `handle`'s endpoint and wait for it.
async fn swap(
    handle: &EndpointHandle,
    prepared: Prepared,
    live: Live,
    settings: EndpointSettings,
) -> Result<Swapped, String> {
    let (done, result) = tokio::sync::oneshot::channel();
    handle.send(Command::Swap(Box::new(Swap {
        prepared,
        live,
        settings,
        done,
    })));
    result.await.map_err(|_| ACTOR_GONE.to_string())?
}

fn settings_for(
    e: &EndpointConfig,
    defaults: &GuestLimits,
    default_http_allow: &[String],
) -> EndpointSettings {
    EndpointSettings {
        limits: GuestLimits {
            call_deadline: e.call_deadline.unwrap_or(defaults.call_deadline),
            max_memory: e.max_memory.unwrap_or(defaults.max_memory),
            fuel: e.fuel.or(defaults.fuel),
            max_outbound_per_call: e
                .max_outbound_per_call
                .unwrap_or(defaults.max_outbound_per_call),
            checkpoint_interval: e
                .checkpoint_interval
                .unwrap_or(defaults.checkpoint_interval),
        },
        values: e.values.clone().into(),
        wasi: e.wasi.clone(),
        http_allow: e.http_allow.as_deref().unwrap_or(default_http_allow).into(),
        kv: None,
        peers: Peers::default(),
    }
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

/// What `sio-host check` found out about a file.
pub struct Checked {
    /// The compiled, checked component.
    pub prepared: Prepared,
    /// Bytes the initial state snapshots to, when it exports `state`.
    pub state_bytes: Option<usize>,
}

/// The reload pipeline without a server: compile, check against the
/// contract, instantiate, and, when the component exports `state`, a
/// snapshot of its initial state restored into a second instance.
pub fn check(runtime: &Runtime, path: &Path) -> Result<Checked> {
    let prepared = runtime.prepare(path)?;
    let settings = EndpointSettings::default();
    let ns = || Namespace::new("/".into(), 1_000_000);
    let mut live = runtime.instantiate(&prepared, ns(), &settings)?;
    let mut state_bytes = None;
    if let Some(state) = &live.state {
        let bytes = state
            .call_snapshot(&mut live.store)
            .map_err(|e| anyhow::anyhow!("snapshot of the initial state failed: {e:#}"))?
            .map_err(|r| anyhow::anyhow!("snapshot of the initial state refused: {r}"))?;
        let mut second = runtime.instantiate(&prepared, ns(), &settings)?;
        if let Some(state2) = &second.state {
            state2
                .call_restore(&mut second.store, &bytes)
                .map_err(|e| anyhow::anyhow!("restoring the initial state failed: {e:#}"))?
                .map_err(|r| anyhow::anyhow!("restoring the initial state refused: {r}"))?;
        }
        state_bytes = Some(bytes.len());
    }
    Ok(Checked {
        prepared,
        state_bytes,
    })
}

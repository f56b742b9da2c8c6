//! The WebAssembly runtime shared by every endpoint: the wasmtime `Engine`
//! (epoch interruption, compilation cache), the `Linker` with WASI and the
//! host imports, and loading a handler file into an `EndpointPre`.
//!
//! Kept apart from the actor (which owns a `Store`) and from the store's
//! data (`store.rs`) the way wasmtime's own embedding API keeps engine,
//! linker and store apart. The generated bindings are `bindings.rs`; the
//! host imports the linker gets are implemented in `imports/`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Engine, Store};

use super::bindings::{
    BroadcastEventsExport, BroadcastEventsIndices, CompletionsExport, CompletionsIndices, Endpoint,
    EndpointPre, StateExport, StateIndices, asynchronous,
};
use super::imports;
use super::namespace::Namespace;
use super::store::GuestState;
use crate::config::{self, WasiGrants};
use crate::kv::KvStore;

/// The contract version this host serves.
pub const CONTRACT: &str = "sio:realtime@0.1.0";
/// The `state` interface's export name.
pub const STATE_EXPORT: &str = "sio:realtime/state@0.1.0";
/// The `completions` interface's export name (the `async-endpoint` world).
pub const COMPLETIONS_EXPORT: &str = "sio:realtime/completions@0.1.0";
/// The `broadcast-events` interface's export name (the
/// `async-broadcast-endpoint` worlds).
pub const BROADCAST_EVENTS_EXPORT: &str = "sio:realtime/broadcast-events@0.1.0";

/// How often the epoch ticker advances the engine's epoch. Call deadlines are
/// measured in these ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Limits applied to every guest call of an endpoint (docs/architecture.md,
/// "Sandbox and limits").
#[derive(Debug, Clone)]
pub struct GuestLimits {
    /// Wall-clock budget of one export call.
    pub call_deadline: Duration,
    /// Linear memory a guest may grow to, in bytes.
    pub max_memory: usize,
    /// Fuel one call may burn; None: unmetered.
    pub fuel: Option<u64>,
    /// Messages one call may send before host calls return `limit-exceeded`.
    pub max_outbound_per_call: u32,
    /// Least time between two state checkpoints; zero: none between reloads.
    pub checkpoint_interval: Duration,
}

impl Default for GuestLimits {
    /// The server's defaults (see `crate::config`).
    fn default() -> Self {
        GuestLimits {
            call_deadline: Duration::from_millis(config::DEFAULT_CALL_DEADLINE_MS),
            max_memory: config::DEFAULT_MAX_MEMORY_MIB << 20,
            fuel: None,
            max_outbound_per_call: config::DEFAULT_MAX_OUTBOUND_PER_CALL,
            checkpoint_interval: Duration::from_millis(config::DEFAULT_CHECKPOINT_INTERVAL_MS),
        }
    }
}

impl GuestLimits {
    pub(crate) fn deadline_ticks(&self) -> u64 {
        let tick = EPOCH_TICK.as_millis().max(1);
        (self.call_deadline.as_millis().div_ceil(tick) as u64).max(1)
    }
}

/// What an endpoint's instances are given: limits, configuration values and
/// WASI grants. Replaced as a whole when a reload reads a changed `sio.toml`
/// entry.
#[derive(Debug, Clone, Default)]
pub struct EndpointSettings {
    /// Limits of each guest call.
    pub limits: GuestLimits,
    /// `sio:realtime/config` values, sorted by key.
    pub values: Arc<[(String, String)]>,
    /// Environment and directories WASI may reach (none by default).
    pub wasi: WasiGrants,
    /// Hosts `http-fetch` may reach (`http-allow`; none by default).
    pub http_allow: Arc<[String]>,
    /// The server's key-value store (`sio:realtime/store`); None under
    /// `sio-host check`, where store calls answer `unavailable`.
    pub(crate) kv: Option<KvStore>,
    /// The server's other endpoints, for emits to them (not shown in Debug).
    pub(crate) peers: super::directory::Peers,
}

/// A compiled component that passed the contract checks, ready to be
/// instantiated any number of times (start, reload, rebuild after a trap).
#[derive(Clone)]
pub struct Prepared {
    pub(crate) pre: EndpointPre<GuestState>,
    /// Present when the component exports `sio:realtime/state`.
    pub(crate) state: Option<Arc<StateIndices>>,
    /// Present when the component exports `sio:realtime/completions` (the
    /// `async-endpoint` world).
    pub(crate) completions: Option<Arc<CompletionsIndices>>,
    /// Present when the component exports `sio:realtime/broadcast-events`:
    /// it hears broadcast acks' replies and other nodes' server events.
    pub(crate) broadcast_events: Option<Arc<BroadcastEventsIndices>>,
    /// The component imports `conn-state.recovered`: it hears `on-connect`
    /// again when a connection recovers (docs/recovery.md).
    pub(crate) hears_recovery: bool,
    /// The file it came from, for logs.
    pub source: Arc<Path>,
    /// A fingerprint of the bytes, to skip reloading an unchanged file.
    pub fingerprint: u64,
    /// Time spent reading, compiling (or fetching from the cache) and linking.
    pub compile_time: Duration,
}

impl Prepared {
    /// Whether the component hands its state over on reload.
    pub fn has_state(&self) -> bool {
        self.state.is_some()
    }

    /// Whether the component takes asynchronous completions (timers,
    /// fetches): the `async-endpoint` world.
    pub fn is_async(&self) -> bool {
        self.completions.is_some()
    }

    /// Whether the component hears broadcasts' replies and other nodes'
    /// server events: the `async-broadcast-endpoint` worlds.
    pub fn hears_broadcast_events(&self) -> bool {
        self.broadcast_events.is_some()
    }
}

/// One instance of an endpoint's component in its own store.
pub(crate) struct Live {
    pub store: Store<GuestState>,
    pub bindings: Endpoint,
    pub state: Option<StateExport>,
    pub completions: Option<CompletionsExport>,
    pub broadcast_events: Option<BroadcastEventsExport>,
}

/// A cheap, stable fingerprint of a file's bytes (not a security hash).
pub fn fingerprint(bytes: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

/// Engine + linker, built once per process and shared by every endpoint.
#[derive(Clone)]
pub struct Runtime {
    engine: Engine,
    linker: Arc<Linker<GuestState>>,
    /// Whether the engine meters fuel (a process-wide setting of wasmtime).
    fuel: bool,
}

impl Runtime {
    /// A runtime without fuel metering.
    pub fn new() -> Result<Self> {
        Self::with_fuel(false)
    }

    /// `fuel`: compile with fuel metering, so endpoints may have a fuel
    /// limit. It costs guest code some speed, hence only when configured;
    /// an endpoint given fuel by a later reload needs a restart.
    pub fn with_fuel(fuel: bool) -> Result<Self> {
        let mut config = wasmtime::Config::new();
        config.wasm_component_model(true);
        config.epoch_interruption(true);
        config.consume_fuel(fuel);
        match wasmtime::Cache::new(wasmtime::CacheConfig::new()) {
            Ok(cache) => {
                config.cache(Some(cache));
            }
            // A missing cache only costs compile time.
            Err(e) => tracing::warn!("wasmtime compilation cache disabled: {e:#}"),
        }
        let engine = Engine::new(&config)?;

        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        // wasi:io's blocking calls cut at the call deadline, over the above.
        imports::wasi_io::add_to_linker(&mut linker)?;
        Endpoint::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)?;
        asynchronous::sio::realtime::async_host::add_to_linker::<_, HasSelf<_>>(
            &mut linker,
            |state| state,
        )?;

        // The epoch ticker is what turns a guest's endless loop into a trap.
        let ticker = engine.weak();
        std::thread::Builder::new()
            .name("sio-epoch".into())
            .spawn(move || {
                while let Some(engine) = ticker.upgrade() {
                    engine.increment_epoch();
                    drop(engine);
                    std::thread::sleep(EPOCH_TICK);
                }
            })?;

        Ok(Runtime {
            engine,
            linker: Arc::new(linker),
            fuel,
        })
    }

    /// Read, compile and check a handler file: its imports must be ones this
    /// host provides, its exports the `endpoint` world's, and a `state`
    /// export (optional) must have the contract's types. This is the slow
    /// step (hundreds of ms uncached, a few ms from the compilation cache);
    /// it runs off the endpoint's actor.
    pub fn prepare(&self, path: &Path) -> Result<Prepared> {
        let started = std::time::Instant::now();
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        self.prepare_bytes(&bytes, path, started)
    }

    /// [`Self::prepare`] for a file's bytes already read: `path` names them
    /// in errors and in the [`Prepared`], `started` is when reading began
    /// (it counts in `compile_time`).
    pub fn prepare_bytes(
        &self,
        bytes: &[u8],
        path: &Path,
        started: std::time::Instant,
    ) -> Result<Prepared> {
        let p = path.display();
        if bytes.is_empty() {
            bail!("compiling {p}: the file is empty");
        }
        if !bytes.starts_with(b"\0asm") {
            bail!("compiling {p}: not a WebAssembly file (no `\\0asm` header)");
        }
        if bytes.get(4..8) == Some(&[1, 0, 0, 0]) {
            bail!(
                "compiling {p}: a core WebAssembly module, not a component: build it for \
                 wasm32-wasip2 (or wrap it with `wasm-tools component new`)"
            );
        }
        let component = Component::new(&self.engine, bytes).map_err(|e| {
            anyhow::Error::from(e).context(format!(
                "compiling {p}: not a WebAssembly component that compiles"
            ))
        })?;
        self.check_contract_version(&component, path)?;
        let pre = self.linker.instantiate_pre(&component).map_err(|e| {
            anyhow::Error::from(e).context(format!(
                "{} imports something sio-host does not provide",
                path.display()
            ))
        })?;
        let state = optional_export(&component, STATE_EXPORT, path, || StateIndices::new(&pre))?;
        let completions = optional_export(&component, COMPLETIONS_EXPORT, path, || {
            CompletionsIndices::new(&pre)
        })?;
        let broadcast_events = optional_export(&component, BROADCAST_EVENTS_EXPORT, path, || {
            BroadcastEventsIndices::new(&pre)
        })?;
        let pre = EndpointPre::new(pre).map_err(|e| {
            anyhow::Error::from(e).context(format!(
                "{} does not export the {CONTRACT} `endpoint` world",
                path.display()
            ))
        })?;
        Ok(Prepared {
            pre,
            state,
            completions,
            broadcast_events,
            hears_recovery: self.imports_function(&component, "conn-state", "recovered"),
            source: path.into(),
            fingerprint: fingerprint(bytes),
            compile_time: started.elapsed(),
        })
    }

    /// Whether `component` imports `function` of the contract's interface
    /// `interface` (a function added later, which older builds lack).
    fn imports_function(&self, component: &Component, interface: &str, function: &str) -> bool {
        let name = format!("sio:realtime/{interface}@");
        component
            .component_type()
            .imports(&self.engine)
            .any(|(import, item)| {
                import.starts_with(&name)
                    && matches!(item.ty, wasmtime::component::types::ComponentItem::ComponentInstance(instance)
                        if instance.exports(&self.engine).any(|(f, _)| f == function))
            })
    }

    /// A component built against another version of the contract gets a
    /// message naming both versions rather than a bare link error.
    fn check_contract_version(&self, component: &Component, path: &Path) -> Result<()> {
        let ty = component.component_type();
        let names = ty
            .imports(&self.engine)
            .map(|(name, _)| name)
            .chain(ty.exports(&self.engine).map(|(name, _)| name));
        for name in names {
            if let Some(rest) = name.strip_prefix("sio:realtime/")
                && let Some((_, version)) = rest.split_once('@')
                && version != "0.1.0"
            {
                bail!(
                    "{} was built against sio:realtime@{version} (it uses `{name}`); \
                     this host serves {CONTRACT}",
                    path.display()
                );
            }
        }
        Ok(())
    }

    /// Instantiate a prepared component on a fresh store holding `ns`. Runs
    /// the guest's initializers under the call deadline.
    pub(crate) fn instantiate(
        &self,
        prepared: &Prepared,
        ns: Namespace,
        settings: &EndpointSettings,
    ) -> Result<Live> {
        let mut store = self.store(ns, settings)?;
        let source = prepared.source.display();
        let instance = prepared
            .pre
            .instance_pre()
            .instantiate(&mut store)
            .map_err(|e| anyhow::Error::from(e).context(format!("instantiating {source}")))?;
        let bindings = Endpoint::new(&mut store, &instance)
            .map_err(|e| anyhow::Error::from(e).context(format!("binding {source}")))?;
        let state = prepared
            .state
            .as_ref()
            .map(|i| i.load(&mut store, &instance));
        let state = loaded(&source, STATE_EXPORT, state)?;
        let completions = prepared.completions.as_ref();
        let completions = completions.map(|i| i.load(&mut store, &instance));
        let completions = loaded(&source, COMPLETIONS_EXPORT, completions)?;
        let events = prepared.broadcast_events.as_ref();
        let events = events.map(|i| i.load(&mut store, &instance));
        let broadcast_events = loaded(&source, BROADCAST_EVENTS_EXPORT, events)?;
        Ok(Live {
            store,
            bindings,
            state,
            completions,
            broadcast_events,
        })
    }

    /// A fresh store for one endpoint instance. Guests get no filesystem,
    /// environment or network beyond what `settings.wasi` grants: stderr
    /// (for their panic messages), clocks and random numbers only.
    pub(crate) fn store(
        &self,
        ns: Namespace,
        settings: &EndpointSettings,
    ) -> Result<Store<GuestState>> {
        let limits = &settings.limits;
        let state = GuestState::new(ns, settings)?;
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limiter);
        store.epoch_deadline_trap();
        // Instantiation runs guest code too (initializers): give it a budget.
        self.arm(&mut store, limits);
        Ok(store)
    }

    /// Give the next guest call its budget: the deadline, and fuel when the
    /// engine meters it.
    pub(crate) fn arm(&self, store: &mut Store<GuestState>, limits: &GuestLimits) {
        store.set_epoch_deadline(limits.deadline_ticks());
        store
            .data_mut()
            .begin_call(limits.max_outbound_per_call, limits.call_deadline);
        if self.fuel {
            // Without a limit of its own an endpoint runs unmetered in effect.
            let fuel = limits.fuel.unwrap_or(u64::MAX);
            if let Err(e) = store.set_fuel(fuel) {
                tracing::warn!("setting a call's fuel failed: {e:#}");
            }
        }
    }

    /// Whether the engine meters fuel.
    pub fn meters_fuel(&self) -> bool {
        self.fuel
    }
}

/// An optional interface export's bindings, when the component has it:
/// loading them fails when it exports `name` with the wrong types.
fn loaded<T>(
    source: &dyn std::fmt::Display,
    name: &str,
    load: Option<wasmtime::Result<T>>,
) -> Result<Option<T>> {
    load.transpose().map_err(|e| {
        anyhow::Error::from(e).context(format!("{source} exports {name} with the wrong types"))
    })
}

/// The indices of an optional interface export (`state`, `completions`,
/// `broadcast-events`):
/// None when the component does not export `name`, an error naming it when
/// it does with the wrong functions.
fn optional_export<I>(
    component: &Component,
    name: &str,
    path: &Path,
    indices: impl FnOnce() -> wasmtime::Result<I>,
) -> Result<Option<Arc<I>>> {
    if component.get_export_index(None, name).is_none() {
        return Ok(None);
    }
    let indices = indices().map_err(|e| {
        anyhow::Error::from(e).context(format!(
            "{} exports {name} with the wrong functions",
            path.display()
        ))
    })?;
    Ok(Some(Arc::new(indices)))
}

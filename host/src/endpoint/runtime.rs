//! The WebAssembly runtime shared by every endpoint: the wasmtime `Engine`
//! (epoch interruption, compilation cache), the `Linker` with WASI and the
//! host imports, and loading a handler file into an `EndpointPre`.
//!
//! Kept apart from the actor (which owns a `Store`) the way wasmtime's own
//! embedding API keeps engine, linker and store apart.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{Engine, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::namespace::Namespace;

wasmtime::component::bindgen!({
    path: "../wit",
    world: "endpoint",
});

/// The `stateful-endpoint` world, for its `state` export only: the world's
/// other parts are the `endpoint` bindings above.
pub(crate) mod stateful {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "stateful-endpoint",
        with: {
            "sio:realtime/types": super::sio::realtime::types,
            "sio:realtime/host": super::sio::realtime::host,
            "sio:realtime/config": super::sio::realtime::config,
            "sio:realtime/stats": super::sio::realtime::stats,
        },
    });
}

pub use self::sio::realtime::types::{HostError, LogLevel, Protocol, Target};
pub(crate) use stateful::exports::sio::realtime::state::{
    Guest as StateExport, GuestIndices as StateIndices,
};

/// The contract version this host serves.
pub const CONTRACT: &str = "sio:realtime@0.1.0";
/// The `state` interface's export name.
pub const STATE_EXPORT: &str = "sio:realtime/state@0.1.0";

/// How often the epoch ticker advances the engine's epoch. Call deadlines are
/// measured in these ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Limits applied to every guest call of an endpoint.
#[derive(Debug, Clone)]
pub struct GuestLimits {
    /// Wall-clock budget of one export call.
    pub call_deadline: Duration,
    /// Linear memory a guest may grow to, in bytes.
    pub max_memory: usize,
}

impl GuestLimits {
    pub(crate) fn deadline_ticks(&self) -> u64 {
        let tick = EPOCH_TICK.as_millis().max(1);
        (self.call_deadline.as_millis().div_ceil(tick) as u64).max(1)
    }
}

/// What an endpoint's instances are given: limits and configuration values.
/// Replaced as a whole when a reload reads a changed `sio.toml` entry.
#[derive(Debug, Clone)]
pub struct EndpointSettings {
    pub limits: GuestLimits,
    /// `sio:realtime/config` values, sorted by key.
    pub values: Arc<[(String, String)]>,
}

/// The `T` of an endpoint's `Store`: WASI state, resource limits, the
/// configuration values, and the namespace the host imports act on.
pub struct GuestState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limits: StoreLimits,
    pub(crate) values: Arc<[(String, String)]>,
    pub(crate) ns: Namespace,
}

impl self::sio::realtime::config::Host for GuestState {
    fn values(&mut self) -> Vec<(String, String)> {
        self.values.to_vec()
    }

    fn get(&mut self, key: String) -> Option<String> {
        self.values
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
    }
}

impl self::sio::realtime::stats::Host for GuestState {
    fn json(&mut self) -> String {
        match &self.ns.server_stats {
            Some(stats) => stats.to_json().to_string(),
            None => "{}".to_string(),
        }
    }
}

/// A compiled component that passed the contract checks, ready to be
/// instantiated any number of times (start, reload, rebuild after a trap).
#[derive(Clone)]
pub struct Prepared {
    pub(crate) pre: EndpointPre<GuestState>,
    /// Present when the component exports `sio:realtime/state`.
    pub(crate) state: Option<Arc<StateIndices>>,
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
}

/// One instance of an endpoint's component in its own store.
pub(crate) struct Live {
    pub store: Store<GuestState>,
    pub bindings: Endpoint,
    pub state: Option<StateExport>,
}

/// A cheap, stable fingerprint of a file's bytes (not a security hash).
pub fn fingerprint(bytes: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

impl WasiView for GuestState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Engine + linker, built once per process and shared by every endpoint.
#[derive(Clone)]
pub struct Runtime {
    engine: Engine,
    linker: Arc<Linker<GuestState>>,
}

impl Runtime {
    pub fn new() -> Result<Self> {
        let mut config = wasmtime::Config::new();
        config.wasm_component_model(true);
        config.epoch_interruption(true);
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
        Endpoint::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)?;

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
        let has_state = component.get_export_index(None, STATE_EXPORT).is_some();
        let state = if has_state {
            let indices = StateIndices::new(&pre).map_err(|e| {
                anyhow::Error::from(e).context(format!(
                    "{} exports {STATE_EXPORT} with the wrong functions",
                    path.display()
                ))
            })?;
            Some(Arc::new(indices))
        } else {
            None
        };
        let pre = EndpointPre::new(pre).map_err(|e| {
            anyhow::Error::from(e).context(format!(
                "{} does not export the {CONTRACT} `endpoint` world",
                path.display()
            ))
        })?;
        Ok(Prepared {
            pre,
            state,
            source: path.into(),
            fingerprint: fingerprint(bytes),
            compile_time: started.elapsed(),
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
        let mut store = self.store(ns, settings);
        let source = prepared.source.display();
        let instance = prepared
            .pre
            .instance_pre()
            .instantiate(&mut store)
            .map_err(|e| anyhow::Error::from(e).context(format!("instantiating {source}")))?;
        let bindings = Endpoint::new(&mut store, &instance)
            .map_err(|e| anyhow::Error::from(e).context(format!("binding {source}")))?;
        let state = match &prepared.state {
            Some(indices) => Some(indices.load(&mut store, &instance).map_err(|e| {
                anyhow::Error::from(e).context(format!(
                    "{source} exports {STATE_EXPORT} with the wrong types"
                ))
            })?),
            None => None,
        };
        Ok(Live {
            store,
            bindings,
            state,
        })
    }

    /// A fresh store for one endpoint instance. Guests get no filesystem,
    /// environment or network: only stderr, for their panic messages.
    pub(crate) fn store(&self, ns: Namespace, settings: &EndpointSettings) -> Store<GuestState> {
        let limits = &settings.limits;
        let wasi = WasiCtxBuilder::new().inherit_stderr().build();
        let state = GuestState {
            wasi,
            table: ResourceTable::new(),
            limits: StoreLimitsBuilder::new()
                .memory_size(limits.max_memory)
                .instances(16)
                .build(),
            values: settings.values.clone(),
            ns,
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        store.epoch_deadline_trap();
        // Instantiation runs guest code too (initializers): give it a budget.
        store.set_epoch_deadline(limits.deadline_ticks());
        store
    }
}

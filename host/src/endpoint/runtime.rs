//! The WebAssembly runtime shared by every endpoint: the wasmtime `Engine`
//! (epoch interruption, compilation cache), the `Linker` with WASI and the
//! host imports, and loading a handler file into an `EndpointPre`.
//!
//! Kept apart from the actor (which owns a `Store`) the way wasmtime's own
//! embedding API keeps engine, linker and store apart.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{Engine, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::namespace::Namespace;

wasmtime::component::bindgen!({
    path: "../wit",
    world: "endpoint",
});

pub use self::sio::realtime::types::{HostError, LogLevel, Protocol, Target};

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

/// The `T` of an endpoint's `Store`: WASI state, resource limits, and the
/// namespace the host imports act on.
pub struct GuestState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limits: StoreLimits,
    pub(crate) ns: Namespace,
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

    /// Compile a handler file and resolve its imports against the contract.
    /// This is the slow step (hundreds of ms uncached); it runs off the actor.
    pub fn load(&self, path: &Path) -> Result<EndpointPre<GuestState>> {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let component = Component::new(&self.engine, &bytes)
            .map_err(|e| anyhow::Error::from(e).context(format!("compiling {}", path.display())))?;
        let pre = self.linker.instantiate_pre(&component).map_err(|e| {
            anyhow::Error::from(e).context(format!(
                "{} imports something sio-host does not provide",
                path.display()
            ))
        })?;
        EndpointPre::new(pre).map_err(|e| {
            anyhow::Error::from(e).context(format!(
                "{} does not export the sio:realtime@0.1.0 `endpoint` world",
                path.display()
            ))
        })
    }

    /// A fresh store for one endpoint instance. Guests get no filesystem,
    /// environment or network: only stderr, for their panic messages.
    pub(crate) fn store(&self, ns: Namespace, limits: &GuestLimits) -> Store<GuestState> {
        let wasi = WasiCtxBuilder::new().inherit_stderr().build();
        let state = GuestState {
            wasi,
            table: ResourceTable::new(),
            limits: StoreLimitsBuilder::new()
                .memory_size(limits.max_memory)
                .instances(16)
                .build(),
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

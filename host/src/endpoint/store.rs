//! The data of an endpoint instance's `Store` ([`GuestState`]): the
//! namespace the host imports act on, the WASI context, the resource
//! limiter and the guest's stderr, and what the imports hand out
//! (configuration values, `http-allow`).
//!
//! The store itself is made by `Runtime::store` and owned by the actor;
//! the host imports are implemented on [`GuestState`] in `imports/`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::guest_stderr::GuestStderr;
use super::namespace::Namespace;
use super::runtime::EndpointSettings;
use crate::config::WasiGrants;
use crate::kv::KvStore;

/// The store's resource limiter: wasmtime's [`StoreLimits`], remembering
/// whether it refused a memory growth so a failed call can be told apart
/// as "out of memory" (a Rust guest aborts with a plain `unreachable` trap
/// when its allocator gets no memory).
pub(crate) struct GuestLimiter {
    limits: StoreLimits,
    /// A `memory.grow` was refused since the actor last cleared this.
    pub memory_refused: bool,
}

impl ResourceLimiter for GuestLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = self.limits.memory_growing(current, desired, maximum)?;
        if !allowed {
            self.memory_refused = true;
        }
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
    }
}

/// The `T` of an endpoint's `Store`: WASI state, resource limits, the
/// configuration values, and the namespace the host imports act on.
pub struct GuestState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limiter: GuestLimiter,
    /// The instance's stderr, whose per-call allowance `begin_call` renews.
    stderr: GuestStderr,
    /// `sio:realtime/config` values, sorted by key.
    pub(crate) values: Arc<[(String, String)]>,
    /// Hosts `http-fetch` may reach (`EndpointSettings::http_allow`).
    pub(crate) http_allow: Arc<[String]>,
    pub(crate) ns: Namespace,
    /// When the running call must end: WASI waits are cut there
    /// (`imports/wasi_io.rs`). None outside calls.
    pub(crate) call_deadline: Option<Instant>,
    /// The server's key-value store (`imports/kv.rs`); None under
    /// `sio-host check`.
    pub(crate) kv: Option<KvStore>,
    /// Store calls the running call may still make (`max-ops-per-call`).
    pub(crate) kv_ops_left: u32,
    /// The server's other endpoints (`broadcast.emit` to another one).
    pub(crate) peers: super::directory::Peers,
}

impl GuestState {
    /// The data of a fresh store holding `ns`: WASI as `settings.wasi`
    /// grants it ([`wasi_ctx`]), linear memory up to the limits'
    /// `max_memory`, and the endpoint's configuration values and
    /// `http-allow`.
    pub(crate) fn new(ns: Namespace, settings: &EndpointSettings) -> Result<GuestState> {
        let limits = &settings.limits;
        let stderr = GuestStderr::new();
        let wasi = wasi_ctx(&settings.wasi, stderr.clone())?;
        Ok(GuestState {
            wasi,
            stderr,
            table: ResourceTable::new(),
            limiter: GuestLimiter {
                limits: StoreLimitsBuilder::new()
                    .memory_size(limits.max_memory)
                    .instances(16)
                    .build(),
                memory_refused: false,
            },
            values: settings.values.clone(),
            http_allow: settings.http_allow.clone(),
            ns,
            call_deadline: None,
            kv: settings.kv.clone(),
            kv_ops_left: 0,
            peers: settings.peers.clone(),
        })
    }

    /// A guest call starts: the limiter forgets earlier refusals, stderr
    /// gets a fresh allowance, and the call may send `max_outbound`
    /// messages.
    pub(crate) fn begin_call(&mut self, max_outbound: u32, deadline: Duration) {
        self.call_deadline = Instant::now().checked_add(deadline);
        self.limiter.memory_refused = false;
        self.stderr.begin_call();
        self.ns.begin_call(max_outbound);
        self.kv_ops_left = self
            .kv
            .as_ref()
            .map_or(0, |kv| kv.limits().max_ops_per_call);
    }
}

impl GuestState {
    /// The WASI resource table (`imports/wasi_io.rs` reaches it directly).
    pub(crate) fn table_mut(&mut self) -> &mut ResourceTable {
        &mut self.table
    }
}

impl WasiView for GuestState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// WASI for one instance: stderr (to the server's, a bounded amount per
/// call), clocks and random always; environment variables and directories
/// only as granted; never the network.
fn wasi_ctx(grants: &WasiGrants, stderr: GuestStderr) -> Result<WasiCtx> {
    let mut b = WasiCtxBuilder::new();
    b.stderr(stderr)
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false);
    for (k, v) in &grants.env {
        b.env(k, v);
    }
    for d in &grants.dirs {
        let perms = if d.writable {
            FsPerms::ReadWrite
        } else {
            FsPerms::ReadOnly
        };
        b.preopened_dir(&d.host, &d.guest, perms).map_err(|e| {
            anyhow::Error::from(e).context(format!("opening wasi dir {}", d.host.display()))
        })?;
    }
    Ok(b.build())
}

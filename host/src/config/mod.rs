//! One validated configuration for a server, whatever it came from: CLI
//! flags, a `sio.toml`, or both (flags win). See [`FileConfig`] for the
//! file's schema and docs/reload.md for an example.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use sio_protocol::Parser;

mod admin_ui;
mod pattern;
mod sio1;
pub use admin_ui::{
    AdminUiConfig, AdminUiCredentials, AdminUiOverrides, AdminUiPassword, AdminUiSection,
    DEFAULT_ADMIN_UI_NAMESPACE,
};
pub use pattern::{MAX_MATCHED_NAME, NamespacePattern};
pub use sio1::{SIO1_TRANSPORTS, Sio1Config, Sio1Overrides, Sio1Section};

/// Where the Socket.IO endpoint is mounted.
pub const SOCKET_IO_PATH: &str = "/socket.io/";

/// Messages shorter than this go uncompressed when websocket compression
/// is on (Node's `perMessageDeflate.threshold`).
pub const DEFAULT_WS_COMPRESSION_THRESHOLD: usize = 1024;

/// The file `sio-host run` reads when no `--config` is given and it exists.
pub const DEFAULT_CONFIG_FILE: &str = "sio.toml";

/// One endpoint: a handler component serving a namespace, or every
/// namespace a pattern matches, from an `ENDPOINT` argument or an
/// `[endpoints."/x"]` table of `sio.toml`.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointConfig {
    /// Namespace path, e.g. "/" or "/chat"; for a pattern entry the pattern
    /// as written ("/room-*", "~/game-[0-9]+").
    pub namespace: String,
    /// The pattern `namespace` is, when it is one: each namespace it
    /// matches gets an endpoint of its own, started on its first CONNECT
    /// (docs/handlers.md, "Dynamic namespaces").
    pub pattern: Option<NamespacePattern>,
    /// The handler's component file (`component`; from `sio.toml`, already
    /// joined to the file's folder).
    pub component: PathBuf,
    /// This endpoint's call deadline; None: the server's.
    pub call_deadline: Option<Duration>,
    /// This endpoint's memory limit in bytes; None: the server's.
    pub max_memory: Option<usize>,
    /// This endpoint's fuel per call; None: the server's.
    pub fuel: Option<u64>,
    /// This endpoint's outbound messages per call; None: the server's.
    pub max_outbound_per_call: Option<u32>,
    /// This endpoint's checkpoint interval; None: the server's.
    pub checkpoint_interval: Option<Duration>,
    /// Values handed to the handler (`sio:realtime/config`), sorted by key.
    pub values: Vec<(String, String)>,
    /// What WASI may reach beyond stderr, clocks and random: nothing unless
    /// `sio.toml` grants it.
    pub wasi: WasiGrants,
    /// Hosts (`name` or `name:port`) the handler's `http-fetch` may reach
    /// (docs/async.md); None: the server's list (`--http-allow`, none by
    /// default).
    pub http_allow: Option<Vec<String>>,
    /// A pattern entry's namespaces alive at once; None: the server's.
    pub max_namespaces: Option<usize>,
    /// How long a pattern entry's namespace may have no connection before
    /// it is stopped (zero: never); None: the server's.
    pub namespace_idle_timeout: Option<Duration>,
    /// Instances serving this endpoint, its connections split among them
    /// (`shards`; docs/handlers.md, "Sharded endpoints"); None: the
    /// server's (`--shards`, 1 by default).
    pub shards: Option<Shards>,
}

/// How many instances ("shards") serve one endpoint: a number, or `auto`,
/// one per core this process may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shards {
    /// This many (1: one instance, no sharding).
    Count(usize),
    /// One per core (`std::thread::available_parallelism`).
    Auto,
}

/// The most shards one endpoint may have: each is an instance and a thread.
pub const MAX_SHARDS: usize = 64;

impl Shards {
    /// `N` (1 to [`MAX_SHARDS`]) or `auto`.
    pub fn parse(s: &str) -> Result<Shards> {
        if s == "auto" {
            return Ok(Shards::Auto);
        }
        let n: usize = s
            .parse()
            .map_err(|_| anyhow::anyhow!("shards {s:?}: a number or \"auto\""))?;
        Shards::Count(n).checked()
    }

    fn checked(self) -> Result<Shards> {
        match self {
            Shards::Count(n) if n == 0 || n > MAX_SHARDS => {
                bail!("shards must be 1 to {MAX_SHARDS} (or \"auto\"), not {n}")
            }
            other => Ok(other),
        }
    }

    /// The number of instances: `auto` is the cores this process may use.
    pub fn count(self) -> usize {
        match self {
            Shards::Count(n) => n,
            Shards::Auto => std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .min(MAX_SHARDS),
        }
    }
}

/// `shards` in sio.toml: a number or "auto".
impl<'de> Deserialize<'de> for Shards {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Shards, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Given {
            Count(u64),
            Word(String),
        }
        match Given::deserialize(d)? {
            Given::Count(n) => Shards::Count(usize::try_from(n).unwrap_or(usize::MAX)).checked(),
            Given::Word(w) => Shards::parse(&w),
        }
        .map_err(serde::de::Error::custom)
    }
}

/// The ambient authority an endpoint's WASI gets, granted in `sio.toml`
/// (`[endpoints."/x".wasi]`). Empty: no filesystem, no environment, no
/// network.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct WasiGrants {
    /// Environment variables the guest sees (the host's own are never passed).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Host directories the guest may open, under the given guest path.
    #[serde(default)]
    pub dirs: Vec<DirGrant>,
}

/// One preopened directory.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DirGrant {
    /// The host directory; relative to the config file's folder.
    pub host: PathBuf,
    /// Where the guest sees it, e.g. `/data`.
    pub guest: String,
    /// Read-only unless set.
    #[serde(default)]
    pub writable: bool,
}

/// Checks an endpoint's key: a namespace path as clients write it, a glob
/// over such paths, or `~` and a regular expression. The pattern it is, if
/// any.
fn check_endpoint_key(key: &str, what: &str) -> Result<Option<NamespacePattern>> {
    if !key.starts_with('~') {
        check_namespace(key, what)?;
    }
    NamespacePattern::parse(key).with_context(|| what.to_string())
}

/// Checks a namespace path as clients write it.
fn check_namespace(namespace: &str, what: &str) -> Result<()> {
    if !namespace.starts_with('/') {
        bail!("{what}: a namespace starts with `/` (e.g. /chat)");
    }
    if namespace.len() > 1 && namespace.ends_with('/') {
        bail!("{what}: a namespace does not end with `/`");
    }
    if namespace.contains([',', '?', '#']) {
        bail!("{what}: a namespace may not contain `,`, `?` or `#`");
    }
    Ok(())
}

impl EndpointConfig {
    /// Parse `FILE.wasm` (namespace "/"), `/nsp=FILE.wasm`, a glob
    /// `/room-*=FILE.wasm` or a regular expression `~/game-[0-9]+=FILE.wasm`
    /// (split at the first `=`: an expression with `=` goes in sio.toml).
    pub fn parse(spec: &str) -> Result<EndpointConfig> {
        let (namespace, file) = match spec.split_once('=') {
            Some((nsp, file)) if nsp.starts_with(['/', '~']) => (nsp.to_string(), file),
            Some(_) => bail!(
                "endpoint `{spec}`: the namespace before `=` must start with `/` (e.g. /chat=chat.wasm) \
                 or be a `~` pattern"
            ),
            None => ("/".to_string(), spec),
        };
        if file.is_empty() {
            bail!("endpoint `{spec}`: no component file after `=`");
        }
        let pattern = check_endpoint_key(&namespace, &format!("endpoint `{spec}`"))?;
        Ok(EndpointConfig {
            namespace,
            pattern,
            component: PathBuf::from(file),
            call_deadline: None,
            max_memory: None,
            fuel: None,
            max_outbound_per_call: None,
            checkpoint_interval: None,
            values: Vec::new(),
            wasi: WasiGrants::default(),
            http_allow: None,
            max_namespaces: None,
            namespace_idle_timeout: None,
            shards: None,
        })
    }
}

/// A directory served over HTTP under a URL prefix.
#[derive(Debug, Clone)]
pub struct StaticMount {
    /// URL prefix, starting and ending with `/`.
    pub prefix: String,
    /// The directory served (from `sio.toml`, joined to the file's folder).
    pub dir: PathBuf,
}

impl StaticMount {
    /// Parse `DIR` (mounted at `/`) or `/prefix=DIR`.
    pub fn parse(spec: &str) -> Result<StaticMount> {
        let (prefix, dir) = match spec.split_once('=') {
            Some((p, d)) if p.starts_with('/') => (p.to_string(), d),
            _ => ("/".to_string(), spec),
        };
        let prefix = if prefix.ends_with('/') {
            prefix
        } else {
            format!("{prefix}/")
        };
        if prefix.starts_with(SOCKET_IO_PATH) {
            bail!("static mount `{spec}` would shadow {SOCKET_IO_PATH}");
        }
        Ok(StaticMount {
            prefix,
            dir: PathBuf::from(dir),
        })
    }
}

/// The server's settings, resolved by [`Config::resolve`] and validated:
/// each from its flag, else its `[server]` key in `sio.toml`, else the
/// default.
#[derive(Debug, Clone)]
pub struct Config {
    /// HTTP and websocket address (`--listen`, `listen`; default
    /// 127.0.0.1:8000).
    pub listen: SocketAddr,
    /// Time between pings, the server's (Engine.IO 4) or the client's
    /// (Engine.IO 3) (`--ping-interval`, `ping-interval`, ms; default 25 s).
    pub ping_interval: Duration,
    /// How long a ping may go unanswered before the session closes (Engine.IO
    /// 3: on top of the interval) (`--ping-timeout`, `ping-timeout`, ms;
    /// default 20 s).
    pub ping_timeout: Duration,
    /// How long a session may take to join a namespace before it is closed
    /// (`--connect-timeout`, `connect-timeout`, ms; default 45 s).
    pub connect_timeout: Duration,
    /// Largest HTTP body or websocket message accepted, in bytes
    /// (`--max-payload`, `max-payload`; default 1000000).
    pub max_payload: usize,
    /// Websocket compression (permessage-deflate, RFC 7692) when a client
    /// offers it: messages of at least this many bytes are sent compressed
    /// (`--ws-compression`, `ws-compression`: on; default off;
    /// `--ws-compression-threshold`, `ws-compression-threshold`: default
    /// 1024, Node's).
    pub ws_compression: Option<usize>,
    /// Wall-clock time one handler call may run before it traps; endpoints
    /// may set their own (`--call-deadline`, `call-deadline`, ms; default
    /// 1 s).
    pub call_deadline: Duration,
    /// Linear memory one handler instance may use, in bytes (`--max-memory`,
    /// `max-memory`, both in MiB; default 128 MiB).
    pub max_memory: usize,
    /// Fuel (roughly, wasm instructions) one handler call may burn; None: no
    /// fuel metering, the deadline still applies (`--fuel`, `fuel`; default
    /// none).
    pub fuel: Option<u64>,
    /// Messages (emit, send, ack, emit-with-ack) one handler call may send;
    /// past it host calls return `limit-exceeded` (`--max-outbound-per-call`,
    /// `max-outbound-per-call`; default 10000).
    pub max_outbound_per_call: u32,
    /// How often a handler exporting `sio:realtime/state` is snapshotted
    /// between calls, so a rebuild after a trap loses little; zero: only at
    /// reloads (`--checkpoint-interval`, `checkpoint-interval`, ms; default
    /// 1 s).
    pub checkpoint_interval: Duration,
    /// Bytes a session's outbound queue may hold before its client counts as
    /// a slow consumer and is disconnected (`--max-outbound-queue`,
    /// `max-outbound-queue`; default 16 MiB).
    pub max_outbound_queue: usize,
    /// Bytes a session's outbound queue may hold above which a volatile
    /// emit to it is dropped, and counted, instead of queued
    /// (`--volatile-threshold`, `volatile-threshold`; default 64 KiB).
    pub volatile_threshold: usize,
    /// Events (and acks, and protocol-1 messages) one client may have
    /// waiting for handlers before the server stops reading from it, until
    /// half of them have run (`--max-pending-events`, `max-pending-events`;
    /// default 128; docs/architecture.md, "Sandbox and limits").
    pub max_pending_events: u32,
    /// Events one client may send per second, a second's worth as burst;
    /// past it reads pause (`--max-events-per-second`,
    /// `max-events-per-second`; default none: no limit).
    pub max_events_per_second: Option<u32>,
    /// How long a client may stay over `max_events_per_second` before it is
    /// disconnected (`--rate-limit-grace`, `rate-limit-grace`, ms; default
    /// 10 s).
    pub rate_limit_grace: Duration,
    /// Sessions held at once; a handshake past it is refused
    /// (`--max-connections`, `max-connections`; default none).
    pub max_connections: Option<usize>,
    /// Sessions one client IP may hold at once (`--max-connections-per-ip`,
    /// `max-connections-per-ip`; default none).
    pub max_connections_per_ip: Option<usize>,
    /// Origins allowed cross-origin; empty means same-origin only
    /// (`--cors-origin`, repeatable; `cors-origins`).
    pub cors_origins: Vec<String>,
    /// Hosts `http-fetch` may reach for endpoints without a list of their
    /// own (`--http-allow`, repeatable; `http-allow`; docs/async.md); empty:
    /// none.
    pub http_allow: Vec<String>,
    /// Directories served over HTTP (`--static`, repeatable; `static`).
    pub static_mounts: Vec<StaticMount>,
    /// The handlers, one per namespace or namespace pattern: the file's,
    /// joined or overridden by the CLI's.
    pub endpoints: Vec<EndpointConfig>,
    /// Namespaces one pattern entry may have alive at once; a CONNECT past
    /// it is refused (`--max-namespaces`, `max-namespaces`; default 1000).
    pub max_namespaces: usize,
    /// How long a pattern entry's namespace may have no connection before
    /// it is stopped; zero: never (`--namespace-idle-timeout`,
    /// `namespace-idle-timeout`, ms; default 60 s).
    pub namespace_idle_timeout: Duration,
    /// Instances per plain endpoint unless it sets its own (`--shards`,
    /// `shards`: N or "auto"; default 1); see [`Config::shards_for`].
    pub shards: Shards,
    /// Reload an endpoint when its component file changes (`--watch`,
    /// `watch`).
    pub watch: bool,
    /// `/stats` and `/metrics` on the admin endpoint only, not on `listen`
    /// (`--stats-admin-only`, `stats-admin-only`).
    pub stats_admin_only: bool,
    /// The Redis of a cluster of nodes (`--redis URL`, `redis`;
    /// docs/scale-out.md); None: rooms and broadcasts stay in this process.
    pub redis: Option<String>,
    /// The local admin endpoint (`sio-host reload`); None: off (`--no-admin`,
    /// `admin = false`; on by default).
    pub admin: Option<AdminConfig>,
    /// Where the endpoints came from, to read them again on a reload.
    pub source: EndpointSource,
    /// Socket.IO protocol 1 (0.7-0.9 clients): flags `--legacy-*`, the
    /// `[legacy]` table of `sio.toml`.
    pub sio1: Sio1Config,
    /// The handlers' key-value store (`[store]`, `--store-path`).
    pub store: StoreConfig,
    /// Connection state recovery (`--recovery`, `[recovery]`;
    /// docs/recovery.md); None: off, as in Node.
    pub recovery: Option<RecoveryConfig>,
    /// Which wire format `--redis` speaks (`--redis-adapter`,
    /// `redis-adapter`; docs/scale-out.md).
    pub redis_adapter: RedisAdapterKind,
    /// The Socket.IO parser of the clients on `/socket.io/` (`--parser`,
    /// `parser`: "json", the default, or "msgpack"; docs/protocol.md).
    pub parser: Parser,
    /// A second Engine.IO path, for socket.io-msgpack-parser's clients
    /// (`--msgpack-path`, `msgpack-path`; starts and ends with `/`).
    pub msgpack_path: Option<String>,
    /// The admin UI's namespace (`--admin-ui`, `[admin-ui]`;
    /// docs/admin-ui.md); None: off.
    pub admin_ui: Option<AdminUiConfig>,
}

/// The Node adapter whose messages `--redis` speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RedisAdapterKind {
    /// `@socket.io/redis-adapter`: Redis pub/sub (the default).
    #[default]
    PubSub,
    /// `@socket.io/redis-streams-adapter`: a Redis stream, which also lets
    /// a client recover its connection on another node.
    Streams,
}

impl RedisAdapterKind {
    fn parse(s: &str) -> Result<RedisAdapterKind> {
        match s {
            "pubsub" => Ok(RedisAdapterKind::PubSub),
            "streams" => Ok(RedisAdapterKind::Streams),
            other => bail!("redis adapter {other:?}: one of \"pubsub\", \"streams\""),
        }
    }
}

/// `--parser` / `parser`.
fn parse_parser(s: &str) -> Result<Parser> {
    match s {
        "json" => Ok(Parser::Json),
        "msgpack" => Ok(Parser::Msgpack),
        other => bail!("parser {other:?}: one of \"json\", \"msgpack\""),
    }
}

/// `--msgpack-path` / `msgpack-path`, ending with `/`: a path of its own,
/// neither `/` nor one that `/socket.io/` and it would share.
fn parse_msgpack_path(path: &str) -> Result<String> {
    let path = if path.ends_with('/') {
        path.to_string()
    } else {
        format!("{path}/")
    };
    if !path.starts_with('/') || path == "/" {
        bail!("msgpack path {path:?}: a path like /socket.io-msgpack/");
    }
    if path.starts_with(SOCKET_IO_PATH) || SOCKET_IO_PATH.starts_with(&path) {
        bail!("msgpack path {path:?} overlaps {SOCKET_IO_PATH}");
    }
    Ok(path)
}

/// Connection state recovery, resolved (docs/recovery.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryConfig {
    /// How long a dropped client may take to come back
    /// (`--recovery-max-disconnection`, `max-disconnection`, ms; default
    /// 2 minutes, as Node's `maxDisconnectionDuration`).
    pub max_disconnection: Duration,
    /// Packets one endpoint's replay buffer holds (`--recovery-buffer`,
    /// `buffer`; default 10,000).
    pub buffer_packets: usize,
    /// Bytes one endpoint's replay buffer holds (`--recovery-buffer-mib`,
    /// `buffer-mib`; default 64 MiB).
    pub buffer_bytes: usize,
}

/// What one pattern entry's namespaces may take (docs/handlers.md,
/// "Dynamic namespaces").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamespaceLimits {
    /// Namespaces alive at once; a CONNECT for one more is refused.
    pub max_namespaces: usize,
    /// A namespace without a connection for this long is stopped; zero:
    /// never.
    pub idle_timeout: Duration,
}

impl NamespaceLimits {
    /// Entry `e`'s limits, these as defaults.
    pub fn for_entry(self, e: &EndpointConfig) -> NamespaceLimits {
        NamespaceLimits {
            max_namespaces: e.max_namespaces.unwrap_or(self.max_namespaces),
            idle_timeout: e.namespace_idle_timeout.unwrap_or(self.idle_timeout),
        }
    }
}

/// The local admin endpoint: HTTP on a loopback address, every request
/// carrying the token written (mode 0600) to `file`.
#[derive(Debug, Clone)]
pub struct AdminConfig {
    /// A loopback address; port 0 picks a free one (`--admin-listen`,
    /// `admin-listen`; default 127.0.0.1:0).
    pub listen: SocketAddr,
    /// Where the admin file goes (`--admin-file`, `admin-file`); None: the
    /// default place for the server's port (see `crate::admin`).
    pub file: Option<PathBuf>,
}

/// The endpoint list's origin: a `sio.toml` (read again on each reload, so
/// an edited component path, limit or config value takes effect) and the
/// CLI's endpoint arguments on top.
#[derive(Debug, Clone, Default)]
pub struct EndpointSource {
    /// The `sio.toml` read, if any.
    pub file: Option<PathBuf>,
    /// The endpoints given as `ENDPOINT` arguments.
    pub cli: Vec<EndpointConfig>,
}

impl EndpointSource {
    /// The endpoints as they are now: the file's entries (if any), each
    /// overridden or joined by the CLI's.
    pub fn endpoints(&self) -> Result<Vec<EndpointConfig>> {
        let mut endpoints = match &self.file {
            Some(path) => FileConfig::read(path)?.endpoints(path)?,
            None => Vec::new(),
        };
        merge_endpoints(&mut endpoints, &self.cli);
        Ok(endpoints)
    }
}

/// A CLI endpoint replaces the component of the file's entry for the same
/// namespace (keeping its limits and values) or is added.
fn merge_endpoints(endpoints: &mut Vec<EndpointConfig>, cli: &[EndpointConfig]) {
    for c in cli {
        match endpoints.iter_mut().find(|e| e.namespace == c.namespace) {
            Some(e) => e.component = c.component.clone(),
            None => endpoints.push(c.clone()),
        }
    }
}

/// What the command line gave; None/empty: not given, the file or the
/// default decides.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--config`.
    pub config_file: Option<PathBuf>,
    /// The `--legacy-*` and `--flash-policy-port` flags (protocol 1).
    pub sio1: Sio1Overrides,
    /// `--store-path`: the file store's file.
    pub store_path: Option<PathBuf>,
    /// `--recovery`: turn connection state recovery on.
    pub recovery: bool,
    /// `--recovery-max-disconnection`.
    pub recovery_max_disconnection: Option<Duration>,
    /// `--recovery-buffer`, packets.
    pub recovery_buffer: Option<usize>,
    /// `--recovery-buffer-mib`.
    pub recovery_buffer_mib: Option<usize>,
    /// `--redis-adapter`.
    pub redis_adapter: Option<String>,
    /// `--parser`.
    pub parser: Option<String>,
    /// `--msgpack-path`.
    pub msgpack_path: Option<String>,
    /// The `ENDPOINT` arguments.
    pub endpoints: Vec<EndpointConfig>,
    /// `--max-namespaces`.
    pub max_namespaces: Option<usize>,
    /// `--namespace-idle-timeout`.
    pub namespace_idle_timeout: Option<Duration>,
    /// `--shards`.
    pub shards: Option<Shards>,
    /// `--listen`.
    pub listen: Option<SocketAddr>,
    /// `--ping-interval`.
    pub ping_interval: Option<Duration>,
    /// `--ping-timeout`.
    pub ping_timeout: Option<Duration>,
    /// `--max-payload`, in bytes.
    pub max_payload: Option<usize>,
    /// `--ws-compression`; false lets the file's key decide.
    pub ws_compression: bool,
    /// `--ws-compression-threshold`, in bytes.
    pub ws_compression_threshold: Option<usize>,
    /// `--connect-timeout`.
    pub connect_timeout: Option<Duration>,
    /// `--call-deadline`.
    pub call_deadline: Option<Duration>,
    /// `--max-memory`, in bytes (the flag's MiB converted).
    pub max_memory: Option<usize>,
    /// `--fuel`.
    pub fuel: Option<u64>,
    /// `--max-outbound-per-call`.
    pub max_outbound_per_call: Option<u32>,
    /// `--checkpoint-interval`.
    pub checkpoint_interval: Option<Duration>,
    /// `--max-outbound-queue`, in bytes.
    pub max_outbound_queue: Option<usize>,
    /// `--volatile-threshold`, in bytes.
    pub volatile_threshold: Option<usize>,
    /// `--max-pending-events`.
    pub max_pending_events: Option<u32>,
    /// `--max-events-per-second`.
    pub max_events_per_second: Option<u32>,
    /// `--rate-limit-grace`.
    pub rate_limit_grace: Option<Duration>,
    /// `--max-connections`.
    pub max_connections: Option<usize>,
    /// `--max-connections-per-ip`.
    pub max_connections_per_ip: Option<usize>,
    /// `--cors-origin` (repeatable).
    pub cors_origins: Vec<String>,
    /// `--http-allow` (repeatable).
    pub http_allow: Vec<String>,
    /// `--static` (repeatable).
    pub static_mounts: Vec<StaticMount>,
    /// `--watch`; false lets the file's `watch` decide.
    pub watch: bool,
    /// `--stats-admin-only`; false lets the file's key decide.
    pub stats_admin_only: bool,
    /// `--redis`.
    pub redis: Option<String>,
    /// `--no-admin`: no admin endpoint, whatever the file says.
    pub no_admin: bool,
    /// `--admin-listen`.
    pub admin_listen: Option<SocketAddr>,
    /// `--admin-file`.
    pub admin_file: Option<PathBuf>,
    /// The `--admin-ui*` flags.
    pub admin_ui: AdminUiOverrides,
}

/// The default of `--listen` / `listen`.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8000";

/// Defaults of every endpoint's guest limits (flags, `[server]` in sio.toml;
/// also `GuestLimits::default`).
pub(crate) const DEFAULT_CALL_DEADLINE_MS: u64 = 1_000;
pub(crate) const DEFAULT_MAX_MEMORY_MIB: usize = 128;
pub(crate) const DEFAULT_MAX_OUTBOUND_PER_CALL: u32 = 10_000;
pub(crate) const DEFAULT_CHECKPOINT_INTERVAL_MS: u64 = 1_000;
/// Defaults of every pattern entry's `max-namespaces` and
/// `namespace-idle-timeout` (ms).
const DEFAULT_MAX_NAMESPACES: usize = 1_000;
const DEFAULT_NAMESPACE_IDLE_TIMEOUT_MS: u64 = 60_000;
/// The default of `--admin-listen` / `admin-listen`: loopback, a free port.
pub const DEFAULT_ADMIN_LISTEN: &str = "127.0.0.1:0";

impl Config {
    /// Flags over `sio.toml` over defaults. The file is `--config`, else
    /// `./sio.toml` when it exists.
    pub fn resolve(o: Overrides) -> Result<Config> {
        let file_path = match o.config_file {
            Some(p) => {
                if !p.is_file() {
                    bail!("no such config file {}", p.display());
                }
                Some(p)
            }
            None => Some(PathBuf::from(DEFAULT_CONFIG_FILE)).filter(|p| p.is_file()),
        };
        let file = match &file_path {
            Some(p) => FileConfig::read(p)?,
            None => FileConfig::default(),
        };
        let base = file_path
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let server = file.server.clone().unwrap_or_default();
        let recovery = RecoveryConfig::resolve(
            &file.recovery.clone().unwrap_or_default(),
            RecoveryFlags {
                on: o.recovery,
                max_disconnection: o.recovery_max_disconnection,
                buffer: o.recovery_buffer,
                buffer_mib: o.recovery_buffer_mib,
            },
        )?;
        let ms = Duration::from_millis;
        let parse_addr = |s: &str| -> Result<SocketAddr> {
            s.parse().with_context(|| format!("bad address {s:?}"))
        };
        let static_mounts = if o.static_mounts.is_empty() {
            server
                .r#static
                .iter()
                .map(|spec| {
                    let mut m = StaticMount::parse(spec)?;
                    m.dir = base.join(&m.dir);
                    Ok(m)
                })
                .collect::<Result<Vec<_>>>()?
        } else {
            o.static_mounts
        };
        let admin_on = !o.no_admin && server.admin.unwrap_or(true);
        let admin = if admin_on {
            let listen = match (o.admin_listen, &server.admin_listen) {
                (Some(a), _) => a,
                (None, Some(a)) => *a,
                (None, None) => parse_addr(DEFAULT_ADMIN_LISTEN)?,
            };
            let file = o
                .admin_file
                .or_else(|| server.admin_file.as_ref().map(|f| base.join(f)));
            Some(AdminConfig { listen, file })
        } else {
            None
        };
        let source = EndpointSource {
            file: file_path.clone(),
            cli: o.endpoints,
        };
        let mut endpoints = match &file_path {
            Some(p) => file.endpoints(p)?,
            None => Vec::new(),
        };
        merge_endpoints(&mut endpoints, &source.cli);
        let redis = o.redis.or(server.redis.clone());
        let redis_on = redis.is_some();
        let config = Config {
            listen: match (o.listen, server.listen) {
                (Some(a), _) => a,
                (None, Some(a)) => a,
                (None, None) => parse_addr(DEFAULT_LISTEN)?,
            },
            ping_interval: o
                .ping_interval
                .unwrap_or(ms(server.ping_interval.unwrap_or(25_000))),
            ping_timeout: o
                .ping_timeout
                .unwrap_or(ms(server.ping_timeout.unwrap_or(20_000))),
            connect_timeout: o
                .connect_timeout
                .unwrap_or(ms(server.connect_timeout.unwrap_or(45_000))),
            max_payload: o
                .max_payload
                .unwrap_or(server.max_payload.unwrap_or(1_000_000)),
            ws_compression: (o.ws_compression || server.ws_compression == Some(true)).then(|| {
                o.ws_compression_threshold
                    .or(server.ws_compression_threshold)
                    .unwrap_or(DEFAULT_WS_COMPRESSION_THRESHOLD)
            }),
            call_deadline: o
                .call_deadline
                .unwrap_or(ms(server.call_deadline.unwrap_or(DEFAULT_CALL_DEADLINE_MS))),
            max_memory: o
                .max_memory
                .unwrap_or(mib(server.max_memory.unwrap_or(DEFAULT_MAX_MEMORY_MIB))),
            fuel: o.fuel.or(server.fuel),
            max_outbound_per_call: o.max_outbound_per_call.unwrap_or(
                server
                    .max_outbound_per_call
                    .unwrap_or(DEFAULT_MAX_OUTBOUND_PER_CALL),
            ),
            checkpoint_interval: o.checkpoint_interval.unwrap_or(ms(server
                .checkpoint_interval
                .unwrap_or(DEFAULT_CHECKPOINT_INTERVAL_MS))),
            max_outbound_queue: o
                .max_outbound_queue
                .unwrap_or(server.max_outbound_queue.unwrap_or(16 << 20)),
            volatile_threshold: o
                .volatile_threshold
                .unwrap_or(server.volatile_threshold.unwrap_or(64 << 10)),
            max_pending_events: o
                .max_pending_events
                .unwrap_or(server.max_pending_events.unwrap_or(128)),
            max_events_per_second: o.max_events_per_second.or(server.max_events_per_second),
            rate_limit_grace: o
                .rate_limit_grace
                .unwrap_or(ms(server.rate_limit_grace.unwrap_or(10_000))),
            max_connections: o.max_connections.or(server.max_connections),
            max_connections_per_ip: o.max_connections_per_ip.or(server.max_connections_per_ip),
            cors_origins: flag_or_file(o.cors_origins, &server.cors_origins),
            http_allow: flag_or_file(o.http_allow, &server.http_allow),
            static_mounts,
            endpoints,
            max_namespaces: o
                .max_namespaces
                .unwrap_or(server.max_namespaces.unwrap_or(DEFAULT_MAX_NAMESPACES)),
            namespace_idle_timeout: o.namespace_idle_timeout.unwrap_or(ms(server
                .namespace_idle_timeout
                .unwrap_or(DEFAULT_NAMESPACE_IDLE_TIMEOUT_MS))),
            shards: o.shards.or(server.shards).unwrap_or(Shards::Count(1)),
            watch: o.watch || server.watch.unwrap_or(false),
            stats_admin_only: o.stats_admin_only || server.stats_admin_only.unwrap_or(false),
            redis,
            admin,
            source,
            sio1: Sio1Config::resolve(o.sio1, file.legacy.clone().unwrap_or_default())?,
            store: StoreConfig::resolve(
                &file.store.clone().unwrap_or_default(),
                o.store_path,
                &base,
                redis_on,
            )?,
            recovery,
            redis_adapter: match o
                .redis_adapter
                .as_deref()
                .or(server.redis_adapter.as_deref())
            {
                Some(kind) => RedisAdapterKind::parse(kind)?,
                None => RedisAdapterKind::default(),
            },
            parser: match o.parser.as_deref().or(server.parser.as_deref()) {
                Some(name) => parse_parser(name)?,
                None => Parser::Json,
            },
            msgpack_path: match o.msgpack_path.as_deref().or(server.msgpack_path.as_deref()) {
                Some(path) => Some(parse_msgpack_path(path)?),
                None => None,
            },
            admin_ui: AdminUiConfig::resolve(
                o.admin_ui,
                &file.admin_ui.clone().unwrap_or_default(),
            )?,
        };
        config.validate()?;
        Ok(config)
    }

    /// Whether any endpoint has a fuel limit (the engine then meters fuel).
    pub fn meters_fuel(&self) -> bool {
        self.fuel.is_some() || self.endpoints.iter().any(|e| e.fuel.is_some())
    }

    /// The endpoint's limits with the server's as defaults.
    pub fn call_deadline_for(&self, e: &EndpointConfig) -> Duration {
        e.call_deadline.unwrap_or(self.call_deadline)
    }

    /// The endpoint's memory limit (bytes) with the server's as default.
    pub fn max_memory_for(&self, e: &EndpointConfig) -> usize {
        e.max_memory.unwrap_or(self.max_memory)
    }

    /// How many instances serve entry `e`: its `shards`, else the
    /// server's; a pattern entry's namespaces have one each.
    pub fn shards_for(&self, e: &EndpointConfig) -> usize {
        if e.pattern.is_some() {
            return 1;
        }
        e.shards.unwrap_or(self.shards).count()
    }

    /// Every pattern entry's limits unless it sets its own.
    pub fn namespace_limits(&self) -> NamespaceLimits {
        NamespaceLimits {
            max_namespaces: self.max_namespaces,
            idle_timeout: self.namespace_idle_timeout,
        }
    }

    /// Refuses what cannot run: missing component files or WASI dirs, zero
    /// limits, a duplicate namespace, a non-loopback admin address, a bad
    /// Redis URL, nothing to serve.
    pub fn validate(&self) -> Result<()> {
        if let Some(url) = &self.redis {
            // Parsing only; Redis need not be up (the adapter keeps trying).
            redis::Client::open(url.as_str()).with_context(|| format!("bad Redis URL {url:?}"))?;
        }
        // Pages alone are a use too: a page served from another origin than
        // its Socket.IO server (examples/crosssite).
        if self.endpoints.is_empty() && self.static_mounts.is_empty() {
            bail!(
                "no endpoint given: name a handler, e.g. `sio-host run chat.wasm` or \
                 `sio-host run /=chat.wasm /admin=admin.wasm`, or list them in a sio.toml \
                 (`[endpoints.\"/\"]` with `component = \"chat.wasm\"`; see docs/reload.md); \
                 only `--static` mounts serve pages without one"
            );
        }
        for e in &self.endpoints {
            if !e.component.is_file() {
                bail!(
                    "endpoint {}: no such file {}",
                    e.namespace,
                    e.component.display()
                );
            }
            if e.call_deadline.is_some_and(|d| d.is_zero()) {
                bail!("endpoint {}: call-deadline must be above 0", e.namespace);
            }
            if e.fuel == Some(0) {
                bail!("endpoint {}: fuel must be above 0", e.namespace);
            }
            if e.max_namespaces == Some(0) {
                bail!("endpoint {}: max-namespaces must be above 0", e.namespace);
            }
            if e.pattern.is_none()
                && (e.max_namespaces.is_some() || e.namespace_idle_timeout.is_some())
            {
                bail!(
                    "endpoint {}: max-namespaces and namespace-idle-timeout are for pattern \
                     entries (`/room-*`, `~/game-[0-9]+`)",
                    e.namespace
                );
            }
            if e.pattern.is_some() && e.shards.is_some_and(|s| s != Shards::Count(1)) {
                bail!(
                    "endpoint {}: shards are for plain entries; a pattern's namespaces \
                     have one instance each",
                    e.namespace
                );
            }
            if self.shards_for(e) > 1 && (self.redis.is_some() || self.recovery.is_some()) {
                // Not composed yet: the cluster link and the replay buffer
                // are one per namespace (docs/architecture.md, "Multi-core
                // endpoints").
                bail!(
                    "endpoint {}: shards > 1 do not work with --redis or connection state \
                     recovery yet; give it `shards = 1`",
                    e.namespace
                );
            }
            for d in &e.wasi.dirs {
                if !d.host.is_dir() {
                    bail!(
                        "endpoint {}: wasi dir {} is not a directory",
                        e.namespace,
                        d.host.display()
                    );
                }
            }
        }
        if let Some(admin) = &self.admin
            && !admin.listen.ip().is_loopback()
        {
            bail!(
                "the admin endpoint listens on loopback addresses only (got {})",
                admin.listen
            );
        }
        for (i, e) in self.endpoints.iter().enumerate() {
            if self.endpoints[..i]
                .iter()
                .any(|o| o.namespace == e.namespace)
            {
                bail!("namespace {} is given twice", e.namespace);
            }
        }
        if let Some(ui) = &self.admin_ui
            && self.endpoints.iter().any(|e| e.namespace == ui.namespace)
        {
            bail!(
                "namespace {} is the admin UI's; give the admin UI another \
                 (--admin-ui-namespace)",
                ui.namespace
            );
        }
        if self.ping_interval.is_zero() || self.ping_timeout.is_zero() {
            bail!("--ping-interval and --ping-timeout must be above 0");
        }
        if self.max_payload == 0 {
            bail!("--max-payload must be above 0");
        }
        if self.call_deadline.is_zero() {
            bail!("--call-deadline must be above 0");
        }
        if self.fuel == Some(0) {
            bail!("--fuel must be above 0");
        }
        if self.max_outbound_queue == 0 {
            bail!("--max-outbound-queue must be above 0");
        }
        if self.max_pending_events < 2 {
            // Reading resumes at half: 1 would pause and resume on every event.
            bail!("--max-pending-events must be at least 2");
        }
        if self.max_events_per_second == Some(0) {
            bail!("--max-events-per-second must be above 0 (leave it out for no limit)");
        }
        if self.max_connections == Some(0) || self.max_connections_per_ip == Some(0) {
            bail!("--max-connections and --max-connections-per-ip must be above 0");
        }
        if self.max_namespaces == 0 {
            bail!("--max-namespaces must be above 0");
        }
        Ok(())
    }
}

fn mib(n: usize) -> usize {
    n.saturating_mul(1024 * 1024)
}

/// `sio.toml`. Every key is optional but the endpoints' `component`;
/// relative paths are relative to the file's folder.
///
/// ```toml
/// [server]
/// listen = "127.0.0.1:8000"
/// ping-interval = 25000     # ms; also ping-timeout, connect-timeout
/// max-payload = 1000000     # bytes
/// ws-compression = true    # permessage-deflate on websockets (default: off)
/// ws-compression-threshold = 1024   # bytes: shorter messages go uncompressed
/// call-deadline = 1000      # ms, default of every endpoint
/// max-memory = 128          # MiB, default of every endpoint
/// fuel = 1000000000         # per call, default of every endpoint (default: none)
/// max-outbound-per-call = 10000   # messages one call may send
/// checkpoint-interval = 1000      # ms between state snapshots (0: off)
/// max-namespaces = 1000           # namespaces one pattern entry may have at once
/// namespace-idle-timeout = 60000  # ms a pattern's namespace may be empty (0: kept)
/// shards = 1                # instances per plain endpoint, N or "auto" (one per core)
/// max-outbound-queue = 16777216   # bytes queued for one client before it is dropped
/// max-pending-events = 128        # a client's events waiting for handlers before its reads pause
/// max-events-per-second = 100     # per client (default: no limit); reads pause past it
/// rate-limit-grace = 10000        # ms over the rate before a client is disconnected
/// max-connections = 100000        # sessions at once (default: no limit)
/// max-connections-per-ip = 100    # sessions per client IP (default: no limit)
/// cors-origins = ["https://example.com"]
/// http-allow = ["127.0.0.1:9000"]  # http-fetch default of every endpoint (docs/async.md)
/// static = ["examples/chat/static", "/vendor=node_modules/socket.io-client/dist"]
/// watch = true              # like --watch
/// stats-admin-only = true   # like --stats-admin-only
/// redis = "redis://127.0.0.1:6379/"   # like --redis: join a cluster (docs/scale-out.md)
/// parser = "json"           # or "msgpack": socket.io-msgpack-parser's clients on /socket.io/
/// msgpack-path = "/socket.io-msgpack/"   # and/or a path of their own (docs/protocol.md)
/// admin = true              # the local admin endpoint (sio-host reload)
/// admin-listen = "127.0.0.1:0"
/// admin-file = "run/admin.json"
///
/// [endpoints."/"]
/// component = "target/wasm32-wasip2/release/chat.wasm"
/// call-deadline = 500
/// max-memory = 64
/// config = { greeting = "hello", rooms = 3 }
/// shards = "auto"           # this endpoint's instances (docs/handlers.md)
///
/// http-allow = ["127.0.0.1:9000", "api.example.com"]  # http-fetch (docs/async.md)
///
/// [endpoints."/".wasi]      # nothing unless granted
/// env = { LANG = "C" }
/// dirs = [{ host = "data", guest = "/data", writable = false }]
///
/// [endpoints."/room-*"]     # a pattern: one endpoint per namespace it matches
/// component = "room.wasm"   # (`~/game-[0-9]+`: a regular expression)
/// max-namespaces = 100
/// namespace-idle-timeout = 30000
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FileConfig {
    /// `[server]`: the server's settings, the flags' counterparts.
    pub server: Option<ServerSection>,
    /// `[endpoints."/x"]`, keyed by namespace (or pattern), in the file's
    /// order: patterns are tried in it.
    #[serde(default, deserialize_with = "in_file_order")]
    pub endpoints: Vec<(String, EndpointSection)>,
    /// Socket.IO protocol 1's settings (see [`Sio1Section`]); the table is
    /// `[legacy]` in sio.toml, as the flags are `--legacy-*`.
    pub legacy: Option<Sio1Section>,
    /// `[store]`: the handlers' key-value store (see [`StoreSection`]).
    pub store: Option<StoreSection>,
    /// `[recovery]`: connection state recovery (see [`RecoverySection`]).
    pub recovery: Option<RecoverySection>,
    /// `[admin-ui]`: the admin UI (see [`AdminUiSection`]).
    pub admin_ui: Option<AdminUiSection>,
    /// `[build]`: how `sio-host build` and `sio-host dev` build the
    /// project's handler (see [`BuildSection`]); `sio-host run` ignores it.
    pub build: Option<BuildSection>,
}

/// `[build]` in `sio.toml` (docs/devkit.md).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BuildSection {
    /// `command`: a shell command run in the project's folder; default: by
    /// what the folder holds (Cargo.toml, package.json, a Makefile).
    pub command: Option<String>,
    /// `watch`: files and folders (relative to the project) whose changes
    /// `sio-host dev` rebuilds on; default: the project's folder, but for
    /// build output and dependency folders.
    pub watch: Option<Vec<String>>,
}

/// `[recovery]` in `sio.toml` (docs/recovery.md).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RecoverySection {
    /// `enabled`: on when true (the table alone does not turn it on).
    pub enabled: Option<bool>,
    /// `max-disconnection`, ms.
    pub max_disconnection: Option<u64>,
    /// `buffer`: packets per endpoint's replay buffer.
    pub buffer: Option<usize>,
    /// `buffer-mib`: MiB per endpoint's replay buffer.
    pub buffer_mib: Option<usize>,
}

/// The `--recovery*` flags.
struct RecoveryFlags {
    on: bool,
    max_disconnection: Option<Duration>,
    buffer: Option<usize>,
    buffer_mib: Option<usize>,
}

impl RecoveryConfig {
    fn resolve(section: &RecoverySection, flags: RecoveryFlags) -> Result<Option<RecoveryConfig>> {
        if !flags.on && !section.enabled.unwrap_or(false) {
            return Ok(None);
        }
        let config = RecoveryConfig {
            max_disconnection: flags.max_disconnection.unwrap_or(Duration::from_millis(
                section.max_disconnection.unwrap_or(120_000),
            )),
            buffer_packets: flags.buffer.or(section.buffer).unwrap_or(10_000),
            buffer_bytes: mib(flags.buffer_mib.or(section.buffer_mib).unwrap_or(64)),
        };
        if config.max_disconnection.is_zero()
            || config.buffer_packets == 0
            || config.buffer_bytes == 0
        {
            bail!("recovery: max-disconnection, buffer and buffer-mib must be above 0");
        }
        Ok(Some(config))
    }
}

/// `[store]` in `sio.toml` (docs/state.md).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct StoreSection {
    /// `backend`: "memory", "file" or "redis"; default: redis with
    /// `--redis`, else file when `path` is set, else memory.
    pub backend: Option<String>,
    /// `path`: the file of the file backend, relative to sio.toml's folder.
    pub path: Option<PathBuf>,
    /// `timeout`, ms: how long one call may wait for Redis.
    pub timeout: Option<u64>,
    /// `max-value`: the largest value, bytes.
    pub max_value: Option<usize>,
    /// `max-keys`: keys one endpoint may hold.
    pub max_keys: Option<u64>,
    /// `max-ops-per-call`: store calls one handler call may make.
    pub max_ops_per_call: Option<u32>,
}

/// Where the handlers' key-value store keeps its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreBackendKind {
    /// In this process's memory (the default).
    Memory,
    /// In this redb file (`[store] path`, `--store-path`).
    File(PathBuf),
    /// In the cluster's Redis (`--redis`).
    Redis,
}

/// The handlers' key-value store, resolved (docs/state.md).
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// Where values live.
    pub backend: StoreBackendKind,
    /// How long one call may wait for Redis (`[store] timeout`; default
    /// 100 ms).
    pub timeout: Duration,
    /// The largest value in bytes (`max-value`; default 64 KiB).
    pub max_value: usize,
    /// Keys one endpoint may hold (`max-keys`; default 100,000).
    pub max_keys: u64,
    /// Store calls one handler call may make (`max-ops-per-call`; default
    /// 1,000).
    pub max_ops_per_call: u32,
}

impl StoreConfig {
    fn resolve(
        section: &StoreSection,
        flag_path: Option<PathBuf>,
        base: &Path,
        redis: bool,
    ) -> Result<StoreConfig> {
        let path = flag_path.or_else(|| section.path.as_ref().map(|p| base.join(p)));
        let backend = match (section.backend.as_deref(), path) {
            (Some("memory"), _) => StoreBackendKind::Memory,
            (Some("file"), Some(p)) => StoreBackendKind::File(p),
            (Some("file"), None) => bail!("[store] backend = \"file\" needs a path"),
            (Some("redis"), _) if redis => StoreBackendKind::Redis,
            (Some("redis"), _) => bail!("[store] backend = \"redis\" needs --redis"),
            (Some(other), _) => {
                bail!("[store] backend {other:?}: one of \"memory\", \"file\", \"redis\"")
            }
            (None, _) if redis => StoreBackendKind::Redis,
            (None, Some(p)) => StoreBackendKind::File(p),
            (None, None) => StoreBackendKind::Memory,
        };
        let config = StoreConfig {
            backend,
            timeout: Duration::from_millis(section.timeout.unwrap_or(100)),
            max_value: section.max_value.unwrap_or(64 * 1024),
            max_keys: section.max_keys.unwrap_or(100_000),
            max_ops_per_call: section.max_ops_per_call.unwrap_or(1_000),
        };
        if config.timeout.is_zero() || config.max_value == 0 || config.max_keys == 0 {
            bail!("[store] timeout, max-value and max-keys must be above 0");
        }
        Ok(config)
    }
}

/// `[server]` in `sio.toml`: each key as its flag (see [`Config`] for the
/// defaults); None/empty: not given. Times are in milliseconds.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ServerSection {
    /// `listen`: the HTTP and websocket address.
    pub listen: Option<SocketAddr>,
    /// `ping-interval`, ms.
    pub ping_interval: Option<u64>,
    /// `ping-timeout`, ms.
    pub ping_timeout: Option<u64>,
    /// `max-payload`, bytes.
    pub max_payload: Option<usize>,
    /// `ws-compression`: permessage-deflate on websockets.
    pub ws_compression: Option<bool>,
    /// `ws-compression-threshold`, bytes.
    pub ws_compression_threshold: Option<usize>,
    /// `connect-timeout`, ms.
    pub connect_timeout: Option<u64>,
    /// `call-deadline`, ms: every endpoint's default.
    pub call_deadline: Option<u64>,
    /// `max-memory`, MiB: every endpoint's default.
    pub max_memory: Option<usize>,
    /// `fuel` per call: every endpoint's default.
    pub fuel: Option<u64>,
    /// `max-outbound-per-call`: every endpoint's default.
    pub max_outbound_per_call: Option<u32>,
    /// `checkpoint-interval`, ms (0: only at reloads): every endpoint's
    /// default.
    pub checkpoint_interval: Option<u64>,
    /// `max-namespaces`: every pattern entry's default.
    pub max_namespaces: Option<usize>,
    /// `namespace-idle-timeout`, ms (0: never): every pattern entry's
    /// default.
    pub namespace_idle_timeout: Option<u64>,
    /// `shards`: N or "auto", every plain endpoint's default.
    pub shards: Option<Shards>,
    /// `max-outbound-queue`, bytes.
    pub max_outbound_queue: Option<usize>,
    /// `volatile-threshold`, bytes.
    pub volatile_threshold: Option<usize>,
    /// `max-pending-events`.
    pub max_pending_events: Option<u32>,
    /// `max-events-per-second`.
    pub max_events_per_second: Option<u32>,
    /// `rate-limit-grace`, ms.
    pub rate_limit_grace: Option<u64>,
    /// `max-connections`.
    pub max_connections: Option<usize>,
    /// `max-connections-per-ip`.
    pub max_connections_per_ip: Option<usize>,
    /// `cors-origins`, replaced by any `--cors-origin`.
    #[serde(default)]
    pub cors_origins: Vec<String>,
    /// `http-allow`, for endpoints without their own; replaced by any
    /// `--http-allow`.
    #[serde(default)]
    pub http_allow: Vec<String>,
    /// `static`: `DIR` or `/PREFIX=DIR` specs, as `--static`; replaced by
    /// any `--static`.
    #[serde(default)]
    pub r#static: Vec<String>,
    /// `watch`.
    pub watch: Option<bool>,
    /// `stats-admin-only`.
    pub stats_admin_only: Option<bool>,
    /// `redis`: the cluster's Redis URL.
    pub redis: Option<String>,
    /// `redis-adapter`: "pubsub" (default) or "streams".
    pub redis_adapter: Option<String>,
    /// `parser`: "json" (default) or "msgpack", for `/socket.io/`.
    pub parser: Option<String>,
    /// `msgpack-path`: a second path, for msgpack clients.
    pub msgpack_path: Option<String>,
    /// `admin`: false turns the admin endpoint off (as `--no-admin`).
    pub admin: Option<bool>,
    /// `admin-listen`.
    pub admin_listen: Option<SocketAddr>,
    /// `admin-file`, relative to the file's folder.
    pub admin_file: Option<PathBuf>,
}

/// `[endpoints."/x"]` in `sio.toml`: one endpoint; its limits, when given,
/// replace the server's for it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct EndpointSection {
    /// `component`: the `.wasm` file, relative to the file's folder.
    pub component: PathBuf,
    /// `call-deadline`, ms.
    pub call_deadline: Option<u64>,
    /// `max-memory`, MiB.
    pub max_memory: Option<usize>,
    /// `fuel` per call.
    pub fuel: Option<u64>,
    /// `max-outbound-per-call`.
    pub max_outbound_per_call: Option<u32>,
    /// `checkpoint-interval`, ms.
    pub checkpoint_interval: Option<u64>,
    /// `config`: values handed to the handler (strings, numbers, booleans).
    #[serde(default)]
    pub config: BTreeMap<String, toml::Value>,
    /// `wasi`: what WASI may reach (nothing by default).
    #[serde(default)]
    pub wasi: WasiGrants,
    /// `http-allow`: hosts `http-fetch` may reach; None: the server's list.
    pub http_allow: Option<Vec<String>>,
    /// `max-namespaces` (pattern entries).
    pub max_namespaces: Option<usize>,
    /// `namespace-idle-timeout`, ms (pattern entries; 0: never).
    pub namespace_idle_timeout: Option<u64>,
    /// `shards`: N or "auto" (plain entries).
    pub shards: Option<Shards>,
}

impl FileConfig {
    /// Reads and parses the `sio.toml` at `path`.
    pub fn read(path: &Path) -> Result<FileConfig> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("in {}", path.display()))
    }

    /// Parses `sio.toml` text; unknown keys are errors.
    pub fn parse(text: &str) -> Result<FileConfig> {
        Ok(toml::from_str(text)?)
    }

    /// The `[endpoints]` entries, paths made relative to `path`'s folder.
    pub fn endpoints(&self, path: &Path) -> Result<Vec<EndpointConfig>> {
        let base = path.parent().unwrap_or(Path::new(""));
        self.endpoints
            .iter()
            .map(|(namespace, e)| {
                let what = format!("[endpoints.\"{namespace}\"]");
                let pattern = check_endpoint_key(namespace, &what)?;
                let values = e
                    .config
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), config_text(v, &what, k)?)))
                    .collect::<Result<Vec<_>>>()?;
                Ok(EndpointConfig {
                    namespace: namespace.clone(),
                    pattern,
                    component: base.join(&e.component),
                    call_deadline: e.call_deadline.map(Duration::from_millis),
                    max_memory: e.max_memory.map(mib),
                    fuel: e.fuel,
                    max_outbound_per_call: e.max_outbound_per_call,
                    checkpoint_interval: e.checkpoint_interval.map(Duration::from_millis),
                    values,
                    wasi: WasiGrants {
                        env: e.wasi.env.clone(),
                        dirs: e
                            .wasi
                            .dirs
                            .iter()
                            .map(|d| DirGrant {
                                host: base.join(&d.host),
                                ..d.clone()
                            })
                            .collect(),
                    },
                    http_allow: e.http_allow.clone(),
                    max_namespaces: e.max_namespaces,
                    namespace_idle_timeout: e.namespace_idle_timeout.map(Duration::from_millis),
                    shards: e.shards,
                })
            })
            .collect()
    }
}

/// A table's entries in the file's order (toml's `preserve_order` keeps
/// it); a duplicate key is already a TOML error.
fn in_file_order<'de, D, T>(deserializer: D) -> Result<Vec<(String, T)>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Entries<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Entries<T> {
        type Value = Vec<(String, T)>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a table of endpoints")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut entries = Vec::new();
            while let Some(entry) = map.next_entry()? {
                entries.push(entry);
            }
            Ok(entries)
        }
    }
    deserializer.deserialize_map(Entries(std::marker::PhantomData))
}

/// A list given on the command line replaces the file's; none given: the
/// file's.
fn flag_or_file(flag: Vec<String>, file: &[String]) -> Vec<String> {
    if flag.is_empty() { file.to_vec() } else { flag }
}

/// A config value as the handler gets it: strings as they are, numbers and
/// booleans as their TOML text.
fn config_text(v: &toml::Value, what: &str, key: &str) -> Result<String> {
    Ok(match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::Array(_) | toml::Value::Table(_) => bail!(
            "{what}: config value `{key}` is a {}; values are strings, numbers or booleans",
            v.type_str()
        ),
    })
}

#[cfg(test)]
mod tests;

//! The `sio-host` command line.

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use sio_host::admin;
use sio_host::config::{
    AdminUiOverrides, Config, EndpointConfig, Overrides, Shards, Sio1Overrides, StaticMount,
};

#[derive(Parser)]
#[command(
    name = "sio-host",
    version,
    about = "A Socket.IO server whose application logic runs as WebAssembly components",
    long_about = "A Socket.IO server whose application logic runs as WebAssembly components.\n\n\
        Each endpoint (Socket.IO namespace) is served by one component built against the \
        sio:realtime@0.1.0 WIT contract. Clients: socket.io-client 3.x/4.x (Engine.IO 4).\n\n\
        Logs go to stderr; set RUST_LOG (e.g. RUST_LOG=sio_host=debug) for more."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve one or more handler components.
    ///
    /// Examples: `sio-host run chat.wasm` serves chat.wasm on namespace `/`;
    /// `sio-host run /=chat.wasm /admin=admin.wasm` serves two namespaces;
    /// `sio-host run` alone serves what ./sio.toml lists. Flags override the
    /// file.
    Run(Box<RunArgs>),
    /// Reload endpoints of a running server (all, or the one named), through
    /// its local admin endpoint. Exits 1 if a reload was refused.
    ///
    /// The server is found through its admin file: `--admin-file`, the one of
    /// `--port`, or the only running server's.
    Reload(ReloadArgs),
    /// Show a running server's endpoints: component, version, reloads.
    Status(TargetArgs),
    /// Check component files the way a reload does, without a server:
    /// compile, check against the sio:realtime@0.1.0 contract, instantiate,
    /// and round-trip the initial state through snapshot/restore when the
    /// component hands state over. Exits 1 if a file fails.
    Check {
        /// Component files.
        #[arg(value_name = "FILE", required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the WIT contract handlers are built against
    /// (sio:realtime@0.1.0), or write it to DIR/realtime.wit.
    Wit {
        /// A folder to write realtime.wit into.
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Make a handler project: an echo handler, a page, a sio.toml and a
    /// README, built with the language's own tools against its packaged
    /// SDK. Then: `cd NAME && sio-host dev`.
    New {
        /// The project's name (and folder).
        #[arg(value_name = "NAME")]
        name: String,
        /// The handler's language.
        #[arg(long, value_enum, default_value = "rust")]
        lang: sio_host::devkit::Lang,
        /// Where to make the project's folder [default: here].
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Build the handler project in DIR [default: here], whatever its
    /// language: sio.toml's `[build] command`, else by what the folder
    /// holds (Cargo.toml, package.json, Makefile). Exits 1 if it fails.
    Build {
        /// The project's folder.
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Build the project here, serve it (as `run` with its sio.toml), and
    /// on every save rebuild it and hot-reload it into the running server:
    /// clients stay connected and keep their state. A failed build is shown
    /// in the terminal and on the page; the last good build keeps serving.
    /// Takes `run`'s flags.
    Dev(Box<RunArgs>),
}

#[derive(Args)]
struct TargetArgs {
    /// The server's admin file (as given to `run --admin-file`).
    #[arg(long, value_name = "PATH")]
    admin_file: Option<PathBuf>,

    /// The server's Socket.IO port, to find its admin file in the default place.
    #[arg(long, value_name = "PORT", conflicts_with = "admin_file")]
    port: Option<u16>,
}

#[derive(Args)]
struct ReloadArgs {
    /// The endpoint (namespace) to reload, e.g. `/chat`; all when omitted.
    #[arg(value_name = "ENDPOINT")]
    endpoint: Option<String>,

    #[command(flatten)]
    target: TargetArgs,
}

#[derive(Args)]
struct RunArgs {
    /// Endpoints: `FILE.wasm` (namespace `/`), `/NAMESPACE=FILE.wasm`, or a
    /// pattern serving many namespaces, each its own endpoint: a glob
    /// `/room-*=FILE.wasm` (`*`: one or more characters but `/`) or a
    /// regular expression `~/game-[0-9]+=FILE.wasm` (whole name). They join
    /// (or override the component of) the config file's endpoints.
    #[arg(value_name = "ENDPOINT")]
    endpoints: Vec<String>,

    /// The config file [default: ./sio.toml when it exists].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Address to listen on (HTTP and websocket) [default: 127.0.0.1:8000].
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,

    /// Milliseconds between the server's pings [default: 25000].
    #[arg(long, value_name = "MS")]
    ping_interval: Option<u64>,

    /// Milliseconds to wait for a pong before closing the session [default: 20000].
    #[arg(long, value_name = "MS")]
    ping_timeout: Option<u64>,

    /// Largest HTTP body or websocket message accepted, in bytes [default: 1000000].
    #[arg(long, value_name = "BYTES")]
    max_payload: Option<usize>,

    /// Compress websocket messages (permessage-deflate) for clients that
    /// offer it [default: off].
    #[arg(long)]
    ws_compression: bool,

    /// With --ws-compression: messages shorter than this go uncompressed
    /// [default: 1024].
    #[arg(long, value_name = "BYTES")]
    ws_compression_threshold: Option<usize>,

    /// Milliseconds a client may take to join a namespace before it is
    /// closed [default: 45000].
    #[arg(long, value_name = "MS")]
    connect_timeout: Option<u64>,

    /// Milliseconds one handler call may run before it is interrupted
    /// [default: 1000].
    #[arg(long, value_name = "MS")]
    call_deadline: Option<u64>,

    /// Linear memory one handler instance may grow to, in MiB [default: 128].
    #[arg(long, value_name = "MIB")]
    max_memory: Option<usize>,

    /// Fuel (about one unit per wasm instruction) one handler call may burn
    /// before it traps [default: no fuel metering; the deadline still applies].
    #[arg(long, value_name = "UNITS")]
    fuel: Option<u64>,

    /// Messages (emit, send, ack) one handler call may send; past it host
    /// calls return `limit-exceeded` [default: 10000].
    #[arg(long, value_name = "N")]
    max_outbound_per_call: Option<u32>,

    /// Milliseconds between snapshots of a handler's state (handlers that
    /// export sio:realtime/state), restored if a call traps; 0: only at
    /// reloads [default: 1000].
    #[arg(long, value_name = "MS")]
    checkpoint_interval: Option<u64>,

    /// Namespaces one pattern endpoint (`/room-*=...`) may have running at
    /// once; a connect to one more is refused ("Invalid namespace")
    /// [default: 1000].
    #[arg(long, value_name = "N")]
    max_namespaces: Option<usize>,

    /// Milliseconds a pattern endpoint's namespace may go without a
    /// connection before it is stopped and its instance freed; 0: never
    /// [default: 60000].
    #[arg(long, value_name = "MS")]
    namespace_idle_timeout: Option<u64>,

    /// Instances serving each plain endpoint, its connections split among
    /// them so that one namespace uses several cores: N or `auto` (one per
    /// core); its instances share state through the key-value store only
    /// (docs/handlers.md, "Sharded endpoints") [default: 1].
    #[arg(long, value_name = "N|auto", value_parser = parse_shards)]
    shards: Option<Shards>,

    /// Bytes queued for one client before it is disconnected as a slow
    /// consumer [default: 16777216].
    #[arg(long, value_name = "BYTES")]
    max_outbound_queue: Option<usize>,

    /// Bytes queued for one client above which a volatile emit to it is
    /// dropped instead of queued [default: 65536].
    #[arg(long, value_name = "BYTES")]
    volatile_threshold: Option<usize>,

    /// Events one client may have waiting for handlers before the server
    /// stops reading from it (until half have run) [default: 128].
    #[arg(long, value_name = "N")]
    max_pending_events: Option<u32>,

    /// Events (and acks, protocol-1 messages) one client may send per
    /// second, with a second's worth as burst; past it the server stops
    /// reading from the client until the rate allows [default: no limit].
    #[arg(long, value_name = "N")]
    max_events_per_second: Option<u32>,

    /// How long a client may stay over --max-events-per-second before it is
    /// disconnected (reason "rate limit") [default: 10000].
    #[arg(long, value_name = "MS")]
    rate_limit_grace: Option<u64>,

    /// Sessions the server holds at once; a handshake past it is refused
    /// (HTTP 403, Engine.IO's Forbidden) [default: no limit].
    #[arg(long, value_name = "N")]
    max_connections: Option<usize>,

    /// Sessions one client IP address may hold at once (the TCP peer's
    /// address: behind a proxy every client shares it) [default: no limit].
    #[arg(long, value_name = "N")]
    max_connections_per_ip: Option<usize>,

    /// Keep the handlers' key-value store in this file (redb; survives a
    /// restart). Without it: in memory, or in Redis with --redis.
    #[arg(long, value_name = "FILE")]
    store_path: Option<PathBuf>,

    /// An origin allowed to connect cross-origin (repeatable). None given:
    /// same-origin only. Requests without an Origin header always pass.
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    cors_origins: Vec<String>,

    /// A host (`NAME` or `NAME:PORT`) async handlers' http-fetch may reach
    /// (repeatable), for endpoints without their own `http-allow` in
    /// sio.toml. None given: none (docs/async.md).
    #[arg(long = "http-allow", value_name = "HOST")]
    http_allow: Vec<String>,

    /// Serve a directory over HTTP: `DIR` (at `/`) or `/PREFIX=DIR` (repeatable).
    #[arg(long = "static", value_name = "[PREFIX=]DIR")]
    static_mounts: Vec<String>,

    /// Reload an endpoint when its component file (or the config file) changes.
    #[arg(long)]
    watch: bool,

    /// Serve /stats and /metrics on the admin endpoint only (behind its
    /// token), not on --listen.
    #[arg(long)]
    stats_admin_only: bool,

    /// Join a cluster through this Redis (`redis://HOST:PORT/`): rooms and
    /// broadcasts reach every node, sio-host or Node Socket.IO with
    /// @socket.io/redis-adapter (docs/scale-out.md).
    #[arg(long, value_name = "URL")]
    redis: Option<String>,

    /// Which Node adapter's format --redis speaks: `pubsub`
    /// (@socket.io/redis-adapter) or `streams`
    /// (@socket.io/redis-streams-adapter, which lets a client recover on
    /// another node) [default: pubsub].
    #[arg(long, value_name = "KIND")]
    redis_adapter: Option<String>,

    /// The Socket.IO parser of the clients on /socket.io/: `json`
    /// (socket.io-parser) or `msgpack` (socket.io-msgpack-parser; Engine.IO
    /// 4 clients only) [default: json].
    #[arg(long, value_name = "PARSER")]
    parser: Option<String>,

    /// Also serve socket.io-msgpack-parser's clients on this path (e.g.
    /// /socket.io-msgpack/, the client's `path` option), beside
    /// /socket.io/'s.
    #[arg(long, value_name = "PATH")]
    msgpack_path: Option<String>,

    /// Connection state recovery: a client that drops comes back with its
    /// id, rooms, data and every event it missed, if it returns within
    /// --recovery-max-disconnection (Engine.IO 4 clients; docs/recovery.md).
    #[arg(long)]
    recovery: bool,

    /// How long a dropped client may take to recover [default: 120000].
    #[arg(long, value_name = "MS")]
    recovery_max_disconnection: Option<u64>,

    /// Packets one endpoint keeps for recovering clients [default: 10000].
    #[arg(long, value_name = "N")]
    recovery_buffer: Option<usize>,

    /// MiB one endpoint keeps for recovering clients [default: 64].
    #[arg(long, value_name = "MIB")]
    recovery_buffer_mib: Option<usize>,

    /// No admin endpoint (`sio-host reload` will not reach this server;
    /// SIGHUP and --watch still reload).
    #[arg(long)]
    no_admin: bool,

    /// The admin endpoint's address, loopback only [default: 127.0.0.1:0,
    /// a free port].
    #[arg(long, value_name = "ADDR")]
    admin_listen: Option<SocketAddr>,

    /// Where to write the admin file (address + token, mode 0600) [default:
    /// $XDG_RUNTIME_DIR/sio-host/admin-PORT.json, else
    /// $TMPDIR/sio-host-UID/admin-PORT.json].
    #[arg(long, value_name = "PATH")]
    admin_file: Option<PathBuf>,

    #[command(flatten)]
    legacy: Sio1Args,

    #[command(flatten)]
    admin_ui: AdminUiArgs,
}

/// The admin UI: @socket.io/admin-ui's dashboard (docs/admin-ui.md).
#[derive(Args)]
struct AdminUiArgs {
    /// Serve the admin UI's namespace: @socket.io/admin-ui's dashboard (its
    /// hosted page, or its files served with --static) signs in there and
    /// sees every namespace's sockets, rooms and events. Needs
    /// --admin-ui-auth or --admin-ui-no-auth.
    #[arg(long)]
    admin_ui: bool,

    /// The admin UI's namespace [default: /admin].
    #[arg(long, value_name = "NAMESPACE")]
    admin_ui_namespace: Option<String>,

    /// Who may sign in: USER:PASSWORD, the password plain or as a bcrypt
    /// hash (`$2b$10$...`, as Node's instrument() takes it). Prefer the
    /// environment variable: a command line is visible to other users.
    #[arg(
        long,
        value_name = "USER:PASSWORD",
        env = "SIO_ADMIN_UI_AUTH",
        hide_env_values = true
    )]
    admin_ui_auth: Option<String>,

    /// Let anyone who reaches the server sign in to the admin UI.
    #[arg(long)]
    admin_ui_no_auth: bool,

    /// The admin UI shows and never acts: no join, leave, disconnect or emit.
    #[arg(long)]
    admin_ui_readonly: bool,
}

/// Socket.IO protocol 1 (socket.io-client 0.7-0.9, TornadIO2's clients).
#[derive(Args)]
struct Sio1Args {
    /// Milliseconds between the server's heartbeats to 0.9 clients on
    /// websocket, flashsocket and htmlfile [default: 25000].
    #[arg(long, value_name = "MS")]
    legacy_heartbeat_interval: Option<u64>,

    /// Heartbeat timeout told to 0.9 clients at the handshake (rounded up to
    /// seconds), and how long the server waits for a heartbeat's answer
    /// [default: 60000].
    #[arg(long, value_name = "MS")]
    legacy_heartbeat_timeout: Option<u64>,

    /// Close timeout told to 0.9 clients (rounded up to seconds): a session
    /// with no request attached for this long ends [default: 60000].
    #[arg(long, value_name = "MS")]
    legacy_close_timeout: Option<u64>,

    /// How long a 0.9 client's poll waits before it is answered empty
    /// [default: 20000].
    #[arg(long, value_name = "MS")]
    legacy_polling_duration: Option<u64>,

    /// Transports offered to 0.9 clients, comma-separated or repeated:
    /// websocket, flashsocket, htmlfile, xhr-polling, jsonp-polling
    /// [default: all but flashsocket].
    #[arg(long = "legacy-transports", value_name = "LIST")]
    legacy_transports: Vec<String>,

    /// Serve Flash socket policy requests on this port (0: any free one);
    /// needs flashsocket among --legacy-transports [default: off].
    #[arg(long, value_name = "PORT")]
    flash_policy_port: Option<u16>,
}

/// `--shards`: N or `auto`.
fn parse_shards(s: &str) -> Result<Shards, String> {
    Shards::parse(s).map_err(|e| e.to_string())
}

impl RunArgs {
    fn into_config(self) -> anyhow::Result<Config> {
        let endpoints = self
            .endpoints
            .iter()
            .map(|s| EndpointConfig::parse(s))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let static_mounts = self
            .static_mounts
            .iter()
            .map(|s| StaticMount::parse(s))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let ms = Duration::from_millis;
        let legacy = Sio1Overrides {
            heartbeat_interval: self.legacy.legacy_heartbeat_interval.map(ms),
            heartbeat_timeout: self.legacy.legacy_heartbeat_timeout.map(ms),
            close_timeout: self.legacy.legacy_close_timeout.map(ms),
            polling_duration: self.legacy.legacy_polling_duration.map(ms),
            transports: self.legacy.legacy_transports,
            flash_policy_port: self.legacy.flash_policy_port,
        };
        Config::resolve(Overrides {
            config_file: self.config,
            sio1: legacy,
            endpoints,
            listen: self.listen,
            ping_interval: self.ping_interval.map(ms),
            ping_timeout: self.ping_timeout.map(ms),
            max_payload: self.max_payload,
            ws_compression: self.ws_compression,
            ws_compression_threshold: self.ws_compression_threshold,
            connect_timeout: self.connect_timeout.map(ms),
            call_deadline: self.call_deadline.map(ms),
            max_memory: self.max_memory.map(|m| m.saturating_mul(1024 * 1024)),
            fuel: self.fuel,
            max_outbound_per_call: self.max_outbound_per_call,
            checkpoint_interval: self.checkpoint_interval.map(ms),
            max_namespaces: self.max_namespaces,
            namespace_idle_timeout: self.namespace_idle_timeout.map(ms),
            shards: self.shards,
            max_outbound_queue: self.max_outbound_queue,
            volatile_threshold: self.volatile_threshold,
            max_pending_events: self.max_pending_events,
            max_events_per_second: self.max_events_per_second,
            rate_limit_grace: self.rate_limit_grace.map(ms),
            max_connections: self.max_connections,
            max_connections_per_ip: self.max_connections_per_ip,
            store_path: self.store_path,
            cors_origins: self.cors_origins,
            http_allow: self.http_allow,
            static_mounts,
            watch: self.watch,
            stats_admin_only: self.stats_admin_only,
            redis: self.redis,
            redis_adapter: self.redis_adapter,
            parser: self.parser,
            msgpack_path: self.msgpack_path,
            recovery: self.recovery,
            recovery_max_disconnection: self.recovery_max_disconnection.map(ms),
            recovery_buffer: self.recovery_buffer,
            recovery_buffer_mib: self.recovery_buffer_mib,
            no_admin: self.no_admin,
            admin_listen: self.admin_listen,
            admin_file: self.admin_file,
            admin_ui: AdminUiOverrides {
                on: self.admin_ui.admin_ui,
                namespace: self.admin_ui.admin_ui_namespace,
                auth: self.admin_ui.admin_ui_auth,
                no_auth: self.admin_ui.admin_ui_no_auth,
                readonly: self.admin_ui.admin_ui_readonly,
            },
        })
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(*args),
        Command::Reload(args) => reload(args),
        Command::Status(args) => status(args),
        Command::Check { files } => check(&files),
        Command::Wit { dir } => wit(dir.as_deref()),
        Command::New { name, lang, dir } => new(&name, lang, dir),
        Command::Build { dir } => build(dir),
        Command::Dev(args) => dev(*args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sio-host: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: RunArgs) -> anyhow::Result<()> {
    let config = args.into_config()?;
    serve_until_stopped(|| sio_host::server::serve(config, print_listening))
}

/// One line on stdout once listening, for people and for test harnesses.
fn print_listening(addr: SocketAddr) {
    let mut out = std::io::stdout();
    let _ = writeln!(out, "sio-host listening on http://{addr}");
    let _ = out.flush();
}

/// Run the server `serve` makes on a new runtime until it ends, or until
/// Ctrl-C or SIGTERM.
fn serve_until_stopped<F>(serve: impl FnOnce() -> F) -> anyhow::Result<()>
where
    F: std::future::Future<Output = anyhow::Result<()>>,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let serve = serve();
        tokio::select! {
            r = serve => r,
            _ = tokio::signal::ctrl_c() => {
                tracing::info!("interrupted; shutting down");
                Ok(())
            }
            _ = terminated() => {
                tracing::info!("terminated; shutting down");
                Ok(())
            }
        }
    })
}

fn wit(dir: Option<&std::path::Path>) -> anyhow::Result<()> {
    match sio_host::devkit::write_wit(dir)? {
        Some(file) => println!("{}", file.display()),
        None => print!("{}", sio_host::devkit::WIT),
    }
    Ok(())
}

fn new(name: &str, lang: sio_host::devkit::Lang, dir: Option<PathBuf>) -> anyhow::Result<()> {
    let parent = dir.unwrap_or_else(|| PathBuf::from("."));
    let project = sio_host::devkit::new_project(name, lang, &parent)?;
    println!(
        "made {} ({lang:?}, sio:realtime@{}); next: cd {} && see README.md, then `sio-host dev`",
        project.display(),
        sio_host::devkit::wit_version(),
        project.display()
    );
    Ok(())
}

fn build(dir: Option<PathBuf>) -> anyhow::Result<()> {
    let dir = dir.unwrap_or_else(|| PathBuf::from("."));
    let outcome = sio_host::devkit::build(&dir, true)?;
    if !outcome.ok {
        anyhow::bail!("the build failed (`{}`)", outcome.command);
    }
    eprintln!(
        "built in {:.1} s (`{}`)",
        outcome.took.as_secs_f64(),
        outcome.command
    );
    Ok(())
}

fn dev(args: RunArgs) -> anyhow::Result<()> {
    // The first build comes before the configuration is read: it checks
    // that the components it names exist.
    let config_file = args
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from(sio_host::config::DEFAULT_CONFIG_FILE));
    sio_host::devkit::first_build(&config_file)?;
    let config = args.into_config()?;
    serve_until_stopped(|| sio_host::devkit::dev(config, print_listening))
}

/// SIGTERM (the server's admin file is removed on the way out).
async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    }
    #[cfg(not(unix))]
    std::future::pending::<()>().await
}

fn target(args: &TargetArgs) -> admin::Target {
    admin::Target {
        admin_file: args.admin_file.clone(),
        port: args.port,
    }
}

/// Reloads can wait for a cold compile of a large component.
const RELOAD_TIMEOUT: Duration = Duration::from_secs(300);

fn reload(args: ReloadArgs) -> anyhow::Result<()> {
    let (_, file) = admin::locate(&target(&args.target))?;
    let path = admin::reload_target(args.endpoint.as_deref());
    let (status, body) = admin::request(&file, "POST", &path, RELOAD_TIMEOUT)?;
    if status != 200 {
        anyhow::bail!(
            "the admin endpoint answered {status}: {}",
            body.get("error").and_then(|e| e.as_str()).unwrap_or("")
        );
    }
    let (mut refused, mut partial) = (0, 0);
    let results = body
        .get("results")
        .and_then(|r| r.as_array())
        .cloned()
        .unwrap_or_default();
    let mut out = std::io::stdout().lock();
    for r in &results {
        let field = |k: &str| r.get(k).cloned().unwrap_or_default();
        let endpoint = field("endpoint");
        let endpoint = endpoint.as_str().unwrap_or("?");
        match field("outcome").as_str() {
            Some("reloaded") => {
                let state = match field("state_bytes").as_u64() {
                    Some(n) => format!("{n} bytes of state handed over"),
                    None if field("state_dropped").as_bool() == Some(true) => {
                        "state dropped: the new version exports no sio:realtime/state".into()
                    }
                    None => "no state hand-off".into(),
                };
                let _ = writeln!(
                    out,
                    "{endpoint}: reloaded, version {} in {} ms (prepare {} ms, pause {} ms; {state})",
                    field("version"),
                    field("total_ms"),
                    field("prepare_ms"),
                    field("pause_ms"),
                );
                // A pattern entry: each running namespace swapped in turn.
                let namespaces = field("namespaces");
                if let Some(reloaded) = namespaces.get("reloaded") {
                    let kept = namespaces.get("kept").and_then(|k| k.as_u64()).unwrap_or(0);
                    let _ = writeln!(
                        out,
                        "  namespaces: {reloaded} reloaded, {kept} kept their version{}",
                        namespaces
                            .get("first_refusal")
                            .and_then(|r| r.as_str())
                            .map(|r| format!(" ({r})"))
                            .unwrap_or_default()
                    );
                    partial += usize::from(kept > 0);
                }
            }
            Some("unchanged") => {
                let _ = writeln!(out, "{endpoint}: unchanged");
            }
            _ => {
                refused += 1;
                let _ = writeln!(
                    out,
                    "{endpoint}: refused, the running version keeps serving: {}",
                    field("reason").as_str().unwrap_or("?")
                );
            }
        }
    }
    if refused > 0 {
        anyhow::bail!("{refused} of {} reloads refused", results.len());
    }
    if partial > 0 {
        anyhow::bail!(
            "{partial} pattern endpoint(s) reloaded with namespaces that kept their version"
        );
    }
    Ok(())
}

fn status(args: TargetArgs) -> anyhow::Result<()> {
    let (_, file) = admin::locate(&target(&args))?;
    let (status, body) = admin::request(&file, "GET", "/status", Duration::from_secs(30))?;
    if status != 200 {
        anyhow::bail!("the admin endpoint answered {status}: {body}");
    }
    let text = serde_json::to_string_pretty(&body)?;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    Ok(())
}

fn check(files: &[PathBuf]) -> anyhow::Result<()> {
    let runtime = sio_host::endpoint::Runtime::new()?;
    let mut failed = 0;
    let mut out = std::io::stdout().lock();
    for file in files {
        match sio_host::endpoint::reload::check(&runtime, file) {
            Ok(c) => {
                let state = match c.state_bytes {
                    Some(n) => {
                        format!("hands state over (sio:realtime/state; initial snapshot {n} bytes)")
                    }
                    None => "no state hand-off (no sio:realtime/state export)".into(),
                };
                let world = match (c.prepared.is_async(), c.prepared.hears_broadcast_events()) {
                    (_, true) => {
                        "async-broadcast-endpoint (timers, hold/release, http-fetch; broadcast replies, server events)"
                    }
                    (true, false) => "async-endpoint (timers, hold/release, http-fetch)",
                    (false, false) => "endpoint",
                };
                let _ = writeln!(
                    out,
                    "{}: ok: {} {world}, {state}; prepared in {} ms",
                    file.display(),
                    sio_host::endpoint::runtime::CONTRACT,
                    c.prepared.compile_time.as_millis()
                );
            }
            Err(e) => {
                failed += 1;
                let _ = writeln!(out, "{}: refused: {e:#}", file.display());
            }
        }
    }
    if failed > 0 {
        anyhow::bail!("{failed} of {} files refused", files.len());
    }
    Ok(())
}

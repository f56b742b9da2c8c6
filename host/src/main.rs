//! The `sio-host` command line.

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use sio_host::config::{Config, EndpointConfig, StaticMount};

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
    /// `sio-host run /=chat.wasm /admin=admin.wasm` serves two namespaces.
    Run(RunArgs),
}

#[derive(Args)]
struct RunArgs {
    /// Endpoints: `FILE.wasm` (namespace `/`) or `/NAMESPACE=FILE.wasm`.
    #[arg(value_name = "ENDPOINT")]
    endpoints: Vec<String>,

    /// Address to listen on (HTTP and websocket).
    #[arg(long, default_value = "127.0.0.1:8000", value_name = "ADDR")]
    listen: SocketAddr,

    /// Milliseconds between the server's pings.
    #[arg(long, default_value_t = 25_000, value_name = "MS")]
    ping_interval: u64,

    /// Milliseconds to wait for a pong before closing the session.
    #[arg(long, default_value_t = 20_000, value_name = "MS")]
    ping_timeout: u64,

    /// Largest HTTP body or websocket message accepted, in bytes.
    #[arg(long, default_value_t = 1_000_000, value_name = "BYTES")]
    max_payload: usize,

    /// Milliseconds a client may take to join a namespace before it is closed.
    #[arg(long, default_value_t = 45_000, value_name = "MS")]
    connect_timeout: u64,

    /// Milliseconds one handler call may run before it is interrupted.
    #[arg(long, default_value_t = 1_000, value_name = "MS")]
    call_deadline: u64,

    /// Linear memory one handler instance may grow to, in MiB.
    #[arg(long, default_value_t = 128, value_name = "MIB")]
    max_memory: usize,

    /// An origin allowed to connect cross-origin (repeatable). None given:
    /// same-origin only. Requests without an Origin header always pass.
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    cors_origins: Vec<String>,

    /// Serve a directory over HTTP: `DIR` (at `/`) or `/PREFIX=DIR` (repeatable).
    #[arg(long = "static", value_name = "[PREFIX=]DIR")]
    static_mounts: Vec<String>,
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
        for e in &endpoints {
            if !e.component.is_file() {
                anyhow::bail!(
                    "endpoint {}: no such file {}",
                    e.namespace,
                    e.component.display()
                );
            }
        }
        let config = Config {
            listen: self.listen,
            ping_interval: Duration::from_millis(self.ping_interval),
            ping_timeout: Duration::from_millis(self.ping_timeout),
            connect_timeout: Duration::from_millis(self.connect_timeout),
            max_payload: self.max_payload,
            call_deadline: Duration::from_millis(self.call_deadline),
            max_memory: self.max_memory.saturating_mul(1024 * 1024),
            cors_origins: self.cors_origins,
            static_mounts,
            endpoints,
        };
        config.validate()?;
        Ok(config)
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
        Command::Run(args) => run(args),
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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let serve = sio_host::server::serve(config, |addr| {
            // One line on stdout, for people and for test harnesses.
            let mut out = std::io::stdout();
            let _ = writeln!(out, "sio-host listening on http://{addr}");
            let _ = out.flush();
        });
        tokio::select! {
            r = serve => r,
            _ = tokio::signal::ctrl_c() => {
                tracing::info!("interrupted; shutting down");
                Ok(())
            }
        }
    })
}

//! The server's life: load every endpoint, join the cluster, start the
//! admin UI, bind the listener, start the reload triggers (admin endpoint,
//! SIGHUP, `--watch`) and the Flash policy server, then accept connections
//! and hand each request to the `Router`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use sio_protocol::ids::random_id;
use tokio::net::TcpListener;

use crate::adapter::redis::ClusterSink;
use crate::config::{AdminConfig, Config, StoreBackendKind};
use crate::endpoint::{self, Reloader, Runtime, Trigger};
use crate::kv::{KvBackendConfig, KvLimits, KvStore};
use crate::router::Router;
use crate::session::{SessionContext, SessionSettings};

/// Load every endpoint, bind the listener, start the reload triggers (admin
/// endpoint, SIGHUP, `--watch`), and serve until the process ends.
/// `on_listening` is told the bound address (the CLI prints it).
pub async fn serve(config: Config, on_listening: impl FnOnce(SocketAddr)) -> Result<()> {
    config.validate()?;
    let runtime =
        Runtime::with_fuel(config.meters_fuel()).context("starting the WebAssembly runtime")?;
    let stats = Arc::new(crate::stats::Stats::default());
    let store = open_store(&config, stats.clone())?;
    // The admin UI's namespace and observer go to the endpoints as they
    // are made; it starts once they are.
    let admin_ui = config
        .admin_ui
        .as_ref()
        .map(|ui| crate::admin_ui::AdminUi::new(ui, stats.clone()));
    let native = admin_ui.iter().map(|ui| ui.endpoint()).collect();
    let observer = admin_ui.as_ref().map(|ui| ui.observer());
    let (reloader, endpoints) =
        Reloader::start(&config, runtime, stats.clone(), store, native, observer).await?;
    let admin_ui_nsp = config.admin_ui.as_ref().map(|ui| ui.namespace.as_str());
    if let Some(url) = &config.redis {
        // Pattern entries' namespaces stay on this node (docs/scale-out.md),
        // and so does the admin UI's.
        let clustered = endpoints
            .exact()
            .filter(|(nsp, _)| Some(*nsp) != admin_ui_nsp);
        let namespaces = clustered.map(|(nsp, handle)| {
            let sink: Arc<dyn ClusterSink> = Arc::new(handle.clone());
            (nsp.to_string(), sink)
        });
        crate::adapter::redis::start(
            url,
            config.redis_adapter,
            config.recovery.is_some(),
            namespaces,
            stats.clone(),
        )?;
    }
    if let Some(ui) = admin_ui {
        ui.start(endpoints.exact());
    }
    let reloader = Arc::new(reloader);
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let local = listener.local_addr()?;
    let _admin_file = match &config.admin {
        Some(admin) => start_admin(admin, local, reloader.clone()).await?,
        None => None,
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut hangups = signal(SignalKind::hangup()).context("listening for SIGHUP")?;
        let reloader = reloader.clone();
        tokio::spawn(async move {
            while hangups.recv().await.is_some() {
                tracing::info!("SIGHUP: reloading every endpoint");
                reloader.reload_all(Trigger::Signal).await;
            }
        });
    }
    if config.watch {
        endpoint::watch::start(reloader.clone()).await?;
    }
    if let Some(port) = config.sio1.flash_policy_port {
        let at = crate::transport::flash_policy::start(SocketAddr::new(local.ip(), port)).await?;
        tracing::info!(%at, "flash policy server ready");
    }
    let sessions = SessionContext::new(SessionSettings::from_config(&config), stats, endpoints);
    let router = Arc::new(Router::new(config, Arc::new(sessions)));
    on_listening(local);
    loop {
        let (stream, remote) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                // EMFILE and friends: back off instead of spinning.
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let router = router.clone();
                async move { Ok::<_, Infallible>(router.route(remote, req).await) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            if let Err(e) = conn.await {
                tracing::debug!(%remote, "http connection ended: {e}");
            }
        });
    }
}

/// The handlers' key-value store as configured (docs/state.md).
fn open_store(config: &Config, stats: Arc<crate::stats::Stats>) -> Result<KvStore> {
    let s = &config.store;
    let backend = match (&s.backend, &config.redis) {
        (StoreBackendKind::Memory, _) => KvBackendConfig::Memory,
        (StoreBackendKind::File(path), _) => KvBackendConfig::File(path.clone()),
        (StoreBackendKind::Redis, Some(url)) => KvBackendConfig::Redis {
            url: url.clone(),
            timeout: s.timeout,
        },
        (StoreBackendKind::Redis, None) => anyhow::bail!("the Redis store needs --redis"),
    };
    let limits = KvLimits {
        max_value: s.max_value,
        max_keys: s.max_keys,
        max_ops_per_call: s.max_ops_per_call,
    };
    let store = KvStore::open(&backend, limits, stats).context("opening the key-value store")?;
    tracing::info!(store = ?store, "key-value store ready");
    Ok(store)
}

/// Bind the admin endpoint, write the admin file, serve it in the background.
/// Without an admin file of its own choosing, a server whose default place
/// is unusable runs without the admin endpoint (and says so).
async fn start_admin(
    admin: &AdminConfig,
    local: SocketAddr,
    reloader: Arc<Reloader>,
) -> Result<Option<crate::admin::AdminFileGuard>> {
    let path = match &admin.file {
        Some(p) => p.clone(),
        None => match crate::admin::default_file(local.port()) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(
                    "admin endpoint off (sio-host reload will not reach this server; \
                     SIGHUP still reloads): {e:#}"
                );
                return Ok(None);
            }
        },
    };
    let listener = TcpListener::bind(admin.listen)
        .await
        .with_context(|| format!("binding the admin endpoint on {}", admin.listen))?;
    let addr = listener.local_addr()?;
    let token: Arc<str> = format!("{}{}", random_id(), random_id()).into();
    let guard = crate::admin::write_file(
        &path,
        &crate::admin::AdminFile {
            pid: std::process::id(),
            listen: local,
            admin: addr,
            token: token.to_string(),
        },
    )?;
    tracing::info!(admin = %addr, file = %path.display(), "admin endpoint ready (sio-host reload)");
    if admin.file.is_none()
        && let Some(dir) = path.parent().map(Path::to_path_buf)
    {
        // Tidy up after servers that were killed (best effort; ours answers).
        tokio::task::spawn_blocking(move || crate::admin::live_files(&dir));
    }
    tokio::spawn(crate::admin::serve(listener, token, reloader));
    Ok(Some(guard))
}

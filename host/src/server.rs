//! The HTTP front: accepts connections, routes `/socket.io/` requests to the
//! Engine.IO transports (and `/socket.io/1/...` to protocol 1's, see
//! `transport::legacy`) and everything else to the static files, and holds
//! the state every request shares (configuration, the session table, the
//! endpoints).

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, RwLock};

use anyhow::{Context, Result};
use bytes::Bytes;
use http_body_util::{Either, Full};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::config::{AdminConfig, Config, SOCKET_IO_PATH};
use crate::cors::{self, Cors};
use crate::endpoint::{self, EndpointHandle, Reloader, Runtime, Trigger};
use crate::protocol::engineio::ErrorCode;
use crate::session::{Generation, HandshakeInfo, Session, TransportKind};
use crate::transport::legacy::{self, AnyResponse};
use crate::transport::{polling, websocket};

pub type Body = Full<Bytes>;

/// A body written as it is produced (protocol 1's htmlfile document).
pub type StreamingBody = http_body_util::combinators::UnsyncBoxBody<Bytes, Infallible>;

/// The live sessions, by Engine.IO sid. Touched on handshakes, polls and
/// closes only; the per-message path never locks it.
#[derive(Default)]
pub struct Sessions {
    map: RwLock<HashMap<Arc<str>, Arc<Session>>>,
}

impl Sessions {
    pub fn insert(&self, session: Arc<Session>) {
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        map.insert(session.sid.clone(), session);
    }

    pub fn remove(&self, sid: &str) {
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        map.remove(sid);
    }

    pub fn get(&self, sid: &str) -> Option<Arc<Session>> {
        let map = self.map.read().unwrap_or_else(|e| e.into_inner());
        map.get(sid).cloned()
    }

    pub fn len(&self) -> usize {
        self.map.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

pub struct ServerState {
    pub config: Config,
    pub sessions: Sessions,
    pub endpoints: HashMap<String, EndpointHandle>,
    pub next_conn: AtomicU64,
    pub stats: Arc<crate::stats::Stats>,
}

/// 15 random bytes from the OS CSPRNG as 20 URL-safe characters: the shape
/// of the reference server's ids.
pub fn random_id() -> String {
    use base64::Engine as _;
    let mut bytes = [0u8; 15];
    if let Err(e) = getrandom::fill(&mut bytes) {
        // No entropy source is not something a server can serve without.
        tracing::error!("OS random source failed: {e}");
        std::process::abort();
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Load every endpoint, bind the listener, start the reload triggers (admin
/// endpoint, SIGHUP, `--watch`), and serve until the process ends.
/// `on_listening` is told the bound address (the CLI prints it).
pub async fn serve(config: Config, on_listening: impl FnOnce(SocketAddr)) -> Result<()> {
    config.validate()?;
    let runtime =
        Runtime::with_fuel(config.meters_fuel()).context("starting the WebAssembly runtime")?;
    let stats = Arc::new(crate::stats::Stats::default());
    let (reloader, endpoints) = Reloader::start(&config, runtime, stats.clone()).await?;
    if let Some(url) = &config.redis {
        crate::adapter::redis::start(url, &endpoints, stats.clone())?;
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
    if let Some(port) = config.legacy.flash_policy_port {
        let at = crate::transport::flash_policy::start(SocketAddr::new(local.ip(), port)).await?;
        tracing::info!(%at, "flash policy server ready");
    }
    let state = Arc::new(ServerState {
        config,
        sessions: Sessions::default(),
        endpoints,
        next_conn: AtomicU64::new(1),
        stats,
    });
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
        let state = state.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let state = state.clone();
                async move { Ok::<_, Infallible>(route(state, remote, req).await) }
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

async fn route(state: Arc<ServerState>, remote: SocketAddr, req: Request<Incoming>) -> AnyResponse {
    let path = req.uri().path();
    if path.starts_with(SOCKET_IO_PATH) || path == SOCKET_IO_PATH.trim_end_matches('/') {
        return engine_request(state, remote, req).await;
    }
    let res = if !state.config.stats_admin_only && req.method() == Method::GET && path == "/stats" {
        stats_response(state.stats.to_json().to_string(), "application/json")
    } else if !state.config.stats_admin_only && req.method() == Method::GET && path == "/metrics" {
        stats_response(
            state.stats.to_prometheus(),
            crate::stats::PROMETHEUS_CONTENT_TYPE,
        )
    } else {
        crate::static_files::serve(&state.config.static_mounts, &req).await
    };
    res.map(Either::Left)
}

/// `/stats` or `/metrics` (docs/stats.md).
fn stats_response(body: String, content_type: &'static str) -> Response<Body> {
    let mut res = Response::new(Full::new(Bytes::from(body)));
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// A response with Engine.IO's error JSON.
pub fn engine_error(status: StatusCode, code: ErrorCode) -> Response<Body> {
    let mut res = Response::new(Full::new(Bytes::from(code.to_json())));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

/// The first value of a query parameter.
pub fn query_param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

pub fn query_pairs(req: &Request<Incoming>) -> Vec<(String, String)> {
    req.uri()
        .query()
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn is_websocket_upgrade(req: &Request<Incoming>) -> bool {
    req.method() == Method::GET
        && req
            .headers()
            .get(header::UPGRADE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// A request for the Socket.IO endpoint, with CORS headers for allowed
/// origins: protocol 1's URLs (`/socket.io/1/...`, see
/// `transport::legacy`), else Engine.IO's request checks, in the reference
/// server's order: transport, origin, session id, then the handshake's
/// method and protocol version.
async fn engine_request(
    state: Arc<ServerState>,
    remote: SocketAddr,
    req: Request<Incoming>,
) -> AnyResponse {
    let cors = cors::check(&state.config.cors_origins, req.headers());
    let mut res = if legacy::is_legacy(&req) {
        // Socket.IO 0.7-0.9: its own URLs below /socket.io/.
        legacy::dispatch(&state, remote, req, &cors).await
    } else {
        engine_dispatch(&state, remote, req, &cors)
            .await
            .map(Either::Left)
    };
    cors.apply(res.headers_mut());
    res
}

async fn engine_dispatch(
    state: &Arc<ServerState>,
    remote: SocketAddr,
    req: Request<Incoming>,
    cors: &Cors,
) -> Response<Body> {
    if req.method() == Method::OPTIONS {
        return cors.preflight(req.headers());
    }
    let query = query_pairs(&req);
    let param = |name: &str| query_param(&query, name);
    let transport = match param("transport") {
        Some("polling") => TransportKind::Polling,
        Some("websocket") => TransportKind::Websocket,
        _ => return engine_error(StatusCode::BAD_REQUEST, ErrorCode::UnknownTransport),
    };
    if cors.is_forbidden() {
        return engine_error(StatusCode::FORBIDDEN, ErrorCode::Forbidden);
    }
    let upgrade = is_websocket_upgrade(&req);
    // JSONP polling (`j=N`): scripts for GETs, forms for POSTs.
    let jsonp = param("j").map(str::to_owned);
    if let Some(sid) = param("sid") {
        // A protocol-1 session is reached only through its own URLs.
        let engine_session = state
            .sessions
            .get(sid)
            .filter(|s| s.generation != Generation::Legacy);
        let Some(session) = engine_session else {
            return engine_error(StatusCode::BAD_REQUEST, ErrorCode::UnknownSid);
        };
        return match transport {
            TransportKind::Polling => {
                if session.transport() != TransportKind::Polling {
                    return engine_error(StatusCode::BAD_REQUEST, ErrorCode::BadRequest);
                }
                match *req.method() {
                    Method::GET => polling::poll(&session, jsonp.as_deref()).await,
                    Method::POST => polling::post(&session, req, jsonp.is_some()).await,
                    _ => engine_error(StatusCode::BAD_REQUEST, ErrorCode::BadRequest),
                }
            }
            TransportKind::Websocket => {
                if !upgrade
                    || session.transport() != TransportKind::Polling
                    || session.is_upgrading()
                {
                    return engine_error(StatusCode::BAD_REQUEST, ErrorCode::BadRequest);
                }
                let generation = session.generation;
                websocket::accept(req, state.clone(), Some(session), generation, remote)
            }
        };
    }
    // A handshake.
    let method_ok = match transport {
        TransportKind::Polling => req.method() == Method::GET,
        TransportKind::Websocket => upgrade,
    };
    if !method_ok {
        let code = match transport {
            TransportKind::Polling => ErrorCode::BadHandshakeMethod,
            TransportKind::Websocket => ErrorCode::BadRequest,
        };
        return engine_error(StatusCode::BAD_REQUEST, code);
    }
    let Some(generation) = Generation::from_eio(param("EIO")) else {
        return engine_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::UnsupportedProtocolVersion,
        );
    };
    match transport {
        TransportKind::Polling => {
            let info = handshake_info(remote, query, req.headers());
            let session = Session::open(state, generation, transport, info);
            // The open packet is queued: this answers at once, with it alone.
            let res = polling::poll(&session, jsonp.as_deref()).await;
            session.after_open();
            res
        }
        TransportKind::Websocket => websocket::accept(req, state.clone(), None, generation, remote),
    }
}

pub fn handshake_info(
    remote: SocketAddr,
    mut query: Vec<(String, String)>,
    headers: &hyper::HeaderMap,
) -> HandshakeInfo {
    // Kept for the session's life: no spare capacity (a collected Vec
    // doubles as it grows, and every idle connection would hold the slack).
    let mut pairs = Vec::with_capacity(headers.len());
    pairs.extend(
        headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string()))),
    );
    pairs.shrink_to_fit();
    query.shrink_to_fit();
    let headers = pairs;
    HandshakeInfo {
        remote_addr: remote,
        query,
        headers,
    }
}

pub fn handshake_info_for(remote: SocketAddr, req: &Request<Incoming>) -> HandshakeInfo {
    handshake_info(remote, query_pairs(req), req.headers())
}

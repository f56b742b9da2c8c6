//! The local admin endpoint, and its client (`sio-host reload`, `sio-host
//! status`).
//!
//! HTTP/1.1 on a loopback address (an ephemeral port by default). Every
//! request carries `Authorization: Bearer TOKEN`; the token is random per
//! run and written, with the admin address, to the *admin file* (mode 0600):
//! only the user who started the server can read it, and loopback keeps
//! other machines out. The file is removed when the server stops cleanly.
//!
//! Where the admin file goes, unless `--admin-file` / `admin-file` says:
//! `$XDG_RUNTIME_DIR/sio-host/admin-PORT.json`, or without XDG_RUNTIME_DIR
//! `$TMPDIR/sio-host-UID/admin-PORT.json` (folder mode 0700, checked to be
//! the user's own), PORT being the server's Socket.IO port.
//!
//! Routes: `POST /reload` (every endpoint) or `POST /reload?endpoint=/chat`,
//! answering `{"results":[{"endpoint":"/chat","outcome":"reloaded",...}]}`;
//! `GET /status`, answering `{"pid":..,"endpoints":[..]}`.

use std::convert::Infallible;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

use crate::endpoint::{Reloader, Trigger};
use crate::http::Body;

/// The admin file's content.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AdminFile {
    /// The server's process id.
    pub pid: u32,
    /// The Socket.IO address.
    pub listen: SocketAddr,
    /// The admin endpoint's address (loopback).
    pub admin: SocketAddr,
    /// The bearer token every admin request carries; random per run.
    pub token: String,
}

/// The default folder for admin files (created 0700 if missing).
pub fn default_dir() -> Result<PathBuf> {
    let dir = match std::env::var_os("XDG_RUNTIME_DIR") {
        Some(d) if Path::new(&d).is_absolute() && Path::new(&d).is_dir() => {
            Path::new(&d).join("sio-host")
        }
        _ => std::env::temp_dir().join(format!("sio-host-{}", uid())),
    };
    private_dir(&dir)?;
    Ok(dir)
}

/// The default admin file of the server listening on `port`.
pub fn default_file(port: u16) -> Result<PathBuf> {
    Ok(default_dir()?.join(format!("admin-{port}.json")))
}

#[cfg(unix)]
fn uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

#[cfg(not(unix))]
fn uid() -> u32 {
    0
}

/// Creates `dir` (0700) or checks that the existing one is ours and closed
/// to others: a folder someone else made in /tmp must not receive a token.
fn private_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
        if !dir.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .with_context(|| format!("creating {}", dir.display()))?;
        }
        let meta = std::fs::symlink_metadata(dir)
            .with_context(|| format!("inspecting {}", dir.display()))?;
        if !meta.is_dir() || meta.uid() != uid() {
            bail!(
                "{} is not a folder of this user; pass --admin-file",
                dir.display()
            );
        }
        if meta.permissions().mode() & 0o077 != 0 {
            bail!(
                "{} is open to other users (mode {:o}); `chmod 700` it or pass --admin-file",
                dir.display(),
                meta.permissions().mode() & 0o777
            );
        }
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(())
}

/// Removes the admin file when dropped (the server stopped), unless another
/// server wrote its own there meanwhile.
pub struct AdminFileGuard {
    path: PathBuf,
    token: String,
}

impl Drop for AdminFileGuard {
    fn drop(&mut self) {
        if read_file(&self.path).is_ok_and(|f| f.token == self.token) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Writes the admin file, mode 0600, atomically (a reader never sees half).
pub fn write_file(path: &Path, content: &AdminFile) -> Result<AdminFileGuard> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let json = serde_json::to_vec_pretty(content)?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let _ = std::fs::remove_file(&tmp);
    let mut f = options
        .open(&tmp)
        .with_context(|| format!("writing {}", tmp.display()))?;
    f.write_all(&json)
        .and_then(|()| f.sync_all())
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(AdminFileGuard {
        path: path.to_path_buf(),
        token: content.token.clone(),
    })
}

/// Reads and parses an admin file.
pub fn read_file(path: &Path) -> Result<AdminFile> {
    let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&text)
        .with_context(|| format!("{} is not an sio-host admin file", path.display()))
}

// ------------------------------------------------------------------ server

/// Serve the admin endpoint until the process ends.
pub async fn serve(listener: TcpListener, token: Arc<str>, reloader: Arc<Reloader>) {
    loop {
        let (stream, remote) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!("admin accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if !remote.ip().is_loopback() {
            continue;
        }
        let (token, reloader) = (token.clone(), reloader.clone());
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let (token, reloader) = (token.clone(), reloader.clone());
                async move { Ok::<_, Infallible>(handle(req, &token, &reloader).await) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            if let Err(e) = conn.await {
                tracing::debug!(%remote, "admin connection ended: {e}");
            }
        });
    }
}

fn json_response(status: StatusCode, value: &serde_json::Value) -> Response<Body> {
    let mut res = Response::new(Full::new(Bytes::from(value.to_string())));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

/// Compares without an early exit, so timing tells nothing about the token.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn handle(req: Request<Incoming>, token: &str, reloader: &Reloader) -> Response<Body> {
    let authorized = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| same(t.trim().as_bytes(), token.as_bytes()));
    if !authorized {
        return json_response(
            StatusCode::UNAUTHORIZED,
            &serde_json::json!({"error": "missing or wrong token (see the admin file)"}),
        );
    }
    let endpoint = req.uri().query().and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "endpoint")
            .map(|(_, v)| v.into_owned())
    });
    match (req.method(), req.uri().path()) {
        (&Method::POST, "/reload") => {
            let results = match endpoint {
                Some(nsp) => vec![(nsp.clone(), reloader.reload(&nsp, Trigger::Admin).await)],
                None => reloader.reload_all(Trigger::Admin).await,
            };
            let results: Vec<serde_json::Value> = results
                .into_iter()
                .map(|(nsp, outcome)| {
                    let mut v = serde_json::to_value(&outcome).unwrap_or_default();
                    if let Some(o) = v.as_object_mut() {
                        o.insert("endpoint".into(), nsp.into());
                    }
                    v
                })
                .collect();
            json_response(StatusCode::OK, &serde_json::json!({ "results": results }))
        }
        (&Method::GET, "/status") => json_response(
            StatusCode::OK,
            &serde_json::json!({
                "pid": std::process::id(),
                "endpoints": reloader.status().await,
            }),
        ),
        // The main listener's /stats and /metrics (docs/stats.md), here too.
        (&Method::GET, "/stats") => json_response(StatusCode::OK, &reloader.stats().to_json()),
        (&Method::GET, "/metrics") => {
            let mut res = Response::new(Full::new(Bytes::from(reloader.stats().to_prometheus())));
            res.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(crate::stats::PROMETHEUS_CONTENT_TYPE),
            );
            res
        }
        _ => json_response(
            StatusCode::NOT_FOUND,
            &serde_json::json!({
                "error": "routes: POST /reload[?endpoint=/nsp], GET /status, GET /stats, GET /metrics"
            }),
        ),
    }
}

// ------------------------------------------------------------------ client

/// How `sio-host reload` / `status` find the server.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// `--admin-file`: the server's admin file.
    pub admin_file: Option<PathBuf>,
    /// `--port`: the server's Socket.IO port, naming its admin file in the
    /// default folder.
    pub port: Option<u16>,
}

/// The admin file to use: the one given, the one for `--port`, or the only
/// live one in the default folder.
pub fn locate(target: &Target) -> Result<(PathBuf, AdminFile)> {
    if let Some(path) = &target.admin_file {
        return Ok((path.clone(), read_file(path)?));
    }
    if let Some(port) = target.port {
        let path = default_file(port)?;
        if !path.is_file() {
            bail!(
                "no sio-host with an admin endpoint on port {port} ({} is missing)",
                path.display()
            );
        }
        let file = read_file(&path)?;
        return Ok((path, file));
    }
    let dir = default_dir()?;
    let mut live = live_files(&dir)?;
    match live.len() {
        0 => bail!(
            "no running sio-host found (no admin file in {}): start one with `sio-host run`, \
             or name it with --port or --admin-file",
            dir.display()
        ),
        1 => Ok(live.remove(0)),
        _ => {
            let mut ports: Vec<String> = live.iter().map(|(_, f)| f.listen.to_string()).collect();
            ports.sort();
            bail!(
                "several sio-host servers are running ({}): pick one with --port",
                ports.join(", ")
            )
        }
    }
}

/// The admin files in `dir` whose server still answers; files left by
/// servers that were killed (their admin address refuses connections) are
/// removed on the way.
pub fn live_files(dir: &Path) -> Result<Vec<(PathBuf, AdminFile)>> {
    let mut live = Vec::new();
    let entries = std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with("admin-") && name.ends_with(".json")) {
            continue;
        }
        let Ok(file) = read_file(&path) else { continue };
        match TcpStream::connect_timeout(&file.admin, Duration::from_millis(300)) {
            Ok(_) => live.push((path, file)),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                // Unless a new server took the name meanwhile.
                if read_file(&path).is_ok_and(|now| now.token == file.token) {
                    let _ = std::fs::remove_file(&path);
                }
            }
            Err(_) => live.push((path, file)),
        }
    }
    Ok(live)
}

/// One request to the admin endpoint; the answer's status and JSON body.
pub fn request(
    file: &AdminFile,
    method: &str,
    target: &str,
    timeout: Duration,
) -> Result<(u16, serde_json::Value)> {
    if !file.admin.ip().is_loopback() {
        bail!(
            "the admin file names {}, which is not a loopback address; refusing to send the token there",
            file.admin
        );
    }
    let mut stream = TcpStream::connect_timeout(&file.admin, Duration::from_secs(5))
        .with_context(|| format!("connecting to the admin endpoint {}", file.admin))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
         Content-Length: 0\r\nConnection: close\r\n\r\n",
        file.admin, file.token
    );
    stream.write_all(head.as_bytes())?;
    let mut buf = Vec::new();
    stream
        .read_to_end(&mut buf)
        .context("reading the admin endpoint's answer")?;
    let text = String::from_utf8_lossy(&buf);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .context("the admin endpoint's answer has no header end")?;
    let status: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("the admin endpoint's answer has no status")?;
    let json = serde_json::from_str(body)
        .with_context(|| format!("the admin endpoint answered {status} with {body:?}"))?;
    Ok((status, json))
}

/// `/reload` or `/reload?endpoint=...`.
pub fn reload_target(endpoint: Option<&str>) -> String {
    match endpoint {
        Some(nsp) => format!(
            "/reload?endpoint={}",
            form_urlencoded::byte_serialize(nsp.as_bytes()).collect::<String>()
        ),
        None => "/reload".to_string(),
    }
}

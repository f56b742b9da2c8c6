//! Helpers for the end-to-end wire tests of `sio-host`.
//!
//! The tests start the real binary (`SIO_HOST_BIN`, default
//! `<repo>/target/debug/sio-host`) with handlers from `SIO_WASM_DIR` (default
//! `<repo>/target/wasm32-wasip2/release`) on a free port, and speak Engine.IO 4 /
//! Socket.IO 5 to it by hand: plain HTTP/1.1 over a `TcpStream` for long-polling,
//! `tokio-tungstenite` for WebSocket. `cargo xtask test` builds both first.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Timings the conformance server is started with (those of Socket.IO's v5 test-suite).
pub const PING_INTERVAL: u64 = 300;
pub const PING_TIMEOUT: u64 = 200;
pub const MAX_PAYLOAD: u64 = 1_000_000;
pub const CONNECT_TIMEOUT: u64 = 1000;

/// How long any single network step may take before a test gives up.
pub const STEP: Duration = Duration::from_secs(10);

/// How long the binary may take to print its listening line (it compiles the
/// handlers at start; a debug build of the host is slow at that).
const STARTUP: Duration = Duration::from_secs(120);

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

fn env_path(var: &str, default: PathBuf) -> PathBuf {
    match std::env::var_os(var) {
        Some(p) if !p.is_empty() => {
            let p = PathBuf::from(p);
            if p.is_absolute() {
                p
            } else {
                repo_root().join(p)
            }
        }
        _ => default,
    }
}

/// The `sio-host` binary under test.
pub fn host_bin() -> PathBuf {
    env_path("SIO_HOST_BIN", repo_root().join("target/debug/sio-host"))
}

/// The folder holding the handler components (`conformance.wasm`, `chat.wasm`).
pub fn wasm_dir() -> PathBuf {
    env_path(
        "SIO_WASM_DIR",
        repo_root().join("target/wasm32-wasip2/release"),
    )
}

/// A handler component by name (`"conformance"` → `<wasm dir>/conformance.wasm`).
pub fn wasm(name: &str) -> PathBuf {
    let p = wasm_dir().join(format!("{name}.wasm"));
    assert!(
        p.is_file(),
        "handler {} is missing: build it with `cargo xtask build-wasm` \
         (or set SIO_WASM_DIR)",
        p.display()
    );
    p
}

/// A running `sio-host`, killed when dropped. Its stderr is kept and printed
/// when the test that owns it panics.
pub struct Server {
    child: Child,
    port: u16,
    log: Arc<Mutex<String>>,
}

impl Server {
    /// `sio-host run --listen 127.0.0.1:0 ARGS...`; waits for the listening line.
    pub fn start<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Server {
        let bin = host_bin();
        assert!(
            bin.is_file(),
            "sio-host binary not found at {}: build it with `cargo build -p sio-host` \
             (or run `cargo xtask test`, or set SIO_HOST_BIN)",
            bin.display()
        );
        let mut cmd = Command::new(&bin);
        cmd.arg("run").arg("--listen").arg("127.0.0.1:0");
        cmd.args(args);
        cmd.current_dir(repo_root())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));

        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("piped stderr");
        let log2 = log.clone();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stderr);
            let mut line = String::new();
            while r.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                log2.lock().unwrap().push_str(&line);
                line.clear();
            }
        });

        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            let mut line = String::new();
            while r.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                let _ = tx.send(line.trim_end().to_string());
                line.clear();
            }
            // Drain anything else so the child never blocks on a full pipe.
            let _ = r.read_to_end(&mut Vec::new());
        });

        let deadline = Instant::now() + STARTUP;
        let port = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left.min(Duration::from_millis(200))) {
                Ok(line) => {
                    if let Some(port) = parse_listening_line(&line) {
                        break port;
                    }
                    panic!(
                        "unexpected stdout line from sio-host: {line:?} (expected \
                         `sio-host listening on http://127.0.0.1:PORT`)\nstderr:\n{}",
                        log.lock().unwrap()
                    );
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Ok(Some(status)) = child.try_wait() {
                        std::thread::sleep(Duration::from_millis(100));
                        panic!(
                            "sio-host exited ({status}) before listening; args {:?}\nstderr:\n{}",
                            cmd.get_args().collect::<Vec<_>>(),
                            log.lock().unwrap()
                        );
                    }
                    if Instant::now() >= deadline {
                        let _ = child.kill();
                        panic!(
                            "sio-host printed no listening line within {STARTUP:?}\nstderr:\n{}",
                            log.lock().unwrap()
                        );
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let _ = child.wait();
                    panic!(
                        "sio-host closed stdout before listening\nstderr:\n{}",
                        log.lock().unwrap()
                    );
                }
            }
        };
        Server { child, port, log }
    }

    /// The conformance handler on `/` and `/custom`, with the v5 test-suite's timings.
    pub fn conformance() -> Server {
        Self::conformance_with(&[])
    }

    /// Like [`Server::conformance`], with extra options.
    pub fn conformance_with(extra: &[&str]) -> Server {
        let wasm = wasm("conformance");
        let mut args: Vec<String> = vec![
            "--ping-interval".into(),
            PING_INTERVAL.to_string(),
            "--ping-timeout".into(),
            PING_TIMEOUT.to_string(),
            "--max-payload".into(),
            MAX_PAYLOAD.to_string(),
            "--connect-timeout".into(),
            CONNECT_TIMEOUT.to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        args.push(format!("/={}", wasm.display()));
        args.push(format!("/custom={}", wasm.display()));
        Self::start(&args)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:PORT`
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// What the server wrote to stderr so far.
    pub fn logs(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Whether the server's stderr shows `needle` within 5 s. A line the
    /// server wrote before answering a client may still be on its way
    /// through the pipe and the reader thread when the answer arrives.
    pub async fn logged(&self, needle: &str) -> bool {
        for _ in 0..100 {
            if self.logs().contains(needle) {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        false
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The server's process id (to send it signals).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            std::thread::sleep(Duration::from_millis(50));
            eprintln!(
                "---- sio-host stderr (port {}) ----\n{}---- end ----",
                self.port,
                self.log.lock().unwrap()
            );
        }
    }
}

/// `sio-host listening on http://127.0.0.1:PORT` → PORT
pub fn parse_listening_line(line: &str) -> Option<u16> {
    let rest = line.strip_prefix("sio-host listening on http://")?;
    let port = rest.rsplit_once(':')?.1;
    port.trim_end_matches('/').parse().ok()
}

// ---------------------------------------------------------------- HTTP/1.1

#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {:?}", self.text()))
    }
}

/// One HTTP/1.1 request on a fresh connection (`Connection: close`).
///
/// The body is written from a separate task, so a server that answers early
/// (413) without reading it all is still heard.
pub async fn http(
    addr: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> HttpResponse {
    tokio::time::timeout(STEP, http_inner(addr, method, target, headers, body))
        .await
        .unwrap_or_else(|_| panic!("{method} {target}: no response within {STEP:?}"))
        .unwrap_or_else(|e| panic!("{method} {target}: {e}"))
}

async fn http_inner(
    addr: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<HttpResponse> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (mut rd, mut wr) = stream.into_split();
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || method != "GET" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    let writer = tokio::spawn(async move {
        // Errors (the server closed early) are fine: the answer is what counts.
        let _ = wr.write_all(&out).await;
        let _ = wr.flush().await;
        wr
    });

    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    // Head.
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        let n = rd.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!(
                    "connection closed before a full response head: {:?}",
                    String::from_utf8_lossy(&buf)
                ),
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("bad status line {status_line:?}"),
            )
        })?;
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut rest = buf[head_end..].to_vec();
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let body = if method == "HEAD" || status == 204 || status == 304 {
        Vec::new()
    } else if let Some(len) = get("content-length") {
        let len: usize = len.parse().unwrap_or(0);
        while rest.len() < len {
            let n = rd.read(&mut chunk).await?;
            if n == 0 {
                break;
            }
            rest.extend_from_slice(&chunk[..n]);
        }
        rest.truncate(len);
        rest
    } else if get("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked")) {
        let mut body = Vec::new();
        loop {
            // chunk-size line
            let line_end = loop {
                if let Some(i) = find(&rest, b"\r\n") {
                    break i;
                }
                let n = rd.read(&mut chunk).await?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                rest.extend_from_slice(&chunk[..n]);
            };
            let size_str = String::from_utf8_lossy(&rest[..line_end]).into_owned();
            let size = usize::from_str_radix(size_str.split(';').next().unwrap().trim(), 16)
                .map_err(|_| {
                    std::io::Error::new(std::io::ErrorKind::InvalidData, "bad chunk size")
                })?;
            rest.drain(..line_end + 2);
            if size == 0 {
                break;
            }
            while rest.len() < size + 2 {
                let n = rd.read(&mut chunk).await?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                rest.extend_from_slice(&chunk[..n]);
            }
            body.extend_from_slice(&rest[..size]);
            rest.drain(..size + 2);
        }
        body
    } else {
        // Until the server closes.
        loop {
            match rd.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => rest.extend_from_slice(&chunk[..n]),
            }
        }
        rest
    };
    writer.abort();
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

pub async fn get(addr: &str, target: &str) -> HttpResponse {
    http(addr, "GET", target, &[], b"").await
}

pub async fn post(addr: &str, target: &str, body: &[u8]) -> HttpResponse {
    http(
        addr,
        "POST",
        target,
        &[("Content-Type", "text/plain;charset=UTF-8")],
        body,
    )
    .await
}

/// Asserts an Engine.IO error answer: HTTP 400 and `{"code":N,"message":"..."}`.
#[track_caller]
pub fn assert_eio_error(res: &HttpResponse, code: i64, message: &str) {
    assert_eq!(
        res.status,
        400,
        "expected HTTP 400, got {} with body {:?}",
        res.status,
        res.text()
    );
    let v: Value = serde_json::from_slice(&res.body)
        .unwrap_or_else(|e| panic!("expected Engine.IO error JSON, got {:?} ({e})", res.text()));
    assert_eq!(
        v,
        serde_json::json!({"code": code, "message": message}),
        "Engine.IO error body"
    );
}

// ------------------------------------------------------------- long-polling

/// `/socket.io/?EIO=4&transport=polling[&sid=SID]`
pub fn polling_path(sid: Option<&str>) -> String {
    match sid {
        Some(sid) => format!("/socket.io/?EIO=4&transport=polling&sid={sid}"),
        None => "/socket.io/?EIO=4&transport=polling".to_string(),
    }
}

/// Splits a long-polling payload into its packets (separator `\x1e`).
pub fn decode_payload(body: &str) -> Vec<String> {
    if body.is_empty() {
        return Vec::new();
    }
    body.split('\x1e').map(str::to_string).collect()
}

/// Parses an Engine.IO open packet (`0{...}`).
#[track_caller]
pub fn parse_open(packet: &str) -> Value {
    let json = packet
        .strip_prefix('0')
        .unwrap_or_else(|| panic!("expected an open packet `0{{...}}`, got {packet:?}"));
    serde_json::from_str(json).unwrap_or_else(|e| panic!("bad open packet {packet:?}: {e}"))
}

/// An open packet has exactly the handshake fields, with these values.
/// `maxPayload` is there for Engine.IO 3 clients too, as in the EIO3 suite
/// (socket.io 4's engine sends it; engine.io 3.x did not, 2.x clients ignore it).
#[track_caller]
pub fn assert_open_fields(open: &Value, upgrades: Value, interval: u64, timeout: u64) {
    let obj = open.as_object().expect("open packet is an object");
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "maxPayload",
            "pingInterval",
            "pingTimeout",
            "sid",
            "upgrades"
        ],
        "open packet keys: {open}"
    );
    assert!(
        open["sid"].as_str().is_some_and(|s| !s.is_empty()),
        "sid: {open}"
    );
    assert_eq!(open["upgrades"], upgrades);
    assert_eq!(open["pingInterval"], serde_json::json!(interval));
    assert_eq!(open["pingTimeout"], serde_json::json!(timeout));
    assert_eq!(open["maxPayload"], serde_json::json!(MAX_PAYLOAD));
}

/// A long-polling Engine.IO session.
pub struct Polling {
    pub addr: String,
    pub sid: String,
    pub open: Value,
}

impl Polling {
    /// Handshake: `GET /socket.io/?EIO=4&transport=polling`.
    pub async fn open(addr: &str) -> Polling {
        let res = get(addr, &polling_path(None)).await;
        assert_eq!(res.status, 200, "handshake: {:?}", res.text());
        let text = res.text();
        let packets = decode_payload(&text);
        assert_eq!(packets.len(), 1, "handshake payload {text:?}");
        let open = parse_open(&packets[0]);
        let sid = open["sid"]
            .as_str()
            .unwrap_or_else(|| panic!("no sid in {open}"))
            .to_string();
        Polling {
            addr: addr.to_string(),
            sid,
            open,
        }
    }

    pub fn path(&self) -> String {
        polling_path(Some(&self.sid))
    }

    pub async fn get(&self) -> HttpResponse {
        get(&self.addr, &self.path()).await
    }

    pub async fn post(&self, body: &str) -> HttpResponse {
        post(&self.addr, &self.path(), body.as_bytes()).await
    }

    /// POSTs packets (joined with `\x1e`); asserts 200.
    pub async fn send(&self, packets: &[&str]) {
        let res = self.post(&packets.join("\x1e")).await;
        assert_eq!(res.status, 200, "POST {packets:?}: {:?}", res.text());
    }

    /// Polls until `n` packets other than pings arrived (pings are answered).
    pub async fn recv(&self, n: usize) -> Vec<String> {
        let mut out = Vec::new();
        let deadline = Instant::now() + STEP;
        while out.len() < n {
            assert!(
                Instant::now() < deadline,
                "only {out:?} of {n} packets within {STEP:?}"
            );
            let res = self.get().await;
            assert_eq!(res.status, 200, "poll: {:?}", res.text());
            for p in decode_payload(&res.text()) {
                if p == "2" {
                    self.send(&["3"]).await;
                } else {
                    out.push(p);
                }
            }
        }
        out
    }
}

// ---------------------------------------------------------------- WebSocket

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    Text(String),
    Binary(Vec<u8>),
}

impl Msg {
    #[track_caller]
    pub fn text(self) -> String {
        match self {
            Msg::Text(t) => t,
            Msg::Binary(b) => panic!("expected a text frame, got binary {b:?}"),
        }
    }

    #[track_caller]
    pub fn binary(self) -> Vec<u8> {
        match self {
            Msg::Binary(b) => b,
            Msg::Text(t) => panic!("expected a binary frame, got text {t:?}"),
        }
    }
}

/// How a WebSocket ended.
#[derive(Debug)]
pub enum Closed {
    /// A close frame (with its code) or the end of the stream.
    Close(Option<u16>),
    /// A transport error (reset and the like).
    Error(String),
}

pub type RawWs = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub struct Ws {
    pub inner: RawWs,
}

/// `ws://ADDR/socket.io/?EIO=4&transport=websocket[&sid=SID]`
pub fn ws_url(addr: &str, sid: Option<&str>) -> String {
    match sid {
        Some(sid) => format!("ws://{addr}/socket.io/?EIO=4&transport=websocket&sid={sid}"),
        None => format!("ws://{addr}/socket.io/?EIO=4&transport=websocket"),
    }
}

impl Ws {
    /// Opens a WebSocket to any URL (the handshake may fail).
    pub async fn connect_url(url: &str) -> Result<Ws, tungstenite::Error> {
        let (inner, _resp) = tokio::time::timeout(STEP, tokio_tungstenite::connect_async(url))
            .await
            .unwrap_or_else(|_| panic!("WebSocket handshake to {url} took over {STEP:?}"))?;
        Ok(Ws { inner })
    }

    /// Opens a WebSocket-only Engine.IO session; returns it with its open packet.
    pub async fn open(addr: &str) -> (Ws, Value) {
        let mut ws = Self::connect_url(&ws_url(addr, None))
            .await
            .unwrap_or_else(|e| panic!("WebSocket connect: {e}"));
        let first = ws.recv().await.text();
        let open = parse_open(&first);
        (ws, open)
    }

    /// A WebSocket session connected to the main namespace (CONNECT reply and the
    /// conformance handler's `auth` event consumed).
    pub async fn socketio(addr: &str) -> Ws {
        let (mut ws, _) = Self::open(addr).await;
        ws.send("40").await;
        let connect = ws.recv_skip_pings().await.text();
        assert!(connect.starts_with("40{"), "CONNECT reply {connect:?}");
        let auth = ws.recv_skip_pings().await.text();
        assert_eq!(auth, r#"42["auth",{}]"#);
        ws
    }

    pub async fn send(&mut self, text: &str) {
        self.inner
            .send(Message::text(text))
            .await
            .unwrap_or_else(|e| panic!("send {text:?}: {e}"));
    }

    /// Send, or false when the connection is gone.
    pub async fn try_send(&mut self, text: &str) -> bool {
        self.inner.send(Message::text(text)).await.is_ok()
    }

    pub async fn send_binary(&mut self, data: &[u8]) {
        self.inner
            .send(Message::binary(data.to_vec()))
            .await
            .unwrap_or_else(|e| panic!("send binary: {e}"));
    }

    /// The next data frame, or how the socket ended (`Err`). Control frames are skipped.
    pub async fn next(&mut self) -> Result<Msg, Closed> {
        loop {
            let item = tokio::time::timeout(STEP, self.inner.next())
                .await
                .unwrap_or_else(|_| panic!("nothing received within {STEP:?}"));
            match item {
                None => return Err(Closed::Close(None)),
                Some(Err(e)) => return Err(Closed::Error(e.to_string())),
                Some(Ok(Message::Text(t))) => return Ok(Msg::Text(t.as_str().to_string())),
                Some(Ok(Message::Binary(b))) => return Ok(Msg::Binary(b.to_vec())),
                Some(Ok(Message::Close(frame))) => {
                    return Err(Closed::Close(frame.map(|f| u16::from(f.code))));
                }
                Some(Ok(_)) => continue,
            }
        }
    }

    /// The next data frame; panics if the socket ends.
    pub async fn recv(&mut self) -> Msg {
        match self.next().await {
            Ok(m) => m,
            Err(c) => panic!("socket ended while a message was expected: {c:?}"),
        }
    }

    /// The next data frame that is not an Engine.IO ping; pings are answered.
    pub async fn recv_skip_pings(&mut self) -> Msg {
        loop {
            match self.recv().await {
                Msg::Text(t) if t == "2" => self.send("3").await,
                m => return m,
            }
        }
    }

    /// Waits (answering pings) until the server ends the socket; returns what
    /// else arrived meanwhile. Panics if it is still open after `within`.
    pub async fn expect_closed(&mut self, within: Duration) -> Vec<Msg> {
        let deadline = Instant::now() + within;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let item = match tokio::time::timeout(left, self.inner.next()).await {
                Ok(item) => item,
                Err(_) => panic!(
                    "the server did not close the socket within {within:?}; received {seen:?}"
                ),
            };
            match item {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return seen,
                Some(Ok(Message::Text(t))) if t.as_str() == "2" => {
                    // Keep the session alive so that only the server's reason counts.
                    let _ = self.inner.send(Message::text("3")).await;
                }
                Some(Ok(Message::Text(t))) => seen.push(Msg::Text(t.as_str().to_string())),
                Some(Ok(Message::Binary(b))) => seen.push(Msg::Binary(b.to_vec())),
                Some(Ok(_)) => {}
            }
        }
    }

    /// Checks that the socket stays open (answering pings) for `period`.
    pub async fn expect_open_for(&mut self, period: Duration) -> Vec<Msg> {
        let deadline = Instant::now() + period;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return seen;
            }
            match tokio::time::timeout(left, self.inner.next()).await {
                Err(_) => return seen,
                Ok(None) | Ok(Some(Ok(Message::Close(_)))) => {
                    panic!("the server closed the socket; received {seen:?}")
                }
                Ok(Some(Err(e))) => panic!("socket error {e}; received {seen:?}"),
                Ok(Some(Ok(Message::Text(t)))) if t.as_str() == "2" => {
                    self.send("3").await;
                }
                Ok(Some(Ok(Message::Text(t)))) => seen.push(Msg::Text(t.as_str().to_string())),
                Ok(Some(Ok(Message::Binary(b)))) => seen.push(Msg::Binary(b.to_vec())),
                Ok(Some(Ok(_))) => {}
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.inner.close(None).await;
    }
}

/// Asserts that the conformance handler on `/` still echoes for this socket.
pub async fn assert_echo(ws: &mut Ws, tag: &str) {
    ws.send(&format!(r#"42["message","{tag}"]"#)).await;
    assert_eq!(
        ws.recv_skip_pings().await.text(),
        format!(r#"42["message-back","{tag}"]"#)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listening_line() {
        assert_eq!(
            parse_listening_line("sio-host listening on http://127.0.0.1:4567"),
            Some(4567)
        );
        assert_eq!(parse_listening_line("listening on 4567"), None);
    }

    #[test]
    fn payload_split() {
        assert_eq!(decode_payload("4hello\x1e2"), vec!["4hello", "2"]);
        assert!(decode_payload("").is_empty());
    }
}

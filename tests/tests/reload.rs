//! Hot reload and `sio.toml`: a component replaced under a connected client
//! (admin endpoint, SIGHUP, `--watch`), state handed over through
//! `sio:realtime/state`, broken builds refused while the old version keeps
//! serving, per-endpoint reloads, config values, `sio-host check`.
//!
//! The counting handlers `counter-a` / `counter-b` answer `n` events with
//! `[version, seq, total]` (see tests/handlers/shared/counter.rs).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sio_e2e::{Server, Ws, host_bin, wasm};

/// A fresh folder under the system's temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "sio-reload-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Replaces `dst` with `src`'s bytes the way build tools do: a temporary
/// file renamed over it.
fn install(src: &Path, dst: &Path) {
    let tmp = dst.with_extension("tmp");
    std::fs::copy(src, &tmp).unwrap();
    std::fs::rename(&tmp, dst).unwrap();
}

fn sio_host(args: &[&str]) -> Output {
    Command::new(host_bin())
        .args(args)
        .output()
        .expect("running sio-host")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `sio-host reload [ENDPOINT] --admin-file ADMIN`: (success, output).
fn reload(admin: &Path, endpoint: Option<&str>) -> (bool, String) {
    let admin = admin.to_str().unwrap();
    let mut args = vec!["reload", "--admin-file", admin];
    if let Some(e) = endpoint {
        args.push(e);
    }
    let o = sio_host(&args);
    (o.status.success(), text(&o))
}

/// A server with the given endpoints (`/nsp=FILE`) and an admin file in `dir`.
fn server(dir: &TempDir, extra: &[&str], endpoints: &[(&str, &Path)]) -> Server {
    let mut args: Vec<String> = vec![
        "--admin-file".into(),
        dir.path("admin.json").display().to_string(),
        "--call-deadline".into(),
        "300".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    for (nsp, file) in endpoints {
        args.push(format!("{nsp}={}", file.display()));
    }
    Server::start(&args)
}

/// A websocket client joined to `nsp`, numbering its acks.
struct Client {
    ws: Ws,
    nsp: String,
    next_ack: u64,
    seq: u64,
}

impl Client {
    async fn connect(addr: &str, nsp: &str) -> Client {
        let (mut ws, _) = Ws::open(addr).await;
        let prefix = if nsp == "/" {
            String::new()
        } else {
            format!("{nsp},")
        };
        ws.send(&format!("40{prefix}")).await;
        let reply = ws.recv_skip_pings().await.text();
        assert!(
            reply.starts_with(&format!("40{prefix}{{\"sid\":")),
            "{reply}"
        );
        Client {
            ws,
            nsp: prefix,
            next_ack: 1,
            seq: 0,
        }
    }

    /// Emits `event` with `args` and an ack id; returns the ack's arguments.
    async fn call(&mut self, event: &str, args: &[Value]) -> Value {
        let id = self.next_ack;
        self.next_ack += 1;
        let mut all = vec![json!(event)];
        all.extend_from_slice(args);
        let nsp = self.nsp.clone();
        self.ws
            .send(&format!("42{nsp}{id}{}", Value::Array(all)))
            .await;
        let reply = self.ws.recv_skip_pings().await.text();
        let head = format!("43{nsp}{id}");
        let body = reply
            .strip_prefix(&head)
            .unwrap_or_else(|| panic!("expected an ack {head}..., got {reply:?}"));
        serde_json::from_str(body).unwrap()
    }

    /// The next numbered event: ([version, seq, total]).
    async fn count(&mut self) -> (String, u64, u64) {
        self.seq += 1;
        let seq = self.seq;
        let v = self.call("n", &[json!(seq)]).await;
        let version = v[0].as_str().unwrap_or_default().to_string();
        assert_eq!(v[1], json!(seq), "{v}");
        (version, seq, v[2].as_u64().unwrap())
    }

    async fn stats(&mut self) -> Value {
        self.call("stats", &[]).await[0].clone()
    }
}

/// Counts until the answering version is `want` (a watcher reloads on its
/// own time); returns the last total. Panics after 60 s.
async fn count_until_version(c: &mut Client, want: &str) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (version, _, total) = c.count().await;
        if version == want {
            return total;
        }
        assert!(
            Instant::now() < deadline,
            "version {want} never answered (still {version})"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn reload_swaps_the_component_under_a_connected_client_and_keeps_its_state() {
    let dir = TempDir::new("swap");
    let file = dir.path("counter.wasm");
    install(&wasm("counter_a"), &file);
    let s = server(&dir, &[], &[("/", &file)]);
    let mut c = Client::connect(&s.addr(), "/").await;
    for i in 1..=5 {
        assert_eq!(c.count().await, ("a".into(), i, i));
    }

    install(&wasm("counter_b"), &file);
    let (ok, out) = reload(&dir.path("admin.json"), None);
    assert!(ok, "{out}");
    assert!(out.contains("/: reloaded, version 2"), "{out}");
    assert!(out.contains("bytes of state handed over"), "{out}");

    // Same connection, new code, the count goes on.
    assert_eq!(c.count().await, ("b".into(), 6, 6));
    let stats = c.stats().await;
    assert_eq!(stats["out_of_order"], json!(0), "{stats}");
    assert_eq!(stats["restores"], json!(1), "{stats}");
    assert_eq!(stats["conns"], json!(1), "{stats}");
    assert!(s.logged("endpoint reloaded").await, "{}", s.logs());
}

#[tokio::test]
async fn broken_builds_are_refused_and_the_running_version_keeps_serving() {
    let dir = TempDir::new("refuse");
    let file = dir.path("counter.wasm");
    install(&wasm("counter_a"), &file);
    let s = server(&dir, &[], &[("/", &file)]);
    let admin = dir.path("admin.json");
    let mut c = Client::connect(&s.addr(), "/").await;
    assert_eq!(c.count().await, ("a".into(), 1, 1));

    // Not WebAssembly at all.
    std::fs::write(&file, b"this is not a component").unwrap();
    let (ok, out) = reload(&admin, Some("/"));
    assert!(!ok, "{out}");
    assert!(out.contains("refused"), "{out}");
    assert!(out.contains("not a WebAssembly"), "{out}");
    assert_eq!(c.count().await, ("a".into(), 2, 2));

    // A component cut short (a build tool still writing it).
    let whole = std::fs::read(wasm("counter_b")).unwrap();
    std::fs::write(&file, &whole[..whole.len() / 2]).unwrap();
    let (ok, out) = reload(&admin, Some("/"));
    assert!(!ok, "{out}");
    assert_eq!(c.count().await, ("a".into(), 3, 3));

    // A build whose state type cannot take the running version's state.
    install(&wasm("counter_broken"), &file);
    let (ok, out) = reload(&admin, Some("/"));
    assert!(!ok, "{out}");
    assert!(out.contains("refused the state"), "{out}");
    assert_eq!(c.count().await, ("a".into(), 4, 4));

    // An endpoint that does not exist.
    let (ok, out) = reload(&admin, Some("/nope"));
    assert!(!ok, "{out}");
    assert!(out.contains("no endpoint \"/nope\""), "{out}");

    // A good build still goes in afterwards.
    install(&wasm("counter_b"), &file);
    let (ok, out) = reload(&admin, Some("/"));
    assert!(ok, "{out}");
    assert_eq!(c.count().await, ("b".into(), 5, 5));
    let logs = s.logs();
    assert!(
        logs.matches("reload refused, the running version keeps serving")
            .count()
            >= 3,
        "{logs}"
    );
}

#[tokio::test]
async fn a_build_without_state_starts_fresh_and_connections_stay() {
    let dir = TempDir::new("stateless");
    let file = dir.path("h.wasm");
    install(&wasm("counter_a"), &file);
    let s = server(&dir, &[], &[("/", &file)]);
    let admin = dir.path("admin.json");
    let mut c = Client::connect(&s.addr(), "/").await;
    c.count().await;
    c.count().await;

    // hostile exports no sio:realtime/state: the state is dropped.
    install(&wasm("hostile"), &file);
    let (ok, out) = reload(&admin, None);
    assert!(ok, "{out}");
    assert!(out.contains("state dropped"), "{out}");
    assert_eq!(c.call("count", &[]).await, json!([1]));

    // And back: nothing to hand over, the counter starts from scratch, on
    // the same connection.
    install(&wasm("counter_a"), &file);
    let (ok, out) = reload(&admin, None);
    assert!(ok, "{out}");
    assert!(out.contains("no state hand-off"), "{out}");
    c.seq = 0;
    assert_eq!(c.count().await, ("a".into(), 1, 1));
}

/// Per-connection data and rooms live in the host (`conn-state`): they
/// outlive a reload to another build and a rebuild after a trap with no
/// snapshot code (`--checkpoint-interval 0`, and the counter's own state
/// knows nothing of them), and the room queries see every member.
#[tokio::test]
async fn connection_data_and_rooms_outlive_reloads_and_rebuilds() {
    let dir = TempDir::new("conn-state");
    let file = dir.path("counter.wasm");
    install(&wasm("counter_a"), &file);
    let s = server(&dir, &["--checkpoint-interval", "0"], &[("/", &file)]);
    let mut a = Client::connect(&s.addr(), "/").await;
    let mut b = Client::connect(&s.addr(), "/").await;
    let nick = json!({"nickname": "alice", "joined": [1, 2]});
    assert_eq!(
        a.call("set-data", std::slice::from_ref(&nick)).await,
        json!([true])
    );
    assert_eq!(a.call("join", &[json!("counting")]).await, json!([true]));
    assert_eq!(b.call("join", &[json!("counting")]).await, json!([true]));
    let before = a.call("data", &[]).await;
    assert_eq!(before[0], nick, "{before}");
    let rooms = before[1].as_array().unwrap();
    assert_eq!(rooms.len(), 2, "its own room and counting: {before}");
    assert!(rooms.contains(&json!("counting")), "{before}");
    assert_eq!(before[2].as_array().map(Vec::len), Some(2), "{before}");

    install(&wasm("counter_b"), &file);
    let (ok, out) = reload(&dir.path("admin.json"), None);
    assert!(ok, "{out}");
    a.ws.send(r#"42["spin"]"#).await; // a trap: the instance is rebuilt
    let after = a.call("data", &[]).await;
    assert_eq!(after, before, "after a reload and a rebuild");
    assert_eq!(a.stats().await["version"], json!("b"));
    // b's own data was never set; null clears a's.
    assert_eq!(b.call("data", &[]).await[0], json!(null));
    assert_eq!(a.call("set-data", &[json!(null)]).await, json!([true]));
    assert_eq!(a.call("data", &[]).await[0], json!(null));
}

#[tokio::test]
async fn a_rebuild_after_a_trap_restores_the_last_reloads_state() {
    let dir = TempDir::new("trap");
    let file = dir.path("counter.wasm");
    install(&wasm("counter_a"), &file);
    // No checkpoints between reloads (tests/tests/sandbox.rs has those).
    let s = server(&dir, &["--checkpoint-interval", "0"], &[("/", &file)]);
    let mut c = Client::connect(&s.addr(), "/").await;
    for _ in 0..3 {
        c.count().await;
    }
    install(&wasm("counter_b"), &file);
    let (ok, out) = reload(&dir.path("admin.json"), None);
    assert!(ok, "{out}");
    c.count().await;
    c.count().await;

    // `spin` runs past the call deadline; the instance is rebuilt from the
    // state handed over at the reload (total 3): what came after is lost.
    c.ws.send(r#"42["spin"]"#).await;
    let stats = c.stats().await;
    assert_eq!(stats["version"], json!("b"), "{stats}");
    assert_eq!(stats["total"], json!(3), "{stats}");
    // The snapshot was taken before its first restore counted itself.
    assert_eq!(stats["restores"], json!(1), "{stats}");
    assert!(s.logged("deadline exceeded").await, "{}", s.logs());
}

#[tokio::test]
async fn sighup_reloads_every_endpoint() {
    let dir = TempDir::new("hup");
    let (fa, fb) = (dir.path("one.wasm"), dir.path("two.wasm"));
    install(&wasm("counter_a"), &fa);
    install(&wasm("counter_a"), &fb);
    let s = server(&dir, &[], &[("/", &fa), ("/two", &fb)]);
    let mut c1 = Client::connect(&s.addr(), "/").await;
    let mut c2 = Client::connect(&s.addr(), "/two").await;
    c1.count().await;
    c2.count().await;
    install(&wasm("counter_b"), &fa);
    install(&wasm("counter_b"), &fb);
    let status = Command::new("kill")
        .args(["-HUP", &s.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(count_until_version(&mut c1, "b").await, c1.seq);
    assert_eq!(count_until_version(&mut c2, "b").await, c2.seq);
    assert!(s.logged("SIGHUP").await, "{}", s.logs());
}

#[tokio::test]
async fn watch_reloads_files_written_in_steps_or_renamed_over() {
    let dir = TempDir::new("watch");
    let file = dir.path("counter.wasm");
    install(&wasm("counter_a"), &file);
    let s = server(&dir, &["--watch"], &[("/", &file)]);
    let mut c = Client::connect(&s.addr(), "/").await;
    c.count().await;

    // Written in place, in three steps with pauses (an editor or a slow
    // copy): the half-written states never go live.
    let b = std::fs::read(wasm("counter_b")).unwrap();
    let third = b.len() / 3;
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&file).unwrap();
        for chunk in [&b[..third], &b[third..2 * third], &b[2 * third..]] {
            f.write_all(chunk).unwrap();
            f.flush().unwrap();
            std::thread::sleep(Duration::from_millis(40));
        }
    }
    let total = count_until_version(&mut c, "b").await;
    assert_eq!(total, c.seq, "every event counted once");

    // Renamed over (cargo, most editors).
    install(&wasm("counter_a"), &file);
    let total = count_until_version(&mut c, "a").await;
    assert_eq!(total, c.seq);
    let stats = c.stats().await;
    assert_eq!(stats["out_of_order"], json!(0), "{stats}");
    assert!(s.logged("trigger=watch").await, "{}", s.logs());
}

#[tokio::test]
async fn sio_toml_lists_endpoints_with_limits_and_config_values() {
    let dir = TempDir::new("toml");
    install(&wasm("counter_a"), &dir.path("one.wasm"));
    install(&wasm("counter_a"), &dir.path("two.wasm"));
    let toml = dir.path("sio.toml");
    let write_toml = |greeting: &str| {
        std::fs::write(
            &toml,
            format!(
                r#"
[server]
ping-interval = 5000
admin-file = "admin.json"

[endpoints."/"]
component = "one.wasm"
config = {{ greeting = "{greeting}", rooms = 3, beta = true }}

[endpoints."/two"]
component = "two.wasm"
call-deadline = 200
max-memory = 64
"#
            ),
        )
        .unwrap();
    };
    write_toml("hello");
    let s = Server::start(&["--config", toml.to_str().unwrap()]);
    let mut c1 = Client::connect(&s.addr(), "/").await;
    let mut c2 = Client::connect(&s.addr(), "/two").await;
    assert_eq!(
        c1.call("config", &[]).await,
        json!([[["beta", "true"], ["greeting", "hello"], ["rooms", "3"]]])
    );
    assert_eq!(c2.call("config", &[]).await, json!([[]]));

    // One endpoint reloads on its own; an edited config value comes with it.
    write_toml("bonjour");
    install(&wasm("counter_b"), &dir.path("one.wasm"));
    let admin = dir.path("admin.json");
    let (ok, out) = reload(&admin, Some("/"));
    assert!(ok, "{out}");
    assert_eq!(c1.count().await.0, "b");
    assert_eq!(c2.count().await.0, "a");
    assert_eq!(
        c1.call("config", &[]).await[0][1],
        json!(["greeting", "bonjour"])
    );

    let o = sio_host(&["status", "--admin-file", admin.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let status: Value = serde_json::from_slice(&o.stdout).unwrap();
    let versions: Vec<(Value, Value)> = status["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["endpoint"].clone(), e["version"].clone()))
        .collect();
    assert_eq!(
        versions,
        vec![(json!("/"), json!(2)), (json!("/two"), json!(1))]
    );

    // A config file that no longer parses refuses the reload.
    std::fs::write(&toml, "[endpoints.\"/\"\ncomponent = ").unwrap();
    let (ok, out) = reload(&admin, Some("/"));
    assert!(!ok, "{out}");
    assert!(out.contains("sio.toml"), "{out}");
    assert_eq!(c1.count().await.0, "b");
}

#[tokio::test]
async fn the_admin_endpoint_wants_the_token() {
    let dir = TempDir::new("token");
    let file = dir.path("counter.wasm");
    install(&wasm("counter_a"), &file);
    let _s = server(&dir, &[], &[("/", &file)]);
    let admin_path = dir.path("admin.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&admin_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "admin file mode {mode:o}");
    }
    let admin: Value = serde_json::from_slice(&std::fs::read(&admin_path).unwrap()).unwrap();
    let addr = admin["admin"].as_str().unwrap();
    assert!(addr.starts_with("127.0.0.1:"), "{admin}");
    let token = admin["token"].as_str().unwrap();

    let res = sio_e2e::http(addr, "POST", "/reload", &[], b"").await;
    assert_eq!(res.status, 401);
    let res = sio_e2e::http(
        addr,
        "POST",
        "/reload",
        &[("Authorization", "Bearer not-the-token")],
        b"",
    )
    .await;
    assert_eq!(res.status, 401);
    let bearer = format!("Bearer {token}");
    let res = sio_e2e::http(addr, "GET", "/status", &[("Authorization", &bearer)], b"").await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["endpoints"][0]["endpoint"], json!("/"));
}

#[test]
fn check_validates_files_without_a_server() {
    let o = sio_host(&[
        "check",
        wasm("counter_a").to_str().unwrap(),
        wasm("hostile").to_str().unwrap(),
    ]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("hands state over"), "{out}");
    assert!(out.contains("no state hand-off"), "{out}");

    let dir = TempDir::new("check");
    let bad = dir.path("bad.wasm");
    std::fs::write(&bad, b"\0asm\x01\0\0\0").unwrap();
    let o = sio_host(&["check", bad.to_str().unwrap()]);
    let out = text(&o);
    assert!(!o.status.success(), "{out}");
    assert!(out.contains("core WebAssembly module"), "{out}");
}

#[test]
fn run_without_endpoints_or_config_file_explains_itself() {
    let dir = TempDir::new("empty");
    let o = Command::new(host_bin())
        .arg("run")
        .current_dir(&dir.0)
        .output()
        .unwrap();
    let out = text(&o);
    assert!(!o.status.success());
    assert!(out.contains("no endpoint given"), "{out}");
    assert!(out.contains("sio.toml"), "{out}");
    assert!(!out.contains("panicked"), "{out}");

    std::fs::write(dir.path("sio.toml"), "[endpoint]\ncomponent = \"x.wasm\"\n").unwrap();
    let o = Command::new(host_bin())
        .arg("run")
        .current_dir(&dir.0)
        .output()
        .unwrap();
    let out = text(&o);
    assert!(!o.status.success());
    assert!(out.contains("unknown field `endpoint`"), "{out}");
}

#[tokio::test]
async fn watch_picks_up_an_edited_sio_toml() {
    let dir = TempDir::new("watch-toml");
    install(&wasm("counter_a"), &dir.path("one.wasm"));
    let toml = dir.path("sio.toml");
    let write_toml = |mode: &str| {
        let text = format!(
            "[server]\nwatch = true\nadmin = false\n\n\
             [endpoints.\"/\"]\ncomponent = \"one.wasm\"\nconfig = {{ mode = \"{mode}\" }}\n"
        );
        let tmp = dir.path("sio.toml.tmp");
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, &toml).unwrap();
    };
    write_toml("first");
    let s = Server::start(&["--config", toml.to_str().unwrap()]);
    let mut c = Client::connect(&s.addr(), "/").await;
    c.count().await;
    assert_eq!(c.call("config", &[]).await, json!([[["mode", "first"]]]));

    // The entry changed, the component did not: the endpoint reloads with
    // the new value, its state and the connection carried over.
    write_toml("second");
    let deadline = Instant::now() + Duration::from_secs(60);
    while c.call("config", &[]).await != json!([[["mode", "second"]]]) {
        assert!(
            Instant::now() < deadline,
            "the new config value never arrived"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (version, seq, total) = c.count().await;
    assert_eq!((version.as_str(), seq, total), ("a", 2, 2));
    assert!(s.logged("config file changed").await, "{}", s.logs());
}

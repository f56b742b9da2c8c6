//! Asynchronous handlers (the `async-endpoint` world, docs/async.md) over
//! the wire: timers that fire, are cancelled, die with their connection and
//! survive a hot reload; a held connection's events waiting in order while
//! other connections go on; emit-with-ack's reply and timeout; outbound
//! HTTP to allowed hosts only.
//!
//! The handler is `tests/handlers/async-probe` (its doc lists the events);
//! completions are emitted to every connection, so a bystander sees them.
//! Nothing here measures time: delays only order events (a timer set for
//! 200 ms, cancelled, is one that would have fired before another set for
//! 400 ms) and bound liveness.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::{Value, json};
use sio_e2e::{Server, Ws, host_bin, wasm};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A websocket client on `/`, keeping every packet it received.
struct Client {
    ws: Ws,
    next_ack: u64,
}

impl Client {
    async fn connect(addr: &str) -> Client {
        let (mut ws, _) = Ws::open(addr).await;
        ws.send("40").await;
        let reply = ws.recv_skip_pings().await.text();
        assert!(reply.starts_with("40{\"sid\":"), "{reply}");
        Client { ws, next_ack: 1 }
    }

    /// Emits `event` with an ack id; returns the id.
    async fn emit(&mut self, event: &str, args: &[Value]) -> u64 {
        let id = self.next_ack;
        self.next_ack += 1;
        let mut all = vec![json!(event)];
        all.extend_from_slice(args);
        self.ws.send(&format!("42{id}{}", Value::Array(all))).await;
        id
    }

    /// The next Socket.IO packet (pings answered).
    async fn packet(&mut self) -> String {
        self.ws.recv_skip_pings().await.text()
    }

    /// Emits and waits for the ack, which must be the next packet.
    async fn call(&mut self, event: &str, args: &[Value]) -> Value {
        let id = self.emit(event, args).await;
        let reply = self.packet().await;
        ack_args(&reply, id).unwrap_or_else(|| panic!("expected ack {id}, got {reply:?}"))
    }

    /// Packets until one satisfies `pred`; returns the ones before it too.
    async fn until(&mut self, pred: impl Fn(&str) -> bool) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            let p = self.packet().await;
            let done = pred(&p);
            seen.push(p);
            if done {
                return seen;
            }
        }
    }
}

/// The arguments of ack `id` when `packet` is it.
fn ack_args(packet: &str, id: u64) -> Option<Value> {
    serde_json::from_str(packet.strip_prefix(&format!("43{id}"))?).ok()
}

/// `42["timer",[token]]`.
fn timer(token: u64) -> String {
    format!(r#"42["timer",{token}]"#)
}

fn probe_server(extra: &[&str]) -> Server {
    let mut args: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    args.push(format!("/={}", wasm("async_probe").display()));
    Server::start(&args)
}

#[tokio::test]
async fn timers_fire_rearm_and_cancelled_ones_do_not() {
    let s = probe_server(&[]);
    let mut c = Client::connect(&s.addr()).await;
    assert_eq!(c.call("set", &[json!(1), json!(50)]).await, json!(["ok"]));
    assert_eq!(c.until(|p| p == timer(1)).await, vec![timer(1)]);

    // Cancelled while pending: it would have fired before timer 3.
    assert_eq!(c.call("set", &[json!(2), json!(200)]).await, json!(["ok"]));
    assert_eq!(c.call("cancel", &[json!(2)]).await, json!([true]));
    assert_eq!(c.call("cancel", &[json!(2)]).await, json!([false]));
    // Re-armed: the long first arming is replaced by a short one.
    assert_eq!(
        c.call("set", &[json!(4), json!(600_000)]).await,
        json!(["ok"])
    );
    assert_eq!(c.call("set", &[json!(4), json!(10)]).await, json!(["ok"]));
    assert_eq!(c.call("set", &[json!(3), json!(400)]).await, json!(["ok"]));
    let seen = c.until(|p| p == timer(3)).await;
    assert_eq!(seen, vec![timer(4), timer(3)], "timer 2 was cancelled");
    // Timer 4 fired once: its first arming is gone.
    assert_eq!(c.call("cancel", &[json!(4)]).await, json!([false]));
}

#[tokio::test]
async fn a_timer_tied_to_a_connection_that_left_is_cancelled_an_untied_one_fires() {
    let s = probe_server(&[]);
    let mut a = Client::connect(&s.addr()).await;
    let mut b = Client::connect(&s.addr()).await;
    let tied = json!(true);
    assert_eq!(
        a.call("set", &[json!(10), json!(200), tied]).await,
        json!(["ok"])
    );
    assert_eq!(a.call("set", &[json!(11), json!(400)]).await, json!(["ok"]));
    a.ws.send("41").await;
    a.ws.close().await;
    // B sees the untied timer and never the tied one (due earlier).
    assert_eq!(b.until(|p| p == timer(11)).await, vec![timer(11)]);
    assert_eq!(
        b.call("seq", &[json!("still here")]).await,
        json!(["still here"])
    );
}

#[tokio::test]
async fn a_held_connections_events_wait_in_order_while_others_proceed() {
    let s = probe_server(&[]);
    let mut a = Client::connect(&s.addr()).await;
    let mut b = Client::connect(&s.addr()).await;
    // A is held until timer 30 fires; its next three events wait.
    assert_eq!(
        a.call("release-later", &[json!(30), json!(1500)]).await,
        json!(["ok"])
    );
    let ids = [
        a.emit("seq", &[json!(1)]).await,
        a.emit("seq", &[json!(2)]).await,
        a.emit("seq", &[json!(3)]).await,
    ];
    // B is answered while A's work is pending: its ack comes before the
    // `timer` event every connection hears when A's work completes.
    assert_eq!(b.call("seq", &[json!("b")]).await, json!(["b"]));
    assert_eq!(b.until(|p| p == timer(30)).await, vec![timer(30)]);

    // A: the completion that released it, then 1, 2, 3 in order.
    let a_seen = a.until(|p| ack_args(p, ids[2]).is_some()).await;
    assert_eq!(
        a_seen,
        vec![
            timer(30),
            format!("43{}[1]", ids[0]),
            format!("43{}[2]", ids[1]),
            format!("43{}[3]", ids[2]),
        ]
    );
    // Released: A's events run at once again.
    assert_eq!(a.call("seq", &[json!(4)]).await, json!([4]));
}

#[tokio::test]
async fn a_connection_that_leaves_while_held_costs_nobody_else() {
    let s = probe_server(&[]);
    let mut a = Client::connect(&s.addr()).await;
    let mut b = Client::connect(&s.addr()).await;
    assert_eq!(
        a.call("release-later", &[json!(40), json!(300)]).await,
        json!(["ok"])
    );
    a.emit("seq", &[json!(1)]).await;
    a.ws.close().await;
    // Its timer was tied to it: gone with it; B goes on.
    assert_eq!(b.call("seq", &[json!("b")]).await, json!(["b"]));
    assert_eq!(b.call("set", &[json!(41), json!(600)]).await, json!(["ok"]));
    assert_eq!(b.until(|p| p == timer(41)).await, vec![timer(41)]);
}

#[tokio::test]
async fn a_rebuild_after_a_failed_call_keeps_timers_and_releases_held_connections() {
    let s = probe_server(&[]);
    let mut a = Client::connect(&s.addr()).await;
    let mut b = Client::connect(&s.addr()).await;
    assert_eq!(b.call("set", &[json!(60), json!(800)]).await, json!(["ok"]));
    assert_eq!(
        a.call("release-later", &[json!(61), json!(600_000)]).await,
        json!(["ok"])
    );
    let id = a.emit("seq", &[json!(1)]).await;
    // B's call traps: the instance is rebuilt from scratch. It cannot know
    // that A was held, so A's waiting event runs instead of waiting forever.
    b.emit("panic", &[]).await;
    assert_eq!(a.until(|p| ack_args(p, id).is_some()).await.len(), 1);
    // The host's timer fires into the rebuilt instance.
    assert_eq!(b.until(|p| p == timer(60)).await, vec![timer(60)]);
    assert!(s.logged("asked to panic").await, "{}", s.logs());
}

/// A path for the admin file, unique per test.
fn admin_file(tag: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    std::env::temp_dir().join(format!(
        "sio-async-{tag}-{}-{}.json",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ))
}

fn reload(admin: &Path) -> String {
    let out = Command::new(host_bin())
        .args(["reload", "--admin-file", admin.to_str().unwrap()])
        .output()
        .expect("running sio-host reload");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    text
}

#[tokio::test]
async fn timers_survive_a_hot_reload_and_held_connections_are_released() {
    let admin = admin_file("reload");
    let s = probe_server(&["--admin-file", admin.to_str().unwrap()]);
    let mut a = Client::connect(&s.addr()).await;
    let mut b = Client::connect(&s.addr()).await;
    assert_eq!(
        b.call("set", &[json!(50), json!(1500)]).await,
        json!(["ok"])
    );
    assert_eq!(
        a.call("release-later", &[json!(51), json!(60_000)]).await,
        json!(["ok"])
    );
    let id = a.emit("seq", &[json!(1)]).await;

    let out = reload(&admin);
    assert!(out.contains("/: reloaded, version 2"), "{out}");
    // The new build has no state: it could not know what the old one held,
    // so A's waiting event runs now rather than never.
    assert_eq!(a.until(|p| ack_args(p, id).is_some()).await.len(), 1);
    // The host's timer fires into the new instance.
    assert_eq!(b.until(|p| p == timer(50)).await, vec![timer(50)]);
    let _ = std::fs::remove_file(&admin);
}

#[tokio::test]
async fn emit_with_ack_delivers_the_reply_or_the_timeout_to_the_handler() {
    let s = probe_server(&[]);
    let mut c = Client::connect(&s.addr()).await;
    // Answered: the client's reply reaches on-ack.
    let ask = c.emit("ask", &[json!(5000)]).await;
    let question = c.packet().await;
    let rest = question.strip_prefix("42").unwrap();
    let (id, body) = rest.split_at(rest.find('[').unwrap());
    assert_eq!(body, r#"["question","?"]"#);
    let token = ack_args(&c.packet().await, ask).unwrap()[0].clone();
    c.ws.send(&format!("43{id}[\"yes\",2]")).await;
    assert_eq!(
        c.packet().await,
        format!(r#"42["answer",{token},["yes",2]]"#)
    );
    // Not answered: on-ack hears none once the timeout passed.
    let ask = c.emit("ask", &[json!(100)]).await;
    assert!(c.packet().await.contains("question"));
    let token = ack_args(&c.packet().await, ask).unwrap()[0].clone();
    assert_eq!(c.packet().await, format!(r#"42["answer",{token},null]"#));
}

/// A one-shot HTTP server: answers each request with `body`.
async fn http_server(body: &'static str) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let _ = stream.read(&mut buf).await;
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(reply.as_bytes()).await;
            });
        }
    });
    port
}

#[tokio::test]
async fn http_fetch_reaches_allowed_hosts_only() {
    let port = http_server("hello from upstream").await;
    let dir = std::env::temp_dir().join(format!("sio-async-fetch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let toml = dir.join("sio.toml");
    std::fs::write(
        &toml,
        format!(
            "[endpoints.\"/\"]\ncomponent = \"{}\"\nhttp-allow = [\"127.0.0.1:{port}\"]\n",
            wasm("async_probe").display()
        ),
    )
    .unwrap();
    let s = Server::start(&["--config", toml.to_str().unwrap()]);
    let mut c = Client::connect(&s.addr()).await;

    let url = format!("http://127.0.0.1:{port}/x");
    assert_eq!(c.call("fetch", &[json!(url)]).await, json!(["ok"]));
    assert_eq!(
        c.packet().await,
        r#"42["fetched",1,{"body":"hello from upstream","status":200}]"#
    );
    // Another port of the same address is not on the list.
    let other = format!("http://127.0.0.1:{}/x", port.wrapping_add(1));
    assert_eq!(c.call("fetch", &[json!(other)]).await, json!(["ok"]));
    let denied = c.packet().await;
    assert!(denied.contains("not allowed"), "{denied}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn http_fetch_allowed_by_the_flag_for_endpoints_without_a_list() {
    let port = http_server("flagged").await;
    let allow = format!("127.0.0.1:{port}");
    let s = probe_server(&["--http-allow", &allow]);
    let mut c = Client::connect(&s.addr()).await;
    let url = format!("http://{allow}/");
    assert_eq!(c.call("fetch", &[json!(url)]).await, json!(["ok"]));
    assert_eq!(
        c.packet().await,
        r#"42["fetched",1,{"body":"flagged","status":200}]"#
    );
}

#[tokio::test]
async fn http_fetch_is_denied_by_default() {
    let port = http_server("never").await;
    let s = probe_server(&[]);
    let mut c = Client::connect(&s.addr()).await;
    let url = format!("http://127.0.0.1:{port}/");
    assert_eq!(c.call("fetch", &[json!(url)]).await, json!(["ok"]));
    let denied = c.packet().await;
    assert!(
        denied.contains(&format!("host 127.0.0.1:{port} is not allowed")),
        "{denied}"
    );
}

/// `cluster-sockets` on one node (no `--redis`): the answer, through
/// `on-fetch`, lists the room's sockets of this node at once, with their
/// rooms and host-held data; an invalid room name is refused.
#[tokio::test]
async fn a_cluster_query_on_one_node_answers_with_its_sockets() {
    let s = probe_server(&[]);
    let mut a = Client::connect(&s.addr()).await;
    let mut b = Client::connect(&s.addr()).await;
    let mut c = Client::connect(&s.addr()).await;
    assert_eq!(a.call("join", &[json!("q")]).await, json!(["ok"]));
    assert_eq!(b.call("join", &[json!("q")]).await, json!(["ok"]));
    assert_eq!(c.call("join", &[json!("r")]).await, json!(["ok"]));
    assert_eq!(
        a.call("who", &[json!("q"), json!(1000)]).await,
        json!(["ok"])
    );
    let seen = a.until(|p| p.starts_with(r#"42["who","#)).await;
    let answer: Value = serde_json::from_str(&seen[seen.len() - 1][2..]).unwrap();
    let answer = &answer[1];
    assert_eq!(answer["nodes"], 1, "{answer}");
    assert_eq!(answer["missing"], 0, "{answer}");
    let sockets = answer["sockets"].as_array().unwrap();
    assert_eq!(sockets.len(), 2, "{answer}");
    assert!(
        sockets
            .iter()
            .all(|s| s["rooms"].as_array().unwrap().contains(&json!("q")))
    );
    assert_eq!(sockets[0]["data"], json!({}), "{answer}");
    assert_eq!(
        a.call("who", &[json!(""), json!(1000)]).await,
        json!(["invalid-name (error 3)"])
    );
}

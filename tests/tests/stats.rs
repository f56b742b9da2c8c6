//! `/stats` and `/metrics` (docs/stats.md): a scripted workload, then every
//! counter checked against what the workload did, exactly; `/metrics` must
//! parse as the Prometheus text format and agree with `/stats`.
//!
//! The server runs with the default heartbeat (25 s), so no ping or pong
//! joins the packet counts while the test runs.

use std::collections::HashMap;
use std::time::Instant;

use serde_json::{Value, json};
use sio_e2e::{STEP, Server, Ws, decode_payload, get, polling_path, post, wasm, ws_url};

/// What the test itself sent and received, Engine.IO packets and bytes.
#[derive(Default, Debug)]
struct Tally {
    packets_in: u64,
    packets_out: u64,
    bytes_in: u64,
    bytes_out: u64,
}

impl Tally {
    async fn ws_open(&mut self, addr: &str) -> Ws {
        let mut ws = Ws::connect_url(&ws_url(addr, None))
            .await
            .unwrap_or_else(|e| panic!("WebSocket connect: {e}"));
        let open = self.ws_recv(&mut ws).await;
        assert!(open.starts_with("0{"), "{open}");
        ws
    }

    async fn ws_send(&mut self, ws: &mut Ws, text: &str) {
        ws.send(text).await;
        self.packets_in += 1;
        self.bytes_in += text.len() as u64;
    }

    async fn ws_recv(&mut self, ws: &mut Ws) -> String {
        let text = ws.recv().await.text();
        assert_ne!(text, "2", "no ping expected with the default heartbeat");
        self.packets_out += 1;
        self.bytes_out += text.len() as u64;
        text
    }

    /// A websocket session joined to `/` (the conformance handler greets
    /// with an `auth` event).
    async fn ws_socketio(&mut self, addr: &str) -> Ws {
        let mut ws = self.ws_open(addr).await;
        self.ws_send(&mut ws, "40").await;
        assert!(self.ws_recv(&mut ws).await.starts_with("40{"));
        assert_eq!(self.ws_recv(&mut ws).await, r#"42["auth",{}]"#);
        ws
    }

    async fn poll(&mut self, addr: &str, sid: Option<&str>) -> Vec<String> {
        let res = get(addr, &polling_path(sid)).await;
        assert_eq!(res.status, 200, "{:?}", res.text());
        self.bytes_out += res.body.len() as u64;
        let packets = decode_payload(&res.text());
        self.packets_out += packets.len() as u64;
        packets
    }

    async fn poll_n(&mut self, addr: &str, sid: &str, n: usize) -> Vec<String> {
        let mut out = Vec::new();
        while out.len() < n {
            out.extend(self.poll(addr, Some(sid)).await);
        }
        assert_eq!(out.len(), n, "{out:?}");
        out
    }

    async fn post(&mut self, addr: &str, sid: &str, packets: &[&str]) {
        let body = packets.join("\x1e");
        let res = post(addr, &polling_path(Some(sid)), body.as_bytes()).await;
        assert_eq!(res.status, 200, "{:?}", res.text());
        self.packets_in += packets.len() as u64;
        self.bytes_in += body.len() as u64;
    }

    /// A polling session joined to `/`; returns its sid.
    async fn polling_socketio(&mut self, addr: &str) -> String {
        let open = self.poll(addr, None).await;
        assert_eq!(open.len(), 1, "{open:?}");
        let v: Value = serde_json::from_str(&open[0][1..]).expect("open packet JSON");
        let sid = v["sid"].as_str().expect("sid").to_string();
        self.post(addr, &sid, &["40"]).await;
        let got = self.poll_n(addr, &sid, 2).await;
        assert!(got[0].starts_with("40{"), "{got:?}");
        assert_eq!(got[1], r#"42["auth",{}]"#);
        sid
    }
}

const EVENTS: usize = 4;

async fn stats(addr: &str) -> Value {
    let res = get(addr, "/stats").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-type"), Some("application/json"));
    res.json()
}

fn export<'a>(s: &'a Value, endpoint: &str, export: &str) -> &'a Value {
    &s["handlers"]["endpoints"][endpoint]["exports"][export]
}

#[tokio::test]
async fn a_scripted_workload_is_counted_exactly() {
    let s = Server::start(&[
        "--call-deadline".to_string(),
        "200".into(),
        format!("/={}", wasm("conformance").display()),
        format!("/hostile={}", wasm("hostile").display()),
    ]);
    let addr = s.addr();
    let mut t = Tally::default();

    // Nothing yet.
    let before = stats(&addr).await;
    assert_eq!(before["sessions"]["opened"], 0);
    assert_eq!(before["packets"], json!({"in": 0, "out": 0}));

    // 3 websocket and 2 polling sessions on `/`, each sending EVENTS events
    // that the conformance handler echoes.
    let mut ws = Vec::new();
    for _ in 0..3 {
        ws.push(t.ws_socketio(&addr).await);
    }
    let mut polls = Vec::new();
    for _ in 0..2 {
        polls.push(t.polling_socketio(&addr).await);
    }
    for i in 0..EVENTS {
        for w in ws.iter_mut() {
            t.ws_send(w, &format!(r#"42["message","ws {i}"]"#)).await;
            assert_eq!(
                t.ws_recv(w).await,
                format!(r#"42["message-back","ws {i}"]"#)
            );
        }
        for sid in &polls {
            t.post(&addr, sid, &[&format!(r#"42["message","poll {i}"]"#)])
                .await;
            let got = t.poll_n(&addr, sid, 1).await;
            assert_eq!(got[0], format!(r#"42["message-back","poll {i}"]"#));
        }
    }

    // One refused connect: a namespace nobody serves.
    t.ws_send(&mut ws[0], "40/nope,").await;
    assert!(t.ws_recv(&mut ws[0]).await.starts_with("44/nope,"));

    // One trap and one deadline hit on /hostile, then it serves again.
    t.ws_send(&mut ws[0], "40/hostile,").await;
    assert!(t.ws_recv(&mut ws[0]).await.starts_with("40/hostile,"));
    t.ws_send(&mut ws[0], r#"42/hostile,["panic"]"#).await;
    t.ws_send(&mut ws[0], r#"42/hostile,["spin"]"#).await;
    t.ws_send(&mut ws[0], r#"42/hostile,1["echo","ok"]"#).await;
    assert_eq!(t.ws_recv(&mut ws[0]).await, r#"43/hostile,1["ok"]"#);

    // One parse-error close: an Engine.IO packet type that does not exist
    // (not a packet: counted in bytes only).
    let mut bad = t.ws_open(&addr).await;
    bad.send("9").await;
    t.bytes_in += 1;
    bad.expect_closed(STEP).await;

    // One client close (Engine.IO `1`) and one transport close.
    let mut w2 = ws.pop().expect("3 sockets");
    t.ws_send(&mut w2, "1").await;
    w2.expect_closed(STEP).await;
    ws.pop().expect("2 sockets").close().await;

    // Handler calls finish after their replies are sent, and closes are
    // seen asynchronously: wait until the server has caught up.
    let calls_expected = 5 + 5 * EVENTS as u64 + 2 + 1 + 3;
    let deadline = Instant::now() + STEP;
    let st = loop {
        let st = stats(&addr).await;
        if st["sessions"]["closed"] == 3 && st["handlers"]["calls"] == calls_expected {
            break st;
        }
        assert!(Instant::now() < deadline, "the stats never settled: {st:#}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };

    assert_eq!(
        st["sessions"],
        json!({
            "active": 3,
            "opened": 6,
            "closed": 3,
            "closed_by_reason": {
                "client_close": 1,
                "transport_close": 1,
                "transport_error": 0,
                "ping_timeout": 0,
                "parse_error": 1,
                "connect_timeout": 0,
                "slow_consumer": 0,
                "rate_limit": 0,
            },
        }),
        "{st:#}"
    );
    assert_eq!(
        st["connections"],
        json!({
            "by_transport": {"polling": 2, "websocket": 4},
            "by_generation": {"eio4": 6, "eio3": 0, "legacy": 0},
            "upgrades": 0,
        })
    );
    assert_eq!(
        st["namespace_connects"],
        json!({"ok": 6, "refused": 0, "unknown_namespace": 1, "refused_max_namespaces": 0})
    );
    assert_eq!(
        st["packets"],
        json!({"in": t.packets_in, "out": t.packets_out}),
        "{t:?}"
    );
    // What the script above amounts to.
    assert_eq!(t.packets_in, 11 + 5 * EVENTS as u64);
    assert_eq!(t.packets_out, 19 + 5 * EVENTS as u64);
    assert_eq!(
        st["bytes"],
        json!({"in": t.bytes_in, "out": t.bytes_out}),
        "{t:?}"
    );

    // Handler calls, per endpoint and export.
    let root = &st["handlers"]["endpoints"]["/"];
    assert_eq!(root["connects"], 5);
    assert_eq!(root["connects_refused"], 0);
    for (name, calls) in [
        ("on-connect", 5),
        ("on-event", 5 * EVENTS as u64),
        ("on-disconnect", 2),
    ] {
        let e = export(&st, "/", name);
        assert_eq!(e["calls"], calls, "{name}: {e}");
        assert_eq!(
            (&e["traps"], &e["deadlines"], &e["errors"]),
            (&json!(0), &json!(0), &json!(0))
        );
        let counted: u64 = e["latency_us"]["counts"]
            .as_array()
            .expect("counts")
            .iter()
            .map(|c| c.as_u64().expect("count"))
            .sum();
        assert_eq!(counted, calls, "{name}: the histogram holds every call");
    }
    assert_eq!(
        root["exports"].as_object().map(|m| m.len()),
        Some(3),
        "{root}"
    );
    let hostile = export(&st, "/hostile", "on-event");
    assert_eq!(hostile["calls"], 3);
    assert_eq!(hostile["traps"], 1);
    assert_eq!(hostile["deadlines"], 1);
    assert_eq!(hostile["errors"], 0);
    assert_eq!(export(&st, "/hostile", "on-connect")["calls"], 1);
    assert_eq!(st["handlers"]["traps"], 1);
    assert_eq!(st["handlers"]["deadlines"], 1);
    // The deadline hit took at least the 200 ms deadline: a bucket from 250 ms up.
    let slow: u64 = hostile["latency_us"]["bounds"]
        .as_array()
        .expect("bounds")
        .iter()
        .zip(hostile["latency_us"]["counts"].as_array().expect("counts"))
        .filter(|(b, _)| b.as_u64().expect("bound") >= 250_000)
        .map(|(_, c)| c.as_u64().expect("count"))
        .sum::<u64>()
        + hostile["latency_us"]["counts"]
            .as_array()
            .and_then(|c| c.last())
            .and_then(Value::as_u64)
            .expect("+Inf bucket");
    assert!(slow >= 1, "{hostile}");

    assert_eq!(st["reloads"], json!({"ok": 0, "refused": 0}));
    assert_eq!(st["slow_consumer_disconnects"], 0);
    assert_eq!(st["outbound_queue_depth"], 0);
    assert_eq!(st["rates"]["window_seconds"], 10);
    for what in [
        "packets_in",
        "packets_out",
        "bytes_in",
        "bytes_out",
        "sessions_opened",
        "handler_calls",
    ] {
        let r = &st["rates"][what];
        assert!(
            r["per_second"].as_f64().is_some_and(|v| v >= 0.0),
            "{what}: {r}"
        );
        assert!(
            r["per_minute"].as_f64().is_some_and(|v| v >= 0.0),
            "{what}: {r}"
        );
    }

    // /metrics parses, and says what /stats says.
    let res = get(&addr, "/metrics").await;
    assert_eq!(res.status, 200);
    assert!(
        res.header("content-type")
            .is_some_and(|v| v.starts_with("text/plain; version=0.0.4")),
        "{:?}",
        res.header("content-type")
    );
    let text = res.text();
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string())))
        .unwrap_or_else(|e| panic!("/metrics does not parse ({e}):\n{text}"));
    let value = |metric: &str, labels: &[(&str, &str)]| -> f64 {
        let found: Vec<f64> = scrape
            .samples
            .iter()
            .filter(|s| s.metric == metric)
            .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .filter_map(|s| match s.value {
                prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Untyped(v) => Some(v),
                _ => None,
            })
            .collect();
        assert_eq!(found.len(), 1, "{metric} {labels:?} in:\n{text}");
        found[0]
    };
    let n = |v: &Value| v.as_u64().expect("a count") as f64;
    // Counters do not move while nobody talks to the server.
    assert_eq!(
        value("sio_sessions_active", &[]),
        n(&st["sessions"]["active"])
    );
    assert_eq!(
        value("sio_sessions_opened_total", &[]),
        n(&st["sessions"]["opened"])
    );
    for (reason, count) in st["sessions"]["closed_by_reason"]
        .as_object()
        .expect("reasons")
    {
        assert_eq!(
            value("sio_sessions_closed_total", &[("reason", reason)]),
            n(count)
        );
    }
    for transport in ["polling", "websocket"] {
        assert_eq!(
            value("sio_connections_total", &[("transport", transport)]),
            n(&st["connections"]["by_transport"][transport])
        );
    }
    assert_eq!(value("sio_packets_in_total", &[]), n(&st["packets"]["in"]));
    assert_eq!(
        value("sio_packets_out_total", &[]),
        n(&st["packets"]["out"])
    );
    assert_eq!(value("sio_bytes_in_total", &[]), n(&st["bytes"]["in"]));
    assert_eq!(value("sio_bytes_out_total", &[]), n(&st["bytes"]["out"]));
    assert_eq!(value("sio_reloads_ok_total", &[]), 0.0);
    assert_eq!(value("sio_reloads_refused_total", &[]), 0.0);
    assert_eq!(value("sio_slow_consumer_disconnects_total", &[]), 0.0);
    assert_eq!(value("sio_outbound_queue_depth", &[]), 0.0);
    assert_eq!(value("sio_unknown_namespace_total", &[]), 1.0);
    assert_eq!(
        value(
            "sio_handler_failures_total",
            &[
                ("endpoint", "/hostile"),
                ("export", "on-event"),
                ("kind", "trap")
            ]
        ),
        1.0
    );
    assert_eq!(
        value(
            "sio_handler_failures_total",
            &[
                ("endpoint", "/hostile"),
                ("export", "on-event"),
                ("kind", "deadline")
            ]
        ),
        1.0
    );
    // The histograms: the +Inf bucket holds every call.
    let mut histograms = HashMap::new();
    for sample in &scrape.samples {
        if let prometheus_parse::Value::Histogram(buckets) = &sample.value
            && sample.metric == "sio_handler_call_seconds"
        {
            let key = (
                sample
                    .labels
                    .get("endpoint")
                    .unwrap_or_default()
                    .to_string(),
                sample.labels.get("export").unwrap_or_default().to_string(),
            );
            let total = buckets
                .iter()
                .find(|b| b.less_than.is_infinite())
                .map(|b| b.count)
                .expect("a +Inf bucket");
            histograms.insert(key, total);
        }
    }
    for (endpoint, exports) in st["handlers"]["endpoints"].as_object().expect("endpoints") {
        for (name, e) in exports["exports"].as_object().expect("exports") {
            assert_eq!(
                histograms.get(&(endpoint.clone(), name.clone())),
                Some(&n(&e["calls"])),
                "{endpoint} {name}"
            );
        }
    }
    assert_eq!(histograms.len(), 5, "{histograms:?}");
}

/// `sio-host reload ENDPOINT --admin-file ADMIN` succeeded.
fn reload(admin: &std::path::Path, endpoint: &str) -> bool {
    std::process::Command::new(sio_e2e::host_bin())
        .arg("reload")
        .arg("--admin-file")
        .arg(admin)
        .arg(endpoint)
        .output()
        .expect("running sio-host reload")
        .status
        .success()
}

#[tokio::test]
async fn reloads_are_counted_ok_and_refused() {
    let dir = std::env::temp_dir().join(format!("sio-stats-reload-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("counter.wasm");
    let admin = dir.join("admin.json");
    let install = |name: &str| {
        let tmp = file.with_extension("tmp");
        std::fs::copy(wasm(name), &tmp).expect("copy");
        std::fs::rename(&tmp, &file).expect("rename");
    };
    install("counter_a");
    let s = Server::start(&[
        "--admin-file".to_string(),
        admin.display().to_string(),
        format!("/={}", file.display()),
    ]);
    let addr = s.addr();

    // An explicit reload swaps even the same build in.
    assert!(reload(&admin, "/"));
    assert_eq!(
        stats(&addr).await["reloads"],
        json!({"ok": 1, "refused": 0})
    );
    // A new build goes in.
    install("counter_b");
    assert!(reload(&admin, "/"));
    // A build that refuses the running version's state, and an endpoint
    // that does not exist.
    install("counter_broken");
    assert!(!reload(&admin, "/"));
    assert!(!reload(&admin, "/nope"));

    let st = stats(&addr).await;
    assert_eq!(st["reloads"], json!({"ok": 2, "refused": 2}));
    let text = get(&addr, "/metrics").await.text();
    assert!(text.contains("\nsio_reloads_ok_total 2\n"), "{text}");
    assert!(text.contains("\nsio_reloads_refused_total 2\n"), "{text}");

    // The admin endpoint serves the same, behind its token.
    let file: Value =
        serde_json::from_slice(&std::fs::read(&admin).expect("admin file")).expect("admin JSON");
    let admin_addr = file["admin"].as_str().expect("admin address");
    let bearer = format!("Bearer {}", file["token"].as_str().expect("token"));
    let res = sio_e2e::http(admin_addr, "GET", "/stats", &[], b"").await;
    assert_eq!(res.status, 401);
    let auth = [("Authorization", bearer.as_str())];
    let res = sio_e2e::http(admin_addr, "GET", "/stats", &auth, b"").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["reloads"], json!({"ok": 2, "refused": 2}));
    let res = sio_e2e::http(admin_addr, "GET", "/metrics", &auth, b"").await;
    assert_eq!(res.status, 200);
    assert!(res.text().contains("\nsio_reloads_ok_total 2\n"));
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn upgrades_and_generations_are_counted() {
    let s = Server::start(&[format!("/={}", wasm("conformance").display())]);
    let addr = s.addr();
    let mut t = Tally::default();

    // A polling session upgraded to websocket.
    let sid = t.polling_socketio(&addr).await;
    let mut ws = Ws::connect_url(&ws_url(&addr, Some(&sid)))
        .await
        .unwrap_or_else(|e| panic!("WebSocket connect: {e}"));
    ws.send("2probe").await;
    assert_eq!(ws.recv().await.text(), "3probe");
    ws.send("5").await;
    sio_e2e::assert_echo(&mut ws, "upgraded").await;

    // An Engine.IO 3 session.
    let res = get(&addr, "/socket.io/?EIO=3&transport=polling&b64=1").await;
    assert_eq!(res.status, 200, "{:?}", res.text());

    let st = stats(&addr).await;
    assert_eq!(
        st["connections"],
        json!({
            "by_transport": {"polling": 2, "websocket": 0},
            "by_generation": {"eio4": 1, "eio3": 1, "legacy": 0},
            "upgrades": 1,
        })
    );
    assert_eq!(st["sessions"]["active"], 2);
}

#[tokio::test]
async fn handlers_read_the_stats_through_the_host() {
    let s = Server::start(&[format!("/hostile={}", wasm("hostile").display())]);
    let addr = s.addr();
    let (mut ws, _) = Ws::open(&addr).await;
    ws.send("40/hostile,").await;
    assert!(ws.recv().await.text().starts_with("40/hostile,"));
    ws.send(r#"42/hostile,1["stats"]"#).await;
    let reply = ws.recv().await.text();
    let args: Value = serde_json::from_str(
        reply
            .strip_prefix("43/hostile,1")
            .unwrap_or_else(|| panic!("{reply}")),
    )
    .expect("ack JSON");
    let doc = &args[0];
    assert_eq!(doc["sessions"]["opened"], 1, "{doc:#}");
    assert_eq!(doc["namespace_connects"]["ok"], 1);
    // The call asking is not finished, so not yet counted.
    assert_eq!(doc["handlers"]["calls"], 1);
    assert_eq!(
        doc["handlers"]["endpoints"]["/hostile"]["exports"]["on-connect"]["calls"],
        1
    );
}

#[tokio::test]
async fn stats_admin_only_keeps_them_off_the_main_listener() {
    let dir = std::env::temp_dir().join(format!("sio-stats-admin-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let admin = dir.join("admin.json");
    let s = Server::start(&[
        "--stats-admin-only".to_string(),
        "--admin-file".to_string(),
        admin.display().to_string(),
        format!("/={}", wasm("conformance").display()),
    ]);
    let addr = s.addr();
    assert_eq!(get(&addr, "/stats").await.status, 404);
    assert_eq!(get(&addr, "/metrics").await.status, 404);
    let file: Value =
        serde_json::from_slice(&std::fs::read(&admin).expect("admin file")).expect("admin JSON");
    let bearer = format!("Bearer {}", file["token"].as_str().expect("token"));
    let admin_addr = file["admin"].as_str().expect("admin address");
    let auth = [("Authorization", bearer.as_str())];
    let res = sio_e2e::http(admin_addr, "GET", "/stats", &auth, b"").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["sessions"]["opened"], 0);
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}

//! What one client may take: sessions at once (`--max-connections`,
//! `--max-connections-per-ip`) and events per second
//! (`--max-events-per-second`, `--rate-limit-grace`). A handshake past a cap
//! gets the protocol's refusal (Engine.IO: 403 `Forbidden`; protocol 1:
//! 403 `handshake unauthorized`); a client over its rate is read more
//! slowly, loses nothing, and is disconnected only when it stays over the
//! rate past the grace. `/stats` shows the caps and what they refused.

use std::time::{Duration, Instant};

use serde_json::Value;
use sio_e2e::{HttpResponse, Polling, STEP, Server, Ws, get, polling_path, wasm};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn server(extra: &[&str]) -> Server {
    let mut args: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    args.push(format!("/={}", wasm("conformance").display()));
    Server::start(&args)
}

async fn stats(addr: &str) -> Value {
    get(addr, "/stats").await.json()
}

#[track_caller]
fn assert_forbidden(res: &HttpResponse) {
    assert_eq!(res.status, 403, "{:?}", res.text());
    assert_eq!(
        res.json(),
        serde_json::json!({"code": 4, "message": "Forbidden"})
    );
}

#[tokio::test]
async fn handshakes_past_max_connections_are_forbidden_until_a_session_leaves() {
    let s = server(&["--max-connections", "2"]);
    let a = s.addr();
    let first = Polling::open(&a).await;
    let _second = Polling::open(&a).await;
    // Polling and websocket handshakes alike.
    assert_forbidden(&get(&a, &polling_path(None)).await);
    let ws = Ws::connect_url(&format!("ws://{a}/socket.io/?EIO=4&transport=websocket")).await;
    assert!(ws.is_err(), "a websocket past the cap must be refused");
    // Protocol 1's handshake.
    let res = get(&a, "/socket.io/1/").await;
    assert_eq!(res.status, 403);
    assert_eq!(res.text(), "handshake unauthorized");

    // A session that leaves gives its place back.
    first.post("1").await;
    let deadline = Instant::now() + STEP;
    while stats(&a).await["sessions"]["active"] != 1 {
        assert!(Instant::now() < deadline, "the closed session still counts");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _third = Polling::open(&a).await;

    let st = stats(&a).await;
    assert_eq!(st["limits"]["max_connections"], 2, "{st:#}");
    assert_eq!(st["limits"]["refused"]["max_connections"], 3, "{st:#}");
}

/// A GET from a given loopback source address (the server sees its IP).
async fn get_from(source: [u8; 4], addr: &str, target: &str) -> (u16, String) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket
        .bind((std::net::Ipv4Addr::from(source), 0).into())
        .unwrap();
    let mut stream = socket.connect(addr.parse().unwrap()).await.unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(STEP, stream.read_to_end(&mut answer))
        .await
        .expect("an answer")
        .unwrap();
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

#[tokio::test]
async fn each_client_ip_holds_at_most_max_connections_per_ip() {
    let s = server(&["--max-connections-per-ip", "1"]);
    let a = s.addr();
    let path = polling_path(None);
    let (status, text) = get_from([127, 0, 0, 1], &a, &path).await;
    assert_eq!(status, 200, "{text}");
    let (status, text) = get_from([127, 0, 0, 1], &a, &path).await;
    assert_eq!(status, 403, "{text}");
    assert!(
        text.contains(r#"{"code":4,"message":"Forbidden"}"#),
        "{text}"
    );
    // Another address has a place of its own.
    let (status, text) = get_from([127, 0, 0, 2], &a, &path).await;
    assert_eq!(status, 200, "{text}");
    let st = stats(&a).await;
    assert_eq!(st["limits"]["max_connections_per_ip"], 1, "{st:#}");
    assert_eq!(
        st["limits"]["refused"]["max_connections_per_ip"], 1,
        "{st:#}"
    );
    assert_eq!(st["limits"]["refused"]["max_connections"], 0, "{st:#}");
}

/// Send `n` acked events at once; every ack, in order, and how long it took.
async fn burst(ws: &mut Ws, n: u64) -> Duration {
    let started = Instant::now();
    for id in 0..n {
        ws.send(&format!(r#"42{id}["message-with-ack",{id}]"#))
            .await;
    }
    for id in 0..n {
        assert_eq!(ws.recv_skip_pings().await.text(), format!("43{id}[{id}]"));
    }
    started.elapsed()
}

/// 300 events at 100 a second: the first 100 pass at once (a second's
/// worth of burst), the rest as the rate allows. None is lost, all stay in
/// order, and the client is not disconnected within the grace.
#[tokio::test]
async fn a_client_over_its_event_rate_is_read_slower_and_loses_nothing() {
    let s = server(&["--max-events-per-second", "100"]);
    let a = s.addr();
    let mut ws = Ws::socketio(&a).await;
    let took = burst(&mut ws, 300).await;
    // A lower bound only: the rate allows 200 more events in 2 s at best.
    assert!(
        took >= Duration::from_millis(1500),
        "300 events took {took:?}"
    );
    let st = stats(&a).await;
    assert!(
        st["limits"]["events_over_rate"].as_u64() > Some(0),
        "{st:#}"
    );
    assert_eq!(st["limits"]["max_events_per_second"], 100, "{st:#}");
    assert_eq!(st["sessions"]["active"], 1, "{st:#}");
    eprintln!("[limits] 300 events at 100/s took {took:.2?}");
}

/// A client that keeps sending faster than its rate is disconnected once
/// it has been over it for the grace (reason `rate limit`, counted).
#[tokio::test]
async fn a_client_over_its_rate_past_the_grace_is_disconnected() {
    let s = server(&["--max-events-per-second", "20", "--rate-limit-grace", "500"]);
    let a = s.addr();
    let mut ws = Ws::socketio(&a).await;
    // 200 events a second against 20 allowed, until the server hangs up.
    let started = Instant::now();
    for id in 0..2_000u64 {
        if !ws.try_send(&format!(r#"42["message",{id}]"#)).await {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // A lower bound only: a client is cut off after the grace, not before.
    assert!(started.elapsed() >= Duration::from_millis(500));
    let st = async {
        let deadline = Instant::now() + STEP;
        loop {
            let st = stats(&a).await;
            if st["sessions"]["closed_by_reason"]["rate_limit"] == 1 {
                return st;
            }
            assert!(Instant::now() < deadline, "not disconnected: {st:#}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    .await;
    assert_eq!(st["sessions"]["active"], 0, "{st:#}");
}

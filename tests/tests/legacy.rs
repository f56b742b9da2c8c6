//! Raw wire tests of Socket.IO protocol 1 (socket.io-client 0.7-0.9,
//! TornadIO2's clients) against the real `sio-host` binary: the conformance
//! handler on `/` and the chat handler on `/chat`, so that one connection
//! multiplexes two endpoints onto two components.
//!
//! The expected answers are the socket.io 0.9 server's and TornadIO2's
//! (docs/legacy-protocol.md); the payload framing is decoded here with the
//! test's own UTF-16 code, independently of the host's codec.
//!
//! Timers are short so that the timeouts can be seen: heartbeat every
//! 300 ms, heartbeat timeout 2 s, close timeout 3 s, polls answered empty
//! after 1 s.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use sio_e2e::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

const FRAME: char = '\u{fffd}';

fn legacy_args(extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "--legacy-heartbeat-interval",
        "300",
        "--legacy-heartbeat-timeout",
        "2000",
        "--legacy-close-timeout",
        "3000",
        "--legacy-polling-duration",
        "1000",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push(format!("/={}", wasm("conformance").display()));
    args.push(format!("/chat={}", wasm("chat").display()));
    args
}

fn server() -> Server {
    Server::start(&legacy_args(&[]))
}

/// `\u{fffd}<len>\u{fffd}<packet>` for each packet, lengths in UTF-16 units.
fn frame(packets: &[&str]) -> String {
    packets
        .iter()
        .map(|p| format!("{FRAME}{}{FRAME}{p}", p.encode_utf16().count()))
        .collect()
}

/// The packets of a payload: one unframed packet, or framed ones.
fn unframe(body: &str) -> Vec<String> {
    if body.is_empty() {
        return Vec::new();
    }
    let units: Vec<u16> = body.encode_utf16().collect();
    let marker = FRAME as u16;
    if units[0] != marker {
        return vec![body.to_string()];
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < units.len() {
        assert_eq!(units[i], marker, "frame marker expected in {body:?}");
        let end = (i + 1..units.len())
            .find(|&j| units[j] == marker)
            .unwrap_or_else(|| panic!("unterminated length in {body:?}"));
        let len: usize = String::from_utf16(&units[i + 1..end])
            .unwrap()
            .parse()
            .unwrap_or_else(|e| panic!("bad length in {body:?}: {e}"));
        let start = end + 1;
        out.push(
            String::from_utf16(&units[start..start + len]).expect("frame cuts a surrogate pair"),
        );
        i = start + len;
    }
    out
}

/// A protocol-1 client over xhr-polling, by hand.
struct Legacy {
    addr: String,
    sid: String,
}

impl Legacy {
    async fn handshake(addr: &str) -> Legacy {
        let res = get(addr, "/socket.io/1/?t=1").await;
        assert_eq!(res.status, 200, "{}", res.text());
        let body = res.text();
        let sid = body.split(':').next().unwrap().to_string();
        Legacy {
            addr: addr.to_string(),
            sid,
        }
    }

    fn path(&self, transport: &str) -> String {
        format!("/socket.io/1/{transport}/{}", self.sid)
    }

    /// One GET: the packets it carried.
    async fn poll(&self) -> Vec<String> {
        let res = get(&self.addr, &format!("{}?t=2", self.path("xhr-polling"))).await;
        assert_eq!(res.status, 200, "{}", res.text());
        unframe(&res.text())
    }

    async fn post(&self, packets: &[&str]) {
        let body = if packets.len() == 1 {
            packets[0].to_string()
        } else {
            frame(packets)
        };
        let res = post(
            &self.addr,
            &format!("{}?t=3", self.path("xhr-polling")),
            body.as_bytes(),
        )
        .await;
        assert_eq!((res.status, res.text()), (200, "1".to_string()));
    }

    /// Polls until every packet of `wanted` arrived (in any order, noops
    /// and heartbeats aside); returns everything seen.
    async fn expect(&self, wanted: &[&str]) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut seen = Vec::new();
        while !wanted.iter().all(|w| seen.iter().any(|s: &String| s == w)) {
            assert!(Instant::now() < deadline, "wanted {wanted:?}, got {seen:?}");
            seen.extend(
                self.poll()
                    .await
                    .into_iter()
                    .filter(|p| p != "8::" && p != "2::"),
            );
        }
        seen
    }

    /// Handshake, first poll (`1::` and the conformance handler's `auth`).
    async fn connect(addr: &str) -> Legacy {
        let client = Legacy::handshake(addr).await;
        client
            .expect(&["1::", r#"5:::{"name":"auth","args":[{}]}"#])
            .await;
        client
    }
}

#[tokio::test]
async fn handshake_answers_and_odd_cases() {
    let srv = Server::start(&legacy_args(&["--cors-origin", "http://allowed.example"]));
    let addr = srv.addr();

    let res = get(&addr, "/socket.io/1/?t=1234").await;
    assert_eq!(res.status, 200);
    assert!(
        res.header("content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    let body = res.text();
    let fields: Vec<&str> = body.split(':').collect();
    assert_eq!(fields.len(), 4, "{body}");
    assert!(!fields[0].is_empty() && !fields[0].contains('/'));
    assert_eq!(
        &fields[1..],
        ["2", "3", "websocket,htmlfile,xhr-polling,jsonp-polling"]
    );

    // JSONP form.
    let res = get(&addr, "/socket.io/1/?t=1&jsonp=3").await;
    let body = res.text();
    assert!(
        body.starts_with("io.j[3](\"")
            && body.ends_with(":2:3:websocket,htmlfile,xhr-polling,jsonp-polling\");"),
        "{body}"
    );
    assert!(res.header("content-type").unwrap().contains("javascript"));

    // CORS: an allowed origin is reflected with credentials; another one is
    // refused at the handshake (plain and JSONP).
    let allowed = http(
        &addr,
        "GET",
        "/socket.io/1/",
        &[("Origin", "http://allowed.example")],
        b"",
    )
    .await;
    assert_eq!(allowed.status, 200);
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("http://allowed.example")
    );
    assert_eq!(
        allowed.header("access-control-allow-credentials"),
        Some("true")
    );
    let refused = http(
        &addr,
        "GET",
        "/socket.io/1/",
        &[("Origin", "http://evil.example")],
        b"",
    )
    .await;
    assert_eq!(
        (refused.status, refused.text()),
        (403, "handshake bad origin".to_string())
    );
    let refused = http(
        &addr,
        "GET",
        "/socket.io/1/?jsonp=0",
        &[("Origin", "http://evil.example")],
        b"",
    )
    .await;
    assert_eq!(
        (refused.status, refused.text()),
        (
            200,
            r#"io.j[0](new Error("handshake bad origin"));"#.to_string()
        )
    );

    // No protocol, another protocol.
    for path in [
        "/socket.io/",
        "/socket.io",
        "/socket.io/?t=5",
        "/socket.io/foo/",
    ] {
        let res = get(&addr, path).await;
        assert_eq!(
            (res.status, res.text()),
            (200, "Welcome to socket.io.".to_string()),
            "{path}"
        );
    }
    let res = get(&addr, "/socket.io/2/?t=1").await;
    assert_eq!(
        (res.status, res.text()),
        (500, "Protocol version not supported.".to_string())
    );

    // Unknown session: `7:::1+0` in each transport's form; POSTs dropped.
    let res = get(&addr, "/socket.io/1/xhr-polling/nope?t=1").await;
    assert_eq!((res.status, res.text()), (200, "7:::1+0".to_string()));
    let res = get(&addr, "/socket.io/1/jsonp-polling/nope?t=1&i=2").await;
    assert_eq!(res.text(), r#"io.j[2]("7:::1+0");"#);
    let res = get(&addr, "/socket.io/1/htmlfile/nope?t=1").await;
    assert!(
        res.text().ends_with(r#"<script>_("7:::1+0");</script>"#),
        "{}",
        res.text()
    );
    let res = post(&addr, "/socket.io/1/xhr-polling/nope?t=1", b"3:::x").await;
    assert_eq!((res.status, res.text()), (200, "1".to_string()));
    let mut ws = Ws::connect_url(&format!("ws://{addr}/socket.io/1/websocket/nope"))
        .await
        .unwrap();
    assert_eq!(ws.recv().await.text(), "7:::1+0");
    ws.expect_closed(Duration::from_secs(5)).await;

    // A transport not offered (flashsocket is off by default) or unknown.
    assert_eq!(
        get(&addr, "/socket.io/1/flashsocket/nope").await.status,
        404
    );
    assert_eq!(
        get(&addr, "/socket.io/1/carrier-pigeon/nope").await.status,
        404
    );

    // `?disconnect=1`, even with the empty transport of the client's
    // synchronous disconnect: 200, the session ends.
    assert_eq!(
        get(&addr, "/socket.io/1//nope/?disconnect=1").await.status,
        200
    );
    let client = Legacy::connect(&addr).await;
    let res = get(
        &addr,
        &format!("/socket.io/1//{}/?disconnect=1&t=9", client.sid),
    )
    .await;
    assert_eq!((res.status, res.text()), (200, String::new()));
    assert_eq!(client.poll().await, ["7:::1+0"]);

    // A protocol-1 session id means nothing to Engine.IO requests.
    let other = Legacy::connect(&addr).await;
    let res = get(
        &addr,
        &format!("/socket.io/?EIO=4&transport=polling&sid={}", other.sid),
    )
    .await;
    assert_eio_error(&res, 1, "Session ID unknown");

    // The stats count these sessions as their own generation.
    let stats = get(&addr, "/stats").await.json();
    let legacy = stats["connections"]["by_generation"]["legacy"]
        .as_u64()
        .unwrap();
    assert!(legacy >= 4, "{stats:#}");
    assert_eq!(stats["connections"]["by_generation"]["eio4"], 0);
}

#[tokio::test]
async fn xhr_polling_events_acks_messages_and_two_endpoints() {
    let srv = server();
    let addr = srv.addr();
    let client = Legacy::connect(&addr).await;

    // Client -> server events: a data ack answered by the handler, a plain
    // id acknowledged by the server itself.
    client
        .post(&[
            r#"5:1+::{"name":"message-with-ack","args":[1,"two"]}"#,
            r#"5:2::{"name":"message","args":["hi"]}"#,
        ])
        .await;
    client
        .expect(&[
            r#"6:::1+[1,"two"]"#,
            "6:::2",
            r#"5:::{"name":"message-back","args":["hi"]}"#,
        ])
        .await;

    // A second endpoint on the same connection, served by another component.
    client.post(&["1::/chat"]).await;
    client.expect(&["1::/chat"]).await;
    client
        .post(&[r#"5:1+:/chat:{"name":"nick","args":["ann"]}"#])
        .await;
    client
        .expect(&[
            r#"6::/chat:1+[{"ok":true}]"#,
            r#"5::/chat:{"name":"joined","args":[{"nick":"ann"}]}"#,
        ])
        .await;

    // Message packets reach on-message (the chat broadcasts them), with an
    // automatic ack for an id.
    client.post(&["3:2:/chat:hello there"]).await;
    client
        .expect(&[
            "6::/chat:2",
            r#"5::/chat:{"name":"said","args":[{"nick":"ann","text":"hello there"}]}"#,
        ])
        .await;

    // Server -> client ack: the chat's ping is an emit-with-ack (`id+`);
    // the client's answer comes back as pong-received.
    client
        .post(&[r#"5:3+:/chat:{"name":"ping-me","args":[]}"#])
        .await;
    let is_ping = |p: &String| p.ends_with(r#":/chat:{"name":"ping"}"#);
    let mut seen = client.expect(&[r#"6::/chat:3+[{"ok":true}]"#]).await;
    while !seen.iter().any(is_ping) {
        seen.extend(client.poll().await);
    }
    let ping = seen.into_iter().find(is_ping).unwrap();
    let id = ping
        .strip_prefix("5:")
        .unwrap()
        .split('+')
        .next()
        .unwrap()
        .to_string();
    client.post(&[&format!(r#"6::/chat:{id}+["pong"]"#)]).await;
    client
        .expect(&[r#"5::/chat:{"name":"pong-received","args":["pong"]}"#])
        .await;

    // Leaving one endpoint keeps the other.
    client.post(&["0::/chat"]).await;
    client
        .post(&[r#"5:4+::{"name":"message-with-ack","args":["still"]}"#])
        .await;
    client.expect(&[r#"6:::4+["still"]"#]).await;

    // A refused endpoint join: an error packet, reason unauthorized.
    client.post(&["1::/chat?token=bad"]).await;
    client.expect(&["7::/chat:2"]).await;
    // An endpoint nobody serves: the same answer.
    client.post(&["1::/nobody"]).await;
    client.expect(&["7::/nobody:2"]).await;

    // `0::` ends the session.
    client.post(&["0::"]).await;
    assert_eq!(client.poll().await, ["7:::1+0"]);
}

#[tokio::test]
async fn framing_counts_utf16_units_and_nothing_is_lost_between_polls() {
    let srv = server();
    let addr = srv.addr();
    let client = Legacy::connect(&addr).await;

    // Emoji (two UTF-16 units each), CJK and accents, framed both ways.
    let texts = ["😀🎉", "世界", "é\u{2028}ü", "a:b\u{fffd}c"];
    let packets: Vec<String> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            format!(
                r#"5:{}+::{{"name":"message-with-ack","args":["{t}"]}}"#,
                i + 1
            )
        })
        .collect();
    let refs: Vec<&str> = packets.iter().map(String::as_str).collect();
    // No poll is attached while they are sent: the answers wait in order.
    client.post(&refs).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let res = get(&addr, &client.path("xhr-polling")).await;
    let body = res.text();
    let got = unframe(&body);
    let wanted: Vec<String> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| format!(r#"6:::{}+["{t}"]"#, i + 1))
        .collect();
    assert_eq!(got, wanted, "body {body:?}");
    // The first frame's length is what JavaScript's .length says.
    assert!(body.starts_with(&format!(
        "{FRAME}{}{FRAME}",
        wanted[0].encode_utf16().count()
    )));

    // A length cut inside a surrogate pair is refused.
    let cut = format!("{FRAME}5{FRAME}3:::😀x");
    let res = post(&addr, &client.path("xhr-polling"), cut.as_bytes()).await;
    assert_eq!(res.status, 400);

    // JSONP: the GET is a script with the payload as a JS string, the POST
    // a form whose `d` is a JSON string literal.
    let other = Legacy::connect(&addr).await;
    let form = format!(
        "d={}",
        form_encode(
            &serde_json::to_string(&frame(&[
                r#"5:1+::{"name":"message-with-ack","args":["</script>\n😀"]}"#
            ]))
            .unwrap()
        )
    );
    let res = http(
        &addr,
        "POST",
        &format!("{}?t=1&i=1", other.path("jsonp-polling")),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form.as_bytes(),
    )
    .await;
    assert_eq!((res.status, res.text()), (200, "1".to_string()));
    let res = get(&addr, &format!("{}?t=2&i=1", other.path("jsonp-polling"))).await;
    assert_eq!(res.header("x-xss-protection"), Some("0"));
    assert_eq!(res.text(), r#"io.j[1]("6:::1+[\"\u003c/script>\\n😀\"]");"#);
}

fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn polling_duration_close_timeout_and_malformed_packets() {
    let srv = server();
    let addr = srv.addr();
    let client = Legacy::connect(&addr).await;
    let bystander = Legacy::connect(&addr).await;

    // A poll with nothing to carry is answered `8::` after the polling
    // duration.
    assert_eq!(client.poll().await, ["8::"]);

    // A malformed packet: a clear refusal, that session ends, the other
    // session goes on.
    let res = post(&addr, &client.path("xhr-polling"), b"9:::what").await;
    assert_eq!(res.status, 400, "{}", res.text());
    assert!(res.text().contains("unknown packet type"), "{}", res.text());
    assert_eq!(client.poll().await, ["7:::1+0"]);
    bystander
        .post(&[r#"5:1+::{"name":"message-with-ack","args":["ok"]}"#])
        .await;
    bystander.expect(&[r#"6:::1+["ok"]"#]).await;

    // No request for the close timeout (3 s): the session is gone.
    let quiet = Legacy::handshake(&addr).await;
    // Meanwhile the bystander polls (each poll waits up to 1 s).
    let until = Instant::now() + Duration::from_millis(4500);
    while Instant::now() < until {
        bystander.poll().await;
    }
    assert_eq!(quiet.poll().await, ["7:::1+0"]);
    // Polled all along, the bystander is still there.
    bystander
        .post(&[r#"5:2+::{"name":"message-with-ack","args":["still"]}"#])
        .await;
    let res = get(&addr, &bystander.path("xhr-polling")).await;
    assert_ne!(res.text(), "7:::1+0");
}

/// A websocket (or flashsocket) session: `1::` and the `auth` event read.
async fn ws_connect(addr: &str, transport: &str) -> Ws {
    let client = Legacy::handshake(addr).await;
    let mut ws = Ws::connect_url(&format!("ws://{addr}{}?t=1", client.path(transport)))
        .await
        .unwrap();
    assert_eq!(ws.recv().await.text(), "1::");
    assert_eq!(ws.recv().await.text(), r#"5:::{"name":"auth","args":[{}]}"#);
    ws
}

/// The next packet that is not a heartbeat (answered).
async fn ws_next(ws: &mut Ws) -> String {
    loop {
        let text = ws.recv().await.text();
        if text == "2::" {
            ws.send("2::").await;
            continue;
        }
        return text;
    }
}

#[tokio::test]
async fn websocket_heartbeats_events_and_heartbeat_timeout() {
    let srv = server();
    let addr = srv.addr();
    let mut ws = ws_connect(&addr, "websocket").await;

    ws.send(r#"5:1+::{"name":"message-with-ack","args":["世界😀"]}"#)
        .await;
    assert_eq!(ws_next(&mut ws).await, r#"6:::1+["世界😀"]"#);
    ws.send("1::/chat").await;
    assert_eq!(ws_next(&mut ws).await, "1::/chat");

    // The server sends heartbeats; answered, the session stays.
    let mut heartbeats = 0;
    let until = Instant::now() + Duration::from_millis(2500);
    while Instant::now() < until {
        match tokio::time::timeout(Duration::from_millis(500), ws.inner.next()).await {
            Ok(Some(Ok(Message::Text(t)))) if t.as_str() == "2::" => {
                heartbeats += 1;
                ws.send("2::").await;
            }
            Ok(Some(Ok(_))) | Err(_) => {}
            Ok(other) => panic!("socket ended while heartbeats were answered: {other:?}"),
        }
    }
    assert!(heartbeats >= 2, "{heartbeats} heartbeats");

    // Unanswered, the session ends within the heartbeat timeout.
    let started = Instant::now();
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.inner.next()).await {
            Ok(Some(Ok(Message::Text(_)))) => continue,
            Ok(Some(Ok(Message::Close(_))) | None | Some(Err(_))) => break,
            Ok(Some(Ok(_))) => continue,
            Err(_) => panic!("no close within 5 s of the last heartbeat answer"),
        }
    }
    assert!(started.elapsed() < Duration::from_secs(5));

    // A malformed packet closes that websocket only.
    let mut bad = ws_connect(&addr, "websocket").await;
    let mut good = ws_connect(&addr, "websocket").await;
    bad.send("5:::not json").await;
    bad.expect_closed(Duration::from_secs(5)).await;
    good.send(r#"5:1+::{"name":"message-with-ack","args":[]}"#)
        .await;
    assert_eq!(ws_next(&mut good).await, "6:::1");
}

#[tokio::test]
async fn flashsocket_and_the_policy_server() {
    // A free port for the policy server.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let port = port.to_string();
    let srv = Server::start(&legacy_args(&[
        "--legacy-transports",
        "websocket,flashsocket,xhr-polling",
        "--flash-policy-port",
        &port,
    ]));
    let addr = srv.addr();
    let res = get(&addr, "/socket.io/1/").await;
    assert!(
        res.text().ends_with(":websocket,flashsocket,xhr-polling"),
        "{}",
        res.text()
    );

    let mut ws = ws_connect(&addr, "flashsocket").await;
    ws.send(r#"5:1+::{"name":"message-with-ack","args":["flash"]}"#)
        .await;
    assert_eq!(ws_next(&mut ws).await, r#"6:::1+["flash"]"#);
    // htmlfile is not offered here.
    assert_eq!(get(&addr, "/socket.io/1/htmlfile/x").await.status, 404);

    let policy = async {
        let mut s = TcpStream::connect(format!("127.0.0.1:{port}"))
            .await
            .unwrap();
        s.write_all(b"<policy-file-request/>\0").await.unwrap();
        let mut answer = Vec::new();
        s.read_to_end(&mut answer).await.unwrap();
        answer
    };
    let answer = tokio::time::timeout(Duration::from_secs(5), policy)
        .await
        .unwrap();
    let text = String::from_utf8(answer).unwrap();
    assert!(text.starts_with("<?xml version=\"1.0\"?>"), "{text}");
    assert!(
        text.contains(r#"<allow-access-from domain="*" to-ports="*"/>"#),
        "{text}"
    );
    assert!(text.ends_with("</cross-domain-policy>\0"), "{text:?}");

    // Anything else is closed unanswered.
    let mut s = TcpStream::connect(format!("127.0.0.1:{port}"))
        .await
        .unwrap();
    s.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(15), s.read_to_end(&mut answer))
        .await
        .unwrap()
        .unwrap();
    assert!(answer.is_empty());
}

/// Reads a chunked response until `needle` shows up in the (dechunked
/// enough for a search) text; returns everything read.
async fn read_until(stream: &mut TcpStream, seen: &mut String, needle: &str) {
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(5);
    while !seen.contains(needle) {
        let left = deadline.saturating_duration_since(Instant::now());
        let n = tokio::time::timeout(left, stream.read(&mut buf))
            .await
            .unwrap_or_else(|_| panic!("no {needle:?} in {seen:?}"))
            .unwrap();
        assert!(n > 0, "closed before {needle:?}: {seen:?}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
}

#[tokio::test]
async fn htmlfile_streams_script_chunks() {
    let srv = server();
    let addr = srv.addr();
    let client = Legacy::handshake(&addr).await;
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    let request = format!(
        "GET {}?t=1 HTTP/1.1\r\nHost: {addr}\r\n\r\n",
        client.path("htmlfile")
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut seen = String::new();
    // `1::` and the handler's `auth` event, framed in one chunk.
    read_until(&mut stream, &mut seen, "auth").await;
    assert!(
        seen.contains(&format!(r#"<script>_("{FRAME}3{FRAME}1::{FRAME}"#)),
        "{seen}"
    );
    client.post(&["2::"]).await;
    assert!(seen.starts_with("HTTP/1.1 200"), "{seen}");
    assert!(
        seen.to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "{seen}"
    );
    assert!(
        seen.to_ascii_lowercase()
            .contains("content-type: text/html; charset=utf-8"),
        "{seen}"
    );
    // The preamble, padded to 256 bytes, comes first.
    let preamble =
        "<html><body><script>var _ = function (msg) { parent.s._(msg, document); };</script>";
    let at = seen.find(preamble).expect("preamble");
    assert!(seen[at + preamble.len()..].starts_with(&" ".repeat(173)));

    // Packets posted (as on xhr-polling) are answered on the document;
    // `<` is escaped so that no `</script>` can end the chunk early.
    client
        .post(&[r#"5:1+::{"name":"message-with-ack","args":["</script>😀"]}"#])
        .await;
    read_until(
        &mut stream,
        &mut seen,
        r#"<script>_("6:::1+[\"\u003c/script>😀\"]");</script>"#,
    )
    .await;
    // Heartbeats are sent on htmlfile.
    read_until(&mut stream, &mut seen, r#"<script>_("2::");</script>"#).await;
    client.post(&["2::"]).await;

    // The document closed: the session ends.
    drop(stream);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(client.poll().await, ["7:::1+0"]);
}

#[tokio::test]
async fn websocket_unknown_session_and_refused_origin() {
    let srv = Server::start(&legacy_args(&["--cors-origin", "http://allowed.example"]));
    let addr = srv.addr();
    let client = Legacy::handshake(&addr).await;
    // A websocket upgrade from a refused origin gets no 101.
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
         Origin: http://evil.example\r\n\r\n",
        client.path("websocket")
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut seen = String::new();
    read_until(&mut stream, &mut seen, "\r\n").await;
    assert!(seen.starts_with("HTTP/1.1 403"), "{seen}");
    let _ = stream.shutdown().await;
}

//! Raw Engine.IO 4 / Socket.IO 5 wire tests against the real `sio-host` binary
//! serving the conformance handler on `/` and `/custom`, with the timings of
//! Socket.IO's v5 protocol test-suite (pingInterval 300, pingTimeout 200,
//! maxPayload 1000000) and a connect timeout of 1000 ms.
//!
//! Modelled on socket.io-protocol's `test-suite/test-suite.js` (v5), plus
//! Engine.IO's HTTP error answers and the session-closing rules for malformed
//! Socket.IO packets of the reference server.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sio_e2e::*;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Long enough for the server to notice anything it must close a session for,
/// short against the 300 ms ping interval the client keeps answering.
const CLOSE_WITHIN: Duration = Duration::from_secs(3);

/// `40...{"sid":"..."}` → the Socket.IO sid.
#[track_caller]
fn connect_sid(packet: &str, prefix: &str) -> String {
    let json = packet
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("expected {prefix:?}..., got {packet:?}"));
    let v: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{packet:?}: {e}"));
    let obj = v.as_object().expect("CONNECT payload is an object");
    assert_eq!(
        obj.keys().collect::<Vec<_>>(),
        ["sid"],
        "CONNECT payload keys: {packet}"
    );
    let sid = v["sid"].as_str().expect("sid is a string");
    assert!(!sid.is_empty());
    sid.to_string()
}

// ------------------------------------------------------------ handshake

#[tokio::test]
async fn polling_handshake_open_packet() {
    let s = Server::conformance();
    let res = get(&s.addr(), &polling_path(None)).await;
    assert_eq!(res.status, 200);
    let text = res.text();
    assert!(text.starts_with('0'), "{text:?}");
    assert!(
        !text.contains('\x1e'),
        "the handshake is one packet: {text:?}"
    );
    assert_open_fields(
        &parse_open(&text),
        json!(["websocket"]),
        PING_INTERVAL,
        PING_TIMEOUT,
    );
}

/// The contract stays additive: a component built before
/// `sio:realtime/conn-state` existed (tests/fixtures/README.md) loads on
/// today's host and serves as it did.
#[tokio::test]
async fn a_component_built_before_conn_state_is_served() {
    let old = sio_e2e::repo_root().join("tests/fixtures/conformance-0.1.0-before-conn-state.wasm");
    let s = Server::start(&[format!("/={}", old.display())]);
    let mut ws = Ws::socketio(&s.addr()).await;
    assert_echo(&mut ws, "built before conn-state").await;
}

#[tokio::test]
async fn websocket_handshake_open_packet() {
    let s = Server::conformance();
    let (ws, open) = Ws::open(&s.addr()).await;
    assert_open_fields(&open, json!([]), PING_INTERVAL, PING_TIMEOUT);
    ws.close().await;
}

#[tokio::test]
async fn sids_are_unique() {
    let s = Server::conformance();
    let a = Polling::open(&s.addr()).await;
    let b = Polling::open(&s.addr()).await;
    assert_ne!(a.sid, b.sid);
}

#[tokio::test]
async fn missing_or_unsupported_eio_is_rejected() {
    let s = Server::conformance();
    let a = s.addr();
    for target in [
        "/socket.io/?transport=polling",
        "/socket.io/?EIO=5&transport=polling",
        "/socket.io/?EIO=abc&transport=polling",
    ] {
        let res = get(&a, target).await;
        eprintln!("GET {target} → {} {:?}", res.status, res.text());
        assert_eio_error(&res, 5, "Unsupported protocol version");
    }
}

#[tokio::test]
async fn unknown_transport_is_rejected() {
    let s = Server::conformance();
    let a = s.addr();
    for target in [
        "/socket.io/?EIO=4",
        "/socket.io/?EIO=4&transport=abc",
        "/socket.io/?EIO=4&transport=constructor",
    ] {
        let res = get(&a, target).await;
        eprintln!("GET {target} → {} {:?}", res.status, res.text());
        assert_eio_error(&res, 0, "Transport unknown");
    }
}

#[tokio::test]
async fn unknown_sid_is_rejected() {
    let s = Server::conformance();
    let a = s.addr();
    let res = get(&a, &polling_path(Some("nope"))).await;
    assert_eio_error(&res, 1, "Session ID unknown");
    let res = post(&a, &polling_path(Some("nope")), b"4hello").await;
    assert_eio_error(&res, 1, "Session ID unknown");
}

#[tokio::test]
async fn handshake_must_be_a_get() {
    let s = Server::conformance();
    let a = s.addr();
    let res = post(&a, &polling_path(None), b"").await;
    assert_eio_error(&res, 2, "Bad handshake method");
    let res = http(&a, "PUT", &polling_path(None), &[], b"").await;
    assert_eq!(res.status, 400, "PUT handshake: {:?}", res.text());
}

#[tokio::test]
async fn websocket_handshake_with_bad_query_is_refused() {
    let s = Server::conformance();
    let a = s.addr();
    for url in [
        format!("ws://{a}/socket.io/?transport=websocket"),
        format!("ws://{a}/socket.io/?EIO=abc&transport=websocket"),
        format!("ws://{a}/socket.io/?EIO=4"),
        format!("ws://{a}/socket.io/?EIO=4&transport=abc"),
        format!("ws://{a}/socket.io/?EIO=4&transport=websocket&sid=nope"),
    ] {
        match Ws::connect_url(&url).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
                assert_eq!(resp.status().as_u16(), 400, "{url}");
            }
            Err(e) => panic!("{url}: expected an HTTP 400 refusal, got {e}"),
            Ok(mut ws) => {
                // Accepting and closing at once is tolerated (the reference only
                // requires the socket to close), but nothing must be served.
                let seen = ws.expect_closed(CLOSE_WITHIN).await;
                assert!(seen.is_empty(), "{url}: served {seen:?}");
            }
        }
    }
}

// ------------------------------------------------------------ heartbeat

#[tokio::test]
async fn polling_ping_pong() {
    let s = Server::conformance();
    let p = Polling::open(&s.addr()).await;
    for i in 0..3 {
        let t = Instant::now();
        let res = p.get().await;
        assert_eq!(res.status, 200);
        assert_eq!(res.text(), "2", "poll #{i}");
        assert!(
            t.elapsed() < ms(PING_INTERVAL + 1000),
            "ping came late: {:?}",
            t.elapsed()
        );
        let res = p.post("3").await;
        assert_eq!(res.status, 200);
    }
}

#[tokio::test]
async fn polling_ping_timeout_closes_the_session() {
    let s = Server::conformance();
    let p = Polling::open(&s.addr()).await;
    tokio::time::sleep(ms(PING_INTERVAL + PING_TIMEOUT + 400)).await;
    let res = p.get().await;
    assert_eio_error(&res, 1, "Session ID unknown");
}

#[tokio::test]
async fn websocket_ping_pong() {
    let s = Server::conformance();
    let (mut ws, _) = Ws::open(&s.addr()).await;
    ws.send("40").await; // keep the connect timeout out of the picture
    let mut pings = 0;
    let t = Instant::now();
    while pings < 3 {
        match ws.recv().await.text() {
            t if t == "2" => {
                pings += 1;
                ws.send("3").await;
            }
            t => assert!(t.starts_with("40") || t.starts_with("42"), "{t:?}"),
        }
    }
    // Three pings at 300 ms each; generous bound for a busy machine.
    assert!(
        t.elapsed() < ms(3 * PING_INTERVAL + 2000),
        "{:?}",
        t.elapsed()
    );
    // Answered pings keep the session: the namespace still answers.
    assert_echo(&mut ws, "still-here").await;
    ws.close().await;
}

#[tokio::test]
async fn websocket_ping_timeout_closes_the_session() {
    let s = Server::conformance();
    let (mut ws, _) = Ws::open(&s.addr()).await;
    ws.send("40").await;
    // Never answer the pings.
    let t = Instant::now();
    let mut got_ping = false;
    loop {
        match ws.next().await {
            Ok(Msg::Text(m)) if m == "2" => got_ping = true,
            Ok(_) => {}
            Err(_) => break,
        }
        assert!(
            t.elapsed() < CLOSE_WITHIN,
            "still open after {CLOSE_WITHIN:?}"
        );
    }
    assert!(got_ping, "closed without a ping first");
}

#[tokio::test]
async fn client_pong_without_ping_is_tolerated_or_closes_cleanly() {
    // Not in the reference suite: a stray pong must not crash the server.
    let s = Server::conformance();
    let (mut ws, _) = Ws::open(&s.addr()).await;
    ws.send("3").await;
    ws.send("40").await;
    let _ = ws.next().await;
    let mut s = s;
    assert!(s.is_running(), "server died");
    let mut other = Ws::socketio(&s.addr()).await;
    assert_echo(&mut other, "ok").await;
}

// ------------------------------------------------------------ close

#[tokio::test]
async fn polling_close_packet_closes_the_session() {
    let s = Server::conformance();
    let p = Polling::open(&s.addr()).await;
    let (poll, push) = tokio::join!(p.get(), async {
        tokio::time::sleep(ms(50)).await;
        p.post("1").await
    });
    assert_eq!(push.status, 200);
    assert_eq!(poll.status, 200);
    assert_eq!(poll.text(), "6", "pending poll answered with a noop");
    let res = p.get().await;
    assert_eio_error(&res, 1, "Session ID unknown");
}

#[tokio::test]
async fn websocket_close_packet_closes_the_session() {
    let s = Server::conformance();
    let (mut ws, _) = Ws::open(&s.addr()).await;
    ws.send("1").await;
    ws.expect_closed(CLOSE_WITHIN).await;
}

#[tokio::test]
async fn concurrent_polls_close_the_session() {
    // Engine.IO: at most one pending GET per session; a second one is a
    // protocol error (HTTP 400) and the session is closed.
    let s = Server::conformance();
    let p = Polling::open(&s.addr()).await;
    let (a, b) = tokio::join!(p.get(), async {
        tokio::time::sleep(ms(50)).await;
        p.get().await
    });
    assert!(
        a.status == 400 || b.status == 400,
        "one of two concurrent polls must be refused: {} {:?} / {} {:?}",
        a.status,
        a.text(),
        b.status,
        b.text()
    );
    let res = p.get().await;
    assert_eq!(res.status, 400, "session closed after the overlap");
}

/// A poll the client gives up on (an aborted request) ends the session,
/// as engine.io does: the official v4 suite's "closes the session upon
/// cancelled polling request". The session's next poll gets 400, and the
/// session is counted closed.
#[tokio::test]
async fn a_cancelled_poll_closes_the_session() {
    let s = Server::conformance();
    let a = s.addr();
    let p = Polling::open(&a).await;
    let pending = tokio::spawn({
        let (a, path) = (a.clone(), p.path());
        async move { get(&a, &path).await }
    });
    tokio::time::sleep(ms(50)).await;
    pending.abort(); // drops the connection under the waiting poll
    let _ = pending.await;
    let res = p.get().await;
    assert_eq!(
        res.status,
        400,
        "poll after the cancelled one: {:?}",
        res.text()
    );
    let st: serde_json::Value = serde_json::from_str(&get(&a, "/stats").await.text()).unwrap();
    assert_eq!(st["sessions"]["active"], 0, "{st:#}");
    assert_eq!(
        st["sessions"]["closed_by_reason"]["transport_close"], 1,
        "{st:#}"
    );
}

// ------------------------------------------------------------ payload size

#[tokio::test]
async fn oversize_post_is_413_and_the_server_goes_on() {
    let s = Server::conformance();
    let a = s.addr();
    let p = Polling::open(&a).await;
    let mut body = String::from("4");
    body.push_str(&"a".repeat(MAX_PAYLOAD as usize + 10));
    let res = post(&a, &p.path(), body.as_bytes()).await;
    assert_eq!(res.status, 413, "oversize POST: {:?}", res.text());

    // A second session works, over both transports.
    let p2 = Polling::open(&a).await;
    p2.send(&["40"]).await;
    let got = p2.recv(2).await;
    assert!(got[0].starts_with("40{"), "{got:?}");
    assert_eq!(got[1], r#"42["auth",{}]"#);
    let mut ws = Ws::socketio(&a).await;
    assert_echo(&mut ws, "after-413").await;
}

#[tokio::test]
async fn oversize_websocket_message_closes_the_session() {
    let s = Server::conformance();
    let a = s.addr();
    let mut other = Ws::socketio(&a).await;
    let mut ws = Ws::socketio(&a).await;
    let big = format!(
        r#"42["message","{}"]"#,
        "a".repeat(MAX_PAYLOAD as usize + 10)
    );
    // The server may drop the connection while the frame is still being sent.
    let _ = futures_util::SinkExt::send(
        &mut ws.inner,
        tokio_tungstenite::tungstenite::Message::text(big),
    )
    .await;
    let seen = ws.expect_closed(CLOSE_WITHIN).await;
    assert!(
        !seen
            .iter()
            .any(|m| matches!(m, Msg::Text(t) if t.starts_with("42[\"message-back\""))),
        "oversize message was processed: {:?}",
        seen.len()
    );
    assert_echo(&mut other, "unaffected").await;
}

#[tokio::test]
async fn payload_just_under_the_limit_is_accepted() {
    let s = Server::conformance();
    let mut ws = Ws::socketio(&s.addr()).await;
    let text = "x".repeat(100_000);
    ws.send(&format!(r#"42["message","{text}"]"#)).await;
    assert_eq!(
        ws.recv_skip_pings().await.text(),
        format!(r#"42["message-back","{text}"]"#)
    );
}

// ------------------------------------------------------------ upgrade

#[tokio::test]
async fn polling_to_websocket_upgrade() {
    let s = Server::conformance();
    let a = s.addr();
    let p = Polling::open(&a).await;

    // A poll is pending while the upgrade happens: the server must flush it
    // with a noop so the client can pause polling.
    let pending = tokio::spawn({
        let a = a.clone();
        let path = p.path();
        async move { get(&a, &path).await }
    });
    tokio::time::sleep(ms(50)).await;

    let mut ws = Ws::connect_url(&ws_url(&a, Some(&p.sid)))
        .await
        .expect("upgrade WebSocket accepted");
    ws.send("2probe").await;
    assert_eq!(ws.recv().await.text(), "3probe");

    let res = pending.await.unwrap();
    assert_eq!(res.status, 200);
    let packets = decode_payload(&res.text());
    assert!(
        packets.iter().all(|p| p == "6" || p == "2"),
        "pending poll: {packets:?}"
    );
    assert!(
        packets.contains(&"6".to_string()),
        "noop expected: {packets:?}"
    );

    ws.send("5").await;

    // The session now lives on the WebSocket.
    ws.send("40").await;
    let connect = ws.recv_skip_pings().await.text();
    let sio_sid = connect_sid(&connect, "40");
    assert_ne!(sio_sid, p.sid);
    assert_eq!(ws.recv_skip_pings().await.text(), r#"42["auth",{}]"#);
    assert_echo(&mut ws, "upgraded").await;

    // Polling with the same sid is over.
    let res = p.get().await;
    assert_eq!(res.status, 400, "poll after upgrade: {:?}", res.text());

    // A second WebSocket with the same sid is accepted, then closed at once
    // without touching the session (engine.io's answer; the official v5
    // suite's "should ignore WebSocket connection with same sid after
    // upgrade" waits for the close).
    {
        let mut ws2 = Ws::connect_url(&ws_url(&a, Some(&p.sid)))
            .await
            .expect("the second WebSocket's handshake is answered");
        let seen = ws2.expect_closed(CLOSE_WITHIN).await;
        assert!(seen.is_empty(), "second upgrade served {seen:?}");
    }
    assert_echo(&mut ws, "still-upgraded").await;
}

#[tokio::test]
async fn upgrade_keeps_buffered_packets() {
    // Packets the server queued on polling before the upgrade arrive (on
    // either transport), none lost.
    let s = Server::conformance();
    let a = s.addr();
    let p = Polling::open(&a).await;
    p.send(&["40"]).await;
    let got = p.recv(2).await;
    let sio_sid = connect_sid(&got[0], "40");
    assert_ne!(sio_sid, p.sid);
    assert_eq!(got[1], r#"42["auth",{}]"#);

    p.send(&[r#"42["message","before"]"#]).await;
    tokio::time::sleep(ms(100)).await;

    let mut ws = Ws::connect_url(&ws_url(&a, Some(&p.sid))).await.unwrap();
    ws.send("2probe").await;
    assert_eq!(ws.recv().await.text(), "3probe");
    // Drain polling (the message-back may be there, then the noop).
    let res = p.get().await;
    assert_eq!(res.status, 200);
    let mut got: Vec<String> = decode_payload(&res.text())
        .into_iter()
        .filter(|p| p != "6" && p != "2")
        .collect();
    ws.send("5").await;
    ws.send(r#"42["message","after"]"#).await;
    while got.len() < 2 {
        got.push(ws.recv_skip_pings().await.text());
    }
    assert_eq!(
        got,
        [
            r#"42["message-back","before"]"#,
            r#"42["message-back","after"]"#
        ]
    );
}

#[tokio::test]
async fn websocket_only_session() {
    let s = Server::conformance();
    let (mut ws, open) = Ws::open(&s.addr()).await;
    let eio_sid = open["sid"].as_str().unwrap().to_string();
    ws.send("40").await;
    let sio_sid = connect_sid(&ws.recv_skip_pings().await.text(), "40");
    assert_ne!(
        sio_sid, eio_sid,
        "Socket.IO sid must differ from the Engine.IO sid"
    );
    assert_eq!(ws.recv_skip_pings().await.text(), r#"42["auth",{}]"#);
    assert_echo(&mut ws, "ws-only").await;
    // No polling for a WebSocket-only sid.
    let res = get(&s.addr(), &polling_path(Some(&eio_sid))).await;
    assert_eq!(res.status, 400);
}

// ------------------------------------------------------------ Socket.IO connect

#[tokio::test]
async fn connect_to_main_namespace() {
    let s = Server::conformance();
    let (mut ws, open) = Ws::open(&s.addr()).await;
    ws.send("40").await;
    let sid = connect_sid(&ws.recv_skip_pings().await.text(), "40");
    assert_ne!(sid, open["sid"].as_str().unwrap());
    assert_eq!(ws.recv_skip_pings().await.text(), r#"42["auth",{}]"#);
}

#[tokio::test]
async fn connect_to_main_namespace_with_payload() {
    let s = Server::conformance();
    let (mut ws, _) = Ws::open(&s.addr()).await;
    ws.send(r#"40{"token":"123"}"#).await;
    connect_sid(&ws.recv_skip_pings().await.text(), "40");
    assert_eq!(
        ws.recv_skip_pings().await.text(),
        r#"42["auth",{"token":"123"}]"#
    );
}

#[tokio::test]
async fn connect_to_custom_namespace() {
    let s = Server::conformance();
    let (mut ws, _) = Ws::open(&s.addr()).await;
    ws.send("40/custom,").await;
    connect_sid(&ws.recv_skip_pings().await.text(), "40/custom,");
    assert_eq!(
        ws.recv_skip_pings().await.text(),
        r#"42/custom,["auth",{}]"#
    );
}

#[tokio::test]
async fn connect_to_custom_namespace_with_payload() {
    let s = Server::conformance();
    let (mut ws, _) = Ws::open(&s.addr()).await;
    ws.send(r#"40/custom,{"token":"abc"}"#).await;
    connect_sid(&ws.recv_skip_pings().await.text(), "40/custom,");
    assert_eq!(
        ws.recv_skip_pings().await.text(),
        r#"42/custom,["auth",{"token":"abc"}]"#
    );
}

#[tokio::test]
async fn connect_to_unknown_namespace_is_refused() {
    let s = Server::conformance();
    let (mut ws, _) = Ws::open(&s.addr()).await;
    ws.send("40/random").await;
    assert_eq!(
        ws.recv_skip_pings().await.text(),
        r#"44/random,{"message":"Invalid namespace"}"#
    );
    // The Engine.IO session survives the refusal: "/" can still be joined.
    ws.send("40").await;
    connect_sid(&ws.recv_skip_pings().await.text(), "40");
    assert_eq!(ws.recv_skip_pings().await.text(), r#"42["auth",{}]"#);
}

#[tokio::test]
async fn connect_over_polling_batches_packets() {
    let s = Server::conformance();
    let p = Polling::open(&s.addr()).await;
    p.send(&["40"]).await;
    let got = p.recv(2).await;
    let sid = connect_sid(&got[0], "40");
    assert_ne!(sid, p.sid);
    assert_eq!(got[1], r#"42["auth",{}]"#);
    // Two packets in one POST, both handled in order.
    p.send(&[r#"42["message","a"]"#, r#"42["message","b"]"#])
        .await;
    assert_eq!(
        p.recv(2).await,
        [r#"42["message-back","a"]"#, r#"42["message-back","b"]"#]
    );
}

#[tokio::test]
async fn invalid_connect_packet_closes_the_session() {
    let s = Server::conformance();
    let (mut ws, _) = Ws::open(&s.addr()).await;
    ws.send("4abc").await;
    ws.expect_closed(CLOSE_WITHIN).await;
}

#[tokio::test]
async fn connect_timeout_closes_the_session() {
    let s = Server::conformance();
    let (mut ws, _) = Ws::open(&s.addr()).await;
    let t = Instant::now();
    // Pings are answered, so only the missing CONNECT can close it.
    let seen = ws.expect_closed(ms(CONNECT_TIMEOUT + 3000)).await;
    assert!(seen.is_empty(), "{seen:?}");
    let took = t.elapsed();
    assert!(
        took >= ms(CONNECT_TIMEOUT - 200),
        "closed after {took:?}, before the {CONNECT_TIMEOUT} ms connect timeout"
    );
}

#[tokio::test]
async fn connect_timeout_closes_a_polling_session() {
    let s = Server::conformance();
    let p = Polling::open(&s.addr()).await;
    let t = Instant::now();
    loop {
        let res = p.get().await;
        if res.status == 400 {
            break;
        }
        assert_eq!(res.status, 200);
        for pkt in decode_payload(&res.text()) {
            match pkt.as_str() {
                "2" => {
                    // Pong, unless the session is already gone.
                    let _ = p.post("3").await;
                }
                "1" | "6" => {}
                other => panic!("unexpected packet {other:?}"),
            }
        }
        assert!(
            t.elapsed() < ms(CONNECT_TIMEOUT + 3000),
            "session still open after {:?}",
            t.elapsed()
        );
    }
    assert!(
        t.elapsed() >= ms(CONNECT_TIMEOUT - 200),
        "{:?}",
        t.elapsed()
    );
}

// ------------------------------------------------------------ disconnect

#[tokio::test]
async fn disconnect_from_main_namespace_keeps_the_session() {
    let s = Server::conformance();
    let mut ws = Ws::socketio(&s.addr()).await;
    ws.send("41").await;
    assert_eq!(ws.recv().await.text(), "2", "next packet is a ping");
    ws.send("3").await;
}

#[tokio::test]
async fn connect_then_disconnect_custom_namespace() {
    let s = Server::conformance();
    let mut ws = Ws::socketio(&s.addr()).await;
    ws.send("40/custom").await;
    connect_sid(&ws.recv_skip_pings().await.text(), "40/custom,");
    assert_eq!(
        ws.recv_skip_pings().await.text(),
        r#"42/custom,["auth",{}]"#
    );
    ws.send("41/custom").await;
    ws.send(r#"42["message","message to main namespace"]"#)
        .await;
    assert_eq!(
        ws.recv_skip_pings().await.text(),
        r#"42["message-back","message to main namespace"]"#
    );
}

// ------------------------------------------------------------ messages

#[tokio::test]
async fn plain_text_event() {
    let s = Server::conformance();
    let mut ws = Ws::socketio(&s.addr()).await;
    ws.send(r#"42["message",1,"2",{"3":[true]}]"#).await;
    assert_eq!(
        ws.recv_skip_pings().await.text(),
        r#"42["message-back",1,"2",{"3":[true]}]"#
    );
}

#[tokio::test]
async fn event_on_custom_namespace() {
    let s = Server::conformance();
    let mut ws = Ws::socketio(&s.addr()).await;
    ws.send("40/custom,").await;
    connect_sid(&ws.recv_skip_pings().await.text(), "40/custom,");
    assert_eq!(
        ws.recv_skip_pings().await.text(),
        r#"42/custom,["auth",{}]"#
    );
    ws.send(r#"42/custom,["message","x"]"#).await;
    assert_eq!(
        ws.recv_skip_pings().await.text(),
        r#"42/custom,["message-back","x"]"#
    );
}

#[tokio::test]
async fn binary_event() {
    let s = Server::conformance();
    let mut ws = Ws::socketio(&s.addr()).await;
    ws.send(r#"452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#)
        .await;
    ws.send_binary(&[1, 2, 3]).await;
    ws.send_binary(&[4, 5, 6]).await;
    assert_eq!(
        ws.recv_skip_pings().await.text(),
        r#"452-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#
    );
    assert_eq!(ws.recv_skip_pings().await.binary(), [1, 2, 3]);
    assert_eq!(ws.recv_skip_pings().await.binary(), [4, 5, 6]);
}

#[tokio::test]
async fn plain_text_event_with_ack() {
    let s = Server::conformance();
    let mut ws = Ws::socketio(&s.addr()).await;
    ws.send(r#"42456["message-with-ack",1,"2",{"3":[false]}]"#)
        .await;
    assert_eq!(
        ws.recv_skip_pings().await.text(),
        r#"43456[1,"2",{"3":[false]}]"#
    );
}

#[tokio::test]
async fn binary_event_with_ack() {
    let s = Server::conformance();
    let mut ws = Ws::socketio(&s.addr()).await;
    ws.send(
        r#"452-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
    )
    .await;
    ws.send_binary(&[1, 2, 3]).await;
    ws.send_binary(&[4, 5, 6]).await;
    assert_eq!(
        ws.recv_skip_pings().await.text(),
        r#"462-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#
    );
    assert_eq!(ws.recv_skip_pings().await.binary(), [1, 2, 3]);
    assert_eq!(ws.recv_skip_pings().await.binary(), [4, 5, 6]);
}

#[tokio::test]
async fn binary_event_over_polling() {
    // Engine.IO 4 long-polling carries binary packets as `b<base64>`.
    let s = Server::conformance();
    let p = Polling::open(&s.addr()).await;
    p.send(&["40"]).await;
    p.recv(2).await;
    p.send(&[
        r#"451-["message",{"_placeholder":true,"num":0}]"#,
        "bAQID", // [1, 2, 3]
    ])
    .await;
    assert_eq!(
        p.recv(2).await,
        [
            r#"451-["message-back",{"_placeholder":true,"num":0}]"#,
            "bAQID"
        ]
    );
}

// ------------------------------------------------------------ malformed packets

/// Sends `packet` on a fresh connected session and checks that the server
/// closes that session while another one keeps working.
async fn malformed_closes(packet: &str) {
    let s = Server::conformance();
    let a = s.addr();
    let mut other = Ws::socketio(&a).await;
    let mut ws = Ws::socketio(&a).await;
    ws.send(packet).await;
    let seen = ws.expect_closed(CLOSE_WITHIN).await;
    assert!(
        seen.iter()
            .all(|m| !matches!(m, Msg::Text(t) if t.starts_with("42"))),
        "{packet:?} was answered: {seen:?}"
    );
    assert_echo(&mut other, "unaffected").await;
    let mut third = Ws::socketio(&a).await;
    assert_echo(&mut third, "new-client").await;
}

#[tokio::test]
async fn malformed_unknown_packet_type() {
    malformed_closes("49").await;
}

#[tokio::test]
async fn malformed_unknown_packet_type_letter() {
    malformed_closes("4abc").await;
}

#[tokio::test]
async fn malformed_event_payload_not_json() {
    malformed_closes("42abc").await;
}

#[tokio::test]
async fn malformed_event_payload_not_an_array() {
    malformed_closes("42{}").await;
}

#[tokio::test]
async fn malformed_event_empty_array() {
    malformed_closes("42[]").await;
}

#[tokio::test]
async fn malformed_event_reserved_name() {
    malformed_closes(r#"42["connect"]"#).await;
}

#[tokio::test]
async fn malformed_event_invalid_ack_id() {
    malformed_closes(r#"42abc["message-with-ack",1,"2",{"3":[false]}]"#).await;
}

#[tokio::test]
async fn event_to_namespace_not_joined() {
    malformed_closes(r#"42/unknown,["x"]"#).await;
}

#[tokio::test]
async fn malformed_packet_over_polling_closes_the_session() {
    let s = Server::conformance();
    let a = s.addr();
    let p = Polling::open(&a).await;
    p.send(&["40"]).await;
    p.recv(2).await;
    let res = p.post("42[]").await;
    // The POST itself may be accepted (200) or refused (400).
    assert!(
        res.status == 200 || res.status == 400,
        "{} {:?}",
        res.status,
        res.text()
    );
    let t = Instant::now();
    loop {
        let res = p.get().await;
        if res.status == 400 {
            break;
        }
        assert!(
            t.elapsed() < CLOSE_WITHIN,
            "session still open; last poll {:?}",
            res.text()
        );
        for pkt in decode_payload(&res.text()) {
            assert!(
                !pkt.starts_with("42"),
                "malformed event was answered: {pkt:?}"
            );
            if pkt == "2" {
                let _ = p.post("3").await;
            }
        }
    }
    let mut ws = Ws::socketio(&a).await;
    assert_echo(&mut ws, "after-malformed-poll").await;
}

#[tokio::test]
async fn many_sessions_at_once() {
    let s = Server::conformance();
    let a = s.addr();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let a = a.clone();
        tasks.push(tokio::spawn(async move {
            let mut ws = Ws::socketio(&a).await;
            for j in 0..5 {
                assert_echo(&mut ws, &format!("c{i}-m{j}")).await;
            }
            ws.close().await;
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

//! A handler that loops forever or panics costs that one call: the call is
//! interrupted (deadline) or trapped, logged, the instance rebuilt, and every
//! client, on that endpoint and on others, stays connected and served.

use std::time::{Duration, Instant};

use sio_e2e::{Server, Ws, wasm};

fn server() -> Server {
    Server::start(&[
        "--call-deadline".to_string(),
        "200".into(),
        format!("/={}", wasm("conformance").display()),
        format!("/hostile={}", wasm("hostile").display()),
    ])
}

/// A websocket client joined to `/` and `/hostile`.
async fn client(addr: &str) -> Ws {
    let mut ws = Ws::socketio(addr).await;
    ws.send("40/hostile,").await;
    let reply = ws.recv_skip_pings().await.text();
    assert!(reply.starts_with("40/hostile,{\"sid\":"), "{reply}");
    ws
}

async fn echo_on_main(ws: &mut Ws, text: &str) {
    ws.send(&format!(r#"42["message","{text}"]"#)).await;
    assert_eq!(
        ws.recv_skip_pings().await.text(),
        format!(r#"42["message-back","{text}"]"#)
    );
}

#[tokio::test]
async fn an_endless_loop_costs_one_call() {
    let s = server();
    let mut a = client(&s.addr()).await;
    let mut b = client(&s.addr()).await;

    a.send(r#"42/hostile,1["count"]"#).await;
    assert_eq!(a.recv_skip_pings().await.text(), "43/hostile,1[1]");

    let started = Instant::now();
    a.send(r#"42/hostile,2["spin"]"#).await;
    // Another endpoint is not held up by the spinning one.
    echo_on_main(&mut b, "other endpoint").await;
    // The spinning call is interrupted; the endpoint serves again, from a
    // rebuilt instance (its counter starts over), to both clients.
    b.send(r#"42/hostile,7["echo","after spin"]"#).await;
    assert_eq!(
        b.recv_skip_pings().await.text(),
        r#"43/hostile,7["after spin"]"#
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    a.send(r#"42/hostile,3["count"]"#).await;
    assert_eq!(a.recv_skip_pings().await.text(), "43/hostile,3[1]");
    echo_on_main(&mut a, "still here").await;
    assert!(s.logged("deadline exceeded").await, "{}", s.logs());
}

#[tokio::test]
async fn a_panic_costs_one_call() {
    let s = server();
    let mut a = client(&s.addr()).await;
    a.send(r#"42/hostile,1["count"]"#).await;
    assert_eq!(a.recv_skip_pings().await.text(), "43/hostile,1[1]");
    a.send(r#"42/hostile,2["panic"]"#).await;
    a.send(r#"42/hostile,3["count"]"#).await;
    assert_eq!(a.recv_skip_pings().await.text(), "43/hostile,3[1]");
    echo_on_main(&mut a, "still here").await;
    assert!(s.logged("guest call failed").await, "{}", s.logs());
}

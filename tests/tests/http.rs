//! HTTP surface of `sio-host` besides Engine.IO itself: static mounts
//! (`--static [MOUNT=]DIR`) and the cross-origin policy (`--cors-origin`).

use sio_e2e::*;

fn chat_with_page() -> Server {
    Server::start(&[
        wasm("chat").display().to_string(),
        "--static".into(),
        "examples/chat/static".into(),
        "--static".into(),
        "/vendor=node_modules/socket.io-client/dist".into(),
    ])
}

#[tokio::test]
async fn static_page_and_vendor_bundle_are_served() {
    if !repo_root()
        .join("node_modules/socket.io-client/dist/socket.io.min.js")
        .is_file()
    {
        panic!("node_modules is missing: run `npm ci` (or `cargo xtask test`)");
    }
    let s = chat_with_page();
    let a = s.addr();

    let res = get(&a, "/").await;
    assert_eq!(res.status, 200, "GET /");
    assert!(
        res.header("content-type")
            .is_some_and(|c| c.starts_with("text/html")),
        "{:?}",
        res.header("content-type")
    );
    let page = res.text();
    for id in [
        "nick",
        "nick-form",
        "message",
        "send-form",
        "messages",
        "status",
    ] {
        assert!(
            page.contains(&format!("id=\"{id}\"")),
            "the page has no #{id}"
        );
    }

    let res = get(&a, "/index.html").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.text(), page);

    let res = get(&a, "/vendor/socket.io.min.js").await;
    assert_eq!(res.status, 200);
    assert!(
        res.header("content-type")
            .is_some_and(|c| c.contains("javascript")),
        "{:?}",
        res.header("content-type")
    );
    let bundle =
        std::fs::read(repo_root().join("node_modules/socket.io-client/dist/socket.io.min.js"))
            .unwrap();
    assert_eq!(res.body, bundle, "the bundle is served unchanged");

    assert_eq!(get(&a, "/no-such-file.txt").await.status, 404);
    assert_eq!(get(&a, "/vendor/no-such-file.js").await.status, 404);

    // Socket.IO still answers under its own path next to a mount at "/".
    let p = Polling::open(&a).await;
    assert!(!p.sid.is_empty());
}

#[tokio::test]
async fn static_mounts_do_not_escape_their_directory() {
    let s = chat_with_page();
    let a = s.addr();
    for target in [
        // examples/chat/static → examples/chat/Cargo.toml, then the repo root.
        "/../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "/%2E%2E/%2E%2E/%2E%2E/Cargo.toml",
        "/..%2fCargo.toml",
        "/..%2f..%2f..%2fCargo.toml",
        "/..%5cCargo.toml",
        "/..%5c..%5c..%5cCargo.toml",
        "/./../Cargo.toml",
        // node_modules/socket.io-client/dist → its package.json, then the root's.
        "/vendor/../package.json",
        "/vendor/%2e%2e/package.json",
        "/vendor/..%2fpackage.json",
        "/vendor/../../../package.json",
        "/vendor/%2e%2e/%2e%2e/%2e%2e/package.json",
        "/vendor/..%2f..%2f..%2fpackage.json",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/vendor/%00",
    ] {
        let res = get(&a, target).await;
        let body = res.text();
        assert!(
            !(res.status == 200
                && (body.contains("[workspace]")
                    || body.contains("[package]")
                    || body.contains("\"devDependencies\"")
                    || body.contains("\"version\":")
                    || body.contains("root:x:0:0"))),
            "GET {target} escaped the static directory: {} {:?}",
            res.status,
            &body[..body.len().min(200)]
        );
        assert_ne!(res.status, 500, "GET {target}");
    }
}

#[tokio::test]
async fn cross_origin_requests_need_the_allowlist() {
    let s = Server::conformance();
    let a = s.addr();
    let target = polling_path(None);

    // No Origin (a non-browser client) and the same origin pass.
    assert_eq!(get(&a, &target).await.status, 200);
    let same = format!("http://{a}");
    let res = http(&a, "GET", &target, &[("Origin", &same)], b"").await;
    assert_eq!(res.status, 200, "same origin: {:?}", res.text());

    // Any other origin is refused without CORS headers.
    let res = http(
        &a,
        "GET",
        &target,
        &[("Origin", "http://evil.example")],
        b"",
    )
    .await;
    assert!(
        res.status == 400 || res.status == 403,
        "cross-origin handshake: {} {:?}",
        res.status,
        res.text()
    );
    assert_eq!(res.header("access-control-allow-origin"), None);

    // ... also for WebSocket handshakes, which browsers send cross-origin unasked.
    let req = tokio_tungstenite::tungstenite::http::Request::builder()
        .uri(ws_url(&a, None))
        .header("Host", &a)
        .header("Origin", "http://evil.example")
        .header("Connection", "Upgrade")
        .header("Upgrade", "websocket")
        .header("Sec-WebSocket-Version", "13")
        .header(
            "Sec-WebSocket-Key",
            tokio_tungstenite::tungstenite::handshake::client::generate_key(),
        )
        .body(())
        .unwrap();
    match tokio_tungstenite::connect_async(req).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            let st = resp.status().as_u16();
            assert!(st == 400 || st == 403, "cross-origin websocket: {st}");
        }
        Err(e) => panic!("cross-origin websocket: expected an HTTP refusal, got {e}"),
        Ok(_) => panic!("cross-origin websocket handshake was accepted"),
    }
}

#[tokio::test]
async fn allowed_origin_gets_cors_headers() {
    let s = Server::conformance_with(&["--cors-origin", "http://app.example"]);
    let a = s.addr();
    let target = polling_path(None);

    let res = http(&a, "GET", &target, &[("Origin", "http://app.example")], b"").await;
    assert_eq!(res.status, 200, "{:?}", res.text());
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some("http://app.example")
    );
    assert_eq!(res.header("access-control-allow-credentials"), Some("true"));

    // Preflight for the POST that carries packets.
    let sid = parse_open(&res.text())["sid"].as_str().unwrap().to_string();
    let res = http(
        &a,
        "OPTIONS",
        &polling_path(Some(&sid)),
        &[
            ("Origin", "http://app.example"),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type"),
        ],
        b"",
    )
    .await;
    assert!(
        res.status == 200 || res.status == 204,
        "preflight: {} {:?}",
        res.status,
        res.text()
    );
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some("http://app.example")
    );
    let methods = res
        .header("access-control-allow-methods")
        .unwrap_or_default()
        .to_ascii_uppercase();
    assert!(methods.contains("POST"), "allow-methods {methods:?}");

    let res = http(
        &a,
        "POST",
        &polling_path(Some(&sid)),
        &[
            ("Origin", "http://app.example"),
            ("Content-Type", "text/plain;charset=UTF-8"),
        ],
        b"40",
    )
    .await;
    assert_eq!(res.status, 200);
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some("http://app.example")
    );

    // Another origin is still refused.
    let res = http(
        &a,
        "GET",
        &target,
        &[("Origin", "http://other.example")],
        b"",
    )
    .await;
    assert!(res.status == 400 || res.status == 403, "{}", res.status);
    assert_eq!(res.header("access-control-allow-origin"), None);
}

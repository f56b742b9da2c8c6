//! Edges around Engine.IO that a browser or an operator meets: the CORS
//! allowlist on websocket handshakes (browsers send those cross-origin without
//! asking), and the CLI refusing bad input with a message, not a panic.

use std::process::Command;

use sio_e2e::{Server, host_bin, wasm};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const ALLOWED: &str = "http://allowed.example:3000";
const OTHER: &str = "http://other.example:3000";

fn server(extra: &[&str]) -> Server {
    let mut args: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    args.push(wasm("conformance").display().to_string());
    Server::start(&args)
}

#[tokio::test]
async fn websocket_handshakes_obey_the_allowlist() {
    let s = server(&["--cors-origin", ALLOWED]);
    let url = format!("ws://{}/socket.io/?EIO=4&transport=websocket", s.addr());
    let request = |origin: &str| {
        let mut req = url.as_str().into_client_request().expect("request");
        req.headers_mut()
            .insert("Origin", origin.parse().expect("header"));
        req
    };
    assert!(
        tokio_tungstenite::connect_async(request(ALLOWED))
            .await
            .is_ok()
    );
    assert!(
        tokio_tungstenite::connect_async(request(OTHER))
            .await
            .is_err()
    );
}

fn sio_host(args: &[&str]) -> (bool, String) {
    let out = Command::new(host_bin())
        .args(args)
        .output()
        .expect("run sio-host");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout),
    )
}

#[test]
fn the_cli_explains_instead_of_panicking() {
    let (ok, text) = sio_host(&["run"]);
    assert!(!ok);
    assert!(text.contains("no endpoint given"), "{text}");
    assert!(!text.contains("panicked"), "{text}");

    let (ok, text) = sio_host(&["run", "/does/not/exist.wasm"]);
    assert!(!ok);
    assert!(text.contains("no such file"), "{text}");

    let (ok, text) = sio_host(&["run", "chat=x.wasm"]);
    assert!(!ok);
    assert!(text.contains("must start with `/`"), "{text}");

    let not_wasm = std::env::temp_dir().join(format!("sio-not-wasm-{}.wasm", std::process::id()));
    std::fs::write(&not_wasm, b"hello").expect("write");
    let (ok, text) = sio_host(&[
        "run",
        "--listen",
        "127.0.0.1:0",
        &not_wasm.display().to_string(),
    ]);
    assert!(!ok);
    assert!(text.contains("compiling"), "{text}");
    let _ = std::fs::remove_file(&not_wasm);

    let (ok, text) = sio_host(&["run", "--help"]);
    assert!(ok);
    for flag in [
        "--listen",
        "--ping-interval",
        "--ping-timeout",
        "--max-payload",
        "--connect-timeout",
        "--call-deadline",
        "--max-memory",
        "--cors-origin",
        "--static",
    ] {
        assert!(text.contains(flag), "--help lacks {flag}: {text}");
    }
}

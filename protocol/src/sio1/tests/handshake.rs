//! `sio1/handshake.rs`: the handshake answer.

use super::*;

#[test]
fn handshake_bodies() {
    let handshake = Handshake {
        sid: "4d4f185e96a7b",
        heartbeat_timeout_secs: 60,
        close_timeout_secs: 25,
        transports: &[
            "websocket",
            "flashsocket",
            "htmlfile",
            "xhr-polling",
            "jsonp-polling",
        ],
    };
    assert_eq!(
        handshake.to_body(),
        "4d4f185e96a7b:60:25:websocket,flashsocket,htmlfile,xhr-polling,jsonp-polling"
    );
    assert_eq!(
        handshake.to_jsonp(2),
        "io.j[2](\"4d4f185e96a7b:60:25:websocket,flashsocket,htmlfile,xhr-polling,jsonp-polling\");"
    );
    let none = Handshake {
        transports: &[],
        ..handshake
    };
    assert_eq!(none.to_body(), "4d4f185e96a7b:60:25:");
}

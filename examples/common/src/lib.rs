//! What TornadIO2's examples (ackping, crosssite, multiplexed, rpcping,
//! transports) share on the handler side: the server's clock for the ping
//! stamps, plain messages from every client generation, and sends and acks
//! whose refusals are logged (an example has no one else to tell).
//!
//! Their pages share `static/sio-client.js` (served under `/common/`).

use serde::Serialize;
use sio_guest::serde_json::Value;
#[cfg(not(target_arch = "wasm32"))]
use sio_guest::testing::{Harness, HostCall};
use sio_guest::{Ack, Args, Target};

/// Sends a plain message; a refusal is logged.
pub fn send(to: impl Into<Target>, text: &str) {
    if let Err(error) = sio_guest::send(to, text) {
        sio_guest::warn!("send failed: {error}");
    }
}

/// Answers `ack` with `args` when the client asked for one; a refusal is
/// logged.
pub fn answer<A: Serialize + ?Sized>(ack: Option<Ack>, args: &A) {
    if let Some(ack) = ack
        && let Err(error) = ack.reply(args)
    {
        sio_guest::warn!("ack failed: {error}");
    }
}

/// The server's wall clock in ms since the Unix epoch (WASI clocks), the
/// stamp the ping examples add to a ping.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The stamps a ping is answered with: the client's (the ping's first
/// argument as it came, whatever its type; null when missing) and the
/// server's clock.
pub fn stamps(args: &Args) -> (Value, u64) {
    (args.get::<Value>(0).unwrap_or(Value::Null), now_ms())
}

/// The host calls a handler made in a [`Harness`], its logs left out (for
/// the examples' unit tests).
#[cfg(not(target_arch = "wasm32"))]
pub fn calls_but_logs<H: sio_guest::Handler>(h: &Harness<H>) -> Vec<HostCall> {
    h.take_calls()
        .into_iter()
        .filter(|call| !matches!(call, HostCall::Log { .. }))
        .collect()
}

/// The text of a plain message sent as an event: socket.io-client 2.x and
/// 4.x `send(x)` is the event `message` with `x` as its one argument (a
/// 0.9 client's message packet reaches `on_message` instead). A string
/// argument is its text; anything else its JSON. None for other events.
pub fn message_text(event: &str, args: &Args) -> Option<String> {
    if event != "message" {
        return None;
    }
    let raw = args.get_raw(0)?;
    Some(
        args.get::<String>(0)
            .unwrap_or_else(|| raw.get().to_owned()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_texts() {
        let text = |event, json: &str| message_text(event, &Args::new(json, vec![]));
        assert_eq!(text("message", r#"["hi"]"#).as_deref(), Some("hi"));
        assert_eq!(
            text("message", r#"[{"client":1}]"#).as_deref(),
            Some(r#"{"client":1}"#)
        );
        assert_eq!(text("message", "[]"), None);
        assert_eq!(text("other", r#"["hi"]"#), None);
    }

    #[test]
    fn clock_is_after_2020() {
        assert!(now_ms() > 1_577_836_800_000);
    }
}

//! ackping: TornadIO2's `ackping` example, ping as a request and its
//! acknowledgement as the response.
//!
//! | client → server | reply |
//! |---|---|
//! | `ping` (client_ms) [ack] | ack `[client_ms, server_ms]`: the client's stamp as sent and the server's wall clock (ms since the Unix epoch) |
//! | `ping` without an ack, or another event | nothing (logged) |
//!
//! The page (`static/index.html`) pings every few seconds and shows the
//! round trip and the client-to-server time.

use examples_common::stamps;
use sio_guest::{Ack, Args, Conn, Handler};

#[derive(Default)]
pub struct AckPing;

impl Handler for AckPing {
    fn on_event(&mut self, conn: Conn, event: &str, args: Args, ack: Option<Ack>) {
        let (Some(ack), "ping") = (ack, event) else {
            sio_guest::info!("{conn}: {event} ignored (ackping answers `ping` with an ack)");
            return;
        };
        if let Err(error) = ack.reply(&stamps(&args)) {
            sio_guest::warn!("{conn}: ping ack failed: {error}");
        }
    }
}

sio_guest::handler!(AckPing);

#[cfg(test)]
mod tests {
    use examples_common::{calls_but_logs, now_ms};
    use sio_guest::testing::{Harness, HostCall, conn_info};

    use super::*;

    #[test]
    fn ping_is_answered_with_both_stamps() {
        let mut h = Harness::<AckPing>::new();
        h.connect(conn_info(1)).unwrap();
        let before = now_ms();
        h.event(1, "ping", "[1234.5]", Some(7));
        h.event(1, "ping", "[1]", None);
        let calls = calls_but_logs(&h);
        let [
            HostCall::Ack {
                conn: 1,
                ack_id: 7,
                args,
                ..
            },
        ] = calls.as_slice()
        else {
            panic!("one ack expected: {calls:?}");
        };
        let (client, server): (f64, u64) = serde_json::from_str(args).unwrap();
        assert_eq!(client, 1234.5);
        assert!(server >= before, "{server} < {before}");
    }
}

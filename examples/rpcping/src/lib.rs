//! rpcping: TornadIO2's `rpcping` example, ping and pong as events.
//!
//! | client → server | reply |
//! |---|---|
//! | `ping` (client_ms, text) | `pong` `[client_ms, server_ms, text]` to the sender: its stamp as sent, the server's wall clock (ms since the Unix epoch) and the text it got |
//! | another event | nothing (logged) |
//!
//! The page (`static/index.html`) pings every few seconds and shows the
//! round trip, the client-to-server time and the text the server got.

use examples_common::stamps;
use sio_guest::{Ack, Args, Conn, Handler};

#[derive(Default)]
pub struct RpcPing;

impl Handler for RpcPing {
    fn on_event(&mut self, conn: Conn, event: &str, args: Args, _ack: Option<Ack>) {
        if event != "ping" {
            sio_guest::info!("{conn}: {event} ignored (rpcping answers `ping`)");
            return;
        }
        let text = args.get::<String>(1).unwrap_or_default();
        sio_guest::debug!("{conn}: got {text:?}");
        let (client, server) = stamps(&args);
        if let Err(error) = conn.emit("pong", &(client, server, text)) {
            sio_guest::warn!("{conn}: pong failed: {error}");
        }
    }
}

sio_guest::handler!(RpcPing);

#[cfg(test)]
mod tests {
    use examples_common::calls_but_logs;
    use sio_guest::Target;
    use sio_guest::testing::{Harness, HostCall, conn_info};

    use super::*;

    #[test]
    fn ping_event_gets_a_pong_event() {
        let mut h = Harness::<RpcPing>::new();
        h.connect(conn_info(1)).unwrap();
        h.connect(conn_info(2)).unwrap();
        h.event(1, "ping", r#"[99,"Hey Server"]"#, None);
        let calls = calls_but_logs(&h);
        let [
            HostCall::Emit {
                to: Target::Conn(1),
                event,
                args,
                ..
            },
        ] = calls.as_slice()
        else {
            panic!("one pong to the sender expected: {calls:?}");
        };
        assert_eq!(event, "pong");
        let (client, server, text): (u64, u64, String) = serde_json::from_str(args).unwrap();
        assert_eq!((client, text.as_str()), (99, "Hey Server"));
        assert!(server > 1_600_000_000_000);
    }
}

//! The reference server behaviour of Socket.IO's v5 protocol test suite
//! (`socket.io-protocol/test-suite`), served on `/` and `/custom`:
//!
//! - on connect, emit `auth` to the connection with the CONNECT payload as
//!   its one argument (`["auth",{}]` when there was none);
//! - event `message`: emit `message-back` to the sender with the same
//!   arguments and attachments;
//! - event `message-with-ack`: answer the ack with the same arguments and
//!   attachments.
//!
//! Arguments are passed through as raw JSON text, byte for byte.

use sio_guest::{Ack, Args, Conn, ConnInfo, Handler};

/// The test suite's server.
#[derive(Default)]
pub struct Conformance;

/// The `auth` event's arguments: the CONNECT payload as the only argument.
fn auth_args(auth: Option<&str>) -> String {
    match auth.map(str::trim) {
        Some(auth) if !auth.is_empty() => format!("[{auth}]"),
        _ => "[{}]".to_owned(),
    }
}

impl Handler for Conformance {
    fn on_connect(&mut self, info: &ConnInfo) -> Result<(), String> {
        let conn = info.conn();
        if let Err(error) = conn.emit_raw("auth", &auth_args(info.auth.as_deref()), &[]) {
            sio_guest::warn!("conformance: auth to {conn} ({:?}): {error}", info.auth);
        }
        Ok(())
    }

    fn on_event(&mut self, conn: Conn, event: &str, args: Args, ack: Option<Ack>) {
        let result = match (event, ack) {
            ("message", _) => conn.emit_raw("message-back", args.raw(), args.attachments()),
            ("message-with-ack", Some(ack)) => ack.reply_raw(args.raw(), args.attachments()),
            _ => Ok(()),
        };
        if let Err(error) = result {
            sio_guest::warn!("conformance: {event} from {conn}: {error}");
        }
    }
}

sio_guest::handler!(Conformance);

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use sio_guest::Target;
    use sio_guest::testing::{Harness, HostCall, conn_info};

    fn emit(conn: u64, event: &str, args: &str, attachments: Vec<Vec<u8>>) -> HostCall {
        HostCall::Emit {
            to: Target::Conn(conn),
            event: event.into(),
            args: args.into(),
            attachments,
        }
    }

    #[test]
    fn auth_is_echoed_on_connect() {
        let mut h = Harness::<Conformance>::new();
        h.connect(conn_info(1)).unwrap();
        h.connect(ConnInfo {
            auth: Some(r#"{"token":"123"}"#.into()),
            ..conn_info(2)
        })
        .unwrap();
        assert_eq!(
            h.take_calls(),
            vec![
                emit(1, "auth", "[{}]", vec![]),
                emit(2, "auth", r#"[{"token":"123"}]"#, vec![]),
            ]
        );
        assert_eq!(auth_args(Some("  ")), "[{}]");
    }

    #[test]
    fn message_back_keeps_args_and_attachments() {
        let mut h = Harness::<Conformance>::new();
        h.connect(conn_info(1)).unwrap();
        h.take_calls();
        h.event(1, "message", r#"[1,"2",{"3":[true]}]"#, None);
        let binary = r#"[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#;
        let bytes = vec![vec![1, 2, 3], vec![4, 5, 6]];
        h.event_binary(1, "message", binary, bytes.clone(), None);
        h.event(1, "other", "[]", None);
        assert_eq!(
            h.take_calls(),
            vec![
                emit(1, "message-back", r#"[1,"2",{"3":[true]}]"#, vec![]),
                emit(1, "message-back", binary, bytes),
            ]
        );
    }

    #[test]
    fn message_with_ack_is_answered_with_the_same_args() {
        let mut h = Harness::<Conformance>::new();
        h.connect(conn_info(1)).unwrap();
        h.take_calls();
        h.event(1, "message-with-ack", r#"[1,"2",{"3":[false]}]"#, Some(456));
        let binary = r#"[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#;
        let bytes = vec![vec![1, 2, 3], vec![4, 5, 6]];
        h.event_binary(1, "message-with-ack", binary, bytes.clone(), Some(789));
        h.event(1, "message-with-ack", "[1]", None);
        assert_eq!(
            h.take_calls(),
            vec![
                HostCall::Ack {
                    conn: 1,
                    ack_id: 456,
                    args: r#"[1,"2",{"3":[false]}]"#.into(),
                    attachments: vec![],
                },
                HostCall::Ack {
                    conn: 1,
                    ack_id: 789,
                    args: binary.into(),
                    attachments: bytes,
                },
            ]
        );
    }
}

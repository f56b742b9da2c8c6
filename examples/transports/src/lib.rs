//! transports: TornadIO2's `transports` example, a page that picks the
//! client generation and the transport, and a handler that says which
//! transport each client came over.
//!
//! | client → server | server → clients |
//! |---|---|
//! | connect | to it: `Welcome from the server over <transport>.` (the transport the host saw at connect: `websocket`, `polling`, `xhr-polling`, `jsonp-polling`, `htmlfile`, `flashsocket`) |
//! | plain message (any generation's `send`) [ack] | to all: `<transport>: <text>`; the ack answered with `["received"]` (0.9 clients' message acks are answered by the host) |

use std::collections::BTreeMap;

use examples_common::{answer, message_text, send};
use sio_guest::{Ack, Args, Conn, ConnId, ConnInfo, Handler, Target};

#[derive(Default)]
pub struct Transports {
    /// Each connection's transport at connect time.
    transports: BTreeMap<ConnId, String>,
}

impl Transports {
    fn relay(&self, conn: Conn, text: &str) {
        let transport = self.transports.get(&conn.id()).map_or("?", String::as_str);
        send(Target::All, &format!("{transport}: {text}"));
    }
}

impl Handler for Transports {
    fn on_connect(&mut self, info: &ConnInfo) -> Result<(), String> {
        send(
            info.conn(),
            &format!("Welcome from the server over {}.", info.transport),
        );
        self.transports.insert(info.id, info.transport.clone());
        Ok(())
    }

    fn on_message(&mut self, conn: Conn, text: &str) {
        self.relay(conn, text);
    }

    fn on_event(&mut self, conn: Conn, event: &str, args: Args, ack: Option<Ack>) {
        match message_text(event, &args) {
            Some(text) => self.relay(conn, &text),
            None => sio_guest::info!("{conn}: event {event} ignored"),
        }
        answer(ack, &("received",));
    }

    fn on_disconnect(&mut self, conn: Conn, _reason: &str) {
        self.transports.remove(&conn.id());
    }
}

sio_guest::handler!(Transports);

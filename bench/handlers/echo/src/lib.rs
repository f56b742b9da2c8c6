//! The sio-host side of the benchmarks (bench/run.sh), the same behaviour as
//! every comparison server in bench/servers:
//!
//! - event `echo` with an ack id: answer the ack with the same arguments and
//!   attachments, as raw JSON text (no parse, no re-encode);
//! - event `broadcast`: emit `broadcast` with the same arguments to every
//!   connection of the endpoint, the sender included.

use sio_guest::{Ack, Args, Conn, Handler, Target};

/// The benchmark handler.
#[derive(Default)]
pub struct Echo;

impl Handler for Echo {
    fn on_event(&mut self, _conn: Conn, event: &str, args: Args, ack: Option<Ack>) {
        let _ = match (event, ack) {
            ("echo", Some(ack)) => ack.reply_raw(args.raw(), args.attachments()),
            ("broadcast", _) => {
                sio_guest::emit_raw(Target::All, "broadcast", args.raw(), args.attachments())
            }
            _ => Ok(()),
        };
    }
}

sio_guest::handler!(Echo);

//! A build of the counting handler that a reload must refuse: its state
//! type wants a field the running builds' state does not have, so
//! `restore` fails and the running version keeps serving.

use serde::{Deserialize, Serialize};
use sio_guest::{Ack, Args, Conn, Handler};

#[derive(Default, Serialize, Deserialize)]
struct Incompatible {
    /// Not in `counter-a`/`counter-b`'s state, and no `#[serde(default)]`.
    schema: u32,
    total: u64,
}

impl Handler for Incompatible {
    fn on_event(&mut self, _conn: Conn, _event: &str, _args: Args, ack: Option<Ack>) {
        if let Some(ack) = ack {
            let _ = ack.reply(&("broken", self.schema, self.total));
        }
    }
}

sio_guest::handler!(Incompatible, state);

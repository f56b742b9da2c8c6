//! `sio:realtime/stats`: the server's counters as the `/stats` JSON
//! document, read at the call; `{}` when the store's namespace has none
//! (under `sio-host check`, and while a reload or a rebuild restores state
//! into a new instance). Nothing to validate: a guest only reads.

use crate::endpoint::bindings::sio::realtime::stats::Host;
use crate::endpoint::store::GuestState;

impl Host for GuestState {
    fn json(&mut self) -> String {
        match &self.ns.server_stats {
            Some(stats) => stats.to_json().to_string(),
            None => "{}".to_string(),
        }
    }
}

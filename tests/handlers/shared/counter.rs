// The counting handler of the hot-reload tests, included by `counter-a` and
// `counter-b` (which differ only in `VERSION`, so a client sees which build
// answered) and by `counter-broken` (whose state type does not fit).
//
// Events (each answers through its ack):
// * `n` [seq]: counts one event; seq must be the connection's previous + 1.
//   Answers [VERSION, seq, total], total counting every `n` since the server
//   started, across every version swapped in.
// * `stats`: answers [{version, total, out_of_order, conns, restores}].
// * `config`: answers [[[key, value], ...]], the endpoint's config values.
// * `spin`: loops forever (the call deadline ends it; the rebuilt instance
//   restores the state of the last reload).
// * `set-data` [value]: the connection's host-held data (conn-state) becomes
//   value; `data`: answers [data, rooms, members of "counting"], as the host
//   holds them (they outlive reloads and rebuilds without snapshot code).
// * `join` [room]: the connection joins room.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sio_guest::serde_json::json;
use sio_guest::{Ack, Args, Conn, ConnId, Handler};

use crate::VERSION;

#[derive(Default, Serialize, Deserialize)]
pub struct Counter {
    /// `n` events counted since the server started, by every version.
    total: u64,
    /// Per connection, the last sequence number seen.
    last: BTreeMap<ConnId, u64>,
    /// `n` events whose number was not the previous + 1.
    out_of_order: u64,
    /// How many hand-overs this state went through.
    #[serde(default)]
    restores: u64,
}

impl Handler for Counter {
    fn on_event(&mut self, conn: Conn, event: &str, args: Args, ack: Option<Ack>) {
        let reply = match event {
            "n" => {
                let Some(seq) = args.get::<u64>(0) else {
                    sio_guest::warn!("{conn}: `n` without a number: {}", args.raw());
                    return;
                };
                let last = self.last.entry(conn.id()).or_insert(0);
                if seq != *last + 1 {
                    self.out_of_order += 1;
                }
                *last = seq;
                self.total += 1;
                json!([VERSION, seq, self.total])
            }
            "stats" => json!([{
                "version": VERSION,
                "total": self.total,
                "out_of_order": self.out_of_order,
                "conns": self.last.len(),
                "restores": self.restores,
            }]),
            "config" => json!([sio_guest::config::values()]),
            "set-data" => {
                let value = args.get::<sio_guest::serde_json::Value>(0);
                json!([conn.set_data(&value).is_ok()])
            }
            "data" => {
                let data: Option<sio_guest::serde_json::Value> = conn.data().unwrap_or(None);
                let members: Vec<ConnId> = sio_guest::room_conns("counting")
                    .into_iter()
                    .map(Conn::id)
                    .collect();
                json!([data, conn.rooms().unwrap_or_default(), members])
            }
            "join" => {
                let room = args.get::<String>(0).unwrap_or_default();
                json!([conn.join(&room).is_ok()])
            }
            "spin" => {
                let mut x: u64 = 0;
                loop {
                    x = std::hint::black_box(x.wrapping_add(1));
                }
            }
            _ => return,
        };
        if let Some(ack) = ack {
            let _ = ack.reply(&reply);
        }
    }

    fn on_disconnect(&mut self, conn: Conn, _reason: &str) {
        self.last.remove(&conn.id());
    }

    fn on_restore(&mut self) {
        self.restores += 1;
    }
}

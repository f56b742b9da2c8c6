//! A test handler for dynamic namespaces (tests/node/dynamic-namespaces.test.mjs):
//! served on a pattern (`/room-*`), one instance per namespace, it says
//! which namespace it is (`conn-info.endpoint`) and keeps per-instance
//! counts, so a client can tell its namespace's instance from another's
//! and a fresh instance from a kept one.
//!
//! * on connect: `welcome` [{endpoint, visitor, version}]: `visitor` counts
//!   this instance's connects (1 for the first client of a fresh one),
//!   `version` is the `version` config value (a reload can change it).
//! * `join(room)`: the sender joins `room`; acked `["ok"]`.
//! * `say(room, text)`: `said` [endpoint, text] to everyone in `room`.
//! * `shout(text)`: `shouted` [endpoint, text] to every connection of this
//!   namespace.
//! * `whoami()`: acked [{endpoint, visitors, version, hits}] where `hits`
//!   is a key-value counter bumped by each `whoami` (the store is scoped
//!   per namespace and outlives the instance).
//!
//! It hands its state over on a reload (`sio:realtime/state`): each
//! namespace's instance keeps its own `visitors` across one.

use serde::{Deserialize, Serialize};
use sio_guest::serde_json::{Value, json};
use sio_guest::{Ack, Args, Conn, ConnInfo, Handler, Target};

#[derive(Default, Serialize, Deserialize)]
struct RoomProbe {
    /// The namespace this instance serves, from the first `on-connect`.
    endpoint: String,
    /// `on-connect` calls this instance accepted.
    visitors: u64,
}

fn version() -> String {
    sio_guest::config::get("version").unwrap_or_else(|| "1".into())
}

impl Handler for RoomProbe {
    fn on_connect(&mut self, info: &ConnInfo) -> Result<(), String> {
        self.endpoint.clone_from(&info.endpoint);
        self.visitors += 1;
        info.conn()
            .emit(
                "welcome",
                &(json!({
                    "endpoint": info.endpoint,
                    "visitor": self.visitors,
                    "version": version(),
                }),),
            )
            .map_err(|e| e.to_string())
    }

    fn on_event(&mut self, conn: Conn, event: &str, args: Args, ack: Option<Ack>) {
        let reply: Option<Value> = match event {
            "join" => {
                let room: String = args.get(0).unwrap_or_default();
                Some(json!(
                    conn.join(&room)
                        .map_or_else(|e| e.to_string(), |()| "ok".into())
                ))
            }
            "say" => {
                let room: String = args.get(0).unwrap_or_default();
                let text: String = args.get(1).unwrap_or_default();
                let _ = sio_guest::emit(Target::Room(room), "said", &(&self.endpoint, text));
                None
            }
            "shout" => {
                let text: String = args.get(0).unwrap_or_default();
                let _ = sio_guest::emit(Target::All, "shouted", &(&self.endpoint, text));
                None
            }
            "whoami" => Some(json!({
                "endpoint": self.endpoint,
                "visitors": self.visitors,
                "version": version(),
                "hits": sio_guest::kv::increment("hits", 1).ok(),
            })),
            _ => None,
        };
        if let (Some(ack), Some(reply)) = (ack, reply) {
            let _ = ack.reply(&(reply,));
        }
    }
}

sio_guest::handler!(RoomProbe, state);

//! multiplexed: TornadIO2's `multiplexed` example, a ping and a chat over
//! one connection. The component is mounted on two endpoints
//! (`/ping=multiplexed.wasm /chat=multiplexed.wasm`, see `sio.toml`); each
//! endpoint gets its own instance, which takes its part from the endpoint
//! it serves: `/ping` pings, every other endpoint chats.
//!
//! Plain messages both ways (a 0.9 client's `send`/`json.send`, a newer
//! client's `send`, which is the event `message`):
//!
//! | endpoint | client → server | server → clients |
//! |---|---|---|
//! | `/ping` | `{"client": ms}` (JSON) | to the sender: the same object with `"server": ms` added (the server's clock, ms since the Unix epoch) |
//! | `/chat` | connect | to all: `UserN joined chat.` (N counts up from 1) |
//! | `/chat` | text | to all: `UserN: text` |
//! | `/chat` | disconnect | to all others: `UserN left chat.` |

use std::collections::BTreeMap;

use examples_common::{answer, message_text, now_ms, send};
use sio_guest::serde_json::Value;
use sio_guest::{Ack, Args, Conn, ConnId, ConnInfo, Handler, Target};

/// What this instance does, fixed by the endpoint of its first connection.
#[derive(Default, Clone, Copy, PartialEq, Eq, Debug)]
enum Part {
    #[default]
    Chat,
    Ping,
}

#[derive(Default)]
pub struct Multiplexed {
    part: Option<Part>,
    /// Chat: the connected users' names.
    users: BTreeMap<ConnId, String>,
    /// Chat: the last number given out.
    last_user: u64,
}

impl Multiplexed {
    fn on_text(&mut self, conn: Conn, text: &str) {
        match self.part.unwrap_or_default() {
            Part::Ping => Self::pong(conn, text),
            Part::Chat => {
                let name = self.users.get(&conn.id()).map_or("?", String::as_str);
                send(Target::All, &format!("{name}: {text}"));
            }
        }
    }

    /// `{"client": ..}` back with the server's stamp added.
    fn pong(conn: Conn, text: &str) {
        let Ok(Value::Object(mut ping)) = sio_guest::serde_json::from_str::<Value>(text) else {
            sio_guest::info!("{conn}: ping {text:?} is not a JSON object; ignored");
            return;
        };
        ping.insert("server".into(), now_ms().into());
        send(conn, &Value::Object(ping).to_string());
    }
}

impl Handler for Multiplexed {
    fn on_connect(&mut self, info: &ConnInfo) -> Result<(), String> {
        let part = *self.part.get_or_insert(if info.endpoint == "/ping" {
            Part::Ping
        } else {
            Part::Chat
        });
        if part == Part::Chat {
            self.last_user += 1;
            let name = format!("User{}", self.last_user);
            // The joiner is not connected until this call returns: the
            // greeting reaches it too, after the CONNECT reply.
            send(Target::All, &format!("{name} joined chat."));
            self.users.insert(info.id, name);
        }
        Ok(())
    }

    fn on_message(&mut self, conn: Conn, text: &str) {
        self.on_text(conn, text);
    }

    fn on_event(&mut self, conn: Conn, event: &str, args: Args, ack: Option<Ack>) {
        match message_text(event, &args) {
            Some(text) => self.on_text(conn, &text),
            None => sio_guest::info!("{conn}: event {event} ignored"),
        }
        answer(ack, &());
    }

    fn on_disconnect(&mut self, conn: Conn, _reason: &str) {
        if let Some(name) = self.users.remove(&conn.id()) {
            send(Target::All, &format!("{name} left chat."));
        }
    }
}

sio_guest::handler!(Multiplexed);

#[cfg(test)]
mod tests {
    use sio_guest::testing::{Harness, HostCall, conn_info};

    use super::*;

    fn sent(h: &Harness<Multiplexed>) -> Vec<(Target, String)> {
        h.take_calls()
            .into_iter()
            .filter_map(|c| match c {
                HostCall::Send { to, text } => Some((to, text)),
                _ => None,
            })
            .collect()
    }

    fn on(endpoint: &str, id: ConnId) -> ConnInfo {
        ConnInfo {
            endpoint: endpoint.into(),
            ..conn_info(id)
        }
    }

    #[test]
    fn chat_names_users_and_relays() {
        let mut h = Harness::<Multiplexed>::new();
        h.connect(on("/chat", 1)).unwrap();
        h.connect(on("/chat", 2)).unwrap();
        h.message(2, "hi");
        h.event(1, "message", r#"["yo"]"#, None);
        h.disconnect(1, "transport close");
        let all = |t: &str| (Target::All, t.to_owned());
        assert_eq!(
            sent(&h),
            vec![
                all("User1 joined chat."),
                all("User2 joined chat."),
                all("User2: hi"),
                all("User1: yo"),
                all("User1 left chat."),
            ]
        );
    }

    #[test]
    fn ping_adds_the_server_stamp() {
        let mut h = Harness::<Multiplexed>::new();
        h.connect(on("/ping", 1)).unwrap();
        h.message(1, r#"{"client":5}"#);
        h.event(1, "message", r#"[{"client":6}]"#, None);
        h.message(1, "not json");
        let sent = sent(&h);
        assert_eq!(sent.len(), 2, "{sent:?}");
        for ((to, text), client) in sent.iter().zip([5, 6]) {
            assert_eq!(to, &Target::Conn(1));
            let v: Value = sio_guest::serde_json::from_str(text).unwrap();
            assert_eq!(v["client"], client);
            assert!(v["server"].as_u64().unwrap() > 1_577_836_800_000);
        }
    }
}

//! A test handler for connection state recovery (tests/node/recovery*.mjs):
//! it sends to rooms, to one connection and to everyone on request, and
//! tells what it saw of each connection's comings and goings.
//!
//! * `join(room)`: the sender joins `room`; acked `["ok"]`.
//! * `to-room(room, ...args)`: `room-msg` with `args` to `room`.
//! * `to-conn(sid, ...args)`: `direct` with `args` to the connection whose
//!   Socket.IO id is `sid` (the sender's own when `sid` is null).
//! * `to-all(...args)`: `all-msg` with `args` to everyone.
//! * `to-others(...args)`: `others-msg` with `args` to everyone but the
//!   sender.
//! * `set-data(value)`: the sender's connection data; acked `["ok"]`.
//! * `whoami()`: acked `[{conn, sid, rooms, data, connects, recovered}]`:
//!   how many times `on-connect` ran for this conn, and how many of those
//!   were recoveries.
//! * `log()`: acked `[[..lines]]`: every connect, recovery and disconnect
//!   the handler heard, as `"connect <sid>"`, `"recovered <sid>"`,
//!   `"disconnect <sid> <reason>"`.
//!
//! `on-connect` refuses a client whose auth says `{"refuse": true}`, also
//! on a recovery, and greets every connection with `hello [recovered]`.

use std::collections::HashMap;

use sio_guest::serde_json::{Value, json};
use sio_guest::{Ack, Args, Conn, ConnId, ConnInfo, Handler, Target};

#[derive(Default)]
struct Probe {
    /// (sid, on-connect calls, recoveries) per connection.
    conns: HashMap<ConnId, (String, u32, u32)>,
    log: Vec<String>,
}

impl Probe {
    fn conn_of(&self, sid: &str) -> Option<Conn> {
        self.conns
            .iter()
            .find(|(_, (s, _, _))| s == sid)
            .map(|(id, _)| Conn::new(*id))
    }
}

/// `args` without its first `skip` values, as a JSON array.
fn rest(args: &Args, skip: usize) -> String {
    let all: Vec<Value> = args.parse().unwrap_or_default();
    Value::from(all.into_iter().skip(skip).collect::<Vec<_>>()).to_string()
}

impl Handler for Probe {
    fn on_connect(&mut self, info: &ConnInfo) -> Result<(), String> {
        let recovered = info.recovered();
        let refuse = info
            .auth_as::<Value>()
            .is_some_and(|a| a["refuse"] == json!(true));
        if refuse {
            return Err("refused".into());
        }
        let entry = self
            .conns
            .entry(info.id)
            .or_insert_with(|| (info.sid.clone(), 0, 0));
        entry.1 += 1;
        if recovered {
            entry.2 += 1;
            self.log.push(format!("recovered {}", info.sid));
        } else {
            self.log.push(format!("connect {}", info.sid));
        }
        info.conn()
            .emit("hello", &(recovered,))
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
            "to-room" => {
                let room: String = args.get(0).unwrap_or_default();
                let _ = sio_guest::emit_raw(Target::Room(room), "room-msg", &rest(&args, 1), &[]);
                None
            }
            "to-conn" => {
                let to = match args.get::<String>(0) {
                    Some(sid) => self.conn_of(&sid),
                    None => Some(conn),
                };
                if let Some(to) = to {
                    let _ = to.emit_raw("direct", &rest(&args, 1), &[]);
                }
                None
            }
            "to-all" => {
                let _ = sio_guest::emit_raw(Target::All, "all-msg", &rest(&args, 0), &[]);
                None
            }
            "to-others" => {
                let _ = sio_guest::emit_raw(
                    Target::AllExcept(conn.id()),
                    "others-msg",
                    &rest(&args, 0),
                    &[],
                );
                None
            }
            "set-data" => {
                let value: Value = args.get(0).unwrap_or(Value::Null);
                Some(json!(
                    conn.set_data(&value)
                        .map_or_else(|e| e.to_string(), |()| "ok".into())
                ))
            }
            "whoami" => {
                let (sid, connects, recovered) =
                    self.conns.get(&conn.id()).cloned().unwrap_or_default();
                Some(json!({
                    "conn": conn.id(),
                    "sid": sid,
                    "rooms": conn.rooms().unwrap_or_default(),
                    "data": conn.data::<Value>().ok().flatten(),
                    "connects": connects,
                    "recovered": recovered,
                }))
            }
            "log" => Some(json!(self.log)),
            _ => None,
        };
        if let (Some(ack), Some(reply)) = (ack, reply) {
            let _ = ack.reply(&(reply,));
        }
    }

    fn on_disconnect(&mut self, conn: Conn, reason: &str) {
        if let Some((sid, _, _)) = self.conns.remove(&conn.id()) {
            self.log.push(format!("disconnect {sid} {reason}"));
        }
    }
}

sio_guest::handler!(Probe);

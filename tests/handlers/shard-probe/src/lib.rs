//! A test handler for sharded endpoints (tests/node/shards.test.mjs): each
//! instance says which it is, and each event makes one host call aimed at
//! any connection of the endpoint by its id, so a test can reach across
//! shards.
//!
//! An instance's number comes from the key-value store (`instances`,
//! incremented by the first call that needs it), which every shard shares:
//! two instances never have the same one, and a reload's new instances get
//! new ones. Connections join the rooms in their auth `{"rooms": [..]}`.
//!
//! * `whoami()`: acked `[{instance, conn}]`.
//! * `emit-to(conn, event, payload)`: `emit` to one connection; acked
//!   `["ok"]` or `[error]`.
//! * `room-emit(room, event, payload)`, `all-emit(event, payload)`: `emit`
//!   to a room / to everyone; acked the same.
//! * `select-emit({rooms, conns, exceptRooms, exceptConns}, event,
//!   payload)`: `broadcast.emit`; acked the same.
//! * `join(conn, room)`, `leave(conn, room)`, `kick(conn)`: acked the same.
//! * `room-conns(room)`, `room-size(room)`, `rooms-of(conn)`: acked
//!   `[value]` (or `[error]`).
//! * `incr(key)`: the store's `increment(key, 1)`; acked `[value]`.
//! * `ask(conn, event, payload, timeout_ms)`: `emit-with-ack` to one
//!   connection; acked `[token]`; the outcome comes to the sender as
//!   `answered [{token, conn, args|null}]`.
//! * `ask-all(room, timeout_ms)`: `broadcast.emit-with-ack` of `poll` to a
//!   room; acked `[token]`; the outcome comes as `replies [{token, conns:
//!   [answering conn ids], silent, missing}]`.
//! * `sockets(room)`: `cluster-sockets`; the answer comes as `sockets
//!   [{nodes, ids: [sid..]}]`.

use std::collections::HashMap;

use sio_guest::serde_json::{Value, json};
use sio_guest::{Ack, Args, Conn, ConnId, ConnInfo, Handler, Replies, Target, broadcast, kv};

#[derive(Default)]
struct Probe {
    /// This instance's number, once known.
    me: Option<i64>,
    /// Who asked for each token's outcome.
    asked: HashMap<u64, Conn>,
}

fn verdict(r: Result<(), sio_guest::HostError>) -> Value {
    match r {
        Ok(()) => json!("ok"),
        Err(e) => json!(e.to_string()),
    }
}

fn numbers(v: &Value, key: &str) -> Vec<ConnId> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default()
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

impl Probe {
    fn me(&mut self) -> i64 {
        *self
            .me
            .get_or_insert_with(|| kv::increment("instances", 1).unwrap_or(-1))
    }
}

impl Handler for Probe {
    fn on_connect(&mut self, info: &ConnInfo) -> Result<(), String> {
        let auth: Value = info
            .auth
            .as_deref()
            .and_then(|a| sio_guest::serde_json::from_str(a).ok())
            .unwrap_or(Value::Null);
        for room in strings(&auth, "rooms") {
            let _ = sio_guest::join(info.id, &room);
        }
        Ok(())
    }

    fn on_event(&mut self, conn: Conn, event: &str, args: Args, ack: Option<Ack>) {
        let conn_arg = |i| args.get::<u64>(i).unwrap_or(u64::MAX);
        let text = |i| args.get::<String>(i).unwrap_or_default();
        let payload = |i| args.get::<Value>(i).unwrap_or(Value::Null);
        let reply = match event {
            "whoami" => json!({ "instance": self.me(), "conn": conn.id() }),
            "emit-to" => verdict(sio_guest::emit(
                Target::Conn(conn_arg(0)),
                &text(1),
                &(payload(2),),
            )),
            "room-emit" => verdict(sio_guest::emit(
                Target::room(text(0)),
                &text(1),
                &(payload(2),),
            )),
            "all-emit" => verdict(sio_guest::emit(Target::All, &text(0), &(payload(1),))),
            "select-emit" => {
                let spec = payload(0);
                let mut op = broadcast::all();
                for room in strings(&spec, "rooms") {
                    op = op.to(room);
                }
                for c in numbers(&spec, "conns") {
                    op = op.to_conn(c);
                }
                for room in strings(&spec, "exceptRooms") {
                    op = op.except(room);
                }
                for c in numbers(&spec, "exceptConns") {
                    op = op.except_conn(c);
                }
                verdict(op.emit(&text(1), &(payload(2),)))
            }
            "join" => verdict(sio_guest::join(conn_arg(0), &text(1))),
            "leave" => verdict(sio_guest::leave(conn_arg(0), &text(1))),
            "kick" => verdict(sio_guest::disconnect(conn_arg(0))),
            "room-conns" => json!(
                sio_guest::room_conns(&text(0))
                    .iter()
                    .map(|c| c.id())
                    .collect::<Vec<_>>()
            ),
            "room-size" => json!(sio_guest::room_size(&text(0))),
            "rooms-of" => match Conn::new(conn_arg(0)).rooms() {
                Ok(rooms) => json!(rooms),
                Err(e) => json!(e.to_string()),
            },
            "incr" => match kv::increment(&text(0), 1) {
                Ok(n) => json!(n),
                Err(e) => json!(e.to_string()),
            },
            "ask" => {
                let timeout = args.get::<u32>(3).unwrap_or(0);
                match sio_guest::emit_with_ack(conn_arg(0), &text(1), &(payload(2),), timeout) {
                    Ok(token) => {
                        self.asked.insert(token, conn);
                        json!(token)
                    }
                    Err(e) => json!(e.to_string()),
                }
            }
            "ask-all" => {
                let timeout = args.get::<u32>(1).unwrap_or(0);
                match broadcast::to(text(0)).emit_with_ack("poll", &json!([]), timeout) {
                    Ok(token) => {
                        self.asked.insert(token, conn);
                        json!(token)
                    }
                    Err(e) => json!(e.to_string()),
                }
            }
            "sockets" => {
                let room = text(0);
                let token = 1_000_000 + conn.id();
                let room = (!room.is_empty()).then_some(room);
                match sio_guest::cluster_sockets(token, room.as_deref(), 2_000) {
                    Ok(()) => {
                        self.asked.insert(token, conn);
                        json!("ok")
                    }
                    Err(e) => json!(e.to_string()),
                }
            }
            _ => json!("unknown event"),
        };
        if let Some(ack) = ack {
            let _ = ack.reply(&(reply,));
        }
    }

    fn on_ack(&mut self, _conn: Conn, token: u64, reply: Option<Args>) {
        let Some(asker) = self.asked.remove(&token) else {
            return;
        };
        let args =
            reply.map(|r| sio_guest::serde_json::from_str::<Value>(r.raw()).unwrap_or(Value::Null));
        let _ = asker.emit(
            "answered",
            &(json!({ "token": token, "conn": _conn.id(), "args": args }),),
        );
    }

    fn on_replies(&mut self, token: u64, replies: Replies) {
        let Some(asker) = self.asked.remove(&token) else {
            return;
        };
        let mut conns: Vec<ConnId> = replies.replies.iter().filter_map(|r| r.conn).collect();
        conns.sort_unstable();
        let _ = asker.emit(
            "replies",
            &(json!({
                "token": token,
                "answers": replies.replies.len(),
                "conns": conns,
                "silent": replies.silent,
                "missing": replies.missing,
            }),),
        );
    }

    fn on_fetch(&mut self, token: u64, response: Result<sio_guest::http::Response, String>) {
        let Some(asker) = self.asked.remove(&token) else {
            return;
        };
        let body: Value = response
            .ok()
            .and_then(|r| sio_guest::serde_json::from_slice(&r.body).ok())
            .unwrap_or(Value::Null);
        let ids: Vec<Value> = body
            .get("sockets")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|s| s.get("id").cloned()).collect())
            .unwrap_or_default();
        let _ = asker.emit(
            "sockets",
            &(json!({ "nodes": body.get("nodes"), "ids": ids }),),
        );
    }
}

sio_guest::handler!(Probe, async);

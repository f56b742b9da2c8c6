//! A test handler for `sio:realtime/broadcast` (tests/node/broadcast.test.mjs
//! and the cluster interop tests): each event drives one call with what the
//! client asks, so a test can aim broadcasts with several rooms,
//! exceptions, `local`, `volatile`, another endpoint, and collect acks.
//!
//! Connections join the rooms listed in their auth `{"rooms": [..]}`.
//! Selectors are JSON `{"rooms": [..], "sids": [..], "exceptRooms": [..],
//! "exceptSids": [..], "local": bool, "volatile": bool, "endpoint": str}`;
//! `sids` name connections of this endpoint by Socket.IO id, `"self"` the
//! sender.
//!
//! * `emit(selector, event, args, times?)`: `broadcast.emit`, `times` times
//!   in one call (default 1), acked `["ok"]` or `[error]`.
//! * `ask(selector, event, args, timeout_ms)`: `broadcast.emit-with-ack`,
//!   acked `[token]` or `[error]`; the outcome is emitted to the sender as
//!   `replies {token, replies: [{sid|null, args}], silent: [sid..], missing}`.
//! * `server-emit(event, args)` / `server-ask(event, args, timeout_ms)`:
//!   `server-emit` (acked `["ok"]`) / `server-emit-with-ack` (acked
//!   `[token]`; outcome as `replies`).
//! * `join(room)` / `leave(room)`: acked `["ok"]`.
//!
//! A server event from another node is emitted to every connection as
//! `server-event [event, args]` and, when the sender waits, answered with
//! `[{"from": "sio-host", "event": event, "args": args}]`.

use std::collections::HashMap;

use sio_guest::serde_json::{Value, json};
use sio_guest::{
    Ack, Args, Broadcast, Conn, ConnId, ConnInfo, Handler, Replies, ServerReply, broadcast,
};

#[derive(Default)]
struct Probe {
    /// Socket.IO id of each connection, and back.
    sids: HashMap<ConnId, String>,
    conns: HashMap<String, ConnId>,
    /// Who asked for each token's replies.
    asked: HashMap<u64, Conn>,
}

fn verdict(r: Result<(), sio_guest::HostError>) -> Value {
    match r {
        Ok(()) => json!("ok"),
        Err(e) => json!(e.to_string()),
    }
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
    fn conn_of(&self, sid: &str, me: Conn) -> ConnId {
        if sid == "self" {
            me.id()
        } else {
            // An unknown id stands for a connection that is not here.
            self.conns.get(sid).copied().unwrap_or(u64::MAX)
        }
    }

    fn operator(&self, spec: &Value, me: Conn) -> Broadcast {
        let mut op = match spec.get("endpoint").and_then(Value::as_str) {
            Some(endpoint) => broadcast::of(endpoint),
            None => broadcast::all(),
        };
        for room in strings(spec, "rooms") {
            op = op.to(room);
        }
        for sid in strings(spec, "sids") {
            op = op.to_conn(self.conn_of(&sid, me));
        }
        for room in strings(spec, "exceptRooms") {
            op = op.except(room);
        }
        for sid in strings(spec, "exceptSids") {
            op = op.except_conn(self.conn_of(&sid, me));
        }
        if spec.get("local").and_then(Value::as_bool) == Some(true) {
            op = op.local();
        }
        if spec.get("volatile").and_then(Value::as_bool) == Some(true) {
            op = op.volatile();
        }
        op
    }

    fn sid(&self, conn: ConnId) -> Value {
        self.sids.get(&conn).map_or(Value::Null, |s| json!(s))
    }
}

impl Handler for Probe {
    fn on_connect(&mut self, info: &ConnInfo) -> Result<(), String> {
        self.sids.insert(info.id, info.sid.clone());
        self.conns.insert(info.sid.clone(), info.id);
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
        let spec = args.get::<Value>(0).unwrap_or(Value::Null);
        let reply = match event {
            "emit" => {
                let name = args.get::<String>(1).unwrap_or_default();
                let payload = args.get::<Value>(2).unwrap_or(json!([]));
                let times = args.get::<u32>(3).unwrap_or(1);
                let op = self.operator(&spec, conn);
                let mut outcome = Ok(());
                for _ in 0..times {
                    outcome = op.emit_raw(&name, &payload.to_string(), &[]);
                    if outcome.is_err() {
                        break;
                    }
                }
                verdict(outcome)
            }
            "ask" => {
                let name = args.get::<String>(1).unwrap_or_default();
                let payload = args.get::<Value>(2).unwrap_or(json!([]));
                let timeout = args.get::<u32>(3).unwrap_or(0);
                match self.operator(&spec, conn).emit_with_ack_raw(
                    &name,
                    &payload.to_string(),
                    &[],
                    timeout,
                ) {
                    Ok(token) => {
                        self.asked.insert(token, conn);
                        json!(token)
                    }
                    Err(e) => json!(e.to_string()),
                }
            }
            "server-emit" => {
                let name = args.get::<String>(0).unwrap_or_default();
                let payload = args.get::<Value>(1).unwrap_or(json!([]));
                verdict(broadcast::server_emit(&name, &payload))
            }
            "server-ask" => {
                let name = args.get::<String>(0).unwrap_or_default();
                let payload = args.get::<Value>(1).unwrap_or(json!([]));
                let timeout = args.get::<u32>(2).unwrap_or(0);
                match broadcast::server_emit_with_ack(&name, &payload, timeout) {
                    Ok(token) => {
                        self.asked.insert(token, conn);
                        json!(token)
                    }
                    Err(e) => json!(e.to_string()),
                }
            }
            "join" => verdict(conn.join(&args.get::<String>(0).unwrap_or_default())),
            "leave" => verdict(conn.leave(&args.get::<String>(0).unwrap_or_default())),
            _ => json!("unknown event"),
        };
        if let Some(ack) = ack {
            let _ = ack.reply(&(reply,));
        }
    }

    fn on_replies(&mut self, token: u64, replies: Replies) {
        let Some(conn) = self.asked.remove(&token) else {
            return;
        };
        let list: Vec<Value> = replies
            .replies
            .iter()
            .map(|r| {
                let args: Value =
                    sio_guest::serde_json::from_str(r.args.raw()).unwrap_or(Value::Null);
                json!({ "sid": r.conn.map_or(Value::Null, |c| self.sid(c)), "args": args })
            })
            .collect();
        let silent: Vec<Value> = replies.silent.iter().map(|c| self.sid(*c)).collect();
        let _ = conn.emit(
            "replies",
            &(json!({
                "token": token,
                "replies": list,
                "silent": silent,
                "missing": replies.missing,
            }),),
        );
    }

    fn on_server_event(&mut self, event: &str, args: Args, reply: Option<ServerReply>) {
        let payload: Value = sio_guest::serde_json::from_str(args.raw()).unwrap_or(Value::Null);
        let _ = broadcast::all()
            .local()
            .emit("server-event", &(event, &payload));
        if let Some(reply) = reply {
            let _ = reply.reply(&(json!({ "from": "sio-host", "event": event, "args": payload }),));
        }
    }

    fn on_disconnect(&mut self, conn: Conn, _reason: &str) {
        if let Some(sid) = self.sids.remove(&conn.id()) {
            self.conns.remove(&sid);
        }
    }
}

sio_guest::handler!(Probe, async);

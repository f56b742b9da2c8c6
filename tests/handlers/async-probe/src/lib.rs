//! A test handler for the `async-endpoint` world (tests/tests/async.rs):
//! each event drives one `async-host` import and each completion is
//! reported to every connection, so a test can watch timers fire (or not)
//! after their connection left or across a hot reload.
//!
//! * `set(token, ms, tied)`: `set-timer`, tied to the sender when `tied`;
//!   acked `["ok"]` or `[error]`.
//! * `cancel(token)`: `cancel-timer`, acked `[was_pending]`.
//! * `hold()` / `release()`: the sender; acked `["ok"]` or `[error]`.
//! * `release-later(token, ms)`: hold the sender, release it when timer
//!   `token` fires.
//! * `seq(n)`: acked `[n]` (ordering probes).
//! * `panic()`: the call traps (the instance is rebuilt).
//! * `ask(ms)`: `emit-with-ack("question")` to the sender with timeout `ms`.
//! * `fetch(url)`: `http-fetch`; the outcome is emitted as `fetched`.
//! * `join(room)`: the sender joins `room`, acked `["ok"]`.
//! * `who(room|null, ms)`: `cluster-sockets` (token 2); the answer (the
//!   response's JSON body) is emitted to the sender as `who`.
//!
//! Emitted to all: `timer [token]` when a timer fires; `answer [token,
//! reply|null]` when a question is answered or timed out; `fetched [token,
//! {status, body}|{error}]`.

use std::collections::HashMap;

use sio_guest::http::{self, Request, Response};
use sio_guest::serde_json::{Value, json};
use sio_guest::{Ack, Args, Conn, Handler, Target};

#[derive(Default)]
struct Probe {
    /// Timer token → connection to release when it fires.
    release_on: HashMap<u64, Conn>,
    /// Cluster queries' tokens → who asked.
    asked: HashMap<u64, Conn>,
    next_query: u64,
}

fn verdict(r: Result<(), sio_guest::HostError>) -> Value {
    match r {
        Ok(()) => json!("ok"),
        Err(e) => json!(e.to_string()),
    }
}

impl Handler for Probe {
    fn on_event(&mut self, conn: Conn, event: &str, args: Args, ack: Option<Ack>) {
        let reply = match event {
            "set" => {
                let token = args.get::<u64>(0).unwrap_or(0);
                let ms = args.get::<u32>(1).unwrap_or(0);
                let tied = args.get::<bool>(2).unwrap_or(false);
                verdict(sio_guest::set_timer(token, ms, tied.then_some(conn)))
            }
            "cancel" => json!(sio_guest::cancel_timer(args.get::<u64>(0).unwrap_or(0))),
            "hold" => verdict(conn.hold()),
            "release" => verdict(conn.release()),
            "release-later" => {
                let token = args.get::<u64>(0).unwrap_or(0);
                let ms = args.get::<u32>(1).unwrap_or(0);
                self.release_on.insert(token, conn);
                verdict(
                    conn.hold()
                        .and_then(|()| sio_guest::set_timer(token, ms, Some(conn))),
                )
            }
            "seq" => args.get::<Value>(0).unwrap_or(Value::Null),
            "panic" => panic!("async-probe: asked to panic"),
            "ask" => {
                let ms = args.get::<u32>(0).unwrap_or(0);
                match conn.emit_with_ack("question", &("?",), ms) {
                    Ok(token) => json!(token),
                    Err(e) => json!(e.to_string()),
                }
            }
            "fetch" => {
                let url = args.get::<String>(0).unwrap_or_default();
                verdict(http::fetch(1, &Request::get(&url).timeout_ms(5_000)))
            }
            "join" => verdict(conn.join(&args.get::<String>(0).unwrap_or_default())),
            "who" => {
                // Tokens 1000.. for queries; `fetch` uses 1.
                self.next_query += 1;
                let token = 1000 + self.next_query;
                let room = args.get::<Option<String>>(0).flatten();
                let ms = args.get::<u32>(1).unwrap_or(0);
                self.asked.insert(token, conn);
                verdict(sio_guest::cluster_sockets(token, room.as_deref(), ms))
            }
            _ => json!("unknown"),
        };
        if let Some(ack) = ack {
            let _ = ack.reply(&(reply,));
        }
    }

    fn on_ack(&mut self, _conn: Conn, token: u64, reply: Option<Args>) {
        let reply: Value = reply
            .and_then(|r| sio_guest::serde_json::from_str(r.raw()).ok())
            .unwrap_or(Value::Null);
        let _ = sio_guest::emit(Target::All, "answer", &(token, reply));
    }

    fn on_timer(&mut self, token: u64) {
        if let Some(conn) = self.release_on.remove(&token) {
            let _ = conn.release();
        }
        let _ = sio_guest::emit(Target::All, "timer", &(token,));
    }

    fn on_fetch(&mut self, token: u64, response: Result<Response, String>) {
        if let Some(conn) = self.asked.remove(&token) {
            let answer: Value = response
                .ok()
                .and_then(|r| sio_guest::serde_json::from_slice(&r.body).ok())
                .unwrap_or(Value::Null);
            let _ = conn.emit("who", &(answer,));
            return;
        }
        let outcome = match response {
            Ok(r) => json!({ "status": r.status, "body": r.text() }),
            Err(error) => json!({ "error": error }),
        };
        let _ = sio_guest::emit(Target::All, "fetched", &(token, outcome));
    }
}

sio_guest::handler!(Probe, async);

//! TornadIO2's `gen` example for sio-host: a handler whose events do slow
//! asynchronous work (a timer, or an HTTP request) while that connection's
//! later events wait in order and every other connection goes on
//! (docs/async.md).
//!
//! Events, each answered through the client's ack callback:
//!
//! * `query(n)`: TornadIO2's example: answers `n` after a second of "work"
//!   (`delay` in ms as an optional second argument);
//! * `fetch(url)`: answers `{status, body}` of an HTTP GET (or `{error}`),
//!   for URLs the endpoint's `http-allow` lets through;
//! * `ping(x)`: answers `x` at once;
//! * `pending()`: answers how many slow calls are pending on the endpoint.
//!
//! A slow event holds its connection: the client's next events wait in the
//! host until the work completes and the handler releases it.

use std::collections::HashMap;

use sio_guest::http::{self, Request, Response};
use sio_guest::serde_json::{Value, json};
use sio_guest::{Ack, Args, Conn, Handler};

/// The delay of `query` when the client gives none, in ms.
const QUERY_DELAY_MS: u32 = 1000;

/// The gen handler: slow calls waiting for their completion, by token.
#[derive(Default)]
pub struct Gen {
    pending: HashMap<u64, Slow>,
    next_token: u64,
}

/// A slow call in progress.
struct Slow {
    ack: Option<Ack>,
    /// What `query` answers when its timer fires.
    answer: Value,
}

impl Gen {
    /// Hold `conn` and remember the call under a fresh token.
    fn start(&mut self, conn: Conn, ack: Option<Ack>, answer: Value) -> u64 {
        self.next_token += 1;
        let token = self.next_token;
        if let Err(e) = conn.hold() {
            sio_guest::warn!("{conn}: hold failed: {e}");
        }
        self.pending.insert(token, Slow { ack, answer });
        token
    }

    /// Answer the call of `token` with `reply` and release its connection.
    fn finish(&mut self, token: u64, reply: impl FnOnce(Value) -> Value) {
        let Some(slow) = self.pending.remove(&token) else {
            return;
        };
        let Some(ack) = slow.ack else {
            return;
        };
        let conn = ack.conn();
        // The client may have left: then both calls fail and nothing waits.
        let _ = ack.reply(&(reply(slow.answer),));
        let _ = conn.release();
    }
}

impl Handler for Gen {
    fn on_event(&mut self, conn: Conn, event: &str, args: Args, ack: Option<Ack>) {
        match event {
            "query" => {
                let answer = args.get::<Value>(0).unwrap_or(Value::Null);
                let delay = args.get::<u32>(1).unwrap_or(QUERY_DELAY_MS);
                let token = self.start(conn, ack, answer);
                if let Err(e) = sio_guest::set_timer(token, delay, Some(conn)) {
                    sio_guest::warn!("{conn}: set_timer failed: {e}");
                    self.finish(token, |_| json!({ "error": e.to_string() }));
                }
            }
            "fetch" => {
                let url = args.get::<String>(0).unwrap_or_default();
                let token = self.start(conn, ack, Value::Null);
                if let Err(e) = http::fetch(token, &Request::get(&url)) {
                    self.finish(token, |_| json!({ "error": e.to_string() }));
                }
            }
            "ping" => {
                if let Some(ack) = ack {
                    let _ = ack.reply_raw(args.raw(), &[]);
                }
            }
            "pending" => {
                if let Some(ack) = ack {
                    let _ = ack.reply(&(self.pending.len(),));
                }
            }
            _ => sio_guest::debug!("{conn}: unknown event {event}"),
        }
    }

    fn on_timer(&mut self, token: u64) {
        self.finish(token, |answer| answer);
    }

    fn on_fetch(&mut self, token: u64, response: Result<Response, String>) {
        self.finish(token, |_| match response {
            Ok(r) => json!({ "status": r.status, "body": r.text() }),
            Err(error) => json!({ "error": error }),
        });
    }

    fn on_disconnect(&mut self, conn: Conn, _reason: &str) {
        // Its timers were cancelled by the host; its fetches still complete
        // and find no one to answer.
        self.pending
            .retain(|_, slow| slow.ack.as_ref().is_none_or(|a| a.conn() != conn));
    }
}

sio_guest::handler!(Gen, async);

#[cfg(test)]
mod tests {
    use sio_guest::testing::{Harness, HostCall, conn_info};

    use super::*;

    #[test]
    fn query_holds_then_answers_and_releases() {
        let mut h = Harness::<Gen>::new();
        h.connect(conn_info(1)).unwrap();
        h.event(1, "query", "[42, 50]", Some(7));
        assert_eq!(
            h.take_calls(),
            vec![
                HostCall::Hold { conn: 1 },
                HostCall::SetTimer {
                    token: 1,
                    delay_ms: 50,
                    conn: Some(1)
                },
            ]
        );
        h.handler_mut().on_timer(1);
        assert_eq!(
            h.take_calls(),
            vec![
                HostCall::Ack {
                    conn: 1,
                    ack_id: 7,
                    args: "[42]".into(),
                    attachments: vec![]
                },
                HostCall::Release { conn: 1 },
            ]
        );
        // A stale or unknown token is ignored.
        h.handler_mut().on_timer(1);
        assert!(h.take_calls().is_empty());
    }
}

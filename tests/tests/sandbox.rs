//! Hostile handlers and hostile clients cost one call or one connection,
//! never the server: while each hostile thing happens, two bystanders keep
//! chatting through the same endpoint (`say` → `said`, in order) and one of
//! them echoes on another endpoint, and `/stats` counts the failure.
//!
//! Bystander round-trip times are printed (`--nocapture` shows them) as
//! figures, never asserted: timeouts here are liveness bounds only.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use sio_e2e::{Polling, STEP, Server, Ws, assert_echo, assert_eio_error, get, wasm, ws_url};
use tokio_tungstenite::tungstenite::Message;

/// The conformance handler on `/` (the bystanders' other endpoint) and the
/// hostile one on `/hostile`, with `extra` flags.
fn server(extra: &[&str]) -> Server {
    let mut args: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    args.push(format!("/={}", wasm("conformance").display()));
    args.push(format!("/hostile={}", wasm("hostile").display()));
    Server::start(&args)
}

/// A websocket client joined to `/` and `/hostile` (and so to the room
/// `chat`).
async fn client(addr: &str) -> Ws {
    let mut ws = Ws::socketio(addr).await;
    ws.send("40/hostile,").await;
    let reply = ws.recv_skip_pings().await.text();
    assert!(reply.starts_with("40/hostile,{\"sid\":"), "{reply}");
    ws
}

/// Send an event with ack id `id` on `/hostile`; the ack's arguments, after
/// whatever else arrives first (returned too).
async fn call(ws: &mut Ws, id: u64, event_json: &str) -> (Value, Vec<String>) {
    ws.send(&format!("42/hostile,{id}{event_json}")).await;
    let prefix = format!("43/hostile,{id}");
    let mut before = Vec::new();
    loop {
        let text = ws.recv_skip_pings().await.text();
        if let Some(args) = text.strip_prefix(&prefix) {
            let args = serde_json::from_str(args).unwrap_or_else(|e| panic!("{text}: {e}"));
            return (args, before);
        }
        before.push(text);
    }
}

/// [`assert_echo`] for a client in `chat`: the bystanders' lines that
/// reached it meanwhile are skipped.
async fn echo_amid_chat(ws: &mut Ws, tag: &str) {
    ws.send(&format!(r#"42["message","{tag}"]"#)).await;
    loop {
        let text = ws.recv_skip_pings().await.text();
        if !text.starts_with(r#"42/hostile,["said""#) {
            assert_eq!(text, format!(r#"42["message-back","{tag}"]"#));
            return;
        }
    }
}

/// The server's log once it shows `what` (stderr is read by a thread).
async fn logs_until(s: &Server, what: &str) -> String {
    let deadline = Instant::now() + STEP;
    loop {
        let logs = s.logs();
        if logs.contains(what) {
            return logs;
        }
        assert!(Instant::now() < deadline, "no {what:?} logged:\n{logs}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn stats(addr: &str) -> Value {
    get(addr, "/stats").await.json()
}

/// Polls `/stats` until `done` holds (calls are counted when they return).
async fn stats_until(addr: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + STEP;
    loop {
        let st = stats(addr).await;
        if done(&st) {
            return st;
        }
        assert!(
            Instant::now() < deadline,
            "/stats never showed {what}: {st:#}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn hostile_export<'a>(st: &'a Value, export: &str) -> &'a Value {
    &st["handlers"]["endpoints"]["/hostile"]["exports"][export]
}

/// Two clients chatting through `/hostile` while something hostile happens.
struct Bystanders {
    a: Ws,
    b: Ws,
}

/// What the bystanders saw.
struct Chatted {
    rounds: usize,
    /// Round-trip times of `say` → `said` through `/hostile`.
    rtts: Vec<Duration>,
}

impl Bystanders {
    async fn join(addr: &str) -> Bystanders {
        Bystanders {
            a: client(addr).await,
            b: client(addr).await,
        }
    }

    /// One round: a says to b, b says to a (each must arrive next, in
    /// order), and a echoes on `/`.
    async fn round(&mut self, n: usize, rtts: &mut Vec<Duration>) {
        rtts.push(say(&mut self.a, &mut self.b, &format!("a-{n}")).await);
        rtts.push(say(&mut self.b, &mut self.a, &format!("b-{n}")).await);
        assert_echo(&mut self.a, &format!("echo-{n}")).await;
    }

    /// Chat until `hostile` is done, then a few rounds more; at least
    /// `min_rounds` in all.
    async fn during<F: Future>(mut self, case: &str, hostile: F) -> (F::Output, Chatted, Self) {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let chat = async move {
            let mut rtts = Vec::new();
            let mut n = 0;
            let mut after_stop = None;
            loop {
                self.round(n, &mut rtts).await;
                n += 1;
                if after_stop.is_none() && stopped.load(Ordering::Relaxed) {
                    after_stop = Some(n);
                }
                if after_stop.is_some_and(|s| n >= s + 3) && n >= 10 {
                    return (self, Chatted { rounds: n, rtts });
                }
            }
        };
        let chat = tokio::spawn(chat);
        let out = hostile.await;
        stop.store(true, Ordering::Relaxed);
        let (me, chatted) = tokio::time::timeout(STEP * 6, chat)
            .await
            .expect("the bystanders kept chatting")
            .expect("the bystanders' task");
        chatted.report(case);
        (out, chatted, me)
    }
}

/// `from` says `line` in `chat`; `to` must hear it next. The round trip.
async fn say(from: &mut Ws, to: &mut Ws, line: &str) -> Duration {
    let started = Instant::now();
    from.send(&format!(r#"42/hostile,["say","{line}"]"#)).await;
    assert_eq!(
        to.recv_skip_pings().await.text(),
        format!(r#"42/hostile,["said","{line}"]"#),
        "the bystanders' chat arrives whole and in order"
    );
    started.elapsed()
}

impl Chatted {
    fn report(&self, case: &str) {
        let mut sorted = self.rtts.clone();
        sorted.sort();
        let pick = |q: f64| sorted[((sorted.len() - 1) as f64 * q) as usize];
        eprintln!(
            "[sandbox] {case}: {} rounds, bystander say->said rtt p50 {:.2?} p90 {:.2?} max {:.2?}",
            self.rounds,
            pick(0.5),
            pick(0.9),
            pick(1.0)
        );
    }
}

/// Event `id` on `/hostile`: 2 ms of handler work, acked `["done"]`.
fn slow_event(id: u64) -> String {
    format!(r#"42/hostile,{id}["slow",2]"#)
}

fn slow_ack(id: u64) -> String {
    format!(r#"43/hostile,{id}["done"]"#)
}

/// A client that sends events faster than its handler runs them waits on
/// its own socket: past `--max-pending-events` (128) waiting events the server
/// stops reading from it, so the endpoint's queue stays bounded and the
/// bystanders' events are not queued behind the whole flood. Every one of
/// the flooder's events still runs, in order.
#[tokio::test]
async fn a_client_flooding_a_slow_handler_waits_on_its_own_socket() {
    const EVENTS: u64 = 1_000;
    let s = server(&[]);
    let addr = s.addr();
    let bystanders = Bystanders::join(&addr).await;
    let mut flooder = client(&addr).await;
    let flood = async {
        // 1,000 events of 2 ms of handler work each, sent at once.
        for id in 0..EVENTS {
            flooder.send(&slow_event(id)).await;
        }
        let mut next = 0;
        while next < EVENTS {
            let text = flooder.recv_skip_pings().await.text();
            if text.starts_with("42/hostile,") {
                continue; // the bystanders' chat reaches the flooder too
            }
            assert_eq!(text, slow_ack(next), "acks in order");
            next += 1;
        }
    };
    let watch = async {
        let mut deepest = 0;
        loop {
            let st = stats(&addr).await;
            let ep = &st["handlers"]["endpoints"]["/hostile"];
            deepest = deepest.max(ep["queue_depth"].as_u64().unwrap_or(0));
            if hostile_export(&st, "on-event")["calls"]
                .as_u64()
                .unwrap_or(0)
                >= EVENTS
            {
                return deepest;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    let ((_, deepest), chatted, _bystanders) = bystanders
        .during("flooding client", async { tokio::join!(flood, watch) })
        .await;
    eprintln!("[sandbox] flooding client: deepest endpoint queue {deepest}");
    // 128 from the flooder, plus what the bystanders and the reader's last
    // frame add; without the pause the queue held most of the 1,000.
    assert!(
        deepest <= 160,
        "the endpoint's queue stayed bounded, deepest {deepest}"
    );
    assert!(chatted.rounds >= 10);
}

/// Handler calls are shared out connection by connection: behind a client
/// with a hundred 2 ms events waiting, a bystander's event waits for at most
/// one of them, not for all. The handler numbers its `work` calls in the
/// order they ran; most of the flood must run after the bystander's ten
/// calls (first come first served, none would). The bystander's latencies
/// are printed, never asserted.
#[tokio::test]
async fn a_bystander_waits_behind_one_event_of_a_flooding_client() {
    const FLOOD: u64 = 100;
    const ROUNDS: u64 = 10;
    let s = server(&[]);
    let addr = s.addr();
    let mut flooder = client(&addr).await;
    let mut bystander = client(&addr).await;
    for id in 0..FLOOD {
        flooder.send(&format!(r#"42/hostile,{id}["work",2]"#)).await;
    }
    // The flood is running once its first ack is back.
    let first = flooder.recv_skip_pings().await.text();
    assert_eq!(first, r#"43/hostile,0[1]"#);
    let mut waits = Vec::new();
    let mut last = 0;
    for id in 0..ROUNDS {
        let started = Instant::now();
        let (ack, _) = call(&mut bystander, 1000 + id, r#"["work",2]"#).await;
        waits.push(started.elapsed());
        last = ack[0].as_u64().expect("the call's number");
    }
    let mut after = 0;
    for _ in 1..FLOOD {
        let text = flooder.recv_skip_pings().await.text();
        let n: u64 = text
            .rsplit_once('[')
            .and_then(|(_, n)| n.trim_end_matches(']').parse().ok())
            .unwrap_or_else(|| panic!("a work ack: {text}"));
        if n > last {
            after += 1;
        }
    }
    waits.sort();
    eprintln!(
        "[sandbox] bystander behind a {FLOOD}-event flood of 2 ms calls: \
         p50 {:.2?} max {:.2?}; {after} flood calls ran after its {ROUNDS}",
        waits[waits.len() / 2],
        waits[waits.len() - 1],
    );
    assert!(
        after >= FLOOD / 2,
        "only {after} of {FLOOD} flood calls ran after the bystander's {ROUNDS}"
    );
}

/// The same over polling, with `--max-pending-events 40`: a POST carrying
/// 300 slow events is answered only once at most 20 of them still wait, so
/// a polling client (which sends its next POST after the answer) keeps no
/// more than that and one POST queued.
#[tokio::test]
async fn a_polling_client_flooding_a_slow_handler_gets_its_answer_late() {
    const EVENTS: u64 = 300;
    let s = server(&["--max-pending-events", "40"]);
    let addr = s.addr();
    let p = Polling::open(&addr).await;
    p.send(&["40/hostile,"]).await;
    let joined = p.recv(1).await;
    assert!(joined[0].starts_with("40/hostile,"), "{joined:?}");
    let events: Vec<String> = (0..EVENTS).map(slow_event).collect();
    p.send(&events.iter().map(String::as_str).collect::<Vec<_>>())
        .await;
    let st = stats(&addr).await;
    let ran = hostile_export(&st, "on-event")["calls"]
        .as_u64()
        .unwrap_or(0);
    assert!(
        ran >= EVENTS - 20,
        "the POST was answered when {ran} of {EVENTS} events had run"
    );
    let acks = p.recv(EVENTS as usize).await;
    for (id, ack) in (0..).zip(&acks) {
        assert_eq!(ack, &slow_ack(id), "acks in order");
    }
}

/// A hostile call fails alone: the sender stays connected and is served by
/// the rebuilt instance, and `/stats` counts the failure of `kind`.
async fn one_failing_call(extra: &[&str], event: &str, kind: &str, log: &str) {
    let s = server(extra);
    let addr = s.addr();
    let bystanders = Bystanders::join(&addr).await;
    let mut h = client(&addr).await;
    assert_eq!(call(&mut h, 1, r#"["count"]"#).await.0, json!([1]));

    let (_, chatted, _bystanders) = bystanders
        .during(event, async {
            h.send(&format!(r#"42/hostile,2["{event}"]"#)).await;
            // The failed call never acks; the next call is served by the
            // rebuilt instance (no state export: its counter starts over).
            assert_eq!(call(&mut h, 3, r#"["count"]"#).await.0, json!([1]));
        })
        .await;
    assert!(chatted.rounds >= 10);
    echo_amid_chat(&mut h, "still connected").await;

    let st = stats_until(&addr, kind, |st| hostile_export(st, "on-event")[kind] == 1).await;
    assert_eq!(
        st["handlers"]["endpoints"]["/hostile"]["rebuilds"], 1,
        "{st:#}"
    );
    assert_eq!(
        st["sessions"]["closed"], 0,
        "nobody was disconnected: {st:#}"
    );
    // Logged with endpoint, connection and event (the fields follow the
    // error's multi-line backtrace).
    let fields = format!("export=\"on-event\" event=\"{event}\"");
    let logs = logs_until(&s, &fields).await;
    assert!(logs.contains("guest call failed"), "{logs}");
    let line = logs
        .lines()
        .find(|l| l.contains(&fields))
        .unwrap_or_default();
    assert!(line.contains("endpoint=/hostile conn="), "{line}");
    assert!(logs.contains(log), "{logs}");
}

#[tokio::test]
async fn an_endless_loop_is_interrupted_at_the_deadline() {
    one_failing_call(
        &["--call-deadline", "200"],
        "spin",
        "deadlines",
        "deadline exceeded",
    )
    .await;
}

/// Blocking in WASI is cut at the call deadline too: epoch interruption
/// cannot stop a host call, the host's `wasi:io` can (an hour's sleep fails
/// at 300 ms; the bystanders meanwhile wait that long at most).
#[tokio::test]
async fn a_guest_sleeping_in_wasi_is_stopped_at_the_deadline() {
    let started = Instant::now();
    one_failing_call(
        &["--call-deadline", "300"],
        "sleep",
        "deadlines",
        "blocked in a WASI call",
    )
    .await;
    // A liveness bound, not a timing: the sleep asked for an hour.
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[tokio::test]
async fn a_guest_polling_a_far_clock_is_stopped_at_the_deadline() {
    one_failing_call(
        &["--call-deadline", "300"],
        "poll",
        "deadlines",
        "blocked in a WASI call",
    )
    .await;
}

/// stdin is closed: reading it ends at once, with nothing.
#[tokio::test]
async fn a_guest_reading_stdin_gets_its_end_at_once() {
    let s = server(&["--call-deadline", "300"]);
    let mut h = client(&s.addr()).await;
    assert_eq!(call(&mut h, 1, r#"["stdin"]"#).await.0, json!([{"Ok": 0}]));
    let st = stats(&s.addr()).await;
    assert_eq!(hostile_export(&st, "on-event")["deadlines"], 0, "{st:#}");
}

#[tokio::test]
async fn a_trap_costs_one_call() {
    one_failing_call(&[], "trap", "traps", "kind=\"trap\"").await;
}

#[tokio::test]
async fn a_panic_costs_one_call() {
    one_failing_call(&[], "panic", "traps", "hostile handler panics on purpose").await;
}

#[tokio::test]
async fn allocating_past_the_memory_limit_costs_one_call() {
    one_failing_call(&["--max-memory", "16"], "hog", "memory", "memory limit").await;
}

#[tokio::test]
async fn running_out_of_fuel_costs_one_call() {
    one_failing_call(&["--fuel", "50000000"], "burn", "fuel", "out of fuel").await;
}

#[tokio::test]
async fn garbage_passed_to_host_calls_is_refused_one_by_one() {
    let s = server(&[]);
    let addr = s.addr();
    let bystanders = Bystanders::join(&addr).await;
    let mut h = client(&addr).await;
    let ((verdicts, _), _, _bystanders) = bystanders
        .during("garbage", call(&mut h, 1, r#"["garbage"]"#))
        .await;
    assert_eq!(
        verdicts,
        json!([{
            "emit_unknown_conn": "unknown_conn",
            "emit_not_json": "invalid_json",
            "emit_not_array": "invalid_json",
            "emit_trailing": "invalid_json",
            "emit_bare_word": "invalid_json",
            "emit_huge_args": "too_large",
            "emit_huge_event": "too_large",
            "emit_many_attachments": "too_large",
            "emit_empty_event": "invalid_name",
            "emit_reserved_event": "invalid_name",
            "emit_empty_room": "invalid_name",
            "emit_long_room": "too_large",
            "send_huge": "too_large",
            "ack_unknown": "unknown_ack",
            "join_empty": "invalid_name",
            "join_long": "too_large",
            "leave_unknown_conn": "unknown_conn",
            "disconnect_unknown_conn": "unknown_conn",
            "emit_with_ack_unknown_conn": "unknown_conn",
        }])
    );
    // The call itself succeeded: refusals are results, not traps.
    assert_eq!(
        call(&mut h, 2, r#"["echo","fine"]"#).await.0,
        json!(["fine"])
    );
    let st = stats_until(&addr, "the refusals", |st| {
        hostile_export(st, "on-event")["calls"].as_u64() >= Some(2)
    })
    .await;
    let ep = &st["handlers"]["endpoints"]["/hostile"];
    assert_eq!(
        ep["host_errors"],
        json!({
            "unknown_conn": 4,
            "invalid_json": 4,
            "too_large": 6,
            "invalid_name": 4,
            "unknown_ack": 1,
            "limit_exceeded": 0,
        }),
        "{st:#}"
    );
    assert_eq!(ep["rebuilds"], 0);
    assert_eq!(ep["queue_depth"], 0);
    assert_eq!(st["handlers"]["traps"], 0);
}

#[tokio::test]
async fn a_million_emits_in_one_call_stop_at_the_per_call_limit() {
    let s = server(&["--max-outbound-per-call", "1000", "--call-deadline", "3000"]);
    let addr = s.addr();
    let bystanders = Bystanders::join(&addr).await;
    let mut h = client(&addr).await;
    let started = Instant::now();
    let ((ack, during), _, _bystanders) = bystanders
        .during("a million emits", async {
            h.send(r#"42/hostile,1["flood",1000000]"#).await;
            // Answered after the flood call whatever became of it.
            call(&mut h, 2, r#"["echo","after"]"#).await
        })
        .await;
    assert_eq!(ack, json!(["after"]));
    let took = started.elapsed();
    let flooded: Vec<String> = during
        .iter()
        .filter(|m| m.starts_with(r#"42/hostile,["flood""#))
        .cloned()
        .collect();
    let expected: Vec<String> = (0..1000)
        .map(|i| format!(r#"42/hostile,["flood",{i}]"#))
        .collect();
    assert!(flooded == expected, "exactly the first 1000, in order");
    let st = stats_until(&addr, "the flood", |st| {
        hostile_export(st, "on-event")["calls"].as_u64() >= Some(2)
    })
    .await;
    let refused = &st["handlers"]["endpoints"]["/hostile"]["host_errors"]["limit_exceeded"];
    // A fast host finishes the loop and acks; a slow one (a debug build)
    // hits the call deadline first. Either way the limit held.
    match during.iter().find(|m| m.starts_with("43/hostile,1")) {
        Some(ack) => {
            assert_eq!(ack, r#"43/hostile,1[1000,999000,"limit_exceeded"]"#);
            assert_eq!(refused, 999_000, "{st:#}");
        }
        None => {
            assert_eq!(hostile_export(&st, "on-event")["deadlines"], 1, "{st:#}");
            assert!(refused.as_u64() >= Some(1), "{st:#}");
        }
    }
    eprintln!(
        "[sandbox] a million emits: {took:.2?}, {} refused with limit-exceeded",
        refused
    );
    // The next call has its own allowance.
    assert_eq!(
        call(&mut h, 3, r#"["flood",3]"#).await.0,
        json!([3, 0, null])
    );
}

/// A raw websocket whose socket buffer is small and that stops reading
/// once it has subscribed to `firehose`.
async fn stalled_subscriber(
    addr: &str,
) -> tokio_tungstenite::WebSocketStream<tokio::net::TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    let tcp = socket
        .connect(addr.parse().expect("addr"))
        .await
        .expect("connect");
    let (mut ws, _) = tokio_tungstenite::client_async(ws_url(addr, None), tcp)
        .await
        .expect("websocket handshake");
    for (send, expect) in [
        ("", "0{"),
        ("40", "40{"),
        ("40/hostile,", "40/hostile,"),
        (r#"42/hostile,1["subscribe"]"#, r#"43/hostile,1["ok"]"#),
    ] {
        if !send.is_empty() {
            ws.send(Message::text(send)).await.expect("send");
        }
        loop {
            let text = match tokio::time::timeout(STEP, ws.next()).await {
                Ok(Some(Ok(Message::Text(t)))) => t.as_str().to_string(),
                other => panic!("subscriber: {other:?}"),
            };
            if text == "2" {
                ws.send(Message::text("3")).await.expect("pong");
            } else if text.starts_with(expect) {
                break;
            }
        }
    }
    ws
}

#[tokio::test]
async fn a_client_that_never_reads_is_disconnected_as_a_slow_consumer() {
    let s = server(&["--max-outbound-queue", "262144"]);
    let addr = s.addr();
    let mut stalled = stalled_subscriber(&addr).await;
    let bystanders = Bystanders::join(&addr).await;
    let mut pusher = client(&addr).await;

    let (rounds, _, _bystanders) = bystanders
        .during("slow consumer", async {
            // 100 × 16 KiB a call to the stalled subscriber, until the
            // server gives up on it.
            for round in 1..=200u64 {
                let (refused, _) = call(&mut pusher, round, r#"["firehose",100,16384]"#).await;
                assert_eq!(refused, json!([0]), "a full queue never refuses the sender");
                if stats(&addr).await["slow_consumer_disconnects"] == 1 {
                    return round;
                }
            }
            panic!("the stalled subscriber was never disconnected");
        })
        .await;
    eprintln!(
        "[sandbox] slow consumer dropped after {} MiB pushed",
        rounds * 100 * 16 / 1024
    );

    // The stalled client finds its connection gone once it reads again.
    let ended = tokio::time::timeout(STEP, async {
        loop {
            match stalled.next().await {
                None | Some(Err(_)) => return "dropped".to_string(),
                Some(Ok(Message::Close(frame))) => return format!("closed {frame:?}"),
                Some(Ok(_)) => {}
            }
        }
    })
    .await
    .expect("the stalled connection ends");
    eprintln!("[sandbox] the stalled subscriber saw: {ended}");

    let st = stats_until(&addr, "the slow consumer's close", |st| {
        st["sessions"]["closed_by_reason"]["slow_consumer"] == 1
    })
    .await;
    assert_eq!(st["slow_consumer_disconnects"], 1, "{st:#}");
    assert_eq!(st["sessions"]["closed"], 1, "only the stalled one: {st:#}");
    assert!(s.logged("slow consumer").await, "{}", s.logs());
    // The pusher is fine.
    echo_amid_chat(&mut pusher, "pusher").await;
}

#[tokio::test]
async fn a_polling_client_that_stops_polling_is_disconnected_as_a_slow_consumer() {
    let s = server(&["--max-outbound-queue", "262144"]);
    let addr = s.addr();
    let idle = Polling::open(&addr).await;
    idle.send(&["40", "40/hostile,"]).await;
    idle.recv(2).await;
    idle.send(&[r#"42/hostile,1["subscribe"]"#]).await;
    // From here on it never polls again.
    let bystanders = Bystanders::join(&addr).await;
    let mut pusher = client(&addr).await;
    let (_, _, _bystanders) = bystanders
        .during("slow polling consumer", async {
            for round in 1..=50u64 {
                call(&mut pusher, round, r#"["firehose",100,16384]"#).await;
                if stats(&addr).await["slow_consumer_disconnects"] == 1 {
                    return;
                }
            }
            panic!("the idle polling client was never disconnected");
        })
        .await;
    let st = stats_until(&addr, "the close", |st| {
        st["sessions"]["closed_by_reason"]["slow_consumer"] == 1
    })
    .await;
    assert_eq!(st["sessions"]["closed"], 1, "{st:#}");
    // Its session is gone: the next poll is refused.
    assert_eio_error(&idle.get().await, 1, "Session ID unknown");
    echo_amid_chat(&mut pusher, "pusher").await;
}

#[tokio::test]
async fn a_handler_writing_without_end_to_stderr_is_cut_off() {
    let s = server(&[]);
    let addr = s.addr();
    let bystanders = Bystanders::join(&addr).await;
    let mut h = client(&addr).await;
    let ((ack, _), _, _bystanders) = bystanders
        .during("stderr flood", call(&mut h, 1, r#"["shout"]"#))
        .await;
    assert_eq!(ack, json!(["shouted"]));
    let logs = logs_until(&s, "the rest of it is dropped").await;
    let passed = logs.bytes().filter(|b| *b == b'Z').count();
    assert!(
        passed <= 64 * 1024,
        "{passed} bytes of 10 MiB reached the log"
    );
    // The next call gets its allowance again.
    call(&mut h, 2, r#"["shout"]"#).await;
    let deadline = Instant::now() + STEP;
    while s.logs().matches("the rest of it is dropped").count() < 2 {
        assert!(
            Instant::now() < deadline,
            "the second call's output was not cut"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A fresh directory under the system's temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir =
            std::env::temp_dir().join(format!("sio-sandbox-{tag}-{}-{nanos}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn wasi_reaches_nothing_it_was_not_granted() {
    let s = server(&[]);
    let mut h = client(&s.addr()).await;
    let (seen, _) = call(&mut h, 1, r#"["ambient"]"#).await;
    let seen = &seen[0];
    assert!(
        seen["root"]
            .as_str()
            .is_some_and(|t| t.starts_with("error")),
        "{seen}"
    );
    assert!(
        seen["data"]
            .as_str()
            .is_some_and(|t| t.starts_with("error")),
        "{seen}"
    );
    assert_eq!(seen["env"], json!([]), "no host environment: {seen}");
    assert!(
        seen["net"].as_str().is_some_and(|t| t.starts_with("error")),
        "{seen}"
    );
    eprintln!("[sandbox] ungranted: {seen}");

    // Granted in sio.toml: one variable and one read-only directory.
    let dir = TempDir::new("wasi");
    let data = dir.0.join("data");
    std::fs::create_dir_all(&data).expect("data dir");
    std::fs::write(data.join("hello.txt"), "hello from the host").expect("file");
    let toml = dir.0.join("sio.toml");
    std::fs::write(
        &toml,
        format!(
            "[endpoints.\"/\"]\ncomponent = {:?}\n\
             [endpoints.\"/hostile\"]\ncomponent = {:?}\n\
             [endpoints.\"/hostile\".wasi]\nenv = {{ GREETING = \"hi\" }}\n\
             dirs = [{{ host = \"data\", guest = \"/data\" }}]\n",
            wasm("conformance").display().to_string(),
            wasm("hostile").display().to_string(),
        ),
    )
    .expect("sio.toml");
    let s = Server::start(&["--config".to_string(), toml.display().to_string()]);
    let mut h = client(&s.addr()).await;
    let (seen, _) = call(&mut h, 1, r#"["ambient"]"#).await;
    let seen = &seen[0];
    assert_eq!(seen["data"], "hello from the host", "{seen}");
    assert!(
        seen["write"]
            .as_str()
            .is_some_and(|t| t.starts_with("error")),
        "read-only: {seen}"
    );
    assert_eq!(seen["env"], json!([["GREETING", "hi"]]), "{seen}");
    assert!(
        seen["net"].as_str().is_some_and(|t| t.starts_with("error")),
        "{seen}"
    );
    assert!(!data.join("written.txt").exists());
    eprintln!("[sandbox] granted: {seen}");
}

/// `counter_a` on `/counter`: counts `n` events in state it exports.
async fn count_then_spin(checkpoint_ms: &str) -> Value {
    let s = Server::start(&[
        "--call-deadline".to_string(),
        "300".into(),
        "--checkpoint-interval".into(),
        checkpoint_ms.into(),
        format!("/={}", wasm("conformance").display()),
        format!("/counter={}", wasm("counter_a").display()),
    ]);
    let mut c = Ws::socketio(&s.addr()).await;
    c.send("40/counter,").await;
    assert!(c.recv_skip_pings().await.text().starts_with("40/counter,"));
    for seq in 1..=3 {
        c.send(&format!(r#"42/counter,{seq}["n",{seq}]"#)).await;
        assert_eq!(
            c.recv_skip_pings().await.text(),
            format!(r#"43/counter,{seq}["a",{seq},{seq}]"#)
        );
    }
    // Quiet for a while: a due checkpoint is taken without a next call.
    tokio::time::sleep(Duration::from_millis(500)).await;
    c.send(r#"42/counter,["spin"]"#).await;
    c.send(r#"42/counter,9["stats"]"#).await;
    let text = c.recv_skip_pings().await.text();
    let stats: Value =
        serde_json::from_str(text.strip_prefix("43/counter,9").expect("stats ack")).expect("json");
    logs_until(&s, "deadline exceeded").await;
    stats[0].clone()
}

#[tokio::test]
async fn a_rebuild_restores_the_last_checkpoint() {
    let kept = count_then_spin("100").await;
    assert_eq!(kept["total"], 3, "{kept}");
    assert_eq!(kept["restores"], 1, "{kept}");
    // Without checkpoints the rebuilt instance starts from scratch.
    let lost = count_then_spin("0").await;
    assert_eq!(lost["total"], 0, "{lost}");
    assert_eq!(lost["restores"], 0, "{lost}");
}

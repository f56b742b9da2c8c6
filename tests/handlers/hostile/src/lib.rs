//! A deliberately misbehaving handler for the fault-containment and sandbox
//! tests (tests/tests/faults.rs, tests/tests/sandbox.rs).
//!
//! Every connection joins the room `chat` on connect. Events:
//!
//! * hostile: `spin` loops forever (the call deadline stops it), `panic`
//!   panics, `trap` executes `unreachable`, `hog` allocates until the memory
//!   limit refuses, `burn` loops for a bounded but huge number of steps
//!   (fuel stops it), `garbage` passes invalid values to every host call and
//!   acks `{case: host-error}`, `flood` [n] emits `n` events to its sender
//!   in one call and acks `[sent, refused, first refusal]`, `ambient` acks
//!   what WASI lets it reach (filesystem, environment, network), `shout`
//!   writes 10 MiB to stderr; blocking in WASI: `sleep` [ms] sleeps
//!   (default an hour), `poll` polls a clock an hour away, `stdin` reads
//!   stdin to its end and acks the bytes read.
//! * ordinary: `say` [..] re-emits its arguments as `said` to everyone else
//!   in `chat`; `subscribe` joins `firehose`; `firehose` [n, size] emits `n`
//!   events of `size` bytes to `firehose`; `count` acks how many `count`
//!   events this instance has seen (0 again after a rebuild: no state
//!   export); `echo` acks its arguments; `stats` acks the server's counters;
//!   `slow` [ms] is busy for `ms` milliseconds, then acks `["done"]`;
//!   `work` [ms] too, acking the how-manieth `work` call it was;
//!   `kv-bench` [op, n] makes n key-value store calls (bench/kv.mjs).

use sio_guest::{Ack, Args, Conn, ConnInfo, HostError, Target, serde_json::json};

#[derive(Default)]
struct Hostile {
    counted: u64,
    worked: u64,
}

/// The `host-error` names of `/stats`.
fn error_name(e: HostError) -> &'static str {
    match e {
        HostError::UnknownConn => "unknown_conn",
        HostError::InvalidJson => "invalid_json",
        HostError::TooLarge => "too_large",
        HostError::InvalidName => "invalid_name",
        HostError::UnknownAck => "unknown_ack",
        HostError::LimitExceeded => "limit_exceeded",
    }
}

fn verdict(r: Result<(), HostError>) -> &'static str {
    match r {
        Ok(()) => "ok",
        Err(e) => error_name(e),
    }
}

/// Every host call with something wrong in it; the host must refuse each
/// with the right error and carry on.
fn garbage(conn: Conn) -> sio_guest::serde_json::Value {
    let nobody = Conn::new(u64::MAX - 7);
    let huge = format!("[\"{}\"]", "x".repeat(1_100_000));
    let many: Vec<Vec<u8>> = vec![Vec::new(); 5_000];
    let emit = |to: Target, event: &str, args: &str, att: &[Vec<u8>]| {
        verdict(sio_guest::emit_raw(to, event, args, att))
    };
    json!({
        "emit_unknown_conn": emit(nobody.target(), "x", "[]", &[]),
        "emit_not_json": emit(conn.target(), "x", "{nope", &[]),
        "emit_not_array": emit(conn.target(), "x", "{\"a\":1}", &[]),
        "emit_trailing": emit(conn.target(), "x", "[1] [2]", &[]),
        "emit_bare_word": emit(conn.target(), "x", "[nope]", &[]),
        "emit_huge_args": emit(conn.target(), "x", &huge, &[]),
        "emit_huge_event": emit(conn.target(), &"e".repeat(1_100_000), "[]", &[]),
        "emit_many_attachments": emit(conn.target(), "x", "[]", &many),
        "emit_empty_event": emit(conn.target(), "", "[]", &[]),
        "emit_reserved_event": emit(conn.target(), "connect", "[]", &[]),
        "emit_empty_room": emit(Target::room(""), "x", "[]", &[]),
        "emit_long_room": emit(Target::room("r".repeat(300)), "x", "[]", &[]),
        "send_huge": verdict(sio_guest::send(conn, &"y".repeat(1_100_000))),
        "ack_unknown": verdict(Ack::new(conn, 424_242).reply_raw("[]", &[])),
        "join_empty": verdict(conn.join("")),
        "join_long": verdict(conn.join(&"r".repeat(300))),
        "leave_unknown_conn": verdict(nobody.leave("chat")),
        "disconnect_unknown_conn": verdict(nobody.disconnect()),
        "emit_with_ack_unknown_conn": match sio_guest::emit_with_ack_raw(nobody, "x", "[]", &[], 10) {
            Ok(_) => "ok",
            Err(e) => error_name(e),
        },
    })
}

/// What the sandbox lets a guest reach, as text.
fn ambient() -> sio_guest::serde_json::Value {
    let root = match std::fs::read_dir("/") {
        Ok(entries) => format!("listed {} entries", entries.count()),
        Err(e) => format!("error: {e}"),
    };
    let data = match std::fs::read_to_string("/data/hello.txt") {
        Ok(text) => text,
        Err(e) => format!("error: {e}"),
    };
    let write = match std::fs::write("/data/written.txt", "x") {
        Ok(()) => "ok".to_string(),
        Err(e) => format!("error: {e}"),
    };
    let env: Vec<(String, String)> = std::env::vars().collect();
    let net = match std::net::TcpStream::connect("127.0.0.1:1") {
        Ok(_) => "connected".to_string(),
        Err(e) => format!("error: {e}"),
    };
    json!({ "root": root, "data": data, "write": write, "env": env, "net": net })
}

/// `wasi:io/poll.poll` on a clock an hour away (Rust's `sleep` takes
/// `pollable.block` instead).
#[cfg(target_arch = "wasm32")]
fn poll_an_hour() {
    let hour = wasip2::clocks::monotonic_clock::subscribe_duration(3_600_000_000_000);
    wasip2::io::poll::poll(&[&hour]);
}

#[cfg(not(target_arch = "wasm32"))]
fn poll_an_hour() {
    std::thread::sleep(std::time::Duration::from_secs(3600));
}

impl sio_guest::Handler for Hostile {
    fn on_connect(&mut self, info: &ConnInfo) -> Result<(), String> {
        info.conn().join("chat").map_err(|e| e.to_string())
    }

    fn on_event(&mut self, conn: Conn, event: &str, args: Args, ack: Option<Ack>) {
        let reply = match event {
            "sleep" => {
                let ms = args.get::<u64>(0).unwrap_or(3_600_000);
                std::thread::sleep(std::time::Duration::from_millis(ms));
                json!(["woke"])
            }
            "poll" => {
                poll_an_hour();
                json!(["polled"])
            }
            "stdin" => {
                use std::io::Read as _;
                let mut got = Vec::new();
                let read = std::io::stdin().read_to_end(&mut got);
                json!([read.map_err(|e| e.to_string())])
            }
            "spin" => {
                let mut x: u64 = 0;
                loop {
                    x = std::hint::black_box(x.wrapping_add(1));
                }
            }
            "panic" => panic!("hostile handler panics on purpose"),
            "trap" => trap(),
            "hog" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(std::hint::black_box(vec![1u8; 1 << 20]));
                }
            }
            "burn" => {
                let mut x: u64 = 0;
                for i in 0..u64::MAX {
                    x = std::hint::black_box(x ^ i);
                }
                json!([x])
            }
            "garbage" => json!([garbage(conn)]),
            "flood" => {
                let n = args.get::<u64>(0).unwrap_or(1_000_000);
                let (mut sent, mut refused, mut first) = (0u64, 0u64, None);
                for i in 0..n {
                    match conn.emit("flood", &(i,)) {
                        Ok(()) => sent += 1,
                        Err(e) => {
                            refused += 1;
                            first.get_or_insert(error_name(e));
                        }
                    }
                }
                json!([sent, refused, first])
            }
            "ambient" => json!([ambient()]),
            "shout" => {
                let line = "Z".repeat(1023);
                for _ in 0..10_000 {
                    eprintln!("{line}");
                }
                json!(["shouted"])
            }
            "say" => {
                let _ =
                    sio_guest::emit_raw(Target::room_except("chat", conn), "said", args.raw(), &[]);
                return;
            }
            "subscribe" => json!([verdict(conn.join("firehose"))]),
            "firehose" => {
                let (n, size): (u64, usize) = args.parse().unwrap_or((1, 1));
                let blob = "f".repeat(size);
                let mut refused = 0u64;
                for i in 0..n {
                    if sio_guest::emit(Target::room("firehose"), "fire", &(i, &blob)).is_err() {
                        refused += 1;
                    }
                }
                json!([refused])
            }
            "slow" => {
                // Busy for the given milliseconds: a handler doing real work.
                let ms = args.get::<u64>(0).unwrap_or(1);
                let until = std::time::Instant::now() + std::time::Duration::from_millis(ms);
                while std::time::Instant::now() < until {
                    std::hint::spin_loop();
                }
                json!(["done"])
            }
            "kv-bench" => {
                // `n` store calls of `op` ("set", "get", "cas" or "incr") on
                // keys <op>0..<op>(n-1): bench/kv.mjs times them.
                let (op, n): (String, u64) = args.parse().unwrap_or_else(|_| ("get".into(), 1));
                let mut failed = 0u64;
                for i in 0..n {
                    let key = format!("{op}{i}");
                    let ok = match op.as_str() {
                        "set" => sio_guest::kv::set(&key, "value").is_ok(),
                        "cas" => sio_guest::kv::compare_and_swap(&key, None, Some("v")).is_ok(),
                        "incr" => sio_guest::kv::increment(&key, 1).is_ok(),
                        _ => sio_guest::kv::get(&key).is_ok(),
                    };
                    failed += u64::from(!ok);
                }
                json!([failed])
            }
            "work" => {
                // As `slow`, acked with the order calls ran in (1, 2, ...).
                let ms = args.get::<u64>(0).unwrap_or(1);
                let until = std::time::Instant::now() + std::time::Duration::from_millis(ms);
                while std::time::Instant::now() < until {
                    std::hint::spin_loop();
                }
                self.worked += 1;
                json!([self.worked])
            }
            "stats" => json!([sio_guest::stats::get()]),
            "count" => {
                self.counted += 1;
                json!([self.counted])
            }
            _ => {
                if let Some(ack) = ack {
                    let _ = ack.reply_raw(args.raw(), args.attachments());
                }
                return;
            }
        };
        if let Some(ack) = ack {
            let _ = ack.reply(&reply);
        }
    }
}

/// A plain wasm trap (`unreachable`), not a Rust panic.
#[cfg(target_arch = "wasm32")]
fn trap() -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(not(target_arch = "wasm32"))]
fn trap() -> ! {
    std::process::abort()
}

sio_guest::handler!(Hostile);

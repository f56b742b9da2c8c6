//! The sio-host side of the benchmarks (bench/run.sh), the same behaviour as
//! every comparison server in bench/servers:
//!
//! - event `echo` with an ack id: answer the ack with the same arguments and
//!   attachments, as raw JSON text (no parse, no re-encode);
//! - event `broadcast`: emit `broadcast` with the same arguments to every
//!   connection of the endpoint, the sender included.
//!
//! With the config value `work = N` (sio.toml's `[endpoints."/".config]`)
//! every event first spins N rounds of integer hashing, a fixed amount of
//! CPU per event (about 30 µs for 60000 rounds on the reference machine):
//! a handler whose own work dominates, to measure how sharded endpoints
//! scale (docs/architecture.md, "Multi-core endpoints").

use std::hint::black_box;
use std::sync::OnceLock;

use sio_guest::{Ack, Args, Conn, Handler, Target};

/// The benchmark handler.
#[derive(Default)]
pub struct Echo;

/// Rounds of work per event, read once per instance.
fn work() -> u64 {
    static WORK: OnceLock<u64> = OnceLock::new();
    *WORK.get_or_init(|| {
        sio_guest::config::parse("work")
            .and_then(Result::ok)
            .unwrap_or(0)
    })
}

/// `rounds` of xorshift: CPU the optimiser cannot skip.
fn spin(rounds: u64) -> u64 {
    let mut x = black_box(0x9E37_79B9_7F4A_7C15u64);
    for _ in 0..rounds {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    black_box(x)
}

impl Handler for Echo {
    fn on_event(&mut self, _conn: Conn, event: &str, args: Args, ack: Option<Ack>) {
        let rounds = work();
        if rounds > 0 {
            spin(rounds);
        }
        let _ = match (event, ack) {
            ("echo", Some(ack)) => ack.reply_raw(args.raw(), args.attachments()),
            ("broadcast", _) => {
                sio_guest::emit_raw(Target::All, "broadcast", args.raw(), args.attachments())
            }
            _ => Ok(()),
        };
    }
}

sio_guest::handler!(Echo);

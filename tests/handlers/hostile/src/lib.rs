//! A deliberately misbehaving handler for the fault-containment tests.
//!
//! Events: `spin` loops forever (the call deadline must stop it), `panic`
//! panics (a trap), `count` acks with how many `count` events this instance
//! has seen (it restarts from 0 when the instance is rebuilt after a
//! failure), `echo` acks its arguments back, `stats` acks the server's
//! counters (`sio:realtime/stats`).

use sio_guest::{Ack, Args, Conn, Handler};

#[derive(Default)]
struct Hostile {
    counted: u64,
}

impl Handler for Hostile {
    fn on_event(&mut self, _conn: Conn, event: &str, args: Args, ack: Option<Ack>) {
        match event {
            "spin" => {
                let mut x: u64 = 0;
                loop {
                    x = std::hint::black_box(x.wrapping_add(1));
                }
            }
            "panic" => panic!("hostile handler panics on purpose"),
            // The server's counters (sio:realtime/stats), acked back.
            "stats" => {
                if let Some(ack) = ack {
                    let _ = ack.reply(&(sio_guest::stats::get(),));
                }
            }
            "count" => {
                self.counted += 1;
                if let Some(ack) = ack {
                    let _ = ack.reply(&(self.counted,));
                }
            }
            _ => {
                if let Some(ack) = ack {
                    let _ = ack.reply_raw(args.raw(), args.attachments());
                }
            }
        }
    }
}

sio_guest::handler!(Hostile);

//! {{name}}: a sio-host handler (sio:realtime@{{wit_version}}).
//!
//! * `echo(...args)` with an ack: answered with the same arguments.
//! * `say(text)`: `said [text]` to every connection.

use sio_guest::{Ack, Args, ConnInfo, Handler, Target};

#[derive(Default)]
struct App;

impl Handler for App {
    fn on_connect(&mut self, info: &ConnInfo) -> Result<(), String> {
        sio_guest::info!("{{name}}: {} connected", info.sid);
        Ok(())
    }

    fn on_event(&mut self, _conn: sio_guest::Conn, event: &str, args: Args, ack: Option<Ack>) {
        match (event, ack) {
            ("echo", Some(ack)) => drop(ack.reply_raw(args.raw(), args.attachments())),
            ("say", _) => {
                let text: String = args.get(0).unwrap_or_default();
                drop(sio_guest::emit(Target::All, "said", &(text,)));
            }
            _ => {}
        }
    }
}

sio_guest::handler!(App);

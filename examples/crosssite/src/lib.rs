//! crosssite: TornadIO2's `crosssite` example, a chat whose page is served
//! from another origin (port) than the Socket.IO server: the server allows
//! the page's origin (`cors-origins` in `sio.toml`), so socket.io-client
//! 4.x polls with CORS, and 0.9 and 2.x clients can use JSONP polling.
//!
//! | client → server | server → clients |
//! |---|---|
//! | connect | to it: `Welcome from the server (page at <origin>).`, the page's origin as its requests named it (`Origin`, else `Referer`: a JSONP script sends no `Origin`) |
//! | plain message (any generation's `send`) | to all: the text |

use examples_common::{answer, message_text, send};
use sio_guest::{Ack, Args, Conn, ConnInfo, Handler, Target};

#[derive(Default)]
pub struct CrossSite;

impl Handler for CrossSite {
    fn on_connect(&mut self, info: &ConnInfo) -> Result<(), String> {
        let page = info
            .header("origin")
            .or_else(|| info.header("referer"))
            .unwrap_or("unknown");
        send(
            info.conn(),
            &format!("Welcome from the server (page at {page})."),
        );
        Ok(())
    }

    fn on_message(&mut self, _conn: Conn, text: &str) {
        send(Target::All, text);
    }

    fn on_event(&mut self, conn: Conn, event: &str, args: Args, ack: Option<Ack>) {
        match message_text(event, &args) {
            Some(text) => send(Target::All, &text),
            None => sio_guest::info!("{conn}: event {event} ignored"),
        }
        answer(ack, &());
    }
}

sio_guest::handler!(CrossSite);

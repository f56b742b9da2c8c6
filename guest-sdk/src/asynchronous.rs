//! Asynchronous work (the `async-endpoint` world; `handler!(T, async)`):
//! timers, holding a connection's later events while its work is pending,
//! and outbound HTTP. Work started here completes later in
//! [`Handler::on_timer`](crate::Handler::on_timer) and
//! [`Handler::on_fetch`](crate::Handler::on_fetch), with the token the
//! handler chose; no call blocks the endpoint. See docs/async.md.
//!
//! The pattern of TornadIO2's `tornado.gen`: on a slow event, [`hold`] the
//! connection (its later events wait in the host, in order; other
//! connections go on), start the work with a token, and when it completes
//! answer and [`release`] the connection.
//!
//! ```no_run
//! use sio_guest::{Ack, Args, Conn, Handler};
//!
//! #[derive(Default)]
//! struct Slow { waiting: std::collections::HashMap<u64, Ack> }
//!
//! impl Handler for Slow {
//!     fn on_event(&mut self, conn: Conn, event: &str, _args: Args, ack: Option<Ack>) {
//!         if let (Some(ack), "slow") = (ack, event) {
//!             let token = conn.id(); // one slow call per connection at a time
//!             let _ = conn.hold();
//!             let _ = sio_guest::set_timer(token, 500, Some(conn));
//!             self.waiting.insert(token, ack);
//!         }
//!     }
//!     fn on_timer(&mut self, token: u64) {
//!         if let Some(ack) = self.waiting.remove(&token) {
//!             let conn = ack.conn();
//!             let _ = ack.reply(&("done",));
//!             let _ = conn.release();
//!         }
//!     }
//! }
//!
//! sio_guest::handler!(Slow, async);
//! ```

use crate::{Conn, ConnId, HostError, sys};

/// Call [`Handler::on_timer`](crate::Handler::on_timer)`(token)` once,
/// after `delay_ms`. A timer tied to `conn` is cancelled when that
/// connection leaves. Setting a pending token re-arms it. Timers belong to
/// the host: they survive hot reloads and rebuilds.
pub fn set_timer(token: u64, delay_ms: u32, conn: Option<Conn>) -> Result<(), HostError> {
    sys::set_timer(token, delay_ms, conn.map(Conn::id))
}

/// Cancel a pending timer: true when it was pending (it will not fire).
pub fn cancel_timer(token: u64) -> bool {
    sys::cancel_timer(token)
}

/// Park `conn`: its later events and messages wait in the host, in order,
/// until [`release`]. Acks, timers and fetch results still arrive.
pub fn hold(conn: impl Into<ConnId>) -> Result<(), HostError> {
    sys::hold(conn.into())
}

/// Un-park `conn`: the events that waited reach the handler, in order, as
/// soon as the current call returns.
pub fn release(conn: impl Into<ConnId>) -> Result<(), HostError> {
    sys::release(conn.into())
}

/// Ask every node of the cluster which sockets are in `room` (all when
/// None): this node and, with `--redis`, every other one (Node Socket.IO
/// peers too). The answer arrives in
/// [`Handler::on_fetch`](crate::Handler::on_fetch)`(token, ..)` as a 200
/// response whose body is JSON `{"sockets": [{"id", "handshake", "rooms",
/// "data"}, ..], "nodes": n, "missing": m}` (`m`: nodes that did not answer
/// within `timeout_ms`, 0 meaning 5 s).
pub fn cluster_sockets(token: u64, room: Option<&str>, timeout_ms: u32) -> Result<(), HostError> {
    sys::cluster_sockets(token, room, timeout_ms)
}

/// Outbound HTTP: [`fetch`](http::fetch) a [`Request`](http::Request); the
/// [`Response`](http::Response) (or why there is none) arrives in
/// [`Handler::on_fetch`](crate::Handler::on_fetch). Only hosts the
/// endpoint's `http-allow` lists are reachable (none by default), over
/// plain `http://`.
pub mod http {
    pub use crate::async_bindings::sio::realtime::async_host::{
        HttpRequest as Request, HttpResponse as Response,
    };
    use crate::{HostError, sys};

    impl Request {
        /// A request with `method`, `url`, no headers, no body, the host's
        /// default timeout.
        pub fn new(method: &str, url: &str) -> Request {
            Request {
                method: method.to_owned(),
                url: url.to_owned(),
                headers: Vec::new(),
                body: Vec::new(),
                timeout_ms: 0,
            }
        }

        /// `GET url`.
        pub fn get(url: &str) -> Request {
            Request::new("GET", url)
        }

        /// `POST url` with `body`.
        pub fn post(url: &str, body: impl Into<Vec<u8>>) -> Request {
            Request {
                body: body.into(),
                ..Request::new("POST", url)
            }
        }

        /// Adds a header.
        pub fn header(mut self, name: &str, value: &str) -> Request {
            self.headers.push((name.to_owned(), value.to_owned()));
            self
        }

        /// Sets the timeout in ms (0: the host's default, 10 s).
        pub fn timeout_ms(mut self, ms: u32) -> Request {
            self.timeout_ms = ms;
            self
        }
    }

    impl Response {
        /// The body as text (lossy UTF-8).
        pub fn text(&self) -> String {
            String::from_utf8_lossy(&self.body).into_owned()
        }

        /// The first value of header `name` (names arrive lower-case).
        pub fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        }
    }

    /// Start `request`; its outcome reaches
    /// [`Handler::on_fetch`](crate::Handler::on_fetch)`(token, ..)`. Err:
    /// nothing was started (too large, or too many in flight).
    pub fn fetch(token: u64, request: &Request) -> Result<(), HostError> {
        sys::http_fetch(token, request)
    }
}

impl Conn {
    /// [`hold`] this connection.
    pub fn hold(self) -> Result<(), HostError> {
        hold(self)
    }

    /// [`release`] this connection.
    pub fn release(self) -> Result<(), HostError> {
        release(self)
    }
}

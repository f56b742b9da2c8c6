//! `sio:realtime/async-host` (the `async-endpoint` world, see
//! docs/async.md): timers, holding a connection's later events while its
//! work is pending, outbound HTTP, and cluster-wide socket queries
//! (`namespace/cluster.rs`). Each starts work that completes
//! later as a queued command ([`Command::Timer`], [`Command::Fetched`])
//! the actor turns into a `completions` call; none blocks the actor.
//! Checked here: the connection is one of the endpoint's, a request's URL
//! and body are within their limits, and not too many fetches are in
//! flight; the timer table refuses timers past its own limit (`timers.rs`)
//! and `fetch.rs` checks the URL against `http-allow`.
//!
//! [`Command::Timer`]: crate::endpoint::actor::Command::Timer
//! [`Command::Fetched`]: crate::endpoint::actor::Command::Fetched

use std::time::Duration;

use crate::endpoint::bindings::asynchronous::sio::realtime::async_host::Host;
use crate::endpoint::bindings::{HostError, HttpRequest};
use crate::endpoint::fetch;
use crate::endpoint::store::GuestState;
use sio_protocol::ConnId;

/// The longest URL a guest may pass.
const MAX_URL: usize = 8 * 1024;

impl Host for GuestState {
    fn set_timer(
        &mut self,
        token: u64,
        delay_ms: u32,
        conn: Option<ConnId>,
    ) -> Result<(), HostError> {
        let ns = &mut self.ns;
        let result = match conn {
            Some(c) if !ns.conns.contains_key(&c) => Err(HostError::UnknownConn),
            _ => ns
                .timers
                .set(
                    token,
                    Duration::from_millis(delay_ms.into()),
                    conn,
                    ns.queue.as_ref(),
                )
                .map_err(|()| HostError::LimitExceeded),
        };
        ns.verdict(result)
    }

    fn cancel_timer(&mut self, token: u64) -> bool {
        self.ns.timers.cancel(token)
    }

    fn hold(&mut self, conn: ConnId) -> Result<(), HostError> {
        let result = self.ns.conn_mut(conn).map(|s| s.parked = true);
        self.ns.verdict(result)
    }

    fn release(&mut self, conn: ConnId) -> Result<(), HostError> {
        let ns = &mut self.ns;
        let result = ns.conn_mut(conn).map(|s| std::mem::take(&mut s.parked));
        if let Ok(true) = result {
            ns.released.push(conn);
        }
        ns.verdict(result.map(drop))
    }

    fn http_fetch(&mut self, token: u64, request: HttpRequest) -> Result<(), HostError> {
        let ns = &mut self.ns;
        let result = if request.url.len() > MAX_URL || request.body.len() > ns.max_payload {
            Err(HostError::TooLarge)
        } else if ns.fetches_in_flight >= fetch::MAX_IN_FLIGHT {
            Err(HostError::LimitExceeded)
        } else {
            if let Some(queue) = &ns.queue {
                ns.fetches_in_flight += 1;
                fetch::start(token, request, &self.http_allow, queue);
            }
            Ok(())
        };
        ns.verdict(result)
    }

    fn cluster_sockets(
        &mut self,
        token: u64,
        room: Option<String>,
        timeout_ms: u32,
    ) -> Result<(), HostError> {
        let timeout = match timeout_ms {
            0 => Duration::from_secs(5),
            ms => Duration::from_millis(ms.into()),
        };
        let result = self.ns.cluster_sockets(token, room, timeout);
        self.ns.verdict(result)
    }
}

//! `sio:realtime/host`: what a guest does to its endpoint's connections
//! (send, emit, emit-with-ack, ack, join, leave, disconnect), and its log.
//! Each call but `log` is the [`Namespace`] method of the same name, which
//! validates what the guest passed (connection, names, sizes, JSON, the
//! call's message allowance) and acts; here its refusal is counted
//! ([`Namespace::verdict`]). A `log` line over [`MAX_LOG_LINE`] is cut.
//!
//! [`Namespace`]: crate::endpoint::Namespace
//! [`Namespace::verdict`]: crate::endpoint::Namespace::verdict

use crate::endpoint::bindings::sio::realtime::host::Host;
use crate::endpoint::bindings::{HostError, LogLevel, Target};
use crate::endpoint::store::GuestState;
use sio_protocol::ConnId;

/// The longest log line a guest may write; longer ones are cut.
const MAX_LOG_LINE: usize = 16 * 1024;

impl Host for GuestState {
    fn send(&mut self, to: Target, text: String) -> Result<(), HostError> {
        let result = self.ns.send(&to, &text);
        self.ns.verdict(result)
    }

    fn emit(
        &mut self,
        to: Target,
        event: String,
        args_json: String,
        attachments: Vec<Vec<u8>>,
    ) -> Result<(), HostError> {
        let result = self.ns.emit(&to, &event, &args_json, attachments);
        self.ns.verdict(result)
    }

    fn emit_with_ack(
        &mut self,
        to: ConnId,
        event: String,
        args_json: String,
        attachments: Vec<Vec<u8>>,
        timeout_ms: u32,
    ) -> Result<u64, HostError> {
        let result = self
            .ns
            .emit_with_ack(to, &event, &args_json, attachments, timeout_ms);
        self.ns.verdict(result)
    }

    fn ack(
        &mut self,
        conn: ConnId,
        ack_id: u64,
        args_json: String,
        attachments: Vec<Vec<u8>>,
    ) -> Result<(), HostError> {
        let result = self.ns.ack(conn, ack_id, &args_json, attachments);
        self.ns.verdict(result)
    }

    fn join(&mut self, conn: ConnId, room: String) -> Result<(), HostError> {
        let result = self.ns.join(conn, room);
        self.ns.verdict(result)
    }

    fn leave(&mut self, conn: ConnId, room: String) -> Result<(), HostError> {
        let result = self.ns.leave(conn, room);
        self.ns.verdict(result)
    }

    fn disconnect(&mut self, conn: ConnId) -> Result<(), HostError> {
        let result = self.ns.disconnect(conn);
        self.ns.verdict(result)
    }

    fn log(&mut self, level: LogLevel, mut message: String) {
        if message.len() > MAX_LOG_LINE {
            let mut cut = MAX_LOG_LINE;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
            message.push_str(" [cut]");
        }
        let endpoint = &*self.ns.name;
        match level {
            LogLevel::Trace => tracing::trace!(endpoint, "{message}"),
            LogLevel::Debug => tracing::debug!(endpoint, "{message}"),
            LogLevel::Info => tracing::info!(endpoint, "{message}"),
            LogLevel::Warn => tracing::warn!(endpoint, "{message}"),
            LogLevel::Error => tracing::error!(endpoint, "{message}"),
        }
    }
}

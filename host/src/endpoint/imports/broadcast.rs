//! `sio:realtime/broadcast`: Socket.IO's broadcast operator (several rooms,
//! exceptions, `local`, `volatile`, another endpoint), broadcasts with
//! acks, and server events between nodes. Each call is the [`Namespace`]
//! method of the same kind (`namespace/broadcast.rs`); an emit to another
//! endpoint is queued to that endpoint's actor; a refusal is counted.
//!
//! [`Namespace`]: crate::endpoint::Namespace

use bytes::Bytes;

use crate::endpoint::actor::{Command, ForeignEmit};
use crate::endpoint::bindings::sio::realtime::broadcast::Host;
use crate::endpoint::bindings::{BroadcastSelector, EmitFlags, HostError};
use crate::endpoint::store::GuestState;

impl Host for GuestState {
    fn emit(
        &mut self,
        endpoint: Option<String>,
        to: BroadcastSelector,
        options: EmitFlags,
        event: String,
        args_json: String,
        attachments: Vec<Vec<u8>>,
    ) -> Result<(), HostError> {
        let result = match endpoint {
            Some(other) if *other != *self.ns.name => {
                self.emit_elsewhere(&other, to, options, &event, &args_json, attachments)
            }
            _ => self
                .ns
                .broadcast_emit(&to, options, &event, &args_json, attachments),
        };
        self.ns.verdict(result)
    }

    fn emit_with_ack(
        &mut self,
        to: BroadcastSelector,
        options: EmitFlags,
        event: String,
        args_json: String,
        attachments: Vec<Vec<u8>>,
        timeout_ms: u32,
    ) -> Result<u64, HostError> {
        let result = self.ns.broadcast_emit_with_ack(
            &to,
            options,
            &event,
            &args_json,
            attachments,
            timeout_ms,
        );
        self.ns.verdict(result)
    }

    fn server_emit(&mut self, event: String, args_json: String) -> Result<(), HostError> {
        let result = self.ns.server_emit(&event, &args_json);
        self.ns.verdict(result)
    }

    fn server_emit_with_ack(
        &mut self,
        event: String,
        args_json: String,
        timeout_ms: u32,
    ) -> Result<u64, HostError> {
        let result = self.ns.server_emit_with_ack(&event, &args_json, timeout_ms);
        self.ns.verdict(result)
    }

    fn server_ack(&mut self, reply: u64, args_json: String) -> Result<(), HostError> {
        let result = self.ns.server_ack(reply, &args_json);
        self.ns.verdict(result)
    }
}

impl GuestState {
    /// `broadcast.emit` to another endpoint of this host: checked here
    /// against this call's limits, delivered by that endpoint's actor
    /// (`Command::ForeignEmit`) right after this call.
    #[allow(clippy::too_many_arguments)]
    fn emit_elsewhere(
        &mut self,
        endpoint: &str,
        to: BroadcastSelector,
        options: EmitFlags,
        event: &str,
        args_json: &str,
        attachments: Vec<Vec<u8>>,
    ) -> Result<(), HostError> {
        self.ns.check_foreign_emit(event, args_json, &attachments)?;
        let Some(handle) = self.peers.get(endpoint) else {
            return Err(HostError::InvalidName);
        };
        handle.send(Command::ForeignEmit(Box::new(ForeignEmit {
            to,
            flags: options,
            event: event.to_owned(),
            args_json: args_json.to_owned(),
            attachments: attachments.into_iter().map(Bytes::from).collect(),
        })));
        Ok(())
    }
}

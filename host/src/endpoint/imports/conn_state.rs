//! `sio:realtime/conn-state`: what the host keeps about a handler's
//! connections (docs/state.md): each one's data, and room membership. The
//! data lives in the namespace's [`Conn`], so it moves with the namespace
//! across reloads and rebuilds and leaves with the connection; the rooms
//! are the namespace's own. A refusal is counted like a `host` call's.
//!
//! [`Conn`]: crate::endpoint::namespace::Conn

use crate::endpoint::bindings::HostError;
use crate::endpoint::bindings::sio::realtime::conn_state::Host;
use crate::endpoint::store::GuestState;
use sio_protocol::ConnId;

impl Host for GuestState {
    fn set_data(&mut self, conn: ConnId, data_json: String) -> Result<(), HostError> {
        let result = self.ns.set_data(conn, &data_json);
        self.ns.verdict(result)
    }

    fn data(&mut self, conn: ConnId) -> Result<String, HostError> {
        let result = self.ns.data(conn);
        self.ns.verdict(result)
    }

    fn rooms(&mut self, conn: ConnId) -> Result<Vec<String>, HostError> {
        let result = self.ns.rooms_of(conn);
        self.ns.verdict(result)
    }

    fn room_conns(&mut self, room: String) -> Vec<ConnId> {
        self.ns.room_conns(&room)
    }

    fn room_size(&mut self, room: String) -> u32 {
        self.ns.room_size(&room)
    }

    fn recovered(&mut self, conn: ConnId) -> bool {
        self.ns.recovering == Some(conn)
    }
}

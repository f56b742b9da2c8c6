//! `sio:realtime/config`: the endpoint's configuration values (the
//! `[endpoints."/path".config]` table of `sio.toml`), as the store was given
//! them; fixed for the life of an instance. Nothing to validate: a guest
//! only reads.

use crate::endpoint::bindings::sio::realtime::config::Host;
use crate::endpoint::store::GuestState;

impl Host for GuestState {
    fn values(&mut self) -> Vec<(String, String)> {
        self.values.to_vec()
    }

    fn get(&mut self, key: String) -> Option<String> {
        self.values
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
    }
}

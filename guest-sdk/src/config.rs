//! The endpoint's configuration values: the `[endpoints."/path".config]`
//! table of the server's `sio.toml` (`sio:realtime/config`). Numbers and
//! booleans arrive as their text (`rooms = 3` is `"3"`). The values are
//! fixed for the life of an instance; a hot reload picks up edited ones.
//!
//! ```no_run
//! let greeting = sio_guest::config::get("greeting").unwrap_or_else(|| "hello".into());
//! let rooms: u32 = sio_guest::config::parse("rooms").unwrap_or(Ok(1)).unwrap_or(1);
//! ```
//!
//! Natively (`cargo test`) the values are [`crate::testing::set_config`]'s.

use std::str::FromStr;

use crate::sys;

/// The value of `key`, when it is set.
pub fn get(key: &str) -> Option<String> {
    sys::config_get(key)
}

/// Every value, keys sorted.
pub fn values() -> Vec<(String, String)> {
    sys::config_values()
}

/// The value of `key` parsed as a `T`: None when unset.
pub fn parse<T: FromStr>(key: &str) -> Option<Result<T, T::Err>> {
    get(key).map(|v| v.parse())
}

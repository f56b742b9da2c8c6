//! The endpoint's key-value store (`sio:realtime/kv`, docs/state.md): keys
//! scoped to the endpoint, string values, kept by the host, so they outlive
//! hot reloads and rebuilds; in memory, in a file (survives a restart) or in
//! the cluster's Redis (every node sees the same values), as the server is
//! configured. Every call answers at once or fails `Unavailable` within the
//! server's store timeout.
//!
//! ```no_run
//! use sio_guest::kv;
//! // Claim a nickname for the whole cluster, once:
//! let mine = kv::compare_and_swap("nick:alice", None, Some("user-1")) == Ok(true);
//! // Count something:
//! let n = kv::increment("visits", 1).unwrap_or(0);
//! // JSON values:
//! kv::set_json("profile:user-1", &serde_json::json!({"color": "blue"})).ok();
//! ```
//!
//! Natively (`cargo test`) the store is a map of this thread
//! ([`crate::testing`]).

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use crate::bindings::sio::realtime::kv::KvError;
use crate::sys;

/// The value at `key`, if any.
pub fn get(key: &str) -> Result<Option<String>, KvError> {
    sys::kv_get(key)
}

/// `key` holds `value` from now on.
pub fn set(key: &str, value: &str) -> Result<(), KvError> {
    sys::kv_set(key, value)
}

/// Remove `key`; whether it was there.
pub fn delete(key: &str) -> Result<bool, KvError> {
    sys::kv_delete(key)
}

/// Add `delta` to the integer at `key` (0 when absent), atomically.
pub fn increment(key: &str, delta: i64) -> Result<i64, KvError> {
    sys::kv_increment(key, delta)
}

/// Atomically: when `key` holds `expected` (None: absent), make it hold
/// `replacement` (None: remove it). Whether it did.
pub fn compare_and_swap(
    key: &str,
    expected: Option<&str>,
    replacement: Option<&str>,
) -> Result<bool, KvError> {
    sys::kv_compare_and_swap(key, expected, replacement)
}

/// The value at `key` read as JSON into a `T`; None when absent or not a
/// `T`.
pub fn get_json<T: DeserializeOwned>(key: &str) -> Result<Option<T>, KvError> {
    Ok(get(key)?.and_then(|v| serde_json::from_str(&v).ok()))
}

/// `key` holds `value` as JSON. A value serde cannot write (a map with
/// non-string keys, say) stores nothing and fails `TooLarge`, the store's
/// "this value cannot be kept".
pub fn set_json<T: Serialize + ?Sized>(key: &str, value: &T) -> Result<(), KvError> {
    let json = serde_json::to_string(value).map_err(|_| KvError::TooLarge)?;
    set(key, &json)
}

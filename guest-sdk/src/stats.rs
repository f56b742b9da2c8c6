//! The server's counters (`sio:realtime/stats`): the document the host
//! serves at `/stats` (see docs/stats.md), read at the time of the call.
//!
//! ```no_run
//! let stats = sio_guest::stats::get();
//! let active = stats["sessions"]["active"].as_u64().unwrap_or(0);
//! ```
//!
//! Natively (`cargo test`) the document is [`crate::testing::set_stats`]'s.

use crate::sys;

/// The `/stats` JSON text.
pub fn json() -> String {
    sys::stats_json()
}

/// The `/stats` document, parsed (`Null` if the host sent something else).
pub fn get() -> serde_json::Value {
    serde_json::from_str(&json()).unwrap_or(serde_json::Value::Null)
}

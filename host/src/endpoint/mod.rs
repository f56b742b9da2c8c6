//! The WebAssembly side: the runtime shared by all endpoints, one actor per
//! endpoint that owns its instance, the namespace state its host imports act
//! on, and hot reload. Nothing here sees a wire format beyond Socket.IO
//! packet text.

mod actor;
mod async_host;
mod fetch;
mod guest_stderr;
mod namespace;
pub mod reload;
pub mod runtime;
mod timers;
pub mod watch;

pub use actor::{Command, EndpointHandle, Swapped, spawn};
pub use namespace::Namespace;
pub use reload::{Reloader, Trigger};
pub use runtime::{EndpointSettings, GuestLimits, Prepared, Runtime};

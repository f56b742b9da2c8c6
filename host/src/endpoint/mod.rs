//! The WebAssembly side: the runtime shared by all endpoints, one actor per
//! endpoint that owns its instance, and the namespace state its host imports
//! act on. Nothing here sees a wire format beyond Socket.IO packet text.

mod actor;
mod namespace;
pub mod runtime;

pub use actor::{Command, EndpointHandle, spawn};
pub use namespace::Namespace;
pub use runtime::{GuestLimits, Runtime};

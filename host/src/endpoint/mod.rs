//! The WebAssembly side: the bindings generated from wit/ (`bindings`), the
//! host imports a guest calls, one file per WIT interface (`imports`), the
//! runtime shared by all endpoints (`runtime`: engine, linker, loading a
//! component) and the data of an instance's store (`store`), one actor per
//! endpoint that owns its instance and runs its commands connection by
//! connection in turn (`scheduler`), the namespace state the host imports
//! act on, the live endpoints by name with the namespaces of pattern
//! entries started and stopped on demand (`directory`), what a namespace
//! reports to an observer (`observer`: the admin UI), and hot reload.
//!
//! A client's session is reached only through the `Arc<dyn Outbox>` (see
//! `crate::outbox`) each of its connections holds; nothing here sees a
//! session, a transport, or a wire format beyond Socket.IO packet text.

mod actor;
mod bindings;
mod directory;
mod fetch;
mod guest_stderr;
mod imports;
mod namespace;
mod observer;
pub mod reload;
pub mod runtime;
mod scheduler;
mod shard;
mod store;
mod timers;
pub mod watch;

pub use actor::{Command, EndpointHandle, NativeEndpoint, Swapped, spawn};
pub use directory::Endpoints;
pub use namespace::Namespace;
pub use observer::{Observed, Observer};
pub use reload::{Reloader, Trigger};
pub use runtime::{EndpointSettings, GuestLimits, Prepared, Runtime};

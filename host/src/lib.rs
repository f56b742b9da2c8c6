//! sio-host: a Socket.IO server whose application logic runs as WebAssembly
//! components.
//!
//! Data flows one way: bytes -> [`transport`] -> [`protocol`] decode ->
//! [`session`] / [`socket`] -> [`endpoint`] actor -> guest; the guest's host
//! calls -> [`endpoint`] namespace -> [`wire`] encode -> [`session`] queue ->
//! [`transport`] -> bytes. The protocol layer never touches sockets; the
//! transports never parse packets beyond framing; the endpoint layer never
//! sees a wire format beyond Socket.IO packet text.

pub mod adapter;
pub mod admin;
pub mod config;
pub mod cors;
pub mod endpoint;
pub mod protocol;
pub mod server;
pub mod session;
pub mod socket;
pub mod static_files;
pub mod stats;
pub mod transport;
pub mod wire;

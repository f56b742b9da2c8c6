//! sio-host: a Socket.IO server whose application logic runs as WebAssembly
//! components.
//!
//! Data flows one way: bytes -> `transport` -> `sio_protocol` decode ->
//! `session` (and its conns) -> [`endpoint`] actor -> guest; the guest's
//! host calls -> [`endpoint`] namespace -> `sio_protocol::wire` encode ->
//! `outbox` (the session's queue) -> `transport` -> bytes. The codecs
//! never touch sockets; the transports never parse packets beyond framing;
//! the endpoint layer never sees a wire format beyond Socket.IO packet text.
//!
//! The modules form layers, each importing only the ones below it (checked
//! by `cargo xtask layers`; docs/architecture.md has the table):
//! [`devkit`]; [`server`]; `router`, [`admin`]; `transport`, `static_files`;
//! `session`, `admin_ui`; [`endpoint`]; `adapter`, `kv`; `outbox`, `cors`;
//! `stats`, [`config`]; `http`; and the `sio_protocol` crate beneath.

//!
//! The public surface is what the `sio-host` binary needs: [`server::serve`],
//! the [`config`] it takes, the [`admin`] client (`reload`, `status`), the
//! [`endpoint`] runtime for `check`, and the [`devkit`] (`wit`, `new`,
//! `build`, `dev`). Everything else is the crate's own.

#![warn(missing_docs)]

mod adapter;
pub mod admin;
mod admin_ui;
pub mod config;
mod cors;
pub mod devkit;
pub mod endpoint;
mod http;
mod kv;
mod outbox;
mod router;
pub mod server;
mod session;
mod static_files;
mod stats;
mod transport;

//! The host's side of the WIT interfaces a guest imports, one file per
//! interface, each an `impl ...::Host for GuestState` over the traits
//! `bindgen!` generated (`bindings.rs`): `host` (acting on the namespace),
//! `conn-state`, `kv`, `config`, `stats` and `async-host`; WASI is wasmtime-wasi's, with
//! `wasi:io`'s blocking calls cut at the call deadline (`wasi_io`).
//! `runtime.rs` adds them all to the linker.
//!
//! The files are thin adapters: the namespace's work, and most checks of
//! what a guest passes, are [`Namespace`](crate::endpoint::Namespace)
//! methods they call. A refusal is an error result for the guest, counted
//! per endpoint (`Namespace::verdict`), never a panic of the host.

use crate::endpoint::bindings::sio::realtime::types;
use crate::endpoint::store::GuestState;

mod async_host;
mod broadcast;
mod config;
mod conn_state;
mod host;
mod kv;
mod stats;
pub(crate) mod wasi_io;

/// `sio:realtime/types` declares types only: its `Host` trait is empty.
impl types::Host for GuestState {}

//! Write sio-host endpoint handlers in Rust.
//!
//! A handler is a type implementing [`Handler`] (every method has a
//! default) registered with [`handler!`]; the crate is built as a
//! `wasm32-wasip2` `cdylib`, a WebAssembly component of the
//! `sio:realtime/endpoint` world, which the host loads for one endpoint
//! (namespace). The component is single-threaded and the host calls it one
//! event at a time: the one `Default` instance of your type is yours to
//! mutate.
//!
//! ```
//! use sio_guest::{Ack, Args, Conn, ConnInfo, Handler, Target};
//!
//! #[derive(Default)]
//! struct Echo { visitors: u32 }
//!
//! impl Handler for Echo {
//!     fn on_connect(&mut self, info: &ConnInfo) -> Result<(), String> {
//!         self.visitors += 1;
//!         info.conn().emit("welcome", &(self.visitors,)).map_err(|e| e.to_string())
//!     }
//!     fn on_event(&mut self, conn: Conn, event: &str, args: Args, ack: Option<Ack>) {
//!         match (event, ack) {
//!             ("echo", Some(ack)) => drop(ack.reply_raw(args.raw(), args.attachments())),
//!             ("shout", _) => match args.parse::<(String,)>() {
//!                 Ok((text,)) => drop(sio_guest::emit(Target::All, "shouted", &(text.to_uppercase(),))),
//!                 Err(e) => sio_guest::warn!("{conn}: bad shout: {e}"),
//!             },
//!             _ => sio_guest::info!("{conn}: unhandled event {event}"),
//!         }
//!     }
//! }
//!
//! sio_guest::handler!(Echo);
//! ```
//!
//! with, in the handler's `Cargo.toml`:
//!
//! ```toml
//! [lib]
//! crate-type = ["cdylib"]
//!
//! [dependencies]
//! sio-guest = "0.1"
//! ```
//!
//! (offline, or against an unpacked `.crate`, keep that line and add
//! `[patch.crates-io]` `sio-guest = { path = "path/to/sio-guest" }`; inside
//! the sio-host repository handlers use `{ path = "../guest-sdk" }`). Then
//! `cargo build --target wasm32-wasip2 --release` produces the component
//! `target/wasm32-wasip2/release/<name>.wasm`.
//!
//! # Arguments
//!
//! Event arguments cross the boundary as JSON array text. Incoming ones are an
//! [`Args`]: [`Args::raw`] is the array exactly as the client sent it,
//! [`Args::parse`] deserializes it (`let (text,): (String,) = args.parse()?`),
//! [`Args::get`] one argument, [`Args::binary`] a binary attachment.
//!
//! Outgoing arguments are anything serde serializes to a JSON **array**: a
//! tuple (`&("hi", 3)`, one argument is `&("hi",)`), an array or `Vec`, or
//! `serde_json::json!([..])`; `&()` is no arguments. A single value is not
//! wrapped for you (`&"hi"` fails with [`HostError::InvalidJson`]). Binary
//! data goes in `attachments`, referenced from the arguments by a
//! [`Placeholder`]. The `*_raw` variants take JSON text as it is.
//!
//! # Acting
//!
//! [`emit`], [`emit_binary`], [`emit_raw`], [`broadcast()`](fn@broadcast),
//! [`broadcast_except`], [`emit_with_ack`] (the reply arrives in
//! [`Handler::on_ack`]), [`send`], [`join`], [`leave`], [`disconnect`], and
//! the same on a [`Conn`] (`conn.emit(..)`, `conn.join(..)`). Answer an
//! event's acknowledgement with [`Ack::reply`] (or [`ack`]). Log through the
//! host with [`info!`] and friends or the [`mod@log`] functions. Every call
//! returns the host's verdict as `Result<_, HostError>`; a refused call had
//! no effect.
//!
//! # State across hot reloads
//!
//! The host can replace a running handler's component under live
//! connections (`sio-host run --watch`, `sio-host reload`, SIGHUP).
//! Connections, rooms and queued messages live in the host and survive
//! always; the handler's own fields survive when the handler asks for it:
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use sio_guest::{Ack, Args, Conn, Handler};
//!
//! #[derive(Default, Serialize, Deserialize)]
//! struct Counter {
//!     total: u64,
//!     // New fields need a default, so an older build's state still loads.
//!     #[serde(default)]
//!     by_event: std::collections::BTreeMap<String, u64>,
//! }
//!
//! impl Handler for Counter {
//!     fn on_event(&mut self, _conn: Conn, event: &str, _args: Args, ack: Option<Ack>) {
//!         self.total += 1;
//!         *self.by_event.entry(event.to_owned()).or_default() += 1;
//!         if let Some(ack) = ack {
//!             let _ = ack.reply(&(self.total,));
//!         }
//!     }
//! }
//!
//! sio_guest::handler!(Counter, state);
//! ```
//!
//! `handler!(T, state)` exports `sio:realtime/state` (the
//! `stateful-endpoint` world): the running version's handler is serialized
//! with `serde_json` (`snapshot`) and deserialized into the new version
//! (`restore`), which then hears [`Handler::on_restore`]. JSON keeps builds
//! compatible across added fields (`#[serde(default)]`), removed fields
//! (ignored) and renames (`#[serde(alias = "old")]`); `#[serde(skip)]`
//! fields start from `Default`. A state the new build cannot read refuses
//! the reload and the running version keeps serving. `handler!(T)` exports
//! no `state`: a reload starts it from `T::default()`. See docs/reload.md.
//!
//! # Asynchronous work
//!
//! `handler!(T, async)` (the `async-broadcast-endpoint` world) adds timers
//! ([`set_timer`], [`cancel_timer`]), outbound HTTP ([`http::fetch`]) and
//! holding a connection ([`hold`], [`release`], `conn.hold()`): while held,
//! its later events wait in the host, in order, and other connections go
//! on. The work completes in [`Handler::on_timer`] and [`Handler::on_fetch`]
//! with the token the handler chose. See docs/async.md and `examples/gen`.
//!
//! # Configuration values
//!
//! [`config::get`] and [`config::values`] read the endpoint's
//! `[endpoints."/path".config]` table from the server's `sio.toml`.
//!
//! # Testing
//!
//! Natively (`cargo test`) the host calls are recorded instead of made, and
//! [`testing::Harness`] drives a handler like the host would (including a
//! hot reload's state hand-off, [`testing::Harness::reload`]); see
//! [`testing`].
//!
//! # Host requirements
//!
//! Besides `sio:realtime/host@0.1.0`, a component built with Rust's standard
//! library for `wasm32-wasip2` imports a few WASI 0.2 interfaces
//! (`wasi:cli/environment`, `wasi:cli/exit`, `wasi:cli/stderr`,
//! `wasi:io/error`, `wasi:io/streams`, ...) that the host links in.
#![warn(missing_docs)]

mod api;
mod args;
mod asynchronous;
pub mod broadcast;
pub mod config;
pub mod kv;
pub mod log;
pub mod stats;
mod sys;
#[cfg(not(target_arch = "wasm32"))]
pub mod testing;

/// The version of the `sio:realtime` WIT package this crate was built
/// against (`package sio:realtime@X;` in the `wit/realtime.wit` it ships):
/// a host serving that version, or a later compatible one, loads handlers
/// built with it.
pub const WIT_VERSION: &str = env!("SIO_WIT_VERSION");

#[doc(hidden)]
#[allow(missing_docs, clippy::all)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "wit",
        world: "endpoint",
        pub_export_macro: true,
        export_macro_name: "__export_endpoint",
        additional_derives: [PartialEq, Eq, Hash],
    });
}

/// The `stateful-endpoint` world: `endpoint` plus the `state` export. Its
/// imports and types are those of [`bindings`].
#[doc(hidden)]
#[allow(missing_docs, clippy::all)]
pub mod stateful_bindings {
    wit_bindgen::generate!({
        path: "wit",
        world: "stateful-endpoint",
        pub_export_macro: true,
        export_macro_name: "__export_stateful_endpoint",
        with: {
            "sio:realtime/types@0.1.0": crate::bindings::sio::realtime::types,
            "sio:realtime/host@0.1.0": crate::bindings::sio::realtime::host,
            "sio:realtime/config@0.1.0": crate::bindings::sio::realtime::config,
            "sio:realtime/stats@0.1.0": crate::bindings::sio::realtime::stats,
            "sio:realtime/conn-state@0.1.0": crate::bindings::sio::realtime::conn_state,
            "sio:realtime/kv@0.1.0": crate::bindings::sio::realtime::kv,
            "sio:realtime/broadcast@0.1.0": crate::bindings::sio::realtime::broadcast,
        },
    });
}

/// The `async-broadcast-endpoint` world: `endpoint` plus the `async-host`
/// import and the `completions` and `broadcast-events` exports. Its other
/// imports and types are those of [`bindings`].
#[doc(hidden)]
#[allow(missing_docs, clippy::all)]
pub mod async_bindings {
    wit_bindgen::generate!({
        path: "wit",
        world: "async-broadcast-endpoint",
        pub_export_macro: true,
        export_macro_name: "__export_async_endpoint",
        with: {
            "sio:realtime/types@0.1.0": crate::bindings::sio::realtime::types,
            "sio:realtime/host@0.1.0": crate::bindings::sio::realtime::host,
            "sio:realtime/config@0.1.0": crate::bindings::sio::realtime::config,
            "sio:realtime/stats@0.1.0": crate::bindings::sio::realtime::stats,
            "sio:realtime/conn-state@0.1.0": crate::bindings::sio::realtime::conn_state,
            "sio:realtime/kv@0.1.0": crate::bindings::sio::realtime::kv,
            "sio:realtime/broadcast@0.1.0": crate::bindings::sio::realtime::broadcast,
        },
    });
}

pub use api::{
    Ack, Conn, ack, broadcast, broadcast_except, disconnect, emit, emit_binary, emit_raw,
    emit_with_ack, emit_with_ack_raw, join, leave, room_conns, room_size, send,
};
pub use args::{Args, Placeholder, to_args_json};
pub use asynchronous::{cancel_timer, cluster_sockets, hold, http, release, set_timer};
pub use bindings::sio::realtime::types::{ConnId, ConnInfo, HostError, LogLevel, Protocol, Target};
pub use broadcast::{Broadcast, Replies, Reply, ServerReply};
/// Re-exported for handlers: `sio_guest::serde_json::json!`.
pub use serde_json;

/// An endpoint's application logic. Register the type with [`handler!`]; the
/// host's calls reach one `Default` instance of it. Every method has a
/// default that does nothing (and accepts connections).
pub trait Handler: Default + 'static {
    /// A client connects to the endpoint. `Err(reason)` refuses it: the
    /// client gets a CONNECT_ERROR carrying `reason` (e.g. socket.io-client's
    /// `connect_error` with `err.message == reason`). Emits to the
    /// connection from here are delivered after the CONNECT reply.
    fn on_connect(&mut self, info: &ConnInfo) -> Result<(), String> {
        let _ = info;
        Ok(())
    }

    /// A plain message (Socket.IO 0.9 `message`/`json` packets); `text` is
    /// the raw payload.
    fn on_message(&mut self, conn: Conn, text: &str) {
        let _ = (conn, text);
    }

    /// An event with its arguments. When `ack` is `Some` the client waits
    /// for the reply: answer it with [`Ack::reply`].
    fn on_event(&mut self, conn: Conn, event: &str, args: Args, ack: Option<Ack>) {
        let _ = (conn, event, args, ack);
    }

    /// The reply to [`emit_with_ack`]'s `token`: the client's arguments, or
    /// `None` when the timeout passed or the client left first.
    fn on_ack(&mut self, conn: Conn, token: u64, reply: Option<Args>) {
        let _ = (conn, token, reply);
    }

    /// The connection is gone; `reason` is Socket.IO's ("client namespace
    /// disconnect", "transport close", "ping timeout", ...). Host calls
    /// naming it now fail with [`HostError::UnknownConn`].
    fn on_disconnect(&mut self, conn: Conn, reason: &str) {
        let _ = (conn, reason);
    }

    /// With `handler!(T, state)`: this instance was just restored from a
    /// previous version's state (a hot reload, or a rebuild after a trap),
    /// before any other call. Rebuild what `#[serde(skip)]` left out here.
    /// Host calls made here reach no connection.
    fn on_restore(&mut self) {}

    /// With `handler!(T, async)`: the timer [`set_timer`] armed with
    /// `token` is due.
    fn on_timer(&mut self, token: u64) {
        let _ = token;
    }

    /// With `handler!(T, async)`: the outcome of [`http::fetch`]`(token, ..)`:
    /// the response, or why there is none.
    fn on_fetch(&mut self, token: u64, response: Result<http::Response, String>) {
        let _ = (token, response);
    }

    /// With `handler!(T, async)`: everything that came back for the
    /// [`Broadcast::emit_with_ack`] or [`broadcast::server_emit_with_ack`]
    /// that returned `token`.
    fn on_replies(&mut self, token: u64, replies: Replies) {
        let _ = (token, replies);
    }

    /// With `handler!(T, async)`: another node's server event
    /// ([`broadcast::server_emit`], Node's `serverSideEmit`) for this
    /// endpoint. With `reply` the sender waits for [`ServerReply::reply`].
    fn on_server_event(&mut self, event: &str, args: Args, reply: Option<ServerReply>) {
        let _ = (event, args, reply);
    }
}

/// Exports a [`Handler`] type as the component's world, once per crate, at
/// item level:
///
/// * `sio_guest::handler!(MyHandler);` — the `endpoint` world. A hot reload
///   starts the new version from `MyHandler::default()`.
/// * `sio_guest::handler!(MyHandler, state);` — the `stateful-endpoint`
///   world: `MyHandler` must also be `serde::Serialize` and
///   `serde::Deserialize`; a hot reload hands its value, as JSON, to the new
///   version (see the crate docs and docs/reload.md).
///
/// * `sio_guest::handler!(MyHandler, async);` — the
///   `async-broadcast-endpoint` world: timers, hold/release and HTTP
///   ([`set_timer`], [`hold`], [`http::fetch`]) complete in
///   [`Handler::on_timer`] and [`Handler::on_fetch`] (docs/async.md), and
///   what comes back from broadcasts in [`Handler::on_replies`] and
///   [`Handler::on_server_event`].
///   (State hand-off together with `async` is not offered yet: the SDK
///   would need the `stateful-async-endpoint` bindings beside these.)
///
/// One `MyHandler::default()` is created on first use and kept for the life
/// of the component instance; each export borrows it mutably for the call.
#[macro_export]
macro_rules! handler {
    ($ty:ty) => {
        const _: () = {
            $crate::__handler_exports!($ty, $crate::__private::Guest);
            $crate::__private::export!(
                __SioGuestExports with_types_in $crate::__private::bindings
            );
        };
    };
    ($ty:ty, state) => {
        const _: () = {
            $crate::__handler_exports!(
                $ty,
                $crate::__private::Guest,
                $crate::__private::StatefulGuest
            );

            impl $crate::__private::StateGuest for __SioGuestExports {
                fn snapshot() -> ::core::result::Result<::std::vec::Vec<u8>, ::std::string::String>
                {
                    __sio_guest_with(|h| $crate::__private::snapshot(h))
                }

                fn restore(
                    state: ::std::vec::Vec<u8>,
                ) -> ::core::result::Result<(), ::std::string::String> {
                    __sio_guest_with(|h| $crate::__private::restore(h, &state))
                }
            }

            #[cfg(target_arch = "wasm32")]
            $crate::__private::export_stateful!(
                __SioGuestExports with_types_in $crate::__private::stateful_bindings
            );
            // Natively (`cargo test` of a cdylib) an interface export's symbol
            // names (`...state@0.1.0#restore`) are not ones a native linker's
            // export list accepts: export the plain world there.
            #[cfg(not(target_arch = "wasm32"))]
            $crate::__private::export!(
                __SioGuestExports with_types_in $crate::__private::bindings
            );
        };
    };
    ($ty:ty, async) => {
        const _: () = {
            $crate::__handler_exports!(
                $ty,
                $crate::__private::Guest,
                $crate::__private::AsyncGuest
            );
            $crate::__completions_export!($crate::__private::CompletionsGuest);
            $crate::__broadcast_events_export!($crate::__private::BroadcastEventsGuest);

            #[cfg(target_arch = "wasm32")]
            $crate::__private::export_async!(
                __SioGuestExports with_types_in $crate::__private::async_bindings
            );
            #[cfg(not(target_arch = "wasm32"))]
            $crate::__private::export!(
                __SioGuestExports with_types_in $crate::__private::bindings
            );
        };
    };
}

/// `handler!(T, async)`'s `completions` export; not a public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __completions_export {
    ($guest:path) => {
        impl $guest for __SioGuestExports {
            fn on_timer(token: u64) {
                __sio_guest_with(|h| $crate::Handler::on_timer(h, token))
            }

            fn on_fetch(
                token: u64,
                response: ::core::result::Result<$crate::http::Response, ::std::string::String>,
            ) {
                __sio_guest_with(|h| $crate::Handler::on_fetch(h, token, response))
            }
        }
    };
}

/// `handler!(T, async)`'s `broadcast-events` export; not a public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __broadcast_events_export {
    ($guest:path) => {
        impl $guest for __SioGuestExports {
            fn on_replies(token: u64, replies: $crate::__private::WireReplies) {
                __sio_guest_with(|h| $crate::__private::on_replies(h, token, replies))
            }

            fn on_server_event(
                event: ::std::string::String,
                args_json: ::std::string::String,
                reply: ::core::option::Option<u64>,
            ) {
                __sio_guest_with(|h| $crate::__private::on_server_event(h, event, args_json, reply))
            }
        }
    };
}

/// The part of [`handler!`] both worlds share; not a public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __handler_exports {
    ($ty:ty $(, $guest:path)+) => {
        ::std::thread_local! {
            static __SIO_GUEST_HANDLER: ::core::cell::RefCell<$ty> =
                ::core::cell::RefCell::new(<$ty as ::core::default::Default>::default());
        }

        fn __sio_guest_with<R>(f: impl ::core::ops::FnOnce(&mut $ty) -> R) -> R {
            __SIO_GUEST_HANDLER.with(|handler| f(&mut handler.borrow_mut()))
        }

        struct __SioGuestExports;

        $(impl $guest for __SioGuestExports {
            fn on_connect(
                info: $crate::ConnInfo,
            ) -> ::core::result::Result<(), ::std::string::String> {
                __sio_guest_with(|h| $crate::__private::on_connect(h, info))
            }

            fn on_message(conn: $crate::ConnId, text: ::std::string::String) {
                __sio_guest_with(|h| $crate::__private::on_message(h, conn, text))
            }

            fn on_event(
                conn: $crate::ConnId,
                event: ::std::string::String,
                args_json: ::std::string::String,
                attachments: ::std::vec::Vec<::std::vec::Vec<u8>>,
                ack_id: ::core::option::Option<u64>,
            ) {
                __sio_guest_with(|h| {
                    $crate::__private::on_event(h, conn, event, args_json, attachments, ack_id)
                })
            }

            fn on_ack(
                conn: $crate::ConnId,
                token: u64,
                args_json: ::core::option::Option<::std::string::String>,
                attachments: ::std::vec::Vec<::std::vec::Vec<u8>>,
            ) {
                __sio_guest_with(|h| {
                    $crate::__private::on_ack(h, conn, token, args_json, attachments)
                })
            }

            fn on_disconnect(conn: $crate::ConnId, reason: ::std::string::String) {
                __sio_guest_with(|h| $crate::__private::on_disconnect(h, conn, reason))
            }
        })+
    };
}

/// Glue for [`handler!`] and [`testing`]; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::async_bindings;
    pub use crate::async_bindings::__export_async_endpoint as export_async;
    pub use crate::async_bindings::Guest as AsyncGuest;
    pub use crate::async_bindings::exports::sio::realtime::broadcast_events::{
        Guest as BroadcastEventsGuest, Replies as WireReplies,
    };
    pub use crate::async_bindings::exports::sio::realtime::completions::Guest as CompletionsGuest;
    pub use crate::bindings;
    pub use crate::bindings::__export_endpoint as export;
    pub use crate::bindings::Guest;
    pub use crate::stateful_bindings;
    pub use crate::stateful_bindings::__export_stateful_endpoint as export_stateful;
    pub use crate::stateful_bindings::Guest as StatefulGuest;
    pub use crate::stateful_bindings::exports::sio::realtime::state::Guest as StateGuest;

    use crate::{Ack, Args, Conn, ConnId, ConnInfo, Handler};

    /// `snapshot` of `handler!(T, state)`: the handler as JSON.
    pub fn snapshot<H: Handler + serde::Serialize>(handler: &mut H) -> Result<Vec<u8>, String> {
        serde_json::to_vec(handler).map_err(|e| format!("serializing the handler's state: {e}"))
    }

    /// `restore` of `handler!(T, state)`: replace the handler with the
    /// previous version's, then `on_restore`. On Err the handler is as it was.
    pub fn restore<H: Handler + serde::de::DeserializeOwned>(
        handler: &mut H,
        state: &[u8],
    ) -> Result<(), String> {
        let restored: H = serde_json::from_slice(state).map_err(|e| {
            format!(
                "the previous version's state does not fit {}: {e}",
                std::any::type_name::<H>()
            )
        })?;
        *handler = restored;
        handler.on_restore();
        Ok(())
    }

    std::thread_local! {
        /// The connection whose recovery the running `on_connect` is for.
        static RECOVERING: std::cell::Cell<Option<ConnId>> = const { std::cell::Cell::new(None) };
    }

    /// See [`ConnInfo::recovered`].
    pub(crate) fn recovering() -> Option<ConnId> {
        RECOVERING.with(std::cell::Cell::get)
    }

    pub fn on_connect<H: Handler>(handler: &mut H, info: ConnInfo) -> Result<(), String> {
        // Asked here, always, so every handler imports `recovered` and the
        // host gives it the second `on-connect` of a recovery.
        let recovered = crate::sys::recovered(info.id);
        RECOVERING.with(|r| r.set(recovered.then_some(info.id)));
        let result = handler.on_connect(&info);
        RECOVERING.with(|r| r.set(None));
        result
    }

    pub fn on_message<H: Handler>(handler: &mut H, conn: ConnId, text: String) {
        handler.on_message(Conn::new(conn), &text);
    }

    pub fn on_event<H: Handler>(
        handler: &mut H,
        conn: ConnId,
        event: String,
        args_json: String,
        attachments: Vec<Vec<u8>>,
        ack_id: Option<u64>,
    ) {
        let ack = ack_id.map(|id| Ack::new(conn, id));
        handler.on_event(
            Conn::new(conn),
            &event,
            Args::new(args_json, attachments),
            ack,
        );
    }

    pub fn on_ack<H: Handler>(
        handler: &mut H,
        conn: ConnId,
        token: u64,
        args_json: Option<String>,
        attachments: Vec<Vec<u8>>,
    ) {
        let reply = args_json.map(|json| Args::new(json, attachments));
        handler.on_ack(Conn::new(conn), token, reply);
    }

    pub fn on_disconnect<H: Handler>(handler: &mut H, conn: ConnId, reason: String) {
        handler.on_disconnect(Conn::new(conn), &reason);
    }

    pub fn on_replies<H: Handler>(handler: &mut H, token: u64, replies: WireReplies) {
        let replies = crate::Replies {
            replies: replies
                .replies
                .into_iter()
                .map(|r| crate::Reply {
                    conn: r.conn,
                    args: Args::new(r.args_json, r.attachments),
                })
                .collect(),
            silent: replies.silent,
            missing: replies.missing,
        };
        handler.on_replies(token, replies);
    }

    pub fn on_server_event<H: Handler>(
        handler: &mut H,
        event: String,
        args_json: String,
        reply: Option<u64>,
    ) {
        let reply = reply.map(crate::ServerReply::new);
        handler.on_server_event(&event, Args::new(args_json, Vec::new()), reply);
    }
}

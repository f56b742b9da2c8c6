//! Generated code: the Rust side of the `sio:realtime` contract in wit/,
//! written by wasmtime's `bindgen!` at compile time. Nothing is hand-written
//! here but the invocations and the short names the rest of `endpoint` uses;
//! the host's side of each imported interface is in `imports/`, one file per
//! interface.
//!
//! Four `bindgen!` invocations, one per world that adds something,
//! because a handler may target any of the six worlds of wit/ and one
//! invocation binds one world. The `endpoint` world, at the root, is what
//! every handler has: the `host`, `config`, `stats`, `conn-state`, `kv` and
//! `broadcast` imports and the `on-*` exports. The `stateful-endpoint`,
//! `async-endpoint` and `async-broadcast-endpoint` worlds add the optional
//! `state` export, the `async-host` import with the `completions` export,
//! and the `broadcast-events` export; their modules below share the root's
//! interfaces (`with`) and are used only for those additions, which
//! `runtime.rs` links (`async-host`) or looks up per component when it is
//! loaded (`state`, `completions`, `broadcast-events`). The `stateful-`
//! async worlds have nothing the others do not bind.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "endpoint",
});

/// The `stateful-endpoint` world, for its `state` export only: the world's
/// other parts are the `endpoint` bindings above.
pub(crate) mod stateful {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "stateful-endpoint",
        with: {
            "sio:realtime/types": super::sio::realtime::types,
            "sio:realtime/host": super::sio::realtime::host,
            "sio:realtime/config": super::sio::realtime::config,
            "sio:realtime/stats": super::sio::realtime::stats,
            "sio:realtime/conn-state": super::sio::realtime::conn_state,
            "sio:realtime/kv": super::sio::realtime::kv,
            "sio:realtime/broadcast": super::sio::realtime::broadcast,
        },
    });
}

/// The `async-endpoint` world, for its `async-host` import and
/// `completions` export (docs/async.md): the world's other parts are the
/// `endpoint` bindings above.
pub(crate) mod asynchronous {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "async-endpoint",
        with: {
            "sio:realtime/types": super::sio::realtime::types,
            "sio:realtime/host": super::sio::realtime::host,
            "sio:realtime/config": super::sio::realtime::config,
            "sio:realtime/stats": super::sio::realtime::stats,
            "sio:realtime/conn-state": super::sio::realtime::conn_state,
            "sio:realtime/kv": super::sio::realtime::kv,
            "sio:realtime/broadcast": super::sio::realtime::broadcast,
        },
    });
}

/// The `async-broadcast-endpoint` world, for its `broadcast-events` export
/// only: the world's other parts are the bindings above.
pub(crate) mod broadcasting {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "async-broadcast-endpoint",
        with: {
            "sio:realtime/types": super::sio::realtime::types,
            "sio:realtime/host": super::sio::realtime::host,
            "sio:realtime/config": super::sio::realtime::config,
            "sio:realtime/stats": super::sio::realtime::stats,
            "sio:realtime/conn-state": super::sio::realtime::conn_state,
            "sio:realtime/kv": super::sio::realtime::kv,
            "sio:realtime/broadcast": super::sio::realtime::broadcast,
            "sio:realtime/async-host": super::asynchronous::sio::realtime::async_host,
        },
    });
}

pub use self::sio::realtime::broadcast::{EmitFlags, Selector as BroadcastSelector};
pub use self::sio::realtime::types::{HostError, LogLevel, Protocol, Target};
pub(crate) use asynchronous::exports::sio::realtime::completions::{
    Guest as CompletionsExport, GuestIndices as CompletionsIndices,
};
pub use asynchronous::sio::realtime::async_host::{HttpRequest, HttpResponse};
pub(crate) use broadcasting::exports::sio::realtime::broadcast_events::{
    Guest as BroadcastEventsExport, GuestIndices as BroadcastEventsIndices, Replies, Reply,
};
pub(crate) use stateful::exports::sio::realtime::state::{
    Guest as StateExport, GuestIndices as StateIndices,
};

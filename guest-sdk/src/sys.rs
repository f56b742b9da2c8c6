//! The host imports: the real ones in a component, a recorder natively (see
//! [`crate::testing`]) so handlers can be unit-tested with `cargo test`.

#[cfg(target_arch = "wasm32")]
pub(crate) use crate::bindings::sio::realtime::host::{
    ack, disconnect, emit, emit_with_ack, join, leave, log, send,
};

#[cfg(not(target_arch = "wasm32"))]
pub(crate) use crate::testing::host::{
    ack, disconnect, emit, emit_with_ack, join, leave, log, send,
};

#[cfg(target_arch = "wasm32")]
pub(crate) use crate::bindings::sio::realtime::config::{
    get as config_get, values as config_values,
};

#[cfg(not(target_arch = "wasm32"))]
pub(crate) use crate::testing::host::{config_get, config_values};

#[cfg(target_arch = "wasm32")]
pub(crate) use crate::bindings::sio::realtime::conn_state::{
    data, recovered, room_conns, room_size, rooms, set_data,
};

#[cfg(not(target_arch = "wasm32"))]
pub(crate) use crate::testing::host::{data, recovered, room_conns, room_size, rooms, set_data};

#[cfg(target_arch = "wasm32")]
pub(crate) use crate::bindings::sio::realtime::kv::{
    compare_and_swap as kv_compare_and_swap, delete as kv_delete, get as kv_get,
    increment as kv_increment, set as kv_set,
};

#[cfg(not(target_arch = "wasm32"))]
pub(crate) use crate::testing::host::{
    kv_compare_and_swap, kv_delete, kv_get, kv_increment, kv_set,
};

#[cfg(target_arch = "wasm32")]
pub(crate) use crate::bindings::sio::realtime::stats::json as stats_json;

#[cfg(not(target_arch = "wasm32"))]
pub(crate) use crate::testing::host::stats_json;

#[cfg(target_arch = "wasm32")]
pub(crate) use crate::async_bindings::sio::realtime::async_host::{
    cancel_timer, cluster_sockets, hold, http_fetch, release, set_timer,
};

#[cfg(not(target_arch = "wasm32"))]
pub(crate) use crate::testing::host::{
    cancel_timer, cluster_sockets, hold, http_fetch, release, set_timer,
};

#[cfg(target_arch = "wasm32")]
pub(crate) use crate::bindings::sio::realtime::broadcast::{
    emit as broadcast_emit, emit_with_ack as broadcast_emit_with_ack, server_ack, server_emit,
    server_emit_with_ack,
};

#[cfg(not(target_arch = "wasm32"))]
pub(crate) use crate::testing::host::{
    broadcast_emit, broadcast_emit_with_ack, server_ack, server_emit, server_emit_with_ack,
};

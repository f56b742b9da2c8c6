//! Rooms and broadcast membership. The local adapter keeps rooms in memory
//! for one process; with `--redis` the Redis adapter (`redis`) carries
//! broadcasts and requests between nodes in the format of npm
//! `@socket.io/redis-adapter` (its messages: `sio_protocol::redis_adapter`).
//! It reaches a namespace only through the [`redis::ClusterSink`] the
//! endpoint gives it.

mod local;
pub mod redis;

pub use local::LocalAdapter;

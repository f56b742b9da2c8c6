//! Rooms and broadcast membership. The local adapter keeps rooms in memory
//! for one process; with `--redis` the Redis adapter (`redis`) carries
//! broadcasts and requests between nodes in the format of npm
//! `@socket.io/redis-adapter` (`redis_codec`).

mod local;
pub mod redis;
pub mod redis_codec;

pub use local::LocalAdapter;

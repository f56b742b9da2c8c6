//! Rooms and broadcast membership. The local adapter keeps rooms in memory
//! for one process; a Redis adapter for several nodes will sit beside it.

mod local;

pub use local::LocalAdapter;

//! Build "a" of the hot-reload tests' counting handler (see
//! `tests/handlers/shared/counter.rs`): same state, answers tagged "a".

const VERSION: &str = "a";

#[path = "../../shared/counter.rs"]
mod counter;

sio_guest::handler!(counter::Counter, state);

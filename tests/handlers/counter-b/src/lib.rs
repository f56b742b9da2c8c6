//! Build "b" of the hot-reload tests' counting handler (see
//! `tests/handlers/shared/counter.rs`): same state, answers tagged "b".

const VERSION: &str = "b";

#[path = "../../shared/counter.rs"]
mod counter;

sio_guest::handler!(counter::Counter, state);

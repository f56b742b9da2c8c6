//! Transports: move Engine.IO packets between a socket and a session. They
//! frame and unframe, nothing more; packets are decoded by `protocol` and
//! acted on by `session`.

pub mod polling;
pub mod websocket;

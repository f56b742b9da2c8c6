//! Transports: move Engine.IO packets between a socket and a session. They
//! frame and unframe, nothing more; packets are decoded by `sio_protocol` and
//! acted on by `session`. The websocket's frames are
//! `sio_protocol::websocket`'s, read and written by `ws_socket`. Socket.IO protocol 1 (0.7-0.9 clients) uses the
//! same polling and websocket transports, plus htmlfile and the Flash policy
//! server; `sio1` routes its URLs.

pub mod flash_policy;
pub mod htmlfile;
pub mod polling;
pub mod sio1;
pub mod websocket;
mod ws_socket;

//! The protocol-1 codec's tests, one file per file of `sio1/`.

use super::*;

mod bodies;
mod error;
mod framing;
mod handshake;
mod packet;

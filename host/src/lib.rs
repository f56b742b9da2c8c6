//! sio-host: a Socket.IO server whose application logic runs as WebAssembly components.

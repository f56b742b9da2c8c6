//! One websocket connection over hyper's upgraded stream: bytes read go
//! through `sio_protocol::websocket`'s decoder, frames written are encoded
//! by it, compressed (permessage-deflate, when negotiated) above the
//! threshold. The Engine.IO side (handshake routing, the upgrade dance, the
//! session loop) is `websocket.rs`.
//!
//! An idle connection holds no read or write buffer: both are borrowed from
//! the worker thread's spares while there are bytes in them (a partial
//! frame read, frames not yet written) and given back once empty.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWriteExt, ReadBuf};

use sio_protocol::websocket::{
    CloseCode, Decoder, Deflater, Failure, Incoming, Inflater, encode_close, encode_control,
    encode_message,
};

/// Bytes read from the socket at a time (at least), and the read buffer's
/// starting size. A frame longer than this gets room for all of it when
/// its header arrives, so the size only limits how many small frames one
/// read takes in (about 30 short events); socketioxide uses 4 KiB.
const READ_CHUNK: usize = 2048;

/// A read buffer with more room than this is not kept as the thread's
/// spare (it held a large frame).
const READ_KEEP: usize = 16 * 1024;

/// Encoded frames are written to the socket once this much is buffered;
/// the buffer holds at most that plus one message.
const WRITE_CHUNK: usize = 128 * 1024;

/// A write buffer larger than this is given back after the write, so that
/// an idle connection holds little.
const WRITE_KEEP: usize = 16 * 1024;

/// How long a close frame may take to go out (the client may not be reading).
pub const CLOSE_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

/// Why reading ended badly.
#[derive(Debug)]
pub enum ReadError {
    /// The socket failed.
    Io(io::Error),
    /// The client broke the protocol; the close frame with its code has
    /// been queued (see [`WebSocket::fail`]).
    Protocol(Failure),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::Protocol(failure) => write!(f, "{failure}"),
        }
    }
}

/// A server-side websocket.
pub struct WebSocket {
    io: TokioIo<Upgraded>,
    /// Bytes read and not yet decoded; no allocation while empty (see the
    /// module doc).
    read_buf: BytesMut,
    decoder: Decoder,
    /// Messages at least this long are sent compressed; `None`:
    /// permessage-deflate was not negotiated.
    deflate_threshold: Option<usize>,
    /// Encoded frames not yet written; no allocation while empty.
    out: Vec<u8>,
    /// A close frame has been queued: nothing more is.
    closing: bool,
}

impl WebSocket {
    /// A connection taking messages up to `max_message` bytes, compressing
    /// those of `deflate_threshold` bytes or more when deflate was agreed.
    pub fn new(
        io: TokioIo<Upgraded>,
        max_message: usize,
        deflate_threshold: Option<usize>,
    ) -> WebSocket {
        WebSocket {
            io,
            read_buf: BytesMut::new(),
            decoder: Decoder::new(max_message, deflate_threshold.is_some()),
            deflate_threshold,
            out: Vec::new(),
            closing: false,
        }
    }

    /// The next message or control frame; `Ok(None)` at the end of the
    /// stream. Cancel-safe: what was read stays buffered. A ping is
    /// answered (the pong is queued: [`Self::flush`] sends it).
    pub fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<Incoming>, ReadError>> {
        loop {
            let decoded = INFLATER
                .with_borrow_mut(|inflater| self.decoder.decode(&mut self.read_buf, inflater));
            match decoded {
                Ok(Some(incoming)) => {
                    if let Incoming::Ping(payload) = &incoming
                        && !self.closing
                    {
                        encode_control(self.out(), true, payload);
                    }
                    return Poll::Ready(Ok(Some(incoming)));
                }
                Ok(None) => {}
                Err(failure) => {
                    self.fail(failure);
                    return Poll::Ready(Err(ReadError::Protocol(failure)));
                }
            }
            if self.read_buf.capacity() == 0 {
                self.read_buf = take_spare(&SPARE_READ);
            }
            if self.read_buf.capacity() - self.read_buf.len() < READ_CHUNK / 2 {
                self.read_buf.reserve(READ_CHUNK);
            }
            let spare = self.read_buf.spare_capacity_mut();
            let mut rb = ReadBuf::uninit(spare);
            let Poll::Ready(read) = Pin::new(&mut self.io).poll_read(cx, &mut rb) else {
                // Nothing to read: an empty buffer goes back to the thread.
                if self.read_buf.is_empty() && self.read_buf.capacity() <= READ_KEEP {
                    give_spare(&SPARE_READ, std::mem::take(&mut self.read_buf));
                }
                return Poll::Pending;
            };
            read.map_err(ReadError::Io)?;
            let n = rb.filled().len();
            if n == 0 {
                return Poll::Ready(Ok(None));
            }
            let len = self.read_buf.len() + n;
            // SAFETY: `poll_read` initialized the first `n` spare bytes
            // (`ReadBuf::filled`).
            unsafe { self.read_buf.set_len(len) };
        }
    }

    /// [`Self::poll_next`] as a future.
    pub async fn next(&mut self) -> Result<Option<Incoming>, ReadError> {
        std::future::poll_fn(|cx| self.poll_next(cx)).await
    }

    /// Queue one whole message, compressed when deflate is on and it is
    /// at least the threshold long (and compressing makes it smaller).
    pub fn queue(&mut self, text: bool, payload: &Bytes) {
        if let Some(threshold) = self.deflate_threshold
            && payload.len() >= threshold
        {
            let compressed = deflate_shared(payload);
            if compressed.len() < payload.len() {
                encode_message(self.out(), text, true, &compressed);
                return;
            }
        }
        encode_message(self.out(), text, false, payload);
    }

    /// The write buffer, borrowed from the thread's spare when empty.
    fn out(&mut self) -> &mut Vec<u8> {
        if self.out.capacity() == 0 {
            self.out = take_spare(&SPARE_OUT);
        }
        &mut self.out
    }

    /// Whether enough is queued to write before queuing more.
    pub fn should_write(&self) -> bool {
        self.out.len() >= WRITE_CHUNK
    }

    /// Write everything queued.
    pub async fn flush(&mut self) -> io::Result<()> {
        if self.out.is_empty() {
            return Ok(());
        }
        self.io.write_all(&self.out).await?;
        self.io.flush().await?;
        let mut out = std::mem::take(&mut self.out);
        if out.capacity() <= WRITE_KEEP {
            out.clear();
            give_spare(&SPARE_OUT, out);
        }
        Ok(())
    }

    /// Queue a close frame for a protocol failure (its code and reason).
    fn fail(&mut self, failure: Failure) {
        self.queue_close(Some((failure.code, failure.reason)));
    }

    fn queue_close(&mut self, close: Option<(CloseCode, &str)>) {
        if !std::mem::replace(&mut self.closing, true) {
            encode_close(self.out(), close);
        }
    }

    /// Send a close frame (`None`: without a code; nothing when one was
    /// queued already, for a protocol failure) after what is queued, giving
    /// a client that does not read [`CLOSE_GRACE`], then shut the write side.
    pub async fn close(&mut self, close: Option<(CloseCode, &str)>) {
        self.queue_close(close);
        let flushed = async {
            self.flush().await?;
            self.io.shutdown().await
        };
        let _ = tokio::time::timeout(CLOSE_GRACE, flushed).await;
    }

    /// A text message's text. The decoder checked it is UTF-8; checking
    /// again (fast for the short ASCII of most packets) keeps this safe for
    /// any bytes.
    pub fn text(bytes: &Bytes) -> &str {
        std::str::from_utf8(bytes).unwrap_or_default()
    }

    /// Send one text message now.
    pub async fn send_text(&mut self, text: &str) -> io::Result<()> {
        self.queue(true, &Bytes::copy_from_slice(text.as_bytes()));
        self.flush().await
    }
}

thread_local! {
    /// One inflater per worker thread serves every connection: each
    /// message inflates from a fresh state (`client_no_context_takeover`),
    /// so nothing is kept per connection.
    static INFLATER: RefCell<Inflater> = RefCell::new(Inflater::new());
    /// The compressor, and the messages it compressed last.
    static DEFLATED: RefCell<DeflateCache> = RefCell::new(DeflateCache::default());
    /// An empty read buffer for the next connection with bytes to read.
    /// Frames taken from it share its allocation until dropped; `reserve`
    /// gets it back once they are.
    static SPARE_READ: Cell<BytesMut> = Cell::new(BytesMut::new());
    /// An empty write buffer for the next connection with frames to write.
    static SPARE_OUT: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// The thread's spare buffer (an unallocated one if another connection
/// has it, or while the thread ends).
fn take_spare<T: Default>(spare: &'static std::thread::LocalKey<Cell<T>>) -> T {
    spare.try_with(Cell::take).unwrap_or_default()
}

/// Make an empty buffer the thread's spare (the one there is dropped: one
/// per thread is enough, as a connection holds one only while it has bytes
/// in it).
fn give_spare<T>(spare: &'static std::thread::LocalKey<Cell<T>>, buf: T) {
    let _ = spare.try_with(|s| s.set(buf));
}

/// Compressed forms of the messages sent last on this thread, keyed by
/// their buffer. Every message is compressed from a fresh state
/// (`server_no_context_takeover`), so its compressed bytes are the same for
/// every receiver: a broadcast's frames share one buffer (`Frame`), and
/// its receivers on this thread share one compression.
#[derive(Default)]
struct DeflateCache {
    deflater: Deflater,
    /// (message, compressed), oldest first. Holding the message keeps its
    /// buffer alive, so no other message can have its address meanwhile.
    entries: VecDeque<(Bytes, Bytes)>,
    /// Bytes of the messages held.
    held: usize,
}

/// Messages held at most by the cache: one per broadcast in flight, with
/// room for the direct messages in between.
const CACHE_ENTRIES: usize = 32;
/// Bytes of messages the cache holds at most; a longer message is
/// compressed for each receiver.
const CACHE_BYTES: usize = 4 << 20;

/// `payload` compressed, once per buffer on this thread.
fn deflate_shared(payload: &Bytes) -> Bytes {
    DEFLATED.with_borrow_mut(|cache| {
        let same =
            |(m, _): &&(Bytes, Bytes)| m.as_ptr() == payload.as_ptr() && m.len() == payload.len();
        if let Some((_, compressed)) = cache.entries.iter().find(same) {
            return compressed.clone();
        }
        let compressed = Bytes::from(cache.deflater.deflate(payload));
        if payload.len() <= CACHE_BYTES {
            cache.held += payload.len();
            cache
                .entries
                .push_back((payload.clone(), compressed.clone()));
            while cache.entries.len() > CACHE_ENTRIES || cache.held > CACHE_BYTES {
                let Some((old, _)) = cache.entries.pop_front() else {
                    break;
                };
                cache.held -= old.len();
            }
        }
        compressed
    })
}

//! What an endpoint holds of a client's session: a narrow handle through
//! which it queues the client's frames and learns who the client is, and
//! the two pieces of plumbing that go with it ([`InFlight`] tickets for
//! the client's waiting events, [`WakeBatch`] for waking transports once
//! per actor run).
//!
//! The session layer implements [`Outbox`]; the endpoint layer below it
//! holds `Arc<dyn Outbox>` and never sees a session, a transport or the
//! server.

use std::cell::RefCell;
use std::sync::Arc;
use std::task::Waker;

use sio_protocol::{ConnId, Frame, Generation, HandshakeInfo, Sid, WireFormat};

/// A client's session as an endpoint sees it.
pub trait Outbox: Send + Sync {
    /// The Engine.IO session id.
    fn sid(&self) -> &Sid;
    /// The wire generation the client speaks.
    fn generation(&self) -> Generation;
    /// How the client's frames are encoded: its generation and its parser
    /// (socket.io-msgpack-parser's clients take other frames than the JSON
    /// parser's). Whatever is pushed must be encoded for this.
    fn wire_format(&self) -> WireFormat {
        self.generation().into()
    }
    /// What the client's handshake request said.
    fn handshake(&self) -> &HandshakeInfo;
    /// The transport's name as the client knows it (`polling`, `websocket`,
    /// protocol 1's `xhr-polling`, ...).
    fn transport_name(&self) -> &'static str;
    /// Queue frames for the client. False when the session is gone, or was
    /// just dropped for not reading (`--max-outbound-queue`). Never blocks.
    fn push(&self, frames: &[Frame]) -> bool;
    /// Queue a volatile packet's frames, or drop them (false) when the
    /// client cannot take them now: its queue already holds more than the
    /// server's volatile threshold (`--volatile-threshold`). By default
    /// queued as any frames are.
    fn push_volatile(&self, frames: &[Frame]) -> bool {
        self.push(frames)
    }
    /// The endpoint of namespace `nsp` refused or dropped connection `conn`:
    /// the session forgets it (its later packets for `nsp` are refused).
    fn forget(&self, nsp: &str, conn: ConnId);
    /// One of the client's [`InFlight`] events has run (or was discarded).
    fn event_done(&self);
    /// The endpoint of `nsp` recovered an earlier connection for this
    /// client (connection state recovery): the session's conn `from` is
    /// `to` from now on.
    fn rejoin(&self, nsp: &str, from: ConnId, to: ConnId);
}

/// One of a client's events (or acks, or protocol-1 messages) on its way to
/// a handler: counted in its session until dropped, after its handler call
/// (or when it is discarded). At `--max-pending-events` (128) of them the
/// server stops reading from the client until half have run: a client
/// flooding events at a slow handler waits on its own socket instead of
/// queueing ahead of every other client of that endpoint, and its backlog's
/// memory is bounded.
pub struct InFlight(Arc<dyn Outbox>);

impl InFlight {
    /// A ticket for an event the session has just counted.
    pub fn counted(outbox: Arc<dyn Outbox>) -> InFlight {
        InFlight(outbox)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.event_done();
    }
}

thread_local! {
    /// The wakes put off by the [`WakeBatch`] open on this thread, if any.
    static WAKE_BATCH: RefCell<Option<Vec<Waker>>> = const { RefCell::new(None) };
}

/// While alive, frames queued from this thread wake their transports only
/// when it is dropped, once per session.
///
/// The endpoint actor opens one around each run of queued commands. Waking
/// a transport means waking a tokio worker, and a worker woken in the middle
/// of the actor's run takes the core from it (on a busy or one-core machine)
/// to send one frame, then the next frame wakes it again: two context
/// switches per event. Woken once at the end, the worker finds every
/// session's frames ready and sends them in one go. A run is at most
/// `MAX_RUN` commands or `MAX_RUN_TIME` (`endpoint/actor.rs`), so the delay this adds
/// is bounded.
#[must_use = "the wakes are given when the batch is dropped"]
pub struct WakeBatch {
    /// Only the outermost batch on a thread gives the wakes.
    outermost: bool,
}

impl WakeBatch {
    /// Open a batch on this thread (a no-op inside another).
    pub fn open() -> Self {
        let outermost = WAKE_BATCH.with(|b| {
            let mut b = b.borrow_mut();
            let outermost = b.is_none();
            if outermost {
                *b = Some(Vec::new());
            }
            outermost
        });
        WakeBatch { outermost }
    }

    /// Wake a transport's task now, or when this thread's batch closes.
    /// (A session hands over its waiting tasks with its first frames, so a
    /// session's later frames in the same batch add no wake.)
    pub fn wake(waker: Waker) {
        let deferred = WAKE_BATCH.with(|b| match b.borrow_mut().as_mut() {
            Some(wakes) => {
                wakes.push(waker);
                None
            }
            None => Some(waker),
        });
        if let Some(waker) = deferred {
            waker.wake();
        }
    }
}

impl Drop for WakeBatch {
    fn drop(&mut self) {
        if !self.outermost {
            return;
        }
        let wakes = WAKE_BATCH.with(|b| b.borrow_mut().take());
        for waker in wakes.into_iter().flatten() {
            waker.wake();
        }
    }
}

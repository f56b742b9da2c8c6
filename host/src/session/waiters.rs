//! The tasks waiting for a session to change: its transport waiting for
//! frames (a websocket's run loop, a GET poll, an htmlfile stream), and
//! anything waiting for the session to close.
//!
//! Kept inside the session's state, under the lock that `push` and the
//! drain take anyway: registering and waking cost no lock of their own.
//! (A `tokio::sync::Notify` here cost a lock to enable each wait, one to
//! drop it and one to notify: about 1,300 instructions of each websocket
//! echo, bench/RESULTS.md.) Waking is done by whoever changed the state,
//! after unlocking it.

use std::task::Waker;

/// How many tasks beyond the first may wait before the oldest are woken to
/// make room. A session has at most a few live waiters (its transport, a
/// write's close watch in the same task, an upgrade's old poll); the list
/// otherwise holds tasks that stopped waiting without being woken (a GET
/// whose client went away), and this bounds them.
const MAX_MORE: usize = 8;

/// The wakers of the tasks waiting on a session's state. The usual single
/// waiter is held without an allocation.
#[derive(Default)]
pub(super) struct Waiters {
    first: Option<Waker>,
    more: Vec<Waker>,
}

impl Waiters {
    /// Add `waker` unless it is there already (a task polled again).
    pub fn register(&mut self, waker: &Waker) {
        match &self.first {
            None => {
                self.first = Some(waker.clone());
                return;
            }
            Some(first) if first.will_wake(waker) => return,
            Some(_) => {}
        }
        if self.more.iter().any(|w| w.will_wake(waker)) {
            return;
        }
        if self.more.len() >= MAX_MORE {
            // Woken early, a live waiter checks again and registers anew;
            // one that stopped waiting just drops its waker.
            for w in self.more.drain(..) {
                w.wake();
            }
        }
        self.more.push(waker.clone());
    }

    /// Take every waiter out, to be woken once the state's lock is released.
    #[must_use = "the waiters must be woken"]
    pub fn take(&mut self) -> Woken {
        Woken {
            first: self.first.take(),
            more: std::mem::take(&mut self.more),
        }
    }
}

/// Waiters taken out of a session's state ([`Waiters::take`]).
#[must_use = "the waiters must be woken"]
pub(super) struct Woken {
    first: Option<Waker>,
    more: Vec<Waker>,
}

impl Woken {
    /// Wake them all now.
    pub fn wake(self) {
        self.for_each(Waker::wake);
    }

    /// Hand each waker to `f` (which wakes it, now or later).
    pub fn for_each(self, mut f: impl FnMut(Waker)) {
        if let Some(w) = self.first {
            f(w);
        }
        for w in self.more {
            f(w);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    #[derive(Default)]
    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn waker() -> (Arc<Counter>, Waker) {
        let c = Arc::new(Counter::default());
        (c.clone(), Waker::from(c))
    }

    fn count(c: &Counter) -> usize {
        c.0.load(Ordering::SeqCst)
    }

    #[test]
    fn a_waiter_polled_again_is_woken_once() {
        let (c, w) = waker();
        let mut waiters = Waiters::default();
        waiters.register(&w);
        waiters.register(&w);
        waiters.take().wake();
        assert_eq!(count(&c), 1);
        // Taken: a second wake finds no one.
        waiters.take().wake();
        assert_eq!(count(&c), 1);
    }

    #[test]
    fn every_distinct_waiter_is_woken() {
        let mut waiters = Waiters::default();
        let all: Vec<_> = (0..3).map(|_| waker()).collect();
        for (_, w) in &all {
            waiters.register(w);
            waiters.register(w);
        }
        waiters.take().wake();
        for (c, _) in &all {
            assert_eq!(count(c), 1);
        }
    }

    #[test]
    fn stale_waiters_are_bounded_and_woken_to_make_room() {
        let mut waiters = Waiters::default();
        let (live, live_waker) = waker();
        waiters.register(&live_waker);
        let stale: Vec<_> = (0..MAX_MORE + 1).map(|_| waker()).collect();
        for (_, w) in &stale {
            waiters.register(w);
        }
        // The first MAX_MORE were woken when the last came; the first
        // waiter keeps its place.
        assert_eq!(waiters.more.len(), 1);
        for (c, _) in &stale[..MAX_MORE] {
            assert_eq!(count(c), 1);
        }
        assert_eq!(count(&live), 0);
        waiters.take().wake();
        assert_eq!(count(&live), 1);
        assert_eq!(count(&stale[MAX_MORE].0), 1);
    }
}

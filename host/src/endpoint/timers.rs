//! An endpoint's pending timers (`async-host.set-timer`): which tokens are
//! armed, for which connection, and the tokio task that posts
//! [`Command::Timer`] to the endpoint's queue when one is due.
//!
//! The table lives in the [`Namespace`](super::Namespace), so it moves with
//! it across a rebuild after a failed call and a hot reload: timers belong
//! to the host, not to an instance, and fire into whichever instance runs
//! then. Each arming gets a fresh `serial`, so a timer re-armed or cancelled
//! after its task already posted is told apart when the stale command
//! arrives.

use std::collections::HashMap;
use std::time::Duration;

use tokio::task::AbortHandle;

use super::actor::Command;
use super::namespace::SelfQueue;
use sio_protocol::ConnId;

/// Pending timers one endpoint may have; more are refused
/// (`limit-exceeded`): each costs a tokio task.
pub(crate) const MAX_TIMERS: usize = 10_000;

struct Pending {
    serial: u64,
    conn: Option<ConnId>,
    /// None when the namespace has no queue (`sio-host check`): never fires.
    task: Option<AbortHandle>,
}

/// The armed timers of one endpoint, by the guest's token.
#[derive(Default)]
pub(crate) struct Timers {
    pending: HashMap<u64, Pending>,
    next_serial: u64,
}

impl Timers {
    /// Arm `token` to fire after `delay`; re-arms a pending one. Err when
    /// the endpoint has [`MAX_TIMERS`] pending already.
    pub fn set(
        &mut self,
        token: u64,
        delay: Duration,
        conn: Option<ConnId>,
        queue: Option<&SelfQueue>,
    ) -> Result<(), ()> {
        if self.pending.len() >= MAX_TIMERS && !self.pending.contains_key(&token) {
            return Err(());
        }
        self.cancel(token);
        self.next_serial += 1;
        let serial = self.next_serial;
        let task = queue.map(|q| {
            let endpoint = q.endpoint.clone();
            q.rt.spawn(async move {
                tokio::time::sleep(delay).await;
                endpoint.send(Command::Timer { token, serial });
            })
            .abort_handle()
        });
        self.pending.insert(token, Pending { serial, conn, task });
        Ok(())
    }

    /// Disarm `token`: true when it was pending.
    pub fn cancel(&mut self, token: u64) -> bool {
        match self.pending.remove(&token) {
            Some(p) => {
                if let Some(task) = p.task {
                    task.abort();
                }
                true
            }
            None => false,
        }
    }

    /// A posted [`Command::Timer`] arrived: true (and forgotten) when it is
    /// still the armed one, false when it was cancelled or re-armed since.
    pub fn take_due(&mut self, token: u64, serial: u64) -> bool {
        if self.pending.get(&token).is_some_and(|p| p.serial == serial) {
            self.pending.remove(&token);
            true
        } else {
            false
        }
    }

    /// `conn` left: its timers are cancelled.
    pub fn cancel_for(&mut self, conn: ConnId) {
        let tokens: Vec<u64> = self
            .pending
            .iter()
            .filter(|(_, p)| p.conn == Some(conn))
            .map(|(t, _)| *t)
            .collect();
        for token in tokens {
            self.cancel(token);
        }
    }

    /// Cancel every timer (a reload to a build that cannot hear them).
    pub fn clear(&mut self) {
        let tokens: Vec<u64> = self.pending.keys().copied().collect();
        for token in tokens {
            self.cancel(token);
        }
    }

    /// How many are pending.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.pending.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rearm_and_cancel_tell_stale_fires_apart() {
        let mut t = Timers::default();
        t.set(1, Duration::from_secs(1), None, None).unwrap();
        t.set(1, Duration::from_secs(1), Some(9), None).unwrap();
        // The first arming's fire (serial 1) is stale; the second's is due.
        assert!(!t.take_due(1, 1));
        assert!(t.take_due(1, 2));
        assert!(!t.take_due(1, 2));
        t.set(2, Duration::from_secs(1), Some(9), None).unwrap();
        t.set(3, Duration::from_secs(1), None, None).unwrap();
        t.cancel_for(9);
        assert_eq!(t.len(), 1);
        assert!(t.cancel(3));
        assert!(!t.cancel(3));
    }

    #[test]
    fn the_table_is_bounded() {
        let mut t = Timers::default();
        for token in 0..MAX_TIMERS as u64 {
            t.set(token, Duration::from_secs(1), None, None).unwrap();
        }
        assert!(t.set(u64::MAX, Duration::from_secs(1), None, None).is_err());
        // Re-arming a pending one is no new timer.
        assert!(t.set(0, Duration::from_secs(1), None, None).is_ok());
    }
}

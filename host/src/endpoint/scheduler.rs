//! The order an endpoint's actor runs its commands in: each connection's
//! commands in the order they arrived, the connections taking turns.
//!
//! Handler calls are the scarce thing an endpoint has (one instance, one
//! thread). Served first come first served, a client that sends a burst of
//! events makes every other client of the endpoint wait behind the whole
//! burst (up to `--max-pending-events` of them, 128 by default). Here each
//! connection with work waiting has its own queue and the queues are
//! served round robin, one command per turn: a bystander's event waits
//! behind at most one command of each busy connection.
//!
//! Commands that belong to no connection (timers, fetches) share one lane
//! of their own, which takes its turn like a connection; so do broadcasts
//! from the cluster, in a lane of theirs (kept in stream order), with what
//! a sibling shard hands this one. A hot
//! reload's swap and the cluster's other messages are barriers: everything
//! that arrived before one runs before it, and nothing that arrived after
//! it runs first (the actor stops taking commands in while a barrier
//! waits).

use std::collections::VecDeque;

use sio_protocol::{ConnId, ConnIdMap};

use super::actor::Command;
use crate::adapter::redis::Inbound;

/// The lane of commands that belong to no connection. Connection ids start
/// at 1, so it is never a connection's.
const NO_CONN: ConnId = 0;

/// The lane of broadcasts from the cluster (with the streams adapter and
/// recovery, this node's own broadcasts too): never a connection's, which
/// count up from 1.
const CLUSTER: ConnId = ConnId::MAX;

/// Spare queues kept for reuse, so a connection whose queue empties and
/// fills again does not allocate each time.
const SPARE_QUEUES: usize = 64;

/// Commands waiting to run (see the module doc).
#[derive(Default)]
pub(crate) struct Scheduler {
    /// The waiting commands of each lane that has any.
    queues: ConnIdMap<VecDeque<Command>>,
    /// The lanes with waiting commands, in the order they are served.
    turns: VecDeque<ConnId>,
    /// A barrier that waits for every lane to empty.
    barrier: Option<Command>,
    spare: Vec<VecDeque<Command>>,
}

/// Which lane a command waits in; None for a barrier.
fn lane(command: &Command) -> Option<ConnId> {
    match command {
        Command::Connect { conn, .. }
        | Command::Event { conn, .. }
        | Command::Ack { conn, .. }
        | Command::Message { conn, .. }
        | Command::Disconnect { conn, .. }
        | Command::AckTimeout { conn, .. }
        | Command::RecoveryDue { conn, .. }
        | Command::Cluster(Inbound::Restored { conn, .. }) => Some(*conn),
        // A sibling shard's broadcasts and emits keep their order, as the
        // cluster's do (`shard.rs`).
        Command::Cluster(Inbound::Broadcast { .. })
        | Command::ForeignEmit(_)
        | Command::Shard(_) => Some(CLUSTER),
        Command::Timer { .. }
        | Command::Fetched { .. }
        | Command::QueryDue { .. }
        | Command::QueryAnswered { .. }
        | Command::RepliesDue { .. }
        | Command::RepliesReady { .. } => Some(NO_CONN),
        Command::Swap(_) | Command::Cluster(_) | Command::Observe(_) => None,
    }
}

impl Scheduler {
    /// Whether it takes more commands in: not while a barrier waits.
    pub(crate) fn takes_more(&self) -> bool {
        self.barrier.is_none()
    }

    /// Whether nothing waits.
    pub(crate) fn is_empty(&self) -> bool {
        self.turns.is_empty() && self.barrier.is_none()
    }

    /// Queue a command that arrived. Call only while [`Self::takes_more`].
    pub(crate) fn push(&mut self, command: Command) {
        let Some(lane) = lane(&command) else {
            debug_assert!(self.barrier.is_none(), "a second barrier taken in");
            self.barrier = Some(command);
            return;
        };
        match self.queues.get_mut(&lane) {
            Some(queue) => queue.push_back(command),
            None => {
                let mut queue = self.spare.pop().unwrap_or_default();
                queue.push_back(command);
                self.queues.insert(lane, queue);
                self.turns.push_back(lane);
            }
        }
    }

    /// The next command to run: the first of the lane whose turn it is,
    /// or, once every lane is empty, the waiting barrier.
    pub(crate) fn next(&mut self) -> Option<Command> {
        let Some(lane) = self.turns.pop_front() else {
            return self.barrier.take();
        };
        let Some(queue) = self.queues.get_mut(&lane) else {
            // Every lane in `turns` has a queue; nothing to run otherwise.
            return self.next();
        };
        let command = queue.pop_front();
        if queue.is_empty() {
            if let Some(queue) = self.queues.remove(&lane)
                && self.spare.len() < SPARE_QUEUES
            {
                self.spare.push(queue);
            }
        } else {
            self.turns.push_back(lane);
        }
        command.or_else(|| self.next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disconnect(conn: ConnId, reason: &str) -> Command {
        Command::Disconnect {
            conn,
            session: sio_protocol::Sid::from("s"),
            reason: reason.into(),
        }
    }

    fn timer(token: u64) -> Command {
        Command::Timer { token, serial: 0 }
    }

    /// (lane, tag) of what `next` gives, until it gives nothing.
    fn drain(s: &mut Scheduler) -> Vec<(ConnId, String)> {
        let mut out = Vec::new();
        while let Some(c) = s.next() {
            out.push(match c {
                Command::Disconnect { conn, reason, .. } => (conn, reason),
                Command::Timer { token, .. } => (NO_CONN, format!("timer {token}")),
                Command::Cluster(_) => (u64::MAX, "barrier".into()),
                _ => (u64::MAX - 1, "other".into()),
            });
        }
        out
    }

    #[test]
    fn connections_take_turns_and_each_keeps_its_order() {
        let mut s = Scheduler::default();
        for i in 0..3 {
            s.push(disconnect(1, &format!("a{i}")));
        }
        s.push(disconnect(2, "b0"));
        s.push(timer(7));
        s.push(disconnect(2, "b1"));
        let order: Vec<String> = drain(&mut s).into_iter().map(|(_, t)| t).collect();
        assert_eq!(order, ["a0", "b0", "timer 7", "a1", "b1", "a2"]);
        assert!(s.is_empty());
    }

    #[test]
    fn a_latecomer_waits_behind_one_command_of_a_busy_connection() {
        let mut s = Scheduler::default();
        for i in 0..100 {
            s.push(disconnect(1, &format!("flood {i}")));
        }
        assert_eq!(drain_one(&mut s), "flood 0");
        s.push(disconnect(2, "bystander"));
        assert_eq!(drain_one(&mut s), "flood 1");
        assert_eq!(drain_one(&mut s), "bystander");
    }

    fn drain_one(s: &mut Scheduler) -> String {
        match s.next() {
            Some(Command::Disconnect { reason, .. }) => reason,
            _ => panic!("expected a command"),
        }
    }

    #[test]
    fn a_barrier_runs_after_everything_before_it() {
        use sio_protocol::redis_adapter::Request;
        let mut s = Scheduler::default();
        s.push(disconnect(1, "a0"));
        s.push(disconnect(1, "a1"));
        s.push(disconnect(2, "b0"));
        let request = Request::AllRooms {
            request_id: "r".into(),
        };
        s.push(Command::Cluster(Inbound::Request {
            from: "n".into(),
            request,
        }));
        assert!(!s.takes_more());
        let order: Vec<String> = drain(&mut s).into_iter().map(|(_, t)| t).collect();
        assert_eq!(order, ["a0", "b0", "a1", "barrier"]);
        assert!(s.takes_more() && s.is_empty());
    }
}

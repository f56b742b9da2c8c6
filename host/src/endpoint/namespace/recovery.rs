//! Connection state recovery, the namespace's side (docs/recovery.md).
//!
//! With `--recovery`, every event the namespace may replay (an emit or send
//! without an ack id, a broadcast from another node) gets an [`Offset`] and
//! a place in the endpoint's replay buffer, holding the Engine.IO 4 frames
//! that carry the offset as their last argument; the same frames every live
//! receiver got. Each Engine.IO 4 connection has a private id (`pid`).
//!
//! When its client drops for a reason Socket.IO calls recoverable
//! (transport close or error, ping timeout), the connection does not leave:
//! it goes *away*. Its rooms, data, timers and the handler's view of it stay;
//! what is sent to it meanwhile is dropped at its door, since the buffer
//! has it. If the client comes back within `max-disconnection` with its
//! pid and the last offset it saw, the new session takes the connection
//! over: same id, same conn, and the buffered packets after that offset
//! that it was meant to get, in order. Otherwise, at the deadline, the
//! connection leaves and the handler hears the disconnect it was spared.
//!
//! The buffer is bounded by packets, bytes and age; a client whose offset
//! fell out of it gets a new session (counted as `too_old`).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use sio_protocol::recovery::{Offset, RecoveryRequest};
use sio_protocol::redis_adapter::Selector;
use sio_protocol::redis_streams::selects;
use sio_protocol::{ConnId, Frame, Generation, HandshakeInfo, Sid};

use super::{Conn, Namespace};
use crate::config::RecoveryConfig;
use crate::endpoint::Command;
use crate::outbox::Outbox;
use crate::stats::Stats;

/// Socket.IO's disconnect reasons after which a client may recover (Node's
/// `RECOVERABLE_DISCONNECT_REASONS`, less the server-side ones sio-host
/// does not have).
const RECOVERABLE: [&str; 3] = ["transport close", "transport error", "ping timeout"];

/// One endpoint's recovery state: the replay buffer and the private ids.
pub(crate) struct Recovery {
    config: RecoveryConfig,
    /// The `ms` part of this process's local offsets: when it started.
    epoch: u64,
    /// The position of the newest packet recorded (0: none yet).
    seq: u64,
    buffer: VecDeque<Replayable>,
    bytes: usize,
    /// The position of the newest packet evicted (0: none): a client whose
    /// offset is older missed packets that are gone.
    evicted_through: u64,
    /// Connections by private id.
    pids: HashMap<Box<str>, ConnId>,
    /// Connects waiting for a session another node kept (streams).
    restoring: HashMap<ConnId, PendingRestore>,
    /// Tells a stale expiry timer from the armed one.
    next_serial: u64,
    stats: Option<Arc<Stats>>,
}

/// A packet recovery may replay.
struct Replayable {
    /// Position in this buffer (delivery order).
    seq: u64,
    /// What the client saw as its offset.
    offset: Offset,
    at: Instant,
    /// Who it was for.
    to: Selector,
    /// Its Engine.IO 4 frames, offset included.
    frames: Vec<Frame>,
}

/// What a buffered packet costs beyond its frames' bytes and its rooms'
/// names: the entry, its frame handles and vectors, and the allocator's
/// headers (bench/RESULTS.md measured about 275 bytes a packet in RSS).
const ENTRY_OVERHEAD: usize = 256;

impl Replayable {
    /// An estimate of the memory it holds, which the `buffer-mib` cap counts.
    fn size(&self) -> usize {
        let frames: usize = self.frames.iter().map(Frame::len).sum();
        let rooms: usize = self
            .to
            .rooms
            .iter()
            .chain(&self.to.except)
            .map(String::len)
            .sum();
        frames + rooms + ENTRY_OVERHEAD
    }
}

/// A connection's part in recovery.
pub(crate) struct ConnRecovery {
    pub pid: Box<str>,
    /// The buffer position when it connected: nothing older is its.
    from: u64,
    /// The last replayable packet it was sent (position, offset).
    last: (u64, Offset),
    /// Set while its client is away.
    away: Option<Away>,
}

/// A CONNECT waiting for Redis to say whether another node kept its
/// session.
pub(crate) struct PendingRestore {
    pub outbox: Arc<dyn Outbox>,
    pub auth: Option<String>,
}

/// A connection whose client dropped and may come back.
struct Away {
    reason: String,
    serial: u64,
}

/// What a recovery attempt found.
pub(crate) enum Recovered {
    /// The connection to take over, and the frames its client missed.
    Here { conn: ConnId, missed: Vec<Frame> },
    /// Not here, but another node may have kept it (the streams adapter):
    /// ask Redis (`ClusterLink::restore_session`).
    Elsewhere,
    /// Not here (unknown pid, or its offset is gone): a new connection.
    Refused,
}

/// A replay buffer dropped with its namespace (a pattern's namespace that
/// stopped) gives its packets and bytes back to the `/stats` gauges.
impl Drop for Recovery {
    fn drop(&mut self) {
        self.gauge(-(self.buffer.len() as i64), -(self.bytes as i64));
    }
}

impl Recovery {
    pub fn new(config: RecoveryConfig, stats: Option<Arc<Stats>>) -> Recovery {
        if let Some(stats) = &stats {
            stats.recovery.enabled.store(true, Relaxed);
        }
        let epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| d.as_millis() as u64);
        Recovery {
            config,
            epoch,
            seq: 0,
            buffer: VecDeque::new(),
            bytes: 0,
            evicted_through: 0,
            pids: HashMap::new(),
            restoring: HashMap::new(),
            next_serial: 0,
            stats,
        }
    }

    /// The position of the next packet recorded, and its offset: the
    /// stream entry id it was given (streams adapter), else a local one.
    pub fn next(&self, stream_offset: Option<Offset>) -> (u64, Offset) {
        let seq = self.seq + 1;
        let offset = stream_offset.unwrap_or(Offset {
            ms: self.epoch,
            seq,
        });
        (seq, offset)
    }

    /// Keep a sent packet for replay, at the position [`Recovery::next`]
    /// gave.
    pub fn record(&mut self, offset: Offset, to: Selector, frames: Vec<Frame>) {
        self.seq += 1;
        let now = Instant::now();
        let entry = Replayable {
            seq: self.seq,
            offset,
            at: now,
            to,
            frames,
        };
        let size = entry.size();
        self.bytes += size;
        self.buffer.push_back(entry);
        self.gauge(1, size as i64);
        self.evict(now);
    }

    /// Drop what is past the caps at `now`: oldest first.
    fn evict(&mut self, now: Instant) {
        let max_age = self.config.max_disconnection;
        while let Some(front) = self.buffer.front() {
            let over = self.buffer.len() > self.config.buffer_packets
                || self.bytes > self.config.buffer_bytes
                || now.duration_since(front.at) > max_age;
            if !over {
                break;
            }
            let Some(gone) = self.buffer.pop_front() else {
                break;
            };
            let size = gone.size();
            self.bytes -= size;
            self.evicted_through = gone.seq;
            self.gauge(-1, -(size as i64));
            self.count(|s| &s.recovery.evicted, 1);
        }
    }

    fn gauge(&self, packets: i64, bytes: i64) {
        if let Some(stats) = &self.stats {
            stats.recovery.buffered.fetch_add(packets, Relaxed);
            stats.recovery.buffered_bytes.fetch_add(bytes, Relaxed);
        }
    }

    /// Add `n` to a recovery counter.
    fn count(&self, field: fn(&Stats) -> &AtomicU64, n: u64) {
        if let Some(stats) = &self.stats {
            field(stats).fetch_add(n, Relaxed);
        }
    }

    /// One more (`1`) or one fewer (`-1`) connection away.
    fn away_changed(&self, delta: i64) {
        if let Some(stats) = &self.stats {
            stats.recovery.away.fetch_add(delta, Relaxed);
        }
    }

    /// A new Engine.IO 4 connection: its private id (a new one, or the one
    /// it had on the node that kept its session) and its place.
    pub fn enrol(&mut self, conn: ConnId, pid: Option<&str>) -> ConnRecovery {
        let pid: Box<str> = match pid {
            Some(pid) => pid.into(),
            None => sio_protocol::ids::random_id().into(),
        };
        self.pids.insert(pid.clone(), conn);
        ConnRecovery {
            pid,
            from: self.seq,
            last: (self.seq, Offset::default()),
            away: None,
        }
    }

    /// Whether a disconnect for `reason` lets the client recover.
    pub fn recoverable(reason: &str) -> bool {
        RECOVERABLE.contains(&reason)
    }

    /// The position the client's offset names, if the buffer still says
    /// what came after it.
    fn position(&self, r: &ConnRecovery, offset: Option<&str>) -> Option<u64> {
        let start = match offset {
            None => r.from,
            Some(text) => {
                let offset = Offset::parse(text)?;
                if offset == r.last.1 {
                    r.last.0
                } else {
                    self.buffer.iter().rev().find(|p| p.offset == offset)?.seq
                }
            }
        };
        // Never replay what was sent before the connection existed.
        let start = start.max(r.from);
        (start >= r.last.0 || start >= self.evicted_through).then_some(start)
    }

    fn forget_pid(&mut self, pid: &str) {
        self.pids.remove(pid);
    }
}

impl Namespace {
    /// The outcome of a CONNECT asking to recover: the connection to take
    /// over and what its client missed, or a refusal (counted).
    pub(crate) fn recover(&mut self, request: &RecoveryRequest) -> Recovered {
        let Some(recovery) = self.recovery.as_ref() else {
            return Recovered::Refused;
        };
        let found = recovery
            .pids
            .get(request.pid.as_str())
            .and_then(|conn| Some((*conn, self.conns.get(conn)?)))
            .and_then(|(conn, socket)| Some((conn, socket, socket.recovery.as_deref()?)));
        let Some((conn, socket, r)) = found else {
            if self.cluster.as_ref().is_some_and(|l| l.keeps_sessions()) {
                return Recovered::Elsewhere;
            }
            self.count_recovery(|s| &s.recovery.unknown);
            return Recovered::Refused;
        };
        let Some(start) = recovery.position(r, request.offset.as_deref()) else {
            self.count_recovery(|s| &s.recovery.too_old);
            return Recovered::Refused;
        };
        let missed: Vec<Frame> = recovery
            .buffer
            .iter()
            .filter(|p| p.seq > start && p.seq <= r.last.0)
            .filter(|p| selects(&socket.rooms, &p.to))
            .flat_map(|p| p.frames.iter().cloned())
            .collect();
        let replayed = missed.len() as u64;
        if let Some(link) = &self.cluster {
            // Nobody else may recover it now.
            link.drop_session(&request.pid);
        }
        self.count_recovery(|s| &s.recovery.recovered);
        self.count_recovery_by(|s| &s.recovery.replayed, replayed);
        Recovered::Here { conn, missed }
    }

    /// Ask Redis for a session another node kept for `request`'s pid; the
    /// connect waits (`Inbound::Restored`, then [`Self::take_restore`]).
    pub(crate) fn restore_elsewhere(
        &mut self,
        conn: ConnId,
        request: RecoveryRequest,
        pending: PendingRestore,
    ) {
        let (Some(recovery), Some(link)) = (self.recovery.as_mut(), self.cluster.as_ref()) else {
            return;
        };
        recovery.restoring.insert(conn, pending);
        link.restore_session(conn, request.pid, request.offset);
    }

    /// The connect waiting for a restore, unless its session ended
    /// meanwhile.
    pub(crate) fn take_restore(&mut self, conn: ConnId) -> Option<PendingRestore> {
        self.recovery.as_mut()?.restoring.remove(&conn)
    }

    /// Bump a recovery counter.
    pub(crate) fn count_recovery(&self, field: fn(&Stats) -> &AtomicU64) {
        self.count_recovery_by(field, 1);
    }

    pub(crate) fn count_recovery_by(&self, field: fn(&Stats) -> &AtomicU64, n: u64) {
        if let Some(recovery) = &self.recovery {
            recovery.count(field, n);
        }
    }

    /// `conn`'s client dropped for `reason`: keep the connection, away,
    /// when it may recover (true), else it leaves as before (false).
    pub(crate) fn go_away(&mut self, conn: ConnId, reason: &str) -> bool {
        let Some(recovery) = self.recovery.as_mut() else {
            return false;
        };
        if !Recovery::recoverable(reason) {
            return false;
        }
        let Some(socket) = self.conns.get_mut(&conn) else {
            return false;
        };
        let Some(r) = socket.recovery.as_deref_mut() else {
            return false;
        };
        if r.away.is_some() {
            return true;
        }
        recovery.next_serial += 1;
        let serial = recovery.next_serial;
        r.away = Some(Away {
            reason: reason.to_string(),
            serial,
        });
        socket.outbox = Arc::new(AwayOutbox {
            left: socket.outbox.clone(),
        });
        recovery.away_changed(1);
        let wait = recovery.config.max_disconnection;
        if let Some(link) = &self.cluster {
            // So that its client may come back on another node.
            let session = sio_protocol::redis_streams::Session {
                sid: socket.sid.to_string(),
                pid: r.pid.to_string(),
                rooms: socket.rooms.iter().cloned().collect(),
                data_json: socket.data.as_deref().unwrap_or("{}").to_string(),
            };
            link.keep_session(&session, wait);
        }
        if let Some(q) = &self.queue {
            let endpoint = q.endpoint.clone();
            q.rt.spawn(async move {
                tokio::time::sleep(wait).await;
                endpoint.send(Command::RecoveryDue { conn, serial });
            });
        }
        true
    }

    /// An away connection's time is up: when it is still away (armed by
    /// `serial`), it leaves with the reason its client dropped for.
    pub(crate) fn recovery_due(&mut self, conn: ConnId, serial: u64) -> Option<(Conn, String)> {
        let socket = self.conns.get(&conn)?;
        let away = socket.recovery.as_deref()?.away.as_ref()?;
        if away.serial != serial {
            return None;
        }
        let reason = away.reason.clone();
        self.count_recovery(|s| &s.recovery.expired);
        let socket = self.remove_conn(conn)?;
        Some((socket, reason))
    }

    /// Attach `conn` (recovered) to its client's new session. Returns the
    /// session it was attached to before, when that one was still live (it
    /// must forget the connection).
    pub(crate) fn reattach(
        &mut self,
        conn: ConnId,
        outbox: Arc<dyn Outbox>,
    ) -> Option<Arc<dyn Outbox>> {
        let socket = self.conns.get_mut(&conn)?;
        let was_away = socket
            .recovery
            .as_deref_mut()
            .and_then(|r| r.away.take())
            .is_some();
        let before = std::mem::replace(&mut socket.outbox, outbox);
        if was_away {
            if let Some(recovery) = &self.recovery {
                recovery.away_changed(-1);
            }
            None
        } else {
            Some(before)
        }
    }

    /// A connection leaves for good: its private id is no more.
    pub(super) fn forget_recovery(&mut self, socket: &Conn) {
        if let (Some(recovery), Some(r)) = (self.recovery.as_mut(), socket.recovery.as_deref()) {
            recovery.forget_pid(&r.pid);
            if r.away.is_some() {
                recovery.away_changed(-1);
                if let Some(link) = &self.cluster {
                    link.drop_session(&r.pid);
                }
            }
        }
    }
}

impl Conn {
    /// A replayable packet at `seq`/`offset` was sent to this connection.
    pub(super) fn sent_replayable(&mut self, seq: u64, offset: Offset) {
        if let Some(r) = self.recovery.as_deref_mut() {
            r.last = (seq, offset);
        }
    }
}

/// The outbox of an away connection: what is sent to it is dropped (the
/// replay buffer has it); the rest is the session it left, for the
/// handler's and the cluster's questions about it.
struct AwayOutbox {
    left: Arc<dyn Outbox>,
}

impl Outbox for AwayOutbox {
    fn sid(&self) -> &Sid {
        self.left.sid()
    }
    fn generation(&self) -> Generation {
        Generation::Eio4
    }
    fn handshake(&self) -> &HandshakeInfo {
        self.left.handshake()
    }
    fn transport_name(&self) -> &'static str {
        self.left.transport_name()
    }
    fn push(&self, _frames: &[Frame]) -> bool {
        false
    }
    fn forget(&self, _nsp: &str, _conn: ConnId) {}
    fn event_done(&self) {}
    fn rejoin(&self, _nsp: &str, _from: ConnId, _to: ConnId) {}
}

//! What every session reads of the server: its settings, the counters, the
//! session table, and the endpoints a client's namespaces route to. Built
//! once by the server from its `Config`; a session holds an `Arc` of it and
//! nothing else of the server.

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use sio_protocol::Sid;

use super::Session;
use super::limits::AdmissionTable;
use crate::config::{Config, Sio1Config};
use crate::endpoint::Endpoints;
use crate::stats::Stats;

/// The configuration a session and its transports read.
#[derive(Debug, Clone)]
pub struct SessionSettings {
    /// Engine.IO 4: ping every interval. Engine.IO 3: the client's interval.
    pub ping_interval: Duration,
    /// How long a pong (Engine.IO 4) or any packet (Engine.IO 3) may take.
    pub ping_timeout: Duration,
    /// A session that joins no namespace within this is closed.
    pub connect_timeout: Duration,
    /// The largest message or polling body a client may send.
    pub max_payload: usize,
    /// permessage-deflate's threshold, when websocket compression is on
    /// (`--ws-compression`).
    pub ws_compression: Option<usize>,
    /// Bytes one session's outbound queue may hold (`--max-outbound-queue`).
    pub max_outbound_queue: usize,
    /// Queued bytes above which a volatile emit is dropped
    /// (`--volatile-threshold`).
    pub volatile_threshold: usize,
    /// A client's events waiting for handlers before its reads pause.
    pub max_pending_events: u32,
    /// Protocol 1's timers and transports.
    pub sio1: Sio1Config,
    /// Events a client may send per second (`--max-events-per-second`).
    pub max_events_per_second: Option<u32>,
    /// How long a client may stay over that rate before it is disconnected.
    pub rate_limit_grace: Duration,
    /// Sessions held at once (`--max-connections`).
    pub max_connections: Option<usize>,
    /// Sessions one client IP may hold (`--max-connections-per-ip`).
    pub max_connections_per_ip: Option<usize>,
}

impl SessionSettings {
    /// The session-related part of the server's configuration.
    pub fn from_config(config: &Config) -> SessionSettings {
        SessionSettings {
            ping_interval: config.ping_interval,
            ping_timeout: config.ping_timeout,
            connect_timeout: config.connect_timeout,
            max_payload: config.max_payload,
            ws_compression: config.ws_compression,
            max_outbound_queue: config.max_outbound_queue,
            volatile_threshold: config.volatile_threshold,
            max_pending_events: config.max_pending_events,
            sio1: config.sio1.clone(),
            max_events_per_second: config.max_events_per_second,
            rate_limit_grace: config.rate_limit_grace,
            max_connections: config.max_connections,
            max_connections_per_ip: config.max_connections_per_ip,
        }
    }
}

/// The live sessions, by Engine.IO sid. Touched on handshakes, polls and
/// closes only; the per-message path never locks it.
///
/// Hashed with foldhash, not SipHash (200 instructions a lookup, two
/// lookups per polling ack): every key in the table is a random sid the
/// server made, so a client choosing what it looks up has no collisions to
/// build.
#[derive(Default)]
pub struct Sessions {
    map: RwLock<HashMap<Sid, Arc<Session>, foldhash::fast::RandomState>>,
}

impl Sessions {
    /// Register a session under its sid.
    pub fn insert(&self, session: Arc<Session>) {
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        map.insert(session.sid.clone(), session);
    }

    /// Forget a session (it closed).
    pub fn remove(&self, sid: &str) {
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        map.remove(sid);
    }

    /// The live session with this sid.
    pub fn get(&self, sid: &str) -> Option<Arc<Session>> {
        let map = self.map.read().unwrap_or_else(|e| e.into_inner());
        map.get(sid).cloned()
    }
}

/// The server as a session sees it (see the module doc).
pub struct SessionContext {
    /// Heartbeat, limits and protocol-1 settings.
    pub settings: SessionSettings,
    /// The server's counters.
    pub stats: Arc<Stats>,
    /// Every live session, by sid.
    pub sessions: Sessions,
    /// The endpoints, by namespace: where a client's CONNECT routes.
    pub endpoints: Arc<Endpoints>,
    /// The next connection id (one per namespace a client joins).
    pub next_conn: AtomicU64,
    /// Sessions held per the connection caps (`limits.rs`).
    pub(super) admissions: AdmissionTable,
}

impl SessionContext {
    /// A context with no sessions yet.
    pub fn new(
        settings: SessionSettings,
        stats: Arc<Stats>,
        endpoints: Arc<Endpoints>,
    ) -> SessionContext {
        // The caps show in /stats beside what they refused.
        let limits = &stats.limits;
        let setting = |v: Option<usize>| v.unwrap_or(0) as u64;
        limits
            .max_connections
            .store(setting(settings.max_connections), Relaxed);
        limits
            .max_connections_per_ip
            .store(setting(settings.max_connections_per_ip), Relaxed);
        let rate = settings.max_events_per_second.unwrap_or(0);
        limits.max_events_per_second.store(rate.into(), Relaxed);
        SessionContext {
            settings,
            stats,
            sessions: Sessions::default(),
            endpoints,
            next_conn: AtomicU64::new(1),
            admissions: AdmissionTable::default(),
        }
    }
}

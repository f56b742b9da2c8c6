//! The admin UI (docs/admin-ui.md): `@socket.io/admin-ui`'s dashboard
//! signs in to a namespace the host serves itself (`--admin-ui`, `/admin`
//! by default) and sees every namespace's sockets, rooms and events, the
//! server's counters, and acts on sockets (join, leave, disconnect, emit).
//! It speaks what Node's `instrument()` speaks (the shapes: `json.rs`).
//!
//! One tokio task owns it all. Its inbox takes three things: the commands
//! sessions route to its namespace ([`NativeEndpoint`]: a dashboard's
//! CONNECT, events, disconnect), what every endpoint reports
//! ([`Observer`]: connects, disconnects, joins, leaves, data, events),
//! and the outcome of a password check. It keeps the sockets it was told
//! of (`sockets.rs`) and tells the signed-in dashboards; an action goes to
//! the socket's endpoint actor as the same request another node of a
//! cluster would make (`Command::Cluster`), so the namespace that owns the
//! rooms does it on its own thread, and the UI hears the outcome as
//! reports like any other.
//!
//! Off, none of this exists: endpoints have no observer. On, an endpoint
//! copies an event for the UI only while a dashboard is signed in, and
//! at most [`MAX_QUEUED_EVENTS`] wait for the task; the rest are dropped
//! and counted.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::time::{Duration, Instant, SystemTime};

use sio_protocol::redis_adapter::{Broadcast, Request, Selector, Target};
use sio_protocol::{ConnId, ConnIdMap, Frame, Sid, WireFormat, socketio, wire};
use tokio::sync::mpsc;

use crate::adapter::redis::Inbound;
use crate::config::AdminUiConfig;
use crate::endpoint::{Command, EndpointHandle, NativeEndpoint, Observed, Observer};
use crate::outbox::Outbox;
use crate::stats::{CLOSE_REASONS, Stats};

mod auth;
mod json;
mod sockets;

use auth::{Auth, Check};
use json::{Action, Aggregated};
use sockets::{Socket, Sockets};

/// How often dashboards get `server_stats` (Node's interval).
const STATS_EVERY: Duration = Duration::from_secs(2);
/// Event reports waiting for the task at most: past it a busy server
/// drops them (counted in `admin_ui.events_dropped`) rather than queue
/// without bound for a dashboard.
const MAX_QUEUED_EVENTS: usize = 10_000;
/// What a dashboard may do, as Node's `instrument()` offers it on Socket.IO
/// 4 (`MJOIN`..: on many sockets at once); read-only keeps the last two.
const FEATURES: [&str; 9] = [
    "EMIT",
    "JOIN",
    "LEAVE",
    "DISCONNECT",
    "MJOIN",
    "MLEAVE",
    "MDISCONNECT",
    "AGGREGATED_EVENTS",
    "ALL_EVENTS",
];
/// What a dashboard hears when its sockets are disconnected by another.
const SERVER_DISCONNECT: &str = "server namespace disconnect";

/// The admin UI, made before the endpoints (they are made with its
/// [`Observer`], and its namespace's handle is routed to like theirs), then
/// started once they exist.
pub struct AdminUi {
    task: Task,
    rx: mpsc::UnboundedReceiver<Input>,
}

impl AdminUi {
    /// The admin UI of `config`, not started yet.
    pub fn new(config: &AdminUiConfig, stats: Arc<Stats>) -> AdminUi {
        let (tx, rx) = mpsc::unbounded_channel();
        let inbox = Arc::new(Inbox {
            tx,
            watching: AtomicBool::new(false),
            events_queued: AtomicUsize::new(0),
            stats: stats.clone(),
        });
        let mut sockets = Sockets::default();
        sockets.add_namespace(&config.namespace, None);
        let features = if config.readonly {
            &FEATURES[FEATURES.len() - 2..]
        } else {
            &FEATURES[..]
        };
        let hostname = hostname();
        let task = Task {
            nsp: config.namespace.as_str().into(),
            readonly: config.readonly,
            features,
            auth: Auth::new(config.auth.clone()),
            inbox,
            clients: ConnIdMap::default(),
            checking: HashSet::new(),
            sockets,
            counters: Counters::read(&stats),
            stats,
            server_id: hostname.clone(),
            hostname,
            started: Instant::now(),
        };
        AdminUi { task, rx }
    }

    /// Its namespace's endpoint, for sessions to route to.
    pub fn endpoint(&self) -> EndpointHandle {
        EndpointHandle::native(&self.task.nsp, self.task.inbox.clone())
    }

    /// What every endpoint reports to.
    pub fn observer(&self) -> Arc<dyn Observer> {
        self.task.inbox.clone()
    }

    /// Start it, knowing the server's `endpoints` (a pattern's namespaces
    /// are learnt as they report). Needs a tokio runtime.
    pub fn start<'a>(self, endpoints: impl Iterator<Item = (&'a str, &'a EndpointHandle)>) {
        let AdminUi { mut task, rx } = self;
        for (name, handle) in endpoints {
            if *name != *task.nsp {
                task.sockets.add_namespace(name, Some(handle.clone()));
            }
        }
        task.stats.admin_ui.enabled.store(true, Relaxed);
        let (nsp, readonly) = (&*task.nsp, task.readonly);
        if task.auth.is_open() {
            tracing::warn!(
                namespace = nsp,
                readonly,
                "admin UI on WITHOUT authentication (--admin-ui-no-auth): anyone who reaches \
                 the server can see every socket{}",
                if readonly { "" } else { " and disconnect it" }
            );
        } else {
            tracing::info!(namespace = nsp, readonly, "admin UI on");
        }
        tokio::spawn(task.run(rx));
    }
}

/// What reaches the task (see the module doc).
enum Input {
    /// A command for the admin UI's namespace, from a dashboard's session.
    Client(Command),
    /// What an endpoint reported.
    Observed(Observed),
    /// A sign-in's bcrypt check ended.
    Checked {
        conn: ConnId,
        outbox: Arc<dyn Outbox>,
        matched: bool,
    },
}

/// The task's inbox, as sessions and endpoints see it.
struct Inbox {
    tx: mpsc::UnboundedSender<Input>,
    /// A dashboard is signed in: endpoints report events.
    watching: AtomicBool,
    /// Event reports sent and not yet taken by the task.
    events_queued: AtomicUsize,
    stats: Arc<Stats>,
}

impl Inbox {
    fn post(&self, input: Input) {
        // Fails only once the task is gone (the runtime is shutting down).
        let _ = self.tx.send(input);
    }
}

impl NativeEndpoint for Inbox {
    fn send(&self, command: Command) {
        self.post(Input::Client(command));
    }
}

impl Observer for Inbox {
    fn observe(&self, what: Observed) {
        if let Observed::EventIn { .. } | Observed::EventOut { .. } = what
            && self.events_queued.fetch_add(1, Relaxed) >= MAX_QUEUED_EVENTS
        {
            self.events_queued.fetch_sub(1, Relaxed);
            self.stats.admin_ui.events_dropped.fetch_add(1, Relaxed);
            return;
        }
        self.post(Input::Observed(what));
    }

    fn wants_events(&self) -> bool {
        self.watching.load(Relaxed)
    }
}

/// A signed-in dashboard.
struct Client {
    outbox: Arc<dyn Outbox>,
}

/// The server's counters at the last `server_stats`, for the dashboard's
/// charts (what happened since).
struct Counters {
    opened: u64,
    closed: [u64; CLOSE_REASONS.len()],
    packets_in: u64,
    packets_out: u64,
    bytes_in: u64,
    bytes_out: u64,
}

impl Counters {
    fn read(stats: &Stats) -> Counters {
        Counters {
            opened: stats.sessions_opened.load(Relaxed),
            closed: std::array::from_fn(|i| stats.sessions_closed[i].load(Relaxed)),
            packets_in: stats.packets_in.load(Relaxed),
            packets_out: stats.packets_out.load(Relaxed),
            bytes_in: stats.bytes_in.load(Relaxed),
            bytes_out: stats.bytes_out.load(Relaxed),
        }
    }

    /// What changed from `before` to `self`, as the UI's aggregated
    /// events of the second `timestamp`.
    fn since(&self, before: &Counters, timestamp: u64) -> Vec<Aggregated> {
        let mut out = Vec::new();
        let mut add = |kind, sub, now: u64, then: u64| {
            let count = now.saturating_sub(then);
            if count > 0 {
                out.push(Aggregated {
                    timestamp,
                    kind,
                    sub,
                    count,
                });
            }
        };
        add("rawConnection", None, self.opened, before.opened);
        for (i, reason) in CLOSE_REASONS.iter().enumerate() {
            let sub = Some(reason.socketio_reason());
            add("rawDisconnection", sub, self.closed[i], before.closed[i]);
        }
        add("packetsIn", None, self.packets_in, before.packets_in);
        add("packetsOut", None, self.packets_out, before.packets_out);
        add("bytesIn", None, self.bytes_in, before.bytes_in);
        add("bytesOut", None, self.bytes_out, before.bytes_out);
        out
    }
}

/// The task's state (see the module doc).
struct Task {
    nsp: Arc<str>,
    readonly: bool,
    features: &'static [&'static str],
    auth: Auth,
    inbox: Arc<Inbox>,
    /// The dashboards signed in, by connection.
    clients: ConnIdMap<Client>,
    /// Sign-ins whose password is being checked.
    checking: HashSet<ConnId>,
    sockets: Sockets,
    counters: Counters,
    stats: Arc<Stats>,
    server_id: String,
    hostname: String,
    started: Instant,
}

impl Task {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Input>) {
        let mut stats_tick = tokio::time::interval(STATS_EVERY);
        stats_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                input = rx.recv() => match input {
                    Some(Input::Client(command)) => self.on_command(command),
                    Some(Input::Observed(what)) => self.on_observed(what),
                    Some(Input::Checked { conn, outbox, matched }) => {
                        self.on_checked(conn, outbox, matched);
                    }
                    None => return,
                },
                _ = stats_tick.tick() => self.on_tick(),
            }
        }
    }

    /// A dashboard's command: sign in, act, leave.
    fn on_command(&mut self, command: Command) {
        match command {
            Command::Connect { conn, outbox, auth } => match self.auth.check(auth.as_deref()) {
                Check::Accept { session } => self.accept(conn, outbox, session),
                Check::Refuse => self.refuse(conn, outbox.as_ref()),
                Check::Bcrypt { password, hash } => {
                    self.checking.insert(conn);
                    let inbox = self.inbox.clone();
                    tokio::task::spawn_blocking(move || {
                        let matched = auth::bcrypt_matches(&password, &hash);
                        inbox.post(Input::Checked {
                            conn,
                            outbox,
                            matched,
                        });
                    });
                }
            },
            Command::Event {
                conn, name, args, ..
            } if self.clients.contains_key(&conn) => self.on_event(conn, &name, &args),
            Command::Disconnect {
                conn,
                session,
                reason,
            } => {
                self.checking.remove(&conn);
                let current = self
                    .clients
                    .get(&conn)
                    .is_some_and(|c| *c.outbox.sid() == session);
                if current {
                    self.sign_out(conn, &reason);
                }
            }
            // Events before signing in (none come: a refused client is
            // forgotten), acks and protocol-1 messages mean nothing here;
            // nothing else is sent to a native endpoint.
            _ => {}
        }
    }

    fn on_checked(&mut self, conn: ConnId, outbox: Arc<dyn Outbox>, matched: bool) {
        let session = self.auth.checked(matched);
        if !self.checking.remove(&conn) {
            return; // its client left meanwhile
        }
        match session {
            Some(session) => self.accept(conn, outbox, Some(session)),
            None => self.refuse(conn, outbox.as_ref()),
        }
    }

    /// Sign a dashboard in: its CONNECT answer, then what Node's admin
    /// namespace tells a new socket (its own arrival among every socket's,
    /// `session`, `config`, `all_sockets`), and the server's stats now
    /// rather than at the next tick.
    fn accept(&mut self, conn: ConnId, outbox: Arc<dyn Outbox>, session: Option<String>) {
        let sid = Sid::random();
        outbox.push(&wire::connect_frames(outbox.wire_format(), &self.nsp, &sid));
        tracing::info!(remote = %outbox.handshake().remote_addr, sid = %sid, "admin UI: signed in");
        self.clients.insert(
            conn,
            Client {
                outbox: outbox.clone(),
            },
        );
        self.watching_changed();
        self.on_observed(Observed::Connected {
            nsp: self.nsp.clone(),
            conn,
            rooms: vec![sid.to_string()],
            sid,
            outbox,
            data: None,
            endpoint: None,
        });
        if let Some(id) = session {
            self.tell(conn, "session", &json::session(&id));
        }
        self.tell(conn, "config", &json::config(self.features));
        self.tell(conn, "all_sockets", &json::all_sockets(self.sockets.iter()));
        let stats = self.server_stats(&[]);
        self.tell(conn, "server_stats", &stats);
    }

    /// Refuse a sign-in as Node does ("invalid credentials", which the UI
    /// shows on its login form).
    fn refuse(&mut self, conn: ConnId, outbox: &dyn Outbox) {
        self.stats.admin_ui.refused.fetch_add(1, Relaxed);
        tracing::info!(remote = %outbox.handshake().remote_addr, "admin UI: sign-in refused (invalid credentials)");
        outbox.push(&wire::connect_error_frames(
            outbox.wire_format(),
            &self.nsp,
            "invalid credentials",
        ));
        outbox.forget(&self.nsp, conn);
    }

    /// A dashboard's socket left (its own doing, or an admin's).
    fn sign_out(&mut self, conn: ConnId, reason: &str) {
        if self.clients.remove(&conn).is_some() {
            self.watching_changed();
            self.on_observed(Observed::Disconnected {
                conn,
                reason: reason.to_owned(),
            });
        }
    }

    /// Endpoints copy events for the UI only while a dashboard looks.
    fn watching_changed(&self) {
        let n = self.clients.len();
        self.inbox.watching.store(n > 0, Relaxed);
        let gauge = i64::try_from(n).unwrap_or(i64::MAX);
        self.stats.admin_ui.clients.store(gauge, Relaxed);
    }

    /// A dashboard's event: an action, when it is one.
    fn on_event(&mut self, conn: ConnId, name: &str, args: &str) {
        let done = match json::action(name, args) {
            Ok(None) => return,
            Ok(Some(_)) if self.readonly => Err("the admin UI is read-only".to_owned()),
            Ok(Some(action)) => {
                tracing::info!(conn, ?action, "admin UI: action");
                self.act(action).map_err(str::to_owned)
            }
            Err(why) => Err(why),
        };
        let counter = match done {
            Ok(()) => &self.stats.admin_ui.actions,
            Err(why) => {
                tracing::info!(conn, event = name, "admin UI: action refused: {why}");
                &self.stats.admin_ui.actions_refused
            }
        };
        counter.fetch_add(1, Relaxed);
    }

    /// Do an admin's action. A namespace's sockets are acted on by its
    /// endpoint, as another node's request would be; the admin UI's own
    /// are its dashboards.
    fn act(&mut self, action: Action) -> Result<(), &'static str> {
        let selector = |filter: Option<String>| Selector {
            rooms: filter.into_iter().collect(),
            except: Vec::new(),
        };
        let (nsp, inbound) = match action {
            Action::Disconnect { nsp, filter, .. } if *nsp == *self.nsp => {
                self.disconnect_dashboards(filter.as_deref());
                return Ok(());
            }
            Action::Emit { nsp, .. } | Action::Rooms { nsp, .. } if *nsp == *self.nsp => {
                return Err("the admin UI's own sockets can only be disconnected");
            }
            Action::Disconnect {
                nsp,
                close: true,
                filter,
            } => return self.disconnect_clients(&nsp, filter.as_deref()),
            Action::Disconnect {
                nsp,
                close: false,
                filter,
            } => {
                let inbound = request(Request::Disconnect {
                    request_id: None,
                    target: Target::Selected(selector(filter)),
                    close: false,
                });
                (nsp, inbound)
            }
            Action::Rooms {
                join,
                nsp,
                room,
                filter,
            } => {
                let inbound = request(Request::Rooms {
                    join,
                    request_id: None,
                    target: Target::Selected(selector(filter)),
                    rooms: vec![room],
                });
                (nsp, inbound)
            }
            Action::Emit {
                nsp,
                filter,
                event,
                args,
            } => {
                let broadcast = Broadcast {
                    uid: String::new(),
                    nsp: nsp.clone(),
                    event,
                    args_json: args,
                    attachments: Vec::new(),
                    to: selector(filter),
                    local: true,
                };
                let inbound = Inbound::Broadcast {
                    broadcast: Box::new(broadcast),
                    offset: None,
                };
                (nsp, inbound)
            }
        };
        let endpoint = self.sockets.endpoint(&nsp).ok_or("no such namespace")?;
        endpoint.send(Command::Cluster(inbound));
        Ok(())
    }

    /// `_disconnect` with `close`: the clients of the selected sockets
    /// leave every namespace (Node closes their connection; a
    /// socket.io-client whose every socket is gone closes it itself).
    fn disconnect_clients(&mut self, nsp: &str, filter: Option<&str>) -> Result<(), &'static str> {
        if self.sockets.endpoint(nsp).is_none() {
            return Err("no such namespace");
        }
        let clients: HashSet<Sid> = self
            .sockets
            .selected(nsp, filter)
            .map(|(_, s)| s.outbox.sid().clone())
            .collect();
        let mut dashboards = Vec::new();
        for s in self.sockets.iter() {
            if !clients.contains(s.outbox.sid()) {
                continue;
            }
            if *s.nsp == *self.nsp {
                dashboards.push(s.sid.to_string());
            } else if let Some(endpoint) = self.sockets.endpoint(&s.nsp) {
                let target = Target::Sid(s.sid.to_string());
                endpoint.send(Command::Cluster(request(Request::Disconnect {
                    request_id: None,
                    target,
                    close: false,
                })));
            }
        }
        for sid in dashboards {
            self.disconnect_dashboards(Some(&sid));
        }
        Ok(())
    }

    /// Disconnect the dashboards in room `filter` (a socket's id; every
    /// one when None) from the admin UI's namespace.
    fn disconnect_dashboards(&mut self, filter: Option<&str>) {
        let picked: Vec<ConnId> = self
            .sockets
            .selected(&self.nsp, filter)
            .map(|(conn, _)| conn)
            .filter(|conn| self.clients.contains_key(conn))
            .collect();
        for conn in picked {
            if let Some(client) = self.clients.get(&conn) {
                let outbox = client.outbox.clone();
                let packet = socketio::encode_disconnect(&self.nsp);
                outbox.push(&wire::message_frames(outbox.wire_format(), packet, &[]));
                outbox.forget(&self.nsp, conn);
            }
            self.sign_out(conn, SERVER_DISCONNECT);
        }
    }

    /// What an endpoint reported: keep it, and tell the dashboards.
    fn on_observed(&mut self, what: Observed) {
        let now = SystemTime::now();
        match what {
            Observed::Connected {
                nsp,
                conn,
                sid,
                outbox,
                rooms,
                data,
                endpoint,
            } => {
                let socket = Socket {
                    transport: outbox.transport_name(),
                    nsp,
                    sid,
                    outbox,
                    rooms: rooms.into_iter().collect(),
                    data,
                    issued: now,
                };
                let told = json::socket_connected(&socket, now);
                self.sockets.insert(conn, socket, endpoint);
                self.tell_all("socket_connected", &told);
            }
            Observed::Disconnected { conn, reason } => {
                let Some(socket) = self.sockets.remove(conn) else {
                    return;
                };
                self.tell_all(
                    "socket_disconnected",
                    &json::socket_disconnected(&socket, &reason, now),
                );
                // Node's adapter reports each room left, after the
                // disconnect; the UI empties its rooms from these.
                for room in &socket.rooms {
                    self.tell_all("room_left", &json::room(&socket, room, now));
                }
            }
            Observed::Joined { conn, room } => {
                if let Some(socket) = self.sockets.get_mut(conn)
                    && socket.rooms.insert(room.clone())
                {
                    let told = json::room(socket, &room, now);
                    self.tell_all("room_joined", &told);
                }
            }
            Observed::Left { conn, room } => {
                if let Some(socket) = self.sockets.get_mut(conn)
                    && socket.rooms.remove(&room)
                {
                    let told = json::room(socket, &room, now);
                    self.tell_all("room_left", &told);
                }
            }
            Observed::Data { conn, data } => {
                if let Some(socket) = self.sockets.get_mut(conn) {
                    socket.data = data;
                    let told = json::socket_data(socket);
                    self.tell_all("socket_updated", &told);
                }
            }
            Observed::EventIn { conn, name, args } => {
                self.inbox.events_queued.fetch_sub(1, Relaxed);
                self.tell_event("event_received", conn, &name, &args, now);
            }
            Observed::EventOut { conn, name, args } => {
                self.inbox.events_queued.fetch_sub(1, Relaxed);
                self.tell_event("event_sent", conn, &name, &args, now);
            }
        }
    }

    fn tell_event(&self, event: &str, conn: ConnId, name: &str, args: &str, at: SystemTime) {
        if let Some(socket) = self.sockets.get(conn)
            && let Some(told) = json::event(socket, name, args, at)
        {
            self.tell_all(event, &told);
        }
    }

    /// Every [`STATS_EVERY`]: transports that changed (upgrades) and the
    /// server's stats, with what was counted since the last tick.
    fn on_tick(&mut self) {
        let now = Counters::read(&self.stats);
        let second = json::millis(SystemTime::now()) / 1000 * 1000;
        let aggregated = now.since(&self.counters, second);
        self.counters = now;
        let mut upgraded = Vec::new();
        for socket in self.sockets.iter_mut() {
            let transport = socket.outbox.transport_name();
            if transport != socket.transport {
                socket.transport = transport;
                upgraded.push(json::socket_transport(socket));
            }
        }
        if self.clients.is_empty() {
            return;
        }
        for told in &upgraded {
            self.tell_all("socket_updated", told);
        }
        let stats = self.server_stats(&aggregated);
        self.tell_all("server_stats", &stats);
    }

    fn server_stats(&self, aggregated: &[Aggregated]) -> String {
        json::server_stats(&json::ServerStats {
            server_id: &self.server_id,
            hostname: &self.hostname,
            pid: std::process::id(),
            uptime: self.started.elapsed().as_secs_f64(),
            clients: self.stats.sessions_open(),
            polling_clients: self.sockets.polling_clients(),
            aggregated,
            namespaces: self.sockets.namespaces(),
        })
    }

    /// Emit `event` with `args` (a JSON array's text) to one dashboard.
    fn tell(&self, conn: ConnId, event: &str, args: &str) {
        if let Some(client) = self.clients.get(&conn) {
            let packet = socketio::encode_event(&self.nsp, event, args, 0, None);
            let outbox = &client.outbox;
            outbox.push(&wire::message_frames(outbox.wire_format(), packet, &[]));
        }
    }

    /// Emit `event` to every dashboard, encoded once per wire generation.
    fn tell_all(&self, event: &str, args: &str) {
        if self.clients.is_empty() {
            return;
        }
        let packet = socketio::encode_event(&self.nsp, event, args, 0, None);
        // Encoded once per wire format among the dashboards.
        let mut encoded: Vec<(WireFormat, Vec<Frame>)> = Vec::new();
        for client in self.clients.values() {
            let format = client.outbox.wire_format();
            let i = match encoded.iter().position(|(f, _)| *f == format) {
                Some(i) => i,
                None => {
                    let frames = wire::message_frames(format, packet.clone(), &[]);
                    encoded.push((format, frames));
                    encoded.len() - 1
                }
            };
            client.outbox.push(&encoded[i].1);
        }
    }
}

/// A request to a namespace, as if from another node (no answer wanted).
fn request(request: Request) -> Inbound {
    Inbound::Request {
        from: String::new(),
        request,
    }
}

/// This machine's name (Node's admin UI names the server by it).
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "sio-host".to_owned())
}

//! What the admin UI knows of the server's sockets: every namespace's
//! (its own included), kept from what the namespaces report
//! (`crate::endpoint::Observed`), so that a dashboard signing in gets them
//! all (`all_sockets`) without asking each endpoint, and each namespace's
//! endpoint, to act on.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;
use std::time::SystemTime;

use sio_protocol::{ConnId, ConnIdMap, Sid};

use crate::endpoint::EndpointHandle;
use crate::outbox::Outbox;

/// One socket: a connection of one namespace.
pub(super) struct Socket {
    /// Its namespace.
    pub nsp: Arc<str>,
    /// Its Socket.IO id.
    pub sid: Sid,
    /// Its client's session.
    pub outbox: Arc<dyn Outbox>,
    /// Its rooms, its own id's included.
    pub rooms: BTreeSet<String>,
    /// The handler's `conn-state` data, JSON text.
    pub data: Option<Box<str>>,
    /// Its transport when last told (an upgrade shows at the next stats).
    pub transport: &'static str,
    /// When it connected.
    pub issued: SystemTime,
}

/// A namespace: its endpoint and how many sockets it has.
struct Namespace {
    /// None for the admin UI's own, and until a socket connects to a
    /// namespace the server did not start with (a pattern's).
    endpoint: Option<EndpointHandle>,
    sockets: usize,
    /// Started with the server: listed even when empty.
    fixed: bool,
}

/// The sockets and namespaces (see the module doc).
#[derive(Default)]
pub(super) struct Sockets {
    by_conn: ConnIdMap<Socket>,
    namespaces: BTreeMap<Arc<str>, Namespace>,
}

impl Sockets {
    /// A namespace the server started with (listed even when empty).
    pub fn add_namespace(&mut self, name: &str, endpoint: Option<EndpointHandle>) {
        self.namespaces.insert(
            name.into(),
            Namespace {
                endpoint,
                sockets: 0,
                fixed: true,
            },
        );
    }

    /// A socket connected (again, for a recovered one).
    pub fn insert(&mut self, conn: ConnId, socket: Socket, endpoint: Option<EndpointHandle>) {
        let nsp = socket.nsp.clone();
        if let Some(old) = self.by_conn.insert(conn, socket) {
            self.left(&old.nsp);
        }
        let entry = self.namespaces.entry(nsp).or_insert(Namespace {
            endpoint: None,
            sockets: 0,
            fixed: false,
        });
        entry.sockets += 1;
        if endpoint.is_some() {
            entry.endpoint = endpoint;
        }
    }

    /// A socket left; None: it was not known.
    pub fn remove(&mut self, conn: ConnId) -> Option<Socket> {
        let socket = self.by_conn.remove(&conn)?;
        self.left(&socket.nsp);
        Some(socket)
    }

    /// A namespace lost a socket; one the server did not start with is
    /// forgotten when it has none left (a pattern may make many).
    fn left(&mut self, nsp: &str) {
        if let Some(n) = self.namespaces.get_mut(nsp) {
            n.sockets = n.sockets.saturating_sub(1);
            if n.sockets == 0 && !n.fixed {
                self.namespaces.remove(nsp);
            }
        }
    }

    pub fn get(&self, conn: ConnId) -> Option<&Socket> {
        self.by_conn.get(&conn)
    }

    pub fn get_mut(&mut self, conn: ConnId) -> Option<&mut Socket> {
        self.by_conn.get_mut(&conn)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Socket> {
        self.by_conn.values()
    }

    /// Every socket, mutably (to see their transports).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Socket> {
        self.by_conn.values_mut()
    }

    /// The endpoint serving `nsp`, when known.
    pub fn endpoint(&self, nsp: &str) -> Option<&EndpointHandle> {
        self.namespaces.get(nsp)?.endpoint.as_ref()
    }

    /// Each namespace's name and sockets, by name.
    pub fn namespaces(&self) -> Vec<(&str, usize)> {
        self.namespaces
            .iter()
            .map(|(name, n)| (&**name, n.sockets))
            .collect()
    }

    /// The sockets of `nsp` in room `filter` (every one when None), each
    /// with its connection.
    pub fn selected<'a>(
        &'a self,
        nsp: &'a str,
        filter: Option<&'a str>,
    ) -> impl Iterator<Item = (ConnId, &'a Socket)> + 'a {
        self.by_conn.iter().filter_map(move |(conn, s)| {
            let picked = *s.nsp == *nsp && filter.is_none_or(|room| s.rooms.contains(room));
            picked.then_some((*conn, s))
        })
    }

    /// The sessions whose transport is long-polling now.
    pub fn polling_clients(&self) -> usize {
        let polling = self
            .by_conn
            .values()
            .filter(|s| s.outbox.transport_name().ends_with("polling"));
        polling
            .map(|s| s.outbox.sid())
            .collect::<HashSet<_>>()
            .len()
    }
}

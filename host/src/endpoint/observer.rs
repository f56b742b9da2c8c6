//! Watching a namespace from outside: the [`Observer`] an endpoint reports
//! to, and what it reports ([`Observed`]). The admin UI
//! (`crate::admin_ui`) implements it; an endpoint has one only while the
//! admin UI is on (`Command::Observe` for the endpoints started with the
//! server, the `ChildFactory` for a pattern's namespaces), so with it off
//! each place that reports costs one `Option` check.
//!
//! Reports are made on the actor's thread, in the order things happened
//! in the namespace; an observer must not block (the admin UI queues them
//! for its own task).

use std::sync::Arc;

use sio_protocol::{ConnId, Sid};

use super::actor::EndpointHandle;
use super::namespace::Namespace;
use crate::outbox::Outbox;

/// Who hears what happens in a namespace.
pub trait Observer: Send + Sync {
    /// One fact, as it happened. Never blocks.
    fn observe(&self, what: Observed);
    /// Whether anyone is looking at events now: without, the actor does
    /// not even copy an event's name and arguments for [`Observed::EventIn`]
    /// and [`Observed::EventOut`].
    fn wants_events(&self) -> bool;
}

/// What happened to a connection. A connection id is unique across the
/// server's namespaces, so it alone names the connection after `Connected`.
pub enum Observed {
    /// A client joined the namespace (accepted), or a recovered connection
    /// came back.
    Connected {
        /// The namespace.
        nsp: Arc<str>,
        /// The connection.
        conn: ConnId,
        /// Its Socket.IO id.
        sid: Sid,
        /// Its client's session (transport, handshake, Engine.IO id).
        outbox: Arc<dyn Outbox>,
        /// The rooms it is in already (its own id's, a recovery's).
        rooms: Vec<String>,
        /// Its `conn-state` data, JSON text; None: none set.
        data: Option<Box<str>>,
        /// The endpoint serving the namespace, to act on it; None for
        /// one the host serves itself.
        endpoint: Option<EndpointHandle>,
    },
    /// The connection left (or, with recovery, its client went away).
    Disconnected {
        /// The connection.
        conn: ConnId,
        /// Socket.IO's reason ("client namespace disconnect", ...).
        reason: String,
    },
    /// It joined a room.
    Joined {
        /// The connection.
        conn: ConnId,
        /// The room.
        room: String,
    },
    /// It left a room.
    Left {
        /// The connection.
        conn: ConnId,
        /// The room.
        room: String,
    },
    /// The handler set its `conn-state` data.
    Data {
        /// The connection.
        conn: ConnId,
        /// The data, JSON text; None: cleared.
        data: Option<Box<str>>,
    },
    /// The client sent an event.
    EventIn {
        /// The connection.
        conn: ConnId,
        /// The event's name.
        name: String,
        /// Its arguments after the name, a JSON array.
        args: String,
    },
    /// The handler sent the connection an event of its own (a broadcast is
    /// not reported per receiver, as Node's `onAnyOutgoing`).
    EventOut {
        /// The connection.
        conn: ConnId,
        /// The event's name.
        name: String,
        /// Its arguments after the name, a JSON array.
        args: String,
    },
}

impl Namespace {
    /// Report to the observer, if there is one; `what` is built only then.
    pub(crate) fn observe(&self, what: impl FnOnce() -> Observed) {
        if let Some(observer) = &self.observer {
            observer.observe(what());
        }
    }

    /// Report an event, if someone looks at events now.
    pub(crate) fn observe_event(&self, what: impl FnOnce() -> Observed) {
        if let Some(observer) = &self.observer
            && observer.wants_events()
        {
            observer.observe(what());
        }
    }
}

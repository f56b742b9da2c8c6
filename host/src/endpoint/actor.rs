//! The endpoint actor: one thread per endpoint owns the wasmtime `Store` and
//! instance and runs calls from its queue, one at a time, in order.
//!
//! A dedicated OS thread rather than a tokio task: guest calls are
//! synchronous and may run up to the call deadline, which must not stall the
//! runtime's workers. A call that traps (deadline, memory, panic) fails
//! alone: it is logged, the instance is rebuilt from the pre-instantiated
//! component, and the namespace's connections and rooms, which live in the
//! host, carry over untouched.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender};

use anyhow::Result;
use bytes::Bytes;
use wasmtime::Store;

use super::namespace::{Namespace, SelfQueue, Socket};
use super::runtime::{ConnInfo, Endpoint, EndpointPre, GuestLimits, GuestState, Protocol, Runtime};
use crate::session::{ConnId, Generation, Session};
use crate::wire;

/// What the rest of the host asks of an endpoint.
pub enum Command {
    Connect {
        conn: ConnId,
        session: Arc<Session>,
        auth: Option<String>,
    },
    Event {
        conn: ConnId,
        name: String,
        args: String,
        attachments: Vec<Bytes>,
        ack: Option<u64>,
    },
    Ack {
        conn: ConnId,
        id: u64,
        args: String,
        attachments: Vec<Bytes>,
    },
    Disconnect {
        conn: ConnId,
        reason: String,
    },
    AckTimeout {
        conn: ConnId,
        token: u64,
    },
}

/// A cheap, cloneable handle to an endpoint's queue.
#[derive(Clone)]
pub struct EndpointHandle {
    pub name: Arc<str>,
    tx: Sender<Command>,
}

impl EndpointHandle {
    pub fn send(&self, command: Command) {
        if self.tx.send(command).is_err() {
            tracing::error!(endpoint = %self.name, "endpoint actor is gone; command dropped");
        }
    }
}

/// Compile `path`, instantiate it, and start its actor thread.
pub fn spawn(
    runtime: &Runtime,
    name: &str,
    path: &std::path::Path,
    limits: GuestLimits,
    max_payload: usize,
) -> Result<EndpointHandle> {
    let pre = runtime.load(path)?;
    let name: Arc<str> = name.into();
    let (tx, rx) = std::sync::mpsc::channel();
    let mut ns = Namespace::new(name.clone(), max_payload);
    ns.queue = Some(SelfQueue {
        tx: tx.clone(),
        rt: tokio::runtime::Handle::current(),
    });
    let mut store = runtime.store(ns, &limits);
    let bindings = pre.instantiate(&mut store)?;
    let actor = EndpointActor {
        runtime: runtime.clone(),
        pre,
        store,
        bindings,
        limits,
    };
    std::thread::Builder::new()
        .name(format!("sio-endpoint{name}"))
        .spawn(move || actor.run(rx))?;
    Ok(EndpointHandle { name, tx })
}

struct EndpointActor {
    runtime: Runtime,
    pre: EndpointPre<GuestState>,
    store: Store<GuestState>,
    bindings: Endpoint,
    limits: GuestLimits,
}

impl EndpointActor {
    fn run(mut self, rx: Receiver<Command>) {
        while let Ok(command) = rx.recv() {
            self.handle(command);
        }
    }

    fn ns(&mut self) -> &mut Namespace {
        &mut self.store.data_mut().ns
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Connect {
                conn,
                session,
                auth,
            } => self.connect(conn, session, auth),
            Command::Event {
                conn,
                name,
                args,
                attachments,
                ack,
            } => {
                let Some(socket) = self.ns().sockets.get_mut(&conn) else {
                    return;
                };
                if let Some(id) = ack {
                    socket.client_acks.insert(id);
                }
                let attachments: Vec<Vec<u8>> = attachments.into_iter().map(Vec::from).collect();
                self.call("on-event", conn, |b, s| {
                    b.call_on_event(s, conn, &name, &args, &attachments, ack)
                });
            }
            Command::Ack {
                conn,
                id,
                args,
                attachments,
            } => {
                let known = self
                    .ns()
                    .sockets
                    .get_mut(&conn)
                    .is_some_and(|s| s.server_acks.remove(&id));
                if !known {
                    tracing::debug!(conn, id, "ack for no pending emit-with-ack; ignored");
                    return;
                }
                let attachments: Vec<Vec<u8>> = attachments.into_iter().map(Vec::from).collect();
                self.call("on-ack", conn, |b, s| {
                    b.call_on_ack(s, conn, id, Some(&args), &attachments)
                });
            }
            Command::AckTimeout { conn, token } => {
                let pending = self
                    .ns()
                    .sockets
                    .get_mut(&conn)
                    .is_some_and(|s| s.server_acks.remove(&token));
                if pending {
                    self.call("on-ack", conn, |b, s| {
                        b.call_on_ack(s, conn, token, None, &[])
                    });
                }
            }
            Command::Disconnect { conn, reason } => {
                if let Some(socket) = self.ns().remove_socket(conn) {
                    self.departed(conn, socket, &reason);
                }
            }
        }
        self.flush_departed();
    }

    fn connect(&mut self, conn: ConnId, session: Arc<Session>, auth: Option<String>) {
        let socket = Socket::new(session.clone());
        let sid = socket.sid.clone();
        let endpoint = self.ns().name.clone();
        self.ns().sockets.insert(conn, socket);
        let info = ConnInfo {
            id: conn,
            sid: sid.to_string(),
            endpoint: endpoint.to_string(),
            protocol: match session.generation {
                Generation::Eio4 => Protocol::Eio4,
                Generation::Eio3 => Protocol::Eio3,
            },
            transport: session.transport().name().to_string(),
            remote_addr: session.info.remote_addr.to_string(),
            query: session.info.query.clone(),
            headers: session.info.headers.clone(),
            auth,
        };
        let verdict = self
            .call("on-connect", conn, |b, s| b.call_on_connect(s, &info))
            .unwrap_or_else(|| Err("handler failed".to_string()));
        match (verdict, self.ns().sockets.get_mut(&conn)) {
            (Ok(()), Some(socket)) => {
                let mut frames = wire::connect_frames(session.generation, &endpoint, &sid);
                frames.extend(socket.held.take().unwrap_or_default());
                session.push(&frames);
                tracing::debug!(endpoint = %endpoint, conn, sid = %sid, "connected");
            }
            (verdict, _) => {
                let reason = verdict.err().unwrap_or_else(|| "disconnected".into());
                self.ns().remove_socket(conn);
                session.push(&wire::connect_error_frames(
                    session.generation,
                    &endpoint,
                    &reason,
                ));
                session.socket_layer().forget(&endpoint, conn);
                tracing::debug!(endpoint = %endpoint, conn, reason = %reason, "connect refused");
            }
        }
    }

    /// A connection left: its pending emit-with-acks resolve empty, then the
    /// handler hears `on-disconnect`.
    fn departed(&mut self, conn: ConnId, socket: Socket, reason: &str) {
        for token in socket.server_acks {
            self.call("on-ack", conn, |b, s| {
                b.call_on_ack(s, conn, token, None, &[])
            });
        }
        self.call("on-disconnect", conn, |b, s| {
            b.call_on_disconnect(s, conn, reason)
        });
    }

    fn flush_departed(&mut self) {
        // Bounded: each round removes sockets, and there are finitely many.
        while !self.ns().departed.is_empty() {
            let departed = std::mem::take(&mut self.ns().departed);
            for (conn, reason) in departed {
                self.call("on-disconnect", conn, |b, s| {
                    b.call_on_disconnect(s, conn, reason)
                });
            }
        }
    }

    /// Run one export under the call deadline. A failure is logged and the
    /// instance rebuilt; the caller gets None.
    fn call<R>(
        &mut self,
        export: &'static str,
        conn: ConnId,
        f: impl FnOnce(&Endpoint, &mut Store<GuestState>) -> wasmtime::Result<R>,
    ) -> Option<R> {
        self.store.set_epoch_deadline(self.limits.deadline_ticks());
        match f(&self.bindings, &mut self.store) {
            Ok(r) => Some(r),
            Err(e) => {
                let endpoint = self.store.data().ns.name.clone();
                let kind = match e.downcast_ref::<wasmtime::Trap>() {
                    Some(wasmtime::Trap::Interrupt) => "deadline exceeded",
                    Some(_) => "trap",
                    None => "error",
                };
                tracing::error!(endpoint = %endpoint, conn, export, kind, "guest call failed: {e:?}");
                self.rebuild();
                None
            }
        }
    }

    /// A trapped instance may not be entered again: start a fresh one on a
    /// fresh store, moving the namespace across.
    fn rebuild(&mut self) {
        let ns = self.ns().take();
        let mut store = self.runtime.store(ns, &self.limits);
        match self.pre.instantiate(&mut store) {
            Ok(bindings) => {
                self.store = store;
                self.bindings = bindings;
            }
            Err(e) => {
                // Keep serving from the old store; every call will fail and
                // be logged until a reload brings a working build.
                tracing::error!("re-instantiating the endpoint failed: {e:#}");
                let ns = store.data_mut().ns.take();
                self.store.data_mut().ns = ns;
            }
        }
    }
}

//! Unit-testing handlers natively (`cargo test`), without a host.
//!
//! Off wasm32 the SDK's host calls do not reach a host: they are checked
//! and recorded in a thread-local log. A [`Harness`] owns a handler, plays
//! the host's side (connect, events, acks, disconnect) and lets the test
//! inspect the [`HostCall`]s the handler made. The recorder is per thread
//! and [`Harness::new`] resets it, so tests do not see each other's calls.
//!
//! The recorder enforces what the contract promises: a call naming a
//! connection that is not connected fails with [`HostError::UnknownConn`],
//! `args-json` must be a JSON array ([`HostError::InvalidJson`]), event and
//! room names must not be empty ([`HostError::InvalidName`]), an ack must
//! answer an ack id the client asked for, once ([`HostError::UnknownAck`]).
//! Refused calls are not recorded. `host.disconnect(conn)` removes the
//! connection; call [`Harness::disconnect`] to deliver `on_disconnect`.
//!
//! ```
//! use sio_guest::testing::{Harness, HostCall, conn_info};
//! use sio_guest::{Ack, Args, Conn, Handler, Target};
//!
//! #[derive(Default)]
//! struct Echo;
//! impl Handler for Echo {
//!     fn on_event(&mut self, conn: Conn, event: &str, args: Args, ack: Option<Ack>) {
//!         if let Some(ack) = ack {
//!             ack.reply_raw(args.raw(), args.attachments()).unwrap();
//!         } else {
//!             conn.emit_raw(event, args.raw(), args.attachments()).unwrap();
//!         }
//!     }
//! }
//!
//! let mut h = Harness::<Echo>::new();
//! h.connect(conn_info(1)).unwrap();
//! h.event(1, "hi", r#"["there"]"#, Some(5));
//! h.event(1, "yo", "[1]", None);
//! assert_eq!(
//!     h.take_calls(),
//!     vec![
//!         HostCall::Ack { conn: 1, ack_id: 5, args: r#"["there"]"#.into(), attachments: vec![] },
//!         HostCall::Emit { to: Target::Conn(1), event: "yo".into(), args: "[1]".into(), attachments: vec![] },
//!     ]
//! );
//! ```

use std::cell::RefCell;
use std::collections::{BTreeSet, VecDeque};

use serde_json::value::RawValue;

use crate::broadcast::{EmitFlags, Selector};
use crate::kv::KvError;
use crate::{ConnId, ConnInfo, Handler, HostError, LogLevel, Protocol, Target};

/// One host call a handler made (and the host accepted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostCall {
    /// `host.send`.
    Send {
        /// Recipients.
        to: Target,
        /// The message.
        text: String,
    },
    /// `host.emit`.
    Emit {
        /// Recipients.
        to: Target,
        /// Event name.
        event: String,
        /// The JSON array text.
        args: String,
        /// Binary attachments.
        attachments: Vec<Vec<u8>>,
    },
    /// `host.emit-with-ack`.
    EmitWithAck {
        /// The recipient.
        conn: ConnId,
        /// Event name.
        event: String,
        /// The JSON array text.
        args: String,
        /// Binary attachments.
        attachments: Vec<Vec<u8>>,
        /// The timeout asked for.
        timeout_ms: u32,
        /// The token returned (feed it to [`Harness::ack`]).
        token: u64,
    },
    /// `host.ack`.
    Ack {
        /// The connection answered.
        conn: ConnId,
        /// The client's ack id.
        ack_id: u64,
        /// The JSON array text.
        args: String,
        /// Binary attachments.
        attachments: Vec<Vec<u8>>,
    },
    /// `host.join`.
    Join {
        /// The connection.
        conn: ConnId,
        /// The room.
        room: String,
    },
    /// `host.leave`.
    Leave {
        /// The connection.
        conn: ConnId,
        /// The room.
        room: String,
    },
    /// `host.disconnect`.
    Disconnect {
        /// The connection.
        conn: ConnId,
    },
    /// `host.log`.
    Log {
        /// Level.
        level: LogLevel,
        /// Message.
        message: String,
    },
    /// `async-host.set-timer`.
    SetTimer {
        /// The guest's token.
        token: u64,
        /// Delay in ms.
        delay_ms: u32,
        /// The connection it is tied to.
        conn: Option<ConnId>,
    },
    /// `async-host.cancel-timer`.
    CancelTimer {
        /// The guest's token.
        token: u64,
    },
    /// `async-host.hold`.
    Hold {
        /// The held connection.
        conn: ConnId,
    },
    /// `async-host.release`.
    Release {
        /// The released connection.
        conn: ConnId,
    },
    /// `async-host.http-fetch`.
    HttpFetch {
        /// The guest's token.
        token: u64,
        /// Method and URL, e.g. `GET http://127.0.0.1:9000/x`.
        request: String,
    },
    /// `async-host.cluster-sockets`.
    ClusterSockets {
        /// The guest's token.
        token: u64,
        /// The room asked about (None: every socket).
        room: Option<String>,
    },
    /// `broadcast.emit`.
    Broadcast {
        /// Another endpoint, when not this one.
        endpoint: Option<String>,
        /// Recipients.
        to: Selector,
        /// `local`, `volatile`.
        flags: EmitFlags,
        /// Event name.
        event: String,
        /// The JSON array text.
        args: String,
        /// Binary attachments.
        attachments: Vec<Vec<u8>>,
    },
    /// `broadcast.emit-with-ack`.
    BroadcastWithAck {
        /// Recipients.
        to: Selector,
        /// `local`, `volatile`.
        flags: EmitFlags,
        /// Event name.
        event: String,
        /// The JSON array text.
        args: String,
        /// The timeout asked for.
        timeout_ms: u32,
        /// The token returned (feed it to [`Harness::replies`]).
        token: u64,
    },
    /// `broadcast.server-emit` (`token` None) or `server-emit-with-ack`.
    ServerEmit {
        /// Event name.
        event: String,
        /// The JSON array text.
        args: String,
        /// The token returned, for a server emit with acks.
        token: Option<u64>,
    },
    /// `broadcast.server-ack`.
    ServerAck {
        /// The reply id the handler answered.
        reply: u64,
        /// The JSON array text.
        args: String,
    },
}

#[derive(Default)]
struct State {
    calls: Vec<HostCall>,
    connected: BTreeSet<ConnId>,
    pending_acks: BTreeSet<(ConnId, u64)>,
    failures: VecDeque<HostError>,
    next_token: u64,
    config: Vec<(String, String)>,
    stats: Option<String>,
    /// `conn-state`: each connection's data and rooms, kept as the host
    /// keeps them (join and leave update them; a connection starts in the
    /// room named by its sid).
    data: std::collections::BTreeMap<ConnId, String>,
    /// `kv`: the endpoint's store.
    kv: std::collections::BTreeMap<String, String>,
    rooms: std::collections::BTreeMap<ConnId, BTreeSet<String>>,
    /// The connection a [`Harness::recover`] is running `on-connect` for.
    recovering: Option<ConnId>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

fn with_state<R>(f: impl FnOnce(&mut State) -> R) -> R {
    STATE.with(|state| f(&mut state.borrow_mut()))
}

/// Forgets every recorded call, connection and pending ack of this thread.
pub fn reset() {
    with_state(|state| *state = State::default());
}

/// Takes the calls recorded so far on this thread.
pub fn take_calls() -> Vec<HostCall> {
    with_state(|state| std::mem::take(&mut state.calls))
}

/// Makes the next fallible host call on this thread fail with `error`
/// (queued: call it twice to fail two calls).
pub fn fail_next(error: HostError) {
    with_state(|state| state.failures.push_back(error));
}

/// Sets the values [`crate::config`] returns on this thread (kept until
/// [`reset`]; [`Harness::new`] resets, so call this after it).
pub fn set_config(values: &[(&str, &str)]) {
    let mut values: Vec<(String, String)> = values
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    values.sort();
    with_state(|state| state.config = values);
}

/// Sets the JSON [`crate::stats::json`] returns on this thread (kept until
/// [`reset`]; `{}` when unset).
pub fn set_stats(json: &str) {
    let json = json.to_owned();
    with_state(|state| state.stats = Some(json));
}

/// Marks `conn` as connected without running a handler (for tests that call
/// the SDK's functions directly).
pub fn add_conn(conn: ConnId) {
    with_state(|state| state.connected.insert(conn));
}

/// A plausible [`ConnInfo`] for connection `id`: endpoint `/`, Engine.IO 4
/// over websocket, no query, headers or auth. Adjust fields as needed:
/// `ConnInfo { auth: Some(r#"{"token":"x"}"#.into()), ..conn_info(1) }`.
pub fn conn_info(id: ConnId) -> ConnInfo {
    ConnInfo {
        id,
        sid: format!("sid-{id}"),
        endpoint: "/".to_owned(),
        protocol: Protocol::Eio4,
        transport: "websocket".to_owned(),
        remote_addr: "127.0.0.1:40000".to_owned(),
        query: Vec::new(),
        headers: Vec::new(),
        auth: None,
    }
}

/// Drives one handler instance the way the host would.
pub struct Harness<H: Handler> {
    handler: H,
}

impl<H: Handler> Default for Harness<H> {
    fn default() -> Self {
        Self::new()
    }
}

impl<H: Handler> Harness<H> {
    /// A fresh `H::default()`; resets this thread's recorder.
    pub fn new() -> Self {
        reset();
        Harness {
            handler: H::default(),
        }
    }

    /// The handler, to inspect its state.
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// The handler, mutably.
    pub fn handler_mut(&mut self) -> &mut H {
        &mut self.handler
    }

    /// `on-connect`. The connection counts as connected during the call and
    /// stays so when the handler accepts it.
    pub fn connect(&mut self, info: ConnInfo) -> Result<(), String> {
        let id = info.id;
        add_conn(id);
        let sid = info.sid.clone();
        with_state(|state| state.rooms.entry(id).or_default().insert(sid));
        let result = crate::__private::on_connect(&mut self.handler, info);
        if result.is_err() {
            with_state(|state| state.connected.remove(&id));
        }
        result
    }

    /// `on-connect` for a connection that comes back through connection
    /// state recovery: it keeps its rooms and data, and
    /// [`ConnInfo::recovered`] is true during the call. Refused, it leaves.
    pub fn recover(&mut self, info: ConnInfo) -> Result<(), String> {
        let id = info.id;
        with_state(|state| state.recovering = Some(id));
        let result = crate::__private::on_connect(&mut self.handler, info);
        with_state(|state| state.recovering = None);
        if result.is_err() {
            with_state(|state| state.connected.remove(&id));
        }
        result
    }

    /// `on-message`.
    pub fn message(&mut self, conn: ConnId, text: &str) {
        crate::__private::on_message(&mut self.handler, conn, text.to_owned());
    }

    /// `on-event` without attachments; with `ack_id`, the handler may answer
    /// it once.
    pub fn event(&mut self, conn: ConnId, event: &str, args_json: &str, ack_id: Option<u64>) {
        self.event_binary(conn, event, args_json, Vec::new(), ack_id);
    }

    /// `on-event` with binary attachments.
    pub fn event_binary(
        &mut self,
        conn: ConnId,
        event: &str,
        args_json: &str,
        attachments: Vec<Vec<u8>>,
        ack_id: Option<u64>,
    ) {
        if let Some(id) = ack_id {
            with_state(|state| state.pending_acks.insert((conn, id)));
        }
        crate::__private::on_event(
            &mut self.handler,
            conn,
            event.to_owned(),
            args_json.to_owned(),
            attachments,
            ack_id,
        );
    }

    /// `on-ack`: the client's reply to `emit-with-ack` (`None`: timed out).
    pub fn ack(
        &mut self,
        conn: ConnId,
        token: u64,
        args_json: Option<&str>,
        attachments: Vec<Vec<u8>>,
    ) {
        crate::__private::on_ack(
            &mut self.handler,
            conn,
            token,
            args_json.map(str::to_owned),
            attachments,
        );
    }

    /// `on-disconnect`; the connection is gone before the handler runs.
    pub fn disconnect(&mut self, conn: ConnId, reason: &str) {
        with_state(|state| {
            state.connected.remove(&conn);
            state.pending_acks.retain(|(c, _)| *c != conn);
            state.data.remove(&conn);
            state.rooms.remove(&conn);
        });
        crate::__private::on_disconnect(&mut self.handler, conn, reason.to_owned());
    }

    /// `broadcast-events.on-replies`: what came back for `token`.
    pub fn replies(&mut self, token: u64, replies: crate::Replies) {
        self.handler.on_replies(token, replies);
    }

    /// `broadcast-events.on-server-event`: another node's server event;
    /// with `reply` the handler may answer it with [`crate::ServerReply`].
    pub fn server_event(&mut self, event: &str, args_json: &str, reply: Option<u64>) {
        crate::__private::on_server_event(
            &mut self.handler,
            event.to_owned(),
            args_json.to_owned(),
            reply,
        );
    }

    /// Takes the host calls recorded since the last take.
    pub fn take_calls(&self) -> Vec<HostCall> {
        take_calls()
    }

    /// A hot reload as the host does it for `handler!(H, state)` →
    /// `handler!(H2, state)`: `H`'s snapshot restored into a fresh `H2`
    /// (then [`Handler::on_restore`]). Connections and pending acks stay, as
    /// they do in the host. Err: the reload would be refused.
    pub fn reload<H2>(mut self) -> Result<Harness<H2>, String>
    where
        H: serde::Serialize,
        H2: Handler + serde::de::DeserializeOwned,
    {
        let bytes = crate::__private::snapshot(&mut self.handler)?;
        let mut handler = H2::default();
        crate::__private::restore(&mut handler, &bytes)?;
        Ok(Harness { handler })
    }
}

/// The recorder, with the signatures of the generated host imports.
pub(crate) mod host {
    use super::*;

    fn call(
        check: impl FnOnce(&mut State) -> Result<(), HostError>,
        record: impl FnOnce(&mut State) -> HostCall,
    ) -> Result<(), HostError> {
        with_state(|state| {
            if let Some(error) = state.failures.pop_front() {
                return Err(error);
            }
            check(state)?;
            let call = record(state);
            state.calls.push(call);
            Ok(())
        })
    }

    pub(crate) fn config_get(key: &str) -> Option<String> {
        with_state(|state| {
            state
                .config
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        })
    }

    pub(crate) fn config_values() -> Vec<(String, String)> {
        with_state(|state| state.config.clone())
    }

    pub(crate) fn stats_json() -> String {
        with_state(|state| state.stats.clone().unwrap_or_else(|| "{}".to_owned()))
    }

    fn known(state: &State, conn: ConnId) -> Result<(), HostError> {
        if state.connected.contains(&conn) {
            Ok(())
        } else {
            Err(HostError::UnknownConn)
        }
    }

    fn target(state: &State, to: &Target) -> Result<(), HostError> {
        match to {
            Target::Conn(conn) => known(state, *conn),
            Target::Room(room) | Target::RoomExcept((room, _)) => name(room),
            Target::All | Target::AllExcept(_) => Ok(()),
        }
    }

    fn name(name: &str) -> Result<(), HostError> {
        if name.is_empty() {
            Err(HostError::InvalidName)
        } else {
            Ok(())
        }
    }

    fn array(json: &str) -> Result<(), HostError> {
        serde_json::from_str::<Vec<&RawValue>>(json)
            .map(drop)
            .map_err(|_| HostError::InvalidJson)
    }

    pub(crate) fn send(to: &Target, text: &str) -> Result<(), HostError> {
        call(
            |state| target(state, to),
            |_| HostCall::Send {
                to: to.clone(),
                text: text.to_owned(),
            },
        )
    }

    pub(crate) fn emit(
        to: &Target,
        event: &str,
        args_json: &str,
        attachments: &[Vec<u8>],
    ) -> Result<(), HostError> {
        call(
            |state| {
                target(state, to)?;
                name(event)?;
                array(args_json)
            },
            |_| HostCall::Emit {
                to: to.clone(),
                event: event.to_owned(),
                args: args_json.to_owned(),
                attachments: attachments.to_vec(),
            },
        )
    }

    pub(crate) fn emit_with_ack(
        to: ConnId,
        event: &str,
        args_json: &str,
        attachments: &[Vec<u8>],
        timeout_ms: u32,
    ) -> Result<u64, HostError> {
        let mut token = 0;
        call(
            |state| {
                known(state, to)?;
                name(event)?;
                array(args_json)
            },
            |state| {
                state.next_token += 1;
                token = state.next_token;
                HostCall::EmitWithAck {
                    conn: to,
                    event: event.to_owned(),
                    args: args_json.to_owned(),
                    attachments: attachments.to_vec(),
                    timeout_ms,
                    token,
                }
            },
        )?;
        Ok(token)
    }

    pub(crate) fn ack(
        conn: ConnId,
        ack_id: u64,
        args_json: &str,
        attachments: &[Vec<u8>],
    ) -> Result<(), HostError> {
        call(
            |state| {
                known(state, conn)?;
                array(args_json)?;
                if state.pending_acks.remove(&(conn, ack_id)) {
                    Ok(())
                } else {
                    Err(HostError::UnknownAck)
                }
            },
            |_| HostCall::Ack {
                conn,
                ack_id,
                args: args_json.to_owned(),
                attachments: attachments.to_vec(),
            },
        )
    }

    pub(crate) fn join(conn: ConnId, room: &str) -> Result<(), HostError> {
        call(
            |state| {
                known(state, conn)?;
                name(room)
            },
            |state| {
                state.rooms.entry(conn).or_default().insert(room.to_owned());
                HostCall::Join {
                    conn,
                    room: room.to_owned(),
                }
            },
        )
    }

    pub(crate) fn leave(conn: ConnId, room: &str) -> Result<(), HostError> {
        call(
            |state| {
                known(state, conn)?;
                name(room)
            },
            |state| {
                if let Some(rooms) = state.rooms.get_mut(&conn) {
                    rooms.remove(room);
                }
                HostCall::Leave {
                    conn,
                    room: room.to_owned(),
                }
            },
        )
    }

    /// `kv` (kept in this thread's map, not recorded as calls).
    pub(crate) fn kv_get(key: &str) -> Result<Option<String>, KvError> {
        kv_key(key)?;
        Ok(with_state(|state| state.kv.get(key).cloned()))
    }

    pub(crate) fn kv_set(key: &str, value: &str) -> Result<(), KvError> {
        kv_key(key)?;
        with_state(|state| state.kv.insert(key.to_owned(), value.to_owned()));
        Ok(())
    }

    pub(crate) fn kv_delete(key: &str) -> Result<bool, KvError> {
        kv_key(key)?;
        Ok(with_state(|state| state.kv.remove(key).is_some()))
    }

    pub(crate) fn kv_increment(key: &str, delta: i64) -> Result<i64, KvError> {
        kv_key(key)?;
        with_state(|state| {
            let now = match state.kv.get(key) {
                None => 0,
                Some(v) => v.parse::<i64>().map_err(|_| KvError::NotANumber)?,
            }
            .checked_add(delta)
            .ok_or(KvError::NotANumber)?;
            state.kv.insert(key.to_owned(), now.to_string());
            Ok(now)
        })
    }

    pub(crate) fn kv_compare_and_swap(
        key: &str,
        expected: Option<&str>,
        replacement: Option<&str>,
    ) -> Result<bool, KvError> {
        kv_key(key)?;
        Ok(with_state(|state| {
            if state.kv.get(key).map(String::as_str) != expected {
                return false;
            }
            match replacement {
                Some(v) => state.kv.insert(key.to_owned(), v.to_owned()),
                None => state.kv.remove(key),
            };
            true
        }))
    }

    fn kv_key(key: &str) -> Result<(), KvError> {
        if key.is_empty() {
            Err(KvError::InvalidKey)
        } else if key.len() > 512 {
            Err(KvError::TooLarge)
        } else {
            Ok(())
        }
    }

    /// `conn-state.set-data`: kept, not recorded as a call.
    pub(crate) fn set_data(conn: ConnId, json: &str) -> Result<(), HostError> {
        with_state(|state| {
            if let Some(error) = state.failures.pop_front() {
                return Err(error);
            }
            known(state, conn)?;
            let value: &RawValue =
                serde_json::from_str(json).map_err(|_| HostError::InvalidJson)?;
            if value.get() == "null" {
                state.data.remove(&conn);
            } else {
                state.data.insert(conn, value.get().to_owned());
            }
            Ok(())
        })
    }

    pub(crate) fn data(conn: ConnId) -> Result<String, HostError> {
        with_state(|state| {
            known(state, conn)?;
            Ok(state
                .data
                .get(&conn)
                .cloned()
                .unwrap_or_else(|| "null".to_owned()))
        })
    }

    pub(crate) fn rooms(conn: ConnId) -> Result<Vec<String>, HostError> {
        with_state(|state| {
            known(state, conn)?;
            Ok(state
                .rooms
                .get(&conn)
                .map(|r| r.iter().cloned().collect())
                .unwrap_or_default())
        })
    }

    pub(crate) fn room_conns(room: &str) -> Vec<ConnId> {
        with_state(|state| {
            state
                .rooms
                .iter()
                .filter(|(conn, rooms)| state.connected.contains(conn) && rooms.contains(room))
                .map(|(conn, _)| *conn)
                .collect()
        })
    }

    pub(crate) fn recovered(conn: ConnId) -> bool {
        with_state(|state| state.recovering == Some(conn))
    }

    pub(crate) fn room_size(room: &str) -> u32 {
        room_conns(room).len() as u32
    }

    pub(crate) fn disconnect(conn: ConnId) -> Result<(), HostError> {
        call(
            |state| known(state, conn),
            |state| {
                state.connected.remove(&conn);
                state.pending_acks.retain(|(c, _)| *c != conn);
                state.data.remove(&conn);
                state.rooms.remove(&conn);
                HostCall::Disconnect { conn }
            },
        )
    }

    pub(crate) fn set_timer(
        token: u64,
        delay_ms: u32,
        conn: Option<ConnId>,
    ) -> Result<(), HostError> {
        call(
            |state| conn.map_or(Ok(()), |c| known(state, c)),
            |_| HostCall::SetTimer {
                token,
                delay_ms,
                conn,
            },
        )
    }

    pub(crate) fn cancel_timer(token: u64) -> bool {
        with_state(|state| state.calls.push(HostCall::CancelTimer { token }));
        true
    }

    pub(crate) fn hold(conn: ConnId) -> Result<(), HostError> {
        call(|state| known(state, conn), |_| HostCall::Hold { conn })
    }

    pub(crate) fn release(conn: ConnId) -> Result<(), HostError> {
        call(|state| known(state, conn), |_| HostCall::Release { conn })
    }

    pub(crate) fn http_fetch(token: u64, request: &crate::http::Request) -> Result<(), HostError> {
        call(
            |_| Ok(()),
            |_| HostCall::HttpFetch {
                token,
                request: format!("{} {}", request.method, request.url),
            },
        )
    }

    pub(crate) fn cluster_sockets(
        token: u64,
        room: Option<&str>,
        _timeout_ms: u32,
    ) -> Result<(), HostError> {
        call(
            |_| room.map_or(Ok(()), name),
            |_| HostCall::ClusterSockets {
                token,
                room: room.map(str::to_owned),
            },
        )
    }

    fn selector(state: &State, to: &Selector) -> Result<(), HostError> {
        to.rooms
            .iter()
            .chain(&to.except_rooms)
            .try_for_each(|r| name(r))?;
        to.conns.iter().try_for_each(|c| known(state, *c))
    }

    pub(crate) fn broadcast_emit(
        endpoint: Option<&str>,
        to: &Selector,
        flags: EmitFlags,
        event: &str,
        args_json: &str,
        attachments: &[Vec<u8>],
    ) -> Result<(), HostError> {
        call(
            |state| {
                // Another endpoint's connections are not this harness's.
                if endpoint.is_none() {
                    selector(state, to)?;
                }
                endpoint.map_or(Ok(()), name)?;
                name(event)?;
                array(args_json)
            },
            |_| HostCall::Broadcast {
                endpoint: endpoint.map(str::to_owned),
                to: to.clone(),
                flags,
                event: event.to_owned(),
                args: args_json.to_owned(),
                attachments: attachments.to_vec(),
            },
        )
    }

    pub(crate) fn broadcast_emit_with_ack(
        to: &Selector,
        flags: EmitFlags,
        event: &str,
        args_json: &str,
        _attachments: &[Vec<u8>],
        timeout_ms: u32,
    ) -> Result<u64, HostError> {
        let mut token = 0;
        call(
            |state| {
                selector(state, to)?;
                name(event)?;
                array(args_json)
            },
            |state| {
                state.next_token += 1;
                token = state.next_token;
                HostCall::BroadcastWithAck {
                    to: to.clone(),
                    flags,
                    event: event.to_owned(),
                    args: args_json.to_owned(),
                    timeout_ms,
                    token,
                }
            },
        )?;
        Ok(token)
    }

    pub(crate) fn server_emit(event: &str, args_json: &str) -> Result<(), HostError> {
        call(
            |_| {
                name(event)?;
                array(args_json)
            },
            |_| HostCall::ServerEmit {
                event: event.to_owned(),
                args: args_json.to_owned(),
                token: None,
            },
        )
    }

    pub(crate) fn server_emit_with_ack(
        event: &str,
        args_json: &str,
        _timeout_ms: u32,
    ) -> Result<u64, HostError> {
        let mut token = 0;
        call(
            |_| {
                name(event)?;
                array(args_json)
            },
            |state| {
                state.next_token += 1;
                token = state.next_token;
                HostCall::ServerEmit {
                    event: event.to_owned(),
                    args: args_json.to_owned(),
                    token: Some(token),
                }
            },
        )?;
        Ok(token)
    }

    pub(crate) fn server_ack(reply: u64, args_json: &str) -> Result<(), HostError> {
        call(
            |_| array(args_json),
            |_| HostCall::ServerAck {
                reply,
                args: args_json.to_owned(),
            },
        )
    }

    pub(crate) fn log(level: LogLevel, message: &str) {
        with_state(|state| {
            state.calls.push(HostCall::Log {
                level,
                message: message.to_owned(),
            })
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Ack, Args, Conn};

    #[derive(Default)]
    struct Probe {
        connected: Vec<ConnId>,
        acks: Vec<(ConnId, u64, Option<Args>)>,
        gone: Vec<(ConnId, String)>,
        messages: Vec<String>,
        results: Vec<Result<(), HostError>>,
    }

    impl Handler for Probe {
        fn on_connect(&mut self, info: &ConnInfo) -> Result<(), String> {
            if info.auth.is_some() {
                return Err("no auth please".into());
            }
            self.connected.push(info.id);
            info.conn().emit("hello", &()).map_err(|e| e.to_string())
        }
        fn on_message(&mut self, conn: Conn, text: &str) {
            self.messages.push(format!("{conn}: {text}"));
        }
        fn on_event(&mut self, conn: Conn, event: &str, args: Args, ack: Option<Ack>) {
            match event {
                "twice" => {
                    let id = ack.as_ref().unwrap().id();
                    self.results.push(ack.unwrap().reply(&()));
                    self.results.push(crate::ack(conn, id, &()));
                }
                "ask" => {
                    let token = conn.emit_with_ack("q", &(1,), 100);
                    self.results.push(token.map(drop));
                }
                "room" => {
                    let room: String = args.get(0).unwrap();
                    self.results.push(conn.join(&room));
                    self.results
                        .push(crate::emit(Target::room(room), "in", &()));
                }
                "bad" => {
                    self.results.push(conn.emit("x", &"not an array"));
                    self.results.push(conn.emit_raw("x", "{}", &[]));
                    self.results.push(conn.emit("", &()));
                    self.results.push(crate::emit(3u64, "x", &()));
                }
                "bye" => {
                    self.results.push(conn.disconnect());
                    self.results.push(conn.send("after"));
                }
                _ => {}
            }
        }
        fn on_ack(&mut self, conn: Conn, token: u64, reply: Option<Args>) {
            self.acks.push((conn.id(), token, reply));
        }
        fn on_disconnect(&mut self, conn: Conn, reason: &str) {
            self.gone.push((conn.id(), reason.to_owned()));
        }
    }

    #[test]
    fn connect_emits_and_refusal_forgets_the_conn() {
        let mut h = Harness::<Probe>::new();
        h.connect(conn_info(1)).unwrap();
        let refused = ConnInfo {
            auth: Some("{}".into()),
            ..conn_info(2)
        };
        assert_eq!(h.connect(refused), Err("no auth please".into()));
        assert_eq!(h.handler().connected, vec![1]);
        assert_eq!(
            h.take_calls(),
            vec![HostCall::Emit {
                to: Target::Conn(1),
                event: "hello".into(),
                args: "[]".into(),
                attachments: vec![],
            }]
        );
        assert_eq!(
            crate::emit(Target::Conn(2), "x", &()),
            Err(HostError::UnknownConn)
        );
    }

    #[test]
    fn acks_are_answered_once() {
        let mut h = Harness::<Probe>::new();
        h.connect(conn_info(1)).unwrap();
        h.take_calls();
        h.event(1, "twice", "[]", Some(9));
        assert_eq!(
            h.handler().results,
            vec![Ok(()), Err(HostError::UnknownAck)]
        );
        assert_eq!(h.take_calls().len(), 1);
    }

    #[test]
    fn emit_with_ack_tokens_and_replies() {
        let mut h = Harness::<Probe>::new();
        h.connect(conn_info(1)).unwrap();
        h.take_calls();
        h.event(1, "ask", "[]", None);
        h.event(1, "ask", "[]", None);
        let calls = h.take_calls();
        let tokens: Vec<u64> = calls
            .iter()
            .map(|call| match call {
                HostCall::EmitWithAck {
                    token, timeout_ms, ..
                } => {
                    assert_eq!(*timeout_ms, 100);
                    *token
                }
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(tokens, vec![1, 2]);
        h.ack(1, 2, Some(r#"["a"]"#), vec![vec![1]]);
        h.ack(1, 1, None, vec![]);
        assert_eq!(
            h.handler().acks,
            vec![
                (1, 2, Some(Args::new(r#"["a"]"#, vec![vec![1]]))),
                (1, 1, None)
            ]
        );
    }

    #[test]
    fn checks_names_json_and_conns() {
        let mut h = Harness::<Probe>::new();
        h.connect(conn_info(1)).unwrap();
        h.take_calls();
        h.event(1, "bad", "[]", None);
        assert_eq!(
            h.handler().results,
            vec![
                Err(HostError::InvalidJson),
                Err(HostError::InvalidJson),
                Err(HostError::InvalidName),
                Err(HostError::UnknownConn),
            ]
        );
        assert_eq!(h.take_calls(), vec![]);
    }

    #[test]
    fn conn_state_is_kept_like_the_host_keeps_it() {
        #[derive(Default)]
        struct Quiet;
        impl Handler for Quiet {}
        let mut h = Harness::<Quiet>::new();
        h.connect(conn_info(1)).unwrap();
        h.connect(conn_info(2)).unwrap();
        let a = crate::Conn::new(1);
        assert_eq!(a.data::<serde_json::Value>(), Ok(None));
        a.set_data(&serde_json::json!({"nick": "alice"})).unwrap();
        assert_eq!(a.data_raw().unwrap(), r#"{"nick":"alice"}"#);
        assert_eq!(a.set_data_raw("{nope"), Err(HostError::InvalidJson));
        a.join("lobby").unwrap();
        crate::Conn::new(2).join("lobby").unwrap();
        assert_eq!(a.rooms().unwrap(), ["lobby", "sid-1"]);
        assert_eq!(crate::room_size("lobby"), 2);
        h.disconnect(2, "transport close");
        assert_eq!(crate::room_conns("lobby"), [crate::Conn::new(1)]);
        assert_eq!(crate::Conn::new(2).data_raw(), Err(HostError::UnknownConn));
        assert!(
            take_calls()
                .iter()
                .all(|c| matches!(c, HostCall::Join { .. }))
        );
    }

    #[test]
    fn rooms_and_failures() {
        let mut h = Harness::<Probe>::new();
        h.connect(conn_info(1)).unwrap();
        h.take_calls();
        h.event(1, "room", r#"["r"]"#, None);
        fail_next(HostError::TooLarge);
        h.event(1, "room", r#"["r"]"#, None);
        assert_eq!(
            h.handler().results,
            vec![Ok(()), Ok(()), Err(HostError::TooLarge), Ok(())]
        );
        let calls = h.take_calls();
        assert_eq!(
            calls[..2],
            [
                HostCall::Join {
                    conn: 1,
                    room: "r".into()
                },
                HostCall::Emit {
                    to: Target::Room("r".into()),
                    event: "in".into(),
                    args: "[]".into(),
                    attachments: vec![],
                }
            ]
        );
        assert_eq!(calls.len(), 3);
    }

    #[test]
    fn host_disconnect_removes_the_conn() {
        let mut h = Harness::<Probe>::new();
        h.connect(conn_info(1)).unwrap();
        h.take_calls();
        h.event(1, "bye", "[]", None);
        assert_eq!(
            h.handler().results,
            vec![Ok(()), Err(HostError::UnknownConn)]
        );
        assert_eq!(h.take_calls(), vec![HostCall::Disconnect { conn: 1 }]);
        h.disconnect(1, "server namespace disconnect");
        h.message(1, "late");
        assert_eq!(
            h.handler().gone,
            vec![(1, "server namespace disconnect".to_owned())]
        );
        assert_eq!(h.handler().messages, vec!["conn 1: late".to_owned()]);
    }

    #[test]
    fn logs_are_recorded() {
        reset();
        crate::info!("x = {}", 1);
        crate::log::error("boom");
        assert_eq!(
            take_calls(),
            vec![
                HostCall::Log {
                    level: LogLevel::Info,
                    message: "x = 1".into()
                },
                HostCall::Log {
                    level: LogLevel::Error,
                    message: "boom".into()
                },
            ]
        );
    }

    #[derive(Default, serde::Serialize, serde::Deserialize)]
    struct V1 {
        total: u64,
    }

    impl Handler for V1 {
        fn on_event(&mut self, _conn: Conn, _event: &str, _args: Args, _ack: Option<Ack>) {
            self.total += 1;
        }
    }

    #[derive(Default, serde::Serialize, serde::Deserialize)]
    struct V2 {
        total: u64,
        #[serde(default)]
        names: Vec<String>,
        #[serde(skip)]
        restored: bool,
    }

    impl Handler for V2 {
        fn on_restore(&mut self) {
            self.restored = true;
        }
    }

    #[derive(Default, serde::Serialize, serde::Deserialize)]
    struct Strict {
        schema: u32,
    }

    impl Handler for Strict {}

    #[test]
    fn reload_hands_the_state_to_the_next_build() {
        let mut h = Harness::<V1>::new();
        h.connect(conn_info(1)).unwrap();
        h.event(1, "x", "[]", None);
        h.event(1, "x", "[]", None);
        let h2 = h.reload::<V2>().unwrap();
        assert_eq!(h2.handler().total, 2);
        assert!(h2.handler().names.is_empty());
        assert!(h2.handler().restored);
        // Connections survive a reload, as in the host.
        assert_eq!(crate::emit(Target::Conn(1), "still", &()), Ok(()));
        let refused = h2.reload::<Strict>().err().unwrap_or_default();
        assert!(refused.contains("missing field `schema`"), "{refused}");
    }

    #[test]
    fn stats_natively() {
        reset();
        assert_eq!(crate::stats::json(), "{}");
        set_stats(r#"{"sessions":{"active":2}}"#);
        assert_eq!(crate::stats::get()["sessions"]["active"], 2);
    }

    #[test]
    fn config_values_natively() {
        reset();
        set_config(&[("b", "2"), ("a", "1")]);
        assert_eq!(crate::config::get("a").as_deref(), Some("1"));
        assert_eq!(crate::config::get("zzz"), None);
        assert_eq!(crate::config::parse::<u32>("b"), Some(Ok(2)));
        assert_eq!(
            crate::config::values(),
            vec![("a".into(), "1".into()), ("b".into(), "2".into())]
        );
    }

    #[derive(Default)]
    struct Caster {
        replies: Vec<(u64, crate::Replies)>,
        server_events: Vec<(String, String)>,
    }

    impl Handler for Caster {
        fn on_event(&mut self, conn: Conn, event: &str, _args: Args, _ack: Option<Ack>) {
            let _ = match event {
                "cast" => crate::broadcast::to("a")
                    .to("b")
                    .except("c")
                    .except_conn(conn)
                    .volatile()
                    .emit("x", &(1,)),
                "other" => crate::broadcast::of("/other").local().emit("y", &()),
                "ask" => crate::broadcast::all()
                    .emit_with_ack("q", &(), 100)
                    .map(drop),
                "server" => crate::broadcast::server_emit("ping", &(2,)),
                _ => Ok(()),
            };
        }
        fn on_replies(&mut self, token: u64, replies: crate::Replies) {
            self.replies.push((token, replies));
        }
        fn on_server_event(&mut self, event: &str, args: Args, reply: Option<crate::ServerReply>) {
            self.server_events
                .push((event.to_owned(), args.raw().to_owned()));
            if let Some(reply) = reply {
                let _ = reply.reply(&("pong",));
            }
        }
    }

    #[test]
    fn broadcasts_are_recorded_and_their_answers_delivered() {
        use crate::broadcast::{EmitFlags, Selector};
        let mut h = Harness::<Caster>::new();
        h.connect(conn_info(1)).unwrap();
        h.take_calls();
        for event in ["cast", "other", "ask", "server"] {
            h.event(1, event, "[]", None);
        }
        let calls = h.take_calls();
        assert_eq!(
            calls[0],
            HostCall::Broadcast {
                endpoint: None,
                to: Selector {
                    rooms: vec!["a".into(), "b".into()],
                    conns: vec![],
                    except_rooms: vec!["c".into()],
                    except_conns: vec![1],
                },
                flags: EmitFlags::VOLATILE,
                event: "x".into(),
                args: "[1]".into(),
                attachments: vec![],
            }
        );
        assert!(
            matches!(&calls[1], HostCall::Broadcast { endpoint: Some(e), flags, .. }
            if e == "/other" && *flags == EmitFlags::LOCAL)
        );
        let HostCall::BroadcastWithAck { token, .. } = calls[2] else {
            panic!("{:?}", calls[2]);
        };
        assert_eq!(
            calls[3],
            HostCall::ServerEmit {
                event: "ping".into(),
                args: "[2]".into(),
                token: None
            }
        );

        let replies = crate::Replies {
            replies: vec![crate::Reply {
                conn: Some(1),
                args: Args::new("[true]", vec![]),
            }],
            silent: vec![],
            missing: 2,
        };
        h.replies(token, replies.clone());
        assert_eq!(h.handler().replies, vec![(token, replies)]);
        assert!(!h.handler().replies[0].1.complete());

        h.server_event("ping", "[3]", Some(9));
        assert_eq!(
            h.handler().server_events,
            vec![("ping".into(), "[3]".into())]
        );
        assert_eq!(
            h.take_calls(),
            vec![HostCall::ServerAck {
                reply: 9,
                args: r#"["pong"]"#.into()
            }]
        );
    }
}

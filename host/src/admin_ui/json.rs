//! The admin UI's JSON, both ways, in the shapes `@socket.io/admin-ui`
//! 0.5's server (`lib/index.ts`, `lib/typed-events.ts`) gives and takes:
//! each function here writes the arguments of one event the UI listens to
//! (a JSON array's text), and [`action`] reads the ones it sends.
//!
//! Dates are `new Date()` as JSON has them: ISO 8601 in UTC, milliseconds.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};
use sio_protocol::{Pairs, socketio};

use super::sockets::Socket;

/// `session`: the id a client may sign in with again instead of its
/// password (the UI keeps it in its local storage).
pub(super) fn session(id: &str) -> String {
    json!([id]).to_string()
}

/// `config`: what the UI may offer (`supportedFeatures`).
pub(super) fn config(features: &[&str]) -> String {
    json!([{ "supportedFeatures": features }]).to_string()
}

/// `all_sockets`: every socket of every namespace.
pub(super) fn all_sockets<'a>(sockets: impl Iterator<Item = &'a Socket>) -> String {
    let list: Vec<Value> = sockets.map(socket).collect();
    Value::Array(vec![Value::Array(list)]).to_string()
}

/// `socket_connected`: a socket, and when.
pub(super) fn socket_connected(s: &Socket, at: SystemTime) -> String {
    json!([socket(s), date(at)]).to_string()
}

/// `socket_updated` for a transport that changed (an upgrade).
pub(super) fn socket_transport(s: &Socket) -> String {
    json!([{ "id": &*s.sid, "nsp": &*s.nsp, "transport": s.transport }]).to_string()
}

/// `socket_updated` for data the handler set.
pub(super) fn socket_data(s: &Socket) -> String {
    json!([{ "id": &*s.sid, "nsp": &*s.nsp, "data": data(s) }]).to_string()
}

/// `socket_disconnected`: namespace, socket id, reason, when.
pub(super) fn socket_disconnected(s: &Socket, reason: &str, at: SystemTime) -> String {
    json!([&*s.nsp, &*s.sid, reason, date(at)]).to_string()
}

/// `room_joined` / `room_left`: namespace, room, socket id, when.
pub(super) fn room(s: &Socket, room: &str, at: SystemTime) -> String {
    json!([&*s.nsp, room, &*s.sid, date(at)]).to_string()
}

/// `event_received` / `event_sent`: namespace, socket id, `[name,
/// ...args]`, when. The arguments are spliced in as they came, not
/// re-encoded; None when they are not a JSON array.
pub(super) fn event(s: &Socket, name: &str, args_json: &str, at: SystemTime) -> Option<String> {
    let inner = socketio::args_inner(args_json).ok()?;
    let text = |v: &str| Value::from(v).to_string();
    let comma = if inner.is_empty() { "" } else { "," };
    Some(format!(
        "[{},{},[{}{comma}{inner}],{}]",
        text(&s.nsp),
        text(&s.sid),
        text(name),
        text(&date(at)),
    ))
}

/// What `server_stats` tells of this server.
pub(super) struct ServerStats<'a> {
    /// The server's id in the UI (its hostname, as Node's default).
    pub server_id: &'a str,
    pub hostname: &'a str,
    pub pid: u32,
    /// Seconds since the server started.
    pub uptime: f64,
    /// Engine.IO sessions open.
    pub clients: u64,
    /// Of those, the ones on HTTP long-polling.
    pub polling_clients: usize,
    /// Counts since the last `server_stats` (the dashboard's charts).
    pub aggregated: &'a [Aggregated],
    /// Each namespace and its sockets.
    pub namespaces: Vec<(&'a str, usize)>,
}

/// One count of the dashboard's charts, as Node's `EventBuffer` has it.
pub(super) struct Aggregated {
    /// The second it was counted in, as epoch milliseconds.
    pub timestamp: u64,
    /// `rawConnection`, `rawDisconnection`, `packetsIn`, `packetsOut`,
    /// `bytesIn`, `bytesOut`.
    pub kind: &'static str,
    /// A disconnection's reason.
    pub sub: Option<&'static str>,
    pub count: u64,
}

/// `server_stats`.
pub(super) fn server_stats(s: &ServerStats<'_>) -> String {
    let aggregated: Vec<Value> = s
        .aggregated
        .iter()
        .map(|a| {
            let mut e = json!({ "timestamp": a.timestamp, "type": a.kind, "count": a.count });
            if let Some(sub) = a.sub {
                e["subType"] = sub.into();
            }
            e
        })
        .collect();
    let namespaces: Vec<Value> = s
        .namespaces
        .iter()
        .map(|(name, n)| json!({ "name": name, "socketsCount": n }))
        .collect();
    json!([{
        "serverId": s.server_id,
        "hostname": s.hostname,
        "pid": s.pid,
        "uptime": s.uptime,
        "clientsCount": s.clients,
        "pollingClientsCount": s.polling_clients,
        "aggregatedEvents": aggregated,
        "namespaces": namespaces,
    }])
    .to_string()
}

/// A socket as the UI lists it (Node's `serialize`): its client is its
/// Engine.IO session (the id's first 12 characters, as Node shows it).
fn socket(s: &Socket) -> Value {
    let hs = s.outbox.handshake();
    let headers = pairs(&hs.headers);
    let header = |name: &str| headers.get(name).and_then(Value::as_str).map(str::to_owned);
    // The client's address as Node's admin UI picks it.
    let address = header("cf-connecting-ip")
        .or_else(|| header("x-forwarded-for"))
        .unwrap_or_else(|| hs.remote_addr.ip().to_string());
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(hs.query.iter())
        .finish();
    let client: String = s.outbox.sid().chars().take(12).collect();
    json!({
        "id": &*s.sid,
        "clientId": client,
        "transport": s.transport,
        "nsp": &*s.nsp,
        "data": data(s),
        "handshake": {
            "address": address,
            "headers": headers,
            "query": pairs(&hs.query),
            "issued": millis(s.issued),
            "secure": header("x-forwarded-proto").is_some_and(|p| p == "https"),
            "time": date(s.issued),
            "url": format!("/socket.io/?{query}"),
            "xdomain": header("origin").is_some(),
        },
        "rooms": s.rooms,
    })
}

/// A socket's data: the handler's `conn-state` data, `{}` (a Node
/// socket's default) when none is set.
fn data(s: &Socket) -> Value {
    s.data
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or_else(|| json!({}))
}

/// Name-value pairs as an object; a repeated name's values joined by
/// ", ", as Node joins a repeated header.
fn pairs(list: &Pairs) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in list.iter() {
        match out.get_mut(k) {
            Some(Value::String(had)) => {
                had.push_str(", ");
                had.push_str(v);
            }
            _ => {
                out.insert(k.to_owned(), Value::from(v));
            }
        }
    }
    out
}

/// An admin's action, from the events the UI emits.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Action {
    /// `emit(nsp, filter, event, ...args)`: an event to the sockets of
    /// `nsp` (in room `filter`, when given).
    Emit {
        nsp: String,
        filter: Option<String>,
        event: String,
        /// The arguments after the event name, a JSON array.
        args: String,
    },
    /// `join(nsp, room, filter)` / `leave(..)`: the sockets of `nsp` (in
    /// room `filter`, a socket's id included) join or leave `room`.
    Rooms {
        join: bool,
        nsp: String,
        room: String,
        filter: Option<String>,
    },
    /// `_disconnect(nsp, close, filter)`: the sockets leave `nsp`; with
    /// `close`, their clients leave every namespace.
    Disconnect {
        nsp: String,
        close: bool,
        filter: Option<String>,
    },
}

/// Read the action event `name` with arguments `args_json` (a JSON array).
/// Ok(None): not an action; Err: an action with arguments of the wrong
/// shape.
pub(super) fn action(name: &str, args_json: &str) -> Result<Option<Action>, String> {
    let kind = match name {
        "emit" | "join" | "leave" | "_disconnect" => name,
        _ => return Ok(None),
    };
    let args: Vec<Value> = serde_json::from_str(args_json)
        .map_err(|_| format!("{kind}: arguments are not a JSON array"))?;
    let text = |i: usize, what: &str| -> Result<String, String> {
        match args.get(i) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            _ => Err(format!("{kind}: {what} must be a non-empty string")),
        }
    };
    // Node tests the filter for truth: missing, null and "" mean none.
    let filter = |i: usize| -> Result<Option<String>, String> {
        match args.get(i) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone()).filter(|s| !s.is_empty())),
            Some(_) => Err(format!("{kind}: the filter must be a string")),
        }
    };
    let action = match kind {
        "emit" => {
            let event = text(2, "the event name")?;
            if socketio::is_reserved_event(&event) {
                return Err(format!("emit: {event:?} is a reserved event name"));
            }
            Action::Emit {
                nsp: text(0, "the namespace")?,
                filter: filter(1)?,
                event,
                args: Value::Array(args.get(3..).unwrap_or_default().to_vec()).to_string(),
            }
        }
        "join" | "leave" => Action::Rooms {
            join: kind == "join",
            nsp: text(0, "the namespace")?,
            room: text(1, "the room")?,
            filter: filter(2)?,
        },
        _ => Action::Disconnect {
            nsp: text(0, "the namespace")?,
            close: match args.get(1) {
                Some(Value::Bool(b)) => *b,
                None | Some(Value::Null) => false,
                Some(_) => return Err("_disconnect: close must be a boolean".into()),
            },
            filter: filter(2)?,
        },
    };
    Ok(Some(action))
}

/// Epoch milliseconds.
pub(super) fn millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// `2026-12-06T08:27:49.123Z`.
fn date(t: SystemTime) -> String {
    let ms = millis(t);
    let (days, in_day) = (ms / 86_400_000, ms % 86_400_000);
    let (y, m, d) = civil_from_days(days);
    let (h, min, s, milli) = (
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000,
    );
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{milli:03}Z")
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, for days on or after the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn dates_as_json_has_them() {
        let at = |ms: u64| date(UNIX_EPOCH + Duration::from_millis(ms));
        assert_eq!(at(0), "1970-01-01T00:00:00.000Z");
        // new Date(951782400123).toISOString()
        assert_eq!(at(951_782_400_123), "2000-02-29T00:00:00.123Z");
        // new Date(1796547669999).toISOString()
        assert_eq!(at(1_796_547_669_999), "2026-12-06T09:01:09.999Z");
    }

    #[test]
    fn actions_as_the_ui_sends_them() {
        let join = action("join", r#"["/","room1","abc"]"#).unwrap();
        assert_eq!(
            join,
            Some(Action::Rooms {
                join: true,
                nsp: "/".into(),
                room: "room1".into(),
                filter: Some("abc".into())
            })
        );
        let all = action("leave", r#"["/chat","r"]"#).unwrap();
        assert!(matches!(
            all,
            Some(Action::Rooms {
                join: false,
                filter: None,
                ..
            })
        ));
        let bye = action("_disconnect", r#"["/",true,null]"#).unwrap();
        assert_eq!(
            bye,
            Some(Action::Disconnect {
                nsp: "/".into(),
                close: true,
                filter: None
            })
        );
        let emit = action("emit", r#"["/","","hello",1,{"a":2}]"#).unwrap();
        assert_eq!(
            emit,
            Some(Action::Emit {
                nsp: "/".into(),
                filter: None,
                event: "hello".into(),
                args: r#"[1,{"a":2}]"#.into()
            })
        );
        assert_eq!(action("chat", "[]").unwrap(), None);
    }

    #[test]
    fn misshapen_actions_are_refused() {
        for (name, args) in [
            ("join", "[]"),
            ("join", r#"["/",5]"#),
            ("join", r#"["/","r",7]"#),
            ("_disconnect", r#"["/","yes"]"#),
            ("emit", r#"["/",null,"disconnect"]"#),
            ("emit", r#"["/",null]"#),
            ("leave", "not json"),
        ] {
            assert!(action(name, args).is_err(), "{name} {args}");
        }
    }
}

//! The chat endpoint: TornadIO2's chat example as a sio-host component.
//!
//! Protocol (the browser page in `static/index.html` speaks it):
//!
//! | client → server | reply / effect |
//! |---|---|
//! | CONNECT auth `{"token":"bad"}` | refused: `connect_error` "not authorized" |
//! | CONNECT auth `{"nick":"x","id":"..."}` | accepted with nickname `x` preset (if valid and free, or already `id`'s) |
//! | `nick` (name) [ack] | ack `[{"ok":true}]` then `joined` `[{"nick":name}]` to all, or ack `[{"ok":false,"error":..}]` |
//! | `say` (text, room?) [ack] | `said` `[{"nick":..,"text":..}]` to all (or to the room), ack `[{"ok":true}]`; without a nickname only ack `[{"ok":false,"error":"pick a nickname first"}]` |
//! | `join` / `leave` (room) [ack] | joins / leaves the room, ack `[{"ok":true}]` |
//! | `file` (name, binary) | `file` `[{"nick":..,"name":..}, <placeholder>]` with the bytes to everyone else |
//! | `ping-me` | `ping` `[]` with an ack request (5 s); the client's answer comes back as `pong-received` with the same arguments |
//! | plain message (0.9 clients) | `said` `[{"nick":<nick or "anonymous">,"text":..}]` to all |
//! | disconnect | `left` `[{"nick":..}]` to all, when it had a nickname |
//! | CONNECT recovering a connection (`--recovery`) | nothing: no `joined`, no `left`; it keeps its nickname, owner and rooms |
//!
//! Events answer acks only when the client asked for one; an unknown event
//! with an ack gets `[{"ok":false,"error":"unknown event"}]`.
//!
//! With connection state recovery (`sio-host run --recovery`), a client
//! whose transport dropped and that comes back within
//! `--recovery-max-disconnection` gets its connection back (same id, rooms
//! and data; the host replays the events it missed, in order), and the chat
//! hears `on_connect` again with [`ConnInfo::recovered`] true. It logs it
//! (`chat: <conn id> recovered`, level info) and changes nothing: the user
//! never left, so nobody hears `joined` or `left`, and its nickname and
//! owner stay as they were. The CONNECT auth is not read again: a `nick`
//! preset there does not undo a rename made since, and a `token` is not
//! checked again (Node's recovery skips middlewares too). A fresh
//! connection is sent nothing on connect, so a recovered one needs nothing
//! re-sent either. Past the deadline the connection is gone for good:
//! `left` as for any disconnect, and the client comes back as a new
//! connection.
//!
//! Nicknames are unique across every node of a cluster and outlive a
//! restart with a file store: each is claimed in the endpoint's key-value
//! store (`sio_guest::kv`, key `nick:<name>`) for its owner, the CONNECT
//! auth's `id` (the page keeps one per browser) or else the Socket.IO id,
//! and given back when its connection leaves or renames. An owner whose
//! name is still in the store (a server restart runs no `on-disconnect`)
//! gets it back; anyone else is told it is taken. The host also keeps the
//! name as the connection's data (`{"nickname":..}`, docs/state.md).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sio_guest::kv::{self, KvError};
use sio_guest::serde_json::value::RawValue;
use sio_guest::{Ack, Args, Conn, ConnId, ConnInfo, Handler, HostError, Target};

/// Longest nickname, in characters.
pub const MAX_NICK_CHARS: usize = 32;
/// How long `ping-me` waits for the client's answer.
pub const PING_TIMEOUT_MS: u32 = 5000;

/// The chat's state: who is called what, and the pings in flight. It is
/// handed over on a hot reload (`handler!(Chat, state)`), so editing the
/// handler under a running chat keeps everyone's nickname.
#[derive(Default, Serialize, Deserialize)]
pub struct Chat {
    #[serde(default)]
    nicks: BTreeMap<ConnId, String>,
    /// `emit-with-ack` token → the connection pinged.
    #[serde(default)]
    pings: BTreeMap<u64, ConnId>,
    /// Who owns each connection's nicknames in the store: the CONNECT
    /// auth's `id` (the page keeps one per browser), else the Socket.IO id.
    #[serde(default)]
    owners: BTreeMap<ConnId, String>,
}

#[derive(Serialize)]
struct Reply<'a> {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

#[derive(Serialize)]
struct Who<'a> {
    nick: &'a str,
}

#[derive(Serialize)]
struct Said<'a> {
    nick: &'a str,
    text: &'a str,
}

#[derive(Serialize)]
struct FileInfo<'a> {
    nick: &'a str,
    name: &'a str,
}

#[derive(Deserialize)]
struct Auth {
    token: Option<serde_json::Value>,
    nick: Option<serde_json::Value>,
    id: Option<serde_json::Value>,
}

/// The longest owner id a client may choose.
const MAX_OWNER_ID: usize = 64;

/// The store key of a nickname: taken once for every node of a cluster.
fn nick_key(nick: &str) -> String {
    format!("nick:{nick}")
}

/// Answers `ack` (when the client asked for one) with `{"ok":true}` or
/// `{"ok":false,"error":..}`.
fn answer(ack: Option<Ack>, result: Result<(), &str>) {
    let Some(ack) = ack else { return };
    let reply = match result {
        Ok(()) => Reply {
            ok: true,
            error: None,
        },
        Err(error) => Reply {
            ok: false,
            error: Some(error),
        },
    };
    checked(ack.reply(&(reply,)), "ack");
}

fn checked(result: Result<(), HostError>, what: &str) {
    if let Err(error) = result {
        sio_guest::warn!("chat: {what} failed: {error}");
    }
}

impl Chat {
    fn nick(&self, conn: Conn) -> Option<&str> {
        self.nicks.get(&conn.id()).map(String::as_str)
    }

    /// Validates `name` for `conn`: the trimmed name, or why it is refused.
    fn valid_nick<'a>(&self, conn: Conn, name: &'a str) -> Result<&'a str, &'static str> {
        let name = name.trim();
        let chars = name.chars().count();
        if chars == 0 {
            return Err("nickname must not be empty");
        }
        if chars > MAX_NICK_CHARS {
            return Err("nickname must be at most 32 characters");
        }
        let taken = self
            .nicks
            .iter()
            .any(|(&other, nick)| other != conn.id() && nick == name);
        if taken {
            return Err("nickname is taken");
        }
        self.claim(conn, name)?;
        Ok(name)
    }

    fn owner(&self, conn: Conn) -> &str {
        self.owners.get(&conn.id()).map_or("", String::as_str)
    }

    /// Take `name` in the store for `conn`'s owner, the one table every node
    /// shares: free, or already this owner's (a user back after a restart).
    fn claim(&self, conn: Conn, name: &str) -> Result<(), &'static str> {
        let owner = self.owner(conn);
        let key = nick_key(name);
        let unavailable = "the nickname table is unavailable; try again";
        match kv::compare_and_swap(&key, None, Some(owner)) {
            Ok(true) => Ok(()),
            Ok(false) => match kv::get(&key) {
                Ok(Some(holder)) if holder == owner => Ok(()),
                Ok(_) => Err("nickname is taken"),
                Err(_) => Err(unavailable),
            },
            Err(KvError::Unavailable) => Err(unavailable),
            Err(_) => Err("nickname refused by the store"),
        }
    }

    /// Give `name` back to the store, if it is still `conn`'s owner's.
    fn release(&self, conn: Conn, name: &str) {
        let owner = self.owner(conn);
        if let Err(e) = kv::compare_and_swap(&nick_key(name), Some(owner), None) {
            sio_guest::warn!("chat: releasing nickname {name}: {e}");
        }
    }

    /// `conn` is called `nick` from now on. The host keeps it too, as the
    /// connection's data: other nodes' `fetchSockets()` see
    /// `{"nickname": nick}`.
    fn name(&mut self, conn: Conn, nick: &str) {
        if let Some(old) = self.nicks.insert(conn.id(), nick.to_owned())
            && old != nick
        {
            self.release(conn, &old);
        }
        let data = sio_guest::serde_json::json!({ "nickname": nick });
        checked(conn.set_data(&data), "set-data");
    }

    fn set_nick(&mut self, conn: Conn, args: &Args, ack: Option<Ack>) {
        let Some(name) = args.get::<String>(0) else {
            return answer(ack, Err("nickname must be a string"));
        };
        match self.valid_nick(conn, &name) {
            Ok(name) => {
                self.name(conn, name);
                answer(ack, Ok(()));
                checked(
                    sio_guest::broadcast("joined", &(Who { nick: name },)),
                    "joined",
                );
            }
            Err(error) => answer(ack, Err(error)),
        }
    }

    fn say(&self, conn: Conn, args: &Args, ack: Option<Ack>) {
        let Some(nick) = self.nick(conn) else {
            return answer(ack, Err("pick a nickname first"));
        };
        let Some(text) = args.get::<String>(0) else {
            return answer(ack, Err("text must be a string"));
        };
        let to = match args.get_raw(1).map(|raw| serde_json::from_str(raw.get())) {
            None | Some(Ok(None)) => Target::All,
            Some(Ok(Some(room))) => Target::Room(room),
            Some(Err(_)) => return answer(ack, Err("room must be a string")),
        };
        let said = (Said { nick, text: &text },);
        match sio_guest::emit(to, "said", &said) {
            Ok(()) => answer(ack, Ok(())),
            Err(error) => answer(ack, Err(error.name())),
        }
    }

    fn room(conn: Conn, args: &Args, ack: Option<Ack>, join: bool) {
        let Some(room) = args.get::<String>(0) else {
            return answer(ack, Err("room must be a string"));
        };
        let result = if join {
            conn.join(&room)
        } else {
            conn.leave(&room)
        };
        match result {
            Ok(()) => answer(ack, Ok(())),
            Err(error) => answer(ack, Err(error.name())),
        }
    }

    fn file(&self, conn: Conn, args: &Args, ack: Option<Ack>) {
        let Some(name) = args.get::<String>(0) else {
            return answer(ack, Err("file name must be a string"));
        };
        // The second argument must be a binary (a placeholder whose bytes
        // arrived); it is passed on as it is, with the same attachments.
        let (Some(_), Some(placeholder)) = (args.binary(1), args.get_raw(1)) else {
            return answer(ack, Err("file data must be binary"));
        };
        let nick = self.nick(conn).unwrap_or("anonymous");
        let info = FileInfo { nick, name: &name };
        let sent = sio_guest::emit_binary(
            conn.others(),
            "file",
            &(info, placeholder as &RawValue),
            args.attachments(),
        );
        match sent {
            Ok(()) => answer(ack, Ok(())),
            Err(error) => answer(ack, Err(error.name())),
        }
    }

    fn ping(&mut self, conn: Conn, ack: Option<Ack>) {
        match conn.emit_with_ack("ping", &(), PING_TIMEOUT_MS) {
            Ok(token) => {
                self.pings.insert(token, conn.id());
                answer(ack, Ok(()));
            }
            Err(error) => answer(ack, Err(error.name())),
        }
    }
}

impl Handler for Chat {
    fn on_connect(&mut self, info: &ConnInfo) -> Result<(), String> {
        if info.recovered() {
            // The same user, back from a short drop: its state is as it was.
            sio_guest::info!("chat: {} recovered", info.id);
            return Ok(());
        }
        let auth = info.auth_as::<Auth>();
        let chosen = auth
            .as_ref()
            .and_then(|a| a.id.as_ref()?.as_str())
            .filter(|id| !id.is_empty() && id.len() <= MAX_OWNER_ID);
        let owner = chosen.map_or_else(|| info.sid.clone(), |id| format!("id:{id}"));
        let Some(auth) = auth else {
            self.owners.insert(info.id, owner);
            return Ok(());
        };
        if auth.token.as_ref().and_then(|t| t.as_str()) == Some("bad") {
            return Err("not authorized".to_owned());
        }
        self.owners.insert(info.id, owner);
        if let Some(nick) = auth.nick.as_ref().and_then(|n| n.as_str()) {
            match self.valid_nick(info.conn(), nick) {
                Ok(nick) => self.name(info.conn(), nick),
                Err(error) => sio_guest::info!("chat: {}: preset nick refused: {error}", info.id),
            }
        }
        Ok(())
    }

    fn on_message(&mut self, conn: Conn, text: &str) {
        let nick = self.nick(conn).unwrap_or("anonymous");
        checked(
            sio_guest::broadcast("said", &(Said { nick, text },)),
            "said",
        );
    }

    fn on_event(&mut self, conn: Conn, event: &str, args: Args, ack: Option<Ack>) {
        match event {
            "nick" => self.set_nick(conn, &args, ack),
            "say" => self.say(conn, &args, ack),
            "join" => Self::room(conn, &args, ack, true),
            "leave" => Self::room(conn, &args, ack, false),
            "file" => self.file(conn, &args, ack),
            "ping-me" => self.ping(conn, ack),
            _ => answer(ack, Err("unknown event")),
        }
    }

    fn on_ack(&mut self, conn: Conn, token: u64, reply: Option<Args>) {
        let Some(pinged) = self.pings.remove(&token) else {
            return;
        };
        match reply {
            Some(reply) => checked(
                sio_guest::emit_raw(pinged, "pong-received", reply.raw(), reply.attachments()),
                "pong-received",
            ),
            None => sio_guest::debug!("chat: {conn} did not answer ping {token}"),
        }
    }

    fn on_disconnect(&mut self, conn: Conn, _reason: &str) {
        self.pings.retain(|_, pinged| *pinged != conn.id());
        if let Some(nick) = self.nicks.remove(&conn.id()) {
            self.release(conn, &nick);
            checked(
                sio_guest::broadcast("left", &(Who { nick: &nick },)),
                "left",
            );
        }
        self.owners.remove(&conn.id());
    }
}

sio_guest::handler!(Chat, state);

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

// The chat endpoint in JavaScript: examples/chat (Rust) event for event, the
// same page (examples/chat/static) and the same state on a hot reload.
// Build: `node guest-sdk-js/build.mjs examples/chat-js/chat.js -o chat_js.wasm`.
//
// Nicknames are unique across every node of a cluster and outlive a restart
// with a file store: each is claimed in the endpoint's key-value store (`kv`,
// key `nick:<name>`) for its owner, the CONNECT auth's `id` (the page keeps
// one per browser) or else the Socket.IO id, and given back when its
// connection leaves or renames. An owner whose name is still in the store (a
// server restart runs no onDisconnect) gets it back; anyone else is told it
// is taken. The host also keeps the name as the connection's data.
//
// A connection coming back through connection state recovery (`--recovery`,
// `info.recovered`) changes nothing: no `joined`, no `left`, its nickname
// and owner kept, its CONNECT auth not read again (examples/chat/src/lib.rs).
import { all, emit, emitWithAck, isBinary, kv, KvError, log, Refuse, room, serve, to } from "../../guest-sdk-js/sio.js";

const MAX_NICK_CHARS = 32;
const PING_TIMEOUT_MS = 5000;
/** The longest owner id a client may choose, in UTF-8 bytes. */
const MAX_OWNER_ID = 64;

/** The store key of a nickname: taken once for every node of a cluster. */
const nickKey = (nick) => `nick:${nick}`;
const utf8Length = (s) => new TextEncoder().encode(s).length;

/** Answers `ack` (when the client asked for one) with {ok:true} or {ok:false,error}. */
const answer = (ack, error) => ack?.(error ? { ok: false, error } : { ok: true });
/** Runs a host call for `ack`: ok, or the host's refusal as the error. */
const tryAnswer = (ack, f) => {
  try {
    f();
  } catch (e) {
    return answer(ack, e.code ?? String(e));
  }
  answer(ack);
};
const isString = (v) => typeof v === "string";

const chat = {
  // Handed over on a hot reload (as JSON, the Rust chat's format too).
  nicks: {}, // conn id → nickname
  pings: {}, // emit-with-ack token → conn id
  // conn id → who owns its nicknames in the store: "id:" + the CONNECT
  // auth's `id` (the page keeps one per browser), else the Socket.IO id.
  owners: {},

  /** The trimmed name, claimed in the store for `conn`'s owner, or throws
   * (a string) why it is refused. */
  validNick(conn, name) {
    name = name.trim();
    const chars = [...name].length;
    if (chars === 0) throw "nickname must not be empty";
    if (chars > MAX_NICK_CHARS) throw "nickname must be at most 32 characters";
    if (Object.entries(this.nicks).some(([other, nick]) => Number(other) !== conn.id && nick === name)) throw "nickname is taken";
    this.claim(conn, name);
    return name;
  },

  owner(conn) {
    return this.owners[conn.id] ?? "";
  },

  /** Takes `name` in the store for `conn`'s owner, the one table every node
   * shares: free, or already this owner's (a user back after a restart).
   * Throws (a string) why not. */
  claim(conn, name) {
    const owner = this.owner(conn);
    const key = nickKey(name);
    const unavailable = "the nickname table is unavailable; try again";
    let claimed;
    try {
      claimed = kv.compareAndSwap(key, null, owner);
    } catch (e) {
      if (!(e instanceof KvError)) throw e;
      throw e.code === "unavailable" ? unavailable : "nickname refused by the store";
    }
    if (claimed) return;
    let holder;
    try {
      holder = kv.get(key);
    } catch (e) {
      if (!(e instanceof KvError)) throw e;
      throw unavailable;
    }
    if (holder !== owner) throw "nickname is taken";
  },

  /** Gives `name` back to the store, if it is still `conn`'s owner's. */
  release(conn, name) {
    try {
      kv.compareAndSwap(nickKey(name), this.owner(conn), null);
    } catch (e) {
      if (!(e instanceof KvError)) throw e;
      log.warn(`chat: releasing nickname ${name}: ${e.code}`);
    }
  },

  /** `conn` is called `nick` from now on (its old name, if another, goes
   * back to the store). The host keeps it too, as the connection's data:
   * other nodes' fetchSockets() see {nickname: nick}. */
  name(conn, nick) {
    const old = this.nicks[conn.id];
    this.nicks[conn.id] = nick;
    if (old !== undefined && old !== nick) this.release(conn, old);
    try {
      conn.setData({ nickname: nick });
    } catch (e) {
      log.warn(`chat: set-data failed: ${e.code ?? e}`);
    }
  },

  onConnect({ id, conn, sid, auth, recovered }) {
    if (recovered) {
      // The same user, back from a short drop: its state is as it was.
      log.info(`chat: ${id} recovered`);
      return;
    }
    const object = auth !== null && typeof auth === "object";
    const chosen = object && isString(auth.id) && auth.id !== "" && utf8Length(auth.id) <= MAX_OWNER_ID;
    const owner = chosen ? `id:${auth.id}` : sid;
    if (!object) {
      this.owners[id] = owner;
      return;
    }
    if (auth.token === "bad") throw new Refuse("not authorized");
    this.owners[id] = owner;
    if (!isString(auth.nick)) return;
    try {
      this.name(conn, this.validNick(conn, auth.nick));
    } catch (error) {
      if (!isString(error)) throw error;
      log.info(`chat: ${id}: preset nick refused: ${error}`);
    }
  },

  onMessage(conn, text) {
    emit(all, "said", { nick: this.nicks[conn.id] ?? "anonymous", text });
  },

  onEvent(conn, event, [first, second], ack) {
    const nick = this.nicks[conn.id];
    switch (event) {
      case "nick": {
        if (!isString(first)) return answer(ack, "nickname must be a string");
        let name;
        try {
          name = this.validNick(conn, first);
        } catch (error) {
          if (!isString(error)) throw error;
          return answer(ack, error);
        }
        this.name(conn, name);
        answer(ack);
        return emit(all, "joined", { nick: name });
      }
      case "say": {
        if (nick === undefined) return answer(ack, "pick a nickname first");
        if (!isString(first)) return answer(ack, "text must be a string");
        if (second != null && !isString(second)) return answer(ack, "room must be a string");
        return tryAnswer(ack, () => emit(second == null ? all : room(second), "said", { nick, text: first }));
      }
      case "join":
      case "leave":
        if (!isString(first)) return answer(ack, "room must be a string");
        return tryAnswer(ack, () => conn[event](first));
      case "file":
        if (!isString(first)) return answer(ack, "file name must be a string");
        if (!isBinary(second)) return answer(ack, "file data must be binary");
        return tryAnswer(ack, () => emit(conn.others(), "file", { nick: nick ?? "anonymous", name: first }, second));
      case "ping-me":
        return tryAnswer(ack, () => {
          this.pings[emitWithAck(conn.id, "ping", [], PING_TIMEOUT_MS)] = conn.id;
        });
      default:
        return answer(ack, "unknown event");
    }
  },

  onAck(conn, token, reply) {
    const pinged = this.pings[token];
    if (pinged === undefined) return;
    delete this.pings[token];
    if (reply === undefined) return log.debug(`chat: ${conn} did not answer ping ${token}`);
    emit(to(pinged), "pong-received", ...reply);
  },

  onDisconnect(conn) {
    for (const [token, pinged] of Object.entries(this.pings)) if (pinged === conn.id) delete this.pings[token];
    const nick = this.nicks[conn.id];
    if (nick !== undefined) {
      delete this.nicks[conn.id];
      this.release(conn, nick);
    }
    delete this.owners[conn.id];
    if (nick !== undefined) emit(all, "left", { nick });
  },

  snapshot() {
    return { nicks: this.nicks, pings: this.pings, owners: this.owners };
  },
};

export const { onConnect, onMessage, onEvent, onAck, onDisconnect, state } = serve(chat);

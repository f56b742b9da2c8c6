// The chat endpoint in JavaScript: examples/chat (Rust) event for event, the
// same page (examples/chat/static) and the same state on a hot reload.
// Build: `node guest-sdk-js/build.mjs examples/chat-js/chat.js -o chat_js.wasm`.
import { all, emit, emitWithAck, isBinary, log, Refuse, room, serve, to } from "../../guest-sdk-js/sio.js";

const MAX_NICK_CHARS = 32;
const PING_TIMEOUT_MS = 5000;

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

  /** The trimmed name, or throws why it is refused. */
  validNick(id, name) {
    name = name.trim();
    const chars = [...name].length;
    if (chars === 0) throw "nickname must not be empty";
    if (chars > MAX_NICK_CHARS) throw "nickname must be at most 32 characters";
    if (Object.entries(this.nicks).some(([other, nick]) => Number(other) !== id && nick === name)) throw "nickname is taken";
    return name;
  },

  /** `conn` is called `nick` from now on. The host keeps it too, as the
   * connection's data: other nodes' fetchSockets() see {nickname: nick}. */
  name(conn, nick) {
    this.nicks[conn.id] = nick;
    try {
      conn.setData({ nickname: nick });
    } catch (e) {
      log.warn(`chat: set-data failed: ${e.code ?? e}`);
    }
  },

  onConnect({ id, conn, auth }) {
    if (!auth || typeof auth !== "object") return;
    if (auth.token === "bad") throw new Refuse("not authorized");
    if (!isString(auth.nick)) return;
    try {
      this.name(conn, this.validNick(id, auth.nick));
    } catch (error) {
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
          name = this.validNick(conn.id, first);
        } catch (error) {
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
    if (nick === undefined) return;
    delete this.nicks[conn.id];
    emit(all, "left", { nick });
  },

  snapshot() {
    return { nicks: this.nicks, pings: this.pings };
  },
};

export const { onConnect, onMessage, onEvent, onAck, onDisconnect, state } = serve(chat);

// A test handler for the JavaScript SDK's async world (sio-async.js, built
// as `stateful-async-broadcast-endpoint`, as it hears replies and server
// events: it exports broadcastEvents; tests/node/sdk-async.test.mjs drives
// it, and the same events the Python probe):
//
// * `set(token, ms)`: setTimer, tied to the sender; acked "ok" or the
//   error's code. When it fires, `timer [token]` is emitted to all.
// * `cancel(token)`: cancelTimer, acked whether it was pending.
// * `join(room)`: the sender joins `room`, acked "ok".
// * `who(room|null, ms)`: clusterSockets; the answer's JSON body is emitted
//   to the sender as `who`.
// * `fetch(url)`: httpFetch; the outcome is emitted to all as `fetched
//   [token, {status, body}|{error}]`.
// * `ask(rooms, event, args, ms)`: `broadcast.to(rooms).emitWithAck`, acked
//   with the token; `server-ask(event, args, ms)`: serverEmitWithAck, the
//   same; `server-emit(event, args)`: serverEmit, acked "ok". What comes
//   back (onReplies) is emitted to the asker as `replies {token, replies:
//   [{sid|null, args}], silent: [sid], missing, complete}`.
// * Another node's server event (onServerEvent) is emitted to this node's
//   connections as `server-event [event, args]` and, when the sender
//   waits, answered with `{from: "js", event, args}`.
import {
  all,
  broadcast,
  cancelTimer,
  clusterSockets,
  emit,
  FetchError,
  httpFetch,
  serve,
  serverEmit,
  serverEmitWithAck,
  setTimer,
  to,
} from "../../../guest-sdk-js/sio-async.js";

const verdict = (f) => {
  try {
    f();
    return "ok";
  } catch (e) {
    return e.code ?? String(e);
  }
};

const probe = {
  asked: {}, // cluster query token → conn id
  nextQuery: 0,
  sids: {}, // conn id → Socket.IO id
  waiting: {}, // broadcast-with-ack token → conn id

  onConnect({ conn, sid }) {
    this.sids[conn.id] = sid;
  },

  onDisconnect(conn) {
    delete this.sids[conn.id];
  },

  onEvent(conn, event, args, ack) {
    let reply;
    switch (event) {
      case "ask":
        reply = broadcast.to(args[0]).emitWithAck(args[1], args[2] ?? [], args[3] ?? 0);
        this.waiting[reply] = conn.id;
        break;
      case "server-ask":
        reply = serverEmitWithAck(args[0], args[1] ?? [], args[2] ?? 0);
        this.waiting[reply] = conn.id;
        break;
      case "server-emit":
        reply = verdict(() => serverEmit(args[0], ...(args[1] ?? [])));
        break;
      case "set":
        reply = verdict(() => setTimer(args[0] ?? 0, args[1] ?? 0, conn));
        break;
      case "cancel":
        reply = cancelTimer(args[0] ?? 0);
        break;
      case "join":
        reply = verdict(() => conn.join(String(args[0] ?? "")));
        break;
      case "who": {
        // Tokens 1000.. for queries; `fetch` uses 1.
        const token = 1000 + ++this.nextQuery;
        this.asked[token] = conn.id;
        reply = verdict(() => clusterSockets(token, args[0] ?? undefined, args[1] ?? 0));
        break;
      }
      case "fetch":
        reply = verdict(() => httpFetch(1, String(args[0] ?? ""), { timeoutMs: 5000 }));
        break;
      default:
        reply = "unknown";
    }
    ack?.(reply);
  },

  onReplies(token, replies) {
    const asker = this.waiting[token];
    delete this.waiting[token];
    const sid = (conn) => (conn === undefined ? null : (this.sids[conn.id] ?? null));
    emit(to(asker), "replies", {
      token,
      replies: replies.replies.map((r) => ({ sid: sid(r.conn), args: r.args })),
      silent: replies.silent.map(sid),
      missing: replies.missing,
      complete: replies.complete,
    });
  },

  onServerEvent(event, args, reply) {
    broadcast.local().emit("server-event", event, args);
    reply?.({ from: "js", event, args });
  },

  onTimer(token) {
    emit(all, "timer", token);
  },

  onFetch(token, response) {
    const asker = this.asked[token];
    if (asker !== undefined) {
      delete this.asked[token];
      let answer = null;
      try {
        if (!(response instanceof FetchError)) answer = response.json();
      } catch {}
      emit(to(asker), "who", answer);
      return;
    }
    const outcome =
      response instanceof FetchError ? { error: response.message } : { status: response.status, body: response.text() };
    emit(all, "fetched", token, outcome);
  },
};

export const { onConnect, onMessage, onEvent, onAck, onDisconnect, state, completions, broadcastEvents } =
  serve(probe);

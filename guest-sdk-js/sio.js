// sio-host handlers in JavaScript: the `sio:realtime@0.1.0` contract (wit/)
// made idiomatic, for ComponentizeJS. A handler is a plain object whose
// methods the host calls one at a time; `serve(handler)` turns it into the
// world's exports:
//
//   import { emit, serve } from "sio-guest/sio.js";
//   const echo = {
//     onEvent(conn, event, args, ack) { ack ? ack(...args) : emit(conn.others(), event, ...args); },
//   };
//   export const { onConnect, onMessage, onEvent, onAck, onDisconnect, state } = serve(echo);
//
// and `npx sio-build-js echo.js -o echo.wasm` makes the component (the npm
// package `sio-guest`; inside the sio-host repository handlers import
// "../../guest-sdk-js/sio.js" and build with `node guest-sdk-js/build.mjs`).
//
// Conventions (the same as the Rust SDK's, in JavaScript's terms):
// * Event arguments are JavaScript values: the JSON array the client sent,
//   parsed, with each binary attachment in its place as a Uint8Array; what
//   a handler emits is encoded the same way back (Uint8Array / Buffer /
//   ArrayBuffer values travel as attachments).
// * Connection ids and ack tokens are Numbers (the contract's u64; ids count
//   up from 1, far below 2^53).
// * A refused host call throws a `HostError` whose `code` is the contract's
//   `host-error` name ("unknown-conn", "invalid-name", ...); it had no effect.
// * `onConnect` refuses a client by throwing `Refuse(reason)`; the client
//   gets a connect_error carrying the reason.
// * Anything else a handler method throws is logged (level error) and the
//   event is dropped; the handler keeps serving.
// * State across a hot reload: `snapshot` is JSON.stringify(handler) (or the
//   handler's own `snapshot()` value), `restore` assigns the parsed JSON onto
//   the handler (or calls its `restore(value)`), then `onRestore()`.
// * What belongs to one connection can live in the host instead, as its data
//   (`conn.setData(value)` / `conn.data()`, `sio:realtime/conn-state`): it
//   survives reloads and rebuilds with no snapshot code (docs/state.md).
// * What the whole endpoint shares (taken names, counters) can live in its
//   key-value store (`kv.get(key)`, `kv.set(key, value)`, ...,
//   `sio:realtime/kv`): it outlives reloads and rebuilds and, with a file or
//   Redis store, a restart; with Redis every node sees it. A failed store
//   call throws a `KvError` whose `code` is the contract's `kv-error` name
//   ("unavailable", "too-large", ...); it changed nothing.
// * Broadcasts beyond one target (`sio:realtime/broadcast`), built like
//   Socket.IO's operator: `broadcast.to("a").to("b").except("c")
//   .exceptConn(conn).local().volatile().emit(event, ...args)`,
//   `broadcast.of("/other")...`, `conn.broadcast` (all but `conn`),
//   `broadcast.emitWithAck(event, args, timeoutMs)` → token, and
//   `serverEmit(event, ...args)` / `serverEmitWithAck(..)` for the other
//   nodes of a cluster. The answers and other nodes' events reach
//   `onReplies` / `onServerEvent` in the async worlds (sio-async.js).
// * Connection state recovery (`--recovery`): a client that dropped for a
//   moment and came back with the same connection (id, rooms, data, the
//   events it missed replayed) runs `onConnect` again with `info.recovered`
//   true (false for every new connection), as Node's `socket.recovered`.
//   The handler never heard it leave: greet it again if you like, but do
//   not count it as a new arrival.

import * as host from "sio:realtime/host@0.1.0";
import * as configImport from "sio:realtime/config@0.1.0";
import * as statsImport from "sio:realtime/stats@0.1.0";
import * as connState from "sio:realtime/conn-state@0.1.0";
import * as kvImport from "sio:realtime/kv@0.1.0";
import * as broadcastImport from "sio:realtime/broadcast@0.1.0";
import { decode, encode } from "./args.js";

/** The version of the `sio:realtime` WIT package this SDK is written for
 * (the `@0.1.0` of its imports; `package sio:realtime@0.1.0;` in the WIT it
 * ships). build.mjs refuses to build against a WIT of another version. */
export const WIT_VERSION = "0.1.0";

/** A host call the host refused; `code` is the contract's host-error name. */
export class HostError extends Error {
  constructor(code, what) {
    super(`${what}: ${code}`);
    this.name = "HostError";
    this.code = code;
  }
}

/** A key-value store call that failed; `code` is the contract's kv-error
 * name ("unavailable", "too-large", "limit-exceeded", "not-a-number",
 * "invalid-key"). Nothing was changed. */
export class KvError extends Error {
  constructor(code, what) {
    super(`${what}: ${code}`);
    this.name = "KvError";
    this.code = code;
  }
}

/** Thrown by `onConnect` to refuse a client with `reason`. */
export class Refuse extends Error {
  constructor(reason) {
    super(reason);
    this.name = "Refuse";
  }
}

function call(what, f) {
  try {
    return f();
  } catch (e) {
    throw new HostError(e?.payload ?? String(e), what);
  }
}

// ------------------------------------------------------------------ targets

const id64 = (id) => BigInt(id);

/** Every connection of this endpoint. */
export const all = Object.freeze({ tag: "all" });
/** One connection. */
export const to = (conn) => ({ tag: "conn", val: id64(conn) });
/** Every connection in `name`, but `except` (a connection id) when given. */
export const room = (name, except) =>
  except === undefined ? { tag: "room", val: name } : { tag: "room-except", val: [name, id64(except)] };
/** Every connection of this endpoint but one. */
export const allExcept = (conn) => ({ tag: "all-except", val: id64(conn) });

// ---------------------------------------------------------------- arguments

export { decode, encode, isBinary } from "./args.js";

// -------------------------------------------------------------------- acting

/** Emits `event` with `args` to `target` (`all`, `to(id)`, `room(..)`, ...). */
export function emit(target, event, ...args) {
  const [json, attachments] = encode(args);
  call(`emit ${event}`, () => host.emit(target, event, json, attachments));
}

/** Emits to one connection and asks for an ack: the returned token comes back
 * in the handler's `onAck(conn, token, reply)` (reply undefined on timeout). */
export function emitWithAck(conn, event, args = [], timeoutMs = 0) {
  const [json, attachments] = encode(args);
  return Number(call(`emit ${event}`, () => host.emitWithAck(id64(conn), event, json, attachments, timeoutMs)));
}

/** A plain message (the event "message" for 4.x / 2.x clients). */
export function send(target, text) {
  call("send", () => host.send(target, text));
}

export const join = (conn, name) => call(`join ${name}`, () => host.join(id64(conn), name));
export const leave = (conn, name) => call(`leave ${name}`, () => host.leave(id64(conn), name));
export const disconnect = (conn) => call("disconnect", () => host.disconnect(id64(conn)));

const text = (parts) => parts.map((p) => (typeof p === "string" ? p : JSON.stringify(p))).join(" ");
/** Logs through the host (its log, with the endpoint's name). */
export const log = Object.fromEntries(
  ["trace", "debug", "info", "warn", "error"].map((level) => [level, (...parts) => host.log(level, text(parts))]),
);

/** The endpoint's `[endpoints."/path".config]` values from sio.toml. */
export const config = {
  get: (key) => configImport.get(key),
  values: () => Object.fromEntries(configImport.values()),
};

/** The server's `/stats` document, parsed. */
export const stats = () => JSON.parse(statsImport.json());

// ---------------------------------------------------------------- broadcasts

/** `v` as a list: one value, or every value of an array (or other iterable
 * that is not a string). */
const many = (v) => (typeof v !== "string" && v?.[Symbol.iterator] ? [...v] : [v]);
/** A connection's id as the contract's u64, from a Conn or an id. */
const connId = (c) => id64(c instanceof Conn ? c.id : c);

/**
 * Who an emit reaches and how: Socket.IO's BroadcastOperator over
 * `sio:realtime/broadcast` (docs/handlers.md, "Broadcasts"). Start from
 * `broadcast` (every connection of this endpoint, as Socket.IO's `io`) or
 * `conn.broadcast` (every one but `conn`, as `socket.broadcast`); each
 * method returns a new operator with one more condition, the one it was
 * called on is unchanged:
 *
 *   // Both teams but the mover, dropped for clients that lag:
 *   broadcast.to("red").to("blue").exceptConn(conn).volatile().emit("moved", 1, 2);
 *   // Another endpoint of this host:
 *   broadcast.of("/admin").to("ops").emit("alert", text);
 *   // Everyone, each asked for an ack: the answers reach onReplies(token, ..)
 *   const token = broadcast.emitWithAck("vote?", [], 3000);
 *
 * A connection is in the audience when it is in any of the rooms or is one
 * of the connections named (every connection when neither is given) and in
 * none of the excepted rooms nor excepted itself; it receives the packet
 * once.
 */
export class Broadcast {
  #endpoint;
  #to;
  #flags;

  constructor(endpoint, to, flags) {
    this.#endpoint = endpoint;
    this.#to = to ?? { rooms: [], conns: [], exceptRooms: [], exceptConns: [] };
    this.#flags = flags ?? { local: false, volatile: false };
  }

  #with(key, values) {
    return new Broadcast(this.#endpoint, { ...this.#to, [key]: [...this.#to[key], ...values] }, this.#flags);
  }

  /** Also the connections in `room` (a name, or an array of names). */
  to(room) {
    return this.#with("rooms", many(room));
  }
  /** Also `conn` (a Conn or an id, or an array of them). */
  toConn(conn) {
    return this.#with("conns", many(conn).map(connId));
  }
  /** Not the connections in `room` (a name, or an array of names). */
  except(room) {
    return this.#with("exceptRooms", many(room));
  }
  /** Not `conn` (a Conn or an id, or an array of them): typically the sender. */
  exceptConn(conn) {
    return this.#with("exceptConns", many(conn).map(connId));
  }
  /** This node's connections only: not published to the cluster (Socket.IO's `local`). */
  local() {
    return new Broadcast(this.#endpoint, this.#to, { ...this.#flags, local: true });
  }
  /** Dropped (and counted) for a connection that cannot take it now, instead
   * of queued; never replayed by connection state recovery (`volatile`). */
  volatile() {
    return new Broadcast(this.#endpoint, this.#to, { ...this.#flags, volatile: true });
  }
  /** Another endpoint (namespace) of this host, as `io.of(name)`: the emit
   * is delivered there right after the current handler call ("invalid-name"
   * when there is none). Only `emit` reaches another endpoint. */
  of(endpoint) {
    return new Broadcast(String(endpoint), this.#to, this.#flags);
  }

  /** Who this operator selects, ids as Numbers (for logs and tests). */
  get selector() {
    const ids = (l) => l.map(Number);
    const { rooms, conns, exceptRooms, exceptConns } = this.#to;
    return { rooms: [...rooms], conns: ids(conns), exceptRooms: [...exceptRooms], exceptConns: ids(exceptConns) };
  }

  /** Emits `event` with `args` (binaries travel as attachments), published
   * to the other nodes of a cluster unless `local()`. A refusal throws
   * HostError ("invalid-name" for an empty room or event name, or an
   * endpoint that is not there). Connections named in `toConn` that are
   * not here are left out. */
  emit(event, ...args) {
    const [json, attachments] = encode(args);
    call(`broadcast ${event}`, () =>
      broadcastImport.emit(this.#endpoint, this.#to, this.#flags, event, json, attachments),
    );
  }

  /** Emits `event` with `args` (an array) to every selected connection of
   * every node (this node only when `local()`), each asked for an ack, and
   * returns the token (a Number) that the handler's `onReplies(token,
   * replies)` gets with every answer once all came or `timeoutMs` (0: 5 s)
   * passed. The answers reach handlers of the async worlds (sio-async.js).
   * HostError "invalid-name" on an operator made with `of()`. */
  emitWithAck(event, args = [], timeoutMs = 0) {
    if (this.#endpoint !== undefined) throw new HostError("invalid-name", `broadcast ${event} with ack`);
    const [json, attachments] = encode(args);
    return Number(
      call(`broadcast ${event} with ack`, () =>
        broadcastImport.emitWithAck(this.#to, this.#flags, event, json, attachments, timeoutMs),
      ),
    );
  }
}

/** Every connection of this endpoint, as Socket.IO's `io`: the start of
 * every broadcast (`broadcast.to(room)...`, `broadcast.emit(..)`). */
export const broadcast = new Broadcast();

/** JSON text of server-event arguments, which carry no attachments. */
function serverArgs(what, args) {
  const [json, attachments] = encode(args);
  if (attachments.length) throw new TypeError(`${what}: binary arguments cannot go to other nodes`);
  return json;
}

/** Sends `event` with `args` to this endpoint on every other node of the
 * cluster (Socket.IO's `serverSideEmit`): sio-host handlers hear it in
 * `onServerEvent`, Node servers in `io.of(nsp).on(event)`. Not to this
 * node; nothing happens without a cluster. Arguments are JSON values (no
 * binaries: a TypeError). */
export function serverEmit(event, ...args) {
  const json = serverArgs(`server-emit ${event}`, args);
  call(`server-emit ${event}`, () => broadcastImport.serverEmit(event, json));
}

/** `serverEmit` asking every other node for an answer
 * (`serverSideEmitWithAck`): returns the token (a Number) that
 * `onReplies(token, replies)` gets once every node answered or `timeoutMs`
 * (0: 5 s) passed; at once, with no replies, without a cluster. */
export function serverEmitWithAck(event, args = [], timeoutMs = 0) {
  const json = serverArgs(`server-emit ${event}`, args);
  return Number(call(`server-emit ${event}`, () => broadcastImport.serverEmitWithAck(event, json, timeoutMs)));
}

/** The `reply` function handed to `onServerEvent` when the sending node
 * waits: answers with `args` (a Node peer receives the first). A refusal
 * (the sender stopped waiting) is logged, as a refused ack is. */
export function serverReply(id, event) {
  return (...args) => {
    const json = serverArgs(`reply to ${event}`, args);
    try {
      broadcastImport.serverAck(id64(id), json);
    } catch (e) {
      log.warn(`reply to server event ${event} refused: ${e?.payload ?? e}`);
    }
  };
}

// ---------------------------------------------------------------- conn-state

/** JSON text of a connection's data; `undefined` clears it as `null` does.
 * A value JSON cannot encode (a BigInt, a cycle) is refused as the host
 * refuses text that is not JSON: HostError "invalid-json". */
function dataJson(value) {
  try {
    return JSON.stringify(value) ?? "null";
  } catch {
    throw new HostError("invalid-json", "set-data");
  }
}

/** The connections in `room` on this node (Conn objects), ids ascending. */
export const roomConns = (name) => Array.from(connState.roomConns(name), (id) => new Conn(Number(id)));
/** How many connections `room` has on this node. */
export const roomSize = (name) => connState.roomSize(name);

// ------------------------------------------------------------------------ kv

/** Runs a store call: a refusal (the binding throws its kv-error name as
 * `payload`) becomes a KvError; anything else (a wrong argument type) is
 * thrown as it is. */
function kvCall(what, f) {
  try {
    return f();
  } catch (e) {
    if (typeof e?.payload === "string") throw new KvError(e.payload, what);
    throw e;
  }
}

const S64_MIN = -(2n ** 63n);
const S64_MAX = 2n ** 63n - 1n;
/** How many times `decrement` tries before it gives up ("unavailable"). */
const DECREMENT_TRIES = 32;

/** `increment` with a negative delta. ComponentizeJS 0.23.0 traps (kills
 * the call) when a guest passes a negative s64 to an import
 * (bytecodealliance/ComponentizeJS#343), so it is done with calls that
 * pass none: `increment(key, 0)` reads the integer (the store's own rules:
 * 0 when absent, not-a-number, and the value written back as plain digits),
 * then `compare-and-swap` from those digits to the sum, which fails only if
 * another call changed the key in between; then it tries again. Atomic all
 * the same, two store calls each try (they count towards the server's
 * max-ops-per-call). */
function decrement(key, delta) {
  for (let i = 0; i < DECREMENT_TRIES; i++) {
    const now = kvCall("kv increment", () => kvImport.increment(key, 0n));
    const next = now + delta;
    if (next < S64_MIN) throw new KvError("not-a-number", "kv increment"); // as the store's overflow
    if (kvCall("kv increment", () => kvImport.compareAndSwap(key, String(now), String(next)))) return next;
  }
  throw new KvError("unavailable", "kv increment");
}

/** `undefined` and `null` are the contract's `none`. */
const optional = (value) => value ?? undefined;

/**
 * The endpoint's key-value store (`sio:realtime/kv`, docs/state.md): keys
 * scoped to this endpoint, string values (JSON by convention), kept by the
 * host in memory, a file or the cluster's Redis. Every call answers at once
 * or throws `KvError` "unavailable" within the server's store timeout.
 *
 *   // Claim a nickname for the whole cluster, once:
 *   const mine = kv.compareAndSwap("nick:alice", null, "user-1");
 *   // Count something:
 *   const n = kv.increment("visits", 1);
 *   // JSON values:
 *   kv.setJson("profile:user-1", { color: "blue" });
 */
export const kv = Object.freeze({
  /** The value at `key` (a string), `undefined` when absent. */
  get: (key) => optional(kvCall("kv get", () => kvImport.get(key))),
  /** `key` holds `value` (a string) from now on. */
  set: (key, value) => {
    kvCall("kv set", () => kvImport.set(key, value));
  },
  /** Removes `key`; whether it was there. */
  delete: (key) => kvCall("kv delete", () => kvImport.delete(key)),
  /** Adds `delta` to the integer at `key` (0 when absent), atomically; the
   * new value. A Number `delta` gives a Number (exact up to 2^53), a BigInt
   * one a BigInt (the whole 64-bit range); a delta that is not a 64-bit
   * integer throws a RangeError. */
  increment: (key, delta) => {
    const d = BigInt(delta); // a RangeError for 1.5, NaN, ...
    if (d < S64_MIN || d > S64_MAX) throw new RangeError(`kv increment: ${delta} is not a 64-bit integer`);
    const n = d >= 0n ? kvCall("kv increment", () => kvImport.increment(key, d)) : decrement(key, d);
    return typeof delta === "bigint" ? n : Number(n);
  },
  /** Atomically: when `key` holds `expected` (`null`/`undefined`: absent),
   * makes it hold `replacement` (`null`/`undefined`: removes it). Whether
   * it did. Claiming a name: `compareAndSwap(k, null, me)`; releasing it
   * only while still one's own: `compareAndSwap(k, me, null)`. */
  compareAndSwap: (key, expected, replacement) =>
    kvCall("kv compare-and-swap", () => kvImport.compareAndSwap(key, optional(expected), optional(replacement))),
  /** The value at `key` parsed as JSON; `undefined` when absent or not JSON. */
  getJson: (key) => {
    const text = kv.get(key);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  },
  /** `key` holds `value` as JSON (`undefined` as `null`). A value JSON
   * cannot encode (a BigInt, a cycle) stores nothing and throws KvError
   * "too-large", the store's "this value cannot be kept". */
  setJson: (key, value) => {
    let json;
    try {
      json = JSON.stringify(value) ?? "null";
    } catch {
      throw new KvError("too-large", "kv set");
    }
    kv.set(key, json);
  },
});

/** One client's connection to this endpoint. */
export class Conn {
  constructor(id) {
    this.id = id;
  }
  emit(event, ...args) {
    emit(to(this.id), event, ...args);
  }
  emitWithAck(event, args, timeoutMs) {
    return emitWithAck(this.id, event, args, timeoutMs);
  }
  send(text) {
    send(to(this.id), text);
  }
  join(name) {
    join(this.id, name);
  }
  leave(name) {
    leave(this.id, name);
  }
  disconnect() {
    disconnect(this.id);
  }
  /** Sets this connection's data, kept by the host: any JSON value (`null`
   * or `undefined` clears it). It survives hot reloads and rebuilds with no
   * snapshot code, other nodes' fetchSockets() see it as the socket's
   * `data`, and it is gone when the connection leaves. */
  setData(value) {
    const json = dataJson(value);
    call("set-data", () => connState.setData(id64(this.id), json));
  }
  /** `setData` with JSON text. */
  setDataRaw(json) {
    call("set-data", () => connState.setData(id64(this.id), json));
  }
  /** This connection's data, parsed; `null` when none is set. */
  data() {
    return JSON.parse(this.dataRaw());
  }
  /** This connection's data as JSON text (`"null"` when none is set). */
  dataRaw() {
    return call("data", () => connState.data(id64(this.id)));
  }
  /** The rooms this connection is in, sorted, the one named by its
   * Socket.IO id included (Socket.IO's `socket.rooms`). */
  rooms() {
    return [...call("rooms", () => connState.rooms(id64(this.id)))];
  }
  /** Every connection of the endpoint but this one (a target). */
  others() {
    return allExcept(this.id);
  }
  /** A broadcast to every connection but this one, as Socket.IO's
   * `socket.broadcast`: `conn.broadcast.to("room").emit(..)`. */
  get broadcast() {
    return broadcast.exceptConn(this.id);
  }
  toString() {
    return `conn ${this.id}`;
  }
}

// ------------------------------------------------------------------- serving

/** What a thrown value says: its message, and where (SpiderMonkey's stack
 * holds the frames only). */
const described = (e) => (e?.stack ? `${e}\n${e.stack}` : String(e));

/** Run `f`, logging what it throws as `what` failed (sio-async.js too). */
export function guarded(what, f) {
  try {
    f();
  } catch (e) {
    log.error(`${what} failed: ${described(e)}`);
  }
}

/**
 * The world's exports for `handler`, whose optional methods are
 *   onConnect(info)                  info: { id, conn, sid, endpoint, protocol, transport,
 *                                      remoteAddr, query, headers, auth (parsed or undefined),
 *                                      recovered: true when it is a connection coming back
 *                                      through connection state recovery, not a new one }
 *   onMessage(conn, text)
 *   onEvent(conn, event, args, ack)  ack: function(...reply) when the client asked for one
 *   onAck(conn, token, reply)        reply: the client's arguments, undefined on timeout
 *   onDisconnect(conn, reason)
 *   onRestore()                      after a hot reload handed the state over
 * and, to shape the hand-over, snapshot() / restore(value).
 */
export function serve(handler) {
  return {
    onConnect(info) {
      const conn = new Conn(Number(info.id));
      let auth;
      try {
        auth = info.auth === undefined ? undefined : JSON.parse(info.auth);
      } catch {
        auth = undefined; // the host only passes valid JSON; be safe anyway
      }
      // Asked here, always, so every handler imports `recovered` and the
      // host gives it the second onConnect of a recovery (as the Rust SDK).
      const recovered = connState.recovered(info.id);
      try {
        handler.onConnect?.({ ...info, id: conn.id, conn, auth, recovered });
      } catch (e) {
        if (e instanceof Refuse) throw e.message;
        log.error(`onConnect failed: ${described(e)}`);
        throw "handler error";
      }
    },
    onMessage(id, text) {
      guarded("onMessage", () => handler.onMessage?.(new Conn(Number(id)), text));
    },
    onEvent(id, event, argsJson, attachments, ackId) {
      const conn = new Conn(Number(id));
      let ack;
      if (ackId !== undefined) {
        // Nobody could act on a refused ack (the client left): it is logged.
        ack = (...reply) => {
          const [json, bins] = encode(reply);
          try {
            host.ack(id64(id), ackId, json, bins);
          } catch (e) {
            log.warn(`ack of ${event} refused: ${e?.payload ?? e}`);
          }
        };
      }
      guarded(`onEvent ${event}`, () => handler.onEvent?.(conn, event, decode(argsJson, attachments), ack));
    },
    onAck(id, token, argsJson, attachments) {
      const reply = argsJson === undefined ? undefined : decode(argsJson, attachments);
      guarded("onAck", () => handler.onAck?.(new Conn(Number(id)), Number(token), reply));
    },
    onDisconnect(id, reason) {
      guarded("onDisconnect", () => handler.onDisconnect?.(new Conn(Number(id)), reason));
    },
    state: {
      snapshot() {
        try {
          const value = handler.snapshot ? handler.snapshot() : handler;
          return new TextEncoder().encode(JSON.stringify(value));
        } catch (e) {
          throw `serializing the handler's state: ${e}`;
        }
      },
      restore(bytes) {
        try {
          const value = JSON.parse(new TextDecoder().decode(bytes));
          if (handler.restore) handler.restore(value);
          else Object.assign(handler, value);
        } catch (e) {
          throw `the previous version's state does not fit: ${e}`;
        }
        guarded("onRestore", () => handler.onRestore?.());
      },
    },
  };
}

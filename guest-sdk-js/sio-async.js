// sio-host handlers in JavaScript with asynchronous work: the
// `async-endpoint` / `stateful-async-endpoint` worlds (docs/async.md), and
// the `async-broadcast-endpoint` / `stateful-async-broadcast-endpoint` ones.
// Everything of sio.js, plus timers, holding a connection's later events
// while its work is pending, outbound HTTP and cluster-wide socket queries,
// each started with a token the handler chooses and completed later in its
// `onTimer(token)` / `onFetch(token, response)`:
//
//   import { emit, serve, setTimer, room } from "sio-guest/sio-async.js";
//   const ticker = {
//     onEvent(conn, event, [token, ms]) { if (event === "later") setTimer(token, ms, conn); },
//     onTimer(token) { emit(room("all"), "tick", token); },
//   };
//   export const { onConnect, onMessage, onEvent, onAck, onDisconnect, state, completions } = serve(ticker);
//
// built with `npx sio-build-js ticker.js -o ticker.wasm --world
// stateful-async-endpoint` (or `async-endpoint`). It is a module of its own
// because it imports `sio:realtime/async-host`, which only the async worlds
// have: a handler of the `endpoint` / `stateful-endpoint` worlds imports
// sio.js and never loads this one.
//
// Tokens are Numbers (or BigInts; the contract's u64), as ack tokens are.
// A refused call throws a `HostError` (nothing was started).
//
// What comes back from sio.js's broadcasts with acks (`broadcast.emitWithAck`,
// `serverEmitWithAck`) reaches the handler's `onReplies(token, replies)`,
// and other nodes' server events its `onServerEvent(event, args, reply)`,
// in a handler of the broadcast worlds: it adds `broadcastEvents` to its
// exports (`serve` returns it whatever the world) and is built with
// `--world stateful-async-broadcast-endpoint` (or
// `async-broadcast-endpoint`):
//
//   export const { onConnect, onMessage, onEvent, onAck, onDisconnect, state, completions, broadcastEvents } =
//     serve(poll);
//
// Built for `async-endpoint` / `stateful-async-endpoint`, a handler hears
// none of it (the host calls no onReplies / onServerEvent; sio-build-js
// warns when such a handler exports `broadcastEvents`, which those worlds
// leave out).

import * as asyncHost from "sio:realtime/async-host@0.1.0";
import { Conn, HostError, decode, guarded, serve as serveSync, serverReply } from "./sio.js";

export * from "./sio.js";

const u64 = (token) => BigInt(token);
const connId = (conn) => (conn === undefined || conn === null ? undefined : BigInt(conn instanceof Conn ? conn.id : conn));

function call(what, f) {
  try {
    return f();
  } catch (e) {
    throw new HostError(e?.payload ?? String(e), what);
  }
}

/** Calls the handler's `onTimer(token)` once, after `delayMs`. A timer tied
 * to `conn` (a Conn or an id) is cancelled when that connection leaves.
 * Setting a pending token re-arms it. Timers belong to the host: they
 * survive hot reloads and rebuilds. */
export function setTimer(token, delayMs, conn) {
  call("set-timer", () => asyncHost.setTimer(u64(token), delayMs, connId(conn)));
}

/** Cancels a pending timer: true when it was pending (it will not fire). */
export const cancelTimer = (token) => asyncHost.cancelTimer(u64(token));

/** Parks `conn` (a Conn or an id): its later events and messages wait in
 * the host, in order, until `release(conn)`. Acks, timers and fetch
 * results still arrive. */
export function hold(conn) {
  call("hold", () => asyncHost.hold(connId(conn)));
}

/** Un-parks `conn`: the events that waited reach the handler, in order, as
 * soon as the current call returns. */
export function release(conn) {
  call("release", () => asyncHost.release(connId(conn)));
}

Conn.prototype.hold = function () {
  hold(this.id);
};
Conn.prototype.release = function () {
  release(this.id);
};

const utf8 = new TextEncoder();

/** Starts an outbound HTTP request (an absolute `http://` URL whose host
 * the endpoint's `http-allow` lists); its outcome reaches the handler's
 * `onFetch(token, response)`. `options`: `method` ("GET"), `headers` (an
 * object or [name, value] pairs), `body` (a string or bytes), `timeoutMs`
 * (0: the host's default, 10 s). */
export function httpFetch(token, url, { method = "GET", headers = [], body, timeoutMs = 0 } = {}) {
  const pairs = Array.isArray(headers) ? headers : Object.entries(headers);
  let bytes;
  if (body === undefined || body === null) bytes = new Uint8Array();
  else if (typeof body === "string") bytes = utf8.encode(body);
  else if (body instanceof ArrayBuffer) bytes = new Uint8Array(body);
  else bytes = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  const request = { method, url, headers: pairs.map(([k, v]) => [String(k), String(v)]), body: bytes, timeoutMs };
  call(`http-fetch ${url}`, () => asyncHost.httpFetch(u64(token), request));
}

/** Asks every node of the cluster which sockets are in `room` (every socket
 * when none): this node and, with `--redis`, every other one (Node
 * Socket.IO peers too). The answer reaches `onFetch(token, response)` as a
 * 200 response whose `json()` is `{sockets: [{id, handshake, rooms, data},
 * ..], nodes, missing}` (`missing`: nodes that did not answer within
 * `timeoutMs`, 0 meaning 5 s). */
export function clusterSockets(token, room, timeoutMs = 0) {
  call("cluster-sockets", () => asyncHost.clusterSockets(u64(token), room ?? undefined, timeoutMs));
}

/** An HTTP response (or a cluster-sockets answer) handed to `onFetch`. */
export class Response {
  constructor({ status, headers, body }) {
    this.status = status;
    /** [name, value] pairs, names lower-case. */
    this.headers = headers;
    /** The body's bytes (a Uint8Array). */
    this.body = body;
  }
  /** The first value of header `name`, undefined when absent. */
  header(name) {
    const lower = name.toLowerCase();
    return this.headers.find(([k]) => k === lower)?.[1];
  }
  /** The body as text (UTF-8, lossy). */
  text() {
    return new TextDecoder().decode(this.body);
  }
  /** The body parsed as JSON (throws when it is not JSON). */
  json() {
    return JSON.parse(this.text());
  }
}

/** Handed to `onFetch` instead of a Response when there is none; `message`
 * says why (host not allowed, connection refused, timeout, ...). */
export class FetchError extends Error {
  constructor(reason) {
    super(reason);
    this.name = "FetchError";
  }
}

/** One answer to a broadcast with acks or a server emit with acks. */
export class Reply {
  constructor(conn, args) {
    /** The Conn that answered, when it is on this node; undefined for
     * another node's client or a server node's answer. */
    this.conn = conn;
    /** Its arguments, decoded as an event's are (a Node peer relays its
     * client's first argument only). */
    this.args = args;
  }
}

/** Everything that came back for one token, handed to `onReplies`. */
export class Replies {
  constructor({ replies, silent, missing }) {
    /** Every answer that came in time, in arrival order (Reply objects). */
    this.replies = replies.map(
      (r) => new Reply(r.conn === undefined ? undefined : new Conn(Number(r.conn)), decode(r.argsJson, r.attachments)),
    );
    /** This node's connections (Conns) that were asked and did not answer
     * in time, or left first. */
    this.silent = Array.from(silent, (id) => new Conn(Number(id)));
    /** How many clients of other nodes (for a server emit: other nodes)
     * did not answer in time. */
    this.missing = missing;
  }
  /** Whether everyone asked answered in time. */
  get complete() {
    return this.silent.length === 0 && this.missing === 0;
  }
}

/**
 * sio.js's `serve(handler)` plus the async worlds' other exports:
 * `completions`, which calls the handler's optional
 *   onTimer(token)             a timer set with setTimer(token, ..) is due
 *   onFetch(token, response)   httpFetch / clusterSockets(token, ..) completed:
 *                              a Response, or a FetchError when there is none
 * and `broadcastEvents` (the broadcast worlds' export), which calls its
 * optional
 *   onReplies(token, replies)  broadcast.emitWithAck / serverEmitWithAck
 *                              returned `token`: the Replies that came back
 *   onServerEvent(event, args, reply)
 *                              another node's serverEmit (or Node's
 *                              serverSideEmit) for this endpoint; `reply`
 *                              a function(...args) when that node waits
 *                              for an answer, else undefined
 * Tokens arrive as Numbers. The handler module exports what its world has:
 *   export const { onConnect, onMessage, onEvent, onAck, onDisconnect, state,
 *                  completions } = serve(handler);
 * for `stateful-async-endpoint` (`async-endpoint`: without `state`), and
 * with `broadcastEvents` too for `stateful-async-broadcast-endpoint`
 * (`async-broadcast-endpoint`: without `state`).
 */
export function serve(handler) {
  return {
    ...serveSync(handler),
    completions: {
      onTimer(token) {
        guarded("onTimer", () => handler.onTimer?.(Number(token)));
      },
      onFetch(token, result) {
        const response = result.tag === "ok" ? new Response(result.val) : new FetchError(String(result.val));
        guarded("onFetch", () => handler.onFetch?.(Number(token), response));
      },
    },
    broadcastEvents: {
      onReplies(token, replies) {
        guarded("onReplies", () => handler.onReplies?.(Number(token), new Replies(replies)));
      },
      onServerEvent(event, argsJson, reply) {
        const answer = reply === undefined ? undefined : serverReply(reply, event);
        guarded(`onServerEvent ${event}`, () => handler.onServerEvent?.(event, decode(argsJson, []), answer));
      },
    },
  };
}

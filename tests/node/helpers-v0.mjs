// socket.io-client 0.9 (Socket.IO protocol 1, TornadIO2's clients), installed
// as the npm alias "socket.io-client-v0", for the tests that check sio-host
// serves it unchanged.
//
// `require('socket.io-client-v0')` fails on today's Node ("io is not
// defined" in lib/util.js: its modules expect a sloppy-mode global `io`), so
// the browser build (dist/socket.io.js) runs in a vm context shaped like the
// page it was written for: `WebSocket` is the package's own ws@0.4,
// `XMLHttpRequest` the xmlhttprequest package it depends on, and `location`
// the server's origin, so that the handshake is a same-origin XHR (the
// client would pick JSONP, which needs a DOM, for a cross-origin one). In
// Node the client then speaks websocket, as it does for Node users.
//
// One context per server: the client keeps one Socket per host:port.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import vm from "node:vm";

import { repoRoot, waitFor } from "./helpers.mjs";

const packageDir = path.join(repoRoot, "node_modules", "socket.io-client-v0");
export const distPath = path.join(packageDir, "dist", "socket.io.js");
const requireFromPackage = createRequire(path.join(packageDir, "package.json"));
const source = readFileSync(distPath, "utf8");
const script = new vm.Script(source, { filename: distPath });

/** The 0.9 client's `io` for pages served from `url` (e.g. http://127.0.0.1:PORT). */
export function loadV0(url) {
  const origin = new URL(url);
  const WebSocket = requireFromPackage("ws");
  const { XMLHttpRequest } = requireFromPackage("xmlhttprequest");
  const module = { exports: {} };
  const context = vm.createContext({
    module,
    WebSocket,
    XMLHttpRequest,
    location: {
      protocol: origin.protocol,
      hostname: origin.hostname,
      host: origin.host,
      port: origin.port,
      href: origin.href,
    },
    setTimeout,
    clearTimeout,
    setInterval,
    clearInterval,
    console,
  });
  script.runInContext(context);
  return module.exports;
}

const sockets = new Set();

/**
 * Connects a 0.9 client to `url` + `endpoint` (`""` for the root endpoint,
 * `"/chat"` for another one over the same connection). Options are the 0.9
 * client's (`"force new connection"`, `reconnect`, `transports`, ...).
 * Resolves with the namespace socket once it emitted `connect`.
 */
export async function connectV0(io, url, endpoint = "", opts = {}, setup = () => {}) {
  const socket = io.connect(url + endpoint, { reconnect: false, "connect timeout": 5000, ...opts });
  sockets.add(socket);
  setup(socket);
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no connect on ${endpoint || "/"} within 10 s`)), 10_000);
    socket.on("connect", () => {
      clearTimeout(timer);
      resolve();
    });
    socket.on("connect_failed", () => {
      clearTimeout(timer);
      reject(new Error(`connect_failed on ${endpoint || "/"}`));
    });
    socket.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`error on ${endpoint || "/"}: ${e}`));
    });
  });
  return socket;
}

/** A value from the client's vm context as a plain value of this realm
 * (its objects have another `Object.prototype`, which deepStrictEqual sees). */
export function plain(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/** Resolves with the (plain) args of the first `event` on a 0.9 emitter for
 * which `pred` holds; rejects after `ms`. */
export function waitForV0(emitter, event, pred = () => true, ms = 5000) {
  return waitFor(emitter, event, (...args) => pred(...plain(args)), ms).then(plain);
}

/** The ack of `socket.emit(event, ...args, cb)` (an `id+` data ack), as an array. */
export function emitWithAckV0(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for "${event}" within 5 s`)), 5000);
    socket.emit(event, ...args, (...res) => {
      clearTimeout(timer);
      resolve(plain(res));
    });
  });
}

/** Disconnects every socket made by `connectV0`. */
export function closeClientsV0() {
  for (const s of sockets) {
    try {
      s.socket.disconnect();
    } catch {
      // Already gone.
    }
  }
  sockets.clear();
}

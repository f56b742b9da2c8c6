// socket.io-client 2.x (Engine.IO 3 / Socket.IO 4), installed as the npm alias
// "socket.io-client-v2", for the tests that check sio-host serves it unchanged.
// Server start-up and event helpers are shared with helpers.mjs.

import ioV2 from "socket.io-client-v2";

export { ioV2 };

const clients = new Set();

/**
 * A new 2.x socket (own Manager, no reconnection). `setup(socket)` runs before
 * the connection opens, to catch events sent on connect. Resolves once the
 * namespace is connected; rejects on a connect_error or a namespace `error`
 * (what a 2.x client gets for a refused CONNECT).
 */
export async function connectV2(url, opts = {}, setup = () => {}) {
  const socket = ioV2(url, { forceNew: true, reconnection: false, timeout: 10_000, ...opts });
  clients.add(socket);
  setup(socket);
  await new Promise((resolve, reject) => {
    const done = (fn) => (arg) => {
      socket.off("connect", onConnect);
      socket.off("connect_error", onError);
      socket.off("error", onError);
      fn(arg);
    };
    const onConnect = done(resolve);
    const onError = done((err) => reject(err instanceof Error ? err : new Error(String(err))));
    socket.once("connect", onConnect);
    socket.once("connect_error", onError);
    socket.once("error", onError);
  });
  return socket;
}

/**
 * Resolves with what the server refused a 2.x CONNECT with (the namespace
 * `error` event's payload); rejects if the socket connects instead.
 */
export async function refusalV2(url, opts = {}) {
  const socket = ioV2(url, { forceNew: true, reconnection: false, timeout: 10_000, ...opts });
  clients.add(socket);
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("neither connect nor error within 10 s")), 10_000);
      socket.once("error", (err) => {
        clearTimeout(timer);
        resolve(err);
      });
      socket.once("connect", () => {
        clearTimeout(timer);
        reject(new Error("connected, but a refusal was expected"));
      });
    });
  } finally {
    socket.close();
  }
}

/** The ack of `socket.emit(event, ...args, cb)`, as an array; rejects after `ms`. */
export function emitWithAckV2(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for "${event}" within 5 s`)), 5000);
    socket.emit(event, ...args, (...res) => {
      clearTimeout(timer);
      resolve(res);
    });
  });
}

/** Closes every socket made by `connectV2` / `refusalV2`. */
export function closeClientsV2() {
  for (const s of clients) s.close();
  clients.clear();
}

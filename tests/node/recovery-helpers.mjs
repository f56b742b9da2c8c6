// What the connection state recovery tests share (recovery*.test.mjs):
// the server's arguments, a reconnecting client, and cutting its transport.

import { connect, wasm } from "./helpers.mjs";

/** `sio-host run` arguments: recovery on, short pings, the recovery probe
 * (tests/handlers/recovery-probe) at `/`; `extra` flags before it. */
export const probeArgs = (...extra) => [
  "--recovery",
  "--ping-interval", "300",
  "--ping-timeout", "300",
  ...extra,
  `/=${wasm("recovery_probe")}`,
];

/** A client that reconnects (as apps do), connected; `setup` runs first. */
export async function reconnecting(url, opts = {}, setup = () => {}) {
  return connect(url, { reconnection: true, reconnectionDelay: 50, reconnectionDelayMax: 100, ...opts }, setup);
}

/** Cut the client's transport under it without a close handshake: the server
 * sees the connection drop, the client reconnects. */
export function cut(socket) {
  const transport = socket.io.engine.transport;
  if (transport.ws) transport.ws.terminate?.() ?? transport.ws.close();
  else socket.io.engine.close();
}


// The cost of a key-value store call made by a handler (sio:realtime/kv),
// per backend: memory, a redb file, Redis on loopback. One client asks the
// hostile test handler (`kv-bench` [op, n]) for n calls of one kind in one
// event and times the round trip; ROUNDS events of N calls each, the median
// event's time divided by N. Also echo's round trip beside it, the cost of
// the call with no store work at all.
//
//   node bench/kv.mjs            (SIO_HOST_BIN, SIO_WASM_DIR, REDIS_SERVER as in tests/node)
//
// Needs the debug or release host (SIO_HOST_BIN; release gives the figures
// worth writing down), hostile.wasm (`cargo xtask build-wasm`) and
// redis-server.

import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { closeClients, connect, startServer, wasm } from "../tests/node/helpers.mjs";
import { startRedis } from "../tests/node/redis-server.mjs";

const N = Number(process.env.N || 1000);
const ROUNDS = Number(process.env.ROUNDS || 7);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(label, args) {
  const server = await startServer(["/hostile=" + wasm("hostile"), ...args], { label: `kv-${label}` });
  const s = await connect(`${server.url}/hostile`, { transports: ["websocket"] });
  const rows = [];
  for (const op of ["set", "get", "incr", "cas"]) {
    const times = [];
    for (let r = 0; r < ROUNDS; r++) {
      const t = process.hrtime.bigint();
      const failed = await s.timeout(60_000).emitWithAck("kv-bench", op, N);
      const us = Number(process.hrtime.bigint() - t) / 1000;
      if (failed) throw new Error(`${label} ${op}: ${failed} calls failed`);
      times.push(us / N);
    }
    rows.push(`${op} ${median(times).toFixed(2)} µs`);
  }
  closeClients();
  await server.stop();
  console.log(`${label.padEnd(8)} per call: ${rows.join(", ")}`);
}

const dir = mkdtempSync(path.join(os.tmpdir(), "sio-kv-bench-"));
const redis = await startRedis();
try {
  await measure("memory", []);
  await measure("file", ["--store-path", path.join(dir, "store.redb")]);
  await measure("redis", ["--redis", redis.url]);
} finally {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}

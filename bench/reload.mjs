// Hot reload: how long from writing a component file to the new version
// answering, with wasmtime's compilation cache cold and warm; and event
// latency (p50/p99) while reloads happen against steady state.
//
//   cargo xtask build-wasm && cargo build --release -p sio-host
//   node bench/reload.mjs [path/to/sio-host] [path/to/wasm-dir]
//
// Uses the counting handlers of the tests (counter_a.wasm answers "a",
// counter_b.wasm "b", both hand their state over). The server runs with
// --watch, a fresh XDG_CACHE_HOME (an empty compilation cache), on loopback.
//
// * write → live: one websocket client sends `n` events back to back; a
//   build is written (a temporary file renamed over the served one) and the
//   time to the first answer tagged with the new build is taken. Triggered
//   by the watcher (includes its 150 ms debounce) or by `sio-host reload`
//   right after the write. "Cold": the build's bytes were never compiled
//   (a custom section with a fresh tag is appended, so the cache misses);
//   "warm": the same two builds alternate, both compiled before.
// * latency: CLIENTS clients (half websocket, half polling) each send an
//   `n` event every INTERVAL_MS (the next one once the answer is in, at the
//   earliest), round trip timed, for PHASE_MS with no reloads, then PHASE_MS
//   with a warm reload (`sio-host reload`) every RELOAD_EVERY_MS.
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { fresh } from "./fresh-bytes.mjs";

const bin = resolve(process.argv[2] ?? "target/release/sio-host");
const wasmDir = resolve(process.argv[3] ?? "target/wasm32-wasip2/release");
process.env.SIO_HOST_BIN = bin;
const { connect, closeClients, startServer, sleep } = await import("../tests/node/helpers.mjs");
const run = promisify(execFile);

const CLIENTS = 100;
const INTERVAL_MS = 50;
const PHASE_MS = 8000;
const RELOAD_EVERY_MS = 250;
const COLD_RUNS = 5;
const WARM_RUNS = 10;

const dir = mkdtempSync(join(tmpdir(), "sio-bench-reload-"));
const cacheHome = join(dir, "cache");
const file = join(dir, "counter.wasm");
const adminFile = join(dir, "admin.json");
const a = readFileSync(join(wasmDir, "counter_a.wasm"));
const b = readFileSync(join(wasmDir, "counter_b.wasm"));

function install(bytes) {
  writeFileSync(`${file}.tmp`, bytes);
  renameSync(`${file}.tmp`, file);
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const median = (xs) => pct([...xs].sort((x, y) => x - y), 50);

copyFileSync(join(wasmDir, "counter_a.wasm"), file);
process.env.XDG_CACHE_HOME = cacheHome;
const server = await startServer(["--watch", "--admin-file", adminFile, `/=${file}`], {
  label: "bench-reload",
});

try {
  // ---------------------------------------------------------------- write → live
  const probe = await connect(server.url, { transports: ["websocket"] });
  let seq = 0;
  const ask = () =>
    new Promise((res) => probe.emit("n", ++seq, (version) => res(version)));
  let current = (await ask()) ?? "a";

  async function writeToLive(bytes, version, viaAdmin) {
    const t0 = now();
    install(bytes);
    if (viaAdmin) {
      const r = run(bin, ["reload", "--admin-file", adminFile]);
      // Answers come from the old version until the swap.
      for (;;) {
        if ((await ask()) === version) break;
      }
      await r;
    } else {
      const deadline = t0 + 30_000;
      for (;;) {
        if ((await ask()) === version) break;
        if (now() > deadline) throw new Error(`version ${version} never went live`);
      }
    }
    current = version;
    return now() - t0;
  }

  const results = {};
  let tag = 0;
  for (const [mode, viaAdmin] of [["watch", false], ["admin", true]]) {
    const cold = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      const next = current === "a" ? "b" : "a";
      cold.push(await writeToLive(fresh(next === "a" ? a : b, `${mode}-${tag++}`), next, viaAdmin));
      await sleep(300); // let the watcher settle
    }
    // Make sure both plain builds are in the cache, then alternate them.
    for (const v of ["b", "a", "b", "a"]) {
      if (v !== current) await writeToLive(v === "a" ? a : b, v, viaAdmin);
      await sleep(300);
    }
    const warm = [];
    for (let i = 0; i < WARM_RUNS; i++) {
      const next = current === "a" ? "b" : "a";
      warm.push(await writeToLive(next === "a" ? a : b, next, viaAdmin));
      await sleep(300);
    }
    results[mode] = { cold, warm };
  }
  probe.disconnect();

  // ------------------------------------------------------------------ latency
  const clients = [];
  for (let i = 0; i < CLIENTS; i++) {
    const transports = i % 2 === 0 ? ["websocket"] : ["polling"];
    clients.push({ socket: await connect(server.url, { transports }), kind: transports[0], seq: 0 });
  }
  let phase = null;
  let stop = false;
  const samples = { steady: { websocket: [], polling: [] }, reloading: { websocket: [], polling: [] } };
  const loops = clients.map(async (c, i) => {
    await sleep((i * INTERVAL_MS) / CLIENTS); // spread the clients out
    while (!stop) {
      const t0 = now();
      await new Promise((res) => c.socket.emit("n", ++c.seq, res));
      const rtt = now() - t0;
      if (phase) samples[phase][c.kind].push(rtt);
      await sleep(Math.max(0, INTERVAL_MS - rtt));
    }
  });
  await sleep(1000); // warm up
  phase = "steady";
  await sleep(PHASE_MS);
  phase = "reloading";
  const end = now() + PHASE_MS;
  let reloads = 0;
  while (now() < end) {
    const t0 = now();
    install(current === "a" ? b : a);
    current = current === "a" ? "b" : "a";
    await run(bin, ["reload", "--admin-file", adminFile]);
    reloads++;
    await sleep(Math.max(0, RELOAD_EVERY_MS - (now() - t0)));
  }
  phase = null;
  stop = true;
  await Promise.all(loops);

  // ------------------------------------------------------------------ report
  const logs = server.logs();
  const pauses = [...logs.matchAll(/pause_ms=([\d.]+)/g)].map((m) => Number(m[1])).sort((x, y) => x - y);
  const f = (x) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
  console.log(`sio-host: ${bin}`);
  console.log(`counter_a.wasm ${a.length} B, counter_b.wasm ${b.length} B`);
  console.log("\nwrite → new version answering (ms):");
  for (const [mode, r] of Object.entries(results)) {
    console.log(
      `  ${mode.padEnd(5)}  cold: median ${f(median(r.cold))}, max ${f(Math.max(...r.cold))} (${r.cold.length} runs)` +
        `   warm: median ${f(median(r.warm))}, max ${f(Math.max(...r.warm))} (${r.warm.length} runs)`,
    );
  }
  const stateBytes = [...logs.matchAll(/state_bytes=(\d+)/g)].map((m) => Number(m[1]));
  console.log(
    `\nqueue pause per swap (snapshot + restore + swap, server log): p50 ${f(pct(pauses, 50))}, ` +
      `max ${f(pauses.at(-1))} ms over ${pauses.length} swaps (state handed over: up to ${Math.max(...stateBytes)} B)`,
  );
  console.log(
    `\nevent round trip, ${CLIENTS} clients x 1 event / ${INTERVAL_MS} ms, ${PHASE_MS / 1000} s per phase, ` +
      `${reloads} reloads in the second (ms):`,
  );
  for (const p of ["steady", "reloading"]) {
    for (const kind of ["websocket", "polling"]) {
      const s = samples[p][kind].sort((x, y) => x - y);
      console.log(
        `  ${p.padEnd(9)} ${kind.padEnd(9)} n=${String(s.length).padStart(6)}  p50 ${f(pct(s, 50))}  p99 ${f(pct(s, 99))}  max ${f(s.at(-1))}`,
      );
    }
  }
} finally {
  closeClients();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}

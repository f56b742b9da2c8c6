// The cost of connection state recovery (`sio-host run --recovery`,
// docs/recovery.md), two ways:
//
// (a) memory per buffered packet: one client sends N events of PAYLOAD
//     bytes to a room nobody is in (the recovery-probe handler's `to-room`),
//     so each becomes one packet in the replay buffer and no client reads
//     anything; the server's VmRSS (/proc/PID/status) and /stats
//     recovery.buffered_bytes before and after, divided by N. A fresh
//     server per run, ROUNDS runs per payload, the median.
// (b) broadcast throughput with recovery off and on: bench/ab.sh (server on
//     core 1, loadgen on core 0, the echo handler, deliveries/s and the
//     server's CPU per delivery from /proc/PID/stat), the two commands
//     taking turns for AB_ROUNDS rounds, once per client count in
//     AB_CLIENTS; medians per command.
//
//   node bench/recovery.mjs
//
// N [100000] events per memory run, PAYLOADS [100,1000] bytes, ROUNDS [3];
// AB_ROUNDS [3], AB_CLIENTS ["10000 100"], PARTS ["memory broadcast"].
// SIO_HOST_BIN [target/release/sio-host] (`cargo build --release -p
// sio-host`), SIO_WASM_DIR as in tests/node (recovery_probe.wasm:
// `cargo build --target wasm32-wasip2 --release -p recovery-probe`);
// broadcast needs bench/target/release/loadgen and
// bench/target/wasm32-wasip2/release/echo.wasm (bench/run.sh builds them).

import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { io } from "socket.io-client";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const rel = (p) => (path.isAbsolute(p) ? p : path.join(repo, p));
const BIN = rel(process.env.SIO_HOST_BIN || "target/release/sio-host");
const WASM_DIR = rel(process.env.SIO_WASM_DIR || "target/wasm32-wasip2/release");
const N = Number(process.env.N || 100_000);
const PAYLOADS = (process.env.PAYLOADS || "100,1000").split(",").map(Number);
const ROUNDS = Number(process.env.ROUNDS || 3);
const AB_ROUNDS = Number(process.env.AB_ROUNDS || 3);
const AB_CLIENTS = (process.env.AB_CLIENTS || "10000 100").split(/\s+/).filter(Boolean).map(Number);
const PARTS = (process.env.PARTS || "memory broadcast").split(/\s+/);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `sio-host run --listen 127.0.0.1:0 ...args`; resolves with its url, pid
 * and a stop(). */
async function startServer(args) {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: cargo build --release -p sio-host`);
  const child = spawn(BIN, ["run", "--listen", "127.0.0.1:0", ...args], {
    cwd: repo,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_LOG: "warn" },
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const url = await new Promise((resolve, reject) => {
    let buf = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d) => {
      buf += d;
      const m = /sio-host listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(buf);
      if (m) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`sio-host exited (${code}) before listening:\n${stderr}`)));
  });
  return {
    url,
    pid: child.pid,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}

function rssBytes(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m[1]) * 1024;
}

async function recoveryStats(url) {
  return (await (await fetch(`${url}/stats`)).json()).recovery;
}

/** One memory run: a fresh server, N events of `payload` bytes buffered. */
async function memoryRun(payload) {
  const server = await startServer([
    "--recovery",
    "--recovery-buffer", String(N + 10_000),
    "--recovery-buffer-mib", "4096",
    "--recovery-max-disconnection", "3600000",
    `/=${path.join(WASM_DIR, "recovery_probe.wasm")}`,
  ]);
  const socket = io(server.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
  await new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  });
  const text = "x".repeat(payload);
  const send = async (count) => {
    for (let i = 0; i < count; i += 1000) {
      for (let j = i; j < Math.min(count, i + 1000); j++) socket.emit("to-room", "nobody", text);
      // The sender's events are handled in order: the ack comes after them.
      await socket.timeout(60_000).emitWithAck("whoami");
    }
  };
  // Warm up: the buffer's deque, the allocator's arenas, the socket.
  await send(1000);
  await sleep(300);
  const before = { rss: rssBytes(server.pid), stats: await recoveryStats(server.url) };
  await send(N);
  await sleep(300);
  const after = { rss: rssBytes(server.pid), stats: await recoveryStats(server.url) };
  socket.disconnect();
  await server.stop();
  const packets = after.stats.buffered - before.stats.buffered;
  if (packets !== N || after.stats.evicted !== 0) {
    throw new Error(`expected ${N} more packets buffered, none evicted: ${JSON.stringify(after.stats)}`);
  }
  return {
    rssPerPacket: (after.rss - before.rss) / N,
    accountedPerPacket: (after.stats.buffered_bytes - before.stats.buffered_bytes) / N,
    rssMiB: after.rss / 2 ** 20,
  };
}

async function memory() {
  console.log(`## (a) memory per buffered packet: ${N} packets, ${ROUNDS} fresh servers per payload`);
  const rows = [];
  for (const payload of PAYLOADS) {
    const runs = [];
    for (let r = 0; r < ROUNDS; r++) runs.push(await memoryRun(payload));
    // What one packet is on the wire: 42["room-msg","xxx…","<offset>"].
    const frame = `42["room-msg","${"x".repeat(payload)}","1765000000000-100000"]`.length;
    const row = {
      payload,
      frame,
      rss: median(runs.map((x) => x.rssPerPacket)),
      rssRuns: runs.map((x) => x.rssPerPacket.toFixed(0)).join(", "),
      accounted: median(runs.map((x) => x.accountedPerPacket)),
      rssMiB: median(runs.map((x) => x.rssMiB)),
    };
    rows.push(row);
    console.log(
      `payload ${payload} B (frame ~${frame} B): RSS +${row.rss.toFixed(0)} B per packet (runs ${row.rssRuns}), ` +
        `buffered_bytes +${row.accounted.toFixed(0)} B per packet; RSS after ${row.rssMiB.toFixed(1)} MiB`,
    );
  }
  return rows;
}

/** bench/ab.sh's lines: NAME DELIVERIES deliveries/s user U µs sys S µs total T µs per unit. */
function parseAb(out) {
  const runs = [];
  for (const line of out.split("\n")) {
    const m = /^(\S+)\s+(\d+) deliveries\/s\s+user\s+([\d.]+) µs\s+sys\s+([\d.]+) µs\s+total\s+([\d.]+) µs/.exec(line);
    if (m) runs.push({ name: m[1], rate: Number(m[2]), user: Number(m[3]), sys: Number(m[4]), total: Number(m[5]) });
  }
  return runs;
}

function broadcast() {
  const echo = path.join(repo, "bench/target/wasm32-wasip2/release/echo.wasm");
  if (!existsSync(echo) || !existsSync(path.join(repo, "bench/target/release/loadgen"))) {
    throw new Error("bench/target/release/loadgen and echo.wasm are missing: build them as bench/run.sh does");
  }
  const base = `${BIN} run --no-admin --listen 127.0.0.1:{port} ${echo}`;
  const onCmd = `${BIN} run --no-admin --recovery --listen 127.0.0.1:{port} ${echo}`;
  const results = [];
  for (const clients of AB_CLIENTS) {
    console.log(`## (b) broadcast to ${clients} websocket clients, recovery off/on, ${AB_ROUNDS} rounds (bench/ab.sh)`);
    const res = spawnSync("bash", ["bench/ab.sh", String(AB_ROUNDS), `off=${base}`, `on=${onCmd}`], {
      cwd: repo,
      env: { ...process.env, WORKLOAD: "broadcast", CLIENTS: String(clients) },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    process.stdout.write(res.stdout);
    const runs = parseAb(res.stdout);
    const by = (name) => runs.filter((r) => r.name === name);
    const summary = { clients };
    for (const name of ["off", "on"]) {
      const rs = by(name);
      summary[name] = {
        rate: median(rs.map((r) => r.rate)),
        user: median(rs.map((r) => r.user)),
        sys: median(rs.map((r) => r.sys)),
        total: median(rs.map((r) => r.total)),
        rounds: rs.map((r) => r.rate),
      };
    }
    const ratios = by("on").map((r, i) => (r.rate / (by("off")[i]?.rate || NaN)).toFixed(2));
    summary.ratios = ratios;
    results.push(summary);
    console.log(
      `median off ${summary.off.rate} deliveries/s (${summary.off.user.toFixed(2)} + ${summary.off.sys.toFixed(2)} µs), ` +
        `on ${summary.on.rate} deliveries/s (${summary.on.user.toFixed(2)} + ${summary.on.sys.toFixed(2)} µs); on/off by round ${ratios.join(", ")}`,
    );
  }
  return results;
}

if (PARTS.includes("memory")) await memory();
if (PARTS.includes("broadcast")) broadcast();

// The chat handler in Rust, JavaScript and Python side by side: component
// size, cold start and reload times.
//
//   cargo xtask build-wasm && cargo build --release -p sio-host
//   node bench/chat-languages.mjs [path/to/sio-host] [path/to/wasm-dir]
//
// * start-up: bench/startup.mjs with each chat component (spawn → first
//   socket.io-client 4 connection served; compilation cache cold, then warm).
// * reload: a server runs the component (a fresh XDG_CACHE_HOME) with two
//   nicknamed clients connected; `sio-host reload` swaps in the same
//   handler's bytes RUNS times: "cold", with a custom section of a fresh
//   tag appended (bytes never compiled), and "warm", alternating two builds
//   already compiled. The figure is the reload's own report ("reloaded ...
//   in T ms (prepare P ms, pause Q ms ...)"): T from the request to the new
//   version live, the pause being what the endpoint's queue waited.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { fresh } from "./fresh-bytes.mjs";

const bin = resolve(process.argv[2] ?? "target/release/sio-host");
const wasmDir = resolve(process.argv[3] ?? "target/wasm32-wasip2/release");
process.env.SIO_HOST_BIN = bin;
const { CHAT_HANDLERS, closeClients, connect, startServer } = await import("../tests/node/helpers.mjs");
const run = promisify(execFile);
const RUNS = 5;

const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const REPORT = /reloaded, version \d+ in ([\d.]+) ms \(prepare ([\d.]+) ms, pause ([\d.]+) ms/;

async function reloads(wasmPath) {
  const dir = mkdtempSync(join(tmpdir(), "sio-bench-lang-"));
  const file = join(dir, "chat.wasm");
  const adminFile = join(dir, "admin.json");
  const bytes = readFileSync(wasmPath);
  const install = (b) => {
    writeFileSync(`${file}.tmp`, b);
    renameSync(`${file}.tmp`, file);
  };
  install(bytes);
  process.env.XDG_CACHE_HOME = join(dir, "cache");
  const server = await startServer(["--admin-file", adminFile, `/=${file}`], { label: "bench-chat-languages" });
  try {
    for (const nick of ["ann", "bo"]) {
      const s = await connect(server.url, { transports: ["websocket"] });
      await s.timeout(5000).emitWithAck("nick", nick);
    }
    const reload = async (b) => {
      install(b);
      const { stdout } = await run(bin, ["reload", "--admin-file", adminFile]);
      const m = REPORT.exec(stdout);
      if (!m) throw new Error(`unexpected reload output: ${stdout}`);
      return { total: Number(m[1]), pause: Number(m[3]) };
    };
    const cold = [];
    for (let i = 0; i < RUNS; i++) cold.push(await reload(fresh(bytes, `cold-${i}`)));
    const builds = [fresh(bytes, "warm-a"), fresh(bytes, "warm-b")];
    for (const b of builds) await reload(b); // both compiled once
    const warm = [];
    for (let i = 0; i < RUNS; i++) warm.push(await reload(builds[i % 2]));
    return { cold, warm };
  } finally {
    closeClients();
    await server.stop();
    delete process.env.XDG_CACHE_HOME;
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`sio-host: ${bin}\n`);
console.log("| handler | component | start-up, cold cache | start-up, warm cache | reload, cold cache | reload, warm cache | queue pause |");
console.log("|---|---|---|---|---|---|---|");
for (const h of CHAT_HANDLERS) {
  const wasmPath = join(wasmDir, `${h.wasm}.wasm`);
  const { stdout } = await run("node", [join(import.meta.dirname, "startup.mjs"), bin, wasmPath]);
  const [, cold, warm] = /cold cache: (\d+) ms; warm cache \(median of 5\): (\d+) ms/.exec(stdout) ?? [];
  const r = await reloads(wasmPath);
  const ms = (xs) => `${median(xs).toFixed(0)} ms`;
  console.log(
    `| ${h.lang} (${h.wasm}.wasm) | ${statSync(wasmPath).size.toLocaleString("en")} B | ${cold} ms | ${warm} ms | ` +
      `${ms(r.cold.map((x) => x.total))} | ${ms(r.warm.map((x) => x.total))} | ` +
      `${median(r.warm.concat(r.cold).map((x) => x.pause)).toFixed(1)} ms |`,
  );
}
console.log(`\n(reload and pause: medians of ${RUNS} runs each)`);

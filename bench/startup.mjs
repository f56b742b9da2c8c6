// Time from starting `sio-host run chat.wasm` to the first socket.io-client 4
// connection served (CONNECT acknowledged), with the wasmtime compilation
// cache cold (a fresh cache directory) and warm (the same directory again).
//
//   node bench/startup.mjs [path/to/sio-host] [path/to/chat.wasm]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { io } = require("socket.io-client");

const bin = process.argv[2] ?? "target/release/sio-host";
const wasm = process.argv[3] ?? "target/wasm32-wasip2/release/chat.wasm";
const port = 18000 + Math.floor(Math.random() * 1000);

function tryConnect() {
  return new Promise((resolve) => {
    const s = io(`http://127.0.0.1:${port}`, { transports: ["websocket"], reconnection: false, timeout: 2000 });
    s.on("connect", () => { s.close(); resolve(true); });
    s.on("connect_error", () => { s.close(); resolve(false); });
  });
}

async function once(cacheHome) {
  const t0 = process.hrtime.bigint();
  const child = spawn(bin, ["run", "--listen", `127.0.0.1:${port}`, wasm], {
    env: { ...process.env, XDG_CACHE_HOME: cacheHome, RUST_LOG: "warn" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  try {
    while (!(await tryConnect())) await new Promise((r) => setTimeout(r, 2));
    return Number(process.hrtime.bigint() - t0) / 1e6;
  } finally {
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
  }
}

const cache = mkdtempSync(join(tmpdir(), "sio-startup-"));
try {
  const cold = await once(cache);
  const warm = [];
  for (let i = 0; i < 5; i++) warm.push(await once(cache));
  warm.sort((a, b) => a - b);
  console.log(`cold cache: ${cold.toFixed(0)} ms; warm cache (median of 5): ${warm[2].toFixed(0)} ms`);
} finally {
  rmSync(cache, { recursive: true, force: true });
}

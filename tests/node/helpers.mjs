// Shared helpers for the Node end-to-end tests: start the real sio-host binary,
// connect the official socket.io-client to it, wait for events with timeouts.
//
// SIO_HOST_BIN  the binary (default <repo>/target/debug/sio-host)
// SIO_WASM_DIR  the handler components (default <repo>/target/wasm32-wasip2/release)

import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { io } from "socket.io-client";

export const repoRoot = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
);
export const artifactsDir = path.join(repoRoot, "tests", "artifacts");

function envPath(name, fallback) {
  const v = process.env[name];
  if (!v) return fallback;
  return path.isAbsolute(v) ? v : path.join(repoRoot, v);
}

export function hostBin() {
  return envPath("SIO_HOST_BIN", path.join(repoRoot, "target/debug/sio-host"));
}

export function wasmDir() {
  return envPath(
    "SIO_WASM_DIR",
    path.join(repoRoot, "target/wasm32-wasip2/release"),
  );
}

export function wasm(name) {
  const p = path.join(wasmDir(), `${name}.wasm`);
  if (!existsSync(p)) {
    throw new Error(
      `handler ${p} is missing: build it with \`cargo xtask build-wasm\` (or set SIO_WASM_DIR)`,
    );
  }
  return p;
}

/** Arguments for the conformance handler with the v5 test-suite's timings. */
export function conformanceArgs() {
  const w = wasm("conformance");
  return [
    "--ping-interval", "300",
    "--ping-timeout", "200",
    "--max-payload", "1000000",
    "--connect-timeout", "1000",
    `/=${w}`,
    `/custom=${w}`,
  ];
}

/**
 * The chat handler in each language, one behaviour (examples/chat/src/lib.rs
 * documents it): `lang` names it in test titles, `wasm` is its component's
 * name in SIO_WASM_DIR (built by `cargo xtask build-wasm`).
 */
export const CHAT_HANDLERS = [
  { lang: "Rust", wasm: "chat" },
  { lang: "JavaScript", wasm: "chat_js" },
  { lang: "Python", wasm: "chat_py" },
  { lang: "C", wasm: "chat_c" },
];

/** Arguments for a chat handler (the Rust one unless `handler` is given),
 * optionally with its static page. */
export function chatArgs({ page = false, handler = CHAT_HANDLERS[0] } = {}) {
  const args = [wasm(handler.wasm)];
  if (page) {
    args.push(
      "--static", "examples/chat/static",
      "--static", "/vendor=node_modules/socket.io-client/dist",
    );
  }
  return args;
}

const LISTENING = /^sio-host listening on (http:\/\/127\.0\.0\.1:(\d+))\/?$/;

/**
 * Starts `sio-host run --listen 127.0.0.1:0 ...args`, resolves once it printed
 * its listening line. `label` names the log file kept in tests/artifacts/.
 */
export async function startServer(args, { label = "server", timeoutMs = 120_000 } = {}) {
  const bin = hostBin();
  if (!existsSync(bin)) {
    throw new Error(
      `sio-host binary not found at ${bin}: build it with \`cargo build -p sio-host\` ` +
        "(or run `cargo xtask test`, or set SIO_HOST_BIN)",
    );
  }
  const fullArgs = ["run", "--listen", "127.0.0.1:0", ...args];
  const child = spawn(bin, fullArgs, {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  let stdout = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  child.stdout.setEncoding("utf8");

  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));

  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`sio-host printed no listening line within ${timeoutMs} ms\nstderr:\n${stderr}`));
    }, timeoutMs);
    let buf = "";
    child.stdout.on("data", (d) => {
      stdout += d;
      buf += d;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        const m = LISTENING.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      }
    });
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`sio-host exited (code ${code}, signal ${signal}) before listening; args ${fullArgs.join(" ")}\nstderr:\n${stderr}`));
    });
  });

  let stopped = false;
  return {
    url,
    port: Number(new URL(url).port),
    logs: () => stderr,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const t = setTimeout(() => child.kill("SIGKILL"), 3000);
        await exited;
        clearTimeout(t);
      }
      try {
        mkdirSync(artifactsDir, { recursive: true });
        writeFileSync(path.join(artifactsDir, `${label}.log`), `stdout:\n${stdout}\nstderr:\n${stderr}`);
      } catch {
        // Logs are a convenience only.
      }
    },
  };
}

/** Resolves with the args of the next `event` on `emitter`; rejects after `ms`. */
export function once(emitter, event, ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, handler);
      reject(new Error(`no "${event}" event within ${ms} ms`));
    }, ms);
    function handler(...args) {
      clearTimeout(timer);
      resolve(args);
    }
    emitter.once(event, handler);
  });
}

/** Resolves with the args of the first `event` for which `pred(...args)` holds.
 * (`removeListener`, not `off`: socket.io-client 0.9's emitter has only that.) */
export function waitFor(emitter, event, pred, ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.removeListener(event, handler);
      reject(new Error(`no matching "${event}" event within ${ms} ms`));
    }, ms);
    function handler(...args) {
      if (!pred(...args)) return;
      clearTimeout(timer);
      emitter.removeListener(event, handler);
      resolve(args);
    }
    emitter.on(event, handler);
  });
}

/** Collects every `event` on `emitter` (args arrays) into the returned array. */
export function record(emitter, event) {
  const seen = [];
  emitter.on(event, (...args) => seen.push(args));
  return seen;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `cond()` holds, checking every 10 ms; throws after `ms`. */
export async function waitUntil(cond, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await sleep(10);
  }
}

const clients = new Set();

/**
 * A new socket.io-client socket (own Manager, no reconnection). `setup(socket)`
 * runs before connecting, to register listeners for events sent on connect.
 * Resolves once connected; rejects with the connect_error.
 */
export async function connect(url, opts = {}, setup = () => {}) {
  const socket = io(url, { forceNew: true, reconnection: false, timeout: 10_000, ...opts });
  clients.add(socket);
  setup(socket);
  await new Promise((resolve, reject) => {
    const onConnect = () => {
      socket.off("connect_error", onError);
      resolve();
    };
    const onError = (err) => {
      socket.off("connect", onConnect);
      reject(err);
    };
    socket.once("connect", onConnect);
    socket.once("connect_error", onError);
  });
  return socket;
}

/** Like `connect`, but expects a connect_error and resolves with it. */
export async function connectError(url, opts = {}) {
  const socket = io(url, { forceNew: true, reconnection: false, timeout: 10_000, ...opts });
  clients.add(socket);
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("neither connect nor connect_error within 10 s")), 10_000);
      socket.once("connect_error", (err) => {
        clearTimeout(timer);
        resolve(err);
      });
      socket.once("connect", () => {
        clearTimeout(timer);
        reject(new Error("connected, but a connect_error was expected"));
      });
    });
  } finally {
    socket.disconnect();
  }
}

/** Disconnects every client made by `connect` / `connectError`. */
export function closeClients() {
  for (const s of clients) s.disconnect();
  clients.clear();
}

// ------------------------------------------------------------ headless Chromium

/** Debian's chromium (CHROMIUM_PATH overrides). */
export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/** A browser test's `skip` option: skipped only when Chromium is missing
 * outside CI; in CI a missing Chromium fails `launchChromium`. */
export const chromiumSkip =
  !existsSync(CHROMIUM) && !process.env.CI
    ? `${CHROMIUM} is missing (apt-get install -y chromium); skipped outside CI`
    : false;

/** Collects a playwright page's script errors and console errors (a missing
 * favicon is not the page's fault) into the returned array. */
export function pageErrors(page) {
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error" && !/favicon/.test(m.location()?.url ?? "")) errors.push(m.text());
  });
  return errors;
}

/** Counts the Engine.IO transports a playwright page really uses (its
 * polling requests and websockets to /socket.io/), in the returned object. */
export function transportsUsed(page) {
  const used = { polling: 0, websocket: 0 };
  page.on("request", (r) => {
    if (r.url().includes("/socket.io/") && r.url().includes("transport=polling")) used.polling++;
  });
  page.on("websocket", (ws) => {
    if (ws.url().includes("/socket.io/")) used.websocket++;
  });
  return used;
}

/** Headless Chromium with the flags this machine needs and a fresh profile,
 * removed by the returned (playwright) context's `close()`. */
export async function launchChromium() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is required in CI`);
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(path.join(os.tmpdir(), "sio-chromium-"));
  // launchPersistentContext takes the fresh --user-data-dir itself.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  // Remove the profile once the browser has really gone (not on the
  // "close" event: Chromium may still be writing to it then).
  const close = context.close.bind(context);
  context.close = async (...args) => {
    await close(...args);
    rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
  };
  return context;
}

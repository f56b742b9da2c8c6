// A real redis-server for the tests that need one (redis.test.mjs,
// store.test.mjs): on a free port, in a temp dir, without persistence.
// Skipped only when redis-server is missing outside CI; in CI it must exist.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { sleep } from "./helpers.mjs";

export const REDIS_SERVER = process.env.REDIS_SERVER || "/usr/bin/redis-server";
export const redisSkip =
  !existsSync(REDIS_SERVER) && !process.env.CI
    ? `${REDIS_SERVER} is missing (apt-get install -y redis-server); skipped outside CI`
    : false;

/** A port nobody listens on right now. */
export async function freePort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

/** A redis-server on a free port in a temp dir; `restart()` keeps the port. */
export async function startRedis() {
  if (!existsSync(REDIS_SERVER)) throw new Error(`${REDIS_SERVER} is missing: apt-get install -y redis-server`);
  const dir = mkdtempSync(path.join(os.tmpdir(), "sio-redis-"));
  const port = await freePort();
  let child;
  const up = async () => {
    child = spawn(
      REDIS_SERVER,
      ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server not ready:\n${out}`)), 20_000);
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (d) => {
        out += d;
        if (out.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}):\n${out}`));
      });
    });
  };
  const down = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  };
  await up();
  return {
    url: `redis://127.0.0.1:${port}`,
    async restart(downMs = 0, whileDown = async () => {}) {
      await down();
      await whileDown();
      await sleep(downMs);
      await up();
    },
    async stop() {
      await down();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}


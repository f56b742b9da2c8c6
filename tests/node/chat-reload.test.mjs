// Hot reload across languages: the chat endpoint's component is swapped
// JavaScript → Python → C → JavaScript → Rust → JavaScript under live
// clients (socket.io-client 4.x and 2.x, WebSocket and long-polling)
// chatting continuously. The four chat handlers keep their state in one JSON shape
// (nicks, pings), so every swap hands it over: no client is disconnected,
// every `say` is acknowledged once and heard once, in order, under its
// sender's nickname; a taken nickname stays taken; a ping asked of the
// JavaScript build is answered through the Rust one.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { CHAT_HANDLERS, closeClients, connect, hostBin, once, sleep, startServer, waitFor, wasm } from "./helpers.mjs";
import { closeClientsV2, connectV2, emitWithAckV2 } from "./helpers-v2.mjs";

const run = promisify(execFile);
const [RUST, JS, PY, C] = CHAT_HANDLERS;
/** The builds swapped in, one after another, starting from the first. */
const SEQUENCE = [JS, PY, C, JS, RUST, JS];

describe("chat hot reload across languages (JavaScript, Python, C, Rust)", () => {
  let dir;
  let file;
  let adminFile;
  let server;

  /** Puts `handler`'s component at the served path the way build tools do (rename). */
  function install(handler) {
    const tmp = `${file}.tmp`;
    copyFileSync(wasm(handler.wasm), tmp);
    renameSync(tmp, file);
  }

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "sio-chat-reload-"));
    file = path.join(dir, "chat.wasm");
    adminFile = path.join(dir, "admin.json");
    // Compiled into wasmtime's cache first (a hit when `cargo xtask test`
    // warmed it): a swap must not outlast the pending ping's 5 s timeout.
    await run(hostBin(), ["check", ...CHAT_HANDLERS.map((h) => wasm(h.wasm))]);
    install(SEQUENCE[0]);
    server = await startServer(["--admin-file", adminFile, `/=${file}`], { label: "node-chat-reload" });
  });

  after(async () => {
    closeClients();
    closeClientsV2();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function reload() {
    const { stdout, stderr } = await run(hostBin(), ["reload", "--admin-file", adminFile]);
    return stdout + stderr;
  }

  it("swaps JS → Python → C → JS → Rust → JS under chatting clients without a drop", { timeout: 120_000 }, async (t) => {
    // Four chatters (4.x / 2.x × websocket / polling) and a watcher.
    const watcher = await connect(server.url, { transports: ["websocket"] });
    assert.deepEqual(await watcher.timeout(5000).emitWithAck("nick", "watcher"), { ok: true });
    const heard = new Map(); // nick → texts in arrival order
    watcher.on("said", (m) => {
      if (!heard.has(m.nick)) heard.set(m.nick, []);
      heard.get(m.nick).push(m.text);
    });

    const chatters = [];
    for (const [v2, transport] of [[false, "websocket"], [false, "polling"], [true, "websocket"], [true, "polling"]]) {
      const nick = `${v2 ? "v2" : "v4"}-${transport}`;
      const socket = v2 ? await connectV2(server.url, { transports: [transport] }) : await connect(server.url, { transports: [transport] });
      const ask = v2 ? (...a) => emitWithAckV2(socket, ...a).then((r) => r[0]) : (...a) => socket.timeout(5000).emitWithAck(...a);
      assert.deepEqual(await ask("nick", nick), { ok: true });
      const c = { nick, socket, ask, sent: [], acks: [], drops: [] };
      socket.on("disconnect", (reason) => c.drops.push(reason));
      chatters.push(c);
    }

    // Everyone says numbered lines, one ack at a time, until told to stop.
    let stop = false;
    const loops = chatters.map(async (c) => {
      while (!stop) {
        const text = `${c.nick} #${c.sent.length + 1}`;
        c.sent.push(text);
        c.acks.push(await c.ask("say", text));
      }
    });

    const outputs = [];
    for (const [i, next] of SEQUENCE.slice(1).entries()) {
      await sleep(200);
      // A ping asked of JavaScript is answered through Rust (the pings
      // hand-off; Rust's fast swap keeps within the ping's 5 s timeout).
      const pinged = chatters[0].socket;
      let answerPing;
      if (next === RUST) {
        const pingCb = new Promise((resolve) => pinged.once("ping", (...args) => resolve(args.pop())));
        pinged.emit("ping-me");
        answerPing = await pingCb;
      }
      install(next);
      const out = await reload();
      assert.match(out, /\/: reloaded, version \d+ .*bytes of state handed over/, `swap ${i + 1} to ${next.lang}`);
      outputs.push(`${next.lang}: ${out.trim()}`);
      if (answerPing) {
        const pong = once(pinged, "pong-received");
        answerPing("pong", 1);
        assert.deepEqual(await pong, ["pong", 1], "the ping asked of JavaScript is answered through Rust");
      }
      // The nicknames came across: a taken one stays taken.
      const probe = await connect(server.url);
      assert.deepEqual(await probe.timeout(5000).emitWithAck("nick", chatters[i % 4].nick), {
        ok: false,
        error: "nickname is taken",
      });
      probe.disconnect();
    }
    await sleep(200);
    stop = true;
    await Promise.all(loops);

    // No drops; every say acknowledged ok and heard once, in order, by its nick.
    for (const c of chatters) {
      assert.deepEqual(c.drops, [], `${c.nick} was not disconnected`);
      assert.ok(c.socket.connected, `${c.nick} is still connected`);
      assert.ok(c.sent.length > 5, `${c.nick} kept chatting (${c.sent.length} lines)`);
      assert.deepEqual(c.acks, c.sent.map(() => ({ ok: true })), `${c.nick}: every say acknowledged`);
    }
    const allHeard = () => chatters.every((c) => (heard.get(c.nick) ?? []).length >= c.sent.length);
    for (let i = 0; i < 50 && !allHeard(); i++) await sleep(100);
    for (const c of chatters) assert.deepEqual(heard.get(c.nick), c.sent, `${c.nick}: heard once each, in order`);

    // Leaving after all the swaps is announced under the right nickname.
    const left = waitFor(watcher, "left", (l) => l?.nick === chatters[1].nick);
    chatters[1].socket.disconnect();
    await left;

    const logs = server.logs();
    assert.equal((logs.match(/endpoint reloaded/g) ?? []).length, SEQUENCE.length - 1);
    t.diagnostic(`${chatters.reduce((n, c) => n + c.sent.length, 0)} lines across ${SEQUENCE.length - 1} swaps`);
    for (const o of outputs) t.diagnostic(o);
  });
});

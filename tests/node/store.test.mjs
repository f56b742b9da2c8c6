// The handlers' key-value store (docs/state.md, issue 17) as the chats
// (Rust, JavaScript, Python) use it: a nickname is claimed in the store, so
// it is unique across the nodes of a cluster (the Redis store), it outlives
// a restart (the file store), and a Redis that goes away costs clear
// errors, not the chat.
// The official socket.io-client@4; a real redis-server.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { CHAT_HANDLERS, chatArgs, closeClients, connect, sleep, startServer, waitFor } from "./helpers.mjs";
import { redisSkip, startRedis } from "./redis-server.mjs";

const T = { timeout: 60_000 };

/** Ask for `nick`; the chat's answer ({ok} or {ok:false,error}). */
const nick = (s, name) => s.timeout(5000).emitWithAck("nick", name);

/** Resolves once `cond()` (async) holds, trying every 100 ms; throws after `ms`. */
async function eventually(cond, ms) {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await sleep(100);
  }
}

async function stats(url) {
  return (await fetch(`${url}/stats`)).json();
}

// Every chat, Rust, JavaScript and Python (their SDKs all have the store);
// SIO_STORE_CHATS=Rust,Python (a comma list of languages) runs a subset.
const only = process.env.SIO_STORE_CHATS?.split(",");
for (const handler of CHAT_HANDLERS.filter((h) => !only || only.includes(h.lang))) {
  describe(`the chat's nicknames in the store (${handler.lang})`, () => {
    const stop = [];
    after(async () => {
      closeClients();
      for (const s of stop.reverse()) await s.stop();
    });

    it("are unique across two nodes sharing Redis, and free again when their user leaves", { ...T, skip: redisSkip }, async () => {
      const redis = await startRedis();
      stop.push(redis);
      const args = [...chatArgs({ handler }), "--redis", redis.url];
      const a = await startServer(args, { label: `store-${handler.wasm}-a` });
      stop.push(a);
      const b = await startServer(args, { label: `store-${handler.wasm}-b` });
      stop.push(b);
      const onA = await connect(a.url, { transports: ["websocket"] });
      const onB = await connect(b.url, { transports: ["websocket"] });
      assert.deepEqual(await nick(onA, "alice"), { ok: true });
      assert.deepEqual(await nick(onB, "alice"), { ok: false, error: "nickname is taken" });
      assert.deepEqual(await nick(onB, "bob"), { ok: true });
      // A rename gives the old name back.
      assert.deepEqual(await nick(onB, "bobby"), { ok: true });
      assert.deepEqual(await nick(onA, "bob"), { ok: true });
      assert.deepEqual(await nick(onA, "alice"), { ok: true });
      // alice leaves node A: node B may take the name now.
      onA.disconnect();
      await eventually(async () => (await nick(onB, "alice")).ok === true, 5000);
      const st = await stats(b.url);
      assert.equal(st.store.backend, "redis");
      assert.ok(st.store.ops > 0, JSON.stringify(st.store));
    });

    it("outlive a restart with the file store: the owner gets its name back, nobody else", T, async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), "sio-store-"));
      stop.push({ stop: async () => rmSync(dir, { recursive: true, force: true }) });
      const args = [...chatArgs({ handler }), "--store-path", path.join(dir, "store.redb")];
      const first = await startServer(args, { label: `store-${handler.wasm}-file-1` });
      const mine = await connect(first.url, { auth: { id: "browser-1" } });
      assert.deepEqual(await nick(mine, "carol"), { ok: true });
      // The server goes away under its users (no on-disconnect runs).
      await first.stop();
      closeClients();

      const second = await startServer(args, { label: `store-${handler.wasm}-file-2` });
      stop.push(second);
      const other = await connect(second.url, { auth: { id: "browser-2" } });
      assert.deepEqual(await nick(other, "carol"), { ok: false, error: "nickname is taken" });
      // carol's browser reconnects with its nickname preset and its id.
      const back = await connect(second.url, { auth: { id: "browser-1", nick: "carol" } });
      const said = waitFor(other, "said", (m) => m?.text === "I am back");
      assert.deepEqual(await back.timeout(5000).emitWithAck("say", "I am back"), { ok: true });
      assert.equal((await said)[0].nick, "carol");
      assert.equal((await stats(second.url)).store.backend, "file");
    });

    it("fail clearly while Redis is down, the chat goes on, and work again when it is back", { ...T, skip: redisSkip }, async () => {
      const redis = await startRedis();
      stop.push(redis);
      const node = await startServer([...chatArgs({ handler }), "--redis", redis.url], {
        label: `store-${handler.wasm}-down`,
      });
      stop.push(node);
      const dave = await connect(node.url, { transports: ["websocket"] });
      const erin = await connect(node.url, { transports: ["websocket"] });
      assert.deepEqual(await nick(dave, "dave"), { ok: true });
      await redis.restart(0, async () => {
        const refused = await nick(erin, "erin");
        assert.equal(refused.ok, false);
        assert.match(refused.error, /unavailable/);
        // The endpoint keeps serving everyone.
        const heard = waitFor(erin, "said", (m) => m?.text === "still here");
        assert.deepEqual(await dave.timeout(5000).emitWithAck("say", "still here"), { ok: true });
        await heard;
        const st = await stats(node.url);
        assert.ok(st.store.errors.unavailable >= 1, JSON.stringify(st.store));
      });
      // Redis is back (empty: it keeps nothing on disk here).
      await eventually(async () => (await nick(erin, "erin")).ok === true, 10_000);
    });
  });
}

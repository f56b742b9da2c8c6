// socket.io-client 2.x and 4.x users in one chat (examples/chat): the same
// handler serves both generations, rooms and broadcasts cross between them;
// the same suite for each language's chat handler (Rust, JavaScript, Python).

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import {
  CHAT_HANDLERS,
  chatArgs,
  closeClients,
  connect,
  once,
  record,
  sleep,
  startServer,
  waitFor,
} from "./helpers.mjs";
import { closeClientsV2, connectV2, emitWithAckV2 } from "./helpers-v2.mjs";

const T = { timeout: 20_000 };
const QUIET = 400;

for (const handler of CHAT_HANDLERS) describe(`chat handler (${handler.lang}) with socket.io-client 2.x and 4.x together`, () => {
  let server;
  before(async () => {
    server = await startServer(chatArgs({ handler }), { label: `node-chat-v2-${handler.wasm}` });
  });
  after(async () => {
    closeClients();
    closeClientsV2();
    await server?.stop();
  });
  afterEach(() => {
    closeClients();
    closeClientsV2();
  });

  const said = (text) => (msg) => msg && msg.text === text;

  async function userV2(nick, opts = {}) {
    const s = await connectV2(server.url, opts);
    assert.deepEqual(await emitWithAckV2(s, "nick", nick), [{ ok: true }], `nick ${nick}`);
    return s;
  }

  async function userV4(nick, opts = {}) {
    const s = await connect(server.url, opts);
    assert.deepEqual(await s.timeout(5000).emitWithAck("nick", nick), { ok: true }, `nick ${nick}`);
    return s;
  }

  for (const [v2transport, v4transport] of [
    ["polling", "websocket"],
    ["websocket", "polling"],
  ]) {
    it(`a 2.x user (${v2transport}) and a 4.x user (${v4transport}) chat in one room`, T, async () => {
      const old = await userV2(`old-${v2transport}`, { transports: [v2transport] });
      const cur = await userV4(`cur-${v4transport}`, { transports: [v4transport] });
      const outsider = await userV4(`out-${v4transport}`);
      const outsiderHeard = record(outsider, "said");

      assert.deepEqual(await emitWithAckV2(old, "join", "lobby"), [{ ok: true }]);
      assert.deepEqual(await cur.timeout(5000).emitWithAck("join", "lobby"), { ok: true });

      const fromOld = `hello from 2.x over ${v2transport}`;
      const both = Promise.all([waitFor(old, "said", said(fromOld)), waitFor(cur, "said", said(fromOld))]);
      old.emit("say", fromOld, "lobby");
      const [[a], [b]] = await both;
      assert.deepEqual(a, { nick: `old-${v2transport}`, text: fromOld });
      assert.deepEqual(b, a);

      const fromCur = "hi 2.x, 4.x here: 😀 中文";
      const oldHears = waitFor(old, "said", said(fromCur));
      assert.deepEqual(await cur.timeout(5000).emitWithAck("say", fromCur, "lobby"), { ok: true });
      assert.deepEqual((await oldHears)[0], { nick: `cur-${v4transport}`, text: fromCur });

      await sleep(QUIET);
      assert.deepEqual(
        outsiderHeard.filter(([m]) => m?.text === fromOld || m?.text === fromCur),
        [],
        "the room's messages stay in the room",
      );
    });
  }

  it("a broadcast reaches both generations", T, async () => {
    const old = await userV2("old-b", { transports: ["polling"] });
    const cur = await userV4("cur-b", { transports: ["websocket"] });
    const heard = Promise.all([waitFor(old, "said", said("to all")), waitFor(cur, "said", said("to all"))]);
    cur.emit("say", "to all");
    await heard;
    const joined = waitFor(old, "joined", (j) => j?.nick === "late");
    await userV4("late");
    await joined;
  });

  it("binary files cross between generations both ways", T, async () => {
    const old = await userV2("old-f", { transports: ["polling"] });
    const cur = await userV4("cur-f", { transports: ["websocket"] });
    const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) % 256));

    const curGets = once(cur, "file");
    old.emit("file", "from-v2.bin", data);
    const [meta, buf] = await curGets;
    assert.deepEqual(meta, { nick: "old-f", name: "from-v2.bin" });
    assert.ok(Buffer.isBuffer(buf) && buf.equals(data));

    const oldGets = once(old, "file");
    cur.emit("file", "from-v4.bin", data);
    const [meta2, buf2] = await oldGets;
    assert.deepEqual(meta2, { nick: "cur-f", name: "from-v4.bin" });
    assert.ok(Buffer.isBuffer(buf2) && buf2.equals(data));
  });

  for (const transport of ["polling", "websocket"]) {
    it(`server→client ack on a 2.x client: ping-me → ping → pong-received (${transport})`, T, async () => {
      const s = await userV2(`pinger2-${transport}`, { transports: [transport] });
      s.on("ping", (...args) => {
        const cb = args.pop();
        // The 2.x Manager also emits a bare "ping" on each heartbeat.
        if (typeof cb === "function") cb("pong", 42, { nested: [true] }, Buffer.from([5]));
      });
      const pong = once(s, "pong-received");
      s.emit("ping-me");
      const got = await pong;
      assert.deepEqual(got.slice(0, 3), ["pong", 42, { nested: [true] }]);
      assert.ok(Buffer.isBuffer(got[3]) && got[3].equals(Buffer.from([5])));
    });
  }

  it("announces `left` to 4.x users when a 2.x user leaves", T, async () => {
    const cur = await userV4("watcher-l");
    const old = await userV2("old-l", { transports: ["websocket"] });
    const left = waitFor(cur, "left", (l) => l?.nick === "old-l");
    old.close();
    assert.deepEqual((await left)[0], { nick: "old-l" });
  });
});

// The JavaScript and Python SDKs' async world (guest-sdk-js/sio-async.js,
// guest-sdk-py/sio_async.py; docs/async.md), one suite for both: the probe
// handlers (tests/handlers/sdk-async-js, sdk-async-py, built as
// `stateful-async-broadcast-endpoint`) on one sio-host node. A timer set by an event
// fires into the handler's onTimer / on_timer; a cancelled one does not; a
// cluster-sockets query answers in onFetch / on_fetch with the room's
// sockets (one node: `nodes` 1, `missing` 0). A broadcast with acks reports
// every answer, and who stayed silent, in onReplies / on_replies; a server
// emit with acks completes at once without a cluster. On two nodes sharing
// a redis-server (a JavaScript and a Python probe), server events reach the
// other node's onServerEvent / on_server_event and its answer the sender's
// onReplies, and a broadcast with acks collects the other node's clients'
// answers.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { closeClients, connect, once, record, sleep, startServer, waitUntil, wasm } from "./helpers.mjs";
import { redisSkip, startRedis } from "./redis-server.mjs";

const T = { timeout: 20_000 };
const PROBES = [
  { lang: "JavaScript", wasm: "sdk_async_js" },
  { lang: "Python", wasm: "sdk_async_py" },
];

for (const probe of PROBES) describe(`${probe.lang} SDK, async world (${probe.wasm})`, () => {
  let dir;
  let server;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "sio-sdk-async-"));
    const toml = path.join(dir, "sio.toml");
    writeFileSync(toml, `[endpoints."/"]\ncomponent = ${JSON.stringify(wasm(probe.wasm))}\n`);
    server = await startServer(["--config", toml, "--no-admin"], { label: `node-${probe.wasm}` });
  });
  after(async () => {
    closeClients();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => closeClients());

  it("fires a timer into the handler; a cancelled one stays quiet", T, async () => {
    const s = await connect(server.url, { transports: ["websocket"] });
    const fired = [];
    s.on("timer", (token) => fired.push(token));
    const started = Date.now();
    assert.equal(await s.timeout(5000).emitWithAck("set", 7, 200), "ok");
    assert.equal(await s.timeout(5000).emitWithAck("set", 8, 300), "ok");
    assert.equal(await s.timeout(5000).emitWithAck("cancel", 8), true);
    assert.deepEqual(await once(s, "timer"), [7]);
    assert.ok(Date.now() - started >= 150, `fired after ${Date.now() - started} ms`);
    await sleep(400);
    assert.deepEqual(fired, [7]);
    assert.equal(await s.timeout(5000).emitWithAck("cancel", 7), false); // it fired
  });

  it("lists a room's sockets through cluster-sockets, answered in on-fetch", T, async () => {
    const a = await connect(server.url, { transports: ["websocket"] });
    const b = await connect(server.url, { transports: ["websocket"] });
    const other = await connect(server.url, { transports: ["websocket"] });
    assert.equal(await a.timeout(5000).emitWithAck("join", "q"), "ok");
    assert.equal(await b.timeout(5000).emitWithAck("join", "q"), "ok");
    assert.equal(await other.timeout(5000).emitWithAck("join", "elsewhere"), "ok");

    const answered = once(a, "who", 10_000);
    assert.equal(await a.timeout(5000).emitWithAck("who", "q", 1000), "ok");
    const [answer] = await answered;
    assert.ok(answer, "an answer with a JSON body");
    assert.deepEqual(answer.sockets.map((s) => s.id).sort(), [a.id, b.id].sort(), JSON.stringify(answer));
    assert.equal(answer.nodes, 1);
    assert.equal(answer.missing, 0);
    assert.ok(answer.sockets.every((s) => s.rooms.includes("q")), JSON.stringify(answer));
  });

  it("collects a broadcast's acks in on-replies: the answers and who stayed silent", T, async () => {
    const [a, b, c, d] = await Promise.all([1, 2, 3, 4].map(() => connect(server.url, { transports: ["websocket"] })));
    for (const s of [a, b, c]) assert.equal(await s.timeout(5000).emitWithAck("join", "vote"), "ok");
    a.on("vote?", (n, answer) => answer("me", n));
    b.on("vote?", (n, answer) => answer("yes", Buffer.from([n, 2])));
    const asked = record(c, "vote?"); // heard, never answered
    const outside = record(d, "vote?");

    const replied = once(a, "replies", 10_000);
    const token = await a.timeout(5000).emitWithAck("ask", "vote", "vote?", [7], 1500);
    assert.equal(typeof token, "number");
    const [r] = await replied;
    assert.equal(r.token, token);
    const bySid = Object.fromEntries(r.replies.map((x) => [x.sid, x.args]));
    assert.deepEqual(Object.keys(bySid).sort(), [a.id, b.id].sort(), JSON.stringify(r));
    assert.deepEqual(bySid[a.id], ["me", 7]);
    assert.equal(bySid[b.id][0], "yes");
    assert.ok(Buffer.from(bySid[b.id][1]).equals(Buffer.from([7, 2])), "a binary answer, decoded");
    assert.deepEqual(r.silent, [c.id]);
    assert.equal(r.missing, 0);
    assert.equal(r.complete, false);
    assert.equal(asked.length, 1);
    // d is in no room asked: a round trip of its own shows nothing came.
    assert.equal(await d.timeout(5000).emitWithAck("join", "elsewhere"), "ok");
    assert.deepEqual(outside, []);
  });

  it("completes a server emit with acks at once without a cluster; a server emit is accepted", T, async () => {
    const s = await connect(server.url, { transports: ["websocket"] });
    const replied = once(s, "replies", 10_000);
    const token = await s.timeout(5000).emitWithAck("server-ask", "anyone?", [1], 5000);
    assert.deepEqual((await replied)[0], { token, replies: [], silent: [], missing: 0, complete: true });
    assert.equal(await s.timeout(5000).emitWithAck("server-emit", "hello", [1, "two"]), "ok");
  });

  it("reports a refused outbound fetch as a FetchError in on-fetch", T, async () => {
    const s = await connect(server.url, { transports: ["websocket"] });
    const fetched = once(s, "fetched", 10_000);
    assert.equal(await s.timeout(5000).emitWithAck("fetch", "http://127.0.0.1:9/nowhere"), "ok");
    const [token, outcome] = await fetched;
    assert.equal(token, 1);
    assert.equal(typeof outcome.error, "string", JSON.stringify(outcome));
  });
});

describe("JavaScript and Python SDKs, async world, on two nodes (server events, broadcast acks)", { skip: redisSkip }, () => {
  let dir;
  let redis;
  const nodes = {};
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "sio-sdk-async-cluster-"));
    redis = await startRedis();
    for (const probe of PROBES) {
      const toml = path.join(dir, `${probe.wasm}.toml`);
      writeFileSync(toml, `[endpoints."/"]\ncomponent = ${JSON.stringify(wasm(probe.wasm))}\n`);
      nodes[probe.lang] = await startServer(["--config", toml, "--no-admin", "--redis", redis.url], {
        label: `cluster-${probe.wasm}`,
      });
    }
  });
  after(async () => {
    closeClients();
    for (const node of Object.values(nodes)) await node?.stop();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => closeClients());

  const FROM = { JavaScript: "js", Python: "python" };

  for (const [sender, receiver] of [["JavaScript", "Python"], ["Python", "JavaScript"]]) {
    it(`a ${sender} server emit reaches the ${receiver} node's handler, whose answer comes back`, T, async () => {
      const s = await connect(nodes[sender].url, { transports: ["websocket"] });
      const there = await connect(nodes[receiver].url, { transports: ["websocket"] });
      const heard = record(there, "server-event");
      const here = record(s, "server-event");

      const replied = once(s, "replies", 10_000);
      const token = await s.timeout(5000).emitWithAck("server-ask", "census", [{ n: 1 }], 5000);
      const [r] = await replied;
      assert.deepEqual(r, {
        token,
        replies: [{ sid: null, args: [{ from: FROM[receiver], event: "census", args: [{ n: 1 }] }] }],
        silent: [],
        missing: 0,
        complete: true,
      });
      assert.equal(await s.timeout(5000).emitWithAck("server-emit", "news", ["fresh", 2]), "ok");
      await waitUntil(() => heard.length === 2);
      assert.deepEqual(heard, [
        ["census", [{ n: 1 }]],
        ["news", ["fresh", 2]],
      ]);
      assert.deepEqual(here, [], "not to the sending node");
    });
  }

  it("collects the acks of both nodes' clients in one broadcast", T, async () => {
    const a = await connect(nodes.JavaScript.url, { transports: ["websocket"] });
    const b = await connect(nodes.Python.url, { transports: ["websocket"] });
    for (const s of [a, b]) {
      assert.equal(await s.timeout(5000).emitWithAck("join", "poll"), "ok");
      s.on("poll?", (answer) => answer(s === a ? "js side" : "python side"));
    }
    for (const asker of [a, b]) {
      const replied = once(asker, "replies", 10_000);
      await asker.timeout(5000).emitWithAck("ask", "poll", "poll?", [], 5000);
      const [r] = await replied;
      const other = asker === a ? b : a;
      const answers = r.replies.map((x) => [x.sid, x.args[0]]).sort((x, y) => String(x[0]).localeCompare(String(y[0])));
      assert.deepEqual(
        answers,
        [
          [asker.id, asker === a ? "js side" : "python side"],
          [null, other === a ? "js side" : "python side"], // another node's client: no conn
        ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
        JSON.stringify(r),
      );
      assert.equal(r.missing, 0);
      assert.equal(r.complete, true);
    }
  });
});

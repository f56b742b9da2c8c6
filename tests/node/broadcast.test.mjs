// Socket.IO's broadcast operator for handlers (`sio:realtime/broadcast`,
// docs/handlers.md "Broadcasts") on one node, with socket.io-client 4: a
// union of rooms and connections minus rooms and connections, each
// receiver once; another endpoint of the host; broadcasts that collect every
// client's ack (who answered, who stayed silent, early completion when a
// client leaves); volatile emits dropped and counted for a client that
// cannot take them; server events without a cluster; and a component built
// before the interface existed, still served. The handler is
// tests/handlers/broadcast-probe; the cluster side is
// cluster-broadcast.test.mjs.

import assert from "node:assert/strict";
import path from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { closeClients, connect, once, record, repoRoot, sleep, startServer, waitUntil, wasm } from "./helpers.mjs";

const T = { timeout: 30_000 };

/** Emits `event` with `args` and resolves with the ack's first argument. */
function call(socket, event, ...args) {
  return socket.timeout(10_000).emitWithAck(event, ...args).then((reply) => reply);
}

describe("broadcast operator (broadcast-probe)", () => {
  let server;
  before(async () => {
    const w = wasm("broadcast_probe");
    server = await startServer(["--no-admin", "--volatile-threshold", "0", `/=${w}`, `/other=${w}`], {
      label: "node-broadcast",
    });
  });
  after(async () => {
    closeClients();
    await server?.stop();
  });
  afterEach(() => closeClients());

  /** A websocket client of `nsp` in `rooms`, recording event `name`. */
  async function client(rooms, name = "x", nsp = "/") {
    const s = await connect(server.url + (nsp === "/" ? "" : nsp), {
      transports: ["websocket"],
      auth: { rooms },
    });
    s.got = record(s, name);
    return s;
  }

  it("reaches the union of rooms and connections, minus rooms and connections, each once", T, async () => {
    const sender = await client(["a"]);
    const a = await client(["a"]);
    const b = await client(["b"]);
    const abc = await client(["a", "b", "c"]);
    const none = await client([]);

    assert.equal(await call(sender, "emit", { rooms: ["a", "b"] }, "x", [1]), "ok");
    await waitUntil(() => a.got.length === 1 && b.got.length === 1 && abc.got.length === 1 && sender.got.length === 1);

    assert.equal(
      await call(sender, "emit", { rooms: ["a", "b"], exceptRooms: ["c"], exceptSids: ["self"] }, "x", [2]),
      "ok",
    );
    await waitUntil(() => a.got.length === 2 && b.got.length === 2);

    assert.equal(await call(sender, "emit", { sids: [b.id, none.id], rooms: ["c"] }, "x", [3]), "ok");
    await waitUntil(() => b.got.length === 3 && none.got.length === 1 && abc.got.length === 2);

    // Only connections, none of them here: nobody (not everyone).
    assert.equal(await call(sender, "emit", { sids: ["no-such-socket"] }, "x", [4]), "ok");
    await sleep(300);
    assert.deepEqual(a.got.map(([n]) => n), [1, 2]);
    assert.deepEqual(b.got.map(([n]) => n), [1, 2, 3]);
    assert.deepEqual(abc.got.map(([n]) => n), [1, 3]);
    assert.deepEqual(none.got.map(([n]) => n), [3]);
    assert.deepEqual(sender.got.map(([n]) => n), [1]);

    assert.match(await call(sender, "emit", { rooms: [""] }, "x", []), /invalid-name|InvalidName/i);
    assert.match(await call(sender, "emit", {}, "connect", []), /invalid-name|InvalidName/i);
  });

  it("emits to another endpoint of the host, selecting among its rooms", T, async () => {
    const sender = await client([]);
    const inRoom = await client(["r"], "x", "/other");
    const byId = await client([], "x", "/other");
    const elsewhere = await client(["r"]); // room "r" of "/": not reached
    assert.equal(await call(sender, "emit", { endpoint: "/other", rooms: ["r"] }, "x", ["hi"]), "ok");
    await waitUntil(() => inRoom.got.length === 1);
    assert.equal(await call(sender, "emit", { endpoint: "/other", exceptRooms: ["r"] }, "x", ["all but r"]), "ok");
    await waitUntil(() => byId.got.length === 1);
    await sleep(200);
    assert.deepEqual(inRoom.got, [["hi"]]);
    assert.deepEqual(byId.got, [["all but r"]]);
    assert.equal(elsewhere.got.length, 0);
    assert.match(await call(sender, "emit", { endpoint: "/nowhere" }, "x", []), /invalid-name|InvalidName/i);
  });

  it("collects every client's ack: who answered, who stayed silent", T, async () => {
    const asker = await client([]);
    const yes = await client(["q"]);
    const no = await client(["q"]);
    const mute = await client(["q"]); // never answers
    yes.on("poll", (n, ack) => ack("yes", n));
    no.on("poll", (n, ack) => ack("no", n));
    const replies = once(asker, "replies", 15_000);
    const token = await call(asker, "ask", { rooms: ["q"] }, "poll", [7], 1500);
    assert.equal(typeof token, "number");
    const [outcome] = await replies;
    assert.equal(outcome.token, token);
    const bySid = Object.fromEntries(outcome.replies.map((r) => [r.sid, r.args]));
    assert.deepEqual(bySid, { [yes.id]: ["yes", 7], [no.id]: ["no", 7] });
    assert.deepEqual(outcome.silent, [mute.id]);
    assert.equal(outcome.missing, 0);
  });

  it("completes as soon as everyone answered or left, long before the timeout", T, async () => {
    const asker = await client([]);
    const a = await client(["p"]);
    const leaver = await client(["p"]);
    a.on("poll", (ack) => ack("here"));
    leaver.on("poll", () => leaver.disconnect());
    const replies = once(asker, "replies", 20_000);
    // A one-minute timeout: the test's own 30 s would fail if it waited.
    await call(asker, "ask", { rooms: ["p"] }, "poll", [], 60_000);
    const [outcome] = await replies;
    assert.deepEqual(outcome.replies, [{ sid: a.id, args: ["here"] }]);
    assert.equal(outcome.silent.length, 1); // the leaver, by id once it is gone
  });

  it("asks nobody: completes at once with no replies", T, async () => {
    const asker = await client([]);
    const replies = once(asker, "replies");
    await call(asker, "ask", { rooms: ["empty-room"] }, "poll", [], 60_000);
    const [outcome] = await replies;
    assert.deepEqual([outcome.replies, outcome.silent, outcome.missing], [[], [], 0]);
  });

  it("drops volatile emits a client cannot take now, and counts them; plain ones all arrive", T, async () => {
    const sender = await client([]);
    const target = await client([], "v");
    const before = (await (await fetch(`${server.url}/stats`)).json()).volatile_dropped;
    // Twenty emits in one handler call: the first is queued, the rest find
    // the queue above --volatile-threshold 0 and are dropped.
    assert.equal(await call(sender, "emit", { sids: [target.id], volatile: true }, "v", ["v"], 20), "ok");
    await waitUntil(() => target.got.length >= 1);
    await sleep(300);
    assert.ok(target.got.length < 20, `${target.got.length} of 20 volatile emits arrived`);
    const stats = await (await fetch(`${server.url}/stats`)).json();
    assert.equal(stats.volatile_dropped - before, 20 - target.got.length);

    const plain = await client([], "p");
    assert.equal(await call(sender, "emit", { sids: [plain.id] }, "p", ["p"], 20), "ok");
    await waitUntil(() => plain.got.length === 20);
  });

  it("server events without a cluster: an emit goes nowhere, an ask completes at once", T, async () => {
    const asker = await client([]);
    assert.equal(await call(asker, "server-emit", "ping", [1]), "ok");
    const replies = once(asker, "replies");
    await call(asker, "server-ask", "ping", [1], 60_000);
    const [outcome] = await replies;
    assert.deepEqual([outcome.replies, outcome.silent, outcome.missing], [[], [], 0]);
  });
});

describe("a component built before sio:realtime/broadcast", () => {
  let server;
  before(async () => {
    const old = path.join(repoRoot, "tests/fixtures/async-probe-0.1.0-before-broadcast.wasm");
    server = await startServer(["--no-admin", `/=${old}`], { label: "node-broadcast-old" });
  });
  after(async () => {
    closeClients();
    await server?.stop();
  });

  it("loads and serves unchanged", T, async () => {
    const s = await connect(server.url, { transports: ["websocket"] });
    assert.equal(await s.timeout(5000).emitWithAck("seq", 5), 5);
    assert.equal(await s.timeout(5000).emitWithAck("set", 1, 10, false), "ok");
    await once(s, "timer");
  });
});

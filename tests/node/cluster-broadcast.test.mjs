// Broadcasts with acks and server events across a cluster (issue 21): two
// sio-host nodes serving tests/handlers/broadcast-probe and a Node
// Socket.IO 4.8 server on one real redis-server, once with
// @socket.io/redis-adapter 8.3 (`--redis-adapter pubsub`, the default) and
// once with @socket.io/redis-streams-adapter 0.3 (`--redis-adapter
// streams`), each with official socket.io-client@4 clients.
//
// - A sio-host client's `ask` (the handler's broadcast with acks) collects
//   the acks of sio-host's clients on both nodes and of the Node server's
//   clients; a silent client shows in `silent` (here) or `missing` (on
//   another node); `local` asks this node only.
// - Node's `io.timeout(ms).emitWithAck(..)` collects sio-host's clients'
//   acks, binary included.
// - Node's `serverSideEmit` / `serverSideEmitWithAck` reach the handler
//   (`on-server-event`) and get its answer; sio-host's `server-emit` /
//   `server-ask` reach Node's `io.on(event)` listeners and the other
//   sio-host node, never the sender itself.
//
// Skipped only when redis-server is missing outside CI; in CI it must exist.

import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import { createAdapter as pubsubAdapter } from "@socket.io/redis-adapter";
import { createAdapter as streamsAdapter } from "@socket.io/redis-streams-adapter";
import { createClient } from "redis";
import { Server } from "socket.io";
import { closeClients, connect, record, sleep, startServer, waitFor, waitUntil, wasm } from "./helpers.mjs";
import { redisSkip, startRedis } from "./redis-server.mjs";

const T = { timeout: 60_000 };

/** A Node Socket.IO server on the adapter `kind`: its clients join the
 * rooms of their auth `{rooms}`; it answers the server event `srv-q` with
 * `{node: x}` and records every server event it hears. */
async function startNodeServer(kind, redisUrl) {
  const clients = [];
  const client = () => {
    const c = createClient({ url: redisUrl });
    c.on("error", () => {});
    clients.push(c);
    return c;
  };
  let adapter;
  if (kind === "pubsub") {
    const pub = client();
    const sub = client();
    await Promise.all([pub.connect(), sub.connect()]);
    adapter = pubsubAdapter(pub, sub);
  } else {
    const c = client();
    await c.connect();
    adapter = streamsAdapter(c);
  }
  const httpServer = http.createServer();
  const io = new Server(httpServer, { adapter });
  io.on("connection", (socket) => {
    for (const room of socket.handshake.auth?.rooms ?? []) socket.join(room);
  });
  const heard = [];
  io.on("hello", (...args) => heard.push(["hello", ...args]));
  io.on("srv-q", (x, cb) => cb({ node: x }));
  await new Promise((r) => httpServer.listen(0, "127.0.0.1", r));
  return {
    io,
    heard,
    url: `http://127.0.0.1:${httpServer.address().port}`,
    async stop() {
      io.close();
      await Promise.allSettled(clients.map((c) => c.quit()));
    },
  };
}

/** A client of `url` in `rooms`. */
const member = (url, rooms = []) => connect(url, { transports: ["websocket"], auth: { rooms } });

/** Ask through the probe on `s`'s node: a broadcast with acks of `event`
 * (`args`) to `selector`; resolves with the `replies` it gets. */
async function ask(s, selector, event, args, ms) {
  const token = await s.timeout(5000).emitWithAck("ask", selector, event, args, ms);
  assert.equal(typeof token, "number", `ask refused: ${token}`);
  const [replies] = await waitFor(s, "replies", (r) => r?.token === token, ms + 10_000);
  return replies;
}

/** The probe's `server-ask` through `s`; resolves with its `replies`. */
async function serverAsk(s, event, args, ms) {
  const token = await s.timeout(5000).emitWithAck("server-ask", event, args, ms);
  assert.equal(typeof token, "number", `server-ask refused: ${token}`);
  const [replies] = await waitFor(s, "replies", (r) => r?.token === token, ms + 10_000);
  return replies;
}

/** Resolves once `io.fetchSockets()` finds `n` sockets: every node answers
 * the others' requests. */
async function settled(io, n) {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await io.fetchSockets()).length === n) return;
    } catch {
      // a node did not answer yet
    }
    await sleep(200);
  }
  throw new Error(`fetchSockets never found ${n} sockets`);
}

/** Replies in a stable order, for comparing. */
const sorted = (replies) => [...replies].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

for (const kind of ["pubsub", "streams"]) {
  describe(`broadcast acks and server events across a cluster (${kind} adapter)`, { skip: redisSkip }, () => {
    let redis, a, b, node;
    // Clients: the asker on node a is in no room; a1, b1 and n1 (on a, b
    // and the Node server) answer `q`-like events; aQuiet and nQuiet are
    // in room `r` too but never answer.
    let asker, a1, aQuiet, b1, n1, nQuiet;

    before(async () => {
      redis = await startRedis();
      const args = [wasm("broadcast_probe"), "--redis", redis.url, "--redis-adapter", kind];
      a = await startServer(args, { label: `cluster-broadcast-${kind}-a` });
      b = await startServer(args, { label: `cluster-broadcast-${kind}-b` });
      node = await startNodeServer(kind, redis.url);
      asker = await member(a.url);
      a1 = await member(a.url, ["r"]);
      aQuiet = await member(a.url, ["r", "quiet"]);
      b1 = await member(b.url, ["r"]);
      n1 = await member(node.url, ["r"]);
      nQuiet = await member(node.url, ["r", "quiet"]);
      for (const [s, by] of [[a1, "a1"], [b1, "b1"], [n1, "n1"]]) {
        s.on("q", (x, cb) => cb({ by, x }));
        s.on("lq", (x, cb) => cb({ by, x }));
        s.on("qb", (x, cb) => cb({ by, x, bin: Buffer.from([x, 0, 255]) }));
      }
      // Every node answers the others' requests once its subscriptions are
      // up: Node's fetchSockets then finds every socket.
      await settled(node.io, 6);
    });
    after(async () => {
      closeClients();
      for (const p of [node, b, a, redis]) await p?.stop();
    });

    it("a sio-host client's ask collects the acks of every node's clients", T, async () => {
      const all = await ask(asker, { exceptSids: ["self"], exceptRooms: ["quiet"] }, "q", [1], 10_000);
      assert.deepEqual(
        sorted(all.replies),
        sorted([
          { sid: a1.id, args: [{ by: "a1", x: 1 }] },
          { sid: null, args: [{ by: "b1", x: 1 }] },
          { sid: null, args: [{ by: "n1", x: 1 }] },
        ]),
        JSON.stringify(all),
      );
      assert.deepEqual(all.silent, []);
      assert.equal(all.missing, 0);

      // To a room with a silent client here and one on the Node server.
      const room = await ask(asker, { rooms: ["r"] }, "q", [2], 1500);
      assert.deepEqual(
        sorted(room.replies),
        sorted([
          { sid: a1.id, args: [{ by: "a1", x: 2 }] },
          { sid: null, args: [{ by: "b1", x: 2 }] },
          { sid: null, args: [{ by: "n1", x: 2 }] },
        ]),
        JSON.stringify(room),
      );
      assert.deepEqual(room.silent, [aQuiet.id]);
      assert.equal(room.missing, 1, "nQuiet on the Node server did not answer");
    });

    it("a local ask reaches this node's clients only", T, async () => {
      const seen = [b1, n1].map((s) => record(s, "lq"));
      const local = await ask(asker, { rooms: ["r"], local: true }, "lq", [3], 1500);
      assert.deepEqual(local.replies, [{ sid: a1.id, args: [{ by: "a1", x: 3 }] }]);
      assert.deepEqual(local.silent, [aQuiet.id]);
      assert.equal(local.missing, 0);
      // The other nodes heard nothing of it (a later cluster-wide ask
      // arrives after it would have).
      const after = await ask(asker, { rooms: ["r"], exceptRooms: ["quiet"] }, "q", [4], 10_000);
      assert.equal(after.replies.length, 3);
      assert.deepEqual(seen, [[], []]);
    });

    it("Node's emitWithAck collects the acks of sio-host's clients, binary included", T, async () => {
      const answers = await node.io.to("r").except("quiet").timeout(10_000).emitWithAck("qb", 7);
      const byName = Object.fromEntries(answers.map((x) => [x.by, x]));
      assert.deepEqual(Object.keys(byName).sort(), ["a1", "b1", "n1"]);
      for (const name of ["a1", "b1", "n1"]) {
        assert.equal(byName[name].x, 7);
        assert.deepEqual([...Buffer.from(byName[name].bin)], [7, 0, 255]);
      }
      // A silent sio-host client: Node's timeout, with the others' answers.
      await assert.rejects(node.io.to("quiet").timeout(1000).emitWithAck("q", 0), /timed out/);
    });

    it("Node's server events reach the sio-host handler, which answers", T, async () => {
      const got = [a1, b1].map((s) => waitFor(s, "server-event", (event) => event === "ping"));
      node.io.serverSideEmit("ping", 1, { a: "b" });
      for (const [event, args] of await Promise.all(got)) {
        assert.equal(event, "ping");
        assert.deepEqual(args, [1, { a: "b" }]);
      }
      const answers = await node.io.serverSideEmitWithAck("ping2", 2);
      assert.deepEqual(answers, [
        { from: "sio-host", event: "ping2", args: [2] },
        { from: "sio-host", event: "ping2", args: [2] },
      ]);
    });

    it("sio-host's server events reach Node and the other node, never the sender", T, async () => {
      const aHeard = record(a1, "server-event");
      const toB = waitFor(b1, "server-event", (event) => event === "hello");
      assert.equal(await asker.timeout(5000).emitWithAck("server-emit", "hello", [1, "two"]), "ok");
      assert.deepEqual(await toB, ["hello", [1, "two"]]);
      await waitUntil(() => node.heard.length > 0);
      assert.deepEqual(node.heard, [["hello", 1, "two"]]);

      // With acks: Node's listener and node b answer.
      const replies = await serverAsk(asker, "srv-q", [5], 10_000);
      assert.deepEqual(
        sorted(replies.replies),
        sorted([
          { sid: null, args: [{ node: 5 }] },
          { sid: null, args: [{ from: "sio-host", event: "srv-q", args: [5] }] },
        ]),
        JSON.stringify(replies),
      );
      assert.equal(replies.missing, 0);

      // An event the Node server has no listener for: node b answers, Node
      // never does.
      const unheard = await serverAsk(asker, "unheard", [], 1500);
      assert.deepEqual(unheard.replies, [{ sid: null, args: [{ from: "sio-host", event: "unheard", args: [] }] }]);
      assert.equal(unheard.missing, 1);

      // Node a's own clients heard none of its server events (the Node
      // server's from the test before may still be arriving).
      await sleep(300);
      const mine = new Set(["hello", "srv-q", "unheard"]);
      assert.deepEqual(
        aHeard.filter(([event]) => mine.has(event)),
        [],
      );
    });
  });
}

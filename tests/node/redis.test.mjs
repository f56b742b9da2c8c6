// Scale-out through a real redis-server (issue 11): sio-host nodes started
// with `--redis`, and a Node Socket.IO 4 server with @socket.io/redis-adapter
// 8.3 in the same cluster, each with official socket.io-client@4 clients.
// The handler is examples/chat (`nick`, `join`, `say` text+room → `said`,
// `file` → everyone else).
//
// Skipped only when redis-server is missing outside CI; in CI it must exist.

import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import { createAdapter } from "@socket.io/redis-adapter";
import { createClient } from "redis";
import { Server } from "socket.io";
import { chatArgs, closeClients, connect, sleep, startServer, waitFor, wasm } from "./helpers.mjs";
import { closeClientsV2, connectV2, emitWithAckV2 } from "./helpers-v2.mjs";
import { redisSkip, startRedis } from "./redis-server.mjs";

const skip = redisSkip;
const T = { timeout: 60_000 };

/** A Node Socket.IO 4 server speaking the chat's events, on the Redis adapter. */
async function startNodeServer(redisUrl) {
  const pub = createClient({ url: redisUrl });
  const sub = pub.duplicate();
  pub.on("error", () => {});
  sub.on("error", () => {});
  await Promise.all([pub.connect(), sub.connect()]);
  const httpServer = http.createServer();
  const io = new Server(httpServer, { adapter: createAdapter(pub, sub) });
  io.on("connection", (socket) => {
    socket.on("join", (room, ack) => {
      socket.join(room);
      ack?.({ ok: true });
    });
    socket.on("say", (text, room, ack) => {
      io.to(room).emit("said", { nick: "node", text });
      ack?.({ ok: true });
    });
  });
  await new Promise((r) => httpServer.listen(0, "127.0.0.1", r));
  return {
    io,
    url: `http://127.0.0.1:${httpServer.address().port}`,
    async stop() {
      io.close();
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}

/** A chat client on `url` with a nickname, in `room`. */
async function member(url, nick, room) {
  const s = await connect(url, { transports: ["websocket"] });
  if (nick) assert.deepEqual(await s.timeout(5000).emitWithAck("nick", nick), { ok: true });
  assert.deepEqual(await s.timeout(5000).emitWithAck("join", room), { ok: true });
  return s;
}

const said = (text) => (m) => m?.text === text;

/** A sio-host node of the cluster, serving the chat. */
const hostNode = (redis, label) => startServer([...chatArgs(), "--redis", redis.url], { label });

/** Closes the clients, then stops the servers and Redis (those started). */
async function stopAll(...parts) {
  closeClients();
  closeClientsV2();
  for (const p of parts) await p?.stop();
}

async function stats(server) {
  const res = await fetch(`${server.url}/stats`);
  return (await res.json()).adapter;
}

/** Broadcasts from one node reach the others only once every node's
 * subscription is up: retry the first message until it arrives. */
async function untilDelivered(send, arrived, { tries = 50, every = 200 } = {}) {
  for (let i = 0; i < tries; i++) {
    send(i);
    try {
      return await arrived(i, every);
    } catch {
      // not yet
    }
  }
  throw new Error(`not delivered after ${tries} tries`);
}

describe("Redis adapter: two sio-host nodes", { skip }, () => {
  let redis, a, b;
  before(async () => {
    redis = await startRedis();
    a = await hostNode(redis, "redis-node-a");
    b = await hostNode(redis, "redis-node-b");
  });
  after(() => stopAll(a, b, redis));

  it("a room broadcast reaches clients on both nodes, and only the room", T, async () => {
    const alice = await member(a.url, "alice", "lobby");
    const bob = await member(b.url, "bob", "lobby");
    const carol = await member(b.url, "carol", "elsewhere");
    const carolSaid = [];
    carol.on("said", (m) => carolSaid.push(m));

    await untilDelivered(
      (i) => alice.emit("say", `warm-up ${i}`, "lobby"),
      (i, ms) => waitFor(bob, "said", said(`warm-up ${i}`), ms),
    );
    const both = Promise.all([
      waitFor(alice, "said", said("hello lobby")),
      waitFor(bob, "said", said("hello lobby")),
    ]);
    alice.emit("say", "hello lobby", "lobby");
    const [[toAlice], [toBob]] = await both;
    assert.deepEqual(toAlice, { nick: "alice", text: "hello lobby" });
    assert.deepEqual(toBob, { nick: "alice", text: "hello lobby" });

    // And back, from node b.
    const back = waitFor(alice, "said", said("hi from b"));
    bob.emit("say", "hi from b", "lobby");
    assert.deepEqual((await back)[0], { nick: "bob", text: "hi from b" });
    await sleep(300);
    assert.deepEqual(carolSaid, [], "carol is not in the lobby");

    // Binary to everyone but the sender crosses nodes with its bytes.
    const file = waitFor(bob, "file", (info) => info?.name === "f.bin");
    alice.emit("file", "f.bin", Buffer.from([0, 1, 2, 255]));
    const [info, bytes] = await file;
    assert.deepEqual(info, { nick: "alice", name: "f.bin" });
    assert.deepEqual([...Buffer.from(bytes)], [0, 1, 2, 255]);

    const sa = await stats(a);
    assert.equal(sa.kind, "redis");
    assert.equal(sa.connected, true);
    assert.ok(sa.published >= 3, `published ${sa.published}`);
    assert.ok((await stats(b)).received >= 3);
  });

  it("malformed messages on the cluster's channels are counted and ignored", T, async () => {
    const alice = await member(a.url, "alice3", "m");
    const bob = await member(b.url, "bob3", "m");
    const before = (await stats(b)).malformed;
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      await raw.publish("socket.io#/#", Buffer.from([0x93, 0xc1, 0x00]));
      await raw.publish("socket.io#/#m#", Buffer.from("not msgpack"));
      await raw.publish("socket.io-request#/#", "{\"type\":\"nope\"}");
    } finally {
      await raw.quit();
    }
    await untilDelivered(
      (i) => alice.emit("say", `still fine ${i}`, "m"),
      (i, ms) => waitFor(bob, "said", said(`still fine ${i}`), ms),
    );
    assert.ok((await stats(b)).malformed >= before + 3, "three malformed messages counted");
    assert.match(b.logs(), /redis adapter: ignoring a message/);
  });

  it("Redis restarting leaves every client connected and delivery resumes", T, async () => {
    const alice = await member(a.url, "alice2", "r");
    const bob = await member(b.url, "bob2", "r");
    const disconnects = [];
    for (const s of [alice, bob]) s.on("disconnect", (why) => disconnects.push(why));
    await untilDelivered(
      (i) => alice.emit("say", `before ${i}`, "r"),
      (i, ms) => waitFor(bob, "said", said(`before ${i}`), ms),
    );
    const lostBefore = (await stats(a)).lost;

    await redis.restart(500, async () => {
      // While Redis is down: local delivery goes on, the copy for node b
      // is lost and counted.
      await sleep(300);
      const local = waitFor(alice, "said", said("while down"));
      alice.emit("say", "while down", "r");
      await local;
    });

    await untilDelivered(
      (i) => alice.emit("say", `after ${i}`, "r"),
      (i, ms) => waitFor(bob, "said", said(`after ${i}`), ms),
    );
    const back = waitFor(alice, "said", said("b after restart"));
    bob.emit("say", "b after restart", "r");
    await back;

    assert.deepEqual(disconnects, []);
    assert.ok(alice.connected && bob.connected);
    const sa = await stats(a);
    assert.ok(sa.lost > lostBefore, `lost ${sa.lost} (was ${lostBefore})`);
    assert.ok(sa.reconnects >= 1, `reconnects ${sa.reconnects}`);
    assert.ok((await stats(b)).reconnects >= 1);
    assert.match(a.logs(), /Redis is unreachable/);
  });
});

describe("Redis adapter: sio-host and a Node Socket.IO 4 server in one cluster", { skip }, () => {
  let redis, host, node;
  before(async () => {
    redis = await startRedis();
    host = await hostNode(redis, "redis-node-interop");
    node = await startNodeServer(redis.url);
  });
  after(() => stopAll(node, host, redis));

  it("room broadcasts go both ways, binary included", T, async () => {
    const onHost = await member(host.url, "hal", "room1");
    const onNode = await member(node.url, null, "room1");
    const outsider = await member(host.url, "out", "room2");
    const outsiderSaid = [];
    outsider.on("said", (m) => outsiderSaid.push(m));

    // sio-host → Node.
    await untilDelivered(
      (i) => onHost.emit("say", `from host ${i}`, "room1"),
      (i, ms) => waitFor(onNode, "said", said(`from host ${i}`), ms),
    );
    // Node → sio-host.
    const fromNode = waitFor(onHost, "said", said("from node"));
    onNode.emit("say", "from node", "room1");
    assert.deepEqual((await fromNode)[0], { nick: "node", text: "from node" });

    // Node's io.to(room).except(id) with a binary argument, to a 4.x and a
    // 2.x (Engine.IO 3) client of sio-host.
    const v2 = await connectV2(host.url, { transports: ["websocket"] });
    assert.deepEqual(await emitWithAckV2(v2, "join", "room1"), [{ ok: true }]);
    const bins = [onHost, v2].map((s) => waitFor(s, "blob", () => true));
    node.io.to("room1").except(onNode.id).emit("blob", { n: 1 }, Buffer.from([9, 8, 7]));
    for (const [meta, bytes] of await Promise.all(bins)) {
      assert.deepEqual(meta, { n: 1 });
      assert.deepEqual([...Buffer.from(bytes)], [9, 8, 7]);
    }

    // .except(a sio-host socket's id) skips that socket only.
    const skipped = [];
    onHost.on("skip", () => skipped.push("onHost"));
    const v2Got = waitFor(v2, "skip", () => true);
    node.io.to("room1").except(onHost.id).emit("skip", 1);
    await v2Got;
    await sleep(300);
    assert.deepEqual(skipped, []);

    // sio-host's binary `file` (to everyone else) reaches the Node client.
    const file = waitFor(onNode, "file", (info) => info?.name === "x");
    onHost.emit("file", "x", Buffer.from([1, 2, 3]));
    assert.deepEqual([...Buffer.from((await file)[1])], [1, 2, 3]);

    await sleep(300);
    assert.deepEqual(
      outsiderSaid.filter((m) => m.text.startsWith("from")),
      [],
      "room2 hears nothing of room1",
    );
  });

  it("Node's cluster requests see sio-host's sockets: fetchSockets, socketsJoin, emitWithAck", T, async () => {
    const onHost = await member(host.url, "req", "q1");
    onHost.on("ask", (x, ack) => ack(x + 1));

    const found = await node.io.in("q1").fetchSockets();
    const mine = found.find((s) => s.id === onHost.id);
    assert.ok(mine, `fetchSockets found ${found.map((s) => s.id)}`);
    assert.ok(mine.rooms.has("q1") && mine.rooms.has(onHost.id));
    // The chat keeps the nickname as the connection's host-held data.
    assert.deepEqual(mine.data, { nickname: "req" });

    const rooms = await node.io.of("/").adapter.allRooms();
    assert.ok(rooms.has("q1"));

    // A remote join of the sio-host socket, then a broadcast to that room.
    node.io.in(onHost.id).socketsJoin("joined-by-node");
    await sleep(300);
    const got = waitFor(onHost, "hey", () => true);
    node.io.to("joined-by-node").emit("hey", "you");
    assert.deepEqual(await got, ["you"]);

    // Broadcast with acks: the sio-host client's answer comes back to Node.
    const answers = await node.io.to("q1").timeout(5000).emitWithAck("ask", 41);
    assert.deepEqual(answers, [42]);

    // A remote disconnect.
    const gone = new Promise((r) => onHost.once("disconnect", r));
    node.io.in(onHost.id).disconnectSockets();
    assert.equal(await gone, "io server disconnect");
  });
});

describe("Redis adapter: a handler's cluster-wide room query (async-host.cluster-sockets)", { skip }, () => {
  let redis, a, b, node;
  before(async () => {
    redis = await startRedis();
    const args = [wasm("async_probe"), "--redis", redis.url];
    a = await startServer(args, { label: "redis-query-a" });
    b = await startServer(args, { label: "redis-query-b" });
    node = await startNodeServer(redis.url);
  });
  after(() => stopAll(node, b, a, redis));

  const join = (s, room) => s.timeout(5000).emitWithAck("join", room);
  // The probe acks with one argument: emitWithAck resolves with it.
  /** Ask through `s` (on a sio-host node) who is in `room` on every node. */
  async function who(s, room, ms = 3000) {
    const answer = waitFor(s, "who", () => true, ms + 5000);
    assert.equal(await s.timeout(5000).emitWithAck("who", room, ms), "ok");
    return (await answer)[0];
  }

  it("lists the room's sockets of every node: two sio-host nodes and a Node peer", T, async () => {
    const onA = await connect(a.url, { transports: ["websocket"] });
    const onB = await connect(b.url, { transports: ["websocket"] });
    const onNode = await connect(node.url, { transports: ["websocket"] });
    const elsewhere = await connect(b.url, { transports: ["websocket"] });
    assert.equal(await join(onA, "q"), "ok");
    assert.equal(await join(onB, "q"), "ok");
    assert.deepEqual(await onNode.timeout(5000).emitWithAck("join", "q"), { ok: true });
    assert.equal(await join(elsewhere, "other"), "ok");
    await sleep(300); // the subscriptions of the newest node settle

    const answer = await who(onA, "q");
    const ids = answer.sockets.map((s) => s.id).sort();
    assert.deepEqual(ids, [onA.id, onB.id, onNode.id].sort(), JSON.stringify(answer));
    assert.equal(answer.nodes, 3);
    assert.equal(answer.missing, 0);
    const fromNode = answer.sockets.find((s) => s.id === onNode.id);
    assert.ok(fromNode.rooms.includes("q"), JSON.stringify(fromNode));

    // Every socket, when no room is named; the other room's too.
    const all = await who(onB, null);
    assert.ok(all.sockets.some((s) => s.id === elsewhere.id));
    assert.equal(all.nodes, 3);
  });
});

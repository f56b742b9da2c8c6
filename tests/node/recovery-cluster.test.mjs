// Connection state recovery across a cluster (docs/recovery.md, issue 18):
// sio-host nodes with `--redis-adapter streams`, and a Node Socket.IO 4
// server with @socket.io/redis-streams-adapter 0.3 and
// connectionStateRecovery, on one real redis-server. A client that drops
// from one node recovers on another; a Node client recovers against events
// sio-host sent, and a client of the Node server recovers on sio-host.
// The sio-host handler is tests/handlers/recovery-probe.

import assert from "node:assert/strict";
import http from "node:http";
import { after, describe, it } from "node:test";
import { createAdapter } from "@socket.io/redis-streams-adapter";
import { createClient } from "redis";
import { Server } from "socket.io";
import { closeClients, connect, once, record, sleep, startServer, waitUntil } from "./helpers.mjs";
import { redisSkip, startRedis } from "./redis-server.mjs";
import { cut, probeArgs, reconnecting } from "./recovery-helpers.mjs";

const T = { timeout: 90_000, skip: redisSkip };

const ask = (s, event, ...args) => s.timeout(5000).emitWithAck(event, ...args);
/** The events' first arguments (the offset rides last). */
const firsts = (seen) => seen.map((args) => args[0]);

/** A Node Socket.IO server on the streams adapter, with recovery, speaking a
 * few of the probe's events. */
async function startNodeServer(redisUrl) {
  const client = createClient({ url: redisUrl });
  client.on("error", () => {});
  await client.connect();
  const httpServer = http.createServer();
  const io = new Server(httpServer, {
    adapter: createAdapter(client),
    connectionStateRecovery: { maxDisconnectionDuration: 60_000 },
    pingInterval: 300,
    pingTimeout: 300,
  });
  io.on("connection", (socket) => {
    socket.on("join", (room, ack) => {
      socket.join(room);
      ack?.("ok");
    });
    socket.on("to-all", (...args) => io.emit("all-msg", ...args));
    socket.on("to-room", (room, ...args) => io.to(room).emit("room-msg", ...args));
    socket.on("whoami", (ack) => ack({ sid: socket.id, rooms: [...socket.rooms].sort(), recovered: socket.recovered }));
  });
  await new Promise((r) => httpServer.listen(0, "127.0.0.1", r));
  return {
    io,
    url: `http://127.0.0.1:${httpServer.address().port}`,
    async stop() {
      io.close();
      await client.quit().catch(() => {});
    },
  };
}

/** Point a client's next reconnection at another server. */
function moveTo(socket, url) {
  socket.io.uri = url;
}

describe("connection state recovery across a cluster (streams adapter)", () => {
  const stop = [];
  after(async () => {
    closeClients();
    for (const s of stop.reverse()) await s.stop();
  });

  it("a client that drops from one sio-host node recovers on another, with what both nodes sent", T, async () => {
    const redis = await startRedis();
    stop.push(redis);
    const args = probeArgs("--redis", redis.url, "--redis-adapter", "streams");
    const a = await startServer(args, { label: "recovery-cluster-a" });
    stop.push(a);
    const b = await startServer(args, { label: "recovery-cluster-b" });
    stop.push(b);
    await sleep(500); // both readers follow the stream
    const user = await reconnecting(a.url, { transports: ["websocket"] });
    const onA = await connect(a.url, { transports: ["websocket"] });
    const onB = await connect(b.url, { transports: ["websocket"] });
    assert.equal(await ask(user, "join", "r"), "ok");
    assert.equal(await ask(user, "set-data", { nick: "ann" }), "ok");
    const id = user.id;
    const roomMsgs = record(user, "room-msg");
    const all = record(user, "all-msg");
    onB.emit("to-room", "r", 0);
    await waitUntil(() => roomMsgs.length === 1, 10_000);
    // Offsets are the stream's entry ids.
    assert.match(roomMsgs[0].at(-1), /^\d+-\d+$/);

    moveTo(user, b.url);
    cut(user);
    const back = once(user, "connect", 15_000);
    await once(user, "disconnect");
    for (let i = 1; i <= 3; i++) {
      onA.emit("to-room", "r", i);
      onB.emit("to-room", "r", i + 10);
      onA.emit("to-all", i);
    }
    await back;
    assert.equal(user.recovered, true);
    assert.equal(user.id, id);
    await waitUntil(() => roomMsgs.length === 7 && all.length === 3, 10_000);
    await sleep(200);
    assert.deepEqual(firsts(roomMsgs).sort((x, y) => x - y), [0, 1, 2, 3, 11, 12, 13]);
    assert.deepEqual(firsts(all), [1, 2, 3]);
    // Now on B, with its room and data.
    const who = await ask(user, "whoami");
    assert.equal(who.sid, id);
    assert.deepEqual(who.rooms, ["r", id].sort());
    assert.deepEqual(who.data, { nick: "ann" });
    assert.equal(who.recovered, 1);
    const stats = await (await fetch(`${b.url}/stats`)).json();
    assert.equal(stats.recovery.recovered_remote, 1);
    // B's later room messages reach it on B.
    onA.emit("to-room", "r", 4);
    await waitUntil(() => roomMsgs.length === 8, 10_000);
  });

  it("interoperates with Node: a Node client recovers sio-host's events, a Node server's client recovers on sio-host", T, async () => {
    const redis = await startRedis();
    stop.push(redis);
    const host = await startServer(probeArgs("--redis", redis.url, "--redis-adapter", "streams"), {
      label: "recovery-cluster-node",
    });
    stop.push(host);
    const node = await startNodeServer(redis.url);
    stop.push(node);
    await sleep(500);

    // 1. A client of the Node server; sio-host broadcasts while it is away.
    const viaNode = await reconnecting(node.url, { transports: ["websocket"] });
    const onHost = await connect(host.url, { transports: ["websocket"] });
    const all = record(viaNode, "all-msg");
    onHost.emit("to-all", 0);
    await waitUntil(() => all.length === 1, 10_000);
    const nodeId = viaNode.id;
    cut(viaNode);
    await once(viaNode, "disconnect");
    for (let i = 1; i <= 3; i++) onHost.emit("to-all", i);
    await once(viaNode, "connect", 15_000);
    assert.equal(viaNode.recovered, true);
    assert.equal(viaNode.id, nodeId);
    await waitUntil(() => all.length === 4, 10_000);
    assert.deepEqual(firsts(all), [0, 1, 2, 3]);

    // 2. The same client moves to sio-host: the session Node kept is read
    // there, with what Node sent meanwhile.
    assert.equal(await ask(viaNode, "join", "n"), "ok");
    const onNode = await connect(node.url, { transports: ["websocket"] });
    const roomMsgs = record(viaNode, "room-msg");
    onNode.emit("to-room", "n", 0);
    await waitUntil(() => roomMsgs.length === 1, 10_000);
    moveTo(viaNode, host.url);
    cut(viaNode);
    await once(viaNode, "disconnect");
    for (let i = 1; i <= 3; i++) onNode.emit("to-room", "n", i);
    await once(viaNode, "connect", 15_000);
    assert.equal(viaNode.recovered, true);
    assert.equal(viaNode.id, nodeId);
    await waitUntil(() => roomMsgs.length === 4, 10_000);
    assert.deepEqual(firsts(roomMsgs), [0, 1, 2, 3]);
    const who = await ask(viaNode, "whoami");
    assert.deepEqual(who.rooms, ["n", nodeId].sort());
  });
});

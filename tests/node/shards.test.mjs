// A sharded endpoint (`--shards 2`; docs/handlers.md, "Sharded
// endpoints") with socket.io-client 4: clients land on both instances
// (connection c on shard c % 2), and what a handler does reaches every
// shard's connections as it would with one instance: broadcasts to rooms
// and to everyone, each receiver once; an emit, join, leave or disconnect
// aimed at another shard's connection; emit-with-ack and broadcast acks
// across shards; room listings and cluster-sockets counting every shard;
// the key-value store shared; a hot reload swapping every shard. The
// handler is tests/handlers/shard-probe.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { closeClients, connect, hostBin, once, record, sleep, startServer, waitUntil, wasm } from "./helpers.mjs";

const run = promisify(execFile);
const T = { timeout: 30_000 };

/** Emits `event` with `args` and resolves with the ack's first argument. */
function call(socket, event, ...args) {
  return socket.timeout(10_000).emitWithAck(event, ...args);
}

describe("sharded endpoint (shards = 2, shard-probe)", () => {
  let server;
  let dir;
  let adminFile;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "sio-shards-node-"));
    adminFile = path.join(dir, "admin.json");
    server = await startServer(["--admin-file", adminFile, "--shards", "2", `/=${wasm("shard_probe")}`], {
      label: "node-shards",
    });
  });
  after(async () => {
    closeClients();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => closeClients());

  /** A websocket client in `rooms`, with its conn id and instance. */
  async function client(rooms = [], setup = () => {}) {
    const s = await connect(server.url, { transports: ["websocket"], auth: { rooms } }, setup);
    const me = await call(s, "whoami");
    s.conn = me.conn;
    s.instance = me.instance;
    return s;
  }

  /** Clients until there is one on each shard: [shard 0's, shard 1's]. */
  async function onBothShards(rooms = [], setup = () => {}) {
    const by = new Map();
    while (by.size < 2) {
      const s = await client(rooms, setup);
      if (!by.has(s.conn % 2)) by.set(s.conn % 2, s);
    }
    return [by.get(0), by.get(1)];
  }

  async function stats() {
    const res = await fetch(`${server.url}/stats`);
    return res.json();
  }

  it("spreads connections over both shards, one instance each", T, async () => {
    const clients = [];
    for (let i = 0; i < 6; i++) clients.push(await client());
    const instances = new Set(clients.map((c) => c.instance));
    assert.equal(instances.size, 2, `two instances serve: ${[...instances]}`);
    for (const a of clients) {
      for (const b of clients) {
        assert.equal(a.conn % 2 === b.conn % 2, a.instance === b.instance, "connection c on shard c % 2");
      }
    }
    const ep = (await stats()).handlers.endpoints["/"];
    assert.equal(ep.shards.length, 2);
    assert.equal(ep.shards[0].connections + ep.shards[1].connections, 6);
    assert.ok(ep.shards[0].connections > 0 && ep.shards[1].connections > 0);
    assert.ok(ep.connects >= 6, "one /stats entry counts every shard's connects");
  });

  it("delivers a room broadcast, a broadcast to all and a selection to both shards, each once", T, async () => {
    const [a0, a1] = await onBothShards(["r"]);
    const [b0, b1] = await onBothShards(["r"]);
    const outsider = await client();
    const inRoom = [a0, a1, b0, b1];
    const all = [...inRoom, outsider];
    for (const s of all) s.got = record(s, "x");

    assert.equal(await call(a0, "room-emit", "r", "x", 1), "ok");
    await waitUntil(() => inRoom.every((s) => s.got.length === 1));
    assert.equal(await call(a1, "all-emit", "x", 2), "ok");
    await waitUntil(() => all.every((s) => s.got.length === (s === outsider ? 1 : 2)));
    // broadcast.emit: room r and the outsider, but not b1 (another shard's)
    // and not room-of-a0 (a0's own id).
    const spec = { rooms: ["r"], conns: [outsider.conn], exceptConns: [b1.conn, a0.conn] };
    assert.equal(await call(b0, "select-emit", spec, "x", 3), "ok");
    await waitUntil(() => outsider.got.length === 2 && a1.got.length === 3 && b0.got.length === 3);
    await sleep(300);
    assert.deepEqual(a0.got.map(([n]) => n), [1, 2]);
    assert.deepEqual(a1.got.map(([n]) => n), [1, 2, 3]);
    assert.deepEqual(b0.got.map(([n]) => n), [1, 2, 3]);
    assert.deepEqual(b1.got.map(([n]) => n), [1, 2]);
    assert.deepEqual(outsider.got.map(([n]) => n), [2, 3]);
  });

  it("emits to, joins, leaves and disconnects another shard's connection", T, async () => {
    const [a, b] = await onBothShards();
    b.got = record(b, "x");
    assert.equal(await call(a, "emit-to", b.conn, "x", "direct"), "ok");
    await waitUntil(() => b.got.length === 1);
    assert.deepEqual(b.got[0], ["direct"]);
    assert.match(await call(a, "emit-to", 987654321, "x", 0), /unknown/i);

    assert.equal(await call(a, "join", b.conn, "j"), "ok");
    assert.equal(await call(a, "room-size", "j"), 1);
    assert.deepEqual(await call(a, "room-conns", "j"), [b.conn]);
    assert.ok((await call(a, "rooms-of", b.conn)).includes("j"));
    assert.equal(await call(a, "room-emit", "j", "x", "in j"), "ok");
    await waitUntil(() => b.got.length === 2);
    assert.equal(await call(a, "leave", b.conn, "j"), "ok");
    assert.equal(await call(b, "room-size", "j"), 0);
    assert.equal(await call(a, "room-emit", "j", "x", "after leave"), "ok");
    await sleep(300);
    assert.equal(b.got.length, 2);

    const gone = once(b, "disconnect");
    assert.equal(await call(a, "kick", b.conn), "ok");
    assert.equal((await gone)[0], "io server disconnect");
    assert.match(await call(a, "emit-to", b.conn, "x", 0), /unknown/i);
  });

  it("collects acks across shards: emit-with-ack and broadcast with acks", T, async () => {
    const answering = (s) => s.on("q", (arg, cb) => cb({ from: s.conn, arg }));
    const pinging = (s) => s.on("poll", (cb) => cb("pong"));
    const [a, b] = await onBothShards(["p"], (s) => {
      answering(s);
      pinging(s);
    });
    const answered = record(a, "answered");
    const token = await call(a, "ask", b.conn, "q", 7, 5000);
    assert.equal(typeof token, "number");
    await waitUntil(() => answered.length === 1);
    assert.deepEqual(answered[0][0], { token, conn: b.conn, args: [{ from: b.conn, arg: 7 }] });

    // A client that leaves first: the asker hears an empty answer.
    const [, silent] = await onBothShards();
    const t2 = await call(a, "ask", silent.conn, "never-answered", 0, 0);
    silent.disconnect();
    await waitUntil(() => answered.length === 2);
    assert.deepEqual(answered[1][0], { token: t2, conn: silent.conn, args: null });

    const [c, d] = await onBothShards(["p"], pinging);
    const replies = record(a, "replies");
    await call(a, "ask-all", "p", 5000);
    await waitUntil(() => replies.length === 1);
    const r = replies[0][0];
    assert.equal(r.answers, 4);
    assert.deepEqual(r.conns, [a.conn, b.conn, c.conn, d.conn].sort((x, y) => x - y));
    assert.deepEqual(r.silent, []);
    assert.equal(r.missing, 0);
  });

  it("lists every shard's sockets as one node, and shares the key-value store", T, async () => {
    const [a, b] = await onBothShards(["s"]);
    const sockets = record(a, "sockets");
    assert.equal(await call(a, "sockets", "s"), "ok");
    await waitUntil(() => sockets.length === 1);
    assert.equal(sockets[0][0].nodes, 1);
    assert.deepEqual(sockets[0][0].ids.sort(), [a.id, b.id].sort());

    const key = `k${Date.now()}`;
    assert.equal(await call(a, "incr", key), 1);
    assert.equal(await call(b, "incr", key), 2);
    assert.equal(await call(a, "incr", key), 3);
  });

  it("reloads every shard; the connections stay", T, async () => {
    const [a, b] = await onBothShards(["after"]);
    const before = new Set([a.instance, b.instance]);
    const { stdout, stderr } = await run(hostBin(), ["reload", "--admin-file", adminFile]);
    assert.match(stdout + stderr, /\/: reloaded, version 2/);
    const [ma, mb] = [await call(a, "whoami"), await call(b, "whoami")];
    assert.notEqual(ma.instance, mb.instance, "still one instance per shard");
    assert.ok(!before.has(ma.instance) && !before.has(mb.instance), "both shards run new instances");
    a.got = record(a, "x");
    b.got = record(b, "x");
    assert.equal(await call(a, "room-emit", "after", "x", 1), "ok");
    await waitUntil(() => a.got.length === 1 && b.got.length === 1);
  });
});

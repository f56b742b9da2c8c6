// Dynamic namespaces (docs/handlers.md, "Dynamic namespaces"): an endpoint
// entry whose path is a pattern (`/room-*`, `~/game-[0-9]+`) is served by
// one component, each namespace it matches an endpoint of its own (rooms,
// connections, instance, /stats entry, key-value scope), started on its
// first CONNECT and stopped after its idle timeout. The handler is
// tests/handlers/room-probe: it greets with `welcome` {endpoint, visitor,
// version} (visitor: this instance's connects), `say`s to a room, `shout`s
// to its namespace and answers `whoami` (with a key-value counter, `hits`).
//
// Clients: socket.io-client 4.x, and 2.x and 0.9 for the older protocols.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import {
  closeClients,
  connect,
  connectError,
  hostBin,
  once,
  record,
  sleep,
  startServer,
  wasm,
} from "./helpers.mjs";
import { closeClientsV2, connectV2, emitWithAckV2, refusalV2 } from "./helpers-v2.mjs";
import { closeClientsV0, connectV0, emitWithAckV0, loadV0, waitForV0 } from "./helpers-v0.mjs";

const run = promisify(execFile);

async function stats(url) {
  return (await fetch(`${url}/stats`)).json();
}

/** A 4.x client of `url`'s namespace `nsp` and the `welcome` it was sent. */
async function join(url, nsp, opts = {}) {
  let welcome;
  const socket = await connect(`${url}${nsp}`, opts, (s) => {
    welcome = once(s, "welcome");
  });
  return { socket, welcome: (await welcome)[0] };
}

/** Emits with an ack, resolves with the ack's (first) value. */
function ask(socket, event, ...args) {
  return socket.timeout(5000).emitWithAck(event, ...args);
}

describe("a /room-* pattern", () => {
  let server;

  before(async () => {
    const probe = wasm("room_probe");
    // An exact entry beside the pattern: it wins for its name.
    server = await startServer([`/room-*=${probe}`, `/room-vip=${probe}`], {
      label: "dynamic-namespaces",
    });
  });

  after(async () => {
    closeClients();
    closeClientsV2();
    closeClientsV0();
    await server?.stop();
  });

  it("serves /room-1 and /room-2 from one component, rooms and broadcasts apart", async () => {
    const a1 = await join(server.url, "/room-1");
    const a2 = await join(server.url, "/room-1");
    const b1 = await join(server.url, "/room-2");
    // Each namespace has an instance of its own, told its concrete name.
    assert.deepEqual(a1.welcome, { endpoint: "/room-1", visitor: 1, version: "1" });
    assert.deepEqual(a2.welcome, { endpoint: "/room-1", visitor: 2, version: "1" });
    assert.deepEqual(b1.welcome, { endpoint: "/room-2", visitor: 1, version: "1" });

    // The same room name in both namespaces is two rooms.
    for (const c of [a1, a2, b1]) assert.equal(await ask(c.socket, "join", "lobby"), "ok");
    const heard = [a1, a2, b1].map((c) => ({
      said: record(c.socket, "said"),
      shouted: record(c.socket, "shouted"),
    }));
    const toA2 = once(a2.socket, "said");
    a1.socket.emit("say", "lobby", "hi from 1");
    assert.deepEqual(await toA2, ["/room-1", "hi from 1"]);
    const toB1 = once(b1.socket, "shouted");
    b1.socket.emit("shout", "hi from 2");
    assert.deepEqual(await toB1, ["/room-2", "hi from 2"]);
    // Each client's replies come in order: once these are back, nothing
    // more of the above is on its way.
    for (const c of [a1, a2, b1]) await ask(c.socket, "whoami");
    assert.deepEqual(heard[0].said, [["/room-1", "hi from 1"]]);
    assert.deepEqual(heard[2].said, [], "a room of /room-1 reached /room-2");
    assert.deepEqual(heard[0].shouted, [], "a broadcast of /room-2 reached /room-1");
    assert.deepEqual(heard[1].shouted, []);
    assert.deepEqual(heard[2].shouted, [["/room-2", "hi from 2"]]);

    // /stats: one entry per namespace, saying which pattern it came from.
    const s = await stats(server.url);
    const endpoints = s.handlers.endpoints;
    assert.equal(endpoints["/room-1"].pattern, "/room-*");
    assert.equal(endpoints["/room-1"].connects, 2);
    assert.equal(endpoints["/room-2"].connects, 1);
    assert.equal(s.namespace_patterns["/room-*"].alive, 2);
    assert.equal(s.namespace_patterns["/room-*"].max_namespaces, 1000);
    assert.equal(s.namespace_patterns["/room-*"].started, 2);
  });

  it("leaves a name with an entry of its own to that entry", async () => {
    const vip = await join(server.url, "/room-vip");
    assert.equal(vip.welcome.endpoint, "/room-vip");
    const s = await stats(server.url);
    assert.equal(s.handlers.endpoints["/room-vip"].connects, 1);
    assert.equal(s.handlers.endpoints["/room-vip"].pattern, undefined);
  });

  it("refuses a namespace the pattern does not match", async () => {
    const before = (await stats(server.url)).namespace_connects.unknown_namespace;
    for (const nsp of ["/other", "/room-", "/room-1/sub", "/xroom-1"]) {
      const err = await connectError(`${server.url}${nsp}`);
      assert.equal(err.message, "Invalid namespace", nsp);
    }
    const s = await stats(server.url);
    assert.equal(s.namespace_connects.unknown_namespace, before + 4);
    assert.equal(s.handlers.endpoints["/other"], undefined);
  });

  it("serves a socket.io-client 2.x (Engine.IO 3) namespace", async () => {
    let welcome;
    const socket = await connectV2(`${server.url}/room-v2`, {}, (s) => {
      welcome = once(s, "welcome");
    });
    assert.deepEqual((await welcome)[0], { endpoint: "/room-v2", visitor: 1, version: "1" });
    const [who] = await emitWithAckV2(socket, "whoami");
    assert.equal(who.endpoint, "/room-v2");
    assert.equal(await refusalV2(`${server.url}/nope`), "Invalid namespace");
  });

  it("serves a socket.io-client 0.9 (protocol 1) endpoint", async () => {
    const io = loadV0(server.url);
    let welcome;
    const socket = await connectV0(io, server.url, "/room-v0", { "force new connection": true }, (s) => {
      welcome = waitForV0(s, "welcome");
    });
    assert.deepEqual((await welcome)[0], { endpoint: "/room-v0", visitor: 1, version: "1" });
    const [who] = await emitWithAckV0(socket, "whoami");
    assert.equal(who.endpoint, "/room-v0");
  });
});

describe("a regular-expression pattern", () => {
  let server;
  let dir;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "sio-dynamic-re-"));
    const probe = wasm("room_probe");
    // Patterns are tried in the file's order: the expression first, though
    // its key sorts after the glob's.
    writeFileSync(
      path.join(dir, "sio.toml"),
      [
        `[endpoints."~/r-[0-9]+"]`,
        `component = ${JSON.stringify(probe)}`,
        `config = { version = "regex" }`,
        `[endpoints."/r-*"]`,
        `component = ${JSON.stringify(probe)}`,
        `config = { version = "glob" }`,
      ].join("\n"),
    );
    server = await startServer(["--config", path.join(dir, "sio.toml"), `~/game-[0-9]+=${probe}`], {
      label: "dynamic-namespaces-regex",
    });
  });

  after(async () => {
    closeClients();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves the names the expression matches, whole", async () => {
    const game = await join(server.url, "/game-42");
    assert.equal(game.welcome.endpoint, "/game-42");
    for (const nsp of ["/game-", "/game-42x", "/game-x", "/x/game-42"]) {
      assert.equal((await connectError(`${server.url}${nsp}`)).message, "Invalid namespace", nsp);
    }
  });

  it("tries patterns in the order given", async () => {
    assert.equal((await join(server.url, "/r-7")).welcome.version, "regex");
    assert.equal((await join(server.url, "/r-x")).welcome.version, "glob");
  });
});

describe("a pattern's limits", () => {
  let server;

  before(async () => {
    server = await startServer(
      ["--max-namespaces", "2", "--namespace-idle-timeout", "300", `/room-*=${wasm("room_probe")}`],
      { label: "dynamic-namespaces-limits" },
    );
  });

  after(async () => {
    closeClients();
    await server?.stop();
  });

  it("refuses a namespace past max-namespaces, until one has stopped", async () => {
    await join(server.url, "/room-1");
    await join(server.url, "/room-2");
    const err = await connectError(`${server.url}/room-3`);
    assert.equal(err.message, "Invalid namespace");
    // A running namespace still takes clients.
    assert.equal((await join(server.url, "/room-1")).welcome.visitor, 2);
    const s = await stats(server.url);
    assert.equal(s.namespace_patterns["/room-*"].refused_max_namespaces, 1);
    assert.equal(s.namespace_connects.refused_max_namespaces, 1);

    // /room-1 empties and stops: there is room for /room-3.
    closeClients();
    await pollStats(server.url, (st) => st.namespace_patterns["/room-*"].alive === 0);
    assert.equal((await join(server.url, "/room-3")).welcome.endpoint, "/room-3");
  });

  it("stops a namespace without connections and frees its instance; its store stays", async () => {
    closeClients();
    await pollStats(server.url, (st) => st.namespace_patterns["/room-*"].alive === 0);
    const first = await join(server.url, "/room-9");
    assert.equal(first.welcome.visitor, 1);
    assert.equal((await ask(first.socket, "whoami")).hits, 1);
    // A namespace with a connection is kept past the idle timeout.
    await sleep(600);
    assert.equal((await join(server.url, "/room-9")).welcome.visitor, 2);
    let s = await stats(server.url);
    const stoppedBefore = s.namespace_patterns["/room-*"].stopped;

    closeClients();
    s = await pollStats(server.url, (st) => st.namespace_patterns["/room-*"].alive === 0);
    assert.equal(s.namespace_patterns["/room-*"].stopped, stoppedBefore + 1);
    // Its counters moved to the pattern's own entry.
    assert.equal(s.handlers.endpoints["/room-9"], undefined);
    assert.ok(s.handlers.endpoints["/room-*"].connects >= 2, JSON.stringify(s.handlers.endpoints));

    // Back: a fresh instance (visitor 1 again), the same key-value scope.
    const again = await join(server.url, "/room-9");
    assert.equal(again.welcome.visitor, 1);
    assert.equal((await ask(again.socket, "whoami")).hits, 2);
  });
});

/** Polls /stats until `pred(stats)` holds; resolves with those stats. */
async function pollStats(url, pred, ms = 10_000) {
  const end = Date.now() + ms;
  for (;;) {
    const s = await stats(url);
    if (pred(s)) return s;
    if (Date.now() > end) throw new Error(`stats never matched: ${JSON.stringify(s.namespace_patterns)}`);
    await sleep(50);
  }
}

describe("a hot reload of a pattern", () => {
  let server;
  let dir;
  let config;
  let adminFile;

  function writeConfig(version) {
    writeFileSync(
      config,
      [
        `[endpoints."/room-*"]`,
        `component = ${JSON.stringify(wasm("room_probe"))}`,
        `config = { version = ${JSON.stringify(version)} }`,
      ].join("\n"),
    );
  }

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "sio-dynamic-reload-"));
    config = path.join(dir, "sio.toml");
    adminFile = path.join(dir, "admin.json");
    writeConfig("a");
    server = await startServer(["--config", config, "--admin-file", adminFile], {
      label: "dynamic-namespaces-reload",
    });
  });

  after(async () => {
    closeClients();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reaches every running namespace without a disconnect; new ones start from it", async () => {
    const a1 = await join(server.url, "/room-1");
    const a2 = await join(server.url, "/room-1");
    const b1 = await join(server.url, "/room-2");
    const clients = [a1, a2, b1];
    const disconnects = clients.map((c) => record(c.socket, "disconnect"));
    for (const c of clients) assert.equal(await ask(c.socket, "join", "lobby"), "ok");
    assert.equal((await ask(a1.socket, "whoami")).version, "a");

    writeConfig("b");
    const { stdout } = await run(hostBin(), ["reload", "--admin-file", adminFile]);
    assert.match(stdout, /\/room-\*: reloaded, version 2/);
    assert.match(stdout, /namespaces: 2 reloaded, 0 kept their version/);

    // Each namespace runs the new version with its own state handed over.
    const one = await ask(a1.socket, "whoami");
    assert.deepEqual([one.endpoint, one.version, one.visitors], ["/room-1", "b", 2]);
    const two = await ask(b1.socket, "whoami");
    assert.deepEqual([two.endpoint, two.version, two.visitors], ["/room-2", "b", 1]);
    // Rooms are the host's: still there.
    const toA2 = once(a2.socket, "said");
    a1.socket.emit("say", "lobby", "after");
    assert.deepEqual(await toA2, ["/room-1", "after"]);
    // A namespace started now runs the new version too.
    assert.deepEqual((await join(server.url, "/room-3")).welcome, {
      endpoint: "/room-3",
      visitor: 1,
      version: "b",
    });
    for (const c of clients) assert.ok(c.socket.connected);
    assert.deepEqual(disconnects.flat(), []);

    const status = JSON.parse(
      (await run(hostBin(), ["status", "--admin-file", adminFile])).stdout,
    ).endpoints;
    assert.deepEqual(
      status.map((e) => [e.endpoint, e.version, e.namespaces]),
      [["/room-*", 2, 3]],
    );
  });
});

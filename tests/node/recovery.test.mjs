// Connection state recovery (docs/recovery.md, issue 18) with the official
// socket.io-client@4 in Node: a client whose transport is cut comes back
// with the same id, its rooms and data, and every event sent meanwhile,
// once and in order; past --recovery-max-disconnection it starts over.
// The handler is tests/handlers/recovery-probe (its doc lists the events).

import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { io } from "socket.io-client";
import path from "node:path";
import { closeClients, connect, once, record, repoRoot, sleep, startServer, waitUntil } from "./helpers.mjs";
import { cut, probeArgs, reconnecting } from "./recovery-helpers.mjs";

const T = { timeout: 60_000 };

const ask = (s, event, ...args) => s.timeout(5000).emitWithAck(event, ...args);

/** The events' first arguments, without the trailing offset recovery adds. */
const firsts = (seen) => seen.map((args) => args[0]);

async function stats(url) {
  return (await fetch(`${url}/stats`)).json();
}

describe("connection state recovery", () => {
  const stop = [];
  after(async () => {
    closeClients();
    for (const s of stop.reverse()) await s.stop();
  });

  for (const transports of [["websocket"], ["polling"]]) {
    it(`gives back the id, rooms, data and every missed event (${transports})`, T, async () => {
      const server = await startServer(probeArgs(), { label: `recovery-${transports}` });
      stop.push(server);
      const hellos = [];
      const a = await reconnecting(server.url, { transports }, (s) => s.on("hello", (r) => hellos.push(r)));
      const sender = await connect(server.url, { transports: ["websocket"] });
      assert.equal(await ask(a, "join", "r"), "ok");
      assert.equal(await ask(a, "set-data", { nick: "ann" }), "ok");
      const before = await ask(a, "whoami");
      const id = a.id;
      assert.equal(a.recovered, false);

      const roomMsgs = record(a, "room-msg");
      const direct = record(a, "direct");
      const all = record(a, "all-msg");
      // One before the cut: its offset is where the client resumes.
      sender.emit("to-all", 0);
      await waitUntil(() => all.length === 1);

      const down = once(a, "disconnect");
      cut(a);
      const [reason] = await down;
      assert.match(reason, /transport (close|error)|forced close/);
      // Meanwhile: to its room, to it alone, to everyone.
      for (let i = 1; i <= 5; i++) {
        sender.emit("to-room", "r", i);
        sender.emit("to-conn", id, i);
        sender.emit("to-all", i);
      }
      await once(a, "connect", 10_000);
      assert.equal(a.recovered, true);
      assert.equal(a.id, id);
      await waitUntil(() => all.length === 6 && roomMsgs.length === 5 && direct.length === 5);
      await sleep(200);
      assert.deepEqual(firsts(all), [0, 1, 2, 3, 4, 5]);
      assert.deepEqual(firsts(roomMsgs), [1, 2, 3, 4, 5]);
      assert.deepEqual(firsts(direct), [1, 2, 3, 4, 5]);
      const after_ = await ask(a, "whoami");
      assert.equal(after_.conn, before.conn);
      assert.deepEqual(after_.rooms, before.rooms);
      assert.deepEqual(after_.data, { nick: "ann" });
      // The handler heard on-connect again, as a recovery; never a disconnect.
      assert.equal(after_.connects, 2);
      assert.equal(after_.recovered, 1);
      assert.deepEqual(hellos, [false, true]);
      const log = await ask(a, "log");
      assert.ok(!log.some((l) => l.startsWith(`disconnect ${id}`)), log.join("\n"));
      // Still live: a new event reaches it.
      sender.emit("to-room", "r", 6);
      await waitUntil(() => roomMsgs.length === 6);
      const s = await stats(server.url);
      assert.equal(s.recovery.enabled, true);
      assert.equal(s.recovery.recovered, 1);
      assert.equal(s.recovery.away, 0);
    });
  }

  it("replays to a polling client that stopped polling (ping timeout on both sides)", T, async () => {
    const server = await startServer(probeArgs(), { label: "recovery-missed-polls" });
    stop.push(server);
    const a = await reconnecting(server.url, { transports: ["polling"] });
    const sender = await connect(server.url, { transports: ["websocket"] });
    const id = a.id;
    const all = record(a, "all-msg");
    sender.emit("to-all", 0);
    await waitUntil(() => all.length === 1);
    // The client stops polling: it hears no more pings, the server no pongs.
    const transport = a.io.engine.transport;
    transport.poll = () => {};
    transport.doPoll = () => {};
    for (let i = 1; i <= 3; i++) sender.emit("to-all", i);
    const [reason] = await once(a, "disconnect", 10_000);
    assert.equal(reason, "ping timeout");
    for (let i = 4; i <= 6; i++) sender.emit("to-all", i);
    await once(a, "connect", 10_000);
    assert.equal(a.recovered, true);
    assert.equal(a.id, id);
    await waitUntil(() => all.length >= 7);
    await sleep(200);
    assert.deepEqual(firsts(all), [0, 1, 2, 3, 4, 5, 6]);
  });

  it("starts a new session past max-disconnection, and the handler hears the disconnect then", T, async () => {
    const server = await startServer(probeArgs("--recovery-max-disconnection", "500"), { label: "recovery-expired" });
    stop.push(server);
    const a = await reconnecting(server.url, { transports: ["websocket"], reconnectionDelay: 1500, reconnectionDelayMax: 1500, randomizationFactor: 0 });
    const watcher = await connect(server.url, { transports: ["websocket"] });
    const id = a.id;
    assert.equal(await ask(a, "join", "r"), "ok");
    cut(a);
    // Away, not gone: the handler has heard nothing yet.
    await sleep(200);
    assert.ok(!(await ask(watcher, "log")).includes(`disconnect ${id} transport close`));
    await once(a, "connect", 10_000);
    assert.equal(a.recovered, false);
    assert.notEqual(a.id, id);
    const log = await ask(watcher, "log");
    assert.ok(log.some((l) => l.startsWith(`disconnect ${id} transport`)), log.join("\n"));
    const who = await ask(a, "whoami");
    assert.deepEqual(who.rooms, [a.id]);
    const s = await stats(server.url);
    assert.equal(s.recovery.expired, 1);
    assert.equal(s.recovery.refused.unknown, 1);
  });

  it("is refused for an unknown pid or an offset out of the buffer", T, async () => {
    const server = await startServer(probeArgs("--recovery-buffer", "3"), { label: "recovery-refused" });
    stop.push(server);
    const a = await reconnecting(server.url, { transports: ["websocket"] });
    const sender = await connect(server.url, { transports: ["websocket"] });
    const id = a.id;
    const all = record(a, "all-msg");
    sender.emit("to-all", 0);
    await waitUntil(() => all.length === 1);
    cut(a);
    await once(a, "disconnect");
    // More than the buffer holds: the client's offset falls out.
    for (let i = 1; i <= 5; i++) sender.emit("to-all", i);
    await once(a, "connect", 10_000);
    assert.equal(a.recovered, false);
    assert.notEqual(a.id, id);
    // A made-up pid is no better.
    const b = io(server.url, { forceNew: true, reconnection: false, transports: ["websocket"], auth: { pid: "nope", offset: "1-1" } });
    await once(b, "connect");
    assert.equal(b.recovered, false);
    b.disconnect();
    const s = await stats(server.url);
    assert.equal(s.recovery.refused.too_old, 1);
    assert.equal(s.recovery.refused.unknown, 1);
    assert.ok(s.recovery.evicted >= 3);
  });

  it("lets the handler refuse a recovery: the client gets a connect_error, the handler an on-disconnect", T, async () => {
    const server = await startServer(probeArgs(), { label: "recovery-refused-by-handler" });
    stop.push(server);
    const a = await reconnecting(server.url, { transports: ["websocket"], auth: { refuse: false } });
    const watcher = await connect(server.url, { transports: ["websocket"] });
    const id = a.id;
    a.auth = { refuse: true };
    const refused = once(a, "connect_error", 10_000);
    cut(a);
    const [err] = await refused;
    assert.equal(err.message, "refused");
    a.disconnect();
    let log = [];
    for (let i = 0; i < 50 && !log.includes(`disconnect ${id} server namespace disconnect`); i++) {
      await sleep(100);
      log = await ask(watcher, "log");
    }
    assert.ok(log.includes(`disconnect ${id} server namespace disconnect`), log.join("\n"));
  });

  it("works for a component built before conn-state.recovered: it never hears the gap", T, async () => {
    // tests/fixtures/README.md: the conformance handler as built before
    // conn-state existed; it emits `auth` from each on-connect.
    const old = path.join(repoRoot, "tests/fixtures/conformance-0.1.0-before-conn-state.wasm");
    const server = await startServer(["--recovery", "--ping-interval", "300", "--ping-timeout", "300", old], {
      label: "recovery-old-component",
    });
    stop.push(server);
    const auths = [];
    const a = await reconnecting(server.url, { transports: ["websocket"] }, (s) => s.on("auth", (x) => auths.push(x)));
    await waitUntil(() => auths.length === 1);
    const id = a.id;
    const echoes = record(a, "message-back");
    cut(a);
    await once(a, "disconnect");
    await once(a, "connect", 10_000);
    assert.equal(a.recovered, true);
    assert.equal(a.id, id);
    a.emit("message", "still here");
    await waitUntil(() => echoes.length === 1);
    assert.equal(echoes[0][0], "still here");
    // One on-connect only: the old handler saw no second one.
    assert.equal(auths.length, 1);
  });

  it("leaves a client that said goodbye (client namespace disconnect) for good", T, async () => {
    const server = await startServer(probeArgs(), { label: "recovery-goodbye" });
    stop.push(server);
    const a = await connect(server.url, { transports: ["websocket"] });
    const watcher = await connect(server.url, { transports: ["websocket"] });
    const id = a.id;
    a.disconnect();
    await sleep(200);
    const log = await ask(watcher, "log");
    assert.ok(log.includes(`disconnect ${id} client namespace disconnect`), log.join("\n"));
  });
});

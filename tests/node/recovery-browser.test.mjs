// Connection state recovery (docs/recovery.md) with socket.io-client 4's
// browser bundle in headless Chromium, against `sio-host run --recovery`
// and the recovery-probe handler (tests/handlers/recovery-probe documents
// its events). The bundle is served by sio-host itself (--static
// /vendor=node_modules/socket.io-client/dist); the page is that origin with
// the bundle loaded.
//
// The page's socket joins room "r"; the test cuts its transport from page
// JS; while it is down a Node client emits to the room and to the page's
// socket id; after the reconnect the page must have the same socket.id,
// socket.recovered === true, every missed event once and in order, and
// still be in "r" (asked with `whoami`). How the transport is cut:
//
// * websocket: `socket.io.engine.transport.ws.close()` (the browser's own
//   WebSocket closed under socket.io-client: "transport close");
// * polling (a polling-only client): its transport stops polling, so it
//   hears no more pings and the server gets no more pongs; both sides hit
//   the ping timeout (--ping-interval 300 --ping-timeout 300).
//
// The reconnect is socket.io-client's own (Manager reconnection), but the
// page holds its `open` behind a gate until the test has sent what the
// client must miss, so that "meanwhile" does not depend on timing.
//
// A last case comes back past --recovery-max-disconnection: a fresh session
// (recovered false, a new id, no room "r", nothing of the gap).
//
// Needs Debian's chromium at /usr/bin/chromium (CHROMIUM_PATH overrides).
// Without it the test is skipped, except in CI (CI set), where it must run.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  chromiumSkip,
  closeClients,
  connect,
  launchChromium,
  pageErrors,
  sleep,
  startServer,
  transportsUsed,
  wasm,
} from "./helpers.mjs";

const skip = chromiumSkip;
const T = { timeout: 90_000, skip };

const serverArgs = (...extra) => [
  "--recovery",
  "--ping-interval", "300",
  "--ping-timeout", "300",
  ...extra,
  "--static", "/vendor=node_modules/socket.io-client/dist",
  `/=${wasm("recovery_probe")}`,
];

const ask = (s, event, ...args) => s.timeout(10_000).emitWithAck(event, ...args);

/** Resolves once `await cond()` holds, asking every 50 ms; throws after `ms`. */
async function until(cond, what, ms = 30_000) {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`in ${ms} ms: ${what}`);
    await sleep(50);
  }
}

async function stats(url) {
  return (await fetch(`${url}/stats`)).json();
}

/** In the page: a socket.io-client socket on `transports` (reconnection
 * on, 100 ms apart), recording its connects, disconnects, greetings and
 * every room-msg / direct / all-msg; its Manager's `open` waits on a gate
 * while one is held (`t.hold()` / `t.release()`). */
function pageSetup({ transports }) {
  const t = {
    connects: [],
    disconnects: [],
    hellos: [],
    events: [],
    gate: null,
    released: null,
  };
  window.t = t;
  const socket = io(location.origin, {
    transports,
    reconnectionDelay: 100,
    reconnectionDelayMax: 100,
    randomizationFactor: 0,
    timeout: 20_000,
  });
  t.socket = socket;
  const manager = socket.io;
  const open = manager.open;
  manager.open = function (fn) {
    if (t.gate) {
      t.gate.then(() => open.call(manager, fn));
      return manager;
    }
    return open.call(manager, fn);
  };
  t.hold = () => {
    t.gate = new Promise((resolve) => {
      t.released = resolve;
    });
  };
  t.release = () => {
    t.gate = null;
    t.released();
  };
  socket.on("connect", () =>
    t.connects.push({ id: socket.id, recovered: socket.recovered, transport: manager.engine.transport.name }),
  );
  socket.on("disconnect", (reason) => t.disconnects.push(reason));
  socket.on("hello", (recovered) => t.hellos.push(recovered));
  for (const event of ["room-msg", "direct", "all-msg"]) {
    socket.on(event, (...args) => t.events.push([event, ...args]));
  }
  t.ask = (event, ...args) => socket.timeout(10_000).emitWithAck(event, ...args);
}

/** In the page: cut the transport under the client, the gate held. */
function pageCut(kind) {
  window.t.hold();
  const transport = window.t.socket.io.engine.transport;
  if (kind === "websocket") {
    transport.ws.close();
  } else {
    // Missed polls: no GET goes out any more, so no ping comes in and no
    // pong goes out; both sides time out.
    transport._poll = () => {};
    transport.doPoll = () => {};
  }
}

/** Each recorded event as [event, value], checking that recovery gave it a
 * string offset as its last argument. */
function withoutOffsets(events) {
  return events.map(([event, value, offset, ...more]) => {
    assert.equal(typeof offset, "string", `${event} ${value} carries its offset`);
    assert.deepEqual(more, [], `${event} ${value}: nothing after the offset`);
    return [event, value];
  });
}

describe("connection state recovery in headless Chromium (socket.io-client 4 bundle)", () => {
  let browser;
  const servers = [];

  before(async () => {
    if (skip) return;
    browser = await launchChromium();
  });

  after(async () => {
    closeClients();
    await browser?.close();
    for (const s of servers) await s.stop();
  });

  /** A page of `server`'s origin with the client bundle, its socket set up
   * and connected. Records which Engine.IO transports it really used. */
  async function openPage(server, transports) {
    const page = await browser.newPage();
    const errors = pageErrors(page);
    // Which Engine.IO transports the page really used.
    const used = transportsUsed(page);
    // Failed requests, as "STATUS METHOD sid=SID body": see `scriptErrors`.
    const failed = [];
    page.on("response", (r) => {
      if (r.status() < 400) return;
      const sid = new URL(r.url()).searchParams.get("sid");
      failed.push(`${r.status()} ${r.request().method()} sid=${sid} ${r.request().postData() ?? ""}`.trim());
    });
    const res = await page.goto(`${server.url}/vendor/socket.io.js`);
    assert.equal(res.status(), 200, "the client bundle is served");
    await page.setContent("<!doctype html><title>recovery</title><body></body>");
    await page.addScriptTag({ url: `${server.url}/vendor/socket.io.js` });
    await page.evaluate(pageSetup, { transports });
    await page.waitForFunction(() => window.t.connects.length === 1, null, { timeout: 20_000 });
    return { page, errors, used, failed };
  }

  /** The page's script errors, less the one a polling client's ping
   * timeout may leave: the client closes its engine by POSTing a close
   * packet ("1") to the session, which the server may have timed out
   * already (both sides time out at about the same moment), so the POST
   * gets a 400 "Session ID unknown", as it would from Node's engine.io.
   * Any other failed request stays an error. */
  function scriptErrors({ errors, failed }, oldSid) {
    const expected = failed.filter((f) => f === `400 POST sid=${oldSid} 1`);
    const unexpected = failed.filter((f) => !expected.includes(f));
    const rest = [...errors];
    for (let i = 0; i < expected.length; i++) {
      const j = rest.findIndex((e) => /status of 400/.test(e));
      if (j >= 0) rest.splice(j, 1);
    }
    return [...rest, ...unexpected.map((f) => `request failed: ${f}`)];
  }

  const state = (page) =>
    page.evaluate(() => ({
      connects: window.t.connects,
      disconnects: window.t.disconnects,
      hellos: window.t.hellos,
      events: window.t.events,
      id: window.t.socket.id,
      recovered: window.t.socket.recovered,
    }));

  for (const transport of ["websocket", "polling"]) {
    it(`recovers a ${transport} page: same id, room kept, every missed event once and in order`, T, async () => {
      const server = await startServer(serverArgs(), { label: `recovery-browser-${transport}` });
      servers.push(server);
      const opened = await openPage(server, [transport]);
      const { page, used } = opened;
      const sender = await connect(server.url, { transports: ["websocket"] });

      assert.equal(await page.evaluate(() => window.t.ask("join", "r")), "ok");
      const who = await page.evaluate(() => window.t.ask("whoami"));
      const first = await state(page);
      const id = first.id;
      const engineId = await page.evaluate(() => window.t.socket.io.engine.id);
      assert.equal(first.recovered, false);
      assert.equal(who.sid, id);
      assert.deepEqual([...who.rooms].sort(), [id, "r"].sort());

      // One of each before the cut: the client's offset is past them.
      sender.emit("to-room", "r", 0);
      sender.emit("to-conn", id, 0);
      await page.waitForFunction(() => window.t.events.length === 2, null, { timeout: 10_000 });

      await page.evaluate(pageCut, transport);
      await page.waitForFunction(() => window.t.disconnects.length === 1, null, { timeout: 20_000 });
      const [reason] = await page.evaluate(() => window.t.disconnects);
      if (transport === "websocket") assert.equal(reason, "transport close");
      else assert.equal(reason, "ping timeout");

      // Meanwhile, to its room and to it alone: a first batch at once
      // (for polling, possibly before the server noticed the drop: then
      // into the dead session's queue), a second once the server has it away.
      const N = 6;
      for (let i = 1; i <= N / 2; i++) {
        sender.emit("to-room", "r", i);
        sender.emit("to-conn", id, i);
      }
      await until(async () => (await stats(server.url)).recovery.away === 1, "the server holds the connection away");
      for (let i = N / 2 + 1; i <= N; i++) {
        sender.emit("to-room", "r", i);
        sender.emit("to-conn", id, i);
      }
      // The sender's events are handled in order: its ack comes after them.
      await ask(sender, "whoami");
      const replayedBefore = (await stats(server.url)).recovery.replayed;
      assert.equal((await state(page)).events.length, 2, "nothing reached the page while it was down");

      await page.evaluate(() => window.t.release());
      await page.waitForFunction(() => window.t.connects.length === 2, null, { timeout: 20_000 });
      const expected = [];
      for (let i = 0; i <= N; i++) expected.push(["room-msg", i], ["direct", i]);
      await page.waitForFunction((n) => window.t.events.length >= n, expected.length, { timeout: 10_000 });
      await sleep(300); // room for a duplicate to show up

      const back = await state(page);
      assert.equal(back.id, id, "same socket id");
      assert.equal(back.recovered, true, "socket.recovered");
      assert.deepEqual(back.connects[1], { id, recovered: true, transport });
      assert.deepEqual(withoutOffsets(back.events), expected, "every missed event once, in order");
      const offsets = back.events.map((e) => e[2]);
      assert.equal(new Set(offsets).size, offsets.length, "offsets are distinct");
      assert.deepEqual(back.hellos, [false, true], "the handler greeted a recovery");

      const whoAfter = await page.evaluate(() => window.t.ask("whoami"));
      assert.equal(whoAfter.conn, who.conn, "same connection on the server");
      assert.deepEqual([...whoAfter.rooms].sort(), [id, "r"].sort(), "still in room r");
      assert.equal(whoAfter.connects, 2);
      assert.equal(whoAfter.recovered, 1);
      const log = await ask(sender, "log");
      assert.ok(!log.some((l) => l.startsWith(`disconnect ${id}`)), log.join("\n"));

      // Live again: a new event reaches it, once.
      sender.emit("to-room", "r", N + 1);
      await page.waitForFunction((n) => window.t.events.length === n, expected.length + 1, { timeout: 10_000 });
      const s = await stats(server.url);
      assert.equal(s.recovery.recovered, 1);
      assert.equal(s.recovery.away, 0);
      assert.equal(s.recovery.evicted, 0);
      assert.ok(
        s.recovery.replayed - replayedBefore >= 2 * N,
        `replayed ${s.recovery.replayed - replayedBefore} packets on the reconnect (at least the ${2 * N} sent while away)`,
      );

      if (transport === "websocket") {
        assert.equal(used.polling, 0, "websocket-only never polls");
        assert.ok(used.websocket >= 2, "a WebSocket before and after the cut");
      } else {
        assert.equal(used.websocket, 0, "polling-only never opens a WebSocket");
      }
      assert.deepEqual(scriptErrors(opened, transport === "polling" ? engineId : null), [], "no script errors");
      await page.close();
    });
  }

  it("gives a fresh session past --recovery-max-disconnection", T, async () => {
    const server = await startServer(serverArgs("--recovery-max-disconnection", "1000"), {
      label: "recovery-browser-expired",
    });
    servers.push(server);
    const opened = await openPage(server, ["websocket"]);
    const { page } = opened;
    const sender = await connect(server.url, { transports: ["websocket"] });
    assert.equal(await page.evaluate(() => window.t.ask("join", "r")), "ok");
    const { id } = await state(page);

    await page.evaluate(pageCut, "websocket");
    await page.waitForFunction(() => window.t.disconnects.length === 1, null, { timeout: 20_000 });
    sender.emit("to-room", "r", 1);
    sender.emit("to-conn", id, 1);
    // Held past the deadline: the handler hears the disconnect then.
    await until(async () => {
      const log = await ask(sender, "log");
      return log.some((l) => l.startsWith(`disconnect ${id} transport close`));
    }, "the handler hears the disconnect at the deadline");
    sender.emit("to-room", "r", 2);
    await ask(sender, "whoami");

    await page.evaluate(() => window.t.release());
    await page.waitForFunction(() => window.t.connects.length === 2, null, { timeout: 20_000 });
    await sleep(300);
    const back = await state(page);
    assert.equal(back.recovered, false, "socket.recovered");
    assert.notEqual(back.id, id, "a new socket id");
    assert.deepEqual(back.events, [], "nothing of the gap");
    assert.deepEqual(back.hellos, [false, false]);
    const who = await page.evaluate(() => window.t.ask("whoami"));
    assert.deepEqual(who.rooms, [back.id], "a fresh session is in no room of the old one");
    assert.equal(who.recovered, 0);
    const s = await stats(server.url);
    assert.equal(s.recovery.expired, 1);
    assert.equal(s.recovery.recovered, 0);
    assert.deepEqual(scriptErrors(opened, null), [], "no script errors");
    await page.close();
  });
});

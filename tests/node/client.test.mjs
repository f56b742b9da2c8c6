// The official socket.io-client@4 against sio-host serving the conformance
// handler (Socket.IO's v5 reference test server) on "/" and "/custom".

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import {
  closeClients,
  conformanceArgs,
  connect,
  connectError,
  once,
  startServer,
  waitFor,
} from "./helpers.mjs";

const T = { timeout: 20_000 };

describe("socket.io-client against the conformance handler", () => {
  let server;
  before(async () => {
    server = await startServer(conformanceArgs(), { label: "node-conformance" });
  });
  after(async () => {
    closeClients();
    await server?.stop();
  });
  afterEach(() => closeClients());

  async function echo(socket, ...args) {
    const p = once(socket, "message-back");
    socket.emit("message", ...args);
    return p;
  }

  it("connects over HTTP long-polling only", T, async () => {
    const s = await connect(server.url, { transports: ["polling"] });
    assert.equal(s.io.engine.transport.name, "polling");
    assert.deepEqual(await echo(s, 1, "2", { 3: [true] }), [1, "2", { 3: [true] }]);
    assert.equal(s.io.engine.transport.name, "polling");
  });

  it("connects over WebSocket only", T, async () => {
    const s = await connect(server.url, { transports: ["websocket"] });
    assert.equal(s.io.engine.transport.name, "websocket");
    assert.deepEqual(await echo(s, "hi"), ["hi"]);
  });

  it("upgrades from polling to WebSocket", T, async () => {
    const s = await connect(server.url); // default: polling, then upgrade
    if (s.io.engine.transport.name !== "websocket") {
      await once(s.io.engine, "upgrade", 10_000);
    }
    assert.equal(s.io.engine.transport.name, "websocket");
    assert.deepEqual(await echo(s, "after upgrade"), ["after upgrade"]);
  });

  it("keeps a long-lived session alive with ping/pong (pingInterval 300 ms)", T, async () => {
    const s = await connect(server.url, { transports: ["websocket"] });
    let pings = 0;
    s.io.on("ping", () => pings++);
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(s.connected, "still connected after 1.5 s");
    assert.ok(pings >= 3, `saw ${pings} pings`);
    assert.deepEqual(await echo(s, "alive"), ["alive"]);
  });

  it("echoes the CONNECT payload as `auth` ({} when none)", T, async () => {
    let auth;
    await connect(server.url, {}, (s) => s.once("auth", (a) => (auth = a)));
    await waitUntil(() => auth !== undefined);
    assert.deepEqual(auth, {});

    let auth2;
    await connect(server.url, { auth: { token: "123" } }, (s) =>
      s.once("auth", (a) => (auth2 = a)),
    );
    await waitUntil(() => auth2 !== undefined);
    assert.deepEqual(auth2, { token: "123" });
  });

  it("joins the custom namespace /custom (auth payload echoed)", T, async () => {
    let auth;
    const s = await connect(`${server.url}/custom`, { auth: { token: "abc" } }, (s) =>
      s.once("auth", (a) => (auth = a)),
    );
    await waitUntil(() => auth !== undefined);
    assert.deepEqual(auth, { token: "abc" });
    assert.deepEqual(await echo(s, "on custom"), ["on custom"]);
  });

  it("multiplexes / and /custom over one connection", T, async () => {
    const main = await connect(server.url, { transports: ["websocket"] });
    const custom = main.io.socket("/custom");
    await once(custom, "connect");
    assert.equal(custom.io, main.io);
    const [a, b] = await Promise.all([echo(main, "main"), echo(custom, "custom")]);
    assert.deepEqual(a, ["main"]);
    assert.deepEqual(b, ["custom"]);
    custom.disconnect();
    assert.deepEqual(await echo(main, "main again"), ["main again"]);
  });

  it("refuses an unknown namespace with connect_error `Invalid namespace`", T, async () => {
    const err = await connectError(`${server.url}/random`);
    assert.equal(err.message, "Invalid namespace");
  });

  for (const transport of ["websocket", "polling"]) {
    it(`sends and receives binary (${transport})`, T, async () => {
      const s = await connect(server.url, { transports: [transport] });
      const a = Buffer.from([1, 2, 3]);
      const b = Buffer.from([0, 255, 128, 7]);
      const [x, y, z] = await echo(s, a, { nested: b, n: 1 }, "text");
      assert.ok(Buffer.isBuffer(x), "top-level binary comes back as a Buffer");
      assert.deepEqual(x, a);
      assert.deepEqual(y.nested, b);
      assert.equal(y.n, 1);
      assert.equal(z, "text");
    });

    it(`acks with the same args, binary included (${transport})`, T, async () => {
      const s = await connect(server.url, { transports: [transport] });
      const ack = (...args) =>
        new Promise((resolve, reject) => {
          s.timeout(5000).emit("message-with-ack", ...args, (err, ...res) =>
            err ? reject(err) : resolve(res),
          );
        });
      assert.deepEqual(await ack(1, "2", { 3: [false] }), [1, "2", { 3: [false] }]);
      const buf = Buffer.from("hello binary");
      const back = await ack(buf, { b: Buffer.from([9]) });
      assert.ok(Buffer.isBuffer(back[0]));
      assert.deepEqual(back[0], buf);
      assert.deepEqual(back[1].b, Buffer.from([9]));
    });
  }

  it("carries a large binary payload (256 KiB)", T, async () => {
    const s = await connect(server.url, { transports: ["websocket"] });
    const big = Buffer.alloc(256 * 1024, 7);
    const [back] = await echo(s, big);
    assert.equal(back.length, big.length);
    assert.ok(back.equals(big));
  });

  it("serves many clients at once", T, async () => {
    const sockets = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        connect(server.url, { transports: [i % 2 ? "polling" : "websocket"] }),
      ),
    );
    const res = await Promise.all(sockets.map((s, i) => echo(s, `client-${i}`)));
    res.forEach((r, i) => assert.deepEqual(r, [`client-${i}`]));
  });
});

async function waitUntil(cond, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

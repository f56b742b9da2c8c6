// The official socket.io-client@2 (Engine.IO 3 / Socket.IO 4) against sio-host
// serving the conformance handler on "/" and "/custom", unchanged client code.

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { conformanceArgs, once, sleep, startServer } from "./helpers.mjs";
import { closeClientsV2, connectV2, emitWithAckV2, refusalV2 } from "./helpers-v2.mjs";

const T = { timeout: 20_000 };

describe("socket.io-client 2.x against the conformance handler", () => {
  let server;
  before(async () => {
    server = await startServer(conformanceArgs(), { label: "node-conformance-v2" });
  });
  after(async () => {
    closeClientsV2();
    await server?.stop();
  });
  afterEach(() => closeClientsV2());

  async function echo(socket, ...args) {
    const p = once(socket, "message-back");
    socket.emit("message", ...args);
    return p;
  }

  it("connects over HTTP long-polling only", T, async () => {
    const s = await connectV2(server.url, { transports: ["polling"] });
    assert.equal(s.io.engine.transport.name, "polling");
    assert.deepEqual(await echo(s, 1, "2", { 3: [true] }), [1, "2", { 3: [true] }]);
    assert.equal(s.io.engine.transport.name, "polling");
  });

  it("connects over WebSocket only", T, async () => {
    const s = await connectV2(server.url, { transports: ["websocket"] });
    assert.equal(s.io.engine.transport.name, "websocket");
    assert.deepEqual(await echo(s, "hi"), ["hi"]);
  });

  it("upgrades from polling to WebSocket", T, async () => {
    const s = await connectV2(server.url);
    if (s.io.engine.transport.name !== "websocket") {
      await once(s.io.engine, "upgrade", 10_000);
    }
    assert.equal(s.io.engine.transport.name, "websocket");
    assert.deepEqual(await echo(s, "after upgrade"), ["after upgrade"]);
  });

  for (const transport of ["polling", "websocket"]) {
    it(`keeps a session alive with the client's pings (${transport}, pingInterval 300 ms)`, T, async () => {
      const s = await connectV2(server.url, { transports: [transport] });
      let pongs = 0;
      s.io.on("pong", () => pongs++);
      // Well past pingInterval + pingTimeout (500 ms).
      await sleep(1500);
      assert.ok(s.connected, "still connected after 1.5 s");
      assert.ok(pongs >= 3, `saw ${pongs} pongs`);
      assert.deepEqual(await echo(s, "alive"), ["alive"]);
    });
  }

  it("is joined to / without a CONNECT (auth is {})", T, async () => {
    let auth;
    await connectV2(server.url, {}, (s) => s.once("auth", (a) => (auth = a)));
    await waitUntil(() => auth !== undefined);
    assert.deepEqual(auth, {});
  });

  it("joins /custom with a query, which the handler sees as auth", T, async () => {
    let auth;
    const s = await connectV2(`${server.url}/custom`, { query: { token: "abc" } }, (s) =>
      s.once("auth", (a) => (auth = a)),
    );
    await waitUntil(() => auth !== undefined);
    assert.deepEqual(auth, { token: "abc" });
    assert.equal(s.nsp, "/custom");
    assert.deepEqual(await echo(s, "on custom"), ["on custom"]);
  });

  it("multiplexes / and /custom over one connection", T, async () => {
    const main = await connectV2(server.url, { transports: ["websocket"] });
    const custom = main.io.socket("/custom");
    custom.open();
    await once(custom, "connect");
    const [a, b] = await Promise.all([echo(main, "main"), echo(custom, "custom")]);
    assert.deepEqual(a, ["main"]);
    assert.deepEqual(b, ["custom"]);
    custom.disconnect();
    assert.deepEqual(await echo(main, "main again"), ["main again"]);
  });

  it("refuses an unknown namespace with the error `Invalid namespace`", T, async () => {
    assert.equal(await refusalV2(`${server.url}/random`), "Invalid namespace");
  });

  for (const transport of ["polling", "websocket"]) {
    it(`sends and receives binary (${transport})`, T, async () => {
      const s = await connectV2(server.url, { transports: [transport] });
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
      const s = await connectV2(server.url, { transports: [transport] });
      assert.deepEqual(await emitWithAckV2(s, "message-with-ack", 1, "2", { 3: [false] }), [
        1,
        "2",
        { 3: [false] },
      ]);
      const buf = Buffer.from("hello binary");
      const back = await emitWithAckV2(s, "message-with-ack", buf, { b: Buffer.from([9]) });
      assert.ok(Buffer.isBuffer(back[0]));
      assert.deepEqual(back[0], buf);
      assert.deepEqual(back[1].b, Buffer.from([9]));
    });
  }

  it("carries text that needs UTF-16 lengths (emoji, CJK) over polling", T, async () => {
    const s = await connectV2(server.url, { transports: ["polling"] });
    const text = "😀 中文 é \u2028 \n end";
    assert.deepEqual(await echo(s, text, { [text]: text }), [text, { [text]: text }]);
  });

  it("carries a large binary payload (256 KiB)", T, async () => {
    const s = await connectV2(server.url, { transports: ["websocket"] });
    const big = Buffer.alloc(256 * 1024, 7);
    const [back] = await echo(s, big);
    assert.equal(back.length, big.length);
    assert.ok(back.equals(big));
  });

  it("serves 2.x clients beside 4.x ones", T, async () => {
    const { connect, closeClients } = await import("./helpers.mjs");
    try {
      const [old, cur] = await Promise.all([
        connectV2(server.url, { transports: ["polling"] }),
        connect(server.url, { transports: ["websocket"] }),
      ]);
      const [a, b] = await Promise.all([echo(old, "v2"), echo(cur, "v4")]);
      assert.deepEqual(a, ["v2"]);
      assert.deepEqual(b, ["v4"]);
    } finally {
      closeClients();
    }
  });
});

async function waitUntil(cond, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await sleep(10);
  }
}

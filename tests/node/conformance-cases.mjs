// The conformance handler's cases that every client generation sees alike.
// Each client's suite (client.test.mjs for 4.x, client-v2.test.mjs for 2.x)
// registers these inside its `describe`, with its own way to connect, to
// emit with an ack and to read a refusal, then adds the cases where the
// generations differ (heartbeats, auth).

import assert from "node:assert/strict";
import { it } from "node:test";
import { once } from "./helpers.mjs";

export const T = { timeout: 20_000 };

/** `message` → `message-back` with the same arguments. */
export async function echo(socket, ...args) {
  const p = once(socket, "message-back");
  socket.emit("message", ...args);
  return p;
}

/**
 * @param url () => the server's base URL (known once `before` ran)
 * @param client { connect(url, opts), emitWithAck(socket, event, ...args),
 *   refusal(url): the connect error's message }
 */
export function sharedConformanceCases(url, client) {
  const { connect, emitWithAck, refusal } = client;

  it("connects over HTTP long-polling only", T, async () => {
    const s = await connect(url(), { transports: ["polling"] });
    assert.equal(s.io.engine.transport.name, "polling");
    assert.deepEqual(await echo(s, 1, "2", { 3: [true] }), [1, "2", { 3: [true] }]);
    assert.equal(s.io.engine.transport.name, "polling");
  });

  it("connects over WebSocket only", T, async () => {
    const s = await connect(url(), { transports: ["websocket"] });
    assert.equal(s.io.engine.transport.name, "websocket");
    assert.deepEqual(await echo(s, "hi"), ["hi"]);
  });

  it("upgrades from polling to WebSocket", T, async () => {
    const s = await connect(url()); // default: polling, then upgrade
    if (s.io.engine.transport.name !== "websocket") {
      await once(s.io.engine, "upgrade", 10_000);
    }
    assert.equal(s.io.engine.transport.name, "websocket");
    assert.deepEqual(await echo(s, "after upgrade"), ["after upgrade"]);
  });

  it("multiplexes / and /custom over one connection", T, async () => {
    const main = await connect(url(), { transports: ["websocket"] });
    const custom = main.io.socket("/custom");
    // A 2.x socket waits for open(); a 4.x one is opening already (active).
    if (!custom.active) custom.open();
    await once(custom, "connect");
    assert.equal(custom.io, main.io);
    const [a, b] = await Promise.all([echo(main, "main"), echo(custom, "custom")]);
    assert.deepEqual(a, ["main"]);
    assert.deepEqual(b, ["custom"]);
    custom.disconnect();
    assert.deepEqual(await echo(main, "main again"), ["main again"]);
  });

  it("refuses an unknown namespace with `Invalid namespace`", T, async () => {
    assert.equal(await refusal(`${url()}/random`), "Invalid namespace");
  });

  for (const transport of ["websocket", "polling"]) {
    it(`sends and receives binary (${transport})`, T, async () => {
      const s = await connect(url(), { transports: [transport] });
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
      const s = await connect(url(), { transports: [transport] });
      assert.deepEqual(await emitWithAck(s, "message-with-ack", 1, "2", { 3: [false] }), [
        1,
        "2",
        { 3: [false] },
      ]);
      const buf = Buffer.from("hello binary");
      const back = await emitWithAck(s, "message-with-ack", buf, { b: Buffer.from([9]) });
      assert.ok(Buffer.isBuffer(back[0]));
      assert.deepEqual(back[0], buf);
      assert.deepEqual(back[1].b, Buffer.from([9]));
    });
  }

  it("carries text that needs UTF-16 lengths (emoji, CJK) over polling", T, async () => {
    const s = await connect(url(), { transports: ["polling"] });
    const text = "😀 中文 é \u2028 \n end";
    assert.deepEqual(await echo(s, text, { [text]: text }), [text, { [text]: text }]);
  });

  it("carries a large binary payload (256 KiB)", T, async () => {
    const s = await connect(url(), { transports: ["websocket"] });
    const big = Buffer.alloc(256 * 1024, 7);
    const [back] = await echo(s, big);
    assert.equal(back.length, big.length);
    assert.ok(back.equals(big));
  });

  it("serves many clients at once", T, async () => {
    const sockets = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        connect(url(), { transports: [i % 2 ? "polling" : "websocket"] }),
      ),
    );
    const res = await Promise.all(sockets.map((s, i) => echo(s, `client-${i}`)));
    res.forEach((r, i) => assert.deepEqual(r, [`client-${i}`]));
  });
}

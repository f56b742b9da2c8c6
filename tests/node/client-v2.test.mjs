// The official socket.io-client@2 (Engine.IO 3 / Socket.IO 4) against sio-host
// serving the conformance handler on "/" and "/custom", unchanged client code:
// the cases shared with 4.x (conformance-cases.mjs), then 2.x's own.

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { T, echo, sharedConformanceCases } from "./conformance-cases.mjs";
import { conformanceArgs, sleep, startServer, waitUntil } from "./helpers.mjs";
import { closeClientsV2, connectV2, emitWithAckV2, refusalV2 } from "./helpers-v2.mjs";

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

  sharedConformanceCases(() => server.url, {
    connect: connectV2,
    emitWithAck: emitWithAckV2,
    refusal: refusalV2,
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

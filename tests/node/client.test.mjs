// The official socket.io-client@4 against sio-host serving the conformance
// handler (Socket.IO's v5 reference test server) on "/" and "/custom": the
// cases shared with 2.x (conformance-cases.mjs), then 4.x's own.

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { T, echo, sharedConformanceCases } from "./conformance-cases.mjs";
import {
  closeClients,
  conformanceArgs,
  connect,
  connectError,
  sleep,
  startServer,
  waitUntil,
} from "./helpers.mjs";

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

  sharedConformanceCases(() => server.url, {
    connect,
    emitWithAck: (s, event, ...args) =>
      new Promise((resolve, reject) => {
        s.timeout(5000).emit(event, ...args, (err, ...res) => (err ? reject(err) : resolve(res)));
      }),
    refusal: async (url) => (await connectError(url)).message,
  });

  it("keeps a long-lived session alive with ping/pong (pingInterval 300 ms)", T, async () => {
    const s = await connect(server.url, { transports: ["websocket"] });
    let pings = 0;
    s.io.on("ping", () => pings++);
    await sleep(1500);
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
});

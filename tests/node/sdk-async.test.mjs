// The JavaScript and Python SDKs' async world (guest-sdk-js/sio-async.js,
// guest-sdk-py/sio_async.py; docs/async.md), one suite for both: the probe
// handlers (tests/handlers/sdk-async-js, sdk-async-py, built as
// `stateful-async-endpoint`) on one sio-host node. A timer set by an event
// fires into the handler's onTimer / on_timer; a cancelled one does not; a
// cluster-sockets query answers in onFetch / on_fetch with the room's
// sockets (one node: `nodes` 1, `missing` 0).

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { closeClients, connect, once, sleep, startServer, wasm } from "./helpers.mjs";

const T = { timeout: 20_000 };
const PROBES = [
  { lang: "JavaScript", wasm: "sdk_async_js" },
  { lang: "Python", wasm: "sdk_async_py" },
];

for (const probe of PROBES) describe(`${probe.lang} SDK, async world (${probe.wasm})`, () => {
  let dir;
  let server;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "sio-sdk-async-"));
    const toml = path.join(dir, "sio.toml");
    writeFileSync(toml, `[endpoints."/"]\ncomponent = ${JSON.stringify(wasm(probe.wasm))}\n`);
    server = await startServer(["--config", toml, "--no-admin"], { label: `node-${probe.wasm}` });
  });
  after(async () => {
    closeClients();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => closeClients());

  it("fires a timer into the handler; a cancelled one stays quiet", T, async () => {
    const s = await connect(server.url, { transports: ["websocket"] });
    const fired = [];
    s.on("timer", (token) => fired.push(token));
    const started = Date.now();
    assert.equal(await s.timeout(5000).emitWithAck("set", 7, 200), "ok");
    assert.equal(await s.timeout(5000).emitWithAck("set", 8, 300), "ok");
    assert.equal(await s.timeout(5000).emitWithAck("cancel", 8), true);
    assert.deepEqual(await once(s, "timer"), [7]);
    assert.ok(Date.now() - started >= 150, `fired after ${Date.now() - started} ms`);
    await sleep(400);
    assert.deepEqual(fired, [7]);
    assert.equal(await s.timeout(5000).emitWithAck("cancel", 7), false); // it fired
  });

  it("lists a room's sockets through cluster-sockets, answered in on-fetch", T, async () => {
    const a = await connect(server.url, { transports: ["websocket"] });
    const b = await connect(server.url, { transports: ["websocket"] });
    const other = await connect(server.url, { transports: ["websocket"] });
    assert.equal(await a.timeout(5000).emitWithAck("join", "q"), "ok");
    assert.equal(await b.timeout(5000).emitWithAck("join", "q"), "ok");
    assert.equal(await other.timeout(5000).emitWithAck("join", "elsewhere"), "ok");

    const answered = once(a, "who", 10_000);
    assert.equal(await a.timeout(5000).emitWithAck("who", "q", 1000), "ok");
    const [answer] = await answered;
    assert.ok(answer, "an answer with a JSON body");
    assert.deepEqual(answer.sockets.map((s) => s.id).sort(), [a.id, b.id].sort(), JSON.stringify(answer));
    assert.equal(answer.nodes, 1);
    assert.equal(answer.missing, 0);
    assert.ok(answer.sockets.every((s) => s.rooms.includes("q")), JSON.stringify(answer));
  });

  it("reports a refused outbound fetch as a FetchError in on-fetch", T, async () => {
    const s = await connect(server.url, { transports: ["websocket"] });
    const fetched = once(s, "fetched", 10_000);
    assert.equal(await s.timeout(5000).emitWithAck("fetch", "http://127.0.0.1:9/nowhere"), "ok");
    const [token, outcome] = await fetched;
    assert.equal(token, 1);
    assert.equal(typeof outcome.error, "string", JSON.stringify(outcome));
  });
});

// TornadIO2's gen example on sio-host (examples/gen, docs/async.md) with the
// official socket.io-client@4: a slow call on connection A (an HTTP request
// to an upstream this test answers when it chooses, or a timer) delays only
// A's later events, which then run in order, while connection B is answered
// meanwhile. The assertions are about order, never about speed: the
// upstream does not answer until B has completed.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import {
  chromiumSkip,
  closeClients,
  connect,
  launchChromium,
  pageErrors,
  startServer,
  wasm,
} from "./helpers.mjs";

const T = { timeout: 30_000 };

/** An upstream whose `/slow` answers only once `open()` was called. */
async function gatedUpstream() {
  let open;
  const gate = new Promise((r) => (open = r));
  let arrived;
  const requested = new Promise((r) => (arrived = r));
  const server = http.createServer(async (req, res) => {
    arrived(req.url);
    await gate;
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(`upstream answered ${req.url}`);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { port: server.address().port, requested, open, close: () => server.close() };
}

describe("gen example (async handler) with socket.io-client", () => {
  let server;
  let upstream;
  let dir;
  before(async () => {
    upstream = await gatedUpstream();
    dir = mkdtempSync(path.join(os.tmpdir(), "sio-gen-"));
    const toml = path.join(dir, "sio.toml");
    writeFileSync(
      toml,
      `[endpoints."/"]\ncomponent = ${JSON.stringify(wasm("gen"))}\n` +
        `http-allow = ["127.0.0.1:${upstream.port}"]\n`,
    );
    server = await startServer(["--config", toml], { label: "node-gen" });
  });
  after(async () => {
    closeClients();
    await server?.stop();
    upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => closeClients());

  /** Emits with an ack; records `tag` in `log` when the answer arrives. */
  function call(socket, log, tag, ...args) {
    return socket
      .timeout(20_000)
      .emitWithAck(...args)
      .then((reply) => {
        log.push(tag);
        return reply;
      });
  }

  it("a slow HTTP call on A delays only A, in order; B is answered meanwhile", T, async () => {
    const a = await connect(server.url, { transports: ["websocket"] });
    const b = await connect(server.url);
    const order = [];
    const slow = call(a, order, "A fetch", "fetch", `http://127.0.0.1:${upstream.port}/slow`);
    const a1 = call(a, order, "A ping 1", "ping", 1);
    const a2 = call(a, order, "A ping 2", "ping", 2);
    assert.equal(await upstream.requested, "/slow");

    // A's call is pending upstream: B goes on.
    assert.deepEqual(await call(b, order, "B ping", "ping", "b"), "b");
    assert.equal(await call(b, order, "B pending", "pending"), 1, "A's call is pending");
    assert.deepEqual(order, ["B ping", "B pending"], "nothing of A's has been answered");

    upstream.open();
    assert.deepEqual(await slow, { status: 200, body: "upstream answered /slow" });
    assert.equal(await a1, 1);
    assert.equal(await a2, 2);
    assert.deepEqual(order, ["B ping", "B pending", "A fetch", "A ping 1", "A ping 2"]);
    // Released: A is answered directly again.
    assert.equal(await a.timeout(5000).emitWithAck("ping", 3), 3);
  });

  it("TornadIO2's query: a timer's slow answer keeps A's order, B proceeds", T, async () => {
    const a = await connect(server.url);
    const b = await connect(server.url, { transports: ["websocket"] });
    const order = [];
    // Long enough that B is answered first on any machine (liveness bound).
    const q = call(a, order, "A query", "query", "q", 3000);
    const a1 = call(a, order, "A ping", "ping", 1);
    assert.equal(await call(b, order, "B ping", "ping", "b"), "b");
    assert.equal(await b.timeout(5000).emitWithAck("pending"), 1);
    assert.equal(await q, "q");
    assert.equal(await a1, 1);
    assert.deepEqual(order, ["B ping", "A query", "A ping"]);
  });

  it("a host outside http-allow is refused, with the reason", T, async () => {
    const a = await connect(server.url);
    const reply = await a.timeout(10_000).emitWithAck("fetch", "http://127.0.0.1:1/");
    assert.match(reply.error, /host 127\.0\.0\.1:1 is not allowed/);
    assert.equal(await a.timeout(5000).emitWithAck("ping", "after"), "after");
  });
});

describe("gen example page in headless Chromium", () => {
  const skip = chromiumSkip;
  let server;
  let browser;
  before(async () => {
    if (skip) return;
    server = await startServer(
      [
        "--static", "examples/gen/static",
        "--static", "/common=examples/common/static",
        "--static", "/vendor=node_modules/socket.io-client/dist",
        wasm("gen"),
      ],
      { label: "node-gen-page" },
    );
    browser = await launchChromium();
  });
  after(async () => {
    closeClients();
    await browser?.close();
    await server?.stop();
  });

  it("the page's pings wait behind its slow query, in order; another client is served meanwhile", { timeout: 60_000, skip }, async () => {
    const page = await browser.newPage();
    const errors = pageErrors(page);
    // A long query: the other client is answered well before it ends.
    await page.goto(`${server.url}/?delay=5000`);
    await page.waitForSelector("#status.connected");
    await page.click("#query");
    await page.click("#ping");
    await page.click("#ping");
    await page.waitForFunction(() => document.querySelectorAll("#log li.sent").length === 3);

    const b = await connect(server.url);
    assert.equal(await b.timeout(5000).emitWithAck("ping", "b"), "b");
    assert.equal(await b.timeout(5000).emitWithAck("pending"), 1, "the page's query is pending");
    const answered = () => page.$$eval("#log li:not(.sent)", (lis) => lis.map((li) => li.dataset.text));
    assert.deepEqual(await answered(), [], "nothing of the page's has been answered yet");

    await page.waitForFunction(() => document.querySelectorAll("#log li:not(.sent)").length === 3, null, {
      timeout: 30_000,
    });
    assert.deepEqual(await answered(), ["← query #1", "← ping #2", "← ping #3"]);
    assert.deepEqual(errors, []);
  });
});

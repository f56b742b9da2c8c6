// socket.io-client 2.x in headless Chromium: the chat page with the 2.x
// bundle (served by sio-host under /vendor2) over JSONP polling and over
// XHR2 + WebSocket, chatting with a 4.x page; and a cross-origin 2.x client
// with credentials (the host reflects an allowed origin), binary included.
//
// Needs Debian's chromium at /usr/bin/chromium (CHROMIUM_PATH overrides).
// Without it the test is skipped, except in CI (CI set), where it must run.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { artifactsDir, chatArgs, startServer, chromiumSkip, launchChromium, pageErrors } from "./helpers.mjs";
import { expectLine, pickNick, say, waitConnected } from "./chat-page.mjs";

const skip = chromiumSkip;

const T = { timeout: 60_000, skip };

describe("socket.io-client 2.x in headless Chromium", () => {
  let server;
  let browser;
  // Another origin for the cross-origin page: a plain HTTP server here.
  let appServer;
  let appPort;

  before(async () => {
    if (skip) return;
    appServer = http.createServer((req, res) => {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      res.end(`<!doctype html><title>app</title><script src="${server.url}/vendor2/socket.io.js"></script>`);
    });
    await new Promise((resolve) => appServer.listen(0, "127.0.0.1", resolve));
    appPort = appServer.address().port;
    server = await startServer(
      [
        ...chatArgs({ page: true }),
        "--static", "/vendor2=node_modules/socket.io-client-v2/dist",
        "--cors-origin", `http://127.0.0.1:${appPort}`,
      ],
      { label: "node-chat-browser-v2" },
    );
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    appServer?.close();
  });

  /** Watches a page: script errors, and how it reached /socket.io/. */
  function watch(page) {
    const errors = pageErrors(page);
    const used = { xhr: 0, jsonpScripts: 0, jsonpForms: 0, websocket: 0, eio: new Set() };
    page.on("request", (r) => {
      const url = r.url();
      if (!url.includes("/socket.io/")) return;
      used.eio.add(new URL(url).searchParams.get("EIO"));
      if (!url.includes("transport=polling")) return;
      const type = r.resourceType();
      if (type === "script") used.jsonpScripts++;
      else if (type === "document") used.jsonpForms++; // the form posted into an iframe
      else if (type === "xhr") used.xhr++;
    });
    page.on("websocket", (ws) => {
      if (ws.url().includes("/socket.io/")) used.websocket++;
    });
    return { errors, used };
  }

  async function openChat(query = "") {
    const page = await browser.newPage();
    const { errors, used } = watch(page);
    // Not "load": a pending JSONP poll is a script the page waits for.
    const res = await page.goto(`${server.url}/${query}`, { waitUntil: "domcontentloaded" });
    assert.equal(res.status(), 200, "the page is served");
    await waitConnected(page, errors);
    return { page, errors, used };
  }

  it("a 2.x page on forced JSONP polling chats with a 4.x page", T, async () => {
    const old = await openChat("?client=2&jsonp=1&transport=polling");
    const cur = await openChat();
    await pickNick(old.page, "jsonp-ann");
    await expectLine(old.page, "* jsonp-ann joined");
    await pickNick(cur.page, "modern-ben");
    await expectLine(old.page, "* modern-ben joined");

    // Quotes, backslashes, newline escapes and U+2028 survive the script
    // and form round trips.
    const tricky = 'hi "ben" \\n \\\\ 😀 中文 \u2028 done';
    await say(old.page, tricky);
    await expectLine(cur.page, `jsonp-ann: ${tricky}`);
    await expectLine(old.page, `jsonp-ann: ${tricky}`);
    await say(cur.page, "hello ann");
    await expectLine(old.page, "modern-ben: hello ann");

    mkdirSync(artifactsDir, { recursive: true });
    await old.page.screenshot({ path: path.join(artifactsDir, "chat-v2-jsonp.png"), fullPage: true });

    assert.deepEqual([...old.used.eio], ["3"], "the 2.x page speaks Engine.IO 3");
    assert.deepEqual([...cur.used.eio], ["4"]);
    assert.ok(old.used.jsonpScripts >= 2, `JSONP polls: ${JSON.stringify(old.used)}`);
    assert.ok(old.used.jsonpForms >= 1, `JSONP posts: ${JSON.stringify(old.used)}`);
    assert.equal(old.used.xhr, 0, "no XHR with forceJSONP");
    assert.equal(old.used.websocket, 0, "pinned to polling");
    assert.deepEqual(old.errors, [], "no script errors on the 2.x page");
    assert.deepEqual(cur.errors, [], "no script errors on the 4.x page");
  });

  it("a 2.x page on its default transports upgrades to WebSocket", T, async () => {
    const old = await openChat("?client=2");
    const cur = await openChat("?transport=polling");
    await pickNick(old.page, "ws-cat");
    await pickNick(cur.page, "poll-dan");
    await expectLine(old.page, "* poll-dan joined");
    await say(old.page, "over the upgrade");
    await expectLine(cur.page, "ws-cat: over the upgrade");
    await say(cur.page, "back at you");
    await expectLine(old.page, "poll-dan: back at you");
    assert.deepEqual([...old.used.eio], ["3"]);
    assert.ok(old.used.xhr >= 1 && old.used.websocket >= 1, JSON.stringify(old.used));
    assert.deepEqual(old.errors, []);
  });

  it("a cross-origin 2.x client: reflected origin with credentials, binary over XHR2 payloads", T, async () => {
    const page = await browser.newPage();
    const { errors } = watch(page);
    const cors = [];
    page.on("response", (r) => {
      if (!r.url().includes("/socket.io/")) return;
      const h = r.headers();
      cors.push({
        method: r.request().method(),
        sent: r.request().headers()["content-type"],
        origin: h["access-control-allow-origin"],
        credentials: h["access-control-allow-credentials"],
        type: h["content-type"],
      });
    });
    const appOrigin = `http://127.0.0.1:${appPort}`;
    await page.goto(`${appOrigin}/`);
    const result = await page.evaluate(async (url) => {
      const opts = { forceNew: true, reconnection: false, transports: ["polling"] };
      const connect = (s) =>
        new Promise((resolve, reject) => {
          s.once("connect", resolve);
          s.once("connect_error", (e) => reject(new Error(`connect_error: ${e}`)));
        });
      const ack = (s, ...args) => new Promise((resolve) => s.emit(...args, (...res) => resolve(res)));
      const sender = io(url, opts);
      const receiver = io(url, opts);
      await Promise.all([connect(sender), connect(receiver)]);
      const nicks = await Promise.all([ack(sender, "nick", "xo-sender"), ack(receiver, "nick", "xo-receiver")]);
      const bytes = new Uint8Array(300).map((_, i) => (i * 13) % 256);
      const got = new Promise((resolve) =>
        receiver.once("file", (meta, data) => resolve({ meta, data: Array.from(new Uint8Array(data)) })),
      );
      const sent = await ack(sender, "file", "x.bin", bytes.buffer);
      const file = await got;
      sender.close();
      receiver.close();
      return { nicks, sent, file, bytes: Array.from(bytes) };
    }, server.url);
    assert.deepEqual(result.nicks, [[{ ok: true }], [{ ok: true }]]);
    assert.deepEqual(result.sent, [{ ok: true }]);
    assert.deepEqual(result.file.meta, { nick: "xo-sender", name: "x.bin" });
    assert.deepEqual(result.file.data, result.bytes);

    assert.ok(cors.length >= 4, JSON.stringify(cors));
    for (const c of cors) {
      assert.equal(c.origin, appOrigin, `the allowed origin is reflected: ${JSON.stringify(c)}`);
      assert.equal(c.credentials, "true", `credentials allowed: ${JSON.stringify(c)}`);
    }
    assert.ok(
      cors.some((c) => c.method === "GET" && c.type === "application/octet-stream"),
      `a binary payload was polled: ${JSON.stringify(cors)}`,
    );
    // A binary POST is not a "simple" request: Chromium preflighted it
    // (the preflight itself is not shown to the page).
    assert.ok(
      cors.some((c) => c.method === "POST" && c.sent === "application/octet-stream"),
      `a binary payload was posted: ${JSON.stringify(cors)}`,
    );
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("a 2.x client on an origin not allowed is refused", T, async () => {
    const page = await browser.newPage();
    // Same server, but "localhost" is another origin than the allowed one.
    await page.goto(`http://localhost:${appPort}/`);
    const outcome = await page.evaluate(
      (url) =>
        new Promise((resolve) => {
          const s = io(url, { forceNew: true, reconnection: false, transports: ["polling"] });
          s.once("connect", () => resolve("connected"));
          s.once("connect_error", () => resolve("refused"));
          setTimeout(() => resolve("timeout"), 10_000);
        }),
      server.url,
    );
    assert.equal(outcome, "refused");
    await page.close();
  });
});

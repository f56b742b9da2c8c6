// socket.io-client 0.9 (Socket.IO protocol 1) in headless Chromium, its
// browser build served by sio-host under /vendor0, pinned to one transport
// per case: websocket, xhr-polling, jsonp-polling. Each case connects, runs
// events and acks both ways over two endpoints (conformance on `/`, chat on
// `/chat`), sends a plain message, and reconnects after the transport drops.
// (htmlfile needs Internet Explorer's ActiveXObject: covered by the wire
// tests in tests/tests/legacy.rs.)
//
// Needs Debian's chromium at /usr/bin/chromium (CHROMIUM_PATH overrides).
// Without it the test is skipped, except in CI (CI set), where it must run.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { chromiumSkip, launchChromium, pageErrors, startServer, wasm } from "./helpers.mjs";

const skip = chromiumSkip;
const T = { timeout: 60_000, skip };

describe("socket.io-client 0.9 in headless Chromium", () => {
  let server;
  let browser;

  before(async () => {
    if (skip) return;
    server = await startServer(
      [
        "--static", "/vendor0=node_modules/socket.io-client-v0/dist",
        // Short polls, so that the noop answers are exercised too.
        "--legacy-polling-duration", "2000",
        `/=${wasm("conformance")}`,
        `/chat=${wasm("chat")}`,
      ],
      { label: "node-client-v0-browser" },
    );
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** A same-origin page with the 0.9 client loaded; records how it reached
   * /socket.io/ and its script errors. */
  async function openPage() {
    const page = await browser.newPage();
    const errors = pageErrors(page);
    const used = { xhr: 0, scripts: 0, forms: 0, websocket: 0, paths: new Set() };
    page.on("request", (r) => {
      const url = new URL(r.url());
      if (!url.pathname.startsWith("/socket.io/1/")) return;
      used.paths.add(url.pathname.split("/")[3] || "handshake");
      const type = r.resourceType();
      if (type === "script") used.scripts++;
      else if (type === "document") used.forms++;
      else if (type === "xhr") used.xhr++;
    });
    page.on("websocket", (ws) => {
      if (ws.url().includes("/socket.io/1/")) used.websocket++;
    });
    await page.goto(`${server.url}/vendor0/socket.io.js`);
    await page.setContent("<!doctype html><title>0.9</title><body></body>");
    await page.addScriptTag({ url: `${server.url}/vendor0/socket.io.js` });
    return { page, errors, used };
  }

  /** The scenario, in the page: connect `/` and `/chat` on `transport`,
   * events and acks both ways, a plain message, a reconnect. */
  async function scenario(page, transport) {
    return page.evaluate(async (transport) => {
      const step = (what, p, ms = 10_000) =>
        Promise.race([
          p,
          new Promise((_, reject) => setTimeout(() => reject(new Error(`timeout: ${what}`)), ms)),
        ]);
      const ack = (s, ...args) => new Promise((resolve) => s.emit(...args, (...res) => resolve(res)));
      const on = (s, event) => new Promise((resolve) => s.once(event, (...args) => resolve(args)));
      // The 0.9 client merges a `transports` option into its default list
      // index by index (['jsonp-polling'] only replaces the first entry), so
      // the list itself is pinned.
      io.transports = [transport];
      const opts = {
        transports: [transport],
        "force new connection": true,
        reconnect: true,
        "reconnection delay": 200,
      };
      const root = io.connect(location.origin, opts);
      const auth = on(root, "auth");
      await step("connect /", on(root, "connect"));
      const out = { transport: root.socket.transport.name, auth: (await step("auth", auth))[0] };
      out.echo = await step("ack /", ack(root, "message-with-ack", "😀 世界", { n: 1 }));

      const chat = root.socket.of("/chat");
      await step("connect /chat", on(chat, "connect"));
      out.nick = await step("nick", ack(chat, "nick", `v0-${transport}`));
      const said = on(chat, "said");
      chat.send(`hello over ${transport} </script> "q" \\ \u2028`);
      out.said = (await step("said", said))[0];
      chat.on("ping", (reply) => reply(`pong over ${transport}`));
      const pong = on(chat, "pong-received");
      out.ping = await step("ping-me", ack(chat, "ping-me"));
      out.pong = (await step("pong-received", pong))[0];

      // The transport drops under the client: it handshakes again.
      const firstSid = root.socket.sessionid;
      const reconnected = on(root.socket, "reconnect");
      root.socket.transport.close();
      root.socket.transport.onClose();
      await step("reconnect", reconnected, 20_000);
      out.newSession = root.socket.sessionid !== firstSid;
      out.afterReconnect = await step("ack after reconnect", ack(root, "message-with-ack", "again"));
      root.socket.disconnect();
      return out;
    }, transport);
  }

  for (const transport of ["websocket", "xhr-polling", "jsonp-polling"]) {
    it(`over ${transport}: events and acks both ways, two endpoints, reconnect`, T, async () => {
      const { page, errors, used } = await openPage();
      const out = await scenario(page, transport);
      assert.equal(out.transport, transport);
      assert.deepEqual(out.auth, {});
      assert.deepEqual(out.echo, ["😀 世界", { n: 1 }]);
      assert.deepEqual(out.nick, [{ ok: true }]);
      assert.deepEqual(out.said, {
        nick: `v0-${transport}`,
        text: `hello over ${transport} </script> "q" \\ \u2028`,
      });
      assert.deepEqual(out.ping, [{ ok: true }]);
      assert.equal(out.pong, `pong over ${transport}`);
      assert.ok(out.newSession, "a new session after the reconnect");
      assert.deepEqual(out.afterReconnect, ["again"]);
      // Websocket requests do not show among the page's requests.
      const paths = transport === "websocket" ? ["handshake"] : ["handshake", transport];
      assert.deepEqual([...used.paths].sort(), paths.sort(), JSON.stringify([...used.paths]));
      if (transport === "websocket") assert.ok(used.websocket >= 2, JSON.stringify(used));
      if (transport === "xhr-polling") assert.ok(used.xhr >= 4 && used.websocket === 0, JSON.stringify(used));
      if (transport === "jsonp-polling") {
        assert.ok(used.scripts >= 2 && used.forms >= 1 && used.websocket === 0, JSON.stringify(used));
      }
      assert.deepEqual(errors, [], "no script errors");
      await page.close();
    });
  }
});

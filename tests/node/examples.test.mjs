// TornadIO2's examples (examples/ackping, crosssite, multiplexed, rpcping,
// transports): each one's page in headless Chromium, run the way
// `cargo xtask example <name>` runs it (`sio-host run --config
// examples/<name>/sio.toml`, the components taken from SIO_WASM_DIR), with
// the official clients the page loads: socket.io-client 4.x, 2.x and 0.9.
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
  startServer,
  wasm,
} from "./helpers.mjs";

const skip = chromiumSkip;
const T = { timeout: 60_000, skip };

/** Starts example `name` from its sio.toml; `endpoints` name the namespaces
 * its component serves there (overridden with SIO_WASM_DIR's component). */
function startExample(name, { config = "sio.toml", endpoints = ["/"], args = [] } = {}) {
  return startServer(
    [
      "--config", `examples/${name}/${config}`,
      "--no-admin",
      ...args,
      ...endpoints.map((ns) => `${ns}=${wasm(name)}`),
    ],
    { label: `node-examples-${name}${config === "sio.toml" ? "" : `-${config}`}` },
  );
}

/** How a page reached Socket.IO servers: the sessions (sids) it used, its
 * websockets, the script (JSONP) and XHR requests, and the CORS header of
 * the XHR answers. */
function watch(page) {
  const used = { sids: new Set(), websockets: 0, scripts: 0, xhr: 0, allowOrigins: new Set() };
  const sidOf = (url) => {
    const u = new URL(url);
    if (u.searchParams.get("sid")) return u.searchParams.get("sid");
    // Socket.IO 0.9: /socket.io/1/<transport>/<sid>
    const parts = u.pathname.split("/");
    return parts[1] === "socket.io" && parts[2] === "1" ? parts[4] : undefined;
  };
  page.on("request", (r) => {
    if (!r.url().includes("/socket.io/")) return;
    const sid = sidOf(r.url());
    if (sid) used.sids.add(sid);
    if (r.resourceType() === "script") used.scripts++;
    if (r.resourceType() === "xhr" || r.resourceType() === "fetch") used.xhr++;
  });
  page.on("response", (r) => {
    if (!r.url().includes("/socket.io/")) return;
    const allowed = r.headers()["access-control-allow-origin"];
    if (allowed) used.allowOrigins.add(allowed);
  });
  page.on("websocket", (ws) => {
    if (!ws.url().includes("/socket.io/")) return;
    used.websockets++;
    const sid = sidOf(ws.url());
    if (sid) used.sids.add(sid);
  });
  return used;
}

/** Waits until the text of `selector`'s element (or of one of its `li`s,
 * with `item`) satisfies `pattern` (a RegExp source); the error shows what
 * the page had. */
async function expectText(page, selector, pattern, { item = false, errors = [] } = {}) {
  await page
    .waitForFunction(
      ([sel, src, li]) => {
        const re = new RegExp(src);
        const el = document.querySelector(sel);
        if (!el) return false;
        const texts = li ? [...el.querySelectorAll("li")].map((x) => x.textContent) : [el.textContent];
        return texts.some((t) => re.test(t.trim()));
      },
      [selector, pattern.source, item],
      { timeout: 15_000 },
    )
    .catch(async (e) => {
      const text = await page.textContent(selector).catch(() => "(missing)");
      throw new Error(`${selector} never matched ${pattern}: ${JSON.stringify(text)}; page errors: ${errors.join(" | ")}\n${e}`);
    });
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("TornadIO2's examples in headless Chromium", () => {
  let browser;

  before(async () => {
    if (skip) return;
    browser = await launchChromium();
  });

  after(async () => {
    closeClients();
    await browser?.close();
  });

  /** A page at `url`, watched. */
  async function open(url) {
    const page = await browser.newPage();
    const errors = pageErrors(page);
    const used = watch(page);
    // Not "load": a page polling over JSONP from its first script never
    // finishes loading (a long poll is a pending <script>).
    await page.goto(url, { waitUntil: "domcontentloaded" });
    return { page, errors, used };
  }

  describe("ackping: acks as responses", () => {
    let server;
    before(async () => {
      if (!skip) server = await startExample("ackping");
    });
    after(() => server?.stop());

    it("a 4.x client's ping is acknowledged with its stamp and the server's clock", T, async () => {
      const socket = await connect(server.url);
      const before = Date.now();
      const [client, stamped] = await new Promise((resolve, reject) =>
        socket.timeout(5000).emit("ping", 1234.5, (err, ...reply) => (err ? reject(err) : resolve(reply))),
      );
      assert.equal(client, 1234.5, "the client's stamp comes back as sent");
      // The same machine's clock: not before the ping was sent (a second
      // of slack for clock granularity).
      assert.ok(Number.isInteger(stamped) && stamped >= before - 1000, `server stamp ${stamped}`);
      socket.disconnect();
    });

    for (const client of ["4", "0.9"]) {
      it(`the page pings over socket.io-client ${client}`, T, async () => {
        const { page, errors } = await open(`${server.url}/?client=${client}`);
        await expectText(page, "#ping", /^Ping: \d+ ms\. C2S: -?\d+ ms\.$/, { errors });
        assert.deepEqual(errors, []);
        await page.close();
      });
    }
  });

  describe("rpcping: ping and pong as events", () => {
    let server;
    before(async () => {
      if (!skip) server = await startExample("rpcping");
    });
    after(() => server?.stop());

    for (const client of ["4", "0.9"]) {
      it(`the page's ping event gets a pong event over socket.io-client ${client}`, T, async () => {
        const { page, errors } = await open(`${server.url}/?client=${client}`);
        await expectText(page, "#ping", /^Ping: \d+ ms\. C2S: -?\d+ ms\. The server got "Hey Server"\.$/, { errors });
        assert.deepEqual(errors, []);
        await page.close();
      });
    }
  });

  describe("multiplexed: /chat and /ping over one connection", () => {
    let server;
    before(async () => {
      if (!skip) server = await startExample("multiplexed", { endpoints: ["/chat", "/ping"] });
    });
    after(() => server?.stop());

    for (const [client, transport] of [["4", ""], ["0.9", "websocket"], ["0.9", "xhr-polling"]]) {
      const over = transport ? ` over ${transport}` : "";
      it(`ping and chat share one session with socket.io-client ${client}${over}`, T, async () => {
        const query = `?client=${client}${transport ? `&transport=${transport}` : ""}`;
        const first = await open(`${server.url}/${query}`);
        await expectText(first.page, "#ping", /^Ping: \d+ ms\. C2S: -?\d+ ms\.$/, { errors: first.errors });
        const [, me] = (await first.page.textContent("#chat li")).match(/^(User\d+) joined chat\.$/) ?? [];
        assert.ok(me, "the chat greets the page with its name");

        // A second page joins, talks and leaves; the first sees it all.
        const second = await open(`${server.url}/${query}`);
        await expectText(second.page, "#status", /^connected$/, { errors: second.errors });
        const [, other] = (await second.page.textContent("#chat li")).match(/^(User\d+) joined chat\.$/) ?? [];
        await expectText(first.page, "#chat", new RegExp(`^${other} joined chat\\.$`), { item: true });
        await second.page.fill("#text", "hello from the second page");
        await second.page.press("#text", "Enter");
        await expectText(first.page, "#chat", new RegExp(`^${other}: hello from the second page$`), { item: true });
        await second.page.close();
        // A 0.9 client polling over XHR says nothing when its page goes:
        // the server notices at the close timeout (60 s), too late here.
        if (transport !== "xhr-polling") {
          await expectText(first.page, "#chat", new RegExp(`^${other} left chat\\.$`), { item: true });
        }
        await first.page.fill("#text", "still here");
        await first.page.press("#text", "Enter");
        await expectText(first.page, "#chat", new RegExp(`^${me}: still here$`), { item: true });

        // Both endpoints' traffic went through one session.
        assert.equal(first.used.sids.size, 1, `one session: ${[...first.used.sids]}`);
        assert.ok(first.used.websockets <= 1, `at most one websocket: ${first.used.websockets}`);
        assert.deepEqual(first.errors, []);
        await first.page.close();
      });
    }
  });

  describe("crosssite: the page on one port, the server on another", () => {
    let pages;
    let server;
    before(async () => {
      if (skip) return;
      // The page server: pages and client scripts only (page.toml).
      pages = await startServer(["--config", "examples/crosssite/page.toml"], { label: "node-examples-crosssite-page" });
      server = await startExample("crosssite", { args: ["--cors-origin", pages.url] });
    });
    after(async () => {
      await server?.stop();
      await pages?.stop();
    });

    for (const [client, transport, how] of [
      ["4", "polling", "CORS"],
      ["4", "", "CORS, then websocket"],
      ["2", "jsonp", "JSONP"],
      ["0.9", "jsonp-polling", "JSONP"],
      ["0.9", "xhr-polling", "CORS"],
    ]) {
      it(`socket.io-client ${client} ${transport ? `over ${transport} ` : ""}(${how})`, T, async () => {
        const query = `?client=${client}&server=${encodeURIComponent(server.url)}${transport ? `&transport=${transport}` : ""}`;
        const { page, errors, used } = await open(`${pages.url}/${query}`);
        // The server greets the page with the origin its requests named.
        await expectText(page, "#chat", new RegExp(`^Welcome from the server \\(page at ${escape(pages.url)}/?\\)\\.$`), {
          item: true,
          errors,
        });
        await expectText(page, "#chat", /^New participant joined$/, { item: true, errors });
        const now = await page.textContent("#transport");
        if (how === "JSONP") {
          assert.ok(used.scripts >= 2, `JSONP polls are scripts: ${JSON.stringify({ ...used, sids: used.sids.size })}`);
          assert.equal(used.websockets, 0);
          assert.equal(now, `client ${client} over ${transport === "jsonp" ? "jsonp" : transport}`);
        } else {
          assert.ok(used.xhr >= 2, `cross-origin XHR polls: ${used.xhr}`);
          assert.deepEqual([...used.allowOrigins], [pages.url], "the page's origin is allowed by name");
        }
        assert.deepEqual(errors, []);
        await page.close();
      });
    }

    it("a page from an origin the server does not allow cannot connect", T, async () => {
      // The same page server under another name: another origin.
      const elsewhere = pages.url.replace("127.0.0.1", "localhost");
      const { page, used } = await open(`${elsewhere}/?client=4&transport=polling&server=${encodeURIComponent(server.url)}`);
      await expectText(page, "#chat", /^Cannot connect: xhr poll error$/, { item: true });
      assert.equal(await page.textContent("#status"), "disconnected");
      assert.deepEqual(await page.$$eval("#chat li", (lis) => lis.map((li) => li.textContent)), [
        "Cannot connect: xhr poll error",
      ]);
      assert.deepEqual([...used.allowOrigins], [], "no origin allowed");
      await page.close();
    });
  });

  describe("transports: the page picks the transport", () => {
    let server;
    before(async () => {
      if (!skip) server = await startExample("transports");
    });
    after(() => server?.stop());

    // [client, the page's transport, the host's name for it]
    const cases = [
      ["4", "websocket", "websocket"],
      ["4", "polling", "polling"],
      ["2", "websocket", "websocket"],
      ["2", "polling", "polling"],
      ["2", "jsonp", "polling"],
      ["0.9", "websocket", "websocket"],
      ["0.9", "xhr-polling", "xhr-polling"],
      ["0.9", "jsonp-polling", "jsonp-polling"],
    ];
    for (const [client, transport, hostName] of cases) {
      it(`socket.io-client ${client} over ${transport}`, T, async () => {
        const { page, errors, used } = await open(`${server.url}/?client=${client}&transport=${transport}`);
        const offered = await page.$$eval("input[name=transport]", (xs) => xs.map((x) => x.value));
        if (client === "0.9") assert.deepEqual(offered, ["websocket", "flashsocket", "htmlfile", "xhr-polling", "jsonp-polling"]);
        await page.click("#connect");
        const opts = { item: true, errors };
        await expectText(page, "#log", new RegExp(`^Connected over ${transport}\\.$`), opts);
        await expectText(page, "#log", new RegExp(`^Received: Welcome from the server over ${hostName}\\.$`), opts);
        await page.fill("#text", `hi over ${transport}`);
        await page.press("#text", "Enter");
        await expectText(page, "#log", new RegExp(`^Received: ${hostName}: hi over ${transport}$`), opts);
        await expectText(page, "#log", /^Got ACK!$/, opts);
        if (transport === "websocket") assert.equal(used.websockets, 1);
        else assert.equal(used.websockets, 0, "no websocket when polling is chosen");
        if (transport.startsWith("jsonp")) assert.ok(used.scripts >= 2, `JSONP polls are scripts: ${used.scripts}`);
        assert.ok(used.sids.size <= 1, `one session: ${[...used.sids]}`);
        assert.deepEqual(errors, []);
        await page.close();
      });
    }

    // Offered by the page for the browsers that had them; Chromium has
    // neither Flash nor ActiveXObject: the page says so (their wire is
    // covered by tests/tests/legacy.rs).
    for (const transport of ["flashsocket", "htmlfile"]) {
      it(`socket.io-client 0.9 over ${transport}: offered by the page, not runnable in Chromium, and the page says so`, T, async () => {
        const { page, errors, used } = await open(`${server.url}/?client=0.9&transport=${transport}`);
        await page.click("#connect");
        await expectText(page, "#log", new RegExp(`^Cannot connect over ${transport} in this browser\\.$`), {
          item: true,
          errors,
        });
        assert.equal(used.websockets, 0);
        await page.close();
      });
    }
  });
});

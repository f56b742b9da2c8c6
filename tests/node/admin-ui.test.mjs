// The admin UI (docs/admin-ui.md): @socket.io/admin-ui's protocol spoken by
// socket.io-client 4 to sio-host's admin namespace (sign-in, what it is
// told, its actions on a chat client of another namespace), then the
// dashboard itself (the npm package's ui/dist served with --static) in
// headless Chromium: it signs in, lists a Node client's socket, and
// disconnects it. Leaves tests/artifacts/admin-ui.png (the sockets page) and
// admin-ui-disconnected.png (the socket's details once disconnected).
//
// Needs Debian's chromium at /usr/bin/chromium (CHROMIUM_PATH overrides)
// for the page; without it that part is skipped, except in CI. The page is
// also loaded from another origin (a second sio-host serving only the
// files), allowed with --cors-origin as https://admin.socket.io would be.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import bcrypt from "bcryptjs";
import {
  artifactsDir,
  chromiumSkip,
  closeClients,
  connect,
  connectError,
  launchChromium,
  once,
  pageErrors,
  startServer,
  waitFor,
  wasm,
} from "./helpers.mjs";

const USER = "admin";
const PASSWORD = "correct horse";
// As Node's instrument() takes it: a bcrypt hash (cost 10, bcryptjs's).
const HASH = bcrypt.hashSync(PASSWORD, 10);

/** The admin namespace's client, signed in; `seen` collects every event. */
async function signIn(url, auth = { username: USER, password: PASSWORD }) {
  const seen = [];
  const admin = await connect(`${url}/admin`, { auth }, (s) => {
    s.onAny((event, ...args) => seen.push([event, ...args]));
  });
  return { admin, seen };
}

/** The first `event` seen whose args satisfy `pred`, waiting for it. */
async function seenEvent(admin, seen, event, pred = () => true, ms = 5000) {
  const found = seen.find(([e, ...args]) => e === event && pred(...args));
  if (found) return found.slice(1);
  return waitFor(admin, event, pred, ms);
}

describe("admin UI namespace (socket.io-client 4)", () => {
  let server;

  before(async () => {
    server = await startServer(
      [wasm("chat"), `/room-*=${wasm("chat")}`, "--admin-ui", "--admin-ui-auth", `${USER}:${HASH}`],
      { label: "node-admin-ui" },
    );
  });

  after(async () => {
    closeClients();
    await server?.stop();
  });

  it("refuses a wrong or missing password with a connect error", async () => {
    const wrong = await connectError(`${server.url}/admin`, {
      auth: { username: USER, password: "wrong" },
    });
    assert.equal(wrong.message, "invalid credentials");
    const none = await connectError(`${server.url}/admin`);
    assert.equal(none.message, "invalid credentials");
    const stranger = await connectError(`${server.url}/admin`, {
      auth: { username: "root", password: PASSWORD },
    });
    assert.equal(stranger.message, "invalid credentials");
  });

  it("signs in: config, session, every socket and the server's stats", async () => {
    const chat = await connect(server.url, { transports: ["websocket"] });
    const { admin, seen } = await signIn(server.url);

    const [config] = await seenEvent(admin, seen, "config");
    assert.deepEqual(config.supportedFeatures, [
      "EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT",
      "AGGREGATED_EVENTS", "ALL_EVENTS",
    ]);
    const [sessionId] = await seenEvent(admin, seen, "session");
    assert.match(sessionId, /^\S{8,}$/);

    const [sockets] = await seenEvent(admin, seen, "all_sockets");
    const mine = sockets.find((s) => s.id === chat.id);
    assert.ok(mine, `the chat client's socket is listed: ${JSON.stringify(sockets)}`);
    assert.equal(mine.nsp, "/");
    assert.equal(mine.transport, "websocket");
    assert.equal(mine.clientId, chat.io.engine.id.slice(0, 12));
    assert.deepEqual(mine.rooms, [chat.id]);
    assert.deepEqual(mine.data, {});
    assert.equal(mine.handshake.address, "127.0.0.1");
    assert.equal(mine.handshake.query.EIO, "4");
    assert.equal(typeof mine.handshake.issued, "number");
    assert.ok(mine.handshake.headers.host, "the handshake's headers");
    // The admin's own socket is one of the server's too, as in Node.
    assert.ok(sockets.some((s) => s.id === admin.id && s.nsp === "/admin"));

    const [stats] = await seenEvent(admin, seen, "server_stats");
    assert.equal(stats.pid > 0, true);
    assert.equal(typeof stats.serverId, "string");
    assert.ok(stats.clientsCount >= 2, `clientsCount ${stats.clientsCount}`);
    assert.equal(stats.pollingClientsCount, 0);
    assert.deepEqual(stats.namespaces, [
      { name: "/", socketsCount: 1 },
      { name: "/admin", socketsCount: 1 },
    ]);

    // The session id signs in again without the password (a reloaded page).
    const again = await signIn(server.url, { sessionId });
    await seenEvent(again.admin, again.seen, "all_sockets");
    again.admin.disconnect();
    admin.disconnect();
    chat.disconnect();
  });

  it("sees connects, data, events, rooms and disconnects as they happen", async () => {
    const { admin, seen } = await signIn(server.url);
    await seenEvent(admin, seen, "all_sockets");

    const chat = await connect(server.url);
    const [socket, at] = await seenEvent(admin, seen, "socket_connected", (s) => s.id === chat.id);
    assert.equal(socket.nsp, "/");
    assert.ok(!Number.isNaN(Date.parse(at)), `a date: ${at}`);

    // The chat keeps the nickname as the connection's data.
    await chat.emitWithAck("nick", "ada");
    const [updated] = await seenEvent(admin, seen, "socket_updated", (s) => s.id === chat.id && s.data);
    assert.deepEqual(updated.data, { nickname: "ada" });
    const [nsp, id, args] = await seenEvent(admin, seen, "event_received", (_n, id) => id === chat.id);
    assert.deepEqual([nsp, id, args], ["/", chat.id, ["nick", "ada"]]);

    // A room the handler joins it to.
    await chat.emitWithAck("join", "lobby");
    const joined = await seenEvent(admin, seen, "room_joined", (_n, room, id) => room === "lobby" && id === chat.id);
    assert.equal(joined[0], "/");

    // An upgrade shows at the next stats (every 2 s), unless it was done
    // before the socket was shown.
    if (socket.transport !== "websocket") {
      await seenEvent(admin, seen, "socket_updated", (s) => s.id === chat.id && s.transport === "websocket", 6000);
    }

    const chatId = chat.id; // the client forgets it when it disconnects
    chat.disconnect();
    const gone = await seenEvent(admin, seen, "socket_disconnected", (_n, id) => id === chatId);
    assert.equal(gone[2], "client namespace disconnect");
    await seenEvent(admin, seen, "room_left", (_n, room, id) => room === "lobby" && id === chatId);
    admin.disconnect();
  });

  it("join, leave, emit and _disconnect act on a client of another namespace", async () => {
    const chat = await connect(server.url);
    const { admin, seen } = await signIn(server.url);
    await seenEvent(admin, seen, "all_sockets");

    admin.emit("join", "/", "vip", chat.id);
    await seenEvent(admin, seen, "room_joined", (n, room, id) => n === "/" && room === "vip" && id === chat.id);
    admin.emit("leave", "/", "vip", chat.id);
    await seenEvent(admin, seen, "room_left", (n, room, id) => n === "/" && room === "vip" && id === chat.id);

    // An event from the admin to the namespace's sockets.
    const hello = once(chat, "hello");
    admin.emit("emit", "/", null, "hello", "from admin", { n: 1 });
    assert.deepEqual(await hello, ["from admin", { n: 1 }]);

    // A misshapen action is refused and changes nothing; the admin stays.
    admin.emit("join", "/", 42);
    admin.emit("_disconnect", "/nowhere", false);

    const chatId = chat.id; // the client forgets it when it disconnects
    const disconnected = once(chat, "disconnect");
    admin.emit("_disconnect", "/", false, chatId);
    const [reason] = await disconnected;
    assert.equal(reason, "io server disconnect");
    const gone = await seenEvent(admin, seen, "socket_disconnected", (_n, id) => id === chatId);
    assert.equal(gone[2], "server namespace disconnect");
    assert.equal(admin.connected, true);

    const stats = await (await fetch(`${server.url}/stats`)).json();
    assert.equal(stats.admin_ui.enabled, true);
    assert.ok(stats.admin_ui.actions >= 4, JSON.stringify(stats.admin_ui));
    assert.ok(stats.admin_ui.actions_refused >= 2, JSON.stringify(stats.admin_ui));
    assert.ok(stats.admin_ui.refused >= 3, JSON.stringify(stats.admin_ui));
    admin.disconnect();
  });

  it("sees a pattern's namespace once started, and acts on it", async () => {
    const { admin, seen } = await signIn(server.url);
    await seenEvent(admin, seen, "all_sockets");
    const room = await connect(`${server.url}/room-7`);
    const [socket] = await seenEvent(admin, seen, "socket_connected", (s) => s.id === room.id);
    assert.equal(socket.nsp, "/room-7");
    const [stats] = await seenEvent(admin, seen, "server_stats", (st) =>
      st.namespaces.some((n) => n.name === "/room-7"), 6000);
    assert.deepEqual(stats.namespaces.find((n) => n.name === "/room-7"), { name: "/room-7", socketsCount: 1 });

    const disconnected = once(room, "disconnect");
    admin.emit("_disconnect", "/room-7", false, room.id);
    const [reason] = await disconnected;
    assert.equal(reason, "io server disconnect");
    admin.disconnect();
  });
});

describe("admin UI read-only", () => {
  let server;

  before(async () => {
    server = await startServer(
      [wasm("chat"), "--admin-ui", "--admin-ui-auth", `${USER}:${PASSWORD}`, "--admin-ui-readonly"],
      { label: "node-admin-ui-readonly" },
    );
  });

  after(async () => {
    closeClients();
    await server?.stop();
  });

  it("offers no action and does none", async () => {
    const chat = await connect(server.url);
    const { admin, seen } = await signIn(server.url);
    const [config] = await seenEvent(admin, seen, "config");
    assert.deepEqual(config.supportedFeatures, ["AGGREGATED_EVENTS", "ALL_EVENTS"]);
    admin.emit("_disconnect", "/", false, chat.id);
    admin.emit("join", "/", "vip", chat.id);
    // The stats of the next tick come after the actions were read.
    const stats = await seenEvent(admin, seen, "server_stats", () => seen.filter(([e]) => e === "server_stats").length >= 2, 6000);
    assert.ok(stats);
    assert.equal(chat.connected, true);
    assert.ok(!seen.some(([e]) => e === "room_joined"), "nobody joined");
  });
});

const skip = chromiumSkip;

/** The dashboard in `page`, signed in to `serverUrl` through its form. */
async function signInPage(page, pageUrl, serverUrl) {
  // The page's fonts and icons come from CDNs this machine cannot reach.
  await page.route(/^https?:/, (route) => {
    const url = route.request().url();
    return url.startsWith(pageUrl) || url.startsWith(serverUrl) ? route.continue() : route.abort();
  });
  const res = await page.goto(pageUrl);
  assert.equal(res.status(), 200, "the UI's page is served");
  await page.getByLabel("Server URL").fill(serverUrl);
  await page.getByLabel("Username").fill(USER);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Connect" }).click();
  await page.locator(".v-dialog").waitFor({ state: "hidden", timeout: 30_000 });
}

describe("admin UI page in headless Chromium", () => {
  let server;
  let elsewhere;
  let browser;

  before(async () => {
    if (skip) return;
    // The page from another origin, as https://admin.socket.io serves it.
    elsewhere = await startServer(
      ["--static", "/=node_modules/@socket.io/admin-ui/ui/dist"],
      { label: "node-admin-ui-elsewhere" },
    );
    server = await startServer(
      [
        wasm("chat"),
        "--admin-ui",
        "--admin-ui-auth", `${USER}:${HASH}`,
        "--static", "/admin-ui=node_modules/@socket.io/admin-ui/ui/dist",
        "--cors-origin", `http://localhost:${elsewhere.port}`,
      ],
      { label: "node-admin-ui-page" },
    );
    browser = await launchChromium();
  });

  after(async () => {
    closeClients();
    await browser?.close();
    await server?.stop();
    await elsewhere?.stop();
  });

  it("signs in, shows a connected socket and disconnects it", { timeout: 90_000, skip }, async () => {
    const chat = await connect(server.url);
    const chatId = chat.id;
    const page = await browser.newPage();
    const errors = pageErrors(page);
    await signInPage(page, `${server.url}/admin-ui/`, server.url);
    const socketsPage = `${server.url}/admin-ui/#/sockets/`;
    await page.goto(socketsPage);
    const row = page.locator("tbody tr", { hasText: chatId });
    await row.waitFor({ timeout: 30_000 }).catch((e) => {
      throw new Error(`the socket ${chatId} is not listed; page errors: ${errors.join(" | ")}\n${e}`);
    });
    await row.getByText("websocket").waitFor({ timeout: 10_000 });
    // The screenshot once the page's slide-in is over.
    await page.waitForFunction(() => !document.querySelector("[class*='-transition-enter-active']"));
    mkdirSync(artifactsDir, { recursive: true });
    await page.screenshot({ path: path.join(artifactsDir, "admin-ui.png"), fullPage: true });

    // Its disconnect button; the click reaches the row too, which opens the
    // socket's details, where it shows as disconnected.
    const disconnected = once(chat, "disconnect", 10_000);
    await row.getByRole("button").click();
    const [reason] = await disconnected;
    assert.equal(reason, "io server disconnect");
    await page.getByText("Socket details").waitFor({ timeout: 10_000 });
    await page.getByText(/^\s*disconnected\s*$/i).first().waitFor({ timeout: 10_000 });
    await page.screenshot({ path: path.join(artifactsDir, "admin-ui-disconnected.png"), fullPage: true });
    // Back on the list, namespace / has no socket left.
    await page.goto(socketsPage);
    await page.getByText("Socket details").waitFor({ state: "detached", timeout: 10_000 });
    await page.getByText("No data available").waitFor({ timeout: 10_000 });
    assert.equal(await page.locator("tbody tr", { hasText: chatId }).count(), 0);
    assert.deepEqual(
      errors.filter((e) => !/ERR_FAILED|net::/.test(e)),
      [],
      "no script errors (the blocked CDN requests aside)",
    );
  });

  it("signs in from another origin allowed by --cors-origin", { timeout: 60_000, skip }, async () => {
    const chat = await connect(server.url);
    const page = await browser.newPage();
    const pageUrl = `http://localhost:${elsewhere.port}/`;
    await signInPage(page, pageUrl, server.url);
    await page.goto(`${pageUrl}#/sockets/`);
    await page.locator("tbody tr", { hasText: chat.id }).waitFor({ timeout: 30_000 });
    await page.close();
  });
});

// Two headless Chromium pages use the chat page served by sio-host itself
// (--static examples/chat/static, the client bundle under /vendor).
//
// Needs Debian's chromium at /usr/bin/chromium (CHROMIUM_PATH overrides).
// Without it the test is skipped, except in CI (CI set), where it must run.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { artifactsDir, chatArgs, startServer, chromiumSkip, launchChromium, pageErrors, transportsUsed } from "./helpers.mjs";
import { expectLine, pickNick, say, waitConnected } from "./chat-page.mjs";

const skip = chromiumSkip;

const T = { timeout: 60_000, skip };

describe("chat page in headless Chromium", () => {
  let server;
  let browser;

  before(async () => {
    if (skip) return;
    server = await startServer(chatArgs({ page: true }), { label: "node-chat-browser" });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function openChat(query = "") {
    const page = await browser.newPage();
    const errors = pageErrors(page);
    // Which Engine.IO transports the page really used.
    const used = transportsUsed(page);
    const res = await page.goto(`${server.url}/${query}`);
    assert.equal(res.status(), 200, "the page is served");
    await waitConnected(page, errors);
    return { page, errors, used };
  }

  it("two pages pick nicknames and see each other's messages", T, async () => {
    // alice on the default transport (polling, then WebSocket), bob forced to polling.
    const alice = await openChat();
    const bob = await openChat("?transport=polling");

    await pickNick(alice.page, "alice");
    await expectLine(alice.page, "* alice joined");
    await pickNick(bob.page, "bob");
    await expectLine(alice.page, "* bob joined");
    await expectLine(bob.page, "* bob joined");

    await say(alice.page, "hello from alice");
    await expectLine(alice.page, "alice: hello from alice");
    await expectLine(bob.page, "alice: hello from alice");

    await say(bob.page, "hi alice, bob here (polling)");
    await expectLine(alice.page, "bob: hi alice, bob here (polling)");
    await expectLine(bob.page, "bob: hi alice, bob here (polling)");
    assert.equal(bob.used.websocket, 0, "bob stays on polling");
    assert.ok(alice.used.websocket >= 1, "alice (default transports) upgraded to WebSocket");

    mkdirSync(artifactsDir, { recursive: true });
    await alice.page.screenshot({ path: path.join(artifactsDir, "chat-alice.png"), fullPage: true });
    await bob.page.screenshot({ path: path.join(artifactsDir, "chat-bob.png"), fullPage: true });

    assert.deepEqual(alice.errors, [], "no script errors on alice's page");
    assert.deepEqual(bob.errors, [], "no script errors on bob's page");
  });

  it("a page forced to WebSocket chats with a polling page", T, async () => {
    const carol = await openChat("?transport=websocket");
    const dave = await openChat("?transport=polling");
    await pickNick(carol.page, "carol");
    await pickNick(dave.page, "dave");
    await expectLine(carol.page, "* dave joined");
    await say(dave.page, "ping from dave");
    await expectLine(carol.page, "dave: ping from dave");
    await say(carol.page, "pong from carol");
    await expectLine(dave.page, "carol: pong from carol");
    await carol.page.screenshot({ path: path.join(artifactsDir, "chat-websocket.png"), fullPage: true });
    assert.equal(carol.used.polling, 0, "?transport=websocket never polls");
    assert.ok(carol.used.websocket >= 1, "?transport=websocket opens a WebSocket");
    assert.equal(dave.used.websocket, 0, "?transport=polling never opens a WebSocket");
    assert.ok(dave.used.polling >= 2, "?transport=polling polls");
  });
});

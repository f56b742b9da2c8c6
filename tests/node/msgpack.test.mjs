// socket.io-msgpack-parser clients (docs/protocol.md, "The msgpack
// parser"): socket.io-client 4 with `parser: require("socket.io-msgpack-parser")`
// in Node, over websocket, polling and the upgrade, and the parser's browser
// build in headless Chromium, against one server that serves JSON clients on
// /socket.io/ and msgpack clients on --msgpack-path /socket.io-msgpack/.
//
// Handlers (they see JSON text whatever the client's parser):
// - `/`: examples/conformance (`auth` on connect; `message` -> `message-back`
//   and `message-with-ack` -> its ack, arguments and binaries as they came);
// - `/chat`: examples/chat (`say` -> `said` to a room, `file` with a binary
//   to everyone else, `ping-me` -> a server emit with an ack whose answer
//   comes back as `pong-received`);
// - `/hostile`: tests/handlers/hostile (`say` re-emits its arguments' JSON
//   text, as the handler got it, to the others in its room).
//
// Browser part: needs Debian's chromium (CHROMIUM_PATH overrides); skipped
// without it, except in CI.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { createRequire } from "node:module";
import { io } from "socket.io-client";
import {
  chromiumSkip,
  closeClients,
  connect,
  launchChromium,
  once,
  pageErrors,
  record,
  repoRoot,
  sleep,
  startServer,
  waitUntil,
  wasm,
} from "./helpers.mjs";
import { cut, reconnecting } from "./recovery-helpers.mjs";

const require = createRequire(import.meta.url);
const msgpackParser = require("socket.io-msgpack-parser");

const T = { timeout: 60_000 };
const MSGPACK_PATH = "/socket.io-msgpack/";

/** A msgpack client's options (its own path, its own parser). */
const mp = (opts = {}) => ({ path: MSGPACK_PATH, parser: msgpackParser, ...opts });

const ask = (s, event, ...args) => s.timeout(5000).emitWithAck(event, ...args);

const serverArgs = (...extra) => [
  "--msgpack-path", MSGPACK_PATH,
  "--ping-interval", "300",
  "--ping-timeout", "300",
  ...extra,
  `/=${wasm("conformance")}`,
  `/chat=${wasm("chat")}`,
  `/hostile=${wasm("hostile")}`,
];

async function stats(url) {
  return (await fetch(`${url}/stats`)).json();
}

/** Nested JSON of every kind, as both parsers carry it. */
const NESTED = {
  s: "é \"quoted\" \n 😀",
  n: [0, -1, 255, 65536, -70000, 2 ** 40, 1.5, -0.25],
  b: [true, false, null],
  o: { deep: { deeper: [[], {}, [{ x: "y" }]] } },
};

describe("socket.io-msgpack-parser clients", () => {
  let server;
  before(async () => {
    server = await startServer(serverArgs(), { label: "msgpack" });
  });
  after(async () => {
    closeClients();
    await server?.stop();
  });

  for (const [name, transports] of [
    ["websocket", ["websocket"]],
    ["polling", ["polling"]],
    ["polling upgraded to websocket", ["polling", "websocket"]],
  ]) {
    it(`events, acks and binaries round-trip (${name})`, T, async () => {
      const auths = [];
      const s = await connect(
        server.url,
        mp({ transports, auth: { token: "t", list: [1, { k: "v" }] } }),
        (s) => s.on("auth", (a) => auths.push(a)),
      );
      if (transports.length > 1) {
        await waitUntil(() => s.io.engine.transport.name === "websocket");
      } else {
        assert.equal(s.io.engine.transport.name, transports[0]);
      }
      // The CONNECT's auth reached the handler as a JSON object.
      await waitUntil(() => auths.length === 1);
      assert.deepEqual(auths[0], { token: "t", list: [1, { k: "v" }] });

      // An event with nested JSON and binaries, both ways.
      const blob = Buffer.from([0, 1, 2, 253, 254, 255]);
      const back = once(s, "message-back");
      s.emit("message", NESTED, blob, { inner: [Buffer.from("hi")] });
      const [nested, bin, inner] = await back;
      assert.deepEqual(nested, NESTED);
      assert.ok(Buffer.isBuffer(bin));
      assert.deepEqual(bin, blob);
      assert.deepEqual(inner.inner[0], Buffer.from("hi"));

      // An ack with arguments and a binary.
      const acked = await s.timeout(5000).emitWithAck("message-with-ack", "a", 1, blob, NESTED);
      assert.deepEqual(acked, "a");
      const all = await new Promise((resolve) =>
        s.emit("message-with-ack", "a", 1, blob, NESTED, (...args) => resolve(args)),
      );
      assert.deepEqual(all, ["a", 1, blob, NESTED]);
      s.disconnect();
    });
  }

  it("a server emit with an ack: the client's answer (a binary too) comes back", T, async () => {
    const s = await connect(`${server.url}/chat`, mp({ transports: ["websocket"] }), (s) =>
      s.on("ping", (...args) => args.pop()("pong", Buffer.from([7, 7]), { n: 1 })),
    );
    const pong = once(s, "pong-received");
    assert.deepEqual(await ask(s, "ping-me"), { ok: true });
    const [text, bin, obj] = await pong;
    assert.equal(text, "pong");
    assert.deepEqual(bin, Buffer.from([7, 7]));
    assert.deepEqual(obj, { n: 1 });
    s.disconnect();
  });

  it("a broadcast reaches JSON and msgpack clients in one room, binaries included", T, async () => {
    const json = await connect(`${server.url}/chat`, { transports: ["websocket"] });
    const packed = await connect(`${server.url}/chat`, mp({ transports: ["websocket"] }));
    const polled = await connect(`${server.url}/chat`, mp({ transports: ["polling"] }));
    const outsider = await connect(`${server.url}/chat`, mp({ transports: ["websocket"] }));
    for (const [s, nick] of [[json, "jay"], [packed, "pat"], [polled, "poll"]]) {
      assert.deepEqual(await ask(s, "nick", nick), { ok: true });
      assert.deepEqual(await ask(s, "join", "room-1"), { ok: true });
    }
    const heard = [json, packed, polled, outsider].map((s) => record(s, "said"));
    assert.deepEqual(await ask(packed, "say", "hello room", "room-1"), { ok: true });
    assert.deepEqual(await ask(json, "say", "hello back", "room-1"), { ok: true });
    await waitUntil(() => heard.slice(0, 3).every((h) => h.length === 2));
    await sleep(100);
    for (const h of heard.slice(0, 3)) {
      assert.deepEqual(h, [
        [{ nick: "pat", text: "hello room" }],
        [{ nick: "jay", text: "hello back" }],
      ]);
    }
    assert.deepEqual(heard[3], [], "not in the room");

    // A file (a binary argument) from a msgpack client to everyone else,
    // and one from a JSON client.
    const files = [json, packed, polled, outsider].map((s) => record(s, "file"));
    const data = Buffer.from("file bytes \u0000\u00ff");
    assert.deepEqual(await ask(packed, "file", "a.bin", data), { ok: true });
    assert.deepEqual(await ask(json, "file", "b.bin", Buffer.from([9])), { ok: true });
    await waitUntil(() => files[0].length === 1 && files[1].length === 1 && files[2].length === 2);
    assert.deepEqual(files[0][0], [{ nick: "pat", name: "a.bin" }, data]);
    assert.deepEqual(files[2][0], [{ nick: "pat", name: "a.bin" }, data]);
    assert.deepEqual(files[1][0], [{ nick: "jay", name: "b.bin" }, Buffer.from([9])]);
    assert.ok(Buffer.isBuffer(files[2][1][1]));
    for (const s of [json, packed, polled, outsider]) s.disconnect();
  });

  it("the handler sees the JSON text a JSON client's packet would carry", T, async () => {
    // A JSON client in the hostile handler's room reads the raw packet text
    // the handler re-emits: its arguments' JSON text as the handler got it.
    const json = await connect(`${server.url}/hostile`, { transports: ["websocket"] });
    const raw = [];
    json.io.engine.on("packet", (p) => {
      if (p.type === "message" && p.data.startsWith("2/hostile,")) raw.push(p.data);
    });
    const packed = await connect(`${server.url}/hostile`, mp({ transports: ["websocket"] }));
    const when = new Date(Date.UTC(2024, 1, 29, 12, 34, 56, 789));
    const values = [
      NESTED,
      { dropped: undefined, kept: 1, list: [undefined, 2] },
      when,
      undefined,
      "last",
    ];
    packed.emit("say", ...values);
    // What a JSON client emitting the same values sends: JSON.stringify's.
    const expected = `2/hostile,${JSON.stringify(["said", ...values])}`;
    await waitUntil(() => raw.length === 1);
    assert.equal(raw[0], expected);
    assert.ok(raw[0].includes('"2024-02-29T12:34:56.789Z"') && raw[0].includes('"list":[null,2]'));
    json.disconnect();
    packed.disconnect();
  });

  it("malformed msgpack closes that client only, counted as a parse error", T, async () => {
    const before_ = (await stats(server.url)).sessions.closed_by_reason.parse_error;
    const bystanders = [
      await connect(server.url, mp({ transports: ["websocket"] })),
      await connect(server.url, mp({ transports: ["polling"] })),
      await connect(server.url, { transports: ["websocket"] }),
    ];
    const bad = [
      // The never-used marker 0xc1.
      Buffer.from([0xc1]),
      // A map claiming 2^32 - 1 entries, and nothing after.
      Buffer.from([0xdf, 0xff, 0xff, 0xff, 0xff]),
      // {type: 2, nsp: "/", data: ["e", NaN]}: JSON has no NaN.
      Buffer.from("83a474797065 02 a36e7370a12f a46461746192 a165 cb7ff8000000000000".replaceAll(" ", ""), "hex"),
    ];
    for (const [i, bytes] of bad.entries()) {
      const transports = i === 1 ? ["polling"] : ["websocket"];
      const victim = await connect(server.url, mp({ transports }));
      const gone = once(victim, "disconnect");
      victim.io.engine.write(bytes);
      const [reason] = await gone;
      assert.match(reason, /transport (close|error)/);
    }
    // Text is not a msgpack client's packet either.
    const texter = await connect(server.url, mp({ transports: ["websocket"] }));
    const gone = once(texter, "disconnect");
    texter.io.engine.write('2["message","as text"]');
    await gone;
    const after_ = (await stats(server.url)).sessions.closed_by_reason.parse_error;
    assert.equal(after_ - before_, bad.length + 1);
    // Everyone else goes on.
    for (const s of bystanders) {
      assert.ok(s.connected);
      const blob = Buffer.from([1, 2, 3]);
      const back = once(s, "message-back");
      s.emit("message", "still here", blob);
      assert.deepEqual(await back, ["still here", blob]);
    }
    for (const s of bystanders) s.disconnect();
  });

  it("a session stays on the path, so the parser, it started on", T, async () => {
    // A JSON client on the msgpack path sends its CONNECT as text: the
    // session closes before it is connected.
    const json = io(server.url, { path: MSGPACK_PATH, transports: ["websocket"], reconnection: false });
    const outcome = await new Promise((resolve) => {
      json.once("connect", () => resolve("connected"));
      json.once("connect_error", () => resolve("refused"));
      json.once("disconnect", () => resolve("refused"));
    });
    json.disconnect();
    assert.equal(outcome, "refused");
    // A polling session's sid on the other path is unknown there.
    const s = await connect(server.url, mp({ transports: ["polling"] }));
    const sid = s.io.engine.id;
    const res = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`);
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { code: 1, message: "Session ID unknown" });
    // Engine.IO 3 has no msgpack parser here.
    const eio3 = await fetch(`${server.url}${MSGPACK_PATH}?EIO=3&transport=polling`);
    assert.equal(eio3.status, 400);
    s.disconnect();
  });
});

describe("--parser msgpack and connection state recovery", () => {
  let server;
  before(async () => {
    server = await startServer(
      [
        "--parser", "msgpack",
        "--recovery",
        "--ping-interval", "300",
        "--ping-timeout", "300",
        `/=${wasm("recovery_probe")}`,
      ],
      { label: "msgpack-recovery" },
    );
  });
  after(async () => {
    closeClients();
    await server?.stop();
  });

  for (const transports of [["websocket"], ["polling"]]) {
    it(`a msgpack client recovers with every missed event (${transports})`, T, async () => {
      const parser = { parser: msgpackParser };
      const a = await reconnecting(server.url, { ...parser, transports });
      const sender = await connect(server.url, { ...parser, transports: ["websocket"] });
      assert.equal(await ask(a, "join", "r"), "ok");
      const id = a.id;
      const roomMsgs = record(a, "room-msg");
      sender.emit("to-room", "r", 0, "zero");
      await waitUntil(() => roomMsgs.length === 1);
      const down = once(a, "disconnect");
      cut(a);
      await down;
      for (let i = 1; i <= 4; i++) sender.emit("to-room", "r", i, { nested: [i] });
      await once(a, "connect", 10_000);
      assert.equal(a.recovered, true);
      assert.equal(a.id, id);
      await waitUntil(() => roomMsgs.length === 5);
      await sleep(200);
      // The events' arguments, the offset recovery appends aside.
      assert.deepEqual(
        roomMsgs.map((args) => args.slice(0, 2)),
        [[0, "zero"], [1, { nested: [1] }], [2, { nested: [2] }], [3, { nested: [3] }], [4, { nested: [4] }]],
      );
      const s = await stats(server.url);
      assert.ok(s.recovery.recovered >= 1);
      a.disconnect();
      sender.disconnect();
    });
  }
});

describe("the parser's browser build in Chromium", () => {
  let server;
  let context;
  let pageDir;
  before(async () => {
    if (chromiumSkip) return;
    // The page's script: socket.io-client and socket.io-msgpack-parser
    // (notepack.io's browser build) bundled for the browser by Rolldown.
    pageDir = mkdtempSync(path.join(os.tmpdir(), "sio-msgpack-page-"));
    const entry = path.join(pageDir, "entry.mjs");
    writeFileSync(
      entry,
      `import { io } from "socket.io-client";
import * as parser from "socket.io-msgpack-parser";
window.io = io;
window.msgpackParser = parser;
`,
    );
    const { rolldown } = await import("rolldown");
    const bundle = await rolldown({
      input: entry,
      platform: "browser",
      cwd: repoRoot,
      resolve: { modules: [path.join(repoRoot, "node_modules")] },
      logLevel: "silent",
    });
    await bundle.write({ file: path.join(pageDir, "bundle.js"), format: "iife" });
    await bundle.close();
    writeFileSync(
      path.join(pageDir, "index.html"),
      '<!doctype html><meta charset="utf-8"><title>msgpack</title><script src="bundle.js"></script>',
    );
    server = await startServer(
      [...serverArgs(), "--static", `/msgpack-page=${pageDir}`],
      { label: "msgpack-browser" },
    );
    context = await launchChromium();
  });
  after(async () => {
    closeClients();
    await context?.close();
    await server?.stop();
    if (pageDir) rmSync(pageDir, { recursive: true, force: true });
  });

  it("events, acks, binaries and a broadcast with a Node JSON client", { ...T, skip: chromiumSkip }, async () => {
    const page = await context.newPage();
    const errors = pageErrors(page);
    await page.goto(`${server.url}/msgpack-page/`);
    const node = await connect(`${server.url}/chat`, { transports: ["websocket"] });
    assert.deepEqual(await ask(node, "nick", "node"), { ok: true });
    const heard = record(node, "said");
    const files = record(node, "file");
    const result = await page.evaluate(async (msgpackPath) => {
      const socket = window.io("/", {
        path: msgpackPath,
        parser: window.msgpackParser,
        auth: { from: "chromium" },
      });
      const auth = await new Promise((resolve) => socket.once("auth", resolve));
      await new Promise((resolve) => (socket.connected ? resolve() : socket.once("connect", resolve)));
      const bytes = new Uint8Array([5, 6, 7, 250]).buffer;
      const back = new Promise((resolve) => socket.once("message-back", (...a) => resolve(a)));
      socket.emit("message", { nested: [1, { two: 2 }] }, bytes);
      const [nested, bin] = await back;
      const acked = await new Promise((resolve) =>
        socket.emit("message-with-ack", "x", bytes, (...a) => resolve(a)),
      );
      const chat = window.io("/chat", { path: msgpackPath, parser: window.msgpackParser });
      await new Promise((resolve) => chat.once("connect", resolve));
      const nick = await chat.emitWithAck("nick", "chromium");
      const said = await chat.emitWithAck("say", "from the browser");
      const filed = await chat.emitWithAck("file", "c.bin", new Uint8Array([1, 2, 3]).buffer);
      // Wait for the upgrade to settle before reporting the transport.
      for (let i = 0; i < 50 && socket.io.engine.transport.name !== "websocket"; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      return {
        auth,
        nested,
        binIsArrayBuffer: bin instanceof ArrayBuffer,
        bin: Array.from(new Uint8Array(bin)),
        acked: [acked[0], Array.from(new Uint8Array(acked[1]))],
        nick,
        said,
        filed,
        transport: socket.io.engine.transport.name,
      };
    }, MSGPACK_PATH);
    assert.deepEqual(result, {
      auth: { from: "chromium" },
      nested: { nested: [1, { two: 2 }] },
      binIsArrayBuffer: true,
      bin: [5, 6, 7, 250],
      acked: ["x", [5, 6, 7, 250]],
      nick: { ok: true },
      said: { ok: true },
      filed: { ok: true },
      transport: "websocket",
    });
    await waitUntil(() => heard.length === 1 && files.length === 1);
    assert.deepEqual(heard[0], [{ nick: "chromium", text: "from the browser" }]);
    assert.deepEqual(files[0], [{ nick: "chromium", name: "c.bin" }, Buffer.from([1, 2, 3])]);
    assert.deepEqual(errors, []);
    node.disconnect();
    await page.close();
  });
});

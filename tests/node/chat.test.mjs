// The official socket.io-client@4 against sio-host serving the chat handler,
// the same suite for each language's handler (Rust, JavaScript, Python).

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import {
  CHAT_HANDLERS,
  chatArgs,
  closeClients,
  connect,
  connectError,
  once,
  record,
  sleep,
  startServer,
  waitFor,
} from "./helpers.mjs";

const T = { timeout: 20_000 };

/** How long to wait before concluding that a message did not arrive. */
const QUIET = 400;

for (const handler of CHAT_HANDLERS) describe(`chat handler (${handler.lang}) with socket.io-client`, () => {
  let server;
  before(async () => {
    server = await startServer(chatArgs({ handler }), { label: `node-chat-${handler.wasm}` });
  });
  after(async () => {
    closeClients();
    await server?.stop();
  });
  afterEach(() => closeClients());

  const said = (text) => (msg) => msg && msg.text === text;

  async function user(nick, opts = {}) {
    const s = await connect(server.url, opts);
    if (nick) {
      const ack = await s.timeout(5000).emitWithAck("nick", nick);
      assert.deepEqual(ack, { ok: true }, `nick ${nick}`);
    }
    return s;
  }

  it("two clients chat (one polling, one WebSocket)", T, async () => {
    const alice = await user("alice", { transports: ["polling"] });
    const bob = await connect(server.url, { transports: ["websocket"] });
    const aliceSeesBob = waitFor(alice, "joined", (j) => j?.nick === "bob");
    assert.deepEqual(await bob.timeout(5000).emitWithAck("nick", "bob"), { ok: true });
    await aliceSeesBob;

    const both = Promise.all([
      waitFor(alice, "said", said("hello bob")),
      waitFor(bob, "said", said("hello bob")),
    ]);
    alice.emit("say", "hello bob");
    const [[a], [b]] = await both;
    assert.deepEqual(a, { nick: "alice", text: "hello bob" });
    assert.deepEqual(b, { nick: "alice", text: "hello bob" });

    const reply = waitFor(alice, "said", said("hi alice"));
    bob.emit("say", "hi alice");
    assert.deepEqual((await reply)[0], { nick: "bob", text: "hi alice" });
  });

  it("acks client→server: nick and say", T, async () => {
    const s = await connect(server.url);
    assert.deepEqual(await s.timeout(5000).emitWithAck("say", "too early"), {
      ok: false,
      error: "pick a nickname first",
    });
    assert.deepEqual(await s.timeout(5000).emitWithAck("nick", "carol"), { ok: true });
    const res = await s.timeout(5000).emitWithAck("say", "now ok");
    assert.equal(res?.ok, true, JSON.stringify(res));
  });

  it("answers bad arguments with the reason, the same in every language", T, async () => {
    const s = await connect(server.url);
    const ask = (...args) => s.timeout(5000).emitWithAck(...args);
    const refused = (error) => ({ ok: false, error });
    await user("taken");
    assert.deepEqual(await ask("nick", 42), refused("nickname must be a string"));
    assert.deepEqual(await ask("nick", "   "), refused("nickname must not be empty"));
    assert.deepEqual(await ask("nick", "x".repeat(33)), refused("nickname must be at most 32 characters"));
    // Characters, not UTF-16 units or bytes: 33 emoji are too many, 32 fit.
    assert.deepEqual(await ask("nick", "😀".repeat(33)), refused("nickname must be at most 32 characters"));
    assert.deepEqual(await ask("nick", " taken "), refused("nickname is taken"));
    assert.deepEqual(await ask("file", 1, Buffer.from([1])), refused("file name must be a string"));
    assert.deepEqual(await ask("file", "f.bin", "not bytes"), refused("file data must be binary"));
    assert.deepEqual(await ask("no-such-event", 1), refused("unknown event"));
    assert.deepEqual(await ask("join", ["r"]), refused("room must be a string"));
    const joined = waitFor(s, "joined", (j) => j?.nick === "😀".repeat(32));
    assert.deepEqual(await ask("nick", ` ${"😀".repeat(32)}\t`), { ok: true }, "trimmed, 32 characters");
    await joined;
    assert.deepEqual(await ask("say", 5), refused("text must be a string"));
    assert.deepEqual(await ask("say", "hi", 7), refused("room must be a string"));
    assert.deepEqual(await ask("say", "hi", null), { ok: true }, "a null room is everyone");
  });

  it("refuses to broadcast before a nickname is picked", T, async () => {
    const watcher = await user("watcher");
    const heard = record(watcher, "said");
    const anon = await connect(server.url);
    anon.emit("say", "anonymous words");
    await sleep(QUIET);
    assert.deepEqual(heard.filter(([m]) => m?.text === "anonymous words"), []);
  });

  it("acks server→client: ping-me → ping with ack → pong-received", T, async () => {
    for (const transport of ["websocket", "polling"]) {
      const s = await user(`pinger-${transport}`, { transports: [transport] });
      let pingArgs;
      s.on("ping", (...args) => {
        const cb = args.pop();
        assert.equal(typeof cb, "function", "the server's ping carries an ack callback");
        pingArgs = args;
        cb("pong", 42, { nested: [true] });
      });
      const pong = once(s, "pong-received");
      s.emit("ping-me");
      assert.deepEqual(await pong, ["pong", 42, { nested: [true] }], transport);
      assert.ok(Array.isArray(pingArgs));
    }
  });

  it("server→client ack carries binary back", T, async () => {
    const s = await user("binpinger", { transports: ["websocket"] });
    s.on("ping", (...args) => args.pop()(Buffer.from([1, 2, 3])));
    const pong = once(s, "pong-received");
    s.emit("ping-me");
    const [buf] = await pong;
    assert.deepEqual(Buffer.from(buf), Buffer.from([1, 2, 3]));
  });

  it("rooms: a say to a room reaches only its members", T, async () => {
    const [dora, eve, finn] = await Promise.all([user("dora"), user("eve"), user("finn")]);
    assert.deepEqual(await dora.timeout(5000).emitWithAck("join", "r1"), { ok: true });
    assert.deepEqual(await finn.timeout(5000).emitWithAck("join", "r1"), { ok: true });
    const eveHeard = record(eve, "said");

    const finnGets = waitFor(finn, "said", said("room only"));
    dora.emit("say", "room only", "r1");
    assert.deepEqual((await finnGets)[0], { nick: "dora", text: "room only" });
    await sleep(QUIET);
    assert.deepEqual(eveHeard.filter(([m]) => m?.text === "room only"), [], "eve is not in r1");

    // After leaving, finn no longer hears the room.
    const finnHeard = record(finn, "said");
    finn.emit("leave", "r1");
    await sleep(100);
    const doraGets = waitFor(dora, "said", said("after leave"));
    dora.emit("say", "after leave", "r1");
    await doraGets; // dora is still a member
    await sleep(QUIET);
    assert.deepEqual(finnHeard.filter(([m]) => m?.text === "after leave"), [], "finn left r1");

    // A say without a room still reaches everyone.
    const all = Promise.all([dora, eve, finn].map((s) => waitFor(s, "said", said("to all"))));
    eve.emit("say", "to all");
    await all;
  });

  it("binary: file goes to everyone but the sender, Buffer intact", T, async () => {
    const [gus, hana] = await Promise.all([
      user("gus", { transports: ["websocket"] }),
      user("hana", { transports: ["polling"] }),
    ]);
    const gusFiles = record(gus, "file");
    const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256));
    const got = once(hana, "file");
    gus.emit("file", "bytes.bin", data);
    const [meta, buf] = await got;
    assert.deepEqual(meta, { nick: "gus", name: "bytes.bin" });
    assert.ok(Buffer.isBuffer(buf), "the attachment arrives as a Buffer");
    assert.ok(buf.equals(data), "the attachment is unchanged");
    await sleep(QUIET);
    assert.deepEqual(gusFiles, [], "the sender does not get its own file");
  });

  it("rejects a connect with a bad token: connect_error `not authorized`", T, async () => {
    const err = await connectError(server.url, { auth: { token: "bad" } });
    assert.equal(err.message, "not authorized");
  });

  it("a nick in the CONNECT auth payload is used", T, async () => {
    const ivy = await connect(server.url, { auth: { nick: "ivy" } });
    const res = await ivy.timeout(5000).emitWithAck("say", "preset");
    assert.equal(res?.ok, true, JSON.stringify(res));
    const heard = waitFor(ivy, "said", said("preset 2"));
    ivy.emit("say", "preset 2");
    assert.deepEqual((await heard)[0], { nick: "ivy", text: "preset 2" });
  });

  it("announces `left` when a user disconnects", T, async () => {
    const [jay, kim] = await Promise.all([user("jay"), user("kim")]);
    const left = waitFor(jay, "left", (l) => l?.nick === "kim");
    kim.disconnect();
    assert.deepEqual((await left)[0], { nick: "kim" });
  });

  it("announces `left` when a transport dies without a goodbye", T, async () => {
    const [lea, max] = await Promise.all([user("lea"), user("max", { transports: ["websocket"] })]);
    const left = waitFor(lea, "left", (l) => l?.nick === "max", 10_000);
    max.io.engine.transport.ws.terminate?.() ?? max.io.engine.transport.ws.close();
    assert.deepEqual((await left)[0], { nick: "max" });
  });
});

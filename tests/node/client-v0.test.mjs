// socket.io-client 0.9 (Socket.IO protocol 1) in Node, over websocket (what
// it uses there): the conformance handler on `/` and the chat handler on
// `/chat`, both endpoints over one connection; events and acks both ways,
// plain messages, reconnect; and a 0.9 client chatting with a 4.x client in
// the same chat endpoint.

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { closeClients, connect, startServer, waitFor, wasm } from "./helpers.mjs";
import { closeClientsV0, connectV0, emitWithAckV0, loadV0, plain, waitForV0 } from "./helpers-v0.mjs";

describe("socket.io-client 0.9 in Node", () => {
  let server;
  let io;

  before(async () => {
    server = await startServer(
      [
        "--legacy-heartbeat-interval", "500",
        "--legacy-heartbeat-timeout", "5000",
        `/=${wasm("conformance")}`,
        `/chat=${wasm("chat")}`,
      ],
      { label: "node-client-v0" },
    );
    io = loadV0(server.url);
  });

  afterEach(() => {
    closeClientsV0();
    closeClients();
  });

  after(async () => {
    await server?.stop();
  });

  it("connects over websocket; events and acks both ways on two endpoints", async () => {
    const auth = [];
    const root = await connectV0(io, server.url, "", { "force new connection": true }, (s) =>
      s.on("auth", (a) => auth.push(a)),
    );
    assert.equal(root.socket.transport.name, "websocket");
    // The handshake's timers reach the client (seconds).
    assert.equal(root.socket.heartbeatTimeout, 5000);

    // Client -> server with a data ack; text with emoji and CJK.
    assert.deepEqual(await emitWithAckV0(root, "message-with-ack", 1, "😀 世界", { a: [true] }), [
      1,
      "😀 世界",
      { a: [true] },
    ]);
    const back = waitForV0(root, "message-back");
    root.emit("message", "no ack", 2);
    assert.deepEqual(plain(await back), ["no ack", 2]);
    assert.deepEqual(plain(auth), [{}]);

    // A second endpoint on the same connection, another component.
    const chat = root.socket.of("/chat");
    await waitForV0(chat, "connect");
    assert.deepEqual(await emitWithAckV0(chat, "nick", "old-ann"), [{ ok: true }]);

    // socket.send: a message packet to on-message (the chat broadcasts it);
    // with a callback it carries an id the server acknowledges itself.
    const said = waitForV0(chat, "said", (m) => m.text === "plain text");
    await new Promise((resolve) => chat.send("plain text", resolve));
    assert.deepEqual(plain((await said)[0]), { nick: "old-ann", text: "plain text" });

    // Server -> client ack: the chat's ping (emit-with-ack) is answered by
    // the client's callback, and the answer comes back.
    chat.on("ping", (ack) => ack("pong from 0.9"));
    const received = waitForV0(chat, "pong-received");
    assert.deepEqual(await emitWithAckV0(chat, "ping-me"), [{ ok: true }]);
    assert.deepEqual(plain(await received), ["pong from 0.9"]);

    // Both endpoints still answer.
    assert.deepEqual(await emitWithAckV0(root, "message-with-ack", "root"), ["root"]);
  });

  it("reconnects with a new handshake after the transport drops", async () => {
    const root = await connectV0(io, server.url, "", {
      "force new connection": true,
      reconnect: true,
      "reconnection delay": 100,
    });
    const firstSid = root.socket.sessionid;
    const reconnected = waitForV0(root.socket, "reconnect", () => true, 15_000);
    // The websocket dies under the client (as a network drop would).
    root.socket.transport.websocket.close();
    await reconnected;
    assert.notEqual(root.socket.sessionid, firstSid, "a new session");
    assert.deepEqual(await emitWithAckV0(root, "message-with-ack", "again"), ["again"]);
    root.socket.disconnect();
  });

  it("a 0.9 client and a 4.x client sit in the same chat", async () => {
    const old = await connectV0(io, server.url, "/chat", { "force new connection": true });
    const modern = await connect(`${server.url}/chat`);
    assert.deepEqual(await emitWithAckV0(old, "nick", "old-otto"), [{ ok: true }]);
    const joined = waitForV0(old, "joined", (w) => w.nick === "new-nina");
    assert.deepEqual(await modern.emitWithAck("nick", "new-nina"), { ok: true });
    await joined;

    const toModern = waitFor(modern, "said", (m) => m.nick === "old-otto");
    assert.deepEqual(await emitWithAckV0(old, "say", "hi from 2012 😀"), [{ ok: true }]);
    assert.deepEqual((await toModern)[0], { nick: "old-otto", text: "hi from 2012 😀" });

    const toOld = waitForV0(old, "said", (m) => m.nick === "new-nina");
    assert.deepEqual(await modern.emitWithAck("say", "hello from today 中文"), { ok: true });
    assert.deepEqual(plain((await toOld)[0]), { nick: "new-nina", text: "hello from today 中文" });

    // The 0.9 client leaves: the modern one hears it.
    const left = waitFor(modern, "left", (w) => w.nick === "old-otto");
    old.socket.disconnect();
    await left;
  });
});

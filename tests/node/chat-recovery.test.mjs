// The chats (Rust, JavaScript, Python) under connection state recovery
// (`--recovery`): a user whose transport is cut comes back as the same
// user, with every message said meanwhile, once and in order, and nobody
// hears it leave or join again; past --recovery-max-disconnection it is gone
// (others hear it leave) and comes back as a new user.
// examples/chat/src/lib.rs documents the behaviour; the official
// socket.io-client@4.

import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { CHAT_HANDLERS, chatArgs, closeClients, connect, once, record, sleep, startServer, waitFor, waitUntil } from "./helpers.mjs";

// Long enough for a cold compile of the JavaScript or Python chat.
const T = { timeout: 120_000 };
/** How long to wait before concluding that nothing more arrives. */
const QUIET = 400;

const recoveryArgs = (handler, ...extra) => [
  "--recovery",
  "--ping-interval", "300",
  "--ping-timeout", "300",
  ...extra,
  ...chatArgs({ handler }),
];

const ask = (s, event, ...args) => s.timeout(5000).emitWithAck(event, ...args);

/** Cut the client's WebSocket under it, without a close handshake: the
 * server sees the connection drop, the client reconnects. */
function cut(socket) {
  socket.io.engine.transport.ws.terminate();
}

/** The events' first arguments (recovery appends an offset to each). */
const firsts = (seen) => seen.map((args) => args[0]);

for (const handler of CHAT_HANDLERS) {
  describe(`chat connection state recovery (${handler.lang})`, () => {
    const stop = [];
    after(async () => {
      closeClients();
      for (const s of stop.reverse()) await s.stop();
    });

    it("gives a user who dropped briefly back as the same user, with what was said meanwhile, unannounced", T, async () => {
      const server = await startServer(recoveryArgs(handler), { label: `chat-recovery-${handler.wasm}` });
      stop.push(server);
      // A presets "ann" in its CONNECT auth (sent again on every
      // reconnection, as the page does), then renames itself.
      const a = await connect(server.url, {
        transports: ["websocket"],
        reconnection: true,
        reconnectionDelay: 50,
        reconnectionDelayMax: 100,
        auth: { nick: "ann", id: "browser-a" },
      });
      const b = await connect(server.url, { transports: ["websocket"] });
      assert.deepEqual(await ask(b, "nick", "bob"), { ok: true });
      const bSeesAnna = waitFor(b, "joined", (j) => j?.nick === "anna");
      assert.deepEqual(await ask(a, "nick", "anna"), { ok: true });
      await bSeesAnna;
      assert.equal(a.recovered, false);
      const id = a.id;

      const heard = record(a, "said");
      const joined = record(b, "joined");
      const left = record(b, "left");
      // One before the cut: its offset is where A resumes.
      assert.deepEqual(await ask(b, "say", "before"), { ok: true });
      await waitUntil(() => heard.length === 1);

      const down = once(a, "disconnect");
      cut(a);
      const [reason] = await down;
      assert.match(reason, /transport (close|error)/);
      const back = once(a, "connect", 10_000);
      // Meanwhile B talks; each answered, so the chat has said each.
      const meanwhile = ["one", "two", "three", "four", "five"];
      for (const text of meanwhile) assert.deepEqual(await ask(b, "say", text), { ok: true });

      await back;
      assert.equal(a.recovered, true);
      assert.equal(a.id, id);
      await waitUntil(() => heard.length >= 1 + meanwhile.length);
      await sleep(QUIET);
      assert.deepEqual(
        firsts(heard),
        ["before", ...meanwhile].map((text) => ({ nick: "bob", text })),
      );

      // Still "anna" (the auth's "ann" did not come back), and live.
      const bHearsA = waitFor(b, "said", (m) => m?.text === "back");
      assert.deepEqual(await ask(a, "say", "back"), { ok: true });
      assert.deepEqual((await bHearsA)[0], { nick: "anna", text: "back" });
      await sleep(QUIET);
      // B never heard A leave or join again.
      assert.deepEqual(left, []);
      assert.deepEqual(joined, []);
      // The chat heard the recovery (its SDK imports `recovered`).
      assert.match(server.logs(), /chat: \d+ recovered/);
    });

    it("past --recovery-max-disconnection, lets the user leave (announced) and come back as a new user", T, async () => {
      const server = await startServer(recoveryArgs(handler, "--recovery-max-disconnection", "500"), {
        label: `chat-recovery-expired-${handler.wasm}`,
      });
      stop.push(server);
      const a = await connect(server.url, {
        transports: ["websocket"],
        reconnection: true,
        reconnectionDelay: 1500,
        reconnectionDelayMax: 1500,
        randomizationFactor: 0,
        auth: { id: "browser-c" },
      });
      const b = await connect(server.url, { transports: ["websocket"] });
      assert.deepEqual(await ask(b, "nick", "bob"), { ok: true });
      const bSeesCarl = waitFor(b, "joined", (j) => j?.nick === "carl");
      assert.deepEqual(await ask(a, "nick", "carl"), { ok: true });
      await bSeesCarl;
      const id = a.id;

      const bSeesCarlLeave = waitFor(b, "left", (l) => l?.nick === "carl", 10_000);
      const back = once(a, "connect", 10_000);
      cut(a);
      await bSeesCarlLeave;
      await back;
      assert.equal(a.recovered, false);
      assert.notEqual(a.id, id);
      // A new user: no nickname until it picks one (its old one is free).
      assert.deepEqual(await ask(a, "say", "hello?"), { ok: false, error: "pick a nickname first" });
      const bSeesCarlAgain = waitFor(b, "joined", (j) => j?.nick === "carl");
      assert.deepEqual(await ask(a, "nick", "carl"), { ok: true });
      await bSeesCarlAgain;
      assert.doesNotMatch(server.logs(), /chat: \d+ recovered/);
    });
  });
}

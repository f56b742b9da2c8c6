// The JavaScript and Python SDKs beyond what the chat uses, one suite for
// both: the probe handlers (tests/handlers/sdk-probe-js, sdk-probe-py)
// answer one SDK feature per event. Connection info, refusals (deliberate
// and by a crash), binary echo, a handler that throws and goes on serving,
// config values from sio.toml, stats, send, a refused second ack, server →
// client acks answered and timed out, a host refusal as an exception, a
// server-side disconnect, conn-state (each connection's data kept by the
// host, its rooms, a room's members and size), the endpoint's key-value
// store (kv: every call, JSON values, 64-bit counters, its refusals), and
// the broadcast operator (several rooms, exceptions, the sender left out,
// connections by id, volatile, local, another endpoint, its refusals).

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { closeClients, connect, connectError, once, record, sleep, startServer, waitUntil, wasm } from "./helpers.mjs";

const T = { timeout: 20_000 };
const PROBES = [
  { lang: "JavaScript", wasm: "sdk_probe_js" },
  { lang: "Python", wasm: "sdk_probe_py" },
];

for (const probe of PROBES) describe(`${probe.lang} SDK (${probe.wasm})`, () => {
  let dir;
  let server;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "sio-sdk-probe-"));
    const toml = path.join(dir, "sio.toml");
    // A second endpoint, /other, for broadcasts to another endpoint.
    const component = JSON.stringify(wasm(probe.wasm));
    writeFileSync(
      toml,
      `[endpoints."/"]\ncomponent = ${component}\nconfig = { greeting = "hi", tick-ms = 50 }\n` +
        `[endpoints."/other"]\ncomponent = ${component}\n`,
    );
    server = await startServer(["--config", toml, "--no-admin"], { label: `node-${probe.wasm}` });
  });
  after(async () => {
    closeClients();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => closeClients());

  /** Waits until the server's log matches `re` (the guest's logs land there). */
  async function logged(re) {
    for (let i = 0; i < 50 && !re.test(server.logs()); i++) await sleep(100);
    assert.match(server.logs(), re);
  }

  it("hands the handler the connection's info", T, async () => {
    let hello;
    await connect(server.url, { transports: ["websocket"], query: { room: "x" } }, (s) => {
      hello = once(s, "hello");
    });
    const [info] = await hello;
    assert.deepEqual({ ...info, query: { room: info.query.room } }, {
      protocol: "eio4",
      transport: "websocket",
      endpoint: "/",
      query: { room: "x" },
    });
  });

  it("refuses with the handler's reason; a crash refuses with `handler error`", T, async () => {
    assert.equal((await connectError(server.url, { auth: { refuse: "go away" } })).message, "go away");
    assert.equal((await connectError(server.url, { auth: { crash: true } })).message, "handler error");
    await logged(/crashed on purpose/);
    await connect(server.url); // and goes on serving
  });

  it("echoes binary in place, with and without an ack", T, async () => {
    const s = await connect(server.url);
    const args = ["a", { deep: [Buffer.from([1, 2, 3])] }, Buffer.from("😀")];
    const [a, b, c] = await new Promise((resolve) => s.emit("echo", ...args, (...r) => resolve(r)));
    assert.equal(a, "a");
    assert.ok(Buffer.from(b.deep[0]).equals(Buffer.from([1, 2, 3])));
    assert.equal(Buffer.from(c).toString(), "😀");
    const echoed = once(s, "echo");
    s.emit("echo", 1, null, "two");
    assert.deepEqual(await echoed, [1, null, "two"]);
  });

  it("logs what a handler throws and serves the next event", T, async () => {
    const s = await connect(server.url);
    s.emit("throw");
    await logged(/thrown on purpose/);
    assert.equal(await s.timeout(5000).emitWithAck("echo", "still here"), "still here");
  });

  it("reads config values from sio.toml and the stats document", T, async () => {
    const s = await connect(server.url);
    const [one, all] = await new Promise((resolve) => s.emit("config", "greeting", (...r) => resolve(r)));
    assert.equal(one, "hi");
    assert.deepEqual(all, { greeting: "hi", "tick-ms": "50" });
    assert.equal(await s.timeout(5000).emitWithAck("config", "missing").catch(() => "no ack"), null);
    assert.equal(await s.timeout(5000).emitWithAck("stats"), "object");
  });

  it("sends a plain message, and logs a second ack that the host refuses", T, async () => {
    const s = await connect(server.url);
    const message = once(s, "message");
    s.emit("send", "plain words");
    assert.deepEqual(await message, ["plain words"]);
    assert.equal(await s.timeout(5000).emitWithAck("ack-twice"), "first");
    await logged(/ack of ack-twice refused: unknown-ack/i);
  });

  it("asks the client: the answer, or a timeout, comes back to the handler", T, async () => {
    const s = await connect(server.url);
    let question;
    s.once("question", (...args) => {
      question = args.slice(0, -1);
      args.at(-1)("yes", Buffer.from([7]));
    });
    const answer = once(s, "answer");
    assert.equal(await s.timeout(5000).emitWithAck("ask", "well?", 2), 1);
    const [reply] = await answer;
    assert.deepEqual(question, ["well?", 2]);
    assert.equal(reply[0], "yes");
    assert.ok(Buffer.from(reply[1]).equals(Buffer.from([7])));

    s.once("question", () => {}); // never answered
    const timedOut = once(s, "answer", 8000);
    await s.timeout(5000).emitWithAck("ask", "again?");
    assert.deepEqual(await timedOut, ["timeout"]);
  });

  it("turns a refused host call into an exception with the contract's code", T, async () => {
    const s = await connect(server.url);
    const res = await new Promise((resolve) => s.emit("bad-room", (...r) => resolve(r)));
    assert.deepEqual(res, ["HostError", "invalid-name"]);
  });

  it("keeps each connection's data in the host and answers room queries (conn-state)", T, async () => {
    const ask = (s, ...args) => new Promise((resolve) => s.emit(...args, (...r) => resolve(r)));
    const room = "conn-state-room";
    const a = await connect(server.url);
    const b = await connect(server.url);

    const dataA = { nickname: "ünï 😀", n: [1, 2.5, null], ok: true };
    const [ra] = await ask(a, "conn-state", dataA, room);
    assert.equal(ra.before, null, "no data before the first set-data");
    assert.deepEqual(ra.after, dataA);
    assert.equal(ra.raw, JSON.stringify(dataA));
    assert.deepEqual(ra.rooms, [a.id, room].sort(), "its own id-room included, sorted");
    assert.deepEqual(ra.members, [ra.id]);
    assert.equal(ra.self, true);
    assert.deepEqual(ra.membersData, [dataA]);
    assert.equal(ra.size, 1);
    assert.deepEqual(ra.empty, [0, 0]);
    assert.deepEqual(ra.refused, ["HostError", "invalid-json"]);
    assert.deepEqual(ra.kept, dataA, "a refused set-data changes nothing");

    const [rb] = await ask(b, "conn-state", "just a string", room);
    assert.ok(rb.id > ra.id);
    assert.equal(rb.before, null);
    assert.deepEqual(rb.rooms, [b.id, room].sort());
    assert.deepEqual(rb.members, [ra.id, rb.id], "ascending");
    assert.deepEqual(rb.membersData, [dataA, "just a string"], "another connection's data is readable");
    assert.equal(rb.size, 2);

    // null clears the data: data() is null again, "null" as text.
    assert.deepEqual(await ask(a, "clear-data"), [null, "null"]);
    const [again] = await ask(b, "conn-state", { n: 2 }, room);
    assert.equal(again.before, "just a string", "the data stays between events");
    assert.deepEqual(again.membersData, [null, { n: 2 }]);

    // The data and the membership leave with the connection.
    a.disconnect();
    let last;
    for (let i = 0; i < 50; i++) {
      [last] = await ask(b, "conn-state", { n: 3 }, room);
      if (last.size === 1) break;
      await sleep(100);
    }
    assert.deepEqual(last.members, [rb.id]);
    assert.deepEqual(last.membersData, [{ n: 3 }]);
    assert.equal(last.size, 1);
  });

  it("reads and writes the endpoint's key-value store, refusals as KvError (kv)", T, async () => {
    const a = await connect(server.url);
    const [r] = await new Promise((resolve) => a.emit("kv", "probe", (...r) => resolve(r)));
    assert.deepEqual(r, {
      absent: "absent",
      got: "one",
      casWrong: false,
      casRight: true,
      afterCas: "three",
      claimTaken: false,
      claimFree: true,
      claimed: "me",
      releaseOther: false,
      releaseMine: true,
      released: "absent",
      deleted: [true, false],
      counted: [5, 3, 0],
      counter: "3",
      big: String(2n ** 63n + 1n), // 2^62, then 2^62 + 1: exact past 2^53
      negative: String(-3n * 2n ** 62n), // -2^62, then -2^63
      json: { x: [1, "ü 😀"], ok: true },
      jsonRaw: '{"x":[1,"ü 😀"],"ok":true}',
      jsonMissing: ["absent", "absent"],
      errors: {
        emptyGet: ["KvError", "invalid-key"],
        emptySet: ["KvError", "invalid-key"],
        emptyCas: ["KvError", "invalid-key"],
        notANumber: ["KvError", "not-a-number"],
        notANumberDown: ["KvError", "not-a-number"],
        overflow: ["KvError", "not-a-number"], // past 2^63 - 1
        underflow: ["KvError", "not-a-number"], // below -2^63
        longKey: ["KvError", "too-large"],
        unencodable: ["KvError", "too-large"],
      },
      unchanged: "not json {",
    });
    // The store is the endpoint's, not the connection's: another one reads it,
    // and it stays when the writer leaves.
    a.disconnect();
    const b = await connect(server.url);
    assert.equal(await b.timeout(5000).emitWithAck("kv-get", "probe:counter-less"), null);
    assert.equal(await b.timeout(5000).emitWithAck("kv-get", "probe:n"), "3");
    assert.equal(await b.timeout(5000).emitWithAck("kv-get", "probe:text"), "not json {");
  });

  it("broadcasts with the operator: rooms, exceptions, the sender left out, conns, another endpoint", T, async () => {
    const ask = (s, ...args) => s.timeout(5000).emitWithAck(...args);
    const [a, b, c, d, e] = await Promise.all([1, 2, 3, 4, 5].map(() => connect(server.url)));
    const other = await connect(`${server.url}/other`);
    const clients = { a, b, c, d, e, other };
    const seen = Object.fromEntries(Object.entries(clients).map(([k, s]) => [k, record(s, "fanned")]));
    const ends = Object.fromEntries(Object.entries(clients).map(([k, s]) => [k, record(s, "end")]));
    assert.equal(await ask(a, "join", "r1"), "ok");
    assert.equal(await ask(b, "join", "r1"), "ok");
    assert.equal(await ask(c, "join", "r2"), "ok");
    assert.equal(await ask(d, "join", "r1"), "ok");
    assert.equal(await ask(d, "join", "r3"), "ok");
    /** Every client has seen `round` "end" markers: sent after the
     * broadcast under test by the same endpoint, each client's packets in
     * order, so whatever the broadcast sent has arrived by then. */
    const settled = async (round) => {
      assert.equal(await ask(e, "fanout", { all: true, event: "end" }), "no error");
      assert.equal(await ask(other, "fanout", { all: true, event: "end" }), "no error");
      await waitUntil(() => Object.values(ends).every((l) => l.length === round));
    };
    const got = () => Object.fromEntries(Object.entries(seen).filter(([, l]) => l.length).map(([k, l]) => [k, l.splice(0)]));

    // Two rooms but r3, volatile, the sender (a, in r1) left out.
    const spec = { to: ["r1", "r2"], except: "r3", volatile: true };
    assert.equal(await ask(a, "fanout", spec, "hi", Buffer.from([1, 2])), "no error");
    await settled(1);
    const first = got();
    assert.deepEqual(Object.keys(first).sort(), ["b", "c"]);
    for (const k of ["b", "c"]) {
      assert.equal(first[k].length, 1);
      assert.equal(first[k][0][0], "hi");
      assert.ok(Buffer.from(first[k][0][1]).equals(Buffer.from([1, 2])), "the binary as an attachment");
    }

    // A room and a connection by id, local; everyone but the sender when
    // nothing is selected; another endpoint's connections.
    const idE = await ask(e, "id");
    assert.equal(typeof idE, "number");
    assert.equal(await ask(a, "fanout", { to: "r2", conns: [idE], local: true }, 1), "no error");
    assert.equal(await ask(b, "fanout", {}, 2), "no error");
    assert.equal(await ask(a, "fanout", { of: "/other" }, 3), "no error");
    await settled(2);
    assert.deepEqual(got(), {
      a: [[2]],
      c: [[1], [2]],
      d: [[2]],
      e: [[1], [2]],
      other: [[3]],
    });

    // Refusals: an empty room, an endpoint that is not there, acks asked
    // of another endpoint. Asking with acks here gives a token.
    assert.deepEqual(await ask(a, "fanout", { to: "" }), ["HostError", "invalid-name"]);
    assert.deepEqual(await ask(a, "fanout", { of: "/nowhere" }), ["HostError", "invalid-name"]);
    assert.deepEqual(await ask(a, "fanout", { of: "/other", ack: true }), ["HostError", "invalid-name"]);
    b.once("fanned", (...args) => args.at(-1)("sure")); // answered into the void: this world hears no replies
    assert.equal(await ask(a, "fanout", { to: "r1", ack: true }, "q"), "number");
    await settled(3);
    assert.deepEqual(Object.keys(got()).sort(), ["b", "d"]);
  });

  it("disconnects a client", T, async () => {
    const s = await connect(server.url);
    const gone = once(s, "disconnect");
    s.emit("kick");
    assert.equal((await gone)[0], "io server disconnect");
  });
});

// Hot reload under load: 200 clients (socket.io-client 4.x and 2.x, each half
// websocket, half long-polling, and 0.9 over websocket) emit numbered events continuously to the counting handler
// while its component is swapped 20 times between two builds that answer
// differently (counter-a tags its answers "a", counter-b "b"), with broken
// builds slipped in between (one whose state type does not fit, one cut
// short). Nothing a client can see may change: no disconnect, no event lost
// or answered twice, every connection's answers in order, and the handler's
// counter goes on across the swaps (snapshot/restore).

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { closeClients, connect, hostBin, sleep, startServer, wasm } from "./helpers.mjs";
import { closeClientsV2, connectV2 } from "./helpers-v2.mjs";
import { closeClientsV0, connectV0, loadV0 } from "./helpers-v0.mjs";

const run = promisify(execFile);

const CLIENTS = 200;
const SWAPS = 20;
/// Events each client keeps in flight (acks outstanding).
const WINDOW = 3;

describe("hot reload under 200 clients", () => {
  let dir;
  let file;
  let adminFile;
  let server;
  // socket.io-client 0.9, loaded for this server (helpers-v0.mjs).
  let ioV0;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "sio-reload-node-"));
    file = path.join(dir, "counter.wasm");
    adminFile = path.join(dir, "admin.json");
    install(wasm("counter_a"));
    server = await startServer(["--admin-file", adminFile, `/=${file}`], { label: "node-reload" });
    ioV0 = loadV0(server.url);
  });

  after(async () => {
    closeClients();
    closeClientsV2();
    closeClientsV0();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Puts `src`'s bytes at the served path the way build tools do (rename). */
  function install(src) {
    const tmp = `${file}.tmp`;
    copyFileSync(src, tmp);
    renameSync(tmp, file);
  }

  /** `sio-host reload --admin-file ...`: { ok, out }. */
  async function reload() {
    try {
      const { stdout, stderr } = await run(hostBin(), ["reload", "--admin-file", adminFile]);
      return { ok: true, out: stdout + stderr };
    } catch (e) {
      return { ok: false, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
    }
  }

  it("swaps 20 times without a client noticing; broken builds are refused", { timeout: 110_000 }, async (t) => {
    // Connect in batches (the server compiles nothing here: just sessions).
    const clients = [];
    for (let i = 0; i < CLIENTS; i += 20) {
      const batch = [];
      for (let j = i; j < Math.min(i + 20, CLIENTS); j++) {
        const transports = j % 2 === 0 ? ["websocket"] : ["polling"];
        // Every tenth a 0.9 client (websocket, what it uses in Node).
        const v0 = j % 10 === 9;
        const v2 = !v0 && j % 4 >= 2;
        const connecting = v0
          ? connectV0(ioV0, server.url, "", { "force new connection": true })
          : v2
            ? connectV2(server.url, { transports })
            : connect(server.url, { transports });
        batch.push(
          connecting.then((socket) => {
            const kind = v0 ? "0.9 websocket" : `${v2 ? "2.x" : "4.x"} ${transports[0]}`;
            const connected = () => (v0 ? socket.socket.connected : socket.connected);
            const c = { socket, v2, kind, connected, sent: 0, answers: [], disconnects: 0, errors: [] };
            socket.on("disconnect", (reason) => {
              c.disconnects++;
              c.errors.push(`disconnect: ${reason}`);
            });
            return c;
          }),
        );
      }
      clients.push(...(await Promise.all(batch)));
    }
    assert.equal(clients.length, CLIENTS);

    // Every client emits `n` 1, 2, 3, ... keeping WINDOW acks in flight.
    let stop = false;
    const loops = clients.map(async (c) => {
      const inflight = [];
      while (!stop) {
        const seq = ++c.sent;
        inflight.push(
          new Promise((resolve) => {
            // 2.x and 0.9 have no ack timeout of their own.
            const timer = setTimeout(() => {
              c.errors.push(`seq ${seq}: no answer within 30 s`);
              resolve();
            }, 30_000);
            c.socket.emit("n", seq, (version, s, total) => {
              clearTimeout(timer);
              c.answers.push([version, s, total]);
              resolve();
            });
          }),
        );
        if (inflight.length >= WINDOW) await inflight.shift();
      }
      await Promise.all(inflight);
    });

    // Let traffic settle, then swap: b, a, b, ... with broken builds between.
    await sleep(300);
    const builds = [wasm("counter_b"), wasm("counter_a")];
    const whole = readFileSync(wasm("counter_b"));
    const refusals = [];
    let swaps = 0;
    for (let i = 0; i < SWAPS; i++) {
      if (i === 6) {
        install(wasm("counter_broken"));
        refusals.push(await reload());
      }
      if (i === 13) {
        writeFileSync(`${file}.tmp`, whole.subarray(0, whole.length >> 1));
        renameSync(`${file}.tmp`, file);
        refusals.push(await reload());
      }
      install(builds[i % 2]);
      const r = await reload();
      assert.ok(r.ok, `swap ${i + 1}: ${r.out}`);
      assert.match(r.out, /\/: reloaded, version \d+ .*bytes of state handed over/);
      swaps++;
      await sleep(150);
    }
    await sleep(300);
    stop = true;
    await Promise.all(loops);

    // The broken builds were refused with a reason, and changed nothing.
    assert.equal(refusals.length, 2);
    assert.ok(!refusals[0].ok && /refused the state/.test(refusals[0].out), refusals[0].out);
    assert.ok(!refusals[1].ok && /refused/.test(refusals[1].out), refusals[1].out);
    assert.equal(swaps, SWAPS);

    // No client was disconnected or saw an error or timeout.
    const troubled = clients.filter((c) => c.errors.length > 0 || !c.connected());
    assert.deepEqual(
      troubled.map((c) => c.errors.slice(0, 3)),
      [],
      `${troubled.length} clients had trouble`,
    );

    // Per connection: every event answered exactly once, in order.
    let sent = 0;
    const totals = [];
    const versions = { a: 0, b: 0 };
    for (const c of clients) {
      sent += c.sent;
      assert.equal(c.answers.length, c.sent, "one answer per event");
      c.answers.forEach(([version, seq, total], i) => {
        assert.equal(seq, i + 1, `answers in order (${c.kind})`);
        versions[version]++;
        totals.push(total);
      });
    }
    // The counter continued across every swap: the totals handed out are
    // exactly 1..sent, none skipped, none twice.
    totals.sort((x, y) => x - y);
    assert.equal(totals.length, sent);
    for (let i = 0; i < totals.length; i++) {
      if (totals[i] !== i + 1) assert.fail(`total ${i + 1} missing or repeated (saw ${totals[i]})`);
    }
    assert.ok(versions.a > 0 && versions.b > 0, JSON.stringify(versions));

    // The handler agrees: every event in order, one restore per swap.
    const stats = await clients[0].socket.timeout(10_000).emitWithAck("stats");
    assert.equal(stats.total, sent);
    assert.equal(stats.out_of_order, 0);
    assert.equal(stats.restores, SWAPS);
    assert.equal(stats.conns, CLIENTS);
    assert.equal(stats.version, SWAPS % 2 === 0 ? "a" : "b");

    const logs = server.logs();
    assert.equal((logs.match(/endpoint reloaded/g) ?? []).length, SWAPS);
    assert.equal((logs.match(/reload refused/g) ?? []).length, 2);
    t.diagnostic(
      `${sent} events from ${CLIENTS} clients across ${SWAPS} swaps ` +
        `(a: ${versions.a}, b: ${versions.b}); 2 broken builds refused`,
    );
  });
});

// Connection state recovery under churn (docs/recovery.md): many
// socket.io-client@4 clients in Node, their transports cut at random again
// and again, while a few senders that are never cut send numbered events
// at a steady rate. At the end every client must have every event of every
// stream it belongs to, once and in order, from its first connect on.
//
// * RECOVERY_SOAK_CLIENTS [200] clients, a third each on websocket only,
//   polling only, and the default (polling, upgraded to websocket); each
//   joins one of ROOMS rooms; reconnection on, 250 ms (+-50%) after the drop.
// * Every client's transport is cut at random intervals of 2-6 s while it
//   is connected: on websocket the socket is terminated under the client
//   (`engine.transport.ws.terminate()`: no close frame, the server sees
//   the TCP connection drop), on polling the engine is closed
//   (`engine.close()`: the server hears its close packet, the client drops
//   whatever its outstanding poll brings back). An upgraded client is cut
//   as a websocket one. A quarter of the reconnects are cut once more
//   mid-handshake (0-20 ms after the engine opened, the CONNECT with pid
//   and offset sent): the server may have taken the connection over for a
//   session whose reply the client never reads; it must recover again.
// * SENDERS never-cut clients, every TICK ms each: `to-all` (stream
//   all:<k>), `to-room` for the rooms it owns (room:<room>), and `to-conn`
//   to DIRECT random clients' socket ids (direct:<k>, numbered per target).
// * RECOVERY_SOAK_S [60] seconds of that, then the cuts stop, everyone
//   reconnects, the senders send one more second and stop. The file takes
//   RECOVERY_SOAK_S plus about 5 s; it prints a one-line summary (cuts,
//   recoveries, fresh sessions, events checked, lost, duplicated).
//
// What "complete" means: for a stream a client belongs to, its received
// numbers must be exactly first..last-sent, each once, in order, where first
// is at most the sender's count when the client's membership began (its
// connect, its join's ack, or the direct stream's first event) plus one:
// anything sent after that must reach it, whether live or replayed.
//
// --recovery-buffer and --recovery-max-disconnection are sized so that
// nothing is evicted (the buffer keeps the whole run): every reconnect must
// recover (recovered === true); a fresh session fails the test, with the
// server's refusal counts (too_old: evicted, unknown: no such pid) and the
// client's streams checked life by life.

import assert from "node:assert/strict";
import http from "node:http";
import { after, describe, it } from "node:test";
import { io } from "socket.io-client";
import { closeClients, connect, sleep, startServer, wasm } from "./helpers.mjs";

const CLIENTS = Number(process.env.RECOVERY_SOAK_CLIENTS || 200);
const SOAK_S = Number(process.env.RECOVERY_SOAK_S || 60);
const ROOMS = 4;
const SENDERS = 2;
const TICK = 100;
const DIRECT = 2;

const T = { timeout: (SOAK_S + 120) * 1000 };

async function stats(url) {
  return (await fetch(`${url}/stats`)).json();
}

async function until(cond, what, ms) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(50);
  }
}

const rand = (lo, hi) => lo + Math.random() * (hi - lo);

describe("connection state recovery under random transport cuts", () => {
  let server;
  let agent;
  const timers = new Set();
  const intervals = new Set();
  const sockets = [];
  after(async () => {
    for (const t of timers) clearTimeout(t);
    for (const t of intervals) clearInterval(t);
    for (const s of sockets) s.disconnect();
    closeClients();
    agent?.destroy();
    await server?.stop();
  });

  it(`${CLIENTS} clients, cut every 2-6 s for ${SOAK_S} s, lose and repeat nothing`, T, async () => {
    server = await startServer(
      [
        "--recovery",
        // Longer than the run, so that nothing ages out of the buffer
        // either: `evicted` then counts only what a cap pushed out.
        "--recovery-max-disconnection", String((SOAK_S + 120) * 1000),
        "--recovery-buffer", "1000000",
        "--recovery-buffer-mib", "1024",
        "--ping-interval", "5000",
        "--ping-timeout", "10000",
        `/=${wasm("recovery_probe")}`,
      ],
      { label: "recovery-reliability" },
    );
    const url = server.url;
    // Polling clients keep their HTTP connections: one TCP connection per
    // request would leave tens of thousands in TIME_WAIT.
    agent = new http.Agent({ keepAlive: true });

    // ---------------------------------------------------------- senders
    const senders = [];
    for (let k = 0; k < SENDERS; k++) {
      senders.push({
        k,
        socket: await connect(url, { transports: ["websocket"] }),
        all: 0,
        /** sid -> last number sent to it */
        direct: new Map(),
      });
    }
    const roomNames = Array.from({ length: ROOMS }, (_, r) => `room${r}`);
    /** room -> last number sent to it */
    const roomSent = new Map(roomNames.map((r) => [r, 0]));
    const roomOwner = (room) => senders[roomNames.indexOf(room) % SENDERS];

    // ---------------------------------------------------------- clients
    const counts = { cuts: 0, handshakeCuts: 0, recoveries: 0, fresh: 0, reasons: {} };
    const clients = [];
    /** The clients to send direct events to: connected once, with a sid. */
    const targets = [];

    function newLife(c, sid) {
      const life = {
        sid,
        /** stream -> numbers received */
        got: new Map(),
        /** stream -> the sender's count when membership began */
        mark: new Map(),
        misdelivered: [],
        noOffset: 0,
      };
      for (const s of senders) life.mark.set(`all:${s.k}`, s.all);
      c.lives.push(life);
      return life;
    }

    function receive(c, stream, n, offset, belongs) {
      const life = c.lives.at(-1);
      if (typeof offset !== "string") life.noOffset++;
      if (!belongs) {
        life.misdelivered.push(`${stream} ${n}`);
        return;
      }
      let got = life.got.get(stream);
      if (!got) life.got.set(stream, (got = []));
      got.push(n);
    }

    async function join(c) {
      const life = c.lives.at(-1);
      const reply = await c.socket.timeout(20_000).emitWithAck("join", c.room);
      assert.equal(reply, "ok");
      // Sent after the ack arrived: sent after the join, so it must come.
      life.mark.set(`room:${c.room}`, roomSent.get(c.room));
    }

    let cutting = true;
    /** Cuts the client's transport; false when there is none open to cut
     * (mid-handshake, the engine may be closing already). */
    function cut(c) {
      const engine = c.socket.io.engine;
      const transport = engine?.transport;
      if (!transport || engine.readyState === "closed") return false;
      if (transport.name === "websocket") {
        if (!transport.ws) return false;
        transport.ws.terminate();
      } else {
        engine.close();
      }
      return true;
    }
    const cutErrors = [];
    function scheduleCut(c) {
      const t = setTimeout(() => {
        timers.delete(t);
        if (!cutting || !c.socket.connected) return;
        try {
          if (!cut(c)) return;
        } catch (e) {
          cutErrors.push(`client ${c.i}: ${e.stack}`);
          return;
        }
        counts.cuts++;
        c.cuts++;
      }, rand(2000, 6000));
      timers.add(t);
    }
    // A quarter of the reconnects are cut again mid-handshake: the engine
    // is open and the CONNECT (pid, offset) sent, the reply not yet in.
    function maybeCutHandshake(c) {
      if (!cutting || c.connects === 0 || Math.random() >= 0.25) return;
      const t = setTimeout(() => {
        timers.delete(t);
        if (!cutting || c.socket.connected) return;
        try {
          if (cut(c)) counts.handshakeCuts++;
        } catch (e) {
          cutErrors.push(`client ${c.i} mid-handshake: ${e.stack}`);
        }
      }, rand(0, 20));
      timers.add(t);
    }

    function makeClient(i) {
      const kind = ["websocket", "polling", "upgrade"][i % 3];
      const transports = kind === "upgrade" ? ["polling", "websocket"] : [kind];
      const c = { i, kind, room: roomNames[i % ROOMS], lives: [], cuts: 0, connects: 0 };
      const socket = io(url, {
        forceNew: true,
        transports,
        reconnection: true,
        reconnectionDelay: 250,
        reconnectionDelayMax: 1000,
        timeout: 20_000,
        ...(kind === "websocket" ? {} : { agent }),
      });
      c.socket = socket;
      sockets.push(socket);
      socket.on("connect", () => {
        c.connects++;
        if (c.connects === 1) {
          newLife(c, socket.id);
          targets.push(c);
          join(c).catch((e) => (c.joinError = e));
        } else if (socket.recovered) {
          counts.recoveries++;
          if (socket.id !== c.lives.at(-1).sid) c.idChanged = (c.idChanged ?? 0) + 1;
        } else {
          // A new session: a new id, no room. Counted, then checked apart.
          counts.fresh++;
          newLife(c, socket.id);
          join(c).catch((e) => (c.joinError = e));
        }
        scheduleCut(c);
      });
      socket.io.on("open", () => maybeCutHandshake(c));
      socket.on("disconnect", (reason) => {
        counts.reasons[reason] = (counts.reasons[reason] ?? 0) + 1;
      });
      socket.on("all-msg", (stream, n, offset) => receive(c, stream, n, offset, true));
      socket.on("room-msg", (stream, n, offset) => receive(c, stream, n, offset, stream === `room:${c.room}`));
      socket.on("direct", (stream, n, offset) => receive(c, `${stream}@${c.lives.at(-1).sid}`, n, offset, true));
      clients.push(c);
      return c;
    }

    // Connect in groups, so that the handshakes do not all queue at once.
    for (let i = 0; i < CLIENTS; i += 20) {
      const group = [];
      for (let j = i; j < Math.min(CLIENTS, i + 20); j++) group.push(makeClient(j));
      await until(() => group.every((c) => c.connects >= 1 && c.lives.at(-1).mark.has(`room:${c.room}`)), "clients connected and joined", 60_000);
    }

    // ---------------------------------------------------------- sending
    let sending = true;
    const tickers = senders.map((s) =>
      setInterval(() => {
        if (!sending) return;
        s.socket.emit("to-all", `all:${s.k}`, ++s.all);
        for (const room of roomNames) {
          if (roomOwner(room) !== s) continue;
          const n = roomSent.get(room) + 1;
          roomSent.set(room, n);
          s.socket.emit("to-room", room, `room:${room}`, n);
        }
        for (let d = 0; d < DIRECT; d++) {
          const c = targets[Math.floor(Math.random() * targets.length)];
          const sid = c.lives.at(-1).sid;
          const n = (s.direct.get(sid) ?? 0) + 1;
          s.direct.set(sid, n);
          s.socket.emit("to-conn", sid, `direct:${s.k}`, n);
        }
      }, TICK),
    );
    for (const t of tickers) intervals.add(t);

    const started = Date.now();
    await sleep(SOAK_S * 1000);
    cutting = false;
    for (const t of timers) clearTimeout(t);
    timers.clear();
    await until(() => clients.every((c) => c.socket.connected), "every client back", 30_000);
    await sleep(1000);
    sending = false;
    for (const t of tickers) clearInterval(t);
    // The senders' events are handled in order: their acks come after them.
    for (const s of senders) await s.socket.timeout(20_000).emitWithAck("whoami");
    const soakS = (Date.now() - started) / 1000;

    // ---------------------------------------------------------- checking
    /** The last number sent on each stream a life belongs to. */
    function expectedLast(c, life) {
      const last = new Map();
      for (const s of senders) {
        last.set(`all:${s.k}`, s.all);
        const d = s.direct.get(life.sid);
        if (d) last.set(`direct:${s.k}@${life.sid}`, d);
      }
      last.set(`room:${c.room}`, roomSent.get(c.room));
      return last;
    }
    const complete = (c) => {
      const life = c.lives.at(-1);
      for (const [stream, last] of expectedLast(c, life)) {
        if ((life.got.get(stream)?.at(-1) ?? 0) < last) return false;
      }
      return true;
    };
    await until(() => clients.every(complete), "every client has the last event of every stream", 30_000).catch(() => {});
    await sleep(500); // room for a late duplicate

    const totals = { events: 0, lost: 0, duplicated: 0, disorder: 0, late: 0, misdelivered: 0, noOffset: 0 };
    const problems = [];
    for (const c of clients) {
      if (c.joinError) problems.push(`client ${c.i}: join failed: ${c.joinError}`);
      if (c.idChanged) problems.push(`client ${c.i}: recovered with another id ${c.idChanged} times`);
      c.lives.forEach((life, li) => {
        const final = li === c.lives.length - 1;
        totals.misdelivered += life.misdelivered.length;
        totals.noOffset += life.noOffset;
        if (life.misdelivered.length) problems.push(`client ${c.i}: not its own: ${life.misdelivered.slice(0, 5).join(", ")}`);
        for (const [stream, last] of expectedLast(c, life)) {
          const got = life.got.get(stream) ?? [];
          totals.events += got.length;
          const unique = new Set(got);
          const dup = got.length - unique.size;
          let disorder = 0;
          for (let j = 1; j < got.length; j++) if (got[j] <= got[j - 1]) disorder++;
          // Membership began after `mark` (1 for a direct stream: it is
          // sent to a sid only once that client connected).
          const mark = stream.startsWith("direct:") ? 0 : life.mark.get(stream) ?? 0;
          const from = Math.min(got.length ? Math.min(...unique) : mark + 1, mark + 1);
          const to = final ? last : got.length ? Math.max(...unique) : from - 1;
          let lost = 0;
          for (let n = from; n <= to; n++) if (!unique.has(n)) lost++;
          const late = got.length && Math.min(...unique) > mark + 1 ? 1 : 0;
          totals.lost += lost;
          totals.duplicated += dup;
          totals.disorder += disorder;
          totals.late += late;
          if (lost || dup || disorder) {
            const missing = [];
            for (let n = from; n <= to && missing.length < 10; n++) if (!unique.has(n)) missing.push(n);
            problems.push(
              `client ${c.i} (${c.kind}, life ${li}, ${c.cuts} cuts) ${stream}: ${lost} lost [${missing.join(",")}], ${dup} duplicated, ${disorder} out of order; got ${got.length} of ${from}..${to}`,
            );
          }
        }
      });
    }

    const s = await stats(url);
    const r = s.recovery;
    const kinds = { websocket: 0, polling: 0, upgrade: 0 };
    for (const c of clients) kinds[c.kind]++;
    const reasons = Object.entries(counts.reasons).map(([k, v]) => `${k} ${v}`).join(", ");
    console.log(
      `recovery reliability: ${CLIENTS} clients (${kinds.websocket} websocket, ${kinds.polling} polling, ${kinds.upgrade} upgrading) ` +
        `in ${ROOMS} rooms, ${soakS.toFixed(0)} s: ${counts.cuts} cuts (+${counts.handshakeCuts} mid-handshake), ${counts.recoveries} recoveries, ${counts.fresh} fresh sessions ` +
        `(disconnects: ${reasons}); ${totals.events} events checked: ${totals.lost} lost, ${totals.duplicated} duplicated, ` +
        `${totals.disorder} out of order, ${totals.misdelivered} misdelivered; server: recovered ${r.recovered}, replayed ${r.replayed}, ` +
        `evicted ${r.evicted}, expired ${r.expired}, refused ${JSON.stringify(r.refused)}, buffered ${r.buffered} (${r.buffered_bytes} bytes)`,
    );

    assert.deepEqual(cutErrors.slice(0, 5), [], "cutting a transport threw");
    assert.deepEqual(problems.slice(0, 20), [], `${problems.length} problems`);
    assert.equal(totals.lost, 0, "lost");
    assert.equal(totals.duplicated, 0, "duplicated");
    assert.equal(totals.disorder, 0, "out of order");
    assert.equal(totals.misdelivered, 0, "misdelivered");
    assert.equal(totals.noOffset, 0, "events without an offset");
    assert.equal(totals.late, 0, "streams starting after the client joined them");
    // Nothing was evicted or expired: every reconnect must have recovered.
    assert.equal(r.evicted, 0, "the buffer evicted nothing");
    assert.equal(r.expired, 0, "no connection waited out max-disconnection");
    assert.equal(counts.fresh, 0, `fresh sessions (server refused: ${JSON.stringify(r.refused)})`);
    const reconnects = clients.reduce((n, c) => n + c.connects - 1, 0);
    assert.equal(counts.recoveries, reconnects);
    if (SOAK_S >= 6) assert.ok(clients.every((c) => c.cuts >= 1), "every client was cut");
    assert.ok(counts.recoveries >= counts.cuts, `${counts.recoveries} recoveries for ${counts.cuts} cuts`);
    assert.equal(r.away, 0, "nobody left away");
    assert.ok(totals.events > 0);
  });
});

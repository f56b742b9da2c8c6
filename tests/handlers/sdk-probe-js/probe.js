// A test handler for the JavaScript SDK's surface beyond the chat: every
// event is one SDK feature (tests/node/sdk-probe.test.mjs drives it, and
// the same events the Python probe).
import {
  broadcast,
  config,
  emitWithAck,
  kv,
  log,
  Refuse,
  roomConns,
  roomSize,
  serve,
  stats,
} from "../../../guest-sdk-js/sio.js";

/** What `f` throws, as [class name, code]; "no error" when it returns. */
function thrown(f) {
  try {
    f();
  } catch (e) {
    return [e.name, e.code];
  }
  return "no error";
}

const probe = {
  asked: {}, // emit-with-ack token → conn id

  onConnect({ conn, auth, protocol, transport, endpoint, query }) {
    if (auth?.refuse) throw new Refuse(auth.refuse);
    if (auth?.crash) throw new Error("crashed on purpose");
    conn.emit("hello", { protocol, transport, endpoint, query: Object.fromEntries(query) });
  },

  onMessage(conn, text) {
    conn.emit("message-seen", text);
  },

  onEvent(conn, event, args, ack) {
    switch (event) {
      case "echo":
        return ack ? ack(...args) : conn.emit("echo", ...args);
      case "throw":
        throw new Error("thrown on purpose");
      case "config":
        return ack(config.get(args[0]) ?? null, config.values());
      case "stats":
        return ack(typeof stats().sessions);
      case "send":
        return conn.send(args[0]);
      case "kick":
        return conn.disconnect();
      case "ack-twice":
        ack("first");
        return ack("second");
      case "ask":
        this.asked[emitWithAck(conn.id, "question", args, 2000)] = conn.id;
        return ack(Object.keys(this.asked).length);
      case "bad-room":
        try {
          conn.join("");
        } catch (e) {
          return ack(e.name, e.code);
        }
        return ack("joined");
      case "conn-state": {
        // args: [data, room]. Sets this connection's data, reads it back,
        // joins the room, and answers what the host now knows.
        const [data, name] = args;
        const before = conn.data();
        conn.setData(data);
        const after = conn.data();
        conn.join(name);
        const members = roomConns(name);
        let refused;
        try {
          conn.setDataRaw("{not json");
        } catch (e) {
          refused = [e.name, e.code];
        }
        return ack({
          id: conn.id,
          before,
          after,
          raw: conn.dataRaw(),
          rooms: conn.rooms(),
          members: members.map((m) => m.id),
          membersData: members.map((m) => m.data()),
          size: roomSize(name),
          empty: [roomConns("nobody-here").length, roomSize("nobody-here")],
          refused,
          kept: conn.data(), // the refused set-data changed nothing
          self: members.some((m) => m.id === conn.id),
        });
      }
      case "kv": {
        // args: [prefix]. Every store call once, on keys under `prefix`, and
        // the refusals; answers what each returned.
        const k = (name) => `${args[0]}:${name}`;
        const r = { absent: kv.get(k("a")) ?? "absent" };
        kv.set(k("a"), "one");
        r.got = kv.get(k("a"));
        r.casWrong = kv.compareAndSwap(k("a"), "two", "three");
        r.casRight = kv.compareAndSwap(k("a"), "one", "three");
        r.afterCas = kv.get(k("a"));
        r.claimTaken = kv.compareAndSwap(k("a"), null, "me");
        r.claimFree = kv.compareAndSwap(k("b"), undefined, "me");
        r.claimed = kv.get(k("b"));
        r.releaseOther = kv.compareAndSwap(k("b"), "someone else", null);
        r.releaseMine = kv.compareAndSwap(k("b"), "me", null);
        r.released = kv.get(k("b")) ?? "absent";
        r.deleted = [kv.delete(k("a")), kv.delete(k("a"))];
        r.counted = [kv.increment(k("n"), 5), kv.increment(k("n"), -2), kv.increment(k("fresh"), 0)];
        r.counter = kv.get(k("n"));
        r.big = String(kv.increment(k("big"), 2n ** 62n) + kv.increment(k("big"), 1n));
        r.negative = String(kv.increment(k("neg"), -(2n ** 62n)) + kv.increment(k("neg"), -(2n ** 62n)));
        kv.setJson(k("json"), { x: [1, "ü 😀"], ok: true });
        r.json = kv.getJson(k("json"));
        r.jsonRaw = kv.get(k("json"));
        kv.set(k("text"), "not json {");
        r.jsonMissing = [kv.getJson(k("none")) ?? "absent", kv.getJson(k("text")) ?? "absent"];
        r.errors = {
          emptyGet: thrown(() => kv.get("")),
          emptySet: thrown(() => kv.set("", "v")),
          emptyCas: thrown(() => kv.compareAndSwap("", null, "v")),
          notANumber: thrown(() => kv.increment(k("text"), 1)),
          notANumberDown: thrown(() => kv.increment(k("text"), -1)),
          overflow: thrown(() => kv.increment(k("big"), 2n ** 62n)),
          underflow: thrown(() => kv.increment(k("neg"), -1)),
          longKey: thrown(() => kv.set("k".repeat(513), "v")),
          unencodable: thrown(() => kv.setJson(k("text"), { n: 1n })),
        };
        r.unchanged = kv.get(k("text")); // the refused calls changed nothing
        return ack(r);
      }
      case "id":
        return ack(conn.id);
      case "join":
        conn.join(String(args[0]));
        return ack("ok");
      case "fanout": {
        // args: [spec, ...payload]. A broadcast operator made from `spec`:
        // `conn.broadcast` (all but the sender; `all`: `broadcast`), then
        // `of`, `to` (room or rooms), `conns` (ids), `except` (room or
        // rooms), `local`, `volatile`; emits `spec.event` ("fanned") with
        // the payload, or with `spec.ack` asks with emitWithAck. Acked
        // "no error" or [class, code]; with `ack`, the token's type.
        const [spec, ...payload] = args;
        let op = spec.all ? broadcast : conn.broadcast;
        if (spec.of !== undefined) op = op.of(spec.of);
        if (spec.to !== undefined) op = op.to(spec.to);
        if (spec.conns !== undefined) op = op.toConn(spec.conns);
        if (spec.except !== undefined) op = op.except(spec.except);
        if (spec.local) op = op.local();
        if (spec.volatile) op = op.volatile();
        const event = spec.event ?? "fanned";
        if (spec.ack) {
          let token;
          const outcome = thrown(() => (token = op.emitWithAck(event, payload, 1000)));
          return ack(outcome === "no error" ? typeof token : outcome);
        }
        return ack(thrown(() => op.emit(event, ...payload)));
      }
      case "kv-get":
        return ack(kv.get(args[0]) ?? null);
      case "clear-data":
        conn.setData(null);
        return ack(conn.data(), conn.dataRaw());
      default:
        log.warn(`probe: unknown event ${event}`);
    }
  },

  onAck(conn, token, reply) {
    delete this.asked[token];
    conn.emit("answer", reply === undefined ? "timeout" : reply);
  },
};

export const { onConnect, onMessage, onEvent, onAck, onDisconnect, state } = serve(probe);

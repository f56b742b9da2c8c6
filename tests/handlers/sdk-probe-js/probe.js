// A test handler for the JavaScript SDK's surface beyond the chat: every
// event is one SDK feature (tests/node/sdk-probe.test.mjs drives it, and
// the same events the Python probe).
import { config, emitWithAck, log, Refuse, roomConns, roomSize, serve, stats } from "../../../guest-sdk-js/sio.js";

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

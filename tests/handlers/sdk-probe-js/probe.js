// A test handler for the JavaScript SDK's surface beyond the chat: every
// event is one SDK feature (tests/node/sdk-probe.test.mjs drives it, and
// the same events the Python probe).
import { config, emitWithAck, log, Refuse, serve, stats } from "../../../guest-sdk-js/sio.js";

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

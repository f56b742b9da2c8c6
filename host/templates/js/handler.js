// {{name}}: a sio-host handler (sio:realtime@{{wit_version}}) in JavaScript.
//
// * `echo(...args)` with an ack: answered with the same arguments.
// * `say(text)`: `said [text]` to every connection.
import { all, emit, log, serve } from "{{js_package}}/sio.js";

const app = {
  onConnect(info) {
    log.info(`{{name}}: ${info.sid} connected`);
  },

  onEvent(conn, event, args, ack) {
    if (event === "echo" && ack) ack(...args);
    else if (event === "say") emit(all, "said", String(args[0] ?? ""));
  },
};

export const { onConnect, onMessage, onEvent, onAck, onDisconnect, state } = serve(app);

"""A test handler for the Python SDK's surface beyond the chat: every event
is one SDK feature (tests/node/sdk-probe.test.mjs drives it, and the same
events the JavaScript probe)."""

import sio


class Probe(sio.Handler):
    def __init__(self):
        self.asked = {}  # emit-with-ack token → conn id

    def on_connect(self, info):
        auth = info.auth if isinstance(info.auth, dict) else {}
        if auth.get("refuse"):
            raise sio.Refuse(auth["refuse"])
        if auth.get("crash"):
            raise RuntimeError("crashed on purpose")
        info.conn.emit("hello", {"protocol": info.protocol, "transport": info.transport,
                                 "endpoint": info.endpoint, "query": dict(info.query)})

    def on_message(self, conn, text):
        conn.emit("message-seen", text)

    def on_event(self, conn, event, args, ack):
        if event == "echo":
            return ack(*args) if ack else conn.emit("echo", *args)
        if event == "throw":
            raise RuntimeError("thrown on purpose")
        if event == "config":
            return ack(sio.config_get(args[0]), sio.config_values())
        if event == "stats":
            return ack("object" if isinstance(sio.stats()["sessions"], dict) else "other")
        if event == "send":
            return conn.send(args[0])
        if event == "kick":
            return conn.disconnect()
        if event == "ack-twice":
            ack("first")
            return ack("second")
        if event == "ask":
            self.asked[conn.emit_with_ack("question", args, 2000)] = conn.id
            return ack(len(self.asked))
        if event == "bad-room":
            try:
                conn.join("")
            except sio.HostError as e:
                return ack("HostError", e.code)
            return ack("joined")
        if event == "conn-state":
            # args: [data, room]. Sets this connection's data, reads it back,
            # joins the room, and answers what the host now knows.
            data, name = args
            before = conn.data()
            conn.set_data(data)
            after = conn.data()
            conn.join(name)
            members = sio.room_conns(name)
            refused = None
            try:
                conn.set_data_raw("{not json")
            except sio.HostError as e:
                refused = ["HostError", e.code]
            return ack({
                "id": conn.id,
                "before": before,
                "after": after,
                "raw": conn.data_raw(),
                "rooms": conn.rooms(),
                "members": [m.id for m in members],
                "membersData": [m.data() for m in members],
                "size": sio.room_size(name),
                "empty": [len(sio.room_conns("nobody-here")), sio.room_size("nobody-here")],
                "refused": refused,
                "kept": conn.data(),  # the refused set-data changed nothing
                "self": conn in members,
            })
        if event == "clear-data":
            conn.set_data(None)
            return ack(conn.data(), conn.data_raw())
        sio.log.warn(f"probe: unknown event {event}")

    def on_ack(self, conn, token, reply):
        self.asked.pop(token, None)
        conn.emit("answer", "timeout" if reply is None else reply)


WitWorld, State = sio.serve(Probe())

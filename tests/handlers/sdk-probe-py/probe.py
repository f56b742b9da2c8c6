"""A test handler for the Python SDK's surface beyond the chat: every event
is one SDK feature (tests/node/sdk-probe.test.mjs drives it, and the same
events the JavaScript probe)."""

import sio


def raised(f):
    """What ``f`` raises, as [class name, code]; "no error" when it returns."""
    try:
        f()
    except (sio.HostError, sio.KvError) as e:
        return [type(e).__name__, e.code]
    return "no error"


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
        if event == "kv":
            # args: [prefix]. Every store call once, on keys under ``prefix``,
            # and the refusals; answers what each returned.
            kv = sio.kv

            def k(name):
                return f"{args[0]}:{name}"

            def absent(value):
                return "absent" if value is None else value

            r = {"absent": absent(kv.get(k("a")))}
            kv.set(k("a"), "one")
            r["got"] = kv.get(k("a"))
            r["casWrong"] = kv.compare_and_swap(k("a"), "two", "three")
            r["casRight"] = kv.compare_and_swap(k("a"), "one", "three")
            r["afterCas"] = kv.get(k("a"))
            r["claimTaken"] = kv.compare_and_swap(k("a"), None, "me")
            r["claimFree"] = kv.compare_and_swap(k("b"), None, "me")
            r["claimed"] = kv.get(k("b"))
            r["releaseOther"] = kv.compare_and_swap(k("b"), "someone else", None)
            r["releaseMine"] = kv.compare_and_swap(k("b"), "me", None)
            r["released"] = absent(kv.get(k("b")))
            r["deleted"] = [kv.delete(k("a")), kv.delete(k("a"))]
            r["counted"] = [kv.increment(k("n"), 5), kv.increment(k("n"), -2), kv.increment(k("fresh"), 0)]
            r["counter"] = kv.get(k("n"))
            r["big"] = str(kv.increment(k("big"), 2**62) + kv.increment(k("big"), 1))
            r["negative"] = str(kv.increment(k("neg"), -(2**62)) + kv.increment(k("neg"), -(2**62)))
            kv.set_json(k("json"), {"x": [1, "ü 😀"], "ok": True})
            r["json"] = kv.get_json(k("json"))
            r["jsonRaw"] = kv.get(k("json"))
            kv.set(k("text"), "not json {")
            r["jsonMissing"] = [kv.get_json(k("none"), "absent"), kv.get_json(k("text"), "absent")]
            r["errors"] = {
                "emptyGet": raised(lambda: kv.get("")),
                "emptySet": raised(lambda: kv.set("", "v")),
                "emptyCas": raised(lambda: kv.compare_and_swap("", None, "v")),
                "notANumber": raised(lambda: kv.increment(k("text"), 1)),
                "notANumberDown": raised(lambda: kv.increment(k("text"), -1)),
                "overflow": raised(lambda: kv.increment(k("big"), 2**62)),
                "underflow": raised(lambda: kv.increment(k("neg"), -1)),
                "longKey": raised(lambda: kv.set("k" * 513, "v")),
                "unencodable": raised(lambda: kv.set_json(k("text"), {"n": {1, 2}})),
            }
            r["unchanged"] = kv.get(k("text"))  # the refused calls changed nothing
            return ack(r)
        if event == "id":
            return ack(conn.id)
        if event == "join":
            conn.join(str(args[0]))
            return ack("ok")
        if event == "fanout":
            # args: [spec, *payload]. A broadcast operator made from ``spec``:
            # ``conn.broadcast`` (all but the sender; ``all``:
            # ``sio.broadcast``), then ``of``, ``to`` (room or rooms),
            # ``conns`` (ids), ``except`` (room or rooms), ``local``,
            # ``volatile``; emits ``spec["event"]`` ("fanned") with the
            # payload, or with ``spec["ack"]`` asks with emit_with_ack. Acked
            # "no error" or [class, code]; with ``ack``, the token's type.
            spec, *payload = args
            op = sio.broadcast if spec.get("all") else conn.broadcast
            if "of" in spec:
                op = op.of(spec["of"])
            if "to" in spec:
                op = op.to(spec["to"])
            if "conns" in spec:
                op = op.to_conn(spec["conns"])
            if "except" in spec:
                op = op.except_(spec["except"])
            if spec.get("local"):
                op = op.local()
            if spec.get("volatile"):
                op = op.volatile()
            name = spec.get("event", "fanned")
            if spec.get("ack"):
                token = []
                outcome = raised(lambda: token.append(op.emit_with_ack(name, payload, 1000)))
                return ack("number" if outcome == "no error" and isinstance(token[0], int) else outcome)
            return ack(raised(lambda: op.emit(name, *payload)))
        if event == "kv-get":
            return ack(sio.kv.get(args[0]))
        if event == "clear-data":
            conn.set_data(None)
            return ack(conn.data(), conn.data_raw())
        sio.log.warn(f"probe: unknown event {event}")

    def on_ack(self, conn, token, reply):
        self.asked.pop(token, None)
        conn.emit("answer", "timeout" if reply is None else reply)


WitWorld, State = sio.serve(Probe())

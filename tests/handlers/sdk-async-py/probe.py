"""A test handler for the Python SDK's async world (``sio_async``, served
with ``serve_broadcast`` and built as ``stateful-async-broadcast-endpoint``,
as it hears replies and server events; tests/node/sdk-async.test.mjs drives
it, and the same events the JavaScript probe):

* ``set(token, ms)``: ``set_timer``, tied to the sender; acked "ok" or the
  error's code. When it fires, ``timer [token]`` is emitted to all.
* ``cancel(token)``: ``cancel_timer``, acked whether it was pending.
* ``join(room)``: the sender joins ``room``, acked "ok".
* ``who(room|None, ms)``: ``cluster_sockets``; the answer's JSON body is
  emitted to the sender as ``who``.
* ``fetch(url)``: ``http_fetch``; the outcome is emitted to all as
  ``fetched [token, {status, body}|{error}]``.
* ``ask(rooms, event, args, ms)``: ``sio.broadcast.to(rooms).emit_with_ack``,
  acked with the token; ``server-ask(event, args, ms)``:
  ``server_emit_with_ack``, the same; ``server-emit(event, args)``:
  ``server_emit``, acked "ok". What comes back (``on_replies``) is emitted
  to the asker as ``replies {token, replies: [{sid|null, args}], silent:
  [sid], missing, complete}``.
* Another node's server event (``on_server_event``) is emitted to this
  node's connections as ``server-event [event, args]`` and, when the sender
  waits, answered with ``{from: "python", event, args}``.
"""

import sio_async as sio


def verdict(f, *args):
    try:
        f(*args)
        return "ok"
    except sio.HostError as e:
        return e.code


def arg(args, i, default):
    return args[i] if len(args) > i and args[i] is not None else default


class Probe(sio.Handler):
    def __init__(self):
        self.asked = {}  # cluster query token → conn id
        self.next_query = 0
        self.sids = {}  # conn id → Socket.IO id
        self.waiting = {}  # broadcast-with-ack token → conn id

    def on_connect(self, info):
        self.sids[info.id] = info.sid

    def on_disconnect(self, conn, reason):
        self.sids.pop(conn.id, None)

    def on_event(self, conn, event, args, ack):
        if event == "ask":
            reply = sio.broadcast.to(args[0]).emit_with_ack(args[1], arg(args, 2, ()), arg(args, 3, 0))
            self.waiting[reply] = conn.id
        elif event == "server-ask":
            reply = sio.server_emit_with_ack(args[0], arg(args, 1, ()), arg(args, 2, 0))
            self.waiting[reply] = conn.id
        elif event == "server-emit":
            reply = verdict(sio.server_emit, args[0], *arg(args, 1, ()))
        elif event == "set":
            reply = verdict(sio.set_timer, arg(args, 0, 0), arg(args, 1, 0), conn)
        elif event == "cancel":
            reply = sio.cancel_timer(arg(args, 0, 0))
        elif event == "join":
            reply = verdict(conn.join, str(arg(args, 0, "")))
        elif event == "who":
            # Tokens 1000.. for queries; `fetch` uses 1.
            self.next_query += 1
            token = 1000 + self.next_query
            self.asked[token] = conn.id
            reply = verdict(sio.cluster_sockets, token, arg(args, 0, None), arg(args, 1, 0))
        elif event == "fetch":
            reply = verdict(sio.http_fetch, 1, str(arg(args, 0, "")), "GET", (), b"", 5000)
        else:
            reply = "unknown"
        if ack:
            ack(reply)

    def on_replies(self, token, replies):
        asker = self.waiting.pop(token, None)

        def sid(conn):
            return None if conn is None else self.sids.get(conn.id)

        sio.emit(sio.to(asker), "replies", {
            "token": token,
            "replies": [{"sid": sid(r.conn), "args": r.args} for r in replies.replies],
            "silent": [sid(c) for c in replies.silent],
            "missing": replies.missing,
            "complete": replies.complete,
        })

    def on_server_event(self, event, args, reply):
        sio.broadcast.local().emit("server-event", event, args)
        if reply:
            reply({"from": "python", "event": event, "args": args})

    def on_timer(self, token):
        sio.emit(sio.ALL, "timer", token)

    def on_fetch(self, token, response):
        asker = self.asked.pop(token, None)
        if asker is not None:
            answer = None
            if not isinstance(response, sio.FetchError):
                try:
                    answer = response.json()
                except ValueError:
                    pass
            sio.emit(sio.to(asker), "who", answer)
            return
        if isinstance(response, sio.FetchError):
            outcome = {"error": str(response)}
        else:
            outcome = {"status": response.status, "body": response.text()}
        sio.emit(sio.ALL, "fetched", token, outcome)


WitWorld, State, Completions, BroadcastEvents = sio.serve_broadcast(Probe())

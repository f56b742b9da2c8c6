"""sio-host handlers in Python with asynchronous work: the ``async-endpoint`` /
``stateful-async-endpoint`` worlds (docs/async.md), and the
``async-broadcast-endpoint`` / ``stateful-async-broadcast-endpoint`` ones.
Everything of ``sio``, plus timers, holding a connection's later events while
its work is pending, outbound HTTP and cluster-wide socket queries, each
started with a token the handler chooses and completed later in its
``on_timer(token)`` / ``on_fetch(token, response)``::

    import sio_async as sio

    class Ticker(sio.Handler):
        def on_event(self, conn, event, args, ack):
            if event == "later":
                sio.set_timer(args[0], args[1], conn)

        def on_timer(self, token):
            sio.emit(sio.ALL, "tick", token)

    WitWorld, State, Completions = sio.serve(Ticker())

built with ``sio-build-py ticker.py -o ticker.wasm --world
stateful-async-endpoint`` (or ``async-endpoint``). It is a module of its own
because it imports ``sio:realtime/async-host``, which only the async worlds
have: a handler of the ``endpoint`` / ``stateful-endpoint`` worlds imports
``sio`` and never loads this one.

Tokens are ``int`` (the contract's u64). A refused call raises ``HostError``
(nothing was started).

What comes back from ``sio``'s broadcasts with acks
(``sio.broadcast.emit_with_ack``, ``sio.server_emit_with_ack``) reaches the
handler's ``on_replies(token, replies)``, and other nodes' server events its
``on_server_event(event, args, reply)``, in a handler of the broadcast
worlds: it is served with ``serve_broadcast``, which returns a fourth class,
the ``BroadcastEvents`` componentize-py looks for, and built with ``--world
stateful-async-broadcast-endpoint`` (or ``async-broadcast-endpoint``)::

    WitWorld, State, Completions, BroadcastEvents = sio.serve_broadcast(Poll())
"""

import json

import sio
from sio import *  # noqa: F401,F403 (this module is sio plus the async world)
from sio import Conn, HostError, _call, _guarded, decode, server_reply
from componentize_py_types import Ok
from wit_world.imports import async_host as _async_host


def _conn_id(conn):
    return conn.id if isinstance(conn, Conn) else conn


def set_timer(token, delay_ms, conn=None):
    """Calls the handler's ``on_timer(token)`` once, after ``delay_ms``. A timer
    tied to ``conn`` (a ``Conn`` or an id) is cancelled when that connection
    leaves. Setting a pending token re-arms it. Timers belong to the host:
    they survive hot reloads and rebuilds."""
    _call("set-timer", _async_host.set_timer, token, delay_ms, None if conn is None else _conn_id(conn))


def cancel_timer(token):
    """Cancels a pending timer: True when it was pending (it will not fire)."""
    return _async_host.cancel_timer(token)


def hold(conn):
    """Parks ``conn`` (a ``Conn`` or an id): its later events and messages wait
    in the host, in order, until ``release(conn)``. Acks, timers and fetch
    results still arrive."""
    _call("hold", _async_host.hold, _conn_id(conn))


def release(conn):
    """Un-parks ``conn``: the events that waited reach the handler, in order, as
    soon as the current call returns."""
    _call("release", _async_host.release, _conn_id(conn))


Conn.hold = lambda self: hold(self.id)
Conn.release = lambda self: release(self.id)


def http_fetch(token, url, method="GET", headers=(), body=b"", timeout_ms=0):
    """Starts an outbound HTTP request (an absolute ``http://`` URL whose host
    the endpoint's ``http-allow`` lists); its outcome reaches the handler's
    ``on_fetch(token, response)``. ``headers``: a dict or (name, value)
    pairs; ``body``: ``str`` or bytes; ``timeout_ms`` 0: the host's default
    (10 s)."""
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers)
    data = body.encode() if isinstance(body, str) else bytes(body or b"")
    request = _async_host.HttpRequest(method, url, [(str(k), str(v)) for k, v in pairs], data, timeout_ms)
    _call(f"http-fetch {url}", _async_host.http_fetch, token, request)


def cluster_sockets(token, room=None, timeout_ms=0):
    """Asks every node of the cluster which sockets are in ``room`` (every
    socket when None): this node and, with ``--redis``, every other one (Node
    Socket.IO peers too). The answer reaches ``on_fetch(token, response)`` as
    a 200 response whose ``json()`` is ``{"sockets": [{"id", "handshake",
    "rooms", "data"}, ..], "nodes": n, "missing": m}`` (``m``: nodes that did
    not answer within ``timeout_ms``, 0 meaning 5 s)."""
    _call("cluster-sockets", _async_host.cluster_sockets, token, room, timeout_ms)


class Response:
    """An HTTP response (or a cluster-sockets answer) handed to ``on_fetch``."""

    def __init__(self, response):
        self.status = response.status
        self.headers = response.headers  # (name, value) pairs, names lower-case
        self.body = response.body  # bytes

    def header(self, name):
        """The first value of header ``name``, None when absent."""
        name = name.lower()
        return next((v for k, v in self.headers if k == name), None)

    def text(self):
        """The body as text (UTF-8, lossy)."""
        return self.body.decode(errors="replace")

    def json(self):
        """The body parsed as JSON (raises ValueError when it is not JSON)."""
        return json.loads(self.body)


class FetchError(Exception):
    """Handed to ``on_fetch`` instead of a ``Response`` when there is none;
    ``str(e)`` says why (host not allowed, connection refused, timeout, ...)."""


class Reply:
    """One answer to a broadcast with acks or a server emit with acks."""

    __slots__ = ("conn", "args")

    def __init__(self, conn, args):
        #: The ``Conn`` that answered, when it is on this node; None for
        #: another node's client or a server node's answer.
        self.conn = conn
        #: Its arguments, decoded as an event's are (a Node peer relays its
        #: client's first argument only).
        self.args = args

    def __repr__(self):
        return f"Reply(conn={self.conn}, args={self.args!r})"


class Replies:
    """Everything that came back for one token, handed to ``on_replies``."""

    def __init__(self, replies):
        #: Every answer that came in time, in arrival order (``Reply`` objects).
        self.replies = [
            Reply(None if r.conn is None else Conn(r.conn), decode(r.args_json, r.attachments))
            for r in replies.replies
        ]
        #: This node's connections (``Conn``) that were asked and did not
        #: answer in time, or left first.
        self.silent = [Conn(id) for id in replies.silent]
        #: How many clients of other nodes (for a server emit: other nodes)
        #: did not answer in time.
        self.missing = replies.missing

    @property
    def complete(self):
        """Whether everyone asked answered in time."""
        return not self.silent and self.missing == 0

    def __repr__(self):
        return f"Replies(replies={self.replies!r}, silent={[c.id for c in self.silent]}, missing={self.missing})"


class Handler(sio.Handler):
    """``sio.Handler`` with the async worlds' calls, no-ops too (``on_replies``
    and ``on_server_event`` are called only in a handler served with
    ``serve_broadcast``, of the broadcast worlds)."""

    def on_timer(self, token):
        pass

    def on_fetch(self, token, response):
        pass

    def on_replies(self, token, replies):
        """``broadcast.emit_with_ack`` / ``server_emit_with_ack`` returned
        ``token``: ``replies`` is what came back (``Replies``)."""

    def on_server_event(self, event, args, reply):
        """Another node's ``server_emit`` (or Node's ``serverSideEmit``) for
        this endpoint; ``reply`` a function taking the answer's arguments
        when that node waits for one, else None."""


def _completions(handler):
    """The ``completions`` export's class for ``handler``."""

    class Completions:
        def on_timer(self, token):
            _guarded("on_timer", getattr(handler, "on_timer", lambda token: None), token)

        def on_fetch(self, token, response):
            outcome = Response(response.value) if isinstance(response, Ok) else FetchError(str(response.value))
            _guarded("on_fetch", getattr(handler, "on_fetch", lambda token, response: None), token, outcome)

    return Completions


def _broadcast_events(handler):
    """The ``broadcast-events`` export's class for ``handler``."""

    class BroadcastEvents:
        def on_replies(self, token, replies):
            on_replies = getattr(handler, "on_replies", lambda token, replies: None)
            _guarded("on_replies", lambda: on_replies(token, Replies(replies)))

        def on_server_event(self, event, args_json, reply):
            answer = None if reply is None else server_reply(reply, event)
            on_server_event = getattr(handler, "on_server_event", lambda event, args, reply: None)
            _guarded(f"on_server_event {event}", lambda: on_server_event(event, decode(args_json, []), answer))

    return BroadcastEvents


def serve(handler):
    """``sio.serve(handler)`` plus the ``completions`` export of the
    ``async-endpoint`` / ``stateful-async-endpoint`` worlds:
    ``WitWorld, State, Completions = sio_async.serve(handler)``.
    ``Completions`` calls the handler's ``on_timer(token)`` when a timer is
    due and ``on_fetch(token, response)`` when ``http_fetch`` /
    ``cluster_sockets`` completed, ``response`` a ``Response``, or a
    ``FetchError`` when there is none. A handler that hears what comes back
    from broadcasts with acks and other nodes' server events uses
    ``serve_broadcast``."""
    WitWorld, State = sio.serve(handler)
    return WitWorld, State, _completions(handler)


def serve_broadcast(handler):
    """``serve(handler)`` plus the ``broadcast-events`` export of the
    ``async-broadcast-endpoint`` / ``stateful-async-broadcast-endpoint``
    worlds (build with one of them):
    ``WitWorld, State, Completions, BroadcastEvents =
    sio_async.serve_broadcast(handler)``. ``BroadcastEvents`` calls the
    handler's ``on_replies(token, replies)`` when a broadcast or server emit
    with acks is complete, ``replies`` a ``Replies``, and
    ``on_server_event(event, args, reply)`` for another node's server event,
    ``reply`` a function taking the answer's arguments when that node waits
    for one, else None."""
    return (*serve(handler), _broadcast_events(handler))

"""sio-host handlers in Python: the `sio:realtime@0.1.0` contract (wit/) made
idiomatic, for componentize-py. A handler is an object whose methods the host
calls one at a time; `serve(handler)` turns it into the world's exports::

    import sio

    class Echo(sio.Handler):
        def on_event(self, conn, event, args, ack):
            if ack:
                ack(*args)
            else:
                sio.emit(conn.others(), event, *args)

    WitWorld, State = sio.serve(Echo())

and ``sio-build-py echo.py -o echo.wasm`` makes the component (the
``sio-guest`` wheel's command; inside the sio-host repository ``python3
guest-sdk-py/build.py echo.py -o echo.wasm``).

Conventions (the Rust SDK's, in Python's terms):

* Event arguments are Python values: the JSON array the client sent, parsed,
  with each binary attachment in its place as ``bytes``; what a handler emits
  is encoded the same way back (``bytes``/``bytearray``/``memoryview`` values
  travel as attachments).
* Connection ids and ack tokens are ``int``.
* A refused host call raises ``HostError`` whose ``code`` is the contract's
  ``host-error`` name ("unknown-conn", "invalid-name", ...); it had no effect.
* ``on_connect`` refuses a client by raising ``Refuse(reason)``; the client
  gets a connect_error carrying the reason.
* Any other exception a handler method raises is logged (level error) with
  its traceback and the event is dropped; the handler keeps serving.
* State across a hot reload: ``snapshot`` is the JSON of ``vars(handler)``
  (or of the handler's own ``snapshot()``), ``restore`` updates the handler's
  attributes from it (or calls its ``restore(value)``), then ``on_restore()``.
* What belongs to one connection can live in the host instead, as its data
  (``conn.set_data(value)`` / ``conn.data()``, ``sio:realtime/conn-state``):
  it survives reloads and rebuilds with no snapshot code (docs/state.md).
* What the whole endpoint shares (taken names, counters) can live in its
  key-value store (``sio.kv.get(key)``, ``sio.kv.set(key, value)``, ...,
  ``sio:realtime/kv``): it outlives reloads and rebuilds and, with a file or
  Redis store, a restart; with Redis every node sees it. A failed store call
  raises ``KvError`` whose ``code`` is the contract's ``kv-error`` name
  ("unavailable", "too-large", ...); it changed nothing.
* Broadcasts beyond one target (``sio:realtime/broadcast``), built like
  Socket.IO's operator: ``sio.broadcast.to("a").to("b").except_("c")
  .except_conn(conn).local().volatile().emit(event, *args)``,
  ``sio.broadcast.of("/other")...``, ``conn.broadcast`` (all but ``conn``),
  ``sio.broadcast.emit_with_ack(event, args, timeout_ms)`` → token, and
  ``sio.server_emit(event, *args)`` / ``sio.server_emit_with_ack(..)`` for
  the other nodes of a cluster. The answers and other nodes' events reach
  ``on_replies`` / ``on_server_event`` in the async worlds (``sio_async``).
* Connection state recovery (``--recovery``): a client that dropped for a
  moment and came back with the same connection (id, rooms, data, the events
  it missed replayed) runs ``on_connect`` again with ``info.recovered`` True
  (False for every new connection), as Node's ``socket.recovered``. The
  handler never heard it leave: greet it again if you like, but do not count
  it as a new arrival.
"""

import json
import traceback

from componentize_py_types import Err
from sio_args import decode, encode  # noqa: F401 (part of the SDK's API)
from wit_world.imports import broadcast as _broadcast
from wit_world.imports import config as _config
from wit_world.imports import conn_state as _conn_state
from wit_world.imports import host as _host
from wit_world.imports import kv as _kv
from wit_world.imports import stats as _stats
from wit_world.imports import types as _types

#: The version of the ``sio:realtime`` WIT package this SDK is written for
#: (``package sio:realtime@0.1.0;`` in the WIT the ``sio-guest`` wheel ships);
#: ``sio-build-py`` refuses to build against a WIT of another version.
WIT_VERSION = "0.1.0"


class HostError(Exception):
    """A host call the host refused; ``code`` is the contract's host-error name."""

    def __init__(self, code, what):
        super().__init__(f"{what}: {code}")
        self.code = code


class KvError(Exception):
    """A key-value store call that failed; ``code`` is the contract's kv-error
    name ("unavailable", "too-large", "limit-exceeded", "not-a-number",
    "invalid-key"). Nothing was changed."""

    def __init__(self, code, what):
        super().__init__(f"{what}: {code}")
        self.code = code


class Refuse(Exception):
    """Raised by ``on_connect`` to refuse a client with a reason."""


def _code(err):
    """The contract's name of a host-error (``HostError.UNKNOWN_CONN`` → "unknown-conn")."""
    return getattr(err.value, "name", str(err.value)).lower().replace("_", "-")


def _call(what, f, *args):
    try:
        return f(*args)
    except Err as e:
        raise HostError(_code(e), what) from None


# ------------------------------------------------------------------ targets

ALL = _types.Target_All()
"""Every connection of this endpoint."""


def to(conn):
    """One connection."""
    return _types.Target_Conn(conn)


def room(name, except_=None):
    """Every connection in the room ``name``, but ``except_`` when given."""
    if except_ is None:
        return _types.Target_Room(name)
    return _types.Target_RoomExcept((name, except_))


def all_except(conn):
    """Every connection of this endpoint but one."""
    return _types.Target_AllExcept(conn)


# -------------------------------------------------------------------- acting


def emit(target, event, *args):
    """Emits ``event`` with ``args`` to ``target`` (``ALL``, ``to(id)``, ``room(..)``, ...)."""
    json_text, attachments = encode(args)
    _call(f"emit {event}", _host.emit, target, event, json_text, attachments)


def emit_with_ack(conn, event, args=(), timeout_ms=0):
    """Emits to one connection and asks for an ack: the returned token comes back
    in the handler's ``on_ack(conn, token, reply)`` (reply None on timeout)."""
    json_text, attachments = encode(args)
    return _call(f"emit {event}", _host.emit_with_ack, conn, event, json_text, attachments, timeout_ms)


def send(target, text):
    """A plain message (the event "message" for 4.x / 2.x clients)."""
    _call("send", _host.send, target, text)


def join(conn, name):
    _call(f"join {name}", _host.join, conn, name)


def leave(conn, name):
    _call(f"leave {name}", _host.leave, conn, name)


def disconnect(conn):
    _call("disconnect", _host.disconnect, conn)


# ------------------------------------------------------------------ broadcasts


def _many(value):
    """``value`` as a list: one value, or the items of a list, tuple, set, ..."""
    if isinstance(value, (str, bytes, Conn, int)):
        return [value]
    return list(value)


def _conn_id(conn):
    return conn.id if isinstance(conn, Conn) else conn


class Broadcast:
    """Who an emit reaches and how: Socket.IO's ``BroadcastOperator`` over
    ``sio:realtime/broadcast`` (docs/handlers.md, "Broadcasts"). Start from
    ``sio.broadcast`` (every connection of this endpoint, as Socket.IO's
    ``io``) or ``conn.broadcast`` (every one but ``conn``, as
    ``socket.broadcast``); each method returns a new operator with one more
    condition, the one it was called on is unchanged::

        # Both teams but the mover, dropped for clients that lag:
        sio.broadcast.to("red").to("blue").except_conn(conn).volatile().emit("moved", 1, 2)
        # Another endpoint of this host:
        sio.broadcast.of("/admin").to("ops").emit("alert", text)
        # Everyone, each asked for an ack: the answers reach on_replies(token, ..)
        token = sio.broadcast.emit_with_ack("vote?", (), 3000)

    A connection is in the audience when it is in any of the rooms or is one
    of the connections named (every connection when neither is given) and
    in none of the excepted rooms nor excepted itself; it receives the
    packet once.
    """

    __slots__ = ("_endpoint", "_rooms", "_conns", "_except_rooms", "_except_conns", "_flags")

    def __init__(self, endpoint=None, rooms=(), conns=(), except_rooms=(), except_conns=(),
                 flags=_broadcast.EmitFlags(0)):
        self._endpoint = endpoint
        self._rooms = tuple(rooms)
        self._conns = tuple(conns)
        self._except_rooms = tuple(except_rooms)
        self._except_conns = tuple(except_conns)
        self._flags = flags

    def _with(self, **changes):
        fields = {
            "endpoint": self._endpoint,
            "rooms": self._rooms,
            "conns": self._conns,
            "except_rooms": self._except_rooms,
            "except_conns": self._except_conns,
            "flags": self._flags,
        }
        fields.update(changes)
        return Broadcast(**fields)

    def to(self, room):
        """Also the connections in ``room`` (a name, or a list of names)."""
        return self._with(rooms=self._rooms + tuple(_many(room)))

    def to_conn(self, conn):
        """Also ``conn`` (a ``Conn`` or an id, or a list of them)."""
        return self._with(conns=self._conns + tuple(_conn_id(c) for c in _many(conn)))

    def except_(self, room):
        """Not the connections in ``room`` (a name, or a list of names);
        ``except`` is a Python keyword."""
        return self._with(except_rooms=self._except_rooms + tuple(_many(room)))

    def except_conn(self, conn):
        """Not ``conn`` (a ``Conn`` or an id, or a list of them): typically the sender."""
        return self._with(except_conns=self._except_conns + tuple(_conn_id(c) for c in _many(conn)))

    def local(self):
        """This node's connections only: not published to the cluster (Socket.IO's ``local``)."""
        return self._with(flags=self._flags | _broadcast.EmitFlags.LOCAL)

    def volatile(self):
        """Dropped (and counted) for a connection that cannot take it now,
        instead of queued; never replayed by connection state recovery
        (``volatile``)."""
        return self._with(flags=self._flags | _broadcast.EmitFlags.VOLATILE)

    def of(self, endpoint):
        """Another endpoint (namespace) of this host, as ``io.of(name)``: the
        emit is delivered there right after the current handler call
        ("invalid-name" when there is none). Only ``emit`` reaches another
        endpoint."""
        return self._with(endpoint=str(endpoint))

    @property
    def selector(self):
        """Who this operator selects, as a dict (for logs and tests)."""
        return {
            "rooms": list(self._rooms),
            "conns": list(self._conns),
            "except_rooms": list(self._except_rooms),
            "except_conns": list(self._except_conns),
        }

    def _selector(self):
        return _broadcast.Selector(list(self._rooms), list(self._conns), list(self._except_rooms),
                                   list(self._except_conns))

    def emit(self, event, *args):
        """Emits ``event`` with ``args`` (``bytes`` travel as attachments),
        published to the other nodes of a cluster unless ``local()``. A
        refusal raises ``HostError`` ("invalid-name" for an empty room or
        event name, or an endpoint that is not there). Connections named in
        ``to_conn`` that are not here are left out."""
        json_text, attachments = encode(args)
        _call(f"broadcast {event}", _broadcast.emit, self._endpoint, self._selector(), self._flags, event,
              json_text, attachments)

    def emit_with_ack(self, event, args=(), timeout_ms=0):
        """Emits ``event`` with ``args`` (a sequence) to every selected
        connection of every node (this node only when ``local()``), each
        asked for an ack, and returns the token that the handler's
        ``on_replies(token, replies)`` gets with every answer once all came
        or ``timeout_ms`` (0: 5 s) passed. The answers reach handlers of the
        async worlds (``sio_async``). ``HostError`` "invalid-name" on an
        operator made with ``of()``."""
        if self._endpoint is not None:
            raise HostError("invalid-name", f"broadcast {event} with ack")
        json_text, attachments = encode(args)
        return _call(f"broadcast {event} with ack", _broadcast.emit_with_ack, self._selector(), self._flags,
                     event, json_text, attachments, timeout_ms)

    def __repr__(self):
        return f"Broadcast(endpoint={self._endpoint!r}, {self.selector}, {self._flags!r})"


broadcast = Broadcast()
"""Every connection of this endpoint, as Socket.IO's ``io``: the start of
every broadcast (``sio.broadcast.to(room)...``, ``sio.broadcast.emit(..)``)."""


def _server_args(what, args):
    """JSON text of server-event arguments, which carry no attachments."""
    json_text, attachments = encode(args)
    if attachments:
        raise TypeError(f"{what}: binary arguments cannot go to other nodes")
    return json_text


def server_emit(event, *args):
    """Sends ``event`` with ``args`` to this endpoint on every other node of
    the cluster (Socket.IO's ``serverSideEmit``): sio-host handlers hear it in
    ``on_server_event``, Node servers in ``io.of(nsp).on(event)``. Not to this
    node; nothing happens without a cluster. Arguments are JSON values (no
    ``bytes``: a ``TypeError``)."""
    json_text = _server_args(f"server-emit {event}", args)
    _call(f"server-emit {event}", _broadcast.server_emit, event, json_text)


def server_emit_with_ack(event, args=(), timeout_ms=0):
    """``server_emit`` asking every other node for an answer
    (``serverSideEmitWithAck``): returns the token that ``on_replies(token,
    replies)`` gets once every node answered or ``timeout_ms`` (0: 5 s)
    passed; at once, with no replies, without a cluster."""
    json_text = _server_args(f"server-emit {event}", args)
    return _call(f"server-emit {event}", _broadcast.server_emit_with_ack, event, json_text, timeout_ms)


def server_reply(reply_id, event):
    """The ``reply`` function handed to ``on_server_event`` when the sending
    node waits: answers with its arguments (a Node peer receives the first).
    A refusal (the sender stopped waiting) is logged, as a refused ack is."""

    def reply(*args):
        json_text = _server_args(f"reply to {event}", args)
        try:
            _broadcast.server_ack(reply_id, json_text)
        except Err as e:
            log.warn(f"reply to server event {event} refused: {_code(e)}")

    return reply


class _Log:
    """Logs through the host (its log, with the endpoint's name)."""

    def __getattr__(self, level):
        lvl = getattr(_types.LogLevel, level.upper())
        return lambda *parts: _host.log(lvl, " ".join(map(str, parts)))


log = _Log()


def config_get(key):
    """One value of the endpoint's ``[endpoints."/path".config]`` table, or None."""
    return _config.get(key)


def config_values():
    """Every value of the endpoint's config table, as a dict."""
    return dict(_config.values())


def stats():
    """The server's ``/stats`` document, parsed."""
    return json.loads(_stats.json())


def _data_json(value):
    """JSON text of a connection's data. A value JSON cannot encode (a set,
    NaN, ...) is refused as the host refuses text that is not JSON:
    ``HostError`` "invalid-json"."""
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        raise HostError("invalid-json", "set-data") from None


def _kv_call(what, f, *args):
    try:
        return f(*args)
    except Err as e:
        raise KvError(_code(e), what) from None


class _Kv:
    """The endpoint's key-value store (``sio:realtime/kv``, docs/state.md):
    keys scoped to this endpoint, string values (JSON by convention), kept by
    the host in memory, a file or the cluster's Redis. Every call answers at
    once or raises ``KvError`` "unavailable" within the server's store
    timeout::

        # Claim a nickname for the whole cluster, once:
        mine = sio.kv.compare_and_swap("nick:alice", None, "user-1")
        # Count something:
        n = sio.kv.increment("visits", 1)
        # JSON values:
        sio.kv.set_json("profile:user-1", {"color": "blue"})
    """

    def get(self, key):
        """The value at ``key`` (a ``str``), None when absent."""
        return _kv_call("kv get", _kv.get, key)

    def set(self, key, value):
        """``key`` holds ``value`` (a ``str``) from now on."""
        _kv_call("kv set", _kv.set, key, value)

    def delete(self, key):
        """Removes ``key``; whether it was there."""
        return _kv_call("kv delete", _kv.delete, key)

    def increment(self, key, delta):
        """Adds ``delta`` to the integer at ``key`` (0 when absent),
        atomically; the new value."""
        return _kv_call("kv increment", _kv.increment, key, delta)

    def compare_and_swap(self, key, expected, replacement):
        """Atomically: when ``key`` holds ``expected`` (None: absent), makes it
        hold ``replacement`` (None: removes it). Whether it did. Claiming a
        name: ``compare_and_swap(k, None, me)``; releasing it only while
        still one's own: ``compare_and_swap(k, me, None)``."""
        return _kv_call("kv compare-and-swap", _kv.compare_and_swap, key, expected, replacement)

    def get_json(self, key, default=None):
        """The value at ``key`` parsed as JSON; ``default`` when absent or not JSON."""
        text = self.get(key)
        if text is None:
            return default
        try:
            return json.loads(text)
        except ValueError:
            return default

    def set_json(self, key, value):
        """``key`` holds ``value`` as JSON. A value ``json.dumps`` refuses
        (``bytes``, a set, NaN) stores nothing and raises ``KvError``
        "too-large", the store's "this value cannot be kept"."""
        try:
            text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError):
            raise KvError("too-large", "kv set") from None
        self.set(key, text)


kv = _Kv()
"""The endpoint's key-value store: ``sio.kv.get``, ``set``, ``delete``,
``increment``, ``compare_and_swap``, ``get_json``, ``set_json``."""


def room_conns(name):
    """The connections in the room ``name`` on this node (``Conn`` objects), ids ascending."""
    return [Conn(id) for id in _conn_state.room_conns(name)]


def room_size(name):
    """How many connections the room ``name`` has on this node."""
    return _conn_state.room_size(name)


class Conn:
    """One client's connection to this endpoint (equal to another for the same id)."""

    __slots__ = ("id",)

    def __init__(self, id):
        self.id = id

    def emit(self, event, *args):
        emit(to(self.id), event, *args)

    def emit_with_ack(self, event, args=(), timeout_ms=0):
        return emit_with_ack(self.id, event, args, timeout_ms)

    def send(self, text):
        send(to(self.id), text)

    def join(self, name):
        join(self.id, name)

    def leave(self, name):
        leave(self.id, name)

    def disconnect(self):
        disconnect(self.id)

    def set_data(self, value):
        """Sets this connection's data, kept by the host: any JSON-able value
        (None clears it). It survives hot reloads and rebuilds with no
        snapshot code, other nodes' fetchSockets() see it as the socket's
        ``data``, and it is gone when the connection leaves."""
        _call("set-data", _conn_state.set_data, self.id, _data_json(value))

    def set_data_raw(self, json_text):
        """``set_data`` with JSON text."""
        _call("set-data", _conn_state.set_data, self.id, json_text)

    def data(self):
        """This connection's data, parsed; None when none is set."""
        return json.loads(self.data_raw())

    def data_raw(self):
        """This connection's data as JSON text ("null" when none is set)."""
        return _call("data", _conn_state.data, self.id)

    def rooms(self):
        """The rooms this connection is in, sorted, the one named by its
        Socket.IO id included (Socket.IO's ``socket.rooms``)."""
        return _call("rooms", _conn_state.rooms, self.id)

    def others(self):
        """Every connection of the endpoint but this one (a target)."""
        return all_except(self.id)

    @property
    def broadcast(self):
        """A broadcast to every connection but this one, as Socket.IO's
        ``socket.broadcast``: ``conn.broadcast.to("room").emit(..)``."""
        return broadcast.except_conn(self.id)

    def __eq__(self, other):
        return isinstance(other, Conn) and other.id == self.id

    def __hash__(self):
        return hash(self.id)

    def __str__(self):
        return f"conn {self.id}"


class Handler:
    """Base class with every method a no-op; override the ones you need.

    ``info`` in ``on_connect`` has ``id``, ``conn``, ``sid``, ``endpoint``,
    ``protocol`` ("legacy", "eio3", "eio4"), ``transport``, ``remote_addr``,
    ``query``, ``headers`` (lists of pairs), ``auth`` (parsed, or None) and
    ``recovered`` (True when it is a connection coming back through
    connection state recovery, not a new one).
    ``ack`` in ``on_event`` is a function taking the reply's arguments, or None
    when the client asked for none; ``reply`` in ``on_ack`` is the client's
    arguments, or None when the timeout passed.
    """

    def on_connect(self, info):
        pass

    def on_message(self, conn, text):
        pass

    def on_event(self, conn, event, args, ack):
        pass

    def on_ack(self, conn, token, reply):
        pass

    def on_disconnect(self, conn, reason):
        pass

    def on_restore(self):
        pass

    def snapshot(self):
        return vars(self)

    def restore(self, value):
        vars(self).update(value)


class ConnInfo:
    """What the host knows about a connecting client (see ``Handler``)."""

    def __init__(self, info, recovered=False):
        self.id = info.id
        self.conn = Conn(info.id)
        self.sid = info.sid
        self.endpoint = info.endpoint
        self.protocol = info.protocol.name.lower()
        self.transport = info.transport
        self.remote_addr = info.remote_addr
        self.query = info.query
        self.headers = info.headers
        try:
            self.auth = None if info.auth is None else json.loads(info.auth)
        except ValueError:
            self.auth = None
        self.recovered = recovered


def _guarded(what, f, *args):
    try:
        f(*args)
    except Exception:
        log.error(f"{what} failed: {traceback.format_exc()}")


def serve(handler):
    """The world's exports for ``handler``: ``WitWorld, State = sio.serve(handler)``.

    componentize-py makes a new ``WitWorld`` / ``State`` object per call, so
    the handler lives here, in the closure.
    """

    class WitWorld:
        def on_connect(self, info):
            # Asked here, always, so every handler imports ``recovered`` and
            # the host gives it the second on_connect of a recovery (as the
            # Rust SDK).
            recovered = _conn_state.recovered(info.id)
            try:
                handler.on_connect(ConnInfo(info, recovered))
            except Refuse as e:
                raise Err(str(e)) from None
            except Exception:
                log.error(f"on_connect failed: {traceback.format_exc()}")
                raise Err("handler error") from None

        def on_message(self, conn, text):
            _guarded("on_message", handler.on_message, Conn(conn), text)

        def on_event(self, conn, event, args_json, attachments, ack_id):
            ack = None
            if ack_id is not None:

                def ack(*reply):
                    # Nobody could act on a refused ack (the client left): it is logged.
                    json_text, bins = encode(reply)
                    try:
                        _host.ack(conn, ack_id, json_text, bins)
                    except Err as e:
                        log.warn(f"ack of {event} refused: {_code(e)}")

            _guarded(f"on_event {event}", lambda: handler.on_event(Conn(conn), event, decode(args_json, attachments), ack))

        def on_ack(self, conn, token, args_json, attachments):
            reply = None if args_json is None else decode(args_json, attachments)
            _guarded("on_ack", handler.on_ack, Conn(conn), token, reply)

        def on_disconnect(self, conn, reason):
            _guarded("on_disconnect", handler.on_disconnect, Conn(conn), reason)

    class State:
        def snapshot(self):
            try:
                return json.dumps(handler.snapshot(), separators=(",", ":")).encode()
            except Exception as e:
                raise Err(f"serializing the handler's state: {e}") from None

        def restore(self, state):
            try:
                handler.restore(json.loads(state))
            except Exception as e:
                raise Err(f"the previous version's state does not fit: {e!r}") from None
            _guarded("on_restore", handler.on_restore)

    return WitWorld, State

"""The chat endpoint in Python: examples/chat (Rust) event for event, the same
page (examples/chat/static) and the same state on a hot reload.
Build: ``python3 guest-sdk-py/build.py examples/chat-py/chat.py -o chat_py.wasm``.

Nicknames are unique across every node of a cluster and outlive a restart
with a file store: each is claimed in the endpoint's key-value store
(``sio.kv``, key ``nick:<name>``) for its owner, the CONNECT auth's ``id``
(the page keeps one per browser) or else the Socket.IO id, and given back when
its connection leaves or renames. An owner whose name is still in the store (a
server restart runs no ``on_disconnect``) gets it back; anyone else is told it
is taken. The host also keeps the name as the connection's data.

A connection coming back through connection state recovery (``--recovery``,
``info.recovered``) changes nothing: no ``joined``, no ``left``, its nickname
and owner kept, its CONNECT auth not read again (examples/chat/src/lib.rs).
"""

import sio

MAX_NICK_CHARS = 32
PING_TIMEOUT_MS = 5000
# The longest owner id a client may choose, in UTF-8 bytes.
MAX_OWNER_ID = 64


def nick_key(nick):
    """The store key of a nickname: taken once for every node of a cluster."""
    return f"nick:{nick}"


def chosen_id(auth):
    """The CONNECT auth's ``id`` when it is a string of 1 to 64 UTF-8 bytes."""
    id = auth.get("id")
    if not isinstance(id, str):
        return None
    try:
        size = len(id.encode())
    except UnicodeEncodeError:  # a lone surrogate: no UTF-8 (and no valid id)
        return None
    return id if 0 < size <= MAX_OWNER_ID else None


def answer(ack, error=None):
    """Answers ``ack`` (when the client asked for one) with {ok: true} or {ok: false, error}."""
    if ack:
        ack({"ok": False, "error": error} if error else {"ok": True})


def try_answer(ack, f):
    """Runs a host call for ``ack``: ok, or the host's refusal as the error."""
    try:
        f()
    except sio.HostError as e:
        return answer(ack, e.code)
    answer(ack)


class Chat(sio.Handler):
    def __init__(self):
        # Handed over on a hot reload (as JSON, the Rust chat's format too).
        self.nicks = {}  # conn id → nickname
        self.pings = {}  # emit-with-ack token → conn id
        # conn id → who owns its nicknames in the store: "id:" + the CONNECT
        # auth's ``id`` (the page keeps one per browser), else the Socket.IO id.
        self.owners = {}

    def restore(self, state):
        self.nicks = {int(k): v for k, v in state.get("nicks", {}).items()}
        self.pings = {int(k): int(v) for k, v in state.get("pings", {}).items()}
        self.owners = {int(k): v for k, v in state.get("owners", {}).items()}

    def valid_nick(self, conn, name):
        """The stripped name, claimed in the store for ``conn``'s owner, or
        raises ValueError saying why it is refused."""
        name = name.strip()
        if not name:
            raise ValueError("nickname must not be empty")
        if len(name) > MAX_NICK_CHARS:
            raise ValueError("nickname must be at most 32 characters")
        if any(other != conn.id and nick == name for other, nick in self.nicks.items()):
            raise ValueError("nickname is taken")
        self.claim(conn, name)
        return name

    def owner(self, conn):
        return self.owners.get(conn.id, "")

    def claim(self, conn, name):
        """Takes ``name`` in the store for ``conn``'s owner, the one table every
        node shares: free, or already this owner's (a user back after a
        restart). Raises ValueError saying why not."""
        owner = self.owner(conn)
        key = nick_key(name)
        unavailable = "the nickname table is unavailable; try again"
        try:
            claimed = sio.kv.compare_and_swap(key, None, owner)
        except sio.KvError as e:
            if e.code == "unavailable":
                raise ValueError(unavailable) from None
            raise ValueError("nickname refused by the store") from None
        if claimed:
            return
        try:
            holder = sio.kv.get(key)
        except sio.KvError:
            raise ValueError(unavailable) from None
        if holder != owner:
            raise ValueError("nickname is taken")

    def release(self, conn, name):
        """Gives ``name`` back to the store, if it is still ``conn``'s owner's."""
        try:
            sio.kv.compare_and_swap(nick_key(name), self.owner(conn), None)
        except sio.KvError as e:
            sio.log.warn(f"chat: releasing nickname {name}: {e.code}")

    def name(self, conn, nick):
        """``conn`` is called ``nick`` from now on (its old name, if another,
        goes back to the store). The host keeps it too, as the connection's
        data: other nodes' fetchSockets() see {"nickname": nick}."""
        old = self.nicks.get(conn.id)
        self.nicks[conn.id] = nick
        if old is not None and old != nick:
            self.release(conn, old)
        try:
            conn.set_data({"nickname": nick})
        except sio.HostError as e:
            sio.log.warn(f"chat: set-data failed: {e.code}")

    def on_connect(self, info):
        if info.recovered:
            # The same user, back from a short drop: its state is as it was.
            sio.log.info(f"chat: {info.id} recovered")
            return
        auth = info.auth if isinstance(info.auth, dict) else None
        chosen = None if auth is None else chosen_id(auth)
        owner = info.sid if chosen is None else f"id:{chosen}"
        if auth is None:
            self.owners[info.id] = owner
            return
        if auth.get("token") == "bad":
            raise sio.Refuse("not authorized")
        self.owners[info.id] = owner
        if isinstance(auth.get("nick"), str):
            try:
                self.name(info.conn, self.valid_nick(info.conn, auth["nick"]))
            except ValueError as error:
                sio.log.info(f"chat: {info.id}: preset nick refused: {error}")

    def on_message(self, conn, text):
        sio.emit(sio.ALL, "said", {"nick": self.nicks.get(conn.id, "anonymous"), "text": text})

    def on_event(self, conn, event, args, ack):
        first, second = (args + [None, None])[:2]
        nick = self.nicks.get(conn.id)
        if event == "nick":
            if not isinstance(first, str):
                return answer(ack, "nickname must be a string")
            try:
                name = self.valid_nick(conn, first)
            except ValueError as error:
                return answer(ack, str(error))
            self.name(conn, name)
            answer(ack)
            sio.emit(sio.ALL, "joined", {"nick": name})
        elif event == "say":
            if nick is None:
                return answer(ack, "pick a nickname first")
            if not isinstance(first, str):
                return answer(ack, "text must be a string")
            if second is not None and not isinstance(second, str):
                return answer(ack, "room must be a string")
            to = sio.ALL if second is None else sio.room(second)
            try_answer(ack, lambda: sio.emit(to, "said", {"nick": nick, "text": first}))
        elif event in ("join", "leave"):
            if not isinstance(first, str):
                return answer(ack, "room must be a string")
            try_answer(ack, lambda: getattr(conn, event)(first))
        elif event == "file":
            if not isinstance(first, str):
                return answer(ack, "file name must be a string")
            if not isinstance(second, bytes):
                return answer(ack, "file data must be binary")
            info = {"nick": nick or "anonymous", "name": first}
            try_answer(ack, lambda: sio.emit(conn.others(), "file", info, second))
        elif event == "ping-me":
            def ping():
                self.pings[conn.emit_with_ack("ping", (), PING_TIMEOUT_MS)] = conn.id
            try_answer(ack, ping)
        else:
            answer(ack, "unknown event")

    def on_ack(self, conn, token, reply):
        pinged = self.pings.pop(token, None)
        if pinged is None:
            return
        if reply is None:
            return sio.log.debug(f"chat: {conn} did not answer ping {token}")
        sio.emit(sio.to(pinged), "pong-received", *reply)

    def on_disconnect(self, conn, reason):
        self.pings = {t: c for t, c in self.pings.items() if c != conn.id}
        nick = self.nicks.pop(conn.id, None)
        if nick is not None:
            self.release(conn, nick)
        self.owners.pop(conn.id, None)
        if nick is not None:
            sio.emit(sio.ALL, "left", {"nick": nick})


WitWorld, State = sio.serve(Chat())

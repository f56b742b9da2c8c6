/* The chat endpoint in C: examples/chat (Rust) event for event (the table at
 * the top of examples/chat/src/lib.rs), the same page (examples/chat/static)
 * and the same state on a hot reload (JSON: {"nicks": {"<conn id>": nick},
 * "pings": {"<token>": conn id}, "owners": {"<conn id>": owner}}).
 * Build: `make` here, or `cargo xtask build-wasm` (chat_c.wasm); the SDK is
 * guest-sdk-c/.
 *
 * Nicknames are unique across every node of a cluster and outlive a restart
 * with a file store: each is claimed in the endpoint's key-value store (key
 * `nick:<name>`) for its owner, the CONNECT auth's `id` (the page keeps one
 * per browser) or else the Socket.IO id, and given back when its connection
 * leaves or renames. An owner whose name is still in the store (a server
 * restart runs no on-disconnect) gets it back; anyone else is told it is
 * taken. The host also keeps the name as the connection's data.
 *
 * A connection coming back through connection state recovery (`--recovery`,
 * `info->recovered`) changes nothing: no `joined`, no `left`, its nickname
 * and owner kept, its CONNECT auth not read again. */

#include <stdlib.h>
#include <string.h>

#include "sio.h"

#define MAX_NICK_CHARS 32
#define PING_TIMEOUT_MS 5000
/* The longest owner id a client may choose, in UTF-8 bytes. */
#define MAX_OWNER_ID 64

typedef unsigned long long ull;

/* ------------------------------------------------------------ state */

/* One connection the chat knows: its nickname and who owns its nicknames in
 * the store ("id:" + the CONNECT auth's `id`, else the Socket.IO id); either
 * may be NULL. */
typedef struct {
  sio_conn_id id;
  char *nick;
  char *owner;
} user;

/* An `emit-with-ack` token and the connection pinged. */
typedef struct {
  uint64_t token;
  sio_conn_id conn;
} ping;

typedef struct {
  user *users;
  size_t users_len, users_cap;
  ping *pings;
  size_t pings_len, pings_cap;
} chat_state;

static chat_state chat;

static void *xrealloc(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (!p) __builtin_trap();
  return p;
}

static char *xstrndup(const char *s, size_t n) {
  char *d = xrealloc(NULL, n + 1);
  memcpy(d, s, n);
  d[n] = 0;
  return d;
}

static user *find_user(chat_state *c, sio_conn_id id) {
  for (size_t i = 0; i < c->users_len; i++)
    if (c->users[i].id == id) return &c->users[i];
  return NULL;
}

static user *user_for(chat_state *c, sio_conn_id id) {
  user *u = find_user(c, id);
  if (u) return u;
  if (c->users_len == c->users_cap) {
    c->users_cap = c->users_cap ? c->users_cap * 2 : 8;
    c->users = xrealloc(c->users, c->users_cap * sizeof *c->users);
  }
  u = &c->users[c->users_len++];
  *u = (user){id, NULL, NULL};
  return u;
}

static void add_ping(chat_state *c, uint64_t token, sio_conn_id conn) {
  for (size_t i = 0; i < c->pings_len; i++)
    if (c->pings[i].token == token) {
      c->pings[i].conn = conn;
      return;
    }
  if (c->pings_len == c->pings_cap) {
    c->pings_cap = c->pings_cap ? c->pings_cap * 2 : 8;
    c->pings = xrealloc(c->pings, c->pings_cap * sizeof *c->pings);
  }
  c->pings[c->pings_len++] = (ping){token, conn};
}

static void free_state(chat_state *c) {
  for (size_t i = 0; i < c->users_len; i++) {
    free(c->users[i].nick);
    free(c->users[i].owner);
  }
  free(c->users);
  free(c->pings);
  *c = (chat_state){0};
}

static const char *nick_of(sio_conn_id conn) {
  user *u = find_user(&chat, conn);
  return u ? u->nick : NULL;
}

static const char *owner_of(sio_conn_id conn) {
  user *u = find_user(&chat, conn);
  return u && u->owner ? u->owner : "";
}

static void set_owner(sio_conn_id conn, const char *owner) {
  user *u = user_for(&chat, conn);
  free(u->owner);
  u->owner = xstrndup(owner, strlen(owner));
}

/* ------------------------------------------------------------ text */

/* The code point at `s` (valid UTF-8, as every string from the host is) and
 * its length in bytes. */
static unsigned decode(const unsigned char *s, size_t *n) {
  if (s[0] < 0x80) return *n = 1, s[0];
  if (s[0] < 0xE0) return *n = 2, ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
  if (s[0] < 0xF0) return *n = 3, ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
  return *n = 4, ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
}

/* Unicode White_Space, what Rust's str::trim strips. */
static int is_space(unsigned cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

/* `s` without leading and trailing white space: its start, `*len` bytes. */
static const char *trim(const char *s, size_t *len) {
  const unsigned char *p = (const unsigned char *)s, *end = p + *len;
  size_t n;
  while (p < end && is_space(decode(p, &n))) p += n;
  while (end > p) {
    const unsigned char *last = end - 1;
    while (last > p && (*last & 0xC0) == 0x80) last--;
    if (!is_space(decode(last, &n))) break;
    end = last;
  }
  *len = (size_t)(end - p);
  return (const char *)p;
}

static size_t chars(const char *s, size_t len) {
  size_t count = 0;
  for (size_t i = 0; i < len; i++) count += ((unsigned char)s[i] & 0xC0) != 0x80;
  return count;
}

/* ------------------------------------------------------------ replies */

static void checked(sio_error e, const char *what) {
  if (e) sio_log(SIO_WARN, "chat: %s failed: %s", what, sio_error_name(e));
}

/* Answers `ack` (when the client asked for one) with [{"ok":true}] or
 * [{"ok":false,"error":..}]. */
static void answer(const sio_ack *ack, const char *error) {
  if (!ack) return;
  if (!error) return checked(sio_ack_reply(ack, "[{\"ok\":true}]"), "ack");
  sio_buf b = SIO_BUF_INIT;
  sio_buf_cstr(&b, "[{\"ok\":false,\"error\":");
  sio_buf_json_cstr(&b, error);
  sio_buf_cstr(&b, "}]");
  checked(sio_ack_reply(ack, sio_buf_str(&b)), "ack");
  sio_buf_free(&b);
}

/* Answers `ack` with the outcome of a host call. */
static void answer_call(const sio_ack *ack, sio_error e) {
  answer(ack, e ? sio_error_name(e) : NULL);
}

/* Emits `event` [{"nick": nick}] to everyone. */
static void broadcast_who(const char *event, const char *nick) {
  sio_buf b = SIO_BUF_INIT;
  sio_buf_cstr(&b, "[{\"nick\":");
  sio_buf_json_cstr(&b, nick);
  sio_buf_cstr(&b, "}]");
  checked(sio_emit(sio_all(), event, sio_buf_str(&b)), event);
  sio_buf_free(&b);
}

/* [{"nick": nick, "text": text}] */
static void said_json(sio_buf *b, const char *nick, const char *text, size_t text_len) {
  sio_buf_cstr(b, "[{\"nick\":");
  sio_buf_json_cstr(b, nick);
  sio_buf_cstr(b, ",\"text\":");
  sio_buf_json_string(b, text, text_len);
  sio_buf_cstr(b, "}]");
}

/* ------------------------------------------------------------ nicknames */

static const char *const UNAVAILABLE = "the nickname table is unavailable; try again";

/* The store key of a nickname: taken once for every node of a cluster. */
static char *nick_key(const char *nick) {
  size_t n = strlen(nick);
  char *key = xrealloc(NULL, n + 6);
  memcpy(key, "nick:", 5);
  memcpy(key + 5, nick, n + 1);
  return key;
}

/* Takes `name` in the store for `conn`'s owner, the one table every node
 * shares: free, or already this owner's (a user back after a restart).
 * NULL, or why not. */
static const char *claim(sio_conn_id conn, const char *name) {
  const char *owner = owner_of(conn);
  char *key = nick_key(name);
  const char *error = NULL;
  bool swapped;
  sio_kv_error e = sio_kv_compare_and_swap(key, NULL, owner, &swapped);
  if (e == SIO_KV_UNAVAILABLE) {
    error = UNAVAILABLE;
  } else if (e) {
    error = "nickname refused by the store";
  } else if (!swapped) {
    char *holder;
    if (sio_kv_get(key, &holder)) error = UNAVAILABLE;
    else if (!holder || strcmp(holder, owner) != 0) error = "nickname is taken";
    free(holder);
  }
  free(key);
  return error;
}

/* Gives `name` back to the store, if it is still `conn`'s owner's. */
static void release(sio_conn_id conn, const char *name) {
  char *key = nick_key(name);
  sio_kv_error e = sio_kv_compare_and_swap(key, owner_of(conn), NULL, NULL);
  if (e) sio_log(SIO_WARN, "chat: releasing nickname %s: %s", name, sio_kv_error_name(e));
  free(key);
}

/* Validates `name` for `conn`: the trimmed name in `*out` (free it),
 * claimed in the store; or NULL with why it is refused. */
static const char *valid_nick(sio_conn_id conn, const char *name, size_t len, char **out) {
  *out = NULL;
  name = trim(name, &len);
  size_t n = chars(name, len);
  if (n == 0) return "nickname must not be empty";
  if (n > MAX_NICK_CHARS) return "nickname must be at most 32 characters";
  for (size_t i = 0; i < chat.users_len; i++) {
    const user *u = &chat.users[i];
    if (u->id != conn && u->nick && strlen(u->nick) == len && memcmp(u->nick, name, len) == 0)
      return "nickname is taken";
  }
  char *trimmed = xstrndup(name, len);
  const char *error = claim(conn, trimmed);
  if (error) free(trimmed);
  else *out = trimmed;
  return error;
}

/* `conn` is called `nick` from now on (it takes the string); its old name,
 * if another, goes back to the store. The host keeps it too, as the
 * connection's data: other nodes' fetchSockets() see {"nickname": nick}. */
static void name(sio_conn_id conn, char *nick) {
  user *u = user_for(&chat, conn);
  char *old = u->nick;
  u->nick = nick;
  if (old && strcmp(old, nick) != 0) release(conn, old);
  free(old);
  sio_buf b = SIO_BUF_INIT;
  sio_buf_cstr(&b, "{\"nickname\":");
  sio_buf_json_cstr(&b, nick);
  sio_buf_cstr(&b, "}");
  checked(sio_set_data(conn, sio_buf_str(&b)), "set-data");
  sio_buf_free(&b);
}

/* ------------------------------------------------------------ the handler */

const char *sio_on_connect(const sio_conn_info *info) {
  if (info->recovered) {
    /* The same user, back from a short drop: its state is as it was. */
    sio_log(SIO_INFO, "chat: %llu recovered", (ull)info->id);
    return NULL;
  }
  sio_json *parsed = info->auth ? sio_json_parse(info->auth, strlen(info->auth)) : NULL;
  const sio_json *auth = parsed && parsed->type == SIO_JSON_OBJECT ? parsed : NULL;
  const char *id = sio_json_string(sio_json_get(auth, "id"));
  const char *token = sio_json_string(sio_json_get(auth, "token"));
  const char *refused = NULL;
  if (token && strcmp(token, "bad") == 0) {
    refused = "not authorized";
  } else {
    sio_buf owner = SIO_BUF_INIT;
    if (id && id[0] && strlen(id) <= MAX_OWNER_ID) {
      sio_buf_cstr(&owner, "id:");
      sio_buf_cstr(&owner, id);
    } else {
      sio_buf_cstr(&owner, info->sid);
    }
    set_owner(info->id, sio_buf_str(&owner));
    sio_buf_free(&owner);
    const sio_json *nick = sio_json_get(auth, "nick");
    if (nick && nick->type == SIO_JSON_STRING) {
      char *valid;
      const char *error = valid_nick(info->id, nick->string, nick->string_len, &valid);
      if (error) sio_log(SIO_INFO, "chat: %llu: preset nick refused: %s", (ull)info->id, error);
      else name(info->id, valid);
    }
  }
  sio_json_free(parsed);
  return refused;
}

void sio_on_message(sio_conn_id conn, const char *text, size_t len) {
  const char *nick = nick_of(conn);
  sio_buf b = SIO_BUF_INIT;
  said_json(&b, nick ? nick : "anonymous", text, len);
  checked(sio_emit(sio_all(), "said", sio_buf_str(&b)), "said");
  sio_buf_free(&b);
}

static void set_nick(sio_conn_id conn, const sio_args *args, const sio_ack *ack) {
  const sio_json *first = sio_args_at(args, 0);
  if (!first || first->type != SIO_JSON_STRING) return answer(ack, "nickname must be a string");
  char *valid;
  const char *error = valid_nick(conn, first->string, first->string_len, &valid);
  if (error) return answer(ack, error);
  name(conn, valid); /* `valid` is the chat's now */
  answer(ack, NULL);
  broadcast_who("joined", valid);
}

static void say(sio_conn_id conn, const sio_args *args, const sio_ack *ack) {
  const char *nick = nick_of(conn);
  if (!nick) return answer(ack, "pick a nickname first");
  const sio_json *text = sio_args_at(args, 0);
  if (!text || text->type != SIO_JSON_STRING) return answer(ack, "text must be a string");
  const sio_json *room = sio_args_at(args, 1);
  sio_target to = sio_all();
  if (room && room->type == SIO_JSON_STRING) to = sio_room(room->string);
  else if (room && room->type != SIO_JSON_NULL) return answer(ack, "room must be a string");
  sio_buf b = SIO_BUF_INIT;
  said_json(&b, nick, text->string, text->string_len);
  answer_call(ack, sio_emit(to, "said", sio_buf_str(&b)));
  sio_buf_free(&b);
}

static void room(sio_conn_id conn, const sio_args *args, const sio_ack *ack, bool join) {
  const char *name = sio_args_string(args, 0);
  if (!name) return answer(ack, "room must be a string");
  answer_call(ack, join ? sio_join(conn, name) : sio_leave(conn, name));
}

static void file(sio_conn_id conn, const sio_args *args, const sio_ack *ack) {
  const char *file_name = sio_args_string(args, 0);
  if (!file_name) return answer(ack, "file name must be a string");
  /* The second argument must be a binary (a placeholder whose bytes
   * arrived); it is passed on as it is, with the same attachments. */
  if (!sio_args_binary(args, 1)) return answer(ack, "file data must be binary");
  const sio_json *placeholder = sio_args_at(args, 1);
  const char *nick = nick_of(conn);
  sio_buf b = SIO_BUF_INIT;
  sio_buf_cstr(&b, "[{\"nick\":");
  sio_buf_json_cstr(&b, nick ? nick : "anonymous");
  sio_buf_cstr(&b, ",\"name\":");
  sio_buf_json_cstr(&b, file_name);
  sio_buf_cstr(&b, "},");
  sio_buf_raw(&b, placeholder->raw, placeholder->raw_len);
  sio_buf_cstr(&b, "]");
  answer_call(ack, sio_emit_binary(sio_all_except(conn), "file", sio_buf_str(&b), args->attachments,
                                   args->attachments_len));
  sio_buf_free(&b);
}

static void ping_me(sio_conn_id conn, const sio_ack *ack) {
  uint64_t token;
  sio_error e = sio_emit_with_ack(conn, "ping", "[]", PING_TIMEOUT_MS, &token);
  if (!e) add_ping(&chat, token, conn);
  answer_call(ack, e);
}

void sio_on_event(sio_conn_id conn, const char *event, const sio_args *args, const sio_ack *ack) {
  if (strcmp(event, "nick") == 0) set_nick(conn, args, ack);
  else if (strcmp(event, "say") == 0) say(conn, args, ack);
  else if (strcmp(event, "join") == 0) room(conn, args, ack, true);
  else if (strcmp(event, "leave") == 0) room(conn, args, ack, false);
  else if (strcmp(event, "file") == 0) file(conn, args, ack);
  else if (strcmp(event, "ping-me") == 0) ping_me(conn, ack);
  else answer(ack, "unknown event");
}

void sio_on_ack(sio_conn_id conn, uint64_t token, const sio_args *reply) {
  sio_conn_id pinged = 0;
  size_t i = 0;
  while (i < chat.pings_len && chat.pings[i].token != token) i++;
  if (i == chat.pings_len) return;
  pinged = chat.pings[i].conn;
  chat.pings[i] = chat.pings[--chat.pings_len];
  if (!reply) {
    sio_log(SIO_DEBUG, "chat: %llu did not answer ping %llu", (ull)conn, (ull)token);
    return;
  }
  checked(sio_emit_binary(sio_to(pinged), "pong-received", reply->json, reply->attachments,
                          reply->attachments_len),
          "pong-received");
}

void sio_on_disconnect(sio_conn_id conn, const char *reason) {
  (void)reason;
  for (size_t i = 0; i < chat.pings_len;)
    if (chat.pings[i].conn == conn) chat.pings[i] = chat.pings[--chat.pings_len];
    else i++;
  user *u = find_user(&chat, conn);
  if (!u) return;
  char *nick = u->nick;
  if (nick) {
    release(conn, nick);
    broadcast_who("left", nick);
    free(nick);
  }
  free(u->owner);
  *u = chat.users[--chat.users_len];
}

/* ------------------------------------------------------------ hot reload */

const char *sio_snapshot(sio_buf *out) {
  sio_buf_cstr(out, "{\"nicks\":{");
  int first = 1;
  for (size_t i = 0; i < chat.users_len; i++) {
    if (!chat.users[i].nick) continue;
    sio_buf_printf(out, "%s\"%llu\":", first ? "" : ",", (ull)chat.users[i].id);
    sio_buf_json_cstr(out, chat.users[i].nick);
    first = 0;
  }
  sio_buf_cstr(out, "},\"pings\":{");
  for (size_t i = 0; i < chat.pings_len; i++)
    sio_buf_printf(out, "%s\"%llu\":%llu", i ? "," : "", (ull)chat.pings[i].token, (ull)chat.pings[i].conn);
  sio_buf_cstr(out, "},\"owners\":{");
  first = 1;
  for (size_t i = 0; i < chat.users_len; i++) {
    if (!chat.users[i].owner) continue;
    sio_buf_printf(out, "%s\"%llu\":", first ? "" : ",", (ull)chat.users[i].id);
    sio_buf_json_cstr(out, chat.users[i].owner);
    first = 0;
  }
  sio_buf_cstr(out, "}}");
  return NULL;
}

/* An object member's key as a connection id or token. */
static bool key_u64(const sio_json *member, uint64_t *out) {
  sio_json number = {.type = SIO_JSON_NUMBER, .raw = member->key, .raw_len = member->key_len};
  return member->key_len > 0 && sio_json_u64(&number, out);
}

/* The `nicks` or `owners` map into `c` (owners when `owners`). */
static bool restore_names(chat_state *c, const sio_json *map, bool owners) {
  if (!map) return true; /* absent: empty (an older build's state) */
  if (map->type != SIO_JSON_OBJECT) return false;
  for (size_t i = 0; i < map->len; i++) {
    const sio_json *m = &map->items[i];
    uint64_t id;
    if (!key_u64(m, &id) || m->type != SIO_JSON_STRING) return false;
    user *u = user_for(c, id);
    char **slot = owners ? &u->owner : &u->nick;
    free(*slot);
    *slot = xstrndup(m->string, m->string_len);
  }
  return true;
}

const char *sio_restore(const uint8_t *state, size_t len) {
  static const char *const UNFIT = "the previous version's state does not fit the chat";
  sio_json *root = sio_json_parse((const char *)state, len);
  if (!root || root->type != SIO_JSON_OBJECT) {
    sio_json_free(root);
    return UNFIT;
  }
  chat_state next = {0};
  bool ok = restore_names(&next, sio_json_get(root, "nicks"), false) &&
            restore_names(&next, sio_json_get(root, "owners"), true);
  const sio_json *pings = sio_json_get(root, "pings");
  if (ok && pings && pings->type != SIO_JSON_OBJECT) ok = false;
  for (size_t i = 0; ok && pings && i < pings->len; i++) {
    uint64_t token, conn;
    ok = key_u64(&pings->items[i], &token) && sio_json_u64(&pings->items[i], &conn);
    if (ok) add_ping(&next, token, conn);
  }
  sio_json_free(root);
  if (!ok) {
    free_state(&next);
    return UNFIT;
  }
  free_state(&chat);
  chat = next;
  return NULL;
}

/* A native test of the C SDK and the C chat (examples/chat-c) under
 * AddressSanitizer and LeakSanitizer: a mock host stands in for the
 * `wit-bindgen c` imports (gen/stateful_endpoint.c is left out) and hands
 * over memory the way the canonical ABI does (host strings malloc'd to their
 * exact length, no NUL; an empty one is the non-pointer 1, as cabi_realloc
 * answers a size-0 allocation), the driver calls the exports as the host
 * would and frees their results as the cabi_post_* functions do. Any leak
 * per call, double free, or read past a host string fails it.
 *
 *   clang -fsanitize=address,undefined -g -Iguest-sdk-c -Iguest-sdk-c/gen \
 *     guest-sdk-c/test/native.c guest-sdk-c/sio.c guest-sdk-c/sio_json.c \
 *     examples/chat-c/chat.c -o native && ./native
 *
 * (`cargo test -p xtask` runs it when clang is there.) */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sio.h"
#include "stateful_endpoint.h"

typedef stateful_endpoint_string_t wstr;

static int failures;
#define CHECK(cond, ...)                                        \
  do {                                                          \
    if (!(cond)) {                                              \
      failures++;                                               \
      fprintf(stderr, "%s:%d: FAILED: ", __FILE__, __LINE__);   \
      fprintf(stderr, __VA_ARGS__);                             \
      fputc('\n', stderr);                                      \
    }                                                           \
  } while (0)

/* ------------------------------------------------------------ host memory */

/* A host string as the canonical ABI lowers it into the guest. */
static wstr host_string(const char *s) {
  size_t n = strlen(s);
  if (n == 0) return (wstr){(uint8_t *)1, 0};
  uint8_t *p = malloc(n);
  memcpy(p, s, n);
  return (wstr){p, n};
}

static char *cstr(const wstr *s) {
  char *out = malloc(s->len + 1);
  memcpy(out, s->ptr, s->len);
  out[s->len] = 0;
  return out;
}

/* The generated helpers the SDK uses, as wit-bindgen writes them. */
void stateful_endpoint_string_free(wstr *s) {
  if (s->len > 0) free(s->ptr);
  s->ptr = NULL;
  s->len = 0;
}
void stateful_endpoint_string_dup(wstr *ret, const char *s) {
  ret->len = strlen(s);
  ret->ptr = ret->len ? malloc(ret->len) : (uint8_t *)1;
  if (ret->len) memcpy(ret->ptr, s, ret->len);
}
void stateful_endpoint_list_u8_free(stateful_endpoint_list_u8_t *l) {
  if (l->len > 0) free(l->ptr);
}
void stateful_endpoint_list_list_u8_free(stateful_endpoint_list_list_u8_t *l) {
  if (l->len > 0) {
    for (size_t i = 0; i < l->len; i++) stateful_endpoint_list_u8_free(&l->ptr[i]);
    free(l->ptr);
  }
}
static void pairs_free(stateful_endpoint_list_tuple2_string_string_t *l) {
  if (l->len > 0) {
    for (size_t i = 0; i < l->len; i++) {
      stateful_endpoint_string_free(&l->ptr[i].f0);
      stateful_endpoint_string_free(&l->ptr[i].f1);
    }
    free(l->ptr);
  }
}
void stateful_endpoint_conn_info_free(stateful_endpoint_conn_info_t *i) {
  stateful_endpoint_string_free(&i->sid);
  stateful_endpoint_string_free(&i->endpoint);
  stateful_endpoint_string_free(&i->transport);
  stateful_endpoint_string_free(&i->remote_addr);
  pairs_free(&i->query);
  pairs_free(&i->headers);
  if (i->auth.is_some) stateful_endpoint_string_free(&i->auth.val);
}

/* ------------------------------------------------------------ the mock host */

/* What the handler did, one line per call, e.g. `emit all joined [{"nick":"bob"}]`. */
static char said[64][512];
static int said_len;

static void record(const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  if (said_len < 64) vsnprintf(said[said_len++], sizeof said[0], format, ap);
  va_end(ap);
}

static void forget(void) { said_len = 0; }

static int heard(const char *line) {
  for (int i = 0; i < said_len; i++)
    if (strcmp(said[i], line) == 0) return 1;
  return 0;
}

static void dump(void) {
  for (int i = 0; i < said_len; i++) fprintf(stderr, "  said: %s\n", said[i]);
}

static const char *target_text(const sio_realtime_host_target_t *t, char *buf, size_t n) {
  switch (t->tag) {
    case SIO_REALTIME_TYPES_TARGET_CONN: snprintf(buf, n, "to:%llu", (unsigned long long)t->val.conn); break;
    case SIO_REALTIME_TYPES_TARGET_ROOM: snprintf(buf, n, "room:%.*s", (int)t->val.room.len, t->val.room.ptr); break;
    case SIO_REALTIME_TYPES_TARGET_ROOM_EXCEPT:
      snprintf(buf, n, "room:%.*s-%llu", (int)t->val.room_except.f0.len, t->val.room_except.f0.ptr,
               (unsigned long long)t->val.room_except.f1);
      break;
    case SIO_REALTIME_TYPES_TARGET_ALL: snprintf(buf, n, "all"); break;
    default: snprintf(buf, n, "all-%llu", (unsigned long long)t->val.all_except);
  }
  return buf;
}

bool sio_realtime_host_emit(sio_realtime_host_target_t *to, wstr *event, wstr *args_json,
                            stateful_endpoint_list_list_u8_t *attachments, sio_realtime_host_host_error_t *err) {
  char t[128];
  target_text(to, t, sizeof t);
  if (to->tag == SIO_REALTIME_TYPES_TARGET_ROOM && to->val.room.len == 0) {
    *err = SIO_REALTIME_TYPES_HOST_ERROR_INVALID_NAME;
    return false;
  }
  record("emit %s %.*s %.*s +%zu", t, (int)event->len, event->ptr, (int)args_json->len, args_json->ptr,
         attachments->len);
  return true;
}

static uint64_t next_token = 77;

bool sio_realtime_host_emit_with_ack(sio_realtime_host_conn_id_t to, wstr *event, wstr *args_json,
                                     stateful_endpoint_list_list_u8_t *attachments, uint32_t timeout_ms,
                                     uint64_t *ret, sio_realtime_host_host_error_t *err) {
  (void)attachments, (void)err;
  record("emit-with-ack %llu %.*s %.*s %u", (unsigned long long)to, (int)event->len, event->ptr,
         (int)args_json->len, args_json->ptr, timeout_ms);
  *ret = next_token++;
  return true;
}

bool sio_realtime_host_ack(sio_realtime_host_conn_id_t conn, uint64_t ack_id, wstr *args_json,
                           stateful_endpoint_list_list_u8_t *attachments, sio_realtime_host_host_error_t *err) {
  (void)attachments, (void)err;
  record("ack %llu/%llu %.*s", (unsigned long long)conn, (unsigned long long)ack_id, (int)args_json->len,
         args_json->ptr);
  return true;
}

bool sio_realtime_host_send(sio_realtime_host_target_t *to, wstr *text, sio_realtime_host_host_error_t *err) {
  (void)err;
  char t[128];
  record("send %s %.*s", target_text(to, t, sizeof t), (int)text->len, text->ptr);
  return true;
}

bool sio_realtime_host_join(sio_realtime_host_conn_id_t conn, wstr *room, sio_realtime_host_host_error_t *err) {
  if (room->len == 0) {
    *err = SIO_REALTIME_TYPES_HOST_ERROR_INVALID_NAME;
    return false;
  }
  record("join %llu %.*s", (unsigned long long)conn, (int)room->len, room->ptr);
  return true;
}

bool sio_realtime_host_leave(sio_realtime_host_conn_id_t conn, wstr *room, sio_realtime_host_host_error_t *err) {
  (void)err;
  record("leave %llu %.*s", (unsigned long long)conn, (int)room->len, room->ptr);
  return true;
}

bool sio_realtime_host_disconnect(sio_realtime_host_conn_id_t conn, sio_realtime_host_host_error_t *err) {
  *err = SIO_REALTIME_TYPES_HOST_ERROR_UNKNOWN_CONN;
  return conn == 1;
}

/* A list<string> as `a,b,c` (at most `n` bytes). */
static void strings_text(const stateful_endpoint_list_string_t *l, char *buf, size_t n) {
  size_t used = 0;
  buf[0] = 0;
  for (size_t i = 0; i < l->len && used < n; i++)
    used += (size_t)snprintf(buf + used, n - used, "%s%.*s", i ? "," : "", (int)l->ptr[i].len, l->ptr[i].ptr);
}

static void conns_text(const sio_realtime_broadcast_list_conn_id_t *l, char *buf, size_t n) {
  size_t used = 0;
  buf[0] = 0;
  for (size_t i = 0; i < l->len && used < n; i++)
    used += (size_t)snprintf(buf + used, n - used, "%s%llu", i ? "," : "", (unsigned long long)l->ptr[i]);
}

/* `broadcast /endpoint to:rooms conns:ids except:rooms except-conns:ids
 * flags:N event args +attachments` ("-" for no endpoint). */
bool sio_realtime_broadcast_emit(wstr *maybe_endpoint, sio_realtime_broadcast_selector_t *to,
                                 sio_realtime_broadcast_emit_flags_t options, wstr *event, wstr *args_json,
                                 stateful_endpoint_list_list_u8_t *attachments, sio_realtime_broadcast_host_error_t *err) {
  for (size_t i = 0; i < to->rooms.len; i++)
    if (to->rooms.ptr[i].len == 0) {
      *err = SIO_REALTIME_TYPES_HOST_ERROR_INVALID_NAME;
      return false;
    }
  if (maybe_endpoint && !(maybe_endpoint->len == 6 && memcmp(maybe_endpoint->ptr, "/other", 6) == 0)) {
    *err = SIO_REALTIME_TYPES_HOST_ERROR_INVALID_NAME;
    return false;
  }
  char rooms[128], conns[128], except[128], except_conns[128];
  strings_text(&to->rooms, rooms, sizeof rooms);
  conns_text(&to->conns, conns, sizeof conns);
  strings_text(&to->except_rooms, except, sizeof except);
  conns_text(&to->except_conns, except_conns, sizeof except_conns);
  record("broadcast %.*s to:%s conns:%s except:%s except-conns:%s flags:%d %.*s %.*s +%zu",
         maybe_endpoint ? (int)maybe_endpoint->len : 1, maybe_endpoint ? (const char *)maybe_endpoint->ptr : "-",
         rooms, conns, except, except_conns, options, (int)event->len, event->ptr, (int)args_json->len,
         args_json->ptr, attachments->len);
  return true;
}

bool sio_realtime_broadcast_server_emit(wstr *event, wstr *args_json, sio_realtime_broadcast_host_error_t *err) {
  if (event->len == 0) {
    *err = SIO_REALTIME_TYPES_HOST_ERROR_INVALID_NAME;
    return false;
  }
  record("server-emit %.*s %.*s", (int)event->len, event->ptr, (int)args_json->len, args_json->ptr);
  return true;
}

void sio_realtime_host_log(sio_realtime_host_log_level_t level, wstr *message) {
  record("log %d %.*s", level, (int)(message->len > 400 ? 400 : message->len), message->ptr);
}

void sio_realtime_config_values(stateful_endpoint_list_tuple2_string_string_t *ret) {
  ret->len = 2;
  ret->ptr = malloc(2 * sizeof *ret->ptr);
  ret->ptr[0].f0 = host_string("empty");
  ret->ptr[0].f1 = host_string("");
  ret->ptr[1].f0 = host_string("greeting");
  ret->ptr[1].f1 = host_string("hello");
}

bool sio_realtime_config_get(wstr *key, wstr *ret) {
  if (key->len == 8 && memcmp(key->ptr, "greeting", 8) == 0) {
    *ret = host_string("hello");
    return true;
  }
  return false;
}

void sio_realtime_stats_json(wstr *ret) { *ret = host_string("{\"sessions\":0}"); }

static char *data_of[8];

bool sio_realtime_conn_state_set_data(sio_realtime_conn_state_conn_id_t conn, wstr *data_json,
                                      sio_realtime_conn_state_host_error_t *err) {
  if (conn >= 8) {
    *err = SIO_REALTIME_TYPES_HOST_ERROR_UNKNOWN_CONN;
    return false;
  }
  free(data_of[conn]);
  data_of[conn] = cstr(data_json);
  record("set-data %llu %s", (unsigned long long)conn, data_of[conn]);
  return true;
}

bool sio_realtime_conn_state_data(sio_realtime_conn_state_conn_id_t conn, wstr *ret,
                                  sio_realtime_conn_state_host_error_t *err) {
  if (conn >= 8) {
    *err = SIO_REALTIME_TYPES_HOST_ERROR_UNKNOWN_CONN;
    return false;
  }
  *ret = host_string(data_of[conn] ? data_of[conn] : "null");
  return true;
}

bool sio_realtime_conn_state_rooms(sio_realtime_conn_state_conn_id_t conn, stateful_endpoint_list_string_t *ret,
                                   sio_realtime_conn_state_host_error_t *err) {
  (void)err;
  if (conn == 5) { /* no rooms: an empty list */
    *ret = (stateful_endpoint_list_string_t){(wstr *)4, 0};
    return true;
  }
  ret->len = 2;
  ret->ptr = malloc(2 * sizeof *ret->ptr);
  ret->ptr[0] = host_string("r1");
  ret->ptr[1] = host_string("sid-1");
  return true;
}

void sio_realtime_conn_state_room_conns(wstr *room, sio_realtime_conn_state_list_conn_id_t *ret) {
  if (room->len == 0) {
    *ret = (sio_realtime_conn_state_list_conn_id_t){(uint64_t *)8, 0};
    return;
  }
  ret->len = 2;
  ret->ptr = malloc(2 * sizeof *ret->ptr);
  ret->ptr[0] = 1;
  ret->ptr[1] = 2;
}

uint32_t sio_realtime_conn_state_room_size(wstr *room) { return (uint32_t)room->len; }

static sio_realtime_conn_state_conn_id_t recovering;

bool sio_realtime_conn_state_recovered(sio_realtime_conn_state_conn_id_t conn) { return conn == recovering; }

/* The store: a few keys. */
static struct {
  char *key, *value;
} store[16];
static int store_down;

static int slot(const wstr *key) {
  for (int i = 0; i < 16; i++)
    if (store[i].key && strlen(store[i].key) == key->len && memcmp(store[i].key, key->ptr, key->len) == 0)
      return i;
  return -1;
}

static void put(const wstr *key, const wstr *value) {
  int i = slot(key);
  if (i < 0) {
    for (i = 0; store[i].key; i++) {
    }
    store[i].key = cstr(key);
  }
  free(store[i].value);
  store[i].value = cstr(value);
}

static void drop(int i) {
  free(store[i].key);
  free(store[i].value);
  store[i].key = store[i].value = NULL;
}

static const char *value_at(const char *key) {
  wstr k = {(uint8_t *)key, strlen(key)};
  int i = slot(&k);
  return i < 0 ? NULL : store[i].value;
}

bool sio_realtime_kv_get(wstr *key, stateful_endpoint_option_string_t *ret, sio_realtime_kv_kv_error_t *err) {
  if (store_down) {
    *err = SIO_REALTIME_KV_KV_ERROR_UNAVAILABLE;
    return false;
  }
  int i = slot(key);
  ret->is_some = i >= 0;
  if (i >= 0) ret->val = host_string(store[i].value);
  return true;
}

bool sio_realtime_kv_set(wstr *key, wstr *value, sio_realtime_kv_kv_error_t *err) {
  if (key->len == 0) {
    *err = SIO_REALTIME_KV_KV_ERROR_INVALID_KEY;
    return false;
  }
  put(key, value);
  return true;
}

bool sio_realtime_kv_delete(wstr *key, bool *ret, sio_realtime_kv_kv_error_t *err) {
  (void)err;
  int i = slot(key);
  *ret = i >= 0;
  if (i >= 0) drop(i);
  return true;
}

bool sio_realtime_kv_increment(wstr *key, int64_t delta, int64_t *ret, sio_realtime_kv_kv_error_t *err) {
  int i = slot(key);
  char *end = NULL;
  long long v = i < 0 ? 0 : strtoll(store[i].value, &end, 10);
  if (i >= 0 && *end) {
    *err = SIO_REALTIME_KV_KV_ERROR_NOT_A_NUMBER;
    return false;
  }
  char text[32];
  snprintf(text, sizeof text, "%lld", v + delta);
  wstr value = {(uint8_t *)text, strlen(text)};
  put(key, &value);
  *ret = v + delta;
  return true;
}

bool sio_realtime_kv_compare_and_swap(wstr *key, wstr *expected, wstr *replacement, bool *ret,
                                      sio_realtime_kv_kv_error_t *err) {
  if (store_down) {
    *err = SIO_REALTIME_KV_KV_ERROR_UNAVAILABLE;
    return false;
  }
  int i = slot(key);
  bool match = expected ? i >= 0 && strlen(store[i].value) == expected->len &&
                              memcmp(store[i].value, expected->ptr, expected->len) == 0
                        : i < 0;
  *ret = match;
  if (!match) return true;
  if (replacement) put(key, replacement);
  else if (i >= 0) drop(i);
  return true;
}

/* ------------------------------------------------------------ calling the exports */

static stateful_endpoint_list_tuple2_string_string_t host_pairs(const char *name, const char *value) {
  stateful_endpoint_list_tuple2_string_string_t l = {malloc(sizeof *l.ptr), 1};
  l.ptr[0].f0 = host_string(name);
  l.ptr[0].f1 = host_string(value);
  return l;
}

/* on-connect; returns the refusal (freed here as cabi_post_on-connect does)
 * as 1, 0 when accepted. */
static int connect(uint64_t id, const char *auth) {
  char sid[32];
  snprintf(sid, sizeof sid, "sid-%llu", (unsigned long long)id);
  stateful_endpoint_conn_info_t info = {
      .id = id,
      .sid = host_string(sid),
      .endpoint = host_string("/"),
      .protocol = SIO_REALTIME_TYPES_PROTOCOL_EIO4,
      .transport = host_string("websocket"),
      .remote_addr = host_string("127.0.0.1:5000"),
      .query = host_pairs("EIO", "4"),
      .headers = host_pairs("host", ""),
      .auth = {auth != NULL, auth ? host_string(auth) : (wstr){0}},
  };
  wstr err = {0};
  bool ok = exports_stateful_endpoint_on_connect(&info, &err);
  if (!ok) {
    record("refused %.*s", (int)err.len, err.ptr);
    if (err.len > 0) free(err.ptr);
  }
  return !ok;
}

/* on-event with `attachments` binary attachments of 3 bytes each. */
static void event(uint64_t conn, const char *name, const char *args, int attachments, uint64_t ack) {
  wstr ev = host_string(name), json = host_string(args);
  stateful_endpoint_list_list_u8_t att = {NULL, (size_t)attachments};
  att.ptr = attachments ? malloc((size_t)attachments * sizeof *att.ptr) : (stateful_endpoint_list_u8_t *)4;
  for (int i = 0; i < attachments; i++) {
    att.ptr[i].ptr = malloc(3);
    memcpy(att.ptr[i].ptr, "\x01\x02\x03", 3);
    att.ptr[i].len = 3;
  }
  exports_stateful_endpoint_on_event(conn, &ev, &json, &att, ack ? &ack : NULL);
}

static void message(uint64_t conn, const char *text) {
  wstr t = host_string(text);
  exports_stateful_endpoint_on_message(conn, &t);
}

static void acked(uint64_t conn, uint64_t token, const char *reply) {
  wstr json = host_string(reply ? reply : "");
  stateful_endpoint_list_list_u8_t att = {malloc(sizeof *att.ptr), 1};
  att.ptr[0].ptr = malloc(1);
  att.ptr[0].ptr[0] = 9;
  att.ptr[0].len = 1;
  exports_stateful_endpoint_on_ack(conn, token, reply ? &json : NULL, &att);
  if (!reply) stateful_endpoint_string_free(&json);
}

static void disconnect(uint64_t conn) {
  wstr reason = host_string("transport close");
  exports_stateful_endpoint_on_disconnect(conn, &reason);
}

/* snapshot → malloc'd NUL-terminated text (NULL on refusal). */
static char *snapshot(void) {
  stateful_endpoint_list_u8_t state = {0};
  wstr err = {0};
  if (!exports_sio_realtime_state_snapshot(&state, &err)) {
    if (err.len > 0) free(err.ptr);
    return NULL;
  }
  wstr s = {state.ptr, state.len};
  char *text = cstr(&s);
  if (state.len > 0) free(state.ptr); /* cabi_post_..#snapshot */
  return text;
}

static int restore(const char *json) {
  size_t n = strlen(json);
  stateful_endpoint_list_u8_t state = {n ? malloc(n) : (uint8_t *)1, n};
  if (n) memcpy(state.ptr, json, n);
  wstr err = {0};
  bool ok = exports_sio_realtime_state_restore(&state, &err);
  if (!ok) {
    record("restore refused %.*s", (int)err.len, err.ptr);
    if (err.len > 0) free(err.ptr);
  }
  return ok;
}

#define EXPECT(line)                                     \
  do {                                                   \
    CHECK(heard(line), "expected: %s", line);            \
    if (!heard(line)) dump();                            \
  } while (0)

int main(void) {
  /* Connects: a preset nick with an owner id, a plain one, a bad token. */
  CHECK(connect(1, "{\"nick\":\" ann \",\"id\":\"browser-a\"}") == 0, "ann connects");
  EXPECT("set-data 1 {\"nickname\":\"ann\"}");
  CHECK(value_at("nick:ann") && strcmp(value_at("nick:ann"), "id:browser-a") == 0, "ann claimed");
  CHECK(connect(2, NULL) == 0, "2 connects");
  CHECK(connect(3, "{\"token\":\"bad\"}") == 1, "bad token");
  EXPECT("refused not authorized");
  CHECK(connect(4, "[1,2,3]") == 0, "an array auth is no auth");
  forget();

  /* Nicknames. */
  event(2, "nick", "[\"bob\"]", 0, 10);
  EXPECT("ack 2/10 [{\"ok\":true}]");
  EXPECT("emit all joined [{\"nick\":\"bob\"}] +0");
  event(4, "nick", "[\"ann\"]", 0, 11);
  EXPECT("ack 4/11 [{\"ok\":false,\"error\":\"nickname is taken\"}]");
  event(4, "nick", "[42]", 0, 12);
  EXPECT("ack 4/12 [{\"ok\":false,\"error\":\"nickname must be a string\"}]");
  event(4, "nick", "[\" \\t\\u3000 \"]", 0, 13);
  EXPECT("ack 4/13 [{\"ok\":false,\"error\":\"nickname must not be empty\"}]");
  event(4, "nick", "[\"\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00"
                   "\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00"
                   "\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00"
                   "\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00"
                   "\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\"]",
        0, 14);
  EXPECT("ack 4/14 [{\"ok\":false,\"error\":\"nickname must be at most 32 characters\"}]");
  event(4, "nick", "[\"\\ud800\"]", 0, 15); /* a lone surrogate: no JSON args at all */
  EXPECT("ack 4/15 [{\"ok\":false,\"error\":\"nickname must be a string\"}]");
  event(4, "nick", "[\"q\\\"uote\\u0001\"]", 0, 16);
  EXPECT("emit all joined [{\"nick\":\"q\\\"uote\\u0001\"}] +0");
  store_down = 1;
  event(4, "nick", "[\"zed\"]", 0, 17);
  EXPECT("ack 4/17 [{\"ok\":false,\"error\":\"the nickname table is unavailable; try again\"}]");
  store_down = 0;
  event(4, "nick", "[\"dan\"]", 0, 0); /* a rename gives the old name back */
  CHECK(!value_at("nick:q\"uote\x01") && value_at("nick:dan"), "renamed");
  forget();

  /* Saying, rooms, files, pings. */
  event(5, "say", "[\"early\"]", 0, 20);
  EXPECT("ack 5/20 [{\"ok\":false,\"error\":\"pick a nickname first\"}]");
  event(2, "say", "[\"hi\\nthere\"]", 0, 21);
  EXPECT("emit all said [{\"nick\":\"bob\",\"text\":\"hi\\nthere\"}] +0");
  EXPECT("ack 2/21 [{\"ok\":true}]");
  event(2, "say", "[5]", 0, 22);
  EXPECT("ack 2/22 [{\"ok\":false,\"error\":\"text must be a string\"}]");
  event(2, "say", "[\"hi\", 7]", 0, 23);
  EXPECT("ack 2/23 [{\"ok\":false,\"error\":\"room must be a string\"}]");
  event(2, "say", "[\"hi\", null]", 0, 24);
  EXPECT("ack 2/24 [{\"ok\":true}]");
  event(2, "say", "[\"in r1\", \"r1\"]", 0, 0);
  EXPECT("emit room:r1 said [{\"nick\":\"bob\",\"text\":\"in r1\"}] +0");
  event(2, "say", "[\"nowhere\", \"\"]", 0, 25);
  EXPECT("ack 2/25 [{\"ok\":false,\"error\":\"invalid-name\"}]");
  event(2, "join", "[\"r1\"]", 0, 26);
  EXPECT("join 2 r1");
  EXPECT("ack 2/26 [{\"ok\":true}]");
  event(2, "join", "[[\"r\"]]", 0, 27);
  EXPECT("ack 2/27 [{\"ok\":false,\"error\":\"room must be a string\"}]");
  event(2, "leave", "[\"r1\"]", 0, 0);
  EXPECT("leave 2 r1");
  event(2, "file", "[\"f.bin\", {\"_placeholder\":true,\"num\":1}]", 2, 28);
  EXPECT("emit all-2 file [{\"nick\":\"bob\",\"name\":\"f.bin\"},{\"_placeholder\":true,\"num\":1}] +2");
  event(2, "file", "[\"f.bin\", {\"_placeholder\":true,\"num\":2}]", 2, 29);
  EXPECT("ack 2/29 [{\"ok\":false,\"error\":\"file data must be binary\"}]");
  event(2, "file", "[1]", 0, 30);
  EXPECT("ack 2/30 [{\"ok\":false,\"error\":\"file name must be a string\"}]");
  event(2, "nope", "[]", 0, 31);
  EXPECT("ack 2/31 [{\"ok\":false,\"error\":\"unknown event\"}]");
  event(2, "ping-me", "[]", 0, 32);
  EXPECT("emit-with-ack 2 ping [] 5000");
  acked(2, 77, "[\"pong\",{\"_placeholder\":true,\"num\":0}]");
  EXPECT("emit to:2 pong-received [\"pong\",{\"_placeholder\":true,\"num\":0}] +1");
  event(2, "ping-me", "[]", 0, 0);
  acked(2, 78, NULL); /* timed out */
  acked(2, 999, "[]"); /* not a ping */
  message(4, "plain");
  EXPECT("emit all said [{\"nick\":\"dan\",\"text\":\"plain\"}] +0");
  message(5, "");
  EXPECT("emit all said [{\"nick\":\"anonymous\",\"text\":\"\"}] +0");
  forget();

  /* A recovery changes nothing; a hot reload hands the state over. */
  recovering = 1;
  CHECK(connect(1, "{\"nick\":\"other\"}") == 0, "recovered");
  EXPECT("log 2 chat: 1 recovered");
  recovering = 0;
  event(2, "ping-me", "[]", 0, 0);
  char *state = snapshot();
  CHECK(state && strstr(state, "\"1\":\"ann\"") && strstr(state, "\"79\":2") &&
            strstr(state, "\"1\":\"id:browser-a\""),
        "snapshot: %s", state ? state : "(refused)");
  CHECK(!restore("{\"nicks\":{\"x\":\"y\"}}"), "a bad conn id is refused");
  CHECK(!restore("not json"), "not JSON is refused");
  CHECK(!restore(""), "nothing is refused");
  CHECK(restore(state), "own state restores");
  char *again = snapshot();
  CHECK(again && strlen(again) == strlen(state), "same state: %s", again);
  free(again);
  free(state);
  /* The Rust chat's state (no owners: an older build). */
  CHECK(restore("{\"nicks\":{\"1\":\"ann\",\"2\":\"bob\",\"4\":\"dan\"},\"pings\":{\"79\":2}}"), "Rust state");
  acked(2, 79, "[1]");
  EXPECT("emit to:2 pong-received [1] +1");
  forget();

  /* Leaving. */
  disconnect(2);
  EXPECT("emit all left [{\"nick\":\"bob\"}] +0");
  disconnect(3); /* refused: never known */
  disconnect(9); /* never connected */
  CHECK(connect(6, "{\"id\":\"browser-a\"}") == 0, "same browser");
  event(6, "nick", "[\"ann\"]", 0, 40); /* taken by conn 1 in the chat */
  EXPECT("ack 6/40 [{\"ok\":false,\"error\":\"nickname is taken\"}]");
  disconnect(1);
  disconnect(4);
  disconnect(6);

  /* The rest of the SDK: ownership of what it hands out. */
  char *json;
  CHECK(sio_data(4, &json) == SIO_OK && strcmp(json, "{\"nickname\":\"dan\"}") == 0, "data");
  free(json);
  CHECK(sio_data(99, &json) == SIO_UNKNOWN_CONN && !json, "no data");
  char **rooms;
  size_t n;
  CHECK(sio_rooms(1, &rooms, &n) == SIO_OK && n == 2 && strcmp(rooms[1], "sid-1") == 0, "rooms");
  sio_strings_free(rooms, n);
  CHECK(sio_rooms(5, &rooms, &n) == SIO_OK && n == 0 && !rooms, "no rooms");
  sio_conn_id *conns = sio_room_conns("r1", &n);
  CHECK(n == 2 && conns[1] == 2, "room conns");
  free(conns);
  CHECK(!sio_room_conns("", &n) && n == 0, "empty room");
  CHECK(sio_room_size("abc") == 3, "room size");
  char *greeting = sio_config_get("greeting");
  CHECK(greeting && strcmp(greeting, "hello") == 0, "config get");
  free(greeting);
  CHECK(!sio_config_get("nope"), "config unset");
  sio_pair *values = sio_config_values(&n);
  CHECK(n == 2 && strcmp(values[0].value, "") == 0 && strcmp(values[1].name, "greeting") == 0, "config values");
  sio_pairs_free(values, n);
  char *stats = sio_stats_json();
  CHECK(strcmp(stats, "{\"sessions\":0}") == 0, "stats");
  free(stats);
  char *value;
  CHECK(sio_kv_set("k", "") == SIO_KV_OK, "kv set");
  CHECK(sio_kv_get("k", &value) == SIO_KV_OK && value && value[0] == 0, "kv get empty");
  free(value);
  CHECK(sio_kv_set("", "x") == SIO_KV_INVALID_KEY, "kv invalid key");
  int64_t count;
  CHECK(sio_kv_increment("n", -5, &count) == SIO_KV_OK && count == -5, "kv increment");
  CHECK(sio_kv_increment("k", 1, &count) == SIO_KV_OK, "kv increment empty");
  bool existed;
  CHECK(sio_kv_delete("n", &existed) == SIO_KV_OK && existed, "kv delete");
  CHECK(sio_kv_get("n", &value) == SIO_KV_OK && !value, "kv gone");
  CHECK(strcmp(sio_kv_error_name(SIO_KV_NOT_A_NUMBER), "not-a-number") == 0, "kv error name");
  CHECK(sio_send(sio_room_except("r", 2), "hello") == SIO_OK, "send");
  EXPECT("send room:r-2 hello");
  CHECK(sio_disconnect(7) == SIO_UNKNOWN_CONN && strcmp(sio_error_name(SIO_UNKNOWN_CONN), "unknown-conn") == 0,
        "disconnect");
  sio_bytes bytes = {(const uint8_t *)"ab", 2};
  sio_ack ack = {4, 50};
  CHECK(sio_ack_reply_binary(&ack, "[{\"_placeholder\":true,\"num\":0}]", &bytes, 1) == SIO_OK, "ack binary");
  /* Broadcasts: rooms, exceptions, conns, flags, another endpoint; many
   * rooms (past the SDK's stack array); refusals. */
  forget();
  sio_conn_id sender = 4, picked[] = {2, 5};
  sio_broadcast teams = {
      .rooms = (const char *[]){"red", "blue"},
      .rooms_len = 2,
      .except_rooms = (const char *[]){"bench"},
      .except_rooms_len = 1,
      .except_conns = &sender,
      .except_conns_len = 1,
      .flags = SIO_EMIT_VOLATILE,
  };
  CHECK(sio_broadcast_emit(&teams, "moved", "[1,2]") == SIO_OK, "broadcast");
  EXPECT("broadcast - to:red,blue conns: except:bench except-conns:4 flags:2 moved [1,2] +0");
  sio_broadcast some = {.conns = picked, .conns_len = 2, .flags = SIO_EMIT_LOCAL | SIO_EMIT_VOLATILE | 64};
  CHECK(sio_broadcast_emit_binary(&some, "file", "[{\"_placeholder\":true,\"num\":0}]", &bytes, 1) == SIO_OK,
        "broadcast binary");
  EXPECT("broadcast - to: conns:2,5 except: except-conns: flags:3 file [{\"_placeholder\":true,\"num\":0}] +1");
  CHECK(sio_broadcast_emit(NULL, "all", "[]") == SIO_OK, "broadcast to all");
  EXPECT("broadcast - to: conns: except: except-conns: flags:0 all [] +0");
  sio_broadcast there = {.endpoint = "/other", .rooms = (const char *[]){"ops"}, .rooms_len = 1};
  CHECK(sio_broadcast_emit(&there, "alert", "[\"x\"]") == SIO_OK, "broadcast elsewhere");
  EXPECT("broadcast /other to:ops conns: except: except-conns: flags:0 alert [\"x\"] +0");
  there.endpoint = "/nowhere";
  CHECK(sio_broadcast_emit(&there, "alert", "[]") == SIO_INVALID_NAME, "no such endpoint");
  const char *many[12] = {"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11"};
  sio_broadcast crowd = {.rooms = many, .rooms_len = 12, .except_rooms = many, .except_rooms_len = 9};
  CHECK(sio_broadcast_emit(&crowd, "crowd", "[]") == SIO_OK, "many rooms");
  EXPECT("broadcast - to:r0,r1,r2,r3,r4,r5,r6,r7,r8,r9,r10,r11 conns: except:r0,r1,r2,r3,r4,r5,r6,r7,r8 "
         "except-conns: flags:0 crowd [] +0");
  many[10] = "";
  CHECK(sio_broadcast_emit(&crowd, "crowd", "[]") == SIO_INVALID_NAME, "an empty room among many");
  CHECK(sio_server_emit("census", "[{\"n\":1}]") == SIO_OK, "server emit");
  EXPECT("server-emit census [{\"n\":1}]");
  CHECK(sio_server_emit("", "[]") == SIO_INVALID_NAME, "server emit refused");
  char big[1000];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = 0;
  sio_log(SIO_ERROR, "%s!", big);
  CHECK(said_len > 0 && strlen(said[said_len - 1]) == strlen("log 4 ") + 400, "a long log line");

  /* JSON odds and ends. */
  sio_json *j = sio_json_parse(" {\"a\":[1,-2.5e3,true,null],\"a\":\"last\",\"u\":\"\\u00e9\\ud83d\\ude00\"} ", 64);
  CHECK(j && strcmp(sio_json_string(sio_json_get(j, "a")), "last") == 0, "last key wins");
  CHECK(j && strcmp(sio_json_string(sio_json_get(j, "u")), "\xc3\xa9\xf0\x9f\x98\x80") == 0, "unicode escapes");
  sio_json_free(j);
  const char *bad[] = {"[1,]", "{\"a\" 1}", "01", "[\"\\x\"]", "\"\x01\"", "[", "1 2", "-", "1.", "tru"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    CHECK(!sio_json_parse(bad[i], strlen(bad[i])), "not JSON: %s", bad[i]);
  char deep[300];
  memset(deep, '[', 200);
  memset(deep + 200, ']', 100);
  CHECK(!sio_json_parse(deep, 300), "too deep");
  uint64_t u;
  sio_json *num = sio_json_parse("18446744073709551615", 20);
  CHECK(sio_json_u64(num, &u) && u == UINT64_MAX, "u64 max");
  sio_json_free(num);
  num = sio_json_parse("18446744073709551616", 20);
  CHECK(!sio_json_u64(num, &u), "u64 overflow");
  sio_json_free(num);

  for (int i = 0; i < 16; i++) drop(i);
  for (int i = 0; i < 8; i++) free(data_of[i]);
  if (failures) {
    fprintf(stderr, "native: %d check(s) failed\n", failures);
    return 1;
  }
  printf("native: all checks passed\n");
  return 0;
}

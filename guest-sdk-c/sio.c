/* sio.c: the `stateful-endpoint` world's exports over the `wit-bindgen c`
 * bindings (gen/stateful_endpoint.{h,c}), calling the handler's sio_on_*
 * functions (sio.h), and the host's imports as sio_* calls.
 *
 * Ownership follows wit-bindgen C: an export's arguments are ours (freed here
 * with the *_free helpers once the handler returns), an import's arguments
 * are borrowed, an import's results are ours, and what an export returns is
 * freed by its cabi_post_* function. The host allocates through cabi_realloc
 * (realloc), so host strings are grown in place to add a NUL. An empty
 * string or list from the host is no allocation (cabi_realloc's size-0
 * answer) and is never freed nor grown. */

#include "sio.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stateful_endpoint.h"

typedef stateful_endpoint_string_t wstr;

void *sio_xrealloc(void *p, size_t n); /* sio_json.c */

/* A list<u8> and sio_bytes are the same pair: attachments pass as they are. */
_Static_assert(sizeof(sio_bytes) == sizeof(stateful_endpoint_list_u8_t), "sio_bytes layout");
_Static_assert(offsetof(sio_bytes, len) == offsetof(stateful_endpoint_list_u8_t, len), "sio_bytes layout");

static wstr borrow(const char *s) { return (wstr){(uint8_t *)s, s ? strlen(s) : 0}; }

/* The host string `s` as a C string, still owned by `s` (free `s` after). */
static const char *terminated(wstr *s) {
  if (s->len == 0) return "";
  s->ptr = sio_xrealloc(s->ptr, s->len + 1);
  s->ptr[s->len] = 0;
  return (const char *)s->ptr;
}

/* The host string `s` as a malloc'd C string the caller frees; `s` is spent. */
static char *take(wstr *s) {
  char *out;
  if (s->len == 0) {
    out = sio_xrealloc(NULL, 1);
    out[0] = 0;
  } else {
    out = sio_xrealloc(s->ptr, s->len + 1);
    out[s->len] = 0;
  }
  s->ptr = NULL;
  s->len = 0;
  return out;
}

/* The bindings are generated without their component-type object (a binary;
 * `wasm-tools component embed` adds the world's type from wit/ instead), but
 * still reference the symbol that object would define. */
void __component_type_object_force_link_stateful_endpoint(void);
void __component_type_object_force_link_stateful_endpoint(void) {}

/* ------------------------------------------------------------ names */

const char *sio_error_name(sio_error e) {
  static const char *const names[] = {"ok",          "unknown-conn", "invalid-json",  "too-large",
                                      "invalid-name", "unknown-ack",  "limit-exceeded"};
  return (unsigned)e < sizeof names / sizeof *names ? names[e] : "unknown";
}

const char *sio_kv_error_name(sio_kv_error e) {
  static const char *const names[] = {"ok",           "unavailable",  "too-large",
                                      "limit-exceeded", "not-a-number", "invalid-key"};
  return (unsigned)e < sizeof names / sizeof *names ? names[e] : "unknown";
}

/* ------------------------------------------------------------ the handler's defaults */

__attribute__((weak)) const char *sio_on_connect(const sio_conn_info *info) {
  (void)info;
  return NULL;
}
__attribute__((weak)) void sio_on_message(sio_conn_id conn, const char *text, size_t len) {
  (void)conn, (void)text, (void)len;
}
__attribute__((weak)) void sio_on_event(sio_conn_id conn, const char *event, const sio_args *args,
                                        const sio_ack *ack) {
  (void)conn, (void)event, (void)args, (void)ack;
}
__attribute__((weak)) void sio_on_ack(sio_conn_id conn, uint64_t token, const sio_args *reply) {
  (void)conn, (void)token, (void)reply;
}
__attribute__((weak)) void sio_on_disconnect(sio_conn_id conn, const char *reason) {
  (void)conn, (void)reason;
}
__attribute__((weak)) const char *sio_snapshot(sio_buf *out) {
  (void)out;
  return NULL;
}
__attribute__((weak)) const char *sio_restore(const uint8_t *state, size_t len) {
  (void)state, (void)len;
  return NULL;
}

/* ------------------------------------------------------------ exports */

/* The host's name/value list as sio_pairs (strings still owned by `list`). */
static sio_pair *pairs(stateful_endpoint_list_tuple2_string_string_t *list) {
  if (list->len == 0) return NULL;
  sio_pair *out = sio_xrealloc(NULL, list->len * sizeof *out);
  for (size_t i = 0; i < list->len; i++) {
    out[i].name = terminated(&list->ptr[i].f0);
    out[i].value = terminated(&list->ptr[i].f1);
  }
  return out;
}

bool exports_stateful_endpoint_on_connect(stateful_endpoint_conn_info_t *info, wstr *err) {
  sio_conn_info ci = {
      .id = info->id,
      .sid = terminated(&info->sid),
      .endpoint = terminated(&info->endpoint),
      .protocol = (sio_protocol)info->protocol,
      .transport = terminated(&info->transport),
      .remote_addr = terminated(&info->remote_addr),
      .query = pairs(&info->query),
      .query_len = info->query.len,
      .headers = pairs(&info->headers),
      .headers_len = info->headers.len,
      .auth = info->auth.is_some ? terminated(&info->auth.val) : NULL,
      /* Asked always, so every handler imports `recovered` and the host
       * gives it the second on-connect of a recovery (as the Rust SDK). */
      .recovered = sio_realtime_conn_state_recovered(info->id),
  };
  const char *reason = sio_on_connect(&ci);
  if (reason) stateful_endpoint_string_dup(err, reason); /* freed by cabi_post_on-connect */
  free((void *)ci.query);
  free((void *)ci.headers);
  stateful_endpoint_conn_info_free(info);
  return reason == NULL;
}

void exports_stateful_endpoint_on_message(stateful_endpoint_conn_id_t conn, wstr *text) {
  size_t len = text->len;
  sio_on_message(conn, terminated(text), len);
  stateful_endpoint_string_free(text);
}

/* Arguments for the handler from the host's JSON and attachments (both
 * still owned by the caller). */
static sio_args args_of(wstr *json, stateful_endpoint_list_list_u8_t *attachments) {
  sio_args a = {
      .json = terminated(json),
      .json_len = json->len,
      .attachments = (const sio_bytes *)attachments->ptr,
      .attachments_len = attachments->len,
  };
  a.values = sio_json_parse(a.json, a.json_len);
  return a;
}

void exports_stateful_endpoint_on_event(stateful_endpoint_conn_id_t conn, wstr *event, wstr *args_json,
                                        stateful_endpoint_list_list_u8_t *attachments, uint64_t *maybe_ack_id) {
  sio_args args = args_of(args_json, attachments);
  sio_ack ack = {conn, maybe_ack_id ? *maybe_ack_id : 0};
  sio_on_event(conn, terminated(event), &args, maybe_ack_id ? &ack : NULL);
  sio_json_free((sio_json *)args.values);
  stateful_endpoint_string_free(event);
  stateful_endpoint_string_free(args_json);
  stateful_endpoint_list_list_u8_free(attachments);
}

void exports_stateful_endpoint_on_ack(stateful_endpoint_conn_id_t conn, uint64_t token, wstr *maybe_args_json,
                                      stateful_endpoint_list_list_u8_t *attachments) {
  if (maybe_args_json) {
    sio_args reply = args_of(maybe_args_json, attachments);
    sio_on_ack(conn, token, &reply);
    sio_json_free((sio_json *)reply.values);
    stateful_endpoint_string_free(maybe_args_json);
  } else {
    sio_on_ack(conn, token, NULL);
  }
  stateful_endpoint_list_list_u8_free(attachments);
}

void exports_stateful_endpoint_on_disconnect(stateful_endpoint_conn_id_t conn, wstr *reason) {
  sio_on_disconnect(conn, terminated(reason));
  stateful_endpoint_string_free(reason);
}

bool exports_sio_realtime_state_snapshot(stateful_endpoint_list_u8_t *ret, wstr *err) {
  sio_buf state = SIO_BUF_INIT;
  const char *why = sio_snapshot(&state);
  if (why) {
    sio_buf_free(&state);
    stateful_endpoint_string_dup(err, why);
    return false;
  }
  if (state.len == 0) sio_buf_free(&state); /* an empty list is no allocation */
  /* Freed by cabi_post_..#snapshot. */
  ret->ptr = (uint8_t *)state.data;
  ret->len = state.len;
  return true;
}

bool exports_sio_realtime_state_restore(stateful_endpoint_list_u8_t *state, wstr *err) {
  const char *why = sio_restore(state->ptr, state->len);
  if (why) stateful_endpoint_string_dup(err, why);
  stateful_endpoint_list_u8_free(state);
  return why == NULL;
}

/* ------------------------------------------------------------ host */

sio_target sio_to(sio_conn_id conn) { return (sio_target){SIO_TO_CONN, conn, NULL}; }
sio_target sio_room(const char *room) { return (sio_target){SIO_TO_ROOM, 0, room}; }
sio_target sio_room_except(const char *room, sio_conn_id except) {
  return (sio_target){SIO_TO_ROOM_EXCEPT, except, room};
}
sio_target sio_all(void) { return (sio_target){SIO_TO_ALL, 0, NULL}; }
sio_target sio_all_except(sio_conn_id except) { return (sio_target){SIO_TO_ALL_EXCEPT, except, NULL}; }

static sio_realtime_host_target_t target(sio_target t) {
  sio_realtime_host_target_t out;
  memset(&out, 0, sizeof out);
  switch (t.kind) {
    case SIO_TO_CONN:
      out.tag = SIO_REALTIME_TYPES_TARGET_CONN;
      out.val.conn = t.conn;
      break;
    case SIO_TO_ROOM:
      out.tag = SIO_REALTIME_TYPES_TARGET_ROOM;
      out.val.room = borrow(t.room);
      break;
    case SIO_TO_ROOM_EXCEPT:
      out.tag = SIO_REALTIME_TYPES_TARGET_ROOM_EXCEPT;
      out.val.room_except.f0 = borrow(t.room);
      out.val.room_except.f1 = t.conn;
      break;
    case SIO_TO_ALL_EXCEPT:
      out.tag = SIO_REALTIME_TYPES_TARGET_ALL_EXCEPT;
      out.val.all_except = t.conn;
      break;
    default:
      out.tag = SIO_REALTIME_TYPES_TARGET_ALL;
  }
  return out;
}

static sio_error host_result(bool ok, sio_realtime_types_host_error_t e) {
  return ok ? SIO_OK : (sio_error)(e + 1);
}

static stateful_endpoint_list_list_u8_t attachments_of(const sio_bytes *attachments, size_t len) {
  return (stateful_endpoint_list_list_u8_t){(stateful_endpoint_list_u8_t *)attachments, attachments ? len : 0};
}

sio_error sio_emit_binary(sio_target to, const char *event, const char *args_json, const sio_bytes *attachments,
                          size_t attachments_len) {
  sio_realtime_host_target_t t = target(to);
  wstr ev = borrow(event), json = borrow(args_json);
  stateful_endpoint_list_list_u8_t att = attachments_of(attachments, attachments_len);
  sio_realtime_types_host_error_t e = 0;
  return host_result(sio_realtime_host_emit(&t, &ev, &json, &att, &e), e);
}

sio_error sio_emit(sio_target to, const char *event, const char *args_json) {
  return sio_emit_binary(to, event, args_json, NULL, 0);
}

sio_error sio_emit_with_ack(sio_conn_id to, const char *event, const char *args_json, uint32_t timeout_ms,
                            uint64_t *token) {
  wstr ev = borrow(event), json = borrow(args_json);
  stateful_endpoint_list_list_u8_t att = attachments_of(NULL, 0);
  uint64_t t = 0;
  sio_realtime_types_host_error_t e = 0;
  bool ok = sio_realtime_host_emit_with_ack(to, &ev, &json, &att, timeout_ms, &t, &e);
  if (ok && token) *token = t;
  return host_result(ok, e);
}

/* ------------------------------------------------------------ broadcasts */

_Static_assert(SIO_EMIT_LOCAL == SIO_REALTIME_BROADCAST_EMIT_FLAGS_LOCAL, "emit flags");
_Static_assert(SIO_EMIT_VOLATILE == SIO_REALTIME_BROADCAST_EMIT_FLAGS_VOLATILE, "emit flags");
/* A list<conn-id> is an array of sio_conn_id: the handler's pass as they are. */
_Static_assert(sizeof(sio_conn_id) == sizeof(sio_realtime_broadcast_conn_id_t), "conn id layout");

/* Room names as the canonical ABI's list<string>, borrowing the strings:
 * into `small` when they fit, else a malloc'd array (free it). */
#define SMALL_ROOMS 8
static stateful_endpoint_list_string_t rooms_of(const char *const *rooms, size_t len, wstr *small) {
  if (!rooms || len == 0) return (stateful_endpoint_list_string_t){NULL, 0};
  wstr *out = len <= SMALL_ROOMS ? small : sio_xrealloc(NULL, len * sizeof *out);
  for (size_t i = 0; i < len; i++) out[i] = borrow(rooms[i]);
  return (stateful_endpoint_list_string_t){out, len};
}

static sio_realtime_broadcast_list_conn_id_t conns_of(const sio_conn_id *conns, size_t len) {
  return (sio_realtime_broadcast_list_conn_id_t){(sio_conn_id *)conns, conns ? len : 0};
}

sio_error sio_broadcast_emit_binary(const sio_broadcast *to, const char *event, const char *args_json,
                                    const sio_bytes *attachments, size_t attachments_len) {
  static const sio_broadcast everyone;
  if (!to) to = &everyone;
  wstr small_rooms[SMALL_ROOMS], small_except[SMALL_ROOMS];
  sio_realtime_broadcast_selector_t sel = {
      .rooms = rooms_of(to->rooms, to->rooms_len, small_rooms),
      .conns = conns_of(to->conns, to->conns_len),
      .except_rooms = rooms_of(to->except_rooms, to->except_rooms_len, small_except),
      .except_conns = conns_of(to->except_conns, to->except_conns_len),
  };
  wstr endpoint = borrow(to->endpoint), ev = borrow(event), json = borrow(args_json);
  stateful_endpoint_list_list_u8_t att = attachments_of(attachments, attachments_len);
  sio_realtime_broadcast_host_error_t e = 0;
  bool ok = sio_realtime_broadcast_emit(to->endpoint ? &endpoint : NULL, &sel,
                                        (sio_realtime_broadcast_emit_flags_t)(to->flags & (SIO_EMIT_LOCAL | SIO_EMIT_VOLATILE)),
                                        &ev, &json, &att, &e);
  if (sel.rooms.ptr != small_rooms) free(sel.rooms.ptr);
  if (sel.except_rooms.ptr != small_except) free(sel.except_rooms.ptr);
  return host_result(ok, e);
}

sio_error sio_broadcast_emit(const sio_broadcast *to, const char *event, const char *args_json) {
  return sio_broadcast_emit_binary(to, event, args_json, NULL, 0);
}

sio_error sio_server_emit(const char *event, const char *args_json) {
  wstr ev = borrow(event), json = borrow(args_json);
  sio_realtime_broadcast_host_error_t e = 0;
  return host_result(sio_realtime_broadcast_server_emit(&ev, &json, &e), e);
}

sio_error sio_ack_reply_binary(const sio_ack *ack, const char *args_json, const sio_bytes *attachments,
                               size_t attachments_len) {
  wstr json = borrow(args_json);
  stateful_endpoint_list_list_u8_t att = attachments_of(attachments, attachments_len);
  sio_realtime_types_host_error_t e = 0;
  return host_result(sio_realtime_host_ack(ack->conn, ack->id, &json, &att, &e), e);
}

sio_error sio_ack_reply(const sio_ack *ack, const char *args_json) {
  return sio_ack_reply_binary(ack, args_json, NULL, 0);
}

sio_error sio_send(sio_target to, const char *text) {
  sio_realtime_host_target_t t = target(to);
  wstr s = borrow(text);
  sio_realtime_types_host_error_t e = 0;
  return host_result(sio_realtime_host_send(&t, &s, &e), e);
}

sio_error sio_join(sio_conn_id conn, const char *room) {
  wstr r = borrow(room);
  sio_realtime_types_host_error_t e = 0;
  return host_result(sio_realtime_host_join(conn, &r, &e), e);
}

sio_error sio_leave(sio_conn_id conn, const char *room) {
  wstr r = borrow(room);
  sio_realtime_types_host_error_t e = 0;
  return host_result(sio_realtime_host_leave(conn, &r, &e), e);
}

sio_error sio_disconnect(sio_conn_id conn) {
  sio_realtime_types_host_error_t e = 0;
  return host_result(sio_realtime_host_disconnect(conn, &e), e);
}

void sio_log(sio_log_level level, const char *format, ...) {
  char small[256];
  va_list ap;
  va_start(ap, format);
  int n = vsnprintf(small, sizeof small, format, ap);
  va_end(ap);
  if (n < 0) return;
  char *text = small;
  if ((size_t)n >= sizeof small) {
    text = sio_xrealloc(NULL, (size_t)n + 1);
    va_start(ap, format);
    vsnprintf(text, (size_t)n + 1, format, ap);
    va_end(ap);
  }
  wstr message = {(uint8_t *)text, (size_t)n};
  sio_realtime_host_log((sio_realtime_host_log_level_t)level, &message);
  if (text != small) free(text);
}

/* ------------------------------------------------------------ conn-state */

sio_error sio_set_data(sio_conn_id conn, const char *data_json) {
  wstr json = borrow(data_json);
  sio_realtime_types_host_error_t e = 0;
  return host_result(sio_realtime_conn_state_set_data(conn, &json, &e), e);
}

sio_error sio_data(sio_conn_id conn, char **json) {
  wstr ret = {0};
  sio_realtime_types_host_error_t e = 0;
  bool ok = sio_realtime_conn_state_data(conn, &ret, &e);
  *json = ok ? take(&ret) : NULL;
  return host_result(ok, e);
}

sio_error sio_rooms(sio_conn_id conn, char ***rooms, size_t *len) {
  stateful_endpoint_list_string_t ret = {0};
  sio_realtime_types_host_error_t e = 0;
  *rooms = NULL;
  *len = 0;
  if (!sio_realtime_conn_state_rooms(conn, &ret, &e)) return host_result(false, e);
  if (ret.len) {
    char **out = sio_xrealloc(NULL, ret.len * sizeof *out);
    for (size_t i = 0; i < ret.len; i++) out[i] = take(&ret.ptr[i]);
    free(ret.ptr);
    *rooms = out;
    *len = ret.len;
  }
  return SIO_OK;
}

void sio_strings_free(char **strings, size_t len) {
  for (size_t i = 0; strings && i < len; i++) free(strings[i]);
  free(strings);
}

sio_conn_id *sio_room_conns(const char *room, size_t *len) {
  wstr r = borrow(room);
  sio_realtime_conn_state_list_conn_id_t ret = {0};
  sio_realtime_conn_state_room_conns(&r, &ret);
  *len = ret.len;
  return ret.len ? ret.ptr : NULL; /* realloc'd by the host: free() it */
}

uint32_t sio_room_size(const char *room) {
  wstr r = borrow(room);
  return sio_realtime_conn_state_room_size(&r);
}

/* ------------------------------------------------------------ kv */

static sio_kv_error kv_result(bool ok, sio_realtime_kv_kv_error_t e) {
  return ok ? SIO_KV_OK : (sio_kv_error)(e + 1);
}

sio_kv_error sio_kv_get(const char *key, char **value) {
  wstr k = borrow(key);
  stateful_endpoint_option_string_t ret = {0};
  sio_realtime_kv_kv_error_t e = 0;
  bool ok = sio_realtime_kv_get(&k, &ret, &e);
  *value = ok && ret.is_some ? take(&ret.val) : NULL;
  return kv_result(ok, e);
}

sio_kv_error sio_kv_set(const char *key, const char *value) {
  wstr k = borrow(key), v = borrow(value);
  sio_realtime_kv_kv_error_t e = 0;
  return kv_result(sio_realtime_kv_set(&k, &v, &e), e);
}

sio_kv_error sio_kv_delete(const char *key, bool *existed) {
  wstr k = borrow(key);
  bool ret = false;
  sio_realtime_kv_kv_error_t e = 0;
  bool ok = sio_realtime_kv_delete(&k, &ret, &e);
  if (existed) *existed = ok && ret;
  return kv_result(ok, e);
}

sio_kv_error sio_kv_increment(const char *key, int64_t delta, int64_t *value) {
  wstr k = borrow(key);
  int64_t ret = 0;
  sio_realtime_kv_kv_error_t e = 0;
  bool ok = sio_realtime_kv_increment(&k, delta, &ret, &e);
  if (value) *value = ok ? ret : 0;
  return kv_result(ok, e);
}

sio_kv_error sio_kv_compare_and_swap(const char *key, const char *expected, const char *replacement,
                                     bool *swapped) {
  wstr k = borrow(key), x = borrow(expected), r = borrow(replacement);
  bool ret = false;
  sio_realtime_kv_kv_error_t e = 0;
  bool ok = sio_realtime_kv_compare_and_swap(&k, expected ? &x : NULL, replacement ? &r : NULL, &ret, &e);
  if (swapped) *swapped = ok && ret;
  return kv_result(ok, e);
}

/* ------------------------------------------------------------ config, stats */

char *sio_config_get(const char *key) {
  wstr k = borrow(key), ret = {0};
  return sio_realtime_config_get(&k, &ret) ? take(&ret) : NULL;
}

sio_pair *sio_config_values(size_t *len) {
  stateful_endpoint_list_tuple2_string_string_t ret = {0};
  sio_realtime_config_values(&ret);
  *len = ret.len;
  if (!ret.len) return NULL;
  sio_pair *out = sio_xrealloc(NULL, ret.len * sizeof *out);
  for (size_t i = 0; i < ret.len; i++) {
    out[i].name = take(&ret.ptr[i].f0);
    out[i].value = take(&ret.ptr[i].f1);
  }
  free(ret.ptr);
  return out;
}

void sio_pairs_free(sio_pair *pairs, size_t len) {
  for (size_t i = 0; pairs && i < len; i++) {
    free((void *)pairs[i].name);
    free((void *)pairs[i].value);
  }
  free(pairs);
}

char *sio_stats_json(void) {
  wstr ret = {0};
  sio_realtime_stats_json(&ret);
  return take(&ret);
}

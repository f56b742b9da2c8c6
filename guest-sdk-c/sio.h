/* sio.h: write sio-host endpoint handlers in C (or C++) as WebAssembly
 * components of the sio:realtime@0.1.0 contract (wit/realtime.wit).
 *
 * The SDK implements the `stateful-endpoint` world's exports (sio.c, over the
 * `wit-bindgen c` bindings in gen/) and calls the handler's functions below,
 * each optional: define the ones you need, the others do nothing. Event
 * arguments are JSON text in and out, as in the contract; sio_json_parse and
 * sio_buf (end of this file) read and write it. See README.md for the build.
 *
 * Memory: every pointer the SDK hands a handler function (strings, args,
 * info) is the SDK's and valid until that function returns; copy what you
 * keep. Strings passed to the SDK are borrowed for the call. What an SDK
 * function returns through a `char **` is the caller's: free() it.
 * Allocation failure traps (the host rebuilds the instance).
 */
#ifndef SIO_H
#define SIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ types */

/** Opaque id of one client's connection to this endpoint; never reused. */
typedef uint64_t sio_conn_id;

/** The wire generation a client speaks. */
typedef enum {
  SIO_PROTOCOL_LEGACY, /* Socket.IO 0.7-0.9 (protocol 1) */
  SIO_PROTOCOL_EIO3,   /* Engine.IO 3 / Socket.IO 4 (socket.io-client 2.x) */
  SIO_PROTOCOL_EIO4,   /* Engine.IO 4 / Socket.IO 5 (socket.io-client 3.x, 4.x) */
} sio_protocol;

/** A name and a value (query parameters, headers, config values). */
typedef struct {
  const char *name;
  const char *value;
} sio_pair;

/** A connecting client (the contract's conn-info), for sio_on_connect. */
typedef struct {
  sio_conn_id id;
  const char *sid;         /* the Socket.IO id the client was given */
  const char *endpoint;    /* the namespace, e.g. "/" */
  sio_protocol protocol;
  const char *transport;   /* "polling", "websocket", ... */
  const char *remote_addr; /* "ip:port" */
  const sio_pair *query;   /* the handshake's query string, decoded, in order */
  size_t query_len;
  const sio_pair *headers; /* the handshake's headers, names lower-case */
  size_t headers_len;
  const char *auth;        /* the CONNECT payload as JSON text, or NULL */
  /** True when this on_connect is a connection coming back through
   * connection state recovery (`--recovery`): same id, rooms and data, the
   * missed events replayed; the handler never heard it leave. False for
   * every new connection (Node's socket.recovered). */
  bool recovered;
} sio_conn_info;

/** One binary attachment. */
typedef struct {
  const uint8_t *ptr;
  size_t len;
} sio_bytes;

struct sio_json;

/** An event's (or an ack's) arguments. */
typedef struct {
  const char *json;  /* the JSON array text, NUL-terminated */
  size_t json_len;
  const sio_bytes *attachments; /* placeholder {"_placeholder":true,"num":N} → attachments[N] */
  size_t attachments_len;
  const struct sio_json *values; /* `json` parsed (an array), NULL if it did not parse */
} sio_args;

/** An event's request for an answer: pass it to sio_ack_reply. */
typedef struct {
  sio_conn_id conn;
  uint64_t id;
} sio_ack;

typedef enum {
  SIO_TO_CONN,
  SIO_TO_ROOM,
  SIO_TO_ROOM_EXCEPT,
  SIO_TO_ALL,
  SIO_TO_ALL_EXCEPT,
} sio_target_kind;

/** Who receives an emit or send; make one with the functions below. */
typedef struct {
  sio_target_kind kind;
  sio_conn_id conn;  /* SIO_TO_CONN, SIO_TO_ROOM_EXCEPT, SIO_TO_ALL_EXCEPT */
  const char *room;  /* SIO_TO_ROOM, SIO_TO_ROOM_EXCEPT (borrowed) */
} sio_target;

sio_target sio_to(sio_conn_id conn);
sio_target sio_room(const char *room);
sio_target sio_room_except(const char *room, sio_conn_id except);
sio_target sio_all(void);
sio_target sio_all_except(sio_conn_id except);

/** Why a host call was refused (the contract's host-error); SIO_OK: done. */
typedef enum {
  SIO_OK = 0,
  SIO_UNKNOWN_CONN,
  SIO_INVALID_JSON,
  SIO_TOO_LARGE,
  SIO_INVALID_NAME,
  SIO_UNKNOWN_ACK,
  SIO_LIMIT_EXCEEDED,
} sio_error;

/** The contract's name of an error: "unknown-conn", ..., "ok" for SIO_OK. */
const char *sio_error_name(sio_error e);

/* ------------------------------------------------------------ the handler
 * Define any of these in your handler (one translation unit); the SDK's
 * defaults (weak) do nothing. */

/** A client connects: return NULL to accept it, or the reason to refuse it
 * (the client gets a connect_error with it; the SDK copies the text). */
const char *sio_on_connect(const sio_conn_info *info);
/** A plain message (Socket.IO 0.9 message and json packets). */
void sio_on_message(sio_conn_id conn, const char *text, size_t len);
/** An event; `ack` is NULL unless the client waits for an answer. */
void sio_on_event(sio_conn_id conn, const char *event, const sio_args *args, const sio_ack *ack);
/** The answer to sio_emit_with_ack's `token`; `reply` NULL: the timeout
 * passed or the client left first. */
void sio_on_ack(sio_conn_id conn, uint64_t token, const sio_args *reply);
/** The connection is gone; `reason` is Socket.IO's ("transport close", ...). */
void sio_on_disconnect(sio_conn_id conn, const char *reason);

struct sio_buf;
/** Hot reload (docs/reload.md): write the handler's state into `out` (the
 * chats use JSON); return NULL, or why the reload is refused. Default: no
 * state (empty). */
const char *sio_snapshot(struct sio_buf *out);
/** Take over a previous build's snapshot, before any other call of this
 * instance; return NULL, or why the reload is refused. Default: ignores it
 * (the handler starts afresh). */
const char *sio_restore(const uint8_t *state, size_t len);

/* ------------------------------------------------------------ acting (host) */

/** Emit `event` with `args_json` (a JSON array, "[]" for none). */
sio_error sio_emit(sio_target to, const char *event, const char *args_json);
/** The same with binary attachments (referenced by placeholders in the JSON). */
sio_error sio_emit_binary(sio_target to, const char *event, const char *args_json,
                          const sio_bytes *attachments, size_t attachments_len);
/** Emit to one connection asking for an answer: it comes back in
 * sio_on_ack with the token stored in `*token` (0 ms: no timeout). */
sio_error sio_emit_with_ack(sio_conn_id to, const char *event, const char *args_json,
                            uint32_t timeout_ms, uint64_t *token);
/** Answer an event's ack request with `args_json` (a JSON array). */
sio_error sio_ack_reply(const sio_ack *ack, const char *args_json);
sio_error sio_ack_reply_binary(const sio_ack *ack, const char *args_json,
                               const sio_bytes *attachments, size_t attachments_len);
/** A plain message ("message" event with one argument for newer clients). */
sio_error sio_send(sio_target to, const char *text);
sio_error sio_join(sio_conn_id conn, const char *room);
sio_error sio_leave(sio_conn_id conn, const char *room);
sio_error sio_disconnect(sio_conn_id conn);

/* ------------------------------------------------------------ broadcasts
 * Socket.IO's broadcast operator (`sio:realtime/broadcast`, docs/handlers.md
 * "Broadcasts"): several rooms at once, exceptions, `local` and `volatile`,
 * another endpoint. Fill an sio_broadcast (designated initializers; what is
 * left zero selects nothing) and emit:
 *
 *   sio_broadcast b = {
 *       .rooms = (const char *[]){"red", "blue"}, .rooms_len = 2,
 *       .except_conns = &sender, .except_conns_len = 1,
 *       .flags = SIO_EMIT_VOLATILE,
 *   };
 *   sio_broadcast_emit(&b, "moved", "[1,2]");
 *
 * A connection is in the audience when it is in any of `rooms` or listed in
 * `conns` (every connection of the endpoint when both are empty), and in
 * none of `except_rooms` nor listed in `except_conns`; it receives the
 * packet once. Connections listed that are not here are left out.
 *
 * The C SDK's world (stateful-endpoint) does not export `broadcast-events`:
 * broadcasts with acks and server emits with acks, whose answers arrive
 * there, are for the async worlds (the Rust, JavaScript and Python SDKs). */

/** How a broadcast goes out (`flags`). */
enum {
  /** This node's connections only: not published to the cluster (`local`). */
  SIO_EMIT_LOCAL = 1 << 0,
  /** Dropped (and counted) for a connection that cannot take it now,
   * instead of queued; never replayed by connection state recovery
   * (`volatile`). */
  SIO_EMIT_VOLATILE = 1 << 1,
};

/** Who a broadcast reaches and how; every pointer is borrowed for the call. */
typedef struct {
  /** Another endpoint (namespace) of this host, as `io.of(name)`: the emit
   * is delivered there right after the current handler call
   * (SIO_INVALID_NAME when there is none). NULL: this endpoint. */
  const char *endpoint;
  const char *const *rooms;
  size_t rooms_len;
  const sio_conn_id *conns;
  size_t conns_len;
  const char *const *except_rooms;
  size_t except_rooms_len;
  const sio_conn_id *except_conns;
  size_t except_conns_len;
  /** SIO_EMIT_LOCAL | SIO_EMIT_VOLATILE, or 0. */
  unsigned flags;
} sio_broadcast;

/** Emit `event` with `args_json` (a JSON array) to the connections `to`
 * selects (NULL: every connection of this endpoint), published to the other
 * nodes of a cluster unless SIO_EMIT_LOCAL. SIO_INVALID_NAME for an empty
 * room or event name, or an endpoint that is not there. */
sio_error sio_broadcast_emit(const sio_broadcast *to, const char *event, const char *args_json);
/** The same with binary attachments (referenced by placeholders in the JSON). */
sio_error sio_broadcast_emit_binary(const sio_broadcast *to, const char *event, const char *args_json,
                                    const sio_bytes *attachments, size_t attachments_len);
/** Send `event` with `args_json` (a JSON array) to this endpoint on every
 * other node of the cluster (Socket.IO's `serverSideEmit`): sio-host
 * handlers of the async worlds hear it, Node servers in
 * `io.of(nsp).on(event)`. Not to this node; nothing happens without a
 * cluster. */
sio_error sio_server_emit(const char *event, const char *args_json);

typedef enum { SIO_TRACE, SIO_DEBUG, SIO_INFO, SIO_WARN, SIO_ERROR } sio_log_level;
/** Log through the host, printf-style. */
void sio_log(sio_log_level level, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* ------------------------------------------------------------ conn-state */

/** A connection's data, kept by the host (docs/state.md): any JSON text,
 * "null" clears it. */
sio_error sio_set_data(sio_conn_id conn, const char *data_json);
/** A connection's data as JSON text ("null" when unset) in `*json` (free it). */
sio_error sio_data(sio_conn_id conn, char **json);
/** The connection's rooms, sorted, its Socket.IO id's included: `*rooms`
 * (free with sio_strings_free) and `*len`. */
sio_error sio_rooms(sio_conn_id conn, char ***rooms, size_t *len);
void sio_strings_free(char **strings, size_t len);
/** The connections in `room` on this node, ascending: `*len` of them in a
 * malloc'd array (free it). */
sio_conn_id *sio_room_conns(const char *room, size_t *len);
uint32_t sio_room_size(const char *room);

/* ------------------------------------------------------------ kv */

/** Why a key-value store call failed (the contract's kv-error); SIO_KV_OK: done. */
typedef enum {
  SIO_KV_OK = 0,
  SIO_KV_UNAVAILABLE,
  SIO_KV_TOO_LARGE,
  SIO_KV_LIMIT_EXCEEDED,
  SIO_KV_NOT_A_NUMBER,
  SIO_KV_INVALID_KEY,
} sio_kv_error;

const char *sio_kv_error_name(sio_kv_error e);
/** The value at `key` in `*value` (free it), NULL when absent. */
sio_kv_error sio_kv_get(const char *key, char **value);
sio_kv_error sio_kv_set(const char *key, const char *value);
/** Remove `key`; `*existed` (may be NULL): whether it was there. */
sio_kv_error sio_kv_delete(const char *key, bool *existed);
/** Add `delta` atomically; the new value in `*value` (may be NULL). */
sio_kv_error sio_kv_increment(const char *key, int64_t delta, int64_t *value);
/** Atomically: when `key` holds `expected` (NULL: absent), make it hold
 * `replacement` (NULL: remove it); `*swapped` whether it did. */
sio_kv_error sio_kv_compare_and_swap(const char *key, const char *expected,
                                     const char *replacement, bool *swapped);

/* ------------------------------------------------------------ config, stats */

/** A `[endpoints."/path".config]` value (free it), NULL when unset. */
char *sio_config_get(const char *key);
/** Every config value, keys sorted: `*len` pairs (free with sio_pairs_free). */
sio_pair *sio_config_values(size_t *len);
void sio_pairs_free(sio_pair *pairs, size_t len);
/** The /stats JSON document (free it). */
char *sio_stats_json(void);

/* ------------------------------------------------------------ JSON in */

typedef enum {
  SIO_JSON_NULL,
  SIO_JSON_BOOL,
  SIO_JSON_NUMBER,
  SIO_JSON_STRING,
  SIO_JSON_ARRAY,
  SIO_JSON_OBJECT,
} sio_json_type;

/** A parsed JSON value. Every value remembers its text in the source
 * (`raw`, `raw_len`: pass an argument on unchanged); object members carry
 * their key. */
typedef struct sio_json {
  sio_json_type type;
  const char *raw;   /* points into the parsed text: valid while it is */
  size_t raw_len;
  bool boolean;      /* SIO_JSON_BOOL */
  double number;     /* SIO_JSON_NUMBER */
  char *string;      /* SIO_JSON_STRING: decoded UTF-8, NUL-terminated */
  size_t string_len;
  struct sio_json *items; /* SIO_JSON_ARRAY elements, SIO_JSON_OBJECT members */
  size_t len;
  char *key;         /* set on an object's members: decoded, NUL-terminated */
  size_t key_len;
} sio_json;

/** Parse `len` bytes of JSON text (it must outlive the result: `raw`
 * points into it); NULL when it is not JSON. Free with sio_json_free. */
sio_json *sio_json_parse(const char *text, size_t len);
void sio_json_free(sio_json *value);
/** The `i`th element of an array; NULL past its end or when not an array. */
const sio_json *sio_json_at(const sio_json *array, size_t i);
/** An object's member `key` (the last one of that name); NULL when absent
 * or not an object. */
const sio_json *sio_json_get(const sio_json *object, const char *key);
/** The string's text, NULL when `v` is NULL or not a string. */
const char *sio_json_string(const sio_json *v);
/** Whether `v` is a non-negative integer that fits in 64 bits; its value. */
bool sio_json_u64(const sio_json *v, uint64_t *out);

/** Argument `i` as a string (NULL when absent or not one). */
const char *sio_args_string(const sio_args *args, size_t i);
/** Argument `i` parsed (NULL when absent). */
const sio_json *sio_args_at(const sio_args *args, size_t i);
/** Argument `i` when it is a binary: the placeholder's attachment. */
const sio_bytes *sio_args_binary(const sio_args *args, size_t i);

/* ------------------------------------------------------------ JSON out */

/** A growable, always NUL-terminated text (or byte) buffer. */
typedef struct sio_buf {
  char *data;
  size_t len;
  size_t cap;
} sio_buf;

#define SIO_BUF_INIT {0, 0, 0}
void sio_buf_free(sio_buf *b);
/** The text so far ("" when empty); valid until the next append. */
const char *sio_buf_str(sio_buf *b);
void sio_buf_raw(sio_buf *b, const char *bytes, size_t len);
void sio_buf_cstr(sio_buf *b, const char *s);
void sio_buf_printf(sio_buf *b, const char *format, ...) __attribute__((format(printf, 2, 3)));
/** `s` (`len` bytes of UTF-8) as a JSON string: quoted, escaped as serde_json does. */
void sio_buf_json_string(sio_buf *b, const char *s, size_t len);
void sio_buf_json_cstr(sio_buf *b, const char *s);

#ifdef __cplusplus
}
#endif

#endif /* SIO_H */

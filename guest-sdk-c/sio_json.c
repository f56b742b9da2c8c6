/* sio_json.c: the SDK's JSON reader (sio_json_parse) and writer (sio_buf),
 * enough for event arguments, CONNECT auth payloads and handler state.
 * Strict RFC 8259: what serde_json accepts (nesting up to 128 deep, as its
 * default), no comments, no trailing commas; lone UTF-16 surrogates in
 * \u escapes are refused as serde_json refuses them. */

#include "sio.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The SDK's allocator: allocation failure traps (sio.h). */
void *sio_xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) __builtin_trap();
  return q;
}

/* ------------------------------------------------------------ writer */

static void buf_reserve(sio_buf *b, size_t extra) {
  size_t need = b->len + extra + 1; /* + the NUL */
  if (need <= b->cap) return;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need) cap *= 2;
  b->data = sio_xrealloc(b->data, cap);
  b->cap = cap;
}

void sio_buf_free(sio_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

const char *sio_buf_str(sio_buf *b) { return b->data ? b->data : ""; }

void sio_buf_raw(sio_buf *b, const char *bytes, size_t len) {
  buf_reserve(b, len);
  if (len) memcpy(b->data + b->len, bytes, len);
  b->len += len;
  b->data[b->len] = 0;
}

void sio_buf_cstr(sio_buf *b, const char *s) { sio_buf_raw(b, s, strlen(s)); }

void sio_buf_printf(sio_buf *b, const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  char small[128];
  int n = vsnprintf(small, sizeof small, format, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof small) {
    sio_buf_raw(b, small, (size_t)n);
    return;
  }
  buf_reserve(b, (size_t)n);
  va_start(ap, format);
  vsnprintf(b->data + b->len, (size_t)n + 1, format, ap);
  va_end(ap);
  b->len += (size_t)n;
}

void sio_buf_json_string(sio_buf *b, const char *s, size_t len) {
  static const char hex[] = "0123456789abcdef";
  buf_reserve(b, len + 2);
  sio_buf_raw(b, "\"", 1);
  size_t start = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    const char *esc = NULL;
    char u[6];
    switch (c) {
      case '"': esc = "\\\""; break;
      case '\\': esc = "\\\\"; break;
      case '\b': esc = "\\b"; break;
      case '\f': esc = "\\f"; break;
      case '\n': esc = "\\n"; break;
      case '\r': esc = "\\r"; break;
      case '\t': esc = "\\t"; break;
      default:
        if (c >= 0x20) continue;
        memcpy(u, "\\u00", 4);
        u[4] = hex[c >> 4];
        u[5] = hex[c & 15];
    }
    sio_buf_raw(b, s + start, i - start);
    if (esc) sio_buf_raw(b, esc, 2);
    else sio_buf_raw(b, u, 6);
    start = i + 1;
  }
  sio_buf_raw(b, s + start, len - start);
  sio_buf_raw(b, "\"", 1);
}

void sio_buf_json_cstr(sio_buf *b, const char *s) { sio_buf_json_string(b, s, strlen(s)); }

/* ------------------------------------------------------------ reader */

#define MAX_DEPTH 128

typedef struct {
  const char *p;
  const char *end;
} reader;

static void skip_ws(reader *r) {
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) r->p++;
}

static void free_inner(sio_json *v) {
  free(v->string);
  free(v->key);
  for (size_t i = 0; i < v->len; i++) free_inner(&v->items[i]);
  free(v->items);
}

void sio_json_free(sio_json *value) {
  if (!value) return;
  free_inner(value);
  free(value);
}

static int hex4(const char *p, const char *end, unsigned *out) {
  if (end - p < 4) return 0;
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
    else return 0;
  }
  *out = v;
  return 1;
}

static void put_utf8(sio_buf *b, unsigned cp) {
  char u[4];
  size_t n;
  if (cp < 0x80) {
    u[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    u[0] = (char)(0xC0 | (cp >> 6));
    u[1] = (char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    u[0] = (char)(0xF0 | (cp >> 18));
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  sio_buf_raw(b, u, n);
}

/* A string at r->p (after its opening quote): decoded into `*out`, `*len` bytes. */
static int parse_string(reader *r, char **out, size_t *len) {
  sio_buf b = SIO_BUF_INIT;
  sio_buf_raw(&b, "", 0);
  const char *start = r->p;
  while (1) {
    if (r->p >= r->end) goto fail;
    unsigned char c = (unsigned char)*r->p;
    if (c == '"' || c == '\\') {
      sio_buf_raw(&b, start, (size_t)(r->p - start));
      if (c == '"') {
        r->p++;
        break;
      }
      r->p++;
      if (r->p >= r->end) goto fail;
      char e = *r->p++;
      switch (e) {
        case '"': sio_buf_raw(&b, "\"", 1); break;
        case '\\': sio_buf_raw(&b, "\\", 1); break;
        case '/': sio_buf_raw(&b, "/", 1); break;
        case 'b': sio_buf_raw(&b, "\b", 1); break;
        case 'f': sio_buf_raw(&b, "\f", 1); break;
        case 'n': sio_buf_raw(&b, "\n", 1); break;
        case 'r': sio_buf_raw(&b, "\r", 1); break;
        case 't': sio_buf_raw(&b, "\t", 1); break;
        case 'u': {
          unsigned cp;
          if (!hex4(r->p, r->end, &cp)) goto fail;
          r->p += 4;
          if (cp >= 0xDC00 && cp <= 0xDFFF) goto fail; /* a lone trailing surrogate */
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            unsigned lo;
            if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u' || !hex4(r->p + 2, r->end, &lo) ||
                lo < 0xDC00 || lo > 0xDFFF)
              goto fail; /* a lone leading surrogate */
            r->p += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          put_utf8(&b, cp);
          break;
        }
        default: goto fail;
      }
      start = r->p;
    } else if (c < 0x20) {
      goto fail; /* control characters must be escaped */
    } else {
      r->p++;
    }
  }
  *out = b.data;
  *len = b.len;
  return 1;
fail:
  sio_buf_free(&b);
  return 0;
}

static int parse_value(reader *r, sio_json *v, int depth);

static int literal(reader *r, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0) return 0;
  r->p += n;
  return 1;
}

static int parse_number(reader *r, sio_json *v) {
  const char *p = r->p;
  if (p < r->end && *p == '-') p++;
  if (p >= r->end) return 0;
  if (*p == '0') p++;
  else if (*p >= '1' && *p <= '9')
    while (p < r->end && *p >= '0' && *p <= '9') p++;
  else return 0;
  if (p < r->end && *p == '.') {
    p++;
    if (p >= r->end || *p < '0' || *p > '9') return 0;
    while (p < r->end && *p >= '0' && *p <= '9') p++;
  }
  if (p < r->end && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < r->end && (*p == '+' || *p == '-')) p++;
    if (p >= r->end || *p < '0' || *p > '9') return 0;
    while (p < r->end && *p >= '0' && *p <= '9') p++;
  }
  /* strtod wants a NUL-terminated copy (the text may go on). */
  size_t n = (size_t)(p - r->p);
  char small[64];
  char *copy = n < sizeof small ? small : sio_xrealloc(NULL, n + 1);
  memcpy(copy, r->p, n);
  copy[n] = 0;
  v->number = strtod(copy, NULL);
  if (copy != small) free(copy);
  v->type = SIO_JSON_NUMBER;
  r->p = p;
  return 1;
}

static int parse_items(reader *r, sio_json *v, int depth, char close, int object) {
  size_t cap = 0;
  skip_ws(r);
  if (r->p < r->end && *r->p == close) {
    r->p++;
    return 1;
  }
  while (1) {
    if (v->len == cap) {
      cap = cap ? cap * 2 : 4;
      v->items = sio_xrealloc(v->items, cap * sizeof *v->items);
    }
    sio_json *item = &v->items[v->len];
    memset(item, 0, sizeof *item);
    v->len++;
    skip_ws(r);
    if (object) {
      if (r->p >= r->end || *r->p != '"') return 0;
      r->p++;
      if (!parse_string(r, &item->key, &item->key_len)) return 0;
      skip_ws(r);
      if (r->p >= r->end || *r->p != ':') return 0;
      r->p++;
      skip_ws(r);
    }
    if (!parse_value(r, item, depth + 1)) return 0;
    skip_ws(r);
    if (r->p >= r->end) return 0;
    char c = *r->p++;
    if (c == close) return 1;
    if (c != ',') return 0;
  }
}

static int parse_value(reader *r, sio_json *v, int depth) {
  if (depth > MAX_DEPTH || r->p >= r->end) return 0;
  const char *start = r->p;
  int ok;
  switch (*r->p) {
    case 'n': ok = literal(r, "null"); v->type = SIO_JSON_NULL; break;
    case 't': ok = literal(r, "true"); v->type = SIO_JSON_BOOL; v->boolean = true; break;
    case 'f': ok = literal(r, "false"); v->type = SIO_JSON_BOOL; break;
    case '"':
      r->p++;
      v->type = SIO_JSON_STRING;
      ok = parse_string(r, &v->string, &v->string_len);
      break;
    case '[':
      r->p++;
      v->type = SIO_JSON_ARRAY;
      ok = parse_items(r, v, depth, ']', 0);
      break;
    case '{':
      r->p++;
      v->type = SIO_JSON_OBJECT;
      ok = parse_items(r, v, depth, '}', 1);
      break;
    default: ok = parse_number(r, v);
  }
  v->raw = start;
  v->raw_len = (size_t)(r->p - start);
  return ok;
}

sio_json *sio_json_parse(const char *text, size_t len) {
  reader r = {text, text + len};
  sio_json *v = sio_xrealloc(NULL, sizeof *v);
  memset(v, 0, sizeof *v);
  skip_ws(&r);
  int ok = parse_value(&r, v, 1);
  skip_ws(&r);
  if (!ok || r.p != r.end) {
    sio_json_free(v);
    return NULL;
  }
  return v;
}

const sio_json *sio_json_at(const sio_json *array, size_t i) {
  if (!array || array->type != SIO_JSON_ARRAY || i >= array->len) return NULL;
  return &array->items[i];
}

const sio_json *sio_json_get(const sio_json *object, const char *key) {
  if (!object || object->type != SIO_JSON_OBJECT) return NULL;
  size_t n = strlen(key);
  /* The last of duplicate keys wins, as in serde_json's maps. */
  for (size_t i = object->len; i-- > 0;) {
    const sio_json *m = &object->items[i];
    if (m->key_len == n && memcmp(m->key, key, n) == 0) return m;
  }
  return NULL;
}

const char *sio_json_string(const sio_json *v) {
  return v && v->type == SIO_JSON_STRING ? v->string : NULL;
}

bool sio_json_u64(const sio_json *v, uint64_t *out) {
  if (!v || v->type != SIO_JSON_NUMBER) return false;
  uint64_t n = 0;
  for (size_t i = 0; i < v->raw_len; i++) {
    char c = v->raw[i];
    if (c < '0' || c > '9') return false; /* a sign, a fraction or an exponent */
    uint64_t d = (uint64_t)(c - '0');
    if (n > (UINT64_MAX - d) / 10) return false;
    n = n * 10 + d;
  }
  *out = n;
  return true;
}

const sio_json *sio_args_at(const sio_args *args, size_t i) {
  return args ? sio_json_at(args->values, i) : NULL;
}

const char *sio_args_string(const sio_args *args, size_t i) {
  return sio_json_string(sio_args_at(args, i));
}

const sio_bytes *sio_args_binary(const sio_args *args, size_t i) {
  const sio_json *v = sio_args_at(args, i);
  const sio_json *flag = sio_json_get(v, "_placeholder");
  uint64_t num;
  if (!flag || flag->type != SIO_JSON_BOOL || !flag->boolean) return NULL;
  if (!sio_json_u64(sio_json_get(v, "num"), &num) || num >= args->attachments_len) return NULL;
  return &args->attachments[num];
}

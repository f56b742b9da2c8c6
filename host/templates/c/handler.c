/* {{name}}: a sio-host handler (sio:realtime@{{wit_version}}) in C.
 *
 * - `echo(...args)` with an ack: answered with the same arguments.
 * - `say(text)`: `said [text]` to every connection.
 *
 * The SDK is in sdk/ (sdk/sio.h documents it). */

#include <string.h>

#include "sio.h"

const char *sio_on_connect(const sio_conn_info *info) {
  sio_log(SIO_INFO, "{{name}}: %s connected", info->sid);
  return NULL;
}

void sio_on_event(sio_conn_id conn, const char *event, const sio_args *args, const sio_ack *ack) {
  (void)conn;
  if (strcmp(event, "echo") == 0 && ack) {
    sio_ack_reply(ack, args->json);
  } else if (strcmp(event, "say") == 0) {
    const char *text = sio_args_string(args, 0);
    sio_buf out = SIO_BUF_INIT;
    sio_buf_cstr(&out, "[");
    sio_buf_json_cstr(&out, text ? text : "");
    sio_buf_cstr(&out, "]");
    sio_emit(sio_all(), "said", sio_buf_str(&out));
    sio_buf_free(&out);
  }
}

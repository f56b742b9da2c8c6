//! htmlfile (protocol 1, Internet Explorer's "forever iframe"): one GET
//! answered with a chunked HTML document that never ends while the session
//! lives: the padded preamble, then one `<script>_("<payload>");</script>`
//! chunk per batch of queued packets. The client POSTs as on xhr-polling.
//! Its end (the browser closed the iframe) ends the session.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode};

use sio_protocol::{CloseReason, Frame, TransportKind, sio1};

use crate::http::{Body, StreamingBody};
use crate::session::{Drained, Session};

const CONTENT_TYPE: &str = "text/html; charset=UTF-8";

/// Ends the session when the response is dropped (the client went away).
struct Attached(Arc<Session>);

impl Drop for Attached {
    fn drop(&mut self) {
        self.0.close(CloseReason::TransportClose);
    }
}

/// The `<script>` chunk carrying a batch of packets.
fn chunk(frames: &[Frame]) -> Bytes {
    let packets: Vec<&str> = frames.iter().filter_map(Frame::as_text).collect();
    Bytes::from(sio1::encode_htmlfile_chunk(&sio1::encode_payload(&packets)))
}

fn with_headers<B>(body: B) -> Response<B> {
    let mut res = Response::new(body);
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    h.insert(header::CONNECTION, HeaderValue::from_static("keep-alive"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

/// The streaming document for an attached session: the preamble, then the
/// queue as it fills, until the session ends.
pub fn stream(session: Arc<Session>) -> Response<StreamingBody> {
    let first = Some((Attached(session), true));
    let chunks = stream::unfold(first, |state| async move {
        let (attached, first) = state?;
        let data = if first {
            Bytes::from_static(sio1::HTMLFILE_PREAMBLE.as_bytes())
        } else {
            match attached.0.drain(TransportKind::Websocket).await {
                Drained::Frames(frames) => chunk(&frames),
                Drained::Closed(_) | Drained::Noop => return None,
            }
        };
        attached.0.ctx.stats.bytes_out(data.len());
        Some((
            Ok::<_, Infallible>(hyper::body::Frame::data(data)),
            Some((attached, false)),
        ))
    });
    with_headers(StreamBody::new(chunks).boxed_unsync())
}

/// The answer for a session the server does not know: the preamble and
/// `7:::1+0` (the client handshakes again), and the end of the document.
pub fn not_handshaken() -> Response<Body> {
    let mut body = String::from(sio1::HTMLFILE_PREAMBLE);
    body.push_str(&sio1::encode_htmlfile_chunk(sio1::CLIENT_NOT_HANDSHAKEN));
    let mut res = with_headers(Full::new(Bytes::from(body)));
    *res.status_mut() = StatusCode::OK;
    res
}

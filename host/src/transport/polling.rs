//! HTTP long-polling: a GET waits for the session's queued frames, a POST
//! carries a payload of packets from the client. A request with `j=N` in its
//! query is a JSONP one: its GET is answered with a script and its POST is a
//! form (see `protocol::jsonp`).

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Request, Response, StatusCode};

use sio_protocol::engineio::ErrorCode;
use sio_protocol::wire::{self, PollingFormat, PostKind};
use sio_protocol::{CloseReason, Generation, TransportKind};

use crate::http::{Body, engine_error};
use crate::session::{Drained, Session};

/// Clears the session's "a poll is waiting" mark however the poll ends.
/// A poll dropped before it was answered (hyper drops the future when the
/// client goes away, e.g. an aborted request) closes an Engine.IO session,
/// as engine.io 3 and 4 do ("poll connection closed prematurely"). A
/// protocol-1 session has its close timeout for that instead.
struct PollGuard<'a> {
    session: &'a Session,
    answered: bool,
}

impl Drop for PollGuard<'_> {
    fn drop(&mut self) {
        self.session.end_poll();
        if !self.answered && self.session.generation != Generation::Sio1 {
            tracing::debug!(sid = %self.session.sid, "poll cancelled by the client");
            self.session.close(CloseReason::TransportClose);
        }
    }
}

fn text_response(
    status: StatusCode,
    body: impl Into<Bytes>,
    content_type: &'static str,
) -> Response<Body> {
    let mut res = Response::new(Full::new(body.into()));
    *res.status_mut() = status;
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

/// A GET: answer with everything queued, waiting for it if need be.
/// `jsonp` is the request's `j` parameter, if any.
pub async fn poll(session: &Arc<Session>, jsonp: Option<&str>) -> Response<Body> {
    if !session.begin_poll() {
        // Two GETs at once: the reference server drops the session.
        session.close(CloseReason::TransportClose);
        return engine_error(StatusCode::BAD_REQUEST, ErrorCode::BadRequest);
    }
    let mut guard = PollGuard {
        session,
        answered: false,
    };
    let format = PollingFormat {
        binary: session.binary_payloads,
        jsonp: jsonp.map(str::to_owned),
    };
    // Frames from the queue were counted out by the session; a noop or
    // close written here is counted here.
    let drained = session.drain(TransportKind::Polling);
    let drained = match session.poll_duration() {
        // Protocol 1: a poll with nothing to carry is answered empty after
        // the polling duration.
        Some(limit) => tokio::time::timeout(limit, drained)
            .await
            .unwrap_or(Drained::Noop),
        None => drained.await,
    };
    let generation = session.generation;
    let frames = match drained {
        Drained::Frames(frames) => frames,
        other => {
            let frame = match other {
                // The client closed: its pending poll gets a noop, as the
                // reference does.
                Drained::Noop | Drained::Closed(CloseReason::ClientClose) => wire::noop(generation),
                _ => wire::close(generation),
            };
            session.ctx.stats.packets_out(1);
            vec![frame]
        }
    };
    guard.answered = true;
    let payload = wire::polling_payload(session.generation, &format, &frames);
    session.ctx.stats.bytes_out(payload.body.len());
    text_response(StatusCode::OK, payload.body, payload.content_type)
}

/// What a POST body holds: a JSONP form, an Engine.IO 3 binary payload
/// (`application/octet-stream`, parameters and case aside), or text.
fn post_kind(req: &Request<Incoming>, jsonp: bool) -> PostKind {
    if jsonp {
        return PostKind::Form;
    }
    let binary = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(wire::BINARY));
    if binary {
        PostKind::Binary
    } else {
        PostKind::Text
    }
}

/// A POST: decode the payload and hand each packet to the session. `jsonp`:
/// the request has a `j` parameter, so the body is a form.
pub async fn post(session: &Arc<Session>, req: Request<Incoming>, jsonp: bool) -> Response<Body> {
    let kind = post_kind(&req, jsonp);
    let max = session.ctx.settings.max_payload;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return payload_too_large(session);
    }
    let body = match Limited::new(req.into_body(), max).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            return payload_too_large(session);
        }
        Err(_) => {
            session.close(CloseReason::TransportError);
            return engine_error(StatusCode::BAD_REQUEST, ErrorCode::BadRequest);
        }
    };
    session.ctx.stats.bytes_in(body.len());
    let packets = match wire::decode_post(session.generation, kind, &body) {
        Ok(p) => p,
        Err(e) => {
            tracing::debug!(sid = %session.sid, error = %e, "bad polling payload");
            session.close(CloseReason::ParseError);
            return match wire::post_refusal(session.generation, &e) {
                Some(body) => text_response(StatusCode::BAD_REQUEST, body, wire::TEXT),
                None => engine_error(StatusCode::BAD_REQUEST, ErrorCode::BadRequest),
            };
        }
    };
    for packet in packets {
        session.on_packet(packet);
    }
    // A client flooding events at a slow handler gets its answer once half
    // of them have run: it sends the next POST only after this one.
    if session.reads_paused() {
        session.reads_resumed().await;
    }
    text_response(
        StatusCode::OK,
        wire::post_answer(session.generation),
        "text/html",
    )
}

/// An oversize POST: the reference answers 413 and ends the session.
fn payload_too_large(session: &Session) -> Response<Body> {
    tracing::debug!(sid = %session.sid, "polling payload over max-payload");
    session.close(CloseReason::TransportError);
    let mut res = Response::new(Body::default());
    *res.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
    res
}

//! Socket.IO protocol 1's URLs (socket.io-client 0.7-0.9): the handshake
//! at `/socket.io/1/`, the reference server's answers to the odd cases, and
//! the dispatch of `/socket.io/1/<transport>/<sid>` to the transport that
//! serves it. The transports themselves are the shared polling and
//! websocket ones plus [`super::htmlfile`]; what differs on the wire is in
//! `sio_protocol::wire` and `sio_protocol::sio1`. docs/legacy-protocol.md
//! §1, §2, §5 and §8 describe every answer.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{Either, Full};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use sio_protocol::engineio::Packet;
use sio_protocol::sio1::{self, Handshake};
use sio_protocol::{Frame, Generation, HandshakeInfo, TransportKind, wire};

use super::{htmlfile, polling, websocket};
use crate::config::{SOCKET_IO_PATH, Sio1Config};
use crate::cors::Cors;
use crate::http::{AnyResponse, Query, handshake_info};
use crate::session::{Session, SessionContext};

/// What a protocol-1 request path asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route<'a> {
    /// No protocol number, or a path the reference does not know.
    Welcome,
    /// A protocol number other than 1.
    Unsupported,
    /// `/socket.io/1/` (also with a transport but no session id).
    Handshake,
    /// `/socket.io/1/<transport>/<sid>`; the transport is empty in the
    /// client's synchronous disconnect URL (`/socket.io/1//<sid>`).
    Transport { transport: &'a str, sid: &'a str },
}

/// The route of a path under `/socket.io/` (the part after it), as the
/// reference server's `^\/([^\/]+)\/?([^\/]+)?\/?([^\/]+)?\/?$` reads it,
/// except that an empty transport is kept (question 9 of the note).
pub fn route(rest: &str) -> Route<'_> {
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let mut parts = rest.split('/');
    let protocol = parts.next().unwrap_or("");
    let transport = parts.next();
    let sid = parts.next();
    if parts.next().is_some() || protocol.is_empty() {
        return Route::Welcome;
    }
    match protocol.parse::<u64>() {
        Ok(n) if n == u64::from(sio1::PROTOCOL) => {}
        // `Number('0')` is falsy in the reference: no protocol.
        Ok(0) | Err(_) => return Route::Welcome,
        Ok(_) => return Route::Unsupported,
    }
    match (transport, sid) {
        (_, None | Some("")) => Route::Handshake,
        (Some(transport), Some(sid)) => Route::Transport { transport, sid },
        (None, Some(_)) => Route::Welcome,
    }
}

/// Whether a request is protocol 1's: a path below `/socket.io/`, or
/// `/socket.io/` itself without the Engine.IO parameters newer clients send
/// (it is answered with the welcome text).
pub fn is_sio1(req: &Request<Incoming>) -> bool {
    let path = req.uri().path();
    match path.strip_prefix(SOCKET_IO_PATH) {
        Some("") => !Query::of(req).has_any(&["EIO", "transport", "sid"]),
        Some(_) => true,
        None => path == SOCKET_IO_PATH.trim_end_matches('/'),
    }
}

fn text(status: StatusCode, body: impl Into<Bytes>, content_type: &'static str) -> AnyResponse {
    let mut res = Response::new(Either::Left(Full::new(body.into())));
    *res.status_mut() = status;
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

/// Answer one protocol-1 request (the router adds the CORS headers).
pub async fn dispatch(
    ctx: &Arc<SessionContext>,
    remote: SocketAddr,
    req: Request<Incoming>,
    cors: &Cors,
) -> AnyResponse {
    if req.method() == Method::OPTIONS {
        return cors.preflight(req.headers()).map(Either::Left);
    }
    let path = req.uri().path().to_owned();
    let rest = path.strip_prefix(SOCKET_IO_PATH).unwrap_or("");
    let query = Query::of(&req);
    let param = |name: &str| query.get(name);
    match route(rest) {
        Route::Welcome => text(StatusCode::OK, sio1::WELCOME, wire::TEXT),
        Route::Unsupported => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            sio1::PROTOCOL_NOT_SUPPORTED,
            wire::TEXT,
        ),
        Route::Handshake => {
            let jsonp = param("jsonp").as_deref().and_then(sio1::jsonp_index);
            if cors.is_forbidden() {
                return refused_handshake(sio1::HANDSHAKE_BAD_ORIGIN, jsonp);
            }
            let info = handshake_info(remote, query, req.headers());
            handshake(ctx, info, jsonp)
        }
        Route::Transport { transport, sid } => {
            let session = ctx
                .sessions
                .get(sid)
                .filter(|s| s.generation == Generation::Sio1);
            if param("disconnect").is_some() {
                // The client's synchronous disconnect (page unload): as `0::`.
                if let Some(session) = session {
                    session.on_packet(Packet::Message(sio1::encode_disconnect("/")));
                }
                return text(StatusCode::OK, "", wire::TEXT);
            }
            let Some(name) = ctx
                .settings
                .sio1
                .transports
                .iter()
                .copied()
                .find(|t| *t == transport)
            else {
                tracing::debug!(transport, "protocol-1 transport unknown or not offered");
                return text(StatusCode::NOT_FOUND, "transport not supported", wire::TEXT);
            };
            let jsonp = (name == "jsonp-polling").then(|| {
                let i = param("i")
                    .as_deref()
                    .and_then(sio1::jsonp_index)
                    .unwrap_or(0);
                i.to_string()
            });
            match (name, req.method().clone()) {
                ("websocket" | "flashsocket", _) => {
                    if cors.is_forbidden() {
                        return text(
                            StatusCode::FORBIDDEN,
                            sio1::HANDSHAKE_BAD_ORIGIN,
                            wire::TEXT,
                        );
                    }
                    websocket::accept_sio1(req, &ctx.settings, session, name, remote)
                        .map(Either::Left)
                }
                (_, Method::POST) => match session {
                    Some(session) => polling::post(&session, req, jsonp.is_some())
                        .await
                        .map(Either::Left),
                    // Packets for a session that is gone are dropped.
                    None => text(StatusCode::OK, sio1::POST_ANSWER, wire::TEXT),
                },
                ("htmlfile", Method::GET) => match session {
                    Some(session) => {
                        session.attach_sio1(TransportKind::Websocket, name);
                        htmlfile::stream(session).map(Either::Right)
                    }
                    None => htmlfile::not_handshaken().map(Either::Left),
                },
                (_, Method::GET) => match session {
                    Some(session) => {
                        session.attach_sio1(TransportKind::Polling, name);
                        let mut res = polling::poll(&session, jsonp.as_deref()).await;
                        if jsonp.is_some() {
                            // The script must run even where a filter
                            // would take it for reflected input.
                            res.headers_mut()
                                .insert("x-xss-protection", HeaderValue::from_static("0"));
                        }
                        res.map(Either::Left)
                    }
                    None => not_handshaken(jsonp),
                },
                _ => text(StatusCode::METHOD_NOT_ALLOWED, "", wire::TEXT),
            }
        }
    }
}

/// A refused handshake as the reference server answers it: 403 with the
/// reason, or, for `?jsonp=N`, a script handing the client the error.
fn refused_handshake(reason: &str, jsonp: Option<u64>) -> AnyResponse {
    match jsonp {
        Some(i) => text(
            StatusCode::OK,
            sio1::encode_jsonp_error(i, reason),
            wire::JAVASCRIPT,
        ),
        None => text(StatusCode::FORBIDDEN, reason.to_owned(), wire::TEXT),
    }
}

/// Open a session and answer `sid:heartbeat:close:transports` (or its
/// JSONP form for `?jsonp=N`). Past a connection cap: `handshake
/// unauthorized`, as a refused authorization.
fn handshake(ctx: &Arc<SessionContext>, info: HandshakeInfo, jsonp: Option<u64>) -> AnyResponse {
    let Ok(admission) = ctx.admit(info.remote_addr.ip()) else {
        return refused_handshake(sio1::HANDSHAKE_UNAUTHORIZED, jsonp);
    };
    let session = Session::open_sio1(admission, info);
    let cfg = &ctx.settings.sio1;
    let handshake = Handshake {
        sid: &session.sid,
        heartbeat_timeout_secs: Sio1Config::handshake_secs(cfg.heartbeat_timeout),
        close_timeout_secs: Sio1Config::handshake_secs(cfg.close_timeout),
        transports: &cfg.transports,
    };
    match jsonp {
        Some(i) => text(StatusCode::OK, handshake.to_jsonp(i), wire::JAVASCRIPT),
        None => text(StatusCode::OK, handshake.to_body(), wire::TEXT),
    }
}

/// A poll for a session the server does not know: `7:::1+0` (the client
/// handshakes again), as a script for jsonp-polling (`jsonp`: its index).
fn not_handshaken(jsonp: Option<String>) -> AnyResponse {
    let format = wire::PollingFormat {
        binary: false,
        jsonp,
    };
    let frames = [Frame::text(sio1::CLIENT_NOT_HANDSHAKEN)];
    let payload = wire::polling_payload(Generation::Sio1, &format, &frames);
    text(StatusCode::OK, payload.body, payload.content_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(route(""), Route::Welcome);
        assert_eq!(route("socket.io.js"), Route::Welcome);
        assert_eq!(route("0/"), Route::Welcome);
        assert_eq!(route("2/"), Route::Unsupported);
        assert_eq!(route("1"), Route::Handshake);
        assert_eq!(route("1/"), Route::Handshake);
        assert_eq!(route("1/xhr-polling"), Route::Handshake);
        assert_eq!(route("1/xhr-polling/"), Route::Handshake);
        assert_eq!(
            route("1/xhr-polling/abc"),
            Route::Transport {
                transport: "xhr-polling",
                sid: "abc"
            }
        );
        assert_eq!(
            route("1/websocket/abc/"),
            Route::Transport {
                transport: "websocket",
                sid: "abc"
            }
        );
        assert_eq!(
            route("1//abc/"),
            Route::Transport {
                transport: "",
                sid: "abc"
            }
        );
        assert_eq!(route("1/a/b/c"), Route::Welcome);
    }
}

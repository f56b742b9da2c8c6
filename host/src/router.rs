//! Routing: `/socket.io/` requests (and `--msgpack-path`'s) to the
//! Engine.IO transports after the reference server's request checks (and
//! `/socket.io/1/...` to protocol 1's, see `transport::sio1`), `/stats` and
//! `/metrics`, and everything else to the static files. CORS headers go on
//! every Socket.IO answer. The path a session starts on picks its Socket.IO
//! parser (`--parser` for `/socket.io/`, msgpack for `--msgpack-path`), and
//! its later requests must come to the same path.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{Either, Full};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use sio_protocol::engineio::ErrorCode;
use sio_protocol::{Generation, Parser, TransportKind, WireFormat};

use crate::config::{Config, SOCKET_IO_PATH};
use crate::cors::{self, Cors};
use crate::http::{AnyResponse, Body, Query, engine_error, handshake_info};
use crate::session::{Session, SessionContext};
use crate::transport::websocket::Accepting;
use crate::transport::{polling, sio1, websocket};

/// What every request shares: the configuration and the sessions' context.
pub struct Router {
    config: Config,
    sessions: Arc<SessionContext>,
}

impl Router {
    /// A router over these sessions.
    pub fn new(config: Config, sessions: Arc<SessionContext>) -> Router {
        Router { config, sessions }
    }

    /// Answer one request.
    pub async fn route(&self, remote: SocketAddr, req: Request<Incoming>) -> AnyResponse {
        let path = req.uri().path();
        if let Some(parser) = self.parser_at(path) {
            return self.engine_request(remote, req, parser).await;
        }
        let stats = &self.sessions.stats;
        let public_stats = !self.config.stats_admin_only && req.method() == Method::GET;
        let res = if public_stats && path == "/stats" {
            stats_response(stats.to_json().to_string(), "application/json")
        } else if public_stats && path == "/metrics" {
            stats_response(stats.to_prometheus(), crate::stats::PROMETHEUS_CONTENT_TYPE)
        } else {
            crate::static_files::serve(&self.config.static_mounts, &req).await
        };
        res.map(Either::Left)
    }

    /// The Socket.IO parser of an Engine.IO path, None for other paths:
    /// `/socket.io/` has `--parser`'s, `--msgpack-path` msgpack.
    fn parser_at(&self, path: &str) -> Option<Parser> {
        let under = |prefix: &str| path.starts_with(prefix) || path == prefix.trim_end_matches('/');
        if under(SOCKET_IO_PATH) {
            Some(self.config.parser)
        } else if self.config.msgpack_path.as_deref().is_some_and(under) {
            Some(Parser::Msgpack)
        } else {
            None
        }
    }

    /// A request for the Socket.IO endpoint, with CORS headers for allowed
    /// origins: protocol 1's URLs (`/socket.io/1/...`, see
    /// `transport::legacy`), else Engine.IO's request checks, in the reference
    /// server's order: transport, origin, session id, then the handshake's
    /// method and protocol version.
    async fn engine_request(
        &self,
        remote: SocketAddr,
        req: Request<Incoming>,
        parser: Parser,
    ) -> AnyResponse {
        let cors = cors::check(&self.config.cors_origins, req.headers());
        let mut res = if sio1::is_sio1(&req) {
            // Socket.IO 0.7-0.9: its own URLs below /socket.io/.
            sio1::dispatch(&self.sessions, remote, req, &cors).await
        } else {
            engine_dispatch(&self.sessions, remote, req, &cors, parser)
                .await
                .map(Either::Left)
        };
        cors.apply(res.headers_mut());
        res
    }
}

/// `/stats` or `/metrics` (docs/stats.md).
fn stats_response(body: String, content_type: &'static str) -> Response<Body> {
    let mut res = Response::new(Full::new(Bytes::from(body)));
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn is_websocket_upgrade(req: &Request<Incoming>) -> bool {
    req.method() == Method::GET
        && req
            .headers()
            .get(header::UPGRADE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

async fn engine_dispatch(
    ctx: &Arc<SessionContext>,
    remote: SocketAddr,
    req: Request<Incoming>,
    cors: &Cors,
    parser: Parser,
) -> Response<Body> {
    if req.method() == Method::OPTIONS {
        return cors.preflight(req.headers());
    }
    let query = Query::of(&req);
    let [transport, jsonp, sid, eio] = query.get_each(["transport", "j", "sid", "EIO"]);
    let transport = match transport.as_deref() {
        Some("polling") => TransportKind::Polling,
        Some("websocket") => TransportKind::Websocket,
        _ => return engine_error(StatusCode::BAD_REQUEST, ErrorCode::UnknownTransport),
    };
    if cors.is_forbidden() {
        return engine_error(StatusCode::FORBIDDEN, ErrorCode::Forbidden);
    }
    let upgrade = is_websocket_upgrade(&req);
    // JSONP polling (`j=N`): scripts for GETs, forms for POSTs.
    let jsonp = jsonp.map(Cow::into_owned);
    if let Some(sid) = sid {
        // A protocol-1 session is reached only through its own URLs, any
        // other through the path (so the parser) it started on.
        let engine_session = ctx
            .sessions
            .get(&sid)
            .filter(|s| s.generation != Generation::Sio1 && s.format.parser() == parser);
        let Some(session) = engine_session else {
            return engine_error(StatusCode::BAD_REQUEST, ErrorCode::UnknownSid);
        };
        return match transport {
            TransportKind::Polling => {
                if session.transport() != TransportKind::Polling {
                    return engine_error(StatusCode::BAD_REQUEST, ErrorCode::BadRequest);
                }
                match *req.method() {
                    Method::GET => polling::poll(&session, jsonp.as_deref()).await,
                    Method::POST => polling::post(&session, req, jsonp.is_some()).await,
                    _ => engine_error(StatusCode::BAD_REQUEST, ErrorCode::BadRequest),
                }
            }
            TransportKind::Websocket => {
                if !upgrade {
                    return engine_error(StatusCode::BAD_REQUEST, ErrorCode::BadRequest);
                }
                if session.transport() != TransportKind::Polling || session.is_upgrading() {
                    let max = ctx.settings.max_payload;
                    return websocket::accept_and_close(req, max, remote);
                }
                websocket::accept(req, remote, Accepting::Upgrade(session))
            }
        };
    }
    // A handshake.
    let method_ok = match transport {
        TransportKind::Polling => req.method() == Method::GET,
        TransportKind::Websocket => upgrade,
    };
    if !method_ok {
        let code = match transport {
            TransportKind::Polling => ErrorCode::BadHandshakeMethod,
            TransportKind::Websocket => ErrorCode::BadRequest,
        };
        return engine_error(StatusCode::BAD_REQUEST, code);
    }
    // Msgpack is for Engine.IO 4 only.
    let format = Generation::from_eio(eio.as_deref()).and_then(|g| WireFormat::new(g, parser));
    let Some(format) = format else {
        return engine_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::UnsupportedProtocolVersion,
        );
    };
    let admission = match ctx.admit(remote.ip()) {
        Ok(admission) => admission,
        Err(_) => return engine_error(StatusCode::FORBIDDEN, ErrorCode::Forbidden),
    };
    match transport {
        TransportKind::Polling => {
            let info = handshake_info(remote, query, req.headers());
            let session = Session::open(admission, format, transport, info);
            // The open packet is queued: this answers at once, with it alone.
            let res = polling::poll(&session, jsonp.as_deref()).await;
            session.after_open();
            res
        }
        TransportKind::Websocket => {
            websocket::accept(req, remote, Accepting::Open(admission, format))
        }
    }
}

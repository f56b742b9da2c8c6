//! HTTP vocabulary every request handler shares: the body and response
//! types, Engine.IO's JSON error response, query-string access, and what a
//! handshake request tells about its client.
//!
//! A leaf: it knows hyper and the wire model, nothing of sessions or
//! endpoints.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{Either, Full};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Request, Response, StatusCode};
use sio_protocol::HandshakeInfo;
use sio_protocol::engineio::ErrorCode;

/// A whole response body.
pub type Body = Full<Bytes>;

/// A body written as it is produced (protocol 1's htmlfile document).
pub type StreamingBody = http_body_util::combinators::UnsyncBoxBody<Bytes, Infallible>;

/// A response of the Socket.IO endpoint: whole, or streamed (htmlfile).
pub type AnyResponse = Response<Either<Body, StreamingBody>>;

/// A response with Engine.IO's error JSON.
pub fn engine_error(status: StatusCode, code: ErrorCode) -> Response<Body> {
    let mut res = Response::new(Full::new(Bytes::from(code.to_json())));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

/// The first value of a query parameter.
pub fn query_param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A request's query string, form-decoded, in order.
pub fn query_pairs(req: &Request<Incoming>) -> Vec<(String, String)> {
    req.uri()
        .query()
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// What a handshake request tells about its client, kept for the session's
/// life (handlers see it in `conn-info`).
/// Kept compactly ([`sio_protocol::Pairs`]): every idle connection holds it.
pub fn handshake_info(
    remote: SocketAddr,
    query: &[(String, String)],
    headers: &hyper::HeaderMap,
) -> HandshakeInfo {
    let headers = headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)));
    HandshakeInfo {
        remote_addr: remote,
        query: query.iter().map(|(k, v)| (k, v)).collect(),
        headers: headers.collect(),
    }
}

/// [`handshake_info`] of a request as it arrived.
pub fn handshake_info_for(remote: SocketAddr, req: &Request<Incoming>) -> HandshakeInfo {
    handshake_info(remote, &query_pairs(req), req.headers())
}

//! Cross-origin policy for the Socket.IO endpoint.
//!
//! An allowlist of origins (`--cors-origin`). An allowed origin is reflected
//! with credentials (what socket.io-client's `withCredentials` needs, and
//! `*` would not allow). With no allowlist only same-origin requests pass.
//! Requests without an `Origin` header (non-browser clients) always pass.
//! The check also guards websocket handshakes, which browsers send
//! cross-origin without asking.

use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Response, StatusCode};

use crate::http::Body;

pub enum Cors {
    /// No Origin header, or the request's own host.
    NotCrossOrigin,
    Allowed(HeaderValue),
    Forbidden,
}

/// Judge a request's Origin against the allowlist.
pub fn check(allowed: &[String], headers: &HeaderMap) -> Cors {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Cors::NotCrossOrigin;
    };
    let Ok(origin_str) = origin.to_str() else {
        return Cors::Forbidden;
    };
    if allowed
        .iter()
        .any(|a| a == "*" || a.eq_ignore_ascii_case(origin_str))
    {
        return Cors::Allowed(origin.clone());
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    // ws@0.4, the websocket of socket.io-client 0.9 in Node, writes its
    // Origin without a scheme (`127.0.0.1:8000`): the same host still.
    let origin_host = origin_str
        .strip_prefix("http://")
        .or_else(|| origin_str.strip_prefix("https://"))
        .or_else(|| (!origin_str.contains("://")).then_some(origin_str));
    match (host, origin_host) {
        (Some(h), Some(o)) if h.eq_ignore_ascii_case(o) => Cors::NotCrossOrigin,
        _ => Cors::Forbidden,
    }
}

impl Cors {
    pub fn is_forbidden(&self) -> bool {
        matches!(self, Cors::Forbidden)
    }

    /// Add the response headers an allowed cross-origin request needs.
    pub fn apply(&self, headers: &mut HeaderMap) {
        if let Cors::Allowed(origin) = self {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
            headers.append(header::VARY, HeaderValue::from_static("Origin"));
        }
    }

    /// Answer an OPTIONS preflight.
    pub fn preflight(&self, req_headers: &HeaderMap) -> Response<Body> {
        let mut res = Response::new(Body::default());
        if let Cors::Allowed(_) = self {
            *res.status_mut() = StatusCode::NO_CONTENT;
            let h = res.headers_mut();
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST, OPTIONS"),
            );
            if let Some(asked) = req_headers.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
                h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
            }
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("86400"),
            );
        } else {
            *res.status_mut() = StatusCode::FORBIDDEN;
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(origin: Option<&str>, host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        if let Some(o) = origin {
            h.insert(header::ORIGIN, HeaderValue::from_str(o).unwrap());
        }
        h
    }

    #[test]
    fn same_origin_and_no_origin_pass() {
        assert!(matches!(
            check(&[], &headers(None, "a:1")),
            Cors::NotCrossOrigin
        ));
        assert!(matches!(
            check(&[], &headers(Some("http://a:1"), "a:1")),
            Cors::NotCrossOrigin
        ));
        assert!(matches!(
            check(&[], &headers(Some("a:1"), "a:1")),
            Cors::NotCrossOrigin
        ));
        assert!(matches!(
            check(&[], &headers(Some("b:1"), "a:1")),
            Cors::Forbidden
        ));
    }

    #[test]
    fn cross_origin_needs_the_allowlist() {
        assert!(check(&[], &headers(Some("http://b:2"), "a:1")).is_forbidden());
        let allowed = vec!["http://b:2".to_string()];
        let verdict = check(&allowed, &headers(Some("http://b:2"), "a:1"));
        let mut h = HeaderMap::new();
        verdict.apply(&mut h);
        assert_eq!(h[header::ACCESS_CONTROL_ALLOW_ORIGIN], "http://b:2");
        assert_eq!(h[header::ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");
        assert!(check(&allowed, &headers(Some("http://c:3"), "a:1")).is_forbidden());
    }
}

//! HTTP vocabulary every request handler shares: the body and response
//! types, Engine.IO's JSON error response, query-string access, and what a
//! handshake request tells about its client.
//!
//! A leaf: it knows hyper and the wire model, nothing of sessions or
//! endpoints.

use std::borrow::Cow;
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

/// A request's query string, read a parameter at a time.
///
/// Most requests want two or three parameters of a session that exists
/// (`transport`, `sid`, `j`); form-decoding every pair into owned strings
/// first cost about 5,000 instructions per polling request, twice per
/// polling ack (bench/RESULTS.md). A pair is decoded only when it has a
/// `%` or a `+`, and then exactly as `form_urlencoded` decodes it.
#[derive(Clone, Copy)]
pub struct Query<'a>(&'a str);

impl<'a> Query<'a> {
    /// The query of `req` (empty when it has none).
    pub fn of<B>(req: &'a Request<B>) -> Self {
        Query(req.uri().query().unwrap_or(""))
    }

    /// The first value of `name`, form-decoded.
    pub fn get(&self, name: &str) -> Option<Cow<'a, str>> {
        self.decoded().find_map(|(k, v)| (k == name).then_some(v))
    }

    /// The first value of each of `names`, form-decoded, in one pass.
    pub fn get_each<const N: usize>(&self, names: [&str; N]) -> [Option<Cow<'a, str>>; N] {
        let mut found: [Option<Cow<'a, str>>; N] = std::array::from_fn(|_| None);
        for (k, v) in self.decoded() {
            if let Some(i) = names.iter().position(|n| *n == k)
                && let Some(slot @ None) = found.get_mut(i)
            {
                *slot = Some(v);
            }
        }
        found
    }

    /// Whether any of `names` is present.
    pub fn has_any(&self, names: &[&str]) -> bool {
        self.decoded().any(|(k, _)| names.contains(&k.as_ref()))
    }

    /// Every pair, in order, as `form_urlencoded::parse` gives them (split
    /// on `&`, empty pieces skipped, key and value split at the first `=`),
    /// borrowed where nothing needs decoding.
    fn decoded(self) -> impl Iterator<Item = (Cow<'a, str>, Cow<'a, str>)> {
        let mut rest = self.0;
        std::iter::from_fn(move || {
            loop {
                if rest.is_empty() {
                    return None;
                }
                // One pass: the pair's end, its first `=`, whether to decode.
                let (mut end, mut eq, mut encoded) = (rest.len(), None, false);
                for (i, c) in rest.bytes().enumerate() {
                    match c {
                        b'&' => {
                            end = i;
                            break;
                        }
                        b'=' if eq.is_none() => eq = Some(i),
                        b'%' | b'+' => encoded = true,
                        _ => {}
                    }
                }
                // `&` and `=` are ASCII: these are character boundaries.
                let pair = rest.get(..end).unwrap_or(rest);
                rest = rest.get(end + 1..).unwrap_or("");
                if pair.is_empty() {
                    continue;
                }
                if encoded {
                    return form_urlencoded::parse(pair.as_bytes()).next();
                }
                let (k, v) = match eq {
                    Some(i) => (
                        pair.get(..i).unwrap_or(pair),
                        pair.get(i + 1..).unwrap_or(""),
                    ),
                    None => (pair, ""),
                };
                return Some((Cow::Borrowed(k), Cow::Borrowed(v)));
            }
        })
    }
}

/// What a handshake request tells about its client, kept for the session's
/// life (handlers see it in `conn-info`).
/// Kept compactly ([`sio_protocol::Pairs`]): every idle connection holds it.
pub fn handshake_info(
    remote: SocketAddr,
    query: Query<'_>,
    headers: &hyper::HeaderMap,
) -> HandshakeInfo {
    let headers = headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)));
    HandshakeInfo {
        remote_addr: remote,
        query: query.decoded().collect(),
        headers: headers.collect(),
    }
}

/// [`handshake_info`] of a request as it arrived.
pub fn handshake_info_for(remote: SocketAddr, req: &Request<Incoming>) -> HandshakeInfo {
    handshake_info(remote, Query::of(req), req.headers())
}

#[cfg(test)]
mod tests {
    use super::Query;

    /// The same pairs as `form_urlencoded::parse`, borrowed or decoded.
    #[test]
    fn query_reads_like_form_urlencoded() {
        for q in [
            "",
            "EIO=4&transport=polling&t=PZz1&sid=abc",
            "a=1&&b=&c&=d&a=2",
            "x=%41%2B+b&y%3D=1&name=caf%C3%A9&bad=%FF%E9&pct=%&plus=+&eq=a=b",
        ] {
            let ours: Vec<(String, String)> = Query(q)
                .decoded()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let theirs: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            assert_eq!(ours, theirs, "{q:?}");
        }
        let q = Query("transport=polling&j=3&sid=s1&x=a%20b&sid=s2&y%3D=z");
        assert_eq!(q.get("transport").as_deref(), Some("polling"));
        assert_eq!(q.get("sid").as_deref(), Some("s1"));
        assert_eq!(q.get("x").as_deref(), Some("a b"));
        assert_eq!(q.get("y=").as_deref(), Some("z"));
        assert_eq!(q.get("EIO"), None);
        let [t, sid, eio] = q.get_each(["transport", "sid", "EIO"]);
        assert_eq!(
            (t.as_deref(), sid.as_deref(), eio),
            (Some("polling"), Some("s1"), None)
        );
        assert!(q.has_any(&["EIO", "j"]));
        assert!(!q.has_any(&["EIO"]));
    }
}

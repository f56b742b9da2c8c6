//! Outbound HTTP for handlers (`async-host.http-fetch`): which hosts an
//! endpoint may reach (`http-allow`, none by default), and the request
//! itself, made by a tokio task with hyper's HTTP/1 client so the endpoint's
//! actor never waits on the network. The outcome comes back to the actor as
//! [`Command::Fetched`] and reaches the guest through `completions.on-fetch`.
//!
//! Plain `http://` only for now (no TLS in the host's dependencies); a
//! refused request (host not allowed, bad URL, connection refused, timeout,
//! body too large) is an `Err(reason)` the guest reads, never a host error.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::Uri;
use hyper_util::rt::TokioIo;

use super::actor::Command;
use super::bindings::{HttpRequest, HttpResponse};
use super::namespace::SelfQueue;

/// Requests one endpoint may have in flight; more are refused
/// (`limit-exceeded`).
pub(crate) const MAX_IN_FLIGHT: usize = 256;
/// The timeout when the guest gives none (0).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest response body handed to a guest.
const MAX_RESPONSE_BODY: usize = 8 << 20;

/// Where a request goes, once its URL passed the checks.
#[derive(Debug, PartialEq)]
pub(crate) struct Destination {
    pub uri: Uri,
    pub host: String,
    pub port: u16,
}

/// Parse `url` and check it against the endpoint's allowlist. Entries are a
/// host name (any port) or `host:port`, compared case-insensitively.
pub(crate) fn destination(url: &str, allow: &[String]) -> Result<Destination, String> {
    let uri: Uri = url
        .parse()
        .map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some(other) => {
            return Err(format!(
                "`{url}`: only http:// is supported, not {other}://"
            ));
        }
        None => return Err(format!("`{url}` is not an absolute http:// URL")),
    }
    let host = uri
        .host()
        .ok_or_else(|| format!("`{url}` has no host"))?
        .to_ascii_lowercase();
    let port = uri.port_u16().unwrap_or(80);
    let with_port = format!("{host}:{port}");
    let allowed = allow.iter().any(|entry| {
        let entry = entry.to_ascii_lowercase();
        entry == host || entry == with_port
    });
    if !allowed {
        return Err(format!(
            "host {with_port} is not allowed for this endpoint (add it to `http-allow` in sio.toml)"
        ));
    }
    Ok(Destination { uri, host, port })
}

/// Start `request` for `token`. The outcome, or the reason the request
/// was refused, is posted to the endpoint's queue.
pub(crate) fn start(token: u64, request: HttpRequest, allow: &[String], queue: &SelfQueue) {
    let endpoint = queue.endpoint.clone();
    let checked = destination(&request.url, allow);
    queue.rt.spawn(async move {
        let response = match checked {
            Ok(to) => {
                let timeout = match request.timeout_ms {
                    0 => DEFAULT_TIMEOUT,
                    ms => Duration::from_millis(ms.into()),
                };
                match tokio::time::timeout(timeout, perform(to, request)).await {
                    Ok(result) => result,
                    Err(_) => Err(format!("timed out after {} ms", timeout.as_millis())),
                }
            }
            Err(reason) => Err(reason),
        };
        endpoint.send(Command::Fetched { token, response });
    });
}

/// One HTTP/1.1 exchange on a fresh connection.
async fn perform(to: Destination, request: HttpRequest) -> Result<HttpResponse, String> {
    let stream = tokio::net::TcpStream::connect((to.host.as_str(), to.port))
        .await
        .map_err(|e| format!("connecting to {}:{}: {e}", to.host, to.port))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP handshake with {}:{}: {e}", to.host, to.port))?;
    // Driven until the exchange ends; dropped with this task on timeout.
    let driver = tokio::spawn(connection);
    let path = to
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/")
        .to_string();
    let mut builder = hyper::Request::builder()
        .method(request.method.as_str())
        .uri(path);
    let has_host = request
        .headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("host"));
    if !has_host {
        let host = match to.port {
            80 => to.host.clone(),
            port => format!("{}:{port}", to.host),
        };
        builder = builder.header(hyper::header::HOST, host);
    }
    for (name, value) in &request.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let req = builder
        .body(Full::new(Bytes::from(request.body)))
        .map_err(|e| format!("building the request: {e}"))?;
    let result = async {
        let res = sender
            .send_request(req)
            .await
            .map_err(|e| format!("HTTP request to {}:{}: {e}", to.host, to.port))?;
        let status = res.status().as_u16();
        let headers = res
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = Limited::new(res.into_body(), MAX_RESPONSE_BODY)
            .collect()
            .await
            .map_err(|e| format!("reading the response body: {e}"))?
            .to_bytes()
            .to_vec();
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
    .await;
    driver.abort();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow(entries: &[&str]) -> Vec<String> {
        entries.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn deny_by_default() {
        let err = destination("http://127.0.0.1:9/x", &[]).unwrap_err();
        assert!(err.contains("not allowed"), "{err}");
    }

    #[test]
    fn host_or_host_and_port() {
        let a = allow(&["Example.com", "127.0.0.1:8080"]);
        let d = destination("http://example.COM/a?b=1", &a).unwrap();
        assert_eq!((d.host.as_str(), d.port), ("example.com", 80));
        assert!(destination("http://example.com:81/", &a).is_ok());
        assert!(destination("http://127.0.0.1:8080/", &a).is_ok());
        assert!(destination("http://127.0.0.1:8081/", &a).is_err());
        assert!(destination("http://127.0.0.1/", &a).is_err());
    }

    #[test]
    fn bad_urls_say_why() {
        let a = allow(&["example.com"]);
        assert!(
            destination("https://example.com/", &a)
                .unwrap_err()
                .contains("only http://")
        );
        assert!(
            destination("/relative", &a)
                .unwrap_err()
                .contains("absolute")
        );
        assert!(
            destination("http://exa mple.com/", &a)
                .unwrap_err()
                .contains("not a URL")
        );
    }
}

//! Static files for the example pages: directories mounted under URL
//! prefixes (`--static /vendor=node_modules/socket.io-client/dist`).

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use crate::config::StaticMount;
use crate::http::Body;

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "swf" => "application/x-shockwave-flash",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn status(code: StatusCode) -> Response<Body> {
    let mut res = Response::new(Full::new(Bytes::from(
        code.canonical_reason().unwrap_or(""),
    )));
    *res.status_mut() = code;
    res
}

/// Resolve `path` under a mount; None for paths outside every mount or that
/// try to climb out of one.
fn resolve(mounts: &[StaticMount], path: &str) -> Option<std::path::PathBuf> {
    // Longest prefix wins, so `/vendor/` beats `/`.
    let mount = mounts
        .iter()
        .filter(|m| path.starts_with(&m.prefix) || path == m.prefix.trim_end_matches('/'))
        .max_by_key(|m| m.prefix.len())?;
    let rest = path.get(mount.prefix.len()..).unwrap_or("");
    let mut file = mount.dir.clone();
    for segment in rest.split('/') {
        match segment {
            "" | "." => {}
            ".." => return None,
            s if s.contains('\\') || s.contains('\0') => return None,
            s => file.push(s),
        }
    }
    if rest.is_empty() || rest.ends_with('/') {
        file.push("index.html");
    }
    Some(file)
}

pub async fn serve(mounts: &[StaticMount], req: &Request<hyper::body::Incoming>) -> Response<Body> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return status(StatusCode::METHOD_NOT_ALLOWED);
    }
    let Some(file) = resolve(mounts, req.uri().path()) else {
        return status(StatusCode::NOT_FOUND);
    };
    match tokio::fs::read(&file).await {
        Ok(bytes) => {
            let mut res = Response::new(Full::new(Bytes::from(bytes)));
            let ct = content_type(&file.to_string_lossy());
            res.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            res
        }
        Err(_) => status(StatusCode::NOT_FOUND),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_longest_prefix_and_refuses_climbing() {
        let mounts = vec![
            StaticMount::parse("site").unwrap(),
            StaticMount::parse("/vendor=dist").unwrap(),
        ];
        assert_eq!(
            resolve(&mounts, "/").unwrap(),
            std::path::Path::new("site/index.html")
        );
        assert_eq!(
            resolve(&mounts, "/a/b.js").unwrap(),
            std::path::Path::new("site/a/b.js")
        );
        assert_eq!(
            resolve(&mounts, "/vendor/x.js").unwrap(),
            std::path::Path::new("dist/x.js")
        );
        assert!(resolve(&mounts, "/../etc/passwd").is_none());
        assert!(resolve(&mounts, "/vendor/../../x").is_none());
        assert!(resolve(&[], "/").is_none());
    }
}

//! One validated configuration for a server, whatever it came from (CLI
//! flags now; a `sio.toml` later).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Result, bail};

/// Where the Socket.IO endpoint is mounted.
pub const SOCKET_IO_PATH: &str = "/socket.io/";

#[derive(Debug, Clone)]
pub struct EndpointConfig {
    /// Namespace path, e.g. "/" or "/chat".
    pub namespace: String,
    pub component: PathBuf,
}

impl EndpointConfig {
    /// Parse `FILE.wasm` (namespace "/") or `/nsp=FILE.wasm`.
    pub fn parse(spec: &str) -> Result<EndpointConfig> {
        let (namespace, file) = match spec.split_once('=') {
            Some((nsp, file)) if nsp.starts_with('/') => (nsp.to_string(), file),
            Some(_) => bail!(
                "endpoint `{spec}`: the namespace before `=` must start with `/` (e.g. /chat=chat.wasm)"
            ),
            None => ("/".to_string(), spec),
        };
        if file.is_empty() {
            bail!("endpoint `{spec}`: no component file after `=`");
        }
        if namespace.len() > 1 && namespace.ends_with('/') {
            bail!("endpoint `{spec}`: a namespace does not end with `/`");
        }
        if namespace.contains([',', '?', '#']) {
            bail!("endpoint `{spec}`: a namespace may not contain `,`, `?` or `#`");
        }
        Ok(EndpointConfig {
            namespace,
            component: PathBuf::from(file),
        })
    }
}

/// A directory served over HTTP under a URL prefix.
#[derive(Debug, Clone)]
pub struct StaticMount {
    /// URL prefix, starting and ending with `/`.
    pub prefix: String,
    pub dir: PathBuf,
}

impl StaticMount {
    /// Parse `DIR` (mounted at `/`) or `/prefix=DIR`.
    pub fn parse(spec: &str) -> Result<StaticMount> {
        let (prefix, dir) = match spec.split_once('=') {
            Some((p, d)) if p.starts_with('/') => (p.to_string(), d),
            _ => ("/".to_string(), spec),
        };
        let prefix = if prefix.ends_with('/') {
            prefix
        } else {
            format!("{prefix}/")
        };
        if prefix.starts_with(SOCKET_IO_PATH) {
            bail!("static mount `{spec}` would shadow {SOCKET_IO_PATH}");
        }
        Ok(StaticMount {
            prefix,
            dir: PathBuf::from(dir),
        })
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub ping_interval: Duration,
    pub ping_timeout: Duration,
    pub connect_timeout: Duration,
    /// Largest HTTP body or websocket message accepted, in bytes.
    pub max_payload: usize,
    pub call_deadline: Duration,
    /// Linear memory one handler instance may use, in bytes.
    pub max_memory: usize,
    /// Origins allowed cross-origin; empty means same-origin only.
    pub cors_origins: Vec<String>,
    pub static_mounts: Vec<StaticMount>,
    pub endpoints: Vec<EndpointConfig>,
}

impl Config {
    pub fn validate(&self) -> Result<()> {
        if self.endpoints.is_empty() {
            bail!(
                "no endpoint given: name a handler, e.g. `sio-host run chat.wasm` or `sio-host run /=chat.wasm /admin=admin.wasm`"
            );
        }
        for (i, e) in self.endpoints.iter().enumerate() {
            if self.endpoints[..i]
                .iter()
                .any(|o| o.namespace == e.namespace)
            {
                bail!("namespace {} is given twice", e.namespace);
            }
        }
        if self.ping_interval.is_zero() || self.ping_timeout.is_zero() {
            bail!("--ping-interval and --ping-timeout must be above 0");
        }
        if self.max_payload == 0 {
            bail!("--max-payload must be above 0");
        }
        if self.call_deadline.is_zero() {
            bail!("--call-deadline must be above 0");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_specs() {
        let e = EndpointConfig::parse("chat.wasm").unwrap();
        assert_eq!(
            (e.namespace.as_str(), e.component.to_str()),
            ("/", Some("chat.wasm"))
        );
        let e = EndpointConfig::parse("/admin=a/admin.wasm").unwrap();
        assert_eq!(
            (e.namespace.as_str(), e.component.to_str()),
            ("/admin", Some("a/admin.wasm"))
        );
        assert!(EndpointConfig::parse("admin=x.wasm").is_err());
        assert!(EndpointConfig::parse("/admin=").is_err());
        assert!(EndpointConfig::parse("/a,b=x.wasm").is_err());
    }

    #[test]
    fn static_specs() {
        let m = StaticMount::parse("examples/chat/static").unwrap();
        assert_eq!(m.prefix, "/");
        let m = StaticMount::parse("/vendor=node_modules/x").unwrap();
        assert_eq!(m.prefix, "/vendor/");
        assert!(StaticMount::parse("/socket.io/x=dir").is_err());
    }
}

//! The settings of Socket.IO protocol 1 (0.7-0.9 clients): its timers, the
//! transports offered at the handshake, and the Flash policy server. Flags
//! (`--legacy-*`, `--flash-policy-port`) over the `[legacy]` table of
//! `sio.toml` over the defaults below (docs/legacy-protocol.md §10).

use std::time::Duration;

use anyhow::{Result, bail};
use serde::Deserialize;

/// The five transports of protocol 1, in the 0.9 client's order.
pub const SIO1_TRANSPORTS: [&str; 5] = [
    "websocket",
    "flashsocket",
    "htmlfile",
    "xhr-polling",
    "jsonp-polling",
];

/// Offered when nothing is configured: all but flashsocket, as the
/// socket.io 0.9 server (flashsocket needs the policy server and a port
/// for it).
pub const DEFAULT_LEGACY_TRANSPORTS: [&str; 4] =
    ["websocket", "htmlfile", "xhr-polling", "jsonp-polling"];

/// Socket.IO protocol 1's resolved settings. Users know the protocol as
/// "legacy": flags `--legacy-*`, table `[legacy]` in `sio.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sio1Config {
    /// Between the server's `2::` on websocket, flashsocket and htmlfile
    /// (`--legacy-heartbeat-interval`, `heartbeat-interval`, ms; default
    /// 25 s).
    pub heartbeat_interval: Duration,
    /// Advertised at the handshake (whole seconds, rounded up): how long the
    /// client waits for any packet, and how long the server waits for the
    /// answer to its heartbeat (`--legacy-heartbeat-timeout`,
    /// `heartbeat-timeout`, ms; default 60 s).
    pub heartbeat_timeout: Duration,
    /// Advertised at the handshake (whole seconds, rounded up): a session
    /// with no request attached for this long ends (`--legacy-close-timeout`,
    /// `close-timeout`, ms; default 60 s).
    pub close_timeout: Duration,
    /// How long a poll with nothing to carry waits before it is answered
    /// `8::`; must stay under the close timeout (`--legacy-polling-duration`,
    /// `polling-duration`, ms; default 20 s).
    pub polling_duration: Duration,
    /// The transports offered, names from [`SIO1_TRANSPORTS`]
    /// (`--legacy-transports`, `transports`; default all but flashsocket).
    pub transports: Vec<&'static str>,
    /// The Flash socket policy server's port (0: any free one); None: off,
    /// the default. Only with flashsocket among the transports
    /// (`--flash-policy-port`, `flash-policy-port`).
    pub flash_policy_port: Option<u16>,
}

/// What the command line gave (None/empty: not given).
#[derive(Debug, Clone, Default)]
pub struct Sio1Overrides {
    /// `--legacy-heartbeat-interval`.
    pub heartbeat_interval: Option<Duration>,
    /// `--legacy-heartbeat-timeout`.
    pub heartbeat_timeout: Option<Duration>,
    /// `--legacy-close-timeout`.
    pub close_timeout: Option<Duration>,
    /// `--legacy-polling-duration`.
    pub polling_duration: Option<Duration>,
    /// `--legacy-transports` as given: repeated, or comma-separated lists.
    pub transports: Vec<String>,
    /// `--flash-policy-port`.
    pub flash_policy_port: Option<u16>,
}

/// `[legacy]` in `sio.toml`: the same keys as the flags, milliseconds.
///
/// ```toml
/// [legacy]
/// heartbeat-interval = 25000
/// heartbeat-timeout = 60000
/// close-timeout = 60000
/// polling-duration = 20000
/// transports = ["websocket", "flashsocket", "xhr-polling", "jsonp-polling", "htmlfile"]
/// flash-policy-port = 10843
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Sio1Section {
    /// `heartbeat-interval`, ms.
    pub heartbeat_interval: Option<u64>,
    /// `heartbeat-timeout`, ms.
    pub heartbeat_timeout: Option<u64>,
    /// `close-timeout`, ms.
    pub close_timeout: Option<u64>,
    /// `polling-duration`, ms.
    pub polling_duration: Option<u64>,
    /// `transports`: names from [`SIO1_TRANSPORTS`].
    pub transports: Option<Vec<String>>,
    /// `flash-policy-port` (0: any free one).
    pub flash_policy_port: Option<u16>,
}

impl Sio1Config {
    /// Flags over the file over the defaults, validated.
    pub fn resolve(o: Sio1Overrides, file: Sio1Section) -> Result<Sio1Config> {
        let ms = Duration::from_millis;
        let d = Sio1Config::default();
        let millis = |d: Duration| d.as_millis() as u64;
        let names = if o.transports.is_empty() {
            file.transports
                .unwrap_or_else(|| DEFAULT_LEGACY_TRANSPORTS.map(str::to_owned).to_vec())
        } else {
            o.transports
        };
        let mut transports = Vec::with_capacity(names.len());
        for name in names.iter().flat_map(|n| n.split(',')).map(str::trim) {
            let Some(known) = SIO1_TRANSPORTS.iter().find(|t| **t == name) else {
                bail!(
                    "unknown legacy transport {name:?} (known: {})",
                    SIO1_TRANSPORTS.join(", ")
                );
            };
            if !transports.contains(known) {
                transports.push(*known);
            }
        }
        let config = Sio1Config {
            heartbeat_interval: o.heartbeat_interval.unwrap_or(ms(file
                .heartbeat_interval
                .unwrap_or(millis(d.heartbeat_interval)))),
            heartbeat_timeout: o.heartbeat_timeout.unwrap_or(ms(file
                .heartbeat_timeout
                .unwrap_or(millis(d.heartbeat_timeout)))),
            close_timeout: o
                .close_timeout
                .unwrap_or(ms(file.close_timeout.unwrap_or(millis(d.close_timeout)))),
            polling_duration: o.polling_duration.unwrap_or(ms(file
                .polling_duration
                .unwrap_or(millis(d.polling_duration)))),
            transports,
            flash_policy_port: o.flash_policy_port.or(file.flash_policy_port),
        };
        config.validate()?;
        Ok(config)
    }

    /// Refuses zero timers, a heartbeat interval not below its timeout, a
    /// polling duration not below the close timeout (the 0.9 client would
    /// give up first), and a Flash policy port without flashsocket.
    pub fn validate(&self) -> Result<()> {
        if self.heartbeat_interval.is_zero()
            || self.heartbeat_timeout.is_zero()
            || self.close_timeout.is_zero()
            || self.polling_duration.is_zero()
        {
            bail!(
                "the legacy heartbeat interval and timeout, close timeout and polling duration must be above 0"
            );
        }
        if self.heartbeat_interval >= self.heartbeat_timeout {
            bail!(
                "--legacy-heartbeat-interval must be below --legacy-heartbeat-timeout \
                 (the 0.9 client gives up after the timeout without a packet)"
            );
        }
        if self.polling_duration >= self.close_timeout {
            bail!(
                "--legacy-polling-duration must be below --legacy-close-timeout \
                 (the 0.9 client drops a poll silent for the close timeout)"
            );
        }
        if self.flash_policy_port.is_some() && !self.offers("flashsocket") {
            bail!("--flash-policy-port needs flashsocket among --legacy-transports");
        }
        Ok(())
    }

    /// Whether `transport` is offered.
    pub fn offers(&self, transport: &str) -> bool {
        self.transports.contains(&transport)
    }

    /// A duration as the handshake writes it: whole seconds, rounded up, at
    /// least 1 (the 0.9 client reads 0 as "no time at all").
    pub fn handshake_secs(d: Duration) -> u64 {
        d.as_millis().div_ceil(1000).max(1) as u64
    }
}

impl Default for Sio1Config {
    /// The socket.io 0.9 server's timers, with the polling duration under
    /// the close timeout.
    fn default() -> Sio1Config {
        Sio1Config {
            heartbeat_interval: Duration::from_secs(25),
            heartbeat_timeout: Duration::from_secs(60),
            close_timeout: Duration::from_secs(60),
            polling_duration: Duration::from_secs(20),
            transports: DEFAULT_LEGACY_TRANSPORTS.to_vec(),
            flash_policy_port: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let d = Sio1Config::default();
        assert_eq!(d.heartbeat_timeout, Duration::from_secs(60));
        assert_eq!(d.transports, DEFAULT_LEGACY_TRANSPORTS.to_vec());
        let c = Sio1Config::resolve(
            Sio1Overrides {
                transports: vec!["xhr-polling,websocket".into(), "flashsocket".into()],
                flash_policy_port: Some(0),
                ..Default::default()
            },
            Sio1Section {
                close_timeout: Some(30_000),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(c.transports, ["xhr-polling", "websocket", "flashsocket"]);
        assert_eq!(c.close_timeout, Duration::from_secs(30));
    }

    #[test]
    fn refusals() {
        let bad = |o: Sio1Overrides| Sio1Config::resolve(o, Sio1Section::default());
        assert!(
            bad(Sio1Overrides {
                transports: vec!["carrier-pigeon".into()],
                ..Default::default()
            })
            .is_err()
        );
        assert!(
            bad(Sio1Overrides {
                flash_policy_port: Some(843),
                ..Default::default()
            })
            .is_err()
        );
        assert!(
            bad(Sio1Overrides {
                polling_duration: Some(Duration::from_secs(90)),
                ..Default::default()
            })
            .is_err()
        );
    }

    #[test]
    fn the_legacy_table_of_sio_toml() {
        let file: super::super::FileConfig = toml::from_str(
            r#"
            [legacy]
            heartbeat-interval = 10000
            close-timeout = 30000
            transports = ["websocket", "flashsocket"]
            flash-policy-port = 10843
            "#,
        )
        .unwrap();
        let c = Sio1Config::resolve(Sio1Overrides::default(), file.legacy.unwrap()).unwrap();
        assert_eq!(c.heartbeat_interval, Duration::from_secs(10));
        assert_eq!(c.close_timeout, Duration::from_secs(30));
        assert_eq!(c.transports, ["websocket", "flashsocket"]);
        assert_eq!(c.flash_policy_port, Some(10843));
        assert!(toml::from_str::<super::super::FileConfig>("[legacy]\nheartbeat = 1\n").is_err());
    }

    #[test]
    fn handshake_seconds_round_up() {
        assert_eq!(Sio1Config::handshake_secs(Duration::from_millis(1)), 1);
        assert_eq!(Sio1Config::handshake_secs(Duration::from_millis(1500)), 2);
        assert_eq!(Sio1Config::handshake_secs(Duration::from_secs(60)), 60);
    }
}

//! `/metrics` in the Prometheus text exposition format (0.0.4).

use std::fmt::Write as _;
use std::sync::atomic::Ordering::Relaxed;

use super::{
    AdapterStats, AdminUiStats, CLOSE_REASONS, EXPORTS, EndpointStats, GENERATIONS, HOST_ERRORS,
    LATENCY_BUCKETS_US, LimitStats, PatternStats, RecoveryStats, Stats, StoreStats, TRANSPORTS,
    close_index, close_label,
};

/// The `Content-Type` of `/metrics`: the Prometheus text format 0.0.4.
pub const PROMETHEUS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

impl AdapterStats {
    fn metrics(&self) -> [(&'static str, &'static str, &'static str, u64); 6] {
        [
            (
                "adapter_connected",
                "gauge",
                "1 while the Redis adapter is subscribed to the cluster.",
                u64::from(self.connected.load(Relaxed)),
            ),
            (
                "adapter_published_total",
                "counter",
                "Messages published to Redis.",
                self.published.load(Relaxed),
            ),
            (
                "adapter_lost_total",
                "counter",
                "Messages for other nodes lost while Redis was unreachable.",
                self.lost.load(Relaxed),
            ),
            (
                "adapter_received_total",
                "counter",
                "Broadcasts and requests received from other nodes.",
                self.received.load(Relaxed),
            ),
            (
                "adapter_malformed_total",
                "counter",
                "Messages from Redis that did not decode.",
                self.malformed.load(Relaxed),
            ),
            (
                "adapter_reconnects_total",
                "counter",
                "Times the Redis subscription was restored.",
                self.reconnects.load(Relaxed),
            ),
        ]
    }
}

impl StoreStats {
    fn metrics(&self) -> [(&'static str, &'static str, &'static str, u64); 2] {
        [
            (
                "store_ops_total",
                "counter",
                "Key-value store calls made by handlers.",
                self.ops.load(Relaxed),
            ),
            (
                "store_unavailable_total",
                "counter",
                "Store calls failed because the backend failed or did not answer.",
                self.unavailable.load(Relaxed),
            ),
        ]
    }
}

impl RecoveryStats {
    fn metrics(&self) -> [(&'static str, &'static str, &'static str, u64); 6] {
        let gauge = |v: &std::sync::atomic::AtomicI64| v.load(Relaxed).max(0) as u64;
        [
            (
                "recovery_away",
                "gauge",
                "Connections whose client dropped and may still recover.",
                gauge(&self.away),
            ),
            (
                "recovery_recovered_total",
                "counter",
                "Clients that recovered their connection state (here or from another node).",
                self.recovered.load(Relaxed) + self.recovered_remote.load(Relaxed),
            ),
            (
                "recovery_refused_total",
                "counter",
                "Recoveries refused: unknown private id, or offset out of the buffer.",
                self.unknown.load(Relaxed) + self.too_old.load(Relaxed),
            ),
            (
                "recovery_expired_total",
                "counter",
                "Away connections that did not come back within max-disconnection.",
                self.expired.load(Relaxed),
            ),
            (
                "recovery_buffered_bytes",
                "gauge",
                "Bytes held by the replay buffers.",
                gauge(&self.buffered_bytes),
            ),
            (
                "recovery_evicted_total",
                "counter",
                "Packets dropped from a replay buffer by its size or age cap.",
                self.evicted.load(Relaxed),
            ),
        ]
    }
}

impl AdminUiStats {
    fn metrics(&self) -> [(&'static str, &'static str, &'static str, u64); 3] {
        [
            (
                "admin_ui_clients",
                "gauge",
                "Admin UI dashboards signed in.",
                self.clients.load(Relaxed).max(0) as u64,
            ),
            (
                "admin_ui_refused_total",
                "counter",
                "Admin UI sign-ins refused.",
                self.refused.load(Relaxed),
            ),
            (
                "admin_ui_actions_refused_total",
                "counter",
                "Admin UI actions refused (misshapen, unknown namespace, read-only).",
                self.actions_refused.load(Relaxed),
            ),
        ]
    }
}

impl LimitStats {
    fn metrics(&self) -> [(&'static str, &'static str, &'static str, u64); 3] {
        [
            (
                "connections_refused_max_total",
                "counter",
                "Handshakes refused at --max-connections.",
                self.refused_max_connections.load(Relaxed),
            ),
            (
                "connections_refused_per_ip_total",
                "counter",
                "Handshakes refused at --max-connections-per-ip.",
                self.refused_per_ip.load(Relaxed),
            ),
            (
                "events_over_rate_total",
                "counter",
                "Events read from clients over --max-events-per-second.",
                self.events_over_rate.load(Relaxed),
            ),
        ]
    }
}

impl Stats {
    /// `/metrics` in the Prometheus text exposition format (0.0.4).
    pub fn to_prometheus(&self) -> String {
        let mut o = String::new();
        let now = self.now();
        let metric = |o: &mut String, name: &str, kind: &str, help: &str| {
            let _ = writeln!(o, "# HELP sio_{name} {help}\n# TYPE sio_{name} {kind}");
        };
        let opened = self.sessions_opened.load(Relaxed);
        metric(
            &mut o,
            "sessions_active",
            "gauge",
            "Engine.IO sessions open now.",
        );
        let _ = writeln!(
            o,
            "sio_sessions_active {}",
            opened.saturating_sub(self.closed_total())
        );
        metric(
            &mut o,
            "sessions_opened_total",
            "counter",
            "Engine.IO sessions opened.",
        );
        let _ = writeln!(o, "sio_sessions_opened_total {opened}");
        metric(
            &mut o,
            "sessions_closed_total",
            "counter",
            "Engine.IO sessions closed, by reason.",
        );
        for r in CLOSE_REASONS {
            let _ = writeln!(
                o,
                "sio_sessions_closed_total{{reason=\"{}\"}} {}",
                close_label(r),
                self.sessions_closed[close_index(r)].load(Relaxed)
            );
        }
        metric(
            &mut o,
            "connections_total",
            "counter",
            "Sessions opened, by first transport.",
        );
        for (n, c) in TRANSPORTS.iter().zip(&self.opened_by_transport) {
            let _ = writeln!(
                o,
                "sio_connections_total{{transport=\"{n}\"}} {}",
                c.load(Relaxed)
            );
        }
        metric(
            &mut o,
            "connections_by_generation_total",
            "counter",
            "Sessions opened, by protocol generation.",
        );
        for (n, c) in GENERATIONS.iter().zip(&self.opened_by_generation) {
            let _ = writeln!(
                o,
                "sio_connections_by_generation_total{{generation=\"{n}\"}} {}",
                c.load(Relaxed)
            );
        }
        let simple: [(&str, &str, &str, u64); 10] = [
            (
                "upgrades_total",
                "counter",
                "Polling sessions upgraded to websocket.",
                self.upgrades.load(Relaxed),
            ),
            (
                "packets_in_total",
                "counter",
                "Engine.IO packets received.",
                self.packets_in.load(Relaxed),
            ),
            (
                "packets_out_total",
                "counter",
                "Engine.IO packets sent.",
                self.packets_out.load(Relaxed),
            ),
            (
                "bytes_in_total",
                "counter",
                "Bytes received in polling bodies and websocket messages.",
                self.bytes_in.load(Relaxed),
            ),
            (
                "bytes_out_total",
                "counter",
                "Bytes sent in polling bodies and websocket messages.",
                self.bytes_out.load(Relaxed),
            ),
            (
                "reloads_ok_total",
                "counter",
                "Hot reloads that swapped in a new version.",
                self.reloads_ok.load(Relaxed),
            ),
            (
                "reloads_refused_total",
                "counter",
                "Hot reloads refused.",
                self.reloads_refused.load(Relaxed),
            ),
            (
                "slow_consumer_disconnects_total",
                "counter",
                "Sessions dropped for not reading their queue.",
                self.slow_consumer_disconnects.load(Relaxed),
            ),
            (
                "volatile_dropped_total",
                "counter",
                "Volatile emits dropped for clients that could not take them.",
                self.volatile_dropped.load(Relaxed),
            ),
            (
                "outbound_queue_depth",
                "gauge",
                "Frames waiting in outbound queues.",
                self.outbound_queued.load(Relaxed).max(0) as u64,
            ),
        ];
        for (name, kind, help, v) in simple
            .into_iter()
            .chain(self.adapter.metrics())
            .chain(self.limits.metrics())
            .chain(self.store.metrics())
            .chain(self.recovery.metrics())
            .chain(self.admin_ui.metrics())
        {
            metric(&mut o, name, kind, help);
            let _ = writeln!(o, "sio_{name} {v}");
        }
        let endpoints = self
            .endpoints
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        metric(
            &mut o,
            "unknown_namespace_total",
            "counter",
            "Socket.IO connects to a namespace no endpoint serves.",
        );
        let _ = writeln!(
            o,
            "sio_unknown_namespace_total {}",
            self.unknown_namespace.load(Relaxed)
        );
        let patterns = self
            .patterns
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let per_pattern: [(&str, &str, &str, PatternValue); 4] = [
            (
                "pattern_namespaces",
                "gauge",
                "Namespaces alive now, by pattern entry.",
                |p| p.alive.load(Relaxed).max(0) as u64,
            ),
            (
                "pattern_namespaces_started_total",
                "counter",
                "Namespaces started for a pattern entry.",
                |p| p.started.load(Relaxed),
            ),
            (
                "pattern_namespaces_stopped_total",
                "counter",
                "Namespaces of a pattern entry stopped (idle, or failed to start).",
                |p| p.stopped.load(Relaxed),
            ),
            (
                "pattern_refused_max_namespaces_total",
                "counter",
                "Connects refused because a pattern entry had max-namespaces alive.",
                |p| p.refused_max_namespaces.load(Relaxed),
            ),
        ];
        for (name, kind, help, value) in per_pattern {
            if patterns.is_empty() {
                break;
            }
            metric(&mut o, name, kind, help);
            for p in &patterns {
                let _ = writeln!(
                    o,
                    "sio_{name}{{pattern=\"{}\"}} {}",
                    escape(&p.name),
                    value(p)
                );
            }
        }
        metric(
            &mut o,
            "namespace_connects_total",
            "counter",
            "Socket.IO connects, by endpoint and verdict.",
        );
        for ep in &endpoints {
            for (verdict, c) in [("ok", &ep.connects), ("refused", &ep.connects_refused)] {
                let _ = writeln!(
                    o,
                    "sio_namespace_connects_total{{endpoint=\"{}\",verdict=\"{verdict}\"}} {}",
                    escape(&ep.name),
                    c.load(Relaxed)
                );
            }
        }
        metric(
            &mut o,
            "handler_failures_total",
            "counter",
            "Failed guest calls, by endpoint, export and kind.",
        );
        for ep in &endpoints {
            for (name, e) in EXPORTS.iter().zip(&ep.exports) {
                if e.calls.load(Relaxed) == 0 {
                    continue;
                }
                for (kind, c) in [
                    ("trap", &e.traps),
                    ("deadline", &e.deadlines),
                    ("memory", &e.memory),
                    ("fuel", &e.fuel),
                    ("error", &e.errors),
                ] {
                    let _ = writeln!(
                        o,
                        "sio_handler_failures_total{{endpoint=\"{}\",export=\"{name}\",kind=\"{kind}\"}} {}",
                        escape(&ep.name),
                        c.load(Relaxed)
                    );
                }
            }
        }
        // One value per endpoint.
        let per_endpoint: [(&str, &str, &str, EndpointValue); 2] = [
            (
                "handler_rebuilds_total",
                "counter",
                "Handler instances rebuilt after a failed call, by endpoint.",
                |ep| ep.rebuilds.load(Relaxed),
            ),
            (
                "endpoint_queue_depth",
                "gauge",
                "Commands waiting for an endpoint's handler.",
                |ep| ep.queued.load(Relaxed).max(0) as u64,
            ),
        ];
        for (name, kind, help, value) in per_endpoint {
            metric(&mut o, name, kind, help);
            for ep in &endpoints {
                let _ = writeln!(
                    o,
                    "sio_{name}{{endpoint=\"{}\"}} {}",
                    escape(&ep.name),
                    value(ep)
                );
            }
        }
        metric(
            &mut o,
            "host_call_refusals_total",
            "counter",
            "Host calls refused to handlers, by endpoint and host-error.",
        );
        for ep in &endpoints {
            for (name, c) in HOST_ERRORS.iter().zip(&ep.host_errors) {
                let _ = writeln!(
                    o,
                    "sio_host_call_refusals_total{{endpoint=\"{}\",error=\"{name}\"}} {}",
                    escape(&ep.name),
                    c.load(Relaxed)
                );
            }
        }
        metric(
            &mut o,
            "handler_call_seconds",
            "histogram",
            "Guest call latency, by endpoint and export.",
        );
        for ep in &endpoints {
            for (name, e) in EXPORTS.iter().zip(&ep.exports) {
                let calls = e.calls.load(Relaxed);
                if calls == 0 {
                    continue;
                }
                let labels = format!("endpoint=\"{}\",export=\"{name}\"", escape(&ep.name));
                let mut cumulative = 0;
                for (i, b) in e.buckets.iter().enumerate() {
                    cumulative += b.load(Relaxed);
                    let le = match LATENCY_BUCKETS_US.get(i) {
                        Some(us) => format!("{}", *us as f64 / 1e6),
                        None => "+Inf".into(),
                    };
                    let _ = writeln!(
                        o,
                        "sio_handler_call_seconds_bucket{{{labels},le=\"{le}\"}} {cumulative}"
                    );
                }
                let _ = writeln!(
                    o,
                    "sio_handler_call_seconds_sum{{{labels}}} {}",
                    e.sum_us.load(Relaxed) as f64 / 1e6
                );
                let _ = writeln!(o, "sio_handler_call_seconds_count{{{labels}}} {calls}");
            }
        }
        metric(
            &mut o,
            "rate_per_second",
            "gauge",
            "Events per second over the sliding window.",
        );
        let rates = [
            ("packets_in", &self.rate_packets_in),
            ("packets_out", &self.rate_packets_out),
            ("bytes_in", &self.rate_bytes_in),
            ("bytes_out", &self.rate_bytes_out),
            ("sessions_opened", &self.rate_sessions),
            ("handler_calls", &self.rate_calls),
        ];
        for (n, r) in rates {
            let _ = writeln!(o, "sio_rate_per_second{{what=\"{n}\"}} {}", r.rates(now).0);
        }
        metric(&mut o, "rate_per_minute", "gauge", "Events per minute.");
        for (n, r) in rates {
            let _ = writeln!(o, "sio_rate_per_minute{{what=\"{n}\"}} {}", r.rates(now).1);
        }
        o
    }
}

/// Reads one value of an endpoint's counters (for `/metrics`).
type EndpointValue = fn(&EndpointStats) -> u64;

/// Reads one value of a pattern entry's counters (for `/metrics`).
type PatternValue = fn(&PatternStats) -> u64;

/// A Prometheus label value: backslash, quote and newline escaped.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

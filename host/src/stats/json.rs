//! The `/stats` document (schema: docs/stats.md).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use serde_json::{Map, Value, json};

use super::{
    AdapterStats, AdminUiStats, CLOSE_REASONS, EXPORTS, GENERATIONS, HOST_ERRORS,
    LATENCY_BUCKETS_US, LimitStats, RATE_WINDOW_SECS, Rate, RecoveryStats, Stats, StoreStats,
    TRANSPORTS, close_index, close_label,
};

impl AdapterStats {
    fn to_json(&self) -> Value {
        json!({
            "kind": if self.redis.load(Relaxed) { "redis" } else { "local" },
            "connected": self.connected.load(Relaxed),
            "published": self.published.load(Relaxed),
            "lost": self.lost.load(Relaxed),
            "received": self.received.load(Relaxed),
            "malformed": self.malformed.load(Relaxed),
            "reconnects": self.reconnects.load(Relaxed),
        })
    }
}

impl StoreStats {
    fn to_json(&self) -> Value {
        let backend = match self.backend.load(Relaxed) {
            1 => "memory",
            2 => "file",
            3 => "redis",
            _ => "none",
        };
        json!({
            "backend": backend,
            "ops": self.ops.load(Relaxed),
            "errors": {
                "unavailable": self.unavailable.load(Relaxed),
                "too_large": self.too_large.load(Relaxed),
                "limit_exceeded": self.limit_exceeded.load(Relaxed),
                "not_a_number": self.not_a_number.load(Relaxed),
                "invalid_key": self.invalid_key.load(Relaxed),
            },
        })
    }
}

impl RecoveryStats {
    fn to_json(&self) -> Value {
        json!({
            "enabled": self.enabled.load(Relaxed),
            "away": self.away.load(Relaxed),
            "recovered": self.recovered.load(Relaxed),
            "recovered_remote": self.recovered_remote.load(Relaxed),
            "replayed": self.replayed.load(Relaxed),
            "refused": {
                "unknown": self.unknown.load(Relaxed),
                "too_old": self.too_old.load(Relaxed),
            },
            "expired": self.expired.load(Relaxed),
            "buffered": self.buffered.load(Relaxed),
            "buffered_bytes": self.buffered_bytes.load(Relaxed),
            "evicted": self.evicted.load(Relaxed),
        })
    }
}

impl AdminUiStats {
    fn to_json(&self) -> Value {
        json!({
            "enabled": self.enabled.load(Relaxed),
            "clients": self.clients.load(Relaxed).max(0),
            "refused": self.refused.load(Relaxed),
            "actions": self.actions.load(Relaxed),
            "actions_refused": self.actions_refused.load(Relaxed),
            "events_dropped": self.events_dropped.load(Relaxed),
        })
    }
}

impl LimitStats {
    fn to_json(&self) -> Value {
        let setting = |a: &AtomicU64| match a.load(Relaxed) {
            0 => Value::Null,
            n => json!(n),
        };
        json!({
            "max_connections": setting(&self.max_connections),
            "max_connections_per_ip": setting(&self.max_connections_per_ip),
            "max_events_per_second": setting(&self.max_events_per_second),
            "refused": {
                "max_connections": self.refused_max_connections.load(Relaxed),
                "max_connections_per_ip": self.refused_per_ip.load(Relaxed),
            },
            "events_over_rate": self.events_over_rate.load(Relaxed),
        })
    }
}

impl Stats {
    /// The `/stats` document (schema: docs/stats.md).
    pub fn to_json(&self) -> Value {
        let now = self.now();
        let opened = self.sessions_opened.load(Relaxed);
        let closed_total = self.closed_total();
        let mut closed = Map::new();
        for r in CLOSE_REASONS {
            closed.insert(
                close_label(r).into(),
                self.sessions_closed[close_index(r)].load(Relaxed).into(),
            );
        }
        let pair = |names: &[&str], v: &[AtomicU64]| {
            let mut m = Map::new();
            for (n, c) in names.iter().zip(v) {
                m.insert((*n).into(), c.load(Relaxed).into());
            }
            Value::Object(m)
        };
        let rate = |r: &Rate| {
            let (s, m) = r.rates(now);
            json!({ "per_second": s, "per_minute": m })
        };
        let mut endpoints = Map::new();
        let (mut traps, mut deadlines, mut calls) = (0u64, 0u64, 0u64);
        let (mut memory, mut fuel, mut rebuilds, mut host_errors) = (0u64, 0u64, 0u64, 0u64);
        let (mut connects, mut refused) = (0u64, 0u64);
        for ep in self
            .endpoints
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let (c, r) = (ep.connects.load(Relaxed), ep.connects_refused.load(Relaxed));
            connects += c;
            refused += r;
            let mut exports = Map::new();
            for (name, e) in EXPORTS.iter().zip(&ep.exports) {
                let n = e.calls.load(Relaxed);
                if n == 0 {
                    continue;
                }
                calls += n;
                traps += e.traps.load(Relaxed);
                deadlines += e.deadlines.load(Relaxed);
                memory += e.memory.load(Relaxed);
                fuel += e.fuel.load(Relaxed);
                let buckets: Vec<Value> =
                    e.buckets.iter().map(|b| b.load(Relaxed).into()).collect();
                exports.insert(
                    (*name).into(),
                    json!({
                        "calls": n,
                        "traps": e.traps.load(Relaxed),
                        "deadlines": e.deadlines.load(Relaxed),
                        "memory": e.memory.load(Relaxed),
                        "fuel": e.fuel.load(Relaxed),
                        "errors": e.errors.load(Relaxed),
                        "latency_us": {
                            "bounds": LATENCY_BUCKETS_US,
                            "counts": buckets,
                            "sum": e.sum_us.load(Relaxed),
                        },
                    }),
                );
            }
            let mut refusals = Map::new();
            for (name, n) in HOST_ERRORS.iter().zip(&ep.host_errors) {
                let n = n.load(Relaxed);
                host_errors += n;
                refusals.insert((*name).into(), n.into());
            }
            let rebuilt = ep.rebuilds.load(Relaxed);
            rebuilds += rebuilt;
            let mut entry = json!({
                "connects": c,
                "connects_refused": r,
                "rebuilds": rebuilt,
                "queue_depth": ep.queued.load(Relaxed).max(0),
                "host_errors": refusals,
                "exports": exports,
            });
            if let Some(pattern) = &ep.pattern {
                entry["pattern"] = pattern.as_str().into();
            }
            if let Some(shards) = ep.shard_conns.get() {
                let shards: Vec<Value> = shards
                    .iter()
                    .map(|n| json!({ "connections": n.load(Relaxed).max(0) }))
                    .collect();
                entry["shards"] = shards.into();
            }
            endpoints.insert(ep.name.clone(), entry);
        }
        let mut patterns = Map::new();
        let mut refused_max_namespaces = 0u64;
        for p in self
            .patterns
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let refused = p.refused_max_namespaces.load(Relaxed);
            refused_max_namespaces += refused;
            patterns.insert(
                p.name.clone(),
                json!({
                    "alive": p.alive.load(Relaxed).max(0),
                    "max_namespaces": p.max_namespaces.load(Relaxed),
                    "started": p.started.load(Relaxed),
                    "stopped": p.stopped.load(Relaxed),
                    "refused_max_namespaces": refused,
                }),
            );
        }
        json!({
            "uptime_seconds": self.started.elapsed().as_secs_f64(),
            "sessions": {
                "active": opened.saturating_sub(closed_total),
                "opened": opened,
                "closed": closed_total,
                "closed_by_reason": closed,
            },
            "connections": {
                "by_transport": pair(&TRANSPORTS, &self.opened_by_transport),
                "by_generation": pair(&GENERATIONS, &self.opened_by_generation),
                "upgrades": self.upgrades.load(Relaxed),
            },
            "namespace_connects": {
                "ok": connects,
                "refused": refused,
                "unknown_namespace": self.unknown_namespace.load(Relaxed),
                "refused_max_namespaces": refused_max_namespaces,
            },
            "namespace_patterns": patterns,
            "packets": { "in": self.packets_in.load(Relaxed), "out": self.packets_out.load(Relaxed) },
            "bytes": { "in": self.bytes_in.load(Relaxed), "out": self.bytes_out.load(Relaxed) },
            "handlers": {
                "calls": calls,
                "traps": traps,
                "deadlines": deadlines,
                "memory": memory,
                "fuel": fuel,
                "rebuilds": rebuilds,
                "host_errors": host_errors,
                "endpoints": endpoints,
            },
            "reloads": {
                "ok": self.reloads_ok.load(Relaxed),
                "refused": self.reloads_refused.load(Relaxed),
            },
            "slow_consumer_disconnects": self.slow_consumer_disconnects.load(Relaxed),
            "volatile_dropped": self.volatile_dropped.load(Relaxed),
            "outbound_queue_depth": self.outbound_queued.load(Relaxed).max(0),
            "adapter": self.adapter.to_json(),
            "limits": self.limits.to_json(),
            "store": self.store.to_json(),
            "recovery": self.recovery.to_json(),
            "admin_ui": self.admin_ui.to_json(),
            "rates": {
                "window_seconds": RATE_WINDOW_SECS,
                "packets_in": rate(&self.rate_packets_in),
                "packets_out": rate(&self.rate_packets_out),
                "bytes_in": rate(&self.rate_bytes_in),
                "bytes_out": rate(&self.rate_bytes_out),
                "sessions_opened": rate(&self.rate_sessions),
                "handler_calls": rate(&self.rate_calls),
            },
        })
    }
}

//! What clients may take of the server: sessions at once, in all and per
//! client IP (`--max-connections`, `--max-connections-per-ip`), and events
//! per second per client (`--max-events-per-second`).
//!
//! A handshake over a connection cap is refused before a session exists:
//! Engine.IO's `Forbidden` (HTTP 403), protocol 1's `handshake
//! unauthorized`. A client over its event rate is not refused anything it
//! sent (nothing read is dropped): the server stops reading from it until
//! the rate allows, and one that stays over the rate past the grace is
//! disconnected (reason `rate limit`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::SessionContext;

/// Sessions held now, in all and per client IP (counted only when a cap
/// is set).
#[derive(Default)]
pub(super) struct Admissions {
    total: usize,
    per_ip: HashMap<IpAddr, usize>,
}

/// Why a handshake was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `--max-connections` sessions are held already.
    MaxConnections,
    /// The client's IP holds `--max-connections-per-ip` sessions already.
    MaxConnectionsPerIp,
}

/// A place for one session, taken at its handshake. Given back when the
/// session closes, or when this is dropped before a session took it over
/// (a websocket handshake the client abandoned).
pub struct Admission {
    ctx: Arc<SessionContext>,
    ip: IpAddr,
    counted: bool,
}

impl Admission {
    /// The server the place is in.
    pub fn ctx(&self) -> &Arc<SessionContext> {
        &self.ctx
    }

    /// The session took it over: it gives the place back at its close.
    pub(super) fn into_session(mut self) -> bool {
        std::mem::take(&mut self.counted)
    }
}

impl Drop for Admission {
    fn drop(&mut self) {
        if self.counted {
            self.ctx.release(self.ip);
        }
    }
}

impl SessionContext {
    fn counts_admissions(&self) -> bool {
        let s = &self.settings;
        s.max_connections.is_some() || s.max_connections_per_ip.is_some()
    }

    fn admissions(&self) -> std::sync::MutexGuard<'_, Admissions> {
        super::lock(&self.admissions)
    }

    /// Take a place for a new session from `ip`, or say which cap refuses
    /// it (counted in `/stats`).
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Admission, Refusal> {
        let counted = self.counts_admissions();
        if counted {
            let mut a = self.admissions();
            let of_ip = a.per_ip.get(&ip).copied().unwrap_or(0);
            let refusal = if self
                .settings
                .max_connections
                .is_some_and(|max| a.total >= max)
            {
                Some(Refusal::MaxConnections)
            } else if self
                .settings
                .max_connections_per_ip
                .is_some_and(|max| of_ip >= max)
            {
                Some(Refusal::MaxConnectionsPerIp)
            } else {
                None
            };
            if let Some(refusal) = refusal {
                drop(a);
                let counter = match refusal {
                    Refusal::MaxConnections => &self.stats.limits.refused_max_connections,
                    Refusal::MaxConnectionsPerIp => &self.stats.limits.refused_per_ip,
                };
                counter.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(%ip, ?refusal, "handshake refused");
                return Err(refusal);
            }
            a.total += 1;
            *a.per_ip.entry(ip).or_insert(0) += 1;
        }
        Ok(Admission {
            ctx: self.clone(),
            ip,
            counted,
        })
    }

    /// A session admitted from `ip` is gone.
    pub(super) fn release(&self, ip: IpAddr) {
        let mut a = self.admissions();
        a.total = a.total.saturating_sub(1);
        if let Some(n) = a.per_ip.get_mut(&ip) {
            *n -= 1;
            if *n == 0 {
                a.per_ip.remove(&ip);
            }
        }
    }
}

/// A client's event allowance (`--max-events-per-second` N): a token
/// bucket of N tokens refilled at N per second. An event read takes one,
/// even from an empty bucket: what was read is never dropped, the debt
/// only makes the pause longer.
pub(super) struct EventRate {
    per_second: f64,
    tokens: f64,
    refilled: Instant,
    /// Since when the client has been over its rate (its bucket never
    /// refilled whole meanwhile).
    over_since: Option<Instant>,
}

/// What the client's rate says after an event.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum RateVerdict {
    /// Go on reading.
    Ok,
    /// Stop reading for this long.
    Pause(Duration),
    /// Over the rate past the grace: disconnect.
    Exceeded,
}

impl EventRate {
    pub(super) fn new(per_second: u32, now: Instant) -> EventRate {
        let per_second = f64::from(per_second);
        EventRate {
            per_second,
            tokens: per_second,
            refilled: now,
            over_since: None,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.refilled = now;
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.per_second);
        if self.tokens >= self.per_second {
            self.over_since = None;
        }
    }

    /// One event arrived at `now`.
    pub(super) fn take(&mut self, now: Instant, grace: Duration) -> RateVerdict {
        self.refill(now);
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            return RateVerdict::Ok;
        }
        let since = *self.over_since.get_or_insert(now);
        if now.saturating_duration_since(since) > grace {
            return RateVerdict::Exceeded;
        }
        RateVerdict::Pause(self.wait(now))
    }

    /// How long until a token is back; zero when there is one.
    pub(super) fn wait(&mut self, now: Instant) -> Duration {
        self.refill(now);
        if self.tokens >= 0.0 {
            return Duration::ZERO;
        }
        Duration::from_secs_f64(-self.tokens / self.per_second)
    }
}

/// The admissions table, for [`SessionContext`].
pub(super) type AdmissionTable = Mutex<Admissions>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_a_seconds_worth_passes_then_reads_pause() {
        let t0 = Instant::now();
        let grace = Duration::from_secs(10);
        let mut r = EventRate::new(10, t0);
        for _ in 0..10 {
            assert_eq!(r.take(t0, grace), RateVerdict::Ok);
        }
        assert_eq!(
            r.take(t0, grace),
            RateVerdict::Pause(Duration::from_millis(100))
        );
        // 100 ms later a token is back.
        let t1 = t0 + Duration::from_millis(100);
        assert_eq!(r.wait(t1), Duration::ZERO);
        assert_eq!(
            r.take(t1, grace),
            RateVerdict::Pause(Duration::from_millis(100))
        );
    }

    #[test]
    fn staying_over_the_rate_past_the_grace_is_exceeded() {
        let t0 = Instant::now();
        let grace = Duration::from_secs(2);
        let mut r = EventRate::new(10, t0);
        let mut t = t0;
        let mut verdict = RateVerdict::Ok;
        // 20 events a second against 10 allowed.
        for _ in 0..100 {
            t += Duration::from_millis(50);
            verdict = r.take(t, grace);
            if verdict == RateVerdict::Exceeded {
                break;
            }
        }
        assert_eq!(verdict, RateVerdict::Exceeded);
        assert!(t - t0 > grace && t - t0 < grace + Duration::from_secs(2));
    }

    #[test]
    fn a_client_back_under_its_rate_is_forgiven() {
        let t0 = Instant::now();
        let grace = Duration::from_secs(1);
        let mut r = EventRate::new(10, t0);
        for _ in 0..15 {
            r.take(t0, grace);
        }
        // Quiet long enough to refill whole: the over-rate clock restarts.
        let t1 = t0 + Duration::from_secs(5);
        assert_eq!(r.take(t1, grace), RateVerdict::Ok);
        for _ in 0..20 {
            assert_ne!(r.take(t1, grace), RateVerdict::Exceeded);
        }
    }
}

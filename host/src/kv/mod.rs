//! The key-value store handlers reach through `sio:realtime/store`
//! (docs/state.md): keys scoped per endpoint, string values, get, set,
//! delete, atomic increment and compare-and-swap, on one of three
//! backends: in memory (the default; this process only), a file (`[store]
//! path`, redb; survives a restart), or the cluster's Redis (`--redis`;
//! every node sees the same values, so a compare-and-swap decides once for
//! the whole cluster).
//!
//! Calls are synchronous for the guest, on a bounded fast path: memory and
//! file answer in this process (a file write is one redb commit, flushed to
//! disk); Redis answers within `store-timeout` (default 100 ms), or the
//! call fails `unavailable`, and for a second after a failure every call
//! fails at once instead of waiting again. A guest never holds its
//! endpoint longer than that on the store.
//!
//! Limits ([`KvLimits`]): key length, value size, keys per endpoint (and
//! operations per guest call, counted by the import). A refusal changes
//! nothing; every outcome is counted in `/stats` (`store`).

mod file;
mod memory;
mod redis;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use anyhow::Result;

use crate::stats::Stats;

/// The longest key, in bytes.
pub const MAX_KEY: usize = 512;

/// Why a store call failed; nothing was changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KvError {
    /// The backend failed or did not answer in time (logged, counted).
    Unavailable,
    /// A key over [`MAX_KEY`] bytes or a value over the value limit.
    TooLarge,
    /// The endpoint has the most keys it may (or the call used its store
    /// operations).
    LimitExceeded,
    /// `increment` on a value that is not a 64-bit integer.
    NotANumber,
    /// An empty key.
    InvalidKey,
}

/// What the store allows one endpoint.
#[derive(Debug, Clone, Copy)]
pub struct KvLimits {
    /// The largest value, in bytes.
    pub max_value: usize,
    /// Keys one endpoint may hold.
    pub max_keys: u64,
    /// Store operations one guest call may make.
    pub max_ops_per_call: u32,
}

/// Which backend, and its settings.
#[derive(Debug, Clone)]
pub enum KvBackendConfig {
    /// In this process's memory.
    Memory,
    /// A redb file.
    File(PathBuf),
    /// The cluster's Redis, each call bounded by the timeout.
    Redis {
        /// `redis://...`
        url: String,
        /// How long one call may wait for Redis.
        timeout: Duration,
    },
}

/// One backend's operations, per scope (an endpoint's namespace).
trait Backend: Send + Sync {
    fn name(&self) -> &'static str;
    fn get(&self, scope: &str, key: &str) -> Result<Option<String>, KvError>;
    /// Set `key`; a new key is refused past `max_keys` in the scope.
    fn set(&self, scope: &str, key: &str, value: &str, max_keys: u64) -> Result<(), KvError>;
    fn delete(&self, scope: &str, key: &str) -> Result<bool, KvError>;
    /// Add `delta` to the integer at `key` (0 when absent); the new value.
    fn increment(&self, scope: &str, key: &str, delta: i64, max_keys: u64) -> Result<i64, KvError>;
    /// When `key`'s value is `expected` (None: absent), make it
    /// `replacement` (None: delete it); whether it did.
    fn compare_and_swap(
        &self,
        scope: &str,
        key: &str,
        expected: Option<&str>,
        replacement: Option<&str>,
        max_keys: u64,
    ) -> Result<bool, KvError>;
}

/// The server's store: a backend, its limits and its counters. Cheap to
/// clone; every endpoint holds one and reaches its own keys only.
#[derive(Clone)]
pub struct KvStore {
    backend: Arc<dyn Backend>,
    limits: KvLimits,
    stats: Arc<Stats>,
}

impl KvStore {
    /// Open the configured backend: a file is opened (created) now; Redis
    /// is connected on first use.
    pub fn open(config: &KvBackendConfig, limits: KvLimits, stats: Arc<Stats>) -> Result<KvStore> {
        let backend: Arc<dyn Backend> = match config {
            KvBackendConfig::Memory => Arc::new(memory::MemoryStore::default()),
            KvBackendConfig::File(path) => Arc::new(file::FileStore::open(path)?),
            KvBackendConfig::Redis { url, timeout } => {
                Arc::new(redis::RedisStore::new(url, *timeout)?)
            }
        };
        stats
            .store
            .backend
            .store(backend_code(backend.name()), Relaxed);
        Ok(KvStore {
            backend,
            limits,
            stats,
        })
    }

    /// The limits it applies.
    pub fn limits(&self) -> KvLimits {
        self.limits
    }

    fn check_key(&self, key: &str) -> Result<(), KvError> {
        if key.is_empty() {
            Err(KvError::InvalidKey)
        } else if key.len() > MAX_KEY {
            Err(KvError::TooLarge)
        } else {
            Ok(())
        }
    }

    fn check_value(&self, value: &str) -> Result<(), KvError> {
        if value.len() > self.limits.max_value {
            Err(KvError::TooLarge)
        } else {
            Ok(())
        }
    }

    /// Count an outcome (ops and errors by kind).
    fn counted<T>(&self, result: Result<T, KvError>) -> Result<T, KvError> {
        let s = &self.stats.store;
        s.ops.fetch_add(1, Relaxed);
        if let Err(e) = &result {
            let counter = match e {
                KvError::Unavailable => &s.unavailable,
                KvError::TooLarge => &s.too_large,
                KvError::LimitExceeded => &s.limit_exceeded,
                KvError::NotANumber => &s.not_a_number,
                KvError::InvalidKey => &s.invalid_key,
            };
            counter.fetch_add(1, Relaxed);
        }
        result
    }

    /// `get`: the value at `key` in `scope`.
    pub fn get(&self, scope: &str, key: &str) -> Result<Option<String>, KvError> {
        let r = self
            .check_key(key)
            .and_then(|()| self.backend.get(scope, key));
        self.counted(r)
    }

    /// `set`: `key` becomes `value`.
    pub fn set(&self, scope: &str, key: &str, value: &str) -> Result<(), KvError> {
        let r = self
            .check_key(key)
            .and_then(|()| self.check_value(value))
            .and_then(|()| self.backend.set(scope, key, value, self.limits.max_keys));
        self.counted(r)
    }

    /// `delete`: whether `key` was there.
    pub fn delete(&self, scope: &str, key: &str) -> Result<bool, KvError> {
        let r = self
            .check_key(key)
            .and_then(|()| self.backend.delete(scope, key));
        self.counted(r)
    }

    /// `increment`: the integer at `key` plus `delta`.
    pub fn increment(&self, scope: &str, key: &str, delta: i64) -> Result<i64, KvError> {
        let r = self.check_key(key).and_then(|()| {
            self.backend
                .increment(scope, key, delta, self.limits.max_keys)
        });
        self.counted(r)
    }

    /// `compare-and-swap`: see [`Backend::compare_and_swap`].
    pub fn compare_and_swap(
        &self,
        scope: &str,
        key: &str,
        expected: Option<&str>,
        replacement: Option<&str>,
    ) -> Result<bool, KvError> {
        let r = self
            .check_key(key)
            .and_then(|()| replacement.map_or(Ok(()), |v| self.check_value(v)))
            .and_then(|()| {
                let max = self.limits.max_keys;
                self.backend
                    .compare_and_swap(scope, key, expected, replacement, max)
            });
        self.counted(r)
    }
}

impl std::fmt::Debug for KvStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KvStore")
            .field("backend", &self.backend.name())
            .field("limits", &self.limits)
            .finish()
    }
}

/// `/stats`'s `store.backend`: 1 memory, 2 file, 3 redis.
fn backend_code(name: &str) -> u64 {
    match name {
        "memory" => 1,
        "file" => 2,
        _ => 3,
    }
}

/// The integer a stored value holds, for `increment`.
fn as_integer(value: Option<&str>) -> Result<i64, KvError> {
    match value {
        None => Ok(0),
        Some(v) => v.trim().parse().map_err(|_| KvError::NotANumber),
    }
}

#[cfg(test)]
mod tests;

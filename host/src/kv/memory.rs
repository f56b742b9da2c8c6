//! The store in this process's memory: per scope, a map. It outlives hot
//! reloads and rebuilds (it is the host's), not a restart.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use super::{Backend, KvError, as_integer};

/// Scope → key → value.
#[derive(Default)]
pub(super) struct MemoryStore {
    scopes: Mutex<HashMap<String, HashMap<String, String>>>,
}

impl MemoryStore {
    fn scopes(&self) -> MutexGuard<'_, HashMap<String, HashMap<String, String>>> {
        self.scopes.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Whether one more key fits in `keys`.
fn fits(keys: &HashMap<String, String>, key: &str, max_keys: u64) -> bool {
    keys.contains_key(key) || (keys.len() as u64) < max_keys
}

impl Backend for MemoryStore {
    fn name(&self) -> &'static str {
        "memory"
    }

    fn get(&self, scope: &str, key: &str) -> Result<Option<String>, KvError> {
        Ok(self.scopes().get(scope).and_then(|k| k.get(key)).cloned())
    }

    fn set(&self, scope: &str, key: &str, value: &str, max_keys: u64) -> Result<(), KvError> {
        let mut scopes = self.scopes();
        let keys = scopes.entry(scope.to_owned()).or_default();
        if !fits(keys, key, max_keys) {
            return Err(KvError::LimitExceeded);
        }
        keys.insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    fn delete(&self, scope: &str, key: &str) -> Result<bool, KvError> {
        let mut scopes = self.scopes();
        Ok(scopes.get_mut(scope).and_then(|k| k.remove(key)).is_some())
    }

    fn increment(&self, scope: &str, key: &str, delta: i64, max_keys: u64) -> Result<i64, KvError> {
        let mut scopes = self.scopes();
        let keys = scopes.entry(scope.to_owned()).or_default();
        if !fits(keys, key, max_keys) {
            return Err(KvError::LimitExceeded);
        }
        let now = as_integer(keys.get(key).map(String::as_str))?
            .checked_add(delta)
            .ok_or(KvError::NotANumber)?;
        keys.insert(key.to_owned(), now.to_string());
        Ok(now)
    }

    fn compare_and_swap(
        &self,
        scope: &str,
        key: &str,
        expected: Option<&str>,
        replacement: Option<&str>,
        max_keys: u64,
    ) -> Result<bool, KvError> {
        let mut scopes = self.scopes();
        let keys = scopes.entry(scope.to_owned()).or_default();
        if keys.get(key).map(String::as_str) != expected {
            return Ok(false);
        }
        match replacement {
            Some(value) => {
                if !fits(keys, key, max_keys) {
                    return Err(KvError::LimitExceeded);
                }
                keys.insert(key.to_owned(), value.to_owned());
            }
            None => {
                keys.remove(key);
            }
        }
        Ok(true)
    }
}

//! The store in a redb file (`[store] path`): it survives a restart. Each
//! write is one transaction committed with `Durability::Immediate` (on disk
//! when the call returns); reads take a read transaction. Keys are
//! `scope NUL key`; a second table counts each scope's keys for the limit.

use std::path::Path;

use anyhow::{Context, Result};
use redb::{Database, ReadableDatabase, ReadableTable, Table, TableDefinition};

use super::{Backend, KvError, as_integer};

const VALUES: TableDefinition<&str, &str> = TableDefinition::new("values");
const COUNTS: TableDefinition<&str, u64> = TableDefinition::new("key_counts");

pub(super) struct FileStore {
    db: Database,
}

fn full_key(scope: &str, key: &str) -> String {
    format!("{scope}\0{key}")
}

/// A redb failure: the call fails `unavailable`, and the log says why.
fn unavailable(e: impl std::fmt::Display) -> KvError {
    tracing::error!("store file: {e}");
    KvError::Unavailable
}

/// The two tables of one write transaction.
struct Tables<'t> {
    values: Table<'t, &'static str, &'static str>,
    counts: Table<'t, &'static str, u64>,
    /// Something was written: the transaction is worth committing (a
    /// commit is a flush to disk).
    changed: bool,
}

impl Tables<'_> {
    fn value(&self, key: &str) -> Result<Option<String>, KvError> {
        let v = self.values.get(key).map_err(unavailable)?;
        Ok(v.map(|g| g.value().to_owned()))
    }

    fn count(&self, scope: &str) -> Result<u64, KvError> {
        let c = self.counts.get(scope).map_err(unavailable)?;
        Ok(c.map_or(0, |g| g.value()))
    }

    /// Write `value` at `key` of `scope`, counting a new key against
    /// `max_keys`.
    fn put(&mut self, scope: &str, key: &str, value: &str, max_keys: u64) -> Result<(), KvError> {
        let is_new = self.values.get(key).map_err(unavailable)?.is_none();
        if is_new {
            let n = self.count(scope)?;
            if n >= max_keys {
                return Err(KvError::LimitExceeded);
            }
            self.counts.insert(scope, n + 1).map_err(unavailable)?;
        }
        self.values.insert(key, value).map_err(unavailable)?;
        self.changed = true;
        Ok(())
    }

    /// Remove `key` of `scope`; whether it was there.
    fn remove(&mut self, scope: &str, key: &str) -> Result<bool, KvError> {
        let was = self.values.remove(key).map_err(unavailable)?.is_some();
        if was {
            let n = self.count(scope)?;
            self.counts
                .insert(scope, n.saturating_sub(1))
                .map_err(unavailable)?;
            self.changed = true;
        }
        Ok(was)
    }
}

impl FileStore {
    pub(super) fn open(path: &Path) -> Result<FileStore> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the store's folder {}", dir.display()))?;
        }
        let db = Database::create(path)
            .with_context(|| format!("opening the store file {}", path.display()))?;
        Ok(FileStore { db })
    }

    /// Run `f` in a write transaction; commit when it succeeded and wrote
    /// something (a compare-and-swap that did not swap, or a delete of an
    /// absent key, costs no flush).
    fn write<T>(
        &self,
        f: impl FnOnce(&mut Tables<'_>) -> Result<T, KvError>,
    ) -> Result<T, KvError> {
        let txn = self.db.begin_write().map_err(unavailable)?;
        let result = {
            let mut tables = Tables {
                values: txn.open_table(VALUES).map_err(unavailable)?,
                counts: txn.open_table(COUNTS).map_err(unavailable)?,
                changed: false,
            };
            f(&mut tables).map(|value| (value, tables.changed))
        };
        match result {
            Ok((value, true)) => {
                txn.commit().map_err(unavailable)?;
                Ok(value)
            }
            // Nothing to keep, or a refusal: nothing written is kept.
            Ok((value, false)) => txn.abort().map(|()| value).map_err(unavailable),
            Err(e) => {
                let _ = txn.abort();
                Err(e)
            }
        }
    }
}

impl Backend for FileStore {
    fn name(&self) -> &'static str {
        "file"
    }

    fn get(&self, scope: &str, key: &str) -> Result<Option<String>, KvError> {
        let txn = self.db.begin_read().map_err(unavailable)?;
        let values = match txn.open_table(VALUES) {
            Ok(t) => t,
            // Nothing was ever written.
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(unavailable(e)),
        };
        let v = values
            .get(full_key(scope, key).as_str())
            .map_err(unavailable)?;
        Ok(v.map(|g| g.value().to_owned()))
    }

    fn set(&self, scope: &str, key: &str, value: &str, max_keys: u64) -> Result<(), KvError> {
        let key = full_key(scope, key);
        self.write(|t| t.put(scope, &key, value, max_keys))
    }

    fn delete(&self, scope: &str, key: &str) -> Result<bool, KvError> {
        let key = full_key(scope, key);
        self.write(|t| t.remove(scope, &key))
    }

    fn increment(&self, scope: &str, key: &str, delta: i64, max_keys: u64) -> Result<i64, KvError> {
        let key = full_key(scope, key);
        self.write(|t| {
            let now = as_integer(t.value(&key)?.as_deref())?
                .checked_add(delta)
                .ok_or(KvError::NotANumber)?;
            t.put(scope, &key, &now.to_string(), max_keys)?;
            Ok(now)
        })
    }

    fn compare_and_swap(
        &self,
        scope: &str,
        key: &str,
        expected: Option<&str>,
        replacement: Option<&str>,
        max_keys: u64,
    ) -> Result<bool, KvError> {
        let key = full_key(scope, key);
        self.write(|t| {
            if t.value(&key)?.as_deref() != expected {
                return Ok(false);
            }
            match replacement {
                Some(value) => t.put(scope, &key, value, max_keys)?,
                None => {
                    t.remove(scope, &key)?;
                }
            }
            Ok(true)
        })
    }
}

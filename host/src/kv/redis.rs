//! The store in the cluster's Redis (`--redis`): every node reads and
//! writes the same values, so a compare-and-swap decides once for the
//! whole cluster (a nickname taken on one node is taken on all). One hash
//! per scope (`sio-store#<namespace>`); compare-and-swap, and sets and
//! increments that must respect the key limit, run as Lua scripts, so each
//! call is atomic in Redis.
//!
//! The calls are synchronous and bounded: each waits at most the timeout
//! for Redis (connecting included), and after a failure the store answers
//! `unavailable` at once for a second instead of waiting again, so a Redis
//! that is down costs a handler call almost nothing. Calls work again by
//! themselves once Redis answers.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use redis::{Connection, ErrorKind, RedisError, Value};

use super::{Backend, KvError};

/// How long the store fails fast after Redis failed.
const BACKOFF: Duration = Duration::from_secs(1);

/// `set` honouring the key limit: ARGV key, value, max keys. -1: limit.
const SET: &str = r"
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0
   and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return -1 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1";

/// `increment` honouring the key limit: ARGV key, delta, max keys.
const INCREMENT: &str = r"
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0
   and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
  return redis.error_reply('LIMIT keys')
end
return redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])";

/// Compare-and-swap: ARGV key, has-expected (0/1), expected,
/// has-replacement (0/1), replacement, max keys. 1 swapped, 0 not, -1 the
/// key limit.
const COMPARE_AND_SWAP: &str = r"
local current = redis.call('HGET', KEYS[1], ARGV[1])
local expected = false
if ARGV[2] == '1' then expected = ARGV[3] end
if current ~= expected then return 0 end
if ARGV[4] == '1' then
  if not current and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[6]) then return -1 end
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[5])
else
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return 1";

struct Link {
    con: Option<Connection>,
    /// Fail fast until then (Redis failed).
    down_until: Option<Instant>,
    /// An outage is logged once, at its start.
    logged: bool,
}

pub(super) struct RedisStore {
    client: redis::Client,
    timeout: Duration,
    link: Mutex<Link>,
}

fn hash(scope: &str) -> String {
    format!("sio-store#{scope}")
}

/// Whether a Redis error is the reply to a command (not the connection's
/// failure): the connection stays usable.
fn is_reply(e: &RedisError) -> bool {
    matches!(
        e.kind(),
        ErrorKind::Server(_) | ErrorKind::UnexpectedReturnType | ErrorKind::Parse
    )
}

impl RedisStore {
    pub(super) fn new(url: &str, timeout: Duration) -> Result<RedisStore> {
        let client = redis::Client::open(url).with_context(|| format!("bad Redis URL {url:?}"))?;
        Ok(RedisStore {
            client,
            timeout,
            link: Mutex::new(Link {
                con: None,
                down_until: None,
                logged: false,
            }),
        })
    }

    fn link(&self) -> MutexGuard<'_, Link> {
        self.link.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Run `f` on the connection, connecting first if need be; a failure of
    /// the connection drops it and fails fast for [`BACKOFF`].
    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, RedisError>,
    ) -> Result<T, KvError> {
        let mut link = self.link();
        let now = Instant::now();
        if link.down_until.is_some_and(|until| now < until) {
            return Err(KvError::Unavailable);
        }
        if link.con.is_none() {
            match self.connect() {
                Ok(con) => link.con = Some(con),
                Err(e) => return Err(Self::failed(&mut link, &e)),
            }
        }
        let Some(con) = link.con.as_mut() else {
            return Err(KvError::Unavailable);
        };
        match f(con) {
            Ok(v) => {
                if link.logged {
                    tracing::info!("store: Redis answers again");
                }
                link.down_until = None;
                link.logged = false;
                Ok(v)
            }
            Err(e) if is_reply(&e) => Err(reply_error(&e)),
            Err(e) => {
                link.con = None;
                Err(Self::failed(&mut link, &e))
            }
        }
    }

    fn connect(&self) -> Result<Connection, RedisError> {
        let con = self.client.get_connection_with_timeout(self.timeout)?;
        con.set_read_timeout(Some(self.timeout))?;
        con.set_write_timeout(Some(self.timeout))?;
        Ok(con)
    }

    fn failed(link: &mut Link, e: &RedisError) -> KvError {
        link.down_until = Some(Instant::now() + BACKOFF);
        if !link.logged {
            link.logged = true;
            tracing::warn!("store: Redis unavailable ({e}); store calls fail until it answers");
        }
        KvError::Unavailable
    }

    fn eval(
        con: &mut Connection,
        script: &str,
        scope: &str,
        args: &[&str],
    ) -> Result<Value, RedisError> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(script).arg(1).arg(hash(scope));
        for a in args {
            cmd.arg(*a);
        }
        cmd.query(con)
    }
}

/// A script's or command's error reply as the store's error.
fn reply_error(e: &RedisError) -> KvError {
    let text = e.to_string();
    if text.contains("LIMIT") {
        KvError::LimitExceeded
    } else if text.contains("not an integer") || text.contains("overflow") {
        KvError::NotANumber
    } else {
        tracing::error!("store: Redis refused a call: {e}");
        KvError::Unavailable
    }
}

fn as_i64(v: &Value) -> Result<i64, KvError> {
    match v {
        Value::Int(n) => Ok(*n),
        _ => Err(KvError::Unavailable),
    }
}

impl Backend for RedisStore {
    fn name(&self) -> &'static str {
        "redis"
    }

    fn get(&self, scope: &str, key: &str) -> Result<Option<String>, KvError> {
        self.with(|con| redis::cmd("HGET").arg(hash(scope)).arg(key).query(con))
    }

    fn set(&self, scope: &str, key: &str, value: &str, max_keys: u64) -> Result<(), KvError> {
        let max = max_keys.to_string();
        let r = self.with(|con| Self::eval(con, SET, scope, &[key, value, &max]))?;
        match as_i64(&r)? {
            -1 => Err(KvError::LimitExceeded),
            _ => Ok(()),
        }
    }

    fn delete(&self, scope: &str, key: &str) -> Result<bool, KvError> {
        let n: i64 = self.with(|con| redis::cmd("HDEL").arg(hash(scope)).arg(key).query(con))?;
        Ok(n > 0)
    }

    fn increment(&self, scope: &str, key: &str, delta: i64, max_keys: u64) -> Result<i64, KvError> {
        let (delta, max) = (delta.to_string(), max_keys.to_string());
        let r = self.with(|con| Self::eval(con, INCREMENT, scope, &[key, &delta, &max]))?;
        as_i64(&r)
    }

    fn compare_and_swap(
        &self,
        scope: &str,
        key: &str,
        expected: Option<&str>,
        replacement: Option<&str>,
        max_keys: u64,
    ) -> Result<bool, KvError> {
        let flag = |o: Option<&str>| if o.is_some() { "1" } else { "0" };
        let max = max_keys.to_string();
        let args = [
            key,
            flag(expected),
            expected.unwrap_or(""),
            flag(replacement),
            replacement.unwrap_or(""),
            &max,
        ];
        let r = self.with(|con| Self::eval(con, COMPARE_AND_SWAP, scope, &args))?;
        match as_i64(&r)? {
            -1 => Err(KvError::LimitExceeded),
            n => Ok(n == 1),
        }
    }
}

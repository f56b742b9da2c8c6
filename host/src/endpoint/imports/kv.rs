//! `sio:realtime/kv`: the handler's key-value store (docs/state.md), the
//! server's [`KvStore`] scoped to this endpoint's namespace. A call past the
//! call's `max-ops-per-call` is refused (`limit-exceeded`) before it reaches
//! the store; everything else (keys, sizes, the key limit, the backend) is
//! the store's to check and count.
//!
//! [`KvStore`]: crate::kv::KvStore

use crate::endpoint::bindings::sio::realtime::kv::{Host, KvError as Error};
use crate::endpoint::store::GuestState;
use crate::kv::{KvError, KvStore};

impl GuestState {
    /// The store and this endpoint's scope, when the call may make one more
    /// store call.
    fn kv_call(&mut self) -> Result<(&KvStore, &str), Error> {
        let Some(kv) = &self.kv else {
            return Err(Error::Unavailable);
        };
        if self.kv_ops_left == 0 {
            return Err(Error::LimitExceeded);
        }
        self.kv_ops_left -= 1;
        Ok((kv, &self.ns.name))
    }
}

fn wit(e: KvError) -> Error {
    match e {
        KvError::Unavailable => Error::Unavailable,
        KvError::TooLarge => Error::TooLarge,
        KvError::LimitExceeded => Error::LimitExceeded,
        KvError::NotANumber => Error::NotANumber,
        KvError::InvalidKey => Error::InvalidKey,
    }
}

impl Host for GuestState {
    fn get(&mut self, key: String) -> Result<Option<String>, Error> {
        let (kv, scope) = self.kv_call()?;
        kv.get(scope, &key).map_err(wit)
    }

    fn set(&mut self, key: String, value: String) -> Result<(), Error> {
        let (kv, scope) = self.kv_call()?;
        kv.set(scope, &key, &value).map_err(wit)
    }

    fn delete(&mut self, key: String) -> Result<bool, Error> {
        let (kv, scope) = self.kv_call()?;
        kv.delete(scope, &key).map_err(wit)
    }

    fn increment(&mut self, key: String, delta: i64) -> Result<i64, Error> {
        let (kv, scope) = self.kv_call()?;
        kv.increment(scope, &key, delta).map_err(wit)
    }

    fn compare_and_swap(
        &mut self,
        key: String,
        expected: Option<String>,
        replacement: Option<String>,
    ) -> Result<bool, Error> {
        let (kv, scope) = self.kv_call()?;
        kv.compare_and_swap(scope, &key, expected.as_deref(), replacement.as_deref())
            .map_err(wit)
    }
}

//! Identifiers: the Engine.IO session id ([`Sid`]), the host's per-endpoint
//! connection id ([`ConnId`]), and the random ids both Socket.IO ids and
//! admin tokens are made of ([`random_id`]).

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use base64::Engine as _;

/// Opaque id of one Socket.IO connection to one endpoint (the WIT's
/// `conn-id`). Unique within one host process.
pub type ConnId = u64;

/// A map keyed by [`ConnId`], hashed with [`ConnIdHasher`].
pub type ConnIdMap<V> = HashMap<ConnId, V, BuildHasherDefault<ConnIdHasher>>;

/// A set of [`ConnId`]s, hashed with [`ConnIdHasher`].
pub type ConnIdSet = HashSet<ConnId, BuildHasherDefault<ConnIdHasher>>;

/// The hash of a [`ConnId`]: one multiplication (Fibonacci hashing).
/// Connection ids are counted up by the host, never chosen by a client, so
/// there is no flooding to defend against, and the default SipHash, run
/// several times per event (the actor's queues, the namespace, rooms), is
/// cost for nothing. Odd multiplier: sequential ids spread over every
/// bucket, low bits and high alike.
#[derive(Default, Clone, Copy)]
pub struct ConnIdHasher(u64);

impl Hasher for ConnIdHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used for a ConnId; anything else still hashes.
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A session or socket id as the client sees it: 20 URL-safe characters
/// ([`random_id`]). Cheap to clone (shared).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sid(Arc<str>);

impl Sid {
    /// A fresh random id.
    pub fn random() -> Sid {
        Sid(random_id().into())
    }

    /// The id's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Sid {
    fn from(s: &str) -> Sid {
        Sid(s.into())
    }
}

impl std::ops::Deref for Sid {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Sid {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Sid {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

/// 15 random bytes from the OS CSPRNG as 20 URL-safe characters: the shape
/// of the reference server's ids.
pub fn random_id() -> String {
    let mut bytes = [0u8; 15];
    if let Err(e) = getrandom::fill(&mut bytes) {
        // No entropy source is not something a server can serve without.
        eprintln!("OS random source failed: {e}");
        std::process::abort();
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_20_url_safe_characters_and_differ() {
        let a = Sid::random();
        let b = Sid::random();
        assert_eq!(a.len(), 20);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert_ne!(a, b);
    }
}

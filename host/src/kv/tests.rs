//! The same behaviour from the memory and file backends (Redis's is
//! tested against a real redis-server in tests/node/store.test.mjs).

use std::sync::Arc;

use super::*;

fn limits() -> KvLimits {
    KvLimits {
        max_value: 16,
        max_keys: 3,
        max_ops_per_call: 100,
    }
}

fn backends() -> Vec<(KvStore, Option<PathBuf>)> {
    let stats = Arc::new(Stats::default());
    let path = std::env::temp_dir().join(format!(
        "sio-store-test-{}-{:?}.redb",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_file(&path);
    vec![
        (
            KvStore::open(&KvBackendConfig::Memory, limits(), stats.clone()).unwrap(),
            None,
        ),
        (
            KvStore::open(&KvBackendConfig::File(path.clone()), limits(), stats).unwrap(),
            Some(path),
        ),
    ]
}

#[test]
fn get_set_delete_per_scope() {
    for (s, path) in backends() {
        assert_eq!(s.get("/a", "k"), Ok(None));
        s.set("/a", "k", "v").unwrap();
        assert_eq!(s.get("/a", "k"), Ok(Some("v".into())));
        assert_eq!(s.get("/b", "k"), Ok(None), "scopes are apart");
        assert_eq!(s.delete("/a", "k"), Ok(true));
        assert_eq!(s.delete("/a", "k"), Ok(false));
        assert_eq!(s.get("/a", "k"), Ok(None));
        path.map(std::fs::remove_file);
    }
}

#[test]
fn increment_and_compare_and_swap() {
    for (s, path) in backends() {
        assert_eq!(s.increment("/a", "n", 5), Ok(5));
        assert_eq!(s.increment("/a", "n", -7), Ok(-2));
        s.set("/a", "text", "x").unwrap();
        assert_eq!(s.increment("/a", "text", 1), Err(KvError::NotANumber));
        // Claim a name once: only the first compare-and-swap from absent wins.
        assert_eq!(s.compare_and_swap("/a", "nick", None, Some("me")), Ok(true));
        assert_eq!(
            s.compare_and_swap("/a", "nick", None, Some("you")),
            Ok(false)
        );
        assert_eq!(s.get("/a", "nick"), Ok(Some("me".into())));
        // Release it only when still ours.
        assert_eq!(
            s.compare_and_swap("/a", "nick", Some("you"), None),
            Ok(false)
        );
        assert_eq!(s.compare_and_swap("/a", "nick", Some("me"), None), Ok(true));
        assert_eq!(s.get("/a", "nick"), Ok(None));
        path.map(std::fs::remove_file);
    }
}

#[test]
fn limits_refuse_and_change_nothing() {
    for (s, path) in backends() {
        assert_eq!(s.set("/a", "", "v"), Err(KvError::InvalidKey));
        assert_eq!(
            s.set("/a", &"k".repeat(MAX_KEY + 1), "v"),
            Err(KvError::TooLarge)
        );
        assert_eq!(s.set("/a", "k", &"v".repeat(17)), Err(KvError::TooLarge));
        for k in ["1", "2", "3"] {
            s.set("/a", k, "v").unwrap();
        }
        assert_eq!(s.set("/a", "4", "v"), Err(KvError::LimitExceeded));
        assert_eq!(s.increment("/a", "4", 1), Err(KvError::LimitExceeded));
        assert_eq!(
            s.compare_and_swap("/a", "4", None, Some("v")),
            Err(KvError::LimitExceeded)
        );
        // Replacing a key takes no new place; deleting one frees it.
        s.set("/a", "3", "w").unwrap();
        s.delete("/a", "3").unwrap();
        s.set("/a", "4", "v").unwrap();
        assert_eq!(s.get("/a", "4"), Ok(Some("v".into())));
        assert_eq!(
            s.set("/b", "1", "v"),
            Ok(()),
            "another scope has its own room"
        );
        path.map(std::fs::remove_file);
    }
}

#[test]
fn the_file_store_survives_reopening() {
    let path = std::env::temp_dir().join(format!("sio-store-reopen-{}.redb", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let stats = Arc::new(Stats::default());
    let config = KvBackendConfig::File(path.clone());
    {
        let s = KvStore::open(&config, limits(), stats.clone()).unwrap();
        s.set("/chat", "nick:alice", "id-1").unwrap();
        s.set("/chat", "a", "1").unwrap();
        s.set("/chat", "b", "1").unwrap();
    }
    let s = KvStore::open(&config, limits(), stats).unwrap();
    assert_eq!(s.get("/chat", "nick:alice"), Ok(Some("id-1".into())));
    // The key count came back too: the limit still holds.
    assert_eq!(s.set("/chat", "c", "1"), Err(KvError::LimitExceeded));
    let _ = std::fs::remove_file(&path);
}

//! The JSON scanner (`sio_protocol::json`) against serde_json: on any text,
//! `validate` says what serde_json says, and `array` finds the elements
//! serde_json's `Vec<&RawValue>` finds, or fails the same way.
//!
//! Run with `cargo fuzz run json_scan` in `fuzz/` (see `fuzz/README.md`).

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::value::RawValue;
use sio_protocol::json::{self, JsonError};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };

    let theirs = serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok();
    assert_eq!(json::validate(text).is_ok(), theirs, "{text:?}");

    match (json::array(text), serde_json::from_str::<Vec<&RawValue>>(text)) {
        (Ok(spans), Ok(items)) => {
            let first = spans.first.clone().and_then(|r| text.get(r));
            assert_eq!(first, items.first().map(|r| r.get()), "{text:?}");
            let all = spans.all().and_then(|r| text.get(r));
            match (items.first(), items.last()) {
                (Some(f), Some(l)) => {
                    let all = all.unwrap_or_default();
                    assert!(all.starts_with(f.get()) && all.ends_with(l.get()), "{text:?}");
                }
                _ => assert_eq!(all, None, "{text:?}"),
            }
            let rest = spans.rest.and_then(|r| text.get(r));
            match items.get(1..) {
                Some([second, .., last]) | Some([second @ last]) => {
                    let rest = rest.unwrap_or_default();
                    assert!(rest.starts_with(second.get()) && rest.ends_with(last.get()), "{text:?}");
                }
                _ => assert_eq!(rest, None, "{text:?}"),
            }
        }
        (Err(JsonError::NotArray), Err(e)) => assert!(e.is_data(), "{text:?}: {e}"),
        (Err(JsonError::Syntax), Err(e)) => assert!(!e.is_data(), "{text:?}: {e}"),
        (ours, theirs) => panic!("{text:?}: ours {ours:?}, serde_json {theirs:?}"),
    }
});

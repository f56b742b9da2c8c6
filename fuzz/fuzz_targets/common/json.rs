//! JSON comparison the Redis codecs' fuzz targets share (`#[path]`-included,
//! not a target of its own).

use serde_json::Value;

/// Whether two JSON texts are the same value, floats allowed to differ in
/// their last bits: serde_json (without its `float_roundtrip` feature) may
/// read a float 1 ULP off, so `0.92888880e098` comes back as
/// `9.288888e97` once and `9.288888000000001e97` the next time.
pub fn same_json(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (
        serde_json::from_str::<Value>(a),
        serde_json::from_str::<Value>(b),
    ) {
        (Ok(a), Ok(b)) => close(&a, &b),
        _ => false,
    }
}

/// Whether two JSON values are the same, floats as in [`same_json`].
pub fn close(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            x == y || (x - y).abs() <= 1e-12 * x.abs().max(y.abs())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| close(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, vx)| y.get(k).is_some_and(|vy| close(vx, vy)))
        }
        _ => a == b,
    }
}

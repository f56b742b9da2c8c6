//! Event arguments: the JSON array a client sent, with its binary attachments.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::HostError;

/// The arguments of an event (or of an acknowledgement): the raw JSON array
/// text exactly as the client sent it, and the binary attachments it refers
/// to through [`Placeholder`]s.
///
/// ```
/// # use sio_guest::Args;
/// let args = Args::new(r#"["hi", 3, {"_placeholder":true,"num":0}]"#, vec![vec![1, 2]]);
/// let (text, n): (String, u32) = Args::new(r#"["hi", 3]"#, vec![]).parse().unwrap();
/// assert_eq!((text.as_str(), n), ("hi", 3));
/// assert_eq!(args.len(), 3);
/// assert_eq!(args.get::<String>(0).as_deref(), Some("hi"));
/// assert_eq!(args.get::<String>(1), None); // not a string
/// assert_eq!(args.binary(2), Some(&[1u8, 2][..]));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Args {
    json: String,
    attachments: Vec<Vec<u8>>,
}

impl Args {
    /// Wraps a JSON array text and its attachments (no validation).
    pub fn new(json: impl Into<String>, attachments: Vec<Vec<u8>>) -> Self {
        Args {
            json: json.into(),
            attachments,
        }
    }

    /// The JSON array text as received, e.g. `["hi",3]`. Pass it on unchanged
    /// with [`emit_raw`](crate::emit_raw) / [`Ack::reply_raw`](crate::Ack::reply_raw).
    pub fn raw(&self) -> &str {
        &self.json
    }

    /// The binary attachments; placeholder `{"_placeholder":true,"num":N}`
    /// in the JSON refers to `attachments()[N]`.
    pub fn attachments(&self) -> &[Vec<u8>] {
        &self.attachments
    }

    /// Takes the JSON text and the attachments apart.
    pub fn into_parts(self) -> (String, Vec<Vec<u8>>) {
        (self.json, self.attachments)
    }

    /// Deserializes the whole array, typically into a tuple:
    /// `let (text, room): (String, Option<String>) = args.parse()?`.
    ///
    /// A tuple must match the array's length exactly (serde's rule: `["a"]`
    /// does not parse as `(String, Option<String>)`); for optional trailing
    /// arguments use [`get`](Self::get) or parse into
    /// `Vec<serde_json::Value>`.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(&self.json)
    }

    fn items(&self) -> Option<Vec<&RawValue>> {
        serde_json::from_str(&self.json).ok()
    }

    /// The number of arguments (0 when the JSON is not an array).
    pub fn len(&self) -> usize {
        self.items().map_or(0, |items| items.len())
    }

    /// Whether there are no arguments.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The argument at `index` as its raw JSON text (a `RawValue` serializes
    /// back unchanged, so it can be put into new arguments as it is).
    pub fn get_raw(&self, index: usize) -> Option<&RawValue> {
        self.items()?.get(index).copied()
    }

    /// The argument at `index` deserialized as `T`; `None` when it is missing
    /// or not a `T`.
    pub fn get<T: DeserializeOwned>(&self, index: usize) -> Option<T> {
        serde_json::from_str(self.get_raw(index)?.get()).ok()
    }

    /// The bytes of the binary argument at `index`: the argument must be a
    /// placeholder whose attachment exists.
    pub fn binary(&self, index: usize) -> Option<&[u8]> {
        let placeholder: Placeholder = self.get(index)?;
        if !placeholder.placeholder {
            return None;
        }
        self.attachments.get(placeholder.num).map(Vec::as_slice)
    }
}

/// Socket.IO's reference to a binary attachment inside event arguments:
/// `{"_placeholder":true,"num":N}`. Put one in the arguments of
/// [`emit_binary`](crate::emit_binary) to send `attachments[N]` there.
///
/// ```
/// # use sio_guest::{Placeholder, to_args_json};
/// let json = to_args_json(&("photo.png", Placeholder::new(0))).unwrap();
/// assert_eq!(json, r#"["photo.png",{"_placeholder":true,"num":0}]"#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Placeholder {
    /// Always `true` in a real placeholder.
    #[serde(rename = "_placeholder")]
    pub placeholder: bool,
    /// Index into the attachments.
    pub num: usize,
}

impl Placeholder {
    /// The placeholder for attachment `num`.
    pub const fn new(num: usize) -> Self {
        Placeholder {
            placeholder: true,
            num,
        }
    }
}

/// Serializes event or ack arguments to the JSON array text the host expects.
///
/// `args` must serialize to a JSON array: a tuple (`&("hi", 3)`, a
/// one-argument tuple is `&("hi",)`), an array or `Vec` (each element is one
/// argument), or a `serde_json::json!([...])`. `&()` (which serializes to
/// `null`) means no arguments, `[]`. Anything else (a lone string, number,
/// struct, map...) is refused with [`HostError::InvalidJson`]: wrap a single
/// argument in a one-element tuple, nothing is wrapped for you.
///
/// ```
/// # use sio_guest::{to_args_json, HostError};
/// assert_eq!(to_args_json(&("hi", 3)).unwrap(), r#"["hi",3]"#);
/// assert_eq!(to_args_json(&()).unwrap(), "[]");
/// assert_eq!(to_args_json(&"hi"), Err(HostError::InvalidJson));
/// ```
pub fn to_args_json<A: Serialize + ?Sized>(args: &A) -> Result<String, HostError> {
    let json = serde_json::to_string(args).map_err(|_| HostError::InvalidJson)?;
    if json == "null" {
        return Ok("[]".to_owned());
    }
    if json.trim_start().starts_with('[') {
        Ok(json)
    } else {
        Err(HostError::InvalidJson)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tuples_arrays_and_json_values_become_arrays() {
        assert_eq!(to_args_json(&("hi", 3, true)).unwrap(), r#"["hi",3,true]"#);
        assert_eq!(to_args_json(&("only",)).unwrap(), r#"["only"]"#);
        assert_eq!(to_args_json(&[1, 2]).unwrap(), "[1,2]");
        assert_eq!(to_args_json(&vec!["a"]).unwrap(), r#"["a"]"#);
        assert_eq!(to_args_json(&[0u8; 0]).unwrap(), "[]");
        assert_eq!(
            to_args_json(&json!([{"nick": "bob"}, null])).unwrap(),
            r#"[{"nick":"bob"},null]"#
        );
        let raw = RawValue::from_string(" [1, 2]".to_owned()).unwrap();
        assert_eq!(to_args_json(&raw).unwrap(), "[1, 2]");
    }

    #[test]
    fn unit_and_null_mean_no_arguments() {
        assert_eq!(to_args_json(&()).unwrap(), "[]");
        assert_eq!(to_args_json(&None::<u8>).unwrap(), "[]");
        assert_eq!(to_args_json(&json!(null)).unwrap(), "[]");
    }

    #[test]
    fn single_values_are_not_wrapped() {
        #[derive(Serialize)]
        struct S {
            a: u8,
        }
        assert_eq!(to_args_json(&"hi"), Err(HostError::InvalidJson));
        assert_eq!(to_args_json(&3), Err(HostError::InvalidJson));
        assert_eq!(to_args_json(&S { a: 1 }), Err(HostError::InvalidJson));
        assert_eq!(to_args_json(&json!({"a": 1})), Err(HostError::InvalidJson));
        // Maps with non-string keys cannot be JSON at all.
        let map: std::collections::BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into();
        assert_eq!(to_args_json(&(map,)), Err(HostError::InvalidJson));
    }

    #[test]
    fn structs_inside_tuples_keep_field_order() {
        #[derive(Serialize)]
        struct Said<'a> {
            nick: &'a str,
            text: &'a str,
        }
        assert_eq!(
            to_args_json(&(Said {
                nick: "zed",
                text: "a"
            },))
            .unwrap(),
            r#"[{"nick":"zed","text":"a"}]"#
        );
    }

    #[test]
    fn parse_and_get() {
        let args = Args::new(r#"["hi", {"room": "r1"}, 3]"#, vec![]);
        let (text, obj, n): (String, serde_json::Value, i64) = args.parse().unwrap();
        assert_eq!(text, "hi");
        assert_eq!(obj["room"], "r1");
        assert_eq!(n, 3);
        assert!(args.parse::<(String,)>().is_err());
        assert_eq!(args.len(), 3);
        assert!(!args.is_empty());
        assert_eq!(args.get::<String>(0).as_deref(), Some("hi"));
        assert_eq!(args.get::<i64>(2), Some(3));
        assert_eq!(args.get::<String>(2), None);
        assert_eq!(args.get::<String>(3), None);
        assert_eq!(args.get_raw(1).unwrap().get(), r#"{"room": "r1"}"#);
    }

    #[test]
    fn non_arrays_have_no_items() {
        for json in ["", "{}", "\"x\"", "[1,", "null"] {
            let args = Args::new(json, vec![]);
            assert_eq!(args.len(), 0, "{json}");
            assert!(args.is_empty());
            assert_eq!(args.get::<serde_json::Value>(0), None);
        }
        assert!(Args::new("[]", vec![]).is_empty());
    }

    #[test]
    fn binary_resolves_placeholders() {
        let args = Args::new(
            r#"["f", {"_placeholder":true,"num":1}, {"_placeholder":true,"num":5}, {"_placeholder":false,"num":0}, {"num":0}]"#,
            vec![vec![0], vec![1, 2, 3]],
        );
        assert_eq!(args.binary(1), Some(&[1u8, 2, 3][..]));
        assert_eq!(args.binary(0), None); // not a placeholder
        assert_eq!(args.binary(2), None); // no such attachment
        assert_eq!(args.binary(3), None); // _placeholder false
        assert_eq!(args.binary(4), None); // no _placeholder
        assert_eq!(args.binary(9), None);
        assert_eq!(args.attachments().len(), 2);
        let (json, attachments) = args.clone().into_parts();
        assert_eq!(json, args.raw());
        assert_eq!(attachments, vec![vec![0], vec![1, 2, 3]]);
    }

    #[test]
    fn placeholder_round_trip() {
        let json = serde_json::to_string(&Placeholder::new(2)).unwrap();
        assert_eq!(json, r#"{"_placeholder":true,"num":2}"#);
        let back: Placeholder = serde_json::from_str(&json).unwrap();
        assert_eq!(back, Placeholder::new(2));
    }
}

//! A JSON scanner: checks that text is JSON (RFC 8259, exactly what
//! `serde_json` accepts) and finds where a top-level array's elements are,
//! without building anything.
//!
//! Every event and ack a client sends, and every argument list a guest hands
//! back, is checked once on its way through the host; nothing in the host
//! looks inside the arguments, so only their boundaries are needed. Going
//! through serde's visitor machinery for that (`Vec<&RawValue>`,
//! `IgnoredAny`) cost about 3,000 instructions per echoed event; this
//! scanner is a loop over bytes. The `json_scan` fuzz target holds it to
//! serde_json's verdict on arbitrary text.
//!
//! Nesting depth is unlimited (an explicit stack, no recursion), as with
//! serde_json's own skipping and V8's `JSON.parse`. Escapes are checked for
//! form only (`\u` and four hex digits), as serde_json does when it skips a
//! string: a lone surrogate is still JSON text.

use std::ops::Range;

/// Why text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonError {
    /// Not JSON.
    Syntax,
    /// JSON, but not an array where one was asked for.
    NotArray,
}

/// Where the elements of a JSON array are, as byte ranges of its text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArraySpans {
    /// The first element, if any.
    pub first: Option<Range<usize>>,
    /// From the second element's start to the last one's end (commas and
    /// whitespace between them included), if there are two or more.
    pub rest: Option<Range<usize>>,
}

impl ArraySpans {
    /// From the first element's start to the last one's end, if any.
    pub fn all(&self) -> Option<Range<usize>> {
        let first = self.first.as_ref()?;
        let end = self.rest.as_ref().map_or(first.end, |r| r.end);
        Some(first.start..end)
    }
}

/// Whether `text` is one JSON value, with only JSON whitespace around it.
pub fn validate(text: &str) -> Result<(), JsonError> {
    let b = text.as_bytes();
    let end = skip_value(b, skip_ws(b, 0))?;
    finish(b, end)
}

/// `text` as one JSON array: where its elements are.
///
/// Text that is not an array is [`JsonError::NotArray`] where serde_json
/// says "invalid type" (judged from the value's first token, so `{` is
/// `NotArray` even if what follows is not JSON), otherwise
/// [`JsonError::Syntax`].
pub fn array(text: &str) -> Result<ArraySpans, JsonError> {
    let b = text.as_bytes();
    let mut i = skip_ws(b, 0);
    match b.get(i) {
        Some(b'[') => {}
        // Refused either way; which error is serde_json's call (a rare path).
        _ => {
            return Err(
                match serde_json::from_str::<Vec<serde::de::IgnoredAny>>(text) {
                    Err(e) if e.is_data() => JsonError::NotArray,
                    _ => JsonError::Syntax,
                },
            );
        }
    }
    i = skip_ws(b, i + 1);
    let mut spans = ArraySpans::default();
    if b.get(i) == Some(&b']') {
        return finish(b, i + 1).map(|()| spans);
    }
    loop {
        let start = i;
        let end = skip_value(b, i)?;
        match (&spans.first, &spans.rest) {
            (None, _) => spans.first = Some(start..end),
            (Some(_), None) => spans.rest = Some(start..end),
            (Some(_), Some(rest)) => spans.rest = Some(rest.start..end),
        }
        i = skip_ws(b, end);
        match b.get(i) {
            Some(b',') => i = skip_ws(b, i + 1),
            Some(b']') => return finish(b, i + 1).map(|()| spans),
            _ => return Err(JsonError::Syntax),
        }
    }
}

/// Only whitespace may follow the value.
fn finish(b: &[u8], end: usize) -> Result<(), JsonError> {
    if skip_ws(b, end) == b.len() {
        Ok(())
    } else {
        Err(JsonError::Syntax)
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = b.get(i) {
        i += 1;
    }
    i
}

/// The open containers, innermost last: `true` for an object. The first 64
/// levels are bits of one word, so the usual message allocates nothing.
struct Nesting {
    depth: usize,
    inline: u64,
    deeper: Vec<bool>,
}

impl Nesting {
    fn new() -> Self {
        Nesting {
            depth: 0,
            inline: 0,
            deeper: Vec::new(),
        }
    }

    fn push(&mut self, object: bool) {
        if self.depth < 64 {
            let bit = 1u64 << self.depth;
            if object {
                self.inline |= bit;
            } else {
                self.inline &= !bit;
            }
        } else {
            self.deeper.push(object);
        }
        self.depth += 1;
    }

    /// The innermost container: `Some(true)` for an object.
    fn top(&self) -> Option<bool> {
        match self.depth {
            0 => None,
            1..=64 => Some(self.inline & (1 << (self.depth - 1)) != 0),
            _ => self.deeper.last().copied(),
        }
    }

    fn pop(&mut self) {
        if self.depth > 64 {
            self.deeper.pop();
        }
        self.depth = self.depth.saturating_sub(1);
    }
}

/// The end of the JSON value starting at `i` (no whitespace before it).
fn skip_value(b: &[u8], mut i: usize) -> Result<usize, JsonError> {
    let mut nesting = Nesting::new();
    loop {
        // A value starts at `i`.
        match b.get(i) {
            Some(b'{') => {
                i = skip_ws(b, i + 1);
                if b.get(i) == Some(&b'}') {
                    i += 1;
                } else {
                    nesting.push(true);
                    i = skip_key(b, i)?;
                    continue;
                }
            }
            Some(b'[') => {
                i = skip_ws(b, i + 1);
                if b.get(i) == Some(&b']') {
                    i += 1;
                } else {
                    nesting.push(false);
                    continue;
                }
            }
            Some(b'"') => i = skip_string(b, i)?,
            Some(b'-' | b'0'..=b'9') => i = skip_number(b, i)?,
            Some(b't') => i = skip_literal(b, i, b"true")?,
            Some(b'f') => i = skip_literal(b, i, b"false")?,
            Some(b'n') => i = skip_literal(b, i, b"null")?,
            _ => return Err(JsonError::Syntax),
        }
        // A value ended at `i`: close containers until one takes another.
        loop {
            let Some(object) = nesting.top() else {
                return Ok(i);
            };
            i = skip_ws(b, i);
            match b.get(i) {
                Some(b',') => {
                    i = skip_ws(b, i + 1);
                    if object {
                        i = skip_key(b, i)?;
                    }
                    break;
                }
                Some(b'}') if object => {
                    nesting.pop();
                    i += 1;
                }
                Some(b']') if !object => {
                    nesting.pop();
                    i += 1;
                }
                _ => return Err(JsonError::Syntax),
            }
        }
    }
}

/// `"key" :` and the whitespace after it: where the member's value starts.
fn skip_key(b: &[u8], i: usize) -> Result<usize, JsonError> {
    if b.get(i) != Some(&b'"') {
        return Err(JsonError::Syntax);
    }
    let i = skip_ws(b, skip_string(b, i)?);
    if b.get(i) != Some(&b':') {
        return Err(JsonError::Syntax);
    }
    Ok(skip_ws(b, i + 1))
}

/// The end of the string whose opening quote is at `i`.
fn skip_string(b: &[u8], mut i: usize) -> Result<usize, JsonError> {
    i += 1;
    loop {
        i = skip_plain(b, i);
        match b.get(i) {
            Some(b'"') => return Ok(i + 1),
            Some(b'\\') => {
                i += 1;
                match b.get(i) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 1,
                    Some(b'u') => {
                        let hex = b.get(i + 1..i + 5).ok_or(JsonError::Syntax)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return Err(JsonError::Syntax);
                        }
                        i += 5;
                    }
                    _ => return Err(JsonError::Syntax),
                }
            }
            // Control characters must be escaped; the text is UTF-8 already.
            Some(0x00..=0x1f) | None => return Err(JsonError::Syntax),
            Some(_) => i += 1,
        }
    }
}

/// Past the run of string bytes at `i` that need no look (not `"`, `\\` or
/// a control character), eight at a time: most of a message is such runs.
fn skip_plain(b: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Whether any byte of `x` is below `n` (n <= 128), exact.
    let any_below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH != 0;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        if any_below(x ^ (ONES * u64::from(b'"')), 1)
            || any_below(x ^ (ONES * u64::from(b'\\')), 1)
            || any_below(x, 0x20)
        {
            break;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            break;
        }
        i += 1;
    }
    i
}

/// The end of the number starting at `i`:
/// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
fn skip_number(b: &[u8], mut i: usize) -> Result<usize, JsonError> {
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        // No leading zeros: "01" is not a number (serde_json says so at
        // once, even where it would refuse what follows anyway).
        Some(b'0') if matches!(b.get(i + 1), Some(b'0'..=b'9')) => return Err(JsonError::Syntax),
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = skip_digits(b, i + 1),
        _ => return Err(JsonError::Syntax),
    }
    if b.get(i) == Some(&b'.') {
        i = one_or_more_digits(b, i + 1)?;
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = b.get(i) {
            i += 1;
        }
        i = one_or_more_digits(b, i)?;
    }
    Ok(i)
}

fn skip_digits(b: &[u8], mut i: usize) -> usize {
    while let Some(b'0'..=b'9') = b.get(i) {
        i += 1;
    }
    i
}

fn one_or_more_digits(b: &[u8], i: usize) -> Result<usize, JsonError> {
    let end = skip_digits(b, i);
    if end == i {
        Err(JsonError::Syntax)
    } else {
        Ok(end)
    }
}

fn skip_literal(b: &[u8], i: usize, word: &[u8]) -> Result<usize, JsonError> {
    match b.get(i..i + word.len()) {
        Some(w) if w == word => Ok(i + word.len()),
        _ => Err(JsonError::Syntax),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// serde_json's verdict, the reference.
    fn serde_ok(text: &str) -> bool {
        serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
    }

    /// `validate` and `array` say what serde_json says of `text`, and
    /// `array` finds the elements serde_json's `Vec<&RawValue>` finds.
    fn assert_agrees_with_serde_json(text: &str) {
        assert_eq!(validate(text).is_ok(), serde_ok(text), "{text:?}");
        let ours = array(text);
        let theirs = serde_json::from_str::<Vec<&serde_json::value::RawValue>>(text);
        match (&ours, &theirs) {
            (Ok(spans), Ok(items)) => {
                let got: Vec<&str> = items.iter().map(|r| r.get()).collect();
                let first = spans.first.clone().map(|r| &text[r]);
                assert_eq!(first, got.first().copied(), "{text:?}");
                if let (Some(all), Some(f), Some(l)) = (spans.all(), got.first(), got.last()) {
                    assert!(text[all.clone()].starts_with(f) && text[all].ends_with(l));
                }
                assert_eq!(spans.rest.is_some(), got.len() > 1, "{text:?}");
            }
            (Err(JsonError::NotArray), Err(e)) => assert!(e.is_data(), "{text:?}: {e}"),
            (Err(JsonError::Syntax), Err(e)) => assert!(!e.is_data(), "{text:?}: {e}"),
            _ => panic!("{text:?}: ours {ours:?}, serde_json {theirs:?}"),
        }
    }

    /// A xorshift generator: reproducible random inputs.
    fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
        move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        }
    }

    const CASES: &[&str] = &[
        "",
        " ",
        "1",
        "-1",
        "-",
        "01",
        "-01",
        "0",
        "-0",
        "1.",
        "1.5",
        ".5",
        "1e",
        "1e5",
        "1E+5",
        "1e-5",
        "1.5e3",
        "1.e3",
        "0x1",
        "1 2",
        "true",
        "tru",
        "truex",
        "false",
        "null",
        "nul",
        "\"\"",
        "\"a\"",
        "\"a",
        "\"\\n\"",
        "\"\\u0041\"",
        "\"\\u004\"",
        "\"\\uZZZZ\"",
        "\"\\x\"",
        "\"\\ud800\"",
        "\"\u{1}\"",
        "\"\t\"",
        "\"é\"",
        "[]",
        "[ ]",
        "[1]",
        "[1,]",
        "[,1]",
        "[1 2]",
        "[[]]",
        "[[]",
        "[]]",
        "{}",
        "{ }",
        "{\"a\":1}",
        "{\"a\" : [1,{}] }",
        "{a:1}",
        "{\"a\"}",
        "{\"a\":}",
        "{\"a\":1,}",
        "{\"a\":1 \"b\":2}",
        "{\"a\":1,\"b\":2}",
        "[{]}",
        "[}",
        "{]",
        " [1, \"two\", {\"three\": [3.0e1, null, true, false]}] ",
        "[1]x",
        "[1] ",
        "\n[1]\r\n",
        "[1]\u{a0}",
        "[\"a\\\"b\"]",
        "[-]",
        "[1,2,3",
        "{\"a\":1",
        "[\"\\/\"]",
        "[1e+]",
        "[1.5E-]",
        "[-0.0]",
        "[-a]",
        "[2]]",
        "[\"\\ud800\"]",
        "[\"\\ud800\\u0041\"]",
        "{\"a\":\"\\udc00\"}",
        "[\"\\uD83D\\uDE00\"]",
    ];

    #[test]
    fn cases_agree_with_serde_json() {
        for case in CASES {
            assert_agrees_with_serde_json(case);
        }
    }

    #[test]
    fn strings_of_every_length_and_special_position() {
        for len in 0..40 {
            let plain = "é".repeat(len / 2) + &"a".repeat(len % 2);
            let text = format!("\"{plain}\"");
            assert_eq!(validate(&text), Ok(()), "{text:?}");
            for pos in 0..=plain.len() {
                if !plain.is_char_boundary(pos) {
                    continue;
                }
                for special in ["\"", "\\", "\u{1}", "\u{1f}", "\\n", "\\u00e9", "\u{7f}"] {
                    let text = format!("\"{}{special}{}\"", &plain[..pos], &plain[pos..]);
                    assert_eq!(validate(&text).is_ok(), serde_ok(&text), "{text:?}");
                }
            }
        }
    }

    /// Random text over JSON's own characters: the scanner and serde_json
    /// agree on every one (the `json_scan` fuzz target goes further).
    #[test]
    fn random_text_agrees_with_serde_json() {
        const ALPHABET: &[&str] = &[
            "[", "]", "{", "}", ",", ":", "\"", "\\", "u", "0", "1", "9", "-", "+", ".", "e", "E",
            " ", "\n", "a", "f", "t", "n", "true", "null", "\"k\":", "\u{1}", "é", "12",
        ];
        let mut next = xorshift(0x9E37_79B9_7F4A_7C15);
        for _ in 0..100_000 {
            let len = next() % 12;
            let text: String = (0..len)
                .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
                .collect();
            assert_agrees_with_serde_json(&text);
        }
    }

    /// Valid JSON with one byte changed, inserted or deleted: the scanner
    /// and serde_json agree on what is still JSON.
    #[test]
    fn mutated_json_agrees_with_serde_json() {
        let mut next = xorshift(0x2545_F491_4F6C_DD1D);
        fn value(next: &mut dyn FnMut() -> u64, depth: u32, out: &mut String) {
            match next() % if depth > 3 { 5 } else { 7 } {
                0 => out.push_str("null"),
                1 => out.push_str(["true", "false"][(next() % 2) as usize]),
                2 => {
                    out.push_str(["0", "-1.5e3", "12", "0.25", "-0", "1E+2"][(next() % 6) as usize])
                }
                3 | 4 => out.push_str(
                    ["\"\"", "\"ab\"", "\"a\\\"b\"", "\"\\u00e9\\n\"", "\"é\""]
                        [(next() % 5) as usize],
                ),
                5 => {
                    out.push('[');
                    for i in 0..next() % 4 {
                        if i > 0 {
                            out.push(',');
                        }
                        value(next, depth + 1, out);
                    }
                    out.push(']');
                }
                _ => {
                    out.push('{');
                    for i in 0..next() % 4 {
                        if i > 0 {
                            out.push_str(" , ");
                        }
                        out.push_str("\"k\": ");
                        value(next, depth + 1, out);
                    }
                    out.push('}');
                }
            }
        }
        const BYTES: &[u8] = b"[]{},:\"\\ 0123456789-+.eEtrufalsn\x01";
        for _ in 0..20_000 {
            let mut text = String::from("[");
            value(&mut next, 0, &mut text);
            text.push(']');
            let mut bytes = text.into_bytes();
            let at = (next() % (bytes.len() as u64 + 1)) as usize;
            let b = BYTES[(next() % BYTES.len() as u64) as usize];
            match next() % 3 {
                0 if at < bytes.len() => bytes[at] = b,
                1 if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ => bytes.insert(at, b),
            }
            let Ok(text) = String::from_utf8(bytes) else {
                continue;
            };
            assert_agrees_with_serde_json(&text);
        }
    }

    #[test]
    fn array_spans() {
        let text = r#" [ "echo" , {"a":[1,2]} ,3 ] "#;
        let spans = array(text).expect("an array");
        assert_eq!(
            &text[spans.all().expect("all")],
            r#""echo" , {"a":[1,2]} ,3"#
        );
        assert_eq!(&text[spans.first.expect("first")], r#""echo""#);
        assert_eq!(&text[spans.rest.expect("rest")], r#"{"a":[1,2]} ,3"#);
        let one = array(r#"["x"]"#).expect("an array");
        assert_eq!(one.first, Some(1..4));
        assert_eq!(one.all(), Some(1..4));
        assert_eq!(one.rest, None);
        assert_eq!(array("[]"), Ok(ArraySpans::default()));
    }

    #[test]
    fn deep_nesting_without_recursion() {
        let deep = format!("{}1{}", "[{\"a\":".repeat(50_000), "}]".repeat(50_000));
        assert_eq!(validate(&deep), Ok(()));
        assert!(array(&deep).is_ok());
        let open = "[".repeat(100_000);
        assert_eq!(validate(&open), Err(JsonError::Syntax));
        // Past the inline 64 levels and back, the kinds are remembered.
        let mixed = format!("{}0{}", "[{\"k\":".repeat(70), "}]".repeat(70));
        assert_eq!(validate(&mixed), Ok(()));
        let wrong = format!("{}0{}", "[{\"k\":".repeat(70), "]}".repeat(70));
        assert_eq!(validate(&wrong), Err(JsonError::Syntax));
    }
}

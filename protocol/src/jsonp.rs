//! JSONP long-polling (`j=N` in the query): for browsers that can do
//! neither XHR2 nor CORS (socket.io-client 2.x's `forceJSONP`).
//!
//! - A GET is answered with a script, `___eio[N]("<payload>");`, the payload
//!   a JavaScript string literal: JSON string escaping, plus U+2028 and U+2029,
//!   which JSON allows raw but older JavaScript does not.
//! - A POST is a form (`application/x-www-form-urlencoded`) whose field `d`
//!   holds the payload, with newlines escaped by the client: a newline is sent
//!   as `\n` (backslash, `n`) and a backslash-`n` already in the text as `\\n`.
//!   [`unescape_newlines`] undoes that the way engine.io's JSONP transport does.
//!
//! The payload itself is the generation's text payload; this module only
//! wraps and unwraps it.

use super::push_json_string;

/// The callback index `N`: the digits of the `j` parameter, nothing else
/// (it is written into a script).
pub fn callback_index(j: &str) -> String {
    j.chars().filter(char::is_ascii_digit).collect()
}

/// A GET response body: `___eio[N]("...");`.
pub fn wrap(j: &str, payload: &str) -> String {
    let mut literal = String::with_capacity(payload.len() + 2);
    push_json_string(&mut literal, payload);
    let literal = literal
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029");
    let index = callback_index(j);
    let mut out = String::with_capacity(literal.len() + index.len() + 10);
    out.push_str("___eio[");
    out.push_str(&index);
    out.push_str("](");
    out.push_str(&literal);
    out.push_str(");");
    out
}

/// The payload of a POST body: the form field `d`, newlines unescaped.
/// None when the form has no `d` or more than one.
pub fn form_payload(body: &[u8]) -> Option<String> {
    let mut found = None;
    for (key, value) in form_urlencoded::parse(body) {
        if key == "d" {
            if found.is_some() {
                return None;
            }
            found = Some(value.into_owned());
        }
    }
    found.map(|d| unescape_newlines(&d))
}

/// Undo the client's newline escaping, as engine.io does: first every `\n`
/// (backslash, `n`) not preceded by a backslash becomes a newline, then every
/// `\\n` becomes `\n`.
pub fn unescape_newlines(d: &str) -> String {
    // Pass 1: /(\\)?\\n/g → keep `\\n`, turn `\n` into a newline.
    let mut first = String::with_capacity(d.len());
    let mut rest = d;
    while let Some(i) = rest.find('\\') {
        first.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("\\\\n") {
            first.push_str("\\\\n");
            rest = after;
        } else if let Some(after) = tail.strip_prefix("\\n") {
            first.push('\n');
            rest = after;
        } else {
            first.push('\\');
            rest = &tail[1..];
        }
    }
    first.push_str(rest);
    // Pass 2: /\\\\n/g → `\n`.
    first.replace("\\\\n", "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What engine.io-client's JSONP transport does before submitting.
    fn client_escape(data: &str) -> String {
        data.replace("\\n", "\\\n").replace('\n', "\\n")
    }

    #[test]
    fn callback_indexes() {
        assert_eq!(callback_index("0"), "0");
        assert_eq!(callback_index("12"), "12");
        assert_eq!(callback_index("1);alert(1"), "11");
        assert_eq!(callback_index(""), "");
    }

    #[test]
    fn wraps_as_a_script() {
        assert_eq!(wrap("0", "1:6"), r#"___eio[0]("1:6");"#);
        assert_eq!(
            wrap("3", r#"13:42["auth",{}]"#),
            r#"___eio[3]("13:42[\"auth\",{}]");"#
        );
        assert_eq!(
            wrap("1", "a\nb\\c\u{2028}d\u{2029}e\u{1}"),
            r#"___eio[1]("a\nb\\c\u2028d\u2029e\u0001");"#
        );
        assert_eq!(wrap("x", "😀"), r#"___eio[]("😀");"#);
    }

    #[test]
    fn wrapped_payload_is_a_js_string() {
        let payload = "6:4a\u{2028}b\n3:4😀";
        let body = wrap("7", payload);
        let literal = body
            .strip_prefix("___eio[7](")
            .and_then(|b| b.strip_suffix(");"))
            .unwrap();
        assert!(!literal.contains('\u{2028}'));
        assert_eq!(serde_json::from_str::<String>(literal).unwrap(), payload);
    }

    #[test]
    fn unescapes_newlines() {
        assert_eq!(unescape_newlines("a\\nb"), "a\nb");
        assert_eq!(unescape_newlines("a\\\\nb"), "a\\nb");
        assert_eq!(unescape_newlines("a\\\\\\nb"), "a\\\\nb");
        assert_eq!(unescape_newlines("no escapes"), "no escapes");
        assert_eq!(unescape_newlines("trailing\\"), "trailing\\");
        assert_eq!(unescape_newlines("\\t\\\\"), "\\t\\\\");
        assert_eq!(unescape_newlines("é\\n中"), "é\n中");
    }

    #[test]
    fn unescape_inverts_the_client() {
        for original in [
            "plain",
            "one\nnewline",
            r"a literal \n",
            "both \\n and \n",
            r"\\n",
            r#"42["say","line1\nline2 \\n"]"#,
            "😀\n中\\n",
        ] {
            assert_eq!(
                unescape_newlines(&client_escape(original)),
                original,
                "{original:?}"
            );
        }
    }

    #[test]
    fn a_backslash_before_a_newline_is_lost() {
        // The client's escaping sends backslash + newline and backslash + `n`
        // alike; the reference reads both as the latter. (JSON text, which is
        // what Socket.IO packets hold, has no raw newlines.)
        assert_eq!(client_escape("\\\n"), client_escape(r"\n"));
        assert_eq!(unescape_newlines(&client_escape("\\\n")), r"\n");
    }

    #[test]
    fn form_payloads() {
        assert_eq!(form_payload(b"d=1%3A6"), Some("1:6".into()));
        assert_eq!(
            form_payload(b"d=8%3A4%22a%5Cnb%22"),
            Some("8:4\"a\nb\"".into())
        );
        assert_eq!(form_payload(b"x=1&d=3:4ab"), Some("3:4ab".into()));
        assert_eq!(form_payload(b"d=a+b"), Some("a b".into()));
        assert_eq!(form_payload(b"x=1"), None);
        assert_eq!(form_payload(b""), None);
        assert_eq!(form_payload(b"d=1&d=2"), None);
        assert_eq!(form_payload(b"d="), Some(String::new()));
    }
}

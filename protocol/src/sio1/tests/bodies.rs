//! `sio1/bodies.rs`: JSONP, htmlfile, JavaScript string escaping and the
//! Flash policy.

use super::*;
use crate::sio1::bodies::push_xml_attr;

/// What a JavaScript string literal written by `push_js_string` means.
fn js_value(literal: &str) -> String {
    serde_json::from_str(literal).expect("valid JSON string literal")
}

// ----- JSONP -----

#[test]
fn jsonp_indexes() {
    assert_eq!(jsonp_index("0"), Some(0));
    assert_eq!(jsonp_index("12"), Some(12));
    assert_eq!(jsonp_index("007"), Some(7));
    for bad in ["", "-1", "1a", " 1", "1.0", "x", "99999999999999999999999"] {
        assert_eq!(jsonp_index(bad), None, "{bad:?}");
    }
}

#[test]
fn jsonp_answers() {
    assert_eq!(encode_jsonp(0, "8::"), "io.j[0](\"8::\");");
    let payload = "\u{fffd}20\u{fffd}3:::\"quoted\" \\ </script>\n";
    let answer = encode_jsonp(3, payload);
    let literal = answer
        .strip_prefix("io.j[3](")
        .and_then(|s| s.strip_suffix(");"))
        .unwrap();
    assert_eq!(js_value(literal), payload);
    assert!(!answer.contains("</"));
    assert_eq!(
        encode_jsonp_error(1, HANDSHAKE_BAD_ORIGIN),
        "io.j[1](new Error(\"handshake bad origin\"));"
    );
    assert_eq!(
        encode_jsonp_error(0, "a\"b"),
        "io.j[0](new Error(\"a\\\"b\"));"
    );
}

#[test]
fn jsonp_form_decoding() {
    // The 0.9 client: a textarea `d` holding JSON.stringify(payload),
    // form-encoded by the browser (spaces as +).
    let payload = "\u{fffd}7\u{fffd}3:::a b\u{fffd}5\u{fffd}2::\n😀";
    let literal = serde_json::to_string(payload).unwrap();
    let body: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("d", &literal)
        .finish();
    assert!(body.contains('+'));
    assert_eq!(decode_jsonp_form(body.as_bytes()), Ok(payload.to_owned()));
    // TornadIO2 also took the payload unquoted.
    assert_eq!(
        decode_jsonp_form(b"d=3%3A%3A%3Ahello+there"),
        Ok("3:::hello there".into())
    );
    // Other fields around it; the first d counts.
    assert_eq!(
        decode_jsonp_form(b"x=1&d=%222%3A%3A%22&d=other"),
        Ok("2::".into())
    );
    assert_eq!(decode_jsonp_form(b"d="), Ok(String::new()));
    assert_eq!(decode_jsonp_form(b"d=%FF"), Ok("\u{fffd}".into()));
    assert_eq!(decode_jsonp_form(b""), Err(DecodeError::MissingFormField));
    assert_eq!(
        decode_jsonp_form(b"data=2%3A%3A"),
        Err(DecodeError::MissingFormField)
    );
    assert_eq!(
        decode_jsonp_form(b"d=%22abc"),
        Err(DecodeError::InvalidJson)
    );
    assert_eq!(
        decode_jsonp_form(b"d=%22a%22%22"),
        Err(DecodeError::InvalidJson)
    );
}

// ----- htmlfile -----

#[test]
fn htmlfile_preamble_is_the_reference_one() {
    assert_eq!(HTMLFILE_PREAMBLE.len(), 256);
    let (head, padding) = HTMLFILE_PREAMBLE.split_at(256 - 173);
    assert_eq!(
        head,
        "<html><body><script>var _ = function (msg) { parent.s._(msg, document); };</script>"
    );
    assert!(padding.bytes().all(|b| b == b' '));
}

#[test]
fn htmlfile_chunks() {
    assert_eq!(encode_htmlfile_chunk("2::"), "<script>_(\"2::\");</script>");
    let payload = "3:::</script><script>alert(1)</script><!--<script>\u{2028}";
    let chunk = encode_htmlfile_chunk(payload);
    let literal = chunk
        .strip_prefix("<script>_(")
        .and_then(|s| s.strip_suffix(");</script>"))
        .unwrap();
    assert_eq!(js_value(literal), payload);
    assert!(!literal.contains('<'));
    assert!(!literal.contains('\u{2028}'));
}

// ----- JavaScript strings -----

#[test]
fn js_string_escapes() {
    let mut out = String::new();
    push_js_string(
        &mut out,
        "a\"b\\c\n\r\t\u{8}\u{c}\u{0}\u{1f}\u{7f}</x>&\u{2028}\u{2029}é😀/",
    );
    assert_eq!(
        out,
        "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0000\\u001f\u{7f}\\u003c/x>&\\u2028\\u2029é😀/\""
    );
    assert_eq!(
        js_value(&out),
        "a\"b\\c\n\r\t\u{8}\u{c}\u{0}\u{1f}\u{7f}</x>&\u{2028}\u{2029}é😀/"
    );
    let mut empty = String::from("x");
    push_js_string(&mut empty, "");
    assert_eq!(empty, "x\"\"");
}

// ----- Flash policy -----

#[test]
fn flash_policy_requests() {
    assert!(is_policy_file_request(b"<policy-file-request/>\0"));
    assert!(is_policy_file_request(b"<policy-file-request/>"));
    assert!(!is_policy_file_request(b"<policy-file-request"));
    assert!(!is_policy_file_request(b"GET / HTTP/1.1\r\n"));
    assert!(!is_policy_file_request(b""));
}

#[test]
fn flash_policies() {
    assert_eq!(
        encode_flash_policy(&[("*", "*")]),
        concat!(
            "<?xml version=\"1.0\"?><!DOCTYPE cross-domain-policy SYSTEM ",
            "\"http://www.macromedia.com/xml/dtds/cross-domain-policy.dtd\">",
            "<cross-domain-policy><allow-access-from domain=\"*\" to-ports=\"*\"/>",
            "</cross-domain-policy>\0"
        )
    );
    let policy = encode_flash_policy(&[("example.com", "80,443"), ("a\"<&>'", "1")]);
    assert!(policy.contains(
        "<allow-access-from domain=\"example.com\" to-ports=\"80,443\"/>\
         <allow-access-from domain=\"a&quot;&lt;&amp;&gt;&apos;\" to-ports=\"1\"/>"
    ));
    assert!(policy.ends_with("</cross-domain-policy>\0"));
    assert!(encode_flash_policy(&[]).ends_with("<cross-domain-policy></cross-domain-policy>\0"));
}

#[test]
fn xml_attributes() {
    let mut out = String::new();
    push_xml_attr(&mut out, "a&b<c>d\"e'f*");
    assert_eq!(out, "a&amp;b&lt;c&gt;d&quot;e&apos;f*");
}

//! The HTTP and socket bodies around the packets: JSONP polling
//! (`io.j[N]("...");` answers, the POST form field `d`), the htmlfile
//! document and its `<script>` chunks, JavaScript string escaping that is
//! safe inside an HTML `<script>` element, the answer to a polling POST, and
//! the Flash socket policy answer to `<policy-file-request/>`.

use std::fmt::Write as _;

use super::DecodeError;

/// The body of the answer to a polling POST (HTTP 200).
pub const POST_ANSWER: &str = "1";

/// The JSONP callback index from a query parameter (`jsonp` on the
/// handshake, `i` on jsonp-polling requests): decimal digits only, as the
/// reference checks with `/^\d+$/`. `None` means: answer without JSONP (the
/// handshake) or use index 0 (polling), as the reference does.
pub fn jsonp_index(param: &str) -> Option<u64> {
    if param.is_empty() || !param.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    param.parse().ok()
}

/// A jsonp-polling GET answer: `io.j[3]("<payload>");`
/// (text/javascript; charset=UTF-8).
pub fn encode_jsonp(index: u64, payload: &str) -> String {
    let mut out = String::with_capacity(payload.len() + payload.len() / 8 + 24);
    let _ = write!(out, "io.j[{index}](");
    push_js_string(&mut out, payload);
    out.push_str(");");
    out
}

/// A handshake error in JSONP form: `io.j[0](new Error("handshake bad origin"));`
/// (HTTP 200, application/javascript).
pub fn encode_jsonp_error(index: u64, message: &str) -> String {
    let mut out = String::with_capacity(message.len() + 40);
    let _ = write!(out, "io.j[{index}](new Error(");
    push_js_string(&mut out, message);
    out.push_str("));");
    out
}

/// The payload of a jsonp-polling POST: the form field `d` of an
/// `application/x-www-form-urlencoded` body (the first `d` if there are
/// several; invalid UTF-8 is replaced). The 0.9 client writes the payload as
/// a JSON string literal there (so browsers cannot turn `\n` into `\r\n`);
/// a value starting with `"` is decoded as one, any other value is taken as
/// the payload itself, as TornadIO2 does (the reference refuses it).
pub fn decode_jsonp_form(body: &[u8]) -> Result<String, DecodeError> {
    let value = form_urlencoded::parse(body)
        .find(|(key, _)| key == "d")
        .map(|(_, value)| value)
        .ok_or(DecodeError::MissingFormField)?;
    if value.starts_with('"') {
        serde_json::from_str::<String>(&value).map_err(|_| DecodeError::InvalidJson)
    } else {
        Ok(value.into_owned())
    }
}

/// What old Internet Explorer needs before it runs the htmlfile document's
/// scripts: the socket.io 0.9 server's first chunk, word for word (256
/// bytes; the padding is `new Array(174).join(' ')`, 173 spaces).
pub const HTMLFILE_PREAMBLE: &str = concat!(
    "<html><body>",
    "<script>var _ = function (msg) { parent.s._(msg, document); };</script>",
    "                                                                                                    ",
    "                                                                         ",
);

/// One htmlfile chunk: `<script>_("<payload>");</script>` (after
/// [`HTMLFILE_PREAMBLE`], on a chunked text/html; charset=UTF-8 response).
pub fn encode_htmlfile_chunk(payload: &str) -> String {
    let mut out = String::with_capacity(payload.len() + payload.len() / 8 + 32);
    out.push_str("<script>_(");
    push_js_string(&mut out, payload);
    out.push_str(");</script>");
    out
}

/// Append `s` as a JavaScript string literal that is also valid JSON and is
/// safe inside an HTML `<script>` element: JSON.stringify's escapes (`"`,
/// `\`, control characters), plus `<` as `\u003c` (so neither `</script>`
/// nor `<!--` can appear) and U+2028 / U+2029 as `\u2028` / `\u2029`
/// (line terminators inside string literals before ES2019).
pub fn push_js_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' => out.push_str("\\u003c"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// What a Flash player sends first on a socket (followed by a NUL byte).
pub const POLICY_FILE_REQUEST: &str = "<policy-file-request/>";

/// Whether the first bytes a client sent on a socket are a Flash policy
/// request (`<policy-file-request/>`, normally followed by a NUL byte).
pub fn is_policy_file_request(first_bytes: &[u8]) -> bool {
    first_bytes.starts_with(POLICY_FILE_REQUEST.as_bytes())
}

/// The cross-domain policy a Flash player gets for a policy request, ending
/// with the NUL byte Flash expects: one `<allow-access-from>` per
/// `(domain, to-ports)` pair (`("*", "*")` allows everything, the reference
/// default for origins `*:*`). Attribute values are XML-escaped.
pub fn encode_flash_policy(allow: &[(&str, &str)]) -> String {
    let mut out = String::from(concat!(
        "<?xml version=\"1.0\"?>",
        "<!DOCTYPE cross-domain-policy SYSTEM ",
        "\"http://www.macromedia.com/xml/dtds/cross-domain-policy.dtd\">",
        "<cross-domain-policy>",
    ));
    for (domain, ports) in allow {
        out.push_str("<allow-access-from domain=\"");
        push_xml_attr(&mut out, domain);
        out.push_str("\" to-ports=\"");
        push_xml_attr(&mut out, ports);
        out.push_str("\"/>");
    }
    out.push_str("</cross-domain-policy>\0");
    out
}

/// Append `s` escaped for an XML attribute value in double quotes.
pub(super) fn push_xml_attr(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

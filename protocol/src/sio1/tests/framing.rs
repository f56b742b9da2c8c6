//! `sio1/framing.rs`: the multi-packet framing and its UTF-16 lengths.

use super::*;
use crate::sio1::framing::utf16_offset;

#[test]
fn utf16_lengths() {
    assert_eq!(utf16_len(""), 0);
    assert_eq!(utf16_len("abc"), 3);
    assert_eq!(utf16_len("é"), 1);
    assert_eq!(utf16_len("世界"), 2);
    assert_eq!(utf16_len("😀"), 2);
    assert_eq!(utf16_len("a😀b\u{fffd}"), 5);
}

#[test]
fn encode_payload_frames() {
    assert_eq!(encode_payload::<&str>(&[]), "");
    assert_eq!(encode_payload(&["3:::hi"]), "3:::hi");
    assert_eq!(
        encode_payload(&["1::", "3:::hi"]),
        "\u{fffd}3\u{fffd}1::\u{fffd}6\u{fffd}3:::hi"
    );
    // Lengths in UTF-16 code units: emoji count 2, CJK and é count 1.
    assert_eq!(
        encode_payload(&[String::from("3:::😀"), String::from("3:::世界é")]),
        "\u{fffd}6\u{fffd}3:::😀\u{fffd}7\u{fffd}3:::世界é"
    );
}

#[test]
fn decode_payload_frames() {
    assert_eq!(decode_payload(""), Ok(vec![]));
    assert_eq!(decode_payload("3:::hi"), Ok(vec!["3:::hi"]));
    // An unframed packet may contain the marker.
    assert_eq!(decode_payload("3:::a\u{fffd}1"), Ok(vec!["3:::a\u{fffd}1"]));
    assert_eq!(
        decode_payload("\u{fffd}3\u{fffd}1::\u{fffd}6\u{fffd}3:::hi"),
        Ok(vec!["1::", "3:::hi"])
    );
    assert_eq!(
        decode_payload("\u{fffd}6\u{fffd}3:::😀\u{fffd}7\u{fffd}3:::世界é"),
        Ok(vec!["3:::😀", "3:::世界é"])
    );
    // A framed packet may contain the marker too.
    assert_eq!(
        decode_payload("\u{fffd}6\u{fffd}3:::\u{fffd}1\u{fffd}3\u{fffd}2::"),
        Ok(vec!["3:::\u{fffd}1", "2::"])
    );
    assert_eq!(decode_payload("\u{fffd}0\u{fffd}"), Ok(vec![""]));
    assert_eq!(decode_payload("\u{fffd}03\u{fffd}2::"), Ok(vec!["2::"]));
}

#[test]
fn decode_payload_errors() {
    for body in [
        "\u{fffd}",
        "\u{fffd}3",
        "\u{fffd}\u{fffd}2::",
        "\u{fffd}x\u{fffd}2::",
        "\u{fffd}-1\u{fffd}2::",
        "\u{fffd} 3\u{fffd}2::",
    ] {
        assert_eq!(
            decode_payload(body),
            Err(DecodeError::InvalidFrameLength),
            "{body:?}"
        );
    }
    assert_eq!(
        decode_payload("\u{fffd}4\u{fffd}2::"),
        Err(DecodeError::TruncatedFrame)
    );
    assert_eq!(
        decode_payload("\u{fffd}99999999999999999999999\u{fffd}2::"),
        Err(DecodeError::TruncatedFrame)
    );
    // Counting bytes or code points instead of UTF-16 units goes wrong.
    assert_eq!(
        decode_payload("\u{fffd}5\u{fffd}3:::😀"),
        Err(DecodeError::SplitSurrogate)
    );
    assert_eq!(
        decode_payload("\u{fffd}8\u{fffd}3:::😀"),
        Err(DecodeError::TruncatedFrame)
    );
    assert_eq!(
        decode_payload("\u{fffd}3\u{fffd}2::x"),
        Err(DecodeError::TrailingData)
    );
    assert_eq!(
        decode_payload("\u{fffd}3\u{fffd}2::\u{fffd}3\u{fffd}2::\u{fffd}"),
        Err(DecodeError::InvalidFrameLength)
    );
}

#[test]
fn payload_round_trips() {
    let packets = [
        "1::",
        "3:::😀 世界",
        "5:::{\"name\":\"a\"}",
        "",
        "3:::\u{fffd}9\u{fffd}",
    ];
    for n in 2..=packets.len() {
        let body = encode_payload(&packets[..n]);
        assert_eq!(decode_payload(&body), Ok(packets[..n].to_vec()));
    }
}

#[test]
fn utf16_offsets() {
    assert_eq!(utf16_offset("", 0), Ok(0));
    assert_eq!(utf16_offset("abc", 0), Ok(0));
    assert_eq!(utf16_offset("abc", 2), Ok(2));
    assert_eq!(utf16_offset("abc", 3), Ok(3));
    assert_eq!(utf16_offset("abc", 4), Err(DecodeError::TruncatedFrame));
    assert_eq!(utf16_offset("é世😀x", 2), Ok(5));
    assert_eq!(utf16_offset("é世😀x", 3), Err(DecodeError::SplitSurrogate));
    assert_eq!(utf16_offset("é世😀x", 4), Ok(9));
    assert_eq!(utf16_offset("é世😀x", 5), Ok(10));
}

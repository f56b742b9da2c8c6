use super::*;

fn bin(b: &'static [u8]) -> Packet {
    Packet::Binary(Bytes::from_static(b))
}

#[test]
fn decode_packet_text_types() {
    assert_eq!(decode_packet("2"), Ok(Packet::Ping(String::new())));
    assert_eq!(decode_packet("2probe"), Ok(Packet::Ping("probe".into())));
    assert_eq!(decode_packet("3probe"), Ok(Packet::Pong("probe".into())));
    assert_eq!(decode_packet("4héllo"), Ok(Packet::Message("héllo".into())));
    assert_eq!(decode_packet("5"), Ok(Packet::Upgrade));
    assert_eq!(decode_packet("6"), Ok(Packet::Noop));
    assert_eq!(decode_packet("1"), Ok(Packet::Close));
    assert_eq!(decode_packet(""), Err(DecodeError::Empty));
    assert_eq!(decode_packet("9"), Err(DecodeError::UnknownType('9')));
}

#[test]
fn decode_packet_base64_carries_its_type() {
    assert_eq!(decode_packet("b4AQID"), Ok(bin(&[1, 2, 3])));
    assert_eq!(decode_packet("b4AQIDBA=="), Ok(bin(&[1, 2, 3, 4])));
    assert_eq!(decode_packet("b4"), Ok(bin(&[])));
    // v4's form (no type) is not v3's: "AQID" reads as type 'A'.
    assert_eq!(decode_packet("bAQID"), Err(DecodeError::BinaryNotMessage));
    assert_eq!(decode_packet("b2AQID"), Err(DecodeError::BinaryNotMessage));
    assert_eq!(decode_packet("b"), Err(DecodeError::BinaryNotMessage));
    assert_eq!(decode_packet("b4!!"), Err(DecodeError::InvalidBase64));
}

#[test]
fn binary_frames_carry_the_type_byte() {
    let frame = Bytes::from_static(&[4, 1, 2, 3]);
    assert_eq!(decode_binary_frame(&frame), Ok(bin(&[1, 2, 3])));
    assert_eq!(decode_binary_frame(&Bytes::from_static(&[4])), Ok(bin(&[])));
    assert_eq!(
        decode_binary_frame(&Bytes::from_static(&[1, 2, 3])),
        Err(DecodeError::BinaryNotMessage)
    );
    assert_eq!(
        decode_binary_frame(&Bytes::new()),
        Err(DecodeError::BinaryNotMessage)
    );
    assert_eq!(binary_frame(&[1, 2, 3]).as_ref(), &[4, 1, 2, 3]);
    assert_eq!(binary_frame(&[]).as_ref(), &[4]);
}

#[test]
fn frames_and_text_forms() {
    assert_eq!(
        encode_frame(&bin(&[9])),
        WsFrame::Binary(Bytes::from_static(&[4, 9]))
    );
    assert_eq!(
        encode_frame(&Packet::Message("hi".into())),
        WsFrame::Text("4hi".into())
    );
    assert_eq!(encode_text(&bin(&[1, 2, 3])), "b4AQID");
    assert_eq!(encode_text(&bin(&[])), "b4");
    assert_eq!(encode_text(&Packet::Pong("probe".into())), "3probe");
}

#[test]
fn parts_of_packets() {
    let b = bin(&[1]);
    assert_eq!(part(&b).as_part(), Part::Binary(&[1]));
    let m = Packet::Message("x".into());
    assert_eq!(part(&m), PartBuf::Text("4x".into()));
    assert_eq!(part(&m).as_part(), Part::Text("4x"));
}

#[test]
fn utf16_lengths() {
    assert_eq!(utf16_len(""), 0);
    assert_eq!(utf16_len("abc"), 3);
    assert_eq!(utf16_len("é"), 1);
    assert_eq!(utf16_len("€"), 1);
    assert_eq!(utf16_len("中文"), 2);
    assert_eq!(utf16_len("😀"), 2);
    assert_eq!(utf16_len("a😀b"), 4);
}

#[test]
fn encode_text_payloads() {
    assert_eq!(encode_payload(&[]), "0:");
    assert_eq!(encode_payload(&[Part::Text("6")]), "1:6");
    assert_eq!(
        encode_payload(&[
            Part::Text("40"),
            Part::Text(r#"42["auth",{}]"#),
            Part::Text("3")
        ]),
        r#"2:4013:42["auth",{}]1:3"#
    );
    // Lengths count UTF-16 code units: an emoji is two, CJK one each.
    assert_eq!(encode_payload(&[Part::Text("4😀")]), "3:4😀");
    assert_eq!(encode_payload(&[Part::Text("4中文")]), "3:4中文");
    assert_eq!(encode_payload(&[Part::Text("4é")]), "2:4é");
    assert_eq!(
        encode_payload(&[Part::Text("4a"), Part::Binary(&[1, 2, 3])]),
        "2:4a6:b4AQID"
    );
}

#[test]
fn encode_binary_payloads() {
    assert_eq!(encode_binary_payload(&[]), Vec::<u8>::new());
    assert_eq!(
        encode_binary_payload(&[Part::Text("4a")]),
        vec![0, 2, 255, b'4', b'a']
    );
    // Text lengths are UTF-8 bytes here.
    assert_eq!(
        encode_binary_payload(&[Part::Text("4é")]),
        vec![0, 3, 255, b'4', 0xc3, 0xa9]
    );
    // A binary part counts and carries its type byte.
    assert_eq!(
        encode_binary_payload(&[Part::Binary(&[1, 2, 3])]),
        vec![1, 4, 255, 4, 1, 2, 3]
    );
    let long = "4".repeat(12);
    let encoded = encode_binary_payload(&[Part::Text(&long), Part::Binary(&[7])]);
    assert_eq!(&encoded[..4], &[0, 1, 2, 255]);
    assert_eq!(&encoded[16..], &[1, 2, 255, 4, 7]);
}

#[test]
fn decode_text_payloads() {
    assert_eq!(
        decode_payload(r#"2:4013:42["auth",{}]1:3"#),
        Ok(vec![
            Packet::Message("0".into()),
            Packet::Message(r#"2["auth",{}]"#.into()),
            Packet::Pong(String::new()),
        ])
    );
    assert_eq!(decode_payload("1:2"), Ok(vec![Packet::Ping(String::new())]));
    assert_eq!(decode_payload("6:b4AQID"), Ok(vec![bin(&[1, 2, 3])]));
    assert_eq!(
        decode_payload("3:4😀3:4中文"),
        Ok(vec![
            Packet::Message("😀".into()),
            Packet::Message("中文".into())
        ])
    );
    // Zero-length parts are skipped, as the reference does.
    assert_eq!(decode_payload("0:"), Ok(vec![]));
    assert_eq!(decode_payload("0:1:6"), Ok(vec![Packet::Noop]));
    // A colon inside a packet is data.
    assert_eq!(
        decode_payload("4:4a:b"),
        Ok(vec![Packet::Message("a:b".into())])
    );
}

#[test]
fn decode_text_payload_errors() {
    assert_eq!(decode_payload(""), Err(DecodeError::Empty));
    assert_eq!(decode_payload("2:4"), Err(DecodeError::InvalidLength));
    assert_eq!(decode_payload("1:"), Err(DecodeError::InvalidLength));
    assert_eq!(decode_payload("2:4😀"), Err(DecodeError::InvalidLength));
    assert_eq!(decode_payload("hello"), Err(DecodeError::InvalidLength));
    assert_eq!(decode_payload(":4a"), Err(DecodeError::InvalidLength));
    assert_eq!(decode_payload(" 2:4a"), Err(DecodeError::InvalidLength));
    assert_eq!(decode_payload("0x2:4a"), Err(DecodeError::InvalidLength));
    assert_eq!(decode_payload("2:4a1"), Err(DecodeError::InvalidLength));
    assert_eq!(
        decode_payload("99999999999999999999999:4a"),
        Err(DecodeError::InvalidLength)
    );
    // v4's separator is not v3's framing.
    assert_eq!(decode_payload("4a\x1e4b"), Err(DecodeError::InvalidLength));
    assert_eq!(decode_payload("1:9"), Err(DecodeError::UnknownType('9')));
    assert_eq!(decode_payload("3:b4%"), Err(DecodeError::InvalidBase64));
    assert_eq!(decode_payload("4:bAQI"), Err(DecodeError::BinaryNotMessage));
}

#[test]
fn text_payload_round_trip() {
    let packets = vec![
        Packet::Open(r#"{"sid":"x"}"#.into()),
        Packet::Ping("probe".into()),
        Packet::Message("2[\"chat\",\"😀 中文 é\"]".into()),
        bin(&[0, 255, 7]),
        Packet::Upgrade,
        Packet::Noop,
        Packet::Close,
    ];
    let parts: Vec<PartBuf> = packets.iter().map(part).collect();
    let parts: Vec<Part> = parts.iter().map(PartBuf::as_part).collect();
    assert_eq!(decode_payload(&encode_payload(&parts)), Ok(packets.clone()));
    assert_eq!(
        decode_binary_payload(&encode_binary_payload(&parts)),
        Ok(packets)
    );
}

#[test]
fn decode_binary_payloads() {
    assert_eq!(
        decode_binary_payload(&[0, 2, 255, b'4', b'a', 1, 4, 255, 4, 1, 2, 3]),
        Ok(vec![Packet::Message("a".into()), bin(&[1, 2, 3])])
    );
    // A text part may hold the base64 form too.
    assert_eq!(
        decode_binary_payload(&[0, 6, 255, b'b', b'4', b'A', b'Q', b'I', b'D']),
        Ok(vec![bin(&[1, 2, 3])])
    );
    let mut long = vec![0, 1, 2, 255];
    long.extend_from_slice(b"4".repeat(12).as_slice());
    assert_eq!(
        decode_binary_payload(&long),
        Ok(vec![Packet::Message("4".repeat(11))])
    );
}

#[test]
fn decode_binary_payload_errors() {
    let cases: [(&[u8], DecodeError); 11] = [
        (&[], DecodeError::Empty),
        (&[2, 1, 255, b'6'], DecodeError::InvalidLength),
        (&[0, 1, 6], DecodeError::InvalidLength),
        (&[0, 255, b'6'], DecodeError::InvalidLength),
        (&[0, 10, 255, b'6'], DecodeError::InvalidLength),
        (&[0, 2, 255, b'6'], DecodeError::InvalidLength),
        (&[0, 1, 255, b'6', 0], DecodeError::InvalidLength),
        (&[0, 1, 255, 0xff], DecodeError::InvalidUtf8),
        (&[0, 1, 255, b'9'], DecodeError::UnknownType('9')),
        (&[1, 2, 255, 2, 1], DecodeError::BinaryNotMessage),
        (&[1, 0, 255], DecodeError::BinaryNotMessage),
    ];
    for (body, err) in cases {
        assert_eq!(decode_binary_payload(body), Err(err), "{body:?}");
    }
    let mut many = vec![0];
    many.extend(std::iter::repeat_n(9, 21));
    many.push(255);
    assert_eq!(
        decode_binary_payload(&many),
        Err(DecodeError::InvalidLength)
    );
    let mut overflow = vec![0];
    overflow.extend(std::iter::repeat_n(9, 20));
    overflow.push(255);
    assert_eq!(
        decode_binary_payload(&overflow),
        Err(DecodeError::InvalidLength)
    );
}

#[test]
fn utf16_prefixes() {
    assert_eq!(utf16_prefix("abc", 0), Some(0));
    assert_eq!(utf16_prefix("abc", 2), Some(2));
    assert_eq!(utf16_prefix("abc", 3), Some(3));
    assert_eq!(utf16_prefix("abc", 4), None);
    assert_eq!(utf16_prefix("😀x", 2), Some(4));
    assert_eq!(utf16_prefix("😀x", 1), None);
    assert_eq!(utf16_prefix("é", 1), Some(2));
    assert_eq!(utf16_prefix("", 0), Some(0));
}

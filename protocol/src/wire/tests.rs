use super::*;

const BIN_EVENT: &str = "51-[\"a\",{\"_placeholder\":true,\"num\":0}]";

fn xhr() -> PollingFormat {
    PollingFormat::default()
}

fn body(p: &Payload) -> &str {
    std::str::from_utf8(&p.body).unwrap()
}

#[test]
fn eio4_message_then_attachments() {
    let frames = message_frames(
        Generation::Eio4,
        BIN_EVENT.into(),
        &[Bytes::from_static(&[1, 2])],
    );
    assert_eq!(
        frames[0].as_text(),
        Some("451-[\"a\",{\"_placeholder\":true,\"num\":0}]")
    );
    assert_eq!(frames[1].bytes().as_ref(), &[1, 2]);
    assert!(!frames[1].is_text());
}

#[test]
fn eio3_attachments_carry_their_type_byte() {
    let frames = message_frames(
        Generation::Eio3,
        BIN_EVENT.into(),
        &[Bytes::from_static(&[1, 2]), Bytes::new()],
    );
    assert_eq!(frames.len(), 3);
    assert_eq!(frames[0].as_text(), Some(&*format!("4{BIN_EVENT}")));
    assert_eq!(frames[1].bytes().as_ref(), &[4, 1, 2]);
    assert_eq!(frames[2].bytes().as_ref(), &[4]);
}

#[test]
fn connect_replies_per_generation() {
    assert_eq!(
        connect_frames(Generation::Eio4, "/admin", "xyz"),
        vec![Frame::text(r#"40/admin,{"sid":"xyz"}"#)]
    );
    assert_eq!(
        connect_frames(Generation::Eio3, "/admin", "xyz"),
        vec![Frame::text("40/admin,")]
    );
    assert_eq!(
        connect_frames(Generation::Eio3, "/", "xyz"),
        vec![Frame::text("40")]
    );
    assert_eq!(
        connect_error_frames(Generation::Eio4, "/random", "Invalid namespace"),
        vec![Frame::text(r#"44/random,{"message":"Invalid namespace"}"#)]
    );
    assert_eq!(
        connect_error_frames(Generation::Eio3, "/random", "Invalid namespace"),
        vec![Frame::text(r#"44/random,"Invalid namespace""#)]
    );
}

#[test]
fn base64_frames() {
    let text = Frame::text("42[]");
    assert_eq!(base64_frame(Generation::Eio3, &text), text);
    assert_eq!(
        base64_frame(
            Generation::Eio4,
            &Frame::binary(Bytes::from_static(&[1, 2, 3]))
        ),
        Frame::text("bAQID")
    );
    assert_eq!(
        base64_frame(
            Generation::Eio3,
            &Frame::binary(Bytes::from_static(&[4, 1, 2, 3]))
        ),
        Frame::text("b4AQID")
    );
}

#[test]
fn eio4_polling_payload_joins_with_record_separator() {
    let frames = [
        Frame::text("40"),
        Frame::binary(Bytes::from_static(&[1, 2, 3])),
        noop(Generation::Eio4),
    ];
    let p = polling_payload(Generation::Eio4, &xhr(), &frames);
    assert_eq!(body(&p), "40\u{1e}bAQID\u{1e}6");
    assert_eq!(p.content_type, TEXT);
    // Binary support changes nothing in v4.
    let binary = PollingFormat {
        binary: true,
        jsonp: None,
    };
    assert_eq!(polling_payload(Generation::Eio4, &binary, &frames), p);
    assert_eq!(body(&polling_payload(Generation::Eio4, &xhr(), &[])), "");
}

#[test]
fn eio3_text_payload() {
    let frames = [
        Frame::text("40"),
        Frame::text("42[\"😀\"]"),
        noop(Generation::Eio3),
    ];
    let p = polling_payload(Generation::Eio3, &xhr(), &frames);
    assert_eq!(body(&p), "2:408:42[\"😀\"]1:6");
    assert_eq!(p.content_type, TEXT);
    // No binary frame: text even for a binary-capable client.
    let binary = PollingFormat {
        binary: true,
        jsonp: None,
    };
    assert_eq!(polling_payload(Generation::Eio3, &binary, &frames), p);
}

#[test]
fn eio3_binary_frames_as_base64_or_binary_payload() {
    let frames = message_frames(
        Generation::Eio3,
        "51-[\"a\",{\"_placeholder\":true,\"num\":0}]".into(),
        &[Bytes::from_static(&[1, 2, 3])],
    );
    let b64 = polling_payload(Generation::Eio3, &xhr(), &frames);
    assert_eq!(
        body(&b64),
        "39:451-[\"a\",{\"_placeholder\":true,\"num\":0}]6:b4AQID"
    );
    let binary = PollingFormat {
        binary: true,
        jsonp: None,
    };
    let p = polling_payload(Generation::Eio3, &binary, &frames);
    assert_eq!(p.content_type, BINARY);
    let mut expected = vec![0, 3, 9, 255];
    expected.extend_from_slice(b"451-[\"a\",{\"_placeholder\":true,\"num\":0}]");
    expected.extend_from_slice(&[1, 4, 255, 4, 1, 2, 3]);
    assert_eq!(p.body.as_ref(), expected.as_slice());
    assert_eq!(
        engineio3::decode_binary_payload(&p.body).unwrap()[1],
        Packet::Binary(Bytes::from_static(&[1, 2, 3]))
    );
}

#[test]
fn jsonp_payloads_are_scripts() {
    let jsonp = PollingFormat {
        binary: true,
        jsonp: Some("2".into()),
    };
    let frames = message_frames(
        Generation::Eio3,
        "51-[\"a\",{\"_placeholder\":true,\"num\":0}]".into(),
        &[Bytes::from_static(&[1, 2, 3])],
    );
    let p = polling_payload(Generation::Eio3, &jsonp, &frames);
    assert_eq!(p.content_type, JAVASCRIPT);
    assert_eq!(
        body(&p),
        r#"___eio[2]("39:451-[\"a\",{\"_placeholder\":true,\"num\":0}]6:b4AQID");"#
    );
    let p = polling_payload(Generation::Eio4, &jsonp, &[Frame::text("4x\u{2028}")]);
    assert_eq!(body(&p), r#"___eio[2]("4x\u2028");"#);
}

#[test]
fn decode_frames_per_generation() {
    assert_eq!(
        decode_text(Generation::Eio4, "bAQID"),
        Ok(Packet::Binary(Bytes::from_static(&[1, 2, 3])))
    );
    assert_eq!(
        decode_text(Generation::Eio3, "b4AQID"),
        Ok(Packet::Binary(Bytes::from_static(&[1, 2, 3])))
    );
    assert_eq!(
        decode_text(Generation::Eio3, "42[\"a\"]"),
        Ok(Packet::Message("2[\"a\"]".into()))
    );
    assert_eq!(
        decode_binary(Generation::Eio4, Bytes::from_static(&[4, 1])),
        Ok(Packet::Binary(Bytes::from_static(&[4, 1])))
    );
    assert_eq!(
        decode_binary(Generation::Eio3, Bytes::from_static(&[4, 1])),
        Ok(Packet::Binary(Bytes::from_static(&[1])))
    );
    assert_eq!(
        decode_binary(Generation::Eio3, Bytes::from_static(&[1])),
        Err(DecodeError::BinaryNotMessage)
    );
}

#[test]
fn decode_posts() {
    let ping = Ok(vec![Packet::Ping(String::new())]);
    assert_eq!(decode_post(Generation::Eio3, PostKind::Text, b"1:2"), ping);
    assert_eq!(decode_post(Generation::Eio4, PostKind::Text, b"2"), ping);
    assert_eq!(
        decode_post(Generation::Eio3, PostKind::Binary, &[0, 1, 255, b'2']),
        ping
    );
    // v4 has no binary payloads: the body is text.
    assert_eq!(decode_post(Generation::Eio4, PostKind::Binary, b"2"), ping);
    assert_eq!(
        decode_post(Generation::Eio3, PostKind::Form, b"d=1%3A2"),
        ping
    );
    assert_eq!(decode_post(Generation::Eio4, PostKind::Form, b"d=2"), ping);
    assert_eq!(
        decode_post(Generation::Eio3, PostKind::Form, b"d=4%3A4a%5Cnb"),
        Ok(vec![Packet::Message("a\nb".into())])
    );
    assert!(decode_post(Generation::Eio3, PostKind::Form, b"x=1").is_err());
    assert!(decode_post(Generation::Eio3, PostKind::Text, b"2").is_err());
    assert!(decode_post(Generation::Eio4, PostKind::Text, b"1:2").is_ok());
    assert!(decode_post(Generation::Eio3, PostKind::Text, &[0xff]).is_err());
    assert!(decode_post(Generation::Eio3, PostKind::Binary, b"1:2").is_err());
}

#[test]
fn decode_messages_per_generation() {
    assert_eq!(
        decode_message(Generation::Eio3, "0/admin?token=abc,"),
        Ok(Message::Connect {
            nsp: "/admin".into(),
            auth: Some(r#"{"token":"abc"}"#.into())
        })
    );
    assert_eq!(
        decode_message(Generation::Eio4, "0/admin?token=abc,"),
        Ok(Message::Connect {
            nsp: "/admin?token=abc".into(),
            auth: None
        })
    );
}

#[test]
fn sio1_frames_translate_socketio_packets() {
    let one = |packet: &str| message_frames(Generation::Sio1, packet.into(), &[]);
    assert_eq!(
        one(r#"2/chat,["said",{"a":1}]"#),
        vec![Frame::text(r#"5::/chat:{"name":"said","args":[{"a":1}]}"#)]
    );
    assert_eq!(
        one(r#"2/chat,7["ping",1]"#),
        vec![Frame::text(r#"5:7+:/chat:{"name":"ping","args":[1]}"#)]
    );
    assert_eq!(one(r#"2["message","hi"]"#), vec![Frame::text("3:::hi")]);
    assert_eq!(
        one(r#"3/chat,4[{"ok":true}]"#),
        vec![Frame::text(r#"6::/chat:4+[{"ok":true}]"#)]
    );
    assert_eq!(one(r#"3/chat,4[]"#), vec![Frame::text("6::/chat:4")]);
    assert_eq!(one("1/chat,"), vec![Frame::text("0::/chat")]);
    // No binary in protocol 1: not sent.
    assert!(
        message_frames(
            Generation::Sio1,
            BIN_EVENT.into(),
            &[Bytes::from_static(&[1])]
        )
        .is_empty()
    );
    assert_eq!(
        connect_frames(Generation::Sio1, "/chat", "x"),
        vec![Frame::text("1::/chat")]
    );
    assert_eq!(
        connect_error_frames(Generation::Sio1, "/", "no"),
        vec![Frame::text("7:::2"), Frame::text("0::")]
    );
}

#[test]
fn sio1_payloads_both_ways() {
    let frames = [Frame::text("3:::😀"), Frame::text("1::/chat")];
    assert_eq!(
        body(&polling_payload(Generation::Sio1, &xhr(), &frames)),
        "\u{fffd}6\u{fffd}3:::😀\u{fffd}8\u{fffd}1::/chat"
    );
    assert_eq!(
        body(&polling_payload(Generation::Sio1, &xhr(), &frames[1..])),
        "1::/chat"
    );
    let jsonp = PollingFormat {
        binary: false,
        jsonp: Some("3".into()),
    };
    let p = polling_payload(Generation::Sio1, &jsonp, &[Frame::text("3:::</script>")]);
    assert_eq!(body(&p), r#"io.j[3]("3:::\u003c/script>");"#);
    assert_eq!(p.content_type, JAVASCRIPT);
    let post = decode_post(
        Generation::Sio1,
        PostKind::Text,
        "\u{fffd}3\u{fffd}2::\u{fffd}6\u{fffd}3:::世界".as_bytes(),
    );
    assert_eq!(
        post,
        Ok(vec![
            Packet::Message("2::".into()),
            Packet::Message("3:::世界".into())
        ])
    );
    let form = decode_post(
        Generation::Sio1,
        PostKind::Form,
        b"d=%223%3A%3A%3Aa%5Cnb%22",
    );
    assert_eq!(form, Ok(vec![Packet::Message("3:::a\nb".into())]));
    assert!(
        decode_post(
            Generation::Sio1,
            PostKind::Text,
            "\u{fffd}9\u{fffd}2::".as_bytes()
        )
        .is_err()
    );
    assert_eq!(noop(Generation::Sio1), Frame::text("8::"));
    assert_eq!(close(Generation::Sio1), Frame::text("0::"));
}

fn msgpack() -> WireFormat {
    WireFormat::new(Generation::Eio4, Parser::Msgpack).unwrap()
}

#[test]
fn msgpack_is_for_engine_io_4_only() {
    assert!(WireFormat::new(Generation::Eio3, Parser::Msgpack).is_none());
    assert!(WireFormat::new(Generation::Sio1, Parser::Msgpack).is_none());
    assert_eq!(
        WireFormat::from(Generation::Eio3),
        WireFormat::new(Generation::Eio3, Parser::Json).unwrap()
    );
}

#[test]
fn a_msgpack_client_gets_one_binary_message_per_packet() {
    let attachments = [Bytes::from_static(&[1, 2])];
    let frames = message_frames(msgpack(), BIN_EVENT.into(), &attachments);
    assert_eq!(frames.len(), 1);
    assert!(!frames[0].is_text());
    let decoded = decode_msgpack_message(frames[0].bytes()).unwrap();
    assert_eq!(decoded.message, socketio::decode(BIN_EVENT).unwrap());
    assert_eq!(decoded.attachments, attachments);
    // Over polling: Engine.IO 4's `b<base64>`.
    let payload = polling_payload(Generation::Eio4, &xhr(), &frames);
    assert!(body(&payload).starts_with('b'));
    // Its CONNECT reply and refusals are msgpack too.
    let connect = connect_frames_recoverable(msgpack(), "/", "s1", Some("p1"));
    assert_eq!(
        decode_msgpack_message(connect[0].bytes()).unwrap().message,
        Message::Connect {
            nsp: "/".into(),
            auth: Some(r#"{"sid":"s1","pid":"p1"}"#.into())
        }
    );
    assert_eq!(connect_error_frames(msgpack(), "/x", "no").len(), 1);
    // It sends no text packets.
    assert!(decode_message(msgpack(), r#"2["a"]"#).is_err());
}

#[test]
fn replayed_json_frames_are_reframed_for_msgpack_clients() {
    let mut stored = message_frames(
        Generation::Eio4,
        BIN_EVENT.into(),
        &[Bytes::from_static(&[7])],
    );
    stored.extend(message_frames(Generation::Eio4, r#"2["b",1]"#.into(), &[]));
    assert_eq!(reframe_eio4(Generation::Eio4, stored.clone()), stored);
    let reframed = reframe_eio4(msgpack(), stored);
    let decoded: Vec<_> = reframed
        .iter()
        .map(|f| decode_msgpack_message(f.bytes()).unwrap())
        .collect();
    assert_eq!(decoded.len(), 2);
    assert_eq!(decoded[0].message, socketio::decode(BIN_EVENT).unwrap());
    assert_eq!(decoded[0].attachments, vec![Bytes::from_static(&[7])]);
    assert_eq!(decoded[1].message, socketio::decode(r#"2["b",1]"#).unwrap());
}

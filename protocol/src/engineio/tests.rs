use super::*;

fn text(p: &Packet) -> String {
    p.to_text()
}

#[test]
fn decode_text_each_type() {
    assert_eq!(
        Packet::decode_text("0{\"sid\":\"x\"}"),
        Ok(Packet::Open("{\"sid\":\"x\"}".into()))
    );
    assert_eq!(Packet::decode_text("1"), Ok(Packet::Close));
    assert_eq!(Packet::decode_text("2"), Ok(Packet::Ping(String::new())));
    assert_eq!(
        Packet::decode_text("2probe"),
        Ok(Packet::Ping("probe".into()))
    );
    assert_eq!(Packet::decode_text("3"), Ok(Packet::Pong(String::new())));
    assert_eq!(
        Packet::decode_text("3probe"),
        Ok(Packet::Pong("probe".into()))
    );
    assert_eq!(
        Packet::decode_text("4hello"),
        Ok(Packet::Message("hello".into()))
    );
    assert_eq!(Packet::decode_text("4"), Ok(Packet::Message(String::new())));
    assert_eq!(Packet::decode_text("5"), Ok(Packet::Upgrade));
    assert_eq!(Packet::decode_text("6"), Ok(Packet::Noop));
}

#[test]
fn decode_text_ignores_data_on_dataless_types() {
    assert_eq!(Packet::decode_text("1bye"), Ok(Packet::Close));
    assert_eq!(Packet::decode_text("5x"), Ok(Packet::Upgrade));
    assert_eq!(Packet::decode_text("6x"), Ok(Packet::Noop));
}

#[test]
fn decode_text_keeps_unicode_data() {
    assert_eq!(
        Packet::decode_text("4héllo €𝄞"),
        Ok(Packet::Message("héllo €𝄞".into()))
    );
}

#[test]
fn decode_text_errors() {
    assert_eq!(Packet::decode_text(""), Err(DecodeError::Empty));
    assert_eq!(Packet::decode_text("7"), Err(DecodeError::UnknownType('7')));
    assert_eq!(
        Packet::decode_text("x4"),
        Err(DecodeError::UnknownType('x'))
    );
    assert_eq!(
        Packet::decode_text(" 4"),
        Err(DecodeError::UnknownType(' '))
    );
    assert_eq!(Packet::decode_text("é"), Err(DecodeError::UnknownType('é')));
    assert_eq!(Packet::decode_text("b!!!"), Err(DecodeError::InvalidBase64));
    assert_eq!(
        Packet::decode_text("bAQI D"),
        Err(DecodeError::InvalidBase64)
    );
}

#[test]
fn decode_text_base64() {
    assert_eq!(
        Packet::decode_text("bAQIDBA=="),
        Ok(Packet::Binary(Bytes::from_static(&[1, 2, 3, 4])))
    );
    // Unpadded, as Node accepts it.
    assert_eq!(
        Packet::decode_text("bAQIDBA"),
        Ok(Packet::Binary(Bytes::from_static(&[1, 2, 3, 4])))
    );
    assert_eq!(Packet::decode_text("b"), Ok(Packet::Binary(Bytes::new())));
}

#[test]
fn from_binary_frame_is_binary_message() {
    let b = Bytes::from_static(b"\x00\xffraw");
    assert_eq!(Packet::from_binary_frame(b.clone()), Packet::Binary(b));
    // Even bytes that look like a text packet.
    assert_eq!(
        Packet::from_binary_frame(Bytes::from_static(b"4hello")),
        Packet::Binary(Bytes::from_static(b"4hello"))
    );
}

#[test]
fn encode_text_each_type() {
    assert_eq!(text(&Packet::Open("{}".into())), "0{}");
    assert_eq!(text(&Packet::Close), "1");
    assert_eq!(text(&Packet::Ping(String::new())), "2");
    assert_eq!(text(&Packet::Ping("probe".into())), "2probe");
    assert_eq!(text(&Packet::Pong("probe".into())), "3probe");
    assert_eq!(text(&Packet::Message("hello".into())), "4hello");
    assert_eq!(text(&Packet::Upgrade), "5");
    assert_eq!(text(&Packet::Noop), "6");
    assert_eq!(
        text(&Packet::Binary(Bytes::from_static(&[1, 2, 3, 4]))),
        "bAQIDBA=="
    );
    assert_eq!(text(&Packet::Binary(Bytes::new())), "b");
}

#[test]
fn encode_text_appends() {
    let mut out = String::from("x");
    Packet::Message("y".into()).encode_text(&mut out);
    assert_eq!(out, "x4y");
}

#[test]
fn type_chars() {
    assert_eq!(Packet::Open(String::new()).type_char(), '0');
    assert_eq!(Packet::Binary(Bytes::new()).type_char(), 'b');
    assert_eq!(Packet::Noop.type_char(), '6');
}

#[test]
fn ws_frames() {
    assert_eq!(
        Packet::Message("hi".into()).to_ws_frame(),
        WsFrame::Text("4hi".into())
    );
    assert_eq!(
        Packet::Ping("probe".into()).to_ws_frame(),
        WsFrame::Text("2probe".into())
    );
    assert_eq!(
        Packet::Binary(Bytes::from_static(&[1, 2])).to_ws_frame(),
        WsFrame::Binary(Bytes::from_static(&[1, 2]))
    );
}

#[test]
fn decode_payload_parts() {
    assert_eq!(
        decode_payload("4hello\x1e2\x1ebAQID\x1e6"),
        Ok(vec![
            Packet::Message("hello".into()),
            Packet::Ping(String::new()),
            Packet::Binary(Bytes::from_static(&[1, 2, 3])),
            Packet::Noop,
        ])
    );
    assert_eq!(decode_payload("1"), Ok(vec![Packet::Close]));
}

#[test]
fn decode_payload_errors() {
    assert_eq!(decode_payload(""), Err(DecodeError::Empty));
    assert_eq!(decode_payload("4a\x1e"), Err(DecodeError::Empty));
    assert_eq!(decode_payload("\x1e4a"), Err(DecodeError::Empty));
    assert_eq!(decode_payload("4a\x1e\x1e4b"), Err(DecodeError::Empty));
    assert_eq!(
        decode_payload("4a\x1e9"),
        Err(DecodeError::UnknownType('9'))
    );
    assert_eq!(decode_payload("4a\x1eb%%"), Err(DecodeError::InvalidBase64));
    // Engine.IO 3 framing is not v4: "6:4hello" reads as a noop with data, as in the reference.
    assert_eq!(decode_payload("6:4hello"), Ok(vec![Packet::Noop]));
    assert_eq!(decode_payload("12:4hello"), Ok(vec![Packet::Close]));
}

#[test]
fn encode_payload_joins() {
    assert_eq!(encode_payload(&[]), "");
    assert_eq!(encode_payload(&[Packet::Message("a".into())]), "4a");
    assert_eq!(
        encode_payload(&[
            Packet::Message("a".into()),
            Packet::Binary(Bytes::from_static(&[1, 2, 3])),
            Packet::Close,
        ]),
        "4a\x1ebAQID\x1e1"
    );
}

#[test]
fn payload_round_trip() {
    let packets = vec![
        Packet::Open("{\"sid\":\"abc\"}".into()),
        Packet::Ping("probe".into()),
        Packet::Pong(String::new()),
        Packet::Message("42[\"chat\",\"hé\"]".into()),
        Packet::Binary(Bytes::from_static(&[0, 255, 7])),
        Packet::Upgrade,
        Packet::Noop,
        Packet::Close,
    ];
    assert_eq!(decode_payload(&encode_payload(&packets)), Ok(packets));
}

#[test]
fn handshake_json() {
    let hs = Handshake {
        sid: "lv_VI97HAXpY6yYWAAAC",
        upgrades: &["websocket"],
        ping_interval_ms: 25000,
        ping_timeout_ms: 20000,
        max_payload: 1_000_000,
    };
    assert_eq!(
        hs.to_json(),
        r#"{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
    );
    assert_eq!(hs.to_packet(), Packet::Open(hs.to_json()));
    let none = Handshake {
        upgrades: &[],
        sid: "a\"b",
        ..hs
    };
    let json = none.to_json();
    assert_eq!(
        json,
        r#"{"sid":"a\"b","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["sid"], "a\"b");
    let two = Handshake {
        upgrades: &["websocket", "webtransport"],
        ..hs
    };
    assert!(
        two.to_json()
            .contains(r#""upgrades":["websocket","webtransport"]"#)
    );
}

#[test]
fn error_codes() {
    let all = [
        (ErrorCode::UnknownTransport, 0, "Transport unknown", 400),
        (ErrorCode::UnknownSid, 1, "Session ID unknown", 400),
        (
            ErrorCode::BadHandshakeMethod,
            2,
            "Bad handshake method",
            400,
        ),
        (ErrorCode::BadRequest, 3, "Bad request", 400),
        (ErrorCode::Forbidden, 4, "Forbidden", 403),
        (
            ErrorCode::UnsupportedProtocolVersion,
            5,
            "Unsupported protocol version",
            400,
        ),
    ];
    for (code, n, message, status) in all {
        assert_eq!(code.code(), n);
        assert_eq!(code.message(), message);
        assert_eq!(code.to_string(), message);
        assert_eq!(code.http_status(), status);
        assert_eq!(
            code.to_json(),
            format!("{{\"code\":{n},\"message\":\"{message}\"}}")
        );
    }
    assert_eq!(
        ErrorCode::UnknownTransport.to_json(),
        r#"{"code":0,"message":"Transport unknown"}"#
    );
}

#[test]
fn error_display() {
    assert_eq!(DecodeError::Empty.to_string(), "empty packet");
    assert_eq!(
        DecodeError::UnknownType('9').to_string(),
        "unknown packet type '9'"
    );
    assert_eq!(
        DecodeError::InvalidBase64.to_string(),
        "invalid base64 in binary packet"
    );
    assert_eq!(
        DecodeError::InvalidLength.to_string(),
        "invalid payload length"
    );
    assert_eq!(
        DecodeError::BinaryNotMessage.to_string(),
        "binary packet that is not a message"
    );
    assert_eq!(
        DecodeError::InvalidUtf8.to_string(),
        "text packet that is not UTF-8"
    );
}

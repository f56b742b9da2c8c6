use super::*;

fn event(nsp: &str, name: &str, args: &str, attachments: usize, ack: Option<u64>) -> Message {
    Message::Event {
        nsp: nsp.into(),
        name: name.into(),
        args: args.into(),
        attachments,
        ack,
    }
}

fn ack(nsp: &str, id: u64, args: &str, attachments: usize) -> Message {
    Message::Ack {
        nsp: nsp.into(),
        id,
        args: args.into(),
        attachments,
    }
}

fn connect(nsp: &str, auth: Option<&str>) -> Message {
    Message::Connect {
        nsp: nsp.into(),
        auth: auth.map(Into::into),
    }
}

fn disconnect(nsp: &str) -> Message {
    Message::Disconnect { nsp: nsp.into() }
}

fn payload_err(text: &str) {
    assert!(
        matches!(
            decode(text),
            Err(DecodeError::InvalidPayload(_) | DecodeError::InvalidJson)
        ),
        "{text:?} gave {:?}",
        decode(text)
    );
}

// ----- packet types -----

#[test]
fn packet_type_chars() {
    for (i, c) in ('0'..='6').enumerate() {
        let t = PacketType::from_char(c).unwrap();
        assert_eq!(t as usize, i);
        assert_eq!(t.as_char(), c);
    }
    assert_eq!(PacketType::from_char('7'), None);
    assert_eq!(PacketType::from_char(' '), None);
    assert!(PacketType::BinaryEvent.is_binary());
    assert!(PacketType::BinaryAck.is_binary());
    assert!(!PacketType::Event.is_binary());
    assert!(!PacketType::Connect.is_binary());
}

// ----- decode: CONNECT -----

#[test]
fn decode_connect() {
    assert_eq!(decode("0"), Ok(connect("/", None)));
    assert_eq!(decode("0/admin,"), Ok(connect("/admin", None)));
    assert_eq!(decode("0/admin"), Ok(connect("/admin", None)));
    assert_eq!(
        decode(r#"0{"token":"123"}"#),
        Ok(connect("/", Some(r#"{"token":"123"}"#)))
    );
    assert_eq!(
        decode(r#"0/custom,{"token":"abc"}"#),
        Ok(connect("/custom", Some(r#"{"token":"abc"}"#)))
    );
    assert_eq!(decode("0{}"), Ok(connect("/", Some("{}"))));
    // JSON whitespace after the object is fine (JSON.parse), and trimmed.
    assert_eq!(
        decode("0{ \"a\" : 1 }\n"),
        Ok(connect("/", Some("{ \"a\" : 1 }")))
    );
    // Without a comma the namespace runs to the end of the text.
    assert_eq!(decode("0/admin{}"), Ok(connect("/admin{}", None)));
    // An ack id on CONNECT is ignored, as in the reference.
    assert_eq!(decode("012{}"), Ok(connect("/", Some("{}"))));
}

#[test]
fn decode_connect_errors() {
    payload_err(r#"0/admin,"invalid""#);
    payload_err("0[]");
    payload_err("0null");
    payload_err("0a");
    payload_err("0{");
    payload_err("0{}x");
    assert_eq!(
        decode("0[]"),
        Err(DecodeError::InvalidPayload(CONNECT_SHAPE))
    );
    assert_eq!(decode("0{"), Err(DecodeError::InvalidJson));
}

// ----- decode: DISCONNECT -----

#[test]
fn decode_disconnect() {
    assert_eq!(decode("1"), Ok(disconnect("/")));
    assert_eq!(decode("1/admin,"), Ok(disconnect("/admin")));
    assert_eq!(decode("1/custom"), Ok(disconnect("/custom")));
    assert_eq!(
        decode("1/admin,{}"),
        Err(DecodeError::InvalidPayload(DISCONNECT_SHAPE))
    );
    assert_eq!(
        decode("1{}"),
        Err(DecodeError::InvalidPayload(DISCONNECT_SHAPE))
    );
    assert_eq!(
        decode("1x"),
        Err(DecodeError::InvalidPayload(DISCONNECT_SHAPE))
    );
}

// ----- decode: EVENT -----

#[test]
fn decode_event() {
    assert_eq!(
        decode(r#"2["message",1,"2",{"3":[true]}]"#),
        Ok(event("/", "message", r#"[1,"2",{"3":[true]}]"#, 0, None))
    );
    assert_eq!(
        decode(r#"2["hello"]"#),
        Ok(event("/", "hello", "[]", 0, None))
    );
    assert_eq!(
        decode(r#"2/admin,["a",1]"#),
        Ok(event("/admin", "a", "[1]", 0, None))
    );
    assert_eq!(
        decode(r#"2456["message-with-ack",1,"2",{"3":[false]}]"#),
        Ok(event(
            "/",
            "message-with-ack",
            r#"[1,"2",{"3":[false]}]"#,
            0,
            Some(456)
        ))
    );
    assert_eq!(
        decode(r#"2/admin,12["x",null]"#),
        Ok(event("/admin", "x", "[null]", 0, Some(12)))
    );
    // Escaped names are unescaped; whitespace inside the array is kept raw.
    assert_eq!(
        decode("2[ \"h\\u00e9\\\"\" , 1 , [2] ]"),
        Ok(event("/", "hé\"", "[1 , [2]]", 0, None))
    );
    // A reserved word that is not exactly a reserved name is fine.
    assert_eq!(
        decode(r#"2["Connect"]"#),
        Ok(event("/", "Connect", "[]", 0, None))
    );
    assert_eq!(decode(r#"2[""]"#), Ok(event("/", "", "[]", 0, None)));
}

#[test]
fn decode_event_numeric_names() {
    assert_eq!(
        decode(r#"2[1,"a",{}]"#),
        Ok(event("/", "1", r#"["a",{}]"#, 0, None))
    );
    assert_eq!(decode("2[1.50]"), Ok(event("/", "1.5", "[]", 0, None)));
    assert_eq!(decode("2[-0]"), Ok(event("/", "0", "[]", 0, None)));
    assert_eq!(decode("2[1e2]"), Ok(event("/", "100", "[]", 0, None)));
    assert_eq!(decode("2[1e21]"), Ok(event("/", "1e+21", "[]", 0, None)));
    assert_eq!(
        decode("2[-2.5e-7]"),
        Ok(event("/", "-2.5e-7", "[]", 0, None))
    );
    assert_eq!(
        decode("2[1e400]"),
        Ok(event("/", "Infinity", "[]", 0, None))
    );
}

#[test]
fn decode_event_errors() {
    // The reference parser's own invalid-payload cases.
    assert_eq!(
        decode(r#"442["some","data""#),
        Err(DecodeError::ConnectErrorFromClient)
    );
    payload_err(r#"2/admin,"invalid"#);
    payload_err("2/admin,{}");
    payload_err(r#"2[{"toString":"foo"}]"#);
    payload_err(r#"2[true,"foo"]"#);
    payload_err(r#"2[null,"bar"]"#);
    payload_err("2{}");
    payload_err("2[]");
    payload_err("2[[\"a\"]]");
    payload_err("2[\"a\"]]");
    payload_err("2[\"a\",]");
    payload_err("2\"a\"");
    // The payload is required.
    assert_eq!(decode("2"), Err(DecodeError::InvalidPayload(EVENT_SHAPE)));
    assert_eq!(
        decode("2/admin,"),
        Err(DecodeError::InvalidPayload(EVENT_SHAPE))
    );
    assert_eq!(decode("212"), Err(DecodeError::InvalidPayload(EVENT_SHAPE)));
    // A namespace without its comma swallows the payload.
    assert_eq!(
        decode(r#"2/admin["a"]"#),
        Err(DecodeError::InvalidPayload(EVENT_SHAPE))
    );
    // A name that is not valid UTF-16 for serde (lone surrogate).
    assert_eq!(decode(r#"2["\ud800"]"#), Err(DecodeError::InvalidJson));
}

#[test]
fn decode_reserved_event_names() {
    for name in RESERVED_EVENTS {
        assert_eq!(
            decode(&format!(r#"2["{name}",1]"#)),
            Err(DecodeError::ReservedEvent(name.to_owned()))
        );
        assert_eq!(
            decode(&format!(r#"51-["{name}",{{"_placeholder":true,"num":0}}]"#)),
            Err(DecodeError::ReservedEvent(name.to_owned()))
        );
    }
    // Escaped spelling of a reserved name is still that name.
    assert_eq!(
        decode(r#"2["\u0063onnect"]"#),
        Err(DecodeError::ReservedEvent("connect".into()))
    );
}

#[test]
fn decode_invalid_ack_ids() {
    // `abc["x"]` is not JSON.
    assert_eq!(decode(r#"2abc["x"]"#), Err(DecodeError::InvalidJson));
    payload_err(r#"2+1["x"]"#);
    payload_err(r#"2-1["x"]"#);
    payload_err(r#"21.5["x"]"#);
    // Overflow.
    assert_eq!(
        decode(r#"218446744073709551616["x"]"#),
        Err(DecodeError::InvalidAckId)
    );
    assert_eq!(
        decode(r#"218446744073709551615["x"]"#),
        Ok(event("/", "x", "[]", 0, Some(u64::MAX)))
    );
    assert_eq!(
        decode(r#"2007["x"]"#),
        Ok(event("/", "x", "[]", 0, Some(7)))
    );
}

#[test]
fn decode_whitespace_like_the_reference() {
    // socket.io-parser reads the ack id with `Number(c) == c`, which holds
    // for whitespace: the whitespace becomes part of the id, and
    // `Number(" ")` is 0.
    assert_eq!(decode(r#"2 ["a"]"#), Ok(event("/", "a", "[]", 0, Some(0))));
    assert_eq!(
        decode("2\t\n[\"a\"]"),
        Ok(event("/", "a", "[]", 0, Some(0)))
    );
    assert_eq!(
        decode("2\u{a0}[\"a\"]"),
        Ok(event("/", "a", "[]", 0, Some(0)))
    );
    assert_eq!(
        decode("2\u{feff}[\"a\"]"),
        Ok(event("/", "a", "[]", 0, Some(0)))
    );
    assert_eq!(
        decode(r#"2 1 ["a"]"#),
        Ok(event("/", "a", "[]", 0, Some(1)))
    );
    assert_eq!(decode(r#"21 ["a"]"#), Ok(event("/", "a", "[]", 0, Some(1))));
    assert_eq!(
        decode(r#"2/admin, ["a"]"#),
        Ok(event("/admin", "a", "[]", 0, Some(0)))
    );
    // Whitespace between digits is NaN in JavaScript.
    assert_eq!(decode(r#"21 2["a"]"#), Err(DecodeError::InvalidAckId));
    // NEL is Unicode whitespace but not JavaScript whitespace.
    assert_eq!(decode("2\u{85}[\"a\"]"), Err(DecodeError::InvalidJson));
    // Trailing JSON whitespace is fine; other trailing text is not.
    assert_eq!(decode("2[\"a\"] \r\n"), Ok(event("/", "a", "[]", 0, None)));
    assert_eq!(decode("2[\"a\"] x"), Err(DecodeError::InvalidJson));
    // A whitespace type character is not a type here (JS makes it CONNECT).
    assert_eq!(decode(" {}"), Err(DecodeError::UnknownType(' ')));
    // Whitespace-only ids on an ACK are id 0, as in the reference.
    assert_eq!(decode("3 []"), Ok(ack("/", 0, "[]", 0)));
}

// ----- decode: BINARY_EVENT -----

#[test]
fn decode_binary_event() {
    assert_eq!(
        decode(r#"52-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#),
        Ok(event(
            "/",
            "message",
            r#"[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
            2,
            None
        ))
    );
    assert_eq!(
        decode(r#"52-789["message-with-ack",{"_placeholder":true,"num":0},1]"#),
        Ok(event(
            "/",
            "message-with-ack",
            r#"[{"_placeholder":true,"num":0},1]"#,
            2,
            Some(789)
        ))
    );
    assert_eq!(
        decode(r#"51-/admin,3["up",{"_placeholder":true,"num":0}]"#),
        Ok(event(
            "/admin",
            "up",
            r#"[{"_placeholder":true,"num":0}]"#,
            1,
            Some(3)
        ))
    );
    assert_eq!(decode(r#"501-["a"]"#), Ok(event("/", "a", "[]", 1, None)));
}

#[test]
fn decode_binary_attachment_errors() {
    for text in [
        "5",
        "51",
        "50-",
        "5a-",
        "51.23-",
        "5-[\"a\"]",
        "5 1-[\"a\"]",
        "50x1-[\"a\"]",
    ] {
        assert_eq!(
            decode(text),
            Err(DecodeError::IllegalAttachments),
            "{text:?}"
        );
    }
    for text in ["6", "61", "60-1[]"] {
        assert_eq!(
            decode(text),
            Err(DecodeError::IllegalAttachments),
            "{text:?}"
        );
    }
    assert_eq!(
        decode(r#"511-["a"]"#),
        Err(DecodeError::TooManyAttachments { max: 10 })
    );
    assert_eq!(
        decode(r#"599999999999999999999999-["a"]"#),
        Err(DecodeError::TooManyAttachments { max: 10 })
    );
    assert_eq!(decode(r#"510-["a"]"#), Ok(event("/", "a", "[]", 10, None)));
    payload_err("51-{}");
    payload_err("51-[]");
}

#[test]
fn decode_with_options() {
    let two = DecodeOptions { max_attachments: 2 };
    assert_eq!(
        decode_with(r#"53-["hello",1]"#, &two),
        Err(DecodeError::TooManyAttachments { max: 2 })
    );
    assert_eq!(
        decode_with(r#"52-["hello",1]"#, &two),
        Ok(event("/", "hello", "[1]", 2, None))
    );
    assert_eq!(
        DecodeOptions::default().max_attachments,
        DEFAULT_MAX_ATTACHMENTS
    );
}

// ----- decode: ACK -----

#[test]
fn decode_ack() {
    assert_eq!(
        decode(r#"3456[1,"2",{"3":[false]}]"#),
        Ok(ack("/", 456, r#"[1,"2",{"3":[false]}]"#, 0))
    );
    assert_eq!(decode("3/admin,12[]"), Ok(ack("/admin", 12, "[]", 0)));
    assert_eq!(decode("31[ ]"), Ok(ack("/", 1, "[]", 0)));
    assert_eq!(decode("31[ 1 ]"), Ok(ack("/", 1, "[1]", 0)));
    // A missing payload is an ack with no arguments.
    assert_eq!(decode("37"), Ok(ack("/", 7, "[]", 0)));
    assert_eq!(decode("3/admin,7"), Ok(ack("/admin", 7, "[]", 0)));
    assert_eq!(
        decode(r#"62-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#),
        Ok(ack(
            "/",
            789,
            r#"[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
            2
        ))
    );
    assert_eq!(
        decode(r#"61-/admin,1[{"_placeholder":true,"num":0}]"#),
        Ok(ack("/admin", 1, r#"[{"_placeholder":true,"num":0}]"#, 1))
    );
}

#[test]
fn decode_ack_errors() {
    assert_eq!(decode("3[]"), Err(DecodeError::MissingAckId));
    assert_eq!(decode("3"), Err(DecodeError::MissingAckId));
    assert_eq!(decode("3/admin,[1]"), Err(DecodeError::MissingAckId));
    assert_eq!(decode("61-[1]"), Err(DecodeError::MissingAckId));
    assert_eq!(decode("31{}"), Err(DecodeError::InvalidPayload(ACK_SHAPE)));
    assert_eq!(
        decode("31\"a\""),
        Err(DecodeError::InvalidPayload(ACK_SHAPE))
    );
    assert_eq!(decode("31[1"), Err(DecodeError::InvalidJson));
}

// ----- decode: other errors -----

#[test]
fn decode_type_errors() {
    assert_eq!(decode(""), Err(DecodeError::Empty));
    assert_eq!(decode("999"), Err(DecodeError::UnknownType('9')));
    assert_eq!(decode("7"), Err(DecodeError::UnknownType('7')));
    assert_eq!(decode("abc"), Err(DecodeError::UnknownType('a')));
    assert_eq!(decode("€2"), Err(DecodeError::UnknownType('€')));
    assert_eq!(
        decode(r#"4{"message":"x"}"#),
        Err(DecodeError::ConnectErrorFromClient)
    );
    assert_eq!(decode("4"), Err(DecodeError::ConnectErrorFromClient));
    assert_eq!(
        decode("4/admin,\"x\""),
        Err(DecodeError::ConnectErrorFromClient)
    );
}

#[test]
fn decode_deep_nesting_without_recursion() {
    // Arguments are skipped over, not parsed into a tree, so deep nesting
    // neither overflows the stack nor hits serde_json's recursion limit
    // (V8's JSON.parse accepts it too).
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep = format!("2[\"a\",{nested}]");
    let Ok(Message::Event { args, .. }) = decode(&deep) else {
        panic!("deep arguments rejected");
    };
    assert_eq!(args, format!("[{nested}]"));
    assert_eq!(args_inner(&args), Ok(nested.as_str()));
    // Unbalanced deep input is an error.
    let unbalanced = format!("2[\"a\",{}]", "[".repeat(100_000));
    assert_eq!(decode(&unbalanced), Err(DecodeError::InvalidJson));
}

// ----- split_frame -----

#[test]
fn split_frame_parts() {
    assert_eq!(
        split_frame(r#"52-/admin,12["a"]"#, 10),
        Ok(Frame {
            packet_type: PacketType::BinaryEvent,
            attachments: 2,
            nsp: "/admin",
            id: Some(12),
            data: Some(r#"["a"]"#),
        })
    );
    assert_eq!(
        split_frame("1", 10),
        Ok(Frame {
            packet_type: PacketType::Disconnect,
            attachments: 0,
            nsp: "/",
            id: None,
            data: None,
        })
    );
    // Type 4 frames split fine; only `decode` refuses them from clients.
    assert_eq!(
        split_frame(r#"4/a,{"message":"m"}"#, 10).map(|f| (f.packet_type, f.nsp, f.data)),
        Ok((PacketType::ConnectError, "/a", Some(r#"{"message":"m"}"#)))
    );
    // Non-ASCII namespaces and ids at the end of the text.
    assert_eq!(
        split_frame("2/é€,42", 10).map(|f| (f.nsp, f.id, f.data)),
        Ok(("/é€", Some(42), None))
    );
    assert_eq!(split_frame("", 10), Err(DecodeError::Empty));
    assert_eq!(
        split_frame("51-", 0),
        Err(DecodeError::TooManyAttachments { max: 0 })
    );
}

// ----- encoders -----

#[test]
fn encode_connect_packets() {
    assert_eq!(encode_connect("/", "abc"), r#"0{"sid":"abc"}"#);
    assert_eq!(encode_connect("", "abc"), r#"0{"sid":"abc"}"#);
    assert_eq!(
        encode_connect("/admin", "a\"b"),
        r#"0/admin,{"sid":"a\"b"}"#
    );
}

#[test]
fn encode_connect_error_packets() {
    assert_eq!(
        encode_connect_error("/", "Invalid namespace"),
        r#"4{"message":"Invalid namespace"}"#
    );
    assert_eq!(
        encode_connect_error("/random", "Invalid namespace"),
        r#"4/random,{"message":"Invalid namespace"}"#
    );
    assert_eq!(
        encode_connect_error("/", "say \"no\"\n\\"),
        r#"4{"message":"say \"no\"\n\\"}"#
    );
}

#[test]
fn encode_disconnect_packets() {
    assert_eq!(encode_disconnect("/"), "1");
    assert_eq!(encode_disconnect(""), "1");
    assert_eq!(encode_disconnect("/admin"), "1/admin,");
}

#[test]
fn encode_event_packets() {
    assert_eq!(
        encode_event("/", "name", "[1,2]", 0, None),
        r#"2["name",1,2]"#
    );
    assert_eq!(
        encode_event("/admin", "name", "[1,2]", 0, Some(12)),
        r#"2/admin,12["name",1,2]"#
    );
    assert_eq!(encode_event("/", "name", "[]", 0, None), r#"2["name"]"#);
    assert_eq!(
        encode_event("/", "name", " [ ] ", 0, Some(0)),
        r#"20["name"]"#
    );
    assert_eq!(encode_event("/", "name", "", 0, None), r#"2["name"]"#);
    assert_eq!(
        encode_event("/", "name", r#"[{"_placeholder":true,"num":0}]"#, 1, None),
        r#"51-["name",{"_placeholder":true,"num":0}]"#
    );
    assert_eq!(
        encode_event(
            "/admin",
            "n",
            r#"[{"_placeholder":true,"num":0},2]"#,
            1,
            Some(3)
        ),
        r#"51-/admin,3["n",{"_placeholder":true,"num":0},2]"#
    );
    // The name is JSON-escaped.
    assert_eq!(encode_event("/", "a\"b\n", "[]", 0, None), r#"2["a\"b\n"]"#);
    // Not bracketed: one argument.
    assert_eq!(
        encode_event("/", "n", r#"{"a":1}"#, 0, None),
        r#"2["n",{"a":1}]"#
    );
}

#[test]
fn encode_ack_packets() {
    assert_eq!(encode_ack("/", 456, r#"[1,"2"]"#, 0), r#"3456[1,"2"]"#);
    assert_eq!(encode_ack("/admin", 12, "[]", 0), "3/admin,12[]");
    assert_eq!(encode_ack("/", 0, "", 0), "30[]");
    assert_eq!(
        encode_ack("/admin", 12, r#"[{"_placeholder":true,"num":0}]"#, 1),
        r#"61-/admin,12[{"_placeholder":true,"num":0}]"#
    );
    assert_eq!(
        encode_ack(
            "/",
            789,
            r#"[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
            2
        ),
        r#"62-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#
    );
}

#[test]
fn encode_is_the_inverse_of_decode() {
    let messages = [
        connect("/", None),
        connect("/admin", Some(r#"{"token":"x"}"#)),
        disconnect("/"),
        disconnect("/admin"),
        event("/", "chat", r#"[1,"two",{"3":[true]}]"#, 0, None),
        event("/admin", "1", "[]", 0, Some(0)),
        event("/", "up", r#"[{"_placeholder":true,"num":0}]"#, 1, Some(9)),
        ack("/", 5, "[]", 0),
        ack("/admin", 5, r#"[{"_placeholder":true,"num":0}]"#, 1),
    ];
    for message in messages {
        let text = encode(&message);
        assert_eq!(decode(&text), Ok(message.clone()), "{text}");
    }
    assert_eq!(encode(&connect("/admin", None)), "0/admin,");
    assert_eq!(encode(&connect("/", Some("{}"))), "0{}");
}

#[test]
fn message_accessors() {
    assert_eq!(connect("/a", None).nsp(), "/a");
    assert_eq!(disconnect("/b").nsp(), "/b");
    assert_eq!(event("/c", "x", "[]", 2, None).nsp(), "/c");
    assert_eq!(ack("/d", 1, "[]", 3).nsp(), "/d");
    assert_eq!(event("/c", "x", "[]", 2, None).attachments(), 2);
    assert_eq!(ack("/d", 1, "[]", 3).attachments(), 3);
    assert_eq!(connect("/a", None).attachments(), 0);
}

// ----- args_inner / is_reserved_event -----

#[test]
fn args_inner_slices() {
    assert_eq!(args_inner("[1,2]"), Ok("1,2"));
    assert_eq!(args_inner("[]"), Ok(""));
    assert_eq!(args_inner("[ ]"), Ok(""));
    assert_eq!(args_inner(" [ 1 , {\"a\":[]} ]\n"), Ok("1 , {\"a\":[]}"));
    assert_eq!(args_inner("[[]]"), Ok("[]"));
}

#[test]
fn args_inner_errors() {
    assert_eq!(args_inner(""), Err(DecodeError::InvalidJson));
    assert_eq!(args_inner("[1,2"), Err(DecodeError::InvalidJson));
    assert_eq!(args_inner("[1,]"), Err(DecodeError::InvalidJson));
    assert_eq!(args_inner("[1] [2]"), Err(DecodeError::InvalidJson));
    assert_eq!(args_inner("[1],[2]"), Err(DecodeError::InvalidJson));
    assert_eq!(
        args_inner("{}"),
        Err(DecodeError::InvalidPayload(ARGS_SHAPE))
    );
    assert_eq!(
        args_inner("1"),
        Err(DecodeError::InvalidPayload(ARGS_SHAPE))
    );
    assert_eq!(
        args_inner("\"[]\""),
        Err(DecodeError::InvalidPayload(ARGS_SHAPE))
    );
}

#[test]
fn reserved_events() {
    for name in RESERVED_EVENTS {
        assert!(is_reserved_event(name));
    }
    assert!(!is_reserved_event("message"));
    assert!(!is_reserved_event("Connect"));
    assert!(!is_reserved_event(""));
    assert!(!is_reserved_event("connect "));
}

// ----- helpers -----

#[test]
fn js_number_strings() {
    let cases: [(f64, &str); 16] = [
        (0.0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (-1.0, "-1"),
        (1.5, "1.5"),
        (123456789.0, "123456789"),
        (1e20, "100000000000000000000"),
        (1e21, "1e+21"),
        (1.5e21, "1.5e+21"),
        (0.1, "0.1"),
        (0.000001, "0.000001"),
        (0.0000001, "1e-7"),
        (1.25e-10, "1.25e-10"),
        (f64::INFINITY, "Infinity"),
        (f64::NEG_INFINITY, "-Infinity"),
        (9007199254740993.0, "9007199254740992"),
    ];
    for (v, s) in cases {
        assert_eq!(js_number_to_string(v), s, "{v}");
    }
    assert_eq!(js_number_to_string(f64::NAN), "NaN");
}

#[test]
fn js_whitespace_set() {
    for c in [
        '\t', '\n', '\u{b}', '\u{c}', '\r', ' ', '\u{a0}', '\u{2003}', '\u{3000}', '\u{feff}',
    ] {
        assert!(is_js_whitespace(c), "{c:?}");
    }
    for c in ['\u{85}', '\u{200b}', 'a', '0'] {
        assert!(!is_js_whitespace(c), "{c:?}");
    }
}

#[test]
fn event_names_with_and_without_escapes() {
    assert_eq!(event_name(r#""chat""#), Ok("chat".to_owned()));
    assert_eq!(event_name(r#""a\"b""#), Ok("a\"b".to_owned()));
    assert_eq!(event_name(r#""\u00e9t\u00e9""#), Ok("été".to_owned()));
    assert_eq!(event_name(r#""""#), Ok(String::new()));
}

#[test]
fn error_display() {
    assert_eq!(DecodeError::Empty.to_string(), "empty packet");
    assert_eq!(
        DecodeError::UnknownType('9').to_string(),
        "unknown packet type '9'"
    );
    assert_eq!(
        DecodeError::IllegalAttachments.to_string(),
        "illegal attachments"
    );
    assert_eq!(
        DecodeError::TooManyAttachments { max: 10 }.to_string(),
        "too many attachments (at most 10)"
    );
    assert_eq!(DecodeError::InvalidAckId.to_string(), "invalid ack id");
    assert_eq!(DecodeError::MissingAckId.to_string(), "ack without an id");
    assert_eq!(
        DecodeError::InvalidJson.to_string(),
        "payload is not valid JSON"
    );
    assert_eq!(
        DecodeError::InvalidPayload(ACK_SHAPE).to_string(),
        "invalid payload: ACK payload must be an array"
    );
    assert_eq!(
        DecodeError::ReservedEvent("connect".into()).to_string(),
        "reserved event name \"connect\""
    );
    assert_eq!(
        DecodeError::ConnectErrorFromClient.to_string(),
        "CONNECT_ERROR packets are sent by servers only"
    );
}

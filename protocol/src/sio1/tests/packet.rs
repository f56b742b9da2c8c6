//! `sio1/packet.rs`: the packet model, decoding and encoding one packet,
//! the mapping onto the shared model, and the helpers behind them.

use super::*;
use crate::query_to_json;
use crate::sio1::packet::{
    ACK_SHAPE, EVENT_SHAPE, args_inner, bracket, decode_event_data, endpoint_to_nsp, header,
    is_json_whitespace, lenient_inner, nsp_to_endpoint, parse_ack_request, parse_id, trim_json,
};
use crate::socketio::{self, Message};

fn message(nsp: &str, ack: Option<AckRequest>, text: &str) -> Packet {
    Packet::Message {
        nsp: nsp.into(),
        ack,
        text: text.into(),
    }
}

fn json(nsp: &str, ack: Option<AckRequest>, json: &str) -> Packet {
    Packet::Json {
        nsp: nsp.into(),
        ack,
        json: json.into(),
    }
}

fn event(nsp: &str, ack: Option<AckRequest>, name: &str, args: &str) -> Packet {
    Packet::Event {
        nsp: nsp.into(),
        ack,
        name: name.into(),
        args: args.into(),
    }
}

fn ack(nsp: &str, id: u64, args: &str) -> Packet {
    Packet::Ack {
        nsp: nsp.into(),
        id,
        args: args.into(),
    }
}

fn connect(nsp: &str, query: Option<&str>) -> Packet {
    Packet::Connect {
        nsp: nsp.into(),
        query: query.map(Into::into),
    }
}

fn disconnect(nsp: &str) -> Packet {
    Packet::Disconnect { nsp: nsp.into() }
}

fn error(nsp: &str, reason: &str, advice: Option<&str>) -> Packet {
    Packet::Error {
        nsp: nsp.into(),
        reason: reason.into(),
        advice: advice.map(Into::into),
    }
}

// ----- small types -----

#[test]
fn packet_type_chars() {
    for (i, c) in ('0'..='8').enumerate() {
        let kind = PacketType::from_char(c).unwrap();
        assert_eq!(kind as usize, i);
        assert_eq!(kind.as_char(), c);
    }
    assert_eq!(PacketType::from_char('9'), None);
    assert_eq!(PacketType::from_char('a'), None);
    assert_eq!(PacketType::from_char(' '), None);
}

#[test]
fn ack_request_ids() {
    assert_eq!(AckRequest::Auto(3).id(), 3);
    assert_eq!(AckRequest::Data(u64::MAX).id(), u64::MAX);
}

#[test]
fn error_reason_and_advice_codes() {
    for (code, reason, name) in [
        (
            "0",
            ErrorReason::TransportNotSupported,
            "transport not supported",
        ),
        (
            "1",
            ErrorReason::ClientNotHandshaken,
            "client not handshaken",
        ),
        ("2", ErrorReason::Unauthorized, "unauthorized"),
    ] {
        assert_eq!(ErrorReason::from_code(code), Some(reason));
        assert_eq!(reason.code().to_string(), code);
        assert_eq!(reason.as_str(), name);
    }
    assert_eq!(ErrorReason::from_code("3"), None);
    assert_eq!(ErrorReason::from_code("unauthorized"), None);
    assert_eq!(ErrorAdvice::from_code("0"), Some(ErrorAdvice::Reconnect));
    assert_eq!(ErrorAdvice::from_code("1"), None);
    assert_eq!(ErrorAdvice::Reconnect.code(), 0);
    assert_eq!(ErrorAdvice::Reconnect.as_str(), "reconnect");
}

#[test]
fn constants_are_what_they_say() {
    assert_eq!(decode(HEARTBEAT), Ok(Packet::Heartbeat));
    assert_eq!(decode(NOOP), Ok(Packet::Noop));
    assert_eq!(
        decode(CLIENT_NOT_HANDSHAKEN),
        Ok(error("/", "1", Some("0")))
    );
    assert_eq!(
        CLIENT_NOT_HANDSHAKEN,
        encode_error(
            "/",
            Some(ErrorReason::ClientNotHandshaken),
            Some(ErrorAdvice::Reconnect)
        )
    );
    assert_eq!(PROTOCOL, 1);
    assert_eq!(FRAME_MARKER.len_utf8(), 3);
    assert_eq!(POLICY_FILE_REQUEST.len(), 22);
}

// ----- split_frame -----

#[test]
fn split_frame_parts() {
    assert_eq!(
        split_frame("5:12+:/chat:{\"name\":\"a\"}"),
        Ok(Frame {
            packet_type: PacketType::Event,
            ack: Some(AckRequest::Data(12)),
            endpoint: "/chat",
            data: Some("{\"name\":\"a\"}"),
        })
    );
    assert_eq!(
        split_frame("2::"),
        Ok(Frame {
            packet_type: PacketType::Heartbeat,
            ack: None,
            endpoint: "",
            data: None,
        })
    );
    // The data is everything after the third colon, colons included.
    assert_eq!(
        split_frame("3:7::a:b::c").map(|f| (f.ack, f.endpoint, f.data)),
        Ok((Some(AckRequest::Auto(7)), "", Some("a:b::c")))
    );
    assert_eq!(split_frame("3:::").map(|f| f.data), Ok(Some("")));
    assert_eq!(split_frame("1::/é€").map(|f| f.endpoint), Ok("/é€"));
    assert_eq!(
        split_frame("3:007::x").map(|f| f.ack),
        Ok(Some(AckRequest::Auto(7)))
    );
}

#[test]
fn split_frame_errors() {
    assert_eq!(split_frame(""), Err(DecodeError::Empty));
    assert_eq!(split_frame("5"), Err(DecodeError::Malformed));
    assert_eq!(split_frame("5:"), Err(DecodeError::Malformed));
    assert_eq!(split_frame("5:1"), Err(DecodeError::Malformed));
    assert_eq!(
        split_frame("9::"),
        Err(DecodeError::UnknownType("9".into()))
    );
    assert_eq!(
        split_frame("10::"),
        Err(DecodeError::UnknownType("10".into()))
    );
    assert_eq!(
        split_frame("::"),
        Err(DecodeError::UnknownType(String::new()))
    );
    assert_eq!(
        split_frame("x5:::"),
        Err(DecodeError::UnknownType("x5".into()))
    );
    assert_eq!(
        split_frame(&format!("{}::", "7".repeat(40))),
        Err(DecodeError::UnknownType("7".repeat(16)))
    );
    for text in [
        "5:a::",
        "5:+::",
        "5:1++::",
        "5:+1::",
        "5: 1::",
        "5:1 ::",
        "5:-1::",
        "5:18446744073709551616::",
    ] {
        assert_eq!(
            split_frame(text),
            Err(DecodeError::InvalidAckId),
            "{text:?}"
        );
    }
    assert_eq!(
        split_frame("5:18446744073709551615+::").map(|f| f.ack),
        Ok(Some(AckRequest::Data(u64::MAX)))
    );
}

// ----- decode, type by type -----

#[test]
fn decode_disconnect() {
    assert_eq!(decode("0::"), Ok(disconnect("/")));
    assert_eq!(decode("0::/"), Ok(disconnect("/")));
    assert_eq!(decode("0::/chat"), Ok(disconnect("/chat")));
    // Data and ids are ignored.
    assert_eq!(decode("0:4:/chat:bye"), Ok(disconnect("/chat")));
    assert_eq!(decode("0::chat"), Err(DecodeError::InvalidEndpoint));
}

#[test]
fn decode_connect() {
    assert_eq!(decode("1::"), Ok(connect("/", None)));
    assert_eq!(decode("1::/chat"), Ok(connect("/chat", None)));
    // The spec's and TornadIO2's form: the query in the endpoint.
    assert_eq!(
        decode("1::/chat?token=a%20b&x=1"),
        Ok(connect("/chat", Some("token=a%20b&x=1")))
    );
    // The reference encoder's form: the query as data.
    assert_eq!(decode("1::/chat:?x=1"), Ok(connect("/chat", Some("x=1"))));
    assert_eq!(decode("1::/chat:x=1"), Ok(connect("/chat", Some("x=1"))));
    // Data wins over the endpoint's query; empty queries are none.
    assert_eq!(
        decode("1::/chat?a=1:?b=2"),
        Ok(connect("/chat", Some("b=2")))
    );
    assert_eq!(decode("1::/chat?a=1:"), Ok(connect("/chat", Some("a=1"))));
    assert_eq!(decode("1::/chat?:?"), Ok(connect("/chat", None)));
    assert_eq!(decode("1::?a=1"), Ok(connect("/", Some("a=1"))));
    // Colons in a query are only possible in the data form.
    assert_eq!(decode("1::/c:?t=1:2"), Ok(connect("/c", Some("t=1:2"))));
    assert_eq!(decode("1::chat?a=1"), Err(DecodeError::InvalidEndpoint));
}

#[test]
fn decode_heartbeat_and_noop() {
    assert_eq!(decode("2::"), Ok(Packet::Heartbeat));
    assert_eq!(decode("2:::"), Ok(Packet::Heartbeat));
    assert_eq!(decode("2::/chat:x"), Ok(Packet::Heartbeat));
    assert_eq!(decode("8::"), Ok(Packet::Noop));
    assert_eq!(decode("8:1::x"), Ok(Packet::Noop));
}

#[test]
fn decode_message() {
    assert_eq!(decode("3:::hello"), Ok(message("/", None, "hello")));
    assert_eq!(decode("3::"), Ok(message("/", None, "")));
    assert_eq!(decode("3:::"), Ok(message("/", None, "")));
    assert_eq!(
        decode("3:1:/chat:a:b\nc"),
        Ok(message("/chat", Some(AckRequest::Auto(1)), "a:b\nc"))
    );
    assert_eq!(
        decode("3:2+::x"),
        Ok(message("/", Some(AckRequest::Data(2)), "x"))
    );
    assert_eq!(
        decode("3:::héllo 世界 😀 \u{fffd}"),
        Ok(message("/", None, "héllo 世界 😀 \u{fffd}"))
    );
    assert_eq!(decode("3::chat:x"), Err(DecodeError::InvalidEndpoint));
}

#[test]
fn decode_json() {
    assert_eq!(
        decode("4:::{\"a\":[1,2]}"),
        Ok(json("/", None, "{\"a\":[1,2]}"))
    );
    assert_eq!(
        decode("4:5:/chat:\"str\""),
        Ok(json("/chat", Some(AckRequest::Auto(5)), "\"str\""))
    );
    assert_eq!(decode("4::: 1 "), Ok(json("/", None, " 1 ")));
    assert_eq!(decode("4:::null"), Ok(json("/", None, "null")));
    assert_eq!(decode("4:::{"), Err(DecodeError::InvalidJson));
    assert_eq!(decode("4:::"), Err(DecodeError::InvalidJson));
    assert_eq!(decode("4::"), Err(DecodeError::InvalidJson));
    assert_eq!(decode("4:::1 2"), Err(DecodeError::InvalidJson));
}

#[test]
fn decode_event() {
    assert_eq!(
        decode(r#"5:::{"name":"chat","args":["hi",{"a":1}]}"#),
        Ok(event("/", None, "chat", r#"["hi",{"a":1}]"#))
    );
    // No args, null args, empty args.
    assert_eq!(
        decode(r#"5:::{"name":"ping"}"#),
        Ok(event("/", None, "ping", "[]"))
    );
    assert_eq!(
        decode(r#"5:::{"name":"ping","args":null}"#),
        Ok(event("/", None, "ping", "[]"))
    );
    assert_eq!(
        decode(r#"5:::{"args":[ ],"name":"ping"}"#),
        Ok(event("/", None, "ping", "[]"))
    );
    // Ack requests, endpoints, whitespace, escapes, extra members.
    assert_eq!(
        decode(r#"5:3+:/chat: { "name" : "a\"b\u00e9" , "args" : [ 1 , [2] ] , "x":0 } "#),
        Ok(event(
            "/chat",
            Some(AckRequest::Data(3)),
            "a\"bé",
            "[1 , [2]]"
        ))
    );
    assert_eq!(
        decode(r#"5:4::{"name":"a","args":[]}"#),
        Ok(event("/", Some(AckRequest::Auto(4)), "a", "[]"))
    );
    assert_eq!(
        decode(r#"5:::{"name":"","args":["😀"]}"#),
        Ok(event("/", None, "", r#"["😀"]"#))
    );
    // "message" is an ordinary event name.
    assert_eq!(
        decode(r#"5:::{"name":"message","args":["x"]}"#),
        Ok(event("/", None, "message", r#"["x"]"#))
    );
}

#[test]
fn decode_event_errors() {
    for text in [
        "5:::",
        "5::",
        "5:::{",
        r#"5:::{"name":"a""#,
        r#"5:::{"name":"a","args":[1,]}"#,
        r#"5:::{"name":"a"} x"#,
    ] {
        assert_eq!(decode(text), Err(DecodeError::InvalidJson), "{text:?}");
    }
    for text in [
        "5:::{}",
        "5:::[]",
        r#"5:::["a",[1]]"#,
        r#"5:::"a""#,
        "5:::1",
        r#"5:::{"name":1}"#,
        r#"5:::{"name":null}"#,
        r#"5:::{"args":[1]}"#,
        r#"5:::{"name":"a","args":{}}"#,
        r#"5:::{"name":"a","args":"x"}"#,
        r#"5:::{"name":"a","args":1}"#,
        r#"5:::{"name":"a","name":"b"}"#,
    ] {
        assert_eq!(
            decode(text),
            Err(DecodeError::InvalidPayload(EVENT_SHAPE)),
            "{text:?}"
        );
    }
    for name in socketio::RESERVED_EVENTS {
        assert_eq!(
            decode(&format!(r#"5:::{{"name":"{name}"}}"#)),
            Err(DecodeError::ReservedEvent(name.into()))
        );
    }
    assert_eq!(
        decode(r#"5::chat:{"name":"a"}"#),
        Err(DecodeError::InvalidEndpoint)
    );
}

#[test]
fn decode_event_deep_nesting_without_recursion() {
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let text = format!(r#"5:::{{"name":"a","args":[{nested}]}}"#);
    let Ok(Packet::Event { args, .. }) = decode(&text) else {
        panic!("deep arguments rejected");
    };
    assert_eq!(args, format!("[{nested}]"));
    let unbalanced = format!(r#"5:::{{"name":"a","args":[{}]}}"#, "[".repeat(100_000));
    assert_eq!(decode(&unbalanced), Err(DecodeError::InvalidJson));
}

#[test]
fn decode_ack() {
    assert_eq!(decode("6:::4"), Ok(ack("/", 4, "[]")));
    assert_eq!(decode("6:::4+"), Ok(ack("/", 4, "[]")));
    assert_eq!(decode(r#"6:::4+["a",1]"#), Ok(ack("/", 4, r#"["a",1]"#)));
    assert_eq!(
        decode(r#"6::/chat:12+[ {"b":[2]} ]"#),
        Ok(ack("/chat", 12, r#"[{"b":[2]}]"#))
    );
    assert_eq!(decode("6:::4+[]"), Ok(ack("/", 4, "[]")));
    // An id in the id field is ignored; the acked id is in the data.
    assert_eq!(decode("6:9::4"), Ok(ack("/", 4, "[]")));
}

#[test]
fn decode_ack_errors() {
    for text in [
        "6::", "6:::", "6:::+[1]", "6:::a", "6:::4a", "6:::4[1]", "6::: 4",
    ] {
        assert_eq!(decode(text), Err(DecodeError::InvalidAckId), "{text:?}");
    }
    assert_eq!(
        decode("6:::99999999999999999999+[]"),
        Err(DecodeError::InvalidAckId)
    );
    assert_eq!(decode("6:::4+[1"), Err(DecodeError::InvalidJson));
    assert_eq!(
        decode("6:::4+{}"),
        Err(DecodeError::InvalidPayload(ACK_SHAPE))
    );
    assert_eq!(
        decode("6:::4+1"),
        Err(DecodeError::InvalidPayload(ACK_SHAPE))
    );
    assert_eq!(decode("6::x:4"), Err(DecodeError::InvalidEndpoint));
}

#[test]
fn decode_error_packets() {
    assert_eq!(decode("7:::1+0"), Ok(error("/", "1", Some("0"))));
    assert_eq!(decode("7::/chat:2"), Ok(error("/chat", "2", None)));
    assert_eq!(decode("7::"), Ok(error("/", "", None)));
    assert_eq!(decode("7:::+0"), Ok(error("/", "", Some("0"))));
    // TornadIO2 wrote text; it is kept as it is.
    assert_eq!(
        decode("7:::bad thing+try again+later"),
        Ok(error("/", "bad thing", Some("try again+later")))
    );
    assert_eq!(decode("7::x:1"), Err(DecodeError::InvalidEndpoint));
}

// ----- encoders -----

#[test]
fn encode_connect_and_disconnect_packets() {
    assert_eq!(encode_connect("/"), "1::");
    assert_eq!(encode_connect(""), "1::");
    assert_eq!(encode_connect("/chat"), "1::/chat");
    assert_eq!(encode_disconnect("/"), "0::");
    assert_eq!(encode_disconnect("/chat"), "0::/chat");
}

#[test]
fn encode_message_packets() {
    assert_eq!(encode_message("/", None, "hello"), "3:::hello");
    assert_eq!(encode_message("/chat", None, "a:b"), "3::/chat:a:b");
    assert_eq!(
        encode_message("/", Some(AckRequest::Auto(5)), "x"),
        "3:5::x"
    );
    assert_eq!(
        encode_message("/", Some(AckRequest::Data(5)), "x"),
        "3:5+::x"
    );
    assert_eq!(encode_message("/", None, ""), "3::");
    assert_eq!(encode_message("/chat", None, ""), "3::/chat");
}

#[test]
fn encode_json_packets() {
    assert_eq!(encode_json("/", None, "{\"a\":1}"), "4:::{\"a\":1}");
    assert_eq!(
        encode_json("/chat", Some(AckRequest::Auto(1)), "[1]"),
        "4:1:/chat:[1]"
    );
}

#[test]
fn encode_event_packets() {
    assert_eq!(
        encode_event("/", None, "chat", r#"["hi",1]"#),
        r#"5:::{"name":"chat","args":["hi",1]}"#
    );
    // No arguments: no args member, as the reference encoder writes it.
    assert_eq!(
        encode_event("/", None, "ping", "[]"),
        r#"5:::{"name":"ping"}"#
    );
    assert_eq!(
        encode_event("/", None, "ping", " [ ] "),
        r#"5:::{"name":"ping"}"#
    );
    assert_eq!(
        encode_event("/", None, "ping", ""),
        r#"5:::{"name":"ping"}"#
    );
    assert_eq!(
        encode_event("/chat", Some(AckRequest::Data(7)), "a\"b\n", "[1]"),
        r#"5:7+:/chat:{"name":"a\"b\n","args":[1]}"#
    );
    // Not bracketed: one argument.
    assert_eq!(
        encode_event("/", None, "n", r#"{"a":1}"#),
        r#"5:::{"name":"n","args":[{"a":1}]}"#
    );
}

#[test]
fn encode_ack_packets() {
    assert_eq!(encode_ack("/", 4, ""), "6:::4");
    assert_eq!(encode_ack("/", 4, "[]"), "6:::4");
    assert_eq!(encode_ack("/", 4, r#"["a"]"#), r#"6:::4+["a"]"#);
    assert_eq!(encode_ack("/chat", 12, "[1, 2]"), "6::/chat:12+[1, 2]");
    assert_eq!(encode_ack("/", 0, "1"), "6:::0+[1]");
}

#[test]
fn encode_error_packets() {
    assert_eq!(
        encode_error("/chat", Some(ErrorReason::Unauthorized), None),
        "7::/chat:2"
    );
    assert_eq!(
        encode_error(
            "/",
            Some(ErrorReason::TransportNotSupported),
            Some(ErrorAdvice::Reconnect)
        ),
        "7:::0+0"
    );
    assert_eq!(
        encode_error("/", None, Some(ErrorAdvice::Reconnect)),
        "7:::+0"
    );
    assert_eq!(encode_error("/chat", None, None), "7::/chat");
}

#[test]
fn encode_is_the_inverse_of_decode() {
    let packets = [
        disconnect("/"),
        disconnect("/chat"),
        connect("/", None),
        connect("/chat", Some("a=1&b=2:3")),
        Packet::Heartbeat,
        message("/", None, ""),
        message("/chat", Some(AckRequest::Auto(3)), "a:b\u{fffd}😀"),
        message("/", Some(AckRequest::Data(0)), "x"),
        json("/", None, "{\"a\":[1]}"),
        json("/chat", Some(AckRequest::Data(9)), " null "),
        event("/", None, "chat", r#"["hi",{"a":[1,2]}]"#),
        event("/chat", Some(AckRequest::Data(u64::MAX)), "é\"", "[]"),
        event("/", Some(AckRequest::Auto(1)), "", "[1]"),
        ack("/", 4, "[]"),
        ack("/chat", 4, r#"["a",[1]]"#),
        error("/", "1", Some("0")),
        error("/chat", "2", None),
        error("/", "", None),
        error("/", "", Some("")),
        error("/", "some text", Some("more+text")),
        Packet::Noop,
    ];
    for packet in packets {
        let text = encode(&packet);
        assert_eq!(decode(&text), Ok(packet.clone()), "{text}");
    }
    assert_eq!(encode(&connect("/chat", Some("a=1"))), "1::/chat:?a=1");
    assert_eq!(encode(&error("/", "", Some(""))), "7:::+");
}

// ----- the shared model -----

#[test]
fn packet_accessors() {
    assert_eq!(disconnect("/a").nsp(), "/a");
    assert_eq!(connect("/b", None).nsp(), "/b");
    assert_eq!(message("/c", None, "").nsp(), "/c");
    assert_eq!(json("/d", None, "1").nsp(), "/d");
    assert_eq!(event("/e", None, "x", "[]").nsp(), "/e");
    assert_eq!(ack("/f", 1, "[]").nsp(), "/f");
    assert_eq!(error("/g", "", None).nsp(), "/g");
    assert_eq!(Packet::Heartbeat.nsp(), "/");
    assert_eq!(Packet::Noop.nsp(), "/");
    let types = [
        (disconnect("/"), PacketType::Disconnect),
        (connect("/", None), PacketType::Connect),
        (Packet::Heartbeat, PacketType::Heartbeat),
        (message("/", None, ""), PacketType::Message),
        (json("/", None, "1"), PacketType::Json),
        (event("/", None, "x", "[]"), PacketType::Event),
        (ack("/", 1, "[]"), PacketType::Ack),
        (error("/", "", None), PacketType::Error),
        (Packet::Noop, PacketType::Noop),
    ];
    for (packet, kind) in types {
        assert_eq!(packet.packet_type(), kind);
        assert!(encode(&packet).starts_with(kind.as_char()));
    }
}

#[test]
fn to_message_maps_onto_the_shared_model() {
    assert_eq!(
        connect("/chat", Some("a=1&a=2&b=x+y")).to_message(),
        Some(Message::Connect {
            nsp: "/chat".into(),
            auth: Some(r#"{"a":["1","2"],"b":"x y"}"#.into()),
        })
    );
    assert_eq!(
        connect("/", None).to_message(),
        Some(Message::Connect {
            nsp: "/".into(),
            auth: None
        })
    );
    assert_eq!(
        disconnect("/chat").to_message(),
        Some(Message::Disconnect {
            nsp: "/chat".into()
        })
    );
    let expected_event = |ack| Message::Event {
        nsp: "/chat".into(),
        name: "n".into(),
        args: "[1]".into(),
        attachments: 0,
        ack,
    };
    assert_eq!(
        event("/chat", None, "n", "[1]").to_message(),
        Some(expected_event(None))
    );
    assert_eq!(
        event("/chat", Some(AckRequest::Auto(3)), "n", "[1]").to_message(),
        Some(expected_event(None))
    );
    assert_eq!(
        event("/chat", Some(AckRequest::Data(3)), "n", "[1]").to_message(),
        Some(expected_event(Some(3)))
    );
    assert_eq!(
        ack("/chat", 4, "[\"a\"]").to_message(),
        Some(Message::Ack {
            nsp: "/chat".into(),
            id: 4,
            args: "[\"a\"]".into(),
            attachments: 0,
        })
    );
    for packet in [
        Packet::Heartbeat,
        message("/", None, "x"),
        json("/", None, "1"),
        error("/", "1", None),
        Packet::Noop,
    ] {
        assert_eq!(packet.to_message(), None, "{packet:?}");
    }
}

#[test]
fn shared_model_events_reencode_for_newer_clients() {
    // What a 0.9 client emits reaches a 4.x client as the same event.
    let packet = decode(r#"5:1+:/chat:{"name":"say","args":["hi 😀",{"n":1}]}"#).unwrap();
    let Some(message) = packet.to_message() else {
        panic!("event not mapped");
    };
    assert_eq!(
        socketio::encode(&message),
        r#"2/chat,1["say","hi 😀",{"n":1}]"#
    );
    // And a modern event reaches a 0.9 client.
    let Ok(Message::Event {
        nsp, name, args, ..
    }) = socketio::decode(r#"2/chat,["say",1,"x"]"#)
    else {
        panic!("v5 decode failed");
    };
    assert_eq!(
        encode_event(&nsp, None, &name, &args),
        r#"5::/chat:{"name":"say","args":[1,"x"]}"#
    );
}

#[test]
fn auto_acks() {
    assert_eq!(
        message("/", Some(AckRequest::Auto(1)), "x").auto_ack(),
        Some("6:::1".into())
    );
    assert_eq!(
        message("/chat", Some(AckRequest::Data(2)), "x").auto_ack(),
        Some("6::/chat:2".into())
    );
    assert_eq!(
        json("/chat", Some(AckRequest::Auto(3)), "1").auto_ack(),
        Some("6::/chat:3".into())
    );
    assert_eq!(
        event("/chat", Some(AckRequest::Auto(4)), "x", "[]").auto_ack(),
        Some("6::/chat:4".into())
    );
    // A data ack is the handler's to send.
    assert_eq!(
        event("/chat", Some(AckRequest::Data(4)), "x", "[]").auto_ack(),
        None
    );
    assert_eq!(message("/", None, "x").auto_ack(), None);
    assert_eq!(event("/", None, "x", "[]").auto_ack(), None);
    assert_eq!(ack("/", 1, "[]").auto_ack(), None);
    assert_eq!(Packet::Heartbeat.auto_ack(), None);
}

// ----- queries -----

#[test]
fn queries_as_json() {
    assert_eq!(query_to_json(""), "{}");
    assert_eq!(query_to_json("?"), "{}");
    assert_eq!(query_to_json("a=1"), r#"{"a":"1"}"#);
    assert_eq!(query_to_json("?a=1&b=x+y%21"), r#"{"a":"1","b":"x y!"}"#);
    assert_eq!(
        query_to_json("b=2&a=1&b=3&b=4"),
        r#"{"b":["2","3","4"],"a":"1"}"#
    );
    assert_eq!(query_to_json("flag&e="), r#"{"flag":"","e":""}"#);
    assert_eq!(query_to_json("q=%22%5C%0A"), r#"{"q":"\"\\\n"}"#);
    assert_eq!(query_to_json("%FF=1"), "{\"\u{fffd}\":\"1\"}");
    let parsed: serde_json::Value = serde_json::from_str(&query_to_json("a=1&a=2")).unwrap();
    assert_eq!(parsed, serde_json::json!({"a": ["1", "2"]}));
}

// ----- helpers -----

#[test]
fn endpoints_and_namespaces() {
    assert_eq!(nsp_to_endpoint("/"), "");
    assert_eq!(nsp_to_endpoint(""), "");
    assert_eq!(nsp_to_endpoint("/chat"), "/chat");
    assert_eq!(endpoint_to_nsp(""), Ok("/".into()));
    assert_eq!(endpoint_to_nsp("/"), Ok("/".into()));
    assert_eq!(endpoint_to_nsp("/a/b"), Ok("/a/b".into()));
    assert_eq!(endpoint_to_nsp("a"), Err(DecodeError::InvalidEndpoint));
    assert_eq!(endpoint_to_nsp("?a"), Err(DecodeError::InvalidEndpoint));
}

#[test]
fn ids() {
    assert_eq!(parse_ack_request(""), Ok(None));
    assert_eq!(parse_ack_request("1"), Ok(Some(AckRequest::Auto(1))));
    assert_eq!(parse_ack_request("1+"), Ok(Some(AckRequest::Data(1))));
    assert_eq!(parse_ack_request("+"), Err(DecodeError::InvalidAckId));
    assert_eq!(parse_id("0"), Ok(0));
    assert_eq!(parse_id("18446744073709551615"), Ok(u64::MAX));
    assert_eq!(
        parse_id("18446744073709551616"),
        Err(DecodeError::InvalidAckId)
    );
    assert_eq!(parse_id(""), Err(DecodeError::InvalidAckId));
    assert_eq!(parse_id("１"), Err(DecodeError::InvalidAckId));
}

#[test]
fn headers() {
    assert_eq!(header(PacketType::Event, None, "/"), "5::");
    assert_eq!(
        header(PacketType::Event, Some(AckRequest::Data(2)), "/x"),
        "5:2+:/x"
    );
    assert_eq!(
        header(PacketType::Message, Some(AckRequest::Auto(2)), ""),
        "3:2:"
    );
}

#[test]
fn event_data() {
    assert_eq!(
        decode_event_data(r#"{"name":"a","args":[1]}"#),
        Ok(("a".into(), "[1]".into()))
    );
    assert_eq!(
        decode_event_data(" \n{\"name\":\"a\"}"),
        Ok(("a".into(), "[]".into()))
    );
    assert_eq!(decode_event_data(""), Err(DecodeError::InvalidJson));
    assert_eq!(
        decode_event_data("[1]"),
        Err(DecodeError::InvalidPayload(EVENT_SHAPE))
    );
}

#[test]
fn array_helpers() {
    assert_eq!(args_inner("[ 1 , 2 ]", ACK_SHAPE), Ok("1 , 2"));
    assert_eq!(args_inner("[", ACK_SHAPE), Err(DecodeError::InvalidJson));
    assert_eq!(
        args_inner("{}", ACK_SHAPE),
        Err(DecodeError::InvalidPayload(ACK_SHAPE))
    );
    assert_eq!(bracket(""), "[]");
    assert_eq!(bracket("1,2"), "[1,2]");
    assert_eq!(trim_json(" \t\r\n[] \n"), "[]");
    assert_eq!(trim_json("\u{a0}[]"), "\u{a0}[]");
    assert_eq!(lenient_inner(" [ 1 ] "), "1");
    assert_eq!(lenient_inner("[]"), "");
    assert_eq!(lenient_inner(""), "");
    assert_eq!(lenient_inner(" 1 "), "1");
    assert!(is_json_whitespace(' ') && !is_json_whitespace('\u{a0}'));
}

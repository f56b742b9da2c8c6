use super::*;

#[test]
fn channel_names_are_the_node_adapters() {
    assert_eq!(broadcast_channel("/", None), "socket.io#/#");
    assert_eq!(
        broadcast_channel("/chat", Some("r1")),
        "socket.io#/chat#r1#"
    );
    assert_eq!(broadcast_pattern("/"), "socket.io#/#*");
    assert_eq!(broadcast_pattern("/a*b"), "socket.io#/a\\*b#*");
    assert_eq!(request_channel("/"), "socket.io-request#/#");
    assert_eq!(response_channel("/x", "abc"), "socket.io-response#/x#abc#");
}

/// Bytes notepack.io 3 produces for
/// `[uid, {type: 2, data: ["hi", 1, Buffer<01 02>], nsp: "/"}, {rooms: ["r"], except: ["s"], flags: {}}]`.
const FROM_NODE: &[u8] = &[
    0x93, 0xa3, b'a', b'b', b'c', // ["abc",
    0x83, 0xa4, b't', b'y', b'p', b'e', 0x02, // {type: 2,
    0xa4, b'd', b'a', b't', b'a', 0x93, 0xa2, b'h', b'i', 0x01, 0xc4, 0x02, 1,
    2, // data: [..],
    0xa3, b'n', b's', b'p', 0xa1, b'/', // nsp: "/"},
    0x83, 0xa5, b'r', b'o', b'o', b'm', b's', 0x91, 0xa1, b'r', // {rooms: ["r"],
    0xa6, b'e', b'x', b'c', b'e', b'p', b't', 0x91, 0xa1, b's', // except: ["s"],
    0xa5, b'f', b'l', b'a', b'g', b's', 0x80, // flags: {}}]
];

#[test]
fn a_node_broadcast_decodes_with_its_binary_as_an_attachment() {
    let b = decode_broadcast(FROM_NODE).unwrap();
    assert_eq!(b.uid, "abc");
    assert_eq!(b.nsp, "/");
    assert_eq!(b.event, "hi");
    assert_eq!(b.args_json, r#"[1,{"_placeholder":true,"num":0}]"#);
    assert_eq!(b.attachments, vec![Bytes::from_static(&[1, 2])]);
    assert_eq!(b.to.rooms, vec!["r"]);
    assert_eq!(b.to.except, vec!["s"]);
    assert!(!b.local);
    assert!(published_by(FROM_NODE, "abc"));
    assert!(!published_by(FROM_NODE, "abd"));
    assert!(!published_by(FROM_NODE, "ab"));
}

#[test]
fn our_broadcast_is_byte_for_byte_what_node_sends() {
    let to = Selector {
        rooms: vec!["r".into()],
        except: vec!["s".into()],
    };
    let bytes = encode_broadcast(
        "abc",
        "/",
        "hi",
        r#"[1,{"_placeholder":true,"num":0}]"#,
        &[Bytes::from_static(&[1, 2])],
        &to,
    )
    .unwrap();
    assert_eq!(bytes, FROM_NODE);
}

/// JSON text of a msgpack value, with the attachments it took out.
fn json(p: &Pack) -> Result<(String, Vec<Bytes>), CodecError> {
    let (mut out, mut attachments) = (String::new(), Vec::new());
    write_json(p, &mut out, &mut attachments)?;
    Ok((out, attachments))
}

#[test]
fn json_and_msgpack_round_trip_in_key_order() {
    let args = r#"[null,true,-5,18446744073709551615,1.5,"é\"\n",{"z":[{}],"a":{"_placeholder":true,"num":0}}]"#;
    let bytes = Bytes::from_static(b"\x00\xff");
    let pack = json_to_msgpack(args, std::slice::from_ref(&bytes)).unwrap();
    assert_eq!(json(&pack).unwrap(), (args.to_string(), vec![bytes]));
}

/// Floats cross to msgpack exactly (serde_json's `float_roundtrip`; without
/// it `8.888888e105` reached Node peers as `8.888887999999999e105`, found
/// by the `redis_adapter` fuzz target).
#[test]
fn floats_cross_to_msgpack_exactly() {
    let pack = json_to_msgpack("[8.888888e105,0.92888880e098,0.1]", &[]).unwrap();
    assert_eq!(json(&pack).unwrap().0, "[8.888888e+105,9.288888e+97,0.1]");
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    assert!(decode_broadcast(&[]).is_err());
    assert!(decode_broadcast(&[0x93, 0xc1]).is_err());
    assert!(decode_broadcast(&[0x91, 0x01]).is_err());
    // A packet that is not an event.
    let mut pkt = FROM_NODE.to_vec();
    pkt[11] = 0x03;
    assert!(decode_broadcast(&pkt).is_err());
    // Nesting beyond the bound.
    let deep = vec![0x91; 10_000];
    assert!(decode_broadcast(&deep).is_err());
    // A placeholder naming no attachment.
    let bad = r#"[{"_placeholder":true,"num":3}]"#;
    assert!(encode_broadcast("u", "/", "e", bad, &[], &Selector::default()).is_err());
    assert!(decode_request(b"{\"type\":\"x\"}").is_err());
    assert!(decode_request(b"{oops").is_err());
}

#[test]
fn requests_in_json_and_msgpack() {
    let (uid, r) =
        decode_request(br#"{"uid":"n1","requestId":"q","type":0,"rooms":["a"]}"#).unwrap();
    assert_eq!(uid, "n1");
    assert_eq!(
        r,
        Request::Sockets {
            request_id: "q".into(),
            rooms: vec!["a".into()]
        }
    );
    let (_, r) = decode_request(
        br#"{"uid":"n1","type":2,"opts":{"rooms":["a"],"except":[]},"rooms":["b","c"]}"#,
    )
    .unwrap();
    assert_eq!(
        r,
        Request::Rooms {
            join: true,
            request_id: None,
            target: Target::Selected(Selector {
                rooms: vec!["a".into()],
                except: vec![]
            }),
            rooms: vec!["b".into(), "c".into()],
        }
    );
    let (_, r) =
        decode_request(br#"{"uid":"n1","requestId":"q","type":3,"sid":"S","room":"b"}"#).unwrap();
    assert_eq!(
        r,
        Request::Rooms {
            join: false,
            request_id: Some("q".into()),
            target: Target::Sid("S".into()),
            rooms: vec!["b".into()],
        }
    );
    let (_, r) = decode_request(br#"{"uid":"n1","type":6,"data":["x"]}"#).unwrap();
    assert_eq!(r, Request::Ignored { kind: 6 });
    // BROADCAST (with ack) comes as msgpack.
    let packet = Pack::Map(vec![
        ("uid".into(), "n1".into()),
        ("requestId".into(), "q".into()),
        ("type".into(), 7.into()),
        (
            "packet".into(),
            Pack::Map(vec![
                ("type".into(), 2.into()),
                ("data".into(), Pack::Array(vec!["e".into(), 1.into()])),
                ("nsp".into(), "/".into()),
            ]),
        ),
        (
            "opts".into(),
            Pack::Map(vec![("rooms".into(), Pack::Array(vec!["r".into()]))]),
        ),
    ]);
    let (_, r) = decode_request(&write(&packet).unwrap()).unwrap();
    let Request::BroadcastWithAck {
        request_id,
        broadcast,
    } = r
    else {
        panic!("{r:?}")
    };
    assert_eq!(request_id, "q");
    assert_eq!(
        (broadcast.event.as_str(), broadcast.args_json.as_str()),
        ("e", "[1]")
    );
    assert_eq!(broadcast.to.rooms, vec!["r"]);
}

#[test]
fn responses() {
    assert_eq!(
        encode_response("q", Some(("rooms", serde_json::json!(["a"])))),
        br#"{"requestId":"q","rooms":["a"]}"#
    );
    assert_eq!(encode_response("q", None), br#"{"requestId":"q"}"#);
    assert_eq!(
        encode_client_count("q", 2),
        br#"{"clientCount":2,"requestId":"q","type":8}"#
    );
    let ack = encode_broadcast_ack("q", "[7,8]", &[]).unwrap();
    assert_eq!(
        json(&read(&ack).unwrap()).unwrap().0,
        r#"{"type":9,"requestId":"q","packet":7}"#
    );
}

#[test]
fn timestamps_print_as_javascript_dates() {
    let text = |p: Pack| json(&p).map(|(t, _)| t);
    let ts32 = Pack::Ext(-1, 0u32.to_be_bytes().to_vec());
    assert_eq!(text(ts32).unwrap(), r#""1970-01-01T00:00:00.000Z""#);
    // 2026-11-25T14:00:00.250Z as timestamp 64.
    let secs: u64 = 1_795_615_200;
    let v = (250_000_000u64 << 34) | secs;
    let ts64 = Pack::Ext(-1, v.to_be_bytes().to_vec());
    assert_eq!(text(ts64).unwrap(), r#""2026-11-25T14:00:00.250Z""#);
    assert_eq!(iso_8601(951_782_400, 0), "2000-02-29T00:00:00.000Z");
    assert!(text(Pack::Ext(-1, vec![1, 2])).is_err());
    assert_eq!(text(Pack::Ext(0, vec![0])).unwrap(), "null");
    assert_eq!(text(Pack::F64(f64::NAN)).unwrap(), "null");
}

#[test]
fn fetch_requests_and_their_answers() {
    let request = encode_fetch_request("me", "r1", &["q".to_string()]);
    let (from, parsed) = decode_request(&request).unwrap();
    assert_eq!(from, "me");
    let Request::Fetch { request_id, to } = parsed else {
        panic!("{parsed:?}");
    };
    assert_eq!(request_id, "r1");
    assert_eq!(to.rooms, ["q"]);
    // sio-host's own answer (JSON), and a msgpack one as Node sends it.
    let json = encode_response(
        "r1",
        Some((
            "sockets",
            serde_json::json!([{"id": "a", "rooms": ["q"], "data": {}}]),
        )),
    );
    let (id, sockets) = decode_fetch_response(&json).unwrap().unwrap();
    assert_eq!((id.as_str(), sockets[0]["id"].as_str()), ("r1", Some("a")));
    let pack = Pack::Map(vec![
        ("requestId".into(), "r2".into()),
        (
            "sockets".into(),
            Pack::Array(vec![Pack::Map(vec![
                ("id".into(), "b".into()),
                ("data".into(), Pack::Map(vec![("n".into(), 1.into())])),
            ])]),
        ),
    ]);
    let mut bytes = Vec::new();
    rmpv::encode::write_value(&mut bytes, &pack).unwrap();
    let (id, sockets) = decode_fetch_response(&bytes).unwrap().unwrap();
    assert_eq!(id, "r2");
    assert_eq!(sockets[0]["data"]["n"], 1);
    // Another kind of response is not a fetch answer.
    assert_eq!(
        decode_fetch_response(&encode_response("r3", None)).unwrap(),
        None
    );
    assert!(decode_fetch_response(b"{nope").is_err());
}

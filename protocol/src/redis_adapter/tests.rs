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
    let (_, r) = decode_request(br#"{"uid":"n1","type":42}"#).unwrap();
    assert_eq!(r, Request::Ignored { kind: 42 });
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

// What two Node socket.io 4.8.1 servers on @socket.io/redis-adapter 8.3.0
// (node-redis 4.7, redis-server 7.0) published, read with a `PSUBSCRIBE
// socket.io*` listener: server A's uid `wtg-IY`, server B's client answers
// `q` with `{got: x, bin: Buffer.from([9])}` and `q0` with nothing. Those
// marked notepack are notepack.io 3's `encode` of the shape the adapter
// publishes, for what a capture does not fix.

/// `io.serverSideEmit("hello", 1, "two")` on A.
const SSE: &str = r#"{"uid":"wtg-IY","type":6,"data":["hello",1,"two"]}"#;
/// `io.serverSideEmitWithAck("hello2", 2)` on A, B's `cb("ok2")`.
const SSE_ACK: &str = r#"{"uid":"wtg-IY","requestId":"Xu2pYx","type":6,"data":["hello2",2]}"#;
const SSE_ANSWER: &str = r#"{"type":6,"requestId":"Xu2pYx","data":"ok2"}"#;
/// `io.serverSideEmitWithAck("hello3")` on A, B's `cb()`.
const SSE_EMPTY: &str = r#"{"uid":"wtg-IY","requestId":"Cb9ahV","type":6,"data":["hello3"]}"#;
const SSE_EMPTY_ANSWER: &str = r#"{"type":6,"requestId":"Cb9ahV"}"#;
/// `io.timeout(2000).emitWithAck("q", 7)` on A, and B's answers.
const BWA: &str = "85a3756964a67774672d4959a9726571756573744964a6564877525038a47479706507a67061636b657483a47479706502a46461746192a17107a36e7370a12fa46f70747383a5726f6f6d7390a665786365707490a5666c61677381a774696d656f7574cd07d0";
const BWA_COUNT: &str = r#"{"type":8,"requestId":"VHwRP8","clientCount":1}"#;
const BWA_ACK: &str =
    "83a47479706509a9726571756573744964a6564877525038a67061636b657482a3676f7407a362696ec40109";
/// `io.timeout(2000).emitWithAck("q0", 1)`: B's client acks with nothing.
const BWA_EMPTY_ACK: &str = "82a47479706509a9726571756573744964a6676f2d4c4732";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn node_server_side_emits_decode() {
    assert_eq!(
        decode_request(SSE.as_bytes()).unwrap(),
        (
            "wtg-IY".to_string(),
            Request::ServerSideEmit {
                request_id: None,
                event: "hello".into(),
                args_json: r#"[1,"two"]"#.into(),
            }
        )
    );
    assert_eq!(
        decode_request(SSE_ACK.as_bytes()).unwrap().1,
        Request::ServerSideEmit {
            request_id: Some("Xu2pYx".into()),
            event: "hello2".into(),
            args_json: "[2]".into(),
        }
    );
    assert_eq!(
        decode_response(SSE_ANSWER.as_bytes()).unwrap(),
        Response::ServerSideEmit {
            request_id: "Xu2pYx".into(),
            args_json: r#"["ok2"]"#.into(),
        }
    );
    assert_eq!(
        decode_response(SSE_EMPTY_ANSWER.as_bytes()).unwrap(),
        Response::ServerSideEmit {
            request_id: "Cb9ahV".into(),
            args_json: "[null]".into(),
        }
    );
    // Binary (msgpack from some other sender) reads as Node's JSON of a
    // Buffer; a timestamp as a date; anything but an event name first is
    // an error.
    let pack = Pack::Map(vec![
        ("uid".into(), "n".into()),
        ("type".into(), 6.into()),
        (
            "data".into(),
            Pack::Array(vec![
                "e".into(),
                Pack::Map(vec![("b".into(), Pack::Binary(vec![1, 2]))]),
                Pack::Ext(-1, 0u32.to_be_bytes().to_vec()),
                Pack::Ext(3, vec![9]),
            ]),
        ),
    ]);
    let Request::ServerSideEmit { args_json, .. } =
        decode_request(&write(&pack).unwrap()).unwrap().1
    else {
        panic!()
    };
    assert_eq!(
        args_json,
        r#"[{"b":{"type":"Buffer","data":[1,2]}},"1970-01-01T00:00:00.000Z",[3,{"type":"Buffer","data":[9]}]]"#
    );
    for bad in [
        r#"{"uid":"n","type":6}"#,
        r#"{"uid":"n","type":6,"data":[]}"#,
        r#"{"uid":"n","type":6,"data":[1,2]}"#,
        r#"{"uid":"n","type":6,"data":"e"}"#,
    ] {
        assert!(decode_request(bad.as_bytes()).is_err(), "{bad}");
    }
}

#[test]
fn our_server_side_emits_are_nodes() {
    assert_eq!(
        encode_server_side_emit("wtg-IY", None, "hello", r#"[1,"two"]"#).unwrap(),
        SSE.as_bytes()
    );
    assert_eq!(
        encode_server_side_emit("wtg-IY", Some("Xu2pYx"), "hello2", "[2]").unwrap(),
        SSE_ACK.as_bytes()
    );
    assert_eq!(
        encode_server_side_emit("wtg-IY", Some("Cb9ahV"), "hello3", "[ ]").unwrap(),
        SSE_EMPTY.as_bytes()
    );
    // JSON.stringify of the same shape: key order kept, a placeholder-like
    // object stays an object (server events carry no attachments).
    assert_eq!(
        encode_server_side_emit(
            "u1",
            Some("r1"),
            "é\n",
            r#"[1.5, {"_placeholder":true,"num":0}, [null]]"#
        )
        .unwrap(),
        r#"{"uid":"u1","requestId":"r1","type":6,"data":["é\n",1.5,{"_placeholder":true,"num":0},[null]]}"#
            .as_bytes()
    );
    assert!(encode_server_side_emit("u", None, "e", "{}").is_err());
    assert!(encode_server_side_emit("u", None, "e", "[").is_err());
    // Answers.
    assert_eq!(
        encode_server_side_emit_response("Xu2pYx", r#"["ok2","dropped"]"#).unwrap(),
        SSE_ANSWER.as_bytes()
    );
    assert_eq!(
        encode_server_side_emit_response("Cb9ahV", "[]").unwrap(),
        SSE_EMPTY_ANSWER.as_bytes()
    );
    assert!(encode_server_side_emit_response("q", "1").is_err());
}

#[test]
fn node_broadcasts_with_acks_and_their_answers_decode() {
    let (uid, request) = decode_request(&hex(BWA)).unwrap();
    assert_eq!(uid, "wtg-IY");
    assert_eq!(
        request,
        Request::BroadcastWithAck {
            request_id: "VHwRP8".into(),
            broadcast: Broadcast {
                uid: "wtg-IY".into(),
                nsp: "/".into(),
                event: "q".into(),
                args_json: "[7]".into(),
                attachments: vec![],
                to: Selector::default(),
                local: false,
            },
        }
    );
    assert_eq!(
        decode_response(BWA_COUNT.as_bytes()).unwrap(),
        Response::ClientCount {
            request_id: "VHwRP8".into(),
            count: 1,
        }
    );
    assert_eq!(
        decode_response(&hex(BWA_ACK)).unwrap(),
        Response::BroadcastAck {
            request_id: "VHwRP8".into(),
            args_json: r#"[{"got":7,"bin":{"_placeholder":true,"num":0}}]"#.into(),
            attachments: vec![Bytes::from_static(&[9])],
        }
    );
    assert_eq!(
        decode_response(&hex(BWA_EMPTY_ACK)).unwrap(),
        Response::BroadcastAck {
            request_id: "go-LG2".into(),
            args_json: "[null]".into(),
            attachments: vec![],
        }
    );
    // sio-host's own client count (JSON, keys sorted) reads the same.
    assert_eq!(
        decode_response(&encode_client_count("VHwRP8", 1)).unwrap(),
        decode_response(BWA_COUNT.as_bytes()).unwrap()
    );
}

#[test]
fn our_broadcasts_with_acks_and_answers_are_nodes() {
    // notepack, `io.to("r").except("x").emit("q", 7, {b: <Buffer 01 02>},
    // cb)` with the flags left empty (Node puts its timeout there, which no
    // receiver reads).
    let bytes = encode_broadcast_with_ack(
        "wtg-IY",
        "hEzoS8",
        "/",
        "q",
        r#"[7,{"b":{"_placeholder":true,"num":0}}]"#,
        &[Bytes::from_static(&[1, 2])],
        &Selector {
            rooms: vec!["r".into()],
            except: vec!["x".into()],
        },
    )
    .unwrap();
    assert_eq!(
        bytes,
        hex(
            "85a3756964a67774672d4959a9726571756573744964a668457a6f5338a47479706507a67061636b657483a47479706502a46461746193a1710781a162c4020102a36e7370a12fa46f70747383a5726f6f6d7391a172a665786365707491a178a5666c61677380"
        )
    );
    let (_, Request::BroadcastWithAck { broadcast, .. }) = decode_request(&bytes).unwrap() else {
        panic!()
    };
    assert_eq!(broadcast.attachments, vec![Bytes::from_static(&[1, 2])]);
    assert!(
        encode_broadcast_with_ack("u", "q", "/", "e", "{}", &[], &Selector::default()).is_err()
    );
    // The answers, byte for byte.
    assert_eq!(
        encode_broadcast_ack(
            "VHwRP8",
            r#"[{"got":7,"bin":{"_placeholder":true,"num":0}}]"#,
            &[Bytes::from_static(&[9])]
        )
        .unwrap(),
        hex(BWA_ACK)
    );
    assert_eq!(
        encode_broadcast_ack("go-LG2", "[]", &[]).unwrap(),
        hex(BWA_EMPTY_ACK)
    );
}

use super::*;

/// Packets as socket.io-msgpack-parser 3.0.2 (notepack.io 2.2.0) encodes
/// them, hex: what socket.io-client 4 sends for `socket.emit(...)` and
/// the like (its `options` key included).
mod from_node {
    /// `emit("chat", {a: 1, b: [true, null, "x"], c: -5, d: 1.5, e: 'é"\n'})`
    pub const EVENT: &str = "84a47479706502a46461746192a46368617485a16101a16293c3c0a178a163fba164cb3ff8000000000000a165a4c3a9220aa76f7074696f6e7381a8636f6d7072657373c3a36e7370a12f";
    /// On `/chat`: `emit("echo", 42, ack)`, ack id 7.
    pub const EVENT_ACK: &str = "85a47479706502a46461746192a46563686f2aa76f7074696f6e7381a8636f6d7072657373c3a2696407a36e7370a52f63686174";
    /// `emit("up", Buffer<01 02 03>, {nested: [Buffer("hi")]})`
    pub const BINARY: &str = "84a47479706502a46461746193a27570c40301020381a66e657374656491c4026869a76f7074696f6e7381a8636f6d7072657373c3a36e7370a12f";
    /// `emit("ab", ArrayBuffer<09 08 07 06 05 04 03 02>)`: notepack's ext 0.
    pub const ARRAYBUFFER: &str = "84a47479706502a46461746192a26162c708000908070605040302a76f7074696f6e7381a8636f6d7072657373c3a36e7370a12f";
    /// `emit("u", undefined, {a: undefined, b: 2, c: undefined}, [undefined])`
    pub const UNDEFINED: &str = "84a47479706502a46461746194a175d4000083a161d40000a16202a163d4000091d40000a76f7074696f6e7381a8636f6d7072657373c3a36e7370a12f";
    /// `emit("d", new Date(Date.UTC(2024, 1, 29, 12, 34, 56, 789)), new Date(-1))`
    pub const DATE: &str = "84a47479706502a46461746193a164d7000000018df4dc5495d700ffffffffffffffffa76f7074696f6e7381a8636f6d7072657373c3a36e7370a12f";
    /// The answer to the server's ack id 12: `("ok", Buffer<ff>)`.
    pub const ACK: &str = "84a47479706503a46461746192a26f6bc401ffa269640ca36e7370a12f";
    /// CONNECT to `/` with auth `{token: "abc"}`.
    pub const CONNECT: &str = "83a47479706500a36e7370a12fa46461746181a5746f6b656ea3616263";
    /// CONNECT to `/admin` without auth.
    pub const CONNECT_BARE: &str = "82a47479706500a36e7370a62f61646d696e";
    /// DISCONNECT from `/admin`.
    pub const DISCONNECT: &str = "82a47479706501a36e7370a62f61646d696e";
    /// What a Node server with the parser sends for
    /// `{type: 2, data: ["hello", "world", 1], nsp: "/"}`.
    pub const SERVER_EVENT: &str =
        "83a47479706502a46461746193a568656c6c6fa5776f726c6401a36e7370a12f";
    /// `{type: 0, data: {sid: "abc"}, nsp: "/"}`
    pub const SERVER_CONNECT: &str = "83a47479706500a46461746181a3736964a3616263a36e7370a12f";
    /// `{type: 3, data: [Buffer<01 02>], nsp: "/x", id: 5}`
    pub const SERVER_ACK: &str = "84a47479706503a46461746191c4020102a36e7370a22f78a2696405";
}

fn hex(s: &str) -> Bytes {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect::<Vec<u8>>()
        .into()
}

fn dec(s: &str) -> Result<Decoded, DecodeError> {
    decode(&hex(s), &DecodeOptions::default())
}

fn decoded(message: Message, attachments: &[&'static [u8]]) -> Decoded {
    Decoded {
        message,
        attachments: attachments.iter().map(|a| Bytes::from_static(a)).collect(),
    }
}

fn event(nsp: &str, name: &str, args: &str, attachments: usize, ack: Option<u64>) -> Message {
    Message::Event {
        nsp: nsp.into(),
        name: name.into(),
        args: args.into(),
        attachments,
        ack,
    }
}

#[test]
fn a_node_clients_events_read_as_the_json_parser_reads_them() {
    assert_eq!(
        dec(from_node::EVENT),
        Ok(decoded(
            event(
                "/",
                "chat",
                r#"[{"a":1,"b":[true,null,"x"],"c":-5,"d":1.5,"e":"é\"\n"}]"#,
                0,
                None
            ),
            &[]
        ))
    );
    assert_eq!(
        dec(from_node::EVENT_ACK),
        Ok(decoded(event("/chat", "echo", "[42]", 0, Some(7)), &[]))
    );
}

#[test]
fn binary_values_become_attachments_in_document_order() {
    assert_eq!(
        dec(from_node::BINARY),
        Ok(decoded(
            event(
                "/",
                "up",
                r#"[{"_placeholder":true,"num":0},{"nested":[{"_placeholder":true,"num":1}]}]"#,
                2,
                None
            ),
            &[&[1, 2, 3], b"hi"]
        ))
    );
    assert_eq!(
        dec(from_node::ARRAYBUFFER),
        Ok(decoded(
            event("/", "ab", r#"[{"_placeholder":true,"num":0}]"#, 1, None),
            &[&[9, 8, 7, 6, 5, 4, 3, 2]]
        ))
    );
    assert_eq!(
        dec(from_node::ACK),
        Ok(decoded(
            Message::Ack {
                nsp: "/".into(),
                id: 12,
                args: r#"["ok",{"_placeholder":true,"num":0}]"#.into(),
                attachments: 1,
            },
            &[&[0xff]]
        ))
    );
}

#[test]
fn attachments_share_the_packets_buffer() {
    let packet = hex(from_node::BINARY);
    let d = decode(&packet, &DecodeOptions::default()).unwrap();
    let range = packet.as_ptr() as usize..packet.as_ptr() as usize + packet.len();
    assert!(range.contains(&(d.attachments[0].as_ptr() as usize)));
}

#[test]
fn undefined_dates_and_numbers_read_as_json_stringify_prints_them() {
    // JSON.stringify(["u", undefined, {a: undefined, b: 2, c: undefined}, [undefined]])
    assert_eq!(
        dec(from_node::UNDEFINED).unwrap().message,
        event("/", "u", r#"[null,{"b":2},[null]]"#, 0, None)
    );
    // JSON.stringify of the two dates.
    assert_eq!(
        dec(from_node::DATE).unwrap().message,
        event(
            "/",
            "d",
            r#"["2024-02-29T12:34:56.789Z","1969-12-31T23:59:59.999Z"]"#,
            0,
            None
        )
    );
    let numbers = Pack::Array(vec![
        "n".into(),
        Pack::from(1u64 << 40),
        Pack::from(-(1i64 << 40)),
        Pack::from(u64::MAX),
        Pack::from(i64::MIN),
        Pack::F64(0.1),
        Pack::F64(1e21),
        Pack::F64(-1e-7),
        Pack::F32(0.5),
        Pack::F64(-0.0),
    ]);
    assert_eq!(
        decode_value(numbers).unwrap().message,
        event(
            "/",
            "n",
            "[1099511627776,-1099511627776,18446744073709551615,-9223372036854775808,0.1,1e+21,-1e-7,0.5,0]",
            0,
            None
        )
    );
}

#[test]
fn msgpack_timestamps_and_dates_out_of_four_digit_years() {
    let date = |ext: Pack| {
        let args = decode_value(Pack::Array(vec!["d".into(), ext]))
            .unwrap()
            .message;
        match args {
            Message::Event { args, .. } => args,
            other => panic!("{other:?}"),
        }
    };
    // timestamp 32: 1 s after the epoch.
    assert_eq!(
        date(Pack::Ext(-1, vec![0, 0, 0, 1])),
        r#"["1970-01-01T00:00:01.000Z"]"#
    );
    let notepack_date = |ms: i64| {
        let mut data = ((ms >> 32) as i32).to_be_bytes().to_vec();
        data.extend_from_slice(&(ms as u32).to_be_bytes());
        Pack::Ext(0, data)
    };
    // new Date(253402300800000).toJSON(): year 10000.
    assert_eq!(
        date(notepack_date(253_402_300_800_000)),
        r#"["+010000-01-01T00:00:00.000Z"]"#
    );
    // new Date(-62198755200000).toJSON(): year -1.
    assert_eq!(
        date(notepack_date(-62_198_755_200_000)),
        r#"["-000001-01-01T00:00:00.000Z"]"#
    );
    // Past JavaScript's range: an Invalid Date, toJSON() is null.
    assert_eq!(date(notepack_date(8_640_000_000_000_001)), "[null]");
}

#[test]
fn connect_disconnect_and_the_servers_own_packets() {
    assert_eq!(
        dec(from_node::CONNECT),
        Ok(decoded(
            Message::Connect {
                nsp: "/".into(),
                auth: Some(r#"{"token":"abc"}"#.into())
            },
            &[]
        ))
    );
    assert_eq!(
        dec(from_node::CONNECT_BARE).unwrap().message,
        Message::Connect {
            nsp: "/admin".into(),
            auth: None
        }
    );
    assert_eq!(
        dec(from_node::DISCONNECT).unwrap().message,
        Message::Disconnect {
            nsp: "/admin".into()
        }
    );
    assert_eq!(
        dec(from_node::SERVER_EVENT).unwrap().message,
        event("/", "hello", r#"["world",1]"#, 0, None)
    );
}

#[test]
fn the_servers_packets_encode_as_a_node_server_with_the_parser_does() {
    let attachments = [Bytes::from_static(&[1, 2])];
    let cases: [(&str, &[Bytes], &str); 3] = [
        (
            &socketio::encode_event("/", "hello", r#"["world",1]"#, 0, None),
            &[],
            from_node::SERVER_EVENT,
        ),
        (
            &socketio::encode_connect("/", "abc"),
            &[],
            from_node::SERVER_CONNECT,
        ),
        (
            &socketio::encode_ack("/x", 5, r#"[{"_placeholder":true,"num":0}]"#, 1),
            &attachments,
            from_node::SERVER_ACK,
        ),
    ];
    for (packet, attachments, bytes) in cases {
        assert_eq!(encode(packet, attachments), Ok(hex(bytes)), "{packet}");
    }
}

#[test]
fn what_the_server_encodes_decodes_to_the_same_packet() {
    let attachments = [Bytes::from_static(b"\x00\x01"), Bytes::from_static(b"")];
    let args =
        r#"[{"_placeholder":true,"num":1},"x",{"k":[1.5,-2,null,{"_placeholder":true,"num":0}]}]"#;
    let packet = socketio::encode_event("/chat", "ev", args, 2, Some(99));
    let d = decode(
        &encode(&packet, &attachments).unwrap(),
        &DecodeOptions::default(),
    )
    .unwrap();
    // Placeholders are numbered again in document order.
    assert_eq!(
        d,
        Decoded {
            message: event(
                "/chat",
                "ev",
                r#"[{"_placeholder":true,"num":0},"x",{"k":[1.5,-2,null,{"_placeholder":true,"num":1}]}]"#,
                2,
                Some(99)
            ),
            attachments: vec![attachments[1].clone(), attachments[0].clone()],
        }
    );
    // The offset a replayable event carries is its last argument.
    let replay = socketio::encode_replayable_event("/", "e", "[1]", 0, "1-2");
    assert_eq!(
        decode(&encode(&replay, &[]).unwrap(), &DecodeOptions::default())
            .unwrap()
            .message,
        event("/", "e", r#"[1,"1-2"]"#, 0, None)
    );
    // CONNECT_ERROR and DISCONNECT from the server.
    let error = encode(&socketio::encode_connect_error("/x", "no"), &[]).unwrap();
    assert_eq!(
        redis_adapter::read(&error).unwrap(),
        Pack::Map(vec![
            ("type".into(), 4.into()),
            (
                "data".into(),
                Pack::Map(vec![("message".into(), "no".into())])
            ),
            ("nsp".into(), "/x".into()),
        ])
    );
    let bye = encode(&socketio::encode_disconnect("/x"), &[]).unwrap();
    assert_eq!(
        redis_adapter::read(&bye).unwrap(),
        Pack::Map(vec![("type".into(), 1.into()), ("nsp".into(), "/x".into())])
    );
}

#[test]
fn placeholders_outside_binary_packets_stay_objects_and_bad_ones_fail() {
    let plain = socketio::encode_event("/", "e", r#"[{"_placeholder":true,"num":0}]"#, 0, None);
    let d = decode(&encode(&plain, &[]).unwrap(), &DecodeOptions::default()).unwrap();
    // Read back, a map is a map; the binary comes back only from `bin`.
    assert_eq!(d.attachments, Vec::<Bytes>::new());
    let bad = socketio::encode_event("/", "e", r#"[{"_placeholder":true,"num":3}]"#, 1, None);
    assert!(encode(&bad, &[Bytes::from_static(b"x")]).is_err());
    assert!(encode("not a packet", &[]).is_err());
}

/// A packet `{type: 2, data, nsp: "/"}` around `data`.
fn decode_value(data: Pack) -> Result<Decoded, DecodeError> {
    decode_map(vec![
        ("type".into(), 2.into()),
        ("data".into(), data),
        ("nsp".into(), "/".into()),
    ])
}

fn decode_map(entries: Vec<(Pack, Pack)>) -> Result<Decoded, DecodeError> {
    let bytes = redis_adapter::write(&Pack::Map(entries)).unwrap();
    decode(&Bytes::from(bytes), &DecodeOptions::default())
}

#[test]
fn what_json_cannot_say_is_refused() {
    let with = |arg: Pack| decode_value(Pack::Array(vec!["e".into(), arg]));
    assert_eq!(
        with(Pack::F64(f64::NAN)),
        Err(DecodeError::NotJson("NaN or an infinity"))
    );
    assert!(matches!(
        with(Pack::F32(f32::INFINITY)),
        Err(DecodeError::NotJson(_))
    ));
    assert!(matches!(
        with(Pack::Map(vec![(1.into(), 2.into())])),
        Err(DecodeError::NotJson(_))
    ));
    assert!(matches!(
        with(Pack::Ext(5, vec![1, 2])),
        Err(DecodeError::NotJson(_))
    ));
    // notepack's type 0 in fixext 2: neither undefined nor a date.
    assert!(matches!(
        with(Pack::Ext(0, vec![1, 2])),
        Err(DecodeError::NotJson(_))
    ));
    // {type: 2, data: ["e", <str ff fe>], nsp: "/"}
    assert!(matches!(
        dec("83a47479706502a46461746192a165a2fffea36e7370a12f"),
        Err(DecodeError::NotJson(_))
    ));
    let mut deep = Pack::Nil;
    for _ in 0..MAX_DEPTH + 1 {
        deep = Pack::Array(vec![deep]);
    }
    assert_eq!(with(deep), Err(DecodeError::TooDeep));
    let mut deep_enough = Pack::Nil;
    for _ in 0..MAX_DEPTH - 2 {
        deep_enough = Pack::Array(vec![deep_enough]);
    }
    assert!(with(deep_enough).is_ok());
}

#[test]
fn malformed_msgpack_is_refused() {
    let ok = hex(from_node::EVENT);
    for cut in 0..ok.len() {
        assert!(
            decode(&ok.slice(..cut), &DecodeOptions::default()).is_err(),
            "{cut}"
        );
    }
    let mut trailing = ok.to_vec();
    trailing.push(0xc0);
    assert_eq!(
        decode(&trailing.into(), &DecodeOptions::default()),
        Err(DecodeError::Malformed("bytes after the packet"))
    );
    assert!(matches!(dec("c1"), Err(DecodeError::Malformed(_))));
    // A map claiming 2^32 - 1 entries: refused at the end of the input.
    assert_eq!(dec("dfffffffff"), Err(TRUNCATED));
    // A string claiming more bytes than there are.
    assert_eq!(dec("81a36e7370dbffffffff"), Err(TRUNCATED));
}

#[test]
fn packets_of_the_wrong_shape_are_refused_as_the_npm_decoder_does() {
    let shape = |entries: Vec<(Pack, Pack)>| decode_map(entries).map(|d| d.message);
    let nsp = || ("nsp".into(), Pack::from("/"));
    let kind = |t: i64| ("type".into(), Pack::from(t));
    let data = |v: Pack| ("data".into(), v);
    let args = |v: Vec<Pack>| data(Pack::Array(v));
    assert!(matches!(dec("92c0c0"), Err(DecodeError::Shape(_))));
    assert!(matches!(shape(vec![nsp()]), Err(DecodeError::Shape(_))));
    assert!(matches!(
        shape(vec![kind(5), nsp()]),
        Err(DecodeError::Shape(_))
    ));
    assert!(matches!(
        shape(vec![kind(-1), nsp()]),
        Err(DecodeError::Shape(_))
    ));
    assert!(matches!(
        shape(vec![("type".into(), Pack::F64(2.5)), nsp()]),
        Err(DecodeError::Shape(_))
    ));
    assert!(matches!(shape(vec![kind(0)]), Err(DecodeError::Shape(_))));
    assert!(matches!(
        shape(vec![kind(0), ("nsp".into(), 1.into())]),
        Err(DecodeError::Shape(_))
    ));
    for bad in ["", "chat", "/a,b"] {
        assert!(matches!(
            shape(vec![kind(0), ("nsp".into(), bad.into())]),
            Err(DecodeError::Shape(_))
        ));
    }
    assert!(matches!(
        shape(vec![kind(0), nsp(), data("x".into())]),
        Err(DecodeError::Shape(_))
    ));
    assert!(matches!(
        shape(vec![
            kind(0),
            nsp(),
            data(Pack::Map(vec![("b".into(), Pack::Binary(vec![1]))]))
        ]),
        Err(DecodeError::Shape(_))
    ));
    assert!(matches!(
        shape(vec![kind(1), nsp(), args(vec![])]),
        Err(DecodeError::Shape(_))
    ));
    assert!(matches!(
        shape(vec![kind(2), nsp()]),
        Err(DecodeError::Shape(_))
    ));
    assert!(matches!(
        shape(vec![kind(2), nsp(), args(vec![])]),
        Err(DecodeError::Shape(_))
    ));
    assert!(matches!(
        shape(vec![kind(2), nsp(), data(Pack::Map(vec![]))]),
        Err(DecodeError::Shape(_))
    ));
    assert!(matches!(
        shape(vec![kind(2), nsp(), nsp(), args(vec!["e".into()])]),
        Err(DecodeError::Shape(_))
    ));
    assert!(matches!(
        shape(vec![
            kind(3),
            nsp(),
            ("id".into(), 1.into()),
            data(1.into())
        ]),
        Err(DecodeError::Shape(_))
    ));
    // As the JSON parser refuses them.
    assert_eq!(
        shape(vec![kind(2), nsp(), args(vec!["connect".into()])]),
        Err(DecodeError::Packet(socketio::DecodeError::ReservedEvent(
            "connect".into()
        )))
    );
    assert!(matches!(
        shape(vec![kind(2), nsp(), args(vec![true.into()])]),
        Err(DecodeError::Packet(socketio::DecodeError::InvalidPayload(
            _
        )))
    ));
    assert_eq!(
        shape(vec![kind(3), nsp(), args(vec![])]),
        Err(DecodeError::Packet(socketio::DecodeError::MissingAckId))
    );
    assert_eq!(
        shape(vec![
            kind(3),
            nsp(),
            ("id".into(), (-1).into()),
            args(vec![])
        ]),
        Err(DecodeError::Packet(socketio::DecodeError::InvalidAckId))
    );
    assert_eq!(
        shape(vec![kind(4), nsp(), data(Pack::Map(vec![]))]),
        Err(DecodeError::Packet(
            socketio::DecodeError::ConnectErrorFromClient
        ))
    );
    let bins = (0..11).map(|i| Pack::Binary(vec![i])).collect();
    assert_eq!(
        shape(vec![
            kind(2),
            nsp(),
            args(vec!["e".into(), Pack::Array(bins)])
        ]),
        Err(DecodeError::Packet(
            socketio::DecodeError::TooManyAttachments { max: 10 }
        ))
    );
}

#[test]
fn lenient_where_the_npm_decoder_is() {
    let shape = |entries: Vec<(Pack, Pack)>| decode_map(entries).map(|d| d.message);
    let undefined = || Pack::Ext(0, vec![0]);
    // Integral floats are integers (`Number.isInteger`); a numeric event
    // name is named as JavaScript prints it; unknown keys and `undefined`
    // fields are skipped; an ACK without data has no arguments.
    assert_eq!(
        shape(vec![
            ("type".into(), Pack::F64(2.0)),
            ("nsp".into(), "/".into()),
            ("data".into(), Pack::Array(vec![Pack::F64(1.5), 1.into()])),
            ("id".into(), undefined()),
            (
                "options".into(),
                Pack::Map(vec![(Pack::Ext(9, vec![]), Pack::Binary(vec![1]))])
            ),
        ]),
        Ok(event("/", "1.5", "[1]", 0, None))
    );
    assert_eq!(
        shape(vec![
            ("type".into(), 3.into()),
            ("nsp".into(), "/".into()),
            ("id".into(), Pack::F64(4.0)),
        ]),
        Ok(Message::Ack {
            nsp: "/".into(),
            id: 4,
            args: "[]".into(),
            attachments: 0
        })
    );
    assert_eq!(
        shape(vec![
            ("type".into(), 0.into()),
            ("nsp".into(), "/".into()),
            ("data".into(), undefined()),
        ]),
        Ok(Message::Connect {
            nsp: "/".into(),
            auth: None
        })
    );
}

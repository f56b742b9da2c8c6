//! Golden values are what Node put in Redis: two socket.io 4.8.1 servers
//! with `@socket.io/redis-streams-adapter` 0.3.1 (node-redis 4.7,
//! `connectionStateRecovery: {}`) on redis-server 7.0, read back with
//! `XRANGE socket.io - +`, a `PSUBSCRIBE socket.io#*` listener and `GET
//! sio:session:*`; server A's uid `590ab14cbfd45323` (`/chat`:
//! `4591b8bdba642293`), server B's `236975afc8656948`, B's client
//! `u1GqkIBS6MFpv7LaAAAA` in room `r`. The few marked "@msgpack/msgpack"
//! are that library's (2.8.0, the adapter's) `encode` of the message shape
//! the adapter publishes, for shapes a capture does not fix (key order of a
//! `serde_json::Value`).

use super::*;
use serde_json::json;

const UID_A: &str = "590ab14cbfd45323";
const UID_B: &str = "236975afc8656948";
const SID: &str = "u1GqkIBS6MFpv7LaAAAA";
/// Server A's and B's uids in a second capture (server events with
/// binary and empty answers, a broadcast with acks to a room).
const UID_A2: &str = "3e0df41ccbe69ba1";
const UID_B2: &str = "1fcd49831dfd7f01";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn entry(uid: &str, nsp: &str, kind: &str, data: &str) -> Vec<(String, String)> {
    [("uid", uid), ("nsp", nsp), ("type", kind), ("data", data)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn owned(fields: Vec<(&'static str, String)>) -> Vec<(String, String)> {
    fields
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

fn to(rooms: &[&str], except: &[&str]) -> Selector {
    Selector {
        rooms: rooms.iter().map(|s| s.to_string()).collect(),
        except: except.iter().map(|s| s.to_string()).collect(),
    }
}

/// `io.to("r").except("x").emit("ev", 1, "a", {b: Buffer.from([1, 2])})`:
/// entry `1796533675510-0`.
const BIN_DATA: &str =
    "gqZwYWNrZXSCpHR5cGUCpGRhdGGUomV2AaFhgaFixAIBAqRvcHRzg6Vyb29tc5GhcqZleGNlcHSRoXilZmxhZ3OA";
/// `io.to("r").except("x").emit("ev", 1, "a", {b: "c"})`.
const JSON_DATA: &str = r#"{"packet":{"type":2,"data":["ev",1,"a",{"b":"c"}]},"opts":{"rooms":["r"],"except":["x"],"flags":{}}}"#;

#[test]
fn names_are_the_node_adapters() {
    assert_eq!(STREAM_NAME, "socket.io");
    assert_eq!(public_channel("/"), "socket.io#/#");
    assert_eq!(private_channel("/", UID_A), "socket.io#/#590ab14cbfd45323#");
    assert_eq!(
        session_key("FTzbNg90Uqkt2mqkAAAB"),
        "sio:session:FTzbNg90Uqkt2mqkAAAB"
    );
    // The adapter's util.hashCode(nsp) % streamCount, from Node.
    assert_eq!(stream_name("/", 1), "socket.io");
    assert_eq!(stream_name("/", 0), "socket.io");
    assert_eq!(stream_name("/", 3), "socket.io-2");
    assert_eq!(stream_name("/chat", 7), "socket.io-4");
    assert_eq!(stream_name("/é😀", 7), "socket.io-1");
    assert_eq!(stream_name("/zzzzzzzz", 3), "socket.io--1");
    assert_eq!(stream_name("/négatif-名前", 7), "socket.io--3");
    assert_eq!(stream_name("/xyz123456", 10), "socket.io--1");
}

#[test]
fn a_broadcast_entry_is_byte_for_byte_nodes() {
    let fields = encode_broadcast_entry(
        UID_A,
        "/",
        "ev",
        r#"[1,"a",{"b":{"_placeholder":true,"num":0}}]"#,
        &[Bytes::from_static(&[1, 2])],
        &to(&["r"], &["x"]),
    )
    .unwrap();
    assert_eq!(
        fields,
        vec![
            ("uid", UID_A.to_string()),
            ("nsp", "/".to_string()),
            ("type", "3".to_string()),
            ("data", BIN_DATA.to_string()),
        ]
    );
    let fields = encode_broadcast_entry(
        UID_A,
        "/",
        "ev",
        r#"[1,"a",{"b":"c"}]"#,
        &[],
        &to(&["r"], &["x"]),
    )
    .unwrap();
    assert_eq!(fields[3], ("data", JSON_DATA.to_string()));
}

#[test]
fn more_entries_are_nodes() {
    // JSON.stringify of the same shape.
    let fields = encode_broadcast_entry(
        "u",
        "/",
        "é\n\u{1}\"\\/",
        r#"[-3,1.25,{"x":[true,false,null]}]"#,
        &[],
        &to(&[], &["s"]),
    )
    .unwrap();
    assert_eq!(
        fields[3].1,
        r#"{"packet":{"type":2,"data":["é\n\u0001\"\\/",-3,1.25,{"x":[true,false,null]}]},"opts":{"rooms":[],"except":["s"],"flags":{}}}"#
    );
    // @msgpack/msgpack, then Buffer#toString("base64").
    let fields = encode_broadcast_entry(
        "u",
        "/",
        "ev",
        r#"[{"_placeholder":true,"num":0},{"k":[{"_placeholder":true,"num":1}]}]"#,
        &[Bytes::from_static(&[0, 255]), Bytes::from_static(b"hi")],
        &Selector::default(),
    )
    .unwrap();
    assert_eq!(
        fields[3].1,
        "gqZwYWNrZXSCpHR5cGUCpGRhdGGTomV2xAIA/4Gha5HEAmhppG9wdHODpXJvb21zkKZleGNlcHSQpWZsYWdzgA=="
    );
    // Attachments no placeholder uses: no binary, so JSON (Node's hasBinary).
    let fields = encode_broadcast_entry(
        "u",
        "/",
        "e",
        "[1]",
        &[Bytes::from_static(b"x")],
        &to(&[], &[]),
    )
    .unwrap();
    assert!(fields[3].1.starts_with('{'));
    assert!(encode_broadcast_entry("u", "/", "e", "{}", &[], &to(&[], &[])).is_err());
    assert!(encode_broadcast_entry("u", "/", "e", "[", &[], &to(&[], &[])).is_err());
}

#[test]
fn node_broadcast_entries_decode() {
    let m = decode_entry(&entry(UID_A, "/", "3", BIN_DATA)).unwrap();
    assert_eq!(m.uid, UID_A);
    assert_eq!(m.nsp, "/");
    let Body::Broadcast {
        broadcast,
        volatile,
    } = m.body
    else {
        panic!("{:?}", m.body)
    };
    assert!(!volatile);
    assert_eq!(broadcast.uid, UID_A);
    assert_eq!(broadcast.nsp, "/");
    assert_eq!(broadcast.event, "ev");
    assert_eq!(
        broadcast.args_json,
        r#"[1,"a",{"b":{"_placeholder":true,"num":0}}]"#
    );
    assert_eq!(broadcast.attachments, vec![Bytes::from_static(&[1, 2])]);
    assert_eq!(broadcast.to, to(&["r"], &["x"]));
    assert!(!broadcast.local);

    let m = decode_entry(&entry(UID_A, "/", "3", JSON_DATA)).unwrap();
    let Body::Broadcast { broadcast, .. } = m.body else {
        panic!()
    };
    assert_eq!(broadcast.args_json, r#"[1,"a",{"b":"c"}]"#);
    assert!(broadcast.attachments.is_empty());

    // io.volatile.emit("v", 1) and io.compress(false).emit("c", 2.5, null, [true]).
    let volatile = r#"{"packet":{"type":2,"data":["v",1]},"opts":{"rooms":[],"except":[],"flags":{"volatile":true}}}"#;
    let compress = r#"{"packet":{"type":2,"data":["c",2.5,null,[true]]},"opts":{"rooms":[],"except":[],"flags":{"compress":false}}}"#;
    let body = decode_entry(&entry(UID_A, "/", "3", volatile))
        .unwrap()
        .body;
    assert!(matches!(body, Body::Broadcast { volatile: true, .. }));
    let body = decode_entry(&entry(UID_A, "/", "3", compress))
        .unwrap()
        .body;
    let Body::Broadcast {
        broadcast,
        volatile: false,
    } = body
    else {
        panic!()
    };
    assert_eq!(broadcast.args_json, "[2.5,null,[true]]");

    // io.of("/chat").emit("x", 1): the namespace is the entry's field only.
    let chat = r#"{"packet":{"type":2,"data":["x",1]},"opts":{"rooms":[],"except":[],"flags":{}}}"#;
    let m = decode_entry(&entry("4591b8bdba642293", "/chat", "3", chat)).unwrap();
    let Body::Broadcast { broadcast, .. } = m.body else {
        panic!()
    };
    assert_eq!((m.nsp.as_str(), broadcast.nsp.as_str()), ("/chat", "/chat"));

    // socket.broadcast.emit("fromB", {k: 1}) on server B.
    let from_b = r#"{"packet":{"type":2,"data":["fromB",{"k":1}]},"opts":{"rooms":[],"except":["u1GqkIBS6MFpv7LaAAAA"],"flags":{}}}"#;
    let m = decode_entry(&entry(UID_B, "/", "3", from_b)).unwrap();
    let Body::Broadcast { broadcast, .. } = m.body else {
        panic!()
    };
    assert_eq!(broadcast.to, to(&[], &[SID]));
}

#[test]
fn entries_in_any_field_order_with_extra_fields() {
    let mut fields = entry(UID_A, "/", "3", JSON_DATA);
    fields.reverse();
    fields.insert(1, ("other".into(), "x".into()));
    let m = decode_entry(&fields).unwrap();
    assert_eq!(m, decode_entry(&entry(UID_A, "/", "3", JSON_DATA)).unwrap());
    // The last of a repeated field counts (Node reads them into an object).
    fields.push(("nsp".into(), "/chat".into()));
    assert_eq!(decode_entry(&fields).unwrap().nsp, "/chat");
}

#[test]
fn entries_node_skips_or_cannot_read_are_errors() {
    let no_nsp: Vec<_> = entry(UID_A, "/", "3", JSON_DATA)
        .into_iter()
        .filter(|(k, _)| k != "nsp")
        .collect();
    assert!(decode_entry(&no_nsp).is_err());
    assert!(decode_entry(&entry(UID_A, "", "3", JSON_DATA)).is_err());
    for kind in ["", "x", "3x", "-3", " 3", "99999999999999999999999"] {
        assert!(
            decode_entry(&entry(UID_A, "/", kind, JSON_DATA)).is_err(),
            "{kind}"
        );
    }
    assert!(decode_entry(&entry(UID_A, "/", "3", "")).is_err());
    assert!(decode_entry(&entry(UID_A, "/", "3", "{")).is_err());
    assert!(decode_entry(&entry(UID_A, "/", "3", "!!!")).is_err());
    assert!(
        decode_entry(&entry(
            UID_A,
            "/",
            "3",
            r#"{"packet":{"type":2,"data":["e"]}}"#
        ))
        .is_err()
    );
    assert!(decode_entry(&entry(UID_A, "/", "3", r#"{"opts":{}}"#)).is_err());
    // A type without data that needs none.
    let m = decode_entry(&entry(UID_A, "/", "2", "")).unwrap();
    assert_eq!(m.body, Body::Heartbeat);
    let m = decode_entry(&entry(UID_A, "/", "42", "")).unwrap();
    assert_eq!(m.body, Body::Other(42));
    // No uid: Node does not drop it.
    let no_uid: Vec<_> = entry(UID_A, "/", "3", JSON_DATA)
        .into_iter()
        .filter(|(k, _)| k != "uid")
        .collect();
    assert_eq!(decode_entry(&no_uid).unwrap().uid, "");
}

#[test]
fn a_placeholder_lookalike_in_json_data_stays_an_object() {
    let data = r#"{"packet":{"type":2,"data":["e",{"_placeholder":true,"num":0}]},"opts":{"rooms":[],"except":[],"flags":{}}}"#;
    let Body::Broadcast { broadcast, .. } =
        decode_entry(&entry(UID_A, "/", "3", data)).unwrap().body
    else {
        panic!()
    };
    assert_eq!(broadcast.args_json, r#"[{"_placeholder":true,"num":0}]"#);
    assert!(broadcast.attachments.is_empty());
}

#[test]
fn node_room_and_disconnect_entries_decode_onto_requests() {
    // io.in("r").socketsJoin(["r2", "r3"]), io.socketsLeave("r3"),
    // io.in("r").disconnectSockets(true).
    let join = r#"{"opts":{"rooms":["r"],"except":[],"flags":{}},"rooms":["r2","r3"]}"#;
    let leave = r#"{"opts":{"rooms":[],"except":[],"flags":{}},"rooms":["r3"]}"#;
    let disconnect = r#"{"opts":{"rooms":["r"],"except":[],"flags":{}},"close":true}"#;
    assert_eq!(
        decode_entry(&entry(UID_A, "/", "4", join)).unwrap().body,
        Body::Request(Request::Rooms {
            join: true,
            request_id: None,
            target: Target::Selected(to(&["r"], &[])),
            rooms: vec!["r2".into(), "r3".into()],
        })
    );
    assert_eq!(
        decode_entry(&entry(UID_A, "/", "5", leave)).unwrap().body,
        Body::Request(Request::Rooms {
            join: false,
            request_id: None,
            target: Target::Selected(to(&[], &[])),
            rooms: vec!["r3".into()],
        })
    );
    assert_eq!(
        decode_entry(&entry(UID_A, "/", "6", disconnect))
            .unwrap()
            .body,
        Body::Request(Request::Disconnect {
            request_id: None,
            target: Target::Selected(to(&["r"], &[])),
            close: true,
        })
    );
}

/// `io.fetchSockets()` on A, then `io.in("r").except("x").fetchSockets()`.
const FETCH_ALL: &str = "84a47479706507a46461746182a46f70747383a5726f6f6d7390a665786365707490a5666c61677380a9726571756573744964b063633333623231323639383833666563a3756964b035393061623134636266643435333233a36e7370a12f";
const FETCH_R: &str = "84a47479706507a46461746182a46f70747383a5726f6f6d7391a172a665786365707491a178a5666c61677380a9726571756573744964b031333465316463323166663230633336a3756964b035393061623134636266643435333233a36e7370a12f";
/// B's answer on A's private channel.
const FETCH_RESPONSE: &str = "84a47479706508a46461746182a9726571756573744964b063633333623231323639383833666563a7736f636b6574739184a26964b4753147716b494253364d467076374c6141414141a968616e647368616b6589a76865616465727386b57365632d776562736f636b65742d76657273696f6ea23133b17365632d776562736f636b65742d6b6579b86f62584a316a3451453478527869624165484a4b31413d3daa636f6e6e656374696f6ea755706772616465a775706772616465a9776562736f636b6574b87365632d776562736f636b65742d657874656e73696f6e73d92a7065726d6573736167652d6465666c6174653b20636c69656e745f6d61785f77696e646f775f62697473a4686f7374af6c6f63616c686f73743a3433333939a474696d65d93e53756e2044656320303620323032362030353a30373a353520474d542b303030302028436f6f7264696e6174656420556e6976657273616c2054696d6529a761646472657373b03a3a666666663a3132372e302e302e31a778646f6d61696ec2a6736563757265c2a6697373756564cf000001a249c063fea375726cd9252f736f636b65742e696f2f3f45494f3d34267472616e73706f72743d776562736f636b6574a5717565727982a345494fa134a97472616e73706f7274a9776562736f636b6574a46175746880a5726f6f6d7392b4753147716b494253364d467076374c6141414141a172a46461746182a475736572a27531a16e01a3756964b032333639373561666338363536393438a36e7370a12f";

#[test]
fn fetch_sockets_is_byte_for_byte_nodes() {
    assert_eq!(
        encode_fetch_sockets(UID_A, "/", "cc33b21269883fec", &Selector::default()),
        hex(FETCH_ALL)
    );
    assert_eq!(
        encode_fetch_sockets(UID_A, "/", "134e1dc21ff20c36", &to(&["r"], &["x"])),
        hex(FETCH_R)
    );
    let m = decode_published(&hex(FETCH_R)).unwrap();
    assert_eq!((m.uid.as_str(), m.nsp.as_str()), (UID_A, "/"));
    assert_eq!(
        m.body,
        Body::Request(Request::Fetch {
            request_id: "134e1dc21ff20c36".into(),
            to: to(&["r"], &["x"]),
        })
    );
    // @msgpack/msgpack.
    assert_eq!(
        encode_fetch_sockets("me", "/chat", "q1", &to(&["r"], &["x"])),
        hex(
            "84a47479706507a46461746182a46f70747383a5726f6f6d7391a172a665786365707491a178a5666c61677380a9726571756573744964a27131a3756964a26d65a36e7370a52f63686174"
        )
    );
}

#[test]
fn a_node_fetch_response_decodes() {
    let m = decode_published(&hex(FETCH_RESPONSE)).unwrap();
    assert_eq!((m.uid.as_str(), m.nsp.as_str()), (UID_B, "/"));
    let Body::FetchSocketsResponse {
        request_id,
        sockets,
    } = m.body
    else {
        panic!("{:?}", m.body)
    };
    assert_eq!(request_id, "cc33b21269883fec");
    let [socket] = sockets.as_slice() else {
        panic!()
    };
    assert_eq!(socket["id"], SID);
    assert_eq!(socket["rooms"], json!([SID, "r"]));
    assert_eq!(socket["data"], json!({"user": "u1", "n": 1}));
    assert_eq!(socket["handshake"]["issued"], json!(0x1a2_49c0_63fe_u64));
    assert_eq!(socket["handshake"]["query"]["EIO"], "4");
    assert_eq!(socket["handshake"]["auth"], json!({}));
}

#[test]
fn fetch_responses_are_nodes() {
    // @msgpack/msgpack, keys in serde_json's (sorted) order.
    let socket =
        json!({"id": "s1", "handshake": {}, "rooms": ["s1", "r"], "data": {"a": 1.5, "z": null}});
    let bytes = encode_fetch_response("me", "/", "q1", std::slice::from_ref(&socket));
    assert_eq!(
        bytes,
        hex(
            "84a47479706508a46461746182a9726571756573744964a27131a7736f636b6574739184a46461746182a161cb3ff8000000000000a17ac0a968616e647368616b6580a26964a27331a5726f6f6d7392a27331a172a3756964a26d65a36e7370a12f"
        )
    );
    assert_eq!(
        decode_published(&bytes).unwrap().body,
        Body::FetchSocketsResponse {
            request_id: "q1".into(),
            sockets: vec![socket],
        }
    );
    assert_eq!(
        encode_fetch_response("me", "/", "q1", &[]),
        hex(
            "84a47479706508a46461746182a9726571756573744964a27131a7736f636b65747390a3756964a26d65a36e7370a12f"
        )
    );
    let big = json!([u64::MAX, i64::MIN, -1, 0.1, "x"]);
    let bytes = encode_fetch_response("me", "/", "q1", std::slice::from_ref(&big));
    let Body::FetchSocketsResponse { sockets, .. } = decode_published(&bytes).unwrap().body else {
        panic!()
    };
    assert_eq!(sockets, vec![big]);
}

/// `io.timeout(2000).emitWithAck("q", 7)` on A; B's client answers
/// `{got: 7, bin: Buffer.from([9])}`.
const BROADCAST_WITH_ACK: &str = "84a47479706503a46461746183a67061636b657482a47479706502a46461746192a17107a9726571756573744964b039366231313130653034373237663465a46f70747383a5726f6f6d7390a665786365707490a5666c61677381a774696d656f7574cd07d0a3756964b035393061623134636266643435333233a36e7370a12f";
const CLIENT_COUNT: &str = "84a4747970650ba46461746182a9726571756573744964b039366231313130653034373237663465ab636c69656e74436f756e7401a3756964b032333639373561666338363536393438a36e7370a12f";
const ACK: &str = "84a4747970650ca46461746182a9726571756573744964b039366231313130653034373237663465a67061636b657482a3676f7407a362696ec40109a3756964b032333639373561666338363536393438a36e7370a12f";

#[test]
fn broadcast_with_acks_and_its_answers_are_nodes() {
    let m = decode_published(&hex(BROADCAST_WITH_ACK)).unwrap();
    assert_eq!(m.uid, UID_A);
    assert_eq!(
        m.body,
        Body::Request(Request::BroadcastWithAck {
            request_id: "96b1110e04727f4e".into(),
            broadcast: Broadcast {
                uid: UID_A.into(),
                nsp: "/".into(),
                event: "q".into(),
                args_json: "[7]".into(),
                attachments: vec![],
                to: Selector::default(),
                local: false,
            },
        })
    );
    assert_eq!(
        encode_client_count(UID_B, "/", "96b1110e04727f4e", 1),
        hex(CLIENT_COUNT)
    );
    assert_eq!(
        decode_published(&hex(CLIENT_COUNT)).unwrap().body,
        Body::BroadcastClientCount {
            request_id: "96b1110e04727f4e".into(),
            count: 1,
        }
    );
    let args = r#"[{"got":7,"bin":{"_placeholder":true,"num":0}}]"#;
    let attachments = vec![Bytes::from_static(&[9])];
    assert_eq!(
        encode_broadcast_ack(UID_B, "/", "96b1110e04727f4e", args, &attachments).unwrap(),
        hex(ACK)
    );
    assert_eq!(
        decode_published(&hex(ACK)).unwrap().body,
        Body::BroadcastAck {
            request_id: "96b1110e04727f4e".into(),
            args_json: args.into(),
            attachments,
        }
    );
    // @msgpack/msgpack of `packet: undefined` (an ack without arguments).
    let none = encode_broadcast_ack("me", "/", "q1", "[]", &[]).unwrap();
    assert_eq!(
        none,
        hex(
            "84a4747970650ca46461746182a9726571756573744964a27131a67061636b6574c0a3756964a26d65a36e7370a12f"
        )
    );
    let Body::BroadcastAck { args_json, .. } = decode_published(&none).unwrap().body else {
        panic!()
    };
    assert_eq!(args_json, "[null]");
    assert!(encode_broadcast_ack("me", "/", "q1", "{}", &[]).is_err());
}

/// `io.serverSideEmit("hello", 1, "two")` on A.
const SSE: &str = "84a47479706509a46461746181a67061636b657493a568656c6c6f01a374776fa3756964b035393061623134636266643435333233a36e7370a12f";
/// `io.serverSideEmitWithAck("hello2", 2)` on A, and B's answer "ok2".
const SSE_ACK: &str = "84a47479706509a46461746182a9726571756573744964b031316666353038336137336137373665a67061636b657492a668656c6c6f3202a3756964b035393061623134636266643435333233a36e7370a12f";
const SSE_ANSWER: &str = "84a4747970650aa46461746182a9726571756573744964b031316666353038336137336137373665a67061636b6574a36f6b32a3756964b032333639373561666338363536393438a36e7370a12f";
// A second capture, server A `3e0df41ccbe69ba1`, B `1fcd49831dfd7f01`:
/// `io.serverSideEmit("bin", {b: Buffer.from([1, 2])}, 3)` on A.
const SSE_BIN: &str = "84a47479706509a46461746181a67061636b657493a362696e81a162c402010203a3756964b033653064663431636362653639626131a36e7370a12f";
/// `io.serverSideEmitWithAck("none")` on A; B's listener calls `cb()`.
const SSE_NONE: &str = "84a47479706509a46461746182a9726571756573744964b065613764633838396164306333666262a67061636b657491a46e6f6e65a3756964b033653064663431636362653639626131a36e7370a12f";
const SSE_NONE_ANSWER: &str = "84a4747970650aa46461746182a9726571756573744964b065613764633838396164306333666262a67061636b6574c0a3756964b031666364343938333164666437663031a36e7370a12f";
/// `io.serverSideEmitWithAck("obj", 1.5)`; B answers `{a: [1, "x"], b: null}`.
const SSE_OBJ: &str = "84a47479706509a46461746182a9726571756573744964b038383964303130333934353237333665a67061636b657492a36f626acb3ff8000000000000a3756964b033653064663431636362653639626131a36e7370a12f";
const SSE_OBJ_ANSWER: &str = "84a4747970650aa46461746182a9726571756573744964b038383964303130333934353237333665a67061636b657482a1619201a178a162c0a3756964b031666364343938333164666437663031a36e7370a12f";
/// `io.to("r").except("x").timeout(2000).emitWithAck("q", "hi")` on A, and
/// B's count (its client is not in `r`).
const BWA_ROOM: &str = "84a47479706503a46461746183a67061636b657482a47479706502a46461746192a171a26869a9726571756573744964b031356163343966663866653738616336a46f70747383a5726f6f6d7391a172a665786365707491a178a5666c61677381a774696d656f7574cd07d0a3756964b033653064663431636362653639626131a36e7370a12f";
const BWA_ROOM_COUNT: &str = "84a4747970650ba46461746182a9726571756573744964b031356163343966663866653738616336ab636c69656e74436f756e7400a3756964b031666364343938333164666437663031a36e7370a12f";

fn server_event(request_id: Option<&str>, event: &str, args_json: &str) -> Body {
    Body::Request(Request::ServerSideEmit {
        request_id: request_id.map(str::to_string),
        event: event.into(),
        args_json: args_json.into(),
    })
}

#[test]
fn node_server_side_emits_and_answers_decode() {
    let m = decode_published(&hex(SSE)).unwrap();
    assert_eq!((m.uid.as_str(), m.nsp.as_str()), (UID_A, "/"));
    assert_eq!(m.body, server_event(None, "hello", r#"[1,"two"]"#));
    assert_eq!(
        decode_published(&hex(SSE_ACK)).unwrap().body,
        server_event(Some("11ff5083a73a776e"), "hello2", "[2]")
    );
    let m = decode_published(&hex(SSE_ANSWER)).unwrap();
    assert_eq!(m.uid, UID_B);
    assert_eq!(
        m.body,
        Body::ServerSideEmitResponse {
            request_id: "11ff5083a73a776e".into(),
            args_json: r#"["ok2"]"#.into(),
        }
    );
    // A Buffer reads as Node's JSON of it (a handler's server event has no
    // attachments; through @socket.io/redis-adapter it is JSON anyway).
    assert_eq!(
        decode_published(&hex(SSE_BIN)).unwrap().body,
        server_event(None, "bin", r#"[{"b":{"type":"Buffer","data":[1,2]}},3]"#)
    );
    assert_eq!(
        decode_published(&hex(SSE_NONE)).unwrap().body,
        server_event(Some("ea7dc889ad0c3fbb"), "none", "[]")
    );
    assert_eq!(
        decode_published(&hex(SSE_NONE_ANSWER)).unwrap().body,
        Body::ServerSideEmitResponse {
            request_id: "ea7dc889ad0c3fbb".into(),
            args_json: "[null]".into(),
        }
    );
    assert_eq!(
        decode_published(&hex(SSE_OBJ)).unwrap().body,
        server_event(Some("889d01039452736e"), "obj", "[1.5]")
    );
    assert_eq!(
        decode_published(&hex(SSE_OBJ_ANSWER)).unwrap().body,
        Body::ServerSideEmitResponse {
            request_id: "889d01039452736e".into(),
            args_json: r#"[{"a":[1,"x"],"b":null}]"#.into(),
        }
    );
    // In a stream entry (Node never puts one there, but reads it): JSON.
    let entry_body = decode_entry(&entry(UID_A, "/", "9", r#"{"packet":["e",{"k":1}]}"#))
        .unwrap()
        .body;
    assert_eq!(entry_body, server_event(None, "e", r#"[{"k":1}]"#));
    // What Node cannot emit on: no packet, no event name; an answer
    // without a request id.
    for data in [
        r#"{}"#,
        r#"{"packet":[]}"#,
        r#"{"packet":[1]}"#,
        r#"{"packet":"e"}"#,
    ] {
        assert!(
            decode_entry(&entry(UID_A, "/", "9", data)).is_err(),
            "{data}"
        );
    }
    assert!(decode_entry(&entry(UID_A, "/", "10", r#"{"packet":1}"#)).is_err());
}

#[test]
fn our_server_side_emits_and_answers_are_nodes() {
    assert_eq!(
        encode_server_side_emit(UID_A, "/", None, "hello", r#"[1,"two"]"#).unwrap(),
        hex(SSE)
    );
    assert_eq!(
        encode_server_side_emit(UID_A, "/", Some("11ff5083a73a776e"), "hello2", "[2]").unwrap(),
        hex(SSE_ACK)
    );
    assert_eq!(
        encode_server_side_emit(UID_A2, "/", Some("ea7dc889ad0c3fbb"), "none", "[]").unwrap(),
        hex(SSE_NONE)
    );
    assert_eq!(
        encode_server_side_emit(UID_A2, "/", Some("889d01039452736e"), "obj", "[1.5]").unwrap(),
        hex(SSE_OBJ)
    );
    assert_eq!(
        encode_server_side_emit_response(UID_B, "/", "11ff5083a73a776e", r#"["ok2"]"#).unwrap(),
        hex(SSE_ANSWER)
    );
    assert_eq!(
        encode_server_side_emit_response(UID_B2, "/", "ea7dc889ad0c3fbb", "[]").unwrap(),
        hex(SSE_NONE_ANSWER)
    );
    // Keys in the order given, as Node's object literal has them.
    assert_eq!(
        encode_server_side_emit_response(
            UID_B2,
            "/",
            "889d01039452736e",
            r#"[{"a":[1,"x"],"b":null},"dropped"]"#
        )
        .unwrap(),
        hex(SSE_OBJ_ANSWER)
    );
    // @msgpack/msgpack: a placeholder-like object stays an object (server
    // events carry no attachments).
    assert_eq!(
        encode_server_side_emit_response("me", "/chat", "r1", r#"[{"a":[1,"x"],"b":null}]"#)
            .unwrap(),
        hex(
            "84a4747970650aa46461746182a9726571756573744964a27231a67061636b657482a1619201a178a162c0a3756964a26d65a36e7370a52f63686174"
        )
    );
    assert_eq!(
        encode_server_side_emit(
            "me",
            "/chat",
            None,
            "e",
            r#"[{"_placeholder":true,"num":0}]"#
        )
        .unwrap(),
        hex(
            "84a47479706509a46461746181a67061636b657492a16582ac5f706c616365686f6c646572c3a36e756d00a3756964a26d65a36e7370a52f63686174"
        )
    );
    assert!(encode_server_side_emit("me", "/", None, "e", "{}").is_err());
    assert!(encode_server_side_emit_response("me", "/", "q", "nope").is_err());
}

#[test]
fn our_broadcast_with_acks_is_nodes() {
    // @msgpack/msgpack of `io.to("r").except("x").emitWithAck("q", "hi",
    // {b: <Buffer 01 02>})`'s message, flags left empty (Node puts its
    // timeout there, which no receiver reads).
    let bytes = encode_broadcast_with_ack(
        UID_A2,
        "/",
        "15ac49ff8fe78ac6",
        "q",
        r#"["hi",{"b":{"_placeholder":true,"num":0}}]"#,
        &[Bytes::from_static(&[1, 2])],
        &to(&["r"], &["x"]),
    )
    .unwrap();
    assert_eq!(
        bytes,
        hex(
            "84a47479706503a46461746183a67061636b657482a47479706502a46461746193a171a2686981a162c4020102a9726571756573744964b031356163343966663866653738616336a46f70747383a5726f6f6d7391a172a665786365707491a178a5666c61677380a3756964b033653064663431636362653639626131a36e7370a12f"
        )
    );
    let Body::Request(Request::BroadcastWithAck {
        request_id,
        broadcast,
    }) = decode_published(&bytes).unwrap().body
    else {
        panic!()
    };
    assert_eq!(request_id, "15ac49ff8fe78ac6");
    assert_eq!(broadcast.attachments, vec![Bytes::from_static(&[1, 2])]);
    // Node's, with its timeout flag, to a room.
    let Body::Request(Request::BroadcastWithAck { broadcast, .. }) =
        decode_published(&hex(BWA_ROOM)).unwrap().body
    else {
        panic!()
    };
    assert_eq!(
        (broadcast.args_json.as_str(), &broadcast.to),
        (r#"["hi"]"#, &to(&["r"], &["x"]))
    );
    assert_eq!(
        encode_client_count(UID_B2, "/", "15ac49ff8fe78ac6", 0),
        hex(BWA_ROOM_COUNT)
    );
    assert!(
        encode_broadcast_with_ack("me", "/", "q", "e", "[", &[], &Selector::default()).is_err()
    );
}

#[test]
fn published_messages_node_ignores_are_errors() {
    assert!(decode_published(b"").is_err());
    assert!(decode_published(&[0xc1]).is_err());
    // {type: 7, data: {..}} without nsp, or without type.
    let mut no_nsp = hex(FETCH_ALL);
    no_nsp[0] = 0x83;
    no_nsp.truncate(no_nsp.len() - 6);
    assert!(decode_published(&no_nsp).is_err());
    let no_type = write(&Pack::Map(vec![("nsp".into(), "/".into())])).unwrap();
    assert!(decode_published(&no_type).is_err());
    let no_data = write(&Pack::Map(vec![
        ("type".into(), 7.into()),
        ("nsp".into(), "/".into()),
    ]))
    .unwrap();
    assert!(decode_published(&no_data).is_err());
    let heartbeat = write(&Pack::Map(vec![
        ("type".into(), 1.into()),
        ("nsp".into(), "/".into()),
    ]))
    .unwrap();
    assert_eq!(
        decode_published(&heartbeat).unwrap().body,
        Body::InitialHeartbeat
    );
}

/// The session B stored when its client's transport closed (`GET
/// sio:session:FTzbNg90Uqkt2mqkAAAB`), after `socketsJoin` put it in `r2`.
const SESSION: &str = "hKNzaWS0dTFHcWtJQlM2TUZwdjdMYUFBQUGjcGlktEZUemJOZzkwVXFrdDJtcWtBQUFCpXJvb21zk7R1MUdxa0lCUzZNRnB2N0xhQUFBQaFyonIypGRhdGGCpHVzZXKidTGhbgE=";

#[test]
fn sessions_are_byte_for_byte_nodes() {
    let session = decode_session(SESSION).unwrap();
    assert_eq!(
        session,
        Session {
            sid: SID.into(),
            pid: "FTzbNg90Uqkt2mqkAAAB".into(),
            rooms: vec![SID.into(), "r".into(), "r2".into()],
            data_json: r#"{"user":"u1","n":1}"#.into(),
        }
    );
    assert_eq!(encode_session(&session).unwrap(), SESSION);
    // @msgpack/msgpack, data null.
    let empty = Session {
        sid: "s1".into(),
        pid: "p1".into(),
        rooms: vec![],
        data_json: "null".into(),
    };
    assert_eq!(
        encode_session(&empty).unwrap(),
        "hKNzaWSiczGjcGlkonAxpXJvb21zkKRkYXRhwA=="
    );
    // Unpadded base64 reads too (Node's Buffer.from is lenient).
    assert_eq!(
        decode_session("hKNzaWSiczGjcGlkonAxpXJvb21zkKRkYXRhwA").unwrap(),
        empty
    );
}

#[test]
fn bad_sessions_are_errors() {
    assert!(decode_session("").is_err());
    assert!(decode_session("!").is_err());
    let bad = |value: Pack| decode_session(&BASE64.encode(write(&value).unwrap()));
    assert!(bad(Pack::Map(vec![("sid".into(), "s".into())])).is_err());
    let with_binary = Pack::Map(vec![
        ("sid".into(), "s".into()),
        ("pid".into(), "p".into()),
        ("rooms".into(), Pack::Array(vec![])),
        ("data".into(), Pack::Binary(vec![1])),
    ]);
    assert!(bad(with_binary).is_err());
    let no_data = Pack::Map(vec![
        ("sid".into(), "s".into()),
        ("pid".into(), "p".into()),
        ("rooms".into(), Pack::Array(vec!["s".into()])),
    ]);
    assert_eq!(bad(no_data).unwrap().data_json, "null");
    let session = Session {
        sid: "s".into(),
        pid: "p".into(),
        rooms: vec![],
        data_json: "{".into(),
    };
    assert!(encode_session(&session).is_err());
}

#[test]
fn offsets_parse_strictly_and_order_as_redis() {
    let o = Offset::parse("1796533675912-1").unwrap();
    assert_eq!(
        o,
        Offset {
            ms: 1796533675912,
            seq: 1
        }
    );
    assert_eq!(o.to_string(), "1796533675912-1");
    assert_eq!(o.next().unwrap().to_string(), "1796533675912-2");
    assert!(Offset::parse("1796533675912-0").unwrap() < o);
    assert!(o < Offset::parse("1796533675913-0").unwrap());
    assert_eq!(
        Offset::parse("5-18446744073709551615").unwrap().next(),
        Some(Offset { ms: 6, seq: 0 })
    );
    assert_eq!(
        Offset::parse("18446744073709551615-18446744073709551615")
            .unwrap()
            .next(),
        None
    );
    for bad in [
        "",
        "-",
        "1-",
        "-1",
        "1",
        "1-2-3",
        "a-1",
        "1-+1",
        " 1-1",
        "1-1 ",
        "0x1-1",
        "18446744073709551616-0",
        "1.5-0",
    ] {
        assert_eq!(Offset::parse(bad), None, "{bad}");
    }
}

#[test]
fn offsets_append_as_node_appends_them() {
    // B's client received ["ev", 1, "a", {b: <Buffer>}, "1796533675510-0"].
    assert_eq!(
        crate::socketio::encode_replayable_event(
            "/",
            "ev",
            r#"[1,"a",{"b":{"_placeholder":true,"num":0}}]"#,
            1,
            "1796533675510-0"
        ),
        r#"51-["ev",1,"a",{"b":{"_placeholder":true,"num":0}},"1796533675510-0"]"#
    );
    assert_eq!(
        crate::socketio::encode_replayable_event("/", "ev", " [ ] ", 0, "1-0"),
        r#"2["ev","1-0"]"#
    );
}

#[test]
fn selects_is_should_include_packet() {
    let rooms = [SID, "r", "r2"];
    assert!(selects(rooms, &to(&[], &[])));
    assert!(selects(rooms, &to(&["r"], &[])));
    assert!(selects(rooms, &to(&["x", "r2"], &["y"])));
    assert!(!selects(rooms, &to(&["other"], &[])));
    assert!(!selects(rooms, &to(&[], &[SID])));
    assert!(!selects(rooms, &to(&["r"], &["r2"])));
    assert!(selects(Vec::<String>::new(), &to(&[], &["x"])));
    assert!(!selects(Vec::<String>::new(), &to(&["r"], &[])));
}

#[test]
fn a_restore_replays_what_node_replays() {
    // The client came back with offset 1796533675912-1; Node replayed only
    // ["missed", 1, "1796533677333-0"] out of the entries after it.
    let rooms = [SID, "r", "r2"];
    let after: Vec<Vec<(String, String)>> = vec![
        entry(
            "4591b8bdba642293",
            "/chat",
            "3",
            r#"{"packet":{"type":2,"data":["x",1]},"opts":{"rooms":[],"except":[],"flags":{}}}"#,
        ),
        entry(
            UID_A,
            "/",
            "4",
            r#"{"opts":{"rooms":["r"],"except":[],"flags":{}},"rooms":["r2","r3"]}"#,
        ),
        entry(
            UID_A,
            "/",
            "5",
            r#"{"opts":{"rooms":[],"except":[],"flags":{}},"rooms":["r3"]}"#,
        ),
        entry(
            UID_B,
            "/",
            "3",
            r#"{"packet":{"type":2,"data":["fromB",{"k":1}]},"opts":{"rooms":[],"except":["u1GqkIBS6MFpv7LaAAAA"],"flags":{}}}"#,
        ),
        entry(
            UID_A,
            "/",
            "3",
            r#"{"packet":{"type":2,"data":["missed",1]},"opts":{"rooms":["r"],"except":[],"flags":{}}}"#,
        ),
        entry(
            UID_A,
            "/",
            "3",
            r#"{"packet":{"type":2,"data":["notForYou",1]},"opts":{"rooms":["other"],"except":[],"flags":{}}}"#,
        ),
    ];
    let replayed: Vec<_> = after
        .iter()
        .filter_map(|fields| replayed_broadcast(fields, "/", &rooms).unwrap())
        .map(|b| {
            crate::socketio::encode_replayable_event(
                "/",
                &b.event,
                &b.args_json,
                0,
                "1796533677333-0",
            )
        })
        .collect();
    assert_eq!(
        replayed,
        vec![r#"2["missed",1,"1796533677333-0"]"#.to_string()]
    );
    // Volatile broadcasts are replayed too; a malformed one is an error.
    let volatile = entry(
        UID_A,
        "/",
        "3",
        r#"{"packet":{"type":2,"data":["v",1]},"opts":{"rooms":[],"except":[],"flags":{"volatile":true}}}"#,
    );
    assert!(
        replayed_broadcast(&volatile, "/", &rooms)
            .unwrap()
            .is_some()
    );
    assert!(replayed_broadcast(&entry(UID_A, "/", "3", "{"), "/", &rooms).is_err());
    assert!(
        replayed_broadcast(&entry(UID_A, "/", "03", "{"), "/", &rooms)
            .unwrap()
            .is_none()
    );
}

#[test]
fn encoded_entries_decode_to_what_was_encoded() {
    let args = r#"[{"z":1,"a":[{"_placeholder":true,"num":1}]},"é",{"_placeholder":true,"num":0},-1.5e300]"#;
    let attachments = vec![Bytes::from_static(b"\x00\x01"), Bytes::from_static(b"")];
    let sel = to(&["a", "b"], &["c"]);
    let fields =
        owned(encode_broadcast_entry("me", "/nsp", "evt", args, &attachments, &sel).unwrap());
    let m = decode_entry(&fields).unwrap();
    assert_eq!((m.uid.as_str(), m.nsp.as_str()), ("me", "/nsp"));
    let Body::Broadcast {
        broadcast,
        volatile: false,
    } = m.body
    else {
        panic!()
    };
    assert_eq!(broadcast.event, "evt");
    assert_eq!(broadcast.to, sel);
    // Placeholders are renumbered in document order.
    assert_eq!(
        broadcast.args_json,
        r#"[{"z":1,"a":[{"_placeholder":true,"num":0}]},"é",{"_placeholder":true,"num":1},-1.5e+300]"#
    );
    assert_eq!(
        broadcast.attachments,
        vec![Bytes::from_static(b""), Bytes::from_static(b"\x00\x01")]
    );
}

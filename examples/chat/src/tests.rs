use sio_guest::testing::{Harness, HostCall, conn_info};
use sio_guest::{ConnInfo, Target};

use super::*;

fn emit(to: Target, event: &str, args: &str) -> HostCall {
    emit_binary(to, event, args, vec![])
}

fn emit_binary(to: Target, event: &str, args: &str, attachments: Vec<Vec<u8>>) -> HostCall {
    HostCall::Emit {
        to,
        event: event.into(),
        args: args.into(),
        attachments,
    }
}

fn ack(conn: ConnId, ack_id: u64, args: &str) -> HostCall {
    HostCall::Ack {
        conn,
        ack_id,
        args: args.into(),
        attachments: vec![],
    }
}

const OK: &str = r#"[{"ok":true}]"#;

fn error(message: &str) -> String {
    format!(r#"[{{"ok":false,"error":"{message}"}}]"#)
}

/// Host calls but the logs.
fn calls(h: &Harness<Chat>) -> Vec<HostCall> {
    h.take_calls()
        .into_iter()
        .filter(|call| !matches!(call, HostCall::Log { .. }))
        .collect()
}

fn with_auth(id: ConnId, auth: &str) -> ConnInfo {
    ConnInfo {
        auth: Some(auth.into()),
        ..conn_info(id)
    }
}

fn chat_with(conns: &[ConnId]) -> Harness<Chat> {
    let mut h = Harness::<Chat>::new();
    for &conn in conns {
        h.connect(conn_info(conn)).unwrap();
    }
    h
}

#[test]
fn bad_token_is_refused_others_accepted() {
    let mut h = Harness::<Chat>::new();
    assert_eq!(
        h.connect(with_auth(1, r#"{"token":"bad"}"#)),
        Err("not authorized".into())
    );
    h.connect(with_auth(2, r#"{"token":"good"}"#)).unwrap();
    h.connect(with_auth(3, r#""bad""#)).unwrap();
    h.connect(with_auth(4, "[1]")).unwrap();
    h.connect(conn_info(5)).unwrap();
    assert_eq!(calls(&h), vec![]);
}

#[test]
fn auth_presets_the_nick() {
    let mut h = Harness::<Chat>::new();
    h.connect(with_auth(1, r#"{"nick":" alice "}"#)).unwrap();
    h.event(1, "say", r#"["hi"]"#, Some(1));
    assert_eq!(
        calls(&h),
        vec![
            emit(Target::All, "said", r#"[{"nick":"alice","text":"hi"}]"#),
            ack(1, 1, OK),
        ]
    );
    // Taken: accepted, but without a nickname.
    h.connect(with_auth(2, r#"{"nick":"alice"}"#)).unwrap();
    h.event(2, "say", r#"["hi"]"#, Some(1));
    assert_eq!(calls(&h), vec![ack(2, 1, &error("pick a nickname first"))]);
}

#[test]
fn nick_validation() {
    let mut h = chat_with(&[1, 2]);
    h.event(1, "nick", r#"["  alice "]"#, Some(10));
    assert_eq!(
        calls(&h),
        vec![
            ack(1, 10, OK),
            emit(Target::All, "joined", r#"[{"nick":"alice"}]"#),
        ]
    );
    h.event(2, "nick", r#"["alice"]"#, Some(11));
    h.event(2, "nick", r#"["   "]"#, Some(12));
    h.event(2, "nick", &format!(r#"["{}"]"#, "é".repeat(33)), Some(13));
    h.event(2, "nick", r#"[42]"#, Some(14));
    h.event(2, "nick", r#"[]"#, Some(15));
    assert_eq!(
        calls(&h),
        vec![
            ack(2, 11, &error("nickname is taken")),
            ack(2, 12, &error("nickname must not be empty")),
            ack(2, 13, &error("nickname must be at most 32 characters")),
            ack(2, 14, &error("nickname must be a string")),
            ack(2, 15, &error("nickname must be a string")),
        ]
    );
    // 32 characters is fine; so is taking one's own name again.
    let max = "é".repeat(32);
    h.event(2, "nick", &format!(r#"["{max}"]"#), Some(16));
    h.event(1, "nick", r#"["alice"]"#, None);
    assert_eq!(
        calls(&h),
        vec![
            ack(2, 16, OK),
            emit(Target::All, "joined", &format!(r#"[{{"nick":"{max}"}}]"#)),
            emit(Target::All, "joined", r#"[{"nick":"alice"}]"#),
        ]
    );
}

#[test]
fn renaming_frees_the_old_nick() {
    let mut h = chat_with(&[1, 2]);
    h.event(1, "nick", r#"["a"]"#, None);
    h.event(1, "nick", r#"["b"]"#, None);
    h.take_calls();
    h.event(2, "nick", r#"["a"]"#, Some(1));
    assert_eq!(calls(&h)[0], ack(2, 1, OK));
}

#[test]
fn say_needs_a_nick() {
    let mut h = chat_with(&[1]);
    h.event(1, "say", r#"["hello"]"#, Some(3));
    h.event(1, "say", r#"["hello"]"#, None);
    assert_eq!(calls(&h), vec![ack(1, 3, &error("pick a nickname first"))]);
}

#[test]
fn say_to_all_and_to_a_room() {
    let mut h = chat_with(&[1]);
    h.event(1, "nick", r#"["bob"]"#, None);
    h.take_calls();
    h.event(1, "say", r#"["hello \"you\""]"#, Some(1));
    h.event(1, "say", r#"["in room", "r1"]"#, Some(2));
    h.event(1, "say", r#"["no ack", null]"#, None);
    h.event(1, "say", r#"["bad room", 5]"#, Some(3));
    h.event(1, "say", r#"[{"not":"text"}]"#, Some(4));
    h.event(1, "say", r#"["empty room", ""]"#, Some(5));
    assert_eq!(
        calls(&h),
        vec![
            emit(
                Target::All,
                "said",
                r#"[{"nick":"bob","text":"hello \"you\""}]"#
            ),
            ack(1, 1, OK),
            emit(
                Target::Room("r1".into()),
                "said",
                r#"[{"nick":"bob","text":"in room"}]"#
            ),
            ack(1, 2, OK),
            emit(Target::All, "said", r#"[{"nick":"bob","text":"no ack"}]"#),
            ack(1, 3, &error("room must be a string")),
            ack(1, 4, &error("text must be a string")),
            ack(1, 5, &error("invalid-name")),
        ]
    );
}

#[test]
fn join_and_leave() {
    let mut h = chat_with(&[1]);
    h.event(1, "join", r#"["r1"]"#, Some(1));
    h.event(1, "leave", r#"["r1"]"#, Some(2));
    h.event(1, "join", r#"["r2"]"#, None);
    h.event(1, "join", r#"[7]"#, Some(3));
    assert_eq!(
        calls(&h),
        vec![
            HostCall::Join {
                conn: 1,
                room: "r1".into()
            },
            ack(1, 1, OK),
            HostCall::Leave {
                conn: 1,
                room: "r1".into()
            },
            ack(1, 2, OK),
            HostCall::Join {
                conn: 1,
                room: "r2".into()
            },
            ack(1, 3, &error("room must be a string")),
        ]
    );
}

#[test]
fn file_goes_to_everyone_else_with_its_bytes() {
    let mut h = chat_with(&[1, 2]);
    h.event(1, "nick", r#"["carol"]"#, None);
    h.take_calls();
    let bytes = vec![vec![0xde, 0xad, 0xbe, 0xef]];
    h.event_binary(
        1,
        "file",
        r#"["a.png", {"_placeholder":true,"num":0}]"#,
        bytes.clone(),
        None,
    );
    h.event_binary(
        2,
        "file",
        r#"["b.txt",{"_placeholder":true,"num":0}]"#,
        bytes.clone(),
        None,
    );
    h.event(1, "file", r#"["c.txt", "not binary"]"#, Some(9));
    assert_eq!(
        calls(&h),
        vec![
            emit_binary(
                Target::AllExcept(1),
                "file",
                r#"[{"nick":"carol","name":"a.png"},{"_placeholder":true,"num":0}]"#,
                bytes.clone(),
            ),
            emit_binary(
                Target::AllExcept(2),
                "file",
                r#"[{"nick":"anonymous","name":"b.txt"},{"_placeholder":true,"num":0}]"#,
                bytes,
            ),
            ack(1, 9, &error("file data must be binary")),
        ]
    );
}

#[test]
fn ping_me_round_trip() {
    let mut h = chat_with(&[1, 2]);
    h.event(1, "ping-me", "[]", None);
    let token = match &calls(&h)[..] {
        [
            HostCall::EmitWithAck {
                conn: 1,
                event,
                args,
                attachments,
                timeout_ms: 5000,
                token,
            },
        ] if event == "ping" && args == "[]" && attachments.is_empty() => *token,
        other => panic!("{other:?}"),
    };
    h.ack(1, token, Some(r#"["pong", {"n": 1}]"#), vec![vec![7]]);
    assert_eq!(
        calls(&h),
        vec![emit_binary(
            Target::Conn(1),
            "pong-received",
            r#"["pong", {"n": 1}]"#,
            vec![vec![7]],
        )]
    );
    // The token is used up; unknown tokens and timeouts emit nothing.
    h.ack(1, token, Some("[]"), vec![]);
    h.ack(1, 999, Some("[]"), vec![]);
    h.event(2, "ping-me", "[]", Some(4));
    let calls2 = calls(&h);
    assert_eq!(calls2.len(), 2);
    assert_eq!(calls2[1], ack(2, 4, OK));
    let HostCall::EmitWithAck { token, .. } = calls2[0] else {
        panic!()
    };
    h.ack(2, token, None, vec![]);
    assert_eq!(calls(&h), vec![]);
}

#[test]
fn disconnect_announces_named_connections() {
    let mut h = chat_with(&[1, 2]);
    h.event(1, "nick", r#"["dave"]"#, None);
    h.event(2, "ping-me", "[]", None);
    h.take_calls();
    h.disconnect(1, "transport close");
    h.disconnect(2, "client namespace disconnect");
    assert_eq!(
        calls(&h),
        vec![emit(Target::All, "left", r#"[{"nick":"dave"}]"#)]
    );
    assert!(h.handler().pings.is_empty());
    // The nickname is free again.
    h.connect(conn_info(3)).unwrap();
    h.event(3, "nick", r#"["dave"]"#, Some(1));
    assert_eq!(calls(&h)[0], ack(3, 1, OK));
}

#[test]
fn plain_messages_are_said() {
    let mut h = chat_with(&[1, 2]);
    h.event(1, "nick", r#"["erin"]"#, None);
    h.take_calls();
    h.message(1, "hi all");
    h.message(2, "who am i");
    assert_eq!(
        calls(&h),
        vec![
            emit(Target::All, "said", r#"[{"nick":"erin","text":"hi all"}]"#),
            emit(
                Target::All,
                "said",
                r#"[{"nick":"anonymous","text":"who am i"}]"#
            ),
        ]
    );
}

#[test]
fn unknown_events() {
    let mut h = chat_with(&[1]);
    h.event(1, "nope", "[]", Some(1));
    h.event(1, "nope", "[]", None);
    assert_eq!(calls(&h), vec![ack(1, 1, &error("unknown event"))]);
}

#[test]
fn a_recovered_connection_keeps_its_state_and_is_not_announced() {
    let mut h = Harness::<Chat>::new();
    let auth = r#"{"nick":"ann","id":"browser-a"}"#;
    h.connect(with_auth(1, auth)).unwrap();
    h.connect(conn_info(2)).unwrap();
    // Renamed since its CONNECT, which still presets "ann".
    h.event(1, "nick", r#"["anna"]"#, None);
    h.take_calls();
    // Back with the same CONNECT auth: nothing is announced, nothing reset,
    // and not even a bad token is checked again.
    h.recover(with_auth(1, auth)).unwrap();
    h.recover(with_auth(1, r#"{"token":"bad","nick":"zed"}"#))
        .unwrap();
    assert_eq!(calls(&h), vec![]);
    assert_eq!(h.handler().nicks.get(&1).map(String::as_str), Some("anna"));
    assert_eq!(
        h.handler().owners.get(&1).map(String::as_str),
        Some("id:browser-a")
    );
    h.event(1, "say", r#"["back"]"#, None);
    assert_eq!(
        calls(&h),
        vec![emit(
            Target::All,
            "said",
            r#"[{"nick":"anna","text":"back"}]"#
        )]
    );
    // "ann" is still free for someone else, "anna" still taken.
    h.event(2, "nick", r#"["anna"]"#, Some(1));
    h.event(2, "nick", r#"["ann"]"#, Some(2));
    assert_eq!(
        calls(&h),
        vec![
            ack(2, 1, &error("nickname is taken")),
            ack(2, 2, OK),
            emit(Target::All, "joined", r#"[{"nick":"ann"}]"#),
        ]
    );
}

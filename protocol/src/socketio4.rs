//! Socket.IO protocol v4 codec (socket.io-client 2.x, over Engine.IO 3),
//! decoding into the same [`Message`] model as the v5 codec.
//!
//! The packet syntax is v5's (`<type>[<n>-][<nsp>,][<id>][<JSON>]`), and so
//! are events, acks and disconnects, in both directions: those use the v5
//! functions. What differs:
//!
//! - a client's namespace may carry a query, `40/admin?token=abc,`: the
//!   namespace is the part before `?` (for every packet type, as socket.io
//!   4.x with `allowEIO3` reads it), and a CONNECT's query is its auth,
//!   `{"token":"abc"}` (values are strings, a repeated key an array of them);
//!   a CONNECT's JSON payload, if any, is ignored;
//! - the server's CONNECT carries no payload: `40`, `40/admin,` (the 2.x
//!   client takes a payload that is not an array as a parse error);
//! - a CONNECT_ERROR's payload is the message as a JSON string,
//!   `44/admin,"Invalid namespace"`, as socket.io 2.x servers send it.
//!
//! The server connects a v4 client to `/` by itself right after the
//! Engine.IO handshake; that is the session's business, not the codec's.

use super::socketio::{self, DecodeError, Message, PacketType, header};
use super::{push_json_string, query_to_json};

/// Decode one Socket.IO v4 packet (the text of an Engine.IO message): v5's
/// rules (see [`socketio::decode`]), then the namespace's query is split off
/// and, for a CONNECT, becomes its auth.
pub fn decode(text: &str) -> Result<Message, DecodeError> {
    Ok(match socketio::decode(text)? {
        Message::Connect { nsp, .. } => {
            let (nsp, query) = split_query(&nsp);
            Message::Connect {
                nsp: nsp.to_owned(),
                auth: query.map(query_to_json),
            }
        }
        Message::Disconnect { nsp } => Message::Disconnect {
            nsp: split_query(&nsp).0.to_owned(),
        },
        Message::Event {
            nsp,
            name,
            args,
            attachments,
            ack,
        } => Message::Event {
            nsp: split_query(&nsp).0.to_owned(),
            name,
            args,
            attachments,
            ack,
        },
        Message::Ack {
            nsp,
            id,
            args,
            attachments,
        } => Message::Ack {
            nsp: split_query(&nsp).0.to_owned(),
            id,
            args,
            attachments,
        },
    })
}

/// `/admin?token=abc` → (`/admin`, Some(`token=abc`)); a `#fragment` is
/// dropped, as URL parsing drops it.
pub fn split_query(nsp: &str) -> (&str, Option<&str>) {
    let (path, query) = match nsp.find(['?', '#']) {
        Some(i) if nsp[i..].starts_with('?') => (&nsp[..i], Some(&nsp[i + 1..])),
        Some(i) => (&nsp[..i], None),
        None => (nsp, None),
    };
    let query = query.map(|q| q.split_once('#').map_or(q, |(q, _)| q));
    (path, query)
}

/// The server's answer to a CONNECT: `0` / `0/admin,`.
pub fn encode_connect(nsp: &str) -> String {
    header(PacketType::Connect, 0, nsp, None)
}

/// A refused CONNECT: `4"Invalid namespace"` / `4/admin,"not authorized"`.
pub fn encode_connect_error(nsp: &str, message: &str) -> String {
    let mut out = header(PacketType::ConnectError, 0, nsp, None);
    push_json_string(&mut out, message);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connect(nsp: &str, auth: Option<&str>) -> Message {
        Message::Connect {
            nsp: nsp.into(),
            auth: auth.map(Into::into),
        }
    }

    #[test]
    fn connect_query_is_auth() {
        assert_eq!(decode("0"), Ok(connect("/", None)));
        assert_eq!(decode("0/custom,"), Ok(connect("/custom", None)));
        assert_eq!(decode("0/custom"), Ok(connect("/custom", None)));
        assert_eq!(
            decode("0/admin?token=abc,"),
            Ok(connect("/admin", Some(r#"{"token":"abc"}"#)))
        );
        assert_eq!(
            decode("0/admin?token=abc"),
            Ok(connect("/admin", Some(r#"{"token":"abc"}"#)))
        );
        assert_eq!(decode("0/admin?,"), Ok(connect("/admin", Some("{}"))));
        // A JSON payload is not v4's way to authenticate: ignored.
        assert_eq!(
            decode(r#"0/admin,{"token":"x"}"#),
            Ok(connect("/admin", None))
        );
        assert_eq!(
            decode(r#"0/admin?a=1,{"token":"x"}"#),
            Ok(connect("/admin", Some(r#"{"a":"1"}"#)))
        );
    }

    #[test]
    fn other_packets_drop_the_query() {
        assert_eq!(
            decode(r#"2/admin?x=1,["a",1]"#),
            Ok(Message::Event {
                nsp: "/admin".into(),
                name: "a".into(),
                args: "[1]".into(),
                attachments: 0,
                ack: None,
            })
        );
        assert_eq!(
            decode("1/admin?x=1,"),
            Ok(Message::Disconnect {
                nsp: "/admin".into()
            })
        );
        assert_eq!(
            decode("3/admin?x,7[]"),
            Ok(Message::Ack {
                nsp: "/admin".into(),
                id: 7,
                args: "[]".into(),
                attachments: 0,
            })
        );
        assert_eq!(
            decode(r#"51-12["up",{"_placeholder":true,"num":0}]"#),
            Ok(Message::Event {
                nsp: "/".into(),
                name: "up".into(),
                args: r#"[{"_placeholder":true,"num":0}]"#.into(),
                attachments: 1,
                ack: Some(12),
            })
        );
    }

    #[test]
    fn decode_errors_are_v5s() {
        assert_eq!(decode("abc"), Err(DecodeError::UnknownType('a')));
        assert_eq!(decode("2{}"), socketio::decode("2{}"));
        assert_eq!(decode(r#"4"x""#), Err(DecodeError::ConnectErrorFromClient));
        assert_eq!(
            decode(r#"2abc["message-with-ack"]"#),
            Err(DecodeError::InvalidJson)
        );
    }

    #[test]
    fn split_queries() {
        assert_eq!(split_query("/"), ("/", None));
        assert_eq!(split_query("/a?b=c"), ("/a", Some("b=c")));
        assert_eq!(split_query("/a?"), ("/a", Some("")));
        assert_eq!(split_query("/a?b=c#d"), ("/a", Some("b=c")));
        assert_eq!(split_query("/a#d?e"), ("/a", None));
        assert_eq!(split_query("/a?b?c"), ("/a", Some("b?c")));
    }

    #[test]
    fn query_objects() {
        assert_eq!(query_to_json(""), "{}");
        assert_eq!(query_to_json("token=abc"), r#"{"token":"abc"}"#);
        assert_eq!(query_to_json("b=2&a=1"), r#"{"b":"2","a":"1"}"#);
        assert_eq!(query_to_json("a=1&b&a=2"), r#"{"a":["1","2"],"b":""}"#);
        assert_eq!(
            query_to_json("n=x+y%21&q=%22%5C"),
            r#"{"n":"x y!","q":"\"\\"}"#
        );
        assert_eq!(query_to_json("%E4%B8%AD=%F0%9F%98%80"), r#"{"中":"😀"}"#);
        let v: serde_json::Value = serde_json::from_str(&query_to_json("a=%FF&b=1")).unwrap();
        assert_eq!(v["b"], "1");
    }

    #[test]
    fn encoders() {
        assert_eq!(encode_connect("/"), "0");
        assert_eq!(encode_connect(""), "0");
        assert_eq!(encode_connect("/admin"), "0/admin,");
        assert_eq!(
            encode_connect_error("/", "Invalid namespace"),
            r#"4"Invalid namespace""#
        );
        assert_eq!(
            encode_connect_error("/random", "Invalid namespace"),
            r#"4/random,"Invalid namespace""#
        );
        assert_eq!(
            encode_connect_error("/a", "say \"no\""),
            r#"4/a,"say \"no\"""#
        );
    }

    #[test]
    fn server_packets_decode_as_the_2x_client_reads_them() {
        // The 2.x client's parser (socket.io-parser 3.x) takes any JSON for an
        // ERROR packet and none for a CONNECT.
        let error = encode_connect_error("/admin", "not authorized");
        let frame = socketio::split_frame(&error, 10).unwrap();
        assert_eq!(frame.nsp, "/admin");
        assert_eq!(
            serde_json::from_str::<String>(frame.data.unwrap()).unwrap(),
            "not authorized"
        );
        let connect = encode_connect("/admin");
        let frame = socketio::split_frame(&connect, 10).unwrap();
        assert_eq!((frame.nsp, frame.data), ("/admin", None));
    }
}

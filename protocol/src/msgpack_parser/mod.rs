//! socket.io-msgpack-parser 3.x (npm, with notepack.io 2.2), the Socket.IO
//! parser that writes each packet as one msgpack map: transcoded at the edge
//! to and from the one model, so handlers cannot tell its clients from the
//! JSON parser's.
//!
//! Owns: decoding a msgpack client's packet (one Engine.IO binary message)
//! into the [`Message`] the JSON parser's packets decode into, its binary
//! values taken out as attachments; and encoding the server's Socket.IO
//! packet text and attachments as that client's packet.
//!
//! On the wire a packet is the map `{type, nsp, data, id}`: `type` 0-4
//! (CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR: there are no binary
//! types), `nsp` the namespace, `data` the payload with binary values
//! inline, `id` the ack id when there is one. Other keys (the client's
//! `options`) are skipped. Over a websocket it is a binary frame, over
//! polling a `b<base64>` message.
//!
//! What handlers see is the JSON text a JSON-parser client's packet would
//! have carried for the same values:
//! - `bin` (a Node `Buffer`, a browser `ArrayBuffer`) and notepack's
//!   ArrayBuffer extension (type 0 in `ext 8/16/32`: Node's `ArrayBuffer`
//!   and typed arrays) become attachments, each replaced where it stood by
//!   `{"_placeholder":true,"num":N}`, numbered in document order as
//!   socket.io-parser's `deconstructPacket` numbers them;
//! - notepack's `undefined` (type 0 in `fixext 1`) is what `JSON.stringify`
//!   makes of it: `null` in an array, its key left out in a map;
//! - a date (notepack's type 0 in `fixext 8`, milliseconds; or msgpack's
//!   timestamp, type -1) is its ISO 8601 text, as `Date.prototype.toJSON`;
//! - numbers are printed as JavaScript prints them, integers exactly.
//!
//! Refused, with the protocol's parse error: bytes that are not one msgpack
//! value or go on after it; nesting deeper than 128 (the JSON parser's
//! limit); strings that are not UTF-8; values JSON has no text for (map
//! keys that are not strings, NaN and the infinities, other extension
//! types); a packet map of the wrong shape (as the npm decoder's
//! `checkPacket`, and a namespace the JSON parser could not name: one not
//! starting with `/` or with a comma); and what the JSON parser refuses
//! too (reserved event
//! names, an ACK without an id, CONNECT_ERROR from a client, more
//! attachments than [`DecodeOptions::max_attachments`]).
//!
//! Outbound, the packet text of [`crate::socketio`]'s encoders is split
//! again ([`socketio::split_frame`]) and its JSON payload written as
//! msgpack (`redis_adapter::json_to_msgpack`, the one JSON-to-msgpack
//! conversion), placeholders of a binary packet replaced by their
//! attachments as `bin`.

use std::fmt::{self, Write as _};

use bytes::Bytes;
use rmpv::Value as Pack;

use crate::push_json_string;
use crate::redis_adapter::{self, Ordered};
use crate::socketio::{self, DecodeOptions, Message, PacketType};

/// How deep a packet's data may nest: serde_json's limit, which a JSON
/// parser's packet meets first.
const MAX_DEPTH: usize = 128;

/// JavaScript's dates reach 8.64e15 ms either side of 1970; past that
/// `toJSON` gives `null`.
const MAX_DATE_MS: i64 = 8_640_000_000_000_000;

/// Why a client's msgpack packet was refused. Any of these closes the
/// client, as a bad JSON-parser packet does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Not one well-formed msgpack value (truncated, the never-used marker
    /// `0xc1`, or bytes after it).
    Malformed(&'static str),
    /// Nested deeper than 128.
    TooDeep,
    /// A value JSON has no text for.
    NotJson(&'static str),
    /// Not a packet map of the parser's shape.
    Shape(&'static str),
    /// What the JSON parser's decoder refuses as well.
    Packet(socketio::DecodeError),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Malformed(why) => write!(f, "malformed msgpack: {why}"),
            DecodeError::TooDeep => write!(f, "msgpack nested deeper than {MAX_DEPTH}"),
            DecodeError::NotJson(what) => write!(f, "{what} has no JSON form"),
            DecodeError::Shape(why) => write!(f, "not a msgpack packet: {why}"),
            DecodeError::Packet(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Why the server's packet text could not be written as msgpack (a packet
/// the endpoints built, or a guest's placeholder naming no attachment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodeError(String);

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EncodeError {}

/// A client's packet, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The packet in the shared model; its `attachments` count is
    /// `attachments.len()`.
    pub message: Message,
    /// The packet's binary values, in placeholder order (slices of the
    /// received bytes, not copies).
    pub attachments: Vec<Bytes>,
}

const TRUNCATED: DecodeError = DecodeError::Malformed("truncated");
const TYPE_SHAPE: &str = "type must be an integer from 0 to 4";
const NSP_SHAPE: &str = "nsp must be a string starting with / and without a comma";
const INTEGER_SHAPE: &str = "type and id must be integers";
const CONNECT_SHAPE: &str = "CONNECT data must be a map without binary values";
const DISCONNECT_SHAPE: &str = "DISCONNECT takes no data";
const EVENT_SHAPE: &str = "EVENT data must be an array starting with the event name";
const ACK_SHAPE: &str = "ACK data must be an array";

/// Decode one packet a msgpack client sent (the bytes of one Engine.IO
/// binary message), with the JSON parser's limits.
pub fn decode(packet: &Bytes, options: &DecodeOptions) -> Result<Decoded, DecodeError> {
    let mut r = Reader {
        bytes: packet,
        pos: 0,
    };
    let Head::Map(entries) = r.head()? else {
        return Err(DecodeError::Shape("a packet is a map"));
    };
    let mut sink = Sink {
        attachments: Vec::new(),
        max: options.max_attachments,
    };
    let (mut kind, mut nsp, mut data, mut id) = (None, None, None, None);
    for _ in 0..entries {
        let key = match r.head()? {
            Head::Str(len) => r.str(len)?,
            _ => return Err(DecodeError::Shape("a packet's keys are strings")),
        };
        match key {
            "type" => once(&mut kind, r.integer()?)?,
            "nsp" => once(&mut nsp, r.string()?)?,
            "data" => once(&mut data, r.data(&mut sink)?)?,
            "id" => once(&mut id, r.integer()?)?,
            _ => r.skip(0)?,
        }
    }
    if r.pos != packet.len() {
        return Err(DecodeError::Malformed("bytes after the packet"));
    }
    let kind = match kind {
        Some(0) => PacketType::Connect,
        Some(1) => PacketType::Disconnect,
        Some(2) => PacketType::Event,
        Some(3) => PacketType::Ack,
        Some(4) => PacketType::ConnectError,
        _ => return Err(DecodeError::Shape(TYPE_SHAPE)),
    };
    let nsp = nsp.ok_or(DecodeError::Shape(NSP_SHAPE))?;
    // What a JSON parser's packet can name: the model's namespaces start
    // with `/` and end at a comma.
    if !nsp.starts_with('/') || nsp.contains(',') {
        return Err(DecodeError::Shape(NSP_SHAPE));
    }
    let nsp = nsp.to_owned();
    let id = id
        .map(u64::try_from)
        .transpose()
        .map_err(|_| DecodeError::Packet(socketio::DecodeError::InvalidAckId))?;
    let attachments = sink.attachments;
    let message = match kind {
        PacketType::Connect => {
            let auth = match data {
                None => None,
                Some(Data::Other(json)) if json.starts_with('{') && attachments.is_empty() => {
                    Some(json)
                }
                Some(_) => return Err(DecodeError::Shape(CONNECT_SHAPE)),
            };
            Message::Connect { nsp, auth }
        }
        PacketType::Disconnect => match data {
            None => Message::Disconnect { nsp },
            Some(_) => return Err(DecodeError::Shape(DISCONNECT_SHAPE)),
        },
        PacketType::Event | PacketType::BinaryEvent => {
            let Some(Data::Array { mut json, rest }) = data else {
                return Err(DecodeError::Shape(EVENT_SHAPE));
            };
            // `[name,a,b]`: the name's text ends before the comma at `rest`.
            let name_end = rest.map_or(json.len() - 1, |r| r - 1);
            let first = json.get(1..name_end).unwrap_or_default();
            if first.is_empty() {
                return Err(DecodeError::Shape(EVENT_SHAPE));
            }
            let name = socketio::event_name(first).map_err(DecodeError::Packet)?;
            let args = match rest {
                Some(rest) => {
                    json.replace_range(1..rest, "");
                    json
                }
                None => "[]".to_owned(),
            };
            Message::Event {
                nsp,
                name,
                args,
                attachments: attachments.len(),
                ack: id,
            }
        }
        PacketType::Ack | PacketType::BinaryAck => {
            let id = id.ok_or(DecodeError::Packet(socketio::DecodeError::MissingAckId))?;
            let args = match data {
                // As the JSON parser: an ACK without data has no arguments.
                None => "[]".to_owned(),
                Some(Data::Array { json, .. }) => json,
                Some(Data::Other(_)) => return Err(DecodeError::Shape(ACK_SHAPE)),
            };
            Message::Ack {
                nsp,
                id,
                args,
                attachments: attachments.len(),
            }
        }
        PacketType::ConnectError => {
            return Err(DecodeError::Packet(
                socketio::DecodeError::ConnectErrorFromClient,
            ));
        }
    };
    Ok(Decoded {
        message,
        attachments,
    })
}

/// Encode one packet of the server's (the text [`crate::socketio`]'s
/// encoders write, with its attachments) as a msgpack client reads it.
pub fn encode(packet: &str, attachments: &[Bytes]) -> Result<Bytes, EncodeError> {
    let frame = socketio::split_frame(packet, usize::MAX)
        .map_err(|e| EncodeError(format!("not a Socket.IO packet: {e}")))?;
    let kind = match frame.packet_type {
        PacketType::BinaryEvent => PacketType::Event,
        PacketType::BinaryAck => PacketType::Ack,
        other => other,
    };
    let mut map = Vec::with_capacity(4);
    map.push((Pack::from("type"), Pack::from(kind as u8)));
    if let Some(data) = frame.data {
        // Only a binary packet's placeholders stand for attachments (a JSON
        // client reads the others as plain objects too).
        let value = if frame.packet_type.is_binary() {
            redis_adapter::json_to_msgpack(data, attachments).map_err(|e| EncodeError(e.0))?
        } else {
            let Ordered(value) = serde_json::from_str(data)
                .map_err(|e| EncodeError(format!("payload is not JSON: {e}")))?;
            value
        };
        map.push((Pack::from("data"), value));
    }
    map.push((Pack::from("nsp"), Pack::from(frame.nsp)));
    if let Some(id) = frame.id {
        map.push((Pack::from("id"), Pack::from(id)));
    }
    redis_adapter::write(&Pack::Map(map))
        .map(Bytes::from)
        .map_err(|e| EncodeError(e.0))
}

/// Set a packet field seen for the first time.
fn once<T>(slot: &mut Option<T>, value: Option<T>) -> Result<(), DecodeError> {
    if slot.is_some() {
        return Err(DecodeError::Shape("a key appears twice"));
    }
    // `undefined` is no value, as for the npm decoder.
    *slot = value;
    Ok(())
}

/// A packet's `data`, as JSON text.
enum Data {
    /// An array, and where its second element starts (after the first's
    /// comma), if it has one.
    Array { json: String, rest: Option<usize> },
    /// Any other value.
    Other(String),
}

/// What a marker (and the length or value after it) says.
enum Head {
    Nil,
    Bool(bool),
    Uint(u64),
    Int(i64),
    Float(f64),
    Str(usize),
    Bin(usize),
    Array(usize),
    Map(usize),
    /// An extension: its type, data length, and whether it was a `fixext`
    /// (notepack tells `undefined` and dates from ArrayBuffers by that).
    Ext {
        kind: i8,
        len: usize,
        fixed: bool,
    },
}

/// Whether a value was written, or was `undefined` (nothing written).
#[derive(PartialEq, Eq)]
enum Written {
    Value,
    Undefined,
}

/// Where binary values go while a packet's data is written as JSON.
struct Sink {
    attachments: Vec<Bytes>,
    max: usize,
}

impl Sink {
    fn attach(&mut self, bytes: Bytes, out: &mut String) -> Result<(), DecodeError> {
        if self.attachments.len() >= self.max {
            return Err(DecodeError::Packet(
                socketio::DecodeError::TooManyAttachments { max: self.max },
            ));
        }
        let _ = write!(
            out,
            r#"{{"_placeholder":true,"num":{}}}"#,
            self.attachments.len()
        );
        self.attachments.push(bytes);
        Ok(())
    }
}

/// A cursor over one packet's bytes.
struct Reader<'a> {
    bytes: &'a Bytes,
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let bytes: &'a [u8] = self.bytes;
        let end = self.pos.checked_add(n).ok_or(TRUNCATED)?;
        let slice = bytes.get(self.pos..end).ok_or(TRUNCATED)?;
        self.pos = end;
        Ok(slice)
    }

    fn fixed<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.fixed::<1>()?[0])
    }

    /// A big-endian length of `width` bytes.
    fn len(&mut self, width: usize) -> Result<usize, DecodeError> {
        let n = match width {
            1 => u64::from(self.u8()?),
            2 => u64::from(u16::from_be_bytes(self.fixed()?)),
            _ => u64::from(u32::from_be_bytes(self.fixed()?)),
        };
        usize::try_from(n).map_err(|_| TRUNCATED)
    }

    /// The next `n` bytes, shared with the packet's buffer.
    fn shared(&mut self, n: usize) -> Result<Bytes, DecodeError> {
        let start = self.pos;
        self.take(n)?;
        Ok(self.bytes.slice(start..self.pos))
    }

    fn str(&mut self, len: usize) -> Result<&'a str, DecodeError> {
        std::str::from_utf8(self.take(len)?)
            .map_err(|_| DecodeError::NotJson("a string that is not UTF-8"))
    }

    fn ext(&mut self, len_width: usize) -> Result<Head, DecodeError> {
        let len = self.len(len_width)?;
        let kind = i8::from_be_bytes(self.fixed()?);
        Ok(Head::Ext {
            kind,
            len,
            fixed: false,
        })
    }

    fn fixext(&mut self, len: usize) -> Result<Head, DecodeError> {
        let kind = i8::from_be_bytes(self.fixed()?);
        Ok(Head::Ext {
            kind,
            len,
            fixed: true,
        })
    }

    /// Read a marker and what follows it up to the value's payload.
    fn head(&mut self) -> Result<Head, DecodeError> {
        let marker = self.u8()?;
        Ok(match marker {
            0x00..=0x7f => Head::Uint(u64::from(marker)),
            0x80..=0x8f => Head::Map(usize::from(marker & 0x0f)),
            0x90..=0x9f => Head::Array(usize::from(marker & 0x0f)),
            0xa0..=0xbf => Head::Str(usize::from(marker & 0x1f)),
            0xc0 => Head::Nil,
            0xc1 => return Err(DecodeError::Malformed("the marker 0xc1 is never used")),
            0xc2 => Head::Bool(false),
            0xc3 => Head::Bool(true),
            0xc4 => Head::Bin(self.len(1)?),
            0xc5 => Head::Bin(self.len(2)?),
            0xc6 => Head::Bin(self.len(4)?),
            0xc7 => self.ext(1)?,
            0xc8 => self.ext(2)?,
            0xc9 => self.ext(4)?,
            0xca => Head::Float(f64::from(f32::from_be_bytes(self.fixed()?))),
            0xcb => Head::Float(f64::from_be_bytes(self.fixed()?)),
            0xcc => Head::Uint(u64::from(self.u8()?)),
            0xcd => Head::Uint(u64::from(u16::from_be_bytes(self.fixed()?))),
            0xce => Head::Uint(u64::from(u32::from_be_bytes(self.fixed()?))),
            0xcf => Head::Uint(u64::from_be_bytes(self.fixed()?)),
            0xd0 => Head::Int(i64::from(i8::from_be_bytes(self.fixed()?))),
            0xd1 => Head::Int(i64::from(i16::from_be_bytes(self.fixed()?))),
            0xd2 => Head::Int(i64::from(i32::from_be_bytes(self.fixed()?))),
            0xd3 => Head::Int(i64::from_be_bytes(self.fixed()?)),
            0xd4 => self.fixext(1)?,
            0xd5 => self.fixext(2)?,
            0xd6 => self.fixext(4)?,
            0xd7 => self.fixext(8)?,
            0xd8 => self.fixext(16)?,
            0xd9 => Head::Str(self.len(1)?),
            0xda => Head::Str(self.len(2)?),
            0xdb => Head::Str(self.len(4)?),
            0xdc => Head::Array(self.len(2)?),
            0xdd => Head::Array(self.len(4)?),
            0xde => Head::Map(self.len(2)?),
            0xdf => Head::Map(self.len(4)?),
            0xe0..=0xff => Head::Int(i64::from(marker as i8)),
        })
    }

    /// An integer field (`type`, `id`): what JavaScript's
    /// `Number.isInteger` accepts (an integral float too); None for
    /// `undefined`.
    fn integer(&mut self) -> Result<Option<i128>, DecodeError> {
        let bad = DecodeError::Shape(INTEGER_SHAPE);
        match self.head()? {
            Head::Uint(n) => Ok(Some(i128::from(n))),
            Head::Int(n) => Ok(Some(i128::from(n))),
            // Beyond 2^64 it cannot be an ack id or a type anyway.
            Head::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 2f64.powi(64) => {
                Ok(Some(f as i128))
            }
            Head::Ext {
                kind: 0,
                len: 1,
                fixed: true,
            } => {
                self.take(1)?;
                Ok(None)
            }
            _ => Err(bad),
        }
    }

    /// The `nsp` field; None for `undefined`.
    fn string(&mut self) -> Result<Option<&'a str>, DecodeError> {
        match self.head()? {
            Head::Str(len) => self.str(len).map(Some),
            Head::Ext {
                kind: 0,
                len: 1,
                fixed: true,
            } => {
                self.take(1)?;
                Ok(None)
            }
            _ => Err(DecodeError::Shape(NSP_SHAPE)),
        }
    }

    /// The `data` field as JSON text; None for `undefined`.
    fn data(&mut self, sink: &mut Sink) -> Result<Option<Data>, DecodeError> {
        let mut json = String::new();
        match self.head()? {
            Head::Array(len) => {
                let mut rest = None;
                json.push('[');
                for i in 0..len {
                    if i > 0 {
                        json.push(',');
                        if i == 1 {
                            rest = Some(json.len());
                        }
                    }
                    self.element(&mut json, sink, 1)?;
                }
                json.push(']');
                Ok(Some(Data::Array { json, rest }))
            }
            head => match self.value_of(head, &mut json, sink, 0)? {
                Written::Value => Ok(Some(Data::Other(json))),
                Written::Undefined => Ok(None),
            },
        }
    }

    /// An array element: `undefined` is `null` there.
    fn element(
        &mut self,
        out: &mut String,
        sink: &mut Sink,
        depth: usize,
    ) -> Result<(), DecodeError> {
        let head = self.head()?;
        if self.value_of(head, out, sink, depth)? == Written::Undefined {
            out.push_str("null");
        }
        Ok(())
    }

    /// Write the value `head` starts as JSON text (`depth`: containers
    /// around it).
    fn value_of(
        &mut self,
        head: Head,
        out: &mut String,
        sink: &mut Sink,
        depth: usize,
    ) -> Result<Written, DecodeError> {
        match head {
            Head::Nil => out.push_str("null"),
            Head::Bool(b) => out.push_str(if b { "true" } else { "false" }),
            Head::Uint(n) => {
                let _ = write!(out, "{n}");
            }
            Head::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Head::Float(f) if f.is_finite() => out.push_str(&socketio::js_number_to_string(f)),
            Head::Float(_) => return Err(DecodeError::NotJson("NaN or an infinity")),
            Head::Str(len) => push_json_string(out, self.str(len)?),
            Head::Bin(len) => sink.attach(self.shared(len)?, out)?,
            Head::Array(len) => {
                if depth >= MAX_DEPTH {
                    return Err(DecodeError::TooDeep);
                }
                out.push('[');
                for i in 0..len {
                    if i > 0 {
                        out.push(',');
                    }
                    self.element(out, sink, depth + 1)?;
                }
                out.push(']');
            }
            Head::Map(len) => {
                if depth >= MAX_DEPTH {
                    return Err(DecodeError::TooDeep);
                }
                out.push('{');
                let mut empty = true;
                for _ in 0..len {
                    let before = out.len();
                    if !empty {
                        out.push(',');
                    }
                    let key = match self.head()? {
                        Head::Str(len) => self.str(len)?,
                        _ => return Err(DecodeError::NotJson("a map key that is not a string")),
                    };
                    push_json_string(out, key);
                    out.push(':');
                    let head = self.head()?;
                    match self.value_of(head, out, sink, depth + 1)? {
                        Written::Value => empty = false,
                        // `JSON.stringify` leaves out an undefined member.
                        Written::Undefined => out.truncate(before),
                    }
                }
                out.push('}');
            }
            Head::Ext { kind, len, fixed } => return self.extension(kind, len, fixed, out, sink),
        }
        Ok(Written::Value)
    }

    /// notepack's extensions (and msgpack's timestamp) as JSON; others
    /// are refused.
    fn extension(
        &mut self,
        kind: i8,
        len: usize,
        fixed: bool,
        out: &mut String,
        sink: &mut Sink,
    ) -> Result<Written, DecodeError> {
        match (kind, len, fixed) {
            (0, 1, true) => {
                self.take(1)?;
                return Ok(Written::Undefined);
            }
            (0, 8, true) => {
                let hi = i32::from_be_bytes(self.fixed()?);
                let lo = u32::from_be_bytes(self.fixed()?);
                push_date(out, i64::from(hi) * (1 << 32) + i64::from(lo));
            }
            (0, _, false) => sink.attach(self.shared(len)?, out)?,
            (-1, _, _) => {
                let (secs, nanos) = redis_adapter::timestamp(self.take(len)?)
                    .ok_or(DecodeError::Malformed("a timestamp of the wrong length"))?;
                match secs.checked_mul(1000) {
                    Some(ms) => push_date(out, ms.saturating_add(i64::from(nanos / 1_000_000))),
                    None => out.push_str("null"),
                }
            }
            _ => {
                return Err(DecodeError::NotJson(
                    "an extension type other than notepack's",
                ));
            }
        }
        Ok(Written::Value)
    }

    /// Step over a value that is not the packet's (its `options`), checking
    /// it is well-formed.
    fn skip(&mut self, depth: usize) -> Result<(), DecodeError> {
        match self.head()? {
            Head::Str(len) | Head::Bin(len) | Head::Ext { len, .. } => {
                self.take(len)?;
            }
            Head::Array(len) | Head::Map(len) if depth >= MAX_DEPTH && len > 0 => {
                return Err(DecodeError::TooDeep);
            }
            Head::Array(len) => {
                for _ in 0..len {
                    self.skip(depth + 1)?;
                }
            }
            Head::Map(len) => {
                for _ in 0..len {
                    self.skip(depth + 1)?;
                    self.skip(depth + 1)?;
                }
            }
            Head::Nil | Head::Bool(_) | Head::Uint(_) | Head::Int(_) | Head::Float(_) => {}
        }
        Ok(())
    }
}

/// A date as `Date.prototype.toJSON` prints it: ISO 8601 with
/// milliseconds, a year outside 0-9999 with a sign and six digits; `null`
/// out of JavaScript's range.
fn push_date(out: &mut String, ms: i64) {
    if !(-MAX_DATE_MS..=MAX_DATE_MS).contains(&ms) {
        out.push_str("null");
        return;
    }
    let iso = redis_adapter::iso_8601(
        ms.div_euclid(1000),
        (ms.rem_euclid(1000) * 1_000_000) as u32,
    );
    // iso_8601 writes the year as `{:04}` (signed when negative).
    let split = iso.get(1..).and_then(|s| s.find('-')).map_or(0, |i| i + 1);
    let (year, rest) = iso.split_at(split);
    out.push('"');
    match year.parse::<i64>() {
        Ok(y) if (0..=9999).contains(&y) => out.push_str(year),
        Ok(y) => {
            let _ = write!(
                out,
                "{}{:06}",
                if y < 0 { '-' } else { '+' },
                y.unsigned_abs()
            );
        }
        Err(_) => out.push_str(year),
    }
    out.push_str(rest);
    out.push('"');
}

#[cfg(test)]
mod tests;

//! How the Nexus v3 stand-in reads the parts of spec/protocols.md §2 marked **[inferred]**,
//! **[unknown]** or **[conflict]**: one [`Variant`] per stand-in (world-level), set with
//! `POST /control/nexus/variant` (JSON, knobs left out take their defaults; `GET` shows the
//! one in force; `POST /control/reset` goes back to the defaults), with
//! [`crate::Running::set_nexus_variant`], or with `standin --nexus-variant JSON`. The
//! defaults are the choices of the oracle's stand-in (`tests/conformance/kit/backends/
//! nexus.mjs`); every other value is a reading a real server could make as well, so a
//! client that is right must work with each of them. The knobs are independent:
//!
//! - `cursor` — what a plain poll (no `index`, no `count`) returns. §2.7 infers a cursor
//!   per transport (the JWT's `transportId`) because the request carries none.
//!   `per_transport` (default): what this transport was not given yet. `shared`: one
//!   cursor per session, moved by every transport of it (the token could as well name the
//!   session only; two tabs or an async re-attach then take messages from each other).
//!   `none`: no cursor at all, every plain poll returns the newest [`NO_CURSOR_PAGE`]
//!   messages (the whole transcript of a short chat; a stateless server that leaves the
//!   de-duplication by index, which the widget does, to the client).
//! - `index_from` — `index=i` without `count` (the widget's resumed poll, §2.3).
//!   `inclusive` (default): from the message `i` on. `exclusive`: the messages after `i`
//!   (a resume point read as "the last one I have").
//! - `index_type` — how `index` is written (§2.6: "string-like", the widget removes one
//!   `-` and compares numerically). `string` (default): `"3"`. `number`: `3`. `dashed`:
//!   `"0-3"`, the shape of a Redis stream id (`<ms>-<seq>`, here with a zero first part),
//!   which is what the widget's removal of one `-` suggests; without the dash it reads
//!   `03`, still in numeric order. This server reads back only what it writes: a
//!   `dashed` server answers an `index` that is not `0-<n>` with 400 `INVALID_INDEX`
//!   (the others, as before, take an unreadable `index` as none).
//! - `index_base` — the first message's number: `1` (default, as GMS) or `0`.
//! - `codes` — `status.code` of an error answer (§2.9 is a **[conflict]**: the i18n keys
//!   are strings, the Third-Party Messaging API on the same base uses integers).
//!   `string` (default): `"INVALID_SESSION"`, ... `integer`: the answer's HTTP status
//!   (`404`, `401`, `400`, ...); a lost session is still a 404, which the widget reads as
//!   lost whatever the code.
//! - `token_alphabet` — the JWT segments' base64 (§2.5: undocumented; `atob` takes the
//!   standard alphabet with or without padding). `standard` (default, no padding),
//!   `standard_padded` (with `=`), `url` (base64url: `-` and `_`, no padding, as RFC 7515
//!   writes JWTs). In the last two the payload gets a `jti` claim (and a space, when
//!   needed) so that the encoding really shows a `=` or a `-`/`_`.
//! - `history` — `index=i&count=n` (a history page, async mode). §2.7 infers the `n`
//!   ending at `i`, `i` included (`ending_at_inclusive`, default) from the widget's "one
//!   message equal to the index means nothing older". `before_exclusive`: the `n` before
//!   `i` (the page a client that already shows `i` wants; the oldest page is then empty).
//!   `ignores_index`: the newest `n`, as `count=n` alone (a server without paging).
//! - `ended_on_leave_poll` — what the session answers after the visitor's own `DELETE
//!   …/participants/{id}` (a late poll, a second tab). `chat_ended` (default): 200 with
//!   `chatEnded: true` and the transcript as before. `invalid_session`: the visitor is
//!   gone from the session, so every later call is 404 `INVALID_SESSION`, as for a
//!   forgotten session.
//!
//! Not a knob: the visitor's `Text` is always echoed into the transcript (the shipped UI
//! shows the visitor's messages from it, so a server that did not would break the shipped
//! widget itself).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::ops::Range;

/// Messages a plain poll returns when the server keeps no cursor (`cursor: none`).
pub const NO_CURSOR_PAGE: usize = 100;

/// The stand-in's reading of the inferred parts of the Nexus v3 protocol (module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Variant {
    pub cursor: Cursor,
    pub index_from: IndexFrom,
    pub index_type: IndexType,
    pub index_base: IndexBase,
    pub codes: Codes,
    pub token_alphabet: TokenAlphabet,
    pub history: History,
    pub ended_on_leave_poll: AfterLeave,
}

/// What a plain poll returns: see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cursor {
    #[default]
    PerTransport,
    Shared,
    None,
}

/// Whether `index=i` (without `count`) starts at `i` or after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexFrom {
    #[default]
    Inclusive,
    Exclusive,
}

/// How a message's `index` is written: `"3"`, `3` or `"0-3"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexType {
    #[default]
    String,
    Number,
    Dashed,
}

/// The first message's number: written `1` or `0` in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum IndexBase {
    #[default]
    One,
    Zero,
}

impl TryFrom<u8> for IndexBase {
    type Error = String;
    fn try_from(n: u8) -> Result<Self, String> {
        match n {
            1 => Ok(IndexBase::One),
            0 => Ok(IndexBase::Zero),
            other => Err(format!("index_base is 1 or 0, not {other}")),
        }
    }
}

impl From<IndexBase> for u8 {
    fn from(b: IndexBase) -> u8 {
        match b {
            IndexBase::One => 1,
            IndexBase::Zero => 0,
        }
    }
}

/// Error codes as strings (`"INVALID_SESSION"`) or as the HTTP status (`404`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Codes {
    #[default]
    String,
    Integer,
}

/// The base64 of the client token's segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenAlphabet {
    #[default]
    Standard,
    StandardPadded,
    Url,
}

/// Which page `index=i&count=n` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum History {
    #[default]
    EndingAtInclusive,
    BeforeExclusive,
    IgnoresIndex,
}

/// What the session answers once the visitor left it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AfterLeave {
    #[default]
    ChatEnded,
    InvalidSession,
}

/// A `GET …/messages` as the server reads it; positions are 0-based places in the
/// transcript (-1: before the first message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Query {
    /// Neither `index` nor `count`: a poll.
    Plain,
    /// `index` alone: a resumed poll.
    From(i64),
    /// `count` alone: the restore page.
    Newest(usize),
    /// Both: a history page.
    Page(i64, usize),
}

/// The messages an answer holds, and whether the caller's cursor moves to the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub range: Range<usize>,
    pub moves_cursor: bool,
}

/// The cursor key of a shared cursor (transport ids never look like this).
const SESSION_CURSOR: &str = "*session*";

impl Variant {
    fn base(&self) -> i64 {
        match self.index_base {
            IndexBase::One => 1,
            IndexBase::Zero => 0,
        }
    }

    /// The `index` of the message at 0-based `pos`.
    pub fn index_of(&self, pos: usize) -> Value {
        let n = i64::try_from(pos).unwrap_or(i64::MAX).saturating_add(self.base());
        match self.index_type {
            IndexType::String => json!(n.to_string()),
            IndexType::Number => json!(n),
            IndexType::Dashed => json!(format!("0-{n}")),
        }
    }

    /// The 0-based position the `index` a client sent names (-1 or less: before the
    /// first); `None` when it is not an index this server writes. String and number
    /// servers read `3` and `-3` alike, as the stand-in always has.
    pub fn position(&self, text: &str) -> Option<i64> {
        let text = text.trim();
        let digits = match self.index_type {
            IndexType::Dashed => text.strip_prefix("0-")?,
            IndexType::String | IndexType::Number => text.trim_start_matches('-'),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse::<i64>().ok().map(|n| n - self.base())
    }

    /// Whether an unreadable `index` is refused (400) rather than taken as none.
    pub fn refuses_bad_index(&self) -> bool {
        self.index_type == IndexType::Dashed
    }

    /// Under which key of a session's cursors a transport's cursor is kept; `None`: the
    /// server keeps none.
    pub fn cursor_key(&self, transport: &str) -> Option<String> {
        match self.cursor {
            Cursor::PerTransport => Some(transport.to_owned()),
            Cursor::Shared => Some(SESSION_CURSOR.to_owned()),
            Cursor::None => None,
        }
    }

    /// The messages of a transcript of `len` an answer to `q` holds, for a caller whose
    /// cursor is at `cursor` (`None` without one).
    pub fn select(&self, len: usize, q: Query, cursor: Option<usize>) -> Selection {
        let clamp = |p: i64| usize::try_from(p.max(0)).unwrap_or(usize::MAX).min(len);
        let (range, moves_cursor) = match q {
            Query::Page(pos, n) => {
                let end = match self.history {
                    History::EndingAtInclusive => clamp(pos.saturating_add(1)),
                    History::BeforeExclusive => clamp(pos),
                    History::IgnoresIndex => len,
                };
                (end.saturating_sub(n)..end, false)
            }
            Query::From(pos) => {
                let from = match self.index_from {
                    IndexFrom::Inclusive => clamp(pos),
                    IndexFrom::Exclusive => clamp(pos.saturating_add(1)),
                };
                (from..len, true)
            }
            Query::Newest(n) => (len.saturating_sub(n)..len, true),
            Query::Plain => match cursor {
                Some(c) => (c.min(len)..len, true),
                None => (len.saturating_sub(NO_CURSOR_PAGE)..len, false),
            },
        };
        Selection { range, moves_cursor }
    }

    /// `status.code` of an error answer with this HTTP status and code name.
    pub fn code(&self, status: u16, name: &str) -> Value {
        match self.codes {
            Codes::String => json!(name),
            Codes::Integer => json!(status),
        }
    }

    /// A token segment in this variant's base64.
    pub fn encode(&self, bytes: &[u8]) -> String {
        let plain = crate::nexus::b64(bytes);
        match self.token_alphabet {
            TokenAlphabet::Standard => plain,
            TokenAlphabet::StandardPadded => {
                let pad = (4 - plain.len() % 4) % 4;
                plain + &"=".repeat(pad)
            }
            TokenAlphabet::Url => plain.replace('+', "-").replace('/', "_"),
        }
    }

    /// The token payload's JSON text. In the standard alphabet exactly
    /// `{sessionId, transportId, participantId}`; in the others with a `jti` claim of `?`s
    /// (whose base64 holds a `/` at any alignment, `_` in base64url) and, padded, spaces
    /// until the length needs a `=`.
    pub fn token_payload(&self, session_id: &str, transport_id: &str, participant_id: &str) -> String {
        let claims = json!({"sessionId": session_id, "transportId": transport_id, "participantId": participant_id}).to_string();
        if self.token_alphabet == TokenAlphabet::Standard {
            return claims;
        }
        let rest = claims.strip_prefix('{').unwrap_or(&claims);
        let mut text = String::new();
        for spaces in 0..3 {
            text = format!("{{{}\"jti\":\"????????\",{rest}", " ".repeat(spaces));
            let enc = self.encode(text.as_bytes());
            let shows = match self.token_alphabet {
                TokenAlphabet::StandardPadded => enc.ends_with('='),
                _ => enc.contains(['-', '_']),
            };
            if shows {
                break;
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(j: Value) -> Variant {
        serde_json::from_value(j).expect("a variant")
    }

    /// The defaults are the stand-in's historical choices, and JSON names every knob and value.
    #[test]
    fn defaults_and_json_names() {
        let d = Variant::default();
        assert_eq!(serde_json::to_value(d).expect("json"), json!({"cursor": "per_transport", "index_from": "inclusive", "index_type": "string", "index_base": 1, "codes": "string", "token_alphabet": "standard", "history": "ending_at_inclusive", "ended_on_leave_poll": "chat_ended"}));
        let all = v(json!({"cursor": "none", "index_from": "exclusive", "index_type": "dashed", "index_base": 0, "codes": "integer", "token_alphabet": "url", "history": "ignores_index", "ended_on_leave_poll": "invalid_session"}));
        assert_eq!((all.cursor, all.index_base, all.history), (Cursor::None, IndexBase::Zero, History::IgnoresIndex));
        assert!(serde_json::from_value::<Variant>(json!({"index_base": 2})).is_err());
        assert!(serde_json::from_value::<Variant>(json!({"cursor": "sometimes"})).is_err());
        assert!(serde_json::from_value::<Variant>(json!({"kursor": "none"})).is_err());
    }

    /// Indexes are written in each type and base and read back to the same position; dashed reads only its own shape.
    #[test]
    fn indexes_round_trip() {
        for j in [json!({}), json!({"index_type": "number"}), json!({"index_type": "dashed"}), json!({"index_base": 0}), json!({"index_type": "dashed", "index_base": 0})] {
            let var = v(j);
            for pos in [0usize, 1, 9, 10] {
                let written = var.index_of(pos);
                let text = written.as_str().map(str::to_owned).unwrap_or_else(|| written.to_string());
                assert_eq!(var.position(&text), Some(pos as i64), "{var:?} {text}");
            }
        }
        assert_eq!(v(json!({"index_type": "number"})).index_of(2), json!(3));
        assert_eq!(v(json!({"index_type": "dashed"})).index_of(2), json!("0-3"));
        assert_eq!(v(json!({"index_base": 0})).index_of(2), json!("2"));
        let dashed = v(json!({"index_type": "dashed"}));
        assert_eq!((dashed.position("3"), dashed.position("03"), dashed.position("0-")), (None, None, None));
        assert_eq!(Variant::default().position("-3"), Some(2));
        assert_eq!(Variant::default().position("x"), None);
        assert_eq!(Variant::default().position("0"), Some(-1));
    }

    /// Each cursor, index_from and history reading selects the documented messages of a transcript of 10.
    #[test]
    fn selections() {
        let d = Variant::default();
        let sel = |var: &Variant, q, c| var.select(10, q, c).range;
        assert_eq!(sel(&d, Query::Plain, Some(4)), 4..10);
        assert_eq!(sel(&d, Query::From(3), Some(0)), 3..10);
        assert_eq!(sel(&v(json!({"index_from": "exclusive"})), Query::From(3), None), 4..10);
        assert_eq!(sel(&d, Query::Newest(4), None), 6..10);
        assert_eq!(sel(&d, Query::Page(5, 3), None), 3..6);
        assert_eq!(sel(&d, Query::Page(0, 3), None), 0..1);
        assert_eq!(sel(&v(json!({"history": "before_exclusive"})), Query::Page(5, 3), None), 2..5);
        assert_eq!(sel(&v(json!({"history": "before_exclusive"})), Query::Page(0, 3), None), 0..0);
        assert_eq!(sel(&v(json!({"history": "ignores_index"})), Query::Page(5, 3), None), 7..10);
        let none = v(json!({"cursor": "none"}));
        assert_eq!(none.cursor_key("t"), None);
        assert_eq!(none.select(10, Query::Plain, None), Selection { range: 0..10, moves_cursor: false });
        assert_eq!(none.select(NO_CURSOR_PAGE + 5, Query::Plain, None).range, 5..NO_CURSOR_PAGE + 5);
        assert_eq!(v(json!({"cursor": "shared"})).cursor_key("a"), v(json!({"cursor": "shared"})).cursor_key("b"));
        assert_eq!(sel(&d, Query::From(-1), None), 0..10);
        assert_eq!(sel(&d, Query::From(50), None), 10..10);
    }

    /// Padded tokens end in '=', url tokens show '-' or '_' and no '+', '/' or '=', for any id lengths.
    #[test]
    fn token_alphabets_show() {
        let padded = v(json!({"token_alphabet": "standard_padded"}));
        let url = v(json!({"token_alphabet": "url"}));
        for n in 0..12 {
            let id = "s".repeat(n);
            let p = padded.encode(padded.token_payload(&id, "t-1", "p-1").as_bytes());
            assert!(p.ends_with('='), "{p}");
            let u = url.encode(url.token_payload(&id, "t-1", "p-1").as_bytes());
            assert!(u.contains(['-', '_']) && !u.contains(['+', '/', '=']), "{u}");
            let text = url.token_payload(&id, "t-1", "p-1");
            let back: Value = serde_json::from_str(&text).expect("JSON");
            assert_eq!(back["sessionId"], json!(id));
        }
        let plain: Value = serde_json::from_str(&Variant::default().token_payload("s", "t", "p")).expect("JSON");
        assert_eq!(plain, json!({"sessionId": "s", "transportId": "t", "participantId": "p"}), "the standard alphabet adds no claim");
    }

    /// Integer codes are the HTTP status; string codes the name.
    #[test]
    fn codes() {
        assert_eq!(Variant::default().code(404, "INVALID_SESSION"), json!("INVALID_SESSION"));
        assert_eq!(v(json!({"codes": "integer"})).code(404, "INVALID_SESSION"), json!(404));
    }
}

//! The session token (`clientToken`): a JWT whose payload names the session
//! (`sessionId`, `transportId`, `participantId`). The shipped transport decodes it with
//! `JSON.parse(atob(payload))`; this one also reads the base64url alphabet and missing
//! padding (protocols.md §2.5: the alphabet a real server uses is not documented).

use crate::engine::json::{parse, Value};

/// The payload of a JWT as an object; `None` when it is not three dot-separated parts
/// whose middle one is base64 of a JSON object.
pub fn payload(token: &str) -> Option<Value> {
    let mut parts = token.split('.');
    let (_, body, _) = (parts.next()?, parts.next()?, parts.next()?);
    let text = String::from_utf8(decode(body)?).ok()?;
    let v = parse(&text).ok()?;
    v.is_object().then_some(v)
}

/// Base64 in either alphabet, padding optional; `None` on any other character or a
/// length no encoder makes.
fn decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    if s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut bits, mut n) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The token the oracle's Nexus stand-in issued in a recording of the shipped transport.
    const RECORDED: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzZXNzaW9uSWQiOiJhNzk4MmE5OC0wOWUwLTQ0ZTYtODJiNS1hY2NkZWY3NTA2YzkiLCJ0cmFuc3BvcnRJZCI6IjI1MTBiMDJiLTljNTctNGVlNi04OWFkLTE2ZDYzMTI1ZDQ1OSIsInBhcnRpY2lwYW50SWQiOiIyMjJkN2U0Ny1kMmE2LTQ2MWUtOGRmMS1iNzJlZjc3YjczZjEifQ.sig1";

    #[test]
    fn a_recorded_token_names_its_session() {
        let p = payload(RECORDED).expect("decodes");
        assert_eq!(p.get("sessionId").as_str(), Some("a7982a98-09e0-44e6-82b5-accdef7506c9"));
        assert_eq!(p.get("participantId").as_str(), Some("222d7e47-d2a6-461e-8df1-b72ef77b73f1"));
    }

    /// Both alphabets and optional padding: `{"s":"?>?"}` encodes with `+`/`/` in one and
    /// `-`/`_` in the other.
    #[test]
    fn both_base64_alphabets_and_padding_are_read() {
        assert_eq!(decode("eyJzIjoiPz4/In0=").as_deref(), Some(&br#"{"s":"?>?"}"#[..]));
        assert_eq!(decode("eyJzIjoiPz4_In0").as_deref(), Some(&br#"{"s":"?>?"}"#[..]));
        assert_eq!(payload("h.eyJzIjoiPz4_In0.s").map(|v| v.get("s").as_str().map(str::to_owned)), Some(Some("?>?".to_owned())));
    }

    #[test]
    fn garbage_is_no_payload() {
        for t in ["", "a.b", "a.!!!.c", "a.eyJ.c", "a.WzFd.c", "a.bm90IGpzb24.c"] {
            assert!(payload(t).is_none(), "{t}");
        }
    }
}

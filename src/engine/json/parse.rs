//! JSON text to [`Value`], strictly (as `JSON.parse` accepts it), without panicking on any
//! input: nesting is bounded, lone surrogates become U+FFFD, numbers out of range become
//! infinities as in JavaScript.

use super::{Map, Number, Shared, Value};
use std::sync::Arc;

/// Deeper documents are refused: the parser (and cloning, writing, dropping) recurses, and
/// the wasm stack is 38 KB (.cargo/config.toml). No chat server nests a quarter as deep;
/// page values are cut at 32 levels before they get here (`shell::bridge`).
pub const MAX_DEPTH: usize = 40;

/// Why a text is not JSON: what was found and at which byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub at: usize,
    pub what: &'static str,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.what, self.at)
    }
}

pub fn parse(text: &str) -> Result<Value, ParseError> {
    parse_with(text, None)
}

/// [`parse`] for a server answer whose top-level `key` holds a list of entries (a GMS
/// refresh's `messages`): each entry that is an object or array is checked and then kept as
/// its JSON text ([`Value::Json`]), so a 2,000-entry answer never becomes one big tree;
/// the engine reads each entry when it gets to it, and payloads share the text.
///
/// The entries are parts of `text` (see [`Shared`]): the answer is kept once, not copied.
pub fn parse_keeping_entries(text: &Arc<String>, key: &str) -> Result<Value, ParseError> {
    parse_with(text, Some((text, key.as_bytes())))
}

fn parse_with<'a>(text: &'a str, entries: Option<(&'a Arc<String>, &'a [u8])>) -> Result<Value, ParseError> {
    let mut p = Parser { s: text.as_bytes(), i: 0, entries };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.i != p.s.len() {
        return Err(p.err("unexpected text after the value"));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    /// The text again, and the top-level key whose array items are kept as parts of it
    /// (see [`parse_keeping_entries`]).
    entries: Option<(&'a Arc<String>, &'a [u8])>,
}

impl Parser<'_> {
    fn err(&self, what: &'static str) -> ParseError {
        ParseError { at: self.i, what }
    }
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }
    fn eat(&mut self, lit: &[u8]) -> bool {
        if self.s[self.i..].starts_with(lit) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }
    fn value(&mut self, depth: usize) -> Result<Value, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        match self.s.get(self.i) {
            None => Err(self.err("unexpected end")),
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Value::String),
            Some(b't') if self.eat(b"true") => Ok(Value::Bool(true)),
            Some(b'f') if self.eat(b"false") => Ok(Value::Bool(false)),
            Some(b'n') if self.eat(b"null") => Ok(Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.err("unexpected character")),
        }
    }
    fn object(&mut self, depth: usize) -> Result<Value, ParseError> {
        self.i += 1;
        let mut m = Map::new();
        self.ws();
        if self.eat(b"}") {
            return Ok(Value::Object(m));
        }
        loop {
            self.ws();
            if self.s.get(self.i) != Some(&b'"') {
                return Err(self.err("expected a key"));
            }
            let k = self.string()?;
            self.ws();
            if !self.eat(b":") {
                return Err(self.err("expected ':'"));
            }
            self.ws();
            let keep = depth == 0 && self.entries.map(|(_, key)| key) == Some(k.as_bytes()) && self.s.get(self.i) == Some(&b'[');
            let v = if keep { self.array_keeping(depth + 1, true)? } else { self.value(depth + 1)? };
            // JSON.parse keeps the last of duplicate keys, in the first one's place.
            m.insert(k, v);
            self.ws();
            if self.eat(b",") {
                continue;
            }
            if self.eat(b"}") {
                return Ok(Value::Object(m));
            }
            return Err(self.err("expected ',' or '}'"));
        }
    }
    fn array(&mut self, depth: usize) -> Result<Value, ParseError> {
        self.array_keeping(depth, false)
    }
    /// An array; with `as_text`, its object and array items are kept as their (checked)
    /// text ([`parse_keeping_entries`]).
    fn array_keeping(&mut self, depth: usize, as_text: bool) -> Result<Value, ParseError> {
        self.i += 1;
        let mut a = Vec::new();
        self.ws();
        if self.eat(b"]") {
            return Ok(Value::Array(a));
        }
        loop {
            self.ws();
            let start = self.i;
            let item = self.value(depth + 1)?;
            a.push(match item {
                Value::Object(_) | Value::Array(_) if as_text => match self.entries.and_then(|(source, _)| Shared::of_part(source, start, self.i)) {
                    Some(part) => Value::Json(part),
                    None => item,
                },
                other => other,
            });
            self.ws();
            if self.eat(b",") {
                continue;
            }
            if self.eat(b"]") {
                return Ok(Value::Array(a));
            }
            return Err(self.err("expected ',' or ']'"));
        }
    }
    fn hex4(&mut self) -> Result<u32, ParseError> {
        let digits = self.s.get(self.i..self.i + 4).ok_or_else(|| self.err("short \\u escape"))?;
        let mut n = 0u32;
        for &d in digits {
            let v = (d as char).to_digit(16).ok_or_else(|| self.err("bad \\u escape"))?;
            n = n * 16 + v;
        }
        self.i += 4;
        Ok(n)
    }
    fn string(&mut self) -> Result<String, ParseError> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let start = self.i;
            while let Some(&b) = self.s.get(self.i) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.i += 1;
            }
            // The input is a &str and we stopped at ASCII bytes, so this is a char boundary.
            out.push_str(std::str::from_utf8(&self.s[start..self.i]).map_err(|_| self.err("invalid UTF-8"))?);
            match self.s.get(self.i) {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let Some(&e) = self.s.get(self.i) else { return Err(self.err("unterminated escape")) };
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let cp = if (0xD800..0xDC00).contains(&hi) && self.s[self.i..].starts_with(b"\\u") {
                                let save = self.i;
                                self.i += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                                } else {
                                    self.i = save;
                                    0xFFFD
                                }
                            } else {
                                hi
                            };
                            out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                        }
                        _ => return Err(self.err("bad escape")),
                    }
                }
                Some(_) => return Err(self.err("control character in string")),
            }
        }
    }
    fn number(&mut self) -> Result<Value, ParseError> {
        let start = self.i;
        self.eat(b"-");
        let int_start = self.i;
        match self.s.get(self.i) {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                while let Some(b'0'..=b'9') = self.s.get(self.i) {
                    self.i += 1;
                }
            }
            _ => return Err(self.err("bad number")),
        }
        let int_end = self.i;
        let mut plain = true;
        if self.s.get(self.i) == Some(&b'.') {
            plain = false;
            self.i += 1;
            let d = self.i;
            while let Some(b'0'..=b'9') = self.s.get(self.i) {
                self.i += 1;
            }
            if self.i == d {
                return Err(self.err("bad fraction"));
            }
        }
        if let Some(b'e' | b'E') = self.s.get(self.i) {
            plain = false;
            self.i += 1;
            if let Some(b'+' | b'-') = self.s.get(self.i) {
                self.i += 1;
            }
            let d = self.i;
            while let Some(b'0'..=b'9') = self.s.get(self.i) {
                self.i += 1;
            }
            if self.i == d {
                return Err(self.err("bad exponent"));
            }
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).map_err(|_| self.err("bad number"))?;
        // Integers of up to 15 digits are exact in f64: no float parsing needed.
        if plain && int_end - int_start <= 15 {
            let mut n = 0f64;
            for &d in &self.s[int_start..int_end] {
                n = n * 10.0 + f64::from(d - b'0');
            }
            let n = if start != int_start { -n } else { n };
            return Ok(Value::Number(Number::new(n)));
        }
        let n = super::js_decimal(text).ok_or_else(|| self.err("bad number"))?;
        Ok(Value::Number(Number::with_text(n, text)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_json_parse_reads() {
        let v = parse(r#" {"a":[1,-2.5e3,true,null,"x\u00e9\ud83d\ude00\n"],"b":{}} "#).unwrap();
        assert_eq!(v.get("a").as_array().map(Vec::len), Some(5));
        assert_eq!(v.get("a").as_array().unwrap()[1].as_f64(), Some(-2500.0));
        assert_eq!(v.get("a").as_array().unwrap()[4].as_str(), Some("xé😀\n"));
        assert_eq!(v.write(), r#"{"a":[1,-2.5e3,true,null,"xé😀\n"],"b":{}}"#);
    }

    #[test]
    fn refuses_what_json_parse_refuses() {
        for bad in ["", "{", "[1,]", "{'a':1}", "01", "1.", "\"\\x\"", "tru", "{\"a\" 1}", "\"a\u{1}\"", "[] x"] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let deep = "[".repeat(100_000);
        assert!(parse(&deep).is_err());
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn huge_numbers_become_infinity_like_javascript() {
        assert_eq!(parse("1e400").unwrap().as_f64(), Some(f64::INFINITY));
        assert_eq!(parse("18446744073709551615").unwrap().as_f64(), Some(18446744073709551615.0));
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        assert_eq!(parse(r#""\ud800x""#).unwrap().as_str(), Some("\u{FFFD}x"));
    }

    /// A refresh answer's entries stay as their text (checked), everything else is a tree;
    /// what a page receives is the same as from a full parse.
    #[test]
    fn entries_are_kept_as_checked_text() {
        let text = r#"{"statusCode":0,"messages":[{"index":1,"text":"a\u0041"}, [2], 3],"chatEnded":false}"#;
        let keep = |t: &str| parse_keeping_entries(&Arc::new(t.to_owned()), "messages");
        let v = keep(text).unwrap();
        let items = v.get("messages").as_array().unwrap();
        assert!(matches!(&items[0], Value::Json(j) if j.text() == Some(r#"{"index":1,"text":"a\u0041"}"#)));
        assert!(matches!(&items[1], Value::Json(j) if j.text() == Some("[2]")), "entries are parts of the answer's text");
        assert_eq!(items[2].as_f64(), Some(3.0));
        assert_eq!(v, parse(text).unwrap());
        assert_eq!(v.clone().unshared().get("messages").as_array().unwrap()[0].get("text").as_str(), Some("aA"));
        assert!(keep(r#"{"messages":[{"index":1,}]}"#).is_err(), "a broken entry fails the answer");
        assert!(keep(r#"{"x":{"messages":[{}]}}"#).unwrap().get("x").get("messages").as_array().unwrap()[0].is_object(), "only the top level");
    }
}

//! [`Value`] to the text the shell gives `JSON.parse`.
//!
//! JSON has no `undefined`, no jqXHR and no RegExp, so these are written as marked values
//! that the shell's reviver turns back into what JavaScript code expects:
//! - `undefined` as the string [`MARK_UNDEFINED`] (the reviver assigns `undefined`, so the
//!   key stays, as on the shipped objects);
//! - a jqXHR as an object whose first key is [`MARK_XHR`];
//! - a RegExp as `{MARK_REGEXP: [source, flags]}`;
//! - a kept `File` as `{MARK_FILE: id}`.
//!
//! The marks start with U+0001 (written escaped, `\u0001`, as JSON requires). A server
//! string would have to be exactly a mark to be taken for one.

use super::{Number, Value};

pub const MARK_UNDEFINED: &str = "\u{1}undefined";
pub const MARK_XHR: &str = "\u{1}xhr";
pub const MARK_REGEXP: &str = "\u{1}regexp";
pub const MARK_FILE: &str = "\u{1}file";

pub(super) fn write(v: &Value, out: &mut String) {
    match v {
        Value::Undefined => raw_string(MARK_UNDEFINED, out),
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => {
            if n.get().is_finite() {
                out.push_str(&number_text(n));
            } else {
                // JSON.stringify writes NaN and the infinities as null.
                out.push_str("null");
            }
        }
        Value::String(s) => string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        Value::Object(_) | Value::Xhr(_) => {
            let m = v.as_object().map(|m| m.iter()).into_iter().flatten();
            out.push('{');
            let mut first = true;
            if let Value::Xhr(x) = v {
                // The mark says how the request settled, so the page-side jqXHR's
                // done/fail/state agree with the engine (a 200 that failed to parse failed).
                raw_string(MARK_XHR, out);
                out.push_str(if crate::engine::xhr::succeeded(x) { ":true" } else { ":false" });
                first = false;
            }
            for (k, item) in m {
                if !first {
                    out.push(',');
                }
                first = false;
                string(k, out);
                out.push(':');
                write(item, out);
            }
            out.push('}');
        }
        Value::RegExp(r) => {
            out.push('{');
            raw_string(MARK_REGEXP, out);
            out.push_str(":[");
            string(r.source(), out);
            out.push(',');
            string(r.flags(), out);
            out.push_str("]}");
        }
        Value::File(f) => {
            out.push('{');
            raw_string(MARK_FILE, out);
            out.push(':');
            out.push_str(&number_text(&Number::new(f.0 as f64)));
            out.push('}');
        }
        Value::Json(j) => match j.text() {
            Some(text) => out.push_str(text),
            None => write(&j.expand(), out),
        },
    }
}

/// The inverse of the marks [`write`] puts in: what `Shared::expand` reads back is the
/// value that was written.
pub(super) fn revive(v: Value) -> Value {
    match v {
        Value::String(s) if s == MARK_UNDEFINED => Value::Undefined,
        Value::Array(items) => Value::Array(items.into_iter().map(revive).collect()),
        Value::Object(m) => {
            if let Some(Value::Array(re)) = m.get(MARK_REGEXP) {
                if let (Some(Value::String(source)), Some(Value::String(flags))) = (re.first(), re.get(1)) {
                    return Value::RegExp(super::RegexSpec::new(source.as_str(), flags.as_str()));
                }
            }
            if let Some(id) = m.get(MARK_FILE).and_then(Value::as_f64) {
                return Value::File(super::FileRef(id as u64));
            }
            let xhr = m.contains_key(MARK_XHR);
            let mut out = super::Map::new();
            for (k, item) in m.into_iter() {
                if k != MARK_XHR {
                    out.push(k, revive(item));
                }
            }
            if xhr { Value::Xhr(Box::new(out)) } else { Value::Object(out) }
        }
        other => other,
    }
}

/// `JSON.stringify` semantics (what a request body contains).
pub(super) fn stringify(v: &Value, out: &mut String) {
    match v {
        Value::Undefined => out.push_str("null"),
        // JSON.stringify of a RegExp or a File.
        Value::RegExp(_) | Value::File(_) => out.push_str("{}"),
        Value::Json(j) => stringify(&j.expand(), out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                stringify(item, out);
            }
            out.push(']');
        }
        Value::Object(_) | Value::Xhr(_) => {
            out.push('{');
            let mut first = true;
            for (k, item) in v.as_object().into_iter().flat_map(|m| m.iter()) {
                if item.is_undefined() {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                string(k, out);
                out.push(':');
                stringify(item, out);
            }
            out.push('}');
        }
        other => write(other, out),
    }
}

/// A mark (its leading U+0001 escaped).
fn raw_string(s: &str, out: &mut String) {
    string(s, out);
}

/// Whether written text holds anything the shell's reviver must restore.
pub fn has_marks(text: &str) -> bool {
    text.contains("\\u0001")
}

/// A JSON string as `JSON.stringify` writes it.
pub fn string(s: &str, out: &mut String) {
    out.push('"');
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let esc: Option<&str> = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            '\u{8}' => Some("\\b"),
            '\u{c}' => Some("\\f"),
            _ => None,
        };
        if esc.is_some() || (c as u32) < 0x20 {
            out.push_str(&s[start..i]);
            match esc {
                Some(e) => out.push_str(e),
                None => {
                    out.push_str("\\u00");
                    out.push(hex((c as u32 >> 4) as u8));
                    out.push(hex((c as u32 & 15) as u8));
                }
            }
            start = i + c.len_utf8();
        }
    }
    out.push_str(&s[start..]);
    out.push('"');
}

fn hex(n: u8) -> char {
    char::from(b"0123456789abcdef"[(n & 15) as usize])
}

/// A number as JavaScript's `String(n)` writes it: the text it came with, an integer's
/// digits, or (for the rare computed fraction) a short decimal form.
pub fn number_text(n: &Number) -> String {
    if let Some(t) = n.text() {
        return t.to_owned();
    }
    let v = n.get();
    if !v.is_finite() {
        return if v.is_nan() { "NaN".into() } else if v > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if v.fract() == 0.0 && v.abs() < 1e21 {
        let digits = whole_digits(v.abs());
        return if v < 0.0 { format_neg(digits) } else { digits };
    }
    let neg = v < 0.0;
    let a = v.abs();
    if !(1e-6..1e21).contains(&a) {
        // JavaScript's exponent form, to 15 significant digits. The exponent is found by
        // comparing with powers of ten (no `log10` in the wasm for this rare path).
        let mut e = 0i32;
        while e < 308 && a >= 10f64.powi(e + 1) {
            e += 1;
        }
        while e > -324 && a < 10f64.powi(e) {
            e -= 1;
        }
        let mut m = a / 10f64.powi(e);
        if m >= 10.0 {
            m /= 10.0;
            e += 1;
        }
        if m < 1.0 {
            m *= 10.0;
            e -= 1;
        }
        let mut digits = (m * 1e14).round() as u64;
        if digits >= 1_000_000_000_000_000 {
            // Rounded up to the next power of ten (powi is not exact up there).
            digits /= 10;
            e += 1;
        }
        let mut d = format_u64_padded(digits, 15);
        while d.len() > 1 && d.ends_with('0') {
            d.pop();
        }
        let (first, rest) = d.split_at(1);
        let mut out = String::new();
        if neg {
            out.push('-');
        }
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push('e');
        out.push(if e < 0 { '-' } else { '+' });
        out.push_str(&number_text(&Number::new(f64::from(e.unsigned_abs()))));
        return out;
    }
    // A computed fraction (the engine computes none it publishes today): nine decimals,
    // trailing zeros trimmed; no float formatting machinery in the wasm for this.
    let whole = a.trunc();
    let mut frac = ((a - whole) * 1e9).round() as u64;
    let mut text = number_text(&Number::new(whole));
    if neg {
        text.insert(0, '-');
    }
    if frac >= 1_000_000_000 {
        frac = 999_999_999;
    }
    let mut f = format_u64_padded(frac, 9);
    while f.ends_with('0') {
        f.pop();
    }
    if !f.is_empty() {
        text.push('.');
        text.push_str(&f);
    }
    text
}

fn format_neg(digits: String) -> String {
    let mut out = String::with_capacity(digits.len() + 1);
    out.push('-');
    out.push_str(&digits);
    out
}

/// The exact decimal digits of a whole `a` (0 <= a < 1e21), as JavaScript writes them,
/// without 128-bit arithmetic (whose division routines are 1.2 KB of wasm).
fn whole_digits(a: f64) -> String {
    const TWO_64: f64 = 18_446_744_073_709_551_616.0;
    if a < TWO_64 {
        let mut n = a as u64;
        let mut d = Vec::new();
        loop {
            d.push(b'0' + (n % 10) as u8);
            n /= 10;
            if n == 0 {
                break;
            }
        }
        d.reverse();
        return String::from_utf8(d).unwrap_or_default();
    }
    // a = m * 2^k with a 53-bit m and 12 <= k <= 17 here: double m's base-1e9 limbs k times.
    const BASE: u64 = 1_000_000_000;
    let bits = a.to_bits();
    let k = ((bits >> 52) & 0x7ff) as i64 - 1075;
    let m = (bits & ((1u64 << 52) - 1)) | (1u64 << 52);
    let mut limbs = [m % BASE, (m / BASE) % BASE, m / (BASE * BASE)];
    for _ in 0..k.max(0) {
        let mut carry = 0;
        for l in limbs.iter_mut() {
            let x = *l * 2 + carry;
            *l = x % BASE;
            carry = x / BASE;
        }
    }
    let mut out = whole_digits(limbs[2] as f64);
    out.push_str(&format_u64_padded(limbs[1], 9));
    out.push_str(&format_u64_padded(limbs[0], 9));
    out
}

fn format_u64_padded(mut n: u64, width: usize) -> String {
    let mut d = Vec::with_capacity(width);
    for _ in 0..width {
        d.push(b'0' + (n % 10) as u8);
        n /= 10;
    }
    d.reverse();
    String::from_utf8(d).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::super::{obj, Map, RegexSpec};
    use super::*;

    #[test]
    fn marks_what_json_cannot_say() {
        let mut m = Map::new();
        m.insert("text", Value::Undefined);
        m.insert("re", Value::RegExp(RegexSpec::new("a/b", "i")));
        let mut x = Map::new();
        x.insert("status", Value::int(400));
        m.insert("xhr", Value::Xhr(Box::new(x)));
        assert_eq!(
            Value::Object(m).write(),
            r#"{"text":"\u0001undefined","re":{"\u0001regexp":["a/b","i"]},"xhr":{"\u0001xhr":false,"status":400}}"#
        );
        // A 200 whose JSON did not parse failed; a 204 succeeded.
        let parse_error = crate::engine::xhr::read(Ok(crate::engine::HttpResponse::json(200, "oops")), crate::engine::xhr::Reading::Json).into_value();
        assert!(parse_error.write().starts_with(r#"{"\u0001xhr":false,"#), "{}", parse_error.write());
        assert!(crate::engine::xhr::done_xhr(204, "No Content", "").write().starts_with(r#"{"\u0001xhr":true,"#));
    }


    #[test]
    fn numbers_write_as_javascript_strings_them() {
        assert_eq!(number_text(&Number::new(1600000001000.0)), "1600000001000");
        assert_eq!(number_text(&Number::new(-3.0)), "-3");
        assert_eq!(number_text(&Number::new(0.5)), "0.5");
        assert_eq!(number_text(&Number::new(f64::NAN)), "NaN");
        assert_eq!(Value::num(f64::INFINITY).write(), "null");
        assert_eq!(number_text(&Number::new(1e300)), "1e+300");
        // Whole numbers below 1e21 are written out in full; beyond 2^53 with their exact
        // digits (JavaScript would print its shortest digits and zeros), which read back as
        // the same number. Numbers from the page keep the page's own text (shell/bridge.rs).
        assert_eq!(number_text(&Number::new(-1e20)), "-100000000000000000000");
        assert_eq!(number_text(&Number::new(0.0)), "0");
        assert_eq!(number_text(&Number::new(18446744073709551615.0)), "18446744073709551616");
        for x in [18446744073709551616.0, 999999999999999868928.0, 123456789012345680000.0, 9007199254740993.0] {
            assert_eq!(number_text(&Number::new(x)).parse::<f64>().ok(), Some(x), "{x}");
        }
        assert_eq!(number_text(&Number::new(-2.5e22)), "-2.5e+22");
        assert_eq!(number_text(&Number::new(1.5e-7)), "1.5e-7");
    }

    #[test]
    fn strings_escape_as_json_stringify() {
        let mut out = String::new();
        string("a\"b\\c\n\u{2}é", &mut out);
        assert_eq!(out, "\"a\\\"b\\\\c\\n\\u0002é\"");
    }

    /// A view of shared text is, everywhere it is read or written, what its function makes
    /// of the source's tree; it keeps no text of its own.
    #[test]
    fn views_read_and_write_as_their_function_makes_them() {
        fn title(v: Value) -> Value {
            obj([("title", v.get("text").clone()), ("gone", Value::Undefined)])
        }
        let source = crate::engine::json::parse(r#"{"text":"hi","index":3}"#).unwrap().shared();
        let view = source.viewed(title).unwrap();
        let expected = obj([("title", Value::str("hi")), ("gone", Value::Undefined)]);
        assert_eq!(view.write(), expected.write());
        assert_eq!(view.to_json(), r#"{"title":"hi"}"#);
        assert_eq!(view.clone().unshared(), expected);
        assert!(view == expected && view != source);
        assert!(matches!(&view, Value::Json(j) if j.text().is_none()));
        assert!(view.viewed(title).is_none() && Value::str("x").viewed(title).is_none(), "only plain shared text has views");
        assert!(view.written_len_hint() >= view.write().len());
    }

    /// Shared text reads back as the value it was written from, marks included, and is
    /// written out verbatim.
    #[test]
    fn shared_values_round_trip() {
        let mut m = Map::new();
        m.insert("html", Value::Undefined);
        m.insert("re", Value::RegExp(RegexSpec::new("a/b", "i")));
        m.insert("n", Value::Number(Number::with_text(0.1, "0.1")));
        let x = crate::engine::xhr::done_xhr(200, "OK", "{}");
        m.insert("x", x);
        let v = Value::Object(m);
        let shared = v.clone().shared();
        assert!(matches!(shared, Value::Json(_)));
        assert_eq!(shared.write(), v.write());
        assert_eq!(shared.expanded().into_owned(), v);
        assert!(shared.expanded().get("html").is_undefined() && shared.expanded().as_object().unwrap().contains_key("html"));
        assert_eq!(shared.to_json(), v.to_json(), "request bodies leave the marks out");
        assert_eq!(Value::str("s").shared(), Value::str("s"), "scalars stay as they are");
    }
}

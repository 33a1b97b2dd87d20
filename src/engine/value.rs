//! Small readers over JSON values that never panic on unexpected shapes.

use serde_json::{Map, Value};

/// `v[key]` as a string slice, when it is a string.
pub fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// `v[key]` as a non-negative integer, accepting numbers and numeric strings (GMS
/// deployments send ids and indexes either way).
pub fn u64_of(v: &Value, key: &str) -> Option<u64> {
    as_u64_loose(v.get(key)?)
}

pub fn as_u64_loose(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64().or_else(|| n.as_f64().filter(|f| *f >= 0.0 && f.is_finite()).map(|f| f as u64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// JavaScript's `parseInt` for participant ids: leading digits of a string, or a number.
pub fn parse_int(v: Option<&Value>) -> Value {
    match v {
        Some(Value::Number(n)) => n.as_i64().map(Value::from).unwrap_or(Value::Null),
        Some(Value::String(s)) => {
            let t = s.trim_start();
            let (sign, digits) = match t.strip_prefix('-') {
                Some(rest) => (-1i64, rest),
                None => (1, t.strip_prefix('+').unwrap_or(t)),
            };
            let end = digits.find(|c: char| !c.is_ascii_digit()).unwrap_or(digits.len());
            digits[..end].parse::<i64>().map(|n| Value::from(sign * n)).unwrap_or(Value::Null)
        }
        _ => Value::Null,
    }
}

/// A string value as JavaScript would coerce it into a form field.
pub fn to_form_string(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        // Through serde_json's serializer (ryu), not core's float formatting, which would
        // add ~13 KB to the wasm for this one call.
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

/// Truthy as in JavaScript, for the option flags of the config.
pub fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Some(Value::String(s)) => !s.is_empty(),
        Some(_) => true,
    }
}

/// An empty JSON object.
pub fn object() -> Value {
    Value::Object(Map::new())
}

/// Shallow-merges the keys of `from` into `into` (later wins), as `$.extend` does.
pub fn merge_into(into: &mut Map<String, Value>, from: &Value) {
    if let Value::Object(m) = from {
        for (k, v) in m {
            into.insert(k.clone(), v.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parse_int_reads_leading_digits_like_javascript() {
        assert_eq!(parse_int(Some(&json!("12abc"))), json!(12));
        assert_eq!(parse_int(Some(&json!(7))), json!(7));
        assert_eq!(parse_int(Some(&json!("x"))), Value::Null);
        assert_eq!(parse_int(None), Value::Null);
    }
}

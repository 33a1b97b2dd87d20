//! Values flattened into form fields the way jQuery.param does it in its default
//! (non-traditional) mode: `userData[a][b]=v`, arrays of scalars `k[]=v`, arrays of
//! objects `k[0][x]=v`, `null` and `undefined` as empty values.

use super::json::Value;

/// A scalar as jQuery.param writes it (`null`/`undefined` as "").
pub fn form_string(v: &Value) -> String {
    if v.is_nullish() { String::new() } else { v.to_js_string() }
}

/// Appends the fields of `value` under `prefix` to `out`.
pub fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    flatten_at(prefix, value, out, 0);
}

fn flatten_at(prefix: &str, value: &Value, out: &mut Vec<(String, String)>, depth: usize) {
    if depth > 32 {
        return;
    }
    match value {
        Value::Object(_) | Value::Xhr(_) => {
            for (k, v) in value.as_object().into_iter().flat_map(|m| m.iter()) {
                flatten_at(&format!("{prefix}[{k}]"), v, out, depth + 1);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                if prefix.ends_with("[]") {
                    out.push((prefix.to_owned(), form_string(v)));
                } else if matches!(v, Value::Object(_) | Value::Array(_) | Value::Xhr(_)) {
                    flatten_at(&format!("{prefix}[{i}]"), v, out, depth + 1);
                } else {
                    flatten_at(&format!("{prefix}[]"), v, out, depth + 1);
                }
            }
        }
        scalar => out.push((prefix.to_owned(), form_string(scalar))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::json::parse;

    #[test]
    fn nested_user_data_becomes_bracket_keys() {
        let mut out = Vec::new();
        flatten("userData", &parse(r#"{"a": 1, "b": {"c": "x"}, "l": [1, 2], "n": null, "o": [{"k": true}]}"#).unwrap(), &mut out);
        let keys: Vec<_> = out.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(keys, ["userData[a]=1", "userData[b][c]=x", "userData[l][]=1", "userData[l][]=2", "userData[n]=", "userData[o][0][k]=true"]);
    }
}

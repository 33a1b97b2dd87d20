//! Nested values flattened into bracketed form keys, the way jQuery.param does it in
//! its default (non-traditional) mode: `userData[a][b]=v`, arrays of scalars `k[]=v`,
//! arrays of objects `k[0][x]=v`, null as an empty value.

use super::value::to_form_string;
use serde_json::Value;

/// Appends the fields of `value` under `prefix` to `out`.
pub fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(m) => {
            for (k, v) in m {
                flatten(&format!("{prefix}[{k}]"), v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                if v.is_object() || v.is_array() {
                    flatten(&format!("{prefix}[{i}]"), v, out);
                } else {
                    flatten(&format!("{prefix}[]"), v, out);
                }
            }
        }
        scalar => out.push((prefix.to_owned(), to_form_string(scalar))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_user_data_becomes_bracket_keys() {
        let mut out = Vec::new();
        flatten("userData", &json!({"a": 1, "b": {"c": "x"}, "l": [1, 2], "n": null}), &mut out);
        let keys: Vec<_> = out.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(keys, ["userData[a]=1", "userData[b][c]=x", "userData[l][]=1", "userData[l][]=2", "userData[n]="]);
    }
}

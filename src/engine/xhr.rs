//! What jQuery hands to a request's callbacks, which the shipped plugin passes on to
//! integrators as command results and `error` payloads: the parsed answer on success, a
//! jqXHR object on failure. Integrators read `status`, `responseJSON.errors[].code` and
//! `errorReason` from it, so its fields follow jQuery's rules exactly.

use super::json::{parse_keeping_entries, Map, Value};
use super::output::{HttpResponse, NetError};
use std::sync::Arc;

/// How jQuery was told to read the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// No `dataType` (GMS): JSON when the answer says `application/json`, else text.
    Auto,
    /// `dataType: "json"` (guest chat): always JSON; a 2xx that is not JSON is an error.
    Json,
    /// `mimeType: "multipart/form-data"` (GMS file calls): always text.
    Text,
}

/// A request's result as jQuery reports it.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// `done(data)`: the parsed body (an object, or the text when it was not JSON).
    Done { data: Value, status: u16 },
    /// `fail(jqXHR)`: the jqXHR's properties.
    Fail(Map),
}

impl Answer {
    /// The status code (0 when nothing arrived).
    pub fn status(&self) -> u16 {
        match self {
            Answer::Done { status, .. } => *status,
            Answer::Fail(x) => x.get("status").and_then(Value::as_f64).unwrap_or(0.0) as u16,
        }
    }
    /// The jqXHR as a value, for a rejection or an `error` payload.
    pub fn into_value(self) -> Value {
        match self {
            Answer::Done { data, .. } => data,
            Answer::Fail(x) => Value::Xhr(Box::new(x)),
        }
    }
}

fn is_json_type(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|t| t.to_ascii_lowercase().contains("json"))
}

/// Reads an HTTP result the way jQuery would for that request.
pub fn read(result: Result<HttpResponse, NetError>, reading: Reading) -> Answer {
    match result {
        Err(e) => {
            let mut x = Map::new();
            x.push("readyState", Value::int(0));
            if reading == Reading::Json {
                // jQuery assigns the (absent) converted answer to responseJSON.
                x.push("responseJSON", Value::Undefined);
            }
            x.push("status", Value::int(0));
            x.push("statusText", Value::str(if e == NetError::Timeout { "timeout" } else { "error" }));
            Answer::Fail(x)
        }
        Ok(r) if r.status == 204 || r.status == 304 => {
            // jQuery: "nocontent" / "notmodified" succeed without reading the body.
            Answer::Done { data: Value::Undefined, status: r.status }
        }
        Ok(r) => {
            let ok = (200..300).contains(&r.status);
            let wants_json = reading == Reading::Json || (reading == Reading::Auto && is_json_type(r.content_type.as_deref()));
            // The answer's entries stay parts of its text: moved here, never copied.
            let body = Arc::new(r.body);
            let json = if wants_json { parse_keeping_entries(&body, "messages").ok() } else { None };
            if ok && (json.is_some() || !wants_json) {
                let data = match json {
                    Some(j) => j,
                    None => Value::String(into_string(body)),
                };
                return Answer::Done { data, status: r.status };
            }
            let mut x = Map::new();
            x.push("readyState", Value::int(4));
            x.push("responseText", Value::String(into_string(body)));
            if let Some(j) = json {
                x.push("responseJSON", j);
            }
            x.push("status", Value::int(r.status as i64));
            x.push("statusText", Value::String(if ok { "parsererror".into() } else { r.status_text }));
            Answer::Fail(x)
        }
    }
}

/// The text back: moved out when nothing shares it, copied when parsed entries do (a
/// failed answer's `responseJSON` beside its `responseText`).
fn into_string(text: Arc<String>) -> String {
    Arc::try_unwrap(text).unwrap_or_else(|shared| (*shared).clone())
}

/// Whether jQuery settled the request of this jqXHR as a success: a 2xx or 304 status
/// whose body converted (a 2xx that did not parse is a `parsererror` failure).
/// Whether a failed request's status means the server refused it for good (a 4xx other
/// than a timeout or rate limit): sending it again would be refused again. Anything else
/// (no answer, a cut answer, a 5xx, 408, 429) may have been processed, or may succeed
/// later.
pub fn refused_for_good(status: f64) -> bool {
    (400.0..500.0).contains(&status) && status != 408.0 && status != 429.0
}

pub fn succeeded(x: &Map) -> bool {
    let status = x.get("status").and_then(Value::as_f64).unwrap_or(0.0);
    let converted = x.get("statusText").and_then(Value::as_str) != Some("parsererror");
    ((200.0..300.0).contains(&status) || status == 304.0) && converted
}

/// The jqXHR of a successful request without `dataType` (what `always` passes as its
/// third argument, e.g. to the guest chat `endChat`).
pub fn done_xhr(status: u16, status_text: &str, body: &str) -> Value {
    let mut x = Map::new();
    x.push("readyState", Value::int(4));
    x.push("responseText", Value::str(body));
    x.push("status", Value::int(status as i64));
    x.push("statusText", Value::str(status_text));
    Value::Xhr(Box::new(x))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gms_400_has_response_text_and_json() {
        let a = read(Ok(HttpResponse::json(400, r#"{"errors":[{"code":300}]}"#)), Reading::Auto);
        let v = a.into_value();
        assert!(matches!(v, Value::Xhr(_)));
        assert_eq!(v.get("status").as_f64(), Some(400.0));
        assert_eq!(v.get("statusText").as_str(), Some("Bad Request"));
        assert_eq!(v.path("responseJSON.errors").as_array().map(Vec::len), Some(1));
    }

    #[test]
    fn a_multipart_answer_is_text_only() {
        let v = read(Ok(HttpResponse::json(400, "{}")), Reading::Text).into_value();
        assert!(v.as_object().is_some_and(|m| !m.contains_key("responseJSON")));
    }

    #[test]
    fn a_lost_connection_is_status_0_and_json_requests_keep_an_undefined_response_json() {
        let v = read(Err(NetError::Network("x".into())), Reading::Json).into_value();
        assert_eq!(v.write(), r#"{"\u0001xhr":false,"readyState":0,"responseJSON":"\u0001undefined","status":0,"statusText":"error"}"#);
        let t = read(Err(NetError::Timeout), Reading::Auto).into_value();
        assert_eq!(t.get("statusText").as_str(), Some("timeout"));
        assert!(!t.as_object().unwrap().contains_key("responseJSON"));
    }

    #[test]
    fn a_2xx_that_is_not_json_fails_a_json_request() {
        assert!(matches!(read(Ok(HttpResponse::json(200, "oops")), Reading::Json), Answer::Fail(_)));
        assert!(matches!(read(Ok(HttpResponse::json(200, "{}")), Reading::Json), Answer::Done { .. }));
    }
}

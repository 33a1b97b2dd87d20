//! GMS Chat API v2 on the wire: what an answer means, and the jqXHR-like object the
//! shipped plugin hands to `error` subscribers and rejected callers.

use crate::engine::output::{HttpResponse, NetError};
use crate::engine::value::{as_u64_loose, str_of};
use serde_json::{json, Map, Value};

/// The session identifiers every call after Request Chat carries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ids {
    pub chat_id: Option<String>,
    pub secure_key: Option<String>,
    pub alias: Option<String>,
    pub user_id: Option<String>,
}

impl Ids {
    /// Copies whichever identifiers the answer carries; `true` when something changed.
    pub fn update_from(&mut self, resp: &Value) -> bool {
        let mut changed = false;
        for (slot, key) in [
            (&mut self.chat_id, "chatId"),
            (&mut self.secure_key, "secureKey"),
            (&mut self.alias, "alias"),
            (&mut self.user_id, "userId"),
        ] {
            let v = match resp.get(key) {
                Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            };
            if v.is_some() && *slot != v {
                *slot = v;
                changed = true;
            }
        }
        changed
    }
    /// `alias`, `secureKey`, `userId` form fields (empty strings when unknown, as jQuery
    /// sends `undefined` values).
    pub fn fields(&self) -> Vec<(String, String)> {
        vec![
            ("alias".into(), self.alias.clone().unwrap_or_default()),
            ("secureKey".into(), self.secure_key.clone().unwrap_or_default()),
            ("userId".into(), self.user_id.clone().unwrap_or_default()),
        ]
    }
    /// `{sessionID, userId, secureKey, alias}` as events and getSessionData give it.
    pub fn session_data(&self) -> Value {
        let mut m = Map::new();
        for (k, v) in [
            ("sessionID", &self.chat_id),
            ("userId", &self.user_id),
            ("secureKey", &self.secure_key),
            ("alias", &self.alias),
        ] {
            if let Some(v) = v {
                m.insert(k.into(), Value::String(v.clone()));
            }
        }
        Value::Object(m)
    }
    /// The `...state.keys` cookie: `{"secureKey","alias","userId"}`.
    pub fn keys_cookie(&self) -> String {
        json!({"secureKey": self.secure_key, "alias": self.alias, "userId": self.user_id}).to_string()
    }
    /// Restores the identifiers from the session and keys cookies; `None` when either is
    /// missing or unreadable.
    pub fn from_cookies(session: Option<String>, keys: Option<String>) -> Option<Ids> {
        let chat_id = session.filter(|s| !s.trim().is_empty())?;
        let keys: Value = serde_json::from_str(&keys?).ok()?;
        let get = |k: &str| match keys.get(k) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let ids = Ids { chat_id: Some(chat_id), secure_key: get("secureKey"), alias: get("alias"), user_id: get("userId") };
        ids.secure_key.as_ref()?;
        Some(ids)
    }
}

/// A request that did not end in a usable JSON answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// HTTP status, or 0 when no answer came (network error, timeout), as jQuery reports.
    pub status: u16,
    pub status_text: String,
    pub body: String,
    pub json: Option<Value>,
}

impl Failure {
    pub fn is_network(&self) -> bool {
        self.status == 0
    }
    /// The `errors` array of the body, if any.
    pub fn errors(&self) -> Option<&Vec<Value>> {
        self.json.as_ref().and_then(|j| j.get("errors")).and_then(Value::as_array)
    }
    /// 404/500/502 without `errors`, or an error with code 306: the service is wrong.
    pub fn invalid_service(&self) -> bool {
        let codes_306 = self.errors().is_some_and(|e| e.iter().any(|x| x.get("code").and_then(as_u64_loose) == Some(306)));
        codes_306 || (matches!(self.status, 404 | 500 | 502) && self.errors().is_none())
    }
    /// The jqXHR-like object: `{status, statusText, responseText, responseJSON?, errors?,
    /// errorReason?}`. `drop_204` removes the "message too long" errors a refresh reports.
    pub fn payload(&self, drop_204: bool) -> Value {
        let mut m = Map::new();
        m.insert("status".into(), json!(self.status));
        m.insert("statusText".into(), json!(self.status_text));
        m.insert("responseText".into(), json!(self.body));
        if let Some(j) = &self.json {
            m.insert("responseJSON".into(), j.clone());
        }
        if let Some(errors) = self.errors() {
            let kept: Vec<Value> = errors
                .iter()
                .filter(|e| !(drop_204 && e.get("code").and_then(as_u64_loose) == Some(204)))
                .cloned()
                .collect();
            m.insert("errors".into(), Value::Array(kept));
        }
        if self.invalid_service() {
            m.insert("errorReason".into(), json!("InvalidService"));
        }
        Value::Object(m)
    }
}

/// Sorts an answer into a JSON body (2xx with JSON) or a failure.
pub fn classify(result: Result<HttpResponse, NetError>) -> Result<Value, Failure> {
    match result {
        Err(NetError::Timeout) => Err(Failure { status: 0, status_text: "timeout".into(), body: String::new(), json: None }),
        Err(NetError::Network(_)) => Err(Failure { status: 0, status_text: "error".into(), body: String::new(), json: None }),
        Ok(r) => {
            let json = serde_json::from_str::<Value>(&r.body).ok();
            match (r.status, json) {
                (200..=299, Some(j)) if j.is_object() => Ok(j),
                (200..=299, _) => Err(Failure { status: r.status, status_text: "parsererror".into(), body: r.body, json: None }),
                (status, json) => Err(Failure { status, status_text: r.status_text, body: r.body, json }),
            }
        }
    }
}

/// `statusCode` of an answer (missing counts as 0, as the shipped plugin's checks do).
pub fn status_code(resp: &Value) -> u64 {
    resp.get("statusCode").and_then(as_u64_loose).unwrap_or(0)
}

/// `chatEnded` as a tri-state: `Some(true)`, `Some(false)`, or absent.
pub fn chat_ended(resp: &Value) -> Option<bool> {
    resp.get("chatEnded").and_then(Value::as_bool)
}

/// The transcript entries of an answer (absent = none).
pub fn messages(resp: &Value) -> Vec<Value> {
    resp.get("messages").and_then(Value::as_array).cloned().unwrap_or_default()
}

/// `errors` inside a 200 answer with `statusCode: 2` and `chatEnded: true`.
pub fn ended_with_errors(resp: &Value) -> bool {
    chat_ended(resp) == Some(true)
        && status_code(resp) == 2
        && resp.get("errors").and_then(Value::as_array).is_some_and(|e| !e.is_empty())
}

pub fn has_chat_id(resp: &Value) -> bool {
    str_of(resp, "chatId").is_some_and(|s| !s.is_empty()) || resp.get("chatId").is_some_and(Value::is_number)
}

//! The GMS transcript: raw messages normalised into the shape the WebChat UI reads,
//! deduplicated by `index`, and kept for `getTranscript` / `getStats`.

use super::value::{parse_int, str_of, u64_of};
use serde_json::{json, Map, Value};

/// The sender type after the shipped rules (`Bot` when the party-info style says so).
pub fn sender_type(raw: &Value) -> String {
    let style = raw
        .get("eventAttributes")
        .and_then(|e| e.get("GCTI_SYSTEM"))
        .and_then(|g| g.get("party-info"))
        .and_then(|p| str_of(p, "style"));
    if style == Some("BOT") {
        return "Bot".into();
    }
    raw.get("from").and_then(|f| str_of(f, "type")).unwrap_or("").to_owned()
}

/// The rich-content text (`eventAttributes.structured-content.genesys-chat.content.text`,
/// where `content` may itself be a JSON string), else the plain text.
fn message_text(raw: &Value) -> Option<Value> {
    let content = raw
        .get("eventAttributes")
        .and_then(|e| e.get("structured-content"))
        .and_then(|s| s.get("genesys-chat"))
        .and_then(|g| g.get("content"));
    let parsed;
    let content = match content {
        Some(Value::String(s)) => {
            parsed = serde_json::from_str::<Value>(s).ok();
            parsed.as_ref()
        }
        other => other,
    };
    if let Some(t) = content.and_then(|c| c.get("text")).filter(|t| !t.is_null()) {
        return Some(t.clone());
    }
    raw.get("text").cloned()
}

/// Normalises one raw GMS message (spec §3.3 "messageReceived normalization").
pub fn normalize(raw: &Value, restoring: bool) -> Value {
    let mut m = Map::new();
    let kind = str_of(raw, "type").unwrap_or("").to_owned();
    m.insert("type".into(), Value::String(kind.clone()));
    if let Some(i) = raw.get("index") {
        m.insert("index".into(), i.clone());
    }
    if let Some(t) = raw.get("utcTime") {
        m.insert("timestamp".into(), t.clone());
    }
    if let Some(text) = message_text(raw) {
        m.insert("text".into(), text);
    }
    for key in ["html", "bubble", "userData"] {
        if let Some(v) = raw.get(key) {
            m.insert(key.into(), v.clone());
        }
    }
    let from = raw.get("from");
    m.insert(
        "from".into(),
        json!({
            "id": parse_int(from.and_then(|f| f.get("participantId"))),
            "type": sender_type(raw),
            "name": from.and_then(|f| f.get("nickname")).cloned().unwrap_or(Value::Null),
        }),
    );
    match kind.as_str() {
        "TypingStarted" => {
            m.insert("isTyping".into(), Value::Bool(true));
        }
        "TypingStopped" => {
            m.insert("isTyping".into(), Value::Bool(false));
        }
        "FileUploaded" => {
            m.insert("fileDetails".into(), raw.get("userData").cloned().unwrap_or(Value::Null));
        }
        _ => {}
    }
    if restoring {
        m.insert("restoring".into(), Value::Bool(true));
    }
    Value::Object(m)
}

/// Messages of the current (or last ended) chat, as published.
#[derive(Debug, Clone, Default)]
pub struct Transcript {
    pub messages: Vec<Value>,
    pub originals: Vec<Value>,
    /// Indexes seen, sorted (they arrive in increasing order, so inserts append).
    seen: Vec<u64>,
    /// The next transcript position to ask for (`transcriptPosition`), 1-based.
    pub next_position: u64,
}

impl Transcript {
    pub fn new() -> Self {
        Transcript { next_position: 1, ..Default::default() }
    }

    /// Records the index of a raw message; `false` when that index was already seen
    /// (the shipped plugin drops such duplicates).
    pub fn admit(&mut self, raw: &Value) -> bool {
        match u64_of(raw, "index") {
            Some(i) => {
                match self.seen.binary_search(&i) {
                    Ok(_) => return false,
                    Err(at) => self.seen.insert(at, i),
                }
                if i >= self.next_position {
                    self.next_position = i + 1;
                }
                true
            }
            // Deployments without fast transcript refresh send no index: keep everything.
            None => true,
        }
    }

    pub fn extend(&mut self, originals: &[Value], normalized: &[Value]) {
        self.originals.extend_from_slice(originals);
        self.messages.extend_from_slice(normalized);
    }

    /// `getStats`: first and last timestamps, `false` when there are none.
    pub fn stats(&self, agents: Value) -> Value {
        let ts = |m: Option<&Value>| m.and_then(|m| m.get("timestamp")).and_then(Value::as_f64);
        let start = ts(self.messages.first());
        let end = ts(self.messages.last());
        let as_value = |t: Option<f64>| t.map(|f| json!(f as i64)).unwrap_or(Value::Bool(false));
        let duration = match (start, end) {
            (Some(s), Some(e)) => json!((e - s) as i64),
            _ => Value::Bool(false),
        };
        json!({ "agents": agents, "startTime": as_value(start), "endTime": as_value(end), "duration": duration })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization_follows_the_shipped_shape() {
        let raw = json!({"from": {"nickname": "Anna", "participantId": "2", "type": "Agent"},
            "index": 4, "type": "Message", "text": "Hi", "utcTime": 1432845101000u64});
        let n = normalize(&raw, true);
        assert_eq!(n, json!({"type": "Message", "index": 4, "timestamp": 1432845101000u64, "text": "Hi",
            "from": {"id": 2, "type": "Agent", "name": "Anna"}, "restoring": true}));
    }

    #[test]
    fn bot_style_and_structured_content_are_honoured() {
        let raw = json!({"from": {"nickname": "B", "participantId": 3, "type": "External"}, "index": 1,
            "type": "Message", "text": "raw",
            "eventAttributes": {"GCTI_SYSTEM": {"party-info": {"style": "BOT"}},
              "structured-content": {"genesys-chat": {"content": "{\"text\":\"rich\"}"}}}});
        let n = normalize(&raw, false);
        assert_eq!(n["from"]["type"], "Bot");
        assert_eq!(n["text"], "rich");
    }

    #[test]
    fn duplicate_indexes_are_refused() {
        let mut t = Transcript::new();
        assert!(t.admit(&json!({"index": 1})));
        assert!(!t.admit(&json!({"index": 1})));
        assert!(t.admit(&json!({"index": 3})));
        assert_eq!(t.next_position, 4);
    }
}

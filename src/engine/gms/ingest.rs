//! Transcript entries from a refresh answer to bus events (the shipped `je`, `Re`, `Oe`):
//! entries are taken once by `index`; a `Message` matching a prefilter is hidden (but
//! still ends the agent's typing); the others go through the preprocessors, are
//! normalised, raise their participant and typing events, and are published together as
//! one `messageReceived`.

use super::Session;
use crate::engine::emitter::Live;
use crate::engine::host::Host;
use crate::engine::json::{obj, parse, Map, Value};
use crate::engine::{keys, prefilters};

/// Normalises a raw GMS transcript entry (the shipped `Re`), as of `restoring`.
pub fn normalise(e: &Value, restoring: bool) -> Value {
    let mut t = Map::new();
    match e.get("type").as_str() {
        Some("TypingStarted") => t.push("isTyping", Value::Bool(true)),
        Some("TypingStopped") => t.push("isTyping", Value::Bool(false)),
        _ => {}
    }
    if e.get("type").as_str() == Some("FileUploaded") {
        t.push("fileDetails", e.get("userData").clone());
    }
    let mut content = e.path("eventAttributes.structured-content.genesys-chat.content").clone();
    if let Value::String(s) = &content {
        if let Ok(v) = parse(s) {
            content = v;
        }
    }
    let mut style = e.path("eventAttributes.GCTI_SYSTEM.party-info.style").clone();
    if let Value::String(s) = &style {
        if let Ok(v) = parse(s) {
            style = v;
        }
    }
    let text = if content.truthy() && content.get("text").truthy() { content.get("text").clone() } else { e.get("text").clone() };
    t.push("text", text);
    t.push("type", e.get("type").clone());
    t.push("index", e.get("index").clone());
    t.push("timestamp", e.get("utcTime").clone());
    t.push("html", e.get("html").clone());
    t.push("bubble", e.get("bubble").clone());
    t.push("userData", e.get("userData").clone());
    let from = e.get("from");
    let mut f = Map::new();
    if from.truthy() {
        f.push("id", parse_int(from.get("participantId")));
        f.push("type", from.get("type").clone());
        f.push("name", from.get("nickname").clone());
    } else {
        f.push("id", Value::str(""));
        f.push("type", Value::str(""));
        f.push("name", Value::str(""));
    }
    if style.as_str() == Some("BOT") {
        f.insert("type", Value::str("Bot"));
    }
    t.push("from", Value::Object(f));
    if restoring {
        t.push("restoring", Value::Bool(true));
    }
    Value::Object(t)
}

/// [`normalise`] as a view of a kept entry (see `json::Shared`): live and restoring.
fn normalised_live(e: Value) -> Value {
    normalise(&e, false)
}
fn normalised_restoring(e: Value) -> Value {
    normalise(&e, true)
}

/// JavaScript's `parseInt` (base 10): leading digits of the text; `NaN` otherwise.
pub fn parse_int(v: &Value) -> Value {
    let s = match v {
        Value::Number(n) if n.get().is_finite() => return Value::num(n.get().trunc()),
        Value::Undefined => return Value::num(f64::NAN),
        other => other.to_js_string(),
    };
    let t = s.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let end = digits.bytes().position(|c| !c.is_ascii_digit()).unwrap_or(digits.len());
    if end == 0 {
        return Value::num(f64::NAN);
    }
    let n: f64 = digits[..end].bytes().fold(0.0, |acc, d| acc * 10.0 + f64::from(d - b'0'));
    Value::num(if neg { -n } else { n })
}

fn is(v: &Value, names: &[&str]) -> bool {
    v.as_str().is_some_and(|s| names.contains(&s))
}

impl Session {
    /// Whether a text is hidden by a prefilter (the shipped `qe` matches `text + ""`).
    fn hidden(&self, text: &Value) -> bool {
        self.filters.matches(&text.to_js_string())
    }

    /// The shipped `je`: the entries of an answer become events. `e.messages` is left
    /// without the hidden ones when something was published (what `ajaxResponse` shows).
    ///
    /// Memory: the answer's entries arrive as text ([`Value::Json`], see
    /// `json::parse_keeping_entries`); each is read into a tree only while it is decided
    /// on, and what is published and kept is the original's shared text (the normalised
    /// message is a view of it), so `messageReceived`, `ajaxResponse` and the transcript
    /// hold one copy of each entry.
    pub(super) fn ingest(&mut self, e: &mut Value, host: &mut dyn Host) {
        prefilters::sync_from_cookie(&mut self.out, &mut self.filters, host);
        // Taken out of the answer (not copied), and put back unless replaced.
        let raws: Vec<Value> = match e.as_object_mut().and_then(|m| m.get_mut("messages")) {
            Some(Value::Array(a)) => std::mem::take(a),
            _ => Vec::new(),
        };
        enum Item {
            Hidden(usize),
            /// The `j`th entry handed to the preprocessors, the `i`th of the answer.
            Shown(usize, usize),
        }
        let mut items = Vec::new();
        let mut shown = Vec::new();
        // Which entries `originalMessages` leaves out: those whose text a filter matches.
        let mut filtered_out = Vec::with_capacity(raws.len());
        for (i, raw) in raws.iter().enumerate() {
            let tree = raw.expanded();
            let text = tree.get("text");
            let out = self.filters.matches(&if text.truthy() { text.to_js_string() } else { String::new() });
            filtered_out.push(out);
            if !self.transcript.first_time(tree.get("index")) {
                continue;
            }
            // A truthy text was just matched as it is; only a falsy one reads differently
            // here (`text + ""`, e.g. "undefined").
            let hidden = if text.truthy() { out } else { self.hidden(text) };
            if tree.get("type").as_str() != Some("Message") || !hidden {
                items.push(Item::Shown(shown.len(), i));
                shown.push(raw.clone());
            } else {
                items.push(Item::Hidden(i));
            }
        }
        let count = shown.len();
        let mut processed = if count > 0 { host.preprocess(shown) } else { Vec::new() };
        // A preprocessor failure in the page leaves the messages as they were.
        let preprocessed = processed.len() == count;
        let position_before = self.transcript.position;
        let mut published = Vec::new();
        for item in items {
            match item {
                Item::Hidden(i) => self.side_events(&raws[i].expanded()),
                Item::Shown(j, i) => {
                    let raw = match processed.get_mut(j) {
                        Some(m) if preprocessed => std::mem::take(m),
                        _ => raws[i].clone(),
                    }
                    .shared();
                    let tree = raw.expanded();
                    let n = normalise(&tree, self.restoring);
                    self.transcript.advance(tree.get("index"));
                    self.side_events(&n);
                    self.outbox_saw(&n);
                    let timestamp = n.get("timestamp").clone();
                    // The normalised message is a view of the kept original: no copy of
                    // its own, built again (one at a time) whenever it is written.
                    let view = if self.restoring { normalised_restoring } else { normalised_live };
                    let n = raw.viewed(view).unwrap_or_else(|| n.shared());
                    published.push(n.clone());
                    self.transcript.keep(n, raw, timestamp);
                }
            }
        }
        if self.transcript.position != position_before {
            host.storage_set(keys::INDEX, &self.transcript.position_text());
        }
        if !published.is_empty() {
            let originals: Vec<Value> = raws.into_iter().zip(filtered_out).filter(|(_, out)| !out).map(|(m, _)| m.shared()).collect();
            if let Some(m) = e.as_object_mut() {
                m.insert("messages", Value::Array(originals.clone()));
            }
            let payload = obj([
                ("originalMessages", Value::Array(originals)),
                ("messages", Value::Array(published)),
                ("restoring", Value::Bool(self.restoring)),
                ("sessionData", Value::Undefined),
                ("oldMessages", Value::Bool(false)),
                ("idleTimeCountDown", e.get("idleTimerExpire").clone()),
            ]);
            self.out.publish_live("messageReceived", payload, Live::SessionData);
        } else if let Some(Value::Array(a)) = e.as_object_mut().and_then(|m| m.get_mut("messages")) {
            *a = raws;
        }
        if e.get("chatEnded") == &Value::Bool(true) && self.active {
            self.end_locally(true, host);
        }
    }

    /// The visitor's own message came back: it may settle an unanswered send.
    fn outbox_saw(&mut self, n: &Value) {
        if n.get("type").as_str() == Some("Message") && n.get("from").get("type").as_str() == Some("Client") {
            if let Some(text) = n.get("text").as_str() {
                if let Some(m) = self.outbox.saw_own(text) {
                    self.out.resolve(m.cmd, obj([("statusCode", Value::int(0))]));
                }
            }
        }
    }

    /// The shipped `Oe`: participant and typing events of one entry.
    fn side_events(&mut self, e: &Value) {
        let t = e.get("type");
        let from = e.get("from");
        let r = from.get("type");
        let id = from.get("id").to_js_string();
        let agentish = is(r, &["Agent", "Supervisor"]);
        if is(t, &["Message", "PushUrl", "Notice"]) && agentish {
            self.typing_stopped(Value::Undefined);
        }
        let payload = |s: &Session| obj([("message", e.clone()), ("agents", Value::Undefined), ("numAgentsConnected", Value::int(s.transcript.connected_agents() as i64))]);
        match t.as_str() {
            Some("ParticipantJoined") => {
                if agentish {
                    self.transcript.agent_joined(&id, from.get("name").clone(), r.as_str() == Some("Supervisor"), e.get("timestamp").clone());
                }
                let event = match r.as_str() {
                    Some("Client") => Some("clientConnected"),
                    Some("Agent") => Some("agentConnected"),
                    Some("Bot") => Some("botConnected"),
                    Some("Supervisor") => Some("supervisorConnected"),
                    _ => None,
                };
                if let Some(event) = event {
                    let p = payload(self);
                    self.out.publish_live(event, p, Live::Agents);
                }
            }
            Some("ParticipantLeft") => {
                self.transcript.agent_left(&id, e.get("timestamp").clone());
                let p = payload(self);
                match r.as_str() {
                    Some("Client") => self.out.publish_live("clientDisconnected", p, Live::Agents),
                    Some("Agent") => {
                        self.out.publish_live("agentDisconnected", p, Live::Agents);
                        self.typing_stopped(Value::Undefined);
                    }
                    Some("Bot") => self.out.publish_live("botDisconnected", p, Live::Agents),
                    Some("Supervisor") => {
                        self.out.publish_live("supervisorDisconnected", p, Live::Agents);
                        self.typing_stopped(Value::Undefined);
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        if agentish {
            match t.as_str() {
                Some("TypingStarted") => {
                    self.out.data("agentTyping", Value::Bool(true));
                    self.out.publish("agentTypingStarted", e.clone());
                }
                Some("TypingStopped") => self.typing_stopped(e.clone()),
                _ => {}
            }
        }
    }

    fn typing_stopped(&mut self, data: Value) {
        self.out.data("agentTyping", Value::Bool(false));
        self.out.publish("agentTypingStopped", data);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_normalise_with_the_shipped_keys() {
        let raw = parse(r#"{"type":"Message","from":{"nickname":"Anna","participantId":"2","type":"Agent"},"text":"hi","index":4,"utcTime":1600000004000}"#).unwrap();
        assert_eq!(
            normalise(&raw, false).write(),
            r#"{"text":"hi","type":"Message","index":4,"timestamp":1600000004000,"html":"\u0001undefined","bubble":"\u0001undefined","userData":"\u0001undefined","from":{"id":2,"type":"Agent","name":"Anna"}}"#
        );
    }

    #[test]
    fn structured_content_and_bot_style_are_read() {
        let raw = parse(r#"{"type":"Message","from":{"participantId":3,"type":"Agent"},"text":"raw","eventAttributes":{"structured-content":{"genesys-chat":{"content":"{\"text\":\"rich\"}"}},"GCTI_SYSTEM":{"party-info":{"style":"BOT"}}}}"#).unwrap();
        let n = normalise(&raw, true);
        assert_eq!(n.get("text").as_str(), Some("rich"));
        assert_eq!(n.get("from").get("type").as_str(), Some("Bot"));
        assert_eq!(n.get("restoring"), &Value::Bool(true));
    }

    #[test]
    fn parse_int_is_javascripts() {
        assert_eq!(parse_int(&Value::str("12abc")).as_f64(), Some(12.0));
        assert!(parse_int(&Value::str("x")).as_f64().is_some_and(f64::is_nan));
        assert_eq!(parse_int(&Value::int(7)).as_f64(), Some(7.0));
    }
}

//! Messages of a Nexus poll, restore or history answer, as the shipped transport turns
//! them into bus payloads:
//!
//! - the index is "sanitised" (its first `-` removed) and is the dedupe key;
//! - the normalised message is a copy of the original with `timestamp` = `utcTime`, the
//!   sanitised index, `Text` renamed `Message`, a `PushUrl`'s `url` as its text, and
//!   `from` = `{name, type (Customer → Client), participantId}`;
//! - the original itself gets `from.name`, `from.id` and the `Client` type (the shipped
//!   code changes it in place before publishing it as `originalMessages`);
//! - events follow from the original's type and sender type as they were *before* that
//!   change. So a visitor's own `ParticipantJoined` (type `Customer`) publishes no
//!   `clientConnected`, and an agent's `Text` does not stop the agent-typing indicator (only
//!   a `PushUrl` or `Notice` does).
//!
//! Errors are read as the shipped `handleError` reads them.

use crate::engine::json::{obj, parse, Map, Value};

/// The sanitised index: the first `-` removed (protocols.md §2.6: its meaning is
/// unknown). A numeric index (a tolerant reading) is its text.
pub fn sanitized_index(index: &Value) -> String {
    let text = match index {
        Value::String(s) => s.clone(),
        Value::Number(_) => index.to_js_string(),
        _ => return String::new(),
    };
    text.replacen('-', "", 1)
}

/// The normalised message of an original that already carries its `iTempIndex`.
pub fn normalized(original: &Value, index: &str) -> Value {
    let mut m = original.as_object().cloned().unwrap_or_default();
    m.insert("timestamp", original.get("utcTime").clone());
    m.insert("index", Value::str(index));
    if original.get("type").as_str() == Some("Text") {
        m.insert("type", Value::str("Message"));
    }
    if original.get("type").as_str() == Some("PushUrl") && original.get("url").truthy() {
        m.insert("text", original.get("url").clone());
    }
    let from = original.get("from");
    if from.truthy() {
        let name = if from.get("nickname").truthy() { from.get("nickname") } else { from.get("firstName") };
        m.insert(
            "from",
            obj([
                ("name", name.clone()),
                ("type", if from.get("type").as_str() == Some("Customer") { Value::str("Client") } else { from.get("type").clone() }),
                ("participantId", from.get("participantId").clone()),
            ]),
        );
    }
    Value::Object(m)
}

/// The shipped `transformMessage`, in place on the original.
pub fn transform_original(original: &mut Value) {
    let Some(from) = original.get_mut("from").and_then(Value::as_object_mut) else { return };
    if let Some(n) = from.get("nickname").filter(|n| n.truthy()).cloned() {
        from.insert("name", n);
    }
    if from.get("type").is_some_and(|t| t.truthy()) && from.get("type").and_then(Value::as_str) == Some("Customer") {
        from.insert("type", Value::str("Client"));
    }
    if let Some(id) = from.get("participantId").filter(|n| n.truthy()).cloned() {
        from.insert("id", id);
    }
}

/// What a message does besides being published.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Publish(&'static str, Value),
    /// `agentTypingStarted` was published: start the 3 s window unless one is running.
    TypingWindow,
}

/// The shipped `parseMessageForEvents` for one original: `kind` and `role` are its type and
/// sender type *before* [`transform_original`]. `message` is the original *after* it
/// (what the events carry), and `agents` is the transport's `oAgents`.
pub fn events(kind: &str, role: &str, message: &Value, agents: &mut Map) -> Vec<Effect> {
    let mut out = Vec::new();
    let staff = role == "Agent" || role == "Supervisor";
    let pid = message.get("from").get("participantId").to_js_string();
    if staff && matches!(kind, "Message" | "PushUrl" | "Notice") {
        out.push(Effect::Publish("agentTypingStopped", message.clone()));
    }
    match kind {
        "ParticipantJoined" => {
            if staff {
                agents.insert(
                    pid.clone(),
                    obj([
                        ("name", message.get("from").get("name").clone()),
                        ("connected", Value::Bool(true)),
                        ("supervisor", Value::Bool(role == "Supervisor")),
                        ("connectedTime", message.get("timestamp").clone()),
                        ("disconnectedTime", Value::Bool(false)),
                    ]),
                );
            }
            let payload = obj([("message", message.clone()), ("agents", Value::Object(agents.clone()))]);
            match role {
                "Client" => out.push(Effect::Publish("clientConnected", payload)),
                "Agent" => out.push(Effect::Publish("agentConnected", payload)),
                "Supervisor" => out.push(Effect::Publish("supervisorConnected", payload)),
                _ => {}
            }
        }
        "ParticipantLeft" => {
            if let Some(a) = agents.get_mut(&pid).and_then(Value::as_object_mut) {
                a.insert("connected", Value::Bool(false));
                a.insert("disconnectedTime", message.get("timestamp").clone());
            }
            let payload = obj([("message", message.clone()), ("agents", Value::Object(agents.clone()))]);
            match role {
                "Client" => out.push(Effect::Publish("clientDisconnected", payload)),
                "Agent" => {
                    out.push(Effect::Publish("agentDisconnected", payload.clone()));
                    out.push(Effect::Publish("agentTypingStopped", payload));
                }
                "Supervisor" => out.push(Effect::Publish("supervisorDisconnected", payload)),
                _ => {}
            }
        }
        _ => {}
    }
    if staff && kind == "TypingStarted" {
        out.push(Effect::Publish("agentTypingStarted", message.clone()));
        out.push(Effect::TypingWindow);
    }
    if staff && kind == "TypingStopped" {
        out.push(Effect::Publish("agentTypingStopped", message.clone()));
    }
    out
}

/// A failed request as the shipped `handleError` sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// 404, or `INVALID_SESSION` (or 401 while an async restore runs): the session is gone.
    SessionLost,
    /// Published as `error` with `{errors: [this]}`.
    Error(Value),
}

/// Reads a jqXHR of a failed request. `async_restoring` makes a 401 a lost session, as shipped.
///
/// Deliberate: a `responseText` that is not JSON is read as no body. The shipped
/// `JSON.parse` throws there, and a failed poll then never polls again.
pub fn failure(xhr: &Value, async_restoring: bool) -> Failure {
    let body = match xhr.get("responseJSON") {
        v if v.truthy() => v.clone(),
        _ => xhr.get("responseText").as_str().filter(|t| !t.is_empty()).and_then(|t| parse(t).ok()).unwrap_or_else(Value::object),
    };
    let status = body.get("status");
    let (text, code) = if status.truthy() {
        let text = if status.get("message").truthy() { status.get("message").clone() } else { Value::str("") };
        let code = if status.get("code").truthy() { status.get("code").clone() } else { Value::str("") };
        (text, code)
    } else {
        (Value::Undefined, Value::Undefined)
    };
    let http = xhr.get("status").as_f64().unwrap_or(0.0);
    if code.as_str() == Some("INVALID_SESSION") || http == 404.0 || (async_restoring && http == 401.0) {
        return Failure::SessionLost;
    }
    let code_text = if code.as_f64() == Some(1.0) { String::new() } else { format!("{}-{}", super::TRANSPORT, code.to_js_string()) };
    Failure::Error(obj([
        ("code", Value::String(code_text)),
        ("text", if text.truthy() { text } else { Value::str("") }),
        ("response", xhr.clone()),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::json::parse as json;

    /// A message as the oracle's Nexus stand-in served it in a recording.
    const AGENT_JOIN: &str = r#"{"index":"2","type":"ParticipantJoined","from":{"nickname":"Anna","firstName":"Anna","lastName":"","type":"Agent","participantId":"p-2"},"utcTime":1600000002000}"#;

    fn recorded(text: &str) -> Value {
        let mut v = json(text).unwrap();
        let index = sanitized_index(v.get("index"));
        v.as_object_mut().unwrap().insert("iTempIndex", Value::str(index.as_str()));
        v
    }

    /// The normalised copy keeps the original's keys in order (iTempIndex included), adds
    /// timestamp last, and rewrites `from`, as the shipped getTranscript shows.
    #[test]
    fn normalised_messages_have_the_shipped_shape() {
        let v = recorded(AGENT_JOIN);
        assert_eq!(
            normalized(&v, "2").write(),
            r#"{"index":"2","type":"ParticipantJoined","from":{"name":"Anna","type":"Agent","participantId":"p-2"},"utcTime":1600000002000,"iTempIndex":"2","timestamp":1600000002000}"#
        );
        let text = recorded(r#"{"index":"-7","type":"Text","text":"hi","from":{"firstName":"Jo","type":"Customer","participantId":"p-1"}}"#);
        let n = normalized(&text, &sanitized_index(text.get("index")));
        assert_eq!((n.get("type").as_str(), n.get("index").as_str(), n.path("from.type").as_str(), n.path("from.name").as_str()), (Some("Message"), Some("7"), Some("Client"), Some("Jo")));
        let push = recorded(r#"{"index":"8","type":"PushUrl","url":"https://x.test","from":{"type":"Agent"}}"#);
        assert_eq!(normalized(&push, "8").get("text").as_str(), Some("https://x.test"));
    }

    /// The original is changed in place: name and id appended to `from`, Customer → Client.
    #[test]
    fn originals_are_transformed_in_place() {
        let mut v = recorded(r#"{"index":"1","type":"ParticipantJoined","from":{"nickname":"Jane","type":"Customer","participantId":"p-1"}}"#);
        transform_original(&mut v);
        assert_eq!(v.get("from").write(), r#"{"nickname":"Jane","type":"Client","participantId":"p-1","name":"Jane","id":"p-1"}"#);
    }

    /// The visitor's own join (Customer) publishes nothing; an agent join publishes
    /// agentConnected with the agents map; an agent Text does not stop typing, a Notice does;
    /// an agent leave publishes agentDisconnected then agentTypingStopped.
    #[test]
    fn events_follow_the_pre_transform_type() {
        let mut agents = Map::new();
        let mut me = recorded(r#"{"index":"1","type":"ParticipantJoined","from":{"nickname":"Jane","type":"Customer","participantId":"p-1"}}"#);
        transform_original(&mut me);
        assert!(events("ParticipantJoined", "Customer", &me, &mut agents).is_empty());
        let mut join = recorded(AGENT_JOIN);
        transform_original(&mut join);
        let e = events("ParticipantJoined", "Agent", &join, &mut agents);
        assert!(matches!(&e[..], [Effect::Publish("agentConnected", p)] if p.path("agents.p-2.connected") == &Value::Bool(true)));
        assert_eq!(agents.get("p-2").map(|a| a.get("connectedTime").is_undefined()), Some(true), "the original has no timestamp");
        let said = recorded(r#"{"index":"3","type":"Text","text":"hi","from":{"type":"Agent","participantId":"p-2"}}"#);
        assert!(events("Text", "Agent", &said, &mut agents).is_empty());
        let notice = recorded(r#"{"index":"4","type":"Notice","text":"n","from":{"type":"Agent","participantId":"p-2"}}"#);
        assert!(matches!(&events("Notice", "Agent", &notice, &mut agents)[..], [Effect::Publish("agentTypingStopped", _)]));
        let typing = recorded(r#"{"index":"5","type":"TypingStarted","from":{"type":"Agent","participantId":"p-2"}}"#);
        assert!(matches!(&events("TypingStarted", "Agent", &typing, &mut agents)[..], [Effect::Publish("agentTypingStarted", _), Effect::TypingWindow]));
        let left = recorded(r#"{"index":"6","type":"ParticipantLeft","from":{"type":"Agent","participantId":"p-2"}}"#);
        let e = events("ParticipantLeft", "Agent", &left, &mut agents);
        assert!(matches!(&e[..], [Effect::Publish("agentDisconnected", _), Effect::Publish("agentTypingStopped", _)]));
        assert_eq!(agents.get("p-2").map(|a| a.get("connected").clone()), Some(Value::Bool(false)));
    }

    /// Error codes as the shipped errors carry them: prefixed (string or integer), the
    /// prefix and "undefined" without a body, a session lost on 404 / INVALID_SESSION.
    #[test]
    fn failures_read_as_handle_error_reads_them() {
        let xhr = |status: u16, text: &str| json(&format!(r#"{{"readyState":4,"responseText":{},"status":{status}}}"#, Value::str(text).write())).unwrap();
        let Failure::Error(e) = failure(&xhr(400, r#"{"status":{"code":"INVALID_NICKNAME","message":"first name is required"}}"#), false) else { panic!() };
        assert_eq!((e.get("code").as_str(), e.get("text").as_str()), (Some("pureengage-v3-rest-INVALID_NICKNAME"), Some("first name is required")));
        let Failure::Error(e) = failure(&xhr(500, r#"{"status":{"code":500}}"#), false) else { panic!() };
        assert_eq!(e.get("code").as_str(), Some("pureengage-v3-rest-500"));
        let Failure::Error(e) = failure(&xhr(429, ""), false) else { panic!() };
        assert_eq!((e.get("code").as_str(), e.get("text").as_str()), (Some("pureengage-v3-rest-undefined"), Some("")));
        let Failure::Error(e) = failure(&xhr(502, "<html>bad gateway</html>"), false) else { panic!("a text body is no body") };
        assert_eq!(e.get("code").as_str(), Some("pureengage-v3-rest-undefined"));
        assert_eq!(failure(&xhr(400, r#"{"status":{"code":"INVALID_SESSION"}}"#), false), Failure::SessionLost);
        assert_eq!(failure(&xhr(404, ""), false), Failure::SessionLost);
        assert!(matches!(failure(&xhr(401, ""), false), Failure::Error(_)));
        assert_eq!(failure(&xhr(401, ""), true), Failure::SessionLost);
    }
}

//! What the client sends on the Web Messaging socket: one JSON object per frame, each
//! with its `action` and the session `token` (a client-made UUID kept for reconnects).

use crate::engine::json::{obj, Map, Value};

/// `configureSession`: opens (`start_new`: a new conversation for this token) or
/// re-attaches a session.
pub fn configure_session(token: &str, deployment_id: &str, start_new: bool) -> String {
    obj([
        ("action", Value::str("configureSession")),
        ("token", Value::str(token)),
        ("deploymentId", Value::str(deployment_id)),
        ("startNew", Value::Bool(start_new)),
    ])
    .to_json()
}

/// A visitor's text. `custom_id` (`metadata.customMessageId`) comes back on its Inbound
/// echo, so the send can be settled by it as well as by `tracingId`; `attributes` ride as
/// `channel.metadata.customAttributes` (the form fields and `userData`); `attachments` are
/// ids of uploaded files.
pub fn text_message(token: &str, text: &str, custom_id: &str, attributes: Option<&Map>, attachments: &[String]) -> String {
    let mut message = Map::new();
    message.insert("type", Value::str("Text"));
    message.insert("text", Value::str(text));
    if !attachments.is_empty() {
        let content = attachments.iter().map(|id| obj([("contentType", Value::str("Attachment")), ("attachment", obj([("id", Value::str(id.as_str()))]))])).collect();
        message.insert("content", Value::Array(content));
    }
    message.insert("metadata", obj([("customMessageId", Value::str(custom_id))]));
    let channel = attributes.filter(|a| !a.is_empty()).map(channel_of);
    if let Some(c) = &channel {
        message.insert("channel", c.clone());
    }
    on_message(token, Value::Object(message), Some(custom_id), channel)
}

/// An `Event` message: Typing `On`, Presence `Join` (the auto-start) or `Clear`. Every
/// request carries a `tracingId`, so that an error answer names what it answers.
pub fn event(token: &str, event: Event, attributes: Option<&Map>, tracing_id: &str) -> String {
    let e = match event {
        Event::TypingOn => obj([("eventType", Value::str("Typing")), ("typing", obj([("type", Value::str("On"))]))]),
        Event::Join => obj([("eventType", Value::str("Presence")), ("presence", obj([("type", Value::str("Join"))]))]),
        Event::Clear => obj([("eventType", Value::str("Presence")), ("presence", obj([("type", Value::str("Clear"))]))]),
    };
    let mut message = Map::new();
    message.insert("type", Value::str("Event"));
    message.insert("events", Value::Array(vec![e]));
    let channel = attributes.filter(|a| !a.is_empty()).map(channel_of);
    if let Some(c) = &channel {
        message.insert("channel", c.clone());
    }
    on_message(token, Value::Object(message), Some(tracing_id), channel)
}

/// The events the client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    TypingOn,
    Join,
    Clear,
}

/// `channel.metadata.customAttributes`.
fn channel_of(a: &Map) -> Value {
    obj([("metadata", obj([("customAttributes", Value::Object(a.clone()))]))])
}

/// `channel` goes inside `message` (as the Messenger transport SDK sends it) and at the
/// top level of the request (as the Java SDK's `SendMessageRequest` and other public
/// clients send it): which one the server reads is not documented.
fn on_message(token: &str, message: Value, tracing_id: Option<&str>, channel: Option<Value>) -> String {
    let mut m = Map::new();
    m.insert("action", Value::str("onMessage"));
    m.insert("token", Value::str(token));
    m.insert("message", message);
    if let Some(c) = channel {
        m.insert("channel", c);
    }
    if let Some(t) = tracing_id {
        m.insert("tracingId", Value::str(t));
    }
    Value::Object(m).to_json()
}

/// The health check: an `echo` the server answers at once. Its id rides both as the
/// `tracingId` (current servers send it back on the envelope) and as
/// `metadata.customMessageId` (older ones copied that back).
pub fn echo(token: &str) -> String {
    obj([
        ("action", Value::str("echo")),
        ("token", Value::str(token)),
        ("tracingId", Value::str(super::HEALTH_CHECK_ID)),
        ("message", obj([("type", Value::str("Text")), ("text", Value::str("ping")), ("metadata", obj([("customMessageId", Value::str(super::HEALTH_CHECK_ID))]))])),
    ])
    .to_json()
}

/// The `tracingId` of a `getJwt`.
pub const JWT_TRACING: &str = "getJwt";
/// The `tracingId` of a `closeSession`.
pub const CLOSE_TRACING: &str = "closeSession";
/// The `tracingId` of the auto-start Join.
pub const JOIN_TRACING: &str = "join";
/// The `tracingId` of a Presence Clear.
pub const CLEAR_TRACING: &str = "clear";

/// `getJwt`: the JWT the history REST call needs.
pub fn get_jwt(token: &str) -> String {
    obj([("action", Value::str("getJwt")), ("token", Value::str(token)), ("tracingId", Value::str(JWT_TRACING))]).to_json()
}

/// `closeSession`: every connection of the session is closed and the token is spent.
pub fn close_session(token: &str) -> String {
    obj([("action", Value::str("closeSession")), ("token", Value::str(token)), ("closeAllConnections", Value::Bool(true)), ("tracingId", Value::str(CLOSE_TRACING))]).to_json()
}

/// `onAttachment`: asks for a presigned upload URL for one file.
pub fn on_attachment(token: &str, attachment_id: &str, name: &str, mime: &str, size: f64) -> String {
    obj([
        ("action", Value::str("onAttachment")),
        ("token", Value::str(token)),
        ("attachmentId", Value::str(attachment_id)),
        ("fileName", Value::str(name)),
        ("fileType", Value::str(mime)),
        ("fileSize", Value::num(size)),
        ("errorsAsJson", Value::Bool(true)),
        ("tracingId", Value::str(attachment_id)),
    ])
    .to_json()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::json::parse;

    #[test]
    fn configure_session_names_the_deployment_and_whether_to_start_anew() {
        let v = parse(&configure_session("t-1", "dep", true)).unwrap();
        assert_eq!(v.get("action").as_str(), Some("configureSession"));
        assert_eq!((v.get("token").as_str(), v.get("deploymentId").as_str(), v.get("startNew").as_bool()), (Some("t-1"), Some("dep"), Some(true)));
    }

    #[test]
    fn a_text_carries_its_custom_id_attributes_and_attachments() {
        let mut a = Map::new();
        a.insert("firstName", Value::str("Jane"));
        let v = parse(&text_message("t", "hi", "c-1", Some(&a), &["att-1".to_owned()])).unwrap();
        assert_eq!(v.get("tracingId").as_str(), Some("c-1"));
        assert_eq!(v.path("message.metadata.customMessageId").as_str(), Some("c-1"));
        assert_eq!(v.path("message.channel.metadata.customAttributes.firstName").as_str(), Some("Jane"));
        assert_eq!(v.path("channel.metadata.customAttributes.firstName").as_str(), Some("Jane"), "also at the top level");
        let content = v.path("message.content").as_array().unwrap();
        assert_eq!(content[0].path("attachment.id").as_str(), Some("att-1"));
        let plain = parse(&text_message("t", "hi", "c-2", None, &[])).unwrap();
        assert!(plain.path("message.channel").is_undefined() && plain.path("message.content").is_undefined());
    }

    #[test]
    fn events_and_the_health_check() {
        let v = parse(&event("t", Event::TypingOn, None, "typing-1")).unwrap();
        assert_eq!(v.get("tracingId").as_str(), Some("typing-1"));
        assert_eq!(v.path("message.type").as_str(), Some("Event"));
        let e = &v.path("message.events").as_array().unwrap()[0];
        assert_eq!((e.get("eventType").as_str(), e.path("typing.type").as_str()), (Some("Typing"), Some("On")));
        let v = parse(&event("t", Event::Join, None, "join")).unwrap();
        assert_eq!(v.path("message.events").as_array().unwrap()[0].path("presence.type").as_str(), Some("Join"));
        let v = parse(&echo("t")).unwrap();
        assert_eq!((v.get("action").as_str(), v.get("tracingId").as_str()), (Some("echo"), Some(crate::engine::webmsg::HEALTH_CHECK_ID)));
    }
}

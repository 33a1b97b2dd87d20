//! What the server sends on the Web Messaging socket, read into typed frames. The
//! envelope is `{type: "response" | "message", class, code, body, tracingId?}`; a frame
//! that is not JSON, or of a class this client does not use, is [`Frame::Other`]. Reading
//! is tolerant where the public facts are vague: numbers or numeric strings, a `body` that
//! is text, fields missing.

use crate::engine::json::{parse, Value};
use crate::engine::time::iso_to_millis;

/// One server frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// `SessionResponse`: the session is configured (new or re-attached).
    Session(SessionInfo),
    /// `StructuredMessage`: a message or event, either direction.
    Message(Box<Message>),
    /// The answer to the health check's `echo`.
    HealthCheck,
    /// `JwtResponse`: the token for the history REST call.
    Jwt { jwt: String },
    /// `PresignedUrlResponse`: `PUT` the file there with these headers.
    UploadUrl { attachment_id: String, url: String, headers: Vec<(String, String)> },
    /// `UploadSuccessEvent`.
    Uploaded { attachment_id: String, download_url: String },
    /// `UploadFailureEvent` or `GenerateUrlError` (4001 type, 4002 size, 4005 name, ...).
    UploadFailed { attachment_id: String, code: i64, text: String },
    /// `TooManyRequestsErrorMessage` (429 / 4029): wait, then send again.
    TooManyRequests { retry_after_ms: u64, tracing_id: Option<String> },
    SessionExpired,
    SessionCleared,
    /// `ConnectionClosedEvent`: another sign-in, or the connection limit.
    ConnectionClosed { reason: String },
    Logout,
    /// An error answer (`class: "string"`, or any code of 4000 and above): 4006 expired,
    /// 4007 not found, 4011 text too long, 4013 attributes too large, ...
    Error { code: i64, text: String, tracing_id: Option<String> },
    Other,
}

/// What a `SessionResponse` says.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionInfo {
    pub connected: bool,
    pub new_session: bool,
    pub read_only: bool,
    pub max_custom_data_bytes: Option<f64>,
    /// MIME types (or extensions) the deployment lets the visitor upload, and the size.
    pub upload_types: Vec<String>,
    pub upload_max_kb: Option<f64>,
    pub blocked_extensions: Vec<String>,
}

/// A `StructuredMessage`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Message {
    pub id: String,
    /// From the visitor (`Inbound`; also the visitor's messages sent from another tab).
    pub inbound: bool,
    /// `Text`, `Structured` or `Event`.
    pub kind: String,
    pub text: String,
    /// `channel.time` in ms (0 when absent or unreadable).
    pub time_ms: i64,
    pub from_name: String,
    pub from_image: String,
    pub bot: bool,
    pub events: Vec<Event>,
    /// `content` as sent (quick replies, attachments, cards), kept for the UI.
    pub content: Value,
    /// `metadata.customMessageId`, or the envelope's `tracingId`: settles a send.
    pub custom_id: Option<String>,
    pub tracing_id: Option<String>,
    /// `metadata.readOnly`: the conversation can no longer take messages.
    pub read_only: bool,
    /// The body as the server sent it (published as the original message).
    pub raw: Value,
}

/// An event of a `StructuredMessage`.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    TypingOn { duration_ms: u64 },
    TypingOff,
    Join,
    Disconnect,
    Clear,
    Other,
}

/// The agent's typing indicator lasts this long when the event names no duration.
pub const TYPING_DURATION_MS: u64 = 5000;

/// Reads one frame.
pub fn read(text: &str) -> Frame {
    let Ok(f) = parse(text) else { return Frame::Other };
    let class = f.get("class").as_str().unwrap_or("");
    let body = f.get("body");
    let code = number(f.get("code")).unwrap_or(200.0) as i64;
    let tracing_id = string(f.get("tracingId"));
    match class {
        "SessionResponse" => Frame::Session(session(body)),
        "StructuredMessage" if tracing_id.as_deref() == Some(super::HEALTH_CHECK_ID) || string(body.path("metadata.customMessageId")).as_deref() == Some(super::HEALTH_CHECK_ID) => Frame::HealthCheck,
        // Tolerant: an answer (not a pushed message) that is the visitor's "ping" with no
        // id at all is the echo's reply; the visitor's own texts always carry one.
        "StructuredMessage"
            if f.get("type").as_str() == Some("response")
                && tracing_id.is_none()
                && body.get("text").as_str() == Some("ping")
                && body.get("direction").as_str() != Some("Outbound")
                && body.path("metadata.customMessageId").is_undefined() =>
        {
            Frame::HealthCheck
        }
        "StructuredMessage" => Frame::Message(Box::new(message(body, tracing_id))),
        "JwtResponse" => Frame::Jwt { jwt: string(body.get("jwt")).unwrap_or_default() },
        "PresignedUrlResponse" => Frame::UploadUrl {
            attachment_id: string(body.get("attachmentId")).unwrap_or_default(),
            url: string(body.get("url")).unwrap_or_default(),
            headers: body.get("headers").as_object().map(|m| m.iter().map(|(k, v)| (k.clone(), v.to_js_string())).collect()).unwrap_or_default(),
        },
        "UploadSuccessEvent" => Frame::Uploaded { attachment_id: string(body.get("attachmentId")).unwrap_or_default(), download_url: string(body.get("downloadUrl")).unwrap_or_default() },
        "UploadFailureEvent" | "GenerateUrlError" => Frame::UploadFailed {
            attachment_id: string(body.get("attachmentId")).unwrap_or_default(),
            code: number(body.get("errorCode")).unwrap_or(code as f64) as i64,
            text: string(body.get("errorMessage")).unwrap_or_default(),
        },
        "TooManyRequestsErrorMessage" => Frame::TooManyRequests { retry_after_ms: retry_after(body.get("retryAfter")), tracing_id },
        "SessionExpiredEvent" => Frame::SessionExpired,
        "SessionClearedEvent" => Frame::SessionCleared,
        "ConnectionClosedEvent" => Frame::ConnectionClosed { reason: string(body.get("reason")).unwrap_or_default() },
        "LogoutEvent" => Frame::Logout,
        _ if code == 429 || code == 4029 => Frame::TooManyRequests { retry_after_ms: retry_after(body.get("retryAfter")), tracing_id },
        _ if code >= 4000 || class == "string" => Frame::Error {
            code,
            text: match body {
                Value::String(s) => s.clone(),
                b => string(b.get("errorMessage")).or_else(|| string(b.get("message"))).unwrap_or_default(),
            },
            tracing_id,
        },
        _ => Frame::Other,
    }
}

fn session(b: &Value) -> SessionInfo {
    let inbound = b.path("allowedMedia.inbound");
    let types = inbound.get("fileTypes").as_array().map(|l| l.iter().filter_map(|t| string(t.get("type")).or_else(|| string(t))).collect()).unwrap_or_default();
    SessionInfo {
        // Tolerant: a server that leaves `connected` out has connected the socket.
        connected: !matches!(b.get("connected"), Value::Bool(false)),
        new_session: b.get("newSession").truthy(),
        read_only: flag(b.get("readOnly")),
        max_custom_data_bytes: number(b.get("maxCustomDataBytes")),
        upload_types: types,
        upload_max_kb: number(inbound.get("maxFileSizeKB")),
        blocked_extensions: b.get("blockedExtensions").as_array().map(|l| l.iter().filter_map(string).collect()).unwrap_or_default(),
    }
}

/// A `StructuredMessage` body (a frame's, or a history entity).
pub fn message(b: &Value, tracing_id: Option<String>) -> Message {
    let from = b.path("channel.from");
    let first_last = [string(from.get("firstName")), string(from.get("lastName"))].into_iter().flatten().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ");
    let name = string(from.get("nickname")).filter(|s| !s.is_empty()).unwrap_or(first_last);
    let time_ms = match b.path("channel.time") {
        Value::String(s) => iso_to_millis(s).unwrap_or(0),
        v => number(v).unwrap_or(0.0) as i64,
    };
    Message {
        id: string(b.get("id")).filter(|s| !s.is_empty()).or_else(|| string(b.path("channel.messageId"))).unwrap_or_default(),
        inbound: b.get("direction").as_str() == Some("Inbound"),
        kind: string(b.get("type")).unwrap_or_else(|| "Text".into()),
        text: string(b.get("text")).unwrap_or_default(),
        time_ms,
        from_name: name,
        from_image: string(from.get("image")).unwrap_or_default(),
        bot: b.get("originatingEntity").as_str() == Some("Bot"),
        events: b.get("events").as_array().map(|l| l.iter().map(event).collect()).unwrap_or_default(),
        content: b.get("content").clone(),
        custom_id: string(b.path("metadata.customMessageId")),
        tracing_id,
        read_only: flag(b.path("metadata.readOnly")),
        raw: b.clone(),
    }
}

fn event(e: &Value) -> Event {
    match e.get("eventType").as_str() {
        Some("Typing") => match e.path("typing.type").as_str() {
            Some("Off") => Event::TypingOff,
            _ => Event::TypingOn { duration_ms: number(e.path("typing.duration")).filter(|d| *d > 0.0 && *d < 3_600_000.0).map_or(TYPING_DURATION_MS, |d| d as u64) },
        },
        Some("Presence") => match e.path("presence.type").as_str() {
            Some("Join") => Event::Join,
            Some("Disconnect") => Event::Disconnect,
            Some("Clear") => Event::Clear,
            _ => Event::Other,
        },
        _ => Event::Other,
    }
}

/// `retryAfter` in seconds (the official clients' reading); a value too large to be
/// seconds is taken as milliseconds. At least 1 s, at most 5 min.
fn retry_after(v: &Value) -> u64 {
    let n = number(v).unwrap_or(1.0);
    let ms = if n > 600.0 { n } else { n * 1000.0 };
    ms.clamp(1000.0, 300_000.0) as u64
}

fn string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(_) => Some(v.to_js_string()),
        _ => None,
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::String(s) => crate::engine::json::js_decimal(s),
        v => v.as_f64(),
    }
    .filter(|n| n.is_finite())
}

/// `true` or `"true"`.
fn flag(v: &Value) -> bool {
    matches!(v, Value::Bool(true)) || v.as_str() == Some("true")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_response_says_what_the_deployment_allows() {
        let f = read(r#"{"type":"response","class":"SessionResponse","code":200,"body":{"connected":true,"newSession":true,"readOnly":false,"maxCustomDataBytes":2048,"allowedMedia":{"inbound":{"fileTypes":[{"type":"image/png"},{"type":"application/pdf"}],"maxFileSizeKB":10240}},"blockedExtensions":[".exe"]}}"#);
        let Frame::Session(s) = f else { panic!("{f:?}") };
        assert!(s.connected && s.new_session && !s.read_only);
        assert_eq!((s.max_custom_data_bytes, s.upload_max_kb), (Some(2048.0), Some(10240.0)));
        assert_eq!(s.upload_types, ["image/png", "application/pdf"]);
        assert_eq!(s.blocked_extensions, [".exe"]);
    }

    #[test]
    fn an_agent_message_with_quick_replies_keeps_its_content() {
        let f = read(r#"{"type":"message","class":"StructuredMessage","code":200,"body":{"id":"m-1","type":"Structured","text":"Pick one","direction":"Outbound","channel":{"time":"2026-12-07T10:00:01.500Z","messageId":"m-1","from":{"nickname":"Anna","image":"https://i/a.png"}},"content":[{"contentType":"QuickReply","quickReply":{"text":"Yes","payload":"y","action":"Message"}}],"originatingEntity":"Bot"}}"#);
        let Frame::Message(m) = f else { panic!("{f:?}") };
        assert!(!m.inbound && m.bot);
        assert_eq!((m.id.as_str(), m.kind.as_str(), m.text.as_str(), m.from_name.as_str()), ("m-1", "Structured", "Pick one", "Anna"));
        assert_eq!(m.time_ms, 1_796_637_601_500);
        assert_eq!(m.content.as_array().map(Vec::len), Some(1));
    }

    #[test]
    fn events_typing_presence_and_read_only() {
        let f = read(r#"{"type":"message","class":"StructuredMessage","code":200,"body":{"type":"Event","direction":"Outbound","events":[{"eventType":"Typing","typing":{"type":"On"}},{"eventType":"Presence","presence":{"type":"Disconnect"}}],"metadata":{"readOnly":"true"}}}"#);
        let Frame::Message(m) = f else { panic!("{f:?}") };
        assert_eq!(m.events, [Event::TypingOn { duration_ms: TYPING_DURATION_MS }, Event::Disconnect]);
        assert!(m.read_only);
    }

    #[test]
    fn an_inbound_echo_is_known_by_its_custom_id_or_tracing_id() {
        let f = read(r#"{"type":"message","class":"StructuredMessage","code":200,"tracingId":"c-9","body":{"id":"m-2","type":"Text","text":"hi","direction":"Inbound","metadata":{"customMessageId":"c-9"}}}"#);
        let Frame::Message(m) = f else { panic!("{f:?}") };
        assert!(m.inbound);
        assert_eq!((m.custom_id.as_deref(), m.tracing_id.as_deref()), (Some("c-9"), Some("c-9")));
    }

    #[test]
    fn the_health_check_answer_is_recognised() {
        let id = crate::engine::webmsg::HEALTH_CHECK_ID;
        assert_eq!(read(&format!(r#"{{"type":"response","class":"StructuredMessage","code":200,"tracingId":"{id}","body":{{"text":"ping","type":"Text","direction":"Inbound"}}}}"#)), Frame::HealthCheck);
        assert_eq!(read(&format!(r#"{{"type":"response","class":"StructuredMessage","code":200,"body":{{"text":"ping","metadata":{{"customMessageId":"{id}"}}}}}}"#)), Frame::HealthCheck);
    }

    #[test]
    fn errors_rate_limits_and_session_ends() {
        assert_eq!(read(r#"{"type":"response","class":"string","code":4007,"body":"session not found"}"#), Frame::Error { code: 4007, text: "session not found".into(), tracing_id: None });
        assert_eq!(read(r#"{"type":"response","class":"TooManyRequestsErrorMessage","code":429,"body":{"retryAfter":3,"errorCode":4029,"errorMessage":"slow down"}}"#), Frame::TooManyRequests { retry_after_ms: 3000, tracing_id: None });
        assert_eq!(read(r#"{"type":"message","class":"SessionExpiredEvent","code":200,"body":{}}"#), Frame::SessionExpired);
        assert_eq!(read(r#"{"type":"message","class":"ConnectionClosedEvent","code":200,"body":{"reason":"signedIn"}}"#), Frame::ConnectionClosed { reason: "signedIn".into() });
        assert_eq!(read(r#"{"type":"response","class":"UploadFailureEvent","code":200,"body":{"attachmentId":"a","errorCode":4002,"errorMessage":"too big"}}"#), Frame::UploadFailed { attachment_id: "a".into(), code: 4002, text: "too big".into() });
        assert_eq!(read("not json"), Frame::Other);
        assert_eq!(read(r#"{"class":"SomethingNew","code":200,"body":{}}"#), Frame::Other);
    }

    #[test]
    fn any_input_reads_without_panic() {
        for s in ["", "{}", "[]", "null", r#"{"class":"StructuredMessage","body":null}"#, r#"{"class":"SessionResponse","body":"x"}"#, r#"{"class":"TooManyRequestsErrorMessage","body":{"retryAfter":"NaN"}}"#, r#"{"class":"StructuredMessage","body":{"events":[1,null,{"eventType":"Typing","typing":{"duration":-5}}]}}"#] {
            let _ = read(s);
        }
    }
}

//! Genesys Cloud guest chat on the wire (spec/protocols.md §3): endpoint paths, the
//! create-conversation body, event-stream frames, and messages normalised the way the
//! shipped `purecloud-v2-sockets` transport publishes them.

use crate::engine::time::iso_to_millis;
use crate::engine::value::str_of;
use serde_json::{json, Map, Value};

pub const PREFIX: &str = "/api/v2/webchat/guest/conversations";

/// The identifiers of a guest conversation (and the cookies that keep them).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Conversation {
    pub id: String,
    pub member_id: String,
    pub jwt: String,
    pub stream_url: String,
}

impl Conversation {
    /// From the create-conversation answer `{id, jwt, eventStreamUri, member:{id}}`.
    pub fn from_created(v: &Value) -> Option<Conversation> {
        Some(Conversation {
            id: str_of(v, "id")?.to_owned(),
            member_id: v.get("member").and_then(|m| str_of(m, "id"))?.to_owned(),
            jwt: str_of(v, "jwt")?.to_owned(),
            stream_url: str_of(v, "eventStreamUri")?.to_owned(),
        })
    }
    pub fn path(&self, rest: &str) -> String {
        format!("{PREFIX}/{}{rest}", self.id)
    }
    /// The `started` payload: `{data: {jwt, conversationId, memberId, WebSocketUrl}}`.
    pub fn session(&self) -> Value {
        json!({"jwt": self.jwt, "conversationId": self.id, "memberId": self.member_id, "WebSocketUrl": self.stream_url})
    }
}

/// A frame of the event stream, as far as the transport cares.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    Heartbeat,
    Message(Value),
    Typing { sender: String },
    MemberChange { member: String, state: String },
    /// Any other frame with metadata (keeps the connection alive, means nothing else).
    Other,
}

/// Reads one text frame; `None` when it is not JSON or has neither metadata nor the
/// heartbeat body (such frames do not count as signs of life).
pub fn parse_frame(text: &str) -> Option<Frame> {
    let v: Value = serde_json::from_str(text).ok()?;
    let body = v.get("eventBody").cloned().unwrap_or(Value::Null);
    if str_of(&body, "message") == Some("WebSocket Heartbeat") {
        return Some(Frame::Heartbeat);
    }
    let kind = v.get("metadata").map(|m| str_of(m, "type").unwrap_or(""))?;
    Some(match kind {
        "message" => Frame::Message(body),
        "typing-indicator" => Frame::Typing { sender: body.get("sender").and_then(|s| str_of(s, "id")).unwrap_or("").to_owned() },
        "member-change" => Frame::MemberChange {
            member: body.get("member").and_then(|m| str_of(m, "id")).unwrap_or("").to_owned(),
            state: body.get("member").and_then(|m| str_of(m, "state")).unwrap_or("").to_owned(),
        },
        _ => Frame::Other,
    })
}

/// A member as `GET …/members/{id}` describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub id: String,
    pub role: String,
    pub name: Option<String>,
    pub avatar: Option<String>,
    pub state: String,
    pub raw: Value,
}

impl Member {
    pub fn parse(v: &Value) -> Option<Member> {
        Some(Member {
            id: str_of(v, "id")?.to_owned(),
            role: str_of(v, "role").unwrap_or("").to_owned(),
            name: str_of(v, "displayName").map(str::to_owned),
            avatar: str_of(v, "avatarImageUrl").map(str::to_owned),
            state: str_of(v, "state").unwrap_or("").to_owned(),
            raw: v.clone(),
        })
    }
}

pub fn sender_id(message: &Value) -> Option<&str> {
    message.get("sender").and_then(|s| str_of(s, "id"))
}

pub fn body_type(message: &Value) -> &str {
    str_of(message, "bodyType").unwrap_or("standard")
}

/// The message's time in epoch milliseconds (its index and timestamp when published).
pub fn millis(message: &Value) -> Option<i64> {
    str_of(message, "timestamp").and_then(iso_to_millis)
}

/// `from.type` for a sender role and body type: AGENT → Agent, CUSTOMER → Client,
/// WORKFLOW → Bot (standard) or External (notice); anything else External.
pub fn from_type(role: &str, body_type: &str) -> &'static str {
    match (role, body_type) {
        ("AGENT", _) => "Agent",
        ("CUSTOMER", _) => "Client",
        ("WORKFLOW", "notice") => "External",
        ("WORKFLOW", _) => "Bot",
        _ => "External",
    }
}

/// Normalises one message. `sender` is the looked-up member, when known (live join/leave
/// items go out without `from`, as shipped).
pub fn normalize(message: &Value, sender: Option<&Member>, restoring: bool) -> Value {
    let bt = body_type(message);
    let kind = match bt {
        "member-join" => "ParticipantJoined",
        "member-leave" => "ParticipantLeft",
        _ => "Message",
    };
    let mut m = Map::new();
    m.insert("type".into(), json!(kind));
    if kind == "Message" {
        m.insert("text".into(), message.get("body").cloned().unwrap_or(json!("")));
    }
    let at = millis(message).map(Value::from).unwrap_or(Value::Null);
    m.insert("index".into(), at.clone());
    m.insert("timestamp".into(), at);
    if let Some(id) = message.get("id") {
        m.insert("id".into(), id.clone());
    }
    if let Some(member) = sender {
        let ft = from_type(&member.role, bt);
        let fallback = if ft == "Client" { "Client" } else { "Agent" };
        m.insert("from".into(), json!({"id": member.id, "type": ft, "name": member.name.clone().unwrap_or_else(|| fallback.into())}));
        if ft == "Agent" {
            if let Some(a) = &member.avatar {
                m.insert("avatar".into(), json!(a));
            }
        }
    }
    if restoring {
        m.insert("restoring".into(), Value::Bool(true));
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_parse() {
        assert_eq!(parse_frame(r#"{"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}}"#), Some(Frame::Heartbeat));
        assert_eq!(parse_frame(r#"{"eventBody":{"sender":{"id":"a1"}},"metadata":{"CorrelationId":"c","type":"typing-indicator"}}"#), Some(Frame::Typing { sender: "a1".into() }));
        assert_eq!(parse_frame("not json"), None);
        assert_eq!(parse_frame(r#"{"eventBody":{}}"#), None);
    }
}

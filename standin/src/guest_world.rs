//! Guest chat state: conversations, members, messages, and the open event streams.

use crate::world::now_ms;
use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::mpsc::UnboundedSender;

/// What a stream task is told to do.
#[derive(Debug, Clone)]
pub enum Outbound {
    Frame(String),
    /// Close the socket from the server side (the "drop" fault).
    Close,
}

#[derive(Debug, Clone, Serialize)]
pub struct GMember {
    pub id: String,
    pub role: String,
    #[serde(rename = "displayName")]
    pub display_name: String,
    pub state: String,
    #[serde(rename = "avatarImageUrl", skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    #[serde(rename = "joinDate")]
    pub join_date: String,
    #[serde(rename = "customFields", skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Value>,
}

#[derive(Debug, Default, Serialize)]
pub struct Conversation {
    pub id: String,
    pub jwt: String,
    pub token: String,
    pub customer: String,
    pub agent: Option<String>,
    pub members: Vec<GMember>,
    pub messages: Vec<Value>,
    pub routed: bool,
    pub ended: bool,
    #[serde(skip)]
    pub streams: Vec<UnboundedSender<Outbound>>,
    pub create_body: Value,
}

/// Formats epoch milliseconds as ISO-8601 UTC (`2019-06-18T16:59:22.277Z`).
pub fn iso(ms: u64) -> String {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z", rem / 3600, rem % 3600 / 60, rem % 60, ms % 1000)
}

impl Conversation {
    pub fn member(&self, id: &str) -> Option<&GMember> {
        self.members.iter().find(|m| m.id == id)
    }

    pub fn set_state(&mut self, id: &str, state: &str) {
        if let Some(m) = self.members.iter_mut().find(|m| m.id == id) {
            m.state = state.to_owned();
        }
    }

    fn envelope(&self, suffix: &str, kind: &str, body: Value, correlation: u64) -> String {
        json!({"topicName": format!("v2.conversations.chats.{}.{suffix}", self.id), "version": "2",
               "eventBody": body, "metadata": {"CorrelationId": format!("corr-{correlation:08x}"), "type": kind}})
        .to_string()
    }

    /// Sends a frame to every open stream of this conversation.
    pub fn broadcast(&mut self, frame: String) {
        self.streams.retain(|s| s.send(Outbound::Frame(frame.clone())).is_ok());
    }

    /// Appends a message and sends its frame; returns the message.
    pub fn post(&mut self, sender: &str, body: &str, body_type: &str, seq: u64) -> Value {
        let msg = json!({"id": format!("msg-{seq:06}"), "conversation": {"id": self.id}, "sender": {"id": sender},
                         "body": body, "bodyType": body_type, "timestamp": iso(now_ms())});
        self.messages.push(msg.clone());
        let frame = self.envelope("messages", "message", msg.clone(), seq);
        self.broadcast(frame);
        msg
    }

    pub fn member_change(&mut self, member: &str, state: &str, seq: u64) {
        self.set_state(member, state);
        let body = json!({"conversation": {"id": self.id}, "member": {"id": member, "state": state}, "timestamp": iso(now_ms())});
        let frame = self.envelope("members", "member-change", body, seq);
        self.broadcast(frame);
    }

    pub fn typing(&mut self, sender: &str, seq: u64) -> Value {
        let body = json!({"id": format!("typing-{seq:06}"), "conversation": {"id": self.id}, "sender": {"id": sender}, "timestamp": iso(now_ms())});
        let frame = self.envelope("messages", "typing-indicator", body.clone(), seq);
        self.broadcast(frame);
        body
    }

    pub fn close_streams(&mut self) {
        for s in self.streams.drain(..) {
            let _ = s.send(Outbound::Close);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso_formatting() {
        assert_eq!(super::iso(1_560_877_162_277), "2019-06-18T16:59:22.277Z");
        assert_eq!(super::iso(0), "1970-01-01T00:00:00.000Z");
    }
}

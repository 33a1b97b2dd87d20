//! Transcript entries from a refresh (poll or restore) turned into bus events: the
//! participant and typing events each entry implies, then one `messageReceived` with
//! every entry that survived the prefilters.

use super::Session;
use crate::engine::host::Host;
use crate::engine::transcript::{normalize, sender_type};
use crate::engine::value::{str_of, u64_of};
use serde_json::{Map, Value};

impl Session {
    pub(super) fn ingest(&mut self, messages: Vec<Value>, restoring: bool, idle_countdown: Option<Value>, host: &mut dyn Host) {
        let mut kept = Vec::new();
        for raw in messages {
            if !self.transcript.admit(&raw) {
                continue;
            }
            let kind = str_of(&raw, "type").unwrap_or("");
            let from = sender_type(&raw);
            let text = str_of(&raw, "text");
            if kind == "Message" && from == "Client" {
                if let Some(t) = text {
                    self.outbox_saw_own_message(t, u64_of(&raw, "index"));
                }
            }
            self.participant_events(kind, &from, &raw, restoring);
            if kind == "Message" && text.is_some_and(|t| self.filters.matches(t)) {
                continue;
            }
            kept.push(raw);
        }
        if kept.is_empty() {
            return;
        }
        let originals = host.preprocess(kept);
        let published: Vec<Value> = originals.iter().map(|m| normalize(m, restoring)).collect();
        self.transcript.extend(&originals, &published);
        let mut payload = Map::new();
        payload.insert("originalMessages".into(), Value::Array(originals));
        payload.insert("messages".into(), Value::Array(published));
        payload.insert("restoring".into(), Value::Bool(restoring));
        payload.insert("sessionData".into(), self.ids.session_data());
        payload.insert("oldMessages".into(), Value::Bool(false));
        if let Some(idle) = idle_countdown {
            payload.insert("idleTimeCountDown".into(), idle);
        }
        self.out.publish("messageReceived", Value::Object(payload));
    }

    /// The connected / disconnected / typing events one transcript entry implies. The
    /// normalised message (their payload) is built only when an event is published.
    fn participant_events(&mut self, kind: &str, from: &str, raw: &Value, restoring: bool) {
        let staff = matches!(from, "Agent" | "Supervisor");
        let message = || normalize(raw, restoring);
        let id = || {
            raw.get("from")
                .and_then(|f| f.get("participantId"))
                .map(|v| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()))
                .unwrap_or_default()
        };
        let name = || raw.get("from").and_then(|f| f.get("nickname")).cloned().unwrap_or(Value::Null);
        let at = || raw.get("utcTime").cloned().unwrap_or(Value::Null);
        match kind {
            "ParticipantJoined" => {
                let event = match from {
                    "Client" => "clientConnected",
                    "Agent" => "agentConnected",
                    "Supervisor" => "supervisorConnected",
                    "Bot" => "botConnected",
                    _ => return,
                };
                if from != "Client" {
                    self.agents.joined(&id(), name(), from == "Supervisor", at());
                }
                let data = self.agents.event(message());
                self.out.publish(event, data);
            }
            "ParticipantLeft" => {
                let event = match from {
                    "Client" => "clientDisconnected",
                    "Agent" => "agentDisconnected",
                    "Supervisor" => "supervisorDisconnected",
                    "Bot" => "botDisconnected",
                    _ => return,
                };
                if from != "Client" {
                    self.agents.left(&id(), at());
                }
                let m = message();
                let data = self.agents.event(m.clone());
                self.out.publish(event, data);
                if staff {
                    self.agent_typing_stopped(m);
                }
            }
            "TypingStarted" if staff => {
                self.out.publish("agentTypingStarted", message());
                if !self.agent_typing {
                    self.agent_typing = true;
                    self.out.data("agentTyping", Value::Bool(true));
                }
            }
            "TypingStopped" if staff => self.agent_typing_stopped(message()),
            "Message" | "PushUrl" | "Notice" if staff => self.agent_typing_stopped(message()),
            _ => {}
        }
    }

    fn agent_typing_stopped(&mut self, message: Value) {
        self.out.publish("agentTypingStopped", message);
        if self.agent_typing {
            self.agent_typing = false;
            self.out.data("agentTyping", Value::Bool(false));
        }
    }
}

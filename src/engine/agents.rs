//! The agents map of `getAgents` and the connected/disconnected event payloads:
//! `{ <participantId>: { name, connected, supervisor, connectedTime, disconnectedTime } }`.

use serde_json::{json, Map, Value};

#[derive(Debug, Clone, Default)]
pub struct Agents {
    map: Map<String, Value>,
}

impl Agents {
    pub fn joined(&mut self, id: &str, name: Value, supervisor: bool, at: Value) {
        self.map.insert(
            id.to_owned(),
            json!({"name": name, "connected": true, "supervisor": supervisor,
                   "connectedTime": at, "disconnectedTime": Value::Null}),
        );
    }
    pub fn left(&mut self, id: &str, at: Value) {
        if let Some(Value::Object(a)) = self.map.get_mut(id) {
            a.insert("connected".into(), Value::Bool(false));
            a.insert("disconnectedTime".into(), at);
        }
    }
    pub fn connected_count(&self) -> usize {
        self.map.values().filter(|a| a.get("connected") == Some(&Value::Bool(true))).count()
    }
    pub fn to_value(&self) -> Value {
        Value::Object(self.map.clone())
    }
    /// The payload of the connected/disconnected events.
    pub fn event(&self, message: Value) -> Value {
        json!({"message": message, "agents": self.to_value(), "numAgentsConnected": self.connected_count()})
    }
    pub fn clear(&mut self) {
        self.map.clear();
    }
}

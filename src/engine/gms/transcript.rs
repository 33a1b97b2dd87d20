//! The chat as the legacy controller keeps it: the position of the next transcript entry
//! to ask for, which entries were seen (by `index`), the normalised messages and their
//! raw originals (what `getTranscript` returns), and the agents map.

use crate::engine::json::{js_number, obj, Map, Value};
use crate::engine::seen::SeenSet;
use std::collections::VecDeque;

/// At most this many messages are kept for `getTranscript` (the oldest go first), so a
/// chat that runs for days cannot exhaust the page's memory.
pub const MAX_KEPT: usize = 10_000;
/// Agents kept in the agents map at most (a chat has a few).
const MAX_AGENTS: usize = 500;
/// JavaScript's largest exact integer: positions stop growing there.
const MAX_POSITION: f64 = 9_007_199_254_740_991.0;

/// The key the shipped `seen` object uses for an index (`String(index)`): an integer read
/// with a fraction (`4.0`) or as text (`"4"`) is the same entry as `4`.
fn seen_key(index: &Value) -> String {
    if let Value::Number(n) = index {
        let f = n.get();
        if f.fract() == 0.0 && f.abs() < 9.0e15 {
            return Value::num(f).to_js_string();
        }
    }
    // "4" and 4 are one key; "04" is another (String(4) is "4").
    index.to_js_string()
}

#[derive(Debug, Clone)]
pub struct Transcript {
    /// The `transcriptPosition` of the next refresh (1-based).
    pub position: f64,
    seen: SeenSet,
    /// Normalised messages (views of their originals) and the originals, as shared text
    /// ([`Value::Json`]): the payloads that showed them hold the same copy.
    pub messages: VecDeque<Value>,
    pub originals: VecDeque<Value>,
    /// Each kept message's `timestamp` (what `getStats` reads without expanding).
    timestamps: VecDeque<Value>,
    /// `{ <participantId>: { name, connected, supervisor, connectedTime, disconnectedTime } }`
    pub agents: Map,
}

impl Default for Transcript {
    fn default() -> Self {
        Transcript {
            position: 1.0,
            seen: SeenSet::new(2 * MAX_KEPT),
            messages: VecDeque::new(),
            originals: VecDeque::new(),
            timestamps: VecDeque::new(),
            agents: Map::new(),
        }
    }
}

impl Transcript {
    /// Whether an entry with this index is new (and marks it seen).
    pub fn first_time(&mut self, index: &Value) -> bool {
        // Past 2 × MAX_KEPT the oldest are forgotten: positions only grow, they do not
        // come back.
        self.seen.insert(&seen_key(index))
    }
    /// Moves the position past an entry's index, as shipped (`index >= position`).
    pub fn advance(&mut self, index: &Value) -> bool {
        if !matches!(index, Value::Number(_) | Value::String(_)) {
            return false;
        }
        let i = js_number(index);
        if i >= 0.0 && i >= self.position && i.is_finite() {
            self.position = (i + 1.0).min(MAX_POSITION);
            return true;
        }
        false
    }
    pub fn position_text(&self) -> String {
        crate::engine::json::Value::num(self.position.trunc()).to_js_string()
    }
    pub fn keep(&mut self, message: Value, original: Value, timestamp: Value) {
        if self.messages.len() >= MAX_KEPT {
            self.messages.pop_front();
            self.originals.pop_front();
            self.timestamps.pop_front();
        }
        self.messages.push_back(message);
        self.originals.push_back(original);
        self.timestamps.push_back(timestamp);
    }
    pub fn seen_len(&self) -> usize {
        self.seen.len()
    }
    pub fn connected_agents(&self) -> usize {
        self.agents.values().filter(|a| a.get("connected") == &Value::Bool(true)).count()
    }
    pub fn agent_joined(&mut self, id: &str, name: Value, supervisor: bool, at: Value) {
        if self.agents.len() >= MAX_AGENTS && !self.agents.contains_key(id) {
            return;
        }
        self.agents.insert(
            id,
            obj([
                ("name", name),
                ("connected", Value::Bool(true)),
                ("supervisor", Value::Bool(supervisor)),
                ("connectedTime", at),
                ("disconnectedTime", Value::Bool(false)),
            ]),
        );
    }
    pub fn agent_left(&mut self, id: &str, at: Value) {
        if let Some(a) = self.agents.get_mut(id).and_then(Value::as_object_mut) {
            a.insert("connected", Value::Bool(false));
            a.insert("disconnectedTime", at);
        }
    }
    /// `getStats`: first and last normalised message times, `false` without messages.
    pub fn stats(&self) -> Value {
        let (start, end, duration) = match (self.timestamps.front(), self.timestamps.back()) {
            (Some(f), Some(l)) => {
                let (s, e) = (f.clone(), l.clone());
                let d = js_number(&e) - js_number(&s);
                (s, e, Value::num(d))
            }
            _ => (Value::Bool(false), Value::Bool(false), Value::Bool(false)),
        };
        obj([("agents", Value::Object(self.agents.clone())), ("startTime", start), ("endTime", end), ("duration", duration)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_and_string_indexes_are_the_same_entry() {
        let mut t = Transcript::default();
        assert!(t.first_time(&Value::int(3)));
        assert!(!t.first_time(&Value::str("3")));
        assert!(t.first_time(&Value::Undefined));
        assert!(!t.first_time(&Value::Undefined), "only the first entry without an index counts, as shipped");
    }

    #[test]
    fn huge_indexes_do_not_overflow_the_position() {
        let mut t = Transcript::default();
        assert!(t.advance(&Value::num(18446744073709551615.0)));
        assert!(t.advance(&Value::num(1e300)) || t.position == MAX_POSITION);
        assert_eq!(t.position, MAX_POSITION);
        assert!(!t.advance(&Value::num(f64::NAN)));
    }
}

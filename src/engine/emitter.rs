//! The ordered queue of a session's outputs, with the helpers every transport uses to fill
//! it: one queue, so events, data changes, bus commands and settlements keep the shipped
//! order.

use super::json::Value;
use super::output::{Action, CommandData, LogLevel, Outcome};
use super::CommandId;
use std::collections::VecDeque;

/// A part of a payload that the shipped plugin passes by reference and changes again in
/// the same task, so subscribers (who run on a later task) see its state at the end of
/// the step: the session fills it in when the action is drained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Live {
    /// The `agents` key: the agents map as it is after the step.
    Agents,
    /// The `sessionData` key: the session identifiers as they are after the step.
    SessionData,
}

#[derive(Debug, Default)]
pub struct Emitter {
    actions: VecDeque<(Action, Option<Live>)>,
    /// The scalar each data key was last set to. Setting it again is left out: CXBus
    /// publishes `data.<key>` only when the value changes (`last != value`), and the
    /// shipped controller sets `agentTyping` to `false` for every one of 2,000 messages.
    scalars: Vec<(&'static str, Value)>,
}

impl Emitter {
    pub fn push(&mut self, action: Action) {
        self.actions.push_back((action, None));
    }
    /// Puts actions produced before the session existed at the head.
    pub fn push_front(&mut self, action: Action) {
        self.actions.push_front((action, None));
    }
    pub fn pop(&mut self) -> Option<(Action, Option<Live>)> {
        let next = self.actions.pop_front();
        // A step that queued thousands of actions (a 2,000-message answer) does not keep
        // their room once they are drained.
        if self.actions.is_empty() && self.actions.capacity() > 256 {
            self.actions = VecDeque::new();
        }
        next
    }
    pub fn len(&self) -> usize {
        self.actions.len()
    }
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }
    pub fn publish(&mut self, event: &'static str, data: Value) {
        self.push(Action::Publish { event, data, direct: false });
    }
    /// A publish whose `live` key is filled in when drained.
    pub fn publish_live(&mut self, event: &'static str, data: Value, live: Live) {
        self.actions.push_back((Action::Publish { event, data, direct: false }, Some(live)));
    }
    /// A data key whose value is filled in when drained.
    pub fn data_live(&mut self, key: &'static str, live: Live) {
        self.forget_scalar(key);
        self.actions.push_back((Action::Data { key, value: Value::Undefined }, Some(live)));
    }
    /// The live object is replaced by a new one (the shipped code assigns a fresh `{}`):
    /// what was already published keeps the old one, as it is now.
    pub fn freeze(&mut self, live: Live, value: &Value) {
        for (action, l) in self.actions.iter_mut() {
            if *l == Some(live) {
                fill(action, live, value);
                *l = None;
            }
        }
    }
    /// `publishDirect` (the shipped plugin uses it for ajaxResponse).
    pub fn publish_direct(&mut self, event: &'static str, data: Value) {
        self.push(Action::Publish { event, data, direct: true });
    }
    pub fn reply(&mut self, id: Option<CommandId>, outcome: Outcome) {
        if let Some(id) = id {
            self.push(Action::Reply { id, outcome });
        }
    }
    /// `resolve(value)` (an `undefined` value is still one argument).
    pub fn resolve(&mut self, id: CommandId, value: Value) {
        self.push(Action::Reply { id, outcome: Outcome::resolve(value) });
    }
    /// `resolve()`, with no argument.
    pub fn resolve_empty(&mut self, id: CommandId) {
        self.push(Action::Reply { id, outcome: Outcome::resolve_empty() });
    }
    pub fn reject(&mut self, id: CommandId, value: Value) {
        self.push(Action::Reply { id, outcome: Outcome::reject(value) });
    }
    /// `reject()`, with no argument.
    pub fn reject_empty(&mut self, id: CommandId) {
        self.push(Action::Reply { id, outcome: Outcome::reject_empty() });
    }
    pub fn reject_text(&mut self, id: CommandId, text: impl Into<String>) {
        self.reject(id, Value::String(text.into()));
    }
    pub fn data(&mut self, key: &'static str, value: Value) {
        if matches!(value, Value::Bool(_) | Value::String(_) | Value::Number(_) | Value::Null) {
            // (A NaN never equals itself, so it is always set, as the bus publishes it.)
            match self.scalars.iter_mut().find(|(k, _)| *k == key) {
                Some((_, last)) if *last == value => return,
                Some((_, last)) => *last = value.clone(),
                None => self.scalars.push((key, value.clone())),
            }
        } else {
            self.forget_scalar(key);
        }
        self.push(Action::Data { key, value });
    }
    fn forget_scalar(&mut self, key: &str) {
        self.scalars.retain(|(k, _)| *k != key);
    }
    /// A data key whose object the shipped code changed in place (see
    /// [`Action::DataInPlace`]).
    pub fn data_in_place(&mut self, key: &'static str, value: Value) {
        self.forget_scalar(key);
        self.push(Action::DataInPlace { key, value });
    }
    pub fn log(&mut self, level: LogLevel, message: impl Into<String>) {
        self.push(Action::Log { level, message: message.into() });
    }
    /// A bus command with `{}` as its data (what `command(name)` sends).
    pub fn command(&mut self, command: &'static str) {
        self.push(Action::Command { command, data: CommandData::Value(Value::object()) });
    }
    pub fn command_with(&mut self, command: &'static str, data: Value) {
        self.push(Action::Command { command, data: CommandData::Value(data) });
    }
}

/// Puts the live value into its action: the `agents`/`sessionData` key of a payload, or
/// the value of a data key.
pub fn fill(action: &mut Action, live: Live, value: &Value) {
    match action {
        Action::Publish { data, .. } => {
            if let Some(m) = data.as_object_mut() {
                let key = match live {
                    Live::Agents => "agents",
                    Live::SessionData => "sessionData",
                };
                m.insert(key, value.clone());
            }
        }
        Action::Data { value: v, .. } => *v = value.clone(),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data_sets(e: &mut Emitter) -> Vec<String> {
        std::iter::from_fn(|| e.pop()).filter_map(|(a, _)| match a {
            Action::Data { key, value } => Some(format!("{key}={}", value.write())),
            _ => None,
        }).collect()
    }

    /// A scalar data key set again to the same value is left out (the bus would publish
    /// nothing); a change, NaN, objects and in-place changes always go out.
    #[test]
    fn repeated_scalar_data_is_set_once() {
        let mut e = Emitter::default();
        for _ in 0..3 {
            e.data("agentTyping", Value::Bool(false));
        }
        e.data("agentTyping", Value::Bool(true));
        e.data("agentTyping", Value::Bool(false));
        e.data("n", Value::num(f64::NAN));
        e.data("n", Value::num(f64::NAN));
        e.data("o", Value::object());
        e.data("o", Value::object());
        e.data("s", Value::str("x"));
        e.data_in_place("s", Value::object());
        e.data("s", Value::str("x"));
        let sets = data_sets(&mut e);
        assert_eq!(sets.iter().filter(|s| s.starts_with("agentTyping")).count(), 3, "{sets:?}");
        assert_eq!(sets.iter().filter(|s| s.starts_with("n=")).count(), 2);
        assert_eq!(sets.iter().filter(|s| s.starts_with("o=")).count(), 2);
        assert_eq!(sets.iter().filter(|s| s.starts_with("s=")).count(), 2, "an in-place change forgets the last scalar");
    }
}

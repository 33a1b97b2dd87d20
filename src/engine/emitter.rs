//! The ordered queue of a session's outputs, with the helpers every transport uses to fill
//! it: one queue, so events, data changes and settlements keep the shipped order.

use super::output::{Action, LogLevel, Outcome, ReplyValue};
use super::CommandId;
use serde_json::{Map, Value};
use std::collections::VecDeque;

#[derive(Debug, Default)]
pub struct Emitter {
    actions: VecDeque<Action>,
    /// Send `App.*` autoload commands (only when the App plugin is on the page).
    app_present: bool,
}

impl Emitter {
    pub fn new(app_present: bool) -> Self {
        Emitter { actions: VecDeque::new(), app_present }
    }
    pub fn push(&mut self, action: Action) {
        self.actions.push_back(action);
    }
    /// Puts an action at the head (outputs produced before the session existed).
    pub fn push_front(&mut self, action: Action) {
        self.actions.push_front(action);
    }
    pub fn pop(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }
    pub fn publish(&mut self, event: &'static str, data: Value) {
        self.push(Action::Publish { event, data, direct: false });
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
    pub fn reject(&mut self, id: CommandId, text: impl Into<String>) {
        self.reply(Some(id), Outcome::reject_text(text));
    }
    pub fn resolve_undefined(&mut self, id: CommandId) {
        self.reply(Some(id), Outcome::Resolve(ReplyValue::Undefined));
    }
    pub fn data(&mut self, key: &'static str, value: Value) {
        self.push(Action::Data { key, value });
    }
    pub fn log(&mut self, level: LogLevel, message: impl Into<String>) {
        self.push(Action::Log { level, message: message.into() });
    }
    /// `App.registerAutoLoad` / `App.deregisterAutoLoad` with `{name: "WebChatService"}`.
    pub fn app_command(&mut self, command: &'static str) {
        if self.app_present {
            let mut data = Map::new();
            data.insert("name".into(), Value::String("WebChatService".into()));
            self.push(Action::BusCommand { command, data: Value::Object(data) });
        }
    }
}

//! What the engine asks of the page synchronously, while it handles an input.

use serde_json::Value;

/// Synchronous page facilities. The shell implements it over cookies, the DOM and the
/// registered preprocessor functions; tests implement it over plain memory.
///
/// These are questions the engine must ask in the middle of a decision (is the session
/// cookie still there before this request? what is typed in the preview input right now?),
/// so they cannot be outputs drained afterwards.
pub trait Host {
    /// Reads a stored value (a cookie in the browser) by its unprefixed name.
    fn storage_get(&self, key: &str) -> Option<String>;
    /// Writes a stored value.
    fn storage_set(&mut self, key: &str, value: &str);
    /// Removes a stored value.
    fn storage_remove(&mut self, key: &str);
    /// The current text of the registered typing-preview input, if one is registered.
    fn preview_text(&self) -> Option<String>;
    /// Runs the registered preprocessors, in registration order, over each raw transcript
    /// message of a batch and returns the messages as they left them. Legacy GMS
    /// semantics: the functions get the raw message and only in-place mutation counts.
    /// A batch, so that the browser converts the messages once each way, not per message.
    fn preprocess(&mut self, messages: Vec<Value>) -> Vec<Value>;
    /// Nextgen semantics (guest chat): the preprocessors get each *normalised* message and
    /// what they return is used (`fn(msg) || msg`).
    fn preprocess_normalized(&mut self, messages: Vec<Value>) -> Vec<Value>;
    /// The `Authorization` value of `main.header` (App data `requestHeader`), read at send
    /// time so that `App.updateAJAXHeader` takes effect; used when `enableCustomHeader`.
    fn authorization(&self) -> Option<String>;
}

/// A [`Host`] kept in memory: the engine's tests use it, and it documents the contract.
#[derive(Default, Debug, Clone)]
pub struct MemoryHost {
    pub store: std::collections::BTreeMap<String, String>,
    pub preview: Option<String>,
    /// Text appended to every `Message` text by the preprocessor, when set.
    pub append_to_text: Option<String>,
    pub authorization: Option<String>,
}

impl Host for MemoryHost {
    fn storage_get(&self, key: &str) -> Option<String> {
        self.store.get(key).cloned()
    }
    fn storage_set(&mut self, key: &str, value: &str) {
        self.store.insert(key.to_owned(), value.to_owned());
    }
    fn storage_remove(&mut self, key: &str) {
        self.store.remove(key);
    }
    fn preview_text(&self) -> Option<String> {
        self.preview.clone()
    }
    fn preprocess(&mut self, mut messages: Vec<Value>) -> Vec<Value> {
        if let Some(suffix) = &self.append_to_text {
            for message in &mut messages {
                if let Some(Value::String(text)) = message.get_mut("text") {
                    text.push_str(suffix);
                }
            }
        }
        messages
    }
    fn preprocess_normalized(&mut self, messages: Vec<Value>) -> Vec<Value> {
        self.preprocess(messages)
    }
    fn authorization(&self) -> Option<String> {
        self.authorization.clone()
    }
}

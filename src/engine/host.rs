//! What the engine asks of the page synchronously, while it handles an input.

use super::filter::{CaseMap, RustCases};
use super::json::Value;

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
    /// Legacy (GMS) semantics: for each raw transcript message, the registered
    /// preprocessors run in order, each on what the previous one returned
    /// (`m = fn(m) || m`), starting with the message itself; returns the messages as the
    /// calls left them (only in-place changes of the message count, as shipped).
    fn preprocess(&mut self, messages: Vec<Value>) -> Vec<Value>;
    /// Nextgen semantics (guest chat): the chain runs on each normalised message and what
    /// it finally returns is used.
    fn preprocess_normalized(&mut self, messages: Vec<Value>) -> Vec<Value>;
    /// The same for one item the transport made itself and publishes as its own original
    /// (one object in the shipped code): the item as the calls left it, and the chain's
    /// result.
    fn preprocess_shared(&mut self, message: Value) -> (Value, Value);
    /// The `Authorization` value of `main.header` (App data `requestHeader`), read at send
    /// time so that `App.updateAJAXHeader` takes effect; used when `enableCustomHeader`.
    fn authorization(&self) -> Option<String>;
    /// Which of `webchat.transport.async`'s functions the page configured (the engine sees
    /// the configuration as data, without its functions).
    fn storage_callbacks(&self) -> StorageCallbacks {
        StorageCallbacks::default()
    }
    /// Calls `setSessionData` now and returns the `token` of what it answered: for the
    /// decisions that depend on it (is there a chat to restore?). Elsewhere the engine asks
    /// with [`StorageCall::Open`](super::output::StorageCall::Open), in order.
    fn stored_token(&mut self) -> Option<String> {
        None
    }
    /// The cross-tab poll flag (`localStorage["_genesys.widgets.chatPollPending"]`).
    fn poll_flag(&self) -> Option<String> {
        None
    }
    fn set_poll_flag(&mut self, _value: &str) {}
    /// Fills `buf` with random bytes (the browser's `crypto.getRandomValues`): session
    /// tokens must not be guessable.
    fn random_bytes(&mut self, buf: &mut [u8]);
    /// A character's simple lower and upper case, for prefilters with the `i` flag (see
    /// [`CaseMap`]). The default answers from Rust's tables; the browser shell asks the
    /// page's JavaScript so those tables stay out of the wasm.
    fn cases(&self, c: char) -> [Option<char>; 2] {
        RustCases.cases(c)
    }
}

/// The integrator's async-mode functions present in the configuration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StorageCallbacks {
    /// `setSessionData` and `getSessionData` (the shipped transport uses them only as a pair).
    pub open_and_save: bool,
    pub delete: bool,
}

/// A [`Host`] as the case map filters compile with.
pub struct HostCases<'a>(pub &'a dyn Host);

impl CaseMap for HostCases<'_> {
    fn cases(&self, c: char) -> [Option<char>; 2] {
        self.0.cases(c)
    }
}

/// A [`Host`] kept in memory: the engine's tests use it, and it documents the contract.
#[derive(Default, Debug, Clone)]
pub struct MemoryHost {
    pub store: std::collections::BTreeMap<String, String>,
    pub preview: Option<String>,
    /// Text appended to every `Message` text by the preprocessor, when set.
    pub append_to_text: Option<String>,
    pub authorization: Option<String>,
    /// When false, writes are dropped (a browser refusing our cookies).
    pub refuse_writes: bool,
    pub callbacks: StorageCallbacks,
    /// What `setSessionData` answers with (its token).
    pub stored: Option<String>,
    /// Synchronous `setSessionData` calls made.
    pub stored_reads: usize,
    pub poll_flag: Option<String>,
    /// Feeds `random_bytes` (deterministic, different on every call).
    pub random_state: u64,
}

impl Host for MemoryHost {
    fn storage_get(&self, key: &str) -> Option<String> {
        self.store.get(key).cloned()
    }
    fn storage_set(&mut self, key: &str, value: &str) {
        if !self.refuse_writes {
            self.store.insert(key.to_owned(), value.to_owned());
        }
    }
    fn storage_remove(&mut self, key: &str) {
        self.store.remove(key);
    }
    fn preview_text(&self) -> Option<String> {
        self.preview.clone()
    }
    fn preprocess(&mut self, mut messages: Vec<Value>) -> Vec<Value> {
        if let Some(suffix) = &self.append_to_text {
            // The page gets trees, shared text included (as the browser's chain does).
            messages = messages.into_iter().map(Value::unshared).collect();
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
    fn preprocess_shared(&mut self, message: Value) -> (Value, Value) {
        let edited = self.preprocess(vec![message]).pop().unwrap_or_default();
        (edited.clone(), edited)
    }
    fn authorization(&self) -> Option<String> {
        self.authorization.clone()
    }
    fn storage_callbacks(&self) -> StorageCallbacks {
        self.callbacks
    }
    fn stored_token(&mut self) -> Option<String> {
        self.stored_reads += 1;
        self.stored.clone()
    }
    fn poll_flag(&self) -> Option<String> {
        self.poll_flag.clone()
    }
    fn set_poll_flag(&mut self, value: &str) {
        self.poll_flag = Some(value.to_owned());
    }
    fn random_bytes(&mut self, buf: &mut [u8]) {
        for b in buf {
            self.random_state = self.random_state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            *b = (self.random_state >> 33) as u8;
        }
    }
}

//! The engine's [`Host`] in the browser: cookies, the preview input, preprocessors and the
//! App request header.

use crate::engine::host::Host;
use crate::engine::json::Value;
use crate::shell::bridge::{get, to_value_fast, Helpers};
use crate::shell::bus::PluginApi;
use crate::shell::cookie::CookieJar;
use crate::shell::dom::input_text;
use crate::shell::storage::{self, StorageFns};
use wasm_bindgen::JsValue;

pub struct BrowserHost {
    pub cookies: CookieJar,
    pub preview: Option<web_sys::Element>,
    pub preprocessors: Vec<js_sys::Function>,
    pub plugin: PluginApi,
    /// `_genesys.widgets.main`, for the static `header` when App is not on the page.
    pub main: JsValue,
    pub helpers: Helpers,
    /// The integrator's async-mode functions (Nexus v3).
    pub storage: StorageFns,
    /// A preprocessor threw already (reported once).
    pub preprocessor_threw: bool,
}

/// The cross-tab poll flag of the shipped Nexus v3 transport.
const POLL_FLAG: &str = "_genesys.widgets.chatPollPending";

impl BrowserHost {
    /// Runs one of the integrator's async-mode calls (see [`StorageFns`]).
    pub fn storage_call(&mut self, call: &crate::engine::output::StorageCall, data: Option<&JsValue>) {
        use crate::engine::output::StorageCall;
        let cookie = self.helpers.cookie();
        match (call, data) {
            (StorageCall::Open, _) => self.storage.key = self.storage.open(&self.cookies, &cookie),
            (StorageCall::Save(_), Some(d)) => self.storage.save(d, &self.cookies, &cookie),
            (StorageCall::Delete(_), Some(d)) => self.storage.delete(d, &self.cookies, &cookie),
            _ => {}
        }
    }

    /// Runs the preprocessor chain on each message of a batch: returns the message
    /// objects as the calls left them and what each chain returned (`m = fn(m) || m`).
    /// One conversion each way for the whole batch.
    fn chain(&mut self, messages: Vec<Value>) -> (Vec<Value>, Vec<Value>) {
        if self.preprocessors.is_empty() {
            return (messages.clone(), messages);
        }
        let refs: Vec<&Value> = messages.iter().collect();
        let js = self.helpers.to_js_many(&refs);
        let inputs = js_sys::Array::new();
        let results = js_sys::Array::new();
        for message in js {
            let mut current = message.clone();
            for f in &self.preprocessors {
                match f.call1(&JsValue::NULL, &current) {
                    // A falsy return keeps the message as it was.
                    Ok(returned) if returned.is_truthy() => current = returned,
                    Ok(_) => {}
                    Err(e) => {
                        // Once: a preprocessor that throws usually throws on every message.
                        if !self.preprocessor_threw {
                            self.preprocessor_threw = true;
                            web_sys::console::error_2(&"WebChatService: a preprocessor threw; the message goes on unchanged.".into(), &e);
                        }
                    }
                }
            }
            inputs.push(&message);
            results.push(&current);
        }
        let back = |a: js_sys::Array| match to_value_fast(&a.into()) {
            Value::Array(edited) if edited.len() == messages.len() => edited,
            _ => messages.clone(),
        };
        (back(inputs), back(results))
    }
}

impl Host for BrowserHost {
    fn storage_get(&self, key: &str) -> Option<String> {
        self.cookies.get(key)
    }
    fn storage_set(&mut self, key: &str, value: &str) {
        self.cookies.set(key, value);
    }
    fn storage_remove(&mut self, key: &str) {
        self.cookies.remove(key);
    }
    fn preview_text(&self) -> Option<String> {
        self.preview.as_ref().map(input_text)
    }
    fn preprocess(&mut self, messages: Vec<Value>) -> Vec<Value> {
        // Without preprocessors the batch comes back as it went (no copy of 2,000 entries).
        if self.preprocessors.is_empty() {
            return messages;
        }
        self.chain(messages).0
    }
    fn preprocess_normalized(&mut self, messages: Vec<Value>) -> Vec<Value> {
        if self.preprocessors.is_empty() {
            return messages;
        }
        self.chain(messages).1
    }
    fn preprocess_shared(&mut self, message: Value) -> (Value, Value) {
        let (mut inputs, mut results) = self.chain(vec![message]);
        (inputs.pop().unwrap_or_default(), results.pop().unwrap_or_default())
    }
    fn authorization(&self) -> Option<String> {
        let from_app = self.plugin.get_data("App.requestHeader").ok().map(|h| get(&h, "Authorization"));
        from_app
            .and_then(|a| a.as_string())
            .or_else(|| get(&get(&self.main, "header"), "Authorization").as_string())
    }

    fn storage_callbacks(&self) -> crate::engine::host::StorageCallbacks {
        self.storage.callbacks()
    }
    fn stored_token(&mut self) -> Option<String> {
        let cookie = self.helpers.cookie();
        self.storage.open(&self.cookies, &cookie)
    }
    fn poll_flag(&self) -> Option<String> {
        storage::local_get(POLL_FLAG)
    }
    fn set_poll_flag(&mut self, value: &str) {
        storage::local_set(POLL_FLAG, value);
    }
    fn random_bytes(&mut self, buf: &mut [u8]) {
        let filled = web_sys::window().and_then(|w| w.crypto().ok()).is_some_and(|c| c.get_random_values_with_u8_array(buf).is_ok());
        if !filled {
            // Every browser the plugin supports has `crypto`; without it, two visitors
            // must still not share a session token.
            for b in buf.iter_mut() {
                *b = (js_sys::Math::random() * 256.0) as u8;
            }
        }
    }

    /// The page's `toLowerCase`/`toUpperCase` (the same mappings JavaScript's own `i`
    /// flag builds on), so that Rust's Unicode case tables are not linked into the wasm.
    fn cases(&self, c: char) -> [Option<char>; 2] {
        let s = js_sys::JsString::from(c.to_string());
        let single = |t: js_sys::JsString| {
            let t = String::from(t);
            let mut it = t.chars();
            match (it.next(), it.next()) {
                (Some(x), None) => Some(x),
                _ => None,
            }
        };
        [single(s.to_lower_case()), single(s.to_upper_case())]
    }
}

//! The engine's [`Host`] in the browser: cookies, the preview input, preprocessors and the
//! App request header.

use crate::engine::host::Host;
use crate::shell::bridge::{get, to_js, to_json_fast};
use crate::shell::bus::PluginApi;
use crate::shell::cookie::CookieJar;
use crate::shell::dom::input_text;
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};

pub struct BrowserHost {
    pub cookies: CookieJar,
    pub preview: Option<web_sys::Element>,
    pub preprocessors: Vec<js_sys::Function>,
    pub plugin: PluginApi,
    /// `_genesys.widgets.main`, for the static `header` when App is not on the page.
    pub main: JsValue,
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
        if self.preprocessors.is_empty() {
            return messages;
        }
        let batch = to_js(&Value::Array(messages));
        let Some(array) = batch.dyn_ref::<js_sys::Array>() else { return Vec::new() };
        for message in array.iter() {
            for f in &self.preprocessors {
                if let Err(e) = f.call1(&JsValue::NULL, &message) {
                    web_sys::console::error_2(&"WebChatService: a preprocessor threw; the message goes on as it was left.".into(), &e);
                }
            }
        }
        match to_json_fast(&batch) {
            Value::Array(edited) => edited,
            _ => Vec::new(),
        }
    }
    fn preprocess_normalized(&mut self, messages: Vec<Value>) -> Vec<Value> {
        if self.preprocessors.is_empty() {
            return messages;
        }
        let batch = to_js(&Value::Array(messages));
        let Some(array) = batch.dyn_ref::<js_sys::Array>() else { return Vec::new() };
        let out = js_sys::Array::new();
        for message in array.iter() {
            let mut current = message;
            for f in &self.preprocessors {
                match f.call1(&JsValue::NULL, &current) {
                    // `fn(msg) || msg`: a falsy return keeps the message as it was.
                    Ok(returned) if returned.is_truthy() => current = returned,
                    Ok(_) => {}
                    Err(e) => web_sys::console::error_2(&"WebChatService: a preprocessor threw; the message goes on as it was.".into(), &e),
                }
            }
            out.push(&current);
        }
        match to_json_fast(&out) {
            Value::Array(edited) => edited,
            _ => Vec::new(),
        }
    }
    fn authorization(&self) -> Option<String> {
        let from_app = self.plugin.get_data("App.requestHeader").ok().map(|h| get(&h, "Authorization"));
        from_app
            .and_then(|a| a.as_string())
            .or_else(|| get(&get(&self.main, "header"), "Authorization").as_string())
    }
}

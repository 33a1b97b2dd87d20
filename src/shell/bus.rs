//! The plugin interface CXBus returns from `registerPlugin('WebChatService')`.
//!
//! Every call is `catch`: the page's bus is outside code, and an exception from it must
//! not unwind through the wasm instance.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `CXBus.registerPlugin(name)`'s result (spec §1.2).
    #[derive(Clone)]
    pub type PluginApi;

    #[wasm_bindgen(method, catch)]
    pub fn publish(this: &PluginApi, event: &str, data: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = publishDirect)]
    pub fn publish_direct(this: &PluginApi, event: &str, data: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch)]
    pub fn republish(this: &PluginApi, event: &str, data: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch)]
    pub fn subscribe(this: &PluginApi, event: &str, callback: &js_sys::Function) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = registerCommand)]
    pub fn register_command(this: &PluginApi, name: &str, handler: &js_sys::Function) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = registerEvents)]
    pub fn register_events(this: &PluginApi, events: &js_sys::Array) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch)]
    pub fn command(this: &PluginApi, name: &str, data: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = data)]
    pub fn set_data(this: &PluginApi, key: &str, value: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = data)]
    pub fn get_data(this: &PluginApi, key: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch)]
    pub fn ready(this: &PluginApi) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch)]
    pub fn registry(this: &PluginApi) -> Result<JsValue, JsValue>;
}

impl PluginApi {
    /// Whether a plugin of that exact name is registered on the bus.
    pub fn has_plugin(&self, name: &str) -> bool {
        self.registry()
            .ok()
            .filter(|r| r.is_object())
            .and_then(|r| js_sys::Reflect::has(&r, &JsValue::from_str(name)).ok())
            .unwrap_or(false)
    }
}

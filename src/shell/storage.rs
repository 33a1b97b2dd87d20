//! The integrator's async-mode functions (`webchat.transport.async` of Nexus v3): each is
//! called as `fn(data, Cookie, cookieOptions)`, with a js-cookie-like `Cookie`
//! (`www/helpers.js`) and the options the shipped plugin hands out (`{samesite}`, plus the
//! cookie domain and path `/` where the page has a registrable domain).
//!
//! The integrator's code may throw or answer with anything: each such mistake is named on
//! the console once (never with the token), and the call counts as answering nothing.

use crate::engine::host::StorageCallbacks;
use crate::shell::bridge::get;
use crate::shell::cookie::CookieJar;
use wasm_bindgen::{JsCast, JsValue};

/// The functions the configuration holds, and which mistakes were already reported.
#[derive(Default)]
pub struct StorageFns {
    open: Option<js_sys::Function>,
    save: Option<js_sys::Function>,
    delete: Option<js_sys::Function>,
    /// The client key from the last `setSessionData` (what `STORED_CLIENT_KEY` becomes).
    pub key: Option<String>,
    reported: u8,
}

/// Mistakes reported at most once each: a throw of each function, text that is not JSON.
const THREW_OPEN: u8 = 1;
const THREW_SAVE: u8 = 2;
const THREW_DELETE: u8 = 4;
const NOT_JSON: u8 = 8;

impl StorageFns {
    /// Reads `transport.async` of a `configure` command's data. As shipped,
    /// `setSessionData` and `getSessionData` only count as a pair.
    pub fn from_config(webchat: &JsValue) -> StorageFns {
        let a = get(&get(webchat, "transport"), "async");
        let f = |name: &str| get(&a, name).dyn_into::<js_sys::Function>().ok();
        let (open, save) = match (f("setSessionData"), f("getSessionData")) {
            (Some(o), Some(s)) => (Some(o), Some(s)),
            _ => (None, None),
        };
        StorageFns { open, save, delete: f("deleteSessionData"), key: None, reported: 0 }
    }

    pub fn callbacks(&self) -> StorageCallbacks {
        StorageCallbacks { open_and_save: self.open.is_some(), delete: self.delete.is_some() }
    }

    fn report(&mut self, cause: u8, message: String) {
        if self.reported & cause == 0 {
            self.reported |= cause;
            web_sys::console::error_1(&message.into());
        }
    }

    fn call(&mut self, which: &'static str, cause: u8, f: Option<js_sys::Function>, data: &JsValue, jar: &CookieJar, cookie: &JsValue) -> Option<JsValue> {
        let f = f?;
        match f.call3(&JsValue::NULL, data, cookie, &options(jar)) {
            Ok(v) => Some(v),
            Err(e) => {
                let why = get(&e, "message").as_string().or_else(|| e.as_string()).unwrap_or_else(|| "an exception".into());
                self.report(cause, format!("WebChatService: transport.async.{which} threw ({why}); taken as no answer."));
                None
            }
        }
    }

    /// `setSessionData(openCookieName, …)` read as the shipped `getCustomerToken` reads
    /// it (JSON text, or an object), down to its `token`.
    pub fn open(&mut self, jar: &CookieJar, cookie: &JsValue) -> Option<String> {
        let name = JsValue::from_str(crate::engine::nexus::cookies::OPEN);
        let answer = self.call("setSessionData", THREW_OPEN, self.open.clone(), &name, jar, cookie)?;
        let stored = match answer.as_string() {
            Some(text) if !text.is_empty() && text != "undefined" => match js_sys::JSON::parse(&text) {
                Ok(v) => v,
                Err(_) => {
                    self.report(NOT_JSON, "WebChatService: transport.async.setSessionData returned text that is not JSON.".into());
                    return None;
                }
            },
            Some(_) => return None,
            None if answer.is_object() => answer,
            None => return None,
        };
        get(&stored, "token").as_string().filter(|t| !t.is_empty())
    }

    pub fn save(&mut self, data: &JsValue, jar: &CookieJar, cookie: &JsValue) {
        self.call("getSessionData", THREW_SAVE, self.save.clone(), data, jar, cookie);
    }

    pub fn delete(&mut self, data: &JsValue, jar: &CookieJar, cookie: &JsValue) {
        self.call("deleteSessionData", THREW_DELETE, self.delete.clone(), data, jar, cookie);
    }
}

/// The shipped `getCookieOptions()`.
fn options(jar: &CookieJar) -> JsValue {
    let (domain, same_site) = jar.integrator_options();
    let o = js_sys::Object::new();
    let set = |k: &str, v: &str| {
        let _ = js_sys::Reflect::set(&o, &k.into(), &v.into());
    };
    if let Some(d) = domain {
        set("domain", &d);
        set("path", "/");
    }
    set("samesite", &same_site);
    o.into()
}

/// `localStorage`, where the page allows it (not in some sandboxed frames).
fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

pub fn local_get(key: &str) -> Option<String> {
    local_storage()?.get_item(key).ok().flatten()
}

pub fn local_set(key: &str, value: &str) {
    if let Some(s) = local_storage() {
        let _ = s.set_item(key, value);
    }
}

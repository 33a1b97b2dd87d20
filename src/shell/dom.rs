//! The page: facts for `_genesys_*` userData, the typing-preview input, a file input, and
//! the download form.

use crate::engine::command::{FileInfo, PageInfo};
use crate::shell::bridge::get;
use wasm_bindgen::{JsCast, JsValue};

/// Our own build's version, when the page has no Genesys widgets-core to ask.
const OWN_VERSION: &str = concat!("wasm-", env!("CARGO_PKG_VERSION"));

/// URL, referrer, title, browser, OS and mobile flag of the page, and the Widgets
/// version. With widgets-core on the page its own helpers answer (so the values are the
/// shipped plugin's); without it, the user agent is read here.
pub fn page_info() -> PageInfo {
    let Some(window) = web_sys::window() else { return PageInfo::default() };
    let doc = window.document();
    let common = get(&get(&get(&window.clone().into(), "_genesys"), "widgets"), "common");
    let call = |name: &str, arg: Option<&str>| -> JsValue {
        let f = get(&common, name);
        match f.dyn_ref::<js_sys::Function>() {
            Some(f) => match arg {
                Some(a) => f.call1(&common, &JsValue::from_str(a)),
                None => f.call0(&common),
            }
            .unwrap_or(JsValue::UNDEFINED),
            None => JsValue::UNDEFINED,
        }
    };
    let ua = window.navigator().user_agent().unwrap_or_default();
    let os_browser = call("getBrowserandOS", None);
    let browser = get(&os_browser, "browser").as_string().unwrap_or_else(|| browser_of(&ua).into());
    let os = get(&os_browser, "os").as_string().unwrap_or_else(|| os_of(&ua).into());
    let mobile = call("isMobileDevice", None).as_bool().unwrap_or_else(|| ua.contains("Mobi") || ua.contains("Android"));
    let version = call("data", Some("version")).as_string().unwrap_or_else(|| OWN_VERSION.into());
    PageInfo {
        url: window.location().href().unwrap_or_default(),
        referrer: doc.as_ref().map(|d| d.referrer()).unwrap_or_default(),
        title: doc.as_ref().map(|d| d.title()).unwrap_or_default(),
        browser,
        os,
        mobile,
        widgets_version: version,
    }
}

fn browser_of(ua: &str) -> &'static str {
    if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") {
        "Chrome"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("Safari/") {
        "Safari"
    } else {
        "Other"
    }
}

fn os_of(ua: &str) -> &'static str {
    if ua.contains("Android") {
        "Android"
    } else if ua.contains("iPhone") || ua.contains("iPad") {
        "iOS"
    } else if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("Mac OS") {
        "Mac OS"
    } else if ua.contains("Linux") {
        "Linux"
    } else {
        "Other"
    }
}

/// The element `$(input)[0]` would be: an element, the first of a jQuery object or an
/// array, or the first match of a selector.
fn first_element(v: &JsValue) -> Option<web_sys::Element> {
    if let Some(el) = v.dyn_ref::<web_sys::Element>() {
        return Some(el.clone());
    }
    if let Some(sel) = v.as_string() {
        let doc = web_sys::window()?.document()?;
        return doc.query_selector(&sel).ok().flatten();
    }
    if js_sys::Array::is_array(v) || !get(v, "jquery").is_undefined() {
        return get(v, "0").dyn_into::<web_sys::Element>().ok();
    }
    None
}

/// The typing-preview input as the shipped plugin accepts it: `$(input)[0].type` is
/// `text` or `textarea`.
pub fn preview_input(v: &JsValue) -> Option<web_sys::Element> {
    let el = first_element(v)?;
    let t = get(&el.clone().into(), "type").as_string();
    matches!(t.as_deref(), Some("text") | Some("textarea")).then_some(el)
}

/// The current text of the preview input.
pub fn input_text(el: &web_sys::Element) -> String {
    get(&el.clone().into(), "value").as_string().unwrap_or_default()
}

/// The first file of `files` (an `<input type=file>`, as `sendFile({files})` takes it).
pub fn first_file(files: &JsValue) -> Option<(web_sys::File, FileInfo)> {
    let list = get(files, "files");
    let file = get(&list, "0").dyn_into::<web_sys::File>().ok()?;
    let info = FileInfo { name: file.name(), size: file.size() as u64, mime: file.type_() };
    Some((file, info))
}

/// Submits a form with these hidden fields to `url` in a new window (a download), then
/// removes it. Built as DOM, not as HTML text, so no value can inject markup.
pub fn submit_form(url: &str, fields: &[(String, String)]) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let Ok(form) = doc.create_element("form") else { return };
    let _ = form.set_attribute("method", "POST");
    let _ = form.set_attribute("enctype", "multipart/form-data");
    let _ = form.set_attribute("target", "_blank");
    let _ = form.set_attribute("action", url);
    for (name, value) in fields {
        if let Ok(input) = doc.create_element("input") {
            let _ = input.set_attribute("type", "hidden");
            let _ = input.set_attribute("name", name);
            let _ = input.set_attribute("value", value);
            let _ = form.append_child(&input);
        }
    }
    let Some(body) = doc.body() else { return };
    let _ = body.append_child(&form);
    if let Some(f) = form.dyn_ref::<web_sys::HtmlFormElement>() {
        let _ = f.submit();
    }
    form.remove();
}

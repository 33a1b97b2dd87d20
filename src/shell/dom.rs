//! The page: facts for `_genesys_*` userData, and the typing-preview input.

use crate::engine::command::PageInfo;
use crate::shell::bridge::get;
use wasm_bindgen::{JsCast, JsValue};

/// URL, referrer, title, browser, OS, mobile flag of the page, and the widget language.
pub fn page_info(language: Option<String>) -> PageInfo {
    let Some(window) = web_sys::window() else { return PageInfo::default() };
    let doc = window.document();
    let ua = window.navigator().user_agent().unwrap_or_default();
    let browser = if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") {
        "Chrome"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("Safari/") {
        "Safari"
    } else {
        "Other"
    };
    let os = if ua.contains("Android") {
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
    };
    PageInfo {
        url: window.location().href().unwrap_or_default(),
        referrer: doc.as_ref().map(|d| d.referrer()).unwrap_or_default(),
        title: doc.as_ref().map(|d| d.title()).unwrap_or_default(),
        browser: browser.into(),
        os: os.into(),
        mobile: ua.contains("Mobi") || ua.contains("Android"),
        language,
    }
}

/// A text input or a textarea, given directly or wrapped in jQuery; `None` otherwise.
pub fn preview_input(v: &JsValue) -> Option<web_sys::Element> {
    let candidate = if get(v, "jquery").is_undefined() { v.clone() } else { get(v, "0") };
    if let Some(t) = candidate.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        return Some(t.clone().into());
    }
    let input = candidate.dyn_ref::<web_sys::HtmlInputElement>()?;
    (input.type_() == "text").then(|| input.clone().into())
}

/// The current text of the preview input.
pub fn input_text(el: &web_sys::Element) -> String {
    if let Some(t) = el.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        return t.value();
    }
    el.dyn_ref::<web_sys::HtmlInputElement>().map(|i| i.value()).unwrap_or_default()
}

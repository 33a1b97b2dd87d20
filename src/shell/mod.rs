//! The browser shell (wasm32 only): it translates and executes, the engine decides.
//!
//! Each file wraps one browser facility: [`bus`] the CXBus plugin interface, [`bridge`]
//! JavaScript values, [`http`] fetch, [`cookie`] cookies, [`dom`] the page, [`host`] the
//! engine's synchronous questions, [`runtime`] the command loop and the one timer.

pub mod bridge;
pub mod bus;
pub mod cookie;
pub mod dom;
pub mod host;
pub mod http;
pub mod runtime;
pub mod socket;

use bridge::get;
use bus::PluginApi;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

thread_local! {
    /// The one running plugin of this page.
    static RUNNING: RefCell<Option<runtime::Shared>> = const { RefCell::new(None) };
}

/// A panic would kill the wasm instance and the chat with it; if one happens anyway, say
/// where on the console instead of failing silently.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("WebChatService (wasm) panicked: {info}").into());
    }));
}

/// Called by the loader once the `.wasm` is instantiated, with the plugin interface it
/// registered synchronously and the `_genesys.widgets` config root.
#[wasm_bindgen]
pub fn start(plugin: JsValue, widgets: JsValue) {
    install_panic_hook();
    if RUNNING.with(|r| r.borrow().is_some()) {
        web_sys::console::warn_1(&"WebChatService (wasm): started twice on this page; the second start is ignored.".into());
        return;
    }
    if let Some(rt) = launch(plugin, widgets) {
        RUNNING.with(|r| *r.borrow_mut() = Some(rt));
    }
}

/// Starts the plugin on a registered plugin interface and returns its running state
/// once it is configured (`None` while it waits for `App.ready`, which then owns it).
/// `start` is the page's entry; tests call this directly, once per fresh bus.
pub fn launch(plugin: JsValue, widgets: JsValue) -> Option<runtime::Shared> {
    let plugin: PluginApi = plugin.unchecked_into();
    let events = js_sys::Array::new();
    for e in crate::engine::command::EVENT_NAMES {
        events.push(&JsValue::from_str(e));
    }
    let _ = plugin.register_events(&events);
    let app_present = plugin.has_plugin("App");
    if app_present {
        // Like the shipped loader: configure only once App is ready (it is sticky).
        let plugin2 = plugin.clone();
        let fired = std::rc::Rc::new(std::cell::Cell::new(false));
        let cb = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
            if fired.replace(true) {
                return;
            }
            let root = get(&e, "data");
            let root = if root.is_object() && !get(&root, "webchat").is_undefined() { root } else { widgets_root() };
            let rt = boot(plugin2.clone(), root, true);
            RUNNING.with(|r| *r.borrow_mut() = Some(rt));
        });
        let _ = plugin.subscribe("App.ready", cb.as_ref().unchecked_ref());
        // Owned by the bus subscription for the life of the page.
        cb.forget();
        None
    } else {
        let root = if widgets.is_object() { widgets } else { widgets_root() };
        Some(boot(plugin, root, false))
    }
}

fn widgets_root() -> JsValue {
    let Some(w) = web_sys::window() else { return JsValue::UNDEFINED };
    let g = get(&w.into(), "_genesys");
    let widgets = get(&g, "widgets");
    if widgets.is_object() { widgets } else { get(&g, "cxwidget") }
}

fn boot(plugin: PluginApi, widgets: JsValue, app_present: bool) -> runtime::Shared {
    let main = get(&widgets, "main");
    let config = get(&widgets, "webchat");
    if !config.is_object() {
        web_sys::console::error_1(&"WebChatService (wasm): window._genesys.widgets.webchat is missing; set it (at least { dataURL: '…/genesys/2/chat/<service>' }) before this script. Every command will reject with 'Invalid configuration'.".into());
    }
    let host = host::BrowserHost {
        cookies: cookie::CookieJar::from_main(&main),
        preview: None,
        preprocessors: Vec::new(),
        plugin: plugin.clone(),
        main,
    };
    let rt = runtime::Runtime::new(plugin, host, app_present);
    runtime::register_commands(&rt);
    runtime::follow_page_visibility(&rt);
    runtime::configure_and_ready(&rt, config);
    rt
}

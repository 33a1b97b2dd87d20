//! The browser shell (wasm32 only): it translates and executes, the engine decides.
//!
//! Each file wraps one browser facility: [`bus`] the CXBus plugin interface, [`bridge`]
//! JavaScript values, [`http`] fetch, [`cookie`] cookies, [`dom`] the page, [`socket`]
//! the WebSocket, [`host`] the engine's synchronous questions, [`runtime`] the input
//! queue, the action executor and the one timer, [`subscriptions`] what the page tells
//! the plugin.

pub mod bridge;
pub mod bus;
pub mod cookie;
pub mod dom;
pub mod host;
pub mod http;
pub mod runtime;
pub mod socket;
pub mod storage;
pub mod subscriptions;

use bridge::{get, Helpers};
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
/// registered synchronously, the `_genesys.widgets` config root and the page helpers.
#[wasm_bindgen]
pub fn start(plugin: JsValue, widgets: JsValue, helpers: JsValue) {
    install_panic_hook();
    if RUNNING.with(|r| r.borrow().is_some()) {
        web_sys::console::warn_1(&"WebChatService (wasm): started twice on this page; the second start is ignored.".into());
        return;
    }
    if let Some(rt) = launch(plugin, widgets, helpers) {
        RUNNING.with(|r| *r.borrow_mut() = Some(rt));
    }
}

/// Starts the plugin on a registered plugin interface and returns its running state
/// once it is configured (`None` while it waits for `App.ready`, which then owns it).
/// `start` is the page's entry; tests call this directly, once per fresh bus.
pub fn launch(plugin: JsValue, widgets: JsValue, helpers: JsValue) -> Option<runtime::Shared> {
    let plugin: PluginApi = plugin.unchecked_into();
    let helpers = Helpers::from(&helpers);
    if plugin.has_plugin("App") {
        // Like the shipped loader: the controller starts once App is ready (sticky).
        let plugin2 = plugin.clone();
        let fired = std::rc::Rc::new(std::cell::Cell::new(false));
        let cb = Closure::<dyn FnMut(JsValue)>::new(move |_e: JsValue| {
            if fired.replace(true) {
                return;
            }
            // The loader's `widgets` is the page's live config object, so fields set
            // before App.ready are seen; without one, look the root up now.
            let root = if widgets.is_object() { widgets.clone() } else { widgets_root() };
            let rt = boot(plugin2.clone(), root, true, helpers.clone());
            RUNNING.with(|r| *r.borrow_mut() = Some(rt));
        });
        let _ = plugin.subscribe("App.ready", cb.as_ref().unchecked_ref());
        // Owned by the bus subscription for the life of the page.
        cb.forget();
        None
    } else {
        let root = if widgets.is_object() { widgets } else { widgets_root() };
        Some(boot(plugin, root, false, helpers))
    }
}

/// `window._genesys.widgets` (or the older `cxwidget`), read when the plugin starts.
fn widgets_root() -> JsValue {
    let Some(w) = web_sys::window() else { return JsValue::UNDEFINED };
    let g = get(&w.into(), "_genesys");
    let widgets = get(&g, "widgets");
    if widgets.is_object() { widgets } else { get(&g, "cxwidget") }
}

fn boot(plugin: PluginApi, widgets: JsValue, app_present: bool, helpers: Helpers) -> runtime::Shared {
    let main = get(&widgets, "main");
    let webchat = get(&widgets, "webchat");
    let mut host = host::BrowserHost {
        cookies: cookie::CookieJar::from_main(&main),
        preview: None,
        preprocessors: Vec::new(),
        plugin: plugin.clone(),
        main,
        helpers,
        storage: storage::StorageFns::from_config(&webchat),
        preprocessor_threw: false,
    };
    let config = bridge::to_value(&webchat);
    let seed = (js_sys::Math::random() * 9.0e15) as u64;
    let service = crate::engine::Service::boot(&config, app_present, seed, &mut host);
    let events = js_sys::Array::new();
    for e in service.event_names() {
        events.push(&JsValue::from_str(e));
    }
    let _ = plugin.register_events(&events);
    let shell = runtime::Shell::new(runtime::Runtime::new(service, host, plugin, webchat));
    subscriptions::register_commands(&shell);
    subscriptions::follow_page(&shell);
    runtime::run_boot(&shell);
    shell
}

//! What the plugin hears from the bus: its commands, and the page events the shipped
//! plugin follows (`App.language`, App's focus data, `WebChat.closed`, `GWE.ready`).

use crate::engine::command::PageEvent;
use crate::shell::bridge::{get, to_value};
use crate::shell::runtime::{feed, Input, Shared};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// Registers a handler for every command name of the plugin.
pub fn register_commands(shell: &Shared) {
    let plugin = shell.plugin();
    for name in crate::engine::command::COMMAND_NAMES {
        let weak = Rc::downgrade(shell);
        let handler = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            if let Some(s) = weak.upgrade() {
                feed(&s, Input::Command { name, event });
            }
        });
        if let Err(e) = plugin.register_command(name, handler.as_ref().unchecked_ref()) {
            web_sys::console::error_2(&format!("WebChatService: could not register command {name}").into(), &e);
        }
        shell.handlers.borrow_mut().push(handler);
    }
}

fn on(shell: &Shared, event: &str, f: impl Fn(&Shared, JsValue) + 'static) {
    let weak = Rc::downgrade(shell);
    let cb = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
        if let Some(s) = weak.upgrade() {
            f(&s, e);
        }
    });
    let _ = shell.plugin().subscribe(event, cb.as_ref().unchecked_ref());
    shell.handlers.borrow_mut().push(cb);
}

/// The page events the shipped plugin subscribes to.
pub fn follow_page(shell: &Shared) {
    on(shell, "GWE.ready", |s, _| {
        // GWE's visitor ids join userData, as shipped.
        let promise = s.plugin().command("GWE.getIDs", &JsValue::UNDEFINED).unwrap_or(JsValue::UNDEFINED);
        let weak = Rc::downgrade(s);
        let done = Closure::once_into_js(move |ids: JsValue| {
            if let Some(s) = weak.upgrade() {
                feed(&s, Input::Page(PageEvent::GweIds(to_value(&ids))));
            }
        });
        if let Some(f) = get(&promise, "done").dyn_ref::<js_sys::Function>() {
            let _ = f.call1(&promise, &done);
        }
    });
    on(shell, "App.language", |s, e| feed(s, Input::Page(PageEvent::Language(to_value(&get(&e, "data"))))));
    on(shell, "App.data.pageFocus", |s, e| feed(s, Input::Page(PageEvent::Focus(to_value(&get(&get(&e, "data"), "value"))))));
    on(shell, "App.data.pageHidden", |s, e| {
        let focused = s.plugin().get_data("App.pageFocus").ok().and_then(|v| v.as_bool()).unwrap_or(false);
        feed(s, Input::Page(PageEvent::Hidden { hidden: to_value(&get(&get(&e, "data"), "value")), focused }));
    });
    on(shell, "WebChat.closed", |s, _| feed(s, Input::Page(PageEvent::WebChatClosed)));
    // Not a bus event: a reload or a navigation away, when late cookie writes are flushed.
    if let Some(w) = web_sys::window() {
        let weak = Rc::downgrade(shell);
        let cb = Closure::<dyn FnMut(JsValue)>::new(move |_e: JsValue| {
            if let Some(s) = weak.upgrade() {
                feed(&s, Input::Page(PageEvent::Leaving));
            }
        });
        let _ = w.add_event_listener_with_callback("pagehide", cb.as_ref().unchecked_ref());
        // Owned by the window for the life of the page (it outlives a dropped shell, and
        // then does nothing: the weak reference no longer upgrades).
        cb.forget();
    }
}

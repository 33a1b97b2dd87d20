//! The running plugin: bus command handlers feed the engine, its actions are executed,
//! its one deadline is kept armed.
//!
//! The engine is borrowed only inside synchronous steps, never across an `.await`, and
//! actions are executed after the borrow ends: settling a deferred runs `done` callbacks
//! synchronously, and on a bus configured with `async: false` those may command us again.

use crate::engine::output::{Action, LogLevel, Outcome};
use crate::engine::texts;
use crate::engine::output::{SocketEvent, SocketId};
use crate::engine::{CommandId, Service};
use crate::shell::bridge::{self, get, to_js};
use crate::shell::bus::PluginApi;
use crate::shell::dom;
use crate::shell::host::BrowserHost;
use crate::shell::http;
use crate::shell::socket::Socket;
use gloo_timers::callback::Timeout;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

pub struct Runtime {
    session: Service,
    host: BrowserHost,
    plugin: PluginApi,
    /// Deferreds of commands not settled yet (a handful: a vector keeps hashbrown out of the wasm).
    deferreds: Vec<(CommandId, JsValue)>,
    next_command: CommandId,
    timer: Option<Timeout>,
    /// The handlers registered on the bus; owned here so they live as long as the plugin.
    handlers: Vec<Closure<dyn FnMut(JsValue)>>,
    /// Open WebSockets by id (at most one in practice); dropping one closes it.
    sockets: Vec<(SocketId, Socket)>,
}

pub type Shared = Rc<RefCell<Runtime>>;

fn now() -> u64 {
    js_sys::Date::now() as u64
}

impl Runtime {
    pub fn new(plugin: PluginApi, host: BrowserHost, app_present: bool) -> Shared {
        Rc::new(RefCell::new(Runtime {
            session: Service::new(app_present, (js_sys::Math::random() * 9.0e15) as u64),
            host,
            plugin,
            deferreds: Vec::new(),
            next_command: 1,
            timer: None,
            handlers: Vec::new(),
            sockets: Vec::new(),
        }))
    }
}

/// Registers a handler for every command name of the plugin.
pub fn register_commands(rt: &Shared) {
    let plugin = rt.borrow().plugin.clone();
    for name in crate::engine::command::COMMAND_NAMES {
        let weak = Rc::downgrade(rt);
        let handler = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
            if let Some(rt) = weak.upgrade() {
                on_command(&rt, name, e);
            }
        });
        if let Err(e) = plugin.register_command(name, handler.as_ref().unchecked_ref()) {
            web_sys::console::error_2(&format!("WebChatService: could not register command {name}").into(), &e);
        }
        rt.borrow_mut().handlers.push(handler);
    }
}

/// One bus command: `{time, commander, command, deferred, data}`.
fn on_command(rt: &Shared, name: &'static str, e: JsValue) {
    // Re-entered from a synchronous bus or a preprocessor: run it once we are done.
    if rt.try_borrow_mut().is_err() {
        let rt = rt.clone();
        Timeout::new(0, move || on_command(&rt, name, e)).forget();
        return;
    }
    let deferred = get(&e, "deferred");
    let data = get(&e, "data");
    let commander = get(&e, "commander").as_string().unwrap_or_default();
    match name {
        "registerPreProcessor" => {
            let f = get(&data, "preprocessor");
            match f.dyn_ref::<js_sys::Function>() {
                Some(func) => {
                    rt.borrow_mut().host.preprocessors.push(func.clone());
                    settle(&deferred, true, Some(&f));
                }
                None => settle(&deferred, false, Some(&texts::no_preprocessor(&bridge::type_of(&f)).into())),
            }
            return;
        }
        "registerTypingPreviewInput" => {
            match dom::preview_input(&get(&data, "input")) {
                Some(el) => {
                    rt.borrow_mut().host.preview = Some(el);
                    settle(&deferred, true, None);
                }
                None => settle(&deferred, false, Some(&texts::INVALID_PREVIEW_INPUT.into())),
            }
            return;
        }
        _ => {}
    }
    // GCTI_LanguageCode: the widgets language (`main.lang`), when the page sets one.
    let language = get(&rt.borrow().host.main, "lang").as_string();
    let Some(cmd) = bridge::command(name, &commander, &data, || dom::page_info(language)) else {
        settle(&deferred, false, Some(&format!("Unknown command {name}").into()));
        return;
    };
    let actions = {
        let mut r = rt.borrow_mut();
        let r = &mut *r;
        let id = r.next_command;
        r.next_command += 1;
        r.deferreds.push((id, deferred));
        r.session.handle_command(id, cmd, now(), &mut r.host);
        drain(r)
    };
    execute(rt, actions);
}

fn drain(r: &mut Runtime) -> Vec<Action> {
    std::iter::from_fn(|| r.session.poll_action()).collect()
}

/// Settles a bus deferred: `resolve(arg)` / `reject(arg)`, no argument for `None`.
fn settle(deferred: &JsValue, ok: bool, arg: Option<&JsValue>) {
    let f = get(deferred, if ok { "resolve" } else { "reject" });
    let Some(f) = f.dyn_ref::<js_sys::Function>() else { return };
    let _ = match arg {
        Some(a) => f.call1(deferred, a),
        None => f.call0(deferred),
    };
}

/// The JavaScript values of every event and data payload of one engine step, converted
/// with a single `JSON.parse` (a restore can publish thousands of events at once).
fn payloads(actions: &[Action]) -> Vec<JsValue> {
    let values: Vec<&serde_json::Value> = actions
        .iter()
        .filter_map(|a| match a {
            Action::Publish { data, .. } => Some(data),
            Action::Data { value, .. } => Some(value),
            _ => None,
        })
        .collect();
    if values.len() < 2 {
        return values.into_iter().map(to_js).collect();
    }
    let parsed = serde_json::to_string(&values).ok().and_then(|t| js_sys::JSON::parse(&t).ok());
    match parsed.as_ref().and_then(|p| p.dyn_ref::<js_sys::Array>()) {
        Some(array) => array.iter().collect(),
        None => values.into_iter().map(to_js).collect(),
    }
}

/// Executes the engine's actions in order, then re-arms the timer.
fn execute(rt: &Shared, actions: Vec<Action>) {
    let plugin = rt.borrow().plugin.clone();
    let mut converted = payloads(&actions).into_iter();
    for action in actions {
        match action {
            Action::Http(req) => {
                let id = req.id;
                let rt2 = rt.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let result = http::send(req).await;
                    let actions = {
                        let mut r = rt2.borrow_mut();
                        let r = &mut *r;
                        r.session.handle_http(id, result, now(), &mut r.host);
                        drain(r)
                    };
                    execute(&rt2, actions);
                });
            }
            Action::Reply { id, outcome } => {
                let deferred = {
                    let mut r = rt.borrow_mut();
                    r.deferreds.iter().position(|(i, _)| *i == id).map(|at| r.deferreds.remove(at).1)
                };
                if let Some(d) = deferred {
                    let (ok, value) = match &outcome {
                        Outcome::Resolve(v) => (true, v),
                        Outcome::Reject(v) => (false, v),
                    };
                    settle(&d, ok, bridge::reply_to_js(value).as_ref());
                }
            }
            Action::Publish { event, direct, .. } => {
                let js = converted.next().unwrap_or(JsValue::UNDEFINED);
                let sent = if direct { plugin.publish_direct(event, &js) } else { plugin.publish(event, &js) };
                if sent.is_err() && direct {
                    let _ = plugin.publish(event, &js);
                }
            }
            Action::Data { key, .. } => {
                let _ = plugin.set_data(key, &converted.next().unwrap_or(JsValue::UNDEFINED));
            }
            Action::BusCommand { command, data } => {
                let _ = plugin.command(command, &to_js(&data));
            }
            Action::SocketOpen { id, url } => {
                let weak = Rc::downgrade(rt);
                let report = move |id: SocketId, ev: SocketEvent| {
                    if let Some(rt) = weak.upgrade() {
                        on_socket(&rt, id, ev);
                    }
                };
                match Socket::open(&url, id, report) {
                    Ok(socket) => {
                        rt.borrow_mut().sockets.push((id, socket));
                    }
                    Err(e) => {
                        web_sys::console::error_2(&format!("WebChatService: cannot open the event stream {url}").into(), &e);
                        let rt2 = rt.clone();
                        Timeout::new(0, move || on_socket(&rt2, id, SocketEvent::Closed)).forget();
                    }
                }
            }
            Action::SocketClose { id } => {
                let socket = {
                    let mut r = rt.borrow_mut();
                    r.sockets.iter().position(|(i, _)| *i == id).map(|at| r.sockets.remove(at))
                };
                drop(socket);
            }
            Action::Log { level, message } => {
                let m = JsValue::from_str(&message);
                match level {
                    LogLevel::Info => web_sys::console::info_1(&m),
                    LogLevel::Warn => web_sys::console::warn_1(&m),
                    LogLevel::Error => web_sys::console::error_1(&m),
                }
            }
        }
    }
    arm_timer(rt);
}

/// One WebSocket event into the engine.
fn on_socket(rt: &Shared, id: SocketId, event: SocketEvent) {
    if rt.try_borrow_mut().is_err() {
        let rt = rt.clone();
        Timeout::new(0, move || on_socket(&rt, id, event)).forget();
        return;
    }
    if event == SocketEvent::Closed {
        let closed = {
            let mut r = rt.borrow_mut();
            r.sockets.iter().position(|(i, _)| *i == id).map(|at| r.sockets.remove(at))
        };
        drop(closed);
    }
    let actions = {
        let mut r = rt.borrow_mut();
        let r = &mut *r;
        r.session.handle_socket(id, event, now(), &mut r.host);
        drain(r)
    };
    execute(rt, actions);
}

/// Keeps one timeout armed at the engine's next deadline.
fn arm_timer(rt: &Shared) {
    let Ok(mut r) = rt.try_borrow_mut() else { return };
    let Some(at) = r.session.poll_timeout() else {
        r.timer = None;
        return;
    };
    let delay = at.saturating_sub(now()).min(u32::MAX as u64) as u32;
    let weak = Rc::downgrade(rt);
    r.timer = Some(Timeout::new(delay, move || {
        let Some(rt) = weak.upgrade() else { return };
        let actions = {
            let Ok(mut r) = rt.try_borrow_mut() else { return };
            let r = &mut *r;
            r.timer = None;
            r.session.handle_timeout(now(), &mut r.host);
            drain(r)
        };
        execute(&rt, actions);
    }));
}

/// Page visibility from the App plugin drives sleep/wake (only with `sleepEnabled`).
pub fn follow_page_visibility(rt: &Shared) {
    let plugin = rt.borrow().plugin.clone();
    let weak = Rc::downgrade(rt);
    let cb = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
        let Some(rt) = weak.upgrade() else { return };
        let hidden = get(&get(&e, "data"), "value").as_bool().unwrap_or(false);
        let cmd = if hidden { crate::engine::Command::Sleep } else { crate::engine::Command::Wake };
        let actions = {
            let Ok(mut r) = rt.try_borrow_mut() else { return };
            let r = &mut *r;
            let id = r.next_command;
            r.next_command += 1;
            r.session.handle_command(id, cmd, now(), &mut r.host);
            drain(r)
        };
        execute(&rt, actions);
    });
    let _ = plugin.subscribe("App.data.pageHidden", cb.as_ref().unchecked_ref());
    rt.borrow_mut().handlers.push(cb);
}

/// Self-configures through the bus (as the shipped loader does, so `before` interceptors
/// see it), then `ready()` and `republish('ready')`.
pub fn configure_and_ready(rt: &Shared, config: JsValue) {
    let plugin = rt.borrow().plugin.clone();
    let data = if config.is_object() { config } else { js_sys::Object::new().into() };
    let promise = plugin.command("WebChatService.configure", &data).unwrap_or(JsValue::UNDEFINED);
    let weak = Rc::downgrade(rt);
    let done = Closure::once_into_js(move |_: JsValue| {
        let Some(rt) = weak.upgrade() else { return };
        let plugin = rt.borrow().plugin.clone();
        let _ = plugin.ready();
        let _ = plugin.republish("ready", &js_sys::Object::new().into());
        let actions = {
            let mut r = rt.borrow_mut();
            let r = &mut *r;
            r.session.after_ready(now(), &mut r.host);
            drain(r)
        };
        execute(&rt, actions);
    });
    match get(&promise, "always").dyn_ref::<js_sys::Function>() {
        Some(always) => {
            let _ = always.call1(&promise, &done);
        }
        None => {
            // A bus without deferreds: go ready at once.
            let _ = plugin.ready();
            let _ = plugin.republish("ready", &js_sys::Object::new().into());
        }
    }
}

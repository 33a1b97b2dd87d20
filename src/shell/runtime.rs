//! The running plugin: every input (a bus command, an HTTP answer, a socket event, the
//! timer, a page event) goes through one queue into the engine; the engine's actions are
//! executed after its borrow ends; the one timer is re-armed from its next deadline.
//!
//! One re-entrancy policy for all inputs: an input that arrives while another is being
//! handled (a synchronous bus calling back while a deferred settles, a preprocessor that
//! commands the bus) waits in the queue and runs right after, in order. Nothing is ever
//! retried on a timer, so nothing can spin.

use crate::engine::command::{Command, PageEvent};
use crate::engine::output::{HttpResponse, NetError, SocketEvent, SocketId, StorageCall, STORED_CLIENT_KEY};
use crate::engine::{texts, Action, CommandId, RequestId, Service};
use crate::shell::bridge::{self, get, type_of};
use crate::shell::bus::PluginApi;
use crate::shell::dom;
use crate::shell::host::BrowserHost;
use crate::shell::socket::Socket;
use gloo_timers::callback::Timeout;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// Inputs waiting beyond this are refused (a page flooding the bus synchronously).
const MAX_QUEUED: usize = 10_000;

pub enum Input {
    Command { name: &'static str, event: JsValue },
    Http { id: RequestId, result: Result<HttpResponse, NetError> },
    Socket { id: SocketId, event: SocketEvent },
    Timer,
    Page(PageEvent),
}

pub struct Runtime {
    pub service: Service,
    pub host: BrowserHost,
    pub plugin: PluginApi,
    /// `_genesys.widgets.webchat` as the page set it (configure is issued with it).
    pub webchat: JsValue,
    /// Deferreds of commands not settled yet.
    deferreds: Vec<(CommandId, JsValue)>,
    /// `sendFile` commands whose File the page-side helpers keep until they settle.
    kept_files: Vec<CommandId>,
    next_command: CommandId,
    timer: Option<Armed>,
    /// Open WebSockets by id (one at a time in practice); dropping one closes it.
    sockets: Vec<(SocketId, Socket)>,
}

pub struct Shell {
    rt: RefCell<Runtime>,
    queue: RefCell<VecDeque<Input>>,
    busy: Cell<bool>,
    /// Bus callbacks (command handlers, subscriptions), owned for the plugin's life.
    pub handlers: RefCell<Vec<BusCallback>>,
}

/// A bus callback (a command handler or a subscription) as the page calls it.
pub type BusCallback = Closure<dyn FnMut(JsValue)>;

pub type Shared = Rc<Shell>;

fn now() -> u64 {
    js_sys::Date::now() as u64
}

/// Something the shell does after the engine's borrow ended.
enum Exec {
    Action(Action),
    /// Settle a deferred with a JavaScript value the engine never sees (a function).
    Settle { deferred: JsValue, ok: bool, value: Option<JsValue> },
}

impl Shell {
    pub fn new(rt: Runtime) -> Shared {
        Rc::new(Shell { rt: RefCell::new(rt), queue: RefCell::new(VecDeque::new()), busy: Cell::new(false), handlers: RefCell::new(Vec::new()) })
    }
    pub fn plugin(&self) -> PluginApi {
        self.rt.borrow().plugin.clone()
    }
}

impl Runtime {
    pub fn new(service: Service, host: BrowserHost, plugin: PluginApi, webchat: JsValue) -> Runtime {
        Runtime { service, host, plugin, webchat, deferreds: Vec::new(), kept_files: Vec::new(), next_command: 1, timer: None, sockets: Vec::new() }
    }
}

/// Feeds one input; handles it now, or right after the input being handled.
pub fn feed(shell: &Shared, input: Input) {
    {
        let mut q = shell.queue.borrow_mut();
        if q.len() >= MAX_QUEUED {
            web_sys::console::error_1(&"WebChatService: too many inputs at once; one was dropped.".into());
            return;
        }
        q.push_back(input);
    }
    drain(shell);
}

/// Handles the queued inputs in order until none is left, unless a drain or an execution
/// is already running (it will get to them); then re-arms the timer.
fn drain(shell: &Shared) {
    if shell.busy.replace(true) {
        return;
    }
    loop {
        let next = shell.queue.borrow_mut().pop_front();
        let Some(input) = next else { break };
        let execs = step(shell, input);
        execute(shell, execs);
    }
    shell.busy.set(false);
    arm_timer(shell);
}

/// Executes actions that were not produced by a queued input (the boot's, the part after
/// a `Yield`) under the same re-entrancy policy, then handles what arrived meanwhile.
fn execute_exclusive(shell: &Shared, execs: Vec<Exec>) {
    let was_busy = shell.busy.replace(true);
    execute(shell, execs);
    if !was_busy {
        shell.busy.set(false);
        drain(shell);
    }
}

/// Runs the engine on one input; returns what to execute.
fn step(shell: &Shared, input: Input) -> Vec<Exec> {
    let Ok(mut r) = shell.rt.try_borrow_mut() else {
        web_sys::console::error_1(&"WebChatService: the plugin is busy in a way it should never be; an input was dropped.".into());
        return Vec::new();
    };
    let r = &mut *r;
    let t = now();
    let mut execs = Vec::new();
    match input {
        Input::Command { name, event } => {
            let deferred = get(&event, "deferred");
            let data = get(&event, "data");
            let commander = get(&event, "commander").as_string().unwrap_or_default();
            match name {
                "registerPreProcessor" => {
                    let f = get(&data, "preprocessor");
                    if let Some(func) = f.dyn_ref::<js_sys::Function>() {
                        r.host.preprocessors.push(func.clone());
                        execs.push(Exec::Settle { deferred, ok: true, value: Some(f.clone()) });
                    } else {
                        execs.push(Exec::Settle { deferred, ok: false, value: Some(texts::no_preprocessor(&type_of(&f)).into()) });
                    }
                }
                "registerTypingPreviewInput" => match dom::preview_input(&get(&data, "input")) {
                    Some(el) => {
                        r.host.preview = Some(el);
                        execs.push(Exec::Settle { deferred, ok: true, value: None });
                    }
                    None => execs.push(Exec::Settle { deferred, ok: false, value: Some(texts::INVALID_PREVIEW_INPUT.into()) }),
                },
                _ => {
                    if name == "configure" {
                        // The engine sees the configuration as data, without functions.
                        r.host.storage = crate::shell::storage::StorageFns::from_config(&data);
                    }
                    let mut picked = None;
                    let Some(cmd) = command(name, &commander, &data, &mut picked) else {
                        // Every registered name is an engine command (tested in
                        // `engine::command`); should one ever not be, it still settles.
                        execs.push(Exec::Settle { deferred, ok: false, value: Some(format!("WebChatService: {name} is not handled by this build").into()) });
                        return execs;
                    };
                    let id = r.next_command;
                    r.next_command += 1;
                    r.deferreds.push((id, deferred));
                    if let Some(file) = picked {
                        r.host.helpers.keep_file(id, &file);
                        r.kept_files.push(id);
                    }
                    r.service.handle_command(id, cmd, t, &mut r.host);
                }
            }
        }
        Input::Http { id, result } => r.service.handle_http(id, result, t, &mut r.host),
        Input::Socket { id, event } => {
            if event == SocketEvent::Closed {
                if let Some(at) = r.sockets.iter().position(|(i, _)| *i == id) {
                    drop(r.sockets.remove(at));
                }
            }
            r.service.handle_socket(id, event, t, &mut r.host);
        }
        Input::Timer => {
            r.timer = None;
            r.service.handle_timeout(t, &mut r.host);
        }
        Input::Page(event) => r.service.handle_page(event, &mut r.host),
    }
    // Room for all at once: 2,000 actions grown by doubling would hold two lists.
    execs.reserve(r.service.queued_actions());
    while let Some(a) = r.service.poll_action() {
        execs.push(Exec::Action(a));
    }
    execs
}

/// The engine command for a bus command name and its data; `picked` gets the File a
/// `sendFile` carries (the engine only learns its name, size and type).
fn command(name: &str, commander: &str, data: &JsValue, picked: &mut Option<web_sys::File>) -> Option<Command> {
    Command::from_bus(name, commander, bridge::to_value(data), dom::page_info, || {
        dom::first_file(&get(data, "files")).map(|(file, info)| {
            *picked = Some(file);
            info
        })
    })
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

/// The JavaScript values of the payloads of a list of actions, converted together.
fn payloads(shell: &Shared, execs: &[Exec]) -> Vec<JsValue> {
    let values: Vec<&crate::engine::Value> = execs
        .iter()
        .filter_map(|e| match e {
            Exec::Action(Action::Publish { data, .. }) => Some(data),
            Exec::Action(Action::Data { value, .. } | Action::DataInPlace { value, .. }) => Some(value),
            Exec::Action(Action::Reply { outcome, .. }) => outcome.arg.as_ref(),
            Exec::Action(Action::Command { data: crate::engine::CommandData::Value(v), .. }) => Some(v),
            Exec::Action(Action::Storage(StorageCall::Save(v) | StorageCall::Delete(v))) => Some(v),
            _ => None,
        })
        .collect();
    let helpers = shell.rt.borrow().host.helpers.clone();
    helpers.to_js_many(&values)
}

/// Executes actions in order, as the shipped code performs them.
fn execute(shell: &Shared, execs: Vec<Exec>) {
    let plugin = shell.plugin();
    let mut converted = payloads(shell, &execs).into_iter();
    let mut execs = execs.into_iter();
    while let Some(exec) = execs.next() {
        let action = match exec {
            Exec::Settle { deferred, ok, value } => {
                settle(&deferred, ok, value.as_ref());
                continue;
            }
            Exec::Action(a) => a,
        };
        match action {
            Action::Http(mut req) => {
                let id = req.id;
                if req.headers.iter().any(|(_, v)| v == STORED_CLIENT_KEY) {
                    // The integrator's key, or no such header.
                    let key = shell.rt.borrow().host.storage.key.clone();
                    req.headers = std::mem::take(&mut req.headers).into_iter().filter_map(|(k, v)| if v == STORED_CLIENT_KEY { key.clone().map(|key| (k, key)) } else { Some((k, v)) }).collect();
                }
                let file = match &req.body {
                    crate::engine::Body::Multipart { file: Some(f), .. } | crate::engine::Body::File(f) => shell.rt.borrow().host.helpers.file(f.0),
                    _ => None,
                };
                let shell2 = shell.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let result = crate::shell::http::send(*req, file).await;
                    feed(&shell2, Input::Http { id, result });
                });
            }
            Action::Reply { id, outcome } => {
                let js = if outcome.arg.is_some() { converted.next() } else { None };
                let deferred = {
                    let mut r = shell.rt.borrow_mut();
                    if let Some(at) = r.kept_files.iter().position(|i| *i == id) {
                        r.kept_files.remove(at);
                        r.host.helpers.forget_file(id);
                    }
                    r.deferreds.iter().position(|(i, _)| *i == id).map(|at| r.deferreds.remove(at).1)
                };
                if let Some(d) = deferred {
                    settle(&d, outcome.ok, js.as_ref());
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
            Action::DataInPlace { key, .. } => {
                let value = converted.next().unwrap_or(JsValue::UNDEFINED);
                let stored = plugin.get_data(key).unwrap_or(JsValue::UNDEFINED);
                if !bridge::replace_contents(&stored, &value) {
                    let _ = plugin.set_data(key, &value);
                }
            }
            Action::Command { command, data } => {
                let js = match data {
                    crate::engine::CommandData::Value(_) => converted.next().unwrap_or(JsValue::UNDEFINED),
                    crate::engine::CommandData::WebchatConfig => shell.rt.borrow().webchat.clone(),
                };
                let _ = plugin.command(command, &js);
            }
            Action::Ready => {
                let _ = plugin.ready();
                let _ = plugin.republish("ready", &JsValue::UNDEFINED);
            }
            Action::Yield => {
                // The rest runs on a later task, in order.
                let rest: Vec<Exec> = execs.collect();
                let shell2 = shell.clone();
                Timeout::new(0, move || execute_exclusive(&shell2, rest)).forget();
                return;
            }
            Action::SocketOpen { id, url } => {
                let weak = Rc::downgrade(shell);
                let report = move |id: SocketId, event: SocketEvent| {
                    if let Some(s) = weak.upgrade() {
                        feed(&s, Input::Socket { id, event });
                    }
                };
                match Socket::open(&url, id, report) {
                    Ok(socket) => shell.rt.borrow_mut().sockets.push((id, socket)),
                    Err(e) => {
                        web_sys::console::error_2(&format!("WebChatService: cannot open the event stream {url}").into(), &e);
                        let shell2 = shell.clone();
                        Timeout::new(0, move || feed(&shell2, Input::Socket { id, event: SocketEvent::Closed })).forget();
                    }
                }
            }
            Action::SocketSend { id, text } => {
                if let Some((_, socket)) = shell.rt.borrow().sockets.iter().find(|(i, _)| *i == id) {
                    socket.send(&text);
                }
            }
            Action::SocketClose { id } => {
                let socket = {
                    let mut r = shell.rt.borrow_mut();
                    r.sockets.iter().position(|(i, _)| *i == id).map(|at| r.sockets.remove(at))
                };
                drop(socket);
            }
            Action::SubmitForm { url, fields } => dom::submit_form(&url, &fields),
            Action::Storage(call) => {
                let data = match call {
                    StorageCall::Open => None,
                    _ => converted.next(),
                };
                // The integrator's code runs now; what it commands on the bus waits in
                // the queue (the plugin is busy executing).
                shell.rt.borrow_mut().host.storage_call(&call, data.as_ref());
            }
            Action::Log { level, message } => {
                let m = JsValue::from_str(&message);
                match level {
                    crate::engine::output::LogLevel::Info => web_sys::console::info_1(&m),
                    crate::engine::output::LogLevel::Warn => web_sys::console::warn_1(&m),
                    crate::engine::output::LogLevel::Error => web_sys::console::error_1(&m),
                }
            }
        }
    }
}

/// The one armed timeout: the engine deadline it was armed for, and whether it fired
/// (its input may still wait in the queue, or have been dropped by a full queue).
struct Armed {
    at: u64,
    fired: Rc<Cell<bool>>,
    _timeout: Timeout,
}

/// Keeps one timeout armed no later than the engine's next deadline.
///
/// A timeout already armed for an earlier or equal deadline is kept: it fires early, the
/// engine finds nothing due and the timer is armed again. Deadlines that move later on
/// every input (the stream's heartbeat watchdog, once per frame) so cost one timeout per
/// deadline passed, not a clearTimeout and a setTimeout per input. A timeout that fired
/// is never kept, even when its input was lost.
pub fn arm_timer(shell: &Shared) {
    let Ok(mut r) = shell.rt.try_borrow_mut() else { return };
    let Some(at) = r.service.poll_timeout() else {
        r.timer = None;
        return;
    };
    if r.timer.as_ref().is_some_and(|t| t.at <= at && !t.fired.get()) {
        return;
    }
    let delay = at.saturating_sub(now()).min(2_147_483_647) as u32;
    let weak = Rc::downgrade(shell);
    let fired = Rc::new(Cell::new(false));
    let flag = fired.clone();
    let timeout = Timeout::new(delay, move || {
        flag.set(true);
        if let Some(s) = weak.upgrade() {
            feed(&s, Input::Timer);
        }
    });
    r.timer = Some(Armed { at, fired, _timeout: timeout });
}

/// Runs the boot actions of a freshly chosen controller.
pub fn run_boot(shell: &Shared) {
    let execs = {
        let mut r = shell.rt.borrow_mut();
        let mut execs = Vec::new();
        while let Some(a) = r.service.poll_action() {
            execs.push(Exec::Action(a));
        }
        execs
    };
    execute_exclusive(shell, execs);
}

//! Browser tests: the real plugin (this crate compiled to wasm) in headless Chromium,
//! registered on the bus stand-in (`www/cxbus.js`, a fresh bus per test as after a page
//! load), talking to the stand-in server over the network (`STANDIN_URL`, started by
//! scripts/test.sh). The agent is driven through the stand-in's control API.
#![cfg(target_arch = "wasm32")]

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const STANDIN: Option<&str> = option_env!("STANDIN_URL");

fn standin() -> &'static str {
    STANDIN.expect("STANDIN_URL is not set: run the browser tests through scripts/test.sh")
}

fn js(args: &str, body: &str) -> Function {
    Function::new_with_args(args, body)
}

async fn settle(p: JsValue) -> Result<JsValue, JsValue> {
    JsFuture::from(Promise::from(p)).await
}

async fn sleep(ms: u32) {
    let _ = settle(js("ms", "return new Promise(r => setTimeout(r, ms))").call1(&JsValue::NULL, &ms.into()).unwrap()).await;
}

/// Calls the stand-in's control API; returns the body text.
async fn control(method: &str, path: &str, body: &str) -> String {
    let f = js("url, method, body", "return fetch(url, {method, headers: body ? {'content-type': 'application/json'} : {}, body: body || undefined}).then(r => r.text())");
    let url = format!("{}{}", standin(), path);
    let p = f.call3(&JsValue::NULL, &url.into(), &method.into(), &body.into()).unwrap();
    settle(p).await.ok().and_then(|v| v.as_string()).unwrap_or_default()
}

async fn control_json(path: &str) -> serde_json::Value {
    serde_json::from_str(&control("GET", path, "").await).unwrap_or(serde_json::Value::Null)
}

/// A page: a fresh bus, the plugin on it, and a tester plugin recording every event.
struct Page {
    page: JsValue,
    _rt: Option<webchatservice::shell::runtime::Shared>,
}

const EVENTS: &str = "['ready','restored','restoreTimeout','restoreFailed','restoredOffline','messageReceived','error','started','ended','agentTypingStarted','agentTypingStopped','pollingStarted','pollingStopped','clientConnected','clientDisconnected','agentConnected','agentDisconnected','supervisorConnected','supervisorDisconnected','botConnected','botDisconnected','clientTypingStarted','clientTypingStopped','disconnected','reconnected','chatServerWentOffline','chatServerBackOnline','agentTypingTimeout','capabilitiesChanged']";

impl Page {
    async fn open(extra_config: &str) -> Page {
        Page::open_with(extra_config, "{}", false).await
    }

    /// A page configured for Genesys Cloud guest chat against the stand-in; `transport`
    /// adds or overrides transport options.
    async fn open_guest(transport: &str) -> Page {
        let mut t = serde_json::json!({"type": "purecloud-v2-sockets", "dataURL": standin(), "deploymentKey": "dep", "orgGuid": "org",
            "interactionData": {"routing": {"targetAddress": "Support"}}});
        if let (Some(t), Ok(serde_json::Value::Object(extra))) = (t.as_object_mut(), serde_json::from_str::<serde_json::Value>(transport)) {
            t.extend(extra);
        }
        Page::open_with(&serde_json::json!({"transport": t}).to_string(), "{}", false).await
    }

    /// `main` is `_genesys.widgets.main`; with `app`, a stand-in Genesys App plugin is on the
    /// bus first (it records the commands it gets in `page.app`), and `App.ready` is
    /// republished only when the test calls `app_ready`.
    async fn open_with(extra_config: &str, main: &str, app: bool) -> Page {
        Page::open_prepared(extra_config, main, app, "").await
    }

    /// As `open_with`, with `prepare` (a function body of `page`) run before the plugin
    /// starts: it can give the configuration functions, as pages do.
    async fn open_prepared(extra_config: &str, main: &str, app: bool, prepare: &str) -> Page {
        let load = js("url", "return new Promise((res, rej) => { if (window.CXBus) return res(); const s = document.createElement('script'); s.src = url; s.onload = () => res(); s.onerror = () => rej('cannot load ' + url); document.head.appendChild(s); })");
        settle(load.call1(&JsValue::NULL, &format!("{}/cxbus.js", standin()).into()).unwrap()).await.expect("the bus stand-in loads");
        let make = js("dataURL, extra, names, main, withApp", "const bus = CXBus.__create(); const page = {bus, app: []}; if (withApp) { const app = bus.registerPlugin('App'); ['registerAutoLoad', 'deregisterAutoLoad'].forEach(c => app.registerCommand(c, e => { page.app.push(c + ':' + e.commander + ':' + JSON.stringify(e.data)); e.deferred.resolve(); })); app.ready(); page.appPlugin = app; } const svc = bus.registerPlugin('WebChatService'); const t = bus.registerPlugin('Tester'); const events = []; names.forEach(n => t.subscribe('WebChatService.' + n, e => events.push(e))); const webchat = Object.assign({dataURL}, extra); return Object.assign(page, {svc, t, events, widgets: {main, webchat}});");
        let names = js("", &format!("return {EVENTS};")).call0(&JsValue::NULL).unwrap();
        let parse = js("s", "return JSON.parse(s)");
        let extra = parse.call1(&JsValue::NULL, &extra_config.into()).unwrap();
        let main = parse.call1(&JsValue::NULL, &main.into()).unwrap();
        let url = format!("{}/genesys/2/chat/customer-support", standin());
        let args = js_sys::Array::of5(&url.into(), &extra, &names, &main, &JsValue::from_bool(app));
        let page = make.apply(&JsValue::NULL, &args).unwrap();
        js("page", prepare).call1(&JsValue::NULL, &page).unwrap();
        let get = |k: &str| Reflect::get(&page, &k.into()).unwrap();
        let helpers = js("", concat!(include_str!("../www/helpers.js"), "\nreturn helpers;")).call0(&JsValue::NULL).unwrap();
        let rt = webchatservice::shell::launch(get("svc"), get("widgets"), helpers);
        Page { page, _rt: rt }
    }

    fn get(&self, k: &str) -> JsValue {
        Reflect::get(&self.page, &k.into()).unwrap()
    }

    /// Sends a command as the Tester plugin, now (not when awaited); the future gives
    /// Ok = resolved, Err = rejected.
    fn command(&self, name: &str, data: JsValue) -> JsFuture {
        let f = js("t, name, data", "return new Promise((res, rej) => t.command(name, data).done(res).fail(rej))");
        JsFuture::from(Promise::from(f.call3(&JsValue::NULL, &self.get("t"), &name.into(), &data).unwrap()))
    }

    /// Waits for the next not yet consumed `WebChatService.<name>` event; returns its data.
    async fn event(&self, name: &str, timeout_ms: u32) -> Result<JsValue, String> {
        let f = js("page, name, timeout", "return new Promise((res, rej) => { const start = Date.now(); (function check() { const e = page.events.find(e => e.event === 'WebChatService.' + name && !e.seen); if (e) { e.seen = true; return res([e.data]); } if (Date.now() - start > timeout) return rej('no ' + name + ' within ' + timeout + ' ms; saw ' + page.events.map(e => e.event).join(', ')); setTimeout(check, 20); })(); })");
        let p = f.call3(&JsValue::NULL, &self.page, &name.into(), &timeout_ms.into()).unwrap();
        // Wrapped in an array: a jqXHR payload is a thenable the promise would adopt.
        settle(p).await.map(|a| Reflect::get(&a, &0.into()).unwrap_or(JsValue::UNDEFINED)).map_err(|e| e.as_string().unwrap_or_default())
    }

    /// The stand-in App plugin republishes `App.ready` with the whole widgets config.
    fn app_ready(&self) {
        js("page", "page.appPlugin.republish('ready', page.widgets)").call1(&JsValue::NULL, &self.page).unwrap();
    }

    /// The commands the stand-in App plugin received, as `name:commander:data`.
    fn app_commands(&self) -> Vec<String> {
        let list = js("page", "return page.app.slice()").call1(&JsValue::NULL, &self.page).unwrap();
        js_sys::Array::from(&list).iter().filter_map(|v| v.as_string()).collect()
    }

    /// How many `WebChatService.<name>` events arrived so far.
    fn count(&self, name: &str) -> u32 {
        let f = js("page, name", "return page.events.filter(e => e.event === 'WebChatService.' + name).length");
        f.call2(&JsValue::NULL, &self.page, &name.into()).unwrap().as_f64().unwrap_or(0.0) as u32
    }
}

fn obj(json: &str) -> JsValue {
    js("s", "return JSON.parse(s)").call1(&JsValue::NULL, &json.into()).unwrap()
}

fn field(v: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(v.clone(), |acc, k| Reflect::get(&acc, &k.into()).unwrap_or(JsValue::UNDEFINED))
}

async fn fresh_world() {
    js("", "document.cookie.split('; ').forEach(c => { const n = c.split('=')[0]; if (n.includes('_genesys')) document.cookie = n + '=; max-age=0; path=/'; })").call0(&JsValue::NULL).unwrap();
    control("POST", "/control/reset", "").await;
    control("PUT", "/control/agent", r#"{"auto": false}"#).await;
}

async fn chat_id() -> String {
    let chats = control_json("/control/chats").await;
    chats["chats"][0]["chat_id"].as_str().unwrap_or_default().to_owned()
}

async fn act(action: &str, text: &str) {
    let id = chat_id().await;
    let body = serde_json::json!({"action": action, "text": text, "fixture": text}).to_string();
    control("POST", &format!("/control/chats/{id}/act"), &body).await;
}

/// The plugin registers, configures itself, and answers a command that the bus buffered before ready().
#[wasm_bindgen_test]
async fn buffered_commands_are_answered_after_ready() {
    fresh_world().await;
    let page = Page::open("{}").await;
    let early = page.command("WebChatService.verifySession", obj("{}"));
    let answer = early.await.expect("verifySession resolves");
    assert_eq!(field(&answer, "sessionActive"), JsValue::FALSE);
    page.event("ready", 2000).await.expect("ready is published");
    let registry = js("bus", "return bus.registerPlugin('Late').registry()").call1(&JsValue::NULL, &page.get("bus")).unwrap();
    let commands = field(&registry, "WebChatService.commands");
    assert!(js("c", "return c.includes('startChat') && c.includes('sendMessage') && c.includes('LOAD')").call1(&JsValue::NULL, &commands).unwrap().is_truthy());
}

/// On a bus that dispatches synchronously (commands to oneself at once, held ones in
/// `ready()`), inputs that arrive during the boot are handled in the order they came:
/// configure first, then what the page sent before the plugin was ready (the boot used to
/// put the first of them behind the others).
#[wasm_bindgen_test]
async fn inputs_during_the_boot_keep_their_order_on_a_synchronous_bus() {
    fresh_world().await;
    let make = js("dataURL", r#"
        const handlers = {}, held = [], data = {}, order = [];
        let ready = false;
        function deferred() {
            let state = null, args = [];
            const waiting = [];
            const settle = (s) => (...a) => { if (!state) { state = s; args = a; waiting.splice(0).forEach(f => f()); } };
            const d = {
                resolve: settle('resolved'), reject: settle('rejected'),
                always(f) { state ? f() : waiting.push(f); return d; },
                done(f) { return d.always(() => state === 'resolved' && f(...args)); },
                fail(f) { return d.always(() => state === 'rejected' && f(...args)); },
                promise() { return d; },
            };
            return d;
        }
        const run = (e) => { const h = handlers[e.command.split('.')[1]]; h ? h(e) : e.deferred.reject('no handler'); };
        const send = (commander, command, payload) => {
            const e = {command, commander, data: payload || {}, deferred: deferred()};
            const name = command.split('.')[1];
            e.deferred.always(() => order.push(name));
            (ready || commander === 'WebChatService') ? run(e) : held.push(e);
            return e.deferred;
        };
        const svc = {
            registerCommand(n, f) { handlers[n] = f; }, registerEvents() {},
            publish() {}, publishDirect() {}, republish() {}, subscribe() {},
            data(k, v) { if (arguments.length > 1) { data[k] = v; } return data[k]; },
            registry() { return {WebChatService: {}}; },
            ready() { ready = true; held.splice(0).forEach(run); },
            command(command, payload) { return send('WebChatService', command, payload); },
        };
        ['getAgents', 'getStats', 'verifySession'].forEach(n => send('Tester', 'WebChatService.' + n));
        return {svc, order, widgets: {main: {}, webchat: {dataURL}}};
    "#);
    let url = format!("{}/genesys/2/chat/customer-support", standin());
    let page = make.call1(&JsValue::NULL, &url.into()).unwrap();
    let helpers = js("", concat!(include_str!("../www/helpers.js"), "\nreturn helpers;")).call0(&JsValue::NULL).unwrap();
    let get = |k: &str| Reflect::get(&page, &k.into()).unwrap();
    let _rt = webchatservice::shell::launch(get("svc"), get("widgets"), helpers);
    sleep(300).await;
    let order = js("p", "return p.order.join(',')").call1(&JsValue::NULL, &page).unwrap().as_string().unwrap_or_default();
    assert_eq!(order, "configure,getAgents,getStats,verifySession");
}

/// The private poll command refuses any other commander with the exact shipped text.
#[wasm_bindgen_test]
async fn poll_is_private() {
    fresh_world().await;
    let page = Page::open("{}").await;
    let err = page.command("WebChatService.poll", obj("{}")).await.expect_err("poll from Tester is refused");
    assert_eq!(err.as_string().as_deref(), Some("Access Denied to private command. Only WebChatService is allowed to invoke this command"));
}

/// A chat starts, polling brings the agent's join and message, and two quick sends arrive in order.
#[wasm_bindgen_test]
async fn a_chat_starts_polls_and_sends_in_order() {
    fresh_world().await;
    let page = Page::open("{}").await;
    let resp = page.command("WebChatService.startChat", obj(r#"{"nickname": "Tess", "email": "t@example.com", "userData": {"order": "42"}}"#)).await.expect("startChat resolves");
    assert_eq!(field(&resp, "statusCode").as_f64(), Some(0.0));
    let started = page.event("started", 3000).await.unwrap();
    assert!(field(&started, "sessionID").as_string().is_some_and(|s| !s.is_empty()));
    let first = page.event("messageReceived", 3000).await.unwrap();
    assert_eq!(field(&first, "messages.0.type").as_string().as_deref(), Some("ParticipantJoined"));
    assert_eq!(field(&first, "messages.0.from.type").as_string().as_deref(), Some("Client"));
    page.event("clientConnected", 1000).await.unwrap();

    act("join", "").await;
    act("say", "How can I help?").await;
    let joined = page.event("agentConnected", 5000).await.unwrap();
    assert_eq!(field(&joined, "numAgentsConnected").as_f64(), Some(1.0));
    let mut texts = Vec::new();
    while !texts.iter().any(|t: &String| t == "How can I help?") {
        let m = page.event("messageReceived", 5000).await.unwrap();
        let n = field(&m, "messages.length").as_f64().unwrap_or(0.0) as u32;
        for i in 0..n {
            if let Some(t) = field(&m, &format!("messages.{i}.text")).as_string() {
                texts.push(t);
            }
        }
    }

    let one = page.command("WebChatService.sendMessage", obj(r#"{"message": "one"}"#));
    let two = page.command("WebChatService.sendMessage", obj(r#"{"message": "two"}"#));
    two.await.expect("second send resolves");
    one.await.expect("first send resolves");
    let chats = control_json("/control/chats").await;
    let sent: Vec<_> = chats["chats"][0]["transcript"].as_array().unwrap().iter()
        .filter(|m| m["from"]["type"] == "Client" && m["type"] == "Message").map(|m| m["text"].clone()).collect();
    assert_eq!(sent, vec![serde_json::json!("one"), serde_json::json!("two")]);
    assert_eq!(chats["chats"][0]["user_data"]["order"], "42", "userData reached the server as bracket keys");
}

/// After a page load the chat is restored from cookies, its transcript replayed with restoring: true.
#[wasm_bindgen_test]
async fn a_new_page_restores_the_chat_from_cookies() {
    fresh_world().await;
    let first = Page::open("{}").await;
    first.command("WebChatService.startChat", obj(r#"{"nickname": "Rita"}"#)).await.expect("starts");
    act("join", "").await;
    act("say", "before reload").await;
    first.event("agentConnected", 5000).await.unwrap();
    drop(first);

    let second = Page::open("{}").await;
    second.event("restored", 5000).await.expect("restored is published");
    let replay = second.event("messageReceived", 3000).await.unwrap();
    assert!(field(&replay, "restoring").is_truthy());
    let n = field(&replay, "messages.length").as_f64().unwrap_or(0.0);
    assert_eq!(n, 3.0, "client join, agent join, agent message, once each");
    assert!(field(&replay, "messages.2.restoring").is_truthy());
    let verify = second.command("WebChatService.verifySession", obj("{}")).await.unwrap();
    assert_eq!(field(&verify, "sessionActive"), JsValue::TRUE);
    assert_eq!(control_json("/control/chats").await["chats"].as_array().map(Vec::len), Some(1));
}

/// A message typed while the server is unreachable is sent once, after reconnecting, and only then resolves.
#[wasm_bindgen_test]
async fn a_message_typed_while_disconnected_is_sent_once_after_reconnect() {
    fresh_world().await;
    let page = Page::open(r#"{"ajaxTimeout": 800}"#).await;
    page.command("WebChatService.startChat", obj(r#"{"nickname": "Dana"}"#)).await.expect("starts");
    page.event("messageReceived", 3000).await.unwrap();
    control("POST", "/control/faults", r#"{"kind": "slow", "delay_ms": 1200, "count": 2}"#).await;
    page.event("disconnected", 6000).await.expect("disconnected after a timeout");
    let send = page.command("WebChatService.sendMessage", obj(r#"{"message": "while offline"}"#));
    page.event("reconnected", 10000).await.expect("reconnected once the server answers");
    send.await.expect("the queued message resolves after reconnecting");
    sleep(1500).await;
    let chats = control_json("/control/chats").await;
    let sent = chats["chats"][0]["transcript"].as_array().unwrap().iter()
        .filter(|m| m["text"] == "while offline").count();
    assert_eq!(sent, 1, "delivered exactly once");
    assert_eq!(page.count("disconnected"), 1, "disconnected is published once per outage");
}

/// A prefilter hides matching agent messages, and a preprocessor's in-place edit is what subscribers see.
#[wasm_bindgen_test]
async fn prefilters_and_preprocessors_shape_what_is_published() {
    fresh_world().await;
    let page = Page::open("{}").await;
    // /été/i must also hide "ÉTÉ": non-ASCII case variants come from the page's JavaScript.
    let filters = js("", "return {filters: [/secret/i, /été/i]}").call0(&JsValue::NULL).unwrap();
    let list = page.command("WebChatService.addPrefilter", filters).await.expect("addPrefilter resolves");
    // As shipped: a copy of the filter list as an object keyed "0".."n-1", holding real RegExps.
    assert!(js("l", "return !Array.isArray(l) && l[0] instanceof RegExp && l[0].source === 'secret' && l[0].flags === 'i'").call1(&JsValue::NULL, &list).unwrap().is_truthy());
    let pre = js("", "return {preprocessor: function (m) { if (m.type === 'Message') { m.text = m.text + '!'; } return m; }}").call0(&JsValue::NULL).unwrap();
    page.command("WebChatService.registerPreProcessor", pre).await.expect("registerPreProcessor resolves");
    let bad = page.command("WebChatService.registerPreProcessor", obj(r#"{"preprocessor": 5}"#)).await.expect_err("a number is refused");
    assert_eq!(bad.as_string().as_deref(), Some("No preprocessor function provided. Type provided was 'number'."));
    page.command("WebChatService.startChat", obj(r#"{"nickname": "Fay"}"#)).await.expect("starts");
    page.event("messageReceived", 3000).await.unwrap();
    act("say", "the SECRET code").await;
    act("say", "un ÉTÉ chaud").await;
    act("say", "hello").await;
    let m = page.event("messageReceived", 5000).await.unwrap();
    assert_eq!(field(&m, "messages.length").as_f64(), Some(1.0), "the filtered message is not published");
    assert_eq!(field(&m, "messages.0.text").as_string().as_deref(), Some("hello!"));
}

/// The typing-preview input's text rides on startTyping; the 2 s window then closes with stopTyping.
#[wasm_bindgen_test]
async fn typing_preview_rides_on_typing_requests() {
    fresh_world().await;
    let page = Page::open("{}").await;
    let input = js("", "const i = document.createElement('input'); i.type = 'text'; i.value = 'draft text'; document.body.appendChild(i); return {input: i}").call0(&JsValue::NULL).unwrap();
    page.command("WebChatService.registerTypingPreviewInput", input).await.expect("a text input is accepted");
    let bad = js("", "return {input: document.createElement('div')}").call0(&JsValue::NULL).unwrap();
    let err = page.command("WebChatService.registerTypingPreviewInput", bad).await.expect_err("a div is refused");
    assert_eq!(err.as_string().as_deref(), Some("Invalid value provided for the 'input' property. An HTML element reference to a textarea or text input is required."));
    page.command("WebChatService.startChat", obj(r#"{"nickname": "Gil"}"#)).await.expect("starts");
    page.command("WebChatService.sendTyping", obj("{}")).await.expect("sendTyping resolves");
    page.event("clientTypingStarted", 1000).await.unwrap();
    page.event("clientTypingStopped", 4000).await.expect("the typing window closes after 2 s");
    let log = control_json("/control/log").await;
    let ops: Vec<_> = log["requests"].as_array().unwrap().iter().filter(|r| r["op"].as_str().is_some_and(|o| o.ends_with("Typing"))).collect();
    assert_eq!(ops.len(), 2);
    let message = |r: &serde_json::Value| r["fields"].as_array().unwrap().iter().find(|f| f[0] == "message").map(|f| f[1].clone());
    assert_eq!(ops[0]["op"], "startTyping");
    assert_eq!(message(ops[0]), Some(serde_json::json!("draft text")));
    assert_eq!(ops[1]["op"], "stopTyping");
}

/// Recorded GMS entries (bot, structured content, supervisor, file) replayed by the stand-in arrive normalised, with their events.
#[wasm_bindgen_test]
async fn recorded_rich_entries_arrive_normalised() {
    fresh_world().await;
    let page = Page::open("{}").await;
    page.command("WebChatService.startChat", obj(r#"{"nickname": "Ria"}"#)).await.expect("starts");
    page.event("messageReceived", 3000).await.unwrap();
    act("replay", "gms/refresh-rich.json").await;
    let bot = page.event("botConnected", 5000).await.expect("the BOT party is a bot");
    assert_eq!(field(&bot, "message.from.type").as_string().as_deref(), Some("Bot"));
    page.event("supervisorConnected", 1000).await.unwrap();
    let m = page.event("messageReceived", 1000).await.unwrap();
    assert_eq!(field(&m, "messages.1.text").as_string().as_deref(), Some("Pick an option"));
    assert_eq!(field(&m, "messages.4.fileDetails.file-name").as_string().as_deref(), Some("invoice.pdf"));
}

/// Nexus v3 against the stand-in: the create form and token, polls with the client key, agent events, a send, and the end (DELETE of the visitor).
#[wasm_bindgen_test]
async fn nexus_chat_polls_sends_and_ends() {
    fresh_world().await;
    let t = serde_json::json!({"transport": {"type": "pureengage-v3-rest", "dataURL": format!("{}/nexus/v3/chat/sessions", standin()), "endpoint": "ep", "headers": {"x-api-key": "k"}, "pollTimeout": 300}});
    let page = Page::open_with(&t.to_string(), "{}", false).await;
    let started = page.command("WebChatService.startChat", obj(r#"{"form": {"firstname": "Nia"}}"#)).await.expect("startChat resolves");
    assert!(field(&started, "data.clientToken").as_string().is_some_and(|t| t.split('.').count() == 3));
    let ev = page.event("started", 3000).await.unwrap();
    let sid = field(&ev, "data.sessionId").as_string().expect("the token names the session");
    page.event("messageReceived", 3000).await.expect("the visitor's own join");
    control("POST", &format!("/control/nexus/{sid}/act"), r#"{"action": "join"}"#).await;
    control("POST", &format!("/control/nexus/{sid}/act"), r#"{"action": "say", "text": "Hi from Nexus"}"#).await;
    page.event("agentConnected", 5000).await.expect("the agent joins");
    let mut said = false;
    while !said {
        let m = page.event("messageReceived", 5000).await.expect("the agent's message arrives");
        said = (0..4).any(|i| field(&m, &format!("messages.{i}.text")).as_string().as_deref() == Some("Hi from Nexus"));
    }
    page.command("WebChatService.sendMessage", obj(r#"{"message": "hello nexus"}"#)).await.expect("the send resolves");
    page.command("WebChatService.endChat", obj("{}")).await.expect("endChat resolves");
    page.event("ended", 3000).await.unwrap();
    let sessions = control_json("/control/nexus").await;
    let s = &sessions["sessions"][0];
    assert_eq!(s["ended"], true);
    assert!(s["messages"].as_array().unwrap().iter().any(|m| m["text"] == "hello nexus" && m["from"]["type"] == "Customer"));
}

/// Nexus v3 async mode with an integrator whose functions fail: setSessionData answers
/// text that is not JSON, then throws until something is stored; getSessionData throws
/// after storing. Each mistake is named once on the console, the commands settle, and
/// the chat works with the key once it is stored.
#[wasm_bindgen_test]
async fn nexus_async_callbacks_that_throw_or_answer_garbage_leave_a_working_chat() {
    fresh_world().await;
    let t = serde_json::json!({"transport": {"type": "pureengage-v3-rest", "dataURL": format!("{}/nexus/v3/chat/sessions", standin()), "endpoint": "ep", "headers": {"x-api-key": "k"}, "pollTimeout": 300}});
    let prepare = "page.errors = []; const error = page.consoleError = console.error; console.error = function () { page.errors.push(Array.from(arguments).join(' ')); error.apply(console, arguments); }; \
        let calls = 0, stored = null; \
        page.widgets.webchat.transport.async = { enabled: true, \
          setSessionData: function (name, Cookie, options) { calls++; page.open = name; page.options = options; page.cookie = typeof Cookie.get + typeof Cookie.set + typeof Cookie.remove; \
            if (calls === 1) { return 'not json{'; } if (!stored) { throw new Error('storage down'); } return JSON.stringify(stored); }, \
          getSessionData: function (data) { stored = data; throw new Error('quota'); } };";
    let page = Page::open_prepared(&t.to_string(), "{}", false, prepare).await;
    page.command("WebChatService.startChat", obj(r#"{"form": {"firstname": "Ina"}}"#)).await.expect("startChat resolves");
    page.event("messageReceived", 5000).await.expect("the poll carries the stored key once it is there");
    page.command("WebChatService.sendMessage", obj(r#"{"message": "still working"}"#)).await.expect("the send resolves");
    let errors: Vec<String> = js_sys::Array::from(&page.get("errors")).iter().filter_map(|v| v.as_string()).collect();
    assert_eq!(errors.iter().filter(|e| e.contains("setSessionData returned text that is not JSON")).count(), 1, "{errors:?}");
    for f in ["setSessionData", "getSessionData"] {
        assert_eq!(errors.iter().filter(|e| e.contains(&format!("{f} threw"))).count(), 1, "one line per function, however often: {errors:?}");
    }
    assert!(!errors.iter().any(|e| e.contains("eyJ")), "no token on the console");
    assert_eq!(page.get("open").as_string().as_deref(), Some("_genesys.widgets.webchat.state.pureengage-v3-rest.open"));
    assert_eq!(field(&page.get("options"), "samesite").as_string().as_deref(), Some("strict"));
    assert_eq!(page.get("cookie").as_string().as_deref(), Some("functionfunctionfunction"));
    js("page", "console.error = page.consoleError").call1(&JsValue::NULL, &page.page).ok();
}

/// `{files: <input type=file>}` holding one chosen file of `size` bytes.
fn file_input(name: &str, size: u32, mime: &str) -> JsValue {
    js("name, size, type", "const i = document.createElement('input'); i.type = 'file'; const dt = new DataTransfer(); dt.items.add(new File([new Uint8Array(size).fill(65)], name, {type})); i.files = dt.files; return {files: i};")
        .call3(&JsValue::NULL, &name.into(), &size.into(), &mime.into())
        .unwrap()
}

/// GMS files: limits arrive as the file-client-cfg-get Notice, a chosen file uploads and comes back by poll as FileUploaded, a refused one names the file in its error, and one without an answer is a FileUploadError carrying the File.
#[wasm_bindgen_test]
async fn gms_files_upload_and_report_errors_as_shipped() {
    fresh_world().await;
    let page = Page::open(r#"{"fileUploadTimeout": 1500}"#).await;
    page.command("WebChatService.startChat", obj(r#"{"nickname": "Fay"}"#)).await.expect("starts");
    page.event("messageReceived", 3000).await.unwrap();
    let limits = page.command("WebChatService.getFileLimits", obj("{}")).await.expect("limits resolve");
    let limits = js("s", "return JSON.parse(s)").call1(&JsValue::NULL, &limits).expect("the limits answer is the server's JSON text");
    assert_eq!(field(&limits, "messages.0.text").as_string().as_deref(), Some("file-client-cfg-get"));
    assert_eq!(field(&limits, "messages.0.userData.upload-max-files").as_string().as_deref(), Some("3"));

    let ok = page.command("WebChatService.sendFile", file_input("note.txt", 5, "text/plain")).await.expect("the upload resolves");
    assert_eq!(field(&ok, "statusCode").as_f64(), Some(0.0));
    let file_id = field(&ok, "userData.file-id").as_string().expect("the answer names the file");
    let mut uploaded = None;
    while uploaded.is_none() {
        let m = page.event("messageReceived", 5000).await.expect("the FileUploaded entry arrives by poll");
        if field(&m, "messages.0.type").as_string().as_deref() == Some("FileUploaded") {
            uploaded = Some(m);
        }
    }
    let m = uploaded.unwrap();
    assert_eq!(field(&m, "messages.0.fileDetails.file-id").as_string(), Some(file_id));
    let chats = control_json("/control/chats").await;
    assert_eq!(chats["chats"][0]["files"][0]["name"], "note.txt", "the server got the file under its own name");

    let refused = page.command("WebChatService.sendFile", file_input("setup.exe", 5, "application/octet-stream")).await.expect_err("a refused type rejects");
    assert_eq!(field(&refused, "status").as_f64(), Some(400.0));
    let err = page.event("error", 1000).await.unwrap();
    let body = js("s", "return JSON.parse(s)").call1(&JsValue::NULL, &field(&err, "responseText")).unwrap();
    assert_eq!(field(&body, "errors.0.code").as_f64(), Some(203.0));
    assert_eq!(field(&body, "errors.0.filename").as_string().as_deref(), Some("setup.exe"));

    control("POST", "/control/faults", r#"{"kind": "slow", "delay_ms": 4000, "op": "file"}"#).await;
    let input = file_input("late.png", 5, "image/png");
    let lost = page.command("WebChatService.sendFile", input.clone()).await.expect_err("an unanswered upload rejects");
    assert_eq!(field(&lost, "errorReason").as_string().as_deref(), Some("FileUploadError"));
    let err = page.event("error", 1000).await.unwrap();
    assert_eq!(field(&err, "filename").as_string().as_deref(), Some("late.png"));
    let same = js("file, data", "return file === data.files.files[0]").call2(&JsValue::NULL, &field(&err, "file"), &input).unwrap();
    assert_eq!(same, JsValue::TRUE, "the error carries the very File the page chose");
    assert_eq!(page.count("disconnected"), 0);
}

/// With the Genesys App plugin on the page the plugin waits for App.ready, then asks App to autoload it on start and not after the end.
#[wasm_bindgen_test]
async fn with_the_app_plugin_it_waits_for_app_ready_and_manages_autoload() {
    fresh_world().await;
    let page = Page::open_with("{}", "{}", true).await;
    let early = page.command("WebChatService.verifySession", obj("{}"));
    sleep(300).await;
    assert_eq!(page.count("ready"), 0, "not ready before App.ready");
    page.app_ready();
    let answer = early.await.expect("answered once App is ready");
    assert_eq!(field(&answer, "sessionActive"), JsValue::FALSE);
    page.command("WebChatService.startChat", obj(r#"{"nickname": "Ann"}"#)).await.expect("starts");
    page.command("WebChatService.endChat", obj("{}")).await.expect("ends");
    sleep(100).await;
    assert_eq!(page.app_commands(), vec![
        "registerAutoLoad:WebChatService:{}".to_owned(),
        "deregisterAutoLoad:WebChatService:{}".to_owned(),
    ]);
}

/// main.deploymentID prefixes every cookie name, and the session cookies are gone after endChat.
#[wasm_bindgen_test]
async fn deployment_id_prefixes_the_cookies() {
    fresh_world().await;
    let page = Page::open_with("{}", r#"{"deploymentID": "dep7"}"#, false).await;
    page.command("WebChatService.startChat", obj(r#"{"nickname": "Pia"}"#)).await.expect("starts");
    let cookies = js("", "return document.cookie").call0(&JsValue::NULL).unwrap().as_string().unwrap_or_default();
    assert!(cookies.contains("dep7._genesys.widgets.webchat.state.session="), "{cookies}");
    assert!(cookies.contains("dep7._genesys.widgets.webchat.state.keys="), "{cookies}");
    page.command("WebChatService.endChat", obj("{}")).await.expect("ends");
    let cookies = js("", "return document.cookie").call0(&JsValue::NULL).unwrap().as_string().unwrap_or_default();
    assert!(!cookies.contains("state.session="), "{cookies}");
}

async fn guest_act(action: &str, text: &str) {
    let list = control_json("/control/guest").await;
    let id = list["conversations"][0]["id"].as_str().unwrap_or_default().to_owned();
    let body = serde_json::json!({"action": action, "text": text}).to_string();
    control("POST", &format!("/control/guest/{id}/act"), &body).await;
}

/// Guest chat: the stream delivers agent join, typing (timing out after 3 s) and messages; a send resolves with the server's message.
#[wasm_bindgen_test]
async fn guest_chat_streams_events_and_sends() {
    fresh_world().await;
    let page = Page::open_guest("{}").await;
    // Nextgen preprocessors get the normalised message and what they return is used.
    let pre = js("", "return {preprocessor: function (m) { return m.type === 'Message' ? Object.assign({}, m, {text: m.text.toUpperCase(), seen: true}) : undefined; }}").call0(&JsValue::NULL).unwrap();
    page.command("WebChatService.registerPreProcessor", pre).await.expect("registers");
    page.command("WebChatService.startChat", obj(r#"{"form": {"nickname": "Gus"}}"#)).await.expect("startChat resolves once the stream is open");
    let started = page.event("started", 3000).await.unwrap();
    assert!(field(&started, "data.conversationId").as_string().is_some_and(|s| !s.is_empty()));
    guest_act("join", "").await;
    let joined = page.event("agentConnected", 5000).await.expect("the agent's join comes over the stream");
    assert_eq!(field(&joined, "message.role").as_string().as_deref(), Some("AGENT"));
    guest_act("typing", "").await;
    page.event("agentTypingStarted", 3000).await.unwrap();
    page.event("agentTypingTimeout", 4500).await.expect("typing times out after 3 s");
    guest_act("say", "over the stream").await;
    let mut found = false;
    for _ in 0..4 {
        let m = page.event("messageReceived", 3000).await.unwrap();
        if field(&m, "messages.0.text").as_string().as_deref() == Some("OVER THE STREAM") {
            assert_eq!(field(&m, "messages.0.from.type").as_string().as_deref(), Some("Agent"));
            assert!(field(&m, "messages.0.seen").is_truthy(), "the preprocessor's returned object is what is published");
            found = true;
            break;
        }
    }
    assert!(found, "the agent's message is published");
    let sent = page.command("WebChatService.sendMessage", obj(r#"{"message": "from the visitor"}"#)).await.expect("sendMessage resolves");
    assert!(sent.is_undefined(), "as shipped, a guest send resolves with no value");
    let err = page.command("WebChatService.startPoll", obj("{}")).await.expect_err("no polling here");
    assert_eq!(err.as_string().as_deref(), Some("This transport doesn't support polling."));
}

/// Web messaging in the browser: the socket configures a session, the agent's join arrives in the guest shape, a send resolves on its echo, a dropped socket reconnects and what the agent said meanwhile arrives once from the history, and endChat ends it.
#[wasm_bindgen_test]
async fn web_messaging_chats_reconnects_and_catches_up() {
    let ws = standin().replacen("http", "ws", 1);
    let t = serde_json::json!({"type": "genesys-web-messaging", "deploymentId": "demo-deployment", "webSocketURL": format!("{ws}/v1"), "apiURL": standin(),
        "deploymentConfigURL": format!("{}/webdeployments/v1/deployments/demo-deployment/config.json", standin())});
    let page = Page::open_with(&serde_json::json!({"transport": t}).to_string(), "{}", false).await;
    page.command("WebChatService.startChat", obj(r#"{"form": {"nickname": "Wes"}}"#)).await.expect("startChat resolves once the session is configured");
    let started = page.event("started", 3000).await.unwrap();
    let token = field(&started, "data.token").as_string().unwrap_or_default();
    assert_eq!(token.len(), 36, "a UUID from crypto.getRandomValues");
    let act = |body: serde_json::Value| {
        let path = format!("/control/webmsg/{token}/act");
        async move { control("POST", &path, &body.to_string()).await }
    };
    act(serde_json::json!({"action": "agentJoin"})).await;
    let joined = page.event("agentConnected", 5000).await.expect("the agent's join comes over the socket");
    assert_eq!(field(&joined, "message.role").as_string().as_deref(), Some("AGENT"));
    let sent = page.command("WebChatService.sendMessage", obj(r#"{"message": "over the socket"}"#)).await.expect("resolves on the server's copy");
    assert!(sent.is_undefined());
    act(serde_json::json!({"action": "drop"})).await;
    page.event("disconnected", 5000).await.expect("a dropped socket is reported");
    act(serde_json::json!({"action": "agentSay", "text": "said while you were away"})).await;
    page.event("reconnected", 10000).await.expect("it reconnects");
    let mut seen = 0;
    for _ in 0..20 {
        match page.event("messageReceived", 3000).await {
            Ok(m) if field(&m, "messages.0.text").as_string().as_deref() == Some("said while you were away") => seen += 1,
            Ok(_) => {}
            Err(_) => break,
        }
    }
    assert_eq!(seen, 1, "what the agent said meanwhile arrives once");
    page.command("WebChatService.endChat", obj("{}")).await.expect("endChat resolves");
    page.event("ended", 3000).await.expect("the chat ends");
}

/// A stream that goes silent (no heartbeats) is declared lost and replaced; what was said meanwhile arrives once.
#[wasm_bindgen_test]
async fn guest_silent_stream_reconnects_and_catches_up() {
    fresh_world().await;
    control("PUT", "/control/guest/heartbeats", r#"{"interval_ms": 300, "enabled": true}"#).await;
    let page = Page::open_guest(r#"{"socketHeartbeatTrackerInterval": 1500}"#).await;
    page.command("WebChatService.startChat", obj(r#"{"form": {"nickname": "Hal"}}"#)).await.expect("starts");
    guest_act("join", "").await;
    page.event("agentConnected", 5000).await.unwrap();
    control("PUT", "/control/guest/heartbeats", r#"{"enabled": false}"#).await;
    page.event("disconnected", 5000).await.expect("silence is noticed");
    control("PUT", "/control/guest/heartbeats", r#"{"enabled": true}"#).await;
    guest_act("say", "said while silent").await;
    page.event("reconnected", 5000).await.expect("a new stream replaces the silent one");
    sleep(800).await;
    let count = js("page", "return page.events.filter(e => e.event === 'WebChatService.messageReceived' && e.data.messages.some(m => m.text === 'said while silent')).length").call1(&JsValue::NULL, &page.page).unwrap();
    assert_eq!(count.as_f64(), Some(1.0), "published exactly once");
    control("PUT", "/control/guest/heartbeats", r#"{"interval_ms": 10000, "enabled": true}"#).await;
}

/// A new page restores the guest chat from its cookies: restored, the history with restoring: true; bot events when enabled.
#[wasm_bindgen_test]
async fn guest_new_page_restores_and_bot_events() {
    fresh_world().await;
    let first = Page::open_guest(r#"{"botEventsEnabled": true}"#).await;
    first.command("WebChatService.startChat", obj(r#"{"form": {"nickname": "Ida"}}"#)).await.expect("starts");
    guest_act("bot", "").await;
    first.event("botConnected", 5000).await.expect("a workflow member is a bot");
    guest_act("join", "").await;
    guest_act("say", "before the reload").await;
    first.event("agentConnected", 5000).await.unwrap();
    sleep(300).await;
    drop(first);
    let second = Page::open_guest(r#"{"botEventsEnabled": true}"#).await;
    second.event("restored", 5000).await.expect("restored");
    let caps = second.event("capabilitiesChanged", 1000).await.unwrap();
    assert_eq!(field(&caps, "fileUpload"), JsValue::FALSE);
    let m = second.event("messageReceived", 5000).await.unwrap();
    assert!(field(&m, "restoring").is_truthy());
    let texts = js("m", "return m.messages.map(x => x.text).filter(Boolean)").call1(&JsValue::NULL, &m).unwrap();
    assert!(js("t", "return t.includes('before the reload')").call1(&JsValue::NULL, &texts).unwrap().is_truthy());
    assert_eq!(control_json("/control/guest").await["conversations"].as_array().map(Vec::len), Some(1));
}

/// Command data holding `window`, a DOM node, a cycle and a throwing getter is read without
/// freezing or throwing: the chat starts, the plain fields reach the server, updateUserData settles.
#[wasm_bindgen_test]
async fn hostile_command_data_still_settles() {
    fresh_world().await;
    let page = Page::open("{}").await;
    let make = js("", "const u = {plain: 'yes', win: window, node: document.body}; u.self = u; Object.defineProperty(u, 'boom', {enumerable: true, get() { throw new Error('getter'); }}); let deep = {}; const top = deep; for (let i = 0; i < 200; i++) { deep.d = {}; deep = deep.d; } u.deep = top; return {nickname: 'Cy', userData: u};");
    let data = make.call0(&JsValue::NULL).unwrap();
    page.command("WebChatService.startChat", data.clone()).await.expect("startChat resolves despite the hostile userData");
    assert_eq!(control_json("/control/chats").await["chats"][0]["user_data"]["plain"], "yes");
    let again = js("d", "return d.userData").call1(&JsValue::NULL, &data).unwrap();
    page.command("WebChatService.updateUserData", again).await.expect("updateUserData settles");
}

/// A preprocessor and a subscriber that call back into the plugin synchronously (re-entrant
/// bus use) get their answers, and the message they react to is published once.
#[wasm_bindgen_test]
async fn reentrant_bus_calls_from_callbacks_are_answered() {
    fresh_world().await;
    let page = Page::open("{}").await;
    let hook = js("page", "page.inner = []; page.svcTranscripts = 0; const pre = function (m) { if (m.type === 'Message' && m.from && m.from.type === 'Agent') { page.inner.push(new Promise(res => page.t.command('WebChatService.getTranscript').done(() => res('pre')).fail(() => res('pre failed')))); } return m; }; page.t.subscribe('WebChatService.messageReceived', e => { if (e.data.messages.some(m => m.text === 'echo me')) { page.inner.push(new Promise(res => page.t.command('WebChatService.sendMessage', {message: 'echoed'}).done(() => res('sub')).fail(() => res('sub failed')))); } }); return {preprocessor: pre};");
    let pre = hook.call1(&JsValue::NULL, &page.page).unwrap();
    page.command("WebChatService.registerPreProcessor", pre).await.expect("registers");
    page.command("WebChatService.startChat", obj(r#"{"nickname": "Re"}"#)).await.expect("starts");
    page.event("messageReceived", 3000).await.unwrap();
    act("say", "echo me").await;
    let all = js("page", "return new Promise((res, rej) => { const t0 = Date.now(); (function wait() { if (page.inner.length >= 2) return Promise.all(page.inner).then(res); if (Date.now() - t0 > 6000) return rej('only ' + page.inner.length + ' callbacks ran'); setTimeout(wait, 20); })(); })");
    let answers = settle(all.call1(&JsValue::NULL, &page.page).unwrap()).await.expect("both callbacks ran");
    let answers: Vec<String> = js_sys::Array::from(&answers).iter().filter_map(|v| v.as_string()).collect();
    assert!(answers.contains(&"pre".to_owned()) && answers.contains(&"sub".to_owned()), "{answers:?}");
    sleep(1500).await;
    let chats = control_json("/control/chats").await;
    let echoed = chats["chats"][0]["transcript"].as_array().unwrap().iter().filter(|m| m["text"] == "echoed").count();
    assert_eq!(echoed, 1, "the subscriber's send is delivered once");
    let shown = js("page", "return page.events.filter(e => e.event === 'WebChatService.messageReceived').reduce((n, e) => n + e.data.messages.filter(m => m.text === 'echo me').length, 0)").call1(&JsValue::NULL, &page.page).unwrap();
    assert_eq!(shown.as_f64(), Some(1.0), "the agent's message is published once");
    // A `done` callback that throws (inside the plugin's resolve) does not wedge it.
    js("page", "page.t.command('WebChatService.getAgents').done(() => { throw new Error('integrator bug'); })").call1(&JsValue::NULL, &page.page).ok();
    let verify = page.command("WebChatService.verifySession", obj("{}")).await.expect("still answered after a throwing callback");
    assert_eq!(field(&verify, "sessionActive"), JsValue::TRUE);
}

/// A preprocessor that throws does not lose the message or stop the plugin: the message is
/// published as it was, later commands are answered.
#[wasm_bindgen_test]
async fn a_throwing_preprocessor_loses_nothing() {
    fresh_world().await;
    let page = Page::open_prepared("{}", "{}", false, "page.errors = []; const error = page.consoleError = console.error; console.error = function () { page.errors.push(Array.from(arguments).join(' ')); error.apply(console, arguments); };").await;
    let pre = js("", "return {preprocessor: function (m) { if (m.type === 'Message') { throw new Error('integrator bug'); } return m; }}").call0(&JsValue::NULL).unwrap();
    page.command("WebChatService.registerPreProcessor", pre).await.expect("registers");
    page.command("WebChatService.startChat", obj(r#"{"nickname": "Ty"}"#)).await.expect("starts");
    page.event("messageReceived", 3000).await.unwrap();
    act("say", "still here").await;
    let mut found = false;
    for _ in 0..4 {
        let m = page.event("messageReceived", 4000).await.expect("the agent's message is published");
        if field(&m, "messages.0.text").as_string().as_deref() == Some("still here") {
            found = true;
            break;
        }
    }
    assert!(found, "published unprocessed");
    let verify = page.command("WebChatService.verifySession", obj("{}")).await.expect("the plugin still answers");
    assert_eq!(field(&verify, "sessionActive"), JsValue::TRUE);
    js("page", "console.error = page.consoleError").call1(&JsValue::NULL, &page.page).ok();
    let errors: Vec<String> = js_sys::Array::from(&page.get("errors")).iter().filter_map(|v| v.as_string()).collect();
    assert_eq!(errors.iter().filter(|e| e.contains("a preprocessor threw")).count(), 1, "named once, however often it throws: {errors:?}");
}

/// The deepest JSON the engine accepts (the parser's maximum depth, objects and arrays
/// interleaved) is parsed, cloned, written and dropped within the plugin's 38 KB stack
/// (.cargo/config.toml), in this debug build whose frames are larger than the release's.
#[wasm_bindgen_test]
fn deepest_json_fits_the_stack() {
    use webchatservice::engine::json;
    let depth = json::MAX_DEPTH;
    let mut text = String::new();
    for i in 0..depth {
        text.push_str(if i % 2 == 0 { "{\"k\":" } else { "[1.5," });
    }
    text.push_str("\"leaf\"");
    for i in (0..depth).rev() {
        text.push(if i % 2 == 0 { '}' } else { ']' });
    }
    let value = json::parse(&text).expect("the deepest accepted JSON parses");
    let copy = value.clone();
    assert_eq!(copy.to_json(), text, "written back unchanged");
    assert!(copy == value);
    drop(copy);
    let too_deep = format!("{}{}", "[".repeat(depth + 2), "]".repeat(depth + 2));
    assert!(json::parse(&too_deep).is_err(), "one level more is refused, not recursed into");
}

/// A value too big for one JSON.parse chunk (a 2,000-message payload) is built part by part
/// and arrives exactly as one parse of its whole text would make it: key order, an own
/// `__proto__` key, `undefined` properties, RegExps, shared entries, nested arrays.
#[wasm_bindgen_test]
fn big_values_arrive_as_one_parse_would_make_them() {
    use webchatservice::engine::json::{self, Map, RegexSpec, Value};
    let helpers = js("", concat!(include_str!("../www/helpers.js"), "\nreturn helpers;")).call0(&JsValue::NULL).unwrap();
    let entry = |i: usize| json::parse(&format!(r#"{{"index":{i},"text":"message number {i} with some words in it","from":{{"nickname":"Anna","type":"Agent"}}}}"#)).unwrap().shared();
    let entries: Vec<Value> = (0..2000).map(entry).collect();
    let mut nested = Map::new();
    nested.insert("again", Value::Array(entries.clone()));
    nested.insert("tail", Value::Array(vec![Value::num(1.0), Value::Undefined, Value::num(3.0)]));
    let mut m = Map::new();
    m.insert("z", Value::num(1.0));
    m.insert("__proto__", json::parse(r#"{"p":true}"#).unwrap());
    m.insert("gone", Value::Undefined);
    m.insert("re", Value::RegExp(RegexSpec::new("a+b", "gi")));
    m.insert("a", Value::Array(entries));
    m.insert("nested", Value::Object(nested));
    m.insert("last", Value::str("end"));
    let value = Value::Object(m);
    assert!(value.written_len_hint() > 200_000, "the value must take the part-by-part path");
    let got = webchatservice::shell::bridge::Helpers::from(&helpers).to_js_many(&[&value]).pop().unwrap();
    let expected = Reflect::get(&helpers, &"revive".into()).unwrap().unchecked_into::<Function>().call1(&JsValue::NULL, &js_sys::JSON::parse(&value.write()).unwrap()).unwrap();
    let same = js(
        "a, b",
        "function same(a, b) {
           if (a instanceof RegExp || b instanceof RegExp) return String(a) === String(b) && a instanceof RegExp && b instanceof RegExp;
           if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return a === b;
           if (Array.isArray(a) !== Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
           var ka = Object.getOwnPropertyNames(a), kb = Object.getOwnPropertyNames(b);
           if (ka.join('\\n') !== kb.join('\\n')) return false;
           for (var i = 0; i < ka.length; i++) if (!same(a[ka[i]], b[ka[i]])) return false;
           return true;
         }
         return same(a, b) && Object.prototype.hasOwnProperty.call(a, '__proto__') && a.nested.again.length === 2000;",
    );
    assert_eq!(same.call2(&JsValue::NULL, &got, &expected).unwrap().as_bool(), Some(true));
}

/// Prefilters nested as deep as anyone can write them (from the page or a cookie) compile,
/// match and drop within the plugin's stack, or are refused: the stack never overflows.
#[wasm_bindgen_test]
fn deeply_nested_prefilters_fit_the_stack() {
    use webchatservice::engine::filter::{Filter, RustCases};
    use webchatservice::engine::json::RegexSpec;
    // The matcher refuses past its nesting limit (the translation adds a level or two):
    // every depth up to there is tried.
    for depth in (1..=260).step_by(3).chain([1000, 20_000]) {
        for (open, close) in [("(", ")"), ("(?:", ")"), ("(a|", ")*")] {
            let pattern = format!("{}x{}", open.repeat(depth), close.repeat(depth));
            if let Ok(f) = Filter::compile(&RegexSpec::new(&pattern, "i"), &RustCases) {
                let _ = f.test("axxxa");
                drop(f);
            }
        }
    }
}

/// The prefilter matcher answers as the page's own RegExp does: thousands of random
/// patterns (what JavaScript accepts and the plugin does not refuse) tested on random
/// texts, each answer compared with `new RegExp(source, flags).test(text)`.
#[wasm_bindgen_test]
fn prefilters_answer_as_javascript_regexps_do() {
    use webchatservice::engine::filter::{Filter, RustCases};
    use webchatservice::engine::json::RegexSpec;
    let make = js("s, f", "try { return new RegExp(s, f); } catch (e) { return null; }");
    let test = js("r, t", "r.lastIndex = 0; return r.test(t);");
    let pattern_chars: Vec<&str> = vec![
        "a", "b", "c", "A", "1", "é", "É", " ", "-", ",", ".", "*", "+", "?", "|", "^", "$", "(", ")", "(?:", "[", "]", "[^",
        "{", "}", "{2}", "{1,2}", "{0,}", r"\d", r"\w", r"\s", r"\D", r"\W", r"\b", r"\B", r"\.", r"\n", r"\x41", r"\u00e9",
    ];
    let text_chars: Vec<char> = "abcABC1 é É-_.\n,".chars().collect();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let (mut compared, mut mismatches) = (0, Vec::new());
    for _ in 0..3000 {
        let source: String = (0..1 + next(7)).map(|_| pattern_chars[next(pattern_chars.len())]).collect();
        let flags = ["", "i", "m", "s", "im"][next(5)];
        let Ok(filter) = Filter::compile(&RegexSpec::new(&source, flags), &RustCases) else { continue };
        let re = make.call2(&JsValue::NULL, &source.as_str().into(), &flags.into()).unwrap();
        if re.is_null() {
            continue;
        }
        for _ in 0..8 {
            let text: String = (0..next(9)).map(|_| text_chars[next(text_chars.len())]).collect();
            let js_says = test.call2(&JsValue::NULL, &re, &text.as_str().into()).unwrap().as_bool();
            compared += 1;
            if js_says != Some(filter.test(&text)) && mismatches.len() < 10 {
                mismatches.push(format!("/{source}/{flags} on {text:?}: JavaScript {js_says:?}"));
            }
        }
    }
    assert!(compared > 5000, "too few patterns compared: {compared}");
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}

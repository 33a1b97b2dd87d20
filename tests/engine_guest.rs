//! Engine scenarios on Genesys Cloud guest chat (`purecloud-v2-sockets`), with a
//! simulated clock, bus and event stream: the shipped controller and transport's
//! events, texts and order, and the deliberate improvements (no batching latency,
//! backoff, queued sends, per-message de-duplication, the socket closed at end).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use support::page::Page;
use webchatservice::engine::guest::cookies;
use webchatservice::engine::host::MemoryHost;
use webchatservice::engine::output::{HttpResponse, NetError, SocketEvent};
use webchatservice::engine::{keys, PageEvent, Value};

const API: &str = "https://api.test";
const CONV: &str = "conv-1";
const ME: &str = "me-1";
const AGENT: &str = "agent-1";
const STREAM: &str = "wss://stream.test/v1/token/abc";

fn config(extra: &str) -> String {
    let extra = if extra.is_empty() { String::new() } else { format!(",{extra}") };
    format!(
        r#"{{"userData":{{"harness":"conformance"}},"transport":{{"type":"purecloud-v2-sockets","dataURL":"{API}","deploymentKey":"dep","orgGuid":"org","interactionData":{{"routing":{{"targetType":"QUEUE","targetAddress":"Support","priority":2}}}}{extra}}}}}"#
    )
}

fn booted(extra: &str) -> Page {
    Page::boot(&config(extra), MemoryHost::default())
}

fn member(id: &str, name: &str, role: &str, state: &str) -> String {
    format!(r#"{{"id":"{id}","displayName":"{name}","role":"{role}","state":"{state}","avatarImageUrl":"https://a/{id}.png"}}"#)
}

fn frame(kind: &str, body: &str) -> String {
    format!(r#"{{"topicName":"t","version":"2","eventBody":{body},"metadata":{{"CorrelationId":"c","type":"{kind}"}}}}"#)
}

fn message(id: &str, sender: &str, body_type: &str, body: &str, second: u32) -> String {
    format!(r#"{{"id":"{id}","conversation":{{"id":"{CONV}"}},"sender":{{"id":"{sender}"}},"body":"{body}","bodyType":"{body_type}","timestamp":"2020-09-13T12:26:{second:02}.000Z"}}"#)
}

/// The open socket's id.
fn socket(p: &Page) -> u64 {
    p.sockets.last().map(|(id, _)| *id).expect("a socket is open")
}

fn push(p: &mut Page, text: String) {
    let id = socket(p);
    p.socket(id, SocketEvent::Message(text));
}

/// Answers our own member's lookup.
fn answer_me(p: &mut Page, state: &str) {
    let r = p.take(&format!("/members/{ME}"));
    p.respond(&r, 200, &member(ME, "Jane Doe", "CUSTOMER", state));
}

/// A page whose chat started: create answered, socket open, own member known.
fn chatting(extra: &str) -> Page {
    let mut p = booted(extra);
    p.cmd("startChat", r#"{"form":{"firstname":"Jane","lastname":"Doe"}}"#);
    let create = p.take("/conversations");
    p.respond(&create, 200, &format!(r#"{{"id":"{CONV}","jwt":"jwt-1","eventStreamUri":"{STREAM}","member":{{"id":"{ME}"}}}}"#));
    let id = socket(&p);
    p.socket(id, SocketEvent::Opened);
    answer_me(&mut p, "CONNECTED");
    p.mark();
    p
}

/// An agent joins: the join message, its member lookup, the answer.
fn agent_joins(p: &mut Page) {
    push(p, frame("message", &message("j1", AGENT, "member-join", "", 5)));
    let r = p.take(&format!("/members/{AGENT}"));
    p.respond(&r, 200, &member(AGENT, "Anna", "AGENT", "CONNECTED"));
}

/// Boot follows the shipped nextgen controller: configure through the bus, its data keys,
/// then (after the module load) ready and asyncRestore.
#[test]
fn boot_follows_the_nextgen_controller() {
    let p = booted("");
    let t = p.trace();
    assert_eq!(
        t[..8],
        [
            "command WebChatService.configure",
            r#"data userData={"harness":"conformance"}"#,
            r#"data interactionData={"routing":{"targetType":"QUEUE","targetAddress":"Support","priority":2}}"#,
            "data sessionActive=false",
            "resolve 1",
            "ready",
            "command WebChatService.asyncRestore",
            r#"data capabilities={"async":false,"asyncClose":"hideChat","pagination":true,"fileUpload":false}"#,
        ]
    );
    assert_eq!(p.rejected(2), Value::Undefined, "asyncRestore without a chat rejects with no value");
}

/// Commands without a chat settle with the nextgen texts, and endChat and sendTyping
/// still publish what the shipped controller publishes around those rejections.
#[test]
fn commands_without_a_chat() {
    let mut p = booted("");
    p.mark();
    let cases: &[(&str, &str, &str)] = &[
        ("endChat", "{}", "There is no active chat session"),
        ("sendMessage", r#"{"message":"hi"}"#, "There is no active chat session."),
        ("sendFilteredMessage", r#"{"message":"hi"}"#, "No active chat session."),
        ("sendTyping", "{}", "trying to send typing indicator when session is not active"),
        ("sendCustomNotice", "{}", "This transport doesn't support sendCustomNotice command."),
        ("sendFile", "{}", "This transport doesn't support file uploads."),
        ("getFileLimits", "{}", "This transport doesn't support getFileLimits command."),
        ("downloadFile", "{}", "This transport doesn't support file download."),
        ("restore", "{}", "No chat session found to restore."),
        ("fetchHistory", "{}", "No more messages to fetch"),
        ("startPoll", "{}", "There is no active chat session"),
        ("stopPoll", "{}", "This transport doesn't support polling."),
        ("poll", "{}", "Access Denied to private command. Only WebChatService is allowed to invoke this command"),
        ("resetPollExceptions", "{}", "This transport doesn't support resetPollExceptions command."),
    ];
    let mut end_id = None;
    for (name, data, text) in cases {
        let id = p.cmd(name, data);
        end_id = end_id.or(Some(id));
        assert_eq!(p.rejected_text(id), *text, "{name}");
    }
    let t = p.trace();
    let at = |line: &str| t.iter().position(|l| l == line).unwrap_or_else(|| panic!("{line} missing: {t:?}"));
    let rejected = format!("reject {}", end_id.unwrap_or_default());
    assert!(at("command App.deregisterAutoLoad") < at(&rejected), "as shipped, the end runs before endChat's rejection");
    let ev = p.events();
    for e in ["clientDisconnected", "ended", "clientTypingStarted"] {
        assert_eq!(ev.iter().filter(|x| **x == e).count(), 1, "{e} once: {ev:?}");
    }
    assert!(p.trace().iter().any(|l| l == "command App.deregisterAutoLoad"), "the autoload entry is dropped as on a real end");
    p.advance(3000);
    assert!(p.events().contains(&"clientTypingStopped"), "the typing window closes as shipped");
    let id = p.cmd("getSessionData", "{}");
    assert_eq!(p.resolved(id).to_json(), "{}", "endChat reset the session data, as shipped");
    let id = p.cmd("updateUserData", r#"{"extra":"value"}"#);
    assert_eq!(p.resolved(id).to_json(), r#"{"harness":"conformance","extra":"value"}"#);
    let id = p.cmd("updateInteractionData", r#"{"routing":{"priority":5}}"#);
    assert_eq!(p.resolved(id).to_json(), r#"{"routing":{"targetType":"QUEUE","targetAddress":"Support","priority":5}}"#);
}

/// startChat creates the conversation as shipped, opens the stream, and publishes in the
/// shipped order: started (with the JWT), autoload, ajaxResponse, the session active,
/// the visitor's join item and clientConnected.
#[test]
fn start_chat() {
    let mut p = booted("");
    p.cmd("startChat", r#"{"form":{"firstname":"Jane","lastname":"Doe","email":"j@x","phone":"123"},"userData":{"orderId":"42"}}"#);
    let create = p.take("/conversations");
    let body = match &create.body {
        webchatservice::engine::Body::Json(b) => webchatservice::engine::json::parse(b).unwrap(),
        other => panic!("{other:?}"),
    };
    assert_eq!(body.get("deploymentId").as_str(), Some("dep"));
    assert_eq!(body.path("memberInfo.displayName").as_str(), Some("Jane Doe"));
    assert_eq!(body.path("memberInfo.customFields.email").as_str(), Some("j@x"));
    assert_eq!(body.path("memberInfo.customFields.orderId").as_str(), Some("42"));
    assert_eq!(body.path("memberInfo.customFields.harness").as_str(), Some("conformance"));
    assert_eq!(body.path("memberInfo.customFields.phoneNumber").as_str(), Some("123"));
    assert_eq!(body.path("routingTarget").to_json(), r#"{"targetAddress":"Support","targetType":"QUEUE","priority":2}"#);
    assert!(!create.headers.iter().any(|(k, _)| k == "Authorization"));
    p.respond(&create, 200, &format!(r#"{{"id":"{CONV}","jwt":"jwt-1","eventStreamUri":"{STREAM}","member":{{"id":"{ME}"}}}}"#));
    assert_eq!(p.sockets[0].1, STREAM);
    p.mark();
    let id = socket(&p);
    p.socket(id, SocketEvent::Opened);
    assert_eq!(
        p.trace(),
        [
            "event started",
            "command App.registerAutoLoad",
            "event ajaxResponse",
            "data sessionActive=true",
            "resolve 3",
            "event messageReceived",
            "event clientConnected",
        ]
    );
    assert_eq!(p.resolved(3), Value::Undefined);
    assert_eq!(p.event("started").path("data.jwt").as_str(), Some("jwt-1"));
    assert_eq!(p.host.store.get(cookies::CONVERSATION).map(String::as_str), Some(CONV));
    let r = p.take(&format!("/members/{ME}"));
    assert!(r.headers.contains(&("Authorization".into(), "Bearer jwt-1".into())));
}

/// A start the server refuses rejects with the jqXHR (StartFailed) and publishes error.
#[test]
fn start_chat_refused() {
    let mut p = booted("");
    let id = p.cmd("startChat", "{}");
    let create = p.take("/conversations");
    p.mark();
    p.respond(&create, 400, r#"{"status":400,"code":"bad.request","message":"no"}"#);
    assert_eq!(p.rejected(id).get("errorReason").as_str(), Some("StartFailed"));
    assert_eq!(p.event("error").path("errors").as_array().unwrap()[0].get("code").as_str(), Some("StartFailed"));
}

/// An agent joins: the member lookup, the synthetic join item and agentConnected, then
/// (at once, no 700 ms batch) the raw join message.
#[test]
fn agent_join_typing_and_message() {
    let mut p = chatting("");
    agent_joins(&mut p);
    assert_eq!(p.events(), ["messageReceived", "agentConnected", "messageReceived"]);
    let joined = p.event("agentConnected");
    assert_eq!(joined.path("message.lastEvent").as_str(), Some("CONNECTED"));
    assert_eq!(joined.path("agents.agent-1.name").as_str(), Some("Anna"));
    p.mark();
    push(&mut p, frame("typing-indicator", &format!(r#"{{"sender":{{"id":"{AGENT}"}}}}"#)));
    assert_eq!(p.event("agentTypingStarted").path("from.name").as_str(), Some("Anna"));
    push(&mut p, frame("message", &message("m1", AGENT, "standard", "Hello", 7)));
    assert_eq!(p.events(), ["agentTypingStarted", "messageReceived", "agentTypingStopped"]);
    let m = p.event("messageReceived");
    let n = &m.get("messages").as_array().unwrap()[0];
    assert_eq!(n.get("from").to_json(), r#"{"id":"agent-1","name":"Anna","type":"Agent"}"#);
    assert_eq!(n.get("avatar").as_str(), Some("https://a/agent-1.png"));
    assert!(m.get("oldMessages").is_undefined() && m.get("sessionData").is_undefined());
    // The join frame wrote the cookie an instant ago: m1 is stored when that window ends.
    p.advance(10);
    assert_eq!(p.host.store.get(cookies::LAST_MESSAGE).map(String::as_str), Some("m1"));
}

/// A burst of messages rewrites the LastMsgId cookie once per window, with the newest id,
/// and leaving the page writes what is pending (a reload restores after the last message).
#[test]
fn a_message_burst_writes_the_last_id_cookie_late_but_never_loses_it() {
    let mut p = chatting("");
    agent_joins(&mut p);
    p.advance(1_000);
    let last = |p: &Page| p.host.store.get(cookies::LAST_MESSAGE).cloned();
    push(&mut p, frame("message", &message("m1", AGENT, "standard", "one", 7)));
    assert_eq!(last(&p).as_deref(), Some("m1"), "a lone message is stored at once");
    push(&mut p, frame("message", &message("m2", AGENT, "standard", "two", 8)));
    push(&mut p, frame("message", &message("m3", AGENT, "standard", "three", 9)));
    assert_eq!(last(&p).as_deref(), Some("m1"), "within the window the cookie is not rewritten");
    p.advance(10);
    assert_eq!(last(&p).as_deref(), Some("m3"), "the window's end stores the newest id");
    push(&mut p, frame("message", &message("m4", AGENT, "standard", "four", 10)));
    push(&mut p, frame("message", &message("m5", AGENT, "standard", "five", 11)));
    p.page_event(PageEvent::Leaving);
    assert_eq!(last(&p).as_deref(), Some("m5"), "pagehide stores the pending id");
}

/// The agent's typing indicator times out after 3 s with agentTypingTimeout.
#[test]
fn agent_typing_times_out() {
    let mut p = chatting("");
    agent_joins(&mut p);
    p.mark();
    push(&mut p, frame("typing-indicator", &format!(r#"{{"sender":{{"id":"{AGENT}"}}}}"#)));
    p.advance(2_900);
    assert!(!p.events().contains(&"agentTypingTimeout"));
    p.advance(200);
    assert_eq!(p.events(), ["agentTypingStarted", "agentTypingTimeout"]);
}

/// Duplicates are dropped one by one (the shipped transport drops a whole batch holding
/// one), and the agent leaving publishes agentDisconnected once.
#[test]
fn duplicates_and_leave() {
    let mut p = chatting("");
    agent_joins(&mut p);
    push(&mut p, frame("message", &message("m1", AGENT, "standard", "one", 7)));
    p.mark();
    push(&mut p, frame("message", &message("m1", AGENT, "standard", "one", 7)));
    assert!(!p.events().contains(&"messageReceived"));
    push(&mut p, frame("message", &message("l1", AGENT, "member-leave", "", 9)));
    let r = p.take(&format!("/members/{AGENT}"));
    p.respond(&r, 200, &member(AGENT, "Anna", "AGENT", "DISCONNECTED"));
    assert_eq!(p.count("agentDisconnected"), 1);
    assert_eq!(p.event("agentDisconnected").path("agents.agent-1.connected"), &Value::Bool(false));
}

/// A visitor message: POST, then resolution before its echo is published.
#[test]
fn send_message() {
    let mut p = chatting("");
    let id = p.cmd("sendMessage", r#"{"message":"Hi Anna"}"#);
    let post = p.take("/messages");
    assert!(matches!(&post.body, webchatservice::engine::Body::Json(b) if b == r#"{"body":"Hi Anna"}"#));
    push(&mut p, frame("message", &message("c1", ME, "standard", "Hi Anna", 8)));
    assert!(!p.events().contains(&"messageReceived"), "the echo waits for the answer");
    p.mark();
    p.respond(&post, 200, &message("c1", ME, "standard", "Hi Anna", 8));
    assert_eq!(p.trace()[0], format!("resolve {id}"));
    assert_eq!(p.events(), ["messageReceived"]);
    assert_eq!(p.event("messageReceived").get("messages").as_array().unwrap()[0].get("from").get("type").as_str(), Some("Client"));
    assert_eq!(p.resolved(id), Value::Undefined);
}

/// A send the server refuses for good rejects with its reason (deliberate: the shipped
/// one rejects with no value) and publishes MessageFailed.
#[test]
fn a_refused_send() {
    let mut p = chatting("");
    let id = p.cmd("sendMessage", r#"{"message":"x"}"#);
    let post = p.take("/messages");
    p.mark();
    p.respond(&post, 400, r#"{"status":400,"code":"bad.request","message":"Invalid message"}"#);
    assert_eq!(p.rejected(id), Value::str("Invalid message"));
    assert_eq!(p.event("error").path("errors").as_array().unwrap()[0].get("code").as_str(), Some("MessageFailed"));
}

/// The stream drops: disconnected is not published (the socket just closed), the
/// reconnect backs off, reconnected, and what was missed is fetched after the last id.
#[test]
fn reconnect_with_backoff_and_catch_up() {
    let mut p = chatting("");
    agent_joins(&mut p);
    push(&mut p, frame("message", &message("m1", AGENT, "standard", "before", 7)));
    let id = socket(&p);
    p.mark();
    p.socket(id, SocketEvent::Closed);
    assert!(p.sockets.is_empty());
    p.advance(200);
    assert!(p.sockets.is_empty(), "the first retry waits 250–500 ms");
    p.advance(400);
    let id = socket(&p);
    p.socket(id, SocketEvent::Opened);
    assert!(p.events().contains(&"reconnected"));
    let r = p.take("/messages?after=m1");
    p.respond(&r, 200, &format!(r#"{{"entities":[{}]}}"#, message("m2", AGENT, "standard", "missed", 8)));
    let m = p.take("/members");
    p.respond(&m, 200, &format!(r#"{{"entities":[{},{}]}}"#, member(ME, "Jane Doe", "CUSTOMER", "CONNECTED"), member(AGENT, "Anna", "AGENT", "CONNECTED")));
    let missed = p.event("messageReceived");
    assert_eq!(missed.get("messages").as_array().unwrap()[0].get("text").as_str(), Some("missed"));
    assert_eq!(missed.get("oldMessages"), &Value::Bool(false));
    answer_me(&mut p, "CONNECTED");
    assert!(p.s.is_active());
}

/// Without heartbeats the watchdog declares the stream dead after
/// socketHeartbeatTrackerInterval: disconnected, then a reconnect.
#[test]
fn heartbeat_watchdog() {
    let mut p = chatting(r#""socketHeartbeatTrackerInterval":5000"#);
    push(&mut p, r#"{"eventBody":{"message":"WebSocket Heartbeat"}}"#.into());
    p.advance(4_900);
    assert!(!p.events().contains(&"disconnected"));
    p.advance(200);
    assert_eq!(p.events(), ["disconnected"]);
    p.advance(600);
    assert_eq!(p.sockets.len(), 1, "reconnecting");
}

/// Messages typed while the stream is down wait and go out in order after the catch-up.
#[test]
fn sends_wait_for_the_stream() {
    let mut p = chatting("");
    let id = socket(&p);
    p.socket(id, SocketEvent::Closed);
    let a = p.cmd("sendMessage", r#"{"message":"one"}"#);
    let b = p.cmd("sendMessage", r#"{"message":"two"}"#);
    assert!(!p.has_request("/messages"));
    p.advance(600);
    let id = socket(&p);
    p.socket(id, SocketEvent::Opened);
    // No message had come before the drop: the catch-up asks for all of them.
    let missed = p.take("/conversations/conv-1/messages");
    assert!(!missed.url.contains("after="));
    p.respond(&missed, 200, r#"{"entities":[]}"#);
    let list = p.take("/members");
    p.respond(&list, 200, r#"{"entities":[]}"#);
    answer_me(&mut p, "CONNECTED");
    let post = p.take(&format!("/members/{ME}/messages"));
    assert!(matches!(&post.body, webchatservice::engine::Body::Json(b) if b.contains("one")));
    p.respond(&post, 200, &message("c1", ME, "standard", "one", 8));
    let post = p.take(&format!("/members/{ME}/messages"));
    p.respond(&post, 200, &message("c2", ME, "standard", "two", 9));
    assert!(p.outcome(a).unwrap().ok && p.outcome(b).unwrap().ok);
}

/// A send in flight when the stream drops is not sent twice, and its answer settles it
/// (not a later command).
#[test]
fn a_send_in_flight_when_the_stream_drops() {
    let mut p = chatting("");
    let a = p.cmd("sendMessage", r#"{"message":"one"}"#);
    let post = p.take("/messages");
    let id = socket(&p);
    p.socket(id, SocketEvent::Closed);
    let b = p.cmd("sendMessage", r#"{"message":"two"}"#);
    p.respond(&post, 200, &message("c1", ME, "standard", "one", 8));
    assert!(p.outcome(a).unwrap().ok);
    assert!(p.outcome(b).is_none());
    p.advance(600);
    let id = socket(&p);
    p.socket(id, SocketEvent::Opened);
    // From where the stream left off (before 'one' was answered): everything.
    let missed = p.take("/conversations/conv-1/messages");
    assert!(!missed.url.contains("after="));
    p.respond(&missed, 200, r#"{"entities":[]}"#);
    let list = p.take("/members");
    p.respond(&list, 200, r#"{"entities":[]}"#);
    answer_me(&mut p, "CONNECTED");
    let posts: Vec<_> = p.http.iter().filter(|r| r.url.contains("/messages")).collect();
    assert_eq!(posts.len(), 1, "only 'two' goes out");
}

/// A send that got no answer on a healthy stream is checked (messages after the last id)
/// and sent again when it did not arrive.
#[test]
fn an_unanswered_send_on_a_healthy_stream_is_resent() {
    let mut p = chatting("");
    push(&mut p, frame("message", &message("m0", ME, "member-join", "", 3)));
    answer_me(&mut p, "CONNECTED");
    let a = p.cmd("sendMessage", r#"{"message":"lost"}"#);
    let post = p.take(&format!("/members/{ME}/messages"));
    p.no_answer(&post, NetError::Network("x".into()));
    p.advance(1_100);
    let check = p.take("/messages?after=m0");
    p.respond(&check, 200, r#"{"entities":[]}"#);
    let m = p.take("/members");
    p.respond(&m, 200, r#"{"entities":[]}"#);
    let again = p.take(&format!("/members/{ME}/messages"));
    p.respond(&again, 200, &message("c1", ME, "standard", "lost", 8));
    assert!(p.outcome(a).unwrap().ok);
}

/// endChat: DELETE, then the shipped events and a resolution with the jqXHR; the socket
/// is closed (the shipped transport leaves it open).
#[test]
fn end_chat() {
    let mut p = chatting("");
    let id = p.cmd("endChat", "{}");
    assert_eq!(p.data_keys(), ["sessionActive=false"]);
    let d = p.take(&format!("/members/{ME}"));
    assert_eq!(d.method, "DELETE");
    p.mark();
    p.respond_raw(&d, HttpResponse { status: 204, status_text: "No Content".into(), content_type: None, body: String::new() });
    let t: Vec<String> = p.trace().into_iter().filter(|l| !l.starts_with("data")).collect();
    assert_eq!(t, ["event clientDisconnected", "event ended", "command App.deregisterAutoLoad", &format!("resolve {id}")]);
    assert_eq!(p.resolved(id).get("status").as_f64(), Some(204.0));
    assert!(p.sockets.is_empty(), "the socket is closed");
    assert!(!p.host.store.contains_key(cookies::JWT));
    assert!(!p.host.store.contains_key(keys::FILTERS));
}

/// A failed DELETE ends the session here as shipped (rejection, sessionActive false, no
/// `ended`), and settles queued sends instead of leaving them and a dead session.
#[test]
fn a_failed_end_still_ends() {
    let mut p = chatting("");
    let id = socket(&p);
    p.socket(id, SocketEvent::Closed);
    let queued = p.cmd("sendMessage", r#"{"message":"never"}"#);
    let end = p.cmd("endChat", "{}");
    let d = p.take(&format!("/members/{ME}"));
    p.mark();
    p.respond(&d, 500, "{}");
    assert_eq!(p.rejected_text(end), "Internal Server Error");
    assert!(!p.events().contains(&"ended"));
    assert!(!p.s.is_active());
    assert!(!p.outcome(queued).unwrap().ok);
    p.advance(60_000);
    assert!(p.sockets.is_empty(), "no reconnect after the end");
}

/// The customer disconnected by the server (member-leave of ourselves): ended 1 s later.
#[test]
fn server_ends_the_chat() {
    let mut p = chatting("");
    push(&mut p, frame("message", &message("l0", ME, "member-leave", "", 9)));
    answer_me(&mut p, "DISCONNECTED");
    p.advance(900);
    assert!(!p.events().contains(&"ended"));
    p.advance(200);
    assert!(p.events().contains(&"ended"));
}

fn saved_chat() -> MemoryHost {
    let mut host = MemoryHost::default();
    for (name, value) in [(cookies::JWT, "jwt-1"), (cookies::CONVERSATION, CONV), (cookies::MEMBER, ME), (cookies::WS_URL, STREAM), (cookies::LAST_MESSAGE, "m4")] {
        host.store.insert(name.into(), value.into());
    }
    host
}

/// Restore after a reload: capabilities, our member, the socket, restored, the newest
/// page with restoring, then fetchHistory pages back until "No more messages to fetch".
#[test]
fn restore_with_pagination() {
    let mut p = Page::boot(&config(r#""maxMessagePageSize":2"#), saved_chat());
    answer_me(&mut p, "CONNECTED");
    let id = socket(&p);
    p.mark();
    p.socket(id, SocketEvent::Opened);
    assert_eq!(p.events(), ["restored"]);
    let page = p.take("/messages?sortOrder=descending&maxResults=2");
    p.respond(&page, 200, &format!(r#"{{"pageSize":2,"entities":[{},{}],"next":"/next"}}"#, message("m4", AGENT, "standard", "four", 4), message("m3", ME, "standard", "three", 3)));
    let m = p.take("/members");
    p.respond(&m, 200, &format!(r#"{{"entities":[{},{}]}}"#, member(ME, "Jane Doe", "CUSTOMER", "CONNECTED"), member(AGENT, "Anna", "AGENT", "CONNECTED")));
    let r = p.event("messageReceived");
    assert_eq!(r.get("restoring"), &Value::Bool(true));
    let texts: Vec<_> = r.get("messages").as_array().unwrap().iter().map(|m| m.get("text").to_js_string()).collect();
    assert_eq!(texts, ["three", "four"], "ascending");
    assert!(p.outcome(2).unwrap().ok, "asyncRestore resolves");
    let h = p.cmd("fetchHistory", "{}");
    let page = p.take("before=m3");
    p.respond(&page, 200, &format!(r#"{{"pageSize":2,"entities":[{}]}}"#, message("m1", AGENT, "member-join", "", 1)));
    let m = p.take("/members");
    p.respond(&m, 200, &format!(r#"{{"entities":[{}]}}"#, member(AGENT, "Anna", "AGENT", "CONNECTED")));
    assert_eq!(p.resolved(h), Value::Undefined);
    assert_eq!(p.event("messageReceived").get("oldMessages"), &Value::Bool(true));
    let h = p.cmd("fetchHistory", "{}");
    assert_eq!(p.rejected_text(h), "No more messages to fetch");
}

/// Restore when our member is no longer connected: restoreFailed with the member; a
/// later verifySession answers instead of hanging.
#[test]
fn restore_of_an_ended_chat() {
    let mut p = Page::boot(&config(""), saved_chat());
    p.mark();
    answer_me(&mut p, "DISCONNECTED");
    assert_eq!(p.event("restoreFailed").get("state").as_str(), Some("DISCONNECTED"));
    let id = p.cmd("verifySession", "{}");
    assert_eq!(p.resolved(id).to_json(), r#"{"sessionActive":false}"#);
}

/// Restore without pagination fetches every page through `next` (bounded).
#[test]
fn restore_without_pagination_follows_next() {
    let mut p = Page::boot(&config(r#""pagination":false"#), saved_chat());
    answer_me(&mut p, "CONNECTED");
    let id = socket(&p);
    p.socket(id, SocketEvent::Opened);
    for i in 0..60 {
        if !p.has_request("/messages") {
            assert!(i >= 49, "stopped early at page {i}");
            break;
        }
        let r = p.take("/messages");
        p.respond(&r, 200, &format!(r#"{{"entities":[{}],"next":"/api/v2/webchat/guest/conversations/{CONV}/messages?page={i}"}}"#, message(&format!("m{i}"), AGENT, "standard", "x", 1)));
    }
    assert!(p.has_request("/members"), "at most 50 pages, then the members");
}

/// Late answers of a previous chat do not reach the next one (a member lookup, a
/// catch-up page).
#[test]
fn late_answers_of_a_previous_chat_are_ignored() {
    let mut p = chatting("");
    push(&mut p, frame("message", &message("j1", AGENT, "member-join", "", 5)));
    let lookup = p.take(&format!("/members/{AGENT}"));
    p.cmd("endChat", "{}");
    let d = p.take(&format!("/members/{ME}"));
    p.respond_raw(&d, HttpResponse { status: 204, status_text: "No Content".into(), content_type: None, body: String::new() });
    p.cmd("startChat", "{}");
    let create = p.take("/conversations");
    p.respond(&create, 200, &format!(r#"{{"id":"conv-2","jwt":"jwt-2","eventStreamUri":"{STREAM}","member":{{"id":"{ME}"}}}}"#));
    let id = socket(&p);
    p.socket(id, SocketEvent::Opened);
    answer_me(&mut p, "CONNECTED");
    p.mark();
    p.respond(&lookup, 200, &member(AGENT, "Anna", "AGENT", "CONNECTED"));
    assert!(!p.events().contains(&"agentConnected"));
    push(&mut p, frame("message", &message("x1", ME, "member-join", "", 6)));
    answer_me(&mut p, "CONNECTED");
    assert!(p.events().contains(&"messageReceived"), "the new chat's messages are not held");
}

/// Member ids from outside data cannot steer requests to other paths.
#[test]
fn ids_are_encoded_in_paths() {
    let mut p = chatting("");
    push(&mut p, frame("message", &message("j1", "../../x?y=1#z&a", "member-join", "", 5)));
    assert!(p.has_request("/members/..%2F..%2Fx%3Fy%3D1%23z%26a"));
}

/// A message whose sender is unknown is looked up once; a failed lookup does not hold
/// later messages forever.
#[test]
fn unknown_senders_do_not_block_the_chat() {
    let mut p = chatting("");
    push(&mut p, frame("message", &message("u1", "stranger", "standard", "who?", 5)));
    let r = p.take("/members/stranger");
    p.mark();
    p.respond(&r, 500, r#"{"status":500}"#);
    assert_eq!(p.event("error").path("errors").as_array().unwrap()[0].get("code").as_str(), Some("purecloud-v2-sockets-500"));
    assert!(p.events().contains(&"messageReceived"));
}

/// An unknown transport type is refused with the shipped text, and every command settles.
#[test]
fn an_unknown_transport() {
    let mut p = Page::boot(r#"{"transport":{"type":"nope"}}"#, MemoryHost::default());
    assert_eq!(p.rejected_text(1), "Invalid transport configuration");
    assert!(p.ready);
    let id = p.cmd("startChat", "{}");
    assert_eq!(p.rejected_text(id), "Invalid transport configuration");
}

/// The socket is opened only with what the answer gave; a create answer without the
/// stream is refused clearly.
#[test]
fn a_create_answer_without_a_stream() {
    let mut p = booted("");
    let id = p.cmd("startChat", "{}");
    let create = p.take("/conversations");
    p.respond(&create, 200, r#"{"id":"x"}"#);
    assert_eq!(p.rejected_text(id), "no response data in the api post request");
    assert!(p.sockets.is_empty());
}

/// A catch-up page in any order is published in time order, each original beside its
/// message (originals were left unsorted before).
#[test]
fn catch_up_entries_are_ordered_with_their_originals() {
    let mut p = chatting("");
    agent_joins(&mut p);
    push(&mut p, frame("message", &message("m1", AGENT, "standard", "before", 7)));
    let id = socket(&p);
    p.socket(id, SocketEvent::Closed);
    p.advance(600);
    let id = socket(&p);
    p.socket(id, SocketEvent::Opened);
    let r = p.take("/messages?after=m1");
    p.respond(&r, 200, &format!(r#"{{"entities":[{},{}]}}"#, message("m3", AGENT, "standard", "third", 30), message("m2", AGENT, "standard", "second", 20)));
    let m = p.take("/members");
    p.mark();
    p.respond(&m, 200, &format!(r#"{{"entities":[{}]}}"#, member(AGENT, "Anna", "AGENT", "CONNECTED")));
    let e = p.event("messageReceived");
    let texts: Vec<String> = e.get("messages").as_array().unwrap().iter().map(|m| m.get("text").to_js_string()).collect();
    let bodies: Vec<String> = e.get("originalMessages").as_array().unwrap().iter().map(|m| m.get("body").to_js_string()).collect();
    assert_eq!(texts, ["second", "third"]);
    assert_eq!(bodies, ["second", "third"]);
}

/// A member look-up answered with another member's id still releases the messages that
/// waited for it.
#[test]
fn a_lookup_answered_with_another_id() {
    let mut p = chatting("");
    push(&mut p, frame("message", &message("u1", "someone", "standard", "hello there", 5)));
    let r = p.take("/members/someone");
    p.mark();
    p.respond(&r, 200, &member("somebody-else", "Anna", "AGENT", "CONNECTED"));
    assert!(p.event("messageReceived").write().contains("hello there"));
}

/// Many messages from unknown senders: look-ups stay bounded, nothing is held forever.
#[test]
fn unknown_senders_are_looked_up_within_bounds() {
    let mut p = chatting("");
    for i in 0..50 {
        push(&mut p, frame("message", &message(&format!("u{i}"), &format!("who-{i}"), "standard", "hi", 5)));
    }
    let lookups = p.http.iter().filter(|r| r.url.contains("/members/who-")).count();
    assert!(lookups <= 8, "{lookups} look-ups at once");
    while let Some(at) = p.http.iter().position(|r| r.url.contains("/members/who-")) {
        let r = p.http.remove(at);
        p.respond(&r, 500, "{}");
    }
    assert!(p.s.footprint() < 500);
    let published = p.seen.iter().filter(|s| matches!(s, support::page::Seen::Event("messageReceived", _))).count();
    assert!(published >= 50, "every message came out ({published})");
}

/// The outbox is bounded: beyond its size a message is refused, clearly.
#[test]
fn the_outbox_is_bounded() {
    let mut p = chatting("");
    let id = socket(&p);
    p.socket(id, SocketEvent::Closed);
    let mut last = 0;
    for i in 0..205 {
        last = p.cmd("sendMessage", &format!(r#"{{"message":"m{i}"}}"#));
    }
    assert_eq!(p.rejected_text(last), "There is no active chat session.");
    assert!(p.logs().iter().any(|l| l.contains("too many messages")));
}

/// Two identical messages, the second unanswered: the first's echo does not settle it.
#[test]
fn an_identical_second_guest_message_is_resent() {
    let mut p = chatting("");
    push(&mut p, frame("message", &message("m0", ME, "member-join", "", 3)));
    answer_me(&mut p, "CONNECTED");
    let a = p.cmd("sendMessage", r#"{"message":"ok"}"#);
    let post = p.take(&format!("/members/{ME}/messages"));
    p.respond(&post, 200, &message("c1", ME, "standard", "ok", 8));
    assert!(p.outcome(a).unwrap().ok);
    let b = p.cmd("sendMessage", r#"{"message":"ok"}"#);
    let post = p.take(&format!("/members/{ME}/messages"));
    p.no_answer(&post, NetError::Timeout);
    push(&mut p, frame("message", &message("c1", ME, "standard", "ok", 8)));
    p.advance(1_100);
    let check = p.take("/messages?after=c1");
    p.respond(&check, 200, r#"{"entities":[]}"#);
    let m = p.take("/members");
    p.respond(&m, 200, r#"{"entities":[]}"#);
    assert!(p.outcome(b).is_none(), "the first one's copy did not settle it");
    let again = p.take(&format!("/members/{ME}/messages"));
    p.respond(&again, 200, &message("c2", ME, "standard", "ok", 9));
    assert!(p.outcome(b).unwrap().ok);
}

/// Once the members list is known (here from a restore), an agent leaving publishes
/// agentDisconnected twice, as shipped: first with the member, then with the leave message
/// and the agents snapshot, followed by agentTypingStopped.
#[test]
fn a_leave_after_restore_publishes_both_disconnects() {
    let mut p = Page::boot(&config(""), saved_chat());
    answer_me(&mut p, "CONNECTED");
    let id = socket(&p);
    p.socket(id, SocketEvent::Opened);
    let page = p.take("/messages");
    p.respond(&page, 200, &format!(r#"{{"pageSize":25,"entities":[{}]}}"#, message("m1", AGENT, "member-join", "", 1)));
    let m = p.take("/members");
    p.respond(&m, 200, &format!(r#"{{"entities":[{},{}]}}"#, member(ME, "Jane Doe", "CUSTOMER", "CONNECTED"), member(AGENT, "Anna", "AGENT", "CONNECTED")));
    p.mark();
    push(&mut p, frame("message", &message("l1", AGENT, "member-leave", "", 9)));
    if p.has_request(&format!("/members/{AGENT}")) {
        let r = p.take(&format!("/members/{AGENT}"));
        p.respond(&r, 200, &member(AGENT, "Anna", "AGENT", "DISCONNECTED"));
    }
    if p.has_request("/members") {
        let r = p.take("/members");
        p.respond(&r, 200, &format!(r#"{{"entities":[{},{}]}}"#, member(ME, "Jane Doe", "CUSTOMER", "CONNECTED"), member(AGENT, "Anna", "AGENT", "DISCONNECTED")));
    }
    let ev = p.events();
    let gone: Vec<Value> = p.seen_events("agentDisconnected");
    assert_eq!(gone.len(), 2, "{ev:?}");
    assert_eq!(gone[0].path("message.displayName").as_str(), Some("Anna"), "the first carries the member");
    assert_eq!(gone[1].path("message.bodyType").as_str(), Some("member-leave"), "the second carries the message");
    assert_eq!(gone[1].path("agents.agent-1.connected"), &Value::Bool(false));
    let after = ev.iter().rposition(|e| *e == "agentDisconnected").unwrap();
    assert_eq!(ev.get(after + 1), Some(&"agentTypingStopped"));
}

/// A stream that drops right after opening (flapping) is retried ever more slowly; once a
/// frame shows a connection held, the next drop is retried quickly again.
#[test]
fn backoff_grows_while_flapping_and_restarts_after_a_held_connection() {
    let mut p = chatting("");
    // How long after a drop the next socket is opened, in 50 ms steps.
    fn retry_after(p: &mut Page) -> u64 {
        let id = socket(p);
        p.socket(id, SocketEvent::Closed);
        let mut waited = 0;
        while p.sockets.is_empty() && waited < 60_000 {
            p.advance(50);
            waited += 50;
        }
        let id = socket(p);
        p.socket(id, SocketEvent::Opened);
        waited
    }
    let delays: Vec<u64> = (0..4).map(|_| retry_after(&mut p)).collect();
    assert!(delays[0] <= 550 && delays[3] >= 2_000, "flapping backs off: {delays:?}");
    push(&mut p, r#"{"eventBody":{"message":"WebSocket Heartbeat"}}"#.into());
    let again = retry_after(&mut p);
    assert!(again <= 550, "after a held connection the first retry is quick again: {again} ms");
}

/// An agent message arriving while the DELETE of endChat is on its way is published once,
/// whether the DELETE then succeeds or fails (it used to be dropped, and not fetched again
/// when the DELETE failed).
#[test]
fn a_message_during_the_end_is_not_lost() {
    for status in [204, 500] {
        let mut p = chatting("");
        agent_joins(&mut p);
        let end = p.cmd("endChat", "{}");
        let d = p.take(&format!("/members/{ME}"));
        p.mark();
        push(&mut p, frame("message", &message("m9", AGENT, "standard", "last words", 9)));
        p.respond(&d, status, "");
        p.advance(2_000);
        let shown: usize = p
            .seen_events("messageReceived")
            .iter()
            .map(|m| m.get("messages").as_array().map_or(0, |l| l.iter().filter(|x| x.get("text").as_str() == Some("last words")).count()))
            .sum();
        assert_eq!(shown, 1, "DELETE answered {status}: {:?}", p.trace());
        assert_eq!(p.outcome(end).map(|o| o.ok), Some(status == 204));
    }
}

/// A heartbeat interval no browser timer can wait (or near u64::MAX) is not taken: the
/// console says so, the default 14 s is used, and the watchdog neither spins nor overflows.
#[test]
fn absurd_heartbeat_intervals_fall_back_to_the_default() {
    for value in ["1e300", "18446744073709551615", "3000000000"] {
        let mut p = chatting(&format!(r#""socketHeartbeatTrackerInterval":{value}"#));
        assert!(p.s.is_active());
        push(&mut p, r#"{"eventBody":{"message":"WebSocket Heartbeat"}}"#.into());
        p.advance(13_900);
        assert!(!p.events().contains(&"disconnected"), "{value}: not before 14 s");
        p.advance(200);
        assert_eq!(p.events(), ["disconnected"], "{value}: the default 14 s watchdog");
    }
    let p = booted(r#""socketHeartbeatTrackerInterval":1e300"#);
    assert!(p.seen.iter().any(|s| matches!(s, support::page::Seen::Log(l) if l.contains("socketHeartbeatTrackerInterval"))));
}

/// A later `configure` that gives only userData (or a transport without its type) keeps
/// the transport: it resolves and the chat goes on (it used to make every command reject
/// with "Invalid transport configuration"; the shipped one restores the running chat on a
/// second transport and then loses its messages, not copied).
#[test]
fn a_later_configure_without_a_transport_keeps_it() {
    let mut p = chatting("");
    p.mark();
    let c = p.cmd("configure", r#"{"userData":{"tier":"gold"}}"#);
    assert!(p.outcome(c).is_some_and(|o| o.ok), "{:?}", p.trace());
    // The bus already holds the controller's own objects: new contents, no data events.
    let t = p.trace();
    assert!(t.contains(&r#"in place userData={"harness":"conformance","tier":"gold"}"#.to_owned()), "{t:?}");
    assert!(!t.iter().any(|l| l.starts_with("data userData") || l.starts_with("data interactionData")), "{t:?}");
    let c = p.cmd("configure", r#"{"transport":{"dataURL":"https://api.test","deploymentKey":"dep","orgGuid":"org"}}"#);
    assert!(p.outcome(c).is_some_and(|o| o.ok), "{:?}", p.trace());
    assert!(p.s.is_active());
    let id = p.cmd("sendMessage", r#"{"message":"still here"}"#);
    let post = p.take("/messages");
    p.respond(&post, 200, &message("c1", ME, "standard", "still here", 8));
    assert!(p.outcome(id).is_some_and(|o| o.ok));
}

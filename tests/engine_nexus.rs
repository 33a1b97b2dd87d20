//! Engine scenarios on Genesys Multicloud CX Nexus v3 (`pureengage-v3-rest`), with a
//! simulated clock and bus: the shipped nextgen controller's data keys and events, the
//! create form, the poll loop and its error multiplier, message events and dedupe,
//! sends, typing, the end, a lost session, restore from the cookies, and the deliberate
//! differences (README, compatibility table).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use support::page::Page;
use webchatservice::engine::host::MemoryHost;
use webchatservice::engine::nexus::cookies;
use webchatservice::engine::output::{HttpRequest, NetError};
use webchatservice::engine::{FileInfo, Value};

const S: &str = "http://nexus.test/nexus/v3/chat/sessions";
/// A token whose payload is {"sessionId":"s-1","transportId":"t-1","participantId":"p-1"}.
const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzZXNzaW9uSWQiOiJzLTEiLCJ0cmFuc3BvcnRJZCI6InQtMSIsInBhcnRpY2lwYW50SWQiOiJwLTEifQ.sig";

fn config(extra: &str) -> String {
    format!(r#"{{"userData":{{"harness":"t"}},"transport":{{"type":"pureengage-v3-rest","dataURL":"{S}","endpoint":"ep","headers":{{"x-api-key":"k"}},"pollTimeout":1000{extra}}}}}"#)
}

fn created() -> String {
    format!(r#"{{"status":{{"code":0}},"data":{{"clientToken":"{TOKEN}","selfUri":"/nexus/v3/chat/sessions/s-1"}}}}"#)
}

fn messages(list: &str, ended: bool) -> String {
    format!(r#"{{"status":{{"code":0}},"data":{{"chatEnded":{ended},"messages":[{list}]}}}}"#)
}

fn agent(index: u32, kind: &str, text: &str) -> String {
    format!(r#"{{"index":"{index}","type":"{kind}","text":"{text}","utcTime":{},"from":{{"nickname":"Anna","type":"Agent","participantId":"a-1"}}}}"#, 1_600_000_000_000u64 + u64::from(index))
}

/// `v[key][i]` (paths do not index arrays).
fn item(v: &Value, key: &str, i: usize) -> Value {
    v.get(key).as_array().and_then(|a| a.get(i)).cloned().unwrap_or(Value::Undefined)
}

fn header(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
}

fn booted(extra: &str) -> Page {
    Page::boot(&config(extra), MemoryHost::default())
}

/// A page with a started chat (its first poll answered with nothing), the mark after it.
fn chatting() -> Page {
    let mut p = booted("");
    p.cmd("startChat", r#"{"form":{"firstname":"Jane"}}"#);
    let create = p.take("/sessions");
    p.respond(&create, 200, &created());
    let poll = p.take("/s-1/messages");
    p.respond(&poll, 200, &messages("", false));
    p.mark();
    p
}

/// Runs the clock to the next poll and returns it.
fn next_poll(p: &mut Page) -> HttpRequest {
    for _ in 0..50 {
        if p.has_request("/messages?operationId=") {
            return p.take("/messages?operationId=");
        }
        assert!(p.tick_until(u64::MAX), "no poll is planned");
    }
    panic!("no poll came")
}

/// Boot as the shipped nextgen controller: data keys, ready, then asyncRestore (which
/// rejects with nothing when there are no cookies).
#[test]
fn boot_sets_the_shipped_data_keys_and_tries_a_restore() {
    let p = booted("");
    let t = p.trace();
    assert_eq!(&t[..5], ["command WebChatService.configure", r#"data userData={"harness":"t"}"#, "data interactionData={}", "data sessionActive=false", "resolve 1"]);
    assert!(t.contains(&"ready".to_owned()));
    assert!(t.iter().any(|l| l == "command WebChatService.asyncRestore"));
    assert!(p.http.is_empty(), "no request without a session");
}

/// startChat posts the v3 form (data[...] with the _genesys_* keys, the phone mapping,
/// endpoint, operationId) with the configured headers; the token's session is started,
/// its cookies written, and polling begins with the client key.
#[test]
fn start_chat_sends_the_v3_form_and_polls_with_the_client_key() {
    let mut p = booted("");
    let id = p.cmd("startChat", r#"{"form":{"firstname":"Jane","lastname":"Doe","email":"j@x"},"userData":{"phone":"555"}}"#);
    let req = p.take("/sessions");
    assert_eq!((req.method, req.url.as_str()), ("POST", S));
    assert_eq!(header(&req, "x-api-key").as_deref(), Some("k"));
    let f = |k: &str| Page::field(&req, k);
    assert_eq!((f("data[firstName]"), f("data[lastName]"), f("data[nickname]"), f("data[endpoint]"), f("data[email]")), (Some("Jane".into()), Some("Doe".into()), Some("Jane".into()), Some("ep".into()), Some("j@x".into())));
    assert_eq!((f("data[userData][harness]"), f("data[userData][PhoneNumber]"), f("data[userData][_genesys_source]")), (Some("t".into()), Some("555".into()), Some("web".into())));
    assert!(f("operationId").is_some_and(|o| o.len() >= 32));
    p.mark();
    p.respond(&req, 200, &created());
    let t = p.trace();
    let at = |l: &str| t.iter().position(|x| x == l).unwrap_or_else(|| panic!("{l} in {t:?}"));
    assert!(at("event started") < at("command App.registerAutoLoad"));
    assert!(at("event pollingStarted") < at("event ajaxResponse"));
    assert!(at("data sessionActive=true") < at(&format!("resolve {id}")));
    assert_eq!(p.event("started").path("data.sessionId").as_str(), Some("s-1"));
    assert_eq!(p.event("started").path("data.token").as_str(), Some(TOKEN));
    assert_eq!(p.host.store.get(cookies::KEYS).map(String::as_str), Some(TOKEN));
    assert_eq!(p.host.store.get(cookies::SESSION).map(String::as_str), Some("s-1"));
    let poll = p.take("/s-1/messages?operationId=");
    assert_eq!(header(&poll, "x-nexus-client-key").as_deref(), Some(TOKEN));
}

/// A refused start rejects with the jqXHR and publishes the prefixed error code.
#[test]
fn a_refused_start_publishes_the_prefixed_code() {
    let mut p = booted("");
    let id = p.cmd("startChat", r#"{"form":{"email":"x"}}"#);
    let req = p.take("/sessions");
    p.respond(&req, 400, r#"{"status":{"code":"INVALID_NICKNAME","message":"first name is required"}}"#);
    assert_eq!(p.rejected(id).get("status").as_f64(), Some(400.0));
    let e = p.event("error");
    assert_eq!(item(&e, "errors", 0).get("code").as_str(), Some("pureengage-v3-rest-INVALID_NICKNAME"));
    assert_eq!(item(&e, "errors", 0).get("text").as_str(), Some("first name is required"));
    assert!(!p.s.is_active());
}

/// Messages become events as shipped: an agent join publishes agentConnected with the
/// agents, typing starts the 3 s window (agentTypingTimeout), a text is published
/// normalised (Message, timestamp, from.name), the same index twice is published once,
/// and the index cookie follows.
#[test]
fn messages_publish_events_once_each() {
    let mut p = chatting();
    let poll = next_poll(&mut p);
    p.respond(&poll, 200, &messages(&format!("{},{}", agent(2, "ParticipantJoined", ""), agent(3, "TypingStarted", "")), false));
    assert_eq!(p.event("agentConnected").path("agents.a-1.connected"), &Value::Bool(true));
    assert!(p.events().contains(&"agentTypingStarted"));
    p.advance(3000);
    assert!(p.events().contains(&"agentTypingTimeout"));
    let poll = next_poll(&mut p);
    p.mark();
    p.respond(&poll, 200, &messages(&format!("{},{}", agent(3, "TypingStarted", ""), agent(4, "Text", "hello")), false));
    let m = p.event("messageReceived");
    assert_eq!(m.get("messages").as_array().map(Vec::len), Some(1), "index 3 was seen already");
    assert_eq!((item(&m, "messages", 0).path("type").as_str(), item(&m, "messages", 0).path("from.name").as_str(), item(&m, "messages", 0).path("timestamp").as_f64()), (Some("Message"), Some("Anna"), Some(1_600_000_000_004.0)));
    assert_eq!(item(&m, "originalMessages", 0).path("from.id").as_str(), Some("a-1"));
    assert!(item(&m, "originalMessages", 0).path("iTempIndex").is_undefined());
    assert_eq!(p.host.store.get(cookies::INDEX).map(String::as_str), Some("4"));
    assert!(!p.events().contains(&"agentTypingStarted"), "a repeated TypingStarted publishes nothing");
}

/// The poll loop: the next poll `pollTimeout` after an answer; after an error the wait
/// grows by the multiplier (a 429 alone does not grow it); a lost connection publishes disconnected
/// once and reconnected on the next good answer.
#[test]
fn the_poll_loop_backs_off_and_reconnects() {
    let mut p = chatting();
    let t0 = p.now;
    let poll = next_poll(&mut p);
    assert_eq!(p.now - t0, 1000);
    p.respond(&poll, 429, "");
    let t1 = p.now;
    let poll = next_poll(&mut p);
    assert_eq!(p.now - t1, 1000, "a 429 does not grow the wait");
    p.respond(&poll, 500, r#"{"status":{"code":"INTERNAL_ERROR","message":"boom"}}"#);
    assert_eq!(item(&p.event("error"), "errors", 0).path("code").as_str(), Some("pureengage-v3-rest-INTERNAL_ERROR"));
    let t2 = p.now;
    let poll = next_poll(&mut p);
    assert_eq!(p.now - t2, 1200, "1000 × 1.2 after an error");
    p.mark();
    p.no_answer(&poll, NetError::Network("down".into()));
    let poll = next_poll(&mut p);
    p.no_answer(&poll, NetError::Network("down".into()));
    assert_eq!(p.count("disconnected"), 1);
    assert_eq!(p.count("error"), 0, "no error while disconnected");
    let poll = next_poll(&mut p);
    p.respond(&poll, 200, &messages("", false));
    assert_eq!(p.count("reconnected"), 1);
}

/// Deliberate: a message sent while disconnected waits and goes out after reconnecting
/// (the shipped one resolves {statusCode: 1} and drops it).
#[test]
fn a_message_sent_while_disconnected_goes_after_reconnecting() {
    let mut p = chatting();
    let poll = next_poll(&mut p);
    p.no_answer(&poll, NetError::Network("down".into()));
    let id = p.cmd("sendMessage", r#"{"message":"are you there?"}"#);
    assert!(p.outcome(id).is_none(), "it waits");
    assert!(!p.has_request("/s-1/messages?") && p.http.iter().all(|r| r.method != "POST"));
    let poll = next_poll(&mut p);
    p.respond(&poll, 200, &messages("", false));
    let send = p.http.iter().find(|r| r.method == "POST").cloned().expect("sent after reconnecting");
    p.http.retain(|r| r.id != send.id);
    assert_eq!((Page::field(&send, "data[type]"), Page::field(&send, "data[text]")), (Some("Text".into()), Some("are you there?".into())));
    p.respond(&send, 200, r#"{"status":{"code":0},"data":{"chatEnded":false}}"#);
    assert!(p.outcome(id).is_some_and(|o| o.ok));
}

/// sendMessage and sendTyping post data[type]; a refused send publishes the jqXHR as the
/// error and rejects with undefined; without a session they reject with the dotted text.
#[test]
fn sends_and_typing() {
    let mut p = booted("");
    let id = p.cmd("sendMessage", r#"{"message":"hi"}"#);
    assert_eq!(p.rejected_text(id), "There is no active chat session.");
    let mut p = chatting();
    let id = p.cmd("sendMessage", r#"{"message":"hi"}"#);
    let req = p.take("/s-1/messages");
    assert_eq!(req.method, "POST");
    // A refusal for good (a 5xx is retried: tests/engine_faults.rs).
    p.respond(&req, 400, r#"{"status":{"code":"INVALID_MESSAGE"}}"#);
    assert_eq!(p.rejected(id), Value::Undefined);
    assert_eq!(item(&p.event("error"), "errors", 0).path("status").as_f64(), Some(400.0), "the jqXHR itself");
    let id = p.cmd("sendTyping", "{}");
    let req = p.take("/s-1/messages");
    assert_eq!(Page::field(&req, "data[type]").as_deref(), Some("TypingStarted"));
    p.respond(&req, 200, r#"{"status":{"code":0},"data":{}}"#);
    assert!(p.outcome(id).is_some_and(|o| o.ok));
    p.advance(2100);
    assert!(p.events().contains(&"clientTypingStopped"));
    let req = p.http.iter().find(|r| r.method == "POST").cloned().expect("a typing request");
    assert_eq!(Page::field(&req, "data[type]").as_deref(), Some("TypingStopped"));
}

/// endChat deletes the visitor, stops polling, ends the chat (clientDisconnected, ended),
/// resolves with the answer and removes the cookies.
#[test]
fn end_chat_deletes_the_visitor() {
    let mut p = chatting();
    let id = p.cmd("endChat", "{}");
    let req = p.take("/s-1/participants/p-1");
    assert_eq!(req.method, "DELETE");
    assert!(p.events().contains(&"pollingStopped"));
    p.respond(&req, 200, r#"{"status":{"code":0},"data":{"chatEnded":true}}"#);
    for e in ["clientDisconnected", "ended", "agentDisconnected"] {
        assert!(p.events().contains(&e), "{e}");
    }
    assert!(p.outcome(id).is_some_and(|o| o.ok));
    assert!(!p.host.store.contains_key(cookies::KEYS) && !p.host.store.contains_key(cookies::SESSION));
    p.advance(5000);
    assert!(p.http.is_empty(), "no poll after the end");
}

/// The server forgetting the session (404 INVALID_SESSION) publishes sessionLost and
/// the error, stops polling and clears the cookies; the server ending the chat
/// (chatEnded) only stops polling, as shipped.
#[test]
fn session_lost_and_server_end() {
    let mut p = chatting();
    let poll = next_poll(&mut p);
    p.respond(&poll, 404, r#"{"status":{"code":"INVALID_SESSION","message":"gone"}}"#);
    assert_eq!(p.event("sessionLost").get("status").as_f64(), Some(404.0));
    assert!(p.events().contains(&"pollingStopped"));
    assert!(!p.s.is_active());
    assert!(!p.host.store.contains_key(cookies::KEYS));
    let mut p = chatting();
    let poll = next_poll(&mut p);
    p.respond(&poll, 200, &messages("", true));
    // Deliberate: the chat the server ended is ended (the shipped one only stops polling).
    assert_eq!(p.events(), ["pollingStarted", "pollingStopped", "ended"]);
    p.advance(5000);
    assert!(p.http.is_empty());
}

/// A new page restores from the cookies: capabilities, the whole transcript (count
/// 10000 without pagination), restored, then polling; messages come back in index order.
#[test]
fn a_new_page_restores_from_the_cookies() {
    let mut host = MemoryHost::default();
    host.store.insert(cookies::KEYS.into(), TOKEN.into());
    host.store.insert(cookies::SESSION.into(), "s-1".into());
    let mut p = Page::boot(&config(""), host);
    let req = p.take("/s-1/messages?count=10000");
    assert_eq!(header(&req, "x-nexus-client-key").as_deref(), Some(TOKEN));
    assert!(p.events().contains(&"capabilitiesChanged"));
    p.mark();
    p.respond(&req, 200, &messages(&format!("{},{}", agent(3, "Text", "second"), agent(2, "Text", "first")), false));
    let t = p.trace();
    let at = |l: &str| t.iter().position(|x| x == l).unwrap_or_else(|| panic!("{l} in {t:?}"));
    assert!(at("event restored") < at("event pollingStarted"));
    assert!(at("event pollingStarted") < at("event messageReceived"));
    let m = p.event("messageReceived");
    assert_eq!((item(&m, "messages", 0).path("text").as_str(), item(&m, "messages", 1).path("text").as_str()), (Some("first"), Some("second")));
    assert!(p.s.is_active());
    assert!(p.has_request("/s-1/messages?operationId="));
}

/// Commands this transport does not have reject with the shipped texts.
#[test]
fn unsupported_commands_reject_with_the_shipped_texts() {
    let mut p = chatting();
    for (name, text) in [
        ("getFileLimits", "This transport doesn't support getFileLimits command."),
        ("downloadFile", "This transport doesn't support file download."),
        ("sendCustomNotice", "This transport doesn't support sendCustomNotice command."),
        ("resetPollExceptions", "This transport doesn't support any poll Exceptions."),
        ("fetchHistory", "Fetching messages history applies to only Asynchronous chat."),
    ] {
        let id = p.cmd(name, "{}");
        assert_eq!(p.rejected_text(id), text, "{name}");
    }
}

/// sendFile uploads the chosen image to …/images (the File as the part `file`, then the
/// operationId) and resolves with the answer's text; a refusal publishes the prefixed code.
#[test]
fn send_file_uploads_an_image() {
    let mut p = chatting();
    let id = p.send_file(Some(FileInfo { name: "me.png".into(), size: 4, mime: "image/png".into() }));
    let req = p.take("/s-1/images");
    assert!(matches!(&req.body, webchatservice::engine::Body::Multipart { file: Some(_), fields } if fields[0].0 == "operationId"));
    p.respond(&req, 200, r#"{"status":{"code":0},"data":{"index":"3"}}"#);
    assert_eq!(p.resolved(id).as_str(), Some(r#"{"status":{"code":0},"data":{"index":"3"}}"#));
    let id = p.send_file(Some(FileInfo { name: "a.txt".into(), size: 4, mime: "text/plain".into() }));
    let req = p.take("/s-1/images");
    p.respond(&req, 400, r#"{"status":{"code":"INVALID_FILE_TYPE","message":"only images can be sent"}}"#);
    assert_eq!(p.rejected(id).get("status").as_f64(), Some(400.0));
    assert_eq!(item(&p.event("error"), "errors", 0).path("code").as_str(), Some("pureengage-v3-rest-INVALID_FILE_TYPE"));
}

/// A received image is fetched from the sessions URL without `/sessions` plus its URL,
/// with the client key, and published as a data URL in both the message and its
/// original; the message's events wait for it. One that cannot be fetched keeps its URL.
#[test]
fn received_images_become_data_urls() {
    let mut p = chatting();
    let poll = next_poll(&mut p);
    let image = r#"{"index":"2","type":"Text","text":"look","from":{"nickname":"Anna","type":"Agent","participantId":"a-1"},"content":[{"type":"image","mime":"image/png","url":"/images/i1"}]}"#;
    p.respond(&poll, 200, &messages(image, false));
    assert_eq!(p.count("messageReceived"), 0, "it waits for the image");
    let get = p.take("http://nexus.test/nexus/v3/chat/images/i1");
    assert_eq!(get.read, webchatservice::engine::output::ReadBody::DataUrl);
    assert_eq!(header(&get, "x-nexus-client-key").as_deref(), Some(TOKEN));
    p.respond(&get, 200, "data:image/png;base64,AAAA");
    let m = p.event("messageReceived");
    assert_eq!(item(&item(&m, "messages", 0), "content", 0).get("url").as_str(), Some("data:image/png;base64,AAAA"));
    assert_eq!(item(&item(&m, "originalMessages", 0), "content", 0).get("url").as_str(), Some("data:image/png;base64,AAAA"));
    let poll = next_poll(&mut p);
    p.respond(&poll, 200, &messages(&image.replace(r#""index":"2""#, r#""index":"3""#).replace("i1", "i2"), false));
    let get = p.take("/images/i2");
    p.respond(&get, 404, r#"{"status":{"code":"NOT_FOUND"}}"#);
    let m = p.event("messageReceived");
    assert_eq!(item(&item(&m, "messages", 0), "content", 0).get("url").as_str(), Some("http://nexus.test/nexus/v3/chat/images/i2"));
}

//! Faults on every transport, with a simulated clock (issue 17): a refused start leaves
//! the plugin ready to start again; a send is never lost (retried until the server has
//! it, rejected only when refused for good) and never doubled (a copy seen while it was
//! in flight makes it delivered); a failed catch-up is tried again from the same point;
//! every Nexus request has a deadline and a poll after a failure asks from the page's
//! own last index; a chat the server ends is ended.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use support::page::Page;
use webchatservice::engine::host::MemoryHost;
use webchatservice::engine::output::{HttpRequest, NetError, SocketEvent};
use webchatservice::engine::Value;

// ---------------------------------------------------------------- GMS

const GMS: &str = r#"{"dataURL":"http://gms.test/genesys/2/chat/customer-support","userData":{"a":"1"},"ajaxTimeout":3000}"#;

fn gms_started() -> String {
    r#"{"chatId":"0001","statusCode":0,"alias":"101","secureKey":"key1","userId":"U1","chatEnded":false,"nextPosition":2,"messages":[]}"#.to_owned()
}

fn gms_refresh(messages: &str) -> String {
    format!(r#"{{"chatId":"0001","statusCode":0,"alias":"101","secureKey":"key1","userId":"U1","chatEnded":false,"messages":[{messages}]}}"#)
}

fn gms_own(index: u32, text: &str) -> String {
    format!(r#"{{"type":"Message","from":{{"nickname":"Jane","participantId":1,"type":"Client"}},"index":{index},"utcTime":1600000000000,"text":"{text}"}}"#)
}

fn gms_chatting() -> Page {
    let mut p = Page::boot(GMS, MemoryHost::default());
    p.cmd("startChat", r#"{"nickname":"Jane"}"#);
    let start = p.take("customer-support/");
    p.respond(&start, 200, &gms_started());
    p.mark();
    p
}

fn gms_next_poll(p: &mut Page) -> HttpRequest {
    for _ in 0..200 {
        if p.has_request("/refresh") {
            return p.take("/refresh");
        }
        assert!(p.tick_until(u64::MAX), "no poll is planned");
    }
    panic!("no poll came")
}

/// GMS: a start refused (503, 401, no answer) rejects, and the next startChat starts.
#[test]
fn gms_a_refused_start_leaves_the_plugin_ready_to_start() {
    let mut p = Page::boot(GMS, MemoryHost::default());
    for (status, body) in [(503u16, ""), (401, r#"{"errors":[{"code":401,"advice":"no"}]}"#), (0, "")] {
        let id = p.cmd("startChat", r#"{"nickname":"Jane"}"#);
        let req = p.take("customer-support/");
        if status == 0 {
            p.no_answer(&req, NetError::Network("refused".into()));
        } else {
            p.respond(&req, status, body);
        }
        assert!(p.outcome(id).is_some_and(|o| !o.ok), "{status}: rejected");
        p.advance(100);
    }
    let id = p.cmd("startChat", r#"{"nickname":"Jane"}"#);
    let req = p.take("customer-support/");
    p.respond(&req, 200, &gms_started());
    assert!(p.outcome(id).is_some_and(|o| o.ok), "the fourth start works");
}

/// GMS: the send's copy came back in a poll while the send was in flight, then its answer
/// was lost: it is delivered, not sent a second time.
#[test]
fn gms_a_send_seen_while_in_flight_is_not_sent_twice() {
    let mut p = gms_chatting();
    let id = p.cmd("sendMessage", r#"{"message":"one"}"#);
    let send = p.take("/send");
    let poll = gms_next_poll(&mut p);
    p.respond(&poll, 200, &gms_refresh(&gms_own(1, "one")));
    p.no_answer(&send, NetError::Timeout);
    assert!(p.outcome(id).is_some_and(|o| o.ok), "settled as delivered");
    let poll = gms_next_poll(&mut p);
    p.respond(&poll, 200, &gms_refresh(""));
    assert!(!p.has_request("/send"), "not sent again");
}

/// GMS: a send answered 500 is not rejected (the UI already cleared its input); it goes
/// again once a poll shows it did not arrive. A 400 rejects.
#[test]
fn gms_a_send_answered_500_is_retried_and_a_400_rejects() {
    let mut p = gms_chatting();
    let id = p.cmd("sendMessage", r#"{"message":"two"}"#);
    let send = p.take("/send");
    p.respond(&send, 500, "");
    assert!(p.outcome(id).is_none(), "not rejected");
    let poll = gms_next_poll(&mut p);
    p.respond(&poll, 200, &gms_refresh(""));
    let again = p.take("/send");
    assert_eq!(Page::field(&again, "message").as_deref(), Some("two"));
    p.respond(&again, 200, &gms_refresh(""));
    assert!(p.outcome(id).is_some_and(|o| o.ok));

    let id = p.cmd("sendMessage", r#"{"message":"three"}"#);
    let send = p.take("/send");
    p.respond(&send, 400, r#"{"errors":[{"code":102,"advice":"too long"}]}"#);
    assert!(p.outcome(id).is_some_and(|o| !o.ok), "refused for good");
}

// ---------------------------------------------------------------- guest chat

const API: &str = "https://api.test";
const ME: &str = "me-1";

fn guest_config() -> String {
    format!(r#"{{"transport":{{"type":"purecloud-v2-sockets","dataURL":"{API}","deploymentKey":"dep","orgGuid":"org","interactionData":{{"routing":{{"targetType":"QUEUE","targetAddress":"Support"}}}}}}}}"#)
}

fn created() -> String {
    format!(r#"{{"id":"conv-1","jwt":"jwt-1","eventStreamUri":"wss://stream.test/s","member":{{"id":"{ME}"}}}}"#)
}

fn member(id: &str, name: &str, role: &str) -> String {
    format!(r#"{{"id":"{id}","displayName":"{name}","role":"{role}","state":"CONNECTED"}}"#)
}

fn frame(id: &str, sender: &str, body: &str, second: u32) -> String {
    format!(r#"{{"topicName":"t","eventBody":{{"id":"{id}","conversation":{{"id":"conv-1"}},"sender":{{"id":"{sender}"}},"body":"{body}","bodyType":"standard","timestamp":"2020-09-13T12:26:{second:02}.000Z"}},"metadata":{{"type":"message"}}}}"#)
}

fn entity(id: &str, sender: &str, body: &str, second: u32) -> String {
    format!(r#"{{"id":"{id}","conversation":{{"id":"conv-1"}},"sender":{{"id":"{sender}"}},"body":"{body}","bodyType":"standard","timestamp":"2020-09-13T12:26:{second:02}.000Z"}}"#)
}

fn socket(p: &Page) -> u64 {
    p.sockets.last().map(|(id, _)| *id).expect("a socket is open")
}

fn guest_chatting() -> Page {
    let mut p = Page::boot(&guest_config(), MemoryHost::default());
    p.cmd("startChat", r#"{"form":{"firstname":"Jane"}}"#);
    let create = p.take("/conversations");
    p.respond(&create, 200, &created());
    let s = socket(&p);
    p.socket(s, SocketEvent::Opened);
    let me = p.take(&format!("/members/{ME}"));
    p.respond(&me, 200, &member(ME, "Jane", "CUSTOMER"));
    // An agent is known, so its frames are published without a lookup.
    let s = socket(&p);
    p.socket(s, SocketEvent::Message(frame("m1", "agent-1", "hello", 1)));
    let r = p.take("/members/agent-1");
    p.respond(&r, 200, &member("agent-1", "Anna", "AGENT"));
    p.mark();
    p
}

/// Drops the stream and lets it reconnect; returns the catch-up request.
fn drop_and_reconnect(p: &mut Page) -> HttpRequest {
    let s = socket(p);
    p.socket(s, SocketEvent::Closed);
    for _ in 0..20 {
        if p.sockets.last().is_some_and(|(id, _)| *id != s) {
            break;
        }
        assert!(p.tick_until(u64::MAX), "a reconnect is planned");
    }
    let s = socket(p);
    p.socket(s, SocketEvent::Opened);
    p.take("/messages?after=")
}

fn texts_received(p: &Page) -> Vec<String> {
    p.seen_events("messageReceived").iter().flat_map(|e| e.get("messages").as_array().cloned().unwrap_or_default()).map(|m| m.get("text").to_js_string()).collect()
}

/// Guest chat: a start refused (503, 401, no answer) or whose stream never opens rejects,
/// and the next startChat starts.
#[test]
fn guest_a_refused_start_leaves_the_plugin_ready_to_start() {
    let mut p = Page::boot(&guest_config(), MemoryHost::default());
    for status in [503u16, 401, 0] {
        let id = p.cmd("startChat", r#"{"form":{"firstname":"Jane"}}"#);
        let req = p.take("/conversations");
        if status == 0 {
            p.no_answer(&req, NetError::Network("refused".into()));
        } else {
            p.respond(&req, status, r#"{"message":"no","code":"bad.request","status":400}"#);
        }
        assert!(p.outcome(id).is_some_and(|o| !o.ok), "{status}: rejected");
    }
    let id = p.cmd("startChat", r#"{"form":{"firstname":"Jane"}}"#);
    let req = p.take("/conversations");
    p.respond(&req, 200, &created());
    let s = socket(&p);
    p.socket(s, SocketEvent::Closed);
    assert!(p.outcome(id).is_some_and(|o| !o.ok), "a stream that never opens rejects");
    let id = p.cmd("startChat", r#"{"form":{"firstname":"Jane"}}"#);
    let req = p.take("/conversations");
    p.respond(&req, 200, &created());
    let s = socket(&p);
    p.socket(s, SocketEvent::Opened);
    assert!(p.outcome(id).is_some_and(|o| o.ok), "the next start works");
}

/// Guest chat: a catch-up that fails is tried again from where the stream left off, not
/// from a message that arrived live meanwhile, so what the server took during the drop
/// is published.
#[test]
fn guest_a_failed_catch_up_is_retried_from_the_same_point() {
    let mut p = guest_chatting();
    let catch_up = drop_and_reconnect(&mut p);
    assert!(catch_up.url.contains("after=m1"), "{}", catch_up.url);
    p.respond(&catch_up, 500, "");
    // A live message after the reconnect moves the shipped `lastMessageId` ...
    let s = socket(&p);
    p.socket(s, SocketEvent::Message(frame("m5", "agent-1", "after", 30)));
    if p.has_request(&format!("/members/{ME}")) {
        let me = p.take(&format!("/members/{ME}"));
        p.respond(&me, 200, &member(ME, "Jane", "CUSTOMER"));
    }
    // ... but the retry asks from m1 again.
    for _ in 0..20 {
        if p.has_request("/messages?after=") {
            break;
        }
        assert!(p.tick_until(u64::MAX), "a retry is planned");
    }
    let retry = p.take("/messages?after=");
    assert!(retry.url.contains("after=m1"), "{}", retry.url);
    p.respond(&retry, 200, &format!(r#"{{"entities":[{},{}]}}"#, entity("m2", "agent-1", "missed", 10), entity("m5", "agent-1", "after", 30)));
    if p.has_request("/members?") || p.has_request("/members") {
        let m = p.take("/members");
        p.respond(&m, 200, &format!(r#"{{"entities":[{}]}}"#, member("agent-1", "Anna", "AGENT")));
    }
    let got = texts_received(&p);
    assert_eq!(got.iter().filter(|t| *t == "missed").count(), 1, "{got:?}");
    assert_eq!(got.iter().filter(|t| *t == "after").count(), 1, "{got:?}");
}

/// Guest chat: a send whose copy came back in the catch-up while it was in flight is
/// delivered when its answer is lost, not sent again.
#[test]
fn guest_a_send_seen_while_in_flight_is_not_sent_twice() {
    let mut p = guest_chatting();
    let id = p.cmd("sendMessage", r#"{"message":"one"}"#);
    let send = p.take(&format!("/members/{ME}/messages"));
    let catch_up = drop_and_reconnect(&mut p);
    p.respond(&catch_up, 200, &format!(r#"{{"entities":[{}]}}"#, entity("m2", ME, "one", 5)));
    if p.has_request("/members") {
        let m = p.take("/members");
        p.respond(&m, 200, &format!(r#"{{"entities":[{},{}]}}"#, member("agent-1", "Anna", "AGENT"), member(ME, "Jane", "CUSTOMER")));
    }
    p.no_answer(&send, NetError::Timeout);
    assert!(p.outcome(id).is_some_and(|o| o.ok), "delivered");
    p.advance(10_000);
    assert!(!p.has_request(&format!("/members/{ME}/messages")), "not sent again");
}

/// Guest chat: a send answered 500 is not rejected and goes again once the server's
/// messages show it missing; a text the server refuses (400) rejects with its reason.
#[test]
fn guest_a_send_answered_500_is_retried_and_a_refusal_gives_the_reason() {
    let mut p = guest_chatting();
    let id = p.cmd("sendMessage", r#"{"message":"two"}"#);
    let send = p.take(&format!("/members/{ME}/messages"));
    p.respond(&send, 503, "");
    assert!(p.outcome(id).is_none(), "not rejected");
    for _ in 0..20 {
        if p.has_request("/messages?after=") {
            break;
        }
        assert!(p.tick_until(u64::MAX), "a check is planned");
    }
    let check = p.take("/messages?after=");
    p.respond(&check, 200, r#"{"entities":[]}"#);
    if p.has_request("/members") {
        let m = p.take("/members");
        p.respond(&m, 200, r#"{"entities":[]}"#);
    }
    let again = p.take(&format!("/members/{ME}/messages"));
    p.respond(&again, 200, r#"{"id":"m9"}"#);
    assert!(p.outcome(id).is_some_and(|o| o.ok));

    let long = "x".repeat(4001);
    let id = p.cmd("sendMessage", &format!(r#"{{"message":"{long}"}}"#));
    let send = p.take(&format!("/members/{ME}/messages"));
    p.respond(&send, 400, r#"{"message":"The message body exceeds 4000 characters","code":"bad.request","status":400}"#);
    assert_eq!(p.rejected(id), Value::str("The message body exceeds 4000 characters"));
}

// ---------------------------------------------------------------- Nexus v3

const S: &str = "http://nexus.test/nexus/v3/chat/sessions";
/// Payload {"sessionId":"s-1","transportId":"t-1","participantId":"p-1"}.
const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzZXNzaW9uSWQiOiJzLTEiLCJ0cmFuc3BvcnRJZCI6InQtMSIsInBhcnRpY2lwYW50SWQiOiJwLTEifQ.sig";

fn nexus_config(extra: &str) -> String {
    format!(r#"{{"transport":{{"type":"pureengage-v3-rest","dataURL":"{S}","endpoint":"ep","headers":{{"x-api-key":"k"}},"pollTimeout":1000{extra}}}}}"#)
}

fn nexus_created() -> String {
    format!(r#"{{"status":{{"code":0}},"data":{{"clientToken":"{TOKEN}"}}}}"#)
}

fn nexus_messages(list: &str, ended: bool) -> String {
    format!(r#"{{"status":{{"code":0}},"data":{{"chatEnded":{ended},"messages":[{list}]}}}}"#)
}

fn nexus_msg(index: u32, role: &str, text: &str) -> String {
    format!(r#"{{"index":"{index}","type":"Text","text":"{text}","utcTime":1600000000000,"from":{{"nickname":"N","type":"{role}","participantId":"x"}}}}"#)
}

fn nexus_chatting(host: MemoryHost, extra: &str) -> Page {
    let mut p = Page::boot(&nexus_config(extra), host);
    p.cmd("startChat", r#"{"form":{"firstname":"Jane"}}"#);
    let create = p.take("/sessions");
    p.respond(&create, 200, &nexus_created());
    let poll = p.take("/s-1/messages");
    p.respond(&poll, 200, &nexus_messages(&nexus_msg(1, "Agent", "hi"), false));
    p.mark();
    p
}

fn nexus_next_poll(p: &mut Page) -> HttpRequest {
    for _ in 0..50 {
        if p.has_request("/s-1/messages?") {
            return p.take("/s-1/messages?");
        }
        assert!(p.tick_until(u64::MAX), "no poll is planned");
    }
    panic!("no poll came")
}

/// The oldest create request (polls of the chat share the `/sessions` prefix).
fn take_create(p: &mut Page) -> HttpRequest {
    let at = p.http.iter().position(|r| r.method == "POST" && r.url == S).expect("a create request");
    p.http.remove(at)
}

fn header(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
}

/// Nexus: a start refused (401, 403 with a status envelope, 503, a body that is not
/// JSON, no answer) rejects, publishes `error`, and the next startChat starts.
#[test]
fn nexus_a_refused_start_leaves_the_plugin_ready_to_start() {
    let mut p = Page::boot(&nexus_config(""), MemoryHost::default());
    let refusals: [(u16, &str); 5] = [
        (401, r#"{"status":{"code":"AUTHENTICATION_REQUIRED","message":"no key"}}"#),
        (403, r#"{"status":{"code":"INVALID_CONTACT_CENTER","message":"bad key"}}"#),
        (503, "Service Unavailable"),
        (200, "<html>not json</html>"),
        (0, ""),
    ];
    for (status, body) in refusals {
        p.mark();
        let id = p.cmd("startChat", r#"{"form":{"firstname":"Jane"}}"#);
        let req = take_create(&mut p);
        if status == 0 {
            p.no_answer(&req, NetError::Network("refused".into()));
        } else {
            p.respond(&req, status, body);
        }
        assert!(p.outcome(id).is_some_and(|o| !o.ok), "{status}: rejected");
        assert!(p.events().contains(&"error"), "{status}: error published");
    }
    let id = p.cmd("startChat", r#"{"form":{"firstname":"Jane"}}"#);
    let req = take_create(&mut p);
    p.respond(&req, 200, &nexus_created());
    assert!(p.outcome(id).is_some_and(|o| o.ok), "the next start works");
}

/// Nexus: every poll has a deadline, and a poll that got no answer is followed by one
/// that asks from the page's own last index (the server's cursor may have moved past
/// what the lost answer carried).
#[test]
fn nexus_polls_have_a_deadline_and_resume_from_the_own_index() {
    let mut p = nexus_chatting(MemoryHost::default(), "");
    let poll = nexus_next_poll(&mut p);
    assert!(poll.timeout_ms > 0, "a poll has a deadline");
    assert!(!poll.url.contains("index="), "a plain poll: {}", poll.url);
    p.no_answer(&poll, NetError::Timeout);
    assert!(p.events().contains(&"disconnected"));
    let poll = nexus_next_poll(&mut p);
    assert!(poll.url.contains("index=1"), "from the own last index: {}", poll.url);
    p.respond(&poll, 200, &nexus_messages(&format!("{},{}", nexus_msg(1, "Agent", "hi"), nexus_msg(2, "Agent", "lost once")), false));
    let got: Vec<String> = p.seen_events("messageReceived").iter().flat_map(|e| e.get("messages").as_array().cloned().unwrap_or_default()).map(|m| m.get("text").to_js_string()).collect();
    assert_eq!(got, ["lost once"], "the missed message once, the seen one not again");
    let poll = nexus_next_poll(&mut p);
    assert!(!poll.url.contains("index="), "plain again after a good answer: {}", poll.url);
}

/// Nexus: a send that failed in transit (500, no answer) is not rejected; it goes again
/// only when a poll shows it missing, and a copy seen in a poll settles it.
#[test]
fn nexus_sends_that_fail_in_transit_are_retried_not_rejected() {
    let mut p = nexus_chatting(MemoryHost::default(), "");
    let id = p.cmd("sendMessage", r#"{"message":"first"}"#);
    let send = p.take("/s-1/messages");
    p.respond(&send, 500, "");
    assert!(p.outcome(id).is_none(), "not rejected");
    let poll = nexus_next_poll(&mut p);
    p.respond(&poll, 200, &nexus_messages("", false));
    let again = p.take("/s-1/messages");
    assert_eq!(Page::field(&again, "data[text]").as_deref(), Some("first"));
    assert_eq!(Page::field(&again, "operationId"), Page::field(&send, "operationId"), "the same operationId: a server may keep it once");
    // The server took it, the answer is lost, the copy comes in the next poll.
    p.no_answer(&again, NetError::Timeout);
    let poll = nexus_next_poll(&mut p);
    p.respond(&poll, 200, &nexus_messages(&nexus_msg(2, "Customer", "first"), false));
    assert!(p.outcome(id).is_some_and(|o| o.ok), "settled by its copy");
    p.advance(5_000);
    let sends = p.http.iter().filter(|r| r.method == "POST" && r.url.ends_with("/s-1/messages")).count();
    assert_eq!(sends, 0, "not sent a third time");
}

/// Nexus: a send whose copy came back while it was in flight is delivered when its
/// answer is lost.
#[test]
fn nexus_a_send_seen_while_in_flight_is_not_sent_twice() {
    let mut p = nexus_chatting(MemoryHost::default(), "");
    let id = p.cmd("sendMessage", r#"{"message":"one"}"#);
    let send = p.take("/s-1/messages");
    let poll = nexus_next_poll(&mut p);
    p.respond(&poll, 200, &nexus_messages(&nexus_msg(2, "Customer", "one"), false));
    p.no_answer(&send, NetError::Timeout);
    assert!(p.outcome(id).is_some_and(|o| o.ok));
    let poll = nexus_next_poll(&mut p);
    p.respond(&poll, 200, &nexus_messages("", false));
    assert!(!p.http.iter().any(|r| r.method == "POST" && r.url.ends_with("/s-1/messages")), "not sent again");
}

/// Nexus: the agent ending the chat (`chatEnded`) ends it on the bus: the messages that
/// came with it, then `ended`; sends reject; the next startChat starts a new chat.
#[test]
fn nexus_a_chat_the_server_ends_is_ended() {
    let mut p = nexus_chatting(MemoryHost::default(), "");
    let poll = nexus_next_poll(&mut p);
    let left = r#"{"index":"3","type":"ParticipantLeft","utcTime":1600000000000,"from":{"nickname":"Anna","type":"Agent","participantId":"a"}}"#;
    p.respond(&poll, 200, &nexus_messages(left, true));
    let ev = p.events();
    let at = |e: &str| ev.iter().position(|x| *x == e).unwrap_or_else(|| panic!("{e} in {ev:?}"));
    assert!(at("agentDisconnected") < at("ended"));
    assert!(p.trace().iter().any(|l| l == "data sessionActive=false"));
    let id = p.cmd("sendMessage", r#"{"message":"anyone?"}"#);
    assert!(p.outcome(id).is_some_and(|o| !o.ok));
    let id = p.cmd("startChat", r#"{"form":{"firstname":"Jane"}}"#);
    let req = take_create(&mut p);
    p.respond(&req, 200, &nexus_created());
    assert!(p.outcome(id).is_some_and(|o| o.ok), "a new chat starts");
}

/// Nexus async mode: after endChat, a second chat on the same page is created without
/// the ended chat's stored client key (the server refuses that key).
#[test]
fn nexus_async_a_second_chat_does_not_carry_the_ended_key() {
    let mut host = MemoryHost::default();
    host.callbacks.open_and_save = true;
    host.callbacks.delete = true;
    host.stored = Some(TOKEN.to_owned());
    let mut p = Page::boot(&nexus_config(r#","async":{"enabled":true}"#), host);
    // The stored token's chat is re-created on load; let the page forget it.
    if p.has_request("/sessions") {
        let r = take_create(&mut p);
        p.respond(&r, 401, r#"{"status":{"code":"INVALID_SESSION"}}"#);
    }
    p.host.stored = None;
    let id = p.cmd("startChat", r#"{"form":{"firstname":"Jane"}}"#);
    let create = take_create(&mut p);
    p.respond(&create, 200, &nexus_created());
    assert!(p.outcome(id).is_some_and(|o| o.ok));
    p.host.stored = Some(TOKEN.to_owned());
    let end = p.cmd("endChat", "{}");
    let leave = p.take("/participants/");
    p.respond(&leave, 200, r#"{"status":{"code":0}}"#);
    assert!(p.outcome(end).is_some_and(|o| o.ok));
    let id = p.cmd("startChat", r#"{"form":{"firstname":"Jane"}}"#);
    let create = take_create(&mut p);
    assert_eq!(header(&create, "x-nexus-client-key"), None, "no key of the ended chat");
    p.respond(&create, 200, &nexus_created());
    assert!(p.outcome(id).is_some_and(|o| o.ok), "the second chat starts");
}

// ---------------------------------------------------------------- restores after a reload

/// GMS: the restore's refresh answered 503 (no reason) after a reload is tried again, and
/// the chat comes back (it used to be given up at once: the next send was refused).
#[test]
fn gms_a_restore_that_meets_a_503_is_tried_again() {
    let mut host = MemoryHost::default();
    host.store.insert(webchatservice::engine::keys::SESSION.into(), "0001".into());
    host.store.insert(webchatservice::engine::keys::KEYS.into(), r#"{"secureKey":"key1","alias":"101","userId":"U1"}"#.into());
    let mut p = Page::boot(GMS, host);
    let r = p.take("/0001/refresh");
    p.respond(&r, 503, "");
    assert!(!p.events().contains(&"restoreFailed"), "{:?}", p.trace());
    assert!(p.tick_until(u64::MAX), "a retry is planned");
    let r = p.take("/0001/refresh");
    p.respond(&r, 200, &gms_refresh(&gms_own(1, "before")));
    assert!(p.events().contains(&"restored"));
    assert!(p.s.is_active());
}

/// Guest chat: the restore's first page answered 503 is fetched again, so the transcript
/// shows (it used to stay empty for good).
#[test]
fn guest_a_restore_page_that_meets_a_503_is_fetched_again() {
    let mut host = MemoryHost::default();
    for (k, v) in [("jwt", "jwt-1"), ("conversationId", "conv-1"), ("memberId", ME), ("WebSocketUrl", "wss://stream.test/s")] {
        let name = webchatservice::engine::guest::cookies::ALL.iter().find(|(_, key)| *key == k).map(|(n, _)| *n).expect("a cookie for the key");
        host.store.insert(name.into(), v.into());
    }
    let mut p = Page::boot(&guest_config(), host);
    let me = p.take(&format!("/members/{ME}"));
    p.respond(&me, 200, &member(ME, "Jane", "CUSTOMER"));
    let s = socket(&p);
    p.socket(s, SocketEvent::Opened);
    let page = p.take("/conversations/conv-1/messages");
    p.respond(&page, 503, "");
    assert!(!p.events().contains(&"error"), "{:?}", p.events());
    for _ in 0..5 {
        if p.has_request("/conversations/conv-1/messages") {
            break;
        }
        assert!(p.tick_until(u64::MAX), "a retry is planned");
    }
    let page = p.take("/conversations/conv-1/messages");
    p.respond(&page, 200, &format!(r#"{{"entities":[{}],"pageSize":100}}"#, entity("m1", "agent-1", "before", 1)));
    if p.has_request("/members") {
        let m = p.take("/members");
        p.respond(&m, 200, &format!(r#"{{"entities":[{}]}}"#, member("agent-1", "Anna", "AGENT")));
    }
    assert!(texts_received(&p).contains(&"before".to_owned()), "{:?}", texts_received(&p));
}

/// Nexus: the restore's page answered 503 after a reload is fetched again and the chat
/// goes on (it used to be given up and its cookies removed).
#[test]
fn nexus_a_restore_that_meets_a_503_is_tried_again() {
    let mut host = MemoryHost::default();
    host.store.insert(webchatservice::engine::nexus::cookies::KEYS.into(), TOKEN.into());
    host.store.insert(webchatservice::engine::nexus::cookies::SESSION.into(), "s-1".into());
    let mut p = Page::boot(&nexus_config(""), host);
    let r = p.take("/s-1/messages?count=");
    p.respond(&r, 503, "");
    assert!(!p.events().contains(&"restoreFailed"));
    assert!(p.tick_until(u64::MAX), "a retry is planned");
    let r = p.take("/s-1/messages?count=");
    p.respond(&r, 200, &nexus_messages(&nexus_msg(1, "Agent", "before"), false));
    assert!(p.events().contains(&"restored"));
    assert!(p.s.is_active());
}

/// Guest chat: the chat ended while the restore's page waited to be fetched again: the
/// restore command settles (it was dropped with the retry, never answered).
#[test]
fn guest_a_restore_waiting_for_its_retry_settles_when_the_chat_ends() {
    let mut host = MemoryHost::default();
    for (k, v) in [("jwt", "jwt-1"), ("conversationId", "conv-1"), ("memberId", ME), ("WebSocketUrl", "wss://stream.test/s")] {
        let name = webchatservice::engine::guest::cookies::ALL.iter().find(|(_, key)| *key == k).map(|(n, _)| *n).expect("a cookie for the key");
        host.store.insert(name.into(), v.into());
    }
    let mut p = Page::boot(&guest_config(), host);
    let restore = p.cmd("restore", "{}");
    let me = p.take(&format!("/members/{ME}"));
    p.respond(&me, 200, &member(ME, "Jane", "CUSTOMER"));
    let s = socket(&p);
    p.socket(s, SocketEvent::Opened);
    let page = p.take("/conversations/conv-1/messages");
    p.respond(&page, 503, "");
    let end = p.cmd("endChat", "{}");
    let delete = p.take(&format!("/members/{ME}"));
    p.respond(&delete, 200, "");
    assert!(p.outcome(end).is_some());
    let waiting: Vec<u64> = [2, restore].into_iter().filter(|id| p.outcome(*id).is_none()).collect();
    assert!(waiting.is_empty(), "restore commands left unsettled: {waiting:?}");
    p.advance(60_000);
    assert!(!p.has_request("/conversations/conv-1/messages"), "no page for the ended chat");
}

/// Nexus: endChat while the restore's page waited to be fetched again: the ended chat is
/// not restored when the retry comes due (it was: `restored` after `ended`).
#[test]
fn nexus_a_restore_waiting_for_its_retry_does_not_outlive_the_end() {
    let mut host = MemoryHost::default();
    host.store.insert(webchatservice::engine::nexus::cookies::KEYS.into(), TOKEN.into());
    host.store.insert(webchatservice::engine::nexus::cookies::SESSION.into(), "s-1".into());
    let mut p = Page::boot(&nexus_config(""), host);
    let r = p.take("/s-1/messages?count=");
    p.respond(&r, 503, "");
    let end = p.cmd("endChat", "{}");
    assert!(p.outcome(end).is_some());
    p.mark();
    p.advance(60_000);
    assert!(!p.has_request("/s-1/messages?count="), "no restore of the ended chat");
    assert!(!p.events().contains(&"restored"), "{:?}", p.events());
}

/// Nexus v3: a send whose copy came back while it was in flight is delivered, not sent
/// again, also when a preprocessor changes the copy's text (the copy is matched as the
/// server sent it, as shipped).
#[test]
fn nexus_a_send_seen_in_flight_is_matched_before_the_preprocessors() {
    let host = MemoryHost { append_to_text: Some(" [edited]".into()), ..MemoryHost::default() };
    let mut p = nexus_chatting(host, "");
    let id = p.cmd("sendMessage", r#"{"message":"one"}"#);
    let send = p.take("/s-1/messages");
    let poll = nexus_next_poll(&mut p);
    p.respond(&poll, 200, &nexus_messages(&nexus_msg(2, "Customer", "one"), false));
    p.no_answer(&send, NetError::Timeout);
    assert!(p.outcome(id).is_some_and(|o| o.ok), "delivered");
    let poll = nexus_next_poll(&mut p);
    p.respond(&poll, 200, &nexus_messages("", false));
    assert!(!p.http.iter().any(|r| r.method == "POST" && r.url.ends_with("/s-1/messages")), "not sent again");
}

//! Nexus v3 restore paths as the shipped transport ends them (issue 17): each ends in a
//! restored chat or a clean failure, never in a state that refuses the next start;
//! `verifySession` waiting on a restore gets the controller's answer; `getSessionData`
//! answers `""` where the shipped decode of a missing token does.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use support::page::Page;
use webchatservice::engine::host::MemoryHost;
use webchatservice::engine::nexus::cookies;
use webchatservice::engine::Value;

const S: &str = "http://nexus.test/nexus/v3/chat/sessions";
/// Payload {"sessionId":"s-1","transportId":"t-1","participantId":"p-1"}.
const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzZXNzaW9uSWQiOiJzLTEiLCJ0cmFuc3BvcnRJZCI6InQtMSIsInBhcnRpY2lwYW50SWQiOiJwLTEifQ.sig";

fn config() -> String {
    format!(r#"{{"transport":{{"type":"pureengage-v3-rest","dataURL":"{S}","endpoint":"ep","headers":{{"x-api-key":"k"}},"pollTimeout":1000}}}}"#)
}

fn created() -> String {
    format!(r#"{{"status":{{"code":0}},"data":{{"clientToken":"{TOKEN}"}}}}"#)
}

fn with_cookies(keys: Option<&str>) -> MemoryHost {
    let mut host = MemoryHost::default();
    host.store.insert(cookies::SESSION.into(), "s-1".into());
    if let Some(k) = keys {
        host.store.insert(cookies::KEYS.into(), k.into());
    }
    host
}

/// A session cookie with a keys cookie that is no token: nothing is restored, the chat is
/// not marked active, and startChat starts (it used to answer "There is already an active
/// chat session" until a reload).
#[test]
fn a_garbage_keys_cookie_does_not_block_the_next_start() {
    let mut p = Page::boot(&config(), with_cookies(Some("not-a-token")));
    assert!(!p.trace().iter().any(|l| l == "data sessionActive=true"), "{:?}", p.trace());
    assert!(!p.has_request("/messages"), "nothing to restore");
    let id = p.cmd("startChat", r#"{"form":{"firstname":"Jane"}}"#);
    let create = p.take(S);
    p.respond(&create, 200, &created());
    assert!(p.outcome(id).is_some_and(|o| o.ok));
}

/// A verifySession waiting on a restore that fails answers `{sessionActive: false}` (the
/// session data is still set when the failure is handled; it answered true).
#[test]
fn verify_session_waiting_on_a_failed_restore_answers_false() {
    let mut p = Page::boot(&config(), with_cookies(Some(TOKEN)));
    let restore = p.take("/s-1/messages?count=");
    let id = p.cmd("verifySession", "{}");
    assert!(p.outcome(id).is_none(), "waits for the restore");
    p.respond(&restore, 500, r#"{"status":{"code":"INTERNAL_ERROR"}}"#);
    assert!(p.events().contains(&"restoreFailed"));
    assert_eq!(p.resolved(id).get("sessionActive"), &Value::Bool(false));
}

/// A verifySession waiting on a restore is answered when a configure makes the plugin
/// unusable meanwhile (found by the fuzz test, `FUZZ_SEED=14970`: it never settled).
#[test]
fn verify_session_waiting_on_a_restore_is_answered_when_a_configure_refuses_the_transport() {
    let mut p = Page::boot(&config(), with_cookies(Some(TOKEN)));
    let _restore = p.take("/s-1/messages?count=");
    let id = p.cmd("verifySession", "{}");
    assert!(p.outcome(id).is_none(), "waits for the restore");
    p.cmd("configure", r#"{"transport":{"type":"something-else"}}"#);
    assert_eq!(p.resolved(id).get("sessionActive"), &Value::Bool(false));
}

/// A message waiting to be sent is refused when a configure makes the plugin unusable
/// (found by the fuzz test, `FUZZ_SEED=16547`: it never settled).
#[test]
fn a_queued_message_settles_when_a_configure_refuses_the_transport() {
    let mut p = Page::boot(&config(), with_cookies(Some(TOKEN)));
    let restore = p.take("/s-1/messages?count=");
    p.respond(&restore, 200, r#"{"status":{"code":0},"data":{"messages":[]}}"#);
    let id = p.cmd("sendMessage", r#"{"message":"waiting"}"#);
    p.cmd("configure", r#"{"transport":{"type":"something-else"}}"#);
    assert!(p.outcome(id).is_some(), "it settles");
}

/// A verifySession waiting on a restore that succeeds answers `{sessionActive: true}`.
#[test]
fn verify_session_waiting_on_a_good_restore_answers_true() {
    let mut p = Page::boot(&config(), with_cookies(Some(TOKEN)));
    let restore = p.take("/s-1/messages?count=");
    let id = p.cmd("verifySession", "{}");
    p.respond(&restore, 200, r#"{"status":{"code":0},"data":{"messages":[]}}"#);
    assert_eq!(p.resolved(id).get("sessionActive"), &Value::Bool(true));
}

/// getSessionData answers `""` once the keys were looked for and are missing (as the
/// shipped decode of no token answers), an object once a chat has started.
#[test]
fn get_session_data_is_empty_text_without_keys() {
    let mut p = Page::boot(&config(), MemoryHost::default());
    let id = p.cmd("getSessionData", "{}");
    assert!(p.resolved(id).is_object(), "a fresh page: an object");
    p.cmd("verifySession", "{}");
    let id = p.cmd("getSessionData", "{}");
    assert_eq!(p.resolved(id), Value::str(""));
    p.cmd("startChat", r#"{"form":{"firstname":"Jane"}}"#);
    let create = p.take(S);
    p.respond(&create, 200, &created());
    let id = p.cmd("getSessionData", "{}");
    assert_eq!(p.resolved(id).get("sessionId").as_str(), Some("s-1"));
}

/// The first poll of a chat stopped before any answer publishes no `pollingStopped` (as
/// shipped: only a loop that planned a next poll says it stopped).
#[test]
fn stopping_before_the_first_answer_publishes_no_polling_stopped() {
    let mut p = Page::boot(&config(), MemoryHost::default());
    p.cmd("startChat", r#"{"form":{"firstname":"Jane"}}"#);
    let create = p.take(S);
    p.respond(&create, 200, &created());
    p.mark();
    let id = p.cmd("stopPoll", "{}");
    assert!(p.outcome(id).is_some_and(|o| o.ok));
    assert!(!p.events().contains(&"pollingStopped"), "{:?}", p.events());
}

/// Two agents joining in one restored page: the first `agentConnected` shows both, as the
/// shipped payload (the transport's live agents object, delivered after the batch) does.
#[test]
fn agents_of_one_answer_are_seen_as_after_the_answer() {
    let mut p = Page::boot(&config(), with_cookies(Some(TOKEN)));
    let restore = p.take("/s-1/messages?count=");
    let join = |i: u32, name: &str| format!(r#"{{"index":"{i}","type":"ParticipantJoined","utcTime":1600000000000,"from":{{"nickname":"{name}","type":"Agent","participantId":"a-{i}"}}}}"#);
    p.respond(&restore, 200, &format!(r#"{{"status":{{"code":0}},"data":{{"messages":[{},{}]}}}}"#, join(1, "Anna"), join(2, "Bob")));
    let first = p.seen_events("agentConnected").first().cloned().expect("agentConnected");
    assert_eq!(first.get("agents").as_object().map(|m| m.len()), Some(2), "{first:?}");
}

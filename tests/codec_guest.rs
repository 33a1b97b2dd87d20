//! Codec tests over recorded guest chat payloads (`tests/fixtures/guest/`: frames captured
//! from the real event stream, the swagger's shapes), fed through the engine.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use support::page::Page;
use webchatservice::engine::host::MemoryHost;
use webchatservice::engine::output::SocketEvent;
use webchatservice::engine::Value;

fn text(name: &str) -> String {
    let path = format!("{}/tests/fixtures/guest/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A chat started from the recorded create answer, with the recorded agent as a member.
fn chat() -> Page {
    let mut p = Page::boot(
        r#"{"transport":{"type":"purecloud-v2-sockets","dataURL":"https://api.test","deploymentKey":"d","orgGuid":"o","interactionData":{"routing":{"targetAddress":"Q"}}}}"#,
        MemoryHost::default(),
    );
    p.cmd("startChat", "{}");
    let create = p.take("/conversations");
    p.respond(&create, 200, &text("create-response.json"));
    let id = p.sockets[0].0;
    p.socket(id, SocketEvent::Opened);
    let me = p.take("/members/8dd184ac");
    p.respond(&me, 200, r#"{"id":"8dd184ac-c481-4d67-bb33-bd6976b1b5f0","displayName":"Jane","role":"CUSTOMER","state":"CONNECTED"}"#);
    p
}

/// The create answer's ids go to the socket URL, the JWT to the requests.
#[test]
fn create_answer() {
    let mut p = chat();
    assert_eq!(p.sockets[0].1, "wss://carrierpigeon.example/v1/token/eyJhbGciOiJIUzI1NiJ9");
    p.cmd("sendMessage", r#"{"message":"x"}"#);
    let r = p.take("/messages");
    assert!(r.url.contains("/conversations/c4c2e5a6-f01e-48ed-960a-68d48c3e0d05/members/8dd184ac-c481-4d67-bb33-bd6976b1b5f0/messages"));
}

/// A captured message frame from an unknown sender asks who it is, then publishes with
/// the member's role and the ISO time as epoch ms.
#[test]
fn captured_message_frame() {
    let mut p = chat();
    let id = p.sockets[0].0;
    p.mark();
    p.socket(id, SocketEvent::Message(text("frame-message.json")));
    let lookup = p.take("/members/6408a7a2");
    p.respond(&lookup, 200, &text("member-agent.json").replace("agent-1", "6408a7a2-7c39-4c3f-8f8a-1f2e3d4c46f5"));
    let m = p.event("messageReceived");
    let n = &m.get("messages").as_array().unwrap()[0];
    assert_eq!(n.get("text").as_str(), Some("Hi, how are you?"));
    assert_eq!(n.get("timestamp").as_f64(), Some(1560877162277.0));
    assert_eq!(n.get("from").get("type").as_str(), Some("Agent"));
}

/// The heartbeat and member-change frames are signs of life and publish nothing; a
/// typing frame from an unknown member publishes nothing.
#[test]
fn heartbeat_member_change_and_typing_frames() {
    let mut p = chat();
    let id = p.sockets[0].0;
    p.mark();
    for f in ["frame-heartbeat.json", "frame-member-change.json", "frame-typing.json"] {
        p.socket(id, SocketEvent::Message(text(f)));
    }
    assert!(p.events().is_empty(), "{:?}", p.events());
    assert!(p.s.poll_timeout().is_some(), "the watchdog is armed");
}

/// A recorded history page is published newest-last with restoring on restore.
#[test]
fn a_recorded_messages_page() {
    let mut p = chat();
    let h = p.cmd("fetchHistory", "{}");
    let page = p.take("/messages?sortOrder=descending");
    p.respond(&page, 200, &text("messages-page.json"));
    let members = p.take("/members");
    p.respond(&members, 200, r#"{"entities":[]}"#);
    assert_eq!(p.resolved(h), Value::Undefined);
    let m = p.event("messageReceived");
    let texts: Vec<String> = m.get("messages").as_array().unwrap().iter().map(|m| m.get("text").to_js_string()).collect();
    assert_eq!(texts, ["Anything else?", "Thanks"], "history pages are newest first");
}

/// The recorded 404 error body gives the shipped error code.
#[test]
fn a_recorded_error_body() {
    let mut p = chat();
    p.cmd("sendMessage", r#"{"message":"x"}"#);
    let r = p.take("/messages");
    p.mark();
    p.respond(&r, 404, &text("error-404.json"));
    let e = p.event("error");
    assert_eq!(e.get("errors").as_array().unwrap()[0].get("code").as_str(), Some("MessageFailed"));
}

//! Codec tests over recorded guest chat payloads (`tests/fixtures/guest/`: frames captured
//! from the real event stream, the swagger's shapes), served by the stand-in at
//! `/fixtures/guest/`.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::{json, Value};
use webchatservice::engine::guest::wire::{self, Conversation, Frame, Member};

fn text(name: &str) -> String {
    let path = format!("{}/tests/fixtures/guest/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn fixture(name: &str) -> Value {
    serde_json::from_str(&text(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Captured frames parse into what the transport acts on; the heartbeat is a sign of life.
#[test]
fn captured_frames_parse() {
    assert_eq!(wire::parse_frame(&text("frame-heartbeat.json")), Some(Frame::Heartbeat));
    assert_eq!(
        wire::parse_frame(&text("frame-member-change.json")),
        Some(Frame::MemberChange { member: "f3b1a6e2-5d8e-4f0b-9b7c-2d8a5c1e0cbe".into(), state: "CONNECTED".into() })
    );
    assert_eq!(wire::parse_frame(&text("frame-typing.json")), Some(Frame::Typing { sender: "6408a7a2-7c39-4c3f-8f8a-1f2e3d4c46f5".into() }));
    match wire::parse_frame(&text("frame-message.json")) {
        Some(Frame::Message(body)) => assert_eq!(body["body"], "Hi, how are you?"),
        other => panic!("{other:?}"),
    }
}

/// A captured message frame normalises with epoch-ms index/timestamp and the sender's role.
#[test]
fn captured_message_normalises() {
    let body = fixture("frame-message.json")["eventBody"].clone();
    let agent = Member::parse(&json!({"id": "6408a7a2-7c39-4c3f-8f8a-1f2e3d4c46f5", "role": "AGENT", "displayName": "Anna", "state": "CONNECTED"})).unwrap();
    let m = wire::normalize(&body, Some(&agent), false);
    assert_eq!(m, json!({"type": "Message", "text": "Hi, how are you?", "index": 1_560_877_162_277i64, "timestamp": 1_560_877_162_277i64,
        "id": "485f0f6e-6f3d-4f47-a5a1-0c7e5d2bb62a", "from": {"id": "6408a7a2-7c39-4c3f-8f8a-1f2e3d4c46f5", "type": "Agent", "name": "Anna"}}));
    let bot = Member::parse(&json!({"id": "b", "role": "WORKFLOW"})).unwrap();
    let mut notice = body.clone();
    notice["bodyType"] = json!("notice");
    assert_eq!(wire::normalize(&notice, Some(&bot), false)["from"]["type"], "External", "a workflow notice is External");
    assert_eq!(wire::normalize(&body, Some(&bot), true)["from"], json!({"id": "b", "type": "Bot", "name": "Agent"}));
    let mut join = body;
    join["bodyType"] = json!("member-join");
    let j = wire::normalize(&join, None, false);
    assert_eq!((j["type"].clone(), j.get("from"), j.get("text")), (json!("ParticipantJoined"), None, None));
}

/// The create answer, a member and a messages page read as the transport needs them.
#[test]
fn answers_read() {
    let conv = Conversation::from_created(&fixture("create-response.json")).expect("a conversation");
    assert_eq!(conv.member_id, "8dd184ac-c481-4d67-bb33-bd6976b1b5f0");
    assert!(conv.stream_url.starts_with("wss://"));
    assert_eq!(conv.path("/members"), "/api/v2/webchat/guest/conversations/c4c2e5a6-f01e-48ed-960a-68d48c3e0d05/members");
    let m = Member::parse(&fixture("member-agent.json")).unwrap();
    assert_eq!((m.role.as_str(), m.state.as_str(), m.name.as_deref()), ("AGENT", "CONNECTED", Some("Anna")));
    let page = fixture("messages-page.json");
    assert!(page["next"].as_str().unwrap().starts_with("/api/v2/"), "next is a server-relative path");
    assert!(wire::millis(&page["entities"][0]).unwrap() > wire::millis(&page["entities"][1]).unwrap(), "descending pages are newest first");
    assert_eq!(Conversation::from_created(&fixture("error-404.json")), None);
}

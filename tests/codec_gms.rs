//! Codec tests over recorded GMS payloads (`tests/fixtures/gms/`, served by the stand-in
//! at `/fixtures/gms/`): what each answer means and how each transcript entry normalises.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::{json, Value};
use webchatservice::engine::gms::wire::{self, Ids};
use webchatservice::engine::output::HttpResponse;
use webchatservice::engine::transcript::{normalize, sender_type, Transcript};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/gms/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ok(body: &Value) -> Result<Value, wire::Failure> {
    wire::classify(Ok(HttpResponse { status: 200, status_text: "OK".into(), body: body.to_string() }))
}

/// The documented Request Chat answer yields the four session identifiers.
#[test]
fn request_chat_answer_gives_the_identifiers() {
    let resp = ok(&fixture("request-chat.json")).expect("a 200 JSON answer");
    let mut ids = Ids::default();
    assert!(ids.update_from(&resp));
    assert_eq!(ids.session_data(), json!({"sessionID": "00048aAPEQJ8000U", "userId": "007555677B20000A", "secureKey": "4ee15d7e1c343c8e", "alias": "117"}));
    assert_eq!(wire::status_code(&resp), 0);
    assert_eq!(wire::chat_ended(&resp), None, "Request Chat carries no chatEnded");
    let back = Ids::from_cookies(ids.chat_id.clone(), Some(ids.keys_cookie())).expect("cookies round-trip");
    assert_eq!(back, ids);
}

/// The documented refresh answer normalises to the shape the WebChat UI reads.
#[test]
fn refresh_answer_normalises() {
    let resp = ok(&fixture("refresh.json")).unwrap();
    let messages = wire::messages(&resp);
    let normalized: Vec<Value> = messages.iter().map(|m| normalize(m, false)).collect();
    assert_eq!(normalized[0], json!({"type": "ParticipantJoined", "index": 2, "timestamp": 1432845099000u64, "from": {"id": 2, "type": "Agent", "name": "Anna"}}));
    assert_eq!(normalized[1]["isTyping"], true);
    assert_eq!(normalized[2]["text"], "Hello, how can I help?");
    assert_eq!(wire::chat_ended(&resp), Some(false));
}

/// Bot parties, structured content, supervisors, pushed URLs and uploaded files normalise as shipped.
#[test]
fn rich_entries_normalise() {
    let resp = ok(&fixture("refresh-rich.json")).unwrap();
    let m = wire::messages(&resp);
    assert_eq!(sender_type(&m[0]), "Bot");
    let bot = normalize(&m[1], true);
    assert_eq!(bot["text"], "Pick an option", "structured content's text wins");
    assert_eq!(bot["from"], json!({"id": 3, "type": "Bot", "name": "HelpBot"}), "string ids are parseInt-ed");
    assert_eq!(bot["restoring"], true);
    assert_eq!(normalize(&m[2], false)["from"]["type"], "Supervisor");
    assert_eq!(normalize(&m[3], false)["text"], "https://example.com/help");
    let file = normalize(&m[4], false);
    assert_eq!(file["fileDetails"]["file-name"], "invoice.pdf");
    assert_eq!(resp["idleTimerExpire"], 120);
}

/// The file-limits notice parses; its index 0 is admitted once.
#[test]
fn file_limits_notice_parses() {
    let resp = ok(&fixture("file-limits.json")).unwrap();
    let m = wire::messages(&resp);
    assert_eq!(m[0]["text"], "file-client-cfg-get");
    let mut t = Transcript::new();
    assert!(t.admit(&m[0]));
    assert!(!t.admit(&m[0]));
}

/// An answer ending the chat with errors inside a 200 is recognised as such.
#[test]
fn errors_inside_a_200() {
    let resp = ok(&fixture("error-ended.json")).unwrap();
    assert!(wire::ended_with_errors(&resp));
    assert!(!wire::has_chat_id(&json!({"chatId": ""})));
}

/// Entries without an index (no fast transcript refresh on the server) are all kept.
#[test]
fn entries_without_index_are_kept() {
    let resp = ok(&fixture("refresh-no-index.json")).unwrap();
    let m = wire::messages(&resp);
    let mut t = Transcript::new();
    assert!(t.admit(&m[0]) && t.admit(&m[0]));
    assert_eq!(normalize(&m[0], false).get("index"), None);
}

/// Non-JSON 200s, HTTP errors with and without bodies, and network failures classify like jQuery's error path.
#[test]
fn failures_classify() {
    let parse = wire::classify(Ok(HttpResponse { status: 200, status_text: "OK".into(), body: "<html>".into() })).unwrap_err();
    assert_eq!((parse.status, parse.status_text.as_str()), (200, "parsererror"));
    let bare = wire::classify(Ok(HttpResponse { status: 502, status_text: "Bad Gateway".into(), body: "".into() })).unwrap_err();
    assert!(bare.invalid_service());
    assert_eq!(bare.payload(false)["errorReason"], "InvalidService");
    let coded = wire::classify(Ok(HttpResponse { status: 400, status_text: "".into(), body: r#"{"errors":[{"code":204},{"code":102}]}"#.into() })).unwrap_err();
    assert_eq!(coded.payload(true)["errors"], json!([{"code": 102}]));
    assert!(!coded.invalid_service());
    let net = wire::classify(Err(webchatservice::engine::NetError::Timeout)).unwrap_err();
    assert_eq!((net.status, net.status_text.as_str()), (0, "timeout"));
}

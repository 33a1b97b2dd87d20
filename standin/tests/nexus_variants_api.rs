//! The Nexus v3 stand-in's variants (`standin::nexus_variant`) over raw HTTP: the control
//! API that sets them, and what each knob changes on the wire (cursors, index form and
//! base, index inclusive or exclusive, history pages, error codes, token alphabets, the
//! session after the visitor left).

// Not every field of its replies is read here.
#[allow(dead_code)]
mod http;

use http::send;
use serde_json::{json, Value};

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8");
const JSON: (&str, &str) = ("Content-Type", "application/json");
const S: &str = "/nexus/v3/chat/sessions";

async fn server(variant: Value) -> standin::Running {
    let s = standin::start(0, standin::Roots::of_repo()).await.expect("starts");
    standin::world::lock(&s.world).agent.auto = false;
    let r = send(s.addr, "POST", "/control/nexus/variant", &[JSON], &variant.to_string()).await;
    assert_eq!(r.status, 200, "the variant {variant} is accepted");
    s
}

/// Base64 of either alphabet, padded or not.
fn unbase64(text: &str) -> Vec<u8> {
    let (mut bits, mut n, mut out) = (0u32, 0, Vec::new());
    for c in text.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            _ => 63,
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}

/// A session for "Jo" with the agent and messages a, b, c: (session id, participant id, token).
async fn chat(s: &standin::Running) -> (String, String, String) {
    let r = send(s.addr, "POST", S, &[FORM], "data[firstName]=Jo&data[endpoint]=ep&operationId=op1").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let token = r.body["data"]["clientToken"].as_str().expect("a token").to_owned();
    let payload: Value = serde_json::from_slice(&unbase64(token.split('.').nth(1).expect("three parts"))).expect("JSON payload");
    let sid = payload["sessionId"].as_str().expect("sessionId").to_owned();
    assert!(standin::nexus::act(&s.world, &sid, "join", ""));
    for t in ["a", "b", "c"] {
        assert!(standin::nexus::act(&s.world, &sid, "say", t));
    }
    (sid, payload["participantId"].as_str().expect("participantId").to_owned(), token)
}

/// `index:text` (or `index:type`) of an answer's messages; numbers written bare.
fn listed(r: &http::Reply) -> Vec<String> {
    r.body["data"]["messages"]
        .as_array()
        .map(|a| a.iter().map(|m| format!("{}:{}", m["index"].as_str().map(str::to_owned).unwrap_or_else(|| m["index"].to_string()), m["text"].as_str().unwrap_or(m["type"].as_str().unwrap_or("")))).collect())
        .unwrap_or_default()
}

async fn get(s: &standin::Running, sid: &str, token: &str, query: &str) -> http::Reply {
    send(s.addr, "GET", &format!("{S}/{sid}/messages?operationId=o{query}"), &[("x-nexus-client-key", token)], "").await
}

/// The control API shows the defaults, replaces the whole variant with what is posted (knobs left out back to defaults), refuses an unknown knob or value without changing anything, and reset restores the defaults.
#[tokio::test]
async fn the_control_api_sets_and_shows_the_variant() {
    let s = server(json!({})).await;
    let defaults = json!({"cursor": "per_transport", "index_from": "inclusive", "index_type": "string", "index_base": 1, "codes": "string", "token_alphabet": "standard", "history": "ending_at_inclusive", "ended_on_leave_poll": "chat_ended"});
    assert_eq!(send(s.addr, "GET", "/control/nexus/variant", &[], "").await.body, defaults);
    let r = send(s.addr, "POST", "/control/nexus/variant", &[JSON], r#"{"cursor":"none","index_base":0}"#).await;
    assert_eq!((r.body["cursor"].clone(), r.body["index_base"].clone(), r.body["codes"].clone()), (json!("none"), json!(0), json!("string")));
    let r = send(s.addr, "POST", "/control/nexus/variant", &[JSON], r#"{"history":"ignores_index"}"#).await;
    assert_eq!((r.body["cursor"].clone(), r.body["history"].clone()), (json!("per_transport"), json!("ignores_index")), "a post replaces the whole variant");
    for bad in [r#"{"cursor":"sometimes"}"#, r#"{"index_base":2}"#, r#"{"kursor":"none"}"#] {
        assert_eq!(send(s.addr, "POST", "/control/nexus/variant", &[JSON], bad).await.status, 400, "{bad}");
    }
    assert_eq!(s.nexus_variant().history, standin::nexus_variant::History::IgnoresIndex, "a refused variant changes nothing");
    send(s.addr, "POST", "/control/reset", &[], "").await;
    assert_eq!(send(s.addr, "GET", "/control/nexus/variant", &[], "").await.body, defaults);
}

/// Indexes are written as numbers, as "0-n" or from 0 as asked, and read back in the same form; a dashed server refuses an index that is not its own.
#[tokio::test]
async fn index_forms_and_bases() {
    for (variant, all, from_third) in [
        (json!({}), vec!["1:ParticipantJoined", "2:ParticipantJoined", "3:a", "4:b", "5:c"], "3"),
        (json!({"index_type": "number"}), vec!["1:ParticipantJoined", "2:ParticipantJoined", "3:a", "4:b", "5:c"], "3"),
        (json!({"index_type": "dashed"}), vec!["0-1:ParticipantJoined", "0-2:ParticipantJoined", "0-3:a", "0-4:b", "0-5:c"], "0-3"),
        (json!({"index_base": 0}), vec!["0:ParticipantJoined", "1:ParticipantJoined", "2:a", "3:b", "4:c"], "2"),
    ] {
        let s = server(variant.clone()).await;
        let (sid, _, token) = chat(&s).await;
        let r = get(&s, &sid, &token, "").await;
        assert_eq!(listed(&r), all, "{variant}");
        if variant["index_type"] == "number" {
            assert!(r.body["data"]["messages"][0]["index"].is_number());
        }
        let r = get(&s, &sid, &token, &format!("&index={from_third}")).await;
        assert_eq!(listed(&r)[0].split(':').nth(1), Some("a"), "{variant}: index={from_third} starts at a");
    }
    let s = server(json!({"index_type": "dashed"})).await;
    let (sid, _, token) = chat(&s).await;
    let r = get(&s, &sid, &token, "&index=3").await;
    assert_eq!((r.status, r.body["status"]["code"].clone()), (400, json!("INVALID_INDEX")));
}

/// A shared cursor is moved by every transport of the session; without a cursor every plain poll returns the whole transcript; exclusive index starts after the index.
#[tokio::test]
async fn cursors_and_index_from() {
    let s = server(json!({"cursor": "shared"})).await;
    let (sid, _, token) = chat(&s).await;
    let r = send(s.addr, "POST", S, &[FORM, ("x-nexus-client-key", &token)], "data[endpoint]=ep&operationId=o").await;
    let other = r.body["data"]["clientToken"].as_str().expect("a second transport").to_owned();
    assert_eq!(get(&s, &sid, &token, "").await.body["data"]["messages"].as_array().map(Vec::len), Some(5));
    assert!(listed(&get(&s, &sid, &other, "").await).is_empty(), "the other transport's poll finds the shared cursor at the end");

    let s = server(json!({"cursor": "none"})).await;
    let (sid, _, token) = chat(&s).await;
    for _ in 0..2 {
        assert_eq!(listed(&get(&s, &sid, &token, "").await).len(), 5, "every plain poll returns everything");
    }

    let s = server(json!({"index_from": "exclusive"})).await;
    let (sid, _, token) = chat(&s).await;
    assert_eq!(listed(&get(&s, &sid, &token, "&index=3").await), ["4:b", "5:c"]);
}

/// History pages end at the index (default), end before it, or ignore it.
#[tokio::test]
async fn history_pages() {
    for (variant, page, oldest) in [
        (json!({}), vec!["3:a", "4:b"], vec!["1:ParticipantJoined"]),
        (json!({"history": "before_exclusive"}), vec!["2:ParticipantJoined", "3:a"], vec![]),
        (json!({"history": "ignores_index"}), vec!["4:b", "5:c"], vec!["4:b", "5:c"]),
    ] {
        let s = server(variant.clone()).await;
        let (sid, _, token) = chat(&s).await;
        assert_eq!(listed(&get(&s, &sid, &token, "&index=4&count=2").await), page, "{variant}");
        assert_eq!(listed(&get(&s, &sid, &token, "&index=1&count=2").await), oldest, "{variant}: the oldest page");
    }
}

/// Integer codes carry the HTTP status (a lost session is still a 404); padded and base64url tokens encode a payload naming the session, and work as keys.
#[tokio::test]
async fn codes_and_token_alphabets() {
    let s = server(json!({"codes": "integer"})).await;
    let (sid, _, token) = chat(&s).await;
    assert!(standin::nexus::act(&s.world, &sid, "lose", ""));
    let r = get(&s, &sid, &token, "").await;
    assert_eq!((r.status, r.body["status"]["code"].clone()), (404, json!(404)));
    let r = send(s.addr, "POST", S, &[FORM], "data[endpoint]=ep&operationId=o").await;
    assert_eq!((r.status, r.body["status"]["code"].clone()), (400, json!(400)));

    for (variant, shows) in [(json!({"token_alphabet": "standard_padded"}), '='), (json!({"token_alphabet": "url"}), '_')] {
        let s = server(variant.clone()).await;
        let (sid, _, token) = chat(&s).await;
        let payload = token.split('.').nth(1).unwrap_or_default();
        assert!(payload.contains(shows) || (shows == '_' && payload.contains('-')), "{variant}: {payload}");
        assert_eq!(get(&s, &sid, &token, "").await.status, 200, "{variant}: the token is the key");
    }
}

/// After the visitor's DELETE a poll answers chatEnded (default) or 404 INVALID_SESSION.
#[tokio::test]
async fn after_the_visitor_left() {
    for (variant, status) in [(json!({}), 200), (json!({"ended_on_leave_poll": "invalid_session"}), 404)] {
        let s = server(variant.clone()).await;
        let (sid, pid, token) = chat(&s).await;
        let r = send(s.addr, "DELETE", &format!("{S}/{sid}/participants/{pid}"), &[FORM, ("x-nexus-client-key", &token)], "operationId=o").await;
        assert_eq!(r.body["data"]["chatEnded"], true);
        let r = get(&s, &sid, &token, "").await;
        assert_eq!(r.status, status, "{variant}");
        if status == 200 {
            assert_eq!(r.body["data"]["chatEnded"], true);
        } else {
            assert_eq!(r.body["status"]["code"], "INVALID_SESSION");
        }
    }
}

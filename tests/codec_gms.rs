//! Codec tests over recorded GMS payloads (`tests/fixtures/gms/`, served by the stand-in
//! at `/fixtures/gms/`): how each answer is read and how each transcript entry normalises.
#![cfg(not(target_arch = "wasm32"))]

use webchatservice::engine::gms::ingest::normalise;
use webchatservice::engine::json::{parse, Value};
use webchatservice::engine::output::HttpResponse;
use webchatservice::engine::xhr::{read, Answer, Reading};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/gms/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    parse(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn entries(name: &str) -> Vec<Value> {
    fixture(name).get("messages").as_array().cloned().unwrap_or_default()
}

/// The Request Chat answer is read as the object the start command resolves with.
#[test]
fn request_chat_answer_reads_as_json() {
    let text = std::fs::read_to_string(format!("{}/tests/fixtures/gms/request-chat.json", env!("CARGO_MANIFEST_DIR"))).unwrap();
    match read(Ok(HttpResponse::json(200, &text)), Reading::Auto) {
        Answer::Done { data, .. } => {
            assert_eq!(data.get("chatId").as_str(), Some("00048aAPEQJ8000U"));
            assert_eq!(data.get("secureKey").as_str(), Some("4ee15d7e1c343c8e"));
        }
        other => panic!("{other:?}"),
    }
}

/// Bot style, structured content, supervisors, PushUrl and FileUploaded entries
/// normalise as the shipped `Re` does.
#[test]
fn rich_entries_normalise_as_shipped() {
    let n: Vec<Value> = entries("refresh-rich.json").iter().map(|e| normalise(e, false)).collect();
    assert_eq!(n[0].get("from").to_json(), r#"{"id":3,"type":"Bot","name":"HelpBot"}"#);
    assert_eq!(n[1].get("text").as_str(), Some("Pick an option"), "structured content wins over text");
    assert_eq!(n[2].get("from").get("type").as_str(), Some("Supervisor"));
    assert_eq!(n[3].get("type").as_str(), Some("PushUrl"));
    assert_eq!(n[4].get("fileDetails").get("file-name").as_str(), Some("invoice.pdf"));
    assert!(n[0].as_object().unwrap().contains_key("text") && n[0].get("text").is_undefined());
}

/// An entry without an index still normalises (index undefined, kept as a key).
#[test]
fn an_entry_without_an_index() {
    let n = normalise(&entries("refresh-no-index.json")[0], true);
    assert!(n.get("index").is_undefined());
    assert_eq!(n.get("restoring"), &Value::Bool(true));
}

/// An ended-with-errors answer is a success for jQuery (statusCode 2 inside a 200).
#[test]
fn an_ended_answer_with_errors() {
    let e = fixture("error-ended.json");
    assert_eq!(e.get("errors").as_array().map(Vec::len), Some(1));
    let text = e.write();
    assert!(matches!(read(Ok(HttpResponse::json(200, &text)), Reading::Auto), Answer::Done { .. }));
}

/// The file limits answer of a multipart request stays text, as jQuery reads it there.
#[test]
fn file_limits_answer_is_text() {
    let text = fixture("file-limits.json").write();
    match read(Ok(HttpResponse::json(200, &text)), Reading::Text) {
        Answer::Done { data, .. } => assert!(data.as_str().is_some_and(|s| s.contains("file-client-cfg-get"))),
        other => panic!("{other:?}"),
    }
}

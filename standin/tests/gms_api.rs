//! The stand-in's GMS Chat API v2 checked over raw HTTP against spec/protocols.md §1 and
//! §5, independently of the plugin: both URL forms, both body encodings, bracket keys in
//! both spellings, 1-based indexes with transcriptPosition/nextPosition, ids checked,
//! apikey enforcement, faults, CORS.

mod http;

use http::send;
use serde_json::{json, Value};

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8");

async fn server() -> standin::Running {
    let s = standin::start(0, standin::Roots::of_repo()).await.expect("starts");
    standin::world::lock(&s.world).agent.auto = false;
    s
}

fn ids(r: &Value) -> String {
    format!("alias={}&secureKey={}&userId={}", r["alias"].as_str().unwrap(), r["secureKey"].as_str().unwrap(), r["userId"].as_str().unwrap())
}

/// Request Chat works at `{base}` and `{base}/`, parses bracket keys either way, and answers the documented shape.
#[tokio::test]
async fn request_chat_in_both_url_forms() {
    let s = server().await;
    let a = send(s.addr, "POST", "/genesys/2/chat/svc/", &[FORM], "nickname=Jo&userData%5BorderId%5D=42&userData[plain]=a+b&alias=&secureKey=&userId=").await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["statusCode"], 0);
    for k in ["chatId", "alias", "userId", "secureKey"] {
        assert!(a.body[k].as_str().is_some_and(|v| !v.is_empty()), "{k}");
    }
    assert_eq!(a.body["messages"][0]["type"], "ParticipantJoined");
    assert_eq!(a.body["messages"][0]["index"], 1);
    let b = send(s.addr, "POST", "/genesys/2/chat/svc", &[FORM], "firstName=Al&lastName=Bo").await;
    assert_eq!(b.body["statusCode"], 0);
    let w = standin::world::lock(&s.world);
    let chat = &w.chats[a.body["chatId"].as_str().unwrap()];
    assert_eq!(chat.user_data.get("orderId").map(String::as_str), Some("42"));
    assert_eq!(chat.user_data.get("plain").map(String::as_str), Some("a b"));
    assert_eq!(w.chats[b.body["chatId"].as_str().unwrap()].nickname, "Al Bo");
}

/// A start without any name is refused with errors inside a 200 (statusCode 2).
#[tokio::test]
async fn request_chat_without_a_name_is_refused() {
    let s = server().await;
    let r = send(s.addr, "POST", "/genesys/2/chat/svc/", &[FORM], "subject=x").await;
    assert_eq!((r.status, r.body["statusCode"].clone(), r.body["chatEnded"].clone()), (200, json!(2), json!(true)));
    assert_eq!(r.body["errors"][0]["code"], 161);
}

/// send, refresh with transcriptPosition, nextPosition, multipart bodies, wrong ids and disconnect.
#[tokio::test]
async fn operations_follow_the_transcript() {
    let s = server().await;
    let start = send(s.addr, "POST", "/genesys/2/chat/svc/", &[FORM], "nickname=Jo").await.body;
    let chat = start["chatId"].as_str().unwrap().to_owned();
    let base = format!("/genesys/2/chat/svc/{chat}");
    let sent = send(s.addr, "POST", &format!("{base}/send"), &[FORM], &format!("{}&message=hi+there&messageType=text&transcriptPosition=2", ids(&start))).await;
    assert_eq!(sent.body["messages"][0]["text"], "hi there");
    assert_eq!(sent.body["nextPosition"], 3);
    let multipart = format!(
        "--XX\r\nContent-Disposition: form-data; name=\"alias\"\r\n\r\n{}\r\n--XX\r\nContent-Disposition: form-data; name=\"secureKey\"\r\n\r\n{}\r\n--XX\r\nContent-Disposition: form-data; name=\"userId\"\r\n\r\n{}\r\n--XX\r\nContent-Disposition: form-data; name=\"transcriptPosition\"\r\n\r\n1\r\n--XX--\r\n",
        start["alias"].as_str().unwrap(), start["secureKey"].as_str().unwrap(), start["userId"].as_str().unwrap());
    let refreshed = send(s.addr, "POST", &format!("{base}/refresh"), &[("Content-Type", "multipart/form-data; boundary=XX")], &multipart).await;
    assert_eq!(refreshed.body["messages"].as_array().map(Vec::len), Some(2), "{:?}", refreshed.body);
    assert_eq!(refreshed.body["chatEnded"], false);
    let wrong = send(s.addr, "POST", &format!("{base}/refresh"), &[FORM], "alias=1&secureKey=bad&userId=2").await;
    assert_eq!(wrong.status, 400);
    let bye = send(s.addr, "POST", &format!("{base}/disconnect"), &[FORM], &ids(&start)).await;
    assert_eq!(bye.body["chatEnded"], true);
    let unknown = send(s.addr, "POST", "/genesys/2/chat/svc/nope/refresh", &[FORM], "").await;
    assert_eq!(unknown.body["chatEnded"], true);
}

/// Queued faults: offline answers (statusCode 1), bare HTTP 5xx, error bodies; the apikey check.
#[tokio::test]
async fn faults_and_apikey() {
    let s = server().await;
    let start = send(s.addr, "POST", "/genesys/2/chat/svc/", &[FORM], "nickname=Jo").await.body;
    let path = format!("/genesys/2/chat/svc/{}/refresh", start["chatId"].as_str().unwrap());
    let json_hdr = ("Content-Type", "application/json");
    send(s.addr, "POST", "/control/faults", &[json_hdr], r#"[{"kind":"status1","op":"refresh","count":2},{"kind":"http","status":502,"op":"refresh"}]"#).await;
    for _ in 0..2 {
        assert_eq!(send(s.addr, "POST", &path, &[FORM], &ids(&start)).await.body["statusCode"], 1);
    }
    let bare = send(s.addr, "POST", &path, &[FORM], &ids(&start)).await;
    assert_eq!((bare.status, bare.body.clone()), (502, Value::Null));
    assert_eq!(send(s.addr, "POST", &path, &[FORM], &ids(&start)).await.body["statusCode"], 0);
    send(s.addr, "PUT", "/control/apikey", &[json_hdr], r#"{"apikey":"K1"}"#).await;
    assert_eq!(send(s.addr, "POST", &path, &[FORM], &ids(&start)).await.status, 401);
    assert_eq!(send(s.addr, "POST", &path, &[FORM, ("apikey", "K1")], &ids(&start)).await.status, 200);
}

/// CORS: any origin, preflight for the apikey header, and resources usable by isolated pages.
#[tokio::test]
async fn cors_for_any_origin() {
    let s = server().await;
    let pre = send(s.addr, "OPTIONS", "/genesys/2/chat/svc/", &[("Origin", "https://shop.example"), ("Access-Control-Request-Headers", "apikey")], "").await;
    assert_eq!(pre.status, 204);
    assert!(pre.headers.contains("access-control-allow-origin: https://shop.example"));
    assert!(pre.headers.contains("apikey"));
    let page = send(s.addr, "GET", "/cxbus.js", &[], "").await;
    assert!(page.headers.contains("cross-origin-resource-policy: cross-origin"));
    assert_eq!(send(s.addr, "GET", "/../Cargo.toml", &[], "").await.status / 100, 4);
}

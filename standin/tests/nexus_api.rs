//! The stand-in's Nexus v3 chat checked over raw HTTP against spec/protocols.md §2,
//! independently of the plugin: the create form and its refusals, the client token (a JWT
//! whose payload atob reads), the per-transport poll cursor, restore and history paging by
//! index and count, sends, images, userdata, the visitor leaving, a re-attach with a stored
//! key (async restore), a lost session, and CORS for the custom headers.

mod http;

use http::send;
use serde_json::Value;

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8");
const S: &str = "/nexus/v3/chat/sessions";

async fn server() -> standin::Running {
    let s = standin::start(0, standin::Roots::of_repo()).await.expect("starts");
    standin::world::lock(&s.world).agent.auto = false;
    s
}

/// The JWT payload of a client token, read as the shipped transport's atob would.
fn payload(token: &str) -> Value {
    let part = token.split('.').nth(1).expect("three parts");
    assert!(part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/'), "standard base64 alphabet");
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in part.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            _ => 63,
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    serde_json::from_slice(&out).expect("the payload is JSON")
}

/// Creates a session for "Jo"; returns (session id, participant id, client token).
async fn create(addr: std::net::SocketAddr) -> (String, String, String) {
    let r = send(addr, "POST", S, &[FORM], "data%5BfirstName%5D=Jo&data%5Bendpoint%5D=ep&data%5BuserData%5D%5Border%5D=42&operationId=op1").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"]["code"], 0);
    let token = r.body["data"]["clientToken"].as_str().expect("a client token").to_owned();
    let p = payload(&token);
    let sid = p["sessionId"].as_str().expect("sessionId").to_owned();
    assert!(p["transportId"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(r.body["data"]["selfUri"], format!("{S}/{sid}"));
    (sid, p["participantId"].as_str().expect("participantId").to_owned(), token)
}

fn texts(r: &http::Reply) -> Vec<String> {
    r.body["data"]["messages"].as_array().map(|a| a.iter().map(|m| format!("{}:{}", m["index"].as_str().unwrap_or("?"), m["text"].as_str().unwrap_or(m["type"].as_str().unwrap_or("")))).collect()).unwrap_or_default()
}

/// Create refuses a missing endpoint, a missing name and a missing operationId with the documented codes; a good one answers a token whose payload names the session, and the form's userData is kept.
#[tokio::test]
async fn create_checks_its_form_and_answers_a_token() {
    let s = server().await;
    let r = send(s.addr, "POST", S, &[FORM], "data[firstName]=Jo&operationId=x").await;
    assert_eq!((r.status, r.body["status"]["code"].clone()), (400, Value::from("INVALID_ENDPOINT")));
    let r = send(s.addr, "POST", S, &[FORM], "data[endpoint]=ep&operationId=x").await;
    assert_eq!((r.status, r.body["status"]["code"].clone()), (400, Value::from("INVALID_NICKNAME")));
    let r = send(s.addr, "POST", S, &[FORM], "data[endpoint]=ep&data[firstName]=Jo").await;
    assert_eq!(r.body["status"]["code"], "INVALID_OPERATION");
    let (sid, _, _) = create(s.addr).await;
    let w = standin::world::lock(&s.world);
    assert_eq!(w.nexus.sessions[&sid].user_data["order"], "42");
    assert_eq!(w.nexus.sessions[&sid].form["endpoint"], "ep");
}

/// A plain poll gives each transport only what it has not had; count gives the newest, index+count the page ending at index; sends are kept, typing is not.
#[tokio::test]
async fn polls_pages_and_sends() {
    let s = server().await;
    let (sid, _, token) = create(s.addr).await;
    let key = ("x-nexus-client-key", token.as_str());
    let url = |q: &str| format!("{S}/{sid}/messages?operationId=o{q}");
    let r = send(s.addr, "GET", &url(""), &[key], "").await;
    assert_eq!(texts(&r), ["1:ParticipantJoined"]);
    assert_eq!(r.body["data"]["chatEnded"], false);
    assert!(texts(&send(s.addr, "GET", &url(""), &[key], "").await).is_empty(), "nothing new for this transport");
    assert!(standin::nexus::act(&s.world, &sid, "join", ""));
    for t in ["a", "b", "c"] {
        assert!(standin::nexus::act(&s.world, &sid, "say", t));
    }
    let r = send(s.addr, "POST", &format!("{S}/{sid}/messages"), &[FORM, key], "operationId=o&data%5Btype%5D=Text&data%5Btext%5D=mine").await;
    assert_eq!(r.body["data"]["chatEnded"], false);
    send(s.addr, "POST", &format!("{S}/{sid}/messages"), &[FORM, key], "operationId=o&data[type]=TypingStarted&data[text]=").await;
    assert_eq!(texts(&send(s.addr, "GET", &url(""), &[key], "").await), ["2:ParticipantJoined", "3:a", "4:b", "5:c", "6:mine"]);
    assert_eq!(texts(&send(s.addr, "GET", &url("&count=2"), &[key], "").await), ["5:c", "6:mine"]);
    assert_eq!(texts(&send(s.addr, "GET", &url("&index=4&count=2"), &[key], "").await), ["3:a", "4:b"]);
    assert_eq!(texts(&send(s.addr, "GET", &url("&index=1&count=20"), &[key], "").await), ["1:ParticipantJoined"], "the oldest page ends at 1");
    assert_eq!(texts(&send(s.addr, "GET", &url("&index=5"), &[key], "").await), ["5:c", "6:mine"]);
}

/// Without the right client key a session call is 401; an unknown or lost session is 404 INVALID_SESSION; a wrong x-api-key is 401 when one is required.
#[tokio::test]
async fn keys_and_lost_sessions() {
    let s = server().await;
    let (sid, _, token) = create(s.addr).await;
    let (other, _, _) = create(s.addr).await;
    let r = send(s.addr, "GET", &format!("{S}/{other}/messages?operationId=o"), &[("x-nexus-client-key", &token)], "").await;
    assert_eq!((r.status, r.body["status"]["code"].clone()), (401, Value::from("AUTHENTICATION_REQUIRED")));
    assert!(standin::nexus::act(&s.world, &sid, "lose", ""));
    let r = send(s.addr, "GET", &format!("{S}/{sid}/messages?operationId=o"), &[("x-nexus-client-key", &token)], "").await;
    assert_eq!((r.status, r.body["status"]["code"].clone()), (404, Value::from("INVALID_SESSION")));
    standin::world::lock(&s.world).nexus.api_key = Some("k".into());
    let r = send(s.addr, "POST", S, &[FORM, ("x-api-key", "nope")], "data[firstName]=Jo&data[endpoint]=ep&operationId=o").await;
    assert_eq!((r.status, r.body["status"]["code"].clone()), (401, Value::from("INVALID_CONTACT_CENTER")));
    let r = send(s.addr, "POST", S, &[FORM, ("x-api-key", "k")], "data[firstName]=Jo&data[endpoint]=ep&operationId=o").await;
    assert_eq!(r.status, 200);
}

/// Async restore: the stored key re-creates a new transport of the same session (whose cursor starts at 0); after the visitor leaves, the key no longer re-attaches and the chat reports chatEnded.
#[tokio::test]
async fn a_stored_key_reattaches_until_the_visitor_leaves() {
    let s = server().await;
    let (sid, pid, token) = create(s.addr).await;
    let r = send(s.addr, "POST", S, &[FORM, ("x-nexus-client-key", &token)], "data[endpoint]=ep&operationId=o").await;
    let fresh = r.body["data"]["clientToken"].as_str().expect("a new token").to_owned();
    assert_ne!(fresh, token);
    assert_eq!(payload(&fresh)["sessionId"], sid.as_str());
    let r = send(s.addr, "GET", &format!("{S}/{sid}/messages?operationId=o"), &[("x-nexus-client-key", &fresh)], "").await;
    assert_eq!(texts(&r), ["1:ParticipantJoined"], "a new transport gets the transcript from the start");
    let r = send(s.addr, "DELETE", &format!("{S}/{sid}/participants/{pid}"), &[FORM, ("x-nexus-client-key", &fresh)], "operationId=o").await;
    assert_eq!(r.body["data"]["chatEnded"], true);
    let r = send(s.addr, "GET", &format!("{S}/{sid}/messages?operationId=o"), &[("x-nexus-client-key", &fresh)], "").await;
    assert_eq!((r.body["data"]["chatEnded"].clone(), texts(&r)), (Value::Bool(true), vec!["2:ParticipantLeft".to_owned()]));
    let r = send(s.addr, "POST", S, &[FORM, ("x-nexus-client-key", &token)], "data[endpoint]=ep&operationId=o").await;
    assert_eq!(r.status, 401);
}

/// userdata is merged; a visitor image uploads (a text file does not); an agent image is served to a holder of a client key only; the custom headers pass CORS preflight.
#[tokio::test]
async fn userdata_images_and_cors() {
    let s = server().await;
    let (sid, _, token) = create(s.addr).await;
    let key = ("x-nexus-client-key", token.as_str());
    send(s.addr, "PUT", &format!("{S}/{sid}/userdata"), &[FORM, key], "operationId=o&data[tier]=gold").await;
    assert_eq!(standin::world::lock(&s.world).nexus.sessions[&sid].user_data["tier"], "gold");
    assert!(standin::nexus::act(&s.world, &sid, "join", ""));
    assert!(standin::nexus::act(&s.world, &sid, "image", "look"));
    let r = send(s.addr, "GET", &format!("{S}/{sid}/messages?operationId=o"), &[key], "").await;
    let url = r.body["data"]["messages"][2]["content"][0]["url"].as_str().expect("an image url").to_owned();
    assert!(url.starts_with("/images/"));
    let img = send(s.addr, "GET", &format!("/nexus/v3/chat{url}"), &[key], "").await;
    assert_eq!(img.status, 200);
    assert!(img.headers.contains("content-type: image/png"));
    assert_eq!(send(s.addr, "GET", &format!("/nexus/v3/chat{url}"), &[], "").await.status, 401);
    let part = |name: &str, mime: &str| format!("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {mime}\r\n\r\nabcd\r\n--b\r\nContent-Disposition: form-data; name=\"operationId\"\r\n\r\no\r\n--b--\r\n");
    let mp = ("Content-Type", "multipart/form-data; boundary=b");
    let r = send(s.addr, "POST", &format!("{S}/{sid}/images"), &[mp, key], &part("notes.txt", "text/plain")).await;
    assert_eq!((r.status, r.body["status"]["code"].clone()), (400, Value::from("INVALID_FILE_TYPE")));
    let r = send(s.addr, "POST", &format!("{S}/{sid}/images"), &[mp, key], &part("me.png", "image/png")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let last = send(s.addr, "GET", &format!("{S}/{sid}/messages?operationId=o&count=1"), &[key], "").await;
    assert_eq!(last.body["data"]["messages"][0]["content"][0]["mime"], "image/png", "the upload is a visitor message with an image");
    let pre = send(s.addr, "OPTIONS", S, &[("Origin", "http://page.test"), ("Access-Control-Request-Headers", "x-api-key, x-nexus-client-key")], "").await;
    assert!(pre.headers.contains("x-nexus-client-key") && pre.headers.contains("x-api-key"), "{}", pre.headers);
}

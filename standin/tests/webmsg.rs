//! Genesys Cloud Web Messaging stand-in (issue 18): the `/v1` WebSocket with its actions,
//! the history REST call with the session's JWT, presigned-URL uploads, the scripted
//! agent and the control actions, driven by a real WebSocket client.

mod http;

use futures_util::{SinkExt, StreamExt};
use http::send;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A stand-in whose agent acts by itself only when `auto`, with short delays.
async fn server(auto: bool) -> standin::Running {
    let s = standin::start(0, standin::Roots::of_repo()).await.expect("starts");
    {
        let mut w = standin::world::lock(&s.world);
        w.agent.auto = auto;
        w.agent.join_delay_ms = 20;
        w.agent.typing_delay_ms = 20;
        w.agent.reply_delay_ms = 20;
        // The service's 2 a second would refuse the scripted exchanges; one test restores it.
        w.webmsg.messages_per_second = Some(50);
    }
    s
}

async fn connect(s: &standin::Running, deployment: &str) -> Ws {
    let url = format!("ws://{}/v1?deploymentId={deployment}", s.addr);
    tokio_tungstenite::connect_async(url).await.expect("upgrades").0
}

async fn put(ws: &mut Ws, frame: Value) {
    ws.send(Message::Text(frame.to_string().into())).await.expect("sends");
}

/// The next JSON frame; `None` when the socket closes.
async fn next(ws: &mut Ws) -> Option<Value> {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(5), ws.next()).await.expect("a frame in time");
        match m {
            Some(Ok(Message::Text(t))) => return Some(serde_json::from_str(t.as_str()).expect("JSON frame")),
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(_)) => {}
        }
    }
}

/// Reads frames until one matches.
async fn until(ws: &mut Ws, what: &str, f: impl Fn(&Value) -> bool) -> Value {
    loop {
        match next(ws).await {
            Some(v) if f(&v) => return v,
            Some(_) => {}
            None => panic!("socket closed before {what}"),
        }
    }
}

/// Opens a socket and configures `token` on it; returns the socket and the SessionResponse.
async fn session(s: &standin::Running, token: &str, start_new: bool) -> (Ws, Value) {
    let mut ws = connect(s, "demo-deployment").await;
    put(&mut ws, json!({"action": "configureSession", "token": token, "deploymentId": "demo-deployment", "startNew": start_new})).await;
    let r = until(&mut ws, "SessionResponse", |v| v["class"] == "SessionResponse").await;
    (ws, r)
}

fn text(token: &str, text: &str, custom: &str) -> Value {
    json!({"action": "onMessage", "token": token, "tracingId": custom,
           "message": {"type": "Text", "text": text, "metadata": {"customMessageId": custom}}})
}

/// configureSession answers a SessionResponse with the deployment's limits; an unknown deployment gets a 400 `string`.
#[tokio::test]
async fn configure_answers_a_session_response() {
    let s = server(false).await;
    let (_ws, r) = session(&s, "tok-1", false).await;
    assert_eq!((r["type"].as_str(), r["code"].as_u64()), (Some("response"), Some(200)));
    let b = &r["body"];
    assert_eq!((b["connected"].as_bool(), b["newSession"].as_bool(), b["readOnly"].as_bool()), (Some(true), Some(true), Some(false)));
    assert_eq!(b["maxCustomDataBytes"], 2048);
    assert_eq!(b["allowedMedia"]["inbound"]["maxFileSizeKB"], 2048);
    assert!(b["allowedMedia"]["inbound"]["fileTypes"].as_array().expect("types").contains(&json!({"type": "image/png"})));
    assert_eq!(b["blockedExtensions"], json!([".exe"]));
    let (_again, r) = session(&s, "tok-1", false).await;
    assert_eq!(r["body"]["newSession"], false);
    let mut other = connect(&s, "nope").await;
    put(&mut other, json!({"action": "configureSession", "token": "tok-2", "deploymentId": "nope", "startNew": false})).await;
    let r = next(&mut other).await.expect("an answer");
    assert_eq!((r["class"].as_str(), r["code"].as_u64(), r["body"].as_str()), (Some("string"), Some(400), Some("Deployment not found")));
}

/// A text is echoed, Inbound with its customMessageId and tracingId, to both sockets of the session.
#[tokio::test]
async fn a_text_is_echoed_to_every_socket_of_the_session() {
    let s = server(false).await;
    let (mut a, _) = session(&s, "tok-echo", false).await;
    let (mut b, _) = session(&s, "tok-echo", false).await;
    put(&mut a, text("tok-echo", "hello", "c-1")).await;
    for ws in [&mut a, &mut b] {
        let m = until(ws, "the echo", |v| v["class"] == "StructuredMessage").await;
        assert_eq!(m["tracingId"], "c-1");
        let body = &m["body"];
        assert_eq!((body["direction"].as_str(), body["text"].as_str()), (Some("Inbound"), Some("hello")));
        assert_eq!(body["metadata"]["customMessageId"], "c-1");
        assert!(body["channel"]["time"].as_str().is_some_and(|t| t.ends_with('Z')) && body["channel"]["messageId"].is_string() && body["id"].is_string());
    }
}

/// The scripted agent joins (Outbound Presence Join from Anna), types with duration 5000 and answers the visitor.
#[tokio::test]
async fn the_agent_joins_types_and_replies() {
    let s = server(true).await;
    let (mut ws, _) = session(&s, "tok-agent", false).await;
    put(&mut ws, json!({"action": "onMessage", "token": "tok-agent", "message": {"type": "Event", "events": [{"eventType": "Presence", "presence": {"type": "Join"}}]}})).await;
    let own = until(&mut ws, "the visitor's join echoed", |v| v["body"]["events"][0]["presence"]["type"] == "Join").await;
    assert_eq!((own["body"]["direction"].as_str(), own["body"]["type"].as_str()), (Some("Inbound"), Some("Event")));
    let join = until(&mut ws, "the agent's join", |v| v["body"]["events"][0]["presence"]["type"] == "Join" && v["body"]["direction"] == "Outbound").await;
    assert_eq!((join["body"]["direction"].as_str(), join["body"]["channel"]["from"]["nickname"].as_str()), (Some("Outbound"), Some("Anna")));
    assert!(join["body"]["channel"]["from"]["image"].is_string());
    let typing = until(&mut ws, "typing", |v| v["body"]["events"][0]["eventType"] == "Typing").await;
    assert_eq!(typing["body"]["events"][0]["typing"], json!({"type": "On", "duration": 5000}));
    until(&mut ws, "the greeting", |v| v["body"]["type"] == "Text" && v["body"]["direction"] == "Outbound").await;
    put(&mut ws, text("tok-agent", "my order", "c-2")).await;
    let reply = until(&mut ws, "the reply", |v| v["body"]["direction"] == "Outbound" && v["body"]["type"] == "Text").await;
    assert_eq!(reply["body"]["text"], "You said: my order");
    assert_eq!(reply["body"]["originatingEntity"], "Human");
    put(&mut ws, text("tok-agent", "/bot", "c-3")).await;
    let bot = until(&mut ws, "the bot", |v| v["body"]["originatingEntity"] == "Bot").await;
    assert_eq!(bot["body"]["content"][0]["contentType"], "QuickReply");
    put(&mut ws, text("tok-agent", "/leave", "c-4")).await;
    let gone = until(&mut ws, "the disconnect", |v| v["body"]["events"][0]["presence"]["type"] == "Disconnect").await;
    assert_eq!(gone["body"]["metadata"]["readOnly"], "true");
    put(&mut ws, text("tok-agent", "still there?", "c-5")).await;
    let refused = until(&mut ws, "the refusal", |v| v["tracingId"] == "c-5").await;
    assert_eq!((refused["class"].as_str(), refused["code"].as_u64()), (Some("string"), Some(4000)));
}

/// `echo` is answered with a "ping" StructuredMessage carrying the same tracingId; the third in a minute is rate-limited.
#[tokio::test]
async fn echo_is_answered_then_rate_limited() {
    let s = server(false).await;
    let (mut ws, _) = session(&s, "tok-ping", false).await;
    let id = "SGVhbHRoQ2hlY2tNZXNzYWdlSWQ=";
    let ping = json!({"action": "echo", "token": "tok-ping", "tracingId": id, "message": {"type": "Text", "text": "ping"}});
    for _ in 0..2 {
        put(&mut ws, ping.clone()).await;
        let r = next(&mut ws).await.expect("the echo");
        assert_eq!((r["type"].as_str(), r["class"].as_str(), r["tracingId"].as_str()), (Some("response"), Some("StructuredMessage"), Some(id)));
        assert_eq!((r["body"]["text"].as_str(), r["body"]["metadata"]["customMessageId"].as_str()), (Some("ping"), Some(id)));
    }
    put(&mut ws, ping).await;
    let r = next(&mut ws).await.expect("the refusal");
    assert_eq!((r["class"].as_str(), r["body"]["errorCode"].as_u64(), r["body"]["retryAfter"].as_u64()), (Some("TooManyRequestsErrorMessage"), Some(4029), Some(1)));
}

/// getJwt gives the JWT with which history lists the session's messages newest first, paged; a wrong JWT is a 401.
#[tokio::test]
async fn history_with_the_jwt_lists_newest_first() {
    let s = server(false).await;
    let (mut ws, _) = session(&s, "tok-hist", false).await;
    for (i, t) in ["one", "two", "three"].iter().enumerate() {
        put(&mut ws, text("tok-hist", t, &format!("h-{i}"))).await;
        until(&mut ws, "the echo", |v| v["class"] == "StructuredMessage").await;
    }
    put(&mut ws, json!({"action": "getJwt", "token": "tok-hist", "tracingId": "j"})).await;
    let r = until(&mut ws, "the JWT", |v| v["class"] == "JwtResponse").await;
    let jwt = r["body"]["jwt"].as_str().expect("jwt").to_owned();
    assert!(r["body"]["exp"].as_u64().is_some());
    let auth = format!("Bearer {jwt}");
    let page = send(s.addr, "GET", "/api/v2/webmessaging/messages?pageSize=2&pageNumber=1", &[("Authorization", &auth)], "").await;
    assert_eq!(page.status, 200);
    let texts: Vec<&str> = page.body["entities"].as_array().expect("entities").iter().filter_map(|e| e["text"].as_str()).collect();
    assert_eq!(texts, ["three", "two"]);
    assert_eq!((page.body["total"].as_u64(), page.body["pageCount"].as_u64(), page.body["pageSize"].as_u64()), (Some(3), Some(2), Some(2)));
    let second = send(s.addr, "GET", "/api/v2/webmessaging/messages?pageSize=2&pageNumber=2", &[("Authorization", &auth)], "").await;
    assert_eq!(second.body["entities"][0]["text"], "one");
    let bad = send(s.addr, "GET", "/api/v2/webmessaging/messages", &[("Authorization", "Bearer nope")], "").await;
    assert_eq!(bad.status, 401);
}

/// A text over 4096 bytes gets 4011 and custom attributes over 2048 bytes get 4013; neither is stored.
#[tokio::test]
async fn limits_refuse_long_texts_and_large_attributes() {
    let s = server(false).await;
    let (mut ws, _) = session(&s, "tok-long", false).await;
    put(&mut ws, text("tok-long", &"x".repeat(4097), "long")).await;
    let r = next(&mut ws).await.expect("the refusal");
    assert_eq!((r["class"].as_str(), r["code"].as_u64(), r["tracingId"].as_str()), (Some("string"), Some(4011), Some("long")));
    let mut big = text("tok-long", "hi", "attrs");
    big["message"]["channel"] = json!({"metadata": {"customAttributes": {"a": "y".repeat(2100)}}});
    put(&mut ws, big).await;
    assert_eq!(next(&mut ws).await.expect("the refusal")["code"], 4013);
    assert!(standin::world::lock(&s.world).webmsg.sessions["tok-long"].messages.is_empty());
}

/// onAttachment gives a presigned URL; a PUT there sends UploadSuccessEvent and the bytes download back; a bad type is 4001.
#[tokio::test]
async fn an_attachment_is_uploaded_through_the_presigned_url() {
    let s = server(false).await;
    let (mut ws, _) = session(&s, "tok-file", false).await;
    put(&mut ws, json!({"action": "onAttachment", "token": "tok-file", "attachmentId": "att-1", "fileName": "notes.txt",
        "fileType": "text/plain", "fileSize": 11, "fileMd5": "", "errorsAsJson": true})).await;
    let r = next(&mut ws).await.expect("the URL");
    assert_eq!((r["class"].as_str(), r["body"]["attachmentId"].as_str()), (Some("PresignedUrlResponse"), Some("att-1")));
    assert_eq!(r["body"]["headers"]["Content-Type"], "text/plain");
    let url = r["body"]["url"].as_str().expect("url");
    let path = &url[url.find("/webmsg/").expect("a stand-in path")..];
    let put_reply = send(s.addr, "PUT", path, &[("Content-Type", "text/plain")], "hello world").await;
    assert_eq!(put_reply.status, 200);
    let ok = next(&mut ws).await.expect("the success event");
    assert_eq!((ok["class"].as_str(), ok["body"]["attachmentId"].as_str()), (Some("UploadSuccessEvent"), Some("att-1")));
    assert!(ok["body"]["timestamp"].is_string());
    let download = ok["body"]["downloadUrl"].as_str().expect("downloadUrl");
    let dpath = &download[download.find("/webmsg/").expect("a stand-in path")..];
    let got = send(s.addr, "GET", dpath, &[], "").await;
    assert_eq!(got.status, 200);
    assert!(got.headers.contains("content-type: text/plain"));
    let mut with_file = text("tok-file", "see attached", "file-msg");
    with_file["message"]["content"] = json!([{"contentType": "Attachment", "attachment": {"id": "att-1"}}]);
    put(&mut ws, with_file).await;
    let echoed = next(&mut ws).await.expect("the echo");
    let att = &echoed["body"]["content"][0]["attachment"];
    assert_eq!((att["filename"].as_str(), att["mime"].as_str(), att["url"].as_str()), (Some("notes.txt"), Some("text/plain"), Some(download)));
    put(&mut ws, json!({"action": "onAttachment", "token": "tok-file", "attachmentId": "att-2", "fileName": "run.exe",
        "fileType": "application/x-msdownload", "fileSize": 10})).await;
    let bad = next(&mut ws).await.expect("the error");
    assert_eq!((bad["class"].as_str(), bad["body"]["errorCode"].as_u64()), (Some("GenerateUrlError"), Some(4001)));
    put(&mut ws, json!({"action": "onAttachment", "token": "tok-file", "attachmentId": "att-3", "fileName": "big.pdf",
        "fileType": "application/pdf", "fileSize": 3_000_000})).await;
    assert_eq!(next(&mut ws).await.expect("the error")["body"]["errorCode"], 4002);
}

/// closeSession closes the other socket with ConnectionClosedEvent, answers SessionResponse connected:false readOnly:true, and spends the token (4007 unless startNew).
#[tokio::test]
async fn close_session_closes_the_other_socket() {
    let s = server(false).await;
    let (mut a, _) = session(&s, "tok-close", false).await;
    let (mut b, _) = session(&s, "tok-close", false).await;
    put(&mut a, json!({"action": "closeSession", "token": "tok-close", "closeAllConnections": true})).await;
    assert_eq!(next(&mut b).await.expect("the event")["class"], "ConnectionClosedEvent");
    assert!(next(&mut b).await.is_none(), "the other socket closes");
    let r = next(&mut a).await.expect("the answer");
    assert_eq!((r["class"].as_str(), r["body"]["connected"].as_bool(), r["body"]["readOnly"].as_bool()), (Some("SessionResponse"), Some(false), Some(true)));
    put(&mut a, json!({"action": "configureSession", "token": "tok-close", "deploymentId": "demo-deployment", "startNew": true})).await;
    let r = next(&mut a).await.expect("a new session on the same socket");
    assert_eq!((r["body"]["connected"].as_bool(), r["body"]["newSession"].as_bool()), (Some(true), Some(true)));
    put(&mut a, json!({"action": "closeSession", "token": "tok-close", "closeAllConnections": true})).await;
    next(&mut a).await.expect("closed again");
    let mut c = connect(&s, "demo-deployment").await;
    put(&mut c, json!({"action": "configureSession", "token": "tok-close", "deploymentId": "demo-deployment", "startNew": false})).await;
    assert_eq!(next(&mut c).await.expect("the refusal")["code"], 4007);
    put(&mut c, json!({"action": "configureSession", "token": "tok-close", "deploymentId": "demo-deployment", "startNew": true})).await;
    let r = next(&mut c).await.expect("a new session");
    assert_eq!((r["class"].as_str(), r["body"]["newSession"].as_bool()), (Some("SessionResponse"), Some(true)));
}

/// A fourth socket on one session closes the oldest with ConnectionClosedEvent.
#[tokio::test]
async fn a_fourth_socket_closes_the_oldest() {
    let s = server(false).await;
    let (mut first, _) = session(&s, "tok-many", false).await;
    let mut rest = Vec::new();
    for _ in 0..3 {
        rest.push(session(&s, "tok-many", false).await.0);
    }
    let ev = next(&mut first).await.expect("the event");
    assert_eq!(ev["class"], "ConnectionClosedEvent");
    assert!(next(&mut first).await.is_none());
}

/// Control actions: agentSay reaches the socket, rateLimit refuses with 4029, expire sends SessionExpiredEvent then 4006, refuseUpgrades answers 503.
#[tokio::test]
async fn control_actions_steer_the_session() {
    let s = server(false).await;
    let (mut ws, _) = session(&s, "tok-ctl", false).await;
    let act = |body: Value| async move { send(s.addr, "POST", "/control/webmsg/tok-ctl/act", &[("Content-Type", "application/json")], &body.to_string()).await.status };
    assert_eq!(act(json!({"action": "agentSay", "text": "Hi there"})).await, 204);
    let m = next(&mut ws).await.expect("the agent's text");
    assert_eq!((m["body"]["text"].as_str(), m["body"]["channel"]["from"]["nickname"].as_str()), (Some("Hi there"), Some("Anna")));
    assert_eq!(act(json!({"action": "rateLimit", "count": 1})).await, 204);
    put(&mut ws, text("tok-ctl", "hi", "r-1")).await;
    let r = next(&mut ws).await.expect("the refusal");
    assert_eq!((r["code"].as_u64(), r["body"]["errorCode"].as_u64(), r["tracingId"].as_str()), (Some(429), Some(4029), Some("r-1")));
    assert_eq!(act(json!({"action": "expire"})).await, 204);
    assert_eq!(next(&mut ws).await.expect("the event")["class"], "SessionExpiredEvent");
    put(&mut ws, json!({"action": "configureSession", "token": "tok-ctl", "deploymentId": "demo-deployment", "startNew": false})).await;
    assert_eq!(next(&mut ws).await.expect("the refusal")["code"], 4006);
    let global = send(s.addr, "POST", "/control/webmsg/act", &[("Content-Type", "application/json")], r#"{"action":"refuseUpgrades","count":1}"#).await;
    assert_eq!(global.status, 204);
    let url = format!("ws://{}/v1?deploymentId=demo-deployment", s.addr);
    assert!(tokio_tungstenite::connect_async(url.clone()).await.is_err(), "the upgrade is refused");
    assert!(tokio_tungstenite::connect_async(url).await.is_ok(), "the next one goes through");
}

/// The deployment config carries the conversation features; an unknown deployment is a 404.
#[tokio::test]
async fn the_deployment_config_is_served() {
    let s = server(false).await;
    let r = send(s.addr, "GET", "/webdeployments/v1/deployments/demo-deployment/config.json", &[], "").await;
    assert_eq!(r.status, 200);
    let c = &r.body["messenger"]["apps"]["conversations"];
    assert_eq!((c["showAgentTypingIndicator"].as_bool(), c["autoStart"]["enabled"].as_bool()), (Some(true), Some(true)));
    assert_eq!(c["conversationDisconnect"], json!({"enabled": true, "type": "ReadOnly"}));
    assert_eq!(r.body["messenger"]["fileUpload"]["modes"][0]["maxFileSizeKB"], 2048);
    assert_eq!(send(s.addr, "GET", "/webdeployments/v1/deployments/other/config.json", &[], "").await.status, 404);
}

/// More than 2 onMessage in a second on one session (the default) is refused with TooManyRequestsErrorMessage 4029 (retryAfter 1).
#[tokio::test]
async fn a_third_message_in_a_second_is_rate_limited() {
    let s = server(false).await;
    standin::world::lock(&s.world).webmsg.messages_per_second = None;
    let (mut ws, _) = session(&s, "tok-fast", false).await;
    for i in 0..3 {
        put(&mut ws, text("tok-fast", "quick", &format!("f-{i}"))).await;
    }
    let r = until(&mut ws, "the refusal", |v| v["tracingId"] == "f-2").await;
    assert_eq!((r["class"].as_str(), r["body"]["errorCode"].as_u64(), r["body"]["retryAfter"].as_u64()), (Some("TooManyRequestsErrorMessage"), Some(4029), Some(1)));
    assert_eq!(standin::world::lock(&s.world).webmsg.sessions["tok-fast"].messages.len(), 2);
}

/// Control: stopEcho leaves echo unanswered, readOnlyLeave sends a read-only Disconnect (and a reconnect is readOnly), connectionClosed and drop close the sockets.
#[tokio::test]
async fn control_faults_close_and_silence_the_session() {
    let s = server(false).await;
    let act = |token: &'static str, body: Value| async move {
        send(s.addr, "POST", &format!("/control/webmsg/{token}/act"), &[("Content-Type", "application/json")], &body.to_string()).await.status
    };
    let (mut ws, _) = session(&s, "tok-f", false).await;
    assert_eq!(act("tok-f", json!({"action": "stopEcho"})).await, 204);
    put(&mut ws, json!({"action": "echo", "token": "tok-f", "tracingId": "e-1", "message": {"type": "Text", "text": "ping"}})).await;
    assert_eq!(act("tok-f", json!({"action": "readOnlyLeave"})).await, 204);
    let m = next(&mut ws).await.expect("the disconnect, and no echo before it");
    assert_eq!((m["body"]["events"][0]["presence"]["type"].as_str(), m["body"]["metadata"]["readOnly"].as_str()), (Some("Disconnect"), Some("true")));
    let (mut again, r) = session(&s, "tok-f", false).await;
    assert_eq!(r["body"]["readOnly"], true);
    assert_eq!(act("tok-f", json!({"action": "connectionClosed"})).await, 204);
    for socket in [&mut ws, &mut again] {
        let ev = next(socket).await.expect("the event");
        assert_eq!((ev["class"].as_str(), ev["body"]["reason"].as_str()), (Some("ConnectionClosedEvent"), Some("signedIn")));
        assert!(next(socket).await.is_none());
    }
    let (mut dropped, _) = session(&s, "tok-f", false).await;
    assert_eq!(act("tok-f", json!({"action": "drop"})).await, 204);
    assert!(next(&mut dropped).await.is_none(), "dropped without a frame");
    assert_eq!(act("tok-none", json!({"action": "drop"})).await, 404);
}

/// A network fault for `webmsg` `history` answers the history call with its status; `socket` refuses the upgrade.
#[tokio::test]
async fn network_faults_reach_web_messaging() {
    let s = server(false).await;
    let (mut ws, _) = session(&s, "tok-net", false).await;
    put(&mut ws, json!({"action": "getJwt", "token": "tok-net"})).await;
    let jwt = next(&mut ws).await.expect("the JWT")["body"]["jwt"].as_str().expect("jwt").to_owned();
    let json_type = [("Content-Type", "application/json")];
    let queued = send(s.addr, "POST", "/control/faults", &json_type, r#"[{"kind":"http","transport":"webmsg","op":"history","status":503},{"kind":"http","transport":"webmsg","op":"socket"}]"#).await;
    assert_eq!(queued.status, 204);
    let auth = format!("Bearer {jwt}");
    assert_eq!(send(s.addr, "GET", "/api/v2/webmessaging/messages", &[("Authorization", &auth)], "").await.status, 503);
    assert_eq!(send(s.addr, "GET", "/api/v2/webmessaging/messages", &[("Authorization", &auth)], "").await.status, 200);
    let url = format!("ws://{}/v1?deploymentId=demo-deployment", s.addr);
    assert!(tokio_tungstenite::connect_async(url).await.is_err(), "the upgrade is refused");
}

/// Presence Clear sends SessionClearedEvent then ConnectionClosedEvent and closes; the next configureSession starts a new, empty session.
#[tokio::test]
async fn clear_ends_the_conversation() {
    let s = server(false).await;
    let (mut ws, _) = session(&s, "tok-clear", false).await;
    put(&mut ws, text("tok-clear", "forget me", "c-1")).await;
    until(&mut ws, "the echo", |v| v["class"] == "StructuredMessage").await;
    put(&mut ws, json!({"action": "onMessage", "token": "tok-clear", "message": {"type": "Event", "events": [{"eventType": "Presence", "presence": {"type": "Clear"}}]}})).await;
    assert_eq!(next(&mut ws).await.expect("cleared")["class"], "SessionClearedEvent");
    assert_eq!(next(&mut ws).await.expect("closed")["class"], "ConnectionClosedEvent");
    assert!(next(&mut ws).await.is_none());
    let (_again, r) = session(&s, "tok-clear", false).await;
    assert_eq!(r["body"]["newSession"], true);
    assert!(standin::world::lock(&s.world).webmsg.sessions["tok-clear"].messages.is_empty());
}

//! The network fault layer (`standin::netfault`) over raw HTTP: each kind does to a request
//! what it says (answered with an error without processing, never answered, processed then
//! its answer cut, hung, late or replaced by a 502) on GMS, guest chat and Nexus v3 alike;
//! selection by transport, operation, method and path; counts; the guest stream's upgrade
//! refused; the control API that queues, lists and clears faults.

mod http;

use http::send;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const FORM: (&str, &str) = (
    "Content-Type",
    "application/x-www-form-urlencoded; charset=UTF-8",
);
const JSON: (&str, &str) = ("Content-Type", "application/json");

async fn server() -> standin::Running {
    let s = standin::start(0, standin::Roots::of_repo())
        .await
        .expect("starts");
    standin::world::lock(&s.world).agent.auto = false;
    s
}

/// What a client got over one connection.
struct Got {
    /// Everything read, as text.
    raw: String,
    /// When the first byte came, from the request on.
    first_byte: Option<Duration>,
    /// The answer is whole: its Content-Length or its chunked terminator arrived.
    complete: bool,
}

impl Got {
    fn status(&self) -> u16 {
        self.raw
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }
}

/// Sends a request and reads until the server closes, fails or `wait` passes.
async fn raw(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
    wait: Duration,
) -> Got {
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connects");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    stream.write_all(req.as_bytes()).await.expect("writes");
    let start = Instant::now();
    let mut bytes = Vec::new();
    let mut first_byte = None;
    let mut buf = [0u8; 4096];
    loop {
        let left = wait.saturating_sub(start.elapsed());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => {
                first_byte.get_or_insert(start.elapsed());
                bytes.extend_from_slice(&buf[..n]);
            }
            _ => break,
        }
    }
    let raw = String::from_utf8_lossy(&bytes).into_owned();
    let (head, rest) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let head_lc = head.to_ascii_lowercase();
    let length = head_lc
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    let complete = match length {
        Some(n) => rest.len() == n,
        None if head_lc.contains("transfer-encoding: chunked") => rest.ends_with("0\r\n\r\n"),
        None => !head.is_empty() && raw.contains("\r\n\r\n"),
    };
    Got {
        raw,
        first_byte,
        complete,
    }
}

async fn faults(addr: SocketAddr, body: Value) -> u16 {
    send(addr, "POST", "/control/faults", &[JSON], &body.to_string())
        .await
        .status
}

/// A GMS chat: (its operation path prefix, the id fields every operation carries).
async fn gms_chat(addr: SocketAddr) -> (String, String) {
    let start = send(addr, "POST", "/genesys/2/chat/svc/", &[FORM], "nickname=Jo")
        .await
        .body;
    let field = |k: &str| start[k].as_str().expect("an id").to_owned();
    (
        format!("/genesys/2/chat/svc/{}", field("chatId")),
        format!(
            "alias={}&secureKey={}&userId={}",
            field("alias"),
            field("secureKey"),
            field("userId")
        ),
    )
}

/// What the visitor said in the one GMS chat, as the server keeps it.
fn gms_said(s: &standin::Running) -> Vec<String> {
    let w = standin::world::lock(&s.world);
    w.chats
        .values()
        .flat_map(|c| c.transcript.iter())
        .filter(|m| m["type"] == "Message" && m["from"]["type"] == "Client")
        .map(|m| m["text"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// `http` answers its status without processing; the answer carries CORS headers, so a page sees the status.
#[tokio::test]
async fn http_answers_a_status_without_processing() {
    let s = server().await;
    let (base, ids) = gms_chat(s.addr).await;
    assert_eq!(
        faults(
            s.addr,
            json!({"kind": "http", "status": 500, "transport": "gms", "op": "send"})
        )
        .await,
        204
    );
    let r = send(
        s.addr,
        "POST",
        &format!("{base}/send"),
        &[FORM, ("Origin", "https://shop.example")],
        &format!("{ids}&message=m1"),
    )
    .await;
    assert_eq!(r.status, 500);
    assert!(
        r.headers
            .contains("access-control-allow-origin: https://shop.example"),
        "{}",
        r.headers
    );
    assert!(gms_said(&s).is_empty(), "not processed");
    send(
        s.addr,
        "POST",
        &format!("{base}/send"),
        &[FORM],
        &format!("{ids}&message=m2"),
    )
    .await;
    assert_eq!(gms_said(&s), ["m2"], "the count was one");
}

/// `before_hang` gives no byte for its delay and does not process; `before_drop` cuts a head without processing.
#[tokio::test]
async fn before_faults_never_process() {
    let s = server().await;
    let (base, ids) = gms_chat(s.addr).await;
    faults(s.addr, json!([{"kind": "before_hang", "op": "gms.send", "delay_ms": 1200}, {"kind": "before_drop", "transport": "gms", "op": "send"}])).await;
    let hung = raw(
        s.addr,
        "POST",
        &format!("{base}/send"),
        &[FORM],
        &format!("{ids}&message=m1"),
        Duration::from_secs(5),
    )
    .await;
    assert!(
        hung.first_byte
            .is_some_and(|t| t >= Duration::from_millis(1100)),
        "silent for the delay: {:?}",
        hung.first_byte
    );
    assert!(!hung.complete, "then cut: {}", hung.raw);
    let dropped = raw(
        s.addr,
        "POST",
        &format!("{base}/send"),
        &[FORM],
        &format!("{ids}&message=m2"),
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(dropped.status(), 200, "a head goes out first");
    assert!(!dropped.complete, "and the body is cut: {}", dropped.raw);
    assert!(gms_said(&s).is_empty(), "neither was processed");
}

/// `after_drop` processes (the message is stored) and then cuts the answer mid-body, so the client never gets it whole.
#[tokio::test]
async fn after_drop_processes_then_cuts_the_answer() {
    let s = server().await;
    let (base, ids) = gms_chat(s.addr).await;
    faults(
        s.addr,
        json!({"kind": "after_drop", "transport": "gms", "op": "send"}),
    )
    .await;
    let r = raw(
        s.addr,
        "POST",
        &format!("{base}/send"),
        &[FORM],
        &format!("{ids}&message=m1&transcriptPosition=1"),
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(
        r.raw.contains("\"chatId\""),
        "half of the real answer: {}",
        r.raw
    );
    assert!(!r.complete, "cut before its end: {}", r.raw);
    assert_eq!(gms_said(&s), ["m1"], "processed once");
}

/// `after_hang` processes at once and answers nothing for its delay; `after_late` processes at once and answers whole, late.
#[tokio::test]
async fn after_hang_and_after_late_process_before_waiting() {
    let s = server().await;
    let (base, ids) = gms_chat(s.addr).await;
    faults(s.addr, json!([{"kind": "after_hang", "transport": "gms", "op": "send", "delay_ms": 1500}, {"kind": "after_late", "transport": "gms", "op": "send", "delay_ms": 1000}])).await;
    let (addr, path, form) = (s.addr, format!("{base}/send"), format!("{ids}&message=m1"));
    let hung = tokio::spawn(async move {
        raw(addr, "POST", &path, &[FORM], &form, Duration::from_secs(5)).await
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(gms_said(&s), ["m1"], "stored while the answer hangs");
    let hung = hung.await.expect("the client task");
    assert!(
        hung.first_byte
            .is_some_and(|t| t >= Duration::from_millis(1400)),
        "{:?}",
        hung.first_byte
    );
    assert!(!hung.complete, "no real answer ever: {}", hung.raw);

    let (path, form) = (format!("{base}/send"), format!("{ids}&message=m2"));
    let late = tokio::spawn(async move {
        raw(addr, "POST", &path, &[FORM], &form, Duration::from_secs(5)).await
    });
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(gms_said(&s), ["m1", "m2"], "stored before the late answer");
    let late = late.await.expect("the client task");
    assert!(
        late.first_byte
            .is_some_and(|t| t >= Duration::from_millis(900)),
        "{:?}",
        late.first_byte
    );
    assert!(
        late.complete && late.status() == 200,
        "the whole answer, late: {}",
        late.raw
    );
}

/// `after_5xx` processes and answers 502 (or its status) instead; counts apply to that many requests.
#[tokio::test]
async fn after_5xx_processes_then_answers_an_error() {
    let s = server().await;
    let (base, ids) = gms_chat(s.addr).await;
    faults(
        s.addr,
        json!({"kind": "after_5xx", "transport": "gms", "op": "send", "count": 2}),
    )
    .await;
    for m in ["m1", "m2", "m3"] {
        let r = send(
            s.addr,
            "POST",
            &format!("{base}/send"),
            &[FORM],
            &format!("{ids}&message={m}"),
        )
        .await;
        assert_eq!(r.status, if m == "m3" { 200 } else { 502 }, "{m}");
    }
    assert_eq!(gms_said(&s), ["m1", "m2", "m3"], "all three were processed");
}

/// Guest chat: `after_drop` on a send stores the message; `http` on the stream op refuses the next upgrades, then one is accepted.
#[tokio::test]
async fn guest_sends_and_stream_upgrades() {
    let s = server().await;
    let created = send(s.addr, "POST", "/api/v2/webchat/guest/conversations", &[JSON], &json!({"organizationId": "o", "deploymentId": "d",
        "routingTarget": {"targetType": "QUEUE", "targetAddress": "Q"}, "memberInfo": {"displayName": "Gwen"}}).to_string()).await.body;
    let (conv, member, jwt) = (
        created["id"].as_str().expect("id"),
        created["member"]["id"].as_str().expect("member"),
        created["jwt"].as_str().expect("jwt"),
    );
    let bearer = format!("Bearer {jwt}");
    faults(s.addr, json!([{"kind": "after_drop", "transport": "guest", "op": "send"}, {"kind": "http", "status": 503, "transport": "guest", "op": "stream", "count": 2}])).await;
    let path = format!("/api/v2/webchat/guest/conversations/{conv}/members/{member}/messages");
    let r = raw(
        s.addr,
        "POST",
        &path,
        &[JSON, ("Authorization", &bearer)],
        r#"{"body":"g1","bodyType":"standard"}"#,
        Duration::from_secs(5),
    )
    .await;
    assert!(!r.complete, "the answer is cut: {}", r.raw);
    let stored: Vec<Value> = standin::world::lock(&s.world).guest[conv]
        .messages
        .iter()
        .map(|m| m["body"].clone())
        .collect();
    assert_eq!(stored, [json!("g1")], "the message was stored");

    let token = created["eventStreamUri"]
        .as_str()
        .and_then(|u| u.rsplit('/').next())
        .expect("a stream token")
        .to_owned();
    let upgrade = [
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Version", "13"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ];
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let mut stream = tokio::net::TcpStream::connect(s.addr)
            .await
            .expect("connects");
        let mut req = format!("GET /guest/stream/{token} HTTP/1.1\r\nHost: {}\r\n", s.addr);
        for (k, v) in upgrade {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        stream.write_all(req.as_bytes()).await.expect("writes");
        let mut buf = [0u8; 256];
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("answers")
            .expect("reads");
        statuses.push(
            String::from_utf8_lossy(&buf[..n])
                .split(' ')
                .nth(1)
                .unwrap_or("")
                .to_owned(),
        );
    }
    assert_eq!(
        statuses,
        ["503", "503", "101"],
        "two upgrades refused, the third accepted"
    );
}

/// Nexus v3: `after_drop` on a poll moves the server's cursor (the messages count as given) while the client never reads them; a path substring narrows a fault to one session.
#[tokio::test]
async fn nexus_poll_answers_lost_after_processing() {
    let s = server().await;
    let create = |name: &'static str| async move {
        let r = send(
            s.addr,
            "POST",
            "/nexus/v3/chat/sessions",
            &[FORM],
            &format!("data%5BfirstName%5D={name}&data%5Bendpoint%5D=ep&operationId=op1"),
        )
        .await;
        let token = r.body["data"]["clientToken"]
            .as_str()
            .expect("a token")
            .to_owned();
        let uri = r.body["data"]["selfUri"]
            .as_str()
            .expect("selfUri")
            .to_owned();
        (uri, token)
    };
    let (one, key1) = create("Jo").await;
    let (two, key2) = create("Al").await;
    let sid = one.rsplit('/').next().expect("an id").to_owned();
    faults(
        s.addr,
        json!({"kind": "after_drop", "transport": "nexus", "op": "poll", "path": sid}),
    )
    .await;
    let poll = |uri: String, key: String| async move {
        raw(
            s.addr,
            "GET",
            &format!("{uri}/messages?operationId=p"),
            &[("x-nexus-client-key", &key)],
            "",
            Duration::from_secs(5),
        )
        .await
    };
    let other = poll(two.clone(), key2.clone()).await;
    assert!(
        other.complete && other.raw.contains("ParticipantJoined"),
        "the other session is untouched: {}",
        other.raw
    );
    let cut = poll(one.clone(), key1.clone()).await;
    assert!(!cut.complete, "{}", cut.raw);
    let next = poll(one, key1).await;
    assert!(
        next.complete && !next.raw.contains("ParticipantJoined"),
        "the lost answer's messages count as given: {}",
        next.raw
    );
}

/// The control API: faults listed while queued and once applied, DELETE clears the queues, a bad kind is refused, and no fault touches the control API or static files.
#[tokio::test]
async fn control_lists_clears_and_spares_non_api_paths() {
    let s = server().await;
    assert_eq!(
        faults(s.addr, json!({"kind": "sideways"})).await,
        400,
        "an unknown kind is refused"
    );
    assert_eq!(
        faults(
            s.addr,
            json!([{"kind": "http", "transport": "gms"}, {"kind": "status1", "op": "refresh"}])
        )
        .await,
        204
    );
    let listed = send(s.addr, "GET", "/control/faults", &[], "").await.body;
    assert_eq!(
        (
            listed["network"].as_array().map(Vec::len),
            listed["handler"].as_array().map(Vec::len)
        ),
        (Some(1), Some(1)),
        "{listed}"
    );
    assert_eq!(
        send(s.addr, "GET", "/control/chats", &[], "").await.status,
        200,
        "the control API is never faulted"
    );
    assert_eq!(
        raw(s.addr, "GET", "/cxbus.js", &[], "", Duration::from_secs(5))
            .await
            .status(),
        200,
        "static files neither"
    );
    let r = send(
        s.addr,
        "POST",
        "/genesys/2/chat/svc/",
        &[FORM],
        "nickname=Jo",
    )
    .await;
    assert_eq!(r.status, 503, "the first API request takes it");
    let applied = send(s.addr, "GET", "/control/faults", &[], "").await.body;
    assert_eq!(applied["applied"][0]["transport"], "gms");
    assert_eq!(applied["applied"][0]["op"], "request");
    assert_eq!(applied["network"], json!([]));
    faults(s.addr, json!({"kind": "http", "transport": "nexus"})).await;
    assert_eq!(
        send(s.addr, "DELETE", "/control/faults", &[], "")
            .await
            .status,
        204
    );
    let cleared = send(s.addr, "GET", "/control/faults", &[], "").await.body;
    assert_eq!(
        (cleared["network"].clone(), cleared["handler"].clone()),
        (json!([]), json!([]))
    );
}

//! Genesys Cloud Web Messaging (Messenger) guest API (spec/protocols.md §4, §4.1; issue 18):
//! the WebSocket at `/v1?deploymentId=<id>`, the history REST call
//! (`GET /api/v2/webmessaging/messages` with the `getJwt` JWT), the deployment config
//! (`GET /webdeployments/v1/deployments/<id>/config.json`) and presigned-URL uploads
//! (`PUT /webmsg/upload/<id>`, then `GET /webmsg/download/<id>`). The scripted agent is
//! in `webmsg_agent.rs`; control actions are [`act`].
//!
//! Wire facts follow spec/protocols.md §4 as corrected by docs/web-messaging-facts.md
//! (the fact sheet wins where they differ). Choices made where the sources are vague:
//! * Only the deployment [`DEPLOYMENT`] exists. For any other id the upgrade is accepted
//!   and every `configureSession` answers `{"type":"response","class":"string","code":400,
//!   "body":"Deployment not found"}` (the socket stays open); its `config.json` is a 404.
//!   The deployment is the URL's `deploymentId`, or the request's when the URL has none.
//! * Sessions are keyed by the client's token. An unknown token with `startNew: false`
//!   makes a new session (`newSession: true`), as a first visit does. A token spent by
//!   `closeSession` answers `startNew: false` with 4007 "Session not found"; an expired
//!   session (control `expire`) answers it with 4006 "Session expired". `startNew: true`
//!   always starts a fresh conversation for the token (`clearedExistingSession` says
//!   whether one was there). `expirationDate` is epoch seconds, `durationSeconds` 72 h.
//! * Every action but `configureSession` and `echo` needs the connection to have
//!   configured that token first; otherwise 4007. Actions on an expired session: 4006.
//! * Inbound echoes, agent messages and events are `type: "message"`; answers to a request
//!   are `type: "response"` with the request's `tracingId`.
//! * The visitor's Presence `Join` is echoed as an Inbound Event and kept in history (the
//!   fact sheet: the autostart Join comes back, history holds Event messages); Typing is
//!   neither kept nor echoed. Presence `Clear` sends `SessionClearedEvent`, then
//!   `ConnectionClosedEvent {}` and a close to every socket, and forgets the conversation:
//!   the next `configureSession` starts a new one. No other answer is sent to it.
//! * A text on a read-only session answers `class: "string"`, code 4000.
//! * `closeSession` (fact sheet §6): the session's other sockets get
//!   `ConnectionClosedEvent {}` and a close; the asking socket is answered
//!   `SessionResponse {connected: false, readOnly: true}` and stays open, detached, for
//!   the `configureSession {startNew: true}` that follows; the token is spent. The control
//!   action `drop` closes the sockets with no frame at all (the TCP connection just goes).
//! * Limits: text over 4096 bytes (UTF-8) → 4011; `channel.metadata.customAttributes`
//!   (inside `message`, or at the request's top level as JV/ovo send it) over 2048 bytes
//!   as compact JSON → 4013; more than [`MESSAGES_PER_SECOND`] (2, the fact sheet's
//!   current limit; the brief said 5; control `messageRate`) `onMessage` a second per
//!   session → `TooManyRequestsErrorMessage` (code 429, `{retryAfter: 1, errorCode: 4029,
//!   errorMessage}`), as is a third `echo` within a minute on one connection (that echo
//!   limit is unconfirmed). A 4th socket on one session gets the oldest a
//!   `ConnectionClosedEvent {}` (no reason: the session limit) and a close; control
//!   `connectionClosed` sends `{reason: "signedIn"}` to all.
//! * The `echo` reply carries the id both ways (envelope `tracingId`, and
//!   `metadata.customMessageId` from the request's metadata or else its `tracingId`).
//! * Uploads: the client's `attachmentId` is kept when it is plain (letters, digits, `-`,
//!   `_`, at most 64), else the server makes one. A type outside the allowed list, or a
//!   file name ending in a blocked extension → `GenerateUrlError` 4001; a `fileSize` over
//!   2048 KiB → 4002 (both `type: "message"`, code 200, as the fixtures). A `PUT` whose
//!   body is over the limit answers 413 and sends `UploadFailureEvent` 4002.
//!   `UploadSuccessEvent` goes to the socket that asked for the URL (every socket of the
//!   session if that one is gone). `getAttachment` answers a `PresignedUrlResponse` with
//!   empty `headers` and the download `url`. A message's
//!   `content[{contentType:"Attachment", attachment:{id}}]` is filled in from the upload
//!   (`url`, `filename`, `mime`, `mediaType`, `fileSize`) on its echo and in history.
//! * The history REST call takes `Bearer` or `bearer` and the session's JWT; anything else
//!   is a 401 with a Genesys Cloud `ErrorBody`. `pageSize` defaults to 25 (at most 100),
//!   `pageNumber` to 1; an empty page says `pageSize: 0`. A spent token's JWT is refused.

use crate::guest_world::iso;
use crate::world::{lock, now_ms, Shared, World};
use axum::body::Bytes;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, VecDeque};
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};

/// The one deployment this stand-in knows.
pub const DEPLOYMENT: &str = "demo-deployment";
pub const MAX_TEXT_BYTES: usize = 4096;
pub const MAX_CUSTOM_DATA_BYTES: usize = 2048;
pub const MAX_FILE_KB: u64 = 2048;
pub const FILE_TYPES: [&str; 4] = ["image/png", "image/jpeg", "application/pdf", "text/plain"];
pub const BLOCKED_EXTENSIONS: [&str; 1] = [".exe"];
/// Sockets one session may have at once.
pub const MAX_CONNECTIONS: usize = 3;
/// `onMessage` a second per session (the service's limit since 2023-12 per the fact sheet;
/// control `messageRate {perSecond}` changes it), `echo` a minute per connection.
pub const MESSAGES_PER_SECOND: usize = 2;
pub const ECHOES_PER_MINUTE: usize = 2;
/// The `tracingId` of the official clients' health check (base64 "HealthCheckMessageId").
pub const HEALTH_CHECK_ID: &str = "SGVhbHRoQ2hlY2tNZXNzYWdlSWQ=";
/// A session's lifetime as `SessionResponse` reports it (72 h).
pub const SESSION_SECONDS: u64 = 72 * 3600;

/// What a socket task is told to do.
#[derive(Debug, Clone)]
pub enum Out {
    Frame(String),
    /// Send a close frame, then stop.
    Close,
    /// Stop without a close frame (the connection is just dropped).
    Drop,
}

/// One conversation, keyed by the client's token.
#[derive(Debug, Default, Serialize)]
pub struct WmSession {
    pub token: String,
    pub jwt: String,
    /// StructuredMessage bodies, oldest first.
    pub messages: Vec<Value>,
    pub agent_started: bool,
    pub agent_joined: bool,
    pub read_only: bool,
    pub expired: bool,
    /// `closeSession` was sent: only `startNew: true` brings the token back.
    pub spent: bool,
    pub echo_off: bool,
    /// The next this-many `onMessage` are refused with 4029 (control `rateLimit`).
    pub forced_rate_limits: u32,
    #[serde(skip)]
    pub sends: VecDeque<u64>,
    /// Open sockets, oldest first: (connection id, its channel).
    #[serde(skip)]
    pub conns: Vec<(u64, UnboundedSender<Out>)>,
}

impl WmSession {
    /// Sends a frame to every open socket of the session.
    pub fn broadcast(&mut self, frame: &str) {
        self.conns.retain(|(_, tx)| tx.send(Out::Frame(frame.to_owned())).is_ok());
    }

    /// Tells every socket to close (`Out::Close`) or to go (`Out::Drop`), and forgets them.
    pub fn close_all(&mut self, how: Out) {
        for (_, tx) in self.conns.drain(..) {
            let _ = tx.send(how.clone());
        }
    }
}

/// An attachment asked for with `onAttachment`.
#[derive(Debug, Clone, Serialize)]
pub struct Upload {
    pub token: String,
    pub conn: u64,
    pub file_name: String,
    pub file_type: String,
    pub host: String,
    #[serde(skip)]
    pub data: Option<Vec<u8>>,
}

/// Web Messaging state in the [`World`].
#[derive(Debug, Default)]
pub struct WmWorld {
    pub sessions: BTreeMap<String, WmSession>,
    pub uploads: BTreeMap<String, Upload>,
    /// The next this-many upgrades at `/v1` answer 503.
    pub refuse_upgrades: u32,
    /// `onMessage` allowed a second per session; `None`: [`MESSAGES_PER_SECOND`].
    pub messages_per_second: Option<usize>,
    next_conn: u64,
}

/// The server's envelope.
pub fn envelope(kind: &str, class: &str, code: u16, body: Value, tracing_id: Option<&str>) -> String {
    let mut f = json!({"type": kind, "class": class, "code": code, "body": body});
    if let Some(t) = tracing_id {
        f["tracingId"] = json!(t);
    }
    f.to_string()
}

/// An error answer: `class: "string"`, the text in `body`.
fn error(code: u16, text: &str, tracing_id: Option<&str>) -> String {
    envelope("response", "string", code, json!(text), tracing_id)
}

fn too_many(tracing_id: Option<&str>, what: &str) -> String {
    envelope("response", "TooManyRequestsErrorMessage", 429, json!({"retryAfter": 1, "errorCode": 4029, "errorMessage": what}), tracing_id)
}

/// An id that looks like the service's (UUID-shaped hex).
pub fn new_id(w: &mut World) -> String {
    let n = w.seq();
    let t = now_ms();
    format!("{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}", (t ^ n.wrapping_mul(0x9e37)) & 0xffff_ffff, n & 0xffff, (t >> 4) & 0xfff, n & 0xfff, t.wrapping_mul(2_654_435_761) ^ n)
}

/// The Anna / Helper sender of Outbound messages.
pub fn from_agent(w: &World) -> Value {
    json!({"nickname": w.agent.name, "firstName": w.agent.name, "image": "https://example.invalid/anna.png"})
}

pub fn from_bot() -> Value {
    json!({"nickname": "Helper", "image": "https://example.invalid/helper.png"})
}

/// A StructuredMessage body with fresh ids and the current time; `extra` is merged in.
pub fn body(w: &mut World, direction: &str, kind: &str, from: Option<Value>, originating: &str, extra: Value) -> Value {
    let id = new_id(w);
    let message_id = new_id(w);
    let mut channel = json!({"time": iso(now_ms()), "messageId": message_id, "type": "Private"});
    if let Some(f) = from {
        channel["from"] = f;
    }
    let mut b = json!({"id": id, "type": kind, "direction": direction, "channel": channel, "originatingEntity": originating});
    if let (Value::Object(b), Value::Object(e)) = (&mut b, extra) {
        b.extend(e);
    }
    b
}

/// One open socket.
struct Conn {
    id: u64,
    tx: UnboundedSender<Out>,
    host: String,
    deployment: String,
    token: Option<String>,
    echoes: VecDeque<u64>,
}

/// What the agent script is to do after a visitor's action.
pub enum Trigger {
    /// The conversation started; the visitor's name when the custom attributes gave one.
    Start(Option<String>),
    Reply(String),
}

/// The visitor's name in a message's custom attributes (`nickname`, else `firstName`).
fn visitor_name(msg: &Value) -> Option<String> {
    let a = msg.pointer("/channel/metadata/customAttributes")?;
    ["nickname", "firstName"].iter().find_map(|k| a.get(*k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned))
}

/// `GET /v1?deploymentId=`: the Web Messaging socket.
pub async fn socket(State(world): State<Shared>, Query(q): Query<HashMap<String, String>>, headers: HeaderMap, ws: WebSocketUpgrade) -> Response {
    {
        let mut w = lock(&world);
        if w.webmsg.refuse_upgrades > 0 {
            w.webmsg.refuse_upgrades -= 1;
            return (StatusCode::SERVICE_UNAVAILABLE, "stand-in: upgrade refused").into_response();
        }
    }
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1").to_owned();
    let deployment = q.get("deploymentId").cloned().unwrap_or_default();
    ws.on_upgrade(move |s| serve(world, s, host, deployment))
}

async fn serve(world: Shared, mut socket: WebSocket, host: String, deployment: String) {
    let (tx, mut rx) = unbounded_channel();
    let id = {
        let mut w = lock(&world);
        w.webmsg.next_conn += 1;
        w.webmsg.next_conn
    };
    let mut conn = Conn { id, tx, host, deployment, token: None, echoes: VecDeque::new() };
    loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(Out::Frame(text)) => {
                    if socket.send(WsMessage::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                Some(Out::Close) | None => {
                    let _ = socket.send(WsMessage::Close(None)).await;
                    break;
                }
                Some(Out::Drop) => break,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(WsMessage::Text(text))) => {
                    let (replies, trigger) = handle(&world, &mut conn, text.as_str());
                    let mut failed = false;
                    for r in replies {
                        if socket.send(WsMessage::Text(r.into())).await.is_err() {
                            failed = true;
                            break;
                        }
                    }
                    if let (Some(t), Some(token)) = (trigger, conn.token.clone()) {
                        crate::webmsg_agent::on_visitor(world.clone(), token, t);
                    }
                    if failed {
                        break;
                    }
                }
                Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
        }
    }
    // Forget this socket in its session.
    if let Some(token) = conn.token {
        if let Some(s) = lock(&world).webmsg.sessions.get_mut(&token) {
            s.conns.retain(|(c, _)| *c != conn.id);
        }
    }
}

/// One client frame: the answers for this socket, and what the agent is to do.
fn handle(world: &Shared, conn: &mut Conn, text: &str) -> (Vec<String>, Option<Trigger>) {
    let Ok(req) = serde_json::from_str::<Value>(text) else {
        return (vec![error(400, "Request is not valid JSON", None)], None);
    };
    let tracing = req.get("tracingId").and_then(Value::as_str).map(str::to_owned);
    let tracing = tracing.as_deref();
    let action = req.get("action").and_then(Value::as_str).unwrap_or("");
    let Some(token) = req.get("token").and_then(Value::as_str).filter(|t| !t.is_empty()).map(str::to_owned) else {
        return (vec![error(4020, "Missing parameter: token", tracing)], None);
    };
    let mut w = lock(world);
    if action == "configureSession" {
        return (vec![configure(&mut w, conn, &req, &token, tracing)], None);
    }
    if action == "echo" {
        return (echo(&mut w, conn, &token, &req, tracing), None);
    }
    if conn.token.as_deref() != Some(token.as_str()) || !w.webmsg.sessions.contains_key(&token) {
        return (vec![error(4007, "Session not found for this token; send configureSession first", tracing)], None);
    }
    if w.webmsg.sessions.get(&token).is_some_and(|s| s.expired) {
        return (vec![error(4006, "Session expired", tracing)], None);
    }
    match action {
        "onMessage" => on_message(&mut w, &token, &req, tracing),
        "getJwt" => {
            let jwt = w.webmsg.sessions.get(&token).map(|s| s.jwt.clone()).unwrap_or_default();
            let exp = now_ms() / 1000 + 3600;
            (vec![envelope("response", "JwtResponse", 200, json!({"jwt": jwt, "exp": exp}), tracing)], None)
        }
        "closeSession" => {
            if let Some(s) = w.webmsg.sessions.get_mut(&token) {
                s.spent = true;
                s.conns.retain(|(c, tx)| {
                    if *c != conn.id {
                        let _ = tx.send(Out::Frame(envelope("message", "ConnectionClosedEvent", 200, json!({}), None)));
                        let _ = tx.send(Out::Close);
                    }
                    false
                });
            }
            conn.token = None;
            (vec![envelope("response", "SessionResponse", 200, json!({"connected": false, "newSession": false, "readOnly": true}), tracing)], None)
        }
        "onAttachment" => (vec![on_attachment(&mut w, conn, &token, &req, tracing)], None),
        "getAttachment" => {
            let id = req.get("attachmentId").and_then(Value::as_str).unwrap_or("");
            match w.webmsg.uploads.get(id).filter(|u| u.token == token) {
                Some(u) if u.data.is_some() => {
                    let url = format!("http://{}/webmsg/download/{id}", u.host);
                    let size = u.data.as_ref().map_or(0, Vec::len);
                    (vec![envelope("response", "PresignedUrlResponse", 200, json!({"attachmentId": id, "url": url, "headers": {}, "fileName": u.file_name, "fileSize": size, "fileType": u.file_type}), tracing)], None)
                }
                Some(_) => (vec![error(4010, "Attachment not uploaded", tracing)], None),
                None => (vec![error(4009, "Attachment not found", tracing)], None),
            }
        }
        "deleteAttachment" => {
            let id = req.get("attachmentId").and_then(Value::as_str).unwrap_or("").to_owned();
            if w.webmsg.uploads.get(&id).is_some_and(|u| u.token == token) {
                w.webmsg.uploads.remove(&id);
                (vec![envelope("message", "AttachmentDeletedResponse", 200, json!({"attachmentId": id}), tracing)], None)
            } else {
                (vec![error(4009, "Attachment not found", tracing)], None)
            }
        }
        other => (vec![error(4000, &format!("Unsupported action '{other}'"), tracing)], None),
    }
}

fn configure(w: &mut World, conn: &mut Conn, req: &Value, token: &str, tracing: Option<&str>) -> String {
    let deployment = if conn.deployment.is_empty() { req.get("deploymentId").and_then(Value::as_str).unwrap_or("") } else { conn.deployment.as_str() };
    if deployment != DEPLOYMENT {
        return error(400, "Deployment not found", tracing);
    }
    let start_new = req.get("startNew").and_then(Value::as_bool).unwrap_or(false);
    let existing = w.webmsg.sessions.get(token).map(|s| (s.spent, s.expired));
    match existing {
        Some((_, true)) if !start_new => return error(4006, "Session expired", tracing),
        Some((true, _)) if !start_new => return error(4007, "Session not found", tracing),
        _ => {}
    }
    let fresh = start_new || existing.is_none();
    if fresh {
        let n = w.seq();
        let jwt = format!("eyJhbGciOiJIUzI1NiJ9.webmsg-{n}-{:x}.sig", now_ms().wrapping_mul(2_654_435_761));
        let conns = w.webmsg.sessions.remove(token).map(|s| s.conns).unwrap_or_default();
        w.webmsg.sessions.insert(token.to_owned(), WmSession { token: token.to_owned(), jwt, conns, ..Default::default() });
    }
    // Attach this socket (leaving the session it was on, if another).
    if let Some(old) = conn.token.take().filter(|t| t != token) {
        if let Some(s) = w.webmsg.sessions.get_mut(&old) {
            s.conns.retain(|(c, _)| *c != conn.id);
        }
    }
    conn.token = Some(token.to_owned());
    let Some(s) = w.webmsg.sessions.get_mut(token) else { return error(5000, "Unexpected error", tracing) };
    if !s.conns.iter().any(|(c, _)| *c == conn.id) {
        s.conns.push((conn.id, conn.tx.clone()));
    }
    while s.conns.len() > MAX_CONNECTIONS {
        let (_, oldest) = s.conns.remove(0);
        let _ = oldest.send(Out::Frame(envelope("message", "ConnectionClosedEvent", 200, json!({}), None)));
        let _ = oldest.send(Out::Close);
    }
    let file_types: Vec<Value> = FILE_TYPES.iter().map(|t| json!({"type": t})).collect();
    envelope(
        "response",
        "SessionResponse",
        200,
        json!({"connected": true, "newSession": fresh, "readOnly": s.read_only, "maxCustomDataBytes": MAX_CUSTOM_DATA_BYTES,
            "allowedMedia": {"inbound": {"fileTypes": file_types, "maxFileSizeKB": MAX_FILE_KB}},
            "blockedExtensions": BLOCKED_EXTENSIONS, "clearedExistingSession": start_new && existing.is_some(),
            "durationSeconds": SESSION_SECONDS, "expirationDate": now_ms() / 1000 + SESSION_SECONDS}),
        tracing,
    )
}

fn echo(w: &mut World, conn: &mut Conn, token: &str, req: &Value, tracing: Option<&str>) -> Vec<String> {
    if w.webmsg.sessions.get(token).is_some_and(|s| s.echo_off) {
        return vec![];
    }
    let now = now_ms();
    conn.echoes.retain(|t| now.saturating_sub(*t) < 60_000);
    if conn.echoes.len() >= ECHOES_PER_MINUTE {
        return vec![too_many(tracing, "Too many health checks on this connection")];
    }
    conn.echoes.push_back(now);
    // The reply carries the id both ways clients match it: the envelope's tracingId (MT
    // 2.14) and metadata.customMessageId (older clients), plus the session's duration.
    let custom = req.pointer("/message/metadata/customMessageId").and_then(Value::as_str).or(tracing).unwrap_or(HEALTH_CHECK_ID);
    let expiry = (now / 1000 + SESSION_SECONDS).to_string();
    let b = body(w, "Inbound", "Text", None, "Human",
        json!({"text": "ping", "metadata": {"customMessageId": custom, "durationSeconds": SESSION_SECONDS.to_string(), "expirationDate": expiry}}));
    vec![envelope("response", "StructuredMessage", 200, b, tracing)]
}

fn on_message(w: &mut World, token: &str, req: &Value, tracing: Option<&str>) -> (Vec<String>, Option<Trigger>) {
    let now = now_ms();
    let per_second = w.webmsg.messages_per_second.unwrap_or(MESSAGES_PER_SECOND);
    let Some(s) = w.webmsg.sessions.get_mut(token) else { return (vec![error(4007, "Session not found", tracing)], None) };
    if s.forced_rate_limits > 0 {
        s.forced_rate_limits -= 1;
        return (vec![too_many(tracing, "Message rate too high for this session")], None);
    }
    s.sends.retain(|t| now.saturating_sub(*t) < 1000);
    if s.sends.len() >= per_second {
        return (vec![too_many(tracing, "Message rate too high for this session")], None);
    }
    s.sends.push_back(now);
    let msg = req.get("message").cloned().unwrap_or(Value::Null);
    let attrs = [msg.pointer("/channel/metadata/customAttributes"), req.pointer("/channel/metadata/customAttributes")];
    if attrs.iter().flatten().any(|a| a.to_string().len() > MAX_CUSTOM_DATA_BYTES) {
        return (vec![error(4013, "Custom attributes exceed the 2048 bytes limit", tracing)], None);
    }
    let kind = msg.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "Event" => {
            let events = msg.get("events").and_then(Value::as_array).cloned().unwrap_or_default();
            let presence = |p: &str| events.iter().any(|e| e.pointer("/presence/type").and_then(Value::as_str) == Some(p));
            if presence("Clear") {
                // The conversation is gone: the next configureSession starts a new one.
                if let Some(mut gone) = w.webmsg.sessions.remove(token) {
                    gone.broadcast(&envelope("message", "SessionClearedEvent", 200, json!({}), None));
                    gone.broadcast(&envelope("message", "ConnectionClosedEvent", 200, json!({}), None));
                    gone.close_all(Out::Close);
                }
                return (vec![], None);
            }
            if !presence("Join") {
                return (vec![], None);
            }
            // The Join comes back as an Inbound Event, and history keeps it.
            let b = body(w, "Inbound", "Event", None, "Human", json!({"events": [{"eventType": "Presence", "presence": {"type": "Join"}}]}));
            let Some(s) = w.webmsg.sessions.get_mut(token) else { return (vec![], None) };
            s.messages.push(b.clone());
            s.broadcast(&envelope("message", "StructuredMessage", 200, b, tracing));
            if s.agent_started {
                return (vec![], None);
            }
            s.agent_started = true;
            (vec![], Some(Trigger::Start(visitor_name(&msg))))
        }
        "Text" | "Structured" => {
            let text = msg.get("text").and_then(Value::as_str).unwrap_or("").to_owned();
            if text.len() > MAX_TEXT_BYTES {
                return (vec![error(4011, "Message exceeds the 4096 bytes limit", tracing)], None);
            }
            if s.read_only {
                return (vec![error(4000, "Conversation is read-only", tracing)], None);
            }
            let content = msg.get("content").and_then(Value::as_array).cloned().unwrap_or_default();
            let mut extra = json!({"text": text});
            if !content.is_empty() {
                extra["content"] = Value::Array(content.iter().map(|c| attachment_content(&w.webmsg.uploads, c)).collect());
            }
            if let Some(m) = msg.get("metadata").filter(|m| m.is_object()) {
                extra["metadata"] = m.clone();
            }
            let b = body(w, "Inbound", kind, None, "Human", extra);
            let Some(s) = w.webmsg.sessions.get_mut(token) else { return (vec![], None) };
            s.messages.push(b.clone());
            s.broadcast(&envelope("message", "StructuredMessage", 200, b, tracing));
            if s.agent_started {
                (vec![], Some(Trigger::Reply(text)))
            } else {
                s.agent_started = true;
                (vec![], Some(Trigger::Start(visitor_name(&msg))))
            }
        }
        _ => (vec![error(4020, "Missing or unknown message.type", tracing)], None),
    }
}

/// An `Attachment` content item with the upload's details filled in.
fn attachment_content(uploads: &BTreeMap<String, Upload>, c: &Value) -> Value {
    let id = c.pointer("/attachment/id").and_then(Value::as_str).unwrap_or("");
    match uploads.get(id).filter(|u| u.data.is_some()) {
        Some(u) if c.get("contentType").and_then(Value::as_str) == Some("Attachment") => {
            let media = if u.file_type.starts_with("image/") { "Image" } else { "File" };
            let size = u.data.as_ref().map_or(0, Vec::len);
            json!({"contentType": "Attachment", "attachment": {"id": id, "url": format!("http://{}/webmsg/download/{id}", u.host),
                "filename": u.file_name, "mime": u.file_type, "mediaType": media, "fileSize": size}})
        }
        _ => c.clone(),
    }
}

fn on_attachment(w: &mut World, conn: &Conn, token: &str, req: &Value, tracing: Option<&str>) -> String {
    let given = req.get("attachmentId").and_then(Value::as_str).filter(|a| !a.is_empty() && a.len() <= 64 && a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    let id = match given {
        Some(a) => a.to_owned(),
        None => new_id(w),
    };
    let name = req.get("fileName").and_then(Value::as_str).unwrap_or("file").to_owned();
    let file_type = req.get("fileType").and_then(Value::as_str).unwrap_or("").to_owned();
    let size = req.get("fileSize").and_then(Value::as_f64).unwrap_or(0.0);
    let fail = |code: u16, text: &str| envelope("message", "GenerateUrlError", 200, json!({"attachmentId": id, "errorCode": code, "errorMessage": text}), tracing);
    let lower = name.to_ascii_lowercase();
    if !FILE_TYPES.contains(&file_type.as_str()) || BLOCKED_EXTENSIONS.iter().any(|e| lower.ends_with(e)) {
        return fail(4001, "File type not allowed");
    }
    if size > (MAX_FILE_KB * 1024) as f64 {
        return fail(4002, "File exceeds the 2048 KB limit");
    }
    let url = format!("http://{}/webmsg/upload/{id}", conn.host);
    w.webmsg.uploads.insert(id.clone(), Upload { token: token.to_owned(), conn: conn.id, file_name: name.clone(), file_type: file_type.clone(), host: conn.host.clone(), data: None });
    envelope("response", "PresignedUrlResponse", 200,
        json!({"attachmentId": id, "url": url, "headers": {"Content-Type": file_type}, "fileName": name, "fileSize": size, "fileType": file_type}), tracing)
}

/// `PUT /webmsg/upload/<id>`: the presigned URL; the bytes are kept and the socket told.
pub async fn upload(State(world): State<Shared>, Path(id): Path<String>, bytes: Bytes) -> Response {
    let mut w = lock(&world);
    let Some(u) = w.webmsg.uploads.get(&id).cloned() else { return (StatusCode::NOT_FOUND, "no such upload").into_response() };
    let notify = |w: &mut World, frame: String| {
        if let Some(s) = w.webmsg.sessions.get_mut(&u.token) {
            match s.conns.iter().find(|(c, _)| *c == u.conn) {
                Some((_, tx)) => {
                    let _ = tx.send(Out::Frame(frame));
                }
                None => s.broadcast(&frame),
            }
        }
    };
    if bytes.len() as u64 > MAX_FILE_KB * 1024 {
        let frame = envelope("message", "UploadFailureEvent", 200, json!({"attachmentId": id, "errorCode": 4002, "errorMessage": "File exceeds the 2048 KB limit", "timestamp": iso(now_ms())}), None);
        notify(&mut w, frame);
        return (StatusCode::PAYLOAD_TOO_LARGE, "too big").into_response();
    }
    if let Some(stored) = w.webmsg.uploads.get_mut(&id) {
        stored.data = Some(bytes.to_vec());
    }
    let download = format!("http://{}/webmsg/download/{id}", u.host);
    let frame = envelope("message", "UploadSuccessEvent", 200, json!({"attachmentId": id, "downloadUrl": download, "timestamp": iso(now_ms())}), None);
    notify(&mut w, frame);
    StatusCode::OK.into_response()
}

/// `GET /webmsg/download/<id>`: the uploaded bytes.
pub async fn download(State(world): State<Shared>, Path(id): Path<String>) -> Response {
    let w = lock(&world);
    match w.webmsg.uploads.get(&id).and_then(|u| u.data.clone().map(|d| (u.file_type.clone(), d))) {
        Some((mime, data)) => ([("content-type", mime)], data).into_response(),
        None => (StatusCode::NOT_FOUND, "no such attachment").into_response(),
    }
}

/// `GET /api/v2/webmessaging/messages?pageSize&pageNumber` with `Authorization: Bearer <jwt>`.
pub async fn history(State(world): State<Shared>, Query(q): Query<HashMap<String, String>>, headers: HeaderMap) -> Response {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    let jwt = auth.split_once(' ').filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer")).map_or("", |(_, t)| t.trim());
    let w = lock(&world);
    let Some(s) = w.webmsg.sessions.values().find(|s| !jwt.is_empty() && s.jwt == jwt && !s.spent) else {
        return (StatusCode::UNAUTHORIZED, Json(json!({"status": 401, "code": "bad.credentials", "message": "Invalid login credentials.", "contextId": "standin", "details": [], "errors": []}))).into_response();
    };
    let size = q.get("pageSize").and_then(|p| p.parse::<usize>().ok()).unwrap_or(25).clamp(1, 100);
    let number = q.get("pageNumber").and_then(|p| p.parse::<usize>().ok()).unwrap_or(1).max(1);
    let total = s.messages.len();
    let entities: Vec<&Value> = s.messages.iter().rev().skip((number - 1) * size).take(size).collect();
    // An empty result says pageSize 0, as the service's does.
    let shown = if entities.is_empty() { 0 } else { size };
    Json(json!({"entities": entities, "pageSize": shown, "pageNumber": number, "total": total, "pageCount": total.div_ceil(size)})).into_response()
}

/// `GET /webdeployments/v1/deployments/<id>/config.json`.
pub async fn config(Path(id): Path<String>, headers: HeaderMap) -> Response {
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    if id != DEPLOYMENT {
        return (StatusCode::NOT_FOUND, Json(json!({"status": 404, "code": "not.found", "message": "Deployment not found"}))).into_response();
    }
    let types: Vec<&str> = FILE_TYPES.to_vec();
    Json(json!({
        "id": DEPLOYMENT, "version": "1", "status": "Active", "defaultLanguage": "en-us", "languages": ["en-us"],
        "apiEndpoint": format!("http://{host}"),
        "messenger": {
            "enabled": true,
            "apps": {"conversations": {
                "enabled": true,
                "messagingEndpoint": format!("ws://{host}"),
                "showAgentTypingIndicator": true,
                "showUserTypingIndicator": true,
                "autoStart": {"enabled": true},
                "markdown": {"enabled": true},
                "conversationDisconnect": {"enabled": true, "type": "ReadOnly"},
                "conversationClear": {"enabled": true}
            }},
            "fileUpload": {"enableAttachments": true, "modes": [{"fileTypes": types, "maxFileSizeKB": MAX_FILE_KB}]}
        },
        "journeyEvents": {"enabled": false},
        "auth": {"enabled": false, "allowSessionUpgrade": false}
    }))
    .into_response()
}

/// Web Messaging control actions (`POST /control/webmsg/<token>/act`, and
/// `POST /control/webmsg/act` for those without a session): `agentSay {text}`,
/// `agentJoin`, `bot`, `drop`, `stopEcho`, `rateLimit {count}`, `expire`, `readOnlyLeave`,
/// `connectionClosed`; global: `refuseUpgrades {count}`, `messageRate {perSecond}`.
pub fn act(world: &Shared, token: Option<&str>, body: &Value) -> Result<(), (StatusCode, String)> {
    let action = body.get("action").and_then(Value::as_str).unwrap_or("");
    let count = body.get("count").and_then(Value::as_u64).unwrap_or(1).min(u64::from(u32::MAX)) as u32;
    if action == "refuseUpgrades" {
        lock(world).webmsg.refuse_upgrades = count;
        return Ok(());
    }
    if action == "messageRate" {
        // `{perSecond: n}`; without it, back to the default.
        lock(world).webmsg.messages_per_second = body.get("perSecond").and_then(Value::as_u64).map(|r| r.clamp(1, 1000) as usize);
        return Ok(());
    }
    let missing = || (StatusCode::NOT_FOUND, "no such Web Messaging session".to_owned());
    let token = token.or_else(|| body.get("token").and_then(Value::as_str)).ok_or_else(missing)?.to_owned();
    if !lock(world).webmsg.sessions.contains_key(&token) {
        return Err(missing());
    }
    use crate::webmsg_agent as agent;
    let ok = match action {
        "agentSay" => agent::say(world, &token, body.get("text").and_then(Value::as_str).unwrap_or("Hello")),
        "agentJoin" => agent::join(world, &token),
        "bot" => agent::bot(world, &token),
        "readOnlyLeave" => agent::leave(world, &token),
        _ => {
            let mut w = lock(world);
            let Some(s) = w.webmsg.sessions.get_mut(&token) else { return Err(missing()) };
            match action {
                "drop" => s.close_all(Out::Drop),
                "stopEcho" => s.echo_off = true,
                "rateLimit" => s.forced_rate_limits = count,
                "expire" => {
                    s.expired = true;
                    s.broadcast(&envelope("message", "SessionExpiredEvent", 200, json!({}), None));
                }
                "connectionClosed" => {
                    s.broadcast(&envelope("message", "ConnectionClosedEvent", 200, json!({"reason": "signedIn"}), None));
                    s.close_all(Out::Close);
                }
                other => return Err((StatusCode::BAD_REQUEST, format!("unknown action '{other}'"))),
            }
            true
        }
    };
    if ok { Ok(()) } else { Err((StatusCode::CONFLICT, "session spent or expired".to_owned())) }
}

/// `POST /control/webmsg/<token>/act`.
pub async fn control_act(State(world): State<Shared>, Path(token): Path<String>, Json(body): Json<Value>) -> Response {
    match act(&world, Some(&token), &body) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.into_response(),
    }
}

/// `POST /control/webmsg/act` (`refuseUpgrades`, or any action with a `token` field).
pub async fn control_act_global(State(world): State<Shared>, Json(body): Json<Value>) -> Response {
    match act(&world, None, &body) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.into_response(),
    }
}

/// `GET /control/webmsg`: the sessions, with how many sockets each has open.
pub async fn control_sessions(State(world): State<Shared>) -> Json<Value> {
    let w = lock(&world);
    let list: Vec<Value> = w
        .webmsg
        .sessions
        .values()
        .map(|s| {
            let mut v = json!(s);
            v["connections"] = json!(s.conns.len());
            v
        })
        .collect();
    Json(json!({"sessions": list, "refuseUpgrades": w.webmsg.refuse_upgrades}))
}

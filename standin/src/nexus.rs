//! Genesys Multicloud CX "Nexus" v3 chat (`pureengage-v3-rest`, spec/protocols.md §2):
//!
//! - `POST {S}`: create, from a form of `data[...]` fields (or re-attach with a stored
//!   `x-nexus-client-key`, for async restore);
//! - `GET {S}/{id}/messages[?index=&count=]`: poll, restore or a history page;
//! - `POST {S}/{id}/messages`: `data[type]` Text, TypingStarted or TypingStopped;
//! - `POST {S}/{id}/images`: a multipart `file`, images only;
//! - `PUT {S}/{id}/userdata` and `DELETE {S}/{id}/participants/{pid}`;
//! - `GET /nexus/v3/chat/images/{name}`: an attachment's bytes.
//!
//! Here `S` is `/nexus/v3/chat/sessions`. Every call but the attachment carries an
//! `operationId`.
//!
//! By default the choices where the notes say **[inferred]** are the same as in the
//! oracle's Nexus stand-in (`tests/conformance/kit/backends/nexus.mjs`):
//!
//! - envelopes `{status:{code:0}, data}` and `{status:{code:"<STRING>", message}}`;
//! - a JWT `clientToken` whose payload `{sessionId, transportId, participantId}` is standard
//!   base64 without padding;
//! - string indexes, 1-based;
//! - a plain poll returns what this transport has not been given yet. `index=i` returns from
//!   i on; `count=n` returns the newest n. `index=i&count=n` returns the n ending at i;
//! - after the visitor left, calls answer `chatEnded: true`.
//!
//! Each of these has other plausible readings, chosen per stand-in with a
//! [`crate::nexus_variant::Variant`] (`POST /control/nexus/variant`; the knobs and why each
//! reading is plausible are in that module). Messages are kept with the default index
//! (`"1"`, `"2"`, ...) and written out in the variant's form when served.

use crate::form;
use crate::nexus_variant::{self, Variant};
use crate::world::{lock, Shared};
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

pub const SESSIONS: &str = "/nexus/v3/chat/sessions";
/// Images per visitor, and bytes per image.
pub const MAX_IMAGES: usize = 5;
pub const MAX_IMAGE_BYTES: usize = 1024 * 1024;

/// A party of a Nexus chat, as messages name it in `from`.
#[derive(Debug, Clone, Serialize)]
pub struct Party {
    pub nickname: String,
    pub first_name: String,
    pub last_name: String,
    /// `Customer`, `Agent`, `Supervisor`, ...
    pub kind: String,
    pub participant_id: String,
}

impl Party {
    fn from(&self) -> Value {
        json!({"nickname": self.nickname, "firstName": self.first_name, "lastName": self.last_name, "type": self.kind, "participantId": self.participant_id})
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct NexusSession {
    pub session_id: String,
    pub customer: Party,
    pub agent: Option<Party>,
    pub messages: Vec<Value>,
    /// Per transport (the token's `transportId`), or one for the session with a shared
    /// cursor: how many messages it was given.
    pub cursors: BTreeMap<String, usize>,
    pub ended: bool,
    /// The visitor left (its own DELETE); with `ended_on_leave_poll: invalid_session`
    /// every later call answers 404 `INVALID_SESSION`.
    pub left: bool,
    /// Forgotten by the server: every call answers 404 `INVALID_SESSION`.
    pub lost: bool,
    pub user_data: BTreeMap<String, Value>,
    /// The create form's `data[...]` fields (for tests).
    pub form: BTreeMap<String, String>,
}

impl NexusSession {
    /// Appends a message with the next index and the current time; returns its index.
    pub fn push(&mut self, mut m: Value) -> String {
        let index = (self.messages.len() + 1).to_string();
        if let Value::Object(o) = &mut m {
            o.insert("index".into(), json!(index));
            o.insert("utcTime".into(), json!(crate::world::now_ms()));
        }
        self.messages.push(m);
        index
    }
    pub fn say(&mut self, who: &Party, kind: &str, text: Option<&str>) -> String {
        let mut m = json!({"type": kind, "from": who.from()});
        if let Some(t) = text {
            m["text"] = json!(t);
        }
        self.push(m)
    }
}

/// An uploaded or agent-sent image.
#[derive(Debug, Clone)]
pub struct Image {
    pub mime: String,
    pub data: Vec<u8>,
}

/// The Nexus part of the stand-in's state.
#[derive(Debug, Default)]
pub struct NexusWorld {
    pub sessions: BTreeMap<String, NexusSession>,
    /// clientToken → (sessionId, transportId).
    pub tokens: BTreeMap<String, (String, String)>,
    pub images: BTreeMap<String, Image>,
    /// When set, `x-api-key` must equal it.
    pub api_key: Option<String>,
    /// How the inferred parts of the protocol are read (`crate::nexus_variant`).
    pub variant: Variant,
    next: u64,
}

impl NexusWorld {
    fn id(&mut self, kind: &str) -> String {
        self.next += 1;
        let t = crate::world::now_ms();
        format!("{kind}-{:08x}-{:04x}", t & 0xffff_ffff, self.next)
    }

    /// A new client token for a session (a new transport of it).
    fn issue(&mut self, session_id: &str, participant_id: &str) -> String {
        let transport_id = self.id("transport");
        let v = self.variant;
        let payload = v.token_payload(session_id, &transport_id, participant_id);
        let token = format!("{}.{}.sig{}", v.encode(br#"{"alg":"HS256","typ":"JWT"}"#), v.encode(payload.as_bytes()), self.next);
        if let Some(s) = self.sessions.get_mut(session_id) {
            s.cursors.insert(transport_id.clone(), 0);
        }
        self.tokens.insert(token.clone(), (session_id.to_owned(), transport_id));
        token
    }
}

/// Standard base64 without padding (what the shipped transport's `atob` reads).
pub fn b64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

fn ok(data: Value) -> Response {
    Json(json!({"status": {"code": 0}, "data": data})).into_response()
}

/// An error answer, its code written as the variant writes codes.
fn fail(v: &Variant, status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({"status": {"code": v.code(status.as_u16(), code), "message": message}}))).into_response()
}

/// The variant in force.
fn variant(world: &Shared) -> Variant {
    lock(world).nexus.variant
}

/// A stored message as served: its index written in the variant's form.
fn served(v: &Variant, pos: usize, m: &Value) -> Value {
    let mut m = m.clone();
    if let Value::Object(o) = &mut m {
        o.insert("index".into(), v.index_of(pos));
    }
    m
}

fn header_of(headers: &HeaderMap, name: &str) -> String {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
}

/// The `data[...]` fields of a form as an object (`data[userData][k]` nested once).
fn data_of(body: &form::Form) -> (BTreeMap<String, String>, BTreeMap<String, Value>) {
    let mut flat = BTreeMap::new();
    let mut user_data = BTreeMap::new();
    for (k, v) in &body.fields {
        let Some(inner) = k.strip_prefix("data[") else { continue };
        if let Some(key) = inner.strip_prefix("userData][").and_then(|r| r.strip_suffix(']')) {
            user_data.insert(key.to_owned(), json!(v));
        } else if let Some(key) = inner.strip_suffix(']') {
            flat.insert(key.to_owned(), v.clone());
        }
    }
    (flat, user_data)
}

/// Checks the api key and the fault queue; `Err` is the answer to give instead.
async fn gate(world: &Shared, headers: &HeaderMap, op: &str) -> Result<(), Response> {
    let (fault, v) = {
        let mut w = lock(world);
        let v = w.nexus.variant;
        if let Some(k) = &w.nexus.api_key {
            if &header_of(headers, "x-api-key") != k {
                return Err(fail(&v, StatusCode::UNAUTHORIZED, "INVALID_CONTACT_CENTER", "x-api-key missing or wrong"));
            }
        }
        (w.take_fault(op), v)
    };
    match fault {
        Some(f) if f.kind == "slow" => {
            tokio::time::sleep(Duration::from_millis(f.delay_ms.unwrap_or(5000))).await;
            Ok(())
        }
        Some(f) if f.kind == "http" => Err((StatusCode::from_u16(f.status.unwrap_or(500)).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), "stand-in fault").into_response()),
        Some(f) if f.kind == "errors" => Err(fail(&v, StatusCode::from_u16(f.status.unwrap_or(500)).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), "INTERNAL_ERROR", "stand-in fault")),
        _ => Ok(()),
    }
}

/// The session a client key is for, or the answer that refuses the call.
fn session_for<'a>(w: &'a mut crate::world::World, id: &str, headers: &HeaderMap) -> Result<(&'a mut NexusSession, String), Box<Response>> {
    let key = header_of(headers, "x-nexus-client-key");
    let transport = match w.nexus.tokens.get(&key) {
        Some((sid, tid)) if sid == id => Some(tid.clone()),
        _ => None,
    };
    let v = w.nexus.variant;
    let gone_when_left = v.ended_on_leave_poll == crate::nexus_variant::AfterLeave::InvalidSession;
    match w.nexus.sessions.get_mut(id) {
        Some(s) if !(s.lost || (s.left && gone_when_left)) => match transport {
            Some(t) => Ok((s, t)),
            None => Err(Box::new(fail(&v, StatusCode::UNAUTHORIZED, "AUTHENTICATION_REQUIRED", "x-nexus-client-key missing or not for this session"))),
        },
        _ => Err(Box::new(fail(&v, StatusCode::NOT_FOUND, "INVALID_SESSION", "session not found"))),
    }
}

pub async fn create(State(world): State<Shared>, headers: HeaderMap, req: Request) -> Response {
    if let Err(r) = gate(&world, &headers, "nexus.create").await {
        return r;
    }
    let v = variant(&world);
    let body = match form::read(req).await {
        Ok(f) => f,
        Err(e) => return fail(&v, StatusCode::BAD_REQUEST, "INVALID_REQUEST", &e),
    };
    if body.get("operationId").is_none_or(str::is_empty) {
        return fail(&v, StatusCode::BAD_REQUEST, "INVALID_OPERATION", "operationId is required");
    }
    let (data, user_data) = data_of(&body);
    let stored = header_of(&headers, "x-nexus-client-key");
    let mut w = lock(&world);
    if !stored.is_empty() {
        // Async restore: the stored key attaches a new transport to a live session.
        let Some((sid, _)) = w.nexus.tokens.get(&stored).cloned() else {
            return fail(&v, StatusCode::UNAUTHORIZED, "AUTHENTICATION_REQUIRED", "the stored client key is unknown");
        };
        let pid = match w.nexus.sessions.get(&sid) {
            Some(s) if !s.ended && !s.lost => s.customer.participant_id.clone(),
            _ => return fail(&v, StatusCode::UNAUTHORIZED, "AUTHENTICATION_REQUIRED", "the session of this client key is over"),
        };
        let token = w.nexus.issue(&sid, &pid);
        return ok(json!({"clientToken": token, "selfUri": format!("{SESSIONS}/{sid}")}));
    }
    if data.get("endpoint").is_none_or(|e| e.is_empty()) {
        return fail(&v, StatusCode::BAD_REQUEST, "INVALID_ENDPOINT", "endpoint is required");
    }
    let first = data.get("firstName").cloned().unwrap_or_default();
    let nickname = data.get("nickname").filter(|n| !n.is_empty()).cloned().unwrap_or_else(|| first.clone());
    if nickname.is_empty() {
        return fail(&v, StatusCode::BAD_REQUEST, "INVALID_NICKNAME", "first name is required");
    }
    let session_id = w.nexus.id("session");
    let customer = Party { nickname, first_name: first, last_name: data.get("lastName").cloned().unwrap_or_default(), kind: "Customer".into(), participant_id: w.nexus.id("participant") };
    let mut s = NexusSession { session_id: session_id.clone(), customer: customer.clone(), agent: None, messages: Vec::new(), cursors: BTreeMap::new(), ended: false, left: false, lost: false, user_data, form: data };
    s.say(&customer, "ParticipantJoined", None);
    w.nexus.sessions.insert(session_id.clone(), s);
    let token = w.nexus.issue(&session_id, &customer.participant_id);
    drop(w);
    on_created(world, session_id.clone());
    ok(json!({"clientToken": token, "selfUri": format!("{SESSIONS}/{session_id}")}))
}

pub async fn messages(State(world): State<Shared>, Path(id): Path<String>, Query(q): Query<HashMap<String, String>>, headers: HeaderMap) -> Response {
    if let Err(r) = gate(&world, &headers, "nexus.poll").await {
        return r;
    }
    let v = variant(&world);
    if q.get("operationId").is_none_or(|o| o.is_empty()) {
        return fail(&v, StatusCode::BAD_REQUEST, "INVALID_OPERATION", "operationId is required");
    }
    let mut w = lock(&world);
    let (s, transport) = match session_for(&mut w, &id, &headers) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let count = q.get("count").and_then(|c| c.trim().trim_start_matches('-').parse::<usize>().ok());
    // An index this server does not write is taken as none, or refused by a server with
    // structured (dashed) ids.
    let index = match q.get("index").map(|i| (i, v.position(i))) {
        Some((_, Some(p))) => Some(p),
        Some((raw, None)) if v.refuses_bad_index() => {
            return fail(&v, StatusCode::BAD_REQUEST, "INVALID_INDEX", &format!("index {raw:?} is not one of this session's indexes"));
        }
        _ => None,
    };
    let asked = match (index, count) {
        (Some(i), Some(n)) => nexus_variant::Query::Page(i, n),
        (Some(i), None) => nexus_variant::Query::From(i),
        (None, Some(n)) => nexus_variant::Query::Newest(n),
        (None, None) => nexus_variant::Query::Plain,
    };
    let len = s.messages.len();
    let key = v.cursor_key(&transport);
    let cursor = key.as_ref().map(|k| s.cursors.get(k).copied().unwrap_or(0));
    let chosen = v.select(len, asked, cursor);
    if chosen.moves_cursor {
        if let Some(k) = key {
            s.cursors.insert(k, len);
        }
    }
    let first = chosen.range.start;
    let list: Vec<Value> = s.messages.get(chosen.range).unwrap_or_default().iter().enumerate().map(|(i, m)| served(&v, first + i, m)).collect();
    ok(json!({"chatEnded": s.ended, "messages": list}))
}

pub async fn post_message(State(world): State<Shared>, Path(id): Path<String>, headers: HeaderMap, req: Request) -> Response {
    if let Err(r) = gate(&world, &headers, "nexus.send").await {
        return r;
    }
    let v = variant(&world);
    let body = match form::read(req).await {
        Ok(f) => f,
        Err(e) => return fail(&v, StatusCode::BAD_REQUEST, "INVALID_REQUEST", &e),
    };
    let (data, _) = data_of(&body);
    let mut w = lock(&world);
    let (s, _) = match session_for(&mut w, &id, &headers) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    if s.ended {
        return ok(json!({"chatEnded": true}));
    }
    let text = data.get("text").cloned().unwrap_or_default();
    match data.get("type").map(String::as_str).unwrap_or("Text") {
        "Text" if text.trim().is_empty() => return fail(&v, StatusCode::BAD_REQUEST, "INVALID_MESSAGE", "text is required"),
        "Text" => {
            let who = s.customer.clone();
            s.say(&who, "Text", Some(&text));
            drop(w);
            on_visitor_text(world, id, text);
        }
        "TypingStarted" | "TypingStopped" => {}
        other => return fail(&v, StatusCode::BAD_REQUEST, "INVALID_MESSAGE_TYPE", &format!("type {other} is not supported")),
    }
    ok(json!({"chatEnded": false}))
}

pub async fn post_image(State(world): State<Shared>, Path(id): Path<String>, headers: HeaderMap, req: Request) -> Response {
    if let Err(r) = gate(&world, &headers, "nexus.images").await {
        return r;
    }
    let v = variant(&world);
    let body = match form::read(req).await {
        Ok(f) => f,
        Err(e) => return fail(&v, StatusCode::BAD_REQUEST, "INVALID_REQUEST", &e),
    };
    if body.cut_short {
        return fail(&v, StatusCode::BAD_REQUEST, "LIMIT_FILE_SIZE", &format!("at most {MAX_IMAGE_BYTES} bytes"));
    }
    let mut w = lock(&world);
    let name = format!("img-{}", w.seq());
    let (s, _) = match session_for(&mut w, &id, &headers) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let Some(part) = body.files.into_iter().find(|p| p.field == "file") else {
        return fail(&v, StatusCode::BAD_REQUEST, "INVALID_FILE_TYPE", "a file part named file is required");
    };
    if !part.content_type.starts_with("image/") {
        return fail(&v, StatusCode::BAD_REQUEST, "INVALID_FILE_TYPE", "only images can be sent");
    }
    if part.size > MAX_IMAGE_BYTES {
        return fail(&v, StatusCode::BAD_REQUEST, "LIMIT_FILE_SIZE", &format!("at most {MAX_IMAGE_BYTES} bytes"));
    }
    let pid = s.customer.participant_id.clone();
    let sent = s.messages.iter().filter(|m| m.get("content").is_some() && m["from"]["participantId"] == json!(pid)).count();
    if sent >= MAX_IMAGES {
        return fail(&v, StatusCode::BAD_REQUEST, "LIMIT_FILE_COUNT", &format!("at most {MAX_IMAGES} images"));
    }
    let from = s.customer.from();
    s.push(json!({"type": "Text", "text": "", "from": from, "content": [{"type": "image", "mime": part.content_type, "url": format!("/images/{name}")}]}));
    let index = v.index_of(s.messages.len().saturating_sub(1));
    w.nexus.images.insert(name, Image { mime: part.content_type, data: part.data });
    ok(json!({"index": index}))
}

pub async fn put_user_data(State(world): State<Shared>, Path(id): Path<String>, headers: HeaderMap, req: Request) -> Response {
    if let Err(r) = gate(&world, &headers, "nexus.userdata").await {
        return r;
    }
    let v = variant(&world);
    let body = match form::read(req).await {
        Ok(f) => f,
        Err(e) => return fail(&v, StatusCode::BAD_REQUEST, "INVALID_REQUEST", &e),
    };
    let (data, _) = data_of(&body);
    let mut w = lock(&world);
    let (s, _) = match session_for(&mut w, &id, &headers) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    for (k, value) in data {
        s.user_data.insert(k, json!(value));
    }
    ok(json!({}))
}

pub async fn leave(State(world): State<Shared>, Path((id, pid)): Path<(String, String)>, headers: HeaderMap) -> Response {
    if let Err(r) = gate(&world, &headers, "nexus.leave").await {
        return r;
    }
    let v = variant(&world);
    let mut w = lock(&world);
    let (s, _) = match session_for(&mut w, &id, &headers) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    if pid != s.customer.participant_id {
        return fail(&v, StatusCode::BAD_REQUEST, "INVALID_PARTICIPANT", "not the visitor of this session");
    }
    if !s.ended {
        let who = s.customer.clone();
        s.say(&who, "ParticipantLeft", None);
        s.ended = true;
    }
    s.left = true;
    ok(json!({"chatEnded": true}))
}

pub async fn image(State(world): State<Shared>, Path(name): Path<String>, headers: HeaderMap) -> Response {
    let w = lock(&world);
    let v = w.nexus.variant;
    if !w.nexus.tokens.contains_key(&header_of(&headers, "x-nexus-client-key")) {
        return fail(&v, StatusCode::UNAUTHORIZED, "AUTHENTICATION_REQUIRED", "x-nexus-client-key required");
    }
    match w.nexus.images.get(&name) {
        Some(img) => ([(header::CONTENT_TYPE, img.mime.clone())], img.data.clone()).into_response(),
        None => fail(&v, StatusCode::NOT_FOUND, "NOT_FOUND", "no such image"),
    }
}

/// What the agent (or the server) does in a session; false when there is no such session
/// or the act needs an agent and none is there.
pub fn act(world: &Shared, id: &str, action: &str, text: &str) -> bool {
    let mut w = lock(world);
    let name = w.agent.name.clone();
    let image_name = format!("img-{}", w.seq());
    let agent_pid = w.nexus.id("participant");
    if action == "image" {
        w.nexus.images.insert(image_name.clone(), Image { mime: "image/png".into(), data: PIXEL.to_vec() });
    }
    let Some(s) = w.nexus.sessions.get_mut(id) else { return false };
    if s.ended && action != "lose" {
        return false;
    }
    match action {
        "join" => {
            let a = Party { nickname: name.clone(), first_name: name, last_name: String::new(), kind: "Agent".into(), participant_id: agent_pid };
            s.say(&a, "ParticipantJoined", None);
            s.agent = Some(a);
        }
        "lose" => s.lost = true,
        "end" => {
            if let Some(a) = s.agent.take() {
                s.say(&a, "ParticipantLeft", None);
            }
            s.ended = true;
        }
        _ => {
            let Some(a) = s.agent.clone() else { return false };
            match action {
                "say" => {
                    s.say(&a, "Text", Some(text));
                }
                "typing" => {
                    s.say(&a, "TypingStarted", None);
                }
                "notice" => {
                    s.say(&a, "Notice", Some(text));
                }
                "leave" => {
                    s.say(&a, "ParticipantLeft", None);
                    s.agent = None;
                }
                "image" => {
                    s.push(json!({"type": "Text", "text": text, "from": a.from(), "content": [{"type": "image", "mime": "image/png", "url": format!("/images/{image_name}")}]}));
                }
                _ => return false,
            }
        }
    }
    true
}

/// A 1x1 transparent PNG.
const PIXEL: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x60, 0x18, 0x05, 0x00, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// A new session: the scripted agent joins and greets (as on GMS).
fn on_created(world: Shared, id: String) {
    let script = lock(&world).agent.clone();
    if !script.auto {
        return;
    }
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(script.join_delay_ms)).await;
        if !act(&world, &id, "join", "") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let nickname = lock(&world).nexus.sessions.get(&id).map(|s| s.customer.nickname.clone()).unwrap_or_default();
        act(&world, &id, "say", &format!("Hello {nickname}! I'm {}. How can I help you?", script.name));
    });
}

/// The visitor said something: the agent types, then answers (`/leave`, `/end`, `/notice`).
fn on_visitor_text(world: Shared, id: String, text: String) {
    let script = lock(&world).agent.clone();
    let joined = lock(&world).nexus.sessions.get(&id).is_some_and(|s| s.agent.is_some());
    if !script.auto || !joined {
        return;
    }
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(script.typing_delay_ms)).await;
        if !act(&world, &id, "typing", "") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(script.reply_delay_ms)).await;
        match text.trim() {
            "/leave" => {
                act(&world, &id, "say", "I have to go now, goodbye.");
                act(&world, &id, "leave", "");
            }
            "/end" => {
                act(&world, &id, "say", "Closing this chat. Goodbye!");
                act(&world, &id, "end", "");
            }
            "/notice" => {
                act(&world, &id, "notice", "This is a system notice.");
            }
            other => {
                act(&world, &id, "say", &format!("You said: {other}"));
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_the_standard_alphabet_without_padding() {
        assert_eq!(b64(b"f"), "Zg");
        assert_eq!(b64(b"fo"), "Zm8");
        assert_eq!(b64(b"foo"), "Zm9v");
        assert_eq!(b64(&[0xfb, 0xff]), "+/8");
    }
}

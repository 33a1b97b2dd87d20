//! Genesys Cloud guest chat ("ACD Web Chat v2", spec/protocols.md §3, §5): REST under
//! `/api/v2/webchat/guest/conversations` with the Bearer JWT check, and the event stream
//! WebSocket at the `eventStreamUri` each conversation gets. The conversation is routed to
//! the scripted agent only once a stream is attached, as the real service does.

use crate::guest_world::{iso, Conversation, GMember, Outbound};
use crate::world::{lock, now_ms, Shared};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;

pub const AGENT_ID: &str = "agent-anna-0001";

/// An `ErrorBody` as the guest API returns it.
fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({"status": status.as_u16(), "code": code, "message": message, "contextId": "standin", "details": [], "errors": []}))).into_response()
}

/// Applies a queued fault for this guest operation (`guest.create`, `guest.send`, ...).
async fn fault(world: &Shared, op: &str) -> Option<Response> {
    let f = lock(world).take_fault(op)?;
    match f.kind.as_str() {
        "slow" => {
            tokio::time::sleep(Duration::from_millis(f.delay_ms.unwrap_or(5000))).await;
            None
        }
        _ => {
            let status = StatusCode::from_u16(f.status.unwrap_or(503)).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            Some(error(status, "service.unavailable", "stand-in fault"))
        }
    }
}

/// Checks `Authorization: Bearer <jwt>` against the conversation; the error is the answer.
#[allow(clippy::result_large_err)]
fn authorized(world: &Shared, conv: &str, headers: &HeaderMap) -> Result<(), Response> {
    let token = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).unwrap_or("");
    match lock(world).guest.get(conv) {
        None => Err(error(StatusCode::NOT_FOUND, "not.found", "conversation not found")),
        Some(c) if c.jwt != token => Err(error(StatusCode::UNAUTHORIZED, "bad.credentials", "invalid guest JWT")),
        Some(_) => Ok(()),
    }
}

pub async fn create(State(world): State<Shared>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    if let Some(r) = fault(&world, "guest.create").await {
        return r;
    }
    let missing: Vec<&str> = [
        ("organizationId", body.get("organizationId").and_then(Value::as_str).is_some()),
        ("deploymentId", body.get("deploymentId").and_then(Value::as_str).is_some()),
        ("routingTarget.targetAddress", body.pointer("/routingTarget/targetAddress").and_then(Value::as_str).is_some()),
        ("memberInfo.displayName", body.pointer("/memberInfo/displayName").and_then(Value::as_str).is_some()),
    ]
    .into_iter()
    .filter(|(_, ok)| !ok)
    .map(|(k, _)| k)
    .collect();
    if !missing.is_empty() {
        return error(StatusCode::BAD_REQUEST, "bad.request", &format!("missing {}", missing.join(", ")));
    }
    if body.pointer("/routingTarget/targetType").and_then(Value::as_str).is_some_and(|t| t != "QUEUE") {
        return error(StatusCode::BAD_REQUEST, "bad.request", "routingTarget.targetType must be QUEUE");
    }
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1").to_owned();
    let mut w = lock(&world);
    let n = w.seq();
    let t = now_ms();
    let id = format!("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", t & 0xffff_ffff, n & 0xffff, n & 0xfff, (t >> 8) & 0xfff, t.wrapping_mul(31) ^ n);
    let customer = format!("member-{:08x}-{n:04}", t & 0xffff_ffff);
    let jwt = format!("eyJhbGciOiJIUzI1NiJ9.standin-{n}-{:x}.sig", t.wrapping_mul(2654435761));
    let token = format!("tok{n}x{:x}", t.wrapping_mul(40503));
    let display = body.pointer("/memberInfo/displayName").and_then(Value::as_str).unwrap_or("Customer").to_owned();
    let conv = Conversation {
        id: id.clone(),
        jwt: jwt.clone(),
        token: token.clone(),
        customer: customer.clone(),
        members: vec![GMember {
            id: customer.clone(),
            role: "CUSTOMER".into(),
            display_name: display,
            state: "CONNECTED".into(),
            avatar: None,
            join_date: iso(t),
            custom_fields: body.pointer("/memberInfo/customFields").cloned(),
        }],
        create_body: body,
        ..Default::default()
    };
    w.guest.insert(id.clone(), conv);
    Json(json!({"id": id, "jwt": jwt, "eventStreamUri": format!("ws://{host}/guest/stream/{token}"), "member": {"id": customer}})).into_response()
}

pub async fn members(State(world): State<Shared>, Path(conv): Path<String>, headers: HeaderMap) -> Response {
    if let Err(r) = authorized(&world, &conv, &headers) {
        return r;
    }
    if let Some(r) = fault(&world, "guest.members").await {
        return r;
    }
    let w = lock(&world);
    let list: Vec<&GMember> = w.guest.get(&conv).map(|c| c.members.iter().collect()).unwrap_or_default();
    Json(json!({"entities": list, "pageSize": 25, "pageNumber": 1, "total": list.len(), "pageCount": 1,
        "selfUri": format!("/api/v2/webchat/guest/conversations/{conv}/members")})).into_response()
}

pub async fn member(State(world): State<Shared>, Path((conv, member)): Path<(String, String)>, headers: HeaderMap) -> Response {
    if let Err(r) = authorized(&world, &conv, &headers) {
        return r;
    }
    if let Some(r) = fault(&world, "guest.member").await {
        return r;
    }
    let w = lock(&world);
    match w.guest.get(&conv).and_then(|c| c.member(&member)) {
        Some(m) => Json(json!(m)).into_response(),
        None => error(StatusCode::NOT_FOUND, "not.found", "member not found"),
    }
}

pub async fn leave(State(world): State<Shared>, Path((conv, member)): Path<(String, String)>, headers: HeaderMap) -> Response {
    if let Err(r) = authorized(&world, &conv, &headers) {
        return r;
    }
    if let Some(r) = fault(&world, "guest.leave").await {
        return r;
    }
    disconnect_member(&world, &conv, &member);
    StatusCode::NO_CONTENT.into_response()
}

/// A member leaves: member-leave message, DISCONNECTED member-change; a leaving customer
/// ends the conversation, and the agent leaves too.
pub fn disconnect_member(world: &Shared, conv: &str, member: &str) {
    let mut w = lock(world);
    let (a, b, c) = (w.seq(), w.seq(), w.seq());
    let Some(cv) = w.guest.get_mut(conv) else { return };
    if cv.member(member).is_none_or(|m| m.state == "DISCONNECTED") {
        return;
    }
    cv.set_state(member, "DISCONNECTED");
    cv.post(member, "", "member-leave", a);
    cv.member_change(member, "DISCONNECTED", b);
    if member == cv.customer {
        cv.ended = true;
        if let Some(agent) = cv.agent.clone() {
            if cv.member(&agent).is_some_and(|m| m.state == "CONNECTED") {
                cv.post(&agent, "", "member-leave", c);
                cv.member_change(&agent, "DISCONNECTED", c + 1);
            }
        }
    }
}

pub async fn post_message(State(world): State<Shared>, Path((conv, member)): Path<(String, String)>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    if let Err(r) = authorized(&world, &conv, &headers) {
        return r;
    }
    if let Some(r) = fault(&world, "guest.send").await {
        return r;
    }
    let Some(text) = body.get("body").and_then(Value::as_str) else {
        return error(StatusCode::BAD_REQUEST, "bad.request", "body is required");
    };
    if text.chars().count() > 4000 {
        return error(StatusCode::BAD_REQUEST, "bad.request", "body exceeds 4000 characters");
    }
    let body_type = body.get("bodyType").and_then(Value::as_str).unwrap_or("standard").to_owned();
    let msg = {
        let mut w = lock(&world);
        let n = w.seq();
        let Some(cv) = w.guest.get_mut(&conv) else { return error(StatusCode::NOT_FOUND, "not.found", "conversation not found") };
        if cv.member(&member).is_none_or(|m| m.state != "CONNECTED") {
            return error(StatusCode::BAD_REQUEST, "chat.error.conversation.state", "member is not connected");
        }
        cv.post(&member, text, &body_type, n)
    };
    crate::guest_agent::on_customer_message(world, conv, text.to_owned());
    Json(msg).into_response()
}

pub async fn typing(State(world): State<Shared>, Path((conv, member)): Path<(String, String)>, headers: HeaderMap) -> Response {
    if let Err(r) = authorized(&world, &conv, &headers) {
        return r;
    }
    let mut w = lock(&world);
    let n = w.seq();
    let Some(cv) = w.guest.get_mut(&conv) else { return error(StatusCode::NOT_FOUND, "not.found", "conversation not found") };
    let mut t = cv.typing(&member, n);
    t["sender"] = json!({"id": member});
    Json(t).into_response()
}

/// `GET …/messages?after&before&sortOrder&maxResults`, with `next` as a server path.
pub async fn messages(State(world): State<Shared>, Path(conv): Path<String>, Query(q): Query<HashMap<String, String>>, headers: HeaderMap) -> Response {
    if let Err(r) = authorized(&world, &conv, &headers) {
        return r;
    }
    if let Some(r) = fault(&world, "guest.messages").await {
        return r;
    }
    let w = lock(&world);
    let Some(cv) = w.guest.get(&conv) else { return error(StatusCode::NOT_FOUND, "not.found", "conversation not found") };
    let max = q.get("maxResults").and_then(|m| m.parse::<usize>().ok()).unwrap_or(100).clamp(1, 100);
    let descending = q.get("sortOrder").map(String::as_str) == Some("descending");
    let pos = |id: &String| cv.messages.iter().position(|m| m["id"] == json!(id));
    // The window of the transcript this query covers, oldest first.
    let mut window: Vec<&Value> = cv.messages.iter().collect();
    if let Some(after) = q.get("after").and_then(pos) {
        window = window.split_off(after + 1);
    }
    if let Some(before) = q.get("before").and_then(pos) {
        let skipped = cv.messages.len() - window.len();
        window.truncate(before.saturating_sub(skipped));
    }
    let (page, more): (Vec<&Value>, bool) = if descending {
        let more = window.len() > max;
        (window.iter().rev().take(max).copied().collect(), more)
    } else {
        let more = window.len() > max;
        (window.iter().take(max).copied().collect(), more)
    };
    let base = format!("/api/v2/webchat/guest/conversations/{conv}/messages");
    let mut out = json!({"pageSize": max, "entities": page, "selfUri": base});
    if more {
        if let Some(last) = page.last().and_then(|m| m["id"].as_str()) {
            out["next"] = if descending {
                json!(format!("{base}?sortOrder=descending&maxResults={max}&before={last}"))
            } else {
                json!(format!("{base}?sortOrder=ascending&maxResults={max}&after={last}"))
            };
        }
    }
    Json(out).into_response()
}

/// The event stream at a conversation's `eventStreamUri`.
pub async fn stream(State(world): State<Shared>, Path(token): Path<String>, ws: WebSocketUpgrade) -> Response {
    let conv = lock(&world).guest.values().find(|c| c.token == token).map(|c| c.id.clone());
    match conv {
        Some(conv) => ws.on_upgrade(move |socket| serve_stream(world, conv, socket)),
        None => error(StatusCode::NOT_FOUND, "not.found", "unknown event stream"),
    }
}

async fn serve_stream(world: Shared, conv: String, mut socket: WebSocket) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (route, interval) = {
        let mut w = lock(&world);
        // Default every 10 s: more often than the widget's 14 s watchdog.
        let interval = if w.heartbeat_ms == 0 { 10_000 } else { w.heartbeat_ms.max(50) };
        let Some(cv) = w.guest.get_mut(&conv) else { return };
        cv.streams.push(tx);
        let first = !cv.routed;
        cv.routed = true;
        (first, interval)
    };
    if route {
        crate::guest_agent::on_routed(world.clone(), conv.clone());
    }
    let mut beat = tokio::time::interval(Duration::from_millis(interval));
    beat.tick().await;
    loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(Outbound::Frame(text)) => {
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                Some(Outbound::Close) | None => {
                    let _ = socket.send(Message::Close(None)).await;
                    break;
                }
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            _ = beat.tick() => {
                if lock(&world).heartbeats_off {
                    continue;
                }
                let frame = json!({"topicName": "channel.metadata", "eventBody": {"message": "WebSocket Heartbeat"}}).to_string();
                if socket.send(Message::Text(frame.into())).await.is_err() {
                    break;
                }
            }
        }
    }
}

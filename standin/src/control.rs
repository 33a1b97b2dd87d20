//! The control API tests and people use to steer the stand-in: inspect chats and the
//! request log, make the agent act, queue faults, change the agent script, reset.

use crate::agent;
use crate::netfault::NetFault;
use crate::world::{lock, now_ms, AgentScript, Fault, Shared};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

pub async fn chats(State(world): State<Shared>) -> Json<Value> {
    let w = lock(&world);
    Json(json!({"chats": w.chats.values().collect::<Vec<_>>()}))
}

pub async fn log(State(world): State<Shared>) -> Json<Value> {
    Json(json!({"requests": lock(&world).log}))
}

/// `{action: say|typing|stopTyping|join|leave|end|notice|bot, text?, name?}`, or a raw
/// transcript entry (with `type` and `from`), appended with the next index.
pub async fn act(State(world): State<Shared>, Path(chat_id): Path<String>, Json(body): Json<Value>) -> Response {
    if body.get("type").is_some() {
        let mut w = lock(&world);
        let Some(chat) = w.chats.get_mut(&chat_id) else { return (StatusCode::NOT_FOUND, "no such chat").into_response() };
        let index = chat.push(body);
        return Json(json!({"index": index})).into_response();
    }
    let text = body.get("text").and_then(Value::as_str);
    let ok = match body.get("action").and_then(Value::as_str).unwrap_or("") {
        "say" => agent::push_agent(&world, &chat_id, "Message", Some(text.unwrap_or("Hello"))),
        "typing" => agent::push_agent(&world, &chat_id, "TypingStarted", None),
        "stopTyping" => agent::push_agent(&world, &chat_id, "TypingStopped", None),
        "join" => agent::push_agent(&world, &chat_id, "ParticipantJoined", None),
        "leave" => agent::push_agent(&world, &chat_id, "ParticipantLeft", None),
        "notice" => agent::push_agent(&world, &chat_id, "Notice", Some(text.unwrap_or("Notice"))),
        "bot" => {
            let mut w = lock(&world);
            let Some(chat) = w.chats.get_mut(&chat_id) else { return (StatusCode::NOT_FOUND, "no such chat").into_response() };
            chat.push(json!({"from": {"nickname": "Bot", "participantId": 3, "type": "External"},
                "type": "ParticipantJoined", "utcTime": now_ms(),
                "eventAttributes": {"GCTI_SYSTEM": {"party-info": {"style": "BOT"}}}}));
            true
        }
        "replay" => {
            // Appends the transcript entries of a recorded payload (tests/fixtures/...).
            let name = body.get("fixture").and_then(Value::as_str).unwrap_or("");
            let mut w = lock(&world);
            let path = w.fixtures.join(name);
            if name.contains("..") {
                return (StatusCode::BAD_REQUEST, "bad fixture name").into_response();
            }
            let recorded: Value = match std::fs::read_to_string(&path).ok().and_then(|t| serde_json::from_str(&t).ok()) {
                Some(v) => v,
                None => return (StatusCode::NOT_FOUND, format!("no fixture {name}")).into_response(),
            };
            let Some(chat) = w.chats.get_mut(&chat_id) else { return (StatusCode::NOT_FOUND, "no such chat").into_response() };
            for m in recorded.get("messages").and_then(Value::as_array).cloned().unwrap_or_default() {
                chat.push(m);
            }
            true
        }
        "bulk" => {
            // `count` agent messages at once (benchmarks: a long transcript to restore).
            let count = body.get("count").and_then(Value::as_u64).unwrap_or(100).min(100_000);
            let mut w = lock(&world);
            let name = w.agent.name.clone();
            let Some(chat) = w.chats.get_mut(&chat_id) else { return (StatusCode::NOT_FOUND, "no such chat").into_response() };
            for i in 0..count {
                chat.push(json!({"from": {"nickname": name, "participantId": agent::AGENT_ID, "type": "Agent"},
                    "type": "Message", "text": format!("Message number {i} with a little text in it, like a real one."),
                    "utcTime": now_ms()}));
            }
            true
        }
        "end" => {
            agent::end_chat(&world, &chat_id);
            true
        }
        other => return (StatusCode::BAD_REQUEST, format!("unknown action '{other}'")).into_response(),
    };
    if ok { StatusCode::NO_CONTENT.into_response() } else { (StatusCode::CONFLICT, "chat missing or ended").into_response() }
}

/// A fault entry the handlers apply themselves ([`Fault`]: `status1`, `http`, `slow`,
/// `errors`, picked by `op` only), as opposed to one for the network layer
/// ([`crate::netfault`]): any other kind, or an entry naming `transport`, `method` or `path`.
fn is_handler_fault(f: &Value) -> bool {
    let handler_kind = matches!(f.get("kind").and_then(Value::as_str), Some("status1" | "http" | "slow" | "errors"));
    handler_kind && ["transport", "method", "path"].iter().all(|k| f.get(k).is_none())
}

/// Queues one fault or a list of them, all or none: handler faults ([`Fault`]) and
/// network faults ([`NetFault`], see `crate::netfault`), told apart by [`is_handler_fault`].
pub async fn faults(State(world): State<Shared>, Json(body): Json<Value>) -> Response {
    let entries = match body {
        Value::Array(list) => list,
        one => vec![one],
    };
    let mut handler = Vec::new();
    let mut network = Vec::new();
    for entry in entries {
        let parsed = if is_handler_fault(&entry) {
            serde_json::from_value::<Fault>(entry).map(|f| handler.push(f))
        } else {
            serde_json::from_value::<NetFault>(entry).map(|f| network.push(f))
        };
        if let Err(e) = parsed {
            return (StatusCode::BAD_REQUEST, format!("bad fault: {e}")).into_response();
        }
    }
    let mut w = lock(&world);
    w.faults.extend(handler);
    w.net_faults.extend(network);
    StatusCode::NO_CONTENT.into_response()
}

/// The faults still queued (`handler`, `network`) and the network faults applied so far.
pub async fn list_faults(State(world): State<Shared>) -> Json<Value> {
    let w = lock(&world);
    Json(json!({"handler": w.faults, "network": w.net_faults, "applied": w.net_applied}))
}

/// Forgets every queued fault (what was applied stays listed).
pub async fn clear_faults(State(world): State<Shared>) -> StatusCode {
    let mut w = lock(&world);
    w.faults.clear();
    w.net_faults.clear();
    StatusCode::NO_CONTENT
}

pub async fn set_agent(State(world): State<Shared>, Json(script): Json<AgentScript>) -> StatusCode {
    lock(&world).agent = script;
    StatusCode::NO_CONTENT
}

/// `{apikey: "..."}` requires that header on every GMS request; `{apikey: null}` lifts it.
pub async fn set_apikey(State(world): State<Shared>, Json(body): Json<Value>) -> StatusCode {
    lock(&world).required_apikey = body.get("apikey").and_then(Value::as_str).map(str::to_owned);
    StatusCode::NO_CONTENT
}

pub async fn reset(State(world): State<Shared>) -> StatusCode {
    lock(&world).reset();
    StatusCode::NO_CONTENT
}

pub async fn guest_conversations(State(world): State<Shared>) -> Json<Value> {
    let w = lock(&world);
    Json(json!({"conversations": w.guest.values().collect::<Vec<_>>()}))
}

/// Guest chat: `{action: join|say|typing|leave|bot|bot-leave|end|drop, text?}`.
/// `drop` closes the conversation's streams from the server side; `end` disconnects the
/// visitor's member (the conversation is over).
pub async fn guest_act(State(world): State<Shared>, Path(conv): Path<String>, Json(body): Json<Value>) -> Response {
    use crate::guest_agent as agent;
    let text = body.get("text").and_then(Value::as_str).unwrap_or("Hello");
    let ok = match body.get("action").and_then(Value::as_str).unwrap_or("") {
        "join" => agent::agent_join(&world, &conv),
        "say" => agent::agent_says(&world, &conv, text),
        "typing" => agent::agent_types(&world, &conv),
        "leave" => {
            crate::guest::disconnect_member(&world, &conv, crate::guest::AGENT_ID);
            true
        }
        "bot" | "bot-leave" => {
            let joining = body["action"] == "bot";
            let mut w = lock(&world);
            let n = w.seq();
            match w.guest.get_mut(&conv) {
                Some(c) => {
                    if c.member("bot-0001").is_none() {
                        c.members.push(crate::guest_world::GMember {
                            id: "bot-0001".into(), role: "WORKFLOW".into(), display_name: "Helper".into(),
                            state: "CONNECTED".into(), avatar: None, join_date: crate::guest_world::iso(now_ms()), custom_fields: None,
                        });
                    }
                    if joining {
                        c.set_state("bot-0001", "CONNECTED");
                        c.post("bot-0001", "", "member-join", n);
                    } else {
                        c.set_state("bot-0001", "DISCONNECTED");
                        c.post("bot-0001", "", "member-leave", n);
                    }
                    true
                }
                None => false,
            }
        }
        "end" => {
            let customer = lock(&world).guest.get(&conv).map(|c| c.customer.clone());
            match customer {
                Some(c) => {
                    crate::guest::disconnect_member(&world, &conv, &c);
                    true
                }
                None => false,
            }
        }
        "drop" => match lock(&world).guest.get_mut(&conv) {
            Some(c) => {
                c.close_streams();
                true
            }
            None => false,
        },
        other => return (StatusCode::BAD_REQUEST, format!("unknown action '{other}'")).into_response(),
    };
    if ok { StatusCode::NO_CONTENT.into_response() } else { (StatusCode::CONFLICT, "conversation missing or ended").into_response() }
}

/// `{interval_ms?: n, enabled?: bool}`: heartbeat frames on guest streams.
pub async fn guest_heartbeats(State(world): State<Shared>, Json(body): Json<Value>) -> StatusCode {
    let mut w = lock(&world);
    if let Some(ms) = body.get("interval_ms").and_then(Value::as_u64) {
        w.heartbeat_ms = ms;
    }
    if let Some(on) = body.get("enabled").and_then(Value::as_bool) {
        w.heartbeats_off = !on;
    }
    StatusCode::NO_CONTENT
}

/// `GET /control/nexus/variant`: how the Nexus stand-in reads the protocol's inferred
/// parts (`crate::nexus_variant`).
pub async fn nexus_variant(State(world): State<Shared>) -> Json<Value> {
    Json(json!(lock(&world).nexus.variant))
}

/// `POST /control/nexus/variant` with the knobs to set, e.g. `{"cursor": "none",
/// "index_base": 0}`: the variant becomes exactly that (knobs left out take their
/// defaults; `{}` restores them all) and the answer is the variant now in force. An
/// unknown knob or value is refused with 400 and nothing changes.
pub async fn set_nexus_variant(State(world): State<Shared>, Json(body): Json<Value>) -> Response {
    match serde_json::from_value::<crate::nexus_variant::Variant>(body) {
        Ok(v) => {
            lock(&world).nexus.variant = v;
            Json(json!(v)).into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, format!("bad Nexus variant: {e}")).into_response(),
    }
}

pub async fn nexus_sessions(State(world): State<Shared>) -> Json<Value> {
    let w = lock(&world);
    Json(json!({"sessions": w.nexus.sessions.values().collect::<Vec<_>>()}))
}

/// Nexus v3: `{action: join|say|typing|notice|leave|image|end|lose, text?}`. `end` ends the chat
/// from the server side (`chatEnded`); `lose` forgets the session (404 `INVALID_SESSION`).
pub async fn nexus_act(State(world): State<Shared>, Path(id): Path<String>, Json(body): Json<Value>) -> Response {
    let text = body.get("text").and_then(Value::as_str).unwrap_or("Hello");
    let action = body.get("action").and_then(Value::as_str).unwrap_or("");
    if crate::nexus::act(&world, &id, action, text) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        (StatusCode::NOT_FOUND, "no such session, no agent there, or an unknown action").into_response()
    }
}

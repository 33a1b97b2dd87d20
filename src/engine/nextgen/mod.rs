//! What the shipped nextgen controller does the same way whatever its transport (guest
//! chat, Nexus v3): its capabilities, the transcript it keeps and hands out, the stats it
//! derives from it, and its sleep/wake switch. Each session keeps the state; these
//! functions keep the behaviour in one place.

use super::emitter::Emitter;
use super::json::{js_number, obj, Map, Value};
use std::collections::VecDeque;

/// The controller's capabilities before a transport changes them.
pub fn default_capabilities() -> Map {
    let mut m = Map::new();
    m.push("async", Value::Bool(false));
    m.push("asyncClose", Value::str("hideChat"));
    m.push("pagination", Value::Bool(false));
    m.push("fileUpload", Value::Bool(true));
    m
}

/// The item a transport posts when someone joins (or, with `type` changed to
/// `ParticipantLeft`, leaves): `from` names who (`Client`, `Agent`), stamped when posted.
pub fn joined_item(who: &str, name: Option<&str>, avatar: Option<&str>) -> Map {
    let mut m = Map::new();
    m.push("type", Value::str("ParticipantJoined"));
    m.push("text", Value::str(""));
    m.push("restoring", Value::Bool(false));
    m.push("index", Value::int(0));
    m.push("timestamp", Value::int(0));
    let mut from = Map::new();
    from.push("type", Value::str(who));
    if let Some(n) = name {
        from.push("name", Value::str(n));
    }
    m.push("from", Value::Object(from));
    if let Some(a) = avatar.filter(|a| !a.is_empty()) {
        m.push("avatar", Value::str(a));
    }
    m
}

/// Appends to a transcript list that keeps at most `cap` entries (the oldest go).
pub fn keep(list: &mut VecDeque<Value>, v: Value, cap: usize) {
    if list.len() >= cap {
        list.pop_front();
    }
    list.push_back(v);
}

/// `getTranscript`: the running chat's lists, or the last ended chat's.
pub fn transcript(active: bool, messages: &VecDeque<Value>, originals: &VecDeque<Value>, saved: &(Vec<Value>, Vec<Value>)) -> Value {
    let (m, o) = if active { (messages.iter().cloned().collect(), originals.iter().cloned().collect()) } else { saved.clone() };
    obj([("messages", Value::Array(m)), ("originalMessages", Value::Array(o))])
}

/// `getStats`: the agents, and the first and last message's timestamps with their
/// difference (`false` each without messages).
pub fn stats(messages: &VecDeque<Value>, agents: &Map) -> Value {
    let (start, end, duration) = match (messages.front(), messages.back()) {
        (Some(f), Some(l)) => {
            // Kept as shared text: only the two ends are read back.
            let (s, e) = (f.expanded().get("timestamp").clone(), l.expanded().get("timestamp").clone());
            let d = js_number(&e) - js_number(&s);
            (s, e, Value::num(d))
        }
        _ => (Value::Bool(false), Value::Bool(false), Value::Bool(false)),
    };
    obj([("agents", Value::Object(agents.clone())), ("startTime", start), ("endTime", end), ("duration", duration)])
}

/// `sleep` (`asleep` true) or `wake`: only with `sleepEnabled` and an active chat, and
/// only a change is published (`sleeping` / `waking` and the data key). Says whether it
/// changed.
pub fn set_sleeping(out: &mut Emitter, enabled: bool, active: bool, sleeping: &mut bool, asleep: bool) -> bool {
    if !enabled || !active || *sleeping == asleep {
        return false;
    }
    *sleeping = asleep;
    out.publish(if asleep { "sleeping" } else { "waking" }, Value::Undefined);
    out.data("sleeping", Value::Bool(asleep));
    true
}
pub mod controller;

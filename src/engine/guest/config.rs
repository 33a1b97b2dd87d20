//! `_genesys.widgets.webchat` for the `purecloud-v2-sockets` transport, read as the
//! shipped transport reads it: typed options with defaults, and the request template
//! (`conversationOptions`) filled by the shipped property mapping. Missing required
//! options are named on the console (the shipped one starts a chat against nothing).

use crate::engine::json::{js_number, obj, Map, Value};

pub const TRANSPORT: &str = "purecloud-v2-sockets";
/// Browsers fire timers above 2³¹ − 1 ms at once.
const MAX_TIMER_MS: u64 = 2_147_483_647;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Str,
    Num,
    Any,
}

/// The shipped `oMapping`: where a source path lands in the create request, its type,
/// and a default.
const MAPPING: &[(&str, &str, Kind, Option<&str>)] = &[
    ("form.firstname", "memberInfo.customFields.firstName", Kind::Str, None),
    ("form.lastname", "memberInfo.customFields.lastName", Kind::Str, None),
    ("form.email", "memberInfo.customFields.email", Kind::Str, None),
    ("form.subject", "memberInfo.customFields.subject", Kind::Str, None),
    ("userData.phone", "memberInfo.customFields.phoneNumber", Kind::Str, None),
    ("interactionData.userData.phone", "memberInfo.customFields.phoneNumber", Kind::Str, None),
    ("interactionData.routing.targetType", "routingTarget.targetType", Kind::Str, Some("QUEUE")),
    ("interactionData.routing.targetAddress", "routingTarget.targetAddress", Kind::Str, None),
    ("interactionData.routing.skills", "routingTarget.skills", Kind::Any, None),
    ("interactionData.routing.priority", "routingTarget.priority", Kind::Num, None),
    ("interactionData.routing.language", "routingTarget.language", Kind::Str, None),
    ("interactionData.journey.customerId", "journeyContext.customer.id", Kind::Str, None),
    ("interactionData.journey.customerIdType", "journeyContext.customer.idType", Kind::Str, None),
    ("interactionData.journey.sessionId", "journeyContext.customerSession.id", Kind::Str, None),
    ("interactionData.journey.sessionType", "journeyContext.customerSession.type", Kind::Str, None),
    ("interactionData.journey.actionId", "journeyContext.triggeringAction.id", Kind::Str, None),
    ("interactionData.journey.actionMapId", "journeyContext.triggeringAction.actionMap.id", Kind::Str, None),
    ("interactionData.journey.actionMapVersion", "journeyContext.triggeringAction.actionMap.version", Kind::Num, None),
];

/// The shipped `checkPath`-like read: the value at a dotted path; a missing or falsy
/// step ends the walk with that value.
fn read_path<'a>(src: &'a Value, path: &str) -> &'a Value {
    let mut v = src;
    for seg in path.split('.') {
        let next = v.get(seg);
        if !next.truthy() {
            return next;
        }
        v = next;
    }
    v
}

/// Sets a dotted path, creating objects on the way (a non-object in the way stops it).
fn write_path(dst: &mut Value, path: &str, value: Value) {
    let mut segs: Vec<&str> = path.split('.').collect();
    let Some(last) = segs.pop() else { return };
    let mut v = dst;
    for seg in segs {
        let Some(m) = v.as_object_mut() else { return };
        if m.get(seg).is_none_or(Value::is_undefined) {
            m.insert(seg, Value::object());
        }
        let Some(next) = m.get_mut(seg) else { return };
        v = next;
    }
    if let Some(m) = v.as_object_mut() {
        m.insert(last, value);
    }
}

/// The shipped `mapProperties(oMapping, src, dst)`.
pub fn map_properties(src: &Value, dst: &mut Value) {
    for (from, to, kind, default) in MAPPING {
        let v = read_path(src, from);
        if !v.is_nullish() {
            let v = match kind {
                Kind::Str => Value::String(if v.truthy() { v.to_js_string() } else { String::new() }),
                Kind::Num => Value::num(js_number(v)),
                Kind::Any => v.clone(),
            };
            write_path(dst, to, v);
        } else if let Some(d) = default {
            write_path(dst, to, Value::str(*d));
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct GuestConfig {
    /// The API host as given (requests are `dataURL + path`).
    pub data_url: String,
    /// The create-request template (`deploymentId`, `organizationId`, `routingTarget`,
    /// `memberInfo`, `journeyContext`).
    pub conversation: Value,
    pub pagination: bool,
    pub max_page: f64,
    pub bot_events: bool,
    pub heartbeat_ms: u64,
    pub ajax_timeout: u64,
    /// What is missing for a chat to start, if anything (named on the console).
    pub missing: Vec<&'static str>,
}

/// Reads the transport options of `webchat` (`transport` is an object here).
pub fn parse(webchat: &Value, warnings: &mut Vec<String>) -> GuestConfig {
    let t = webchat.get("transport");
    let mut conversation = obj([
        ("deploymentId", Value::str("")),
        ("organizationId", Value::str("")),
        ("routingTarget", obj([("targetAddress", Value::str(""))])),
        ("memberInfo", obj([("displayName", Value::str("Customer")), ("role", Value::str("CUSTOMER")), ("customFields", Value::object())])),
    ]);
    let data_url = t.get("dataURL").as_str().unwrap_or("").to_owned();
    warnings.extend(crate::engine::diagnostics::url_warning("webchat.transport.dataURL", &data_url));
    let mut missing = Vec::new();
    if data_url.is_empty() {
        missing.push("transport.dataURL (e.g. https://api.mypurecloud.com)");
    }
    if let Some(k) = t.get("deploymentKey").as_str() {
        write_path(&mut conversation, "deploymentId", Value::str(k));
    } else {
        missing.push("transport.deploymentKey");
    }
    if t.get("organizationId").as_str().is_some() || t.get("orgGuid").as_str().is_some() {
        let org = if t.get("organizationId").truthy() { t.get("organizationId") } else { t.get("orgGuid") };
        write_path(&mut conversation, "organizationId", org.clone());
    } else {
        missing.push("transport.orgGuid (or organizationId)");
    }
    map_properties(t, &mut conversation);
    let num = |k: &str| t.get(k).as_f64();
    let mut heartbeat = num("socketHeartbeatTrackerInterval").unwrap_or(14_000.0);
    if !(heartbeat.is_finite() && (1000.0..=MAX_TIMER_MS as f64).contains(&heartbeat)) {
        warnings.push(format!("transport.socketHeartbeatTrackerInterval must be from 1000 to {MAX_TIMER_MS} ms; 14000 is used"));
        heartbeat = 14_000.0;
    }
    let mut max_page = num("maxMessagePageSize").unwrap_or(100.0);
    if !(max_page.is_finite() && max_page >= 1.0) {
        warnings.push("transport.maxMessagePageSize must be a positive number; 100 is used".into());
        max_page = 100.0;
    }
    let ajax = webchat.get("ajaxTimeout").as_f64().filter(|n| *n >= 12_000.0).unwrap_or(12_000.0).min(MAX_TIMER_MS as f64);
    GuestConfig {
        data_url,
        conversation,
        pagination: t.get("pagination").as_bool().unwrap_or(true),
        max_page: max_page.trunc(),
        bot_events: t.get("botEventsEnabled").as_bool().unwrap_or(false),
        heartbeat_ms: heartbeat as u64,
        ajax_timeout: ajax as u64,
        missing,
    }
}

/// `webchat.userData` (the transport's `oUserData`, merged over by each `configure`).
pub fn user_data(webchat: &Value, into: &mut Map) {
    if let Value::Object(_) = webchat.get("userData") {
        into.assign(webchat.get("userData"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::json::parse as json;

    #[test]
    fn the_create_template_is_mapped_as_shipped() {
        let w = json(r#"{"transport":{"type":"purecloud-v2-sockets","dataURL":"https://api.x","deploymentKey":"d","orgGuid":"o","interactionData":{"routing":{"targetAddress":"Support","priority":"2"}}}}"#).unwrap();
        let mut warn = Vec::new();
        let c = parse(&w, &mut warn);
        assert!(warn.is_empty() && c.missing.is_empty());
        assert_eq!(
            c.conversation.write(),
            r#"{"deploymentId":"d","organizationId":"o","routingTarget":{"targetAddress":"Support","targetType":"QUEUE","priority":2},"memberInfo":{"displayName":"Customer","role":"CUSTOMER","customFields":{}}}"#
        );
        assert_eq!((c.pagination, c.max_page, c.bot_events, c.heartbeat_ms, c.ajax_timeout), (true, 100.0, false, 14_000, 12_000));
    }

    #[test]
    fn missing_options_are_named_and_absurd_timers_clamped() {
        let w = json(r#"{"transport":{"type":"purecloud-v2-sockets","socketHeartbeatTrackerInterval":1e20}}"#).unwrap();
        let mut warn = Vec::new();
        let c = parse(&w, &mut warn);
        assert_eq!(c.missing.len(), 3);
        assert_eq!(c.heartbeat_ms, 14_000);
        assert_eq!(warn.len(), 1);
    }
}

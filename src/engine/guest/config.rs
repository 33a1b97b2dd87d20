//! `_genesys.widgets.webchat.transport` for `purecloud-v2-sockets`, with the shipped
//! defaults; a missing required option is reported precisely.

use crate::engine::value::{as_u64_loose, str_of};
use serde_json::{json, Map, Value};

pub const TRANSPORT: &str = "purecloud-v2-sockets";

#[derive(Debug, Clone, PartialEq)]
pub struct GuestConfig {
    /// API host without a trailing `/`, e.g. `https://api.mypurecloud.com`.
    pub data_url: String,
    pub deployment_key: String,
    pub organization_id: String,
    /// `routingTarget` as sent: targetType (default QUEUE), targetAddress, skills, priority, language.
    pub routing: Value,
    /// `journeyContext` as sent, when `interactionData.journey` is given.
    pub journey: Option<Value>,
    /// `interactionData.userData` (its `phone` becomes `customFields.phoneNumber`).
    pub interaction_user_data: Map<String, Value>,
    pub pagination: bool,
    pub max_page: u64,
    pub bot_events: bool,
    pub heartbeat_ms: u64,
    pub user_data: Map<String, Value>,
    pub ajax_timeout: u64,
}

/// Reads the guest chat options; `Err` names what is missing.
pub fn parse(webchat: &Value) -> Result<(GuestConfig, Vec<String>), String> {
    let t = webchat.get("transport").cloned().unwrap_or(Value::Null);
    let mut missing = Vec::new();
    let data_url = str_of(&t, "dataURL").map(|s| s.trim().trim_end_matches('/').to_owned()).filter(|s| !s.is_empty());
    if data_url.is_none() {
        missing.push("transport.dataURL (e.g. https://api.mypurecloud.com)");
    }
    let deployment_key = str_of(&t, "deploymentKey").filter(|s| !s.is_empty());
    if deployment_key.is_none() {
        missing.push("transport.deploymentKey");
    }
    let organization_id = str_of(&t, "orgGuid").or_else(|| str_of(&t, "organizationId")).filter(|s| !s.is_empty());
    if organization_id.is_none() {
        missing.push("transport.orgGuid (or organizationId)");
    }
    let interaction = t.get("interactionData").cloned().unwrap_or(Value::Null);
    let routing_in = interaction.get("routing").cloned().unwrap_or(Value::Null);
    let target_address = str_of(&routing_in, "targetAddress").filter(|s| !s.is_empty());
    if target_address.is_none() {
        missing.push("transport.interactionData.routing.targetAddress (the queue name)");
    }
    if !missing.is_empty() {
        return Err(format!(
            "WebChatService: the {TRANSPORT} transport cannot start: missing {}.",
            missing.join(", ")
        ));
    }
    let mut warnings = Vec::new();
    let mut routing = Map::new();
    routing.insert("targetType".into(), json!(str_of(&routing_in, "targetType").unwrap_or("QUEUE")));
    routing.insert("targetAddress".into(), json!(target_address));
    if let Some(skills) = routing_in.get("skills").filter(|s| s.is_array()) {
        routing.insert("skills".into(), skills.clone());
    }
    if let Some(p) = routing_in.get("priority") {
        match as_u64_loose(p) {
            Some(n) => {
                routing.insert("priority".into(), json!(n));
            }
            None => warnings.push("transport.interactionData.routing.priority is not a number; ignored".into()),
        }
    }
    if let Some(l) = str_of(&routing_in, "language") {
        routing.insert("language".into(), json!(l));
    }
    let journey = interaction.get("journey").filter(|j| j.is_object()).map(|j| {
        let mut ctx = json!({"customer": {"id": j.get("customerId"), "idType": j.get("customerIdType")}});
        if j.get("sessionId").is_some() {
            ctx["customerSession"] = json!({"id": j.get("sessionId"), "type": j.get("sessionType")});
        }
        if j.get("actionId").is_some() {
            let version = j.get("actionMapVersion").and_then(as_u64_loose);
            ctx["triggeringAction"] = json!({"id": j.get("actionId"), "actionMap": {"id": j.get("actionMapId"), "version": version}});
        }
        ctx
    });
    let flag = |key: &str, default: bool| t.get(key).and_then(Value::as_bool).unwrap_or(default);
    let number = |key: &str, default: u64| t.get(key).and_then(as_u64_loose).unwrap_or(default);
    let config = GuestConfig {
        data_url: data_url.unwrap_or_default(),
        deployment_key: deployment_key.unwrap_or_default().to_owned(),
        organization_id: organization_id.unwrap_or_default().to_owned(),
        routing: Value::Object(routing),
        journey,
        interaction_user_data: interaction.get("userData").and_then(Value::as_object).cloned().unwrap_or_default(),
        pagination: flag("pagination", true),
        max_page: number("maxMessagePageSize", 100).clamp(1, 100),
        bot_events: flag("botEventsEnabled", false),
        heartbeat_ms: number("socketHeartbeatTrackerInterval", 14_000).max(1000),
        user_data: webchat.get("userData").and_then(Value::as_object).cloned().unwrap_or_default(),
        ajax_timeout: webchat.get("ajaxTimeout").and_then(as_u64_loose).unwrap_or(12_000).max(12_000),
    };
    Ok((config, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_missing_options() {
        let ok = json!({"transport": {"type": TRANSPORT, "dataURL": "https://api.x/", "deploymentKey": "d",
            "orgGuid": "o", "interactionData": {"routing": {"targetAddress": "Support", "priority": "2"}}}});
        let (c, w) = parse(&ok).unwrap();
        assert!(w.is_empty());
        assert_eq!(c.data_url, "https://api.x");
        assert_eq!(c.routing, json!({"targetType": "QUEUE", "targetAddress": "Support", "priority": 2}));
        assert_eq!((c.pagination, c.max_page, c.bot_events, c.heartbeat_ms, c.ajax_timeout), (true, 100, false, 14_000, 12_000));
        let err = parse(&json!({"transport": {"type": TRANSPORT, "dataURL": "u"}})).unwrap_err();
        assert!(err.contains("deploymentKey") && err.contains("orgGuid") && err.contains("targetAddress"), "{err}");
    }
}

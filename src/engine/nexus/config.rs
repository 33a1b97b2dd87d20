//! `_genesys.widgets.webchat` for the `pureengage-v3-rest` transport, read as the shipped
//! transport and the nextgen controller read it: options of the wrong type are ignored,
//! `pollTimeout` defaults to 3000 ms with a floor of 100, `maxMessagePageSize` to 20
//! with a floor of 16, the error multiplier to 1.2, the request timeout (the top-level
//! `ajaxTimeout`) to 9000 ms.
//!
//! Deliberate (README): a multiplier below 1 is taken as 1. The shipped one would then
//! shrink the poll interval after each error down to a loop with no wait. Timers beyond
//! 2³¹ − 1 ms are clamped, because browsers fire them at once. A page size above 10,000 (the
//! count the shipped transport asks for when it restores without pagination) is taken as
//! 10,000.

use crate::engine::json::{Map, Value};
use crate::engine::Millis;

const MAX_TIMER_MS: Millis = 2_147_483_647;

#[derive(Debug, Clone, PartialEq)]
pub struct NexusConfig {
    /// `transport.dataURL`: the sessions URL (`…/nexus/v3/chat/sessions`).
    pub data_url: Option<String>,
    /// `transport.headers`: sent on every request (typically `x-api-key`).
    pub headers: Map,
    pub endpoint: Option<String>,
    pub client_type: Option<String>,
    pub stream: Option<String>,
    pub poll_timeout_ms: Millis,
    pub poll_multiplier: f64,
    /// Newest messages fetched on restore and per history page.
    pub max_page: u32,
    pub ajax_timeout_ms: Millis,
    /// `transport.async.enabled`.
    pub async_mode: bool,
    /// Which `transport.async` functions the page gave (the shell tells; data has none).
    pub callbacks: crate::engine::host::StorageCallbacks,
    /// Options a chat cannot start without, named on the console.
    pub missing: Vec<&'static str>,
    /// Options out of range, with the value used instead, for the console.
    pub warnings: Vec<String>,
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => Some(n.get()),
        _ => None,
    }
}

fn string(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

/// A duration option in whole milliseconds (the shipped code uses the number as it is;
/// browsers truncate timer delays), within what a browser timer can wait.
fn millis(n: f64) -> Millis {
    if n.is_finite() && n > 0.0 { (n as Millis).min(MAX_TIMER_MS) } else { 0 }
}

/// Reads `webchat` (the whole `_genesys.widgets.webchat`).
pub fn parse(webchat: &Value) -> NexusConfig {
    let t = webchat.get("transport");
    let poll = number(t.get("pollTimeout")).filter(|n| *n != 0.0 && !n.is_nan()).unwrap_or(3000.0);
    let max_page = match number(t.get("maxMessagePageSize")) {
        Some(n) if n.is_finite() && n >= 16.0 => n.min(10_000.0) as u32,
        _ if number(t.get("maxMessagePageSize")).is_some() => 16,
        _ => 20,
    };
    let data_url = string(t.get("dataURL"));
    let endpoint = string(t.get("endpoint"));
    let mut warnings = Vec::new();
    let mut clamped = |option: &str, given: f64, used: String| warnings.push(format!("transport.{option} {} is out of range; {used} is used.", Value::num(given).to_js_string()));
    match number(t.get("pollTimeout")) {
        Some(n) if n > 0.0 && n < 100.0 => clamped("pollTimeout", n, "100".into()),
        Some(n) if n < 0.0 => clamped("pollTimeout", n, "100".into()),
        Some(n) if n > MAX_TIMER_MS as f64 => clamped("pollTimeout", n, MAX_TIMER_MS.to_string()),
        _ => {}
    }
    match number(t.get("maxMessagePageSize")) {
        Some(n) if n.is_nan() || n < 16.0 => clamped("maxMessagePageSize", n, "16".into()),
        Some(n) if n > 10_000.0 => clamped("maxMessagePageSize", n, "10000".into()),
        _ => {}
    }
    if let Some(m) = number(t.get("pollIntervalMultiplier")).filter(|m| m.is_nan() || *m < 1.0) {
        clamped("pollIntervalMultiplier", m, "1".into());
    }
    warnings.extend(string(t.get("dataURL")).and_then(|u| crate::engine::diagnostics::url_warning("webchat.transport.dataURL", &u)));
    let mut missing = Vec::new();
    if data_url.as_deref().is_none_or(str::is_empty) {
        missing.push("transport.dataURL (e.g. https://<host>/nexus/v3/chat/sessions)");
    }
    if endpoint.as_deref().is_none_or(str::is_empty) {
        missing.push("transport.endpoint (the chat endpoint's name)");
    }
    NexusConfig {
        data_url,
        headers: t.get("headers").as_object().cloned().unwrap_or_default(),
        endpoint,
        client_type: string(t.get("clientType")),
        stream: string(t.get("stream")),
        poll_timeout_ms: millis(poll).max(100),
        poll_multiplier: number(t.get("pollIntervalMultiplier")).filter(|m| m.is_finite()).unwrap_or(1.2).max(1.0),
        max_page,
        ajax_timeout_ms: number(webchat.get("ajaxTimeout")).map(millis).filter(|m| *m > 0).unwrap_or(9000),
        async_mode: t.get("async").get("enabled").as_bool().unwrap_or(false),
        callbacks: Default::default(),
        missing,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::json::parse as json;

    fn cfg(text: &str) -> NexusConfig {
        parse(&json(text).unwrap())
    }

    #[test]
    fn defaults_and_floors_are_the_shipped_ones() {
        let c = cfg(r#"{"transport":{"type":"pureengage-v3-rest","dataURL":"https://h/nexus/v3/chat/sessions","endpoint":"ep","headers":{"x-api-key":"k"}}}"#);
        assert_eq!((c.poll_timeout_ms, c.poll_multiplier, c.max_page, c.ajax_timeout_ms, c.async_mode), (3000, 1.2, 20, 9000, false));
        assert_eq!(c.headers.get("x-api-key").and_then(Value::as_str), Some("k"));
        assert!(c.missing.is_empty());
        let c = cfg(r#"{"ajaxTimeout":500,"transport":{"pollTimeout":20,"maxMessagePageSize":4,"pollIntervalMultiplier":2,"async":{"enabled":true}}}"#);
        assert_eq!((c.poll_timeout_ms, c.poll_multiplier, c.max_page, c.ajax_timeout_ms, c.async_mode), (100, 2.0, 16, 500, true));
        assert_eq!(cfg(r#"{"transport":{"pollTimeout":0}}"#).poll_timeout_ms, 3000, "0 falls back to the default, as `|| 3e3` does");
    }

    #[test]
    fn wrong_types_are_ignored_and_missing_options_named() {
        let c = cfg(r#"{"transport":{"dataURL":7,"endpoint":42,"pollTimeout":"9","headers":"x","stream":true}}"#);
        assert_eq!((c.data_url, c.endpoint, c.stream, c.poll_timeout_ms), (None, None, None, 3000));
        assert!(c.headers.is_empty());
        assert_eq!(c.missing.len(), 2);
        assert!(c.missing[1].contains("endpoint"));
    }

    /// Deliberate: a multiplier below 1 (or not finite) cannot shrink the interval into a
    /// loop; a timer beyond what browsers can wait is clamped.
    #[test]
    fn no_shrinking_multiplier_and_no_overflowing_timer() {
        assert_eq!(cfg(r#"{"transport":{"pollIntervalMultiplier":0}}"#).poll_multiplier, 1.0);
        assert_eq!(cfg(r#"{"transport":{"pollTimeout":1e300}}"#).poll_timeout_ms, MAX_TIMER_MS);
        assert_eq!(cfg(r#"{"transport":{"maxMessagePageSize":1e9}}"#).max_page, 10_000);
    }
}

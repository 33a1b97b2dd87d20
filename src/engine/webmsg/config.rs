//! `webchat.transport` for `genesys-web-messaging`: the deployment, the region (or the
//! three URLs it stands for), and history paging as guest chat reads it.

use crate::engine::json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub deployment_id: String,
    /// The socket's base; `?deploymentId=` is added when it opens.
    pub socket_url: String,
    /// `https://api.{domain}`: history is under `/api/v2/webmessaging/messages`.
    pub api_url: String,
    pub deployment_config_url: String,
    /// History one page at a time (`fetchHistory`), or all of it at restore.
    pub pagination: bool,
    pub page_size: u32,
    /// Options a chat cannot start without, as the page should have named them.
    pub missing: Vec<&'static str>,
}

/// The history API takes at most this many messages a page.
const MAX_PAGE: u32 = 100;
/// The server's own default page size.
const DEFAULT_PAGE: u32 = 25;

fn text(t: &Value, key: &str) -> Option<String> {
    t.get(key).as_str().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// Reads the transport options; `warnings` gets a line per option that was unusable.
pub fn parse(t: &Value, warnings: &mut Vec<String>) -> Config {
    let deployment_id = text(t, "deploymentId").unwrap_or_default();
    let domain = text(t, "domain").map(|d| d.trim_start_matches("https://").trim_start_matches("wss://").trim_end_matches('/').to_owned());
    let socket_url = text(t, "webSocketURL").or_else(|| domain.as_ref().map(|d| format!("wss://webmessaging.{d}/v1"))).unwrap_or_default();
    let api_url = text(t, "apiURL").or_else(|| domain.as_ref().map(|d| format!("https://api.{d}"))).unwrap_or_default().trim_end_matches('/').to_owned();
    let deployment_config_url = text(t, "deploymentConfigURL")
        .or_else(|| domain.as_ref().map(|d| format!("https://api-cdn.{d}/webdeployments/v1/deployments/{}/config.json", crate::engine::output::path_segment(&deployment_id))))
        .unwrap_or_default();
    let mut missing = Vec::new();
    if deployment_id.is_empty() {
        missing.push("webchat.transport.deploymentId");
    }
    if socket_url.is_empty() || api_url.is_empty() {
        missing.push("webchat.transport.domain (or webSocketURL and apiURL)");
    }
    let page_size = match t.get("maxMessagePageSize") {
        Value::Undefined | Value::Null => DEFAULT_PAGE,
        v => match v.as_f64().filter(|n| n.is_finite() && *n >= 1.0) {
            Some(n) => (n as u32).min(MAX_PAGE),
            None => {
                warnings.push(format!("transport.maxMessagePageSize must be a number from 1 to {MAX_PAGE}; {DEFAULT_PAGE} is used"));
                DEFAULT_PAGE
            }
        },
    };
    Config { deployment_id, socket_url, api_url, deployment_config_url, pagination: t.get("pagination").as_bool().unwrap_or(true), page_size, missing }
}

impl Config {
    /// The socket URL for this deployment.
    pub fn socket(&self) -> String {
        let mut u = self.socket_url.clone();
        u.push(if u.contains('?') { '&' } else { '?' });
        u.push_str("deploymentId=");
        crate::engine::output::encode_component(&self.deployment_id, &mut u, false);
        u
    }

    /// One page of history (1 = the newest).
    pub fn history(&self, page: u32) -> String {
        format!("{}/api/v2/webmessaging/messages?pageNumber={page}&pageSize={}", self.api_url, self.page_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::json::parse as json;

    #[test]
    fn a_domain_gives_the_three_urls() {
        let c = parse(&json(r#"{"deploymentId":"d 1","domain":"mypurecloud.ie"}"#).unwrap(), &mut Vec::new());
        assert_eq!(c.socket(), "wss://webmessaging.mypurecloud.ie/v1?deploymentId=d%201");
        assert_eq!(c.history(2), "https://api.mypurecloud.ie/api/v2/webmessaging/messages?pageNumber=2&pageSize=25");
        assert_eq!(c.deployment_config_url, "https://api-cdn.mypurecloud.ie/webdeployments/v1/deployments/d%201/config.json");
        assert!(c.missing.is_empty() && c.pagination);
    }

    #[test]
    fn overrides_win_and_missing_keys_are_named() {
        let c = parse(&json(r#"{"webSocketURL":"ws://h/v1","apiURL":"http://h/","maxMessagePageSize":500}"#).unwrap(), &mut Vec::new());
        assert_eq!(c.missing, vec!["webchat.transport.deploymentId"]);
        assert_eq!((c.api_url.as_str(), c.page_size), ("http://h", 100));
        let mut w = Vec::new();
        let c = parse(&json(r#"{"deploymentId":"d","maxMessagePageSize":"x"}"#).unwrap(), &mut w);
        assert_eq!(c.missing.len(), 1);
        assert_eq!((c.page_size, w.len()), (25, 1));
    }
}

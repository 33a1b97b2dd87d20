//! `_genesys.widgets.webchat` read into typed settings, with the shipped defaults.
//! Options of the wrong type or out of the documented range are ignored (the default
//! stays), as in the shipped plugin; each one ignored is explained on the console.

use super::value::{as_u64_loose, str_of, truthy};
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// `dataURL` without its trailing `/`.
    pub data_url: String,
    pub trailing_slash: bool,
    pub apikey: Option<String>,
    pub endpoint: Option<String>,
    pub user_data: Map<String, Value>,
    pub ajax_timeout: u64,
    pub with_credentials: bool,
    pub poll_exception_limit: u32,
    pub sleep_enabled: bool,
    pub dynamic_polling: bool,
    pub poll_rate: u64,
    pub poll_rate_min: u64,
    pub poll_rate_max: u64,
    pub poll_rate_mult: f64,
    pub poll_rate_sleep: u64,
    pub restore_timeout: u64,
    pub max_message_length: Option<u64>,
    pub enable_custom_header: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_url: String::new(),
            trailing_slash: true,
            apikey: None,
            endpoint: None,
            user_data: Map::new(),
            ajax_timeout: 3000,
            with_credentials: false,
            poll_exception_limit: 5,
            sleep_enabled: false,
            dynamic_polling: true,
            poll_rate: 3000,
            poll_rate_min: 500,
            poll_rate_max: 3000,
            poll_rate_mult: 1.2,
            poll_rate_sleep: 30000,
            restore_timeout: 60000,
            max_message_length: None,
            enable_custom_header: false,
        }
    }
}

/// Why a configuration cannot be used at all.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigError {
    /// No options object, or an empty one.
    Empty,
    /// `dataURL` missing or not a string.
    MissingDataUrl,
    /// `transport.type` names a transport this build does not drive.
    UnsupportedTransport(String),
}

impl ConfigError {
    /// The console explanation (the shipped plugin says nothing and never becomes usable).
    pub fn explain(&self) -> String {
        match self {
            ConfigError::Empty => "WebChatService: no configuration found. Set window._genesys.widgets.webchat = { dataURL: 'https://<GMS host>/genesys/2/chat/<service>' } before loading the plugin.".into(),
            ConfigError::MissingDataUrl => "WebChatService: _genesys.widgets.webchat.dataURL is missing or not a string; chats cannot start. Set it to the GMS chat service URL, e.g. https://<GMS host>/genesys/2/chat/customer-support.".into(),
            ConfigError::UnsupportedTransport(t) => format!("WebChatService: _genesys.widgets.webchat.transport.type '{t}' is not supported by this build (supported: none = GMS Chat API v2, and 'purecloud-v2-sockets')."),
        }
    }
}

impl Config {
    /// Reads the webchat options. Returns the settings and the console warnings for
    /// options that were ignored.
    pub fn parse(v: &Value) -> Result<(Config, Vec<String>), ConfigError> {
        let obj = match v {
            Value::Object(m) if !m.is_empty() => m,
            _ => return Err(ConfigError::Empty),
        };
        if let Some(t) = v.get("transport").and_then(|t| t.get("type")) {
            if !t.is_null() {
                let name = t.as_str().map(str::to_owned).unwrap_or_else(|| t.to_string());
                return Err(ConfigError::UnsupportedTransport(name));
            }
        }
        let mut c = Config::default();
        let mut warnings = Vec::new();
        let Some(url) = str_of(v, "dataURL").filter(|s| !s.trim().is_empty()) else {
            return Err(ConfigError::MissingDataUrl);
        };
        c.data_url = url.trim().trim_end_matches('/').to_owned();
        if let Some(b) = obj.get("enableUrlTrailingSlash").and_then(Value::as_bool) {
            c.trailing_slash = b;
        }
        c.apikey = str_of(v, "apikey").map(str::to_owned);
        c.endpoint = str_of(v, "endpoint").map(str::to_owned);
        match obj.get("userData") {
            Some(Value::Object(m)) => c.user_data = m.clone(),
            None | Some(Value::Null) => {}
            Some(_) => warnings.push("webchat.userData is not an object; ignored".into()),
        }
        let mut num = |key: &str, lo: u64, hi: u64, slot: &mut u64| {
            if let Some(raw) = obj.get(key) {
                match raw.as_f64() {
                    Some(n) if n >= lo as f64 && n <= hi as f64 => *slot = n as u64,
                    _ => warnings.push(format!("webchat.{key} must be a number from {lo} to {hi}; ignored")),
                }
            }
        };
        num("ajaxTimeout", 0, u64::MAX / 2, &mut c.ajax_timeout);
        num("pollRate", 1000, 30000, &mut c.poll_rate);
        num("pollRateMin", 250, 30000, &mut c.poll_rate_min);
        num("pollRateMax", 250, 30000, &mut c.poll_rate_max);
        num("pollRateSleep", 1000, 30000, &mut c.poll_rate_sleep);
        num("restoreTimeout", 0, u64::MAX / 2, &mut c.restore_timeout);
        let mut limit = c.poll_exception_limit as u64;
        num("pollExceptionLimit", 0, 1_000_000, &mut limit);
        c.poll_exception_limit = limit as u32;
        if let Some(raw) = obj.get("pollRateMult") {
            match raw.as_f64() {
                Some(m) if m > 1.0 && m.is_finite() => c.poll_rate_mult = m,
                _ => warnings.push("webchat.pollRateMult must be a number above 1; ignored".into()),
            }
        }
        if let Some(raw) = obj.get("maxMessageLength") {
            match as_u64_loose(raw) {
                Some(n) if n > 0 => c.max_message_length = Some(n),
                _ => warnings.push("webchat.maxMessageLength must be a positive number; ignored".into()),
            }
        }
        if let Some(Value::Object(x)) = obj.get("xhrFields") {
            c.with_credentials = truthy(x.get("withCredentials"));
        }
        c.sleep_enabled = obj.get("sleepEnabled").and_then(Value::as_bool).unwrap_or(false);
        c.dynamic_polling = obj.get("dynamicPolling").and_then(Value::as_bool).unwrap_or(true);
        c.enable_custom_header = obj.get("enableCustomHeader") == Some(&Value::Bool(true));
        if c.poll_rate_min > c.poll_rate_max {
            warnings.push("webchat.pollRateMin is above pollRateMax; using pollRateMax for both".into());
            c.poll_rate_min = c.poll_rate_max;
        }
        if truthy(obj.get("cometD").and_then(|c| c.get("enabled"))) {
            warnings.push("webchat.cometD is not supported by this build; using REST polling".into());
        }
        Ok((c, warnings))
    }

    /// The URL of a GMS operation (`None` = request chat), with the shipped slash rules.
    pub fn url(&self, chat_id: Option<&str>, op: &str) -> String {
        let base = if self.trailing_slash { format!("{}/", self.data_url) } else { self.data_url.clone() };
        match chat_id {
            None => base,
            Some(id) if self.trailing_slash => format!("{base}{id}/{op}"),
            Some(id) => format!("{base}/{id}/{op}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_and_urls_follow_the_shipped_controller() {
        let (c, w) = Config::parse(&json!({"dataURL": "http://h/genesys/2/chat/s/"})).unwrap();
        assert!(w.is_empty());
        assert_eq!((c.ajax_timeout, c.poll_rate_min, c.restore_timeout), (3000, 500, 60000));
        assert_eq!(c.url(None, ""), "http://h/genesys/2/chat/s/");
        assert_eq!(c.url(Some("C1"), "refresh"), "http://h/genesys/2/chat/s/C1/refresh");
        let (c, _) = Config::parse(&json!({"dataURL": "http://h/x", "enableUrlTrailingSlash": false})).unwrap();
        assert_eq!(c.url(None, ""), "http://h/x");
        assert_eq!(c.url(Some("C1"), "send"), "http://h/x/C1/send");
    }

    #[test]
    fn wrong_types_and_ranges_are_ignored_with_a_warning() {
        let (c, w) = Config::parse(&json!({"dataURL": "u", "pollRate": 10, "pollRateMult": "x", "ajaxTimeout": "5"})).unwrap();
        assert_eq!((c.poll_rate, c.poll_rate_mult, c.ajax_timeout), (3000, 1.2, 3000));
        assert_eq!(w.len(), 3);
    }

    #[test]
    fn unusable_configurations_say_why() {
        assert_eq!(Config::parse(&json!({})), Err(ConfigError::Empty));
        assert_eq!(Config::parse(&json!({"apikey": "k"})), Err(ConfigError::MissingDataUrl));
        assert!(matches!(Config::parse(&json!({"transport": {"type": "x"}})), Err(ConfigError::UnsupportedTransport(_))));
    }
}

//! `_genesys.widgets.webchat` for the legacy controller (GMS Chat API v2), read as the
//! shipped one reads it: option by option, each taken only when it has the right type and
//! range, into settings that persist across `configure` calls. Unlike the shipped one,
//! every ignored or clamped option is named on the console.

use crate::engine::json::{Map, Value};

/// Browsers fire timers above 2³¹ − 1 ms at once; longer waits are clamped to it.
pub const MAX_TIMER_MS: u64 = 2_147_483_647;

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The base URL requests are built on (`dataURL` without its trailing `/`, plus `/`
    /// again when `enableUrlTrailingSlash`); empty until `dataURL` is given.
    pub base: String,
    pub has_data_url: bool,
    pub trailing_slash: bool,
    pub apikey: Option<String>,
    pub endpoint: Option<String>,
    /// `webchat.userData` of the last `configure` (it replaces the `userData` data key).
    pub user_data: Map,
    /// jQuery `timeout` (ms, 0 = none).
    pub ajax_timeout: u64,
    pub file_upload_timeout: u64,
    pub with_credentials: bool,
    pub poll_exception_limit: u32,
    pub sleep_enabled: bool,
    pub dynamic_polling: bool,
    /// `pollRate`: the interval after `wake`.
    pub poll_rate: u64,
    /// `pollRateMin`: the interval after client activity; the ticker runs at half of it.
    pub poll_rate_min: u64,
    /// `pollRateMax` (also `pollIntervalIdle_ms`): where the growing interval stops.
    pub poll_rate_max: u64,
    pub poll_rate_mult: f64,
    pub poll_rate_sleep: u64,
    pub restore_timeout: u64,
    /// `maxMessageLength` in code points (a falsy value means no limit, as shipped).
    pub max_message_length: Option<u64>,
    pub enable_custom_header: bool,
    pub cometd: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            base: String::new(),
            has_data_url: false,
            trailing_slash: true,
            apikey: None,
            endpoint: None,
            user_data: Map::new(),
            ajax_timeout: 3000,
            file_upload_timeout: 0,
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
            cometd: false,
        }
    }
}

fn int(v: f64) -> u64 {
    // parseInt of a number: its integer part; negatives and NaN count as 0 here.
    if v.is_finite() && v > 0.0 { v.trunc().min(u64::MAX as f64 / 2.0) as u64 } else { 0 }
}

impl Config {
    /// Applies one `configure` call's options over the current settings. Returns the
    /// console warnings for options that were ignored or clamped.
    pub fn apply(&mut self, o: &Value) -> Vec<String> {
        let mut w = Vec::new();
        let num = |k: &str| o.get(k).as_f64();
        let wrong_type = |k: &str, want: &str, w: &mut Vec<String>| {
            let v = o.get(k);
            if !v.is_undefined() {
                w.push(format!("webchat.{k} must be {want}; ignored"));
            }
        };
        match o.get("apikey") {
            Value::String(s) => self.apikey = Some(s.clone()),
            Value::Number(n) => self.apikey = Some(crate::engine::json::Value::Number(n.clone()).to_js_string()),
            _ => wrong_type("apikey", "a string", &mut w),
        }
        match o.get("endpoint") {
            Value::String(s) => self.endpoint = Some(s.clone()),
            _ => wrong_type("endpoint", "a string", &mut w),
        }
        self.user_data = Map::new();
        match o.get("userData") {
            Value::Object(_) => self.user_data.assign(o.get("userData")),
            Value::Null => {}
            _ => wrong_type("userData", "an object", &mut w),
        }
        if let Value::String(s) = o.get("serverURL") {
            self.base = s.clone();
        }
        match o.get("enableUrlTrailingSlash") {
            Value::Bool(b) => self.trailing_slash = *b,
            _ => wrong_type("enableUrlTrailingSlash", "true or false", &mut w),
        }
        if let Some(n) = num("ajaxTimeout") {
            self.ajax_timeout = int(n);
            if self.ajax_timeout > MAX_TIMER_MS {
                w.push(format!("webchat.ajaxTimeout is above {MAX_TIMER_MS} ms, which browsers cannot wait; clamped"));
                self.ajax_timeout = MAX_TIMER_MS;
            }
        } else {
            wrong_type("ajaxTimeout", "a number of milliseconds", &mut w);
        }
        if let Some(n) = num("fileUploadTimeout") {
            self.file_upload_timeout = int(n).min(MAX_TIMER_MS);
        }
        if let Value::Object(x) = o.get("xhrFields") {
            if let Some(b) = x.get("withCredentials").and_then(Value::as_bool) {
                self.with_credentials = b;
            }
        }
        if let Value::Object(c) = o.get("cometD") {
            if c.get("enabled") == Some(&Value::Bool(true)) {
                self.cometd = true;
                w.push("webchat.cometD is not supported by this build; REST polling is used".into());
                self.cometd = false;
            }
        }
        match o.get("dataURL") {
            Value::String(s) => {
                // dataURL.replace(/\/!*$/, ""): one trailing slash (and any '!' after it).
                let bangless = s.trim_end_matches('!');
                let mut base = match bangless.strip_suffix('/') {
                    Some(stripped) => stripped.to_owned(),
                    None => s.clone(),
                };
                if self.trailing_slash {
                    base.push('/');
                }
                self.base = base;
                self.has_data_url = !s.trim().is_empty();
                w.extend(crate::engine::diagnostics::url_warning("webchat.dataURL", s));
            }
            _ => wrong_type("dataURL", "the GMS chat service URL (a string)", &mut w),
        }
        if let Some(n) = num("pollExceptionLimit") {
            self.poll_exception_limit = int(n).min(u32::MAX as u64) as u32;
        }
        if let Some(n) = num("pollIntervalIdle_ms") {
            self.poll_rate_max = int(n).clamp(1, MAX_TIMER_MS);
        }
        if let Some(b) = o.get("sleepEnabled").as_bool() {
            self.sleep_enabled = b;
        }
        if let Some(b) = o.get("dynamicPolling").as_bool() {
            self.dynamic_polling = b;
        }
        // Integer bounds: formatting an f64 would pull the float formatter into the wasm.
        let range = |k: &str, lo: u32, hi: u32, w: &mut Vec<String>| -> Option<u64> {
            let n = num(k)?;
            if n >= f64::from(lo) && n <= f64::from(hi) {
                Some(int(n))
            } else {
                w.push(format!("webchat.{k} must be from {lo} to {hi}; ignored"));
                None
            }
        };
        if let Some(n) = range("pollRate", 1000, 30000, &mut w) {
            self.poll_rate = n;
        }
        if let Some(n) = num("pollRateMin") {
            if n >= 250.0 {
                self.poll_rate_min = int(n).min(MAX_TIMER_MS);
            } else {
                w.push("webchat.pollRateMin must be at least 250; ignored".into());
            }
        }
        if let Some(n) = num("pollRateMax") {
            if n <= 30000.0 && n >= self.poll_rate_min as f64 {
                self.poll_rate_max = int(n);
            } else {
                w.push("webchat.pollRateMax must be from pollRateMin to 30000; ignored".into());
            }
        }
        if let Some(n) = num("pollRateMult") {
            if n > 1.0 && n.is_finite() {
                self.poll_rate_mult = n.min(100.0);
            } else {
                w.push("webchat.pollRateMult must be above 1; ignored".into());
            }
        }
        if let Some(n) = range("pollRateSleep", 1000, 30000, &mut w) {
            self.poll_rate_sleep = n;
        }
        if let Some(n) = num("restoreTimeout") {
            self.restore_timeout = int(n);
        }
        if let Some(n) = num("maxMessageLength") {
            self.max_message_length = (n.is_finite() && n != 0.0).then(|| int(n));
        }
        if let Some(b) = o.get("enableCustomHeader").as_bool() {
            self.enable_custom_header = b;
        }
        w
    }

    /// The URL of an operation (`""` = Request Chat) for a chat id, as shipped:
    /// `base + ("/" without trailing slash and with an id) + id + ("/" + op)`.
    pub fn url(&self, chat_id: &str, op: &str) -> String {
        let mut u = self.base.clone();
        if !self.trailing_slash && !chat_id.is_empty() {
            u.push('/');
        }
        u.push_str(&crate::engine::output::path_segment(chat_id));
        if !op.is_empty() {
            u.push('/');
            u.push_str(op);
        }
        u
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::json::parse;

    fn cfg(text: &str) -> (Config, Vec<String>) {
        let mut c = Config::default();
        let w = c.apply(&parse(text).unwrap());
        (c, w)
    }

    #[test]
    fn urls_are_built_as_shipped() {
        let (c, _) = cfg(r#"{"dataURL":"https://g/genesys/2/chat/svc/"}"#);
        assert_eq!(c.url("", ""), "https://g/genesys/2/chat/svc/");
        assert_eq!(c.url("", "customNotice"), "https://g/genesys/2/chat/svc//customNotice");
        assert_eq!(c.url("0001", "refresh"), "https://g/genesys/2/chat/svc/0001/refresh");
        let (c, _) = cfg(r#"{"enableUrlTrailingSlash":false,"dataURL":"https://g/svc"}"#);
        assert_eq!(c.url("", ""), "https://g/svc");
        assert_eq!(c.url("7", "send"), "https://g/svc/7/send");
    }

    #[test]
    fn out_of_range_options_keep_the_default_and_say_so() {
        let (c, w) = cfg(r#"{"dataURL":"https://g/x","pollRate":10,"pollRateMin":100,"ajaxTimeout":1e12,"pollRateMult":1}"#);
        assert_eq!((c.poll_rate, c.poll_rate_min, c.poll_rate_mult), (3000, 500, 1.2));
        assert_eq!(c.ajax_timeout, MAX_TIMER_MS);
        assert_eq!(w.len(), 4, "{w:?}");
    }

    #[test]
    fn settings_accumulate_across_configure_calls_but_user_data_is_replaced() {
        let mut c = Config::default();
        c.apply(&parse(r#"{"dataURL":"a","userData":{"x":1},"pollRate":5000}"#).unwrap());
        c.apply(&parse(r#"{"userData":{"y":2}}"#).unwrap());
        assert_eq!(Value::Object(c.user_data.clone()).write(), r#"{"y":2}"#);
        assert!(c.has_data_url);
        assert_eq!(c.poll_rate, 5000);
    }
}

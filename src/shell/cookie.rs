//! The shipped plugin's cookies: session cookies, path `/`, `sameSite` strict by default,
//! `secure` on https, the registrable domain when the host has one, names prefixed by
//! `main.deploymentID`, `main.cookieOptions` merged in, values encoded as js-cookie does.
//!
//! Unlike the shipped plugin, a host without a registrable domain (`localhost`, raw IPs)
//! gets host-only cookies, so restore works there too.

use crate::shell::bridge::get;
use std::cell::RefCell;
use wasm_bindgen::{JsCast, JsValue};

#[derive(Debug, Clone, Default)]
pub struct CookieJar {
    prefix: String,
    path: String,
    same_site: String,
    secure: bool,
    /// `None` until first needed; `Some(None)` = host-only.
    domain: RefCell<Option<Option<String>>>,
    fixed_domain: Option<String>,
    expires_days: Option<f64>,
}

fn document() -> Option<web_sys::HtmlDocument> {
    web_sys::window()?.document()?.dyn_into::<web_sys::HtmlDocument>().ok()
}

fn encode_value(v: &str) -> String {
    let enc = String::from(js_sys::encode_uri_component(v));
    // js-cookie keeps these characters readable.
    let mut out = enc;
    for (from, to) in [
        ("%23", "#"), ("%24", "$"), ("%26", "&"), ("%2B", "+"), ("%3A", ":"), ("%3C", "<"),
        ("%3E", ">"), ("%3D", "="), ("%2F", "/"), ("%3F", "?"), ("%40", "@"), ("%5B", "["),
        ("%5D", "]"), ("%5E", "^"), ("%60", "`"), ("%7B", "{"), ("%7D", "}"), ("%7C", "|"),
    ] {
        out = out.replace(from, to);
    }
    out
}

fn decode(v: &str) -> String {
    js_sys::decode_uri_component(v).map(String::from).unwrap_or_else(|_| v.to_owned())
}

impl CookieJar {
    /// Reads `main.deploymentID` and `main.cookieOptions` from `_genesys.widgets.main`.
    pub fn from_main(main: &JsValue) -> CookieJar {
        let opts = get(main, "cookieOptions");
        let https = web_sys::window().and_then(|w| w.location().protocol().ok()).as_deref() == Some("https:");
        let prefix = get(main, "deploymentID").as_string().filter(|s| !s.is_empty()).map(|s| format!("{s}.")).unwrap_or_default();
        CookieJar {
            prefix,
            path: get(&opts, "path").as_string().unwrap_or_else(|| "/".into()),
            same_site: get(&opts, "sameSite").as_string().unwrap_or_else(|| "strict".into()),
            secure: get(&opts, "secure").as_bool().unwrap_or(https),
            domain: RefCell::new(None),
            fixed_domain: get(&opts, "domain").as_string(),
            expires_days: get(&opts, "expires").as_f64(),
        }
    }

    fn full(&self, name: &str) -> String {
        format!("{}{}", self.prefix, name)
    }

    pub fn get(&self, name: &str) -> Option<String> {
        let all = document()?.cookie().ok()?;
        let want = self.full(name);
        all.split("; ").find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (decode(k) == want).then(|| decode(v))
        })
    }

    fn attributes(&self, domain: &Option<String>) -> String {
        let mut a = format!("; path={}; samesite={}", self.path, self.same_site);
        if let Some(d) = domain {
            a.push_str(&format!("; domain={d}"));
        }
        if self.secure {
            a.push_str("; secure");
        }
        if let Some(days) = self.expires_days {
            let at = js_sys::Date::new(&JsValue::from_f64(js_sys::Date::now() + days * 86_400_000.0));
            a.push_str(&format!("; expires={}", String::from(at.to_utc_string())));
        }
        a
    }

    fn write_raw(&self, name: &str, value: &str, domain: &Option<String>) {
        if let Some(doc) = document() {
            let _ = doc.set_cookie(&format!("{}={}{}", self.full(name), encode_value(value), self.attributes(domain)));
        }
    }

    /// The widest domain the browser accepts for our cookies (the registrable domain),
    /// found once by writing a probe cookie; host-only on localhost and IP hosts.
    fn domain(&self) -> Option<String> {
        if let Some(d) = self.domain.borrow().clone() {
            return d;
        }
        let found = self.fixed_domain.clone().or_else(|| {
            let host = web_sys::window()?.location().hostname().ok()?;
            // IPv6 hosts come bracketed or with colons; IPv4 hosts are all digits and dots
            // (no real registrable domain is). Cheaper than std's address parser in wasm.
            let is_ip = host.contains(':') || host.starts_with('[') || host.bytes().all(|b| b.is_ascii_digit() || b == b'.');
            if is_ip || !host.contains('.') {
                return None;
            }
            // The host's suffixes of 2, 3, ... labels, shortest first (as `.a.b`).
            let dots: Vec<usize> = host.match_indices('.').map(|(i, _)| i).collect();
            (2..=dots.len() + 1).find_map(|n| {
                let start = if n > dots.len() { 0 } else { dots[dots.len() - n] + 1 };
                let candidate = format!(".{}", &host[start..]);
                let probe = "_genesys.widgets.webchat.domainProbe";
                self.write_raw(probe, "1", &Some(candidate.clone()));
                let ok = self.get(probe).is_some();
                self.write_raw(probe, "", &Some(format!("{candidate}; max-age=0")));
                ok.then_some(candidate)
            })
        });
        *self.domain.borrow_mut() = Some(found.clone());
        found
    }

    /// The domain and `sameSite` the shipped `getCookieOptions()` hands the integrator.
    pub fn integrator_options(&self) -> (Option<String>, String) {
        (self.domain(), self.same_site.clone())
    }

    pub fn set(&self, name: &str, value: &str) {
        let d = self.domain();
        self.write_raw(name, value, &d);
    }

    pub fn remove(&self, name: &str) {
        let d = self.domain();
        if let Some(doc) = document() {
            let _ = doc.set_cookie(&format!("{}=; max-age=0{}", self.full(name), self.attributes(&d)));
        }
    }
}

//! Console lines that name an integrator's mistake: what was tried and which option to
//! check. Each cause is reported at most once per page, every line starts with
//! "WebChatService:" (to filter on), and none carries a secret: URLs lose their query, and
//! keys, tokens and headers are never printed.

use super::emitter::Emitter;
use super::output::LogLevel;

/// The causes already reported.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Reported(u8);

const UNREACHABLE: u8 = 1;
const NOT_FOUND: u8 = 2;
const REFUSED: u8 = 4;

/// Where a start request went and what the page configures for it, named in the line.
pub struct StartTarget<'a> {
    pub url: &'a str,
    /// The option holding the service URL (`webchat.dataURL`, `webchat.transport.dataURL`).
    pub url_option: &'a str,
    /// The options holding the credentials the service checks.
    pub key_option: &'a str,
}

/// A service URL option that is neither absolute (`https://…`, `//…`) nor a path from the
/// site root: the browser resolves it against the page's own address, which is rarely
/// meant (`gms.example.com/genesys/…` becomes `https://shop.example/p/gms.example.com/…`).
pub fn url_warning(option: &str, url: &str) -> Option<String> {
    let u = url.trim();
    let lower = u.to_ascii_lowercase();
    if u.is_empty() || lower.starts_with("https://") || lower.starts_with("http://") || u.starts_with("//") || u.starts_with('/') {
        return None;
    }
    let shown = u.split(['?', '#']).next().unwrap_or_default();
    Some(format!("{option} '{shown}' is not an absolute URL (it is resolved against this page)."))
}

/// A start request that failed in a way the configuration explains: no answer (the host
/// cannot be reached, or CORS refused this page's origin: the browser does not tell them
/// apart), 404 (a wrong service path), 401/403 (credentials).
pub fn start_failed(out: &mut Emitter, reported: &mut Reported, to: &StartTarget, status: f64) {
    let url = to.url.split(['?', '#']).next().unwrap_or_default();
    // An integer: formatting an f64 would link Rust's float printing (about 20 KB).
    let code = status as u32;
    let (cause, line) = match code {
        0 => (UNREACHABLE, format!("WebChatService: startChat got no answer from {url} (unreachable, or CORS refused this origin). Check {}.", to.url_option)),
        404 => (NOT_FOUND, format!("WebChatService: startChat: {url} answered 404. Check {}.", to.url_option)),
        401 | 403 => (REFUSED, format!("WebChatService: startChat: {url} answered {code}. Check {}.", to.key_option)),
        _ => return,
    };
    if reported.0 & cause == 0 {
        reported.0 |= cause;
        out.log(LogLevel::Error, line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::output::Action;

    fn lines(out: &mut Emitter) -> Vec<String> {
        let mut v = Vec::new();
        while let Some((a, _)) = out.pop() {
            if let Action::Log { message, .. } = a {
                v.push(message);
            }
        }
        v
    }

    #[test]
    fn relative_service_urls_are_named() {
        assert!(url_warning("webchat.dataURL", "gms.example.com/genesys/2/chat/x?k=secret").is_some_and(|w| w.contains("'gms.example.com/genesys/2/chat/x'") && !w.contains("secret")));
        for ok in ["https://h/x", "HTTP://h", "//h/x", "/genesys/2/chat/x", ""] {
            assert_eq!(url_warning("webchat.dataURL", ok), None, "{ok}");
        }
    }

    /// Each cause once, the URL without its query, other statuses left to the events.
    #[test]
    fn one_line_per_cause_without_the_query() {
        let (mut out, mut seen) = (Emitter::default(), Reported::default());
        let to = StartTarget { url: "https://h.test/genesys/2/chat/x?apikey=secret", url_option: "webchat.dataURL", key_option: "webchat.apikey" };
        for status in [404.0, 404.0, 0.0, 0.0, 401.0, 403.0, 500.0, 400.0] {
            start_failed(&mut out, &mut seen, &to, status);
        }
        let l = lines(&mut out);
        assert_eq!(l.len(), 3, "{l:?}");
        assert!(l[0].contains("https://h.test/genesys/2/chat/x answered 404") && l[0].contains("webchat.dataURL"));
        assert!(l[1].contains("no answer from https://h.test/genesys/2/chat/x") && l[1].contains("CORS"));
        assert!(l[2].contains("401") && l[2].contains("webchat.apikey"));
        assert!(l.iter().all(|x| x.starts_with("WebChatService: ") && !x.contains("secret")));
    }
}

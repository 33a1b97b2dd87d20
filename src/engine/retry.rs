//! Retries of a request whose failure says nothing about the chat: no answer, a cut
//! answer, a server error without a reason, a timeout or rate limit. A restore that meets
//! one tries again (1 s, 2 s, 4 s, 8 s, 16 s) before it gives up, so a chat that still
//! exists on the server is not dropped for one failed request after a reload (the shipped
//! transports publish `restoreFailed` at once and the chat is gone for that page).

use super::json::Value;
use super::Millis;

/// Tries after the first, at most.
const RETRIES: u32 = 5;

/// Whether a failed request (its jqXHR-like value) may succeed if sent again: no answer,
/// 408, 429, or a 5xx whose body gives no reason (`errors` on GMS, a `status.code` on
/// Nexus: those are answers about the chat).
pub fn transient(x: &Value) -> bool {
    let status = x.get("status").as_f64().unwrap_or(0.0);
    let body = x.get("responseJSON");
    let reason = body.get("errors").truthy() || body.get("status").get("code").truthy();
    status == 0.0 || status == 408.0 || status == 429.0 || ((500.0..600.0).contains(&status) && !reason)
}

/// The retries of one thing (a restore): when the next try is due.
#[derive(Debug, Clone, Default)]
pub struct Retry {
    tries: u32,
    pub at: Option<Millis>,
}

impl Retry {
    /// A transient failure at `now`: plans the next try, or says to give up.
    pub fn failed(&mut self, now: Millis) -> bool {
        if self.tries >= RETRIES {
            self.reset();
            return false;
        }
        self.at = Some(now.saturating_add(1000u64 << self.tries));
        self.tries += 1;
        true
    }
    /// Whether the next try is due at `now` (it is then no longer planned).
    pub fn due(&mut self, now: Millis) -> bool {
        if self.at.is_some_and(|at| at <= now) {
            self.at = None;
            return true;
        }
        false
    }
    /// It succeeded, failed for good, or was abandoned.
    pub fn reset(&mut self) {
        *self = Retry::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::json::parse;

    #[test]
    fn transient_failures_are_those_without_a_reason() {
        let x = |s: &str| parse(s).unwrap();
        assert!(transient(&x(r#"{"status":0}"#)));
        assert!(transient(&x(r#"{"status":503,"responseText":""}"#)));
        assert!(!transient(&x(r#"{"status":500,"responseJSON":{"errors":[{"code":300}]}}"#)));
        assert!(!transient(&x(r#"{"status":500,"responseJSON":{"status":{"code":"INVALID_SESSION"}}}"#)));
        assert!(!transient(&x(r#"{"status":404}"#)));
        assert!(!transient(&x(r#"{"status":401}"#)));
    }

    #[test]
    fn five_retries_then_give_up() {
        let mut r = Retry::default();
        let mut now = 0;
        for i in 0..5 {
            assert!(r.failed(now), "try {i}");
            now = r.at.unwrap();
            assert!(r.due(now));
        }
        assert!(!r.failed(now));
        assert!(r.at.is_none());
    }
}

//! When the `LastMsgId` cookie is written.
//!
//! Every message frame moves the last message id, and the shipped transport rewrites its
//! cookies for each one. A cookie write costs about 0.1 ms in Chromium, most of what a
//! frame costs us, so a burst of 2,000 frames spent 200 ms writing one cookie. Here the
//! first frame after a quiet spell writes at once (a lone message is on disk as soon as
//! the shipped one's), later frames mark the cookie stale, and it is rewritten with the
//! newest id at most every [`WRITE_EVERY_MS`] and when the page is left (`pagehide`), so a
//! reload restores from the last published message.
//!
//! The window is short: two messages a few milliseconds apart (an echo and a reply) leave
//! the cookie stale for no longer than a page script could notice (250 ms showed in the
//! conformance cookie snapshots), while frames arriving every 0.1–0.5 ms in a burst are
//! written about once per 10–50 of them.

use crate::engine::Millis;

/// The longest a moved id waits before it is written.
pub const WRITE_EVERY_MS: Millis = 5;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LastIdWrite {
    /// Nothing was written lately: the next change writes at once.
    #[default]
    Idle,
    /// Written recently; `stale` when the id moved since.
    Quiet { until: Millis, stale: bool },
}

impl LastIdWrite {
    /// The id moved at `now`: true when the cookie is to be written now.
    pub fn moved(&mut self, now: Millis) -> bool {
        match self {
            LastIdWrite::Idle => {
                *self = LastIdWrite::Quiet { until: now.saturating_add(WRITE_EVERY_MS), stale: false };
                true
            }
            LastIdWrite::Quiet { stale, .. } => {
                *stale = true;
                false
            }
        }
    }

    /// The cookie was just written with the newest id by someone else (all session
    /// cookies at once): nothing is stale any more.
    pub fn written(&mut self) {
        if let LastIdWrite::Quiet { stale, .. } = self {
            *stale = false;
        }
    }

    pub fn deadline(&self) -> Option<Millis> {
        match self {
            LastIdWrite::Idle => None,
            LastIdWrite::Quiet { until, .. } => Some(*until),
        }
    }

    /// The timer at `now`: true when the stale cookie is to be written now.
    pub fn due(&mut self, now: Millis) -> bool {
        match *self {
            LastIdWrite::Quiet { until, stale } if until <= now => {
                *self = if stale { LastIdWrite::Quiet { until: now.saturating_add(WRITE_EVERY_MS), stale: false } } else { LastIdWrite::Idle };
                stale
            }
            _ => false,
        }
    }

    /// The page is being left: true when the cookie is stale and must be written now.
    pub fn flush(&mut self) -> bool {
        matches!(std::mem::take(self), LastIdWrite::Quiet { stale: true, .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A burst writes the first id at once and then at most once per window, always the newest.
    #[test]
    fn a_burst_writes_once_per_window() {
        let mut w = LastIdWrite::default();
        let end = 1000 + WRITE_EVERY_MS;
        assert!(w.moved(1000), "the first frame writes at once");
        assert!(!w.moved(1000) && !w.moved(end - 1));
        assert_eq!(w.deadline(), Some(end));
        assert!(!w.due(end - 1), "not before the window ends");
        assert!(w.due(end), "the stale id is written when the window ends");
        assert!(!w.due(end + WRITE_EVERY_MS), "nothing moved since: no write");
        assert_eq!(w, LastIdWrite::Idle);
        assert!(w.moved(2000), "after a quiet window the next frame writes at once again");
    }

    /// Leaving the page writes a stale id, and only a stale one.
    #[test]
    fn leaving_writes_only_what_is_stale() {
        let mut w = LastIdWrite::default();
        assert!(!w.flush());
        w.moved(0);
        assert!(!w.flush(), "the id was written at once");
        w.moved(0);
        w.moved(1);
        assert!(w.flush());
        assert_eq!(w, LastIdWrite::Idle);
        w.moved(5);
        w.moved(6);
        w.written();
        assert!(!w.due(5 + WRITE_EVERY_MS), "a full cookie write made it fresh");
    }
}

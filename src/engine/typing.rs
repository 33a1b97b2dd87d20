//! The visitor's typing window, as both shipped controllers keep it: the first
//! `sendTyping` opens it (and tells the server), each further one within 2 s keeps it
//! open, and 2 s after the last one it closes (and tells the server again).

use super::Millis;

/// How long the window stays open after the last `sendTyping`.
pub const WINDOW_MS: Millis = 2000;

#[derive(Debug, Clone, Default)]
pub struct TypingWindow {
    closes_at: Option<Millis>,
}

impl TypingWindow {
    pub fn is_open(&self) -> bool {
        self.closes_at.is_some()
    }
    /// Opens the window, or keeps an open one open for another 2 s.
    pub fn touch(&mut self, now: Millis) {
        self.closes_at = Some(now.saturating_add(WINDOW_MS));
    }
    /// Closes it; says whether it was open.
    pub fn close(&mut self) -> bool {
        self.closes_at.take().is_some()
    }
    /// Whether the window is open and its time is up at `now`.
    pub fn due(&self, now: Millis) -> bool {
        self.closes_at.is_some_and(|at| at <= now)
    }
    pub fn deadline(&self) -> Option<Millis> {
        self.closes_at
    }
}

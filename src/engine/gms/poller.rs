//! The polling cadence of the shipped legacy controller, as data.
//!
//! Shipped: `startPoll` starts a ticker every `pollRateMin / 2` ms (250 by default); on a
//! tick, when no poll is in flight and `interval` has passed since the last poll, it
//! polls and (with `dynamicPolling`) grows the interval ×`pollRateMult` up to
//! `pollRateMax`. Client activity sets the interval back to `pollRateMin`, `wake` to
//! `pollRate`; asleep, it polls every `pollRateSleep`.
//!
//! Here the ticker is not run; the engine computes the tick at which the next poll falls
//! and asks to be woken then. One addition: while the connection is lost, the wait also
//! grows exponentially (with jitter, capped), so an offline page does not poll the server
//! every 3 s forever, and recovery is still noticed within seconds at first.

use super::config::Config;
use crate::engine::backoff::Backoff;
use crate::engine::Millis;

/// Waits while the connection is lost: the first retry 1 s after the failure, doubling
/// up to this cap.
const OUTAGE_CAP_MS: Millis = 15_000;

#[derive(Debug, Clone)]
pub struct Poller {
    /// The ticker runs (between `startPoll` and `stopPoll`).
    running: bool,
    /// When the ticker started: ticks fall on `started + k * tick`.
    started: Millis,
    tick: Millis,
    /// The current interval between polls.
    interval: Millis,
    /// When the last poll was sent (0: none since the ticker started).
    last: Millis,
    /// A poll is in flight.
    pub in_flight: bool,
    outage: Backoff,
    /// The extra wait while the connection is lost.
    outage_wait: Option<Millis>,
}

impl Poller {
    pub fn new(seed: u64) -> Self {
        Poller {
            running: false,
            started: 0,
            tick: 250,
            interval: 3000,
            last: 0,
            in_flight: false,
            outage: Backoff::new(1000, OUTAGE_CAP_MS, seed),
            outage_wait: None,
        }
    }
    pub fn running(&self) -> bool {
        self.running
    }
    /// `startPoll`: the ticker starts with the activity interval.
    pub fn start(&mut self, cfg: &Config, now: Millis) {
        self.running = true;
        self.started = now;
        self.tick = (cfg.poll_rate_min / 2).max(1);
        self.last = 0;
        self.activity(cfg);
    }
    pub fn stop(&mut self) {
        self.running = false;
    }
    /// Client activity: poll again soon.
    pub fn activity(&mut self, cfg: &Config) {
        if cfg.dynamic_polling {
            self.interval = cfg.poll_rate_min;
        }
    }
    pub fn wake(&mut self, cfg: &Config) {
        self.interval = cfg.poll_rate;
    }
    /// When the next poll is due (`None` while stopped or a poll is in flight).
    pub fn next_due(&self, sleeping: bool, cfg: &Config) -> Option<Millis> {
        if !self.running || self.in_flight {
            return None;
        }
        let wait = if sleeping { cfg.poll_rate_sleep } else { self.interval };
        let wait = wait.max(self.outage_wait.unwrap_or(0));
        let due = if self.last == 0 { self.started } else { self.last.saturating_add(wait) };
        // The first tick at or after `due`.
        let k = due.saturating_sub(self.started).div_ceil(self.tick).max(1);
        Some(self.started.saturating_add(k.saturating_mul(self.tick)))
    }
    /// A poll went out at `now`.
    pub fn polled(&mut self, sleeping: bool, cfg: &Config, now: Millis) {
        self.last = now.max(1);
        self.in_flight = true;
        if cfg.dynamic_polling && !sleeping {
            if self.interval < cfg.poll_rate_max {
                self.interval = (self.interval as f64 * cfg.poll_rate_mult) as Millis;
            }
            if self.interval > cfg.poll_rate_max {
                self.interval = cfg.poll_rate_max;
            }
        }
    }
    /// The poll in flight was answered; `connected` says whether an answer arrived.
    pub fn answered(&mut self, connected: bool) {
        self.in_flight = false;
        if connected {
            self.outage.reset();
            self.outage_wait = None;
        } else {
            self.outage_wait = Some(self.outage.next_delay());
        }
    }
    /// A chat ends or restarts: nothing in flight any more.
    pub fn reset(&mut self) {
        self.in_flight = false;
        self.outage.reset();
        self.outage_wait = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_fall_on_ticks_and_back_off_to_the_maximum() {
        let cfg = Config::default();
        let mut p = Poller::new(1);
        p.start(&cfg, 1000);
        let mut at = p.next_due(false, &cfg).unwrap();
        assert_eq!(at, 1250, "the first tick polls at once");
        let mut gaps = Vec::new();
        for _ in 0..12 {
            p.polled(false, &cfg, at);
            p.answered(true);
            let next = p.next_due(false, &cfg).unwrap();
            gaps.push(next - at);
            at = next;
        }
        assert_eq!(gaps[..4], [750, 750, 1000, 1250], "600, 720, 864, 1036 ms rounded up to 250 ms ticks");
        assert_eq!(*gaps.last().unwrap(), 3000);
    }

    #[test]
    fn an_outage_stretches_the_wait() {
        let cfg = Config::default();
        let mut p = Poller::new(7);
        p.start(&cfg, 0);
        let mut at = p.next_due(false, &cfg).unwrap();
        let mut last_gap = 0;
        for _ in 0..10 {
            p.polled(false, &cfg, at);
            p.answered(false);
            let next = p.next_due(false, &cfg).unwrap();
            last_gap = next - at;
            at = next;
        }
        assert!((7_500..=OUTAGE_CAP_MS + 250).contains(&last_gap), "{last_gap}");
    }
}

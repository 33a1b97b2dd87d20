//! The shipped polling cadence, as data.
//!
//! `startPoll` starts a ticker every `pollRateMin / 2` ms; on a tick, a poll goes out when
//! none is in flight and `now - lastPoll >= interval`. With dynamic polling the interval then
//! grows ×`pollRateMult` up to `pollRateMax`; client activity resets it to `pollRateMin`;
//! while sleeping it is `pollRateSleep`.

use super::config::Config;
use super::Millis;

#[derive(Debug, Clone, Default)]
pub struct Poller {
    pub running: bool,
    pub in_flight: bool,
    origin: Millis,
    tick: Millis,
    last_poll: Option<Millis>,
    interval: f64,
}

impl Poller {
    pub fn start(&mut self, cfg: &Config, now: Millis) {
        self.running = true;
        self.origin = now;
        self.tick = (cfg.poll_rate_min / 2).max(1);
        self.interval = cfg.poll_rate_min as f64;
    }
    pub fn stop(&mut self) {
        self.running = false;
    }
    /// Client activity: the next polls come quickly again.
    pub fn activity(&mut self, cfg: &Config) {
        if cfg.dynamic_polling {
            self.interval = cfg.poll_rate_min as f64;
        }
    }
    pub fn wake(&mut self, cfg: &Config) {
        self.interval = cfg.poll_rate as f64;
    }
    /// The tick at which the next poll goes out, if polling and none is in flight.
    pub fn next_due(&self, sleeping: bool, cfg: &Config) -> Option<Millis> {
        if !self.running || self.in_flight {
            return None;
        }
        let interval = if sleeping { cfg.poll_rate_sleep as f64 } else { self.interval };
        let earliest = match self.last_poll {
            Some(last) => last + interval.ceil() as Millis,
            None => self.origin + 1,
        };
        // Round up to the ticker's grid.
        let k = earliest.saturating_sub(self.origin).div_ceil(self.tick).max(1);
        Some(self.origin + k * self.tick)
    }
    /// A poll went out at `now`.
    pub fn polled(&mut self, cfg: &Config, now: Millis) {
        self.in_flight = true;
        self.last_poll = Some(now);
        if cfg.dynamic_polling {
            self.interval = (self.interval * cfg.poll_rate_mult).min(cfg.poll_rate_max as f64);
        } else {
            self.interval = cfg.poll_rate as f64;
        }
    }
    pub fn answered(&mut self) {
        self.in_flight = false;
    }
    /// Before any poll of this page (restoreTimeout only applies then).
    pub fn never_polled(&self) -> bool {
        self.last_poll.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cadence_starts_fast_and_backs_off_to_the_maximum() {
        let cfg = Config::default();
        let mut p = Poller::default();
        p.start(&cfg, 0);
        let mut times = Vec::new();
        let mut now = 0;
        for _ in 0..12 {
            now = p.next_due(false, &cfg).unwrap();
            times.push(now);
            p.polled(&cfg, now);
            p.answered();
        }
        assert_eq!(&times[..5], &[250, 1000, 1750, 2750, 4000]);
        let gaps: Vec<_> = times.windows(2).map(|w| w[1] - w[0]).collect();
        assert_eq!(*gaps.last().unwrap(), 3000);
        assert!(now > 0);
    }
}

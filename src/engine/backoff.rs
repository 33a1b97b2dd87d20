//! Reconnect delays: exponential, capped, with jitter, so that a dropped stream is retried
//! quickly once and then ever more gently (the shipped transport reconnects at once, in a
//! loop), and many clients dropped together do not return in step.
//!
//! The jitter comes from a small deterministic generator seeded by the shell, so the
//! engine stays free of randomness and its tests reproduce.

use super::Millis;

#[derive(Debug, Clone)]
pub struct Backoff {
    base: Millis,
    cap: Millis,
    attempt: u32,
    state: u64,
}

impl Backoff {
    pub fn new(base: Millis, cap: Millis, seed: u64) -> Self {
        Backoff { base: base.max(1), cap: cap.max(base), attempt: 0, state: seed | 1 }
    }
    fn random_unit(&mut self) -> f64 {
        // xorshift64*
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        let x = self.state.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
    /// The delay before the next attempt: half fixed, half random ("equal jitter").
    pub fn next_delay(&mut self) -> Millis {
        let exp = self.base.saturating_mul(1u64 << self.attempt.min(20)).min(self.cap);
        self.attempt = self.attempt.saturating_add(1);
        let half = exp / 2;
        half + (self.random_unit() * half as f64) as Millis
    }
    /// A connection held: the next outage starts from the base again.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_exponentially_with_jitter_up_to_the_cap() {
        let mut b = Backoff::new(500, 15_000, 42);
        let delays: Vec<_> = (0..8).map(|_| b.next_delay()).collect();
        for (i, d) in delays.iter().enumerate() {
            let exp = (500u64 << i).min(15_000);
            assert!(*d >= exp / 2 && *d <= exp, "attempt {i}: {d} not in [{}, {exp}]", exp / 2);
        }
        b.reset();
        assert!(b.next_delay() <= 500);
    }
}

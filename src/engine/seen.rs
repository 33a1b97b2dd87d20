//! The set of transcript entries already published (GMS by `String(index)`, guest chat by
//! message id), bounded: past `cap` entries the oldest is forgotten, as entries that old
//! never come back.
//!
//! Kept as 64-bit FNV-1a hashes of the keys in an open-addressing table, with the insertion
//! order beside it for the eviction: 16 bytes an entry whatever the key's length, and far
//! less code in the wasm than a `BTreeSet` (about 10 KB per key type). Two different keys
//! would have to share a 64-bit hash to be confused: for the 20,000 entries kept, about one
//! chance in 10^11 per chat.

use std::collections::VecDeque;

#[derive(Debug, Clone)]
pub struct SeenSet {
    /// Linear probing, a power of two long, at most half full; 0 marks a free slot.
    slots: Vec<u64>,
    order: VecDeque<u64>,
    cap: usize,
}

fn hash(key: &str) -> u64 {
    let h = key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    h.max(1)
}

impl SeenSet {
    pub fn new(cap: usize) -> Self {
        SeenSet { slots: Vec::new(), order: VecDeque::new(), cap: cap.max(1) }
    }
    pub fn len(&self) -> usize {
        self.order.len()
    }
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
    pub fn contains(&self, key: &str) -> bool {
        self.find(hash(key)).is_ok()
    }
    /// Marks `key` seen; whether it was new.
    pub fn insert(&mut self, key: &str) -> bool {
        let h = hash(key);
        if self.find(h).is_ok() {
            return false;
        }
        if (self.order.len() + 1) * 2 > self.slots.len() {
            self.grow();
        }
        if let Err(free) = self.find(h) {
            self.slots[free] = h;
        }
        self.order.push_back(h);
        if self.order.len() > self.cap {
            if let Some(old) = self.order.pop_front() {
                self.remove(old);
            }
        }
        true
    }
    /// `Ok(slot)` holding `h`, or `Err(free slot)` where it would go (`Err(0)` when empty).
    fn find(&self, h: u64) -> Result<usize, usize> {
        if self.slots.is_empty() {
            return Err(0);
        }
        let mask = self.slots.len() - 1;
        let mut i = (h as usize) & mask;
        loop {
            match self.slots[i] {
                0 => return Err(i),
                x if x == h => return Ok(i),
                _ => i = (i + 1) & mask,
            }
        }
    }
    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(16);
        let old = std::mem::replace(&mut self.slots, vec![0; size]);
        for h in old.into_iter().filter(|&h| h != 0) {
            if let Err(free) = self.find(h) {
                self.slots[free] = h;
            }
        }
    }
    /// Removes `h`, shifting back the entries after it so that no probe chain breaks.
    fn remove(&mut self, h: u64) {
        let Ok(mut hole) = self.find(h) else { return };
        let mask = self.slots.len() - 1;
        let mut i = hole;
        loop {
            i = (i + 1) & mask;
            let x = self.slots[i];
            if x == 0 {
                break;
            }
            let home = (x as usize) & mask;
            // `x` may fill the hole if its home is not in (hole, i] (cyclically).
            let between = if hole <= i { hole < home && home <= i } else { hole < home || home <= i };
            if !between {
                self.slots[hole] = x;
                hole = i;
            }
        }
        self.slots[hole] = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Entries are remembered until `cap` newer ones came, then forgotten oldest first,
    /// and the table still finds every kept entry after many evictions.
    #[test]
    fn remembers_the_newest_cap_entries() {
        let mut s = SeenSet::new(1000);
        for i in 0..5000 {
            assert!(s.insert(&i.to_string()), "{i} is new");
            assert!(!s.insert(&i.to_string()), "{i} again is not");
        }
        assert_eq!(s.len(), 1000);
        for i in 0..4000 {
            assert!(!s.contains(&i.to_string()), "{i} was forgotten");
        }
        for i in 4000..5000 {
            assert!(s.contains(&i.to_string()), "{i} is kept");
        }
        assert!(s.slots.len() <= 4096, "the table does not grow past twice the kept entries: {}", s.slots.len());
    }
}

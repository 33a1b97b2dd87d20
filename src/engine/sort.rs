//! One small merge sort for the engine's two sorts (guest transcript entries by time,
//! filter class ranges): the standard library's sorts cost about 4 KB of wasm for each
//! element type. O(n log n) whatever the input, so a huge server page cannot freeze the page.

/// Sorts `v` in ascending order of `PartialOrd`; elements that do not compare (NaN keys)
/// keep their place relative to the one they were compared with. Stable.
pub fn merge_sort<T: Copy + PartialOrd>(v: &mut [T]) {
    let n = v.len();
    if n < 2 {
        return;
    }
    let mut buf: Vec<T> = v.to_vec();
    let mut width = 1;
    // Alternates between `v` and `buf` as source; `in_v` says where the sorted runs are.
    let mut in_v = true;
    while width < n {
        {
            let (src, dst): (&[T], &mut [T]) = if in_v { (&*v, &mut buf) } else { (&buf, &mut *v) };
            let mut start = 0;
            while start < n {
                let mid = (start + width).min(n);
                let end = (start + 2 * width).min(n);
                let (mut i, mut j, mut k) = (start, mid, start);
                while k < end {
                    // Take from the right run only when it is strictly smaller: stable.
                    if j < end && (i >= mid || src[j] < src[i]) {
                        dst[k] = src[j];
                        j += 1;
                    } else {
                        dst[k] = src[i];
                        i += 1;
                    }
                    k += 1;
                }
                start = end;
            }
        }
        in_v = !in_v;
        width *= 2;
    }
    if !in_v {
        v.copy_from_slice(&buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key and its input position; compares by key only, so ties test stability.
    #[derive(Clone, Copy, Debug, PartialEq)]
    struct Keyed(u32, usize);
    impl PartialOrd for Keyed {
        fn partial_cmp(&self, other: &Keyed) -> Option<std::cmp::Ordering> {
            self.0.partial_cmp(&other.0)
        }
    }

    /// Agrees with the standard stable sort on keys with many ties (equal keys keep their
    /// input order), on random and on reversed input.
    #[test]
    fn sorts_like_the_standard_stable_sort() {
        let mut seed = 7u64;
        for n in [0usize, 1, 2, 3, 5, 16, 17, 100, 1000] {
            let v: Vec<Keyed> = (0..n)
                .map(|i| {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    Keyed((seed >> 60) as u32, i)
                })
                .collect();
            let mut expected = v.clone();
            expected.sort_by_key(|x| x.0);
            let mut ours = v.clone();
            merge_sort(&mut ours);
            assert_eq!(ours, expected, "n = {n}");
            let mut reversed: Vec<Keyed> = v.into_iter().rev().collect();
            let mut expected = reversed.clone();
            expected.sort_by_key(|x| x.0);
            merge_sort(&mut reversed);
            assert_eq!(reversed, expected, "reversed, n = {n}");
        }
    }
}

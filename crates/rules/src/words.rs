//! Word-list search over [`View::words`](crate::scan::View): Aho-Corasick for lists small enough
//! for its SIMD prefilter, a q-gram filter for long lists.
//!
//! Both report the same match: leftmost-first (the match that starts first; among matches at the
//! same start, the entry listed first).

use aho_corasick::{AhoCorasick, BuildError, MatchKind};
use foldhash::HashMap;

/// Lists up to this many entries use Aho-Corasick alone: its Teddy prefilter (SIMD) handles up to
/// 64 patterns.
const SMALL: usize = 64;
/// Shortest q-grams: entries at least this long are found through the filter. The q-gram length
/// grows up to 8 bytes while at most [`SMALL`] entries are shorter (longer grams pass fewer
/// windows of ordinary text).
const MIN_Q: usize = 4;

/// A built word list.
pub(crate) enum WordMatcher {
    /// Up to [`SMALL`] entries.
    Small(AhoCorasick),
    /// Long lists.
    Grams(Grams),
}

impl WordMatcher {
    /// Builds the matcher for these (lower-cased, non-empty) entries.
    pub(crate) fn build(pats: Vec<String>) -> Result<WordMatcher, BuildError> {
        if pats.len() <= SMALL {
            return Ok(WordMatcher::Small(leftmost_first(pats.iter())?));
        }
        Grams::build(pats).map(WordMatcher::Grams)
    }

    /// The first match in `hay`: (start offset, entry index).
    pub(crate) fn find(&self, hay: &[u8]) -> Option<(usize, usize)> {
        match self {
            WordMatcher::Small(ac) => ac.find(hay).map(|m| (m.start(), m.pattern().as_usize())),
            WordMatcher::Grams(g) => g.find(hay),
        }
    }
}

fn leftmost_first<'a>(pats: impl Iterator<Item = &'a String>) -> Result<AhoCorasick, BuildError> {
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostFirst)
        .build(pats)
}

/// Entries of `q` bytes or more are found by hashing every `q`-byte window of the text into
/// a Bloom filter of their prefixes (two of 16 bits per entry, so it stays in L2 cache: 256 KiB
/// for 100,000 entries; about 1% of windows pass) and verifying those through a map from prefix
/// to entries. Shorter entries go to a small Aho-Corasick automaton. Memory is about 30 bytes per entry plus the entries.
pub(crate) struct Grams {
    /// The q-gram length, 4 to 8 bytes.
    q: usize,
    /// Keeps the first `q` bytes of a little-endian 8-byte load.
    mask: u64,
    /// `64 - log2(bits)`: the hash's top bits index the bitset.
    shift: u32,
    bits: Vec<u64>,
    /// Prefix → range of `ids` (entries with that prefix, in list order).
    heads: HashMap<u64, (u32, u32)>,
    ids: Vec<u32>,
    pats: Vec<Box<[u8]>>,
    /// Entries shorter than `q` bytes, and their indices in the list.
    short: Option<(AhoCorasick, Vec<u32>)>,
}

/// The first (up to) 8 bytes of `b`, little-endian, zero-padded.
fn load8(b: &[u8]) -> u64 {
    match b.get(..8) {
        Some(w) => u64::from_le_bytes(w.try_into().expect("8 bytes")),
        None => {
            let mut w = [0u8; 8];
            w[..b.len()].copy_from_slice(b);
            u64::from_le_bytes(w)
        }
    }
}

impl Grams {
    fn build(pats: Vec<String>) -> Result<Grams, BuildError> {
        let mut q = MIN_Q;
        while q < 8 && pats.iter().filter(|p| p.len() < q + 1).count() <= SMALL {
            q += 1;
        }
        let mask = if q == 8 { u64::MAX } else { (1 << (8 * q)) - 1 };
        let mut short_ids = Vec::new();
        let mut long: Vec<(u64, u32)> = Vec::new();
        for (i, p) in pats.iter().enumerate() {
            if p.len() < q {
                short_ids.push(i as u32);
            } else {
                long.push((load8(p.as_bytes()) & mask, i as u32));
            }
        }
        let short = if short_ids.is_empty() {
            None
        } else {
            let ac = leftmost_first(short_ids.iter().map(|&i| &pats[i as usize]))?;
            Some((ac, short_ids))
        };
        // About 16 bits per entry, two set per entry (1% false positives per window), 4 KiB to
        // 256 KiB.
        let log2 = (long.len().max(1) * 16)
            .next_power_of_two()
            .trailing_zeros()
            .clamp(15, 21);
        let mut bits = vec![0u64; (1usize << log2) / 64];
        let shift = 64 - log2;
        long.sort_unstable();
        let mut heads = HashMap::default();
        let mut ids = Vec::with_capacity(long.len());
        let mut i = 0;
        while i < long.len() {
            let head = long[i].0;
            let start = ids.len() as u32;
            while i < long.len() && long[i].0 == head {
                ids.push(long[i].1);
                i += 1;
            }
            heads.insert(head, (start, ids.len() as u32));
            for k in [K1, K2] {
                let h = hash(head, k, shift);
                bits[h >> 6] |= 1 << (h & 63);
            }
        }
        Ok(Grams {
            q,
            mask,
            shift,
            bits,
            heads,
            ids,
            pats: pats.into_iter().map(|p| p.into_bytes().into()).collect(),
            short,
        })
    }

    fn find(&self, hay: &[u8]) -> Option<(usize, usize)> {
        // The leftmost short match bounds the scan for long ones.
        let short = self.short.as_ref().and_then(|(ac, ids)| {
            ac.find(hay)
                .map(|m| (m.start(), ids[m.pattern().as_usize()] as usize))
        });
        // Windows starting before the short match (or at it), with `q` bytes of text.
        let end = short
            .map_or(hay.len(), |(s, _)| s + 1)
            .min((hay.len() + 1).saturating_sub(self.q));
        // Whole 8-byte loads up to `main`, a zero-padded copy for the last few windows.
        let main = end.min(hay.len().saturating_sub(7));
        let (bits, mask, shift) = (&self.bits[..], self.mask, self.shift);
        if main > 0 {
            for (p, w) in hay[..main + 7].windows(8).enumerate() {
                let head = u64::from_le_bytes(w.try_into().expect("8 bytes")) & mask;
                let h = hash(head, K1, shift);
                if bits[h >> 6] & (1 << (h & 63)) != 0 {
                    if let Some(hit) = self.confirm(hay, p, head, short) {
                        return Some(hit);
                    }
                }
            }
        }
        for p in main..end {
            let head = load8(&hay[p..]) & mask;
            let h = hash(head, K1, shift);
            if bits[h >> 6] & (1 << (h & 63)) != 0 {
                if let Some(hit) = self.confirm(hay, p, head, short) {
                    return Some(hit);
                }
            }
        }
        short
    }

    /// A window whose first filter bit is set: the second bit, then the entries with that prefix;
    /// the match to report if one is at `p`. Out of line: the scan loop keeps its registers.
    #[inline(never)]
    fn confirm(
        &self,
        hay: &[u8],
        p: usize,
        head: u64,
        short: Option<(usize, usize)>,
    ) -> Option<(usize, usize)> {
        let h = hash(head, K2, self.shift);
        if self.bits[h >> 6] & (1 << (h & 63)) == 0 {
            return None;
        }
        let id = self.verify(hay, p, head)?;
        Some(match short {
            Some((s, sid)) if s == p && sid < id => (s, sid),
            _ => (p, id),
        })
    }

    /// The first-listed long entry that matches at `p`.
    fn verify(&self, hay: &[u8], p: usize, head: u64) -> Option<usize> {
        let &(a, b) = self.heads.get(&head)?;
        let rest = &hay[p..];
        self.ids[a as usize..b as usize]
            .iter()
            .map(|&i| i as usize)
            .find(|&i| rest.starts_with(&self.pats[i]))
    }

    /// Heap bytes, roughly (for the docs' memory figures).
    #[cfg(test)]
    fn memory(&self) -> usize {
        self.bits.len() * 8
            + self.heads.capacity() * 13
            + self.ids.capacity() * 4
            + self.pats.iter().map(|p| p.len() + 16).sum::<usize>()
            + self.short.as_ref().map_or(0, |(ac, _)| ac.memory_usage())
    }
}

const K1: u64 = 0x9E37_79B9_7F4A_7C15;
const K2: u64 = 0xC2B2_AE3D_27D4_EB4F;

/// A bit index below `1 << (64 - shift)`.
fn hash(head: u64, k: u64, shift: u32) -> usize {
    // Fold the high half in first: a q-gram's bytes are in the low `q` bytes.
    let h = (head ^ (head >> 29)).wrapping_mul(k);
    (h >> shift) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny deterministic generator (xorshift).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn word(&mut self, alphabet: &[u8], max: usize) -> Vec<u8> {
            let n = 1 + (self.next() as usize) % max;
            (0..n)
                .map(|_| alphabet[(self.next() as usize) % alphabet.len()])
                .collect()
        }
    }

    #[test]
    fn grams_agree_with_aho_corasick_leftmost_first() {
        let mut rng = Rng(0x1234_5678_9abc_def1);
        // A small alphabet so that entries overlap, share prefixes and repeat.
        let alphabet = b"abc \xff";
        for round in 0..200 {
            let n = SMALL + 1 + (rng.next() as usize) % 200;
            let pats: Vec<String> = (0..n)
                .map(|_| {
                    let w = rng.word(b"abc ", 3 + round % 8);
                    String::from_utf8(w).unwrap()
                })
                .collect();
            let reference = leftmost_first(pats.iter()).unwrap();
            let m = WordMatcher::build(pats.clone()).unwrap();
            assert!(matches!(m, WordMatcher::Grams(_)));
            for _ in 0..50 {
                let hay = rng.word(alphabet, 40);
                let want = reference
                    .find(&hay[..])
                    .map(|m| (m.start(), m.pattern().as_usize()));
                assert_eq!(m.find(&hay), want, "round {round}: {hay:?} in {pats:?}");
            }
        }
    }

    #[test]
    fn long_lists_stay_small() {
        let pats: Vec<String> = (0..100_000).map(|i| format!("w{i:07}")).collect();
        let reference = leftmost_first(pats.iter()).unwrap();
        let WordMatcher::Grams(g) = WordMatcher::build(pats).unwrap() else {
            panic!("a long list uses the q-gram filter")
        };
        assert_eq!(g.bits.len() * 8, 256 * 1024);
        // About the size of the Aho-Corasick automaton it replaces (a contiguous NFA).
        println!(
            "grams {} bytes, NFA {} bytes",
            g.memory(),
            reference.memory_usage()
        );
        assert!(g.memory() < 8 << 20, "{}", g.memory());
    }
}

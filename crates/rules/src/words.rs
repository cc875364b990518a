//! Word-list search over [`View::words`](crate::scan::View): Aho-Corasick for lists small enough
//! for its SIMD prefilter, a q-gram filter for long lists.
//!
//! Both report the same match: leftmost-first (the match that starts first; among matches at the
//! same start, the entry listed first).

use aho_corasick::{AhoCorasick, BuildError, MatchKind};
use foldhash::HashMap;

/// Lists up to this many entries use Aho-Corasick alone: its Teddy prefilter (SIMD) handles up to
/// 64 patterns.
pub(crate) const SMALL: usize = 64;
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

/// The word lists of two key lists searched together, when both are small: one Aho-Corasick
/// (Teddy) pass over the text instead of two. Entries `..split` are the first list's, the rest the
/// second's.
pub(crate) struct PairMatcher {
    ac: AhoCorasick,
    split: usize,
}

/// A word list's first match, if the shared search could tell it: `Some(found)` is the list's own
/// leftmost-first match (`None` if it has none), `None` means the list must search itself.
pub(crate) type Known = Option<Option<(usize, usize)>>;

impl PairMatcher {
    /// Both lists' lower-cased entries, when together they fit one [`SMALL`] automaton.
    pub(crate) fn build(first: &[String], second: &[String]) -> Option<PairMatcher> {
        if first.is_empty() || second.is_empty() || first.len() + second.len() > SMALL {
            return None;
        }
        let ac = leftmost_first(first.iter().chain(second)).ok()?;
        Some(PairMatcher {
            ac,
            split: first.len(),
        })
    }

    /// What one search tells about each list. The combined leftmost-first match is the leftmost
    /// match of either list, the first list's entries winning ties, so it is also the leftmost-first
    /// match of its own list. No match at all answers both; a match of one list leaves the other
    /// to search itself (rare: only comments that match an entry).
    pub(crate) fn find(&self, hay: &[u8]) -> (Known, Known) {
        match self.ac.find(hay) {
            None => (Some(None), Some(None)),
            Some(m) => {
                let (at, id) = (m.start(), m.pattern().as_usize());
                if id < self.split {
                    (Some(Some((at, id))), None)
                } else {
                    (None, Some(Some((at, id - self.split))))
                }
            }
        }
    }
}

fn leftmost_first<'a>(pats: impl Iterator<Item = &'a String>) -> Result<AhoCorasick, BuildError> {
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostFirst)
        .build(pats)
}

/// Long entries are found by hashing `q`-byte windows of the text into a blocked Bloom filter of
/// their q-grams (two bits per gram, both in one 64-bit word, so a window costs one multiply, one
/// load and one test; at most 2^21 bits, so it stays in L2 cache) and verifying the rare windows
/// that pass through a map from gram to entries. Only every `step`-th window is looked at: an
/// entry of at least `q + step - 1` bytes covers one of them wherever it starts, at one of its
/// first `step` offsets, and all `step` of its grams are in the filter. Entries shorter than that
/// go to a small Aho-Corasick automaton. Memory is about 30 bytes per gram plus the entries.
pub(crate) struct Grams {
    /// The q-gram length, 4 to 8 bytes.
    q: usize,
    /// Windows looked at: every `step`-th, 1 to 4.
    step: usize,
    /// Keeps the first `q` bytes of a little-endian 8-byte load.
    mask: u64,
    bits: Vec<u64>,
    /// Gram → range of `ids`: (entry, offset of the gram in it), in list order.
    heads: HashMap<u64, (u32, u32)>,
    ids: Vec<(u32, u32)>,
    pats: Vec<Box<[u8]>>,
    /// Entries shorter than `q + step - 1` bytes, and their indices in the list.
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

/// Grams of at least this many bytes when windows are skipped (shorter ones pass too many windows
/// of ordinary text for the saving to last).
const MIN_Q_STEP: usize = 6;

impl Grams {
    fn build(pats: Vec<String>) -> Result<Grams, BuildError> {
        let (q, step) = Grams::shape(&pats);
        Grams::build_with(pats, q, step)
    }

    /// The gram length and window step: the widest step (up to 4, with grams of at least
    /// [`MIN_Q_STEP`] bytes), then the longest grams (up to 8 bytes), that leave at most [`SMALL`]
    /// entries too short, i.e. shorter than `q + step - 1` bytes.
    fn shape(pats: &[String]) -> (usize, usize) {
        let too_short = |n: usize| pats.iter().filter(|p| p.len() < n).count();
        for step in (2..=4).rev() {
            if let Some(q) = (MIN_Q_STEP..=8)
                .rev()
                .find(|&q| too_short(q + step - 1) <= SMALL)
            {
                return (q, step);
            }
        }
        let mut q = MIN_Q;
        while q < 8 && too_short(q + 1) <= SMALL {
            q += 1;
        }
        (q, 1)
    }

    fn build_with(pats: Vec<String>, q: usize, step: usize) -> Result<Grams, BuildError> {
        let mask = if q == 8 { u64::MAX } else { (1 << (8 * q)) - 1 };
        let mut short_ids = Vec::new();
        let mut grams: Vec<(u64, u32, u32)> = Vec::new();
        for (i, p) in pats.iter().enumerate() {
            let p = p.as_bytes();
            if p.len() < q + step - 1 {
                short_ids.push(i as u32);
            } else {
                for o in 0..step {
                    grams.push((load8(&p[o..]) & mask, i as u32, o as u32));
                }
            }
        }
        let short = if short_ids.is_empty() {
            None
        } else {
            let ac = leftmost_first(short_ids.iter().map(|&i| &pats[i as usize]))?;
            Some((ac, short_ids))
        };
        // About 16 bits per gram, two set per gram in one 64-bit word (1-2% false positives per
        // window), 4 KiB to 256 KiB.
        let log2 = (grams.len().max(1) * 16)
            .next_power_of_two()
            .trailing_zeros()
            .clamp(15, 21);
        let mut bits = vec![0u64; (1usize << log2) / 64];
        grams.sort_unstable();
        let mut heads = HashMap::default();
        let mut ids = Vec::with_capacity(grams.len());
        let mut i = 0;
        while i < grams.len() {
            let head = grams[i].0;
            let start = ids.len() as u32;
            while i < grams.len() && grams[i].0 == head {
                ids.push((grams[i].1, grams[i].2));
                i += 1;
            }
            heads.insert(head, (start, ids.len() as u32));
            let (w, m) = probe(head, bits.len());
            bits[w] |= m;
        }
        Ok(Grams {
            q,
            step,
            mask,
            bits,
            heads,
            ids,
            pats: pats.into_iter().map(|p| p.into_bytes().into()).collect(),
            short,
        })
    }

    fn find(&self, hay: &[u8]) -> Option<(usize, usize)> {
        // The leftmost short match bounds the scan for long ones: a long match starting at or
        // before it shows in a window at most `step - 1` bytes later.
        let short = self.short.as_ref().and_then(|(ac, ids)| {
            ac.find(hay)
                .map(|m| (m.start(), ids[m.pattern().as_usize()] as usize))
        });
        // Windows (multiples of `step`) starting before `end`, with `q` bytes of text.
        let end = short
            .map_or(hay.len(), |(s, _)| s + self.step)
            .min((hay.len() + 1).saturating_sub(self.q));
        // Whole 8-byte loads before `main`, a zero-padded copy for the last few windows.
        let main = end.min(hay.len().saturating_sub(7));
        let mask = self.mask;
        let mut from = 0;
        while let Some(p) = self.scan(hay, from, main) {
            let head = load8(&hay[p..]) & mask;
            if let Some(hit) = self.confirm(hay, p, head, short) {
                return Some(hit);
            }
            from = p + self.step;
        }
        // The first window at or after `main`.
        let mut p = main.div_ceil(self.step) * self.step;
        while p < end {
            let head = load8(&hay[p..]) & mask;
            if self.passes(head) {
                if let Some(hit) = self.confirm(hay, p, head, short) {
                    return Some(hit);
                }
            }
            p += self.step;
        }
        short
    }

    /// The first window starting in `from..to` (a multiple of `step`, with 8 bytes of text) whose
    /// gram passes the filter. Out of line, so that the loop keeps everything in registers.
    #[inline(never)]
    fn scan(&self, hay: &[u8], from: usize, to: usize) -> Option<usize> {
        let (mask, step) = (self.mask, self.step);
        let mut p = from;
        while p < to {
            let w = u64::from_le_bytes(hay[p..p + 8].try_into().expect("8 bytes"));
            if self.passes(w & mask) {
                return Some(p);
            }
            p += step;
        }
        None
    }

    /// Whether a window's gram passes the filter (both its bits are set).
    #[inline(always)]
    fn passes(&self, gram: u64) -> bool {
        let (i, m) = probe(gram, self.bits.len());
        self.bits[i] & m == m
    }

    /// A window that passed the filter: the leftmost-first match it shows, if any, weighed
    /// against the short entries' match. Out of line: the scan loop keeps its registers.
    #[inline(never)]
    fn confirm(
        &self,
        hay: &[u8],
        p: usize,
        head: u64,
        short: Option<(usize, usize)>,
    ) -> Option<(usize, usize)> {
        let long = self.verify(hay, p, head)?;
        Some(match short {
            Some(s) if s < long => s,
            _ => long,
        })
    }

    /// The leftmost-first long entry whose gram at some offset is the window at `p`: (start,
    /// entry). Every match starting at `p - step + 1 ..= p` shows in this window; earlier ones
    /// showed in an earlier window.
    fn verify(&self, hay: &[u8], p: usize, head: u64) -> Option<(usize, usize)> {
        let &(a, b) = self.heads.get(&head)?;
        self.ids[a as usize..b as usize]
            .iter()
            .filter_map(|&(i, o)| {
                let start = p.checked_sub(o as usize)?;
                hay[start..]
                    .starts_with(&self.pats[i as usize])
                    .then_some((start, i as usize))
            })
            .min()
    }

    /// Heap bytes, roughly (for the docs' memory figures).
    #[cfg(test)]
    fn memory(&self) -> usize {
        self.bits.len() * 8
            + self.heads.capacity() * 13
            + self.ids.capacity() * 8
            + self.pats.iter().map(|p| p.len() + 16).sum::<usize>()
            + self.short.as_ref().map_or(0, |(ac, _)| ac.memory_usage())
    }
}

const K: u64 = 0x9E37_79B9_7F4A_7C15;

/// The filter word of a prefix (below `words`, a power of two up to 2^15) and its two bits in
/// that word.
#[inline(always)]
fn probe(head: u64, words: usize) -> (usize, u64) {
    // Multiply-shift: the product's top 15 bits pick the word (masked to the filter's size), the
    // 12 below them the two bits. A q-gram's bytes are in the low `q` bytes, and every bit of the
    // product from bit 37 up depends on at least its first 37 bits.
    let h = head.wrapping_mul(K);
    let m = (1u64 << ((h >> 37) & 63)) | (1u64 << ((h >> 43) & 63));
    ((h >> 49) as usize & (words - 1), m)
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
            let m = WordMatcher::build(pats.clone()).unwrap();
            assert!(matches!(m, WordMatcher::Grams(_)));
            let texts = (0..50).map(|_| rng.word(alphabet, 40)).collect();
            agrees(&pats, texts, |hay| m.find(hay), &format!("round {round}"));
        }
    }

    /// `find` gives Aho-Corasick's leftmost-first match of `pats` in each text.
    fn agrees(
        pats: &[String],
        texts: Vec<Vec<u8>>,
        find: impl Fn(&[u8]) -> Option<(usize, usize)>,
        case: &str,
    ) {
        let reference = leftmost_first(pats.iter()).unwrap();
        for hay in texts {
            let want = reference
                .find(&hay[..])
                .map(|m| (m.start(), m.pattern().as_usize()));
            assert_eq!(find(&hay), want, "{case}: {hay:?} in {pats:?}");
        }
    }

    #[test]
    fn every_gram_length_and_step_agrees_with_aho_corasick() {
        let mut rng = Rng(0x0bad_cafe_f00d_1234);
        for q in MIN_Q..=8 {
            for step in 1..=4 {
                for round in 0..40 {
                    let n = 1 + (rng.next() as usize) % 120;
                    let pats: Vec<String> = (0..n)
                        .map(|_| String::from_utf8(rng.word(b"ab c", 3 + round % 12)).unwrap())
                        .collect();
                    let g = Grams::build_with(pats.clone(), q, step).unwrap();
                    let texts = (0..40).map(|_| rng.word(b"abc \xff", 48)).collect();
                    agrees(
                        &pats,
                        texts,
                        |hay| g.find(hay),
                        &format!("q {q} step {step}"),
                    );
                }
            }
        }
    }

    #[test]
    fn shapes_skip_windows_when_entries_are_long_enough() {
        let words =
            |len: usize| -> Vec<String> { (0..1000).map(|i| format!("{i:0len$}")).collect() };
        assert_eq!(Grams::shape(&words(7)), (6, 2));
        assert_eq!(Grams::shape(&words(11)), (8, 4));
        assert_eq!(Grams::shape(&words(9)), (6, 4));
        assert_eq!(Grams::shape(&words(6)), (6, 1));
        assert_eq!(Grams::shape(&words(4)), (4, 1));
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

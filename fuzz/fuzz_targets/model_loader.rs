//! Fuzzes `ferret_bayes::Model::from_bytes`, the model-file reader.
//!
//! Checks, for every input:
//! - `Model::from_bytes` never panics (any input is a model or a typed `Error`);
//! - a model that loads round-trips: `Model::from_bytes(&m.to_bytes()) == Ok(m)`, and writing the
//!   reloaded model again gives the same bytes;
//! - scoring small feature sets (empty, edge buckets, low buckets, ids taken from the input) with a
//!   loaded model gives a finite `p_spam` in [0, 1] and a finite `log_odds`.
//!
//! The file ends in a CRC-32 and declares its own length, so almost every mutation of a real model is
//! rejected before the header and counts are parsed. Each input is therefore loaded twice: once as
//! is, and once "repaired" (magic, declared length and checksum rewritten to match), so that the
//! fuzzer explores the parameter checks and the sparse-count decoder too.

#![no_main]

use ferret_bayes::{Error, Model};
use ferret_features::Features;
use libfuzzer_sys::fuzz_target;

const MAGIC: &[u8; 8] = b"FERRETNB";
/// Header bytes before the counts (see `crates/bayes/src/file.rs`).
const HEADER: usize = 88;
/// Offset of the `bits` byte in the header.
const BITS_AT: usize = 12;
/// A model holds `8 · 2^bits` bytes of counts whatever the file size, so a 92-byte file declaring
/// 2^28 buckets makes the loader allocate 2 GiB (by design: 28 bits is a valid model). Inputs whose
/// header asks for more than 2^22 buckets (32 MiB) are skipped so the fuzzer neither trips
/// libFuzzer's 2 GiB malloc limit nor spends its time zeroing memory. See README.md.
const MAX_FUZZ_BITS: u8 = 22;

fuzz_target!(|data: &[u8]| {
    if data.len() > BITS_AT && (MAX_FUZZ_BITS + 1..=28).contains(&data[BITS_AT]) {
        return;
    }
    load_and_check(data);
    if data.len() >= HEADER + 4 {
        let mut fixed = data.to_vec();
        fixed[..8].copy_from_slice(MAGIC);
        let n = fixed.len();
        fixed[80..88].copy_from_slice(&(n as u64).to_le_bytes());
        let crc = crc32fast::hash(&fixed[..n - 4]);
        fixed[n - 4..].copy_from_slice(&crc.to_le_bytes());
        load_and_check(&fixed);
    }
});

fn load_and_check(data: &[u8]) {
    let model = match Model::from_bytes(data) {
        Ok(m) => m,
        Err(e) => {
            // Every error must be displayable (its message is shown to users) without panicking.
            let msg = e.to_string();
            assert!(!msg.is_empty());
            if let Error::Truncated { len, expected } = e {
                assert!(len < expected, "Truncated {{ len: {len}, expected: {expected} }}");
            }
            return;
        }
    };

    // Round trip.
    let bytes = model.to_bytes();
    let again = match Model::from_bytes(&bytes) {
        Ok(m) => m,
        Err(e) => panic!("a loaded model's own file image does not load: {e}"),
    };
    assert!(again == model, "round trip changed the model");
    assert!(again.to_bytes() == bytes, "second write differs from the first");

    // Scoring.
    let buckets = model.feature_config().buckets() as u32;
    let mut sets: Vec<Features> = vec![
        Features::new(),
        Features::from_pairs([(0, 1)]),
        Features::from_pairs([(buckets - 1, 1)]),
        Features::from_pairs([(0, 3), (1, 1), (buckets / 2, 2), (buckets - 1, 255)]),
        Features::from_pairs((0..buckets.min(64)).map(|i| (i, 1 + i % 3))),
        // Ids past the model's space are ignored by `score`.
        Features::from_pairs([(buckets, 1), (u32::MAX, 1)]),
    ];
    // Ids from the count section of the input: small deltas make low ids, which a fuzzed model has.
    let body = &data[HEADER.min(data.len())..];
    sets.push(Features::from_pairs(
        body.chunks(2)
            .take(600)
            .map(|c| (u32::from(c[0]) | u32::from(*c.get(1).unwrap_or(&0)) << 8, 1))
            .map(|(id, n)| (id % buckets, n)),
    ));
    for f in &sets {
        let s = model.score(f);
        assert!(
            s.p_spam.is_finite() && (0.0..=1.0).contains(&s.p_spam),
            "p_spam = {} for {} features",
            s.p_spam,
            f.len()
        );
        assert!(s.log_odds.is_finite(), "log_odds = {}", s.log_odds);
        let jll = model.joint_log_likelihood(f);
        assert!(!jll[0].is_nan() && !jll[1].is_nan(), "joint log-likelihood {jll:?}");
    }
}

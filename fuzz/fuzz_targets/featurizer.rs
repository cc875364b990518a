//! Fuzzes the featurizer (`ferret_features::Featurizer`) and the mail reducer (`mail::mail_text`).
//!
//! Each input is used three ways:
//! 1. as text (lossy UTF-8) → `featurize_text`;
//! 2. if it parses as a `Comment` JSON object → `featurize` (content and metadata fields);
//! 3. as a raw mail → `mail_text` → `featurize_text`.
//!
//! Checks: nothing panics; `Features::ids()` is strictly increasing and every id < 2^bits
//! (`FeatureConfig::buckets()`); every count ≥ 1; `truncated()` is set exactly when the text is longer
//! than `max_text_bytes`; featurizing the same input again with the same (reused, long-lived)
//! featurizer, after it has featurized other inputs in between, gives equal `Features`; `mail_text`
//! is deterministic. The text is also featurized by a second featurizer with a tiny hashed space
//! (2^8), no bigrams and a small text cap (1..=64 bytes, picked from the input), so the cut at the cap
//! lands inside multi-byte characters.

#![no_main]

use std::sync::Mutex;

use ferret_features::{mail::mail_text, Comment, FeatureConfig, Features, Featurizer};
use libfuzzer_sys::fuzz_target;

/// Text caps of the small featurizers.
const CAPS: [u32; 8] = [1, 2, 3, 4, 5, 7, 16, 64];

struct State {
    default: Featurizer,
    small: Vec<Featurizer>,
}

// Featurizers are built once (they compile regexes) and reused across inputs, as in production, so
// state leaking from one input into the next shows up as a determinism failure.
static STATE: Mutex<Option<State>> = Mutex::new(None);

fuzz_target!(|data: &[u8]| {
    let mut guard = STATE.lock().unwrap_or_else(|e| e.into_inner());
    let st = guard.get_or_insert_with(|| State {
        default: Featurizer::new(FeatureConfig::default()),
        small: CAPS
            .iter()
            .map(|&cap| {
                let config = FeatureConfig::params()
                    .bits(8)
                    .bigrams(false)
                    .max_text_bytes(cap)
                    .check()
                    .expect("valid small config");
                Featurizer::new(config)
            })
            .collect(),
    });
    let text = String::from_utf8_lossy(data);

    // 1. Text.
    let mut first = Features::new();
    st.default.featurize_text(&text, &mut first);
    check(&first, st.default.config(), text.len(), "featurize_text");

    // 2. Comment JSON.
    if let Ok(comment) = serde_json::from_slice::<Comment>(data) {
        let mut a = Features::new();
        st.default.featurize(&comment, &mut a);
        check(&a, st.default.config(), comment.content().len(), "featurize(Comment)");
        let mut b = Features::new();
        st.default.featurize_text(&text, &mut b); // something else in between
        st.default.featurize(&comment, &mut b);
        assert_eq!(a, b, "featurize(Comment) is not deterministic");
        assert_eq!(st.default.features(&comment), a, "features() differs from featurize()");
    }

    // 3. Mail.
    let mail = mail_text(&text);
    assert_eq!(mail_text(&text), mail, "mail_text is not deterministic");
    let mut m = Features::new();
    st.default.featurize_text(&mail, &mut m);
    check(&m, st.default.config(), mail.len(), "featurize_text(mail_text)");

    // The same text again, after the featurizer has seen other inputs.
    let mut again = Features::new();
    st.default.featurize_text(&text, &mut again);
    assert_eq!(first, again, "featurize_text is not deterministic");

    // Small space, no bigrams, tiny cap.
    let small = &mut st.small[data.first().map_or(0, |&b| usize::from(b) % CAPS.len())];
    let mut s1 = Features::new();
    small.featurize_text(&text, &mut s1);
    check(&s1, small.config(), text.len(), "small featurize_text");
    let mut s2 = Features::new();
    small.featurize_text(&mail, &mut s2);
    small.featurize_text(&text, &mut s2);
    assert_eq!(s1, s2, "small featurize_text is not deterministic");
});

fn check(f: &Features, config: FeatureConfig, text_len: usize, what: &str) {
    let buckets = config.buckets();
    let ids = f.ids();
    assert_eq!(ids.len(), f.len(), "{what}: len");
    assert_eq!(f.iter().len(), f.len(), "{what}: iter len");
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "{what}: ids not strictly increasing: {ids:?}"
    );
    for (id, n) in f.iter() {
        assert!((id as usize) < buckets, "{what}: id {id} >= {buckets} buckets");
        assert!(n >= 1, "{what}: count {n} for id {id}");
    }
    assert_eq!(
        f.truncated(),
        text_len > config.max_text_bytes() as usize,
        "{what}: truncated flag for {text_len} bytes with cap {}",
        config.max_text_bytes()
    );
    assert!(!f.is_empty(), "{what}: no features at all (not even a shape token)");
}

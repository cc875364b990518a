//! Shared helpers for the router's integration tests: a fake Akismet that answers from the true
//! labels, a synthetic comment generator, and configs pointing at a temp store.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use ferret_akismet::fake::{FakeAkismet, FakeVerdict};
use ferret_bayes::{Label, Model, ModelConfig};
use ferret_features::{Comment, FeatureConfig};
use ferret_router::{Config, Secret};

/// 2026-01-01T00:00:00Z.
pub const JAN_2026: i64 = 1_767_225_600;

/// A fake Akismet that knows every comment's true label (by content).
pub struct Oracle {
    pub fake: FakeAkismet,
    pub labels: Arc<Mutex<HashMap<String, Label>>>,
}

impl Oracle {
    pub fn start() -> Oracle {
        let fake = FakeAkismet::start().unwrap();
        let labels: Arc<Mutex<HashMap<String, Label>>> = Arc::default();
        let l2 = Arc::clone(&labels);
        fake.set_verdict(move |req| {
            let text = req.param("comment_content").unwrap_or_default();
            match l2.lock().unwrap().get(text) {
                Some(Label::Spam) => FakeVerdict::Spam,
                _ => FakeVerdict::Ham,
            }
        });
        fake.set_recording(false);
        Oracle { fake, labels }
    }

    pub fn know(&self, c: &Comment, label: Label) {
        self.labels
            .lock()
            .unwrap()
            .insert(c.comment_content.clone().unwrap_or_default(), label);
    }

    /// comment-check calls the fake answered or refused.
    pub fn checks(&self) -> u64 {
        self.fake.usage()
    }
}

/// A config for a store in `dir`, talking to `oracle`'s fake.
pub fn config(dir: &Path, oracle: Option<&Oracle>) -> Config {
    let mut c = Config {
        db: dir.join("ferret.db"),
        ..Config::default()
    };
    if let Some(o) = oracle {
        c.akismet.key = Some(Secret::new(FakeAkismet::KEY));
        c.akismet.blog = Some(FakeAkismet::BLOG.into());
        c.akismet.url = Some(o.fake.base_url());
        c.akismet.timeout_ms = 2_000;
        c.akismet.connect_timeout_ms = 500;
    }
    c
}

const SPAMMY: &[&str] = &[
    "prize", "free", "win", "cash", "claim", "offer", "cheap", "pills", "casino", "loan", "urgent",
    "click", "bonus", "deal", "credit", "winner", "viagra", "discount",
];
const HAMMY: &[&str] = &[
    "thanks",
    "meeting",
    "lunch",
    "article",
    "agree",
    "point",
    "recipe",
    "weekend",
    "family",
    "question",
    "interesting",
    "paper",
    "later",
    "home",
    "love",
    "tomorrow",
    "dinner",
    "book",
];
const NEUTRAL: &[&str] = &[
    "the", "a", "and", "to", "is", "it", "you", "this", "for", "on",
];

/// A deterministic stream of synthetic comments: each has a hidden spamminess in [0, 1] that
/// sets its mix of spammy and hammy words; it is spam when that is above one half. Comments near
/// one half are genuinely ambiguous.
pub struct Synth {
    rng: fastrand::Rng,
    n: u64,
}

impl Synth {
    pub fn new(seed: u64) -> Synth {
        Synth {
            rng: fastrand::Rng::with_seed(seed),
            n: 0,
        }
    }

    pub fn next(&mut self) -> (Comment, Label) {
        self.n += 1;
        let s = self.rng.f64();
        let len = self.rng.usize(8..15);
        let mut words = Vec::with_capacity(len + 1);
        for _ in 0..len {
            let r = self.rng.f64();
            let w = if r < 0.4 {
                NEUTRAL[self.rng.usize(..NEUTRAL.len())]
            } else if self.rng.f64() < s {
                SPAMMY[self.rng.usize(..SPAMMY.len())]
            } else {
                HAMMY[self.rng.usize(..HAMMY.len())]
            };
            words.push(w.to_owned());
        }
        words.push(format!("ref{}", self.n));
        let mut c = Comment::from_text(words.join(" "));
        c.user_ip = Some(format!("192.0.2.{}", self.n % 250 + 1));
        (c, if s > 0.5 { Label::Spam } else { Label::Ham })
    }
}

/// A model trained on `n` synthetic comments, saved to `path`.
pub fn seed_model(path: &Path, n: usize, seed: u64) {
    let mut m = Model::new(FeatureConfig::default(), ModelConfig::default());
    let mut fz = m.featurizer();
    let mut g = Synth::new(seed);
    for _ in 0..n {
        let (c, l) = g.next();
        let f = fz.features(&c);
        m.learn(&f, l).unwrap();
    }
    m.save(path).unwrap();
}

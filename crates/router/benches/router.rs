//! The no-escalation path: what the router adds to the bare model for a confident comment
//! (thread-local featurizer, check id, history record handed to the background writer), against
//! featurize + score alone, on the shipped default model, with the default rules (all but the
//! duplicate rule). Verdicts are asserted inside the loops.
//!
//! The router's figure includes back-pressure: at full speed the history writer's bounded queue
//! fills, so the loop runs at the rate SQLite commits the batched rows, not just the enqueue cost.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ferret_bayes::{Cutoffs, Model, Verdict as ModelVerdict};
use ferret_features::{Comment, Features};
use ferret_router::{Config, Ferret, Source};

/// Confident comments (the default model is sure of each).
const COMMENTS: [(&str, bool); 4] = [
    ("Thanks for the detailed write-up, the second example fixed my build on Debian.", false),
    ("Are we still meeting for lunch tomorrow at noon? I can book a table at the place near the station.", false),
    ("WINNER!! As a valued network customer you have been selected to receive a £900 prize reward! To claim call 09061701461. Claim code KL341. Valid 12 hours only.", true),
    ("Congratulations! You have won a FREE holiday. Text WIN to 87121 now to claim, T&C apply, 18+ only £1.50/msg.", true),
];

fn model_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/default.ferret")
}

fn no_escalation(c: &mut Criterion) {
    let model = Model::load(&model_path()).expect("models/default.ferret");
    let cutoffs = Cutoffs::default();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config {
        db: dir.path().join("bench.db"),
        model: Some(model_path()),
        ..Config::default()
    };
    // The default rules run, except the duplicate rule: the loop repeats the same comment, which
    // a site would hold as a duplicate (that is the hold path, not the one measured here).
    config.rules.duplicates.enabled = false;
    let ferret = Ferret::open(config).unwrap();
    let mut g = c.benchmark_group("no_escalation");
    for (i, (text, spam)) in COMMENTS.iter().enumerate() {
        let comment = Comment::from_text(*text);
        let want = if *spam {
            ModelVerdict::Spam
        } else {
            ModelVerdict::Ham
        };
        let id = format!("{i}-{}B", text.len());
        let mut fz = model.featurizer();
        let mut f = Features::new();
        g.bench_with_input(BenchmarkId::new("bare_model", &id), &comment, |b, c| {
            b.iter(|| {
                fz.featurize(black_box(c), &mut f);
                let (v, _) = model.classify(&f, &cutoffs);
                assert_eq!(v, want);
            })
        });
        let expect = if *spam { "spam" } else { "ham" };
        // The caller's cost: the history queue is drained outside the timed part, as it is
        // between comments on any real site (the writer commits ~tens of thousands of rows/s).
        g.bench_with_input(BenchmarkId::new("router", &id), &comment, |b, c| {
            b.iter_custom(|iters| {
                let mut total = std::time::Duration::ZERO;
                let mut left = iters;
                while left > 0 {
                    let n = left.min(4_096);
                    let start = std::time::Instant::now();
                    for _ in 0..n {
                        let d = ferret.check_blocking(black_box(c)).unwrap();
                        assert_eq!((d.source, d.verdict.as_str()), (Source::Model, expect));
                    }
                    total += start.elapsed();
                    ferret.flush().unwrap();
                    left -= n;
                }
                total
            })
        });
        // Sustained: the queue stays full, so this is the writer's commit rate per comment.
        g.bench_with_input(
            BenchmarkId::new("router_sustained", &id),
            &comment,
            |b, c| {
                b.iter(|| {
                    let d = ferret.check_blocking(black_box(c)).unwrap();
                    assert_eq!(d.verdict.as_str(), expect);
                })
            },
        );
    }
    g.finish();
    ferret.flush().unwrap();
}

criterion_group!(benches, no_escalation);
criterion_main!(benches);

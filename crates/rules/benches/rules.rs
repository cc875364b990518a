//! Cost of `Rules::check` per comment with every rule on: small lists and 100,000-entry lists.
//! Goals (issue 5): ≤ 1 µs with small lists, ≤ 3 µs with 100,000-entry lists.
//!
//! Each iteration checks one comment of a fixed corpus with a fresh form token (issued in the
//! untimed setup), one hour after the previous comment so duplicates and floods never fire; the
//! answer is asserted inside the loop. The setup builds the comments 64 at a time (`BATCH`), so a
//! check reads a comment built just before, as a server checks the comment it has just parsed.
//! (Criterion's `SmallInput` builds a tenth of a sample's iterations at once, thousands of
//! comments, so each check then also pays for reading its comment back from L3: 0.2–1.4 µs more
//! with 100,000-entry lists in three side-by-side runs; see the crate's README.) The fixtures are
//! in `common/mod.rs`, shared with `examples/rules_hot_path.rs`, which runs the same cases as a
//! plain loop for callgrind's instruction counts (the figures in the crate's README).
//!
//! Pin it (`taskset -c 1`) and keep the other CPUs idle. On a VM, run `examples/core_share.rs` on
//! the same CPU first: a check takes about 1.5× as long while another hardware thread shares the
//! core, and a guest cannot see that thread otherwise.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use ferret_rules::{Action, RuleContext, RuleId, RuleOutcome};

mod common;
use common::{corpus, history, rules, rules_with, Fresh};

/// Comments built per batch of timed checks (64 comments with their strings: under 100 KiB).
const BATCH: BatchSize = BatchSize::NumIterations(64);

fn bench_check(c: &mut Criterion) {
    let mut g = c.benchmark_group("check");
    let corpus = corpus();
    let authors = history();
    for (label, n, regex) in [
        ("small", 10, false),
        ("100k", 100_000, false),
        ("small+regex", 10, true),
        ("100k+regex", 100_000, true),
    ] {
        let r = rules(n, regex);
        // An hour later each time: no duplicate, no flood; a fresh token 30 s old.
        let mut fresh = Fresh::new();
        g.bench_function(BenchmarkId::new("all_rules_pass", label), |b| {
            b.iter_batched_ref(
                || fresh.next_comment(),
                |(c, now)| {
                    let out = r.check(black_box(c), &RuleContext::new(*now, &authors));
                    assert_eq!(out, RuleOutcome::Pass);
                },
                BATCH,
            )
        });
        if regex {
            continue;
        }
        // A spammer's comment caught by the disallowed IP list (the hit allocates its detail).
        let mut spam = corpus[0].clone();
        spam.user_ip = Some("10.0.3.7".into());
        g.bench_function(BenchmarkId::new("disallowed_ip_hit", label), |b| {
            b.iter_batched_ref(
                || fresh.next_of(&spam),
                |(c, now)| {
                    let out = r.check(black_box(c), &RuleContext::new(*now, &authors));
                    assert_eq!(
                        out.hit().map(|h| (h.action, h.rule)),
                        Some((Action::Spam, RuleId::Disallowed))
                    );
                },
                BATCH,
            )
        });
    }
    // Every rule but the token, on the same corpus checked in place (no per-iteration setup):
    // the steady-state cost of the list, link, duplicate, flood and author rules.
    for (label, n) in [("small", 10), ("100k", 100_000)] {
        let r = rules_with(n, false, false);
        let mut now = 1_700_000_000i64;
        let mut i = 0usize;
        g.bench_function(BenchmarkId::new("all_but_token_pass", label), |b| {
            b.iter(|| {
                now += 3601;
                i += 1;
                let c = &corpus[i % corpus.len()];
                let out = r.check(black_box(c), &RuleContext::new(now, &authors));
                assert_eq!(out, RuleOutcome::Pass);
            })
        });
    }
    g.finish();

    // The token alone: MAC check, post, time window (the replay cache is in `Rules`).
    let tokens = common::tokens();
    let t = tokens.issue("42", 1_000).unwrap();
    c.bench_function("token/verify", |b| {
        b.iter(|| assert!(tokens.verify(black_box(&t), "42", 1_030).is_ok()))
    });
}

criterion_group!(benches, bench_check);
criterion_main!(benches);

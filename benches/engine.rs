//! Engine benchmarks: featurize, score, featurize + score, learn, and batch vs incremental training,
//! on fixed comments and the shipped default model. Answers are asserted inside the timed loops so a
//! wrong result cannot look fast.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ferret::bayes::{Cutoffs, Label, Model, ModelConfig, Verdict};
use ferret::features::{Comment, FeatureConfig, Features, Featurizer};

/// Comments of 60–300 characters, the "median comment" range (SMS median is ~60).
const COMMENTS: [(&str, bool); 6] = [
    ("Thanks for the detailed write-up, the second example fixed my build on Debian.", false),
    ("WINNER!! As a valued network customer you have been selected to receive a £900 prize reward! To claim call 09061701461. Claim code KL341. Valid 12 hours only.", true),
    ("I tried the recipe last night and the bread came out great, although I needed ten more minutes in the oven. Would rye flour work as well, or does it need more water?", false),
    ("Buy cheap meds online without prescription at http://pills-discount.example/buy?ref=77 best prices, fast shipping!!", true),
    ("Are we still meeting for lunch tomorrow at noon? I can book a table at the place near the station.", false),
    ("Congratulations! You have won a FREE holiday. Text WIN to 87121 now to claim, T&C apply, 18+ only £1.50/msg.", true),
];

fn default_model() -> Model {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default.ferret");
    Model::load(&p).expect("models/default.ferret (see models/README.md)")
}

fn featurize(c: &mut Criterion) {
    let mut g = c.benchmark_group("featurize");
    let mut fz = Featurizer::new(FeatureConfig::default());
    let mut out = Features::new();
    for (i, (text, _)) in COMMENTS.iter().enumerate() {
        let comment = Comment::from_text(*text);
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(
            BenchmarkId::new("comment", format!("{i}-{}B", text.len())),
            &comment,
            |b, c| {
                b.iter(|| {
                    fz.featurize(black_box(c), &mut out);
                    assert!(out.len() > 5);
                })
            },
        );
    }
    let long =
        Comment::from_text("lorem ipsum dolor sit amet, consectetur adipiscing elit ".repeat(1200));
    g.throughput(Throughput::Bytes(65536));
    g.bench_with_input(BenchmarkId::new("capped", "64KiB"), &long, |b, c| {
        b.iter(|| {
            fz.featurize(black_box(c), &mut out);
            assert!(out.truncated());
        })
    });
    let full = Comment {
        blog: Some("https://example.org".into()),
        user_ip: Some("203.0.113.7".into()),
        user_agent: Some("Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0".into()),
        comment_type: Some("comment".into()),
        comment_author: Some("Ann Smith".into()),
        comment_author_email: Some("ann@mail.example.com".into()),
        comment_author_url: Some("https://ann.example.net/blog".into()),
        blog_lang: Some("en".into()),
        ..Comment::from_text(COMMENTS[2].0)
    };
    g.throughput(Throughput::Elements(1));
    g.bench_with_input(
        BenchmarkId::new("all-fields", COMMENTS[2].0.len()),
        &full,
        |b, c| {
            b.iter(|| {
                fz.featurize(black_box(c), &mut out);
                assert!(out.len() > 40);
            })
        },
    );
    g.finish();
}

fn score(c: &mut Criterion) {
    let model = default_model();
    let cutoffs = Cutoffs::default();
    let mut fz = model.featurizer();
    let mut g = c.benchmark_group("score");
    g.throughput(Throughput::Elements(1));
    for (i, (text, spam)) in COMMENTS.iter().enumerate() {
        let comment = Comment::from_text(*text);
        let features = fz.features(&comment);
        let not = if *spam { Verdict::Ham } else { Verdict::Spam };
        g.bench_with_input(BenchmarkId::new("score-only", i), &features, |b, f| {
            b.iter(|| assert_ne!(model.classify(black_box(f), &cutoffs).0, not))
        });
        let mut out = Features::new();
        g.bench_with_input(
            BenchmarkId::new("featurize+score", format!("{i}-{}B", text.len())),
            &comment,
            |b, c| {
                b.iter(|| {
                    fz.featurize(black_box(c), &mut out);
                    assert_ne!(model.classify(&out, &cutoffs).0, not);
                })
            },
        );
    }
    g.finish();
}

fn learn(c: &mut Criterion) {
    let mut model = default_model();
    let mut fz = model.featurizer();
    let feats: Vec<(Features, Label)> = COMMENTS
        .iter()
        .map(|(t, s)| {
            (
                fz.features(&Comment::from_text(*t)),
                if *s { Label::Spam } else { Label::Ham },
            )
        })
        .collect();
    let mut g = c.benchmark_group("learn");
    g.throughput(Throughput::Elements(1));
    // learn + unlearn keeps the model unchanged across iterations; both are timed, so halve it.
    g.bench_function("learn+unlearn", |b| {
        b.iter(|| {
            for (f, l) in &feats[..1] {
                model.learn(black_box(f), *l).unwrap();
                model.unlearn(black_box(f), *l).unwrap();
            }
        })
    });
    let mut out = Features::new();
    g.bench_function("featurize+learn+unlearn", |b| {
        let c = Comment::from_text(COMMENTS[1].0);
        b.iter(|| {
            fz.featurize(black_box(&c), &mut out);
            model.learn(&out, Label::Spam).unwrap();
            model.unlearn(&out, Label::Spam).unwrap();
        })
    });
    g.finish();
}

fn batch(c: &mut Criterion) {
    let fixture = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/train.jsonl"),
    )
    .unwrap();
    let texts: Vec<(Comment, Label)> = fixture
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let label = if v["label"] == "spam" {
                Label::Spam
            } else {
                Label::Ham
            };
            (Comment::from_text(v["text"].as_str().unwrap()), label)
        })
        .collect();
    let fc = FeatureConfig::params().bits(16).check().unwrap();
    let mut fz = Featurizer::new(fc);
    let feats: Vec<(Features, Label)> = texts.iter().map(|(c, l)| (fz.features(c), *l)).collect();
    let mut g = c.benchmark_group("batch");
    g.throughput(Throughput::Elements(feats.len() as u64));
    g.bench_with_input(
        BenchmarkId::new("train", feats.len()),
        &feats,
        |b, feats| {
            b.iter(|| {
                let mut m = Model::new(fc, ModelConfig::default());
                m.train(feats.iter().map(|(f, l)| (f, *l))).unwrap();
                assert_eq!(m.docs(Label::Spam) + m.docs(Label::Ham), feats.len() as u64);
            })
        },
    );
    g.bench_with_input(
        BenchmarkId::new("learn-one-by-one", feats.len()),
        &feats,
        |b, feats| {
            b.iter(|| {
                let mut m = Model::new(fc, ModelConfig::default());
                for (f, l) in feats {
                    m.learn(f, *l).unwrap();
                }
                assert_eq!(m.docs(Label::Spam) + m.docs(Label::Ham), feats.len() as u64);
            })
        },
    );
    g.bench_with_input(
        BenchmarkId::new("featurize+train", texts.len()),
        &texts,
        |b, texts| {
            b.iter(|| {
                let mut m = Model::new(fc, ModelConfig::default());
                let mut out = Features::new();
                for (c, l) in texts {
                    fz.featurize(c, &mut out);
                    m.learn(&out, *l).unwrap();
                }
                assert_eq!(m.docs(Label::Spam) + m.docs(Label::Ham), texts.len() as u64);
            })
        },
    );
    g.finish();
}

criterion_group!(benches, featurize, score, learn, batch);
criterion_main!(benches);

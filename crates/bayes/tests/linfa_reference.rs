//! The engine's multinomial likelihoods equal linfa-bayes' on a small dense problem.
//!
//! linfa-bayes 0.8.1 is kept here, off the hot path: its `fit_with` prints a `dbg!` dump on every fit
//! and its `predict_proba` overflows on long texts, so only `joint_log_likelihood` is compared.

use ferret_bayes::{Label, Model, ModelConfig};
use ferret_features::{FeatureConfig, Features};
use linfa::prelude::*;
use linfa_bayes::{MultinomialNb, NaiveBayes};
use ndarray::{Array1, Array2};

/// 12 documents over 6 word-count columns, in a 2^8-bucket model (the other columns stay zero).
const DOCS: [([u32; 6], bool); 12] = [
    ([3, 0, 1, 0, 0, 2], true),
    ([2, 1, 0, 0, 1, 4], true),
    ([4, 0, 0, 1, 0, 1], true),
    ([1, 0, 2, 0, 0, 3], true),
    ([5, 1, 0, 0, 0, 0], true),
    ([0, 3, 0, 2, 1, 0], false),
    ([0, 2, 1, 3, 0, 0], false),
    ([1, 4, 0, 1, 2, 0], false),
    ([0, 1, 0, 5, 1, 1], false),
    ([0, 0, 3, 2, 2, 0], false),
    ([1, 2, 1, 1, 1, 0], false),
    ([0, 5, 0, 0, 3, 0], false),
];

#[test]
fn joint_log_likelihoods_equal_linfa_multinomial_nb() {
    let buckets = 256;
    let fc = FeatureConfig::params().bits(8).check().unwrap();
    for alpha in [1.0, 0.5, 0.01] {
        let cfg = ModelConfig::params()
            .presence(false)
            .alpha(alpha)
            .check()
            .unwrap();
        let mut model = Model::new(fc, cfg);
        let mut x = Array2::<f64>::zeros((DOCS.len(), buckets));
        let mut y = Array1::<usize>::zeros(DOCS.len());
        let mut feats = Vec::new();
        for (row, (counts, spam)) in DOCS.iter().enumerate() {
            let f = Features::from_pairs(counts.iter().enumerate().map(|(i, &n)| (i as u32, n)));
            for (i, &n) in counts.iter().enumerate() {
                x[(row, i)] = f64::from(n);
            }
            y[row] = usize::from(*spam);
            model
                .learn(&f, if *spam { Label::Spam } else { Label::Ham })
                .unwrap();
            feats.push(f);
        }
        let linfa = MultinomialNb::params()
            .alpha(alpha)
            .fit(&Dataset::new(x.clone(), y))
            .unwrap();
        let jll = linfa.joint_log_likelihood(x.view());
        for (row, f) in feats.iter().enumerate() {
            let [ham, spam] = model.joint_log_likelihood(f);
            let (lh, ls) = (jll[&0][row], jll[&1][row]);
            assert!(
                (ham - lh).abs() < 1e-9,
                "alpha {alpha} row {row}: ham {ham} vs linfa {lh}"
            );
            assert!(
                (spam - ls).abs() < 1e-9,
                "alpha {alpha} row {row}: spam {spam} vs linfa {ls}"
            );
        }
        // Unseen documents too, including a long one where linfa's predict_proba would overflow.
        let long = Features::from_pairs([(0, 400), (1, 300), (5, 500)]);
        let mut xl = Array2::<f64>::zeros((1, buckets));
        xl[(0, 0)] = 400.0;
        xl[(0, 1)] = 300.0;
        xl[(0, 5)] = 500.0;
        let jl = linfa.joint_log_likelihood(xl.view());
        let [ham, spam] = model.joint_log_likelihood(&long);
        assert!((ham - jl[&0][0]).abs() < 1e-6 && (spam - jl[&1][0]).abs() < 1e-6);
        assert!(
            ham < -1000.0,
            "a long text has a very negative likelihood: {ham}"
        );
    }
}

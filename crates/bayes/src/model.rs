//! The model: per-bucket ham/spam counts, online `learn`/`unlearn`, and scoring.

use ferret_features::{FeatureConfig, Features, Featurizer};

use crate::params::{Combining, Cutoffs, ModelConfig};
use crate::{Error, Label, Result, Score, Verdict};

const LN_10: f64 = std::f64::consts::LN_10;

/// A naive-Bayes spam model over hashed features, updated online.
///
/// Memory is fixed at `8 · 2^bits` bytes (8 MiB at the default 20 bits) however much it learns.
/// `learn`, `unlearn` and `score` cost O(number of features in the comment).
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub(crate) features: FeatureConfig,
    pub(crate) config: ModelConfig,
    /// Per bucket: `[ham, spam]` counts.
    pub(crate) counts: Vec<[u32; 2]>,
    /// Comments learned per class.
    pub(crate) docs: [u64; 2],
    /// Sum of all counts per class (the multinomial denominators).
    pub(crate) totals: [u64; 2],
    /// Buckets with any count: the effective vocabulary for smoothing in a hashed space.
    pub(crate) nonzero: u64,
}

impl Model {
    /// An empty model for features made with `features`.
    pub fn new(features: FeatureConfig, config: ModelConfig) -> Model {
        Model {
            features,
            config,
            counts: vec![[0, 0]; features.buckets()],
            docs: [0, 0],
            totals: [0, 0],
            nonzero: 0,
        }
    }

    /// A featurizer that produces exactly the features this model was trained on.
    pub fn featurizer(&self) -> Featurizer {
        Featurizer::new(self.features)
    }

    /// The featurizer configuration the model was trained with.
    pub fn feature_config(&self) -> FeatureConfig {
        self.features
    }

    /// The model parameters.
    pub fn config(&self) -> ModelConfig {
        self.config
    }

    /// Comments learned as `label` (net of unlearning).
    pub fn docs(&self, label: Label) -> u64 {
        self.docs[label.index()]
    }

    /// Number of buckets that have been seen at least once.
    pub fn vocabulary(&self) -> u64 {
        self.nonzero
    }

    fn check_range(&self, f: &Features) -> Result<()> {
        match f.ids().last() {
            Some(&max) if max as usize >= self.counts.len() => Err(Error::FeatureOutOfRange {
                id: max,
                buckets: self.counts.len(),
            }),
            _ => Ok(()),
        }
    }

    #[inline]
    fn weight(&self, n: u32) -> u32 {
        if self.config.presence {
            1
        } else {
            n
        }
    }

    /// Learns one comment. Fails only if the features come from a featurizer with a larger space.
    pub fn learn(&mut self, f: &Features, label: Label) -> Result<()> {
        self.check_range(f)?;
        let c = label.index();
        let mut added = 0u64;
        for (id, n) in f.iter() {
            let w = self.weight(n);
            let slot = &mut self.counts[id as usize];
            if slot[0] == 0 && slot[1] == 0 {
                self.nonzero += 1;
            }
            slot[c] = slot[c].saturating_add(w);
            added += u64::from(w);
        }
        self.docs[c] += 1;
        self.totals[c] += added;
        Ok(())
    }

    /// Forgets one comment previously learned as `label` (a moderator's relabel is `unlearn` of the
    /// old label, then `learn` of the new one). Checks first and changes nothing if the comment cannot
    /// have been learned as `label`, so counts never go negative.
    pub fn unlearn(&mut self, f: &Features, label: Label) -> Result<()> {
        self.check_range(f)?;
        let c = label.index();
        let short = self.docs[c] == 0
            || f.iter()
                .any(|(id, n)| self.counts[id as usize][c] < self.weight(n));
        if short {
            return Err(Error::NotLearned { label });
        }
        let mut removed = 0u64;
        for (id, n) in f.iter() {
            let w = self.weight(n);
            let slot = &mut self.counts[id as usize];
            slot[c] -= w;
            if slot[0] == 0 && slot[1] == 0 {
                self.nonzero -= 1;
            }
            removed += u64::from(w);
        }
        self.docs[c] -= 1;
        self.totals[c] = self.totals[c].saturating_sub(removed);
        Ok(())
    }

    /// Learns a batch; equivalent to calling [`Model::learn`] for each item in order.
    pub fn train<'a>(
        &mut self,
        batch: impl IntoIterator<Item = (&'a Features, Label)>,
    ) -> Result<()> {
        for (f, label) in batch {
            self.learn(f, label)?;
        }
        Ok(())
    }

    /// P(spam) and log-odds for a comment's features. Buckets outside the model's space are ignored.
    pub fn score(&self, f: &Features) -> Score {
        match self.config.combining {
            Combining::ChiSquared => self.chi_squared(f),
            Combining::NaiveBayes => {
                let d = self.nonzero.max(1) as f64;
                let [h, s] = self.jll(f, self.config.alpha, d);
                Score::from_log_odds(s - h, f.len() as u32)
            }
        }
    }

    /// Scores and applies `cutoffs`.
    pub fn classify(&self, f: &Features, cutoffs: &Cutoffs) -> (Verdict, Score) {
        let s = self.score(f);
        (cutoffs.verdict(s.p_spam), s)
    }

    /// Multinomial naive Bayes joint log-likelihoods `[ham, spam]`: `ln P(class) + Σ xᵢ ln θ_class,i`
    /// with `θ = (count + α) / (total + α · buckets)`, exactly what `linfa_bayes::MultinomialNb`
    /// computes for a dense matrix with one column per bucket. Feature counts are taken as given.
    pub fn joint_log_likelihood(&self, f: &Features) -> [f64; 2] {
        self.jll(f, self.config.alpha, self.counts.len() as f64)
    }

    fn jll(&self, f: &Features, alpha: f64, d: f64) -> [f64; 2] {
        let total_docs = (self.docs[0] + self.docs[1]).max(1) as f64;
        let mut out = [0.0; 2];
        for (c, o) in out.iter_mut().enumerate() {
            // A class never seen gets a tiny but finite prior so the result stays comparable.
            let prior = (self.docs[c].max(1) as f64 / total_docs).ln();
            let denom = (self.totals[c] as f64 + alpha * d).ln();
            let mut sum = prior;
            for (id, n) in f.iter() {
                let Some(slot) = self.counts.get(id as usize) else {
                    continue;
                };
                sum += f64::from(n) * ((f64::from(slot[c]) + alpha).ln() - denom);
            }
            *o = sum;
        }
        out
    }

    /// Robinson's smoothed probability that a feature means spam, or `None` when it is too close to
    /// 0.5 to count.
    #[inline]
    fn clue(&self, id: u32, nham: f64, nspam: f64) -> Option<f64> {
        let fw = self.smoothed(id, nham, nspam)?;
        ((fw - 0.5).abs() >= self.config.min_dev).then_some(fw)
    }

    /// Robinson's smoothed probability that a feature means spam; `None` outside the model's space.
    #[inline]
    fn smoothed(&self, id: u32, nham: f64, nspam: f64) -> Option<f64> {
        let cfg = &self.config;
        let &[h, s] = self.counts.get(id as usize)?;
        let n = f64::from(h) + f64::from(s);
        let p = if n == 0.0 {
            cfg.robinson_x
        } else {
            let sr = f64::from(s) / nspam;
            let hr = f64::from(h) / nham;
            sr / (sr + hr)
        };
        Some((cfg.robinson_s * cfg.robinson_x + n * p) / (cfg.robinson_s + n))
    }

    /// Each feature's evidence in [`Model::score`], strongest first: what the model learned about it
    /// and how far it pushed the verdict. Allocates; for explanations, not the hot path.
    ///
    /// With chi-squared combining a clue's `weight` is the log-odds of its smoothed P(spam), and
    /// `used` says whether it was among the clues combined (far enough from 0.5, and among the
    /// `max_clues` strongest; between clues equally far from 0.5 the pick may differ from the
    /// score's). With naive Bayes every feature is used and the weights plus the prior log-odds sum
    /// to the score's log-odds.
    pub fn explain(&self, f: &Features) -> Vec<Clue> {
        let (nham, nspam) = (self.docs[0].max(1) as f64, self.docs[1].max(1) as f64);
        let mut out: Vec<Clue> = Vec::with_capacity(f.len());
        for (id, n) in f.iter() {
            let Some(&[ham, spam]) = self.counts.get(id as usize) else {
                continue;
            };
            let (p_spam, weight) = match self.config.combining {
                Combining::ChiSquared => {
                    let fw = self.smoothed(id, nham, nspam).unwrap_or(0.5);
                    (fw, (fw / (1.0 - fw)).ln())
                }
                Combining::NaiveBayes => {
                    let (a, d) = (self.config.alpha, self.nonzero.max(1) as f64);
                    let ln_theta = |c: usize| {
                        (f64::from(self.counts[id as usize][c]) + a).ln()
                            - (self.totals[c] as f64 + a * d).ln()
                    };
                    let w = ln_theta(1) - ln_theta(0);
                    (1.0 / (1.0 + (-w).exp()), f64::from(n) * w)
                }
            };
            out.push(Clue {
                bucket: id,
                count: n,
                ham,
                spam,
                p_spam,
                weight,
                used: false,
            });
        }
        match self.config.combining {
            Combining::NaiveBayes => out.iter_mut().for_each(|c| c.used = true),
            Combining::ChiSquared => {
                let dev = |c: &Clue| (c.p_spam - 0.5).abs();
                out.sort_by(|a, b| dev(b).total_cmp(&dev(a)));
                let cap = match self.config.max_clues as usize {
                    0 => usize::MAX,
                    c => c,
                };
                for c in out
                    .iter_mut()
                    .filter(|c| dev(c) >= self.config.min_dev)
                    .take(cap)
                {
                    c.used = true;
                }
            }
        }
        out.sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()));
        out
    }

    /// Robinson's smoothed per-feature probabilities combined with Fisher's chi-squared method, over
    /// at most `max_clues` of the strongest clues.
    fn chi_squared(&self, f: &Features) -> Score {
        let (nham, nspam) = (self.docs[0].max(1) as f64, self.docs[1].max(1) as f64);
        let cap = self.config.max_clues as usize;
        let mut acc = ChiAcc::default();
        if cap == 0 || f.len() <= cap {
            for &id in f.ids() {
                if let Some(fw) = self.clue(id, nham, nspam) {
                    acc.add(fw);
                }
            }
        } else {
            // Keep the strongest clues: on the stack for comment-sized inputs, on the heap for
            // long texts only.
            let mut stack = [0f64; 128];
            let mut heap = Vec::new();
            let clues: &mut [f64] = if f.len() <= stack.len() {
                let mut n = 0;
                for &id in f.ids() {
                    if let Some(fw) = self.clue(id, nham, nspam) {
                        stack[n] = fw;
                        n += 1;
                    }
                }
                &mut stack[..n]
            } else {
                heap.extend(f.ids().iter().filter_map(|&id| self.clue(id, nham, nspam)));
                &mut heap
            };
            let keep = if clues.len() > cap {
                clues.select_nth_unstable_by(cap, |a, b| {
                    (b - 0.5).abs().total_cmp(&(a - 0.5).abs())
                });
                cap
            } else {
                clues.len()
            };
            for &fw in &clues[..keep] {
                acc.add(fw);
            }
        }
        acc.score()
    }
}

/// One feature's part in a score, from [`Model::explain`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Clue {
    /// The feature's bucket.
    pub bucket: u32,
    /// How often it occurs in the comment.
    pub count: u32,
    /// Training count in ham (comments with it, or occurrences when counting every occurrence).
    pub ham: u32,
    /// Training count in spam.
    pub spam: u32,
    /// P(spam) given this feature alone: Robinson-smoothed for chi-squared combining, the ratio of
    /// the class likelihoods for naive Bayes.
    pub p_spam: f64,
    /// Log-odds it pushes towards spam (positive) or ham (negative).
    pub weight: f64,
    /// Whether it took part in the score.
    pub used: bool,
}

/// Running products of `f` and `1 - f`, rescaled instead of taking a logarithm per feature.
struct ChiAcc {
    prod_h: f64,
    prod_s: f64,
    ln_h: f64,
    ln_s: f64,
    clues: u32,
}

impl Default for ChiAcc {
    fn default() -> Self {
        ChiAcc {
            prod_h: 1.0,
            prod_s: 1.0,
            ln_h: 0.0,
            ln_s: 0.0,
            clues: 0,
        }
    }
}

impl ChiAcc {
    #[inline]
    fn add(&mut self, fw: f64) {
        self.clues += 1;
        self.prod_h *= fw;
        self.prod_s *= 1.0 - fw;
        if self.prod_h < 1e-200 {
            self.prod_h *= 1e200;
            self.ln_h -= 200.0 * LN_10;
        }
        if self.prod_s < 1e-200 {
            self.prod_s *= 1e200;
            self.ln_s -= 200.0 * LN_10;
        }
    }

    fn score(self) -> Score {
        if self.clues == 0 {
            return Score::from_log_odds(0.0, 0);
        }
        let ln_h = self.ln_h + self.prod_h.ln(); // Σ ln f
        let ln_s = self.ln_s + self.prod_s.ln(); // Σ ln (1 - f)
                                                 // Qh small ⇔ strong ham evidence; Qs small ⇔ strong spam evidence. P = (1 + Qh − Qs) / 2.
        let lq_h = ln_chi2q(-2.0 * ln_h, self.clues);
        let lq_s = ln_chi2q(-2.0 * ln_s, self.clues);
        let (q_h, q_s) = (lq_h.exp(), lq_s.exp());
        // num = (1 − Qs) + Qh and den = (1 − Qh) + Qs, each summed in log space so that clear cases
        // keep distinct scores instead of all rounding to exactly 0 or 1.
        let ln_num = ln_add(1.0 - q_s, lq_h);
        let ln_den = ln_add(1.0 - q_h, lq_s);
        Score::from_log_odds(ln_num - ln_den, self.clues)
    }
}

/// ln(a + e^lb) for a ≥ 0, without underflow when a = 0 or e^lb is below f64's range.
fn ln_add(a: f64, lb: f64) -> f64 {
    if a <= 0.0 {
        return lb;
    }
    let la = a.ln();
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    hi + (lo - hi).exp().ln_1p()
}

/// ln of the upper tail of the chi-squared distribution with `2·n` degrees of freedom at `x2`:
/// `Q = e^{-m} Σ_{i<n} m^i / i!` with `m = x2 / 2`, summed with rescaling so long texts (thousands of
/// clues) neither overflow nor underflow.
pub(crate) fn ln_chi2q(x2: f64, n: u32) -> f64 {
    let m = x2 / 2.0;
    if m <= 0.0 {
        return 0.0;
    }
    let (mut term, mut sum, mut scale) = (1.0f64, 1.0f64, 0.0f64);
    for i in 1..n {
        term *= m / f64::from(i);
        sum += term;
        if sum > 1e250 {
            sum *= 1e-250;
            term *= 1e-250;
            scale += 250.0 * LN_10;
        }
    }
    (-m + sum.ln() + scale).min(0.0)
}

impl Label {
    pub(crate) fn index(self) -> usize {
        match self {
            Label::Ham => 0,
            Label::Spam => 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        let fc = FeatureConfig::params().bits(8).check().unwrap();
        Model::new(fc, ModelConfig::default())
    }

    fn f(ids: &[u32]) -> Features {
        Features::from_pairs(ids.iter().map(|&i| (i, 1)))
    }

    #[test]
    fn chi2q_matches_known_values() {
        // Q(x2=2, 2 dof) = e^-1; Q(4, 4 dof) = e^-2 (1 + 2) = 3e^-2.
        assert!((ln_chi2q(2.0, 1) - (-1.0)).abs() < 1e-12);
        assert!((ln_chi2q(4.0, 2) - (3.0f64.ln() - 2.0)).abs() < 1e-12);
        // Huge arguments stay finite and ordered.
        let a = ln_chi2q(20_000.0, 5_000);
        let b = ln_chi2q(30_000.0, 5_000);
        assert!(a.is_finite() && b.is_finite() && b < a && a <= 0.0);
        // Mean of chi2(2n) is 2n: Q there is near 0.5.
        assert!((ln_chi2q(2000.0, 1000).exp() - 0.5).abs() < 0.02);
    }

    #[test]
    fn learns_and_separates() {
        let mut m = model();
        for _ in 0..20 {
            m.learn(&f(&[1, 2, 3]), Label::Spam).unwrap();
            m.learn(&f(&[4, 5, 6]), Label::Ham).unwrap();
        }
        let spam = m.score(&f(&[1, 2, 3, 9]));
        let ham = m.score(&f(&[4, 5, 6]));
        assert!(spam.p_spam > 0.99, "{spam:?}");
        assert!(ham.p_spam < 0.01, "{ham:?}");
        // Both kinds of clue at once: unsure, near 0.5.
        let mixed = m.score(&f(&[1, 2, 3, 4, 5, 6]));
        assert!((mixed.p_spam - 0.5).abs() < 0.05, "{mixed:?}");
        // Nothing known: exactly 0.5.
        assert_eq!(m.score(&f(&[200])).p_spam, 0.5);
        assert!((spam.p_spam - 1.0 / (1.0 + (-spam.log_odds).exp())).abs() < 1e-12);
    }

    #[test]
    fn unlearn_restores_exactly_and_refuses_what_was_never_learned() {
        let mut m = model();
        m.learn(&f(&[1, 2]), Label::Ham).unwrap();
        let before = m.clone();
        m.learn(&f(&[2, 3]), Label::Spam).unwrap();
        m.unlearn(&f(&[2, 3]), Label::Spam).unwrap();
        assert_eq!(m, before);
        assert!(matches!(
            m.unlearn(&f(&[2, 3]), Label::Spam),
            Err(Error::NotLearned { .. })
        ));
        assert!(matches!(
            m.unlearn(&f(&[7]), Label::Ham),
            Err(Error::NotLearned { .. })
        ));
        assert_eq!(m, before, "a refused unlearn changes nothing");
    }

    #[test]
    fn out_of_range_features_are_refused_for_learning_and_ignored_for_scoring() {
        let mut m = model();
        let wide = f(&[1, 5000]);
        assert!(matches!(
            m.learn(&wide, Label::Spam),
            Err(Error::FeatureOutOfRange { .. })
        ));
        assert_eq!(m.docs(Label::Spam), 0);
        assert_eq!(m.score(&wide).p_spam, 0.5);
    }

    #[test]
    fn chunked_online_learning_equals_batch() {
        let items: Vec<(Features, Label)> = (0..50u32)
            .map(|i| {
                let label = if i % 3 == 0 { Label::Spam } else { Label::Ham };
                (f(&[i % 7, 10 + i % 5, 20 + i % 11]), label)
            })
            .collect();
        let mut batch = model();
        batch.train(items.iter().map(|(f, l)| (f, *l))).unwrap();
        let mut online = model();
        for chunk in items.chunks(7) {
            for (f, l) in chunk {
                online.learn(f, *l).unwrap();
            }
        }
        assert_eq!(batch, online);
    }

    #[test]
    fn explain_names_the_clues_that_scored() {
        let mut m = model();
        for _ in 0..20 {
            m.learn(&f(&[1, 2, 3]), Label::Spam).unwrap();
            m.learn(&f(&[4, 5, 6]), Label::Ham).unwrap();
        }
        m.learn(&f(&[7]), Label::Spam).unwrap();
        m.learn(&f(&[7]), Label::Ham).unwrap();
        let x = f(&[1, 4, 7, 9]);
        let clues = m.explain(&x);
        assert_eq!(clues.len(), 4);
        // Strongest first; spam clues push up, ham clues down, neutral ones are left out.
        assert!(clues[0].weight.abs() >= clues[1].weight.abs());
        let by = |id| *clues.iter().find(|c| c.bucket == id).unwrap();
        assert!(by(1).weight > 2.0 && by(1).used && by(1).spam == 20);
        assert!(by(4).weight < -2.0 && by(4).used && by(4).ham == 20);
        assert!(!by(7).used && !by(9).used, "near 0.5: below min_dev");
        assert_eq!(by(9).p_spam, ModelConfig::default().robinson_x());
        let used = clues.iter().filter(|c| c.used).count() as u32;
        assert_eq!(used, m.score(&x).clues);
        // With a clue cap, only the strongest are used.
        let capped = Model {
            config: ModelConfig::params().max_clues(1).check().unwrap(),
            ..m.clone()
        };
        let used: Vec<u32> = capped
            .explain(&x)
            .iter()
            .filter(|c| c.used)
            .map(|c| c.bucket)
            .collect();
        assert_eq!(used.len(), 1);
        assert_eq!(capped.score(&x).clues, 1);
    }

    /// A naive-Bayes model that saw {1, 2} as spam and {3, 4} as ham, five times each.
    fn naive_bayes_model() -> Model {
        let fc = FeatureConfig::params().bits(8).check().unwrap();
        let cfg = ModelConfig::params()
            .combining(Combining::NaiveBayes)
            .check()
            .unwrap();
        let mut m = Model::new(fc, cfg);
        for _ in 0..5 {
            m.learn(&f(&[1, 2]), Label::Spam).unwrap();
            m.learn(&f(&[3, 4]), Label::Ham).unwrap();
        }
        m
    }

    #[test]
    fn naive_bayes_explanation_sums_to_the_score() {
        let mut m = naive_bayes_model();
        m.learn(&f(&[1, 3]), Label::Ham).unwrap();
        let x = Features::from_pairs([(1, 2), (3, 1), (9, 1)]);
        let prior = (m.docs(Label::Spam) as f64 / m.docs(Label::Ham) as f64).ln();
        let sum: f64 = m.explain(&x).iter().map(|c| c.weight).sum();
        assert!((prior + sum - m.score(&x).log_odds).abs() < 1e-9);
    }

    #[test]
    fn naive_bayes_mode_ranks_too() {
        let m = naive_bayes_model();
        assert!(m.score(&f(&[1, 2])).p_spam > 0.9);
        assert!(m.score(&f(&[3, 4])).p_spam < 0.1);
    }
}

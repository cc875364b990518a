//! `ferret eval`: stratified K-fold cross-validation with exact duplicates removed first, and with
//! `--report DIR` an HTML report and `metrics.json`.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::bail;
use clap::Args;
use ferret_bayes::{Label, Verdict};
use ferret_features::{Features, Featurizer};

use crate::explain::{explain, Reason};
use crate::input::{read_labelled_with, Example, InputOpts};
use crate::metrics::{self, Scored};
use crate::report::{self, Report, Worst};
use crate::train::PROGRESS_EVERY;
use crate::{progress, CutoffOpts, ModelOpts};

/// Worst false positives and false negatives shown in the report, each.
const WORST: usize = 20;
/// Contributing tokens shown per worst example.
const WORST_REASONS: usize = 8;

/// Options of `ferret eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Number of folds.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Seed of the fold assignment.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Print one JSON object instead of a report.
    #[arg(long)]
    pub json: bool,
    /// Also write report.html (charts, confusion matrix, worst errors; opens from disk) and
    /// metrics.json (the keys of --json) into this directory, creating it if needed.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// Featurizer and model parameters.
    #[command(flatten)]
    pub opts: ModelOpts,
    /// Decision cutoffs for the unsure and error rates.
    #[command(flatten)]
    pub cutoffs: CutoffOpts,
    /// How inputs are read.
    #[command(flatten)]
    pub input: InputOpts,
    /// Labelled inputs, formats mixed (see `ferret train --help`).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// SplitMix64: a tiny, well-known generator, so fold assignment never changes with a crate upgrade.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// Fold of each example: each class is shuffled and dealt round-robin, so every fold has the same mix.
pub(crate) fn stratified_folds(labels: &[Label], k: usize, seed: u64) -> Vec<usize> {
    let mut rng = SplitMix(seed);
    let mut fold = vec![0; labels.len()];
    for class in [Label::Ham, Label::Spam] {
        let mut idx: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        rng.shuffle(&mut idx);
        for (pos, i) in idx.into_iter().enumerate() {
            fold[i] = pos % k;
        }
    }
    fold
}

pub(crate) fn run(a: EvalArgs) -> anyhow::Result<i32> {
    if a.folds < 2 {
        bail!("--folds must be at least 2, got {}", a.folds);
    }
    let cutoffs = a.cutoffs.cutoffs()?;
    let feature_config = a.opts.empty_model()?.feature_config(); // validates options before reading
    let reading = progress::reading(&a.files);
    let all = read_labelled_with(&a.files, a.opts.mail, &a.input)?;
    reading.finish_and_clear();
    let total = all.len();
    let mut seen = HashSet::new();
    let examples: Vec<Example> = all
        .into_iter()
        .filter(|e| seen.insert(serde_json::to_string(&e.comment).unwrap_or_default()))
        .collect();
    drop(seen);
    let dups = total - examples.len();
    let labels: Vec<Label> = examples.iter().map(|e| e.label).collect();
    let n_spam = labels.iter().filter(|&&l| l == Label::Spam).count();
    let n_ham = labels.len() - n_spam;
    if n_spam < a.folds || n_ham < a.folds {
        bail!("eval needs at least {} spam and {} ham after removing duplicates; found {n_spam} spam and {n_ham} ham", a.folds, a.folds);
    }
    let folds = stratified_folds(&labels, a.folds, a.seed);
    let mut scored = vec![None; examples.len()];
    let (mut train_time, mut classify_time) = (Duration::ZERO, Duration::ZERO);
    let mut unsure = 0usize;
    let mut wrong = 0usize;
    let (mut false_pos, mut false_neg) = (0usize, 0usize);
    let mut verdicts = vec![Verdict::Unsure; examples.len()];
    let mut f = Features::new();
    // Reasons for the worst errors, found per fold while that fold's model exists: the overall
    // worst WORST of each kind are among the union of each fold's worst WORST.
    let mut reasons: HashMap<usize, Vec<Reason>> = HashMap::new();
    let mut tracer = a
        .report
        .is_some()
        .then(|| Featurizer::with_trace(feature_config, Vec::new()));
    let bar = progress::bar((a.folds * examples.len()) as u64, "");
    let mut done = 0usize;
    for k in 0..a.folds {
        bar.set_message(format!("fold {}/{}", k + 1, a.folds));
        let mut model = a.opts.empty_model()?;
        let mut fz = model.featurizer();
        let t = Instant::now();
        for (e, _) in examples.iter().zip(&folds).filter(|(_, &fo)| fo != k) {
            fz.featurize(&e.comment, &mut f);
            model.learn(&f, e.label)?;
            done += 1;
            if done.is_multiple_of(PROGRESS_EVERY) {
                bar.set_position(done as u64);
            }
        }
        train_time += t.elapsed();
        let t = Instant::now();
        for (i, e) in examples.iter().enumerate().filter(|(i, _)| folds[*i] == k) {
            fz.featurize(&e.comment, &mut f);
            let (verdict, s) = model.classify(&f, &cutoffs);
            let spam = e.label == Label::Spam;
            scored[i] = Some(Scored {
                log_odds: s.log_odds,
                p_spam: s.p_spam,
                spam,
            });
            verdicts[i] = verdict;
            done += 1;
            if done.is_multiple_of(PROGRESS_EVERY) {
                bar.set_position(done as u64);
            }
            match (verdict, spam) {
                (Verdict::Unsure, _) => unsure += 1,
                (Verdict::Spam, false) => {
                    wrong += 1;
                    false_pos += 1;
                }
                (Verdict::Ham, true) => {
                    wrong += 1;
                    false_neg += 1;
                }
                _ => {}
            }
        }
        classify_time += t.elapsed();
        if let Some(tracer) = tracer.as_mut() {
            let in_fold: Vec<usize> = (0..examples.len()).filter(|&i| folds[i] == k).collect();
            let key = |i: usize| scored[i].map_or(0.0, |s| s.log_odds);
            for i in worst(&in_fold, &labels, key) {
                let (_, mut r) = explain(&model, tracer, &examples[i].comment, &mut f);
                r.retain(|r| r.clue.used);
                r.truncate(WORST_REASONS);
                reasons.insert(i, r);
            }
        }
    }
    bar.finish_and_clear();
    let scored: Vec<Scored> = scored
        .into_iter()
        .map(|s| s.expect("every example is in one fold"))
        .collect();
    let n = scored.len();
    let bin = metrics::binary(&scored, 0.5);
    let auc = metrics::auc(&scored);
    let e1 = metrics::escalation(&scored, 0.01);
    let e05 = metrics::escalation(&scored, 0.005);
    let train_seconds = train_time.as_secs_f64() / a.folds as f64;
    let classify_per_second = n as f64 / classify_time.as_secs_f64().max(1e-9);
    let metrics_json = serde_json::json!({
            "n": n,
            "accuracy": bin.accuracy,
            "precision": bin.precision,
            "recall": bin.recall,
            "f1": bin.f1,
            "auc": auc,
            "unsure_rate": unsure as f64 / n as f64,
            "error_rate": wrong as f64 / n as f64,
            "escalation_at_1pct": e1.share,
            "escalation_at_0_5pct": e05.share,
            "train_seconds": train_seconds,
            "classify_per_second": classify_per_second,
    });
    if let Some(dir) = &a.report {
        let all: Vec<usize> = (0..n).collect();
        let mut worst_of = |spam: bool| -> Vec<Worst> {
            worst(&all, &labels, |i| scored[i].log_odds)
                .into_iter()
                .filter(|&i| (labels[i] == Label::Spam) == spam)
                .map(|i| Worst {
                    p_spam: scored[i].p_spam,
                    verdict: verdicts[i],
                    text: examples[i].comment.content().to_owned(),
                    source: a.files[examples[i].source].display().to_string(),
                    reasons: reasons.remove(&i).unwrap_or_default(),
                })
                .collect()
        };
        let (worst_fp, worst_fn) = (worst_of(false), worst_of(true));
        let page = report::write(
            dir,
            &Report {
                metrics: &metrics_json,
                files: &a.files,
                folds: a.folds,
                seed: a.seed,
                duplicates: dups,
                cutoffs,
                scored: &scored,
                worst_fp,
                worst_fn,
            },
        )?;
        eprintln!("ferret: wrote {} and metrics.json", page.display());
    }
    if a.json {
        println!("{metrics_json}");
        return Ok(0);
    }
    let pct = |x: f64| format!("{:.2} %", 100.0 * x);
    println!(
        "ferret eval: {n} comments ({n_spam} spam, {n_ham} ham) after removing {dups} exact duplicates; \
         stratified {}-fold, seed {}",
        a.folds, a.seed
    );
    println!("  ROC AUC                      {auc:.4}");
    println!(
        "  at P(spam) >= 0.5            accuracy {:.4}  precision {:.4}  recall {:.4}  F1 {:.4}",
        bin.accuracy, bin.precision, bin.recall, bin.f1
    );
    println!(
        "  at cutoffs {:.2} / {:.2}       unsure {}  error {} ({false_pos} ham called spam, {false_neg} spam called ham)",
        cutoffs.ham(),
        cutoffs.spam(),
        pct(unsure as f64 / n as f64),
        pct(wrong as f64 / n as f64)
    );
    for (label, b) in [("1 %", e1), ("0.5 %", e05)] {
        println!(
            "  escalation for error <= {label:<5} {} ({} comments; band P in [{:.4}, {:.4}), {} errors left)",
            pct(b.share),
            b.escalated,
            b.lo,
            b.hi,
            b.errors
        );
    }
    println!(
        "  train {train_seconds:.3} s per fold; classify {classify_per_second:.0} comments/s (featurize + score, one thread)"
    );
    if a.files.len() > 1 {
        // The pooled figures also judge calibration across sources; these judge each source alone.
        for (src, path) in a.files.iter().enumerate() {
            let part: Vec<Scored> = scored
                .iter()
                .zip(&examples)
                .filter(|(_, e)| e.source == src)
                .map(|(s, _)| *s)
                .collect();
            if part.iter().all(|s| s.spam) || part.iter().all(|s| !s.spam) {
                continue;
            }
            println!(
                "  {}: n {}  AUC {:.4}  escalation for error <= 0.5 % {}",
                path.display(),
                part.len(),
                metrics::auc(&part),
                pct(metrics::escalation(&part, 0.005).share)
            );
        }
    }
    Ok(0)
}

/// Of the examples `among`, the WORST hams with the highest `key` (most spam-like), highest first,
/// then the WORST spams with the lowest, lowest first.
fn worst(among: &[usize], labels: &[Label], key: impl Fn(usize) -> f64) -> Vec<usize> {
    let mut ham: Vec<usize> = among
        .iter()
        .copied()
        .filter(|&i| labels[i] == Label::Ham)
        .collect();
    let mut spam: Vec<usize> = among
        .iter()
        .copied()
        .filter(|&i| labels[i] == Label::Spam)
        .collect();
    // Index as tie-break, so the choice never depends on the sort's stability.
    ham.sort_by(|&x, &y| key(y).total_cmp(&key(x)).then(x.cmp(&y)));
    spam.sort_by(|&x, &y| key(x).total_cmp(&key(y)).then(x.cmp(&y)));
    ham.truncate(WORST);
    spam.truncate(WORST);
    ham.extend(spam);
    ham
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_stratified_and_seeded() {
        let labels: Vec<Label> = (0..103)
            .map(|i| if i % 5 == 0 { Label::Spam } else { Label::Ham })
            .collect();
        let f = stratified_folds(&labels, 5, 7);
        for k in 0..5 {
            let spam = (0..103)
                .filter(|&i| f[i] == k && labels[i] == Label::Spam)
                .count();
            assert!((4..=5).contains(&spam), "fold {k} has {spam} spam");
        }
        assert_eq!(f, stratified_folds(&labels, 5, 7));
        assert_ne!(f, stratified_folds(&labels, 5, 8));
    }
}

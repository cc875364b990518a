//! `ferret explain`: the tokens and features that pushed one comment's verdict, with their weights.
//!
//! The featurizer hashes tokens and keeps no text, so an explanation featurizes the comment again
//! with a tracing featurizer (same features, plus each token's kind and text) and joins the tokens
//! to the model's per-feature [`Clue`]s by bucket.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use ferret_bayes::{Clue, Cutoffs, Model, Score, Verdict};
use ferret_features::{Comment, Features, Featurizer, Token};

use crate::check::load_model;
use crate::input::{read_as_mail, Record};
use crate::CutoffOpts;

/// Options of `ferret explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Model file [default: $FERRET_MODEL, else the shipped models/default.ferret].
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// The comment text to explain.
    #[arg(long, required_unless_present = "comment", conflicts_with = "comment")]
    pub text: Option<String>,
    /// A whole comment as one JSON object ("text" or Akismet's fields: author, e-mail, URL, IP, …).
    #[arg(long)]
    pub comment: Option<String>,
    /// Show at most this many features (0: all).
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Treat the text as a raw e-mail: keep subject and readable body, drop the headers.
    #[arg(long)]
    pub mail: bool,
    /// Decision cutoffs.
    #[command(flatten)]
    pub cutoffs: CutoffOpts,
}

/// One feature of an explanation: the model's clue and the tokens hashed into its bucket (more than
/// one only when tokens collide in the hashed space).
#[derive(Clone, Debug)]
pub(crate) struct Reason {
    pub clue: Clue,
    /// `(kind, text)` of each distinct token in the bucket.
    pub tokens: Vec<(String, String)>,
}

impl Reason {
    /// The tokens as one label: `word "free"`, or several joined by ` | `.
    pub fn label(&self) -> String {
        let mut s = String::new();
        for (i, (kind, text)) in self.tokens.iter().enumerate() {
            if i > 0 {
                s.push_str(" | ");
            }
            let _ = write!(s, "{kind} {text:?}");
        }
        if s.is_empty() {
            let _ = write!(s, "bucket {}", self.clue.bucket);
        }
        s
    }
}

/// Scores `comment` and explains the score: reasons strongest first.
pub(crate) fn explain(
    model: &Model,
    fz: &mut Featurizer<Vec<Token>>,
    comment: &Comment,
    features: &mut Features,
) -> (Score, Vec<Reason>) {
    fz.featurize(comment, features);
    let score = model.score(features);
    let mut by_bucket: HashMap<u32, Vec<(String, String)>> = HashMap::new();
    for t in fz.trace() {
        let v = by_bucket.entry(t.bucket).or_default();
        let kind = t.kind.to_string();
        if !v.iter().any(|(k, x)| *k == kind && *x == t.text) {
            v.push((kind, t.text.clone()));
        }
    }
    let reasons = model
        .explain(features)
        .into_iter()
        .map(|clue| Reason {
            tokens: by_bucket.remove(&clue.bucket).unwrap_or_default(),
            clue,
        })
        .collect();
    (score, reasons)
}

pub(crate) fn run(a: ExplainArgs) -> anyhow::Result<i32> {
    let cutoffs = a.cutoffs.cutoffs()?;
    let mut comment = match (&a.text, &a.comment) {
        (Some(t), _) => Comment::from_text(t),
        (None, Some(json)) => {
            Record::parse(json)
                .map_err(|e| anyhow::anyhow!(e))
                .context("--comment")?
                .comment
        }
        (None, None) => unreachable!("clap requires --text or --comment"),
    };
    if a.mail {
        read_as_mail(&mut comment);
    }
    let model = load_model(a.model.as_deref())?;
    let mut fz = Featurizer::with_trace(model.feature_config(), Vec::new());
    let mut features = Features::new();
    let (score, reasons) = explain(&model, &mut fz, &comment, &mut features);
    let verdict = cutoffs.verdict(score.p_spam);
    let shown = if a.top == 0 {
        reasons.len()
    } else {
        a.top.min(reasons.len())
    };
    if a.json {
        let features_json: Vec<_> = reasons[..shown]
            .iter()
            .map(|r| {
                serde_json::json!({
                    "weight": r.clue.weight,
                    "p_spam": r.clue.p_spam,
                    "ham": r.clue.ham,
                    "spam": r.clue.spam,
                    "count": r.clue.count,
                    "used": r.clue.used,
                    "bucket": r.clue.bucket,
                    "tokens": r.tokens.iter().map(|(k, t)| serde_json::json!({"kind": k, "text": t})).collect::<Vec<_>>(),
                })
            })
            .collect();
        let v = serde_json::json!({
            "verdict": verdict.as_str(),
            "p_spam": score.p_spam,
            "log_odds": score.log_odds,
            "clues": score.clues,
            "n_features": features.len(),
            "features": features_json,
        });
        println!("{v}");
        return Ok(0);
    }
    print!(
        "{}",
        table(verdict, score, &cutoffs, &reasons[..shown], reasons.len())
    );
    Ok(0)
}

fn table(verdict: Verdict, s: Score, c: &Cutoffs, shown: &[Reason], total: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "verdict {}  P(spam) {:.6}  log-odds {:+.2}  (cutoffs {} / {}; {} of {total} features combined)",
        verdict.as_str(),
        s.p_spam,
        s.log_odds,
        c.ham(),
        c.spam(),
        s.clues,
    );
    let _ = writeln!(
        out,
        "{:>8}  {:>8}  {:>7}  {:>7}  {:<4}  token",
        "weight", "P(spam)", "ham", "spam", "used"
    );
    for r in shown {
        let _ = writeln!(
            out,
            "{:>+8.2}  {:>8.4}  {:>7}  {:>7}  {:<4}  {}",
            r.clue.weight,
            r.clue.p_spam,
            r.clue.ham,
            r.clue.spam,
            if r.clue.used { "yes" } else { "no" },
            r.label()
        );
    }
    if shown.len() < total {
        let _ = writeln!(
            out,
            "({} weaker features not shown; --top 0 shows all)",
            total - shown.len()
        );
    }
    out.push_str(
        "weight: log-odds towards spam (+) or ham (-); ham/spam: training comments with the feature\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferret_bayes::{Label, ModelConfig};
    use ferret_features::FeatureConfig;

    #[test]
    fn reasons_name_the_tokens_that_decided() {
        let mut model = Model::new(FeatureConfig::default(), ModelConfig::default());
        let mut plain = model.featurizer();
        let mut f = Features::new();
        for _ in 0..10 {
            for (t, l) in [
                ("claim your free prize now", Label::Spam),
                ("see you at lunch tomorrow", Label::Ham),
            ] {
                plain.featurize_text(t, &mut f);
                model.learn(&f, l).unwrap();
            }
        }
        let mut fz = Featurizer::with_trace(model.feature_config(), Vec::new());
        let c = Comment::from_text("free prize at lunch");
        let (score, reasons) = explain(&model, &mut fz, &c, &mut f);
        assert_eq!(score, model.score(&plain.features(&c)));
        let find = |text: &str| {
            reasons
                .iter()
                .find(|r| r.tokens.iter().any(|(k, t)| k == "word" && t == text))
                .unwrap_or_else(|| panic!("{text} not in {reasons:#?}"))
        };
        assert!(find("free").clue.weight > 0.0 && find("free").clue.used);
        assert!(find("lunch").clue.weight < 0.0);
        assert!(find("prize").label().contains("word \"prize\""));
        assert!(reasons
            .windows(2)
            .all(|w| w[0].clue.weight.abs() >= w[1].clue.weight.abs()));
        let t = table(
            Verdict::Unsure,
            score,
            &Cutoffs::default(),
            &reasons[..3],
            reasons.len(),
        );
        assert!(t.contains("weaker features not shown"), "{t}");
    }
}

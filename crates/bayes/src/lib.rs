//! Stage two of Ferret's pipeline: features in, P(spam) out, learning online from every answer.
//!
//! - [`Model`] keeps per-bucket ham/spam counts over the hashed feature space of
//!   [`ferret_features`]. [`Model::learn`] and [`Model::unlearn`] (a moderator's relabel is
//!   `unlearn` + `learn`) cost O(features); [`Model::train`] is the batch form.
//! - [`Model::score`] gives a [`Score`]: P(spam) and its log-odds. [`Cutoffs`] turn it into a
//!   three-way [`Verdict`]: ham, unsure (escalate) or spam.
//! - [`Model::explain`] lists each feature's [`Clue`]: its training counts, its P(spam) and how far
//!   it pushed the score (`ferret explain` joins these to the featurizer's traced token text).
//! - [`Model::joint_log_likelihood`] is plain multinomial naive Bayes, equal to
//!   `linfa_bayes::MultinomialNb`'s (a test checks this), for reference and comparison.
//! - [`Model::save`] / [`Model::load`] use a versioned, checksummed file written atomically; see
//!   [`mod@file`] for the layout.
//!
//! ```
//! use ferret_bayes::{Cutoffs, Label, Model, ModelConfig, Verdict};
//! use ferret_features::{Comment, FeatureConfig, Features};
//!
//! let mut model = Model::new(FeatureConfig::default(), ModelConfig::default());
//! let mut fz = model.featurizer();
//! let mut f = Features::new();
//! for (text, label) in [
//!     ("WINNER!! Claim your FREE prize now, txt WIN to 87121", Label::Spam),
//!     ("URGENT! You have won a cash prize, call 09061701461", Label::Spam),
//!     ("Are we still on for lunch tomorrow?", Label::Ham),
//!     ("Thanks for the recipe, the bread came out great", Label::Ham),
//! ] {
//!     fz.featurize(&Comment::from_text(text), &mut f);
//!     model.learn(&f, label).unwrap();
//! }
//! fz.featurize(&Comment::from_text("Claim your FREE cash prize now!!"), &mut f);
//! let (verdict, score) = model.classify(&f, &Cutoffs::default());
//! assert!(score.p_spam > 0.5);
//! assert_ne!(verdict, Verdict::Ham);
//! ```
//!
//! # Why chi-squared combining, and why Robinson smoothing
//! Multinomial naive Bayes multiplies hundreds of dependent likelihoods and is therefore almost always
//! sure: its errors sit at P ≈ 0 or 1 where no unsure band can catch them. Following SpamBayes and
//! bogofilter, each feature's P(spam) is smoothed towards a prior (Robinson: `f = (s·x + n·p)/(s + n)`),
//! near-neutral features are dropped, and the rest are combined with Fisher's method into separate
//! spam and ham evidence; the score `(1 + Q_ham − Q_spam)/2` sits near 0.5 both when nothing is known
//! and when strong clues disagree, which is where the errors are. Robinson's smoothing has no
//! vocabulary-size term, so it stays sound in a 2^20-bucket hashed space, where Laplace smoothing over
//! every bucket drowns the signal. Everything is computed in log space so long texts neither overflow
//! nor collapse to exactly 0 or 1, and the log-odds keep ranking clear cases.
#![deny(missing_docs)]

pub mod file;
mod model;
mod params;

use std::path::PathBuf;

pub use model::{Clue, Model};
pub use params::{Combining, Cutoffs, ModelConfig, ModelParams};

/// A training label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Label {
    /// Legitimate.
    Ham,
    /// Spam.
    Spam,
}

impl Label {
    /// `"ham"` or `"spam"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Ham => "ham",
            Label::Spam => "spam",
        }
    }
}

impl std::str::FromStr for Label {
    type Err = Error;
    fn from_str(s: &str) -> Result<Label> {
        match s {
            "ham" => Ok(Label::Ham),
            "spam" => Ok(Label::Spam),
            other => Err(Error::BadLabel {
                found: other.chars().take(40).collect(),
            }),
        }
    }
}

/// The three-way decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Confidently legitimate.
    Ham,
    /// Not sure: ask someone who knows (Akismet, a moderator).
    Unsure,
    /// Confidently spam.
    Spam,
}

impl Verdict {
    /// `"ham"`, `"unsure"` or `"spam"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ham => "ham",
            Verdict::Unsure => "unsure",
            Verdict::Spam => "spam",
        }
    }
}

/// A model's judgement of one comment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Score {
    /// P(spam) in [0, 1]; with chi-squared combining, 0.5 means "no idea" or "conflicting clues".
    pub p_spam: f64,
    /// `ln(p_spam / (1 − p_spam))`, finite, and still ordered where `p_spam` rounds to 0 or 1.
    pub log_odds: f64,
    /// How many features carried evidence.
    pub clues: u32,
}

impl Score {
    fn from_log_odds(log_odds: f64, clues: u32) -> Score {
        let log_odds = if log_odds.is_nan() {
            0.0
        } else {
            log_odds.clamp(-1e6, 1e6)
        };
        Score {
            p_spam: 1.0 / (1.0 + (-log_odds).exp()),
            log_odds,
            clues,
        }
    }
}

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A model parameter is out of range.
    #[error("model parameter {name} = {value} is out of range {range}")]
    InvalidParam {
        /// Parameter name.
        name: &'static str,
        /// The value given.
        value: f64,
        /// The allowed range.
        range: &'static str,
    },
    /// Cutoffs must satisfy `0 ≤ ham ≤ spam ≤ 1`.
    #[error("cutoffs ham = {ham}, spam = {spam} are invalid: need 0 <= ham <= spam <= 1")]
    InvalidCutoffs {
        /// The ham cutoff given.
        ham: f64,
        /// The spam cutoff given.
        spam: f64,
    },
    /// A label other than `spam` or `ham`.
    #[error("label {found:?} is neither \"spam\" nor \"ham\"")]
    BadLabel {
        /// What was found (first 40 characters).
        found: String,
    },
    /// Features from a featurizer with a larger hashed space than the model's.
    #[error("feature bucket {id} is outside the model's {buckets} buckets: featurize with Model::featurizer()")]
    FeatureOutOfRange {
        /// The offending bucket.
        id: u32,
        /// The model's number of buckets.
        buckets: usize,
    },
    /// `unlearn` of a comment the model cannot have learned with that label.
    #[error("cannot unlearn: this comment was never learned as {}", label.as_str())]
    NotLearned {
        /// The label it was to be unlearned from.
        label: Label,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A model-file error, with the file it came from.
    #[error("model file {}: {source}", path.display())]
    InFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: Box<Error>,
    },
    /// The bytes are not a Ferret model at all.
    #[error("not a Ferret model (wrong magic bytes); models are written by `ferret train`")]
    NotAModel,
    /// The file ends early.
    #[error("truncated: {len} bytes, expected {expected}; copy the file again or retrain")]
    Truncated {
        /// Bytes present.
        len: u64,
        /// Bytes the header promises (or the minimum).
        expected: u64,
    },
    /// The file is damaged.
    #[error("corrupt ({what}); restore it from a backup or retrain")]
    Corrupt {
        /// What check failed.
        what: &'static str,
    },
    /// Written by a newer Ferret.
    #[error("model format version {found} is newer than this Ferret reads ({supported}); upgrade Ferret")]
    TooNew {
        /// Version in the file.
        found: u16,
        /// Newest version this build reads.
        supported: u16,
    },
    /// Trained with another tokenizer: its buckets mean different things.
    #[error("trained with tokenizer version {found} but this Ferret tokenizes with version {supported}; retrain it with `ferret train`")]
    FeatureVersion {
        /// Version in the file.
        found: u16,
        /// This build's version.
        supported: u16,
    },
}

/// This crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

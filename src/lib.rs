//! Ferret: local-first comment spam filtering with budgeted Akismet fallback.
//!
//! This facade re-exports the pipeline's crates: [`features`] (a comment becomes hashed features),
//! [`bayes`] (features become P(spam), learning online), [`akismet`] (the Akismet client and its
//! fake), [`store`] (the SQLite store: history, ledger, learn log), [`router`] (the product:
//! [`Ferret`] decides locally, escalates unsure comments to Akismet within the budget, learns from
//! feedback) and [`cli`] (the `ferret` command line).
//!
//! An app embeds [`Ferret`]; see the README's "Embed it in your app" for an axum handler.
//!
//! ```
//! use ferret::bayes::{Cutoffs, Label, Model, ModelConfig};
//! use ferret::features::{Comment, FeatureConfig};
//!
//! let mut model = Model::new(FeatureConfig::default(), ModelConfig::default());
//! let mut fz = model.featurizer();
//! model.learn(&fz.features(&Comment::from_text("cheap pills, buy now")), Label::Spam).unwrap();
//! model.learn(&fz.features(&Comment::from_text("see you at lunch")), Label::Ham).unwrap();
//! let score = model.score(&fz.features(&Comment::from_text("buy cheap pills")));
//! assert!(score.p_spam > 0.5);
//! let _ = Cutoffs::default().verdict(score.p_spam);
//! ```
#![deny(missing_docs)]

pub use ferret_akismet as akismet;
pub use ferret_bayes as bayes;
pub use ferret_cli as cli;
pub use ferret_features as features;
pub use ferret_features::Comment;
pub use ferret_router as router;
pub use ferret_router::{Config, Decision, Ferret, Source, Verdict};
pub use ferret_store as store;

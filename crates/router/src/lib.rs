//! The top of Ferret's pipeline below the CLI: confident enough, or spend budget?
//!
//! [`Ferret`] decides every comment locally in microseconds and escalates only the unsure ones to
//! Akismet, within a monthly budget it never exceeds; when Akismet is unreachable it holds them for
//! moderation and rechecks them later; every moderator correction and every Akismet answer teaches
//! the local model, so escalations fall over time.
//!
//! - [`Ferret::check`] / [`Ferret::check_blocking`] → [`Decision`]: a [`Verdict`] (ham, spam,
//!   held, discard), P(spam), the [`Source`] (model, akismet, fallback, …), a [`Reason`] and a
//!   [`CheckId`] for later feedback.
//! - [`Ferret::submit_spam`] / [`Ferret::submit_ham`]: durable first, learned at once, then
//!   reported to Akismet with the as-submitted snapshot (queued while Akismet is unreachable).
//! - [`Ferret::recheck`] drains the recheck queue (`recheck_reason=retry`) and the report queue.
//! - [`Config`] is the whole configuration (what `ferret.toml` holds); [`Pacer`] is the budget
//!   arithmetic, [`Breaker`] the circuit breaker, [`Clock`] the injectable time.
//!
//! ```
//! use ferret_router::{Config, Ferret, Source, Verdict};
//! use ferret_features::Comment;
//!
//! let dir = tempfile::tempdir().unwrap();
//! // A new store with an empty model and no Akismet key: unsure comments are held.
//! let config = Config { db: dir.path().join("ferret.db"), ..Config::default() };
//! let ferret = Ferret::open(config).unwrap();
//!
//! let comment = Comment::from_text("Cheap watches, visit my site");
//! let d = ferret.check_blocking(&comment).unwrap();
//! assert_eq!((d.verdict, d.source), (Verdict::Held, Source::Model));
//!
//! // A moderator marks it as spam: the model learns it at once.
//! ferret.submit_spam_blocking(d.check_id).unwrap();
//! let again = ferret.check_blocking(&comment).unwrap();
//! assert!(again.p_spam > d.p_spam);
//! ```
//!
//! # Design
//! - **Hot path.** A confident decision costs featurize + score + one bounded-channel send; the
//!   history row is written by a background thread in batched transactions. Only unsure comments
//!   touch SQLite on the caller's thread, because the budget must be reserved before the call.
//! - **Budget.** Every Akismet call is counted in the ledger *before* it is made, in one
//!   `BEGIN IMMEDIATE` transaction, so the monthly limit holds across threads, processes and
//!   restarts. [`Pacer`] spreads the month's calls and narrows the unsure band as headroom shrinks,
//!   so scarce calls go to the least certain comments.
//! - **Crash safety.** Every model update is appended to the store's learn log in the same
//!   transaction as the decision it came from, then applied in memory. On open, the model is the
//!   newest snapshot plus the log after it; kill -9 at any point loses nothing committed.
//! - **Several processes** may share one store: ids carry a random per-process prefix, the ledger
//!   is transactional, and each process applies the learn log in order (its own and the others').
#![deny(missing_docs)]

mod breaker;
mod clock;
mod codec;
mod config;
mod decision;
mod ferret;
mod history;
mod pacing;

pub use breaker::{Breaker, BreakerConfig, Permit, State as BreakerState};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{
    parse_limit, AkismetSettings, BreakerSettings, BudgetSettings, Config, DurabilitySetting,
    LearningSettings, PrivacySettings, RecheckSettings, Secret,
};
pub use decision::{
    CheckId, Decision, ErrorKind, Feedback, Reason, ReportStatus, Source, Target, Verdict,
};
pub use ferret::{Ferret, FerretBuilder, RecheckReport, StatsReport};
pub use pacing::Pacer;

/// Decodes features stored by the router (for tools that read the store directly).
pub fn decode_features(bytes: &[u8]) -> Option<ferret_features::Features> {
    codec::decode(bytes)
}

/// Everything that can go wrong in the router.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting is invalid.
    #[error("config {key}: {problem}")]
    Config {
        /// The setting.
        key: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] ferret_store::Error),
    /// A model could not be loaded.
    #[error("{what}: {source}")]
    Model {
        /// Which model.
        what: String,
        /// Why.
        #[source]
        source: ferret_bayes::Error,
    },
    /// The Akismet client could not be built or a direct call failed.
    #[error(transparent)]
    Akismet(ferret_akismet::Error),
    /// Feedback named a check the store does not know.
    #[error("no such {target} in the store")]
    UnknownCheck {
        /// What was asked for.
        target: String,
    },
    /// A string that is not a check id.
    #[error("{given:?} is not a check id (32 hex digits)")]
    BadCheckId {
        /// The string given.
        given: String,
    },
    /// The local rules could not be built (a bad list entry, regex or file).
    #[error("rules: {0}")]
    Rules(#[from] ferret_rules::RulesError),
    /// The background history writer failed.
    #[error("history writer: {0}")]
    History(String),
    /// A thread or runtime could not be started.
    #[error("could not start a thread: {0}")]
    Thread(String),
}

/// Result with the router's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

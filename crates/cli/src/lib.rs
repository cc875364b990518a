//! The top of Ferret's pipeline: the `ferret` command line (`train`, `check`, `eval`, `explain`, and
//! the store commands `feedback`, `stats`, `recheck`, `retrain`, `history`, `purge`).
//!
//! The binary's `main` parses [`Cli`] and calls [`run`], which returns the process exit code:
//! 0 success; 1 the run finished but some input lines were bad (each got an error line); 2 a fatal
//! error (unreadable model, missing file, bad option). Output goes to stdout as JSON lines; messages
//! and progress go to stderr (progress bars only on a terminal, never in pipes or CI). A closed
//! stdout (`ferret check … | head`) ends the run quietly.
//!
//! ```
//! use clap::Parser;
//! use ferret_cli::Cli;
//!
//! let cli = Cli::try_parse_from(["ferret", "check", "--model", "m.ferret", "--text", "hello"]).unwrap();
//! assert!(matches!(cli.command, ferret_cli::Command::Check(_)));
//! ```
//!
//! Option structs are parsed by clap and turned into checked library configurations
//! ([`ferret_features::FeatureConfig`], [`ferret_bayes::ModelConfig`], [`ferret_bayes::Cutoffs`])
//! before any work starts, so a bad value fails at once with the option's name.
#![deny(missing_docs)]

mod check;
mod eval;
mod explain;
pub mod input;
pub mod metrics;
mod progress;
mod report;
pub mod site;
mod train;

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use ferret_bayes::{Combining, Cutoffs, Model, ModelConfig};
use ferret_features::FeatureConfig;

pub use check::CheckArgs;
pub use eval::EvalArgs;
pub use explain::ExplainArgs;
pub use train::TrainArgs;

/// Local-first comment spam filtering.
#[derive(Debug, Parser)]
#[command(name = "ferret", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a model from labelled JSONL files and write it.
    Train(TrainArgs),
    /// Classify comments (JSONL file, standard input or --text) and print one JSON line each.
    Check(CheckArgs),
    /// Stratified K-fold cross-validation on labelled JSONL files (--report DIR: HTML report).
    Eval(EvalArgs),
    /// Show the tokens and features that pushed one comment's verdict, with their weights.
    Explain(ExplainArgs),
    /// Tell the store a comment is spam or ham: learned at once, reported to Akismet.
    Feedback(site::FeedbackArgs),
    /// This month's Akismet calls, escalation rate and verdict mix.
    Stats(site::StatsArgs),
    /// Recheck comments held while Akismet was unavailable, and send queued reports.
    Recheck(site::StoreOnly),
    /// Rebuild the store's model from a base corpus (or its seed model) plus all feedback.
    Retrain(site::RetrainArgs),
    /// A comment's decision and events.
    History(site::HistoryArgs),
    /// Delete as-submitted snapshots and history older than privacy.retain_days.
    Purge(site::StoreOnly),
}

/// Runs a parsed command line and returns the exit code.
pub fn run(cli: Cli) -> i32 {
    let result = match cli.command {
        Command::Train(a) => train::run(a),
        Command::Check(a) => check::run(a),
        Command::Eval(a) => eval::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Feedback(a) => site::feedback(a),
        Command::Stats(a) => site::stats(a),
        Command::Recheck(a) => site::recheck(a),
        Command::Retrain(a) => site::retrain(a),
        Command::History(a) => site::history(a),
        Command::Purge(a) => site::purge(a),
    };
    match result {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => 0,
        Err(e) => {
            let _ = writeln!(io::stderr(), "ferret: error: {e:#}");
            2
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// How evidence is combined (see `ferret_bayes::Combining`).
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum CombiningOpt {
    /// Robinson/Fisher chi-squared combining (default).
    Chi2,
    /// Plain multinomial naive Bayes posterior.
    Nb,
}

/// Featurizer and model parameters for `train` and `eval`.
#[derive(Debug, Clone, Args)]
pub struct ModelOpts {
    /// log2 of the number of hash buckets (8..=24); the model takes 8 bytes per bucket in memory.
    #[arg(long, default_value_t = 20)]
    pub bits: u8,
    /// Do not add word bigrams.
    #[arg(long)]
    pub no_bigrams: bool,
    /// Text past this many bytes is not tokenized.
    #[arg(long, default_value_t = 65536)]
    pub max_text_bytes: u32,
    /// How per-feature evidence is combined.
    #[arg(long, value_enum, default_value_t = CombiningOpt::Chi2)]
    pub combining: CombiningOpt,
    /// Robinson's strength s: how much a rarely seen feature is pulled towards x.
    #[arg(long, default_value_t = ModelConfig::default().robinson_s())]
    pub robinson_s: f64,
    /// Robinson's x: P(spam) assumed for an unseen feature.
    #[arg(long, default_value_t = ModelConfig::default().robinson_x())]
    pub robinson_x: f64,
    /// Ignore features whose smoothed P(spam) is within this distance of 0.5.
    #[arg(long, default_value_t = ModelConfig::default().min_dev())]
    pub min_dev: f64,
    /// Combine at most this many of the strongest clues per comment (0: all).
    #[arg(long, default_value_t = ModelConfig::default().max_clues())]
    pub max_clues: u32,
    /// Count every occurrence of a feature instead of once per comment.
    #[arg(long)]
    pub counts: bool,
    /// Treat each text as a raw e-mail: keep subject and readable body, drop the headers.
    #[arg(long)]
    pub mail: bool,
}

impl ModelOpts {
    /// Checks the options and builds an empty model.
    pub fn empty_model(&self) -> anyhow::Result<Model> {
        let fc = FeatureConfig::params()
            .bits(self.bits)
            .bigrams(!self.no_bigrams)
            .max_text_bytes(self.max_text_bytes)
            .check()
            .context("--bits / --max-text-bytes")?;
        let mc = ModelConfig::params()
            .combining(match self.combining {
                CombiningOpt::Chi2 => Combining::ChiSquared,
                CombiningOpt::Nb => Combining::NaiveBayes,
            })
            .robinson_s(self.robinson_s)
            .robinson_x(self.robinson_x)
            .min_dev(self.min_dev)
            .presence(!self.counts)
            .max_clues(self.max_clues)
            .check()
            .context("model options")?;
        Ok(Model::new(fc, mc))
    }
}

/// The ham/spam cutoffs.
#[derive(Debug, Clone, Args)]
pub struct CutoffOpts {
    /// P(spam) below this is ham.
    #[arg(long, default_value_t = Cutoffs::default().ham())]
    pub ham_cutoff: f64,
    /// P(spam) at or above this is spam; in between is unsure.
    #[arg(long, default_value_t = Cutoffs::default().spam())]
    pub spam_cutoff: f64,
}

impl CutoffOpts {
    /// Checked cutoffs.
    pub fn cutoffs(&self) -> anyhow::Result<Cutoffs> {
        Cutoffs::new(self.ham_cutoff, self.spam_cutoff).context("--ham-cutoff / --spam-cutoff")
    }
}

/// Where the shipped default model lives: `$FERRET_MODEL`, else `models/default.ferret` in the
/// source tree this binary was built from.
pub fn default_model_path() -> PathBuf {
    match std::env::var_os("FERRET_MODEL") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../models/default.ferret"
        )),
    }
}

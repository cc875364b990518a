//! `ferret train`: labelled comments in (any importer format, mixed), model file out, streamed.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use ferret_bayes::Label;
use ferret_features::Features;

use crate::input::{for_each_labelled, require_both_classes, InputOpts};
use crate::{progress, ModelOpts};

/// Comments between progress-bar updates: often enough to look live, rare enough to cost nothing.
pub(crate) const PROGRESS_EVERY: usize = 4096;

/// Options of `ferret train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Where to write the model (replaced atomically).
    #[arg(long)]
    pub model: PathBuf,
    /// Featurizer and model parameters.
    #[command(flatten)]
    pub opts: ModelOpts,
    /// How inputs are read.
    #[command(flatten)]
    pub input: InputOpts,
    /// Inputs, formats mixed: JSONL, WordPress WXR, wp_comments CSV/SQL dump, WP-CLI JSON/CSV,
    /// Disqus XML, mbox, maildir, CSV/TSV corpora (`-` is standard input).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

pub(crate) fn run(a: TrainArgs) -> anyhow::Result<i32> {
    let mut model = a.opts.empty_model()?;
    let start = Instant::now();
    let mut fz = model.featurizer();
    let mut f = Features::new();
    // Training streams its inputs, so the count is not known ahead: a counter with the rate.
    let bar = progress::counter(&a.files, "training");
    let mut n = 0usize;
    let totals = for_each_labelled(&a.files, a.opts.mail, &a.input, |rec, _| {
        fz.featurize(&rec.comment, &mut f);
        model.learn(&f, rec.label)?;
        n += 1;
        if n.is_multiple_of(PROGRESS_EVERY) {
            bar.set_position(n as u64);
        }
        Ok(())
    })?;
    bar.finish_and_clear();
    require_both_classes(totals)?;
    model
        .save(&a.model)
        .with_context(|| format!("writing {}", a.model.display()))?;
    eprintln!(
        "ferret: trained on {} ham + {} spam in {:.2} s; {} buckets used; wrote {}",
        model.docs(Label::Ham),
        model.docs(Label::Spam),
        start.elapsed().as_secs_f64(),
        model.vocabulary(),
        a.model.display()
    );
    Ok(0)
}

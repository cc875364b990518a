//! `ferret train`: labelled JSONL in, model file out.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use ferret_bayes::Label;
use ferret_features::Features;

use crate::input::read_labelled;
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
    /// JSONL files: one object per line with "label": "spam"|"ham" and "text" or Akismet's fields.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

pub(crate) fn run(a: TrainArgs) -> anyhow::Result<i32> {
    let mut model = a.opts.empty_model()?;
    let start = Instant::now();
    let reading = progress::reading(&a.files);
    let examples = read_labelled(&a.files, a.opts.mail)?;
    reading.finish_and_clear();
    let mut fz = model.featurizer();
    let mut f = Features::new();
    let bar = progress::bar(examples.len() as u64, "training");
    for (i, ex) in examples.iter().enumerate() {
        fz.featurize(&ex.comment, &mut f);
        model.learn(&f, ex.label)?;
        if i.is_multiple_of(PROGRESS_EVERY) {
            bar.set_position(i as u64);
        }
    }
    bar.finish_and_clear();
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

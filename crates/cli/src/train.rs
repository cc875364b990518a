//! `ferret train`: labelled JSONL in, model file out.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use ferret_bayes::Label;
use ferret_features::Features;

use crate::input::read_labelled;
use crate::ModelOpts;

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
    let examples = read_labelled(&a.files, a.opts.mail)?;
    let mut fz = model.featurizer();
    let mut f = Features::new();
    for ex in &examples {
        fz.featurize(&ex.comment, &mut f);
        model.learn(&f, ex.label)?;
    }
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

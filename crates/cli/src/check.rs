//! `ferret check`: comments in (JSONL, stdin or `--text`), one JSON verdict line out per comment, in
//! input order. Lines are parsed and scored by worker threads in batches; output order is kept.

use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use ferret_bayes::{Cutoffs, Model};
use ferret_features::{Comment, Features, Featurizer};

use crate::input::{open, source_name, Lines, Record};
use crate::{default_model_path, CutoffOpts};

/// Lines per batch handed to the workers.
const BATCH_LINES: usize = 8192;

/// Options of `ferret check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Model file [default: $FERRET_MODEL, else the shipped models/default.ferret].
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Classify this text instead of reading JSONL.
    #[arg(long, conflicts_with = "file")]
    pub text: Option<String>,
    /// JSONL file of comments ("text" or Akismet's fields, optional "id"); - or nothing reads stdin.
    pub file: Option<PathBuf>,
    /// Decision cutoffs.
    #[command(flatten)]
    pub cutoffs: CutoffOpts,
    /// Worker threads [default: available cores, at most 8].
    #[arg(long)]
    pub threads: Option<usize>,
    /// Treat each text as a raw e-mail: keep subject and readable body, drop the headers.
    #[arg(long)]
    pub mail: bool,
}

/// Loads `--model`, or the default model with advice when it is missing.
pub(crate) fn load_model(path: Option<&Path>) -> anyhow::Result<Model> {
    match path {
        Some(p) => Ok(Model::load(p)?),
        None => {
            let p = default_model_path();
            if !p.exists() {
                anyhow::bail!(
                    "no --model given and the default model {} does not exist; \
                     pass --model PATH or set FERRET_MODEL (models/README.md shows how to build it)",
                    p.display()
                );
            }
            Ok(Model::load(&p)?)
        }
    }
}

/// Per-thread scoring state.
struct Worker<'m> {
    model: &'m Model,
    cutoffs: Cutoffs,
    mail: bool,
    fz: Featurizer,
    features: Features,
    out: String,
    errors: u64,
}

impl Worker<'_> {
    fn score_comment(&mut self, comment: &Comment, id: &dyn Fn(&mut String)) {
        self.fz.featurize(comment, &mut self.features);
        let (verdict, score) = self.model.classify(&self.features, &self.cutoffs);
        self.out.push_str("{\"id\":");
        id(&mut self.out);
        let _ = writeln!(
            self.out,
            ",\"verdict\":\"{}\",\"p_spam\":{},\"source\":\"model\"}}",
            verdict.as_str(),
            fmt_p(score.p_spam)
        );
    }

    fn line(&mut self, line_no: u64, line: Result<&str, &str>) {
        let rec = line.map_err(str::to_owned).and_then(Record::parse);
        match rec {
            Ok(mut rec) => {
                if self.mail {
                    if let Some(raw) = rec.comment.comment_content.take() {
                        rec.comment.comment_content = Some(ferret_features::mail::mail_text(&raw));
                    }
                }
                let id = rec.id.take();
                self.score_comment(&rec.comment, &|out: &mut String| match &id {
                    Some(v) => out.push_str(&serde_json::to_string(v).unwrap_or_default()),
                    None => {
                        let _ = write!(out, "{line_no}");
                    }
                });
            }
            Err(msg) => {
                self.errors += 1;
                let _ = writeln!(
                    self.out,
                    "{{\"id\":{line_no},\"error\":{}}}",
                    serde_json::to_string(&msg).unwrap_or_default()
                );
            }
        }
    }
}

/// P(spam) with enough digits to keep near-certain scores apart, without float noise.
fn fmt_p(p: f64) -> String {
    let s = format!("{p:.9}");
    let s = s.trim_end_matches('0');
    s.strip_suffix('.').unwrap_or(s).to_owned()
}

/// A line of a batch: its number, and its byte span in the batch's text or why it is unusable.
type Item = (u64, Result<(usize, usize), String>);

/// A batch of lines: their text in one buffer, and per line its number and span or error.
#[derive(Default)]
struct Batch {
    text: String,
    items: Vec<Item>,
}

pub(crate) fn run(a: CheckArgs) -> anyhow::Result<i32> {
    let cutoffs = a.cutoffs.cutoffs()?;
    let model = load_model(a.model.as_deref())?;
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let new_worker = || Worker {
        model: &model,
        cutoffs,
        mail: a.mail,
        fz: model.featurizer(),
        features: Features::new(),
        out: String::new(),
        errors: 0,
    };
    if let Some(text) = &a.text {
        let mut w = new_worker();
        let mut comment = Comment::from_text(text.as_str());
        if a.mail {
            comment.comment_content = Some(ferret_features::mail::mail_text(text));
        }
        w.score_comment(&comment, &|o: &mut String| o.push('1'));
        out.write_all(w.out.as_bytes())?;
        out.flush()?;
        return Ok(0);
    }
    let path = a.file.clone().unwrap_or_else(|| PathBuf::from("-"));
    let threads = a
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get().min(8)))
        .max(1);
    let mut workers: Vec<Worker> = (0..threads).map(|_| new_worker()).collect();
    let mut lines = Lines::new(open(&path)?, path.clone());
    let name = source_name(&path);
    let mut batch = Batch::default();
    let mut errors = 0u64;
    loop {
        batch.text.clear();
        batch.items.clear();
        while batch.items.len() < BATCH_LINES && batch.text.len() < 8 << 20 {
            let Some((no, line)) = lines
                .next_line()
                .with_context(|| format!("reading {name}"))?
            else {
                break;
            };
            match line {
                Ok(l) if l.trim().is_empty() => {}
                Ok(l) => {
                    let start = batch.text.len();
                    batch.text.push_str(l);
                    batch.items.push((no, Ok((start, batch.text.len()))));
                }
                Err(e) => batch.items.push((no, Err(e))),
            }
        }
        if batch.items.is_empty() {
            break;
        }
        let per = batch.items.len().div_ceil(threads);
        let text = batch.text.as_str();
        std::thread::scope(|s| {
            for (w, chunk) in workers.iter_mut().zip(batch.items.chunks(per)) {
                s.spawn(move || {
                    for (no, item) in chunk {
                        match item {
                            Ok((a, b)) => w.line(*no, Ok(&text[*a..*b])),
                            Err(e) => w.line(*no, Err(e)),
                        }
                    }
                });
            }
        });
        for w in &mut workers {
            out.write_all(w.out.as_bytes())?;
            w.out.clear();
            errors += std::mem::take(&mut w.errors);
        }
    }
    out.flush()?;
    if errors > 0 {
        eprintln!("ferret: {errors} input line(s) of {name} could not be checked (see their \"error\" fields)");
        return Ok(1);
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::fmt_p;

    #[test]
    fn probabilities_print_compactly() {
        assert_eq!(fmt_p(0.5), "0.5");
        assert_eq!(fmt_p(1.0), "1");
        assert_eq!(fmt_p(0.0), "0");
        assert_eq!(fmt_p(0.123456789123), "0.123456789");
    }
}

//! `ferret check`: comments in (JSONL, stdin or `--text`), one JSON verdict line out per comment, in
//! input order. Lines are parsed and scored by worker threads in batches; output order is kept.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};

use anyhow::Context;
use clap::Args;
use ferret_bayes::{Cutoffs, Model};
use ferret_features::{Comment, Features, Featurizer};

use crate::input::{open, read_as_mail, source_name, Lines, Record};
use crate::{default_model_path, CutoffOpts};

/// Lines per batch handed to a worker.
const BATCH_LINES: usize = 4096;
/// Text per batch; with the bounded queues this keeps memory flat on huge inputs.
const BATCH_BYTES: usize = 1 << 20;

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
    /// Start a new store (--db) from an empty model instead of --model (a cold start).
    #[arg(long, conflicts_with = "model")]
    pub empty_model: bool,
    /// Route through a store (--db or ferret.toml): budgeted Akismet escalation, history, feedback.
    #[command(flatten)]
    pub store: crate::site::StoreOpts,
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
    fn score_comment(&mut self, comment: &Comment, id: Option<&serde_json::Value>, line_no: u64) {
        self.fz.featurize(comment, &mut self.features);
        self.write_verdict(id, line_no);
    }

    /// Scores `self.features` and appends the verdict line; the id is `id` as given, or the line
    /// number.
    fn write_verdict(&mut self, id: Option<&serde_json::Value>, line_no: u64) {
        let (verdict, score) = self.model.classify(&self.features, &self.cutoffs);
        self.out.push_str("{\"id\":");
        match id {
            Some(v) => self
                .out
                .push_str(&serde_json::to_string(v).unwrap_or_default()),
            None => {
                let _ = write!(self.out, "{line_no}");
            }
        }
        let _ = write!(
            self.out,
            ",\"verdict\":\"{}\",\"p_spam\":",
            verdict.as_str()
        );
        push_p(&mut self.out, score.p_spam);
        self.out.push_str(",\"source\":\"model\"}\n");
    }

    fn line(&mut self, line_no: u64, line: Result<&str, &str>) {
        // Fast path: a plain {"id", "text"} line needs no Comment (serde's flatten, which the full
        // record uses, buffers the whole object first).
        if let (false, Ok(l)) = (self.mail, line) {
            if let Ok(Plain { id, text, .. }) = serde_json::from_str::<Plain>(l) {
                self.fz.featurize_text(&text, &mut self.features);
                self.write_verdict(id.as_ref(), line_no);
                return;
            }
        }
        let rec = line.map_err(str::to_owned).and_then(Record::parse);
        match rec {
            Ok(mut rec) => {
                if self.mail {
                    read_as_mail(&mut rec.comment);
                }
                self.score_comment(&rec.comment, rec.id.as_ref(), line_no);
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

/// A line with nothing but an id, a text and perhaps a label (ignored by `check`).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Plain<'a> {
    #[serde(default)]
    id: Option<serde_json::Value>,
    #[serde(borrow)]
    text: std::borrow::Cow<'a, str>,
    #[serde(default, rename = "label")]
    _label: Option<serde::de::IgnoredAny>,
}

/// Appends P(spam) with enough digits to keep near-certain scores apart, without float noise and
/// without a temporary string.
fn push_p(out: &mut String, p: f64) {
    let start = out.len();
    let _ = write!(out, "{p:.9}");
    let trimmed = out[start..].trim_end_matches('0').len();
    out.truncate(start + trimmed);
    if out.ends_with('.') {
        out.pop();
    }
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
    if a.store.wanted() || a.empty_model {
        return crate::site::check(a);
    }
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
            read_as_mail(&mut comment);
        }
        w.score_comment(&comment, None, 1);
        out.write_all(w.out.as_bytes())?;
        out.flush()?;
        return Ok(0);
    }
    let path = a.file.clone().unwrap_or_else(|| PathBuf::from("-"));
    let threads = a
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get().min(8)))
        .max(1);
    let name = source_name(&path);
    let lines = Lines::new(open(&path)?, path.clone());
    let errors = pipeline(lines, threads, new_worker, &mut out, &name)?;
    out.flush()?;
    if errors > 0 {
        eprintln!("ferret: {errors} input line(s) of {name} could not be checked (see their \"error\" fields)");
        return Ok(1);
    }
    Ok(0)
}

/// Reads batches on one thread, scores whole batches on `threads` workers and writes the results in
/// input order on the calling thread, so reading, scoring and writing overlap. Queues are bounded,
/// so memory stays flat however long the input. Returns the number of bad lines.
///
/// Shutdown: a failed write (a closed pipe) returns early and drops the result queue, so workers
/// stop at their next send; when the last worker is gone the batch queue's receiver is dropped and
/// the reader stops at its next send. A read error ends the input; what was read is still written.
fn pipeline<'m, R: std::io::BufRead + Send>(
    mut lines: Lines<R>,
    threads: usize,
    new_worker: impl Fn() -> Worker<'m> + Sync,
    out: &mut impl Write,
    name: &str,
) -> anyhow::Result<u64> {
    let (batch_tx, batch_rx) = mpsc::sync_channel::<(u64, Batch)>(threads);
    let batch_rx = Arc::new(Mutex::new(batch_rx));
    let (done_tx, done_rx) = mpsc::sync_channel::<(u64, String, u64)>(threads);
    std::thread::scope(|s| {
        let reader = s.spawn(move || -> anyhow::Result<()> {
            for seq in 0.. {
                let batch = read_batch(&mut lines).with_context(|| format!("reading {name}"))?;
                if batch.items.is_empty() || batch_tx.send((seq, batch)).is_err() {
                    break;
                }
            }
            Ok(())
        });
        for _ in 0..threads {
            let rx = Arc::clone(&batch_rx);
            let tx = done_tx.clone();
            let new_worker = &new_worker;
            s.spawn(move || {
                let mut w = new_worker();
                // The guard is a temporary: the lock is held only while waiting for a batch.
                while let Ok((seq, batch)) =
                    rx.lock().map_err(drop).and_then(|r| r.recv().map_err(drop))
                {
                    for (no, item) in &batch.items {
                        match item {
                            Ok((a, b)) => w.line(*no, Ok(&batch.text[*a..*b])),
                            Err(e) => w.line(*no, Err(e)),
                        }
                    }
                    let out = std::mem::take(&mut w.out);
                    if tx.send((seq, out, std::mem::take(&mut w.errors))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(batch_rx);
        drop(done_tx);
        let mut pending = BTreeMap::new();
        let (mut next, mut errors) = (0u64, 0u64);
        for (seq, text, bad) in done_rx {
            pending.insert(seq, (text, bad));
            while let Some((text, bad)) = pending.remove(&next) {
                out.write_all(text.as_bytes())?;
                errors += bad;
                next += 1;
            }
        }
        reader
            .join()
            .map_err(|_| anyhow::anyhow!("the reader thread panicked"))??;
        Ok(errors)
    })
}

/// Up to [`BATCH_LINES`] lines or [`BATCH_BYTES`] of text; blank lines are skipped.
fn read_batch<R: std::io::BufRead>(lines: &mut Lines<R>) -> io::Result<Batch> {
    let mut batch = Batch::default();
    while batch.items.len() < BATCH_LINES && batch.text.len() < BATCH_BYTES {
        let Some((no, line)) = lines.next_line()? else {
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
    Ok(batch)
}

#[cfg(test)]
mod tests {
    use super::push_p;

    #[test]
    fn probabilities_print_compactly() {
        for (p, text) in [
            (0.5, "0.5"),
            (1.0, "1"),
            (0.0, "0"),
            (0.123456789123, "0.123456789"),
            (0.1, "0.1"),
        ] {
            let mut out = String::from("x:");
            push_p(&mut out, p);
            assert_eq!(out, format!("x:{text}"));
        }
    }
}

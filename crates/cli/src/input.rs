//! Input: JSONL records for `check` (one per line, read without trusting the bytes: invalid UTF-8,
//! NUL bytes, huge lines and bad JSON become per-line errors that name the file and line), and
//! labelled examples for `train` / `eval` in any format `ferret_import` reads, mixed in one call.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use ferret_import::{Format, Import, ImportOptions, Labelled};

use ferret_bayes::Label;
use ferret_features::Comment;
use serde::Deserialize;
use serde_json::Value;

/// Longest line accepted; longer ones are an error for that line (the text cap is far smaller).
pub const MAX_LINE_BYTES: usize = 32 << 20;

/// One input record: an optional id and label, and either `text` or Akismet's comment fields.
#[derive(Debug, Deserialize)]
pub struct Record {
    /// The caller's id, echoed back as given.
    #[serde(default)]
    pub id: Option<Value>,
    /// `"spam"` or `"ham"` (required for training).
    #[serde(default)]
    pub label: Option<String>,
    /// The comment text, when the record is not in Akismet's field names.
    #[serde(default)]
    pub text: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub comment: Comment,
}

impl Record {
    /// Parses one line; `text` fills `comment_content` when that is absent.
    pub fn parse(line: &str) -> Result<Record, String> {
        let mut r: Record = serde_json::from_str(line).map_err(|e| {
            let mut s = e.to_string();
            if s.contains("surrogate") || s.contains("hex escape") {
                s.push_str(
                    " (JSON strings must be valid Unicode: no lone surrogates in \\u escapes)",
                );
            }
            s
        })?;
        if r.comment.comment_content.is_none() {
            r.comment.comment_content = r.text.take();
        }
        Ok(r)
    }

    /// The label, or an error naming the field.
    pub fn label(&self) -> Result<Label, String> {
        match self.label.as_deref() {
            None => Err("field \"label\" is missing (expected \"spam\" or \"ham\")".into()),
            Some(s) => s
                .parse::<Label>()
                .map_err(|e| format!("field \"label\": {e}")),
        }
    }
}

/// Where lines come from, for error messages.
pub fn source_name(path: &Path) -> String {
    if path == Path::new("-") {
        "<stdin>".into()
    } else {
        path.display().to_string()
    }
}

/// Opens a file, or standard input for `-`.
pub fn open(path: &Path) -> anyhow::Result<Box<dyn BufRead + Send>> {
    if path == Path::new("-") {
        return Ok(Box::new(BufReader::with_capacity(1 << 16, io::stdin())));
    }
    let f = File::open(path).map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
    Ok(Box::new(BufReader::with_capacity(1 << 16, f)))
}

/// Reads lines of at most [`MAX_LINE_BYTES`] with their 1-based numbers: `Ok(text)` for a line,
/// `Err(msg)` for a line that cannot be used; `None` at the end. Reuses one buffer.
pub struct Lines<R> {
    reader: R,
    buf: Vec<u8>,
    /// 1-based number of the line last returned.
    pub line_no: u64,
    /// The file name, for errors.
    pub name: PathBuf,
}

impl<R: BufRead> Lines<R> {
    /// Wraps a reader.
    pub fn new(reader: R, name: PathBuf) -> Self {
        Lines {
            reader,
            buf: Vec::with_capacity(4096),
            line_no: 0,
            name,
        }
    }

    /// The next line; blank lines are returned too (callers skip them).
    pub fn next_line(&mut self) -> io::Result<Option<(u64, Result<&str, String>)>> {
        self.buf.clear();
        let n = (&mut self.reader)
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(None);
        }
        self.line_no += 1;
        if self.buf.len() > MAX_LINE_BYTES && self.buf.last() != Some(&b'\n') {
            // Skip the rest of the overlong line.
            let mut sink = Vec::new();
            loop {
                sink.clear();
                let m = (&mut self.reader)
                    .take(1 << 20)
                    .read_until(b'\n', &mut sink)?;
                if m == 0 || sink.last() == Some(&b'\n') {
                    break;
                }
            }
            let msg = format!("line is longer than {} MiB", MAX_LINE_BYTES >> 20);
            return Ok(Some((self.line_no, Err(msg))));
        }
        while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
            self.buf.pop();
        }
        match std::str::from_utf8(&self.buf) {
            Ok(s) => Ok(Some((self.line_no, Ok(s)))),
            Err(e) => Ok(Some((
                self.line_no,
                Err(format!("invalid UTF-8 at byte {}", e.valid_up_to())),
            ))),
        }
    }
}

/// `--mail`: replaces the comment text, a raw e-mail, by its subject and readable body.
pub fn read_as_mail(comment: &mut Comment) {
    if let Some(raw) = comment.comment_content.take() {
        comment.comment_content = Some(ferret_features::mail::mail_text(&raw));
    }
}

/// A labelled example read for training or evaluation.
pub struct Example {
    /// The comment.
    pub comment: Comment,
    /// Its label.
    pub label: Label,
    /// Index of the file it came from in the list given.
    pub source: usize,
}

/// A label given on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LabelOpt {
    /// Spam.
    Spam,
    /// Ham (legitimate).
    Ham,
}

impl From<LabelOpt> for Label {
    fn from(l: LabelOpt) -> Label {
        match l {
            LabelOpt::Spam => Label::Spam,
            LabelOpt::Ham => Label::Ham,
        }
    }
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse::<Format>().map_err(|e| e.to_string())
}

/// How `train` and `eval` read their inputs (see datasets/README.md for each format).
#[derive(Debug, Clone, Default, Args)]
pub struct InputOpts {
    /// Read every input as this format instead of guessing from its content: wxr, disqus, csv, tsv,
    /// sql, json (WP-CLI), jsonl, mbox, maildir, eml.
    #[arg(long, value_parser = parse_format)]
    pub format: Option<Format>,
    /// Import WordPress pending (held) comments with this label instead of skipping them.
    #[arg(long, value_enum)]
    pub pending_as: Option<LabelOpt>,
    /// Import trashed (WordPress) or deleted (Disqus) comments with this label instead of skipping them.
    #[arg(long, value_enum)]
    pub trash_as: Option<LabelOpt>,
    /// Label for records whose input carries none (mail outside a spam/ham folder, CSV without a
    /// label column); without it such a record is an error.
    #[arg(long, value_enum)]
    pub unlabelled_as: Option<LabelOpt>,
    /// CSV/TSV column holding the text: a header name or a 1-based number.
    #[arg(long)]
    pub text_col: Option<String>,
    /// CSV/TSV column holding the label: a header name or a 1-based number.
    #[arg(long)]
    pub label_col: Option<String>,
    /// Label-column value meaning spam (case-insensitive); any other non-empty value is ham.
    #[arg(long, default_value = "spam")]
    pub spam_value: String,
    /// List examples of skipped records for each input.
    #[arg(long)]
    pub verbose: bool,
}

impl InputOpts {
    /// The importer's options.
    pub fn import_options(&self) -> ImportOptions {
        ImportOptions::new()
            .format(self.format)
            .pending_as(self.pending_as.map(Label::from))
            .trash_as(self.trash_as.map(Label::from))
            .unlabelled_as(self.unlabelled_as.map(Label::from))
            .text_col(self.text_col.clone())
            .label_col(self.label_col.clone())
            .spam_value(self.spam_value.clone())
    }
}

/// Metadata fields whose presence is compared between the classes.
const COVERAGE_FIELDS: [&str; 7] = [
    "user_agent",
    "user_ip",
    "comment_author_email",
    "comment_author_url",
    "comment_type",
    "blog_lang",
    "referrer",
];

/// How often each metadata field is set, per class: a field present in one class only (a WXR
/// export has no user agent, a WP-CLI spam export may have one) teaches the model the export, not
/// the comments.
#[derive(Default)]
struct Coverage {
    n: [u64; 2],
    set: [[u64; 7]; 2],
}

impl Coverage {
    fn add(&mut self, c: &Comment, label: Label) {
        let k = (label == Label::Spam) as usize;
        self.n[k] += 1;
        let fields = [
            &c.user_agent,
            &c.user_ip,
            &c.comment_author_email,
            &c.comment_author_url,
            &c.comment_type,
            &c.blog_lang,
            &c.referrer,
        ];
        for (i, f) in fields.iter().enumerate() {
            self.set[k][i] += f.is_some() as u64;
        }
    }

    fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.n[0] < 10 || self.n[1] < 10 {
            return out;
        }
        for (i, name) in COVERAGE_FIELDS.iter().enumerate() {
            let ham = self.set[0][i] as f64 / self.n[0] as f64;
            let spam = self.set[1][i] as f64 / self.n[1] as f64;
            if (ham - spam).abs() > 0.5 {
                out.push(format!(
                    "warning: {name} is set on {:.0} % of ham but {:.0} % of spam: the model will learn which \
                     export a comment came from. Export both classes with the same fields (see datasets/README.md)",
                    100.0 * ham,
                    100.0 * spam
                ));
            }
        }
        out
    }
}

/// What reading the inputs found, in total.
#[derive(Debug, Default, Clone, Copy)]
pub struct Totals {
    /// Imported ham.
    pub ham: u64,
    /// Imported spam.
    pub spam: u64,
}

/// Streams every labelled record of `paths` (any mix of formats) to `f`, one [`Labelled`] reused
/// throughout; prints one summary line per input (and skipped examples with `--verbose`) to stderr.
/// The first malformed record is an error naming file and line.
pub fn for_each_labelled(
    paths: &[PathBuf],
    mail: bool,
    opts: &InputOpts,
    mut f: impl FnMut(&Labelled, usize) -> anyhow::Result<()>,
) -> anyhow::Result<Totals> {
    let iopts = opts.import_options();
    let mut rec = Labelled::default();
    let mut totals = Totals::default();
    let mut coverage = Coverage::default();
    for (source, path) in paths.iter().enumerate() {
        let mut import = Import::open(path, &iopts)?;
        let format = import.format();
        while import.next_into(&mut rec)? {
            if mail && !format.is_mail() {
                read_as_mail(&mut rec.comment);
            }
            coverage.add(&rec.comment, rec.label);
            f(&rec, source)?;
        }
        let stats = import.stats();
        totals.ham += stats.ham;
        totals.spam += stats.spam;
        eprintln!("ferret: {} ({format}): {stats}", import.name());
        if let Some(hint) = stats.hint().filter(|_| format == Format::Wxr) {
            eprintln!("ferret: {}: {hint}", import.name());
        }
        if opts.verbose {
            for (reason, example) in &stats.examples {
                eprintln!("  skipped ({}): {example}", reason.name());
            }
        }
    }
    for w in coverage.warnings() {
        eprintln!("ferret: {w}");
    }
    Ok(totals)
}

/// Refuses a one-class training set, saying where the missing class can come from.
pub fn require_both_classes(t: Totals) -> anyhow::Result<()> {
    if t.ham > 0 && t.spam > 0 {
        return Ok(());
    }
    let (has, lacks) = if t.spam == 0 {
        ("ham", "spam")
    } else {
        ("spam", "ham")
    };
    anyhow::bail!(
        "refusing to train a one-class model: the inputs hold {} {has} and no {lacks}. {}",
        t.ham + t.spam,
        if t.spam == 0 {
            "WordPress's exporter (Tools → Export) leaves spam out: export it with \
             `wp comment list --status=spam --format=json --fields=...` or dump the wp_comments table, \
             and pass that file too (see datasets/README.md)"
        } else {
            "pass approved comments too (a WXR export, or `wp comment list --status=approve`)"
        }
    )
}

/// Reads every labelled record of `paths` with the default input options.
pub fn read_labelled(paths: &[PathBuf], mail: bool) -> anyhow::Result<Vec<Example>> {
    read_labelled_with(
        paths,
        mail,
        &InputOpts {
            spam_value: "spam".into(),
            ..InputOpts::default()
        },
    )
}

/// Reads every labelled record of `paths` (any mix of formats) into memory, for `eval`.
pub fn read_labelled_with(
    paths: &[PathBuf],
    mail: bool,
    opts: &InputOpts,
) -> anyhow::Result<Vec<Example>> {
    let mut out = Vec::new();
    for_each_labelled(paths, mail, opts, |rec, source| {
        out.push(Example {
            comment: rec.comment.clone(),
            label: rec.label,
            source,
        });
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(bytes: &[u8]) -> Vec<Result<String, String>> {
        let mut l = Lines::new(bytes, "t".into());
        let mut v = Vec::new();
        while let Some((_, x)) = l.next_line().unwrap() {
            v.push(x.map(str::to_owned));
        }
        v
    }

    #[test]
    fn reads_lines_and_flags_bad_utf8() {
        let v = lines(b"a\r\n\xff\xfe\nlast");
        assert_eq!(v[0].as_deref(), Ok("a"));
        assert!(v[1]
            .as_ref()
            .unwrap_err()
            .contains("invalid UTF-8 at byte 0"));
        assert_eq!(v[2].as_deref(), Ok("last"));
    }

    #[test]
    fn records_accept_text_or_comment_fields() {
        let r = Record::parse(r#"{"id":7,"label":"spam","text":"hi"}"#).unwrap();
        assert_eq!(r.comment.content(), "hi");
        assert_eq!(r.label().unwrap(), Label::Spam);
        let r = Record::parse(r#"{"comment_content":"c","comment_author":"a"}"#).unwrap();
        assert_eq!(r.comment.content(), "c");
        assert!(r.label().unwrap_err().contains("\"label\" is missing"));
        for lone in [r#"{"text":"\ud800"}"#, r#"{"text":"a\udc00b"}"#] {
            let e = Record::parse(lone).unwrap_err();
            assert!(e.contains("valid Unicode"), "{e}");
        }
        let e = Record::parse(r#"{"label":"eggs","text":"x"}"#)
            .unwrap()
            .label()
            .unwrap_err();
        assert!(e.contains("eggs"), "{e}");
    }
}

//! Before the pipeline: a site's own moderation history becomes labelled [`Comment`]s.
//!
//! A site that switches to Ferret already owns the best training data there is, in whatever format
//! its software exports. This crate reads those formats as streams of [`Labelled`] comments for
//! `ferret train` and `ferret eval`:
//!
//! | [`Format`] | what | label from |
//! |---|---|---|
//! | `wxr` | WordPress Tools → Export (`wp:` RSS) | `wp:comment_approved` (`1` ham, `spam`, `0` pending, `trash`) |
//! | `csv`, `tsv` | `wp_comments` as CSV, `wp comment list --format=csv`, corpora | `comment_approved`, or `--label-col` / `--spam-value` |
//! | `sql` | mysqldump / phpMyAdmin INSERTs into `wp_comments` | `comment_approved` |
//! | `json` | `wp comment list --format=json` (a JSON array) | `comment_approved` or `label` |
//! | `jsonl` | Ferret's own format, one object per line | `label` |
//! | `disqus` | Disqus XML export | `<isSpam>`, `<isDeleted>` (as trash) |
//! | `mbox`, `maildir`, `eml` | mail: mbox files, maildir or one-file-per-message folders, one message | folder or file name (`spam`, `junk`, `ham`, …) |
//!
//! [`Import::open`] sniffs the format from the first bytes (overridable with
//! [`ImportOptions::format`]) and yields [`Labelled`] records, counting what it read, imported and
//! skipped (and why) in [`Stats`]. Malformed input is an [`ImportError`] naming the file and the line
//! or byte offset; no input makes a reader panic (a property test feeds random bytes to each).
//!
//! ```
//! use ferret_bayes::Label;
//! use ferret_import::{Format, Import, ImportOptions};
//!
//! let wxr = r#"<?xml version="1.0"?><rss xmlns:wp="http://wordpress.org/export/1.2/"><channel>
//!   <item><link>https://example.org/bread/</link>
//!     <wp:comment><wp:comment_author><![CDATA[Ann]]></wp:comment_author>
//!       <wp:comment_content><![CDATA[Lovely crumb!]]></wp:comment_content>
//!       <wp:comment_approved>1</wp:comment_approved></wp:comment>
//!     <wp:comment><wp:comment_content>awaiting moderation</wp:comment_content>
//!       <wp:comment_approved>0</wp:comment_approved></wp:comment>
//!   </item></channel></rss>"#;
//! let mut import = Import::from_reader(wxr.as_bytes(), "site.xml", &ImportOptions::new()).unwrap();
//! assert_eq!(import.format(), Format::Wxr);
//! let first = import.next().unwrap().unwrap();
//! assert_eq!(first.label, Label::Ham);
//! assert_eq!(first.comment.comment_author.as_deref(), Some("Ann"));
//! assert_eq!(first.comment.permalink.as_deref(), Some("https://example.org/bread/"));
//! assert!(import.next().is_none()); // the pending comment is skipped unless pending_as is set
//! assert_eq!(import.stats().skipped_for(ferret_import::SkipReason::Pending), 1);
//! ```
//!
//! # Design notes
//! Every reader streams: XML through quick-xml's pull parser, SQL through a hand-written tokenizer
//! that yields one row of an extended INSERT at a time, JSON arrays by cutting out one object at a
//! time, mail one message at a time. Memory is bounded by the largest single record, never by the
//! file, so a 1 GB export imports in a few megabytes. [`Import::next_into`] fills a caller-owned
//! [`Labelled`], reusing its strings, for the training loop; the [`Iterator`] impl is the allocating
//! convenience on top.
//!
//! Labels follow what moderators did: a WordPress status, Disqus' flags, or the folder a message was
//! filed in. Statuses that are not a verdict (pending, trash, deleted) are skipped unless the caller
//! maps them ([`ImportOptions::pending_as`], [`ImportOptions::trash_as`]); a record that carries no
//! label at all is an error unless [`ImportOptions::unlabelled_as`] is set, so a file is never trained
//! as one class by accident. WordPress's own exporter leaves spam out, so a WXR file alone has no
//! spam: [`Stats::hint`] says where to get it.
#![deny(missing_docs)]

mod counted;
mod error;
mod fields;
mod html;
mod json;
mod mail;
mod sql;
mod table;
mod xml;

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub use error::{ImportError, Result};
pub use ferret_bayes::Label;
pub use ferret_features::Comment;

/// Bytes looked at to guess a file's format.
const SNIFF_BYTES: usize = 8192;

/// An input format. `FromStr` accepts the names in the crate table (`wxr`, `csv`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Format {
    /// WordPress eXtended RSS (Tools → Export).
    Wxr,
    /// Disqus XML export.
    Disqus,
    /// Comma-separated values with a header: `wp_comments`, WP-CLI `--format=csv`, corpora.
    Csv,
    /// Tab-separated values (no quoting), with or without a header.
    Tsv,
    /// A MySQL dump (mysqldump, phpMyAdmin, `wp db export`): INSERTs into a `…comments` table.
    Sql,
    /// A JSON array of objects: WP-CLI `--format=json`, or Ferret records.
    Json,
    /// Ferret's JSONL: one object per line.
    Jsonl,
    /// An mbox file (`From ` separated messages).
    Mbox,
    /// A folder of messages: maildir (`cur/`, `new/`) or one file per message, walked recursively.
    Maildir,
    /// One RFC 822 message in a file.
    Eml,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 10] = [
        Format::Wxr,
        Format::Disqus,
        Format::Csv,
        Format::Tsv,
        Format::Sql,
        Format::Json,
        Format::Jsonl,
        Format::Mbox,
        Format::Maildir,
        Format::Eml,
    ];

    /// The name used by `--format` and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Wxr => "wxr",
            Format::Disqus => "disqus",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Sql => "sql",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Mbox => "mbox",
            Format::Maildir => "maildir",
            Format::Eml => "eml",
        }
    }

    /// True for the mail formats, whose text is already reduced to subject and readable body.
    pub fn is_mail(self) -> bool {
        matches!(self, Format::Mbox | Format::Maildir | Format::Eml)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = ImportError;
    fn from_str(s: &str) -> Result<Format> {
        let s = s.trim().to_ascii_lowercase();
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .or(match s.as_str() {
                "wordpress" | "wp" => Some(Format::Wxr),
                "mysql" | "mysqldump" => Some(Format::Sql),
                "wp-cli" | "wpcli" => Some(Format::Json),
                "mail" | "mh" => Some(Format::Maildir),
                _ => None,
            })
            .ok_or(ImportError::UnknownFormatName { found: s })
    }
}

/// Where a record starts in its file: 1-based line and 0-based byte offset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Position {
    /// 1-based line number.
    pub line: u64,
    /// Byte offset from the start of the file.
    pub byte: u64,
}

/// One imported comment with its label and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Labelled {
    /// The comment, with Akismet's field names.
    pub comment: Comment,
    /// Spam or ham.
    pub label: Label,
    /// Where the record starts in its file (for maildir: in the message file [`Labelled::file`]).
    pub pos: Position,
    /// The message file, for inputs that are folders; `None` for single files.
    pub file: Option<PathBuf>,
}

impl Default for Labelled {
    fn default() -> Self {
        Labelled {
            comment: Comment::default(),
            label: Label::Ham,
            pos: Position::default(),
            file: None,
        }
    }
}

/// Why a record was read but not imported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SkipReason {
    /// Held for moderation (WordPress `0`); see [`ImportOptions::pending_as`].
    Pending,
    /// In the trash (WordPress `trash`, `post-trashed`; Disqus `isDeleted`); see
    /// [`ImportOptions::trash_as`].
    Trash,
    /// A status this crate does not know (a plugin's own `comment_approved` value).
    UnknownStatus,
    /// No text at all.
    Empty,
    /// A file in a mail folder that is not a message (no header block).
    NotMail,
}

impl SkipReason {
    /// Every reason, in report order.
    pub const ALL: [SkipReason; 5] = [
        SkipReason::Pending,
        SkipReason::Trash,
        SkipReason::UnknownStatus,
        SkipReason::Empty,
        SkipReason::NotMail,
    ];

    /// Short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            SkipReason::Pending => "pending",
            SkipReason::Trash => "trash",
            SkipReason::UnknownStatus => "unknown status",
            SkipReason::Empty => "empty",
            SkipReason::NotMail => "not a message",
        }
    }
}

/// What a reader decided about a record before the options are applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    Ham,
    Spam,
    Pending,
    Trash,
    Unknown,
    /// The input carries no label for this record.
    Unlabelled,
}

/// One step of a reader.
pub(crate) enum Step {
    /// `out` holds a record with this status.
    Record(Status),
    /// `out` holds (part of) a record skipped for this reason.
    Skip(SkipReason),
    /// No more records.
    End,
}

/// A format reader: fills `out` (reusing its strings) and says what it holds.
pub(crate) trait Source: Send {
    fn next_into(&mut self, out: &mut Labelled) -> Result<Step>;
    /// Bytes consumed so far (for progress).
    fn bytes_read(&self) -> u64;
}

/// How to read inputs. Build with [`ImportOptions::new`] and the consuming setters.
///
/// | Name | Default | Purpose |
/// |---|---|---|
/// | `format` | sniffed | force a [`Format`] instead of guessing from content |
/// | `pending_as` | skip | label for WordPress pending (`0`) comments |
/// | `trash_as` | skip | label for trashed (WordPress) or deleted (Disqus) comments |
/// | `unlabelled_as` | error | label for records whose input has none (mail outside a spam/ham folder, CSV without a label column) |
/// | `text_col` | guessed | CSV/TSV column holding the text (header name or 1-based number) |
/// | `label_col` | guessed | CSV/TSV column holding the label (header name or 1-based number) |
/// | `spam_value` | `spam` | label-column value meaning spam (case-insensitive); any other non-empty value is ham |
#[derive(Clone, Debug)]
pub struct ImportOptions {
    format: Option<Format>,
    pending_as: Option<Label>,
    trash_as: Option<Label>,
    unlabelled_as: Option<Label>,
    text_col: Option<String>,
    label_col: Option<String>,
    spam_value: String,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            format: None,
            pending_as: None,
            trash_as: None,
            unlabelled_as: None,
            text_col: None,
            label_col: None,
            spam_value: "spam".into(),
        }
    }
}

impl ImportOptions {
    /// Defaults: sniff the format, skip pending and trash, refuse unlabelled records.
    pub fn new() -> Self {
        Self::default()
    }
    /// Forces a format (`None`: sniff).
    pub fn format(mut self, f: Option<Format>) -> Self {
        self.format = f;
        self
    }
    /// Imports pending comments with this label (`None`: skip them).
    pub fn pending_as(mut self, l: Option<Label>) -> Self {
        self.pending_as = l;
        self
    }
    /// Imports trashed / deleted comments with this label (`None`: skip them).
    pub fn trash_as(mut self, l: Option<Label>) -> Self {
        self.trash_as = l;
        self
    }
    /// Labels records that carry no label (`None`: such a record is an error).
    pub fn unlabelled_as(mut self, l: Option<Label>) -> Self {
        self.unlabelled_as = l;
        self
    }
    /// CSV/TSV text column: a header name or a 1-based number.
    pub fn text_col(mut self, c: Option<String>) -> Self {
        self.text_col = c;
        self
    }
    /// CSV/TSV label column: a header name or a 1-based number.
    pub fn label_col(mut self, c: Option<String>) -> Self {
        self.label_col = c;
        self
    }
    /// The label-column value meaning spam.
    pub fn spam_value(mut self, v: impl Into<String>) -> Self {
        self.spam_value = v.into();
        self
    }
}

/// Longest example text kept for [`Stats::examples`].
const EXAMPLE_CHARS: usize = 70;
/// Examples kept per skip reason.
const EXAMPLES_PER_REASON: usize = 3;

/// What one import read, imported and skipped.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Records read (imported + skipped).
    pub read: u64,
    /// Imported as ham.
    pub ham: u64,
    /// Imported as spam.
    pub spam: u64,
    /// Skipped, by reason.
    pub skipped: BTreeMap<SkipReason, u64>,
    /// A few skipped records per reason: where, and the start of the text.
    pub examples: Vec<(SkipReason, String)>,
    format: Option<Format>,
}

impl Stats {
    /// Records imported.
    pub fn imported(&self) -> u64 {
        self.ham + self.spam
    }
    /// Records skipped for `reason`.
    pub fn skipped_for(&self, reason: SkipReason) -> u64 {
        self.skipped.get(&reason).copied().unwrap_or(0)
    }
    /// Advice when the import lacks a class, e.g. a WXR file, which never holds spam.
    pub fn hint(&self) -> Option<String> {
        if self.spam > 0 || self.read == 0 {
            return None;
        }
        Some(match self.format {
            Some(Format::Wxr) => "no spam in this file: WordPress's exporter (Tools → Export) leaves spam out. \
                 Export spam with `wp comment list --status=spam --format=json --fields=comment_author,comment_author_email,comment_author_url,comment_author_IP,comment_date_gmt,comment_content,comment_type,comment_approved > spam.json` \
                 or dump the wp_comments table, and pass that file too (see datasets/README.md)".into(),
            _ => "no spam in this file; training needs spam from this or another input".into(),
        })
    }
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "read {}, imported {} ({} ham, {} spam)",
            self.read,
            self.imported(),
            self.ham,
            self.spam
        )?;
        let skipped: u64 = self.skipped.values().sum();
        if skipped > 0 {
            write!(f, ", skipped {skipped} (")?;
            for (i, (r, n)) in self.skipped.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{n} {}", r.name())?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// A streaming import of one file or folder. Iterate it, or call [`Import::next_into`] to reuse one
/// [`Labelled`]. After an error the import is finished.
pub struct Import {
    name: String,
    format: Format,
    source: Box<dyn Source>,
    opts: ImportOptions,
    stats: Stats,
    done: bool,
}

impl fmt::Debug for Import {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Import")
            .field("name", &self.name)
            .field("format", &self.format)
            .field("stats", &self.stats)
            .finish()
    }
}

impl Import {
    /// Opens a file (`-` is standard input) or a mail folder, and picks its reader.
    pub fn open(path: &Path, opts: &ImportOptions) -> Result<Import> {
        let name = if path == Path::new("-") {
            "<stdin>".to_owned()
        } else {
            path.display().to_string()
        };
        let io_err = |source| ImportError::Io {
            file: name.clone(),
            source,
        };
        if path != Path::new("-") && path.is_dir() {
            if let Some(f) = opts.format.filter(|f| *f != Format::Maildir) {
                return Err(ImportError::WrongFormat {
                    file: name,
                    format: f,
                    why: "this is a folder; only maildir reads folders",
                });
            }
            let source = mail::MailDir::new(path, &name, opts).map_err(io_err)?;
            return Ok(Import::with_source(
                name,
                Format::Maildir,
                Box::new(source),
                opts,
            ));
        }
        let reader: Box<dyn BufRead + Send> = if path == Path::new("-") {
            Box::new(BufReader::with_capacity(1 << 16, io::stdin()))
        } else {
            Box::new(BufReader::with_capacity(
                1 << 16,
                File::open(path).map_err(io_err)?,
            ))
        };
        Import::build(reader, name, Some(path), opts)
    }

    /// Reads from any buffered reader; `name` is used in messages and to label mail by name.
    pub fn from_reader(
        reader: impl BufRead + Send + 'static,
        name: &str,
        opts: &ImportOptions,
    ) -> Result<Import> {
        Import::build(Box::new(reader), name.to_owned(), None, opts)
    }

    fn build(
        mut reader: Box<dyn BufRead + Send>,
        name: String,
        path: Option<&Path>,
        opts: &ImportOptions,
    ) -> Result<Import> {
        let format = match opts.format {
            Some(f) => f,
            None => {
                let head = fill_sniff(&mut reader).map_err(|source| ImportError::Io {
                    file: name.clone(),
                    source,
                })?;
                sniff(&head, path.or(Some(Path::new(&name))))
                    .ok_or_else(|| ImportError::UnknownFormat { file: name.clone() })?
            }
        };
        let label_path = path
            .map(Path::to_path_buf)
            .unwrap_or_else(|| name.clone().into());
        let source: Box<dyn Source> = match format {
            Format::Wxr => Box::new(xml::Wxr::new(reader, &name)),
            Format::Disqus => Box::new(xml::Disqus::new(reader, &name)),
            Format::Csv => Box::new(table::Table::new(reader, &name, b',', opts)?),
            Format::Tsv => Box::new(table::Table::new(reader, &name, b'\t', opts)?),
            Format::Sql => Box::new(sql::Sql::new(reader, &name)),
            Format::Json => Box::new(json::JsonArray::new(reader, &name)),
            Format::Jsonl => Box::new(json::JsonLines::new(reader, &name)),
            Format::Mbox => Box::new(mail::Mbox::new(reader, &name, &label_path)),
            Format::Eml => Box::new(mail::Eml::new(reader, &name, &label_path)),
            Format::Maildir => {
                return Err(ImportError::WrongFormat {
                    file: name,
                    format,
                    why: "maildir reads a folder, and this is a file",
                })
            }
        };
        Ok(Import::with_source(name, format, source, opts))
    }

    fn with_source(
        name: String,
        format: Format,
        source: Box<dyn Source>,
        opts: &ImportOptions,
    ) -> Import {
        Import {
            name,
            format,
            source,
            opts: opts.clone(),
            stats: Stats {
                format: Some(format),
                ..Stats::default()
            },
            done: false,
        }
    }

    /// The format being read.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The input's name as used in messages (`<stdin>` for standard input).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Counts so far (final once the import is exhausted).
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Bytes of input consumed so far, for progress display.
    pub fn bytes_read(&self) -> u64 {
        self.source.bytes_read()
    }

    /// Fills `out` with the next imported record, reusing its allocations; `Ok(false)` at the end.
    /// Skipped records are counted in [`Import::stats`] and not returned.
    pub fn next_into(&mut self, out: &mut Labelled) -> Result<bool> {
        if self.done {
            return Ok(false);
        }
        loop {
            let step = match self.source.next_into(out) {
                Ok(s) => s,
                Err(e) => {
                    self.done = true;
                    return Err(e);
                }
            };
            let status = match step {
                Step::End => {
                    self.done = true;
                    return Ok(false);
                }
                Step::Skip(reason) => {
                    self.skip(reason, out);
                    continue;
                }
                Step::Record(status) => status,
            };
            let label = match status {
                Status::Ham => Some(Label::Ham),
                Status::Spam => Some(Label::Spam),
                Status::Pending => self.opts.pending_as.ok_or(SkipReason::Pending).ok(),
                Status::Trash => self.opts.trash_as.ok_or(SkipReason::Trash).ok(),
                Status::Unknown => None,
                Status::Unlabelled => match self.opts.unlabelled_as {
                    Some(l) => Some(l),
                    None => {
                        self.done = true;
                        return Err(ImportError::Unlabelled {
                            file: self.at(out),
                            line: out.pos.line,
                            format: self.format,
                        });
                    }
                },
            };
            let Some(label) = label else {
                let reason = match status {
                    Status::Pending => SkipReason::Pending,
                    Status::Trash => SkipReason::Trash,
                    _ => SkipReason::UnknownStatus,
                };
                self.skip(reason, out);
                continue;
            };
            if out.comment.content().trim().is_empty() {
                self.skip(SkipReason::Empty, out);
                continue;
            }
            out.label = label;
            self.stats.read += 1;
            match label {
                Label::Ham => self.stats.ham += 1,
                Label::Spam => self.stats.spam += 1,
            }
            return Ok(true);
        }
    }

    fn at(&self, out: &Labelled) -> String {
        match &out.file {
            Some(f) => f.display().to_string(),
            None => self.name.clone(),
        }
    }

    fn skip(&mut self, reason: SkipReason, out: &Labelled) {
        self.stats.read += 1;
        let n = self.stats.skipped.entry(reason).or_insert(0);
        *n += 1;
        if *n as usize <= EXAMPLES_PER_REASON {
            let text: String = out
                .comment
                .content()
                .chars()
                .take(EXAMPLE_CHARS)
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            let example = format!("{}:{}: {text:?}", self.at(out), out.pos.line);
            self.stats.examples.push((reason, example));
        }
    }
}

impl Iterator for Import {
    type Item = Result<Labelled>;
    fn next(&mut self) -> Option<Result<Labelled>> {
        let mut out = Labelled::default();
        match self.next_into(&mut out) {
            Ok(true) => Some(Ok(out)),
            Ok(false) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

/// Fills the reader's buffer with up to [`SNIFF_BYTES`] without consuming anything.
fn fill_sniff(reader: &mut Box<dyn BufRead + Send>) -> io::Result<Vec<u8>> {
    let buf = reader.fill_buf()?;
    Ok(buf[..buf.len().min(SNIFF_BYTES)].to_vec())
}

/// Guesses the format of a file from its first bytes (and, when they say nothing, its extension).
///
/// ```
/// use ferret_import::{sniff, Format};
/// assert_eq!(sniff(b"<?xml version=\"1.0\"?>\n<rss xmlns:wp=\"x\">", None), Some(Format::Wxr));
/// assert_eq!(sniff(b"comment_ID,comment_author,comment_content\n", None), Some(Format::Csv));
/// assert_eq!(sniff(b"From a@b Mon Jan 1 00:00:00 2024\nSubject: hi\n", None), Some(Format::Mbox));
/// ```
pub fn sniff(head: &[u8], path: Option<&Path>) -> Option<Format> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace());
    let ext = path
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let Some(start) = start else {
        return Some(Format::Jsonl); // empty: nothing to read in any format
    };
    let body = &head[start..];
    let contains = |needle: &[u8]| memchr::memmem::find(body, needle).is_some();
    match body[0] {
        b'<' => {
            if contains(b"<disqus") || contains(b"disqus.com") {
                return Some(Format::Disqus);
            }
            if contains(b"<rss") || contains(b"xmlns:wp") || contains(b"<wp:") {
                return Some(Format::Wxr);
            }
            return None;
        }
        b'[' => return Some(Format::Json),
        b'{' => return Some(Format::Jsonl),
        _ => {}
    }
    if body.starts_with(b"From ") {
        return Some(Format::Mbox);
    }
    let first_word: Vec<u8> = body
        .iter()
        .take_while(|b| b.is_ascii_alphabetic())
        .map(u8::to_ascii_uppercase)
        .collect();
    if body.starts_with(b"--")
        || body.starts_with(b"/*")
        || matches!(
            first_word.as_slice(),
            b"INSERT" | b"CREATE" | b"SET" | b"DROP" | b"LOCK" | b"USE" | b"REPLACE" | b"START"
        )
    {
        return Some(Format::Sql);
    }
    if mail::looks_like_headers(body) {
        return Some(Format::Eml);
    }
    match ext.as_deref() {
        Some("mbox") => return Some(Format::Mbox),
        Some("eml") => return Some(Format::Eml),
        Some("tsv" | "tab") => return Some(Format::Tsv),
        _ => {}
    }
    let line_end = memchr::memchr(b'\n', body).unwrap_or(body.len());
    let line = &body[..line_end];
    let tabs = line.iter().filter(|&&b| b == b'\t').count();
    let commas = line.iter().filter(|&&b| b == b',').count();
    if tabs > 0 && tabs >= commas {
        Some(Format::Tsv)
    } else {
        Some(Format::Csv)
    }
}

/// Reads all of `r` into `buf` up to `cap` bytes; returns whether it was cut.
pub(crate) fn read_capped(r: &mut impl Read, buf: &mut Vec<u8>, cap: u64) -> io::Result<bool> {
    buf.clear();
    r.take(cap).read_to_end(buf)?;
    let mut probe = [0u8; 1];
    Ok(r.read(&mut probe)? > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>().unwrap(), f);
        }
        assert!("eggs".parse::<Format>().is_err());
    }

    #[test]
    fn sniffs_by_content() {
        assert_eq!(
            sniff(b"\xEF\xBB\xBF  <disqus xmlns=\"http://disqus.com\">", None),
            Some(Format::Disqus)
        );
        assert_eq!(sniff(b"[{\"comment_ID\":\"1\"}]", None), Some(Format::Json));
        assert_eq!(sniff(b"{\"text\":\"a\"}\n", None), Some(Format::Jsonl));
        assert_eq!(sniff(b"-- MySQL dump 10.13\n", None), Some(Format::Sql));
        assert_eq!(
            sniff(b"INSERT INTO `wp_comments` VALUES", None),
            Some(Format::Sql)
        );
        assert_eq!(
            sniff(b"ham\tGo until jurong point\n", None),
            Some(Format::Tsv)
        );
        assert_eq!(
            sniff(b"Return-Path: <a@b>\nSubject: x\n\nbody", None),
            Some(Format::Eml)
        );
        assert_eq!(sniff(b"<html>", None), None);
    }
}

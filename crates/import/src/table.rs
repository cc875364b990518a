//! CSV and TSV: `wp_comments` exports (phpMyAdmin, Adminer), `wp comment list --format=csv`, and
//! labelled corpora, with the text and label columns named by the caller or recognized by name.

use std::io::BufRead;

use csv::{ByteRecord, ReaderBuilder};

use crate::fields::{self, Field};
use crate::{Format, ImportError, ImportOptions, Labelled, Position, Result, Source, Status, Step};

/// Header names taken as the text column when none is given (first match wins).
const TEXT_NAMES: [&str; 9] = [
    "comment_content",
    "text",
    "content",
    "message",
    "comment",
    "body",
    "sms",
    "v2",
    "CONTENT",
];
/// Header names taken as the label column when none is given.
const LABEL_NAMES: [&str; 8] = [
    "label", "class", "CLASS", "spam", "is_spam", "category", "v1", "type",
];

/// What a column is used for.
#[derive(Clone, Copy, PartialEq)]
enum Col {
    Ignore,
    Field(Field),
    Text,
    Label,
}

/// A CSV or TSV reader with its column plan.
pub(crate) struct Table {
    rdr: csv::Reader<Box<dyn BufRead + Send>>,
    name: String,
    format: Format,
    cols: Vec<Col>,
    spam_value: String,
    record: ByteRecord,
    /// A first row that turned out to be data, not a header.
    pending: Option<ByteRecord>,
    /// A WordPress export without a comment_type column: type every row `comment`.
    wp_type: bool,
}

impl Table {
    pub fn new(
        reader: Box<dyn BufRead + Send>,
        name: &str,
        delimiter: u8,
        opts: &ImportOptions,
    ) -> Result<Table> {
        let format = if delimiter == b'\t' {
            Format::Tsv
        } else {
            Format::Csv
        };
        let mut rdr = ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(false)
            // TSV corpora (the SMS collection) have bare quotes in the text.
            .quoting(delimiter != b'\t')
            .from_reader(reader);
        let mut first = ByteRecord::new();
        let mut t = Table {
            name: name.to_owned(),
            format,
            cols: Vec::new(),
            spam_value: opts.spam_value.clone(),
            record: ByteRecord::new(),
            pending: None,
            wp_type: false,
            rdr: ReaderBuilder::new().from_reader(Box::new(&b""[..])),
        };
        let got = rdr.read_byte_record(&mut first).map_err(|e| t.csv_err(e))?;
        t.rdr = rdr;
        if !got {
            return Ok(t);
        }
        let header: Vec<String> = first
            .iter()
            .map(|f| {
                String::from_utf8_lossy(f)
                    .trim()
                    .trim_start_matches('\u{feff}')
                    .to_owned()
            })
            .collect();
        let n = header.len();
        let find = |spec: &str| -> Option<usize> {
            header
                .iter()
                .position(|h| h == spec)
                .or_else(|| header.iter().position(|h| h.eq_ignore_ascii_case(spec)))
        };
        let numeric = |spec: &str| {
            spec.trim()
                .parse::<usize>()
                .ok()
                .filter(|&k| k >= 1 && k <= n)
                .map(|k| k - 1)
        };
        // Is the first row a header? Yes when a named column is found in it, or when any of its
        // cells names a known field; no when the options name columns by number and the label cell
        // holds a label value.
        let named = |spec: &Option<String>| spec.as_deref().and_then(find);
        let mut is_header = named(&opts.text_col).is_some()
            || named(&opts.label_col).is_some()
            || header.iter().any(|h| {
                fields::field_for(h).is_some()
                    || TEXT_NAMES.contains(&h.as_str())
                    || LABEL_NAMES.contains(&h.as_str())
            });
        if let Some(k) = opts.label_col.as_deref().and_then(numeric) {
            let v = header[k].trim().to_ascii_lowercase();
            if v == opts.spam_value.trim().to_ascii_lowercase()
                || ["ham", "spam", "0", "1"].contains(&v.as_str())
            {
                is_header = false;
            }
        }
        let mut cols = vec![Col::Ignore; n];
        if is_header {
            for (i, h) in header.iter().enumerate() {
                if let Some(f) = fields::field_for(h) {
                    cols[i] = match f {
                        Field::Content => Col::Text,
                        Field::Label => Col::Label,
                        f => Col::Field(f),
                    };
                }
            }
        }
        let missing = |what: &str, spec: &str| ImportError::Columns {
            file: name.to_owned(),
            what: format!(
                "{what} column {spec:?} not found; the columns are: {}",
                if is_header {
                    header.join(", ")
                } else {
                    format!("1..={n} (no header row)")
                }
            ),
        };
        // The text column.
        let text = match opts.text_col.as_deref() {
            Some(spec) => Some(
                (if is_header { find(spec) } else { None })
                    .or_else(|| numeric(spec))
                    .ok_or_else(|| missing("text", spec))?,
            ),
            None if is_header => cols
                .iter()
                .position(|c| *c == Col::Text)
                .or_else(|| TEXT_NAMES.iter().find_map(|t| find(t))),
            None => None,
        };
        let Some(text) = text else {
            return Err(ImportError::Columns {
                file: name.to_owned(),
                what: format!(
                    "no text column: name it with --text-col (a header name or a 1-based number); the columns are: {}{}",
                    if is_header { header.join(", ") } else { format!("1..={n} (no header row)") },
                    if is_header && header.iter().any(|h| h.eq_ignore_ascii_case("comment_ID")) {
                        ". WP-CLI lists no text by default: add comment_content to --fields"
                    } else {
                        ""
                    }
                ),
            });
        };
        for c in cols.iter_mut() {
            if *c == Col::Text {
                *c = Col::Ignore;
            }
        }
        cols[text] = Col::Text;
        // The label: an explicit column, else comment_approved / label, else a guessed name.
        match opts.label_col.as_deref() {
            Some(spec) => {
                let k = (if is_header { find(spec) } else { None })
                    .or_else(|| numeric(spec))
                    .ok_or_else(|| missing("label", spec))?;
                for c in cols.iter_mut() {
                    if matches!(c, Col::Label | Col::Field(Field::Approved)) {
                        *c = Col::Ignore;
                    }
                }
                cols[k] = Col::Label;
            }
            None if is_header
                && !cols
                    .iter()
                    .any(|c| matches!(c, Col::Label | Col::Field(Field::Approved))) =>
            {
                if let Some(k) = LABEL_NAMES
                    .iter()
                    .find_map(|l| find(l))
                    .filter(|&k| k != text)
                {
                    cols[k] = Col::Label;
                }
            }
            None => {}
        }
        t.wp_type =
            cols.contains(&Col::Field(Field::Approved)) && !cols.contains(&Col::Field(Field::Type));
        t.cols = cols;
        if !is_header {
            t.pending = Some(first);
        }
        Ok(t)
    }

    fn csv_err(&self, e: csv::Error) -> ImportError {
        let (line, byte) = e.position().map_or((0, 0), |p| (p.line(), p.byte()));
        let what = match e.kind() {
            csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!(
                "a row has {len} fields where the header has {expected_len} (an unclosed quote, or a stray delimiter?)"
            ),
            _ => e.to_string(),
        };
        match e.into_kind() {
            csv::ErrorKind::Io(source) => ImportError::Io {
                file: self.name.clone(),
                source,
            },
            _ => ImportError::malformed(&self.name, self.format, line, byte, what),
        }
    }
}

impl Source for Table {
    fn next_into(&mut self, out: &mut Labelled) -> Result<Step> {
        let rec = match self.pending.take() {
            Some(r) => r,
            None => {
                let mut r = std::mem::take(&mut self.record);
                let got = self
                    .rdr
                    .read_byte_record(&mut r)
                    .map_err(|e| self.csv_err(e))?;
                if !got {
                    self.record = r;
                    return Ok(Step::End);
                }
                r
            }
        };
        let (line, byte) = rec.position().map_or((0, 0), |p| (p.line(), p.byte()));
        out.pos = Position { line, byte };
        out.file = None;
        fields::clear(&mut out.comment);
        let mut status = Status::Unlabelled;
        for (i, cell) in rec.iter().enumerate() {
            let col = self.cols.get(i).copied().unwrap_or(Col::Ignore);
            if col == Col::Ignore {
                continue;
            }
            let Ok(v) = std::str::from_utf8(cell) else {
                return Err(ImportError::malformed(
                    &self.name,
                    self.format,
                    line,
                    byte,
                    format!("field {} is not UTF-8 (convert the file, e.g. with iconv -f latin1 -t utf-8)", i + 1),
                ));
            };
            match col {
                Col::Text => fields::set(&mut out.comment.comment_content, v),
                Col::Label => status = fields::label_status(v, &self.spam_value),
                Col::Field(f) => {
                    if let Some(s) = fields::assign(&mut out.comment, f, v, &self.spam_value) {
                        status = s;
                    }
                }
                Col::Ignore => {}
            }
        }
        if self.wp_type && out.comment.comment_type.is_none() {
            // As the WXR reader does: ordinary comments are `comment`, whatever the export omitted.
            fields::set(&mut out.comment.comment_type, "comment");
        }
        fields::drop_empty(&mut out.comment);
        self.record = rec;
        Ok(Step::Record(status))
    }

    fn bytes_read(&self) -> u64 {
        self.rdr.position().byte()
    }
}

//! JSON inputs: Ferret's JSONL (one object per line) and JSON arrays such as
//! `wp comment list --format=json`, cut out one object at a time so a large array is never held whole.

use std::io::BufRead;

use ferret_features::Comment;
use serde::Deserialize;
use serde_json::Value;

use crate::counted::Counted;
use crate::fields::{self, Field};
use crate::{Format, ImportError, Labelled, Position, Result, Source, Status, Step};

/// Longest record accepted (the featurizer reads at most 64 KiB of text anyway).
const MAX_RECORD: usize = 32 << 20;

/// A Ferret record: optional `label` and `id`, `text` or Akismet's fields; WordPress column names
/// (`comment_approved`, `comment_author_IP`, `comment_agent`) are understood too.
#[derive(Deserialize)]
struct Record {
    #[serde(default)]
    #[allow(dead_code)]
    id: Option<Value>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(flatten)]
    comment: Comment,
}

/// Parses one object into `out`; the status comes from `label`, else `comment_approved`.
fn parse(bytes: &[u8], out: &mut Labelled) -> std::result::Result<Status, String> {
    let r: Record = serde_json::from_slice(bytes).map_err(|e| {
        let mut s = e.to_string();
        if s.contains("surrogate") || s.contains("hex escape") {
            s.push_str(" (JSON strings must be valid Unicode: no lone surrogates in \\u escapes)");
        }
        s
    })?;
    let mut c = r.comment;
    if c.comment_content.is_none() {
        c.comment_content = r.text;
    }
    // WordPress's column names arrive as extra keys.
    let mut status = None;
    for key in ["comment_author_IP", "comment_agent", "comment_approved"] {
        if let Some(v) = c.server.remove(key) {
            match fields::field_for(key) {
                Some(Field::Approved) => status = Some(fields::wp_status(&v)),
                Some(f) => {
                    fields::assign(&mut c, f, &v, "spam");
                }
                None => {}
            }
        }
    }
    for key in [
        "comment_ID",
        "comment_post_ID",
        "comment_karma",
        "user_id",
        "comment_date",
    ] {
        c.server.remove(key);
    }
    if status.is_some() && c.comment_type.is_none() {
        // A WordPress record: ordinary comments are `comment`, as in the WXR reader.
        c.comment_type = Some("comment".into());
    }
    if let Some(t) = c.comment_type.as_mut().filter(|t| t.trim().is_empty()) {
        "comment".clone_into(t);
    }
    if c.comment_parent.as_deref() == Some("0") {
        c.comment_parent = None;
    }
    if let Some(d) = c.comment_date_gmt.take() {
        fields::set_wp_date(&mut c.comment_date_gmt, &d);
    }
    fields::drop_empty(&mut c);
    out.comment = c;
    Ok(match r.label {
        Some(l) => match l.as_str() {
            "spam" => Status::Spam,
            "ham" => Status::Ham,
            other => {
                return Err(format!(
                    "field \"label\": expected \"spam\" or \"ham\", found {:?}",
                    other.chars().take(40).collect::<String>()
                ))
            }
        },
        None => status.unwrap_or(Status::Unlabelled),
    })
}

/// Ferret's JSONL.
pub(crate) struct JsonLines {
    input: Counted<Box<dyn BufRead + Send>>,
    name: String,
    line: Vec<u8>,
}

impl JsonLines {
    pub fn new(reader: Box<dyn BufRead + Send>, name: &str) -> JsonLines {
        JsonLines {
            input: Counted::new(reader),
            name: name.to_owned(),
            line: Vec::with_capacity(4096),
        }
    }
}

impl Source for JsonLines {
    fn next_into(&mut self, out: &mut Labelled) -> Result<Step> {
        loop {
            let pos = Position {
                line: self.input.line(),
                byte: self.input.byte,
            };
            self.line.clear();
            let n = std::io::Read::take(&mut self.input, MAX_RECORD as u64 + 1)
                .read_until(b'\n', &mut self.line)
                .map_err(|source| ImportError::Io {
                    file: self.name.clone(),
                    source,
                })?;
            if n == 0 {
                return Ok(Step::End);
            }
            let bad = |what: String| {
                ImportError::malformed(&self.name, Format::Jsonl, pos.line, pos.byte, what)
            };
            if self.line.len() > MAX_RECORD {
                return Err(bad(format!("line is longer than {} MiB", MAX_RECORD >> 20)));
            }
            let text = self.line.trim_ascii();
            if text.is_empty() {
                continue;
            }
            if let Err(e) = std::str::from_utf8(text) {
                return Err(bad(format!("invalid UTF-8 at byte {}", e.valid_up_to())));
            }
            out.pos = pos;
            out.file = None;
            let status = parse(text, out).map_err(bad)?;
            return Ok(Step::Record(status));
        }
    }

    fn bytes_read(&self) -> u64 {
        self.input.byte
    }
}

/// A JSON array of objects (WP-CLI's `--format=json`).
pub(crate) struct JsonArray {
    input: Counted<Box<dyn BufRead + Send>>,
    name: String,
    obj: Vec<u8>,
    started: bool,
    ended: bool,
}

impl JsonArray {
    pub fn new(reader: Box<dyn BufRead + Send>, name: &str) -> JsonArray {
        JsonArray {
            input: Counted::new(reader),
            name: name.to_owned(),
            obj: Vec::with_capacity(4096),
            started: false,
            ended: false,
        }
    }

    fn err(&self, what: impl Into<String>) -> ImportError {
        ImportError::malformed(
            &self.name,
            Format::Json,
            self.input.line(),
            self.input.byte,
            what,
        )
    }

    /// The next byte that is not whitespace, without consuming it.
    fn peek_token(&mut self) -> Result<Option<u8>> {
        loop {
            let buf = self.input.fill_buf().map_err(|e| io_err(&self.name, e))?;
            if buf.is_empty() {
                return Ok(None);
            }
            match buf.iter().position(|b| !b.is_ascii_whitespace()) {
                Some(i) => {
                    let b = buf[i];
                    self.input.consume(i);
                    return Ok(Some(b));
                }
                None => {
                    let n = buf.len();
                    self.input.consume(n);
                }
            }
        }
    }

    /// Cuts out one `{…}` object, tracking strings and escapes, into `self.obj`.
    fn cut_object(&mut self) -> Result<()> {
        self.obj.clear();
        let (mut depth, mut in_str, mut esc) = (0usize, false, false);
        loop {
            let buf = self.input.fill_buf().map_err(|e| io_err(&self.name, e))?;
            if buf.is_empty() {
                return Err(self.err("the file ends inside an object (truncated?)"));
            }
            let mut end = None;
            for (i, &b) in buf.iter().enumerate() {
                if in_str {
                    if esc {
                        esc = false;
                    } else if b == b'\\' {
                        esc = true;
                    } else if b == b'"' {
                        in_str = false;
                    }
                    continue;
                }
                match b {
                    b'"' => in_str = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            end = Some(i + 1);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let take = end.unwrap_or(buf.len());
            self.obj.extend_from_slice(&buf[..take]);
            self.input.consume(take);
            if self.obj.len() > MAX_RECORD {
                return Err(self.err(format!("an object is longer than {} MiB", MAX_RECORD >> 20)));
            }
            if end.is_some() {
                return Ok(());
            }
        }
    }
}

impl Source for JsonArray {
    fn next_into(&mut self, out: &mut Labelled) -> Result<Step> {
        if self.ended {
            return Ok(Step::End);
        }
        if !self.started {
            // A UTF-8 byte-order mark may precede the array.
            if self
                .input
                .fill_buf()
                .map_err(|e| io_err(&self.name, e))?
                .starts_with(b"\xEF\xBB\xBF")
            {
                self.input.consume(3);
            }
            match self.peek_token()? {
                Some(b'[') => self.input.consume(1),
                Some(_) => return Err(self.err("expected a JSON array `[`")),
                None => {
                    self.ended = true;
                    return Ok(Step::End);
                }
            }
            self.started = true;
        }
        loop {
            match self.peek_token()? {
                Some(b',') => self.input.consume(1),
                Some(b']') => {
                    self.input.consume(1);
                    self.ended = true;
                    if self.peek_token()?.is_some() {
                        return Err(self.err("unexpected data after the end of the array"));
                    }
                    return Ok(Step::End);
                }
                Some(b'{') => {
                    let pos = Position {
                        line: self.input.line(),
                        byte: self.input.byte,
                    };
                    self.cut_object()?;
                    out.pos = pos;
                    out.file = None;
                    let status = parse(&self.obj, out).map_err(|what| {
                        ImportError::malformed(&self.name, Format::Json, pos.line, pos.byte, what)
                    })?;
                    return Ok(Step::Record(status));
                }
                Some(b) => {
                    return Err(self.err(format!(
                        "expected an object, `,` or `]`, found {:?}",
                        b as char
                    )))
                }
                None => return Err(self.err("the file ends inside the array (truncated?)")),
            }
        }
    }

    fn bytes_read(&self) -> u64 {
        self.input.byte
    }
}

fn io_err(name: &str, source: std::io::Error) -> ImportError {
    ImportError::Io {
        file: name.to_owned(),
        source,
    }
}

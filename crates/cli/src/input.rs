//! JSONL input: one record per line, read without trusting the bytes (invalid UTF-8, NUL bytes,
//! huge lines and bad JSON become per-line errors that name the file and line).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

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

/// Reads every labelled record of `paths`; the first bad line is an error naming file and line.
pub fn read_labelled(paths: &[PathBuf], mail: bool) -> anyhow::Result<Vec<Example>> {
    let mut out = Vec::new();
    for (source, path) in paths.iter().enumerate() {
        let mut lines = Lines::new(open(path)?, path.clone());
        let name = source_name(path);
        while let Some((at, line)) = lines
            .next_line()
            .map_err(|e| anyhow::anyhow!("{name}: read error: {e}"))?
        {
            let line = line.map_err(|e| anyhow::anyhow!("{name}:{at}: {e}"))?;
            if line.trim().is_empty() {
                continue;
            }
            let rec = Record::parse(line).map_err(|e| anyhow::anyhow!("{name}:{at}: {e}"))?;
            let label = rec
                .label()
                .map_err(|e| anyhow::anyhow!("{name}:{at}: {e}"))?;
            let mut comment = rec.comment;
            if mail {
                if let Some(raw) = comment.comment_content.take() {
                    comment.comment_content = Some(ferret_features::mail::mail_text(&raw));
                }
            }
            out.push(Example {
                comment,
                label,
                source,
            });
        }
    }
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

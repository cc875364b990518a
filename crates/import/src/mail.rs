//! Mail: mbox files, maildir or one-file-per-message folders, and single messages. MIME is decoded
//! (quoted-printable, base64, any charset encoding_rs knows, RFC 2047 headers, HTML to text; for
//! multipart/alternative the plain part is preferred), the subject and body become
//! `comment_content`, and of all headers only `From` is kept, as author and e-mail: comments have no
//! `Received:` chains, and a model that learned them would learn the mail system, not the words.
//! The label comes from the folder or file name (`spam`, `junk` … / `ham`, `inbox` …).

use std::borrow::Cow;
use std::fs;
use std::io::{self, BufRead};
use std::path::{Path, PathBuf};

use encoding_rs::Encoding;

use crate::fields;
use crate::{
    html, Format, ImportError, ImportOptions, Labelled, Position, Result, SkipReason, Source,
    Status, Step,
};

/// Biggest message read; the rest of a larger one is dropped (the featurizer reads 64 KiB).
const MAX_MESSAGE: u64 = 32 << 20;
/// Deepest MIME nesting followed.
const MAX_DEPTH: usize = 8;
/// Deepest folder nesting walked.
const MAX_DIR_DEPTH: usize = 12;

/// Label from a path: the nearest component naming a class wins (`spam/`, `.Junk/cur/`, `easy_ham/`,
/// `spam.mbox`).
pub(crate) fn label_from_path(path: &Path) -> Status {
    for comp in path.components().rev() {
        let s = comp.as_os_str().to_string_lossy().to_ascii_lowercase();
        for word in s.split(|c: char| !c.is_ascii_alphanumeric()) {
            match word {
                "spam" | "junk" | "spambox" | "bulk" => return Status::Spam,
                "ham" | "nonspam" | "notspam" | "inbox" | "good" | "legit" => return Status::Ham,
                _ => {}
            }
        }
    }
    Status::Unlabelled
}

/// True when `b` starts with an RFC 822 header block: a `Name: value` line, then another header or
/// a folded line.
pub(crate) fn looks_like_headers(b: &[u8]) -> bool {
    let mut lines = b.split(|&c| c == b'\n');
    let is_header = |l: &[u8]| {
        let Some(colon) = l.iter().position(|&c| c == b':') else {
            return false;
        };
        colon > 0
            && l[..colon]
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || *c == b'-')
    };
    match (lines.next(), lines.next()) {
        (Some(a), Some(b)) => {
            is_header(a) && (is_header(b) || b.starts_with(b" ") || b.starts_with(b"\t"))
        }
        _ => false,
    }
}

/// What [`parse_message`] found.
#[derive(Default)]
struct Parsed {
    subject: String,
    from_name: String,
    from_addr: String,
    body: String,
}

/// One raw message into `out`; `Err` is a malformed part (bad base64, …) with a description.
fn read_message(
    raw: &[u8],
    out: &mut Labelled,
    scratch: &mut Parsed,
) -> std::result::Result<bool, String> {
    let raw = strip_from_line(raw);
    if !looks_like_headers(raw) {
        return Ok(false);
    }
    scratch.subject.clear();
    scratch.from_name.clear();
    scratch.from_addr.clear();
    scratch.body.clear();
    let (head, body) = split_head(raw);
    if let Some(s) = header(head, b"subject") {
        decode_words(&s, &mut scratch.subject);
    }
    if let Some(f) = header(head, b"from") {
        let mut from = String::new();
        decode_words(&f, &mut from);
        let (name, addr) = split_address(&from);
        scratch.from_name.push_str(name);
        scratch.from_addr.push_str(addr);
    }
    part(head, body, &mut scratch.body, 0)?;
    fields::clear(&mut out.comment);
    let c = &mut out.comment;
    let mut text = String::with_capacity(scratch.subject.len() + scratch.body.len() + 2);
    let subject = scratch.subject.trim();
    if !subject.is_empty() {
        text.push_str(subject);
        text.push_str("\n\n");
    }
    text.push_str(scratch.body.trim());
    c.comment_content = Some(text);
    fields::set(&mut c.comment_author, scratch.from_name.trim());
    fields::set(&mut c.comment_author_email, scratch.from_addr.trim());
    fields::drop_empty(c);
    Ok(true)
}

fn strip_from_line(raw: &[u8]) -> &[u8] {
    if raw.starts_with(b"From ") {
        match memchr::memchr(b'\n', raw) {
            Some(i) => &raw[i + 1..],
            None => &[],
        }
    } else {
        raw
    }
}

/// Splits at the first empty line.
fn split_head(raw: &[u8]) -> (&[u8], &[u8]) {
    let mut i = 0;
    while i < raw.len() {
        let end = memchr::memchr(b'\n', &raw[i..]).map_or(raw.len(), |j| i + j);
        let line = &raw[i..end];
        if line.is_empty() || line == b"\r" {
            return (&raw[..i], raw.get(end + 1..).unwrap_or(&[]));
        }
        i = end + 1;
    }
    (raw, &[])
}

/// The unfolded value of the first header `name` (lowercase), as text (8-bit bytes as Latin-1 when
/// not UTF-8).
fn header(head: &[u8], name: &[u8]) -> Option<String> {
    let mut value: Option<Vec<u8>> = None;
    for line in head.split(|&c| c == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if let Some(v) = value.as_mut() {
            if line.starts_with(b" ") || line.starts_with(b"\t") {
                v.push(b' ');
                v.extend_from_slice(line.trim_ascii_start());
                continue;
            }
            break;
        }
        if let Some(colon) = line.iter().position(|&c| c == b':') {
            if line[..colon].trim_ascii().eq_ignore_ascii_case(name) {
                value = Some(line[colon + 1..].trim_ascii().to_vec());
            }
        }
    }
    value.map(|v| match String::from_utf8(v) {
        Ok(s) => s,
        Err(e) => encoding_rs::WINDOWS_1252
            .decode(e.as_bytes())
            .0
            .into_owned(),
    })
}

/// The parameter `name` of a structured header value (`charset`, `boundary`).
fn param(value: &str, name: &str) -> Option<String> {
    for piece in value.split(';').skip(1) {
        let Some((k, v)) = piece.split_once('=') else {
            continue;
        };
        if k.trim().eq_ignore_ascii_case(name) {
            return Some(v.trim().trim_matches('"').to_owned());
        }
    }
    None
}

/// `"Ann Example" <ann@example.org>` → (`Ann Example`, `ann@example.org`).
fn split_address(from: &str) -> (&str, &str) {
    if let (Some(lt), Some(gt)) = (from.rfind('<'), from.rfind('>')) {
        if lt < gt {
            return (
                from[..lt].trim().trim_matches('"').trim(),
                from[lt + 1..gt].trim(),
            );
        }
    }
    if from.contains('@') {
        ("", from.trim())
    } else {
        (from.trim(), "")
    }
}

/// Decodes RFC 2047 encoded words (`=?ISO-8859-1?Q?caf=E9?=`) and appends the text.
fn decode_words(s: &str, out: &mut String) {
    let mut rest = s;
    let mut last_was_word = false;
    while let Some(start) = rest.find("=?") {
        let before = &rest[..start];
        let word = &rest[start + 2..];
        let decoded = (|| {
            let (charset, word) = word.split_once('?')?;
            let (enc, word) = word.split_once('?')?;
            let end = word.find("?=")?;
            let data = &word[..end];
            let bytes = match enc {
                "Q" | "q" => qp(data.replace('_', " ").as_bytes(), true).ok()?,
                "B" | "b" => base64(data.as_bytes()).ok()?,
                _ => return None,
            };
            let charset = charset.split('*').next().unwrap_or(charset);
            Some((
                decode_charset(&bytes, Some(charset)).into_owned(),
                start + 2 + charset.len() + enc.len() + 2 + end + 2,
            ))
        })();
        match decoded {
            Some((text, consumed)) => {
                // Whitespace between two encoded words is not part of the text.
                if !(last_was_word && before.trim().is_empty()) {
                    out.push_str(before);
                }
                out.push_str(&text);
                rest = &rest[consumed.min(rest.len())..];
                last_was_word = true;
            }
            None => {
                out.push_str(&rest[..start + 2]);
                rest = &rest[start + 2..];
                last_was_word = false;
            }
        }
    }
    out.push_str(rest);
}

/// Text of one MIME part (recursing into multiparts) appended to `out`.
fn part(
    head: &[u8],
    body: &[u8],
    out: &mut String,
    depth: usize,
) -> std::result::Result<(), String> {
    let ctype = header(head, b"content-type").unwrap_or_else(|| "text/plain".into());
    let mime = ctype
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime.starts_with("multipart/") {
        if depth >= MAX_DEPTH {
            return Ok(());
        }
        let Some(boundary) = param(&ctype, "boundary").filter(|b| !b.is_empty()) else {
            return Err(format!("{mime} without a boundary"));
        };
        let parts = split_parts(body, boundary.as_bytes());
        if mime == "multipart/alternative" {
            // One rendering of the same text: plain if there is one, else the richest other.
            let mut plain = None;
            let mut other = None;
            for p in &parts {
                let (h, b) = split_head(p);
                let t = header(h, b"content-type")
                    .unwrap_or_else(|| "text/plain".into())
                    .to_ascii_lowercase();
                if t.starts_with("text/plain") && plain.is_none() {
                    plain = Some((h, b));
                } else if other.is_none() || t.starts_with("text/html") {
                    other = Some((h, b));
                }
            }
            if let Some((h, b)) = plain.or(other) {
                part(h, b, out, depth + 1)?;
            }
        } else {
            for (i, p) in parts.iter().enumerate() {
                let (h, b) = split_head(p);
                part(h, b, out, depth + 1).map_err(|e| format!("part {}: {e}", i + 1))?;
            }
        }
        return Ok(());
    }
    if mime == "message/rfc822" && depth < MAX_DEPTH {
        let (h, b) = split_head(body);
        if let Some(s) = header(h, b"subject") {
            decode_words(&s, out);
            out.push('\n');
        }
        return part(h, b, out, depth + 1);
    }
    let attachment = header(head, b"content-disposition").is_some_and(|d| {
        d.trim_start()
            .to_ascii_lowercase()
            .starts_with("attachment")
    });
    if !(mime.is_empty() || mime.starts_with("text/")) || attachment {
        return Ok(());
    }
    let cte = header(head, b"content-transfer-encoding")
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let bytes: Cow<[u8]> = match cte.as_str() {
        "quoted-printable" => Cow::Owned(qp(body, false)?),
        "base64" => Cow::Owned(base64(body)?),
        _ => Cow::Borrowed(body),
    };
    let charset = param(&ctype, "charset");
    let text = decode_charset(&bytes, charset.as_deref());
    if mime.contains("html") {
        html::to_text(&text, out);
    } else {
        out.push_str(&text);
    }
    out.push('\n');
    Ok(())
}

/// The parts between `--boundary` lines, up to `--boundary--`.
fn split_parts<'a>(body: &'a [u8], boundary: &[u8]) -> Vec<&'a [u8]> {
    let mut delim = Vec::with_capacity(boundary.len() + 2);
    delim.extend_from_slice(b"--");
    delim.extend_from_slice(boundary);
    let mut parts = Vec::new();
    let mut start: Option<usize> = None;
    let mut i = 0;
    while i <= body.len() {
        let end = memchr::memchr(b'\n', &body[i..]).map_or(body.len(), |j| i + j);
        let line = body[i..end].strip_suffix(b"\r").unwrap_or(&body[i..end]);
        if line.starts_with(&delim) {
            if let Some(s) = start {
                // The line break before the delimiter belongs to it.
                let e = i.saturating_sub(1);
                let e = if e > s && body[e - 1] == b'\r' {
                    e - 1
                } else {
                    e
                };
                parts.push(&body[s..e.max(s)]);
            }
            if line[delim.len()..].starts_with(b"--") {
                return parts;
            }
            start = Some((end + 1).min(body.len()));
        }
        i = end + 1;
    }
    if let Some(s) = start {
        parts.push(&body[s..]); // no closing delimiter: keep what is there
    }
    parts
}

/// Decodes `bytes` in `charset` (unknown or absent: UTF-8, else Windows-1252, as mail clients do).
fn decode_charset<'a>(bytes: &'a [u8], charset: Option<&str>) -> Cow<'a, str> {
    let enc = charset
        .and_then(|c| Encoding::for_label(c.trim().as_bytes()))
        .unwrap_or(encoding_rs::UTF_8);
    if enc == encoding_rs::UTF_8 {
        match std::str::from_utf8(bytes) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) if charset.is_none() => encoding_rs::WINDOWS_1252.decode(bytes).0,
            Err(_) => String::from_utf8_lossy(bytes),
        }
    } else {
        enc.decode(bytes).0
    }
}

/// Quoted-printable; `=` followed by anything but two hex digits or a line break is an error,
/// except in `header` (RFC 2047 `Q`) words, where it stays as it is.
fn qp(s: &[u8], header: bool) -> std::result::Result<Vec<u8>, String> {
    ferret_features::mail::decode_quoted_printable(s, !header)
}

/// Base64 with whitespace and optional padding; any other character, data after padding, or a
/// dangling single character is an error.
fn base64(s: &[u8]) -> std::result::Result<Vec<u8>, String> {
    ferret_features::mail::decode_base64(s, true)
}

fn io_err(name: &str, source: io::Error) -> ImportError {
    ImportError::Io {
        file: name.to_owned(),
        source,
    }
}

fn mime_err(file: &str, format: Format, pos: Position, what: String) -> ImportError {
    ImportError::malformed(file, format, pos.line, pos.byte, format!("message: {what}"))
}

/// An mbox file: messages start at `From ` lines at the start of the file or after a blank line;
/// `>From ` (mboxrd) is unescaped.
pub(crate) struct Mbox {
    input: Box<dyn BufRead + Send>,
    name: String,
    label: Status,
    line_buf: Vec<u8>,
    msg: Vec<u8>,
    /// The `From ` line that starts the next message was already read.
    have_next: bool,
    line: u64,
    byte: u64,
    next_pos: Position,
    scratch: Parsed,
}

impl Mbox {
    pub fn new(input: Box<dyn BufRead + Send>, name: &str, path: &Path) -> Mbox {
        Mbox {
            input,
            name: name.to_owned(),
            label: label_from_path(path),
            line_buf: Vec::new(),
            msg: Vec::new(),
            have_next: false,
            line: 0,
            byte: 0,
            next_pos: Position { line: 1, byte: 0 },
            scratch: Parsed::default(),
        }
    }
}

impl Source for Mbox {
    fn next_into(&mut self, out: &mut Labelled) -> Result<Step> {
        {
            self.msg.clear();
            let pos = self.next_pos;
            let mut prev_blank = true;
            let mut started = self.have_next;
            self.have_next = false;
            loop {
                self.line_buf.clear();
                let n = self
                    .input
                    .read_until(b'\n', &mut self.line_buf)
                    .map_err(|e| io_err(&self.name, e))?;
                if n == 0 {
                    break;
                }
                let at = Position {
                    line: self.line + 1,
                    byte: self.byte,
                };
                self.line += 1;
                self.byte += n as u64;
                let l = &self.line_buf;
                if l.starts_with(b"From ") && prev_blank {
                    if started || !self.msg.is_empty() {
                        self.have_next = true;
                        self.next_pos = at;
                        break;
                    }
                    started = true;
                    continue;
                }
                if self.line == 1 && !started {
                    return Err(ImportError::malformed(
                        &self.name,
                        Format::Mbox,
                        1,
                        0,
                        "an mbox file starts with a `From ` line",
                    ));
                }
                prev_blank = l.trim_ascii().is_empty();
                if (self.msg.len() as u64) < MAX_MESSAGE {
                    let body = if l.starts_with(b">")
                        && l.trim_ascii_start()
                            .iter()
                            .skip_while(|c| **c == b'>')
                            .take(5)
                            .eq(b"From ".iter())
                    {
                        &l[1..]
                    } else {
                        &l[..]
                    };
                    self.msg.extend_from_slice(body);
                }
            }
            if self.msg.is_empty() && !started {
                return Ok(Step::End);
            }
            out.pos = pos;
            out.file = None;
            let msg = std::mem::take(&mut self.msg);
            let r = read_message(&msg, out, &mut self.scratch);
            self.msg = msg;
            match r {
                Ok(true) => Ok(Step::Record(self.label.clone())),
                Ok(false) => {
                    fields::clear(&mut out.comment);
                    Ok(Step::Skip(SkipReason::NotMail))
                }
                Err(what) => Err(mime_err(&self.name, Format::Mbox, pos, what)),
            }
        }
    }

    fn bytes_read(&self) -> u64 {
        self.byte
    }
}

/// A file holding one message.
pub(crate) struct Eml {
    input: Option<Box<dyn BufRead + Send>>,
    name: String,
    label: Status,
    scratch: Parsed,
    bytes: u64,
}

impl Eml {
    pub fn new(input: Box<dyn BufRead + Send>, name: &str, path: &Path) -> Eml {
        Eml {
            input: Some(input),
            name: name.to_owned(),
            label: label_from_path(path),
            scratch: Parsed::default(),
            bytes: 0,
        }
    }
}

impl Source for Eml {
    fn next_into(&mut self, out: &mut Labelled) -> Result<Step> {
        let Some(mut input) = self.input.take() else {
            return Ok(Step::End);
        };
        let mut raw = Vec::new();
        crate::read_capped(&mut input, &mut raw, MAX_MESSAGE).map_err(|e| io_err(&self.name, e))?;
        self.bytes = raw.len() as u64;
        let pos = Position { line: 1, byte: 0 };
        out.pos = pos;
        out.file = None;
        match read_message(&raw, out, &mut self.scratch) {
            Ok(true) => Ok(Step::Record(self.label.clone())),
            Ok(false) => Ok(Step::Skip(SkipReason::NotMail)),
            Err(what) => Err(mime_err(&self.name, Format::Eml, pos, what)),
        }
    }

    fn bytes_read(&self) -> u64 {
        self.bytes
    }
}

/// A folder of message files, walked in sorted order: maildir (`cur/`, `new/`; `tmp/` is skipped)
/// and Maildir++ subfolders (`.Junk/`), or any tree of one-file-per-message folders.
pub(crate) struct MailDir {
    /// Directories still to list, deepest last.
    dirs: Vec<(PathBuf, usize)>,
    files: std::vec::IntoIter<PathBuf>,
    root: PathBuf,
    root_label: Status,
    raw: Vec<u8>,
    scratch: Parsed,
    bytes: u64,
}

impl MailDir {
    pub fn new(root: &Path, _name: &str, _opts: &ImportOptions) -> io::Result<MailDir> {
        fs::read_dir(root)?; // fail early on an unreadable folder
        let abs = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        Ok(MailDir {
            dirs: vec![(root.to_path_buf(), 0)],
            files: Vec::new().into_iter(),
            root: root.to_path_buf(),
            root_label: label_from_path(&abs),
            raw: Vec::new(),
            scratch: Parsed::default(),
            bytes: 0,
        })
    }

    fn list(&mut self, dir: &Path, depth: usize) -> io::Result<()> {
        let mut files = Vec::new();
        let mut subdirs = Vec::new();
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let ft = entry.file_type()?;
            if ft.is_dir() {
                if name != "tmp" && depth < MAX_DIR_DEPTH {
                    subdirs.push(entry.path());
                }
            } else if ft.is_file() && !name.starts_with('.') && !is_maildir_bookkeeping(&name) {
                files.push(entry.path());
            }
        }
        files.sort();
        subdirs.sort();
        // Depth-first, in sorted order: push in reverse so the first pops first.
        for d in subdirs.into_iter().rev() {
            self.dirs.push((d, depth + 1));
        }
        self.files = files.into_iter();
        Ok(())
    }
}

fn is_maildir_bookkeeping(name: &str) -> bool {
    name == "cmds"
        || name.starts_with("dovecot")
        || name.starts_with("courierimap")
        || matches!(name, "maildirsize" | "maildirfolder" | "subscriptions")
}

impl Source for MailDir {
    fn next_into(&mut self, out: &mut Labelled) -> Result<Step> {
        loop {
            let Some(file) = self.files.next() else {
                let Some((dir, depth)) = self.dirs.pop() else {
                    return Ok(Step::End);
                };
                self.list(&dir, depth)
                    .map_err(|e| io_err(&dir.display().to_string(), e))?;
                continue;
            };
            let name = file.display().to_string();
            let mut f = fs::File::open(&file).map_err(|e| io_err(&name, e))?;
            crate::read_capped(&mut f, &mut self.raw, MAX_MESSAGE).map_err(|e| io_err(&name, e))?;
            self.bytes += self.raw.len() as u64;
            let pos = Position { line: 1, byte: 0 };
            out.pos = pos;
            let rel = file.strip_prefix(&self.root).unwrap_or(&file);
            let label = match label_from_path(rel.parent().unwrap_or(Path::new(""))) {
                Status::Unlabelled => self.root_label.clone(),
                l => l,
            };
            let raw = std::mem::take(&mut self.raw);
            let r = read_message(&raw, out, &mut self.scratch);
            self.raw = raw;
            out.file = Some(file);
            return match r {
                Ok(true) => Ok(Step::Record(label)),
                Ok(false) => {
                    fields::clear(&mut out.comment);
                    Ok(Step::Skip(SkipReason::NotMail))
                }
                Err(what) => Err(mime_err(&name, Format::Maildir, pos, what)),
            };
        }
    }

    fn bytes_read(&self) -> u64 {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_from_paths() {
        assert_eq!(label_from_path(Path::new("/m/.Junk/cur")), Status::Spam);
        assert_eq!(label_from_path(Path::new("corpus/easy_ham_2")), Status::Ham);
        assert_eq!(label_from_path(Path::new("spam.mbox")), Status::Spam);
        assert_eq!(
            label_from_path(Path::new("mail/archive")),
            Status::Unlabelled
        );
    }

    #[test]
    fn decodes_words_qp_and_base64() {
        let mut s = String::new();
        decode_words(
            "=?ISO-8859-1?Q?Caf=E9_cr=E8me?= =?UTF-8?B?4pyT?= ok",
            &mut s,
        );
        assert_eq!(s, "Café crème✓ ok");
        assert_eq!(base64(b"aGVs\nbG8=").unwrap(), b"hello");
        assert!(base64(b"aGV*").unwrap_err().contains("invalid base64"));
        assert!(base64(b"aGVsb").unwrap_err().contains("truncated"));
        assert_eq!(qp(b"a=3Db=\r\nc", false).unwrap(), b"a=bc");
        assert!(qp(b"a=ZZ", false).is_err());
        assert_eq!(
            split_address("\"Ann E\" <ann@x.example>"),
            ("Ann E", "ann@x.example")
        );
    }
}

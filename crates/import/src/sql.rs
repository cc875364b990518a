//! MySQL dumps (mysqldump, phpMyAdmin, `wp db export`): rows of INSERT / REPLACE statements into a
//! table whose name ends in `comments` (`wp_comments`, `wp_2_comments`, …), one row at a time, even
//! from an extended INSERT of thousands of rows. Column order comes from the INSERT's column list,
//! else the dump's CREATE TABLE, else WordPress's schema. Every other statement is skipped.

use std::io::BufRead;

use crate::fields::{self, Field, WP_COMMENTS_SCHEMA};
use crate::{Format, ImportError, Labelled, Position, Result, Source, Status, Step};

/// Longest single value kept (a comment's text is far shorter; a post body in another table is
/// skipped without being kept).
const MAX_VALUE: usize = 16 << 20;

/// A byte stream with one byte of look-ahead and line/offset tracking.
struct Bytes {
    input: Box<dyn BufRead + Send>,
    buf: Vec<u8>,
    pos: usize,
    /// Offset of `buf[0]` in the file.
    base: u64,
    line: u64,
    eof: bool,
}

impl Bytes {
    fn new(input: Box<dyn BufRead + Send>) -> Bytes {
        Bytes {
            input,
            buf: Vec::with_capacity(1 << 16),
            pos: 0,
            base: 0,
            line: 1,
            eof: false,
        }
    }

    fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    fn refill(&mut self) -> std::io::Result<bool> {
        if self.pos < self.buf.len() {
            return Ok(true);
        }
        if self.eof {
            return Ok(false);
        }
        self.base += self.buf.len() as u64;
        self.buf.clear();
        self.pos = 0;
        let chunk = self.input.fill_buf()?;
        if chunk.is_empty() {
            self.eof = true;
            return Ok(false);
        }
        self.buf.extend_from_slice(chunk);
        let n = chunk.len();
        self.input.consume(n);
        Ok(true)
    }

    #[inline]
    fn peek(&mut self) -> std::io::Result<Option<u8>> {
        if self.pos < self.buf.len() {
            return Ok(Some(self.buf[self.pos]));
        }
        Ok(if self.refill()? {
            Some(self.buf[self.pos])
        } else {
            None
        })
    }

    #[inline]
    fn next(&mut self) -> std::io::Result<Option<u8>> {
        let b = self.peek()?;
        if let Some(b) = b {
            self.pos += 1;
            if b == b'\n' {
                self.line += 1;
            }
        }
        Ok(b)
    }
}

/// What the statement loop is doing.
enum State {
    /// Between statements.
    Top,
    /// Inside an INSERT's VALUES, before a row or the statement's end.
    Rows,
}

/// The dump reader.
pub(crate) struct Sql {
    b: Bytes,
    name: String,
    state: State,
    /// Schema from a CREATE TABLE of a comments table, if the dump has one.
    schema: Option<Vec<String>>,
    /// Field of each column of the current INSERT.
    cols: Vec<Option<Field>>,
    values: Vec<Vec<u8>>,
    word: Vec<u8>,
}

impl Sql {
    pub fn new(input: Box<dyn BufRead + Send>, name: &str) -> Sql {
        Sql {
            b: Bytes::new(input),
            name: name.to_owned(),
            state: State::Top,
            schema: None,
            cols: Vec::new(),
            values: Vec::new(),
            word: Vec::new(),
        }
    }

    fn err(&self, what: impl Into<String>) -> ImportError {
        ImportError::malformed(&self.name, Format::Sql, self.b.line, self.b.offset(), what)
    }

    fn io(&self, source: std::io::Error) -> ImportError {
        ImportError::Io {
            file: self.name.clone(),
            source,
        }
    }

    fn peek(&mut self) -> Result<Option<u8>> {
        self.b.peek().map_err(|e| self.io(e))
    }

    fn next(&mut self) -> Result<Option<u8>> {
        self.b.next().map_err(|e| self.io(e))
    }

    /// Skips whitespace and comments (`-- …`, `# …`, `/* … */`, including `/*!40101 … */`).
    fn skip_space(&mut self) -> Result<()> {
        loop {
            match self.peek()? {
                Some(b) if b.is_ascii_whitespace() => {
                    self.next()?;
                }
                Some(b'#') => self.skip_line()?,
                Some(b'-') => {
                    // `--` starts a comment only when followed by a space or line end; a lone `-`
                    // at statement level is not SQL we read, so treating `-x` as a comment is safe.
                    self.next()?;
                    if self.peek()? == Some(b'-') {
                        self.skip_line()?;
                    } else {
                        return Err(self.err("unexpected `-`"));
                    }
                }
                Some(b'/') => {
                    self.next()?;
                    if self.next()? != Some(b'*') {
                        return Err(self.err("unexpected `/`"));
                    }
                    let mut star = false;
                    loop {
                        match self.next()? {
                            None => return Err(self.err("the file ends inside a /* comment */")),
                            Some(b'/') if star => break,
                            Some(b) => star = b == b'*',
                        }
                    }
                    // `/*!40101 SET … */;` leaves a `;` behind.
                    while matches!(self.peek()?, Some(b' ' | b'\t')) {
                        self.next()?;
                    }
                    if self.peek()? == Some(b';') {
                        self.next()?;
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn skip_line(&mut self) -> Result<()> {
        while let Some(b) = self.next()? {
            if b == b'\n' {
                break;
            }
        }
        Ok(())
    }

    /// Reads an identifier (bare or `backquoted`, maybe `db`.`table`) into `self.word`, keeping the
    /// last part.
    fn ident(&mut self) -> Result<()> {
        self.skip_space()?;
        self.word.clear();
        loop {
            match self.peek()? {
                Some(b'`') => {
                    self.next()?;
                    self.word.clear();
                    loop {
                        match self.next()? {
                            None => return Err(self.err("the file ends inside a `quoted name`")),
                            Some(b'`') => {
                                if self.peek()? == Some(b'`') {
                                    self.next()?;
                                    self.word.push(b'`');
                                } else {
                                    break;
                                }
                            }
                            Some(b) => self.word.push(b),
                        }
                    }
                }
                Some(b) if b.is_ascii_alphanumeric() || b == b'_' || b == b'$' => {
                    self.next()?;
                    self.word.push(b);
                }
                Some(b'.') => {
                    self.next()?;
                    self.word.clear();
                }
                _ => return Ok(()),
            }
        }
    }

    fn word_is(&self, w: &str) -> bool {
        self.word.eq_ignore_ascii_case(w.as_bytes())
    }

    /// Skips to the end of the statement (`;` outside quotes).
    fn skip_statement(&mut self) -> Result<()> {
        loop {
            match self.next()? {
                None => return Ok(()),
                Some(b';') => return Ok(()),
                Some(q @ (b'\'' | b'"' | b'`')) => self.skip_quoted(q)?,
                Some(_) => {}
            }
        }
    }

    fn skip_quoted(&mut self, q: u8) -> Result<()> {
        loop {
            match self.next()? {
                None => return Err(self.err("the file ends inside a quoted string")),
                Some(b'\\') if q != b'`' => {
                    self.next()?;
                }
                Some(b) if b == q => {
                    if self.peek()? == Some(q) {
                        self.next()?;
                    } else {
                        return Ok(());
                    }
                }
                Some(_) => {}
            }
        }
    }

    fn is_comments_table(&self) -> bool {
        self.word.len() >= 8 && self.word[self.word.len() - 8..].eq_ignore_ascii_case(b"comments")
    }

    /// `CREATE TABLE name (` … `)`: remembers the column names of a comments table.
    fn create(&mut self) -> Result<()> {
        self.ident()?;
        if !self.word_is("TABLE") {
            return self.skip_statement();
        }
        self.ident()?;
        if self.word_is("IF") {
            self.ident()?; // NOT
            self.ident()?; // EXISTS
            self.ident()?;
        }
        if !self.is_comments_table() {
            return self.skip_statement();
        }
        self.skip_space()?;
        if self.next()? != Some(b'(') {
            return self.skip_statement();
        }
        let mut cols = Vec::new();
        loop {
            self.ident()?;
            let name = String::from_utf8_lossy(&self.word).into_owned();
            let upper = name.to_ascii_uppercase();
            if !name.is_empty()
                && ![
                    "PRIMARY",
                    "KEY",
                    "UNIQUE",
                    "INDEX",
                    "CONSTRAINT",
                    "FULLTEXT",
                    "FOREIGN",
                    "CHECK",
                    "SPATIAL",
                ]
                .contains(&upper.as_str())
            {
                cols.push(name);
            }
            // Skip the rest of this definition, to a `,` or `)` at depth 0.
            let mut depth = 0usize;
            loop {
                match self.next()? {
                    None => return Err(self.err("the file ends inside CREATE TABLE")),
                    Some(q @ (b'\'' | b'"' | b'`')) => self.skip_quoted(q)?,
                    Some(b'(') => depth += 1,
                    Some(b')') if depth > 0 => depth -= 1,
                    Some(b')') => {
                        self.schema = Some(cols);
                        return self.skip_statement();
                    }
                    Some(b',') if depth == 0 => break,
                    Some(_) => {}
                }
            }
        }
    }

    /// After `INSERT`/`REPLACE`: modifiers, `INTO`, the table, an optional column list, `VALUES`.
    /// Returns whether rows of a comments table follow.
    fn insert_head(&mut self) -> Result<bool> {
        loop {
            self.ident()?;
            if self.word_is("INTO") {
                break;
            }
            if !["LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "IGNORE"]
                .iter()
                .any(|w| self.word_is(w))
            {
                return Err(self.err("expected INTO after INSERT"));
            }
        }
        self.ident()?;
        if !self.is_comments_table() {
            self.skip_statement()?;
            return Ok(false);
        }
        self.skip_space()?;
        let names: Vec<String> = if self.peek()? == Some(b'(') {
            self.next()?;
            let mut names = Vec::new();
            loop {
                self.ident()?;
                names.push(String::from_utf8_lossy(&self.word).into_owned());
                self.skip_space()?;
                match self.next()? {
                    Some(b',') => {}
                    Some(b')') => break,
                    _ => return Err(self.err("bad column list in INSERT")),
                }
            }
            names
        } else if let Some(s) = &self.schema {
            s.clone()
        } else {
            WP_COMMENTS_SCHEMA.iter().map(|s| s.to_string()).collect()
        };
        self.cols = names.iter().map(|n| fields::field_for(n)).collect();
        if !self.cols.contains(&Some(Field::Content)) {
            return Err(self.err(format!(
                "the INSERT into {} has no comment_content column (columns: {})",
                String::from_utf8_lossy(&self.word),
                names.join(", ")
            )));
        }
        self.ident()?;
        if !(self.word_is("VALUES") || self.word_is("VALUE")) {
            return Err(self.err("expected VALUES in INSERT (INSERT … SELECT is not a dump)"));
        }
        Ok(true)
    }

    /// One `( v, v, … )` row into `self.values`.
    fn row(&mut self) -> Result<()> {
        let mut n = 0;
        loop {
            self.skip_space()?;
            if n == self.values.len() {
                self.values.push(Vec::new());
            }
            self.values[n].clear();
            match self.peek()? {
                Some(q @ (b'\'' | b'"')) => {
                    self.next()?;
                    self.string(q, n)?;
                }
                Some(_) => {
                    // NULL, numbers, _binary/_utf8mb4 introducers followed by a string, 0x… hex.
                    loop {
                        match self.peek()? {
                            Some(b',' | b')') | None => break,
                            Some(q @ (b'\'' | b'"')) => {
                                self.next()?;
                                self.values[n].clear();
                                self.string(q, n)?;
                            }
                            Some(b) if b.is_ascii_whitespace() => {
                                self.next()?;
                            }
                            Some(b) => {
                                self.next()?;
                                self.values[n].push(b);
                            }
                        }
                    }
                    if self.values[n].eq_ignore_ascii_case(b"NULL") {
                        self.values[n].clear();
                    }
                }
                None => {
                    return Err(self.err("the file ends inside an INSERT row (truncated dump?)"))
                }
            }
            n += 1;
            self.skip_space()?;
            match self.next()? {
                Some(b',') => {}
                Some(b')') => break,
                Some(b) => {
                    return Err(self.err(format!(
                        "expected `,` or `)` in a row, found {:?}",
                        b as char
                    )))
                }
                None => {
                    return Err(self.err("the file ends inside an INSERT row (truncated dump?)"))
                }
            }
        }
        self.values.truncate(n.max(1));
        if n != self.cols.len() {
            return Err(self.err(format!(
                "a row has {n} values but the INSERT has {} columns",
                self.cols.len()
            )));
        }
        Ok(())
    }

    /// A quoted string after its opening quote, with MySQL's escapes, into `self.values[n]`.
    fn string(&mut self, q: u8, n: usize) -> Result<()> {
        let start_line = self.b.line;
        loop {
            let Some(b) = self.next()? else {
                return Err(ImportError::malformed(
                    &self.name,
                    Format::Sql,
                    start_line,
                    self.b.offset(),
                    "the file ends inside a quoted string that starts on this line (truncated dump, or a quote not escaped?)",
                ));
            };
            let v = &mut self.values[n];
            if b == b'\\' {
                let Some(e) = self.b.next().map_err(|e| self.io(e))? else {
                    continue;
                };
                let v = &mut self.values[n];
                if e == b'%' || e == b'_' {
                    // MySQL keeps the backslash of `\%` and `\_` outside LIKE patterns.
                    v.push(b'\\');
                }
                v.push(match e {
                    b'0' => 0,
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'b' => 8,
                    b'Z' => 26,
                    other => other,
                });
            } else if b == q {
                if self.peek()? == Some(q) {
                    self.next()?;
                    self.values[n].push(q);
                } else {
                    return Ok(());
                }
            } else {
                v.push(b);
            }
            if self.values[n].len() > MAX_VALUE {
                return Err(self.err(format!("a value is longer than {} MiB", MAX_VALUE >> 20)));
            }
        }
    }

    fn fill(&mut self, out: &mut Labelled) -> Result<Status> {
        fields::clear(&mut out.comment);
        let mut status = Status::Unknown;
        let mut has_type = false;
        for (i, f) in self.cols.iter().enumerate() {
            let Some(f) = *f else { continue };
            let v = String::from_utf8_lossy(&self.values[i]);
            has_type |= f == Field::Type;
            if let Some(s) = fields::assign(&mut out.comment, f, &v, "spam") {
                status = s;
            }
        }
        if !has_type {
            fields::set(&mut out.comment.comment_type, "comment");
        }
        fields::drop_empty(&mut out.comment);
        Ok(status)
    }
}

impl Source for Sql {
    fn next_into(&mut self, out: &mut Labelled) -> Result<Step> {
        loop {
            match self.state {
                State::Rows => {
                    self.skip_space()?;
                    match self.peek()? {
                        Some(b'(') => {
                            out.pos = Position {
                                line: self.b.line,
                                byte: self.b.offset(),
                            };
                            out.file = None;
                            self.next()?;
                            self.row()?;
                            let status = self.fill(out)?;
                            self.skip_space()?;
                            match self.peek()? {
                                Some(b',') => {
                                    self.next()?;
                                }
                                Some(b';') => {
                                    self.next()?;
                                    self.state = State::Top;
                                }
                                None => return Err(self.err(
                                    "the file ends inside an INSERT (missing `;`: truncated dump?)",
                                )),
                                Some(_) => {
                                    // ON DUPLICATE KEY UPDATE …
                                    self.skip_statement()?;
                                    self.state = State::Top;
                                }
                            }
                            return Ok(Step::Record(status));
                        }
                        None => {
                            return Err(self.err("the file ends inside an INSERT (truncated dump?)"))
                        }
                        Some(b) => {
                            return Err(self.err(format!(
                                "expected `(` starting a row, found {:?}",
                                b as char
                            )))
                        }
                    }
                }
                State::Top => {
                    self.skip_space()?;
                    if self.peek()?.is_none() {
                        return Ok(Step::End);
                    }
                    self.ident()?;
                    if self.word.is_empty() {
                        // Not a statement keyword (a stray `;` or `)`): step over the byte.
                        self.next()?;
                        continue;
                    }
                    if self.word_is("INSERT") || self.word_is("REPLACE") {
                        if self.insert_head()? {
                            self.state = State::Rows;
                        }
                    } else if self.word_is("CREATE") {
                        self.create()?;
                    } else {
                        self.skip_statement()?;
                    }
                }
            }
        }
    }

    fn bytes_read(&self) -> u64 {
        self.b.offset()
    }
}

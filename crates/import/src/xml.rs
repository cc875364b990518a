//! The XML exports: WordPress WXR (`<wp:comment>` inside `<item>`) and Disqus (`<thread>`, `<post>`),
//! both read with quick-xml's pull parser so only the current element's text is ever held.

use std::collections::HashMap;
use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::counted::Counted;
use crate::fields::{self, Field};
use crate::Format;
use crate::{html, ImportError, Labelled, Position, Result, Source, Status, Step};

type Input = Counted<Box<dyn BufRead + Send>>;

/// Cap on one element's text: a WXR post body can be large, a comment more than this is not text.
const MAX_TEXT: usize = 16 << 20;

/// Shared pull loop: the reader, its event buffer, element depth and the text being captured.
struct Pull {
    reader: Reader<Input>,
    buf: Vec<u8>,
    name: String,
    format: Format,
    /// Whether element ids (`dsq:id`) are wanted: Disqus only, so WXR skips the attribute scan.
    want_id: bool,
    /// The element of the last [`Ev::Open`].
    open: Opened,
    /// Whether [`Pull::leaf`] may be used (tests compare with it off).
    fast: bool,
    depth: usize,
    /// Text of the element being captured, and the depth it started at.
    text: String,
    capturing: Option<usize>,
}

/// Names and id of the element an [`Ev::Open`] reports, kept in reused buffers.
struct Opened {
    /// Qualified name, and where its local part starts.
    qname: Vec<u8>,
    local_at: usize,
    /// `dsq:id` attribute, when asked for.
    id: Option<String>,
}

impl Opened {
    /// Remembers the names (and with `want_id`, `dsq:id`) of the start tag just read.
    fn set(&mut self, e: &BytesStart<'_>, want_id: bool) {
        self.qname.clear();
        self.qname.extend_from_slice(e.name().as_ref());
        self.local_at = self.qname.len() - e.local_name().as_ref().len();
        if want_id {
            self.id = match e.try_get_attribute("dsq:id") {
                Ok(Some(a)) => a.unescape_value().ok().map(|v| v.into_owned()),
                _ => None,
            };
        }
    }
}

/// What one pulled event means to a format reader.
enum Ev {
    /// An element opened at `depth` (1 = root). `empty` for `<x/>`.
    /// Its names and id are [`Pull::qname`], [`Pull::local`] and `Pull::id`.
    Open {
        depth: usize,
        empty: bool,
        /// Byte offset of the `<`; [`Pull::at`] makes it a [`Position`].
        byte: u64,
    },
    /// The captured element at this depth closed; its text is in `Pull::text`.
    Captured,
    /// An element at this depth closed.
    Close {
        depth: usize,
    },
    Eof,
}

impl Pull {
    fn new(reader: Box<dyn BufRead + Send>, name: &str, format: Format) -> Pull {
        let mut reader = Reader::from_reader(Counted::new(reader));
        let c = reader.config_mut();
        c.trim_text(false);
        c.check_end_names = true;
        Pull {
            reader,
            buf: Vec::with_capacity(8192),
            name: name.to_owned(),
            format,
            want_id: format == Format::Disqus,
            open: Opened {
                qname: Vec::with_capacity(64),
                local_at: 0,
                id: None,
            },
            fast: true,
            depth: 0,
            text: String::new(),
            capturing: None,
        }
    }

    fn error(&self, what: impl Into<String>, byte: u64) -> ImportError {
        err(&self.name, self.format, &self.reader, what, byte)
    }

    /// Qualified name of the element of the last [`Ev::Open`] (`wp:comment`).
    fn qname(&self) -> &[u8] {
        &self.open.qname
    }

    /// Local name of the element of the last [`Ev::Open`] (`comment`).
    fn local(&self) -> &[u8] {
        &self.open.qname[self.open.local_at..]
    }

    /// Starts capturing the text of the element just opened at `depth`.
    fn capture(&mut self, depth: usize) {
        self.text.clear();
        self.capturing = Some(depth);
    }

    fn next(&mut self) -> Result<Ev> {
        loop {
            self.buf.clear();
            let ev = match self.reader.read_event_into(&mut self.buf) {
                Ok(ev) => ev,
                Err(e) => {
                    let at = error_pos(&self.reader);
                    return Err(self.error(e.to_string(), at));
                }
            };
            match ev {
                Event::Start(e) => {
                    self.depth += 1;
                    let byte = start_byte(&self.reader, &e);
                    self.open.set(&e, self.want_id);
                    return Ok(Ev::Open {
                        depth: self.depth,
                        empty: false,
                        byte,
                    });
                }
                Event::Empty(e) => {
                    let byte = start_byte(&self.reader, &e);
                    self.open.set(&e, self.want_id);
                    return Ok(Ev::Open {
                        depth: self.depth + 1,
                        empty: true,
                        byte,
                    });
                }
                Event::End(e) => {
                    let depth = self.depth;
                    self.depth = self.depth.saturating_sub(1);
                    if self.capturing == Some(depth) {
                        self.capturing = None;
                        return Ok(Ev::Captured);
                    }
                    drop(e);
                    return Ok(Ev::Close { depth });
                }
                Event::Text(t) if self.capturing.is_some() => push_bytes(
                    &mut self.text,
                    &t,
                    "text",
                    &self.name,
                    self.format,
                    &self.reader,
                )?,
                Event::CData(t) if self.capturing.is_some() => push_bytes(
                    &mut self.text,
                    &t,
                    "CDATA",
                    &self.name,
                    self.format,
                    &self.reader,
                )?,
                Event::GeneralRef(r) if self.capturing.is_some() => {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => {
                            let mut b = [0u8; 4];
                            push(
                                &mut self.text,
                                c.encode_utf8(&mut b),
                                &self.name,
                                self.format,
                                &self.reader,
                            )?;
                        }
                        Ok(None) => {
                            let name = String::from_utf8_lossy(&r).into_owned();
                            match quick_xml::escape::resolve_predefined_entity(&name) {
                                Some(v) => {
                                    push(&mut self.text, v, &self.name, self.format, &self.reader)?
                                }
                                // Not XML (an HTML entity outside CDATA): keep it as written.
                                None => push(
                                    &mut self.text,
                                    &format!("&{name};"),
                                    &self.name,
                                    self.format,
                                    &self.reader,
                                )?,
                            }
                        }
                        Err(e) => {
                            let at = buffer_pos(&self.reader);
                            return Err(err(
                                &self.name,
                                self.format,
                                &self.reader,
                                e.to_string(),
                                at,
                            ));
                        }
                    }
                }
                Event::Eof => {
                    if self.depth > 0 {
                        let at = buffer_pos(&self.reader);
                        return Err(self.error(
                            format!(
                                "the file ends with {} element(s) still open (truncated export?)",
                                self.depth
                            ),
                            at,
                        ));
                    }
                    return Ok(Ev::Eof);
                }
                _ => {}
            }
        }
    }

    fn bytes(&self) -> u64 {
        self.reader.get_ref().byte
    }

    /// Fast path for the many small leaf elements of a record (`<wp:comment_author><![CDATA[Mark]]>
    /// </wp:comment_author>`): scans one from the buffered input without going through quick-xml,
    /// as if quick-xml had reported its start, its text and CDATA, and its end.
    ///
    /// Only when the last event was a start or end tag (quick-xml then resumes reading text, so
    /// bytes taken here leave its state as it was), nothing is being captured, and the next bytes
    /// in the buffer are, in full: optional whitespace, `<name>` (no attributes), text without `&`
    /// and `<`, and CDATA sections, up to exactly `</name>`. `want(local name)` says whether the
    /// text is wanted: then it is left in `text` (each piece UTF-8), and the name in `open`.
    /// Anything else (a reference, a comment, a nested element, invalid UTF-8, the end of the
    /// buffer, a mismatched end tag) returns false with nothing consumed, and quick-xml parses it,
    /// reporting errors exactly as before. Element depth is unchanged: the element opens and closes.
    fn leaf(&mut self, want: impl FnOnce(&[u8]) -> bool) -> bool {
        if self.capturing.is_some() || !self.fast {
            return false;
        }
        let b = self.reader.get_ref().buffered();
        let mut i = 0;
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
        }
        if b.get(i) != Some(&b'<') {
            return false;
        }
        let name_at = i + 1;
        let mut k = name_at;
        while k < b.len() && is_name_byte(b[k]) {
            k += 1;
        }
        if k == name_at || b.get(k) != Some(&b'>') {
            return false;
        }
        let name = &b[name_at..k];
        let local_at = memchr::memchr(b':', name).map_or(0, |c| c + 1);
        let wanted = want(&name[local_at..]);
        self.text.clear();
        k += 1;
        loop {
            let rest = &b[k..];
            let Some(lt) = memchr::memchr2(b'<', b'&', rest) else {
                return false;
            };
            if rest[lt] == b'&' {
                return false;
            }
            if wanted && !take_utf8(&mut self.text, &rest[..lt]) {
                return false;
            }
            k += lt;
            let rest = &b[k..];
            if let Some(cdata) = rest.strip_prefix(b"<![CDATA[") {
                let Some(end) = cdata_end(cdata) else {
                    return false;
                };
                if wanted && !take_utf8(&mut self.text, &cdata[..end]) {
                    return false;
                }
                k += 9 + end + 3;
                continue;
            }
            let closes = rest
                .strip_prefix(b"</")
                .and_then(|r| r.strip_prefix(name))
                .is_some_and(|r| r.first() == Some(&b'>'));
            if !closes {
                return false;
            }
            k += 2 + name.len() + 1;
            break;
        }
        if self.text.len() > MAX_TEXT {
            return false;
        }
        self.open.qname.clear();
        self.open.qname.extend_from_slice(name);
        self.open.local_at = local_at;
        self.reader.get_mut().skip(k);
        true
    }

    /// The position of an element opened by the event just returned, from its byte offset: the
    /// line is the one the parser has read up to (the end of the start tag).
    fn at(&self, byte: u64) -> Position {
        Position {
            line: self.reader.get_ref().line(),
            byte,
        }
    }
}

fn err(
    name: &str,
    format: Format,
    reader: &Reader<Input>,
    what: impl Into<String>,
    byte: u64,
) -> ImportError {
    ImportError::malformed(name, format, reader.get_ref().line(), byte, what)
}

/// Appends the raw bytes of a text or CDATA event (`what`, for the message) to `text`: they must be
/// UTF-8, and need no unescaping (quick-xml reports entity references as separate events).
fn push_bytes(
    text: &mut String,
    raw: &[u8],
    what: &str,
    name: &str,
    format: Format,
    reader: &Reader<Input>,
) -> Result<()> {
    let s = reader.decoder().decode(raw).map_err(|e| {
        let what = format!("{what} is not UTF-8: {e}");
        err(name, format, reader, what, buffer_pos(reader))
    })?;
    push(text, &s, name, format, reader)
}

fn push(
    text: &mut String,
    s: &str,
    name: &str,
    format: Format,
    reader: &Reader<Input>,
) -> Result<()> {
    if text.len() + s.len() > MAX_TEXT {
        let what = format!("an element holds more than {} MiB of text", MAX_TEXT >> 20);
        return Err(err(name, format, reader, what, buffer_pos(reader)));
    }
    text.push_str(s);
    Ok(())
}

/// Byte offset of the `<` of the start tag just read.
fn start_byte(reader: &Reader<Input>, e: &BytesStart<'_>) -> u64 {
    buffer_pos(reader).saturating_sub(e.len() as u64 + 2)
}

/// Bytes [`Pull::leaf`] accepts in an element name: every name a WXR exporter writes.
fn is_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b':' | b'-' | b'.')
}

/// Where the first `]]>` starts (short CDATA: cheaper than setting up a memmem searcher).
fn cdata_end(b: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = memchr::memchr(b']', &b[from..]) {
        let at = from + i;
        if b[at..].starts_with(b"]]>") {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Appends `raw` to `text` if it is UTF-8.
fn take_utf8(text: &mut String, raw: &[u8]) -> bool {
    match std::str::from_utf8(raw) {
        Ok(s) => {
            text.push_str(s);
            true
        }
        Err(_) => false,
    }
}

/// Byte offset just after the last event: quick-xml's count plus what [`Pull::leaf`] read itself.
fn buffer_pos(reader: &Reader<Input>) -> u64 {
    reader.buffer_position() + reader.get_ref().skipped
}

/// Byte offset of the markup a quick-xml error is about.
fn error_pos(reader: &Reader<Input>) -> u64 {
    reader.error_position() + reader.get_ref().skipped
}

/// What a WXR element's text becomes.
#[derive(Clone, Copy, PartialEq)]
enum WxrCap {
    ChannelLink,
    BaseUrl,
    ItemLink,
    Category,
    PostModified,
    Comment(Field),
}

/// WordPress eXtended RSS.
pub(crate) struct Wxr {
    pull: Pull,
    target: Option<WxrCap>,
    item: Option<usize>,
    comment: Option<usize>,
    blog: String,
    link: String,
    modified: String,
    cats: Vec<String>,
    status: Status,
    has_type: bool,
}

impl Wxr {
    pub fn new(reader: Box<dyn BufRead + Send>, name: &str) -> Wxr {
        Wxr {
            pull: Pull::new(reader, name, Format::Wxr),
            target: None,
            item: None,
            comment: None,
            blog: String::new(),
            link: String::new(),
            modified: String::new(),
            cats: Vec::new(),
            status: Status::Unknown,
            has_type: false,
        }
    }
}

/// What a child element of `<wp:comment>` with this local name becomes, and whether it is the
/// `comment_type` element (a comment without one is an ordinary comment).
fn comment_child(local: &[u8]) -> (Option<WxrCap>, bool) {
    // WordPress's exporter spells them so: no lower-casing needed (field_for_bytes gives the same).
    let f = match local {
        b"comment_type" => return (Some(WxrCap::Comment(Field::Type)), true),
        b"comment_id" | b"comment_date" | b"comment_user_id" => None,
        b"comment_author" => Some(Field::Author),
        b"comment_author_email" => Some(Field::Email),
        b"comment_author_url" => Some(Field::Url),
        b"comment_author_IP" => Some(Field::Ip),
        b"comment_date_gmt" => Some(Field::DateGmt),
        b"comment_content" => Some(Field::Content),
        b"comment_approved" => Some(Field::Approved),
        b"comment_parent" => Some(Field::Parent),
        _ => fields::field_for_bytes(local),
    };
    (f.map(WxrCap::Comment), false)
}

impl Source for Wxr {
    fn next_into(&mut self, out: &mut Labelled) -> Result<Step> {
        loop {
            // Directly inside a comment: its leaf children, without quick-xml when they are plain.
            if self.comment.is_some_and(|cd| cd == self.pull.depth) {
                let mut child = (None, false);
                if self.pull.leaf(|local| {
                    child = comment_child(local);
                    child.0.is_some()
                }) {
                    if let (Some(WxrCap::Comment(f)), is_type) = child {
                        self.has_type |= is_type;
                        if let Some(s) =
                            fields::assign(&mut out.comment, f, &self.pull.text, "spam")
                        {
                            self.status = s;
                        }
                    }
                    continue;
                }
            }
            match self.pull.next()? {
                Ev::Eof => return Ok(Step::End),
                Ev::Open { depth, empty, byte } => {
                    let (qname, local) = (self.pull.qname(), self.pull.local());
                    let target = if let Some(cd) = self.comment {
                        if depth != cd + 1 {
                            None
                        } else {
                            let (target, is_type) = comment_child(local);
                            self.has_type |= is_type;
                            target
                        }
                    } else if let Some(id) = self.item {
                        match (qname, local) {
                            (b"wp:comment", _) | (_, b"comment") if depth == id + 1 => {
                                self.comment = Some(depth);
                                fields::clear(&mut out.comment);
                                out.pos = self.pull.at(byte);
                                out.file = None;
                                self.status = Status::Unknown;
                                self.has_type = false;
                                None
                            }
                            (b"link", _) if depth == id + 1 => Some(WxrCap::ItemLink),
                            (b"category", _) if depth == id + 1 => Some(WxrCap::Category),
                            (_, b"post_modified_gmt") if depth == id + 1 => {
                                Some(WxrCap::PostModified)
                            }
                            _ => None,
                        }
                    } else {
                        match (qname, local) {
                            (b"item", _) => {
                                self.item = Some(depth);
                                self.link.clear();
                                self.modified.clear();
                                self.cats.clear();
                                None
                            }
                            (b"link", _) if depth == 3 => Some(WxrCap::ChannelLink),
                            (_, b"base_blog_url") => Some(WxrCap::BaseUrl),
                            _ => None,
                        }
                    };
                    if let (Some(t), false) = (target, empty) {
                        self.target = Some(t);
                        self.pull.capture(depth);
                    }
                }
                Ev::Captured => {
                    let text = &self.pull.text;
                    match self.target.take() {
                        Some(WxrCap::ChannelLink) => text.trim().clone_into(&mut self.blog),
                        Some(WxrCap::BaseUrl) if self.blog.is_empty() => {
                            text.trim().clone_into(&mut self.blog)
                        }
                        Some(WxrCap::ItemLink) => text.trim().clone_into(&mut self.link),
                        Some(WxrCap::PostModified) => text.trim().clone_into(&mut self.modified),
                        Some(WxrCap::Category) => {
                            let c = text.trim();
                            if !c.is_empty()
                                && !self.cats.iter().any(|x| x == c)
                                && self.cats.len() < 32
                            {
                                self.cats.push(c.to_owned());
                            }
                        }
                        Some(WxrCap::Comment(f)) => {
                            if let Some(s) = fields::assign(&mut out.comment, f, text, "spam") {
                                self.status = s;
                            }
                        }
                        _ => {}
                    }
                }
                Ev::Close { depth, .. } => {
                    if self.comment == Some(depth) {
                        self.comment = None;
                        let c = &mut out.comment;
                        if !self.has_type {
                            fields::set(&mut c.comment_type, "comment");
                        }
                        fields::set(&mut c.permalink, &self.link);
                        fields::set(&mut c.blog, &self.blog);
                        fields::set_wp_date(&mut c.comment_post_modified_gmt, &self.modified);
                        c.comment_context.extend(self.cats.iter().cloned());
                        fields::drop_empty(c);
                        return Ok(Step::Record(std::mem::replace(
                            &mut self.status,
                            Status::Unknown,
                        )));
                    }
                    if self.item == Some(depth) {
                        self.item = None;
                    }
                }
            }
        }
    }

    fn bytes_read(&self) -> u64 {
        self.pull.bytes()
    }
}

/// What a Disqus element's text becomes.
#[derive(Clone, Copy, PartialEq)]
enum DsqCap {
    ThreadLink,
    Message,
    Created,
    Deleted,
    Spam,
    Email,
    Name,
    Ip,
}

/// Most threads remembered for permalinks; a bigger export keeps working without them.
const MAX_THREADS: usize = 1 << 20;

/// Disqus XML export.
pub(crate) struct Disqus {
    pull: Pull,
    target: Option<DsqCap>,
    /// thread dsq:id → link.
    threads: HashMap<String, String>,
    thread: Option<(usize, String)>,
    post: Option<usize>,
    author: Option<usize>,
    spam: bool,
    deleted: bool,
    html: String,
}

impl Disqus {
    pub fn new(reader: Box<dyn BufRead + Send>, name: &str) -> Disqus {
        Disqus {
            pull: Pull::new(reader, name, Format::Disqus),
            target: None,
            threads: HashMap::new(),
            thread: None,
            post: None,
            author: None,
            spam: false,
            deleted: false,
            html: String::new(),
        }
    }
}

fn truthy(s: &str) -> bool {
    matches!(s.trim(), "true" | "1" | "True" | "TRUE")
}

impl Source for Disqus {
    fn next_into(&mut self, out: &mut Labelled) -> Result<Step> {
        loop {
            match self.pull.next()? {
                Ev::Eof => return Ok(Step::End),
                Ev::Open { depth, empty, byte } => {
                    let id = self.pull.open.id.take();
                    let target = match (self.post, self.pull.local()) {
                        (None, b"thread") if depth == 2 && !empty => {
                            self.thread = Some((depth, id.unwrap_or_default()));
                            None
                        }
                        (None, b"link")
                            if self.thread.as_ref().is_some_and(|t| depth == t.0 + 1) =>
                        {
                            Some(DsqCap::ThreadLink)
                        }
                        (None, b"post") if depth == 2 && !empty => {
                            self.post = Some(depth);
                            fields::clear(&mut out.comment);
                            out.pos = self.pull.at(byte);
                            out.file = None;
                            self.spam = false;
                            self.deleted = false;
                            None
                        }
                        (Some(p), b"thread") if depth == p + 1 => {
                            if let Some(link) = id.and_then(|i| self.threads.get(&i)) {
                                fields::set(&mut out.comment.permalink, link);
                            }
                            None
                        }
                        (Some(p), b"author") if depth == p + 1 => {
                            self.author = Some(depth);
                            None
                        }
                        (Some(p), name) if depth == p + 1 => match name {
                            b"message" => Some(DsqCap::Message),
                            b"createdAt" => Some(DsqCap::Created),
                            b"isDeleted" => Some(DsqCap::Deleted),
                            b"isSpam" => Some(DsqCap::Spam),
                            b"ipAddress" => Some(DsqCap::Ip),
                            _ => None,
                        },
                        (Some(_), name) if self.author.is_some_and(|a| depth == a + 1) => {
                            match name {
                                b"email" => Some(DsqCap::Email),
                                b"name" => Some(DsqCap::Name),
                                _ => None,
                            }
                        }
                        _ => None,
                    };
                    if let (Some(t), false) = (target, empty) {
                        self.target = Some(t);
                        self.pull.capture(depth);
                    }
                }
                Ev::Captured => {
                    let text = self.pull.text.as_str();
                    let c = &mut out.comment;
                    match self.target.take() {
                        Some(DsqCap::ThreadLink) => {
                            if let Some((_, id)) = &self.thread {
                                if self.threads.len() < MAX_THREADS {
                                    self.threads.insert(id.clone(), text.trim().to_owned());
                                }
                            }
                        }
                        Some(DsqCap::Message) => {
                            self.html.clear();
                            html::to_text(text, &mut self.html);
                            fields::set(&mut c.comment_content, self.html.trim());
                        }
                        Some(DsqCap::Created) => fields::set(&mut c.comment_date_gmt, text.trim()),
                        Some(DsqCap::Deleted) => self.deleted = truthy(text),
                        Some(DsqCap::Spam) => self.spam = truthy(text),
                        Some(DsqCap::Email) => {
                            fields::set(&mut c.comment_author_email, text.trim())
                        }
                        Some(DsqCap::Name) => fields::set(&mut c.comment_author, text.trim()),
                        Some(DsqCap::Ip) => fields::set(&mut c.user_ip, text.trim()),
                        None => {}
                    }
                }
                Ev::Close { depth, .. } => {
                    if self.author == Some(depth) {
                        self.author = None;
                    } else if self.thread.as_ref().is_some_and(|t| t.0 == depth) {
                        self.thread = None;
                    } else if self.post == Some(depth) {
                        self.post = None;
                        fields::set(&mut out.comment.comment_type, "comment");
                        fields::drop_empty(&mut out.comment);
                        let status = if self.spam {
                            Status::Spam
                        } else if self.deleted {
                            Status::Trash
                        } else {
                            Status::Ham
                        };
                        return Ok(Step::Record(status));
                    }
                }
            }
        }
    }

    fn bytes_read(&self) -> u64 {
        self.pull.bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record (status, fields, position) or error of `xml`, with or without [`Pull::leaf`].
    fn read_all(xml: &[u8], fast: bool) -> Vec<String> {
        let mut r = Wxr::new(Box::new(std::io::Cursor::new(xml.to_vec())), "t.xml");
        r.pull.fast = fast;
        let mut out = Labelled::default();
        let mut v = Vec::new();
        loop {
            match r.next_into(&mut out) {
                Ok(Step::End) => break,
                Ok(Step::Record(s)) => v.push(format!("{s:?} {out:?}")),
                Ok(Step::Skip(_)) => v.push("skip".into()),
                Err(e) => {
                    v.push(e.to_string());
                    break;
                }
            }
        }
        v.push(r.bytes_read().to_string());
        v
    }

    fn same(xml: &[u8]) {
        let (fast, slow) = (read_all(xml, true), read_all(xml, false));
        assert_eq!(fast, slow);
    }

    const HEAD: &str = "<?xml version=\"1.0\"?>\n<rss xmlns:wp=\"w\"><channel><link>https://b.example</link>\n<item><link>https://b.example/p/</link>\n";

    fn comment(body: &str) -> String {
        format!("<wp:comment>\n\t<wp:comment_id>1</wp:comment_id>\n{body}\n</wp:comment>\n")
    }

    #[test]
    fn leaf_fast_path_reads_what_quick_xml_reads() {
        let fixture = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/site.wxr.xml"
        ))
        .unwrap();
        same(&fixture);
        let bodies = [
            "<wp:comment_author><![CDATA[Mark]]></wp:comment_author><wp:comment_approved>spam</wp:comment_approved>",
            "<wp:comment_content> a <![CDATA[b <i>c</i>]]> d <![CDATA[]]></wp:comment_content>",
            "<wp:comment_content>x &amp; y &#233; &eacute;</wp:comment_content>",
            "<wp:comment_content><!-- note -->z</wp:comment_content>",
            "<wp:comment_author a=\"1\">attr</wp:comment_author><wp:comment_type/>",
            "<wp:COMMENT_TYPE>pingback</wp:COMMENT_TYPE><wp:comment_approved>1</wp:comment_approved>",
            "<wp:comment_type></wp:comment_type><wp:comment_author_url></wp:comment_author_url>",
            "<wp:commentmeta><wp:meta_key>k</wp:meta_key></wp:commentmeta><wp:comment_author>n</wp:comment_author >",
            "<wp:comment_content>\u{e9}t\u{e9}\r\nline</wp:comment_content><wp:comment_date_gmt>2024-01-02 03:04:05</wp:comment_date_gmt>",
            "<wp:comment_author>a</wp:comment_autor>",
            "<wp:comment_author>a</wp:comment_author",
            "<wp:comment_content><![CDATA[never closed",
            "<wp:comment_author>\u{ff}\u{fe}</wp:comment_author>",
            "stray text<wp:comment_author>s</wp:comment_author>",
        ];
        for body in bodies {
            let doc = format!("{HEAD}{}</item></channel></rss>\n", comment(body));
            same(doc.as_bytes());
            // Cut anywhere: the same records and the same error.
            for cut in (0..doc.len()).step_by(7) {
                same(&doc.as_bytes()[..cut]);
            }
        }
        // Invalid UTF-8 in a wanted and in an unwanted field.
        for field in ["comment_author", "comment_id"] {
            let mut doc = format!(
                "{HEAD}{}</item></channel></rss>\n",
                comment(&format!("<wp:{field}>ab</wp:{field}>"))
            )
            .into_bytes();
            let at = doc.windows(2).position(|w| w == b"ab").unwrap();
            doc[at] = 0xff;
            same(&doc);
        }
        // Enough comments that elements straddle the input buffer's refills.
        let mut big = String::from(HEAD);
        for i in 0..6000 {
            big += &comment(&format!(
                "<wp:comment_author><![CDATA[n{i}]]></wp:comment_author>\n<wp:comment_content>w{i} &lt; v</wp:comment_content><wp:comment_approved>{}</wp:comment_approved>",
                i % 3
            ));
        }
        big += "</item></channel></rss>\n";
        same(big.as_bytes());
        let v = read_all(big.as_bytes(), true);
        assert_eq!(v.len(), 6001, "{:?}", &v[v.len() - 2..]);
    }
}

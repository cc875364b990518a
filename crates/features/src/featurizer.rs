//! The featurizer: one [`Comment`] in, sorted sparse `(bucket, count)` features out, reusing its buffers.

use std::fmt::Write as _;

use regex::Regex;
use unicode_segmentation::UnicodeSegmentation;

use crate::comment::Comment;
use crate::hash::{combine, hash_ascii_lower, hash_bytes};
use crate::trace::{LinkPart, LinkSource, NoTrace, TokenKind, Trace};
use crate::{FeatureConfig, Features};

/// Longest metadata field (author, e-mail, …) that is looked at, in bytes.
const MAX_FIELD_BYTES: usize = 512;
/// Longest word kept as itself; longer ones become a `skip` shape token (SpamBayes' trick).
const MAX_WORD_BYTES: usize = 24;
/// Path pieces taken from one URL.
const MAX_PATH_PIECES: usize = 12;

// One seed per token kind, so "free" the word and "free" a URL path piece are different features.
// Changing any of these is a tokenizer change: bump `FEATURE_VERSION`.
const K_WORD: u64 = 0x01;
const K_SKIP: u64 = 0x03;
const K_SYM: u64 = 0x04;
const K_CJK: u64 = 0x05;
const K_URL: u64 = 0x10; // + offsets below
const K_EMAIL: u64 = 0x20;
const K_AUTHOR_URL: u64 = 0x30;
const K_REFERRER: u64 = 0x40;
const K_IP: u64 = 0x50;
const K_PHONE: u64 = 0x51;
const K_AUTHOR: u64 = 0x60;
const K_AUTHOR_WORD: u64 = 0x61;
const K_UA: u64 = 0x62;
const K_USER_IP: u64 = 0x63;
const K_TYPE: u64 = 0x64;
const K_LANG: u64 = 0x65;
const K_ROLE: u64 = 0x66;
const K_SHAPE: u64 = 0x70;
// Offsets within a URL-like kind.
const HOST: u64 = 0;
const DOMAIN: u64 = 1;
const TLD: u64 = 2;
const PATH: u64 = 3;
const SCHEME: u64 = 4;
const IS_IP: u64 = 5;

/// Turns comments into [`Features`]. Build one per thread and reuse it: it owns its scratch buffers
/// and compiled patterns, so featurizing a comment allocates nothing once the buffers have grown.
///
/// ```
/// use ferret_features::{Comment, FeatureConfig, Featurizer, Features};
///
/// let mut fz = Featurizer::new(FeatureConfig::default());
/// let mut out = Features::new();
/// fz.featurize(&Comment::from_text("Visit https://cheap-pills.example/buy now!!"), &mut out);
/// assert!(out.len() > 5);
/// ```
///
/// # Explaining
/// `Featurizer<T>` with a [`Trace`] other than the default [`NoTrace`] also reports every token's
/// kind, text and bucket, so a verdict can be explained in words rather than bucket ids. Tracing is
/// a type parameter, not a flag: the default featurizer contains no tracing code at all.
///
/// ```
/// use ferret_features::{Comment, FeatureConfig, Featurizer, Features, Token, TokenKind};
///
/// let mut fz = Featurizer::with_trace(FeatureConfig::default(), Vec::<Token>::new());
/// let mut out = Features::new();
/// fz.featurize(&Comment::from_text("Free prize"), &mut out);
/// let free = fz.trace().iter().find(|t| t.kind == TokenKind::Word && t.text == "free").unwrap();
/// assert!(out.ids().contains(&free.bucket));
/// assert!(fz.trace().iter().any(|t| t.kind == TokenKind::Bigram && t.text == "free prize"));
/// ```
#[derive(Clone, Debug)]
pub struct Featurizer<T = NoTrace> {
    config: FeatureConfig,
    shift: u32,
    email_re: Regex,
    ip_re: Regex,
    word: String,
    hashes: Vec<u32>,
    prev_word: Option<u64>,
    prev_cjk: Option<(u64, bool)>,
    spans: Vec<(usize, usize)>,
    clean: String,
    trace: T,
    /// Traced only: reused buffer for a token's text.
    text: String,
    /// Traced only: the current and previous word, case-folded, for bigram text.
    cur_text: String,
    prev_text: String,
    /// Traced only: the previous CJK character.
    prev_cjk_char: char,
}

/// What one pass over the bytes tells about the text.
struct Scan {
    ascii: bool,
    maybe_url: bool,
    maybe_markup_link: bool,
    at: bool,
    maybe_ip: bool,
    digits: usize,
}

impl Scan {
    fn of(text: &str) -> Scan {
        let b = text.as_bytes();
        let mut scan = Scan {
            ascii: true,
            maybe_url: false,
            maybe_markup_link: false,
            at: false,
            maybe_ip: false,
            digits: 0,
        };
        for (i, &c) in b.iter().enumerate() {
            // Most bytes are letters and spaces: one table load decides they need no look.
            if CLASS[c as usize] & SCAN == 0 {
                continue;
            }
            match c {
                b'0'..=b'9' => scan.digits += 1,
                b'@' => scan.at = true,
                b':' if b[i + 1..].starts_with(b"//") => scan.maybe_url = true,
                b'.' => {
                    if i >= 3 && b[i - 3..i].eq_ignore_ascii_case(b"www") {
                        scan.maybe_url = true;
                    }
                    if i > 0
                        && b[i - 1].is_ascii_digit()
                        && b.get(i + 1).is_some_and(u8::is_ascii_digit)
                    {
                        scan.maybe_ip = true;
                    }
                }
                b'<' | b'[' => scan.maybe_markup_link = true,
                0x80.. => scan.ascii = false,
                _ => {}
            }
        }
        scan
    }
}

/// [`CLASS`] bits: an ASCII letter or digit, a digit, a letter, an upper-case letter.
const ALNUM: u8 = 1;
const DIGIT: u8 = 2;
const ALPHA: u8 = 4;
const UPPER: u8 = 8;
/// A byte [`Scan::of`] must look at: a digit, `@`, `:`, `.`, `<`, `[` or not ASCII.
const SCAN: u8 = 16;

/// Byte classes for the hot loops (the same answers as `u8::is_ascii_alphanumeric` & co.).
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let mut k = 0;
        if c.is_ascii_alphanumeric() {
            k |= ALNUM;
        }
        if c.is_ascii_digit() {
            k |= DIGIT;
        }
        if c.is_ascii_alphabetic() {
            k |= ALPHA;
        }
        if c.is_ascii_uppercase() {
            k |= UPPER;
        }
        if c.is_ascii_digit() || matches!(c, b'@' | b':' | b'.' | b'<' | b'[') || c >= 0x80 {
            k |= SCAN;
        }
        t[i] = k;
        i += 1;
    }
    t
};

/// Counts gathered while scanning the text, turned into shape tokens at the end.
#[derive(Default)]
struct Stats {
    chars: usize,
    letters: usize,
    upper: usize,
    invisible: bool,
    repeated_punct: bool,
    links: usize,
}

impl Featurizer {
    /// A featurizer for `config` (use the one stored in a model when scoring with that model).
    pub fn new(config: FeatureConfig) -> Featurizer {
        Featurizer::with_trace(config, NoTrace)
    }
}

impl<T: Trace> Featurizer<T> {
    /// A featurizer that hands every token to `trace` (see [`Trace`]); for explanations, not for
    /// the hot path. Features are exactly those of [`Featurizer::new`].
    pub fn with_trace(config: FeatureConfig, trace: T) -> Featurizer<T> {
        let re = |p: &str| Regex::new(p).expect("built-in pattern compiles");
        Featurizer {
            config,
            shift: 64 - u32::from(config.bits()),
            email_re: re(r"(?i)\b[a-z0-9._%+-]+@((?:[a-z0-9-]+\.)+[a-z]{2,24})\b"),
            ip_re: re(r"(?-u:\b)([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})\.[0-9]{1,3}(?-u:\b)"),
            word: String::with_capacity(64),
            hashes: Vec::with_capacity(256),
            prev_word: None,
            prev_cjk: None,
            spans: Vec::with_capacity(16),
            clean: String::new(),
            trace,
            text: String::new(),
            cur_text: String::new(),
            prev_text: String::new(),
            prev_cjk_char: ' ',
        }
    }

    /// The trace: with `Vec<Token>`, the tokens of the last comment featurized.
    pub fn trace(&self) -> &T {
        &self.trace
    }

    /// The trace, mutably.
    pub fn trace_mut(&mut self) -> &mut T {
        &mut self.trace
    }

    /// The configuration this featurizer hashes with.
    pub fn config(&self) -> FeatureConfig {
        self.config
    }

    /// Featurizes a whole comment (text and metadata fields) into `out`, replacing its contents.
    pub fn featurize(&mut self, comment: &Comment, out: &mut Features) {
        self.trace.begin();
        self.hashes.clear();
        let truncated = self.content(comment.content());
        self.metadata(comment);
        out.fill_from(&mut self.hashes, truncated);
    }

    /// Featurizes bare text: the same features as a comment with only `comment_content` set.
    pub fn featurize_text(&mut self, text: &str, out: &mut Features) {
        self.trace.begin();
        self.hashes.clear();
        let truncated = self.content(text);
        out.fill_from(&mut self.hashes, truncated);
    }

    /// Allocating convenience wrapper around [`Featurizer::featurize`].
    pub fn features(&mut self, comment: &Comment) -> Features {
        let mut out = Features::new();
        self.featurize(comment, &mut out);
        out
    }

    /// Adds a token's bucket. `text` writes the token's text and is only called when tracing.
    #[inline(always)]
    fn push(&mut self, h: u64, kind: TokenKind, text: impl FnOnce(&mut String)) {
        let bucket = (h >> self.shift) as u32;
        self.hashes.push(bucket);
        if T::ENABLED {
            let mut buf = std::mem::take(&mut self.text);
            buf.clear();
            text(&mut buf);
            self.trace.token(kind, &buf, bucket);
            self.text = buf;
        }
    }

    fn shape(&mut self, name: &str, value: u64) {
        self.push(
            combine(hash_bytes(K_SHAPE, name.as_bytes()), value),
            TokenKind::Shape,
            |s| {
                let _ = write!(s, "{name}={value}");
            },
        );
    }

    /// Tokenizes the text; returns whether it was cut at the cap.
    fn content(&mut self, text: &str) -> bool {
        let max = self.config.max_text_bytes() as usize;
        let truncated = text.len() > max;
        let text = if truncated {
            self.shape("cap", 1);
            &text[..floor_char_boundary(text, max)]
        } else {
            text
        };
        if text.trim().is_empty() {
            self.shape("empty", 1);
            return truncated;
        }
        self.prev_word = None;
        self.prev_cjk = None;
        let mut stats = Stats::default();
        // One pass over the bytes decides which of the costlier scans can be skipped.
        let scan = Scan::of(text);
        if scan.maybe_url {
            stats.links = self.urls(text);
        }
        if scan.maybe_markup_link
            && (text.contains("[url=") || text.contains("<a ") || text.contains("<A "))
        {
            self.shape("markup-link", 1);
        }
        if scan.at {
            self.emails(text);
        }
        if scan.ascii {
            stats.chars = text.len();
            self.ascii_words(text, &mut stats);
        } else {
            stats.chars = text.chars().count();
            if text.chars().any(is_invisible) {
                // Zero-width characters split words ("vi\u{200B}agra"); read the text without them.
                stats.invisible = true;
                let mut clean = std::mem::take(&mut self.clean);
                clean.clear();
                clean.extend(text.chars().filter(|&c| !is_invisible(c)));
                self.mixed_words(&clean, &mut stats);
                self.clean = clean;
            } else {
                self.mixed_words(text, &mut stats);
            }
        }
        if scan.digits >= 7 {
            self.numbers(text, scan.maybe_ip);
        }
        self.shapes(&stats);
        truncated
    }

    fn shapes(&mut self, s: &Stats) {
        self.shape("len", log2_bucket(s.chars));
        self.shape("links", s.links.min(4) as u64);
        if s.letters >= 8 {
            self.shape("caps", (s.upper * 10 / s.letters) as u64);
        }
        if s.invisible {
            self.shape("invisible", 1);
        }
        if s.repeated_punct {
            self.shape("punct-repeat", 1);
        }
    }

    fn ascii_words(&mut self, text: &str, stats: &mut Stats) {
        let b = text.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if CLASS[c as usize] & ALNUM != 0 {
                let start = i;
                let (mut digits, mut letters, mut upper) = (0usize, 0usize, 0usize);
                while i < b.len() {
                    let k = CLASS[b[i] as usize];
                    if k & ALNUM == 0
                        && !(b[i] == b'\'' && i + 1 < b.len() && b[i + 1].is_ascii_alphabetic())
                    {
                        break;
                    }
                    digits += usize::from(k & DIGIT != 0);
                    letters += usize::from(k & ALPHA != 0);
                    upper += usize::from(k & UPPER != 0);
                    i += 1;
                }
                stats.upper += upper;
                stats.letters += letters;
                self.word_counted(&text[start..i], digits, letters);
                continue;
            }
            if is_symbol(c as char) {
                self.push(hash_bytes(K_SYM, &b[i..i + 1]), TokenKind::Symbol, |s| {
                    s.push(c as char)
                });
                if (c == b'!' || c == b'?') && matches!(b.get(i + 1), Some(b'!' | b'?')) {
                    stats.repeated_punct = true;
                }
            }
            i += 1;
        }
    }

    /// Text with some non-ASCII: whitespace-separated chunks that are pure ASCII (most of them, in
    /// Latin-script text with a `£` or an accent here and there) take the fast path; the rest go through
    /// Unicode word segmentation.
    fn mixed_words(&mut self, text: &str, stats: &mut Stats) {
        for chunk in text.split_ascii_whitespace() {
            if chunk.is_ascii() {
                self.flush_cjk();
                self.ascii_words(chunk, stats);
            } else {
                self.unicode_words(chunk, stats);
            }
        }
        self.flush_cjk();
    }

    fn unicode_words(&mut self, text: &str, stats: &mut Stats) {
        let mut last_bang = false;
        for seg in text.split_word_bounds() {
            let Some(first) = seg.chars().next() else {
                continue;
            };
            if is_cjk(first) {
                self.prev_word = None;
                for c in seg.chars() {
                    if is_cjk(c) {
                        self.cjk_char(c);
                    } else {
                        self.flush_cjk();
                    }
                }
                last_bang = false;
                continue;
            }
            self.flush_cjk();
            if seg.chars().any(char::is_alphanumeric) {
                self.word(seg, stats);
                last_bang = false;
            } else {
                for c in seg.chars() {
                    let bang = c == '!' || c == '?';
                    if bang && last_bang {
                        stats.repeated_punct = true;
                    }
                    last_bang = bang;
                    if is_symbol(c) {
                        let mut buf = [0u8; 4];
                        let h = hash_bytes(K_SYM, c.encode_utf8(&mut buf).as_bytes());
                        self.push(h, TokenKind::Symbol, |s| s.push(c));
                    }
                }
            }
        }
        self.flush_cjk();
    }

    /// CJK has no spaces: each pair of neighbouring characters is a token; a lone character is one.
    fn cjk_char(&mut self, c: char) {
        let h = hash_bytes(K_CJK, &u32::from(c).to_le_bytes());
        let prev_c = self.prev_cjk_char;
        if let Some((prev, _)) = self.prev_cjk {
            self.push(combine(prev, h), TokenKind::Cjk, |s| {
                s.push(prev_c);
                s.push(c);
            });
            self.prev_cjk = Some((h, true));
        } else {
            self.prev_cjk = Some((h, false));
        }
        if T::ENABLED {
            self.prev_cjk_char = c;
        }
    }

    fn flush_cjk(&mut self) {
        if let Some((h, paired)) = self.prev_cjk.take() {
            if !paired {
                let c = self.prev_cjk_char;
                self.push(h, TokenKind::Cjk, |s| s.push(c));
            }
        }
    }

    /// A word from the Unicode path: counts its letters and digits, then [`Self::word_counted`].
    fn word(&mut self, w: &str, stats: &mut Stats) {
        let (mut digits, mut letters) = (0usize, 0usize);
        for c in w.chars() {
            if c.is_ascii_digit() {
                digits += 1;
            } else if c.is_alphabetic() {
                letters += 1;
                stats.upper += usize::from(c.is_uppercase());
            }
        }
        stats.letters += letters;
        self.word_counted(w, digits, letters);
    }

    /// Word, number-shape and bigram tokens of one word whose digits and letters are counted.
    fn word_counted(&mut self, w: &str, digits: usize, letters: usize) {
        if letters == 0 && digits > 0 {
            self.shape("num", digits.min(16) as u64);
        } else if letters > 0 && digits > 0 {
            self.shape("alnum", 1);
        }
        if w.len() > MAX_WORD_BYTES {
            let first = w.chars().next().map_or(0, u64::from);
            let h = combine(
                hash_bytes(K_SKIP, &first.to_le_bytes()),
                (w.len() / 8) as u64,
            );
            self.push(h, TokenKind::LongWord, |s| {
                let c = w.chars().next().unwrap_or(' ');
                let _ = write!(s, "{c}… ({}+ bytes)", w.len() / 8 * 8);
            });
            self.prev_word = None;
            return;
        }
        let h = if w.is_ascii() {
            // What hash_lower_seeded(K_WORD, w) gives: w fits (MAX_WORD_BYTES < 64) and is ASCII.
            hash_ascii_lower(K_WORD, w.as_bytes())
        } else {
            let mut buf = std::mem::take(&mut self.word);
            lower_into(&mut buf, w);
            let h = (!buf.is_empty()).then(|| hash_bytes(K_WORD, buf.as_bytes()));
            self.word = buf;
            match h {
                Some(h) => h,
                None => return,
            }
        };
        if T::ENABLED {
            self.traced_word(w, h);
            return;
        }
        self.push(h, TokenKind::Word, |_| {});
        if self.config.bigrams() {
            if let Some(p) = self.prev_word {
                self.push(combine(p, h), TokenKind::Bigram, |_| {});
            }
        }
        self.prev_word = Some(h);
    }

    /// The tail of [`Self::word_counted`] when tracing: the same tokens, with the words' text.
    #[cold]
    fn traced_word(&mut self, w: &str, h: u64) {
        let mut cur = std::mem::take(&mut self.cur_text);
        lower_into(&mut cur, w);
        let prev = std::mem::take(&mut self.prev_text);
        self.push(h, TokenKind::Word, |s| s.push_str(&cur));
        if self.config.bigrams() {
            if let Some(p) = self.prev_word {
                self.push(combine(p, h), TokenKind::Bigram, |s| {
                    s.push_str(&prev);
                    s.push(' ');
                    s.push_str(&cur);
                });
            }
        }
        self.prev_word = Some(h);
        self.prev_text = cur;
        self.cur_text = prev;
    }

    /// Link tokens; returns the number of links.
    fn urls(&mut self, text: &str) -> usize {
        let mut spans = std::mem::take(&mut self.spans);
        spans.clear();
        spans.extend(url_spans(text.as_bytes()).take(32));
        for &(a, b) in &spans {
            let url = text[a..b].trim_end_matches(['.', ',', ';', ':', '!', '?']);
            self.url(K_URL, url);
        }
        let n = spans.len();
        self.spans = spans;
        n
    }

    /// Host, registrable domain, TLD, scheme and path pieces of one URL, under `kind`.
    fn url(&mut self, kind: u64, url: &str) {
        let (scheme, rest) = match url.find("://") {
            Some(i) => (&url[..i], &url[i + 3..]),
            None => ("", url),
        };
        self.push(
            combine(hash_bytes(kind + SCHEME, b""), hash_lower(scheme)),
            link(kind, LinkPart::Scheme),
            |s| lower_into(s, scheme),
        );
        let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(host_end);
        let host = authority.rsplit('@').next().unwrap_or(authority);
        let host = host.split(':').next().unwrap_or(host).trim_end_matches('.');
        self.host(kind, host);
        let mut pieces = 0;
        for piece in path.split(|c: char| "/?&=.#_+-:;,%~".contains(c)) {
            if (2..=MAX_WORD_BYTES).contains(&piece.len()) {
                let h = hash_lower(piece);
                self.push(
                    combine(hash_bytes(kind + PATH, b""), h),
                    link(kind, LinkPart::Path),
                    |s| lower_into(s, piece),
                );
                pieces += 1;
                if pieces >= MAX_PATH_PIECES {
                    break;
                }
            }
        }
    }

    fn host(&mut self, kind: u64, host: &str) {
        if host.is_empty() {
            return;
        }
        let host = &host[..floor_char_boundary(host, 253)];
        let mut buf = std::mem::take(&mut self.word);
        lower_into(&mut buf, host);
        let h = buf.as_str();
        self.push(
            hash_bytes(kind + HOST, h.as_bytes()),
            link(kind, LinkPart::Host),
            |s| s.push_str(h),
        );
        if h.bytes().all(|b| b.is_ascii_digit() || b == b'.') || h.starts_with('[') {
            self.push(
                hash_bytes(kind + IS_IP, b""),
                link(kind, LinkPart::IsIp),
                |s| s.push_str(h),
            );
        } else {
            let (dom, tld) = registrable_domain(h);
            self.push(
                hash_bytes(kind + DOMAIN, dom.as_bytes()),
                link(kind, LinkPart::Domain),
                |s| s.push_str(dom),
            );
            self.push(
                hash_bytes(kind + TLD, tld.as_bytes()),
                link(kind, LinkPart::Tld),
                |s| s.push_str(tld),
            );
        }
        self.word = buf;
    }

    fn emails(&mut self, text: &str) {
        let mut spans = std::mem::take(&mut self.spans);
        spans.clear();
        spans.extend(
            self.email_re
                .captures_iter(text)
                .take(16)
                .filter_map(|c| c.get(1).map(|d| (d.start(), d.end()))),
        );
        for &(a, b) in &spans {
            self.host(K_EMAIL, &text[a..b]);
        }
        self.spans = spans;
    }

    /// IPv4 addresses (as /24) and phone-like digit runs.
    fn numbers(&mut self, text: &str, maybe_ip: bool) {
        if maybe_ip {
            let mut spans = std::mem::take(&mut self.spans);
            spans.clear();
            spans.extend(
                self.ip_re
                    .captures_iter(text)
                    .take(16)
                    .filter_map(|c| c.get(1).map(|p| (p.start(), p.end()))),
            );
            for &(a, b) in &spans {
                self.push(
                    hash_bytes(K_IP, &text.as_bytes()[a..b]),
                    TokenKind::Ip,
                    |s| s.push_str(&text[a..b]),
                );
            }
            self.spans = spans;
        }
        let mut found = 0;
        for digits in phone_runs(text.as_bytes()) {
            self.push(
                combine(hash_bytes(K_PHONE, b""), digits as u64),
                TokenKind::Phone,
                |s| {
                    let _ = write!(s, "{digits} digits");
                },
            );
            self.push(hash_bytes(K_PHONE, b"any"), TokenKind::Phone, |s| {
                s.push_str("any")
            });
            found += 1;
            if found == 16 {
                break;
            }
        }
    }

    fn metadata(&mut self, c: &Comment) {
        if let Some(author) = field(&c.comment_author) {
            self.push(
                hash_lower_seeded(K_AUTHOR, author),
                TokenKind::Author,
                |s| lower_into(s, author),
            );
            for w in author.unicode_words().take(8) {
                self.push(
                    hash_lower_seeded(K_AUTHOR_WORD, w),
                    TokenKind::AuthorWord,
                    |s| lower_into(s, w),
                );
            }
            if author.bytes().any(|b| b.is_ascii_digit()) {
                self.shape("author-digits", 1);
            }
        }
        if let Some(email) = field(&c.comment_author_email) {
            match email.rsplit_once('@') {
                Some((local, domain)) => {
                    self.host(K_EMAIL, domain);
                    if local.bytes().filter(u8::is_ascii_digit).count() >= 3 {
                        self.shape("email-digits", 1);
                    }
                }
                None => self.shape("email-malformed", 1),
            }
        }
        if let Some(url) = field(&c.comment_author_url) {
            self.url(K_AUTHOR_URL, url);
        }
        if let Some(r) = field(&c.referrer) {
            self.url(K_REFERRER, r);
        }
        if let Some(ua) = field(&c.user_agent) {
            let family = ua_family(ua);
            self.push(
                hash_bytes(K_UA, family.as_bytes()),
                TokenKind::UserAgent,
                |s| s.push_str(family),
            );
        } else if c.user_ip.is_some() {
            // A request with an IP but no browser at all is a bot signature.
            self.push(hash_bytes(K_UA, b"none"), TokenKind::UserAgent, |s| {
                s.push_str("none")
            });
        }
        if let Some(ip) = field(&c.user_ip) {
            let prefix = ip_prefix(ip);
            self.push(
                hash_bytes(K_USER_IP, prefix.as_bytes()),
                TokenKind::UserIp,
                |s| s.push_str(prefix),
            );
        }
        if let Some(t) = field(&c.comment_type) {
            self.push(hash_lower_seeded(K_TYPE, t), TokenKind::CommentType, |s| {
                lower_into(s, t)
            });
        }
        if let Some(langs) = field(&c.blog_lang) {
            for l in langs.split(',').take(4) {
                let l = l.trim();
                self.push(hash_lower_seeded(K_LANG, l), TokenKind::Language, |s| {
                    lower_into(s, l)
                });
            }
        }
        if let Some(role) = field(&c.user_role) {
            self.push(hash_lower_seeded(K_ROLE, role), TokenKind::Role, |s| {
                lower_into(s, role)
            });
        }
        if c.honeypot_value().is_some_and(|v| !v.is_empty()) {
            self.shape("honeypot-filled", 1);
        }
    }
}

/// The traced kind of a link token under the link-like kind seed `kind`.
fn link(kind: u64, part: LinkPart) -> TokenKind {
    let source = match kind {
        K_EMAIL => LinkSource::Email,
        K_AUTHOR_URL => LinkSource::AuthorUrl,
        K_REFERRER => LinkSource::Referrer,
        _ => LinkSource::Text,
    };
    TokenKind::Link(source, part)
}

fn field(f: &Option<String>) -> Option<&str> {
    let s = f.as_deref()?.trim();
    if s.is_empty() {
        None
    } else {
        Some(&s[..floor_char_boundary(s, MAX_FIELD_BYTES)])
    }
}

/// Lower-cases `s` into `buf`, dropping invisible characters (a zero-width space inside "vi\u{200B}agra"
/// must not hide the word).
fn lower_into(buf: &mut String, s: &str) {
    buf.clear();
    if s.is_ascii() {
        buf.push_str(s);
        buf.make_ascii_lowercase();
        return;
    }
    for c in s.chars() {
        if is_invisible(c) {
            continue;
        }
        if c.is_ascii() {
            buf.push(c.to_ascii_lowercase());
        } else {
            buf.extend(c.to_lowercase());
        }
    }
}

/// Case-insensitive hash of short ASCII-ish text without a buffer (lower-cases 8 bytes at a time).
fn hash_lower(s: &str) -> u64 {
    hash_lower_seeded(0, s)
}

fn hash_lower_seeded(seed: u64, s: &str) -> u64 {
    let s = &s[..floor_char_boundary(s, 64)];
    if s.is_ascii() {
        hash_ascii_lower(seed, s.as_bytes())
    } else {
        let mut owned = String::with_capacity(s.len());
        lower_into(&mut owned, s);
        hash_bytes(seed, owned.as_bytes())
    }
}

/// The largest index ≤ `max` that is a char boundary of `s` (`str::floor_char_boundary` is unstable).
pub(crate) fn floor_char_boundary(s: &str, max: usize) -> usize {
    if max >= s.len() {
        return s.len();
    }
    let mut i = max;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Byte spans of links: `scheme://…` (scheme a letter then 1–15 of `[A-Za-z0-9+.-]`) or `www.…`,
/// each starting at a word boundary and running to whitespace or one of `<>"'()[]{}`.
fn url_spans(b: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let is_scheme = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-');
    let ends = |c: u8| c.is_ascii_whitespace() || b"<>\"'()[]{}".contains(&c);
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < b.len() {
            let at_boundary = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
            if !(at_boundary && b[i].is_ascii_alphabetic()) {
                i += 1;
                continue;
            }
            let start = i;
            let mut j = i + 1;
            while j < b.len() && j - start <= 16 && is_scheme(b[j]) {
                j += 1;
            }
            let body = if j - start >= 2 && b[j..].starts_with(b"://") {
                Some(j + 3)
            } else if b[start..].len() >= 4 && b[start..start + 4].eq_ignore_ascii_case(b"www.") {
                Some(start + 4)
            } else {
                None
            };
            let Some(body) = body else {
                // Skip the rest of this word.
                i = j.max(i + 1);
                while i < b.len() && b[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                continue;
            };
            let mut end = body;
            while end < b.len() && !ends(b[end]) {
                end += 1;
            }
            if end > body {
                i = end;
                return Some((start, end));
            }
            i = body;
        }
        None
    })
}

/// Digit counts of phone-like runs: digits joined by at most two spaces, dots, dashes or parentheses
/// ("0800 123 4567", "+44 (20) 7946-0958"), with 7 to 15 digits. Dotted quads are IPs, not phones.
fn phone_runs(b: &[u8]) -> impl Iterator<Item = usize> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < b.len() {
            if !b[i].is_ascii_digit() {
                i += 1;
                continue;
            }
            let (mut digits, mut dots, mut gap) = (0usize, 0usize, 0u8);
            while i < b.len() {
                match b[i] {
                    b'0'..=b'9' => {
                        digits += 1;
                        gap = 0;
                    }
                    b' ' | b'.' | b'-' | b'(' | b')' if gap < 2 => {
                        dots += usize::from(b[i] == b'.');
                        gap += 1;
                    }
                    _ => break,
                }
                i += 1;
            }
            if (7..=15).contains(&digits) && dots != 3 {
                return Some(digits);
            }
        }
        None
    })
}

fn log2_bucket(n: usize) -> u64 {
    u64::from(usize::BITS - n.leading_zeros())
}

fn is_symbol(c: char) -> bool {
    matches!(
        c,
        '$' | '£'
            | '€'
            | '¥'
            | '₹'
            | '!'
            | '?'
            | '%'
            | '*'
            | '#'
            | '&'
            | '+'
            | '@'
            | '~'
            | '^'
            | '|'
            | '>'
            | '<'
    )
}

/// Zero-width and bidi-control characters, used to hide words from filters.
#[inline]
pub(crate) fn is_invisible(c: char) -> bool {
    (c as u32) >= 0xAD
        && matches!(c, '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Han, Hiragana, Katakana, Hangul and their punctuation-free relatives: scripts written without spaces.
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}' // Hiragana, Katakana
        | '\u{3400}'..='\u{4DBF}' // CJK Extension A
        | '\u{4E00}'..='\u{9FFF}' // CJK Unified Ideographs
        | '\u{AC00}'..='\u{D7AF}' // Hangul syllables
        | '\u{F900}'..='\u{FAFF}' // CJK Compatibility Ideographs
        | '\u{FF66}'..='\u{FF9F}' // half-width Katakana
        | '\u{20000}'..='\u{2FA1F}') // Extensions B–F, compatibility supplement
}

/// The registrable domain and TLD of a lower-cased host name. An approximation of the Public Suffix
/// List that covers the common two-level country suffixes (`co.uk`, `com.au`, …) without a data file.
fn registrable_domain(host: &str) -> (&str, &str) {
    let mut dots = host.rmatch_indices('.').map(|(i, _)| i);
    let Some(last) = dots.next() else {
        return (host, host);
    };
    let tld = &host[last + 1..];
    let Some(second) = dots.next() else {
        return (host, tld);
    };
    let sld = &host[second + 1..last];
    let generic_sld = tld.len() == 2
        && matches!(
            sld,
            "co" | "com" | "net" | "org" | "ac" | "gov" | "edu" | "ne" | "or" | "go"
        );
    if generic_sld {
        match dots.next() {
            Some(third) => (&host[third + 1..], tld),
            None => (host, tld),
        }
    } else {
        (&host[second + 1..], tld)
    }
}

/// The /24 of an IPv4 address or the /48 of an IPv6 one: spam runs come from neighbouring addresses.
fn ip_prefix(ip: &str) -> &str {
    if ip.contains(':') {
        let mut n = 0;
        for (i, c) in ip.char_indices() {
            if c == ':' {
                n += 1;
                if n == 3 {
                    return &ip[..i];
                }
            }
        }
        ip
    } else {
        ip.rfind('.').map_or(ip, |i| &ip[..i])
    }
}

/// A coarse browser family: the exact version string is noise, the family (or a bot's library) is not.
fn ua_family(ua: &str) -> &'static str {
    let lower = |needle: &str| {
        ua.as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
    };
    const FAMILIES: [(&str, &str); 17] = [
        ("curl/", "curl"),
        ("wget", "wget"),
        ("python", "python"),
        ("java/", "java"),
        ("go-http", "go"),
        ("okhttp", "okhttp"),
        ("libwww", "perl"),
        ("headless", "headless"),
        ("bot", "bot"),
        ("spider", "bot"),
        ("crawl", "bot"),
        ("edg/", "edge"),
        ("opr/", "opera"),
        ("firefox/", "firefox"),
        ("chrome/", "chrome"),
        ("safari/", "safari"),
        ("trident/", "msie"),
    ];
    for (needle, family) in FAMILIES {
        if lower(needle) {
            return family;
        }
    }
    if lower("msie ") {
        "msie"
    } else if lower("mozilla/") {
        "mozilla-other"
    } else {
        "other"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Token;

    fn ids(text: &str) -> Features {
        let mut fz = Featurizer::new(FeatureConfig::default());
        let mut out = Features::new();
        fz.featurize_text(text, &mut out);
        out
    }

    fn has(f: &Features, h: u64) -> bool {
        let id = (h >> (64 - FeatureConfig::default().bits() as u32)) as u32;
        f.iter().any(|(i, _)| i == id)
    }

    #[test]
    fn words_are_case_folded_and_counted() {
        let f = ids("Free FREE free");
        assert!(has(&f, hash_bytes(K_WORD, b"free")));
        let id = (hash_bytes(K_WORD, b"free") >> 44) as u32;
        assert_eq!(f.iter().find(|&(i, _)| i == id).unwrap().1, 3);
    }

    #[test]
    fn cjk_becomes_character_bigrams() {
        let f = ids("免费赚钱");
        let h = |c: char| hash_bytes(K_CJK, &u32::from(c).to_le_bytes());
        assert!(has(&f, combine(h('免'), h('费'))));
        assert!(has(&f, combine(h('赚'), h('钱'))));
        assert!(!has(&f, hash_bytes(K_WORD, "免费赚钱".as_bytes())));
        // Japanese mixes scripts; Katakana runs are not one giant token either.
        let f = ids("セールスの電話");
        assert!(has(&f, combine(h('セ'), h('ー'))));
    }

    #[test]
    fn invisible_characters_do_not_hide_words() {
        let f = ids("buy vi\u{200B}agra now");
        assert!(has(&f, hash_bytes(K_WORD, b"viagra")));
        assert!(has(&f, combine(hash_bytes(K_SHAPE, b"invisible"), 1)));
    }

    #[test]
    fn urls_give_host_domain_tld_and_path() {
        let f = ids("see https://shop.cheap-pills.co.uk/buy/viagra?ref=1.");
        assert!(has(&f, hash_bytes(K_URL + HOST, b"shop.cheap-pills.co.uk")));
        assert!(has(&f, hash_bytes(K_URL + DOMAIN, b"cheap-pills.co.uk")));
        assert!(has(&f, hash_bytes(K_URL + TLD, b"uk")));
        assert!(has(
            &f,
            combine(hash_bytes(K_URL + PATH, b""), hash_lower("viagra"))
        ));
        assert!(has(&f, combine(hash_bytes(K_SHAPE, b"links"), 1)));
    }

    #[test]
    fn emails_ips_and_phones_are_typed() {
        let f = ids("mail me: bob@mail.example.com or call 0800 123 4567, from 10.1.2.3");
        assert!(has(&f, hash_bytes(K_EMAIL + DOMAIN, b"example.com")));
        assert!(has(&f, hash_bytes(K_PHONE, b"any")));
        assert!(has(&f, hash_bytes(K_IP, b"10.1.2")));
    }

    #[test]
    fn url_spans_match_scheme_and_www_links_at_word_boundaries() {
        let t = "see http://a.example/x?y=1, or WWW.b.example. Also svn+ssh://h/p and (https://c.example) \
                 but not xwww.d.example nor ://e nor h://f nor mailto:g@example.com";
        let spans: Vec<&str> = url_spans(t.as_bytes()).map(|(a, b)| &t[a..b]).collect();
        assert_eq!(
            spans,
            [
                "http://a.example/x?y=1,",
                "WWW.b.example.",
                "svn+ssh://h/p",
                "https://c.example"
            ]
        );
        assert_eq!(url_spans(b"http://").count(), 0);
        assert_eq!(url_spans("ü http://é.example/ü".as_bytes()).count(), 1);
    }

    #[test]
    fn phone_runs_are_found_and_ips_are_not_phones() {
        let runs: Vec<usize> =
            phone_runs(b"call 0800 123 4567 or +44 (20) 7946-0958; ip 192.168.100.200; pin 1234")
                .collect();
        assert_eq!(runs, vec![11, 12]);
        assert_eq!(phone_runs(b"09061701461.").collect::<Vec<_>>(), vec![11]);
        assert_eq!(phone_runs(b"1 2 3 4 5 6 7").count(), 1);
        assert_eq!(phone_runs(b"1234567890123456").count(), 0);
    }

    #[test]
    fn registrable_domains() {
        assert_eq!(
            registrable_domain("a.b.example.com"),
            ("example.com", "com")
        );
        assert_eq!(
            registrable_domain("x.example.co.uk"),
            ("example.co.uk", "uk")
        );
        assert_eq!(registrable_domain("example.co.uk"), ("example.co.uk", "uk"));
        assert_eq!(registrable_domain("localhost"), ("localhost", "localhost"));
        assert_eq!(ip_prefix("203.0.113.9"), "203.0.113");
        assert_eq!(ip_prefix("2001:db8:1:2::1"), "2001:db8:1");
    }

    #[test]
    fn metadata_is_prefixed_by_field() {
        let c = Comment {
            comment_author: Some("Cheap Pills".into()),
            comment_author_email: Some("x123@spam.example".into()),
            user_agent: Some("curl/8.0".into()),
            user_ip: Some("198.51.100.23".into()),
            ..Comment::default()
        };
        let mut fz = Featurizer::new(FeatureConfig::default());
        let f = fz.features(&c);
        assert!(has(&f, hash_lower_seeded(K_AUTHOR_WORD, "pills")));
        assert!(has(&f, hash_bytes(K_UA, b"curl")));
        assert!(has(&f, hash_bytes(K_USER_IP, b"198.51.100")));
        assert!(has(&f, hash_bytes(K_EMAIL + DOMAIN, b"spam.example")));
        // The same word in the text is a different feature from the author's.
        assert!(!has(&f, hash_bytes(K_WORD, b"pills")));
    }

    #[test]
    fn text_beyond_the_cap_is_ignored_and_flagged() {
        let cfg = FeatureConfig::params().max_text_bytes(16).check().unwrap();
        let mut fz = Featurizer::new(cfg);
        let mut out = Features::new();
        fz.featurize_text("short words here then zzzzqqq", &mut out);
        assert!(out.truncated());
        let id = (hash_bytes(K_WORD, b"zzzzqqq") >> 44) as u32;
        assert!(out.iter().all(|(i, _)| i != id));
        // Cutting inside a multi-byte character is safe.
        fz.featurize_text("ééééééééééééééééé", &mut out);
        assert!(out.truncated());
    }

    #[test]
    fn bare_text_equals_a_text_only_comment() {
        let mut fz = Featurizer::new(FeatureConfig::default());
        let mut a = Features::new();
        for t in [
            "",
            "Hello World",
            "日本語 and £5, call 0800 123 4567",
            "x@y.example http://a.b/c",
        ] {
            fz.featurize_text(t, &mut a);
            assert_eq!(a, fz.features(&Comment::from_text(t)), "{t:?}");
        }
    }

    /// A comment that reaches every kind of token.
    fn everything() -> Comment {
        Comment {
            comment_author: Some("Cheap Pills 24".into()),
            comment_author_email: Some("x123@spam.example".into()),
            comment_author_url: Some("http://pills.example.co.uk/shop".into()),
            referrer: Some("https://search.example/q?x=pills".into()),
            user_agent: Some("curl/8.0".into()),
            user_ip: Some("198.51.100.23".into()),
            comment_type: Some("Comment".into()),
            blog_lang: Some("en, fr".into()),
            user_role: Some("Guest".into()),
            comment_content: Some(
                "WIN a FREE prize!! Visit https://shop.cheap-pills.co.uk/buy/viagra or www.x.example, \
                 mail bob@mail.example.com, call 0800 123 4567 from 10.1.2.3. £5 免费赚钱 \
                 vi\u{200B}agra Ünïcödé supercalifragilisticexpialidocious [url=x] 12345"
                    .into(),
            ),
            ..Comment::default()
        }
    }

    #[test]
    fn tracing_changes_nothing_and_names_every_feature() {
        let mut plain = Featurizer::new(FeatureConfig::default());
        let mut traced = Featurizer::with_trace(FeatureConfig::default(), Vec::<Token>::new());
        let (mut a, mut b) = (Features::new(), Features::new());
        let comments = [
            everything(),
            Comment::from_text(""),
            Comment::from_text("hello"),
            Comment::from_text("日本語のテキスト and English"),
        ];
        for c in &comments {
            plain.featurize(c, &mut a);
            traced.featurize(c, &mut b);
            assert_eq!(a, b, "{c:?}");
            // Every feature has a token, every token a feature, and the counts agree.
            let counted = Features::from_pairs(traced.trace().iter().map(|t| (t.bucket, 1)));
            assert_eq!(counted.ids(), b.ids());
            assert_eq!(counted, Features::from_pairs(b.iter()));
        }
    }

    #[test]
    fn traced_tokens_carry_kind_and_text() {
        let mut fz = Featurizer::with_trace(FeatureConfig::default(), Vec::<Token>::new());
        fz.features(&everything());
        let has = |kind: &str, text: &str| {
            fz.trace()
                .iter()
                .any(|t| t.kind.to_string() == kind && t.text == text)
        };
        for (kind, text) in [
            ("word", "free"),
            ("bigram", "free prize"),
            ("word", "viagra"),
            ("word", "ünïcödé"),
            ("long-word", "s… (32+ bytes)"),
            ("symbol", "£"),
            ("cjk", "免费"),
            ("link-host", "shop.cheap-pills.co.uk"),
            ("link-domain", "cheap-pills.co.uk"),
            ("link-tld", "uk"),
            ("link-path", "viagra"),
            ("link-scheme", "https"),
            ("email-domain", "example.com"),
            ("author-url-host", "pills.example.co.uk"),
            ("referrer-path", "pills"),
            ("ip", "10.1.2"),
            ("phone", "11 digits"),
            ("phone", "any"),
            ("author", "cheap pills 24"),
            ("author-word", "pills"),
            ("user-agent", "curl"),
            ("user-ip", "198.51.100"),
            ("type", "comment"),
            ("lang", "fr"),
            ("role", "guest"),
            ("shape", "punct-repeat=1"),
            ("shape", "markup-link=1"),
            ("shape", "num=5"),
        ] {
            assert!(has(kind, text), "no {kind} {text:?} in {:#?}", fz.trace());
        }
        // The trace holds the last comment only.
        fz.features(&Comment::from_text("hi"));
        assert!(fz.trace().iter().all(|t| t.text != "free"));
    }

    #[test]
    fn reuse_gives_identical_output() {
        let mut fz = Featurizer::new(FeatureConfig::default());
        let (mut a, mut b) = (Features::new(), Features::new());
        fz.featurize_text("Win a FREE prize!! txt WIN to 87121", &mut a);
        fz.featurize_text("something else entirely, 日本語", &mut b);
        fz.featurize_text("Win a FREE prize!! txt WIN to 87121", &mut b);
        assert_eq!(a, b);
    }
}

//! Reading a comment once per check: [`Scratch`] (reused buffers), the link counter and host
//! extractor, and the folded-content hash behind the duplicate rule.

use std::net::IpAddr;

use ferret_features::Comment;
use std::sync::LazyLock;

use memchr::memmem;

/// `://`, searched in every author URL and content: the searcher is built once.
static SCHEME_END: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new(b"://"));

/// Hosts collected per comment at most; a comment with more links is caught by the link limit.
pub(crate) const MAX_HOSTS: usize = 64;
/// Anchor tags remembered per comment to avoid counting their URLs twice.
const MAX_ANCHORS: usize = 64;

/// The names of the fields that key lists search, in [`View::fields`] order.
pub(crate) const FIELD_NAMES: [&str; 6] = [
    "comment_author",
    "comment_author_email",
    "comment_author_url",
    "comment_content",
    "user_ip",
    "user_agent",
];

/// Buffers reused from check to check, so a check allocates nothing once they have grown.
///
/// [`Rules::check`](crate::Rules::check) keeps one per thread; pass your own to
/// [`Rules::check_with`](crate::Rules::check_with) to control that yourself.
#[derive(Debug, Default)]
pub struct Scratch {
    words: Vec<u8>,
    email: String,
    hosts: String,
    host_spans: Vec<(usize, usize)>,
    anchors: Vec<(usize, usize)>,
    pub(crate) fold: Vec<u8>,
    pub(crate) key: String,
}

/// Separates the fields in [`View::words`]. 0xFF never occurs in UTF-8, so in no word-list
/// entry either: a match cannot span two fields.
pub(crate) const FIELD_SEP: u8 = 0xFF;

/// What the list rules need from one comment, computed once.
pub(crate) struct View<'a> {
    /// The six searched fields as given.
    pub(crate) fields: [&'a str; 6],
    /// The six fields lower-cased (Unicode, char by char), each followed by [`FIELD_SEP`]: one
    /// case-sensitive search over lower-case entries covers them all. When the content has a
    /// `<`, its text without tags follows as a seventh part (WordPress matches keys against
    /// `wp_strip_all_tags($comment)` too, so `ca<b></b>sino` is still `casino`).
    pub(crate) words: &'a [u8],
    /// Where each part's text ends in `words` (the offset of its separator); the seventh is the
    /// stripped content, empty when the content has no tag.
    word_ends: [usize; 7],
    pub(crate) ip: Option<IpAddr>,
    /// Trimmed, lower-cased e-mail.
    pub(crate) email: &'a str,
    hosts: &'a str,
    host_spans: &'a [(usize, usize)],
    pub(crate) links: u32,
}

/// Which parts of the view the configured rules use.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Needs {
    pub(crate) words: bool,
    pub(crate) email: bool,
    pub(crate) hosts: bool,
    pub(crate) links: bool,
}

impl<'a> View<'a> {
    /// `ip` is `user_ip`, parsed once by the caller.
    pub(crate) fn new(
        c: &'a Comment,
        ip: Option<IpAddr>,
        s: &'a mut Scratch,
        needs: Needs,
    ) -> View<'a> {
        let fields = [
            c.comment_author.as_deref().unwrap_or(""),
            c.comment_author_email.as_deref().unwrap_or(""),
            c.comment_author_url.as_deref().unwrap_or(""),
            c.content(),
            c.user_ip.as_deref().unwrap_or(""),
            c.user_agent.as_deref().unwrap_or(""),
        ];
        let mut word_ends = [0; 7];
        s.words.clear();
        if needs.words {
            for (i, f) in fields.iter().enumerate() {
                lower_append(f, &mut s.words);
                word_ends[i] = s.words.len();
                s.words.push(FIELD_SEP);
            }
            word_ends[6] = word_ends[5];
            if memchr::memchr(b'<', fields[3].as_bytes()).is_some() {
                append_without_tags(fields[3], &mut s.words);
                word_ends[6] = s.words.len();
                s.words.push(FIELD_SEP);
            }
        }
        if needs.email {
            lower_into(fields[1].trim(), &mut s.email);
        }
        let mut links = 0;
        s.hosts.clear();
        s.host_spans.clear();
        if needs.hosts {
            let url = fields[2].trim();
            if !url.is_empty() {
                let after = match SCHEME_END.find(url.as_bytes()) {
                    Some(i) => &url[i + 3..],
                    None => url,
                };
                push_host(after, &mut s.hosts, &mut s.host_spans);
            }
        }
        if needs.hosts || needs.links {
            links = scan_links(fields[3], needs.hosts, s);
        }
        let s: &'a Scratch = s;
        View {
            fields,
            words: &s.words,
            word_ends,
            ip,
            email: &s.email,
            hosts: &s.hosts,
            host_spans: &s.host_spans,
            links,
        }
    }

    /// The field (index into [`FIELD_NAMES`]) that holds offset `at` of [`View::words`]; the
    /// stripped content counts as `comment_content`.
    pub(crate) fn word_field(&self, at: usize) -> usize {
        match self.word_ends.iter().position(|&end| at < end) {
            Some(6) => 3,
            Some(i) => i,
            None => 5,
        }
    }

    /// Lower-cased hosts of the author URL and the content's links.
    pub(crate) fn hosts(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.host_spans.iter().map(|&(a, b)| &self.hosts[a..b])
    }
}

/// The last `c` (ASCII) in `s`: a byte loop, cheaper than `str::rfind` on short host names.
pub(crate) fn rfind_byte(s: &str, c: u8) -> Option<usize> {
    s.bytes().rposition(|b| b == c)
}

/// The first `c` (ASCII) in `s`, as [`rfind_byte`].
pub(crate) fn find_byte(s: &str, c: u8) -> Option<usize> {
    s.bytes().position(|b| b == c)
}

/// `s` without trailing `c` (ASCII).
pub(crate) fn trim_end_byte(s: &str, c: u8) -> &str {
    let n = s.bytes().rposition(|b| b != c).map_or(0, |i| i + 1);
    &s[..n]
}

/// The end of the ASCII run starting at `i`: eight bytes at a time.
fn ascii_run(b: &[u8], mut i: usize) -> usize {
    while let Some(w) = b.get(i..i + 8) {
        if u64::from_le_bytes(w.try_into().expect("8 bytes")) & 0x8080_8080_8080_8080 != 0 {
            break;
        }
        i += 8;
    }
    while i < b.len() && b[i] < 0x80 {
        i += 1;
    }
    i
}

/// [`lower_append`] into a cleared, reused `String` (its buffer is kept, nothing is allocated
/// once it has grown).
pub(crate) fn lower_into(s: &str, out: &mut String) {
    let mut bytes = std::mem::take(out).into_bytes();
    bytes.clear();
    lower_append(s, &mut bytes);
    *out = String::from_utf8(bytes).expect("lower_append appends whole UTF-8 sequences");
}

/// Appends the Unicode lower case of `s` (char by char, as `char::to_lowercase`) to `out`:
/// ASCII runs are copied and folded in bulk, only non-ASCII characters go through Unicode's
/// tables. Appends whole UTF-8 sequences only.
pub(crate) fn lower_append(s: &str, out: &mut Vec<u8>) {
    let b = s.as_bytes();
    if b.is_ascii() {
        let a = out.len();
        out.extend_from_slice(b);
        out[a..].make_ascii_lowercase();
        return;
    }
    let mut i = 0;
    let mut buf = [0u8; 4];
    while i < b.len() {
        let start = i;
        i = ascii_run(b, i);
        if i > start {
            let a = out.len();
            out.extend_from_slice(&b[start..i]);
            out[a..].make_ascii_lowercase();
        }
        if let Some(ch) = s[i..].chars().next() {
            for lc in ch.to_lowercase() {
                out.extend_from_slice(lc.encode_utf8(&mut buf).as_bytes());
            }
            i += ch.len_utf8();
        }
    }
}

/// Appends `html` lower-cased without its tags, as `wp_strip_all_tags` leaves it: `<script>` and
/// `<style>` elements go with their contents, every other tag and comment goes without a trace
/// (no space), and an unclosed `<` drops the rest.
fn append_without_tags(html: &str, out: &mut Vec<u8>) {
    let b = html.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let Some(lt) = memchr::memchr(b'<', &b[i..]).map(|k| i + k) else {
            lower_append(&html[i..], out);
            return;
        };
        lower_append(&html[i..lt], out);
        let rest = &b[lt + 1..];
        let end = if rest.starts_with(b"!--") {
            memmem::find(&rest[3..], b"-->").map(|k| lt + 1 + 3 + k + 3)
        } else if let Some(name) = [&b"script"[..], b"style"]
            .into_iter()
            .find(|n| rest.len() > n.len() && rest[..n.len()].eq_ignore_ascii_case(n))
            .filter(|n| matches!(rest[n.len()], b'>' | b' ' | b'\t' | b'\n' | b'\r' | b'/'))
        {
            closing_tag(b, lt + 1 + name.len(), name)
        } else {
            memchr::memchr(b'>', rest).map(|k| lt + 1 + k + 1)
        };
        match end {
            Some(e) => i = e,
            None => return,
        }
    }
}

/// The offset just past `</name…>` at or after `from` (ASCII case-insensitive), if any.
fn closing_tag(b: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut i = from;
    while let Some(k) = memmem::find(&b[i..], b"</") {
        let at = i + k + 2;
        if b.len() >= at + name.len() && b[at..at + name.len()].eq_ignore_ascii_case(name) {
            return memchr::memchr(b'>', &b[at..]).map(|g| at + g + 1);
        }
        i = at;
    }
    None
}

/// Counts links as WordPress would hold them: each `<a …>` tag once, plus each bare http(s) URL
/// outside an anchor. Collects hosts of every http(s) URL (in tags too) when asked.
fn scan_links(content: &str, want_hosts: bool, s: &mut Scratch) -> u32 {
    let b = content.as_bytes();
    s.anchors.clear();
    let mut links = 0u32;
    // Anchor tags: `<a` followed by whitespace; the anchor spans to its `</a` (or its `>`).
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'<', &b[from..]).map(|i| from + i) {
        from = i + 1;
        if b.len() > i + 2 && (b[i + 1] | 0x20) == b'a' && b[i + 2].is_ascii_whitespace() {
            links += 1;
            let end = find_close_anchor(b, i + 2);
            if s.anchors.len() < MAX_ANCHORS {
                s.anchors.push((i, end));
            }
            from = end.max(from);
        }
    }
    // URLs: every `://` preceded by http or https.
    for i in SCHEME_END.find_iter(b) {
        let start = if i >= 5 && b[i - 5..i].eq_ignore_ascii_case(b"https") {
            i - 5
        } else if i >= 4 && b[i - 4..i].eq_ignore_ascii_case(b"http") {
            i - 4
        } else {
            continue;
        };
        if !s.anchors.iter().any(|&(a, e)| a <= start && start < e) {
            links += 1;
        }
        if want_hosts && s.host_spans.len() < MAX_HOSTS {
            push_host(&content[i + 3..], &mut s.hosts, &mut s.host_spans);
        }
    }
    links
}

/// The end of the anchor starting before `from`: after its `</a`, else after its tag's `>`, else
/// the end of the text.
fn find_close_anchor(b: &[u8], from: usize) -> usize {
    let mut j = from;
    while let Some(k) = memchr::memchr(b'<', &b[j..]).map(|k| j + k) {
        if b.len() > k + 2 && b[k + 1] == b'/' && (b[k + 2] | 0x20) == b'a' {
            return k + 3;
        }
        j = k + 1;
    }
    match memchr::memchr(b'>', &b[from..]) {
        Some(k) => from + k + 1,
        None => b.len(),
    }
}

/// Appends the lower-cased host at the start of `rest` (the text after `scheme://`).
fn push_host(rest: &str, hosts: &mut String, spans: &mut Vec<(usize, usize)>) {
    let end = host_end(rest);
    let mut host = &rest[..end];
    if let Some(at) = rfind_byte(host, b'@') {
        host = &host[at + 1..];
    }
    if let Some(v6) = host.strip_prefix('[') {
        host = v6.split(']').next().unwrap_or("");
    } else if let Some(colon) = rfind_byte(host, b':') {
        host = &host[..colon];
    }
    let host = trim_end_byte(host, b'.');
    if host.is_empty() || host.len() > 253 {
        return;
    }
    let a = hosts.len();
    if host.is_ascii() {
        hosts.push_str(host);
        hosts[a..].make_ascii_lowercase();
    } else {
        hosts.extend(host.chars().flat_map(char::to_lowercase));
    }
    spans.push((a, hosts.len()));
}

/// The end of the host part at the start of `rest`: the first delimiter (`/ ? # " ' < > ( ) \\ ,`)
/// or whitespace (`char::is_whitespace`), scanning bytes and decoding only non-ASCII characters.
fn host_end(rest: &str) -> usize {
    let b = rest.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c < 0x80 {
            if matches!(
                c,
                b'/' | b'?'
                    | b'#'
                    | b'"'
                    | b'\''
                    | b'<'
                    | b'>'
                    | b'('
                    | b')'
                    | b'\\'
                    | b','
                    | b' '
                    | b'\t'..=b'\r'
            ) {
                return i;
            }
            i += 1;
        } else {
            let ch = rest[i..].chars().next().expect("i is on a char boundary");
            if ch.is_whitespace() {
                return i;
            }
            i += ch.len_utf8();
        }
    }
    b.len()
}

/// Folds content for the duplicate rule (lower case, whitespace runs as one space, trimmed) into
/// `out`; returns its length in characters. Plain ASCII text is copied and folded in bulk; otherwise
/// ASCII bytes are folded one by one and only non-ASCII characters are decoded. (The duplicate
/// rule calls [`content_key`], which hashes plain ASCII text without this copy.)
#[cfg(test)]
pub(crate) fn fold_content(s: &str, out: &mut Vec<u8>) -> usize {
    out.clear();
    let b = s.as_bytes();
    if is_plain_ascii(b) {
        // Nothing to collapse or trim: only ASCII case to fold, in bulk.
        out.extend_from_slice(b);
        out.make_ascii_lowercase();
        return b.len();
    }
    fold_general(s, out)
}

/// [`fold_content`] of text that is not plain ASCII, into the empty `out`.
fn fold_general(s: &str, out: &mut Vec<u8>) -> usize {
    let b = s.as_bytes();
    out.reserve(b.len());
    let mut gap = false;
    let mut i = 0;
    let mut buf = [0u8; 4];
    while i < b.len() {
        let c = b[i];
        if c < 0x80 {
            i += 1;
            if c.is_ascii_whitespace() {
                gap = !out.is_empty();
                continue;
            }
            if gap {
                out.push(b' ');
                gap = false;
            }
            out.push(c.to_ascii_lowercase());
            continue;
        }
        let ch = s[i..].chars().next().expect("i is on a char boundary");
        i += ch.len_utf8();
        if ch.is_whitespace() {
            gap = !out.is_empty();
            continue;
        }
        if gap {
            out.push(b' ');
            gap = false;
        }
        for lc in ch.to_lowercase() {
            out.extend_from_slice(lc.encode_utf8(&mut buf).as_bytes());
        }
    }
    // Characters: every byte but UTF-8 continuation bytes.
    out.iter().filter(|&&c| (c as i8) >= -0x40).count()
}

/// Whether `b` is ASCII with single spaces as its only whitespace (as `u8::is_ascii_whitespace`
/// sees it) and none at either end: what most comments are, and folded by case alone. Branch-free
/// over the whole text so that the compiler vectorizes it.
fn is_plain_ascii(b: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return true;
    };
    if first == b' ' || last == b' ' {
        return false;
    }
    let mut bad = 0u8;
    for &c in b {
        // Non-ASCII, or \t \n \x0C \r.
        bad |= (c >= 0x80) as u8
            | (c == b'\t') as u8
            | (c == b'\n') as u8
            | (c == 0x0C) as u8
            | (c == b'\r') as u8;
    }
    for (&x, &y) in b.iter().zip(&b[1..]) {
        bad |= (x == b' ') as u8 & (y == b' ') as u8;
    }
    bad == 0
}

/// The duplicate rule's key for `content`: the [`hash64`] of its folded text (`fold_content`:
/// lower case, whitespace runs as one space, trimmed), or `None` when
/// the folded text has fewer than `min_chars` characters. Plain ASCII text (most comments) is
/// hashed as it is lower-cased, eight bytes at a time, without being copied; other text is folded
/// into `buf` first. Both give the same hash for the same folded text.
pub(crate) fn content_key(
    seed: u64,
    content: &str,
    min_chars: usize,
    buf: &mut Vec<u8>,
) -> Option<u64> {
    let b = content.as_bytes();
    if is_plain_ascii(b) {
        return (b.len() >= min_chars).then(|| hash64_ascii_lower(seed, b));
    }
    buf.clear();
    let chars = fold_general(content, buf);
    (chars >= min_chars).then(|| hash64(seed, buf))
}

/// ASCII upper-case letters in `w` (eight ASCII bytes) turned lower case, all at once.
fn ascii_lower8(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    // Per byte b < 0x80, no carries: b + 0x3F has its top bit set from 'A' up, b + 0x25 from
    // 'Z' + 1 up.
    let upper = (w.wrapping_add(0x3F * ONES) & !w.wrapping_add(0x25 * ONES)) & (0x80 * ONES);
    w | (upper >> 2)
}

/// [`hash64`] of the ASCII lower case of `bytes`, which must be ASCII.
fn hash64_ascii_lower(seed: u64, bytes: &[u8]) -> u64 {
    debug_assert!(bytes.is_ascii());
    hash64_with(seed, bytes, ascii_lower8)
}

/// A seeded 64-bit hash, eight bytes at a time. Not cryptographic: a collision only holds one
/// comment, and the per-process seed keeps collisions from being prepared offline.
pub(crate) fn hash64(seed: u64, bytes: &[u8]) -> u64 {
    hash64_with(seed, bytes, |w| w)
}

/// [`hash64`] of the bytes after `map` on each little-endian 8-byte word (the last one
/// zero-padded; `map` must keep zero bytes zero).
#[inline(always)]
fn hash64_with(seed: u64, bytes: &[u8], map: impl Fn(u64) -> u64) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = seed ^ (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = map(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        h = (h ^ w).wrapping_mul(K).rotate_left(29);
    }
    let mut tail = [0u8; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    h = (h ^ map(u64::from_le_bytes(tail))).wrapping_mul(K);
    // murmur3's finalizer.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(text: &str) -> (u32, Vec<String>) {
        let mut s = Scratch::default();
        let n = scan_links(text, true, &mut s);
        let hosts = s
            .host_spans
            .iter()
            .map(|&(a, b)| s.hosts[a..b].to_owned())
            .collect();
        (n, hosts)
    }

    #[test]
    fn counts_links_like_wordpress() {
        assert_eq!(links("no links here, see example.com").0, 0);
        assert_eq!(links("see https://a.example/x and HTTP://B.example").0, 2);
        // An anchor with its URL as text counts once.
        let (n, h) = links(
            r#"<a href="http://a.example/">http://a.example/</a> and <A  href='https://b.example'>b</A>"#,
        );
        assert_eq!(n, 2);
        assert_eq!(h, ["a.example", "a.example", "b.example"]);
        // An anchor tag without a closing tag still counts once.
        assert_eq!(links(r#"<a href="http://x.example">"#).0, 1);
        assert_eq!(links("<abbr>x</abbr> <b>y</b>").0, 0);
        assert_eq!(links("ftp://x.example mailto:a@b").0, 0);
    }

    #[test]
    fn hosts_lose_userinfo_ports_and_case() {
        let (_, h) = links("http://user:pw@Shop.Example.COM:8080/x https://[2001:db8::1]:443/ http://ÉCOLE.example./");
        assert_eq!(h, ["shop.example.com", "2001:db8::1", "école.example"]);
    }

    #[test]
    fn folding_ignores_case_and_spacing() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        assert_eq!(fold_content("  Hello\n\tWORLD ", &mut a), 11);
        fold_content("hello world", &mut b);
        assert_eq!(a, b);
        fold_content("ÄBC  déf", &mut a);
        fold_content("äbc déf", &mut b);
        assert_eq!(a, b);
        assert_eq!(hash64(1, &a), hash64(1, &b));
        // The plain-ASCII shortcut and the general path agree.
        for t in [
            "Plain Words here",
            " lead",
            "trail ",
            "two  spaces",
            "tab\there",
            "x\x0By",
            "é A",
        ] {
            let mut fast = Vec::new();
            let n = fold_content(t, &mut fast);
            let mut slow = Vec::new();
            let mut chars = 0;
            for (i, w) in t
                .split(|c: char| c.is_whitespace() && c != '\x0B')
                .filter(|w| !w.is_empty())
                .enumerate()
            {
                if i > 0 {
                    slow.push(b' ');
                    chars += 1;
                }
                slow.extend_from_slice(w.to_lowercase().as_bytes());
                chars += w.to_lowercase().chars().count();
            }
            assert_eq!((fast, n), (slow, chars), "{t:?}");
        }
        let mut l = String::new();
        lower_into("ÀB c ÉCOLE İx", &mut l);
        assert_eq!(l, "àb c école i\u{307}x");
        assert_ne!(hash64(1, b"abc"), hash64(1, b"abd"));
        // The copy-free key of plain ASCII text is the hash of its folded copy.
        let all: Vec<u8> = (1..0x80u8).collect();
        let all = String::from_utf8(all).unwrap();
        for t in [
            "Hello World",
            "AZaz@[`{ 09",
            "x",
            "",
            "Twelve BYTES!",
            "MiXeD CaSe TeXt Of Some Length, With Punctuation.",
            all.as_str(),
        ] {
            let mut folded = Vec::new();
            let n = fold_content(t, &mut folded);
            let mut buf = Vec::new();
            assert_eq!(
                content_key(7, t, 0, &mut buf),
                Some(hash64(7, &folded)),
                "{t:?}"
            );
            assert_eq!(content_key(7, t, n + 1, &mut buf), None, "{t:?}");
        }
        for t in ["  Hello\n\tWORLD ", "ÄBC  déf"] {
            let mut folded = Vec::new();
            fold_content(t, &mut folded);
            let mut buf = Vec::new();
            assert_eq!(content_key(7, t, 1, &mut buf), Some(hash64(7, &folded)));
        }
        assert_eq!(
            content_key(7, "  Hello\n\tWORLD ", 1, &mut Vec::new()),
            content_key(7, "hello world", 1, &mut Vec::new())
        );
        assert_ne!(hash64(1, b"abc"), hash64(2, b"abc"));
    }
}

//! Reading a comment once per check: [`Scratch`] (reused buffers), the link counter and host
//! extractor, and the folded-content hash behind the duplicate rule.

use std::net::IpAddr;

use ferret_features::Comment;

use memchr::memmem;

use crate::authors::Author;
use crate::token::HEX_VALUES;

/// Offsets of every `://` in `b`: a SIMD search for `:`, which prose seldom has, then a look at
/// the next two bytes (cheaper on a comment than a substring searcher, which must be set up for
/// each text).
fn scheme_ends(b: &[u8]) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(b':', b).filter(move |&i| b[i + 1..].starts_with(b"//"))
}

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
    email: Vec<u8>,
    hosts: String,
    host_spans: Vec<(usize, usize)>,
    anchors: Vec<(usize, usize)>,
    lower: Vec<u8>,
    fold: Vec<u8>,
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
    pub(crate) email: &'a [u8],
    /// The duplicate rule's key for the content, when asked for and long enough.
    pub(crate) content_key: Option<u64>,
    hosts: &'a str,
    host_spans: &'a [(usize, usize)],
    pub(crate) links: u32,
}

/// Which parts of the view the configured rules use.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Needs {
    pub(crate) words: bool,
    /// The author's fields lower-cased, for the trusted-author rule ([`View::with_author`]); set
    /// per check, when some author has an approved comment.
    pub(crate) author: bool,
    pub(crate) email: bool,
    pub(crate) hosts: bool,
    pub(crate) links: bool,
}

impl<'a> View<'a> {
    /// `ip` is `user_ip`, parsed once by the caller.
    /// With `dup` (the duplicate rule's seed and minimum length), [`View::content_key`] is
    /// the content's [`content_key`].
    pub(crate) fn new(
        c: &'a Comment,
        ip: Option<IpAddr>,
        s: &'a mut Scratch,
        needs: Needs,
        dup: Option<(u64, usize)>,
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
        let mut email = None;
        let lowered = needs.words || needs.author;
        if lowered {
            // Copied whole (with ASCII placeholders for the separators), ASCII-folded in one pass
            // that also tells whether anything is not ASCII, then the non-ASCII fields fixed in
            // place.
            for (i, f) in fields.iter().enumerate() {
                s.words.extend_from_slice(f.as_bytes());
                word_ends[i] = s.words.len();
                s.words.push(0);
            }
            let all_ascii = ascii_lower(&mut s.words) < 0x80;
            let mut start = 0;
            for (i, f) in fields.iter().enumerate() {
                s.words[word_ends[i]] = FIELD_SEP;
                if all_ascii {
                    continue;
                }
                if !f.is_ascii() && !lower_non_ascii(f, &mut s.words[start..word_ends[i]]) {
                    // A lower case of another length: field by field, char by char.
                    s.words.clear();
                    for (i, f) in fields.iter().enumerate() {
                        lower_append_chars(f, &mut s.words);
                        word_ends[i] = s.words.len();
                        s.words.push(FIELD_SEP);
                    }
                    break;
                }
                start = word_ends[i] + 1;
            }
            word_ends[6] = word_ends[5];
            if memchr::memchr(b'<', fields[3].as_bytes()).is_some() {
                append_without_tags(fields[3], &mut s.words);
                word_ends[6] = s.words.len();
                s.words.push(FIELD_SEP);
            }
            // Lower case keeps whitespace as it is and makes none, so the lower case of the
            // trimmed e-mail is the trimmed lower case.
            email = Some(word_ends[0] + 1..word_ends[1]);
        }
        let content_key = dup.and_then(|(seed, min_chars)| {
            let lower = if lowered {
                &s.words[word_ends[2] + 1..word_ends[3]]
            } else {
                s.lower.clear();
                lower_append(fields[3], &mut s.lower);
                &s.lower
            };
            content_key(seed, lower, min_chars, &mut s.fold)
        });
        if needs.email && email.is_none() {
            s.email.clear();
            lower_append(trim(fields[1]), &mut s.email);
        }
        let mut links = 0;
        s.hosts.clear();
        s.host_spans.clear();
        if needs.hosts {
            let url = trim(fields[2]);
            if !url.is_empty() {
                let after = match scheme_ends(url.as_bytes()).next() {
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
        let email = match email {
            Some(r) => trim_bytes(&s.words[r]),
            None => &s.email,
        };
        View {
            fields,
            words: &s.words,
            word_ends,
            ip,
            email,
            content_key,
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

    /// Runs `f` on the comment's [`Author`] (name, e-mail and URL, trimmed and lower-cased);
    /// `None` without an e-mail, or when the view was built without [`Needs::author`] or
    /// [`Needs::words`]. Fields with nothing to trim are used in place, as `words` has them.
    pub(crate) fn with_author<R>(&self, f: impl FnOnce(&Author<'_>) -> R) -> Option<R> {
        if self.words.is_empty() {
            return None;
        }
        // The parts are author, e-mail, URL, …, each ending at its separator.
        let [name_end, email_end, url_end, ..] = self.word_ends;
        let joined = &self.words[..=url_end];
        let parts = [
            &joined[..name_end],
            &joined[name_end + 1..email_end],
            &joined[email_end + 1..url_end],
        ];
        if parts.iter().all(|p| trimmed_already(p)) {
            return Author::joined(joined, name_end, email_end).map(|a| f(&a));
        }
        Author::with_parts(parts.map(trim_bytes), f)
    }

    /// Lower-cased hosts of the author URL and the content's links.
    pub(crate) fn hosts(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.host_spans.iter().map(|&(a, b)| &self.hosts[a..b])
    }
}

/// `s.trim()`, with a shortcut for the usual case of a printable ASCII byte at both ends.
pub(crate) fn trim(s: &str) -> &str {
    if trimmed_already(s.as_bytes()) {
        s
    } else {
        s.trim()
    }
}

/// [`trim`] of UTF-8 bytes.
fn trim_bytes(b: &[u8]) -> &[u8] {
    if trimmed_already(b) {
        return b;
    }
    // Never fails: `b` is whole UTF-8 sequences.
    std::str::from_utf8(b).map_or(b, |s| s.trim().as_bytes())
}

/// Empty, or printable ASCII at both ends: nothing for `str::trim` to take off.
fn trimmed_already(b: &[u8]) -> bool {
    let graphic = |b: &u8| b.is_ascii_graphic();
    b.first().is_none_or(graphic) && b.last().is_none_or(graphic)
}

/// `s.trim().parse::<IpAddr>().ok()`: dotted-quad IPv4 (the common case) parsed here, anything
/// else by the standard library, which also gets the last word on whatever this one turns down.
pub(crate) fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = trim(s);
    let b = s.as_bytes();
    parse_ipv4(b)
        .map(IpAddr::from)
        .or_else(|| parse_ipv6(b).map(IpAddr::from))
        .or_else(|| s.parse().ok())
}

/// IPv6 of hex groups (1 to 4 digits) with at most one `::`; `None` for anything else, embedded
/// IPv4 included, which the standard library then parses.
fn parse_ipv6(b: &[u8]) -> Option<[u16; 8]> {
    let hex = |c: u8| Some(HEX_VALUES[usize::from(c)]).filter(|&d| d != 0xFF);
    let mut groups = [0u16; 8];
    let (mut n, mut gap) = (0, None);
    let mut i = 0;
    if b.starts_with(b"::") {
        gap = Some(0);
        i = 2;
    }
    while i < b.len() {
        let (mut v, start) = (0u16, i);
        while let Some(d) = b.get(i).and_then(|&c| hex(c)) {
            if i - start == 4 {
                return None;
            }
            v = v << 4 | u16::from(d);
            i += 1;
        }
        if i == start || n == 8 {
            return None;
        }
        groups[n] = v;
        n += 1;
        match b.get(i) {
            None => break,
            Some(b':') if b.get(i + 1) == Some(&b':') => {
                if gap.is_some() {
                    return None;
                }
                gap = Some(n);
                i += 2;
            }
            Some(b':') if i + 1 < b.len() => i += 1,
            _ => return None,
        }
    }
    match gap {
        None if n == 8 => Some(groups),
        Some(at) if n < 8 => {
            // The groups after the gap move to the end.
            let mut out = [0u16; 8];
            out[..at].copy_from_slice(&groups[..at]);
            out[8 - (n - at)..].copy_from_slice(&groups[at..n]);
            Some(out)
        }
        _ => None,
    }
}

/// Four decimal octets of 1 to 3 digits without leading zeros, each at most 255, joined by dots.
fn parse_ipv4(b: &[u8]) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = b.split(|&c| c == b'.');
    for o in &mut out {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 3 || (p.len() > 1 && p[0] == b'0') {
            return None;
        }
        let mut v = 0u16;
        for &d in p {
            if !d.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u16::from(d - b'0');
        }
        *o = u8::try_from(v).ok()?;
    }
    parts.next().is_none().then_some(out)
}

/// `b` without trailing `c` bytes.
pub(crate) fn trim_end_byte(b: &[u8], c: u8) -> &[u8] {
    let n = b.iter().rposition(|&x| x != c).map_or(0, |i| i + 1);
    &b[..n]
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
/// the text is copied and ASCII-folded in bulk, then its non-ASCII characters are lower-cased in
/// place (Latin-1 and Cyrillic inline, others through Unicode's tables). Only a character whose
/// lower case has another length (e.g. `İ`) sends the text down a char-by-char path.
/// Appends whole UTF-8 sequences only.
pub(crate) fn lower_append(s: &str, out: &mut Vec<u8>) {
    let a = out.len();
    out.extend_from_slice(s.as_bytes());
    if ascii_lower(&mut out[a..]) >= 0x80 && !lower_non_ascii(s, &mut out[a..]) {
        out.truncate(a);
        lower_append_chars(s, out);
    }
}

/// ASCII capitals in `t` made lower case; other bytes (non-ASCII ones too) are left alone. Returns
/// the OR of all bytes (below 0x80 when `t` is ASCII). Blocks of 32 bytes, which the compiler turns
/// into SIMD; a short tail is redone as the last (overlapping) block, since folding twice changes
/// nothing.
pub(crate) fn ascii_lower(t: &mut [u8]) -> u8 {
    fn block(b: &mut [u8]) -> u8 {
        let mut all = 0;
        for c in b {
            all |= *c;
            *c |= u8::from(c.wrapping_sub(b'A') < 26) << 5;
        }
        all
    }
    const N: usize = 32;
    if t.len() < N {
        return block(t);
    }
    let last = t.len() - N;
    let mut all = 0;
    let mut i = 0;
    while i < last {
        all |= block(&mut t[i..i + N]);
        i += N;
    }
    all | block(&mut t[last..])
}

/// Lower-cases in place the non-ASCII characters of `t`, a copy of `s` with ASCII already folded;
/// `false` (with `t` partly done) when one has a lower case of another length in UTF-8.
pub(crate) fn lower_non_ascii(s: &str, t: &mut [u8]) -> bool {
    let mut i = ascii_run(t, 0);
    while i < t.len() {
        match lower_in_place(s, t, i) {
            Some(next) => i = ascii_run(t, next),
            None => return false,
        }
    }
    true
}

/// Lower-cases the non-ASCII character at `t[i]` (`s`'s bytes from `i` on) in place; returns
/// the offset after it, or `None` when its lower case has another length in UTF-8.
#[inline]
fn lower_in_place(s: &str, t: &mut [u8], i: usize) -> Option<usize> {
    match t[i] {
        // U+0080..U+00BF: no capitals.
        0xC2 => Some(i + 2),
        // U+00C0..U+00DE but × (U+00D7) lower-case 32 code points up, in the same lead byte.
        0xC3 => {
            let b = t[i + 1];
            if (0x80..=0x9E).contains(&b) && b != 0x97 {
                t[i + 1] = b + 0x20;
            }
            Some(i + 2)
        }
        // Cyrillic capitals: U+0400..U+040F → U+0450.., U+0410..U+042F → U+0430...
        0xD0 => {
            let b = t[i + 1];
            match b {
                0x80..=0x8F => (t[i], t[i + 1]) = (0xD1, b + 0x10),
                0x90..=0x9F => t[i + 1] = b + 0x20,
                0xA0..=0xAF => (t[i], t[i + 1]) = (0xD1, b - 0x20),
                _ => {}
            }
            Some(i + 2)
        }
        _ => {
            let ch = s[i..].chars().next().expect("i is on a char boundary");
            let mut lower = ch.to_lowercase();
            let lc = lower.next().unwrap_or(ch);
            if lower.next().is_some() || lc.len_utf8() != ch.len_utf8() {
                return None;
            }
            let n = ch.len_utf8();
            lc.encode_utf8(&mut t[i..i + n]);
            Some(i + n)
        }
    }
}

/// [`lower_append`] char by char: ASCII runs in bulk, every other character through Unicode's
/// tables.
fn lower_append_chars(s: &str, out: &mut Vec<u8>) {
    let b = s.as_bytes();
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
    for i in scheme_ends(b) {
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

/// What a byte means when scanning a URL's host part: [`HOST_PLAIN`], [`HOST_END`] (`/ ? # " ' <
/// > ( ) \\ ,` and ASCII whitespace: tab to carriage return, and space), `@`, `:`, or
/// [`HOST_NON_ASCII`].
static HOST_CLASS: [u8; 256] = {
    let mut t = [HOST_PLAIN; 256];
    let ends = b"/?#\"'<>()\\, \t\n\x0B\x0C\r";
    let mut i = 0;
    while i < ends.len() {
        t[ends[i] as usize] = HOST_END;
        i += 1;
    }
    t[b'@' as usize] = b'@';
    t[b':' as usize] = b':';
    let mut c = 0x80;
    while c < 256 {
        t[c] = HOST_NON_ASCII;
        c += 1;
    }
    t
};
const HOST_PLAIN: u8 = 0;
const HOST_END: u8 = 1;
const HOST_NON_ASCII: u8 = 2;

/// Appends the lower-cased host at the start of `rest` (the text after `scheme://`): up to the
/// first delimiter or whitespace (`char::is_whitespace`), without user info (up to the last `@`),
/// port (from the last `:` after that) and trailing dots; an IPv6 literal without its brackets.
fn push_host(rest: &str, hosts: &mut String, spans: &mut Vec<(usize, usize)>) {
    let b = rest.as_bytes();
    // One pass for the end, the last `@`, the last `:` after it, and whether it is all ASCII.
    let (mut start, mut colon, mut ascii) = (0, None, true);
    let mut end = 0;
    loop {
        // Host bytes in a tight loop; the rest below.
        while b
            .get(end)
            .is_some_and(|&c| HOST_CLASS[usize::from(c)] == HOST_PLAIN)
        {
            end += 1;
        }
        let Some(&c) = b.get(end) else { break };
        match HOST_CLASS[usize::from(c)] {
            HOST_END => break,
            b'@' => (start, colon) = (end + 1, None),
            b':' => colon = Some(end),
            _ => {
                if unicode_space_at(&b[end..]) > 0 {
                    break;
                }
                ascii = false;
            }
        }
        end += 1;
    }
    let mut host = &rest[start..end];
    if let Some(v6) = host.strip_prefix('[') {
        host = v6.split(']').next().unwrap_or("");
    } else if let Some(colon) = colon {
        host = &rest[start..colon];
    }
    // Trailing dots are ASCII: cutting them keeps `host` on a char boundary.
    let host = &host[..trim_end_byte(host.as_bytes(), b'.').len()];
    if host.is_empty() || host.len() > 253 {
        return;
    }
    let a = hosts.len();
    if ascii {
        hosts.push_str(host);
        hosts[a..].make_ascii_lowercase();
    } else {
        hosts.extend(host.chars().flat_map(char::to_lowercase));
    }
    spans.push((a, hosts.len()));
}

/// Folds content for the duplicate rule (lower case, whitespace runs as one space, trimmed) into
/// `out`; returns its length in characters. (The duplicate rule folds the lower case that the
/// word search has already made, with [`content_key`].)
#[cfg(test)]
pub(crate) fn fold_content(s: &str, out: &mut Vec<u8>) -> usize {
    let mut lower = Vec::new();
    lower_append(s, &mut lower);
    out.clear();
    fold_spaces(&lower, out)
}

/// Collapses the whitespace of lower-cased UTF-8 `b` (ASCII whitespace as
/// `u8::is_ascii_whitespace` sees it, and Unicode's `White_Space` beyond ASCII) into single
/// spaces, trimmed, appended to the empty `out`; returns the length in characters.
fn fold_spaces(b: &[u8], out: &mut Vec<u8>) -> usize {
    out.reserve(b.len());
    let mut gap = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let ws = match c {
            b'\t' | b'\n' | 0x0C | b'\r' | b' ' => 1,
            0xC2 | 0xE1 | 0xE2 | 0xE3 => unicode_space_at(&b[i..]),
            _ => 0,
        };
        if ws > 0 {
            gap = !out.is_empty();
            i += ws;
            continue;
        }
        if gap {
            out.push(b' ');
            gap = false;
        }
        out.push(c);
        i += 1;
    }
    // Characters: every byte but UTF-8 continuation bytes.
    out.iter().filter(|&&c| (c as i8) >= -0x40).count()
}

/// The length of the non-ASCII Unicode whitespace character (`char::is_whitespace`) at the start
/// of `b`, or 0: U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
fn unicode_space_at(b: &[u8]) -> usize {
    match b {
        [0xC2, 0x85 | 0xA0, ..] => 2,
        [0xE1, 0x9A, 0x80, ..]
        | [0xE2, 0x80, 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF, ..]
        | [0xE2, 0x81, 0x9F, ..]
        | [0xE3, 0x80, 0x80, ..] => 3,
        _ => 0,
    }
}

/// Whether lower-cased `b` folds to itself: single spaces as its only whitespace, none at either
/// end, and no byte that can start non-ASCII whitespace (0xC2, 0xE1..=0xE3). What most comments
/// are, accented or not. Returns that and the length in characters; branch-free over the whole
/// text so that the compiler vectorizes it.
fn is_folded(b: &[u8]) -> (bool, usize) {
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return (true, 0);
    };
    if first == b' ' || last == b' ' {
        return (false, 0);
    }
    // Fixed-size blocks with byte-wide accumulators, which the compiler turns into SIMD. Each
    // byte is seen with the one before it (`prev`), for double spaces.
    // 1 for a byte that folding would change: whitespace other than a space, or the first byte
    // of a non-ASCII space (NBSP, U+1680, U+2000 to U+205F, U+3000).
    #[inline(always)]
    fn unfolded(c: u8) -> u8 {
        (c == b'\t') as u8
            | (c == b'\n') as u8
            | (c == 0x0C) as u8
            | (c == b'\r') as u8
            | (c == 0xC2) as u8
            | (c.wrapping_sub(0xE1) < 3) as u8
    }
    fn block(cur: &[u8; 32], prev: &[u8; 32]) -> (u8, u8) {
        let (mut bad, mut cont) = (0u8, 0u8);
        for (&c, &p) in cur.iter().zip(prev) {
            bad |= unfolded(c) | ((c == b' ') & (p == b' ')) as u8;
            // UTF-8 continuation bytes, 0x80..=0xBF.
            cont += (c.wrapping_sub(0x80) < 0x40) as u8;
        }
        (bad, cont)
    }
    // The bytes after the first, each beside the one before it; the first byte is a character's
    // first (not a continuation byte) and not a space, so only its own kind is left to check.
    let (cur, prev) = (&b[1..], &b[..b.len() - 1]);
    let mut bad = unfolded(first);
    let mut cont = 0usize;
    let (mut cs, mut ps) = (cur.chunks_exact(32), prev.chunks_exact(32));
    for (c, p) in (&mut cs).zip(&mut ps) {
        let (x, n) = block(c.try_into().expect("32"), p.try_into().expect("32"));
        bad |= x;
        cont += usize::from(n);
    }
    // The tail, zero-padded to a whole block (a zero byte is neither whitespace, nor a space, nor
    // a continuation byte), so that it runs through the same SIMD code instead of a scalar loop.
    let (rc, rp) = (cs.remainder(), ps.remainder());
    let (mut tc, mut tp) = ([0u8; 32], [0u8; 32]);
    tc[..rc.len()].copy_from_slice(rc);
    tp[..rp.len()].copy_from_slice(rp);
    let (x, n) = block(&tc, &tp);
    bad |= x;
    cont += usize::from(n);
    let chars = b.len() - cont;
    (bad == 0, chars)
}

/// The duplicate rule's key for content whose [`lower_append`] is `lower`: the [`hash64`] of its
/// folded text ([`fold_content`]: lower case, whitespace runs as one space, trimmed), or `None`
/// when the folded text has fewer than `min_chars` characters. Text that is already folded (most
/// comments) is hashed where it is; other text is folded into `buf` first.
pub(crate) fn content_key(
    seed: u64,
    lower: &[u8],
    min_chars: usize,
    buf: &mut Vec<u8>,
) -> Option<u64> {
    if lower.len() < min_chars {
        return None;
    }
    let (folded, chars) = is_folded(lower);
    if folded {
        return (chars >= min_chars).then(|| hash64(seed, lower));
    }
    buf.clear();
    let chars = fold_spaces(lower, buf);
    (chars >= min_chars).then(|| hash64(seed, buf))
}

/// A seeded 64-bit hash, sixteen bytes at a time in two independent lanes (so the multiplies
/// overlap). Not cryptographic: a collision only holds one comment, and the per-process seed keeps
/// collisions from being prepared offline.
pub(crate) fn hash64(seed: u64, bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    const K2: u64 = 0xC2B2_AE3D_27D4_EB4F;
    let word = |c: &[u8]| u64::from_le_bytes(c.try_into().expect("8 bytes"));
    let mut h = seed ^ (bytes.len() as u64).wrapping_mul(K);
    let mut g = seed.rotate_left(32) ^ K2;
    let mut pairs = bytes.chunks_exact(16);
    for c in &mut pairs {
        h = (h ^ word(&c[..8])).wrapping_mul(K).rotate_left(29);
        g = (g ^ word(&c[8..])).wrapping_mul(K2).rotate_left(31);
    }
    let rest = pairs.remainder();
    let mut tail = [0u8; 16];
    tail[..rest.len()].copy_from_slice(rest);
    h = (h ^ word(&tail[..8])).wrapping_mul(K);
    g = (g ^ word(&tail[8..])).wrapping_mul(K2);
    h ^= g.rotate_left(17);
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
        let (_, h) = links("http://a.example\u{a0}b http://b.example\u{3000}c http://ü@c.example:1:2/ http://d.example,e http://é.example\u{2003}");
        assert_eq!(
            h,
            [
                "a.example",
                "b.example",
                "c.example:1",
                "d.example",
                "é.example"
            ]
        );
    }

    /// The duplicate key of `t`, as a check computes it.
    fn key(seed: u64, t: &str, min_chars: usize, buf: &mut Vec<u8>) -> Option<u64> {
        let mut lower = Vec::new();
        lower_append(t, &mut lower);
        content_key(seed, &lower, min_chars, buf)
    }

    #[test]
    fn ip_and_trim_shortcuts_agree_with_std() {
        let mut cases: Vec<String> = [
            "192.0.2.1",
            " 10.0.0.255 ",
            "255.255.255.255",
            "256.1.1.1",
            "01.2.3.4",
            "0.0.0.0",
            "1.2.3",
            "1.2.3.4.5",
            "1..2.3",
            "1.2.3.4.",
            ".1.2.3",
            "1.2.3.04",
            "1.2.3.999",
            "2001:db8::1",
            "::ffff:1.2.3.4",
            "",
            " ",
            "x",
            "1.2.3.4\n",
            "\u{a0}1.2.3.4",
            "1.2.3.+4",
            "1.2.3.-4",
            "١.٢.٣.٤",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Strings of up to 8 characters over a small alphabet, from a fixed pseudo-random walk.
        let alphabet = b"0129.:a ";
        let mut x = 1u64;
        for _ in 0..20_000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let n = (x >> 60) as usize % 9;
            let t: String = (0..n)
                .map(|k| alphabet[(x >> (3 * k)) as usize % alphabet.len()] as char)
                .collect();
            cases.push(t);
        }
        // IPv6-shaped strings: groups of 0 to 5 hex digits, with gaps and an IPv4 tail now and
        // then.
        for _ in 0..50_000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let mut r = x;
            let mut next = |m: u64| {
                let v = r % m;
                r = (r / m) ^ (r << 7);
                v
            };
            let groups = 1 + next(9);
            let mut t = String::new();
            for g in 0..groups {
                if g > 0 {
                    t.push(':');
                    if next(6) == 0 {
                        t.push(':');
                    }
                }
                for _ in 0..next(6) {
                    t.push(b"0f9aA:"[next(6) as usize] as char);
                }
            }
            match next(8) {
                0 => t.insert_str(0, "::"),
                1 => t.push_str("::"),
                2 => t.push_str(":1.2.3.4"),
                _ => {}
            }
            cases.push(t);
        }
        let mut valid = 0;
        for c in &cases {
            valid += usize::from(c.contains(':') && parse_ip(c).is_some());
            assert_eq!(parse_ip(c), c.trim().parse::<IpAddr>().ok(), "{c:?}");
            assert_eq!(trim(c), c.trim(), "{c:?}");
        }
        // The walk does reach valid addresses.
        assert!(valid > 1000, "{valid}");
    }

    #[test]
    fn lower_append_is_char_to_lowercase() {
        // Every character, alone and between others (so a length-changing one, such as `İ`,
        // sends the rest down the char-by-char path after in-place fix-ups).
        let mut out = Vec::new();
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let text = format!("Aé{c}ÐЖЀz{c}Ω");
            out.clear();
            lower_append(&text, &mut out);
            let want: String = text.chars().flat_map(char::to_lowercase).collect();
            assert_eq!(out, want.as_bytes(), "{:?}", c);
        }
    }

    #[test]
    fn content_key_hashes_the_folded_text_at_every_length_and_place() {
        // The already-folded shortcut (`is_folded`: 32-byte blocks, then the zero-padded tail)
        // must see whitespace wherever it sits, or two spellings of one text get two keys.
        let mut buf = Vec::new();
        for len in 1..80 {
            let plain: String = (0..len).map(|i| (b'a' + (i % 26) as u8) as char).collect();
            for at in 0..len {
                for ws in ["\t", "\n", "\r", "\x0C", "  ", "\u{a0}", "\u{2003}"] {
                    let mut t = plain.clone();
                    t.insert_str(at, ws);
                    let mut lower = Vec::new();
                    lower_append(&t, &mut lower);
                    let mut folded = Vec::new();
                    let chars = fold_content(&t, &mut folded);
                    assert_eq!(
                        content_key(7, &lower, 1, &mut buf),
                        (chars >= 1).then(|| hash64(7, &folded)),
                        "{t:?}"
                    );
                }
            }
            let mut lower = Vec::new();
            lower_append(&plain, &mut lower);
            assert_eq!(content_key(7, &lower, 1, &mut buf), Some(hash64(7, &lower)));
        }
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
            "Grüße\u{a0}aus  Köln",
            "a\u{2003}\u{3000}b\u{1680}c\u{205f}",
            "\u{85}x\u{2029}",
            "« quoted » – dash’s \u{2010}",
            "ΑΒΓ Ѐ",
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
            assert_eq!(key(7, t, 0, &mut buf), Some(hash64(7, &folded)), "{t:?}");
            assert_eq!(key(7, t, n + 1, &mut buf), None, "{t:?}");
        }
        for t in ["  Hello\n\tWORLD ", "ÄBC  déf"] {
            let mut folded = Vec::new();
            fold_content(t, &mut folded);
            let mut buf = Vec::new();
            assert_eq!(key(7, t, 1, &mut buf), Some(hash64(7, &folded)));
        }
        assert_eq!(
            key(7, "  Hello\n\tWORLD ", 1, &mut Vec::new()),
            key(7, "hello world", 1, &mut Vec::new())
        );
        assert_ne!(hash64(1, b"abc"), hash64(2, b"abc"));
    }
}

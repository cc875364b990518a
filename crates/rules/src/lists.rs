//! Key lists (WordPress's disallowed and moderation keys, split by entry type), built once into
//! matchers: `WordMatcher` (words.rs) for words, prefix tables for IPs, hash sets for e-mails and hosts, a
//! `RegexSet` for regexes.

use std::net::IpAddr;

use foldhash::HashMap;

use regex::{RegexBuilder, RegexSet, RegexSetBuilder};

use crate::config::{KeysConfig, ListSource};
use crate::error::{EntryAt, Result, RulesError};
use crate::scan::{trim_end_byte, Needs, View, FIELD_NAMES};
use crate::words::{Known, PairMatcher, WordMatcher, SMALL};

/// One list entry and where it came from.
type Entry = (String, EntryAt);

/// Reads a list: inline entries or a file, one per line; trimmed; blank and `#` lines skipped.
pub(crate) fn load(list: &str, src: &ListSource) -> Result<Vec<Entry>> {
    match src {
        ListSource::Inline(v) => Ok(v
            .iter()
            .enumerate()
            .filter(|(_, e)| !e.trim().is_empty())
            .map(|(i, e)| (e.trim().to_owned(), EntryAt::Inline { index: i + 1 }))
            .collect()),
        ListSource::File(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| RulesError::ReadList {
                list: list.to_owned(),
                path: path.clone(),
                source,
            })?;
            Ok(text
                .lines()
                .enumerate()
                .map(|(i, l)| (i, l.trim()))
                .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
                .map(|(i, l)| {
                    (
                        l.to_owned(),
                        EntryAt::File {
                            path: path.clone(),
                            line: i + 1,
                        },
                    )
                })
                .collect())
        }
    }
}

/// A built key list.
pub(crate) struct KeyList {
    words: Option<(WordMatcher, Vec<String>)>,
    /// The lower-cased word entries, kept for a [`PairMatcher`] when the list is small.
    small_words: Vec<String>,
    ips: IpTable,
    emails: EmailTable,
    hosts: Names<String>,
    regex: Option<(RegexSet, Vec<String>)>,
}

impl KeyList {
    /// Builds the list under `rules.<name>`.
    pub(crate) fn build(name: &str, k: &KeysConfig) -> Result<KeyList> {
        let key = |list: &str| format!("rules.{name}.{list}");
        let words = load(&key("words"), &k.words)?;
        let mut small_words = Vec::new();
        let words = if words.is_empty() {
            None
        } else {
            // Unicode lower case here; the comment's fields are lower-cased once per check
            // (`View::words`), so the search is case-sensitive: Aho-Corasick can use its SIMD
            // prefilter (Teddy, up to 64 entries) instead of folding case per byte, and long
            // lists go through a q-gram filter (see `words.rs`).
            let pats: Vec<String> = words.iter().map(|(w, _)| w.to_lowercase()).collect();
            if pats.len() <= SMALL {
                small_words = pats.clone();
            }
            let ac = WordMatcher::build(pats).map_err(|e| RulesError::ListTooLarge {
                list: key("words"),
                message: e.to_string(),
            })?;
            Some((ac, words.into_iter().map(|(w, _)| w).collect()))
        };
        let ips = IpTable::build(&key("ips"), load(&key("ips"), &k.ips)?)?;
        let emails = EmailTable::build(&key("emails"), load(&key("emails"), &k.emails)?)?;
        let mut hosts = Names::default();
        for (e, at) in load(&key("hosts"), &k.hosts)? {
            let h = host_entry(&e).ok_or_else(|| RulesError::BadEntry {
                list: key("hosts"),
                at,
                entry: e.clone(),
                reason: "not a host name or URL",
            })?;
            hosts.insert(h, e);
        }
        let regex = load(&key("regex"), &k.regex)?;
        let regex = if regex.is_empty() {
            None
        } else {
            Some(build_regex(&key("regex"), regex)?)
        };
        Ok(KeyList {
            words,
            small_words,
            ips,
            emails,
            hosts: hosts.seal(),
            regex,
        })
    }

    /// What the matchers need from a comment.
    pub(crate) fn needs(&self) -> Needs {
        Needs {
            words: self.words.is_some(),
            email: !self.emails.is_empty(),
            hosts: !self.hosts.is_empty(),
            ..Needs::default()
        }
    }

    /// Entries in all matchers.
    pub(crate) fn len(&self) -> usize {
        self.words.as_ref().map_or(0, |w| w.1.len())
            + self.ips.len
            + self.emails.addresses.len()
            + self.emails.domains.len()
            + self.hosts.len()
            + self.regex.as_ref().map_or(0, |r| r.1.len())
    }

    /// One search over both lists' words, when both are small.
    pub(crate) fn pair(&self, other: &KeyList) -> Option<PairMatcher> {
        PairMatcher::build(&self.small_words, &other.small_words)
    }

    /// The first entry that matches, described for the moderator. `known` is the word search's
    /// answer when a [`PairMatcher`] already gave it.
    pub(crate) fn find(&self, v: &View<'_>, known: Known) -> Option<String> {
        if let Some((ac, entries)) = &self.words {
            // One search over all six fields; the leftmost match is in the first field that has
            // one (a match cannot span fields).
            let found = match known {
                Some(found) => found,
                None => ac.find(v.words),
            };
            if let Some((start, i)) = found {
                return Some(format!(
                    "word {:?} in {}",
                    entries[i],
                    FIELD_NAMES[v.word_field(start)]
                ));
            }
        }
        if let Some(ip) = v.ip {
            if let Some(e) = self.ips.find(ip) {
                return Some(format!("ip {e}"));
            }
        }
        if !v.email.is_empty() {
            if let Some(e) = self.emails.find(v.email) {
                return Some(format!("email {e}"));
            }
        }
        if !self.hosts.is_empty() {
            for host in v.hosts() {
                if let Some(e) = self.hosts.find_suffix(host.as_bytes()) {
                    return Some(format!("host {e} ({host})"));
                }
            }
        }
        if let Some((set, entries)) = &self.regex {
            for (i, f) in v.fields.iter().enumerate() {
                if !f.is_empty() && set.is_match(f) {
                    let which = set.matches(f).into_iter().next().unwrap_or(0);
                    return Some(format!("regex {:?} in {}", entries[which], FIELD_NAMES[i]));
                }
            }
        }
        None
    }
}

/// `a.b.c`, `b.c`, `c`: a host and its parent domains, so an entry covers its subdomains.
fn suffixes(host: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut next = Some(host);
    std::iter::from_fn(move || {
        let h = next?;
        next = h
            .iter()
            .position(|&b| b == b'.')
            .map(|i| &h[i + 1..])
            .filter(|r| !r.is_empty());
        Some(h)
    })
}

/// A host entry: `example.com`, `*.example.com`, `.example.com` or a URL → `example.com`.
fn host_entry(e: &str) -> Option<String> {
    let mut h = e;
    if let Some(i) = h.find("://") {
        h = &h[i + 3..];
    }
    h = h.split(['/', '?', '#']).next().unwrap_or("");
    if let Some(at) = h.rfind('@') {
        h = &h[at + 1..];
    }
    if let Some(v6) = h.strip_prefix('[') {
        h = v6.split(']').next().unwrap_or("");
    } else if let Some(colon) = h.rfind(':') {
        h = &h[..colon];
    }
    let h = h.trim_start_matches("*.").trim_matches('.');
    if h.is_empty() || h.chars().any(|c| c.is_whitespace() || c == '*') {
        return None;
    }
    Some(h.to_lowercase())
}

fn build_regex(list: &str, entries: Vec<Entry>) -> Result<(RegexSet, Vec<String>)> {
    let pats: Vec<&str> = entries.iter().map(|(e, _)| e.as_str()).collect();
    match RegexSetBuilder::new(&pats).case_insensitive(true).build() {
        Ok(set) => Ok((set, entries.into_iter().map(|(e, _)| e).collect())),
        Err(set_err) => {
            // Name the first entry that does not compile on its own.
            for (e, at) in &entries {
                if let Err(err) = RegexBuilder::new(e).case_insensitive(true).build() {
                    return Err(RulesError::BadRegex {
                        list: list.to_owned(),
                        at: at.clone(),
                        entry: e.clone(),
                        message: err.to_string(),
                    });
                }
            }
            Err(RulesError::ListTooLarge {
                list: list.to_owned(),
                message: set_err.to_string(),
            })
        }
    }
}

/// IPs and CIDR ranges, by family. A lookup is one hash probe per distinct prefix length (at most
/// 33 for v4, 129 for v6; real lists use a handful).
#[derive(Default)]
struct IpTable {
    v4: Prefixes<u32>,
    v6: Prefixes<u128>,
    len: usize,
}

/// An address of one family as an integer: IPv4 as `u32`, IPv6 as `u128`.
trait Net: std::hash::Hash + Eq + Copy {
    /// The address with only its first `len` bits kept.
    fn prefix(self, len: u8) -> Self;
    /// The key a [`Sieve`] hashes.
    fn sieve_key(self) -> u64;
}

impl Net for u32 {
    fn prefix(self, len: u8) -> u32 {
        if len == 0 {
            0
        } else {
            self & u32::MAX << (32 - u32::from(len))
        }
    }

    fn sieve_key(self) -> u64 {
        u64::from(self)
    }
}

impl Net for u128 {
    fn prefix(self, len: u8) -> u128 {
        if len == 0 {
            0
        } else {
            self & u128::MAX << (128 - u32::from(len))
        }
    }

    fn sieve_key(self) -> u64 {
        (self as u64) ^ ((self >> 64) as u64).rotate_left(32)
    }
}

/// The networks of one family: for each prefix length in use, a map from the masked network to
/// its entry, with a [`Sieve`] in front when the map is large.
struct Prefixes<K> {
    /// Longest prefix first once sealed: the most specific entry is named.
    tables: Vec<Prefix<K>>,
}

struct Prefix<K> {
    len: u8,
    map: HashMap<K, String>,
    sieve: Option<Sieve>,
}

impl<K> Default for Prefixes<K> {
    fn default() -> Self {
        Prefixes { tables: Vec::new() }
    }
}

impl<K: Net> Prefixes<K> {
    /// Adds `addr/len` (host bits after the prefix ignored: 192.0.2.7/24 is 192.0.2.0/24) unless
    /// that network is listed already (the first entry wins).
    fn insert(&mut self, addr: K, len: u8, entry: String) {
        let i = match self.tables.iter().position(|t| t.len == len) {
            Some(i) => i,
            None => {
                self.tables.push(Prefix {
                    len,
                    map: HashMap::default(),
                    sieve: None,
                });
                self.tables.len() - 1
            }
        };
        self.tables[i].map.entry(addr.prefix(len)).or_insert(entry);
    }

    /// Orders the tables longest prefix first and builds their sieves, once every entry is in.
    fn seal(&mut self) {
        self.tables.sort_by_key(|t| std::cmp::Reverse(t.len));
        for t in &mut self.tables {
            t.sieve = Sieve::build(t.map.keys().map(|&k| k.sieve_key()));
        }
    }

    fn find(&self, addr: K) -> Option<&str> {
        self.tables
            .iter()
            .find_map(|t| {
                let net = addr.prefix(t.len);
                match &t.sieve {
                    Some(s) if !s.may_contain(net.sieve_key()) => None,
                    _ => t.map.get(&net),
                }
            })
            .map(String::as_str)
    }
}

/// A blocked Bloom filter in front of a large table (at least [`Sieve::MIN`] keys). Most lookups
/// are for keys a list does not hold, and a large map costs them a cache miss or two; the filter,
/// 12 bits a key with two set in one 64-bit word (about 3% false positives), turns most of them
/// away with one load from a table a tenth of the size.
struct Sieve {
    bits: Box<[u64]>,
}

impl Sieve {
    /// Smaller tables stay in cache on their own.
    const MIN: usize = 4096;

    fn build(keys: impl ExactSizeIterator<Item = u64>) -> Option<Sieve> {
        if keys.len() < Sieve::MIN {
            return None;
        }
        let words = (keys.len() * 12 / 64).next_power_of_two();
        let mut bits = vec![0u64; words].into_boxed_slice();
        for k in keys {
            let (i, m) = Sieve::probe(k, words);
            bits[i] |= m;
        }
        Some(Sieve { bits })
    }

    /// Whether `key` may be in the table: `false` means it is not.
    fn may_contain(&self, key: u64) -> bool {
        let (i, m) = Sieve::probe(key, self.bits.len());
        self.bits[i] & m == m
    }

    /// The word (below `words`, a power of two) and its two bits, from murmur3's 64-bit finalizer.
    fn probe(key: u64, words: usize) -> (usize, u64) {
        let mut h = key ^ (key >> 33);
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^= h >> 33;
        let m = (1u64 << (h >> 52 & 63)) | (1u64 << (h >> 58));
        (h as usize & (words - 1), m)
    }

    /// The sieve key of a name: a fixed-seed hash of its bytes (a crafted collision only costs the
    /// map lookup the sieve would have saved).
    fn name_key(name: &[u8]) -> u64 {
        use std::hash::BuildHasher;
        foldhash::fast::FixedState::with_seed(0x5157_4e41_4d45_5321).hash_one(name)
    }
}

impl IpTable {
    fn build(list: &str, entries: Vec<Entry>) -> Result<IpTable> {
        let mut t = IpTable::default();
        for (e, at) in entries {
            let bad = |reason| RulesError::BadCidr {
                list: list.to_owned(),
                at: at.clone(),
                entry: e.clone(),
                reason,
            };
            let (addr, len) = match e.split_once('/') {
                Some((a, l)) => (a, Some(l)),
                None => (e.as_str(), None),
            };
            let addr: IpAddr = addr.trim().parse().map_err(|_| bad("not an IP address"))?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let len = match len {
                None => max,
                Some(l) => match l.trim().parse::<u8>() {
                    Ok(n) if n <= max => n,
                    Ok(_) => return Err(bad("prefix length too long")),
                    Err(_) => return Err(bad("prefix length is not a number")),
                },
            };
            match addr {
                IpAddr::V4(a) => t.v4.insert(u32::from(a), len, e.clone()),
                IpAddr::V6(a) => t.v6.insert(u128::from(a), len, e.clone()),
            }
            t.len += 1;
        }
        t.v4.seal();
        t.v6.seal();
        Ok(t)
    }

    fn find(&self, ip: IpAddr) -> Option<&str> {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match ip {
            IpAddr::V4(a) => self.v4.find(u32::from(a)),
            IpAddr::V6(a) => self.v6.find(u128::from(a)),
        }
    }
}

/// A hash map from names (hosts, domains, addresses) with a set of the keys' lengths in front:
/// a name of a length no key has is turned away without being hashed, which is most lookups when
/// the list is short (a host is looked up with each of its parent domains).
struct Names<V> {
    map: HashMap<Box<[u8]>, V>,
    /// Bit `n` for keys of `n` bytes (bit 63 for 63 and more).
    lens: u64,
    /// Set by [`Names::seal`] when the table is large.
    sieve: Option<Sieve>,
}

impl<V> Default for Names<V> {
    fn default() -> Self {
        Names {
            map: HashMap::default(),
            lens: 0,
            sieve: None,
        }
    }
}

impl<V> Names<V> {
    /// Adds `key` unless it is there already (the first entry wins).
    fn insert(&mut self, key: String, value: V) {
        debug_assert!(self.sieve.is_none(), "inserted after seal");
        self.lens |= 1 << key.len().min(63);
        self.map
            .entry(key.into_bytes().into_boxed_slice())
            .or_insert(value);
    }

    /// Builds the sieve once every key is in (later inserts would not be in it).
    fn seal(mut self) -> Self {
        self.sieve = Sieve::build(self.map.keys().map(|k| Sieve::name_key(k)));
        self
    }

    #[inline(always)]
    fn get(&self, key: &[u8]) -> Option<&V> {
        // Inlined: most keys have a length that no entry has (a host's parent domains, say).
        if self.lens >> key.len().min(63) & 1 == 0 {
            return None;
        }
        self.lookup(key)
    }

    /// The entry for the longest of [`suffixes`]`(name)` that has one: the name itself, then its
    /// parent domains. Only the suffixes of a length some key has are looked at: for each such
    /// length, longest first, one byte says whether a suffix of that length starts after a dot,
    /// instead of a walk over the name's bytes for its dots.
    #[inline(always)]
    fn find_suffix(&self, name: &[u8]) -> Option<&V> {
        let n = name.len();
        if n >= 63 {
            // Bit 63 stands for every length from 63 up: the plain walk.
            return suffixes(name).find_map(|h| self.get(h));
        }
        // Lengths 1..=n that some key has.
        let mut lens = self.lens & ((1u64 << (n + 1)) - 2);
        while lens != 0 {
            let k = 63 - lens.leading_zeros() as usize;
            lens &= !(1 << k);
            if k == n || name[n - k - 1] == b'.' {
                if let Some(v) = self.lookup(&name[n - k..]) {
                    return Some(v);
                }
            }
        }
        None
    }

    #[inline(never)]
    fn lookup(&self, key: &[u8]) -> Option<&V> {
        if let Some(s) = &self.sieve {
            if !s.may_contain(Sieve::name_key(key)) {
                return None;
            }
        }
        self.map.get(key)
    }

    fn len(&self) -> usize {
        self.map.len()
    }

    fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// E-mail addresses (exact, case-insensitive) and domains (with their subdomains).
#[derive(Default)]
struct EmailTable {
    addresses: Names<String>,
    domains: Names<String>,
}

impl EmailTable {
    fn build(list: &str, entries: Vec<Entry>) -> Result<EmailTable> {
        let mut t = EmailTable::default();
        for (e, at) in entries {
            let bad = |reason| RulesError::BadEntry {
                list: list.to_owned(),
                at: at.clone(),
                entry: e.clone(),
                reason,
            };
            if e.chars().any(char::is_whitespace) || e.matches('@').count() > 1 {
                return Err(bad("not an e-mail address or domain"));
            }
            let lower = e.to_lowercase();
            match lower.split_once('@') {
                Some(("", domain)) => {
                    let d = domain.trim_start_matches("*.").trim_matches('.');
                    if d.is_empty() {
                        return Err(bad("empty domain"));
                    }
                    t.domains.insert(d.to_owned(), e.clone());
                }
                Some((_, "")) => return Err(bad("empty domain")),
                Some(_) => {
                    t.addresses.insert(lower.clone(), lower);
                }
                None => {
                    let d = lower.trim_start_matches("*.").trim_matches('.');
                    if d.is_empty() {
                        return Err(bad("empty domain"));
                    }
                    t.domains.insert(d.to_owned(), e.clone());
                }
            }
        }
        t.addresses = t.addresses.seal();
        t.domains = t.domains.seal();
        Ok(t)
    }

    fn is_empty(&self) -> bool {
        self.addresses.is_empty() && self.domains.is_empty()
    }

    /// The entry for a trimmed, lower-cased address.
    fn find(&self, email: &[u8]) -> Option<&str> {
        if let Some(a) = self.addresses.get(email) {
            return Some(a);
        }
        let at = email.iter().rposition(|&b| b == b'@')?;
        self.domains
            .find_suffix(trim_end_byte(&email[at + 1..], b'.'))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffix_lookup_by_key_lengths_is_the_walk_over_dots() {
        // Names and keys of `a`, `b` and dots, up to 70 bytes (past the 63 where the lengths'
        // bits stop), in small and large tables: the first hit is the walk's.
        let mut x = 7u64;
        let mut next = |m: u64| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) % m
        };
        let mut word = |max: u64| -> String {
            let n = next(max + 1);
            (0..n).map(|_| ['a', 'b', '.'][next(3) as usize]).collect()
        };
        for keys in [3, 40, 3000] {
            let mut t: Names<String> = Names::default();
            for _ in 0..keys {
                let k = word(70);
                if !k.is_empty() {
                    t.insert(k.clone(), k);
                }
            }
            let t = t.seal();
            for _ in 0..20_000 {
                let name = word(70);
                let walk = suffixes(name.as_bytes()).find_map(|h| t.get(h));
                assert_eq!(t.find_suffix(name.as_bytes()), walk, "{name:?}");
            }
        }
    }

    #[test]
    fn suffixes_walk_up_the_labels() {
        let s: Vec<&[u8]> = suffixes(b"a.b.example").collect();
        assert_eq!(s, [&b"a.b.example"[..], b"b.example", b"example"]);
        assert_eq!(suffixes(b"x").count(), 1);
    }

    #[test]
    fn host_entries_accept_urls_and_wildcards() {
        assert_eq!(
            host_entry("https://Spam.Example/path").as_deref(),
            Some("spam.example")
        );
        assert_eq!(
            host_entry("*.spam.example").as_deref(),
            Some("spam.example")
        );
        assert_eq!(
            host_entry(".spam.example.").as_deref(),
            Some("spam.example")
        );
        assert_eq!(
            host_entry("user@host.example:81").as_deref(),
            Some("host.example")
        );
        assert_eq!(host_entry("two words"), None);
        assert_eq!(host_entry("*"), None);
    }

    #[test]
    fn sieves_never_turn_away_a_listed_key() {
        // Large enough for sieves on every table; every entry is still found, and keys that are
        // not listed are found in none (the sieve only saves lookups).
        let n = 3 * Sieve::MIN;
        let at = |i| EntryAt::Inline { index: i + 1 };
        let ips = (0..n)
            .map(|i| {
                let e = if i % 2 == 0 {
                    format!("10.{}.{}.0/24", i >> 8 & 255, i & 255)
                } else {
                    format!("2001:db8:{i:x}::/48")
                };
                (e, at(i))
            })
            .collect();
        let t = IpTable::build("x", ips).unwrap();
        assert!(t.v4.tables.iter().all(|p| p.sieve.is_some()));
        assert!(t.v6.tables.iter().all(|p| p.sieve.is_some()));
        for i in 0..n {
            let ip = if i % 2 == 0 {
                format!("10.{}.{}.9", i >> 8 & 255, i & 255)
            } else {
                format!("2001:db8:{i:x}::9")
            };
            assert!(t.find(ip.parse().unwrap()).is_some(), "{ip}");
        }
        assert_eq!(t.find("11.0.0.1".parse().unwrap()), None);
        assert_eq!(t.find("2001:db9::1".parse().unwrap()), None);
        let emails = (0..n)
            .map(|i| {
                let e = if i % 2 == 0 {
                    format!("s{i}@x.example")
                } else {
                    format!("d{i}.example")
                };
                (e, at(i))
            })
            .collect();
        let t = EmailTable::build("x", emails).unwrap();
        assert!(t.addresses.sieve.is_some() && t.domains.sieve.is_some());
        for i in 0..n {
            let e = if i % 2 == 0 {
                format!("s{i}@x.example")
            } else {
                format!("a@mx.d{i}.example")
            };
            assert!(t.find(e.as_bytes()).is_some(), "{e}");
        }
        assert_eq!(t.find(b"nobody@x.example"), None);
        let mut hosts = Names::default();
        for i in 0..n {
            hosts.insert(format!("h{i}.example"), i);
        }
        let hosts = hosts.seal();
        assert!(hosts.sieve.is_some());
        assert!((0..n).all(|i| hosts.get(format!("h{i}.example").as_bytes()) == Some(&i)));
        // About 3% of other names get past the sieve to the map.
        let past = (0..10_000)
            .filter(|i| {
                let k = format!("other{i}.example");
                hosts
                    .sieve
                    .as_ref()
                    .unwrap()
                    .may_contain(Sieve::name_key(k.as_bytes()))
            })
            .count();
        assert!(past < 800, "{past}");
    }

    #[test]
    fn ip_table_prefixes() {
        let entries = [
            "192.0.2.0/24",
            "198.51.100.7",
            "2001:db8::/32",
            "10.0.0.0/8",
        ]
        .iter()
        .enumerate()
        .map(|(i, e)| (e.to_string(), EntryAt::Inline { index: i + 1 }))
        .collect();
        let t = IpTable::build("x", entries).unwrap();
        let f = |s: &str| t.find(s.parse().unwrap()).map(str::to_owned);
        assert_eq!(f("192.0.2.200").as_deref(), Some("192.0.2.0/24"));
        assert_eq!(f("::ffff:192.0.2.1").as_deref(), Some("192.0.2.0/24"));
        assert_eq!(f("192.0.3.1"), None);
        assert_eq!(f("198.51.100.7").as_deref(), Some("198.51.100.7"));
        assert_eq!(f("198.51.100.8"), None);
        assert_eq!(f("2001:db8:ffff::1").as_deref(), Some("2001:db8::/32"));
        assert_eq!(f("2001:db9::1"), None);
        assert_eq!(f("10.255.0.1").as_deref(), Some("10.0.0.0/8"));
    }
}

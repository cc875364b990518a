//! Trusted commenters: an [`Author`] is matched as the Akismet plugin does, [`AuthorKeys`]
//! turns one into the [`AuthorKey`] a history stores, and [`ApprovedAuthors`] says how many of
//! their comments were approved ([`MemoryAuthors`], [`NoHistory`]).

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::RwLock;

use ferret_features::Comment;
use foldhash::HashMap;
use siphasher::sip128::SipHasher24;

use crate::error::RulesError;
use crate::scan::{lower_append, trim};
use crate::token::sha256;

/// An author as the Akismet plugin matches previously approved comments: name, e-mail and URL,
/// each trimmed and case-folded (MySQL's case-insensitive comparison). Authors without an e-mail
/// are not matched, as in the plugin, so there is no `Author` for them.
///
/// The rules hand one to [`ApprovedAuthors::approved`]; a history turns it into the key it
/// stores with [`AuthorKeys::key`].
#[derive(Clone, Copy)]
pub struct Author<'a> {
    /// `name ‖ 0xFF ‖ e-mail ‖ 0xFF ‖ URL ‖ 0xFF`: 0xFF never occurs in UTF-8, so it is an
    /// unambiguous field separator.
    joined: &'a [u8],
    /// Where the name's and the e-mail's separators are.
    name_end: usize,
    email_end: usize,
}

impl<'a> Author<'a> {
    /// An author from `name ‖ 0xFF ‖ e-mail ‖ 0xFF ‖ URL ‖ 0xFF`, already trimmed and lower-cased
    /// as [`lower_append`] does; `None` without an e-mail.
    pub(crate) fn joined(
        joined: &'a [u8],
        name_end: usize,
        email_end: usize,
    ) -> Option<Author<'a>> {
        debug_assert!(name_end < email_end && email_end < joined.len());
        (email_end > name_end + 1).then_some(Author {
            joined,
            name_end,
            email_end,
        })
    }

    /// Runs `f` on the author of these trimmed, lower-cased fields, joined on the stack unless
    /// they are very long; `None` without an e-mail.
    pub(crate) fn with_parts<R>(
        [name, email, url]: [&[u8]; 3],
        f: impl FnOnce(&Author<'_>) -> R,
    ) -> Option<R> {
        let len = name.len() + email.len() + url.len() + 3;
        let (mut stack, mut heap) = ([0u8; 256], Vec::new());
        let buf = if len <= stack.len() {
            &mut stack[..len]
        } else {
            heap.resize(len, 0);
            &mut heap[..]
        };
        let mut n = 0;
        for part in [name, &[0xff], email, &[0xff], url, &[0xff]] {
            buf[n..n + part.len()].copy_from_slice(part);
            n += part.len();
        }
        let (name_end, email_end) = (name.len(), name.len() + 1 + email.len());
        Author::joined(buf, name_end, email_end).map(|a| f(&a))
    }

    /// Runs `f` on the comment's author; `None` when the comment has no e-mail address.
    pub fn with_comment<R>(c: &Comment, f: impl FnOnce(&Author<'_>) -> R) -> Option<R> {
        let mut joined = Vec::new();
        let mut ends = [0; 3];
        let fields = [
            &c.comment_author,
            &c.comment_author_email,
            &c.comment_author_url,
        ];
        for (end, field) in ends.iter_mut().zip(fields) {
            lower_append(trim(field.as_deref().unwrap_or("")), &mut joined);
            *end = joined.len();
            joined.push(0xff);
        }
        Author::joined(&joined, ends[0], ends[1]).map(|a| f(&a))
    }

    fn name(&self) -> &[u8] {
        &self.joined[..self.name_end]
    }

    fn email(&self) -> &[u8] {
        &self.joined[self.name_end + 1..self.email_end]
    }

    fn url(&self) -> &[u8] {
        &self.joined[self.email_end + 1..self.joined.len() - 1]
    }

    /// The key this author had before keys were per history (`ferret-author-v1`: the first 16
    /// bytes of SHA-256 over the fields, the same for every install). A history that still
    /// holds such keys looks them up with it; it costs two SHA-256 blocks, several times
    /// [`AuthorKeys::key`].
    pub fn legacy_key(&self) -> AuthorKey {
        // `PREFIX ‖ email ‖ 0xFF ‖ name ‖ 0xFF ‖ url ‖ 0xFF`.
        let mut buf = Vec::with_capacity(PREFIX.len() + self.joined.len());
        for part in [
            PREFIX,
            self.email(),
            &[0xff],
            self.name(),
            &[0xff],
            self.url(),
            &[0xff],
        ] {
            buf.extend_from_slice(part);
        }
        let mut key = [0u8; 16];
        key.copy_from_slice(&sha256(&buf)[..16]);
        AuthorKey(key)
    }
}

impl fmt::Debug for Author<'_> {
    /// Redacted: an author is personal data, not for logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Author(…)")
    }
}

/// The first bytes of every legacy author digest (its version).
const PREFIX: &[u8] = b"ferret-author-v1";

/// How a history keys its authors: SipHash-2-4 with a 128-bit output, keyed by a secret of the
/// history (the store keeps it with the counts it keys).
///
/// The key can be stored (e.g. in SQLite) without keeping the e-mail address. Without the
/// secret, a key says nothing about the author (SipHash is a pseudo-random function), an
/// e-mail address cannot be tried against stored keys, and no one can craft an author with the
/// key of a trusted one.
#[derive(Clone)]
pub struct AuthorKeys {
    sip: SipHasher24,
}

impl AuthorKeys {
    /// Keys under this secret.
    pub fn new(secret: [u8; 16]) -> AuthorKeys {
        AuthorKeys {
            sip: SipHasher24::new_with_key(&secret),
        }
    }

    /// Keys under a fresh secret from the OS.
    pub fn random() -> Result<AuthorKeys, RulesError> {
        let mut secret = [0u8; 16];
        getrandom::getrandom(&mut secret).map_err(|e| RulesError::Randomness(e.to_string()))?;
        Ok(AuthorKeys::new(secret))
    }

    /// The secret, for the store that keeps it with the keys.
    pub fn secret(&self) -> [u8; 16] {
        self.sip.key()
    }

    /// The author's key.
    pub fn key(&self, author: &Author<'_>) -> AuthorKey {
        AuthorKey(self.sip.hash(author.joined).as_bytes())
    }

    /// The key of the comment's author, or `None` when there is no e-mail address.
    pub fn of(&self, c: &Comment) -> Option<AuthorKey> {
        Author::with_comment(c, |a| self.key(a))
    }
}

impl fmt::Debug for AuthorKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthorKeys(<redacted>)")
    }
}

/// An author's stored identity: 128 bits from [`AuthorKeys::key`] (or, for histories from
/// before per-history secrets, [`Author::legacy_key`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AuthorKey([u8; 16]);

impl AuthorKey {
    /// The legacy key of the comment's author ([`Author::legacy_key`]), or `None` when there is
    /// no e-mail address.
    pub fn legacy_of(c: &Comment) -> Option<AuthorKey> {
        Author::with_comment(c, |a| a.legacy_key())
    }

    /// The raw 16 bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// A key from its raw bytes (e.g. read back from a store).
    pub fn from_bytes(bytes: [u8; 16]) -> AuthorKey {
        AuthorKey(bytes)
    }

    /// 32 lower-case hex digits.
    pub fn to_hex(&self) -> String {
        self.to_string()
    }

    /// The inverse of [`AuthorKey::to_hex`].
    pub fn from_hex(s: &str) -> Option<AuthorKey> {
        let s = s.as_bytes();
        if s.len() != 32 {
            return None;
        }
        let mut out = [0u8; 16];
        for (i, pair) in s.chunks_exact(2).enumerate() {
            let hi = (pair[0] as char).to_digit(16)?;
            let lo = (pair[1] as char).to_digit(16)?;
            out[i] = (hi * 16 + lo) as u8;
        }
        Some(AuthorKey(out))
    }
}

impl fmt::Display for AuthorKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for AuthorKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AuthorKey({self})")
    }
}

/// How many approved comments an author has: the history behind the trusted-author rule. The
/// router implements it over its store; [`MemoryAuthors`] and [`NoHistory`] are ready-made.
pub trait ApprovedAuthors {
    /// Approved comments of this author (a history keys it with its [`AuthorKeys::key`]).
    fn approved(&self, author: &Author<'_>) -> u64;

    /// Whether no author has an approved comment, so that the rule can skip gathering the
    /// comment's author. The default, `false`, always looks the author up; return `true` only
    /// when [`ApprovedAuthors::approved`] would say 0 for every author.
    fn is_empty(&self) -> bool {
        false
    }
}

/// No history: nobody is a trusted author.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoHistory;

impl ApprovedAuthors for NoHistory {
    fn approved(&self, _author: &Author<'_>) -> u64 {
        0
    }

    fn is_empty(&self) -> bool {
        true
    }
}

/// Approved-comment counts in memory, shared between threads (reads take a read lock only),
/// keyed by its [`AuthorKeys`]. Feed it from ham feedback with
/// [`MemoryAuthors::record_approved`]. It grows by one entry (24 bytes plus map overhead) per
/// distinct approved author.
///
/// It can also hold counts under [legacy keys](Author::legacy_key), loaded from a store written
/// before keys were per history: an author without a count under the current key is then looked
/// up under the legacy one, until the store moves their count over.
#[derive(Debug)]
pub struct MemoryAuthors {
    keys: AuthorKeys,
    counts: RwLock<Counts>,
    /// Both maps' lengths, written under the write lock, so that [`ApprovedAuthors::is_empty`]
    /// (asked on every check) and the legacy fallback take no lock to know there is nothing.
    len: AtomicUsize,
    legacy_len: AtomicUsize,
}

#[derive(Debug, Default)]
struct Counts {
    current: HashMap<AuthorKey, u64>,
    legacy: HashMap<AuthorKey, u64>,
}

impl Default for MemoryAuthors {
    fn default() -> MemoryAuthors {
        MemoryAuthors::new()
    }
}

impl MemoryAuthors {
    /// An empty history keyed by a fresh random secret (fit for a history that lives and dies
    /// with the process; a stored one keeps its secret, see [`MemoryAuthors::with_keys`]).
    /// Should the OS have no randomness to give, the secret is all zeros: keys are then as
    /// guessable as the authors themselves, and the rule still works.
    pub fn new() -> MemoryAuthors {
        MemoryAuthors::with_keys(AuthorKeys::random().unwrap_or_else(|_| AuthorKeys::new([0; 16])))
    }

    /// An empty history keyed by `keys`.
    pub fn with_keys(keys: AuthorKeys) -> MemoryAuthors {
        MemoryAuthors {
            keys,
            counts: RwLock::default(),
            len: AtomicUsize::new(0),
            legacy_len: AtomicUsize::new(0),
        }
    }

    /// How this history keys authors.
    pub fn keys(&self) -> &AuthorKeys {
        &self.keys
    }

    fn update(&self, f: impl FnOnce(&mut Counts)) {
        let mut m = self.counts.write().unwrap_or_else(|e| e.into_inner());
        f(&mut m);
        self.len
            .store(m.current.len() + m.legacy.len(), Ordering::Release);
        self.legacy_len.store(m.legacy.len(), Ordering::Release);
    }

    /// One more approved comment by this author.
    pub fn record_approved(&self, key: AuthorKey) {
        self.update(|m| *m.current.entry(key).or_insert(0) += 1);
    }

    /// Sets the count outright (e.g. loaded from a store at start-up); 0 forgets the author.
    pub fn set(&self, key: AuthorKey, approved: u64) {
        self.update(|m| set(&mut m.current, key, approved));
    }

    /// Sets the count under a [legacy key](Author::legacy_key); 0 forgets it.
    pub fn set_legacy(&self, key: AuthorKey, approved: u64) {
        self.update(|m| set(&mut m.legacy, key, approved));
    }

    /// Forgets the author: a comment of theirs turned out to be spam.
    pub fn revoke(&self, key: &AuthorKey) {
        self.update(|m| {
            m.current.remove(key);
        });
    }

    /// Distinct authors with approved comments (under either kind of key).
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }

    /// Whether no author has an approved comment.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn set(m: &mut HashMap<AuthorKey, u64>, key: AuthorKey, approved: u64) {
    if approved == 0 {
        m.remove(&key);
    } else {
        m.insert(key, approved);
    }
}

impl ApprovedAuthors for MemoryAuthors {
    fn approved(&self, author: &Author<'_>) -> u64 {
        let key = self.keys.key(author);
        let found = {
            let m = self.counts.read().unwrap_or_else(|e| e.into_inner());
            m.current.get(&key).copied()
        };
        match found {
            Some(n) => n,
            None if self.legacy_len.load(Ordering::Acquire) == 0 => 0,
            None => {
                let legacy = author.legacy_key();
                let m = self.counts.read().unwrap_or_else(|e| e.into_inner());
                m.legacy.get(&legacy).copied().unwrap_or(0)
            }
        }
    }

    fn is_empty(&self) -> bool {
        MemoryAuthors::is_empty(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    fn author(email: &str, name: &str, url: &str) -> Comment {
        Comment {
            comment_author_email: Some(email.into()),
            comment_author: Some(name.into()),
            comment_author_url: Some(url.into()),
            ..Comment::default()
        }
    }

    #[test]
    fn keys_fold_case_and_space_but_keep_fields_apart() {
        let keys = AuthorKeys::new(*b"0123456789abcdef");
        for of in [
            &|c: &Comment| keys.of(c) as Option<AuthorKey>,
            &|c: &Comment| AuthorKey::legacy_of(c),
        ] as [&dyn Fn(&Comment) -> Option<AuthorKey>; 2]
        {
            let a = of(&author("Ann@Example.org", "Ann Ö", "https://ann.example")).unwrap();
            let b = of(&author(" ann@example.org ", "ann ö", "HTTPS://ANN.EXAMPLE")).unwrap();
            assert_eq!(a, b);
            let c = of(&author("ann@example.org", "Ann Ö", "")).unwrap();
            assert_ne!(a, c);
            // Moving text between fields changes the key.
            let d = of(&author("x@y", "ab", "")).unwrap();
            let e = of(&author("x@y", "a", "b")).unwrap();
            assert_ne!(d, e);
            let f = of(&author("x@ya", "b", "")).unwrap();
            assert_ne!(d, f);
            assert_eq!(of(&author("", "Ann", "")), None);
            assert_eq!(of(&author(" \t", "Ann", "")), None);
            assert_eq!(AuthorKey::from_hex(&a.to_hex()), Some(a));
            // A long non-ASCII name crosses the stack buffers' boundaries.
            let long = "Ǆ".repeat(100);
            let g = of(&author("x@y", &long, "")).unwrap();
            let h = of(&author("x@y", &long.to_lowercase(), "")).unwrap();
            assert_eq!(g, h);
        }
    }

    #[test]
    fn keys_depend_on_the_secret_and_are_stable() {
        let ann = author("Ann@Example.org", "Ann Ö", "https://ann.example");
        let one = AuthorKeys::new(*b"0123456789abcdef");
        let two = AuthorKeys::new(*b"0123456789abcdeF");
        assert_ne!(one.of(&ann), two.of(&ann));
        assert_eq!(AuthorKeys::new(one.secret()).of(&ann), one.of(&ann));
        // Stored keys must keep matching under their secret: SipHash-2-4-128 of the joined,
        // folded fields, pinned here.
        assert_eq!(
            one.of(&ann).unwrap().to_hex(),
            "8d878ce07529b30d7e80359e6b85b65e"
        );
        let joined = "ann ö\u{ff}ann@example.org\u{ff}https://ann.example\u{ff}";
        let bytes: Vec<u8> = joined
            .chars()
            .map(|c| {
                if c == '\u{ff}' {
                    vec![0xff]
                } else {
                    c.to_string().into_bytes()
                }
            })
            .flat_map(|b| b.into_iter())
            .collect();
        assert_eq!(
            one.of(&ann).unwrap().as_bytes(),
            &SipHasher24::new_with_key(b"0123456789abcdef")
                .hash(&bytes)
                .as_bytes()
        );
        // The secret stays out of logs.
        assert_eq!(format!("{one:?}"), "AuthorKeys(<redacted>)");
    }

    #[test]
    fn legacy_keys_are_stable() {
        // Stores from before per-store keys hold these: the digest format never changes.
        let k = AuthorKey::legacy_of(&author("Ann@Example.org", "Ann Ö", "https://ann.example"))
            .unwrap();
        assert_eq!(k.to_hex(), "f5fe0bba3b20fd2ea068f76059156ad6");
        let long = author("x@y", &"Ǆ".repeat(100), &"HTTPS://A.EXAMPLE/".repeat(9));
        let k = AuthorKey::legacy_of(&long).unwrap();
        assert_eq!(k.to_hex(), "f49d3afd8315c2a82a3e27c91b1b264e");
        // Every length around the stack buffer's limit, ASCII and not, hashes the same bytes:
        // the fields lower-cased char by char, each followed by 0xFF.
        for len in 200..260 {
            for ch in ["A", "Ö", "İ"] {
                let c = author("X@Y", &ch.repeat(len / ch.len()), "https://E.example/");
                let mut h = Sha256::new();
                h.update(PREFIX);
                for f in ["X@Y", &ch.repeat(len / ch.len()), "https://E.example/"] {
                    let folded: String = f.chars().flat_map(char::to_lowercase).collect();
                    h.update(folded.as_bytes());
                    h.update([0xff]);
                }
                assert_eq!(
                    AuthorKey::legacy_of(&c).unwrap().as_bytes()[..],
                    h.finalize()[..16]
                );
                let parts = ["x@y".to_string(), ch.repeat(len / ch.len()).to_lowercase()];
                let joined = Author::with_parts(
                    [
                        parts[1].as_bytes(),
                        parts[0].as_bytes(),
                        b"https://e.example/",
                    ],
                    |a| (a.legacy_key(), AuthorKeys::new([3; 16]).key(a)),
                );
                assert_eq!(
                    joined,
                    Some((
                        AuthorKey::legacy_of(&c).unwrap(),
                        AuthorKeys::new([3; 16]).of(&c).unwrap()
                    ))
                );
            }
        }
    }

    #[test]
    fn memory_authors_count_under_current_then_legacy_keys() {
        let m = MemoryAuthors::new();
        let c = author("a@b.c", "A", "");
        let approved = |m: &MemoryAuthors| Author::with_comment(&c, |a| m.approved(a)).unwrap();
        let k = m.keys().of(&c).unwrap();
        assert_eq!(approved(&m), 0);
        m.record_approved(k);
        m.record_approved(k);
        assert_eq!(approved(&m), 2);
        m.revoke(&k);
        assert!(m.is_empty());
        // Only a legacy count: found through the fallback; a current count wins over it.
        m.set_legacy(AuthorKey::legacy_of(&c).unwrap(), 5);
        assert_eq!((approved(&m), m.len()), (5, 1));
        m.set(k, 6);
        assert_eq!((approved(&m), m.len()), (6, 2));
        m.set_legacy(AuthorKey::legacy_of(&c).unwrap(), 0);
        m.set(k, 0);
        assert!(m.is_empty());
        // Another history's keys do not find the author.
        let other = MemoryAuthors::new();
        other.record_approved(k);
        assert_eq!(approved(&other), 0);
    }
}

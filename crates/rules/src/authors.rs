//! Trusted commenters: [`AuthorKey`] identifies an author as the Akismet plugin does, and
//! [`ApprovedAuthors`] says how many of their comments were approved ([`MemoryAuthors`],
//! [`NoHistory`]).

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::RwLock;

use ferret_features::Comment;
use foldhash::HashMap;

use crate::scan::{lower_append, trim};
use crate::token::sha256;

/// An author as the Akismet plugin matches previously approved comments: e-mail + name + URL,
/// each trimmed and case-folded (MySQL's case-insensitive comparison). Authors without an e-mail
/// have no key, as in the plugin.
///
/// The key is a 128-bit SHA-256 digest of the three fields, so it can be stored (e.g. in SQLite,
/// as [`AuthorKey::to_hex`]) without keeping the e-mail address, and no one can craft another
/// author with the key of a trusted one.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AuthorKey([u8; 16]);

impl AuthorKey {
    /// The key of the comment's author, or `None` when there is no e-mail address.
    pub fn of(c: &Comment) -> Option<AuthorKey> {
        let mut folded = Vec::new();
        let mut ends = [0; 3];
        let fields = [
            &c.comment_author_email,
            &c.comment_author,
            &c.comment_author_url,
        ];
        for (end, f) in ends.iter_mut().zip(fields) {
            lower_append(trim(f.as_deref().unwrap_or("")), &mut folded);
            *end = folded.len();
        }
        let [e, n, _] = ends;
        AuthorKey::of_folded([&folded[..e], &folded[e..n], &folded[n..]])
    }

    /// The key of an author whose e-mail, name and URL are already trimmed and lower-cased as
    /// [`AuthorKey::of`] does ([`lower_append`]); the rules' view of a comment has them.
    pub(crate) fn of_folded([email, name, url]: [&[u8]; 3]) -> Option<AuthorKey> {
        if email.is_empty() {
            return None;
        }
        // `PREFIX ‖ email ‖ 0xFF ‖ name ‖ 0xFF ‖ url ‖ 0xFF`: 0xFF never occurs in UTF-8, so it is
        // an unambiguous field separator. A stack buffer unless the author is very long.
        let len = PREFIX.len() + email.len() + name.len() + url.len() + 3;
        let (mut stack, mut heap) = ([0u8; 256], Vec::new());
        let buf = if len <= stack.len() {
            &mut stack[..len]
        } else {
            heap.resize(len, 0);
            &mut heap[..]
        };
        let mut n = 0;
        for part in [PREFIX, email, &[0xff], name, &[0xff], url, &[0xff]] {
            buf[n..n + part.len()].copy_from_slice(part);
            n += part.len();
        }
        let mut key = [0u8; 16];
        key.copy_from_slice(&sha256(buf)[..16]);
        Some(AuthorKey(key))
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

/// The first bytes of every author digest (its version).
const PREFIX: &[u8] = b"ferret-author-v1";

/// How many approved comments an author has: the history behind the trusted-author rule. The
/// router implements it over its store; [`MemoryAuthors`] and [`NoHistory`] are ready-made.
pub trait ApprovedAuthors {
    /// Approved comments of this author.
    fn approved(&self, key: &AuthorKey) -> u64;

    /// Whether no author has an approved comment, so that the rule can skip computing the
    /// comment's [`AuthorKey`] (a SHA-256). The default, `false`, always looks the author up;
    /// return `true` only when [`ApprovedAuthors::approved`] would say 0 for every key.
    fn is_empty(&self) -> bool {
        false
    }
}

/// No history: nobody is a trusted author.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoHistory;

impl ApprovedAuthors for NoHistory {
    fn approved(&self, _key: &AuthorKey) -> u64 {
        0
    }

    fn is_empty(&self) -> bool {
        true
    }
}

/// Approved-comment counts in memory, shared between threads (reads take a read lock only).
/// Feed it from ham feedback with [`MemoryAuthors::record_approved`]. It grows by one entry
/// (24 bytes plus map overhead) per distinct approved author.
#[derive(Debug, Default)]
pub struct MemoryAuthors {
    counts: RwLock<HashMap<AuthorKey, u64>>,
    /// The map's length, written under its write lock, so that [`ApprovedAuthors::is_empty`]
    /// (asked on every check) takes no lock.
    len: AtomicUsize,
}

impl MemoryAuthors {
    /// An empty history.
    pub fn new() -> MemoryAuthors {
        MemoryAuthors::default()
    }

    /// One more approved comment by this author.
    pub fn record_approved(&self, key: AuthorKey) {
        let mut m = self.counts.write().unwrap_or_else(|e| e.into_inner());
        *m.entry(key).or_insert(0) += 1;
        self.len.store(m.len(), Ordering::Release);
    }

    /// Sets the count outright (e.g. loaded from a store at start-up).
    pub fn set(&self, key: AuthorKey, approved: u64) {
        let mut m = self.counts.write().unwrap_or_else(|e| e.into_inner());
        if approved == 0 {
            m.remove(&key);
        } else {
            m.insert(key, approved);
        }
        self.len.store(m.len(), Ordering::Release);
    }

    /// Forgets the author: a comment of theirs turned out to be spam.
    pub fn revoke(&self, key: &AuthorKey) {
        let mut m = self.counts.write().unwrap_or_else(|e| e.into_inner());
        m.remove(key);
        self.len.store(m.len(), Ordering::Release);
    }

    /// Distinct authors with approved comments.
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }

    /// Whether no author has an approved comment.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl ApprovedAuthors for MemoryAuthors {
    fn approved(&self, key: &AuthorKey) -> u64 {
        let m = self.counts.read().unwrap_or_else(|e| e.into_inner());
        m.get(key).copied().unwrap_or(0)
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
        let a = AuthorKey::of(&author("Ann@Example.org", "Ann Ö", "https://ann.example")).unwrap();
        let b =
            AuthorKey::of(&author(" ann@example.org ", "ann ö", "HTTPS://ANN.EXAMPLE")).unwrap();
        assert_eq!(a, b);
        let c = AuthorKey::of(&author("ann@example.org", "Ann Ö", "")).unwrap();
        assert_ne!(a, c);
        // Moving text between fields changes the key.
        let d = AuthorKey::of(&author("x@y", "ab", "")).unwrap();
        let e = AuthorKey::of(&author("x@y", "a", "b")).unwrap();
        assert_ne!(d, e);
        assert_eq!(AuthorKey::of(&author("", "Ann", "")), None);
        assert_eq!(AuthorKey::from_hex(&a.to_hex()), Some(a));
        // A long non-ASCII name crosses the stack buffers' boundaries.
        let long = "Ǆ".repeat(100);
        let f = AuthorKey::of(&author("x@y", &long, "")).unwrap();
        let g = AuthorKey::of(&author("x@y", &long.to_lowercase(), "")).unwrap();
        assert_eq!(f, g);
    }

    #[test]
    fn keys_are_stable() {
        // Stored keys must keep matching: the digest format never changes.
        let k = AuthorKey::of(&author("Ann@Example.org", "Ann Ö", "https://ann.example")).unwrap();
        assert_eq!(k.to_hex(), "f5fe0bba3b20fd2ea068f76059156ad6");
        // A long author does not fit the stack buffer and is folded on the heap.
        let long = author("x@y", &"Ǆ".repeat(100), &"HTTPS://A.EXAMPLE/".repeat(9));
        let k = AuthorKey::of(&long).unwrap();
        assert_eq!(k.to_hex(), "f49d3afd8315c2a82a3e27c91b1b264e");
        // Every length around the one-buffer limit, ASCII and not, hashes the same bytes: the
        // fields lower-cased char by char, each followed by 0xFF.
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
                    AuthorKey::of(&c).unwrap().as_bytes()[..],
                    h.finalize()[..16]
                );
            }
        }
    }

    #[test]
    fn memory_authors_count() {
        let m = MemoryAuthors::new();
        let k = AuthorKey::of(&author("a@b.c", "A", "")).unwrap();
        assert_eq!(m.approved(&k), 0);
        m.record_approved(k);
        m.record_approved(k);
        assert_eq!(m.approved(&k), 2);
        m.revoke(&k);
        assert!(m.is_empty());
    }
}

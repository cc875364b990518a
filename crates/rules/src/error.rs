//! [`RulesError`]: everything that can be wrong with a `[rules]` configuration, found at load time.

use std::fmt;
use std::path::PathBuf;

/// Where a list entry came from: a line of a list file, or a position in an inline array.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryAt {
    /// Line `line` (1-based) of the list file `path`.
    File {
        /// The list file (after [`RulesConfig::with_base_dir`](crate::RulesConfig::with_base_dir)).
        path: PathBuf,
        /// 1-based line number.
        line: usize,
    },
    /// Entry `index` (1-based) of the inline array in `ferret.toml`.
    Inline {
        /// 1-based position in the array.
        index: usize,
    },
}

impl fmt::Display for EntryAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EntryAt::File { path, line } => write!(f, "{} line {line}", path.display()),
            EntryAt::Inline { index } => write!(f, "inline entry {index}"),
        }
    }
}

/// A `[rules]` configuration that cannot be built. Every variant names the setting (`list` is the
/// dotted key, e.g. `rules.disallowed.regex`) and says what to change.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RulesError {
    /// A list file could not be read.
    #[error("{list}: cannot read list file {}: {source}", path.display())]
    ReadList {
        /// The dotted key of the list.
        list: String,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A regex entry does not compile (or the set is too large).
    #[error("{list}: {at}: bad regex {entry:?}: {message}")]
    BadRegex {
        /// The dotted key of the list.
        list: String,
        /// Where the entry is.
        at: EntryAt,
        /// The entry as written.
        entry: String,
        /// The regex crate's explanation.
        message: String,
    },
    /// An IP or CIDR entry does not parse.
    #[error("{list}: {at}: bad IP or CIDR {entry:?}: {reason} (write 192.0.2.7, 192.0.2.0/24 or 2001:db8::/32; put partial addresses like \"192.168.\" in `words`)")]
    BadCidr {
        /// The dotted key of the list.
        list: String,
        /// Where the entry is.
        at: EntryAt,
        /// The entry as written.
        entry: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// An e-mail or host entry is not usable.
    #[error("{list}: {at}: bad entry {entry:?}: {reason}")]
    BadEntry {
        /// The dotted key of the list.
        list: String,
        /// Where the entry is.
        at: EntryAt,
        /// The entry as written.
        entry: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A word list is too large for the matcher.
    #[error(
        "{list}: the list cannot be compiled: {message}; split it or use fewer, longer entries"
    )]
    ListTooLarge {
        /// The dotted key of the list.
        list: String,
        /// The matcher's explanation.
        message: String,
    },
    /// A form token was asked for a post id longer than a token carries.
    #[error("post id of {len} bytes is longer than a form token carries ({max}); use the numeric post id")]
    PostIdTooLong {
        /// Its length in bytes.
        len: usize,
        /// The maximum.
        max: usize,
    },
    /// The operating system gave no randomness for a token nonce.
    #[error("no randomness for a form token nonce: {0}")]
    Randomness(String),
    /// A setting has a value the rule cannot use.
    #[error("rules.{key} = {value}: {reason}")]
    BadSetting {
        /// The dotted key below `rules.`.
        key: &'static str,
        /// The value as configured (never the secret).
        value: String,
        /// What is wrong and what to do.
        reason: &'static str,
    },
}

/// `Result` with [`RulesError`].
pub type Result<T> = std::result::Result<T, RulesError>;

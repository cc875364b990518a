//! Stage one of Ferret's pipeline: a [`Comment`] becomes sparse hashed [`Features`].
//!
//! - [`Comment`] is the one comment type used across Ferret: every field of Akismet's `comment-check`,
//!   serialized with Akismet's names.
//! - [`Featurizer`] turns a comment into features: words (Unicode word segmentation, case-folded),
//!   word bigrams, CJK character bigrams, typed tokens for links (host, registrable domain, TLD, path
//!   pieces), e-mail domains, IPv4 /24s and phone-like numbers, field-prefixed metadata (author,
//!   e-mail domain, author-URL host, user-agent family, IP prefix, comment type, language, role) and
//!   shape tokens (length, link count, share of capitals, repeated `!!`, invisible characters).
//! - [`FeatureConfig`] (built through [`FeatureParams`]) fixes the hashed space and the text cap; a
//!   model file stores it together with [`FEATURE_VERSION`].
//! - [`Featurizer::with_trace`] also reports each token's [`TokenKind`], text and bucket to a
//!   [`Trace`] (`Vec<`[`Token`]`>` records them), which is how `ferret explain` names the words behind
//!   a verdict; the default [`NoTrace`] compiles all of that away.
//! - [`mail::mail_text`] reduces an RFC 822 message to its subject and readable body, so mail corpora
//!   can train a comment model without their headers dominating.
//!
//! ```
//! use ferret_features::{Comment, FeatureConfig, Featurizer, Features};
//!
//! let mut fz = Featurizer::new(FeatureConfig::default());
//! let mut features = Features::new();
//! let comment = Comment {
//!     comment_author: Some("Best Pills".into()),
//!     comment_content: Some("Cheap meds at http://pills.example/buy".into()),
//!     ..Comment::default()
//! };
//! fz.featurize(&comment, &mut features);
//! // Sorted, de-duplicated bucket ids with their counts, all below 2^bits.
//! assert!(features.iter().all(|(id, n)| id < 1 << 20 && n >= 1));
//! ```
//!
//! # Design notes
//! Tokens are never stored: each is hashed (a frozen MurmurHash3-style function, see `hash.rs`) with
//! a per-kind seed and the top `bits` bits pick its bucket. The vocabulary is therefore fixed-size,
//! models are portable across machines, and scoring needs no string table. Every tokenization
//! decision is part of [`FEATURE_VERSION`]; a model trained under another version is refused rather
//! than silently mis-scored. Work per comment is bounded: text past [`FeatureConfig::max_text_bytes`]
//! is not read (a `cap` feature records that it happened), and metadata fields are cut at 512 bytes.
#![deny(missing_docs)]

mod comment;
mod featurizer;
mod hash;
pub mod mail;
mod trace;

pub use comment::Comment;
pub use featurizer::Featurizer;
pub use hash::{combine as hash_combine, hash_bytes};
pub use trace::{LinkPart, LinkSource, NoTrace, Token, TokenKind, Trace};

/// Version of the tokenization and hashing scheme. A model records the version it was trained with
/// and is only ever scored by the same one.
pub const FEATURE_VERSION: u16 = 1;

/// Errors from checking featurizer parameters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FeatureError {
    /// The hashed space must have between 8 and 24 bits (a model holds 8 bytes per bucket, so 24 bits
    /// is already 128 MiB; the cap keeps a tiny hostile model file from claiming gigabytes).
    #[error("feature space of 2^{found} buckets is out of range: bits must be in {min}..={max}")]
    Bits {
        /// The value given.
        found: u8,
        /// Smallest allowed.
        min: u8,
        /// Largest allowed.
        max: u8,
    },
    /// The text cap must be at least 1 byte and at most 16 MiB.
    #[error("max_text_bytes = {found} is out of range: must be in 1..={max}")]
    MaxTextBytes {
        /// The value given.
        found: u32,
        /// Largest allowed.
        max: u32,
    },
}

/// Unchecked featurizer parameters; [`FeatureParams::check`] turns them into a [`FeatureConfig`].
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `bits` | 20 | log2 of the number of hash buckets | 8..=24 |
/// | `max_text_bytes` | 65,536 | text past this many bytes is not tokenized | 1..=16 MiB |
/// | `bigrams` | true | add word bigrams to unigrams | – |
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeatureParams(FeatureConfig);

impl FeatureParams {
    /// Sets log2 of the number of buckets.
    pub fn bits(mut self, bits: u8) -> Self {
        self.0.bits = bits;
        self
    }
    /// Sets the text cap in bytes.
    pub fn max_text_bytes(mut self, n: u32) -> Self {
        self.0.max_text_bytes = n;
        self
    }
    /// Turns word bigrams on or off.
    pub fn bigrams(mut self, on: bool) -> Self {
        self.0.bigrams = on;
        self
    }
    /// Validates every parameter at once.
    pub fn check(self) -> Result<FeatureConfig, FeatureError> {
        let c = self.0;
        if !(8..=24).contains(&c.bits) {
            return Err(FeatureError::Bits {
                found: c.bits,
                min: 8,
                max: 24,
            });
        }
        if c.max_text_bytes == 0 || c.max_text_bytes > 16 << 20 {
            return Err(FeatureError::MaxTextBytes {
                found: c.max_text_bytes,
                max: 16 << 20,
            });
        }
        Ok(c)
    }
}

/// Checked featurizer configuration; stored in every model file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeatureConfig {
    bits: u8,
    max_text_bytes: u32,
    bigrams: bool,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            bits: 20,
            max_text_bytes: 64 * 1024,
            bigrams: true,
        }
    }
}

impl FeatureConfig {
    /// Parameters starting from the defaults.
    pub fn params() -> FeatureParams {
        FeatureParams(FeatureConfig::default())
    }
    /// log2 of the number of buckets.
    pub fn bits(&self) -> u8 {
        self.bits
    }
    /// Number of buckets, `2^bits`.
    pub fn buckets(&self) -> usize {
        1 << self.bits
    }
    /// The text cap in bytes.
    pub fn max_text_bytes(&self) -> u32 {
        self.max_text_bytes
    }
    /// Whether word bigrams are produced.
    pub fn bigrams(&self) -> bool {
        self.bigrams
    }
}

/// A comment's features: sorted, distinct bucket ids, each with how often it occurred.
///
/// Reuse one `Features` across calls: [`Featurizer::featurize`] overwrites it without reallocating.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Features {
    ids: Vec<u32>,
    counts: Vec<u32>,
    truncated: bool,
}

impl Features {
    /// An empty feature set.
    pub fn new() -> Features {
        Features::default()
    }

    /// Builds features from `(bucket, count)` pairs in any order; repeated buckets are summed and zero
    /// counts dropped. For tests and for callers with their own feature extraction.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (u32, u32)>) -> Features {
        let mut v: Vec<(u32, u32)> = pairs.into_iter().filter(|p| p.1 > 0).collect();
        v.sort_unstable_by_key(|p| p.0);
        let mut f = Features::new();
        for (id, n) in v {
            if f.ids.last() == Some(&id) {
                let last = f
                    .counts
                    .last_mut()
                    .expect("ids and counts have equal length");
                *last = last.saturating_add(n);
            } else {
                f.ids.push(id);
                f.counts.push(n);
            }
        }
        f
    }

    /// `(bucket, count)` pairs in increasing bucket order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (u32, u32)> + '_ {
        self.ids.iter().copied().zip(self.counts.iter().copied())
    }

    /// The distinct bucket ids, sorted.
    pub fn ids(&self) -> &[u32] {
        &self.ids
    }

    /// Number of distinct features.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are no features at all.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Whether the text was longer than the cap and cut.
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// Sorts raw bucket ids and run-length encodes them into `self`.
    fn fill_from(&mut self, raw: &mut [u32], truncated: bool) {
        raw.sort_unstable();
        self.ids.clear();
        self.counts.clear();
        self.truncated = truncated;
        for &id in raw.iter() {
            if self.ids.last() == Some(&id) {
                *self
                    .counts
                    .last_mut()
                    .expect("ids and counts have equal length") += 1;
            } else {
                self.ids.push(id);
                self.counts.push(1);
            }
        }
    }
}

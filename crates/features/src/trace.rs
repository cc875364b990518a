//! Token tracing: which token (its kind and text) landed in which bucket, for explaining a verdict.
//!
//! The featurizer never keeps token text: it hashes and moves on. To say *why* a comment scored as it
//! did, a [`Featurizer`](crate::Featurizer) built with [`Featurizer::with_trace`](crate::Featurizer::with_trace)
//! hands every token to a [`Trace`] as it is hashed. The default trace, [`NoTrace`], is a
//! zero-sized type whose [`Trace::ENABLED`] is `false`: the text is then never built and the
//! tracing code is compiled out of the hot path entirely.

use std::fmt;

/// Where a link-like token was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkSource {
    /// A link in the comment text.
    Text,
    /// An e-mail address (in the text or the author's e-mail field).
    Email,
    /// The author's URL field.
    AuthorUrl,
    /// The HTTP referrer.
    Referrer,
}

/// Which part of a link or host name a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkPart {
    /// The scheme (`https`; empty for `www.` links).
    Scheme,
    /// The whole host name.
    Host,
    /// The registrable domain (`example.co.uk`).
    Domain,
    /// The top-level domain.
    Tld,
    /// A piece of the path or query.
    Path,
    /// The host is a bare IP address.
    IsIp,
}

/// What kind of token a feature came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenKind {
    /// A word of the text, case-folded.
    Word,
    /// Two neighbouring words.
    Bigram,
    /// A word longer than 24 bytes, kept only as its first character and rough length.
    LongWord,
    /// A symbol such as `$`, `£` or `!`.
    Symbol,
    /// A CJK character pair (or a lone character).
    Cjk,
    /// A part of a link, e-mail domain, author URL or referrer.
    Link(LinkSource, LinkPart),
    /// An IPv4 /24 found in the text.
    Ip,
    /// A phone-like number (its digit count), or `any` for having one.
    Phone,
    /// The author name field.
    Author,
    /// A word of the author name.
    AuthorWord,
    /// The user-agent family (or `none`).
    UserAgent,
    /// The commenter's IP prefix.
    UserIp,
    /// The comment type (comment, pingback, …).
    CommentType,
    /// A blog language.
    Language,
    /// The user role.
    Role,
    /// A shape of the comment: length, links, capitals, repeated `!!`, …, as `name=value`.
    Shape,
}

impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            TokenKind::Word => "word",
            TokenKind::Bigram => "bigram",
            TokenKind::LongWord => "long-word",
            TokenKind::Symbol => "symbol",
            TokenKind::Cjk => "cjk",
            TokenKind::Link(src, part) => {
                let src = match src {
                    LinkSource::Text => "link",
                    LinkSource::Email => "email",
                    LinkSource::AuthorUrl => "author-url",
                    LinkSource::Referrer => "referrer",
                };
                let part = match part {
                    LinkPart::Scheme => "scheme",
                    LinkPart::Host => "host",
                    LinkPart::Domain => "domain",
                    LinkPart::Tld => "tld",
                    LinkPart::Path => "path",
                    LinkPart::IsIp => "is-ip",
                };
                return write!(f, "{src}-{part}");
            }
            TokenKind::Ip => "ip",
            TokenKind::Phone => "phone",
            TokenKind::Author => "author",
            TokenKind::AuthorWord => "author-word",
            TokenKind::UserAgent => "user-agent",
            TokenKind::UserIp => "user-ip",
            TokenKind::CommentType => "type",
            TokenKind::Language => "lang",
            TokenKind::Role => "role",
            TokenKind::Shape => "shape",
        };
        f.write_str(s)
    }
}

/// One traced token: its kind, its text as hashed (case-folded), and its bucket.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Token {
    /// What kind of token it is.
    pub kind: TokenKind,
    /// The token's text as the featurizer saw it (lower-cased where the hash is case-blind).
    pub text: String,
    /// The bucket it was hashed into: the feature id in [`Features`](crate::Features).
    pub bucket: u32,
}

/// Receives every token a [`Featurizer`](crate::Featurizer) hashes.
///
/// Implemented by [`NoTrace`] (the default: nothing is recorded and nothing is built) and by
/// `Vec<Token>` (records every token of the last comment featurized).
pub trait Trace {
    /// Whether tokens are traced. When `false` the featurizer never builds a token's text, and the
    /// compiler removes the tracing code.
    const ENABLED: bool;
    /// Called once at the start of each comment, before its first token.
    fn begin(&mut self) {}
    /// One token, in the order the featurizer produced it.
    fn token(&mut self, kind: TokenKind, text: &str, bucket: u32);
}

/// The default trace: records nothing, costs nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoTrace;

impl Trace for NoTrace {
    const ENABLED: bool = false;
    #[inline(always)]
    fn token(&mut self, _: TokenKind, _: &str, _: u32) {}
}

impl Trace for Vec<Token> {
    const ENABLED: bool = true;
    fn begin(&mut self) {
        self.clear();
    }
    fn token(&mut self, kind: TokenKind, text: &str, bucket: u32) {
        self.push(Token {
            kind,
            text: text.to_owned(),
            bucket,
        });
    }
}

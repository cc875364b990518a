//! The crate's one error type, and which Akismet endpoint a failure came from.

use std::fmt;
use std::time::Duration;

/// Short for `std::result::Result<T, ferret_akismet::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An Akismet endpoint, as named in errors and in the fake's request log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Endpoint {
    /// `POST /1.1/verify-key`
    VerifyKey,
    /// `POST /1.1/comment-check`
    CommentCheck,
    /// `POST /1.1/submit-spam`
    SubmitSpam,
    /// `POST /1.1/submit-ham`
    SubmitHam,
    /// `POST /1.2/usage-limit`
    UsageLimit,
    /// `POST /1.2/key-sites`
    KeySites,
}

impl Endpoint {
    /// Every endpoint, in API order.
    pub const ALL: [Endpoint; 6] = [
        Endpoint::VerifyKey,
        Endpoint::CommentCheck,
        Endpoint::SubmitSpam,
        Endpoint::SubmitHam,
        Endpoint::UsageLimit,
        Endpoint::KeySites,
    ];

    /// The path below the base URL, version included, e.g. `/1.1/comment-check`.
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::VerifyKey => "/1.1/verify-key",
            Endpoint::CommentCheck => "/1.1/comment-check",
            Endpoint::SubmitSpam => "/1.1/submit-spam",
            Endpoint::SubmitHam => "/1.1/submit-ham",
            Endpoint::UsageLimit => "/1.2/usage-limit",
            Endpoint::KeySites => "/1.2/key-sites",
        }
    }

    /// The endpoint served at `path`, if any.
    pub fn from_path(path: &str) -> Option<Endpoint> {
        Endpoint::ALL.into_iter().find(|e| e.path() == path)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())
    }
}

/// A setting that [`ClientConfig::check`](crate::ClientConfig::check) refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigProblem {
    /// The API key is empty or contains whitespace or control characters.
    MalformedKey,
    /// `blog` is not an absolute `http://` or `https://` URL.
    BlogNotAUrl,
    /// The base URL does not parse, or has a query, fragment or credentials.
    BadBaseUrl,
    /// The base URL is plain `http://` to a host other than loopback: the key would cross the
    /// network in clear text. Use `https://`.
    InsecureBaseUrl,
    /// The application name or version is empty or contains `/`, `|` or control characters.
    BadApplication,
    /// A timeout or `max_in_flight` is zero, or a duration is out of its documented range.
    OutOfRange,
    /// The HTTP stack could not be built (e.g. the TLS configuration was rejected).
    HttpStack,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConfigProblem::MalformedKey => "the API key is empty or contains whitespace",
            ConfigProblem::BlogNotAUrl => "blog must be a full http:// or https:// URL",
            ConfigProblem::BadBaseUrl => {
                "the base URL must be http(s)://host[:port][/path] without query or credentials"
            }
            ConfigProblem::InsecureBaseUrl => {
                "plain http:// is only allowed to loopback; use https:// so the key is encrypted"
            }
            ConfigProblem::BadApplication => {
                "the application name and version must be non-empty, without '/', '|' or control characters"
            }
            ConfigProblem::OutOfRange => "a timeout, retry or concurrency setting is out of range",
            ConfigProblem::HttpStack => "the HTTP client could not be built",
        })
    }
}

/// Everything that can go wrong talking to Akismet.
///
/// Each variant says whether trying again can help ([`Error::is_retryable`]); the client's own
/// bounded retries already use that. No variant ever carries the API key: server text is
/// redacted before it is stored, and transport errors are stripped of their URL.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration was refused before any request was made.
    #[error("invalid Akismet client configuration: {problem}")]
    Config {
        /// What is wrong.
        problem: ConfigProblem,
    },
    /// The comment lacks a field Akismet requires (`blog` with no default, or `user_ip`); no
    /// request was sent, so no API call was spent.
    #[error("comment lacks `{field}`, which Akismet requires; nothing was sent")]
    MissingField {
        /// The Akismet parameter name.
        field: &'static str,
    },
    /// Akismet answered `invalid`: the key is wrong, or a required parameter is missing.
    /// `debug_help` is Akismet's `X-akismet-debug-help` text, which says which.
    #[error("Akismet rejected the request to {endpoint} as invalid (check the API key and blog){}",
        debug_help.as_deref().map(|h| format!(": {h}")).unwrap_or_default())]
    Invalid {
        /// Which endpoint said so.
        endpoint: Endpoint,
        /// Akismet's explanation, when it gave one.
        debug_help: Option<String>,
    },
    /// Akismet answered 200 with a body this client does not understand.
    #[error("unexpected answer from Akismet {endpoint}: {body:?}")]
    Protocol {
        /// Which endpoint answered.
        endpoint: Endpoint,
        /// The start of the body (at most 200 characters, key redacted).
        body: String,
        /// `X-akismet-debug-help`, when present.
        debug_help: Option<String>,
    },
    /// HTTP 429: slow down. `retry_after` is the server's `Retry-After`, when it sent one.
    #[error("Akismet {endpoint} is rate limiting (HTTP 429){}",
        retry_after.map(|d| format!(", retry after {} s", d.as_secs())).unwrap_or_default())]
    RateLimited {
        /// Which endpoint answered.
        endpoint: Endpoint,
        /// How long the server asked us to wait.
        retry_after: Option<Duration>,
    },
    /// Any other non-200 status: 5xx (retryable) or an unexpected 4xx (not).
    #[error("Akismet {endpoint} answered HTTP {status}")]
    HttpStatus {
        /// Which endpoint answered.
        endpoint: Endpoint,
        /// The HTTP status code.
        status: u16,
        /// `X-akismet-debug-help`, when present.
        debug_help: Option<String>,
    },
    /// No complete answer within the configured connect or total timeout.
    #[error("Akismet {endpoint} did not answer within {limit:?}")]
    Timeout {
        /// Which endpoint was called.
        endpoint: Endpoint,
        /// The timeout that expired (connect or total).
        limit: Duration,
    },
    /// The connection failed: refused, reset, closed early, DNS, TLS.
    #[error("network error talking to Akismet {endpoint}")]
    Network {
        /// Which endpoint was called.
        endpoint: Endpoint,
        /// The transport error, with any URL removed.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl Error {
    /// Whether the same request may succeed if sent again later: timeouts, network failures,
    /// 429 and 5xx. Configuration, `invalid` and protocol errors will not fix themselves.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Timeout { .. } | Error::Network { .. } | Error::RateLimited { .. } => true,
            Error::HttpStatus { status, .. } => *status >= 500,
            Error::Config { .. }
            | Error::MissingField { .. }
            | Error::Invalid { .. }
            | Error::Protocol { .. } => false,
        }
    }

    /// The server's `Retry-After`, for a 429.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Akismet's `X-akismet-debug-help` text, when the error carries one.
    pub fn debug_help(&self) -> Option<&str> {
        match self {
            Error::Invalid { debug_help, .. }
            | Error::Protocol { debug_help, .. }
            | Error::HttpStatus { debug_help, .. } => debug_help.as_deref(),
            _ => None,
        }
    }

    /// The endpoint the error came from, when a request was attempted.
    pub fn endpoint(&self) -> Option<Endpoint> {
        match self {
            Error::Invalid { endpoint, .. }
            | Error::Protocol { endpoint, .. }
            | Error::RateLimited { endpoint, .. }
            | Error::HttpStatus { endpoint, .. }
            | Error::Timeout { endpoint, .. }
            | Error::Network { endpoint, .. } => Some(*endpoint),
            Error::Config { .. } | Error::MissingField { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryability_follows_the_kind() {
        let e = Endpoint::CommentCheck;
        let status = |status| Error::HttpStatus {
            endpoint: e,
            status,
            debug_help: None,
        };
        assert!(status(500).is_retryable());
        assert!(status(503).is_retryable());
        assert!(!status(404).is_retryable());
        assert!(Error::RateLimited {
            endpoint: e,
            retry_after: None
        }
        .is_retryable());
        assert!(Error::Timeout {
            endpoint: e,
            limit: Duration::from_secs(1)
        }
        .is_retryable());
        assert!(!Error::Invalid {
            endpoint: e,
            debug_help: None
        }
        .is_retryable());
        assert!(!Error::Protocol {
            endpoint: e,
            body: "x".into(),
            debug_help: None
        }
        .is_retryable());
        assert!(!Error::Config {
            problem: ConfigProblem::MalformedKey
        }
        .is_retryable());
    }

    #[test]
    fn invalid_message_includes_debug_help() {
        let err = Error::Invalid {
            endpoint: Endpoint::CommentCheck,
            debug_help: Some("Empty \"blog\" value".into()),
        };
        let msg = err.to_string();
        assert!(
            msg.contains("Empty \"blog\" value") && msg.contains("comment-check"),
            "{msg}"
        );
    }

    #[test]
    fn endpoints_round_trip_through_paths() {
        for e in Endpoint::ALL {
            assert_eq!(Endpoint::from_path(e.path()), Some(e));
        }
        assert_eq!(Endpoint::from_path("/1.1/nope"), None);
    }
}

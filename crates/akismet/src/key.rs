//! The API key newtype: it can be used, never printed.

use std::fmt;

/// An Akismet API key. Its `Debug` output is redacted and it has no `Display`, so the key cannot
/// end up in a log line or an error message by accident.
///
/// ```
/// use ferret_akismet::ApiKey;
///
/// let key = ApiKey::new("abcdef012345");
/// assert_eq!(format!("{key:?}"), "ApiKey(<redacted>)");
/// assert_eq!(key.expose(), "abcdef012345");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key. Validation (non-empty, no spaces) happens in [`ClientConfig::check`](crate::ClientConfig::check).
    pub fn new(key: impl Into<String>) -> ApiKey {
        ApiKey(key.into())
    }

    /// The key itself, for the one place that needs it: the request body.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Replaces every occurrence of the key in `text` (e.g. a server's error body that echoes it).
    pub(crate) fn redact(&self, text: &str) -> String {
        if self.0.is_empty() || !text.contains(self.0.as_str()) {
            return text.to_owned();
        }
        text.replace(self.0.as_str(), "<redacted>")
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl From<&str> for ApiKey {
    fn from(key: &str) -> ApiKey {
        ApiKey::new(key)
    }
}

impl From<String> for ApiKey {
    fn from(key: String) -> ApiKey {
        ApiKey(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_key() {
        let key = ApiKey::new("s3cr3tk3y999");
        let debug = format!("{key:?} {:#?}", Some(&key));
        assert!(!debug.contains("s3cr3tk3y999"), "{debug}");
    }

    #[test]
    fn redact_replaces_every_occurrence() {
        let key = ApiKey::new("k3y");
        assert_eq!(key.redact("a k3y b k3y"), "a <redacted> b <redacted>");
        assert_eq!(key.redact("nothing here"), "nothing here");
        assert_eq!(ApiKey::new("").redact("abc"), "abc");
    }
}

//! Client settings: consuming setters, then one `check` that validates them all.

use std::time::Duration;

use crate::error::{ConfigProblem, Error, Result};
use crate::key::ApiKey;

/// Akismet's production endpoint.
pub const DEFAULT_BASE_URL: &str = "https://rest.akismet.com";

/// Settings for a [`Client`](crate::Client) or [`BlockingClient`](crate::BlockingClient).
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `base_url` | `https://rest.akismet.com` | where the API lives; a fake's URL in tests | `https://…`, or `http://` to loopback only |
/// | `application` | `Ferret/<version>` | first half of the User-Agent `App/Version \| Ferret/Version` | no `/`, `\|`, control chars |
/// | `connect_timeout` | 2 s | TCP + TLS connect, per attempt | 1 ms – 300 s |
/// | `timeout` | 5 s | whole request, per attempt | 1 ms – 300 s |
/// | `max_retries` | 2 | extra attempts after a retryable error | 0 – 10 |
/// | `backoff` | 100 ms | first retry delay, doubled per retry, jittered to 50–100 % | ≤ `max_backoff` |
/// | `max_backoff` | 2 s | cap on one retry delay | ≤ 60 s |
/// | `max_retry_after` | 10 s | longest `Retry-After` honoured by waiting; longer → error to the caller | ≤ 3600 s |
/// | `max_in_flight` | 32 | concurrent requests (and so connections); more wait their turn | 1 – 1024 |
/// | `is_test` | false | send `is_test=1` unless a comment says otherwise | |
///
/// Worst-case time of one call: `(max_retries + 1) × timeout` plus the backoff sleeps.
///
/// ```
/// use std::time::Duration;
/// use ferret_akismet::ClientConfig;
///
/// let config = ClientConfig::new("abcdef012345", "https://blog.example")
///     .application("MyBlog", "2.1")
///     .timeout(Duration::from_secs(3))
///     .max_retries(1);
/// assert!(config.check().is_ok());
/// assert!(ClientConfig::new("abcdef012345", "blog.example").check().is_err());
/// ```
#[derive(Clone, Debug)]
pub struct ClientConfig {
    pub(crate) key: ApiKey,
    pub(crate) blog: String,
    pub(crate) base_url: String,
    pub(crate) app_name: String,
    pub(crate) app_version: String,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
    pub(crate) max_retries: u32,
    pub(crate) backoff: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) max_retry_after: Duration,
    pub(crate) max_in_flight: usize,
    pub(crate) is_test: bool,
}

impl ClientConfig {
    /// Settings for `key` and the site `blog` (a full URL, used when a comment has no `blog`).
    pub fn new(key: impl Into<ApiKey>, blog: impl Into<String>) -> ClientConfig {
        ClientConfig {
            key: key.into(),
            blog: blog.into(),
            base_url: DEFAULT_BASE_URL.to_owned(),
            app_name: "Ferret".to_owned(),
            app_version: env!("CARGO_PKG_VERSION").to_owned(),
            connect_timeout: Duration::from_secs(2),
            timeout: Duration::from_secs(5),
            max_retries: 2,
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            max_retry_after: Duration::from_secs(10),
            max_in_flight: 32,
            is_test: false,
        }
    }

    /// Where the API lives, e.g. `FakeAkismet::base_url()` in tests (feature `fake`).
    pub fn base_url(mut self, url: impl Into<String>) -> ClientConfig {
        self.base_url = url.into();
        self
    }

    /// The application for the User-Agent, `name/version | Ferret/x.y.z`.
    pub fn application(
        mut self,
        name: impl Into<String>,
        version: impl Into<String>,
    ) -> ClientConfig {
        self.app_name = name.into();
        self.app_version = version.into();
        self
    }

    /// Connect timeout per attempt.
    pub fn connect_timeout(mut self, d: Duration) -> ClientConfig {
        self.connect_timeout = d;
        self
    }

    /// Total timeout per attempt (connect, send, headers and body).
    pub fn timeout(mut self, d: Duration) -> ClientConfig {
        self.timeout = d;
        self
    }

    /// Extra attempts after a retryable error (0 disables retries).
    pub fn max_retries(mut self, n: u32) -> ClientConfig {
        self.max_retries = n;
        self
    }

    /// First retry delay and the cap on any one delay.
    pub fn backoff(mut self, first: Duration, max: Duration) -> ClientConfig {
        self.backoff = first;
        self.max_backoff = max;
        self
    }

    /// The longest `Retry-After` the client waits out itself.
    pub fn max_retry_after(mut self, d: Duration) -> ClientConfig {
        self.max_retry_after = d;
        self
    }

    /// How many requests may be on the wire at once; further calls queue for a slot.
    pub fn max_in_flight(mut self, n: usize) -> ClientConfig {
        self.max_in_flight = n;
        self
    }

    /// Mark every call as a test (`is_test=1`) unless the comment sets `is_test` itself.
    pub fn is_test(mut self, yes: bool) -> ClientConfig {
        self.is_test = yes;
        self
    }

    /// The site URL used when a comment has none.
    pub fn blog(&self) -> &str {
        &self.blog
    }

    /// The User-Agent this configuration sends.
    pub fn user_agent(&self) -> String {
        format!(
            "{}/{} | Ferret/{}",
            self.app_name,
            self.app_version,
            env!("CARGO_PKG_VERSION")
        )
    }

    /// Validates every setting; [`Client::new`](crate::Client::new) calls it too.
    pub fn check(&self) -> Result<()> {
        let fail = |problem| Err(Error::Config { problem });
        let key = self.key.expose();
        if key.is_empty() || key.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return fail(ConfigProblem::MalformedKey);
        }
        match reqwest::Url::parse(&self.blog) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
            _ => return fail(ConfigProblem::BlogNotAUrl),
        }
        let base = match reqwest::Url::parse(&self.base_url) {
            Ok(u)
                if matches!(u.scheme(), "http" | "https")
                    && u.host().is_some()
                    && u.query().is_none()
                    && u.fragment().is_none()
                    && u.username().is_empty()
                    && u.password().is_none() =>
            {
                u
            }
            _ => return fail(ConfigProblem::BadBaseUrl),
        };
        if base.scheme() == "http" && !is_loopback(&base) {
            return fail(ConfigProblem::InsecureBaseUrl);
        }
        let bad_part =
            |s: &str| s.is_empty() || s.chars().any(|c| c == '/' || c == '|' || c.is_control());
        if bad_part(&self.app_name) || bad_part(&self.app_version) {
            return fail(ConfigProblem::BadApplication);
        }
        let timeout_ok =
            |d: Duration| d >= Duration::from_millis(1) && d <= Duration::from_secs(300);
        if !timeout_ok(self.connect_timeout)
            || !timeout_ok(self.timeout)
            || self.max_retries > 10
            || self.backoff > self.max_backoff
            || self.max_backoff > Duration::from_secs(60)
            || self.max_retry_after > Duration::from_secs(3600)
            || !(1..=1024).contains(&self.max_in_flight)
        {
            return fail(ConfigProblem::OutOfRange);
        }
        Ok(())
    }

    /// Validates and builds an async [`Client`](crate::Client).
    pub fn build(self) -> Result<crate::Client> {
        crate::Client::new(self)
    }

    /// Validates and builds a [`BlockingClient`](crate::BlockingClient).
    pub fn build_blocking(self) -> Result<crate::BlockingClient> {
        crate::BlockingClient::new(self)
    }
}

/// `localhost`, `127.0.0.0/8` or `::1`.
pub(crate) fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok() -> ClientConfig {
        ClientConfig::new("abcdef012345", "https://blog.example")
    }

    fn problem(c: ClientConfig) -> ConfigProblem {
        match c.check() {
            Err(Error::Config { problem }) => problem,
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn defaults_pass() {
        ok().check().unwrap();
        assert!(ok().user_agent().starts_with("Ferret/"));
        assert!(ok()
            .application("MyBlog", "2.1")
            .user_agent()
            .starts_with("MyBlog/2.1 | Ferret/"));
    }

    #[test]
    fn each_bad_setting_is_named() {
        assert_eq!(
            problem(ClientConfig::new("", "https://b.example")),
            ConfigProblem::MalformedKey
        );
        assert_eq!(
            problem(ClientConfig::new("a b", "https://b.example")),
            ConfigProblem::MalformedKey
        );
        assert_eq!(
            problem(ClientConfig::new("k", "b.example")),
            ConfigProblem::BlogNotAUrl
        );
        assert_eq!(problem(ok().base_url("ftp://x")), ConfigProblem::BadBaseUrl);
        assert_eq!(
            problem(ok().base_url("https://u:p@x")),
            ConfigProblem::BadBaseUrl
        );
        assert_eq!(
            problem(ok().base_url("https://x/?k=1")),
            ConfigProblem::BadBaseUrl
        );
        assert_eq!(
            problem(ok().base_url("http://rest.akismet.com")),
            ConfigProblem::InsecureBaseUrl
        );
        ok().base_url("http://127.0.0.1:9").check().unwrap();
        ok().base_url("http://localhost:9").check().unwrap();
        ok().base_url("http://[::1]:9").check().unwrap();
        assert_eq!(
            problem(ok().application("a/b", "1")),
            ConfigProblem::BadApplication
        );
        assert_eq!(
            problem(ok().application("a", "")),
            ConfigProblem::BadApplication
        );
        assert_eq!(
            problem(ok().timeout(Duration::ZERO)),
            ConfigProblem::OutOfRange
        );
        assert_eq!(problem(ok().max_in_flight(0)), ConfigProblem::OutOfRange);
        assert_eq!(problem(ok().max_retries(11)), ConfigProblem::OutOfRange);
        assert_eq!(
            problem(ok().backoff(Duration::from_secs(3), Duration::from_secs(1))),
            ConfigProblem::OutOfRange
        );
    }

    #[test]
    fn debug_output_redacts_the_key() {
        let s = format!(
            "{:?}",
            ClientConfig::new("abcdef012345", "https://b.example")
        );
        assert!(!s.contains("abcdef012345") && s.contains("redacted"), "{s}");
    }
}

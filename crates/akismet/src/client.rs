//! The async client: one connection pool, bounded concurrency, timeouts and jittered retries.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ferret_features::Comment;
use reqwest::header::{HeaderValue, CONTENT_TYPE};
use tokio::sync::Semaphore;

use crate::config::{is_loopback, ClientConfig};
use crate::error::{ConfigProblem, Endpoint, Error, Result};
use crate::types::{CheckResult, KeySites, KeySitesQuery, KeyStatus, Report, UsageLimit};
use crate::wire::{self, Form, Headers};

/// Largest response body read; Akismet's biggest answer (key-sites JSON) is far below it.
const MAX_BODY: usize = 4 << 20;

/// The async Akismet client. Cheap to clone (an `Arc`); clones share the connection pool and the
/// in-flight limit, so make one per process and pass clones around.
///
/// Every method is a complete example in this documentation; they all run against
/// `fake::FakeAkismet` (feature `fake`).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    config: ClientConfig,
    urls: Vec<(Endpoint, reqwest::Url)>,
    slots: Semaphore,
}

/// A 2xx answer's body and the headers we care about.
struct Answer {
    body: String,
    headers: Headers,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Validates `config` ([`ClientConfig::check`]) and builds the client. No request is made;
    /// call [`Client::verify_key`] at start-up to catch a bad key early.
    pub fn new(config: ClientConfig) -> Result<Client> {
        config.check()?;
        let stack = |_| Error::Config {
            problem: ConfigProblem::HttpStack,
        };
        let base = reqwest::Url::parse(&config.base_url).map_err(stack)?;
        let mut urls = Vec::with_capacity(Endpoint::ALL.len());
        for endpoint in Endpoint::ALL {
            let mut url = base.clone();
            let path = format!("{}{}", base.path().trim_end_matches('/'), endpoint.path());
            url.set_path(&path);
            urls.push((endpoint, url));
        }
        let user_agent =
            HeaderValue::from_str(&config.user_agent()).map_err(|_| Error::Config {
                problem: ConfigProblem::BadApplication,
            })?;
        let mut builder = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(config.max_in_flight)
            .tcp_nodelay(true)
            // A redirect could carry the key (in the body) to another host: never follow one.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(user_agent)
            .tls_backend_preconfigured(tls_config()?);
        if is_loopback(&base) {
            // A CI proxy setting must not swallow traffic meant for a local fake.
            builder = builder.no_proxy();
        }
        let http = builder.build().map_err(|_| Error::Config {
            problem: ConfigProblem::HttpStack,
        })?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                slots: Semaphore::new(config.max_in_flight),
                config,
                urls,
            }),
        })
    }

    /// The settings this client was built with (the key stays redacted in `Debug`).
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// `verify-key`: is the key valid for the configured blog? `invalid` is an answer here, not an
    /// error.
    ///
    /// ```
    /// # #[cfg(feature = "fake")]
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use ferret_akismet::{fake::FakeAkismet, ClientConfig, KeyStatus};
    ///
    /// let fake = FakeAkismet::start()?;
    /// let rt = tokio::runtime::Runtime::new()?;
    /// let good = fake.client_config().build()?;
    /// assert_eq!(rt.block_on(good.verify_key())?, KeyStatus::Valid);
    ///
    /// let bad = ClientConfig::new("wrongkey0000", "https://blog.example").base_url(fake.base_url()).build()?;
    /// assert!(!rt.block_on(bad.verify_key())?.is_valid());
    /// # Ok(()) }
    /// # #[cfg(not(feature = "fake"))] fn main() {}
    /// ```
    pub async fn verify_key(&self) -> Result<KeyStatus> {
        let cfg = &self.inner.config;
        let body = {
            let mut form = Form::new(&cfg.key);
            form.pair("key", cfg.key.expose()).pair("blog", &cfg.blog);
            form.finish()
        };
        let answer = self.call(Endpoint::VerifyKey, body).await?;
        wire::parse_verify(&answer.body, &answer.headers, &cfg.key)
    }

    /// `comment-check`: is this comment spam? The comment must have `user_ip`; `blog` defaults to
    /// the configured one. Cookies and credential headers in [`Comment::server`] are never sent.
    ///
    /// ```
    /// # #[cfg(feature = "fake")]
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use ferret_akismet::{fake::FakeAkismet, Verdict};
    /// use ferret_features::Comment;
    ///
    /// let fake = FakeAkismet::start()?;
    /// let client = fake.client_config().build()?;
    /// let rt = tokio::runtime::Runtime::new()?;
    ///
    /// let mut comment = Comment::from_text("Cheap pills!");
    /// comment.user_ip = Some("203.0.113.7".into());
    /// comment.comment_author = Some("viagra-test-123".into()); // Akismet's guaranteed spam
    /// let result = rt.block_on(client.check(&comment))?;
    /// assert_eq!(result.verdict, Verdict::Spam);
    /// assert!(result.guid.is_some());
    /// # Ok(()) }
    /// # #[cfg(not(feature = "fake"))] fn main() {}
    /// ```
    pub async fn check(&self, comment: &Comment) -> Result<CheckResult> {
        let cfg = &self.inner.config;
        let sent = wire::prepare(comment, &cfg.blog, cfg.is_test);
        wire::require_fields(&sent)?;
        let body = {
            let mut form = Form::new(&cfg.key);
            form.comment(&sent);
            form.finish()
        };
        let answer = self.call(Endpoint::CommentCheck, body).await?;
        wire::parse_check(&answer.body, &answer.headers, sent, &cfg.key)
    }

    /// `submit-spam`: a moderator says this comment is spam (Akismet missed it).
    ///
    /// ```
    /// # #[cfg(feature = "fake")]
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use ferret_akismet::{fake::FakeAkismet, Report, Verdict};
    /// use ferret_features::Comment;
    ///
    /// let fake = FakeAkismet::start()?;
    /// let client = fake.client_config().build()?;
    /// let rt = tokio::runtime::Runtime::new()?;
    ///
    /// let mut comment = Comment::from_text("Visit my casino");
    /// comment.user_ip = Some("203.0.113.7".into());
    /// let check = rt.block_on(client.check(&comment))?;
    /// assert_eq!(check.verdict, Verdict::Ham);
    /// // Later, the moderator disagrees: report with the as-submitted snapshot and verdict.
    /// rt.block_on(client.submit_spam(&Report::from_check(&check).reporter("ann")))?;
    /// let sent = fake.requests().pop().unwrap();
    /// assert_eq!(sent.param("comment_check_response"), Some("false"));
    /// # Ok(()) }
    /// # #[cfg(not(feature = "fake"))] fn main() {}
    /// ```
    pub async fn submit_spam(&self, report: &Report) -> Result<()> {
        self.submit(Endpoint::SubmitSpam, report).await
    }

    /// `submit-ham`: a moderator says this comment is not spam (a false positive).
    ///
    /// ```
    /// # #[cfg(feature = "fake")]
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use ferret_akismet::{fake::FakeAkismet, Report, Verdict};
    /// use ferret_features::Comment;
    ///
    /// let fake = FakeAkismet::start()?;
    /// let client = fake.client_config().build()?;
    /// let rt = tokio::runtime::Runtime::new()?;
    ///
    /// let mut comment = Comment::from_text("I really liked the bread recipe");
    /// comment.user_ip = Some("203.0.113.7".into());
    /// comment.comment_author_email = Some("akismet-guaranteed-spam@example.com".into());
    /// let check = rt.block_on(client.check(&comment))?;
    /// assert_eq!(check.verdict, Verdict::Spam);
    /// rt.block_on(client.submit_ham(&Report::from_check(&check)))?;
    /// assert_eq!(fake.requests().pop().unwrap().param("comment_check_response"), Some("true"));
    /// # Ok(()) }
    /// # #[cfg(not(feature = "fake"))] fn main() {}
    /// ```
    pub async fn submit_ham(&self, report: &Report) -> Result<()> {
        self.submit(Endpoint::SubmitHam, report).await
    }

    async fn submit(&self, endpoint: Endpoint, report: &Report) -> Result<()> {
        let cfg = &self.inner.config;
        let sent = wire::prepare(&report.comment, &cfg.blog, cfg.is_test);
        wire::require_fields(&sent)?;
        let body = {
            let mut form = Form::new(&cfg.key);
            form.report(report, &sent);
            form.finish()
        };
        let answer = self.call(endpoint, body).await?;
        wire::parse_submit(endpoint, &answer.body, &answer.headers, &cfg.key)
    }

    /// `usage-limit`: this month's calls against the plan's limit.
    ///
    /// ```
    /// # #[cfg(feature = "fake")]
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use ferret_akismet::{fake::FakeAkismet, Limit};
    ///
    /// let fake = FakeAkismet::start()?;
    /// fake.set_usage_limit(Some(1000));
    /// let client = fake.client_config().build()?;
    /// let rt = tokio::runtime::Runtime::new()?;
    /// let usage = rt.block_on(client.usage_limit())?;
    /// assert_eq!(usage.limit, Limit::Calls(1000));
    /// assert_eq!(usage.usage, 0);
    /// assert_eq!(usage.percentage, "0.00");
    /// # Ok(()) }
    /// # #[cfg(not(feature = "fake"))] fn main() {}
    /// ```
    pub async fn usage_limit(&self) -> Result<UsageLimit> {
        let cfg = &self.inner.config;
        let answer = self
            .call(Endpoint::UsageLimit, Form::new(&cfg.key).finish())
            .await?;
        wire::parse_usage(&answer.body, &answer.headers, &cfg.key)
    }

    /// `key-sites`: per-site activity for this key (JSON form).
    ///
    /// ```
    /// # #[cfg(feature = "fake")]
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use ferret_akismet::{fake::FakeAkismet, KeySitesOrder, KeySitesQuery};
    /// use ferret_features::Comment;
    ///
    /// let fake = FakeAkismet::start()?;
    /// let client = fake.client_config().build()?;
    /// let rt = tokio::runtime::Runtime::new()?;
    /// let mut comment = Comment::from_text("hello");
    /// comment.user_ip = Some("203.0.113.7".into());
    /// rt.block_on(client.check(&comment))?;
    ///
    /// let sites = rt.block_on(client.key_sites(&KeySitesQuery::default().order(KeySitesOrder::Total)))?;
    /// let rows: Vec<_> = sites.months.values().flatten().collect();
    /// assert_eq!(rows[0].site, fake.blog());
    /// assert_eq!(rows[0].api_calls, 1);
    /// # Ok(()) }
    /// # #[cfg(not(feature = "fake"))] fn main() {}
    /// ```
    pub async fn key_sites(&self, query: &KeySitesQuery) -> Result<KeySites> {
        let cfg = &self.inner.config;
        let body = key_sites_body(&cfg.key, query);
        let answer = self.call(Endpoint::KeySites, body).await?;
        wire::parse_key_sites(&answer.body, &answer.headers, &cfg.key)
    }

    /// Sends `body` to `endpoint`, retrying retryable failures with jittered exponential backoff.
    async fn call(&self, endpoint: Endpoint, body: String) -> Result<Answer> {
        let cfg = &self.inner.config;
        let mut attempt = 0;
        loop {
            let err = match self.attempt(endpoint, body.clone()).await {
                Ok(answer) => return Ok(answer),
                Err(err) => err,
            };
            if !err.is_retryable() || attempt >= cfg.max_retries {
                return Err(err);
            }
            let mut wait = backoff(attempt, cfg.backoff, cfg.max_backoff);
            if let Some(after) = err.retry_after() {
                if after > cfg.max_retry_after {
                    // Longer than we may block: hand the wait to the caller.
                    return Err(err);
                }
                wait = wait.max(after);
            }
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// One HTTP exchange, holding one in-flight slot for its duration.
    async fn attempt(&self, endpoint: Endpoint, body: String) -> Result<Answer> {
        let inner = &*self.inner;
        // The semaphore is never closed, so acquire cannot fail; map it anyway rather than panic.
        let _slot = inner
            .slots
            .acquire()
            .await
            .map_err(|e| network(endpoint, e))?;
        let url = inner
            .urls
            .iter()
            .find(|(e, _)| *e == endpoint)
            .map(|(_, u)| u.clone())
            .ok_or(Error::Config {
                problem: ConfigProblem::BadBaseUrl,
            })?;
        let response = inner
            .http
            .post(url)
            .header(
                CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8"),
            )
            .body(body)
            .send()
            .await
            .map_err(|e| self.transport(endpoint, e))?;
        let status = response.status().as_u16();
        let headers = Headers::from_map(response.headers(), &inner.config.key);
        if status == 429 {
            let retry_after = headers
                .retry_after
                .as_deref()
                .and_then(|v| wire::parse_retry_after(v, SystemTime::now()));
            return Err(Error::RateLimited {
                endpoint,
                retry_after,
            });
        }
        if !(200..300).contains(&status) {
            return Err(Error::HttpStatus {
                endpoint,
                status,
                debug_help: headers.debug_help,
            });
        }
        let body = self.read_body(endpoint, response).await?;
        // hyper hands the connection back to the pool from a spawned task; letting it run
        // before this slot is released lets the next request reuse it instead of dialling anew.
        tokio::task::yield_now().await;
        Ok(Answer { body, headers })
    }

    async fn read_body(
        &self,
        endpoint: Endpoint,
        mut response: reqwest::Response,
    ) -> Result<String> {
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport(endpoint, e))?
        {
            if bytes.len() + chunk.len() > MAX_BODY {
                return Err(Error::Protocol {
                    endpoint,
                    body: format!("(body larger than {MAX_BODY} bytes)"),
                    debug_help: None,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Maps a reqwest failure to a timeout or a network error, dropping its URL.
    fn transport(&self, endpoint: Endpoint, e: reqwest::Error) -> Error {
        let cfg = &self.inner.config;
        if e.is_timeout() {
            let limit = if e.is_connect() {
                cfg.connect_timeout
            } else {
                cfg.timeout
            };
            return Error::Timeout { endpoint, limit };
        }
        network(endpoint, e.without_url())
    }
}

/// The key-sites form: JSON always (the CSV form is for humans).
fn key_sites_body(key: &crate::ApiKey, query: &KeySitesQuery) -> String {
    let mut form = Form::new(key);
    form.pair("format", "json");
    if let Some(m) = &query.month {
        form.pair("month", m);
    }
    if let Some(f) = &query.filter {
        form.pair("filter", f);
    }
    if let Some(o) = query.order {
        form.pair("order", o.as_wire());
    }
    if let Some(l) = query.limit {
        form.pair("limit", &l.to_string());
    }
    if let Some(o) = query.offset {
        form.pair("offset", &o.to_string());
    }
    form.finish()
}

fn network(endpoint: Endpoint, e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Network {
        endpoint,
        source: Box::new(e),
    }
}

/// Exponential backoff with "equal jitter": a uniform pick in [d/2, d], d = first × 2^attempt,
/// capped. Jitter keeps many clients from retrying in lockstep after a shared outage.
pub(crate) fn backoff(attempt: u32, first: Duration, max: Duration) -> Duration {
    let full = first
        .checked_mul(1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX))
        .unwrap_or(max)
        .min(max);
    let half = full / 2;
    let nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
    half + Duration::from_nanos(fastrand::u64(0..=nanos))
}

/// rustls with the `ring` provider and Mozilla's root store (compiled in, so it works on minimal
/// containers without a system CA bundle).
fn tls_config() -> Result<rustls::ClientConfig> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|_| Error::Config {
            problem: ConfigProblem::HttpStack,
        })?;
    Ok(builder.with_root_certificates(roots).with_no_client_auth())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_jittered_and_capped() {
        let first = Duration::from_millis(100);
        let max = Duration::from_secs(2);
        for attempt in 0..40 {
            let full = (first * 2u32.saturating_pow(attempt.min(16))).min(max);
            for _ in 0..20 {
                let d = backoff(attempt, first, max);
                assert!(
                    d >= full / 2 && d <= full,
                    "attempt {attempt}: {d:?} vs {full:?}"
                );
            }
        }
        let picks: std::collections::HashSet<_> = (0..50).map(|_| backoff(3, first, max)).collect();
        assert!(picks.len() > 1, "jitter must vary the delay");
    }

    #[test]
    fn builds_an_https_client_without_a_process_crypto_provider() {
        let c = ClientConfig::new("abcdef012345", "https://blog.example")
            .build()
            .unwrap();
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("abcdef012345"), "{dbg}");
        assert!(c
            .inner
            .urls
            .iter()
            .all(|(e, u)| u.as_str() == format!("https://rest.akismet.com{}", e.path())));
    }

    #[test]
    fn base_url_path_prefix_is_kept() {
        let c = ClientConfig::new("k", "https://b.example")
            .base_url("https://proxy.example/akismet/")
            .build()
            .unwrap();
        let (_, u) = &c.inner.urls[1];
        assert_eq!(
            u.as_str(),
            "https://proxy.example/akismet/1.1/comment-check"
        );
    }
}

//! The blocking facade: the async client driven by a private one-thread runtime.

use std::fmt;
use std::future::Future;

use ferret_features::Comment;

use crate::client::Client;
use crate::config::ClientConfig;
use crate::error::{ConfigProblem, Endpoint, Error, Result};
use crate::types::{CheckResult, KeySites, KeySitesQuery, KeyStatus, Report, UsageLimit};

/// A synchronous Akismet client for callers without an async runtime (the CLI, scripts).
///
/// It wraps a [`Client`] and a private one-worker tokio runtime, so it shares all of its
/// behaviour (timeouts, retries, pool, in-flight limit). It may also be called from inside an
/// async runtime without panicking: the call then runs on the private runtime while the calling
/// thread waits, which blocks that thread, so async code should use [`Client`] instead.
///
/// ```
/// # #[cfg(feature = "fake")]
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use ferret_akismet::{fake::FakeAkismet, Verdict};
/// use ferret_features::Comment;
///
/// let fake = FakeAkismet::start()?;
/// let client = fake.client_config().build_blocking()?;
/// let mut comment = Comment::from_text("Thanks, this helped!");
/// comment.user_ip = Some("198.51.100.4".into());
/// comment.user_role = Some("administrator".into()); // Akismet's guaranteed ham
/// assert_eq!(client.check(&comment)?.verdict, Verdict::Ham);
/// # Ok(()) }
/// # #[cfg(not(feature = "fake"))] fn main() {}
/// ```
pub struct BlockingClient {
    client: Client,
    runtime: Option<tokio::runtime::Runtime>,
}

impl fmt::Debug for BlockingClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingClient")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl BlockingClient {
    /// Validates `config` and builds the client and its runtime.
    pub fn new(config: ClientConfig) -> Result<BlockingClient> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("ferret-akismet")
            .enable_all()
            .build()
            .map_err(|_| Error::Config {
                problem: ConfigProblem::HttpStack,
            })?;
        // Build inside the runtime so the connection pool belongs to it.
        let client = {
            let _guard = runtime.enter();
            Client::new(config)?
        };
        Ok(BlockingClient {
            client,
            runtime: Some(runtime),
        })
    }

    /// The async client underneath (shares the pool); use it only on this client's runtime.
    pub fn as_async(&self) -> &Client {
        &self.client
    }

    /// See [`Client::verify_key`].
    pub fn verify_key(&self) -> Result<KeyStatus> {
        let c = self.client.clone();
        self.run(Endpoint::VerifyKey, async move { c.verify_key().await })
    }

    /// See [`Client::check`].
    pub fn check(&self, comment: &Comment) -> Result<CheckResult> {
        let (c, comment) = (self.client.clone(), comment.clone());
        self.run(
            Endpoint::CommentCheck,
            async move { c.check(&comment).await },
        )
    }

    /// See [`Client::submit_spam`].
    pub fn submit_spam(&self, report: &Report) -> Result<()> {
        let (c, report) = (self.client.clone(), report.clone());
        self.run(
            Endpoint::SubmitSpam,
            async move { c.submit_spam(&report).await },
        )
    }

    /// See [`Client::submit_ham`].
    pub fn submit_ham(&self, report: &Report) -> Result<()> {
        let (c, report) = (self.client.clone(), report.clone());
        self.run(
            Endpoint::SubmitHam,
            async move { c.submit_ham(&report).await },
        )
    }

    /// See [`Client::usage_limit`].
    pub fn usage_limit(&self) -> Result<UsageLimit> {
        let c = self.client.clone();
        self.run(Endpoint::UsageLimit, async move { c.usage_limit().await })
    }

    /// See [`Client::key_sites`].
    pub fn key_sites(&self, query: &KeySitesQuery) -> Result<KeySites> {
        let (c, query) = (self.client.clone(), query.clone());
        self.run(Endpoint::KeySites, async move { c.key_sites(&query).await })
    }

    /// Runs `fut` on the private runtime and waits. Outside a runtime that is a plain
    /// `block_on`; inside one (where `block_on` would panic) the future is spawned and the
    /// thread waits on a channel.
    fn run<T, F>(&self, endpoint: Endpoint, fut: F) -> Result<T>
    where
        T: Send + 'static,
        F: Future<Output = Result<T>> + Send + 'static,
    {
        let Some(rt) = self.runtime.as_ref() else {
            return Err(gone(endpoint));
        };
        if tokio::runtime::Handle::try_current().is_err() {
            return rt.block_on(fut);
        }
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        rt.spawn(async move {
            // The receiver only goes away if the caller stopped waiting; nothing to do then.
            let _ = tx.send(fut.await);
        });
        rx.recv().unwrap_or_else(|_| Err(gone(endpoint)))
    }
}

fn gone(endpoint: Endpoint) -> Error {
    Error::Network {
        endpoint,
        source: "the blocking client's runtime has shut down".into(),
    }
}

impl Drop for BlockingClient {
    fn drop(&mut self) {
        // `Runtime::drop` panics inside an async context; shutting down in the background does not.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

//! The network edge as traits, so the router can run against the real client or a fake.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use ferret_features::Comment;

use crate::blocking::BlockingClient;
use crate::client::Client;
use crate::error::Result;
use crate::types::{CheckResult, Report, UsageLimit};

/// A boxed, sendable future: what [`Oracle`]'s methods return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Whatever answers "is this spam?" over the network: the real [`Client`] in production, a test
/// double in router tests.
///
/// Object-safe on purpose (`Box<dyn Oracle>`, `Arc<dyn Oracle>`): the methods return
/// [`BoxFuture`] instead of being `async fn`, which trait objects cannot hold. The one box per
/// call is noise next to a network round trip.
///
/// ```
/// use std::sync::Arc;
/// use ferret_akismet::{BoxFuture, CheckResult, Oracle, Report, Result, UsageLimit, Verdict, Limit};
/// use ferret_features::Comment;
///
/// /// Says spam when the text mentions a casino; counts nothing.
/// struct Keyword;
/// impl Oracle for Keyword {
///     fn check<'a>(&'a self, c: &'a Comment) -> BoxFuture<'a, Result<CheckResult>> {
///         let verdict = if c.content().contains("casino") { Verdict::Spam } else { Verdict::Ham };
///         Box::pin(async move { Ok(CheckResult { verdict, guid: None, recheck_after: None,
///             debug_help: None, alert: None, as_submitted: c.clone() }) })
///     }
///     fn submit_spam<'a>(&'a self, _: &'a Report) -> BoxFuture<'a, Result<()>> { Box::pin(async { Ok(()) }) }
///     fn submit_ham<'a>(&'a self, _: &'a Report) -> BoxFuture<'a, Result<()>> { Box::pin(async { Ok(()) }) }
///     fn usage(&self) -> BoxFuture<'_, Result<UsageLimit>> {
///         Box::pin(async { Ok(UsageLimit { limit: Limit::Unlimited, usage: 0,
///             percentage: "0".into(), throttled: false }) })
///     }
/// }
/// let oracle: Arc<dyn Oracle> = Arc::new(Keyword);
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let r = rt.block_on(oracle.check(&Comment::from_text("best casino"))).unwrap();
/// assert_eq!(r.verdict, Verdict::Spam);
/// ```
pub trait Oracle: Send + Sync {
    /// `comment-check`.
    fn check<'a>(&'a self, comment: &'a Comment) -> BoxFuture<'a, Result<CheckResult>>;
    /// `submit-spam`.
    fn submit_spam<'a>(&'a self, report: &'a Report) -> BoxFuture<'a, Result<()>>;
    /// `submit-ham`.
    fn submit_ham<'a>(&'a self, report: &'a Report) -> BoxFuture<'a, Result<()>>;
    /// `usage-limit`.
    fn usage(&self) -> BoxFuture<'_, Result<UsageLimit>>;
}

/// The blocking twin of [`Oracle`], for synchronous callers such as the CLI.
pub trait BlockingOracle: Send + Sync {
    /// `comment-check`.
    fn check(&self, comment: &Comment) -> Result<CheckResult>;
    /// `submit-spam`.
    fn submit_spam(&self, report: &Report) -> Result<()>;
    /// `submit-ham`.
    fn submit_ham(&self, report: &Report) -> Result<()>;
    /// `usage-limit`.
    fn usage(&self) -> Result<UsageLimit>;
}

impl Oracle for Client {
    fn check<'a>(&'a self, comment: &'a Comment) -> BoxFuture<'a, Result<CheckResult>> {
        Box::pin(Client::check(self, comment))
    }
    fn submit_spam<'a>(&'a self, report: &'a Report) -> BoxFuture<'a, Result<()>> {
        Box::pin(Client::submit_spam(self, report))
    }
    fn submit_ham<'a>(&'a self, report: &'a Report) -> BoxFuture<'a, Result<()>> {
        Box::pin(Client::submit_ham(self, report))
    }
    fn usage(&self) -> BoxFuture<'_, Result<UsageLimit>> {
        Box::pin(Client::usage_limit(self))
    }
}

impl BlockingOracle for BlockingClient {
    fn check(&self, comment: &Comment) -> Result<CheckResult> {
        BlockingClient::check(self, comment)
    }
    fn submit_spam(&self, report: &Report) -> Result<()> {
        BlockingClient::submit_spam(self, report)
    }
    fn submit_ham(&self, report: &Report) -> Result<()> {
        BlockingClient::submit_ham(self, report)
    }
    fn usage(&self) -> Result<UsageLimit> {
        BlockingClient::usage_limit(self)
    }
}

impl<T: Oracle + ?Sized> Oracle for Arc<T> {
    fn check<'a>(&'a self, comment: &'a Comment) -> BoxFuture<'a, Result<CheckResult>> {
        (**self).check(comment)
    }
    fn submit_spam<'a>(&'a self, report: &'a Report) -> BoxFuture<'a, Result<()>> {
        (**self).submit_spam(report)
    }
    fn submit_ham<'a>(&'a self, report: &'a Report) -> BoxFuture<'a, Result<()>> {
        (**self).submit_ham(report)
    }
    fn usage(&self) -> BoxFuture<'_, Result<UsageLimit>> {
        (**self).usage()
    }
}

impl<T: BlockingOracle + ?Sized> BlockingOracle for Arc<T> {
    fn check(&self, comment: &Comment) -> Result<CheckResult> {
        (**self).check(comment)
    }
    fn submit_spam(&self, report: &Report) -> Result<()> {
        (**self).submit_spam(report)
    }
    fn submit_ham(&self, report: &Report) -> Result<()> {
        (**self).submit_ham(report)
    }
    fn usage(&self) -> Result<UsageLimit> {
        (**self).usage()
    }
}

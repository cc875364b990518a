//! Ferret's Akismet client, and a fake Akismet to test against.
//!
//! **Role in the pipeline.** Ferret scores comments locally; the router escalates the ones it is
//! unsure about to Akismet and reports moderators' corrections back. This crate is that network
//! edge: it turns a [`ferret_features::Comment`] into an Akismet call and the answer into typed
//! Rust, and it never hangs, never leaks the key and never spends a call it can tell is invalid.
//!
//! # Overview
//!
//! - [`ClientConfig`]: key, blog, base URL, timeouts, retries, in-flight limit; validated by
//!   [`ClientConfig::check`], turned into a client by [`ClientConfig::build`].
//! - [`Client`]: the async client. [`Client::verify_key`], [`Client::check`],
//!   [`Client::submit_spam`], [`Client::submit_ham`], [`Client::usage_limit`],
//!   [`Client::key_sites`]; each method's docs hold a complete, tested example.
//! - [`BlockingClient`]: the same, for synchronous callers (the CLI).
//! - [`CheckResult`] ([`Verdict`] `Ham | Spam | Discard`, guid, recheck-after, alert, the
//!   as-submitted snapshot) and [`Report`] for feedback that matches the original check.
//! - [`Error`]: one error enum; [`Error::is_retryable`] says whether trying again can help.
//! - [`Oracle`] / [`BlockingOracle`]: the network edge as object-safe traits, so the router can
//!   be tested with a double.
#![cfg_attr(
    feature = "fake",
    doc = "- [`fake::FakeAkismet`] (feature `fake`): a real HTTP server on 127.0.0.1 that behaves
  like Akismet, with programmable verdicts, latency and faults, and a request log."
)]
#![cfg_attr(
    not(feature = "fake"),
    doc = "- `fake::FakeAkismet` (feature `fake`, off in this build): a real HTTP server on
  127.0.0.1 that behaves like Akismet, with programmable verdicts, latency and faults."
)]
//!
//! ```
//! # #[cfg(feature = "fake")]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use ferret_akismet::{fake::FakeAkismet, Report, Verdict};
//! use ferret_features::Comment;
//!
//! let fake = FakeAkismet::start()?; // in production: ClientConfig::new(key, blog)
//! let client = fake.client_config().application("MyBlog", "1.0").build()?;
//! let rt = tokio::runtime::Runtime::new()?;
//! rt.block_on(async {
//!     assert!(client.verify_key().await?.is_valid());
//!
//!     let mut comment = Comment::from_text("Great recipe, thanks!");
//!     comment.user_ip = Some("203.0.113.7".into());
//!     let check = client.check(&comment).await?;
//!     assert_eq!(check.verdict, Verdict::Ham);
//!
//!     // A moderator disagrees: report it exactly as it was checked.
//!     client.submit_spam(&Report::from_check(&check).reporter("ann")).await?;
//!     Ok::<_, ferret_akismet::Error>(())
//! })?;
//! # Ok(()) }
//! # #[cfg(not(feature = "fake"))] fn main() {}
//! ```
//!
//! # Design choices
//!
//! - **The key travels only in the POST body** (`api_key`; verify-key also sends `key`), never
//!   in the host name, where the legacy form leaked it into DNS and TLS SNI. [`ApiKey`] has a
//!   redacting `Debug` and no `Display`; server text is redacted before it enters an [`Error`];
//!   transport errors lose their URL. Plain `http://` is refused except to loopback, and
//!   redirects are never followed, so the body cannot be sent somewhere else.
//! - **Bounded everything.** Connect and total timeouts per attempt, at most
//!   `max_retries` retries with jittered exponential backoff for retryable errors only, a
//!   `Retry-After` waited out only up to `max_retry_after` (longer: the caller gets
//!   [`Error::RateLimited`] to schedule a recheck). HTTP/1.1 cannot multiplex, so a semaphore
//!   bounds in-flight requests (default 32); that also bounds connections, which the pool reuses.
//! - **Faithful input.** Every documented field is sent, `comment_context[]` repeated, the
//!   honeypot pair, `recheck_reason`, and server variables, except cookies, authorization
//!   headers and keys that would override a documented parameter. Requests that Akismet would
//!   answer `invalid` for lack of `user_ip` fail locally with [`Error::MissingField`] and cost
//!   no API call.
//! - **TLS** is rustls with the `ring` provider and compiled-in Mozilla roots: no cmake or NASM
//!   at build time (the aws-lc-rs default may need them) and no system CA bundle at run time.
//! - **The blocking facade** owns a one-worker runtime and may be called, or dropped, inside
//!   another runtime without panicking.
#![deny(missing_docs)]

mod blocking;
mod client;
mod config;
mod error;
#[cfg(feature = "fake")]
pub mod fake;
mod key;
mod oracle;
mod types;
mod wire;

pub use blocking::BlockingClient;
pub use client::Client;
pub use config::{ClientConfig, DEFAULT_BASE_URL};
pub use error::{ConfigProblem, Endpoint, Error, Result};
pub use key::ApiKey;
pub use oracle::{BlockingOracle, BoxFuture, Oracle};
pub use types::{
    Alert, CheckResult, KeySites, KeySitesOrder, KeySitesQuery, KeyStatus, Limit, Report,
    SiteActivity, UsageLimit, Verdict,
};

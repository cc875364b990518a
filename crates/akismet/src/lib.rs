//! Ferret's Akismet client, and a fake Akismet to test against.
//!
//! tmp
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

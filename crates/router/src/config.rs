//! [`Config`]: everything the router needs, as one value that `ferret.toml` deserializes into.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Deserializer, Serialize};

use crate::breaker::BreakerConfig;
use crate::pacing::Pacer;
use crate::{Error, Result};

/// The router's settings. Every table and key is optional; see the README's `ferret.toml`.
///
/// | Key | Default | Purpose |
/// |---|---|---|
/// | `db` | `ferret.db` | the SQLite store |
/// | `model` | none | model file a *new* store starts from (none: an empty model) |
/// | `ham_cutoff` / `spam_cutoff` | 0.40 / 0.90 | the unsure band |
/// | `snapshot_every` | 1000 | model snapshot after this many learned comments |
/// | `durability` | `normal` | `full` fsyncs every commit |
/// | `akismet.*` | none | key, blog, base URL, timeouts |
/// | `budget.monthly_limit` | unlimited | the plan's calls per month |
/// | `budget.pacing`, `burst_days`, `daily_cap` | true, 1, 2 | spread calls over the month |
/// | `learning.akismet_weight` | 1 | times an Akismet answer is learned (0: not learned) |
/// | `learning.warmup` | 50 | every comment is unsure until the model knows this many of each class |
/// | `recheck.interval_secs`, `give_up_days` | 1200, 15 | as the WordPress plugin |
/// | `breaker.failures`, `open_secs`, `max_open_secs` | 5, 30, 600 | circuit breaker |
/// | `privacy.retain_days` | 15 | as-submitted snapshots and history are purged after this |
/// | `rules.*` | see `ferret_rules::RulesConfig` | local rules before the model |
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The SQLite store.
    pub db: PathBuf,
    /// The model a new store starts from; `None` starts from an empty model.
    pub model: Option<PathBuf>,
    /// P(spam) below this is ham.
    pub ham_cutoff: f64,
    /// P(spam) at or above this is spam.
    pub spam_cutoff: f64,
    /// Write a model snapshot after this many learn-log entries.
    pub snapshot_every: u32,
    /// `normal` or `full`.
    pub durability: DurabilitySetting,
    /// Akismet.
    pub akismet: AkismetSettings,
    /// The monthly budget.
    pub budget: BudgetSettings,
    /// Learning from Akismet.
    pub learning: LearningSettings,
    /// Rechecks of held comments.
    pub recheck: RecheckSettings,
    /// The circuit breaker.
    pub breaker: BreakerSettings,
    /// Retention.
    pub privacy: PrivacySettings,
    /// Local rules, run before the model (`[rules]`; see the `ferret-rules` crate).
    #[serde(skip_serializing)]
    pub rules: ferret_rules::RulesConfig,
}

impl Default for Config {
    fn default() -> Config {
        let c = ferret_bayes::Cutoffs::default();
        Config {
            db: PathBuf::from("ferret.db"),
            model: None,
            ham_cutoff: c.ham(),
            spam_cutoff: c.spam(),
            snapshot_every: 1000,
            durability: DurabilitySetting::Normal,
            akismet: AkismetSettings::default(),
            budget: BudgetSettings::default(),
            learning: LearningSettings::default(),
            recheck: RecheckSettings::default(),
            breaker: BreakerSettings::default(),
            privacy: PrivacySettings::default(),
            rules: ferret_rules::RulesConfig::default(),
        }
    }
}

/// See [`ferret_store::Durability`].
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DurabilitySetting {
    /// Survives a killed process.
    #[default]
    Normal,
    /// Also survives power loss.
    Full,
}

/// A secret string: never shown by `Debug` or serialized back out.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The secret itself; only for handing to the Akismet client.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Secret, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str("<redacted>")
    }
}

/// Akismet connection settings. Without a key, unsure comments are held.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AkismetSettings {
    /// The API key (prefer the `FERRET_AKISMET_KEY` environment variable to a file).
    pub key: Option<Secret>,
    /// The site's front page, sent as `blog`.
    pub blog: Option<String>,
    /// Base URL (default `https://rest.akismet.com`; plain http only to loopback).
    pub url: Option<String>,
    /// Total time for one call, in milliseconds.
    pub timeout_ms: u64,
    /// Connect timeout, in milliseconds.
    pub connect_timeout_ms: u64,
    /// Send `is_test=1` (Akismet does not learn from test calls).
    pub is_test: bool,
}

impl Default for AkismetSettings {
    fn default() -> AkismetSettings {
        AkismetSettings {
            key: None,
            blog: None,
            url: None,
            timeout_ms: 5_000,
            connect_timeout_ms: 2_000,
            is_test: false,
        }
    }
}

/// The site's Akismet plan.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct BudgetSettings {
    /// Calls per calendar month (UTC); `None` (or `"unlimited"` in a file) for no limit.
    #[serde(deserialize_with = "limit_from")]
    pub monthly_limit: Option<u64>,
    /// Spread the calls evenly over the month.
    pub pacing: bool,
    /// How far calls may run ahead of the even pace, in days' shares.
    pub burst_days: f64,
    /// Most calls in one UTC day, in days' shares.
    pub daily_cap: f64,
}

impl Default for BudgetSettings {
    fn default() -> BudgetSettings {
        let p = Pacer::default();
        BudgetSettings {
            monthly_limit: None,
            pacing: p.pacing,
            burst_days: p.burst_days,
            daily_cap: p.daily_cap,
        }
    }
}

fn limit_from<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum L {
        N(u64),
        S(String),
    }
    match L::deserialize(d)? {
        L::N(n) => Ok(Some(n)),
        L::S(s) => parse_limit(&s).map_err(serde::de::Error::custom),
    }
}

/// Parses a monthly limit: a number, or `unlimited` / `none`.
pub fn parse_limit(s: &str) -> std::result::Result<Option<u64>, String> {
    match s.trim() {
        "unlimited" | "none" => Ok(None),
        t => t
            .replace(['_', ','], "")
            .parse()
            .map(Some)
            .map_err(|_| format!("monthly limit {s:?} is not a number or \"unlimited\"")),
    }
}

/// Learning from Akismet's answers.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct LearningSettings {
    /// How many times an Akismet answer is learned (0: never). Moderator feedback counts once.
    pub akismet_weight: u32,
    /// Until the model has learned this many spam *and* this many ham comments, every comment is
    /// treated as unsure: a model that has seen three comments is confidently wrong.
    pub warmup: u64,
}

impl Default for LearningSettings {
    fn default() -> LearningSettings {
        LearningSettings {
            akismet_weight: 1,
            warmup: 50,
        }
    }
}

/// Rechecks of comments held because Akismet failed.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct RecheckSettings {
    /// Seconds between attempts (the WordPress plugin: 1200).
    pub interval_secs: u64,
    /// Give up after this many days (the WordPress plugin: 15).
    pub give_up_days: u64,
}

impl Default for RecheckSettings {
    fn default() -> RecheckSettings {
        RecheckSettings {
            interval_secs: 1200,
            give_up_days: 15,
        }
    }
}

/// See [`BreakerConfig`].
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct BreakerSettings {
    /// Consecutive failures that open the circuit.
    pub failures: u32,
    /// First pause, seconds.
    pub open_secs: u64,
    /// Longest pause, seconds.
    pub max_open_secs: u64,
}

impl Default for BreakerSettings {
    fn default() -> BreakerSettings {
        let b = BreakerConfig::default();
        BreakerSettings {
            failures: b.failures,
            open_secs: (b.open_ms / 1000) as u64,
            max_open_secs: (b.max_open_ms / 1000) as u64,
        }
    }
}

/// Retention of personal data.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct PrivacySettings {
    /// Days to keep as-submitted snapshots and history events.
    pub retain_days: u64,
}

impl Default for PrivacySettings {
    fn default() -> PrivacySettings {
        PrivacySettings { retain_days: 15 }
    }
}

impl Config {
    /// Validates every setting at once, naming the first bad one.
    pub fn check(&self) -> Result<()> {
        let bad = |key: &'static str, problem: String| Err(Error::Config { key, problem });
        if ferret_bayes::Cutoffs::new(self.ham_cutoff, self.spam_cutoff).is_err() {
            return bad(
                "ham_cutoff/spam_cutoff",
                format!(
                    "need 0 <= ham_cutoff ({}) <= spam_cutoff ({}) <= 1",
                    self.ham_cutoff, self.spam_cutoff
                ),
            );
        }
        if self.snapshot_every == 0 {
            return bad("snapshot_every", "must be at least 1".into());
        }
        let b = &self.budget;
        if !(b.burst_days.is_finite() && b.burst_days > 0.0 && b.burst_days <= 31.0) {
            return bad(
                "budget.burst_days",
                format!("{} is not in (0, 31]", b.burst_days),
            );
        }
        if !(b.daily_cap.is_finite() && b.daily_cap >= 1.0) {
            return bad("budget.daily_cap", format!("{} is below 1", b.daily_cap));
        }
        if self.recheck.interval_secs == 0 {
            return bad("recheck.interval_secs", "must be at least 1".into());
        }
        if self.breaker.failures == 0 {
            return bad("breaker.failures", "must be at least 1".into());
        }
        if self.breaker.max_open_secs < self.breaker.open_secs {
            return bad(
                "breaker.max_open_secs",
                "must be at least breaker.open_secs".into(),
            );
        }
        if self.akismet.timeout_ms == 0 || self.akismet.connect_timeout_ms == 0 {
            return bad("akismet.timeout_ms", "timeouts must be positive".into());
        }
        if self.akismet.key.is_some() && self.akismet.blog.is_none() {
            return bad(
                "akismet.blog",
                "an Akismet key needs the site's front page URL as blog".into(),
            );
        }
        Ok(())
    }

    pub(crate) fn pacer(&self) -> Pacer {
        Pacer {
            monthly_limit: self.budget.monthly_limit,
            pacing: self.budget.pacing,
            burst_days: self.budget.burst_days,
            daily_cap: self.budget.daily_cap,
        }
    }

    pub(crate) fn breaker_config(&self) -> BreakerConfig {
        BreakerConfig {
            failures: self.breaker.failures,
            open_ms: self.breaker.open_secs as i64 * 1000,
            max_open_ms: self.breaker.max_open_secs as i64 * 1000,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_secret_is_hidden() {
        Config::default().check().unwrap();
        let mut c = Config::default();
        c.akismet.key = Some(Secret::new("abcdef123456"));
        c.akismet.blog = Some("https://x.example".into());
        assert!(!format!("{c:?}").contains("abcdef123456"));
        c.check().unwrap();
    }

    #[test]
    fn bad_values_name_the_key() {
        let c = Config {
            ham_cutoff: 0.95,
            ..Config::default()
        };
        let e = c.check().unwrap_err().to_string();
        assert!(e.contains("ham_cutoff"), "{e}");
        let mut c = Config::default();
        c.budget.daily_cap = 0.5;
        assert!(c
            .check()
            .unwrap_err()
            .to_string()
            .contains("budget.daily_cap"));
    }

    #[test]
    fn limits_parse() {
        assert_eq!(parse_limit("5,000"), Ok(Some(5000)));
        assert_eq!(parse_limit("unlimited"), Ok(None));
        assert!(parse_limit("lots").is_err());
    }
}

//! What [`crate::Ferret::check`] answers, and the ids feedback refers back to.

use std::fmt;
use std::str::FromStr;

use ferret_store::CallRefused;

/// The final word on a comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Publish it.
    Ham,
    /// Keep it out.
    Spam,
    /// Put it in the moderation queue (unsure, and Akismet could not or should not be asked).
    Held,
    /// Blatant spam (Akismet's pro-tip `discard`): drop it without showing it to anyone.
    Discard,
}

impl Verdict {
    /// `ham`, `spam`, `held` or `discard`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ham => "ham",
            Verdict::Spam => "spam",
            Verdict::Held => "held",
            Verdict::Discard => "discard",
        }
    }

    /// Parses [`Verdict::as_str`]'s output.
    pub fn parse(s: &str) -> Option<Verdict> {
        Some(match s {
            "ham" => Verdict::Ham,
            "spam" => Verdict::Spam,
            "held" => Verdict::Held,
            "discard" => Verdict::Discard,
            _ => return None,
        })
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// A local rule.
    Rule,
    /// The local model, confident (or unsure and held without asking Akismet).
    Model,
    /// Akismet answered.
    Akismet,
    /// Akismet was needed but unreachable, slow, over quota or refusing: held for moderation.
    Fallback,
    /// A moderator's feedback.
    Moderator,
}

impl Source {
    /// `rule`, `model`, `akismet`, `fallback` or `moderator`.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Rule => "rule",
            Source::Model => "model",
            Source::Akismet => "akismet",
            Source::Fallback => "fallback",
            Source::Moderator => "moderator",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a decision came out as it did. Displays as a short English phrase.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Reason {
    /// The model was confident.
    Confident,
    /// Unsure, and no Akismet key is configured.
    NoAkismet,
    /// Unsure, but the comment lacks `user_ip`, which Akismet requires.
    NotEscalable,
    /// Unsure, and this month's calls are used up.
    BudgetExhausted {
        /// Calls made this month.
        used: u64,
        /// The monthly limit.
        limit: u64,
    },
    /// Unsure, and pacing holds calls back (the month's allowance so far or today's cap is used).
    Paced,
    /// Unsure, but calls are scarce and this comment is less uncertain than those they are kept for.
    BandNarrowed {
        /// The part of the unsure band still escalated (0..1 from its most uncertain point).
        fraction: f64,
    },
    /// Akismet answered.
    Akismet,
    /// Akismet said ham provisionally and asked to be asked again after this many seconds.
    AkismetPending {
        /// `X-akismet-recheck-after`.
        recheck_after_secs: u64,
    },
    /// Asking Akismet failed.
    AkismetError(ErrorKind),
    /// Akismet failed repeatedly; calls are paused (circuit breaker open).
    CircuitOpen,
    /// A moderator said so.
    Feedback,
    /// A local rule decided (the history's `rule` event says what matched).
    Rule(ferret_rules::RuleId),
}

/// The kind of an Akismet failure, for decisions and history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// No answer in time.
    Timeout,
    /// Could not connect or the connection broke.
    Network,
    /// Too many requests (HTTP 429).
    RateLimited,
    /// An HTTP error status.
    Status,
    /// `invalid`: bad key or blog.
    Invalid,
    /// An answer that is not Akismet's protocol.
    Protocol,
    /// Anything else.
    Other,
}

impl ErrorKind {
    /// Classifies a client error.
    pub fn of(e: &ferret_akismet::Error) -> ErrorKind {
        use ferret_akismet::Error as E;
        match e {
            E::Timeout { .. } => ErrorKind::Timeout,
            E::Network { .. } => ErrorKind::Network,
            E::RateLimited { .. } => ErrorKind::RateLimited,
            E::HttpStatus { .. } => ErrorKind::Status,
            E::Invalid { .. } => ErrorKind::Invalid,
            E::Protocol { .. } => ErrorKind::Protocol,
            _ => ErrorKind::Other,
        }
    }

    /// A short name.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Timeout => "timeout",
            ErrorKind::Network => "network",
            ErrorKind::RateLimited => "rate-limited",
            ErrorKind::Status => "http-status",
            ErrorKind::Invalid => "invalid",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Other => "other",
        }
    }
}

impl From<CallRefused> for Reason {
    fn from(r: CallRefused) -> Reason {
        match r {
            CallRefused::MonthlyLimit { used, limit } => Reason::BudgetExhausted { used, limit },
            CallRefused::Paced { .. } | CallRefused::Daily { .. } => Reason::Paced,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Confident => f.write_str("model confident"),
            Reason::NoAkismet => f.write_str("unsure; no Akismet key configured"),
            Reason::NotEscalable => f.write_str("unsure; no user_ip, which Akismet requires"),
            Reason::BudgetExhausted { used, limit } => {
                write!(
                    f,
                    "unsure; Akismet budget used ({used} of {limit} calls this month)"
                )
            }
            Reason::Paced => f.write_str("unsure; Akismet calls paced (allowance so far used)"),
            Reason::BandNarrowed { fraction } => write!(
                f,
                "unsure; budget tight, only the most uncertain {:.0}% of the band escalates",
                fraction * 100.0
            ),
            Reason::Akismet => f.write_str("Akismet answered"),
            Reason::AkismetPending { recheck_after_secs } => write!(
                f,
                "Akismet said ham provisionally; recheck after {recheck_after_secs} s"
            ),
            Reason::AkismetError(k) => write!(f, "unsure; Akismet failed ({})", k.as_str()),
            Reason::CircuitOpen => f.write_str("unsure; Akismet paused after repeated failures"),
            Reason::Feedback => f.write_str("moderator feedback"),
            Reason::Rule(r) => write!(f, "rule {r}"),
        }
    }
}

/// A check's id: 128 bits, shown as 32 lowercase hex digits. Unique across processes sharing a
/// store (a random 64-bit prefix per opened [`crate::Ferret`] and a counter).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CheckId(pub u128);

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

impl FromStr for CheckId {
    type Err = crate::Error;

    fn from_str(s: &str) -> crate::Result<CheckId> {
        if s.len() != 32 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(crate::Error::BadCheckId {
                given: s.chars().take(64).collect(),
            });
        }
        u128::from_str_radix(s, 16)
            .map(CheckId)
            .map_err(|_| crate::Error::BadCheckId {
                given: s.to_owned(),
            })
    }
}

/// One decision.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// The id to give [`crate::Ferret::submit_spam`] / [`crate::Ferret::submit_ham`] later.
    pub check_id: CheckId,
    /// What to do with the comment.
    pub verdict: Verdict,
    /// The local model's P(spam).
    pub p_spam: f64,
    /// Who decided.
    pub source: Source,
    /// Why.
    pub reason: Reason,
    /// Akismet's guid for this comment, when Akismet was asked.
    pub akismet_guid: Option<String>,
}

/// What feedback refers to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A check id from a [`Decision`].
    Check(CheckId),
    /// The caller's own comment id, as given to [`crate::Ferret::check_as`] (its latest check).
    Comment(String),
}

impl From<CheckId> for Target {
    fn from(id: CheckId) -> Target {
        Target::Check(id)
    }
}

/// What happened to a moderator's feedback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Feedback {
    /// The check.
    pub check_id: CheckId,
    /// Whether the model learned the label now (false: it already held it).
    pub learned: bool,
    /// Whether an earlier, different label was unlearned first.
    pub relabelled: bool,
    /// What became of the report to Akismet.
    pub report: ReportStatus,
}

/// Whether a report reached Akismet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportStatus {
    /// Sent.
    Sent,
    /// Queued; [`crate::Ferret::recheck`] retries it.
    Queued,
    /// Not needed: the label agrees with what was decided, or Akismet is not configured, or the
    /// as-submitted snapshot was already purged.
    NotNeeded,
}

impl ReportStatus {
    /// `sent`, `queued` or `not-needed`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Sent => "sent",
            ReportStatus::Queued => "queued",
            ReportStatus::NotNeeded => "not-needed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_ids_round_trip_and_reject_junk() {
        let id = CheckId(0x0123_4567_89ab_cdef_0011_2233_4455_6677);
        let s = id.to_string();
        assert_eq!(s, "0123456789abcdef0011223344556677");
        assert_eq!(s.parse::<CheckId>().unwrap(), id);
        for bad in [
            "",
            "xyz",
            "0123456789abcdef001122334455667",
            "+123456789abcdef0011223344556677",
        ] {
            assert!(bad.parse::<CheckId>().is_err(), "{bad}");
        }
    }
}

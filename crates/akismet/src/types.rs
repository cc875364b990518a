//! What the endpoints answer: verdicts, check results, feedback reports, usage and key-site stats.

use std::collections::BTreeMap;
use std::time::Duration;

use ferret_features::Comment;
use serde::{Deserialize, Serialize};

/// Akismet's answer to `comment-check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// `false`: not spam.
    Ham,
    /// `true`: spam; keep it in a spam queue so a moderator can rescue it.
    Spam,
    /// `true` with `X-akismet-pro-tip: discard`: blatant spam, safe to drop unseen.
    Discard,
}

impl Verdict {
    /// Spam or discard.
    pub fn is_spam(self) -> bool {
        !matches!(self, Verdict::Ham)
    }

    /// The `comment_check_response` value a submit call sends back: `true` or `false`.
    pub fn as_wire(self) -> &'static str {
        if self.is_spam() {
            "true"
        } else {
            "false"
        }
    }
}

/// An account alert Akismet attached to an answer (`X-akismet-alert-code` / `-msg`), e.g. 10009
/// "suspended due to overuse". The codes are listed at akismet.com/developers/errors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// The numeric code, when it was a number.
    pub code: Option<u32>,
    /// The human-readable message.
    pub message: Option<String>,
}

/// The full answer to a `comment-check`, with everything needed to report on it later.
///
/// Serializable so a store can keep it next to the comment: [`Report::from_check`] then sends the
/// same parameters back, which Akismet asks for ("as closely as possible").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Ham, spam or discard.
    pub verdict: Verdict,
    /// `X-akismet-guid`: Akismet's ID for this check; webhooks and reports refer to it.
    pub guid: Option<String>,
    /// `X-akismet-recheck-after`: the ham verdict is provisional, Akismet is still checking; ask
    /// again after this long (WordPress holds the comment for twice that).
    pub recheck_after: Option<Duration>,
    /// `X-akismet-debug-help`, if Akismet sent one with a valid answer.
    pub debug_help: Option<String>,
    /// An account alert, if any.
    pub alert: Option<Alert>,
    /// Exactly what was sent (defaults filled in, cookies and reserved keys dropped), minus the key.
    pub as_submitted: Comment,
}

impl CheckResult {
    /// Spam or discard.
    pub fn is_spam(&self) -> bool {
        self.verdict.is_spam()
    }

    /// Akismet says the comment can be dropped without storing it.
    pub fn should_discard(&self) -> bool {
        self.verdict == Verdict::Discard
    }

    /// The verdict is a provisional ham: check again after [`CheckResult::recheck_after`].
    pub fn is_provisional(&self) -> bool {
        self.verdict == Verdict::Ham && self.recheck_after.is_some()
    }
}

/// A moderator's correction, for `submit-spam` or `submit-ham`.
///
/// Build it from the original check with [`Report::from_check`] whenever possible: that sends the
/// as-submitted parameters, the guid and the original verdict (`comment_check_response`).
///
/// ```
/// use ferret_akismet::{Report, Verdict};
/// use ferret_features::Comment;
///
/// let report = Report::new(Comment::from_text("buy now"))
///     .original_verdict(Verdict::Ham)
///     .reporter("moderator-ann");
/// assert_eq!(report.comment_check_response, Some(Verdict::Ham));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The comment as it was checked (ideally [`CheckResult::as_submitted`]).
    pub comment: Comment,
    /// The original verdict, sent as `comment_check_response`.
    pub comment_check_response: Option<Verdict>,
    /// The original check's `guid`.
    pub guid: Option<String>,
    /// Who made the call (`reporter`), e.g. the moderator's login.
    pub reporter: Option<String>,
}

impl Report {
    /// A report about a comment that was never checked (or whose check was not kept).
    pub fn new(comment: Comment) -> Report {
        Report {
            comment,
            ..Report::default()
        }
    }

    /// A report that matches an earlier check: its as-submitted snapshot, guid and verdict.
    pub fn from_check(check: &CheckResult) -> Report {
        Report {
            comment: check.as_submitted.clone(),
            comment_check_response: Some(check.verdict),
            guid: check.guid.clone(),
            reporter: None,
        }
    }

    /// Sets who is reporting.
    pub fn reporter(mut self, reporter: impl Into<String>) -> Report {
        self.reporter = Some(reporter.into());
        self
    }

    /// Sets the original verdict.
    pub fn original_verdict(mut self, verdict: Verdict) -> Report {
        self.comment_check_response = Some(verdict);
        self
    }
}

/// Akismet's answer to `verify-key`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyStatus {
    /// `valid`.
    Valid,
    /// `invalid`, with Akismet's `X-akismet-debug-help` explanation when given.
    Invalid {
        /// Why, according to Akismet.
        debug_help: Option<String>,
    },
}

impl KeyStatus {
    /// `true` for [`KeyStatus::Valid`].
    pub fn is_valid(&self) -> bool {
        matches!(self, KeyStatus::Valid)
    }
}

/// A plan's monthly call limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Limit {
    /// At most this many calls a month.
    Calls(u64),
    /// `"none"`: the plan is unlimited.
    Unlimited,
}

/// Akismet's answer to `usage-limit`: how much of this month's quota is used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageLimit {
    /// The plan's limit.
    pub limit: Limit,
    /// Calls made this month.
    pub usage: u64,
    /// Percentage used, as Akismet formats it (a string such as `"2.13"`).
    pub percentage: String,
    /// Calls are currently being throttled for going over the limit.
    pub throttled: bool,
}

/// Sort order for [`KeySitesQuery`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySitesOrder {
    /// Most API calls first.
    Total,
    /// Most spam first.
    Spam,
    /// Most ham first.
    Ham,
    /// Most missed spam first.
    MissedSpam,
    /// Most false positives first.
    FalsePositives,
}

impl KeySitesOrder {
    pub(crate) fn as_wire(self) -> &'static str {
        match self {
            KeySitesOrder::Total => "total",
            KeySitesOrder::Spam => "spam",
            KeySitesOrder::Ham => "ham",
            KeySitesOrder::MissedSpam => "missed_spam",
            KeySitesOrder::FalsePositives => "false_positives",
        }
    }
}

/// Parameters of `key-sites`; all optional (Akismet defaults: this month, 500 rows, offset 0).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeySitesQuery {
    /// `YYYY-MM`.
    pub month: Option<String>,
    /// Only sites whose URL contains this text.
    pub filter: Option<String>,
    /// Sort order.
    pub order: Option<KeySitesOrder>,
    /// Rows per page.
    pub limit: Option<u32>,
    /// Rows to skip.
    pub offset: Option<u32>,
}

impl KeySitesQuery {
    /// Sets the month, `YYYY-MM`.
    pub fn month(mut self, month: impl Into<String>) -> KeySitesQuery {
        self.month = Some(month.into());
        self
    }
    /// Sets the URL filter.
    pub fn filter(mut self, filter: impl Into<String>) -> KeySitesQuery {
        self.filter = Some(filter.into());
        self
    }
    /// Sets the sort order.
    pub fn order(mut self, order: KeySitesOrder) -> KeySitesQuery {
        self.order = Some(order);
        self
    }
    /// Sets the page size.
    pub fn limit(mut self, limit: u32) -> KeySitesQuery {
        self.limit = Some(limit);
        self
    }
    /// Sets the page offset.
    pub fn offset(mut self, offset: u32) -> KeySitesQuery {
        self.offset = Some(offset);
        self
    }
}

/// One site's activity in a month, from `key-sites`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteActivity {
    /// The site's URL.
    pub site: String,
    /// API calls made.
    pub api_calls: u64,
    /// Spam caught.
    pub spam: u64,
    /// Ham passed.
    pub ham: u64,
    /// Spam that got through and was reported.
    pub missed_spam: u64,
    /// Ham wrongly caught and reported.
    pub false_positives: u64,
    /// The key was revoked for this site.
    pub is_revoked: bool,
}

/// Akismet's answer to `key-sites` (JSON form).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySites {
    /// Sites per month (`YYYY-MM`).
    pub months: BTreeMap<String, Vec<SiteActivity>>,
    /// Page size.
    pub limit: u64,
    /// Page offset.
    pub offset: u64,
    /// Total number of sites.
    pub total: u64,
}

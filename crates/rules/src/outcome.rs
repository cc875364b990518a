//! What a rule check returns: [`RuleOutcome`], [`RuleHit`], [`Action`] and the stable [`RuleId`]s.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What to do with a comment that a rule caught.
///
/// In `ferret.toml` an action is written in lower case: `"ham"`, `"hold"`, `"spam"`, `"discard"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Publish: a trusted role or commenter. Neither the model nor Akismet is asked.
    Ham,
    /// Hold for moderation.
    Hold,
    /// Spam: kept in the spam queue where a moderator can still rescue it.
    Spam,
    /// Spam so blatant it need not be stored or shown (Akismet's `discard`).
    Discard,
}

impl Action {
    /// The lower-case name used in `ferret.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Ham => "ham",
            Action::Hold => "hold",
            Action::Spam => "spam",
            Action::Discard => "discard",
        }
    }

    /// Spam and discard are *block* actions: such rules run before trusted commenters are cleared.
    pub fn is_block(self) -> bool {
        matches!(self, Action::Spam | Action::Discard)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which rule decided. The snake_case names ([`RuleId::as_str`]) are stable: they are stored in
/// decision reasons and counted per rule in `ferret stats`, so they are never renamed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleId {
    /// `user_role` is one of the trusted roles.
    TrustedRole,
    /// The author (e-mail + name + URL) has enough approved comments.
    TrustedAuthor,
    /// The hidden honeypot field was filled in.
    Honeypot,
    /// A disallowed key matched.
    Disallowed,
    /// A moderation key matched.
    Moderation,
    /// Too many links.
    MaxLinks,
    /// The comment type has a policy (pingback, trackback, …).
    CommentType,
    /// The same content was seen within the duplicate window.
    Duplicate,
    /// Too many comments from one IP within the flood window.
    Flood,
    /// The form token is missing.
    TokenMissing,
    /// The form token is malformed or its signature is wrong.
    TokenForged,
    /// The form token was issued for another post.
    TokenWrongPost,
    /// The form token was used before.
    TokenReplayed,
    /// The form token is older than the maximum age.
    TokenExpired,
    /// The form was submitted faster than the minimum fill time.
    TokenTooFast,
}

impl RuleId {
    /// Every rule id, in a fixed order: index a `[u64; RuleId::COUNT]` with [`RuleId::index`] to
    /// count hits without a map.
    pub const ALL: [RuleId; 15] = [
        RuleId::TrustedRole,
        RuleId::TrustedAuthor,
        RuleId::Honeypot,
        RuleId::Disallowed,
        RuleId::Moderation,
        RuleId::MaxLinks,
        RuleId::CommentType,
        RuleId::Duplicate,
        RuleId::Flood,
        RuleId::TokenMissing,
        RuleId::TokenForged,
        RuleId::TokenWrongPost,
        RuleId::TokenReplayed,
        RuleId::TokenExpired,
        RuleId::TokenTooFast,
    ];

    /// How many rule ids there are.
    pub const COUNT: usize = RuleId::ALL.len();

    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleId::TrustedRole => "trusted_role",
            RuleId::TrustedAuthor => "trusted_author",
            RuleId::Honeypot => "honeypot",
            RuleId::Disallowed => "disallowed",
            RuleId::Moderation => "moderation",
            RuleId::MaxLinks => "max_links",
            RuleId::CommentType => "comment_type",
            RuleId::Duplicate => "duplicate",
            RuleId::Flood => "flood",
            RuleId::TokenMissing => "token_missing",
            RuleId::TokenForged => "token_forged",
            RuleId::TokenWrongPost => "token_wrong_post",
            RuleId::TokenReplayed => "token_replayed",
            RuleId::TokenExpired => "token_expired",
            RuleId::TokenTooFast => "token_too_fast",
        }
    }

    /// The position in [`RuleId::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The rule id with this name, if any (the inverse of [`RuleId::as_str`]).
    pub fn from_name(name: &str) -> Option<RuleId> {
        RuleId::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of [`RuleId::from_str`]: the name is not a rule id.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown rule id {0:?}")]
pub struct UnknownRuleId(pub String);

impl FromStr for RuleId {
    type Err = UnknownRuleId;
    fn from_str(s: &str) -> Result<RuleId, UnknownRuleId> {
        RuleId::from_name(s).ok_or_else(|| UnknownRuleId(s.to_owned()))
    }
}

/// A rule that fired: what to do, which rule, and what matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleHit {
    /// What to do with the comment.
    pub action: Action,
    /// Which rule fired.
    pub rule: RuleId,
    /// What matched, for the moderator: the list entry, the link count, the comment type…
    /// Never holds the form secret.
    pub detail: String,
}

impl fmt::Display for RuleHit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.rule, self.action, self.detail)
    }
}

/// The result of [`Rules::check`](crate::Rules::check).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleOutcome {
    /// No rule decided: ask the model (and maybe Akismet).
    Pass,
    /// A rule decided.
    Hit(RuleHit),
}

impl RuleOutcome {
    /// The hit, if a rule fired.
    pub fn hit(&self) -> Option<&RuleHit> {
        match self {
            RuleOutcome::Pass => None,
            RuleOutcome::Hit(h) => Some(h),
        }
    }

    /// The action, if a rule fired.
    pub fn action(&self) -> Option<Action> {
        self.hit().map(|h| h.action)
    }

    /// The rule, if one fired.
    pub fn rule(&self) -> Option<RuleId> {
        self.hit().map(|h| h.rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_stable_and_round_trip() {
        for (i, r) in RuleId::ALL.into_iter().enumerate() {
            assert_eq!(r.index(), i);
            assert_eq!(RuleId::from_name(r.as_str()), Some(r));
            assert_eq!(r.as_str().parse::<RuleId>().unwrap(), r);
            assert_eq!(serde_json::to_string(&r).unwrap(), format!("\"{r}\""));
        }
        assert!("nope".parse::<RuleId>().is_err());
    }
}

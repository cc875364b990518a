//! Local rules inside the router: they decide before the model, spend no Akismet call, are named
//! in the decision and the history, are counted in stats, and ham feedback makes trusted authors
//! that survive a restart.

mod common;

use common::{config, Oracle, JAN_2026};
use ferret_bayes::Label;
use ferret_features::Comment;
use ferret_router::{Ferret, ManualClock, Reason, Source, Verdict};
use ferret_rules::{RuleId, RulesConfig};

fn open(cfg: ferret_router::Config, clock: &ManualClock) -> Ferret {
    Ferret::builder(cfg).clock(clock.clone()).open().unwrap()
}

fn comment(text: &str, ip: u8) -> Comment {
    let mut c = Comment::from_text(text);
    c.user_ip = Some(format!("198.51.100.{ip}"));
    c
}

fn by_author(text: &str, ip: u8) -> Comment {
    let mut c = comment(text, ip);
    c.comment_author = Some("Ada Lovelace".into());
    c.comment_author_email = Some("ada@example.org".into());
    c.comment_author_url = Some("https://ada.example.org".into());
    c
}

#[test]
fn rules_decide_first_spend_nothing_and_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let o = Oracle::start();
    let clock = ManualClock::at(JAN_2026);
    let mut cfg = config(dir.path(), Some(&o));
    cfg.rules = toml::from_str::<RulesConfig>("[disallowed]\nwords = [\"casino\"]\n").unwrap();
    let f = open(cfg, &clock); // empty model: without rules, every comment would be escalated

    let d = f
        .check_blocking(&comment("Best CASINO bonus here", 1))
        .unwrap();
    assert_eq!(
        (d.verdict, d.source, d.reason),
        (
            Verdict::Spam,
            Source::Rule,
            Reason::Rule(RuleId::Disallowed)
        )
    );
    assert_eq!(d.reason.to_string(), "rule disallowed");

    let mut admin = comment("Site maintenance tonight", 2);
    admin.user_role = Some("administrator".into());
    let a = f.check_blocking(&admin).unwrap();
    assert_eq!(
        (a.verdict, a.reason),
        (Verdict::Ham, Reason::Rule(RuleId::TrustedRole))
    );

    // Three links: held for a moderator (an empty model is not sure it is spam), not escalated.
    let links = comment("see http://a.example http://b.example http://c.example", 3);
    let l = f.check_blocking(&links).unwrap();
    assert_eq!(
        (l.verdict, l.source, l.reason),
        (Verdict::Held, Source::Rule, Reason::Rule(RuleId::MaxLinks))
    );
    assert_eq!(o.checks(), 0, "no Akismet call for a rule decision");

    f.flush().unwrap();
    let (row, events) = f.history(d.check_id).unwrap();
    assert_eq!(
        (row.source.as_str(), row.verdict.as_str()),
        ("rule", "spam")
    );
    let rule_event = events
        .iter()
        .find(|e| e.kind == "rule")
        .expect("rule event");
    assert!(
        rule_event.detail.contains("casino"),
        "{}",
        rule_event.detail
    );

    let hits = f.stats().unwrap().store.rule_hits;
    for want in ["rule disallowed", "rule trusted_role", "rule max_links"] {
        assert!(
            hits.iter().any(|(r, n)| r == want && *n == 1),
            "{want} in {hits:?}"
        );
    }
}

#[test]
fn ham_feedback_makes_a_trusted_author_that_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let o = Oracle::start();
    let clock = ManualClock::at(JAN_2026);
    let cfg = config(dir.path(), Some(&o));
    let f = open(cfg.clone(), &clock);

    let first = by_author("A question about the second chapter", 10);
    o.know(&first, Label::Ham);
    let d = f.check_blocking(&first).unwrap();
    assert_eq!(d.source, Source::Akismet, "an empty model escalates");
    let calls = o.checks();

    // A moderator approves the comment: its author is trusted from now on.
    f.submit_ham_blocking(d.check_id).unwrap();
    let next = f
        .check_blocking(&by_author("And one more on chapter three", 11))
        .unwrap();
    assert_eq!(
        (next.verdict, next.source, next.reason),
        (
            Verdict::Ham,
            Source::Rule,
            Reason::Rule(RuleId::TrustedAuthor)
        )
    );
    assert_eq!(o.checks(), calls, "trusted: no Akismet call");
    // Someone else is not trusted.
    let mut other = by_author("Where can I buy the printed edition?", 12);
    other.comment_author_email = Some("eve@example.net".into());
    o.know(&other, Label::Ham);
    assert_ne!(f.check_blocking(&other).unwrap().source, Source::Rule);
    drop(f);

    // After a restart the approval is still there; spam feedback takes it away.
    let f = open(cfg, &clock);
    let again = f
        .check_blocking(&by_author("Chapter four was great", 13))
        .unwrap();
    assert_eq!(again.reason, Reason::Rule(RuleId::TrustedAuthor));
    f.submit_spam_blocking(again.check_id).unwrap();
    let after = by_author("Chapter five, cheap pills", 14);
    o.know(&after, Label::Spam);
    assert_ne!(
        f.check_blocking(&after).unwrap().reason,
        Reason::Rule(RuleId::TrustedAuthor)
    );
}

#[test]
fn a_bad_rule_list_is_a_clear_error_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(JAN_2026);
    let mut cfg = config(dir.path(), None);
    cfg.rules =
        toml::from_str::<RulesConfig>("[disallowed]\nips = [\"203.0.113.0/99\"]\n").unwrap();
    let err = Ferret::builder(cfg)
        .clock(clock)
        .open()
        .unwrap_err()
        .to_string();
    assert!(err.contains("203.0.113.0/99"), "{err}");
}

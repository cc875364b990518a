//! Local rules inside the router: they decide before the model, spend no Akismet call, are named
//! in the decision and the history, are counted in stats, and ham feedback makes trusted authors
//! that survive a restart.

mod common;

use common::{config, Oracle, JAN_2026};
use ferret_bayes::Label;
use ferret_features::Comment;
use ferret_router::{Ferret, ManualClock, Reason, Source, Verdict};
use ferret_rules::{AuthorKey, RuleId, RulesConfig};

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
fn an_author_approved_before_per_store_keys_stays_trusted_and_moves_to_the_new_key() {
    let dir = tempfile::tempdir().unwrap();
    let o = Oracle::start();
    let clock = ManualClock::at(JAN_2026);
    let cfg = config(dir.path(), Some(&o));
    // A store from before per-store keys, after its upgrade: Ada's approval is under her legacy
    // (SHA-256) key, marked as such by migration 3.
    drop(ferret_store::Store::open(&cfg.db).unwrap());
    let legacy = AuthorKey::legacy_of(&by_author("", 0)).unwrap();
    rusqlite::Connection::open(&cfg.db)
        .unwrap()
        .execute(
            "INSERT INTO authors (key, approved, updated_at, scheme) VALUES (?1, 1, 0, 1)",
            [legacy.as_bytes().as_slice()],
        )
        .unwrap();
    let stored = || {
        ferret_store::Store::open(&cfg.db)
            .unwrap()
            .approved_authors()
            .unwrap()
    };
    assert!(stored()[0].legacy);

    let f = open(cfg.clone(), &clock);
    let d = f
        .check_blocking(&by_author("Back with chapter six", 20))
        .unwrap();
    assert_eq!(d.reason, Reason::Rule(RuleId::TrustedAuthor));
    // Her next approval moves the count under the store's key.
    f.submit_ham_blocking(d.check_id).unwrap();
    let now = stored();
    assert_eq!(now.len(), 1, "{now:?}");
    assert_eq!((now[0].approved, now[0].legacy), (2, false));
    assert_ne!(now[0].key, legacy.as_bytes().to_vec());
    drop(f);
    // Found under the new key after a restart; spam feedback forgets her.
    let f = open(cfg.clone(), &clock);
    let again = f.check_blocking(&by_author("Chapter seven", 21)).unwrap();
    assert_eq!(again.reason, Reason::Rule(RuleId::TrustedAuthor));
    f.submit_spam_blocking(again.check_id).unwrap();
    assert!(stored().is_empty());
    assert_eq!(o.checks(), 0, "a trusted author costs no Akismet call");
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

/// The shared corpora, if present (`FERRET_DATASETS` or `../shared/datasets` from the repo).
fn datasets() -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("FERRET_DATASETS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets")
        });
    if dir.join("sms.jsonl").exists() {
        Some(dir)
    } else {
        println!(
            "skipped: no sms.jsonl in {} (set FERRET_DATASETS)",
            dir.display()
        );
        None
    }
}

/// Issue 5's replay: how much do trusted commenters cut escalations?
///
/// SMS, duplicates removed, shuffled (seed 4), halved. The model is trained on the first half. A
/// site has 100 regular commenters who wrote half of its ham (the other half comes from one-off
/// visitors; every spam from a new spammer), each visitor with their own IP. Before the stream, a
/// moderator has approved one earlier comment of each regular (ham feedback through the router).
/// The second half is then streamed twice, with the trusted-author rule on and off, against the
/// fake Akismet answering from the true labels; the difference in Akismet calls is the rule's
/// effect, and no spam may be let through by it.
#[test]
fn issue5_trusted_commenters_cut_escalations_on_a_replay() {
    let Some(ds) = datasets() else { return };
    let mut seen = std::collections::HashSet::new();
    let mut all: Vec<(String, bool)> = std::fs::read_to_string(ds.join("sms.jsonl"))
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| Some((v["text"].as_str()?.to_owned(), v["label"] == "spam")))
        .filter(|(t, _)| seen.insert(t.clone()))
        .collect();
    fastrand::Rng::with_seed(4).shuffle(&mut all);
    let (train, test) = all.split_at(all.len() / 2);

    let dir = tempfile::tempdir().unwrap();
    let model_path = dir.path().join("half.ferret");
    let mut m = ferret_bayes::Model::new(
        ferret_features::FeatureConfig::default(),
        ferret_bayes::ModelConfig::default(),
    );
    let mut fz = m.featurizer();
    for (t, spam) in train {
        let l = if *spam { Label::Spam } else { Label::Ham };
        m.learn(&fz.features(&Comment::from_text(t.as_str())), l)
            .unwrap();
    }
    m.save(&model_path).unwrap();

    let mut rng = fastrand::Rng::with_seed(5);
    let visitor = |c: &mut Comment, who: &str, rng: &mut fastrand::Rng| {
        c.user_ip = Some(format!(
            "10.{}.{}.{}",
            rng.u8(..),
            rng.u8(..),
            rng.u8(1..255)
        ));
        c.comment_author = Some(who.to_owned());
        c.comment_author_email = Some(format!("{who}@example.org"));
    };
    let stream: Vec<(Comment, bool, bool)> = test
        .iter()
        .enumerate()
        .map(|(i, (t, spam))| {
            let mut c = Comment::from_text(t.as_str());
            let regular = !spam && rng.bool();
            let who = if regular {
                format!("regular{}", rng.usize(..100))
            } else {
                format!("visitor{i}")
            };
            visitor(&mut c, &who, &mut rng);
            (c, *spam, regular)
        })
        .collect();

    let mut calls = Vec::new();
    for trusted in [false, true] {
        let sub = dir.path().join(format!("trusted-{trusted}"));
        std::fs::create_dir_all(&sub).unwrap();
        let o = Oracle::start();
        for (c, spam, _) in &stream {
            o.know(c, if *spam { Label::Spam } else { Label::Ham });
        }
        let mut cfg = config(&sub, Some(&o));
        cfg.model = Some(model_path.clone());
        cfg.rules.trusted_authors.enabled = trusted;
        let f = Ferret::open(cfg).unwrap();
        // The site's history: one approved comment per regular (by a moderator, not Akismet).
        for r in 0..100 {
            let mut c = Comment::from_text(format!("Thanks for the post, see you next week ({r})"));
            visitor(&mut c, &format!("regular{r}"), &mut rng);
            let d = f.check_blocking(&c).unwrap();
            f.submit_ham_blocking(d.check_id).unwrap();
        }
        let before = o.checks();
        let (mut rule_ham, mut spam_as_ham) = (0, 0);
        for (c, spam, _) in &stream {
            let d = f.check_blocking(c).unwrap();
            rule_ham += usize::from(d.reason == Reason::Rule(RuleId::TrustedAuthor));
            spam_as_ham += usize::from(*spam && d.verdict == Verdict::Ham);
        }
        let used = o.checks() - before;
        println!(
            "trusted authors {}: {} comments ({} by regulars), {} Akismet calls ({:.2} %), {} cleared as trusted, {} spam let through",
            if trusted { "on " } else { "off" },
            stream.len(),
            stream.iter().filter(|s| s.2).count(),
            used,
            100.0 * used as f64 / stream.len() as f64,
            rule_ham,
            spam_as_ham
        );
        if !trusted {
            assert_eq!(rule_ham, 0);
        }
        calls.push((used, spam_as_ham));
    }
    let ((off, off_err), (on, on_err)) = (calls[0], calls[1]);
    println!(
        "trusted commenters cut escalations by {:.1} % ({off} -> {on})",
        100.0 * (off as f64 - on as f64) / off as f64
    );
    assert!(on < off, "escalations {off} -> {on}");
    assert!(on_err <= off_err, "spam let through {off_err} -> {on_err}");
}

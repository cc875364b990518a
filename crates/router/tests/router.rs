//! The router end to end: a real SQLite file, a real HTTP fake Akismet on 127.0.0.1, and a
//! simulated clock for months and outages.

mod common;

use std::collections::HashSet;

use common::{config, seed_model, Oracle, Synth, JAN_2026};
use ferret_akismet::fake::{FakeVerdict, Fault};
use ferret_akismet::Endpoint as AkEndpoint;
use ferret_bayes::Label;
use ferret_features::Comment;
use ferret_router::{CheckId, Ferret, ManualClock, Reason, ReportStatus, Source, Target, Verdict};

fn open(cfg: ferret_router::Config, clock: &ManualClock) -> Ferret {
    Ferret::builder(cfg).clock(clock.clone()).open().unwrap()
}

fn with_ip(text: &str) -> Comment {
    let mut c = Comment::from_text(text);
    c.user_ip = Some("192.0.2.7".into());
    c
}

#[test]
fn unsure_comment_goes_to_akismet_and_is_learned() {
    let dir = tempfile::tempdir().unwrap();
    let o = Oracle::start();
    let clock = ManualClock::at(JAN_2026);
    let f = open(config(dir.path(), Some(&o)), &clock); // empty model: everything is unsure
    let c = with_ip("cheap pills casino bonus, click here");
    o.know(&c, Label::Spam);
    let d = f.check_blocking(&c).unwrap();
    assert_eq!((d.verdict, d.source), (Verdict::Spam, Source::Akismet));
    assert!(d.akismet_guid.is_some());
    let (row, events) = f.history(d.check_id).unwrap();
    assert_eq!(row.learned.as_deref(), Some("spam"));
    let kinds: Vec<_> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["check-unsure", "escalated", "akismet-spam", "learned"]
    );
    // The answer was learned: the same text now scores more spammy.
    let d2 = f.check_blocking(&c).unwrap();
    assert!(d2.p_spam > d.p_spam, "{} -> {}", d.p_spam, d2.p_spam);
    assert_eq!(f.stats().unwrap().store.calls, o.checks());
}

#[test]
fn without_akismet_or_user_ip_unsure_is_held_not_approved() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(JAN_2026);
    let f = open(config(dir.path(), None), &clock);
    let d = f.check_blocking(&with_ip("hello there")).unwrap();
    assert_eq!(
        (d.verdict, d.source, d.reason),
        (Verdict::Held, Source::Model, Reason::NoAkismet)
    );

    let dir = tempfile::tempdir().unwrap();
    let o = Oracle::start();
    let f = open(config(dir.path(), Some(&o)), &clock);
    let d = f.check_blocking(&Comment::from_text("no ip here")).unwrap();
    assert_eq!((d.verdict, d.reason), (Verdict::Held, Reason::NotEscalable));
    assert_eq!(o.checks(), 0);
}

#[test]
fn monthly_limit_holds_across_instances_sharing_one_store() {
    let dir = tempfile::tempdir().unwrap();
    let o = Oracle::start();
    let clock = ManualClock::at(JAN_2026 + 86_400);
    let mut cfg = config(dir.path(), Some(&o));
    cfg.budget.monthly_limit = Some(20);
    cfg.budget.pacing = false;
    cfg.learning.akismet_weight = 0; // keep every comment unsure
    cfg.rules.enabled = false; // one IP sends them all: not a flood test
                               // Four independent opens of the same file stand in for four processes.
    let instances: Vec<Ferret> = (0..4).map(|_| open(cfg.clone(), &clock)).collect();
    let handles: Vec<_> = instances
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            std::thread::spawn(move || {
                let mut held = 0;
                for j in 0..30 {
                    let d = f
                        .check_blocking(&with_ip(&format!("comment {i} {j}")))
                        .unwrap();
                    if d.verdict == Verdict::Held {
                        assert!(
                            matches!(
                                d.reason,
                                Reason::BudgetExhausted { .. } | Reason::BandNarrowed { .. }
                            ),
                            "{:?}",
                            d.reason
                        );
                        held += 1;
                    }
                }
                held
            })
        })
        .collect();
    let held: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    let st = ferret_store::Store::open(&dir.path().join("ferret.db"))
        .unwrap()
        .stats(JAN_2026 + 86_400)
        .unwrap();
    // Never over the limit; the last call or two may be kept for a more uncertain comment (the
    // band narrows over the last tenth of an unpaced budget).
    assert!(st.calls <= 20 && st.calls >= 18, "{st:?}");
    assert_eq!(st.failed_calls, 0);
    assert_eq!(o.checks(), st.calls, "the ledger and Akismet agree");
    assert_eq!(held, 120 - st.calls);
    // And after a restart the ledger still says the month is used up.
    let f = open(cfg, &clock);
    assert_eq!(f.stats().unwrap().calls_left, Some(20 - st.calls));
    for i in 0..5 {
        let d = f
            .check_blocking(&with_ip(&format!("one more {i}")))
            .unwrap();
        assert_eq!(d.verdict, Verdict::Held);
    }
    assert_eq!(o.checks(), st.calls);
}

/// Goal: a 100,000-comment month against a 1,000-call limit: at most 1,000 calls, no day over
/// twice its share, and the most uncertain comments escalated first.
#[test]
fn month_of_100k_comments_against_1000_calls() {
    let dir = tempfile::tempdir().unwrap();
    let o = Oracle::start();
    seed_model(&dir.path().join("seed.ferret"), 300, 1);
    let clock = ManualClock::at(JAN_2026);
    let mut cfg = config(dir.path(), Some(&o));
    cfg.model = Some(dir.path().join("seed.ferret"));
    cfg.budget.monthly_limit = Some(1_000);
    let f = open(cfg, &clock);
    let cut = f.cutoffs();
    let pos = |p: f64| {
        let half = (cut.spam() - cut.ham()) / 2.0;
        ((p - (cut.ham() + cut.spam()) / 2.0).abs() / half).min(1.0)
    };
    let n = 100_000i64;
    let month = 31 * 86_400;
    let mut g = Synth::new(2);
    let (mut escalated, mut narrowed) = (Vec::new(), Vec::new());
    let mut unsure = 0;
    for i in 0..n {
        clock.set(JAN_2026 + i * month / n);
        let (c, l) = g.next();
        o.know(&c, l);
        let d = f.check_blocking(&c).unwrap();
        match (d.source, d.reason) {
            (Source::Akismet, _) => escalated.push(pos(d.p_spam)),
            (_, Reason::BandNarrowed { .. }) | (_, Reason::Paced) => narrowed.push(pos(d.p_spam)),
            _ => {}
        }
        if d.source != Source::Model || d.verdict == Verdict::Held {
            unsure += 1;
        }
    }
    let calls = o.checks();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let per_day = {
        clock.set(JAN_2026 + 86_400);
        let store = ferret_store::Store::open(&dir.path().join("ferret.db")).unwrap();
        store.calls_per_day(JAN_2026).unwrap()
    };
    let max_day = per_day.iter().map(|d| d.1).max().unwrap_or(0);
    println!(
        "month: {n} comments, {unsure} unsure, {calls} calls, busiest day {max_day} (share {:.1}), \
         mean band position escalated {:.3} vs held for budget {:.3} ({} held)",
        1000.0 / 31.0,
        mean(&escalated),
        mean(&narrowed),
        narrowed.len()
    );
    assert!(
        unsure > 2_000,
        "the stream must outrun the budget for this test to mean anything"
    );
    assert!(calls <= 1_000, "{calls} calls");
    assert!(
        calls >= 900,
        "the budget should be used, not hoarded: {calls}"
    );
    assert!(
        max_day as f64 <= 2.0 * 1000.0 / 31.0,
        "busiest day {max_day}"
    );
    assert_eq!(per_day.len(), 31, "calls on every day");
    assert!(mean(&escalated) < mean(&narrowed));
}

/// Goal: Akismet down for a simulated hour mid-stream: nothing lost, no unsure comment approved,
/// every held comment rechecked when it returns.
#[test]
fn akismet_down_for_an_hour() {
    let dir = tempfile::tempdir().unwrap();
    let o = Oracle::start();
    seed_model(&dir.path().join("seed.ferret"), 300, 3);
    let clock = ManualClock::at(JAN_2026 + 10 * 86_400);
    let mut cfg = config(dir.path(), Some(&o));
    cfg.model = Some(dir.path().join("seed.ferret"));
    let f = open(cfg, &clock);
    let mut g = Synth::new(4);
    let start = ferret_router::Clock::now(&clock);
    let mut ids = HashSet::new();
    let mut fallback: HashSet<CheckId> = HashSet::new();
    let (mut approved_unsure, mut total) = (0, 0);
    // Three hours, one comment every 10 s; Akismet refuses connections in the second hour.
    for i in 0..1_080i64 {
        clock.set(start + i * 10);
        if i == 360 {
            o.fake.refuse_connections();
        }
        if i == 720 {
            o.fake.accept_connections().unwrap();
        }
        let (c, l) = g.next();
        o.know(&c, l);
        let d = f.check_as_blocking(&c, Some(&format!("c{i}"))).unwrap();
        total += 1;
        ids.insert(d.check_id);
        let unsure = d.p_spam >= f.cutoffs().ham() && d.p_spam < f.cutoffs().spam();
        if unsure && d.verdict == Verdict::Ham && d.source != Source::Akismet {
            approved_unsure += 1;
        }
        if d.source == Source::Fallback {
            assert_eq!(d.verdict, Verdict::Held);
            // The breaker may stay open up to its longest pause (600 s) after Akismet returns.
            assert!(
                (360..720 + 60).contains(&i),
                "fallback at {i} while Akismet was up"
            );
            fallback.insert(d.check_id);
        }
    }
    assert_eq!(approved_unsure, 0);
    assert!(
        fallback.len() >= 10,
        "only {} held during the outage",
        fallback.len()
    );
    // Recheck every 20 minutes until the queue is empty.
    let mut rechecked = HashSet::new();
    for _ in 0..10 {
        clock.advance_secs(1_200);
        let r = f.recheck_blocking().unwrap();
        for (id, comment_id, v) in r.decided {
            assert!(comment_id.is_some());
            assert_ne!(v, Verdict::Held);
            rechecked.insert(id);
        }
        if r.still_queued == 0 {
            break;
        }
    }
    assert_eq!(rechecked, fallback, "every held comment was rechecked");
    f.flush().unwrap();
    let store = ferret_store::Store::open(&dir.path().join("ferret.db")).unwrap();
    for id in &ids {
        assert!(
            store.get_check(&id.to_string()).unwrap().is_some(),
            "lost {id}"
        );
    }
    assert_eq!(ids.len(), total);
    // The history tells the story of a held comment.
    let some = fallback.iter().next().unwrap();
    let (_, ev) = f.history(*some).unwrap();
    let kinds: Vec<_> = ev.iter().map(|e| e.kind.as_str()).collect();
    assert!(
        kinds.contains(&"held") && kinds.iter().any(|k| k.starts_with("recheck-")),
        "{kinds:?}"
    );
    println!(
        "outage: {total} comments, {} held by fallback during the hour, {} rechecked, {} Akismet calls",
        fallback.len(),
        rechecked.len(),
        o.checks()
    );
}

#[test]
fn rechecks_are_sent_as_retry_and_give_up_after_15_days() {
    let dir = tempfile::tempdir().unwrap();
    let o = Oracle::start();
    let clock = ManualClock::at(JAN_2026);
    let mut cfg = config(dir.path(), Some(&o));
    cfg.learning.akismet_weight = 0; // keep the empty model unsure about everything
    let f = open(cfg, &clock);
    o.fake.set_standing_fault(Some(Fault::Status(503)));
    let a = f.check_blocking(&with_ip("first held comment")).unwrap();
    assert_eq!((a.verdict, a.source), (Verdict::Held, Source::Fallback));
    assert!(matches!(a.reason, Reason::AkismetError(_)));
    o.fake.set_standing_fault(None);
    o.fake.set_recording(true);
    clock.advance_secs(1_200);
    let r = f.recheck_blocking().unwrap();
    assert_eq!(r.decided.len(), 1);
    let reqs = o.fake.requests();
    let last = reqs
        .iter()
        .rev()
        .find(|r| r.endpoint() == Some(AkEndpoint::CommentCheck))
        .unwrap();
    assert_eq!(last.param("recheck_reason"), Some("retry"));

    // A comment Akismet never answers for 15 days is given up on, and stays held.
    o.fake.set_standing_fault(Some(Fault::Status(500)));
    let b = f.check_blocking(&with_ip("second held comment")).unwrap();
    assert_eq!(b.verdict, Verdict::Held);
    let mut given_up = Vec::new();
    for _ in 0..20 {
        clock.advance_secs(86_400);
        given_up.extend(f.recheck_blocking().unwrap().given_up);
    }
    assert_eq!(given_up, vec![b.check_id]);
    let (row, ev) = f.history(b.check_id).unwrap();
    assert_eq!(row.verdict, "held");
    assert!(ev.iter().any(|e| e.kind == "recheck-expired"));
}

#[test]
fn pending_ham_is_held_and_rechecked_after_recheck_after() {
    let dir = tempfile::tempdir().unwrap();
    let o = Oracle::start();
    let clock = ManualClock::at(JAN_2026);
    let f = open(config(dir.path(), Some(&o)), &clock);
    o.fake
        .set_verdict(|_| FakeVerdict::PendingHam { recheck_after: 120 });
    let d = f.check_blocking(&with_ip("is this fine?")).unwrap();
    assert_eq!((d.verdict, d.source), (Verdict::Held, Source::Akismet));
    assert_eq!(
        d.reason,
        Reason::AkismetPending {
            recheck_after_secs: 120
        }
    );
    clock.advance_secs(60);
    assert!(
        f.recheck_blocking().unwrap().decided.is_empty(),
        "not due yet"
    );
    o.fake.set_verdict(|_| FakeVerdict::Ham);
    clock.advance_secs(61);
    let r = f.recheck_blocking().unwrap();
    assert_eq!(r.decided, vec![(d.check_id, None, Verdict::Ham)]);
}

#[test]
fn feedback_relabels_never_learns_twice_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let o = Oracle::start();
    let clock = ManualClock::at(JAN_2026);
    let mut cfg = config(dir.path(), Some(&o));
    cfg.learning.akismet_weight = 0;
    let f = open(cfg, &clock);
    let c = with_ip("Buy my ebook on gardening");
    let d = f.check_as_blocking(&c, Some("wp-42")).unwrap();
    assert_eq!(d.verdict, Verdict::Ham); // the fake says ham by default
    o.fake.set_recording(true);
    // Missed spam: learned and reported as spam.
    let fb = f
        .submit_spam_blocking(Target::Comment("wp-42".into()))
        .unwrap();
    assert_eq!(
        (fb.learned, fb.relabelled, fb.report),
        (true, false, ReportStatus::Sent)
    );
    let fb = f.submit_spam_blocking(d.check_id).unwrap();
    assert_eq!(
        (fb.learned, fb.report),
        (false, ReportStatus::NotNeeded),
        "never learned twice"
    );
    // A relabel unlearns spam first.
    let fb = f.submit_ham_blocking(d.check_id).unwrap();
    assert_eq!(
        (fb.learned, fb.relabelled, fb.report),
        (true, true, ReportStatus::Sent)
    );
    let sent: Vec<_> = o
        .fake
        .requests()
        .iter()
        .filter_map(|r| r.endpoint())
        .collect();
    assert_eq!(sent, [AkEndpoint::SubmitSpam, AkEndpoint::SubmitHam]);
    let spam_report = &o.fake.requests()[0];
    assert_eq!(
        spam_report.param("comment_content"),
        Some("Buy my ebook on gardening")
    );
    assert!(
        spam_report.param("guid").is_some(),
        "the report carries Akismet's guid"
    );

    // While Akismet is down the report is queued, then delivered by recheck.
    o.fake.refuse_connections();
    let fb = f.submit_spam_blocking(d.check_id).unwrap();
    assert_eq!(fb.report, ReportStatus::Queued);
    o.fake.accept_connections().unwrap();
    clock.advance_secs(1_300);
    let r = f.recheck_blocking().unwrap();
    assert_eq!((r.reports_sent, r.reports_queued), (1, 0));

    // Unknown ids are clear errors.
    let e = f
        .submit_ham_blocking(Target::Comment("nope".into()))
        .unwrap_err();
    assert!(e.to_string().contains("nope"), "{e}");
}

/// Crash safety: a process that dies without its final snapshot loses nothing: reopening gives
/// the last snapshot plus the learn log after it, which equals the model before the crash.
#[test]
fn model_after_crash_equals_snapshot_plus_log() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(JAN_2026);
    let mut cfg = config(dir.path(), None);
    cfg.snapshot_every = 7;
    let f = open(cfg.clone(), &clock);
    let mut g = Synth::new(9);
    for i in 0..40 {
        let (c, l) = g.next();
        let d = f.check_blocking(&c).unwrap();
        let fb = if l == Label::Spam {
            f.submit_spam_blocking(d.check_id)
        } else {
            f.submit_ham_blocking(d.check_id)
        };
        fb.unwrap();
        if i % 5 == 0 {
            // Relabel some twice to put unlearn entries in the log.
            f.submit_spam_blocking(d.check_id).unwrap();
            f.submit_ham_blocking(d.check_id).unwrap();
        }
    }
    let before = f.model().to_bytes();
    f.flush().unwrap();
    // Simulate kill -9: no destructor, no final snapshot.
    std::mem::forget(f);
    let f2 = open(cfg.clone(), &clock);
    assert_eq!(f2.model().to_bytes(), before);
    // Retrain from the seed plus all labels gives the same counts as the online model.
    let n = f2.retrain(None).unwrap();
    assert_eq!(n, 40);
    assert_eq!(f2.model().to_bytes().len(), before.len());
    let (a, b) = (
        f2.model(),
        ferret_bayes::Model::from_bytes(&before).unwrap(),
    );
    assert_eq!(a.docs(Label::Spam), b.docs(Label::Spam));
    assert_eq!(a.docs(Label::Ham), b.docs(Label::Ham));
}

#[test]
fn purge_removes_snapshots_after_retention() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(JAN_2026);
    let f = open(config(dir.path(), None), &clock);
    let d = f.check_blocking(&with_ip("personal data here")).unwrap();
    clock.advance_secs(16 * 86_400);
    let (cleared, deleted) = f.purge().unwrap();
    assert!(cleared >= 1 && deleted >= 1);
    let (row, ev) = f.history(d.check_id).unwrap();
    assert_eq!(row.submitted, None);
    assert!(ev.is_empty());
    // Feedback still teaches the model after the purge; nothing can be reported without a snapshot.
    let fb = f.submit_spam_blocking(d.check_id).unwrap();
    assert!(fb.learned);
    assert_eq!(fb.report, ReportStatus::NotNeeded);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_api_and_secrets_stay_out_of_errors() {
    let dir = tempfile::tempdir().unwrap();
    let o = Oracle::start();
    let mut cfg = config(dir.path(), Some(&o));
    cfg.akismet.key = Some(ferret_router::Secret::new("wrongkey9876"));
    let f = Ferret::open(cfg).unwrap();
    let d = f.check(&with_ip("async comment")).await.unwrap();
    assert_eq!(d.verdict, Verdict::Held);
    assert_eq!(
        d.reason,
        Reason::AkismetError(ferret_router::ErrorKind::Invalid)
    );
    let (_, ev) = f.history(d.check_id).unwrap();
    let all = format!("{ev:?} {f:?}");
    assert!(!all.contains("wrongkey9876"), "{all}");
}

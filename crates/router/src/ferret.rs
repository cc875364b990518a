//! [`Ferret`]: one object per site, shared by every request handler.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, RwLock};

use ferret_akismet::{ClientConfig, Oracle, Report};
use ferret_bayes::{Cutoffs, Label, Model};
use ferret_features::{Comment, FeatureConfig, Features, Featurizer};
use ferret_rules::{
    Action, Author, AuthorKey, AuthorKeys, MemoryAuthors, RuleContext, RuleOutcome, Rules,
};
use ferret_store::{
    CallLimits, CheckRow, Durability, Endpoint, Event, LearnEntry, LearnOp, Snapshot, Store,
};

use crate::breaker::{Breaker, Permit, State as BreakerState};
use crate::clock::{Clock, SystemClock};
use crate::codec;
use crate::config::{Config, DurabilitySetting};
use crate::decision::{
    CheckId, Decision, ErrorKind, Feedback, Reason, ReportStatus, Source, Target, Verdict,
};
use crate::history::{HistoryWriter, Record};
use crate::pacing::Pacer;
use crate::{Error, Result};

/// Builds a [`Ferret`] with a custom clock or Akismet oracle (tests, simulations, other services).
pub struct FerretBuilder {
    config: Config,
    clock: Arc<dyn Clock>,
    oracle: Option<Arc<dyn Oracle>>,
    oracle_set: bool,
}

impl std::fmt::Debug for FerretBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FerretBuilder")
            .field("db", &self.config.db)
            .field("clock", &self.clock)
            .field("oracle", &self.oracle.is_some())
            .finish()
    }
}

impl FerretBuilder {
    /// Uses `clock` instead of the system clock.
    pub fn clock(mut self, clock: impl Clock + 'static) -> FerretBuilder {
        self.clock = Arc::new(clock);
        self
    }

    /// Uses `oracle` instead of an Akismet client built from the configuration.
    pub fn oracle(mut self, oracle: Arc<dyn Oracle>) -> FerretBuilder {
        self.oracle = Some(oracle);
        self.oracle_set = true;
        self
    }

    /// Opens the store and loads the model.
    pub fn open(self) -> Result<Ferret> {
        Ferret::open_parts(self)
    }
}

/// The router: decides locally, escalates unsure comments to Akismet within the budget, holds
/// them when Akismet is unavailable, and learns from every answer and every correction.
///
/// Cheap to clone (an `Arc`), `Send + Sync`. Dropping the last clone flushes the history and
/// writes a model snapshot.
#[derive(Clone, Debug)]
pub struct Ferret {
    inner: Arc<Inner>,
}

struct LearnState {
    /// The model includes every learn-log entry up to here.
    applied: i64,
    /// Entries applied since the last snapshot.
    since_snapshot: u32,
    /// Id of the newest snapshot this process knows of.
    snapshot_id: Option<i64>,
}

struct Inner {
    config: Config,
    cutoffs: Cutoffs,
    pacer: Pacer,
    clock: Arc<dyn Clock>,
    oracle: Option<Arc<dyn Oracle>>,
    model: RwLock<Model>,
    fc: FeatureConfig,
    store: Mutex<Store>,
    learn: Mutex<LearnState>,
    breaker: Mutex<Breaker>,
    history: HistoryWriter,
    rules: Rules,
    /// Approved comments per author (from ham feedback; the store's `authors` table).
    authors: MemoryAuthors,
    id_prefix: u64,
    counter: AtomicU64,
    runtime: OnceLock<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ferret")
            .field("db", &self.config.db)
            .field("akismet", &self.oracle.is_some())
            .finish_non_exhaustive()
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        let _ = self.history.flush();
        let mut ls = lock(&self.learn);
        if ls.since_snapshot > 0 {
            let _ = snapshot_locked(&self.model, &self.store, &mut ls, self.clock.now());
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

thread_local! {
    /// Per-thread featurizer and buffer (the featurizer owns scratch space, so it is not shared).
    static SCRATCH: RefCell<Option<(FeatureConfig, Featurizer, Features)>> = const { RefCell::new(None) };
}

fn label_str(l: Label) -> &'static str {
    match l {
        Label::Spam => "spam",
        Label::Ham => "ham",
    }
}

fn parse_label(s: &str) -> Option<Label> {
    match s {
        "spam" => Some(Label::Spam),
        "ham" => Some(Label::Ham),
        _ => None,
    }
}

fn snapshot_locked(
    model: &RwLock<Model>,
    store: &Mutex<Store>,
    ls: &mut LearnState,
    now: i64,
) -> Result<()> {
    let bytes = model.read().unwrap_or_else(|e| e.into_inner()).to_bytes();
    let mut st = lock(store);
    st.save_snapshot(
        &Snapshot {
            seq: ls.applied,
            at: now,
            kind: "snapshot".into(),
            model: bytes,
        },
        2,
    )?;
    ls.snapshot_id = st.latest_snapshot_id()?.map(|s| s.0);
    ls.since_snapshot = 0;
    Ok(())
}

/// Outcome of an Akismet comment-check mapped onto a decision.
struct Answer {
    verdict: Verdict,
    reason: Reason,
    learn: Option<Label>,
    pending_secs: Option<u64>,
    event: &'static str,
}

fn map_answer(r: &ferret_akismet::CheckResult) -> Answer {
    use ferret_akismet::Verdict as A;
    match r.verdict {
        A::Spam => Answer {
            verdict: Verdict::Spam,
            reason: Reason::Akismet,
            learn: Some(Label::Spam),
            pending_secs: None,
            event: "spam",
        },
        A::Discard => Answer {
            verdict: Verdict::Discard,
            reason: Reason::Akismet,
            learn: Some(Label::Spam),
            pending_secs: None,
            event: "discard",
        },
        A::Ham => match r.recheck_after {
            Some(d) => {
                let secs = d.as_secs().max(1);
                Answer {
                    verdict: Verdict::Held,
                    reason: Reason::AkismetPending {
                        recheck_after_secs: secs,
                    },
                    learn: None,
                    pending_secs: Some(secs),
                    event: "ham-pending",
                }
            }
            None => Answer {
                verdict: Verdict::Ham,
                reason: Reason::Akismet,
                learn: Some(Label::Ham),
                pending_secs: None,
                event: "ham",
            },
        },
        // Future verdicts: treat as unsure.
        #[allow(unreachable_patterns)]
        _ => Answer {
            verdict: Verdict::Held,
            reason: Reason::Akismet,
            learn: None,
            pending_secs: None,
            event: "unknown",
        },
    }
}

/// What [`Ferret::recheck`] did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecheckReport {
    /// Held comments Akismet has now answered: `(check id, the caller's comment id, new verdict)`.
    pub decided: Vec<(CheckId, Option<String>, Verdict)>,
    /// Rechecks that failed again (still queued).
    pub failed: u64,
    /// Comments given up on (older than `recheck.give_up_days`); they stay held.
    pub given_up: Vec<CheckId>,
    /// Still in the queue afterwards.
    pub still_queued: u64,
    /// Reports delivered to Akismet.
    pub reports_sent: u64,
    /// Reports still waiting.
    pub reports_queued: u64,
}

/// `ferret stats`: the month's Akismet usage and decisions.
#[derive(Clone, Debug, PartialEq)]
pub struct StatsReport {
    /// The store's counts.
    pub store: ferret_store::Stats,
    /// The monthly limit (`None`: unlimited).
    pub monthly_limit: Option<u64>,
    /// Calls left this month.
    pub calls_left: Option<u64>,
    /// Counted calls per checked comment this month.
    pub escalation_rate: f64,
    /// `closed`, `open` or `half-open`.
    pub breaker: &'static str,
}

/// Logs that the check `ids` teaches the model `label` with `weight` and marks it learned; the
/// model applies the log entry once the transaction commits.
fn learn_check(
    w: &mut ferret_store::Writer<'_>,
    ids: &str,
    at: i64,
    label: &str,
    weight: u32,
    features: &[u8],
    origin: &str,
) -> ferret_store::Result<()> {
    w.append_learn(&LearnEntry {
        seq: 0,
        at,
        check_id: ids.to_owned(),
        op: LearnOp::Learn,
        label: label.into(),
        weight,
        features: features.to_vec(),
        origin: origin.into(),
    })?;
    w.set_learned(ids, Some(label), weight)
}

/// An unsure comment on its way to Akismet or to the moderation queue.
struct Unsure<'a> {
    id: CheckId,
    comment_id: Option<&'a str>,
    comment: &'a Comment,
    p: f64,
    /// The encoded features, for the history and for learning from Akismet's answer.
    enc: Vec<u8>,
}

impl Ferret {
    /// Opens the store named in `config` (creating it, seeded with `config.model`, if new) with the
    /// system clock and the Akismet client the configuration describes.
    pub fn open(config: Config) -> Result<Ferret> {
        Ferret::builder(config).open()
    }

    /// A builder for a custom clock or oracle.
    pub fn builder(config: Config) -> FerretBuilder {
        FerretBuilder {
            config,
            clock: Arc::new(SystemClock),
            oracle: None,
            oracle_set: false,
        }
    }

    fn open_parts(b: FerretBuilder) -> Result<Ferret> {
        let FerretBuilder {
            config,
            clock,
            oracle,
            oracle_set,
        } = b;
        config.check()?;
        let cutoffs =
            Cutoffs::new(config.ham_cutoff, config.spam_cutoff).map_err(|_| Error::Config {
                key: "ham_cutoff/spam_cutoff",
                problem: "invalid".into(),
            })?;
        let oracle = if oracle_set {
            oracle
        } else {
            build_client(&config)?
        };
        let durability = match config.durability {
            DurabilitySetting::Normal => Durability::Normal,
            DurabilitySetting::Full => Durability::Full,
        };
        let mut store = Store::open_with(&config.db, durability)?;
        let now = clock.now();
        let snap = store.latest_snapshot()?;
        let (mut model, applied, snapshot_id) = match snap {
            Some(s) => {
                let m = Model::from_bytes(&s.model).map_err(|source| Error::Model {
                    what: format!("the model stored in {}", config.db.display()),
                    source,
                })?;
                (m, s.seq, store.latest_snapshot_id()?.map(|x| x.0))
            }
            None => {
                let m = match &config.model {
                    Some(p) => Model::load(p).map_err(|source| Error::Model {
                        what: p.display().to_string(),
                        source,
                    })?,
                    None => Model::new(
                        FeatureConfig::default(),
                        ferret_bayes::ModelConfig::default(),
                    ),
                };
                let seq = store.max_seq()?;
                store.save_snapshot(
                    &Snapshot {
                        seq,
                        at: now,
                        kind: "seed".into(),
                        model: m.to_bytes(),
                    },
                    2,
                )?;
                (m, seq, store.latest_snapshot_id()?.map(|x| x.0))
            }
        };
        let mut replayed = 0u32;
        let mut last = applied;
        for e in store.learn_log_since(applied)? {
            apply_entry(&mut model, &e);
            last = e.seq;
            replayed += 1;
        }
        let rules = Rules::new(&config.rules)?;
        // Author keys are made with the store's secret (one is made with the store), so that
        // every process on this store keys authors alike.
        let secret = store.author_secret(AuthorKeys::random()?.secret())?;
        let authors = MemoryAuthors::with_keys(AuthorKeys::new(secret));
        for a in store.approved_authors()? {
            if let Ok(k) = <[u8; 16]>::try_from(a.key.as_slice()) {
                if a.legacy {
                    authors.set_legacy(AuthorKey::from_bytes(k), a.approved);
                } else {
                    authors.set(AuthorKey::from_bytes(k), a.approved);
                }
            }
        }
        let fc = model.feature_config();
        let history = HistoryWriter::start(&config.db, durability, fc)?;
        let inner = Inner {
            cutoffs,
            pacer: config.pacer(),
            breaker: Mutex::new(Breaker::new(config.breaker_config())),
            clock,
            oracle,
            model: RwLock::new(model),
            fc,
            store: Mutex::new(store),
            learn: Mutex::new(LearnState {
                applied: last,
                since_snapshot: replayed,
                snapshot_id,
            }),
            history,
            rules,
            authors,
            id_prefix: fastrand::u64(..),
            counter: AtomicU64::new(0),
            runtime: OnceLock::new(),
            config,
        };
        Ok(Ferret {
            inner: Arc::new(inner),
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The cutoffs in use.
    pub fn cutoffs(&self) -> Cutoffs {
        self.inner.cutoffs
    }

    fn next_id(&self) -> CheckId {
        let n = self.inner.counter.fetch_add(1, Ordering::Relaxed);
        CheckId((u128::from(self.inner.id_prefix) << 64) | u128::from(n))
    }

    /// Featurizes and scores on this thread; for unsure comments also returns the encoded features.
    fn score_local(&self, comment: &Comment) -> (f64, ferret_bayes::Verdict, Option<Vec<u8>>) {
        let fc = self.inner.fc;
        SCRATCH.with(|cell| {
            let mut slot = cell.borrow_mut();
            if slot.as_ref().is_none_or(|s| s.0 != fc) {
                *slot = Some((fc, Featurizer::new(fc), Features::new()));
            }
            let (_, fz, f) = slot.as_mut().expect("just filled");
            fz.featurize(comment, f);
            let model = self.inner.model.read().unwrap_or_else(|e| e.into_inner());
            let (mut v, score) = model.classify(f, &self.inner.cutoffs);
            let warmup = self.inner.config.learning.warmup;
            if warmup > 0 && (model.docs(Label::Spam) < warmup || model.docs(Label::Ham) < warmup) {
                v = ferret_bayes::Verdict::Unsure;
            }
            drop(model);
            let enc = (v == ferret_bayes::Verdict::Unsure).then(|| codec::encode(f));
            (score.p_spam, v, enc)
        })
    }

    /// Decides on a comment. See [`Ferret::check_as`].
    pub async fn check(&self, comment: &Comment) -> Result<Decision> {
        self.check_as(comment, None).await
    }

    /// Decides on a comment, remembering the caller's own id for it so feedback can use either.
    ///
    /// Confident comments return at once (no I/O on this task; history is written in the
    /// background). Unsure ones are escalated to Akismet when the budget allows, else held.
    pub async fn check_as(&self, comment: &Comment, comment_id: Option<&str>) -> Result<Decision> {
        match self.decide_locally_or_escalate(comment, comment_id) {
            Ok(d) => Ok(d),
            Err((unsure, now_ms)) => self.escalate(unsure, now_ms).await,
        }
    }

    /// [`Ferret::check`] for threads outside an async runtime.
    pub fn check_blocking(&self, comment: &Comment) -> Result<Decision> {
        self.check_as_blocking(comment, None)
    }

    /// [`Ferret::check_as`] for threads outside an async runtime. Must not be called from inside
    /// an async task (use the async form there).
    pub fn check_as_blocking(
        &self,
        comment: &Comment,
        comment_id: Option<&str>,
    ) -> Result<Decision> {
        match self.decide_locally_or_escalate(comment, comment_id) {
            Ok(d) => Ok(d),
            Err((unsure, now_ms)) => self.runtime()?.block_on(self.escalate(unsure, now_ms)),
        }
    }

    /// The local part of a check: the rules, then the model. Returns the decision, or the unsure
    /// comment to escalate and the time it was checked (ms).
    fn decide_locally_or_escalate<'a>(
        &self,
        comment: &'a Comment,
        comment_id: Option<&'a str>,
    ) -> std::result::Result<Decision, (Unsure<'a>, i64)> {
        let now_ms = self.inner.clock.now_ms();
        let id = self.next_id();
        let (p, v, enc) = match self.rules_first(id, comment_id, comment, now_ms) {
            Ok(decided) => return Ok(decided),
            Err(scored) => scored,
        };
        match (v, enc) {
            (ferret_bayes::Verdict::Unsure, Some(enc)) => Err((
                Unsure {
                    id,
                    comment_id,
                    comment,
                    p,
                    enc,
                },
                now_ms,
            )),
            (v, _) => Ok(self.confident(id, comment_id, comment, p, v, now_ms)),
        }
    }

    fn runtime(&self) -> Result<&tokio::runtime::Runtime> {
        if let Some(rt) = self.inner.runtime.get() {
            return Ok(rt);
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("ferret-io")
            .enable_all()
            .build()
            .map_err(|e| Error::Thread(e.to_string()))?;
        Ok(self.inner.runtime.get_or_init(|| rt))
    }

    /// Runs the local rules. A hit decides (`Ok`); a pass returns the model's score (`Err`).
    ///
    /// Ham, spam and discard hits decide without the model. A hold hit (moderation keys, links,
    /// duplicates, …) still asks the model: a comment it is sure is spam goes to spam instead of
    /// the moderation queue; anything else is held for a moderator, without spending an Akismet
    /// call on it.
    #[allow(clippy::type_complexity)]
    fn rules_first(
        &self,
        id: CheckId,
        comment_id: Option<&str>,
        comment: &Comment,
        now_ms: i64,
    ) -> std::result::Result<Decision, (f64, ferret_bayes::Verdict, Option<Vec<u8>>)> {
        let ctx = RuleContext::new(now_ms.div_euclid(1000), &self.inner.authors);
        let hit = match self.inner.rules.check(comment, &ctx) {
            RuleOutcome::Pass => return Err(self.score_local(comment)),
            RuleOutcome::Hit(hit) => hit,
        };
        let (verdict, p) = match hit.action {
            Action::Ham => (Verdict::Ham, 0.0),
            Action::Spam => (Verdict::Spam, 1.0),
            Action::Discard => (Verdict::Discard, 1.0),
            Action::Hold => {
                let scored = self.score_local(comment);
                if scored.1 == ferret_bayes::Verdict::Spam {
                    return Err(scored);
                }
                (Verdict::Held, scored.0)
            }
            // Future actions: hold for a moderator.
            #[allow(unreachable_patterns)]
            _ => (Verdict::Held, 0.5),
        };
        Ok(self.decide_locally(Record {
            check_id: id,
            comment_id: comment_id.map(str::to_owned),
            comment: comment.clone(),
            p_spam: p,
            verdict,
            source: Source::Rule,
            reason: Reason::Rule(hit.rule),
            detail: Some(hit.to_string()),
            at: now_ms.div_euclid(1000),
        }))
    }

    fn confident(
        &self,
        id: CheckId,
        comment_id: Option<&str>,
        comment: &Comment,
        p: f64,
        v: ferret_bayes::Verdict,
        now_ms: i64,
    ) -> Decision {
        let verdict = if v == ferret_bayes::Verdict::Spam {
            Verdict::Spam
        } else {
            Verdict::Ham
        };
        self.decide_locally(Record {
            check_id: id,
            comment_id: comment_id.map(str::to_owned),
            comment: comment.clone(),
            p_spam: p,
            verdict,
            source: Source::Model,
            reason: Reason::Confident,
            detail: None,
            at: now_ms.div_euclid(1000),
        })
    }

    /// Hands a decision made on this thread (model or rule) to the history writer and returns it.
    fn decide_locally(&self, r: Record) -> Decision {
        let d = Decision {
            check_id: r.check_id,
            verdict: r.verdict,
            p_spam: r.p_spam,
            source: r.source,
            reason: r.reason,
            akismet_guid: None,
        };
        self.inner.history.record(r);
        d
    }

    /// How uncertain `p` is within the unsure band: 0 at its centre, 1 at its edges.
    fn band_position(&self, p: f64) -> f64 {
        let (h, s) = (self.inner.cutoffs.ham(), self.inner.cutoffs.spam());
        let half = ((s - h) / 2.0).max(f64::EPSILON);
        ((p - (h + s) / 2.0).abs() / half).clamp(0.0, 1.0)
    }

    #[allow(clippy::too_many_arguments)]
    fn new_row(
        &self,
        id: CheckId,
        comment_id: Option<&str>,
        p: f64,
        enc: Vec<u8>,
        verdict: Verdict,
        source: Source,
        reason: Reason,
        submitted: Option<String>,
        guid: Option<String>,
        now: i64,
    ) -> CheckRow {
        CheckRow {
            check_id: id.to_string(),
            comment_id: comment_id.map(str::to_owned),
            created_at: now,
            updated_at: now,
            verdict: verdict.as_str().into(),
            source: source.as_str().into(),
            p_spam: p,
            reason: reason.to_string(),
            akismet_guid: guid,
            features: enc,
            learned: None,
            learned_weight: 0,
            submitted,
        }
    }

    fn ev(id: &str, at: i64, kind: &str, detail: impl Into<String>) -> Event {
        Event {
            check_id: id.to_owned(),
            at,
            kind: kind.to_owned(),
            detail: detail.into(),
        }
    }

    /// Records an unsure comment held without asking Akismet (or after a failure) and returns the
    /// decision. `recheck_due` queues it for a recheck.
    fn hold(
        &self,
        u: Unsure<'_>,
        source: Source,
        reason: Reason,
        recheck_due: Option<i64>,
        extra: Vec<Event>,
        now: i64,
    ) -> Result<Decision> {
        let Unsure {
            id,
            comment_id,
            comment,
            p,
            enc,
        } = u;
        let row = self.new_row(
            id,
            comment_id,
            p,
            enc,
            Verdict::Held,
            source,
            reason,
            serde_json::to_string(comment).ok(),
            None,
            now,
        );
        let ids = row.check_id.clone();
        let mut events = vec![Self::ev(
            &ids,
            now,
            "check-unsure",
            format!("p_spam {p:.4}"),
        )];
        events.extend(extra);
        events.push(Self::ev(&ids, now, "held", reason.to_string()));
        lock(&self.inner.store).write(|w| {
            w.insert_check(&row)?;
            for e in &events {
                w.add_event(e)?;
            }
            if let Some(due) = recheck_due {
                w.enqueue_recheck(&ids, now, due, "retry")?;
            }
            Ok(())
        })?;
        Ok(Decision {
            check_id: id,
            verdict: Verdict::Held,
            p_spam: p,
            source,
            reason,
            akismet_guid: None,
        })
    }

    async fn escalate(&self, u: Unsure<'_>, now_ms: i64) -> Result<Decision> {
        let now = now_ms.div_euclid(1000);
        let Some(oracle) = self.inner.oracle.clone() else {
            return self.hold(u, Source::Model, Reason::NoAkismet, None, vec![], now);
        };
        if u.comment.user_ip.as_deref().is_none_or(str::is_empty) {
            return self.hold(u, Source::Model, Reason::NotEscalable, None, vec![], now);
        }
        let retry_due = now + self.inner.config.recheck.interval_secs as i64;
        if matches!(lock(&self.inner.breaker).state(), BreakerState::Open { until_ms } if now_ms < until_ms)
            || lock(&self.inner.breaker).state() == BreakerState::HalfOpen
        {
            return self.hold(
                u,
                Source::Fallback,
                Reason::CircuitOpen,
                Some(retry_due),
                vec![],
                now,
            );
        }
        let ids = u.id.to_string();
        // The budget: narrow the band as headroom shrinks, then reserve the call atomically.
        let reserved = {
            let mut store = lock(&self.inner.store);
            let used = store.budget(now)?;
            let fraction = self.inner.pacer.band_fraction(now, used);
            let pos = self.band_position(u.p);
            if fraction <= 0.0 {
                let limits = self.inner.pacer.limits(now);
                let refused = match limits.monthly {
                    Some(l) if used.month_used >= l => Reason::BudgetExhausted {
                        used: used.month_used,
                        limit: l,
                    },
                    _ => Reason::Paced,
                };
                Err(refused)
            } else if pos > fraction {
                Err(Reason::BandNarrowed { fraction })
            } else {
                store
                    .reserve_call(
                        now,
                        Endpoint::CommentCheck,
                        Some(&ids),
                        &self.inner.pacer.limits(now),
                    )?
                    .map_err(Reason::from)
            }
        };
        let ledger_id = match reserved {
            Ok(l) => l,
            Err(reason) => return self.hold(u, Source::Model, reason, None, vec![], now),
        };
        if lock(&self.inner.breaker).permit(now_ms) == Permit::Refused {
            lock(&self.inner.store).finish_call(ledger_id, "not sent: circuit open")?;
            return self.hold(
                u,
                Source::Fallback,
                Reason::CircuitOpen,
                Some(retry_due),
                vec![],
                now,
            );
        }
        let result = oracle.check(u.comment).await;
        let after_ms = self.inner.clock.now_ms();
        let after = after_ms.div_euclid(1000);
        match result {
            Err(e) => {
                let kind = ErrorKind::of(&e);
                let retry_after = e.retry_after().map(|d| d.as_millis() as i64);
                lock(&self.inner.breaker).failure(after_ms, retry_after);
                lock(&self.inner.store)
                    .finish_call(ledger_id, &format!("error: {}", kind.as_str()))?;
                let due = retry_due.max(after + retry_after.unwrap_or(0) / 1000);
                self.hold(
                    u,
                    Source::Fallback,
                    Reason::AkismetError(kind),
                    Some(due),
                    vec![
                        Self::ev(&ids, now, "escalated", ""),
                        Self::ev(&ids, after, "check-error", e.to_string()),
                    ],
                    after,
                )
            }
            Ok(r) => {
                lock(&self.inner.breaker).success();
                lock(&self.inner.store).finish_call(ledger_id, "ok")?;
                let a = map_answer(&r);
                let mut row = self.new_row(
                    u.id,
                    u.comment_id,
                    u.p,
                    u.enc.clone(),
                    a.verdict,
                    Source::Akismet,
                    a.reason,
                    serde_json::to_string(&r.as_submitted).ok(),
                    r.guid.clone(),
                    after,
                );
                row.created_at = now;
                let weight = self.inner.config.learning.akismet_weight;
                let mut events = vec![
                    Self::ev(&ids, now, "check-unsure", format!("p_spam {:.4}", u.p)),
                    Self::ev(&ids, now, "escalated", ""),
                    Self::ev(&ids, after, &format!("akismet-{}", a.event), ""),
                ];
                if a.verdict == Verdict::Held {
                    events.push(Self::ev(&ids, after, "held", a.reason.to_string()));
                }
                let learn = a.learn.filter(|_| weight > 0);
                if let Some(l) = learn {
                    events.push(Self::ev(
                        &ids,
                        after,
                        "learned",
                        format!("{} from akismet, weight {weight}", label_str(l)),
                    ));
                }
                let pending = a.pending_secs;
                self.write_and_learn(|w| {
                    w.insert_check(&row)?;
                    for e in &events {
                        w.add_event(e)?;
                    }
                    if let Some(secs) = pending {
                        w.enqueue_recheck(&ids, after, after + secs as i64, "pending")?;
                    }
                    if let Some(l) = learn {
                        learn_check(w, &ids, after, label_str(l), weight, &u.enc, "akismet")?;
                    }
                    Ok(())
                })?;
                Ok(Decision {
                    check_id: u.id,
                    verdict: a.verdict,
                    p_spam: u.p,
                    source: Source::Akismet,
                    reason: a.reason,
                    akismet_guid: r.guid,
                })
            }
        }
    }

    /// Runs `f` in one store transaction while holding the learn lock, then applies every new
    /// learn-log entry (this process's and other processes') to the model, in log order.
    fn write_and_learn<T>(
        &self,
        f: impl FnOnce(&mut ferret_store::Writer<'_>) -> ferret_store::Result<T>,
    ) -> Result<T> {
        let mut ls = lock(&self.inner.learn);
        let out = lock(&self.inner.store).write(f)?;
        self.sync_locked(&mut ls)?;
        Ok(out)
    }

    /// Applies learn-log entries this process has not applied yet; reloads after another
    /// process's retrain; writes a snapshot every `snapshot_every` entries.
    fn sync_locked(&self, ls: &mut LearnState) -> Result<()> {
        let (entries, retrain) = {
            let store = lock(&self.inner.store);
            let latest = store.latest_snapshot_id()?;
            let retrain = match latest {
                Some((sid, kind)) if Some(sid) != ls.snapshot_id => {
                    ls.snapshot_id = Some(sid);
                    if kind == "retrain" {
                        store.latest_snapshot()?
                    } else {
                        None
                    }
                }
                _ => None,
            };
            let from = retrain.as_ref().map_or(ls.applied, |s| s.seq);
            (store.learn_log_since(from)?, retrain)
        };
        {
            let mut model = self.inner.model.write().unwrap_or_else(|e| e.into_inner());
            if let Some(s) = retrain {
                *model = Model::from_bytes(&s.model).map_err(|source| Error::Model {
                    what: "a retrained model in the store".into(),
                    source,
                })?;
                ls.applied = s.seq;
            }
            for e in &entries {
                apply_entry(&mut model, e);
                ls.applied = e.seq;
                ls.since_snapshot += 1;
            }
        }
        if ls.since_snapshot >= self.inner.config.snapshot_every {
            snapshot_locked(
                &self.inner.model,
                &self.inner.store,
                ls,
                self.inner.clock.now(),
            )?;
        }
        Ok(())
    }

    /// Picks up model updates made by other processes on the same store.
    pub fn sync(&self) -> Result<()> {
        let mut ls = lock(&self.inner.learn);
        self.sync_locked(&mut ls)
    }

    /// Writes a model snapshot now (also done every `snapshot_every` updates and on drop).
    pub fn snapshot(&self) -> Result<()> {
        let mut ls = lock(&self.inner.learn);
        self.sync_locked(&mut ls)?;
        snapshot_locked(
            &self.inner.model,
            &self.inner.store,
            &mut ls,
            self.inner.clock.now(),
        )
    }

    /// Waits until the background history writer has committed every decision so far.
    pub fn flush(&self) -> Result<()> {
        self.inner.history.flush()
    }

    fn find(&self, target: &Target) -> Result<CheckRow> {
        let get = |s: &Store| match target {
            Target::Check(id) => s.get_check(&id.to_string()),
            Target::Comment(c) => s.find_by_comment_id(c),
        };
        if let Some(row) = get(&lock(&self.inner.store))? {
            return Ok(row);
        }
        self.flush()?;
        get(&lock(&self.inner.store))?.ok_or_else(|| Error::UnknownCheck {
            target: match target {
                Target::Check(id) => format!("check {id}"),
                Target::Comment(c) => format!("comment id {c:?}"),
            },
        })
    }

    /// A moderator says this comment is spam. Durable first, learned at once (a relabel unlearns
    /// the old label), then reported to Akismet (queued if Akismet is unreachable).
    pub async fn submit_spam(&self, target: impl Into<Target>) -> Result<Feedback> {
        self.feedback(target.into(), Label::Spam).await
    }

    /// A moderator says this comment is ham. See [`Ferret::submit_spam`].
    pub async fn submit_ham(&self, target: impl Into<Target>) -> Result<Feedback> {
        self.feedback(target.into(), Label::Ham).await
    }

    /// [`Ferret::submit_spam`] outside an async runtime.
    pub fn submit_spam_blocking(&self, target: impl Into<Target>) -> Result<Feedback> {
        self.runtime()?
            .block_on(self.feedback(target.into(), Label::Spam))
    }

    /// [`Ferret::submit_ham`] outside an async runtime.
    pub fn submit_ham_blocking(&self, target: impl Into<Target>) -> Result<Feedback> {
        self.runtime()?
            .block_on(self.feedback(target.into(), Label::Ham))
    }

    async fn feedback(&self, target: Target, label: Label) -> Result<Feedback> {
        let row = self.find(&target)?;
        let check_id: CheckId = row.check_id.parse()?;
        let now = self.inner.clock.now();
        let ls_ = label_str(label);
        let report = self.inner.oracle.is_some()
            && row.submitted.is_some()
            && match label {
                Label::Spam => matches!(row.verdict.as_str(), "ham" | "held"),
                Label::Ham => matches!(row.verdict.as_str(), "spam" | "discard"),
            };
        let ids = row.check_id.clone();
        let author = row
            .submitted
            .as_deref()
            .and_then(|s| serde_json::from_str::<Comment>(s).ok())
            .and_then(|c| {
                // The key under this store's secret, and the one a store from before per-store
                // keys may still hold the author's count under: one fold of the fields for both.
                Author::with_comment(&c, |a| (self.inner.authors.keys().key(a), a.legacy_key()))
            });
        let (learned, relabelled, approved) = self.write_and_learn(|w| {
            // Re-read inside the transaction: another process may have given feedback meanwhile.
            let cur = w.get_check(&ids)?.unwrap_or(row.clone());
            let held = cur.learned.as_deref().and_then(parse_label);
            let mut relabelled = false;
            if held == Some(label) {
                // Never learn the same comment twice for the same label; an Akismet-weighted
                // lesson is reduced to the single weight a moderator's word carries.
            } else if let Some(old) = held {
                w.append_learn(&LearnEntry {
                    seq: 0,
                    at: now,
                    check_id: ids.clone(),
                    op: LearnOp::Unlearn,
                    label: label_str(old).into(),
                    weight: cur.learned_weight,
                    features: cur.features.clone(),
                    origin: "feedback".into(),
                })?;
                w.add_event(&Self::ev(&ids, now, "unlearned", label_str(old)))?;
                relabelled = true;
            }
            let learned = held != Some(label);
            if learned {
                learn_check(w, &ids, now, ls_, 1, &cur.features, "feedback")?;
                w.add_event(&Self::ev(
                    &ids,
                    now,
                    "learned",
                    format!("{ls_} from moderator"),
                ))?;
            }
            w.add_event(&Self::ev(&ids, now, &format!("report-{ls_}"), ""))?;
            w.update_decision(
                &ids,
                now,
                ls_,
                "moderator",
                &Reason::Feedback.to_string(),
                None,
            )?;
            w.remove_recheck(&ids)?;
            if report {
                w.enqueue_report(&ids, ls_, now)?;
            }
            // The trusted-author rule: a moderator's ham approves the author (once per comment,
            // even when the model already held the label); spam forgets them.
            let already_approved = cur.source == "moderator" && cur.verdict == "ham";
            let approved = match author {
                Some((k, old)) if label == Label::Ham && !already_approved => {
                    Some(w.approve_author(k.as_bytes(), Some(old.as_bytes()), now)?)
                }
                Some((k, old)) if label == Label::Spam => {
                    w.revoke_author(k.as_bytes(), Some(old.as_bytes()))?;
                    Some(0)
                }
                _ => None,
            };
            Ok((learned, relabelled, approved))
        })?;
        if let (Some((k, old)), Some(n)) = (author, approved) {
            // Either way the legacy count is gone: moved under the new key, or forgotten.
            self.inner.authors.set_legacy(old, 0);
            if n == 0 {
                self.inner.authors.revoke(&k);
            } else {
                self.inner.authors.set(k, n);
            }
        }
        let status = if report {
            let (sent, _) = self.deliver_reports(Some(&ids)).await?;
            if sent > 0 {
                ReportStatus::Sent
            } else {
                ReportStatus::Queued
            }
        } else {
            ReportStatus::NotNeeded
        };
        Ok(Feedback {
            check_id,
            learned,
            relabelled,
            report: status,
        })
    }

    /// Sends due reports (only `only`'s, if given). Returns `(sent, still queued)`.
    async fn deliver_reports(&self, only: Option<&str>) -> Result<(u64, u64)> {
        let Some(oracle) = self.inner.oracle.clone() else {
            return Ok((0, 0));
        };
        let now = self.inner.clock.now();
        let items = lock(&self.inner.store).due_reports(now, 1000)?;
        let give_up = self.inner.config.recheck.give_up_days as i64 * 86_400;
        let mut sent = 0;
        for item in items {
            if only.is_some_and(|o| o != item.check_id) {
                continue;
            }
            let now_ms = self.inner.clock.now_ms();
            if lock(&self.inner.breaker).permit(now_ms) == Permit::Refused {
                break;
            }
            let row = lock(&self.inner.store).get_check(&item.check_id)?;
            let Some(comment) = row
                .as_ref()
                .and_then(|r| r.submitted.as_deref())
                .and_then(|s| serde_json::from_str::<Comment>(s).ok())
            else {
                lock(&self.inner.store).write(|w| w.remove_report(item.id))?;
                continue;
            };
            let mut rep = Report::new(comment);
            rep.guid = row.and_then(|r| r.akismet_guid);
            let endpoint = if item.label == "spam" {
                Endpoint::SubmitSpam
            } else {
                Endpoint::SubmitHam
            };
            let ledger = lock(&self.inner.store)
                .reserve_call(now, endpoint, Some(&item.check_id), &CallLimits::default())?
                .unwrap_or_default();
            let res = if item.label == "spam" {
                oracle.submit_spam(&rep).await
            } else {
                oracle.submit_ham(&rep).await
            };
            let after = self.inner.clock.now();
            match res {
                Ok(()) => {
                    lock(&self.inner.breaker).success();
                    let mut st = lock(&self.inner.store);
                    st.finish_call(ledger, "ok")?;
                    st.write(|w| {
                        w.remove_report(item.id)?;
                        w.add_event(&Self::ev(
                            &item.check_id,
                            after,
                            &format!("report-{}-sent", item.label),
                            "",
                        ))
                    })?;
                    sent += 1;
                }
                Err(e) => {
                    let kind = ErrorKind::of(&e);
                    lock(&self.inner.breaker).failure(
                        self.inner.clock.now_ms(),
                        e.retry_after().map(|d| d.as_millis() as i64),
                    );
                    let mut st = lock(&self.inner.store);
                    st.finish_call(ledger, &format!("error: {}", kind.as_str()))?;
                    st.write(|w| {
                        if after - item.created_at > give_up {
                            w.remove_report(item.id)?;
                            w.add_event(&Self::ev(&item.check_id, after, "report-expired", ""))
                        } else {
                            w.reschedule_report(
                                item.id,
                                after + self.inner.config.recheck.interval_secs as i64,
                                item.attempts + 1,
                            )
                        }
                    })?;
                }
            }
        }
        let left = lock(&self.inner.store).stats(now)?.outbox;
        Ok((sent, left))
    }

    /// Rechecks held comments whose time has come (`recheck_reason=retry`, every
    /// `recheck.interval_secs`, up to `recheck.give_up_days`), and sends queued reports. Call it
    /// periodically (the CLI's `ferret recheck` does); it stops early while Akismet is failing.
    pub async fn recheck(&self) -> Result<RecheckReport> {
        let mut out = RecheckReport::default();
        let Some(oracle) = self.inner.oracle.clone() else {
            return Ok(out);
        };
        let give_up = self.inner.config.recheck.give_up_days as i64 * 86_400;
        let interval = self.inner.config.recheck.interval_secs as i64;
        loop {
            let now = self.inner.clock.now();
            let items = lock(&self.inner.store).due_rechecks(now, 256)?;
            if items.is_empty() {
                break;
            }
            let mut progressed = false;
            for item in items {
                let now_ms = self.inner.clock.now_ms();
                let now = now_ms.div_euclid(1000);
                let id: CheckId = item.check_id.parse()?;
                if now - item.first_at > give_up {
                    lock(&self.inner.store).write(|w| {
                        w.remove_recheck(&item.check_id)?;
                        w.add_event(&Self::ev(
                            &item.check_id,
                            now,
                            "recheck-expired",
                            "stays held",
                        ))
                    })?;
                    out.given_up.push(id);
                    progressed = true;
                    continue;
                }
                let row = lock(&self.inner.store).get_check(&item.check_id)?;
                let Some((row, mut comment)) = row.and_then(|r| {
                    let c = serde_json::from_str::<Comment>(r.submitted.as_deref()?).ok()?;
                    Some((r, c))
                }) else {
                    lock(&self.inner.store).write(|w| w.remove_recheck(&item.check_id))?;
                    progressed = true;
                    continue;
                };
                if lock(&self.inner.breaker).permit(now_ms) == Permit::Refused {
                    out.still_queued = lock(&self.inner.store).stats(now)?.recheck_queue;
                    let (s, q) = self.deliver_reports(None).await?;
                    out.reports_sent += s;
                    out.reports_queued = q;
                    return Ok(out);
                }
                let limits = CallLimits {
                    paced: None,
                    ..self.inner.pacer.limits(now)
                };
                let ledger = match lock(&self.inner.store).reserve_call(
                    now,
                    Endpoint::CommentCheck,
                    Some(&item.check_id),
                    &limits,
                )? {
                    Ok(l) => l,
                    Err(_) => {
                        // Out of calls: they stay queued (and held) until the budget allows.
                        lock(&self.inner.breaker).success();
                        out.still_queued = lock(&self.inner.store).stats(now)?.recheck_queue;
                        return Ok(out);
                    }
                };
                comment.recheck_reason = Some("retry".into());
                let res = oracle.check(&comment).await;
                let after_ms = self.inner.clock.now_ms();
                let after = after_ms.div_euclid(1000);
                progressed = true;
                match res {
                    Err(e) => {
                        let kind = ErrorKind::of(&e);
                        lock(&self.inner.breaker)
                            .failure(after_ms, e.retry_after().map(|d| d.as_millis() as i64));
                        let mut st = lock(&self.inner.store);
                        st.finish_call(ledger, &format!("error: {}", kind.as_str()))?;
                        st.write(|w| {
                            w.reschedule_recheck(
                                &item.check_id,
                                after + interval,
                                item.attempts + 1,
                            )?;
                            w.add_event(&Self::ev(
                                &item.check_id,
                                after,
                                "recheck-error",
                                e.to_string(),
                            ))
                        })?;
                        out.failed += 1;
                    }
                    Ok(r) => {
                        lock(&self.inner.breaker).success();
                        lock(&self.inner.store).finish_call(ledger, "ok")?;
                        let a = map_answer(&r);
                        let weight = self.inner.config.learning.akismet_weight;
                        let learn = a.learn.filter(|_| weight > 0 && row.learned.is_none());
                        let ids = item.check_id.clone();
                        let guid = r.guid.clone();
                        self.write_and_learn(|w| {
                            w.add_event(&Self::ev(
                                &ids,
                                after,
                                &format!("recheck-{}", a.event),
                                "",
                            ))?;
                            if let Some(secs) = a.pending_secs {
                                w.reschedule_recheck(&ids, after + secs as i64, item.attempts + 1)?;
                                return Ok(());
                            }
                            w.remove_recheck(&ids)?;
                            w.update_decision(
                                &ids,
                                after,
                                a.verdict.as_str(),
                                "akismet",
                                &a.reason.to_string(),
                                guid.as_deref(),
                            )?;
                            if let Some(l) = learn {
                                learn_check(
                                    w,
                                    &ids,
                                    after,
                                    label_str(l),
                                    weight,
                                    &row.features,
                                    "akismet",
                                )?;
                                w.add_event(&Self::ev(
                                    &ids,
                                    after,
                                    "learned",
                                    format!("{} from akismet, weight {weight}", label_str(l)),
                                ))?;
                            }
                            Ok(())
                        })?;
                        if a.pending_secs.is_none() {
                            out.decided.push((id, row.comment_id.clone(), a.verdict));
                        }
                    }
                }
            }
            if !progressed {
                break;
            }
            // Items rescheduled into the future are not due again in this pass.
            let now = self.inner.clock.now();
            if lock(&self.inner.store).due_rechecks(now, 1)?.is_empty() {
                break;
            }
            if out.failed > 0 {
                break;
            }
        }
        let now = self.inner.clock.now();
        out.still_queued = lock(&self.inner.store).stats(now)?.recheck_queue;
        let (s, q) = self.deliver_reports(None).await?;
        out.reports_sent += s;
        out.reports_queued = q;
        Ok(out)
    }

    /// [`Ferret::recheck`] outside an async runtime.
    pub fn recheck_blocking(&self) -> Result<RecheckReport> {
        self.runtime()?.block_on(self.recheck())
    }

    /// A check's history, oldest first.
    pub fn history(&self, target: impl Into<Target>) -> Result<(CheckRow, Vec<Event>)> {
        let row = self.find(&target.into())?;
        let events = lock(&self.inner.store).history(&row.check_id)?;
        Ok((row, events))
    }

    /// Deletes as-submitted snapshots and history older than `privacy.retain_days`. Returns
    /// `(snapshots cleared, events deleted)`.
    pub fn purge(&self) -> Result<(u64, u64)> {
        self.flush()?;
        let before = self.inner.clock.now() - self.inner.config.privacy.retain_days as i64 * 86_400;
        Ok(lock(&self.inner.store).purge(before)?)
    }

    /// This month's usage and decisions.
    pub fn stats(&self) -> Result<StatsReport> {
        self.flush()?;
        let now = self.inner.clock.now();
        let store = lock(&self.inner.store).stats(now)?;
        let limit = self.inner.config.budget.monthly_limit;
        let rate = if store.checks == 0 {
            0.0
        } else {
            store.calls as f64 / store.checks as f64
        };
        let breaker = match lock(&self.inner.breaker).state() {
            BreakerState::Closed => "closed",
            BreakerState::Open { .. } => "open",
            BreakerState::HalfOpen => "half-open",
        };
        Ok(StatsReport {
            calls_left: limit.map(|l| l.saturating_sub(store.calls)),
            monthly_limit: limit,
            escalation_rate: rate,
            breaker,
            store,
        })
    }

    /// Asks Akismet's `usage-limit` how many calls the key has used this month and, if that is more
    /// than the ledger knows (other sites share the key), raises the ledger to match.
    pub async fn sync_usage(&self) -> Result<Option<u64>> {
        let Some(oracle) = self.inner.oracle.clone() else {
            return Ok(None);
        };
        let u = oracle.usage().await.map_err(Error::Akismet)?;
        let now = self.inner.clock.now();
        lock(&self.inner.store).write(|w| w.raise_month_used(now, u.usage))?;
        Ok(Some(u.usage))
    }

    /// Rebuilds the model: `base` (a model trained on the base corpus; `None`: the model the store
    /// was seeded with) plus every label the store holds (moderator feedback and Akismet answers).
    /// Other processes on the store pick the new model up on their next update or [`Ferret::sync`].
    /// Returns how many comments were replayed.
    pub fn retrain(&self, base: Option<Model>) -> Result<u64> {
        self.flush()?;
        let mut ls = lock(&self.inner.learn);
        let mut model = match base {
            Some(m) => m,
            None => {
                let seed = lock(&self.inner.store)
                    .seed_snapshot()?
                    .ok_or_else(|| Error::History("the store has no seed model".into()))?;
                Model::from_bytes(&seed.model).map_err(|source| Error::Model {
                    what: "the seed model in the store".into(),
                    source,
                })?
            }
        };
        if model.feature_config() != self.inner.fc {
            return Err(Error::Config {
                key: "retrain base model",
                problem: "its featurizer settings differ from the store's; stored features cannot be replayed into it".into(),
            });
        }
        let now = self.inner.clock.now();
        let mut n = 0u64;
        let mut st = lock(&self.inner.store);
        let seq = st.write(|w| {
            let seq = w.max_seq()?;
            for (features, label, weight) in w.learned_checks()? {
                if let (Some(f), Some(l)) = (codec::decode(&features), parse_label(&label)) {
                    for _ in 0..weight {
                        let _ = model.learn(&f, l);
                    }
                    n += 1;
                }
            }
            w.clear_snapshots_except_seed()?;
            w.insert_snapshot(&Snapshot {
                seq,
                at: now,
                kind: "retrain".into(),
                model: model.to_bytes(),
            })?;
            Ok(seq)
        })?;
        ls.snapshot_id = st.latest_snapshot_id()?.map(|s| s.0);
        drop(st);
        *self.inner.model.write().unwrap_or_else(|e| e.into_inner()) = model;
        ls.applied = seq;
        ls.since_snapshot = 0;
        Ok(n)
    }

    /// A copy of the current model (e.g. to save it as a file).
    pub fn model(&self) -> Model {
        self.inner
            .model
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

fn apply_entry(model: &mut Model, e: &LearnEntry) {
    let (Some(f), Some(l)) = (codec::decode(&e.features), parse_label(&e.label)) else {
        return;
    };
    for _ in 0..e.weight {
        // An entry that cannot apply (e.g. an unlearn after a retrain folded it away) is skipped:
        // the log is the source of truth, and counts never go negative.
        let _ = match e.op {
            LearnOp::Learn => model.learn(&f, l),
            LearnOp::Unlearn => model.unlearn(&f, l),
        };
    }
}

fn build_client(config: &Config) -> Result<Option<Arc<dyn Oracle>>> {
    let a = &config.akismet;
    let Some(key) = &a.key else {
        return Ok(None);
    };
    let blog = a.blog.clone().unwrap_or_default();
    let mut cc = ClientConfig::new(key.expose().to_owned(), blog)
        .timeout(std::time::Duration::from_millis(a.timeout_ms))
        .connect_timeout(std::time::Duration::from_millis(a.connect_timeout_ms))
        // The router has its own recheck queue; one quick retry is enough per call.
        .max_retries(1)
        .is_test(a.is_test)
        .application("ferret-router", env!("CARGO_PKG_VERSION"));
    if let Some(url) = &a.url {
        cc = cc.base_url(url.clone());
    }
    let client = cc.build().map_err(Error::Akismet)?;
    Ok(Some(Arc::new(client)))
}

//! The commands that work on a site's store through the router: `check --db`, `feedback`, `stats`,
//! `recheck`, `retrain`, `history`, `purge`. Settings come from `ferret.toml` (or `--config`)
//! and are overridden by flags.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use ferret_bayes::{Label, Model};
use ferret_features::{Comment, Features};
use ferret_router::{parse_limit, CheckId, Config, Decision, Ferret, Secret, Target};

use crate::check::CheckArgs;
use crate::input::{open, read_as_mail, read_labelled, source_name, Lines, Record};

/// Where the store is and how to reach Akismet; shared by every store command.
#[derive(Debug, Clone, Args)]
pub struct StoreOpts {
    /// Settings file [default: ./ferret.toml when it exists]. Flags override it.
    #[arg(long, env = "FERRET_CONFIG")]
    pub config: Option<PathBuf>,
    /// The SQLite store (created when missing) [default: from the config, else ferret.db].
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Akismet API key. Prefer the environment variable to the command line.
    #[arg(long, env = "FERRET_AKISMET_KEY", hide_env_values = true)]
    pub akismet_key: Option<String>,
    /// The site's front page URL, sent to Akismet as `blog`.
    #[arg(long)]
    pub akismet_blog: Option<String>,
    /// Akismet base URL (for a proxy or a test server).
    #[arg(long)]
    pub akismet_url: Option<String>,
    /// Akismet calls allowed per calendar month (UTC), or "unlimited".
    #[arg(long, value_parser = parse_limit_arg)]
    pub monthly_limit: Option<Limit>,
}

/// A parsed `--monthly-limit`.
#[derive(Debug, Clone, Copy)]
pub struct Limit(pub Option<u64>);

fn parse_limit_arg(s: &str) -> Result<Limit, String> {
    parse_limit(s).map(Limit)
}

impl StoreOpts {
    /// The router configuration: the file's settings with the flags on top, validated.
    pub fn config(&self) -> anyhow::Result<Config> {
        let file = self.config.clone().or_else(|| {
            let p = PathBuf::from("ferret.toml");
            p.exists().then_some(p)
        });
        let mut c = match &file {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("reading {}", p.display()))?;
                let mut c = toml::from_str::<Config>(&text).map_err(|e| {
                    anyhow::anyhow!("{}: {}", p.display(), e.to_string().trim_end())
                })?;
                // List files named in [rules] are relative to the settings file.
                let dir = p.parent().unwrap_or(Path::new("."));
                c.rules = c.rules.with_base_dir(dir);
                c
            }
            None => Config::default(),
        };
        if let Some(db) = &self.db {
            c.db = db.clone();
        }
        if let Some(k) = &self.akismet_key {
            if !k.is_empty() {
                c.akismet.key = Some(Secret::new(k.clone()));
            }
        }
        if let Some(b) = &self.akismet_blog {
            c.akismet.blog = Some(b.clone());
        }
        if let Some(u) = &self.akismet_url {
            c.akismet.url = Some(u.clone());
        }
        if let Some(Limit(l)) = self.monthly_limit {
            c.budget.monthly_limit = l;
        }
        c.check().with_context(|| match &file {
            Some(p) => format!("settings from {} and flags", p.display()),
            None => "settings from flags".into(),
        })?;
        Ok(c)
    }

    /// Whether the user asked for the store at all (a `--db`, `--config` or `./ferret.toml`).
    pub fn wanted(&self) -> bool {
        self.db.is_some() || self.config.is_some() || Path::new("ferret.toml").exists()
    }

    fn open(&self) -> anyhow::Result<Ferret> {
        let c = self.config()?;
        if !c.db.exists() {
            bail!(
                "store {} does not exist; create it with `ferret check --db {}` (it starts from --model)",
                c.db.display(),
                c.db.display()
            );
        }
        Ok(Ferret::open(c)?)
    }
}

/// `ferret check` with a store: every comment goes through the router, in input order.
pub(crate) fn check(a: CheckArgs) -> anyhow::Result<i32> {
    let mut c = a.store.config()?;
    if c.model.is_none() && !a.empty_model {
        c.model = Some(match &a.model {
            Some(m) => m.clone(),
            None => crate::default_model_path(),
        });
    } else if let Some(m) = &a.model {
        c.model = Some(m.clone());
    }
    if a.empty_model {
        c.model = None;
    }
    let existed = c.db.exists();
    if !existed {
        if let Some(m) = &c.model {
            if !m.exists() {
                bail!(
                    "model {} does not exist (a new store starts from it)",
                    m.display()
                );
            }
        }
    } else if a.model.is_some() || a.empty_model {
        eprintln!(
            "ferret: {} already holds a model; --model/--empty-model only seed a new store (use `ferret retrain`)",
            c.db.display()
        );
    }
    if a.cutoffs.ham_cutoff != ferret_bayes::Cutoffs::default().ham()
        || a.cutoffs.spam_cutoff != ferret_bayes::Cutoffs::default().spam()
    {
        let cut = a.cutoffs.cutoffs()?;
        c.ham_cutoff = cut.ham();
        c.spam_cutoff = cut.spam();
    }
    let ferret = Ferret::open(c)?;
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    if let Some(text) = &a.text {
        let mut comment = Comment::from_text(text.as_str());
        if a.mail {
            read_as_mail(&mut comment);
        }
        let d = ferret.check_blocking(&comment)?;
        writeln!(out, "{}", decision_json(&serde_json::Value::from(1), &d))?;
        out.flush()?;
        return Ok(0);
    }
    let path = a.file.clone().unwrap_or_else(|| PathBuf::from("-"));
    let name = source_name(&path);
    let mut lines = Lines::new(open(&path)?, path.clone());
    let mut errors = 0u64;
    while let Some((no, line)) = lines
        .next_line()
        .with_context(|| format!("reading {name}"))?
    {
        if matches!(line, Ok(l) if l.trim().is_empty()) {
            continue;
        }
        let rec = line.map_err(|e| e.to_owned()).and_then(Record::parse);
        match rec {
            Ok(mut rec) => {
                if a.mail {
                    read_as_mail(&mut rec.comment);
                }
                let comment_id = rec.id.as_ref().map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                });
                let d = ferret.check_as_blocking(&rec.comment, comment_id.as_deref())?;
                let id = rec.id.unwrap_or_else(|| serde_json::Value::from(no));
                writeln!(out, "{}", decision_json(&id, &d))?;
            }
            Err(msg) => {
                errors += 1;
                writeln!(out, "{}", serde_json::json!({"id": no, "error": msg}))?;
            }
        }
    }
    out.flush()?;
    ferret.flush()?;
    if errors > 0 {
        eprintln!("ferret: {errors} input line(s) of {name} could not be checked (see their \"error\" fields)");
        return Ok(1);
    }
    Ok(0)
}

fn decision_json(id: &serde_json::Value, d: &Decision) -> String {
    // Field order as in the model-only output: id, verdict, p_spam, source, then the store's fields.
    let mut s = format!(
        "{{\"id\":{},\"verdict\":\"{}\",\"p_spam\":{},\"source\":\"{}\",\"check_id\":\"{}\",\"reason\":{}",
        id,
        d.verdict.as_str(),
        serde_json::Value::from(d.p_spam),
        d.source.as_str(),
        d.check_id,
        serde_json::Value::from(d.reason.to_string()),
    );
    if let Some(g) = &d.akismet_guid {
        s.push_str(",\"akismet_guid\":");
        s.push_str(&serde_json::Value::from(g.as_str()).to_string());
    }
    s.push('}');
    s
}

/// Which label feedback gives.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FeedbackLabel {
    /// It is spam.
    Spam,
    /// It is not spam.
    Ham,
}

/// Options of `ferret feedback`.
#[derive(Debug, Args)]
pub struct FeedbackArgs {
    /// `spam` or `ham`.
    #[arg(value_enum)]
    pub label: FeedbackLabel,
    /// Check ids (from `ferret check`'s `check_id`), or your own comment ids with --comment-id.
    #[arg(required = true)]
    pub ids: Vec<String>,
    /// The ids are the comment ids given to `ferret check` (its input's "id"), not check ids.
    #[arg(long)]
    pub comment_id: bool,
    /// The store and Akismet.
    #[command(flatten)]
    pub store: StoreOpts,
}

fn target(s: &str, comment_id: bool) -> anyhow::Result<Target> {
    if comment_id {
        Ok(Target::Comment(s.to_owned()))
    } else {
        Ok(Target::Check(s.parse::<CheckId>().with_context(|| {
            "pass a check_id from `ferret check`, or --comment-id for your own ids"
        })?))
    }
}

pub(crate) fn feedback(a: FeedbackArgs) -> anyhow::Result<i32> {
    let f = a.store.open()?;
    let mut bad = 0;
    for id in &a.ids {
        let t = match target(id, a.comment_id) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("ferret: {id}: {e:#}");
                bad += 1;
                continue;
            }
        };
        let r = match a.label {
            FeedbackLabel::Spam => f.submit_spam_blocking(t),
            FeedbackLabel::Ham => f.submit_ham_blocking(t),
        };
        match r {
            Ok(fb) => println!(
                "{}",
                serde_json::json!({
                    "id": id,
                    "check_id": fb.check_id.to_string(),
                    "label": match a.label { FeedbackLabel::Spam => "spam", FeedbackLabel::Ham => "ham" },
                    "learned": fb.learned,
                    "relabelled": fb.relabelled,
                    "report": fb.report.as_str(),
                })
            ),
            Err(e) => {
                eprintln!("ferret: {id}: {e}");
                bad += 1;
            }
        }
    }
    Ok(if bad > 0 { 1 } else { 0 })
}

/// Options of `ferret stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// One JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// The store.
    #[command(flatten)]
    pub store: StoreOpts,
}

pub(crate) fn stats(a: StatsArgs) -> anyhow::Result<i32> {
    let f = a.store.open()?;
    let s = f.stats()?;
    let mix: Vec<_> = s
        .store
        .mix
        .iter()
        .map(|(v, src, n)| serde_json::json!({"verdict": v, "source": src, "count": n}))
        .collect();
    if a.json {
        println!(
            "{}",
            serde_json::json!({
                "month": s.store.month,
                "calls": s.store.calls,
                "monthly_limit": s.monthly_limit,
                "calls_left": s.calls_left,
                "failed_calls": s.store.failed_calls,
                "report_calls": s.store.uncounted_calls,
                "checks": s.store.checks,
                "escalation_rate": s.escalation_rate,
                "verdicts": mix,
                "recheck_queue": s.store.recheck_queue,
                "report_queue": s.store.outbox,
                "learned": s.store.learned,
                "rule_hits": s.store.rule_hits.iter()
                    .map(|(r, n)| serde_json::json!({"reason": r, "count": n}))
                    .collect::<Vec<_>>(),
                "breaker": s.breaker,
            })
        );
        return Ok(0);
    }
    let limit = s
        .monthly_limit
        .map_or("unlimited".to_owned(), |l| l.to_string());
    println!("month            {}", s.store.month);
    println!(
        "akismet calls    {} of {limit} ({} failed)",
        s.store.calls, s.store.failed_calls
    );
    if let Some(left) = s.calls_left {
        println!("calls left       {left}");
    }
    println!("checks           {}", s.store.checks);
    println!("escalation rate  {:.2} %", s.escalation_rate * 100.0);
    for (v, src, n) in &s.store.mix {
        println!("  {v:<8} by {src:<10} {n}");
    }
    if !s.store.rule_hits.is_empty() {
        println!("local rules");
        for (reason, n) in &s.store.rule_hits {
            println!("  {reason:<22} {n}");
        }
    }
    println!("recheck queue    {}", s.store.recheck_queue);
    println!("report queue     {}", s.store.outbox);
    println!("learned updates  {}", s.store.learned);
    println!("akismet circuit  {}", s.breaker);
    Ok(0)
}

/// Options of `ferret recheck`, `ferret purge` and `ferret history`.
#[derive(Debug, Args)]
pub struct StoreOnly {
    /// The store and Akismet.
    #[command(flatten)]
    pub store: StoreOpts,
}

pub(crate) fn recheck(a: StoreOnly) -> anyhow::Result<i32> {
    let f = a.store.open()?;
    let r = f.recheck_blocking()?;
    for (id, comment_id, v) in &r.decided {
        println!(
            "{}",
            serde_json::json!({"check_id": id.to_string(), "id": comment_id, "verdict": v.as_str(), "source": "akismet"})
        );
    }
    eprintln!(
        "ferret: rechecked {}, {} failed, {} given up, {} still queued; reports sent {}, queued {}",
        r.decided.len(),
        r.failed,
        r.given_up.len(),
        r.still_queued,
        r.reports_sent,
        r.reports_queued
    );
    Ok(0)
}

pub(crate) fn purge(a: StoreOnly) -> anyhow::Result<i32> {
    let f = a.store.open()?;
    let days = f.config().privacy.retain_days;
    let (cleared, deleted) = f.purge()?;
    eprintln!(
        "ferret: purged data older than {days} days: {cleared} as-submitted snapshot(s), {deleted} history event(s)"
    );
    Ok(0)
}

/// Options of `ferret history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// A check id, or your own comment id with --comment-id.
    pub id: String,
    /// The id is the comment id given to `ferret check`.
    #[arg(long)]
    pub comment_id: bool,
    /// The store.
    #[command(flatten)]
    pub store: StoreOpts,
}

pub(crate) fn history(a: HistoryArgs) -> anyhow::Result<i32> {
    let f = a.store.open()?;
    let (row, events) = f.history(target(&a.id, a.comment_id)?)?;
    println!(
        "{}",
        serde_json::json!({
            "check_id": row.check_id,
            "id": row.comment_id,
            "verdict": row.verdict,
            "source": row.source,
            "p_spam": row.p_spam,
            "reason": row.reason,
            "akismet_guid": row.akismet_guid,
            "learned": row.learned,
            "snapshot_kept": row.submitted.is_some(),
        })
    );
    for e in events {
        println!(
            "{}",
            serde_json::json!({"at": e.at, "event": e.kind, "detail": e.detail})
        );
    }
    Ok(0)
}

/// Options of `ferret retrain`.
#[derive(Debug, Args)]
pub struct RetrainArgs {
    /// Base corpus (labelled JSONL). Without it, the model the store started from is the base.
    pub base: Vec<PathBuf>,
    /// Treat the base corpus texts as raw e-mails.
    #[arg(long)]
    pub mail: bool,
    /// Also write the new model to this file.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The store.
    #[command(flatten)]
    pub store: StoreOpts,
}

pub(crate) fn retrain(a: RetrainArgs) -> anyhow::Result<i32> {
    let f = a.store.open()?;
    let base = if a.base.is_empty() {
        None
    } else {
        let cur = f.model();
        let mut m = Model::new(cur.feature_config(), cur.config());
        let mut fz = m.featurizer();
        let mut feats = Features::new();
        for ex in read_labelled(&a.base, a.mail)? {
            fz.featurize(&ex.comment, &mut feats);
            m.learn(&feats, ex.label)?;
        }
        Some(m)
    };
    let n = f.retrain(base)?;
    let m = f.model();
    if let Some(out) = &a.out {
        m.save(out)
            .with_context(|| format!("writing {}", out.display()))?;
    }
    eprintln!(
        "ferret: retrained: base plus {n} labelled comment(s) from the store; model holds {} ham + {} spam",
        m.docs(Label::Ham),
        m.docs(Label::Spam)
    );
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's `ferret.toml` block parses, and its values are what it says: the defaults,
    /// except the example blog and monthly limit.
    #[test]
    fn readme_ferret_toml_is_valid_and_shows_the_defaults() {
        let readme = include_str!("../../../README.md");
        let block = readme
            .split("```toml\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .expect("README.md has a ```toml block");
        let parsed: Config = toml::from_str(block).expect("README's ferret.toml parses");
        parsed.check().expect("README's ferret.toml is valid");
        let mut want = Config {
            model: Some(PathBuf::from("models/default.ferret")),
            ..Config::default()
        };
        want.akismet.blog = Some("https://example.org".into());
        want.budget.monthly_limit = Some(1000);
        assert_eq!(parsed, want);
        // The rules example parses too (its list file is only read when the rules are built).
        let rules = readme
            .split("```toml\n")
            .nth(2)
            .and_then(|rest| rest.split("```").next())
            .expect("README.md has a second ```toml block, the rules");
        let parsed: Config = toml::from_str(rules).expect("README's [rules] example parses");
        assert_eq!(parsed.rules.links.max_links, 2);
        assert!(parsed.rules.token.enabled);
    }
}

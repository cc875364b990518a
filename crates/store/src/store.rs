//! The [`Store`]: typed reads and writes over the schema in [`crate::migrations`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use crate::calendar::{day_key, month_key};
use crate::migrations::{latest, MIGRATIONS};
use crate::{Error, Result};

/// How hard commits try to reach the disk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// WAL + `synchronous=NORMAL`: survives the process dying at any point, not power loss.
    #[default]
    Normal,
    /// WAL + `synchronous=FULL`: every commit is fsynced.
    Full,
}

/// The Akismet endpoints the ledger records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `comment-check` (first checks and rechecks); these are what Akismet's plans count.
    CommentCheck,
    /// `submit-spam`.
    SubmitSpam,
    /// `submit-ham`.
    SubmitHam,
    /// `usage-limit`.
    UsageLimit,
}

impl Endpoint {
    /// The name stored in the ledger.
    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::CommentCheck => "comment-check",
            Endpoint::SubmitSpam => "submit-spam",
            Endpoint::SubmitHam => "submit-ham",
            Endpoint::UsageLimit => "usage-limit",
        }
    }

    /// Whether calls to this endpoint count against the monthly limit. Akismet's usage page
    /// defines an API call as the check made when a comment arrives.
    pub fn counted(self) -> bool {
        matches!(self, Endpoint::CommentCheck)
    }
}

/// Caps checked atomically when a call is reserved. Counted calls only; `None` means no cap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CallLimits {
    /// The plan's hard monthly limit.
    pub monthly: Option<u64>,
    /// Pacing: how many calls may have been made this month by now.
    pub paced: Option<u64>,
    /// Calls allowed today (UTC).
    pub daily: Option<u64>,
}

/// Why a call was not reserved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallRefused {
    /// The monthly limit is used up.
    MonthlyLimit {
        /// Calls made this month.
        used: u64,
        /// The limit.
        limit: u64,
    },
    /// Pacing: the month's allowance up to now is used.
    Paced {
        /// Calls made this month.
        used: u64,
        /// Allowed by now.
        allowed: u64,
    },
    /// Today's cap is used.
    Daily {
        /// Calls made today.
        used: u64,
        /// Today's cap.
        limit: u64,
    },
}

/// Counted calls so far in the current month and day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Budget {
    /// Counted calls this UTC month.
    pub month_used: u64,
    /// Counted calls this UTC day.
    pub day_used: u64,
}

/// One decision as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckRow {
    /// The router's id for this check.
    pub check_id: String,
    /// The caller's own id for the comment, if given.
    pub comment_id: Option<String>,
    /// When it was checked (unix seconds).
    pub created_at: i64,
    /// Last change (unix seconds).
    pub updated_at: i64,
    /// `spam`, `ham`, `held` or `discard`.
    pub verdict: String,
    /// `rule`, `model`, `akismet`, `fallback` or `moderator`.
    pub source: String,
    /// The model's P(spam).
    pub p_spam: f64,
    /// Why, in words.
    pub reason: String,
    /// Akismet's guid, if Akismet was asked.
    pub akismet_guid: Option<String>,
    /// The encoded features the model saw (kept after purge so relabels can unlearn).
    pub features: Vec<u8>,
    /// The label the model currently holds for this comment, if any.
    pub learned: Option<String>,
    /// How many times that label was learned (the Akismet-answer weight).
    pub learned_weight: u32,
    /// The as-submitted snapshot (JSON), until purged.
    pub submitted: Option<String>,
}

/// One history event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// The check it belongs to.
    pub check_id: String,
    /// When (unix seconds).
    pub at: i64,
    /// `check-ham`, `escalated`, `akismet-spam`, `held`, `recheck-ham`, `report-spam`, `learned`, …
    pub kind: String,
    /// Free text (never secrets).
    pub detail: String,
}

/// What a learn-log entry does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LearnOp {
    /// Add the features under the label.
    Learn,
    /// Remove them.
    Unlearn,
}

/// One durable model update.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LearnEntry {
    /// Position in the log (assigned on append; ignored when appending).
    pub seq: i64,
    /// When.
    pub at: i64,
    /// Which check.
    pub check_id: String,
    /// Learn or unlearn.
    pub op: LearnOp,
    /// `spam` or `ham`.
    pub label: String,
    /// Repetitions.
    pub weight: u32,
    /// Encoded features.
    pub features: Vec<u8>,
    /// `feedback`, `akismet` or `retrain`.
    pub origin: String,
}

/// A stored model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// The model includes every learn-log entry up to and including this sequence number.
    pub seq: i64,
    /// When it was written.
    pub at: i64,
    /// `seed` (the model the store started from), `snapshot` or `retrain`.
    pub kind: String,
    /// The model file's bytes.
    pub model: Vec<u8>,
}

/// A comment waiting to be rechecked with Akismet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecheckItem {
    /// The check.
    pub check_id: String,
    /// Not before (unix seconds).
    pub due_at: i64,
    /// Attempts so far.
    pub attempts: u32,
    /// When it was first queued.
    pub first_at: i64,
    /// Why it was queued (`error`, `circuit-open`, `pending`).
    pub reason: String,
}

/// A report (submit-spam / submit-ham) waiting to reach Akismet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxItem {
    /// Row id.
    pub id: i64,
    /// The check.
    pub check_id: String,
    /// `spam` or `ham`.
    pub label: String,
    /// When it was queued.
    pub created_at: i64,
    /// Not before.
    pub due_at: i64,
    /// Attempts so far.
    pub attempts: u32,
}

/// An author with approved comments, for the trusted-author rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovedAuthor {
    /// The author's key (16 bytes from `ferret_rules::AuthorKeys`, under this store's
    /// [`Store::author_secret`]).
    pub key: Vec<u8>,
    /// Approved comments.
    pub approved: u64,
    /// A key from before per-store secrets (`ferret_rules::Author::legacy_key`).
    pub legacy: bool,
}

/// Counts for `ferret stats`, over one UTC month.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    /// `YYYY-MM`.
    pub month: String,
    /// Counted Akismet calls.
    pub calls: u64,
    /// Calls to endpoints that do not count (reports).
    pub uncounted_calls: u64,
    /// Calls that failed.
    pub failed_calls: u64,
    /// Checks made.
    pub checks: u64,
    /// `(verdict, source, count)`.
    pub mix: Vec<(String, String, u64)>,
    /// Comments waiting for a recheck.
    pub recheck_queue: u64,
    /// Reports waiting to be sent.
    pub outbox: u64,
    /// Learn-log entries.
    pub learned: u64,
    /// Local-rule decisions this month: `(reason, count)`, most frequent first.
    pub rule_hits: Vec<(String, u64)>,
}

/// An open Ferret database. Not `Sync`: give each thread its own `Store` on the same file.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens or creates the database at `path` with [`Durability::Normal`].
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_with(path, Durability::Normal)
    }

    /// Opens or creates the database, applying missing migrations.
    pub fn open_with(path: &Path, durability: Durability) -> Result<Store> {
        let sq = sqlite_error(path);
        let conn = Connection::open(path).map_err(sq)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(sq)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sq)?;
        conn.pragma_update(
            None,
            "synchronous",
            match durability {
                Durability::Normal => "NORMAL",
                Durability::Full => "FULL",
            },
        )
        .map_err(sq)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(sq)?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.migrate()?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sq(&self) -> impl Fn(rusqlite::Error) -> Error + '_ {
        sqlite_error(&self.path)
    }

    fn reads(&self) -> Reads<'_> {
        Reads {
            conn: &self.conn,
            path: &self.path,
        }
    }

    fn migrate(&mut self) -> Result<()> {
        let path = self.path.clone();
        let sq = sqlite_error(&path);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sq)?;
        let has_table: bool = tx
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='ferret_migrations'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map_err(sq)?
            > 0;
        if !has_table {
            let tables: i64 = tx
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE type='table'",
                    [],
                    |r| r.get(0),
                )
                .map_err(sq)?;
            if tables > 0 {
                return Err(Error::Foreign { path });
            }
            tx.execute_batch(
                "CREATE TABLE ferret_migrations (
                    version INTEGER PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    checksum INTEGER NOT NULL,
                    applied_at INTEGER NOT NULL)",
            )
            .map_err(sq)?;
        }
        let applied: Vec<(u32, u32)> = {
            let mut st = tx
                .prepare("SELECT version, checksum FROM ferret_migrations ORDER BY version")
                .map_err(sq)?;
            let rows = st
                .query_map([], |r| Ok((r.get::<_, u32>(0)?, r.get::<_, u32>(1)?)))
                .map_err(sq)?;
            rows.collect::<std::result::Result<_, _>>().map_err(sq)?
        };
        for &(version, found) in &applied {
            let Some(m) = MIGRATIONS.iter().find(|m| m.version == version) else {
                return Err(Error::TooNew {
                    path,
                    found: applied.last().map_or(version, |a| a.0),
                    supported: latest(),
                });
            };
            if m.checksum() != found {
                return Err(Error::MigrationChanged {
                    path,
                    version,
                    name: m.name,
                    found,
                    expected: m.checksum(),
                });
            }
        }
        for m in MIGRATIONS {
            if applied.iter().any(|a| a.0 == m.version) {
                continue;
            }
            tx.execute_batch(m.sql).map_err(sq)?;
            tx.execute(
                "INSERT INTO ferret_migrations (version, name, checksum, applied_at)
                 VALUES (?1, ?2, ?3, strftime('%s','now'))",
                params![m.version, m.name, m.checksum()],
            )
            .map_err(sq)?;
        }
        tx.commit().map_err(sq)
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<u32> {
        self.conn
            .query_row(
                "SELECT coalesce(max(version), 0) FROM ferret_migrations",
                [],
                |r| r.get(0),
            )
            .map_err(self.sq())
    }

    /// Runs `f` inside one `BEGIN IMMEDIATE` transaction: all of its writes land, or none.
    pub fn write<T>(&mut self, f: impl FnOnce(&mut Writer<'_>) -> Result<T>) -> Result<T> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|source| Error::Sqlite {
                path: path.clone(),
                source,
            })?;
        let mut w = Writer { tx, path };
        let out = f(&mut w)?;
        let Writer { tx, path } = w;
        tx.commit()
            .map_err(|source| Error::Sqlite { path, source })?;
        Ok(out)
    }

    /// Reserves one call to `endpoint`: checks `limits` against the ledger and, if they allow it,
    /// records the call, all in one transaction. Returns the ledger row id, or why it was refused.
    /// Uncounted endpoints are recorded and never refused.
    pub fn reserve_call(
        &mut self,
        now: i64,
        endpoint: Endpoint,
        check_id: Option<&str>,
        limits: &CallLimits,
    ) -> Result<std::result::Result<i64, CallRefused>> {
        self.write(|w| w.reserve_call(now, endpoint, check_id, limits))
    }

    /// Records how a reserved call ended (`ok`, `error: …`); the count stays either way, because
    /// Akismet may have counted a call whose answer was lost.
    pub fn finish_call(&mut self, ledger_id: i64, outcome: &str) -> Result<()> {
        self.conn
            .execute(
                "UPDATE ledger SET outcome = ?1 WHERE id = ?2",
                params![outcome, ledger_id],
            )
            .map_err(self.sq())?;
        Ok(())
    }

    /// Counted calls in the month and day containing `now`.
    pub fn budget(&self, now: i64) -> Result<Budget> {
        let q = self.reads();
        Ok(Budget {
            month_used: q.used(&month_key(now))?,
            day_used: q.used(&day_key(now))?,
        })
    }

    /// Counted calls in the month containing `now`.
    pub fn calls_in_month(&self, now: i64) -> Result<u64> {
        Ok(self.budget(now)?.month_used)
    }

    /// Counted calls per UTC day (`YYYY-MM-DD`, count) in the month containing `now`.
    pub fn calls_per_day(&self, now: i64) -> Result<Vec<(String, u64)>> {
        self.reads().all(
            "SELECT day, count(*) FROM ledger WHERE month = ?1 AND counted = 1
                 GROUP BY day ORDER BY day",
            [month_key(now)],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)),
        )
    }

    /// Inserts checks and events in one transaction (the history writer's batch).
    pub fn insert_checks(&mut self, checks: &[CheckRow], events: &[Event]) -> Result<()> {
        self.write(|w| {
            for c in checks {
                w.insert_check(c)?;
            }
            for e in events {
                w.add_event(e)?;
            }
            Ok(())
        })
    }

    /// One check by its id.
    pub fn get_check(&self, check_id: &str) -> Result<Option<CheckRow>> {
        self.reads().get_check(check_id)
    }

    /// The latest check of the caller's comment id.
    pub fn find_by_comment_id(&self, comment_id: &str) -> Result<Option<CheckRow>> {
        self.conn
            .query_row(
                &format!(
                    "{CHECK_COLUMNS} WHERE comment_id = ?1 ORDER BY created_at DESC, rowid DESC LIMIT 1"
                ),
                [comment_id],
                check_from_row,
            )
            .optional()
            .map_err(self.sq())
    }

    /// A check's history, oldest first.
    pub fn history(&self, check_id: &str) -> Result<Vec<Event>> {
        self.reads().all(
            "SELECT check_id, at, kind, detail FROM events WHERE check_id = ?1 ORDER BY id",
            [check_id],
            |r| {
                Ok(Event {
                    check_id: r.get(0)?,
                    at: r.get(1)?,
                    kind: r.get(2)?,
                    detail: r.get(3)?,
                })
            },
        )
    }

    /// Up to `limit` rechecks due at `now`, oldest due first.
    pub fn due_rechecks(&self, now: i64, limit: usize) -> Result<Vec<RecheckItem>> {
        self.reads().all(
            "SELECT check_id, due_at, attempts, first_at, reason FROM recheck
                 WHERE due_at <= ?1 ORDER BY due_at, check_id LIMIT ?2",
            params![now, limit as i64],
            |r| {
                Ok(RecheckItem {
                    check_id: r.get(0)?,
                    due_at: r.get(1)?,
                    attempts: r.get(2)?,
                    first_at: r.get(3)?,
                    reason: r.get(4)?,
                })
            },
        )
    }

    /// Up to `limit` reports due at `now`.
    pub fn due_reports(&self, now: i64, limit: usize) -> Result<Vec<OutboxItem>> {
        self.reads().all(
            "SELECT id, check_id, label, created_at, due_at, attempts FROM outbox
                 WHERE due_at <= ?1 ORDER BY due_at, id LIMIT ?2",
            params![now, limit as i64],
            |r| {
                Ok(OutboxItem {
                    id: r.get(0)?,
                    check_id: r.get(1)?,
                    label: r.get(2)?,
                    created_at: r.get(3)?,
                    due_at: r.get(4)?,
                    attempts: r.get(5)?,
                })
            },
        )
    }

    /// Learn-log entries after `seq`, in order.
    pub fn learn_log_since(&self, seq: i64) -> Result<Vec<LearnEntry>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT seq, at, check_id, op, label, weight, features, origin FROM learn_log
                 WHERE seq > ?1 ORDER BY seq",
            )
            .map_err(self.sq())?;
        let rows = st
            .query_map([seq], |r| {
                let op: String = r.get(3)?;
                Ok(LearnEntry {
                    seq: r.get(0)?,
                    at: r.get(1)?,
                    check_id: r.get(2)?,
                    op: if op == "unlearn" {
                        LearnOp::Unlearn
                    } else {
                        LearnOp::Learn
                    },
                    label: r.get(4)?,
                    weight: r.get(5)?,
                    features: r.get(6)?,
                    origin: r.get(7)?,
                })
            })
            .map_err(self.sq())?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(self.sq())
    }

    /// The highest learn-log sequence number (0 when empty).
    pub fn max_seq(&self) -> Result<i64> {
        self.reads().max_seq()
    }

    /// Stores a model snapshot and keeps only the seed and the newest `keep` others.
    pub fn save_snapshot(&mut self, snap: &Snapshot, keep: usize) -> Result<()> {
        self.write(|w| {
            w.tx.execute(
                "INSERT INTO snapshots (seq, at, kind, model) VALUES (?1, ?2, ?3, ?4)",
                params![snap.seq, snap.at, snap.kind, snap.model],
            )
            .map_err(w.sq())?;
            w.tx.execute(
                "DELETE FROM snapshots WHERE kind != 'seed' AND id NOT IN
                 (SELECT id FROM snapshots WHERE kind != 'seed' ORDER BY id DESC LIMIT ?1)",
                [keep.max(1) as i64],
            )
            .map_err(w.sq())?;
            Ok(())
        })
    }

    /// The newest snapshot (any kind).
    pub fn latest_snapshot(&self) -> Result<Option<Snapshot>> {
        self.snapshot_where("1=1")
    }

    /// The seed snapshot: the model the store was created from.
    pub fn seed_snapshot(&self) -> Result<Option<Snapshot>> {
        self.snapshot_where("kind = 'seed'")
    }

    fn snapshot_where(&self, cond: &str) -> Result<Option<Snapshot>> {
        self.conn
            .query_row(
                &format!(
                    "SELECT seq, at, kind, model FROM snapshots WHERE {cond} ORDER BY id DESC LIMIT 1"
                ),
                [],
                |r| {
                    Ok(Snapshot {
                        seq: r.get(0)?,
                        at: r.get(1)?,
                        kind: r.get(2)?,
                        model: r.get(3)?,
                    })
                },
            )
            .optional()
            .map_err(self.sq())
    }

    /// Id and kind of the newest snapshot, without its bytes (cheap, for noticing a retrain).
    pub fn latest_snapshot_id(&self) -> Result<Option<(i64, String)>> {
        self.conn
            .query_row(
                "SELECT id, kind FROM snapshots ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(self.sq())
    }

    /// Every check the model currently holds a label for: `(features, label, weight)`.
    pub fn learned_checks(&self) -> Result<Vec<(Vec<u8>, String, u32)>> {
        self.reads().all(
            "SELECT features, learned, learned_weight FROM checks
             WHERE learned IS NOT NULL AND learned_weight > 0 ORDER BY created_at, rowid",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
    }

    /// Deletes as-submitted snapshots and history events older than `before`. Returns
    /// `(snapshots cleared, events deleted)`. Decisions, learned labels and the ledger stay.
    pub fn purge(&mut self, before: i64) -> Result<(u64, u64)> {
        self.write(|w| {
            let cleared =
                w.tx.execute(
                    "UPDATE checks SET submitted = NULL
                     WHERE submitted IS NOT NULL AND created_at < ?1
                       AND check_id NOT IN (SELECT check_id FROM recheck)
                       AND check_id NOT IN (SELECT check_id FROM outbox)",
                    [before],
                )
                .map_err(w.sq())?;
            let deleted =
                w.tx.execute("DELETE FROM events WHERE at < ?1", [before])
                    .map_err(w.sq())?;
            Ok((cleared as u64, deleted as u64))
        })
    }

    /// Usage and verdict mix for the month containing `now`.
    pub fn stats(&self, now: i64) -> Result<Stats> {
        let (start, end) = crate::calendar::month_bounds(now);
        let month = month_key(now);
        let q = |sql: &str| -> Result<u64> {
            self.conn
                .query_row(sql, params![month, start, end], |r| r.get::<_, i64>(0))
                .map(|v| v.max(0) as u64)
                .map_err(self.sq())
        };
        let calls = q("SELECT count(*) FROM ledger WHERE month = ?1 AND counted = 1 AND ?2 <= ?3")?;
        let uncounted =
            q("SELECT count(*) FROM ledger WHERE month = ?1 AND counted = 0 AND ?2 <= ?3")?;
        let failed = q(
            "SELECT count(*) FROM ledger WHERE month = ?1 AND outcome != 'ok' AND outcome != 'pending' AND ?2 <= ?3",
        )?;
        let checks = q(
            "SELECT count(*) FROM checks WHERE ?1 = ?1 AND created_at >= ?2 AND created_at < ?3",
        )?;
        let mix = self.reads().all(
            "SELECT verdict, source, count(*) FROM checks
                 WHERE created_at >= ?1 AND created_at < ?2 GROUP BY verdict, source
                 ORDER BY verdict, source",
            params![start, end],
            |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? as u64)),
        )?;
        let count = |sql: &str| -> Result<u64> {
            self.conn
                .query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|v| v.max(0) as u64)
                .map_err(self.sq())
        };
        Ok(Stats {
            month,
            calls,
            uncounted_calls: uncounted,
            failed_calls: failed,
            checks,
            mix,
            recheck_queue: count("SELECT count(*) FROM recheck")?,
            outbox: count("SELECT count(*) FROM outbox")?,
            learned: count("SELECT count(*) FROM learn_log")?,
            rule_hits: self.rule_hits(start, end)?,
        })
    }

    fn rule_hits(&self, start: i64, end: i64) -> Result<Vec<(String, u64)>> {
        let rows = self.reads().all(
            "SELECT reason, count(*) AS n FROM checks
                 WHERE source = 'rule' AND created_at >= ?1 AND created_at < ?2
                 GROUP BY reason ORDER BY n DESC, reason",
            params![start, end],
            |r| Ok((r.get(0)?, r.get::<_, i64>(1)?.max(0) as u64)),
        )?;
        Ok(rows)
    }

    /// Every approved author.
    pub fn approved_authors(&self) -> Result<Vec<ApprovedAuthor>> {
        let rows = self.reads().all(
            "SELECT key, approved, scheme FROM authors WHERE approved > 0 ORDER BY key",
            [],
            |r| {
                Ok(ApprovedAuthor {
                    key: r.get(0)?,
                    approved: r.get::<_, i64>(1)?.max(0) as u64,
                    legacy: r.get::<_, i64>(2)? == 1,
                })
            },
        )?;
        Ok(rows)
    }

    /// The secret this store's author keys are made with (`ferret_rules::AuthorKeys`): the
    /// one stored, or else `fresh`, stored now. Two processes opening a new store at once agree
    /// on the first one written.
    pub fn author_secret(&mut self, fresh: [u8; 16]) -> Result<[u8; 16]> {
        // Read first: only a new store pays for a write.
        let stored = match self.setting("author_secret")? {
            Some(s) => s,
            None => {
                let hex = format!("{:032x}", u128::from_be_bytes(fresh));
                self.conn
                    .execute(
                        "INSERT INTO settings (key, value) VALUES ('author_secret', ?1)
                         ON CONFLICT(key) DO NOTHING",
                        params![hex],
                    )
                    .map_err(self.sq())?;
                self.setting("author_secret")?.unwrap_or_default()
            }
        };
        // Exactly 32 hex digits (no sign, which `from_str_radix` would take).
        let hex = stored.len() == 32 && stored.bytes().all(|b| b.is_ascii_hexdigit());
        match u128::from_str_radix(&stored, 16) {
            Ok(v) if hex => Ok(v.to_be_bytes()),
            _ => Err(Error::Corrupt {
                path: self.path.clone(),
                what: "settings.author_secret (expected 32 hex digits)",
            }),
        }
    }

    /// A setting, if set.
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(self.sq())
    }

    /// Sets a setting.
    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map_err(self.sq())?;
        Ok(())
    }
}

const CHECK_COLUMNS: &str =
    "SELECT check_id, comment_id, created_at, updated_at, verdict, source, \
     p_spam, reason, akismet_guid, features, learned, learned_weight, submitted FROM checks";

fn check_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CheckRow> {
    Ok(CheckRow {
        check_id: r.get(0)?,
        comment_id: r.get(1)?,
        created_at: r.get(2)?,
        updated_at: r.get(3)?,
        verdict: r.get(4)?,
        source: r.get(5)?,
        p_spam: r.get(6)?,
        reason: r.get(7)?,
        akismet_guid: r.get(8)?,
        features: r.get(9)?,
        learned: r.get(10)?,
        learned_weight: r.get(11)?,
        submitted: r.get(12)?,
    })
}

fn sqlite_error(path: &Path) -> impl Fn(rusqlite::Error) -> Error + Copy + '_ {
    move |source| Error::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

/// The reads both a [`Store`] and a [`Writer`] offer: one implementation over the connection or
/// the open transaction.
struct Reads<'a> {
    conn: &'a Connection,
    path: &'a Path,
}

impl Reads<'_> {
    fn sq(&self) -> impl Fn(rusqlite::Error) -> Error + Copy + '_ {
        sqlite_error(self.path)
    }

    /// Every row of `sql`, each turned into a `T` by `row`.
    fn all<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        let mut st = self.conn.prepare_cached(sql).map_err(self.sq())?;
        let rows = st.query_map(params, row).map_err(self.sq())?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(self.sq())
    }

    /// Counted calls recorded for one budget period (a month or day key).
    fn used(&self, period: &str) -> Result<u64> {
        self.conn
            .query_row("SELECT used FROM budget WHERE period = ?1", [period], |r| {
                r.get::<_, i64>(0)
            })
            .optional()
            .map(|v| v.unwrap_or(0).max(0) as u64)
            .map_err(self.sq())
    }

    fn get_check(&self, check_id: &str) -> Result<Option<CheckRow>> {
        self.conn
            .query_row(
                &format!("{CHECK_COLUMNS} WHERE check_id = ?1"),
                [check_id],
                check_from_row,
            )
            .optional()
            .map_err(self.sq())
    }

    fn max_seq(&self) -> Result<i64> {
        self.conn
            .query_row("SELECT coalesce(max(seq), 0) FROM learn_log", [], |r| {
                r.get(0)
            })
            .map_err(self.sq())
    }
}

/// Writes inside one transaction; see [`Store::write`].
pub struct Writer<'c> {
    tx: Transaction<'c>,
    path: PathBuf,
}

impl std::fmt::Debug for Writer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").field("path", &self.path).finish()
    }
}

impl Writer<'_> {
    fn sq(&self) -> impl Fn(rusqlite::Error) -> Error + '_ {
        sqlite_error(&self.path)
    }

    fn reads(&self) -> Reads<'_> {
        Reads {
            conn: &self.tx,
            path: &self.path,
        }
    }

    /// See [`Store::reserve_call`].
    pub fn reserve_call(
        &mut self,
        now: i64,
        endpoint: Endpoint,
        check_id: Option<&str>,
        limits: &CallLimits,
    ) -> Result<std::result::Result<i64, CallRefused>> {
        let (month, day) = (month_key(now), day_key(now));
        if endpoint.counted() {
            let q = self.reads();
            let (m, d) = (q.used(&month)?, q.used(&day)?);
            if let Some(limit) = limits.monthly {
                if m >= limit {
                    return Ok(Err(CallRefused::MonthlyLimit { used: m, limit }));
                }
            }
            if let Some(allowed) = limits.paced {
                if m >= allowed {
                    return Ok(Err(CallRefused::Paced { used: m, allowed }));
                }
            }
            if let Some(limit) = limits.daily {
                if d >= limit {
                    return Ok(Err(CallRefused::Daily { used: d, limit }));
                }
            }
            for k in [&month, &day] {
                self.tx
                    .execute(
                        "INSERT INTO budget (period, used) VALUES (?1, 1)
                         ON CONFLICT(period) DO UPDATE SET used = used + 1",
                        [k],
                    )
                    .map_err(self.sq())?;
            }
        }
        self.tx
            .execute(
                "INSERT INTO ledger (at, month, day, endpoint, check_id, counted)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    now,
                    month,
                    day,
                    endpoint.as_str(),
                    check_id,
                    endpoint.counted()
                ],
            )
            .map_err(self.sq())?;
        Ok(Ok(self.tx.last_insert_rowid()))
    }

    /// Inserts a check (an existing id is replaced).
    pub fn insert_check(&mut self, c: &CheckRow) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT OR REPLACE INTO checks (check_id, comment_id, created_at, updated_at, verdict,
                   source, p_spam, reason, akismet_guid, features, learned, learned_weight, submitted)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    c.check_id,
                    c.comment_id,
                    c.created_at,
                    c.updated_at,
                    c.verdict,
                    c.source,
                    c.p_spam,
                    c.reason,
                    c.akismet_guid,
                    c.features,
                    c.learned,
                    c.learned_weight,
                    c.submitted
                ])
            })
            .map_err(self.sq())?;
        Ok(())
    }

    /// Changes a check's decision.
    pub fn update_decision(
        &mut self,
        check_id: &str,
        at: i64,
        verdict: &str,
        source: &str,
        reason: &str,
        akismet_guid: Option<&str>,
    ) -> Result<()> {
        self.tx
            .execute(
                "UPDATE checks SET updated_at = ?2, verdict = ?3, source = ?4, reason = ?5,
                   akismet_guid = coalesce(?6, akismet_guid) WHERE check_id = ?1",
                params![check_id, at, verdict, source, reason, akismet_guid],
            )
            .map_err(self.sq())?;
        Ok(())
    }

    /// Replaces a check's as-submitted snapshot.
    pub fn set_submitted(&mut self, check_id: &str, submitted: &str) -> Result<()> {
        self.tx
            .execute(
                "UPDATE checks SET submitted = ?2 WHERE check_id = ?1",
                params![check_id, submitted],
            )
            .map_err(self.sq())?;
        Ok(())
    }

    /// Appends a history event.
    pub fn add_event(&mut self, e: &Event) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO events (check_id, at, kind, detail) VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut st| st.execute(params![e.check_id, e.at, e.kind, e.detail]))
            .map_err(self.sq())?;
        Ok(())
    }

    /// Appends a learn-log entry and returns its sequence number.
    pub fn append_learn(&mut self, e: &LearnEntry) -> Result<i64> {
        self.tx
            .execute(
                "INSERT INTO learn_log (at, check_id, op, label, weight, features, origin)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    e.at,
                    e.check_id,
                    match e.op {
                        LearnOp::Learn => "learn",
                        LearnOp::Unlearn => "unlearn",
                    },
                    e.label,
                    e.weight,
                    e.features,
                    e.origin
                ],
            )
            .map_err(self.sq())?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Records which label (and weight) the model now holds for a check.
    pub fn set_learned(&mut self, check_id: &str, label: Option<&str>, weight: u32) -> Result<()> {
        self.tx
            .execute(
                "UPDATE checks SET learned = ?2, learned_weight = ?3 WHERE check_id = ?1",
                params![check_id, label, weight],
            )
            .map_err(self.sq())?;
        Ok(())
    }

    /// Queues (or re-queues) a recheck.
    pub fn enqueue_recheck(
        &mut self,
        check_id: &str,
        now: i64,
        due_at: i64,
        reason: &str,
    ) -> Result<()> {
        self.tx
            .execute(
                "INSERT INTO recheck (check_id, due_at, attempts, first_at, reason)
                 VALUES (?1, ?2, 0, ?3, ?4)
                 ON CONFLICT(check_id) DO UPDATE SET due_at = excluded.due_at, reason = excluded.reason",
                params![check_id, due_at, now, reason],
            )
            .map_err(self.sq())?;
        Ok(())
    }

    /// Moves a recheck to later after a failed attempt.
    pub fn reschedule_recheck(&mut self, check_id: &str, due_at: i64, attempts: u32) -> Result<()> {
        self.tx
            .execute(
                "UPDATE recheck SET due_at = ?2, attempts = ?3 WHERE check_id = ?1",
                params![check_id, due_at, attempts],
            )
            .map_err(self.sq())?;
        Ok(())
    }

    /// Takes a check off the recheck queue.
    pub fn remove_recheck(&mut self, check_id: &str) -> Result<()> {
        self.tx
            .execute("DELETE FROM recheck WHERE check_id = ?1", [check_id])
            .map_err(self.sq())?;
        Ok(())
    }

    /// Queues a report to Akismet.
    pub fn enqueue_report(&mut self, check_id: &str, label: &str, now: i64) -> Result<()> {
        self.tx
            .execute(
                "INSERT INTO outbox (check_id, label, created_at, due_at) VALUES (?1, ?2, ?3, ?3)",
                params![check_id, label, now],
            )
            .map_err(self.sq())?;
        Ok(())
    }

    /// Moves a report to later after a failed attempt.
    pub fn reschedule_report(&mut self, id: i64, due_at: i64, attempts: u32) -> Result<()> {
        self.tx
            .execute(
                "UPDATE outbox SET due_at = ?2, attempts = ?3 WHERE id = ?1",
                params![id, due_at, attempts],
            )
            .map_err(self.sq())?;
        Ok(())
    }

    /// Removes a sent (or abandoned) report.
    pub fn remove_report(&mut self, id: i64) -> Result<()> {
        self.tx
            .execute("DELETE FROM outbox WHERE id = ?1", [id])
            .map_err(self.sq())?;
        Ok(())
    }

    /// Deletes every snapshot except the seed (a retrain replaces them).
    pub fn clear_snapshots_except_seed(&mut self) -> Result<()> {
        self.tx
            .execute("DELETE FROM snapshots WHERE kind != 'seed'", [])
            .map_err(self.sq())?;
        Ok(())
    }

    /// Stores a snapshot inside this transaction.
    pub fn insert_snapshot(&mut self, snap: &Snapshot) -> Result<()> {
        self.tx
            .execute(
                "INSERT INTO snapshots (seq, at, kind, model) VALUES (?1, ?2, ?3, ?4)",
                params![snap.seq, snap.at, snap.kind, snap.model],
            )
            .map_err(self.sq())?;
        Ok(())
    }

    /// The highest learn-log sequence number, inside this transaction.
    pub fn max_seq(&self) -> Result<i64> {
        self.reads().max_seq()
    }

    /// Every check the model holds a label for, inside this transaction (see
    /// [`Store::learned_checks`]).
    pub fn learned_checks(&self) -> Result<Vec<(Vec<u8>, String, u32)>> {
        self.reads().all(
            "SELECT features, learned, learned_weight FROM checks
             WHERE learned IS NOT NULL AND learned_weight > 0 ORDER BY created_at, rowid",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
    }

    /// Raises this month's counted calls to at least `used` (Akismet's own figure, which includes
    /// other sites on the same key). Never lowers it.
    pub fn raise_month_used(&mut self, now: i64, used: u64) -> Result<()> {
        self.tx
            .execute(
                "INSERT INTO budget (period, used) VALUES (?1, ?2)
                 ON CONFLICT(period) DO UPDATE SET used = max(used, excluded.used)",
                params![month_key(now), used as i64],
            )
            .map_err(self.sq())?;
        Ok(())
    }

    /// Counts one more approved comment for an author (ham feedback) under `key`; returns the
    /// new count. A count the author still has under their `legacy` key (a row from before
    /// per-store keys) moves over with it.
    pub fn approve_author(&mut self, key: &[u8], legacy: Option<&[u8]>, now: i64) -> Result<u64> {
        let moved = match legacy {
            Some(old) => self
                .tx
                .query_row(
                    "DELETE FROM authors WHERE key = ?1 AND scheme = 1 RETURNING approved",
                    params![old],
                    |r| r.get::<_, i64>(0),
                )
                .optional()
                .map_err(self.sq())?
                .unwrap_or(0)
                .max(0),
            None => 0,
        };
        self.tx
            .query_row(
                "INSERT INTO authors (key, approved, updated_at, scheme) VALUES (?1, ?2, ?3, 2)
                 ON CONFLICT(key) DO UPDATE SET approved = approved + excluded.approved,
                     updated_at = excluded.updated_at, scheme = 2
                 RETURNING approved",
                params![key, 1 + moved, now],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n.max(0) as u64)
            .map_err(self.sq())
    }

    /// Forgets an author's approvals (spam feedback on one of their comments), under their key
    /// and their `legacy` one.
    pub fn revoke_author(&mut self, key: &[u8], legacy: Option<&[u8]>) -> Result<()> {
        self.tx
            .execute(
                "DELETE FROM authors WHERE key = ?1 OR (key = ?2 AND scheme = 1)",
                params![key, legacy],
            )
            .map_err(self.sq())?;
        Ok(())
    }

    /// Reads a check inside this transaction.
    pub fn get_check(&self, check_id: &str) -> Result<Option<CheckRow>> {
        self.reads().get_check(check_id)
    }
}

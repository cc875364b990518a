//! The schema as numbered, embedded migrations; each runs once, in its own transaction, and is
//! recorded with a checksum so a file made by a modified build is recognised.
//!
//! Never edit a released migration: add a new one. Each version has a fixture database under
//! `crates/store/tests/fixtures/` and a test that opens it with the current code.

/// One schema step.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Its number, from 1, without gaps.
    pub version: u32,
    /// A short name, recorded in the file.
    pub name: &'static str,
    /// The SQL, run as one batch inside a transaction.
    pub sql: &'static str,
}

impl Migration {
    /// CRC-32 of the SQL, stored beside the version.
    pub fn checksum(&self) -> u32 {
        crc32fast::hash(self.sql.as_bytes())
    }
}

/// Every migration, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sql: r#"
CREATE TABLE checks (
    check_id       TEXT PRIMARY KEY NOT NULL,
    comment_id     TEXT,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    verdict        TEXT NOT NULL,
    source         TEXT NOT NULL,
    p_spam         REAL NOT NULL,
    reason         TEXT NOT NULL,
    akismet_guid   TEXT,
    features       BLOB NOT NULL,
    learned        TEXT,
    learned_weight INTEGER NOT NULL DEFAULT 0,
    submitted      TEXT
);
CREATE INDEX checks_by_comment ON checks(comment_id) WHERE comment_id IS NOT NULL;
CREATE INDEX checks_by_time ON checks(created_at);

CREATE TABLE events (
    id       INTEGER PRIMARY KEY,
    check_id TEXT NOT NULL,
    at       INTEGER NOT NULL,
    kind     TEXT NOT NULL,
    detail   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_by_check ON events(check_id);
CREATE INDEX events_by_time ON events(at);

CREATE TABLE ledger (
    id       INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    month    TEXT NOT NULL,
    day      TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    check_id TEXT,
    counted  INTEGER NOT NULL,
    outcome  TEXT NOT NULL DEFAULT 'pending'
);
CREATE INDEX ledger_by_month ON ledger(month);

CREATE TABLE budget (
    period TEXT PRIMARY KEY NOT NULL,
    used   INTEGER NOT NULL
);

CREATE TABLE recheck (
    check_id TEXT PRIMARY KEY NOT NULL,
    due_at   INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    first_at INTEGER NOT NULL,
    reason   TEXT NOT NULL
);
CREATE INDEX recheck_by_due ON recheck(due_at);

CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    check_id   TEXT NOT NULL,
    label      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    due_at     INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE learn_log (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    at       INTEGER NOT NULL,
    check_id TEXT NOT NULL,
    op       TEXT NOT NULL,
    label    TEXT NOT NULL,
    weight   INTEGER NOT NULL,
    features BLOB NOT NULL,
    origin   TEXT NOT NULL
);

CREATE TABLE snapshots (
    id    INTEGER PRIMARY KEY,
    seq   INTEGER NOT NULL,
    at    INTEGER NOT NULL,
    kind  TEXT NOT NULL,
    model BLOB NOT NULL
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
"#,
    },
    Migration {
        version: 2,
        name: "approved authors",
        sql: r#"
-- Commenters a moderator approved, for the trusted-author rule. The key is a 16-byte digest of
-- e-mail, name and URL (ferret_rules::AuthorKey), so no personal data is kept here.
CREATE TABLE authors (
    key        BLOB PRIMARY KEY NOT NULL,
    approved   INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
"#,
    },
    Migration {
        version: 3,
        name: "per-store author keys",
        sql: r#"
-- Author keys are now keyed by a secret of this store (settings 'author_secret'). Rows written
-- before are SHA-256 keys, the same on every install: they stay as legacy keys (scheme 1),
-- still looked up, and move under the new key (scheme 2) with their author's next ham feedback.
ALTER TABLE authors ADD COLUMN scheme INTEGER NOT NULL DEFAULT 1;
"#,
    },
];

/// The newest schema version this build knows.
pub fn latest() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_from_one_without_gaps() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version as usize, i + 1, "migration {}", m.name);
        }
    }

    /// Guards against editing a released migration: its checksum is pinned here when released.
    #[test]
    fn released_migrations_unchanged() {
        let pinned: &[(u32, u32)] = &[(1, 0x7c0bc577), (2, 0x8f14c7ad), (3, 0xb4574a41)];
        for &(v, sum) in pinned {
            assert_eq!(MIGRATIONS[v as usize - 1].checksum(), sum);
        }
    }
}

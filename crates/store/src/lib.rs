//! Ferret's memory: one SQLite file (WAL) holding every check, its history, the feedback log the
//! model is rebuilt from, model snapshots, the Akismet call ledger and the recheck and report queues.
//!
//! The router (`ferret-router`) is the only writer in normal use; this crate knows rows, not
//! models: features and models arrive as bytes, times as unix seconds (UTC).
//!
//! - [`Store::open`] opens or creates the file, sets WAL mode and applies the numbered,
//!   embedded [`migrations`]; a changed, unknown or newer migration is an [`Error`], never a guess.
//! - [`Store::reserve_call`] is the budget: it counts an Akismet call *before* it is made, inside
//!   one `BEGIN IMMEDIATE` transaction, so the monthly limit holds across threads, processes and
//!   restarts.
//! - [`Store::insert_checks`] writes a batch of [`CheckRow`]s and their [`Event`]s in one transaction.
//! - [`Writer::append_learn`] logs a model update durably; [`Store::learn_log_since`] replays it on top
//!   of the latest [`Store::latest_snapshot`].
//!
//! ```
//! use ferret_store::{CallLimits, Endpoint, Store};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let mut store = Store::open(&dir.path().join("ferret.db")).unwrap();
//! let limits = CallLimits { monthly: Some(2), ..CallLimits::default() };
//! let now = 1_767_225_600; // 2026-01-01T00:00:00Z
//! assert!(store.reserve_call(now, Endpoint::CommentCheck, None, &limits).unwrap().is_ok());
//! assert!(store.reserve_call(now, Endpoint::CommentCheck, None, &limits).unwrap().is_ok());
//! // The third call this month is refused before it is made.
//! assert!(store.reserve_call(now, Endpoint::CommentCheck, None, &limits).unwrap().is_err());
//! assert_eq!(store.calls_in_month(now).unwrap(), 2);
//! ```
//!
//! # Durability
//! WAL with `synchronous=NORMAL`: a committed transaction survives the process being killed at any
//! point (kill -9); only an operating-system crash or power loss can lose the last commits. Set
//! [`Durability::Full`] when that matters more than write speed.
#![deny(missing_docs)]

mod calendar;
pub mod migrations;
mod store;

pub use calendar::{civil_from_unix, day_key, month_bounds, month_key};
pub use store::{
    ApprovedAuthor, Budget, CallLimits, CallRefused, CheckRow, Durability, Endpoint, Event,
    LearnEntry, LearnOp, OutboxItem, RecheckItem, Snapshot, Stats, Store, Writer,
};

use std::path::PathBuf;

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// SQLite itself failed (I/O, locking, corruption, constraint).
    #[error("database {path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// The database was written by a newer Ferret.
    #[error(
        "database {path} has schema version {found}, this Ferret knows up to {supported}; \
         upgrade Ferret or use another database file"
    )]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// The newest migration recorded in the file.
        found: u32,
        /// The newest migration this build knows.
        supported: u32,
    },
    /// A migration recorded in the file differs from the one built in.
    #[error(
        "database {path}: migration {version} ({name}) was applied with different contents \
         (checksum {found:08x}, expected {expected:08x}); the file was made by a modified build"
    )]
    MigrationChanged {
        /// The database file.
        path: PathBuf,
        /// Migration number.
        version: u32,
        /// Migration name.
        name: &'static str,
        /// Checksum stored in the file.
        found: u32,
        /// Checksum of the built-in migration.
        expected: u32,
    },
    /// The file is not a Ferret database (it has tables but no migration record).
    #[error("{path} is not a Ferret database (it has tables, but no ferret_migrations)")]
    Foreign {
        /// The file.
        path: PathBuf,
    },
    /// A stored value could not be decoded.
    #[error("database {path}: corrupt {what}")]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What was being read.
        what: &'static str,
    },
}

/// Result with the store's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

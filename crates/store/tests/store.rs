//! The store against real SQLite files: schema fixtures, refusal of foreign or newer files, and
//! the ledger's limit under concurrent writers.

use std::path::{Path, PathBuf};

use ferret_store::{ApprovedAuthor, CallLimits, CheckRow, Endpoint, Error, Event, Store};

const JAN_2026: i64 = 1_767_225_600;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn row(id: &str, at: i64) -> CheckRow {
    CheckRow {
        check_id: id.into(),
        comment_id: Some(format!("c-{id}")),
        created_at: at,
        updated_at: at,
        verdict: "ham".into(),
        source: "model".into(),
        p_spam: 0.01,
        reason: "model confident".into(),
        akismet_guid: None,
        features: vec![1, 3, 1],
        learned: None,
        learned_weight: 0,
        submitted: Some(r#"{"comment_content":"hello"}"#.into()),
    }
}

/// Writes the fixture for the current schema version. Run by hand when adding a migration:
/// `cargo test -p ferret-store --test store -- --ignored write_fixture`.
#[test]
#[ignore]
fn write_fixture() {
    let v = ferret_store::migrations::latest();
    let path = fixture(&format!("v{v}.db"));
    let _ = std::fs::remove_file(&path);
    let mut s = Store::open(&path).unwrap();
    s.insert_checks(
        &[row("00000000000000000000000000000001", JAN_2026)],
        &[Event {
            check_id: "00000000000000000000000000000001".into(),
            at: JAN_2026,
            kind: "check-ham".into(),
            detail: "p_spam 0.0100".into(),
        }],
    )
    .unwrap();
    s.reserve_call(
        JAN_2026,
        Endpoint::CommentCheck,
        None,
        &CallLimits::default(),
    )
    .unwrap()
    .unwrap();
    s.write(|w| w.approve_author(&[7u8; 16], None, JAN_2026))
        .unwrap();
    s.author_secret([9u8; 16]).unwrap();
    // Fold the WAL into the file so the fixture is one self-contained file.
    drop(s);
    let c = rusqlite_checkpoint(&path);
    assert!(c);
}

/// A copy of a fixture in `dir` (as `copy`), opened with the current code.
fn open_copy(dir: &Path, name: &str, copy: &str) -> Store {
    let path = dir.join(copy);
    std::fs::copy(fixture(name), &path).unwrap();
    Store::open(&path).unwrap()
}

fn rusqlite_checkpoint(path: &Path) -> bool {
    // Re-opening and closing the last connection checkpoints and removes the WAL.
    drop(Store::open(path).unwrap());
    !path.with_extension("db-wal").exists()
}

#[test]
fn opens_the_v1_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let s = open_copy(dir.path(), "v1.db", "v1.db");
    assert_eq!(
        s.schema_version().unwrap(),
        ferret_store::migrations::latest()
    );
    let r = s
        .get_check("00000000000000000000000000000001")
        .unwrap()
        .unwrap();
    assert_eq!(r, row("00000000000000000000000000000001", JAN_2026));
    assert_eq!(s.history(&r.check_id).unwrap().len(), 1);
    assert_eq!(s.calls_in_month(JAN_2026).unwrap(), 1);
}

fn author(key: u8, approved: u64, legacy: bool) -> ApprovedAuthor {
    ApprovedAuthor {
        key: vec![key; 16],
        approved,
        legacy,
    }
}

#[test]
fn opens_the_v2_fixture_and_moves_legacy_authors_to_new_keys() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open_copy(dir.path(), "v2.db", "v2.db");
    // The v2 row is a legacy (SHA-256) key, still there to be looked up.
    assert_eq!(s.approved_authors().unwrap(), vec![author(7, 1, true)]);
    // Ham feedback under the new key moves the legacy count over.
    assert_eq!(
        s.write(|w| w.approve_author(&[8u8; 16], Some(&[7u8; 16][..]), JAN_2026))
            .unwrap(),
        2
    );
    assert_eq!(s.approved_authors().unwrap(), vec![author(8, 2, false)]);
    assert_eq!(
        s.write(|w| w.approve_author(&[8u8; 16], Some(&[7u8; 16][..]), JAN_2026))
            .unwrap(),
        3
    );
    s.write(|w| w.revoke_author(&[8u8; 16], Some(&[7u8; 16][..])))
        .unwrap();
    assert!(s.approved_authors().unwrap().is_empty());
    // Spam feedback forgets the legacy count too.
    let mut s = open_copy(dir.path(), "v2.db", "again.db");
    s.write(|w| w.revoke_author(&[8u8; 16], Some(&[7u8; 16][..])))
        .unwrap();
    assert!(s.approved_authors().unwrap().is_empty());
    // A v1 file gains the table on open and starts with no approved authors.
    let mut s = open_copy(dir.path(), "v1.db", "v1.db");
    assert!(s.approved_authors().unwrap().is_empty());
    assert_eq!(
        s.write(|w| w.approve_author(&[1u8; 16], None, JAN_2026))
            .unwrap(),
        1
    );
    assert_eq!(s.approved_authors().unwrap(), vec![author(1, 1, false)]);
}

#[test]
fn opens_the_v3_fixture_with_its_author_secret() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open_copy(dir.path(), "v3.db", "v3.db");
    assert_eq!(s.approved_authors().unwrap(), vec![author(7, 1, false)]);
    assert_eq!(s.author_secret([0u8; 16]).unwrap(), [9u8; 16]);
}

#[test]
fn the_author_secret_is_made_once_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let mut s = Store::open(&path).unwrap();
    assert_eq!(s.author_secret([1u8; 16]).unwrap(), [1u8; 16]);
    assert_eq!(s.author_secret([2u8; 16]).unwrap(), [1u8; 16]);
    drop(s);
    let mut s = Store::open(&path).unwrap();
    assert_eq!(s.author_secret([3u8; 16]).unwrap(), [1u8; 16]);
    // A damaged value is an error that names it, never a new secret.
    s.set_setting("author_secret", "0123").unwrap();
    let e = s.author_secret([3u8; 16]).unwrap_err().to_string();
    assert!(e.contains("settings.author_secret"), "{e}");
    s.set_setting("author_secret", &"zz".repeat(16)).unwrap();
    assert!(s.author_secret([3u8; 16]).is_err());
}

#[test]
fn refuses_foreign_newer_and_modified_databases() {
    let dir = tempfile::tempdir().unwrap();
    // A SQLite file from some other application.
    let foreign = dir.path().join("other.db");
    {
        let c = rusqlite::Connection::open(&foreign).unwrap();
        c.execute_batch("CREATE TABLE posts (id INTEGER)").unwrap();
    }
    let e = Store::open(&foreign).unwrap_err();
    assert!(matches!(e, Error::Foreign { .. }), "{e}");
    assert!(e.to_string().contains("other.db"));

    // A file from a newer Ferret.
    let newer = dir.path().join("newer.db");
    drop(Store::open(&newer).unwrap());
    {
        let c = rusqlite::Connection::open(&newer).unwrap();
        c.execute(
            "INSERT INTO ferret_migrations VALUES (99, 'future', 0, 0)",
            [],
        )
        .unwrap();
    }
    let e = Store::open(&newer).unwrap_err();
    assert!(matches!(e, Error::TooNew { found: 99, .. }), "{e}");
    assert!(e.to_string().contains("upgrade Ferret"), "{e}");

    // A file whose migration 1 was applied by a modified build.
    let changed = dir.path().join("changed.db");
    drop(Store::open(&changed).unwrap());
    {
        let c = rusqlite::Connection::open(&changed).unwrap();
        c.execute(
            "UPDATE ferret_migrations SET checksum = 1 WHERE version = 1",
            [],
        )
        .unwrap();
    }
    let e = Store::open(&changed).unwrap_err();
    assert!(
        matches!(e, Error::MigrationChanged { version: 1, .. }),
        "{e}"
    );

    // Not a database at all.
    let junk = dir.path().join("junk.db");
    std::fs::write(
        &junk,
        b"this is not sqlite, just text that is long enough to matter....",
    )
    .unwrap();
    let e = Store::open(&junk).unwrap_err();
    assert!(e.to_string().contains("junk.db"), "{e}");
}

#[test]
fn ledger_limit_holds_across_connections_and_threads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ferret.db");
    drop(Store::open(&path).unwrap());
    let limits = CallLimits {
        monthly: Some(100),
        ..CallLimits::default()
    };
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut s = Store::open(&path).unwrap();
                let mut got = 0;
                for _ in 0..50 {
                    if s.reserve_call(JAN_2026, Endpoint::CommentCheck, None, &limits)
                        .unwrap()
                        .is_ok()
                    {
                        got += 1;
                    }
                }
                got
            })
        })
        .collect();
    let total: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(total, 100);
    let s = Store::open(&path).unwrap();
    assert_eq!(s.calls_in_month(JAN_2026).unwrap(), 100);
    // A new month starts from zero; reports are recorded but never counted or refused.
    let mut s = s;
    let feb = JAN_2026 + 31 * 86_400;
    assert!(s
        .reserve_call(feb, Endpoint::CommentCheck, None, &limits)
        .unwrap()
        .is_ok());
    assert!(s
        .reserve_call(JAN_2026, Endpoint::SubmitSpam, None, &limits)
        .unwrap()
        .is_ok());
    assert_eq!(s.calls_in_month(feb).unwrap(), 1);
    assert_eq!(s.stats(JAN_2026).unwrap().uncounted_calls, 1);
}

#[test]
fn purge_clears_snapshots_and_old_events_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&dir.path().join("f.db")).unwrap();
    let old = row("00000000000000000000000000000001", JAN_2026);
    let new = row("00000000000000000000000000000002", JAN_2026 + 20 * 86_400);
    let ev = |r: &CheckRow| Event {
        check_id: r.check_id.clone(),
        at: r.created_at,
        kind: "check-ham".into(),
        detail: String::new(),
    };
    s.insert_checks(&[old.clone(), new.clone()], &[ev(&old), ev(&new)])
        .unwrap();
    let (cleared, deleted) = s.purge(JAN_2026 + 5 * 86_400).unwrap();
    assert_eq!((cleared, deleted), (1, 1));
    let o = s.get_check(&old.check_id).unwrap().unwrap();
    assert_eq!(o.submitted, None);
    assert_eq!(
        o.features, old.features,
        "features stay so relabels still work"
    );
    assert!(s.history(&old.check_id).unwrap().is_empty());
    assert_eq!(
        s.get_check(&new.check_id).unwrap().unwrap().submitted,
        new.submitted
    );
}

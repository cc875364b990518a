//! The history writer: confident decisions are recorded by a background thread in batched
//! transactions, so the caller's thread never waits for SQLite on the common path.
//!
//! Callers append to a shared buffer under a briefly held mutex; the writer is woken only when a
//! batch is full, on a flush, or by its own timer (every 20 ms while records wait), never once per
//! record: a wake-up per comment (a futex syscall) would cost more than scoring it. The buffer is
//! bounded; when the writer falls behind, callers wait (back-pressure, flat memory).

use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use ferret_features::{Comment, FeatureConfig, Features, Featurizer};
use ferret_store::{CheckRow, Durability, Event, Store};

use crate::codec;
use crate::decision::{CheckId, Reason, Source, Verdict};

/// A confident decision to record.
pub(crate) struct Record {
    pub check_id: CheckId,
    pub comment_id: Option<String>,
    pub comment: Comment,
    pub p_spam: f64,
    pub verdict: Verdict,
    pub source: Source,
    pub reason: Reason,
    /// What a rule matched (`Source::Rule` only).
    pub detail: Option<String>,
    pub at: i64,
}

/// Records that wake the writer at once.
const BATCH: usize = 2048;
/// Records that may wait before callers block.
const CAPACITY: usize = 16_384;
/// How long records may wait for a batch to fill.
const LINGER: Duration = Duration::from_millis(20);

#[derive(Default)]
struct Buf {
    items: Vec<Record>,
    flush_requested: u64,
    flushed: u64,
    closed: bool,
    error: Option<String>,
}

#[derive(Default)]
struct Shared {
    buf: Mutex<Buf>,
    /// Wakes the writer.
    work: Condvar,
    /// Wakes callers waiting for room or for a flush.
    done: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Buf> {
        self.buf.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub(crate) struct HistoryWriter {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl HistoryWriter {
    pub fn start(path: &Path, durability: Durability, fc: FeatureConfig) -> crate::Result<Self> {
        let store = Store::open_with(path, durability)?;
        let shared = Arc::new(Shared::default());
        let s2 = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("ferret-history".into())
            .spawn(move || run(store, s2, fc))
            .map_err(|e| crate::Error::Thread(e.to_string()))?;
        Ok(HistoryWriter {
            shared,
            thread: Some(thread),
        })
    }

    pub fn record(&self, r: Record) {
        let mut b = self.shared.lock();
        while b.items.len() >= CAPACITY && !b.closed {
            self.shared.work.notify_one();
            b = self.shared.done.wait(b).unwrap_or_else(|e| e.into_inner());
        }
        b.items.push(r);
        if b.items.len() == BATCH || b.items.len() == 1 {
            // The first record starts the writer's linger timer; a full batch goes at once.
            self.shared.work.notify_one();
        }
    }

    /// Waits until everything recorded so far is committed; reports the last write error.
    pub fn flush(&self) -> crate::Result<()> {
        let mut b = self.shared.lock();
        b.flush_requested += 1;
        let target = b.flush_requested;
        self.shared.work.notify_one();
        while b.flushed < target && !b.closed {
            b = self.shared.done.wait(b).unwrap_or_else(|e| e.into_inner());
        }
        match b.error.take() {
            Some(e) => Err(crate::Error::History(e)),
            None => Ok(()),
        }
    }
}

impl Drop for HistoryWriter {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.work.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(mut store: Store, shared: Arc<Shared>, fc: FeatureConfig) {
    let mut fz = Featurizer::new(fc);
    let mut f = Features::new();
    let mut rows: Vec<CheckRow> = Vec::new();
    let mut events: Vec<Event> = Vec::new();
    let mut spare: Vec<Record> = Vec::new();
    loop {
        let (mut batch, target, closed) = {
            let mut b = shared.lock();
            loop {
                let flush = b.flush_requested > b.flushed;
                if b.closed || flush || b.items.len() >= BATCH {
                    break;
                }
                if b.items.is_empty() {
                    b = shared.work.wait(b).unwrap_or_else(|e| e.into_inner());
                } else {
                    let (g, timeout) = shared
                        .work
                        .wait_timeout(b, LINGER)
                        .unwrap_or_else(|e| e.into_inner());
                    b = g;
                    if timeout.timed_out() {
                        break;
                    }
                }
            }
            let batch = std::mem::replace(&mut b.items, std::mem::take(&mut spare));
            // Room was made: wake callers waiting on a full buffer.
            shared.done.notify_all();
            (batch, b.flush_requested, b.closed)
        };
        for r in batch.drain(..) {
            fz.featurize(&r.comment, &mut f);
            let id = r.check_id.to_string();
            if let Some(detail) = r.detail {
                events.push(Event {
                    check_id: id.clone(),
                    at: r.at,
                    kind: "rule".to_owned(),
                    detail,
                });
            }
            events.push(Event {
                check_id: id.clone(),
                at: r.at,
                kind: format!("check-{}", r.verdict.as_str()),
                detail: format!("p_spam {:.4}", r.p_spam),
            });
            rows.push(CheckRow {
                check_id: id,
                comment_id: r.comment_id,
                created_at: r.at,
                updated_at: r.at,
                verdict: r.verdict.as_str().to_owned(),
                source: r.source.as_str().to_owned(),
                p_spam: r.p_spam,
                reason: r.reason.to_string(),
                akismet_guid: None,
                features: codec::encode(&f),
                learned: None,
                learned_weight: 0,
                submitted: serde_json::to_string(&r.comment).ok(),
            });
        }
        spare = batch;
        let result = if rows.is_empty() {
            Ok(())
        } else {
            store.insert_checks(&rows, &events)
        };
        rows.clear();
        events.clear();
        let mut b = shared.lock();
        if let Err(e) = result {
            b.error = Some(e.to_string());
        }
        b.flushed = b.flushed.max(target);
        shared.done.notify_all();
        if closed && b.items.is_empty() {
            return;
        }
    }
}

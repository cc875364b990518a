//! The history writer: confident decisions are recorded by a background thread in batched
//! transactions, so the caller's thread never waits for SQLite on the common path.

use std::path::Path;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use ferret_features::{Comment, FeatureConfig, Features, Featurizer};
use ferret_store::{CheckRow, Durability, Event, Store};

use crate::codec;
use crate::decision::{CheckId, Verdict};

/// A confident decision to record.
pub(crate) struct Record {
    pub check_id: CheckId,
    pub comment_id: Option<String>,
    pub comment: Comment,
    pub p_spam: f64,
    pub verdict: Verdict,
    pub at: i64,
}

enum Msg {
    Record(Box<Record>),
    Flush(SyncSender<()>),
}

/// Most records written per transaction.
const BATCH: usize = 4096;
/// Records that may wait in the channel before `check` blocks (back-pressure, bounded memory).
const QUEUE: usize = 16_384;

pub(crate) struct HistoryWriter {
    tx: Option<SyncSender<Msg>>,
    thread: Option<JoinHandle<()>>,
    /// The last write error, reported by the next flush.
    error: Arc<Mutex<Option<String>>>,
}

impl HistoryWriter {
    pub fn start(path: &Path, durability: Durability, fc: FeatureConfig) -> crate::Result<Self> {
        let store = Store::open_with(path, durability)?;
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let error = Arc::new(Mutex::new(None));
        let err2 = Arc::clone(&error);
        let thread = std::thread::Builder::new()
            .name("ferret-history".into())
            .spawn(move || run(store, rx, fc, err2))
            .map_err(|e| crate::Error::Thread(e.to_string()))?;
        Ok(HistoryWriter {
            tx: Some(tx),
            thread: Some(thread),
            error,
        })
    }

    pub fn record(&self, r: Record) {
        if let Some(tx) = &self.tx {
            match tx.try_send(Msg::Record(Box::new(r))) {
                Ok(()) => {}
                Err(TrySendError::Full(m)) => {
                    let _ = tx.send(m);
                }
                Err(TrySendError::Disconnected(_)) => {}
            }
        }
    }

    /// Waits until everything sent so far is committed; reports the last write error.
    pub fn flush(&self) -> crate::Result<()> {
        if let Some(tx) = &self.tx {
            let (done_tx, done_rx) = mpsc::sync_channel(1);
            if tx.send(Msg::Flush(done_tx)).is_ok() {
                let _ = done_rx.recv();
            }
        }
        match self.error.lock().unwrap_or_else(|e| e.into_inner()).take() {
            Some(e) => Err(crate::Error::History(e)),
            None => Ok(()),
        }
    }
}

impl Drop for HistoryWriter {
    fn drop(&mut self) {
        drop(self.tx.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(mut store: Store, rx: Receiver<Msg>, fc: FeatureConfig, error: Arc<Mutex<Option<String>>>) {
    let mut fz = Featurizer::new(fc);
    let mut f = Features::new();
    let mut rows: Vec<CheckRow> = Vec::new();
    let mut events: Vec<Event> = Vec::new();
    let mut waiting: Vec<SyncSender<()>> = Vec::new();
    while let Ok(first) = rx.recv() {
        let mut next = Some(first);
        while let Some(msg) = next.take() {
            match msg {
                Msg::Record(r) => {
                    fz.featurize(&r.comment, &mut f);
                    let id = r.check_id.to_string();
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
                        source: "model".to_owned(),
                        p_spam: r.p_spam,
                        reason: crate::Reason::Confident.to_string(),
                        akismet_guid: None,
                        features: codec::encode(&f),
                        learned: None,
                        learned_weight: 0,
                        submitted: serde_json::to_string(&r.comment).ok(),
                    });
                }
                Msg::Flush(done) => waiting.push(done),
            }
            if rows.len() < BATCH {
                next = rx.try_recv().ok();
            }
        }
        if !rows.is_empty() {
            if let Err(e) = store.insert_checks(&rows, &events) {
                *error.lock().unwrap_or_else(|e| e.into_inner()) = Some(e.to_string());
            }
            rows.clear();
            events.clear();
        }
        for w in waiting.drain(..) {
            let _ = w.send(());
        }
    }
}

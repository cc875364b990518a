//! Evaluation metrics: linfa's confusion matrix and ROC/AUC, and the escalation share.

use linfa::prelude::{BinaryClassification, Pr, ToConfusionMatrix};
use ndarray::Array1;

/// One scored, labelled comment.
#[derive(Clone, Copy, Debug)]
pub struct Scored {
    /// The ranking key (log-odds: finer than P(spam) where P rounds to 0 or 1).
    pub log_odds: f64,
    /// P(spam).
    pub p_spam: f64,
    /// The true label.
    pub spam: bool,
}

/// Precision, recall, F1 and accuracy with spam as the positive class.
#[derive(Clone, Copy, Debug)]
pub struct Binary {
    /// Share of all comments classified correctly.
    pub accuracy: f64,
    /// Of comments called spam, the share that is spam.
    pub precision: f64,
    /// Of spam, the share called spam.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
}

/// Two-way metrics at `p_spam >= threshold`, through linfa's confusion matrix.
pub fn binary(items: &[Scored], threshold: f64) -> Binary {
    let pred: Array1<bool> = items.iter().map(|s| s.p_spam >= threshold).collect();
    let truth: Array1<bool> = items.iter().map(|s| s.spam).collect();
    // linfa's matrix is 2x2 only when both labels occur among predictions and truth.
    let both =
        pred.iter().chain(truth.iter()).any(|&b| b) && pred.iter().chain(truth.iter()).any(|&b| !b);
    match pred.confusion_matrix(&truth) {
        Ok(cm) if both => Binary {
            accuracy: f64::from(cm.accuracy()),
            precision: nan0(cm.precision()),
            recall: nan0(cm.recall()),
            f1: nan0(cm.f1_score()),
        },
        // Only one class among predictions and truth, and they agree: all correct.
        _ => {
            let acc = items
                .iter()
                .filter(|s| (s.p_spam >= threshold) == s.spam)
                .count() as f64
                / items.len().max(1) as f64;
            Binary {
                accuracy: acc,
                precision: 0.0,
                recall: 0.0,
                f1: 0.0,
            }
        }
    }
}

fn nan0(x: f32) -> f64 {
    if x.is_nan() {
        0.0
    } else {
        f64::from(x)
    }
}

/// ROC AUC via linfa. linfa takes f32 probabilities, which would merge near-certain scores into ties,
/// so each score is replaced by its rank (ties keep equal ranks): the AUC depends on order only.
pub fn auc(items: &[Scored]) -> f64 {
    let order = sorted(items);
    let n = items.len().max(1) as f32;
    let mut ranks = vec![0f32; items.len()];
    let mut rank = 0usize;
    for (k, &i) in order.iter().enumerate() {
        if k > 0 && items[i].log_odds != items[order[k - 1]].log_odds {
            rank = k;
        }
        ranks[i] = rank as f32 / n;
    }
    let pr: Array1<Pr> = ranks.into_iter().map(Pr::new).collect();
    let truth: Vec<bool> = items.iter().map(|s| s.spam).collect();
    pr.roc(truth.as_slice())
        .map(|r| f64::from(r.area_under_curve()))
        .unwrap_or(f64::NAN)
}

fn sorted(items: &[Scored]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| items[a].log_odds.total_cmp(&items[b].log_odds));
    order
}

/// The best unsure band for a target final error.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Band {
    /// Share of comments inside the band (sent to the oracle).
    pub share: f64,
    /// Comments inside the band.
    pub escalated: usize,
    /// Errors left outside the band.
    pub errors: usize,
    /// P(spam) of the lowest escalated comment (below it: ham).
    pub lo: f64,
    /// P(spam) of the lowest comment above the band (from it on: spam).
    pub hi: f64,
}

/// The smallest share of comments that must go to a perfect oracle so that the final error is at
/// most `max_error`, over every band `[lo, hi)` of the score: below the band is called ham, above it
/// spam, inside it the oracle answers. Bands only start and end between distinct scores. O(n log n).
pub fn escalation(items: &[Scored], max_error: f64) -> Band {
    let order = sorted(items);
    let n = order.len();
    let budget = (max_error * n as f64 + 1e-9).floor() as usize;
    // Cut positions: prefix lengths that fall between distinct scores.
    let mut cuts = vec![0usize];
    for k in 1..=n {
        if k == n || items[order[k]].log_odds != items[order[k - 1]].log_odds {
            cuts.push(k);
        }
    }
    // spam_below[k] = spam among the k lowest; ham_below[k] likewise.
    let mut spam_below = vec![0usize; n + 1];
    let mut ham_below = vec![0usize; n + 1];
    for (k, &i) in order.iter().enumerate() {
        spam_below[k + 1] = spam_below[k] + usize::from(items[i].spam);
        ham_below[k + 1] = ham_below[k] + usize::from(!items[i].spam);
    }
    let ham_total = ham_below[n];
    let p_at = |k: usize| if k < n { items[order[k]].p_spam } else { 1.0 };
    let mut best: Option<(usize, usize, usize)> = None;
    let mut j = 0; // index into cuts for the band's end
    for (ia, &a) in cuts.iter().enumerate() {
        let below = spam_below[a];
        if below > budget {
            break;
        }
        if j < ia {
            j = ia;
        }
        while ham_total - ham_below[cuts[j]] > budget - below {
            j += 1;
        }
        let b = cuts[j];
        let errors = below + ham_total - ham_below[b];
        if best.is_none_or(|(ba, bb, _)| b - a < bb - ba) {
            best = Some((a, b, errors));
        }
    }
    let (a, b, errors) = best.expect("the band covering everything always qualifies");
    Band {
        share: (b - a) as f64 / n.max(1) as f64,
        escalated: b - a,
        errors,
        lo: p_at(a),
        hi: p_at(b),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A scored item with P(spam) derived from its log-odds (shared by the report's tests).
    pub(crate) fn s(log_odds: f64, spam: bool) -> Scored {
        Scored {
            log_odds,
            p_spam: 1.0 / (1.0 + (-log_odds).exp()),
            spam,
        }
    }

    #[test]
    fn perfect_ranking_needs_no_escalation() {
        let items: Vec<_> = (0..100).map(|i| s(f64::from(i) - 50.0, i >= 80)).collect();
        assert_eq!(escalation(&items, 0.0).escalated, 0);
        assert!((auc(&items) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn band_covers_the_overlap() {
        // Hams at 0..10, spams at 8..18: scores 8 and 9 are mixed.
        let mut items: Vec<_> = (0..10).map(|i| s(f64::from(i), false)).collect();
        items.extend((8..18).map(|i| s(f64::from(i) + 0.5, true)));
        // Zero errors allowed: escalate everything from the first spam (8.5) to the last ham (9).
        let b = escalation(&items, 0.0);
        assert_eq!((b.escalated, b.errors), (2, 0));
        // One error allowed (5 % of 20): leave one out.
        let b = escalation(&items, 0.05);
        assert_eq!((b.escalated, b.errors), (0, 1));
    }

    #[test]
    fn ties_cannot_be_split() {
        // A ham and a spam with the same score: with no error allowed both go to the oracle.
        let items = vec![s(0.0, false), s(1.0, false), s(1.0, true), s(2.0, true)];
        let b = escalation(&items, 0.0);
        assert_eq!(b.escalated, 2);
        assert!((auc(&items) - 0.875).abs() < 1e-6, "{}", auc(&items));
    }

    #[test]
    fn brute_force_agrees() {
        let mut x = 12345u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..50 {
            let items: Vec<_> = (0..40)
                .map(|_| {
                    let v = (next() % 20) as f64;
                    let spam = next() % 100 < (v * 5.0) as u64;
                    s(v, spam)
                })
                .collect();
            for e in [0.0, 0.05, 0.1] {
                let fast = escalation(&items, e).escalated;
                let mut values: Vec<f64> = items.iter().map(|i| i.log_odds).collect();
                values.push(f64::INFINITY);
                values.sort_by(f64::total_cmp);
                let mut best = usize::MAX;
                for &lo in &values {
                    for &hi in &values {
                        if hi < lo {
                            continue;
                        }
                        let errs = items
                            .iter()
                            .filter(|i| {
                                (i.log_odds < lo && i.spam) || (i.log_odds >= hi && !i.spam)
                            })
                            .count();
                        if errs as f64 <= e * 40.0 + 1e-9 {
                            let inside = items
                                .iter()
                                .filter(|i| i.log_odds >= lo && i.log_odds < hi)
                                .count();
                            best = best.min(inside);
                        }
                    }
                }
                assert_eq!(fast, best, "error {e}");
            }
        }
    }
}

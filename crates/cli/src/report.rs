//! `ferret eval --report DIR`: `metrics.json` and a self-contained `report.html` whose charts are
//! hand-built inline SVG (no script, no network, nothing to load: it opens from disk and prints).
//!
//! Charts: ROC curve, spam and ham score histograms on a log scale, the escalation curve (final
//! error against the share sent to Akismet) with the cutoffs marked, a calibration plot, confusion
//! matrices, then the worst false positives and false negatives with the tokens that pushed them.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use ferret_bayes::{Cutoffs, Verdict};

use crate::explain::Reason;
use crate::metrics::{self, Scored};

const HAM: &str = "#2b6cb0";
const SPAM: &str = "#c53030";
const ACCENT: &str = "#dd6b20";
const GRID: &str = "#e2e8f0";
const INK: &str = "#2d3748";
/// Chart size in CSS pixels; two fit side by side in a 1200-pixel window.
const W: f64 = 540.0;
const H: f64 = 360.0;

/// Everything the report shows.
pub(crate) struct Report<'a> {
    /// The `eval --json` object; written as `metrics.json` and shown as the metrics table.
    pub metrics: &'a serde_json::Value,
    /// The input files.
    pub files: &'a [PathBuf],
    /// Number of folds.
    pub folds: usize,
    /// Fold seed.
    pub seed: u64,
    /// Exact duplicates removed before splitting.
    pub duplicates: usize,
    /// The cutoffs the verdicts used.
    pub cutoffs: Cutoffs,
    /// Every comment's out-of-fold score and label.
    pub scored: &'a [Scored],
    /// The hams scored most spam-like, worst first.
    pub worst_fp: Vec<Worst>,
    /// The spams scored most ham-like, worst first.
    pub worst_fn: Vec<Worst>,
}

/// One of the worst-scored comments.
pub(crate) struct Worst {
    /// Its out-of-fold P(spam).
    pub p_spam: f64,
    /// Its verdict at the cutoffs.
    pub verdict: Verdict,
    /// The comment text.
    pub text: String,
    /// The file it came from.
    pub source: String,
    /// The strongest clues that took part in its score.
    pub reasons: Vec<Reason>,
}

/// Writes `metrics.json` and `report.html` into `dir` (created if needed); returns the page's path.
pub(crate) fn write(dir: &Path, r: &Report) -> anyhow::Result<PathBuf> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let metrics = dir.join("metrics.json");
    let mut json = serde_json::to_string_pretty(r.metrics)?;
    json.push('\n');
    fs::write(&metrics, json).with_context(|| format!("writing {}", metrics.display()))?;
    let page = dir.join("report.html");
    fs::write(&page, html(r)).with_context(|| format!("writing {}", page.display()))?;
    Ok(page)
}

/// Text escaped for HTML and SVG text and attribute values. Control characters other than tab and
/// newline (invalid in HTML) become U+FFFD.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn pct(x: f64) -> String {
    if x == 0.0 {
        "0 %".into()
    } else if x < 0.001 {
        format!("{:.3} %", 100.0 * x)
    } else {
        format!("{:.2} %", 100.0 * x)
    }
}

/// Labels and meanings of the `eval --json` keys, in the order shown.
const METRICS: [(&str, &str, &str); 12] = [
    (
        "n",
        "comments",
        "evaluated, after removing exact duplicates",
    ),
    (
        "auc",
        "ROC AUC",
        "chance that a random spam scores above a random ham",
    ),
    ("accuracy", "accuracy", "at P(spam) ≥ 0.5"),
    (
        "precision",
        "precision",
        "of comments called spam at P ≥ 0.5, the share that is spam",
    ),
    ("recall", "recall", "of spam, the share with P ≥ 0.5"),
    ("f1", "F1", "harmonic mean of precision and recall"),
    (
        "unsure_rate",
        "unsure",
        "share between the cutoffs: sent to Akismet",
    ),
    (
        "error_rate",
        "error",
        "share on the wrong side of the cutoffs",
    ),
    (
        "escalation_at_1pct",
        "escalation for ≤ 1 % error",
        "smallest share sent to a perfect oracle for a final error ≤ 1 %",
    ),
    (
        "escalation_at_0_5pct",
        "escalation for ≤ 0.5 % error",
        "the same for ≤ 0.5 %",
    ),
    ("train_seconds", "training time", "seconds per fold"),
    (
        "classify_per_second",
        "classification speed",
        "comments per second, featurize + score, one thread",
    ),
];

fn metric_value(key: &str, v: &serde_json::Value) -> String {
    let Some(x) = v.as_f64() else {
        return esc(&v.to_string());
    };
    match key {
        "n" => format!("{x:.0}"),
        "auc" | "accuracy" | "precision" | "recall" | "f1" => format!("{x:.4}"),
        "train_seconds" => format!("{x:.3} s"),
        "classify_per_second" => format!("{x:.0} /s"),
        _ => pct(x),
    }
}

/// The whole page.
pub(crate) fn html(r: &Report) -> String {
    let n = r.scored.len();
    let n_spam = r.scored.iter().filter(|s| s.spam).count();
    let mut h = String::with_capacity(256 << 10);
    h.push_str(concat!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n",
        "<title>Ferret evaluation report</title>\n<style>\n",
        include_str!("report.css"),
        "</style>\n</head>\n<body>\n<main>\n<h1>Ferret evaluation report</h1>\n"
    ));
    let files: Vec<String> = r
        .files
        .iter()
        .map(|f| format!("<code>{}</code>", esc(&f.display().to_string())))
        .collect();
    let _ = writeln!(
        h,
        "<p class=\"lede\">{n} comments ({n_spam} spam, {} ham) from {} after removing {} exact \
         duplicates; stratified {}-fold cross-validation, seed {}. Every score is out-of-fold: made \
         by a model that never saw the comment. Cutoffs: ham below {}, spam from {}. \
         Ferret {}.</p>",
        n - n_spam,
        files.join(", "),
        r.duplicates,
        r.folds,
        r.seed,
        r.cutoffs.ham(),
        r.cutoffs.spam(),
        env!("CARGO_PKG_VERSION"),
    );
    metrics_table(&mut h, r.metrics);
    h.push_str("<section class=\"charts\">\n");
    figure(
        &mut h,
        &roc(r),
        "Each point is a threshold: the share of spam caught against the share of ham wrongly \
         caught. The markers are the two cutoffs.",
    );
    figure(
        &mut h,
        &histogram(r),
        "How many comments of each class got each P(spam), on a log scale so that the few \
         comments far from their class's peak stay visible. Between the dashed cutoffs is unsure.",
    );
    figure(
        &mut h,
        &escalation(r),
        "The least error reachable for each share of comments sent to Akismet (taken as always \
         right), choosing the unsure band in hindsight. The diamond is what the cutoffs give.",
    );
    figure(
        &mut h,
        &calibration(r),
        "Comments grouped by P(spam); each circle is a group (area: how many), at its mean \
         P(spam) and the share that really is spam. On the diagonal, P(spam) means what it says.",
    );
    figure(
        &mut h,
        &confusion(r),
        "True class against verdict: three-way at the cutoffs (what Ferret does), and two-way at \
         P(spam) ≥ 0.5 (what accuracy, precision and recall above measure).",
    );
    h.push_str("</section>\n");
    worst_table(
        &mut h,
        "worst-fp",
        "Worst false positives",
        "The ham comments that scored most like spam, with the tokens that pushed them there.",
        &r.worst_fp,
    );
    worst_table(
        &mut h,
        "worst-fn",
        "Worst false negatives",
        "The spam comments that scored most like ham, with the tokens that pushed them there.",
        &r.worst_fn,
    );
    h.push_str(
        "<footer>Token weights are log-odds: positive pushes towards spam, negative towards ham. \
         Hover a token for its training counts.</footer>\n</main>\n</body>\n</html>\n",
    );
    h
}

fn metrics_table(h: &mut String, m: &serde_json::Value) {
    h.push_str("<table class=\"metrics\" id=\"metrics\">\n<tbody>\n");
    let obj = m.as_object();
    let mut shown = Vec::new();
    for (key, label, meaning) in METRICS {
        if let Some(v) = obj.and_then(|o| o.get(key)) {
            let _ = writeln!(
                h,
                "<tr><th>{}</th><td>{}</td><td class=\"meaning\">{}</td></tr>",
                esc(label),
                metric_value(key, v),
                esc(meaning)
            );
            shown.push(key);
        }
    }
    // Keys added to `eval --json` later still show, by their JSON name.
    for (key, v) in obj.into_iter().flatten() {
        if !shown.contains(&key.as_str()) {
            let _ = writeln!(
                h,
                "<tr><th>{}</th><td>{}</td><td></td></tr>",
                esc(key),
                metric_value(key, v)
            );
        }
    }
    h.push_str("</tbody>\n</table>\n");
}

fn figure(h: &mut String, svg: &str, caption: &str) {
    let _ = writeln!(
        h,
        "<figure>\n{svg}<figcaption>{}</figcaption>\n</figure>",
        esc(caption)
    );
}

fn worst_table(h: &mut String, id: &str, title: &str, note: &str, rows: &[Worst]) {
    let _ = writeln!(
        h,
        "<section class=\"worst\">\n<h2>{}</h2>\n<p>{}</p>\n<table id=\"{id}\">\n<thead><tr>\
         <th>#</th><th>P(spam)</th><th>verdict</th><th>comment</th><th>top tokens (weight)</th>\
         </tr></thead>\n<tbody>",
        esc(title),
        esc(note)
    );
    if rows.is_empty() {
        h.push_str("<tr><td colspan=\"5\">none</td></tr>\n");
    }
    for (i, w) in rows.iter().enumerate() {
        let text: String = w.text.chars().take(600).collect();
        let more = if text.len() < w.text.len() { "…" } else { "" };
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"num\">{:.4}</td><td><span class=\"verdict {v}\">{v}</span></td>\
             <td class=\"text\" title=\"{}\">{}{more}</td><td class=\"tokens\">",
            i + 1,
            w.p_spam,
            esc(&w.source),
            esc(&text),
            v = w.verdict.as_str(),
        );
        for reason in &w.reasons {
            let c = &reason.clue;
            let side = if c.weight >= 0.0 { "s" } else { "h" };
            let words: Vec<&str> = reason.tokens.iter().map(|(_, t)| t.as_str()).collect();
            let kinds: Vec<&str> = reason.tokens.iter().map(|(k, _)| k.as_str()).collect();
            let _ = write!(
                h,
                "<span class=\"tok {side}\" title=\"{}: P(spam) {:.3}; in {} ham, {} spam\">{} \
                 <b>{:+.1}</b></span> ",
                esc(&kinds.join(" | ")),
                c.p_spam,
                c.ham,
                c.spam,
                esc(&if words.is_empty() {
                    format!("#{}", c.bucket)
                } else {
                    words.join(" | ")
                }),
                c.weight
            );
        }
        h.push_str("</td></tr>\n");
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
}

// ---------------------------------------------------------------------------------------------
// A small SVG chart builder.

#[derive(Clone, Copy)]
enum Scale {
    Lin(f64, f64),
    /// Base-10 logarithmic; both ends positive.
    Log(f64, f64),
}

impl Scale {
    fn frac(self, v: f64) -> f64 {
        let f = match self {
            Scale::Lin(a, b) => (v - a) / (b - a),
            Scale::Log(a, b) => (v.max(a).log10() - a.log10()) / (b.log10() - a.log10()),
        };
        // Lines beyond the range are clipped by the plot's clip path; keep them near it.
        f.clamp(-0.5, 1.5)
    }
}

struct Chart {
    id: String,
    svg: String,
    x: Scale,
    y: Scale,
    h: f64,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

/// Axis ticks: value and label.
type Ticks = Vec<(f64, String)>;

impl Chart {
    /// A chart with its frame, grid, ticks, axis labels and title drawn.
    #[allow(clippy::too_many_arguments)]
    fn new(
        id: &str,
        title: &str,
        x: Scale,
        y: Scale,
        xlabel: &str,
        ylabel: &str,
        xticks: &Ticks,
        yticks: &Ticks,
    ) -> Chart {
        let mut c = Chart {
            id: id.to_owned(),
            svg: String::with_capacity(16 << 10),
            x,
            y,
            h: H,
            left: 62.0,
            right: W - 18.0,
            top: 44.0,
            bottom: H - 52.0,
        };
        let _ = writeln!(
            c.svg,
            "<svg id=\"{id}\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" \
             viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\" \
             aria-labelledby=\"{id}-title\">\n<title id=\"{id}-title\">{}</title>",
            esc(title)
        );
        let _ = writeln!(
            c.svg,
            "<rect x=\"0\" y=\"0\" width=\"{W}\" height=\"{H}\" fill=\"#fff\"/>"
        );
        let _ = writeln!(
            c.svg,
            "<text x=\"{:.1}\" y=\"24\" class=\"title\">{}</text>",
            c.left,
            esc(title)
        );
        for (v, label) in xticks {
            let px = c.px(*v);
            let _ = writeln!(
                c.svg,
                "<line x1=\"{px:.1}\" y1=\"{:.1}\" x2=\"{px:.1}\" y2=\"{:.1}\" stroke=\"{GRID}\"/>\
                 <text x=\"{px:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"tick\">{}</text>",
                c.top,
                c.bottom + 4.0,
                c.bottom + 17.0,
                esc(label)
            );
        }
        for (v, label) in yticks {
            let py = c.py(*v);
            let _ = writeln!(
                c.svg,
                "<line x1=\"{:.1}\" y1=\"{py:.1}\" x2=\"{:.1}\" y2=\"{py:.1}\" stroke=\"{GRID}\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" class=\"tick\">{}</text>",
                c.left - 4.0,
                c.right,
                c.left - 7.0,
                py + 4.0,
                esc(label)
            );
        }
        let _ = writeln!(
            c.svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"none\" \
             stroke=\"{INK}\" stroke-width=\"1\"/>\n<clipPath id=\"{id}-clip\"><rect x=\"{:.1}\" \
             y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"/></clipPath>",
            c.left,
            c.top,
            c.right - c.left,
            c.bottom - c.top,
            c.left - 1.0,
            c.top - 1.0,
            c.right - c.left + 2.0,
            c.bottom - c.top + 2.0
        );
        let _ = writeln!(
            c.svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"axis\">{}</text>",
            (c.left + c.right) / 2.0,
            c.h - 14.0,
            esc(xlabel)
        );
        let (cx, cy) = (16.0, (c.top + c.bottom) / 2.0);
        let _ = writeln!(
            c.svg,
            "<text x=\"{cx}\" y=\"{cy:.1}\" text-anchor=\"middle\" class=\"axis\" \
             transform=\"rotate(-90 {cx} {cy:.1})\">{}</text>",
            esc(ylabel)
        );
        c
    }

    fn px(&self, x: f64) -> f64 {
        self.left + self.x.frac(x) * (self.right - self.left)
    }

    fn py(&self, y: f64) -> f64 {
        self.bottom - self.y.frac(y) * (self.bottom - self.top)
    }

    /// A line through data points.
    fn line(&mut self, pts: &[(f64, f64)], color: &str, width: f64, dash: Option<&str>) {
        if pts.is_empty() {
            return;
        }
        let mut d = String::with_capacity(pts.len() * 14);
        for (i, &(x, y)) in pts.iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.1},{:.1}",
                if i == 0 { "M" } else { "L" },
                self.px(x),
                self.py(y)
            );
        }
        let dash = dash.map_or(String::new(), |d| format!(" stroke-dasharray=\"{d}\""));
        let _ = writeln!(
            self.svg,
            "<path d=\"{d}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"{width}\" \
             stroke-linejoin=\"round\" clip-path=\"url(#{}-clip)\"{dash}/>",
            self.id
        );
    }

    /// A vertical line at data `x` across the plot, labelled at the top.
    fn vline(&mut self, x: f64, color: &str, label: &str, anchor: &str) {
        let px = self.px(x);
        let _ = writeln!(
            self.svg,
            "<line x1=\"{px:.1}\" y1=\"{:.1}\" x2=\"{px:.1}\" y2=\"{:.1}\" stroke=\"{color}\" \
             stroke-dasharray=\"5 4\" stroke-width=\"1.5\"/>",
            self.top, self.bottom
        );
        let dx = if anchor == "end" { -4.0 } else { 4.0 };
        let _ = writeln!(
            self.svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\" class=\"note\" fill=\"{color}\">{}</text>",
            px + dx,
            self.top - 5.0,
            esc(label)
        );
    }

    /// A point marker with a hover title and an optional label beside it.
    fn marker(&mut self, x: f64, y: f64, shape: &str, color: &str, title: &str, label: &str) {
        let (px, py) = (self.px(x), self.py(y));
        let body = match shape {
            "diamond" => format!(
                "<path d=\"M{:.1},{:.1}l7,7l-7,7l-7,-7z\" fill=\"{color}\" stroke=\"#fff\"/>",
                px,
                py - 7.0
            ),
            _ => format!(
                "<circle cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"5\" fill=\"{color}\" stroke=\"#fff\"/>"
            ),
        };
        let _ = writeln!(self.svg, "<g><title>{}</title>{body}</g>", esc(title));
        if !label.is_empty() {
            // Labels go right of the marker unless that runs off the plot.
            let (lx, anchor) = if px > (self.left + self.right) / 2.0 + 60.0 {
                (px - 10.0, "end")
            } else {
                (px + 10.0, "start")
            };
            let _ = writeln!(
                self.svg,
                "<text x=\"{lx:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\" class=\"note\" fill=\"{color}\">{}</text>",
                py + 4.0,
                esc(label)
            );
        }
    }

    /// A legend box at the top (or bottom, when `low`) of the plot, `at` of the way from the left
    /// edge (0) to the right edge (1).
    fn legend(&mut self, items: &[(&str, String)], at: f64, low: bool) {
        let longest = items
            .iter()
            .map(|(_, l)| l.chars().count())
            .max()
            .unwrap_or(0);
        let width = 42.0 + 6.6 * longest as f64;
        let height = 8.0 + 18.0 * items.len() as f64;
        let x = self.left + 8.0 + at * (self.right - self.left - width - 16.0);
        let y = if low {
            self.bottom - height - 8.0
        } else {
            self.top + 8.0
        };
        let _ = writeln!(
            self.svg,
            "<g class=\"legend\"><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{height:.1}\" \
             fill=\"#fff\" fill-opacity=\"0.9\" stroke=\"{GRID}\"/>"
        );
        for (i, (color, label)) in items.iter().enumerate() {
            let ly = y + 16.0 + 18.0 * i as f64;
            let _ = writeln!(
                self.svg,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"14\" height=\"10\" fill=\"{color}\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\">{}</text>",
                x + 8.0,
                ly - 9.0,
                x + 28.0,
                ly,
                esc(label)
            );
        }
        self.svg.push_str("</g>\n");
    }

    fn finish(mut self) -> String {
        self.svg.push_str("</svg>\n");
        self.svg
    }
}

/// Ticks at round values (1, 2 or 5 × 10^k apart), about `target` of them, between `lo` and `hi`.
fn lin_ticks(lo: f64, hi: f64, target: usize, fmt: impl Fn(f64, usize) -> String) -> Ticks {
    let raw = (hi - lo) / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    let mut out = Vec::new();
    let mut k = (lo / step).ceil();
    while k * step <= hi + step * 1e-9 {
        let v = k * step;
        out.push((v, fmt(v, decimals)));
        k += 1.0;
    }
    out
}

fn plain(v: f64, decimals: usize) -> String {
    format!("{v:.decimals$}")
}

fn percent(v: f64, decimals: usize) -> String {
    // `v` is a fraction; its ticks are percent with two fewer decimals.
    format!("{:.*} %", decimals.saturating_sub(2), 100.0 * v)
}

// ---------------------------------------------------------------------------------------------
// The charts.

/// ROC curve points (false positive rate, true positive rate), one per distinct score, thinned to
/// what can be seen.
fn roc_points(items: &[Scored]) -> Vec<(f64, f64)> {
    let mut order: Vec<&Scored> = items.iter().collect();
    order.sort_by(|a, b| b.log_odds.total_cmp(&a.log_odds));
    let p = items.iter().filter(|s| s.spam).count().max(1) as f64;
    let n = items.iter().filter(|s| !s.spam).count().max(1) as f64;
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut pts = vec![(0.0, 0.0)];
    for (k, s) in order.iter().enumerate() {
        if s.spam {
            tp += 1;
        } else {
            fp += 1;
        }
        let last_of_score = order.get(k + 1).is_none_or(|t| t.log_odds != s.log_odds);
        if last_of_score {
            let pt = (fp as f64 / n, tp as f64 / p);
            let &(lx, ly) = pts.last().expect("starts with a point");
            if (pt.0 - lx).abs() + (pt.1 - ly).abs() > 0.002 || k + 1 == order.len() {
                pts.push(pt);
            }
        }
    }
    pts
}

fn roc(r: &Report) -> String {
    let auc = r
        .metrics
        .get("auc")
        .and_then(|v| v.as_f64())
        .unwrap_or(f64::NAN);
    // A spam filter lives at false positive rates of a few per thousand, which a linear axis
    // squeezes into its first pixel: the x axis is logarithmic, down to one ham in all.
    let n_ham = r.scored.iter().filter(|s| !s.spam).count().max(1) as f64;
    let xmin = 10f64.powf((1.0 / n_ham).log10().floor()).min(0.01);
    let mut xticks = Vec::new();
    let mut v = xmin;
    while v <= 1.0 + 1e-9 {
        xticks.push((v, pct(v).replace(".000 %", " %").replace(".00 %", " %")));
        v *= 10.0;
    }
    let mut c = Chart::new(
        "roc",
        &format!("ROC curve (AUC {auc:.4}), log scale"),
        Scale::Log(xmin, 1.0),
        Scale::Lin(0.0, 1.0),
        "false positive rate: share of ham at or above the threshold (log scale)",
        "true positive rate (spam caught)",
        &xticks,
        &lin_ticks(0.0, 1.0, 5, plain),
    );
    let chance: Vec<(f64, f64)> = (0..=40)
        .map(|i| {
            let x = xmin * (1.0 / xmin).powf(f64::from(i) / 40.0);
            (x, x)
        })
        .collect();
    c.line(&chance, "#a0aec0", 1.0, Some("4 4"));
    // Points at a false positive rate of 0 sit on the left edge.
    c.line(&roc_points(r.scored), SPAM, 2.0, None);
    let rate = |cut: f64, spam: bool| {
        let class: Vec<&Scored> = r.scored.iter().filter(|s| s.spam == spam).collect();
        class.iter().filter(|s| s.p_spam >= cut).count() as f64 / class.len().max(1) as f64
    };
    for (cut, name, color) in [
        (r.cutoffs.spam(), "spam cutoff", SPAM),
        (r.cutoffs.ham(), "ham cutoff", HAM),
    ] {
        let (x, y) = (rate(cut, false), rate(cut, true));
        c.marker(
            x,
            y,
            "circle",
            color,
            &format!("P(spam) ≥ {cut}: {} of ham, {} of spam", pct(x), pct(y)),
            &format!("{name} {cut}"),
        );
    }
    c.legend(
        &[(SPAM, "model".into()), ("#a0aec0", "chance".into())],
        1.0,
        true,
    );
    c.finish()
}

/// Histogram bins over P(spam).
const BINS: usize = 40;

fn histogram(r: &Report) -> String {
    let mut counts = [[0u64; BINS]; 2];
    for s in r.scored {
        let b = ((s.p_spam * BINS as f64) as usize).min(BINS - 1);
        counts[usize::from(s.spam)][b] += 1;
    }
    let max = counts.iter().flatten().copied().max().unwrap_or(1).max(1);
    let top = 10f64.powf((max as f64).log10().ceil().max(1.0));
    let ymin = 0.7;
    let mut yticks = Vec::new();
    let mut v = 1.0;
    while v <= top {
        yticks.push((v, format!("{v:.0}")));
        v *= 10.0;
    }
    let mut c = Chart::new(
        "histogram",
        "Score distribution by true class (log scale)",
        Scale::Lin(0.0, 1.0),
        Scale::Log(ymin, top),
        "P(spam)",
        "comments per bin",
        &lin_ticks(0.0, 1.0, 5, plain),
        &yticks,
    );
    let bw = 1.0 / BINS as f64;
    for (class, color) in [(0usize, HAM), (1, SPAM)] {
        for (b, &k) in counts[class].iter().enumerate() {
            if k == 0 {
                continue;
            }
            // Ham in the left half of each bin, spam in the right: both always visible.
            let x0 = b as f64 * bw + class as f64 * bw / 2.0;
            let (px0, px1) = (c.px(x0), c.px(x0 + bw / 2.0));
            let (py, base) = (c.py(k as f64), c.py(ymin));
            let _ = writeln!(
                c.svg,
                "<rect x=\"{px0:.1}\" y=\"{py:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{color}\" \
                 fill-opacity=\"0.85\"><title>{} with P(spam) in [{:.3}, {:.3}): {k}</title></rect>",
                (px1 - px0 - 0.5).max(0.5),
                (base - py).max(0.5),
                if class == 1 { "spam" } else { "ham" },
                b as f64 * bw,
                (b + 1) as f64 * bw,
            );
        }
    }
    c.vline(
        r.cutoffs.ham(),
        HAM,
        &format!("ham < {}", r.cutoffs.ham()),
        "end",
    );
    c.vline(
        r.cutoffs.spam(),
        SPAM,
        &format!("spam ≥ {}", r.cutoffs.spam()),
        "end",
    );
    let n_spam: u64 = counts[1].iter().sum();
    let n_ham: u64 = counts[0].iter().sum();
    c.legend(
        &[
            (HAM, format!("ham ({n_ham})")),
            (SPAM, format!("spam ({n_spam})")),
        ],
        0.5,
        false,
    );
    c.finish()
}

/// Points (share escalated, final error) of the best unsure band for a range of error budgets,
/// from no error to what the best single threshold leaves.
fn escalation_points(items: &[Scored]) -> Vec<(f64, f64)> {
    let n = items.len();
    if n == 0 {
        return Vec::new();
    }
    let band = |errors: usize| metrics::escalation(items, errors as f64 / n as f64);
    // The fewest errors that need no escalation at all (share falls as the budget grows).
    let (mut lo, mut hi) = (0usize, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if band(mid).escalated == 0 {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    const STEPS: usize = 120;
    let mut budgets: Vec<usize> = if lo <= STEPS {
        (0..=lo).collect()
    } else {
        (0..=STEPS).map(|i| i * lo / STEPS).collect()
    };
    budgets.dedup();
    budgets
        .into_iter()
        .map(|b| {
            let x = band(b);
            (x.share, x.errors as f64 / n as f64)
        })
        .collect()
}

fn escalation(r: &Report) -> String {
    let pts = escalation_points(r.scored);
    let get = |k: &str| r.metrics.get(k).and_then(|v| v.as_f64()).unwrap_or(0.0);
    let (unsure, error) = (get("unsure_rate"), get("error_rate"));
    // Sending everything unsure-ish to Akismet for zero error can take half the comments; the
    // interesting part is near the cutoffs and the targets, so the axis ends a little past them.
    let focus = unsure
        .max(get("escalation_at_0_5pct"))
        .max(get("escalation_at_1pct"));
    let max_share = (focus * 3.0)
        .max(0.02)
        .min(pts.first().map_or(0.0, |p| p.0).max(unsure).max(0.01) * 1.12);
    let max_error = pts.last().map_or(0.0, |p| p.1).max(error).max(0.01) * 1.12;
    let mut c = Chart::new(
        "escalation",
        "Escalation: final error vs share sent to Akismet",
        Scale::Lin(0.0, max_share),
        Scale::Lin(0.0, max_error),
        "share of comments sent to Akismet",
        "final error",
        &lin_ticks(0.0, max_share, 6, percent),
        &lin_ticks(0.0, max_error, 5, percent),
    );
    // A staircase: for each share, the least error any band of at most that share reaches.
    let mut sorted = pts.clone();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.total_cmp(&a.1)));
    let mut stairs: Vec<(f64, f64)> = Vec::new();
    for &(s, e) in &sorted {
        if let Some(&(_, last_e)) = stairs.last() {
            if e >= last_e {
                continue;
            }
            stairs.push((s, last_e));
        }
        stairs.push((s, e));
    }
    if let Some(&(_, e)) = stairs.last() {
        stairs.push((max_share, e));
    }
    c.line(&stairs, HAM, 2.0, None);
    for (target, key, label) in [
        (0.01, "escalation_at_1pct", "1 %"),
        (0.005, "escalation_at_0_5pct", "0.5 %"),
    ] {
        let share = get(key);
        c.line(
            &[(0.0, target), (max_share, target)],
            "#a0aec0",
            1.0,
            Some("3 4"),
        );
        c.marker(
            share,
            target,
            "circle",
            HAM,
            &format!("final error ≤ {label} needs {} sent to Akismet", pct(share)),
            &format!("≤ {label} error: {} sent", pct(share)),
        );
    }
    c.marker(
        unsure,
        error,
        "diamond",
        ACCENT,
        &format!(
            "cutoffs {} / {}: {} unsure (sent), {} error",
            r.cutoffs.ham(),
            r.cutoffs.spam(),
            pct(unsure),
            pct(error)
        ),
        &format!(
            "cutoffs {} / {}: {} sent, {} error",
            r.cutoffs.ham(),
            r.cutoffs.spam(),
            pct(unsure),
            pct(error)
        ),
    );
    c.legend(
        &[
            (HAM, "best band in hindsight".into()),
            (ACCENT, "default cutoffs".into()),
        ],
        1.0,
        false,
    );
    c.finish()
}

/// Calibration groups over P(spam).
const CAL_BINS: usize = 10;

fn calibration(r: &Report) -> String {
    let ticks = lin_ticks(0.0, 1.0, 5, plain);
    let mut c = Chart::new(
        "calibration",
        "Calibration: predicted P(spam) vs share that is spam",
        Scale::Lin(0.0, 1.0),
        Scale::Lin(0.0, 1.0),
        "mean predicted P(spam) in the group",
        "share that is spam",
        &ticks,
        &ticks,
    );
    c.line(&[(0.0, 0.0), (1.0, 1.0)], "#a0aec0", 1.0, Some("4 4"));
    let mut groups = [(0usize, 0usize, 0.0f64); CAL_BINS];
    for s in r.scored {
        let b = ((s.p_spam * CAL_BINS as f64) as usize).min(CAL_BINS - 1);
        groups[b].0 += 1;
        groups[b].1 += usize::from(s.spam);
        groups[b].2 += s.p_spam;
    }
    let max = groups.iter().map(|g| g.0).max().unwrap_or(1).max(1) as f64;
    let pts: Vec<(f64, f64, usize, usize)> = groups
        .iter()
        .enumerate()
        .filter(|(_, g)| g.0 > 0)
        .map(|(b, g)| (g.2 / g.0 as f64, g.1 as f64 / g.0 as f64, g.0, b))
        .collect();
    let line: Vec<(f64, f64)> = pts.iter().map(|p| (p.0, p.1)).collect();
    c.line(&line, SPAM, 1.5, None);
    for (x, y, count, b) in pts {
        let radius = 3.0 + 11.0 * (count as f64 / max).sqrt();
        let _ = writeln!(
            c.svg,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{radius:.1}\" fill=\"{SPAM}\" fill-opacity=\"0.35\" \
             stroke=\"{SPAM}\"><title>P(spam) in [{:.1}, {:.1}): {count} comments, mean P {x:.3}, \
             {} spam</title></circle>",
            c.px(x),
            c.py(y),
            b as f64 / CAL_BINS as f64,
            (b + 1) as f64 / CAL_BINS as f64,
            pct(y)
        );
    }
    c.legend(
        &[
            (SPAM, "groups of 0.1 in P(spam)".into()),
            ("#a0aec0", "perfect calibration".into()),
        ],
        0.0,
        false,
    );
    c.finish()
}

fn confusion(r: &Report) -> String {
    // rows: truth ham, spam; columns: verdict ham, unsure, spam at the cutoffs, then ham, spam at 0.5.
    let mut three = [[0usize; 3]; 2];
    let mut two = [[0usize; 2]; 2];
    for s in r.scored {
        let row = usize::from(s.spam);
        let col = match r.cutoffs.verdict(s.p_spam) {
            Verdict::Ham => 0,
            Verdict::Unsure => 1,
            Verdict::Spam => 2,
        };
        three[row][col] += 1;
        two[row][usize::from(s.p_spam >= 0.5)] += 1;
    }
    let mut svg = String::with_capacity(8 << 10);
    let title = "Confusion matrices";
    let _ = writeln!(
        svg,
        "<svg id=\"confusion\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" \
         viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\" \
         aria-labelledby=\"confusion-title\">\n<title id=\"confusion-title\">{title}</title>\n\
         <rect x=\"0\" y=\"0\" width=\"{W}\" height=\"{H}\" fill=\"#fff\"/>\n\
         <text x=\"62\" y=\"24\" class=\"title\">{title}</text>"
    );
    let cell = 72.0;
    let grid = |svg: &mut String, x0: f64, heading: &str, cols: &[&str], m: &[Vec<usize>]| {
        let y0 = 120.0;
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"62\" text-anchor=\"middle\" class=\"axis\">{}</text>",
            x0 + cell * cols.len() as f64 / 2.0,
            esc(heading)
        );
        for (j, name) in cols.iter().enumerate() {
            let _ = writeln!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"tick\">{name}</text>",
                x0 + cell * (j as f64 + 0.5),
                y0 - 10.0
            );
        }
        for (i, row) in m.iter().enumerate() {
            let total = row.iter().sum::<usize>().max(1) as f64;
            for (j, &k) in row.iter().enumerate() {
                let verdict = cols[j];
                let truth = if i == 1 { "spam" } else { "ham" };
                let color = if verdict == "unsure" {
                    ACCENT
                } else if verdict == truth {
                    "#2f855a"
                } else {
                    SPAM
                };
                let share = k as f64 / total;
                let (x, y) = (x0 + cell * j as f64, y0 + cell * i as f64);
                let _ = writeln!(
                    svg,
                    "<g><title>true {truth}, verdict {verdict}: {k} ({})</title>\
                     <rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{cell}\" height=\"{cell}\" fill=\"{color}\" \
                     fill-opacity=\"{:.2}\" stroke=\"#fff\" stroke-width=\"2\"/>\
                     <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"cell\">{k}</text>\
                     <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"tick\">{}</text></g>",
                    pct(share),
                    0.08 + 0.6 * share.sqrt(),
                    x + cell / 2.0,
                    y + cell / 2.0,
                    x + cell / 2.0,
                    y + cell / 2.0 + 18.0,
                    pct(share)
                );
            }
        }
    };
    let x3 = 92.0;
    for (i, name) in ["true ham", "true spam"].iter().enumerate() {
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" class=\"axis\">{name}</text>",
            x3 - 8.0,
            120.0 + cell * (i as f64 + 0.5) + 4.0
        );
    }
    let cuts = format!(
        "verdict at cutoffs {} / {}",
        r.cutoffs.ham(),
        r.cutoffs.spam()
    );
    grid(
        &mut svg,
        x3,
        &cuts,
        &["ham", "unsure", "spam"],
        &[three[0].to_vec(), three[1].to_vec()],
    );
    grid(
        &mut svg,
        x3 + cell * 3.0 + 36.0,
        "at P(spam) ≥ 0.5",
        &["ham", "spam"],
        &[two[0].to_vec(), two[1].to_vec()],
    );
    let _ = writeln!(
        svg,
        "<text x=\"24\" y=\"{:.1}\" class=\"note\" fill=\"{INK}\">Percentages are row shares. \
         Green: right; orange: unsure (to Akismet); red: wrong.</text>\n</svg>",
        120.0 + cell * 2.0 + 34.0
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::tests::s;

    #[test]
    fn escaping_covers_markup_quotes_and_controls() {
        assert_eq!(
            esc("<script>alert('x&y')</script>\"\u{0}"),
            "&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt;&quot;\u{FFFD}"
        );
        assert_eq!(esc("a\nb\tü"), "a\nb\tü");
    }

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        let t = lin_ticks(0.0, 1.0, 5, plain);
        let v: Vec<&str> = t.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(v, ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        let t = lin_ticks(0.0, 0.034, 5, percent);
        assert_eq!(t[1].1, "1 %");
        assert!(t.last().unwrap().0 <= 0.034);
        let t = lin_ticks(0.0, 0.012, 5, percent);
        assert_eq!(t[1].1, "0.5 %");
    }

    #[test]
    fn roc_runs_from_corner_to_corner() {
        let items: Vec<_> = (0..200).map(|i| s(f64::from(i % 37), i % 3 == 0)).collect();
        let p = roc_points(&items);
        assert_eq!(p[0], (0.0, 0.0));
        assert_eq!(*p.last().unwrap(), (1.0, 1.0));
        assert!(p.windows(2).all(|w| w[1].0 >= w[0].0 && w[1].1 >= w[0].1));
    }

    #[test]
    fn escalation_curve_falls_from_no_error_to_no_escalation() {
        let mut items: Vec<_> = (0..50).map(|i| s(f64::from(i), false)).collect();
        items.extend((40..90).map(|i| s(f64::from(i) + 0.5, true)));
        let p = escalation_points(&items);
        assert_eq!(p[0].1, 0.0, "zero budget: no error");
        assert!(p[0].0 > 0.0);
        assert_eq!(
            p.last().unwrap().0,
            0.0,
            "largest budget: nothing escalated"
        );
        assert!(p.windows(2).all(|w| w[1].0 <= w[0].0));
    }
}

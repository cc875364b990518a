//! Progress bars for long `train` and `eval` runs: drawn on a terminal's stderr only, never in a
//! pipe, a file or CI, so scripts and logs see exactly what they saw before.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Runs shorter than this many steps finish before a bar is worth drawing.
const MIN_STEPS: u64 = 20_000;
/// Inputs smaller than this are read too fast for a "reading" spinner.
const MIN_SPINNER_BYTES: u64 = 8 << 20;

/// Whether bars may be drawn: stderr is a terminal and `CI` is unset (or empty, `0` or `false`).
fn enabled() -> bool {
    should_draw(
        std::io::stderr().is_terminal(),
        std::env::var("CI").ok().as_deref(),
    )
}

fn should_draw(terminal: bool, ci: Option<&str>) -> bool {
    let in_ci = ci.is_some_and(|v| !matches!(v.trim(), "" | "0" | "false"));
    terminal && !in_ci
}

/// A bar of `len` steps with rate and ETA, or a hidden one (all calls are then no-ops) when the run
/// is short or bars are off. Callers update it every few thousand steps, not every step.
pub(crate) fn bar(len: u64, message: &str) -> ProgressBar {
    if len < MIN_STEPS || !enabled() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr_with_hz(4));
    pb.set_style(
        ProgressStyle::with_template(
            "{msg:>12} [{bar:32.cyan/blue}] {human_pos}/{human_len} {per_sec} ETA {eta}",
        )
        .expect("template is valid")
        .progress_chars("=> "),
    );
    pb.set_message(message.to_owned());
    pb
}

/// A counter with rate and elapsed time for streamed work of unknown length (`train`): shown
/// only on a terminal, outside CI, for inputs of at least the spinner's size.
pub(crate) fn counter(files: &[PathBuf], message: &str) -> ProgressBar {
    if total_bytes(files) < MIN_SPINNER_BYTES || !enabled() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(4));
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} {human_pos} comments, {per_sec} ({elapsed})")
            .expect("template is valid"),
    );
    pb.set_message(message.to_owned());
    pb
}

fn total_bytes(files: &[PathBuf]) -> u64 {
    files
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

/// A spinner with elapsed time while large files are read (reading reports no progress of its own),
/// or a hidden one for small inputs, standard input and off-terminal runs.
pub(crate) fn reading(files: &[PathBuf]) -> ProgressBar {
    let bytes: u64 = files
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    if bytes < MIN_SPINNER_BYTES || !enabled() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(4));
    pb.set_style(
        ProgressStyle::with_template("{spinner} reading {msg} ({elapsed})")
            .expect("template is valid"),
    );
    pb.set_message(format!("{:.1} MB", bytes as f64 / 1e6));
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_only_on_a_terminal_outside_ci() {
        assert!(should_draw(true, None));
        assert!(should_draw(true, Some("")));
        assert!(should_draw(true, Some("false")));
        assert!(!should_draw(true, Some("true")));
        assert!(!should_draw(true, Some("1")));
        assert!(!should_draw(false, None));
    }

    #[test]
    fn short_runs_get_a_hidden_bar() {
        assert!(bar(10, "x").is_hidden());
        assert!(reading(&[]).is_hidden());
    }
}

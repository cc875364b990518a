//! The bench's cases (`benches/rules.rs`) as a plain loop, for instruction counts that do not
//! depend on what else the machine is doing:
//!
//! ```text
//! cargo build --release -p ferret-rules --example rules_hot_path
//! valgrind --tool=callgrind --callgrind-out-file=cg.rules.%p \
//!   target/release/examples/rules_hot_path all_rules_pass small 20000
//! callgrind_annotate --inclusive=yes cg.rules.<pid> | grep 'Rules::check '
//! ```
//!
//! The cost per check is the inclusive count of `ferret_rules::Rules::check` divided by the number
//! of checks; token issue, corpus cloning and the list build happen outside it. Cases:
//! `all_rules_pass`, `disallowed_ip_hit`, `all_but_token_pass` and `regex` (all rules plus three
//! regexes), each with `small` or `100k` lists. valgrind hides SHA-NI, so SHA-256 there is the
//! software fallback (about 1,400 instructions a block more than with SHA-NI).
//!
//! Two modes time the check instead (pin them, e.g. `taskset -c 1`): `costs small|100k`, every
//! rule on, and what switching each rule off saves, timed in turns with every rule on (paired
//! differences, which the machine's drift in speed does not bias); `interleaved small|100k`,
//! checks back to back against checks with other code run between them; `share small|100k`, every
//! rule on, each chunk of checks next to a reading of how much of the core the thread gets
//! (`benches/common/core_probe.rs`), grouped by that reading.

use std::hint::black_box;

use ferret_features::Comment;
use ferret_rules::{Action, RuleContext, RuleId, RuleOutcome};

#[path = "../benches/common/mod.rs"]
mod common;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, case, lists] = args.as_slice() {
        if case == "costs" {
            return costs(lists == "100k");
        }
        if case == "interleaved" {
            return interleaved(lists == "100k");
        }
        if case == "share" {
            return share(lists == "100k");
        }
    }
    let [_, case, lists, n] = args.as_slice() else {
        eprintln!("usage: rules_hot_path all_rules_pass|disallowed_ip_hit|all_but_token_pass|regex small|100k N\n       rules_hot_path costs|interleaved|share small|100k");
        std::process::exit(2);
    };
    let n: usize = n.parse().expect("N is a number");
    let size = if lists == "100k" { 100_000 } else { 10 };
    let token = case != "all_but_token_pass";
    let rules = common::rules_with(size, case == "regex", token);
    let authors = common::history();
    let mut corpus = common::corpus();
    if case == "disallowed_ip_hit" {
        for c in &mut corpus {
            c.user_ip = Some("10.0.3.7".into());
        }
    }
    let mut now = 1_700_000_000i64;
    for i in 0..n {
        now += 3601;
        let c = match rules.form_tokens() {
            Some(tokens) => common::with_token(&corpus[i % corpus.len()], tokens, now),
            None => corpus[i % corpus.len()].clone(),
        };
        let out = rules.check(black_box(&c), &RuleContext::new(now, &authors));
        if case == "disallowed_ip_hit" {
            assert_eq!(
                out.hit().map(|h| (h.action, h.rule)),
                Some((Action::Spam, RuleId::Disallowed))
            );
        } else {
            assert_eq!(out, RuleOutcome::Pass);
        }
    }
}

/// `costs`: wall-clock nanoseconds per check with every rule on, and with each rule off in turn,
/// so each rule's share of the total shows as the difference. Checks run in chunks of 64 comments
/// built (and their tokens issued) just before, untimed, as a server checks a comment it has just
/// parsed; the variants take turns, and the figure is each one's median chunk.
fn costs(large: bool) {
    type Off = fn(&mut ferret_rules::RulesConfig);
    let variants: [(&str, Off); 12] = [
        ("all rules", |_| {}),
        ("- token", |c| c.token.enabled = false),
        ("- trusted_authors", |c| c.trusted_authors.enabled = false),
        ("- disallowed", |c| c.disallowed.enabled = false),
        ("- moderation", |c| c.moderation.enabled = false),
        ("- links", |c| c.links.enabled = false),
        ("- duplicates", |c| c.duplicates.enabled = false),
        ("- flood", |c| c.flood.enabled = false),
        ("- honeypot", |c| c.honeypot.enabled = false),
        ("- comment_types", |c| c.comment_types.enabled = false),
        ("- trusted_roles", |c| c.trusted_roles.enabled = false),
        ("no rules (enabled = false)", |c| c.enabled = false),
    ];
    let size = if large { 100_000 } else { 10 };
    let authors = common::history();
    let mut fresh = common::Fresh::new();
    const CHUNK: usize = 64;
    const PAIRS: usize = 2_000;
    const WARM: usize = 200;
    // Times a chunk of fresh comments.
    let mut chunk = |rules: &ferret_rules::Rules| {
        let batch: Vec<(Comment, i64)> = (0..CHUNK).map(|_| fresh.next_comment()).collect();
        time_checks(rules, &authors, &batch)
    };
    // The machine (a VM) changes speed from one millisecond to the next, as its neighbours come
    // and go; a variant timed after another would take that drift for a difference. So each
    // variant's chunks alternate with chunks of every rule on, from two `Rules` alive side by
    // side, and its cost is the median of the paired differences.
    let base = ferret_rules::Rules::new(&common::config(size, false, true)).expect("bench config");
    let mut all = Vec::new();
    let mut diffs = Vec::new();
    for (_, off) in &variants[1..] {
        let mut cfg = common::config(size, false, true);
        off(&mut cfg);
        let rules = ferret_rules::Rules::new(&cfg).expect("bench config");
        let mut d = Vec::with_capacity(PAIRS);
        for pair in 0..WARM + PAIRS {
            // Each order half of the time: whichever runs second finds the caches as the first
            // left them.
            let (b, v) = if pair % 2 == 0 {
                let b = chunk(&base);
                (b, chunk(&rules))
            } else {
                let v = chunk(&rules);
                (chunk(&base), v)
            };
            if pair >= WARM {
                all.push(b);
                d.push(v - b);
            }
        }
        diffs.push(common::median(&mut d));
    }
    let median = common::median(&mut all);
    let tenth = all[all.len() / 10];
    println!(
        "{} lists, ns per check (chunks of {CHUNK}): every rule on, median {median:.0}, fastest tenth {tenth:.0}",
        if large { "100k" } else { "small" }
    );
    println!(
        "{:<28} {:>8}",
        "then, in turns with it:", "median difference"
    );
    for ((name, _), d) in variants[1..].iter().zip(diffs) {
        println!("{name:<28} {d:>+8.0}");
    }
}

/// `interleaved`: the check with every rule on, timed one comment at a time, in two orders that
/// take turns: 64 comments built first and then checked back to back (as the criterion bench
/// does: the check's code and data stay in the core's caches from one check to the next), and
/// each comment built (cloned, its token issued) just before it is checked, so that other code
/// runs between two checks, as in a server that parses the request, scores the comment and writes
/// to SQLite between them. Prints the median of each, less the clock's own cost.
fn interleaved(large: bool) {
    use std::time::Instant;
    let size = if large { 100_000 } else { 10 };
    let rules = common::rules(size, false);
    let authors = common::history();
    let mut fresh = common::Fresh::new();
    let time = |(c, now): &(Comment, i64)| {
        let t = Instant::now();
        let out = rules.check(black_box(c), &RuleContext::new(*now, &authors));
        let ns = t.elapsed().as_nanos() as f64;
        assert_eq!(out, RuleOutcome::Pass);
        ns
    };
    let mut clock: Vec<f64> = (0..10_000)
        .map(|_| {
            let t = Instant::now();
            black_box(t.elapsed().as_nanos() as f64)
        })
        .collect();
    let clock = common::median(&mut clock);
    println!(
        "{} lists, every rule on: median ns per check (clock's {clock:.0} ns taken off)",
        if large { "100k" } else { "small" }
    );
    for round in 0..6 {
        let (mut batched, mut apart) = (Vec::new(), Vec::new());
        for _ in 0..300 {
            let batch: Vec<(Comment, i64)> = (0..64).map(|_| fresh.next_comment()).collect();
            batched.extend(batch.iter().skip(1).map(time));
            apart.extend((0..64).map(|_| time(&fresh.next_comment())));
        }
        println!(
            "round {round}: back to back {:>6.0}   other code between checks {:>6.0}",
            common::median(&mut batched) - clock,
            common::median(&mut apart) - clock
        );
    }
}

/// `share`: chunks of 64 checks (every rule on, fresh comments and tokens as in `costs`), each
/// between two readings of the core probe (`benches/common/core_probe.rs`: how many independent
/// adds a cycle the thread got). The chunks are binned by the mean of the two readings; each
/// bin's median check shows how the check's time follows the share of the core the thread gets.
fn share(large: bool) {
    let size = if large { 100_000 } else { 10 };
    let rules = common::rules(size, false);
    let authors = common::history();
    let mut fresh = common::Fresh::new();
    const CHUNK: usize = 64;
    const CHUNKS: usize = 10_000;
    const WARM: usize = 500;
    let probe = || {
        common::core_probe::adds_per_cycle(1_000).unwrap_or_else(|| {
            eprintln!("share: the core probe is written for x86-64 only");
            std::process::exit(2)
        })
    };
    let mut seen: Vec<(f64, f64)> = Vec::with_capacity(CHUNKS);
    for i in 0..WARM + CHUNKS {
        let batch: Vec<(Comment, i64)> = (0..CHUNK).map(|_| fresh.next_comment()).collect();
        let before = probe().0;
        let ns = time_checks(&rules, &authors, &batch);
        let per_cycle = (before + probe().0) / 2.0;
        if i >= WARM {
            seen.push((per_cycle, ns));
        }
    }
    // Bins of the probe's reading; above the last (4.2 adds a cycle), an interrupt cut a dependent
    // chunk short, so the reading says nothing.
    let bins = [(0.0, 2.5), (2.5, 3.0), (3.0, 3.5), (3.5, 3.7), (3.7, 4.2)];
    let top = bins[bins.len() - 1].1;
    println!(
        "{} lists, every rule on, {CHUNKS} chunks of {CHUNK} checks, by the adds a cycle the probe \
         read around each (a free 4-unit core: about 3.85)",
        if large { "100k" } else { "small" }
    );
    println!(
        "{:>14} {:>8} {:>18}",
        "adds a cycle", "chunks", "median ns a check"
    );
    for (lo, hi) in bins {
        let mut ns: Vec<f64> = seen
            .iter()
            .filter(|s| (lo..hi).contains(&s.0))
            .map(|s| s.1)
            .collect();
        if ns.is_empty() {
            println!("{lo:>6.1} to {hi:<4.1} {:>8} {:>18}", 0, "-");
        } else {
            let n = ns.len();
            println!(
                "{lo:>6.1} to {hi:<4.1} {n:>8} {:>18.0}",
                common::median(&mut ns)
            );
        }
    }
    let cut = seen.iter().filter(|s| s.0 >= top).count();
    println!("({cut} chunks left out: an interrupt inside the probe)");
}

/// Checks `batch` (every comment must pass) and returns the wall-clock nanoseconds a check.
fn time_checks(
    rules: &ferret_rules::Rules,
    authors: &ferret_rules::MemoryAuthors,
    batch: &[(Comment, i64)],
) -> f64 {
    let t = std::time::Instant::now();
    for (c, now) in batch {
        let out = rules.check(black_box(c), &RuleContext::new(*now, authors));
        assert_eq!(out, RuleOutcome::Pass);
    }
    t.elapsed().as_nanos() as f64 / batch.len() as f64
}

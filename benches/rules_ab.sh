#!/usr/bin/env bash
# The rules' check at an earlier revision and in the working tree, in one process, in turns.
#
# Why: this 2-vCPU VM changes speed from one millisecond to the next (a fast state and one about
# 1.5x slower, as its neighbours come and go), so two criterion runs minutes apart differ by more
# than most changes do. Here both versions live in one binary (the earlier one renamed
# `ferret-rules-old`), and chunks of 64 checks alternate between them, each with fresh comments and
# tokens (the bench's `all_rules_pass` small case: benches/common/mod.rs); the figure is the median
# of the paired differences, which the drift does not bias.
#
# How to run (from the repository root; needs the network-free crates already in ~/.cargo):
#   bash benches/rules_ab.sh REV [RUNS]
#     REV   a revision whose rules API matches (57dfc52 or later: AuthorKeys, keys().of)
#     RUNS  paired runs of 6,000 chunk pairs each (default 3); pinned to CPU 1 with taskset
# Prints, per run, each version's median chunk and fastest tenth of chunks (ns a check) and the
# median paired difference (working tree minus REV).
set -euo pipefail
rev=${1:?usage: rules_ab.sh REV [RUNS]}
runs=${2:-3}
root=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The earlier rules crate, renamed, with the workspace's inherited fields written out.
git -C "$root" archive "$rev" crates/rules | tar -x -C "$work"
old="$work/crates/rules"
rm -rf "$old/benches" "$old/examples" "$old/tests"
python3 - "$old/Cargo.toml" "$root" <<'PY'
import re, sys
path, root = sys.argv[1], sys.argv[2]
s = open(path).read()
s = s[: s.index("[dev-dependencies]")] if "[dev-dependencies]" in s else s
s = s.replace('name = "ferret-rules"', 'name = "ferret-rules-old"')
s = re.sub(r'(?m)^(rust-version|license|repository)\.workspace = true\n', '', s)
s = s.replace("version.workspace = true", 'version = "0.1.0"')
s = s.replace("edition.workspace = true", 'edition = "2021"')
s = s.replace("ferret-features.workspace = true", f'ferret-features = {{ path = "{root}/crates/features" }}')
s = s.replace("serde.workspace = true", 'serde = { version = "1", features = ["derive"] }')
s = s.replace("thiserror.workspace = true", 'thiserror = "2"')
s = s.replace("regex.workspace = true", 'regex = "1.11"')
open(path, "w").write(s)
PY

mkdir -p "$work/ab/src"
cat > "$work/ab/Cargo.toml" <<TOML
[package]
name = "rules-ab"
version = "0.1.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
ferret-rules = { path = "$root/crates/rules" }
ferret-rules-old = { path = "$old" }
ferret-features = { path = "$root/crates/features" }
toml = "0.9"

[profile.release]
codegen-units = 4
lto = "thin"
debug = 1
TOML
cp "$root/Cargo.lock" "$work/ab/"
cat > "$work/ab/src/main.rs" <<RUST
use std::hint::black_box;
use std::time::Instant;

#[path = "$root/crates/rules/benches/common/mod.rs"]
mod common;

fn main() {
    // The bench's small-list configuration, as text both versions parse.
    let q = |v: Vec<String>| {
        let v: Vec<String> = v.iter().map(|s| format!("{s:?}")).collect();
        format!("[{}]", v.join(", "))
    };
    let words = q([
        "online casino", "replica watches", "payday loan", "buy backlinks", "cheap jerseys",
        "essay writing service", "weight loss pills", "male enhancement", "free spins", "hot singles",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect());
    let ips = q((0..10usize)
        .map(|i| {
            if i % 2 == 0 {
                format!("10.{}.{}.0/24", (i / 2) >> 8 & 255, (i / 2) & 255)
            } else {
                format!("2001:db8:{:x}::/48", i / 2)
            }
        })
        .collect());
    let emails = q((0..10).map(|i| format!("spammer{i}@mail{}.example", i % 1000)).collect());
    let hosts = q((0..10).map(|i| format!("spam-host-{i}.example")).collect());
    let text = format!(
        "[disallowed]\nwords = {words}\nips = {ips}\nemails = {emails}\nhosts = {hosts}\n\
         [moderation]\nwords = [\"crypto\", \"forex\", \"seo\"]\nhosts = [\"bit.ly\", \"tinyurl.com\"]\n\
         [token]\nenabled = true\nsecret = \"{}\"\n[flood]\nmax_comments = 5\nwindow_secs = 60\n",
        common::SECRET
    );
    let cfg_new: ferret_rules::RulesConfig = toml::from_str(&text).expect("config");
    assert_eq!(format!("{cfg_new:?}"), format!("{:?}", common::config(10, false, true)), "not the bench's config");
    let cfg_old: ferret_rules_old::RulesConfig = toml::from_str(&text).expect("config");
    let new = ferret_rules::Rules::new(&cfg_new).unwrap();
    let old = ferret_rules_old::Rules::new(&cfg_old).unwrap();
    let hist_new = common::history();
    let hist_old = ferret_rules_old::MemoryAuthors::new();
    for i in 0..1000 {
        let mut a = ferret_features::Comment::from_text("x");
        a.comment_author_email = Some(format!("known{i}@example.org"));
        hist_old.record_approved(hist_old.keys().of(&a).unwrap());
    }
    let mut fresh = common::Fresh::new();
    const CHUNK: usize = 64;
    let (mut a, mut b, mut d) = (Vec::new(), Vec::new(), Vec::new());
    for pair in 0..6500 {
        let mut t = [0f64; 2];
        let order = if pair % 2 == 0 { [0, 1] } else { [1, 0] };
        for k in order {
            let batch: Vec<_> = (0..CHUNK).map(|_| fresh.next_comment()).collect();
            let start = Instant::now();
            for (c, now) in &batch {
                if k == 0 {
                    let ctx = ferret_rules_old::RuleContext::new(*now, &hist_old);
                    assert_eq!(old.check(black_box(c), &ctx), ferret_rules_old::RuleOutcome::Pass);
                } else {
                    let ctx = ferret_rules::RuleContext::new(*now, &hist_new);
                    assert_eq!(new.check(black_box(c), &ctx), ferret_rules::RuleOutcome::Pass);
                }
            }
            t[k] = start.elapsed().as_nanos() as f64 / CHUNK as f64;
        }
        if pair >= 500 {
            a.push(t[0]);
            b.push(t[1]);
            d.push(t[1] - t[0]);
        }
    }
    let tenth = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 10]
    };
    let (ta, tb) = (tenth(&mut a), tenth(&mut b));
    let (ma, mb, md) = (common::median(&mut a), common::median(&mut b), common::median(&mut d));
    println!("$rev: median {ma:.0}, fastest tenth {ta:.0}; working tree: median {mb:.0}, fastest tenth {tb:.0}; paired difference (working tree - $rev): median {md:+.0} ns");
}
RUST
(cd "$work/ab" && CARGO_TARGET_DIR="$work/target" cargo build --release --quiet)
for _ in $(seq "$runs"); do
    taskset -c 1 "$work/target/release/rules-ab"
done

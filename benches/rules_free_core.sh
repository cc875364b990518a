#!/usr/bin/env bash
# Criterion runs of the rules' `all_rules_pass` small case, each started while the CPU core is free.
#
# Why: on this VM another hardware thread shares CPU 1's core most of the time, and a check then
# takes about 1.5x as long (crates/rules/README.md, "The shared core"). This loop reads the core
# probe (examples/core_share.rs, 500 chunk pairs, about 15 ms) every few seconds and, when its
# p10 reads a free core (>= 3.7 independent adds a cycle), runs criterion at once and reads the
# probe again after. It shows what criterion gives when it starts with the core free.
#
# How to run (from the repository root; keep CPU 0 idle):
#   bash benches/rules_free_core.sh [SECONDS]     # default 1500
# Prints, per run: the probe's p10 before, criterion's interval, the probe's p10 after.
set -euo pipefail
secs=${1:-1500}
cd "$(git rev-parse --show-toplevel)"
cargo build --release -q -p ferret-rules --example core_share
cargo bench -q -p ferret-rules --bench rules --no-run
target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
p10() { taskset -c 1 "$target/release/examples/core_share" 500 | sed -n 2p | awk '{print $6}'; }
end=$(($(date +%s) + secs))
while [ "$(date +%s)" -lt "$end" ]; do
  before=$(p10)
  if awk "BEGIN { exit !($before >= 3.7) }"; then
    t=$(taskset -c 1 cargo bench -q -p ferret-rules --bench rules -- --warm-up-time 1 \
      --measurement-time 3 'check/all_rules_pass/small$' 2>&1 | grep 'time:' | sed 's/.*time: *//')
    echo "$(date +%T) probe p10 before $before  criterion $t  probe p10 after $(p10)"
  else
    sleep 2
  fi
done

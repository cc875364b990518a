#!/usr/bin/env bash
# Whole-process throughput and memory of `ferret check` against bogofilter's batch mode.
#
# What it measures
#   * comments per second of `ferret check --model M BIG.jsonl > /dev/null` as a whole process
#     (start-up, model load, JSONL parsing, featurizing, scoring, JSON output), with the default
#     number of worker threads and with `--threads 1`;
#   * comments per second of `bogofilter -T -e -b` (streaming bulk mode: file names on stdin, one
#     comment per file) over the same comments, with a private wordlist trained on the same corpus;
#   * the peak RSS (GNU time's "Maximum resident set size") of `ferret check` with the shipped
#     default model (models/default.ferret) and with a model trained on sms.jsonl.
#   The goals under test (from the issue): ferret >= 10x bogofilter's comments/s on >= 100,000
#   comments, whole process, same corpus; ferret's peak RSS <= 64 MB.
#
# The corpus
#   BIG.jsonl holds N (default 100,000) comments: the 5,574 SMS texts of sms.jsonl, each round
#   shuffled with a fixed seed, repeated until N lines, each with its own id. The same texts are
#   written once as N files for bogofilter (a blank line, then the text, so bogofilter reads the
#   text as a message body, not as headers); writing them is not timed. Both classifiers are
#   trained on all of sms.jsonl (so the spam/ham counts printed at the end are a sanity check,
#   not an accuracy figure).
#
# How to run (from the repository root)
#   cargo build --release
#   bash benches/whole_process.sh [DATASETS_DIR [WORK_DIR]]
#     DATASETS_DIR  default ${FERRET_DATASETS:-../shared/datasets} (relative to the repo root);
#                   it must hold sms.jsonl
#     WORK_DIR      default a fresh `mktemp -d`; it receives ~0.5 GB (100,000 small files,
#                   the JSONL, both models, the hyperfine JSON) and is left in place
#   Environment: N (comments, default 100000), RUNS (timed runs, default 5), WARMUP (default 1),
#   FERRET (binary, default target/release/ferret), SEED (shuffle seed, default 1).
#
# Needs (this script installs nothing): python3, bogofilter (Debian: apt-get install -y bogofilter),
# GNU time at /usr/bin/time (apt-get install -y time), and preferably hyperfine
# (apt-get install -y hyperfine); without hyperfine the timings fall back to RUNS repeated runs
# timed by python3 (wall clock, including a bash start-up). Nothing outside WORK_DIR is written:
# bogofilter gets a private wordlist directory (-d) and ignores config files (-C).
#
# Reading the figures: the summary gives mean, median and fastest run. On a shared machine other
# processes steal cores and inflate the mean (most of all for the multi-threaded run); check
# `uptime` / `top` first and prefer the median, or run again with RUNS=20.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)

DATASETS=${1:-${FERRET_DATASETS:-../shared/datasets}}
WORK=${2:-$(mktemp -d "${TMPDIR:-/tmp}/ferret-whole-process.XXXXXX")}
N=${N:-100000}
RUNS=${RUNS:-5}
WARMUP=${WARMUP:-1}
SEED=${SEED:-1}
FERRET=${FERRET:-$ROOT/target/release/ferret}
DEFAULT_MODEL=$ROOT/models/default.ferret

die() { echo "whole_process.sh: $*" >&2; exit 1; }

# --- prerequisites -----------------------------------------------------------------------------
missing=()
command -v python3 >/dev/null || missing+=("python3 (apt-get install -y python3)")
command -v bogofilter >/dev/null || missing+=("bogofilter (apt-get install -y bogofilter)")
if [[ ! -x /usr/bin/time ]] || ! /usr/bin/time -v true >/dev/null 2>&1; then
    missing+=("GNU time at /usr/bin/time (apt-get install -y time)")
fi
if ((${#missing[@]})); then
    printf 'whole_process.sh: missing required command(s):\n' >&2
    printf '  - %s\n' "${missing[@]}" >&2
    die "install them and run again (this script installs nothing)"
fi
HAVE_HYPERFINE=0
if command -v hyperfine >/dev/null; then
    HAVE_HYPERFINE=1
else
    echo "note: hyperfine not found (apt-get install -y hyperfine); timing with $RUNS repeated runs instead (wall clock via python3)" >&2
fi
[[ -x $FERRET ]] || die "no ferret binary at $FERRET; run 'cargo build --release' first (or set FERRET)"
[[ -f $DATASETS/sms.jsonl ]] || die "no sms.jsonl in $DATASETS; pass the datasets dir as the first argument or set FERRET_DATASETS"
[[ -f $DEFAULT_MODEL ]] || die "no default model at $DEFAULT_MODEL"
DATASETS=$(cd "$DATASETS" && pwd)
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
SMS=$DATASETS/sms.jsonl

echo "== machine"
echo "nproc: $(nproc)"
lscpu 2>/dev/null | grep -E '^(Model name|CPU\(s\)|Thread|Core|Socket)' || true
echo "ferret: $FERRET ($("$FERRET" --version))"
echo "bogofilter: $(bogofilter -V 2>&1 | head -n1)"
if ((HAVE_HYPERFINE)); then echo "hyperfine: $(hyperfine --version)"; fi
echo "datasets: $DATASETS"
echo "work dir: $WORK"

# --- corpus ------------------------------------------------------------------------------------
echo "== building $N comments from sms.jsonl (not timed)"
BIG=$WORK/big.jsonl
BF=$WORK/bogofilter
rm -rf "$BF"
mkdir -p "$BF/msgs" "$BF/train/spam" "$BF/train/ham"
python3 - "$SMS" "$N" "$SEED" "$BIG" "$BF" <<'PY'
import json, os, random, sys

sms, n, seed, big, bf = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
rows = [json.loads(l) for l in open(sms, encoding="utf-8") if l.strip()]

def message(text):
    # A blank line first: bogofilter then reads the text as the body of a header-less message.
    return "\n" + text + "\n"

# Training messages for bogofilter: one file per labelled SMS; lists of their names.
lists = {"spam": [], "ham": []}
for i, r in enumerate(rows):
    p = os.path.join(bf, "train", r["label"], f"{i:05d}.txt")
    with open(p, "w", encoding="utf-8") as f:
        f.write(message(r["text"]))
    lists[r["label"]].append(p)
for label, names in lists.items():
    with open(os.path.join(bf, f"train-{label}.list"), "w") as f:
        f.write("".join(p + "\n" for p in names))

# N comments: each round a seeded shuffle of all texts, until N.
rng = random.Random(seed)
texts = [r["text"] for r in rows]
order = []
while len(order) < n:
    idx = list(range(len(texts)))
    rng.shuffle(idx)
    order.extend(idx)
order = order[:n]
with open(big, "w", encoding="utf-8") as out, open(os.path.join(bf, "check.list"), "w") as lst:
    for k, i in enumerate(order, 1):
        cid = f"c{k:06d}"
        out.write(json.dumps({"id": cid, "text": texts[i]}, ensure_ascii=False) + "\n")
        p = os.path.join(bf, "msgs", cid + ".txt")
        with open(p, "w", encoding="utf-8") as f:
            f.write(message(texts[i]))
        lst.write(p + "\n")
PY
lines=$(wc -l <"$BIG")
((lines >= N)) || die "built only $lines comments"
echo "$lines comments, $(du -h "$BIG" | cut -f1) JSONL; $lines files under $BF/msgs"

# --- training ----------------------------------------------------------------------------------
echo "== training both on sms.jsonl (not timed)"
SMS_MODEL=$WORK/sms.ferret
"$FERRET" train --model "$SMS_MODEL" "$SMS"
WL=$BF/wordlist
rm -rf "$WL"
mkdir -p "$WL"
BOGO=(bogofilter -C -d "$WL")
"${BOGO[@]}" -s -b <"$BF/train-spam.list"
"${BOGO[@]}" -n -b <"$BF/train-ham.list"
echo "bogofilter wordlist: $(bogoutil -d "$WL/wordlist.db" | grep '^\.MSG_COUNT' || true) ($(du -h "$WL/wordlist.db" | cut -f1))"

# --- sanity: both classify every comment -------------------------------------------------------
FERRET_ALL="$FERRET check --model $SMS_MODEL $BIG"
FERRET_ONE="$FERRET check --model $SMS_MODEL --threads 1 $BIG"
# -e: exit 0 unless an error (bogofilter otherwise exits 1 when the last message is ham).
BOGO_BATCH="bogofilter -C -d $WL -T -e -b"
$FERRET_ALL >"$WORK/ferret.out"
$BOGO_BATCH <"$BF/check.list" >"$WORK/bogofilter.out"
[[ $(wc -l <"$WORK/ferret.out") -eq $lines ]] || die "ferret printed $(wc -l <"$WORK/ferret.out") lines for $lines comments"
[[ $(wc -l <"$WORK/bogofilter.out") -eq $lines ]] || die "bogofilter printed $(wc -l <"$WORK/bogofilter.out") lines for $lines comments"
f_spam=$(grep -c '"verdict":"spam"' "$WORK/ferret.out" || true)
f_unsure=$(grep -c '"verdict":"unsure"' "$WORK/ferret.out" || true)
b_spam=$(awk '$2=="S"' "$WORK/bogofilter.out" | wc -l)
b_unsure=$(awk '$2=="U"' "$WORK/bogofilter.out" | wc -l)

# --- timing ------------------------------------------------------------------------------------
echo "== timing ($RUNS runs, $WARMUP warm-up) -- whole process, output to /dev/null"
echo "load before: $(uptime)"
# Each benchmark's wall-clock seconds, one run a line, go to $WORK/NAME.times.
BENCHES=(ferret-all-cores ferret-1-thread bogofilter-T-b)
if ((HAVE_HYPERFINE)); then
    hyperfine --warmup "$WARMUP" --runs "$RUNS" --export-json "$WORK/hyperfine.json" \
        -n ferret-all-cores "$FERRET_ALL > /dev/null" \
        -n ferret-1-thread "$FERRET_ONE > /dev/null" \
        -n bogofilter-T-b "$BOGO_BATCH < $BF/check.list > /dev/null"
    python3 -c '
import json, sys
for r in json.load(open(sys.argv[1] + "/hyperfine.json"))["results"]:
    with open(sys.argv[1] + "/" + r["command"] + ".times", "w") as f:
        f.write("".join(f"{t}\n" for t in r["times"]))' "$WORK"
else
    time_runs() { # name, then a command for bash -c
        local name=$1 cmd=$2 i
        for ((i = 0; i < WARMUP; i++)); do bash -c "$cmd"; done
        : >"$WORK/$name.times"
        for ((i = 0; i < RUNS; i++)); do
            python3 -c '
import subprocess, sys, time
t = time.perf_counter()
subprocess.run(["bash", "-c", sys.argv[1]], check=True)
print(time.perf_counter() - t)' "$cmd" >>"$WORK/$name.times"
        done
        echo "$name: $(tr '\n' ' ' <"$WORK/$name.times")s"
    }
    time_runs ferret-all-cores "$FERRET_ALL > /dev/null"
    time_runs ferret-1-thread "$FERRET_ONE > /dev/null"
    time_runs bogofilter-T-b "$BOGO_BATCH < $BF/check.list > /dev/null"
fi

echo "load after: $(uptime)"

# --- peak RSS ----------------------------------------------------------------------------------
echo "== peak RSS (/usr/bin/time -v)"
peak_kb() { # command... ; prints "Maximum resident set size" in KiB
    /usr/bin/time -v -o "$WORK/time-v.txt" "$@" >/dev/null
    awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time-v.txt"
}
rss_default=$(peak_kb "$FERRET" check --model "$DEFAULT_MODEL" "$BIG")
rss_default_1=$(peak_kb "$FERRET" check --model "$DEFAULT_MODEL" --threads 1 "$BIG")
rss_sms=$(peak_kb "$FERRET" check --model "$SMS_MODEL" "$BIG")
rss_sms_1=$(peak_kb "$FERRET" check --model "$SMS_MODEL" --threads 1 "$BIG")
rss_bogo=$(peak_kb bogofilter -C -d "$WL" -T -e -b <"$BF/check.list")

# --- summary -----------------------------------------------------------------------------------
echo
echo "== summary: $lines comments from sms.jsonl, whole process, $(nproc) cores"
python3 - "$lines" "$WORK" "${BENCHES[@]}" <<'PY'
import statistics, sys
n, work, names = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
label = {"ferret-all-cores": "ferret check (all cores)", "ferret-1-thread": "ferret check --threads 1",
         "bogofilter-T-b": "bogofilter -T -e -b"}
t = {k: [float(x) for x in open(f"{work}/{k}.times") if x.strip()] for k in names}
stat = {k: (statistics.mean(v), statistics.stdev(v) if len(v) > 1 else 0.0, statistics.median(v), min(v))
        for k, v in t.items()}
b = stat["bogofilter-T-b"]
print(f"{'':26} {'mean s':>7} {'± s':>6} {'median s':>8} {'min s':>6} {'comments/s (mean)':>18}"
      f" {'(median)':>9} {'x bogofilter (mean)':>20} {'(median)':>9} {'(min/min)':>9}")
for k in names:
    mean, sd, med, lo = stat[k]
    print(f"{label[k]:26} {mean:7.3f} {sd:6.3f} {med:8.3f} {lo:6.3f} {n / mean:18,.0f} {n / med:9,.0f}"
          f" {b[0] / mean:19.2f}x {b[2] / med:8.2f}x {b[3] / lo:8.2f}x")
ratio = b[0] / stat["ferret-all-cores"][0]
print(f"goal ferret (all cores) >= 10x bogofilter, by mean: {'MET' if ratio >= 10 else 'MISSED'} ({ratio:.2f}x)")
PY
mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB (%d KiB)", k * 1024 / 1e6, k }'; }
echo "peak RSS ferret, default model: $(mb "$rss_default") all cores; $(mb "$rss_default_1") 1 thread"
echo "peak RSS ferret, sms-trained:   $(mb "$rss_sms") all cores; $(mb "$rss_sms_1") 1 thread"
echo "peak RSS bogofilter -T -e -b:   $(mb "$rss_bogo")"
worst=$(printf '%s\n' "$rss_default" "$rss_default_1" "$rss_sms" "$rss_sms_1" | sort -n | tail -n1)
if ((worst * 1024 <= 64 * 1000 * 1000)); then
    echo "goal peak RSS <= 64 MB: MET (worst $(mb "$worst"))"
else
    echo "goal peak RSS <= 64 MB: MISSED (worst $(mb "$worst"))"
fi
echo "sanity (trained and checked on the same SMS, so not an accuracy figure):"
echo "  ferret:     spam $f_spam, unsure $f_unsure of $lines"
echo "  bogofilter: spam $b_spam, unsure $b_unsure of $lines"
echo "raw results: $WORK (hyperfine.json, ferret.out, bogofilter.out)"

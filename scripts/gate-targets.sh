#!/usr/bin/env bash
# Measures what the regression gate decides on this machine (README, "What the gate decides"):
#   1. a planted regression (scripts/plant-stream-regression.sh: three getppid() per stream send)
#      gated against the unplanted build: which stream scenarios are called regressed, and
#      whether anything off the stream path is called regressed or improved;
#   2. N A/A gate runs of one build against itself: runs with a false call, share decided;
#   3. `ipcbench compare` of two plain 3-repetition runs, one with a planted -40% throughput.
# Prints one line per run and a summary; every gate's output folder is kept under --output.
#
#   scripts/gate-targets.sh [--aa-runs N] [--budget DURATION] [--thresholds FILE] [--output DIR]
#                           [--skip-planted] [--skip-aa] [--skip-compare]
# BASE_BIN and PLANTED_BIN, when set, are used instead of building HEAD and HEAD+plant.
set -euo pipefail
aa_runs=10 budget=6m thresholds="" output="gate-targets" skip_planted=0 skip_aa=0 skip_compare=0
while [ $# -gt 0 ]; do
    case "$1" in
        --aa-runs) aa_runs="$2"; shift 2 ;;
        --budget) budget="$2"; shift 2 ;;
        --thresholds) thresholds="$2"; shift 2 ;;
        --output) output="$2"; shift 2 ;;
        --skip-planted) skip_planted=1; shift ;;
        --skip-aa) skip_aa=1; shift ;;
        --skip-compare) skip_compare=1; shift ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "gate-targets: unknown option $1" >&2; exit 64 ;;
    esac
done
repo=$(git rev-parse --show-toplevel)
cd "$repo"
mkdir -p "$output"
output=$(cd "$output" && pwd)
[ -z "$thresholds" ] || thresholds=$(cd "$(dirname "$thresholds")" && pwd)/$(basename "$thresholds")
work=$(mktemp -d "${TMPDIR:-/tmp}/ipcbench-targets.XXXXXX")
cleanup() {
    git worktree remove --force "$work/planted" >/dev/null 2>&1 || true
    rm -rf "$work"
    # SwiftPM leaves a lock file per build folder beside it, named after the folder's path.
    rm -f "$(dirname "$work")/$(printf '%s' "$work" | tr / _)"_*.lock
}
trap cleanup EXIT

if [ -z "${BASE_BIN:-}" ]; then
    swift build -c release >/dev/null
    BASE_BIN="$repo/.build/release/ipcbench"
fi
cp "$BASE_BIN" "$work/base"
cp "$BASE_BIN" "$work/base-again"   # A/A: the same bytes under another name
if [ -z "${PLANTED_BIN:-}" ] && [ "$skip_planted" = 0 ]; then
    git worktree add --detach --quiet "$work/planted" HEAD
    (cd "$work/planted" && scripts/plant-stream-regression.sh && swift build -c release >/dev/null)
    PLANTED_BIN="$work/planted/.build/release/ipcbench"
fi
gate_flags=(--suite "$repo/Benchmarks/suites/quick.suite" --budget "$budget")
[ -z "$thresholds" ] || gate_flags+=(--thresholds "$thresholds")

# verdicts DIR: one line per comparison: mechanism mode size metric verdict
verdicts() {
    python3 - "$1/compare.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for c in doc.get("comparisons", []):
    s = c["scenario"]
    print(s["mechanism"], s["mode"], s["payload_bytes"], s["wait"], c["metric"], c["verdict"])
print("#gate", round(doc.get("gate", {}).get("elapsed_s", 0)), doc.get("gate", {}).get("rounds_run", 0))
PY
}

if [ "$skip_planted" = 0 ]; then
    set +e
    "$work/base" gate --base "$work/base" --candidate "$PLANTED_BIN" "${gate_flags[@]}" --output "$output/planted" >"$output/planted.txt" 2>&1
    status=$?
    set -e
    verdicts "$output/planted" >"$output/planted.verdicts"
    caught=$(awk '($1=="pipe"||$1=="fifo"||$1=="unix-stream") && $2=="throughput" && ($3==64||$3==4096) && $6=="regressed"' "$output/planted.verdicts" | wc -l)
    off=$(awk '$1!~/^#/ && $1!="pipe" && $1!="fifo" && $1!="unix-stream" && $1!="tcp" && $1!="eventfd" && ($6=="regressed"||$6=="improved")' "$output/planted.verdicts")
    read -r _ secs rounds < <(grep '^#gate' "$output/planted.verdicts")
    echo "planted: gate exit $status; stream throughput regressed $caught of 6; off the stream path called: ${off:-none}; ${secs} s, ${rounds} rounds"
    awk '($1=="pipe"||$1=="fifo"||$1=="unix-stream"||$1=="tcp"||$1=="eventfd") {print "  " $0}' "$output/planted.verdicts"
fi

if [ "$skip_aa" = 0 ]; then
    false_runs=0 decided_total=0 compared_total=0
    for run in $(seq 1 "$aa_runs"); do
        set +e
        "$work/base" gate --base "$work/base" --candidate "$work/base-again" "${gate_flags[@]}" --output "$output/aa-$run" >"$output/aa-$run.txt" 2>&1
        status=$?
        set -e
        verdicts "$output/aa-$run" >"$output/aa-$run.verdicts"
        flagged=$(awk '$6=="regressed"||$6=="improved"' "$output/aa-$run.verdicts" | wc -l)
        unchanged=$(awk '$6=="unchanged"' "$output/aa-$run.verdicts" | wc -l)
        total=$(grep -vc '^#' "$output/aa-$run.verdicts" || true)
        read -r _ secs rounds < <(grep '^#gate' "$output/aa-$run.verdicts")
        [ "$flagged" -eq 0 ] || false_runs=$((false_runs + 1))
        decided_total=$((decided_total + unchanged)); compared_total=$((compared_total + total))
        echo "A/A $run/$aa_runs: gate exit $status; $flagged called regressed or improved; $unchanged of $total unchanged; ${secs} s, ${rounds} rounds"
    done
    echo "A/A: $false_runs of $aa_runs runs called something regressed or improved; $decided_total of $compared_total comparisons decided unchanged ($((100 * decided_total / (compared_total > 0 ? compared_total : 1)))%)"
fi

if [ "$skip_compare" = 0 ]; then
    "$work/base" run --suite "$repo/Benchmarks/suites/quick.suite" --repetitions 3 --quiet --output "$output/plain-a.csv"
    # The candidate: the same rows, pipe throughput 40% lower.
    python3 - "$output/plain-a.csv" "$output/plain-b.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
h = rows[0]
m, mode, mib, msgs = h.index("mechanism"), h.index("mode"), h.index("mib_per_s"), h.index("msgs_per_s")
for r in rows[1:]:
    if r[m] == "pipe" and r[mode] == "throughput" and r[mib]:
        r[mib] = "%.3f" % (float(r[mib]) * 0.6)
        r[msgs] = "%.1f" % (float(r[msgs]) * 0.6)
csv.writer(open(sys.argv[2], "w", newline=""), lineterminator="\r\n").writerows(rows)
PY
    set +e
    "$work/base" compare "$output/plain-a.csv" "$output/plain-b.csv" >"$output/plain-compare.txt" 2>&1
    status=$?
    set -e
    echo "compare of two 3-repetition runs, pipe throughput -40%: exit $status ($( [ $status -eq 0 ] && echo 'PASSED SILENTLY' || echo 'not a silent pass'))"
fi

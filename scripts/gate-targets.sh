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
# The arithmetic of the summaries: scripts/ipcbench_tools/gate_targets.py.
export PYTHONPATH="$repo/scripts${PYTHONPATH:+:$PYTHONPATH}"
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

# verdicts DIR: one line per comparison: mechanism mode size wait metric verdict, then #gate seconds rounds
verdicts() {
    python3 -m ipcbench_tools.gate_targets verdicts "$1/compare.json"
}

if [ "$skip_planted" = 0 ]; then
    set +e
    "$work/base" gate --base "$work/base" --candidate "$PLANTED_BIN" "${gate_flags[@]}" --output "$output/planted" >"$output/planted.txt" 2>&1
    status=$?
    set -e
    verdicts "$output/planted" >"$output/planted.verdicts"
    python3 -m ipcbench_tools.gate_targets planted "$output/planted.verdicts" "$status"
fi

if [ "$skip_aa" = 0 ]; then
    aa_verdicts=()
    for run in $(seq 1 "$aa_runs"); do
        set +e
        "$work/base" gate --base "$work/base" --candidate "$work/base-again" "${gate_flags[@]}" --output "$output/aa-$run" >"$output/aa-$run.txt" 2>&1
        status=$?
        set -e
        verdicts "$output/aa-$run" >"$output/aa-$run.verdicts"
        aa_verdicts+=("$output/aa-$run.verdicts")
        python3 -m ipcbench_tools.gate_targets aa-run "$output/aa-$run.verdicts" "$run" "$aa_runs" "$status"
    done
    python3 -m ipcbench_tools.gate_targets aa-summary ${aa_verdicts[@]+"${aa_verdicts[@]}"}
fi

if [ "$skip_compare" = 0 ]; then
    "$work/base" run --suite "$repo/Benchmarks/suites/quick.suite" --repetitions 3 --quiet --output "$output/plain-a.csv"
    # The candidate: the same rows, pipe throughput 40% lower.
    python3 -m ipcbench_tools.gate_targets plant-pipe-regression "$output/plain-a.csv" "$output/plain-b.csv"
    set +e
    "$work/base" compare "$output/plain-a.csv" "$output/plain-b.csv" >"$output/plain-compare.txt" 2>&1
    status=$?
    set -e
    echo "compare of two 3-repetition runs, pipe throughput -40%: exit $status ($( [ $status -eq 0 ] && echo 'PASSED SILENTLY' || echo 'not a silent pass'))"
fi

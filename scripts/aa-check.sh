#!/usr/bin/env bash
# How often does `ipcbench compare` flag a change when nothing changed? Runs N A/A comparisons
# with one build: each is ROUNDS rounds of the suite (one repetition per side per round,
# interleaved A B A B ... exactly like scripts/ci-compare.sh), then compare. Prints each
# comparison's verdict counts and the share of comparisons that flagged anything.
#
#   scripts/aa-check.sh [--runs N] [--rounds R] [--suite NAME] [--threshold PERCENT]
set -euo pipefail
runs=10 rounds=10 suite=quick threshold=5
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        --suite) suite="$2"; shift 2 ;;
        --threshold) threshold="$2"; shift 2 ;;
        -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
        *) echo "aa-check: unknown option $1" >&2; exit 64 ;;
    esac
done
cd "$(git rev-parse --show-toplevel)"
bin=${IPCBENCH:-.build/release/ipcbench}
[ -x "$bin" ] || swift build -c release >/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/ipcbench-aa.XXXXXX")
trap 'rm -rf "$work"' EXIT

flagged=0 regressed_runs=0
for run in $(seq 1 "$runs"); do
    : >"$work/a.csv"; : >"$work/b.csv"
    for round in $(seq 1 "$rounds"); do
        for side in a b; do
            "$bin" run --suite "$suite" --repetitions 1 --keep-going --quiet --output "$work/part.csv" || true
            if [ -s "$work/$side.csv" ]; then tail -n +2 "$work/part.csv" >>"$work/$side.csv"; else cp "$work/part.csv" "$work/$side.csv"; fi
        done
    done
    set +e
    "$bin" compare "$work/a.csv" "$work/b.csv" --threshold "$threshold" --format json --output "$work/c.json"
    status=$?
    set -e
    counts=$(python3 -c "import json,sys; s=json.load(open('$work/c.json'))['summary']; print(' '.join(f'{k}={v}' for k,v in s.items()))")
    any=$(python3 -c "import json; s=json.load(open('$work/c.json'))['summary']; print(1 if s['regressed']+s['improved']>0 else 0)")
    flagged=$((flagged + any))
    [ "$status" -eq 1 ] && regressed_runs=$((regressed_runs + 1))
    echo "A/A $run/$runs: compare exit $status; $counts"
done
echo "aa-check: $flagged of $runs A/A comparisons flagged a change (regressed or improved); $regressed_runs would have failed CI (exit 1)"

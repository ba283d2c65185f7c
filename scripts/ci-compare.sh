#!/usr/bin/env bash
# Regression check for CI: build BASE and CANDIDATE revisions, run the quick suite for both on
# this machine, interleaved (A B A B ...), compare them, write a markdown summary and charts.
# Exits with `ipcbench compare`'s status: 0 no regression, 1 regression, 2+ could not compare.
#
#   scripts/ci-compare.sh [--base REV] [--candidate REV] [--rounds N] [--suite NAME]
#                         [--threshold PERCENT] [--output DIR]
#
# Defaults: --base origin/main (or main), --candidate HEAD, --rounds 10, --suite quick,
# --threshold 5, --output ci-results. With $GITHUB_STEP_SUMMARY set, the markdown summary is
# appended to it. Each round runs one repetition of the suite per side, so ten rounds give ten
# repetitions a side: compare adjusts for its ~100 comparisons, which takes eight at the least.
set -euo pipefail

base="" candidate="HEAD" rounds=10 suite="quick" threshold=5 output="ci-results"
while [ $# -gt 0 ]; do
    case "$1" in
        --base) base="$2"; shift 2 ;;
        --candidate) candidate="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        --suite) suite="$2"; shift 2 ;;
        --threshold) threshold="$2"; shift 2 ;;
        --output) output="$2"; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "ci-compare: unknown option $1" >&2; exit 64 ;;
    esac
done
case "$rounds" in ''|*[!0-9]*) echo "ci-compare: --rounds takes a whole number" >&2; exit 64 ;; esac
[ "$rounds" -ge 1 ] || { echo "ci-compare: --rounds must be at least 1" >&2; exit 64; }

repo=$(git rev-parse --show-toplevel)
cd "$repo"
if [ -z "$base" ]; then
    if git rev-parse -q --verify origin/main >/dev/null; then base=origin/main; else base=main; fi
fi
base_sha=$(git rev-parse --verify "$base^{commit}")
candidate_sha=$(git rev-parse --verify "$candidate^{commit}")

work=$(mktemp -d "${TMPDIR:-/tmp}/ipcbench-ci.XXXXXX")
cleanup() {
    git -C "$repo" worktree remove --force "$work/base" >/dev/null 2>&1 || true
    git -C "$repo" worktree remove --force "$work/candidate" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

build() {  # build REV into $work/NAME; print the binary's path
    local name=$1 sha=$2
    git -C "$repo" worktree add --detach --quiet "$work/$name" "$sha"
    (cd "$work/$name" && swift build -c release >"$work/$name-build.log" 2>&1) || {
        echo "ci-compare: building $name ($sha) failed:" >&2; tail -20 "$work/$name-build.log" >&2; exit 70; }
    echo "$work/$name/.build/release/ipcbench"
}
echo "ci-compare: building base $base ($base_sha) and candidate $candidate ($candidate_sha)" >&2
base_bin=$(build base "$base_sha")
candidate_bin=$(build candidate "$candidate_sha")

mkdir -p "$output"
: >"$work/base.csv"; : >"$work/candidate.csv"
append() {  # append CSV $1 to $2, keeping one header
    if [ -s "$2" ]; then tail -n +2 "$1" >>"$2"; else cat "$1" >"$2"; fi
}
for round in $(seq 1 "$rounds"); do
    for side in base candidate; do
        bin=$base_bin; [ "$side" = candidate ] && bin=$candidate_bin
        # The suite files come from each side's own tree, so a suite change is measured too.
        (cd "$work/$side" && "$bin" run --suite "$suite" --repetitions 1 --keep-going --quiet \
            --output "$work/$side-$round.csv") || echo "ci-compare: $side round $round had failures (see CSV)" >&2
        append "$work/$side-$round.csv" "$work/$side.csv"
        echo "ci-compare: round $round/$rounds $side done" >&2
    done
done
cp "$work/base.csv" "$output/base.csv"
cp "$work/candidate.csv" "$output/candidate.csv"

set +e
"$candidate_bin" compare "$output/base.csv" "$output/candidate.csv" --threshold "$threshold" \
    --format markdown --output "$output/summary.md"
status=$?
"$candidate_bin" compare "$output/base.csv" "$output/candidate.csv" --threshold "$threshold"
set -e
"$candidate_bin" plot "$output/candidate.csv" --baseline "$output/base.csv" --threshold "$threshold" \
    --output "$output/charts" >/dev/null || echo "ci-compare: plotting failed" >&2
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$output/summary.md" ]; then
    cat "$output/summary.md" >>"$GITHUB_STEP_SUMMARY"
fi
echo "ci-compare: results in $output (summary.md, base.csv, candidate.csv, charts/); compare exit $status" >&2
exit "$status"

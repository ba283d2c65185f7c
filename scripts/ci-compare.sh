#!/usr/bin/env bash
# The CI regression gate: build BASE and CANDIDATE, then `ipcbench gate` measures them scenario by
# scenario, both builds warm, in short alternating bursts, each scenario for its share of the
# budget; writes summary.md, compare.json, base.csv, candidate.csv and charts/ into the output
# folder. The measuring and deciding are ipcbench's; this script only builds and hands over.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: scripts/ci-compare.sh [--base REV] [--candidate REV] [--suite NAME|PATH] [--budget DURATION]
                             [--threshold PERCENT] [--thresholds FILE] [--output DIR] [-- GATE FLAGS]

  --base REV          baseline revision (default origin/main, else main)
  --candidate REV     candidate revision (default HEAD)
  --suite NAME|PATH   scenarios (default gate), from the candidate's tree
  --budget DURATION   measuring time, builds excluded (default 6m)
  --threshold PERCENT a change below this is none (default 5)
  --thresholds FILE   per-scenario thresholds learned on this runner (ipcbench gate --learn-thresholds)
  --output DIR        results folder (default ci-results)
  -- GATE FLAGS       passed to `ipcbench gate` as they are (e.g. -- --min-time 50ms)

exit status: 0 no regression; 1 a regression (or a scenario failing only on the candidate);
6 a likely regression (beyond the threshold at the lenient level only: rerun or raise
--budget); 4 nothing to compare; 64 bad option; 65 bad suite file; 70 a build failed;
71 a build could not be run or misbehaved; 73 results could not be written.
EOF
}

base="" candidate="HEAD" suite="gate" budget="6m" threshold=5 thresholds="" output="ci-results"
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --base|--candidate|--suite|--budget|--threshold|--thresholds|--output)
            [ $# -ge 2 ] && [ "${2#--}" = "$2" ] || { echo "ci-compare: $1 needs a value" >&2; exit 64; }
            case "$1" in
                --base) base="$2" ;; --candidate) candidate="$2" ;; --suite) suite="$2" ;;
                --budget) budget="$2" ;; --threshold) threshold="$2" ;; --thresholds) thresholds="$2" ;;
                --output) output="$2" ;;
            esac
            shift 2 ;;
        -h|--help) usage; exit 0 ;;
        --) shift; extra=("$@"); break ;;
        *) echo "ci-compare: unknown option $1 (see --help)" >&2; exit 64 ;;
    esac
done

repo=$(git rev-parse --show-toplevel)
cd "$repo"
if [ -z "$base" ]; then
    if git rev-parse -q --verify origin/main >/dev/null; then base=origin/main; else base=main; fi
fi
base_sha=$(git rev-parse -q --verify "$base^{commit}") || { echo "ci-compare: --base $base is not a revision" >&2; exit 64; }
candidate_sha=$(git rev-parse -q --verify "$candidate^{commit}") || { echo "ci-compare: --candidate $candidate is not a revision" >&2; exit 64; }
# A setup mistake is found before anything is built, and never reported as a regression.
case "$suite" in
    */*|*.suite) [ -f "$suite" ] || { echo "ci-compare: --suite $suite: no such file" >&2; exit 64; } ;;
    *) git cat-file -e "$candidate_sha:Benchmarks/suites/$suite.suite" 2>/dev/null || {
           echo "ci-compare: --suite $suite: no Benchmarks/suites/$suite.suite in $candidate" >&2; exit 64; } ;;
esac
if [ -n "$thresholds" ] && [ ! -f "$thresholds" ]; then echo "ci-compare: --thresholds $thresholds: no such file" >&2; exit 64; fi
case "$output" in /*) ;; *) output="$repo/$output" ;; esac
case "$suite" in /*|*.suite|*/*) [ "${suite#/}" != "$suite" ] || suite="$repo/$suite" ;; esac
[ -z "$thresholds" ] || case "$thresholds" in /*) ;; *) thresholds="$repo/$thresholds" ;; esac

work=$(mktemp -d "${TMPDIR:-/tmp}/ipcbench-ci.XXXXXX")
cleanup() {
    git -C "$repo" worktree remove --force "$work/base" >/dev/null 2>&1 || true
    git -C "$repo" worktree remove --force "$work/candidate" >/dev/null 2>&1 || true
    rm -rf "$work"
    # SwiftPM leaves a lock file per build folder beside it, named after the folder's path.
    rm -f "$(dirname "$work")/$(printf '%s' "$work" | tr / _)"_*.lock
}
trap cleanup EXIT

build() {  # build REV into $work/NAME
    local name=$1 sha=$2
    git -C "$repo" worktree add --detach --quiet "$work/$name" "$sha"
    (cd "$work/$name" && swift build -c release >"$work/$name-build.log" 2>&1) || {
        echo "ci-compare: building $name ($sha) failed:" >&2; tail -20 "$work/$name-build.log" >&2; exit 70; }
}
echo "ci-compare: building base $base ($base_sha) and candidate $candidate ($candidate_sha)" >&2
build base "$base_sha"
build candidate "$candidate_sha"
base_bin="$work/base/.build/release/ipcbench"
candidate_bin="$work/candidate/.build/release/ipcbench"

mkdir -p "$output"
args=(gate --base "$base_bin" --candidate "$candidate_bin" --suite "$suite" --budget "$budget"
      --threshold "$threshold" --output "$output")
[ -z "$thresholds" ] || args+=(--thresholds "$thresholds")
set +e
(cd "$work/candidate" && "$candidate_bin" "${args[@]}" "${extra[@]}")
status=$?
set -e
if [ -s "$output/candidate.csv" ] && [ -s "$output/base.csv" ]; then
    "$candidate_bin" plot "$output/candidate.csv" --baseline "$output/base.csv" --threshold "$threshold" \
        --output "$output/charts" >/dev/null 2>&1 || echo "ci-compare: no charts (nothing to plot)" >&2
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$output/summary.md" ]; then
    cat "$output/summary.md" >>"$GITHUB_STEP_SUMMARY"
fi
echo "ci-compare: results in $output (summary.md, compare.json, base.csv, candidate.csv, charts/); gate exit $status" >&2
exit "$status"

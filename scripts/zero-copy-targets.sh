#!/usr/bin/env bash
# The zero-copy targets of issue 11, measured side by side: each round is one ipcbench run
# holding every row a target compares (the in-place and the copying ring, memcpy, pipe,
# vmsplice, cma), so each ratio is taken inside one run; rounds repeat it and the verdict is on
# the median of the rounds' ratios. A report: exits 1 only when a measured target FAILs.
set -euo pipefail

usage() {
    cat <<EOF
usage: scripts/zero-copy-targets.sh [options]

Each round runs
  ipcbench run --mechanisms shm-posix,memcpy,pipe,vmsplice,cma --sizes 64K,1M --copy copy,zero
               --modes throughput,latency --waits WAIT --placements PLACEMENT --ring-size 4M
               --repetitions 1
and the report prints, per target, the ratio in each round, their median and PASS or FAIL:
  in-place ring throughput at 64 KiB and 1 MiB  >= 1.5x the copying ring, >= 1.0x memcpy
  in-place ring round trip at 1 MiB             <= 0.5x the copying ring's
  vmsplice throughput at 1 MiB (in place)       >= 1.5x pipe
  cma throughput at 1 MiB (in place)            >= 1.3x pipe
The ring is 4 MiB so that a 1 MiB message is lent whole, with room for the next.

options:
  --rounds N         rounds (default 5)
  --wait WAIT        spin or block (default spin)
  --placement P      cross-core, same-core or unpinned (default cross-core)
  --output DIR       keep the CSVs here (default: a temp folder, removed)
  -h, --help         this text

environment:
  IPCBENCH=path      use this ipcbench binary instead of building one

exit status: 0 no measured target FAILs, 1 one does, 2 bad usage, 70 the build failed
EOF
}

die() {
    echo "zero-copy-targets: $*" >&2
    exit 2
}

rounds=5
wait=spin
placement=cross-core
output=
while (($# > 0)); do
    case $1 in
        --rounds) rounds=${2:?--rounds needs a value}; shift 2 ;;
        --wait) wait=${2:?--wait needs a value}; shift 2 ;;
        --placement) placement=${2:?--placement needs a value}; shift 2 ;;
        --output) output=${2:?--output needs a value}; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "--rounds must be a positive whole number"
[[ $wait == spin || $wait == block ]] || die "--wait is spin or block"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PYTHONPATH="$repo/scripts${PYTHONPATH:+:$PYTHONPATH}"
if [[ -n ${IPCBENCH:-} ]]; then
    ipcbench=$IPCBENCH
else
    (cd "$repo" && swift build -c release 2>&1 | tail -1) || { echo "zero-copy-targets: the build failed" >&2; exit 70; }
    ipcbench="$repo/.build/release/ipcbench"
fi
if [[ -n $output ]]; then
    mkdir -p "$output"
    folder=$output
else
    folder=$(mktemp -d "${TMPDIR:-/tmp}/zero-copy-targets.XXXXXX")
    trap 'rm -rf "$folder"' EXIT
fi

echo "zero-copy-targets: $rounds rounds, --waits $wait (memcpy spins), --placements $placement"
for ((round = 1; round <= rounds; round++)); do
    "$ipcbench" run --mechanisms shm-posix,memcpy,pipe,vmsplice,cma --sizes 64K,1M --copy copy,zero \
        --modes throughput,latency --waits "$wait,spin" --placements "$placement" --ring-size 4M \
        --repetitions 1 --keep-going --quiet --output "$folder/round-$round.csv" >/dev/null || true
done
python3 -m ipcbench_tools.zero_copy_targets "$folder" "$wait"

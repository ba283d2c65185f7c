#!/usr/bin/env bash
# Scaling: aggregate throughput of --pairs k (k independent channels) and --topology fan-in:k
# (k producers, one consumer, one channel) for k from 1 to the CPU count, and its ratio to
# perfect scaling, so a many-core user sees where a mechanism stops scaling. Runs from a copied
# binary (no Swift toolchain needed: bash and python3), e.g. on a larger machine.
set -euo pipefail

usage() {
    cat <<EOF
usage: scripts/scaling.sh [options]

For every round (the outer loop, so drift falls on every k alike) and every k from 1 to
--max, runs
  ipcbench run --mechanisms LIST --modes throughput --sizes SIZE --waits WAIT --placements cross-core
               --pairs k --repetitions 1 --messages N            (pairs-k-rR.csv)
  ipcbench run ... --topology fan-in:k --pairs 1                 (fan-in-k-rR.csv)
and prints, per mechanism and kind, the median aggregate msgs/s and MiB/s, the ratio to k times
the k=1 figure ("x perfect"), CPU time and context switches per message. Cross-core spreads the
workers over the CPUs in order, one each while there are enough; a point with more workers than
CPUs is marked crowded. A mechanism stops scaling at the first uncrowded k below 0.8x perfect;
CPU time per message that grows with k is contention (a kernel lock, a bouncing cache line).

options:
  --mechanisms LIST  default pipe,unix-dgram,posix-mq,sysv-mq,shm-posix (fan-in runs only where
                     the mechanism takes several producers; the others get a skipped row)
  --size SIZE        payload (default 4K; fan-in through a pipe needs <= 4096)
  --wait WAIT        block or spin (default block)
  --max K            largest k (default: the CPUs this process may use)
  --rounds N         rounds (default 3)
  --messages N       messages per producer and run (default 50000)
  --output DIR       keep the CSVs here (default: a temp folder, removed)
  --binary PATH      ipcbench to run (default: build one with the Swift stdlib linked
                     statically: swift build -c release --static-swift-stdlib)
  -h, --help         this text

exit status: 0 every point ran, 1 a point failed, 2 bad usage, 70 the build failed
EOF
}

die() {
    echo "scaling: $*" >&2
    exit 2
}

mechanisms=pipe,unix-dgram,posix-mq,sysv-mq,shm-posix
size=4K
wait=block
max=
rounds=3
messages=50000
output=
binary=
while (($# > 0)); do
    case $1 in
        --mechanisms) mechanisms=${2:?--mechanisms needs a value}; shift 2 ;;
        --size) size=${2:?--size needs a value}; shift 2 ;;
        --wait) wait=${2:?--wait needs a value}; shift 2 ;;
        --max) max=${2:?--max needs a value}; shift 2 ;;
        --rounds) rounds=${2:?--rounds needs a value}; shift 2 ;;
        --messages) messages=${2:?--messages needs a value}; shift 2 ;;
        --output) output=${2:?--output needs a value}; shift 2 ;;
        --binary) binary=${2:?--binary needs a value}; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
done
for n in rounds messages ${max:+max}; do
    [[ ${!n} =~ ^[1-9][0-9]*$ ]] || die "--$n must be a positive whole number"
done
command -v python3 >/dev/null || die "python3 is needed for the report"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PYTHONPATH="$repo/scripts${PYTHONPATH:+:$PYTHONPATH}"
cpus=$(python3 -c 'import os; print(len(os.sched_getaffinity(0)))')
max=${max:-$cpus}

if [[ -z $binary ]]; then
    (cd "$repo" && swift build -c release --static-swift-stdlib 2>&1 | tail -1) || { echo "scaling: the build failed" >&2; exit 70; }
    binary="$repo/.build/release/ipcbench"
fi
[[ -x $binary ]] || die "--binary $binary is not an executable"

if [[ -n $output ]]; then
    mkdir -p "$output"
    folder=$output
else
    folder=$(mktemp -d "${TMPDIR:-/tmp}/scaling.XXXXXX")
    trap 'rm -rf "$folder"' EXIT
fi

echo "scaling: $binary on $cpus CPUs (Linux $(uname -r)); k = 1..$max, $rounds rounds, $size, --waits $wait"
echo
common=(run --mechanisms "$mechanisms" --modes throughput --sizes "$size" --waits "$wait" --placements cross-core
        --copy copy --repetitions 1 --messages "$messages" --warmup 1000 --keep-going --quiet)
for ((round = 1; round <= rounds; round++)); do
    for ((k = 1; k <= max; k++)); do
        "$binary" "${common[@]}" --pairs "$k" --output "$folder/pairs-$k-r$round.csv" >/dev/null || true
        "$binary" "${common[@]}" --topology "fan-in:$k" --output "$folder/fan-in-$k-r$round.csv" >/dev/null || true
    done
done
python3 -m ipcbench_tools.scaling "$folder" "$cpus"

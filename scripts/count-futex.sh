#!/usr/bin/env bash
# Counts the futex system calls of ipcbench's blocking shared-memory ring (shm-posix,
# --waits block) in throughput mode, with both sides busy on CPUs of their own: strace counts
# them from the outside, ipcbench counts them itself (futex_calls_per_msg). Two busy sides
# should pass messages without the kernel: PASS when strace sees at most 1 per 100 messages.
set -euo pipefail

usage() {
    cat <<EOF
usage: scripts/count-futex.sh [options]

For each size, runs
  ipcbench run --mechanisms shm-posix --waits block --modes throughput --placements cross-core
               --sizes SIZE --repetitions 1 --messages N --output <tmp>/x.csv --quiet
once under 'strace -f -c -e trace=futex' and once without, and prints the futex calls per 100
messages that strace counted (every process: the coordinator, both workers, warm-up and the
start barriers included, divided by the measured plus warm-up messages) beside ipcbench's own
futex_calls_per_msg x 100 (both workers, measured window only) from each run. strace makes
every futex call much slower, which can change how often a side falls asleep, so the run
without it is the undisturbed figure.

options:
  --sizes LIST      default 4K,64K
  --messages N      measured messages per size (default 200000)
  -h, --help        this text

exit status: 0 all PASS, 1 a FAIL or a failed run, 2 bad usage or strace missing

environment:
  IPCBENCH=path     use this ipcbench binary instead of building one
EOF
}

die() {
    echo "count-futex: $*" >&2
    exit 2
}

sizes=4K,64K
messages=200000
while (($# > 0)); do
    case $1 in
        --sizes) sizes=${2:?--sizes needs a value}; shift 2 ;;
        --messages) messages=${2:?--messages needs a value}; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
done
[[ $messages =~ ^[1-9][0-9]*$ ]] || die "--messages must be a positive whole number"
IFS=, read -r -a size_list <<<"$sizes"
((${#size_list[@]} > 0)) || die "--sizes is empty"

command -v strace >/dev/null || die "strace is not installed; install it with: apt-get install strace"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
export PYTHONPATH="$repo/scripts${PYTHONPATH:+:$PYTHONPATH}"
if [[ -n ${IPCBENCH:-} ]]; then
    ipcbench=$IPCBENCH
else
    echo "count-futex: swift build -c release" >&2
    swift build -c release >&2
    ipcbench=.build/release/ipcbench
fi
[[ -x $ipcbench ]] || die "no ipcbench binary at $ipcbench"

workdir=$(mktemp -d "${TMPDIR:-/tmp}/count-futex.XXXXXX")
trap 'rm -rf "$workdir"' EXIT

# Runs one size; $1 is the size, $2 a name for the files, the rest a command to run ipcbench under.
run_ipcbench() {
    local size=$1 name=$2
    shift 2
    "$@" "$ipcbench" run --mechanisms shm-posix --waits block --copy copy --modes throughput --placements cross-core \
        --sizes "$size" --repetitions 1 --messages "$messages" --output "$workdir/$name.csv" --quiet \
        2>"$workdir/$name.err" || {
        echo "count-futex: ipcbench failed for $size ($name):" >&2
        cat "$workdir/$name.err" >&2
        return 1
    }
}

echo "count-futex: shm-posix, --waits block, throughput, cross-core, $messages messages per size," \
    "cpus=$(nproc) kernel=$(uname -r)" >&2
status=0
for size in "${size_list[@]}"; do
    echo "count-futex: $size: under strace, then without" >&2
    run_ipcbench "$size" "traced-$size" strace -f -c -e trace=futex -o "$workdir/strace-$size.txt" || status=1
    run_ipcbench "$size" "plain-$size" || status=1
done
((status == 0)) || exit 1

# The table and the verdicts: scripts/ipcbench_tools/count_futex.py.
python3 -m ipcbench_tools.count_futex "$workdir" "$sizes"

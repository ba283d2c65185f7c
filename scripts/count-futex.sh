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
    "$@" "$ipcbench" run --mechanisms shm-posix --waits block --modes throughput --placements cross-core \
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

python3 - "$workdir" "$sizes" <<'PY'
"""Prints strace's futex calls per 100 messages beside ipcbench's own count, per size."""
import csv
import sys

MAX_PER_100 = 1.0
workdir, sizes = sys.argv[1], sys.argv[2].split(",")


def ipcbench_row(name):
    with open(f"{workdir}/{name}.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r.get("mechanism") == "shm-posix"]
    if len(rows) != 1 or rows[0].get("status") != "ok":
        sys.exit(f"count-futex: {name}: expected one ok shm-posix row, got {rows!r}")
    return rows[0]


def strace_futex_calls(size):
    """The calls column of strace -c's futex line (no line: none were made)."""
    with open(f"{workdir}/strace-{size}.txt") as f:
        for line in f:
            fields = line.split()
            if fields and fields[-1] == "futex":
                return int(fields[3])
    return 0


table = [["size", "messages", "strace calls", "strace /100 msgs", "ipcbench x100 (traced)",
          "ipcbench x100 (no strace)", "verdict"]]
failed = False
for size in sizes:
    traced, plain = ipcbench_row(f"traced-{size}"), ipcbench_row(f"plain-{size}")
    measured, warmup = int(traced["messages"]), int(traced.get("warmup_messages") or 0)
    calls = strace_futex_calls(size)
    per_100 = 100.0 * calls / (measured + warmup)
    ok = per_100 <= MAX_PER_100
    failed |= not ok
    table.append([traced["payload_bytes"], f"{measured}+{warmup}", str(calls), f"{per_100:.3f}",
                  f"{100 * float(traced['futex_calls_per_msg']):.3f}",
                  f"{100 * float(plain['futex_calls_per_msg']):.3f}", "PASS" if ok else "FAIL"])

widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
for r in table:
    print("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))))
print()
print("messages: measured + warm-up, the denominator of the strace figure.")
print("strace: every futex call of every process in the run (coordinator, both workers, warm-up and")
print("  the harness's start barriers, a handful per repetition), nothing subtracted.")
print("ipcbench: its futex_calls_per_msg x 100, both workers, measured window only; 'no strace' is")
print("  from a separate run without strace, which slows every futex call.")
print(f"verdict: PASS when strace counts at most {MAX_PER_100:g} per 100 messages.")
sys.exit(1 if failed else 0)
PY

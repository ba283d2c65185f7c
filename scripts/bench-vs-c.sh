#!/usr/bin/env bash
# Runs ipcbench and the C reference loops (Benchmarks/reference/ipcref.c) side by side,
# interleaved round by round, and prints how far ipcbench is from C for every mechanism, mode,
# size and wait, then the shared-memory targets. It is a report: it exits 0 unless something
# broke (or --strict finds a FAIL).
set -euo pipefail

all_mechanisms=pipe,fifo,unix-stream,unix-dgram,unix-seqpacket,tcp,posix-mq,sysv-mq,eventfd,signal,futex,shm-posix,shm-sem,vmsplice,cma,memfd-pass,memcpy,cacheline

usage() {
    cat <<EOF
usage: scripts/bench-vs-c.sh [options]

Builds .build/ipcref/ipcref and ipcbench (swift build -c release) and runs both for each
mechanism, mode, size and wait, --rounds times. Rounds are the outer loop (round 1 of every
scenario, then round 2, ...), and within a round the two sides run back to back, C first in odd
rounds and ipcbench first in even ones, so drift on a noisy machine falls on both sides alike.

Each round k gives a paired ratio, ipcbench_k / C_k; a scenario's verdict is on the median of
those ratios:
  latency     rtt p50; PASS when ipcbench/C <= 1.10
  throughput  MiB/s;   PASS when ipcbench/C >= 0.90 (4 KiB and 64 KiB)

Rows: the kernel mechanisms block; shm-posix runs with --waits spin and block (latency at 64 B,
4 KiB, 64 KiB; throughput at 4 KiB, 64 KiB); memcpy (throughput) and cacheline (latency, 8 B)
are the ceilings and run with spin. After the table come the shared-memory targets, which also
compare ipcbench's ring with its own memcpy, cacheline and pipe rows of the same run: include
memcpy, cacheline and pipe in --mechanisms for all of them.

options:
  --mechanisms a,b   default: $all_mechanisms
  --rounds N         C/ipcbench pairs per scenario (default 5)
  --placement P      cross-core | same-core | unpinned (default cross-core); the targets are set
                     for cross-core, and only count towards --strict there
  --messages N       messages per run (default: kernel mechanisms 20000, and 200000 for
                     throughput at 4 KiB; shm-posix, memcpy and cacheline 100000 round trips up
                     to 4 KiB and 20000 above, 1000000 messages at 4 KiB and 100000 above)
  --timeout S        seconds before one run is abandoned (default 300)
  --strict           exit 1 if any scenario is FAIL or ERROR, or a cross-core target FAILs
  -h, --help         this text

environment:
  IPCBENCH=path      use this ipcbench binary instead of building one
  CC=compiler        C compiler for ipcref (default cc)
EOF
}

die() {
    echo "bench-vs-c: $*" >&2
    exit 2
}

is_count() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }

mechanisms=$all_mechanisms
rounds=5
placement=cross-core
messages=
timeout_s=300
strict=false
while (($# > 0)); do
    case $1 in
        --mechanisms) mechanisms=${2:?--mechanisms needs a value}; shift 2 ;;
        --rounds) rounds=${2:?--rounds needs a value}; shift 2 ;;
        --placement) placement=${2:?--placement needs a value}; shift 2 ;;
        --messages) messages=${2:?--messages needs a value}; shift 2 ;;
        --timeout) timeout_s=${2:?--timeout needs a value}; shift 2 ;;
        --strict) strict=true; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
done

is_count "$rounds" || die "--rounds must be a positive whole number"
is_count "$timeout_s" || die "--timeout must be a positive whole number"
[[ -z $messages ]] || is_count "$messages" || die "--messages must be a positive whole number"
case $placement in cross-core | same-core | unpinned) ;; *) die "unknown placement: $placement" ;; esac
IFS=, read -r -a selected <<<"$mechanisms"
((${#selected[@]} > 0)) || die "--mechanisms is empty"
seen=,
for mechanism in "${selected[@]}"; do
    [[ ,$all_mechanisms, == *,"$mechanism",* ]] || die "unknown mechanism: $mechanism"
    [[ $seen != *,"$mechanism",* ]] || die "--mechanisms names $mechanism twice"
    seen+=$mechanism,
done

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
export PYTHONPATH="$repo/scripts${PYTHONPATH:+:$PYTHONPATH}"

workdir=$(mktemp -d "${TMPDIR:-/tmp}/bench-vs-c.XXXXXX")
trap 'rm -rf "$workdir"' EXIT

ipcref=.build/ipcref/ipcref
mkdir -p .build/ipcref
"${CC:-cc}" -std=c11 -O2 -D_GNU_SOURCE -Wall -Wextra -o "$ipcref" Benchmarks/reference/ipcref.c -lrt

if [[ -n ${IPCBENCH:-} ]]; then
    ipcbench=$IPCBENCH
else
    echo "bench-vs-c: swift build -c release" >&2
    swift build -c release >&2
    ipcbench=.build/release/ipcbench
fi
[[ -x $ipcbench ]] || die "no ipcbench binary at $ipcbench"

mq_msgsize_max=$(cat /proc/sys/fs/mqueue/msgsize_max)
sysv_msgmax=$(cat /proc/sys/kernel/msgmax)

is_shared_memory() { [[ $1 == shm-posix || $1 == memcpy || $1 == cacheline ]]; }

# Sizes each mechanism runs at in a mode; eventfd, signal and cacheline carry 8 bytes, latency
# only; memcpy is throughput only.
sizes_for() {
    local mechanism=$1 mode=$2
    case $mechanism:$mode in
        eventfd:latency | signal:latency | futex:latency | cacheline:latency) echo 8 ;;
        eventfd:* | signal:* | futex:* | cacheline:* | memcpy:latency) ;;
        *:latency) echo 64 4096 65536 ;;
        *:throughput) echo 4096 65536 ;;
    esac
}

# The kernel mechanisms block; the ring both polls and sleeps; the ceilings only poll.
waits_for() {
    case $1 in
        shm-posix | shm-sem | futex | vmsplice | cma) echo spin block ;;
        memcpy | cacheline) echo spin ;;
        *) echo block ;;
    esac
}

# Shared-memory runs are short per message, so they take more messages for a window that a
# hypervisor hiccup does not dominate.
messages_for() {
    local mechanism=$1 mode=$2 size=$3
    if [[ -n $messages ]]; then
        echo "$messages"
    elif is_shared_memory "$mechanism"; then
        case $mode:$((size <= 4096)) in
            latency:1) echo 100000 ;;
            latency:0) echo 20000 ;;
            throughput:1) echo 1000000 ;;
            throughput:0) echo 100000 ;;
        esac
    elif [[ $mode == throughput && $size -le 4096 ]]; then
        echo 200000
    else
        echo 20000
    fi
}

# Why a mechanism cannot carry a size on this machine; empty when it can.
limitation() {
    local mechanism=$1 size=$2
    if [[ $mechanism == posix-mq ]] && ((size > mq_msgsize_max)); then
        echo "exceeds /proc/sys/fs/mqueue/msgsize_max ($mq_msgsize_max)"
    elif [[ $mechanism == sysv-mq ]] && ((size > sysv_msgmax)); then
        echo "exceeds /proc/sys/kernel/msgmax ($sysv_msgmax)"
    fi
}

# One tab-separated line per run, read by the report below:
#   mechanism mode size wait side round exit_code detail
# side is c, ipcbench or skip; detail is the run's file prefix ($detail.out/.err/.csv), or for
# skip the reason the mechanism cannot carry the size.
manifest=$workdir/runs.tsv
: >"$manifest"

run_c() {
    local mechanism=$1 mode=$2 size=$3 wait=$4 count=$5 tag=$6 rc=0
    timeout --foreground --kill-after=10 "$timeout_s" \
        "$ipcref" --wait "$wait" "$mechanism" "$mode" "$size" "$count" "$placement" \
        >"$workdir/$tag.out" 2>"$workdir/$tag.err" || rc=$?
    echo "$rc"
}

run_ipcbench() {
    local mechanism=$1 mode=$2 size=$3 wait=$4 count=$5 tag=$6 rc=0
    timeout --foreground --kill-after=10 "$timeout_s" \
        "$ipcbench" run --mechanisms "$mechanism" --modes "$mode" --sizes "$size" \
        --placements "$placement" --waits "$wait" --copy copy --repetitions 1 --messages "$count" \
        --output "$workdir/$tag.csv" --quiet \
        >"$workdir/$tag.out" 2>"$workdir/$tag.err" || rc=$?
    echo "$rc"
}

# Every scenario: mechanism mode size wait.
scenarios=()
for mechanism in "${selected[@]}"; do
    for mode in latency throughput; do
        for size in $(sizes_for "$mechanism" "$mode"); do
            for wait in $(waits_for "$mechanism"); do
                why=$(limitation "$mechanism" "$size")
                if [[ -n $why ]]; then
                    printf '%s\t%s\t%s\t%s\tskip\t0\t0\t%s\n' "$mechanism" "$mode" "$size" "$wait" "$why" \
                        >>"$manifest"
                else
                    scenarios+=("$mechanism $mode $size $wait")
                fi
            done
        done
    done
done

# Other work on the machine is the main source of noise: the report shows how much there was.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench-vs-c: placement=$placement rounds=$rounds scenarios=${#scenarios[@]} cpus=$(nproc)" \
    "kernel=$(uname -r) load=$load_before" >&2
for ((round = 1; round <= rounds; round++)); do
    if ((round % 2 == 1)); then order="c ipcbench"; else order="ipcbench c"; fi
    for scenario in "${scenarios[@]}"; do
        read -r mechanism mode size wait <<<"$scenario"
        count=$(messages_for "$mechanism" "$mode" "$size")
        printf 'bench-vs-c: round %s/%s %s %s %s bytes %s x %s:' "$round" "$rounds" "$mechanism" "$mode" \
            "$size" "$wait" "$count" >&2
        for side in $order; do
            tag=$mechanism-$mode-$size-$wait-$round-$side
            rc=$("run_$side" "$mechanism" "$mode" "$size" "$wait" "$count" "$tag")
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mechanism" "$mode" "$size" "$wait" "$side" \
                "$round" "$rc" "$workdir/$tag" >>"$manifest"
            if [[ $rc == 0 ]]; then
                printf ' %s' "$side" >&2
            else
                printf ' %s(exit %s)' "$side" "$rc" >&2
            fi
        done
        echo >&2
    done
done

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
machine="$(nproc) CPUs, kernel $(uname -r), load average (1, 5, 15 min) $load_before before, $load_after after"

report_status=0
# The table, the verdicts and the targets: scripts/ipcbench_tools/bench_vs_c.py; it exits 10
# when something is FAIL or ERROR, for --strict.
python3 -m ipcbench_tools.bench_vs_c "$manifest" "$placement" "$mechanisms" "$machine" || report_status=$?

case $report_status in
    0) ;;
    10) if $strict; then exit 1; fi ;;
    *) die "the report failed (python3 exit $report_status)" ;;
esac

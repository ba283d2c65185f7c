#!/usr/bin/env bash
# Runs ipcbench and the C reference loops (Benchmarks/reference/ipcref.c) side by side,
# interleaved round by round, and prints how far ipcbench is from C for every mechanism, mode,
# size and wait, then the shared-memory targets. It is a report: it exits 0 unless something
# broke (or --strict finds a FAIL).
set -euo pipefail

all_mechanisms=pipe,fifo,unix-stream,unix-dgram,unix-seqpacket,tcp,posix-mq,sysv-mq,eventfd,signal,futex,shm-posix,shm-sem,memfd-pass,memcpy,cacheline

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
        shm-posix | shm-sem | futex) echo spin block ;;
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
        --placements "$placement" --waits "$wait" --repetitions 1 --messages "$count" \
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
python3 - "$manifest" "$placement" "$mechanisms" "$machine" <<'PY' || report_status=$?
"""Reads the runs, pairs each round's two figures, prints the table and the targets.
Exits 10 when any scenario is FAIL or ERROR (or a cross-core target FAILs), so the shell can
honour --strict."""
import csv
import os
import statistics
import sys

LATENCY_MAX_RATIO = 1.10
THROUGHPUT_MIN_RATIO = 0.90
THROUGHPUT_TARGET_SIZES = {4096, 65536}
NOISY_RATIO_SPAN = 1.5   # highest over lowest per-round ratio beyond which a row says "noisy"
PLACEMENT = sys.argv[2]
MECHANISMS = sys.argv[3].split(",")
MACHINE = sys.argv[4]


def last_line(path):
    try:
        with open(path) as f:
            lines = [line.strip() for line in f if line.strip()]
    except OSError:
        return ""
    return lines[-1] if lines else ""


def failure(rc, err_path):
    if rc == 124:
        return "timed out"
    detail = last_line(err_path)
    return f"exit {rc}" + (f": {detail}" if detail else "")


def metric_key(mode):
    return "rtt_p50_ns" if mode == "latency" else "mib_per_s"


def c_figure(mode, rc, out_path, err_path):
    """(figure, problem): ipcref prints one key=value line per repetition."""
    if rc != 0:
        return None, failure(rc, err_path)
    line = last_line(out_path)
    fields = dict(item.split("=", 1) for item in line.split() if "=" in item)
    try:
        return float(fields[metric_key(mode)]), None
    except (KeyError, ValueError):
        return None, f"no {metric_key(mode)} in output: {line[:80]!r}"


def ipcbench_figure(mechanism, mode, size, wait, rc, err_path, csv_path):
    """(figure, problem, skipped), from the CSV row of this scenario, found by header name."""
    if not os.path.exists(csv_path):
        return None, failure(rc, err_path) if rc else "no CSV written", False
    wanted = {"mechanism": mechanism, "mode": mode, "payload_bytes": str(size), "placement": PLACEMENT,
              "pairs": "1", "wait": wait}
    with open(csv_path, newline="") as f:
        rows = [row for row in csv.DictReader(f)
                # A column the CSV lacks or leaves empty does not filter.
                if all((row.get(k) or v).strip() == v for k, v in wanted.items())]
    if not rows:
        return None, failure(rc, err_path) if rc else "no matching row in CSV", False
    row = rows[-1]
    status = (row.get("status") or "").strip()
    if status != "ok":
        note = (row.get("note") or "").strip()
        text = f"status {status or '(empty)'}" + (f": {note}" if note else "")
        return None, text, status.startswith("skip") or status == "unsupported"
    try:
        return float(row[metric_key(mode)]), None, False
    except (KeyError, ValueError, TypeError):
        return None, f"no {metric_key(mode)} in CSV row", False


# (mechanism, mode, size, wait) -> {"c": {round: figure}, "ipcbench": {round: figure}, ...}
scenarios = {}
with open(sys.argv[1]) as f:
    for line in f:
        mechanism, mode, size, wait, side, round_, rc, detail = line.rstrip("\n").split("\t")
        key = (mechanism, mode, int(size), wait)
        s = scenarios.setdefault(key, {"c": {}, "ipcbench": {}, "problems": [], "skip": None, "skipped": 0})
        rc, round_ = int(rc), int(round_)
        out_path, err_path, csv_path = detail + ".out", detail + ".err", detail + ".csv"
        if side == "skip":
            s["skip"] = detail
        elif side == "c":
            figure, problem = c_figure(mode, rc, out_path, err_path)
            if figure is not None:
                s["c"][round_] = figure
            if problem:
                s["problems"].append(f"C: {problem}")
        else:
            figure, problem, skipped = ipcbench_figure(mechanism, mode, int(size), wait, rc, err_path, csv_path)
            if figure is not None:
                s["ipcbench"][round_] = figure
            if problem:
                s["problems"].append(f"ipcbench: {problem}")
            s["skipped"] += skipped


def median_of(s, side):
    values = list(s[side].values())
    return statistics.median(values) if values else None


def paired_ratios(s):
    """Round k's ipcbench figure over round k's C figure, for every round that has both."""
    return [s["ipcbench"][r] / s["c"][r] for r in s["c"] if r in s["ipcbench"] and s["c"][r]]


def paired_ratio(s):
    ratios = paired_ratios(s)
    return statistics.median(ratios) if ratios else None


def show(mode, value):
    if value is None:
        return "-"
    return f"{value / 1000:.2f}" if mode == "latency" else f"{value:.1f}"


def show_ratio(ratio):
    return f"{ratio:.3f}" if ratio is not None else "-"


def spread(values):
    """How far apart one side's rounds were: (max - min) / median."""
    return (max(values) - min(values)) / statistics.median(values)


def table_order(key):
    """As asked for: --mechanisms order, latency first, sizes up, spin before block."""
    mechanism, mode, size, wait = key
    return MECHANISMS.index(mechanism), mode != "latency", size, wait != "spin"


rows = []
counts = {}
for (mechanism, mode, size, wait), s in sorted(scenarios.items(), key=lambda item: table_order(item[0])):
    c, swift = median_of(s, "c"), median_of(s, "ipcbench")
    paired = paired_ratio(s)
    of_medians = swift / c if c and swift is not None else None
    note = ""
    if s["skip"]:
        verdict, note = "SKIP", s["skip"]
    elif s["problems"]:
        seen = {}
        for problem in s["problems"]:
            seen[problem] = seen.get(problem, 0) + 1
        note = "; ".join(p + (f" (x{n})" if n > 1 else "") for p, n in seen.items())
        only_skips = s["skipped"] == len(s["problems"]) and not s["ipcbench"]
        verdict = "SKIP" if only_skips else "ERROR"
    elif paired is None:
        verdict, note = "ERROR", "no round with both figures"
    elif mode == "latency":
        verdict = "PASS" if paired <= LATENCY_MAX_RATIO else "FAIL"
    elif size in THROUGHPUT_TARGET_SIZES:
        verdict = "PASS" if paired >= THROUGHPUT_MIN_RATIO else "FAIL"
    else:
        verdict = "-"
    ratios = paired_ratios(s)
    if not note and len(ratios) > 1 and min(ratios) > 0 and max(ratios) / min(ratios) > NOISY_RATIO_SPAN:
        note = "noisy: rounds disagree, rerun with more --rounds"
    counts[verdict] = counts.get(verdict, 0) + 1
    metric = "p50 us" if mode == "latency" else "MiB/s"
    spreads = [spread(list(s[side].values())) for side in ("c", "ipcbench") if len(s[side]) > 1]
    rows.append([mechanism, mode, str(size), wait, metric, show(mode, c), show(mode, swift),
                 show_ratio(paired), f"{min(ratios):.2f}-{max(ratios):.2f}" if ratios else "-",
                 show_ratio(of_medians), f"{max(spreads):.0%}" if spreads else "-", verdict, note])

header = ["mechanism", "mode", "bytes", "wait", "metric", "C", "ipcbench", "paired", "range", "medians",
          "spread", "verdict", "note"]
widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header) - 1)]
right = {2, 5, 6, 7, 8, 9, 10}
for r in [header] + rows:
    cells = [r[i].rjust(w) if i in right else r[i].ljust(w) for i, w in enumerate(widths)]
    print("  ".join(cells + [r[-1]]).rstrip())
print()
print("C, ipcbench: each side's median over its rounds (latency: p50 round trip in us).")
print("paired: the median over rounds of ipcbench_k / C_k, round k's two runs being back to back;")
print("  the verdict is on it: latency <= %.2f, throughput >= %.2f at 4096 and 65536 bytes."
      % (LATENCY_MAX_RATIO, THROUGHPUT_MIN_RATIO))
print("range: the lowest and highest of those per-round ratios; 'noisy' when the highest is more than")
print("  %.1fx the lowest." % NOISY_RATIO_SPAN)
print("medians: ipcbench's median over C's median, for comparison; where the two disagree, drift")
print("  between rounds was large and the paired figure is the one to trust.")
print("spread: the wider side's (max - min) / median over its rounds; a ratio closer to 1 than")
print("  that is within run-to-run noise.")
print(f"machine: {MACHINE}")
print("summary: " + ", ".join(f"{counts[v]} {v}" for v in ("PASS", "FAIL", "ERROR", "SKIP", "-") if v in counts))

# The shared-memory targets. Against the C ring the ratio is paired; against ipcbench's own
# memcpy, cacheline and pipe rows (other scenarios, never back to back) it is of medians.
def ipcbench_median(mechanism, mode, size, wait):
    s = scenarios.get((mechanism, mode, size, wait))
    return median_of(s, "ipcbench") if s and not s["problems"] else None


def c_paired(mechanism, mode, size, wait):
    s = scenarios.get((mechanism, mode, size, wait))
    return paired_ratio(s) if s and not s["problems"] else None


targets = []   # (what, ratio, comparison, bound, how, missing)
for size in (4096, 65536):
    targets.append((f"shm-posix spin throughput {size} B / C ring", c_paired("shm-posix", "throughput", size, "spin"),
                    ">=", 0.90, "paired", "shm-posix"))
    ring = ipcbench_median("shm-posix", "throughput", size, "spin")
    ceiling = ipcbench_median("memcpy", "throughput", size, "spin")
    targets.append((f"shm-posix spin throughput {size} B / ipcbench memcpy", ring / ceiling if ring and ceiling else None,
                    ">=", 0.50, "medians", "shm-posix and memcpy"))
targets.append(("shm-posix spin p50 round trip 64 B / C ring", c_paired("shm-posix", "latency", 64, "spin"),
                "<=", 1.25, "paired", "shm-posix"))
ring = ipcbench_median("shm-posix", "latency", 64, "spin")
ceiling = ipcbench_median("cacheline", "latency", 8, "spin")
targets.append(("shm-posix spin p50 round trip 64 B / ipcbench cacheline", ring / ceiling if ring and ceiling else None,
                "<=", 2.0, "medians", "shm-posix and cacheline"))
ring = ipcbench_median("shm-posix", "latency", 64, "block")
pipe = ipcbench_median("pipe", "latency", 64, "block")
targets.append(("shm-posix block p50 round trip 64 B / ipcbench pipe", ring / pipe if ring and pipe else None,
                "<=", 1.0, "medians", "shm-posix and pipe"))

counted = PLACEMENT == "cross-core"
print()
print("targets (set for cross-core%s):" % ("" if counted else f"; this run is {PLACEMENT}, so they are for information only"))
target_failed = False
width = max(len(t[0]) for t in targets)
for what, ratio, comparison, bound, how, missing in targets:
    if ratio is None:
        print(f"  {what.ljust(width)}  not measured (needs {missing} in --mechanisms, without errors)")
        continue
    ok = ratio >= bound if comparison == ">=" else ratio <= bound
    target_failed |= counted and not ok
    print(f"  {what.ljust(width)}  {ratio:6.3f} {comparison} {bound:.2f}  {('(' + how + ')').ljust(9)}  "
          + ("PASS" if ok else "FAIL"))
print("  paired: median of per-round ratios against C; medians: ratio of ipcbench's medians of two")
print("  of its own scenarios in this run (they never run back to back, so they cannot be paired).")
sys.exit(10 if counts.get("FAIL") or counts.get("ERROR") or target_failed else 0)
PY

case $report_status in
    0) ;;
    10) if $strict; then exit 1; fi ;;
    *) die "the report failed (python3 exit $report_status)" ;;
esac

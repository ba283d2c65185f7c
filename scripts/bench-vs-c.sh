#!/usr/bin/env bash
# Runs ipcbench and the C reference loops (Benchmarks/reference/ipcref.c) side by side,
# interleaved round by round, and prints how far ipcbench is from C for every mechanism, mode
# and size. It is a report: it exits 0 unless something broke (or --strict finds a FAIL).
set -euo pipefail

all_mechanisms=pipe,fifo,unix-stream,unix-dgram,unix-seqpacket,tcp,posix-mq,sysv-mq,eventfd,signal

usage() {
    cat <<EOF
usage: scripts/bench-vs-c.sh [options]

Builds .build/ipcref/ipcref and ipcbench (swift build -c release), runs both for each
mechanism, mode and size, alternating C and ipcbench for --rounds rounds, and compares the
median of each side's per-round figure:
  latency     rtt p50; PASS when ipcbench/C <= 1.10
  throughput  MiB/s;   PASS when ipcbench/C >= 0.90 (4 KiB and 64 KiB)

options:
  --mechanisms a,b   default: $all_mechanisms
  --rounds N         C/ipcbench pairs per scenario (default 5)
  --placement P      cross-core | same-core | unpinned (default cross-core)
  --messages N       messages per run (default: 20000 latency, 200000 throughput at 4 KiB,
                     20000 throughput at 64 KiB)
  --timeout S        seconds before one run is abandoned (default 300)
  --strict           exit 1 if any scenario is FAIL or ERROR
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
for mechanism in "${selected[@]}"; do
    [[ ,$all_mechanisms, == *,"$mechanism",* ]] || die "unknown mechanism: $mechanism"
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

# Sizes each mechanism runs at in a mode; eventfd and signal carry 8 bytes, latency only.
sizes_for() {
    local mechanism=$1 mode=$2
    case $mechanism:$mode in
        eventfd:latency | signal:latency) echo 8 ;;
        eventfd:* | signal:*) ;;
        *:latency) echo 64 4096 65536 ;;
        *:throughput) echo 4096 65536 ;;
    esac
}

messages_for() {
    local mode=$1 size=$2
    if [[ -n $messages ]]; then
        echo "$messages"
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
#   mechanism mode size side round exit_code detail
# side is c, ipcbench or skip; detail is the run's file prefix ($detail.out/.err/.csv), or for
# skip the reason the mechanism cannot carry the size.
manifest=$workdir/runs.tsv
: >"$manifest"

run_c() {
    local mechanism=$1 mode=$2 size=$3 count=$4 tag=$5 rc=0
    timeout --foreground --kill-after=10 "$timeout_s" \
        "$ipcref" "$mechanism" "$mode" "$size" "$count" "$placement" \
        >"$workdir/$tag.out" 2>"$workdir/$tag.err" || rc=$?
    echo "$rc"
}

run_ipcbench() {
    local mechanism=$1 mode=$2 size=$3 count=$4 tag=$5 rc=0
    timeout --foreground --kill-after=10 "$timeout_s" \
        "$ipcbench" run --mechanisms "$mechanism" --modes "$mode" --sizes "$size" \
        --placements "$placement" --waits block --repetitions 1 --messages "$count" \
        --output "$workdir/$tag.csv" --quiet \
        >"$workdir/$tag.out" 2>"$workdir/$tag.err" || rc=$?
    echo "$rc"
}

echo "bench-vs-c: placement=$placement rounds=$rounds cpus=$(nproc) kernel=$(uname -r)" >&2
for mechanism in "${selected[@]}"; do
    for mode in latency throughput; do
        for size in $(sizes_for "$mechanism" "$mode"); do
            why=$(limitation "$mechanism" "$size")
            if [[ -n $why ]]; then
                printf '%s\t%s\t%s\tskip\t0\t0\t%s\n' "$mechanism" "$mode" "$size" "$why" >>"$manifest"
                continue
            fi
            count=$(messages_for "$mode" "$size")
            printf 'bench-vs-c: %s %s %s bytes x %s:' "$mechanism" "$mode" "$size" "$count" >&2
            for ((round = 1; round <= rounds; round++)); do
                for side in c ipcbench; do
                    tag=$mechanism-$mode-$size-$round-$side
                    rc=$("run_$side" "$mechanism" "$mode" "$size" "$count" "$tag")
                    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mechanism" "$mode" "$size" "$side" \
                        "$round" "$rc" "$workdir/$tag" >>"$manifest"
                    if [[ $rc == 0 ]]; then
                        printf ' %s' "$side" >&2
                    else
                        printf ' %s(exit %s)' "$side" "$rc" >&2
                    fi
                done
            done
            echo >&2
        done
    done
done

report_status=0
python3 - "$manifest" "$placement" <<'PY' || report_status=$?
"""Reads the runs, takes each side's median per scenario, prints the table.
Exits 10 when any scenario is FAIL or ERROR, so the shell can honour --strict."""
import csv
import os
import statistics
import sys

LATENCY_MAX_RATIO = 1.10
THROUGHPUT_MIN_RATIO = 0.90
THROUGHPUT_TARGET_SIZES = {4096, 65536}
PLACEMENT = sys.argv[2]


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


def c_figure(mode, rc, out_path, err_path):
    """(figure, problem): ipcref prints one key=value line per repetition."""
    if rc != 0:
        return None, failure(rc, err_path)
    line = last_line(out_path)
    fields = dict(item.split("=", 1) for item in line.split() if "=" in item)
    key = "rtt_p50_ns" if mode == "latency" else "mib_per_s"
    try:
        return float(fields[key]), None
    except (KeyError, ValueError):
        return None, f"no {key} in output: {line[:80]!r}"


def ipcbench_figure(mechanism, mode, size, rc, err_path, csv_path):
    """(figure, problem, skipped), from the CSV row of this scenario, found by header name."""
    if not os.path.exists(csv_path):
        return None, failure(rc, err_path) if rc else "no CSV written", False
    wanted = {"mechanism": mechanism, "mode": mode, "payload_bytes": str(size), "placement": PLACEMENT,
              "pairs": "1", "wait": "block"}
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
    key = "rtt_p50_ns" if mode == "latency" else "mib_per_s"
    try:
        return float(row[key]), None, False
    except (KeyError, ValueError, TypeError):
        return None, f"no {key} in CSV row", False


scenarios = {}  # (mechanism, mode, size) -> {"c": [...], "ipcbench": [...], problems, skip}
with open(sys.argv[1]) as f:
    for line in f:
        mechanism, mode, size, side, _round, rc, detail = line.rstrip("\n").split("\t")
        s = scenarios.setdefault((mechanism, mode, int(size)),
                                 {"c": [], "ipcbench": [], "problems": [], "skip": None, "skipped": 0})
        rc = int(rc)
        out_path, err_path, csv_path = detail + ".out", detail + ".err", detail + ".csv"
        if side == "skip":
            s["skip"] = detail
        elif side == "c":
            figure, problem = c_figure(mode, rc, out_path, err_path)
            if figure is not None:
                s["c"].append(figure)
            if problem:
                s["problems"].append(f"C: {problem}")
        else:
            figure, problem, skipped = ipcbench_figure(mechanism, mode, int(size), rc, err_path, csv_path)
            if figure is not None:
                s["ipcbench"].append(figure)
            if problem:
                s["problems"].append(f"ipcbench: {problem}")
            s["skipped"] += skipped


def show(mode, value):
    if value is None:
        return "-"
    return f"{value / 1000:.2f}" if mode == "latency" else f"{value:.1f}"


def spread(values):
    """How far apart one side's rounds were: (max - min) / median."""
    return (max(values) - min(values)) / statistics.median(values)


rows = []
counts = {}
for (mechanism, mode, size), s in scenarios.items():
    c = statistics.median(s["c"]) if s["c"] else None
    swift = statistics.median(s["ipcbench"]) if s["ipcbench"] else None
    ratio = swift / c if c and swift is not None else None
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
    elif mode == "latency":
        verdict = "PASS" if ratio <= LATENCY_MAX_RATIO else "FAIL"
    elif size in THROUGHPUT_TARGET_SIZES:
        verdict = "PASS" if ratio >= THROUGHPUT_MIN_RATIO else "FAIL"
    else:
        verdict = "-"
    counts[verdict] = counts.get(verdict, 0) + 1
    metric = "p50 us" if mode == "latency" else "MiB/s"
    spreads = [spread(s[side]) for side in ("c", "ipcbench") if len(s[side]) > 1]
    rows.append([mechanism, mode, str(size), metric, show(mode, c), show(mode, swift),
                 f"{ratio:.3f}" if ratio is not None else "-",
                 f"{max(spreads):.0%}" if spreads else "-", verdict, note])

header = ["mechanism", "mode", "bytes", "metric", "C", "ipcbench", "ratio", "spread", "verdict", "note"]
widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header) - 1)]
right = {2, 4, 5, 6, 7}
for r in [header] + rows:
    cells = [r[i].rjust(w) if i in right else r[i].ljust(w) for i, w in enumerate(widths)]
    print("  ".join(cells + [r[-1]]).rstrip())
print()
print("targets: latency ipcbench/C <= %.2f; throughput ipcbench/C >= %.2f at 4096 and 65536 bytes"
      % (LATENCY_MAX_RATIO, THROUGHPUT_MIN_RATIO))
print("spread: the wider side's (max - min) / median over its rounds; a ratio closer to 1 than")
print("that is within run-to-run noise")
print("summary: " + ", ".join(f"{counts[v]} {v}" for v in ("PASS", "FAIL", "ERROR", "SKIP", "-") if v in counts))
sys.exit(10 if counts.get("FAIL") or counts.get("ERROR") else 0)
PY

case $report_status in
    0) ;;
    10) if $strict; then exit 1; fi ;;
    *) die "the report failed (python3 exit $report_status)" ;;
esac

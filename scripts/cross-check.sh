#!/usr/bin/env bash
# Runs ipcbench next to independent tools that measure the same thing on the same placement
# (perf bench sched pipe, sockperf, iperf3, qperf), interleaved round by round, on 127.0.0.1
# only, and prints each pair's medians, their ratio and whether they agree. It installs nothing
# and is a report: it exits 0 unless something broke.
set -euo pipefail

all_tools=perf,sockperf,iperf3,qperf

usage() {
    cat <<EOF
usage: scripts/cross-check.sh [options]

Builds ipcbench (swift build -c release) and, for each tool, --rounds times, runs the tool and
the matching ipcbench scenario back to back: ipcbench first in odd rounds, the tool first in even
ones, so drift on a noisy machine falls on both sides alike. Each side's figure is its median
over the rounds; ratio = ipcbench / tool; AGREE when the two are within 25% of each other (the
larger over the smaller is at most 1.25), else DIFFER, with a footnote on the likely reason.
The paired column (the median of round k's ipcbench / round k's tool) and the per-round figures
tell a real difference (every round one way) from a machine that changed speed between rounds.

pairs (ipcbench always runs with --waits block and --repetitions 1; every tool blocks too):
  perf      perf bench sched pipe -l LOOPS (4-byte round trips between two processes, a mean)
            vs ipcbench pipe latency at 4 B, its p50 and its mean
  sockperf  sockperf ping-pong -m 64 over TCP and UDP (one-way = RTT/2, converted x2)
            vs ipcbench tcp and udp latency at 64 B, p50 and mean
  iperf3    iperf3 -l 64K TCP stream (receiver bits/s, SI) vs ipcbench tcp throughput at 64 KiB
            (MiB/s = 2^20 bytes/s)
  qperf     qperf -m 64 tcp_lat udp_lat tcp_bw (one-way mean latency x2; bytes/s, SI) vs ipcbench
            tcp and udp latency means and tcp throughput at 64 B. qperf's server listens on every
            address, so both qperf sides run in a private network namespace that has only
            loopback (unshare --net --pid); a new PID namespace also reaps whatever they leave.

placement (CPUs: the first two this script may use, C0 and C1):
  same-core   tool server and client both on C0 (taskset -c C0); ipcbench --placements same-core
  cross-core  server on C0, client on C1; ipcbench --placements cross-core. perf bench cannot pin
              its two processes apart, so its cross-core row is perf under taskset -c C0,C1
              against ipcbench --placements unpinned under the same mask, labelled "unpinned".

options:
  --rounds N          tool/ipcbench pairs per row (default 5)
  --placement P       cross-core | same-core for every tool (default: same-core for perf,
                      cross-core for sockperf, iperf3 and qperf)
  --both              both placements for every tool
  --tools a,b         default: $all_tools
  --seconds S         sockperf -t and iperf3 -t (default 5)
  --qperf-seconds S   qperf -t, per test (default 2, qperf's own default)
  --loops N           perf -l, and ipcbench --messages for the pipe pair (default 100000)
  --messages N        ipcbench round trips for the 64-byte latency pairs (default 10000)
  --timeout S         ipcbench --timeout per run (default 60)
  -h, --help          this text

environment:
  IPCBENCH=path       use this ipcbench binary instead of building one
EOF
}

die() {
    echo "cross-check: $*" >&2
    exit 2
}

note() { echo "cross-check: $*" >&2; }

is_count() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }

rounds=5
placement_choice=
both=false
tools=$all_tools
seconds=5
qperf_seconds=2
loops=100000
latency_messages=10000
timeout_s=60
while (($# > 0)); do
    case $1 in
        --rounds) rounds=${2:?--rounds needs a value}; shift 2 ;;
        --placement) placement_choice=${2:?--placement needs a value}; shift 2 ;;
        --both) both=true; shift ;;
        --tools) tools=${2:?--tools needs a value}; shift 2 ;;
        --seconds) seconds=${2:?--seconds needs a value}; shift 2 ;;
        --qperf-seconds) qperf_seconds=${2:?--qperf-seconds needs a value}; shift 2 ;;
        --loops) loops=${2:?--loops needs a value}; shift 2 ;;
        --messages) latency_messages=${2:?--messages needs a value}; shift 2 ;;
        --timeout) timeout_s=${2:?--timeout needs a value}; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
done

for pair in "rounds:$rounds" "seconds:$seconds" "qperf-seconds:$qperf_seconds" "loops:$loops" \
    "messages:$latency_messages" "timeout:$timeout_s"; do
    is_count "${pair#*:}" || die "--${pair%%:*} must be a positive whole number"
done
case $placement_choice in '' | cross-core | same-core) ;; *) die "--placement must be cross-core or same-core" ;; esac
[[ -z $placement_choice ]] || ! $both || die "--placement and --both exclude each other"
IFS=, read -r -a selected_tools <<<"$tools"
((${#selected_tools[@]} > 0)) || die "--tools is empty"
for tool in "${selected_tools[@]}"; do
    [[ ,$all_tools, == *,"$tool",* ]] || die "unknown tool: $tool (choices: $all_tools)"
done
wants_tool() { [[ ,$tools, == *,"$1",* ]]; }

for needed in python3 taskset timeout; do
    command -v "$needed" >/dev/null || die "needs $needed on PATH"
done

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

# --- Clean-up: every child runs in the background under timeout and is listed here until it
# is reaped, so an interrupt (which bash only acts on between commands) stops all of them.
workdir=$(mktemp -d "${TMPDIR:-/tmp}/cross-check.XXXXXX")
children=()

stop_pid() {
    local pid=$1 waited
    kill -TERM "$pid" 2>/dev/null || return 0
    # timeout forwards the signal to its command's whole process group; give it a second.
    for ((waited = 0; waited < 10; waited++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

forget_pid() {
    local kept=() pid
    for pid in "${children[@]}"; do [[ $pid == "$1" ]] || kept+=("$pid"); done
    children=(${kept[@]+"${kept[@]}"})
}

cleanup() {
    local pid
    for pid in ${children[@]+"${children[@]}"}; do stop_pid "$pid"; done
    children=()
    rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# run_bounded LIMIT OUT ERR CMD...: runs CMD for at most LIMIT seconds and sets run_rc to its
# exit status. Callers never run it inside $(...): a subshell's children would escape the trap.
run_bounded() {
    local limit=$1 out=$2 err=$3 pid
    shift 3
    timeout --kill-after=5 "$limit" "$@" >"$out" 2>"$err" </dev/null &
    pid=$!
    children+=("$pid")
    run_rc=0
    wait "$pid" || run_rc=$?
    forget_pid "$pid"
}

# A port the kernel just handed out as free on 127.0.0.1 for this protocol.
free_port() {
    python3 - "$1" <<'PY'
import socket, sys
kind = socket.SOCK_STREAM if sys.argv[1] == "tcp" else socket.SOCK_DGRAM
with socket.socket(socket.AF_INET, kind) as s:
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
PY
}

# wait_listening tcp|udp PORT PID [loopback]: until something listens on PORT (read from
# /proc/net, so no probe traffic reaches the server), or PID dies, or 10 s pass. With
# "loopback", a listener on any address but 127.0.0.1 is an error (exit 2), not a server.
wait_listening() {
    python3 - "$@" <<'PY'
import os, sys, time
proto, port, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
loopback_only = sys.argv[4:] == ["loopback"]
state = "0A" if proto == "tcp" else "07"          # TCP_LISTEN, or an unconnected UDP socket
def listeners():
    found = []
    for table in (proto, proto + "6"):
        try:
            with open(f"/proc/net/{table}") as f:
                next(f)
                for line in f:
                    local, st = line.split()[1], line.split()[3]
                    address, local_port = local.rsplit(":", 1)
                    if int(local_port, 16) == port and st == state:
                        found.append(address)
        except OSError:
            pass
    return found
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    found = listeners()
    if found and loopback_only and any(a != "0100007F" for a in found):
        print(f"port {port} has a listener on an address other than 127.0.0.1: {found}", file=sys.stderr)
        sys.exit(2)
    if found:
        sys.exit(0)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit(1)
    time.sleep(0.05)
sys.exit(1)
PY
}

# start_server TAG PROTO PORT CMD...: sets server_pid, or returns 1 when it never listened.
start_server() {
    local tag=$1 proto=$2 port=$3
    shift 3
    timeout --kill-after=5 $((seconds * 3 + 60)) "$@" >"$workdir/$tag.server" 2>&1 </dev/null &
    server_pid=$!
    children+=("$server_pid")
    if ! wait_listening "$proto" "$port" "$server_pid" loopback 2>"$workdir/$tag.listen"; then
        stop_server
        return 1
    fi
}

# Why a server did not come up: the listener check's complaint, else the server's last words.
server_trouble() {
    if [[ -s $workdir/$1.listen ]]; then tail -n 1 "$workdir/$1.listen"; else tail -n 1 "$workdir/$1.server"; fi
}

stop_server() {
    stop_pid "$server_pid"
    forget_pid "$server_pid"
}

# --- The tools: which are here, and the install line for the rest.
declare -A package=([perf]=linux-perf [sockperf]=sockperf [iperf3]=iperf3 [qperf]=qperf)
declare -A why_not=()
missing=()
for tool in perf sockperf iperf3 qperf; do
    if ! command -v "$tool" >/dev/null; then
        missing+=("$tool")
        why_not[$tool]=missing
    fi
done
if ((${#missing[@]} > 0)); then
    line="apt-get install"
    for tool in "${missing[@]}"; do line+=" ${package[$tool]}"; done
    note "missing: ${missing[*]}; their rows show \"missing\". To install: sudo $line"
else
    note "tools: perf, sockperf, iperf3 and qperf are all present"
fi
# Debian's /usr/bin/perf can be a wrapper that finds no perf for the running kernel.
if wants_tool perf && [[ -z ${why_not[perf]:-} ]] &&
    ! probe=$(timeout 20 perf bench sched pipe -l 10 2>&1); then
    why_not[perf]="unusable: $(tail -n 1 <<<"$probe")"
fi
namespace=()
if wants_tool qperf && [[ -z ${why_not[qperf]:-} ]]; then
    if ! command -v unshare >/dev/null || ! command -v ip >/dev/null; then
        why_not[qperf]="not run: needs unshare and ip to keep qperf's all-address server on a loopback-only network namespace"
    else
        for candidate in "unshare --net --pid --fork --kill-child" \
            "unshare --user --map-root-user --net --pid --fork --kill-child"; do
            read -r -a try <<<"$candidate"
            if timeout 10 "${try[@]}" ip link set lo up 2>/dev/null; then
                namespace=("${try[@]}")
                break
            fi
        done
        ((${#namespace[@]} > 0)) ||
            why_not[qperf]="not run: no private network namespace (unshare --net) for qperf's all-address server"
    fi
fi

# --- CPUs and placements.
read -r -a cpus <<<"$(python3 -c 'import os; print(*sorted(os.sched_getaffinity(0)))')"
c0=${cpus[0]}
c1=${cpus[1]:-}

placements_for() {
    if $both; then
        echo same-core cross-core
    elif [[ -n $placement_choice ]]; then
        echo "$placement_choice"
    elif [[ $1 == perf ]]; then
        echo same-core
    else
        echo cross-core
    fi
}

# --- ipcbench.
if [[ -n ${IPCBENCH:-} ]]; then
    ipcbench=$IPCBENCH
else
    note "swift build -c release"
    swift build -c release >&2 || die "swift build -c release failed (exit $?); IPCBENCH=path runs a binary you built"
    ipcbench=.build/release/ipcbench
fi
[[ -x $ipcbench ]] || die "no ipcbench binary at $ipcbench"

udp_available=true
if wants_tool sockperf || wants_tool qperf; then
    run_bounded 60 "$workdir/udp-probe.out" "$workdir/udp-probe.err" "$ipcbench" run --mechanisms udp \
        --modes latency --sizes 64 --messages 10 --warmup 1 --repetitions 1 \
        --output "$workdir/udp-probe.csv" --quiet
    if [[ $run_rc == 64 ]] && grep -qi "unknown mechanism" "$workdir/udp-probe.err"; then
        udp_available=false
        note "this ipcbench has no udp mechanism; its udp rows show \"not available in this build\""
    fi
fi

# One tab-separated line per run, read by the report:
#   job placement side round exit_code file_prefix spec
# job: perf, sockperf-tcp, sockperf-udp, iperf3, qperf; side: ipcbench or tool (or na when the
# row cannot run: spec is the reason); spec: for ipcbench "mechanism mode bytes placement".
manifest=$workdir/runs.tsv
commands=$workdir/commands.tsv
: >"$manifest"
: >"$commands"

record() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$manifest"; }

# The first round's command lines, for the report.
remember_command() {
    local job=$1 placement=$2 round=$3
    shift 3
    ((round == 1)) || return 0
    local text="" arg
    for arg in "$@"; do
        if [[ $arg =~ ^[A-Za-z0-9_./,:=+-]+$ ]]; then text+=" $arg"; else text+=" $(printf '%q' "$arg")"; fi
    done
    printf '%s\t%s\t%s\n' "$job" "$placement" "${text# }" >>"$commands"
}

# The ipcbench side of a job: one run per "mechanism mode bytes messages" spec.
ipcbench_side() {
    local job=$1 placement=$2 round=$3 spec mechanism mode size count tag
    shift 3
    for spec in "$@"; do
        read -r mechanism mode size count <<<"$spec"
        tag=$job-$placement-$round-ipcbench-$mechanism-$mode-$size
        if [[ $mechanism == udp ]] && ! $udp_available; then
            record "$job" "$placement" na "$round" 0 - "$mechanism $mode $size not available in this build"
            continue
        fi
        local ipc_placement=$placement mask=()
        # perf cannot pin its two processes apart: its cross-core pair is unpinned on C0,C1.
        if [[ $job == perf && $placement == cross-core ]]; then
            ipc_placement=unpinned
            mask=(taskset -c "$c0,$c1")
        fi
        local cmd=(${mask[@]+"${mask[@]}"} "$ipcbench" run --mechanisms "$mechanism" --modes "$mode"
            --sizes "$size" --placements "$ipc_placement" --waits block --repetitions 1 --messages "$count"
            --timeout "$timeout_s" --output "$workdir/$tag.csv" --quiet)
        remember_command "$job" "$placement" "$round" "${cmd[@]}"
        run_bounded $((timeout_s + 30)) "$workdir/$tag.out" "$workdir/$tag.err" "${cmd[@]}"
        record "$job" "$placement" ipcbench "$round" "$run_rc" "$workdir/$tag" "$mechanism $mode $size $ipc_placement"
        printf ' ipcbench:%s' "$([[ $run_rc == 0 ]] && echo ok || echo "exit $run_rc")" >&2
    done
}

# CPUs for a placement: "server client".
cpus_for() {
    if [[ $1 == same-core ]]; then echo "$c0 $c0"; else echo "$c0 $c1"; fi
}

tool_perf() {
    local placement=$1 round=$2 tag=$3 mask=$c0
    [[ $placement == same-core ]] || mask=$c0,$c1
    local cmd=(taskset -c "$mask" perf bench sched pipe -l "$loops")
    remember_command perf "$placement" "$round" "${cmd[@]}"
    run_bounded $((loops / 1000 + 60)) "$workdir/$tag.out" "$workdir/$tag.err" "${cmd[@]}"
}

tool_sockperf() {
    local protocol=$1 placement=$2 round=$3 tag=$4 server_cpu client_cpu port attempt tcp=()
    read -r server_cpu client_cpu <<<"$(cpus_for "$placement")"
    [[ $protocol == udp ]] || tcp=(--tcp)
    # A port found free can be taken before the server binds it; try another.
    for attempt in 1 2 3; do
        port=$(free_port "$protocol")
        local server=(taskset -c "$server_cpu" sockperf server ${tcp[@]+"${tcp[@]}"} -i 127.0.0.1 -p "$port")
        if start_server "$tag" "$protocol" "$port" "${server[@]}"; then
            local client=(taskset -c "$client_cpu" sockperf ping-pong ${tcp[@]+"${tcp[@]}"} -i 127.0.0.1
                -p "$port" -m 64 -t "$seconds")
            remember_command "sockperf-$protocol" "$placement" "$round" "${server[@]}"
            remember_command "sockperf-$protocol" "$placement" "$round" "${client[@]}"
            run_bounded $((seconds + 30)) "$workdir/$tag.out" "$workdir/$tag.err" "${client[@]}"
            stop_server
            return
        fi
    done
    echo "sockperf server never listened on 127.0.0.1: $(server_trouble "$tag")" >"$workdir/$tag.err"
    run_rc=70
}

tool_iperf3() {
    local placement=$1 round=$2 tag=$3 server_cpu client_cpu port attempt
    read -r server_cpu client_cpu <<<"$(cpus_for "$placement")"
    for attempt in 1 2 3; do
        port=$(free_port tcp)
        local server=(taskset -c "$server_cpu" iperf3 -s -B 127.0.0.1 -p "$port" -1)
        if start_server "$tag" tcp "$port" "${server[@]}"; then
            local client=(taskset -c "$client_cpu" iperf3 -c 127.0.0.1 -p "$port" -t "$seconds" -l 64K -J)
            remember_command iperf3 "$placement" "$round" "${server[@]}"
            remember_command iperf3 "$placement" "$round" "${client[@]}"
            run_bounded $((seconds + 30)) "$workdir/$tag.out" "$workdir/$tag.err" "${client[@]}"
            stop_server
            return
        fi
    done
    echo "iperf3 server never listened on 127.0.0.1: $(server_trouble "$tag")" >"$workdir/$tag.err"
    run_rc=70
}

# Runs inside the private network and PID namespaces: loopback up, the qperf server, the
# client; leaving the namespace kills anything still in it. The server's output goes to stderr.
qperf_in_namespace() {
    local port=$1 server_cpu=$2 client_cpu=$3 test_seconds=$4 server rc=0
    ip link set lo up || exit 70
    taskset -c "$server_cpu" qperf -lp "$port" >&2 &
    server=$!
    wait_listening tcp "$port" "$server" || { echo "qperf server never listened" >&2; exit 71; }
    taskset -c "$client_cpu" qperf 127.0.0.1 -lp "$port" -m 64 -t "$test_seconds" -uu tcp_lat udp_lat tcp_bw || rc=$?
    kill "$server" 2>/dev/null
    exit "$rc"
}

tool_qperf() {
    local placement=$1 round=$2 tag=$3 server_cpu client_cpu port
    read -r server_cpu client_cpu <<<"$(cpus_for "$placement")"
    port=$(free_port tcp)
    if ((round == 1)); then
        printf 'qperf\t%s\t%s\n' "$placement" "${namespace[*]} bash -c 'ip link set lo up; taskset -c $server_cpu qperf -lp $port & (once it listens) taskset -c $client_cpu qperf 127.0.0.1 -lp $port -m 64 -t $qperf_seconds -uu tcp_lat udp_lat tcp_bw'" >>"$commands"
    fi
    run_bounded $((qperf_seconds * 3 + 60)) "$workdir/$tag.out" "$workdir/$tag.err" \
        "${namespace[@]}" bash -c "$(declare -f wait_listening qperf_in_namespace); qperf_in_namespace \"\$@\"" \
        qperf-namespace "$port" "$server_cpu" "$client_cpu" "$qperf_seconds"
}

tool_side() {
    local job=$1 placement=$2 round=$3 tag
    tag=$job-$placement-$round-tool
    case $job in
        perf) tool_perf "$placement" "$round" "$tag" ;;
        sockperf-tcp) tool_sockperf tcp "$placement" "$round" "$tag" ;;
        sockperf-udp) tool_sockperf udp "$placement" "$round" "$tag" ;;
        iperf3) tool_iperf3 "$placement" "$round" "$tag" ;;
        qperf) tool_qperf "$placement" "$round" "$tag" ;;
    esac
    record "$job" "$placement" tool "$round" "$run_rc" "$workdir/$tag" -
    printf ' %s:%s' "${job%%-*}" "$([[ $run_rc == 0 ]] && echo ok || echo "exit $run_rc")" >&2
}

# ipcbench specs per job: "mechanism mode bytes messages".
specs_for() {
    case $1 in
        perf) echo "pipe latency 4 $loops" ;;
        sockperf-tcp) echo "tcp latency 64 $latency_messages" ;;
        sockperf-udp) echo "udp latency 64 $latency_messages" ;;
        iperf3) echo "tcp throughput 65536 20000" ;;
        qperf) printf '%s\n' "tcp latency 64 $latency_messages" "udp latency 64 $latency_messages" \
            "tcp throughput 64 200000" ;;
    esac
}

# Every job: "job placement"; a job that cannot run is recorded once, as na.
jobs=()
for tool in "${selected_tools[@]}"; do
    case $tool in sockperf) names="sockperf-tcp sockperf-udp" ;; *) names=$tool ;; esac
    for job in $names; do
        for placement in $(placements_for "$tool"); do
            if [[ -n ${why_not[$tool]:-} ]]; then
                record "$job" "$placement" na 0 0 - "${why_not[$tool]}"
            elif [[ $placement == cross-core && -z $c1 ]]; then
                record "$job" "$placement" na 0 0 - "not run: cross-core needs two CPUs, this script may use one"
            else
                jobs+=("$job $placement")
            fi
        done
    done
done

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
note "rounds=$rounds cpus=${cpus[*]} (C0=$c0${c1:+ C1=$c1}) kernel=$(uname -r) jobs=${#jobs[@]} load=$load_before"
for ((round = 1; round <= rounds; round++)); do
    for entry in ${jobs[@]+"${jobs[@]}"}; do
        read -r job placement <<<"$entry"
        mapfile -t specs < <(specs_for "$job")
        printf 'cross-check: round %s/%s %s %s:' "$round" "$rounds" "$job" "$placement" >&2
        if ((round % 2 == 1)); then
            ipcbench_side "$job" "$placement" "$round" "${specs[@]}"
            tool_side "$job" "$placement" "$round"
        else
            tool_side "$job" "$placement" "$round"
            ipcbench_side "$job" "$placement" "$round" "${specs[@]}"
        fi
        echo >&2
    done
done

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
python3 - "$manifest" "$commands" "$workdir" "$loops" "$latency_messages" "$seconds" "$qperf_seconds" "$c0" "${c1:--}" \
    "$load_before" "$load_after" "${#cpus[@]}" <<'PY'
"""Reads the runs, takes each side's median over the rounds, prints the table, the footnotes
and the commands."""
import csv
import json
import os
import re
import statistics
import sys

manifest, commands_path, workdir = sys.argv[1:4]
LOOPS, MESSAGES, SECONDS, QPERF_SECONDS = (int(v) for v in sys.argv[4:8])
C0, C1 = sys.argv[8], sys.argv[9]
LOAD_BEFORE, LOAD_AFTER, CPU_COUNT = sys.argv[10], sys.argv[11], int(sys.argv[12])
AGREE_WITHIN = 1.25
MIB = 2 ** 20


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def last_line(text):
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def failure(rc, prefix):
    if rc == 124:
        return "timed out"
    detail = last_line(re.sub(r"\x1b\[[0-9;]*m", "", read(prefix + ".err")))
    return f"exit {rc}" + (f": {detail[:160]}" if detail else "")


# --- Tool output parsers: each returns {figure name: value} in us (round trip) or MiB/s,
# converted here and nowhere else.

def parse_perf(text):
    """perf bench sched pipe: usecs/op, one op being one round trip (write, then read the echo)."""
    m = re.search(r"([\d.]+)\s+usecs/op", text)
    if not m:
        raise ValueError("no usecs/op in perf output")
    return {"perf_mean_us": float(m.group(1))}


def parse_sockperf(text):
    """sockperf ping-pong: usec; one-way (RTT/2) unless run with --full-rtt, which says 'avg-rtt'."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    one_way = "avg-rtt=" not in text
    avg = re.search(r"avg-(?:latency|rtt)=([\d.]+)", text)
    p50 = re.search(r"percentile 50\.000 =\s*([\d.]+)", text)
    if not avg or not p50:
        raise ValueError("no avg-latency or percentile 50.000 in sockperf output")
    factor = 2.0 if one_way else 1.0
    out = {"sockperf_avg_us": float(avg.group(1)) * factor, "sockperf_p50_us": float(p50.group(1)) * factor,
           "sockperf_one_way": one_way}
    dropped = re.search(r"# dropped messages = (\d+); # duplicated messages = (\d+); # out-of-order messages = (\d+)",
                        text)
    if dropped and any(int(g) for g in dropped.groups()):
        out["sockperf_anomalies"] = dropped.group(0)
    return out


def parse_iperf3(text):
    """iperf3 -J: end.sum_received.bits_per_second, SI bits; MiB/s = bits / 8 / 2^20."""
    data = json.loads(text)
    if data.get("error"):
        raise ValueError("iperf3: " + data["error"])
    bits = float(data["end"]["sum_received"]["bits_per_second"])
    return {"iperf3_mib_s": bits / 8 / MIB}


QPERF_TIME = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "sec": 1e6}
QPERF_RATE = {"bytes/sec": 1.0, "KB/sec": 1e3, "MB/sec": 1e6, "GB/sec": 1e9, "TB/sec": 1e12}


def parse_qperf(text):
    """qperf: latency = total time / messages received by both sides, the mean one-way time, so
    x2 is the mean round trip; bw in SI bytes/s (KB = 1000 B), so / 2^20 for MiB/s."""
    out, test = {}, None
    for line in text.splitlines():
        header = re.match(r"^(\w+):\s*$", line)
        if header:
            test = header.group(1)
            continue
        m = re.match(r"^\s+(\w+)\s+=\s+([\d.,]+)\s+(\S+)", line)
        if not m or test is None:
            continue
        name, value, unit = m.group(1), float(m.group(2).replace(",", "")), m.group(3)
        if name == "latency" and unit in QPERF_TIME:
            out[f"qperf_{test}_rtt_us"] = 2 * value * QPERF_TIME[unit]
        elif name == "bw" and unit in QPERF_RATE:
            out[f"qperf_{test}_mib_s"] = value * QPERF_RATE[unit] / MIB
    if not out:
        raise ValueError("no latency or bw in qperf output")
    return out


PARSERS = {"perf": parse_perf, "sockperf-tcp": parse_sockperf, "sockperf-udp": parse_sockperf,
           "iperf3": parse_iperf3, "qperf": parse_qperf}


def ipcbench_rows(prefix, spec):
    """{figure: value} from the CSV row of this scenario, found by header name."""
    mechanism, mode, size, placement = spec.split()
    wanted = {"mechanism": mechanism, "mode": mode, "payload_bytes": size, "placement": placement,
              "wait": "block", "pairs": "1"}
    with open(prefix + ".csv", newline="") as f:
        rows = [row for row in csv.DictReader(f)
                if all((row.get(k) or v).strip() == v for k, v in wanted.items())]
    if not rows:
        raise ValueError("no matching row in the CSV")
    row = rows[-1]
    status = (row.get("status") or "").strip()
    if status != "ok":
        raise ValueError(f"status {status}: {(row.get('note') or '').strip()}")
    key = f"{mechanism} {mode} {size}"
    out = {}
    for column, scale in (("rtt_p50_ns", 1e-3), ("rtt_mean_ns", 1e-3), ("mib_per_s", 1.0)):
        if (row.get(column) or "").strip():
            out[f"{key} {column}"] = float(row[column]) * scale
    for column in ("lost_msgs", "reordered_msgs"):
        if (row.get(column) or "0").strip() not in ("", "0"):
            out[f"{key} {column}"] = row[column]
    return out


# (job, placement) -> {"ipcbench": {round: {...}}, "tool": {round: {...}}, "problems": [], "na": [...]}
runs = {}
with open(manifest) as f:
    for line in f:
        job, placement, side, round_, rc, prefix, spec = line.rstrip("\n").split("\t")
        r = runs.setdefault((job, placement), {"ipcbench": {}, "tool": {}, "problems": {}, "na": []})
        round_, rc = int(round_), int(rc)
        if side == "na":
            r["na"].append(spec)
            continue
        try:
            if side == "ipcbench":
                if not os.path.exists(prefix + ".csv"):
                    raise ValueError(failure(rc, prefix) if rc else "no CSV written")
                r["ipcbench"].setdefault(round_, {}).update(ipcbench_rows(prefix, spec))
            else:
                if rc != 0:
                    raise ValueError(failure(rc, prefix))
                r["tool"].setdefault(round_, {}).update(PARSERS[job](read(prefix + ".out")))
        except (ValueError, KeyError, OSError, json.JSONDecodeError) as error:
            text = f"{'ipcbench' if side == 'ipcbench' else job.split('-')[0]}: {error}"
            r["problems"][text] = r["problems"].get(text, 0) + 1

# The rows of the table: (job, what, ipcbench figure, tool figure, unit, tool figure's origin, reason if DIFFER)
ROWS = [
    ("perf", "pipe 4 B round trip, ipcbench p50 vs perf mean", "pipe latency 4 rtt_p50_ns", "perf_mean_us", "us",
     "usecs/op (a mean round trip)", "perf-p50"),
    ("perf", "pipe 4 B round trip, ipcbench mean vs perf mean", "pipe latency 4 rtt_mean_ns", "perf_mean_us", "us",
     "usecs/op (a mean round trip)", "perf-mean"),
    ("sockperf-tcp", "tcp 64 B round trip p50", "tcp latency 64 rtt_p50_ns", "sockperf_p50_us", "us",
     "percentile 50 one-way x2", "sockperf"),
    ("sockperf-tcp", "tcp 64 B round trip mean", "tcp latency 64 rtt_mean_ns", "sockperf_avg_us", "us",
     "avg-latency one-way x2", "sockperf-mean"),
    ("sockperf-udp", "udp 64 B round trip p50", "udp latency 64 rtt_p50_ns", "sockperf_p50_us", "us",
     "percentile 50 one-way x2", "sockperf"),
    ("sockperf-udp", "udp 64 B round trip mean", "udp latency 64 rtt_mean_ns", "sockperf_avg_us", "us",
     "avg-latency one-way x2", "sockperf-mean"),
    ("iperf3", "tcp 64 KiB stream, MiB/s", "tcp throughput 65536 mib_per_s", "iperf3_mib_s", "MiB/s",
     "receiver bits/s / 8 / 2^20", "iperf3"),
    ("qperf", "tcp 64 B round trip mean", "tcp latency 64 rtt_mean_ns", "qperf_tcp_lat_rtt_us", "us",
     "tcp_lat one-way mean x2", "qperf-lat"),
    ("qperf", "udp 64 B round trip mean", "udp latency 64 rtt_mean_ns", "qperf_udp_lat_rtt_us", "us",
     "udp_lat one-way mean x2", "qperf-lat"),
    ("qperf", "tcp 64 B stream, MiB/s", "tcp throughput 64 mib_per_s", "qperf_tcp_bw_mib_s", "MiB/s",
     "tcp_bw bytes/s / 2^20", "qperf-bw"),
]

REASONS = {
    "perf-p50": "perf reports a mean over all {loops} round trips, slow ones included, so it sits above a "
                "p50 whenever the distribution has a tail; ipcbench's own mean/p50 here is {own_skew:.2f}. "
                "Read the mean row.",
    "perf-mean": "both are means over a noisy VM; a few long stalls (a preempted vCPU) move a mean, not a p50. "
                 "perf also times its fork and exit and has no warm-up; ipcbench's rounds spread {spread_ipc:.0%}, "
                 "perf's {spread_tool:.0%}.",
    "sockperf": "sockperf's figure is one-way (RTT/2), doubled here; its client times with the TSC and runs "
                "{seconds} s after a warm-up, ipcbench {messages} round trips with CLOCK_MONOTONIC; its 64-byte "
                "message carries a 14-byte sockperf header as ipcbench's carries a sequence number. "
                "Rounds spread: ipcbench {spread_ipc:.0%}, sockperf {spread_tool:.0%}.",
    "sockperf-mean": "means (sockperf avg one-way x2 vs ipcbench mean) follow the tail; ipcbench's own mean/p50 is "
                     "{own_skew:.2f}. Rounds spread: ipcbench {spread_ipc:.0%}, sockperf {spread_tool:.0%}.",
    "iperf3": "iperf3 3.x drives both ends from a select() loop (its sender makes up to 10 writes of 64 KiB per "
              "wake-up, measured ~10 writes per pselect6) for {seconds} s, slow start and autotuned buffers "
              "included, and counts what the receiver got; ipcbench makes one blocking write per 64 KiB message, "
              "20000 of them, timed from the first send to the last receive. "
              "Rounds spread: ipcbench {spread_ipc:.0%}, iperf3 {spread_tool:.0%}.",
    "qperf-lat": "qperf's latency is total time / messages received by both sides (a mean one-way, doubled "
                 "here) with times() clock ticks, and no warm-up; ipcbench's figure is its mean, whose own "
                 "mean/p50 is {own_skew:.2f}. Rounds spread: ipcbench {spread_ipc:.0%}, qperf {spread_tool:.0%}.",
    "qperf-bw": "qperf tcp_bw leaves Nagle on (no TCP_NODELAY), so its 64-byte writes pile up into large segments "
                "whenever one is unacknowledged; ipcbench's tcp sets TCP_NODELAY, which leaves coalescing to the "
                "kernel's autocorking, and that varies from run to run: a round in which the reader keeps up gets "
                "few messages per segment and a wake-up for each, and runs several times slower. Both read exactly "
                "64 B per read(). qperf runs {qperf_seconds} s with no warm-up, ipcbench 200000 messages. "
                "Rounds spread: ipcbench {spread_ipc:.0%}, qperf {spread_tool:.0%}.",
}


def median_or_none(values):
    return statistics.median(values) if values else None


def spread(values):
    return (max(values) - min(values)) / statistics.median(values) if len(values) > 1 else 0.0


def consistency(ratios, paired, noise, unit):
    """Whether a DIFFER is the tools disagreeing or the machine drifting, from the per-round ratios."""
    if paired is None:
        return "No round gave both figures, so drift cannot be told from a difference."
    higher = sum(1 for x in ratios if x > 1)
    n = len(ratios)
    word = "slower" if unit == "us" else "faster"
    if n >= 3 and higher in (0, n):
        side = word if higher == n else ("faster" if word == "slower" else "slower")
        return (f"Consistent: ipcbench measured {side} in {n} of {n} rounds (paired ratio {paired:.2f}): "
                "a real difference, not noise.")
    if max(paired, 1 / paired) <= AGREE_WITHIN:
        return (f"Unsteady rounds: run back to back, the two agree (paired ratio {paired:.2f}); the medians part "
                f"because some rounds, on one side or both, were far from the rest (spread {noise:.0%}).")
    return (f"Noise: {higher} of {n} rounds had ipcbench {word} (paired ratio {paired:.2f}, spread {noise:.0%}); "
            "too few or too mixed to call: rerun with more --rounds on a quieter machine.")


def fmt(value, unit):
    if value is None:
        return "-"
    return f"{value:.2f}" if unit == "us" else f"{value:.0f}"


placement_order = {"same-core": 0, "cross-core": 1}
keys = sorted(runs, key=lambda k: ([row[0] for row in ROWS].index(k[0]), placement_order.get(k[1], 9)))
table, footnotes, counts, per_round = [], [], {}, []
for job, placement in keys:
    r = runs[(job, placement)]
    shown_placement = "unpinned" if job == "perf" and placement == "cross-core" else placement
    for row_job, what, ipc_key, tool_key, unit, origin, reason in ROWS:
        if row_job != job:
            continue
        ipc = [v[ipc_key] for v in r["ipcbench"].values() if ipc_key in v]
        tool = [v[tool_key] for v in r["tool"].values() if tool_key in v]
        # Round k's ipcbench over round k's tool: the two ran back to back, so drift between
        # rounds cancels out of these.
        per_round_ratios = [r["ipcbench"][rd][ipc_key] / r["tool"][rd][tool_key] for rd in sorted(r["ipcbench"])
                            if ipc_key in r["ipcbench"][rd] and r["tool"].get(rd, {}).get(tool_key)]
        rounds_both = len(per_round_ratios)
        paired = median_or_none(per_round_ratios)
        ipc_m, tool_m = median_or_none(ipc), median_or_none(tool)
        ratio = ipc_m / tool_m if ipc_m is not None and tool_m else None
        scenario = ipc_key.rsplit(" ", 1)[0]          # "mechanism mode bytes"
        # na reasons: the whole job ("missing", "not run: ...") or one ipcbench scenario.
        job_na = [n for n in r["na"] if not n.startswith(("pipe ", "tcp ", "udp "))]
        scenario_na = [n for n in r["na"] if n.startswith(scenario + " ")]
        problems = [p + (f" (x{n})" if n > 1 else "") for p, n in r["problems"].items()]
        if job_na:
            verdict = job_na[0]
        elif scenario_na:
            verdict = "not available in this build"
        elif ratio is None:
            verdict = "ERROR"
        else:
            verdict = "AGREE" if max(ratio, 1 / ratio) <= AGREE_WITHIN else "DIFFER"
        counts[verdict.split(":")[0]] = counts.get(verdict.split(":")[0], 0) + 1
        mark = ""
        if verdict in ("DIFFER", "ERROR"):
            # ipcbench's own mean / p50 in each round: how much tail this distribution has.
            own = [v[f"{scenario} rtt_mean_ns"] / v[f"{scenario} rtt_p50_ns"] for v in r["ipcbench"].values()
                   if v.get(f"{scenario} rtt_p50_ns") and f"{scenario} rtt_mean_ns" in v]
            text = REASONS[reason].format(loops=LOOPS, messages=MESSAGES, seconds=SECONDS, qperf_seconds=QPERF_SECONDS,
                                          own_skew=statistics.median(own) if own else float("nan"),
                                          spread_ipc=spread(ipc) if ipc else 0, spread_tool=spread(tool) if tool else 0)
            if verdict == "ERROR":
                text = "; ".join(problems) or "no round gave both figures"
            if verdict == "DIFFER":
                text = consistency(per_round_ratios, paired, max(spread(ipc), spread(tool)), unit) + " " + text
            if shown_placement == "unpinned" and verdict == "DIFFER":
                text += " Unpinned: the scheduler placed each side's two processes on its own."
            anomalies = sorted({str(v[k]) for v in list(r["tool"].values()) + list(r["ipcbench"].values())
                                for k in v if k == "sockperf_anomalies" or k.endswith(("lost_msgs", "reordered_msgs"))})
            if anomalies:
                text += " Seen: " + "; ".join(anomalies) + "."
            footnotes.append(text)
            mark = f" [{len(footnotes)}]"
        per_round.append((what, shown_placement, unit, [
            (rd, r["ipcbench"].get(rd, {}).get(ipc_key), r["tool"].get(rd, {}).get(tool_key))
            for rd in sorted(set(r["ipcbench"]) | set(r["tool"]))]))
        table.append([what, shown_placement, f"{fmt(ipc_m, unit)} {unit}" if ipc_m is not None else "-",
                      f"{fmt(tool_m, unit)} {unit}" if tool_m is not None else "-", origin,
                      f"{ratio:.2f}" if ratio is not None else "-",
                      f"{paired:.2f}" if paired is not None else "-",
                      f"{max(spread(ipc), spread(tool)):.0%}" if ipc and tool else "-",
                      f"{rounds_both}", verdict + mark])

header = ["pair", "placement", "ipcbench", "tool", "tool figure", "ratio", "paired", "spread", "rounds", "agreement"]
widths = [max(len(row[i]) for row in table + [header]) for i in range(len(header) - 1)]
right = {2, 3, 5, 6, 7, 8}
print()
for row in [header] + table:
    cells = [row[i].rjust(w) if i in right else row[i].ljust(w) for i, w in enumerate(widths)]
    print("  ".join(cells + [row[-1]]).rstrip())
print()
print("ipcbench, tool: each side's median over its rounds; us = microseconds per round trip; MiB = 2^20 bytes.")
print("ratio: ipcbench / tool, of the medians (latency: above 1 means ipcbench measured slower; throughput: faster).")
print("paired: the median over rounds of round k's ipcbench / round k's tool; the two ran back to back, so")
print("  drift between rounds cancels out of it. The footnotes use it to tell drift from a real difference.")
print(f"agreement (on the medians): AGREE when the larger is at most {AGREE_WITHIN:.2f}x the smaller, else DIFFER.")
print("spread: the wider side's (max - min) / median over its rounds; a difference inside it is noise.")
print(f"placement: same-core = both sides on CPU {C0}; cross-core = server/echo on CPU {C0}, client on CPU {C1};"
      f" unpinned = perf's row for cross-core: both sides may use CPUs {C0},{C1}.")
print(f"load average (1, 5, 15 min): {LOAD_BEFORE} before the rounds, {LOAD_AFTER} after, on {CPU_COUNT} CPUs;"
      " this script keeps about one CPU busy, so more than that is someone else's work.")
print("summary: " + ", ".join(f"{n} {v}" for v, n in sorted(counts.items())))
if footnotes:
    print()
    for i, text in enumerate(footnotes, 1):
        print(f"[{i}] {text}")

print()
print("per round (ipcbench / tool, in the row's unit; a round runs the two back to back):")
width = max((len(what) + len(placement) for what, placement, _, _ in per_round), default=0) + 2
for what, placement, unit, values in per_round:
    cells = [f"r{rd} {fmt(ipc, unit)}/{fmt(tool, unit)}" for rd, ipc, tool in values]
    print(f"  {(what + ', ' + placement).ljust(width)}  " + "  ".join(cells))

print()
print("commands (round 1):")
with open(commands_path) as f:
    for line in f:
        job, placement, command = line.rstrip("\n").split("\t")
        command = re.sub(re.escape(workdir) + r"/\S+\.csv", "FILE.csv", command)
        print(f"  {job} {placement}: {command}")
PY

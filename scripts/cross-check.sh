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
# Ports, listeners and the report: scripts/ipcbench_tools (loopback.py, cross_check.py).
# Exported, so that the qperf namespace's shell finds them too.
export PYTHONPATH="$repo/scripts${PYTHONPATH:+:$PYTHONPATH}"

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
    python3 -m ipcbench_tools.loopback free-port "$1"
}

# wait_listening tcp|udp PORT PID [loopback]: until something listens on PORT (read from
# /proc/net, so no probe traffic reaches the server), or PID dies, or 10 s pass. With
# "loopback", a listener on any address but 127.0.0.1 is an error (exit 2), not a server.
wait_listening() {
    python3 -m ipcbench_tools.loopback wait-listening "$@"
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
# The table, footnotes and commands: scripts/ipcbench_tools/cross_check.py.
python3 -m ipcbench_tools.cross_check "$manifest" "$commands" "$workdir" "$loops" "$latency_messages" "$seconds" \
    "$qperf_seconds" "$c0" "${c1:--}" "$load_before" "$load_after" "${#cpus[@]}"

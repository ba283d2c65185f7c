#!/usr/bin/env bash
# Measures what the regression gate decides on this machine (README, "The gate"):
#   1. N A/A gate runs of one build against itself (the default gate suite and budget): the
#      exit status of each, the share decided, the resolution and per-pair noise by family;
#   2. M `ipcbench compare` runs of two plain quick-suite runs of one build: their exit status;
#   3. the planted regressions (Sources/IPCBenchCore/System/Plant.swift, compiled in by
#      -DIPCBENCH_PLANTS): the planted build with each plant switched on gated against the
#      same build with none on, what its targets were called and whether anything off its
#      path was called. Not against the clean build: a -D build lays its code out otherwise,
#      and the gate sees that (the copying rings' spin 64 B round trip came out 8-10% faster
#      in the planted build with no plant on), which would blur what the plant alone does.
# Prints one line per run and the summaries; every gate's output folder is kept under --output.
#
#   scripts/gate-targets.sh [--aa-runs N] [--compare-runs M] [--plant-runs R] [--plants LIST]
#                           [--budget DURATION] [--output DIR] [--skip-aa] [--skip-compare] [--skip-plants]
# --plant-runs R: gate runs of ring-cpu-10 (the power target); every other plant runs once.
# CLEAN_BIN and PLANTS_BIN, when set, are used instead of building HEAD twice.
set -euo pipefail
aa_runs=10 compare_runs=10 plant_runs=5 budget=6m output="gate-targets" skip_aa=0 skip_compare=0 skip_plants=0
plants="stream-syscalls,ring-syscall,ring-cpu-5,ring-cpu-10,ring-cpu-20"
while [ $# -gt 0 ]; do
    case "$1" in
        --aa-runs) aa_runs="$2"; shift 2 ;;
        --compare-runs) compare_runs="$2"; shift 2 ;;
        --plant-runs) plant_runs="$2"; shift 2 ;;
        --plants) plants="$2"; shift 2 ;;
        --budget) budget="$2"; shift 2 ;;
        --output) output="$2"; shift 2 ;;
        --skip-aa) skip_aa=1; shift ;;
        --skip-compare) skip_compare=1; shift ;;
        --skip-plants) skip_plants=1; shift ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "gate-targets: unknown option $1" >&2; exit 64 ;;
    esac
done
repo=$(git rev-parse --show-toplevel)
cd "$repo"
# The arithmetic of the summaries: scripts/ipcbench_tools/gate_targets.py.
export PYTHONPATH="$repo/scripts${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p "$output"
output=$(cd "$output" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/ipcbench-targets.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [ -z "${CLEAN_BIN:-}" ]; then
    swift build -c release >/dev/null
    CLEAN_BIN="$repo/.build/release/ipcbench"
fi
if [ -z "${PLANTS_BIN:-}" ] && [ "$skip_plants" = 0 ]; then
    swift build -c release -Xswiftc -DIPCBENCH_PLANTS --scratch-path "$repo/.build-plants" >/dev/null
    PLANTS_BIN="$repo/.build-plants/release/ipcbench"
fi
# A/A: the same bytes under another name of the same length. Lengths matter: a process's
# name and environment sit at the top of its stack, so their length moves every stack address,
# and the gate sees that (README, "What the gate decides here, measured").
cp "$CLEAN_BIN" "$work/clean"
cp "$CLEAN_BIN" "$work/clean-a"
cp "$CLEAN_BIN" "$work/clean-b"
suite=(--suite "$repo/Benchmarks/suites/gate.suite" --budget "$budget")

if [ "$skip_aa" = 0 ]; then
    runs=()
    for run in $(seq 1 "$aa_runs"); do
        "$work/clean" gate --base "$work/clean-a" --candidate "$work/clean-b" "${suite[@]}" --output "$output/aa-$run" \
            >"$output/aa-$run.txt" 2>&1 || true
        python3 -m ipcbench_tools.gate_targets aa-run "$output/aa-$run/compare.json" "$run" "$aa_runs"
        runs+=("$output/aa-$run/compare.json")
    done
    python3 -m ipcbench_tools.gate_targets aa-summary "${runs[@]}"
fi

if [ "$skip_compare" = 0 ]; then
    statuses=()
    for run in $(seq 1 "$compare_runs"); do
        for side in a b; do
            "$work/clean" run --suite "$repo/Benchmarks/suites/quick.suite" --quiet --output "$output/plain-$run-$side.csv"
        done
        set +e
        "$work/clean" compare "$output/plain-$run-a.csv" "$output/plain-$run-b.csv" >"$output/plain-$run-compare.txt" 2>&1
        statuses+=("$?")
        set -e
        echo "compare $run/$compare_runs of two plain quick-suite runs of one build: exit ${statuses[-1]}; $(head -1 "$output/plain-$run-compare.txt")"
    done
    zeros=0; for s in "${statuses[@]}"; do [ "$s" = 0 ] && zeros=$((zeros + 1)); done
    echo "compare: $zeros of $compare_runs runs exit 0"
fi

if [ "$skip_plants" = 0 ]; then
    planted() {  # planted NAME VALUE: $work/NAME runs the planted build with IPCBENCH_PLANT=VALUE
        printf '#!/bin/sh\nunset IPCBENCH_PLANT_WORK\nIPCBENCH_PLANT=%s exec %s "$@"\n' "$2" "$PLANTS_BIN" >"$work/$1"
        chmod +x "$work/$1"
    }
    for plant in ${plants//,/ }; do
        # The same build, with its plant switched on for the gate's candidate side only; the
        # base's IPCBENCH_PLANT names no plant but is as long, and so is its name: the
        # environment's length moves every stack address.
        planted "off-$plant" "$(printf '%*s' "${#plant}" '' | tr ' ' '-')"
        planted "on--$plant" "$plant"
        times=1; [ "$plant" = ring-cpu-10 ] && times=$plant_runs
        for run in $(seq 1 "$times"); do
            "$work/clean" gate --base "$work/off-$plant" --candidate "$work/on--$plant" "${suite[@]}" \
                --output "$output/$plant-$run" >"$output/$plant-$run.txt" 2>&1 || true
            python3 -m ipcbench_tools.gate_targets plant "$plant" "$output/$plant-$run/compare.json"
        done
    done
fi

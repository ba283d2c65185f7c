"""The arithmetic of scripts/gate-targets.sh, over the compare.json files `ipcbench gate` wrote:
one line per A/A run, the A/A summary with the resolution and the per-pair noise by family, and
what a planted regression was caught in.

    python3 -m ipcbench_tools.gate_targets aa-run COMPARE_JSON RUN RUNS
        one A/A run's line
    python3 -m ipcbench_tools.gate_targets aa-summary COMPARE_JSON...
        the A/A lines over all runs, and a table by family and kind of metric
    python3 -m ipcbench_tools.gate_targets plant NAME COMPARE_JSON
        a planted run's line: its targets' verdicts, the calls off the planted path
"""
import json
import math
import statistics
import sys

FLAGGED = ("regressed", "improved")
DECIDED = ("regressed", "improved", "unchanged")
#: What each plant (Sources/IPCBenchCore/System/Plant.swift) slows: the mechanisms (and copy
#: mode) whose code holds it, and the comparisons it must be called regressed in.
STREAM_PATH = ("pipe", "fifo", "unix-stream", "tcp", "eventfd")
RINGS = ("shm-posix", "shm-sysv", "shm-mmap")
PLANTS = {
    "stream-syscalls": {
        "path": lambda s: s["mechanism"] in STREAM_PATH,
        "targets": lambda s, m: s["mechanism"] in ("pipe", "fifo", "unix-stream") and s["payload_bytes"] in (64, 4096)
        and m in ("rtt_p50_ns", "mib_per_s", "syscalls_per_msg"),
    },
    "ring-syscall": {
        "path": lambda s: s["mechanism"] in RINGS and s["copy"] == "copy",
        "targets": lambda s, m: s["mechanism"] == "shm-posix" and s["copy"] == "copy" and s["wait"] == "spin"
        and m in ("rtt_p50_ns", "mib_per_s", "syscalls_per_msg"),
    },
}
for percent in (5, 10, 20):
    PLANTS[f"ring-cpu-{percent}"] = {
        "path": PLANTS["ring-syscall"]["path"],
        "targets": lambda s, m: s["mechanism"] == "shm-posix" and s["copy"] == "copy" and s["wait"] == "spin"
        and ((s["mode"] == "latency" and s["payload_bytes"] == 64 and m == "rtt_p50_ns")
             or (s["mode"] == "throughput" and s["payload_bytes"] == 4096 and m == "mib_per_s")),
    }


def load(path):
    with open(path) as f:
        return json.load(f)


def kind(comparison):
    """What a comparison judges: a count, a round trip's median or tail, or a rate."""
    metric = comparison["metric"]
    if comparison.get("is_count"):
        return "counts"
    if metric.endswith("_p50_ns"):
        return ("spin" if comparison["scenario"]["wait"] == "spin" else "block") + " round trip p50"
    if metric.endswith("_p99_ns"):
        return "round trip p99"
    return "throughput"


def pair_noise(comparison):
    """The robust spread (MAD x 1.4826) of the pairs' log ratios, in percent; None for counts."""
    if comparison.get("is_count"):
        return None
    ratios = [math.log(b / a) for a, b in zip(comparison["baseline"], comparison["candidate"]) if a > 0 and b > 0]
    if len(ratios) < 3:
        return None
    m = statistics.median(ratios)
    mad = statistics.median(abs(r - m) for r in ratios) * 1.4826
    return (math.exp(mad) - 1) * 100


def name(c):
    return f"{c['scenario_name']} {c['metric']}"


def aa_run_line(doc, run, runs):
    comparisons = doc.get("comparisons", [])
    flagged = [c for c in comparisons if c["verdict"] in FLAGGED]
    likely = [c for c in comparisons if c.get("likely_regression")]
    decided = sum(c["verdict"] in DECIDED for c in comparisons)
    times = [c["resolution_pct"] for c in comparisons if not c.get("is_count") and c.get("resolution_pct") is not None]
    gate = doc.get("gate", {})
    return (f"A/A {run}/{runs}: gate exit {doc.get('exit_status')}; {len(flagged)} called regressed or improved, "
            f"{len(likely)} likely; {decided} of {len(comparisons)} decided ({100 * decided // max(1, len(comparisons))}%); "
            f"median resolution of the times {statistics.median(times) if times else float('nan'):.1f}%; "
            f"{round(gate.get('elapsed_s', 0))} s" + "".join(f"\n  called: {name(c)} {c['verdict']}" for c in flagged + likely))


def aa_summary_lines(docs):
    runs = len(docs)
    nonzero = sum(d.get("exit_status") != 0 for d in docs)
    comparisons = [c for d in docs for c in d.get("comparisons", [])]
    decided = sum(c["verdict"] in DECIDED for c in comparisons)
    out = [f"A/A: {runs - nonzero} of {runs} gate runs exit 0; {decided} of {len(comparisons)} comparisons decided "
           f"({100 * decided // max(1, len(comparisons))}%); longest {max((round(d.get('gate', {}).get('elapsed_s', 0)) for d in docs), default=0)} s"]
    groups = {}
    for c in comparisons:
        family = c["scenario"].get("family") or "?"
        groups.setdefault((family, kind(c)), []).append(c)
    out.append(f"{'family':<11} {'metric':<20} {'comparisons':>11} {'decided':>8} {'median resolution':>18} {'median pair noise':>18}")
    for (family, k), group in sorted(groups.items()):
        res = [c["resolution_pct"] for c in group if c.get("resolution_pct") is not None]
        noise = [n for n in map(pair_noise, group) if n is not None]
        share = 100 * sum(c["verdict"] in DECIDED for c in group) // len(group)
        res_text = "-" if k == "counts" else (f"±{statistics.median(res):.1f}%" if res else "?")
        noise_text = f"{statistics.median(noise):.1f}%" if noise else "-"
        out.append(f"{family:<11} {k:<20} {len(group):>11} {share:>7}% {res_text:>18} {noise_text:>18}")
    return out


def plant_lines(plant, doc):
    spec = PLANTS[plant]
    comparisons = doc.get("comparisons", [])
    targets = [c for c in comparisons if spec["targets"](c["scenario"], c["metric"])]
    caught = [c for c in targets if c["verdict"] == "regressed"]
    off = [c for c in comparisons if not spec["path"](c["scenario"]) and (c["verdict"] in FLAGGED or c.get("likely_regression"))]
    out = [f"{plant}: gate exit {doc.get('exit_status')}; targets regressed {len(caught)} of {len(targets)}; "
           f"off the planted path called: {len(off)}"]
    # By scenario: one is caught when any of its targets is regressed (a count or a time).
    scenarios = {}
    for c in targets:
        scenarios.setdefault(c["scenario_name"], []).append(c)
    caught_scenarios = {n: [c for c in group if c["verdict"] == "regressed"] for n, group in scenarios.items()}
    named = sum(any(c.get("is_count") for c in group) for group in caught_scenarios.values())
    out.append(f"  scenarios regressed: {sum(bool(g) for g in caught_scenarios.values())} of {len(scenarios)}, "
               f"{named} naming a count; by a time too: {sum(any(not c.get('is_count') for c in g) for g in caught_scenarios.values())}")
    for c in targets:
        change = (f"{c['change']:+.3f}/msg" if c.get("is_count") else f"{(c['ratio'] - 1) * 100:+.1f}%") if c.get("ratio") is not None or c.get("is_count") else "?"
        res = f"±{c['resolution_pct']:.1f}%" if c.get("resolution_pct") is not None else ""
        out.append(f"  {name(c)}: {c['verdict']} {change} {res}")
    out += [f"  off the path: {name(c)} {c['verdict']}" for c in off]
    return out


def main(argv):
    """Runs one subcommand (see the module's doc); returns its exit status."""
    command, args = (argv[0], argv[1:]) if argv else ("", [])
    if command == "aa-run" and len(args) == 3:
        print(aa_run_line(load(args[0]), args[1], args[2]))
    elif command == "aa-summary" and args:
        print("\n".join(aa_summary_lines([load(p) for p in args])))
    elif command == "plant" and len(args) == 2 and args[0] in PLANTS:
        print("\n".join(plant_lines(args[0], load(args[1]))))
    else:
        print(__doc__.strip(), file=sys.stderr)
        return 64
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

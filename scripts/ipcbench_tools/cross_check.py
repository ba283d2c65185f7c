"""The report of scripts/cross-check.sh: ipcbench beside independent tools (perf bench,
sockperf, iperf3, qperf), each side's median over the rounds, their ratio and whether they agree.

    python3 -m ipcbench_tools.cross_check MANIFEST COMMANDS WORKDIR LOOPS MESSAGES SECONDS \\
        QPERF_SECONDS C0 C1 LOAD_BEFORE LOAD_AFTER CPU_COUNT

MANIFEST has one tab-separated line per run, "job placement side round exit_code file_prefix
spec": job is perf, sockperf-tcp, sockperf-udp, iperf3 or qperf; side is ipcbench, tool, or na
when the row cannot run (spec is then the reason); for ipcbench, spec is "mechanism mode bytes
placement" and the run wrote prefix.csv. COMMANDS has "job placement command" lines, the first
round's command lines. The rest are the script's settings and the machine, for the legend.
Prints the table, the footnotes, the per-round figures and the commands; exits 0.
"""
import json
import os
import re
import statistics
import sys
from collections import namedtuple

from . import csvrows
from .parsers import parse_iperf3, parse_perf, parse_qperf, parse_sockperf
from .runs import describe_failure, read_text, strip_ansi
from .stats import larger_over_smaller, median_or_none, paired_ratios, spread
from .table import aligned

#: Two figures agree when the larger is at most this many times the smaller.
AGREE_WITHIN = 1.25

#: The script's settings and the machine, as passed on the command line.
Settings = namedtuple("Settings", "loops messages seconds qperf_seconds c0 c1 load_before load_after cpu_count")

PARSERS = {"perf": parse_perf, "sockperf-tcp": parse_sockperf, "sockperf-udp": parse_sockperf,
           "iperf3": parse_iperf3, "qperf": parse_qperf}

# The rows of the table: (job, what, ipcbench figure, tool figure, unit, tool figure's origin,
# reason if DIFFER).
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
JOB_ORDER = [row[0] for row in ROWS]

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

HEADER = ["pair", "placement", "ipcbench", "tool", "tool figure", "ratio", "paired", "spread", "rounds", "agreement"]
RIGHT_ALIGNED = {2, 3, 5, 6, 7, 8}


def failure(rc, prefix):
    """"timed out", or "exit N: <last line of prefix.err>", colours removed, cut to 160."""
    return describe_failure(rc, strip_ansi(read_text(prefix + ".err")), limit=160)


def ipcbench_figures(prefix, spec):
    """{figure: value} from the CSV row of this scenario, found by header name: "mechanism mode
    bytes rtt_p50_ns" and "... rtt_mean_ns" in us, "... mib_per_s", and any lost or reordered
    message counts (as text)."""
    mechanism, mode, size, placement = spec.split()
    wanted = {"mechanism": mechanism, "mode": mode, "payload_bytes": size, "placement": placement,
              "wait": "block", "pairs": "1"}
    row = csvrows.last_matching_row(prefix + ".csv", wanted)
    if row is None:
        raise ValueError("no matching row in the CSV")
    status = csvrows.status_of(row)
    if status != "ok":
        raise ValueError(f"status {status}: {csvrows.note_of(row)}")
    key = f"{mechanism} {mode} {size}"
    out = {}
    for column, scale in (("rtt_p50_ns", 1e-3), ("rtt_mean_ns", 1e-3), ("mib_per_s", 1.0)):
        if (row.get(column) or "").strip():
            out[f"{key} {column}"] = float(row[column]) * scale
    for column in ("lost_msgs", "reordered_msgs"):
        if (row.get(column) or "0").strip() not in ("", "0"):
            out[f"{key} {column}"] = row[column]
    return out


def read_runs(manifest):
    """(job, placement) -> {"ipcbench": {round: {figure: value}}, "tool": {round: {...}},
    "problems": {text: times}, "na": [reason]}."""
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
                    r["ipcbench"].setdefault(round_, {}).update(ipcbench_figures(prefix, spec))
                else:
                    if rc != 0:
                        raise ValueError(failure(rc, prefix))
                    r["tool"].setdefault(round_, {}).update(PARSERS[job](read_text(prefix + ".out")))
            except (ValueError, KeyError, OSError, json.JSONDecodeError) as error:
                text = f"{'ipcbench' if side == 'ipcbench' else job.split('-')[0]}: {error}"
                r["problems"][text] = r["problems"].get(text, 0) + 1
    return runs


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
    if larger_over_smaller(paired) <= AGREE_WITHIN:
        return (f"Unsteady rounds: run back to back, the two agree (paired ratio {paired:.2f}); the medians part "
                f"because some rounds, on one side or both, were far from the rest (spread {noise:.0%}).")
    return (f"Noise: {higher} of {n} rounds had ipcbench {word} (paired ratio {paired:.2f}, spread {noise:.0%}); "
            "too few or too mixed to call: rerun with more --rounds on a quieter machine.")


def fmt(value, unit):
    """A figure in its unit: us to two decimals, MiB/s whole."""
    if value is None:
        return "-"
    return f"{value:.2f}" if unit == "us" else f"{value:.0f}"


def figures(side_rounds, key):
    """{round: value} of one figure on one side."""
    return {rd: v[key] for rd, v in side_rounds.items() if key in v}


def report(runs, settings):
    """(table rows, footnotes, {verdict: count}, per-round figures) for every job and placement."""
    placement_order = {"same-core": 0, "cross-core": 1}
    keys = sorted(runs, key=lambda k: (JOB_ORDER.index(k[0]), placement_order.get(k[1], 9)))
    table, footnotes, counts, per_round = [], [], {}, []
    for job, placement in keys:
        r = runs[(job, placement)]
        shown_placement = "unpinned" if job == "perf" and placement == "cross-core" else placement
        for row_job, what, ipc_key, tool_key, unit, origin, reason in ROWS:
            if row_job != job:
                continue
            ipc_by_round, tool_by_round = figures(r["ipcbench"], ipc_key), figures(r["tool"], tool_key)
            ipc, tool = list(ipc_by_round.values()), list(tool_by_round.values())
            # Round k's ipcbench over round k's tool: the two ran back to back, so drift between
            # rounds cancels out of these.
            per_round_ratios = paired_ratios(ipc_by_round, tool_by_round)
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
                verdict = "AGREE" if larger_over_smaller(ratio) <= AGREE_WITHIN else "DIFFER"
            counts[verdict.split(":")[0]] = counts.get(verdict.split(":")[0], 0) + 1
            mark = ""
            if verdict in ("DIFFER", "ERROR"):
                footnotes.append(footnote(r, verdict, reason, scenario, unit, shown_placement, ipc, tool,
                                          per_round_ratios, paired, problems, settings))
                mark = f" [{len(footnotes)}]"
            per_round.append((what, shown_placement, unit, [
                (rd, r["ipcbench"].get(rd, {}).get(ipc_key), r["tool"].get(rd, {}).get(tool_key))
                for rd in sorted(set(r["ipcbench"]) | set(r["tool"]))]))
            table.append([what, shown_placement, f"{fmt(ipc_m, unit)} {unit}" if ipc_m is not None else "-",
                          f"{fmt(tool_m, unit)} {unit}" if tool_m is not None else "-", origin,
                          f"{ratio:.2f}" if ratio is not None else "-",
                          f"{paired:.2f}" if paired is not None else "-",
                          f"{max(spread(ipc), spread(tool)):.0%}" if ipc and tool else "-",
                          f"{len(per_round_ratios)}", verdict + mark])
    return table, footnotes, counts, per_round


def footnote(r, verdict, reason, scenario, unit, shown_placement, ipc, tool, per_round_ratios, paired, problems,
             settings):
    """The footnote of a DIFFER (the likely reason, and whether it is drift) or an ERROR."""
    # ipcbench's own mean / p50 in each round: how much tail this distribution has.
    own = [v[f"{scenario} rtt_mean_ns"] / v[f"{scenario} rtt_p50_ns"] for v in r["ipcbench"].values()
           if v.get(f"{scenario} rtt_p50_ns") and f"{scenario} rtt_mean_ns" in v]
    text = REASONS[reason].format(loops=settings.loops, messages=settings.messages, seconds=settings.seconds,
                                  qperf_seconds=settings.qperf_seconds,
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
    return text


def print_commands(commands_path, workdir):
    """The first round's command lines, each run's CSV path shortened to FILE.csv."""
    print("commands (round 1):")
    with open(commands_path) as f:
        for line in f:
            job, placement, command = line.rstrip("\n").split("\t")
            command = re.sub(re.escape(workdir) + r"/\S+\.csv", "FILE.csv", command)
            print(f"  {job} {placement}: {command}")


def main(argv):
    """Prints the report; returns 0."""
    manifest, commands_path, workdir = argv[0:3]
    settings = Settings(*(int(v) for v in argv[3:7]), argv[7], argv[8], argv[9], argv[10], int(argv[11]))
    table, footnotes, counts, per_round = report(read_runs(manifest), settings)
    print()
    for line in aligned([HEADER] + table, right=RIGHT_ALIGNED):
        print(line)
    print()
    print("ipcbench, tool: each side's median over its rounds; us = microseconds per round trip; MiB = 2^20 bytes.")
    print("ratio: ipcbench / tool, of the medians (latency: above 1 means ipcbench measured slower; throughput: faster).")
    print("paired: the median over rounds of round k's ipcbench / round k's tool; the two ran back to back, so")
    print("  drift between rounds cancels out of it. The footnotes use it to tell drift from a real difference.")
    print(f"agreement (on the medians): AGREE when the larger is at most {AGREE_WITHIN:.2f}x the smaller, else DIFFER.")
    print("spread: the wider side's (max - min) / median over its rounds; a difference inside it is noise.")
    c0, c1 = settings.c0, settings.c1
    print(f"placement: same-core = both sides on CPU {c0}; cross-core = server/echo on CPU {c0}, client on CPU {c1};"
          f" unpinned = perf's row for cross-core: both sides may use CPUs {c0},{c1}.")
    print(f"load average (1, 5, 15 min): {settings.load_before} before the rounds, {settings.load_after} after, "
          f"on {settings.cpu_count} CPUs; this script keeps about one CPU busy, so more than that is someone else's work.")
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
    print_commands(commands_path, workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

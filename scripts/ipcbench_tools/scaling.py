"""The scaling report: aggregate throughput of `--pairs k` and `--topology fan-in:k` as k grows,
and its ratio to perfect scaling (k times the one-pair figure), from the CSVs scaling.sh wrote.

Usage: python3 -m ipcbench_tools.scaling FOLDER CPUS

FOLDER holds `pairs-K-rR.csv` and `fan-in-K-rR.csv` (K workers on the scaled side, round R).
A point's figure is the median over its rounds of the row's msgs_per_s; ratio = figure(k) /
(k * figure(1)). A mechanism "stops scaling" at the first k whose ratio falls below 0.8. cpu/msg
and ctx/msg say why: CPU time per message that grows with k is time lost to contention (a lock
in the kernel, a cache line bouncing), not to a lack of CPUs. Points with more workers than CPUs
are marked "crowded": there they share CPUs and cannot scale.
"""
import re
import sys

from .csvrows import csv_files, status_of
from .stats import median_or_none
from .table import aligned

FILE = re.compile(r"^(pairs|fan-in)-(\d+)-r(\d+)\.csv$")
STOPS_BELOW = 0.8


def collect(folder):
    """{(kind, mechanism): {k: [rows]}} from every CSV in the folder."""
    points = {}
    for match, rows in csv_files(folder, FILE):
        kind, k = match.group(1), int(match.group(2))
        for row in rows:
            points.setdefault((kind, row["mechanism"]), {}).setdefault(k, []).append(row)
    return points


def number(row, column):
    text = (row.get(column) or "").strip()
    return float(text) if text else None


def workers(kind, k):
    """Processes a point runs: k pairs are 2k workers, fan-in:k is k producers and a consumer."""
    return 2 * k if kind == "pairs" else k + 1


def report(points, cpus):
    """The table as lines, and whether every point ran."""
    lines = []
    complete = True
    for (kind, mechanism) in sorted(points):
        by_k = points[(kind, mechanism)]
        every = [r for rs in by_k.values() for r in rs]
        if all(status_of(r) == "skipped" for r in every):
            lines.append("%s %s: skipped: %s" % (mechanism, kind, (every[0].get("note") or "").strip()))
            lines.append("")
            continue
        base = None
        rows = [["k", "workers", "msgs/s", "MiB/s", "x perfect", "cpu/msg ns", "ctx/msg", "note"]]
        stops = None
        for k in sorted(by_k):
            ok = [r for r in by_k[k] if status_of(r) == "ok"]
            failed = [r for r in by_k[k] if status_of(r) != "ok"]
            rate = median_or_none(v for v in (number(r, "msgs_per_s") for r in ok) if v is not None)
            mib = median_or_none(v for v in (number(r, "mib_per_s") for r in ok) if v is not None)
            cpu = median_or_none(v for v in (number(r, "cpu_ns_per_msg") for r in ok) if v is not None)
            ctx = median_or_none(v for v in (number(r, "ctx_switches_per_msg") for r in ok) if v is not None)
            if k == 1 and rate:
                base = rate
            ratio = rate / (k * base) if rate and base else None
            notes = []
            if workers(kind, k) > cpus:
                notes.append("crowded: %d workers on %d CPUs" % (workers(kind, k), cpus))
            if failed:
                complete = False
                notes.append("%s: %s" % (status_of(failed[0]), (failed[0].get("note") or "").strip()))
            if ratio is not None and ratio < STOPS_BELOW and stops is None and workers(kind, k) <= cpus:
                stops = k
            rows.append([
                str(k), str(workers(kind, k)),
                "%.0f" % rate if rate else "-", "%.1f" % mib if mib else "-",
                "%.2f" % ratio if ratio is not None else "-",
                "%.0f" % cpu if cpu is not None else "-", "%.2f" % ctx if ctx is not None else "-",
                "; ".join(notes),
            ])
        lines.append("%s %s" % (mechanism, "pairs (k independent channels)" if kind == "pairs"
                                else "fan-in (k producers, one consumer, one channel)"))
        lines.extend("  " + line for line in aligned(rows))
        if stops is not None:
            lines.append("  stops scaling at k=%d (below %.1fx of perfect with a CPU per worker)" % (stops, STOPS_BELOW))
        lines.append("")
    return lines, complete


def main(argv):
    if len(argv) != 2 or not argv[1].isdigit():
        print("usage: python3 -m ipcbench_tools.scaling FOLDER CPUS", file=sys.stderr)
        return 2
    points = collect(argv[0])
    if not points:
        print("scaling: no pairs-K-rR.csv or fan-in-K-rR.csv in %s" % argv[0], file=sys.stderr)
        return 1
    lines, complete = report(points, int(argv[1]))
    print("\n".join(lines), end="")
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

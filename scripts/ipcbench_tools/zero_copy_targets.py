"""The zero-copy targets, from the CSVs zero-copy-targets.sh wrote: one ipcbench run per round
(round-R.csv), every row of a round measured in the same run, so a ratio is taken inside a
round and the verdict is on the median of the rounds' ratios.

Usage: python3 -m ipcbench_tools.zero_copy_targets FOLDER WAIT

Targets (issue 11), each a ratio of two rows of one round:
  in-place ring throughput at 64 KiB and 1 MiB  >= 1.5x the copying ring, >= 1.0x memcpy
  in-place ring round trip at 1 MiB             <= 0.5x the copying ring's
  vmsplice throughput at 1 MiB (in place)       >= 1.5x pipe
  cma throughput at 1 MiB (in place)            >= 1.3x pipe
"""
import re
import sys

from .csvrows import csv_files, status_of
from .stats import median_or_none
from .table import aligned

ROUND = re.compile(r"^round-(\d+)\.csv$")
# Two probes within this ratio are one host state (ipcbench's HostProbe.sameStateRatio).
SAME_STATE = 1.5
KIB = 1024
MIB = 1024 * 1024


def figure(row):
    """Throughput in MiB/s, or the p50 round trip in ns; None when the row has none."""
    column = "mib_per_s" if row["mode"] == "throughput" else "rtt_p50_ns"
    text = (row.get(column) or "").strip()
    return float(text) if text and status_of(row) == "ok" else None


def probe(row):
    text = (row.get("probe_ns") or "").strip()
    return float(text) if text else None


def same_state(a, b):
    """Whether two rows were measured with the vCPUs placed alike (a row without a probe, a
    one-process ceiling, matches any)."""
    pa, pb = probe(a), probe(b)
    if pa is None or pb is None:
        return True
    return pa > 0 and pb > 0 and max(pa, pb) / min(pa, pb) <= SAME_STATE


def key(mechanism, mode, size, copy, wait):
    return (mechanism, mode, str(size), copy, wait)


def rounds(folder):
    """{round: {key: (figure, row)}}."""
    out = {}
    for match, rows in csv_files(folder, ROUND):
        table = {}
        for row in rows:
            k = (row["mechanism"], row["mode"], row["payload_bytes"], row.get("copy") or "copy", row["wait"])
            table[k] = (figure(row), row)
        out[int(match.group(1))] = table
    return out


def targets(wait):
    """(label, numerator key, denominator key, bound, higher is better)."""
    out = []
    for size, name in ((64 * KIB, "64K"), (MIB, "1M")):
        zero = key("shm-posix", "throughput", size, "zero", wait)
        out.append(("in-place ring / copying ring, throughput %s" % name, zero,
                    key("shm-posix", "throughput", size, "copy", wait), 1.5, True))
        out.append(("in-place ring / memcpy, throughput %s" % name, zero,
                    key("memcpy", "throughput", size, "copy", "spin"), 1.0, True))
    out.append(("in-place ring / copying ring, round trip 1M", key("shm-posix", "latency", MIB, "zero", wait),
                key("shm-posix", "latency", MIB, "copy", wait), 0.5, False))
    out.append(("vmsplice (in place) / pipe, throughput 1M", key("vmsplice", "throughput", MIB, "zero", wait),
                key("pipe", "throughput", MIB, "copy", wait), 1.5, True))
    out.append(("cma (in place) / pipe, throughput 1M", key("cma", "throughput", MIB, "zero", wait),
                key("pipe", "throughput", MIB, "copy", wait), 1.3, True))
    return out


def why_missing(by_round, k):
    for table in by_round.values():
        if k in table and table[k][0] is None:
            row = table[k][1]
            return "%s: %s" % (status_of(row), (row.get("note") or "").strip())
    return "not in the run"


def report(by_round, wait):
    rows = [["target", "bound", "median ratio", "per round", "verdict"]]
    verdicts = []
    for label, top, bottom, bound, higher in targets(wait):
        ratios = []
        set_aside = 0
        for r in sorted(by_round):
            a, row_a = by_round[r].get(top, (None, None))
            b, row_b = by_round[r].get(bottom, (None, None))
            if a is not None and b:
                # The host moves the vCPUs between rows: a ratio across two placements is the
                # host's, not the mechanisms'.
                if not same_state(row_a, row_b):
                    set_aside += 1
                    continue
                ratios.append(a / b)
        ratio = median_or_none(ratios)
        if ratio is None:
            verdict = "NOT MEASURED (%s)" % why_missing(by_round, top if by_round and any(
                by_round[r].get(top, (None,))[0] is None for r in by_round) else bottom)
        else:
            verdict = "PASS" if (ratio >= bound if higher else ratio <= bound) else "FAIL"
        verdicts.append(verdict)
        rows.append([label, (">= " if higher else "<= ") + "%.1f" % bound,
                     "%.2f" % ratio if ratio is not None else "-",
                     " ".join("%.2f" % x for x in ratios) + (" (%d set aside: host states differ)" % set_aside if set_aside else ""),
                     verdict])
    return aligned(rows), verdicts


def main(argv):
    if len(argv) != 2:
        print("usage: python3 -m ipcbench_tools.zero_copy_targets FOLDER WAIT", file=sys.stderr)
        return 2
    by_round = rounds(argv[0])
    if not by_round:
        print("zero-copy-targets: no round-N.csv in %s" % argv[0], file=sys.stderr)
        return 1
    lines, verdicts = report(by_round, argv[1])
    print("\n".join(lines))
    return 1 if any(v == "FAIL" for v in verdicts) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The report of scripts/bench-vs-c.sh: ipcbench beside the C reference loops, round by round.

    python3 -m ipcbench_tools.bench_vs_c MANIFEST PLACEMENT MECHANISMS MACHINE

MANIFEST has one tab-separated line per run, "mechanism mode size wait side round exit_code
detail": side is c, ipcbench or skip; detail is the run's file prefix (detail.out, .err, .csv),
or for skip the reason the mechanism cannot carry the size. MECHANISMS (comma-separated) gives
the table's order; MACHINE is a line describing the host. Prints the table, its legend and the
shared-memory targets. Exits 10 when any scenario is FAIL or ERROR (or a cross-core target
FAILs), so the shell can honour --strict; 0 otherwise.
"""
import os
import sys

from . import csvrows
from .parsers import parse_ipcref_line
from .runs import describe_failure, last_line, read_text
from .stats import median_or_none, paired_ratios, spread
from .table import aligned

LATENCY_MAX_RATIO = 1.10
THROUGHPUT_MIN_RATIO = 0.90
THROUGHPUT_TARGET_SIZES = {4096, 65536}
NOISY_RATIO_SPAN = 1.5   # highest over lowest per-round ratio beyond which a row says "noisy"
#: The verdict exit status the shell turns into exit 1 under --strict.
EXIT_SOMETHING_FAILED = 10

HEADER = ["mechanism", "mode", "bytes", "wait", "metric", "C", "ipcbench", "paired", "range", "medians",
          "spread", "verdict", "note"]
RIGHT_ALIGNED = {2, 5, 6, 7, 8, 9, 10}


def failure(rc, err_path):
    """"timed out", or "exit N: <last line of stderr>"."""
    return describe_failure(rc, read_text(err_path))


def metric_key(mode):
    """The figure a mode is judged on, in both ipcref's output and ipcbench's CSV."""
    return "rtt_p50_ns" if mode == "latency" else "mib_per_s"


def c_figure(mode, rc, out_path, err_path):
    """(figure, problem): ipcref prints one key=value line per repetition; the last counts."""
    if rc != 0:
        return None, failure(rc, err_path)
    line = last_line(read_text(out_path))
    fields = parse_ipcref_line(line)
    try:
        return float(fields[metric_key(mode)]), None
    except (KeyError, ValueError):
        return None, f"no {metric_key(mode)} in output: {line[:80]!r}"


def ipcbench_figure(mechanism, mode, size, wait, placement, rc, err_path, csv_path):
    """(figure, problem, skipped), from the CSV row of this scenario, found by header name."""
    if not os.path.exists(csv_path):
        return None, failure(rc, err_path) if rc else "no CSV written", False
    wanted = {"mechanism": mechanism, "mode": mode, "payload_bytes": str(size), "placement": placement,
              "pairs": "1", "wait": wait}
    row = csvrows.last_matching_row(csv_path, wanted)
    if row is None:
        return None, failure(rc, err_path) if rc else "no matching row in CSV", False
    status = csvrows.status_of(row)
    if status != "ok":
        note = csvrows.note_of(row)
        text = f"status {status or '(empty)'}" + (f": {note}" if note else "")
        return None, text, status.startswith("skip") or status == "unsupported"
    try:
        return float(row[metric_key(mode)]), None, False
    except (KeyError, ValueError, TypeError):
        return None, f"no {metric_key(mode)} in CSV row", False


def read_manifest(path, placement):
    """(mechanism, mode, size, wait) -> {"c": {round: figure}, "ipcbench": {round: figure},
    "problems": [text], "skip": reason or None, "skipped": runs that ipcbench skipped}."""
    scenarios = {}
    with open(path) as f:
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
                figure, problem, skipped = ipcbench_figure(mechanism, mode, int(size), wait, placement, rc,
                                                           err_path, csv_path)
                if figure is not None:
                    s["ipcbench"][round_] = figure
                if problem:
                    s["problems"].append(f"ipcbench: {problem}")
                s["skipped"] += skipped
    return scenarios


def median_of(s, side):
    """One side's median over its rounds, or None."""
    return median_or_none(s[side].values())


def scenario_ratios(s):
    """Round k's ipcbench figure over round k's C figure, for every round that has both."""
    return paired_ratios(s["ipcbench"], s["c"])


def paired_ratio(s):
    """The median of the per-round ratios: the figure a verdict is on."""
    return median_or_none(scenario_ratios(s))


def show(mode, value):
    """A figure as the table prints it: microseconds for latency, MiB/s for throughput."""
    if value is None:
        return "-"
    return f"{value / 1000:.2f}" if mode == "latency" else f"{value:.1f}"


def show_ratio(ratio):
    return f"{ratio:.3f}" if ratio is not None else "-"


def verdict_of(key, s, paired):
    """(verdict, note) of one scenario, before the noisy check."""
    mechanism, mode, size, wait = key
    if s["skip"]:
        return "SKIP", s["skip"]
    if s["problems"]:
        seen = {}
        for problem in s["problems"]:
            seen[problem] = seen.get(problem, 0) + 1
        note = "; ".join(p + (f" (x{n})" if n > 1 else "") for p, n in seen.items())
        only_skips = s["skipped"] == len(s["problems"]) and not s["ipcbench"]
        return ("SKIP" if only_skips else "ERROR"), note
    if paired is None:
        return "ERROR", "no round with both figures"
    if mode == "latency":
        return ("PASS" if paired <= LATENCY_MAX_RATIO else "FAIL"), ""
    if size in THROUGHPUT_TARGET_SIZES:
        return ("PASS" if paired >= THROUGHPUT_MIN_RATIO else "FAIL"), ""
    return "-", ""


def table_rows(scenarios, mechanisms):
    """The table's rows in --mechanisms order (latency first, sizes up, spin before block),
    and how many rows got each verdict."""
    def order(key):
        mechanism, mode, size, wait = key
        return mechanisms.index(mechanism), mode != "latency", size, wait != "spin"

    rows, counts = [], {}
    for key, s in sorted(scenarios.items(), key=lambda item: order(item[0])):
        mechanism, mode, size, wait = key
        c, swift = median_of(s, "c"), median_of(s, "ipcbench")
        paired = paired_ratio(s)
        of_medians = swift / c if c and swift is not None else None
        verdict, note = verdict_of(key, s, paired)
        ratios = scenario_ratios(s)
        if not note and len(ratios) > 1 and min(ratios) > 0 and max(ratios) / min(ratios) > NOISY_RATIO_SPAN:
            note = "noisy: rounds disagree, rerun with more --rounds"
        counts[verdict] = counts.get(verdict, 0) + 1
        metric = "p50 us" if mode == "latency" else "MiB/s"
        spreads = [spread(s[side].values()) for side in ("c", "ipcbench") if len(s[side]) > 1]
        rows.append([mechanism, mode, str(size), wait, metric, show(mode, c), show(mode, swift),
                     show_ratio(paired), f"{min(ratios):.2f}-{max(ratios):.2f}" if ratios else "-",
                     show_ratio(of_medians), f"{max(spreads):.0%}" if spreads else "-", verdict, note])
    return rows, counts


def targets(scenarios):
    """The shared-memory targets: (what, ratio or None, comparison, bound, how, what it needs).

    Against the C ring the ratio is paired; against ipcbench's own memcpy, cacheline and pipe
    rows (other scenarios, never back to back) it is of medians.
    """
    def ipcbench_median(mechanism, mode, size, wait):
        s = scenarios.get((mechanism, mode, size, wait))
        return median_of(s, "ipcbench") if s and not s["problems"] else None

    def c_paired(mechanism, mode, size, wait):
        s = scenarios.get((mechanism, mode, size, wait))
        return paired_ratio(s) if s and not s["problems"] else None

    def ratio(a, b):
        return a / b if a and b else None

    found = []
    for size in (4096, 65536):
        found.append((f"shm-posix spin throughput {size} B / C ring", c_paired("shm-posix", "throughput", size, "spin"),
                      ">=", 0.90, "paired", "shm-posix"))
        found.append((f"shm-posix spin throughput {size} B / ipcbench memcpy",
                      ratio(ipcbench_median("shm-posix", "throughput", size, "spin"),
                            ipcbench_median("memcpy", "throughput", size, "spin")),
                      ">=", 0.50, "medians", "shm-posix and memcpy"))
    found.append(("shm-posix spin p50 round trip 64 B / C ring", c_paired("shm-posix", "latency", 64, "spin"),
                  "<=", 1.25, "paired", "shm-posix"))
    found.append(("shm-posix spin p50 round trip 64 B / ipcbench cacheline",
                  ratio(ipcbench_median("shm-posix", "latency", 64, "spin"),
                        ipcbench_median("cacheline", "latency", 8, "spin")),
                  "<=", 2.0, "medians", "shm-posix and cacheline"))
    found.append(("shm-posix block p50 round trip 64 B / ipcbench pipe",
                  ratio(ipcbench_median("shm-posix", "latency", 64, "block"),
                        ipcbench_median("pipe", "latency", 64, "block")),
                  "<=", 1.0, "medians", "shm-posix and pipe"))
    return found


def main(argv):
    """Prints the report; returns 10 when something failed (for --strict), else 0."""
    manifest, placement, mechanisms, machine = argv[0], argv[1], argv[2].split(","), argv[3]
    scenarios = read_manifest(manifest, placement)
    rows, counts = table_rows(scenarios, mechanisms)
    for line in aligned([HEADER] + rows, right=RIGHT_ALIGNED):
        print(line)
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
    print(f"machine: {machine}")
    print("summary: " + ", ".join(f"{counts[v]} {v}" for v in ("PASS", "FAIL", "ERROR", "SKIP", "-") if v in counts))

    found = targets(scenarios)
    counted = placement == "cross-core"
    print()
    print("targets (set for cross-core%s):" % ("" if counted else f"; this run is {placement}, so they are for information only"))
    target_failed = False
    width = max(len(t[0]) for t in found)
    for what, ratio, comparison, bound, how, missing in found:
        if ratio is None:
            print(f"  {what.ljust(width)}  not measured (needs {missing} in --mechanisms, without errors)")
            continue
        ok = ratio >= bound if comparison == ">=" else ratio <= bound
        target_failed |= counted and not ok
        print(f"  {what.ljust(width)}  {ratio:6.3f} {comparison} {bound:.2f}  {('(' + how + ')').ljust(9)}  "
              + ("PASS" if ok else "FAIL"))
    print("  paired: median of per-round ratios against C; medians: ratio of ipcbench's medians of two")
    print("  of its own scenarios in this run (they never run back to back, so they cannot be paired).")
    return EXIT_SOMETHING_FAILED if counts.get("FAIL") or counts.get("ERROR") or target_failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The arithmetic of scripts/gate-targets.sh: what each gate run decided, the summary lines,
and the planted -40% candidate for `ipcbench compare`.

    python3 -m ipcbench_tools.gate_targets verdicts COMPARE_JSON
        one line per comparison, "mechanism mode bytes wait metric verdict", then
        "#gate SECONDS ROUNDS" (the file the other subcommands read)
    python3 -m ipcbench_tools.gate_targets planted VERDICTS GATE_EXIT
        the planted regression's line and its stream scenarios' verdicts
    python3 -m ipcbench_tools.gate_targets aa-run VERDICTS RUN RUNS GATE_EXIT
        one A/A run's line
    python3 -m ipcbench_tools.gate_targets aa-summary VERDICTS...
        the A/A line over all runs
    python3 -m ipcbench_tools.gate_targets plant-pipe-regression IN_CSV OUT_CSV
        IN_CSV's rows with pipe throughput 40% lower
"""
import json
import sys

from .csvrows import read_table, write_table

#: What plant-stream-regression.sh slows: every send of these (the planted getppid() calls).
PLANTED_MECHANISMS = ("pipe", "fifo", "unix-stream")
#: The scenarios a planted regression must be caught in: throughput at these sizes.
PLANTED_SIZES = (64, 4096)
#: Also on the stream path (tcp and eventfd go through the planted code too), so a call there
#: is not a false one.
STREAM_PATH = PLANTED_MECHANISMS + ("tcp", "eventfd")
FLAGGED = ("regressed", "improved")
#: How much the planted compare candidate keeps of pipe throughput.
PLANTED_THROUGHPUT_FACTOR = 0.6


def verdict_lines(doc):
    """compare.json as lines: "mechanism mode bytes wait metric verdict", then "#gate S R"."""
    lines = []
    for c in doc.get("comparisons", []):
        s = c["scenario"]
        lines.append(f"{s['mechanism']} {s['mode']} {s['payload_bytes']} {s['wait']} {c['metric']} {c['verdict']}")
    gate = doc.get("gate", {})
    lines.append(f"#gate {round(gate.get('elapsed_s', 0))} {gate.get('rounds_run', 0)}")
    return lines


def read_verdicts(path):
    """(comparison lines as they are, each line's words) and (seconds, rounds) from #gate."""
    with open(path) as f:
        lines = f.read().splitlines()
    comparisons = [line for line in lines if not line.startswith("#")]
    gate = next((line.split() for line in lines if line.startswith("#gate")), ["#gate", "", ""])
    return comparisons, (gate[1] if len(gate) > 1 else "", gate[2] if len(gate) > 2 else "")


def verdict_of(words):
    """The verdict word of a comparison line ("" when the line is short)."""
    return words[5] if len(words) > 5 else ""


def is_size(word, sizes):
    try:
        return float(word) in sizes
    except ValueError:
        return False


def planted_lines(comparisons, seconds, rounds, gate_exit):
    """The planted run's line (stream throughput regressions caught of 6, calls off the stream
    path) and an indented line per stream-path comparison."""
    caught = sum(1 for line in comparisons
                 if len(w := line.split()) > 5 and w[0] in PLANTED_MECHANISMS and w[1] == "throughput"
                 and is_size(w[2], PLANTED_SIZES) and w[5] == "regressed")
    off = "\n".join(line for line in comparisons
                    if (w := line.split()) and w[0] not in STREAM_PATH and verdict_of(w) in FLAGGED)
    out = [f"planted: gate exit {gate_exit}; stream throughput regressed {caught} of 6; off the stream path called: "
           f"{off or 'none'}; {seconds} s, {rounds} rounds"]
    out += ["  " + line for line in comparisons if (w := line.split()) and w[0] in STREAM_PATH]
    return out


def aa_counts(comparisons):
    """(called regressed or improved, decided unchanged, compared) of one A/A run."""
    verdicts = [verdict_of(line.split()) for line in comparisons]
    return sum(v in FLAGGED for v in verdicts), sum(v == "unchanged" for v in verdicts), len(comparisons)


def aa_run_line(comparisons, seconds, rounds, run, runs, gate_exit):
    flagged, unchanged, total = aa_counts(comparisons)
    return (f"A/A {run}/{runs}: gate exit {gate_exit}; {flagged} called regressed or improved; "
            f"{unchanged} of {total} unchanged; {seconds} s, {rounds} rounds")


def aa_summary_line(runs_comparisons):
    """The A/A line: runs with a false call, and the share of comparisons decided unchanged."""
    false_runs = decided = compared = 0
    for comparisons in runs_comparisons:
        flagged, unchanged, total = aa_counts(comparisons)
        false_runs += flagged > 0
        decided += unchanged
        compared += total
    share = 100 * decided // (compared if compared > 0 else 1)
    return (f"A/A: {false_runs} of {len(runs_comparisons)} runs called something regressed or improved; "
            f"{decided} of {compared} comparisons decided unchanged ({share}%)")


def plant_pipe_regression(rows):
    """The rows (header first) with pipe throughput's MiB/s and messages/s 40% lower."""
    header = rows[0]
    m, mode = header.index("mechanism"), header.index("mode")
    mib, msgs = header.index("mib_per_s"), header.index("msgs_per_s")
    for r in rows[1:]:
        if r[m] == "pipe" and r[mode] == "throughput" and r[mib]:
            r[mib] = "%.3f" % (float(r[mib]) * PLANTED_THROUGHPUT_FACTOR)
            r[msgs] = "%.1f" % (float(r[msgs]) * PLANTED_THROUGHPUT_FACTOR)
    return rows


def main(argv):
    """Runs one subcommand (see the module's doc); returns its exit status."""
    command, args = (argv[0], argv[1:]) if argv else ("", [])
    if command == "verdicts" and len(args) == 1:
        with open(args[0]) as f:
            print("\n".join(verdict_lines(json.load(f))))
    elif command == "planted" and len(args) == 2:
        comparisons, (seconds, rounds) = read_verdicts(args[0])
        print("\n".join(planted_lines(comparisons, seconds, rounds, args[1])))
    elif command == "aa-run" and len(args) == 4:
        comparisons, (seconds, rounds) = read_verdicts(args[0])
        print(aa_run_line(comparisons, seconds, rounds, args[1], args[2], args[3]))
    elif command == "aa-summary":
        print(aa_summary_line([read_verdicts(path)[0] for path in args]))
    elif command == "plant-pipe-regression" and len(args) == 2:
        write_table(args[1], plant_pipe_regression(read_table(args[0])))
    else:
        print(__doc__.strip(), file=sys.stderr)
        return 64
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

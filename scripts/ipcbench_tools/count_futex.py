"""The report of scripts/count-futex.sh: strace's futex calls per 100 messages beside
ipcbench's own count, per size, and a PASS or FAIL for each.

    python3 -m ipcbench_tools.count_futex WORKDIR SIZES

WORKDIR holds, per size S of the comma-separated SIZES, traced-S.csv and plain-S.csv (the
ipcbench runs with and without strace) and strace-S.txt (`strace -f -c -e trace=futex`).
Exits 0 when every size passes, 1 when one fails or a CSV lacks its one ok shm-posix row.
"""
import os
import sys

from .csvrows import read_rows
from .parsers import parse_strace_calls
from .table import aligned

#: Two busy sides should pass messages without the kernel: at most this many per 100.
MAX_PER_100 = 1.0

HEADER = ["size", "messages", "strace calls", "strace /100 msgs", "ipcbench x100 (traced)",
          "ipcbench x100 (no strace)", "verdict"]


def ipcbench_row(workdir, name):
    """The one ok shm-posix row of WORKDIR/NAME.csv; anything else ends the report."""
    rows = [r for r in read_rows(os.path.join(workdir, f"{name}.csv")) if r.get("mechanism") == "shm-posix"]
    if len(rows) != 1 or rows[0].get("status") != "ok":
        sys.exit(f"count-futex: {name}: expected one ok shm-posix row, got {rows!r}")
    return rows[0]


def strace_futex_calls(workdir, size):
    """The calls column of strace -c's futex line (no line: none were made)."""
    with open(os.path.join(workdir, f"strace-{size}.txt")) as f:
        return parse_strace_calls(f.read(), "futex")


def report(workdir, sizes):
    """The table's rows, header first, and whether every size passed."""
    table = [HEADER]
    passed = True
    for size in sizes:
        traced, plain = ipcbench_row(workdir, f"traced-{size}"), ipcbench_row(workdir, f"plain-{size}")
        measured, warmup = int(traced["messages"]), int(traced.get("warmup_messages") or 0)
        calls = strace_futex_calls(workdir, size)
        per_100 = 100.0 * calls / (measured + warmup)
        ok = per_100 <= MAX_PER_100
        passed &= ok
        table.append([traced["payload_bytes"], f"{measured}+{warmup}", str(calls), f"{per_100:.3f}",
                      f"{100 * float(traced['futex_calls_per_msg']):.3f}",
                      f"{100 * float(plain['futex_calls_per_msg']):.3f}", "PASS" if ok else "FAIL"])
    return table, passed


def main(argv):
    """Prints the table and its legend; returns the exit status."""
    workdir, sizes = argv[0], argv[1].split(",")
    table, passed = report(workdir, sizes)
    for line in aligned(table, right=range(1, len(HEADER)), free_last=False):
        print(line)
    print()
    print("messages: measured + warm-up, the denominator of the strace figure.")
    print("strace: every futex call of every process in the run (coordinator, both workers, warm-up and")
    print("  the harness's start barriers, a handful per repetition), nothing subtracted.")
    print("ipcbench: its futex_calls_per_msg x 100, both workers, measured window only; 'no strace' is")
    print("  from a separate run without strace, which slows every futex call.")
    print(f"verdict: PASS when strace counts at most {MAX_PER_100:g} per 100 messages.")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

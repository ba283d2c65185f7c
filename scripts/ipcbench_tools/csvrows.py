"""Reading the CSV that `ipcbench run --output` writes: one row per scenario and repetition,
columns found by header name so that added columns change nothing here."""
import csv
import os


def read_rows(path):
    """Every row as {column: text}."""
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def csv_files(folder, pattern):
    """(match, rows) for each file in `folder` whose name `pattern` (a compiled regex) matches,
    in name order."""
    for name in sorted(os.listdir(folder)):
        match = pattern.match(name)
        if match:
            yield match, read_rows(os.path.join(folder, name))


def matches(row, wanted):
    """Whether the row is the scenario `wanted` ({column: text}) describes. A column the CSV
    lacks, or leaves empty, does not filter: older CSVs have no `wait` or `pairs`."""
    return all((row.get(k) or v).strip() == v for k, v in wanted.items())


def last_matching_row(path, wanted):
    """The last row of the scenario `wanted` describes (see `matches`), or None."""
    rows = [row for row in read_rows(path) if matches(row, wanted)]
    return rows[-1] if rows else None


def status_of(row):
    """The row's status column ("ok", "failed", "skipped: ...", ...), stripped."""
    return (row.get("status") or "").strip()


def note_of(row):
    """The row's note column, stripped."""
    return (row.get("note") or "").strip()


def read_table(path):
    """The CSV as lists of cells, the header first, for a program that rewrites it."""
    with open(path, newline="") as f:
        return list(csv.reader(f))


def write_table(path, rows):
    """Writes lists of cells with CRLF line ends, as ipcbench does."""
    with open(path, "w", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows(rows)

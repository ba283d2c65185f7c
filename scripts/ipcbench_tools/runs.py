"""What a finished run leaves behind (its output files and exit status), read for a report."""
import re

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")

#: The exit status `timeout` gives a command it had to stop.
TIMED_OUT = 124


def read_text(path):
    """The file's text, undecodable bytes replaced; "" when it cannot be read."""
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def last_line(text):
    """The last line with something on it, stripped; "" when there is none."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def strip_ansi(text):
    """The text without terminal colour sequences (sockperf colours its output)."""
    return _ANSI_ESCAPE.sub("", text)


def describe_failure(exit_code, stderr_text, limit=None):
    """Why a run failed, for a table's note: "timed out", or "exit N: <its last stderr line>",
    that line cut to `limit` characters when one is given."""
    if exit_code == TIMED_OUT:
        return "timed out"
    detail = last_line(stderr_text)
    if limit is not None:
        detail = detail[:limit]
    return f"exit {exit_code}" + (f": {detail}" if detail else "")

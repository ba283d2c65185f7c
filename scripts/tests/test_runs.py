"""Reading what a finished run left behind."""
import os
import tempfile
import unittest

from ipcbench_tools import runs


class RunsTests(unittest.TestCase):
    def test_a_timeout_is_named_as_such(self):
        self.assertEqual(runs.describe_failure(124, "anything"), "timed out")

    def test_a_failure_quotes_the_last_line_of_stderr(self):
        self.assertEqual(runs.describe_failure(2, "first\nlast words\n\n"), "exit 2: last words")

    def test_a_failure_with_silent_stderr_gives_only_the_status(self):
        self.assertEqual(runs.describe_failure(1, ""), "exit 1")

    def test_a_limit_cuts_the_quoted_line(self):
        self.assertEqual(runs.describe_failure(1, "abcdef", limit=3), "exit 1: abc")

    def test_colour_codes_are_removed(self):
        self.assertEqual(runs.strip_ansi("\x1b[31mERROR\x1b[0m: x"), "ERROR: x")

    def test_a_file_that_is_not_there_reads_as_empty(self):
        with tempfile.TemporaryDirectory() as folder:
            self.assertEqual(runs.read_text(os.path.join(folder, "none.err")), "")


if __name__ == "__main__":
    unittest.main()

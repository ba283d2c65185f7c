"""Aligned text tables."""
import unittest

from ipcbench_tools.table import aligned


class TableTests(unittest.TestCase):
    def test_the_last_column_is_free_and_lines_lose_trailing_blanks(self):
        lines = aligned([["name", "n", "note"], ["a", "10", ""], ["bbb", "2", "long note"]], right={1})
        self.assertEqual(lines, ["name   n  note", "a     10", "bbb    2  long note"])

    def test_every_column_padded_when_the_last_is_not_free(self):
        lines = aligned([["size", "verdict"], ["4096", "PASS"]], right={1}, free_last=False)
        self.assertEqual(lines, ["size  verdict", "4096     PASS"])


if __name__ == "__main__":
    unittest.main()

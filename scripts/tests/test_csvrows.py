"""Finding a scenario's row in ipcbench's CSV (real CSVs written by ipcbench run)."""
import unittest

from .support import fixture
from ipcbench_tools import csvrows

LATENCY = fixture("ipcbench", "latency-cross-core.csv")


class CsvRowsTests(unittest.TestCase):
    def test_the_row_of_a_scenario_is_found_by_column_name(self):
        row = csvrows.last_matching_row(LATENCY, {"mechanism": "tcp", "mode": "latency", "payload_bytes": "64",
                                                   "placement": "cross-core", "pairs": "1", "wait": "block"})
        self.assertEqual((row["mechanism"], row["payload_bytes"]), ("tcp", "64"))

    def test_a_column_the_csv_lacks_does_not_filter(self):
        row = csvrows.last_matching_row(LATENCY, {"mechanism": "udp", "payload_bytes": "4", "added_later": "x"})
        self.assertEqual(row["mechanism"], "udp")

    def test_no_matching_row_is_none(self):
        self.assertIsNone(csvrows.last_matching_row(LATENCY, {"mechanism": "pipe", "placement": "same-core"}))

    def test_status_and_note_are_read_stripped(self):
        row = csvrows.read_rows(fixture("ipcbench", "skipped-posix-mq.csv"))[0]
        self.assertEqual(csvrows.status_of(row), "skipped")
        self.assertEqual(csvrows.note_of(row), "exceeds /proc/sys/fs/mqueue/msgsize_max (8192 bytes)")


if __name__ == "__main__":
    unittest.main()

"""count-futex's report, on the files of a real run (4K and 64K, 20000 messages)."""
import os
import unittest

from .support import copy_of_fixture, read_fixture, run_main
from ipcbench_tools import count_futex


class CountFutexTests(unittest.TestCase):
    def setUp(self):
        self.folder = copy_of_fixture(self, "count-futex")

    def test_report_is_the_one_the_shell_script_printed(self):
        status, out, _ = run_main(count_futex.main, [self.folder, "4K,64K"])
        self.assertEqual(status, 0)
        self.assertEqual(out, read_fixture("count-futex", "expected.txt"))

    def test_more_than_one_call_per_100_messages_fails(self):
        with open(os.path.join(self.folder, "strace-4K.txt"), "w") as f:
            f.write("100.00    0.100000          10      9000       120 futex\n")
        status, out, _ = run_main(count_futex.main, [self.folder, "4K"])
        self.assertEqual(status, 1)
        self.assertIn("42.857", out)
        self.assertTrue(out.splitlines()[1].endswith("FAIL"))

    def test_a_run_without_its_row_ends_the_report(self):
        with open(os.path.join(self.folder, "plain-4K.csv"), "w") as f:
            f.write("mechanism,status\r\npipe,ok\r\n")
        status, out, err = run_main(count_futex.main, [self.folder, "4K"])
        self.assertEqual(status, 1)
        self.assertIn("count-futex: plain-4K: expected one ok shm-posix row", err)
        self.assertEqual(out, "")


if __name__ == "__main__":
    unittest.main()

"""The scaling report, on the CSVs of a real 2-CPU run (pipe and shm-posix, k = 1 and 2)."""
import os
import shutil
import tempfile
import unittest

from .support import copy_of_fixture, run_main
from ipcbench_tools import scaling


class ScalingTests(unittest.TestCase):
    def setUp(self):
        self.folder = copy_of_fixture(self, "scaling")

    def test_ratio_is_the_aggregate_over_k_times_one_pair(self):
        status, out, _ = run_main(scaling.main, [self.folder, "2"])
        self.assertEqual(status, 0, out)
        lines = out.splitlines()
        start = lines.index("pipe pairs (k independent channels)")
        one, two = lines[start + 2].split(), lines[start + 3].split()
        self.assertEqual(one[4], "1.00")
        self.assertAlmostEqual(float(two[4]), float(two[2]) / (2 * float(one[2])), places=2)

    def test_more_workers_than_cpus_is_marked_crowded(self):
        _, out, _ = run_main(scaling.main, [self.folder, "2"])
        self.assertIn("crowded: 4 workers on 2 CPUs", out)
        _, roomy, _ = run_main(scaling.main, [self.folder, "16"])
        self.assertNotIn("crowded", roomy)

    def test_a_mechanism_without_fan_in_is_one_skipped_line(self):
        _, out, _ = run_main(scaling.main, [self.folder, "2"])
        self.assertIn("shm-posix fan-in: skipped: shm-posix cannot take several producers", out)

    def test_a_drop_below_four_fifths_with_a_cpu_each_is_where_it_stops_scaling(self):
        _, out, _ = run_main(scaling.main, [self.folder, "16"])
        self.assertIn("shm-posix pairs (k independent channels)", out)
        self.assertIn("stops scaling at k=2", out)

    def test_a_failed_point_fails_the_report(self):
        path = os.path.join(self.folder, "pairs-2-r1.csv")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace(",ok,", ",failed,", 1))
        status, out, _ = run_main(scaling.main, [self.folder, "2"])
        self.assertEqual(status, 1)
        self.assertIn("failed", out)

    def test_an_empty_folder_is_an_error(self):
        empty = tempfile.mkdtemp(prefix="scaling-empty.")
        self.addCleanup(shutil.rmtree, empty)
        status, _, err = run_main(scaling.main, [empty, "2"])
        self.assertEqual(status, 1)
        self.assertIn("no pairs-K-rR.csv", err)

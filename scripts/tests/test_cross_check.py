"""cross-check's report, on real perf and ipcbench runs and samples of sockperf, iperf3 and
qperf output (see fixtures/README.md); the expected text is what the shell script's own report
printed for the same files."""
import os
import shutil
import tempfile
import unittest

from .support import fixture, from_template, read_fixture, run_main
from ipcbench_tools import cross_check

RUN = fixture("cross-check")


class CrossCheckTests(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="cross-check-test.")
        self.addCleanup(shutil.rmtree, self.folder)
        self.manifest = from_template(os.path.join(RUN, "runs.tsv"), RUN, os.path.join(self.folder, "runs.tsv"))
        self.commands = from_template(os.path.join(RUN, "commands.tsv"), RUN, os.path.join(self.folder, "commands.tsv"))

    def report(self):
        return run_main(cross_check.main, [self.manifest, self.commands, RUN, "2000", "2000", "5", "2", "0", "1",
                                           "0.50_0.40_0.30", "0.60_0.45_0.31", "2"])

    def test_report_is_the_one_the_shell_script_printed(self):
        status, out, _ = self.report()
        self.assertEqual(status, 0)
        self.assertEqual(out, read_fixture("cross-check", "expected.txt"))

    def test_commands_show_file_instead_of_the_work_folder(self):
        _, out, _ = self.report()
        self.assertNotIn(RUN, out)
        self.assertIn("--output FILE.csv", out)

    def test_every_round_one_way_is_a_real_difference(self):
        self.assertTrue(cross_check.consistency([1.3, 1.2, 1.4], 1.3, 0.1, "us").startswith(
            "Consistent: ipcbench measured slower in 3 of 3 rounds"))

    def test_paired_rounds_that_agree_are_unsteady_not_different(self):
        self.assertTrue(cross_check.consistency([0.9, 1.5, 1.1], 1.1, 0.6, "us").startswith("Unsteady rounds"))

    def test_mixed_rounds_far_apart_are_noise(self):
        self.assertTrue(cross_check.consistency([0.5, 2.0, 1.6], 1.6, 1.0, "MiB/s").startswith(
            "Noise: 2 of 3 rounds had ipcbench faster"))


if __name__ == "__main__":
    unittest.main()

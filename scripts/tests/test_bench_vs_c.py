"""bench-vs-c's report, on the files of a real run (2 rounds) with failures added (see
fixtures/README.md); the expected text is what the shell script's own report printed."""
import os
import shutil
import tempfile
import unittest

from .support import fixture, from_template, read_fixture, run_main
from ipcbench_tools import bench_vs_c

RUN = fixture("bench-vs-c")
MECHANISMS = "pipe,posix-mq,shm-posix,memcpy,cacheline"
MACHINE = "2 CPUs, kernel 6.1.0, load average (1, 5, 15 min) 0.50 0.40 0.30 before, 0.60 0.45 0.31 after"


class BenchVsCTests(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="bench-vs-c-test.")
        self.addCleanup(shutil.rmtree, self.folder)
        self.manifest = from_template(os.path.join(RUN, "runs.tsv"), RUN, os.path.join(self.folder, "runs.tsv"))

    def test_cross_core_report_is_the_one_the_shell_script_printed(self):
        status, out, _ = run_main(bench_vs_c.main, [self.manifest, "cross-core", MECHANISMS, MACHINE])
        self.assertEqual(out, read_fixture("bench-vs-c", "expected-cross-core.txt"))
        self.assertEqual(status, bench_vs_c.EXIT_SOMETHING_FAILED)

    def test_another_placement_finds_no_rows_and_targets_only_inform(self):
        status, out, _ = run_main(bench_vs_c.main, [self.manifest, "same-core", MECHANISMS, MACHINE])
        self.assertEqual(out, read_fixture("bench-vs-c", "expected-same-core.txt"))
        self.assertIn("so they are for information only", out)

    def test_a_run_with_only_passes_exits_zero(self):
        with open(self.manifest) as f:
            kept = [line for line in f if line.startswith("pipe\tlatency\t64\t")]
        with open(self.manifest, "w") as f:
            f.writelines(kept)
        status, out, _ = run_main(bench_vs_c.main, [self.manifest, "cross-core", "pipe", MACHINE])
        self.assertEqual(status, 0)
        self.assertIn("summary: 1 PASS", out)

    def test_a_scenario_ipcbench_only_skipped_is_a_skip(self):
        s = {"c": {1: 5.0}, "ipcbench": {}, "problems": ["ipcbench: status skipped: x"], "skip": None, "skipped": 1}
        self.assertEqual(bench_vs_c.verdict_of(("posix-mq", "latency", 65536, "block"), s, None),
                         ("SKIP", "ipcbench: status skipped: x"))


if __name__ == "__main__":
    unittest.main()

"""gate-targets' summaries, on a real compare.json of a 3-round gate and the same document with
verdicts edited to regressed and improved (see fixtures/README.md); the expected text is what
the shell script's awk printed for the same files."""
import os
import shutil
import tempfile
import unittest

from .support import fixture, read_fixture, run_main
from ipcbench_tools import gate_targets


class GateTargetsTests(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="gate-targets-test.")
        self.addCleanup(shutil.rmtree, self.folder)

    def test_verdicts_list_each_comparison_then_the_gate(self):
        for name in ("aa", "planted"):
            status, out, _ = run_main(gate_targets.main, ["verdicts", fixture("gate-targets", f"compare-{name}.json")])
            self.assertEqual(status, 0)
            self.assertEqual(out, read_fixture("gate-targets", f"expected-{name}.verdicts"))

    def test_planted_line_counts_stream_regressions_and_names_calls_off_the_stream_path(self):
        status, out, _ = run_main(gate_targets.main,
                                  ["planted", fixture("gate-targets", "expected-planted.verdicts"), "1"])
        self.assertEqual(status, 0)
        self.assertEqual(out, read_fixture("gate-targets", "expected-planted.txt"))

    def test_aa_lines_and_summary(self):
        runs = [fixture("gate-targets", "expected-aa.verdicts"), fixture("gate-targets", "expected-planted.verdicts")]
        out = ""
        for run, (path, gate_exit) in enumerate(zip(runs, ("6", "7")), 1):
            out += run_main(gate_targets.main, ["aa-run", path, str(run), "2", gate_exit])[1]
        out += run_main(gate_targets.main, ["aa-summary"] + runs)[1]
        self.assertEqual(out, read_fixture("gate-targets", "expected-aa.txt"))

    def test_no_aa_runs_summarise_as_none_of_none(self):
        _, out, _ = run_main(gate_targets.main, ["aa-summary"])
        self.assertEqual(out, "A/A: 0 of 0 runs called something regressed or improved; "
                              "0 of 0 comparisons decided unchanged (0%)\n")

    def test_planted_candidate_has_pipe_throughput_40_percent_lower(self):
        out = os.path.join(self.folder, "plain-b.csv")
        status, _, _ = run_main(gate_targets.main,
                                ["plant-pipe-regression", fixture("gate-targets", "plain-a.csv"), out])
        self.assertEqual(status, 0)
        with open(out, newline="") as f:
            self.assertEqual(f.read(), read_fixture("gate-targets", "expected-plain-b.csv"))

    def test_an_unknown_subcommand_is_a_usage_error(self):
        status, _, err = run_main(gate_targets.main, ["nonsense"])
        self.assertEqual(status, 64)
        self.assertIn("verdicts COMPARE_JSON", err)


if __name__ == "__main__":
    unittest.main()

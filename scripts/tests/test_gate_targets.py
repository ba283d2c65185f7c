"""gate-targets' summaries, on small compare.json documents shaped as `ipcbench gate` writes
them (the fields the module reads: scenario with family, metric, verdict, likely_regression,
is_count, resolution_pct, ratio, change, the pairs' values, exit_status, gate.elapsed_s)."""
import json
import os
import shutil
import tempfile
import unittest

from .support import run_main
from ipcbench_tools import gate_targets


def scenario(mechanism, mode="latency", size=64, wait="block", copy="copy", family="kernel"):
    return {"mechanism": mechanism, "mode": mode, "payload_bytes": size, "wait": wait, "copy": copy, "family": family}


def comparison(s, metric, verdict, ratio=1.0, resolution=5.0, is_count=False, change=0.0, likely=False, pairs=(1.0, 1.0, 1.0)):
    return {"scenario": s, "scenario_name": f"{s['mechanism']} {s['mode']} {s['payload_bytes']}", "metric": metric,
            "verdict": verdict, "likely_regression": likely, "is_count": is_count, "resolution_pct": resolution,
            "ratio": ratio, "change": change if is_count else None,
            "baseline": list(pairs), "candidate": [p * ratio for p in pairs]}


class GateTargetsTests(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="gate-targets-test.")
        self.addCleanup(shutil.rmtree, self.folder)

    def write(self, name, comparisons, status=0, seconds=300):
        path = os.path.join(self.folder, name)
        with open(path, "w") as f:
            json.dump({"comparisons": comparisons, "exit_status": status, "gate": {"elapsed_s": seconds}}, f)
        return path

    def test_an_aa_run_line_counts_calls_decisions_and_the_median_resolution(self):
        path = self.write("aa.json", [
            comparison(scenario("pipe"), "rtt_p50_ns", "unchanged", resolution=5.0),
            comparison(scenario("pipe"), "rtt_p99_ns", "inconclusive", resolution=40.0),
            comparison(scenario("pipe"), "syscalls_per_msg", "unchanged", resolution=None, is_count=True),
            comparison(scenario("shm-posix", wait="spin", family="rings"), "rtt_p50_ns", "improved", ratio=0.9, resolution=6.0),
        ], status=0, seconds=301)
        status, out, _ = run_main(gate_targets.main, ["aa-run", path, "2", "10"])
        self.assertEqual(status, 0)
        self.assertIn("A/A 2/10: gate exit 0; 1 called regressed or improved, 0 likely; 3 of 4 decided (75%)", out)
        self.assertIn("median resolution of the times 6.0%", out)
        self.assertIn("called: shm-posix latency 64 rtt_p50_ns improved", out)

    def test_the_aa_summary_counts_runs_that_exit_0_and_groups_by_family_and_kind(self):
        ok = self.write("a.json", [comparison(scenario("pipe"), "rtt_p50_ns", "unchanged", resolution=4.0, pairs=(1.0, 1.1, 0.9, 1.0))])
        bad = self.write("b.json", [comparison(scenario("pipe"), "rtt_p50_ns", "regressed", ratio=1.2, resolution=8.0)], status=1)
        status, out, _ = run_main(gate_targets.main, ["aa-summary", ok, bad])
        self.assertEqual(status, 0)
        lines = out.splitlines()
        self.assertTrue(lines[0].startswith("A/A: 1 of 2 gate runs exit 0; 2 of 2 comparisons decided (100%)"), lines[0])
        row = next(line for line in lines if line.startswith("kernel"))
        self.assertIn("block round trip p50", row)
        self.assertIn("±6.0%", row, "the median of 4 and 8")

    def test_a_plant_counts_its_targets_and_names_calls_off_its_path(self):
        path = self.write("plant.json", [
            comparison(scenario("pipe", "throughput", 4096), "mib_per_s", "regressed", ratio=0.7),
            comparison(scenario("fifo", "latency", 64), "rtt_p50_ns", "unchanged"),
            comparison(scenario("pipe", "latency", 64), "syscalls_per_msg", "regressed", is_count=True, change=6.0, resolution=None),
            comparison(scenario("tcp", "throughput", 4096), "mib_per_s", "regressed", ratio=0.8),
            comparison(scenario("shm-posix", family="rings"), "rtt_p50_ns", "improved", ratio=0.9),
        ], status=1)
        status, out, _ = run_main(gate_targets.main, ["plant", "stream-syscalls", path])
        self.assertEqual(status, 0)
        lines = out.splitlines()
        self.assertEqual(lines[0], "stream-syscalls: gate exit 1; targets regressed 2 of 3; off the planted path called: 1")
        self.assertEqual(lines[1], "  scenarios regressed: 2 of 3, 1 naming a count; by a time too: 1")
        self.assertIn("  pipe latency 64 syscalls_per_msg: regressed +6.000/msg ", lines)
        self.assertIn("  off the path: shm-posix latency 64 rtt_p50_ns improved", lines)

    def test_ring_cpu_plants_target_the_spin_round_trip_and_the_4k_stream(self):
        spec = gate_targets.PLANTS["ring-cpu-10"]
        self.assertTrue(spec["targets"](scenario("shm-posix", wait="spin", family="rings"), "rtt_p50_ns"))
        self.assertTrue(spec["targets"](scenario("shm-posix", "throughput", 4096, wait="spin", family="rings"), "mib_per_s"))
        self.assertFalse(spec["targets"](scenario("shm-posix", wait="spin", copy="zero", family="rings"), "rtt_p50_ns"))
        self.assertFalse(spec["path"](scenario("shm-posix", copy="zero", family="rings")), "in place: not the copying send")

    def test_bad_arguments_print_the_usage(self):
        status, _, err = run_main(gate_targets.main, ["plant", "no-such-plant", "x.json"])
        self.assertEqual(status, 64)
        self.assertIn("aa-summary", err)


if __name__ == "__main__":
    unittest.main()

"""The shell drivers: they parse, print their help, refuse unknown options, and carry no
Python of their own (their logic lives in ipcbench_tools, where it is tested)."""
import os
import re
import subprocess
import unittest

from .support import SCRIPTS

# Each driver, and the status it gives an unknown option.
DRIVERS = {"bench-vs-c.sh": 2, "count-futex.sh": 2, "cross-check.sh": 2, "gate-targets.sh": 64, "scaling.sh": 2, "zero-copy-targets.sh": 2}


def run(*argv):
    return subprocess.run(["bash"] + list(argv), capture_output=True, text=True, timeout=60)


class DriverTests(unittest.TestCase):
    def test_every_script_parses(self):
        for name in sorted(os.listdir(SCRIPTS)):
            if name.endswith(".sh"):
                with self.subTest(script=name):
                    result = run("-n", os.path.join(SCRIPTS, name))
                    self.assertEqual(result.returncode, 0, result.stderr)

    def test_help_exits_zero_and_says_how_to_run_it(self):
        for name in DRIVERS:
            with self.subTest(script=name):
                result = run(os.path.join(SCRIPTS, name), "--help")
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertIn(f"scripts/{name}", result.stdout)

    def test_an_unknown_option_is_refused(self):
        for name, status in DRIVERS.items():
            with self.subTest(script=name):
                result = run(os.path.join(SCRIPTS, name), "--no-such-option")
                self.assertEqual(result.returncode, status)
                self.assertIn("--no-such-option", result.stderr)

    def test_no_script_carries_python_in_a_heredoc(self):
        for name in sorted(os.listdir(SCRIPTS)):
            if name.endswith(".sh"):
                with open(os.path.join(SCRIPTS, name)) as f:
                    text = f.read()
                with self.subTest(script=name):
                    self.assertIsNone(re.search(r"python3? +- ", text))


if __name__ == "__main__":
    unittest.main()

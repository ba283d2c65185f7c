"""Medians, spreads and paired ratios."""
import unittest

from ipcbench_tools import stats


class StatsTests(unittest.TestCase):
    def test_median_of_nothing_is_none(self):
        self.assertIsNone(stats.median_or_none([]))
        self.assertEqual(stats.median_or_none([3, 1, 2]), 2)

    def test_spread_is_range_over_median(self):
        self.assertAlmostEqual(stats.spread([90, 100, 120]), 0.3)

    def test_one_figure_has_no_spread(self):
        self.assertEqual(stats.spread([5]), 0.0)

    def test_paired_ratios_take_rounds_that_have_both_figures(self):
        self.assertEqual(stats.paired_ratios({1: 10.0, 2: 30.0, 3: 8.0}, {1: 5.0, 3: 4.0, 4: 1.0}), [2.0, 2.0])

    def test_a_zero_denominator_leaves_its_round_out(self):
        self.assertEqual(stats.paired_ratios({1: 1.0, 2: 2.0}, {1: 0.0, 2: 4.0}), [0.5])

    def test_larger_over_smaller_is_symmetric(self):
        self.assertEqual(stats.larger_over_smaller(0.8), stats.larger_over_smaller(1.25))


if __name__ == "__main__":
    unittest.main()

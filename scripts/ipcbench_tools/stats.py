"""The few statistics the reports use: medians, spreads and round-by-round paired ratios."""
import statistics


def median_or_none(values):
    """The median, or None for no values."""
    values = list(values)
    return statistics.median(values) if values else None


def spread(values):
    """How far apart repeated figures are: (max - min) / median; 0 for fewer than two."""
    values = list(values)
    if len(values) < 2:
        return 0.0
    return (max(values) - min(values)) / statistics.median(values)


def paired_ratios(numerators, denominators):
    """numerators[k] / denominators[k] for every round k that has both, the denominator non-zero.

    Both are {round: figure}. Round k's two figures ran back to back, so drift between rounds
    cancels out of each ratio; ratios come in round order.
    """
    return [numerators[k] / denominators[k] for k in sorted(numerators) if denominators.get(k)]


def larger_over_smaller(ratio):
    """How far a ratio is from 1 either way: 0.8 and 1.25 are both 1.25."""
    return max(ratio, 1 / ratio)

/// The verdict on one metric of one scenario, baseline against candidate.
public enum Verdict: String, Sendable, CaseIterable {
    /// Worse by more than the threshold, and the repetitions say it is not noise.
    case regressed
    /// Better by more than the threshold, and not noise.
    case improved
    /// No change beyond the threshold was shown, and the comparison could have shown one of
    /// its `resolution` (stated beside it: "unchanged ±4%").
    case unchanged
    /// The data cannot tell: too few repetitions, a resolution wider than `--max-resolution`, or
    /// a change seen only at the lenient level (`repetitionsNeeded` says how many would decide).
    case inconclusive
}

/// One metric of one scenario compared.
public struct MetricComparison: Sendable {
    public var key: ScenarioKey
    /// The column compared; it knows which way is better.
    public var metric: ResultColumn
    /// The values compared (after any set aside), in pair order when `paired`.
    public var baseline: [Double]
    public var candidate: [Double]
    public var baselineMedian: Double
    public var candidateMedian: Double
    /// The estimated change, candidate / base: the Hodges-Lehmann shift of the paired log ratios
    /// when `paired`, else the ratio of medians.
    public var ratio: Double
    /// Its confidence interval at `ComparisonReport.confidence` (signed-rank when paired,
    /// bootstrap otherwise); `unchanged` needs all of it inside the threshold.
    public var ratioLow: Double
    public var ratioHigh: Double
    /// Two-sided p-value: Wilcoxon signed-rank of the pairs, or Mann-Whitney U of the samples.
    public var pValue: Double
    /// The same, adjusted (Holm) for every comparison in the report; the verdict uses it.
    public var adjustedPValue: Double
    public var verdict: Verdict
    /// Whether the repetitions were compared pair by pair (an `ipcbench gate` run).
    public var paired = false
    /// The threshold this comparison was judged by (a fraction): the default or a learned one.
    public var threshold = 0.05
    /// Pairs (or repetitions) left out because the two sides' host probes disagreed: counted,
    /// never silently dropped.
    public var setAside = 0
    /// The host states each side was measured in, and whether they share none.
    public var baselineStates = HostStates([])
    public var candidateStates = HostStates([])
    public var differentHostStates = false
    /// For an undecided comparison: about how many pairs (or repetitions a side) would likely
    /// decide it, from the spread seen so far; nil when decided or when no number would.
    public var repetitionsNeeded: Int?
    /// A count per message (system calls, futex calls, switches, faults): judged on the
    /// difference NEW - BASE in its own unit (`change`), not on a ratio.
    public var isCount = false
    public var change = 0.0
    public var changeLow = 0.0
    public var changeHigh = 0.0
    /// The smallest change this comparison could have called with the data it had: the
    /// threshold, or half its interval at the report's corrected level where that is wider.
    /// A fraction for times and rates (0.04 = 4%); per message for counts.
    public var resolution = Double.infinity
    /// Worse by more than the threshold at the lenient level (`alpha`) but not at the strict
    /// one: a likely regression, which CI should not pass silently.
    public var likely = false

    /// A likely regression (exit 6): see ``likely``.
    public var likelyRegression: Bool { likely }

    /// The resolution in percent of the baseline: for times and rates the fraction itself; for
    /// counts relative to the baseline's median (nil where that is 0).
    public var resolutionPercent: Double? {
        guard resolution.isFinite else { return nil }
        if !isCount { return resolution * 100 }
        return baselineMedian > 0 ? resolution / baselineMedian * 100 : nil
    }

    /// The change as "how much worse" in percent: positive is worse whatever the direction
    /// (slower latency or lower throughput), so a table can sort worst first. Counts: relative
    /// to the baseline's median, or the change itself times 100 when the baseline is 0.
    public var worseningPercent: Double {
        if isCount { return baselineMedian > 0 ? change / baselineMedian * 100 : change * 100 }
        return metric.higherIsBetter ? (1 / ratio - 1) * 100 : (ratio - 1) * 100
    }
}

/// Everything `compare` found.
public struct ComparisonReport: Sendable {
    public var comparisons: [MetricComparison]
    /// Scenarios present in only one file, listed, never failed.
    public var onlyInBaseline: [ScenarioKey]
    public var onlyInCandidate: [ScenarioKey]
    /// Scenarios in both files but without two `ok` repetitions on a side.
    public var notComparable: [(ScenarioKey, String)]
    public var threshold: Double
    public var confidence: Double
    /// Set when the machine columns differ and the user allowed it.
    public var differentMachines: Bool

    /// Columns only one file has (files of two versions): listed, never compared.
    public var columnsOnlyInBaseline: [String] = []
    public var columnsOnlyInCandidate: [String] = []

    /// Sequential looks the significance level was spent over (`ipcbench gate`); 1 otherwise.
    public var looks = 1
    /// Where per-scenario thresholds came from, if a file was given.
    public var thresholdsFile: String?
    /// Whether the two files carry A/B pairs and were compared pair by pair.
    public var paired = false

    public var regressions: [MetricComparison] { comparisons.filter { $0.verdict == .regressed } }
    public var likelyRegressions: [MetricComparison] { comparisons.filter(\.likelyRegression) }
}

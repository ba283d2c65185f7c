/// The verdict on one metric of one scenario, baseline against candidate.
public enum Verdict: String, Sendable, CaseIterable {
    /// Worse by more than the threshold, and the repetitions say it is not noise.
    case regressed
    /// Better by more than the threshold, and not noise.
    case improved
    /// Any change is within the threshold (the confidence interval says so).
    case unchanged
    /// The data cannot tell: too few repetitions, or noise wider than the threshold
    /// (`repetitionsNeeded` says how many would likely decide it).
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

    /// Undecided, but the estimate is beyond the threshold on the worse side: CI must not pass
    /// it silently.
    public var likelyRegression: Bool {
        verdict == .inconclusive && worseningPercent.isFinite && worseningPercent / 100 > threshold
    }

    /// The change as "how much worse" in percent: positive is worse whatever the direction
    /// (slower latency or lower throughput), so a table can sort worst first.
    public var worseningPercent: Double {
        metric.higherIsBetter ? (1 / ratio - 1) * 100 : (ratio - 1) * 100
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

    /// Sequential looks the significance level was spent over (`ipcbench gate`); 1 otherwise.
    public var looks = 1
    /// Where per-scenario thresholds came from, if a file was given.
    public var thresholdsFile: String?
    /// Whether the two files carry A/B pairs and were compared pair by pair.
    public var paired = false

    public var regressions: [MetricComparison] { comparisons.filter { $0.verdict == .regressed } }
    public var likelyRegressions: [MetricComparison] { comparisons.filter(\.likelyRegression) }
}

/// The verdict on one metric of one scenario, baseline against candidate.
public enum Verdict: String, Sendable, CaseIterable {
    /// Worse by more than the threshold, and the repetitions say it is not noise.
    case regressed
    /// Better by more than the threshold, and not noise.
    case improved
    /// Any change is within the threshold (the confidence interval says so).
    case unchanged
    /// The data cannot tell: too few repetitions, or noise wider than the threshold.
    case inconclusive
}

/// The metrics `compare` judges, with their direction.
public struct Metric: Sendable, Hashable {
    public let column: String
    public let label: String
    public let higherIsBetter: Bool

    public static let throughput = Metric(column: "mib_per_s", label: "MiB/s", higherIsBetter: true)
    public static let latencyP50 = Metric(column: "rtt_p50_ns", label: "p50 rtt", higherIsBetter: false)
    public static let latencyP99 = Metric(column: "rtt_p99_ns", label: "p99 rtt", higherIsBetter: false)
    public static let oneWayP50 = Metric(column: "oneway_p50_ns", label: "p50 one-way", higherIsBetter: false)
    public static let oneWayP99 = Metric(column: "oneway_p99_ns", label: "p99 one-way", higherIsBetter: false)

    public static func primary(forMode mode: String) -> [Metric] {
        switch mode {
        case "throughput": return [.throughput]
        case "openloop": return [.oneWayP50, .oneWayP99]
        default: return [.latencyP50, .latencyP99]
        }
    }
}

/// One metric of one scenario compared.
public struct MetricComparison: Sendable {
    public var key: ScenarioKey
    public var metric: Metric
    public var baseline: [Double]
    public var candidate: [Double]
    public var baselineMedian: Double
    public var candidateMedian: Double
    /// candidate median / baseline median.
    public var ratio: Double
    /// Bootstrap confidence interval of the ratio of medians.
    public var ratioLow: Double
    public var ratioHigh: Double
    /// Two-sided Mann-Whitney U p-value of the two samples.
    public var pValue: Double
    /// The same, adjusted (Holm) for every comparison in the report; the verdict uses it.
    public var adjustedPValue: Double
    public var verdict: Verdict

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

    public var regressions: [MetricComparison] { comparisons.filter { $0.verdict == .regressed } }
}

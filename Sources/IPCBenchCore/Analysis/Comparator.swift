/// Decides, scenario by scenario, whether a candidate run regressed against a baseline, using
/// the repetitions to tell change from noise.
///
/// For each primary metric: the ratio of medians (candidate / baseline), its bootstrap
/// confidence interval, and a Mann-Whitney U p-value. `regressed` (or `improved`) needs the
/// whole interval beyond the threshold on that side and, where the samples are large enough for
/// the test to reach it, p below 1 - confidence; `unchanged` needs the whole interval inside the
/// threshold; anything else is `inconclusive`. So noise alone does not fail a build: it shows up
/// as a wide interval, and a wide interval is never a verdict.
public enum Comparator {
    public enum CompareError: Error, CustomStringConvertible {
        case differentSchema(onlyBase: [String], onlyNew: [String])
        case differentMachines(String)
        case nothingToCompare(String)

        public var description: String {
            switch self {
            case let .differentSchema(a, b):
                return "different schema: " + [a.isEmpty ? nil : "only in BASE: \(a.joined(separator: ", "))",
                                               b.isEmpty ? nil : "only in NEW: \(b.joined(separator: ", "))"]
                    .compactMap { $0 }.joined(separator: "; ")
            case let .differentMachines(what):
                return "the runs come from different machines (\(what)); pass --allow-different-machines to compare anyway"
            case let .nothingToCompare(why): return "nothing to compare: \(why)"
            }
        }
    }

    /// The smallest sample on either side for which a Mann-Whitney p-value can fall below 0.05.
    public static let minimumSamplesForTest = 4

    public static func compare(
        baseline: ResultSet, candidate: ResultSet, threshold: Double = 0.05,
        confidence: Double = 0.95, allowDifferentMachines: Bool = false
    ) throws(CompareError) -> ComparisonReport {
        let baseColumns = Set(baseline.columns), newColumns = Set(candidate.columns)
        if baseColumns != newColumns {
            throw .differentSchema(onlyBase: baseline.columns.filter { !newColumns.contains($0) },
                                   onlyNew: candidate.columns.filter { !baseColumns.contains($0) })
        }
        var different = false
        if let a = baseline.machine, let b = candidate.machine, a != b {
            let fields = ResultSet.machineColumns.filter { a[$0] != b[$0] }
                .map { "\($0): \(a[$0] ?? "") vs \(b[$0] ?? "")" }.joined(separator: "; ")
            if !allowDifferentMachines { throw .differentMachines(fields) }
            different = true
        }
        let baseKeys = Set(baseline.keys), newKeys = Set(candidate.keys)
        var report = ComparisonReport(
            comparisons: [], onlyInBaseline: baseline.keys.filter { !newKeys.contains($0) }.sorted(),
            onlyInCandidate: candidate.keys.filter { !baseKeys.contains($0) }.sorted(),
            notComparable: [], threshold: threshold, confidence: confidence, differentMachines: different)
        for key in baseline.keys where newKeys.contains(key) {
            for metric in Metric.primary(forMode: key.mode) {
                let a = baseline.samples(key, metric.column), b = candidate.samples(key, metric.column)
                if a.isEmpty && b.isEmpty { continue }  // skipped on both sides: nothing measured
                guard a.count >= 2, b.count >= 2 else {
                    report.notComparable.append((key, "\(metric.label): \(a.count) ok repetitions in BASE, \(b.count) in NEW (2 needed a side)"))
                    continue
                }
                report.comparisons.append(judge(key, metric, a, b, threshold: threshold, confidence: confidence))
            }
        }
        if report.comparisons.isEmpty {
            throw .nothingToCompare(baseKeys.isDisjoint(with: newKeys)
                ? "the files share no scenario" : "no scenario has 2 ok repetitions on both sides")
        }
        report.comparisons.sort { $0.worseningPercent > $1.worseningPercent }
        return report
    }

    static func judge(_ key: ScenarioKey, _ metric: Metric, _ a: [Double], _ b: [Double], threshold: Double, confidence: Double) -> MetricComparison {
        let ma = Statistics.median(a), mb = Statistics.median(b)
        let ratio = ma > 0 ? mb / ma : .nan
        var seed: UInt64 = 1469598103934665603
        for byte in "\(key)\(metric.column)".utf8 { seed = (seed ^ UInt64(byte)) &* 1099511628211 }
        let (lo, hi) = Statistics.bootstrapRatioOfMedians(a, b, confidence: confidence, seed: seed)
        let p = Statistics.mannWhitneyP(a, b)
        // Express the interval as "worse by" fractions: positive is worse whichever the direction.
        func worse(_ r: Double) -> Double { metric.higherIsBetter ? 1 / r - 1 : r - 1 }
        let w1 = worse(lo), w2 = worse(hi)
        let worseLow = min(w1, w2), worseHigh = max(w1, w2)
        // With three repetitions a side the smallest possible p is 0.1: such runs can show a
        // change is small (unchanged) but never call one significant.
        let significant = p < 1 - confidence
        let verdict: Verdict
        if !ratio.isFinite || !lo.isFinite {
            verdict = .inconclusive
        } else if worseLow > threshold && significant {
            verdict = .regressed
        } else if worseHigh < -threshold && significant {
            verdict = .improved
        } else if worseLow >= -threshold && worseHigh <= threshold {
            verdict = .unchanged
        } else {
            verdict = .inconclusive
        }
        return MetricComparison(
            key: key, metric: metric, baseline: a, candidate: b, baselineMedian: ma, candidateMedian: mb,
            ratio: ratio, ratioLow: lo, ratioHigh: hi, pValue: p, verdict: verdict)
    }
}

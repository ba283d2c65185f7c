/// Decides, scenario by scenario, whether a candidate run regressed against a baseline, using
/// the repetitions to tell change from noise.
///
/// For each primary metric: the ratio of medians (candidate / baseline), its bootstrap
/// confidence interval, and a Mann-Whitney U p-value, adjusted with Holm's method for the number
/// of comparisons in the report (a quick suite makes about a hundred: unadjusted, a few would
/// look significant by chance in every run). `regressed` (or `improved`) needs the whole
/// interval beyond the threshold on that side and the adjusted p below 1 - confidence (which,
/// for a hundred comparisons, takes eight repetitions a side); `unchanged` needs the whole
/// interval inside the threshold; anything else is `inconclusive`. So noise alone does not fail
/// a build: it shows up as a wide interval or a large p, and neither is ever a verdict.
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
                report.comparisons.append(measure(key, metric, a, b, confidence: confidence))
            }
        }
        if report.comparisons.isEmpty {
            throw .nothingToCompare(baseKeys.isDisjoint(with: newKeys)
                ? "the files share no scenario" : "no scenario has 2 ok repetitions on both sides")
        }
        holmAdjust(&report.comparisons)
        for i in report.comparisons.indices {
            report.comparisons[i].verdict = verdict(report.comparisons[i], threshold: threshold, confidence: confidence)
        }
        report.comparisons.sort { $0.worseningPercent > $1.worseningPercent }
        return report
    }

    /// The figures of one comparison; the verdict comes once every p-value is known.
    static func measure(_ key: ScenarioKey, _ metric: Metric, _ a: [Double], _ b: [Double], confidence: Double) -> MetricComparison {
        let ma = Statistics.median(a), mb = Statistics.median(b)
        let ratio = ma > 0 ? mb / ma : .nan
        var seed: UInt64 = 1469598103934665603
        for byte in "\(key)\(metric.column)".utf8 { seed = (seed ^ UInt64(byte)) &* 1099511628211 }
        let (lo, hi) = Statistics.bootstrapRatioOfMedians(a, b, confidence: confidence, seed: seed)
        let p = Statistics.mannWhitneyP(a, b)
        return MetricComparison(
            key: key, metric: metric, baseline: a, candidate: b, baselineMedian: ma, candidateMedian: mb,
            ratio: ratio, ratioLow: lo, ratioHigh: hi, pValue: p, adjustedPValue: p, verdict: .inconclusive)
    }

    /// Holm's step-down adjustment: the i-th smallest of m p-values is multiplied by (m - i),
    /// and adjusted values never decrease with rank. Rejecting where the adjusted value is below
    /// alpha keeps the chance of any false call in the whole report below alpha.
    static func holmAdjust(_ comparisons: inout [MetricComparison]) {
        let m = comparisons.count
        let order = comparisons.indices.sorted { comparisons[$0].pValue < comparisons[$1].pValue }
        var running = 0.0
        for (rank, i) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * comparisons[i].pValue))
            comparisons[i].adjustedPValue = running
        }
    }

    static func verdict(_ c: MetricComparison, threshold: Double, confidence: Double) -> Verdict {
        guard c.ratio.isFinite, c.ratioLow.isFinite, c.ratioHigh.isFinite else { return .inconclusive }
        // Express the interval as "worse by" fractions: positive is worse whichever the direction.
        func worse(_ r: Double) -> Double { c.metric.higherIsBetter ? 1 / r - 1 : r - 1 }
        let w1 = worse(c.ratioLow), w2 = worse(c.ratioHigh)
        let worseLow = min(w1, w2), worseHigh = max(w1, w2)
        let significant = c.adjustedPValue < 1 - confidence
        if worseLow > threshold && significant { return .regressed }
        if worseHigh < -threshold && significant { return .improved }
        if worseLow >= -threshold && worseHigh <= threshold { return .unchanged }
        return .inconclusive
    }

    /// Repetitions a side (equal on both) for which complete separation of the samples reaches
    /// significance after Holm's adjustment for `comparisons` tests: the exact two-sided
    /// Mann-Whitney p of n against n fully separated values is 2 / C(2n, n).
    public static func repetitionsNeeded(comparisons: Int, confidence: Double) -> Int {
        let alpha = (1 - confidence) / Double(max(1, comparisons))
        var n = 2
        while n < 40 {
            var ways = 1.0  // C(2n, n)
            for k in 0..<n { ways = ways * Double(2 * n - k) / Double(k + 1) }
            if 2 / ways < alpha { return n }
            n += 1
        }
        return n
    }
}

import Glibc

/// How `compare` judges: the thresholds, the error rate and the evidence it accepts.
public struct CompareSettings: Sendable {
    /// The change (a fraction, 0.05 = 5%) below which a scenario is `unchanged`, where
    /// `thresholds` lists none.
    public var threshold = 0.05
    /// Learned per-scenario thresholds (`gate --learn-thresholds`); they replace `threshold`.
    public var thresholds: NoiseThresholds?
    public var thresholdsFile: String?
    /// The chance of any false `regressed` or `improved` in the whole report (Holm over its
    /// comparisons, and split evenly over `looks`). `unchanged` is the two one-sided tests at
    /// the same level: the (1 - 2 alpha) interval inside the threshold.
    public var alpha = 0.05
    /// Sequential looks at growing data (`ipcbench gate`): each look spends alpha / looks.
    public var looks = 1
    public var allowDifferentMachines = false
    /// Compare pair by pair when both files carry `ab_pair` (the default); false ignores pairs.
    public var usePairs = true

    public init() {}
}

/// Decides, scenario by scenario, whether a candidate run regressed against a baseline, using
/// the repetitions to tell change from noise, with three outcomes: `regressed`/`improved`,
/// `unchanged`, and `inconclusive` with the repetitions that would likely decide it.
///
/// Paired (files from `ipcbench gate`, which runs BASE and NEW back to back per scenario, in
/// alternating order): the log ratio of each pair, Wilcoxon's signed-rank p-value and the
/// Hodges-Lehmann estimate with its interval; pairs whose host probes disagree are set aside and
/// counted. Unpaired (two ordinary runs): the ratio of medians with a bootstrap interval and a
/// Mann-Whitney p-value, on the repetitions of the host states both sides share. Either way the
/// p-values are Holm-adjusted over the report; `regressed` needs the adjusted p below alpha, the
/// estimate beyond the threshold and the interval clear of zero; `unchanged` needs the whole
/// (1 - 2 alpha) interval inside the threshold.
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

    /// Columns added after the first CSV version: a file without them still compares.
    static let laterColumns: Set<String> = ["min_window_ms", "probe_ns", "probe_end_ns", "ab_pair", "ab_position"]

    /// The compatibility entry point: `confidence` is 1 - alpha.
    public static func compare(
        baseline: ResultSet, candidate: ResultSet, threshold: Double = 0.05,
        confidence: Double = 0.95, allowDifferentMachines: Bool = false
    ) throws(CompareError) -> ComparisonReport {
        var settings = CompareSettings()
        settings.threshold = threshold
        settings.alpha = 1 - confidence
        settings.allowDifferentMachines = allowDifferentMachines
        return try compare(baseline: baseline, candidate: candidate, settings: settings)
    }

    public static func compare(
        baseline: ResultSet, candidate: ResultSet, settings: CompareSettings
    ) throws(CompareError) -> ComparisonReport {
        let baseColumns = Set(baseline.columns).subtracting(laterColumns)
        let newColumns = Set(candidate.columns).subtracting(laterColumns)
        if baseColumns != newColumns {
            throw .differentSchema(onlyBase: baseline.columns.filter { !newColumns.contains($0) && !laterColumns.contains($0) },
                                   onlyNew: candidate.columns.filter { !baseColumns.contains($0) && !laterColumns.contains($0) })
        }
        // Every row's machine, not just the first: rows from another host may have been appended.
        let machines = baseline.machines + candidate.machines.filter { !baseline.machines.contains($0) }
        var different = false
        if machines.count > 1 {
            let a = machines[0], b = machines[1]
            let fields = ResultSet.machineColumns.filter { a[$0] != b[$0] }
                .map { "\($0): \(echo(a[$0] ?? "", limit: 40)) vs \(echo(b[$0] ?? "", limit: 40))" }.joined(separator: "; ")
            if !settings.allowDifferentMachines { throw .differentMachines("\(machines.count) machines; \(fields)") }
            different = true
        }
        let paired = settings.usePairs && baseline.rows.contains { $0.abPair != nil } && candidate.rows.contains { $0.abPair != nil }
        let confidence = 1 - 2 * settings.alpha
        let baseKeys = Set(baseline.keys), newKeys = Set(candidate.keys)
        var report = ComparisonReport(
            comparisons: [], onlyInBaseline: baseline.keys.filter { !newKeys.contains($0) }.sorted(),
            onlyInCandidate: candidate.keys.filter { !baseKeys.contains($0) }.sorted(),
            notComparable: [], threshold: settings.threshold, confidence: confidence, differentMachines: different)
        report.looks = settings.looks
        report.thresholdsFile = settings.thresholdsFile
        report.paired = paired
        for key in baseline.keys where newKeys.contains(key) {
            let a = baseline.rows(key).filter { $0.status == "ok" }, b = candidate.rows(key).filter { $0.status == "ok" }
            for metric in Metric.primary(forMode: key.mode) {
                let measured = paired ? measurePaired(key, metric, a, b, confidence: confidence)
                                      : measureUnpaired(key, metric, a, b, confidence: confidence)
                switch measured {
                case .none: continue
                case let .tooFew(why): report.notComparable.append((key, "\(metric.label): \(why)"))
                case var .some(c):
                    c.threshold = settings.thresholds?.threshold(key, metric.column) ?? settings.threshold
                    report.comparisons.append(c)
                }
            }
        }
        if report.comparisons.isEmpty {
            throw .nothingToCompare(baseKeys.isDisjoint(with: newKeys)
                ? "the files share no scenario"
                : paired ? "no scenario has 2 pairs with both sides ok" : "no scenario has 2 ok repetitions on both sides")
        }
        holmAdjust(&report.comparisons)
        for i in report.comparisons.indices {
            report.comparisons[i].verdict = verdict(report.comparisons[i], alpha: settings.alpha / Double(max(1, settings.looks)))
            if report.comparisons[i].verdict == .inconclusive {
                report.comparisons[i].repetitionsNeeded = repetitionsNeeded(
                    report.comparisons[i], comparisons: report.comparisons.count, settings: settings)
            }
        }
        report.comparisons.sort { $0.worseningPercent > $1.worseningPercent }
        return report
    }

    enum Measured {
        case none
        case tooFew(String)
        case some(MetricComparison)
    }

    static func log(_ x: Double) -> Double { Glibc.log(x) }

    /// One side of one A/B pair: the median of its repetitions (a gate runs a few per side, back
    /// to back) and the median of their probes.
    struct PairSide {
        var value: Double
        var probeNs: Double?
    }

    static func sides(_ rows: [ResultRow], _ column: String) -> [Int: PairSide] {
        var grouped: [Int: [ResultRow]] = [:]
        for row in rows { if let p = row.abPair, let v = row.values[column], v > 0 { grouped[p, default: []].append(row) } }
        return grouped.mapValues { group in
            let probes = group.compactMap(\.probeNs)
            return PairSide(value: Statistics.median(group.map { $0.values[column]! }),
                            probeNs: probes.count == group.count ? Statistics.median(probes) : nil)
        }
    }

    /// Pair by pair: the log ratio of NEW over BASE of every `ab_pair` both sides measured ok,
    /// in the same host state.
    static func measurePaired(_ key: ScenarioKey, _ metric: Metric, _ a: [ResultRow], _ b: [ResultRow], confidence: Double) -> Measured {
        let sideA = sides(a, metric.column), sideB = sides(b, metric.column)
        var base: [Double] = [], new: [Double] = [], diffs: [Double] = [], baseProbes: [Double] = [], newProbes: [Double] = []
        var setAside = 0
        for pair in sideB.keys.sorted() {
            guard let y = sideB[pair], let x = sideA[pair] else { continue }
            if let pa = x.probeNs, let pb = y.probeNs, !HostProbe.sameState(pa, pb) {
                setAside += 1
                continue
            }
            base.append(x.value); new.append(y.value); diffs.append(log(y.value / x.value))
            if let pa = x.probeNs { baseProbes.append(pa) }
            if let pb = y.probeNs { newProbes.append(pb) }
        }
        if a.isEmpty && b.isEmpty { return .none }
        guard diffs.count >= 2 else {
            return .tooFew("\(diffs.count) pairs with both sides ok in one host state" + (setAside > 0 ? " (\(setAside) set aside: host states differ)" : "") + "; 2 needed")
        }
        let estimate = SignedRank.hodgesLehmann(diffs)
        let (low, high) = SignedRank.interval(diffs, confidence: confidence)
        let p = SignedRank.pValue(diffs)
        var c = MetricComparison(
            key: key, metric: metric, baseline: base, candidate: new, baselineMedian: Statistics.median(base),
            candidateMedian: Statistics.median(new), ratio: exp(estimate), ratioLow: exp(low), ratioHigh: exp(high),
            pValue: p, adjustedPValue: p, verdict: .inconclusive)
        c.paired = true
        c.setAside = setAside
        c.baselineStates = HostStates(baseProbes)
        c.candidateStates = HostStates(newProbes)
        return .some(c)
    }

    /// Two ordinary runs: the repetitions of the host states both sides were measured in (all
    /// of them when the files carry no probes or share no state, which is then said).
    static func measureUnpaired(_ key: ScenarioKey, _ metric: Metric, _ a: [ResultRow], _ b: [ResultRow], confidence: Double) -> Measured {
        var ra = a.filter { $0.values[metric.column] != nil }, rb = b.filter { $0.values[metric.column] != nil }
        if ra.isEmpty && rb.isEmpty { return .none }
        let statesA = HostStates(ra.compactMap(\.probeNs)), statesB = HostStates(rb.compactMap(\.probeNs))
        var setAside = 0, differentStates = false
        let probed = !ra.isEmpty && !rb.isEmpty && ra.allSatisfy { $0.probeNs != nil } && rb.allSatisfy { $0.probeNs != nil }
        if probed {
            func shared(_ row: ResultRow, _ other: [ResultRow]) -> Bool {
                other.contains { HostProbe.sameState($0.probeNs!, row.probeNs!) }
            }
            let keptA = ra.filter { shared($0, rb) }, keptB = rb.filter { shared($0, ra) }
            if keptA.count >= 2 && keptB.count >= 2 {
                setAside = (ra.count - keptA.count) + (rb.count - keptB.count)
                (ra, rb) = (keptA, keptB)
            } else if keptA.isEmpty || keptB.isEmpty {
                differentStates = true
            }
        }
        let xa = ra.map { $0.values[metric.column]! }, xb = rb.map { $0.values[metric.column]! }
        guard xa.count >= 2, xb.count >= 2 else {
            return .tooFew("\(xa.count) ok repetitions in BASE, \(xb.count) in NEW (2 needed a side)")
        }
        let ma = Statistics.median(xa), mb = Statistics.median(xb)
        var seed: UInt64 = 1469598103934665603
        for byte in "\(key)\(metric.column)".utf8 { seed = (seed ^ UInt64(byte)) &* 1099511628211 }
        let (lo, hi) = Statistics.ratioOfMediansInterval(xa, xb, confidence: confidence, seed: seed)
        let p = Statistics.mannWhitneyP(xa, xb)
        var c = MetricComparison(
            key: key, metric: metric, baseline: xa, candidate: xb, baselineMedian: ma, candidateMedian: mb,
            ratio: ma > 0 ? mb / ma : .nan, ratioLow: lo, ratioHigh: hi, pValue: p, adjustedPValue: p, verdict: .inconclusive)
        c.setAside = setAside
        c.baselineStates = statesA
        c.candidateStates = statesB
        c.differentHostStates = differentStates
        return .some(c)
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

    /// The change and its interval as "worse by", in log terms: positive is worse whichever way
    /// the metric points.
    static func worse(_ c: MetricComparison) -> (estimate: Double, low: Double, high: Double) {
        func w(_ r: Double) -> Double { c.metric.higherIsBetter ? -log(r) : log(r) }
        let a = w(c.ratioLow), b = w(c.ratioHigh)
        return (w(c.ratio), min(a, b), max(a, b))
    }

    static func verdict(_ c: MetricComparison, alpha: Double) -> Verdict {
        guard c.ratio.isFinite, c.ratio > 0, c.ratioLow.isFinite, c.ratioLow > 0, c.ratioHigh.isFinite, c.ratioHigh > 0 else {
            return .inconclusive
        }
        let w = worse(c)
        let limit = log(1 + c.threshold)
        let significant = c.adjustedPValue < alpha
        if significant && w.estimate > limit && w.low > 0 { return .regressed }
        if significant && w.estimate < -limit && w.high < 0 { return .improved }
        if w.low >= -limit && w.high <= limit { return .unchanged }
        return .inconclusive
    }

    /// About how many pairs (or repetitions a side) would decide an undecided comparison, if the
    /// spread stays as seen: enough to shrink the interval inside the threshold when the
    /// estimate is inside it, enough for significance after the adjustment when it is beyond.
    static func repetitionsNeeded(_ c: MetricComparison, comparisons: Int, settings: CompareSettings) -> Int? {
        let n = min(c.baseline.count, c.candidate.count)
        let spread: Double
        if c.paired {
            spread = Statistics.robustSpread(zip(c.baseline, c.candidate).map { log($1 / $0) }) * 1.02
        } else {
            let sa = Statistics.robustSpread(c.baseline.map(log)), sb = Statistics.robustSpread(c.candidate.map(log))
            spread = ((sa * sa + sb * sb) / 2).squareRoot() * 1.25 * 2.0.squareRoot()
        }
        guard spread.isFinite else { return nil }
        let limit = log(1 + c.threshold)
        let estimate = abs(worse(c).estimate)
        var needed: Double
        if estimate < limit {
            let z = Statistics.normalQuantile(1 - settings.alpha)
            needed = pow(z * spread / (limit - estimate), 2)
        } else {
            guard estimate > 0 else { return nil }
            let perTest = settings.alpha / Double(max(1, settings.looks) * max(1, comparisons))
            let z = Statistics.normalQuantile(1 - perTest / 2)
            needed = pow(z * spread / estimate, 2)
            if c.paired { needed = max(needed, Double(SignedRank.pairsToReach(perTest))) }
            else { needed = max(needed, Double(repetitionsNeeded(comparisons: comparisons * max(1, settings.looks), confidence: 1 - settings.alpha))) }
        }
        guard needed.isFinite else { return nil }
        return min(10_000, max(n + 1, Int(needed.rounded(.up))))
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

import Glibc

/// How `compare` judges: the thresholds, the error rates and the evidence it accepts.
public struct CompareSettings: Sendable {
    /// The change (a fraction, 0.05 = 5%) below which a time or rate is `unchanged`, where
    /// `thresholds` lists none: the smallest change worth calling.
    public var threshold = 0.05
    /// Learned per-scenario thresholds (`learn-thresholds`); they replace `threshold`.
    public var thresholds: NoiseThresholds?
    public var thresholdsFile: String?
    /// The chance of any false `regressed`, `improved` or likely regression in the whole
    /// report (Holm over its comparisons, split evenly over `looks`); the intervals and the
    /// resolution are at this level too (Bonferroni).
    public var alpha = 0.05
    /// `regressed` and `improved` need the adjusted p below this stricter level; between it
    /// and `alpha` a change beyond the threshold is a likely regression (exit 6).
    public var strictAlpha = 0.01
    /// A comparison whose resolution is wider than this (a fraction) is `inconclusive`, not
    /// `unchanged`: it could not have seen a change of the size that matters.
    public var maximumResolution = 0.25
    /// Counts per message: a change below this many per message, or below `countRelative` of
    /// the baseline, is none.
    public var countTolerance = 0.05
    public var countRelative = 0.05
    /// Sequential looks at growing data (the launch-paired gate): each look spends alpha / looks.
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
                return "different schema: the files share no metric column; " + [a.isEmpty ? nil : "only in BASE: \(a.joined(separator: ", "))",
                                               b.isEmpty ? nil : "only in NEW: \(b.joined(separator: ", "))"]
                    .compactMap { $0 }.joined(separator: "; ")
            case let .differentMachines(what):
                return "the runs come from different machines (\(what)); pass --allow-different-machines to compare anyway"
            case let .nothingToCompare(why): return "nothing to compare: \(why)"
            }
        }
    }

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
        // Files of two versions compare on what they share: a column only one side has (one a
        // release added, or one it dropped) is listed in the report and not compared. A key
        // column a side lacks reads as its default (ScenarioKey: a file from before `copy`
        // existed is all `copy`); the required ones were checked when the file was read.
        let baseColumns = Set(baseline.columns), newColumns = Set(candidate.columns)
        let onlyBase = baseline.columns.filter { !newColumns.contains($0) }
        let onlyNew = candidate.columns.filter { !baseColumns.contains($0) }
        let unshared = Set(onlyBase + onlyNew)
        guard ResultSchema.columns.contains(where: { $0.kind == .metric && baseColumns.contains($0.name) && newColumns.contains($0.name) }) else {
            throw .differentSchema(onlyBase: onlyBase, onlyNew: onlyNew)
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
        let baseKeys = Set(baseline.keys), newKeys = Set(candidate.keys)
        // The comparisons to be made, counted first: every interval is at the report's
        // corrected level (Bonferroni over them), so the resolution each states holds for all.
        var planned: [(ScenarioKey, ResultColumn, [ResultRow], [ResultRow])] = []
        for key in baseline.keys where newKeys.contains(key) {
            let a = baseline.rows(key).filter { $0.status == .ok }, b = candidate.rows(key).filter { $0.status == .ok }
            for metric in compared(in: key.mode) where !unshared.contains(metric.name)
                && (a.contains(where: { $0[metric] != nil }) || b.contains(where: { $0[metric] != nil })) {
                planned.append((key, metric, a, b))
            }
        }
        let familyAlpha = settings.alpha / Double(max(1, settings.looks))
        // Counts are decided by separation, not by a test: they take no share of the level.
        let tested = planned.filter { !isCount($0.1) }.count
        let confidence = 1 - familyAlpha / Double(max(1, tested))
        var report = ComparisonReport(
            comparisons: [], onlyInBaseline: baseline.keys.filter { !newKeys.contains($0) }.sorted(),
            onlyInCandidate: candidate.keys.filter { !baseKeys.contains($0) }.sorted(),
            notComparable: [], threshold: settings.threshold, confidence: confidence, differentMachines: different)
        report.looks = settings.looks
        report.columnsOnlyInBaseline = onlyBase
        report.columnsOnlyInCandidate = onlyNew
        report.thresholdsFile = settings.thresholdsFile
        report.paired = paired
        for (key, metric, a, b) in planned {
            // Counts are the same in any host state: every row's count, paired or not.
            let measured = paired && !isCount(metric) ? measurePaired(key, metric, a, b, confidence: confidence)
                                                      : measureUnpaired(key, metric, a, b, confidence: confidence, settings: settings, paired: paired)
            switch measured {
            case .none: continue
            case let .tooFew(why): report.notComparable.append((key, "\(metric.label): \(why)"))
            case var .some(c):
                c.threshold = settings.thresholds?.threshold(key, metric.name) ?? settings.threshold
                report.comparisons.append(c)
            }
        }
        if report.comparisons.isEmpty {
            throw .nothingToCompare(baseKeys.isDisjoint(with: newKeys)
                ? "the files share no scenario"
                : paired ? "no scenario has 2 pairs with both sides ok" : "no scenario has 2 ok repetitions on both sides")
        }
        holmAdjust(&report.comparisons)
        for i in report.comparisons.indices {
            judge(&report.comparisons[i], settings: settings)
            if report.comparisons[i].verdict == .inconclusive {
                report.comparisons[i].repetitionsNeeded = repetitionsNeeded(report.comparisons[i], settings: settings)
            }
        }
        report.comparisons.sort { $0.worseningPercent > $1.worseningPercent }
        return report
    }

    /// What a mode's rows are judged on: its times or rate (``ResultSchema/compared(in:)``), and
    /// the exact counts per message that the host's placement cannot move.
    public static func compared(in mode: Mode) -> [ResultColumn] {
        ResultSchema.compared(in: mode) + countColumns
    }

    /// The counts judged as counts (a difference per message, equal counts unchanged at once).
    /// Involuntary switches are left out: they count preemptions, the host's doing.
    public static let countColumns: [ResultColumn] =
        ["syscalls_per_msg", "futex_calls_per_msg", "voluntary_switches_per_msg", "minor_faults_per_msg"].compactMap(ResultSchema.column)

    static func isCount(_ metric: ResultColumn) -> Bool { countColumns.contains { $0.name == metric.name } }

    enum Measured {
        case none
        case tooFew(String)
        case some(MetricComparison)
    }

    static func log(_ x: Double) -> Double { Glibc.log(x) }

    /// One side of one A/B pair: the median of its repetitions (a launch-paired gate runs a few
    /// per side, back to back; a burst pair has one) and the median of their probes.
    struct PairSide {
        var value: Double
        var probeNs: Double?
    }

    static func sides(_ rows: [ResultRow], _ column: ResultColumn, count: Bool) -> [Int: PairSide] {
        var grouped: [Int: [ResultRow]] = [:]
        for row in rows { if let p = row.abPair, let v = row[column], count ? v >= 0 : v > 0 { grouped[p, default: []].append(row) } }
        return grouped.mapValues { group in
            let probes = group.compactMap(\.probeNs)
            return PairSide(value: Statistics.median(group.map { $0[column]! }),
                            probeNs: probes.count == group.count ? Statistics.median(probes) : nil)
        }
    }

    /// Pair by pair: the log ratio (counts: the difference) of NEW against BASE of every
    /// `ab_pair` both sides measured ok, in the same host state (the median of a side's
    /// repetitions or bursts in the pair), judged
    /// by the signed-rank test and the Hodges-Lehmann shift.
    static func measurePaired(_ key: ScenarioKey, _ metric: ResultColumn, _ a: [ResultRow], _ b: [ResultRow], confidence: Double) -> Measured {
        let count = isCount(metric)
        let sideA = sides(a, metric, count: count), sideB = sides(b, metric, count: count)
        var base: [Double] = [], new: [Double] = [], diffs: [Double] = [], baseProbes: [Double] = [], newProbes: [Double] = []
        var setAside = 0
        for pair in sideB.keys.sorted() {
            guard let y = sideB[pair], let x = sideA[pair] else { continue }
            if let pa = x.probeNs, let pb = y.probeNs, !HostProbe.sameState(pa, pb) {
                setAside += 1
                continue
            }
            base.append(x.value); new.append(y.value); diffs.append(count ? y.value - x.value : log(y.value / x.value))
            if let pa = x.probeNs { baseProbes.append(pa) }
            if let pb = y.probeNs { newProbes.append(pb) }
        }
        if sideA.isEmpty && sideB.isEmpty { return .none }
        guard diffs.count >= 2 else {
            return .tooFew("\(diffs.count) pairs with both sides ok in one host state" + (setAside > 0 ? " (\(setAside) set aside: host states differ)" : "") + "; 2 needed")
        }
        let estimate = SignedRank.hodgesLehmann(diffs)
        let (low, high) = SignedRank.interval(diffs, confidence: confidence)
        let p = SignedRank.pValue(diffs)
        let baseMedian = Statistics.median(base), newMedian = Statistics.median(new)
        var c = MetricComparison(
            key: key, metric: metric, baseline: base, candidate: new, baselineMedian: baseMedian, candidateMedian: newMedian,
            ratio: count ? (baseMedian > 0 ? newMedian / baseMedian : .nan) : exp(estimate),
            ratioLow: count ? .nan : exp(low), ratioHigh: count ? .nan : exp(high),
            pValue: p, adjustedPValue: p, verdict: .inconclusive)
        if count { (c.isCount, c.change, c.changeLow, c.changeHigh) = (true, estimate, low, high) }
        if count && diffs.allSatisfy({ $0 == 0 }) { (c.pValue, c.adjustedPValue) = (1, 1) }
        c.paired = true
        c.setAside = setAside
        c.baselineStates = HostStates(baseProbes)
        c.candidateStates = HostStates(newProbes)
        return .some(c)
    }

    /// Two ordinary runs: the repetitions of the host states both sides were measured in (all
    /// of them when the files carry no probes or share no state, which is then said).
    static func measureUnpaired(_ key: ScenarioKey, _ metric: ResultColumn, _ a: [ResultRow], _ b: [ResultRow],
                                confidence: Double, settings: CompareSettings, paired: Bool = false) -> Measured {
        var ra = a.filter { $0[metric] != nil }, rb = b.filter { $0[metric] != nil }
        if ra.isEmpty && rb.isEmpty { return .none }
        let statesA = HostStates(ra.compactMap(\.probeNs)), statesB = HostStates(rb.compactMap(\.probeNs))
        var setAside = 0, differentStates = false
        let probed = !isCount(metric) && !ra.isEmpty && !rb.isEmpty && ra.allSatisfy { $0.probeNs != nil } && rb.allSatisfy { $0.probeNs != nil }
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
        let xa = ra.map { $0[metric]! }, xb = rb.map { $0[metric]! }
        guard xa.count >= 2, xb.count >= 2 else {
            return .tooFew("\(xa.count) ok repetitions in BASE, \(xb.count) in NEW (2 needed a side)")
        }
        let ma = Statistics.median(xa), mb = Statistics.median(xb)
        var c: MetricComparison
        if isCount(metric) {
            // A count differs when the two sides' values separate by more than the tolerance and
            // a multiple of either side's own spread, with at least three a side; equal counts at
            // once. For iid noise that separation happens by chance in 2e-4 of comparisons (three
            // a side, four spreads) or 5e-5 (four or more a side, two spreads): simulated.
            let spreads = min(xa.count, xb.count) >= 4 ? 2.0 : 4.0
            let spread = spreads / 2 * max(xa.max()! - xa.min()!, xb.max()! - xb.min()!)
            let gapUp = xb.min()! - xa.max()!, gapDown = xa.min()! - xb.max()!
            let tolerance = max(settings.countTolerance, settings.countRelative * ma)
            let shown = xa.count >= 3 && xb.count >= 3 && max(gapUp, gapDown) > max(tolerance, 2 * spread)
            c = MetricComparison(
                key: key, metric: metric, baseline: xa, candidate: xb, baselineMedian: ma, candidateMedian: mb,
                ratio: ma > 0 ? mb / ma : .nan, ratioLow: .nan, ratioHigh: .nan,
                pValue: shown ? 0 : 1, adjustedPValue: shown ? 0 : 1, verdict: .inconclusive)
            (c.isCount, c.change, c.changeLow, c.changeHigh) = (true, mb - ma, mb - ma - 2 * spread, mb - ma + 2 * spread)
            c.paired = paired
        } else {
            var seed: UInt64 = 1469598103934665603
            for byte in "\(key)\(metric.name)".utf8 { seed = (seed ^ UInt64(byte)) &* 1099511628211 }
            let (lo, hi) = Statistics.ratioOfMediansInterval(xa, xb, confidence: confidence, seed: seed)
            let p = Statistics.mannWhitneyP(xa, xb)
            c = MetricComparison(
                key: key, metric: metric, baseline: xa, candidate: xb, baselineMedian: ma, candidateMedian: mb,
                ratio: ma > 0 ? mb / ma : .nan, ratioLow: lo, ratioHigh: hi, pValue: p, adjustedPValue: p, verdict: .inconclusive)
        }
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
        // Counts carry a p of 0 or 1 from their separation rule: they are not among the tests.
        let tests = comparisons.indices.filter { !comparisons[$0].isCount }
        let m = tests.count
        let order = tests.sorted { comparisons[$0].pValue < comparisons[$1].pValue }
        var running = 0.0
        for (rank, i) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * comparisons[i].pValue))
            comparisons[i].adjustedPValue = running
        }
    }

    /// The change and its interval as "worse by": positive is worse whichever way the metric
    /// points; in log terms for times and rates, per message for counts.
    static func worse(_ c: MetricComparison) -> (estimate: Double, low: Double, high: Double) {
        if c.isCount {
            let sign = c.metric.higherIsBetter ? -1.0 : 1.0
            let a = sign * c.changeLow, b = sign * c.changeHigh
            return (sign * c.change, min(a, b), max(a, b))
        }
        func w(_ r: Double) -> Double { c.metric.higherIsBetter ? -log(r) : log(r) }
        let a = w(c.ratioLow), b = w(c.ratioHigh)
        return (w(c.ratio), min(a, b), max(a, b))
    }

    /// The tolerance a comparison is judged against, in the units of ``worse(_:)``.
    static func tolerance(_ c: MetricComparison, _ settings: CompareSettings) -> Double {
        c.isCount ? max(settings.countTolerance, settings.countRelative * c.baselineMedian) : log(1 + c.threshold)
    }

    /// The verdict and the resolution. `regressed` (`improved`): the Holm-adjusted p below the
    /// strict level and the estimate beyond the threshold on the worse (better) side; a likely
    /// regression: the same at the lenient level only. Otherwise `unchanged` with the
    /// resolution it had, unless that is wider than `maximumResolution` (`inconclusive`).
    static func judge(_ c: inout MetricComparison, settings: CompareSettings) {
        let looks = Double(max(1, settings.looks))
        let limit = tolerance(c, settings)
        let w = worse(c)
        let finite = w.estimate.isFinite
        let halfWidth = w.low.isFinite && w.high.isFinite ? (w.high - w.low) / 2 : Double.infinity
        let equal = c.isCount && (c.baseline + c.candidate).allSatisfy { $0 == c.baseline.first }
        let spread = equal ? 0 : max(limit, halfWidth)
        c.resolution = c.isCount ? spread : (spread.isFinite ? exp(spread) - 1 : .infinity)
        c.likely = false
        if equal { c.verdict = .unchanged; return }
        let strict = c.adjustedPValue < settings.strictAlpha / looks, lenient = c.adjustedPValue < settings.alpha / looks
        if finite && strict && w.estimate > limit { c.verdict = .regressed; return }
        if finite && strict && w.estimate < -limit { c.verdict = .improved; return }
        if finite && lenient && abs(w.estimate) > limit {
            c.likely = w.estimate > 0
            c.verdict = .inconclusive
            return
        }
        // `unchanged` only where the change seen is within what the comparison could have
        // called: a large change it cannot confirm is inconclusive, never "unchanged ±5%".
        let maximum = c.isCount ? max(limit, settings.maximumResolution * max(c.baselineMedian, settings.countTolerance))
                                : max(limit, log(1 + settings.maximumResolution))
        c.verdict = finite && spread <= maximum && abs(w.estimate) <= spread ? .unchanged : .inconclusive
    }

    /// The verdict alone, for one comparison judged at `alpha` (tests and callers that hold one).
    static func verdict(_ c: MetricComparison, alpha: Double) -> Verdict {
        var settings = CompareSettings()
        settings.alpha = alpha
        settings.strictAlpha = alpha
        settings.threshold = c.threshold
        var copy = c
        judge(&copy, settings: settings)
        return copy.verdict
    }

    /// About how many pairs (or repetitions a side) would decide an undecided comparison, if the
    /// spread stays as seen: the interval shrinks with the square root of the count.
    static func repetitionsNeeded(_ c: MetricComparison, settings: CompareSettings) -> Int? {
        let n = min(c.baseline.count, c.candidate.count)
        let w = worse(c)
        let halfWidth = (w.high - w.low) / 2
        guard halfWidth.isFinite, halfWidth > 0 else { return nil }
        let limit = tolerance(c, settings)
        let target = abs(w.estimate) > limit ? abs(w.estimate) - limit * 0.5 : limit
        guard target > 0 else { return nil }
        let needed = Double(n) * pow(halfWidth / target, 2)
        guard needed.isFinite else { return nil }
        return min(100_000, max(n + 1, Int(needed.rounded(.up))))
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

import Glibc
import XCTest
@testable import IPCBenchCore
@testable import IPCBenchCLI

final class SignedRankTests: XCTestCase {
    func testExactPValuesMatchTheTables() {
        // Five pairs all one way: 2 / 2^5.
        XCTAssertEqual(SignedRank.pValue([0.1, 0.2, 0.3, 0.4, 0.5]), 2.0 / 32, accuracy: 1e-12)
        // n = 10, T = 8: one-sided 0.0244 in Wilcoxon's table, so two-sided 0.0488.
        let d = [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10].enumerated().map { $0.offset == 0 || $0.offset == 6 ? -$0.element : $0.element }
        XCTAssertEqual(SignedRank.pValue(d), 2 * 25.0 / 1024, accuracy: 1e-12)  // T- = 1 + 7 = 8: 25 of 1024 patterns
        XCTAssertEqual(SignedRank.pValue([1, -1, 2, -2]), 1, accuracy: 1e-9)
        XCTAssertEqual(SignedRank.pairsToReach(0.05 / 98), 12)
        XCTAssertEqual(SignedRank.smallestP(12), 2.0 / 4096, accuracy: 1e-15)
    }

    func testHodgesLehmannAndItsIntervalHoldTheShift() {
        XCTAssertEqual(SignedRank.hodgesLehmann([1, 2, 3]), 2)
        var rng = StatisticsRNG(seed: 11)
        let d = (0..<30).map { _ in 0.2 + Double(rng.next() % 1000) / 10_000 - 0.05 }
        let (low, high) = SignedRank.interval(d, confidence: 0.9)
        XCTAssertLessThan(low, 0.2)
        XCTAssertGreaterThan(high, 0.2)
        XCTAssertLessThan(high - low, 0.1)
        // n = 10 at 90%: T <= 10 has probability 43/1024 <= 0.05, T <= 11 does not: W(11) .. W(45).
        let ten = (1...10).map(Double.init)
        let w = SignedRank.walshAverages(ten)
        let ci = SignedRank.interval(ten, confidence: 0.9)
        XCTAssertEqual(ci.low, w[10])
        XCTAssertEqual(ci.high, w[44])
    }

    func testTheRatioIntervalOfLargeSamplesHoldsTheRatio() {
        var rng = StatisticsRNG(seed: 3)
        let a = (0..<2000).map { _ in 100 * exp(Double(rng.next() % 1000) / 5000) }
        let b = a.map { $0 * 1.1 }.shuffled(using: &rng)
        let (low, high) = Statistics.ratioOfMediansInterval(a, b, confidence: 0.9, seed: 1)
        XCTAssertLessThan(low, 1.1)
        XCTAssertGreaterThan(high, 1.1)
        XCTAssertLessThan(high - low, 0.05)
        // Small samples keep the bootstrap (same seed, same answer).
        let small = Statistics.ratioOfMediansInterval([1, 2, 3], [2, 4, 6], confidence: 0.9, seed: 9)
        XCTAssertEqual(small.low, Statistics.bootstrapRatioOfMedians([1, 2, 3], [2, 4, 6], confidence: 0.9, seed: 9).low)
    }

    func testTheNormalQuantileIsAccurate() {
        XCTAssertEqual(Statistics.normalQuantile(0.975), 1.959963985, accuracy: 1e-6)
        XCTAssertEqual(Statistics.normalQuantile(0.5), 0, accuracy: 1e-9)
        XCTAssertEqual(Statistics.normalQuantile(1e-5), -4.264890794, accuracy: 1e-5)
    }
}

/// `compare` on the CSVs a gate writes: pair by pair, host states respected, three outcomes.
final class PairedCompareTests: XCTestCase {
    private var dir: PrivateDirectory!
    override func setUp() { dir = try! PrivateDirectory(prefix: "ipcbench-pairtest") }
    override func tearDown() { dir.remove() }

    private func file(_ name: String, _ text: String) -> String {
        let path = "\(dir.path)/\(name)"
        try! AtomicFile.write(text, to: path)
        return path
    }

    /// One side's rows: `values[i]` is pair i + 1, each with its probe.
    private func side(_ values: [Double], probes: [Double]? = nil, mechanism: String = "pipe", host: String = "h",
                      paired: Bool = true, timestamp: String = "t") -> String {
        let rows = values.enumerated().map { i, v -> String in
            var cells = Dictionary(uniqueKeysWithValues: CSVReport.columns.map { ($0, "") })
            cells["mechanism"] = mechanism; cells["mode"] = "throughput"; cells["payload_bytes"] = "4096"
            cells["placement"] = "cross-core"; cells["pairs"] = "1"; cells["wait"] = "block"
            cells["repetition"] = String(i + 1); cells["status"] = "ok"; cells["mib_per_s"] = fixed(v, 3)
            cells["hostname"] = host; cells["cpus"] = "2"; cells["timestamp"] = timestamp
            if paired { cells["ab_pair"] = String(i + 1); cells["ab_position"] = i % 2 == 0 ? "1" : "2" }
            if let probes { cells["probe_ns"] = String(Int(probes[i])) }
            return CSVReport.columns.map { cells[$0]! }.joined(separator: ",")
        }
        return ([CSVReport.columns.joined(separator: ",")] + rows).joined(separator: "\r\n") + "\r\n"
    }

    /// Noisy values that move together: a slow drift both sides of a pair share, and a small
    /// noise of their own; `factor` is NEW's change.
    private func pairs(_ n: Int, factor: Double, ownNoise: Double = 0.02, seed: UInt64 = 5) -> ([Double], [Double]) {
        var rng = StatisticsRNG(seed: seed)
        func u() -> Double { Double(rng.next() % 10_000) / 10_000 - 0.5 }
        var a: [Double] = [], b: [Double] = []
        for _ in 0..<n {
            let shared = 1000 * exp(1.6 * u())  // the host: up to 2.2x from pair to pair
            a.append(shared * exp(ownNoise * u()))
            b.append(shared * factor * exp(ownNoise * u()))
        }
        return (a, b)
    }

    private func compare(_ a: String, _ b: String, _ settings: CompareSettings = CompareSettings()) throws -> ComparisonReport {
        try Comparator.compare(baseline: try ResultSet.parse(a, name: "A"), candidate: try ResultSet.parse(b, name: "B"), settings: settings)
    }

    func testPairingFindsAChangeTheHostsDriftHides() throws {
        let (a, b) = pairs(16, factor: 0.8)
        let paired = try compare(side(a), side(b))
        XCTAssertTrue(paired.paired)
        XCTAssertEqual(paired.comparisons.first?.verdict, .regressed, ComparisonText.table(paired))
        XCTAssertEqual(paired.comparisons.first!.ratio, 0.8, accuracy: 0.02)
        // The same numbers without the pairing: the drift swamps the change.
        let unpaired = try compare(side(a, paired: false), side(b, paired: false))
        XCTAssertNotEqual(unpaired.comparisons.first?.verdict, .regressed)
    }

    func testAnAAPairedRunIsUnchanged() throws {
        let (a, b) = pairs(12, factor: 1.0)
        let report = try compare(side(a), side(b))
        XCTAssertEqual(report.comparisons.first?.verdict, .unchanged, ComparisonText.table(report))
    }

    func testPairsInDifferentHostStatesAreSetAsideAndCounted() throws {
        let (a, b) = pairs(16, factor: 1.0)
        // Every fourth pair: NEW ran two cache complexes apart (400 ns) and half as fast.
        var bb = b, probesB = [Double](repeating: 70, count: 16)
        for i in stride(from: 0, to: 16, by: 4) { bb[i] /= 2; probesB[i] = 400 }
        let report = try compare(side(a, probes: [Double](repeating: 70, count: 16)), side(bb, probes: probesB))
        let c = try XCTUnwrap(report.comparisons.first)
        XCTAssertEqual(c.setAside, 4)
        XCTAssertEqual(c.baseline.count, 12)
        XCTAssertEqual(c.verdict, .unchanged, ComparisonText.table(report))
        XCTAssertTrue(ComparisonText.table(report).contains("4 pairs set aside"))
    }

    func testTooFewRepetitionsToConfirmAChangeIsInconclusiveNeverUnchanged() throws {
        // Two plain 3-repetition runs, NEW 40% slower: no rank test on 3 against 3 can decide,
        // so compare says it could not, and how many repetitions would; it does not fail CI on
        // what it cannot confirm (a likely regression needs the lenient level), nor call it
        // unchanged.
        let a = file("a.csv", side([1000, 1010, 990], paired: false))
        let b = file("b.csv", side([600, 606, 594], paired: false, timestamp: "u"))
        XCTAssertEqual(CompareCommand.run([a, b]), CompareCommand.Status.success)
        let report = try compare(side([1000, 1010, 990], paired: false), side([600, 606, 594], paired: false))
        let c = try XCTUnwrap(report.comparisons.first)
        XCTAssertEqual(c.verdict, .inconclusive, ComparisonText.table(report))
        XCTAssertFalse(c.likelyRegression)
        XCTAssertNotNil(c.repetitionsNeeded)
        XCTAssertGreaterThan(c.repetitionsNeeded ?? 0, 3)
    }

    func testALikelyRegressionIsOneAtTheLenientLevelOnly() throws {
        var c = MetricComparison(
            key: ScenarioKey(mechanism: "pipe", mode: .throughput, payloadBytes: 4096, placement: .crossCore, pairs: 1, wait: .block),
            metric: ResultSchema.mibPerSecond, baseline: [1, 1, 1], candidate: [0.8, 0.8, 0.8], baselineMedian: 1, candidateMedian: 0.8,
            ratio: 0.8, ratioLow: 0.75, ratioHigh: 0.85, pValue: 0.03, adjustedPValue: 0.03, verdict: .inconclusive)
        Comparator.judge(&c, settings: CompareSettings())
        XCTAssertEqual(c.verdict, .inconclusive)
        XCTAssertTrue(c.likelyRegression)
        c.adjustedPValue = 0.005
        Comparator.judge(&c, settings: CompareSettings())
        XCTAssertEqual(c.verdict, .regressed)
        XCTAssertFalse(c.likelyRegression)
    }

    func testEveryComparisonStatesItsResolution() throws {
        let (a, b) = pairs(16, factor: 1.0)
        let c = try XCTUnwrap(try compare(side(a), side(b)).comparisons.first)
        XCTAssertEqual(c.verdict, .unchanged)
        XCTAssertGreaterThanOrEqual(c.resolution, 0.05, "never below the threshold")
        XCTAssertTrue(ComparisonText.verdictText(c).hasPrefix("unchanged ±"), ComparisonText.verdictText(c))
    }

    func testALearnedThresholdDecidesANoisyScenario() throws {
        let (a, b) = pairs(12, factor: 1.0, ownNoise: 0.4)
        let plain = try compare(side(a), side(b))
        XCTAssertGreaterThan(try XCTUnwrap(plain.comparisons.first).resolution, 0.1, "a noisy scenario: a wide resolution")
        let key = ScenarioKey(mechanism: "pipe", mode: .throughput, payloadBytes: 4096, placement: .crossCore, pairs: 1, wait: .block)
        let thresholds = NoiseThresholds(entries: [.init(key: key, metric: "mib_per_s", thresholdPercent: 30, noisePercent: 20, pairs: 20)])
        let path = file("thresholds.csv", thresholds.render())
        var settings = CompareSettings()
        settings.thresholds = try NoiseThresholds.load(path)
        let learned = try compare(side(a), side(b), settings)
        XCTAssertEqual(learned.comparisons.first?.threshold, 0.3)
        XCTAssertEqual(learned.comparisons.first?.verdict, .unchanged, ComparisonText.table(learned))
    }

    func testACopiedRowIsRefusedNotCountedTwice() {
        let text = side([1000, 1010, 990], paired: false)
        var lines = text.split(separator: "\r\n").map(String.init)
        lines += lines.dropFirst()  // the same three repetitions again
        let copied = file("copied.csv", lines.joined(separator: "\r\n"))
        XCTAssertEqual(CompareCommand.run([file("a.csv", text), copied]), CompareCommand.Status.badInput)
        XCTAssertThrowsError(try ResultSet.parse(lines.joined(separator: "\r\n"), name: "x")) { error in
            XCTAssertTrue("\(error)".contains("repeats the repetition on line 2"), "\(error)")
        }
    }

    func testEveryRowsMachineIsChecked() {
        let a = side([1000, 1010, 990, 1005], paired: false)
        var lines = a.split(separator: "\r\n").map(String.init)
        lines[4] = lines[4].replacingOccurrences(",h,", ",elsewhere,")  // only the last row
        XCTAssertEqual(CompareCommand.run([file("a.csv", a), file("b.csv", lines.joined(separator: "\r\n"))]),
                       CompareCommand.Status.differentMachines)
    }

    func testTheMarkdownSummaryNeutralisesInputText() throws {
        let evil = "pipe<script>alert(1)</script>|\u{1B}]0;owned\u{07}"
        let (a, b) = pairs(8, factor: 1.0)
        let report = try compare(side(a, mechanism: evil), side(b, mechanism: evil))
        let md = ComparisonText.markdown(report, base: "A", new: "B")
        XCTAssertFalse(md.contains("<script>"))
        XCTAssertFalse(md.contains("\u{1B}"))
        XCTAssertFalse(md.contains("\u{07}"))
        XCTAssertFalse(ComparisonText.table(report).contains("\u{1B}"))
    }

    func testHostStatesClusterAsOnThisMachine() {
        let states = HostStates([29, 31, 30, 70, 62, 80, 75, 400, 420, 0])
        XCTAssertEqual(states.states.map(\.count), [3, 4, 2])
        XCTAssertEqual(states.index(of: 33), 0)
        XCTAssertEqual(states.index(of: 390), 2)
        XCTAssertNil(states.index(of: 150))
        XCTAssertEqual(HostStates([420, 88, 90]).description, "89 ns ×2, 420 ns ×1")
    }
}

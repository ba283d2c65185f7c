import Glibc
import XCTest
@testable import IPCBenchCore
@testable import IPCBenchCLI

final class StatisticsTests: XCTestCase {
    func testMannWhitneyMatchesKnownExactValues() {
        // Complete separation of 5 vs 5: p = 2/252.
        XCTAssertEqual(Statistics.mannWhitneyP([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]), 2.0 / 252, accuracy: 1e-12)
        // 3 vs 3 can never get below 0.1.
        XCTAssertEqual(Statistics.mannWhitneyP([1, 2, 3], [4, 5, 6]), 0.1, accuracy: 1e-12)
        XCTAssertEqual(Statistics.mannWhitneyP([1, 2, 3], [1, 2, 3]), 1, accuracy: 1e-9)
        // Interleaved samples: no evidence.
        XCTAssertGreaterThan(Statistics.mannWhitneyP([1, 3, 5, 7], [2, 4, 6, 8]), 0.5)
    }

    func testMannWhitneyNormalApproximationForLargeSamples() {
        let a = (0..<40).map(Double.init), b = (0..<40).map { Double($0) + 20 }
        let p = Statistics.mannWhitneyP(a, b)
        XCTAssertLessThan(p, 0.001)
        XCTAssertGreaterThan(Statistics.mannWhitneyP(a, a.map { $0 + 0.5 }), 0.5)
    }

    func testHolmsAdjustmentKeepsAHundredChanceHitsFromBeingCalled() {
        let key = ScenarioKey(mechanism: "pipe", mode: .latency, payloadBytes: 64, placement: .crossCore, pairs: 1, wait: .block)
        var many = (0..<100).map { i in
            MetricComparison(key: key, metric: ResultSchema.rttP50Ns, baseline: [1], candidate: [1], baselineMedian: 1, candidateMedian: 1.2,
                             ratio: 1.2, ratioLow: 1.1, ratioHigh: 1.3, pValue: i == 0 ? 0.0001 : 0.01, adjustedPValue: 0, verdict: .inconclusive)
        }
        Comparator.holmAdjust(&many)
        XCTAssertEqual(many[0].adjustedPValue, 0.01, accuracy: 1e-12)          // 100 x 0.0001
        XCTAssertTrue(many.dropFirst().allSatisfy { $0.adjustedPValue == 0.99 })  // 99 x 0.01
        XCTAssertEqual(Comparator.verdict(many[0], alpha: 0.05), .regressed)
        XCTAssertEqual(Comparator.verdict(many[1], alpha: 0.05), .inconclusive)
        XCTAssertEqual(Comparator.repetitionsNeeded(comparisons: 100, confidence: 0.95), 8)
        XCTAssertEqual(Comparator.repetitionsNeeded(comparisons: 1, confidence: 0.95), 4)
    }

    func testTheBootstrapIntervalHoldsTheRatioAndIsReproducible() {
        let a = [100.0, 102, 98, 101, 99], b = [120.0, 123, 118, 121, 119]
        let ci = Statistics.bootstrapRatioOfMedians(a, b, confidence: 0.95, seed: 7)
        XCTAssertLessThan(ci.low, 1.2)
        XCTAssertGreaterThan(ci.high, 1.2)
        XCTAssertGreaterThan(ci.low, 1.1)
        let again = Statistics.bootstrapRatioOfMedians(a, b, confidence: 0.95, seed: 7)
        XCTAssertEqual(ci.low, again.low)
        XCTAssertEqual(ci.high, again.high)
    }
}

/// `compare` on real runs: A/A says no regression; a planted halving of speed is named.
final class CompareTests: LeakCheckedTestCase {
    private func csv(_ results: [RepetitionResult]) -> String {
        CSVReport.render(results.map { CSVReport.row($0, machine: .current(), timestamp: "t") })
    }

    /// Two "runs" of the same build, interleaved repetition by repetition like the CI script.
    private func twoRuns(repetitions: Int) throws -> (String, String) {
        let dir = try PrivateDirectory()
        defer { dir.remove() }
        let coordinator = Coordinator(directory: dir, timeoutSeconds: 30)
        let scenarios = [
            Scenario(mechanism: "shm-posix", mode: .latency, payloadBytes: 64, wait: .spin, messages: 2000),
            Scenario(mechanism: "memcpy", mode: .throughput, payloadBytes: 4096, wait: .spin, messages: 20000),
            Scenario(mechanism: "pipe", mode: .throughput, payloadBytes: 4096, messages: 2000),
        ]
        var a: [RepetitionResult] = [], b: [RepetitionResult] = []
        for rep in 1...repetitions {
            for s in scenarios { a.append(coordinator.run(s, repetition: rep)) }
            for s in scenarios { b.append(coordinator.run(s, repetition: rep)) }
        }
        XCTAssertTrue((a + b).allSatisfy { $0.status == .ok })
        return (csv(a), csv(b))
    }

    func testAnAARunHasNoRegression() throws {
        let (a, b) = try twoRuns(repetitions: 5)
        let report = try Comparator.compare(
            baseline: try ResultSet.parse(a, name: "A"), candidate: try ResultSet.parse(b, name: "B"))
        XCTAssertEqual(report.comparisons.filter { !$0.isCount }.count, 4)
        XCTAssertEqual(report.regressions.map(\.key.description), [], ComparisonText.table(report))
        XCTAssertTrue(report.comparisons.allSatisfy { $0.resolution.isFinite || $0.verdict == .inconclusive })
    }

    func testAPlantedSlowdownOnRealRunsIsRegressedAndNamed() throws {
        let (a, _) = try twoRuns(repetitions: 6)
        let base = try ResultSet.parse(a, name: "A")
        // Plant it where the repetitions agree best. Halving the speed is beyond anything this
        // VM's noise does between repetitions of one scenario (its spread is printed on failure);
        // smaller changes are the paired gate's job and are pinned on synthetic pairs
        // (PairedCompareTests), where no machine noise can make a test skip itself.
        let spreads = base.keys.compactMap { key -> (ScenarioKey, Double)? in
            let metric = ResultSchema.compared(in: key.mode)[0]
            return Statistics.coefficientOfVariation(base.samples(key, metric)).map { (key, $0) }
        }
        let (target, spread) = try XCTUnwrap(spreads.min { $0.1 < $1.1 })
        // The candidate: the same rows, twice as slow in that scenario (throughput / 2, times x 2).
        var table = try CSVReader.parse(a)
        let header = table[0]
        func column(_ name: String) -> Int { header.firstIndex(of: name)! }
        for i in 1..<table.count where table[i].count == header.count && table[i][column("mechanism")] == target.mechanism {
            for name in ["mib_per_s", "msgs_per_s"] where !table[i][column(name)].isEmpty {
                table[i][column(name)] = fixed(Double(table[i][column(name)])! / 2, 3)
            }
            for name in ["rtt_p50_ns", "rtt_p99_ns"] where !table[i][column(name)].isEmpty {
                table[i][column(name)] = String(Int(Double(table[i][column(name)])! * 2))
            }
        }
        let planted = CSVReport.renderRaw(table)
        let report = try Comparator.compare(baseline: base, candidate: try ResultSet.parse(planted, name: "B"))
        // Six repetitions a side: a rank test reaches the lenient level at least (a likely
        // regression, exit 6), the strict one where the report holds few enough tests.
        let called = report.comparisons.filter { $0.verdict == .regressed || $0.likelyRegression }
        XCTAssertTrue(called.contains { $0.key == target }, "spread \(fixed(spread, 1))%: " + ComparisonText.table(report))
        XCTAssertEqual(Set(called.map(\.key)), [target], "only the planted scenario called")
        XCTAssertEqual(report.comparisons.first?.key, target, "worst first")
        XCTAssertNotEqual(CompareCommand.status(report), CompareCommand.Status.success)
    }

    func testScenariosInOneFileOnlyAreListedNotFailed() throws {
        let (a, b) = try twoRuns(repetitions: 2)
        var lines = b.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeAll { $0.hasPrefix("pipe,") }
        let report = try Comparator.compare(
            baseline: try ResultSet.parse(a, name: "A"), candidate: try ResultSet.parse(lines.joined(separator: "\r\n"), name: "B"))
        XCTAssertEqual(report.onlyInBaseline.map(\.mechanism), ["pipe"])
        XCTAssertTrue(report.regressions.isEmpty)
    }
}

/// Bad inputs to `compare` are one line and a distinct exit status, never a crash.
final class CompareCommandTests: XCTestCase {
    private var dir: PrivateDirectory!
    override func setUp() { dir = try! PrivateDirectory(prefix: "ipcbench-cmptest") }
    override func tearDown() { dir.remove() }

    private func file(_ name: String, _ text: String) -> String {
        let path = "\(dir.path)/\(name)"
        try! AtomicFile.write(text, to: path)
        return path
    }

    private let header = CSVReport.columns.joined(separator: ",")

    private func row(_ mechanism: String, _ rep: Int, mib: Double, host: String = "h") -> String {
        var cells = Dictionary(uniqueKeysWithValues: CSVReport.columns.map { ($0, "") })
        cells["mechanism"] = mechanism; cells["mode"] = "throughput"; cells["payload_bytes"] = "4096"
        cells["placement"] = "cross-core"; cells["pairs"] = "1"; cells["wait"] = "block"
        cells["repetition"] = String(rep); cells["status"] = "ok"; cells["mib_per_s"] = fixed(mib, 3)
        cells["hostname"] = host; cells["cpus"] = "2"
        return CSVReport.columns.map { cells[$0]! }.joined(separator: ",")
    }

    private func run(_ args: [String]) -> Int32 { CompareCommand.run(args) }

    func testExitStatusesSayWhatWentWrong() {
        let good = file("good.csv", ([header] + (1...5).map { row("pipe", $0, mib: 1000 + Double($0)) }).joined(separator: "\r\n"))
        let slower = file("slow.csv", ([header] + (1...5).map { row("pipe", $0, mib: 700 + Double($0)) }).joined(separator: "\r\n"))
        XCTAssertEqual(run([good, good]), 0)
        XCTAssertEqual(run([good, slower]), 1)
        XCTAssertEqual(run([good, slower, "--threshold", "50"]), 0)
        XCTAssertEqual(run([good, "\(dir.path)/missing.csv"]), 2)
        XCTAssertEqual(run([good, file("empty.csv", "")]), 2)
        XCTAssertEqual(run([good, file("binary.csv", "\u{0}\u{1}\u{2}")]), 2)
        XCTAssertEqual(run([good, file("truncated.csv", header + "\r\n\"pipe,thr")]), 2)
        XCTAssertEqual(run([good, file("columns.csv", "a,b,c\r\n1,2,3\r\n")]), 2)
        XCTAssertEqual(run([good, file("nan.csv", [header, row("pipe", 1, mib: 1).replacingOccurrences("1.000", "nan")].joined(separator: "\r\n"))]), 2)
        XCTAssertEqual(run([good, file("huge.csv", [header, row("pipe", 1, mib: 1).replacingOccurrences("1.000", "1e999")].joined(separator: "\r\n"))]), 2)
        // A file of another version, without ring_bytes: compared on what both have.
        let drop = CSVReport.columns.firstIndex(of: "ring_bytes")!
        func without(_ line: String) -> String {
            var cells = line.split(separator: ",", omittingEmptySubsequences: false)
            cells.remove(at: drop)
            return cells.joined(separator: ",")
        }
        let fewer = file("fewer.csv", ([header] + (1...5).map { row("pipe", $0, mib: 1000 + Double($0)) }).map(without).joined(separator: "\r\n"))
        XCTAssertEqual(run([good, fewer]), 0)
        XCTAssertEqual(run([good, file("other.csv", ([header] + (1...5).map { row("tcp", $0, mib: 1000) }).joined(separator: "\r\n"))]), 4)
        let elsewhere = file("elsewhere.csv", ([header] + (1...5).map { row("pipe", $0, mib: 1000, host: "other") }).joined(separator: "\r\n"))
        XCTAssertEqual(run([good, elsewhere]), 5)
        XCTAssertEqual(run([good, elsewhere, "--allow-different-machines"]), 0)
        XCTAssertEqual(run([good]), 64)
        XCTAssertEqual(run([good, good, "--format", "yaml"]), 64)
        XCTAssertEqual(run([good, good, "--threshold", "-1"]), 64)
    }

    func testEveryFormatRenders() throws {
        let a = file("a.csv", ([header] + (1...5).map { row("pipe", $0, mib: 1000 + Double($0)) }).joined(separator: "\r\n"))
        let b = file("b.csv", ([header] + (1...5).map { row("pipe", $0, mib: 500 + Double($0)) }).joined(separator: "\r\n"))
        for format in CompareCommand.Format.allCases {
            let out = "\(dir.path)/out.\(format.rawValue)"
            XCTAssertEqual(run([a, b, "--format", format.rawValue, "--output", out]), 1)
            let text = try XCTUnwrap(ProcFiles.read(out))
            XCTAssertTrue(text.contains("regressed"), "\(format): \(text)")
        }
        let json = try XCTUnwrap(ProcFiles.read("\(dir.path)/out.json"))
        XCTAssertTrue(json.contains("\"verdict\": \"regressed\""))
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        var out = "", rest = Substring(self)
        while let r = rest.range(of: target) {
            out += rest[..<r.lowerBound] + replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import IPCBenchCore
@testable import IPCBenchCLI

/// The charts people read: every one parses as XML, names its machine and placement, never
/// repeats a series colour, escapes what came from a file, and the new kinds (open loop,
/// percentile spectra, history) draw what they promise.
final class ChartTests: LeakCheckedTestCase {
    static let machine = MachineInfo(hostname: "bench-host", kernel: "6.1", cpuModel: "Test CPU", cpus: 2)

    /// Every non-ceiling mechanism of the registry in latency and throughput at two sizes, the
    /// ceilings, and pipe and shm-posix in open loop: a full sweep's shape, as a run's JSON.
    static func file(names: [String]? = nil, slower: Double = 1, repetitions: Int = 2, timestamp: String = "t") throws -> RunFile {
        try RunFile.parse(document(names: names, slower: slower, repetitions: repetitions, timestamp: timestamp).render(), name: "run.json")
    }

    static func document(names: [String]? = nil, slower: Double = 1, repetitions: Int = 2, timestamp: String = "t") -> JSON {
        var results: [RepetitionResult] = []
        let mechanisms = names ?? MechanismRegistry.names.filter { !["memcpy", "cacheline"].contains($0) }
        for rep in 1...repetitions {
            for (i, name) in mechanisms.enumerated() {
                for size in [64, 4096] {
                    var lat = RepetitionResult(scenario: Scenario(mechanism: name, mode: .latency, payloadBytes: size, messages: 100), repetition: rep, status: .ok)
                    lat.latency = Histogram(values: (1...200).map { UInt64(Double(1000 * (i + 1) + $0 * ($0 > 190 ? 400 : 5) + rep) * slower) })
                    var thr = RepetitionResult(scenario: Scenario(mechanism: name, mode: .throughput, payloadBytes: size, messages: 1000), repetition: rep, status: .ok)
                    thr.totalMessages = 1000
                    thr.windowNs = UInt64(Double(100_000 * (i + 1) + rep) * slower)
                    results += [lat, thr]
                }
            }
            for name in ["pipe", "shm-posix"] where mechanisms.contains(name) {
                var open = RepetitionResult(scenario: Scenario(mechanism: name, mode: .openLoop, payloadBytes: 64, messages: 100, rate: 20_000),
                                            repetition: rep, status: .ok)
                open.oneWay = Histogram(values: (1...100).map { UInt64(700 + $0 + rep) })
                open.totalMessages = 100
                open.windowNs = 5_000_000
                results.append(open)
            }
            var memcpy = RepetitionResult(scenario: Scenario(mechanism: "memcpy", mode: .throughput, payloadBytes: 4096, wait: .spin, messages: 100),
                                          repetition: rep, status: .ok)
            memcpy.totalMessages = 100
            memcpy.windowNs = 10_000
            results.append(memcpy)
        }
        let rows = results.map { CSVReport.row($0, machine: machine, timestamp: timestamp, run: RunLabel(commit: "c")) }
        return RunDocument.json(rows: rows, machine: machine, timestamp: timestamp, suite: "s", clockOverheadNs: 30, results: results)
    }

    static func report(_ file: RunFile, baseline: RunFile? = nil, patterns: [String]? = nil) throws -> [String: String] {
        let files = try PlotReport.render(results: file.results, baseline: baseline?.results, threshold: 0.05,
                                          spectra: .init(results: file.spectra, baseline: baseline?.spectra, patterns: patterns))
        return Dictionary(files.map { ($0.name, $0.content) }, uniquingKeysWith: { a, _ in a })
    }

    /// Foundation's XML parser's complaint, or nil when the document is well-formed.
    static func xmlError(_ text: String) -> String? {
        let parser = XMLParser(data: Data(text.utf8))
        return parser.parse() ? nil : "\(parser.parserError.map { "\($0)" } ?? "unknown") at line \(parser.lineNumber)"
    }

    /// The colours of a chart's series lines (p50 lines are 2.2 px wide; p99, baselines and
    /// ceilings are drawn thinner or grey).
    static func seriesColours(_ svg: String) -> [String] {
        svg.split(separator: "\n").filter { $0.hasPrefix("<polyline") && $0.contains("stroke-width=\"2.2\"") && !$0.contains("stroke-dasharray") }
            .compactMap { line in line.range(of: "stroke=\"").map { String(line[$0.upperBound...].prefix(7)) } }
    }

    func testEveryChartOfAFullReportParsesAsXML() throws {
        let files = try Self.report(Self.file(), baseline: Self.file(slower: 1.3))
        XCTAssertGreaterThan(files.count, 10)
        for (name, content) in files where name.hasSuffix(".svg") {
            XCTAssertNil(Self.xmlError(content), name)
        }
        let index = try XCTUnwrap(files["index.html"])
        for name in files.keys where name.hasSuffix(".svg") { XCTAssertTrue(index.contains("<img src=\"\(name)\""), name) }
    }

    func testNoColourRepeatsAmongTheSeriesOfAChart() throws {
        let files = try Self.report(Self.file(), baseline: Self.file(slower: 1.3))
        var checked = 0
        for (name, svg) in files where name.hasPrefix("latency-") || name.hasPrefix("throughput-") || name.hasPrefix("spectrum-") || name.hasPrefix("openloop-") {
            let colours = Self.seriesColours(svg)
            XCTAssertEqual(Set(colours).count, colours.count, "\(name): \(colours)")
            checked += colours.count > 1 ? 1 : 0
        }
        XCTAssertGreaterThanOrEqual(checked, 4)
        XCTAssertGreaterThanOrEqual(Self.seriesColours(files["latency-cross-core-block.svg"]!).count, 14, "every mechanism of a full sweep")
    }

    func testEveryChartNamesItsMachineAndPlacement() throws {
        let files = try Self.report(Self.file(), baseline: Self.file(slower: 1.3))
        for (name, svg) in files where name.hasSuffix(".svg") {
            let texts = PlotTests.texts(svg).joined(separator: "\n")
            XCTAssertTrue(texts.contains("bench-host"), "\(name) does not name the machine")
            XCTAssertTrue(texts.contains("cross-core"), "\(name) does not name the placement")
        }
    }

    func testLineChartsAreSmallMultiplesByFamily() throws {
        let texts = PlotTests.texts(try Self.report(Self.file())["throughput-cross-core-block.svg"]!)
        for family in [MechanismFamily.kernel, .notify, .rings] { XCTAssertTrue(texts.contains(family.title), "\(family.title) missing: \(texts)") }
        XCTAssertTrue(texts.contains("memcpy ceiling"))
    }

    func testOpenLoopRowsAreDrawn() throws {
        let svg = try XCTUnwrap(Self.report(Self.file())["openloop-cross-core-block.svg"])
        let texts = PlotTests.texts(svg)
        XCTAssertTrue(texts.contains { $0.hasPrefix("Open-loop one-way latency vs payload size") }, "\(texts)")
        XCTAssertTrue(texts.contains { $0.hasPrefix("from the intended send time at 20,000 msgs/s a pair") }, "\(texts)")
        XCTAssertTrue(texts.contains("pipe") && texts.contains("shm-posix"))
    }

    func testTheSpectrumCountsNinesAndOverlaysTheBaseline() throws {
        let files = try Self.report(Self.file(), baseline: Self.file(slower: 1.3), patterns: ["pipe/latency/64", "shm-posix/latency"])
        let svg = try XCTUnwrap(files["spectrum-latency-cross-core-block.svg"], "\(files.keys.sorted())")
        let texts = PlotTests.texts(svg)
        for tick in ["0", "90", "99", "99.9"] { XCTAssertTrue(texts.contains(tick), "tick \(tick) missing") }
        XCTAssertTrue(texts.contains("baseline (dashed)"))
        XCTAssertEqual(Set(texts.filter { $0.contains(" 64 B") || $0.contains(" 4 KiB") }), ["pipe 64 B", "shm-posix 64 B", "shm-posix 4 KiB"])
        XCTAssertTrue(svg.contains("stroke-dasharray=\"5 4\""), "the baseline's spectrum")
        XCTAssertNil(files["spectrum-openloop-cross-core-block.svg"], "no open-loop scenario was chosen")
    }

    func testRowsWithoutHistogramsStillPlotWithoutSpectra() throws {
        let files = try Self.report(RunFile(results: Self.file().results))
        XCTAssertFalse(files.keys.contains { $0.hasPrefix("spectrum-") })
        XCTAssertNotNil(files["latency-cross-core-block.svg"])
    }

    func testHostileNamesInSpectraAndHistoryAreEscaped() throws {
        let hostile = "<script>x</script>&\"'"
        let file = try Self.file(names: ["pipe", hostile, "tcp"])
        for (name, content) in try Self.report(file, baseline: file) {
            XCTAssertFalse(content.contains("<script>"), name)
            if name.hasSuffix(".svg") { XCTAssertNil(Self.xmlError(content), name) }
        }
        let history = RunHistory(runs: [("a", "2026-01-01"), ("b", "2026-01-02")].map {
            RunHistory.Run(file: $0.0, results: file.results, timestamp: $0.1, label: RunLabel(label: "<b>\($0.0)</b>"))
        })
        for (name, content) in PlotReport.renderHistory(history, threshold: 0.05) {
            XCTAssertFalse(content.contains("<script>") || content.contains("<b>"), name)
            if name.hasSuffix(".svg") { XCTAssertNil(Self.xmlError(content), name) }
        }
    }

    func testHistoryOrdersRunsByTimeAndMarksWhereCompareCallsAChange() throws {
        let dir = try PrivateDirectory(prefix: "ipcbench-historytest")
        defer { removeTree(dir.path) }
        // Written in the reverse of their order in time; the third run is 60% slower.
        for (file, time, slower) in [("c.json", "2026-01-01T00:00:00Z", 1.0), ("b.json", "2026-01-02T00:00:00Z", 1.0), ("a.json", "2026-01-03T00:00:00Z", 1.6)] {
            let document = Self.document(names: ["pipe", "tcp"], slower: slower, repetitions: 8, timestamp: time)
            try AtomicFile.write(document.render(), to: "\(dir.path)/\(file)")
        }
        let history = try RunHistory.load(folder: dir.path)
        XCTAssertEqual(history.runs.map(\.file), ["c.json", "b.json", "a.json"])
        let files = Dictionary(PlotReport.renderHistory(history, threshold: 0.05).map { ($0.name, $0.content) }, uniquingKeysWith: { a, _ in a })
        let p50 = try XCTUnwrap(files["history-rtt_p50_ns-cross-core-block.svg"], "\(files.keys.sorted())")
        XCTAssertNil(Self.xmlError(p50))
        let marks = p50.components(separatedBy: "<title>").dropFirst().map { $0.components(separatedBy: "</title>")[0] }.filter { $0.contains(" vs ") }
        XCTAssertEqual(marks.count, 4, "pipe and tcp at 64 B and 4 KiB, once each: \(marks)")
        XCTAssertTrue(marks.allSatisfy { $0.hasPrefix("c vs c: regressed, +6") || $0.hasPrefix("c vs c: regressed, +59.") }, "\(marks)")
        XCTAssertEqual(PlotCommand.run(["--history", dir.path, "--output", "\(dir.path)/charts"]), 0)
        XCTAssertEqual(access("\(dir.path)/charts/index.html", R_OK), 0)
        XCTAssertEqual(PlotCommand.run(["--history", "\(dir.path)/charts", "--output", "\(dir.path)/o"]), 2, "no result files there")
        XCTAssertEqual(PlotCommand.run(["--history", dir.path, "x.csv", "--output", "\(dir.path)/o"]), 64)
    }
}

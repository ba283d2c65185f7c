#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
@testable import IPCBenchCore
@testable import IPCBenchCLI

/// Every export, parsed back with Foundation's JSONSerialization (or read as text for .hgrm)
/// and checked field by field against the shape its tool documents.
final class ExportTests: LeakCheckedTestCase {
    /// Two repetitions each of a latency, a throughput and an open-loop scenario, and a skipped one.
    static func file() throws -> RunFile {
        var results: [RepetitionResult] = []
        for rep in 1...2 {
            var lat = RepetitionResult(scenario: Scenario(mechanism: "pipe", mode: .latency, payloadBytes: 64, messages: 100), repetition: rep, status: .ok)
            lat.latency = Histogram(values: (1...100).map { UInt64(1000 * rep + $0 * 10) })
            var thr = RepetitionResult(scenario: Scenario(mechanism: "shm-posix", mode: .throughput, payloadBytes: 4096, wait: .spin, messages: 1000),
                                       repetition: rep, status: .ok)
            thr.totalMessages = 1000
            thr.windowNs = UInt64(1_000_000 * rep)
            var open = RepetitionResult(scenario: Scenario(mechanism: "pipe", mode: .openLoop, payloadBytes: 64, messages: 100, rate: 1000),
                                        repetition: rep, status: .ok)
            open.oneWay = Histogram(values: (1...50).map { UInt64(500 + $0) })
            open.totalMessages = 100
            open.windowNs = 100_000_000
            results += [lat, thr, open]
        }
        results.append(RepetitionResult(scenario: Scenario(mechanism: "posix-mq", mode: .latency, payloadBytes: 65536, messages: 10),
                                        repetition: 1, status: .skipped, note: "too big"))
        let machine = MachineInfo(hostname: "h", kernel: "6.1", cpuModel: "CPU", cpus: 2)
        let rows = results.map { CSVReport.row($0, machine: machine, timestamp: "t", run: RunLabel(commit: "abc", label: "x")) }
        let document = RunDocument.json(rows: rows, machine: machine, timestamp: "t", suite: "s", clockOverheadNs: 30, results: results)
        return try RunFile.parse(document.render(), name: "run.json")
    }

    func object(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    func testBencherMetricFormatHasOneBenchmarkPerScenarioWithNumericValueAndBounds() throws {
        let files = try Exporter.render(.bmf, Self.file(), path: "out.json")
        XCTAssertEqual(files.map(\.path), ["out.json"])
        let root = try XCTUnwrap(object(files[0].content) as? [String: Any])
        XCTAssertEqual(Set(root.keys), ["pipe/latency/64/cross-core/1/block", "shm-posix/throughput/4096/cross-core/1/spin",
                                        "pipe/openloop/64/cross-core/1/block"], "the skipped scenario is left out")
        for (name, measures) in root {
            let byMeasure = try XCTUnwrap(measures as? [String: Any], name)
            XCTAssertFalse(byMeasure.isEmpty, name)
            for (measure, metric) in byMeasure {
                XCTAssertTrue(["latency", "throughput"].contains(measure), "\(name): \(measure)")
                let fields = try XCTUnwrap(metric as? [String: Any], "\(name) \(measure)")
                XCTAssertEqual(Set(fields.keys), ["value", "lower_value", "upper_value"])
                let value = try XCTUnwrap(fields["value"] as? Double), low = try XCTUnwrap(fields["lower_value"] as? Double)
                let high = try XCTUnwrap(fields["upper_value"] as? Double)
                XCTAssertTrue(low <= value && value <= high, "\(name) \(measure): \(low) \(value) \(high)")
            }
        }
        let pipe = try XCTUnwrap(root["pipe/latency/64/cross-core/1/block"] as? [String: [String: Double]])
        XCTAssertEqual(Set(pipe.keys), ["latency"])
        // p50 of each repetition: 1000·rep + 500 (+ bucket rounding); the median of two is their mean.
        XCTAssertEqual(pipe["latency"]!["value"]!, 2000, accuracy: 20)
        let ring = try XCTUnwrap(root["shm-posix/throughput/4096/cross-core/1/spin"] as? [String: [String: Double]])
        XCTAssertEqual(ring["throughput"]!["upper_value"], 1_000_000, "messages per second, not MiB/s")
        XCTAssertEqual(ring["throughput"]!["lower_value"], 500_000)
        let open = try XCTUnwrap(root["pipe/openloop/64/cross-core/1/block"] as? [String: [String: Double]])
        XCTAssertEqual(Set(open.keys), ["latency", "throughput"])
    }

    func testGitHubActionBenchmarkWritesASmallerAndABiggerFileOfNamedEntries() throws {
        let files = try Exporter.render(.githubActionBenchmark, Self.file(), path: "bench.json")
        XCTAssertEqual(files.map(\.path), ["bench-smaller.json", "bench-bigger.json"])
        var names: [String] = []
        for (file, units) in zip(files, [["ns"], ["MiB/s", "msgs/s"]]) {
            let entries = try XCTUnwrap(object(file.content) as? [[String: Any]], file.path)
            XCTAssertFalse(entries.isEmpty, file.path)
            for entry in entries {
                XCTAssertEqual(Set(entry.keys), ["name", "unit", "value", "range", "extra"], file.path)
                let name = try XCTUnwrap(entry["name"] as? String)
                XCTAssertTrue(units.contains(try XCTUnwrap(entry["unit"] as? String)), "\(file.path): \(name)")
                XCTAssertNotNil(entry["value"] as? Double, name)
                XCTAssertTrue((entry["range"] as? String)?.hasPrefix("± ") ?? false, name)
                XCTAssertNotNil(entry["extra"] as? String, name)
                names.append(name)
            }
        }
        XCTAssertEqual(Set(names).count, names.count, "names are unique")
        XCTAssertTrue(names.contains("pipe/latency/64/cross-core/1/block p50 rtt"), "\(names)")
        XCTAssertTrue(names.contains("pipe/openloop/64/cross-core/1/block p99 one-way"), "\(names)")
        XCTAssertTrue(names.contains("shm-posix/throughput/4096/cross-core/1/spin MiB/s"), "\(names)")
    }

    func testExportNamesStayTheSameFromRunToRun() throws {
        let a = try Exporter.render(.githubActionBenchmark, Self.file(), path: "x")
        let b = try Exporter.render(.githubActionBenchmark, Self.file(), path: "x")
        XCTAssertEqual(a.map(\.content), b.map(\.content))
    }

    func testHgrmFilesAreHdrHistogramPercentileDistributionsInMicroseconds() throws {
        let file = try Self.file()
        let files = try Exporter.render(.hgrm, file, path: "dir/")
        XCTAssertEqual(Set(files.map(\.path)), ["dir/pipe_latency_64_cross-core_1_block_rtt.hgrm", "dir/pipe_openloop_64_cross-core_1_block_oneway.hgrm"])
        let text = try XCTUnwrap(files.first { $0.path.hasSuffix("_rtt.hgrm") }?.content)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines[0].split(separator: " "), ["Value", "Percentile", "TotalCount", "1/(1-Percentile)"])
        XCTAssertEqual(lines[1], "")
        var previous = (value: 0.0, percentile: -1.0, count: 0)
        var table = lines.dropFirst(2).filter { !$0.hasPrefix("#") && !$0.isEmpty }
        let last = table.removeLast().split(separator: " ")
        for line in table {
            let f = line.split(separator: " ")
            XCTAssertEqual(f.count, 4, String(line))
            let v = try XCTUnwrap(Double(f[0])), p = try XCTUnwrap(Double(f[1])), c = try XCTUnwrap(Int(f[2])), inv = try XCTUnwrap(Double(f[3]))
            XCTAssertTrue(v >= previous.value && p > previous.percentile && c >= previous.count, String(line))
            XCTAssertEqual(inv, 1 / (1 - p), accuracy: 0.01 + inv * 1e-9, String(line))
            previous = (v, p, c)
        }
        XCTAssertEqual(last.count, 3)
        XCTAssertEqual(last[1], "1.000000000000")
        XCTAssertEqual(last[2], "200", "two repetitions of 100 merged")
        XCTAssertTrue(table.contains { $0.contains(" 0.500000000000 ") })
        // The p50 line is the merged histogram's p50, in µs.
        let merged = try XCTUnwrap(file.spectra.histogram(ScenarioKey(mechanism: "pipe", mode: .latency, payloadBytes: 64, placement: .crossCore,
                                                                      pairs: 1, wait: .block), .roundTrip))
        let p50 = try XCTUnwrap(table.first { $0.contains(" 0.500000000000 ") }?.split(separator: " ")[0])
        XCTAssertEqual(Double(p50), Double(merged.percentile(50)!) / 1000)
        XCTAssertTrue(text.contains("#[Mean    = "), text)
        XCTAssertTrue(text.contains(", StdDeviation   = "))
        XCTAssertTrue(text.contains("#[Max     = ") && text.contains("Total count    =          200]"), text)
    }

    func testTheRunJSONCarriesTheRowsTheLabelAndTheHistograms() throws {
        let file = try Self.file()
        XCTAssertEqual(file.results.rows.count, 7)
        XCTAssertEqual(file.results.rows[0].run, RunLabel(commit: "abc", label: "x"))
        XCTAssertEqual(file.spectra.entries.count, 2)
        XCTAssertEqual(file.spectra.entries[0].repetitions, 2)
        XCTAssertEqual(file.spectra.entries[0].histogram.count, 200)
    }

    func testACSVHasNoHistogramsAndNothingToExportIsExitTwo() throws {
        let dir = try PrivateDirectory(prefix: "ipcbench-exporttest")
        defer { removeTree(dir.path) }
        let csv = "\(dir.path)/r.csv"
        let set = try Self.file().results
        try AtomicFile.write(CSVReport.renderRaw([set.columns] + [CSVReport.columns.map { _ in "" }].dropFirst()), to: csv)
        XCTAssertEqual(ExportCommand.run([csv, "--format", "bmf"]), 2, "no rows")
        XCTAssertEqual(ExportCommand.run([csv]), 64, "--format is required")
        XCTAssertEqual(ExportCommand.run([csv, "--format", "xml"]), 64)
        XCTAssertEqual(ExportCommand.run([csv, "--format", "hgrm", "--output", "-"]), 64)
        XCTAssertEqual(ExportCommand.run(["\(dir.path)/missing.csv", "--format", "bmf"]), 2)
    }

    func testRunExportFlagsParse() throws {
        guard case let .run(o) = try ArgumentParser.parse(["run", "--commit", "abc123", "--label", "nightly",
                                                           "--export", "bmf=b.json,github-action-benchmark=g"]) else { return XCTFail() }
        XCTAssertEqual(o.runLabel, RunLabel(commit: "abc123", label: "nightly"))
        XCTAssertEqual(o.exports, [ExportRequest(format: .bmf, path: "b.json"), ExportRequest(format: .githubActionBenchmark, path: "g")])
        for bad in [["--export", "csv=x"], ["--export", "bmf="], ["--export", "bmf=a,bmf=b"], ["--commit", ""], ["--label", "a\u{1B}[2J"]] {
            XCTAssertThrowsError(try ArgumentParser.parse(bad), "\(bad)")
        }
    }
}

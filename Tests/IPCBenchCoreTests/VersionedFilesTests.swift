import Foundation
import XCTest
@testable import IPCBenchCLI
@testable import IPCBenchCore

/// Files of two versions of ipcbench compare on the columns they share; a JSON input that is
/// wrong is named as JSON, with its byte or row.
final class VersionedFilesTests: PrivateDirectoryTestCase {
    private func file(_ name: String, _ text: String) -> String {
        let path = "\(directory.path)/\(name)"
        try! AtomicFile.write(text, to: path)
        return path
    }

    /// A throughput row of `columns` (any subset of this version's, plus any other names).
    private func row(_ columns: [String], _ mechanism: String, _ rep: Int, mib: Double, extra: String = "7") -> String {
        var cells = Dictionary(uniqueKeysWithValues: CSVReport.columns.map { ($0, "") })
        cells["mechanism"] = mechanism; cells["mode"] = "throughput"; cells["payload_bytes"] = "4096"
        cells["placement"] = "cross-core"; cells["pairs"] = "1"; cells["wait"] = "block"; cells["copy"] = "copy"
        cells["repetition"] = String(rep); cells["status"] = "ok"; cells["mib_per_s"] = fixed(mib, 3)
        cells["hostname"] = "h"; cells["cpus"] = "2"
        return columns.map { cells[$0] ?? extra }.joined(separator: ",")
    }

    private func csv(_ columns: [String], mib: Double, extra: String = "7") -> String {
        ([columns.joined(separator: ",")] + (1...5).map { row(columns, "pipe", $0, mib: mib + Double($0), extra: extra) }).joined(separator: "\r\n")
    }

    private func compare(_ a: String, _ b: String) throws -> ComparisonReport {
        try Comparator.compare(baseline: try ResultSet.load(a), candidate: try ResultSet.load(b))
    }

    func testAColumnANewerReleaseAddedIsListedAndTheRestCompares() throws {
        let old = file("old.csv", csv(CSVReport.columns, mib: 1000))
        let new = file("new.csv", csv(CSVReport.columns + ["frobs_per_msg"], mib: 1000))
        let report = try compare(old, new)
        XCTAssertEqual(report.columnsOnlyInCandidate, ["frobs_per_msg"])
        XCTAssertEqual(report.columnsOnlyInBaseline, [])
        XCTAssertEqual(report.comparisons.filter { $0.metric == ResultSchema.mibPerSecond }.map(\.verdict), [.unchanged])
        XCTAssertEqual(CompareCommand.run([old, new, "--output", "\(directory.path)/out.txt"]), 0)
        let text = try XCTUnwrap(ProcFiles.read("\(directory.path)/out.txt"))
        XCTAssertTrue(text.contains("columns only in NEW, not compared: frobs_per_msg"), text)
        // The other way round too: a baseline from the newer release.
        XCTAssertEqual(try compare(new, old).columnsOnlyInBaseline, ["frobs_per_msg"])
        XCTAssertEqual(CompareCommand.run([new, old, "--format", "json", "--output", "\(directory.path)/out.json"]), 0)
        let json = try JSONReader.parse(try XCTUnwrap(ProcFiles.read("\(directory.path)/out.json")))
        XCTAssertEqual(json["columns_only_in_baseline"]?.array?.compactMap(\.string), ["frobs_per_msg"])
    }

    func testAFileFromBeforeTheLaterColumnsComparesWithTheirDefaults() throws {
        // The first CSV version: no copy, topology or cpu_pair key, no counts, no probes.
        let first = CSVReport.columns.filter { name in !ResultSchema.columns.contains { $0.name == name && $0.addedLater } }
        let old = file("first.csv", csv(first, mib: 1000))
        let new = file("now.csv", csv(CSVReport.columns, mib: 700))
        let report = try compare(old, new)
        // `copy` absent reads as copy, so the scenario is the same one and its change is seen.
        XCTAssertEqual(report.onlyInBaseline, [])
        XCTAssertEqual(report.onlyInCandidate, [])
        XCTAssertEqual(report.comparisons.filter { $0.metric == ResultSchema.mibPerSecond }.map(\.verdict), [.regressed])
        XCTAssertTrue(report.columnsOnlyInCandidate.contains("copy"))
        XCTAssertTrue(report.columnsOnlyInCandidate.contains("syscalls_per_msg"))
        XCTAssertFalse(report.comparisons.contains { report.columnsOnlyInCandidate.contains($0.metric.name) })
        XCTAssertEqual(CompareCommand.run([old, new]), 1)
    }

    func testFilesThatShareNoMetricAreADifferentSchema() throws {
        let keys = ResultSet.requiredColumns + ["hostname", "cpus"]
        let a = file("a.csv", csv(keys + ["mib_per_s"], mib: 1000))
        let b = file("b.csv", csv(keys + ["frobs_per_msg"], mib: 1000))
        XCTAssertThrowsError(try compare(a, b)) { error in
            XCTAssertTrue("\(error)".contains("share no metric column"), "\(error)")
        }
        XCTAssertEqual(CompareCommand.run([a, b]), ExitCode.differentSchema)
    }

    func testAMalformedJSONIsAJSONErrorWithItsByte() throws {
        let truncated = file("truncated.json", "{\"columns\": [\"mechanism\", ")
        XCTAssertThrowsError(try ResultSet.load(truncated)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("\(truncated): malformed JSON: byte "), text)
            XCTAssertFalse(text.contains("CSV"), text)
        }
        let trailing = file("trailing.json", "{\"columns\": [], \"rows\": []} x")
        XCTAssertThrowsError(try ResultSet.load(trailing)) { XCTAssertTrue("\($0)".contains("malformed JSON: byte 28: text after the document"), "\($0)") }
        XCTAssertEqual(CompareCommand.run([truncated, truncated]), ExitCode.badInput)
    }

    func testAWrongRowOfAJSONIsNamedByItsIndex() throws {
        let columns = ResultSet.requiredColumns
        func object(_ status: String) -> String {
            "{" + columns.map { c in
                let v = ["mechanism": "pipe", "mode": "throughput", "payload_bytes": "4096", "placement": "cross-core",
                         "pairs": "1", "wait": "block", "repetition": "1", "status": status][c] ?? ""
                return "\"\(c)\": \"\(v)\""
            }.joined(separator: ", ") + "}"
        }
        let text = "{\"columns\": [" + columns.map { "\"\($0)\"" }.joined(separator: ", ") + "], \"rows\": [" + object("ok") + ", " + object("maybe") + "]}"
        let path = file("rows.json", text)
        XCTAssertThrowsError(try ResultSet.load(path)) { error in
            XCTAssertTrue("\(error)".contains("malformed JSON: rows[1]: status 'maybe'"), "\(error)")
        }
    }
}

import Glibc
import XCTest
@testable import IPCBenchCore

/// Runs started at the same time: each gets its own report and its own objects, and the rows
/// are the same as for a run alone.
final class ConcurrentRunTests: FaultTestCase {
    // MARK: - Two runs at once

    /// Four default runs started together in one folder: four reports, none overwritten.
    func testRunsStartedTogetherWithTheDefaultOutputNeverShareAFile() throws {
        let arguments = ["run", "--mechanisms", "pipe", "--modes", "latency", "--sizes", "64", "--waits", "block",
                         "--messages", "50", "--repetitions", "1", "--quiet"]
        let runs = (1...4).map { _ in start(arguments, workingDirectory: folder.path) }
        for (n, run) in runs.enumerated() {
            let out = try XCTUnwrap(run.wait(atMost: 60), "run \(n + 1) hung")
            XCTAssertEqual(out.status, 0, "run \(n + 1): \(out.stderr)")
        }
        let reports = SystemObjects.entries("\(folder.path)/results/runs")
        XCTAssertEqual(reports.count, 4, "\(reports.sorted())")
        for name in reports {
            XCTAssertTrue(name.hasPrefix("ipcbench-") && name.hasSuffix(".csv"), name)
            XCTAssertEqual(try ResultSet.load("\(folder.path)/results/runs/\(name)").rows.count, 1, name)
            unlink("\(folder.path)/results/runs/\(name)")
        }
        rmdir("\(folder.path)/results/runs")
        rmdir("\(folder.path)/results")
    }

    /// What keeps the default reports apart: a name that is taken is never taken over.
    func testAnOutputNameThatIsTakenIsNeverTakenOver() throws {
        let taken = "\(folder.path)/taken.csv"
        XCTAssertTrue(try AtomicFile.createExclusively(taken))
        XCTAssertFalse(try AtomicFile.createExclusively(taken))
        unlink(taken)
    }

    func testTwoRunsAtOnceBothCompleteCleanly() throws {
        let arguments = ["run", "--mechanisms", "all", "--modes", "latency,throughput", "--sizes", "64",
                         "--waits", "block,spin", "--messages", "300", "--repetitions", "1", "--quiet", "--timeout", "20"]
        let runs = (1...2).map { n in start(arguments + ["--output", "\(folder.path)/twin-\(n).csv"]) }
        var rowsOf: [[ResultRow]] = []
        for (n, run) in runs.enumerated() {
            let out = try XCTUnwrap(run.wait(atMost: 60), "run \(n + 1) hung")
            XCTAssertEqual(out.status, 0, "run \(n + 1): \(out.stderr)")
            rowsOf.append(try ResultSet.load("\(folder.path)/twin-\(n + 1).csv").rows)
        }
        // Modes, sizes and waits as asked; each mechanism in the copy modes it has.
        let expected = MechanismRegistry.all.map { 2 * 2 * $0.traits.copyModes.count }.reduce(0, +)
        for (n, rows) in rowsOf.enumerated() {
            XCTAssertEqual(rows.count, expected, "run \(n + 1): one row per scenario")
            let bad = rows.filter { $0.status != .ok && $0.status != .skipped }.map { "\($0.key): \($0.note)" }
            XCTAssertEqual(bad, [], "run \(n + 1)")
        }
        XCTAssertEqual(rowsOf[0].map { "\($0.key) \($0.status)" }, rowsOf[1].map { "\($0.key) \($0.status)" },
                       "the same sweep gives the same rows, whatever runs beside it")
    }
}

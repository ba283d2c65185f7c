import Glibc
import XCTest
@testable import IPCBenchCore

/// The coordinator interrupted (SIGINT, SIGTERM) or killed outright (SIGKILL) mid-sweep: the
/// workers are gone, only complete rows are reported, and what was measured is kept.
final class InterruptedRunTests: FaultTestCase {
    // MARK: - The coordinator interrupted

    func testSIGINTEndsASweepWithWorkersGoneAndOnlyCompleteRows() throws {
        try assertTheSignalEndsASweepWithWorkersGoneAndOnlyCompleteRows(SIGINT)
    }

    func testSIGTERMEndsASweepWithWorkersGoneAndOnlyCompleteRows() throws {
        try assertTheSignalEndsASweepWithWorkersGoneAndOnlyCompleteRows(SIGTERM)
    }

    private func assertTheSignalEndsASweepWithWorkersGoneAndOnlyCompleteRows(_ signal: Int32) throws {
        let csv = "\(folder.path)/interrupted-\(signal).csv"
        let before = SystemObjects.snapshot()
        let run = start([
            "run", "--mechanisms", "all", "--modes", "latency,throughput", "--sizes", "64,4K",
            "--messages", "2000", "--repetitions", "2", "--quiet", "--output", csv,
        ])
        var seen: Set<pid_t> = []
        // Mid-sweep: some scenarios done, a pair of workers running.
        _ = secondsUntil(timeout: 10) {
            seen.formUnion(run.children)
            return run.secondsSinceStart > 0.8 && self.workers(of: run).count >= 2
        }
        XCTAssertNil(run.poll(), "the sweep ended before it could be interrupted")
        run.signal(signal)
        let t0 = MonotonicClock.nowNs()
        _ = secondsUntil(timeout: 10) {
            seen.formUnion(run.children)
            return run.poll() != nil
        }
        let out = try XCTUnwrap(run.wait(atMost: 1), "signal \(signal): still running")
        XCTAssertLessThan(Double(MonotonicClock.nowNs() - t0) / 1e9, 3, "signal \(signal): slow to end")
        XCTAssertEqual(out.status, 128 + signal, "signal \(signal): \(out.stderr)")
        XCTAssertTrue(out.stderr.contains("interrupted by signal \(signal)"), out.stderr)

        let gone = secondsUntil(timeout: 2) { seen.allSatisfy { ProgramRunner.status(of: $0) == nil } }
        XCTAssertNotNil(gone, "signal \(signal): processes left: \(seen.filter { ProgramRunner.status(of: $0) != nil })")
        let leaked = settledLeaks(since: before)
        XCTAssertEqual(leaked, [], "signal \(signal) left objects")

        guard access(csv, F_OK) == 0 else { return }  // absent is fine
        let text = try XCTUnwrap(ProcFiles.read(csv, limit: 1 << 24))
        XCTAssertTrue(text.hasSuffix("\r\n"), "signal \(signal): the CSV ends mid-line")
        let lines = text.split(separator: "\r\n").map(String.init)
        let header = try XCTUnwrap(lines.first)
        XCTAssertEqual(header, CSVReport.columns.joined(separator: ","))
        XCTAssertLessThan(lines.count - 1, MechanismRegistry.names.count * 2 * 2 * 2, "signal \(signal): the sweep was not interrupted")
        for line in lines.dropFirst() {
            do {
                let one = try ResultSet.parse(header + "\r\n" + line + "\r\n", name: "line")
                XCTAssertEqual(one.rows.count, 1)
                XCTAssertNotNil(one.rows.first?.status, line)
                XCTAssertFalse(one.rows.first?.note.contains("interrupted") ?? false, "an interrupted repetition was reported: \(line)")
            } catch {
                XCTFail("signal \(signal): \(error): \(line)")
            }
        }
    }

    func testAnInterruptedRunWithNoRowsPrintsNoTableAndLeavesNoFile() throws {
        let csv = "\(folder.path)/nothing.csv"
        let run = start(
            ["run", "--mechanisms", "pipe", "--modes", "latency", "--waits", "block", "--sizes", "8",
             "--messages", "1000000000", "--repetitions", "1", "--output", csv])
        XCTAssertNotNil(secondsUntil(timeout: 10) { self.workers(of: run).count >= 2 }, "the scenario never started")
        run.signal(SIGINT)
        let out = try XCTUnwrap(run.wait(atMost: 10))
        XCTAssertEqual(out.status, 128 + SIGINT, out.stderr)
        XCTAssertFalse(out.stdout.contains("mechanism"), "an empty table was printed: \(out.stdout)")
        XCTAssertEqual(SystemObjects.entries(folder.path), [], "no CSV and no partial file for a run with no rows")
    }

    /// A coordinator killed outright (SIGKILL: nothing runs after it) leaves the rows it had
    /// completed in `<output>.partial`, a CSV compare and plot read.
    func testAKilledRunLeavesTheRowsItCompletedInThePartialFile() throws {
        let csv = "\(folder.path)/killed.csv"
        let partial = csv + ".partial"
        defer { unlink(partial) }
        let run = start(
            ["run", "--mechanisms", "pipe", "--modes", "latency", "--sizes", "64,128,256,512,1K,2K,4K,8K", "--waits", "block",
             "--messages", "2000", "--repetitions", "3", "--quiet", "--output", csv])
        let rowsSoFar = { (ProcFiles.read(partial)?.split(separator: "\r\n").count ?? 0) - 1 }
        XCTAssertNotNil(secondsUntil(timeout: 20) { rowsSoFar() >= 3 }, "no rows were kept")
        run.signal(SIGKILL)
        _ = run.wait(atMost: 10)
        XCTAssertEqual(access(csv, F_OK), -1, "no report: the coordinator was killed")
        let rows = try ResultSet.load(partial).rows
        XCTAssertGreaterThanOrEqual(rows.count, 3)
        XCTAssertLessThan(rows.count, 24, "the run was not killed half-way")
        XCTAssertTrue(rows.allSatisfy { $0.status == .ok && $0[ResultSchema.rttP50Ns] != nil }, "\(rows.map(\.note))")
    }
}

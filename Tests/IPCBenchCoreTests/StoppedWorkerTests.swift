import Glibc
import XCTest
@testable import IPCBenchCore

/// A worker stopped (SIGSTOP) mid-run: the timeout ends the scenario and no stopped or zombie
/// process is left.
final class StoppedWorkerTests: FaultTestCase {
    // MARK: - A worker stopped (SIGSTOP)

    func testAStoppedPipeWorkerIsEndedByTheTimeoutLeavingNoStoppedOrZombieProcess() throws {
        try assertAStoppedWorkerIsEndedByTheTimeoutLeavingNoStoppedOrZombieProcess("pipe")
    }

    func testAStoppedShmPosixWorkerIsEndedByTheTimeoutLeavingNoStoppedOrZombieProcess() throws {
        try assertAStoppedWorkerIsEndedByTheTimeoutLeavingNoStoppedOrZombieProcess("shm-posix")
    }

    private func assertAStoppedWorkerIsEndedByTheTimeoutLeavingNoStoppedOrZombieProcess(_ mechanism: String) throws {
        let csv = "\(folder.path)/stopped-\(mechanism).csv"
        let run = start([
            "run", "--mechanisms", mechanism, "--modes", "latency", "--waits", "block", "--sizes", "8",
            "--messages", "1000000000", "--repetitions", "1", "--timeout", "1", "--quiet", "--output", csv,
        ])
        guard let pair = newWorkers(of: run, count: 2, excluding: []) else {
            XCTFail("\(mechanism): no workers appeared")
            return
        }
        let group = ProgramRunner.status(of: pair.first!)?.group ?? pair.first!
        usleep(200_000)
        kill(pair.last!, SIGSTOP)
        let out = try XCTUnwrap(run.wait(atMost: 10), "\(mechanism): still running 10 s after a worker stopped")
        XCTAssertLessThan(run.secondsSinceStart, 4, "\(mechanism): --timeout 1 took too long")
        XCTAssertEqual(out.status, 1, "\(mechanism): \(out.stderr)")
        XCTAssertTrue(out.stderr.contains("timed out"), "\(mechanism): \(out.stderr)")
        let row = try XCTUnwrap(ResultSet.load(csv).rows.first)
        XCTAssertEqual(row.status, .failed)
        XCTAssertTrue(row.note.contains("timed out after 1 s"), "\(mechanism): \(row.note)")

        let gone = secondsUntil(timeout: 2) { ProgramRunner.processes(inGroup: group).isEmpty }
        let left = ProgramRunner.processes(inGroup: group).map { "\($0.pid) state \($0.state)" }
        XCTAssertNotNil(gone, "\(mechanism): processes of the workers' group left: \(left)")
        for pid in pair {
            if let s = ProgramRunner.status(of: pid) {
                XCTAssertFalse(s.state == "T" || s.state == "Z", "\(mechanism): worker \(pid) left in state \(s.state)")
            }
        }
    }
}

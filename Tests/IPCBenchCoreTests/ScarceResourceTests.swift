import Glibc
import XCTest
@testable import IPCBenchCore

/// Limits too small to work in: a handful of descriptors, no POSIX queue budget, a full TMPDIR.
/// The run ends with a clear error or skips and fails the scenarios that cannot run, and leaks nothing.
final class ScarceResourceTests: FaultTestCase {
    // MARK: - Limits too small to work in

    func testTinyOpenFileLimitsEndInAClearErrorAndLeakNothing() throws {
        let before = SystemObjects.snapshot()
        var failures = 0
        for limit: UInt64 in [4, 5, 6, 8, 12] {
            let csv = "\(folder.path)/nofile-\(limit).csv"
            let run = start(
                ["run", "--mechanisms", "pipe,tcp,posix-mq", "--modes", "latency", "--waits", "block", "--sizes", "64", "--messages", "50",
                 "--repetitions", "1", "--quiet", "--output", csv],
                limits: [.openFiles(limit)])
            let out = try XCTUnwrap(run.wait(atMost: 30), "RLIMIT_NOFILE \(limit): hung")
            XCTAssertEqual(SystemObjects.entries(tmp).filter { $0.hasPrefix("ipcbench.") }, [], "RLIMIT_NOFILE \(limit): the run's temp folder was left")
            XCTAssertLessThan(out.status, 128, "RLIMIT_NOFILE \(limit): ended by a signal: \(out.stderr)")
            if out.status == 0 {
                // Enough descriptors after all: then a complete, clean report.
                let rows = try ResultSet.load(csv).rows
                XCTAssertEqual(rows.map(\.status), [.ok, .ok, .ok], "RLIMIT_NOFILE \(limit)")
                continue
            }
            failures += 1
            let lines = out.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "RLIMIT_NOFILE \(limit): \(out.stderr)")
            XCTAssertTrue(out.stderr.contains("EMFILE") || out.stderr.contains("Too many open files"),
                          "RLIMIT_NOFILE \(limit): the error does not say descriptors ran out: \(out.stderr)")
            XCTAssertNotEqual(out.status, 64, "RLIMIT_NOFILE \(limit): exit 64 blames the command line: \(out.stderr)")
            XCTAssertEqual(settledLeaks(since: before), [], "RLIMIT_NOFILE \(limit)")
        }
        XCTAssertGreaterThan(failures, 0, "no limit was small enough to fail: the test proves nothing")
    }

    func testWithNoPOSIXQueueBudgetPosixMQRowsAreSkippedNamingTheLimit() throws {
        let csv = "\(folder.path)/msgqueue.csv"
        let run = start(
            ["run", "--mechanisms", "posix-mq,pipe", "--modes", "latency,throughput", "--sizes", "64,4K",
             "--waits", "block", "--messages", "50", "--repetitions", "1", "--quiet", "--output", csv],
            limits: [.messageQueueBytes(0)])
        let out = try XCTUnwrap(run.wait(atMost: 30))
        XCTAssertEqual(out.status, 0, out.stderr)
        let rows = try ResultSet.load(csv).rows
        let queues = rows.filter { $0.key.mechanism == "posix-mq" }
        XCTAssertEqual(queues.count, 4)
        for row in queues {
            XCTAssertEqual(row.status, .skipped, "\(row.key): \(row.note)")
            XCTAssertTrue(row.note.contains("RLIMIT_MSGQUEUE"), "\(row.key): \(row.note)")
        }
        XCTAssertTrue(rows.filter { $0.key.mechanism == "pipe" }.allSatisfy { $0.status == .ok })
    }

    /// A ring file that cannot get its blocks (TMPDIR a full 64 KiB tmpfs) used to kill the
    /// coordinator with SIGBUS on its first store into the mapping: now the scenario fails with
    /// a note, and --keep-going keeps the pipe rows and goes on.
    func testAFullTMPDIRFailsTheMappedRingScenarioAndKeepGoingGoesOn() throws {
        let tiny = try mountFullTmpfs("tiny-tmpfs")
        defer { unmount(tiny) }

        let csv = "\(folder.path)/full-tmpdir.csv"
        let run = start(
            ["run", "--mechanisms", "pipe,shm-mmap", "--modes", "latency", "--sizes", "64", "--messages", "200",
             "--repetitions", "1", "--keep-going", "--quiet", "--output", csv],
            environment: ["TMPDIR": tiny])
        let out = try XCTUnwrap(run.wait(atMost: 60))
        XCTAssertNotEqual(out.status, 128 + SIGBUS, "the coordinator died of SIGBUS: \(out.stderr)")
        XCTAssertEqual(out.status, 1, "a failed scenario with --keep-going: \(out.stderr)")
        let rows = try ResultSet.load(csv).rows
        XCTAssertEqual(rows.filter { $0.key.mechanism == "pipe" }.map(\.status), [.ok, .ok], "the pipe rows are kept")
        let rings = rows.filter { $0.key.mechanism == "shm-mmap" }
        XCTAssertEqual(rings.map(\.status), [.failed, .failed, .failed, .failed], "both waits, both copy modes")
        for ring in rings {
            XCTAssertTrue(ring.note.contains("ring file in TMPDIR") && ring.note.contains("ENOSPC"), ring.note)
        }
        XCTAssertEqual(SystemObjects.entries(tiny), ["filler"], "the run's temp folder is gone from the full TMPDIR")
    }
}

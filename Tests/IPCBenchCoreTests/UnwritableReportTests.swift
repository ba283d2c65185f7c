import Glibc
import XCTest
@testable import IPCBenchCore

/// A report that cannot be written (a file size limit, a folder in the way, a full or read-only
/// file system): the run says so in one line and exits 73 (or 64), and the rows it measured are
/// kept in the partial file, in TMPDIR or on standard output.
final class UnwritableReportTests: FaultTestCase {
    // MARK: - A report that cannot be written

    func testACSVThatCannotBeWrittenIsExit73WithOneLineAndNoTempFile() throws {
        let csv = "\(folder.path)/too-big.csv"
        // RLIMIT_FSIZE 512 bytes: the header alone is longer, so every file write fails: the
        // report, the partial file, and the rescue files in TMPDIR and the working folder.
        let run = start(
            ["run", "--mechanisms", "pipe", "--modes", "latency", "--sizes", "64", "--messages", "50",
             "--repetitions", "1", "--quiet", "--output", csv],
            workingDirectory: folder.path, limits: [.fileSizeBytes(512)])
        let out = try XCTUnwrap(run.wait(atMost: 30))
        XCTAssertNotEqual(out.status, 128 + SIGXFSZ, "ipcbench was killed by SIGXFSZ instead of reporting the failed write")
        XCTAssertEqual(out.status, 73, out.stderr)
        XCTAssertEqual(out.stderr.split(separator: "\n").count, 1, out.stderr)
        XCTAssertTrue(out.stderr.hasPrefix("ipcbench: ") && out.stderr.contains(csv), out.stderr)
        XCTAssertTrue(out.stderr.contains("could not be written anywhere"), "says the rows are lost: \(out.stderr)")
        XCTAssertEqual(SystemObjects.entries(folder.path), [], "the output folder must hold nothing: no CSV, no temp or partial file")
        XCTAssertEqual(SystemObjects.entries(tmp).filter { $0.hasPrefix("ipcbench-rescued") || $0.hasSuffix(".tmp") }, [], "no half-written rescue file")
    }

    // MARK: - What was measured is never lost

    /// The report cannot replace the output (a folder appeared at its path): every row is in
    /// `<output>.partial`, which says so, and the run still prints its table.
    func testWhenTheReportCannotBeWrittenTheRowsStayInThePartialFile() throws {
        let csv = "\(folder.path)/blocked.csv"
        let partial = csv + ".partial"
        let run = start(
            ["run", "--mechanisms", "pipe,unix-stream", "--modes", "latency,throughput", "--sizes", "64,4K", "--waits", "block",
             "--messages", "3000", "--repetitions", "2", "--output", csv])
        XCTAssertNotNil(secondsUntil(timeout: 10) { access(partial, F_OK) == 0 }, "no partial file appeared")
        XCTAssertEqual(mkdir(csv, 0o700), 0)
        defer { rmdir(csv); unlink(partial) }
        XCTAssertNil(run.poll(), "the run ended before the output was blocked")
        let out = try XCTUnwrap(run.wait(atMost: 60))
        XCTAssertEqual(out.status, 73, out.stderr)
        XCTAssertTrue(out.stderr.contains("the 16 rows are in \(partial)"), out.stderr)
        XCTAssertTrue(out.stdout.contains("unix-stream  throughput"), "the table is printed all the same: \(out.stdout)")
        let rows = try ResultSet.load(partial).rows
        XCTAssertEqual(rows.count, 16)
        XCTAssertTrue(rows.allSatisfy { $0.status == .ok }, "\(rows.map(\.note))")
    }

    /// Nothing beside the output can be written (its folder a full tmpfs): the rows go to a
    /// named file in TMPDIR; with TMPDIR and the working folder full too, to standard output.
    func testWhenNothingBesideTheOutputCanBeWrittenTheRowsGoToTMPDIROrStandardOutput() throws {
        let full = try mountFullTmpfs("full-output")
        defer { unmount(full) }
        let arguments = ["run", "--mechanisms", "pipe", "--modes", "latency", "--sizes", "64,4K", "--waits", "block",
                         "--messages", "200", "--repetitions", "1", "--quiet", "--output", "\(full)/r.csv"]
        let toTemp = try XCTUnwrap(start(arguments, workingDirectory: full).wait(atMost: 60))
        XCTAssertEqual(toTemp.status, 73, toTemp.stderr)
        let rescued = SystemObjects.entries(tmp).filter { $0.hasPrefix("ipcbench-rescued-") }
        XCTAssertEqual(rescued.count, 1, "\(toTemp.stderr)")
        for name in rescued {
            XCTAssertTrue(toTemp.stderr.contains("the 2 rows are in \(tmp)/\(name)"), toTemp.stderr)
            XCTAssertEqual(try ResultSet.load("\(tmp)/\(name)").rows.count, 2)
            unlink("\(tmp)/\(name)")
        }
        XCTAssertEqual(SystemObjects.entries(full), ["filler"], "no partial or temp file left on the full file system")

        let toStdout = try XCTUnwrap(start(arguments, workingDirectory: full, environment: ["TMPDIR": full]).wait(atMost: 60))
        XCTAssertEqual(toStdout.status, 73, toStdout.stderr)
        XCTAssertTrue(toStdout.stderr.contains("the 2 rows are on standard output"), toStdout.stderr)
        XCTAssertEqual(try ResultSet.parse(toStdout.stdout, name: "stdout").rows.count, 2)
        XCTAssertEqual(SystemObjects.entries(full), ["filler"])
    }

    /// A working folder that cannot hold `results/runs` says so, not that a folder is missing.
    func testAReadOnlyWorkingFolderSaysWhyTheDefaultOutputCannotBeMade() throws {
        let readOnly = "\(folder.path)/read-only"
        XCTAssertEqual(mkdir(readOnly, 0o700), 0)
        guard mount("tmpfs", readOnly, "tmpfs", UInt(MS_RDONLY), "size=64k") == 0 else {
            rmdir(readOnly)
            throw XCTSkip("cannot mount a tmpfs here (\(errnoName(errno))): needs root or CAP_SYS_ADMIN")
        }
        defer { umount2(readOnly, Int32(MNT_DETACH)); rmdir(readOnly) }
        let out = try XCTUnwrap(start(["run", "--mechanisms", "pipe", "--quiet"], workingDirectory: readOnly).wait(atMost: 30))
        XCTAssertEqual(out.status, 64, out.stderr)
        XCTAssertTrue(out.stderr.contains("results") && out.stderr.contains("EROFS") && out.stderr.contains("--output"), out.stderr)
        XCTAssertFalse(out.stderr.contains("does not exist"), out.stderr)
    }
}

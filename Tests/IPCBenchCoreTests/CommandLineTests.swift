#if canImport(Glibc)
import Glibc
#endif
import XCTest
@testable import IPCBenchCore
@testable import IPCBenchCLI

/// Every invalid flag value is one line that names the flag and what it accepts, exit 64,
/// and no output file.
final class CommandLineTests: LeakCheckedTestCase {
    private func usageError(_ args: [String]) -> String? {
        do {
            _ = try ArgumentParser.parse(args)
            return nil
        } catch {
            return error.message
        }
    }

    func testSizesAcceptTheUsualSpellings() throws {
        guard case let .run(o) = try ArgumentParser.parse(["run", "--sizes", "64,4K,4KiB,1M,1g"]) else { return XCTFail() }
        XCTAssertEqual(o.overrides.sizes, [64, 4096, 1 << 20, 1 << 30])
    }

    func testInvalidSizesNameTheFlagAndTheRange() {
        for bad in ["0", "-5", "abc", "4KB", "2G", "99999999999999999999", "", "1.5K", "4K,"] {
            let message = usageError(["--sizes", bad])
            XCTAssertNotNil(message, "'\(bad)' was accepted")
            XCTAssertTrue(message?.hasPrefix("--sizes:") ?? false, message ?? "")
        }
    }

    func testAnUnknownMechanismListsTheValidNames() {
        let message = usageError(["--mechanisms", "pipe,carrier-pigeon"]) ?? ""
        XCTAssertTrue(message.contains("carrier-pigeon"), message)
        for name in MechanismRegistry.names { XCTAssertTrue(message.contains(name), "\(name) missing from: \(message)") }
    }

    func testUnknownModesPlacementsAndWaitsListTheChoices() {
        XCTAssertTrue(usageError(["--modes", "fast"])?.contains("latency, throughput") ?? false)
        XCTAssertTrue(usageError(["--placements", "numa"])?.contains("cross-core, same-core, unpinned") ?? false)
        XCTAssertTrue(usageError(["--waits", "sleep"])?.contains("block, spin") ?? false)
    }

    func testZeroRepetitionsOrPairsAreRefusedWithTheRange() {
        XCTAssertEqual(usageError(["--repetitions", "0"]), "--repetitions: '0' is not a whole number from 1 to 1000")
        XCTAssertEqual(usageError(["--pairs", "0"]), "--pairs: '0' is not a whole number from 1 to 64")
        XCTAssertNotNil(usageError(["--messages", "-1"]))
        XCTAssertNotNil(usageError(["--timeout", "nan"]))
    }

    func testUnknownOptionsAndMissingValuesAreErrors() {
        XCTAssertNotNil(usageError(["--frobnicate"]))
        XCTAssertEqual(usageError(["--sizes"]), "--sizes needs a value")
        XCTAssertNotNil(usageError(["fly"]))
        XCTAssertNotNil(usageError(["--verify=yes"]))
    }

    func testEqualsSyntaxWorks() throws {
        guard case let .run(o) = try ArgumentParser.parse(["--modes=latency", "--repetitions=2"]) else { return XCTFail() }
        XCTAssertEqual(o.overrides.modes, [.latency])
        XCTAssertEqual(o.overrides.repetitions, 2)
    }

    // MARK: the real binary

    func testTheBinaryExits64WithOneLineAndWritesNoFile() throws {
        let dir = try PrivateDirectory(prefix: "ipcbench-clitest")
        defer { dir.remove() }
        let out = "\(dir.path)/out.csv"
        for args in [["--sizes", "0"], ["--mechanisms", "nope"], ["--repetitions", "0"], ["--pairs", "-1"],
                     ["--modes", "both"], ["--placements", "x"], ["--sizes", "1T"]] {
            let r = ProgramRunner.run(["run"] + args + ["--output", out])
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("ipcbench: \(args[0])"), r.stderr)
            XCTAssertEqual(access(out, F_OK), -1, "\(args) created the output file")
        }
    }

    func testAnUnwritableOutputPathIsRefusedBeforeMeasuring() throws {
        let dir = try PrivateDirectory(prefix: "ipcbench-clitest")
        defer { dir.remove() }
        for path in ["\(dir.path)/missing/out.csv", dir.path, "/proc/ipcbench.csv"] {
            let r = ProgramRunner.run(["--mechanisms", "pipe", "--output", path])
            XCTAssertEqual(r.status, 64, "\(path): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("ipcbench: --output:"), r.stderr)
            XCTAssertEqual(r.stdout, "", "measured before refusing")
        }
    }

    func testASmallRunWritesACSVWithEveryColumnAndExitsZero() throws {
        let dir = try PrivateDirectory(prefix: "ipcbench-clitest")
        defer { dir.remove() }
        let out = "\(dir.path)/run.csv"
        let r = ProgramRunner.run([
            "run", "--mechanisms", "pipe,eventfd", "--modes", "latency,throughput", "--sizes", "8,4K",
            "--repetitions", "2", "--messages", "50", "--waits", "block", "--output", out, "--verify",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let csv = try XCTUnwrap(ProcFiles.read(out))
        let lines = csv.split(separator: "\r\n")
        XCTAssertEqual(lines.first.map(String.init), CSVReport.columns.joined(separator: ","))
        // pipe: 2 modes x 2 sizes; eventfd: 2 modes x 2 sizes (3 of them skipped), twice each.
        XCTAssertEqual(lines.count, 1 + 2 * 8)
        XCTAssertTrue(csv.contains("eventfd,throughput,8,cross-core,1,block,1,50,skipped,"), csv)
        XCTAssertTrue(r.stdout.contains("p50"), r.stdout)
    }

    func testOutsideThePackageTheBuiltInDefaultSuiteIsUsed() throws {
        let dir = try PrivateDirectory(prefix: "ipcbench-clitest")
        defer { dir.remove() }
        // A hard link outside the package tree: no Benchmarks/suites above it.
        let copy = "\(dir.path)/ipcbench"
        guard link(ProgramRunner.executable, copy) == 0 else { throw XCTSkip("cannot link the binary into \(dir.path)") }
        let r = ProgramRunner.run(["--mechanisms", "eventfd", "--repetitions", "1", "--messages", "20", "--output", "out.csv"],
                                  workingDirectory: dir.path, program: copy)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("default (built-in)"), r.stdout)
        XCTAssertTrue(ProcFiles.read("\(dir.path)/out.csv")?.contains("eventfd,latency,8,") ?? false)
    }

    func testJSONHoldsTheRowsAndTheMachine() throws {
        let dir = try PrivateDirectory(prefix: "ipcbench-clitest")
        defer { dir.remove() }
        let r = ProgramRunner.run(["run", "--mechanisms", "pipe", "--modes", "latency", "--sizes", "64", "--repetitions", "1",
                                   "--messages", "20", "--waits", "block", "--output", "\(dir.path)/r.csv", "--json", "\(dir.path)/r.json", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(ProcFiles.read("\(dir.path)/r.json"))
        for needle in ["\"machine\"", "\"clock_read_ns\"", "\"rows\"", "\"mechanism\": \"pipe\"", "\"rtt_p50_ns\": ", "\"note\": null"] {
            XCTAssertTrue(json.contains(needle), "\(needle) missing from \(json.prefix(400))")
        }
    }

    func testAnOutputThatIsNotARegularFileIsNeverReplaced() throws {
        let dir = try PrivateDirectory(prefix: "ipcbench-clitest")
        defer { dir.remove() }
        let fifo = "\(dir.path)/fifo", link = "\(dir.path)/link"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        XCTAssertEqual(symlink("\(dir.path)/target.csv", link), 0)
        for path in [fifo, link] {
            for flag in ["--output", "--json"] {
                let r = ProgramRunner.run(["--mechanisms", "pipe", "--repetitions", "1", "--messages", "5", flag, path])
                XCTAssertEqual(r.status, 64, "\(flag) \(path): \(r.stderr)")
                XCTAssertTrue(r.stderr.hasPrefix("ipcbench: \(flag):"), r.stderr)
            }
            var info = stat()
            XCTAssertEqual(lstat(path, &info), 0)
            XCTAssertNotEqual(info.st_mode & S_IFMT, S_IFREG, "\(path) was replaced by a file")
        }
        XCTAssertThrowsError(try AtomicFile.write("x", to: fifo))
    }

    func testAnInvalidRingSizeIsAUsageError() {
        for bad in ["3K", "2K", "2G", "1000"] {
            let r = ProgramRunner.run(["--mechanisms", "shm-posix", "--ring-size", bad, "--output", "/nonexistent/x.csv"])
            XCTAssertEqual(r.status, 64, "\(bad): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("power of two from 4K to 1G"), r.stderr)
        }
    }

    func testASuiteThatIsAFIFOIsRefusedInsteadOfHanging() throws {
        let dir = try PrivateDirectory(prefix: "ipcbench-clitest")
        defer { dir.remove() }
        let fifo = "\(dir.path)/f.suite"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let r = ProgramRunner.run(["--suite", fifo, "--output", "\(dir.path)/o.csv"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("not a regular file"), r.stderr)
    }

    func testListNamesEveryMechanismAndTheMachineLimits() {
        let r = ProgramRunner.run(["list"])
        XCTAssertEqual(r.status, 0)
        for name in MechanismRegistry.names { XCTAssertTrue(r.stdout.contains(name)) }
        XCTAssertTrue(r.stdout.contains("msgsize_max"))
        XCTAssertTrue(r.stdout.contains("msgmax"))
    }

    func testHelpDocumentsEveryFlag() {
        let r = ProgramRunner.run(["--help"])
        XCTAssertEqual(r.status, 0)
        for flag in ArgumentParser.valueFlags + ArgumentParser.switches { XCTAssertTrue(r.stdout.contains(flag), flag) }
    }
}

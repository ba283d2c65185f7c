import Glibc
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
        // pipe: 2 modes x 2 sizes; eventfd: 2 modes x 2 sizes as asked (3 of them skipped), twice each.
        XCTAssertEqual(lines.count, 1 + 2 * 8)
        XCTAssertTrue(csv.contains("eventfd,throughput,8,cross-core,1,block,copy,pairs,,1,50,skipped,"), csv)
        XCTAssertTrue(r.stdout.contains("p50"), r.stdout)
    }

    func testOutsideThePackageTheBuiltInDefaultSuiteIsUsed() throws {
        let dir = try PrivateDirectory(prefix: "ipcbench-clitest")
        defer { removeTree(dir.path) }
        // A hard link outside the package tree, in a folder that looks like a package and holds
        // planted suites (as /tmp could): none of them is read.
        let copy = "\(dir.path)/ipcbench"
        guard link(ProgramRunner.executable, copy) == 0 else { throw XCTSkip("cannot link the binary into \(dir.path)") }
        try plantSuites(in: dir.path)
        let r = ProgramRunner.run(["--mechanisms", "eventfd", "--repetitions", "1", "--messages", "20", "--output", "out.csv"],
                                  workingDirectory: dir.path, program: copy)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("default (built-in)"), r.stdout)
        XCTAssertTrue(ProcFiles.read("\(dir.path)/out.csv")?.contains("eventfd,latency,8,") ?? false)
        let quick = ProgramRunner.run(["--suite", "quick", "--output", "out.csv"], workingDirectory: dir.path, program: copy)
        XCTAssertEqual(quick.status, 64, "a planted quick.suite was used: \(quick.stdout)")
        XCTAssertTrue(quick.stderr.contains("not inside its package"), quick.stderr)
        // A path names a file outright.
        let byPath = ProgramRunner.run(["--suite", "Benchmarks/suites/quick.suite", "--output", "out.csv"], workingDirectory: dir.path, program: copy)
        XCTAssertEqual(byPath.status, 0, byPath.stderr)
        XCTAssertTrue(byPath.stdout.contains("suite quick (Benchmarks/suites/quick.suite)"), byPath.stdout)
    }

    func testASuiteInTheWorkingFolderDoesNotReplaceThePackagesSuite() throws {
        let dir = try PrivateDirectory(prefix: "ipcbench-clitest")
        defer { removeTree(dir.path) }
        try plantSuites(in: dir.path)
        let package = try XCTUnwrap(SuiteLocator.packageSuitesFolder())
        let r = ProgramRunner.run(["--mechanisms", "pipe", "--modes", "latency", "--sizes", "64", "--waits", "block",
                                   "--repetitions", "1", "--messages", "20", "--output", "out.csv"], workingDirectory: dir.path)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("suite default (built-in)"), "the header must name the suite used: \(r.stdout)")
        XCTAssertFalse(r.stdout.contains(dir.path), r.stdout)
        let q = ProgramRunner.run(["--suite", "quick", "--mechanisms", "pipe", "--modes", "latency", "--sizes", "64", "--waits", "block",
                                   "--repetitions", "1", "--messages", "20", "--output", "out.csv"], workingDirectory: dir.path)
        XCTAssertEqual(q.status, 0, q.stderr)
        XCTAssertTrue(q.stdout.contains("suite quick (\(package)/quick.suite)"), q.stdout)
    }

    /// `Package.swift` and `Benchmarks/suites/{default,quick}.suite` in `folder`, each a valid
    /// suite that runs only eventfd with one repetition: a run that reads them shows it.
    private func plantSuites(in folder: String) throws {
        try AtomicFile.createFolders("\(folder)/Benchmarks/suites")
        try AtomicFile.write("// planted\n", to: "\(folder)/Package.swift")
        for name in ["default", "quick"] {
            try AtomicFile.write("repetitions = 1\nmechanisms = eventfd\nmodes = latency\nsizes = 8\n", to: "\(folder)/Benchmarks/suites/\(name).suite")
        }
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

    func testASuiteThatIsAFIFOOrAFolderIsABadSuiteFileInsteadOfHanging() throws {
        let dir = try PrivateDirectory(prefix: "ipcbench-clitest")
        defer { dir.remove() }
        let fifo = "\(dir.path)/f.suite", folder = "\(dir.path)/d.suite"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        XCTAssertEqual(mkdir(folder, 0o700), 0)
        for path in [fifo, folder] {
            let r = ProgramRunner.run(["--suite", path, "--output", "\(dir.path)/o.csv"])
            XCTAssertEqual(r.status, 65, "\(path): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("not a regular file"), r.stderr)
        }
        rmdir(folder)
    }

    func testASuiteErrorNamesItsLineOnce() {
        XCTAssertThrowsError(try Suite.parse("[x]\nmechanisms = pipe\nrepetitions = 3", name: "t")) { error in
            let text = "\(error)"
            XCTAssertEqual(text.components(separatedBy: "line 3").count, 2, text)
        }
    }

    // MARK: The size of a plan

    func testAPlanOverTheLimitIsCountedAndRefusedBeforeItIsBuilt() throws {
        let dir = try PrivateDirectory(prefix: "ipcbench-clitest")
        defer { dir.remove() }
        let out = "\(dir.path)/o.csv"
        // 20,000 sizes x 16 mechanisms x 2 modes x 2 waits x 3 repetitions: millions of runs.
        let sizes = (1...20_000).map(String.init).joined(separator: ",")
        let started = MonotonicClock.nowNs()
        let r = ProgramRunner.run(["--sizes", sizes, "--output", out])
        XCTAssertLessThan(Double(MonotonicClock.nowNs() - started) / 1e9, 10, "refusing took too long: the plan was built")
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("over the limit of 100000"), r.stderr)
        XCTAssertEqual(access(out, F_OK), -1)

        // The same from a suite file is the file's fault; narrowed on the command line, it runs.
        let suite = "\(dir.path)/huge.suite"
        try AtomicFile.write("repetitions = 1000\nmechanisms = all\nsizes = \((1...5000).map(String.init).joined(separator: ","))\n", to: suite)
        let bad = ProgramRunner.run(["--suite", suite, "--output", out])
        XCTAssertEqual(bad.status, 65, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("huge.suite") && bad.stderr.contains("over the limit"), bad.stderr)
        let narrowed = ProgramRunner.run(["--suite", suite, "--mechanisms", "pipe", "--modes", "latency", "--sizes", "64",
                                          "--repetitions", "1", "--messages", "20", "--quiet", "--output", out])
        XCTAssertEqual(narrowed.status, 0, narrowed.stderr)
        let widened = ProgramRunner.run(["--suite", "quick", "--sizes", (1...200).map(String.init).joined(separator: ","),
                                         "--repetitions", "1000", "--output", out])
        XCTAssertEqual(widened.status, 64, "the command line took a small suite over the limit: \(widened.stderr)")
    }

    func testTheRunCountIsTheProductOfTheListsAndSaturates() throws {
        var o = Overrides()
        o.mechanisms = ["pipe"]
        o.sizes = [64, 128, 256]
        o.waits = [.block, .spin]
        o.repetitions = 5
        let suite = try SuiteLocator.load("quick")
        let plan = RunPlan.make(suite: suite, overrides: o, cpuCount: 2)
        XCTAssertEqual(RunPlan.runCount(suite: suite, overrides: o), plan.scenarios.count * 5)
        o.sizes = Array(1...1_000_000)
        o.pairs = Array(1...64)
        o.modes = Mode.allCases
        o.repetitions = 1000
        XCTAssertGreaterThan(RunPlan.runCount(suite: suite, overrides: o), RunPlan.maximumRuns)
        // Lists as long as a 1 MiB suite file can make them: 2^60 x 1000 repetitions overflows Int.
        var sweep = Sweep(name: "s")
        sweep.mechanisms = Array(repeating: "pipe", count: 1 << 20)
        sweep.sizes = Array(repeating: 64, count: 1 << 20)
        sweep.pairs = Array(repeating: 1, count: 1 << 20)
        var huge = Suite(name: "h", sweeps: [sweep])
        huge.repetitions = 1000
        XCTAssertEqual(RunPlan.runCount(suite: huge, overrides: Overrides()), Int.max, "saturates instead of overflowing")
    }

    // MARK: Output paths

    func testOnePathCannotBeBothTheCSVAndTheJSON() throws {
        let dir = try PrivateDirectory(prefix: "ipcbench-clitest")
        defer { dir.remove() }
        let csv = "\(dir.path)/r.csv"
        let base = ["--mechanisms", "pipe", "--modes", "latency", "--sizes", "64", "--repetitions", "1", "--messages", "20", "--quiet"]
        for json in [csv, "\(dir.path)/./r.csv", "\(dir.path)/../\(dir.path.split(separator: "/").last!)/r.csv", "\(csv).partial"] {
            let r = ProgramRunner.run(base + ["--output", csv, "--json", json])
            XCTAssertEqual(r.status, 64, "\(json): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("ipcbench: --json:"), r.stderr)
            XCTAssertEqual(SystemObjects.entries(dir.path), [], "\(json): wrote something")
        }
        // An existing file under another name (a hard link) is the same file too.
        try AtomicFile.write("old", to: csv)
        XCTAssertEqual(link(csv, "\(dir.path)/alias.json"), 0)
        let r = ProgramRunner.run(base + ["--output", csv, "--json", "\(dir.path)/alias.json"])
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertEqual(ProcFiles.read(csv), "old")
    }

    func testAReplacedReportKeepsTheModeAndOwnerOfTheFileItReplaces() throws {
        let dir = try PrivateDirectory(prefix: "ipcbench-clitest")
        defer { dir.remove() }
        let path = "\(dir.path)/theirs.csv"
        try AtomicFile.write("old", to: path)
        XCTAssertEqual(chmod(path, 0o600), 0)
        let other: uid_t = 4321
        let canChown = chown(path, other, other) == 0
        try AtomicFile.write("new", to: path)
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0)
        XCTAssertEqual(info.st_mode & 0o7777, 0o600, "a private report became readable")
        if canChown {
            XCTAssertEqual(info.st_uid, other, "the report changed owner")
            XCTAssertEqual(info.st_gid, other)
        }
        XCTAssertEqual(ProcFiles.read(path), "new")
    }

    func testRepeatedValueFlagsAreRefused() {
        XCTAssertEqual(usageError(["--sizes", "64", "--sizes", "4K"]), "--sizes given twice (give one value; lists are comma-separated)")
        XCTAssertNotNil(usageError(["--output=a.csv", "--output", "b.csv"]))
        XCTAssertNotNil(usageError(["run", "--repetitions", "2", "--repetitions=3"]))
        let r = ProgramRunner.run(["--messages", "10", "--messages", "20", "--output", "/nonexistent/x.csv"])
        XCTAssertEqual(r.status, 64, r.stderr)
    }

    func testHelpForEveryCommandAndTheVersionInIt() {
        for args in [["list", "--help"], ["doctor", "-h"], ["--help"], ["help"]] {
            let r = ProgramRunner.run(args)
            XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stdout.contains("USAGE") && r.stdout.contains("--version"), "\(args): \(r.stdout)")
        }
        XCTAssertEqual(ProgramRunner.run(["list", "--bogus"]).status, 64)
        XCTAssertTrue(ProgramRunner.run(["--version"]).stdout.hasPrefix("ipcbench "))
    }

    func testCompareAndPlotRefuseAFIFOInsteadOfBlocking() throws {
        let dir = try PrivateDirectory(prefix: "ipcbench-clitest")
        defer { dir.remove() }
        let fifo = "\(dir.path)/results.csv"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        for args in [["compare", fifo, fifo], ["plot", fifo, "--output", "\(dir.path)/charts"], ["plot", "\(dir.path)/none.csv", "--baseline", fifo, "--output", "\(dir.path)/charts"]] {
            let run = ProgramRunner.start(args)
            let r = try XCTUnwrap(run.wait(atMost: 20), "\(args) blocked on the FIFO")
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
        }
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
        for flag in RunCommand.flags.map(\.name) { XCTAssertTrue(r.stdout.contains(flag), flag) }
    }
}

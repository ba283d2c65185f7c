import Glibc
import XCTest
@testable import IPCBenchCore

final class SuiteTests: XCTestCase {
    func testTheBundledSuitesParseAndCoverEveryMechanism() throws {
        for name in ["quick", "default", "full"] {
            let suite = try SuiteLocator.load(name)
            let plan = RunPlan.make(suite: suite, overrides: Overrides(), cpuCount: 2)
            let covered = Set(plan.scenarios.map(\.mechanism))
            XCTAssertEqual(covered, Set(MechanismRegistry.names), name)
        }
    }

    func testTheDefaultSuiteIsEveryMechanismAt64B4KAnd64KInBothModes() throws {
        let plan = RunPlan.make(suite: try SuiteLocator.load("default"), overrides: Overrides(), cpuCount: 2)
        for type in MechanismRegistry.all where type.traits.fixedPayloadBytes == nil {
            let name = type.name
            for mode in type.traits.modes where mode != .openLoop {
                let sizes = Set(plan.scenarios.filter { $0.mechanism == name && $0.mode == mode }.map(\.payloadBytes))
                XCTAssertEqual(sizes, [64, 4096, 65536], "\(name) \(mode)")
            }
        }
        XCTAssertTrue(plan.scenarios.allSatisfy { $0.placement == .crossCore })
        // The ceilings are there, and the rings run both waits.
        XCTAssertTrue(plan.scenarios.contains { $0.mechanism == "memcpy" && $0.mode == .throughput && $0.payloadBytes == 4096 })
        XCTAssertTrue(plan.scenarios.contains { $0.mechanism == "cacheline" && $0.wait == .spin })
        XCTAssertEqual(Set(plan.scenarios.filter { $0.mechanism == "shm-posix" }.map(\.wait)), [.block, .spin])
    }

    /// The default suite is defined once, in code, by group: there is no file to keep beside it,
    /// and a registered mechanism joins it without an edit.
    func testTheDefaultSuiteIsBuiltInAndNamesNoMechanism() throws {
        XCTAssertNil(SuiteLocator.packageSuitesFolder().flatMap { ProcFiles.read("\($0)/default.suite") })
        let suite = try SuiteLocator.load("default")
        XCTAssertNil(suite.path)
        for sweep in suite.sweeps { XCTAssertEqual(sweep.fitted, Set(sweep.mechanisms), sweep.name) }
    }

    func testAGroupRunsEachMechanismOnlyWhereItCanAndTheCommandLineOverridesThat() throws {
        let suite = try Suite.parse("sizes = 64\nwaits = block, spin\ncopy = copy, zero\nmechanisms = all", name: "t")
        let plan = RunPlan.make(suite: suite, overrides: Overrides(), cpuCount: 2)
        XCTAssertTrue(plan.scenarios.allSatisfy { s in
            let t = MechanismRegistry.named(s.mechanism)!.traits
            return t.modes.contains(s.mode) && t.waits.contains(s.wait) && t.copyModes.contains(s.copy)
                && (t.fixedPayloadBytes ?? 64) == s.payloadBytes
        })
        XCTAssertEqual(RunPlan.runCount(suite: suite, overrides: Overrides()), plan.scenarios.count * suite.repetitions)
        var o = Overrides()
        o.copies = [.zero]
        let asked = RunPlan.make(suite: suite, overrides: o, cpuCount: 2)
        XCTAssertTrue(asked.scenarios.contains { $0.mechanism == "pipe" && $0.copy == .zero }, "asked for, so planned (and skipped)")
        let families = try Suite.parse("mechanisms = rings, ceilings", name: "f")
        XCTAssertEqual(Set(families.sweeps[0].mechanisms), Set(MechanismRegistry.family(.rings) + MechanismRegistry.family(.ceilings)))
    }

    func testSectionsInheritTheDefaultsAndOverrideThem() throws {
        let suite = try Suite.parse("""
            repetitions = 2
            sizes = 64, 1K   # trailing comment
            [a]
            mechanisms = pipe
            [b]
            mechanisms = eventfd
            sizes = 8
            modes = latency
            """, name: "t")
        XCTAssertEqual(suite.repetitions, 2)
        XCTAssertEqual(suite.sweeps.map(\.sizes), [[64, 1024], [8]])
        XCTAssertEqual(suite.sweeps[1].modes, [.latency])
    }

    func testSuiteErrorsNameTheLine() {
        let cases: [(String, String)] = [
            ("mechanisms = pipe\nsizes = 0", "line 2: sizes:"),
            ("mechanisms = pipe\nbogus = 1", "line 2: unknown key 'bogus'"),
            ("[x]\nmechanisms = pipe\nrepetitions = 3", "line 3: 'repetitions' applies to the whole suite"),
            ("mechanisms = teleport", "line 1: mechanisms: unknown mechanism 'teleport'"),
            ("just words", "line 1: expected 'key = value'"),
            ("[x]\nsizes = 64", "section [x] names no mechanisms"),
            ("", "no sweep"),
            ("mechanisms = pipe\nmechanisms = tcp", "line 2: 'mechanisms' given twice"),
            ("mechanisms = pipe\0", "not a text file"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try Suite.parse(text, name: "t"), text) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(text.debugDescription): \(error)")
            }
        }
    }

    func testCommandLineMechanismsFilterTheSuiteAndAddOnesItLacks() throws {
        let suite = try SuiteLocator.load("quick")
        var o = Overrides()
        o.mechanisms = ["pipe", "eventfd"]
        o.sizes = [128]
        let plan = RunPlan.make(suite: suite, overrides: o, cpuCount: 2)
        XCTAssertEqual(Set(plan.scenarios.map(\.mechanism)), ["pipe", "eventfd"])
        XCTAssertTrue(plan.scenarios.allSatisfy { $0.payloadBytes == 128 })
        // eventfd keeps its section's latency-only mode.
        XCTAssertEqual(Set(plan.scenarios.filter { $0.mechanism == "eventfd" }.map(\.mode)), [.latency])
    }

    func testASuiteCountShrinksForHugePayloadsButAGivenCountDoesNot() throws {
        var o = Overrides()
        o.mechanisms = ["pipe"]
        o.sizes = [64, 1 << 30]
        let plan = RunPlan.make(suite: try SuiteLocator.load("default"), overrides: o, cpuCount: 2)
        let huge = plan.scenarios.filter { $0.payloadBytes == 1 << 30 }
        XCTAssertFalse(huge.isEmpty)
        XCTAssertTrue(huge.allSatisfy { $0.messages * $0.payloadBytes <= Scenario.bytesPerRepetition * 3 }, "\(huge.map(\.messages))")
        XCTAssertTrue(plan.scenarios.contains { $0.payloadBytes == 64 && $0.mode == .latency && $0.messages == 2000 })
        o.messages = 50
        XCTAssertTrue(RunPlan.make(suite: try SuiteLocator.load("default"), overrides: o, cpuCount: 2).scenarios.allSatisfy { $0.messages == 50 })
    }

    func testOneCPUDefaultsToSameCore() throws {
        let plan = RunPlan.make(suite: try SuiteLocator.load("quick"), overrides: Overrides(), cpuCount: 1)
        XCTAssertTrue(plan.scenarios.allSatisfy { $0.placement == .sameCore })
    }

    func testAByteOrderMarkIsIgnoredInSuitesAndCSVs() throws {
        XCTAssertEqual(try Suite.parse("\u{FEFF}repetitions = 2\nmechanisms = pipe", name: "t").repetitions, 2)
        let header = CSVReport.columns.joined(separator: ",")
        XCTAssertEqual(try ResultSet.parse("\u{FEFF}" + header + "\r\n", name: "bom").columns, CSVReport.columns)
    }

    func testAMissingSuiteSaysWhereItLooked() {
        XCTAssertThrowsError(try SuiteLocator.load("no-such-suite")) { error in
            XCTAssertTrue("\(error)".contains("Benchmarks/suites"), "\(error)")
        }
    }
}

final class SizeTests: XCTestCase {
    func testSizesParse() throws {
        XCTAssertEqual(try ByteSize.parse("1"), 1)
        XCTAssertEqual(try ByteSize.parse("64"), 64)
        XCTAssertEqual(try ByteSize.parse("4k"), 4096)
        XCTAssertEqual(try ByteSize.parse("4KiB"), 4096)
        XCTAssertEqual(try ByteSize.parse("1M"), 1 << 20)
        XCTAssertEqual(try ByteSize.parse("1GiB"), 1 << 30)
        XCTAssertEqual(try ByteSize.parse(" 16 "), 16)
    }

    func testOutOfRangeAndGarbageAreRejected() {
        for bad in ["0", "0K", "-1", "+5", "1025M", "2G", "4KB", "4 K", "K", "", "0x10", "1e3", "١٢", "9999999999999999999999K"] {
            XCTAssertThrowsError(try ByteSize.parse(bad), bad)
        }
    }

    func testSizesFormatShortestExact() {
        XCTAssertEqual(ByteSize.format(65536), "64K")
        XCTAssertEqual(ByteSize.format(1 << 20), "1M")
        XCTAssertEqual(ByteSize.format(4097), "4097")
        XCTAssertEqual(ByteSize.format(1), "1")
    }
}

final class CSVTests: XCTestCase {
    func testFieldsWithCommasQuotesAndNewlinesAreQuotedPerRFC4180() {
        XCTAssertEqual(CSVReport.escape("plain"), "plain")
        XCTAssertEqual(CSVReport.escape("a,b"), "\"a,b\"")
        XCTAssertEqual(CSVReport.escape("say \"hi\""), "\"say \"\"hi\"\"\"")
        XCTAssertEqual(CSVReport.escape("two\nlines"), "\"two\nlines\"")
        XCTAssertEqual(CSVReport.escape("cr\r"), "\"cr\r\"")
        XCTAssertEqual(CSVReport.escape(""), "")
    }

    func testAFailedRowKeepsItsNoteAndLeavesFiguresEmpty() {
        let scenario = Scenario(mechanism: "tcp", mode: .latency, payloadBytes: 64, messages: 10)
        let r = RepetitionResult(scenario: scenario, repetition: 2, status: .failed, note: "producer of pair 0: write: EPIPE (Broken pipe), \"x\"")
        let row = CSVReport.row(r, machine: MachineInfo(hostname: "h", kernel: "k", cpuModel: "c, d", cpus: 2), timestamp: "t")
        let text = CSVReport.render([row])
        XCTAssertTrue(text.contains("\"producer of pair 0: write: EPIPE (Broken pipe), \"\"x\"\"\""), text)
        XCTAssertTrue(text.contains("\"c, d\""))
        let cells = Dictionary(uniqueKeysWithValues: zip(CSVReport.columns, row))
        XCTAssertEqual(cells["status"], "failed")
        XCTAssertEqual(cells["rtt_p50_ns"], "")
        XCTAssertEqual(cells["msgs_per_s"], "")
        XCTAssertEqual(row.count, CSVReport.columns.count)
    }

    func testAThroughputRowHasRatesAndNoRoundTrips() {
        var r = RepetitionResult(scenario: Scenario(mechanism: "pipe", mode: .throughput, payloadBytes: 1 << 20, messages: 100), repetition: 1, status: .ok)
        r.totalMessages = 100
        r.windowNs = 1_000_000_000
        let cells = Dictionary(uniqueKeysWithValues: zip(CSVReport.columns, CSVReport.row(r, machine: .current(), timestamp: "t")))
        XCTAssertEqual(cells["msgs_per_s"], "100.0")
        XCTAssertEqual(cells["mib_per_s"], "100.000")
        XCTAssertEqual(cells["rtt_p99_ns"], "")
    }

    func testTheReportIsWrittenAtomicallyAndLeavesNoTempFile() throws {
        let dir = try PrivateDirectory(prefix: "ipcbench-csvtest")
        defer { dir.remove() }
        let path = "\(dir.path)/r.csv"
        try AtomicFile.write("old", to: path)
        try AtomicFile.write("new,content\r\n", to: path)
        XCTAssertEqual(ProcFiles.read(path), "new,content\r\n")
        XCTAssertEqual(SystemObjects.entries(dir.path), ["r.csv"])
    }

    func testFixedPointFormatting() {
        XCTAssertEqual(fixed(3.14159, 2), "3.14")
        XCTAssertEqual(fixed(0.005, 2), "0.01")
        XCTAssertEqual(fixed(-2.5, 1), "-2.5")
        XCTAssertEqual(fixed(12, 0), "12")
        XCTAssertEqual(fixed(0.0001, 4), "0.0001")
    }
}

final class SummaryTableTests: XCTestCase {
    /// Two repetitions in two host states: the note names both probes in nanoseconds (it once
    /// read each UInt64 as a Double's bit pattern and said "0 ns").
    func testTheTableNamesTheHostStatesInNanoseconds() {
        let s = Scenario(mechanism: "pipe", mode: .latency, payloadBytes: 64, messages: 10)
        var a = RepetitionResult(scenario: s, repetition: 1, status: .ok)
        a.probeNs = 72
        var b = RepetitionResult(scenario: s, repetition: 2, status: .ok)
        b.probeNs = 300
        XCTAssertTrue(SummaryTable.render([a, b]).contains("host states 72 ns ×1, 300 ns ×1"), SummaryTable.render([a, b]))
    }
}

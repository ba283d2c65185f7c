import Glibc
import XCTest
@testable import IPCBenchCore

/// Counts per message that the host's vCPU placement cannot move: system calls (perf's
/// tracepoints, or /proc/self/io's read and write calls), futex calls, context switches split by
/// kind, minor page faults. Each window counts exactly its own calls.
final class ExactCountTests: PrivateDirectoryTestCase {
    private func run(
        _ mechanism: String, _ mode: Mode = .latency, wait: WaitMode = .block, placement: Placement = .sameCore,
        counting: SyscallCounting = .perf
    ) throws -> RepetitionResult {
        let coordinator = Coordinator(directory: directory, timeoutSeconds: 30, counting: counting)
        if counting == .perf, coordinator.counters.source != .perf {
            throw XCTSkip("perf cannot count system calls here: \(coordinator.counters.reason)")
        }
        let r = coordinator.run(Scenario(
            mechanism: mechanism, mode: mode, payloadBytes: 64, placement: placement, wait: wait,
            messages: 200, warmupMessages: 10, verify: true), repetition: 1)
        XCTAssertEqual(r.status, .ok, r.note)
        return r
    }

    /// write and read on each side: 4 a round trip, not one more for the counters' own reads.
    func testABlockingPipeRoundTripIsExactlyFourSystemCallsAndNoFutex() throws {
        let r = try run("pipe")
        XCTAssertEqual(r.syscallSource, .perf)
        XCTAssertEqual(r.syscallsPerMessage, 4)
        XCTAssertEqual(r.futexCallsPerMessage, 0)
        // Counted in the counting window: a blocking round trip sleeps once a side (a little
        // more when a wake-up finds its peer still running). ctx_switches_per_msg is the timed
        // window's.
        XCTAssertEqual(r.voluntarySwitchesPerMessage ?? -1, 1, accuracy: 0.2)
        XCTAssertNotNil(r.minorFaultsPerMessage)
    }

    /// The consumer wakes its producer before its window opens: the wake is not a message's cost.
    func testAStreamedPipeMessageIsOneWriteAndOneRead() throws {
        let r = try run("pipe", .throughput)
        XCTAssertEqual(r.syscallsPerMessage, 2)
        XCTAssertEqual(r.futexCallsPerMessage, 0)
    }

    func testARingPolledAcrossTwoCPUsMakesNoSystemCalls() throws {
        guard CPUSet.allowed().count >= 2 else { throw XCTSkip("needs two CPUs; on one a polling ring yields") }
        let r = try run("shm-posix", wait: .spin, placement: .crossCore)
        XCTAssertLessThan(r.syscallsPerMessage ?? .infinity, 0.01)
    }

    /// On one CPU a blocking ring sleeps and wakes for every hand-off, and that is all it calls.
    func testABlockingRingsSystemCallsAreAllFutexCalls() throws {
        let r = try run("shm-posix")
        let futex = try XCTUnwrap(r.futexCallsPerMessage)
        XCTAssertGreaterThan(futex, 0)
        XCTAssertEqual(futex, r.syscallsPerMessage)
    }

    func testProcIOCountsAPipeRoundTripAsFourReadAndWriteCalls() throws {
        let r = try run("pipe", counting: .procIO)
        XCTAssertEqual(r.syscallSource, .procIO)
        XCTAssertEqual(r.syscallsPerMessage, 4)
        XCTAssertNil(r.futexCallsPerMessage, "/proc/self/io counts no futex calls; a pipe counts none of its own")
    }

    /// `IPCBENCH_COUNTERS` as a user sets it, through the program: the CSV names the source, and
    /// `none` leaves both columns empty (not 0).
    func testTheEnvironmentVariablePicksTheSourceAndNoneLeavesTheColumnsEmpty() throws {
        for (setting, source, perMessage) in [("proc-io", "proc-io", "4.0000"), ("none", "", "")] {
            let out = "\(directory.path)/\(setting).csv"
            let arguments = ["run", "--mechanisms", "pipe", "--modes", "latency", "--sizes", "64", "--placements", "same-core",
                             "--waits", "block", "--repetitions", "1", "--messages", "50", "--output", out]
            let result = try XCTUnwrap(ProgramRunner.start(arguments, environment: ["IPCBENCH_COUNTERS": setting]).wait(atMost: 60))
            XCTAssertEqual(result.status, 0, result.stderr)
            let row = try XCTUnwrap(Self.rows(ProcFiles.read(out) ?? "").first)
            XCTAssertEqual(row["status"], "ok")
            XCTAssertEqual(row["syscall_source"], source, setting)
            XCTAssertEqual(row["syscalls_per_msg"], perMessage, setting)
            XCTAssertEqual(row["futex_calls_per_msg"], "", setting)
            XCTAssertNotEqual(row["voluntary_switches_per_msg"], "", "getrusage counts whatever the setting")
        }
    }

    func testSkippedAndFailedRowsLeaveTheCountsEmpty() {
        let coordinator = Coordinator(directory: directory, timeoutSeconds: 5)
        let skipped = coordinator.run(Scenario(mechanism: "eventfd", mode: .latency, payloadBytes: 64, messages: 10), repetition: 1)
        XCTAssertEqual(skipped.status, .skipped)
        var failed = RepetitionResult(scenario: skipped.scenario, repetition: 1, status: .failed, note: "a worker failed")
        failed.syscallsPerMessage = 4
        failed.syscallSource = .perf
        failed.voluntarySwitchesPerMessage = 1
        failed.involuntarySwitchesPerMessage = 1
        failed.minorFaultsPerMessage = 1
        let machine = MachineInfo(hostname: "h", kernel: "k", cpuModel: "c", cpus: 2)
        let text = CSVReport.render([skipped, failed].map { CSVReport.row($0, machine: machine, timestamp: "t") })
        for row in Self.rows(text) {
            for column in ["syscalls_per_msg", "syscall_source", "voluntary_switches_per_msg", "involuntary_switches_per_msg",
                           "minor_faults_per_msg", "futex_calls_per_msg"] {
                XCTAssertEqual(row[column], "", "\(row["status"]!) \(column)")
            }
        }
    }

    /// The coordinator tries perf's group before it forks; the try closes both of its events.
    func testSettlingTheSourceLeavesNoDescriptorOpen() {
        let before = SystemObjects.entries("/proc/self/fd")
        for counting in [SyscallCounting.perf, .procIO, .off] {
            for _ in 0..<3 { _ = ExactCounterPlan(counting) }
        }
        XCTAssertEqual(SystemObjects.entries("/proc/self/fd").subtracting(before), [])
    }

    func testProcIOTextIsParsedForItsReadAndWriteCalls() {
        func calls(_ text: String) -> UInt64? {
            var bytes = Array(text.utf8)
            return bytes.withUnsafeMutableBytes { ExactCounters.readAndWriteCalls(in: UnsafeRawBufferPointer($0)) }
        }
        XCTAssertEqual(calls("rchar: 2012\nwchar: 9\nsyscr: 17\nsyscw: 3\nread_bytes: 0\nwrite_bytes: 0\ncancelled_write_bytes: 0\n"), 20)
        XCTAssertEqual(calls("syscw: 18446744073709551615\nsyscr: 1"), 0, "wraps, as the kernel's counters do")
        XCTAssertNil(calls("rchar: 1\nsyscr: 5\n"), "syscw missing")
        XCTAssertNil(calls("syscr: \nsyscw: 2\n"), "syscr without digits")
        XCTAssertNil(calls("xsyscr: 5\nsyscw: 2\n"))
    }

    /// Each row of a result CSV, by column name.
    private static func rows(_ csv: String) -> [[String: String]] {
        guard let table = try? CSVReader.parse(csv), let header = table.first else { return [] }
        return table.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }
}

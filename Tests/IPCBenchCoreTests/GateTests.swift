import Glibc
import Foundation
import XCTest
@testable import IPCBenchCore
@testable import IPCBenchCLI

/// The host probe and time-based counts, on real runs.
final class ProbeAndCalibrationTests: LeakCheckedTestCase {
    func testEveryTwoSidedRowCarriesTheHostProbeBeforeAndAfterItsWindow() throws {
        let dir = try PrivateDirectory()
        defer { dir.remove() }
        let coordinator = Coordinator(directory: dir, timeoutSeconds: 30)
        for placement in [Placement.crossCore, .sameCore] {
            let pipe = coordinator.run(Scenario(mechanism: "pipe", mode: .latency, payloadBytes: 64, placement: placement, messages: 200), repetition: 1)
            XCTAssertEqual(pipe.status, .ok, pipe.note)
            let before = try XCTUnwrap(pipe.probeNs)
            // A cache line between two CPUs: tens to hundreds of ns; on one CPU, a context switch.
            XCTAssertGreaterThan(before, 5)
            XCTAssertLessThan(before, 1_000_000)
            // After the window only where the window ends the workers (no counting window follows).
            if let after = pipe.probeEndNs { XCTAssertGreaterThan(after, 5) }
        }
        let twoPairs = coordinator.run(Scenario(mechanism: "unix-stream", mode: .throughput, payloadBytes: 4096, pairs: 2, messages: 500), repetition: 1)
        XCTAssertEqual(twoPairs.status, .ok, twoPairs.note)
        XCTAssertNotNil(twoPairs.probeNs)
        let memcpy = coordinator.run(Scenario(mechanism: "memcpy", mode: .throughput, payloadBytes: 4096, wait: .spin, messages: 500), repetition: 1)
        XCTAssertEqual(memcpy.status, .ok)
        XCTAssertNil(memcpy.probeNs, "one process: no pair to probe")
        let row = CSVReport.row(pipeRow(coordinator), machine: .current(), timestamp: "t")
        XCTAssertFalse(row[CSVReport.columns.firstIndex(of: "probe_ns")!].isEmpty)
    }

    private func pipeRow(_ coordinator: Coordinator) -> RepetitionResult {
        coordinator.run(Scenario(mechanism: "pipe", mode: .throughput, payloadBytes: 64, messages: 300), repetition: 1)
    }

    func testMinTimeGrowsTheCountUntilTheWindowIsLongEnough() throws {
        let dir = try PrivateDirectory()
        defer { dir.remove() }
        let coordinator = Coordinator(directory: dir, timeoutSeconds: 30)
        let start = Scenario(mechanism: "pipe", mode: .throughput, payloadBytes: 64, messages: 100)
        let (calibrated, interrupted) = Calibration.calibrate(start, minimumWindowNs: 20_000_000, coordinator: coordinator)
        XCTAssertNil(interrupted)
        XCTAssertGreaterThan(calibrated.messages, 100)
        XCTAssertEqual(calibrated.minimumWindowNs, 20_000_000)
        let result = coordinator.run(calibrated, repetition: 1)
        XCTAssertEqual(result.status, .ok, result.note)
        // A pilot's estimate, not a promise: the window lands near the minimum or above it.
        XCTAssertGreaterThan(try XCTUnwrap(result.windowNs), 10_000_000)
    }

    func testMinTimeIsRecordedInTheCSVAndValidated() throws {
        let out = ProgramRunner.run(["run", "--mechanisms", "pipe", "--modes", "throughput", "--sizes", "64", "--waits", "block",
                                     "--repetitions", "1", "--messages", "50", "--min-time", "15ms", "--quiet", "--output", "-"])
        XCTAssertEqual(out.status, 0, out.stderr)
        let set = try ResultSet.parse(out.stdout, name: "stdout")
        XCTAssertEqual(set.rows.count, 1)
        XCTAssertEqual(set.rows[0][ResultSchema.minWindowMs], 15)
        XCTAssertGreaterThan(set.rows[0][ResultSchema.messages] ?? 0, 50)
        XCTAssertEqual(ProgramRunner.run(["run", "--min-time", "0.1ms"]).status, 64)
        XCTAssertEqual(ProgramRunner.run(["run", "--min-time", "2min"]).status, 64)
    }
}

/// `ipcbench gate` end to end, with the same build on both sides (an A/A).
final class GateTests: LeakCheckedTestCase {
    func testAnAAGateWritesEveryOutputAndPairsItsRows() throws {
        let dir = try PrivateDirectory(prefix: "ipcbench-gatetest")
        defer { dir.remove() }
        let me = ProgramRunner.executable
        let out = ProgramRunner.run(["gate", "--base", me, "--candidate", me, "--mechanisms", "pipe,cacheline", "--budget", "8s",
                                     "--output", dir.path])
        XCTAssertTrue([0, 6].contains(out.status), "exit \(out.status): \(out.stderr)")
        for name in ["base.csv", "candidate.csv", "compare.json", "summary.md"] {
            XCTAssertNotNil(ProcFiles.read("\(dir.path)/\(name)"), name)
        }
        let base = try ResultSet.load("\(dir.path)/base.csv"), new = try ResultSet.load("\(dir.path)/candidate.csv")
        XCTAssertTrue(base.rows.allSatisfy { $0.abPair != nil && $0.abPosition != nil })
        XCTAssertEqual(Set(base.keys), Set(new.keys))
        // Sessions of bursts, the side that goes first alternating from one session to the next.
        let pipeKey = try XCTUnwrap(base.keys.first { $0.mechanism == "pipe" && $0.mode == .latency })
        let rows = base.rows(pipeKey)
        let sessions = Dictionary(grouping: rows, by: { $0.abPair! }).sorted { $0.key < $1.key }
        XCTAssertGreaterThanOrEqual(sessions.count, BurstGate.minimumSessions)
        let positions = sessions.dropLast().map { $0.value[0].abPosition! }
        XCTAssertTrue(zip(positions, positions.dropFirst()).allSatisfy { $0 != $1 }, "\(positions)")
        // The last session counts: counts and no times.
        let counting = try XCTUnwrap(sessions.last).value
        XCTAssertEqual(counting.count, BurstGate.countingBursts)
        XCTAssertTrue(counting.allSatisfy { $0[ResultSchema.rttP50Ns] == nil })
        let json = try XCTUnwrap(ProcFiles.read("\(dir.path)/compare.json"))
        for field in ["\"verdict\"", "\"scenario\"", "\"metric\"", "\"resolution_pct\"", "\"exit_status\"", "\"paired\": true",
                      "\"paired_by\": \"bursts\""] {
            XCTAssertTrue(json.contains(field), field)
        }
        XCTAssertFalse(json.contains("\"verdict\": \"regressed\""), "an A/A must not regress: \(out.stdout)")
        // compare reads the gate's files pair by pair.
        let again = ProgramRunner.run(["compare", "\(dir.path)/base.csv", "\(dir.path)/candidate.csv", "--format", "json"])
        XCTAssertTrue([0, 6].contains(again.status), again.stderr)
        XCTAssertTrue(again.stdout.contains("\"paired\": true"))
    }

    func testABaseThatCannotRunIsASetupFailureNotARegression() throws {
        let dir = try PrivateDirectory(prefix: "ipcbench-gatetest")
        defer { dir.remove() }
        let missing = ProgramRunner.run(["gate", "--base", "\(dir.path)/nope", "--output", dir.path])
        XCTAssertEqual(missing.status, GateCommand.Status.setupFailed, missing.stderr)
        // A program that runs but is not ipcbench: /bin/false exits 1 and prints no row.
        let wrong = ProgramRunner.run(["gate", "--base", "/bin/false", "--mechanisms", "pipe", "--budget", "4s", "--output", dir.path])
        XCTAssertEqual(wrong.status, GateCommand.Status.setupFailed, wrong.stderr)
        XCTAssertEqual(ProgramRunner.run(["gate", "--base", "/bin/true", "--suite", "no-such-suite", "--output", dir.path]).status, 64)
        XCTAssertEqual(ProgramRunner.run(["gate"]).status, 64)
        XCTAssertEqual(ProgramRunner.run(["gate", "--base", "/bin/true", "--budget", "forever"]).status, 64)
    }

    /// A mechanism that moves both ways (`--copy copy,zero` in the suite): each side runs
    /// exactly the scenario asked for, so the copying and the in-place rows stay apart.
    func testBothCopyModesOfOneMechanismAreMeasuredApart() throws {
        let dir = try PrivateDirectory(prefix: "ipcbench-gatetest")
        defer { dir.remove() }
        let me = ProgramRunner.executable
        let out = ProgramRunner.run(["gate", "--base", me, "--candidate", me, "--suite", "quick", "--mechanisms", "shm-posix",
                                     "--by-launches", "--max-rounds", "2", "--min-time", "2ms", "--per-side", "1", "--output", dir.path])
        XCTAssertTrue([0, 6].contains(out.status), "exit \(out.status): \(out.stderr)")
        let base = try ResultSet.load("\(dir.path)/base.csv")
        XCTAssertEqual(Set(base.keys.map(\.copy)), [.copy, .zero])
        XCTAssertTrue(base.keys.allSatisfy { base.rows($0).count == 2 }, "one row per scenario and round")
    }

    func testLearningWritesThresholdsThatCompareReads() throws {
        let dir = try PrivateDirectory(prefix: "ipcbench-gatetest")
        defer { dir.remove() }
        let file = "\(dir.path)/thresholds.csv"
        let out = ProgramRunner.run(["gate", "--learn-thresholds", file, "--rounds", "8", "--suite", "quick", "--mechanisms", "eventfd", "--by-launches",
                                     "--min-time", "5ms", "--per-side", "1", "--output", dir.path])
        XCTAssertTrue([0, 6].contains(out.status), out.stderr + out.stdout)
        let thresholds = try NoiseThresholds.load(file)
        XCTAssertEqual(thresholds.entries.count, 2, "eventfd latency: p50 and p99")
        // Pairs whose two sides saw different host states are not noise of the code: set aside.
        XCTAssertTrue(thresholds.entries.allSatisfy { $0.thresholdPercent >= 5 && $0.pairs >= 2 && $0.pairs <= 8 })
        XCTAssertTrue(ProcFiles.read(file)?.hasPrefix(NoiseThresholds.columns.joined(separator: ",")) == true, "aa_pairs, not a second pairs")
        let compare = ProgramRunner.run(["compare", "\(dir.path)/base.csv", "\(dir.path)/candidate.csv", "--thresholds", file])
        XCTAssertTrue([0, 6].contains(compare.status), compare.stderr)
    }
}

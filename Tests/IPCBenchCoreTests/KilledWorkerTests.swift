import Glibc
import XCTest
@testable import IPCBenchCore

/// Workers killed from outside (SIGKILL) or crashing (SIGSEGV) mid-run, in a pair or a fan-out:
/// the scenario fails with a note naming the worker and its signal, the survivors are stopped
/// and reaped, and nothing is left.
final class KilledWorkerTests: FaultTestCase {
    // MARK: - A worker killed mid-run

    func testAKilledWorkerFailsItsScenarioForEveryMechanismAndKeepGoingGoesOn() throws {
        // One section per mechanism, each a run that would take minutes, then one quick scenario
        // that must still run (and succeed) after all of them failed.
        var suite = "repetitions = 1\ntimeout = 30\nsizes = 8\nmessages = 1000000000\nwarmup = 10\n"
        let probe = Coordinator(directory: folder)
        let placement: Placement = CPUSet.allowed().count >= 2 ? .crossCore : .sameCore
        let mechanisms = MechanismRegistry.all.compactMap { type -> (name: String, mode: Mode, wait: WaitMode, oneSided: Bool)? in
            // Latency where the mechanism has it; a wait it supports.
            for mode in [Mode.latency, .throughput] {
                for wait in [WaitMode.block, .spin] {
                    let scenario = Scenario(mechanism: type.name, mode: mode, payloadBytes: 8, placement: placement, wait: wait, messages: 1)
                    if probe.skipReason(scenario) == nil { return (type.name, mode, wait, type.oneSided) }
                }
            }
            XCTFail("\(type.name) cannot run 8-byte messages here")
            return nil
        }
        for m in mechanisms {
            suite += "[\(m.name)]\nmechanisms = \(m.name)\nmodes = \(m.mode.rawValue)\nwaits = \(m.wait.rawValue)\n"
        }
        suite += "[after]\nmechanisms = pipe\nmodes = latency\nwaits = block\nsizes = 64\nmessages = 50\n"
        let suitePath = try write(suite, to: "killed.suite")
        let csv = "\(folder.path)/killed.csv"

        let run = start(["run", "--suite", suitePath, "--keep-going", "--quiet", "--output", csv])
        var seen: Set<pid_t> = []
        var expectedNotes: [String: String] = [:]
        for (i, m) in mechanisms.enumerated() {
            guard let pair = newWorkers(of: run, count: m.oneSided ? 1 : 2, excluding: seen) else {
                XCTFail("\(m.name): no workers appeared (stderr: \(run.poll()?.stderr ?? "still running"))")
                break
            }
            seen.formUnion(pair)
            usleep(200_000)  // into the measured loop
            // Alternate the victim so both roles are named; the consumer is forked first.
            let killProducer = m.oneSided || i % 2 == 1
            let victim = killProducer ? pair.last! : pair.first!
            expectedNotes[m.name] = "\(killProducer ? "producer" : "consumer") of pair 0 was killed by signal 9"
            kill(victim, SIGKILL)
            let noticed = secondsUntil(timeout: 5) { Set(run.children).isDisjoint(with: pair) }
            guard let noticed else {
                XCTFail("\(m.name): the pair was still there 5 s after a worker was killed")
                break
            }
            XCTAssertLessThan(noticed, 2, "\(m.name): took \(noticed) s to notice the killed worker and stop the other")
            for pid in pair { XCTAssertNil(ProgramRunner.status(of: pid), "\(m.name): worker \(pid) is still alive") }
        }
        let out = try XCTUnwrap(run.wait(atMost: 30), "the run did not finish")
        XCTAssertEqual(out.status, 1, out.stderr)

        let results = try ResultSet.load(csv)
        XCTAssertEqual(results.rows.count, mechanisms.count + 1, "one row per scenario")
        var wrongNotes: [String] = []
        for m in mechanisms {
            guard let row = results.rows.first(where: { $0.key.mechanism == m.name && $0.key.payloadBytes == 8 }) else {
                XCTFail("\(m.name): no row")
                continue
            }
            XCTAssertEqual(row.status, .failed, "\(m.name): \(row.note)")
            if !row.note.contains(expectedNotes[m.name]!) {
                wrongNotes.append("\(m.name): expected '\(expectedNotes[m.name]!)', got '\(row.note)'")
            }
        }
        XCTAssertEqual(wrongNotes, [], "the note must name the worker that was killed and its signal")
        let after = results.rows.first { $0.key.mechanism == "pipe" && $0.key.payloadBytes == 64 }
        XCTAssertEqual(after?.status, .ok, "--keep-going must run the scenario after the failures: \(after?.note ?? "no row")")
    }

    func testWithoutKeepGoingAKilledWorkerEndsTheRunWithStatus1() throws {
        let suitePath = try write("""
            repetitions = 1
            sizes = 8
            modes = latency
            [slow]
            mechanisms = pipe
            messages = 1000000000
            [never]
            mechanisms = eventfd
            messages = 50
            """, to: "stop.suite")
        let csv = "\(folder.path)/stop.csv"
        let run = start(["run", "--suite", suitePath, "--quiet", "--output", csv])
        let pair = try XCTUnwrap(newWorkers(of: run, count: 2, excluding: []), "no workers appeared")
        usleep(200_000)
        kill(pair.first!, SIGKILL)  // the consumer (forked first)
        let exited = secondsUntil(timeout: 5) { run.poll() != nil }
        XCTAssertNotNil(exited, "still running 5 s after a worker was killed")
        XCTAssertLessThan(exited ?? 99, 2)
        let out = try XCTUnwrap(run.wait(atMost: 10))
        XCTAssertEqual(out.status, 1, out.stderr)
        XCTAssertEqual(out.stderr.split(separator: "\n").count, 1, out.stderr)
        XCTAssertTrue(out.stderr.contains("pipe latency 8 B failed: consumer of pair 0 was killed by signal 9"), out.stderr)
        let results = try ResultSet.load(csv)
        XCTAssertEqual(results.rows.map(\.key.mechanism), ["pipe"], "the run stops at the first failure")
        XCTAssertEqual(results.rows.first?.status, .failed)
    }

    /// Killed in the middle of a message: `shm-sem` with a side perhaps holding the mutex,
    /// `memfd-pass` with memfds mapped, half filled and in flight. The survivor is ended within
    /// the usual time and nothing of either is left.
    func testAShmSemConsumerKilledMidMessageFailsItsScenarioAndLeavesNothing() throws {
        try assertKilledMidMessageFailsItsScenarioAndLeavesNothing("shm-sem", killProducer: false)
    }

    func testAShmSemProducerKilledMidMessageFailsItsScenarioAndLeavesNothing() throws {
        try assertKilledMidMessageFailsItsScenarioAndLeavesNothing("shm-sem", killProducer: true)
    }

    func testAMemfdPassConsumerKilledMidMessageFailsItsScenarioAndLeavesNothing() throws {
        try assertKilledMidMessageFailsItsScenarioAndLeavesNothing("memfd-pass", killProducer: false)
    }

    func testAMemfdPassProducerKilledMidMessageFailsItsScenarioAndLeavesNothing() throws {
        try assertKilledMidMessageFailsItsScenarioAndLeavesNothing("memfd-pass", killProducer: true)
    }

    private func assertKilledMidMessageFailsItsScenarioAndLeavesNothing(_ mechanism: String, killProducer: Bool) throws {
        let what = "\(mechanism), \(killProducer ? "producer" : "consumer") killed"
        let before = SystemObjects.snapshot()
        let csv = "\(folder.path)/mid-\(mechanism)-\(killProducer).csv"
        let run = start(
            ["run", "--mechanisms", mechanism, "--modes", "throughput", "--waits", "block", "--sizes", "64K",
             "--ring-size", "16K", "--messages", "100000000", "--repetitions", "1", "--quiet", "--output", csv])
        let pair = try XCTUnwrap(newWorkers(of: run, count: 2, excluding: []), "\(what): no workers appeared")
        usleep(200_000)  // into the measured loop
        kill(killProducer ? pair.last! : pair.first!, SIGKILL)
        let out = try XCTUnwrap(run.wait(atMost: 5), "\(what): still running 5 s after a worker was killed")
        XCTAssertEqual(out.status, 1, "\(what): \(out.stderr)")
        let note = try XCTUnwrap(ResultSet.load(csv).rows.first?.note)
        XCTAssertTrue(note.contains("\(killProducer ? "producer" : "consumer") of pair 0 was killed by signal 9"), "\(what): \(note)")
        for pid in pair { XCTAssertNil(ProgramRunner.status(of: pid), "\(what): worker \(pid) is still alive") }
        XCTAssertEqual(settledLeaks(since: before), [], what)
    }

    // MARK: - A worker that crashes

    func testAWorkerThatCrashesIsReportedWithItsSignal() throws {
        let csv = "\(folder.path)/crash.csv"
        let run = start(
            ["run", "--mechanisms", "pipe", "--modes", "latency", "--waits", "block", "--sizes", "8",
             "--messages", "1000000000", "--repetitions", "1", "--quiet", "--output", csv],
            workingDirectory: folder.path, limits: [.coreFileBytes(0)])
        let pair = try XCTUnwrap(newWorkers(of: run, count: 2, excluding: []), "no workers appeared: \(run.poll()?.stderr ?? "")")
        usleep(200_000)
        kill(pair.first!, SIGSEGV)  // the consumer (forked first)
        let out = try XCTUnwrap(run.wait(atMost: 3), "a worker got SIGSEGV and the run was still going 3 s later")
        XCTAssertEqual(out.status, 1, out.stderr)
        XCTAssertEqual(out.stderr.split(separator: "\n").count, 1, "one line, no crash report: \(out.stderr.prefix(300))")
        let note = try XCTUnwrap(ResultSet.load(csv).rows.first?.note)
        XCTAssertTrue(note.contains("killed by signal 11"), "the note does not say SIGSEGV: \(note)")
        XCTAssertTrue(note.hasPrefix("consumer of pair 0"), "the consumer crashed, the note names another worker: \(note)")
    }

    /// A killed consumer of a fan-out ends the scenario like a killed worker of a pair: the
    /// others are stopped and reaped, the row says which one died, nothing is left.
    func testAKilledConsumerOfAFanOutEndsTheScenarioCleanly() throws {
        let csv = "\(folder.path)/fan.csv"
        let run = start(["run", "--mechanisms", "posix-mq", "--topology", "fan-out:3", "--modes", "throughput",
                         "--sizes", "64", "--waits", "block", "--messages", "100000000", "--repetitions", "1",
                         "--quiet", "--output", csv])
        let workers = try XCTUnwrap(newWorkers(of: run, count: 4, excluding: []), "no workers appeared")
        usleep(200_000)
        // Forked in order: the three consumers, then the producer.
        kill(workers[1], SIGKILL)
        XCTAssertNotNil(secondsUntil(timeout: 5) { Set(run.children).isDisjoint(with: workers) }, "the fan was still there")
        let out = try XCTUnwrap(run.wait(atMost: 30), "the run did not finish")
        XCTAssertEqual(out.status, 1, out.stderr)
        let row = try XCTUnwrap(ResultSet.load(csv).rows.first)
        XCTAssertEqual(row.status, .failed)
        XCTAssertTrue(row.note.contains("consumer 1 of group 0 was killed by signal 9"), row.note)
    }
}

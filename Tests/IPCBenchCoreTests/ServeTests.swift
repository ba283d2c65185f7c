import Glibc
import Foundation
import XCTest
@testable import IPCBenchCore
@testable import IPCBenchCLI

/// `run --serve`: one scenario's workers held warm, a burst per request, one row per burst.
final class ServeTests: LeakCheckedTestCase {
    static let pipeRoundTrip = ["run", "--serve", "--mechanisms", "pipe", "--modes", "latency", "--sizes", "64", "--placements",
                                "same-core", "--waits", "block", "--copy", "copy", "--pairs", "1", "--quiet"]

    /// Feeds `requests` on standard input and returns the rows.
    private func serve(_ requests: String, _ arguments: [String] = ServeTests.pipeRoundTrip) throws -> (ProgramRunner.Output, [ResultRow]) {
        let dir = try PrivateDirectory(prefix: "ipcbench-servetest")
        defer { dir.remove() }
        let input = "\(dir.path)/requests"
        XCTAssertTrue(FileManager.default.createFile(atPath: input, contents: Data(requests.utf8)))
        let out = ProgramRunner.run(["-c", "exec '\(ProgramRunner.executable)' \(arguments.joined(separator: " ")) < '\(input)'"],
                                    program: "/bin/sh")
        let rows = out.stdout.isEmpty ? [] : try ResultSet.parse(out.stdout, name: "serve").rows
        return (out, rows)
    }

    func testEveryTimedBurstIsARowWithTimesAndNoCounts() throws {
        let (out, rows) = try serve("200\n300\n\n")
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows.map(\.repetition), [1, 2])
        XCTAssertEqual(rows.map { $0[ResultSchema.messages] }, [200, 300])
        for row in rows {
            XCTAssertEqual(row.status, .ok)
            XCTAssertNotNil(row[ResultSchema.rttP50Ns])
            XCTAssertNil(row[ResultSchema.column("syscalls_per_msg")!], "a timed burst carries no counter")
        }
    }

    func testACountingBurstCarriesCountsAndNoTimes() throws {
        let (out, rows) = try serve("200\ncount 200\n")
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertEqual(rows.count, 2)
        XCTAssertNil(rows[1][ResultSchema.rttP50Ns], "a counting burst's times are slowed by its counters: not kept")
        XCTAssertNotNil(rows[0][ResultSchema.rttP50Ns])
        if let syscalls = rows[1][ResultSchema.column("syscalls_per_msg")!] {
            XCTAssertEqual(syscalls, 4, accuracy: 0.001, "a pipe round trip: a write and a read each way")
        }
    }

    func testRenewStartsFreshWorkersAndNumbersOn() throws {
        let (out, rows) = try serve("100\nrenew\n100\nrenew\n100\n")
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertEqual(rows.map(\.repetition), [1, 2, 3])
        XCTAssertTrue(rows.allSatisfy { $0.status == .ok })
    }

    func testAMalformedRequestEndsTheSessionAsAUsageError() throws {
        let (out, rows) = try serve("100\nlots\n100\n")
        XCTAssertEqual(out.status, ExitCode.usage)
        XCTAssertEqual(rows.count, 1)
        XCTAssertTrue(out.stderr.contains("not 'lots'"), out.stderr)
    }

    func testServeHoldsExactlyOneScenario() throws {
        let out = ProgramRunner.run(["run", "--serve", "--mechanisms", "pipe,fifo", "--quiet"])
        XCTAssertEqual(out.status, ExitCode.usage)
        XCTAssertTrue(out.stderr.contains("one scenario"), out.stderr)
        XCTAssertEqual(ProgramRunner.run(ServeTests.pipeRoundTrip + ["--output", "x.csv"]).status, ExitCode.usage)
    }

    func testASkippedScenarioSaysWhyInItsOnlyRow() throws {
        let (out, rows) = try serve("100\n", ["run", "--serve", "--mechanisms", "pipe", "--modes", "latency", "--sizes", "64",
                                               "--placements", "same-core", "--waits", "block", "--copy", "zero", "--quiet"])
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows.first?.status, .skipped)
    }
}

/// The burst-paired gate against builds that misbehave: each ends within its budget and a
/// bounded margin, as a setup failure naming the side, and leaves no process behind.
final class MisbehavingBuildTests: LeakCheckedTestCase {
    private func fakeBuild(_ dir: PrivateDirectory, _ name: String, _ body: String) -> String {
        let path = "\(dir.path)/\(name)"
        let text = "#!/bin/bash\n" + body + "\n"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o700]))
        return path
    }

    /// Runs the gate against `base` and checks the time it took, its status and what is left.
    private func gate(_ base: String, _ dir: PrivateDirectory, budget: Double = 4, within: Double) -> ProgramRunner.Output {
        let start = MonotonicClock.nowNs()
        let out = ProgramRunner.run(["gate", "--base", base, "--mechanisms", "pipe", "--budget", "\(Int(budget))s", "--output", dir.path])
        let seconds = Double(MonotonicClock.nowNs() - start) / 1e9
        XCTAssertLessThan(seconds, within, "the gate must end within its budget and margin: \(out.stderr)")
        XCTAssertEqual(out.status, GateCommand.Status.setupFailed, out.stderr)
        XCTAssertTrue(out.stderr.contains("BASE") || out.stderr.contains(base), out.stderr)
        usleep(100_000)
        XCTAssertEqual(ProgramRunner.processes(named: "ipcbench-fake").count, 0, "a process of the fake build was left")
        return out
    }

    /// Gates pipe against a fake build whose script is `body` (`ME` stands for the real
    /// ipcbench); the gate must stop it and say `expected`.
    private func expectStopped(_ body: String, saying expected: String, within seconds: Double = 20) throws {
        let dir = try PrivateDirectory(prefix: "ipcbench-gatetest")
        defer { dir.remove() }
        let base = fakeBuild(dir, "fake", body.replacingOccurrences(of: "ME", with: "'\(ProgramRunner.executable)'"))
        let out = gate(base, dir, within: seconds)
        XCTAssertTrue(out.stderr.contains(expected), out.stderr)
    }

    func testABuildThatNeverAnswersIsStopped() throws {
        try expectStopped("exec -a ipcbench-fake sleep 1000", saying: "still running")
    }

    func testABuildThatNeverStopsPrintingIsStopped() throws {
        try expectStopped("exec -a ipcbench-fake yes", saying: "printed more than")
    }

    func testABuildThatIgnoresSIGTERMIsKilled() throws {
        // SIG_IGN survives exec: only the SIGKILL after the grace period ends it.
        try expectStopped("trap '' TERM; exec -a ipcbench-fake sleep 1000", saying: "still running")
    }

    func testABuildThatFloodsStandardErrorIsStopped() throws {
        try expectStopped("exec -a ipcbench-fake yes >&2", saying: "printed more than")
    }

    func testABuildThatHangsMidSessionIsStopped() throws {
        // Answers like ipcbench (its help names --serve), prints a header, then says nothing.
        try expectStopped("""
            case " $* " in *" --serve "*) ME run --help >/dev/null; printf 'mechanism,mode,status\\r\\n'; exec -a ipcbench-fake sleep 1000 ;; esac
            exec ME "$@"
            """, saying: "hanging", within: 4 + BurstGate.marginSeconds + 10)
    }

    func testABuildThatCrashesIsASetupFailureOfThatSide() throws {
        try expectStopped("""
            case " $* " in *" --serve "*) kill -SEGV $$ ;; esac
            exec ME "$@"
            """, saying: "signal 11")
    }

    func testABuildThatMeasuresAnotherScenarioIsLying() throws {
        try expectStopped("""
            args=("$@")
            for i in "${!args[@]}"; do [ "${args[$i]}" = --mechanisms ] && args[$((i + 1))]=fifo; done
            exec ME "${args[@]}"
            """, saying: "measured fifo")
    }

    func testACandidateThatAddsAColumnIsGatedOnWhatBothHave() throws {
        let dir = try PrivateDirectory(prefix: "ipcbench-gatetest")
        defer { dir.remove() }
        // The real build, its serve rows with one more column: a release that added one.
        let me = "'\(ProgramRunner.executable)'"
        let newer = fakeBuild(dir, "newer", """
            add() { IFS= read -r line || return; printf '%s,frobs_per_msg\\r\\n' "${line%$'\\r'}"
                    while IFS= read -r line; do printf '%s,7\\r\\n' "${line%$'\\r'}"; done; }
            case " $* " in *" --serve "*) \(me) "$@" | add; exit ${PIPESTATUS[0]} ;; esac
            exec \(me) "$@"
            """)
        let out = ProgramRunner.run(["gate", "--base", ProgramRunner.executable, "--candidate", newer, "--mechanisms", "pipe",
                                     "--budget", "4s", "--output", dir.path])
        XCTAssertTrue([GateCommand.Status.success, ExitCode.undecided].contains(out.status), out.stderr)
        let summary = try XCTUnwrap(ProcFiles.read("\(dir.path)/summary.md"))
        XCTAssertTrue(summary.contains("columns only in NEW, not compared: frobs"), summary)
        let json = try JSONReader.parse(try XCTUnwrap(ProcFiles.read("\(dir.path)/compare.json")))
        XCTAssertEqual(json["columns_only_in_candidate"]?.array?.compactMap(\.string), ["frobs_per_msg"])
        XCTAssertTrue(summary.contains("pipe"), summary)
    }
}

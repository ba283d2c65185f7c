import Glibc
import XCTest
@testable import IPCBenchCore

/// Faults from outside and hostile surroundings: workers killed, stopped or crashed, the
/// coordinator interrupted, limits too small to work in, a report that cannot be written, a
/// shared temp folder, two runs at once. Whatever happens, the run ends with a status and a note
/// that say what happened, every process is reaped and every object removed; while it runs,
/// every object it made is private to it.
///
/// All of it through the built `ipcbench` binary, watched from here through /proc.
///
/// The base of the fault tests (KilledWorkerTests, StoppedWorkerTests, InterruptedRunTests,
/// UnwritableReportTests, ScarceResourceTests, PrivateObjectTests, ConcurrentRunTests): each test
/// gets its own TMPDIR and output folder, and helpers to start runs and watch their workers.
class FaultTestCase: LeakCheckedTestCase {
    /// This test's own TMPDIR, so the temp folders of other runs on the machine are neither
    /// counted as leaks nor mistaken for ours.
    private var scope: TemporaryBaseScope!
    /// Where the runs write their CSVs.
    var folder: PrivateDirectory!
    private var objectsBefore: SystemObjects!

    var tmp: String { scope.path }

    override func setUp() {
        super.setUp()
        scope = TemporaryBaseScope()
        objectsBefore = SystemObjects.snapshot()
        folder = try! PrivateDirectory(prefix: "ipcbench-faulttest")
    }

    override func tearDown() {
        for name in SystemObjects.entries(folder.path) where name.hasPrefix(".") {
            XCTFail("a hidden (temp) file was left in the output folder: \(name)")
        }
        folder.remove()
        folder = nil
        // Objects of other runs on this machine get a moment to go, so the leak check in
        // super.tearDown() only sees what outlives this test; ipcbench's temp folders are in
        // this test's TMPDIR, which that check does not look at, so they are checked here.
        _ = settledLeaks(since: objectsBefore)
        XCTAssertEqual(SystemObjects.entries(tmp).filter { $0.hasPrefix("ipcbench") }, [], "left in TMPDIR")
        scope.end()
        scope = nil
        super.tearDown()
    }

    /// A 64 KiB tmpfs at `name` in the output folder, filled to the last block by a file named
    /// `filler`. Skips the test where mounting is not allowed.
    func mountFullTmpfs(_ name: String) throws -> String {
        let path = "\(folder.path)/\(name)"
        XCTAssertEqual(mkdir(path, 0o700), 0)
        guard mount("tmpfs", path, "tmpfs", 0, "size=64k,mode=0700") == 0 else {
            let why = errnoName(errno)
            rmdir(path)
            throw XCTSkip("cannot mount a tmpfs here (\(why)): needs root or CAP_SYS_ADMIN")
        }
        let filler = open("\(path)/filler", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        XCTAssertGreaterThanOrEqual(filler, 0)
        var block = [UInt8](repeating: 0x55, count: 4096)
        while block.withUnsafeMutableBytes({ Glibc.write(filler, $0.baseAddress, $0.count) }) > 0 {}
        close(filler)
        return path
    }

    func unmount(_ path: String) {
        umount2(path, Int32(MNT_DETACH))
        rmdir(path)
    }

    /// Starts `ipcbench` with this test's TMPDIR (unless `environment` names another).
    func start(
        _ arguments: [String], workingDirectory: String? = nil, environment: [String: String?] = [:],
        limits: [ProgramRunner.ResourceLimit] = []
    ) -> ProgramRunner.Running {
        var env = environment
        if env["TMPDIR"] == nil { env["TMPDIR"] = tmp }
        return ProgramRunner.start(arguments, workingDirectory: workingDirectory, environment: env, limits: limits)
    }

    func write(_ text: String, to name: String) throws -> String {
        let path = "\(folder.path)/\(name)"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw XCTSkip("cannot write \(path)") }
        defer { close(fd) }
        var bytes = Array(text.utf8)
        XCTAssertEqual(Glibc.write(fd, &bytes, bytes.count), bytes.count)
        return path
    }

    /// Polls `condition` every `every` µs; the seconds it took, or nil after `timeout`.
    func secondsUntil(timeout: Double, every: UInt32 = 2_000, _ condition: () -> Bool) -> Double? {
        let start = MonotonicClock.nowNs()
        while true {
            if condition() { return Double(MonotonicClock.nowNs() - start) / 1e9 }
            if Double(MonotonicClock.nowNs() - start) / 1e9 > timeout { return nil }
            usleep(every)
        }
    }

    /// The run's worker processes: its children except the janitor (Harness/Janitor.swift), which
    /// ignores SIGTERM so that a signal meant for the coordinator cannot end it first.
    func workers(of run: ProgramRunner.Running) -> [pid_t] {
        run.children.filter { !ignores(SIGTERM, $0) }
    }

    func ignores(_ signal: Int32, _ pid: pid_t) -> Bool {
        guard let status = ProcFiles.read("/proc/\(pid)/status") else { return false }
        for line in status.split(separator: "\n") where line.hasPrefix("SigIgn:") {
            let mask = UInt64(line.dropFirst("SigIgn:".count).filter { $0.isHexDigit }, radix: 16) ?? 0
            return mask & (1 << UInt64(signal - 1)) != 0
        }
        return false
    }

    /// Waits (up to 10 s) for `count` workers none of which is in `seen`, oldest first: the
    /// coordinator forks the consumer before the producer. The set must hold still for 20 ms, so
    /// a janitor caught between its fork and its `signal(SIGTERM, SIG_IGN)` is not taken for a worker.
    func newWorkers(of run: ProgramRunner.Running, count: Int, excluding seen: Set<pid_t>) -> [pid_t]? {
        var found: [pid_t] = []
        let ok = secondsUntil(timeout: 10) {
            if run.poll() != nil { return true }
            found = self.workers(of: run).filter { !seen.contains($0) }
            guard found.count == count else { return false }
            usleep(20_000)
            return self.workers(of: run).filter { !seen.contains($0) } == found
        }
        return ok != nil && found.count == count && run.poll() == nil ? found.sorted() : nil
    }
}

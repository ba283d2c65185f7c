import Glibc
import XCTest
@testable import IPCBenchCore

/// While a run goes, every object it made is private to it: a 0700 temp folder with a random
/// name, names unlinked before the workers start, System V objects 0600, sockets on loopback.
final class PrivateObjectTests: FaultTestCase {
    // MARK: - Every object private

    func testEveryObjectOfARunIsPrivateWhileItRuns() throws {
        let csv = "\(folder.path)/private.csv"
        let devShmBefore = SystemObjects.entries("/dev/shm")
        let run = start(
            ["run", "--mechanisms", "fifo,tcp,posix-mq,sysv-mq,shm-posix,shm-sysv,shm-mmap,shm-sem", "--modes", "latency",
             "--sizes", "64", "--messages", "4000", "--waits", "block", "--repetitions", "1", "--quiet", "--output", csv])
        var problems: Set<String> = []
        var sawTempFolder = false, sawQueue = false, sawSegment = false, sawSocket = false
        var firstSeenShm: [String: UInt64] = [:]
        while run.poll() == nil {
            let workers = workers(of: run)
            // The temp folder: a directory only we can enter.
            for name in SystemObjects.entries(tmp) where name.hasPrefix("ipcbench.") {
                var info = stat()
                guard lstat("\(tmp)/\(name)", &info) == 0 else { continue }
                sawTempFolder = true
                if (info.st_mode & S_IFMT) != S_IFDIR || (info.st_mode & 0o7777) != 0o700 || info.st_uid != getuid() {
                    problems.insert("temp folder \(name): mode \(String(info.st_mode & 0o7777, radix: 8)), uid \(info.st_uid)")
                }
            }
            // Named objects a worker holds are already unlinked (workers are forked after the unlink).
            for pid in workers {
                for target in descriptorTargets(pid) + mappedFiles(pid) where isNamedObject(target, tmp: tmp) {
                    if !target.hasSuffix("(deleted)") { problems.insert("worker holds a name still visible: \(target)") }
                }
            }
            // Nothing of ours stays visible in /dev/shm.
            let now = MonotonicClock.nowNs()
            for name in SystemObjects.entries("/dev/shm").subtracting(devShmBefore) where name.hasPrefix("ipcbench") {
                let first = firstSeenShm[name] ?? now
                firstSeenShm[name] = first
                if now - first > 200_000_000 { problems.insert("/dev/shm/\(name) stayed visible for 200 ms") }
            }
            // System V objects: 0600.
            let pids = Set(workers)
            for row in sysvRows("/proc/sysvipc/msg") where pids.contains(row.pid1) || pids.contains(row.pid2) {
                sawQueue = true
                if row.perms & 0o777 != 0o600 { problems.insert("System V queue \(row.id): perms \(String(row.perms, radix: 8))") }
            }
            for row in sysvRows("/proc/sysvipc/shm") where row.pid1 == run.pid {
                sawSegment = true
                if row.perms & 0o777 != 0o600 { problems.insert("System V segment \(row.id): perms \(String(row.perms, radix: 8))") }
            }
            // Sockets: loopback only.
            for socket in tcpSockets(ownedBy: [run.pid] + workers) {
                sawSocket = true
                if !socket.local.hasPrefix("0100007F:") { problems.insert("TCP socket on \(socket.local) (state \(socket.state))") }
            }
            usleep(1_000)
        }
        let out = try XCTUnwrap(run.wait(atMost: 1))
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertEqual(problems.sorted(), [])
        XCTAssertTrue(sawTempFolder, "never saw the run's temp folder under TMPDIR")
        XCTAssertTrue(sawQueue, "never saw the run's System V queues")
        XCTAssertTrue(sawSegment, "never saw the run's System V segment")
        XCTAssertTrue(sawSocket, "never saw the run's TCP sockets")
        XCTAssertEqual(SystemObjects.entries(tmp).filter { $0.hasPrefix("ipcbench.") }, [], "the temp folder was not removed")
    }

    func testTheTCPListenerListensOnlyOnLoopback() throws {
        var sockets: [String: TCPSocket] = [:]  // by inode: every TCP socket a coordinator was seen holding
        var random = SystemRandomNumberGenerator()
        // The listener lives only until the coordinator has accepted its own connection, tens of
        // microseconds a repetition: freeze the coordinator at random moments and look at what it
        // holds, over short runs until a listener was caught (nearly always in the first).
        for attempt in 1...3 where !sockets.values.contains(where: { $0.state == "0A" }) {
            let run = start(
                ["run", "--mechanisms", "tcp", "--modes", "latency", "--waits", "block", "--sizes", "64", "--messages", "1",
                 "--warmup", "0", "--repetitions", "200", "--quiet", "--output", "\(folder.path)/tcp-\(attempt).csv"])
            while run.poll() == nil {
                kill(run.pid, SIGSTOP)
                _ = secondsUntil(timeout: 1, every: 20) { ProgramRunner.status(of: run.pid).map { $0.state == "T" || $0.state == "Z" } ?? true }
                let held = descriptorTargets(run.pid).filter { $0.hasPrefix("socket:[") }.map { String($0.dropFirst(8).dropLast()) }
                if held.contains(where: { sockets[$0] == nil }) {
                    for s in tcpTable() where held.contains(s.inode) { sockets[s.inode] = s }
                }
                kill(run.pid, SIGCONT)
                usleep(UInt32.random(in: 0...2_000, using: &random))
            }
            let out = try XCTUnwrap(run.wait(atMost: 1))
            XCTAssertEqual(out.status, 0, out.stderr)
        }
        XCTAssertFalse(sockets.isEmpty, "never saw a socket of the run")
        for s in sockets.values {
            XCTAssertTrue(s.local.hasPrefix("0100007F:"), "a socket of the run on \(s.local), state \(s.state)")
            if s.state != "0A" { XCTAssertTrue(s.remote.hasPrefix("0100007F:"), "connected to \(s.remote)") }
        }
        if !sockets.values.contains(where: { $0.state == "0A" }) {
            print("note: the listener was not caught in 600 repetitions; only its connections were checked")
        }
    }

    func testAPredictableTMPDIRStillGetsAFreshRandomPrivateFolder() throws {
        // A shared, world-writable folder whose name anyone could guess, with decoys planted.
        let shared = "\(PrivateDirectory.temporaryBase())/ipcbench-predictable-tmp-\(getpid())"
        XCTAssertEqual(mkdir(shared, 0o777), 0)
        chmod(shared, 0o1777)
        defer {
            for name in SystemObjects.entries(shared) {
                if rmdir("\(shared)/\(name)") != 0 { unlink("\(shared)/\(name)") }
            }
            rmdir(shared)
        }
        let decoyTarget = folder.path
        XCTAssertEqual(symlink(decoyTarget, "\(shared)/ipcbench"), 0)
        XCTAssertEqual(symlink(decoyTarget, "\(shared)/ipcbench.XXXXXX"), 0)
        close(open("\(shared)/ipcbench.000000", O_CREAT | O_WRONLY, 0o666))
        let decoys = SystemObjects.entries(shared)

        var made: [String] = []
        for n in 1...2 {
            let run = start(
                ["run", "--mechanisms", "fifo,shm-mmap", "--modes", "latency", "--sizes", "64", "--messages", "2000",
                 "--repetitions", "1", "--quiet", "--output", "\(folder.path)/predictable-\(n).csv"],
                environment: ["TMPDIR": shared])
            while run.poll() == nil {
                for name in SystemObjects.entries(shared).subtracting(decoys) where !made.contains(name) {
                    var info = stat()
                    guard lstat("\(shared)/\(name)", &info) == 0 else { continue }
                    made.append(name)
                    XCTAssertEqual(info.st_mode & S_IFMT, S_IFDIR, "\(name) is not a plain folder")
                    XCTAssertEqual(info.st_mode & 0o7777, 0o700, "\(name) mode \(String(info.st_mode & 0o7777, radix: 8))")
                    XCTAssertEqual(info.st_uid, getuid())
                }
                usleep(500)
            }
            let out = try XCTUnwrap(run.wait(atMost: 1))
            XCTAssertEqual(out.status, 0, out.stderr)
        }
        XCTAssertEqual(made.count, 2, "one fresh folder per run: \(made)")
        XCTAssertEqual(Set(made).count, made.count, "two runs used the same folder name")
        for name in made {
            let suffix = name.dropFirst("ipcbench.".count)
            XCTAssertTrue(name.hasPrefix("ipcbench.") && suffix.count >= 6 && suffix.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
                          && suffix != "XXXXXX" && suffix != "000000", "not a random name: \(name)")
        }
        XCTAssertEqual(SystemObjects.entries(shared), decoys, "the run's folders must be gone and the decoys untouched")
        XCTAssertEqual(SystemObjects.entries(decoyTarget).filter { !$0.hasSuffix(".csv") }, [], "something followed the planted symlink")
    }

    // MARK: - Helpers

    /// What a process's descriptors point at (readlink of /proc/PID/fd/*).
    private func descriptorTargets(_ pid: pid_t) -> [String] {
        SystemObjects.entries("/proc/\(pid)/fd").compactMap { fd in
            var buffer = [CChar](repeating: 0, count: 4096)
            let n = readlink("/proc/\(pid)/fd/\(fd)", &buffer, 4095)
            return n > 0 ? String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
        }
    }

    /// The file names of a process's mappings (/proc/PID/maps, sixth field on).
    private func mappedFiles(_ pid: pid_t) -> [String] {
        (ProcFiles.read("/proc/\(pid)/maps", limit: 1 << 22) ?? "").split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            return fields.count == 6 ? String(fields[5]) : nil
        }
    }

    /// A name another process could open: POSIX shm and queues, files in the run's temp folder.
    private func isNamedObject(_ target: String, tmp: String) -> Bool {
        target.hasPrefix("/dev/shm/") || target.hasPrefix("/ipcbench-") || target.hasPrefix("/dev/mqueue/")
            || target.hasPrefix("\(tmp)/ipcbench.")
    }

    private struct SysVRow { var id: String; var perms: Int; var pid1: pid_t; var pid2: pid_t }

    /// /proc/sysvipc/msg (lspid, lrpid) and /proc/sysvipc/shm (cpid, lpid) rows.
    private func sysvRows(_ path: String) -> [SysVRow] {
        let shm = path.hasSuffix("shm")
        return (ProcFiles.read(path) ?? "").split(separator: "\n").dropFirst().compactMap { line in
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            let (a, b) = shm ? (4, 5) : (5, 6)
            guard f.count > b, let perms = Int(f[2], radix: 8), let p1 = pid_t(f[a]), let p2 = pid_t(f[b]) else { return nil }
            return SysVRow(id: String(f[1]), perms: perms, pid1: p1, pid2: p2)
        }
    }

    private struct TCPSocket: Hashable { var local: String; var remote: String; var state: String; var inode: String }

    /// Every row of /proc/net/tcp and /proc/net/tcp6 (addresses as the kernel prints them).
    private func tcpTable() -> [TCPSocket] {
        var out: [TCPSocket] = []
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            for line in (ProcFiles.read(table, limit: 1 << 24) ?? "").split(separator: "\n").dropFirst() {
                let f = line.split(separator: " ", omittingEmptySubsequences: true)
                guard f.count > 9 else { continue }
                out.append(TCPSocket(local: String(f[1]), remote: String(f[2]), state: String(f[3]), inode: String(f[9])))
            }
        }
        return out
    }

    /// TCP sockets (IPv4 and IPv6) held by `pids`, matched on inode.
    private func tcpSockets(ownedBy pids: [pid_t]) -> [TCPSocket] {
        var inodes: Set<String> = []
        for pid in pids {
            for t in descriptorTargets(pid) where t.hasPrefix("socket:[") { inodes.insert(String(t.dropFirst(8).dropLast())) }
        }
        return inodes.isEmpty ? [] : tcpTable().filter { inodes.contains($0.inode) }
    }
}

import Glibc
import CIPCShim

/// Another program run by the gate (a build of ipcbench): spawned in a process group of its
/// own with a clean signal mask, given a deadline, and always torn down and reaped — SIGTERM,
/// a grace period, then SIGKILL of its whole group — as swift-subprocess does. The gate sleeps
/// in poll(2) while the child measures, so it takes no CPU from it.
public struct ChildProcess {
    public struct Result: Sendable {
        public var status: Int32
        public var signal: Int32?
        public var output: String
        public var errors: String
        public var seconds: Double
        /// Set when the child was stopped by the gate: it outlived its deadline, or printed more
        /// than the limit.
        public var stoppedBecause: String?
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public let program: String
        public let code: Int32
        public var description: String { "cannot start \(program): \(errnoName(code)) (\(errnoText(code)))" }
    }

    /// How long a child that was asked to stop may take before it is killed.
    public static let graceMs: Int32 = 1_000

    /// A running child and our ends of its pipes (-1 where not piped).
    struct Spawned {
        var pid: pid_t
        var input: Int32
        var output: Int32
        var errors: Int32
    }

    /// Starts `program` with `arguments`, standard output and error piped to us, standard input
    /// piped from us or /dev/null. Our ends are close-on-exec, so no other child inherits them.
    static func spawn(_ program: String, _ arguments: [String], pipeInput: Bool) throws(SpawnError) -> Spawned {
        var pipes: [[Int32]] = []
        func cleanup() { for p in pipes { close(p[0]); close(p[1]) } }
        for _ in 0..<(pipeInput ? 3 : 2) {
            var p: [Int32] = [-1, -1]
            guard ipc_pipe2(&p, O_CLOEXEC) == 0 else {
                let e = errno
                cleanup()
                throw SpawnError(program: program, code: e)
            }
            pipes.append(p)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if pipeInput { posix_spawn_file_actions_adddup2(&actions, pipes[2][0], 0) }
        else { posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) }
        posix_spawn_file_actions_adddup2(&actions, pipes[0][1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipes[1][1], 2)
        // Its own process group (so a teardown reaches whatever it started), every signal
        // unblocked, and the ones we ignore or catch back to their defaults.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), defaults = sigset_t()
        sigemptyset(&empty)
        sigemptyset(&defaults)
        for s in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGXFSZ] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([program] + arguments).map { strdup($0) }
        defer { for p in argv { free(p) } }
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv + [nil]
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, program, &actions, &attributes, &cArgs, environ)
        close(pipes[0][1]); close(pipes[1][1])
        if pipeInput { close(pipes[2][0]) }
        if rc != 0 {
            close(pipes[0][0]); close(pipes[1][0])
            if pipeInput { close(pipes[2][1]) }
            throw SpawnError(program: program, code: rc)
        }
        return Spawned(pid: pid, input: pipeInput ? pipes[2][1] : -1, output: pipes[0][0], errors: pipes[1][0])
    }

    /// Ends `pid` and its group and reaps it: SIGTERM, up to `graceMs` for it to exit, then
    /// SIGKILL to the whole group. Returns its wait status.
    static func teardown(_ pid: pid_t, graceMs: Int32 = graceMs) -> Int32 {
        var status: Int32 = 0
        kill(pid, SIGTERM)
        if waitUntilExit(pid, &status, until: MonotonicClock.nowNs() + UInt64(graceMs) * 1_000_000) {
            kill(-pid, SIGKILL)  // what it left in its group
            return status
        }
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status
    }

    /// Runs `program` with `arguments` (argv[0] is the program), the environment inherited,
    /// standard input from /dev/null; at most `limitBytes` of each output stream are kept, and
    /// a child still running after `timeoutSeconds`, or printing more than `limitBytes`, is
    /// torn down (``teardown``) and says so in `stoppedBecause`.
    public static func run(_ program: String, _ arguments: [String], limitBytes: Int = 64 << 20,
                           timeoutSeconds: Double = 600) throws(SpawnError) -> Result {
        let start = MonotonicClock.nowNs()
        let child = try spawn(program, arguments, pipeInput: false)
        let deadline = start + UInt64(max(0, timeoutSeconds) * 1e9)
        var out: [UInt8] = [], err: [UInt8] = []
        var open = [child.output, child.errors]
        var chunk = [UInt8](repeating: 0, count: 65536)
        var stopped: String? = nil
        while !open.isEmpty && stopped == nil {
            let now = MonotonicClock.nowNs()
            if now >= deadline { stopped = "still running after \(formatSeconds(timeoutSeconds)) s"; break }
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let waitMs = Int32(min(1_000, (deadline - now) / 1_000_000 + 1))
            if poll(&fds, nfds_t(fds.count), waitMs) < 0 {
                if errno == EINTR { continue }
                break
            }
            for f in fds where f.revents != 0 {
                let n = chunk.withUnsafeMutableBytes { read(f.fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    if f.fd == child.output { out += chunk[0..<n] } else { err += chunk[0..<n] }
                    if out.count > limitBytes || err.count > limitBytes {
                        stopped = "printed more than \(limitBytes) bytes"
                    }
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(f.fd)
                    open.removeAll { $0 == f.fd }
                }
            }
        }
        for fd in open { close(fd) }
        let status: Int32
        if stopped != nil {
            status = teardown(child.pid)
        } else {
            var s: Int32 = 0
            // Both streams closed: it is exiting, or handed them on (then the grace applies).
            let reaped = waitUntilExit(child.pid, &s, until: MonotonicClock.nowNs() + UInt64(graceMs) * 1_000_000)
            if !reaped { stopped = "closed its output but did not exit" }
            status = reaped ? s : teardown(child.pid)
        }
        kill(-child.pid, SIGKILL)  // anything it left behind in its group
        let seconds = Double(MonotonicClock.nowNs() - start) / 1e9
        let exit = TerminationStatus(status)
        return Result(status: exit.exitCode ?? -1, signal: exit.signal,
                      output: String(decoding: out.prefix(limitBytes), as: UTF8.self),
                      errors: String(decoding: err.prefix(limitBytes), as: UTF8.self),
                      seconds: seconds, stoppedBecause: stopped)
    }

    /// Reaps `pid` if it exits before `deadline` (nanoseconds, monotonic).
    static func waitUntilExit(_ pid: pid_t, _ status: inout Int32, until deadline: UInt64) -> Bool {
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { return true }
            if r < 0 && errno != EINTR { return true }
            if MonotonicClock.nowNs() >= deadline { return false }
            usleep(1_000)
        }
    }
}

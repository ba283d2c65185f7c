import Glibc
import CIPCShim

/// Runs another program to completion and collects what it printed: how the gate runs the
/// BASE and NEW builds of ipcbench, one scenario at a time. The gate sleeps in poll(2) while
/// the child measures, so it takes no CPU from it.
public struct ChildProcess {
    public struct Result: Sendable {
        public var status: Int32
        public var signal: Int32?
        public var output: String
        public var errors: String
        public var seconds: Double
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public let program: String
        public let code: Int32
        public var description: String { "cannot start \(program): \(errnoName(code)) (\(errnoText(code)))" }
    }

    /// Runs `program` with `arguments` (argv[0] is the program), the environment inherited,
    /// standard input from /dev/null; at most `limitBytes` of each output stream are kept.
    public static func run(_ program: String, _ arguments: [String], limitBytes: Int = 64 << 20) throws(SpawnError) -> Result {
        var outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        guard ipc_pipe2(&outPipe, O_CLOEXEC) == 0 else { throw SpawnError(program: program, code: errno) }
        guard ipc_pipe2(&errPipe, O_CLOEXEC) == 0 else {
            let e = errno
            close(outPipe[0]); close(outPipe[1])
            throw SpawnError(program: program, code: e)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)

        let argv = ([program] + arguments).map { strdup($0) }
        defer { for p in argv { free(p) } }
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv + [nil]
        let start = MonotonicClock.nowNs()
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, program, &actions, nil, &cArgs, environ)
        close(outPipe[1]); close(errPipe[1])
        if rc != 0 {
            close(outPipe[0]); close(errPipe[0])
            throw SpawnError(program: program, code: rc)
        }
        var out: [UInt8] = [], err: [UInt8] = []
        var open = [outPipe[0], errPipe[0]]
        var chunk = [UInt8](repeating: 0, count: 65536)
        while !open.isEmpty {
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if poll(&fds, nfds_t(fds.count), -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            for f in fds where f.revents != 0 {
                let n = chunk.withUnsafeMutableBytes { read(f.fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    if f.fd == outPipe[0] { if out.count < limitBytes { out += chunk[0..<n] } }
                    else if err.count < limitBytes { err += chunk[0..<n] }
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(f.fd)
                    open.removeAll { $0 == f.fd }
                }
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let seconds = Double(MonotonicClock.nowNs() - start) / 1e9
        let exit = TerminationStatus(status)
        return Result(status: exit.exitCode ?? -1, signal: exit.signal,
                      output: String(decoding: out, as: UTF8.self), errors: String(decoding: err, as: UTF8.self),
                      seconds: seconds)
    }
}

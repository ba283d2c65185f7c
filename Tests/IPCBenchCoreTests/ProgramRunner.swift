import Glibc
import XCTest
@testable import IPCBenchCore

/// Runs the built `ipcbench` binary (fork and exec, no threads) and captures what it says.
struct ProgramRunner {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `ipcbench` executable next to the test bundle.
    static var executable: String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, 4095)
        var path = String(decoding: buffer.prefix(max(0, n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        while !path.isEmpty && !path.hasSuffix(".xctest") { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
        let folder = path.isEmpty ? ".build/debug" : String(path[..<path.lastIndex(of: "/")!])
        return "\(folder)/ipcbench"
    }

    static func run(_ arguments: [String], workingDirectory: String? = nil, program: String? = nil, signalAfter: (Double, Int32)? = nil) -> Output {
        let outPath = "\(PrivateDirectory.temporaryBase())/ipcbench-test-out-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let errPath = outPath + ".err"
        defer { unlink(outPath); unlink(errPath) }
        let binary = program ?? executable
        let argv = ([binary] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let path = binary
        let pid = fork()
        if pid == 0 {
            // Child: only system calls, then exec.
            let input = open("/dev/null", O_RDONLY)
            let out = open(outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            let err = open(errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            dup2(input, 0); dup2(out, 1); dup2(err, 2)
            if let dir = workingDirectory, chdir(dir) != 0 { _exit(126) }
            execv(path, argv)
            _exit(127)
        }
        precondition(pid > 0, "fork failed")
        if let (delay, signal) = signalAfter {
            usleep(UInt32(delay * 1e6))
            kill(pid, signal)
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Output(status: code, stdout: ProcFiles.read(outPath) ?? "", stderr: ProcFiles.read(errPath) ?? "")
    }
}

// MARK: - Runs to watch while they go (fault and security tests)

extension ProgramRunner {
    /// A resource limit set in the child between fork and exec, as `ulimit` would.
    struct ResourceLimit {
        var resource: Int32
        var value: UInt64

        static func fileSizeBytes(_ n: UInt64) -> ResourceLimit { ResourceLimit(resource: Int32(RLIMIT_FSIZE.rawValue), value: n) }
        static func openFiles(_ n: UInt64) -> ResourceLimit { ResourceLimit(resource: Int32(RLIMIT_NOFILE.rawValue), value: n) }
        static func coreFileBytes(_ n: UInt64) -> ResourceLimit { ResourceLimit(resource: Int32(RLIMIT_CORE.rawValue), value: n) }
        static func messageQueueBytes(_ n: UInt64) -> ResourceLimit {
            ResourceLimit(resource: Int32(__RLIMIT_MSGQUEUE.rawValue), value: n)
        }
    }

    /// An `ipcbench` that is still running: signal it, look at its children, then `wait()`.
    /// Dropping it unwaited kills and reaps it, so a failed test leaves no process behind.
    final class Running {
        let pid: pid_t
        let startedNs: UInt64
        private let outPath: String
        private let errPath: String
        private var result: Output?

        fileprivate init(pid: pid_t, outPath: String, errPath: String) {
            self.pid = pid
            self.outPath = outPath
            self.errPath = errPath
            self.startedNs = MonotonicClock.nowNs()
        }

        var secondsSinceStart: Double { Double(MonotonicClock.nowNs() - startedNs) / 1e9 }

        /// The exit status (128+N for signal N) once the program has ended, else nil.
        func poll() -> Output? {
            if result != nil { return result }
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            guard r == pid else { return nil }
            finish(status)
            return result
        }

        /// Waits at most `seconds`; on timeout the program is killed (SIGKILL) and nil returned.
        func wait(atMost seconds: Double = 60) -> Output? {
            let deadline = MonotonicClock.nowNs() + UInt64(seconds * 1e9)
            while MonotonicClock.nowNs() < deadline {
                if let out = poll() { return out }
                usleep(5_000)
            }
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            finish(status)
            return nil
        }

        func signal(_ signal: Int32) { if result == nil { kill(pid, signal) } }

        /// The processes this one forked and has not reaped (its workers while a scenario runs).
        var children: [pid_t] { ProgramRunner.children(of: pid) }

        private func finish(_ status: Int32) {
            let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            result = Output(status: code, stdout: ProcFiles.read(outPath) ?? "", stderr: ProcFiles.read(errPath) ?? "")
            unlink(outPath)
            unlink(errPath)
        }

        deinit {
            if result == nil { _ = wait(atMost: 0) }
        }
    }

    /// Starts the binary without waiting: `environment` entries replace (or, with a nil value,
    /// remove) the test's own, `limits` are applied in the child, and only 0, 1 and 2 are inherited.
    static func start(
        _ arguments: [String], workingDirectory: String? = nil, environment: [String: String?] = [:],
        limits: [ResourceLimit] = [], program: String? = nil
    ) -> Running {
        let outPath = "\(PrivateDirectory.temporaryBase())/ipcbench-test-out-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let errPath = outPath + ".err"
        let binary = program ?? executable
        var env: [String: String] = [:]
        var e = environ
        while let entry = e.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") { env[String(text[..<eq])] = String(text[text.index(after: eq)...]) }
            e += 1
        }
        for (k, v) in environment { env[k] = v }
        // Everything the child touches is allocated before the fork.
        let argv = ([binary] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        let cOut = strdup(outPath)!, cErr = strdup(errPath)!, cDir = workingDirectory.map { strdup($0)! }
        let rlimits = limits.map { ($0.resource, rlimit(rlim_cur: rlim_t($0.value), rlim_max: rlim_t($0.value))) }
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
            free(cOut); free(cErr); cDir.map { free($0) }
        }
        let pid = fork()
        if pid == 0 {
            let input = open("/dev/null", O_RDONLY)
            let out = open(cOut, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            let err = open(cErr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            dup2(input, 0); dup2(out, 1); dup2(err, 2)
            // Nothing else leaks in: a tiny RLIMIT_NOFILE must mean what it says.
            for fd in 3..<4096 { close(Int32(fd)) }
            // As a fresh process would start: default dispositions, nothing blocked (a SIG_IGN the
            // test runner inherited would otherwise survive exec and change what is measured).
            for s in 1..<65 where s != SIGKILL && s != SIGSTOP { signal(Int32(s), SIG_DFL) }
            var none = sigset_t()
            sigemptyset(&none)
            sigprocmask(SIG_SETMASK, &none, nil)
            if let dir = cDir, chdir(dir) != 0 { _exit(126) }
            for (resource, value) in rlimits {
                var v = value
                if setrlimit(__rlimit_resource_t(UInt32(resource)), &v) != 0 { _exit(125) }
            }
            execve(argv[0]!, argv, envp)
            _exit(127)
        }
        precondition(pid > 0, "fork failed")
        return Running(pid: pid, outPath: outPath, errPath: errPath)
    }

    /// The live children of `pid`, oldest first (/proc/PID/task/*/children).
    static func children(of pid: pid_t) -> [pid_t] {
        var out: [pid_t] = []
        for task in SystemObjects.entries("/proc/\(pid)/task").sorted() {
            let text = ProcFiles.read("/proc/\(pid)/task/\(task)/children") ?? ""
            out += text.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { pid_t($0) }
        }
        return out.sorted()
    }

    /// One process as /proc/PID/stat shows it: state letter (R, S, T, Z, ...), parent, group.
    struct ProcessStatus {
        var pid: pid_t
        var state: Character
        var parent: pid_t
        var group: pid_t
    }

    static func status(of pid: pid_t) -> ProcessStatus? {
        guard let text = ProcFiles.read("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        // The command name may hold spaces and parentheses: fields start after the last ')'.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 3, let state = fields[0].first, let parent = pid_t(fields[1]), let group = pid_t(fields[2]) else { return nil }
        return ProcessStatus(pid: pid, state: state, parent: parent, group: group)
    }

    /// Every process on the machine (that /proc lets us see) whose group is `group`.
    static func processes(inGroup group: pid_t) -> [ProcessStatus] {
        SystemObjects.entries("/proc").compactMap { pid_t($0) }.compactMap { status(of: $0) }.filter { $0.group == group }
    }

    /// Every live process (not a zombie) whose argv[0] is `name` (`exec -a NAME` sets it).
    static func processes(named name: String) -> [pid_t] {
        SystemObjects.entries("/proc").compactMap { pid_t($0) }.filter { pid in
            guard let line = ProcFiles.read("/proc/\(pid)/cmdline"), let first = line.split(separator: "\u{0}").first,
                  first == name else { return false }
            return status(of: pid)?.state != "Z"
        }
    }
}

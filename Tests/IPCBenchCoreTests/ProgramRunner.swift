#if canImport(Glibc)
import Glibc
#endif
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

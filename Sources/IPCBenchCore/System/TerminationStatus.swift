import Glibc
import CIPCShim

/// How a child ended, decoded once from its wait status (exited with a code, or killed by a
/// signal), so nothing else decodes raw statuses through the shim's W* macros.
public struct TerminationStatus: Sendable, Equatable, CustomStringConvertible {
    public let exitCode: Int32?
    public let signal: Int32?

    public init(_ raw: Int32) {
        exitCode = ipc_wifexited(raw) != 0 ? ipc_wexitstatus(raw) : nil
        signal = ipc_wifsignaled(raw) != 0 ? ipc_wtermsig(raw) : nil
    }

    /// Exited with 0.
    public var isClean: Bool { exitCode == 0 }

    /// `was killed by signal 9 (Killed)`, `exited with status 1`.
    public var description: String {
        if let signal {
            let name = strsignal(signal).map { String(cString: $0) } ?? "signal \(signal)"
            return "was killed by signal \(signal) (\(name))"
        }
        return "exited with status \(exitCode ?? -1)"
    }
}

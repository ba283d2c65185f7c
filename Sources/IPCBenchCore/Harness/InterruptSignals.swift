import Glibc
import CIPCShim

/// SIGINT, SIGTERM and SIGHUP turned into a readable descriptor (signalfd), so the coordinator
/// notices them in the same poll that watches its workers and can clean up before it exits.
/// Install it before any thread starts: blocked signals only stay pending if every thread blocks them.
public final class InterruptSignals {
    public let fd: Int32
    public private(set) var received: Int32?

    public static let watched: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    public init() throws(IPCError) {
        var set = sigset_t()
        sigemptyset(&set)
        for s in InterruptSignals.watched { sigaddset(&set, s) }
        _ = try sys("sigprocmask") { sigprocmask(SIG_BLOCK, &set, nil) }
        fd = try sys("signalfd") { ipc_signalfd(&set) }
        try setNonBlocking(fd, true)
    }

    /// Reads a pending signal, if any; once one arrived it stays recorded.
    @discardableResult
    public func poll() -> Int32? {
        if received != nil { return received }
        let signal = ipc_signalfd_read(fd)
        if signal > 0 { received = signal }
        return received
    }

    /// The conventional exit status for a run ended by `signal` (128 + number).
    public static func exitStatus(for signal: Int32) -> Int32 { 128 + signal }
}

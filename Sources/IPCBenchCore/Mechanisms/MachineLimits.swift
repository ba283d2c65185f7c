import Glibc
import CIPCShim

/// The kernel limits that decide which payload sizes a mechanism can carry on this machine,
/// read from /proc and getrlimit once per run.
public struct MachineLimits: Sendable {
    /// /proc/sys/fs/mqueue/msgsize_max: largest POSIX queue message for unprivileged users.
    public var mqMessageSizeMax: Int
    /// /proc/sys/fs/mqueue/msg_max: deepest POSIX queue for unprivileged users.
    public var mqMessagesMax: Int
    /// RLIMIT_MSGQUEUE: bytes all of this user's POSIX queues may hold.
    public var mqBytesLimit: Int
    /// CAP_SYS_RESOURCE lets mq_open pass msgsize_max (up to the kernel's 16 MiB hard cap).
    public var hasSysResource: Bool
    /// /proc/sys/kernel/msgmax and msgmnb: System V largest message and queue capacity.
    public var sysvMessageMax: Int
    public var sysvQueueBytes: Int
    /// /proc/sys/fs/pipe-max-size, for `list`.
    public var pipeMaxSize: Int
    /// /proc/sys/net/core/wmem_default: the default socket send buffer.
    public var socketSendBufferDefault: Int

    /// The kernel's HARD_MSGSIZEMAX for POSIX queues.
    public static let mqHardMessageSizeMax = 16 * 1024 * 1024

    public static func current() -> MachineLimits {
        let rl = ipc_rlimit_msgqueue()
        let mqBytes = rl < 0 ? Int.max : Int(rl)
        return MachineLimits(
            mqMessageSizeMax: ProcFiles.integer("/proc/sys/fs/mqueue/msgsize_max") ?? 8192,
            mqMessagesMax: ProcFiles.integer("/proc/sys/fs/mqueue/msg_max") ?? 10,
            mqBytesLimit: mqBytes,
            hasSysResource: effectiveCapability(24),
            sysvMessageMax: ProcFiles.integer("/proc/sys/kernel/msgmax") ?? 8192,
            sysvQueueBytes: ProcFiles.integer("/proc/sys/kernel/msgmnb") ?? 16384,
            pipeMaxSize: ProcFiles.integer("/proc/sys/fs/pipe-max-size") ?? 1_048_576,
            socketSendBufferDefault: ProcFiles.integer("/proc/sys/net/core/wmem_default") ?? 212_992
        )
    }

    /// Reads bit `capability` of CapEff in /proc/self/status.
    static func effectiveCapability(_ capability: Int) -> Bool {
        guard let status = ProcFiles.read("/proc/self/status") else { return false }
        for line in status.split(separator: "\n") where line.hasPrefix("CapEff:") {
            let hex = String(line.dropFirst("CapEff:".count)).trimmingCharacters(in: " \t")
            guard let mask = UInt64(hex, radix: 16) else { return false }
            return mask & (1 << UInt64(capability)) != 0
        }
        return false
    }

    /// The POSIX queue depth a pair can get for `payloadBytes`, within RLIMIT_MSGQUEUE for
    /// `queues` queues at once; 0 when not even one message fits.
    public func mqDepth(payloadBytes: Int, queues: Int) -> Int {
        // The kernel charges each queue maxmsg * (msgsize + struct msg_msg + tree node).
        let perMessage = payloadBytes + 48 + 40
        let byBytes = mqBytesLimit == Int.max ? Int.max : mqBytesLimit / max(1, queues * perMessage)
        return max(0, min(10, mqMessagesMax, byBytes))
    }
}

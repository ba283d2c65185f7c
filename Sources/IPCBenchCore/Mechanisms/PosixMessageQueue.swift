import Glibc
import CIPCShim

/// `posix-mq`: two POSIX message queues (mq_open), one per direction, created O_EXCL with an
/// unpredictable name, mode 0600, and unlinked before the workers are forked.
public final class PosixMessageQueue: Mechanism {
    public static let name = "posix-mq"
    public static let summary = "POSIX message queues (mq_open 0600, unlinked before use)"
    public static let traits = MechanismTraits.sharedQueue(.kernel)

    private var forward: mqd_t = -1
    private var backward: mqd_t = -1
    private let messageBytes: Int

    public static func limitation(_ scenario: Scenario, limits: MachineLimits) -> String? {
        let ceiling = limits.hasSysResource ? MachineLimits.mqHardMessageSizeMax : limits.mqMessageSizeMax
        if scenario.payloadBytes > ceiling {
            return limits.hasSysResource
                ? "exceeds the kernel's POSIX queue message cap (\(ceiling) bytes)"
                : "exceeds /proc/sys/fs/mqueue/msgsize_max (\(ceiling) bytes)"
        }
        if limits.mqDepth(payloadBytes: scenario.payloadBytes, queues: 2 * scenario.pairs) < 1 {
            return "\(2 * scenario.pairs) queues of \(scenario.payloadBytes)-byte messages exceed RLIMIT_MSGQUEUE (\(limits.mqBytesLimit) bytes)"
        }
        return nil
    }

    public static func limitsSummary(_ limits: MachineLimits) -> String {
        let ceiling = limits.hasSysResource ? MachineLimits.mqHardMessageSizeMax : limits.mqMessageSizeMax
        return "message <= \(ceiling) bytes (msgsize_max \(limits.mqMessageSizeMax)"
            + (limits.hasSysResource ? ", exceeded with CAP_SYS_RESOURCE" : "")
            + "), depth min(10, msg_max \(limits.mqMessagesMax)) within RLIMIT_MSGQUEUE \(limits.mqBytesLimit) bytes"
    }

    public init(_ spec: ChannelSpec) throws(IPCError) {
        messageBytes = spec.payloadBytes
        let depth = spec.limits.mqDepth(payloadBytes: spec.payloadBytes, queues: 2 * spec.pairs)
        guard depth >= 1 else { throw .unsupported("posix-mq: RLIMIT_MSGQUEUE too small for this size") }
        let nonBlocking = spec.wait == .spin ? O_NONBLOCK : 0
        do {
            forward = try PosixMessageQueue.create(depth: depth, bytes: spec.payloadBytes, extraFlags: nonBlocking)
            backward = try PosixMessageQueue.create(depth: depth, bytes: spec.payloadBytes, extraFlags: nonBlocking)
        } catch {
            closeDescriptors()
            throw error
        }
    }

    private static func create(depth: Int, bytes: Int, extraFlags: Int32) throws(IPCError) -> mqd_t {
        let name = "/ipcbench-\(SecureRandom.token())"
        let q = try sys("mq_open") {
            ipc_mq_create(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | extraFlags, 0o600, depth, bytes)
        }
        mq_unlink(name)
        return q
    }

    public func endpoint(_ role: Role, peer: pid_t, spin: SpinPolicy) throws(IPCError) -> DuplexEndpoint<Calls> {
        DuplexEndpoint(role, forward: forward, backward: backward, spin: spin)
    }

    public func closeDescriptors() {
        if forward >= 0 { mq_close(forward) }
        if backward >= 0 { mq_close(backward) }
        forward = -1
        backward = -1
    }

    /// One message per mq_send and mq_receive (priority 0).
    public enum Calls: MessageCalls {
        @inline(__always)
        public static func send(_ queue: mqd_t, _ buffer: UnsafeRawPointer, _ count: Int, _ spin: SpinPolicy) throws(IPCError) {
            _ = try spin.call("mq_send") { mq_send(queue, buffer.assumingMemoryBound(to: CChar.self), count, 0) }
        }

        @inline(__always)
        public static func receive(_ queue: mqd_t, _ buffer: UnsafeMutableRawPointer, _ count: Int, _ spin: SpinPolicy) throws(IPCError) {
            var priority: UInt32 = 0
            let got = try spin.call("mq_receive") { mq_receive(queue, buffer.assumingMemoryBound(to: CChar.self), count, &priority) }
            if got != count { throw .messageSize(expected: count, received: got) }
        }
    }
}

import Glibc

/// `sysv-mq`: two System V message queues (msgget IPC_PRIVATE, 0600), one per direction.
///
/// A System V queue dies only by IPC_RMID, which also destroys it for processes still using it,
/// so the coordinator removes it right after reaping the workers, on every path.
public final class SystemVMessageQueue: Mechanism {
    public static let name = "sysv-mq"
    public static let summary = "System V message queues (msgget IPC_PRIVATE 0600)"
    public static var traits: MechanismTraits {
        var t = MechanismTraits.sharedQueue(.kernel)
        t.headroomBytes = headroomBytes
        return t
    }

    /// msgsnd/msgrcv want a `long mtype` right before the text: workers leave room for it in
    /// front of the payload, so no copy is needed.
    public static let headroomBytes = MemoryLayout<Int>.size

    private var forward: Int32 = -1
    private var backward: Int32 = -1
    private let janitor: Janitor?

    public static func limitation(_ scenario: Scenario, limits: MachineLimits) -> String? {
        if scenario.payloadBytes > limits.sysvMessageMax {
            return "exceeds /proc/sys/kernel/msgmax (\(limits.sysvMessageMax) bytes)"
        }
        if scenario.payloadBytes > limits.sysvQueueBytes {
            return "exceeds /proc/sys/kernel/msgmnb (\(limits.sysvQueueBytes) bytes per queue)"
        }
        return nil
    }

    public static func limitsSummary(_ limits: MachineLimits) -> String {
        "message <= msgmax \(limits.sysvMessageMax) bytes, queue <= msgmnb \(limits.sysvQueueBytes) bytes"
    }

    public init(_ spec: ChannelSpec) throws(IPCError) {
        janitor = spec.janitor
        do {
            forward = try sys("msgget") { msgget(IPC_PRIVATE, IPC_CREAT | IPC_EXCL | 0o600) }
            janitor?.register(forward)
            backward = try sys("msgget") { msgget(IPC_PRIVATE, IPC_CREAT | IPC_EXCL | 0o600) }
            janitor?.register(backward)
        } catch {
            destroy()
            throw error
        }
    }

    public func endpoint(_ role: Role, peer: pid_t, spin: SpinPolicy) throws(IPCError) -> DuplexEndpoint<Calls> {
        DuplexEndpoint(role, forward: forward, backward: backward, spin: spin)
    }

    /// Queue ids are not descriptors: nothing to close.
    public func closeDescriptors() {}

    public func destroy() {
        for id in [forward, backward] where id >= 0 {
            msgctl(id, IPC_RMID, nil)
            janitor?.unregister(id)
        }
        forward = -1
        backward = -1
    }

    /// msgsnd and msgrcv on a queue id. Buffers handed to them have
    /// ``SystemVMessageQueue/headroomBytes`` writable bytes before them for the message type.
    public enum Calls: MessageCalls {
        @inline(__always)
        public static func send(_ queue: Int32, _ buffer: UnsafeRawPointer, _ count: Int, _ spin: SpinPolicy) throws(IPCError) {
            let message = UnsafeMutableRawPointer(mutating: buffer) - headroomBytes
            message.storeBytes(of: 1, as: Int.self)
            _ = try spin.call("msgsnd", { msgsnd(queue, message, count, 0) }, poll: { msgsnd(queue, message, count, IPC_NOWAIT) })
        }

        @inline(__always)
        public static func receive(_ queue: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, _ spin: SpinPolicy) throws(IPCError) {
            let message = buffer - headroomBytes
            let got = try spin.call("msgrcv", wouldBlock: ENOMSG, { msgrcv(queue, message, count, 0, 0) },
                                    poll: { msgrcv(queue, message, count, 0, IPC_NOWAIT) })
            if got != count { throw .messageSize(expected: count, received: got) }
        }
    }
}

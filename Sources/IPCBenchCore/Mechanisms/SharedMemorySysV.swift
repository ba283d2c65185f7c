#if canImport(Glibc)
import Glibc
#endif

/// `shm-sysv`: the ring in a System V segment (shmget IPC_PRIVATE 0600), marked IPC_RMID right
/// after the coordinator attaches it: the kernel frees it when the last process detaches, so
/// not even a crash leaves it behind.
public final class SharedMemorySysV: Mechanism {
    public static let name = "shm-sysv"
    public static let summary = "SPSC ring in System V shared memory (shmget IPC_PRIVATE 0600, IPC_RMID once attached)"

    private var mapping: UnsafeMutableRawPointer?
    private let rings: RingPair

    public static func limitation(_ scenario: Scenario, limits: MachineLimits) -> String? {
        RingPair.limitation(payloadBytes: scenario.payloadBytes, mode: scenario.mode, ringBytes: scenario.ringBytes)
    }

    public static func limitsSummary(_ limits: MachineLimits) -> String {
        "any size (larger than the ring: streamed through it in pieces); --ring-size a power of two"
    }

    public init(_ spec: ChannelSpec) throws(IPCError) {
        let bytes = RingPair.bytes(capacity: spec.ringBytes)
        let id = try sys("shmget") { shmget(IPC_PRIVATE, bytes, IPC_CREAT | IPC_EXCL | 0o600) }
        let p = shmat(id, nil, 0)
        let attachErrno = errno
        shmctl(id, IPC_RMID, nil)
        guard let p, p != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw .system(call: "shmat", errno: attachErrno)
        }
        mapping = p
        rings = RingPair(mapping: p, capacity: spec.ringBytes)
    }

    public func endpoint(_ role: Role, peer: pid_t, spin: SpinPolicy) throws(IPCError) -> RingEndpoint {
        rings.endpoint(role, spin)
    }

    public func closeDescriptors() {}

    public func destroy() {
        if let mapping { shmdt(mapping) }
        mapping = nil
    }
}

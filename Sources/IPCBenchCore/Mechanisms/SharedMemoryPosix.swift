#if canImport(Glibc)
import Glibc
#endif

/// `shm-posix`: the ring in POSIX shared memory (shm_open O_EXCL 0600 with an unpredictable
/// name, mmap MAP_SHARED), unlinked as soon as it is mapped, before the workers are forked.
public final class SharedMemoryPosix: Mechanism {
    public static let name = "shm-posix"
    public static let summary = "SPSC ring in POSIX shared memory (shm_open 0600, unlinked once mapped)"

    private var mapping: UnsafeMutableRawPointer?
    private let mappingBytes: Int
    private let rings: RingPair

    public static func limitation(_ scenario: Scenario, limits: MachineLimits) -> String? {
        RingPair.limitation(payloadBytes: scenario.payloadBytes, mode: scenario.mode, ringBytes: scenario.ringBytes)
    }

    public static func limitsSummary(_ limits: MachineLimits) -> String {
        "any size (larger than the ring: streamed through it in pieces); --ring-size a power of two"
    }

    public init(_ spec: ChannelSpec) throws(IPCError) {
        let bytes = RingPair.bytes(capacity: spec.ringBytes)
        mappingBytes = bytes
        let name = "/ipcbench-\(SecureRandom.token())"
        let fd = try sys("shm_open") { shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600) }
        shm_unlink(name)
        defer { closeDescriptor(fd) }
        let p = try RingPair.mapShared(fd, bytes: bytes)
        mapping = p
        rings = RingPair(mapping: p, capacity: spec.ringBytes)
    }

    public func endpoint(_ role: Role, peer: pid_t, spin: SpinPolicy) throws(IPCError) -> RingEndpoint {
        rings.endpoint(role, spin)
    }

    /// The mapping is inherited, not a descriptor; it goes with the process.
    public func closeDescriptors() {}

    public func destroy() {
        if let mapping { munmap(mapping, mappingBytes) }
        mapping = nil
    }
}

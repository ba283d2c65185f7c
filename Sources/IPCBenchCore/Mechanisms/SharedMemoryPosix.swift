import Glibc

/// `shm-posix`: the ring in POSIX shared memory (shm_open O_EXCL 0600 with an unpredictable
/// name, mmap MAP_SHARED), unlinked as soon as it is mapped, before the workers are forked.
public final class SharedMemoryPosix: RingBacked {
    public static let name = "shm-posix"
    public static let summary = "SPSC ring in POSIX shared memory (shm_open 0600, unlinked once mapped)"
    public static let traits = RingPair.traits

    private let shared: SharedMapping
    let rings: RingPair

    public init(_ spec: ChannelSpec) throws(IPCError) {
        shared = try SharedMapping(.posixShm, bytes: RingPair.bytes(capacity: spec.ringBytes),
                                   reserve: "posix_fallocate of the ring in /dev/shm")
        rings = RingPair(mapping: shared.base, capacity: spec.ringBytes)
    }

    public func destroy() { shared.unmap() }
}

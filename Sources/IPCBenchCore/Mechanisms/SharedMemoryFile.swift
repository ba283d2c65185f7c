import Glibc

/// `shm-mmap`: the ring in a file (0600, O_EXCL, in the run's private folder) mapped
/// MAP_SHARED, unlinked as soon as it is mapped. Where the temp folder is on a disk, the page
/// cache backs it and writeback may show in the numbers; on tmpfs it behaves like shm-posix.
public final class SharedMemoryFile: RingBacked {
    public static let name = "shm-mmap"
    public static let summary = "SPSC ring in a memory-mapped file (0600 in a private folder, unlinked once mapped)"
    public static let traits = RingPair.traits

    private let shared: SharedMapping
    let rings: RingPair

    public static func limitsSummary(_ limits: MachineLimits) -> String {
        "any size (larger than the ring: streamed through it in pieces); file in \(PrivateDirectory.temporaryBase())"
    }

    public init(_ spec: ChannelSpec) throws(IPCError) {
        shared = try SharedMapping(.file(spec.directory), bytes: RingPair.bytes(capacity: spec.ringBytes),
                                   reserve: "posix_fallocate of the ring file in TMPDIR")
        rings = RingPair(mapping: shared.base, capacity: spec.ringBytes)
    }

    public func destroy() { shared.unmap() }
}

import Glibc

/// `shm-posix`: the ring in POSIX shared memory (shm_open O_EXCL 0600 with an unpredictable
/// name, mmap MAP_SHARED), unlinked as soon as it is mapped, before the workers are forked.
public final class SharedMemoryPosix: RingBacked {
    public static let name = "shm-posix"
    public static let summary = "SPSC ring in POSIX shared memory (shm_open 0600, unlinked once mapped)"
    public static let traits = RingPair.traits

    private var mapping: UnsafeMutableRawPointer?
    private let mappingBytes: Int
    let rings: RingPair

    public init(_ spec: ChannelSpec) throws(IPCError) {
        let bytes = RingPair.bytes(capacity: spec.ringBytes)
        mappingBytes = bytes
        let name = "/ipcbench-\(SecureRandom.token())"
        let fd = try sys("shm_open") { shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600) }
        shm_unlink(name)
        defer { closeDescriptor(fd) }
        let p = try RingPair.mapShared(fd, bytes: bytes, reserve: "posix_fallocate of the ring in /dev/shm")
        mapping = p
        rings = RingPair(mapping: p, capacity: spec.ringBytes)
    }

    public func destroy() {
        if let mapping { munmap(mapping, mappingBytes) }
        mapping = nil
    }
}

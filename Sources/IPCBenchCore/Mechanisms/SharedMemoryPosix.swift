import Glibc

/// `shm-posix`: the ring in POSIX shared memory (shm_open O_EXCL 0600 with an unpredictable
/// name, mmap MAP_SHARED), unlinked as soon as it is mapped, before the workers are forked.
public enum PosixShmBacking: RingBacking {
    public static let name = "shm-posix"
    public static let summary = "SPSC ring in POSIX shared memory (shm_open 0600, unlinked once mapped)"
    public static let memorySummary = ""

    public static func map(bytes: Int, _ spec: ChannelSpec) throws(IPCError) -> SharedMapping {
        try SharedMapping(.posixShm, bytes: bytes, reserve: "posix_fallocate of the ring in /dev/shm")
    }
}

public typealias SharedMemoryPosix = SharedMemoryRing<PosixShmBacking>

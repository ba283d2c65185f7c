import Glibc

/// `shm-posix`: the ring in POSIX shared memory (shm_open O_EXCL 0600 with an unpredictable
/// name, mmap MAP_SHARED), unlinked as soon as it is mapped, before the workers are forked.
public enum PosixShmBacking: RingBacking {
    public static let name = "shm-posix"
    public static let summary = "SPSC ring in POSIX shared memory (shm_open 0600, unlinked once mapped)"
    public static func backing(_ spec: ChannelSpec) -> SharedMapping.Backing { .posixShm }
}

public typealias SharedMemoryPosix = SharedMemoryRing<PosixShmBacking>

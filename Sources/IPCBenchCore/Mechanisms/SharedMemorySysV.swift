import Glibc

/// `shm-sysv`: the ring in a System V segment (shmget IPC_PRIVATE 0600), marked IPC_RMID right
/// after the coordinator attaches it: the kernel frees it when the last process detaches, so
/// not even a crash leaves it behind.
public enum SysVShmBacking: RingBacking {
    public static let name = "shm-sysv"
    public static let summary = "SPSC ring in System V shared memory (shmget IPC_PRIVATE 0600, IPC_RMID once attached)"
    public static func backing(_ spec: ChannelSpec) -> SharedMapping.Backing { .systemV }
}

public typealias SharedMemorySysV = SharedMemoryRing<SysVShmBacking>

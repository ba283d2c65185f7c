import Glibc

/// `shm-sysv`: the ring in a System V segment (shmget IPC_PRIVATE 0600), marked IPC_RMID right
/// after the coordinator attaches it: the kernel frees it when the last process detaches, so
/// not even a crash leaves it behind.
public final class SharedMemorySysV: RingBacked {
    public static let name = "shm-sysv"
    public static let summary = "SPSC ring in System V shared memory (shmget IPC_PRIVATE 0600, IPC_RMID once attached)"
    public static let traits = RingPair.traits

    private var mapping: UnsafeMutableRawPointer?
    let rings: RingPair

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

    public func destroy() {
        if let mapping { shmdt(mapping) }
        mapping = nil
    }
}

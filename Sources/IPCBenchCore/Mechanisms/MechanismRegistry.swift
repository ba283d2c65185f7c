/// Every mechanism ipcbench knows, in the order `list` and the reports show them.
/// Adding a mechanism is its own file plus one line here.
public enum MechanismRegistry {
    public static var all: [any Mechanism.Type] {
        [
        AnonymousPipe.self,
        NamedPipe.self,
        UnixStreamSocket.self,
        UnixDatagramSocket.self,
        UnixSeqpacketSocket.self,
        TCPLoopback.self,
        UDPLoopback.self,
        PosixMessageQueue.self,
        SystemVMessageQueue.self,
        EventCounter.self,
        RealtimeSignal.self,
        SharedMemoryPosix.self,
        SharedMemorySysV.self,
        SharedMemoryFile.self,
        MemoryCopy.self,
        CacheLineBounce.self,
        ]
    }

    public static var names: [String] { all.map { $0.name } }

    /// Whether `--ring-size` shapes this mechanism (the rings and the memcpy ceiling).
    public static func usesRing(_ name: String) -> Bool {
        ["shm-posix", "shm-sysv", "shm-mmap", "memcpy"].contains(name)
    }

    public static func named(_ name: String) -> (any Mechanism.Type)? {
        all.first { $0.name == name }
    }
}

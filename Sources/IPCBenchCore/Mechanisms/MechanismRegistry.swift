/// Every mechanism ipcbench knows, in the order `list` and the reports show them.
/// Adding a mechanism is its own file plus one line here.
public enum MechanismRegistry {
    static var entries: [Entry] {
        [
            entry(AnonymousPipe.self),
            entry(NamedPipe.self),
            entry(UnixStreamSocket.self),
            entry(UnixDatagramSocket.self),
            entry(UnixSeqpacketSocket.self),
            entry(TCPLoopback.self),
            entry(UDPLoopback.self),
            entry(PosixMessageQueue.self),
            entry(SystemVMessageQueue.self),
            entry(EventCounter.self),
            entry(RealtimeSignal.self),
            entry(SharedMemoryPosix.self),
            entry(SharedMemorySysV.self),
            entry(SharedMemoryFile.self),
            entry(MemoryCopy.self),
            entry(CacheLineBounce.self),
        ]
    }

    /// A mechanism and a way to run it through code specialised for its concrete type: the
    /// closure is made inside `entry<M>`, so the compiler compiles the whole measured path
    /// (coordinator, worker, loops, endpoint) for M, with no dynamic dispatch per message.
    struct Entry {
        let type: any Mechanism.Type
        let run: (Coordinator, Scenario, Int) throws(IPCError) -> RepetitionResult
    }

    static func entry<M: Mechanism>(_ type: M.Type) -> Entry {
        Entry(type: type) { (coordinator, scenario, repetition) throws(IPCError) in
            try coordinator.runRepetition(type, scenario, repetition)
        }
    }

    public static var all: [any Mechanism.Type] { entries.map(\.type) }

    public static var names: [String] { all.map { $0.name } }

    /// Whether `--ring-size` shapes this mechanism (the rings and the memcpy ceiling).
    public static func usesRing(_ name: String) -> Bool {
        ["shm-posix", "shm-sysv", "shm-mmap", "memcpy"].contains(name)
    }

    public static func named(_ name: String) -> (any Mechanism.Type)? {
        all.first { $0.name == name }
    }
}

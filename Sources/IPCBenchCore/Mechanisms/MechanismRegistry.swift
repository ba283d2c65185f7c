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
            entry(FutexWakeup.self),
            entry(SharedMemoryPosix.self),
            entry(SharedMemorySysV.self),
            entry(SharedMemoryFile.self),
            entry(SemaphoreBoundedBuffer.self),
            entry(VmsplicePipe.self),
            entry(CrossMemoryAttach.self),
            entry(MemfdPassing.self),
            entry(MemoryCopy.self),
            entry(CacheLineBounce.self),
        ]
    }

    /// A mechanism and a way to run it through code specialised for its concrete type: the
    /// closure is made inside `entry<M>`, so the compiler compiles the whole measured path
    /// (coordinator, worker, loops, endpoint) for M, with no dynamic dispatch per message.
    struct Entry {
        let type: any Mechanism.Type
        /// Its endpoint can lend its memory (``InPlaceEndpoint``), so `--copy zero` can run.
        let movesInPlace: Bool
        let run: (Coordinator, Scenario, Int) throws(IPCError) -> RepetitionResult
    }

    static func entry<M: Mechanism>(_ type: M.Type) -> Entry {
        Entry(type: type, movesInPlace: false) { (coordinator, scenario, repetition) throws(IPCError) in
            try coordinator.runRepetition(type, scenario, repetition, loops: WorkerLoops.copying)
        }
    }

    /// The same for a mechanism that can also move messages in place: chosen by the compiler
    /// whenever the endpoint is an ``InPlaceEndpoint``.
    static func entry<M: Mechanism>(_ type: M.Type) -> Entry where M.Endpoint: InPlaceEndpoint {
        Entry(type: type, movesInPlace: true) { (coordinator, scenario, repetition) throws(IPCError) in
            switch scenario.copy {
            case .copy: try coordinator.runRepetition(type, scenario, repetition, loops: WorkerLoops.copying)
            case .zero: try coordinator.runRepetition(type, scenario, repetition, loops: WorkerLoops.inPlace)
            }
        }
    }

    public static var all: [any Mechanism.Type] { entries.map(\.type) }

    public static var names: [String] { all.map { $0.name } }

    /// Whether `--ring-size` shapes this mechanism (recorded as `ring_bytes`).
    public static func usesRing(_ name: String) -> Bool {
        named(name)?.traits.usesRingSize ?? false
    }

    public static func named(_ name: String) -> (any Mechanism.Type)? {
        all.first { $0.name == name }
    }

    /// The mechanisms of one family, in registry order.
    public static func family(_ family: MechanismFamily) -> [String] {
        all.filter { $0.traits.family == family }.map { $0.name }
    }

    /// The mechanism that sets a ceiling (`memcpy`, `cacheline`).
    public static func ceiling(_ ceiling: Ceiling) -> String? {
        all.first { $0.traits.ceiling == ceiling }?.name
    }
}

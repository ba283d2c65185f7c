#if IPCBENCH_PLANTS
import Glibc

/// Regressions planted on purpose, to measure the gate's power: compiled in only by
/// `-Xswiftc -DIPCBENCH_PLANTS` (`scripts/gate-targets.sh` builds it), chosen at start-up by
/// `IPCBENCH_PLANT=NAME`. A clean build holds none of this code, so a plant cannot rot into a
/// text patch that no longer applies, and CI builds it.
public enum Plant: String, CaseIterable, Sendable {
    /// Three getppid() in every send on the byte-stream path (pipe, fifo, unix-stream, tcp).
    case streamSyscalls = "stream-syscalls"
    /// One getppid() in every copying ring send (shm-posix, shm-sysv, shm-mmap).
    case ringSyscall = "ring-syscall"
    /// Pure CPU work in every copying ring send, no system call: about 5, 10 and 20% of a
    /// shm-posix spin 64 B cross-core round trip here (each round trip sends twice).
    case ringCPU5 = "ring-cpu-5"
    case ringCPU10 = "ring-cpu-10"
    case ringCPU20 = "ring-cpu-20"

    public static let environmentVariable = "IPCBENCH_PLANT"

    /// Dependent multiply-adds per ring send: each ~1.3 ns (a 3-cycle multiply and an add),
    /// calibrated against the ~500 ns cross-core round trip (two sends per round trip).
    var ringWorkIterations: Int {
        switch self {
        case .ringCPU5: return 10
        case .ringCPU10: return 20
        case .ringCPU20: return 40
        default: return 0
        }
    }
}

// Set once by ``Planted/configure()`` before any fork; plain globals with constant initial
// values, so a worker reads them without a lazy initialiser's lock.
nonisolated(unsafe) var plantedStreamCalls: Int32 = 0
nonisolated(unsafe) var plantedRingCalls: Int32 = 0
nonisolated(unsafe) var plantedRingWork: Int = 0
nonisolated(unsafe) var plantedSink: UInt64 = 0x9E37_79B9_7F4A_7C15

public enum Planted {
    /// Reads `IPCBENCH_PLANT` (the process's start, before any fork); the plant in force, or nil.
    @discardableResult
    public static func configure() -> Plant? {
        guard let raw = getenv(Plant.environmentVariable), let plant = Plant(rawValue: String(cString: raw)) else { return nil }
        switch plant {
        case .streamSyscalls: plantedStreamCalls = 3
        case .ringSyscall: plantedRingCalls = 1
        case .ringCPU5, .ringCPU10, .ringCPU20: plantedRingWork = plant.ringWorkIterations
        }
        return plant
    }

    @inline(__always)
    static func streamSend() {
        var n = plantedStreamCalls
        while n > 0 { _ = getppid(); n -= 1 }
    }

    @inline(__always)
    static func ringSend() {
        var n = plantedRingCalls
        while n > 0 { _ = getppid(); n -= 1 }
        if plantedRingWork > 0 { work(plantedRingWork) }
    }

    @inline(never)
    static func work(_ iterations: Int) {
        var x = plantedSink
        for _ in 0..<iterations { x = x &* 6364136223846793005 &+ 1442695040888963407 }
        plantedSink = x
    }
}
#endif

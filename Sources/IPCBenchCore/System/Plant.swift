#if IPCBENCH_PLANTS
import CIPCShim
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
    /// Pure CPU work in every copying ring send and receive, no system call: about 5, 10 and
    /// 20% of a message's cost here, a shm-posix spin 64 B cross-core round trip (~500 ns: two
    /// sends and two receives) and a 4 KiB stream's message (~300 ns, the consumer's copy out).
    case ringCPU5 = "ring-cpu-5"
    case ringCPU10 = "ring-cpu-10"
    case ringCPU20 = "ring-cpu-20"

    public static let environmentVariable = "IPCBENCH_PLANT"

    /// The share of a message's cost planted, in percent.
    var ringWorkPercent: Int {
        switch self {
        case .ringCPU5: return 5
        case .ringCPU10: return 10
        case .ringCPU20: return 20
        default: return 0
        }
    }

    /// Dependent multiply-adds per call (a 3-cycle multiply and an add each) for a message of
    /// `bytes` at `percent`, calibrated on this 2-vCPU VM by gates of shm-posix
    /// (`--mechanisms shm-posix`) against the same planted build with no plant on (see
    /// `scripts/gate-targets.sh`). A message under ``fencedBytes`` gets `small` at 10%, unfenced:
    /// it starts from the message's first byte and the send's length waits for it, so it lies
    /// on the round trip's path, and fences would cost more than the plant (two a call, alone,
    /// slowed the 64 B round trip 19%).
    /// A larger message is copied in loops whose cache misses hide unfenced work (45 iterations
    /// slowed a 4 KiB stream 0%), so its work is fenced on both sides and
    /// `percent * (base + bytes / bytesPerStep) / 10 - fence` long (at 4 KiB 16, 39 and 85 for
    /// 5, 10 and 20%). With 14, 11, 114 and 7, ring-cpu-10 measured +10.0% on the spin 64 B
    /// cross-core round trip and -9.6% on the 4 KiB spin stream (90 s gates; 10 iterations gave
    /// +7.3%, 56 fenced -14.1%). `IPCBENCH_PLANT_WORK=SMALL,BASE,BYTES,FENCE` overrides the four.
    static func ringWorkIterations(percent: Int, bytes: Int) -> Int {
        if bytes < fencedBytes { return percent * plantedWorkSmall / 10 }
        return max(0, percent * (plantedWorkBase + bytes / plantedWorkBytesPerStep) / 10 - plantedWorkFence)
    }
    /// From this size on the work is fenced.
    static let fencedBytes = 1024
    static let calibrationVariable = "IPCBENCH_PLANT_WORK"
}

// Set once by ``Planted/configure()`` before any fork; plain globals with constant initial
// values, so a worker reads them without a lazy initialiser's lock.
nonisolated(unsafe) var plantedStreamCalls: Int32 = 0
nonisolated(unsafe) var plantedRingCalls: Int32 = 0
/// The share of a message's cost planted as CPU work, in percent (0: none).
nonisolated(unsafe) var plantedRingWork: Int = 0
/// ``Plant/ringWorkIterations(percent:bytes:)``'s calibration.
nonisolated(unsafe) var plantedWorkSmall: Int = 14
nonisolated(unsafe) var plantedWorkBase: Int = 11
nonisolated(unsafe) var plantedWorkBytesPerStep: Int = 114
nonisolated(unsafe) var plantedWorkFence: Int = 7
nonisolated(unsafe) var plantedSink: UInt64 = 0x9E37_79B9_7F4A_7C15
/// Always 0, but not to the compiler: ANDed with the work's result and added to the message's
/// length, it makes the send wait for the work, which the processor would otherwise run in
/// the shadow of the send's own cache misses (the work was measured hiding that way).
nonisolated(unsafe) var plantedZero: UInt64 = 0

public enum Planted {
    /// Reads `IPCBENCH_PLANT` (the process's start, before any fork); the plant in force, or nil.
    @discardableResult
    public static func configure() -> Plant? {
        guard let raw = getenv(Plant.environmentVariable), let plant = Plant(rawValue: String(cString: raw)) else { return nil }
        switch plant {
        case .streamSyscalls: plantedStreamCalls = 3
        case .ringSyscall: plantedRingCalls = 1
        case .ringCPU5, .ringCPU10, .ringCPU20: plantedRingWork = plant.ringWorkPercent
        }
        if let raw = getenv(Plant.calibrationVariable) {
            let parts = String(cString: raw).split(separator: ",").compactMap { Int($0) }
            if parts.count == 4, parts.allSatisfy({ $0 >= 0 }), parts[2] > 0 {
                (plantedWorkSmall, plantedWorkBase, plantedWorkBytesPerStep, plantedWorkFence) = (parts[0], parts[1], parts[2], parts[3])
            }
        }
        // Written, so the optimizer cannot take it for the constant it is.
        plantedZero = plantedRingWork < 0 ? 1 : 0
        return plant
    }

    @inline(__always)
    static func streamSend() {
        var n = plantedStreamCalls
        while n > 0 { _ = getppid(); n -= 1 }
    }

    /// The ring send's count, made to depend on the planted work (see ``plantedZero``), which
    /// starts from the message's first byte: the work waits for the message and the send for
    /// the work, so none of it runs beside the round trip.
    @inline(__always)
    static func ringSend(_ count: Int, _ buffer: UnsafeRawPointer) -> Int {
        var n = plantedRingCalls
        while n > 0 { _ = getppid(); n -= 1 }
        guard plantedRingWork > 0 else { return count }
        return count &+ Int(truncatingIfNeeded: ringWork(count, buffer) & plantedZero)
    }

    /// After a ring receive: the planted work, once the message is in (before it, the work
    /// would hide in the wait). The next call's work reads this one's result from
    /// ``plantedSink``, so the chains run one after the other, not side by side.
    @inline(__always)
    static func ringReceived(_ count: Int, _ buffer: UnsafeRawPointer) {
        guard plantedRingWork > 0 else { return }
        _ = ringWork(count, buffer)
    }

    /// The planted share of a `count`-byte message's cost, as work.
    @inline(__always)
    static func ringWork(_ count: Int, _ buffer: UnsafeRawPointer) -> UInt64 {
        let iterations = Plant.ringWorkIterations(percent: plantedRingWork, bytes: count)
        let first = count > 0 ? UInt64(buffer.load(as: UInt8.self)) : 0
        return count < Plant.fencedBytes ? work(iterations, from: first) : fencedWork(iterations, from: first)
    }

    /// The work between two fences: it starts once what came before it is done and ends before
    /// what follows starts, so it adds its own time instead of running in the shadow of the
    /// ring's cache misses.
    @inline(never)
    static func fencedWork(_ iterations: Int, from first: UInt64) -> UInt64 {
        ipc_speculation_fence()
        let x = work(iterations, from: first)
        ipc_speculation_fence()
        return x
    }

    @inline(never)
    static func work(_ iterations: Int, from first: UInt64) -> UInt64 {
        var x = plantedSink ^ first
        // x*x + 1: not affine, so the compiler cannot fold many steps into one (it folded
        // eight steps of an LCG into a single multiply-add).
        for _ in 0..<iterations { x = x &* x &+ 1 }
        plantedSink = x
        return x
    }
}
#endif

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

    /// Dependent multiply-adds per call (a 3-cycle multiply and an add each, about 1.5 ns here)
    /// for a message of `bytes` at `percent`, beside the call's two fences (about 4.5 ns each).
    /// Calibrated on this 2-vCPU VM by gates of shm-posix (`--mechanisms shm-posix`): a spin
    /// 64 B cross-core round trip of ~625 ns holds four calls (two sends, two receives), 48 ns
    /// of fences and 6 ns an iteration; a 4 KiB spin stream's ~350 ns message rose 0.8 ns an
    /// iteration. Hence `percent * (base + bytes / bytesPerStep) / 10 - fenceIterations` with
    /// 11, 78 and 7: at 64 B 0, 4 and 15 (5, 10, 20%; the fences alone are the 5%), at 4 KiB
    /// 24, 56 and 119. `IPCBENCH_PLANT_WORK=BASE,BYTES,FENCE` overrides the three, to calibrate.
    static func ringWorkIterations(percent: Int, bytes: Int) -> Int {
        max(0, percent * (plantedWorkBase + bytes / plantedWorkBytesPerStep) / 10 - plantedWorkFence)
    }
    static let calibrationVariable = "IPCBENCH_PLANT_WORK"
}

// Set once by ``Planted/configure()`` before any fork; plain globals with constant initial
// values, so a worker reads them without a lazy initialiser's lock.
nonisolated(unsafe) var plantedStreamCalls: Int32 = 0
nonisolated(unsafe) var plantedRingCalls: Int32 = 0
/// The share of a message's cost planted as CPU work, in percent (0: none).
nonisolated(unsafe) var plantedRingWork: Int = 0
/// ``Plant/ringWorkIterations(percent:bytes:)``'s calibration.
nonisolated(unsafe) var plantedWorkBase: Int = 11
nonisolated(unsafe) var plantedWorkBytesPerStep: Int = 78
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
            if parts.count == 3, parts[0] >= 0, parts[1] > 0, parts[2] >= 0 {
                (plantedWorkBase, plantedWorkBytesPerStep, plantedWorkFence) = (parts[0], parts[1], parts[2])
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

    /// The ring send's count, made to depend on the planted work (see ``plantedZero``).
    @inline(__always)
    static func ringSend(_ count: Int) -> Int {
        var n = plantedRingCalls
        while n > 0 { _ = getppid(); n -= 1 }
        guard plantedRingWork > 0 else { return count }
        return count &+ Int(truncatingIfNeeded: ringWork(count) & plantedZero)
    }

    /// After a ring receive: the planted work, once the message is in (before it, the work
    /// would hide in the wait). The next call's work reads this one's result from
    /// ``plantedSink``, so the chains run one after the other, not side by side.
    @inline(__always)
    static func ringReceived(_ count: Int) {
        guard plantedRingWork > 0 else { return }
        _ = ringWork(count)
    }

    /// The planted share of a `count`-byte message's cost, as work.
    @inline(__always)
    static func ringWork(_ count: Int) -> UInt64 { work(Plant.ringWorkIterations(percent: plantedRingWork, bytes: count)) }

    @inline(never)
    static func work(_ iterations: Int) -> UInt64 {
        // Fenced on both sides: the work starts once what came before it is done and ends
        // before what follows starts, so it adds its own time instead of running in the
        // shadow of the ring's cache misses (unfenced, 45 iterations slowed a 4 KiB stream 0%).
        ipc_speculation_fence()
        var x = plantedSink
        // x*x + 1: not affine, so the compiler cannot fold many steps into one (it folded
        // eight steps of an LCG into a single multiply-add).
        for _ in 0..<iterations { x = x &* x &+ 1 }
        plantedSink = x
        ipc_speculation_fence()
        return x
    }
}
#endif

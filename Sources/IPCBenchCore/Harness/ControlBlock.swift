import Glibc
import CIPCShim
import Synchronization

/// The memory the coordinator and every worker of one repetition share: the start barrier,
/// the post-warm-up barrier, the workers' pids, their reports and their latency histograms.
/// Mapped MAP_SHARED before the first fork, so all of them see the same bytes.
final class ControlBlock {
    let region: MemoryRegion
    /// Worker slots (see ``WorkerLayout``).
    let workers: Int
    private let reportStride = MemoryRegion.roundToCacheLine(MemoryLayout<WorkerReport>.stride)
    /// Three barrier words, the host probe's bounce line and its results, one cache line each.
    private let pidsOffset = 5 * 64
    private let reportsOffset: Int
    private let histogramsOffset: Int
    private let histogramStride = MemoryRegion.roundToCacheLine(RecordingHistogram.byteCount)

    init(workers: Int) throws(IPCError) {
        self.workers = workers
        reportsOffset = pidsOffset + MemoryRegion.roundToCacheLine(workers * 4)
        histogramsOffset = reportsOffset + workers * reportStride
        region = try MemoryRegion(byteCount: histogramsOffset + workers * histogramStride, sharing: .shared)
        // A fresh anonymous mapping is zero-filled: counters start at 0, reports at `starting`.
        for i in 0..<workers { report(i).initialize(to: WorkerReport()) }
    }

    /// Workers that finished their setup and wait for `go`.
    var ready: UnsafeMutablePointer<Atomic<UInt32>> { word(at: 0) }
    /// Set to 1 (and futex-woken) to release every worker at once.
    var go: UnsafeMutablePointer<Atomic<UInt32>> { word(at: 64) }
    /// Workers that finished their warm-up (see `WorkloadSink.parties`).
    var warmedUp: UnsafeMutablePointer<Atomic<UInt32>> { word(at: 128) }

    /// The line pair 0 bounces to probe the host state (see `HostProbe`): ping at 0, pong at 8.
    var probeLine: UnsafeMutableRawPointer { region.base + 192 }
    /// The probe's median round trip before warm-up and after the window (ns, 0 = not taken).
    var probeBeforeNs: UnsafeMutablePointer<UInt64> { (region.base + 256).assumingMemoryBound(to: UInt64.self) }
    var probeAfterNs: UnsafeMutablePointer<UInt64> { (region.base + 264).assumingMemoryBound(to: UInt64.self) }
    /// Set to 1 once the first probe is done: the other pairs wait for it, so nothing disturbs it.
    var probed: UnsafeMutablePointer<Atomic<UInt32>> { word(at: 272) }
    /// Sides of pair 0 that finished their loop; the second probe starts when both have.
    var finished: UnsafeMutablePointer<Atomic<UInt32>> { word(at: 276) }
    /// Workers that ran their mechanism's `prepare`; none sends before all have.
    var prepared: UnsafeMutablePointer<Atomic<UInt32>> { word(at: 280) }

    // Bursts (a session whose workers stay warm, ``BurstDriver``): the coordinator stores the
    // next burst's message count, then raises `burst` to its number (1, 2, …) and wakes the
    // workers; each worker adds 1 to `burstsDone` after its window. `stop` set with the last
    // raise ends the session instead.
    var burst: UnsafeMutablePointer<Atomic<UInt32>> { word(at: 284) }
    var burstsDone: UnsafeMutablePointer<Atomic<UInt32>> { word(at: 288) }
    var burstMessages: UnsafeMutablePointer<Atomic<UInt32>> { word(at: 292) }
    var stop: UnsafeMutablePointer<Atomic<UInt32>> { word(at: 296) }
    /// 1: the next burst counts system calls (``BurstRequest/counted``), 0: it is timed.
    var burstCounted: UnsafeMutablePointer<Atomic<UInt32>> { word(at: 300) }

    private func word(at offset: Int) -> UnsafeMutablePointer<Atomic<UInt32>> {
        (region.base + offset).assumingMemoryBound(to: Atomic<UInt32>.self)
    }

    /// Worker index: 2*pair for the producer, 2*pair+1 for the consumer.
    static func worker(_ pair: Int, _ role: Role) -> Int { 2 * pair + (role == .producer ? 0 : 1) }

    func pid(_ worker: Int) -> UnsafeMutablePointer<Int32> {
        (region.base + pidsOffset + 4 * worker).assumingMemoryBound(to: Int32.self)
    }

    func report(_ worker: Int) -> UnsafeMutablePointer<WorkerReport> {
        (region.base + reportsOffset + worker * reportStride).bindMemory(to: WorkerReport.self, capacity: 1)
    }

    func histogramMemory(_ worker: Int) -> UnsafeMutableRawPointer {
        region.base + histogramsOffset + worker * histogramStride
    }
}

import Glibc
import CIPCShim
import Synchronization

/// What a worker leaves for the coordinator in shared memory: its measurement window and cost,
/// or what went wrong. Plain values only, written by the worker, read after it is reaped.
public struct WorkerReport {
    public enum State: UInt32 { case starting = 0, done = 1, failed = 2 }
    public enum FailureKind: UInt32 {
        case none = 0, system, sequence, corrupt, size, peerClosed, unsupported, timedOut
    }

    public var state: UInt32 = 0
    public var failureKind: UInt32 = 0
    public var failureErrno: Int32 = 0
    public var failureA: UInt64 = 0
    public var failureB: UInt64 = 0
    /// The failing call's name (or the `unsupported` text), NUL-terminated.
    public var failureText: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    /// CLOCK_MONOTONIC at the first measured send (producer) and the last measured receive.
    public var startNs: UInt64 = 0
    public var endNs: UInt64 = 0
    public var messages: UInt64 = 0
    /// user+sys time and context switches inside the measured window (getrusage deltas).
    public var cpuNs: UInt64 = 0
    public var voluntarySwitches: UInt64 = 0
    public var involuntarySwitches: UInt64 = 0
    /// futex system calls in the window (rings only; `countsFutexCalls` is 1 when counted).
    public var futexCalls: UInt64 = 0
    public var countsFutexCalls: UInt32 = 0
    /// Lossy mechanisms: messages (or round trips) that never arrived, and ones that arrived
    /// after a later one.
    public var lost: UInt64 = 0
    public var reordered: UInt64 = 0

    /// Fills in the failure, then marks the state (the coordinator reads a report only after
    /// the worker ended, so ordering within the worker is all that matters).
    mutating func recordFailure(_ error: IPCError) {
        defer { state = State.failed.rawValue }
        switch error {
        case let .system(call, code):
            failureKind = FailureKind.system.rawValue
            failureErrno = code
            setText(call)
        case let .sequenceMismatch(expected, received):
            failureKind = FailureKind.sequence.rawValue
            (failureA, failureB) = (expected, received)
        case let .payloadCorrupt(sequence, offset):
            failureKind = FailureKind.corrupt.rawValue
            (failureA, failureB) = (sequence, UInt64(offset))
        case let .messageSize(expected, received):
            failureKind = FailureKind.size.rawValue
            (failureA, failureB) = (UInt64(expected), UInt64(bitPattern: Int64(received)))
        case .peerClosed:
            failureKind = FailureKind.peerClosed.rawValue
        case .timedOut:
            failureKind = FailureKind.timedOut.rawValue
        case let .unsupported(text):
            failureKind = FailureKind.unsupported.rawValue
            setText(text)
        }
    }

    private mutating func setText(_ text: StaticString) {
        withUnsafeMutableBytes(of: &failureText) { out in
            let n = min(text.utf8CodeUnitCount, out.count - 1)
            out.baseAddress!.copyMemory(from: text.utf8Start, byteCount: n)
            out[n] = 0
        }
    }

    /// The failure in words, as the coordinator reports it.
    public var failureDescription: String? {
        guard state == State.failed.rawValue, let kind = FailureKind(rawValue: failureKind) else { return nil }
        var copy = failureText
        let text = withUnsafeBytes(of: &copy) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        switch kind {
        case .none: return nil
        case .system: return "\(text): \(errnoName(failureErrno)) (\(errnoText(failureErrno)))"
        case .sequence: return IPCError.sequenceMismatch(expected: failureA, received: failureB).description
        case .corrupt: return IPCError.payloadCorrupt(sequence: failureA, offset: Int(failureB)).description
        case .size: return IPCError.messageSize(expected: Int(failureA), received: Int(Int64(bitPattern: failureB))).description
        case .peerClosed: return IPCError.peerClosed.description
        case .timedOut: return IPCError.timedOut.description
        case .unsupported: return text
        }
    }
}

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

/// Futex helpers on a 32-bit word in shared memory (shared, not private, futexes).
enum Futex {
    static func address(_ word: UnsafeMutablePointer<Atomic<UInt32>>) -> UnsafeMutablePointer<UInt32> {
        UnsafeMutableRawPointer(word).assumingMemoryBound(to: UInt32.self)
    }

    /// Sleeps until `word` differs from `value` (spurious wake-ups are fine: callers re-check).
    static func wait(_ word: UnsafeMutablePointer<Atomic<UInt32>>, while value: UInt32) {
        _ = ipc_futex_wait(address(word), value, nil)
    }

    static func wakeAll(_ word: UnsafeMutablePointer<Atomic<UInt32>>) {
        _ = ipc_futex_wake(address(word), Int32.max)
    }

    /// Blocks until `word` reaches `target`.
    static func waitUntil(_ word: UnsafeMutablePointer<Atomic<UInt32>>, reaches target: UInt32) {
        while true {
            let v = word.pointee.load(ordering: .acquiring)
            if v >= target { return }
            wait(word, while: v)
        }
    }
}

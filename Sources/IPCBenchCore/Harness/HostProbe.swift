import Glibc
import Synchronization

/// The host's state for one repetition, measured on the very CPUs the pair runs on: the round
/// trip of one cache line between producer and consumer.
///
/// A VM's vCPUs are moved by the host between hyperthread siblings, two cores of one cache
/// complex and two complexes; on this project's machine the probe reads one of three values
/// (~30, ~60–80 and ~390–420 ns), changing as often as several times a second, and every
/// shared-memory figure follows it (a 4 KiB ring stream: 24 GiB/s at ~30 ns, 3 GiB/s at ~400). Pair 0 takes
/// the probe after the start barrier (before warm-up) and again once both sides finished their
/// measured loop, so a row says which state it was measured in and whether the state changed
/// under it. About 1,000 round trips: well under a millisecond across cores, a few on one CPU.
public enum HostProbe {
    static let batches = 15
    static let roundTripsPerBatch = 64

    /// The initiating side: bounces the line and returns the median of the batches' mean round
    /// trips in ns (a median of batches, so one preemption cannot move it).
    static func initiate(_ line: UnsafeMutableRawPointer, spin: SpinPolicy) -> UInt64 {
        let ping = line.assumingMemoryBound(to: Atomic<UInt64>.self)
        let pong = (line + 8).assumingMemoryBound(to: Atomic<UInt64>.self)
        var value = ping.pointee.load(ordering: .relaxed)
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: batches) { samples in
            for batch in 0..<batches {
                let start = MonotonicClock.nowNs()
                for _ in 0..<roundTripsPerBatch {
                    value &+= 1
                    ping.pointee.store(value, ordering: .releasing)
                    var spins: UInt32 = 0
                    while pong.pointee.load(ordering: .acquiring) != value { spin.backoff(&spins) }
                }
                samples[batch] = (MonotonicClock.nowNs() &- start) / UInt64(roundTripsPerBatch)
            }
            // Insertion sort in place: fifteen values, no allocation in a worker.
            for i in 1..<batches {
                let v = samples[i]
                var j = i
                while j > 0 && samples[j - 1] > v { samples[j] = samples[j - 1]; j -= 1 }
                samples[j] = v
            }
            return max(1, samples[batches / 2])
        }
    }

    /// The answering side: echoes exactly as many values as `initiate` sends.
    static func respond(_ line: UnsafeMutableRawPointer, spin: SpinPolicy) {
        let ping = line.assumingMemoryBound(to: Atomic<UInt64>.self)
        let pong = (line + 8).assumingMemoryBound(to: Atomic<UInt64>.self)
        var last = pong.pointee.load(ordering: .relaxed)
        for _ in 0..<(batches * roundTripsPerBatch) {
            var spins: UInt32 = 0
            while true {
                let v = ping.pointee.load(ordering: .acquiring)
                if v != last {
                    last = v
                    pong.pointee.store(v, ordering: .releasing)
                    break
                }
                spin.backoff(&spins)
            }
        }
    }

    /// Two probe values measured in the same host state: within 1.5x of each other. On this
    /// machine the states sit 2x (30 vs 60–80 ns) and 5x (80 vs 390 ns) apart, and one state's
    /// repetitions within 1.35x (README, "Host states").
    public static let sameStateRatio = 1.5

    public static func sameState(_ a: Double, _ b: Double) -> Bool {
        guard a > 0, b > 0 else { return false }
        return max(a, b) / min(a, b) <= sameStateRatio
    }
}

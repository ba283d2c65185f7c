import Glibc
import Synchronization
import CIPCShim

/// Asks a warm session for bursts and takes each one's result: how `run --serve` lets the gate
/// pair two builds in time, burst against burst, instead of process launch against process
/// launch. The workers are forked, pinned and warmed once; between bursts they sleep on a
/// futex, so the other build's workers have the CPUs to themselves.
public protocol BurstDriver: AnyObject {
    /// The next burst; nil ends the session. Called on the coordinator's thread while the
    /// workers sleep; may block (it reads the gate's request).
    func nextBurst() -> BurstRequest?
    /// One burst's measurement, its `repetition` the burst's number.
    func finished(_ result: RepetitionResult)
}

/// One burst asked of a session.
public struct BurstRequest: Sendable, Equatable {
    /// Messages (or round trips) per pair.
    public var messages: Int
    /// A counting burst: system calls counted (perf where it can), its times not kept — an open
    /// perf event slows every system call and switch by tens to hundreds of nanoseconds, so
    /// timed bursts never carry one, and counting bursts carry no times. A session's workers
    /// keep their counters open from its first counting burst on: ask for timed bursts first.
    public var counted: Bool

    public init(messages: Int, counted: Bool = false) {
        self.messages = messages
        self.counted = counted
    }
}

extension RepetitionResult {
    /// A timed burst keeps its times, a counting burst its counts: the other half is cleared.
    mutating func keepOnly(counts: Bool) {
        if counts {
            windowNs = nil; latency = nil; oneWay = nil; cpuNsPerMessage = nil; contextSwitchesPerMessage = nil
        } else {
            syscallsPerMessage = nil; syscallSource = nil; futexCallsPerMessage = nil
            voluntarySwitchesPerMessage = nil; involuntarySwitchesPerMessage = nil; minorFaultsPerMessage = nil
        }
    }

    /// A repetition's times with the counts of its counting window.
    mutating func takeCounts(of counted: RepetitionResult) {
        syscallsPerMessage = counted.syscallsPerMessage
        syscallSource = counted.syscallSource
        if counted.futexCallsPerMessage != nil { futexCallsPerMessage = counted.futexCallsPerMessage }
        voluntarySwitchesPerMessage = counted.voluntarySwitchesPerMessage
        involuntarySwitchesPerMessage = counted.involuntarySwitchesPerMessage
        minorFaultsPerMessage = counted.minorFaultsPerMessage
    }
}

/// `run`'s repetition where perf counts: the timed window, then a counting window on the same
/// warm workers (a tenth of the count, at least 100), one row from the two.
final class TimedThenCounted: BurstDriver {
    private var requests: [BurstRequest]
    private(set) var results: [RepetitionResult] = []

    init(messages: Int) {
        requests = [BurstRequest(messages: messages), BurstRequest(messages: min(messages, max(100, messages / 10)), counted: true)]
    }

    func nextBurst() -> BurstRequest? { requests.isEmpty ? nil : requests.removeFirst() }
    func finished(_ result: RepetitionResult) { results.append(result) }

    /// The repetition's row, numbered `repetition`.
    func merged(_ outcome: RepetitionResult, repetition: Int) -> RepetitionResult {
        guard outcome.status == .ok, results.count == 2 else { return outcome }
        var timed = results[0]
        timed.repetition = repetition
        timed.takeCounts(of: results[1])
        return timed
    }
}

extension Coordinator {
    /// The session after the workers were released: burst after burst until the driver says
    /// stop, a worker fails, or a burst outlives the timeout. Returns the last burst's result
    /// (or the failure), each burst having gone to the driver.
    func driveBursts(
        _ driver: any BurstDriver, _ scenario: Scenario, _ repetition: Int,
        _ workers: inout WorkerSet, _ control: ControlBlock, _ layout: WorkerLayout, lossy: Bool
    ) -> RepetitionResult {
        let expected = UInt32(layout.count)
        var burst: UInt32 = 0
        var last = RepetitionResult(scenario: scenario, repetition: repetition, status: .ok, note: "no burst was asked for")
        while let request = driver.nextBurst() {
            burst += 1
            var measured = scenario
            measured.messages = max(1, min(request.messages, Int(UInt32.max)))
            control.burstMessages.pointee.store(UInt32(measured.messages), ordering: .releasing)
            control.burstCounted.pointee.store(request.counted ? 1 : 0, ordering: .releasing)
            control.burst.pointee.store(burst, ordering: .releasing)
            Futex.wakeAll(control.burst)
            let deadline = MonotonicClock.nowNs() + UInt64(timeoutSeconds * 1e9)
            let target = expected * burst
            while true {
                let done = control.burstsDone.pointee.load(ordering: .acquiring)
                if done >= target { break }
                // Sleep on the counter a millisecond at a time, looking at the workers between.
                var pause = timespec(tv_sec: 0, tv_nsec: 1_000_000)
                _ = ipc_futex_wait_counter(control.burstsDone, done, &pause)
                if let outcome = workers.watch(timeoutMs: 0, interrupts: interrupts) {
                    return failure(measured, Int(burst), outcome == .allExited ? .workerFailed : outcome, &workers, control, layout)
                }
                if MonotonicClock.nowNs() > deadline {
                    return failure(measured, Int(burst), .timedOut, &workers, control, layout)
                }
            }
            last = success(measured, Int(burst), control, layout, lossy: lossy)
            last.keepOnly(counts: request.counted)
            last.producerCPU = cpu(worker: layout.index(0, .producer), group: 0, role: .producer, scenario)
            if layout.consumers > 0 { last.consumerCPU = cpu(worker: layout.index(0, .consumer), group: 0, role: .consumer, scenario) }
            driver.finished(last)
        }
        control.stop.pointee.store(1, ordering: .releasing)
        control.burst.pointee.store(burst + 1, ordering: .releasing)
        Futex.wakeAll(control.burst)
        let deadline = MonotonicClock.nowNs() + UInt64(timeoutSeconds * 1e9)
        while true {
            let remainingMs = deadline > MonotonicClock.nowNs() ? Int32((deadline - MonotonicClock.nowNs()) / 1_000_000) + 1 : 0
            guard let outcome = workers.watch(timeoutMs: remainingMs, interrupts: interrupts) else {
                if MonotonicClock.nowNs() >= deadline { return failure(scenario, repetition, .timedOut, &workers, control, layout) }
                continue
            }
            if outcome == .allExited { return last }
            return failure(scenario, repetition, outcome, &workers, control, layout)
        }
    }
}

/// A futex wait on a counter word with a timeout (the coordinator's sleep between looks).
@inline(__always)
private func ipc_futex_wait_counter(_ word: UnsafeMutablePointer<Atomic<UInt32>>, _ value: UInt32, _ timeout: inout timespec) -> Int32 {
    ipc_futex_wait(Futex.address(word), value, &timeout)
}

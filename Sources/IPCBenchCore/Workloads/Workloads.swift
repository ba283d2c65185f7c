import Glibc
import Synchronization

/// What one worker must do in one repetition.
public struct WorkloadPlan: Sendable {
    public var payloadBytes: Int
    /// Measured messages (throughput) or round trips (latency).
    public var messages: Int
    /// Untimed messages or round trips first, to fault pages in and wake the paths up.
    public var warmupMessages: Int
    /// Check every payload byte, not only the sequence number.
    public var verify: Bool
    /// Messages carry the sender's timestamp and the receiver records one-way times.
    public var carriesTimestamp: Bool
    /// Open-loop: nanoseconds between scheduled sends.
    public var periodNs: Double?

    public init(payloadBytes: Int, messages: Int, warmupMessages: Int, verify: Bool,
                carriesTimestamp: Bool = false, periodNs: Double? = nil) {
        self.payloadBytes = payloadBytes
        self.messages = messages
        self.warmupMessages = warmupMessages
        self.verify = verify
        self.carriesTimestamp = carriesTimestamp
        self.periodNs = periodNs
    }

    /// The first pattern word: after the sequence number, and after the timestamp if any.
    var patternWord: Int { carriesTimestamp ? 2 : 1 }
}

/// Where a worker's window and cost go, and the barrier every worker passes after warm-up.
struct WorkloadSink {
    let report: UnsafeMutablePointer<WorkerReport>
    /// Round trips (latency producer) or one-way times (consumers, when timestamps are carried).
    var histogram: RecordingHistogram?
    let warmedUp: UnsafeMutablePointer<Atomic<UInt32>>
    /// Workers that count themselves through the warm-up barrier: producers of round trips and
    /// ceilings, consumers of streams (each consumer once it drained its warm-up).
    var parties: UInt32
    /// No consumer exists (`memcpy`): producers count the warm-up barrier themselves.
    var oneSided = false
    /// How an open-loop producer waits for the next scheduled send.
    var pacing: SpinPolicy = .pause
    /// A consumer's view of its producer's report: the window opens at the producer's first
    /// measured send, and CPU time the consumer spent before it (waiting for that send) is not
    /// the window's. Nil for producers.
    var producerReport: UnsafeMutablePointer<WorkerReport>? = nil
    /// This worker's system-call counters (``ExactCounters``), read at the window's edges.
    var counters: ExactCounters = .none

    /// An open-loop wait longer than twice this is taken out of the CPU figure by reading the
    /// CPU clock around all of it but this last stretch, so the reads spend slack, never send time.
    static let pacingMarginNs: UInt64 = 5_000

    /// Counts this worker as warmed up and waits for the others, so all measure together.
    func passWarmupBarrier() {
        warmedUp.pointee.wrappingAdd(1, ordering: .acquiringAndReleasing)
        Futex.wakeAll(warmedUp)
        Futex.waitUntil(warmedUp, reaches: parties)
    }

    /// Context switches, futex count, CPU clock and system-call counts when the window opened.
    struct Window {
        var usage = rusage()
        var futexCalls: UInt64? = nil
        var cpuStartNs: UInt64 = 0
        var counts: ExactCounters.Reading? = nil
        /// Open loop: CPU time the producer spent waiting for its send times.
        var pacingCpuNs: UInt64 = 0
    }

    /// Opens the window: the system-call counters are read last, just before the first measured
    /// message (the CPU clock before them is a system call too).
    func beginWindow(_ window: inout Window, futexCalls: UInt64?) {
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &window.usage)
        window.futexCalls = futexCalls
        window.cpuStartNs = ProcessCPUClock.nowNs()
        window.counts = counters.read()
    }

    /// A producer's window: opened, and its start time is now.
    func openWindow(futexCalls: UInt64?) -> Window {
        var window = Window()
        beginWindow(&window, futexCalls: futexCalls)
        report.pointee.startNs = MonotonicClock.nowNs()
        return window
    }

    /// A consumer's window, opened once it drained its warm-up and counted itself through the
    /// barrier the producers wait on before their first measured send. The wake comes first, so
    /// the window does not count it; the consumer's own receives all come after.
    func openWindowReleasingProducers(futexCalls: UInt64?) -> Window {
        warmedUp.pointee.wrappingAdd(1, ordering: .acquiringAndReleasing)
        Futex.wakeAll(warmedUp)
        var window = Window()
        beginWindow(&window, futexCalls: futexCalls)
        return window
    }

    /// Closes the window now (its end time, then ``endWindow(from:messages:futexCalls:)``).
    func closeWindow(_ window: Window, messages: Int, futexCalls: UInt64?) {
        report.pointee.endNs = MonotonicClock.nowNs()
        endWindow(from: window, messages: messages, futexCalls: futexCalls)
    }

    /// Closes the window, after `report.endNs` is set: the system-call counters are read first,
    /// then the CPU clock. CPU time is CLOCK_PROCESS_CPUTIME_ID between the two edges
    /// (getrusage's ticks overstated short windows by up to a tick), less an open-loop producer's
    /// pacing, and at most the wall time this worker was inside the window: from the producer's
    /// first measured send to its own end.
    func endWindow(from window: Window, messages: Int, futexCalls: UInt64?) {
        let counts = counters.read()
        let cpuEndNs = ProcessCPUClock.nowNs()
        let start = window.usage
        if let before = window.futexCalls, let after = futexCalls {
            report.pointee.futexCalls = after &- before
            report.pointee.countsFutexCalls = 1
        }
        if let before = window.counts, let counts { counters.store(before, counts, in: report) }
        var end = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &end)
        let spent = cpuEndNs > window.cpuStartNs ? cpuEndNs - window.cpuStartNs : 0
        let working = spent > window.pacingCpuNs ? spent - window.pacingCpuNs : 0
        let opened = (producerReport ?? report).pointee.startNs
        let closed = report.pointee.endNs
        report.pointee.cpuNs = min(working, closed > opened ? closed - opened : 0)
        report.pointee.voluntarySwitches = UInt64(end.ru_nvcsw - start.ru_nvcsw)
        report.pointee.involuntarySwitches = UInt64(end.ru_nivcsw - start.ru_nivcsw)
        report.pointee.minorFaults = UInt64(end.ru_minflt - start.ru_minflt)
        report.pointee.messages = UInt64(messages)
    }

    /// An open-loop producer's wait for its next send time; returns the CPU time it burnt, which
    /// is the schedule's, not the mechanism's. A long wait reads the CPU clock around all but its
    /// last ``pacingMarginNs``; the short rest is polled with the pause hint, whose CPU time is
    /// its wall time (on one CPU the poll yields instead, and its rest is counted as work).
    @inline(__always)
    func pace(until intended: UInt64, _ spins: inout UInt32) -> UInt64 {
        var now = MonotonicClock.nowNs()
        guard now < intended else { return 0 }
        var burnt: UInt64 = 0
        if intended - now > 2 * Self.pacingMarginNs {
            let before = ProcessCPUClock.nowNs()
            while MonotonicClock.nowNs() &+ Self.pacingMarginNs < intended { pacing.backoff(&spins) }
            burnt = ProcessCPUClock.nowNs() &- before
            now = MonotonicClock.nowNs()
        }
        let rest = now
        while now < intended {
            pacing.backoff(&spins)
            now = MonotonicClock.nowNs()
        }
        if case .yield = pacing { return burnt }
        return burnt &+ (now - rest)
    }
}

/// The measured loops. Generic over how a message moves (``MessageTransfer``: through the
/// workers' buffers, or in the channel's memory), so each mechanism and copy mode gets its own
/// specialised copy with no dynamic dispatch; they allocate nothing and read the clock once per
/// sample.
enum Workloads {
    /// Latency, producer side: send, wait for the echo, check it, record the round trip.
    static func roundTripProducer<T: MessageTransfer>(
        _ transfer: inout T, plan: WorkloadPlan, sink: WorkloadSink
    ) throws(IPCError) {
        let histogram = sink.histogram!
        var sequence: UInt64 = 0
        let stamps = plan.carriesTimestamp
        for _ in 0..<plan.warmupMessages {
            sequence &+= 1
            try transfer.send(sequence, sentAt: stamps ? MonotonicClock.nowNs() : nil)
            _ = try transfer.receive(sequence, timed: false)
        }
        sink.passWarmupBarrier()
        let window = sink.openWindow(futexCalls: transfer.futexCalls)
        var previous = sink.report.pointee.startNs
        for _ in 0..<plan.messages {
            sequence &+= 1
            // The last clock read is the send time: no extra read per message.
            try transfer.send(sequence, sentAt: stamps ? previous : nil)
            _ = try transfer.receive(sequence, timed: false)
            let now = MonotonicClock.nowNs()
            histogram.record(now &- previous)
            previous = now
        }
        sink.report.pointee.endNs = previous
        sink.endWindow(from: window, messages: plan.messages, futexCalls: transfer.futexCalls)
    }

    /// Latency, consumer side: receive, check, answer with the same message.
    static func roundTripConsumer<T: MessageTransfer>(
        _ transfer: inout T, plan: WorkloadPlan, sink: WorkloadSink
    ) throws(IPCError) {
        var window = WorkloadSink.Window()
        var sequence: UInt64 = 0
        let total = plan.warmupMessages + plan.messages
        for i in 0..<total {
            if i == plan.warmupMessages { sink.beginWindow(&window, futexCalls: transfer.futexCalls) }
            sequence &+= 1
            if let oneWay = sink.histogram, i >= plan.warmupMessages {
                oneWay.record(try transfer.receive(sequence, timed: true))
            } else {
                _ = try transfer.receive(sequence, timed: false)
            }
            try transfer.echo(sequence)
        }
        if total == plan.warmupMessages { sink.beginWindow(&window, futexCalls: transfer.futexCalls) }
        sink.closeWindow(window, messages: plan.messages, futexCalls: transfer.futexCalls)
    }

    /// Throughput, producer side: stream the messages; the window opens at the first send.
    static func streamProducer<T: MessageTransfer>(
        _ transfer: inout T, plan: WorkloadPlan, sink: WorkloadSink
    ) throws(IPCError) {
        var sequence: UInt64 = 0
        try transfer.sendNumbered(plan.warmupMessages, after: &sequence, stamped: plan.carriesTimestamp)
        if sink.oneSided {
            sink.passWarmupBarrier()
        } else {
            // The consumers count the barrier after draining the warm-up: the channel is empty now.
            Futex.waitUntil(sink.warmedUp, reaches: sink.parties)
        }
        var window = sink.openWindow(futexCalls: transfer.futexCalls)
        let start = sink.report.pointee.startNs
        if let period = plan.periodNs {
            // Open loop: message i leaves at start + i * period, whatever happened before; it
            // carries that intended time, so a stall shows in every message it delayed.
            var spins: UInt32 = 0
            for i in 0..<plan.messages {
                sequence &+= 1
                let intended = start &+ UInt64(Double(i) * period)
                window.pacingCpuNs &+= sink.pace(until: intended, &spins)
                try transfer.send(sequence, sentAt: intended)
            }
        } else {
            try transfer.sendNumbered(plan.messages, after: &sequence, stamped: plan.carriesTimestamp)
        }
        sink.closeWindow(window, messages: plan.messages, futexCalls: transfer.futexCalls)
    }

    /// Throughput, consumer side: receive and check every message; the window closes at the
    /// last receive.
    static func streamConsumer<T: MessageTransfer>(
        _ transfer: inout T, plan: WorkloadPlan, sink: WorkloadSink
    ) throws(IPCError) {
        var sequence: UInt64 = 0
        try transfer.receiveNumbered(plan.warmupMessages, after: &sequence)
        let window = sink.openWindowReleasingProducers(futexCalls: transfer.futexCalls)
        sink.report.pointee.startNs = MonotonicClock.nowNs()
        if let oneWay = sink.histogram {
            for _ in 0..<plan.messages {
                sequence &+= 1
                oneWay.record(try transfer.receive(sequence, timed: true))
            }
        } else {
            try transfer.receiveNumbered(plan.messages, after: &sequence)
        }
        sink.closeWindow(window, messages: plan.messages, futexCalls: transfer.futexCalls)
    }
}

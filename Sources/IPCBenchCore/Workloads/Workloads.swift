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

/// Where a worker's window and cost go, and the barrier all pairs pass after warm-up.
struct WorkloadSink {
    let report: UnsafeMutablePointer<WorkerReport>
    /// Round trips (latency producer) or one-way times (consumers, when timestamps are carried).
    let histogram: RecordingHistogram?
    let warmedUp: UnsafeMutablePointer<Atomic<UInt32>>
    let pairs: UInt32
    /// No consumer exists (`memcpy`): producers count the warm-up barrier themselves.
    var oneSided = false
    /// How an open-loop producer waits for the next scheduled send.
    var pacing: SpinPolicy = .pause
    /// A consumer's view of its producer's report: the window opens at the producer's first
    /// measured send, and CPU time the consumer spent before it (waiting for that send) is not
    /// the window's. Nil for producers.
    var producerReport: UnsafeMutablePointer<WorkerReport>? = nil

    /// An open-loop wait longer than twice this is taken out of the CPU figure by reading the
    /// CPU clock around all of it but this last stretch, so the reads spend slack, never send time.
    static let pacingMarginNs: UInt64 = 5_000

    /// Counts this pair as warmed up and waits for the others, so all pairs measure together.
    func passWarmupBarrier() {
        warmedUp.pointee.wrappingAdd(1, ordering: .acquiringAndReleasing)
        Futex.wakeAll(warmedUp)
        Futex.waitUntil(warmedUp, reaches: pairs)
    }

    /// Context switches, futex count and CPU clock when the measured window opened.
    struct Window {
        var usage = rusage()
        var futexCalls: UInt64? = nil
        var cpuStartNs: UInt64 = 0
        /// Open loop: CPU time the producer spent waiting for its send times.
        var pacingCpuNs: UInt64 = 0
    }

    /// Opens the window: the CPU clock is read last, just before the first measured message.
    func beginWindow<E: MessageEndpoint>(_ window: inout Window, _ endpoint: E) {
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &window.usage)
        window.futexCalls = endpoint.futexCalls
        window.cpuStartNs = ProcessCPUClock.nowNs()
    }

    /// Closes the window, after `report.endNs` is set: the CPU clock is read first. CPU time is
    /// CLOCK_PROCESS_CPUTIME_ID between the two edges (getrusage's ticks overstated short windows
    /// by up to a tick), less an open-loop producer's pacing, and at most the wall time this
    /// worker was inside the window: from the producer's first measured send to its own end.
    func endWindow<E: MessageEndpoint>(from window: Window, messages: Int, _ endpoint: E) {
        let cpuEndNs = ProcessCPUClock.nowNs()
        let start = window.usage
        if let before = window.futexCalls, let after = endpoint.futexCalls {
            report.pointee.futexCalls = after &- before
            report.pointee.countsFutexCalls = 1
        }
        var end = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &end)
        let spent = cpuEndNs > window.cpuStartNs ? cpuEndNs - window.cpuStartNs : 0
        let working = spent > window.pacingCpuNs ? spent - window.pacingCpuNs : 0
        let opened = (producerReport ?? report).pointee.startNs
        let closed = report.pointee.endNs
        report.pointee.cpuNs = min(working, closed > opened ? closed - opened : 0)
        report.pointee.voluntarySwitches = UInt64(end.ru_nvcsw - start.ru_nvcsw)
        report.pointee.involuntarySwitches = UInt64(end.ru_nivcsw - start.ru_nivcsw)
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

/// The measured loops. Generic over the endpoint, so each mechanism gets its own specialised
/// copy with no dynamic dispatch; they allocate nothing and read the clock once per sample.
enum Workloads {
    /// Latency, producer side: send, wait for the echo, check it, record the round trip.
    static func roundTripProducer<E: MessageEndpoint>(
        _ endpoint: inout E, send: UnsafeMutableRawPointer, receive: UnsafeMutableRawPointer,
        plan: WorkloadPlan, sink: WorkloadSink
    ) throws(IPCError) {
        let size = plan.payloadBytes
        let histogram = sink.histogram!
        var sequence: UInt64 = 0
        for _ in 0..<plan.warmupMessages {
            sequence &+= 1
            if plan.carriesTimestamp { Framing.stampTime(MonotonicClock.nowNs(), into: send) }
            try roundTrip(&endpoint, sequence, send, receive, size, plan)
        }
        sink.passWarmupBarrier()
        var window = WorkloadSink.Window()
        sink.beginWindow(&window, endpoint)
        var previous = MonotonicClock.nowNs()
        sink.report.pointee.startNs = previous
        let stamps = plan.carriesTimestamp
        for _ in 0..<plan.messages {
            sequence &+= 1
            // The last clock read is the send time: no extra read per message.
            if stamps { Framing.stampTime(previous, into: send) }
            try roundTrip(&endpoint, sequence, send, receive, size, plan)
            let now = MonotonicClock.nowNs()
            histogram.record(now &- previous)
            previous = now
        }
        sink.report.pointee.endNs = previous
        sink.endWindow(from: window, messages: plan.messages, endpoint)
    }

    @inline(__always)
    private static func roundTrip<E: MessageEndpoint>(
        _ endpoint: inout E, _ sequence: UInt64, _ send: UnsafeMutableRawPointer,
        _ receive: UnsafeMutableRawPointer, _ size: Int, _ plan: WorkloadPlan
    ) throws(IPCError) {
        prepare(sequence, send, plan, sentAt: nil)
        try endpoint.send(send, count: size)
        try endpoint.receive(into: receive, count: size)
        try check(sequence, receive, size, plan)
    }

    /// Latency, consumer side: receive, check, echo the same bytes back.
    static func roundTripConsumer<E: MessageEndpoint>(
        _ endpoint: inout E, buffer: UnsafeMutableRawPointer, plan: WorkloadPlan, sink: WorkloadSink
    ) throws(IPCError) {
        let size = plan.payloadBytes
        var window = WorkloadSink.Window()
        var sequence: UInt64 = 0
        let total = plan.warmupMessages + plan.messages
        for i in 0..<total {
            if i == plan.warmupMessages { sink.beginWindow(&window, endpoint) }
            sequence &+= 1
            try endpoint.receive(into: buffer, count: size)
            if let oneWay = sink.histogram, i >= plan.warmupMessages {
                oneWay.record(MonotonicClock.nowNs() &- Framing.time(in: buffer))
            }
            try check(sequence, buffer, size, plan)
            try endpoint.send(buffer, count: size)
        }
        if total == plan.warmupMessages { sink.beginWindow(&window, endpoint) }
        sink.report.pointee.endNs = MonotonicClock.nowNs()
        sink.endWindow(from: window, messages: plan.messages, endpoint)
    }

    /// Throughput, producer side: stream the messages; the window opens at the first send.
    static func streamProducer<E: MessageEndpoint>(
        _ endpoint: inout E, buffer: UnsafeMutableRawPointer, plan: WorkloadPlan, sink: WorkloadSink
    ) throws(IPCError) {
        let size = plan.payloadBytes
        var sequence: UInt64 = 0
        for _ in 0..<plan.warmupMessages {
            sequence &+= 1
            prepare(sequence, buffer, plan, sentAt: plan.carriesTimestamp ? MonotonicClock.nowNs() : nil)
            try endpoint.send(buffer, count: size)
        }
        if sink.oneSided {
            sink.passWarmupBarrier()
        } else {
            // The consumers count the barrier after draining the warm-up: the channel is empty now.
            Futex.waitUntil(sink.warmedUp, reaches: sink.pairs)
        }
        var window = WorkloadSink.Window()
        sink.beginWindow(&window, endpoint)
        let start = MonotonicClock.nowNs()
        sink.report.pointee.startNs = start
        if let period = plan.periodNs {
            // Open loop: message i leaves at start + i * period, whatever happened before; it
            // carries that intended time, so a stall shows in every message it delayed.
            var spins: UInt32 = 0
            for i in 0..<plan.messages {
                sequence &+= 1
                let intended = start &+ UInt64(Double(i) * period)
                window.pacingCpuNs &+= sink.pace(until: intended, &spins)
                prepare(sequence, buffer, plan, sentAt: intended)
                try endpoint.send(buffer, count: size)
            }
        } else {
            for _ in 0..<plan.messages {
                sequence &+= 1
                prepare(sequence, buffer, plan, sentAt: plan.carriesTimestamp ? MonotonicClock.nowNs() : nil)
                try endpoint.send(buffer, count: size)
            }
        }
        sink.report.pointee.endNs = MonotonicClock.nowNs()
        sink.endWindow(from: window, messages: plan.messages, endpoint)
    }

    /// Throughput, consumer side: receive and check every message; the window closes at the
    /// last receive.
    static func streamConsumer<E: MessageEndpoint>(
        _ endpoint: inout E, buffer: UnsafeMutableRawPointer, plan: WorkloadPlan, sink: WorkloadSink
    ) throws(IPCError) {
        let size = plan.payloadBytes
        var sequence: UInt64 = 0
        for _ in 0..<plan.warmupMessages {
            sequence &+= 1
            try endpoint.receive(into: buffer, count: size)
            try check(sequence, buffer, size, plan)
        }
        var window = WorkloadSink.Window()
        sink.beginWindow(&window, endpoint)
        sink.warmedUp.pointee.wrappingAdd(1, ordering: .acquiringAndReleasing)
        Futex.wakeAll(sink.warmedUp)
        sink.report.pointee.startNs = MonotonicClock.nowNs()
        let oneWay = sink.histogram
        for _ in 0..<plan.messages {
            sequence &+= 1
            try endpoint.receive(into: buffer, count: size)
            if let oneWay { oneWay.record(MonotonicClock.nowNs() &- Framing.time(in: buffer)) }
            try check(sequence, buffer, size, plan)
        }
        sink.report.pointee.endNs = MonotonicClock.nowNs()
        sink.endWindow(from: window, messages: plan.messages, endpoint)
    }

    /// Writes what a message carries besides its bytes: the sequence number, the send time when
    /// one-way times are measured, the verification pattern with `--verify`.
    @inline(__always)
    static func prepare(_ sequence: UInt64, _ buffer: UnsafeMutableRawPointer, _ plan: WorkloadPlan, sentAt: UInt64?) {
        Framing.stamp(sequence, into: buffer, size: plan.payloadBytes)
        if plan.verify { Framing.fillPattern(sequence, into: buffer, size: plan.payloadBytes, firstWord: plan.patternWord) }
        if let sentAt { Framing.stampTime(sentAt, into: buffer) }
    }

    @inline(__always)
    static func check(_ sequence: UInt64, _ buffer: UnsafeRawPointer, _ size: Int, _ plan: WorkloadPlan) throws(IPCError) {
        let received = Framing.sequence(in: buffer, size: size)
        let expected = Framing.expected(sequence, size: size)
        if received != expected { throw .sequenceMismatch(expected: expected, received: received) }
        if plan.verify, let offset = Framing.firstCorruptOffset(sequence, in: buffer, size: size, firstWord: plan.patternWord) {
            throw .payloadCorrupt(sequence: sequence, offset: offset)
        }
    }
}

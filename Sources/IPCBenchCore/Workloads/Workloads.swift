#if canImport(Glibc)
import Glibc
#endif
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

    /// Counts this pair as warmed up and waits for the others, so all pairs measure together.
    func passWarmupBarrier() {
        warmedUp.pointee.wrappingAdd(1, ordering: .acquiringAndReleasing)
        Futex.wakeAll(warmedUp)
        Futex.waitUntil(warmedUp, reaches: pairs)
    }

    /// Resource usage and futex count when the measured window opened.
    struct Window {
        var usage = rusage()
        var futexCalls: UInt64? = nil
    }

    func beginWindow<E: MessageEndpoint>(_ window: inout Window, _ endpoint: E) {
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &window.usage)
        window.futexCalls = endpoint.futexCalls
    }

    func endWindow<E: MessageEndpoint>(from window: Window, messages: Int, _ endpoint: E) {
        let start = window.usage
        if let before = window.futexCalls, let after = endpoint.futexCalls {
            report.pointee.futexCalls = after &- before
            report.pointee.countsFutexCalls = 1
        }
        var end = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &end)
        func ns(_ t: timeval) -> UInt64 { UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_usec) * 1000 }
        report.pointee.cpuNs = (ns(end.ru_utime) + ns(end.ru_stime)) &- (ns(start.ru_utime) + ns(start.ru_stime))
        report.pointee.voluntarySwitches = UInt64(end.ru_nvcsw - start.ru_nvcsw)
        report.pointee.involuntarySwitches = UInt64(end.ru_nivcsw - start.ru_nivcsw)
        report.pointee.messages = UInt64(messages)
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
                while MonotonicClock.nowNs() < intended { sink.pacing.backoff(&spins) }
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

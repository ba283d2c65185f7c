/// The measured loops of `fan-in:N` and `fan-out:N`: several producers, or several competing
/// consumers, on one channel. Throughput only; every message carries its send time, so the
/// latency of a fan is the one-way time of each message, recorded by whichever consumer takes
/// it (a round trip has no single partner to answer).
///
/// A message's 64-bit sequence word is tagged with its producer (`member << 48 | n`), so a
/// fan-in consumer checks each producer's messages arrive complete and in order. In a fan-out
/// each consumer checks that the numbers it takes only grow (a queue hands them out in order),
/// and the coordinator checks that together the consumers took every message. Markers with the
/// tag ``FanWorkloads/markerTag`` close the warm-up and the run, one per consumer.
enum FanWorkloads {
    static let tagShift: UInt64 = 48
    static let markerTag: UInt64 = 0xFFFF
    static let endOfWarmup: UInt64 = markerTag << tagShift | 1
    static let endOfRun: UInt64 = markerTag << tagShift | 2

    @inline(__always)
    static func tagged(_ member: Int, _ n: UInt64) -> UInt64 { UInt64(member) << tagShift | n }

    /// Fan-in producer: its own numbered stream; waits for the consumer to drain every
    /// producer's warm-up before the window opens.
    static func fanInProducer<E: MessageEndpoint>(
        _ transfer: inout CopyingTransfer<E>, member: Int, plan: WorkloadPlan, sink: WorkloadSink
    ) throws(IPCError) {
        var n: UInt64 = 0
        let tag = tagged(member, 0)
        try transfer.sendNumbered(plan.warmupMessages, after: &n, tag: tag, stamped: true)
        Futex.waitUntil(sink.warmedUp, reaches: sink.parties)
        let window = sink.openWindow(futexCalls: transfer.futexCalls)
        try transfer.sendNumbered(plan.messages, after: &n, tag: tag, stamped: true)
        sink.closeWindow(window, messages: plan.messages, futexCalls: transfer.futexCalls)
    }

    /// Fan-in consumer: every producer's messages, each producer's in order with none missing.
    static func fanInConsumer<E: MessageEndpoint>(
        _ transfer: inout CopyingTransfer<E>, producers: Int, plan: WorkloadPlan, sink: WorkloadSink
    ) throws(IPCError) {
        try withUnsafeTemporaryAllocation(of: UInt64.self, capacity: producers) { last throws(IPCError) in
            last.initialize(repeating: 0)
            @inline(__always)
            func take(timed: Bool) throws(IPCError) -> UInt64 {
                let (sequence, oneWay) = try transfer.receiveAny(timed: timed)
                let member = Int(truncatingIfNeeded: sequence >> tagShift)
                guard member < producers else { throw .sequenceMismatch(expected: last[0] &+ 1, received: sequence) }
                let expected = tagged(member, last[member] &+ 1)
                if sequence != expected { throw .sequenceMismatch(expected: expected, received: sequence) }
                last[member] &+= 1
                return oneWay
            }
            for _ in 0..<(plan.warmupMessages * producers) { _ = try take(timed: false) }
            let window = sink.openWindowReleasingProducers(futexCalls: transfer.futexCalls)
            sink.report.pointee.startNs = MonotonicClock.nowNs()
            let total = plan.messages * producers
            if let oneWay = sink.histogram {
                for _ in 0..<total { oneWay.record(try take(timed: true)) }
            } else {
                for _ in 0..<total { _ = try take(timed: false) }
            }
            sink.closeWindow(window, messages: total, futexCalls: transfer.futexCalls)
        }
    }

    /// Fan-out producer: one numbered stream shared by the consumers, a marker per consumer
    /// after the warm-up (it waits until each took one) and another at the end.
    static func fanOutProducer<E: MessageEndpoint>(
        _ transfer: inout CopyingTransfer<E>, consumers: Int, plan: WorkloadPlan, sink: WorkloadSink
    ) throws(IPCError) {
        var n: UInt64 = 0
        try transfer.sendNumbered(plan.warmupMessages, after: &n, stamped: true)
        for _ in 0..<consumers { try transfer.send(endOfWarmup, sentAt: MonotonicClock.nowNs()) }
        Futex.waitUntil(sink.warmedUp, reaches: sink.parties)
        let window = sink.openWindow(futexCalls: transfer.futexCalls)
        try transfer.sendNumbered(plan.messages, after: &n, stamped: true)
        sink.closeWindow(window, messages: plan.messages, futexCalls: transfer.futexCalls)
        for _ in 0..<consumers { try transfer.send(endOfRun, sentAt: MonotonicClock.nowNs()) }
    }

    /// Fan-out consumer: takes messages until its end marker; the numbers it gets only grow.
    /// Its report's `messages` is how many it took.
    static func fanOutConsumer<E: MessageEndpoint>(
        _ transfer: inout CopyingTransfer<E>, plan: WorkloadPlan, sink: WorkloadSink
    ) throws(IPCError) {
        var last: UInt64 = 0
        while true {
            let (sequence, _) = try transfer.receiveAny(timed: false)
            if sequence == endOfWarmup { break }
            if sequence <= last || sequence >> tagShift != 0 { throw .sequenceMismatch(expected: last &+ 1, received: sequence) }
            last = sequence
        }
        // Hold still until every consumer took its marker, so none takes two.
        sink.warmedUp.pointee.wrappingAdd(1, ordering: .acquiringAndReleasing)
        Futex.wakeAll(sink.warmedUp)
        Futex.waitUntil(sink.warmedUp, reaches: sink.parties)
        let window = sink.openWindow(futexCalls: transfer.futexCalls)
        var taken = 0
        var end = sink.report.pointee.startNs
        while true {
            let (sequence, oneWay) = try transfer.receiveAny(timed: true)
            if sequence == endOfRun { break }
            end = MonotonicClock.nowNs()
            if sequence <= last || sequence >> tagShift != 0 { throw .sequenceMismatch(expected: last &+ 1, received: sequence) }
            last = sequence
            taken += 1
            sink.histogram?.record(oneWay)
        }
        // The window closes at the last message taken, not at the end marker.
        sink.report.pointee.endNs = end
        sink.endWindow(from: window, messages: taken, futexCalls: transfer.futexCalls)
    }
}

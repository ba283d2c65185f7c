import Glibc
import Synchronization

/// The measured loops for lossy mechanisms (`udp`): a missing message is counted, not fatal.
/// Sequence numbers are full 64-bit (payloads of at least 8 bytes), so a gap is a loss and a
/// number below the highest seen is a reordering.
enum LossyWorkloads {
    /// Latency: a round trip whose ping or echo is lost times out, is counted in `lost` and
    /// records no sample; a late echo of an earlier round trip is skipped.
    static func roundTripProducer<E: MessageEndpoint>(
        _ endpoint: inout E, send: UnsafeMutableRawPointer, receive: UnsafeMutableRawPointer,
        plan: WorkloadPlan, sink: WorkloadSink
    ) throws(IPCError) {
        let size = plan.payloadBytes
        let histogram = sink.histogram!
        var sequence: UInt64 = 0
        var lost: UInt64 = 0, late: UInt64 = 0
        for _ in 0..<plan.warmupMessages {
            sequence &+= 1
            _ = try exchange(&endpoint, sequence, send, receive, size, plan.verify, &late)
        }
        sink.passWarmupBarrier()
        late = 0
        let window = sink.openWindow(futexCalls: endpoint.futexCalls)
        var previous = sink.report.pointee.startNs
        for _ in 0..<plan.messages {
            sequence &+= 1
            if try exchange(&endpoint, sequence, send, receive, size, plan.verify, &late) {
                let now = MonotonicClock.nowNs()
                histogram.record(now &- previous)
                previous = now
            } else {
                lost &+= 1
                previous = MonotonicClock.nowNs()  // the timeout is not a round trip
            }
        }
        sink.report.pointee.endNs = previous
        sink.report.pointee.lost = lost
        sink.report.pointee.reordered = late
        sink.endWindow(from: window, messages: plan.messages, futexCalls: endpoint.futexCalls)
    }

    /// Sends `sequence` and waits for its echo; false when it timed out.
    @inline(__always)
    private static func exchange<E: MessageEndpoint>(
        _ endpoint: inout E, _ sequence: UInt64, _ send: UnsafeMutableRawPointer,
        _ receive: UnsafeMutableRawPointer, _ size: Int, _ verify: Bool, _ late: inout UInt64
    ) throws(IPCError) -> Bool {
        Framing.stamp(sequence, into: send, size: size)
        if verify { Framing.fillPattern(sequence, into: send, size: size) }
        try endpoint.send(send, count: size)
        while true {
            do {
                try endpoint.receive(into: receive, count: size)
            } catch .timedOut {
                return false
            }
            let got = Framing.sequence(in: receive, size: size)
            if got == sequence {
                if verify, let offset = Framing.firstCorruptOffset(sequence, in: receive, size: size) {
                    throw .payloadCorrupt(sequence: sequence, offset: offset)
                }
                return true
            }
            if got > sequence { throw .sequenceMismatch(expected: sequence, received: got) }
            late &+= 1  // the echo of a round trip already given up on
        }
    }

    /// Latency, consumer side: echo whatever arrives until the last round trip, or until the
    /// producer is done and nothing more comes.
    static func roundTripConsumer<E: MessageEndpoint>(
        _ endpoint: inout E, buffer: UnsafeMutableRawPointer, plan: WorkloadPlan, sink: WorkloadSink,
        producerReport: UnsafeMutablePointer<WorkerReport>
    ) throws(IPCError) {
        let size = plan.payloadBytes
        let last = UInt64(plan.warmupMessages + plan.messages)
        var window = WorkloadSink.Window()
        var windowOpen = false
        while true {
            do {
                try endpoint.receive(into: buffer, count: size)
            } catch .timedOut {
                if producerReport.pointee.state != WorkerReport.State.starting.rawValue { break }
                continue
            }
            let got = Framing.sequence(in: buffer, size: size)
            if !windowOpen && got > UInt64(plan.warmupMessages) {
                sink.beginWindow(&window, futexCalls: endpoint.futexCalls)
                windowOpen = true
            }
            if plan.verify, let offset = Framing.firstCorruptOffset(got, in: buffer, size: size) {
                throw .payloadCorrupt(sequence: got, offset: offset)
            }
            try endpoint.send(buffer, count: size)
            if got >= last { break }
        }
        if !windowOpen { sink.beginWindow(&window, futexCalls: endpoint.futexCalls) }
        sink.closeWindow(window, messages: plan.messages, futexCalls: endpoint.futexCalls)
    }

    /// Throughput, producer side: the consumers pass the barrier at once (they cannot know how
    /// many warm-up datagrams will arrive); sequence numbers tell warm-up from measured.
    static func streamProducer<E: MessageEndpoint>(
        _ endpoint: inout E, buffer: UnsafeMutableRawPointer, plan: WorkloadPlan, sink: WorkloadSink
    ) throws(IPCError) {
        let size = plan.payloadBytes
        var sequence: UInt64 = 0
        Futex.waitUntil(sink.warmedUp, reaches: sink.parties)
        for _ in 0..<plan.warmupMessages {
            sequence &+= 1
            Framing.stamp(sequence, into: buffer, size: size)
            try endpoint.send(buffer, count: size)
        }
        let window = sink.openWindow(futexCalls: endpoint.futexCalls)
        for _ in 0..<plan.messages {
            sequence &+= 1
            Workloads.prepare(sequence, buffer, plan, sentAt: nil)
            try endpoint.send(buffer, count: size)
        }
        sink.closeWindow(window, messages: plan.messages, futexCalls: endpoint.futexCalls)
    }

    /// Throughput, consumer side: counts measured datagrams until the last one arrives or none
    /// comes for the timeout; the window closes at the last measured arrival.
    static func streamConsumer<E: MessageEndpoint>(
        _ endpoint: inout E, buffer: UnsafeMutableRawPointer, plan: WorkloadPlan, sink: WorkloadSink
    ) throws(IPCError) {
        let size = plan.payloadBytes
        let first = UInt64(plan.warmupMessages) + 1, last = UInt64(plan.warmupMessages + plan.messages)
        let window = sink.openWindowReleasingProducers(futexCalls: endpoint.futexCalls)
        var received: UInt64 = 0, reordered: UInt64 = 0, highest: UInt64 = 0
        var lastArrival: UInt64 = 0
        while true {
            do {
                try endpoint.receive(into: buffer, count: size)
            } catch .timedOut {
                break
            }
            let got = Framing.sequence(in: buffer, size: size)
            guard got >= first else { continue }  // warm-up
            if got > last { throw .sequenceMismatch(expected: last, received: got) }
            if plan.verify, let offset = Framing.firstCorruptOffset(got, in: buffer, size: size) {
                throw .payloadCorrupt(sequence: got, offset: offset)
            }
            lastArrival = MonotonicClock.nowNs()
            received &+= 1
            if got < highest { reordered &+= 1 } else { highest = got }
            if got == last { break }
        }
        sink.report.pointee.endNs = lastArrival
        sink.report.pointee.lost = UInt64(plan.messages) &- min(received, UInt64(plan.messages))
        sink.report.pointee.reordered = reordered
        sink.endWindow(from: window, messages: plan.messages, futexCalls: endpoint.futexCalls)
    }
}

/// How the measured loops move one message: the one place that knows whether the bytes go
/// through the workers' buffers (`--copy copy`) or are written and read in the channel's own
/// memory (`--copy zero`). Each call moves and checks exactly one message.
protocol MessageTransfer {
    /// Sends message `sequence`, carrying `sentAt` after the sequence number when given.
    mutating func send(_ sequence: UInt64, sentAt: UInt64?) throws(IPCError)
    /// Receives message `sequence` and checks it; when `timed`, returns its one-way time (the
    /// clock at arrival minus the stamp it carries), else 0.
    mutating func receive(_ sequence: UInt64, timed: Bool) throws(IPCError) -> UInt64
    /// The consumer's answer to the message just received, with the same sequence number.
    mutating func echo(_ sequence: UInt64) throws(IPCError)
    /// futex system calls the channel made so far, where it counts them.
    var futexCalls: UInt64? { get }
}

extension MessageTransfer {
    /// Sends `count` messages numbered on from `sequence` (each `tag | n`), stamped with the
    /// time of its send when `stamped`; `sequence` is left at the last number sent.
    @inline(__always)
    mutating func sendNumbered(_ count: Int, after sequence: inout UInt64, tag: UInt64 = 0, stamped: Bool) throws(IPCError) {
        for _ in 0..<count {
            sequence &+= 1
            try send(tag | sequence, sentAt: stamped ? MonotonicClock.nowNs() : nil)
        }
    }

    /// Receives and checks `count` messages numbered on from `sequence`, untimed.
    @inline(__always)
    mutating func receiveNumbered(_ count: Int, after sequence: inout UInt64) throws(IPCError) {
        for _ in 0..<count {
            sequence &+= 1
            _ = try receive(sequence, timed: false)
        }
    }
}

/// `--copy copy`: the producer writes the sequence number (and, with `--verify`, the pattern)
/// into its buffer and the channel copies the whole payload out of it; the receiver gets a
/// copy in its own buffer and checks the sequence number (every byte with `--verify`). The
/// copies are the channel's: a pipe's two through the kernel, a ring's memcpy in and out.
struct CopyingTransfer<E: MessageEndpoint>: MessageTransfer {
    var endpoint: E
    let sendBuffer: UnsafeMutableRawPointer
    let receiveBuffer: UnsafeMutableRawPointer
    let plan: WorkloadPlan

    @inline(__always)
    mutating func send(_ sequence: UInt64, sentAt: UInt64?) throws(IPCError) {
        Workloads.prepare(sequence, sendBuffer, plan, sentAt: sentAt)
        try endpoint.send(sendBuffer, count: plan.payloadBytes)
    }

    @inline(__always)
    mutating func receive(_ sequence: UInt64, timed: Bool) throws(IPCError) -> UInt64 {
        try endpoint.receive(into: receiveBuffer, count: plan.payloadBytes)
        let oneWay = timed ? MonotonicClock.nowNs() &- Framing.time(in: receiveBuffer) : 0
        try Workloads.check(sequence, receiveBuffer, plan.payloadBytes, plan)
        return oneWay
    }

    /// Receives whichever message comes next (several producers, or competing consumers) and
    /// checks its bytes against the sequence number it carries; returns that number and, when
    /// `timed`, its one-way time.
    @inline(__always)
    mutating func receiveAny(timed: Bool) throws(IPCError) -> (sequence: UInt64, oneWayNs: UInt64) {
        let size = plan.payloadBytes
        try endpoint.receive(into: receiveBuffer, count: size)
        let oneWay = timed ? MonotonicClock.nowNs() &- Framing.time(in: receiveBuffer) : 0
        let sequence = Framing.sequence(in: receiveBuffer, size: size)
        if plan.verify, let offset = Framing.firstCorruptOffset(sequence, in: receiveBuffer, size: size, firstWord: plan.patternWord) {
            throw .payloadCorrupt(sequence: sequence, offset: offset)
        }
        return (sequence, oneWay)
    }

    /// The received bytes go back as they are.
    @inline(__always)
    mutating func echo(_ sequence: UInt64) throws(IPCError) {
        try endpoint.send(receiveBuffer, count: plan.payloadBytes)
    }

    var futexCalls: UInt64? { endpoint.futexCalls }
}

/// `--copy zero`: no buffer of the workers' own. The producer writes every payload byte
/// straight into the stretches the channel lends (a byte derived from the sequence number,
/// or the `--verify` pattern) and publishes them; the consumer reads every byte where it lies,
/// comparing each with what the sequence number says it must be, and releases the stretch.
/// Nothing is skipped, so an in-place figure is the cost of writing and reading the payload
/// once, not of leaving it untouched.
struct InPlaceTransfer<E: InPlaceEndpoint>: MessageTransfer {
    var endpoint: E
    let plan: WorkloadPlan

    @inline(__always)
    mutating func send(_ sequence: UInt64, sentAt: UInt64?) throws(IPCError) {
        let size = plan.payloadBytes
        try endpoint.beginSend(count: size)
        var offset = 0
        while offset < size {
            let stretch = try endpoint.writable(limit: size - offset)
            MessageBytes.fill(stretch, at: offset, sequence: sequence, sentAt: sentAt, plan: plan)
            try endpoint.commit(stretch.count)
            offset += stretch.count
        }
    }

    @inline(__always)
    mutating func receive(_ sequence: UInt64, timed: Bool) throws(IPCError) -> UInt64 {
        let size = plan.payloadBytes
        try endpoint.beginReceive(count: size)
        var offset = 0
        var sentAt: UInt64 = 0
        while offset < size {
            let stretch = try endpoint.readable(limit: size - offset)
            if offset == 0 {
                let base = stretch.baseAddress!
                let received = Framing.sequence(in: base, size: size)
                let expected = Framing.expected(sequence, size: size)
                if received != expected { throw .sequenceMismatch(expected: expected, received: received) }
                if timed { sentAt = Framing.time(in: base) }
            }
            if let bad = MessageBytes.firstMismatch(stretch, at: offset, sequence: sequence, plan: plan) {
                throw .payloadCorrupt(sequence: sequence, offset: bad)
            }
            try endpoint.release(stretch.count)
            offset += stretch.count
        }
        return timed ? MonotonicClock.nowNs() &- sentAt : 0
    }

    /// The answer is written afresh in the other direction's memory.
    @inline(__always)
    mutating func echo(_ sequence: UInt64) throws(IPCError) {
        try send(sequence, sentAt: nil)
    }

    var futexCalls: UInt64? { endpoint.futexCalls }
}

extension Workloads {
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

import Glibc

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
    /// futex system calls in the window: the tracepoint's where perf counts, else a ring's own
    /// count (`countsFutexCalls` is 1 when counted).
    public var futexCalls: UInt64 = 0
    public var countsFutexCalls: UInt32 = 0
    /// System calls in the window, and who counted them (``SyscallSource/code``; 0: not counted).
    public var syscalls: UInt64 = 0
    public var syscallSource: UInt32 = 0
    /// Minor page faults in the window (getrusage's ru_minflt delta).
    public var minorFaults: UInt64 = 0
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

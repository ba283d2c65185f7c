/// Round trips (ping-pong) or one-way streaming.
public enum Mode: String, CaseIterable, Sendable, Hashable {
    /// The producer sends N bytes, the consumer answers with N bytes; every round trip is timed.
    case latency
    /// The producer streams messages as fast as the mechanism takes them.
    case throughput
    /// Latency under load: the producer sends on a fixed schedule (`--rate`) and every message
    /// is timed from its intended send time to its arrival, so a stall delays the measurement
    /// of every message behind it instead of hiding them (no coordinated omission).
    case openLoop = "openloop"
}

/// Where the two workers of a pair run. On a VM it changes a blocking round trip by 10x or more.
public enum Placement: String, CaseIterable, Sendable, Hashable {
    /// Producer and consumer pinned to two different CPUs.
    case crossCore = "cross-core"
    /// Both pinned to the same CPU: every hand-off is a context switch on that CPU.
    case sameCore = "same-core"
    /// No pinning: the scheduler decides, and may change its mind mid-run.
    case unpinned
}

/// How a worker waits for the other side.
public enum WaitMode: String, CaseIterable, Sendable, Hashable {
    /// Blocking calls (or a futex for the rings): the CPU sleeps until woken.
    case block
    /// Non-blocking calls polled in a loop (or polling the ring's indices).
    case spin
}

/// The two sides of a pair.
public enum Role: Sendable {
    case producer, consumer
}

// Interpolated into text (file names, captions, errors), a dimension reads as it is written in
// a CSV or on the command line: `cross-core`, not the case name.
extension Mode: CustomStringConvertible { public var description: String { rawValue } }
extension Placement: CustomStringConvertible { public var description: String { rawValue } }
extension WaitMode: CustomStringConvertible { public var description: String { rawValue } }
extension RunStatus: CustomStringConvertible { public var description: String { rawValue } }

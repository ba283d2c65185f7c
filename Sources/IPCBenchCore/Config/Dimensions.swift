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

/// How a message's bytes reach the channel and leave it.
public enum CopyMode: String, CaseIterable, Sendable, Hashable {
    /// The producer's buffer is copied into the channel and out into the consumer's buffer
    /// (by the kernel, or by the ring's memcpy).
    case copy
    /// In place: the producer writes every payload byte straight into memory the channel lends
    /// (a ring slot, a memfd, pages handed to a pipe) and the consumer reads every byte where
    /// it lies, without a copy into a buffer of its own.
    case zero
}

/// Who talks to whom on one channel (`--topology`).
public enum Topology: Hashable, Sendable {
    /// One producer, one consumer per channel (`--pairs` channels side by side).
    case pairs
    /// N producers, one consumer on one channel: the server pattern.
    case fanIn(Int)
    /// One producer, N consumers on one channel; the mechanisms that carry it are queues, so
    /// each message goes to exactly one of the consumers (whichever takes it first).
    case fanOut(Int)

    /// The most producers or consumers one channel may have.
    public static let maximumFan = 64

    public var rawValue: String {
        switch self {
        case .pairs: return "pairs"
        case let .fanIn(n): return "fan-in:\(n)"
        case let .fanOut(n): return "fan-out:\(n)"
        }
    }

    public init?(rawValue: String) {
        let parts = rawValue.lowercased().split(separator: ":", omittingEmptySubsequences: false)
        if parts == ["pairs"] { self = .pairs; return }
        guard parts.count == 2, parts[1].count <= 3, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
              let n = Int(parts[1]), (1...Topology.maximumFan).contains(n) else { return nil }
        switch parts[0] {
        case "fan-in": self = .fanIn(n)
        case "fan-out": self = .fanOut(n)
        default: return nil
        }
    }

    /// Producers and consumers on one channel.
    public var producers: Int { if case let .fanIn(n) = self { return n } else { return 1 } }
    public var consumers: Int { if case let .fanOut(n) = self { return n } else { return 1 } }

    public var isFan: Bool { self != .pairs }
}

/// Two CPUs named outright: a cell of the core matrix (`--placements matrix`). Every producer
/// of the scenario is pinned to `producer`, every consumer to `consumer`.
public struct CPUPair: Hashable, Sendable, CustomStringConvertible {
    public var producer: Int32
    public var consumer: Int32

    public init(producer: Int32, consumer: Int32) {
        self.producer = producer
        self.consumer = consumer
    }

    /// `0>1`: producer on CPU 0, consumer on CPU 1 (the CSV's `cpu_pair`).
    public var description: String { "\(producer)>\(consumer)" }

    public init?(_ text: String) {
        let parts = text.split(separator: ">", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.count <= 5 && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let p = Int32(parts[0]), let c = Int32(parts[1]) else { return nil }
        self.init(producer: p, consumer: c)
    }

    /// Every ordered pair of `cpus`, a CPU with itself included (the matrix's diagonal is
    /// same-core).
    public static func matrix(_ cpus: [Int32]) -> [CPUPair] {
        cpus.flatMap { p in cpus.map { CPUPair(producer: p, consumer: $0) } }
    }
}

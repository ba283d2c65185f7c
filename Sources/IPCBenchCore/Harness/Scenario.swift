/// One point of a sweep: a mechanism moving one payload size in one mode, placement and wait.
public struct Scenario: Hashable, Sendable {
    public var mechanism: String
    public var mode: Mode
    public var payloadBytes: Int
    public var placement: Placement
    public var pairs: Int
    public var wait: WaitMode
    /// Measured messages (throughput) or round trips (latency) per pair and repetition.
    public var messages: Int
    public var warmupMessages: Int
    public var verify: Bool
    /// Capacity of a shared-memory ring.
    public var ringBytes: Int

    public init(
        mechanism: String, mode: Mode, payloadBytes: Int, placement: Placement = .crossCore,
        pairs: Int = 1, wait: WaitMode = .block, messages: Int, warmupMessages: Int? = nil,
        verify: Bool = false, ringBytes: Int = 1 << 20
    ) {
        self.mechanism = mechanism
        self.mode = mode
        self.payloadBytes = payloadBytes
        self.placement = placement
        self.pairs = pairs
        self.wait = wait
        self.messages = messages
        self.warmupMessages = warmupMessages ?? Scenario.defaultWarmup(messages: messages)
        self.verify = verify
        self.ringBytes = ringBytes
    }

    /// A tenth of the measured count, at most 1000.
    public static func defaultWarmup(messages: Int) -> Int { min(1000, messages / 10) }

    /// Messages (or round trips) per repetition when the user gives none: enough for stable
    /// percentiles on small payloads, bounded in bytes for large ones.
    public static func defaultMessages(mode: Mode, payloadBytes: Int) -> Int {
        switch mode {
        case .latency:
            return max(100, min(5_000, (256 << 20) / max(1, payloadBytes)))
        case .throughput:
            return max(200, min(100_000, (256 << 20) / max(1, payloadBytes)))
        }
    }
}

/// How a repetition ended.
public enum RunStatus: String, Sendable {
    case ok, skipped, failed
}

/// The measurement of one repetition of one scenario.
public struct RepetitionResult: Sendable {
    public var scenario: Scenario
    public var repetition: Int
    public var status: RunStatus
    public var note: String
    /// Throughput mode: all pairs' messages over the window from the first producer's first
    /// measured send to the last consumer's last receive.
    public var windowNs: UInt64?
    public var totalMessages: Int
    /// Latency mode: round trips of every pair, merged.
    public var latency: Histogram?
    public var cpuNsPerMessage: Double?
    public var contextSwitchesPerMessage: Double?
    /// Rings only: futex waits and wakes per message, both sides together.
    public var futexCallsPerMessage: Double?
    /// Set when SIGINT, SIGTERM or SIGHUP reached the coordinator during this repetition.
    public var interruptedBy: Int32?

    public init(scenario: Scenario, repetition: Int, status: RunStatus, note: String = "") {
        self.scenario = scenario
        self.repetition = repetition
        self.status = status
        self.note = note
        self.totalMessages = 0
    }

    public var messagesPerSecond: Double? {
        guard status == .ok, scenario.mode == .throughput, let windowNs, windowNs > 0 else { return nil }
        return Double(totalMessages) / (Double(windowNs) / 1e9)
    }

    public var mibPerSecond: Double? {
        guard let rate = messagesPerSecond else { return nil }
        return rate * Double(scenario.payloadBytes) / 1_048_576
    }
}

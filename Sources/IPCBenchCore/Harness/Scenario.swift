/// One point of a sweep: a mechanism moving one payload size in one mode, placement and wait.
/// What identifies it across runs is its ``key`` (its fields read as the scenario's own:
/// `scenario.mechanism`); the rest says how long and how it is run.
@dynamicMemberLookup
public struct Scenario: Hashable, Sendable {
    public var key: ScenarioKey
    /// Measured messages (throughput) or round trips (latency) per pair and repetition.
    public var messages: Int
    public var warmupMessages: Int
    public var verify: Bool
    /// Capacity of a shared-memory ring.
    public var ringBytes: Int
    /// Open-loop mode: messages per second per pair (nil in the other modes).
    public var rate: Int?
    /// Also time each message one way (sender's stamp to arrival), in every mode.
    public var oneWay: Bool
    /// Set when `messages` was calibrated to fill at least this window (`--min-time`).
    public var minimumWindowNs: UInt64?

    public init(
        mechanism: String, mode: Mode, payloadBytes: Int, placement: Placement = .crossCore,
        pairs: Int = 1, wait: WaitMode = .block, copy: CopyMode = .copy, topology: Topology = .pairs, cpuPair: CPUPair? = nil, messages: Int, warmupMessages: Int? = nil,
        verify: Bool = false, ringBytes: Int = 1 << 20, rate: Int? = nil, oneWay: Bool = false
    ) {
        key = ScenarioKey(mechanism: mechanism, mode: mode, payloadBytes: payloadBytes, placement: placement, pairs: pairs,
                          wait: wait, copy: copy, topology: topology, cpuPair: cpuPair)
        self.messages = messages
        self.warmupMessages = warmupMessages ?? Scenario.defaultWarmup(messages: messages)
        self.verify = verify
        self.ringBytes = ringBytes
        self.rate = mode == .openLoop ? (rate ?? Scenario.defaultRate) : nil
        self.oneWay = oneWay
    }

    public subscript<T>(dynamicMember field: WritableKeyPath<ScenarioKey, T>) -> T {
        get { key[keyPath: field] }
        set { key[keyPath: field] = newValue }
    }

    /// The most payload a suite's message count may move in one repetition (1 GiB).
    public static let bytesPerRepetition = 1 << 30

    /// Open-loop rate when none is given: 10,000 messages per second.
    public static let defaultRate = 10_000

    /// Whether messages carry a send timestamp after the sequence number (bytes 8..<16).
    /// Fans time every message one way: there is no round trip to time.
    public var carriesTimestamp: Bool { oneWay || key.mode == .openLoop || key.topology.isFan }

    /// A tenth of the measured count, at most 1000.
    public static func defaultWarmup(messages: Int) -> Int { min(1000, messages / 10) }

    /// Messages (or round trips) per repetition when the user gives none: enough for stable
    /// percentiles on small payloads, bounded in bytes for large ones.
    public static func defaultMessages(mode: Mode, payloadBytes: Int, rate: Int = defaultRate) -> Int {
        switch mode {
        case .openLoop:
            // Two seconds at the rate, within the throughput budget.
            return max(100, min(2 * rate, defaultMessages(mode: .throughput, payloadBytes: payloadBytes)))
        case .latency:
            return max(3, min(5_000, (256 << 20) / max(1, payloadBytes)))
        case .throughput:
            return max(3, min(100_000, (256 << 20) / max(1, payloadBytes)))
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
    /// One-way times (arrival minus the sender's stamp, or minus the intended send time in
    /// open-loop mode), all pairs merged; nil unless the scenario carries timestamps.
    public var oneWay: Histogram?
    public var cpuNsPerMessage: Double?
    public var contextSwitchesPerMessage: Double?
    /// futex calls per message, both sides together: every mechanism's where perf counts
    /// (`syscallSource == .perf`), else the rings' own count of their waits and wakes.
    public var futexCallsPerMessage: Double?
    /// System calls per message, all workers together, and who counted them (nil: not counted;
    /// `proc-io` counts only read- and write-family calls).
    public var syscallsPerMessage: Double?
    public var syscallSource: SyscallSource?
    /// Context switches per message, split: the workers gave the CPU up (voluntary) or were
    /// preempted (involuntary); and minor page faults per message. All from getrusage.
    public var voluntarySwitchesPerMessage: Double?
    public var involuntarySwitchesPerMessage: Double?
    public var minorFaultsPerMessage: Double?
    /// Lossy mechanisms only: messages (round trips) that never arrived, and late arrivals.
    public var lostMessages: Int?
    public var reorderedMessages: Int?
    /// Competition for the CPUs: involuntary context switches of the workers in the window, CPU
    /// time stolen by the hypervisor during the repetition, and the load average before it.
    public var involuntarySwitches: Int?
    public var stealPercent: Double?
    public var loadAverage: Double?
    /// Spread of the scenario's primary figure across its repetitions (coefficient of
    /// variation, percent), filled in once every repetition has run.
    public var spreadPercent: Double?
    public var noisy = false
    /// The host state: pair 0's cache-line round trip between its two CPUs before warm-up and
    /// after the window, in ns (`HostProbe`); nil for one-sided ceilings.
    public var probeNs: UInt64?
    public var probeEndNs: UInt64?
    /// The CPUs pair 0's producer and consumer were pinned to (nil when unpinned).
    public var producerCPU: Int32?
    public var consumerCPU: Int32?
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
        guard status == .ok, scenario.mode != .latency, let windowNs, windowNs > 0 else { return nil }
        // Delivered messages: a lossy mechanism's losses are not throughput.
        return Double(totalMessages - (lostMessages ?? 0)) / (Double(windowNs) / 1e9)
    }

    public var mibPerSecond: Double? {
        guard let rate = messagesPerSecond else { return nil }
        return rate * Double(scenario.payloadBytes) / 1_048_576
    }
}

/// Spread across repetitions: the coefficient of variation of each scenario's primary figure
/// (throughput MiB/s, or the p50 round trip), and the flag for spreads too wide to trust.
public enum Spread {
    /// A scenario whose repetitions vary by more than this (CV, percent) is flagged `noisy`.
    public static let noisyAbovePercent = 10.0

    public static func primaryFigure(_ r: RepetitionResult) -> Double? {
        guard r.status == .ok else { return nil }
        switch r.scenario.mode {
        case .throughput: return r.mibPerSecond
        case .latency: return r.latency?.percentile(50).map { Double($0) }
        case .openLoop: return r.oneWay?.percentile(50).map { Double($0) }
        }
    }

    /// Fills `spreadPercent` and `noisy` on every result, scenario by scenario.
    public static func annotate(_ results: inout [RepetitionResult]) {
        var figures: [Scenario: [Double]] = [:]
        for r in results { if let f = primaryFigure(r) { figures[r.scenario, default: []].append(f) } }
        for i in results.indices {
            guard results[i].status == .ok, let values = figures[results[i].scenario],
                  let cv = Statistics.coefficientOfVariation(values) else { continue }
            results[i].spreadPercent = cv
            results[i].noisy = cv > noisyAbovePercent
        }
    }
}

/// The result file's columns, in file order, each declared once (README "CSV columns" says
/// what each means). Adding a column is one line here: the CSV, the JSON document and the
/// reader follow; mark it `addedLater` so files written before it still read and compare.
public enum ResultSchema {
    public static let columns: [ResultColumn] = [
        .text("mechanism", .key) { $0.scenario.mechanism },
        .text("mode", .key) { $0.scenario.mode.rawValue },
        .integer("payload_bytes", .key, unit: .bytes) { $0.scenario.payloadBytes },
        .text("placement", .key) { $0.scenario.placement.rawValue },
        .integer("pairs", .key) { $0.scenario.pairs },
        .text("wait", .key) { $0.scenario.wait.rawValue },
        .text("copy", .key, addedLater: true) { $0.scenario.copy.rawValue },
        .text("topology", .key, addedLater: true) { $0.scenario.topology.rawValue },
        .text("cpu_pair", .key, addedLater: true) { $0.scenario.cpuPair?.description ?? "" },
        .integer("repetition", .run) { $0.result.repetition },
        .integer("messages", .setting, unit: .count) { $0.scenario.messages * $0.scenario.pairs * $0.scenario.topology.producers },
        .text("status", .outcome) { $0.result.status.rawValue },
        .text("note", .outcome) { $0.result.note },
        .decimal("msgs_per_s", .metric, places: 1, unit: .messagesPerSecond, .higherIsBetter, label: "msgs/s") { $0.result.messagesPerSecond },
        .decimal("mib_per_s", .metric, places: 3, unit: .mibPerSecond, .higherIsBetter, label: "MiB/s") { $0.result.mibPerSecond },
    ] + timeColumns("rtt", "rtt") { $0.roundTrips } + [
        .decimal("rtt_stddev_ns", .diagnostic, places: 1, unit: .nanoseconds) { $0.roundTrips?.standardDeviation },
    ] + timeColumns("oneway", "one-way") { $0.oneWay } + [
        .integer("target_msgs_per_s", .setting, unit: .messagesPerSecond) { $0.scenario.rate },
        .decimal("cpu_ns_per_msg", .metric, places: 1, unit: .nanoseconds, .lowerIsBetter, label: "cpu/msg") { $0.ifOK($0.result.cpuNsPerMessage) },
        .decimal("ctx_switches_per_msg", .metric, places: 4, unit: .count, .lowerIsBetter, label: "ctx/msg") { $0.ifOK($0.result.contextSwitchesPerMessage) },
        .decimal("futex_calls_per_msg", .metric, places: 4, unit: .count, .lowerIsBetter, label: "futex/msg") { $0.ifOK($0.result.futexCallsPerMessage) },
        .decimal("syscalls_per_msg", .metric, places: 4, unit: .count, .lowerIsBetter, label: "syscalls/msg", addedLater: true) { $0.ifOK($0.result.syscallsPerMessage) },
        .text("syscall_source", .diagnostic, addedLater: true) { $0.ifOK($0.result.syscallSource)?.rawValue ?? "" },
        .decimal("voluntary_switches_per_msg", .metric, places: 4, unit: .count, .lowerIsBetter, label: "vol ctx/msg", addedLater: true) { $0.ifOK($0.result.voluntarySwitchesPerMessage) },
        .decimal("involuntary_switches_per_msg", .metric, places: 4, unit: .count, .lowerIsBetter, label: "invol ctx/msg", addedLater: true) { $0.ifOK($0.result.involuntarySwitchesPerMessage) },
        .decimal("minor_faults_per_msg", .metric, places: 4, unit: .count, .lowerIsBetter, label: "faults/msg", addedLater: true) { $0.ifOK($0.result.minorFaultsPerMessage) },
        .integer("lost_msgs", .metric, unit: .count, .lowerIsBetter, label: "lost") { $0.ifOK($0.result.lostMessages) },
        .integer("reordered_msgs", .metric, unit: .count, .lowerIsBetter, label: "reordered") { $0.ifOK($0.result.reorderedMessages) },
        .integer("warmup_messages", .setting, unit: .count) { $0.scenario.warmupMessages },
        .integer("window_ns", .diagnostic, unit: .nanoseconds) { ns($0.ifOK($0.result.windowNs)) },
        .decimal("min_window_ms", .setting, places: 3, unit: .milliseconds, addedLater: true) { $0.scenario.minimumWindowNs.map { Double($0) / 1e6 } },
        .flag("verify", .setting) { $0.scenario.verify },
        .integer("ring_bytes", .setting, unit: .bytes) { MechanismRegistry.usesRing($0.scenario.mechanism) ? $0.scenario.ringBytes : nil },
        .decimal("cv_pct", .diagnostic, places: 2, unit: .percent) { $0.result.spreadPercent },
        .flag("noisy", .diagnostic) { $0.result.spreadPercent == nil ? nil : $0.result.noisy },
        .integer("involuntary_switches", .diagnostic, unit: .count) { $0.ifOK($0.result.involuntarySwitches) },
        .decimal("steal_pct", .diagnostic, places: 2, unit: .percent) { $0.result.stealPercent },
        .decimal("loadavg_1m", .diagnostic, places: 2) { $0.result.loadAverage },
        .integer("probe_ns", .diagnostic, unit: .nanoseconds, addedLater: true) { ns($0.ifOK($0.result.probeNs)) },
        .integer("probe_end_ns", .diagnostic, unit: .nanoseconds, addedLater: true) { ns($0.ifOK($0.result.probeEndNs)) },
        .integer("producer_cpu", .diagnostic, addedLater: true) { $0.result.producerCPU.map(Int.init) },
        .integer("consumer_cpu", .diagnostic, addedLater: true) { $0.result.consumerCPU.map(Int.init) },
        .text("cpu_relation", .diagnostic, addedLater: true) { CPUTopology.relation(of: $0.result) },
        .integer("clock_overhead_ns", .diagnostic, unit: .nanoseconds) { ns($0.clockOverheadNs) },
        // Filled in by `ipcbench gate`, which runs BASE and NEW rows back to back.
        .integer("ab_pair", .run, addedLater: true) { _ in nil },
        .integer("ab_position", .run, addedLater: true) { _ in nil },
        .text("hostname", .machine) { $0.machine?.hostname ?? "" },
        .text("kernel", .machine) { $0.machine?.kernel ?? "" },
        .text("cpu_model", .machine) { $0.machine?.cpuModel ?? "" },
        .integer("cpus", .machine) { $0.machine?.cpus },
        .text("timestamp", .run) { $0.timestamp },
        .text("ipcbench_version", .run) { _ in ipcbenchVersion },
        .text("commit", .run, addedLater: true) { $0.run.commit ?? "" },
        .text("label", .run, addedLater: true) { $0.run.label ?? "" },
    ]

    /// The column called `name`, if the schema has one.
    public static func column(_ name: String) -> ResultColumn? { byName[name] }

    public static func columns(_ kind: ColumnKind) -> [ResultColumn] { columns.filter { $0.kind == kind } }

    /// The metrics `compare` judges (and `plot --history` draws) for a mode: the figure the
    /// mode exists for, and for timed modes its tail.
    public static func compared(in mode: Mode) -> [ResultColumn] {
        timed(in: mode).map { [$0.p50, $0.p99] } ?? [mibPerSecond]
    }

    /// The times a mode's rows are read by: round trips, or in open loop one-way times from the
    /// intended send; nil for throughput.
    public static func timed(in mode: Mode) -> (p50: ResultColumn, p99: ResultColumn)? {
        switch mode {
        case .throughput: return nil
        case .latency: return (rttP50Ns, rttP99Ns)
        case .openLoop: return (onewayP50Ns, onewayP99Ns)
        }
    }

    // The columns code refers to by meaning; the name is the schema's.
    public static let messages = named("messages")
    public static let msgsPerSecond = named("msgs_per_s")
    public static let mibPerSecond = named("mib_per_s")
    public static let rttMinNs = named("rtt_min_ns")
    public static let rttP50Ns = named("rtt_p50_ns")
    public static let rttP90Ns = named("rtt_p90_ns")
    public static let rttP99Ns = named("rtt_p99_ns")
    public static let rttP999Ns = named("rtt_p999_ns")
    public static let rttMaxNs = named("rtt_max_ns")
    public static let rttMeanNs = named("rtt_mean_ns")
    public static let onewayP50Ns = named("oneway_p50_ns")
    public static let onewayP99Ns = named("oneway_p99_ns")
    public static let targetMsgsPerSecond = named("target_msgs_per_s")
    public static let cpuNsPerMessage = named("cpu_ns_per_msg")
    public static let contextSwitchesPerMessage = named("ctx_switches_per_msg")
    public static let minWindowMs = named("min_window_ms")
    public static let probeNs = named("probe_ns")
    public static let abPair = named("ab_pair")
    public static let abPosition = named("ab_position")

    private static let byName = Dictionary(uniqueKeysWithValues: columns.map { ($0.name, $0) })

    private static func named(_ name: String) -> ResultColumn {
        guard let column = byName[name] else { preconditionFailure("the result schema has no column \(name)") }
        return column
    }

    private static func ns(_ value: UInt64?) -> Int? { value.map { Int(clamping: $0) } }

    /// The columns of one kind of time, `PREFIX_min_ns` to `PREFIX_mean_ns`: round trips and
    /// one-way times are summed up alike, from the histogram `times` reads.
    private static func timeColumns(_ prefix: String, _ words: String,
                                    _ times: @escaping @Sendable (RowSource) -> Histogram?) -> [ResultColumn] {
        func time(_ name: String, _ label: String, _ value: @escaping @Sendable (Histogram) -> UInt64?) -> ResultColumn {
            .integer("\(prefix)_\(name)_ns", .metric, unit: .nanoseconds, .lowerIsBetter, label: "\(label) \(words)") { ns(times($0).flatMap(value)) }
        }
        return [
            time("min", "min") { $0.min },
            time("p50", "p50") { $0.percentile(50) },
            time("p90", "p90") { $0.percentile(90) },
            time("p99", "p99") { $0.percentile(99) },
            time("p999", "p99.9") { $0.percentile(99.9) },
            time("max", "max") { $0.max },
            .decimal("\(prefix)_mean_ns", .metric, places: 1, unit: .nanoseconds, .lowerIsBetter, label: "mean \(words)") { times($0)?.mean },
        ]
    }
}

extension RowSource {
    /// Round trips of an ok repetition.
    var roundTrips: Histogram? { ok ? result.latency : nil }
    /// One-way times of an ok repetition that recorded any.
    var oneWay: Histogram? { ok && (result.oneWay?.count ?? 0) > 0 ? result.oneWay : nil }
    func ifOK<T>(_ value: T?) -> T? { ok ? value : nil }
}

import Glibc

/// The CSV contract: one row per scenario and repetition, RFC 4180 quoting, columns in this
/// order (README "CSV columns" documents each). Empty cells where a figure does not apply.
public enum CSVReport {
    public static let columns = [
        "mechanism", "mode", "payload_bytes", "placement", "pairs", "wait", "copy", "topology", "cpu_pair", "repetition", "messages",
        "status", "note", "msgs_per_s", "mib_per_s",
        "rtt_min_ns", "rtt_p50_ns", "rtt_p90_ns", "rtt_p99_ns", "rtt_p999_ns", "rtt_max_ns",
        "rtt_mean_ns", "rtt_stddev_ns",
        "oneway_min_ns", "oneway_p50_ns", "oneway_p90_ns", "oneway_p99_ns", "oneway_p999_ns", "oneway_max_ns",
        "oneway_mean_ns", "target_msgs_per_s", "cpu_ns_per_msg", "ctx_switches_per_msg",
        "futex_calls_per_msg", "lost_msgs", "reordered_msgs", "warmup_messages", "window_ns", "min_window_ms", "verify", "ring_bytes",
        "cv_pct", "noisy", "involuntary_switches", "steal_pct", "loadavg_1m", "probe_ns", "probe_end_ns", "producer_cpu", "consumer_cpu", "cpu_relation",
        "clock_overhead_ns", "ab_pair", "ab_position", "hostname", "kernel", "cpu_model", "cpus", "timestamp", "ipcbench_version",
    ]

    public static func row(_ r: RepetitionResult, machine: MachineInfo, timestamp: String, clockOverheadNs: UInt64? = nil) -> [String] {
        let s = r.scenario
        let h = r.status == .ok ? r.latency : nil
        let o = r.status == .ok && (r.oneWay?.count ?? 0) > 0 ? r.oneWay : nil
        func ns(_ v: UInt64?) -> String { v.map { String($0) } ?? "" }
        func num(_ v: Double?, _ d: Int) -> String { v.map { fixed($0, d) } ?? "" }
        let values: [String: String] = [
            "mechanism": s.mechanism, "mode": s.mode.rawValue, "payload_bytes": String(s.payloadBytes),
            "placement": s.placement.rawValue, "pairs": String(s.pairs), "wait": s.wait.rawValue, "copy": s.copy.rawValue, "topology": s.topology.rawValue,
            "cpu_pair": s.cpuPair?.description ?? "",
            "producer_cpu": r.producerCPU.map(String.init) ?? "", "consumer_cpu": r.consumerCPU.map(String.init) ?? "",
            "cpu_relation": relation(r),
            "repetition": String(r.repetition), "messages": String(s.messages * s.pairs),
            "status": r.status.rawValue, "note": r.note,
            "msgs_per_s": num(r.messagesPerSecond, 1), "mib_per_s": num(r.mibPerSecond, 3),
            "rtt_min_ns": ns(h?.min), "rtt_p50_ns": ns(h?.percentile(50)), "rtt_p90_ns": ns(h?.percentile(90)),
            "rtt_p99_ns": ns(h?.percentile(99)), "rtt_p999_ns": ns(h?.percentile(99.9)), "rtt_max_ns": ns(h?.max),
            "rtt_mean_ns": num(h?.mean, 1), "rtt_stddev_ns": num(h?.standardDeviation, 1),
            "oneway_min_ns": ns(o?.min), "oneway_p50_ns": ns(o?.percentile(50)), "oneway_p90_ns": ns(o?.percentile(90)),
            "oneway_p99_ns": ns(o?.percentile(99)), "oneway_p999_ns": ns(o?.percentile(99.9)), "oneway_max_ns": ns(o?.max),
            "oneway_mean_ns": num(o?.mean, 1), "target_msgs_per_s": s.rate.map(String.init) ?? "",
            "cpu_ns_per_msg": num(r.status == .ok ? r.cpuNsPerMessage : nil, 1),
            "ctx_switches_per_msg": num(r.status == .ok ? r.contextSwitchesPerMessage : nil, 4),
            "futex_calls_per_msg": num(r.status == .ok ? r.futexCallsPerMessage : nil, 4),
            "cv_pct": num(r.spreadPercent, 2), "noisy": r.spreadPercent == nil ? "" : (r.noisy ? "true" : "false"),
            "involuntary_switches": r.status == .ok ? r.involuntarySwitches.map(String.init) ?? "" : "",
            "steal_pct": num(r.stealPercent, 2), "loadavg_1m": num(r.loadAverage, 2),
            "clock_overhead_ns": clockOverheadNs.map(String.init) ?? "",
            "lost_msgs": r.status == .ok ? r.lostMessages.map(String.init) ?? "" : "",
            "reordered_msgs": r.status == .ok ? r.reorderedMessages.map(String.init) ?? "" : "",
            "ring_bytes": MechanismRegistry.usesRing(s.mechanism) ? String(s.ringBytes) : "",
            "warmup_messages": String(s.warmupMessages),
            "window_ns": r.status == .ok ? ns(r.windowNs) : "",
            "min_window_ms": s.minimumWindowNs.map { fixed(Double($0) / 1e6, 3) } ?? "",
            "probe_ns": r.status == .ok ? ns(r.probeNs) : "", "probe_end_ns": r.status == .ok ? ns(r.probeEndNs) : "",
            "verify": s.verify ? "true" : "false",
            "hostname": machine.hostname, "kernel": machine.kernel, "cpu_model": machine.cpuModel,
            "cpus": String(machine.cpus), "timestamp": timestamp, "ipcbench_version": ipcbenchVersion,
        ]
        return columns.map { values[$0] ?? "" }
    }

    /// How pair 0's two CPUs are related, as /sys declares it (read once per process).
    private static let topology = CPUTopology.read()

    static func relation(_ r: RepetitionResult) -> String {
        guard let p = r.producerCPU, let c = r.consumerCPU else { return "" }
        return topology.relation(p, c)
    }

    /// RFC 4180: a field with a comma, quote, CR or LF is quoted, quotes doubled.
    public static func escape(_ field: String) -> String {
        // Look at scalars, not Characters: "\r\n" and a quote followed by a combining mark are
        // single Characters in Swift, and would slip past a Character comparison.
        guard field.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        var out = "\""
        for scalar in field.unicodeScalars {
            if scalar == "\"" { out += "\"\"" } else { out.unicodeScalars.append(scalar) }
        }
        return out + "\""
    }

    /// Any table (header included) as RFC 4180 text.
    public static func renderRaw(_ table: [[String]]) -> String {
        table.map { $0.map(escape).joined(separator: ",") + "\r\n" }.joined()
    }

    public static func render(_ rows: [[String]]) -> String {
        var out = columns.joined(separator: ",") + "\r\n"
        for row in rows { out += row.map(escape).joined(separator: ",") + "\r\n" }
        return out
    }
}

extension String {
    public func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}

/// The terminal summary: one line per scenario, the median across its repetitions.
public enum SummaryTable {
    public static func render(_ results: [RepetitionResult]) -> String {
        var order: [Scenario] = []
        var groups: [Scenario: [RepetitionResult]] = [:]
        for r in results {
            if groups[r.scenario] == nil { order.append(r.scenario) }
            groups[r.scenario, default: []].append(r)
        }
        let header = ["mechanism", "mode", "size", "placement", "wait", "copy", "pairs", "reps", "p50", "p99",
                      ResultSchema.mibPerSecond.label, ResultSchema.msgsPerSecond.label, ResultSchema.cpuNsPerMessage.label,
                      ResultSchema.contextSwitchesPerMessage.label, "spread", "note"]
        var rows: [[String]] = []
        for scenario in order {
            let runs = groups[scenario]!
            let ok = runs.filter { $0.status == .ok }
            func med(_ column: ResultColumn?) -> Double? {
                column.flatMap { c in median(ok.compactMap { c.value(RowSource($0)) }) }
            }
            // Open loop has no round trips: its figure is the one-way time from the intended send.
            // Neither has a fan: each message is timed one way.
            let timed = scenario.topology.isFan ? (ResultSchema.onewayP50Ns, ResultSchema.onewayP99Ns) : ResultSchema.timed(in: scenario.mode)
            let p50 = med(timed?.p50), p99 = med(timed?.p99)
            let mib = med(ResultSchema.mibPerSecond), rate = med(ResultSchema.msgsPerSecond)
            let cpu = med(ResultSchema.cpuNsPerMessage), ctx = med(ResultSchema.contextSwitchesPerMessage)
            let spread = runs.first { $0.spreadPercent != nil }
            var note = spread?.noisy == true ? "NOISY: repetitions vary by \(fixed(spread!.spreadPercent!, 0))%" : ""
            // Repetitions measured with the vCPUs placed differently by the host: say so.
            // `Double.init` here would be init(bitPattern:): the conversion is spelled out.
            let states = HostStates(ok.compactMap { $0.probeNs.map { Double($0) } })
            if states.states.count > 1 { note = [note, "host states \(states)"].filter { !$0.isEmpty }.joined(separator: "; ") }
            if let lossy = ok.first(where: { ($0.lostMessages ?? 0) > 0 }) {
                note = [note, lossy.note].filter { !$0.isEmpty }.joined(separator: "; ")
            }
            if let failed = runs.first(where: { $0.status == .failed }) {
                note = "FAILED: \(failed.note)"
            } else if let skipped = runs.first(where: { $0.status == .skipped }) {
                note = "skipped: \(skipped.note)"
            }
            rows.append([
                scenario.mechanism, scenario.mode.rawValue, ByteSize.format(scenario.payloadBytes),
                scenario.placement.rawValue, scenario.wait.rawValue, scenario.copy.rawValue,
                scenario.topology == .pairs ? String(scenario.pairs) : "\(scenario.pairs) \(scenario.topology.rawValue)",
                "\(ok.count)/\(runs.count)",
                p50.map(humanDuration) ?? "-", p99.map(humanDuration) ?? "-",
                mib.map { fixed($0, $0 < 10 ? 2 : 1) } ?? "-", rate.map { fixed($0, 0) } ?? "-",
                cpu.map(humanDuration) ?? "-", ctx.map { fixed($0, 2) } ?? "-",
                spread?.spreadPercent.map { "\(fixed($0, 1))%" } ?? "-", note,
            ])
        }
        return alignColumns([header] + rows)
    }

    /// Rows as aligned columns. Every cell goes through ``TextSafety/forTerminal(_:)`` first: a
    /// mechanism, note, CPU model or governor read from a file or the machine could carry an
    /// escape sequence, and the widths are those of what is shown.
    public static func alignColumns(_ cells: [[String]]) -> String {
        let rows = cells.map { $0.map(TextSafety.forTerminal) }
        guard let first = rows.first else { return "" }
        var widths = [Int](repeating: 0, count: first.count)
        for row in rows { for (i, cell) in row.enumerated() where i < first.count - 1 { widths[i] = max(widths[i], cell.count) } }
        var out = ""
        for row in rows {
            var line = ""
            for (i, cell) in row.enumerated() {
                if i == row.count - 1 { line += cell } else {
                    line += cell + String(repeating: " ", count: widths[i] - cell.count + 2)
                }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}

/// The core matrix on a terminal: one grid per mechanism and setting, the producer's CPU down
/// the side and the consumer's across, each cell the median over repetitions (p50 round trip,
/// or MiB/s), then how /sys relates the CPUs and what the host probe measured between them.
public enum CoreMatrixTable {
    public static func render(_ results: [RepetitionResult], topology: CPUTopology = .read()) -> String {
        let cells = results.filter { $0.scenario.cpuPair != nil }
        guard !cells.isEmpty else { return "" }
        struct Grid: Hashable { var mechanism: String, mode: Mode, size: Int, wait: WaitMode, copy: CopyMode, topology: Topology, pairs: Int }
        var order: [Grid] = []
        var values: [Grid: [CPUPair: [Double]]] = [:]
        var probes: [CPUPair: [Double]] = [:]
        for r in cells {
            let s = r.scenario
            let grid = Grid(mechanism: s.mechanism, mode: s.mode, size: s.payloadBytes, wait: s.wait, copy: s.copy, topology: s.topology, pairs: s.pairs)
            if values[grid] == nil { order.append(grid) }
            let pair = s.cpuPair!
            values[grid, default: [:]][pair, default: []] += Spread.primaryFigure(r).map { [$0] } ?? []
            if let probe = r.probeNs, pair.producer != pair.consumer { probes[pair, default: []].append(Double(probe)) }
        }
        let cpus = Array(Set(cells.flatMap { [$0.scenario.cpuPair!.producer, $0.scenario.cpuPair!.consumer] })).sorted()
        var out = ""
        // A grid with no value (every cell skipped or failed) says nothing: the table has why.
        for grid in order where values[grid]?.values.contains(where: { !$0.isEmpty }) == true {
            let latency = grid.mode != .throughput
            out += "\nCORE MATRIX  \(grid.mechanism) \(grid.mode.rawValue) \(ByteSize.format(grid.size)) \(grid.wait.rawValue) \(grid.copy.rawValue)"
                + (grid.topology == .pairs ? "" : " \(grid.topology.rawValue)") + (grid.pairs > 1 ? " x\(grid.pairs)" : "")
                + "  (\(latency ? "p50, lower is better" : "MiB/s, higher is better"); producer CPU down, consumer CPU across)\n"
            var rows: [[String]] = [["p\\c"] + cpus.map { "cpu\($0)" }]
            for p in cpus {
                rows.append(["cpu\(p)"] + cpus.map { c in
                    guard let v = median(values[grid]?[CPUPair(producer: p, consumer: c)] ?? []) else { return "-" }
                    return latency ? humanDuration(v) : fixed(v, v < 10 ? 2 : 1)
                })
            }
            out += SummaryTable.alignColumns(rows).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
        }
        out += "\nCPU PAIRS (relation from /sys; host probe: cache-line round trip measured before each cell, median)\n"
        var rows: [[String]] = [["pair", "relation", "probe"]]
        for p in cpus {
            for c in cpus where c != p {
                let pair = CPUPair(producer: p, consumer: c)
                rows.append([pair.description, topology.relation(p, c), median(probes[pair] ?? []).map(humanDuration) ?? "-"])
            }
        }
        out += SummaryTable.alignColumns(rows).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
        return out
    }
}

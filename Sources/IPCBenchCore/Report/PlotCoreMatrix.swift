// The core matrix (`run --placements matrix`): one heatmap per mechanism and setting, the
// producer's CPU down the side and the consumer's across, each cell's /sys relation beside it.

extension PlotData {
    struct MatrixGroup: Hashable {
        var mechanism: String, mode: Mode, size: Int, wait: WaitMode, copy: CopyMode, topology: Topology, pairs: Int
    }

    func coreMatrixCharts() -> [(name: String, caption: String, svg: String)] {
        var order: [MatrixGroup] = []
        var cells: [MatrixGroup: [CPUPair: ScenarioKey]] = [:]
        for key in keys {
            guard let pair = key.cpuPair else { continue }
            let group = MatrixGroup(mechanism: key.mechanism, mode: key.mode, size: key.payloadBytes, wait: key.wait,
                                    copy: key.copy, topology: key.topology, pairs: key.pairs)
            if cells[group] == nil { order.append(group) }
            cells[group, default: [:]][pair] = key
        }
        var used: Set<String> = []
        return order.compactMap { group in
            let byPair = cells[group]!
            let latency = group.mode != .throughput
            let metric = latency ? (group.mode == .openLoop ? ResultSchema.onewayP50Ns : ResultSchema.rttP50Ns) : ResultSchema.mibPerSecond
            let cpus = Array(Set(byPair.keys.flatMap { [$0.producer, $0.consumer] })).sorted()
            guard cpus.count <= 64, byPair.values.contains(where: { value($0, metric) != nil }) else { return nil }
            var grid: [[Heatmap.Cell]] = []
            var kinds: [String: Int] = [:]
            for p in cpus {
                grid.append(cpus.map { c in
                    let pair = CPUPair(producer: p, consumer: c)
                    let relation = byPair[pair].flatMap { relations[$0] } ?? ""
                    if p != c && !relation.isEmpty { kinds[relation, default: 0] += 1 }
                    let where_ = "producer on CPU \(p), consumer on CPU \(c)" + (relation.isEmpty ? "" : " (\(relation))")
                    guard let key = byPair[pair] else { return Heatmap.Cell(value: nil, text: "—", tooltip: "\(where_): not measured") }
                    guard let v = value(key, metric) else {
                        return Heatmap.Cell(value: nil, text: "—", tooltip: "\(where_): \(problemByKey[key] ?? "no value")")
                    }
                    let text = latency ? humanDuration(v) : threeDigits(v)
                    return Heatmap.Cell(value: latency ? v / 1000 : v, text: text, tooltip: "\(where_): \(text)\(latency ? " p50" : " MiB/s")")
                })
            }
            let what = "\(group.mechanism) \(group.mode) \(ByteSize.format(group.size)) \(group.wait)"
                + (group.copy == .zero ? " in place" : "") + (group.topology == .pairs ? "" : " \(group.topology.rawValue)")
            let relationLine = kinds.isEmpty ? "" : "relations (/sys): " + kinds.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
            let base = "matrix-" + Self.slug(what)
            var name = base
            var n = 2
            while used.contains(name) { name = "\(base)-\(n)"; n += 1 }
            used.insert(name)
            let chart = Heatmap(
                title: "Core matrix: \(what), \(latency ? "p50" : "MiB/s")",
                subtitle: (["diagonal: same-core", relationLine, repetitionsText, machineLine]).filter { !$0.isEmpty }.joined(separator: " · "),
                columnTitle: "consumer", rowLabels: cpus.map { "producer CPU \($0)" }, columnLabels: cpus.map { "CPU \($0)" },
                cells: grid, higherIsBetter: !latency, scaleTitle: latency ? "p50 (µs)" : "MiB/s")
            return (name: name + ".svg", caption: "Core matrix, \(what)", svg: chart.svg())
        }
    }
}

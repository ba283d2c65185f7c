// The heatmaps of a report: mechanism by payload size, one per mode.

extension PlotData {
    func heatmap(_ combo: Combo, mode: Mode) -> String? {
        let metric = mode == .latency ? ResultSchema.rttP50Ns : ResultSchema.mibPerSecond
        var rows = series(combo, mode: mode)
        let ceilingName = mode == .latency ? PlotReport.latencyCeiling : PlotReport.throughputCeiling
        let ceilingKeys = ceiling(ceilingName, mode: mode, combo)
        if !ceilingKeys.isEmpty { rows.append(("\(ceilingName) (ceiling)", ceilingKeys)) }
        let sizes = Set(rows.flatMap { $0.keys.map(\.payloadBytes) }).sorted()
        guard rows.contains(where: { $0.keys.contains { value($0, metric) != nil } }) else { return nil }
        let title = (mode == .latency ? "p50 round-trip latency" : "Throughput") + " by mechanism and size — \(combo.caption)"
        // Sparse files (each mechanism at sizes of its own) would make rows × sizes cells, not
        // one per scenario: past a readable grid, say so instead of drawing millions of cells.
        guard rows.count * sizes.count <= PlotData.maximumHeatmapCells else {
            return MessageChart(title: title, lines: [
                "\(rows.count) mechanisms × \(sizes.count) sizes is over \(grouped(Double(PlotData.maximumHeatmapCells))) cells: too many for a heatmap.",
                "The line charts show every value.",
            ]).svg()
        }
        var cells: [[Heatmap.Cell]] = []
        for (name, keys) in rows {
            var line: [Heatmap.Cell] = []
            let keyBySize = Dictionary(keys.map { ($0.payloadBytes, $0) }, uniquingKeysWith: { a, _ in a })
            for size in sizes {
                let key = keyBySize[size]
                let where_ = "\(name) at \(byteWords(size))"
                if let key, let v = value(key, metric) {
                    let text = mode == .latency ? humanDuration(v) : threeDigits(v)
                    let reps = okCounts[key] ?? 0
                    line.append(Heatmap.Cell(value: mode == .latency ? v / 1000 : v, text: text,
                                             tooltip: "\(where_): \(text)\(mode == .latency ? " p50" : " MiB/s") (\(reps) ok repetition\(reps == 1 ? "" : "s"))"))
                } else if let key, let problem = problemByKey[key] {
                    line.append(Heatmap.Cell(value: nil, text: "—", tooltip: "\(where_): \(problem)"))
                } else {
                    line.append(Heatmap.Cell(value: nil, text: "—", tooltip: "\(where_): not measured"))
                }
            }
            cells.append(line)
        }
        return Heatmap(
            title: title,
            subtitle: subtitle(combo), columnTitle: "payload size (bytes)",
            rowLabels: rows.map(\.name), columnLabels: sizes.map { ByteSize.format($0) }, cells: cells,
            higherIsBetter: mode != .latency, scaleTitle: mode == .latency ? "p50 (µs)" : "MiB/s"
        ).svg()
    }
}

// The percentile spectra of a report: chosen scenarios' whole latency distributions, from the
// histograms a run's JSON keeps, with the baseline's overlaid.

extension PlotData {
    /// One chart per mode, placement and wait among the chosen scenarios, a panel per family.
    /// `patterns` chooses scenarios whose export name (`pipe/latency/64/…`) contains one of
    /// them; without, each chart shows every mechanism at the smallest size it was measured at.
    func spectrumCharts(_ spectra: LatencySpectra, baseline: LatencySpectra?, patterns: [String]?) -> [(name: String, caption: String, svg: String)] {
        struct Group: Hashable { var mode: Mode; var placement: Placement; var wait: WaitMode }
        var chosen: [Group: [LatencySpectra.Entry]] = [:]
        var order: [Group] = []
        for entry in spectra.entries where entry.kind == LatencySpectra.kind(for: entry.key.mode) {
            if let patterns, !patterns.contains(where: { entry.key.exportName.contains($0) }) { continue }
            let g = Group(mode: entry.key.mode, placement: entry.key.placement, wait: entry.key.wait)
            if chosen[g] == nil { order.append(g) }
            chosen[g, default: []].append(entry)
        }
        return order.compactMap { g in
            var entries = chosen[g]!
            if patterns == nil {
                // Each mechanism at the smallest size it was measured at here.
                var smallest: [String: Int] = [:]
                for e in entries { smallest[Self.seriesName(e.key)] = min(smallest[Self.seriesName(e.key)] ?? .max, e.key.payloadBytes) }
                entries = entries.filter { $0.key.payloadBytes == smallest[Self.seriesName($0.key)] }
            }
            let sizes = Set(entries.map(\.key.payloadBytes))
            func name(_ k: ScenarioKey) -> String { Self.seriesName(k) + (sizes.count > 1 ? " \(byteWords(k.payloadBytes))" : "") }
            var byFamily: [MechanismFamily: [LatencySpectra.Entry]] = [:]
            for e in entries { byFamily[MechanismFamily.of(e.key.mechanism), default: []].append(e) }
            var panels: [SpectrumChart.Panel] = []
            for family in byFamily.keys.sorted() {
                let members = byFamily[family]!.sorted { ($0.key.payloadBytes, rank($0.key.mechanism), $0.key.pairs) < ($1.key.payloadBytes, rank($1.key.mechanism), $1.key.pairs) }
                let chunks = SeriesStyle.splitForPalette(members)
                for (n, chunk) in chunks.enumerated() {
                    let first = panels.reduce(0) { $0 + $1.series.count }
                    panels.append(SpectrumChart.Panel(title: family.title + (chunks.count > 1 ? " (\(n + 1) of \(chunks.count))" : ""),
                                                      series: chunk.enumerated().map { i, e in
                        var s = SpectrumChart.Series(name: name(e.key), style: SeriesStyle.forIndex((first + i) % SeriesStyle.palette.count),
                                                     points: Self.points(e.histogram), count: e.histogram.count)
                        if let b = baseline?.histogram(e.key, e.kind) {
                            s.baseline = Self.points(b)
                            s.baselineCount = b.count
                        }
                        return s
                    }))
                }
            }
            let combo = Combo(placement: g.placement, wait: g.wait)
            let what = g.mode == .openLoop ? "Open-loop one-way latency" : "Round-trip latency"
            let sizeText = sizes.count == 1 ? " at \(byteWords(sizes.first!))" : ""
            let reps = Set(entries.map(\.repetitions)).sorted()
            let merged = reps.count == 1 ? "\(reps[0]) repetition\(reps[0] == 1 ? "" : "s") merged" : "\(reps.first!)–\(reps.last!) repetitions merged"
            let chart = SpectrumChart(
                title: "\(what) by percentile\(sizeText) — \(combo.caption)",
                subtitle: [g.mode == .openLoop ? "from the intended send time" : "", "placement \(g.placement), wait \(g.wait)", merged, machineLine].filter { !$0.isEmpty }.joined(separator: " · "),
                yTitle: g.mode == .openLoop ? "one way (µs, log scale)" : "round trip (µs, log scale)", panels: panels)
            return ("spectrum-\(g.mode)-\(Self.slug("\(g.placement)-\(g.wait)")).svg", "\(what) by percentile\(sizeText), \(combo.caption)", chart.svg())
        }
    }

    private func rank(_ mechanism: String) -> Int {
        MechanismRegistry.names.firstIndex(of: mechanism) ?? MechanismRegistry.names.count
    }

    /// The histogram's percentile distribution in µs, as the .hgrm file lists it.
    static func points(_ h: Histogram) -> [(percentile: Double, value: Double)] {
        PercentileDistribution.lines(h).map { ($0.percentile, Double($0.valueNs) / 1000) }
    }
}

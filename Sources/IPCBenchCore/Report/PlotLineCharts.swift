// The line charts of a report: throughput, round trips and open-loop one-way times against
// payload size, one panel per mechanism family.

extension PlotData {
    /// The measured series of one chart in panels: by family, in the registry's order within
    /// each, at most one palette of series a panel, each series its own colour and marker.
    func panels(_ combo: Combo, mode: Mode, has: (ScenarioKey) -> Bool) -> [(title: String, series: [(name: String, keys: [ScenarioKey], style: SeriesStyle)])] {
        let groups = series(combo, mode: mode).filter { $0.keys.contains(where: has) }
        var byFamily: [MechanismFamily: [(name: String, keys: [ScenarioKey])]] = [:]
        for g in groups { byFamily[MechanismFamily.of(g.keys[0].mechanism), default: []].append(g) }
        let order = MechanismRegistry.names
        var out: [(title: String, series: [(name: String, keys: [ScenarioKey], style: SeriesStyle)])] = []
        for family in byFamily.keys.sorted() {
            let members = byFamily[family]!.enumerated().sorted { a, b in
                let ra = order.firstIndex(of: a.element.keys[0].mechanism) ?? order.count
                let rb = order.firstIndex(of: b.element.keys[0].mechanism) ?? order.count
                return (ra, a.element.keys[0].pairs, a.offset) < (rb, b.element.keys[0].pairs, b.offset)
            }.map(\.element)
            let chunks = SeriesStyle.splitForPalette(members)
            for (n, chunk) in chunks.enumerated() {
                // Numbered across the chart's panels: a colour comes back only past sixteen series.
                let first = out.reduce(0) { $0 + $1.series.count }
                out.append((family.title + (chunks.count > 1 ? " (\(n + 1) of \(chunks.count))" : ""),
                            chunk.enumerated().map { ($1.name, $1.keys, SeriesStyle.forIndex((first + $0) % SeriesStyle.palette.count)) }))
            }
        }
        return out
    }

    func throughputChart(_ combo: Combo) -> String? {
        let metric = ResultSchema.mibPerSecond
        let panels = panels(combo, mode: .throughput) { value($0, metric) != nil }.map { panel in
            LineChart.Panel(title: panel.title, series: panel.series.map { s in
                LineChart.Series(name: s.name, points: s.keys.compactMap { k in
                    value(k, metric).map { LineChart.Point(x: Double(k.payloadBytes), y: $0, text: "\(threeDigits($0)) MiB/s") }
                }, style: s.style)
            }, legend: panel.series.map { LineChart.LegendItem(label: $0.name, colour: $0.style.colour, dash: nil, marker: $0.style.marker) })
        }
        guard !panels.isEmpty else { return nil }
        var chart = LineChart(title: "Throughput vs payload size — \(combo.caption)", subtitle: subtitle(combo),
                              xTitle: "payload size (bytes, log scale)", yTitle: "throughput (MiB/s, log scale)", panels: panels)
        let ceiling = ceiling(PlotReport.throughputCeiling, mode: .throughput, combo).compactMap { k in
            value(k, metric).map { LineChart.Point(x: Double(k.payloadBytes), y: $0, text: "\(threeDigits($0)) MiB/s") }
        }
        if !ceiling.isEmpty {
            chart.references = [LineChart.Reference(label: "memcpy ceiling", points: ceiling)]
            chart.sharedLegend.append(LineChart.LegendItem(label: "memcpy ceiling", colour: SeriesStyle.ceiling.colour, dash: SeriesStyle.ceiling.dash, marker: SeriesStyle.ceiling.marker))
        }
        return chart.svg()
    }

    /// p50 (solid) and p99 (dashed) against payload size: round trips, or in open loop the
    /// one-way times from the intended send.
    func latencyChart(_ combo: Combo, mode: Mode = .latency) -> String? {
        guard let timed = ResultSchema.timed(in: mode) else { return nil }
        let panels = panels(combo, mode: mode) { value($0, timed.p50) != nil || value($0, timed.p99) != nil }.map { panel in
            var lines: [LineChart.Series] = []
            for s in panel.series {
                func points(_ metric: ResultColumn) -> [LineChart.Point] {
                    s.keys.compactMap { k in value(k, metric).map { LineChart.Point(x: Double(k.payloadBytes), y: $0 / 1000, text: humanDuration($0)) } }
                }
                lines.append(LineChart.Series(name: "\(s.name) p50", points: points(timed.p50), style: s.style))
                var tail = LineChart.Series(name: "\(s.name) p99", points: points(timed.p99), style: s.style)
                tail.dashOverride = "5 4"
                tail.width = 1.6
                tail.opacity = 0.7
                tail.hollowMarkers = true
                lines.append(tail)
            }
            // The p99 lines first, so the p50 lines sit on top.
            lines = lines.filter { $0.dashOverride != nil } + lines.filter { $0.dashOverride == nil }
            return LineChart.Panel(title: panel.title, series: lines,
                                   legend: panel.series.map { LineChart.LegendItem(label: $0.name, colour: $0.style.colour, dash: nil, marker: $0.style.marker) })
        }
        guard !panels.isEmpty else { return nil }
        let openLoop = mode == .openLoop
        let rates = Set(series(combo, mode: mode).flatMap(\.keys).compactMap { value($0, ResultSchema.targetMsgsPerSecond) })
        let rate = rates.count == 1 ? " at \(grouped(rates.first!)) msgs/s a pair" : ""
        var chart = LineChart(
            title: (openLoop ? "Open-loop one-way latency" : "Round-trip latency") + " vs payload size — \(combo.caption)",
            subtitle: (openLoop ? "from the intended send time\(rate) · " : "") + subtitle(combo), xTitle: "payload size (bytes, log scale)",
            yTitle: openLoop ? "one way (µs, log scale)" : "round trip (µs, log scale)", panels: panels)
        chart.sharedLegend.append(LineChart.LegendItem(label: "", colour: "none", dash: nil, marker: nil))
        chart.sharedLegend.append(LineChart.LegendItem(label: "p50 (solid)", colour: "#555555", dash: nil, marker: .circle))
        var p99Item = LineChart.LegendItem(label: "p99 (dashed)", colour: "#555555", dash: "5 4", marker: .circle)
        p99Item.hollow = true
        p99Item.width = 1.6
        chart.sharedLegend.append(p99Item)
        if !openLoop {
            let ceiling = ceiling(PlotReport.latencyCeiling, mode: .latency, combo).compactMap { k in
                value(k, ResultSchema.rttP50Ns).map { LineChart.Point(x: Double(k.payloadBytes), y: $0 / 1000, text: humanDuration($0)) }
            }
            if !ceiling.isEmpty {
                chart.references = [LineChart.Reference(label: "cacheline ceiling (p50)", points: ceiling)]
                chart.sharedLegend.append(LineChart.LegendItem(label: "cacheline ceiling (p50)", colour: SeriesStyle.ceiling.colour, dash: SeriesStyle.ceiling.dash, marker: SeriesStyle.ceiling.marker))
            }
        }
        return chart.svg()
    }
}

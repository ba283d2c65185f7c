// The line charts of a report: throughput and round trips against payload size.

extension PlotData {
    func throughputChart(_ combo: Combo) -> String? {
        var lines: [LineChart.Series] = []
        var legend: [LineChart.LegendItem] = []
        let groups = series(combo, mode: .throughput).filter { $0.keys.contains { value($0, ResultSchema.mibPerSecond) != nil } }
        let styles = styles(groups.map(\.name))
        for (name, keys) in groups {
            let points = keys.compactMap { k in value(k, ResultSchema.mibPerSecond).map { LineChart.Point(x: Double(k.payloadBytes), y: $0, text: "\(threeDigits($0)) MiB/s") } }
            let style = styles[name]!
            lines.append(LineChart.Series(name: name, points: points, style: style))
            legend.append(LineChart.LegendItem(label: name, colour: style.colour, dash: style.dash, marker: style.marker))
        }
        guard !lines.isEmpty else { return nil }
        var chart = LineChart(
            title: "Throughput vs payload size — \(combo.caption)", subtitle: subtitle(combo),
            xTitle: "payload size (bytes, log scale)", yTitle: "throughput (MiB/s, log scale)", series: lines, legend: legend)
        let ceiling = ceiling(PlotReport.throughputCeiling, mode: .throughput, combo).compactMap { k in
            value(k, ResultSchema.mibPerSecond).map { LineChart.Point(x: Double(k.payloadBytes), y: $0, text: "\(threeDigits($0)) MiB/s") }
        }
        if !ceiling.isEmpty {
            chart.references = [LineChart.Reference(label: "memcpy ceiling", points: ceiling)]
            chart.legend.append(LineChart.LegendItem(label: "memcpy ceiling", colour: SeriesStyle.ceiling.colour, dash: SeriesStyle.ceiling.dash, marker: SeriesStyle.ceiling.marker))
        }
        return chart.svg()
    }

    func latencyChart(_ combo: Combo) -> String? {
        var lines: [LineChart.Series] = []
        var legend: [LineChart.LegendItem] = []
        let groups = series(combo, mode: .latency).filter { $0.keys.contains { value($0, ResultSchema.rttP50Ns) != nil || value($0, ResultSchema.rttP99Ns) != nil } }
        let styles = styles(groups.map(\.name))
        for (name, keys) in groups {
            func points(_ metric: ResultColumn) -> [LineChart.Point] {
                keys.compactMap { k in value(k, metric).map { LineChart.Point(x: Double(k.payloadBytes), y: $0 / 1000, text: humanDuration($0)) } }
            }
            let p50 = points(ResultSchema.rttP50Ns), p99 = points(ResultSchema.rttP99Ns)
            // Dashes mean p99 here, so series of the same colour differ by marker shape alone.
            var style = styles[name]!
            style.dash = nil
            lines.append(LineChart.Series(name: "\(name) p50", points: p50, style: style))
            var tail = LineChart.Series(name: "\(name) p99", points: p99, style: style)
            tail.dashOverride = "5 4"
            tail.width = 1.6
            tail.opacity = 0.7
            tail.hollowMarkers = true
            lines.append(tail)
            legend.append(LineChart.LegendItem(label: name, colour: style.colour, dash: nil, marker: style.marker))
        }
        guard !lines.isEmpty else { return nil }
        // Draw the p99 lines first, so the p50 lines sit on top.
        lines = lines.filter { $0.dashOverride != nil } + lines.filter { $0.dashOverride == nil }
        legend.append(LineChart.LegendItem(label: "", colour: "none", dash: nil, marker: nil))
        legend.append(LineChart.LegendItem(label: "p50 (solid)", colour: "#555555", dash: nil, marker: .circle))
        var p99Item = LineChart.LegendItem(label: "p99 (dashed)", colour: "#555555", dash: "5 4", marker: .circle)
        p99Item.hollow = true
        p99Item.width = 1.6
        legend.append(p99Item)
        var chart = LineChart(
            title: "Round-trip latency vs payload size — \(combo.caption)", subtitle: subtitle(combo),
            xTitle: "payload size (bytes, log scale)", yTitle: "round trip (µs, log scale)", series: lines, legend: legend)
        let ceiling = ceiling(PlotReport.latencyCeiling, mode: .latency, combo).compactMap { k in
            value(k, ResultSchema.rttP50Ns).map { LineChart.Point(x: Double(k.payloadBytes), y: $0 / 1000, text: humanDuration($0)) }
        }
        if !ceiling.isEmpty {
            chart.references = [LineChart.Reference(label: "cacheline ceiling (p50)", points: ceiling)]
            chart.legend.append(LineChart.LegendItem(label: "cacheline ceiling (p50)", colour: SeriesStyle.ceiling.colour, dash: SeriesStyle.ceiling.dash, marker: SeriesStyle.ceiling.marker))
        }
        return chart.svg()
    }
}

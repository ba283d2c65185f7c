#if canImport(Glibc)
import Glibc
#endif

// The bar charts of a report: the mechanisms side by side at one payload size.

extension PlotData {
    /// One chart per size at which at least three mechanisms have a value in one mode, sizes
    /// ascending. The values are indexed by size once, so each chart costs its own bars.
    func barCharts(_ combo: Combo) -> [(size: Int, svg: String)] {
        func bySize(_ mode: Mode, _ metric: ResultColumn) -> [Int: [(name: String, key: ScenarioKey)]] {
            var out: [Int: [(name: String, key: ScenarioKey)]] = [:]
            for (name, keys) in series(combo, mode: mode) {
                var seen: Set<Int> = []
                // A series' first scenario at a size stands for it (as the line charts draw it).
                for k in keys where seen.insert(k.payloadBytes).inserted && value(k, metric) != nil {
                    out[k.payloadBytes, default: []].append((name, k))
                }
            }
            return out
        }
        let throughput = bySize(.throughput, ResultSchema.mibPerSecond)
        let latency = bySize(.latency, ResultSchema.rttP50Ns)
        let sizes = Set(throughput.filter { $0.value.count >= 3 }.keys).union(latency.filter { $0.value.count >= 3 }.keys).sorted()
        let memcpy = ceiling(PlotReport.throughputCeiling, mode: .throughput, combo)
        let memcpyBySize = Dictionary(memcpy.map { ($0.payloadBytes, $0) }, uniquingKeysWith: { a, _ in a })
        let cacheline = ceiling(PlotReport.latencyCeiling, mode: .latency, combo).filter { value($0, ResultSchema.rttP50Ns) != nil }
        return sizes.compactMap { size in
            barChart(combo, size: size, throughput: throughput[size] ?? [], latency: latency[size] ?? [],
                     memcpy: memcpyBySize[size], cacheline: cacheline).map { (size, $0) }
        }
    }

    private func barChart(
        _ combo: Combo, size: Int, throughput: [(name: String, key: ScenarioKey)], latency: [(name: String, key: ScenarioKey)],
        memcpy: ScenarioKey?, cacheline: [ScenarioKey]
    ) -> String? {
        var panels: [BarChart.Panel] = []
        func bars(_ entries: [(name: String, key: ScenarioKey)], _ metric: ResultColumn, scale: Double, text: (Double) -> String) -> [BarChart.Bar] {
            entries.compactMap { name, key in
                value(key, metric).map { BarChart.Bar(label: name, value: $0 / scale, text: text($0), colour: MechanismFamily.of(key.mechanism).colour) }
            }
        }
        let throughputBars = bars(throughput, ResultSchema.mibPerSecond, scale: 1) { threeDigits($0) }
        if throughputBars.count >= 3 {
            let ceilingValue = memcpy.flatMap { value($0, ResultSchema.mibPerSecond) }
            panels.append(BarChart.Panel(
                title: "Throughput at \(byteWords(size)) (higher is better)", axisTitle: "MiB/s",
                bars: throughputBars.sorted { $0.value > $1.value },
                reference: ceilingValue.map { BarChart.Reference(label: "memcpy ceiling \(threeDigits($0)) MiB/s", value: $0) }))
        }
        let latencyBars = bars(latency, ResultSchema.rttP50Ns, scale: 1000) { humanDuration($0) }
        if latencyBars.count >= 3 {
            // cacheline is measured at 8 bytes only; use the size nearest this one.
            let target = log2(Double(size))
            let nearest = cacheline.min { abs(log2(Double($0.payloadBytes)) - target) < abs(log2(Double($1.payloadBytes)) - target) }
            let reference = nearest.flatMap { k in value(k, ResultSchema.rttP50Ns).map { v in
                BarChart.Reference(label: "cacheline ceiling\(k.payloadBytes == size ? "" : " (\(byteWords(k.payloadBytes)))") \(humanDuration(v))", value: v / 1000)
            } }
            panels.append(BarChart.Panel(
                title: "p50 round trip at \(byteWords(size)) (lower is better)", axisTitle: "µs",
                bars: latencyBars.sorted { $0.value < $1.value }, reference: reference))
        }
        guard !panels.isEmpty else { return nil }
        var chart = BarChart(title: "Mechanisms at \(byteWords(size)), ranked — \(combo.caption)", subtitle: subtitle(combo), panels: panels)
        let families = Set((throughput + latency).map { MechanismFamily.of($0.key.mechanism) }).sorted()
        chart.legend = families.map { ($0.title, $0.colour) }
        return chart.svg()
    }
}

// `plot --history DIR`: each scenario's compared metrics over a folder of runs, in small
// multiples, with the changes compare calls between consecutive runs marked.

extension PlotReport {
    /// Every file of the history report, named, without touching the disk; `index.html` last.
    public static func renderHistory(_ history: RunHistory, threshold: Double) -> [(name: String, content: String)] {
        let changes = history.changes(threshold: threshold)
        struct Group: Hashable { var mode: Mode; var placement: Placement; var wait: WaitMode }
        var keys: [ScenarioKey] = []
        var seen: Set<ScenarioKey> = []
        for run in history.runs { for key in run.results.keys where seen.insert(key).inserted { keys.append(key) } }
        let names = MechanismRegistry.names
        keys.sort { a, b in
            (MechanismFamily.of(a.mechanism), names.firstIndex(of: a.mechanism) ?? names.count, a.mechanism, a.payloadBytes, a.pairs)
                < (MechanismFamily.of(b.mechanism), names.firstIndex(of: b.mechanism) ?? names.count, b.mechanism, b.payloadBytes, b.pairs)
        }
        var groups: [Group] = []
        for key in keys {
            let g = Group(mode: key.mode, placement: key.placement, wait: key.wait)
            if !groups.contains(g) { groups.append(g) }
        }
        groups.sort { a, b in
            (Mode.allCases.firstIndex(of: a.mode)!, Placement.allCases.firstIndex(of: a.placement)!, WaitMode.allCases.firstIndex(of: a.wait)!)
                < (Mode.allCases.firstIndex(of: b.mode)!, Placement.allCases.firstIndex(of: b.placement)!, WaitMode.allCases.firstIndex(of: b.wait)!)
        }
        let titles = history.runs.map(\.title)
        let machines = Set(history.runs.compactMap { $0.results.machine })
        let machine = history.runs.last?.results.machine.map(PlotData.machineLine) ?? ""
        var charts: [Chart] = []
        for g in groups {
            for metric in ResultSchema.compared(in: g.mode) {
                let panels: [TrendChart.Panel] = keys.filter { $0.mode == g.mode && $0.placement == g.placement && $0.wait == g.wait }.compactMap { key in
                    var panel = TrendChart.Panel(title: "\(PlotData.seriesName(key)) \(byteWords(key.payloadBytes))", points: [])
                    for (i, run) in history.runs.enumerated() {
                        guard let s = run.results.spread(key, metric) else { continue }
                        panel.points.append(TrendChart.Point(run: i, median: s.median, low: s.low, high: s.high))
                        guard let c = changes[i]["\(key)|\(metric.name)"] else { continue }
                        let change = "\(titles[i]) vs \(titles[i - 1]): \(c.verdict.rawValue), \(signedPercent(c.worseningPercent)) worse"
                        switch c.verdict {
                        case .regressed: panel.marks[i] = (.regressed, change)
                        case .improved: panel.marks[i] = (.improved, change)
                        default: if c.likelyRegression { panel.marks[i] = (.likelyRegression, change) }
                        }
                    }
                    return panel.points.isEmpty ? nil : panel
                }
                guard !panels.isEmpty else { continue }
                let combo = Combo(placement: g.placement, wait: g.wait)
                let what = "\(metric.label)\(g.mode == .openLoop ? " (open loop)" : "")"
                let unit = metric.unit == .nanoseconds ? "µs" : (metric.unit?.rawValue ?? "")
                let chart = TrendChart(
                    title: "\(what) over \(titles.count) runs — \(combo.caption)",
                    subtitle: ["placement \(g.placement), wait \(g.wait)", metric.higherIsBetter ? "higher is better" : "lower is better",
                               machines.count > 1 ? "\(machines.count) machines" : machine].filter { !$0.isEmpty }.joined(separator: " · "),
                    yTitle: unit, runTitles: titles, panels: panels, scale: metric.unit == .nanoseconds ? 1000 : 1)
                charts.append(Chart(section: .history, name: "history-\(metric.name)-\(PlotData.slug("\(g.placement)-\(g.wait)")).svg",
                                    caption: "\(what) over the runs, \(combo.caption)", svg: chart.svg()))
            }
        }
        var html = pageHead("ipcbench over \(titles.count) runs")
        html += "<p class=\"machine\">\(xmlEscape(machines.count > 1 ? "\(machines.count) machines; the last: \(machine)" : machine))</p>\n"
        html += "<p>Each point is the median of a run's <code>ok</code> repetitions, the band its lowest to highest repetition. "
            + "A mark is where <code>ipcbench compare</code> of the run with the one before it calls a change (threshold "
            + "\(xmlEscape(fixed(threshold * 100, 1)))%).</p>\n<table><tr><th>run</th><th>file</th><th>started</th><th>commit</th><th>label</th></tr>\n"
        for (i, run) in history.runs.enumerated() {
            html += "<tr><td>\(i + 1)</td><td>\(xmlEscape(run.file))</td><td>\(xmlEscape(run.timestamp))</td>"
                + "<td>\(xmlEscape(run.label.commit ?? ""))</td><td>\(xmlEscape(run.label.label ?? ""))</td></tr>\n"
        }
        html += "</table>\n" + figures(charts, sections: [.history]) + "</body>\n</html>\n"
        return charts.map { ($0.name, $0.svg) } + [("index.html", html)]
    }
}

#if canImport(Glibc)
import Glibc
#endif

// The change chart of a report: a comparison against the baseline, shaped for ChangeChart.

extension PlotReport {
    static func changeChart(_ report: ComparisonReport, data: PlotData) -> String {
        func worse(_ ratio: Double, _ metric: ResultColumn) -> Double {
            (metric.higherIsBetter ? 1 / ratio - 1 : ratio - 1) * 100
        }
        func value(_ v: Double, _ metric: ResultColumn) -> String {
            metric.higherIsBetter ? "\(threeDigits(v)) MiB/s" : humanDuration(v)
        }
        // A placement or wait every row shares goes in the subtitle, not in every label.
        let placements = Set(report.comparisons.map(\.key.placement))
        let waits = Set(report.comparisons.map(\.key.wait))
        var rows: [ChangeChart.Row] = []
        var undrawable = 0
        for c in report.comparisons {
            let percent = c.worseningPercent
            guard percent.isFinite else { undrawable += 1; continue }
            let a = worse(c.ratioLow, c.metric), b = worse(c.ratioHigh, c.metric)
            let low = min(a, b), high = max(a, b)
            var parts = [data.seriesName(c.key), ByteSize.format(c.key.payloadBytes)]
            if placements.count > 1 { parts.append(c.key.placement.rawValue) }
            if waits.count > 1 { parts.append(c.key.wait.rawValue) }
            let label = parts.joined(separator: " ") + " · \(c.metric.label)"
            let fullLabel = "\(data.seriesName(c.key)) \(byteWords(c.key.payloadBytes)) \(c.key.placement) \(c.key.wait) · \(c.metric.label)"
            var tooltip = "\(fullLabel): baseline \(value(c.baselineMedian, c.metric)) → candidate \(value(c.candidateMedian, c.metric))"
            tooltip += " (\(signedPercent(percent)) worse"
            if low.isFinite && high.isFinite { tooltip += ", \(fixed(report.confidence * 100, 0))% CI \(signedPercent(low)) … \(signedPercent(high))" }
            tooltip += "), p = \(fixed(c.pValue, 3)), \(c.baseline.count) vs \(c.candidate.count) repetitions: \(c.verdict.rawValue)"
            rows.append(ChangeChart.Row(label: label, percent: percent, low: low, high: high, verdict: c.verdict, tooltip: tooltip))
        }
        rows.sort { $0.percent > $1.percent }
        var notes: [String] = []
        if report.comparisons.contains(where: { $0.metric.higherIsBetter }) {
            notes.append("Throughput is drawn as time per byte (1 / MiB/s), like latency: twice the MiB/s is −50%, half is +100%.")
        }
        if report.differentMachines { notes.append("Warning: the two files come from different machines; a change may be the machine, not the code.") }
        if undrawable > 0 { notes.append("\(undrawable) comparisons with a zero median are not drawn.") }
        func list(_ keys: [ScenarioKey]) -> String {
            keys.prefix(4).map(\.description).joined(separator: "; ") + (keys.count > 4 ? "; …" : "")
        }
        if !report.onlyInBaseline.isEmpty { notes.append("Only in the baseline (\(report.onlyInBaseline.count)): \(list(report.onlyInBaseline))") }
        if !report.onlyInCandidate.isEmpty { notes.append("Only in the candidate (\(report.onlyInCandidate.count)): \(list(report.onlyInCandidate))") }
        if !report.notComparable.isEmpty { notes.append("Not comparable (\(report.notComparable.count), fewer than 2 ok repetitions a side): \(list(report.notComparable.map(\.0)))") }
        let counts = Verdict.allCases.map { v in "\(report.comparisons.filter { $0.verdict == v }.count) \(v.rawValue)" }.joined(separator: ", ")
        return ChangeChart(
            title: "Change against the baseline (positive = slower)",
            subtitle: ([placements.count == 1 ? "placement \(placements.first!)" : nil, waits.count == 1 ? "wait \(waits.first!)" : nil].compactMap { $0 }
                + ["\(report.comparisons.count) comparisons: \(counts)", data.machineLine].filter { !$0.isEmpty }).joined(separator: " · "),
            threshold: report.threshold * 100, confidence: report.confidence, rows: rows, footnotes: notes
        ).svg()
    }

    static func signedPercent(_ v: Double) -> String {
        (v >= 0 ? "+" : "−") + fixed(abs(v), 1) + "%"
    }
}

/// One bar per (scenario, metric): the change from baseline to candidate in percent, positive =
/// worse (slower, or less throughput), drawn to the right; the confidence interval as a whisker,
/// the ±threshold band shaded, bars coloured by verdict.
struct ChangeChart {
    struct Row {
        var label: String
        var percent: Double
        var low: Double
        var high: Double
        var verdict: Verdict
        var tooltip: String
    }

    var title: String
    var subtitle: String
    var threshold: Double
    var confidence: Double
    var rows: [Row]
    var footnotes: [String]
    var width = 900.0

    static func colour(_ verdict: Verdict) -> String {
        switch verdict {
        case .regressed: return "#D55E00"
        case .improved: return "#009E73"
        case .unchanged: return "#A0A0A0"
        case .inconclusive: return "#E69F00"
        }
    }

    /// How far the axis may reach, so one wild interval does not squash every other bar.
    static let axisLimit = (lo: -100.0, hi: 300.0)

    func svg() -> String {
        let rowHeight = 24.0
        let labelWidth = min(330, (rows.map { SVGDocument.textWidth($0.label, size: 12) }.max() ?? 100) + 8)
        let plotLeft = 20 + labelWidth + 10
        let plotRight = width - 215
        let legendTop = 78.0
        let plotTop = legendTop + 44
        let plotBottom = plotTop + Double(max(rows.count, 1)) * rowHeight
        let height = plotBottom + 84 + Double(footnotes.count) * 18 + 10
        var doc = SVGDocument(width: width, height: height)
        _ = doc.heading(title, subtitle)

        // The bars decide the axis; whiskers may stretch it by half again, and are cut beyond.
        var lo = -threshold * 2, hi = threshold * 2
        for r in rows { lo = min(lo, r.percent); hi = max(hi, r.percent) }
        let span = hi - lo
        for r in rows where r.low.isFinite && r.high.isFinite {
            lo = min(lo, max(r.low, -threshold * 2 - span * 0.5))
            hi = max(hi, min(r.high, threshold * 2 + span * 0.5))
        }
        lo = max(lo, Self.axisLimit.lo)
        hi = min(hi, Self.axisLimit.hi)
        let domain = Ticks.linearDomain(lo, hi, count: 8)
        let scale = LinearScale(lo: domain.lo, hi: domain.hi, start: plotLeft, end: plotRight)

        // Legend: verdict colours, the band, the whisker.
        var lx = doc.swatches(Verdict.allCases.map { ($0.rawValue, Self.colour($0)) }, x: 20, y: legendTop)
        doc.rect(x: lx, y: legendTop, width: 22, height: 14, fill: "#EDEDED", stroke: "#BBBBBB")
        let band = "±\(threshold == threshold.rounded() ? fixed(threshold, 0) : percentText(threshold))% threshold"
        doc.text(band, x: lx + 28, y: legendTop + 12, size: ChartText.legend, fill: ChartText.ink)
        lx += 28 + SVGDocument.textWidth(band, size: ChartText.legend) + 22
        doc.line(x1: lx, y1: legendTop + 7, x2: lx + 24, y2: legendTop + 7, stroke: "#222222", width: 1.5)
        doc.line(x1: lx, y1: legendTop + 2, x2: lx, y2: legendTop + 12, stroke: "#222222", width: 1.5)
        doc.line(x1: lx + 24, y1: legendTop + 2, x2: lx + 24, y2: legendTop + 12, stroke: "#222222", width: 1.5)
        doc.text("\(fixed(confidence * 100, 0))% confidence interval", x: lx + 30, y: legendTop + 12, size: ChartText.legend, fill: ChartText.ink)

        doc.rect(x: scale(-threshold), y: plotTop, width: scale(threshold) - scale(-threshold), height: plotBottom - plotTop, fill: "#EDEDED")
        let ticks = Ticks.linearTicks(lo: domain.lo, hi: domain.hi, count: 8)
        for v in ticks {
            let x = scale(v)
            doc.line(x1: x, y1: plotTop, x2: x, y2: plotBottom, stroke: v == 0 ? "#333333" : ChartText.grid, width: v == 0 ? 1.5 : 1)
            doc.line(x1: x, y1: plotBottom, x2: x, y2: plotBottom + 5, stroke: ChartText.axis)
            doc.text(v == 0 ? "0" : (v > 0 ? "+" : "−") + tickText(abs(v)) + "%", x: x, y: plotBottom + 19,
                     size: ChartText.tick, anchor: .middle, fill: ChartText.muted)
        }
        doc.line(x1: plotLeft, y1: plotBottom, x2: plotRight, y2: plotBottom, stroke: ChartText.axis)
        doc.text("◀ faster (better)", x: plotLeft, y: plotBottom + 40, size: 13, bold: true, fill: "#007A5A")
        doc.text("slower (worse) ▶", x: plotRight, y: plotBottom + 40, size: 13, anchor: .end, bold: true, fill: "#B34700")
        doc.text("change in time taken (median), candidate vs baseline", x: (plotLeft + plotRight) / 2, y: plotBottom + 62,
                 size: ChartText.axisTitle, anchor: .middle, fill: ChartText.ink)

        if rows.isEmpty {
            doc.text("No scenario could be compared (see below).", x: plotLeft + 10, y: plotTop + 16, size: 13, fill: ChartText.muted)
        }
        for (i, row) in rows.enumerated() {
            let y = plotTop + Double(i) * rowHeight
            let mid = y + rowHeight / 2
            if i % 2 == 1 { doc.rect(x: 20, y: y, width: plotLeft - 24, height: rowHeight, fill: "#F6F6F6") }
            doc.text(SVGDocument.fitted(row.label, width: labelWidth, size: 12), x: plotLeft - 8, y: mid + 4,
                     size: 12, anchor: .end, fill: ChartText.ink, tooltip: row.tooltip)
            let zero = scale(0)
            let end = scale(row.percent)
            doc.rect(x: min(zero, end), y: mid - 7, width: max(1.5, abs(end - zero)), height: 14, fill: Self.colour(row.verdict), tooltip: row.tooltip)
            if row.percent > domain.hi || row.percent < domain.lo {
                // Off the axis: an arrow at the edge says the bar goes on.
                let edge = row.percent > 0 ? plotRight : plotLeft
                let d = row.percent > 0 ? 1.0 : -1.0
                doc.polygon([(edge, mid - 7), (edge + 8 * d, mid), (edge, mid + 7)], fill: Self.colour(row.verdict))
            }
            if row.low.isFinite && row.high.isFinite {
                let a = scale(row.low), b = scale(row.high)
                doc.line(x1: a, y1: mid, x2: b, y2: mid, stroke: "#222222", width: 1.5)
                // A cap where the interval ends, an open arrowhead where the axis cuts it.
                for (end, x, inside) in [(-1.0, a, row.low >= domain.lo), (1.0, b, row.high <= domain.hi)] {
                    if inside {
                        doc.line(x1: x, y1: mid - 5, x2: x, y2: mid + 5, stroke: "#222222", width: 1.5)
                    } else {
                        doc.polyline([(x - 5 * end, mid - 4), (x, mid), (x - 5 * end, mid + 4)], stroke: "#222222", width: 1.5)
                    }
                }
            }
            let words = abs(row.percent) < 0.05 ? "no change" : "\(percentText(abs(row.percent)))% \(row.percent > 0 ? "slower" : "faster")"
            doc.text(words, x: plotRight + 14, y: mid + 4, size: 12, bold: row.verdict == .regressed,
                     fill: row.verdict == .regressed ? "#B34700" : ChartText.ink)
            doc.text(row.verdict.rawValue, x: width - 12, y: mid + 4, size: 11, anchor: .end, fill: ChartText.muted)
        }

        var y = plotBottom + 90
        for note in footnotes {
            doc.text(SVGDocument.fitted(note, width: width - 40, size: 12), x: 20, y: y, size: 12, fill: ChartText.muted, tooltip: note)
            y += 18
        }
        return doc.render()
    }

    /// A percentage with one decimal below 100: 0.4, 5.1, 12.3, 140.
    func percentText(_ v: Double) -> String {
        v >= 99.95 ? fixed(v, 0) : fixed(v, 1)
    }
}

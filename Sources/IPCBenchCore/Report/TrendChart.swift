#if canImport(Glibc)
import Glibc
#endif

/// Small multiples of one metric over a series of runs, one panel per scenario: the median of
/// each run as a line, the lowest to highest repetition as a band, and a mark where compare
/// called the change from the run before (regressed, improved, or a likely regression).
struct TrendChart {
    struct Point {
        var run: Int
        var median: Double
        var low: Double
        var high: Double
    }

    enum Mark: CaseIterable {
        case regressed, improved, likelyRegression

        var colour: String {
            switch self {
            case .regressed: return "#D55E00"
            case .improved: return "#009E73"
            case .likelyRegression: return "#E69F00"
            }
        }

        var words: String {
            switch self {
            case .regressed: return "regressed"
            case .improved: return "improved"
            case .likelyRegression: return "likely regression (undecided)"
            }
        }
    }

    struct Panel {
        var title: String
        var points: [Point]
        /// By run index: the mark and its tooltip.
        var marks: [Int: (mark: Mark, text: String)] = [:]
    }

    var title: String
    var subtitle: String
    /// The unit under each panel's axis, e.g. "p50 rtt (µs)".
    var yTitle: String
    var runTitles: [String]
    var panels: [Panel]
    /// Values are shown divided by this (1000: ns as µs).
    var scale = 1.0
    var width = 900.0

    static let columns = 3
    static let panelHeight = 180.0

    func svg() -> String {
        guard !panels.isEmpty else { return MessageChart(title: title, lines: ["No scenario has a value in these runs."]).svg() }
        let rows = (panels.count + Self.columns - 1) / Self.columns
        let legendTop = 78.0, gridTop = legendTop + 44
        let cellWidth = (width - 40) / Double(Self.columns)
        var doc = SVGDocument(width: width, height: gridTop + Double(rows) * Self.panelHeight + 20)
        _ = doc.heading(title, subtitle)
        legend(into: &doc, top: legendTop)
        for (i, panel) in panels.enumerated() {
            let left = 20 + Double(i % Self.columns) * cellWidth, top = gridTop + Double(i / Self.columns) * Self.panelHeight
            draw(panel, into: &doc, left: left + 52, right: left + cellWidth - 14, top: top + 22, bottom: top + Self.panelHeight - 44)
        }
        return doc.render()
    }

    private func legend(into doc: inout SVGDocument, top: Double) {
        var x = 20.0
        doc.rect(x: x, y: top, width: 22, height: 12, fill: "#0072B2", opacity: 0.18)
        doc.text("lowest to highest repetition", x: x + 28, y: top + 11, size: ChartText.legend, fill: ChartText.ink)
        x += 28 + SVGDocument.textWidth("lowest to highest repetition", size: ChartText.legend) + 20
        doc.line(x1: x, y1: top + 6, x2: x + 24, y2: top + 6, stroke: "#0072B2", width: 2)
        doc.text("median", x: x + 30, y: top + 11, size: ChartText.legend, fill: ChartText.ink)
        x += 30 + SVGDocument.textWidth("median", size: ChartText.legend) + 20
        for mark in Mark.allCases {
            draw(mark, x: x + 6, y: top + 6, into: &doc, tooltip: nil)
            doc.text(mark.words, x: x + 18, y: top + 11, size: ChartText.legend, fill: ChartText.ink)
            x += 18 + SVGDocument.textWidth(mark.words, size: ChartText.legend) + 20
        }
        doc.text("x: runs in order (\(runTitles.count)), compared each with the one before", x: 20, y: top + 32, size: 12, fill: ChartText.muted)
    }

    private func draw(_ mark: Mark, x: Double, y: Double, into doc: inout SVGDocument, tooltip: String?) {
        switch mark {
        case .regressed: doc.marker(.triangle, x: x, y: y, colour: mark.colour, size: 6, tooltip: tooltip)
        case .improved: doc.marker(.diamond, x: x, y: y, colour: mark.colour, size: 6, tooltip: tooltip)
        case .likelyRegression: doc.marker(.triangle, x: x, y: y, colour: mark.colour, size: 6, hollow: true, tooltip: tooltip)
        }
    }

    private func draw(_ panel: Panel, into doc: inout SVGDocument, left: Double, right: Double, top: Double, bottom: Double) {
        doc.text(SVGDocument.fitted(panel.title, width: right - left + 40, size: 13), x: left - 40, y: top - 8, size: 13, bold: true,
                 fill: ChartText.ink, tooltip: panel.title)
        let values = panel.points.flatMap { [$0.low, $0.high, $0.median] }.map { $0 / scale }.filter { $0 > 0 }
        guard let lo = values.min(), let hi = values.max() else {
            doc.text("no value", x: left, y: (top + bottom) / 2, size: 12, fill: ChartText.muted)
            return
        }
        let domain = Ticks.logDomain(lo, hi)
        let y = LogScale(lo: domain.lo, hi: domain.hi, start: bottom, end: top)
        let n = max(1, runTitles.count - 1)
        let x = LinearScale(lo: -0.3, hi: Double(n) + 0.3, start: left, end: right)
        let ticks = Ticks.log10Ticks(lo: domain.lo, hi: domain.hi, pixels: bottom - top, minSpacing: 26)
        for v in ticks {
            doc.line(x1: left, y1: y(v), x2: right, y2: y(v), stroke: ChartText.grid)
            doc.text(tickText(v), x: left - 6, y: y(v) + 4, size: 11, anchor: .end, fill: ChartText.muted)
        }
        let step = max(1, Int((Double(runTitles.count) / max(1, (right - left) / 28)).rounded(.up)))
        for r in stride(from: 0, to: runTitles.count, by: step) {
            doc.text(String(r + 1), x: x(Double(r)), y: bottom + 15, size: 11, anchor: .middle, fill: ChartText.muted, tooltip: runTitles[r])
        }
        doc.line(x1: left, y1: bottom, x2: right, y2: bottom, stroke: ChartText.axis)
        doc.line(x1: left, y1: top, x2: left, y2: bottom, stroke: ChartText.axis)
        doc.text(yTitle, x: left - 40, y: bottom + 30, size: 11, fill: ChartText.muted)
        let points = panel.points.sorted { $0.run < $1.run }
        if points.count > 1 {
            let band = points.map { (x(Double($0.run)), y($0.high / scale)) } + points.reversed().map { (x(Double($0.run)), y($0.low / scale)) }
            doc.polygon(band, fill: "#0072B2", opacity: 0.18)
            doc.polyline(points.map { (x(Double($0.run)), y($0.median / scale)) }, stroke: "#0072B2", width: 2)
        }
        for p in points {
            let text = "\(runTitles[p.run]): median \(threeDigits(p.median / scale)), \(threeDigits(p.low / scale))–\(threeDigits(p.high / scale))"
            doc.circle(cx: x(Double(p.run)), cy: y(p.median / scale), r: 2.8, fill: "#0072B2", tooltip: text)
            if let mark = panel.marks[p.run] {
                draw(mark.mark, x: x(Double(p.run)), y: y(p.median / scale) - 12, into: &doc, tooltip: mark.text)
            }
        }
    }
}

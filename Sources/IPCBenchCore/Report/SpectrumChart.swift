#if canImport(Glibc)
import Glibc
#endif

/// Latency against percentile, HdrHistogram's percentile spectrum: the x axis counts nines
/// (0, 90, 99, 99.9, 99.99 …: log10 of 1/(1-p)), the y axis is latency on a log scale, so the
/// tail takes as much room as the body. A baseline's spectrum is drawn dashed in the same colour.
struct SpectrumChart {
    struct Series {
        var name: String
        var style: SeriesStyle
        /// (percentile 0...100, µs), ascending.
        var points: [(percentile: Double, value: Double)]
        var baseline: [(percentile: Double, value: Double)] = []
        /// The highest rank the histogram holds, for the 100% point (1 - 1/count).
        var count: UInt64
        var baselineCount: UInt64 = 0
    }

    struct Panel {
        var title: String
        var series: [Series]
    }

    var title: String
    var subtitle: String
    var yTitle: String
    var panels: [Panel]
    var width = 900.0

    /// Nines of a percentile: 0 → 0, 90 → 1, 99 → 2, 99.9 → 3; 100 is the last rank's.
    static func nines(_ percentile: Double, count: UInt64) -> Double {
        let top = log10(Double(max(count, 2)))
        guard percentile < 100 else { return top }
        return min(top, log10(100 / (100 - percentile)))
    }

    /// 0, 90, 99, 99.9, 99.99, …
    static func tickLabel(_ nines: Int) -> String {
        switch nines {
        case ...0: return "0"
        case 1: return "90"
        case 2: return "99"
        default: return "99." + String(repeating: "9", count: nines - 2)
        }
    }

    func svg() -> String {
        let all = panels.flatMap(\.series)
        let values = all.flatMap { $0.points.map(\.value) + $0.baseline.map(\.value) }.filter { $0 > 0 }
        guard let yMin = values.min(), let yMax = values.max() else { return MessageChart(title: title, lines: ["No histograms to draw."]).svg() }
        let xMax = max(1, ceil(all.map { Self.nines(100, count: max($0.count, $0.baselineCount)) }.max() ?? 1))
        let legendWidth = min(260, max(150, (all.map { SVGDocument.textWidth($0.name, size: ChartText.legend) }.max() ?? 0) + 46))
        let plotLeft = 90.0, plotRight = width - legendWidth - 24
        let panelHeight = 300.0, gap = 104.0, firstTop = 110.0
        var doc = SVGDocument(width: width, height: firstTop + Double(panels.count) * (panelHeight + gap) - gap + 64)
        _ = doc.heading(title, subtitle)
        let yDomain = Ticks.logDomain(yMin, yMax)
        let yTicks = Ticks.log10Ticks(lo: yDomain.lo, hi: yDomain.hi, pixels: panelHeight, minSpacing: 22)
        let x = LinearScale(lo: 0, hi: xMax, start: plotLeft, end: plotRight)
        for (i, panel) in panels.enumerated() {
            let top = firstTop + Double(i) * (panelHeight + gap), bottom = top + panelHeight
            let y = LogScale(lo: yDomain.lo, hi: yDomain.hi, start: bottom, end: top)
            let area = PlotArea(left: plotLeft, right: plotRight, top: top, bottom: bottom, legendWidth: legendWidth)
            doc.panelTitle(panel.title, above: area)
            doc.horizontalGrid(yTicks, { y($0) }, in: area)
            for n in 0...Int(xMax) {
                let px = x(Double(n))
                doc.line(x1: px, y1: top, x2: px, y2: bottom, stroke: ChartText.grid)
                doc.text(Self.tickLabel(n), x: px, y: bottom + 20, size: ChartText.tick, anchor: .middle, fill: ChartText.muted)
            }
            doc.axes(of: area, xTitle: "percentile (%, log scale of 1/(1 − p))", yTitle: yTitle)
            for s in panel.series where !s.baseline.isEmpty {
                doc.polyline(s.baseline.map { (x(Self.nines($0.percentile, count: s.baselineCount)), y($0.value)) }, stroke: s.style.colour,
                             width: 1.6, dash: "5 4", opacity: 0.8, tooltip: "\(s.name), baseline")
            }
            for s in panel.series {
                let points = s.points.map { (x(Self.nines($0.percentile, count: s.count)), y($0.value)) }
                doc.polyline(points, stroke: s.style.colour, width: 2.2, tooltip: s.name)
                for (label, p) in [("p50", 50.0), ("p99", 99.0), ("p99.9", 99.9)] {
                    guard let hit = s.points.first(where: { $0.percentile >= p }) else { continue }
                    doc.marker(s.style.marker, x: x(Self.nines(hit.percentile, count: s.count)), y: y(hit.value), colour: s.style.colour,
                               tooltip: "\(s.name) \(label): \(humanDuration(hit.value * 1000))")
                }
            }
            var ly = top + 10
            for s in panel.series {
                doc.line(x1: plotRight + 24, y1: ly, x2: plotRight + 54, y2: ly, stroke: s.style.colour, width: 2.2)
                doc.marker(s.style.marker, x: plotRight + 39, y: ly, colour: s.style.colour)
                doc.text(SVGDocument.fitted(s.name, width: legendWidth - 40, size: ChartText.legend), x: plotRight + 62, y: ly + 4.5,
                         size: ChartText.legend, fill: ChartText.ink, tooltip: s.name)
                ly += LineChart.legendRow
            }
            if panel.series.contains(where: { !$0.baseline.isEmpty }) {
                doc.line(x1: plotRight + 24, y1: ly + 10, x2: plotRight + 54, y2: ly + 10, stroke: "#555555", width: 1.6, dash: "5 4")
                doc.text("baseline (dashed)", x: plotRight + 62, y: ly + 14.5, size: ChartText.legend, fill: ChartText.ink)
            }
        }
        return doc.render()
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Lines over payload size: log2 x axis in bytes, log10 y axis, legend to the right of the plot
/// (never over the lines), ceilings as labelled dashed grey lines. Several panels (one per
/// mechanism family) stack as small multiples on the same axes.
struct LineChart {
    struct Point {
        var x: Double
        var y: Double
        /// The value as people read it, for the tooltip.
        var text: String
    }

    struct Series {
        var name: String
        var points: [Point]
        var style: SeriesStyle
        /// Draw this series dashed whatever its style says (the p99 lines).
        var dashOverride: String? = nil
        var width = 2.2
        var opacity = 1.0
        var hollowMarkers = false
    }

    /// A ceiling: one point is drawn as a horizontal line across the plot.
    struct Reference {
        var label: String
        var points: [Point]
    }

    struct LegendItem {
        var label: String
        var colour: String
        var dash: String?
        var marker: Marker?
        var hollow = false
        var width = 2.2
    }

    /// One small chart of the stack: its own lines and legend, the shared axes and ceilings.
    struct Panel {
        var title: String
        var series: [Series]
        var legend: [LegendItem]
    }

    var title: String
    var subtitle: String
    var xTitle: String
    var yTitle: String
    /// Small multiples, stacked; one panel without a title is a plain chart.
    var panels: [Panel]
    var references: [Reference] = []
    /// Entries every panel's legend ends with (the ceilings, the p50/p99 key).
    var sharedLegend: [LegendItem] = []
    var width = 900.0

    /// The series of every panel (tests and callers read them).
    var series: [Series] { panels.flatMap(\.series) }

    func svg() -> String {
        let allPoints = series.flatMap(\.points) + references.flatMap(\.points)
        let xs = allPoints.map(\.x).filter { $0 > 0 }
        let ys = allPoints.map(\.y).filter { $0 > 0 }
        guard let xMin = xs.min(), let xMax = xs.max(), let yMin = ys.min(), let yMax = ys.max() else {
            return MessageChart(title: title, lines: ["No values to draw."]).svg()
        }
        let legends = panels.map { $0.legend + sharedLegend }
        let legendLabelWidth = legends.flatMap { $0 }.map { SVGDocument.textWidth($0.label, size: ChartText.legend) }.max() ?? 0
        let legendWidth = min(250, max(130, legendLabelWidth + 46))
        let stacked = panels.count > 1
        let heights = legends.map { max(stacked ? 250 : 380, Double($0.count) * Self.legendRow + 8) }
        let panelGap = stacked ? 104.0 : 0
        let firstTop = 80.0 + (stacked ? 30 : 0)

        // Every panel shares the axes, so a line reads the same in each.
        let yDomain = Ticks.logDomain(yMin, yMax)
        let yTicks = Ticks.log10Ticks(lo: yDomain.lo, hi: yDomain.hi, pixels: heights.min() ?? 380, minSpacing: 22)
        let yLabelWidth = yTicks.map { SVGDocument.textWidth(tickText($0), size: ChartText.tick) }.max() ?? 20
        let plotLeft = 36 + yLabelWidth + 10
        let plotRight = width - legendWidth - 24
        // Half a power of two of room each side, a whole one for a single size.
        let pad = xMin == xMax ? 1.0 : 0.5
        let xScale = LogScale(lo: pow(2, log2(xMin) - pad), hi: pow(2, log2(xMax) + pad), start: plotLeft, end: plotRight)
        let xTicks = Ticks.powerOfTwoTicks(lo: xScale.lo, hi: xScale.hi, pixels: plotRight - plotLeft, minSpacing: 44)

        let total = firstTop + heights.reduce(0, +) + panelGap * Double(panels.count - 1) + 64
        var doc = SVGDocument(width: width, height: total)
        _ = doc.heading(title, subtitle)
        var top = firstTop
        for (i, panel) in panels.enumerated() {
            let bottom = top + heights[i]
            let area = PlotArea(left: plotLeft, right: plotRight, top: top, bottom: bottom, legendWidth: legendWidth)
            if stacked { doc.panelTitle(panel.title, above: area) }
            draw(panel, legend: legends[i], in: area, x: xScale, yDomain: yDomain, yTicks: yTicks, xTicks: xTicks, into: &doc)
            top = bottom + panelGap
        }
        return doc.render()
    }

    static let legendRow = 20.0

    private func draw(_ panel: Panel, legend: [LegendItem], in f: PlotArea, x xScale: LogScale, yDomain: (lo: Double, hi: Double),
                      yTicks: [Double], xTicks: [Double], into doc: inout SVGDocument) {
        let yScale = LogScale(lo: yDomain.lo, hi: yDomain.hi, start: f.bottom, end: f.top)
        doc.horizontalGrid(yTicks, { yScale($0) }, in: f)
        for v in xTicks {
            let x = xScale(v)
            doc.line(x1: x, y1: f.top, x2: x, y2: f.bottom, stroke: ChartText.grid)
            doc.line(x1: x, y1: f.bottom, x2: x, y2: f.bottom + 5, stroke: ChartText.axis)
            doc.text(ByteSize.format(Int(v)), x: x, y: f.bottom + 20, size: ChartText.tick, anchor: .middle, fill: ChartText.muted)
        }
        doc.axes(of: f, xTitle: xTitle, yTitle: yTitle)

        var referenceLabels: [(text: String, x: Double, y: Double)] = []
        for reference in references {
            let points = reference.points.sorted { $0.x < $1.x }
            guard let last = points.last else { continue }
            let style = SeriesStyle.ceiling
            if points.count == 1 {
                let y = yScale(last.y)
                doc.line(x1: f.left, y1: y, x2: f.right, y2: y, stroke: style.colour, width: 2, dash: style.dash)
                referenceLabels.append(("\(reference.label): \(last.text)", f.right - 6, y - 6))
            } else {
                doc.polyline(points.map { (xScale($0.x), yScale($0.y)) }, stroke: style.colour, width: 2, dash: style.dash)
                referenceLabels.append((reference.label, xScale(last.x), yScale(last.y) - 9))
            }
            for p in points {
                doc.marker(style.marker, x: xScale(p.x), y: yScale(p.y), colour: style.colour, size: 3.5,
                           tooltip: "\(reference.label) at \(byteWords(Int(p.x))): \(p.text)")
            }
        }
        for s in panel.series {
            let points = s.points.filter { $0.x > 0 && $0.y > 0 }.sorted { $0.x < $1.x }
            doc.polyline(points.map { (xScale($0.x), yScale($0.y)) }, stroke: s.style.colour, width: s.width,
                         dash: s.dashOverride ?? s.style.dash, opacity: s.opacity < 1 ? s.opacity : nil)
        }
        for s in panel.series {
            for p in s.points where p.x > 0 && p.y > 0 {
                doc.marker(s.style.marker, x: xScale(p.x), y: yScale(p.y), colour: s.style.colour, size: 4,
                           hollow: s.hollowMarkers, tooltip: "\(s.name) at \(byteWords(Int(p.x))): \(p.text)")
            }
        }
        // Ceiling labels last, with a halo, so no line hides them.
        for label in referenceLabels {
            let fitted = SVGDocument.fitted(label.text, width: f.right - f.left - 12, size: 12)
            let textWidth = SVGDocument.textWidth(fitted, size: 12)
            let x = min(max(label.x, f.left + 6 + textWidth), f.right - 6)
            let y = max(label.y, f.top + 12)
            doc.text(fitted, x: x, y: y, size: 12, anchor: .end, bold: true, fill: "#444444", halo: true)
        }

        let legendX = f.right + 24
        var y = f.top + 10
        for item in legend {
            if !item.label.isEmpty {
                doc.line(x1: legendX, y1: y, x2: legendX + 30, y2: y, stroke: item.colour, width: item.width, dash: item.dash)
                if let m = item.marker { doc.marker(m, x: legendX + 15, y: y, colour: item.colour, size: 4, hollow: item.hollow) }
                doc.text(SVGDocument.fitted(item.label, width: f.legendWidth - 40, size: ChartText.legend),
                         x: legendX + 38, y: y + 4.5, size: ChartText.legend, fill: ChartText.ink, tooltip: item.label)
            }
            y += Self.legendRow
        }
    }
}

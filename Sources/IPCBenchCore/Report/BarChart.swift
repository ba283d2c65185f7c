#if canImport(Glibc)
import Glibc
#endif

/// Horizontal bars, one panel per metric, stacked; bars sorted by the caller; an optional
/// ceiling as a labelled vertical line. A log value axis when the values span more than 25x.
struct BarChart {
    struct Bar {
        var label: String
        var value: Double
        var text: String
        var colour: String
    }

    struct Reference {
        var label: String
        var value: Double
    }

    struct Panel {
        var title: String
        var axisTitle: String
        var bars: [Bar]
        var reference: Reference?
    }

    var title: String
    var subtitle: String
    var panels: [Panel]
    /// What the bar colours mean (the mechanism families), drawn under the title.
    var legend: [(label: String, colour: String)] = []
    var width = 900.0

    static let rowHeight = 26.0
    static let barHeight = 18.0

    func svg() -> String {
        let labelWidth = min(240, (panels.flatMap(\.bars).map { SVGDocument.textWidth($0.label, size: 13) }.max() ?? 60) + 12)
        let plotLeft = 20 + labelWidth + 8
        let plotRight = width - 100
        let heights = panels.map { 64 + Double($0.bars.count) * Self.rowHeight + 62 }
        let legendHeight = legend.isEmpty ? 0.0 : 26
        var doc = SVGDocument(width: width, height: 76 + legendHeight + heights.reduce(0, +))
        var top = doc.heading(title, subtitle) + 6
        _ = doc.swatches(legend, x: 20, y: top)
        top += legendHeight
        for (panel, height) in zip(panels, heights) {
            draw(panel, into: &doc, top: top, plotLeft: plotLeft, plotRight: plotRight, labelWidth: labelWidth)
            top += height
        }
        return doc.render()
    }

    private func draw(_ panel: Panel, into doc: inout SVGDocument, top: Double, plotLeft: Double, plotRight: Double, labelWidth: Double) {
        doc.text(panel.title, x: 20, y: top + 18, size: 15, bold: true, fill: ChartText.ink)
        let barsTop = top + 50
        let barsBottom = barsTop + Double(panel.bars.count) * Self.rowHeight
        let values = panel.bars.map(\.value).filter { $0 > 0 } + (panel.reference.map { [$0.value] } ?? [])
        let vMin = values.min() ?? 1
        let vMax = values.max() ?? 1
        // Compared as logarithms: vMax / vMin overflows for a denormal vMin.
        let useLog = log10(Ticks.positiveFinite(vMax)) - log10(Ticks.positiveFinite(vMin)) > log10(25.0)
        let position: (Double) -> Double
        let ticks: [Double]
        if useLog {
            let d = Ticks.logDomain(vMin, vMax)
            let scale = LogScale(lo: d.lo, hi: d.hi, start: plotLeft, end: plotRight)
            position = { scale($0) }
            ticks = Ticks.log10Ticks(lo: d.lo, hi: d.hi, pixels: plotRight - plotLeft, minSpacing: 56)
        } else {
            let d = Ticks.linearDomain(0, min(vMax * 1.04, .greatestFiniteMagnitude), count: 6)
            let scale = LinearScale(lo: d.lo, hi: d.hi, start: plotLeft, end: plotRight)
            position = { scale($0) }
            ticks = Ticks.linearTicks(lo: d.lo, hi: d.hi, count: 6)
        }
        for v in ticks {
            let x = position(v)
            doc.line(x1: x, y1: barsTop - 4, x2: x, y2: barsBottom, stroke: ChartText.grid)
            doc.line(x1: x, y1: barsBottom, x2: x, y2: barsBottom + 5, stroke: ChartText.axis)
            doc.text(tickText(v), x: x, y: barsBottom + 19, size: ChartText.tick, anchor: .middle, fill: ChartText.muted)
        }
        doc.line(x1: plotLeft, y1: barsBottom, x2: plotRight, y2: barsBottom, stroke: ChartText.axis)
        doc.text(panel.axisTitle + (useLog ? " — log scale" : ""), x: (plotLeft + plotRight) / 2, y: barsBottom + 42,
                 size: ChartText.axisTitle, anchor: .middle, fill: ChartText.ink)

        for (i, bar) in panel.bars.enumerated() {
            let y = barsTop + Double(i) * Self.rowHeight + (Self.rowHeight - Self.barHeight) / 2
            let end = position(max(bar.value, 0))
            doc.rect(x: plotLeft, y: y, width: end - plotLeft, height: Self.barHeight, fill: bar.colour,
                     tooltip: "\(bar.label): \(bar.text)")
            doc.text(SVGDocument.fitted(bar.label, width: labelWidth, size: 13), x: plotLeft - 8, y: y + 13.5,
                     size: 13, anchor: .end, fill: ChartText.ink, tooltip: bar.label)
            doc.text(bar.text, x: end + 6, y: y + 13.5, size: 12, fill: ChartText.ink)
        }
        doc.line(x1: plotLeft, y1: barsTop - 4, x2: plotLeft, y2: barsBottom, stroke: ChartText.axis)

        if let reference = panel.reference {
            let x = position(reference.value)
            doc.line(x1: x, y1: barsTop - 8, x2: x, y2: barsBottom, stroke: SeriesStyle.ceiling.colour, width: 2, dash: "6 4")
            let text = reference.label
            let w = SVGDocument.textWidth(text, size: 12)
            let anchor: SVGDocument.Anchor = x + w / 2 > doc.width - 8 ? .end : (x - w / 2 < 20 ? .start : .middle)
            doc.text(text, x: x, y: barsTop - 13, size: 12, anchor: anchor, bold: true, fill: "#444444", halo: true)
        }
    }
}

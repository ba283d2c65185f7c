// What the charts with a plot area per panel (lines over size, percentile spectra) draw alike:
// the panel's title, its horizontal grid, its axes and their titles.

/// Where one panel plots: its axes meet at (left, bottom), its legend stands right of it.
struct PlotArea {
    var left: Double
    var right: Double
    var top: Double
    var bottom: Double
    var legendWidth: Double
}

extension SVGDocument {
    /// The title of one panel of a stack, above its plot area.
    mutating func panelTitle(_ title: String, above area: PlotArea) {
        text(SVGDocument.fitted(title, width: width - 40, size: 15), x: 20, y: area.top - 14, size: 15, bold: true, fill: ChartText.ink)
    }

    /// A grid line across the area at each of `ticks` on the y axis, labelled left of it.
    mutating func horizontalGrid(_ ticks: [Double], _ y: (Double) -> Double, in area: PlotArea) {
        for v in ticks {
            let py = y(v)
            line(x1: area.left, y1: py, x2: area.right, y2: py, stroke: ChartText.grid)
            text(tickText(v), x: area.left - 8, y: py + 4, size: ChartText.tick, anchor: .end, fill: ChartText.muted)
        }
    }

    /// Both axes, their titles centred on them, the y axis's turned to read upwards.
    mutating func axes(of area: PlotArea, xTitle: String, yTitle: String) {
        line(x1: area.left, y1: area.top, x2: area.left, y2: area.bottom, stroke: ChartText.axis)
        line(x1: area.left, y1: area.bottom, x2: area.right, y2: area.bottom, stroke: ChartText.axis)
        text(xTitle, x: (area.left + area.right) / 2, y: area.bottom + 46, size: ChartText.axisTitle, anchor: .middle, fill: ChartText.ink)
        text(yTitle, x: 20, y: (area.top + area.bottom) / 2, size: ChartText.axisTitle, anchor: .middle, fill: ChartText.ink, rotate: -90)
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Rows by columns of coloured cells with the value printed in each; a log colour scale
/// (viridis) where the best values are the brightest; missing cells grey with "—".
struct Heatmap {
    struct Cell {
        var value: Double?
        var text: String
        var tooltip: String
    }

    var title: String
    var subtitle: String
    var columnTitle: String
    var rowLabels: [String]
    var columnLabels: [String]
    /// cells[row][column]
    var cells: [[Cell]]
    var higherIsBetter: Bool
    var scaleTitle: String
    var width = 900.0

    static let viridis: [(Double, Double, Double)] = [
        (68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141),
        (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37),
    ]

    /// Viridis at t in [0, 1].
    static func colour(_ t: Double) -> String {
        let x = (t.isNaN ? 0 : min(max(t, 0), 1)) * Double(viridis.count - 1)
        let i = min(Int(x), viridis.count - 2)
        let f = x - Double(i)
        let (a, b) = (viridis[i], viridis[i + 1])
        func hex(_ v: Double) -> String {
            let n = Int((v).rounded())
            let digits = Array("0123456789ABCDEF")
            return String([digits[(n >> 4) & 15], digits[n & 15]])
        }
        return "#" + hex(a.0 + (b.0 - a.0) * f) + hex(a.1 + (b.1 - a.1) * f) + hex(a.2 + (b.2 - a.2) * f)
    }

    func svg() -> String {
        let values = cells.flatMap { $0.compactMap(\.value) }.filter { $0 > 0 }
        guard let vMin = values.min(), let vMax = values.max(), !columnLabels.isEmpty else {
            return MessageChart(title: title, lines: ["No values to draw."]).svg()
        }
        let labelWidth = min(220, (rowLabels.map { SVGDocument.textWidth($0, size: 13) }.max() ?? 60) + 10)
        let left = 20 + labelWidth + 8
        let scaleWidth = 130.0
        let cellWidth = min(130, max(62, (width - left - 20 - scaleWidth) / Double(columnLabels.count)))
        let cellHeight = 28.0
        let gridTop = 112.0
        let gridHeight = Double(rowLabels.count) * cellHeight
        let totalWidth = max(width, left + cellWidth * Double(columnLabels.count) + 20 + scaleWidth)
        var doc = SVGDocument(width: totalWidth, height: gridTop + max(gridHeight, 200) + 36)
        _ = doc.heading(title, subtitle)

        // Bright is best: the fraction runs from the worst value (0) to the best (1).
        let logMin = log(vMin), logMax = log(vMax)
        func fraction(_ v: Double) -> Double {
            guard logMax > logMin else { return 0.7 }
            let t = (log(v) - logMin) / (logMax - logMin)
            return higherIsBetter ? t : 1 - t
        }
        let gridRight = left + cellWidth * Double(columnLabels.count)
        doc.text(columnTitle, x: (left + gridRight) / 2, y: gridTop - 30, size: ChartText.axisTitle, anchor: .middle, fill: ChartText.ink)
        for (c, label) in columnLabels.enumerated() {
            doc.text(SVGDocument.fitted(label, width: cellWidth - 4, size: 13), x: left + (Double(c) + 0.5) * cellWidth,
                     y: gridTop - 8, size: 13, anchor: .middle, bold: true, fill: ChartText.ink)
        }
        for (r, label) in rowLabels.enumerated() {
            let y = gridTop + Double(r) * cellHeight
            doc.text(SVGDocument.fitted(label, width: labelWidth, size: 13), x: left - 8, y: y + cellHeight / 2 + 4.5,
                     size: 13, anchor: .end, fill: ChartText.ink, tooltip: label)
            for (c, cell) in cells[r].enumerated() where c < columnLabels.count {
                let x = left + Double(c) * cellWidth
                let textSize = min(13, cellWidth / 6)
                if let v = cell.value, v > 0 {
                    let t = fraction(v)
                    doc.rect(x: x, y: y, width: cellWidth, height: cellHeight, fill: Self.colour(t), stroke: "#ffffff", tooltip: cell.tooltip)
                    doc.text(SVGDocument.fitted(cell.text, width: cellWidth - 4, size: textSize), x: x + cellWidth / 2, y: y + cellHeight / 2 + 4.5,
                             size: textSize, anchor: .middle, fill: t < 0.6 ? "#ffffff" : "#111111")
                } else {
                    doc.rect(x: x, y: y, width: cellWidth, height: cellHeight, fill: "#D9D9D9", stroke: "#ffffff", tooltip: cell.tooltip)
                    doc.text("—", x: x + cellWidth / 2, y: y + cellHeight / 2 + 4.5, size: 13, anchor: .middle, fill: "#555555")
                }
            }
        }

        // The colour bar: the best value at the top.
        let barX = gridRight + 28
        let barTop = gridTop
        let barHeight = max(160, min(gridHeight, 300))
        let steps = 48
        for i in 0..<steps {
            let t = 1 - (Double(i) + 0.5) / Double(steps)
            doc.rect(x: barX, y: barTop + Double(i) * barHeight / Double(steps), width: 16, height: barHeight / Double(steps) + 0.6, fill: Self.colour(t))
        }
        doc.rect(x: barX, y: barTop, width: 16, height: barHeight, fill: "none", stroke: "#888888")
        doc.text(scaleTitle, x: barX, y: barTop - 30, size: 12, bold: true, fill: ChartText.ink)
        doc.text(higherIsBetter ? "▲ higher is better" : "▲ lower is better", x: barX, y: barTop - 12, size: 11, fill: ChartText.muted)
        let (lo, hi) = vMin == vMax ? (Ticks.positiveFinite(vMin / 1.5), Ticks.positiveFinite(vMax * 1.5)) : (vMin, vMax)
        let scale = LogScale(lo: lo, hi: hi, start: 0, end: barHeight)
        var ticks = Ticks.log10Ticks(lo: lo, hi: hi, pixels: barHeight, minSpacing: 20).filter { $0 >= lo && $0 <= hi }
        if ticks.count < 2 { ticks = [vMin, vMax] }
        for v in ticks {
            let offset = scale(v)
            let y = higherIsBetter ? barTop + barHeight - offset : barTop + offset
            doc.line(x1: barX + 16, y1: y, x2: barX + 21, y2: y, stroke: "#444444")
            doc.text(tickText(v), x: barX + 24, y: y + 4, size: 11, fill: ChartText.muted)
        }
        return doc.render()
    }
}

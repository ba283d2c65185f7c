/// A chart with nothing to draw but words: says why instead of showing empty axes.
struct MessageChart {
    var title: String
    var lines: [String]
    var width = 900.0

    func svg() -> String {
        var doc = SVGDocument(width: width, height: 70 + Double(lines.count) * 22 + 20)
        var y = doc.heading(title, "") + 16
        for line in lines {
            doc.text(SVGDocument.fitted(line, width: width - 40, size: 14), x: 20, y: y, size: 14, fill: ChartText.ink, tooltip: line)
            y += 22
        }
        return doc.render()
    }
}

import Glibc

// The chart types of `ipcbench plot`, drawn as SVG by hand: a line chart on log axes, horizontal
// bars, a heatmap and a change chart. They know only labels and numbers, never rows or files.

/// How a point is marked; beyond eight series the shape (with the dash) tells series of the same
/// colour apart.
public enum Marker: Sendable, CaseIterable {
    case circle, square, triangle, diamond
}

/// How one series is drawn, picked by index so a mechanism looks the same in every chart.
public struct SeriesStyle: Sendable, Equatable {
    public var colour: String
    /// An SVG dash array, or nil for a solid line.
    public var dash: String?
    public var marker: Marker

    public init(colour: String, dash: String? = nil, marker: Marker = .circle) {
        self.colour = colour
        self.dash = dash
        self.marker = marker
    }

    /// Okabe-Ito, the colour-blind-safe eight (its yellow darkened so it reads on white).
    public static let palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#B39B00"]
    static let dashes: [String?] = [nil, "7 4", "2 3", "10 3 2 3"]

    /// Series 0–7 are solid lines of the eight colours with circles; each further eight repeats
    /// the colours with another dash pattern and marker shape.
    public static func forIndex(_ index: Int) -> SeriesStyle {
        let i = max(0, index)
        let round = (i / palette.count) % dashes.count
        return SeriesStyle(colour: palette[i % palette.count], dash: dashes[round], marker: Marker.allCases[round])
    }

    /// The ceilings (`memcpy`, `cacheline`): grey, long dashes.
    public static let ceiling = SeriesStyle(colour: "#6B6B6B", dash: "10 5", marker: .diamond)
}

// MARK: - Scales and ticks

// Every scale and tick routine works in logarithms or in bounded step counts, so it is total
// over all finite doubles: 0, denormals (1e-320) and 1e308 give a drawing, never a trap, an
// infinite ratio or a loop that does not end.

/// A logarithmic map from a positive domain to pixels; the ends are clamped into the positive
/// finite doubles and the map is computed on log10 values, so hi / lo never overflows.
struct LogScale {
    let lo: Double
    let hi: Double
    let start: Double
    let end: Double
    private let logLo: Double
    private let logHi: Double

    init(lo: Double, hi: Double, start: Double, end: Double) {
        self.lo = Ticks.positiveFinite(lo)
        self.hi = max(Ticks.positiveFinite(hi), self.lo)
        self.start = start
        self.end = end
        logLo = log10(self.lo)
        logHi = log10(self.hi)
    }

    func callAsFunction(_ value: Double) -> Double {
        guard logHi > logLo else { return (start + end) / 2 }
        let v = value.isNaN ? lo : min(max(value, lo), hi)
        return start + (log10(v) - logLo) / (logHi - logLo) * (end - start)
    }
}

/// A linear map from a domain to pixels.
struct LinearScale {
    let lo: Double
    let hi: Double
    let start: Double
    let end: Double

    func callAsFunction(_ value: Double) -> Double {
        guard hi > lo, lo.isFinite, hi.isFinite else { return (start + end) / 2 }
        let v = value.isNaN ? lo : min(max(value, lo), hi)
        // Halved, the span of two finite doubles is finite too (1e308 - -1e308 is not).
        let fraction = (hi - lo).isFinite ? (v - lo) / (hi - lo) : (v / 2 - lo / 2) / (hi / 2 - lo / 2)
        return start + fraction * (end - start)
    }
}

enum Ticks {
    /// `value` clamped into the positive finite doubles (NaN and 0 become the smallest).
    static func positiveFinite(_ value: Double) -> Double {
        value.isNaN ? .leastNonzeroMagnitude : min(max(value, .leastNonzeroMagnitude), .greatestFiniteMagnitude)
    }

    /// A log domain around [minValue, maxValue] with a little room, its ends snapped out to
    /// 1, 2 or 5 times a power of ten. Worked out on log10 values, so it holds for any pair of
    /// positive doubles.
    static func logDomain(_ minValue: Double, _ maxValue: Double) -> (lo: Double, hi: Double) {
        var lo = log10(positiveFinite(minValue))
        var hi = max(log10(positiveFinite(maxValue)), lo)
        if hi - lo < log10(3.0) {
            let mid = (lo + hi) / 2
            lo = min(lo, mid - log10(1.8))
            hi = max(hi, mid + log10(1.8))
        }
        lo -= log10(1.15)
        hi += log10(1.15)
        // floor(e) <= e < floor(e) + 1, so mantissa 1 always fits below and 10 above.
        func snap(_ e: Double, down: Bool) -> Double {
            let decade = floor(e)
            let mantissas = [1.0, 2, 5, 10]
            let m = down ? mantissas.last { decade + log10($0) <= e + 1e-9 } ?? 1
                         : mantissas.first { decade + log10($0) >= e - 1e-9 } ?? 10
            return positiveFinite(timesPowerOfTen(m, Int(decade)))
        }
        return (snap(lo, down: true), snap(hi, down: false))
    }

    /// Labelled values on a log10 axis: the densest of 1-2-3-5, 1-2-5, 1-3, decades, or every
    /// few decades whose labels stay `minSpacing` px apart.
    static func log10Ticks(lo rawLo: Double, hi rawHi: Double, pixels: Double, minSpacing: Double) -> [Double] {
        let lo = positiveFinite(rawLo), hi = positiveFinite(rawHi)
        let decades = log10(hi) - log10(lo)
        guard decades > 0, pixels > 0 else { return hi > lo ? [lo, hi] : [lo] }
        let pixelsPerDecade = pixels / decades
        let first = Int(floor(log10(lo))) - 1
        let last = Int(ceil(log10(hi)))
        func ticks(_ mantissas: [Double], decadeStep: Int) -> [Double] {
            var out: [Double] = []
            for e in first...last where e % decadeStep == 0 {
                for m in mantissas {
                    let v = timesPowerOfTen(m, e)
                    if v.isFinite && v > 0 && v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9) { out.append(v) }
                }
            }
            return out
        }
        for mantissas in [[1.0, 2, 3, 5], [1, 2, 5], [1, 3]] {
            // The tightest gap in a set is between its two closest mantissas.
            var gap = 1.0
            for (a, b) in zip(mantissas, mantissas.dropFirst() + [10]) { gap = min(gap, log10(b / a)) }
            if gap * pixelsPerDecade >= minSpacing, ticks(mantissas, decadeStep: 1).count >= 2 {
                return ticks(mantissas, decadeStep: 1)
            }
        }
        // A double spans about 632 decades, so the step is small and found without a loop.
        let step = max(1, min(1000, Int((minSpacing / pixelsPerDecade).rounded(.up))))
        let marks = ticks([1], decadeStep: step)
        return marks.count >= 2 ? marks : [lo, hi]
    }

    /// Powers of two across [lo, hi]: every exponent, or every 2nd, 3rd, 5th or 10th (aligned, so
    /// 1K, 1M show up), whichever keeps labels `minSpacing` px apart.
    static func powerOfTwoTicks(lo rawLo: Double, hi rawHi: Double, pixels: Double, minSpacing: Double) -> [Double] {
        let lo = positiveFinite(rawLo), hi = positiveFinite(rawHi)
        let a = Int(ceil(log2(lo) - 1e-9))
        let b = Int(floor(log2(hi) + 1e-9))
        guard a <= b else { return [] }
        let pixelsPerExponent = pixels / max(log2(hi) - log2(lo), 1e-9)
        for step in [1, 2, 3, 5, 10, 20] where Double(step) * pixelsPerExponent >= minSpacing || step == 20 {
            return (a...b).filter { $0 % step == 0 }.map { pow(2, Double($0)) }.filter(\.isFinite)
        }
        return []
    }

    /// About `count` round values across [lo, hi] (steps of 1, 2 or 5 times a power of ten);
    /// just the two ends when round steps cannot cover the span in a thousand.
    static func linearTicks(lo: Double, hi: Double, count: Int) -> [Double] {
        guard lo.isFinite, hi.isFinite else { return [] }
        guard hi > lo else { return [lo] }
        let parts = Double(max(1, count))
        let step = niceStep(hi / parts - lo / parts)
        let first = ceil(lo / step - 1e-9), last = floor(hi / step + 1e-9)
        guard first.isFinite, last.isFinite, last >= first, last - first <= 1000 else { return [lo, hi] }
        return (0...Int(last - first)).map { i in
            let v = (first + Double(i)) * step
            return abs(v) < step * 1e-9 ? 0 : v
        }.filter(\.isFinite)
    }

    /// 1, 2 or 5 times a power of ten, the first at least `raw` (give or take rounding); always
    /// a positive finite number.
    static func niceStep(_ raw: Double) -> Double {
        let r = positiveFinite(raw)
        let exponent = Int(floor(log10(r)))
        let m = [1.0, 2, 5, 10].first { timesPowerOfTen($0, exponent) >= r * (1 - 1e-9) } ?? 10
        return positiveFinite(timesPowerOfTen(m, exponent))
    }

    /// Round a linear domain out to whole steps.
    static func linearDomain(_ lo: Double, _ hi: Double, count: Int) -> (lo: Double, hi: Double) {
        guard lo.isFinite, hi.isFinite else { return (-1, 1) }
        let parts = Double(max(1, count))
        let raw = hi / parts - lo / parts
        guard raw > 0 else {
            let pad = max(abs(lo) * 0.1, 1)
            return (lo - pad, hi + pad)
        }
        let step = niceStep(raw)
        let largest = Double.greatestFiniteMagnitude
        return (max(floor(lo / step + 1e-9) * step, -largest), min(ceil(hi / step - 1e-9) * step, largest))
    }
}

// MARK: - Number text

/// A payload size in words: 64 B, 4 KiB, 1 MiB (exact multiples), else plain bytes.
public func byteWords(_ bytes: Int) -> String {
    for (shift, unit) in [(30, "GiB"), (20, "MiB"), (10, "KiB")] where bytes >= (1 << shift) && bytes % (1 << shift) == 0 {
        return "\(bytes >> shift) \(unit)"
    }
    return "\(bytes) B"
}

/// Values beyond this are written in scientific notation: grouped digits stop being readable.
let largestGroupedValue = 1e15
/// Positive values below this are written in scientific notation: too many zeros to count.
let smallestDecimalValue = 1e-6

/// A whole number with thousands separators: 12,532; 1e15 and beyond in scientific notation.
func grouped(_ value: Double) -> String {
    guard value.isFinite, abs(value) < largestGroupedValue else { return scientific(value) }
    let digits = fixed(abs(value), 0)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (value < 0 && digits != "0" ? "-" : "") + out
}

/// A tick label: 0.05, 0.5, 2, 300, 1,000, 20,000; 2e-30 and 1e300 at the extremes.
func tickText(_ value: Double) -> String {
    guard value.isFinite else { return "" }
    if value == 0 { return "0" }
    if value < 0 { return "−" + tickText(-value) }
    if value < smallestDecimalValue || value >= largestGroupedValue { return scientific(value, 2) }
    if value >= 1000 { return grouped(value) }
    if value >= 1, value == value.rounded() { return fixed(value, 0) }
    let decimals = max(1, Int(ceil(-log10(value) - 1e-9)) + 1)
    var text = Substring(fixed(value, decimals))
    while text.hasSuffix("0") { text = text.dropLast() }
    if text.hasSuffix(".") { text = text.dropLast() }
    return String(text)
}

/// A measured value with three significant digits: 12,532, 553, 58.4, 1.12, 0.213; 1.5e-9
/// and 2e20 at the extremes.
func threeDigits(_ value: Double) -> String {
    let v = abs(value)
    guard v.isFinite else { return value.isNaN ? "?" : "∞" }
    if v != 0 && (v < smallestDecimalValue || v >= largestGroupedValue) { return scientific(value) }
    if v >= 999.5 { return grouped(value) }
    if v >= 99.95 { return fixed(value, 0) }
    if v >= 9.995 { return fixed(value, 1) }
    if v >= 0.9995 || v == 0 { return fixed(value, 2) }
    return fixed(value, min(9, 2 - Int(floor(log10(v)))))
}

// MARK: - Pieces shared by the charts

enum ChartText {
    static let title = 18.0
    static let subtitle = 13.0
    static let axisTitle = 14.0
    static let tick = 12.0
    static let legend = 13.0
    static let ink = "#222222"
    static let muted = "#555555"
    static let grid = "#E4E4E4"
    static let axis = "#444444"
}

extension SVGDocument {
    mutating func marker(_ shape: Marker, x: Double, y: Double, colour: String, size: Double = 4, hollow: Bool = false, tooltip: String? = nil) {
        let fill = hollow ? "#ffffff" : colour
        let stroke = hollow ? colour : "#ffffff"
        let width = hollow ? 1.6 : 1
        switch shape {
        case .circle:
            circle(cx: x, cy: y, r: size, fill: fill, stroke: stroke, strokeWidth: width, tooltip: tooltip)
        case .square:
            let s = size * 0.9
            polygon([(x - s, y - s), (x + s, y - s), (x + s, y + s), (x - s, y + s)], fill: fill, stroke: stroke, strokeWidth: width, tooltip: tooltip)
        case .triangle:
            let s = size * 1.2
            polygon([(x, y - s), (x + s, y + s * 0.8), (x - s, y + s * 0.8)], fill: fill, stroke: stroke, strokeWidth: width, tooltip: tooltip)
        case .diamond:
            let s = size * 1.25
            polygon([(x, y - s), (x + s, y), (x, y + s), (x - s, y)], fill: fill, stroke: stroke, strokeWidth: width, tooltip: tooltip)
        }
    }

    /// Title and subtitle, top left; returns where the content may start.
    mutating func heading(_ title: String, _ subtitle: String) -> Double {
        self.title = title
        text(SVGDocument.fitted(title, width: width - 40, size: ChartText.title), x: 20, y: 30,
             size: ChartText.title, bold: true, fill: ChartText.ink, tooltip: title)
        guard !subtitle.isEmpty else { return 48 }
        text(SVGDocument.fitted(subtitle, width: width - 40, size: ChartText.subtitle), x: 20, y: 52,
             size: ChartText.subtitle, fill: ChartText.muted, tooltip: subtitle)
        return 70
    }
}

/// A chart with nothing to draw but words: says why instead of showing empty axes.
public struct MessageChart {
    public var title: String
    public var lines: [String]
    public var width = 900.0

    public init(title: String, lines: [String]) {
        self.title = title
        self.lines = lines
    }

    public func svg() -> String {
        var doc = SVGDocument(width: width, height: 70 + Double(lines.count) * 22 + 20)
        var y = doc.heading(title, "") + 16
        for line in lines {
            doc.text(SVGDocument.fitted(line, width: width - 40, size: 14), x: 20, y: y, size: 14, fill: ChartText.ink, tooltip: line)
            y += 22
        }
        return doc.render()
    }
}

// MARK: - Line chart

/// Lines over payload size: log2 x axis in bytes, log10 y axis, legend to the right of the plot
/// (never over the lines), ceilings as labelled dashed grey lines.
public struct LineChart {
    public struct Point {
        public var x: Double
        public var y: Double
        /// The value as people read it, for the tooltip.
        public var text: String
        public init(x: Double, y: Double, text: String) { self.x = x; self.y = y; self.text = text }
    }

    public struct Series {
        public var name: String
        public var points: [Point]
        public var style: SeriesStyle
        /// Draw this series dashed whatever its style says (the p99 lines).
        public var dashOverride: String? = nil
        public var width = 2.2
        public var opacity = 1.0
        public var hollowMarkers = false
        public init(name: String, points: [Point], style: SeriesStyle) {
            self.name = name
            self.points = points
            self.style = style
        }
    }

    /// A ceiling: one point is drawn as a horizontal line across the plot.
    public struct Reference {
        public var label: String
        public var points: [Point]
        public init(label: String, points: [Point]) { self.label = label; self.points = points }
    }

    public struct LegendItem {
        public var label: String
        public var colour: String
        public var dash: String?
        public var marker: Marker?
        public var hollow = false
        public var width = 2.2
        public init(label: String, colour: String, dash: String?, marker: Marker?) {
            self.label = label
            self.colour = colour
            self.dash = dash
            self.marker = marker
        }
    }

    public var title: String
    public var subtitle: String
    public var xTitle: String
    public var yTitle: String
    public var series: [Series]
    public var references: [Reference] = []
    public var legend: [LegendItem]
    public var width = 900.0

    public init(title: String, subtitle: String, xTitle: String, yTitle: String, series: [Series], legend: [LegendItem]) {
        self.title = title
        self.subtitle = subtitle
        self.xTitle = xTitle
        self.yTitle = yTitle
        self.series = series
        self.legend = legend
    }

    public func svg() -> String {
        let allPoints = series.flatMap(\.points) + references.flatMap(\.points)
        let xs = allPoints.map(\.x).filter { $0 > 0 }
        let ys = allPoints.map(\.y).filter { $0 > 0 }
        guard let xMin = xs.min(), let xMax = xs.max(), let yMin = ys.min(), let yMax = ys.max() else {
            return MessageChart(title: title, lines: ["No values to draw."]).svg()
        }

        let legendRow = 20.0
        let legendLabelWidth = legend.map { SVGDocument.textWidth($0.label, size: ChartText.legend) }.max() ?? 0
        let legendWidth = min(250, max(130, legendLabelWidth + 46))
        let plotTop = 76.0
        let plotHeight = max(380, Double(legend.count) * legendRow + 8)
        let plotBottom = plotTop + plotHeight

        let yDomain = Ticks.logDomain(yMin, yMax)
        let yTicks = Ticks.log10Ticks(lo: yDomain.lo, hi: yDomain.hi, pixels: plotHeight, minSpacing: 22)
        let yLabelWidth = yTicks.map { SVGDocument.textWidth(tickText($0), size: ChartText.tick) }.max() ?? 20
        let plotLeft = 36 + yLabelWidth + 10
        let plotRight = width - legendWidth - 24

        // Half a power of two of room each side, a whole one for a single size.
        let pad = xMin == xMax ? 1.0 : 0.5
        let xScale = LogScale(lo: pow(2, log2(xMin) - pad), hi: pow(2, log2(xMax) + pad), start: plotLeft, end: plotRight)
        let yScale = LogScale(lo: yDomain.lo, hi: yDomain.hi, start: plotBottom, end: plotTop)
        let xTicks = Ticks.powerOfTwoTicks(lo: xScale.lo, hi: xScale.hi, pixels: plotRight - plotLeft, minSpacing: 44)

        var doc = SVGDocument(width: width, height: plotBottom + 64)
        _ = doc.heading(title, subtitle)

        for v in yTicks {
            let y = yScale(v)
            doc.line(x1: plotLeft, y1: y, x2: plotRight, y2: y, stroke: ChartText.grid)
            doc.text(tickText(v), x: plotLeft - 8, y: y + 4, size: ChartText.tick, anchor: .end, fill: ChartText.muted)
        }
        for v in xTicks {
            let x = xScale(v)
            doc.line(x1: x, y1: plotTop, x2: x, y2: plotBottom, stroke: ChartText.grid)
            doc.line(x1: x, y1: plotBottom, x2: x, y2: plotBottom + 5, stroke: ChartText.axis)
            doc.text(ByteSize.format(Int(v)), x: x, y: plotBottom + 20, size: ChartText.tick, anchor: .middle, fill: ChartText.muted)
        }
        doc.line(x1: plotLeft, y1: plotTop, x2: plotLeft, y2: plotBottom, stroke: ChartText.axis)
        doc.line(x1: plotLeft, y1: plotBottom, x2: plotRight, y2: plotBottom, stroke: ChartText.axis)
        doc.text(xTitle, x: (plotLeft + plotRight) / 2, y: plotBottom + 46, size: ChartText.axisTitle, anchor: .middle, fill: ChartText.ink)
        doc.text(yTitle, x: 20, y: (plotTop + plotBottom) / 2, size: ChartText.axisTitle, anchor: .middle, fill: ChartText.ink, rotate: -90)

        var referenceLabels: [(text: String, x: Double, y: Double)] = []
        for reference in references {
            let points = reference.points.sorted { $0.x < $1.x }
            guard let last = points.last else { continue }
            let style = SeriesStyle.ceiling
            if points.count == 1 {
                let y = yScale(last.y)
                doc.line(x1: plotLeft, y1: y, x2: plotRight, y2: y, stroke: style.colour, width: 2, dash: style.dash)
                referenceLabels.append(("\(reference.label): \(last.text)", plotRight - 6, y - 6))
            } else {
                doc.polyline(points.map { (xScale($0.x), yScale($0.y)) }, stroke: style.colour, width: 2, dash: style.dash)
                referenceLabels.append((reference.label, xScale(last.x), yScale(last.y) - 9))
            }
            for p in points {
                doc.marker(style.marker, x: xScale(p.x), y: yScale(p.y), colour: style.colour, size: 3.5,
                           tooltip: "\(reference.label) at \(byteWords(Int(p.x))): \(p.text)")
            }
        }

        for s in series {
            let points = s.points.filter { $0.x > 0 && $0.y > 0 }.sorted { $0.x < $1.x }
            doc.polyline(points.map { (xScale($0.x), yScale($0.y)) }, stroke: s.style.colour, width: s.width,
                         dash: s.dashOverride ?? s.style.dash, opacity: s.opacity < 1 ? s.opacity : nil)
        }
        for s in series {
            for p in s.points where p.x > 0 && p.y > 0 {
                doc.marker(s.style.marker, x: xScale(p.x), y: yScale(p.y), colour: s.style.colour, size: 4,
                           hollow: s.hollowMarkers, tooltip: "\(s.name) at \(byteWords(Int(p.x))): \(p.text)")
            }
        }
        // Ceiling labels last, with a halo, so no line hides them.
        for label in referenceLabels {
            let fitted = SVGDocument.fitted(label.text, width: plotRight - plotLeft - 12, size: 12)
            let textWidth = SVGDocument.textWidth(fitted, size: 12)
            let x = min(max(label.x, plotLeft + 6 + textWidth), plotRight - 6)
            let y = max(label.y, plotTop + 12)
            doc.text(fitted, x: x, y: y, size: 12, anchor: .end, bold: true, fill: "#444444", halo: true)
        }

        let legendX = plotRight + 24
        var y = plotTop + 10
        for item in legend {
            if !item.label.isEmpty {
                doc.line(x1: legendX, y1: y, x2: legendX + 30, y2: y, stroke: item.colour, width: item.width, dash: item.dash)
                if let m = item.marker { doc.marker(m, x: legendX + 15, y: y, colour: item.colour, size: 4, hollow: item.hollow) }
                doc.text(SVGDocument.fitted(item.label, width: legendWidth - 40, size: ChartText.legend),
                         x: legendX + 38, y: y + 4.5, size: ChartText.legend, fill: ChartText.ink, tooltip: item.label)
            }
            y += legendRow
        }
        return doc.render()
    }
}

// MARK: - Bar chart

/// Horizontal bars, one panel per metric, stacked; bars sorted by the caller; an optional
/// ceiling as a labelled vertical line. A log value axis when the values span more than 25x.
public struct BarChart {
    public struct Bar {
        public var label: String
        public var value: Double
        public var text: String
        public var colour: String
        public init(label: String, value: Double, text: String, colour: String) {
            self.label = label
            self.value = value
            self.text = text
            self.colour = colour
        }
    }

    public struct Reference {
        public var label: String
        public var value: Double
        public init(label: String, value: Double) { self.label = label; self.value = value }
    }

    public struct Panel {
        public var title: String
        public var axisTitle: String
        public var bars: [Bar]
        public var reference: Reference?
        public init(title: String, axisTitle: String, bars: [Bar], reference: Reference?) {
            self.title = title
            self.axisTitle = axisTitle
            self.bars = bars
            self.reference = reference
        }
    }

    public var title: String
    public var subtitle: String
    public var panels: [Panel]
    public var width = 900.0

    public init(title: String, subtitle: String, panels: [Panel]) {
        self.title = title
        self.subtitle = subtitle
        self.panels = panels
    }

    static let rowHeight = 26.0
    static let barHeight = 18.0

    public func svg() -> String {
        let labelWidth = min(240, (panels.flatMap(\.bars).map { SVGDocument.textWidth($0.label, size: 13) }.max() ?? 60) + 12)
        let plotLeft = 20 + labelWidth + 8
        let plotRight = width - 100
        let heights = panels.map { 64 + Double($0.bars.count) * Self.rowHeight + 62 }
        var doc = SVGDocument(width: width, height: 76 + heights.reduce(0, +))
        var top = doc.heading(title, subtitle) + 6
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

// MARK: - Heatmap

/// Rows by columns of coloured cells with the value printed in each; a log colour scale
/// (viridis) where the best values are the brightest; missing cells grey with "—".
public struct Heatmap {
    public struct Cell {
        public var value: Double?
        public var text: String
        public var tooltip: String
        public init(value: Double?, text: String, tooltip: String) {
            self.value = value
            self.text = text
            self.tooltip = tooltip
        }
    }

    public var title: String
    public var subtitle: String
    public var columnTitle: String
    public var rowLabels: [String]
    public var columnLabels: [String]
    /// cells[row][column]
    public var cells: [[Cell]]
    public var higherIsBetter: Bool
    public var scaleTitle: String
    public var width = 900.0

    public init(title: String, subtitle: String, columnTitle: String, rowLabels: [String], columnLabels: [String],
                cells: [[Cell]], higherIsBetter: Bool, scaleTitle: String) {
        self.title = title
        self.subtitle = subtitle
        self.columnTitle = columnTitle
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.cells = cells
        self.higherIsBetter = higherIsBetter
        self.scaleTitle = scaleTitle
    }

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

    public func svg() -> String {
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

// MARK: - Change chart

/// One bar per (scenario, metric): the change from baseline to candidate in percent, positive =
/// worse (slower, or less throughput), drawn to the right; the confidence interval as a whisker,
/// the ±threshold band shaded, bars coloured by verdict.
public struct ChangeChart {
    public struct Row {
        public var label: String
        public var percent: Double
        public var low: Double
        public var high: Double
        public var verdict: Verdict
        public var tooltip: String
        public init(label: String, percent: Double, low: Double, high: Double, verdict: Verdict, tooltip: String) {
            self.label = label
            self.percent = percent
            self.low = low
            self.high = high
            self.verdict = verdict
            self.tooltip = tooltip
        }
    }

    public var title: String
    public var subtitle: String
    public var threshold: Double
    public var confidence: Double
    public var rows: [Row]
    public var footnotes: [String]
    public var width = 900.0

    public init(title: String, subtitle: String, threshold: Double, confidence: Double, rows: [Row], footnotes: [String]) {
        self.title = title
        self.subtitle = subtitle
        self.threshold = threshold
        self.confidence = confidence
        self.rows = rows
        self.footnotes = footnotes
    }

    public static func colour(_ verdict: Verdict) -> String {
        switch verdict {
        case .regressed: return "#D55E00"
        case .improved: return "#009E73"
        case .unchanged: return "#A0A0A0"
        case .inconclusive: return "#E69F00"
        }
    }

    /// How far the axis may reach, so one wild interval does not squash every other bar.
    static let axisLimit = (lo: -100.0, hi: 300.0)

    public func svg() -> String {
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
        var lx = 20.0
        for verdict in Verdict.allCases {
            doc.rect(x: lx, y: legendTop, width: 14, height: 14, fill: Self.colour(verdict))
            doc.text(verdict.rawValue, x: lx + 20, y: legendTop + 12, size: ChartText.legend, fill: ChartText.ink)
            lx += 20 + SVGDocument.textWidth(verdict.rawValue, size: ChartText.legend) + 22
        }
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

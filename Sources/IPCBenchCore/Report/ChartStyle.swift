#if canImport(Glibc)
import Glibc
#endif

// The chart types of `ipcbench plot`, drawn as SVG by hand. They know only labels and
// numbers, never rows or files.

/// How a point is marked; beyond eight series the shape (with the dash) tells series of the same
/// colour apart.
enum Marker: Sendable, CaseIterable {
    case circle, square, triangle, diamond
}

/// How one series is drawn, picked by index so a mechanism looks the same in every chart.
struct SeriesStyle: Sendable, Equatable {
    var colour: String
    /// An SVG dash array, or nil for a solid line.
    var dash: String?
    var marker: Marker

    init(colour: String, dash: String? = nil, marker: Marker = .circle) {
        self.colour = colour
        self.dash = dash
        self.marker = marker
    }

    /// Okabe-Ito, the colour-blind-safe eight (its yellow darkened so it reads on white).
    static let palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#B39B00"]
    static let dashes: [String?] = [nil, "7 4", "2 3", "10 3 2 3"]

    /// Series 0–7 are solid lines of the eight colours with circles; each further eight repeats
    /// the colours with another dash pattern and marker shape.
    static func forIndex(_ index: Int) -> SeriesStyle {
        let i = max(0, index)
        let round = (i / palette.count) % dashes.count
        return SeriesStyle(colour: palette[i % palette.count], dash: dashes[round], marker: Marker.allCases[round])
    }

    /// The ceilings (`memcpy`, `cacheline`): grey, long dashes.
    static let ceiling = SeriesStyle(colour: "#6B6B6B", dash: "10 5", marker: .diamond)
}

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
